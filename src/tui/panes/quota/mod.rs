//! The Quota pane: quota per subscription, region and type (enter expands
//! a row into its deployments), or the capacity check's table when one is
//! open ([`state::CapacityView`]).

pub mod state;

use crate::config::Config;
use crate::domain::time::Time;
use crate::domain::{Estate, Sku, capacity};
use crate::tui::action::{Action, Command, Pane};
use crate::tui::data::Data;
use crate::tui::data::{
    GAUGE, Row, SortKey, Table, Tone, capacity_cell, col, gauge_text, live_ptu, num, pct, pct_cell,
};
use crate::tui::effect::Effect;
use crate::tui::state::{App, TableView, jump};
use crate::tui::table::table_pane;
use ratatui::Frame;
use ratatui::layout::Rect;
use rust_decimal::Decimal;
use state::CapacityView;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The Quota pane's own commands: the capacity mode.
pub fn commands() -> Vec<Command<App>> {
    vec![
        // Enter on a row: a quota row expands into its deployments, a
        // capacity row goes to its region's quota.
        Command::list(Action::Select, Pane::Quota, 1, |app: &App| {
            let what = match app.capacity {
                Some(_) => "go to",
                None => "expand",
            };
            app.has_rows(Pane::Quota).then_some(what)
        }),
        Command::new(Action::Capacity, &[Pane::Quota], 1),
    ]
}

/// Draws the pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    match &app.capacity {
        Some(c) => table_pane(app, f, area, Pane::Quota, &c.title()),
        None => table_pane(
            app,
            f,
            area,
            Pane::Quota,
            " Quota: per subscription, region and type (enter expands) ",
        ),
    }
}

// The rows: built off the render path, once per load, by [`data::compute`](crate::tui::data::compute).

pub(crate) fn quota_table(e: &Estate, config: &Config, now: Time) -> Table {
    let threshold = Decimal::from(config.alerts.quota_threshold_pct);
    // (subscription, region, sku) -> deployments
    let mut deps: BTreeMap<(String, String, Sku), Vec<&crate::domain::Deployment>> =
        BTreeMap::new();
    for d in &e.deployments {
        let Some(r) = e.resource(&d.resource) else {
            continue;
        };
        if live_ptu(e, d, now) > 0 {
            deps.entry((r.subscription.clone(), r.region.clone(), d.sku))
                .or_default()
                .push(d);
        }
    }
    let mut keys: BTreeMap<(String, String, Sku), Option<i64>> = BTreeMap::new();
    // The pooled rows (model-specific ones are checked by `check`).
    for q in e.quotas.iter().filter(|q| q.model.is_none()) {
        keys.insert(
            (q.subscription.clone(), q.region.clone(), q.sku),
            Some(q.limit),
        );
    }
    for k in deps.keys() {
        keys.entry(k.clone()).or_insert(None);
    }
    let rows = keys
        .into_iter()
        .map(|((sub, region, sku), limit)| {
            let list = deps
                .get(&(sub.clone(), region.clone(), sku))
                .cloned()
                .unwrap_or_default();
            let used: i64 = list.iter().map(|d| live_ptu(e, d, now)).sum();
            let share = limit.and_then(|l| pct(used.into(), l.into()));
            let (flag, tone) = match limit {
                Some(l) if used > l => ("over limit".to_string(), Tone::Critical),
                Some(l) if l > 0 && share.is_some_and(|s| s >= threshold) => {
                    ("near limit".to_string(), Tone::Warning)
                }
                None => ("no quota known".to_string(), Tone::Dim),
                _ => (String::new(), Tone::Plain),
            };
            let gauge = match limit {
                Some(l) if l > 0 => gauge_text(used, l, GAUGE),
                _ => String::new(),
            };
            // Service capacity Azure last reported for each model version
            // deployed here (None: never read).
            let reported: Vec<Option<capacity::Reported>> = list
                .iter()
                .map(|d| capacity::reported(e, &region, sku, &d.model, &d.version, now))
                .collect();
            let tightest = reported.iter().flatten().min_by(|a, b| {
                a.available
                    .cmp(&b.available)
                    .then(b.age_seconds.cmp(&a.age_seconds))
            });
            let unread = reported.iter().filter(|r| r.is_none()).count();
            let cap_cell = match (tightest, unread) {
                (None, 0) => String::new(),
                (None, _) => "not read".to_string(),
                (Some(c), 0) => capacity_cell(c),
                (Some(c), n) => format!("{}, {n} not read", capacity_cell(c)),
            };
            let cap_sort = tightest.map_or(SortKey::Empty, |c| SortKey::num(c.available));
            let children = list
                .iter()
                .zip(&reported)
                .map(|(d, r)| Row {
                    key: d.id.clone(),
                    // Drawn with columns of their own under the parent.
                    cells: vec![
                        d.id.clone(),
                        d.resource.clone(),
                        format!("{} {}", d.model, d.version).trim().to_string(),
                        format!("{} PTU", live_ptu(e, d, now)),
                        match r {
                            Some(c) => format!("service capacity {}", capacity_cell(c)),
                            None => "service capacity not read".to_string(),
                        },
                    ],
                    sort: vec![],
                    tone: Tone::Dim,
                    children: vec![],
                })
                .collect();
            Row {
                key: format!("{sub}/{region}/{}", sku.azure_name()),
                cells: vec![
                    sub.clone(),
                    region.clone(),
                    sku.label().into(),
                    limit.map_or("?".into(), |l| l.to_string()),
                    used.to_string(),
                    limit.map_or("?".into(), |l| (l - used).to_string()),
                    pct_cell(share),
                    gauge,
                    flag,
                    cap_cell,
                ],
                sort: vec![
                    SortKey::text(sub),
                    SortKey::text(region),
                    SortKey::text(sku.label()),
                    limit.map_or(SortKey::Empty, SortKey::num),
                    SortKey::num(used),
                    limit.map_or(SortKey::Empty, |l| SortKey::num(l - used)),
                    share.map_or(SortKey::Empty, SortKey::Num),
                    share.map_or(SortKey::Empty, SortKey::Num),
                    SortKey::text(match tone {
                        Tone::Critical => "0",
                        Tone::Warning => "1",
                        _ => "2",
                    }),
                    cap_sort,
                ],
                tone,
                children,
            }
        })
        .collect();
    Table {
        columns: vec![
            // Everything fits at 80 columns.
            col("Subscription", 12, 0),
            col("Region", 10, 0),
            col("SKU", 4, 0),
            num("Limit", 5, 0),
            num("Used", 4, 0),
            num("Free", 4, 0),
            num("Use", 4, 2),
            col("Gauge", GAUGE as u16, 0),
            col("Flag", 10, 1),
            // Azure's service capacity for the models deployed here: the
            // tightest answer and its age.
            col("Capacity", 9, 1),
        ],
        rows,
        empty:
            "No quota known and nothing deployed: import `az cognitiveservices usage list` output."
                .into(),
        footer: None,
    }
}

// The keys: what `app::update` routes to this pane.

/// Enter: in the capacity mode, the deployments of the first account of
/// yours where it fits; else a quota row expands (or collapses), and a
/// deployment under it is shown in Deployments.
pub(crate) fn select(app: &mut App, key: String) -> Vec<Effect> {
    if app.capacity.is_some() {
        let on = app
            .table(Pane::Quota)
            .and_then(|t| app.view(Pane::Quota).selected_row(t))
            .and_then(|r| r.cells.get(7).cloned())
            .unwrap_or_default();
        match on.split(", ").next().filter(|r| *r != "-" && !r.is_empty()) {
            Some(resource) => {
                let resource = resource.to_string();
                jump(app, &resource)
            }
            None => {
                app.set_status(
                    Tone::Info,
                    "No account of yours can take it there (see Answer).",
                );
                vec![]
            }
        }
    } else {
        let v = app.views.get_mut(&Pane::Quota).expect("view");
        let child = v.rows.get(v.selected).and_then(|r| r.1).is_some();
        if child {
            return jump(app, &key);
        }
        if !v.expanded.remove(&key) {
            v.expanded.insert(key);
        }
        app.refresh(Pane::Quota);
        vec![]
    }
}

/// `c` in the Quota pane: the capacity mode on the selected row's model
/// (or back to quota when it is open).
pub(crate) fn capacity_key(app: &mut App) -> Vec<Effect> {
    if app.capacity.is_some() {
        close_capacity(app);
        return vec![];
    }
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    // A quota row's own key names no deployment: take its first child.
    let key = {
        let t = &d.quota;
        let v = app.view(Pane::Quota);
        v.rows.get(v.selected).and_then(|&(i, c)| {
            let r = t.rows.get(i)?;
            match c {
                Some(c) => r.children.get(c).map(|k| k.key.clone()),
                None => r.children.first().map(|k| k.key.clone()),
            }
        })
    };
    match key.and_then(|k| state::seed(&d.estate, &k, app.now)) {
        Some(q) => open_capacity(app, &d, q),
        None => {
            app.set_status(
                Tone::Warning,
                "No deployment on this row: :capacity MODEL PTU asks about any model.",
            );
            vec![]
        }
    }
}

/// `:capacity MODEL PTU [--version V] [--type T] [--region R]`.
pub(crate) fn capacity_command(app: &mut App, rest: &str) -> Vec<Effect> {
    let Some(d) = app.data().cloned() else {
        app.set_status(Tone::Warning, "Still reading the store: ask in a moment.");
        return vec![];
    };
    let base = app.capacity.as_ref().map(|c| c.query.clone());
    match state::parse(rest, base.as_ref()) {
        Ok(q) => {
            app.go(Pane::Quota);
            open_capacity(app, &d, q)
        }
        Err(e) => {
            app.set_status(Tone::Warning, e);
            vec![]
        }
    }
}

fn open_capacity(app: &mut App, d: &Arc<Data>, q: crate::domain::capacity::Query) -> Vec<Effect> {
    app.capacity = Some(CapacityView::new(&d.estate, q, app.now));
    *app.views.get_mut(&Pane::Quota).expect("view") = TableView::default();
    app.refresh(Pane::Quota);
    vec![]
}

pub(crate) fn close_capacity(app: &mut App) {
    app.capacity = None;
    *app.views.get_mut(&Pane::Quota).expect("view") = TableView::default();
    app.refresh(Pane::Quota);
}

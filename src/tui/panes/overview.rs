//! The Overview pane: PTU this hour by region and type (scrolled with
//! `J` / `K`), the forecast box, the next expiries, renewals and purchases,
//! and the top notifications.

use crate::domain::notice::Severity;
use crate::domain::terms::base_id;
use crate::domain::time::Time;
use crate::domain::{CommitmentRenewal, Estate, ReservationRenewal, Sku};
use crate::rating::engine::{DeploymentUse, InstrumentPeriod};
use crate::rating::{BilledCharge, InstrumentKind};
use crate::tui::action::{Action, Command, Pane};
use crate::tui::data;
use crate::tui::data::Loadable;
use crate::tui::data::{
    Event, Row, SortKey, Table, Tone, col, commitment_setting, commitment_term, hour_ptu, live_ptu,
    money, num, pct, pct_cell, region_of, reservation_renewal_label, reservation_setting,
    reservation_term,
};
use crate::tui::data::{c, minute};
use crate::tui::effect::Effect;
use crate::tui::state::{App, TableView};
use crate::tui::table::status_lines;
use crate::tui::table::{block, draw_table, tone_style};
use crate::tui::widgets::columns::fit;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// The Overview's own commands: scrolling the region table.
pub fn commands() -> Vec<Command<App>> {
    vec![
        // Enter on a row.
        Command::list(Action::Select, Pane::Overview, 1, |app: &App| {
            app.has_rows(Pane::Overview).then_some("go to")
        }),
        Command::new(Action::RegionsDown, &[Pane::Overview], 1),
        Command::new(Action::RegionsUp, &[Pane::Overview], 1),
    ]
}

/// The Overview's top boxes' height in a body `body_h` high: at least 10
/// lines, at most half the body (which a long status message shortens).
fn overview_top_height(cap_rows: usize, body_h: u16) -> u16 {
    (cap_rows as u16 + 3).max(10).min(body_h / 2)
}
/// How many of the region table's `rows` the Overview shows in the
/// current window (the rest scroll with `J` / `K`).
pub fn overview_region_rows(app: &App, rows: usize) -> usize {
    let status = status_lines(app, app.size.0).len().max(1) as u16;
    // The window less the tab row, header, status and key bar.
    let body = app.size.1.saturating_sub(3 + status);
    (overview_top_height(rows, body).saturating_sub(3) as usize).min(rows)
}
/// Draws the pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect, d: &data::Data) {
    let cap_rows = d.overview.capacity.rows.len();
    let top_h = overview_top_height(cap_rows, area.height);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(3)]).areas(area);
    let fc_w = if area.width >= 110 { 40 } else { 28 };
    let [left, right] =
        Layout::horizontal([Constraint::Min(20), Constraint::Length(fc_w)]).areas(top);
    // Scrolled by `J` / `K`: the first row in view is the selection (not
    // drawn as one: the table is not focused).
    let in_view = top_h.saturating_sub(3) as usize;
    let offset = app
        .regions_offset
        .min(cap_rows.saturating_sub(in_view.max(1)));
    let cap_view = TableView {
        rows: (0..cap_rows).map(|i| (i, None)).collect(),
        selected: offset,
        offset,
        ..Default::default()
    };
    // "Now" is the hour that holds the app's now: what the core rated for it.
    let hour = crate::domain::time::floor_hour(d.now);
    let month = d.baseline.month.0.format("%b");
    let cap_title = if left.width >= 76 {
        format!(
            " PTU this hour ({}-{} UTC) by region and type, {month}: the whole month ",
            hour.format("%H:%M"),
            (hour + chrono::Duration::hours(1)).format("%H:%M")
        )
    } else {
        format!(" PTU {} UTC by region, type ", hour.format("%H:%M"))
    };
    let cap_title = if cap_rows > in_view {
        let keys = format!(
            "{}/{}",
            app.keymap.first_key("regions_down").unwrap_or_default(),
            app.keymap.first_key("regions_up").unwrap_or_default()
        );
        format!(
            "{cap_title}· {}-{} {keys} ",
            offset + 1,
            (offset + in_view).min(cap_rows)
        )
    } else {
        cap_title
    };
    draw_table(
        app,
        f,
        left,
        &d.overview.capacity,
        &cap_view,
        &cap_title,
        false,
    );

    // The forecast box: this month and next, actual and amortized.
    let mut lines: Vec<Line> = Vec::new();
    let num_w = (fc_w as usize).saturating_sub(12);
    for (label, actual, amortized) in &d.overview.forecast {
        lines.push(Line::from(Span::styled(
            label.clone(),
            app.theme.bold("header"),
        )));
        let fig = |t: &Option<crate::rating::Totals>, f: fn(&crate::rating::Totals) -> Decimal| {
            t.as_ref().map_or("—".to_string(), |t| money(f(t)))
        };
        lines.push(Line::from(format!(
            "{:<10}{:>num_w$}",
            "actual",
            fig(actual, |t| t.total())
        )));
        lines.push(Line::from(format!(
            "{:<10}{:>num_w$}",
            "amortized",
            fig(amortized, |t| t.total())
        )));
        lines.push(Line::from(Span::styled(
            format!("{:<10}{:>num_w$}", "hourly", fig(actual, |t| t.hourly)),
            app.theme.fg("warning"),
        )));
    }
    f.render_widget(Paragraph::new(lines).block(block(app, " Forecast ")), right);

    // Events and notifications, each box as tall as its content when both
    // fit; else the events keep at least half (they are the list the keys
    // move in) and the notifications get the rest, one line each first.
    let inner_w = bottom.width.saturating_sub(2) as usize;
    let notes = top_notes(app, inner_w);
    let events = app.events_table.as_ref().map_or(0, |t| t.rows.len());
    let b = bottom.height;
    let ev_need = events as u16 + 3;
    let n_full: u16 = notes.iter().map(|n| n.1.len() as u16).sum::<u16>().max(1) + 2;
    let n_min = (notes.len() as u16).max(1) + 2;
    let n_h = if ev_need + n_full <= b {
        b - ev_need
    } else {
        let ev_floor = ev_need.min((b / 2).max(4));
        n_full
            .min(b.saturating_sub(ev_floor))
            .max(n_min.min(b.saturating_sub(ev_floor)))
    };
    let [ev, nt] = Layout::vertical([Constraint::Min(3), Constraint::Length(n_h)]).areas(bottom);
    if let Some(t) = &app.events_table {
        draw_table(
            app,
            f,
            ev,
            t,
            app.view(Pane::Overview),
            " Next expiries, renewals and purchases ",
            true,
        );
    }
    let count = match &app.notifications {
        Loadable::Ready(list) => list.len(),
        _ => 0,
    };
    // Each note whole while there is room for the ones after it (one line
    // each); a note cut short ends in `…`.
    let rows = n_h.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut shown = 0;
    for (k, (tone, text)) in notes.iter().enumerate() {
        let left = rows.saturating_sub(lines.len());
        if left == 0 {
            break;
        }
        let after = (notes.len() - k - 1).min(left.saturating_sub(1));
        let take = text.len().min(left - after).max(1);
        for (j, l) in text.iter().take(take).enumerate() {
            let l = if j + 1 == take && take < text.len() {
                let mut cut: String = l.chars().take(inner_w.saturating_sub(1)).collect();
                cut.push('…');
                cut
            } else {
                l.clone()
            };
            lines.push(Line::from(Span::styled(l, tone_style(&app.theme, *tone))));
        }
        shown += 1;
    }
    if notes.is_empty() {
        lines.push(Line::from(Span::styled(
            match &app.notifications {
                Loadable::Loading => "checking…",
                _ => "Nothing to report.",
            },
            app.theme.dim(),
        )));
    }
    let title = if shown < count {
        let k = app
            .keymap
            .first_key("pane_notifications")
            .unwrap_or_default();
        format!(" Top notifications: {shown} of {count} by severity and cost ({k} lists all) ")
    } else {
        format!(" Notifications ({count}) by severity and cost ")
    };
    f.render_widget(Paragraph::new(lines).block(block(app, title)), nt);
}
/// The notifications for the overview, most severe first and, within a
/// severity, the largest cost impact first (the Notifications pane keeps
/// severity, then date): each as its lines at `width`, the message
/// wrapped under its start.
fn top_notes(app: &App, width: usize) -> Vec<(Tone, Vec<String>)> {
    let list = match &app.notifications {
        Loadable::Ready(list) => list,
        Loadable::Failed(e) => return vec![(Tone::Critical, vec![fit(e, width, false)])],
        Loadable::Loading => return vec![],
    };
    let mut v: Vec<&crate::domain::notice::Notification> = list.iter().collect();
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.cost_impact.cmp(&a.cost_impact))
            .then(a.at.cmp(&b.at))
            .then(a.id.cmp(&b.id))
    });
    let cost_w = v
        .iter()
        .map(|n| money(n.cost_impact).len())
        .max()
        .unwrap_or(0);
    let subj_w = v
        .iter()
        .map(|n| n.subject.chars().count())
        .max()
        .unwrap_or(0)
        .min(width / 4);
    v.into_iter()
        .map(|n| {
            let head = format!(
                "{:<8} {:>cost_w$}  {}  ",
                n.severity.name(),
                money(n.cost_impact),
                fit(&n.subject, subj_w, false)
            );
            let indent = " ".repeat(head.chars().count());
            let body = crate::report::wrap(&n.message, &indent, width);
            let mut lines: Vec<String> = body;
            if let Some(first) = lines.first_mut() {
                *first = format!("{head}{}", first.trim_start());
            } else {
                lines.push(head);
            }
            let tone = match n.severity {
                Severity::Critical => Tone::Critical,
                Severity::Warning => Tone::Warning,
                Severity::Info => Tone::Info,
            };
            (tone, lines)
        })
        .collect()
}

/// Builds the events table again from the loaded data.
pub(crate) fn rebuild_events(app: &mut App) {
    app.events_table = app.data().map(|d| events_table(&d.overview.events));
    app.refresh(Pane::Overview);
}

/// Upcoming expiries, renewals and planned purchases.
pub fn events_table(events: &[Event]) -> Table {
    let rows = events
        .iter()
        .map(|e| Row {
            key: e.id.clone(),
            cells: vec![
                minute(e.at),
                e.id.clone(),
                e.what.clone(),
                e.amount.map_or("—".into(), money),
                e.note.clone(),
            ],
            sort: vec![],
            tone: e.tone,
            children: vec![],
        })
        .collect();
    Table {
        columns: vec![
            c("When", 10, 0, false, false),
            c("Instrument", 16, 0, false, false),
            c("Event", 18, 0, false, false),
            c("Amount", 11, 0, true, false),
            c("Note", 10, 1, false, true),
        ],
        rows,
        empty: "No expiry, renewal or purchase ahead.".into(),
        footer: None,
    }
}

// The rows: built off the render path, once per load, by [`data::compute`](crate::tui::data::compute).

/// Column titles for a month's utilization and coverage.
pub(crate) fn month_titles(month: u32) -> (&'static str, &'static str) {
    const T: [(&str, &str); 12] = [
        ("Util Jan", "Cover Jan"),
        ("Util Feb", "Cover Feb"),
        ("Util Mar", "Cover Mar"),
        ("Util Apr", "Cover Apr"),
        ("Util May", "Cover May"),
        ("Util Jun", "Cover Jun"),
        ("Util Jul", "Cover Jul"),
        ("Util Aug", "Cover Aug"),
        ("Util Sep", "Cover Sep"),
        ("Util Oct", "Cover Oct"),
        ("Util Nov", "Cover Nov"),
        ("Util Dec", "Cover Dec"),
    ];
    T[(month.clamp(1, 12) - 1) as usize]
}

/// The overview's capacity by region and deployment type: deployed,
/// committed and reserved PTU and the utilization and coverage in the
/// current hour (the rating core's figures for the hour that holds now),
/// then utilization and coverage over the whole month (`month`, 1-12).
pub(crate) fn capacity_table(
    e: &Estate,
    hour: (&[InstrumentPeriod], &[DeploymentUse]),
    (month_periods, month_uses): (&[InstrumentPeriod], &HashMap<String, DeploymentUse>),
    month: u32,
) -> Table {
    /// PTU-minutes: deployed, committed, reserved; capacity and used; and
    /// the deployed minutes that paid the hourly rate.
    #[derive(Default, Clone, Copy)]
    struct Use {
        deployed: i64,
        committed: i64,
        reserved: i64,
        cap: i64,
        used: i64,
        hourly: Decimal,
    }
    let key = |d: &crate::domain::Deployment| (region_of(e, &d.resource).to_string(), d.sku);
    let mut by: BTreeMap<(String, Sku), (Use, Use)> = BTreeMap::new();
    for u in hour.1 {
        if let Some(d) = e.deployments.get(u.index) {
            let a = &mut by.entry(key(d)).or_default().0;
            a.deployed += u.deployed_ptu_minutes;
            a.hourly += u.hourly_ptu_minutes;
        }
    }
    for p in hour.0 {
        let a = &mut by.entry((p.region.clone(), p.sku)).or_default().0;
        match p.kind {
            InstrumentKind::Commitment => a.committed += p.capacity_ptu_minutes,
            InstrumentKind::Reservation => a.reserved += p.capacity_ptu_minutes,
        }
        a.cap += p.capacity_ptu_minutes;
        a.used += p.used_ptu_minutes;
    }
    for u in month_uses.values() {
        if let Some(d) = e.deployments.get(u.index) {
            let a = &mut by.entry(key(d)).or_default().1;
            a.deployed += u.deployed_ptu_minutes;
            a.hourly += u.hourly_ptu_minutes;
        }
    }
    for p in month_periods {
        let a = &mut by.entry((p.region.clone(), p.sku)).or_default().1;
        a.cap += p.capacity_ptu_minutes;
        a.used += p.used_ptu_minutes;
    }
    let util = |a: &Use| pct(a.used.into(), a.cap.into());
    let cover = |a: &Use| pct(Decimal::from(a.deployed) - a.hourly, a.deployed.into());
    let rows = by
        .into_iter()
        .filter(|(_, (h, m))| h.deployed + h.cap + m.deployed + m.cap > 0)
        .map(|((region, sku), (h, m))| {
            let tone = if h.hourly > Decimal::ZERO {
                Tone::Warning
            } else {
                Tone::Plain
            };
            Row {
                key: format!("{region}/{}", sku.azure_name()),
                cells: vec![
                    region.clone(),
                    sku.label().into(),
                    hour_ptu(h.deployed),
                    hour_ptu(h.committed),
                    hour_ptu(h.reserved),
                    pct_cell(util(&h)),
                    pct_cell(cover(&h)),
                    pct_cell(util(&m)),
                    pct_cell(cover(&m)),
                ],
                sort: vec![
                    SortKey::text(region),
                    SortKey::text(sku.label()),
                    SortKey::num(h.deployed),
                    SortKey::num(h.committed),
                    SortKey::num(h.reserved),
                    util(&h).map_or(SortKey::Empty, SortKey::Num),
                    cover(&h).map_or(SortKey::Empty, SortKey::Num),
                    util(&m).map_or(SortKey::Empty, SortKey::Num),
                    cover(&m).map_or(SortKey::Empty, SortKey::Num),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    let (month_util, month_cover) = month_titles(month);
    Table {
        columns: vec![
            col("Region", 10, 0),
            col("SKU", 4, 0),
            num("Deploy", 6, 0),
            num("Commit", 6, 0),
            num("Reserve", 7, 0),
            num("Util", 4, 0),
            num("Cover", 5, 0),
            num(month_util, 8, 1),
            num(month_cover, 9, 1),
        ],
        rows,
        empty: "Nothing deployed, committed or reserved.".into(),
        footer: None,
    }
}

pub(crate) fn events(e: &Estate, now: Time, upcoming: &[BilledCharge]) -> Vec<Event> {
    let bill_at = |pred: &dyn Fn(&BilledCharge) -> bool, at: Time| -> Option<Decimal> {
        let v: Vec<&BilledCharge> = upcoming.iter().filter(|b| b.at == at && pred(b)).collect();
        (!v.is_empty()).then(|| v.iter().map(|b| b.amount).sum())
    };
    let mut out = Vec::new();
    for c in &e.commitments {
        let Some((t, state)) = commitment_term(e, c, now) else {
            continue;
        };
        let deployed: i64 = e
            .deployments
            .iter()
            .filter(|d| d.resource == c.resource && d.sku == Sku::Regional)
            .map(|d| live_ptu(e, d, t.end.max(now)))
            .sum();
        if state == "planned" {
            out.push(Event {
                at: t.start,
                id: c.id.clone(),
                what: format!("commitment starts, {} PTU", t.ptu),
                amount: bill_at(&|b| b.id == c.id, t.start),
                note: String::new(),
                tone: Tone::Info,
            });
        }
        if state == "expired" {
            continue;
        }
        match commitment_setting(c, t.end) {
            CommitmentRenewal::None => out.push(Event {
                at: t.end,
                id: c.id.clone(),
                what: "commitment expires".into(),
                amount: None,
                note: if deployed > 0 {
                    format!("{deployed} PTU deployed at expiry")
                } else {
                    String::new()
                },
                tone: if deployed > 0 {
                    Tone::Critical
                } else {
                    Tone::Plain
                },
            }),
            s => out.push(Event {
                at: t.end,
                id: c.id.clone(),
                what: format!(
                    "commitment renews at {} PTU",
                    match s {
                        CommitmentRenewal::AutorenewLower(p) => p,
                        _ => t.ptu_at_end(),
                    }
                ),
                amount: bill_at(&|b| b.id == c.id, t.end),
                note: String::new(),
                tone: Tone::Info,
            }),
        }
    }
    for r in &e.reservations {
        let Some((t, state)) = reservation_term(r, now) else {
            continue;
        };
        let mine = |b: &BilledCharge| base_id(&b.id) == r.id;
        if state == "planned" {
            out.push(Event {
                at: t.start,
                id: r.id.clone(),
                what: format!("reservation purchase, {} PTU {}", t.ptu, t.term.code()),
                amount: bill_at(&mine, t.start),
                note: format!("{} {}", r.region, r.sku.label()),
                tone: Tone::Info,
            });
        }
        if state == "expired" || state == "refunded" {
            continue;
        }
        match reservation_setting(r, t.end) {
            ReservationRenewal::None => out.push(Event {
                at: t.end,
                id: r.id.clone(),
                what: "reservation expires".into(),
                amount: None,
                note: String::new(),
                tone: Tone::Warning,
            }),
            s => out.push(Event {
                at: t.end,
                id: r.id.clone(),
                what: format!(
                    "reservation {}",
                    reservation_renewal_label(&s).replace("autorenew", "renews")
                ),
                amount: bill_at(&mine, t.end),
                note: String::new(),
                tone: Tone::Info,
            }),
        }
    }
    out.retain(|ev| ev.at >= now);
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    out
}

// The keys: what `app::update` routes to this pane.

/// `J` / `K`: the region table scrolls.
pub(crate) fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    let rows = app.data().map_or(0, |d| d.overview.capacity.rows.len());
    let most = rows.saturating_sub(overview_region_rows(app, rows));
    app.regions_offset = if matches!(action, Action::RegionsDown) {
        (app.regions_offset + 1).min(most)
    } else {
        app.regions_offset.min(most).saturating_sub(1)
    };
    vec![]
}

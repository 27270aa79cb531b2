//! Detail popups: a deployment, commitment or reservation in full (enter
//! on its row). Text only; every amount is a rating-core figure.

use crate::domain::terms;
use crate::domain::terms::base_id;
use crate::tui::action::{Action, Pane};
use crate::tui::data::{self, Data, Tone, day, minute, money, ptu_hours};
use crate::tui::effect::Effect;
use crate::tui::popups::centered;
use crate::tui::state::{App, Overlay};
use crate::tui::table::{block, tone_style};
use chrono::Duration;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use rust_decimal::Decimal;

/// The key bar while a detail is open.
pub const KEYS: &[(&str, &str)] = &[("esc", "close"), ("↑↓", "scroll")];

/// The mark on an instant an import or sync estimated (Azure showed the
/// change, not when it happened).
fn approx(estimated: bool) -> &'static str {
    if estimated {
        "  (seen by an import; approximate)"
    } else {
        ""
    }
}

fn line(s: impl Into<String>) -> (String, Tone) {
    (s.into(), Tone::Plain)
}

fn head(s: impl Into<String>) -> (String, Tone) {
    (s.into(), Tone::Info)
}

/// "  (to come)" after a saved change that takes effect after `now`.
fn to_come(at: crate::domain::time::Time, now: crate::domain::time::Time) -> &'static str {
    if at > now { "  (to come)" } else { "" }
}

/// A deployment's details: where it runs, its sizes over time, what covers
/// it, and this month's cost.
pub fn deployment(d: &Data, id: &str) -> Vec<(String, Tone)> {
    let e = &d.estate;
    let Some(dep) = e.deployments.iter().find(|x| x.id == id) else {
        return vec![line(format!("{id} is gone from the store."))];
    };
    let r = e.resource(&dep.resource);
    let mut out = vec![
        line(format!("Resource      {}", dep.resource)),
        line(format!(
            "Where         {} / {} / {}",
            r.map_or("?", |r| &r.subscription),
            r.map_or("?", |r| &r.resource_group),
            r.map_or("?", |r| &r.region)
        )),
        line(format!(
            "Type          {} ({})",
            dep.sku.label(),
            dep.sku.azure_name()
        )),
        line(format!("Model         {} {}", dep.model, dep.version)),
        line(format!("PTU now       {}", data::live_ptu(e, dep, d.now))),
        line(format!(
            "Covered now   {}",
            d.covered_now.get(id).cloned().unwrap_or_else(|| "—".into())
        )),
        (String::new(), Tone::Plain),
        head("Sizes"),
    ];
    for s in &dep.sizes {
        out.push(line(format!(
            "  {}  {} PTU{}{}",
            minute(s.at),
            s.ptu,
            approx(s.approximate),
            to_come(s.at, d.now)
        )));
    }
    // The end of the deployment, and of its resource (it bills until the purge).
    let mut ends = vec![(dep.deleted, "deleted".to_string(), dep.deleted_approximate)];
    if let Some(r) = r {
        ends.push((
            r.deleted,
            format!("resource {} deleted", r.id),
            r.deleted_approximate,
        ));
        ends.push((
            r.purged,
            format!("resource {} purged", r.id),
            r.purged_approximate,
        ));
    }
    for (at, what, estimated) in ends {
        if let Some(t) = at {
            out.push(line(format!(
                "  {}  {what}{}",
                minute(t),
                approx(estimated)
            )));
        }
    }
    out.push((String::new(), Tone::Plain));
    out.push(head(format!(
        "This month ({})",
        d.baseline.month.0.format("%b %Y")
    )));
    match d.month_use.get(id) {
        Some(u) => {
            // One table: what, PTU-hours (4 places), cost; columns sized
            // to their longest entry.
            let mut rows: Vec<(String, String, String)> = vec![(
                "deployed".into(),
                ptu_hours(u.deployed_ptu_minutes),
                String::new(),
            )];
            for cov in &u.covered {
                rows.push((
                    format!("covered by {}", cov.instrument),
                    ptu_hours(cov.ptu_minutes),
                    money(cov.cost),
                ));
            }
            rows.push((
                "hourly rate".into(),
                ptu_hours(u.hourly_ptu_minutes),
                money(u.hourly_cost),
            ));
            let total = ("cost".to_string(), String::new(), money(u.cost()));
            let w0 = rows
                .iter()
                .map(|r| r.0.chars().count())
                .max()
                .unwrap_or(0)
                .max(4);
            let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
            let w2 = rows
                .iter()
                .chain(std::iter::once(&total))
                .map(|r| r.2.chars().count())
                .max()
                .unwrap_or(0);
            for (what, h, cost) in &rows {
                out.push(line(format!(
                    "  {what:<w0$}  {h:>w1$} PTU-h  {cost:>w2$}",
                    w1 = w1.max(5)
                )));
            }
            out.push((
                format!(
                    "  {:<w0$}  {:>w1$}        {:>w2$}",
                    total.0,
                    "",
                    total.2,
                    w1 = w1.max(5)
                ),
                Tone::Info,
            ));
        }
        None => out.push(line("  no use this month")),
    }
    out
}

/// A commitment's details: terms, additions, renewal setting and changes, bills.
pub fn commitment(d: &Data, id: &str) -> Vec<(String, Tone)> {
    let e = &d.estate;
    let Some(c) = e.commitments.iter().find(|x| x.id == id) else {
        return vec![line(format!("{id} is gone from the store."))];
    };
    let mut out = vec![
        line(format!("Resource      {}", c.resource)),
        line(format!(
            "Bought        {} at {} PTU",
            minute(c.start),
            c.ptu
        )),
        line(format!(
            "Renewal       {}",
            data::commitment_renewal_label(c.renewal)
        )),
    ];
    for ch in &c.renewal_changes {
        out.push(line(format!(
            "  changed {} to {}{}",
            minute(ch.at),
            data::commitment_renewal_label(ch.renewal),
            approx(ch.approximate)
        )));
    }
    for a in &c.additions {
        out.push(line(format!(
            "Added         {} PTU at {}{}",
            a.ptu,
            minute(a.at),
            approx(a.approximate)
        )));
    }
    out.extend([
        line(format!(
            "Price         {}",
            match d.commitment_prices.get(id).copied().flatten() {
                Some(p) => format!(
                    "{} per PTU a month (Regional, the price book's)",
                    data::money(p)
                ),
                None => "no price in the price book".to_string(),
            }
        )),
        line(format!(
            "Term bill     {}",
            match super::super::panes::commitments::term_bill(e, c, d.now, &d.term_bills) {
                Some(b) => format!(
                    "{} billed {} for {} PTU ({})",
                    data::money(b.amount),
                    minute(b.at),
                    b.ptu,
                    data::bill_label(b.charge)
                ),
                None => "none for a term in force".to_string(),
            }
        )),
    ]);
    out.push((String::new(), Tone::Plain));
    out.push(head("Terms"));
    let deleted = e.resource(&c.resource).and_then(|r| r.deleted);
    if let Ok(ts) = terms::commitment_terms(c, deleted, d.now + Duration::days(92)) {
        for t in ts {
            out.push(line(format!(
                "  {} .. {}  {} PTU{}",
                minute(t.start),
                minute(t.end),
                t.ptu,
                if t.additions.is_empty() {
                    String::new()
                } else {
                    format!(" -> {} PTU", t.ptu_at_end())
                }
            )));
        }
    }
    bills(d, &mut out, |b| b == id);
    out
}

/// A reservation's details: terms, scopes, daily use, bills.
pub fn reservation(d: &Data, id: &str) -> Vec<(String, Tone)> {
    let e = &d.estate;
    let Some(r) = e.reservations.iter().find(|x| x.id == id) else {
        return vec![line(format!("{id} is gone from the store."))];
    };
    let mut out = vec![
        line(format!("Name          {}", r.name)),
        line(format!("Region, type  {} {}", r.region, r.sku.label())),
        line(format!(
            "Size, term    {} PTU, {}, billed {}",
            r.ptu,
            r.term.code(),
            r.billing.code()
        )),
        line(format!("Bought        {}", minute(r.start))),
        line(format!(
            "Renewal       {}",
            data::reservation_renewal_label(&r.renewal)
        )),
    ];
    for ch in &r.renewal_changes {
        out.push(line(format!(
            "  changed {} to {}{}",
            minute(ch.at),
            data::reservation_renewal_label(&ch.renewal),
            approx(ch.approximate)
        )));
    }
    out.push(head("Scope"));
    for (at, s) in terms::scope_timeline(r) {
        let estimated = r.scope_changes.iter().any(|c| c.at == at && c.approximate);
        out.push(line(format!(
            "  from {}  {s}{}{}",
            minute(at),
            approx(estimated),
            to_come(at, d.now)
        )));
    }
    if let Some(t) = r.refunded_at {
        out.push((
            format!(
                "Refunded      {}{}",
                minute(t),
                approx(r.refunded_approximate)
            ),
            Tone::Warning,
        ));
    }
    out.push((String::new(), Tone::Plain));
    out.push(head("Terms"));
    if let Ok(ts) = terms::reservation_terms(r, d.now + Duration::days(92)) {
        for t in ts {
            out.push(line(format!(
                "  {:<22} {} .. {}  {} PTU",
                t.id,
                minute(t.start),
                minute(t.coverage_end()),
                t.ptu
            )));
        }
    }
    if let Some(days) = d.daily.get(id) {
        out.push((String::new(), Tone::Plain));
        out.push(head(
            "Daily use, last and next 30 days (used / capacity PTU-h; days in force)",
        ));
        out.push((
            format!("  {:<10}  {}", "", "█ share used, · none used"),
            Tone::Dim,
        ));
        let listed: Vec<_> = days.iter().filter(|x| x.1 > 0).collect();
        let wu = listed
            .iter()
            .map(|x| ptu_hours(x.2).len())
            .max()
            .unwrap_or(0);
        let wc = listed
            .iter()
            .map(|x| ptu_hours(x.1).len())
            .max()
            .unwrap_or(0);
        let today = minute(d.now);
        for (t, cap, used) in listed {
            let mark = if day(*t) == today[..10] { "  now" } else { "" };
            out.push(line(format!(
                "  {}  {:>wu$} / {:>wc$}  {:>4}  {}{mark}",
                day(*t),
                ptu_hours(*used),
                ptu_hours(*cap),
                data::pct(Decimal::from(*used), Decimal::from(*cap))
                    .map_or("—".into(), |p| format!("{p}%")),
                data::gauge_text(*used, *cap, 20)
            )));
        }
    }
    bills(d, &mut out, |b| base_id(b) == id);
    out
}

fn bills(d: &Data, out: &mut Vec<(String, Tone)>, mine: impl Fn(&str) -> bool) {
    let horizon = d.now + Duration::days(92);
    let list: Vec<_> = d
        .upcoming
        .iter()
        .filter(|b| mine(&b.id) && b.at < horizon)
        .collect();
    out.push((String::new(), Tone::Plain));
    out.push(head("Bills in the next 92 days"));
    if list.is_empty() {
        out.push(line("  none"));
    }
    // Columns sized to their longest entry, amounts aligned on the right.
    let wi = list.iter().map(|b| b.id.chars().count()).max().unwrap_or(0);
    let wk = list
        .iter()
        .map(|b| data::bill_label(b.charge).len())
        .max()
        .unwrap_or(0);
    let wa = list
        .iter()
        .map(|b| money(b.amount).len())
        .max()
        .unwrap_or(0);
    for b in list {
        out.push(line(format!(
            "  {}  {:<wi$}  {:<wk$}  {:>wa$}",
            minute(b.at),
            b.id,
            data::bill_label(b.charge),
            money(b.amount)
        )));
    }
}

/// Draws a detail popup: `title`, its `lines`, scrolled `scroll` lines.
pub fn draw(
    app: &App,
    f: &mut Frame,
    body: Rect,
    title: &str,
    lines: &[(String, Tone)],
    scroll: u16,
) {
    let r = centered(body, body.width.saturating_sub(6).min(110), body.height);
    f.render_widget(Clear, r);
    let text: Vec<Line> = lines
        .iter()
        .map(|(s, t)| Line::from(Span::styled(s.clone(), tone_style(&app.theme, *t))))
        .collect();
    f.render_widget(
        Paragraph::new(text)
            .scroll((scroll, 0))
            .block(block(app, format!(" {title} "))),
        r,
    );
}

/// Keys while a detail popup is open: scroll, close.
pub(crate) fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Back | Action::Select => {
            app.overlays.pop();
        }
        Action::Quit => app.quit = true,
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top => {
            if let Some(Overlay::Detail { scroll, .. }) = app.overlays.last_mut() {
                *scroll = match action {
                    Action::Up => scroll.saturating_sub(1),
                    Action::Down => *scroll + 1,
                    Action::PageUp => scroll.saturating_sub(10),
                    Action::PageDown => *scroll + 10,
                    _ => 0,
                };
            }
        }
        _ => {}
    }
    vec![]
}

/// Enter on a deployment, commitment or reservation: its details, and its
/// history asked of the worker.
pub(crate) fn open(app: &mut App, d: &Data, key: String) -> Vec<Effect> {
    let (title, lines, kind) = match app.pane {
        Pane::Deployments => (
            format!("Deployment {key}"),
            deployment(d, &key),
            crate::domain::objects::Kind::Deployment,
        ),
        Pane::Commitments => (
            format!("Commitment {key}"),
            commitment(d, &key),
            crate::domain::objects::Kind::Commitment,
        ),
        _ => (
            format!("Reservation {key}"),
            reservation(d, &key),
            crate::domain::objects::Kind::Reservation,
        ),
    };
    app.overlays.push(Overlay::Detail {
        title,
        key: key.clone(),
        lines,
        scroll: 0,
    });
    vec![Effect::History { kind, key }]
}

//! The Reservations pane: the reservations' table, with the selected one's
//! name and scope in full and the legend of the use columns under it.

use crate::domain::Estate;
use crate::domain::terms::base_id;
use crate::domain::time::Time;
use crate::rating::BilledCharge;
use crate::tui::action::{Action, Command, Pane};
use crate::tui::data::{
    Row, SortKey, Table, Tone, col, day, grow, minute, money, num, pct, pct_cell, pending_scope,
    reservation_renewal_label, reservation_setting, reservation_term,
};
use crate::tui::state::App;
use crate::tui::table::draw_table;
use crate::tui::widgets::columns::fit;
use chrono::Duration;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The Reservations pane's own commands (setting the renewal is declared
/// with the Commitments pane's, [`crate::tui::panes::commitments::commands`]).
pub fn commands() -> Vec<Command<App>> {
    vec![
        // Enter on a row.
        Command::list(Action::Select, Pane::Reservations, 1, |app: &App| {
            app.has_rows(Pane::Reservations).then_some("details")
        }),
        Command::new(Action::NewReservation, &[Pane::Reservations], 1),
        Command::new(Action::ChangeScope, &[Pane::Reservations], 1),
        Command::new(Action::Refund, &[Pane::Reservations], 1),
    ]
}

/// The reservations, with the selected one's name and scope in full and
/// the legend of the use columns and the sparkline under the table.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let Some(t) = app.table(Pane::Reservations) else {
        return;
    };
    let v = app.view(Pane::Reservations);
    let lines = reservations_foot(app, area.width);
    let [table, foot] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(lines.len() as u16)]).areas(area);
    draw_table(app, f, table, t, v, " Reservations ", true);
    f.render_widget(Paragraph::new(lines), foot);
}
/// The lines under the Reservations table, in a pane `width` wide: the
/// selected reservation's name and scope, and the sparkline legend.
pub fn reservations_foot(app: &App, width: u16) -> Vec<Line<'static>> {
    let legend = format!(
        "Use: share used, last 30 days; Fcst: next 30 days. Marks of {} days: {}",
        30 / SPARK_BINS,
        SPARK_LEGEND
    );
    let width = width.saturating_sub(1) as usize;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(r) = app
        .table(Pane::Reservations)
        .and_then(|t| app.view(Pane::Reservations).selected_row(t))
    {
        let name = r.cells.get(1).cloned().unwrap_or_default();
        let scope = r.cells.get(4).cloned().unwrap_or_default();
        lines.push(Line::from(Span::styled(
            fit(&format!(" {}: {name} · scope {scope}", r.key), width, false),
            app.theme.dim(),
        )));
    }
    for l in crate::report::wrap(&legend, " ", width) {
        lines.push(Line::from(Span::styled(l, app.theme.dim())));
    }
    lines
}

// The rows: built off the render path, once per load, by [`data::compute`](crate::tui::data::compute).

/// Marks per 30 days in a reservation's sparkline (5 days a mark).
pub const SPARK_BINS: usize = 6;

/// What the sparkline's marks mean (the same marks as the gauges: `·` is
/// "none used" everywhere).
pub const SPARK_LEGEND: &str =
    "▁▂▃▄▅▆▇█ share used (any use shows), · none used, blank: not in force, │ now";

/// Daily use as `bins` marks, the days split evenly among them: blank
/// when the reservation was not in force (no capacity), `·` when in force
/// and unused, else `▁`..`█` by the share of capacity used, rounded up
/// (any use shows).
pub fn sparkline(days: &[(Time, i64, i64)], bins: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let n = days.len();
    (0..bins)
        .map(|j| {
            let ch = &days[j * n / bins..(j + 1) * n / bins];
            let cap: i64 = ch.iter().map(|d| d.1).sum();
            let used: i64 = ch.iter().map(|d| d.2).sum();
            if cap <= 0 {
                ' '
            } else if used <= 0 {
                '·'
            } else {
                let level = ((used * 8 + cap - 1) / cap).clamp(1, 8);
                BARS[level as usize - 1]
            }
        })
        .collect()
}

pub(crate) fn reservations_table(
    e: &Estate,
    now: Time,
    daily: &HashMap<String, Vec<(Time, i64, i64)>>,
    upcoming: &[BilledCharge],
    day0: Time,
) -> Table {
    let rows = e
        .reservations
        .iter()
        .map(|r| {
            let term = reservation_term(r, now);
            let days = daily.get(&r.id).cloned().unwrap_or_default();
            let share = |from: Time, to: Time| {
                let (c, u) = days
                    .iter()
                    .filter(|d| d.0 >= from && d.0 < to)
                    .fold((0i64, 0i64), |a, d| (a.0 + d.1, a.1 + d.2));
                pct(u.into(), c.into())
            };
            let past = share(day0 - Duration::days(30), day0);
            let ahead = share(day0, day0 + Duration::days(30));
            // The last 30 days, `│` for now, the next 30.
            let spark = {
                let span = |from: i64, to: i64| -> Vec<(Time, i64, i64)> {
                    (from..to)
                        .map(|i| {
                            let t = day0 + Duration::days(i);
                            days.iter().find(|d| d.0 == t).copied().unwrap_or((t, 0, 0))
                        })
                        .collect()
                };
                format!(
                    "{}│{}",
                    sparkline(&span(-30, 0), SPARK_BINS),
                    sparkline(&span(0, 30), SPARK_BINS)
                )
            };
            let (ptu, start, end, state, term_code, billing) = match &term {
                Some((t, s)) => (
                    t.ptu,
                    t.start,
                    t.coverage_end(),
                    *s,
                    t.term.code(),
                    t.billing.code(),
                ),
                None => (
                    r.ptu,
                    r.start,
                    r.start,
                    "invalid",
                    r.term.code(),
                    r.billing.code(),
                ),
            };
            let setting = reservation_setting(r, end);
            let scope = crate::domain::terms::scope_at(r, now.max(r.start)).to_string();
            // A saved scope change still to take effect.
            let pending = (state != "refunded" && state != "expired")
                .then(|| pending_scope(r, now))
                .flatten();
            let next = upcoming
                .iter()
                .find(|b| base_id(&b.id) == r.id && b.at >= now);
            let tone = match state {
                "expired" | "refunded" => Tone::Dim,
                "planned" => Tone::Info,
                _ if past.is_some_and(|p| p < Decimal::from(50)) => Tone::Warning,
                _ if pending.is_some() => Tone::Info,
                _ => Tone::Plain,
            };
            let expiry_cell = match state {
                "refunded" => format!("ref. {}", day(end)),
                _ => minute(end),
            };
            Row {
                key: r.id.clone(),
                cells: vec![
                    r.id.clone(),
                    if r.name.is_empty() {
                        r.id.clone()
                    } else {
                        r.name.clone()
                    },
                    r.region.clone(),
                    r.sku.label().into(),
                    // The scope to come first: a narrow column keeps it.
                    match &pending {
                        Some(p) => format!("{p} (now {scope})"),
                        None => scope.clone(),
                    },
                    ptu.to_string(),
                    term_code.to_string(),
                    billing.to_string(),
                    day(start),
                    expiry_cell,
                    if state == "refunded" {
                        "refunded".into()
                    } else {
                        reservation_renewal_label(&setting)
                    },
                    pct_cell(past),
                    pct_cell(ahead),
                    spark,
                    next.map_or("—".into(), |b| minute(b.at)),
                    next.map_or("—".into(), |b| money(b.amount)),
                ],
                sort: vec![
                    SortKey::text(&r.id),
                    SortKey::text(&r.name),
                    SortKey::text(&r.region),
                    SortKey::text(r.sku.label()),
                    SortKey::text(scope),
                    SortKey::num(ptu),
                    SortKey::text(term_code),
                    SortKey::text(billing),
                    SortKey::time(start),
                    SortKey::time(end),
                    SortKey::text(reservation_renewal_label(&setting)),
                    past.map_or(SortKey::Empty, SortKey::Num),
                    ahead.map_or(SortKey::Empty, SortKey::Num),
                    past.map_or(SortKey::Empty, SortKey::Num),
                    next.map_or(SortKey::Empty, |b| SortKey::time(b.at)),
                    next.map_or(SortKey::Empty, |b| SortKey::Num(b.amount)),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            // At 80 columns: the id, type, PTU, expiry, renewal, use over
            // the last 30 days, the sparkline and some of the region; `>`
            // brings in the forecast use, name, scope, term, billing, start
            // and next bill. At 120 all but the next bill fit.
            col("Reservation", 16, 0),
            grow("Name", 8, 2),
            col("Region", 8, 1),
            col("SKU", 4, 0),
            col("Scope", 10, 2),
            num("PTU", 3, 0),
            col("Term", 4, 2),
            col("Billing", 7, 2),
            col("Start", 5, 3),
            col("Expiry", 11, 0),
            col("Renewal", 7, 0),
            num("Use", 4, 0),
            num("Fcst", 4, 1),
            col("-30d  │  +30d", 13, 0),
            col("Next bill", 10, 4),
            num("Amount", 11, 4),
        ],
        rows,
        empty: "No reservations: press n to price a new one.".into(),
        footer: None,
    }
}

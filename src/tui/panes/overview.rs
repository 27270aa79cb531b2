//! The Overview pane: PTU this hour by region and type (scrolled with
//! `J` / `K`), the forecast box, the next expiries, renewals and purchases,
//! and the top notifications.

use crate::domain::notice::Severity;
use crate::tui::action::Pane;
use crate::tui::app::{App, Loadable, TableView};
use crate::tui::data::{self, Tone, money};
use crate::tui::table::{block, draw_table, tone_style};
use crate::tui::ui::status_lines;
use crate::tui::widgets::columns::fit;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_decimal::Decimal;

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

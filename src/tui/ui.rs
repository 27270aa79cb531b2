//! Drawing: a pure function of the app's state onto a ratatui frame. Only
//! the rows in view are turned into widgets, so a table of thousands of
//! rows costs what a screenful does.

use super::action::{Action, Pane};
use super::app::{App, COMMANDS, Loadable, MIN_SIZE, Overlay, TableView, palette_matches};
use super::data::{self, Table, Tone, minute, money};
use super::theme::Theme;
use crate::domain::notice::Severity;
use crate::domain::time::Time;
use crate::rating::{Basis, Period};
use crate::safe::plain;
use chrono::Datelike;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Weak};

pub(crate) fn tone_style(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Plain => Style::default(),
        Tone::Ok => theme.fg("ok"),
        Tone::Info => theme.fg("info"),
        Tone::Warning => theme.fg("warning"),
        Tone::Critical => theme.bold("critical"),
        Tone::Dim => theme.dim(),
    }
}

/// Draws the whole screen.
pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        too_small(f, area);
        return;
    }
    let [tabs, info, body, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(status_lines(app, area.width).len().max(1) as u16),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(app, f, tabs);
    draw_info(app, f, info);
    draw_body(app, f, body);
    draw_status(app, f, status);
    draw_keys(app, f, keys);
    for o in &app.overlays {
        draw_overlay(app, f, o, body, status);
    }
}

fn too_small(f: &mut Frame, area: Rect) {
    let text = vec![
        Line::from(format!("The window is {}x{}.", area.width, area.height)),
        Line::from(format!(
            "ptudesk needs at least {}x{}:",
            MIN_SIZE.0, MIN_SIZE.1
        )),
        Line::from("please enlarge it (or press q to quit)."),
    ];
    let y = area.height.saturating_sub(3) / 2;
    let r = Rect::new(area.x, area.y + y, area.width, area.height.min(3));
    f.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        r,
    );
}

fn draw_tabs(app: &App, f: &mut Frame, area: Rect) {
    let wide: usize = Pane::ALL.iter().map(|p| p.title().len() + 5).sum();
    let use_wide = wide <= area.width as usize;
    let mut spans = Vec::new();
    for (i, p) in Pane::ALL.iter().enumerate() {
        let name = if use_wide { p.title() } else { p.short() };
        let text = if use_wide {
            format!(" {} {} ", i + 1, name)
        } else {
            format!("{} {}", i + 1, name)
        };
        let style = if *p == app.pane {
            app.theme.bold("accent").add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        if i > 0 {
            spans.push(Span::styled(
                if use_wide { "│" } else { " " },
                app.theme.dim(),
            ));
        }
        spans.push(Span::styled(text, style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_info(app: &App, f: &mut Frame, area: Rect) {
    // Each part in a long and a short form, and a rank: while the line is
    // too wide, the parts of the lowest rank still long are shortened.
    let mut parts: Vec<(String, String, Style, u8)> = Vec::new();
    let mut part = |long: String, short: String, style: Style, rank: u8| {
        parts.push((long, short, style, rank))
    };
    part(
        "ptudesk".into(),
        "ptudesk".into(),
        app.theme.bold("accent"),
        9,
    );
    let store_short = app.store_label.split(" (").next().unwrap_or_default();
    part(
        format!(" · {}", app.store_label),
        format!(" · {store_short}"),
        Style::default(),
        0,
    );
    let fixed = if app.now_pinned { " (fixed)" } else { "" };
    part(
        format!(" · now {} UTC{fixed}", minute(app.now)),
        format!(" · {}{fixed}", minute(app.now)),
        Style::default(),
        2,
    );
    if app.readonly {
        let t = " · read-only".to_string();
        part(t.clone(), t, app.theme.fg("warning"), 9);
    }
    // The notifications in force (acknowledged ones left out), by severity.
    if let Loadable::Ready(list) = &app.notifications {
        if list.is_empty() {
            let t = " · no notifications".to_string();
            part(t.clone(), t, app.theme.dim(), 9);
        }
        let mut sep = " · ";
        for (severity, name, short) in [
            (Severity::Critical, "critical", "crit"),
            (Severity::Warning, "warning", "warn"),
            (Severity::Info, "info", "info"),
        ] {
            let n = list.iter().filter(|x| x.severity == severity).count();
            if n > 0 {
                part(
                    format!("{sep}{n} {name}"),
                    format!("{sep}{n} {short}"),
                    app.theme.fg(name),
                    3,
                );
                sep = " ";
            }
        }
    }
    if let Some(d) = app.data()
        && d.overview.unverified_prices > 0
    {
        part(
            " · list prices, unverified".into(),
            " · unverified".into(),
            app.theme.dim(),
            1,
        );
    }
    let busy = matches!(app.data, Loadable::Loading)
        || matches!(app.notifications, Loadable::Loading)
        || app.writing;
    if busy {
        part(" · working…".into(), " · …".into(), app.theme.fg("info"), 4);
    }
    if app.syncing {
        part(
            " · syncing…".into(),
            " · sync…".into(),
            app.theme.fg("info"),
            4,
        );
    }
    let mut short = vec![false; parts.len()];
    let width = |short: &[bool]| -> usize {
        parts
            .iter()
            .zip(short)
            .map(|(p, &s)| if s { &p.1 } else { &p.0 }.chars().count())
            .sum()
    };
    for rank in 0..9 {
        if width(&short) <= area.width as usize {
            break;
        }
        for (i, p) in parts.iter().enumerate() {
            if p.3 == rank {
                short[i] = true;
            }
        }
    }
    let mut texts: Vec<(String, Style)> = parts
        .into_iter()
        .zip(short)
        .map(|((long, short, style, _), sh)| (if sh { short } else { long }, style))
        .collect();
    // Still too wide (a long store path): the store's name keeps its end.
    let total: usize = texts.iter().map(|t| t.0.chars().count()).sum();
    let width = area.width as usize;
    if total > width
        && let Some(store) = texts.get_mut(1)
    {
        let over = total - width;
        let name: Vec<char> = store.0.trim_start_matches(" · ").chars().collect();
        let keep = name.len().saturating_sub(over + 1);
        let tail: String = name[name.len() - keep..].iter().collect();
        store.0 = format!(" · …{tail}");
    }
    let spans: Vec<Span> = texts
        .into_iter()
        .map(|(t, style)| Span::styled(t, style))
        .collect();
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(app: &App, f: &mut Frame, area: Rect) {
    let line = match app.overlays.last() {
        Some(Overlay::Filter(input)) => {
            let value = input.value();
            f.set_cursor_position(Position::new(
                area.x + 9 + input.visual_cursor() as u16,
                area.y,
            ));
            Line::from(vec![
                Span::styled("/ filter ", app.theme.bold("accent")),
                Span::raw(value.to_string()),
            ])
        }
        Some(Overlay::Palette(input)) => {
            f.set_cursor_position(Position::new(
                area.x + 1 + input.visual_cursor() as u16,
                area.y,
            ));
            Line::from(vec![
                Span::styled(":", app.theme.bold("accent")),
                Span::raw(input.value().to_string()),
            ])
        }
        _ => match &app.status {
            Some((tone, _)) => {
                let style = tone_style(&app.theme, *tone);
                let lines: Vec<Line> = status_lines(app, area.width)
                    .into_iter()
                    .map(|l| Line::from(Span::styled(l, style)))
                    .collect();
                f.render_widget(Paragraph::new(lines), area);
                return;
            }
            None => {
                let v = app.view(app.pane);
                if !v.filter.is_empty() {
                    Line::from(Span::styled(
                        format!("filter: {} (esc clears)", v.filter),
                        app.theme.dim(),
                    ))
                } else {
                    Line::default()
                }
            }
        },
    };
    f.render_widget(Paragraph::new(line), area);
}

/// The status message wrapped to the window `width`, at most three lines
/// (a long error in full, as far as it goes); empty while a filter or the
/// palette is being typed there, or without a message.
pub fn status_lines(app: &App, width: u16) -> Vec<String> {
    if matches!(
        app.overlays.last(),
        Some(Overlay::Filter(_)) | Some(Overlay::Palette(_))
    ) {
        return vec![];
    }
    let Some((_, msg)) = &app.status else {
        return vec![];
    };
    let width = width as usize;
    if msg.chars().count() <= width {
        return vec![msg.clone()];
    }
    wrap_at_most(msg, "", width, 3)
}

/// `text` wrapped to `width` in at most `most` lines, the last one ending
/// in `…` when there was more.
fn wrap_at_most(text: &str, indent: &str, width: usize, most: usize) -> Vec<String> {
    let mut lines = crate::report::wrap(text, indent, width);
    if lines.len() > most {
        lines.truncate(most);
        let last = lines.pop().unwrap_or_default();
        lines.push(fit(&format!("{last} …"), width, false));
    }
    lines
}

/// One hint of the bottom bar: keys, what they do, and a rank: when the
/// bar is too narrow the highest rank goes first (the rightmost of a rank
/// before the others); rank 0 (`? help`, `q quit`) always stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub keys: String,
    pub what: String,
    pub rank: u8,
}

/// The keys that work here, in the order the bar shows them.
pub fn key_hints(app: &App) -> Vec<Hint> {
    let fixed = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, d)| Hint {
                keys: k.to_string(),
                what: d.to_string(),
                rank: 0,
            })
            .collect()
    };
    let km = &app.keymap;
    let first = |name: &str| km.first_key(name);
    match app.overlays.last() {
        Some(Overlay::Help { .. }) => fixed(&[("esc", "close"), ("↑↓", "scroll")]),
        Some(Overlay::Detail { .. }) => fixed(&[("esc", "close"), ("↑↓", "scroll")]),
        // Read-only: Enter saves nothing (the form's title says so).
        Some(Overlay::Form(_)) if app.readonly => {
            fixed(&[("↑↓/tab", "field"), ("←→/+-", "change"), ("esc", "close")])
        }
        Some(Overlay::Form(_)) => fixed(&[
            ("↑↓/tab", "field"),
            ("←→/+-", "change"),
            ("enter", "save"),
            ("esc", "cancel"),
        ]),
        Some(Overlay::Confirm { .. }) => fixed(&[("y/enter", "yes"), ("n/esc", "no")]),
        Some(Overlay::Remedies { .. }) => {
            fixed(&[("j/k", "choose"), ("enter/a", "apply"), ("esc", "close")])
        }
        Some(Overlay::Recommend(_)) => fixed(&[
            ("j/k", "choose"),
            ("enter", "what-if"),
            ("a", "apply"),
            ("esc", "close"),
        ]),
        Some(Overlay::Choose { .. }) => {
            fixed(&[("↑↓", "choose"), ("enter", "plan it"), ("esc", "cancel")])
        }
        Some(Overlay::Filter(_)) => {
            fixed(&[("type", "to filter"), ("enter", "keep"), ("esc", "clear")])
        }
        Some(Overlay::Palette(_)) => {
            fixed(&[("enter", "run"), ("tab", "complete"), ("esc", "close")])
        }
        None => {
            let mut out: Vec<Hint> = Vec::new();
            let mut push = |keys: Option<String>, what: &str, rank: u8| {
                if let Some(keys) = keys.filter(|k| !k.is_empty()) {
                    out.push(Hint {
                        keys,
                        what: what.to_string(),
                        rank,
                    });
                }
            };
            // Only keys that do something here (an empty table has no rows to act on).
            let works = |a: &Action| super::app::hint_works(app, a);
            let planner_ready = app.pane == Pane::Planner && app.planner.ready().is_some();
            if planner_ready {
                // j/k choose the option; Enter and `a` both apply it.
                push(
                    first("down")
                        .zip(first("up"))
                        .map(|(d, u)| format!("{d}/{u}")),
                    "choose",
                    1,
                );
                if !app.readonly {
                    let keys = match (first("select"), first("apply_plan")) {
                        (Some(s), Some(a)) => Some(format!("{s}/{a}")),
                        (s, a) => s.or(a),
                    };
                    push(keys, "apply", 1);
                }
                push(first("page_down"), "details", 2);
            } else if (app.pane.has_table() || app.pane == Pane::Overview) && works(&Action::Select)
            {
                let what = match app.pane {
                    Pane::Quota if app.capacity.is_some() => "go to",
                    Pane::Quota => "expand",
                    Pane::Notifications | Pane::Forecast | Pane::Overview => "go to",
                    _ => "details",
                };
                push(first("select"), what, 1);
            }
            for a in Action::bindable() {
                let mine = a
                    .panes()
                    .is_some_and(|ps| ps.contains(&app.pane) && ps.len() <= 2);
                if !mine
                    || (app.readonly && a.writes())
                    || matches!(a, Action::ApplyPlan)
                    || !works(&a)
                {
                    continue;
                }
                let rank = if matches!(a, Action::PlanDiscontinue) {
                    3
                } else {
                    1
                };
                push(first(&a.name().unwrap_or_default()), a.describe(), rank);
            }
            if app.pane.has_table() && works(&Action::Filter) {
                push(first("filter"), "filter", 2);
                // The column cursor and the sort: "h/l o sort".
                let keys = match (
                    first("column_cursor_left"),
                    first("column_cursor_right"),
                    first("sort"),
                ) {
                    (Some(l), Some(r), Some(o)) => Some(format!("{l}/{r} {o}")),
                    (_, _, o) => o,
                };
                // Before undo when the bar is short of room.
                push(keys, "sort", 4);
            }
            if columns_hidden(app) {
                push(Some(column_keys(app)), "columns", 2);
            }
            push(first("next_pane"), "pane", 4);
            if !app.readonly && works(&Action::Undo) {
                push(first("undo"), "undo", 3);
            }
            push(first("palette"), "command", 4);
            push(first("help"), "help", 0);
            push(first("quit"), "quit", 0);
            out
        }
    }
}

/// Whether the pane's table has columns out of view at this width.
fn columns_hidden(app: &App) -> bool {
    match app.table(app.pane) {
        // (The Planner draws its options as cards when there is room.)
        Some(t) if app.pane != Pane::Planner => {
            let v = app.view(app.pane);
            !v.rows.is_empty()
                && layout_for(app, t, app.size.0.saturating_sub(2), v.col_offset).hidden > 0
        }
        _ => false,
    }
}

/// The hints that fit in `width`: the highest rank dropped first, the
/// rightmost of it before the others; the order kept.
pub fn fit_hints(hints: Vec<Hint>, width: usize) -> Vec<Hint> {
    let len = |h: &Hint| h.keys.chars().count() + h.what.chars().count() + 3;
    let mut keep = vec![true; hints.len()];
    let total = |keep: &[bool]| -> usize {
        hints
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(h, _)| len(h))
            .sum()
    };
    while total(&keep) > width {
        let worst = (0..hints.len())
            .filter(|&i| keep[i] && hints[i].rank > 0)
            .max_by_key(|&i| (hints[i].rank, i));
        match worst {
            Some(i) => keep[i] = false,
            None => break,
        }
    }
    hints
        .into_iter()
        .zip(keep)
        .filter_map(|(h, k)| k.then_some(h))
        .collect()
}

fn draw_keys(app: &App, f: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for h in fit_hints(key_hints(app), area.width as usize) {
        spans.push(Span::styled(
            format!(" {}", h.keys),
            app.theme.bold("accent"),
        ));
        spans.push(Span::raw(format!(" {} ", h.what)));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(app.theme.dim().add_modifier(Modifier::empty())),
        area,
    );
}

pub(crate) fn block<'a>(app: &App, title: impl Into<Line<'a>>) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.dim())
        .title(title)
        .title_style(app.theme.bold("header"))
}

fn loading(app: &App, f: &mut Frame, area: Rect, what: &str) {
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!("{what}…"),
            app.theme.dim(),
        )))
        .block(block(app, "")),
        area,
    );
}

fn failed(app: &App, f: &mut Frame, area: Rect, msg: &str) {
    f.render_widget(
        Paragraph::new(Text::from(msg.to_string()))
            .style(app.theme.fg("critical"))
            .wrap(Wrap { trim: true })
            .block(block(app, " Could not load ")),
        area,
    );
}

fn draw_body(app: &App, f: &mut Frame, area: Rect) {
    let d = match &app.data {
        Loadable::Ready(d) => d.clone(),
        Loadable::Loading => return loading(app, f, area, "Reading the store and rating it"),
        Loadable::Failed(e) => return failed(app, f, area, e),
    };
    let empty = d.estate.deployments.is_empty()
        && d.estate.commitments.is_empty()
        && d.estate.reservations.is_empty()
        && d.estate.resources.is_empty();
    if empty && app.pane != Pane::Planner {
        let text = vec![
            Line::from(Span::styled(
                "The store is empty.",
                app.theme.bold("header"),
            )),
            Line::default(),
            Line::from("  :import FILE   import a snapshot, az CLI output (accounts, deployments,"),
            Line::from("                 commitment plans, usages, reservations) or a price list"),
            Line::from("  :demo          open the bundled demo estate in a throw-away store"),
            Line::default(),
            Line::from(format!("Store: {}", app.store_label)),
        ];
        f.render_widget(Paragraph::new(text).block(block(app, " Welcome ")), area);
        return;
    }
    match app.pane {
        Pane::Overview => overview(app, f, area, &d),
        Pane::Quota => match &app.capacity {
            Some(c) => table_pane(app, f, area, Pane::Quota, &c.title()),
            None => table_pane(
                app,
                f,
                area,
                Pane::Quota,
                " Quota: per subscription, region and type (enter expands) ",
            ),
        },
        Pane::Deployments => table_pane(app, f, area, Pane::Deployments, " Deployments "),
        Pane::Commitments => {
            // Committed, deployed and usage are the current hour's.
            let hour = crate::domain::time::floor_hour(d.now).format("%H:%M");
            let title = if area.width >= 110 {
                format!(" Commitments (Manage Commitments): PTU and usage this hour, {hour} UTC ")
            } else {
                format!(" Commitments: PTU this hour ({hour}) ")
            };
            table_pane(app, f, area, Pane::Commitments, &title)
        }
        Pane::Reservations => reservations_pane(app, f, area),
        Pane::Notifications => match &app.notifications {
            Loadable::Ready(_) => table_pane(app, f, area, Pane::Notifications, " Notifications "),
            Loadable::Loading => loading(app, f, area, "Checking the notifications"),
            Loadable::Failed(e) => failed(app, f, area, e),
        },
        Pane::Forecast => forecast(app, f, area),
        Pane::Planner => super::plan_view::draw(app, f, area),
    }
}

fn table_pane(app: &App, f: &mut Frame, area: Rect, pane: Pane, title: &str) {
    let Some(t) = app.table(pane) else { return };
    let v = app.view(pane);
    let lines = table_foot(app, pane, area.width, area.height);
    if lines.is_empty() {
        draw_table(app, f, area, t, v, title, true);
        return;
    }
    let [table, foot] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(lines.len() as u16)]).areas(area);
    draw_table(app, f, table, t, v, title, true);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::from(Span::styled(l, app.theme.dim())))
        .collect();
    f.render_widget(Paragraph::new(lines), foot);
}

/// The selected row's long cell (a message, warnings) in full under its
/// table, wrapped to a pane `width` by `height`: at most a third of the
/// height, the last line cut with `…` if it needs more.
pub fn table_foot(app: &App, pane: Pane, width: u16, height: u16) -> Vec<String> {
    let Some(t) = app.table(pane) else {
        return vec![];
    };
    // The capacity mode's legend.
    if pane == Pane::Quota
        && let Some(c) = &app.capacity
    {
        return c
            .legend()
            .iter()
            .flat_map(|l| wrap_at_most(l, " ", width as usize, 3))
            .collect();
    }
    let text = t.footer.and_then(|c| {
        app.view(pane)
            .selected_row(t)
            .and_then(|r| r.cells.get(c))
            .map(|s| plain(s).into_owned())
    });
    let Some(text) = text.filter(|s| !s.is_empty()) else {
        return vec![];
    };
    let width = width as usize;
    wrap_at_most(&text, " ", width, (height as usize / 3).max(1))
}

/// The reservations, with the selected one's name and scope in full and
/// the legend of the use columns and the sparkline under the table.
fn reservations_pane(app: &App, f: &mut Frame, area: Rect) {
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
        30 / data::SPARK_BINS,
        data::SPARK_LEGEND
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

/// Where a table's columns go in a width: which are shown (in table order)
/// and how wide each is.
///
/// - Every column has a minimum (`Column::width`, or less when nothing in
///   it is that long, never less than its title) and a need (its longest cell or title). When all
///   needs fit, cells print in full. When they don't, the table turns
///   *compact*: dates print as `11-27 09:00` (a date of another year as
///   `2027-03-16`), deployment types as `Reg` / `Glob` / `DZ`, renewal
///   settings as `auto` / `off` (see [`compact_cell`]).
/// - When all minimums fit, and the first column and the essential ones
///   (`drop` 0) still get their need, every column is shown; the room beyond the
///   minimums goes to the columns short of their need, in order: the first
///   column (what the row is: an id), then the most essential
///   (`Column::drop` 0, then 1, ...); growing columns (free text: messages,
///   warnings, names) take what is left.
/// - Otherwise (narrow windows) the first column stays and the others form a strip, most
///   essential first; from the scroll position on, the strip's columns
///   print in full (up to a third of the width; free text at its
///   minimum) while they fit, and the
///   next one takes what is left if its minimum fits there: fewer columns,
///   but legible. Each step right (`>`) brings in at least the next column
///   in full, giving up as few of the leading ones as it can; `<` steps
///   back.
/// - Text cut short ends in `…` (an id loses its middle: see [`fit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnLayout {
    /// (column index, width), in table order.
    pub shown: Vec<(usize, u16)>,
    pub compact: bool,
    /// Columns not shown at this offset.
    pub hidden: usize,
    /// The scroll offset in force (clamped) and the largest useful one.
    pub offset: usize,
    pub max_offset: usize,
}

/// Whole cells with a compact form: the three deployment types, and the
/// renewal settings that are not a number.
fn compact_word(s: &str) -> Option<&'static str> {
    Some(match s {
        "Regional" => "Reg",
        "Global" => "Glob",
        "Data Zone" => "DZ",
        "autorenew" => "auto",
        "don't renew" => "off",
        _ => return None,
    })
}

/// A cell's compact form: a leading `YYYY-MM-DD[ HH:MM]` loses its year
/// when it is `year` (`11-27 09:00`), else its time (`2027-03-16`); a
/// deployment type (`Reg`, `Glob`, `DZ`) and a renewal setting (`auto`,
/// `off`) are abbreviated. Anything else is kept.
pub fn compact_cell(s: &str, year: i32) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if let Some(c) = compact_word(s) {
        return Cow::Borrowed(c);
    }
    let (prefix, rest) = match s.strip_prefix("ref. ") {
        Some(r) => ("ref. ", r),
        None => ("", s),
    };
    let b = rest.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    let is_date = b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b.len() == 10 || b[10] == b' ');
    if !is_date {
        return Cow::Borrowed(s);
    }
    let has_time = b.len() >= 16
        && b[10] == b' '
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && (b.len() == 16 || b[16] == b' ');
    let same_year = rest[0..4].parse::<i32>().is_ok_and(|y| y == year);
    let out = if same_year {
        format!("{prefix}{}", &rest[5..])
    } else if has_time {
        format!("{prefix}{}{}", &rest[..10], &rest[16..])
    } else {
        return Cow::Borrowed(s);
    };
    Cow::Owned(out)
}

/// The widest cell (or title) of each column: in full, and compact.
fn column_needs(t: &Table, year: i32) -> (Vec<u16>, Vec<u16>) {
    let n = t.columns.len();
    let mut full: Vec<u16> = t
        .columns
        .iter()
        .map(|c| c.title.chars().count() as u16)
        .collect();
    let mut compact = full.clone();
    // Every row on every frame: counted without building the compact forms.
    for r in &t.rows {
        for (i, cell) in r.cells.iter().enumerate().take(n) {
            let cell = plain(cell);
            let cell = cell.as_ref();
            let w = cell.chars().count();
            full[i] = full[i].max(w as u16);
            compact[i] = compact[i].max(compact_len(cell, w, year) as u16);
        }
    }
    (full, compact)
}

/// The length of [`compact_cell`]'s form of `s` (`len` characters long).
fn compact_len(s: &str, len: usize, year: i32) -> usize {
    let b = s.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_digit() => {}
        Some(b'r' | b'R' | b'G' | b'D' | b'a' | b'd') => {
            if s.starts_with("ref. ") {
                return compact_cell(s, year).chars().count();
            }
            return compact_word(s).map_or(len, str::len);
        }
        _ => return len,
    }
    compact_cell(s, year).chars().count()
}

/// Column needs of a loaded table, kept while its load lives: measuring
/// 2,000 rows on every frame would cost more than drawing the screenful.
/// Keyed by the load (a `Weak` keeps its allocation, so its address can't
/// be reused while the entry lives) and the table's place in it. A memo:
/// drawing stays a function of the state.
type NeedsCache = Vec<(Weak<data::Data>, usize, i32, Rc<(Vec<u16>, Vec<u16>)>)>;

thread_local! {
    static NEEDS: RefCell<NeedsCache> = const { RefCell::new(Vec::new()) };
}

/// [`column_needs`] of `t`, from the memo when `t` is one of the load's tables.
fn needs_for(app: &App, t: &Table, year: i32) -> Rc<(Vec<u16>, Vec<u16>)> {
    let Some(d) = app.data() else {
        return Rc::new(column_needs(t, year));
    };
    let own = [&d.quota, &d.deployments, &d.commitments, &d.reservations]
        .iter()
        .any(|x| std::ptr::eq(*x, t));
    if !own {
        return Rc::new(column_needs(t, year));
    }
    let at = t as *const Table as usize;
    NEEDS.with(|c| {
        let mut c = c.borrow_mut();
        c.retain(|e| e.0.strong_count() > 0);
        if let Some(e) = c
            .iter()
            .find(|e| std::ptr::eq(e.0.as_ptr(), Arc::as_ptr(d)) && e.1 == at && e.2 == year)
        {
            return e.3.clone();
        }
        let n = Rc::new(column_needs(t, year));
        c.push((Arc::downgrade(d), at, year, n.clone()));
        n
    })
}

/// Lays out `t`'s columns in `width` at scroll offset `offset` (see
/// [`ColumnLayout`]); `year` is the year of the app's now.
pub fn layout_columns(t: &Table, width: u16, offset: usize, year: i32) -> ColumnLayout {
    layout_with(t, &column_needs(t, year), width, offset)
}

/// [`layout_columns`] with the app's memo of column needs.
fn layout_for(app: &App, t: &Table, width: u16, offset: usize) -> ColumnLayout {
    let year = app.now.year();
    layout_with(t, &needs_for(app, t, year), width, offset)
}

fn layout_with(
    t: &Table,
    (full, short): &(Vec<u16>, Vec<u16>),
    width: u16,
    offset: usize,
) -> ColumnLayout {
    let cols = &t.columns;
    let n = cols.len();
    if n == 0 {
        return ColumnLayout {
            shown: vec![],
            compact: false,
            hidden: 0,
            offset: 0,
            max_offset: 0,
        };
    }
    let gaps = |k: usize| k.saturating_sub(1) as u16;
    let compact = full.iter().sum::<u16>() + gaps(n) > width;
    let need = if compact { short.clone() } else { full.clone() };
    // A column's minimum holds its title whole.
    let min_w: Vec<u16> = (0..n)
        .map(|i| {
            cols[i]
                .width
                .min(need[i])
                .max(cols[i].title.chars().count() as u16)
                .max(1)
        })
        .collect();
    // Widths from a starting set: up to each column's need, the first
    // column (what the row is) first, then the most essential; free text
    // (growing columns) takes what is left, evenly.
    let distribute = |start: &[(usize, u16)]| -> Vec<u16> {
        let set: Vec<usize> = start.iter().map(|c| c.0).collect();
        let mut w: Vec<u16> = start.iter().map(|c| c.1).collect();
        let mut extra = width.saturating_sub(w.iter().sum::<u16>() + gaps(set.len()));
        let mut order: Vec<usize> = (0..set.len()).filter(|&k| !cols[set[k]].grow).collect();
        order.sort_by_key(|&k| (set[k] != 0, cols[set[k]].drop, set[k]));
        for k in order {
            let more = need[set[k]].saturating_sub(w[k]).min(extra);
            w[k] += more;
            extra -= more;
        }
        let growing: Vec<usize> = (0..set.len()).filter(|&k| cols[set[k]].grow).collect();
        if !growing.is_empty() {
            let each = extra / growing.len() as u16;
            let mut left = extra - each * growing.len() as u16;
            for &k in &growing {
                w[k] += each + u16::from(left > 0);
                left = left.saturating_sub(1);
            }
        }
        w
    };
    // Nothing essential (the first column, `drop` 0 but free text) cut.
    let whole = |start: &[(usize, u16)]| {
        start
            .iter()
            .zip(distribute(start))
            .all(|(&(i, _), w)| cols[i].grow || (i != 0 && cols[i].drop > 0) || w >= need[i])
    };
    let mut strip: Vec<usize> = (1..n).collect();
    strip.sort_by_key(|&i| (cols[i].drop, i));
    // The most columns: the strip's longest run at minimum widths, used
    // when nothing essential is cut for it (every column, when all fit).
    let squeezed = {
        let mut used = min_w[0];
        let mut set = vec![(0, min_w[0])];
        for &i in &strip {
            if used + 1 + min_w[i] > width {
                break;
            }
            used += 1 + min_w[i];
            set.push((i, min_w[i]));
        }
        set.sort_unstable();
        set
    };
    // Columns in a strip print in full (up to a third of the width; free
    // text at its minimum), so fewer but legible columns show; the next
    // one takes what is left when its minimum fits there.
    let want = |i: usize| {
        if cols[i].grow {
            min_w[i]
        } else {
            need[i].min(width / 3).max(min_w[i])
        }
    };
    let first = want(0).min(min_w[0].max(width / 2)).min(width);
    let room = width.saturating_sub(first);
    // The columns shown from strip position `o` with their widths, and the
    // position after those shown in full.
    let window = |o: usize| -> (Vec<(usize, u16)>, usize) {
        let mut used = 0u16;
        let mut out = vec![(0, first)];
        for &i in &strip[o..] {
            if used + 1 + want(i) > room {
                break;
            }
            used += 1 + want(i);
            out.push((i, want(i)));
        }
        let end = o + out.len() - 1;
        if let Some(&i) = strip.get(end) {
            let left = room.saturating_sub(used + 1);
            if left >= min_w[i] {
                out.push((i, left.min(want(i))));
            }
        }
        out.sort_unstable();
        (out, end)
    };
    // The scroll positions: the first shows the most it can, each step
    // right at least one more column of the strip in full, giving up as
    // few of the leading ones as it can.
    let mut steps: Vec<Vec<(usize, u16)>> = Vec::new();
    let mut end = if whole(&squeezed) {
        let e = squeezed.len() - 1;
        steps.push(squeezed);
        e
    } else {
        let (w0, e) = window(0);
        steps.push(w0);
        e
    };
    let mut o = 0;
    while end < strip.len() {
        o += 1;
        while o < strip.len() && window(o).1 <= end {
            o += 1;
        }
        if o >= strip.len() {
            break;
        }
        let (wo, e) = window(o);
        steps.push(wo);
        end = e;
    }
    let offset = offset.min(steps.len() - 1);
    let max_offset = steps.len() - 1;
    let start = steps.swap_remove(offset);
    let set: Vec<usize> = start.iter().map(|c| c.0).collect();
    let mut w = distribute(&start);
    // A first column wider than the window is cut to it.
    if set.len() == 1 {
        w[0] = w[0].min(width);
    }
    let hidden = n - set.len();
    let shown: Vec<(usize, u16)> = set.into_iter().zip(w).collect();
    ColumnLayout {
        shown,
        compact,
        hidden,
        offset,
        max_offset,
    }
}

/// The columns of a pane's table in view at the window's width, in table
/// order.
pub fn shown_columns(app: &App, pane: Pane) -> Vec<usize> {
    match app.table(pane) {
        Some(t) => {
            let v = app.view(pane);
            layout_for(app, t, app.size.0.saturating_sub(2), v.col_offset)
                .shown
                .iter()
                .map(|c| c.0)
                .collect()
        }
        None => vec![],
    }
}

/// The column under a pane's column cursor: the cursor's column when in
/// view, else the first column (always in view). None without a table.
pub fn cursor_column(app: &App, pane: Pane) -> Option<usize> {
    let shown = shown_columns(app, pane);
    let cursor = app.view(pane).sort_cursor;
    if shown.contains(&cursor) {
        Some(cursor)
    } else {
        shown.first().copied()
    }
}

/// The largest useful column offset of a pane's table at the window's
/// width (tables span the window, less their borders).
pub fn max_column_offset(app: &App, pane: Pane) -> usize {
    match app.table(pane) {
        Some(t) => {
            let v = app.view(pane);
            layout_for(app, t, app.size.0.saturating_sub(2), v.col_offset).max_offset
        }
        None => 0,
    }
}

/// `s` in `w` characters, padded on the right (or the left when
/// right-aligned). Cut text ends in `…`; an id (one word with `-` or `/`,
/// such as `aoai-eastus2-prod`) loses its middle instead, since ids often
/// differ only at their end (`aoai-…2-prod`, `aoai-…legacy`).
pub fn fit(s: &str, w: usize, right: bool) -> String {
    let len = s.chars().count();
    if len > w {
        if w == 0 {
            return String::new();
        }
        let id = !s.contains(' ') && s.contains(['-', '/']);
        if id && w >= 7 {
            let head = (w - 1) / 2;
            let tail = w - 1 - head;
            let mut out: String = s.chars().take(head).collect();
            out.push('…');
            out.extend(s.chars().skip(len - tail));
            return out;
        }
        let mut out: String = s.chars().take(w - 1).collect();
        out.push('…');
        out
    } else if right {
        format!("{s:>w$}")
    } else {
        format!("{s:<w$}")
    }
}

pub fn draw_table(
    app: &App,
    f: &mut Frame,
    area: Rect,
    t: &Table,
    v: &TableView,
    title: &str,
    focused: bool,
) {
    let total = t.rows.len();
    let shown = v.rows.iter().filter(|r| r.1.is_none()).count();
    let b0 = Block::default().borders(Borders::ALL);
    let inner = b0.inner(area);
    let year = app.now.year();
    let lay = layout_for(app, t, inner.width, v.col_offset);
    let mut title_spans = vec![Span::raw(title.to_string())];
    // The count stands apart from the title text: "· 7 rows".
    let rows = |n: usize| if n == 1 { "row" } else { "rows" };
    let count = if v.filter.is_empty() {
        format!("· {total} {} ", rows(total))
    } else {
        format!(
            "· {shown} of {total} {}, filter \"{}\" ",
            rows(total),
            v.filter
        )
    };
    title_spans.push(Span::styled(count, app.theme.dim()));
    if let Some((c, desc)) = v.sort
        && let Some(col) = t.columns.get(c)
    {
        title_spans.push(Span::styled(
            format!("sorted by {} {} ", col.title, if desc { "▼" } else { "▲" }),
            app.theme.dim(),
        ));
    }
    if lay.hidden > 0 && focused {
        let keys = column_keys(app);
        title_spans.push(Span::styled(
            format!("+{} columns ({keys}) ", lay.hidden),
            app.theme.fg("info"),
        ));
    }
    let b = block(app, Line::from(title_spans));
    f.render_widget(b, area);
    if v.rows.is_empty() {
        let msg = if t.rows.is_empty() {
            t.empty.clone()
        } else {
            format!("No row matches \"{}\" (esc clears the filter).", v.filter)
        };
        f.render_widget(
            Paragraph::new(msg)
                .style(app.theme.dim())
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let buf = f.buffer_mut();
    let cell_text = |s: &str| -> String {
        if lay.compact {
            compact_cell(s, year).into_owned()
        } else {
            s.to_string()
        }
    };
    // The header.
    let mut head = String::new();
    for (k, &(i, w)) in lay.shown.iter().enumerate() {
        let c = &t.columns[i];
        let mut s = c.title.to_string();
        if let Some((sc, desc)) = v.sort
            && sc == i
        {
            s.push(if desc { '▼' } else { '▲' });
        }
        if k > 0 {
            head.push(' ');
        }
        head.push_str(&fit(&s, w as usize, c.right));
    }
    buf.set_stringn(
        inner.x,
        inner.y,
        &head,
        inner.width as usize,
        app.theme.header(),
    );
    // The column cursor (`h` / `l`, the column `o` sorts by) on a
    // sortable pane's title: the cursor's column, or the first in view.
    let sortable = Action::Sort.panes().is_some_and(|p| p.contains(&app.pane));
    if focused && sortable {
        let cursor = lay
            .shown
            .iter()
            .position(|c| c.0 == v.sort_cursor)
            .unwrap_or(0);
        let x: u16 = lay.shown[..cursor].iter().map(|c| c.1 + 1).sum();
        let w = lay.shown[cursor].1.min(inner.width.saturating_sub(x));
        if w > 0 {
            buf.set_style(Rect::new(inner.x + x, inner.y, w, 1), app.theme.selected());
        }
    }
    let h = inner.height.saturating_sub(1).max(1) as usize;
    let sel = v.selected.min(v.rows.len() - 1);
    let off = v
        .offset
        .min(sel)
        .max((sel + 1).saturating_sub(h))
        .min(v.rows.len().saturating_sub(h));
    let visible = &v.rows[off..(off + h).min(v.rows.len())];
    // Child rows (a quota's deployments) have columns of their own, sized
    // to the children in view, under the parent's first column.
    let kids: Vec<&data::Row> = visible
        .iter()
        .filter_map(|&(i, c)| c.and_then(|c| t.rows[i].children.get(c)))
        .collect();
    let kid_w: Vec<usize> = {
        let n = kids.iter().map(|r| r.cells.len()).max().unwrap_or(0);
        (0..n)
            .map(|j| {
                kids.iter()
                    .map(|r| r.cells.get(j).map_or(0, |s| plain(s).chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    };
    for (k, &(i, c)) in visible.iter().enumerate() {
        let y = inner.y + 1 + k as u16;
        if y >= inner.y + inner.height {
            break;
        }
        let parent = &t.rows[i];
        let (r, line) = match c {
            Some(c) => {
                let r = &parent.children[c];
                // ├ for a child with a sibling below it, └ for the last.
                let last = c + 1 == parent.children.len();
                let mut s = String::from(if last { "  └ " } else { "  ├ " });
                for (j, cell) in r.cells.iter().enumerate() {
                    if j > 0 {
                        s.push_str("  ");
                    }
                    let cell = plain(cell);
                    let numeric = cell.starts_with(|c: char| c.is_ascii_digit());
                    s.push_str(&fit(&cell, kid_w[j], numeric));
                }
                (r, s)
            }
            None => {
                let mut s = String::new();
                for (k2, &(ci, w)) in lay.shown.iter().enumerate() {
                    if k2 > 0 {
                        s.push(' ');
                    }
                    let text = parent
                        .cells
                        .get(ci)
                        .map(|x| cell_text(&plain(x)))
                        .unwrap_or_default();
                    s.push_str(&fit(&text, w as usize, t.columns[ci].right));
                }
                (parent, s)
            }
        };
        let style = if focused && off + k == sel {
            app.theme.selected()
        } else {
            tone_style(&app.theme, r.tone)
        };
        let line = fit(&line, inner.width as usize, false);
        buf.set_stringn(inner.x, y, &line, inner.width as usize, style);
    }
}

/// The keys that scroll columns, as shown ("</>").
pub fn column_keys(app: &App) -> String {
    let l = app.keymap.first_key("columns_left").unwrap_or_default();
    let r = app.keymap.first_key("columns_right").unwrap_or_default();
    format!("{l}/{r}")
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

fn overview(app: &App, f: &mut Frame, area: Rect, d: &data::Data) {
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

fn forecast(app: &App, f: &mut Frame, area: Rect) {
    let c = match &app.chart.data {
        Loadable::Ready(c) => c.clone(),
        Loadable::Loading => return loading(app, f, area, "Rating the range"),
        Loadable::Failed(e) => return failed(app, f, area, e),
    };
    let t = &c.totals;
    let basis = match c.basis {
        Basis::Actual => "actual (when billed)",
        Basis::Amortized => "amortized (spread over the days paid for)",
    };
    let mut head_lines = vec![Line::from(vec![
        Span::styled(
            format!("{} .. {}", data::day(c.from), data::day(c.to)),
            app.theme.bold("header"),
        ),
        Span::raw(format!("  {basis}  total ")),
        Span::styled(money(t.total()), app.theme.bold("accent")),
    ])];
    // The legend with each part's total, on as many lines as it needs.
    let items = [
        ("█ hourly ", "hourly", Some(t.hourly)),
        ("▓ commitment ", "commitment", Some(t.commitment)),
        ("▒ reservation ", "reservation", Some(t.reservation)),
        ("░ managed ", "managed_compute", Some(t.managed_compute)),
        ("┊ now", "accent", None),
    ];
    let mut line: Vec<Span> = Vec::new();
    let mut used = 0usize;
    for (label, role, amount) in items {
        let fig = amount
            .map(|a| format!("{}  ", money(a)))
            .unwrap_or_default();
        let w = label.chars().count() + fig.chars().count();
        if used > 0 && used + w > area.width as usize {
            head_lines.push(Line::from(std::mem::take(&mut line)));
            used = 0;
        }
        line.push(Span::styled(label, app.theme.fg(role)));
        line.push(Span::raw(fig));
        used += w;
    }
    head_lines.push(Line::from(line));
    let chart_h = (area.height / 2).max(8);
    let [head, chart, windows] = Layout::vertical([
        Constraint::Length(head_lines.len() as u16),
        Constraint::Length(chart_h),
        Constraint::Min(3),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(head_lines), head);
    let b = block(app, " Daily cost ");
    let inner = b.inner(chart);
    f.render_widget(b, chart);
    f.render_widget(
        StackedBars {
            periods: &c.periods,
            theme: &app.theme,
            now: app.now,
        },
        inner,
    );
    table_pane(
        app,
        f,
        windows,
        Pane::Forecast,
        " Where money leaks: overage, double billing, unused (enter goes to the subject) ",
    );
}

/// Daily cost as stacked bars: hourly, commitment, reservation, managed
/// compute. Heights are drawn from the core's daily figures in eighths of
/// a row: a cell the stack fills shows the glyph of the part that fills
/// most of it (`█ ▓ ▒ ░`), the top cell a lower block (`▁`..`▇`) in that
/// part's colour; a day that costs anything shows at least `▁`. A day's
/// negative parts (refund credits) draw as nothing. The day holding `now`
/// is marked `┊` above its bar, with `now` beside it.
struct StackedBars<'a> {
    periods: &'a [Period],
    theme: &'a Theme,
    now: Time,
}

/// A stack's cells from the bottom: for each row, the part that fills most
/// of it and how many eighths of it are filled (8 but for the top one).
/// `tops` are the parts' cumulative heights in eighths.
pub fn stack_cells(tops: &[u32], rows: u16) -> Vec<Option<(usize, u32)>> {
    (0..rows as u32)
        .map(|row| {
            let (lo, hi) = (row * 8, row * 8 + 8);
            let mut best: Option<(usize, u32)> = None;
            let mut below = 0u32;
            let mut filled = 0u32;
            for (j, &top) in tops.iter().enumerate() {
                let a = below.max(lo);
                let b = top.min(hi);
                if b > a {
                    filled += b - a;
                    if best.is_none_or(|(_, n)| b - a > n) {
                        best = Some((j, b - a));
                    }
                }
                below = below.max(top);
            }
            best.map(|(j, _)| (j, filled))
        })
        .collect()
}

impl Widget for StackedBars<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let label_w: u16 = 13;
        if area.width <= label_w + 4 || area.height < 4 || self.periods.is_empty() {
            return;
        }
        let plot_h = area.height - 1;
        let plot_w = area.width - label_w;
        let parts = |p: &Period| -> [Decimal; 4] {
            [p.hourly, p.commitment, p.reservation, p.managed_compute].map(|x| x.max(Decimal::ZERO))
        };
        let n = self.periods.len();
        let per_col = n.div_ceil(plot_w as usize).max(1);
        let cols: Vec<(Time, Time, [Decimal; 4])> = self
            .periods
            .chunks(per_col)
            .map(|ch| {
                let mut acc = [Decimal::ZERO; 4];
                for p in ch {
                    for (a, x) in acc.iter_mut().zip(parts(p)) {
                        *a += x;
                    }
                }
                (ch[0].start, ch[ch.len() - 1].end, acc)
            })
            .collect();
        let max = cols
            .iter()
            .map(|c| c.2.iter().copied().sum::<Decimal>())
            .max()
            .unwrap_or_default();
        let bar_w = (plot_w as usize / cols.len()).max(1) as u16;
        let gap = if bar_w >= 3 { 1 } else { 0 };
        let styles = [
            ("hourly", '█'),
            ("commitment", '▓'),
            ("reservation", '▒'),
            ("managed_compute", '░'),
        ];
        const LOWER: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
        // Y axis labels.
        let top = if per_col > 1 {
            format!("{} /{per_col}d", money(max))
        } else {
            money(max)
        };
        buf.set_string(
            area.x,
            area.y,
            format!("{top:>w$}", w = label_w as usize - 1),
            self.theme.dim(),
        );
        buf.set_string(
            area.x,
            area.y + plot_h - 1,
            format!("{:>w$}", "$0", w = label_w as usize - 1),
            self.theme.dim(),
        );
        if max <= Decimal::ZERO {
            buf.set_string(
                area.x + label_w,
                area.y + plot_h / 2,
                "no cost in this range",
                self.theme.dim(),
            );
            return;
        }
        let eighths = u32::from(plot_h) * 8;
        // Heights for drawing only (the figures themselves are the core's).
        let scale = |v: Decimal| -> u32 {
            (v * Decimal::from(eighths) / max)
                .round()
                .to_u32()
                .unwrap_or(0)
                .min(eighths)
        };
        let right = area.x + area.width;
        let mut now_x: Option<u16> = None;
        for (k, (start, end, vals)) in cols.iter().enumerate() {
            let x0 = area.x + label_w + k as u16 * bar_w;
            if x0 >= right {
                break;
            }
            if *start <= self.now && self.now < *end {
                now_x = Some(x0);
            }
            let mut cum = Decimal::ZERO;
            let mut tops = [0u32; 4];
            for (j, v) in vals.iter().enumerate() {
                cum += *v;
                tops[j] = scale(cum);
            }
            // Anything at all shows: the largest part's colour, one eighth.
            if cum > Decimal::ZERO && tops[3] == 0 {
                let j = (0..4).max_by_key(|&j| vals[j]).unwrap_or(0);
                for t in tops.iter_mut().skip(j) {
                    *t = 1;
                }
            }
            for (level, cell) in stack_cells(&tops, plot_h).into_iter().enumerate() {
                let Some((j, filled)) = cell else { continue };
                let glyph = if filled >= 8 {
                    styles[j].1
                } else {
                    LOWER[filled.max(1) as usize - 1]
                };
                let y = area.y + plot_h - 1 - level as u16;
                for dx in 0..bar_w.saturating_sub(gap) {
                    let x = x0 + dx;
                    if x < right {
                        buf.set_string(x, y, glyph.to_string(), self.theme.fg(styles[j].0));
                    }
                }
            }
        }
        // The day holding now: a dotted line above its bar, `now` beside it.
        if let Some(x) = now_x {
            for dy in 0..plot_h {
                let y = area.y + dy;
                if let Some(c) = buf.cell_mut((x, y))
                    && c.symbol() == " "
                {
                    c.set_symbol("┊").set_style(self.theme.fg("accent"));
                }
            }
            let free = (x + 1..(x + 4).min(right))
                .all(|x| buf.cell((x, area.y)).is_some_and(|c| c.symbol() == " "));
            if free && x + 4 <= right {
                buf.set_string(x + 1, area.y, "now", self.theme.fg("accent"));
            }
        }
        // X axis: first, middle and last day.
        let y = area.y + plot_h;
        let last_x = area.x + label_w + (cols.len() as u16).saturating_sub(1) * bar_w;
        let first = data::day(cols[0].0);
        let end = data::day(cols[cols.len() - 1].0);
        buf.set_string(area.x + label_w, y, &first, self.theme.dim());
        let end_x = last_x
            .min(area.x + area.width - end.len() as u16)
            .max(area.x + label_w + first.len() as u16 + 1);
        if end_x + (end.len() as u16) <= area.x + area.width {
            buf.set_string(end_x, y, &end, self.theme.dim());
        }
        let mid = cols.len() / 2;
        let mid_x = area.x + label_w + mid as u16 * bar_w;
        let mid_s = data::day(cols[mid].0);
        if mid_x > area.x + label_w + first.len() as u16 + 1
            && mid_x + mid_s.len() as u16 + 1 < end_x
        {
            buf.set_string(mid_x, y, mid_s, self.theme.dim());
        }
    }
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn draw_overlay(app: &App, f: &mut Frame, o: &Overlay, body: Rect, status: Rect) {
    match o {
        Overlay::Help { scroll } => {
            let r = centered(body, body.width.saturating_sub(6).min(100), body.height);
            f.render_widget(Clear, r);
            let lines = help_lines(app);
            f.render_widget(
                Paragraph::new(lines)
                    .scroll((*scroll, 0))
                    .block(block(app, " Help: keys from your keymap (esc closes) ")),
                r,
            );
        }
        Overlay::Detail {
            title,
            lines,
            scroll,
            ..
        } => {
            let r = centered(body, body.width.saturating_sub(6).min(110), body.height);
            f.render_widget(Clear, r);
            let text: Vec<Line> = lines
                .iter()
                .map(|(s, t)| Line::from(Span::styled(s.clone(), tone_style(&app.theme, *t))))
                .collect();
            f.render_widget(
                Paragraph::new(text)
                    .scroll((*scroll, 0))
                    .block(block(app, format!(" {title} "))),
                r,
            );
        }
        Overlay::Form(form) => super::form_view::draw(app, f, form, body),
        Overlay::Confirm { message, .. } => {
            let w = body.width.saturating_sub(10).min(72);
            let text_lines = crate::report::wrap(message, "", w.saturating_sub(4) as usize);
            let h = text_lines.len() as u16 + 4;
            let r = centered(body, w, h);
            f.render_widget(Clear, r);
            let mut lines: Vec<Line> = text_lines.into_iter().map(Line::from).collect();
            lines.push(Line::default());
            lines.push(Line::from(vec![
                Span::styled("y", app.theme.bold("accent")),
                Span::raw(" yes    "),
                Span::styled("n", app.theme.bold("accent")),
                Span::raw(" no"),
            ]));
            f.render_widget(Paragraph::new(lines).block(block(app, " Confirm ")), r);
        }
        Overlay::Palette(input) => {
            let matches = palette_matches(input.value());
            let list: Vec<&(&str, &str)> = if matches.is_empty() {
                COMMANDS.iter().collect()
            } else {
                matches
            };
            let h = (list.len() as u16 + 2).min(body.height);
            let w = body.width.min(90);
            let r = Rect::new(body.x, status.y.saturating_sub(h), w, h);
            f.render_widget(Clear, r);
            let lines: Vec<Line> = list
                .iter()
                .map(|(c, d)| {
                    Line::from(vec![
                        Span::styled(format!(" :{c:<33}"), app.theme.fg("accent")),
                        Span::raw(d.to_string()),
                    ])
                })
                .collect();
            let title = app.palette_note.as_deref().unwrap_or("Commands");
            f.render_widget(
                Paragraph::new(lines).block(block(app, format!(" {title} "))),
                r,
            );
        }
        Overlay::Choose {
            title,
            items,
            selected,
        } => super::plan_view::draw_chooser(app, f, body, title, items, *selected),
        Overlay::Remedies {
            notification,
            selected,
        } => super::remedy_view::draw(app, f, body, notification, *selected),
        Overlay::Recommend(state) => super::recommend_view::draw(app, f, body, state),
        Overlay::Filter(_) => {}
    }
}

/// The help text, generated from the live keymap.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let km = &app.keymap;
    let mut lines: Vec<Line> = Vec::new();
    let row = |keys: String, what: String| -> Line<'static> {
        Line::from(vec![
            Span::styled(format!("  {keys:<22}"), app.theme.bold("accent")),
            Span::raw(what),
        ])
    };
    let section =
        |title: &str| Line::from(Span::styled(title.to_string(), app.theme.bold("header")));
    lines.push(section("Everywhere"));
    for b in &km.bindings {
        if b.action.panes().is_none() && !b.keys.is_empty() && b.action.pane().is_none() {
            lines.push(row(
                km.keys_of(&b.name),
                format!("{} ({})", b.action.describe(), b.name),
            ));
        }
    }
    let digits: Vec<String> = km
        .bindings
        .iter()
        .filter(|b| b.action.pane().is_some())
        .filter_map(|b| b.keys.first().map(|k| k.label()))
        .collect();
    lines.push(row(digits.join(" "), "the panes, in order".into()));
    lines.push(Line::default());
    lines.push(section("Tables"));
    for b in &km.bindings {
        if b.action.panes().is_some_and(|p| p.len() > 2) && !b.keys.is_empty() {
            lines.push(row(
                km.keys_of(&b.name),
                format!("{} ({})", b.action.describe(), b.name),
            ));
        }
    }
    for pane in Pane::ALL {
        let own: Vec<_> = km
            .bindings
            .iter()
            .filter(|b| {
                b.action
                    .panes()
                    .is_some_and(|p| p.len() <= 2 && p.contains(&pane))
            })
            .collect();
        if own.is_empty() {
            continue;
        }
        lines.push(Line::default());
        lines.push(section(pane.title()));
        if pane == Pane::Planner {
            // What the bottom bar says there: j/k choose, enter/a apply.
            lines.push(row(
                format!("{}/{}", km.keys_of("down"), km.keys_of("up")),
                "choose the option".into(),
            ));
        }
        for b in own {
            let keys = match b.action {
                // Enter applies the chosen option too.
                Action::ApplyPlan => format!("{}/{}", km.keys_of("select"), km.keys_of(&b.name)),
                _ => km.keys_of(&b.name),
            };
            lines.push(row(keys, format!("{} ({})", b.action.describe(), b.name)));
        }
    }
    lines.push(Line::default());
    lines.push(section("Edit forms (every change is priced before saving)"));
    lines.push(row("↑ ↓ tab".into(), "move between fields".into()));
    lines.push(row(
        "← → + - space".into(),
        "change a choice or step a number".into(),
    ));
    lines.push(row(
        "digits, text".into(),
        "type a number, name or time (2026-11-05, 2026-11-05 09:00 UTC, RFC 3339); the first key replaces the value".into(),
    ));
    lines.push(row(
        "enter".into(),
        "save (refunds and deletions ask first)".into(),
    ));
    lines.push(row("esc".into(), "cancel".into()));
    lines.push(Line::default());
    lines.push(section("Command palette (:)"));
    for (c, d) in COMMANDS {
        lines.push(row(format!(":{c}"), d.to_string()));
    }
    lines.push(row(
        ":ACTION".into(),
        "any action by its name, e.g. :add_ptu".into(),
    ));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Keys and colours: [keys] and [colors] in config.toml in your config folder. NO_COLOR turns colour off.",
        app.theme.dim(),
    )));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::data::{Column, Row};

    #[test]
    fn compact_forms() {
        assert_eq!(compact_cell("2026-11-27 09:00", 2026), "11-27 09:00");
        assert_eq!(compact_cell("2027-03-16 11:00", 2026), "2027-03-16");
        assert_eq!(compact_cell("2026-03-16", 2026), "03-16");
        assert_eq!(compact_cell("2025-03-16", 2026), "2025-03-16");
        assert_eq!(compact_cell("ref. 2026-12-01", 2026), "ref. 12-01");
        assert_eq!(compact_cell("2026-11-27 09:00 x", 2026), "11-27 09:00 x");
        assert_eq!(compact_cell("Data Zone", 2026), "DZ");
        assert_eq!(compact_cell("Regional", 2026), "Reg");
        assert_eq!(compact_cell("Global", 2026), "Glob");
        assert_eq!(compact_cell("don't renew", 2026), "off");
        assert_eq!(compact_cell("gpt-4o 2024-05-13", 2026), "gpt-4o 2024-05-13");
        assert_eq!(compact_cell("2026-11-2", 2026), "2026-11-2");
        for c in [
            "2026-11-27 09:00",
            "2027-03-16 11:00",
            "ref. 2026-12-01",
            "Data Zone",
            "don't renew",
            "autorenew",
            "gpt-4o",
            "",
        ] {
            let n = c.chars().count();
            assert_eq!(
                compact_len(c, n, 2026),
                compact_cell(c, 2026).chars().count(),
                "{c}"
            );
        }
        assert_eq!(fit("abcdef", 4, false), "abc…");
        assert_eq!(fit("aoai-eastus2-prod", 12, false), "aoai-…2-prod");
        assert_eq!(fit("gpt-4o-mini 2024-07-18", 12, false), "gpt-4o-mini…");
        assert_eq!(fit("ab", 4, true), "  ab");
    }

    fn table(cols: &[(&'static str, u16, u8, bool)], cells: &[&str]) -> Table {
        Table {
            columns: cols
                .iter()
                .map(|&(title, width, drop, grow)| Column {
                    title,
                    width,
                    right: false,
                    drop,
                    grow,
                })
                .collect(),
            rows: vec![Row {
                key: "k".into(),
                cells: cells.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            }],
            empty: String::new(),
            footer: None,
        }
    }

    #[test]
    fn widths_go_by_need_ids_first() {
        let t = table(
            &[
                ("Id", 6, 0, false),
                ("Model", 6, 1, false),
                ("Note", 6, 2, true),
            ],
            &["deployment-1", "gpt-4o 2024-05-13", "free text here"],
        );
        // Wide: the id and the model in full, the rest to the note.
        let l = layout_columns(&t, 60, 0, 2026);
        assert_eq!(l.shown, vec![(0, 12), (1, 17), (2, 29)]);
        assert_eq!(l.hidden, 0);
        // Narrower: the id first, then the model; the note at its minimum.
        let l = layout_columns(&t, 30, 0, 2026);
        assert_eq!(l.shown, vec![(0, 12), (1, 10), (2, 6)]);
    }

    #[test]
    fn narrow_windows_scroll_through_every_column() {
        let t = table(
            &[
                ("Id", 10, 0, false),
                ("A", 10, 0, false),
                ("B", 10, 1, false),
                ("C", 10, 2, false),
                ("D", 10, 3, false),
            ],
            &[
                "id-0123456",
                "a-01234567",
                "b-01234567",
                "c-01234567",
                "d-01234567",
            ],
        );
        let first = layout_columns(&t, 32, 0, 2026);
        assert_eq!(first.shown, vec![(0, 10), (1, 10), (2, 10)]);
        assert_eq!(first.hidden, 2);
        let mut seen = std::collections::BTreeSet::new();
        for o in 0..=first.max_offset {
            let l = layout_columns(&t, 32, o, 2026);
            assert_eq!(l.shown[0].0, 0, "the id stays");
            assert!(l.shown.iter().all(|&(i, w)| w >= t.columns[i].width));
            seen.extend(l.shown.iter().map(|c| c.0));
        }
        assert_eq!(seen.len(), 5, "every column can be reached");
        // Past the end stays at the end.
        assert_eq!(
            layout_columns(&t, 32, 99, 2026),
            layout_columns(&t, 32, first.max_offset, 2026)
        );
    }

    #[test]
    fn bars_in_eighths() {
        // One part 1.5 rows high: a full cell, then half a cell.
        assert_eq!(
            stack_cells(&[12], 3),
            vec![Some((0, 8)), Some((0, 4)), None]
        );
        // Two parts: the cell goes to the part filling most of it.
        assert_eq!(stack_cells(&[3, 14], 2), vec![Some((1, 8)), Some((1, 6))]);
        assert_eq!(stack_cells(&[0, 0], 2), vec![None, None]);
    }

    #[test]
    fn the_bar_keeps_help_and_quit() {
        let h = |k: &str, rank| Hint {
            keys: k.into(),
            what: "x".into(),
            rank,
        };
        let hints = vec![h("a", 1), h("b", 4), h("c", 2), h("?", 0), h("q", 0)];
        let kept: Vec<String> = fit_hints(hints.clone(), 20)
            .into_iter()
            .map(|h| h.keys)
            .collect();
        assert_eq!(kept, vec!["a", "c", "?", "q"]);
        let kept: Vec<String> = fit_hints(hints, 5).into_iter().map(|h| h.keys).collect();
        assert_eq!(kept, vec!["?", "q"]);
    }
}

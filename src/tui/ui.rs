//! Drawing: a pure function of the app's state onto a ratatui frame. Only
//! the rows in view are turned into widgets, so a table of thousands of
//! rows costs what a screenful does.

use super::action::{Action, Command, Pane};
use super::data::Loadable;
use super::data::minute;
use super::popups;
/// The help text, at its former path (`ui::help_lines`).
pub use super::popups::help::help_lines;
use super::state::{App, DrawnPage, MIN_SIZE, Overlay};
/// The status message's lines, at their former path (`ui::status_lines`).
pub use super::table::status_lines;
use super::table::{block, failed, loading, tone_style};
use crate::domain::notice::Severity;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Draws the whole screen.
pub fn draw(app: &App, f: &mut Frame) {
    app.drawn_page.set(Some(DrawnPage {
        size: app.size,
        rows: Pane::ALL.map(|p| page(app, p)),
    }));
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
        popups::draw(app, f, o, body, status);
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

/// Rows a page of `pane` holds in the current window (its table's body
/// height), as this frame lays it out: the window less the tab row,
/// header, status lines, key bar and the pane's own chrome (its borders,
/// header row and what it shows under or beside the table). `draw`
/// records it for every pane for [`App::page`].
fn page(app: &App, pane: Pane) -> usize {
    // A long status message takes more than its one line.
    let status = status_lines(app, app.size.0).len().max(1);
    let chrome = status - 1
        + match pane {
            Pane::Forecast => 5 + (app.size.1 as usize).saturating_sub(4) / 2,
            Pane::Overview => (app.size.1 as usize).saturating_sub(4) / 2 + 6,
            Pane::Reservations => {
                7 + super::panes::reservations::reservations_foot(app, app.size.0).len()
            }
            // Under the table, the selected row's long cell; the pane is the
            // window less the tab row, status, message and key bar.
            _ => {
                let (w, h) = app.size;
                let height = h.saturating_sub(3 + status as u16);
                7 + super::table::table_foot(app, pane, w, height).len()
            }
        };
    (app.size.1 as usize).saturating_sub(chrome).max(1)
}

/// True when a key the bottom bar would offer does something here: no
/// "details" without a row, no undo with nothing to undo.
pub fn hint_works(app: &App, a: &Action) -> bool {
    let rows = !app.view(app.pane).rows.is_empty();
    let has_table = app.table(app.pane).is_some_and(|t| !t.rows.is_empty());
    match a {
        Action::Select | Action::PageDown => rows,
        Action::Filter
        | Action::Sort
        | Action::SortReverse
        | Action::ColumnCursorLeft
        | Action::ColumnCursorRight => has_table,
        Action::Undo => app.undoable.is_some() || app.last_ack.is_some(),
        Action::AddPtu
        | Action::SetRenewal
        | Action::ChangeScope
        | Action::Refund
        | Action::Resize
        | Action::Delete
        | Action::Acknowledge
        | Action::Info
        | Action::Plan
        | Action::PlanDiscontinue => rows,
        Action::ToggleAcknowledged => app.show_acknowledged || !app.silenced.is_empty(),
        Action::NewReservation => app.data().is_some(),
        Action::RegionsDown | Action::RegionsUp => app.data().is_some_and(|d| {
            let rows = d.overview.capacity.rows.len();
            super::panes::overview::overview_region_rows(app, rows) < rows
        }),
        _ => true,
    }
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
        // Each popup's keys, as its file declares them.
        Some(Overlay::Help { .. }) => fixed(popups::help::KEYS),
        Some(Overlay::Detail { .. }) => fixed(popups::detail::KEYS),
        // Read-only: Enter saves nothing (the form's title says so).
        Some(Overlay::Form(_)) if app.readonly => fixed(popups::form::KEYS_READONLY),
        Some(Overlay::Form(_)) => fixed(popups::form::KEYS),
        Some(Overlay::Confirm { .. }) => fixed(popups::confirm::KEYS),
        Some(Overlay::Remedies { .. }) => fixed(popups::remedies::KEYS),
        Some(Overlay::Recommend(_)) => fixed(popups::recommend::KEYS),
        Some(Overlay::Choose { .. }) => fixed(super::panes::planner::CHOOSER_KEYS),
        Some(Overlay::Filter(_)) => fixed(popups::filter::KEYS),
        Some(Overlay::Palette(_)) => fixed(popups::palette::KEYS),
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
            let works = |a: &Action| hint_works(app, a);
            // A command's keys: the first of each of its actions, "j/k".
            let keys = |c: &Command<App>| match c.key_text {
                Some(text) => text(app),
                None => {
                    let keys: Vec<String> = c
                        .key_names()
                        .iter()
                        .filter_map(|n| first(n))
                        .filter(|k| !k.is_empty())
                        .collect();
                    (!keys.is_empty()).then(|| keys.join("/"))
                }
            };
            // The pane's commands, as its file declares them: what it
            // names the list's keys (Enter's "details"), then its own;
            // then the app-wide ones.
            for c in super::commands::lists(app.pane) {
                if let (Some(rank), Some(label)) = (c.bar, c.label)
                    && let Some(what) = label(app)
                {
                    push(keys(&c), what, rank);
                }
            }
            let own = super::commands::of(app.pane);
            for c in own.into_iter().chain(super::commands::global()) {
                let a = &c.action;
                let Some(rank) = c.bar else {
                    continue;
                };
                if (app.readonly && a.writes()) || !works(a) {
                    continue;
                }
                if let Some(what) = c.label.map_or(Some(a.describe()), |l| l(app)) {
                    push(keys(&c), what, rank);
                }
            }
            out
        }
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
        Pane::Overview => super::panes::overview::draw(app, f, area, &d),
        Pane::Quota => super::panes::quota::draw(app, f, area),
        Pane::Deployments => super::panes::deployments::draw(app, f, area),
        Pane::Commitments => super::panes::commitments::draw(app, f, area, &d),
        Pane::Reservations => super::panes::reservations::draw(app, f, area),
        Pane::Notifications => super::panes::notifications::draw(app, f, area),
        Pane::Forecast => super::panes::forecast::draw(app, f, area),
        Pane::Planner => super::panes::planner::draw(app, f, area),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Drawing: a pure function of the app's state onto a ratatui frame. Only
//! the rows in view are turned into widgets, so a table of thousands of
//! rows costs what a screenful does.

use super::action::{Action, Pane};
use super::app::{App, COMMANDS, Loadable, MIN_SIZE, Overlay, TableView, palette_matches};
use super::data::{self, Column, Table, Tone, minute, money};
use super::theme::Theme;
use crate::alerts::Severity;
use crate::domain::time::Time;
use crate::rating::{Basis, Period};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{
    Block, Borders, Cell, Clear, Paragraph, Row, Table as TableWidget, Widget, Wrap,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

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
        Constraint::Length(1),
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
    let spans: Vec<Span> = parts
        .into_iter()
        .zip(short)
        .map(|((long, short, style, _), sh)| Span::styled(if sh { short } else { long }, style))
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
            Some((tone, msg)) => {
                Line::from(Span::styled(msg.clone(), tone_style(&app.theme, *tone)))
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

/// The keys that work here: (keys, what).
pub fn key_hints(app: &App) -> Vec<(String, String)> {
    let fixed = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, d)| (k.to_string(), d.to_string()))
            .collect()
    };
    match app.overlays.last() {
        Some(Overlay::Help { .. }) => fixed(&[("esc", "close"), ("↑↓", "scroll")]),
        Some(Overlay::Detail { .. }) => fixed(&[("esc", "close"), ("↑↓", "scroll")]),
        Some(Overlay::Form(_)) => fixed(&[
            ("↑↓/tab", "field"),
            ("←→/+-", "change"),
            ("enter", "save"),
            ("esc", "cancel"),
        ]),
        Some(Overlay::Confirm { .. }) => fixed(&[("y/enter", "yes"), ("n/esc", "no")]),
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
            let mut actions: Vec<Action> = Vec::new();
            if app.pane.has_table() || app.pane == Pane::Overview {
                actions.push(Action::Select);
            }
            if app.pane == Pane::Planner && app.planner.ready().is_some() {
                // Enter applies the option (as `a` does): shown once.
                if !app.readonly {
                    actions.push(Action::Select);
                }
                actions.push(Action::PageDown);
            }
            actions.extend(Action::bindable().into_iter().filter(|a| {
                a.panes()
                    .is_some_and(|ps| ps.contains(&app.pane) && ps.len() <= 2)
                    && !(app.readonly && a.writes())
                    // Enter applies; `D` is in the help (the bar is full).
                    && !matches!(a, Action::ApplyPlan | Action::PlanDiscontinue)
            }));
            if app.pane.has_table() {
                actions.push(Action::Filter);
                actions.push(Action::SortNext);
            }
            actions.push(Action::NextPane);
            if !app.readonly {
                actions.push(Action::Undo);
            }
            actions.extend([Action::Palette, Action::Help, Action::Quit]);
            actions.retain(|a| super::app::hint_works(app, a));
            let mut out: Vec<(String, String)> = Vec::new();
            for a in actions {
                let name = a.name().unwrap_or_default();
                if let Some(k) = app.keymap.first_key(&name) {
                    let what = match (&a, app.pane) {
                        (Action::Select, Pane::Quota) => "expand",
                        (Action::Select, Pane::Notifications | Pane::Forecast | Pane::Overview) => {
                            "go to"
                        }
                        (Action::NextPane, _) => "pane",
                        (Action::Select, Pane::Planner) => "apply",
                        (Action::PageDown, Pane::Planner) => "details",
                        _ => a.describe(),
                    };
                    out.push((k, what.to_string()));
                }
            }
            out
        }
    }
}

fn draw_keys(app: &App, f: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (k, d) in key_hints(app) {
        let len = k.chars().count() + d.chars().count() + 3;
        if used + len > area.width as usize {
            break;
        }
        spans.push(Span::styled(format!(" {k}"), app.theme.bold("accent")));
        spans.push(Span::raw(format!(" {d} ")));
        used += len;
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
        Pane::Quota => table_pane(
            app,
            f,
            area,
            Pane::Quota,
            " Quota: per subscription, region and type (enter expands) ",
        ),
        Pane::Deployments => table_pane(app, f, area, Pane::Deployments, " Deployments "),
        Pane::Commitments => table_pane(
            app,
            f,
            area,
            Pane::Commitments,
            " Commitments (Manage Commitments) ",
        ),
        Pane::Reservations => table_pane(app, f, area, Pane::Reservations, " Reservations "),
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
    let footer = t
        .footer
        .and_then(|c| v.selected_row(t).and_then(|r| r.cells.get(c)).cloned());
    match footer {
        Some(text) if !text.is_empty() => {
            let [table, foot] =
                Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(area);
            draw_table(app, f, table, t, v, title, true);
            f.render_widget(
                Paragraph::new(format!(" {text}"))
                    .style(app.theme.dim())
                    .wrap(Wrap { trim: true }),
                foot,
            );
        }
        _ => draw_table(app, f, area, t, v, title, true),
    }
}

/// Which columns fit: drops the most droppable (then rightmost) first.
fn fit_columns(cols: &[Column], width: u16) -> Vec<usize> {
    let mut keep: Vec<usize> = (0..cols.len()).collect();
    let need = |keep: &[usize]| -> u16 {
        keep.iter().map(|&i| cols[i].width).sum::<u16>() + keep.len().saturating_sub(1) as u16
    };
    while need(&keep) > width && keep.len() > 1 {
        let worst = keep
            .iter()
            .enumerate()
            .max_by_key(|(pos, i)| (cols[**i].drop, *pos))
            .map(|(pos, _)| pos)
            .expect("non-empty");
        if cols[keep[worst]].drop == 0 {
            break;
        }
        keep.remove(worst);
    }
    keep
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
    let mut title_spans = vec![Span::raw(title.to_string())];
    let count = if v.filter.is_empty() {
        format!("{total} ")
    } else {
        format!("{shown} of {total}, filter \"{}\" ", v.filter)
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
    let b = block(app, Line::from(title_spans));
    let inner = b.inner(area);
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
    let keep = fit_columns(&t.columns, inner.width);
    let mut widths: Vec<Constraint> = keep
        .iter()
        .map(|&i| {
            let c = &t.columns[i];
            if c.grow {
                Constraint::Fill(1)
            } else {
                Constraint::Length(c.width)
            }
        })
        .collect();
    let spacer = !keep.iter().any(|&i| t.columns[i].grow);
    if spacer {
        widths.push(Constraint::Fill(1));
    }
    let header = Row::new(keep.iter().map(|&i| {
        let c = &t.columns[i];
        let mut s = c.title.to_string();
        if let Some((sc, desc)) = v.sort
            && sc == i
        {
            s.push(if desc { '▼' } else { '▲' });
        }
        align(s, c.right)
    }))
    .style(app.theme.header());
    let h = inner.height.saturating_sub(1).max(1) as usize;
    let sel = v.selected.min(v.rows.len() - 1);
    let off = v
        .offset
        .min(sel)
        .max((sel + 1).saturating_sub(h))
        .min(v.rows.len().saturating_sub(h));
    let rows = v.rows[off..(off + h).min(v.rows.len())]
        .iter()
        .enumerate()
        .map(|(k, &(i, c))| {
            let r = &t.rows[i];
            let r = match c {
                Some(c) => &r.children[c],
                None => r,
            };
            let style = if focused && off + k == sel {
                app.theme.selected()
            } else {
                tone_style(&app.theme, r.tone)
            };
            Row::new(keep.iter().map(|&ci| {
                let text = r.cells.get(ci).cloned().unwrap_or_default();
                align(text, t.columns[ci].right)
            }))
            .style(style)
        });
    let widget = TableWidget::new(rows, widths)
        .header(header)
        .column_spacing(1);
    f.render_widget(widget, inner);
}

fn align(s: String, right: bool) -> Cell<'static> {
    if right {
        Cell::from(Line::from(s).alignment(Alignment::Right))
    } else {
        Cell::from(s)
    }
}

fn overview(app: &App, f: &mut Frame, area: Rect, d: &data::Data) {
    let cap_rows = d.overview.capacity.rows.len() as u16;
    let top_h = (cap_rows + 3).clamp(10, area.height / 2);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(3)]).areas(area);
    let fc_w = if area.width >= 110 { 40 } else { 28 };
    let [left, right] =
        Layout::horizontal([Constraint::Min(20), Constraint::Length(fc_w)]).areas(top);
    let cap_view = TableView {
        rows: (0..d.overview.capacity.rows.len())
            .map(|i| (i, None))
            .collect(),
        ..Default::default()
    };
    draw_table(
        app,
        f,
        left,
        &d.overview.capacity,
        &cap_view,
        " PTU now by region and type ",
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

    // Events and notifications.
    let notes: Vec<(String, Tone)> = match &app.notifications {
        Loadable::Ready(list) => {
            let t = super::details::notification_table(list);
            t.rows
                .iter()
                .take(5)
                .map(|r| {
                    (
                        format!(
                            "{:<8} {:>12}  {}  {}",
                            r.cells[0], r.cells[4], r.cells[3], r.cells[5]
                        ),
                        r.tone,
                    )
                })
                .collect()
        }
        Loadable::Loading => vec![("checking…".into(), Tone::Dim)],
        Loadable::Failed(e) => vec![(e.clone(), Tone::Critical)],
    };
    let n_h = (notes.len().max(1) as u16 + 2).min(if area.height < 30 { 4 } else { 7 });
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
    let lines: Vec<Line> = if notes.is_empty() {
        vec![Line::from(Span::styled(
            "Nothing to report.",
            app.theme.dim(),
        ))]
    } else {
        notes
            .into_iter()
            .map(|(s, t)| Line::from(Span::styled(s, tone_style(&app.theme, t))))
            .collect()
    };
    f.render_widget(
        Paragraph::new(lines).block(block(app, format!(" Top notifications ({count}) "))),
        nt,
    );
}

fn forecast(app: &App, f: &mut Frame, area: Rect) {
    let c = match &app.chart.data {
        Loadable::Ready(c) => c.clone(),
        Loadable::Loading => return loading(app, f, area, "Rating the range"),
        Loadable::Failed(e) => return failed(app, f, area, e),
    };
    let chart_h = (area.height / 2).max(8);
    let [head, chart, windows] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(chart_h),
        Constraint::Min(3),
    ])
    .areas(area);
    let t = &c.totals;
    let basis = match c.basis {
        Basis::Actual => "actual (when billed)",
        Basis::Amortized => "amortized (spread over the days paid for)",
    };
    let head_lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{} .. {}", data::day(c.from), data::day(c.to)),
                app.theme.bold("header"),
            ),
            Span::raw(format!("  {basis}  total ")),
            Span::styled(money(t.total()), app.theme.bold("accent")),
        ]),
        Line::from(vec![
            Span::styled("█ hourly ", app.theme.fg("hourly")),
            Span::raw(format!("{}  ", money(t.hourly))),
            Span::styled("▓ commitment ", app.theme.fg("commitment")),
            Span::raw(format!("{}  ", money(t.commitment))),
            Span::styled("▒ reservation ", app.theme.fg("reservation")),
            Span::raw(format!("{}  ", money(t.reservation))),
            Span::styled("░ managed ", app.theme.fg("managed_compute")),
            Span::raw(money(t.managed_compute)),
        ]),
    ];
    f.render_widget(Paragraph::new(head_lines), head);
    let b = block(app, " Daily cost ");
    let inner = b.inner(chart);
    f.render_widget(b, chart);
    f.render_widget(
        StackedBars {
            periods: &c.periods,
            theme: &app.theme,
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
/// compute. Heights are drawn from the core's daily figures; a day's
/// negative parts (refund credits) draw as nothing.
struct StackedBars<'a> {
    periods: &'a [Period],
    theme: &'a Theme,
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
        let cols: Vec<(Time, [Decimal; 4])> = self
            .periods
            .chunks(per_col)
            .map(|ch| {
                let mut acc = [Decimal::ZERO; 4];
                for p in ch {
                    for (a, x) in acc.iter_mut().zip(parts(p)) {
                        *a += x;
                    }
                }
                (ch[0].start, acc)
            })
            .collect();
        let max = cols
            .iter()
            .map(|c| c.1.iter().copied().sum::<Decimal>())
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
        let scale = |v: Decimal| -> u16 {
            (v * Decimal::from(plot_h) / max)
                .round()
                .to_u16()
                .unwrap_or(0)
                .min(plot_h)
        };
        for (k, (_, vals)) in cols.iter().enumerate() {
            let x0 = area.x + label_w + k as u16 * bar_w;
            if x0 >= area.x + area.width {
                break;
            }
            let mut cum = Decimal::ZERO;
            let mut lo = 0u16;
            for (j, v) in vals.iter().enumerate() {
                cum += *v;
                let hi = scale(cum);
                for level in lo..hi {
                    let y = area.y + plot_h - 1 - level;
                    for dx in 0..bar_w.saturating_sub(gap) {
                        let x = x0 + dx;
                        if x < area.x + area.width {
                            buf.set_string(
                                x,
                                y,
                                styles[j].1.to_string(),
                                self.theme.fg(styles[j].0),
                            );
                        }
                    }
                }
                lo = lo.max(hi);
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
        for b in own {
            lines.push(row(
                km.keys_of(&b.name),
                format!("{} ({})", b.action.describe(), b.name),
            ));
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

//! Drawing shared by the panes and popups over the app's state: the bordered
//! block, a pane's table with its title, count, column cursor and foot, and
//! the loading and failure boxes; and the keys every table has (sort, the
//! column cursor, scrolling the columns). The column layout itself is
//! [`widgets::columns`](super::widgets::columns).

use super::action::{Action, Pane};
use super::data::{self, Table, Tone};
use super::effect::Effect;
use super::state::{App, Overlay, TableView};
use super::theme::Theme;
use super::widgets::columns::{ColumnLayout, column_needs, compact_cell, fit, layout_with};
use crate::safe::plain;
use chrono::Datelike;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Weak};

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
pub(crate) fn block<'a>(app: &App, title: impl Into<Line<'a>>) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.dim())
        .title(title)
        .title_style(app.theme.bold("header"))
}
pub(crate) fn loading(app: &App, f: &mut Frame, area: Rect, what: &str) {
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!("{what}…"),
            app.theme.dim(),
        )))
        .block(block(app, "")),
        area,
    );
}
pub(crate) fn failed(app: &App, f: &mut Frame, area: Rect, msg: &str) {
    f.render_widget(
        Paragraph::new(Text::from(msg.to_string()))
            .style(app.theme.fg("critical"))
            .wrap(Wrap { trim: true })
            .block(block(app, " Could not load ")),
        area,
    );
}
pub(crate) fn table_pane(app: &App, f: &mut Frame, area: Rect, pane: Pane, title: &str) {
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
/// `text` wrapped to `width` in at most `most` lines, the last one ending
/// in `…` when there was more.
pub(crate) fn wrap_at_most(text: &str, indent: &str, width: usize, most: usize) -> Vec<String> {
    let mut lines = crate::report::wrap(text, indent, width);
    if lines.len() > most {
        lines.truncate(most);
        let last = lines.pop().unwrap_or_default();
        lines.push(fit(&format!("{last} …"), width, false));
    }
    lines
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
/// [`layout_columns`] with the app's memo of column needs.
pub(crate) fn layout_for(app: &App, t: &Table, width: u16, offset: usize) -> ColumnLayout {
    let year = app.now.year();
    layout_with(t, &needs_for(app, t, year), width, offset)
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

/// The keys of any pane's table: sort by the column under the cursor (again
/// on the sorted column: the table's own order), move the column cursor
/// (past the edge the columns scroll, and at the end it goes round), scroll
/// the columns.
pub(crate) fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Sort | Action::SortReverse => {
            let Some(col) = cursor_column(app, app.pane) else {
                return vec![];
            };
            let v = app.views.get_mut(&app.pane).expect("view");
            v.sort_cursor = col;
            v.sort = match (&action, v.sort) {
                // Again on the sorted column: the table's own order.
                (Action::Sort, Some((c, _))) if c == col => None,
                (Action::Sort, _) => Some((col, false)),
                (_, None) => Some((col, true)),
                (_, Some((c, d))) => Some((c, !d)),
            };
            app.refresh(app.pane);
            vec![]
        }
        Action::ColumnCursorLeft | Action::ColumnCursorRight => {
            let right = matches!(action, Action::ColumnCursorRight);
            let shown = shown_columns(app, app.pane);
            let Some(col) = cursor_column(app, app.pane) else {
                return vec![];
            };
            let pos = shown.iter().position(|&c| c == col).unwrap_or(0);
            let next = if right {
                shown.get(pos + 1).copied()
            } else {
                pos.checked_sub(1).map(|p| shown[p])
            };
            let next = match next {
                Some(c) => c,
                // Past the edge: the columns scroll that way, and the
                // cursor goes to the nearest column brought in.
                None => {
                    let max = max_column_offset(app, app.pane);
                    let v = app.views.get_mut(&app.pane).expect("view");
                    let was = v.col_offset.min(max);
                    v.col_offset = if right {
                        (was + 1).min(max)
                    } else {
                        was.saturating_sub(1)
                    };
                    if v.col_offset == was {
                        // Nothing more that way: round to the other end
                        // (`h` on the first column: the last one, often
                        // the cost).
                        let end = if right { shown.first() } else { shown.last() };
                        end.copied().unwrap_or(col)
                    } else {
                        let now_shown = shown_columns(app, app.pane);
                        let mut new = now_shown.iter().filter(|c| !shown.contains(c));
                        let pick = if right { new.next() } else { new.next_back() };
                        pick.copied().unwrap_or(col)
                    }
                }
            };
            app.views.get_mut(&app.pane).expect("view").sort_cursor = next;
            vec![]
        }
        Action::ColumnsLeft | Action::ColumnsRight => {
            let max = max_column_offset(app, app.pane);
            let v = app.views.get_mut(&app.pane).expect("view");
            v.col_offset = match action {
                Action::ColumnsLeft => v.col_offset.min(max).saturating_sub(1),
                _ => (v.col_offset + 1).min(max),
            };
            vec![]
        }
        _ => vec![],
    }
}

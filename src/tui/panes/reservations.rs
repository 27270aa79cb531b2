//! The Reservations pane: the reservations' table, with the selected one's
//! name and scope in full and the legend of the use columns under it.

use crate::tui::action::Pane;
use crate::tui::app::App;
use crate::tui::data;
use crate::tui::table::draw_table;
use crate::tui::widgets::columns::fit;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

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

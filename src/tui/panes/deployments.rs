//! The Deployments pane: every deployment with its size, use and cost.

use crate::tui::action::Pane;
use crate::tui::app::App;
use crate::tui::table::table_pane;
use ratatui::Frame;
use ratatui::layout::Rect;

/// Draws the pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    table_pane(app, f, area, Pane::Deployments, " Deployments ")
}

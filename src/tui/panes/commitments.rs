//! The Commitments pane (Manage Commitments): each commitment plan with
//! its PTU, deployed PTU and usage this hour.

use crate::tui::action::Pane;
use crate::tui::app::App;
use crate::tui::data::Data;
use crate::tui::table::table_pane;
use ratatui::Frame;
use ratatui::layout::Rect;

/// Draws the pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect, d: &Data) {
    // Committed, deployed and usage are the current hour's.
    let hour = crate::domain::time::floor_hour(d.now).format("%H:%M");
    let title = if area.width >= 110 {
        format!(" Commitments (Manage Commitments): PTU and usage this hour, {hour} UTC ")
    } else {
        format!(" Commitments: PTU this hour ({hour}) ")
    };
    table_pane(app, f, area, Pane::Commitments, &title)
}

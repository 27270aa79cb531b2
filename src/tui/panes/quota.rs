//! The Quota pane: quota per subscription, region and type (enter expands
//! a row into its deployments), or the capacity check's table when one is
//! open ([`CapacityView`](crate::tui::capacity_view::CapacityView)).

use crate::tui::action::Pane;
use crate::tui::app::App;
use crate::tui::table::table_pane;
use ratatui::Frame;
use ratatui::layout::Rect;

/// Draws the pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    match &app.capacity {
        Some(c) => table_pane(app, f, area, Pane::Quota, &c.title()),
        None => table_pane(
            app,
            f,
            area,
            Pane::Quota,
            " Quota: per subscription, region and type (enter expands) ",
        ),
    }
}

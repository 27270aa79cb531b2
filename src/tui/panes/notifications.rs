//! The Notifications pane: what the alert rules found, most severe first.

use crate::tui::action::Pane;
use crate::tui::app::{App, Loadable};
use crate::tui::table::{failed, loading, table_pane};
use ratatui::Frame;
use ratatui::layout::Rect;

/// Draws the pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    match &app.notifications {
        Loadable::Ready(_) => table_pane(app, f, area, Pane::Notifications, " Notifications "),
        Loadable::Loading => loading(app, f, area, "Checking the notifications"),
        Loadable::Failed(e) => failed(app, f, area, e),
    }
}

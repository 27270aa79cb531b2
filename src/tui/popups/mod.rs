//! The popups, one file each: help, the command palette, a row's details,
//! a confirmation, the edit forms, a notification's remedies and the
//! recommendations. The filter is typed on the status line
//! ([`ui`](super::ui)); the Planner's chooser is drawn by
//! [`panes::planner`](super::panes::planner).

pub mod confirm;
pub mod detail;
pub mod filter;
pub mod form;
pub mod help;
pub mod palette;
pub mod recommend;
pub mod remedies;

use crate::tui::state::{App, Overlay};
use ratatui::Frame;
use ratatui::layout::Rect;

pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Draws one popup over the body (the palette sits on the status line).
pub fn draw(app: &App, f: &mut Frame, o: &Overlay, body: Rect, status: Rect) {
    match o {
        Overlay::Help { scroll } => help::draw(app, f, body, *scroll),
        Overlay::Detail {
            title,
            lines,
            scroll,
            ..
        } => detail::draw(app, f, body, title, lines, *scroll),
        Overlay::Form(form) => form::draw::draw(app, f, form, body),
        Overlay::Confirm { message, .. } => confirm::draw(app, f, body, message),
        Overlay::Palette(input) => palette::draw(app, f, body, status, input),
        Overlay::Choose {
            title,
            items,
            selected,
        } => super::panes::planner::draw_chooser(app, f, body, title, items, *selected),
        Overlay::Remedies {
            notification,
            selected,
        } => remedies::draw(app, f, body, notification, *selected),
        Overlay::Recommend(state) => recommend::draw(app, f, body, state),
        Overlay::Filter(_) => {}
    }
}

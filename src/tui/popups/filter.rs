//! The filter (`/`): typed on the status line, it narrows the pane's table
//! as it changes.

use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::popups::form::edit_input;
use crate::tui::state::{App, Overlay, move_selection};

/// The key bar while a filter is typed.
pub const KEYS: &[(&str, &str)] = &[("type", "to filter"), ("enter", "keep"), ("esc", "clear")];

/// Keys while the filter is typed: the text filters the pane's table as it
/// changes; enter keeps it, esc clears it.
pub(crate) fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    let pane = app.pane;
    match action {
        Action::Back => {
            app.overlays.pop();
            app.views.get_mut(&pane).expect("view").filter.clear();
            app.refresh(pane);
        }
        Action::Select => {
            app.overlays.pop();
        }
        Action::Up | Action::Down => move_selection(app, &action),
        Action::Text(_) | Action::Paste(_) => {
            if let Some(Overlay::Filter(input)) = app.overlays.last_mut()
                && match action {
                    Action::Text(k) => edit_input(input, k),
                    Action::Paste(s) => crate::tui::popups::form::paste_input(input, &s),
                    _ => false,
                }
            {
                let text = input.value().to_string();
                let v = app.views.get_mut(&pane).expect("view");
                v.filter = text;
                v.selected = 0;
                v.offset = 0;
                app.refresh(pane);
            }
        }
        _ => {}
    }
    vec![]
}

//! Every pane's own commands, gathered from the panes' `commands()` in the
//! keymap's order: the keymap reads where each works, the key bar
//! (`ui::key_hints`) what it shows for the pane in view and the help
//! (`popups::help`) each pane's section. The commands every list has
//! (moving, filtering, sorting) are [`Action::panes`]'s.

use super::action::{Action, Command, Pane};
use super::panes::commitments;
use super::panes::deployments;
use super::panes::forecast;
use super::panes::notifications;
use super::panes::overview;
use super::panes::planner;
use super::panes::quota;
use super::panes::reservations;

/// The panes' commands, in the keymap's (help) order.
pub fn all() -> Vec<Command> {
    let mut all: Vec<Command> = [
        overview::commands(),
        quota::commands(),
        deployments::commands(),
        commitments::commands(),
        reservations::commands(),
        notifications::commands(),
        forecast::commands(),
        planner::commands(),
    ]
    .concat();
    let order = Action::bindable();
    let rank = |a: &Action| order.iter().position(|b| b.name() == a.name());
    all.sort_by_key(|c| rank(&c.action));
    all
}

/// The commands shown in `pane`, in the keymap's order.
pub fn of(pane: Pane) -> Vec<Command> {
    all().into_iter().filter(|c| c.on.contains(&pane)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_command_is_declared_once_and_shows_somewhere() {
        let all = all();
        for (i, c) in all.iter().enumerate() {
            assert!(!c.on.is_empty(), "{:?} shows in no pane", c.action);
            assert!(
                c.action.panes().is_none(),
                "{:?} is a list's command (Action::panes), not a pane's",
                c.action
            );
            assert!(
                all[i + 1..]
                    .iter()
                    .all(|d| d.action.name() != c.action.name()),
                "{:?} is declared twice",
                c.action
            );
        }
        // The keymap's order: Plan (p) before PlanDiscontinue (D).
        let deployments: Vec<String> = of(Pane::Deployments)
            .iter()
            .filter_map(|c| c.action.name())
            .collect();
        assert_eq!(
            deployments,
            ["resize", "delete", "plan", "plan_discontinue"]
        );
    }
}

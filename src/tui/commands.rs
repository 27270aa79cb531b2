//! Every pane's commands, gathered from the panes' `commands()`: its own
//! actions, in the keymap's order, and what it names the list's keys
//! (Enter's "go to", the Planner's "choose"), in its file's order. The
//! keymap reads where each own action works, the key bar
//! (`ui::key_hints`) both for the pane in view and the help
//! (`popups::help`) both in each pane's section. Where the commands every
//! list has (moving, filtering, sorting) work is [`Action::panes`]'s.

use super::action::{Action, Command, Pane};
use super::panes::commitments;
use super::panes::deployments;
use super::panes::forecast;
use super::panes::notifications;
use super::panes::overview;
use super::panes::planner;
use super::panes::quota;
use super::panes::reservations;
use super::state::App;

/// Every pane's declarations, in the panes' order.
fn declared() -> Vec<Command<App>> {
    [
        overview::commands(),
        quota::commands(),
        deployments::commands(),
        commitments::commands(),
        reservations::commands(),
        notifications::commands(),
        forecast::commands(),
        planner::commands(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The panes' own commands, in the keymap's (help) order.
pub fn all() -> Vec<Command<App>> {
    let mut all: Vec<Command<App>> = declared()
        .into_iter()
        .filter(|c| c.action.panes().is_none())
        .collect();
    let order = Action::bindable();
    let rank = |a: &Action| order.iter().position(|b| b.name() == a.name());
    all.sort_by_key(|c| rank(&c.action));
    all
}

/// The own commands shown in `pane`, in the keymap's order.
pub fn of(pane: Pane) -> Vec<Command<App>> {
    all().into_iter().filter(|c| c.on.contains(&pane)).collect()
}

/// What `pane` names the list's keys, in its file's order: the key bar
/// shows these before the pane's own commands.
pub fn lists(pane: Pane) -> Vec<Command<App>> {
    declared()
        .into_iter()
        .filter(|c| c.action.panes().is_some() && c.on.contains(&pane))
        .collect()
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

    #[test]
    fn every_pane_names_its_enter_key_once() {
        for pane in Pane::ALL {
            let lists = lists(pane);
            let enter = lists
                .iter()
                .filter(|c| matches!(c.action, Action::Select))
                .count();
            assert_eq!(enter, 1, "{pane:?} names Enter {enter} times");
            for c in &lists {
                assert!(c.label.is_some(), "{:?} on {pane:?} has no label", c.action);
                assert_eq!(c.on, [pane], "{:?} names a key in one pane", c.action);
            }
        }
    }
}

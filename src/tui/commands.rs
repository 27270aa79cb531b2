//! Every pane's commands, gathered from the panes' `commands()`: its own
//! actions, in the keymap's order, and what it names the list's keys
//! (Enter's "go to", the Planner's "choose"), in its file's order. The
//! keymap reads where each own action works, the key bar
//! (`ui::key_hints`) both for the pane in view and the help
//! (`popups::help`) both in each pane's section. Where the commands every
//! list has (moving, filtering, sorting) work is [`Action::panes`]'s; what
//! the key bar says of the app-wide ones, after a pane's own, is
//! [`global`]'s.

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
use super::table::{column_keys, layout_for};

/// The panes, for the app-wide commands.
static EVERY_PANE: [Pane; 8] = Pane::ALL;

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

/// The commands every pane's key bar ends with, after the pane's own, in
/// the bar's order: filtering and sorting where the pane is a table, the
/// column keys while columns are out of view, then moving between panes,
/// undo, the palette, the help and quitting. Each shows where its action
/// works (`ui::hint_works`), not read-only if it writes, as its label says.
pub fn global() -> Vec<Command<App>> {
    const ALL: &[Pane] = &EVERY_PANE;
    vec![
        Command::new(Action::Filter, ALL, 2).says(|app| app.pane.has_table().then_some("filter")),
        // Before undo when the bar is short of room.
        Command::new(Action::Sort, ALL, 4)
            .key_text(sort_keys)
            .says(|app| app.pane.has_table().then_some("sort")),
        Command::new(Action::ColumnsRight, ALL, 2)
            .key_text(|app| Some(column_keys(app)))
            .says(|app| columns_hidden(app).then_some("columns")),
        Command::new(Action::NextPane, ALL, 4).says(|_| Some("pane")),
        Command::new(Action::Undo, ALL, 3).says(|_| Some("undo")),
        Command::new(Action::Palette, ALL, 4).says(|_| Some("command")),
        Command::new(Action::Help, ALL, 0).says(|_| Some("help")),
        Command::new(Action::Quit, ALL, 0).says(|_| Some("quit")),
    ]
}

/// The column cursor's keys and the sort's: "h/l o" (the sort's alone
/// when a cursor key is unbound).
fn sort_keys(app: &App) -> Option<String> {
    let first = |name: &str| app.keymap.first_key(name);
    match (
        first("column_cursor_left"),
        first("column_cursor_right"),
        first("sort"),
    ) {
        (Some(l), Some(r), Some(o)) => Some(format!("{l}/{r} {o}")),
        (_, _, o) => o,
    }
}

/// Whether the pane's table has columns out of view at this width.
fn columns_hidden(app: &App) -> bool {
    match app.table(app.pane) {
        // (The Planner draws its options as cards when there is room.)
        Some(t) if app.pane != Pane::Planner => {
            let v = app.view(app.pane);
            !v.rows.is_empty()
                && layout_for(app, t, app.size.0.saturating_sub(2), v.col_offset).hidden > 0
        }
        _ => false,
    }
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
    fn the_app_wide_commands_are_declared_once_with_labels() {
        let global = global();
        for (i, c) in global.iter().enumerate() {
            assert!(c.label.is_some(), "{:?} has no label", c.action);
            assert!(c.bar.is_some(), "{:?} is not in the bar", c.action);
            assert_eq!(c.on, Pane::ALL, "{:?} shows on every pane", c.action);
            let name = c.action.name();
            assert!(
                global[i + 1..].iter().all(|d| d.action.name() != name),
                "{:?} is declared twice",
                c.action
            );
            for pane in Pane::ALL {
                assert!(
                    lists(pane)
                        .iter()
                        .chain(&of(pane))
                        .all(|d| d.action.name() != name),
                    "{:?} is declared by {pane:?} too",
                    c.action
                );
            }
        }
        // Help and quit stay when the bar is short of room.
        let kept: Vec<Option<String>> = global
            .iter()
            .filter(|c| c.bar == Some(0))
            .map(|c| c.action.name())
            .collect();
        assert_eq!(kept, [Some("help".into()), Some("quit".into())]);
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

//! The vocabulary of the terminal app: one [`Action`] enum that keys, the
//! help screen, the command palette, the config file and the tests share.
//! Actions a user can bind are unit variants with a serde name (the name
//! used in `[keys]` of the config file and in the `:` palette); the rest
//! are results of background work coming back to the app, never bound.

use super::data::{ChartData, Data};
use super::effect::AckChange;
use super::panes::planner::state::AppliedPlan;
use crate::domain::notice::{Ack, Notification};
use crate::planner::PlanSet;
use crate::planner::preview::PreviewOutcome;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The eight panes, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pane {
    Overview,
    Quota,
    Deployments,
    Commitments,
    Reservations,
    Notifications,
    Forecast,
    Planner,
}

impl Pane {
    pub const ALL: [Pane; 8] = [
        Pane::Overview,
        Pane::Quota,
        Pane::Deployments,
        Pane::Commitments,
        Pane::Reservations,
        Pane::Notifications,
        Pane::Forecast,
        Pane::Planner,
    ];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).expect("listed")
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Overview => "Overview",
            Pane::Quota => "Quota",
            Pane::Deployments => "Deployments",
            Pane::Commitments => "Commitments",
            Pane::Reservations => "Reservations",
            Pane::Notifications => "Notifications",
            Pane::Forecast => "Forecast",
            Pane::Planner => "Planner",
        }
    }

    /// A shorter title for narrow windows.
    pub fn short(self) -> &'static str {
        match self {
            Pane::Overview => "Overview",
            Pane::Quota => "Quota",
            Pane::Deployments => "Deploy",
            Pane::Commitments => "Commit",
            Pane::Reservations => "Reserve",
            Pane::Notifications => "Notify",
            Pane::Forecast => "Forecast",
            Pane::Planner => "Plan",
        }
    }

    /// Panes whose main content is a table (selectable, sortable, filterable).
    pub fn has_table(self) -> bool {
        !matches!(self, Pane::Overview | Pane::Planner)
    }
}

/// Everything that can happen in the app. The bindable actions are
/// documented one by one: their first doc line is what the help and the
/// bottom bar say.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Quit
    Quit,
    /// Help: every key that works, from the live keymap
    Help,
    /// Command palette (:import FILE, :forecast A..B, :plan ..., :sync, :now T, :q)
    Palette,
    /// Filter the table (type to narrow, Enter keeps, Esc clears)
    Filter,
    /// Back: close the popup, clear the filter, return from a jump
    Back,
    /// Up
    Up,
    /// Down
    Down,
    /// Page up
    PageUp,
    /// Page down
    PageDown,
    /// First row
    Top,
    /// Last row
    Bottom,
    /// Details / expand / jump to the subject
    Select,
    /// Next pane
    NextPane,
    /// Previous pane
    PrevPane,
    /// Pane 1: overview
    PaneOverview,
    /// Pane 2: quota
    PaneQuota,
    /// Pane 3: deployments
    PaneDeployments,
    /// Pane 4: commitments
    PaneCommitments,
    /// Pane 5: reservations
    PaneReservations,
    /// Pane 6: notifications
    PaneNotifications,
    /// Pane 7: forecast
    PaneForecast,
    /// Pane 8: planner
    PanePlanner,
    /// Sort by the column under the column cursor (again on the same
    /// column: back to the table's own order)
    Sort,
    /// Reverse the sort order (unsorted: by the cursor's column, descending)
    SortReverse,
    /// Move the column cursor (the column `sort` sorts by) one column left
    /// (past the first in view: the columns scroll, or it goes round to the
    /// last column)
    ColumnCursorLeft,
    /// Move the column cursor one column right (past the last in view: the
    /// columns scroll, as `columns_right` does, or it goes round to the
    /// first)
    ColumnCursorRight,
    /// Scroll the table's columns left (when not all fit)
    ColumnsLeft,
    /// Scroll the table's columns right (when not all fit)
    ColumnsRight,
    /// Undo the last saved change
    Undo,
    /// Reload the store
    Reload,
    /// Add PTU to the commitment (50-PTU steps)
    AddPtu,
    /// Change the renewal setting
    SetRenewal,
    /// New reservation
    NewReservation,
    /// Change the reservation's scope
    ChangeScope,
    /// Refund the reservation
    Refund,
    /// Resize the deployment
    Resize,
    /// Delete the deployment
    Delete,
    /// Acknowledge the notification (a note and an end date, optional); on
    /// an acknowledged one, take the acknowledgement back
    Acknowledge,
    /// Show or hide the acknowledged (silenced) notifications, dimmed
    ToggleAcknowledged,
    /// The notification in full: message, what to do, id, acknowledgement
    Info,
    /// Switch the chart between actual and amortized
    ToggleBasis,
    /// Move the forecast range one month back
    RangePrev,
    /// Move the forecast range one month on
    RangeNext,
    /// The forecast back to this month (after a plan's horizon or a
    /// range of your own)
    RangeThisMonth,
    /// Plan the selected row: a commitment's migration onto a reservation,
    /// or a deployment's move, conversion or its resource's discontinuing
    /// (a chooser); the options show in the Planner pane
    Plan,
    /// Plan discontinuing the selected row's resource (stop using provisioned
    /// throughput on it)
    PlanDiscontinue,
    /// Apply the chosen plan option: its steps go into the store as
    /// future-dated plans, in one undoable change (asks first)
    ApplyPlan,
    /// Scroll the Overview's region table down (when not every row fits)
    RegionsDown,
    /// Scroll the Overview's region table up
    RegionsUp,
    /// Capacity: where N PTU of the selected row's model can go (service
    /// capacity, quota and price per region and type); again to go back
    Capacity,
    /// Yes (in a confirmation)
    Confirm,

    // ---- not bindable: typing, palette commands, results of background work
    /// A key typed into a text field (filter, palette, form).
    #[serde(skip)]
    Text(TextKey),
    /// Text pasted into a text field, in one piece (bracketed paste).
    #[serde(skip)]
    Paste(String),
    /// A palette command line, as typed after `:`.
    Command(String),
    /// The terminal was resized.
    #[serde(skip)]
    Resized(u16, u16),
    /// A load finished: the estate and everything the panes show.
    #[serde(skip)]
    Loaded(u64, Result<Arc<Data>, String>),
    /// The notifications were evaluated.
    #[serde(skip)]
    Notified(u64, Result<Arc<Vec<Notification>>, String>),
    /// The forecast chart's range was rated.
    #[serde(skip)]
    Charted(u64, Result<Arc<ChartData>, String>),
    /// An edit's what-if preview was rated.
    #[serde(skip)]
    Previewed(u64, Box<PreviewOutcome>),
    /// A write (save, undo, import, acknowledge) finished: a message for the
    /// status bar, and whether the store changed.
    #[serde(skip)]
    Wrote(Result<String, String>, bool),
    /// Audit-log lines about the object shown in the detail popup.
    #[serde(skip)]
    History(String, Vec<String>),
    /// Another process changed the store.
    #[serde(skip)]
    StoreChanged,
    /// The change `u` would undo was not made in the app: ask first.
    #[serde(skip)]
    AskUndo(String),
    /// The app now works on another store (the demo): its label.
    #[serde(skip)]
    Opened(String),
    /// A message for the status bar.
    #[serde(skip)]
    Status(String),
    /// The planner priced every option for the Planner pane's subject.
    #[serde(skip)]
    Planned(u64, Result<Arc<PlanSet>, String>),
    /// A plan option was applied (one store change), or why not.
    #[serde(skip)]
    PlanApplied(Result<AppliedPlan, String>),
    /// A step of the running sync (`:sync`), for the status bar.
    #[serde(skip)]
    SyncProgress(String),
    /// The sync finished: a one-line summary, or the error (nothing written).
    #[serde(skip)]
    Synced(Result<String, String>),
    /// Background work panicked: the app stops (the terminal was restored
    /// by the panic hook already).
    #[serde(skip)]
    Fatal(String),
    /// A second passed (status messages expire).
    #[serde(skip)]
    Tick,
    /// What `u` would undo in the store ("#3 (tui: ...)"), after a load.
    #[serde(skip)]
    Undoable(Option<String>),
    /// The acknowledged notifications of a `Notified` evaluation (same
    /// seq), with their acknowledgements.
    #[serde(skip)]
    Silenced(u64, Vec<(Notification, Ack)>),
    /// A notification's remedies re-priced on the store's current estate
    /// before remedy `index` of `shown` is applied: the notification as it
    /// is now (`None`: no longer raised), or why it could not be evaluated.
    #[serde(skip)]
    Repriced {
        shown: Box<Notification>,
        index: usize,
        fresh: Result<Option<Box<Notification>>, String>,
    },
    /// An acknowledgement was made, taken back or restored: the message,
    /// and what `u` undoes now; or why not.
    #[serde(skip)]
    AckDone(Result<(String, Option<AckChange>), String>),
}

/// A key typed into a text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKey {
    Char(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    /// Ctrl-W: the word before the cursor.
    DeleteWord,
    /// Ctrl-U: the whole line.
    Clear,
}

impl Action {
    /// The action's name in the config file and the palette (bindable ones).
    pub fn name(&self) -> Option<String> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// A bindable action from its name.
    pub fn from_name(name: &str) -> Option<Action> {
        let a: Action = serde_json::from_value(serde_json::Value::String(name.into())).ok()?;
        a.name().is_some().then_some(a)
    }

    /// What the help and the bottom bar say about it.
    pub fn describe(&self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Palette => "command",
            Action::Filter => "filter",
            Action::Back => "back",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::Select => "details",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::PaneOverview => "overview",
            Action::PaneQuota => "quota",
            Action::PaneDeployments => "deployments",
            Action::PaneCommitments => "commitments",
            Action::PaneReservations => "reservations",
            Action::PaneNotifications => "notifications",
            Action::PaneForecast => "forecast",
            Action::PanePlanner => "planner",
            Action::Sort => "sort by the column",
            Action::SortReverse => "reverse sort",
            Action::ColumnCursorLeft => "column cursor left",
            Action::ColumnCursorRight => "column cursor right",
            Action::ColumnsLeft => "columns left",
            Action::ColumnsRight => "columns right",
            Action::Undo => "undo",
            Action::Reload => "reload",
            Action::AddPtu => "add PTU",
            Action::SetRenewal => "renewal",
            Action::NewReservation => "new reservation",
            Action::ChangeScope => "scope",
            Action::Refund => "refund",
            Action::Resize => "resize",
            Action::Delete => "delete",
            Action::Acknowledge => "acknowledge",
            Action::ToggleAcknowledged => "show acknowledged",
            Action::Info => "details",
            Action::ToggleBasis => "actual/amortized",
            Action::RangePrev => "month back",
            Action::RangeNext => "month on",
            Action::RangeThisMonth => "this month",
            Action::Plan => "plan",
            Action::PlanDiscontinue => "plan discontinue",
            Action::ApplyPlan => "apply the option",
            Action::Capacity => "capacity",
            Action::RegionsDown => "regions down",
            Action::RegionsUp => "regions up",
            Action::Confirm => "yes",
            _ => "",
        }
    }

    /// The pane a pane-switching action goes to.
    pub fn pane(&self) -> Option<Pane> {
        Some(match self {
            Action::PaneOverview => Pane::Overview,
            Action::PaneQuota => Pane::Quota,
            Action::PaneDeployments => Pane::Deployments,
            Action::PaneCommitments => Pane::Commitments,
            Action::PaneReservations => Pane::Reservations,
            Action::PaneNotifications => Pane::Notifications,
            Action::PaneForecast => Pane::Forecast,
            Action::PanePlanner => Pane::Planner,
            _ => return None,
        })
    }

    /// Where a command every list has works (moving, filtering, sorting):
    /// in these panes. `None` for the rest: the commands that work
    /// everywhere, and a pane's own commands, which its file declares
    /// ([`Command`]; the keymap holds where they work).
    pub fn panes(&self) -> Option<&'static [Pane]> {
        use Pane::*;
        const FILTERABLE: &[Pane] = &[
            Quota,
            Deployments,
            Commitments,
            Reservations,
            Notifications,
            Forecast,
        ];
        // The tables, and the Planner's options.
        const LISTS: &[Pane] = &[
            Overview,
            Quota,
            Deployments,
            Commitments,
            Reservations,
            Notifications,
            Forecast,
            Planner,
        ];
        Some(match self {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
            | Action::Select
            | Action::ColumnsLeft
            | Action::ColumnsRight => LISTS,
            Action::Filter
            | Action::Sort
            | Action::SortReverse
            | Action::ColumnCursorLeft
            | Action::ColumnCursorRight => FILTERABLE,
            _ => return None,
        })
    }

    /// True for actions that change the store without a priced form
    /// first: read-only (`--readonly`) refuses them. The edit actions open
    /// their form in read-only too: it prices the edit, and only saving is
    /// refused.
    pub fn writes(&self) -> bool {
        matches!(self, Action::Undo | Action::Acknowledge | Action::ApplyPlan)
    }

    /// True for the actions that open an edit form.
    pub fn edits(&self) -> bool {
        matches!(
            self,
            Action::AddPtu
                | Action::SetRenewal
                | Action::NewReservation
                | Action::ChangeScope
                | Action::Refund
                | Action::Resize
                | Action::Delete
        )
    }

    /// Every bindable action, in help order.
    pub fn bindable() -> Vec<Action> {
        use Action::*;
        vec![
            Help,
            Palette,
            Quit,
            Back,
            NextPane,
            PrevPane,
            PaneOverview,
            PaneQuota,
            PaneDeployments,
            PaneCommitments,
            PaneReservations,
            PaneNotifications,
            PaneForecast,
            PanePlanner,
            Up,
            Down,
            PageUp,
            PageDown,
            Top,
            Bottom,
            Select,
            Filter,
            ColumnCursorLeft,
            ColumnCursorRight,
            Sort,
            SortReverse,
            ColumnsLeft,
            ColumnsRight,
            Undo,
            Reload,
            AddPtu,
            SetRenewal,
            NewReservation,
            ChangeScope,
            Refund,
            Resize,
            Delete,
            Acknowledge,
            ToggleAcknowledged,
            Info,
            ToggleBasis,
            RangePrev,
            RangeNext,
            RangeThisMonth,
            Plan,
            PlanDiscontinue,
            ApplyPlan,
            Capacity,
            RegionsDown,
            RegionsUp,
            Confirm,
        ]
    }
}

/// A command a pane offers, declared in that pane's file (`commands()`):
/// its action, the panes it shows in, and its rank in the key bar (None:
/// the help lists it, the bar doesn't; when the bar is short the highest
/// rank leaves first). Its keys come from the keymap (its own action's, or
/// those of [`Command::keys`], joined by "/") and its label from
/// [`Action::describe`] unless [`Command::label`] names it per state `S`
/// (the app's). A list's action (moving, Enter, [`Action::panes`]) may be
/// declared by a pane too: that names what the key does there ("go to",
/// "choose"); the keymap keeps only the pane's own actions. The commands
/// every pane's bar ends with (filter, sort, pane, undo, help, quit) are
/// declared once for all panes (`tui::commands::global`). The keymap
/// (where a key works), the key bar and the help read these lists.
pub struct Command<S> {
    pub action: Action,
    pub on: &'static [Pane],
    pub bar: Option<u8>,
    /// The actions (by name) whose keys it shows, in order; empty: its own.
    pub keys: &'static [&'static str],
    /// What the bar says in a state (`None`: not shown there); unset: the
    /// action's description wherever the action works.
    pub label: Option<fn(&S) -> Option<&'static str>>,
    /// What the help says for a list's action (unset: not in the help); a
    /// pane's own action reads "description (name)".
    pub help: Option<&'static str>,
    /// The keys the bar shows per state, when not [`Command::keys`]' first
    /// keys joined by "/" (the sort's "h/l o"); `None`: no keys, not shown.
    pub key_text: Option<fn(&S) -> Option<String>>,
}

/// The panes, for a one-pane [`Command::on`].
static PANES: [Pane; 8] = Pane::ALL;

impl<S> Command<S> {
    /// A command shown in the bar at `rank`.
    pub fn new(action: Action, on: &'static [Pane], rank: u8) -> Command<S> {
        Command {
            action,
            on,
            bar: Some(rank),
            keys: &[],
            label: None,
            help: None,
            key_text: None,
        }
    }

    /// A command the help lists and the bar leaves out.
    pub fn help_only(action: Action, on: &'static [Pane]) -> Command<S> {
        Command {
            bar: None,
            ..Command::new(action, on, 0)
        }
    }

    /// What a list's key does in pane `on`: shown in the bar at `rank`
    /// as `label` says in each state.
    pub fn list(
        action: Action,
        on: Pane,
        rank: u8,
        label: fn(&S) -> Option<&'static str>,
    ) -> Command<S> {
        Command {
            label: Some(label),
            on: &PANES[on.index()..=on.index()],
            ..Command::new(action, &[], rank)
        }
    }

    /// Shows the keys of these actions (by name), joined by "/".
    pub fn keys(self, keys: &'static [&'static str]) -> Command<S> {
        Command { keys, ..self }
    }

    /// What the bar says in each state (`None`: not shown there).
    pub fn says(self, label: fn(&S) -> Option<&'static str>) -> Command<S> {
        Command {
            label: Some(label),
            ..self
        }
    }

    /// The keys the bar shows in each state, written out.
    pub fn key_text(self, keys: fn(&S) -> Option<String>) -> Command<S> {
        Command {
            key_text: Some(keys),
            ..self
        }
    }

    /// Lists a list's action in the help as `what`.
    pub fn help(self, what: &'static str) -> Command<S> {
        Command {
            help: Some(what),
            ..self
        }
    }

    /// The names of the actions whose keys it shows.
    pub fn key_names(&self) -> Vec<String> {
        match self.keys {
            [] => self.action.name().into_iter().collect(),
            k => k.iter().map(|n| n.to_string()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::bindable() {
            let n = a.name().expect("bindable actions have names");
            let back = Action::from_name(&n).expect("parses back");
            assert_eq!(back.name(), Some(n.clone()));
            assert!(!a.describe().is_empty(), "{n} has a description");
        }
        assert_eq!(Action::AddPtu.name().as_deref(), Some("add_ptu"));
        assert_eq!(Action::Plan.name().as_deref(), Some("plan"));
        assert_eq!(
            Action::PlanDiscontinue.name().as_deref(),
            Some("plan_discontinue")
        );
        assert_eq!(Action::ApplyPlan.name().as_deref(), Some("apply_plan"));
        assert!(Action::from_name("command").is_none());
        assert!(Action::from_name("nope").is_none());
    }
}

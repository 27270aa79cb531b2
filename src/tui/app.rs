//! The app's state and `update`: a synchronous function from an action to
//! the new state and the effects to run (store reads and writes, ratings),
//! which come back later as actions. Nothing here blocks or draws.
//!
//! Behaviour decided here:
//! - Status messages: a pane switch or any action other than moving the
//!   selection clears the last message before it runs; otherwise a message
//!   expires after 5 seconds (10 for warnings and errors), never while a
//!   write or a sync it reports on is running.
//! - Esc goes back after a jump (Enter on a notification, an event, a
//!   forecast window or a quota's deployment): each jump remembers the
//!   pane and selection it left; Esc with no popup open pops it (clearing
//!   the filter the jump set). Switching panes by hand forgets the jumps.
//! - `u` undoes the last thing done: an acknowledgement made or taken back
//!   in the app (acknowledgements are not changes of the estate and stay
//!   out of the audit log, as with `ptudesk ack`), else the store's last
//!   change.
//! - A reload while an edit form is open (another process wrote the store,
//!   a sync) prices the form again against the new estate and says so; if
//!   its subject is gone, the form closes with a message.
//! - `--readonly` opens edit forms and prices them; only saving is refused.
//! - Palette Tab completes the command word while the cursor is in it
//!   (keeping what follows), and file paths in `:import`/`:export`
//!   arguments (`~/` is the home folder); anything else is left alone.

use super::action::{Action, Pane, TextKey};
use super::clock::Clock;
use super::data::{ChartData, Data, Row, SortKey, Table, Tone};
use super::effect::{AckChange, Effect};
use super::keymap::{Key, Keymap};
use super::panes::notifications::ack_words;
use super::panes::planner::plan::{Choice, PlannerState};
pub use super::panes::planner::selected_option;
use super::panes::planner::{apply_selected, plan_applied, planned, replan};
use super::panes::quota::capacity_view::CapacityView;
use super::panes::quota::close_capacity;
use super::popups::form::Form;
use super::popups::form::keys::{form_action, open_form, refit_form};
pub use super::popups::form::keys::{form_preview, form_target};
pub use super::popups::palette::run::{command, parse_export, parse_range};
pub use super::popups::palette::{COMMANDS, Completed, complete, expand_home, palette_matches};
use super::popups::remedies::keys::{remedies_action, repriced};
use super::theme::Theme;
use crate::domain::notice::{Ack, Notification};
use crate::domain::plan::Edit;
use crate::domain::terms::base_id;
use crate::domain::time::{Time, add_months, floor_hour, month_start};
use crate::planner::Subject;
use crate::rating::Basis;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tui_input::Input;

/// A table's view: filter, sort, selection, expanded rows, and the rows
/// shown (indices into the table, a child index for expanded rows).
#[derive(Debug, Clone, Default)]
pub struct TableView {
    pub filter: String,
    /// Column and descending.
    pub sort: Option<(usize, bool)>,
    pub selected: usize,
    pub offset: usize,
    pub expanded: BTreeSet<String>,
    pub rows: Vec<(usize, Option<usize>)>,
    /// Columns scrolled past when not all fit (`<` / `>`).
    pub col_offset: usize,
    /// The column cursor (`h` / `l`): the column `o` sorts by, a column
    /// index of the table. Only a column in view takes it (see
    /// [`super::table::cursor_column`]).
    pub sort_cursor: usize,
}

impl TableView {
    /// Recomputes the rows shown from the table, keeping the selection on
    /// the same row when it is still there.
    pub fn refresh(&mut self, table: &Table) {
        let keep = self
            .rows
            .get(self.selected)
            .map(|&(i, c)| row_key(table, i, c));
        let needle = self.filter.to_lowercase();
        let matches = |r: &Row| {
            needle.is_empty()
                || r.cells.iter().any(|c| c.to_lowercase().contains(&needle))
                || r.children
                    .iter()
                    .any(|ch| ch.cells.iter().any(|c| c.to_lowercase().contains(&needle)))
        };
        let mut idx: Vec<usize> = (0..table.rows.len())
            .filter(|&i| matches(&table.rows[i]))
            .collect();
        if let Some((col, desc)) = self.sort {
            let empty = SortKey::Empty;
            idx.sort_by(|&a, &b| {
                let ka = table.rows[a].sort.get(col).unwrap_or(&empty);
                let kb = table.rows[b].sort.get(col).unwrap_or(&empty);
                let o = ka.cmp(kb);
                if desc { o.reverse() } else { o }
            });
        }
        self.rows.clear();
        for i in idx {
            self.rows.push((i, None));
            let r = &table.rows[i];
            if self.expanded.contains(&r.key) {
                self.rows
                    .extend((0..r.children.len()).map(|c| (i, Some(c))));
            }
        }
        if let Some(Some(k)) = keep
            && let Some(p) = self
                .rows
                .iter()
                .position(|&(i, c)| row_key(table, i, c).as_deref() == Some(&k))
        {
            self.selected = p;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub fn selected_row<'a>(&self, table: &'a Table) -> Option<&'a Row> {
        let &(i, c) = self.rows.get(self.selected)?;
        let r = table.rows.get(i)?;
        match c {
            None => Some(r),
            Some(c) => r.children.get(c),
        }
    }

    pub(crate) fn select(&mut self, to: usize, page: usize) {
        self.selected = to.min(self.rows.len().saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page.max(1) {
            self.offset = self.selected + 1 - page.max(1);
        }
    }
}

fn row_key(t: &Table, i: usize, c: Option<usize>) -> Option<String> {
    let r = t.rows.get(i)?;
    Some(match c {
        None => r.key.clone(),
        Some(c) => format!("{}\u{0}{}", r.key, r.children.get(c)?.key),
    })
}

/// What to do once a confirmation says yes.
#[derive(Debug, Clone)]
pub enum Confirmed {
    Save(Box<Edit>),
    Undo,
    /// Write a plan option into the store.
    ApplyPlan {
        subject: Subject,
        option: String,
    },
    /// Write a notification's remedy (its changes) into the store.
    ApplyRemedy {
        summary: String,
        changes: Vec<crate::domain::plan::Edit>,
    },
}

/// Popups over the panes; the last one has the keys.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Filter(Input),
    Palette(Input),
    Detail {
        title: String,
        key: String,
        lines: Vec<(String, Tone)>,
        scroll: u16,
    },
    Form(Box<Form>),
    Confirm {
        message: String,
        then: Confirmed,
    },
    /// A notification's remedies side by side, priced (`enter` on a
    /// notification); `selected` is the chosen one.
    Remedies {
        notification: Box<Notification>,
        selected: usize,
    },
    /// What to reserve, beside the expiry ladder (`:recommend`).
    Recommend(Box<super::popups::recommend::RecommendState>),
    /// Pick one line (what to plan for a deployment, the resource to move to).
    Choose {
        title: String,
        items: Vec<Choice>,
        selected: usize,
    },
}

/// Where a jump came from, for Esc.
#[derive(Debug, Clone)]
pub struct BackEntry {
    pub from: Pane,
    pub selected: usize,
    pub offset: usize,
    /// The pane jumped to, its filter before the jump, and the filter the
    /// jump set.
    pub to: Pane,
    pub to_filter: String,
    pub jump_filter: String,
}

/// Something that is loading, loaded or failed.
#[derive(Debug, Clone, Default)]
pub enum Loadable<T> {
    #[default]
    Loading,
    Ready(T),
    Failed(String),
}

/// The forecast pane's range and chart.
#[derive(Debug, Clone)]
pub struct ChartState {
    pub from: Time,
    pub to: Time,
    pub basis: Basis,
    pub data: Loadable<Arc<ChartData>>,
}

/// The whole app.
#[derive(Debug, Clone)]
pub struct App {
    pub pane: Pane,
    pub overlays: Vec<Overlay>,
    pub views: BTreeMap<Pane, TableView>,
    pub data: Loadable<Arc<Data>>,
    pub notifications: Loadable<Arc<Vec<Notification>>>,
    pub chart: ChartState,
    /// The current instant, following [`App::clock`] (to the second).
    pub now: Time,
    /// `--now` or `:now` fixed the clock.
    pub now_pinned: bool,
    /// Where `now` comes from: it moves on every action unless pinned.
    pub clock: Clock,
    /// The hour the panes were last rated at: a load when `now` leaves it.
    pub rated_hour: Time,
    pub readonly: bool,
    /// What the header calls the store.
    pub store_label: String,
    pub status: Option<(Tone, String)>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub size: (u16, u16),
    pub quit: bool,
    /// A background write is running.
    pub writing: bool,
    /// Why the app stopped, when it was not the user.
    pub fatal: Option<String>,
    /// The notifications as a table (built when they arrive).
    pub notification_table: Option<Table>,
    /// The overview's upcoming events as a table.
    pub events_table: Option<Table>,
    /// The Planner pane.
    pub planner: PlannerState,
    /// The store is a throw-away copy (the demo, a scenario): no sync.
    pub throwaway: bool,
    /// A `:sync` is running.
    pub syncing: bool,
    /// Ticks since the status message was set (it expires).
    pub status_age: u16,
    /// The jumps Esc goes back through.
    pub back: Vec<BackEntry>,
    /// What `u` would undo in the store ("#3 (tui: ...)"), None: nothing.
    pub undoable: Option<String>,
    /// The last acknowledgement made or taken back here: `u` undoes it
    /// first.
    pub last_ack: Option<AckChange>,
    /// The acknowledged (silenced) notifications, with their
    /// acknowledgements.
    pub silenced: Vec<(Notification, Ack)>,
    /// The Notifications pane lists the acknowledged ones too, dimmed.
    pub show_acknowledged: bool,
    /// The palette's completion note (the file names that match).
    pub palette_note: Option<String>,
    /// The Quota pane's capacity mode (`c`, `:capacity`): where N PTU of
    /// a model can go. None: the pane shows quota.
    pub capacity: Option<super::panes::quota::capacity_view::CapacityView>,
    /// The first row of the Overview's region table in view (`J` / `K`).
    pub regions_offset: usize,
    /// The next load follows a write by another process.
    external_reload: bool,
    /// The filter a jump replaced on the pane it went to.
    pending_filter: String,
    seq: u64,
    pub(crate) plan_seq: u64,
    load_seq: u64,
    notify_seq: u64,
    pub(crate) chart_seq: u64,
}

/// The smallest window the app draws in.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Seconds (ticks) a status message stays: information, and warnings or
/// errors.
pub const STATUS_TICKS: u16 = 5;
pub const STATUS_TICKS_WARNING: u16 = 10;

impl App {
    pub fn new(
        now: Time,
        now_pinned: bool,
        readonly: bool,
        store_label: String,
        keymap: Keymap,
        theme: Theme,
    ) -> App {
        let now = super::clock::to_second(now);
        let from = month_start(now);
        App {
            pane: Pane::Overview,
            overlays: vec![],
            views: Pane::ALL
                .iter()
                .map(|p| (*p, TableView::default()))
                .collect(),
            data: Loadable::Loading,
            notifications: Loadable::Loading,
            chart: ChartState {
                from,
                to: add_months(from, 1),
                basis: Basis::Actual,
                data: Loadable::Loading,
            },
            now,
            now_pinned,
            clock: if now_pinned {
                Clock::pinned(now)
            } else {
                Clock::running_from(now)
            },
            rated_hour: floor_hour(now),
            readonly,
            store_label,
            status: None,
            keymap,
            theme,
            size: (120, 40),
            quit: false,
            writing: false,
            fatal: None,
            notification_table: None,
            events_table: None,
            planner: PlannerState::default(),
            throwaway: false,
            syncing: false,
            status_age: 0,
            back: vec![],
            undoable: None,
            last_ack: None,
            silenced: vec![],
            show_acknowledged: false,
            palette_note: None,
            capacity: None,
            regions_offset: 0,
            external_reload: false,
            pending_filter: String::new(),
            seq: 0,
            plan_seq: 0,
            load_seq: 0,
            notify_seq: 0,
            chart_seq: 0,
        }
    }

    /// The effects that start the app: load the store.
    pub fn start(&mut self) -> Vec<Effect> {
        self.load()
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub(crate) fn load(&mut self) -> Vec<Effect> {
        let seq = self.next_seq();
        self.load_seq = seq;
        self.rated_hour = floor_hour(self.now);
        vec![Effect::Load { seq, now: self.now }]
    }

    /// Moves `now` to the clock's reading (never backwards), unless pinned.
    pub fn follow_clock(&mut self) {
        if !self.now_pinned {
            self.now = self.now.max(self.clock.now());
        }
    }

    /// Pins the clock at `t` (`:now T`), or lets it run from the
    /// computer's clock (`None`, `:now clock`).
    pub fn set_clock(&mut self, at: Option<Time>) {
        match at {
            Some(t) => {
                self.clock = Clock::pinned(t);
                self.now = self.clock.now();
                self.now_pinned = true;
            }
            None => {
                self.clock = Clock::system();
                self.now = self.clock.now();
                self.now_pinned = false;
            }
        }
    }

    pub fn data(&self) -> Option<&Arc<Data>> {
        match &self.data {
            Loadable::Ready(d) => Some(d),
            _ => None,
        }
    }

    /// The table a pane shows (None for panes without one, or before a load).
    pub fn table(&self, pane: Pane) -> Option<&Table> {
        let d = self.data()?;
        match pane {
            Pane::Quota => Some(self.capacity.as_ref().map_or(&d.quota, |c| &c.table)),
            Pane::Deployments => Some(&d.deployments),
            Pane::Commitments => Some(&d.commitments),
            Pane::Reservations => Some(&d.reservations),
            Pane::Notifications => match &self.notifications {
                Loadable::Ready(_) => self.notification_table.as_ref(),
                _ => None,
            },
            Pane::Forecast => match &self.chart.data {
                Loadable::Ready(c) => Some(&c.windows),
                _ => None,
            },
            Pane::Overview => self.events_table.as_ref(),
            Pane::Planner => match &self.planner.plans {
                Loadable::Ready(_) => self.planner.table.as_ref(),
                _ => None,
            },
        }
    }

    pub fn view(&self, pane: Pane) -> &TableView {
        &self.views[&pane]
    }

    pub(crate) fn refresh(&mut self, pane: Pane) {
        let table = self.table(pane).cloned();
        let v = self.views.get_mut(&pane).expect("every pane has a view");
        match table {
            Some(t) => v.refresh(&t),
            None => v.rows.clear(),
        }
    }

    fn refresh_all(&mut self) {
        for p in Pane::ALL {
            self.refresh(p);
        }
    }

    /// Rows a page holds in the current window (the table's body height).
    pub fn page(&self) -> usize {
        // A long status message takes more than its one line.
        let status = super::ui::status_lines(self, self.size.0).len().max(1);
        let chrome = status - 1
            + match self.pane {
                Pane::Forecast => 5 + (self.size.1 as usize).saturating_sub(4) / 2,
                Pane::Overview => (self.size.1 as usize).saturating_sub(4) / 2 + 6,
                Pane::Reservations => {
                    7 + super::panes::reservations::reservations_foot(self, self.size.0).len()
                }
                // Under the table, the selected row's long cell; the pane is the
                // window less the tab row, status, message and key bar.
                _ => {
                    let (w, h) = self.size;
                    let pane = h.saturating_sub(3 + status as u16);
                    7 + super::table::table_foot(self, self.pane, w, pane).len()
                }
            };
        (self.size.1 as usize).saturating_sub(chrome).max(1)
    }

    pub(crate) fn set_status(&mut self, tone: Tone, msg: impl Into<String>) {
        self.status = Some((tone, msg.into()));
        self.status_age = 0;
    }

    /// Ages the status message by a tick; true when it expired.
    fn age_status(&mut self) -> bool {
        let Some((tone, _)) = &self.status else {
            return false;
        };
        if self.writing || self.syncing {
            return false;
        }
        self.status_age = self.status_age.saturating_add(1);
        let limit = match tone {
            Tone::Warning | Tone::Critical => STATUS_TICKS_WARNING,
            _ => STATUS_TICKS,
        };
        if self.status_age >= limit {
            self.status = None;
            return true;
        }
        false
    }

    pub(crate) fn selected_key(&self) -> Option<String> {
        let t = self.table(self.pane)?;
        self.view(self.pane).selected_row(t).map(|r| r.key.clone())
    }

    /// Switches panes by hand (or by a command): the jumps are forgotten.
    pub(crate) fn go(&mut self, pane: Pane) {
        self.pane = pane;
        self.back.clear();
    }

    /// True while the window is below [`MIN_SIZE`]: the app is hidden
    /// behind the "please enlarge it" screen.
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_SIZE.0 || self.size.1 < MIN_SIZE.1
    }

    fn text_overlay(&self) -> bool {
        matches!(
            self.overlays.last(),
            Some(Overlay::Filter(_) | Overlay::Palette(_) | Overlay::Form(_))
        )
    }
}

// The notifications and overview tables are derived in the app (they mix
// loads); kept alongside the state so views can index them.
impl App {
    pub(crate) fn rebuild_notifications(&mut self) {
        self.notification_table = match &self.notifications {
            Loadable::Ready(list) if self.show_acknowledged => {
                let mut all: Vec<Notification> = list.to_vec();
                all.extend(self.silenced.iter().map(|(n, _)| n.clone()));
                let mut t = super::panes::notifications::notification_table(&all);
                // The acknowledged ones dimmed, saying so.
                for r in &mut t.rows {
                    if let Some((_, a)) = self.silenced.iter().find(|(n, _)| n.id == r.key) {
                        r.tone = Tone::Dim;
                        if let Some(m) = r.cells.last_mut() {
                            *m = format!("[{}] {m}", ack_words(a));
                        }
                    }
                }
                Some(t)
            }
            Loadable::Ready(list) => Some(super::panes::notifications::notification_table(list)),
            _ => None,
        };
        self.refresh(Pane::Notifications);
    }

    /// A notification by id: an active one, or an acknowledged one with
    /// its acknowledgement.
    pub fn notification(&self, id: &str) -> Option<(&Notification, Option<&Ack>)> {
        if let Loadable::Ready(list) = &self.notifications
            && let Some(n) = list.iter().find(|n| n.id == id)
        {
            return Some((n, None));
        }
        self.silenced
            .iter()
            .find(|(n, _)| n.id == id)
            .map(|(n, a)| (n, Some(a)))
    }

    fn rebuild_events(&mut self) {
        self.events_table = self
            .data()
            .map(|d| super::panes::overview::events_table(&d.overview.events));
        self.refresh(Pane::Overview);
    }
}

/// Translates a terminal key into an action, given what has the keys.
pub fn key_action(app: &App, ev: &KeyEvent) -> Option<Action> {
    let key = Key::from_event(ev);
    let text = |ev: &KeyEvent| -> Option<TextKey> {
        if key.ctrl {
            return match ev.code {
                KeyCode::Char('w') => Some(TextKey::DeleteWord),
                KeyCode::Char('u') => Some(TextKey::Clear),
                _ => None,
            };
        }
        Some(match ev.code {
            KeyCode::Char(c) => TextKey::Char(c),
            KeyCode::Backspace => TextKey::Backspace,
            KeyCode::Delete => TextKey::Delete,
            KeyCode::Left => TextKey::Left,
            KeyCode::Right => TextKey::Right,
            KeyCode::Home => TextKey::Home,
            KeyCode::End => TextKey::End,
            _ => return None,
        })
    };
    if key.ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if app.too_small() {
        // The "needs at least 80x24" screen hides the app: no key may act
        // on what the user cannot see, only the quit key leaves.
        return app
            .keymap
            .lookup(key, app.pane)
            .filter(|a| matches!(a, Action::Quit));
    }
    if app.text_overlay() {
        return match ev.code {
            KeyCode::Enter => Some(Action::Select),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Up => Some(Action::Up),
            KeyCode::Down => Some(Action::Down),
            KeyCode::Tab => Some(Action::NextPane),
            KeyCode::BackTab => Some(Action::PrevPane),
            _ => text(ev).map(Action::Text),
        };
    }
    if let Some(Overlay::Choose { .. }) = app.overlays.last() {
        return match ev.code {
            KeyCode::Enter => Some(Action::Select),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Up => Some(Action::Up),
            KeyCode::Down => Some(Action::Down),
            _ => app.keymap.lookup(key, app.pane).filter(|a| {
                matches!(
                    a,
                    Action::Up
                        | Action::Down
                        | Action::Top
                        | Action::Bottom
                        | Action::Select
                        | Action::Back
                        | Action::Quit
                )
            }),
        };
    }
    if let Some(Overlay::Confirm { .. }) = app.overlays.last() {
        return app.keymap.confirm_lookup(key);
    }
    if let Some(Overlay::Recommend(_)) = app.overlays.last() {
        // The Planner's keys: `a` (apply_plan) applies the chosen row.
        return app.keymap.lookup(key, Pane::Planner).filter(|a| {
            matches!(
                a,
                Action::Up
                    | Action::Down
                    | Action::Top
                    | Action::Bottom
                    | Action::Select
                    | Action::Back
                    | Action::Quit
                    | Action::ApplyPlan
            )
        });
    }
    app.keymap.lookup(key, app.pane)
}

/// True for what the user does (keys, palette lines) other than moving the
/// selection or typing: it clears the last status message.
fn clears_status(a: &Action) -> bool {
    let user = a.name().is_some() || matches!(a, Action::Command(_));
    user && !matches!(
        a,
        Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
    )
}

/// Applies an action; returns the effects to run.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    if clears_status(&action) && !app.writing && !app.syncing {
        app.status = None;
    }
    app.follow_clock();
    match action {
        Action::Tick => {
            app.age_status();
            // A new hour: the panes are re-rated at it.
            if floor_hour(app.now) != app.rated_hour && app.data().is_some() && !app.writing {
                return app.load();
            }
            vec![]
        }
        Action::Undoable(u) => {
            app.undoable = u;
            vec![]
        }
        Action::Silenced(seq, list) => {
            if seq == app.notify_seq {
                app.silenced = list;
                app.rebuild_notifications();
            }
            vec![]
        }
        Action::AckDone(result) => {
            app.writing = false;
            match result {
                Ok((msg, change)) => {
                    app.overlays.retain(|o| !matches!(o, Overlay::Form(_)));
                    app.last_ack = change;
                    app.set_status(Tone::Ok, msg);
                    renotify(app)
                }
                Err(e) => {
                    app.set_status(Tone::Critical, e);
                    vec![]
                }
            }
        }
        Action::Resized(w, h) => {
            app.size = (w, h);
            vec![]
        }
        Action::Loaded(seq, result) => loaded(app, seq, result),
        Action::Notified(seq, result) => {
            if seq == app.notify_seq {
                app.notifications = match result {
                    Ok(list) => Loadable::Ready(list),
                    Err(e) => Loadable::Failed(e),
                };
                app.rebuild_notifications();
            }
            vec![]
        }
        Action::Charted(seq, result) => {
            if seq == app.chart_seq {
                app.chart.data = match result {
                    Ok(c) => Loadable::Ready(c),
                    Err(e) => Loadable::Failed(e),
                };
                app.refresh(Pane::Forecast);
            }
            vec![]
        }
        Action::Previewed(seq, outcome) => {
            if let Some(Overlay::Form(f)) = app
                .overlays
                .iter_mut()
                .rev()
                .find(|o| matches!(o, Overlay::Form(_)))
                && f.seq == seq
            {
                f.preview = Some(*outcome);
            }
            vec![]
        }
        Action::Wrote(result, changed) => {
            app.writing = false;
            match result {
                Ok(msg) => {
                    app.overlays
                        .retain(|o| !matches!(o, Overlay::Form(_) | Overlay::Confirm { .. }));
                    app.set_status(Tone::Ok, msg);
                    // A change of the store is now the last thing `u` undoes.
                    if changed {
                        app.last_ack = None;
                    }
                }
                Err(msg) => {
                    // Keep a form open so it can be fixed.
                    app.overlays
                        .retain(|o| !matches!(o, Overlay::Confirm { .. }));
                    app.set_status(Tone::Critical, msg);
                }
            }
            if changed { app.load() } else { vec![] }
        }
        Action::History(key, lines) => {
            if let Some(Overlay::Detail {
                key: k, lines: l, ..
            }) = app.overlays.last_mut()
                && *k == key
            {
                l.push((String::new(), Tone::Plain));
                l.push(("History (the store's audit log)".into(), Tone::Info));
                if lines.is_empty() {
                    l.push(("  no recorded change touches it".into(), Tone::Dim));
                }
                l.extend(lines.into_iter().map(|s| (format!("  {s}"), Tone::Plain)));
            }
            vec![]
        }
        // A running sync writes the store: its end reloads.
        Action::StoreChanged if app.syncing => vec![],
        Action::StoreChanged => {
            app.set_status(
                Tone::Info,
                "The store changed (another process wrote to it): reloaded.",
            );
            app.external_reload = true;
            app.load()
        }
        Action::AskUndo(message) => {
            app.writing = false;
            app.status = None;
            app.overlays.push(Overlay::Confirm {
                message,
                then: Confirmed::Undo,
            });
            vec![]
        }
        Action::Opened(label) => {
            app.store_label = label;
            app.throwaway = true;
            app.set_status(
                Tone::Ok,
                "Opened the demo estate in a throw-away store: edits are priced and saved there.",
            );
            app.load()
        }
        Action::Fatal(msg) => {
            app.fatal = Some(msg);
            app.quit = true;
            vec![]
        }
        Action::Status(s) => {
            app.set_status(Tone::Info, s);
            vec![]
        }
        Action::Planned(seq, result) => {
            if seq == app.plan_seq {
                planned(app, result);
            }
            vec![]
        }
        Action::PlanApplied(result) => plan_applied(app, result),
        Action::Repriced {
            shown,
            index,
            fresh,
        } => repriced(app, *shown, index, fresh),
        Action::SyncProgress(step) => {
            if app.syncing {
                app.set_status(Tone::Info, format!("Syncing… {step}"));
            }
            vec![]
        }
        Action::Synced(result) => {
            app.syncing = false;
            match result {
                Ok(summary) => {
                    app.set_status(Tone::Ok, summary);
                    app.external_reload = true;
                    app.load()
                }
                Err(e) => {
                    app.set_status(Tone::Critical, format!("Sync failed: {e}"));
                    vec![]
                }
            }
        }
        Action::Command(line) => command(app, &line),
        other => match app.overlays.last().cloned() {
            Some(o) => overlay_action(app, o, other),
            None => pane_action(app, other),
        },
    }
}

fn loaded(app: &mut App, seq: u64, result: Result<Arc<Data>, String>) -> Vec<Effect> {
    if seq != app.load_seq {
        return vec![];
    }
    match result {
        Err(e) => {
            app.data = Loadable::Failed(e.clone());
            app.set_status(Tone::Critical, e);
            vec![]
        }
        Ok(d) => {
            if let Some(w) = d.warnings.first() {
                app.set_status(Tone::Warning, w.clone());
            }
            let estate = d.estate.clone();
            if app.now_pinned {
                app.now = d.now;
            }
            if let Some(c) = &app.capacity {
                app.capacity = Some(CapacityView::new(&estate, c.query.clone(), app.now));
            }
            app.data = Loadable::Ready(d);
            app.rebuild_events();
            app.refresh_all();
            let external = std::mem::take(&mut app.external_reload);
            let mut out = refit_form(app, external);
            let nseq = app.next_seq();
            app.notify_seq = nseq;
            let cseq = app.next_seq();
            app.chart_seq = cseq;
            out.extend([
                Effect::Notify {
                    seq: nseq,
                    estate: estate.clone(),
                    now: app.now,
                },
                Effect::Chart {
                    seq: cseq,
                    estate,
                    from: app.chart.from,
                    to: app.chart.to,
                    basis: app.chart.basis,
                },
            ]);
            // The Planner follows the store: its subject is planned again.
            out.extend(replan(app));
            out
        }
    }
}

/// Evaluates the notifications again (after an acknowledgement).
fn renotify(app: &mut App) -> Vec<Effect> {
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    let seq = app.next_seq();
    app.notify_seq = seq;
    vec![Effect::Notify {
        seq,
        estate: d.estate.clone(),
        now: app.now,
    }]
}

pub(crate) fn move_selection(app: &mut App, action: &Action) {
    let page = app.page();
    let v = app.views.get_mut(&app.pane).expect("view");
    let last = v.rows.len().saturating_sub(1);
    let to = match action {
        Action::Up => v.selected.saturating_sub(1),
        Action::Down => (v.selected + 1).min(last),
        Action::PageUp => v.selected.saturating_sub(page),
        Action::PageDown => (v.selected + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => v.selected,
    };
    v.select(to, page);
}

pub(crate) fn pane_action(app: &mut App, action: Action) -> Vec<Effect> {
    if app.readonly && action.writes() {
        app.set_status(
            Tone::Warning,
            "Read-only (--readonly): undo, applying plans and acknowledgements are off; edits are priced, not saved.",
        );
        return vec![];
    }
    if let Some(p) = action.pane() {
        app.go(p);
        return vec![];
    }
    match action {
        Action::Quit => {
            app.quit = true;
            vec![]
        }
        Action::Help => {
            app.overlays.push(Overlay::Help { scroll: 0 });
            vec![]
        }
        Action::Palette => {
            app.overlays.push(Overlay::Palette(Input::default()));
            vec![]
        }
        Action::Filter if app.pane.has_table() => {
            let current = app.view(app.pane).filter.clone();
            app.overlays.push(Overlay::Filter(Input::new(current)));
            vec![]
        }
        Action::Back => {
            if go_back(app) {
                return vec![];
            }
            let v = app.views.get_mut(&app.pane).expect("view");
            if !v.filter.is_empty() {
                v.filter.clear();
                app.refresh(app.pane);
            } else if app.pane == Pane::Quota && app.capacity.is_some() {
                close_capacity(app);
            } else {
                app.status = None;
            }
            vec![]
        }
        Action::NextPane => {
            app.go(Pane::ALL[(app.pane.index() + 1) % Pane::ALL.len()]);
            vec![]
        }
        Action::PrevPane => {
            app.go(Pane::ALL[(app.pane.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]);
            vec![]
        }
        // The Planner's pages are its option's details.
        Action::PageUp | Action::PageDown if app.pane == Pane::Planner => {
            let step = (app.page() / 2).max(1) as u16;
            let s = &mut app.planner.scroll;
            *s = if matches!(action, Action::PageUp) {
                s.saturating_sub(step)
            } else {
                s.saturating_add(step)
            };
            vec![]
        }
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => {
            move_selection(app, &action);
            if app.pane == Pane::Planner {
                app.planner.scroll = 0;
            }
            vec![]
        }
        Action::Sort
        | Action::SortReverse
        | Action::ColumnCursorLeft
        | Action::ColumnCursorRight
        | Action::ColumnsLeft
        | Action::ColumnsRight => super::table::on_action(app, action),
        Action::Select => select(app),
        Action::Undo => match app.last_ack.take() {
            Some(AckChange::Acked { id, label }) => {
                let ack = app
                    .silenced
                    .iter()
                    .find(|(n, _)| n.id == id)
                    .map(|(_, a)| a.clone());
                match ack {
                    Some(a) => {
                        app.writing = true;
                        vec![Effect::Unacknowledge {
                            ack: Box::new(a),
                            label,
                        }]
                    }
                    // Not silenced any more (it got worse): nothing to take back.
                    None => {
                        app.set_status(
                            Tone::Info,
                            format!("{label} is not silenced any more: nothing to undo there."),
                        );
                        vec![]
                    }
                }
            }
            Some(AckChange::Unacked { ack, label }) => {
                app.writing = true;
                vec![Effect::RestoreAck { ack, label }]
            }
            None => {
                app.writing = true;
                app.set_status(Tone::Info, "Undoing the last change…");
                vec![Effect::Undo {
                    now: app.now,
                    any: false,
                }]
            }
        },
        Action::Reload => {
            app.set_status(Tone::Info, "Reloading…");
            app.load()
        }
        Action::AddPtu
        | Action::SetRenewal
        | Action::NewReservation
        | Action::ChangeScope
        | Action::Refund
        | Action::Resize
        | Action::Delete => open_form(app, &action),
        Action::Acknowledge | Action::ToggleAcknowledged | Action::Info => {
            super::panes::notifications::on_action(app, action)
        }
        Action::Capacity => super::panes::quota::capacity_key(app),
        Action::RegionsDown | Action::RegionsUp => super::panes::overview::on_action(app, action),
        Action::Plan => super::panes::planner::plan_key(app),
        Action::PlanDiscontinue => super::panes::planner::plan_discontinue(app),
        Action::ApplyPlan => super::panes::planner::apply_selected(app),
        Action::ToggleBasis | Action::RangePrev | Action::RangeNext | Action::RangeThisMonth => {
            super::panes::forecast::on_action(app, action)
        }
        _ => vec![],
    }
}

fn select(app: &mut App) -> Vec<Effect> {
    if app.pane == Pane::Planner {
        return apply_selected(app);
    }
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    let Some(key) = app.selected_key() else {
        return vec![];
    };
    match app.pane {
        Pane::Overview | Pane::Forecast => jump(app, &key),
        Pane::Notifications => super::panes::notifications::select(app, &key),
        Pane::Quota => super::panes::quota::select(app, key),
        Pane::Deployments | Pane::Commitments | Pane::Reservations => {
            super::popups::detail::open(app, &d, key)
        }
        Pane::Planner => vec![],
    }
}

/// Shows the pane and row that hold `subject` (an instrument, deployment,
/// resource or quota key).
pub fn jump(app: &mut App, subject: &str) -> Vec<Effect> {
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    let from = app.pane;
    let (selected, offset) = {
        let v = app.view(from);
        (v.selected, v.offset)
    };
    // A jump that landed remembers where it came from, for Esc.
    if jump_to(app, &d, subject) {
        let to = app.pane;
        let jump_filter = app.view(to).filter.clone();
        let to_filter = std::mem::take(&mut app.pending_filter);
        app.back.push(BackEntry {
            from,
            selected,
            offset,
            to,
            to_filter,
            jump_filter,
        });
    }
    vec![]
}

/// Esc after a jump: back to the pane and row it left, the filter the
/// jump set taken away. False when there is no jump to go back from.
fn go_back(app: &mut App) -> bool {
    let Some(b) = app.back.last().cloned() else {
        return false;
    };
    let filter = &app.view(app.pane).filter;
    if b.to != app.pane || !(filter.is_empty() || *filter == b.jump_filter) {
        return false;
    }
    app.back.pop();
    app.views.get_mut(&b.to).expect("view").filter = b.to_filter;
    app.refresh(b.to);
    app.pane = b.from;
    let page = app.page();
    let v = app.views.get_mut(&b.from).expect("view");
    v.offset = b.offset;
    v.select(b.selected, page);
    true
}

/// Shows the row of `subject`; false when no pane lists it.
fn jump_to(app: &mut App, d: &Arc<Data>, subject: &str) -> bool {
    let candidates = [
        (Pane::Commitments, &d.commitments),
        (Pane::Reservations, &d.reservations),
        (Pane::Deployments, &d.deployments),
        (Pane::Quota, &d.quota),
    ];
    let base = base_id(subject);
    for (pane, table) in candidates {
        if table.rows.iter().any(|r| r.key == subject || r.key == base) {
            let key = if table.rows.iter().any(|r| r.key == subject) {
                subject
            } else {
                base
            };
            show_row(app, pane, table, key, None);
            return true;
        }
    }
    if d.estate.resource(subject).is_some() {
        if let Some(c) = d.estate.commitments.iter().find(|c| c.resource == subject) {
            show_row(app, Pane::Commitments, &d.commitments, &c.id.clone(), None);
        } else {
            show_row(app, Pane::Deployments, &d.deployments, "", Some(subject));
        }
        return true;
    }
    app.set_status(Tone::Warning, format!("No pane lists {subject}."));
    false
}

fn show_row(app: &mut App, pane: Pane, table: &Table, key: &str, filter: Option<&str>) {
    if pane == Pane::Quota {
        app.capacity = None;
    }
    // Not `go`: a jump keeps the way back.
    app.pane = pane;
    let page = app.page();
    let v = app.views.get_mut(&pane).expect("view");
    app.pending_filter = std::mem::replace(&mut v.filter, filter.unwrap_or("").to_string());
    v.refresh(table);
    if let Some(p) = v
        .rows
        .iter()
        .position(|&(i, c)| c.is_none() && table.rows[i].key == key)
    {
        v.select(p, page);
    } else {
        v.select(0, page);
    }
}

fn overlay_action(app: &mut App, overlay: Overlay, action: Action) -> Vec<Effect> {
    match overlay {
        Overlay::Help { scroll } => super::popups::help::on_action(app, scroll, action),
        Overlay::Detail { .. } => super::popups::detail::on_action(app, action),
        Overlay::Confirm { then, .. } => super::popups::confirm::on_action(app, then, action),
        Overlay::Filter(_) => super::popups::filter::on_action(app, action),
        Overlay::Palette(input) => super::popups::palette::on_action(app, input, action),
        Overlay::Form(_) => form_action(app, action),
        Overlay::Remedies {
            notification,
            selected,
        } => remedies_action(app, *notification, selected, action),
        Overlay::Recommend(state) => super::popups::recommend::action(app, *state, action),
        Overlay::Choose {
            items, selected, ..
        } => super::panes::planner::choose_action(app, items, selected, action),
    }
}

pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// True when a key the bottom bar would offer does something here: no
/// "details" without a row, no undo with nothing to undo.
pub fn hint_works(app: &App, a: &Action) -> bool {
    let rows = !app.view(app.pane).rows.is_empty();
    let has_table = app.table(app.pane).is_some_and(|t| !t.rows.is_empty());
    match a {
        Action::Select | Action::PageDown => rows,
        Action::Filter
        | Action::Sort
        | Action::SortReverse
        | Action::ColumnCursorLeft
        | Action::ColumnCursorRight => has_table,
        Action::Undo => app.undoable.is_some() || app.last_ack.is_some(),
        Action::AddPtu
        | Action::SetRenewal
        | Action::ChangeScope
        | Action::Refund
        | Action::Resize
        | Action::Delete
        | Action::Acknowledge
        | Action::Info
        | Action::Plan
        | Action::PlanDiscontinue => rows,
        Action::ToggleAcknowledged => app.show_acknowledged || !app.silenced.is_empty(),
        Action::NewReservation => app.data().is_some(),
        Action::RegionsDown | Action::RegionsUp => app.data().is_some_and(|d| {
            let rows = d.overview.capacity.rows.len();
            super::panes::overview::overview_region_rows(app, rows) < rows
        }),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::data::{Column, Row, SortKey, Table};

    fn table() -> Table {
        let row = |k: &str, n: i64, kids: Vec<Row>| Row {
            key: k.into(),
            cells: vec![k.into(), n.to_string()],
            sort: vec![SortKey::text(k), SortKey::num(n)],
            children: kids,
            ..Default::default()
        };
        let col = |t| Column {
            title: t,
            width: 5,
            right: false,
            drop: 0,
            grow: false,
        };
        Table {
            columns: vec![col("a"), col("b")],
            rows: vec![
                row("beta", 2, vec![]),
                row("alpha", 3, vec![row("kid", 1, vec![])]),
                row("gamma", 1, vec![]),
            ],
            empty: String::new(),
            footer: None,
        }
    }

    #[test]
    fn views_filter_sort_expand_and_keep_the_selection() {
        let t = table();
        let mut v = TableView::default();
        v.refresh(&t);
        assert_eq!(v.rows, vec![(0, None), (1, None), (2, None)]);
        v.selected = 2; // gamma
        v.sort = Some((1, false));
        v.refresh(&t);
        assert_eq!(v.rows, vec![(2, None), (0, None), (1, None)]);
        assert_eq!(
            v.selected_row(&t).unwrap().key,
            "gamma",
            "the selection follows its row"
        );
        v.expanded.insert("alpha".into());
        v.refresh(&t);
        assert_eq!(
            v.rows.last(),
            Some(&(1, Some(0))),
            "children follow their parent"
        );
        v.filter = "KID".into();
        v.refresh(&t);
        assert_eq!(
            v.rows,
            vec![(1, None), (1, Some(0))],
            "a child's match keeps its parent"
        );
        v.filter = "zzz".into();
        v.refresh(&t);
        assert!(v.rows.is_empty());
        assert_eq!(v.selected, 0);
    }

    #[test]
    fn ranges_and_palette() {
        let (a, b) = parse_range("2027-01-01..2027-04-01").unwrap();
        assert_eq!(crate::domain::time::fmt_time(a), "2027-01-01T00:00:00Z");
        assert_eq!(crate::domain::time::fmt_time(b), "2027-04-01T00:00:00Z");
        assert!(parse_range("2027-01-01").is_err());
        assert!(parse_range("2027-04-01..2027-01-01").is_err());
        assert!(parse_range("2027-01-01T00:30:00Z..2027-04-01").is_err());
        assert_eq!(palette_matches("imp")[0].0, "import FILE...");
        assert_eq!(palette_matches("").len(), COMMANDS.len());
    }

    #[test]
    fn no_color_keeps_only_modifiers() {
        let t = Theme::new(&Default::default(), true).unwrap();
        assert_eq!(t.fg("critical"), ratatui::style::Style::default());
        assert!(
            t.selected()
                .add_modifier
                .contains(ratatui::style::Modifier::REVERSED)
        );
        let mut custom = std::collections::BTreeMap::new();
        custom.insert("critical".to_string(), "#ff0000".to_string());
        assert!(Theme::new(&custom, false).is_ok());
        custom.insert("nope".to_string(), "red".to_string());
        assert!(
            Theme::new(&custom, false)
                .unwrap_err()
                .contains("colors.nope")
        );
    }
}

//! The app's state: what the panes and popups read and change ([`App`],
//! its table views, popups and loads), and the moves over it every pane
//! uses (moving the selection, jumping to a subject's row and back).
//! Below the panes and popups: they import this, never `app` (where
//! `update` routes actions to them). Nothing here draws; the page height
//! is what the last frame recorded.

use super::action::{Action, Pane};
use super::clock::Clock;
use super::data::{ChartData, Data, Loadable, Row, SortKey, Table, Tone};
use super::effect::{AckChange, Effect};
use super::keymap::Keymap;
use super::panes::planner::state::{Choice, PlannerState};
use super::panes::quota::state::CapacityView;
use super::popups::form::state::Form;
use super::theme::Theme;
use crate::domain::notice::{Ack, Notification};
use crate::domain::plan::Edit;
use crate::domain::terms::base_id;
use crate::domain::time::{Time, add_months, floor_hour, month_start};
use crate::planner::Subject;
use crate::planner::recommend::{Report, WhatIfMonth};
use crate::rating::Basis;
use std::cell::Cell;
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
    Recommend(Box<RecommendState>),
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

/// The forecast pane's range and chart.
#[derive(Debug, Clone)]
pub struct ChartState {
    pub from: Time,
    pub to: Time,
    pub basis: Basis,
    pub data: Loadable<Arc<ChartData>>,
}

/// The pages a frame laid out: the window size and, for every pane, the
/// rows its table's body holds (by [`Pane::index`]), as that pane would be
/// drawn in this state (its selected row's foot, the status lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawnPage {
    pub size: (u16, u16),
    pub rows: [usize; 8],
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
    pub capacity: Option<CapacityView>,
    /// The first row of the Overview's region table in view (`J` / `K`).
    pub regions_offset: usize,
    /// The pages (rows of each pane's table body) the last frame laid out,
    /// at its window size. Drawing records them; [`App::page`] reads them.
    pub drawn_page: Cell<Option<DrawnPage>>,
    /// Actions a popup or pane asked `update` to run after it (a palette
    /// command naming an action): `update` routes them in order.
    pub queued: Vec<Action>,
    /// The next load follows a write by another process.
    pub(crate) external_reload: bool,
    /// The filter a jump replaced on the pane it went to.
    pub(crate) pending_filter: String,
    pub(crate) seq: u64,
    pub(crate) plan_seq: u64,
    pub(crate) load_seq: u64,
    pub(crate) notify_seq: u64,
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
            drawn_page: Cell::new(None),
            queued: vec![],
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

    /// Whether `pane`'s list shows any row (Enter has one to act on).
    pub fn has_rows(&self, pane: Pane) -> bool {
        !self.view(pane).rows.is_empty()
    }

    pub(crate) fn refresh(&mut self, pane: Pane) {
        let table = self.table(pane).cloned();
        let v = self.views.get_mut(&pane).expect("every pane has a view");
        match table {
            Some(t) => v.refresh(&t),
            None => v.rows.clear(),
        }
    }

    pub(crate) fn refresh_all(&mut self) {
        for p in Pane::ALL {
            self.refresh(p);
        }
    }

    /// Rows a page holds in the current window (the table's body height):
    /// what the last frame laid out for this pane at this size
    /// ([`App::drawn_page`], set by `ui::draw` for every pane, so a jump
    /// to another pane pages as that pane is drawn). Before a first frame
    /// at this size: the window less the pane's fixed chrome (one status
    /// line, nothing under the table).
    pub fn page(&self) -> usize {
        if let Some(d) = self.drawn_page.get()
            && d.size == self.size
        {
            return d.rows[self.pane.index()];
        }
        let h = self.size.1 as usize;
        let chrome = match self.pane {
            Pane::Forecast => 5 + h.saturating_sub(4) / 2,
            Pane::Overview => h.saturating_sub(4) / 2 + 6,
            _ => 7,
        };
        h.saturating_sub(chrome).max(1)
    }

    pub(crate) fn set_status(&mut self, tone: Tone, msg: impl Into<String>) {
        self.status = Some((tone, msg.into()));
        self.status_age = 0;
    }

    /// Ages the status message by a tick; true when it expired.
    pub(crate) fn age_status(&mut self) -> bool {
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

    pub(crate) fn text_overlay(&self) -> bool {
        matches!(
            self.overlays.last(),
            Some(Overlay::Filter(_) | Overlay::Palette(_) | Overlay::Form(_))
        )
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
}

/// The recommendations overlay's state (`:recommend`).
#[derive(Debug, Clone)]
pub struct RecommendState {
    pub report: Arc<Report>,
    pub selected: usize,
    /// The what-if of a row (its index), when shown.
    pub what_if: Option<(usize, Vec<WhatIfMonth>)>,
}

/// Where a list's cursor at `selected` of `len` items goes on `action`:
/// one up or down, the top or the bottom; any other action leaves it.
pub(crate) fn list_step(action: &Action, selected: usize, len: usize) -> usize {
    let last = len.saturating_sub(1);
    match action {
        Action::Up => selected.saturating_sub(1),
        Action::Down => (selected + 1).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => selected,
    }
}

pub(crate) fn move_selection(app: &mut App, action: &Action) {
    let page = app.page();
    let v = app.views.get_mut(&app.pane).expect("view");
    let last = v.rows.len().saturating_sub(1);
    let to = match action {
        Action::PageUp => v.selected.saturating_sub(page),
        Action::PageDown => (v.selected + page).min(last),
        _ => list_step(action, v.selected, v.rows.len()),
    };
    v.select(to, page);
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
pub(crate) fn go_back(app: &mut App) -> bool {
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

//! The worker: runs [`Effect`]s (store reads and writes, ratings, imports)
//! off the render path and answers with actions. [`Worker::run`] is
//! blocking and synchronous: the event loop calls it under
//! `spawn_blocking`, and tests call it directly.

use super::action::Action;
use super::data;
use super::effect::{AckChange, Effect, ExportWhat, ack_label, focus_version_name};
use super::panes::planner::state::AppliedPlan;
use crate::config::Config;
use crate::domain::Estate;
use crate::domain::notice::Notification;
use crate::domain::prices::PriceBook;
use crate::domain::time::Time;
use crate::planner::{self, Params};
use crate::rating::{Basis, RatingError};
use crate::store::{Store, StoreError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The notifications hook: `crate::alerts::evaluate`, or a stand-in in tests.
pub type Notifier = fn(
    &Estate,
    &PriceBook,
    &crate::alerts::Settings,
    crate::rating::Options,
    Time,
    chrono::Duration,
) -> Result<Vec<Notification>, RatingError>;

/// Acknowledges a notification in the store, as `ptudesk ack` does:
/// silenced until it gets worse (its level or severity grows), or until
/// `until`, with an optional note.
pub fn acknowledge(
    store: &mut Store,
    notification: &Notification,
    now: Time,
    until: Option<Time>,
    note: &str,
) -> Result<String, String> {
    let note = if note.trim().is_empty() {
        "acknowledged in the terminal app"
    } else {
        note.trim()
    };
    crate::ops::acknowledge(store, notification, now, until, note).map_err(|e| e.to_string())?;
    let till = match until {
        Some(u) => format!("until {} or until it gets worse", data::minute(u)),
        None => "until it gets worse".to_string(),
    };
    Ok(format!(
        "Acknowledged {}: silenced {till} (u undoes it).",
        ack_label(notification)
    ))
}

/// The store the app works on: a file, or a throw-away copy (the demo).
pub struct StoreSlot {
    pub store: Option<Store>,
    pub path: PathBuf,
    /// Keeps a throw-away store's folder alive; removed on drop.
    pub temp: Option<tempfile::TempDir>,
    /// The store's change marker ([`Store::data_version`]) taken before our
    /// last read or write began: a write by another process during a load
    /// moves the marker past it, so the next check reloads.
    pub seen: Option<i64>,
}

/// Why a throw-away store (`--demo`, `--scenario`, `:demo`) was not made.
#[derive(Debug, thiserror::Error)]
pub enum ThrowawayError {
    #[error("cannot make a throw-away store: {0}")]
    Folder(std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Seed(#[from] crate::ops::OpsError),
}

/// Creates a throw-away store holding `estate`.
pub fn throwaway(estate: &Estate, now: Time, what: &str) -> Result<StoreSlot, ThrowawayError> {
    let dir = tempfile::Builder::new()
        .prefix("ptudesk-")
        .tempdir()
        .map_err(ThrowawayError::Folder)?;
    let path = dir.path().join("ptudesk.db");
    let mut store = Store::open(&path)?;
    crate::ops::seed(&mut store, what, estate, now)?;
    let seen = store.data_version().ok();
    Ok(StoreSlot {
        store: Some(store),
        seen,
        path,
        temp: Some(dir),
    })
}

/// Why [`Worker::with_store`]'s work did not run or failed: the store
/// could not be reached, or the work said why (`E`).
#[derive(Debug, thiserror::Error)]
pub enum StoreAccess<E> {
    #[error("the store lock was poisoned")]
    Poisoned,
    #[error(transparent)]
    Open(StoreError),
    #[error("{0}")]
    Failed(E),
}

/// Runs effects: owns the store (behind a mutex, one SQLite connection),
/// the price book and the settings.
#[derive(Clone)]
pub struct Worker {
    pub slot: Arc<Mutex<StoreSlot>>,
    pub book: Arc<PriceBook>,
    pub config: Arc<Config>,
    pub notifier: Notifier,
    pub readonly: bool,
    /// How `:sync` runs az (the program and its time limit); the
    /// subscriptions come with each sync.
    pub sync: crate::sync::Options,
    /// The current estate's totals, kept for edit previews.
    pub whatif: Arc<Mutex<crate::rating::whatif::Baseline>>,
}

fn busy_quiet(msg: &str) {
    tracing::info!("{msg}");
}

impl Worker {
    pub fn new(slot: StoreSlot, config: Config, readonly: bool) -> Worker {
        Worker {
            slot: Arc::new(Mutex::new(slot)),
            book: Arc::new(PriceBook::default_book()),
            sync: config.sync_options(),
            config: Arc::new(config),
            notifier: crate::alerts::evaluate,
            readonly,
            whatif: Arc::default(),
        }
    }

    /// Runs `f` on the store, opening it first if needed. The change
    /// marker is left alone: only a load of the estate the panes show
    /// ([`Worker::load_estate`]) marks the store as seen.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, String>,
    ) -> Result<T, String> {
        self.on_store(false, f).map_err(|e| e.to_string())
    }

    fn on_store<T, E>(
        &self,
        mark_seen: bool,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, StoreAccess<E>> {
        let mut slot = self.slot.lock().map_err(|_| StoreAccess::Poisoned)?;
        if slot.store.is_none() {
            let path = slot.path.clone();
            let store = if self.readonly {
                Store::open_readonly(&path)
            } else {
                Store::open(&path)
            }
            .map_err(StoreAccess::Open)?;
            slot.store = Some(store);
        }
        let store = slot.store.as_mut().expect("opened");
        store.busy_note = busy_quiet;
        // The marker before the read: what another process commits while
        // we read is noticed at the next check, never taken as seen. Other
        // reads (acknowledgements, notifications) and our own writes (which
        // never move this connection's marker) leave it alone, so a write
        // between the estate's load and theirs is not taken as seen either.
        let before = store.data_version().ok();
        let r = f(store).map_err(StoreAccess::Failed);
        if mark_seen && r.is_ok() {
            slot.seen = before;
        }
        r
    }

    /// True when another process committed to the store since our last
    /// read or write began.
    pub fn store_changed(&self) -> bool {
        let Ok(slot) = self.slot.lock() else {
            return false;
        };
        match (&slot.store, slot.seen) {
            (Some(store), Some(seen)) => store.data_version().is_ok_and(|v| v != seen),
            _ => false,
        }
    }

    /// Runs one effect to completion; the actions it answers with, in
    /// order (a sync's progress first).
    pub fn run(&self, effect: Effect) -> Vec<Action> {
        let mut out = Vec::new();
        self.run_streaming(effect, &mut |a| out.push(a));
        out
    }

    /// Runs one effect to completion, handing each action to `emit` as
    /// soon as it is ready (a sync's steps while it runs).
    pub fn run_streaming(&self, effect: Effect, emit: &mut dyn FnMut(Action)) {
        let started = std::time::Instant::now();
        let label = effect.label();
        match effect {
            Effect::Sync {
                subscriptions,
                now,
                allow_partial,
            } => {
                let done = self.sync(subscriptions, now, allow_partial, emit);
                emit(done)
            }
            other => self.run_inner(other).into_iter().for_each(&mut *emit),
        }
        tracing::debug!("{label} took {:?}", started.elapsed());
    }

    /// The planner's settings: its defaults, rated as the panes are.
    fn plan_params(&self, now: Time) -> Params {
        let mut p = Params::new(now);
        p.rating = self.config.rating_options();
        p
    }

    fn sync(
        &self,
        subscriptions: Vec<String>,
        now: Time,
        allow_partial: bool,
        emit: &mut dyn FnMut(Action),
    ) -> Action {
        let path = {
            let Ok(slot) = self.slot.lock() else {
                return Action::Synced(Err("the store lock was poisoned".into()));
            };
            if slot.temp.is_some() {
                return Action::Synced(Err(
                    "sync writes into your store: this one is a throw-away copy".into(),
                ));
            }
            slot.path.clone()
        };
        if self.readonly {
            return Action::Synced(Err("read-only (--readonly): nothing synced".into()));
        }
        let options = crate::sync::Options {
            subscriptions,
            dry_run: false,
            allow_partial,
            ..self.sync.clone()
        };
        let r = crate::sync::run(&path, &options, now, |step| {
            emit(Action::SyncProgress(step.to_string()))
        });
        // Our own write, through a connection of its own: not "another
        // process".
        if let Ok(mut slot) = self.slot.lock() {
            slot.seen = slot.store.as_ref().and_then(|s| s.data_version().ok());
        }
        match r {
            Ok(report) => {
                let head = report.text();
                let head = head
                    .lines()
                    .next()
                    .unwrap_or("Synced.")
                    .trim_end_matches(':');
                let mut line = head.to_string();
                if report.change.is_some() {
                    line.push_str(&format!("; {} object(s) changed", report.deltas.len()));
                }
                let warnings = report.warnings();
                if !warnings.is_empty() {
                    line.push_str(&format!(
                        "; {} warning(s), `ptudesk sync` prints them",
                        warnings.len()
                    ));
                }
                if let crate::sync::ReservationsRead::Unread { since, .. } = &report.reservations {
                    line.push_str(&format!(
                        "; reservations NOT read: unknown since {} (see Notifications)",
                        crate::domain::time::fmt_minute(*since)
                    ));
                }
                if report.change.is_some() {
                    line.push_str(" (u undoes it)");
                }
                Action::Synced(Ok(line))
            }
            Err(e @ crate::sync::SyncError::Reservations { .. }) => {
                Action::Synced(Err(format!("{e}; here: `:sync --allow-partial`")))
            }
            Err(e) => Action::Synced(Err(e.to_string())),
        }
    }

    /// Writes `e` as `what` to `file` with the functions `ptudesk export`
    /// uses; the status line's message.
    fn export(
        &self,
        e: &Estate,
        file: &std::path::Path,
        what: &ExportWhat,
    ) -> Result<String, String> {
        use crate::report;
        let failed = |err: std::io::Error| format!("cannot write {}: {err}", file.display());
        let write = |text: &str| {
            report::focus::write_file(file, |f| std::io::Write::write_all(f, text.as_bytes()))
                .map_err(failed)
        };
        match what {
            ExportWhat::Snapshot => {
                write(&crate::ingest::snapshot::to_json(e))?;
                Ok(format!("Exported the store to {}.", file.display()))
            }
            ExportWhat::Csv => {
                let written = report::tables::write_tables(e, file).map_err(|e| e.to_string())?;
                Ok(format!(
                    "Wrote {} CSV tables into {}.",
                    written.len(),
                    file.display()
                ))
            }
            ExportWhat::Focus { from, to, version } => {
                let req = crate::rating::Request {
                    from: *from,
                    to: *to,
                    basis: Basis::Amortized,
                    by: crate::rating::Bucket::Day,
                };
                let opts = self.config.rating_options();
                let rated = report::focus::rate(e, &self.book, &req, &opts)
                    .map_err(|err| err.to_string())?;
                let rows = report::focus::write_file(file, |f| rated.write_csv(*version, f))
                    .map_err(failed)?;
                Ok(format!(
                    "Wrote {} FOCUS {} rows ({} .. {}) to {}.",
                    rows,
                    focus_version_name(*version),
                    data::minute(*from),
                    data::minute(*to),
                    file.display()
                ))
            }
        }
    }

    fn load_estate(&self) -> Result<Estate, String> {
        match self.on_store(true, |s| s.load()) {
            Ok(e) => Ok(e),
            // Read-only (`--readonly`) on a store not made yet: nothing in it.
            Err(
                StoreAccess::Open(StoreError::Missing(_))
                | StoreAccess::Failed(StoreError::Missing(_)),
            ) if self.readonly => Ok(Estate::empty()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn run_inner(&self, effect: Effect) -> Vec<Action> {
        match effect {
            Effect::Load { seq, now } => {
                let result = self.load_estate().map(|estate| {
                    Arc::new(super::compute::compute(
                        Arc::new(estate),
                        &self.book,
                        &self.config,
                        now,
                    ))
                });
                // What `u` would undo in the store, for the bottom bar.
                let undoable = self
                    .with_store(|s| {
                        let log = s.log().map_err(|e| e.to_string())?;
                        Ok(log
                            .into_iter()
                            .rev()
                            .find(|c| c.undoes.is_none() && c.undone_by.is_none())
                            .map(|c| format!("#{} ({}: {})", c.id, c.source, c.summary)))
                    })
                    .unwrap_or(None);
                vec![Action::Loaded(seq, result), Action::Undoable(undoable)]
            }
            Effect::Notify { seq, estate, now } => {
                let horizon = chrono::Duration::days(self.config.alerts.horizon_days as i64);
                // Acknowledged ones stay silent (a throw-away or missing store has none).
                let acks = self
                    .with_store(|s| s.acks().map_err(|e| e.to_string()))
                    .unwrap_or_default();
                let mut silenced = Vec::new();
                let r = self.notifications(&estate, now, horizon).map(|list| {
                    let mut active = Vec::new();
                    for n in list {
                        if crate::alerts::silenced(&n, &acks, now) {
                            let ack = acks.iter().find(|a| a.id == n.id).cloned();
                            silenced.extend(ack.map(|a| (n, a)));
                        } else {
                            active.push(n);
                        }
                    }
                    Arc::new(active)
                });
                vec![Action::Notified(seq, r), Action::Silenced(seq, silenced)]
            }
            Effect::Chart {
                seq,
                estate,
                from,
                to,
                basis,
            } => {
                let r = super::panes::forecast::chart(
                    &estate,
                    &self.book,
                    &self.config,
                    from,
                    to,
                    basis,
                )
                .map(Arc::new);
                vec![Action::Charted(seq, r)]
            }
            Effect::Preview {
                seq,
                estate,
                edit,
                month,
                next30,
                now,
            } => {
                // The current estate's totals are kept between previews.
                let mut baseline = self.whatif.lock().unwrap_or_else(|e| e.into_inner());
                let p = crate::planner::preview::preview_with(
                    &mut baseline,
                    &estate,
                    &edit,
                    &self.book,
                    &self.config.rating_options(),
                    month,
                    next30,
                    now,
                );
                vec![Action::Previewed(seq, Box::new(p))]
            }
            Effect::Save { edit, now } => {
                let summary = edit.summary();
                let opts = self.config.rating_options();
                let r = self.with_store(|s| {
                    crate::ops::save_edit(s, "tui", &edit, &self.book, &opts, now)
                        .map_err(|e| e.to_string())
                });
                vec![match r {
                    Ok(w) => match w.change {
                        Some(id) => {
                            Action::Wrote(Ok(format!("Saved #{id}: {summary} (u undoes it)")), true)
                        }
                        None => Action::Wrote(Ok("Nothing changed.".into()), false),
                    },
                    Err(e) => Action::Wrote(Err(format!("Not saved: {e}")), false),
                }]
            }
            Effect::Undo { now, any } => {
                let last =
                    self.with_store(|s| crate::ops::last_undoable(s).map_err(|e| e.to_string()));
                match last {
                    Ok(Some(c)) if !any && c.source != "tui" => {
                        return vec![Action::AskUndo(format!(
                            "The last change, #{} ({}: {}), was not made here. Undo it?",
                            c.id, c.source, c.summary
                        ))];
                    }
                    Err(e) => return vec![Action::Wrote(Err(format!("Undo failed: {e}")), false)],
                    _ => {}
                }
                let r = self.with_store(|s| crate::ops::undo(s, now).map_err(|e| e.to_string()));
                vec![match r {
                    Ok(None) => Action::Wrote(Ok("Nothing to undo.".into()), false),
                    Ok(Some((c, u))) => Action::Wrote(
                        Ok(format!(
                            "Undid #{} ({}), recorded as #{u}.",
                            c.id, c.summary
                        )),
                        true,
                    ),
                    Err(e) => Action::Wrote(Err(format!("Undo failed: {e}")), false),
                }]
            }
            Effect::Import { files, now } => vec![self.import(&files, now)],
            Effect::Export { file, what } => {
                let r = self
                    .load_estate()
                    .and_then(|e| self.export(&e, &file, &what));
                vec![Action::Wrote(r, false)]
            }
            Effect::Acknowledge {
                notification,
                now,
                until,
                note,
            } => {
                let r = self.with_store(|s| acknowledge(s, &notification, now, until, &note));
                vec![Action::AckDone(r.map(|msg| {
                    (
                        msg,
                        Some(AckChange::Acked {
                            id: notification.id.clone(),
                            label: ack_label(&notification),
                        }),
                    )
                }))]
            }
            Effect::Unacknowledge { ack, label } => {
                let r = self
                    .with_store(|s| crate::ops::take_back(s, &ack.id).map_err(|e| e.to_string()));
                vec![Action::AckDone(match r {
                    Ok(true) => Ok((
                        format!(
                            "Took back the acknowledgement of {label}: it is reported again (u undoes it)."
                        ),
                        Some(AckChange::Unacked { ack, label }),
                    )),
                    Ok(false) => Err(format!("{label} was not acknowledged (any more).")),
                    Err(e) => Err(format!("Not changed: {e}")),
                })]
            }
            Effect::RestoreAck { ack, label } => {
                let r = self
                    .with_store(|s| crate::ops::restore_ack(s, &ack).map_err(|e| e.to_string()));
                vec![Action::AckDone(match r {
                    Ok(()) => Ok((format!("Acknowledged {label} again."), None)),
                    Err(e) => Err(format!("Not changed: {e}")),
                })]
            }
            Effect::History { kind, key } => {
                let r = self.with_store(|s| {
                    let log = s.log().map_err(|e| e.to_string())?;
                    let audit = s.audit(None).map_err(|e| e.to_string())?;
                    Ok(audit
                        .into_iter()
                        .filter(|a| a.kind == kind && a.key == key)
                        .map(|a| {
                            let c = log.iter().find(|c| c.id == a.change);
                            let what = match (&a.before, &a.after) {
                                (None, Some(_)) => "added",
                                (Some(_), None) => "removed",
                                _ => "changed",
                            };
                            format!(
                                "{}  #{:<4} {:<7} {what}: {}",
                                crate::domain::time::fmt_second(a.at),
                                a.change,
                                c.map_or("", |c| c.source.as_str()),
                                c.map_or("", |c| c.summary.as_str())
                            )
                        })
                        .collect())
                });
                vec![Action::History(key, r.unwrap_or_else(|e| vec![e]))]
            }
            Effect::OpenDemo { now } => match throwaway(&crate::demo::estate(now), now, "demo") {
                Ok(slot) => {
                    if let Ok(mut s) = self.slot.lock() {
                        *s = slot;
                    }
                    vec![Action::Opened("demo (throw-away store)".into())]
                }
                Err(e) => vec![Action::Wrote(Err(e.to_string()), false)],
            },
            Effect::Plan {
                seq,
                estate,
                subject,
                now,
            } => {
                let r = planner::plans(&estate, &self.book, &subject, &self.plan_params(now))
                    .map(Arc::new)
                    .map_err(|e| e.to_string());
                vec![Action::Planned(seq, r)]
            }
            Effect::ApplyPlan {
                subject,
                option,
                now,
            } => {
                let params = self.plan_params(now);
                let summary = crate::ops::plan_summary(&subject, &option);
                let r = self.with_store(|s| {
                    crate::ops::apply_plan(s, "tui", &self.book, &subject, &params, &option, now)
                        .map_err(|e| e.to_string())
                });
                vec![Action::PlanApplied(match r {
                    Ok(done) => Ok(AppliedPlan {
                        message: match done.written.change {
                            Some(id) => format!(
                                "Applied #{id}: {summary}; the Forecast pane shows it (u undoes it)."
                            ),
                            None => format!(
                                "Nothing written: the store already holds option {option}'s steps."
                            ),
                        },
                        change: done.written.change,
                        from: done.set.from,
                        to: done.set.to,
                    }),
                    Err(e) => Err(format!("Not applied: {e}")),
                })]
            }
            Effect::ApplyRemedy {
                summary,
                changes,
                now,
            } => {
                // The same path as `fix --apply`: the changes made on the
                // store's estate, checked, one change.
                let r = self.with_store(|s| {
                    crate::ops::apply_remedy(s, "tui", &summary, now, |_| {
                        Ok(crate::ops::Picked {
                            changes: changes.clone(),
                            name: "the remedy".into(),
                        })
                    })
                    .map_err(|e| e.to_string())
                });
                vec![match r {
                    Ok(w) => match w.change {
                        Some(id) => Action::Wrote(
                            Ok(format!("Applied #{id}: {summary} (u undoes it).")),
                            true,
                        ),
                        None => Action::Wrote(
                            Ok(format!(
                                "Nothing written: the store already holds {summary}."
                            )),
                            false,
                        ),
                    },
                    Err(e) => Action::Wrote(Err(format!("Not applied: {e}")), false),
                }]
            }
            Effect::Reprice { shown, index, now } => {
                let horizon = chrono::Duration::days(self.config.alerts.horizon_days as i64);
                let fresh = self
                    .load_estate()
                    .and_then(|estate| self.notifications(&estate, now, horizon));
                vec![Action::Repriced {
                    fresh: fresh
                        .map(|list| list.into_iter().find(|n| n.id == shown.id).map(Box::new)),
                    shown,
                    index,
                }]
            }
            // `run_streaming` runs syncs with their progress; this is without.
            Effect::Sync {
                subscriptions,
                now,
                allow_partial,
            } => vec![self.sync(subscriptions, now, allow_partial, &mut |_| {})],
        }
    }

    /// The notifications over `horizon` from `now`, tempered by the
    /// reservations a sync could not read (a throw-away store has no such
    /// mark), as `ptudesk check` shows them: the pane and a remedy priced
    /// again before it is applied see the same notification.
    fn notifications(
        &self,
        estate: &Estate,
        now: Time,
        horizon: chrono::Duration,
    ) -> Result<Vec<Notification>, String> {
        let unread = self
            .with_store(|s| s.reservations_unread().map_err(|e| e.to_string()))
            .unwrap_or_default();
        let mut list = (self.notifier)(
            estate,
            &self.book,
            &self.config.alerts,
            self.config.rating_options(),
            now,
            horizon,
        )
        .map_err(|e| e.to_string())?;
        crate::alerts::unknown::temper(&mut list, unread.as_ref(), horizon);
        Ok(list)
    }

    fn import(&self, files: &[PathBuf], now: Time) -> Action {
        let placement = crate::ingest::batch::Placement::default();
        let batches = match crate::ops::read_files(files, None, &placement, now) {
            Ok(b) => b,
            Err(e) => return Action::Wrote(Err(format!("Nothing imported: {e}")), false),
        };
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let r = self.with_store(|s| {
            crate::ops::import(s, files, &batches, now)
                .map(|i| i.written)
                .map_err(|e| e.to_string())
        });
        match r {
            Ok(w) => match w.change {
                Some(id) => Action::Wrote(
                    Ok(format!(
                        "Imported {} (change #{id}, {} object(s)).",
                        names.join(", "),
                        w.deltas.len()
                    )),
                    true,
                ),
                None => Action::Wrote(
                    Ok(format!(
                        "Nothing changed: the store already holds {}.",
                        names.join(", ")
                    )),
                    false,
                ),
            },
            Err(e) => Action::Wrote(Err(format!("Nothing imported: {e}")), false),
        }
    }
}

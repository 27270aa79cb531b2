//! The use cases, one function each: import files or what a sync read,
//! save an edit, undo, acknowledge and take back, apply a plan, a
//! recommendation or a remedy. Both faces (the command line and the
//! terminal app's worker) call these, directly or through `sync`, and only
//! render what they return.
//!
//! Each write is one store transaction, stamped in the audit log with the
//! caller's instant but never before the store's latest change (so the log
//! stays in time order when a clock is pinned behind another tool's
//! writes). Outcomes are typed; errors are [`OpsError`], whose text is the
//! underlying error's.

use crate::domain::Estate;
use crate::domain::notice::{Ack, Notification};
use crate::domain::objects::Kind;
use crate::domain::plan::Edit;
use crate::domain::prices::PriceBook;
use crate::domain::time::Time;
use crate::ingest::InputError;
use crate::ingest::batch::{Format, Placement, Skipped};
use crate::ingest::merge::{FileBatch, merge};
use crate::planner::recommend::{Recommendation, Report, Settings, recommend};
use crate::planner::{self, Params, PlanError, PlanSet, Subject};
use crate::rating::Options;
use crate::store::{Change, Store, StoreError, Written};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Why a use case did nothing: the store is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The change was refused (a remedy that no longer applies, or would
    /// leave the estate invalid).
    #[error("{0}")]
    Refused(String),
}

/// The stamp of a change written at `now`: `now`, never before the
/// store's latest change.
fn stamp(store: &Store, now: Time) -> Result<Time, StoreError> {
    store.stamp(now)
}

/// Writes one change recorded by `source` as `summary` at `at`, noting
/// `marks` in the same transaction ([`Store::transact_noting`]): the change
/// and what `edit` said beside the estate it made (from its last run: a
/// busy store runs it again).
fn write<T, E>(
    store: &mut Store,
    source: &str,
    summary: &str,
    at: Time,
    marks: &[(&str, Option<String>)],
    mut edit: impl FnMut(&Estate) -> Result<(Estate, T), E>,
) -> Result<(Written, T), OpsError>
where
    OpsError: From<E>,
{
    let mut beside = None;
    let written = store.transact_noting(source, summary, at, marks, |current| {
        let (estate, t) = edit(current)?;
        beside = Some(t);
        Ok::<_, E>(estate)
    })??;
    let t = beside.expect("the edit ran when the transaction wrote");
    Ok((written, t))
}

/// What an import did.
#[derive(Debug)]
pub struct Imported {
    /// The change recorded (none when the store already held everything).
    pub written: Written,
    /// What the merge left out, and why.
    pub skipped: Vec<Skipped>,
    /// The objects the files mention, by kind and key.
    pub mentioned: BTreeSet<(Kind, String)>,
}

impl Imported {
    /// True when something in the files was not skipped.
    pub fn imported_any(&self) -> bool {
        self.mentioned.iter().any(|(_, key)| {
            !self
                .skipped
                .iter()
                .any(|x| x.object.as_deref() == Some(key.as_str()))
        })
    }
}

/// Reads and checks every file before the store is touched (the format
/// given, or each file's own shape).
pub fn read_files(
    files: &[PathBuf],
    format: Option<Format>,
    placement: &Placement,
    now: Time,
) -> Result<Vec<FileBatch>, InputError> {
    files
        .iter()
        .map(|f| crate::ingest::parse_file(f, format, placement, now))
        .collect()
}

/// Imports files already read ([`read_files`]) in one change, recorded as
/// `import <files>`.
pub fn import(
    store: &mut Store,
    files: &[PathBuf],
    batches: &[FileBatch],
    now: Time,
) -> Result<Imported, OpsError> {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let what = format!("import {}", names.join(" "));
    let at = stamp(store, now)?;
    let (written, skipped) = write(store, "import", &what, at, &[], |current| {
        merge(current, batches, now)
    })?;
    Ok(Imported {
        written,
        skipped,
        mentioned: crate::ingest::mentioned(batches),
    })
}

/// Fills a store with `estate` as it is, in one change recorded by `what`
/// (`demo`, `scenario`: the terminal app's scratch store), stamped as an
/// import is.
pub fn seed(
    store: &mut Store,
    what: &str,
    estate: &Estate,
    now: Time,
) -> Result<Written, OpsError> {
    let at = stamp(store, now)?;
    let (written, ()) = write(store, what, what, at, &[], |_| {
        Ok::<_, OpsError>((estate.clone(), ()))
    })?;
    Ok(written)
}

/// Imports what a sync read in one change recorded by `source` as
/// `summary`, and notes in the same transaction, whether or not the estate
/// changed, which parts it could or could not read (`marks`: `Some(why)`
/// marks a part unread since `now`, `None` clears the mark). `edit` makes
/// the estate from the store's current one (the merge and the history
/// dated); what it says beside the estate comes back with the change.
///
/// The marks are dated `now`, when the sync read Azure; the change is
/// stamped as every change is, never before the store's latest (the store
/// applies [`Store::stamp`]'s rule as it writes).
pub fn apply_sync<T>(
    store: &mut Store,
    source: &str,
    summary: &str,
    marks: &[(&str, Option<String>)],
    now: Time,
    edit: impl FnMut(&Estate) -> Result<(Estate, T), InputError>,
) -> Result<(Written, T), OpsError> {
    write(store, source, summary, now, marks, edit)
}

/// Saves one edit made by hand (a form) in one change recorded by `source`
/// as the edit's summary: made on the store's current estate with the
/// checks its preview showed ([`planner::preview::apply_checked`]), so
/// what the preview refuses is never saved.
pub fn save_edit(
    store: &mut Store,
    source: &str,
    edit: &Edit,
    book: &PriceBook,
    opts: &Options,
    now: Time,
) -> Result<Written, OpsError> {
    let summary = edit.summary();
    let at = stamp(store, now)?;
    let (written, ()) = write(store, source, &summary, at, &[], |current| {
        planner::preview::apply_checked(edit, current, book, opts, now)
            .map(|e| (e, ()))
            .map_err(OpsError::Refused)
    })?;
    Ok(written)
}

/// The change `undo` would revert: the latest that is neither an undo nor
/// undone already.
pub fn last_undoable(store: &Store) -> Result<Option<Change>, StoreError> {
    Ok(store
        .log()?
        .into_iter()
        .rev()
        .find(|c| c.undoes.is_none() && c.undone_by.is_none()))
}

/// Reverts the latest change ([`last_undoable`]) as a new change: (the
/// change undone, the undo's id), or `None` when there is nothing to undo.
pub fn undo(store: &mut Store, now: Time) -> Result<Option<(Change, i64)>, StoreError> {
    let at = stamp(store, now)?;
    store.undo(at)
}

/// Silences `n` until it gets worse (its level or severity grows), or until
/// `until`, with a note. Acknowledgements are not changes of the estate:
/// they stay out of the audit log.
pub fn acknowledge(
    store: &mut Store,
    n: &Notification,
    now: Time,
    until: Option<Time>,
    note: &str,
) -> Result<Ack, StoreError> {
    let ack = Ack::of(n, now, until, note);
    store.put_ack(&ack)?;
    Ok(ack)
}

/// Takes back the acknowledgement of notification `id`: false when there
/// was none.
pub fn take_back(store: &mut Store, id: &str) -> Result<bool, StoreError> {
    store.remove_ack(id)
}

/// Puts back an acknowledgement taken back (an undo of [`take_back`]).
pub fn restore_ack(store: &mut Store, ack: &Ack) -> Result<(), StoreError> {
    store.put_ack(ack)
}

/// How an applied plan is named in the audit log.
pub fn plan_summary(subject: &Subject, option: &str) -> String {
    format!(
        "plan {} {}: {option}",
        subject.kind().name(),
        subject.label()
    )
}

/// What applying a plan did.
#[derive(Debug)]
pub struct AppliedPlan {
    /// The plans made on the store's estate, the applied option among them.
    pub set: PlanSet,
    pub written: Written,
}

/// Makes the plans for `subject` on the store's estate and writes option
/// `option`'s steps as future-dated plans, in one change recorded by
/// `source` (the face: `plan`, `tui`).
pub fn apply_plan(
    store: &mut Store,
    source: &str,
    book: &PriceBook,
    subject: &Subject,
    params: &Params,
    option: &str,
    now: Time,
) -> Result<AppliedPlan, OpsError> {
    let summary = plan_summary(subject, option);
    let at = stamp(store, now)?;
    let (written, set) = write(store, source, &summary, at, &[], |current| {
        let (estate, set, _) = planner::apply_named(current, book, subject, params, option)?;
        Ok::<_, PlanError>((estate, set))
    })?;
    Ok(AppliedPlan { set, written })
}

/// Recommendation `n` of a report, checked: it exists and changes something.
fn pick(r: &Report, n: usize) -> Result<&Recommendation, OpsError> {
    let Some(x) = r.rows.iter().find(|x| x.n == n) else {
        return Err(OpsError::Refused(format!(
            "no recommendation {n}: there {} {} (numbered from 1)",
            if r.rows.len() == 1 { "is" } else { "are" },
            r.rows.len()
        )));
    };
    if x.applied_changes().is_empty() {
        return Err(OpsError::Refused(format!(
            "recommendation {n} changes nothing ({}): nothing to apply",
            x.action.name()
        )));
    }
    Ok(x)
}

/// Makes the recommendations on the store's estate and writes
/// recommendation `n`'s changes, validated, in one change recorded by
/// `source` as `recommend --apply N`: the change and the report it was
/// picked from.
pub fn apply_recommendation(
    store: &mut Store,
    source: &str,
    book: &PriceBook,
    opts: &Options,
    settings: &Settings,
    n: usize,
    now: Time,
) -> Result<(Written, Report), OpsError> {
    let at = stamp(store, now)?;
    let summary = format!("recommend --apply {n}");
    write(store, source, &summary, at, &[], |current| {
        let r = recommend(current, book, opts, now, settings)?;
        let x = pick(&r, n)?;
        let e = planner::apply_edits(current, x.applied_changes())?;
        crate::domain::validate::validate(&e).map_err(|v| {
            OpsError::Refused(format!(
                "recommendation {n} would leave the estate invalid: {v}"
            ))
        })?;
        Ok::<_, OpsError>((e, r))
    })
}

/// The remedy to apply, picked on the store's estate inside the
/// transaction: its changes, and how to name it when they would leave the
/// estate invalid.
pub struct Picked {
    pub changes: Vec<Edit>,
    /// `the remedy`, `remedy 2 (rescope)`.
    pub name: String,
}

/// Applies a remedy's changes in one change recorded by `source` as
/// `summary`: `pick` chooses them on the store's current estate (a face
/// that showed them passes them back; `fix --apply` evaluates again), they
/// are made and the result checked.
pub fn apply_remedy(
    store: &mut Store,
    source: &str,
    summary: &str,
    now: Time,
    mut pick: impl FnMut(&Estate) -> Result<Picked, OpsError>,
) -> Result<Written, OpsError> {
    let at = stamp(store, now)?;
    let (written, ()) = write(store, source, summary, at, &[], |current| {
        let p = pick(current)?;
        let e = planner::apply_edits(current, &p.changes)?;
        crate::domain::validate::validate(&e).map_err(|v| {
            OpsError::Refused(format!("{} would leave the estate invalid: {v}", p.name))
        })?;
        Ok::<_, OpsError>((e, ()))
    })?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;

    fn now() -> Time {
        parse_time_arg("2026-11-22T09:00:00Z").unwrap()
    }

    /// A store holding the demo estate, written at `at`.
    fn demo_store(dir: &std::path::Path, at: Time) -> Store {
        let mut store = Store::open(&dir.join("ptudesk.db")).unwrap();
        let estate = crate::demo::estate(now());
        store
            .transact::<String>("test", "demo", at, |_| Ok(estate.clone()))
            .unwrap()
            .unwrap();
        store
    }

    #[test]
    fn a_seed_is_one_change_stamped_after_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        let later = now() + chrono::Duration::hours(2);
        let mut store = demo_store(dir.path(), later);
        let mut estate = crate::demo::estate(now());
        let kept = estate.deployments.len() - 1;
        estate.deployments.truncate(kept);
        let before = store.log().unwrap().len();
        seed(&mut store, "scenario", &estate, now()).unwrap();
        let log = store.log().unwrap();
        assert_eq!(log.len(), before + 1, "{log:?}");
        let last = log.last().unwrap();
        assert_eq!(
            (last.source.as_str(), last.summary.as_str()),
            ("scenario", "scenario")
        );
        assert!(last.at >= later, "stamped {} before {later}", last.at);
        assert_eq!(store.load().unwrap().deployments.len(), kept);
    }

    #[test]
    fn a_recommendation_applied_behind_the_latest_change_is_stamped_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let later = now() + chrono::Duration::hours(2);
        let mut store = demo_store(dir.path(), later);
        let book = PriceBook::default_book();
        let settings = Settings::new();
        let report = recommend(
            &store.load().unwrap(),
            &book,
            &Options::default(),
            now(),
            &settings,
        )
        .unwrap();
        let n = report
            .rows
            .iter()
            .find(|x| !x.applied_changes().is_empty())
            .expect("the demo has a recommendation that changes something")
            .n;
        let (written, _) = apply_recommendation(
            &mut store,
            "recommend",
            &book,
            &Options::default(),
            &settings,
            n,
            now(),
        )
        .unwrap();
        let log = store.log().unwrap();
        let last = log.last().unwrap();
        assert_eq!(Some(last.id), written.change);
        assert_eq!(last.summary, format!("recommend --apply {n}"));
        assert_eq!(last.at, later, "not before the store's latest change");
    }

    #[test]
    fn a_sync_notes_what_it_could_not_read_with_its_change_or_writes_neither() {
        let dir = tempfile::tempdir().unwrap();
        let later = now() + chrono::Duration::hours(2);
        let mut store = demo_store(dir.path(), later);
        let part = crate::store::UNREAD_RESERVATIONS;
        let marks = [(part, Some("no permission".to_string()))];
        let refused = apply_sync(&mut store, "sync", "sync a", &marks, now(), |_| {
            Err::<(Estate, ()), _>(InputError {
                file: "az".into(),
                path: None,
                message: "bad answer".into(),
            })
        })
        .unwrap_err();
        assert!(matches!(refused, OpsError::Input(_)), "{refused}");
        assert!(
            store.unread().unwrap().is_empty(),
            "no mark without the change"
        );
        assert_eq!(store.log().unwrap().len(), 1);

        let (written, said) = apply_sync(&mut store, "sync", "sync a", &marks, now(), |cur| {
            let mut e = cur.clone();
            e.deployments.pop();
            Ok::<_, InputError>((e, "dated"))
        })
        .unwrap();
        assert_eq!(said, "dated");
        let log = store.log().unwrap();
        let last = log.last().unwrap();
        assert_eq!(Some(last.id), written.change);
        assert_eq!(
            (last.source.as_str(), last.summary.as_str()),
            ("sync", "sync a")
        );
        assert_eq!(last.at, later, "not before the store's latest change");
        let unread = store.unread().unwrap();
        assert_eq!(unread.len(), 1);
        assert_eq!(
            (unread[0].since, unread[0].why.as_str()),
            (now(), "no permission")
        );
    }

    #[test]
    fn an_unknown_recommendation_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = demo_store(dir.path(), now());
        let err = apply_recommendation(
            &mut store,
            "recommend",
            &PriceBook::default_book(),
            &Options::default(),
            &Settings::new(),
            999,
            now(),
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("no recommendation 999"),
            "{err}"
        );
        assert_eq!(store.log().unwrap().len(), 1);
    }
}

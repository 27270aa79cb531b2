//! The local store: one SQLite file holding an estate and the audit log of
//! every change to it. The only module that touches SQLite.
//!
//! - Schema versions through `rusqlite_migration` (SQLite's `user_version`);
//!   a store written by a newer ptudesk is refused, untouched.
//! - WAL, foreign keys, a busy timeout; writes are `BEGIN IMMEDIATE`
//!   transactions, retried with a "store busy, retrying" note while another
//!   process writes, for up to 30 s ([`busy_budget`]; `PTUDESK_BUSY_TIMEOUT`
//!   sets the seconds), then given up with nothing written.
//! - One table per kind of object (`resources`, `deployments`, ...): the
//!   object's key, its place in the list, and its JSON document (the
//!   snapshot form, so nothing is lost), plus the resource a deployment or
//!   commitment belongs to as a foreign key.
//! - `changes` and `audit`: every change (an import, an edit, an undo) with
//!   its time and source, and each object's document before and after.

use crate::domain::Estate;
use crate::domain::objects::{self, Delta, Kind, Object, Objects};
use crate::domain::time::{Time, fmt_time};
use crate::domain::validate::validate;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {message}")]
    Open { path: String, message: String },
    #[error(
        "store {path} was written by a newer ptudesk (schema version {found}; this one knows up to {known}); it was left untouched"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error(
        "no store at {0}: import something first (`ptudesk import FILE`), or use --scenario FILE or --demo"
    )]
    Missing(String),
    #[error("store {path}: {message}")]
    Sql { path: String, message: String },
    #[error("store {path} holds an object that does not read back: {message}")]
    Corrupt { path: String, message: String },
    #[error(
        "store {0} is busy: another process kept it locked for {1} s; nothing was written (try again, or set PTUDESK_BUSY_TIMEOUT to wait longer)"
    )]
    Busy(String, u64),
    #[error("{0}")]
    Rejected(String),
}

/// The schema migrations, oldest first: schema version N is the first N.
const SCHEMAS: &[&str] = &[
    include_str!("schema_1.sql"),
    include_str!("schema_2.sql"),
    include_str!("schema_3.sql"),
    include_str!("schema_4.sql"),
    include_str!("schema_5.sql"),
    include_str!("schema_6.sql"),
];

fn migrations() -> Migrations<'static> {
    Migrations::new(SCHEMAS.iter().map(|s| M::up(s)).collect())
}

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = SCHEMAS.len() as i64;

/// The default store path: `ptudesk.db` in the platform's data folder.
pub fn default_path() -> Result<PathBuf, StoreError> {
    directories::ProjectDirs::from("", "", "ptudesk")
        .map(|d| d.data_dir().join("ptudesk.db"))
        .ok_or_else(|| StoreError::Open {
            path: "(default)".into(),
            message: "no home folder to put the store in; give --db PATH or set PTUDESK_DB".into(),
        })
}

/// The part of the estate [`Unread`] names when a sync could not read the
/// reservations.
pub const UNREAD_RESERVATIONS: &str = "reservations";

/// A part of the estate the syncs could not read: what the store holds of
/// it may be out of date (or missing) since `since`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// Which part ([`UNREAD_RESERVATIONS`]).
    pub part: String,
    /// The first sync that could not read it.
    pub since: Time,
    /// The latest sync that could not read it.
    pub last: Time,
    /// What that sync was told.
    pub why: String,
}

/// A change recorded in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub at: Time,
    pub source: String,
    pub summary: String,
    /// The change this one undid.
    pub undoes: Option<i64>,
    /// The change that undid this one.
    pub undone_by: Option<i64>,
    /// Objects touched.
    pub objects: i64,
}

/// One object's before and after in a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub change: i64,
    pub at: Time,
    pub kind: Kind,
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The change recorded, or `None` when nothing differed.
    pub change: Option<i64>,
    pub deltas: Vec<Delta>,
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Where "store busy" notes go (stderr for the CLI).
    pub busy_note: fn(&str),
}

fn note_stderr(msg: &str) {
    eprintln!("{}", crate::safe::plain_lines(msg));
}

impl Store {
    /// Opens the store at `path`, creating it (readable by its owner only)
    /// and migrating its schema as needed.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        let open_err = |message: String| StoreError::Open {
            path: name.clone(),
            message,
        };
        if !path.exists() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| open_err(format!("cannot create {}: {e}", dir.display())))?;
            }
            create_private(path).map_err(|e| open_err(format!("cannot create: {e}")))?;
        }
        Self::open_with(path, true)
    }

    /// Opens an existing store; a missing one is an error (reading commands
    /// never create a store).
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.display().to_string()));
        }
        Self::open_with(path, true)
    }

    /// Opens an existing store without writing to it in any way: a store
    /// of an older schema is refused rather than migrated.
    pub fn open_readonly(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.display().to_string()));
        }
        let store = Self::open_with(path, false)?;
        let version = store.schema_version()?;
        if version < SCHEMA_VERSION {
            return Err(StoreError::Open {
                path: path.display().to_string(),
                message: format!(
                    "it has schema version {version} and needs an upgrade to {SCHEMA_VERSION}: open it once without --readonly"
                ),
            });
        }
        Ok(store)
    }

    fn open_with(path: &Path, migrate: bool) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        let open_err = |message: String| StoreError::Open {
            path: name.clone(),
            message,
        };
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| open_err(e.to_string()))?;
        conn.busy_timeout(busy_budget().min(BUSY_WAIT))
            .map_err(|e| open_err(e.to_string()))?;
        // Refuse a newer schema before anything writes to the file.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| open_err(format!("not a ptudesk store (or not SQLite): {e}")))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: name,
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| open_err(e.to_string()))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| open_err(e.to_string()))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| open_err(e.to_string()))?;
        if migrate && version < SCHEMA_VERSION {
            retry_busy(&name, note_stderr, || {
                migrations().to_latest(&mut conn).map_err(|e| e.to_string())
            })
            .map_err(|e| match e {
                RetryError::Busy => StoreError::Busy(name.clone(), busy_budget().as_secs()),
                RetryError::Other(m) => open_err(format!("cannot migrate the schema: {m}")),
            })?;
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            busy_note: note_stderr,
        })
    }

    /// Opens a store at a given older schema version (tests of migration).
    #[doc(hidden)]
    pub fn create_at_version(path: &Path, version: usize) -> Result<(), StoreError> {
        create_private(path).map_err(|e| StoreError::Open {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let mut conn = Connection::open(path).map_err(|e| sql(path, e))?;
        migrations()
            .to_version(&mut conn, version)
            .map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SQLite's change marker for this connection (`PRAGMA data_version`):
    /// it moves when another connection (another process) commits, never
    /// for this connection's own writes.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        sql(&self.path, e)
    }

    /// The store holds something that does not read back.
    fn corrupt(&self, message: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            path: self.path.display().to_string(),
            message: message.to_string(),
        }
    }

    /// The object kind an audit entry names by its table.
    fn logged_kind(&self, table: &str) -> Result<Kind, StoreError> {
        Kind::from_table(table)
            .ok_or_else(|| self.corrupt(format!("unknown object kind {table:?} in the audit log")))
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn read_objects(conn: &Connection, path: &Path) -> Result<Objects, StoreError> {
        let mut out = Objects::new();
        for kind in Kind::ALL {
            let mut stmt = conn
                .prepare_cached(&format!("SELECT key, ord, doc FROM {}", kind.table()))
                .map_err(|e| sql(path, e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(|e| sql(path, e))?;
            for row in rows {
                let (key, ord, doc) = row.map_err(|e| sql(path, e))?;
                out.insert((kind, key), Object { ord, doc });
            }
        }
        Ok(out)
    }

    /// Everything the store holds, as objects: one consistent snapshot, even
    /// while another process writes.
    pub fn objects(&self) -> Result<Objects, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        Self::read_objects(&tx, &self.path)
    }

    /// The estate the store holds, checked as any input is.
    pub fn load(&self) -> Result<Estate, StoreError> {
        let objs = self.objects()?;
        self.checked(objs)
    }

    fn checked(&self, objs: Objects) -> Result<Estate, StoreError> {
        let estate = objects::estate(&objs).map_err(|e| self.corrupt(e))?;
        validate(&estate).map_err(|v| self.corrupt(v))?;
        Ok(estate)
    }

    /// True when the store holds nothing yet.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.objects()?.keys().all(|(k, _)| *k == Kind::Setting))
    }

    /// Runs `edit` on the current estate inside one write transaction: the
    /// result is validated, compared object by object, written, and the
    /// change recorded in the audit log; or, on any error, nothing is
    /// written. No difference, no change.
    pub fn transact<E>(
        &mut self,
        source: &str,
        summary: &str,
        now: Time,
        edit: impl FnMut(&Estate) -> Result<Estate, E>,
    ) -> Result<Result<Written, E>, StoreError> {
        self.transact_noting(source, summary, now, &[], edit)
    }

    /// [`Store::transact`], and in the same transaction (whether or not the
    /// estate changed) what a sync could or could not read: for each part,
    /// `Some(why)` marks it unread (since the first sync that could not
    /// read it), `None` clears the mark (a sync read it).
    pub fn transact_noting<E>(
        &mut self,
        source: &str,
        summary: &str,
        now: Time,
        unread: &[(&str, Option<String>)],
        edit: impl FnMut(&Estate) -> Result<Estate, E>,
    ) -> Result<Result<Written, E>, StoreError> {
        let mut edit = edit;
        let path = self.path.clone();
        let note = self.busy_note;
        let conn = &mut self.conn;
        let name = path.display().to_string();
        retry_busy(&name, note, || -> Result<Result<Written, E>, String> {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| e.to_string())?;
            let old_objs = Self::read_objects(&tx, &path).map_err(|e| e.to_string())?;
            let old = objects::estate(&old_objs).map_err(|e| e.to_string())?;
            let new = match edit(&old) {
                Ok(n) => n,
                Err(e) => return Ok(Err(e)),
            };
            validate(&new)
                .map_err(|v| format!("the change would leave the estate invalid: {v}"))?;
            let new_objs = objects::objects(&new);
            let mut deltas = objects::diff(&old_objs, &new_objs);
            if deltas.iter().all(is_default_setting) {
                // A store's first setting that says what its absence already
                // meant (the currency USD) is not worth a change of its own.
                deltas.clear();
            }
            note_unread(&tx, unread, now).map_err(|e| e.to_string())?;
            if deltas.is_empty() {
                tx.commit().map_err(|e| e.to_string())?;
                return Ok(Ok(Written {
                    change: None,
                    deltas,
                }));
            }
            // New objects go after the ones already stored, in the order given.
            let mut next_ord: std::collections::BTreeMap<Kind, i64> = Default::default();
            for ((k, _), o) in &old_objs {
                let e = next_ord.entry(*k).or_insert(0);
                *e = (*e).max(o.ord + 1);
            }
            for d in deltas.iter_mut() {
                if let (Some(b), Some(a)) = (&d.before, &mut d.after) {
                    a.ord = b.ord;
                }
            }
            let mut fresh: Vec<&mut Delta> =
                deltas.iter_mut().filter(|d| d.before.is_none()).collect();
            fresh.sort_by_key(|d| d.after.as_ref().map_or(0, |a| a.ord));
            for d in fresh {
                let e = next_ord.entry(d.kind).or_insert(0);
                if let Some(a) = &mut d.after {
                    a.ord = *e;
                }
                *e += 1;
            }
            let change = write_change(&tx, source, summary, now, None, &deltas)
                .map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())?;
            Ok(Ok(Written {
                change: Some(change),
                deltas,
            }))
        })
        .map_err(|e| match e {
            RetryError::Busy => StoreError::Busy(name.clone(), busy_budget().as_secs()),
            RetryError::Other(m) => StoreError::Rejected(m),
        })
    }

    /// The stamp a change written now would get in the audit log: `now`,
    /// but never before the store's latest change.
    pub fn stamp(&self, now: Time) -> Result<Time, StoreError> {
        stamp_after_latest(&self.conn, now).map_err(|e| self.err(e))
    }

    /// The audit log, oldest first.
    pub fn log(&self) -> Result<Vec<Change>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT c.id, c.at, c.source, c.summary, c.undoes, c.undone_by, \
                 (SELECT count(*) FROM audit a WHERE a.change = c.id) FROM changes c ORDER BY c.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, at, source, summary, undoes, undone_by, objects) =
                row.map_err(|e| self.err(e))?;
            out.push(Change {
                id,
                at: parse_stored_time(&self.path, &at)?,
                source,
                summary,
                undoes,
                undone_by,
                objects,
            });
        }
        Ok(out)
    }

    /// The before/after entries of the changes after `since` (all when None), oldest first.
    pub fn audit(&self, since: Option<Time>) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.change, c.at, a.kind, a.key, a.before, a.after FROM audit a \
                 JOIN changes c ON c.id = a.change ORDER BY a.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (change, at, kind, key, before, after) = row.map_err(|e| self.err(e))?;
            let at = parse_stored_time(&self.path, &at)?;
            if since.is_some_and(|s| at <= s) {
                continue;
            }
            let kind = self.logged_kind(&kind)?;
            out.push(AuditEntry {
                change,
                at,
                kind,
                key,
                before,
                after,
            });
        }
        Ok(out)
    }

    /// The estate as the store knew it at `at`: today's objects with every
    /// change recorded after `at` reverted.
    pub fn estate_at(&self, at: Time) -> Result<Estate, StoreError> {
        let objs = self.objects_at(at)?;
        self.checked(objs)
    }

    /// The objects as the store knew them at `at`.
    pub fn objects_at(&self, at: Time) -> Result<Objects, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let mut objs = Self::read_objects(&tx, &self.path)?;
        // Change times are compared as instants, not as text: a stamp's
        // fraction of a second has as many digits as it needs.
        let mut stmt = tx
            .prepare(
                "SELECT c.at, a.kind, a.key, a.before, a.before_ord FROM audit a JOIN changes c ON c.id = a.change \
                 ORDER BY a.id DESC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (changed, kind, key, before, ord) = row.map_err(|e| self.err(e))?;
            if parse_stored_time(&self.path, &changed)? <= at {
                continue;
            }
            let kind = self.logged_kind(&kind)?;
            match before {
                Some(doc) => {
                    objs.insert(
                        (kind, key),
                        Object {
                            ord: ord.unwrap_or(0),
                            doc,
                        },
                    );
                }
                None => {
                    objs.remove(&(kind, key));
                }
            }
        }
        Ok(objs)
    }

    /// Reverts the most recent change that is neither an undo nor undone
    /// already, as a new change. Returns (the change undone, the undo), or
    /// None when there is nothing to undo.
    pub fn undo(&mut self, now: Time) -> Result<Option<(Change, i64)>, StoreError> {
        let path = self.path.clone();
        let name = path.display().to_string();
        let note = self.busy_note;
        let conn = &mut self.conn;
        let result = retry_busy(&name, note, || -> Result<Option<(Change, i64)>, String> {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| e.to_string())?;
            let target: Option<(i64, String, String, String)> = tx
                .query_row(
                    "SELECT id, at, source, summary FROM changes WHERE undoes IS NULL AND undone_by IS NULL \
                     ORDER BY id DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(|e| e.to_string())?;
            let Some((id, at, source, summary)) = target else {
                return Ok(None);
            };
            let current = Self::read_objects(&tx, &path).map_err(|e| e.to_string())?;
            let mut stmt = tx
                .prepare("SELECT kind, key, before, before_ord FROM audit WHERE change = ?1 ORDER BY id DESC")
                .map_err(|e| e.to_string())?;
            // (kind, key, before, before's place)
            type Entry = (String, String, Option<String>, Option<i64>);
            let entries: Vec<Entry> = stmt
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(|e| e.to_string())?
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            drop(stmt);
            let mut deltas = Vec::new();
            for (kind, key, before, before_ord) in entries {
                let kind = Kind::from_table(&kind).ok_or("unknown object kind in the audit log")?;
                let now_obj = current.get(&(kind, key.clone())).cloned();
                let restored = before.map(|doc| Object {
                    ord: before_ord.unwrap_or(0),
                    doc,
                });
                deltas.push(Delta {
                    kind,
                    key,
                    before: now_obj,
                    after: restored,
                });
            }
            // The estate after the undo must still be valid (a later change may depend on this one).
            let mut objs = current.clone();
            for d in &deltas {
                match &d.after {
                    Some(o) => {
                        objs.insert((d.kind, d.key.clone()), o.clone());
                    }
                    None => {
                        objs.remove(&(d.kind, d.key.clone()));
                    }
                }
            }
            let estate = objects::estate(&objs).map_err(|e| e.to_string())?;
            validate(&estate)
                .map_err(|v| format!("undoing change #{id} would leave the estate invalid: {v}"))?;
            let undo_summary = format!("undo #{id}: {summary}");
            let undo_id = write_change(&tx, "undo", &undo_summary, now, Some(id), &deltas)
                .map_err(|e| e.to_string())?;
            tx.execute(
                "UPDATE changes SET undone_by = ?1 WHERE id = ?2",
                params![undo_id, id],
            )
            .map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())?;
            let change = Change {
                id,
                at: crate::domain::time::parse_time_arg(&at).map_err(|e| e.to_string())?,
                source,
                summary,
                undoes: None,
                undone_by: Some(undo_id),
                objects: deltas.len() as i64,
            };
            Ok(Some((change, undo_id)))
        });
        result.map_err(|e| match e {
            RetryError::Busy => StoreError::Busy(name.clone(), busy_budget().as_secs()),
            RetryError::Other(m) => StoreError::Rejected(m),
        })
    }

    /// The parts of the estate the syncs could not read, by part.
    pub fn unread(&self) -> Result<Vec<Unread>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT part, since, last, why FROM unread ORDER BY part")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (part, since, last, why) = row.map_err(|e| self.err(e))?;
            out.push(Unread {
                part,
                since: parse_stored_time(&self.path, &since)?,
                last: parse_stored_time(&self.path, &last)?,
                why,
            });
        }
        Ok(out)
    }

    /// Since when the estate's reservations are unknown (a sync could not
    /// read them), if they are.
    pub fn reservations_unread(&self) -> Result<Option<Unread>, StoreError> {
        Ok(self
            .unread()?
            .into_iter()
            .find(|u| u.part == UNREAD_RESERVATIONS))
    }

    /// The acknowledgements (silenced notifications).
    pub fn acks(&self) -> Result<Vec<crate::domain::notice::Ack>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, at, until, note, cost, severity, level FROM acks ORDER BY at, id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, at, until, note, cost, severity, level) = row.map_err(|e| self.err(e))?;
            let cost = crate::domain::money::parse_money(&cost).map_err(|m| self.corrupt(m))?;
            // Acks from schema 2 carry no level: their cost stands in.
            let level = match level {
                Some(l) => crate::domain::money::parse_money(&l).map_err(|m| self.corrupt(m))?,
                None => cost,
            };
            out.push(crate::domain::notice::Ack {
                id,
                at: parse_stored_time(&self.path, &at)?,
                until: until
                    .map(|u| parse_stored_time(&self.path, &u))
                    .transpose()?,
                note,
                cost,
                level,
                severity: crate::domain::notice::Severity::from_name(&severity)
                    .ok_or_else(|| self.corrupt(format!("unknown severity {severity:?}")))?,
            });
        }
        Ok(out)
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`: the write lock
    /// is taken first, so a busy store is waited for as [`busy_budget`]
    /// says, never failed half-way), committing what it did.
    fn write<T>(
        &mut self,
        mut f: impl FnMut(&rusqlite::Transaction) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let name = self.path.display().to_string();
        let note = self.busy_note;
        let conn = &mut self.conn;
        retry_busy(&name, note, || -> Result<T, String> {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| e.to_string())?;
            let v = f(&tx).map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())?;
            Ok(v)
        })
        .map_err(|e| match e {
            RetryError::Busy => StoreError::Busy(name.clone(), busy_budget().as_secs()),
            RetryError::Other(message) => StoreError::Sql {
                path: name.clone(),
                message,
            },
        })
    }

    /// Records (or replaces) an acknowledgement.
    pub fn put_ack(&mut self, a: &crate::domain::notice::Ack) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO acks(id, at, until, note, cost, severity, level) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT(id) DO UPDATE SET at = excluded.at, until = excluded.until, note = excluded.note, \
                 cost = excluded.cost, severity = excluded.severity, level = excluded.level",
                params![a.id, fmt_time(a.at), a.until.map(fmt_time), a.note, a.cost.to_string(), a.severity.name(), a.level.to_string()],
            )
            .map(|_| ())
        })
    }

    /// Removes an acknowledgement; false when there was none.
    pub fn remove_ack(&mut self, id: &str) -> Result<bool, StoreError> {
        self.write(|tx| tx.execute("DELETE FROM acks WHERE id = ?1", [id]))
            .map(|n| n > 0)
    }

    /// The notification ids already sent (or being sent) to `target`.
    pub fn sent(&self, target: &str) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM sent WHERE target = ?1")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([target], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Claims these notifications for sending to `target`, under the write
    /// lock: returns the ones no other run has sent or claimed, now marked
    /// as sent. Post them, then keep the claim, or [`Store::release_sent`]
    /// it when the post surely did not arrive: each notification goes to
    /// each target at most once, even with runs that overlap.
    pub fn claim_sent(
        &mut self,
        ids: &[String],
        target: &str,
        at: Time,
    ) -> Result<Vec<String>, StoreError> {
        self.write(|tx| {
            let mut claimed = Vec::new();
            for id in ids {
                let n = tx.execute(
                    "INSERT OR IGNORE INTO sent(id, target, at) VALUES (?1, ?2, ?3)",
                    params![id, target, fmt_time(at)],
                )?;
                if n == 1 {
                    claimed.push(id.clone());
                }
            }
            Ok(claimed)
        })
    }

    /// Gives back a claim: these notifications were not delivered to
    /// `target`, and the next run sends them.
    pub fn release_sent(&mut self, ids: &[String], target: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            for id in ids {
                tx.execute(
                    "DELETE FROM sent WHERE id = ?1 AND target = ?2",
                    params![id, target],
                )?;
            }
            Ok(())
        })
    }

    /// The latest digest sent to `target` for a period of this kind
    /// (`kind:` prefix, e.g. "daily:") before `period`: its period and the
    /// items it reported (JSON, as [`Store::claim_digest`] took them).
    pub fn last_digest(
        &self,
        target: &str,
        kind: &str,
        period: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        self.conn
            .query_row(
                "SELECT period, items FROM digests WHERE target = ?1 AND period LIKE ?2 || '%' \
                 AND period < ?3 ORDER BY period DESC LIMIT 1",
                params![target, kind, period],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Claims the digest of `period` for `target` under the write lock,
    /// recording the items it reports: false when another run has sent or
    /// claimed it. Send it, then keep the claim, or
    /// [`Store::release_digest`] it when it surely did not arrive: one
    /// digest a channel and period, even with runs that overlap.
    pub fn claim_digest(
        &mut self,
        target: &str,
        period: &str,
        items: &str,
        at: Time,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO digests(target, period, at, items) VALUES (?1, ?2, ?3, ?4)",
                params![target, period, fmt_time(at), items],
            )
            .map(|n| n == 1)
        })
    }

    /// Gives back a digest's claim: it was not delivered, and the next run
    /// in the period sends it.
    pub fn release_digest(&mut self, target: &str, period: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM digests WHERE target = ?1 AND period = ?2",
                params![target, period],
            )
            .map(|_| ())
        })
    }
}

fn sql(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Sql {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn parse_stored_time(path: &Path, s: &str) -> Result<Time, StoreError> {
    crate::domain::time::parse_time_arg(s).map_err(|m| StoreError::Corrupt {
        path: path.display().to_string(),
        message: m.to_string(),
    })
}

/// Creates an empty file readable and writable by its owner only.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map(|_| ())
}

/// Marks parts unread (`Some(why)`: the first mark's instant stays its
/// `since`) or read again (`None`: the mark goes).
fn note_unread(
    tx: &rusqlite::Transaction,
    unread: &[(&str, Option<String>)],
    now: Time,
) -> rusqlite::Result<()> {
    for (part, why) in unread {
        match why {
            Some(why) => tx.execute(
                "INSERT INTO unread(part, since, last, why) VALUES (?1, ?2, ?2, ?3) \
                 ON CONFLICT(part) DO UPDATE SET last = excluded.last, why = excluded.why",
                params![part, fmt_time(now), why],
            )?,
            None => tx.execute("DELETE FROM unread WHERE part = ?1", [part])?,
        };
    }
    Ok(())
}

/// The stamp a change written at `now` gets: `now`, but never before the
/// latest change in the log, so the audit log stays in time order when a
/// writer's clock is behind the store's (`--now` in the past, a pinned
/// clock, another machine's writes) and `export --at` never replays a
/// change before one it builds on.
fn stamp_after_latest(conn: &Connection, now: Time) -> rusqlite::Result<Time> {
    let latest: Option<String> = conn
        .query_row("SELECT at FROM changes ORDER BY id DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    let latest = latest.and_then(|s| crate::domain::time::parse_time_arg(&s).ok());
    Ok(latest.map_or(now, |l| l.max(now)))
}

/// Writes one change: its row, the objects, and their audit entries. Every
/// write of the audit log goes through here, stamped by
/// [`stamp_after_latest`].
fn write_change(
    tx: &rusqlite::Transaction,
    source: &str,
    summary: &str,
    now: Time,
    undoes: Option<i64>,
    deltas: &[Delta],
) -> rusqlite::Result<i64> {
    let at = stamp_after_latest(tx, now)?;
    tx.execute(
        "INSERT INTO changes(at, source, summary, undoes) VALUES (?1, ?2, ?3, ?4)",
        params![fmt_time(at), source, summary, undoes],
    )?;
    let change = tx.last_insert_rowid();
    // Removals first, children before parents; then writes, parents first.
    let mut ordered: Vec<&Delta> = deltas.iter().filter(|d| d.after.is_none()).collect();
    ordered.sort_by_key(|d| std::cmp::Reverse(d.kind));
    let mut writes: Vec<&Delta> = deltas.iter().filter(|d| d.after.is_some()).collect();
    writes.sort_by_key(|d| d.kind);
    ordered.extend(writes);
    for d in ordered {
        let table = d.kind.table();
        match &d.after {
            None => {
                tx.execute(&format!("DELETE FROM {table} WHERE key = ?1"), [&d.key])?;
            }
            Some(o) => {
                if d.kind.refers_to_resource() {
                    let resource: String = serde_json::from_str::<serde_json::Value>(&o.doc)
                        .ok()
                        .and_then(|v| v["resource"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    tx.execute(
                        &format!(
                            "INSERT INTO {table}(key, ord, doc, resource) VALUES (?1, ?2, ?3, ?4) \
                             ON CONFLICT(key) DO UPDATE SET ord = excluded.ord, doc = excluded.doc, resource = excluded.resource"
                        ),
                        params![d.key, o.ord, o.doc, resource],
                    )?;
                } else {
                    tx.execute(
                        &format!(
                            "INSERT INTO {table}(key, ord, doc) VALUES (?1, ?2, ?3) \
                             ON CONFLICT(key) DO UPDATE SET ord = excluded.ord, doc = excluded.doc"
                        ),
                        params![d.key, o.ord, o.doc],
                    )?;
                }
            }
        }
        tx.execute(
            "INSERT INTO audit(change, kind, key, before, before_ord, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                change,
                table,
                d.key,
                d.before.as_ref().map(|b| &b.doc),
                d.before.as_ref().map(|b| b.ord),
                d.after.as_ref().map(|a| &a.doc)
            ],
        )?;
    }
    Ok(change)
}

/// True for a setting written for the first time with the value its
/// absence reads as.
fn is_default_setting(d: &Delta) -> bool {
    if d.kind != Kind::Setting || d.before.is_some() {
        return false;
    }
    let defaults = objects::objects(
        &objects::estate(&Objects::new()).expect("an empty store reads as an estate"),
    );
    match (&d.after, defaults.get(&(d.kind, d.key.clone()))) {
        (Some(a), Some(def)) => a.doc == def.doc,
        _ => false,
    }
}

enum RetryError {
    Busy,
    Other(String),
}

/// How long one attempt waits inside SQLite for another process's lock.
const BUSY_WAIT: Duration = Duration::from_secs(2);

/// How long a write waits, in all, for a store another process keeps
/// locked: `PTUDESK_BUSY_TIMEOUT` seconds, else 30.
pub fn busy_budget() -> Duration {
    std::env::var("PTUDESK_BUSY_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(30), Duration::from_secs)
}

fn is_busy(msg: &str) -> bool {
    msg.contains("database is locked")
        || msg.contains("database is busy")
        || msg.contains("SQLITE_BUSY")
}

/// Runs `f`, retrying while the store is locked by another process.
fn retry_busy<T>(
    name: &str,
    note: fn(&str),
    mut f: impl FnMut() -> Result<T, String>,
) -> Result<T, RetryError> {
    let started = std::time::Instant::now();
    let budget = busy_budget();
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(m) if is_busy(&m) => {
                if started.elapsed() >= budget {
                    return Err(RetryError::Busy);
                }
                note(&format!("store busy, retrying ({name})"));
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(m) => return Err(RetryError::Other(m)),
        }
    }
}

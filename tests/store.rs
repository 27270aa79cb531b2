//! The store on a temporary file: transactions, the audit log, undo, time
//! travel, schema versions.

use ptudesk::domain::Estate;
use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::store::{SCHEMA_VERSION, Store, StoreError};
use std::convert::Infallible;

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

fn demo() -> Estate {
    ptudesk::demo::estate(t("2026-11-22"))
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("sub/ptudesk.db")).unwrap();
    (dir, store)
}

fn put(store: &mut Store, e: &Estate, at: &str) -> Option<i64> {
    let e = e.clone();
    store
        .transact::<Infallible>("test", "put", t(at), move |_| Ok(e.clone()))
        .unwrap()
        .unwrap()
        .change
}

#[test]
fn a_new_store_is_private_empty_and_current() {
    let (dir, store) = fresh();
    assert!(store.is_empty().unwrap());
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("sub/ptudesk.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "created readable by its owner only");
    }
    assert!(store.log().unwrap().is_empty());
}

#[test]
fn an_estate_round_trips_and_the_same_write_changes_nothing() {
    let (_d, mut store) = fresh();
    let e = demo();
    let id = put(&mut store, &e, "2026-11-22T10:00:00Z");
    assert_eq!(id, Some(1));
    assert_eq!(store.load().unwrap(), e);
    assert_eq!(
        put(&mut store, &e, "2026-11-22T11:00:00Z"),
        None,
        "no difference, no change"
    );
    assert_eq!(store.log().unwrap().len(), 1);
}

#[test]
fn a_rejected_edit_writes_nothing() {
    let (_d, mut store) = fresh();
    put(&mut store, &demo(), "2026-11-22T10:00:00Z");
    let before = store.objects().unwrap();
    // The edit's own error.
    let r = store
        .transact("test", "bad", t("2026-11-22T11:00:00Z"), |_| {
            Err::<Estate, _>("no")
        })
        .unwrap();
    assert_eq!(r.unwrap_err(), "no");
    // An edit that would leave the estate invalid.
    let err = store
        .transact::<Infallible>("test", "invalid", t("2026-11-22T11:00:00Z"), |cur| {
            let mut e = cur.clone();
            e.deployments[0].resource = "nowhere".into();
            Ok(e)
        })
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Rejected(ref m) if m.contains("expected the id of a resource")),
        "{err}"
    );
    assert_eq!(store.objects().unwrap(), before);
    assert_eq!(store.log().unwrap().len(), 1);
}

#[test]
fn the_audit_log_undo_and_the_estate_at_a_time() {
    let (_d, mut store) = fresh();
    let v1 = demo();
    put(&mut store, &v1, "2026-11-20T10:00:00Z");
    let mut v2 = v1.clone();
    v2.deployments[0].sizes.push(ptudesk::domain::Size {
        at: t("2026-11-21T09:00:00Z"),
        ptu: 250,
        approximate: false,
    });
    v2.resources.push(ptudesk::domain::Resource {
        id: "aoai-new".into(),
        subscription: "sub-prod".into(),
        resource_group: "rg-new".into(),
        region: "eastus2".into(),
        deleted: None,
        purged: None,
        deleted_approximate: false,
        purged_approximate: false,
    });
    put(&mut store, &v2, "2026-11-21T10:00:00Z");
    let log = store.log().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].objects, 2);

    // As the store knew it at a time.
    assert_eq!(store.estate_at(t("2026-11-20T12:00:00Z")).unwrap(), v1);
    assert_eq!(store.estate_at(t("2026-11-21T12:00:00Z")).unwrap(), v2);
    assert!(
        store
            .estate_at(t("2026-11-19T00:00:00Z"))
            .unwrap()
            .deployments
            .is_empty()
    );

    // Undo the last change; then the one before; then nothing.
    let (undone, undo_id) = store.undo(t("2026-11-22T10:00:00Z")).unwrap().unwrap();
    assert_eq!((undone.id, undo_id), (2, 3));
    assert_eq!(store.load().unwrap(), v1);
    let (undone, _) = store.undo(t("2026-11-22T10:05:00Z")).unwrap().unwrap();
    assert_eq!(undone.id, 1);
    assert!(store.is_empty().unwrap());
    assert!(store.undo(t("2026-11-22T10:10:00Z")).unwrap().is_none());
    let log = store.log().unwrap();
    assert_eq!(log.iter().filter(|c| c.undone_by.is_some()).count(), 2);
    assert_eq!(log.iter().filter(|c| c.undoes.is_some()).count(), 2);
    // The estate in the middle of all that is still reachable.
    assert_eq!(store.estate_at(t("2026-11-21T12:00:00Z")).unwrap(), v2);
}

#[test]
fn undo_takes_changes_back_newest_first_and_a_redo_is_a_new_change() {
    let (_d, mut store) = fresh();
    let v1 = demo();
    put(&mut store, &v1, "2026-11-20T10:00:00Z");
    let mut v2 = v1.clone();
    v2.resources.push(ptudesk::domain::Resource {
        id: "aoai-new".into(),
        subscription: "sub-prod".into(),
        resource_group: "rg-new".into(),
        region: "eastus2".into(),
        deleted: None,
        purged: None,
        deleted_approximate: false,
        purged_approximate: false,
    });
    put(&mut store, &v2, "2026-11-21T10:00:00Z");
    let mut v3 = v2.clone();
    let mut d = v3.deployments[0].clone();
    d.id = "on-new".into();
    d.resource = "aoai-new".into();
    v3.deployments.push(d);
    put(&mut store, &v3, "2026-11-21T11:00:00Z");
    store.undo(t("2026-11-22T00:00:00Z")).unwrap().unwrap();
    assert_eq!(store.load().unwrap(), v2);
    // Doing it again is a new change; undo takes that one back first.
    assert_eq!(put(&mut store, &v3, "2026-11-22T01:00:00Z"), Some(5));
    let (undone, _) = store.undo(t("2026-11-22T02:00:00Z")).unwrap().unwrap();
    assert_eq!(undone.id, 5);
    let (undone, _) = store.undo(t("2026-11-22T03:00:00Z")).unwrap().unwrap();
    assert_eq!(undone.id, 2, "undos and undone changes are passed over");
    assert_eq!(store.load().unwrap(), v1);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn an_older_schema_migrates_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    Store::create_at_version(&path, 1).unwrap();
    {
        // Write through the version-1 tables directly.
        let conn = rusqlite::Connection::open(&path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        conn.execute(
            "INSERT INTO resources(key, ord, doc) VALUES ('r1', 0, '{\"id\":\"r1\",\"subscription\":\"s\",\"resource_group\":\"g\",\"region\":\"eastus2\"}')",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.load().unwrap().resources[0].id, "r1");
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn read_only_never_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    Store::create_at_version(&path, 1).unwrap();
    let err = Store::open_readonly(&path).err().expect("refused");
    assert!(err.to_string().contains("needs an upgrade"), "{err}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 1, "left at its version");
    drop(conn);
    Store::open(&path).unwrap();
    assert_eq!(
        Store::open_readonly(&path)
            .unwrap()
            .schema_version()
            .unwrap(),
        SCHEMA_VERSION
    );
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    Store::create_at_version(&path, 1).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(
        err.to_string().contains("written by a newer ptudesk"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file is untouched"
    );
    assert!(!dir.path().join("new.db-wal").exists());
}

#[test]
fn a_file_that_is_not_a_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(100)).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(err.to_string().contains("not a ptudesk store"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_missing_store_is_not_created_by_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.db");
    let err = Store::open_existing(&path).err().expect("missing");
    assert!(err.to_string().contains("no store at"), "{err}");
    assert!(!path.exists());
}

#[test]
fn a_first_default_currency_alone_is_not_a_change() {
    let (_d, mut store) = fresh();
    // An empty estate in USD is what an empty store already reads as.
    assert_eq!(
        put(&mut store, &Estate::empty(), "2026-11-22T10:00:00Z"),
        None
    );
    assert!(store.log().unwrap().is_empty());
    assert!(store.is_empty().unwrap());
    // Another currency is a setting worth recording.
    let mut eur = Estate::empty();
    eur.currency = "EUR".into();
    assert_eq!(put(&mut store, &eur, "2026-11-22T11:00:00Z"), Some(1));
    assert_eq!(store.load().unwrap().currency, "EUR");
    // With other objects, the first USD setting is written beside them.
    let (_d, mut store) = fresh();
    assert_eq!(put(&mut store, &demo(), "2026-11-22T10:00:00Z"), Some(1));
    assert!(
        store
            .audit(None)
            .unwrap()
            .iter()
            .any(|a| a.key == "currency"),
        "the currency is stored with the estate"
    );
}

#[test]
fn unread_parts_are_marked_with_the_write_kept_since_their_first_sync_and_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    // A store of schema 3 (before the mark) gains it on opening.
    Store::create_at_version(&path, 3).unwrap();
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.reservations_unread().unwrap(), None);
    let e = demo();
    let why = |w: &str| Some(w.to_string());
    let part = ptudesk::store::UNREAD_RESERVATIONS;

    // Marked with a change...
    let w = store
        .transact_noting::<Infallible>(
            "sync",
            "first",
            t("2026-11-01T00:00:00Z"),
            &[(part, why("denied"))],
            |_| Ok(e.clone()),
        )
        .unwrap()
        .unwrap();
    assert!(w.change.is_some());
    // ...and again without one: `since` stays at the first.
    let w = store
        .transact_noting::<Infallible>(
            "sync",
            "second",
            t("2026-11-02T00:00:00Z"),
            &[(part, why("timed out"))],
            |_| Ok(e.clone()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(w.change, None);
    let u = store.reservations_unread().unwrap().unwrap();
    assert_eq!(
        (u.since, u.last, u.why.as_str()),
        (
            t("2026-11-01T00:00:00Z"),
            t("2026-11-02T00:00:00Z"),
            "timed out"
        )
    );

    // A failed edit leaves the mark as it was.
    let r = store
        .transact_noting(
            "sync",
            "third",
            t("2026-11-03T00:00:00Z"),
            &[(part, None)],
            |_| Err("bad input"),
        )
        .unwrap();
    assert_eq!(r, Err("bad input"));
    assert!(store.reservations_unread().unwrap().is_some());

    // Read again: cleared.
    store
        .transact_noting::<Infallible>(
            "sync",
            "fourth",
            t("2026-11-04T00:00:00Z"),
            &[(part, None)],
            |_| Ok(e.clone()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(store.reservations_unread().unwrap(), None);
    assert_eq!(store.unread().unwrap(), vec![]);
}

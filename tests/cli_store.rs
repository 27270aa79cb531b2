//! The store through the command line, as a user runs it: import, export,
//! log, undo, diff; bad input leaves the store exactly as it was; a killed
//! import is all or nothing; two processes share a store.

use rand::{RngExt, SeedableRng};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_ptudesk")
}

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(exe())
        .args(args)
        .env("PTUDESK_DB", db)
        .output()
        .expect("runs")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let o = run(db, args);
    assert!(
        o.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn export(db: &Path) -> String {
    ok(db, &["export"])
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    (dir, db)
}

fn demo_file(dir: &Path) -> String {
    let o = Command::new(exe())
        .args(["export", "--demo", "--now", "2026-11-22T09:00:00Z"])
        .output()
        .unwrap();
    assert!(o.status.success());
    write(dir, "demo.json", std::str::from_utf8(&o.stdout).unwrap())
}

#[test]
fn import_then_export_round_trips_and_reimport_changes_nothing() {
    let (dir, db) = setup();
    let demo = demo_file(dir.path());
    let out = ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00Z"]);
    assert!(out.contains("(change #1)"), "{out}");
    assert!(
        out.contains("deployments        added 12, changed 0, unchanged 0"),
        "{out}"
    );
    assert_eq!(
        export(&db),
        std::fs::read_to_string(&demo).unwrap(),
        "import(export(x)) == x"
    );
    let again = ok(&db, &["import", &demo, "--now", "2026-11-22T11:00:00Z"]);
    assert!(again.starts_with("Nothing changed"), "{again}");
    assert!(
        again.contains("deployments        added 0, changed 0, unchanged 12"),
        "{again}"
    );
    let log = ok(&db, &["log"]);
    assert_eq!(log.lines().count(), 1, "{log}");

    // A generated estate too.
    let g = Command::new(exe())
        .args(["generate", "--scale", "300", "--seed", "5"])
        .output()
        .unwrap();
    let (dir2, db2) = setup();
    let gen_file = write(
        dir2.path(),
        "g.json",
        std::str::from_utf8(&g.stdout).unwrap(),
    );
    ok(&db2, &["import", &gen_file]);
    assert_eq!(export(&db2), std::str::from_utf8(&g.stdout).unwrap());
}

#[test]
fn the_store_feeds_forecast_and_lives_in_the_platform_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_file(dir.path());
    let home = dir.path().join("data");
    let o = Command::new(exe())
        .args(["import", &demo])
        .env_remove("PTUDESK_DB")
        .env("XDG_DATA_HOME", &home)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let db = home.join("ptudesk").join("ptudesk.db");
    assert!(
        db.exists(),
        "the default store is ptudesk/ptudesk.db in the data folder"
    );
    let from_store = ok(
        &db,
        &[
            "forecast",
            "--from",
            "2026-11-01",
            "--to",
            "2026-12-01",
            "--format",
            "json",
        ],
    );
    let from_file = ok(
        &db,
        &[
            "forecast",
            "--scenario",
            &demo,
            "--from",
            "2026-11-01",
            "--to",
            "2026-12-01",
            "--format",
            "json",
        ],
    );
    assert_eq!(from_store, from_file);
    let v: Value = serde_json::from_str(&from_store).unwrap();
    assert!(!v["windows"].as_array().unwrap().is_empty());
}

/// Bad input of every kind: exit 1, one message naming the file, and the store exactly as it was.
#[test]
fn bad_imports_leave_the_store_exactly_as_it_was() {
    let (dir, db) = setup();
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00Z"]);
    let before = export(&db);
    let log_before = ok(&db, &["log"]);
    let text = std::fs::read_to_string(&demo).unwrap();
    let d = dir.path();
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            write(d, "notjson.json", "{ this is not json"),
            vec!["notjson.json", "not valid JSON"],
        ),
        (
            write(d, "truncated.json", &text[..text.len() / 3]),
            vec!["truncated.json", "ends early"],
        ),
        (write(d, "array.json", "[1, 2, 3]"), vec!["array.json"]),
        (
            write(
                d,
                "other.json",
                "{\"name\": \"my-app\", \"version\": \"1.0.0\", \"dependencies\": {}}",
            ),
            vec!["other.json"],
        ),
        (
            write(
                d,
                "unknown.json",
                &text.replacen("\"model\":", "\"colour\": \"red\", \"model\":", 1),
            ),
            vec!["unknown.json", "unknown field `colour`"],
        ),
        (
            write(
                d,
                "wrongtype.json",
                &text.replacen("\"ptu\": 200", "\"ptu\": \"lots\"", 1),
            ),
            vec!["wrongtype.json", "$.", "expected i64"],
        ),
        (
            write(
                d,
                "steps.json",
                &text.replacen(
                    "\"ptu\": 300,\n      \"additions\"",
                    "\"ptu\": 310,\n      \"additions\"",
                    1,
                ),
            ),
            vec!["steps.json", "multiple of 50"],
        ),
        (
            write(
                d,
                "negative.json",
                &text.replacen("\"ptu\": 200", "\"ptu\": -200", 1),
            ),
            vec!["negative.json", "positive number of PTU"],
        ),
        (
            write(
                d,
                "dangling.json",
                &text.replacen(
                    "\"resource\": \"aoai-eastus-legacy\"",
                    "\"resource\": \"aoai-nowhere\"",
                    1,
                ),
            ),
            vec!["dangling.json", "expected the id of a resource"],
        ),
        (
            write(
                d,
                "dup.json",
                &text.replacen(
                    "\"id\": \"aoai-eastus2-prod\"",
                    "\"id\": \"aoai-eastus-legacy\"",
                    1,
                ),
            ),
            vec!["dup.json", "unique resource ids"],
        ),
        (
            write(
                d,
                "deps.json",
                r#"[{"id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/ghost/deployments/d1", "name": "d1", "type": "Microsoft.CognitiveServices/accounts/deployments", "sku": {"name": "ProvisionedManaged", "capacity": 100}, "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"}}}]"#,
            ),
            vec!["deps.json", "neither in this import nor in the store"],
        ),
    ];
    for (file, expected) in &cases {
        let o = run(&db, &["import", file, "--now", "2026-11-23T10:00:00Z"]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{file}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.trim().lines().count(), 1, "one message: {err}");
        for e in expected {
            assert!(err.contains(e), "{file}: {err}\n  should say: {e}");
        }
        assert_eq!(export(&db), before, "{file} left the store changed");
    }
    // A good file beside a bad one: nothing of either is stored.
    let good = write(
        d,
        "good.json",
        &text.replacen("\"ptu\": 200", "\"ptu\": 250", 1),
    );
    let o = run(&db, &["import", &good, &cases[0].0]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(export(&db), before);
    // A file too large to be sane.
    let huge = d.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(ptudesk::ingest::MAX_INPUT_BYTES + 1)
        .unwrap();
    let o = run(&db, &["import", huge.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected at most 256 MiB"));
    assert_eq!(export(&db), before);
    assert_eq!(ok(&db, &["log"]), log_before);
}

#[test]
fn log_diff_undo_and_export_at_tell_the_story_of_changes() {
    let (dir, db) = setup();
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00Z"]);
    let v1 = export(&db);
    // A later snapshot: a deployment resized, a commitment's renewal flipped,
    // a reservation's scope changed, PTUs added to a commitment.
    let mut e: Value = serde_json::from_str(&v1).unwrap();
    let dep = e["deployments"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|d| d["id"] == "chat-gpt4o")
        .unwrap();
    dep["sizes"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"at": "2026-11-22T12:00:00Z", "ptu": 350}));
    let cp = e["commitments"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == "cp-eastus2-prod")
        .unwrap();
    cp["additions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"at": "2026-11-22T12:00:00Z", "ptu": 50}));
    let cp = e["commitments"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == "cp-eastus-legacy")
        .unwrap();
    cp["renewal_changes"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"at": "2026-11-22T12:00:00Z", "renewal": {"mode": "autorenew"}}));
    let r = e["reservations"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["id"] == "res-swc-global")
        .unwrap();
    r["scope_changes"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"at": "2026-11-22T12:00:00Z", "scope": {"type": "shared", "billing_account": "ba-contoso"}}));
    let f2 = write(
        dir.path(),
        "v2.json",
        &serde_json::to_string_pretty(&e).unwrap(),
    );
    let out = ok(&db, &["import", &f2, "--now", "2026-11-22T13:00:00Z"]);
    assert!(
        out.contains("deployments        added 0, changed 1, unchanged 11"),
        "{out}"
    );

    let diff = ok(&db, &["diff", "--since", "2026-11-22T11:00:00Z"]);
    for expected in [
        "deployment chat-gpt4o resized 300 -> 350 PTU at 2026-11-22T12:00:00Z",
        "commitment cp-eastus2-prod: +50 PTU added at 2026-11-22T12:00:00Z",
        "commitment cp-eastus-legacy: renewal flipped don't renew -> autorenew at 2026-11-22T12:00:00Z",
        "reservation res-swc-global: scope changed sub sub-research -> shared ba-contoso at 2026-11-22T12:00:00Z",
    ] {
        assert!(diff.contains(expected), "{diff}\n  should say: {expected}");
    }
    assert!(
        ok(&db, &["diff", "--since", "2026-11-22T14:00:00Z"]).starts_with("Nothing changed since")
    );

    let log = ok(&db, &["log"]);
    assert_eq!(log.lines().count(), 2, "{log}");
    assert_eq!(ok(&db, &["export", "--at", "2026-11-22T12:00:00Z"]), v1);
    assert!(ok(&db, &["export", "--at", "2026-11-22T09:00:00Z"]).contains("\"deployments\": []"));

    let undo = ok(&db, &["undo", "--now", "2026-11-22T14:00:00Z"]);
    assert!(undo.starts_with("Undid #2"), "{undo}");
    assert_eq!(export(&db), v1);
    assert!(ok(&db, &["log"]).contains("[undone by #3]"));
    ok(&db, &["undo"]);
    assert_eq!(ok(&db, &["undo"]), "Nothing to undo.\n");
}

#[test]
fn csv_and_focus_exports() {
    let (dir, db) = setup();
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo]);
    let out_dir = dir.path().join("tables");
    let out = ok(
        &db,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    );
    assert!(out.starts_with("Wrote 12 tables"), "{out}");
    let deps = std::fs::read_to_string(out_dir.join("deployments.csv")).unwrap();
    assert_eq!(deps.lines().count(), 13);
    assert!(deps.starts_with("id,resource,model,version,sku,created,ptu_now,deleted"));
    let sizes = std::fs::read_to_string(out_dir.join("deployment_sizes.csv")).unwrap();
    assert!(sizes.lines().count() > 13, "resizes have their own rows");

    // FOCUS: per instrument and day, Used and Unused effective costs sum to the amortized charges.
    let focus = ok(
        &db,
        &[
            "export",
            "--format",
            "focus",
            "--from",
            "2026-11-01",
            "--to",
            "2026-12-01",
        ],
    );
    let mut rdr = csv::Reader::from_reader(focus.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    for col in [
        "CommitmentDiscountId",
        "CommitmentDiscountType",
        "CommitmentDiscountStatus",
        "CommitmentDiscountQuantity",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "BilledCost",
        "EffectiveCost",
    ] {
        assert!(header.iter().any(|h| h == col), "{col}");
    }
    let idx = |c: &str| header.iter().position(|h| h == c).unwrap();
    let mut effective = rust_decimal::Decimal::ZERO;
    let mut unused_qty = rust_decimal::Decimal::ZERO;
    let mut statuses = std::collections::BTreeSet::new();
    for row in rdr.records() {
        let row = row.unwrap();
        effective += row[idx("EffectiveCost")]
            .parse::<rust_decimal::Decimal>()
            .unwrap();
        statuses.insert(row[idx("CommitmentDiscountStatus")].to_string());
        if &row[idx("CommitmentDiscountStatus")] == "Unused"
            && row[idx("CommitmentDiscountId")].starts_with("res-wus3-global")
        {
            unused_qty += row[idx("CommitmentDiscountQuantity")]
                .parse::<rust_decimal::Decimal>()
                .unwrap();
        }
    }
    assert!(statuses.contains("Used") && statuses.contains("Unused"));
    let f: Value = serde_json::from_str(&ok(
        &db,
        &[
            "forecast",
            "--from",
            "2026-11-01",
            "--to",
            "2026-12-01",
            "--basis",
            "amortized",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let amortized: rust_decimal::Decimal = f["totals"]["commitment"]
        .as_str()
        .unwrap()
        .parse::<rust_decimal::Decimal>()
        .unwrap()
        + f["totals"]["reservation"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap();
    // Rows are rounded to cents one by one: allow a cent per row.
    assert!(
        (effective - amortized).abs() < rust_decimal::Decimal::from(2),
        "{effective} vs {amortized}"
    );
    // The global reservation beside regional deployments is all unused.
    let wus3 = f["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "res-wus3-global")
        .unwrap();
    assert_eq!(
        unused_qty,
        wus3["unused_ptu_hours"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    );
}

/// Kill -9 during a large import, many times: everything or nothing, and a sound file.
#[test]
fn a_killed_import_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let big = Command::new(exe())
        .args(["generate", "--scale", "4000", "--seed", "11"])
        .output()
        .unwrap();
    let big_file = write(
        dir.path(),
        "big.json",
        std::str::from_utf8(&big.stdout).unwrap(),
    );
    let demo = demo_file(dir.path());

    // The two states a killed import may leave: before and after.
    let reference = dir.path().join("reference.db");
    ok(
        &reference,
        &["import", &demo, "--now", "2026-11-22T10:00:00Z"],
    );
    let before = export(&reference);
    let started = Instant::now();
    ok(
        &reference,
        &["import", &big_file, "--now", "2026-11-22T11:00:00Z"],
    );
    let full = started.elapsed();
    let after = export(&reference);
    assert_ne!(before, after);

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    );
    let (mut saw_before, mut saw_after) = (0, 0);
    for round in 0..24 {
        let db = dir.path().join(format!("crash{round}.db"));
        ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00Z"]);
        let mut child = Command::new(exe())
            .args(["import", &big_file, "--now", "2026-11-22T11:00:00Z"])
            .env("PTUDESK_DB", &db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = rng.random_range(0..(full.as_micros() as u64 * 12 / 10).max(1));
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let store = ptudesk::store::Store::open(&db).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok", "round {round}");
        drop(store);
        let now = export(&db);
        if now == before {
            saw_before += 1;
        } else if now == after {
            saw_after += 1;
        } else {
            panic!("round {round}: the store holds a partial import");
        }
    }
    assert_eq!(saw_before + saw_after, 24);
}

/// An import while another process reads: no error beyond "store busy, retrying", no corruption.
#[test]
fn two_processes_share_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00Z"]);
    let g = Command::new(exe())
        .args(["generate", "--scale", "1500", "--seed", "2"])
        .output()
        .unwrap();
    let files: Vec<String> = (0..4)
        .map(|i| {
            let text = std::str::from_utf8(&g.stdout)
                .unwrap()
                .replace("\"oai-", &format!("\"v{i}-oai-"));
            write(dir.path(), &format!("g{i}.json"), &text)
        })
        .collect();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let db = db.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut reads = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let o = run(
                        &db,
                        &[
                            "forecast",
                            "--from",
                            "2026-11-01",
                            "--to",
                            "2026-12-01",
                            "--format",
                            "csv",
                        ],
                    );
                    let err = String::from_utf8_lossy(&o.stderr).to_string();
                    assert!(o.status.success(), "a reader failed: {err}");
                    assert!(
                        err.lines().all(|l| l.starts_with("store busy, retrying")),
                        "unexpected: {err}"
                    );
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    let writers: Vec<_> = files
        .iter()
        .map(|f| {
            let db = db.clone();
            let f = f.clone();
            std::thread::spawn(move || {
                let o = run(&db, &["import", &f]);
                let err = String::from_utf8_lossy(&o.stderr).to_string();
                assert!(o.status.success(), "a writer failed: {err}");
                assert!(
                    err.lines().all(|l| l.starts_with("store busy, retrying")),
                    "unexpected: {err}"
                );
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let reads: i32 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(reads > 0);
    let store = ptudesk::store::Store::open(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let e = store.load().unwrap();
    assert_eq!(
        e.deployments.len(),
        12 + 4 * 1500,
        "every import landed whole"
    );
    assert_eq!(store.log().unwrap().len(), 5);
}

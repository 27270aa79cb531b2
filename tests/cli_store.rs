//! The store through the command line, as a user runs it: import, export,
//! log, undo, diff; bad input leaves the store exactly as it was; a killed
//! import is all or nothing; two processes share a store.

mod common;

use rand::{RngExt, SeedableRng};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

fn run(db: &Path, args: &[&str]) -> Output {
    common::ptudesk()
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
    let o = common::ptudesk()
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
    let g = common::ptudesk()
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
    let o = common::ptudesk()
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
            vec![
                "wrongtype.json",
                "$.",
                "expected a whole number of PTUs up to 1000000, got \"lots\"",
            ],
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
    assert!(out.starts_with("Wrote 13 tables"), "{out}");
    let deps = std::fs::read_to_string(out_dir.join("deployments.csv")).unwrap();
    assert_eq!(deps.lines().count(), 13);
    assert!(deps.starts_with("id,resource,model,version,sku,created,ptu_now,deleted"));
    let sizes = std::fs::read_to_string(out_dir.join("deployment_sizes.csv")).unwrap();
    assert!(sizes.lines().count() > 13, "resizes have their own rows");

    // FOCUS: every cost the core rates. EffectiveCost sums to the amortized
    // forecast of the range and BilledCost to the actual one; the rows are
    // written unrounded, so the sums round to the forecast's totals exactly.
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
        "BilledCost",
        "EffectiveCost",
        "ListCost",
        "ContractedCost",
        "ChargeCategory",
        "PricingCategory",
        "CommitmentDiscountId",
        "CommitmentDiscountType",
        "CommitmentDiscountStatus",
        "ConsumedQuantity",
        "ConsumedUnit",
        "PricingQuantity",
        "PricingUnit",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "BillingPeriodStart",
        "SkuId",
        "RegionId",
        "SubAccountId",
        "ResourceId",
        "BillingAccountId",
    ] {
        assert!(header.iter().any(|h| h == col), "{col}");
    }
    let idx = |c: &str| header.iter().position(|h| h == c).unwrap();
    let num = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    let (mut effective, mut billed) = (rust_decimal::Decimal::ZERO, rust_decimal::Decimal::ZERO);
    let mut on_demand = rust_decimal::Decimal::ZERO;
    let mut managed = rust_decimal::Decimal::ZERO;
    let mut unused_qty = rust_decimal::Decimal::ZERO;
    let mut statuses = std::collections::BTreeSet::new();
    for row in rdr.records() {
        let row = row.unwrap();
        effective += num(&row[idx("EffectiveCost")]);
        billed += num(&row[idx("BilledCost")]);
        statuses.insert(row[idx("CommitmentDiscountStatus")].to_string());
        if &row[idx("PricingCategory")] == "Standard" {
            assert_eq!(&row[idx("ChargeCategory")], "Usage");
            assert_eq!(&row[idx("CommitmentDiscountId")], "");
            if &row[idx("ServiceName")] == "Azure OpenAI Service" {
                on_demand += num(&row[idx("EffectiveCost")]);
            } else {
                managed += num(&row[idx("EffectiveCost")]);
            }
        }
        if &row[idx("CommitmentDiscountStatus")] == "Unused"
            && row[idx("CommitmentDiscountId")].starts_with("res-wus3-global")
        {
            unused_qty += num(&row[idx("PricingQuantity")]);
        }
    }
    assert!(statuses.contains("Used") && statuses.contains("Unused"));
    let totals = |basis: &str| -> Value {
        let f: Value = serde_json::from_str(&ok(
            &db,
            &[
                "forecast",
                "--from",
                "2026-11-01",
                "--to",
                "2026-12-01",
                "--basis",
                basis,
                "--format",
                "json",
            ],
        ))
        .unwrap();
        f
    };
    let cents = |d: rust_decimal::Decimal| ptudesk::domain::money::fmt_money(d);
    let f = totals("amortized");
    assert_eq!(cents(effective), f["totals"]["total"].as_str().unwrap());
    assert_eq!(cents(on_demand), f["totals"]["hourly"].as_str().unwrap());
    assert_eq!(
        cents(managed),
        f["totals"]["managed_compute"].as_str().unwrap()
    );
    assert!(on_demand > rust_decimal::Decimal::ZERO && managed > rust_decimal::Decimal::ZERO);
    assert_eq!(
        cents(billed),
        totals("actual")["totals"]["total"].as_str().unwrap()
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

/// The length of the store's write-ahead log, or 0 when there is none.
fn wal_len(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(PathBuf::from(wal)).map_or(0, |m| m.len())
}

/// A write-ahead log holds frames beyond its 32-byte header once a write
/// transaction has spilled pages into it.
const WAL_HEADER: u64 = 32;

/// Kill -9 during a large import, many times: everything or nothing, and a
/// sound file. Some kills must land while the import was writing: the store's
/// write-ahead log held frames of the import, and yet the store reopened in
/// its old state. Rounds continue until both a kill mid-write and a finished
/// import have been seen (a random delay each round; no outcome depends on
/// how fast the machine is).
#[test]
fn a_killed_import_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let big = common::ptudesk()
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
    let seed_db = dir.path().join("seed.db");
    ok(
        &seed_db,
        &["import", &demo, "--now", "2026-11-22T10:00:00Z"],
    );
    assert_eq!(wal_len(&seed_db), 0, "a cleanly closed store has no log");
    let before = export(&seed_db);
    let reference = dir.path().join("reference.db");
    std::fs::copy(&seed_db, &reference).unwrap();
    let started = Instant::now();
    ok(
        &reference,
        &["import", &big_file, "--now", "2026-11-22T11:00:00Z"],
    );
    let full = started.elapsed();
    let after = export(&reference);
    assert_ne!(before, after);

    let seed = common::seed(20261122);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    // (untouched: old state, no frames; mid-write: old state, frames written; after)
    let (mut untouched, mut mid_write, mut saw_after) = (0, 0, 0);
    let mut round = 0;
    while round < 24 || mid_write == 0 || saw_after == 0 {
        assert!(
            round < 120,
            "seed {seed}, after {round} rounds: {untouched} untouched, {mid_write} mid-write, {saw_after} after"
        );
        let db = dir.path().join(format!("crash{round}.db"));
        std::fs::copy(&seed_db, &db).unwrap();
        let mut child = common::ptudesk()
            .args(["import", &big_file, "--now", "2026-11-22T11:00:00Z"])
            .env("PTUDESK_DB", &db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if round % 2 == 0 {
            // Anywhere in the run, or after it.
            let delay = rng.random_range(0..(full.as_micros() as u64 * 2).max(1));
            std::thread::sleep(Duration::from_micros(delay));
        } else {
            // Once the import has begun writing its transaction, a little later.
            while wal_len(&db) <= WAL_HEADER && child.try_wait().unwrap().is_none() {
                std::thread::yield_now();
            }
            std::thread::sleep(Duration::from_micros(rng.random_range(0..20_000)));
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let frames = wal_len(&db) > WAL_HEADER;
        let store = ptudesk::store::Store::open(&db).unwrap();
        assert_eq!(
            store.integrity_check().unwrap(),
            "ok",
            "seed {seed}, round {round}"
        );
        drop(store);
        let now = export(&db);
        if now == before && frames {
            mid_write += 1;
        } else if now == before {
            untouched += 1;
        } else if now == after {
            saw_after += 1;
        } else {
            panic!("seed {seed}, round {round}: the store holds a partial import");
        }
        round += 1;
    }
    eprintln!(
        "{round} rounds: {untouched} untouched, {mid_write} killed mid-write, {saw_after} after"
    );
}

/// An export, checked to be one whole state: each of the four imports'
/// 1,500 deployments all there or none.
fn whole(export: &str) -> usize {
    let v: Value = serde_json::from_str(export).expect("an export is a snapshot");
    let deployments = v["deployments"].as_array().unwrap();
    let mut landed = 0;
    for i in 0..4 {
        let prefix = format!("v{i}-");
        let n = deployments
            .iter()
            .filter(|d| d["id"].as_str().unwrap().starts_with(&prefix))
            .count();
        assert!(
            n == 0 || n == 1500,
            "a reader saw {n} of import {i}'s 1500 deployments"
        );
        landed += usize::from(n == 1500);
    }
    landed
}

/// An import while other processes read: readers always see a whole state
/// (the state before or after, never a mix), no error beyond "store busy,
/// retrying", no corruption.
#[test]
fn two_processes_share_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00Z"]);
    let g = common::ptudesk()
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
    let writer_ok = |o: &Output| {
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "a writer failed: {err}");
        assert!(
            err.lines().all(|l| l.starts_with("store busy, retrying")),
            "unexpected: {err}"
        );
    };

    // Readers beside one import see exactly the state before it or after it.
    let before = export(&db);
    let reference = dir.path().join("reference.db");
    std::fs::copy(&db, &reference).unwrap();
    let at = ["--now", "2026-11-22T11:00:00Z"];
    ok(&reference, &["import", &files[0], at[0], at[1]]);
    let after = export(&reference);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers = |check: fn(&str, &str, &str)| -> Vec<std::thread::JoinHandle<usize>> {
        (0..2)
            .map(|_| {
                let (db, stop) = (db.clone(), stop.clone());
                let (before, after) = (before.clone(), after.clone());
                std::thread::spawn(move || {
                    let mut reads = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let o = run(&db, &["export"]);
                        let err = String::from_utf8_lossy(&o.stderr).to_string();
                        assert!(o.status.success(), "a reader failed: {err}");
                        assert!(
                            err.lines().all(|l| l.starts_with("store busy, retrying")),
                            "unexpected: {err}"
                        );
                        check(std::str::from_utf8(&o.stdout).unwrap(), &before, &after);
                        reads += 1;
                    }
                    reads
                })
            })
            .collect()
    };
    let exact = readers(|seen, before, after| {
        assert!(
            seen == before || seen == after,
            "a reader saw a state that is neither the one before the import nor the one after"
        );
    });
    writer_ok(&run(&db, &["import", &files[0], at[0], at[1]]));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let reads: usize = exact.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(reads > 0);
    assert_eq!(export(&db), after);

    // Three more imports at once, readers beside them: whole states only.
    stop.store(false, std::sync::atomic::Ordering::Relaxed);
    let partial = readers(|seen, _, _| {
        whole(seen);
    });
    let writers: Vec<_> = files[1..]
        .iter()
        .map(|f| {
            let (db, f) = (db.clone(), f.clone());
            std::thread::spawn(move || run(&db, &["import", &f]))
        })
        .collect();
    for w in writers {
        writer_ok(&w.join().unwrap());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let reads: usize = partial.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(reads > 0);
    assert_eq!(whole(&export(&db)), 4, "every import landed whole");
    let store = ptudesk::store::Store::open(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(store.load().unwrap().deployments.len(), 12 + 4 * 1500);
    assert_eq!(store.log().unwrap().len(), 5);
}

/// Holds the store's write lock from this process, as another writer would.
fn lock(db: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch("BEGIN IMMEDIATE").unwrap();
    c
}

/// Runs an import with stderr read line by line; returns the child and the lines as they come.
fn spawn_import(
    db: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut child = common::ptudesk()
        .args(args)
        .env("PTUDESK_DB", db)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

#[test]
fn an_import_waits_for_a_locked_store_and_says_so() {
    let (dir, db) = setup();
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00Z"]);
    let before = export(&db);
    let log_before = ok(&db, &["log"]);
    let resized = write(
        dir.path(),
        "v2.json",
        &std::fs::read_to_string(&demo)
            .unwrap()
            .replacen("\"ptu\": 200", "\"ptu\": 250", 1),
    );

    // Locked while it starts: it says it is retrying, and once the lock is
    // released it writes, with nothing else said.
    let held = lock(&db);
    let (child, lines) = spawn_import(&db, &["import", &resized], &[]);
    let first = lines
        .recv()
        .expect("the import says something while it waits");
    assert_eq!(first, format!("store busy, retrying ({})", db.display()));
    held.execute_batch("ROLLBACK").unwrap();
    drop(held);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let rest: Vec<String> = lines.iter().collect();
    assert!(
        rest.iter().all(|l| l.starts_with("store busy, retrying")),
        "{rest:?}"
    );
    assert!(String::from_utf8(o.stdout).unwrap().contains("(change #2)"));
    assert_ne!(export(&db), before);
    ok(&db, &["undo"]);
    assert_eq!(export(&db), before);

    // Locked for longer than it waits (PTUDESK_BUSY_TIMEOUT seconds): it
    // gives up, says the store is busy, exit 1, and writes nothing.
    let log_now = ok(&db, &["log"]);
    let held = lock(&db);
    let (child, lines) = spawn_import(&db, &["import", &resized], &[("PTUDESK_BUSY_TIMEOUT", "1")]);
    let o = child.wait_with_output().unwrap();
    held.execute_batch("ROLLBACK").unwrap();
    drop(held);
    assert_eq!(o.status.code(), Some(1));
    let err: Vec<String> = lines.iter().collect();
    let last = err.last().expect("a message");
    assert!(
        last.starts_with(&format!(
            "error: store {} is busy: another process kept it locked for 1 s; nothing was written",
            db.display()
        )),
        "{err:?}"
    );
    assert!(
        err[..err.len() - 1]
            .iter()
            .all(|l| l.starts_with("store busy, retrying")),
        "{err:?}"
    );
    assert_eq!(export(&db), before);
    assert_eq!(ok(&db, &["log"]), log_now);
    assert_ne!(log_now, log_before, "the undo is in the log");
}

const AZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/azure");

fn az(name: &str) -> String {
    format!("{AZ}/{name}")
}

fn fails(db: &Path, args: &[&str]) -> String {
    let o = run(db, args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "one message: {err}");
    err
}

/// Re-importing the same az commitment-plan output is a no-op once the
/// plan's term has ended: the file describes the term 2026-11-01 to 12-01.
#[test]
fn reimporting_commitment_plans_after_their_term_changes_nothing() {
    let (_dir, db) = setup();
    let (accounts, plans) = (az("accounts.json"), az("commitment-plans.json"));
    ok(
        &db,
        &["import", "--now", "2026-11-25T00:00:00Z", &accounts, &plans],
    );
    let first = export(&db);
    let out = ok(
        &db,
        &["import", "--now", "2026-12-03T00:00:00Z", &accounts, &plans],
    );
    assert!(out.starts_with("Nothing changed"), "{out}");
    assert!(
        out.contains("commitments        added 0, changed 0, unchanged 2"),
        "{out}"
    );
    assert_eq!(export(&db), first);
    assert!(ok(&db, &["diff", "--since", "2026-11-26"]).starts_with("Nothing changed since"));
    assert_eq!(ok(&db, &["log"]).lines().count(), 1);

    // One stale file imported twice at one instant.
    let (_dir, db) = setup();
    ok(
        &db,
        &["import", "--now", "2027-01-10T00:00:00Z", &accounts, &plans],
    );
    let first = export(&db);
    let out = ok(
        &db,
        &["import", "--now", "2027-01-10T00:00:00Z", &accounts, &plans],
    );
    assert!(out.starts_with("Nothing changed"), "{out}");
    assert_eq!(export(&db), first);
    assert_eq!(ok(&db, &["log"]).lines().count(), 1);
}

/// Rules only the merged estate can check, and errors found while merging:
/// the file, the JSON path of the input object, what was expected; exit 1;
/// the store exactly as it was.
#[test]
fn az_input_errors_name_the_file_and_the_path_in_it() {
    let (dir, db) = setup();
    let d = dir.path();
    ok(
        &db,
        &[
            "import",
            "--now",
            "2026-11-25T00:00:00Z",
            &az("accounts.json"),
        ],
    );
    let before = export(&db);
    let plans = std::fs::read_to_string(az("commitment-plans.json")).unwrap();
    let deployments = std::fs::read_to_string(az("deployments.json")).unwrap();
    let cases = [
        (
            write(
                d,
                "count.json",
                &plans.replacen("\"count\": 300", "\"count\": 120", 1),
            ),
            "count.json: $[0].properties.current.count: expected a multiple of 50 PTU",
        ),
        (
            write(
                d,
                "next.json",
                &plans.replacen(
                    "\"count\": 250, \"tier\": \"T1\"}",
                    "\"count\": 120, \"tier\": \"T1\"}",
                    1,
                ),
            ),
            "next.json: $[0].properties.next.count: expected a multiple of 50 PTU",
        ),
        (
            write(
                d,
                "end.json",
                &plans.replacen(
                    "\"endDate\": \"2026-12-01T00:00:00Z\"",
                    "\"endDate\": \"2026-12-31T00:00:00Z\"",
                    1,
                ),
            ),
            "end.json: $[0].properties.current.endDate: expected the end of the one-month term",
        ),
        (
            write(
                d,
                "ghost.json",
                &deployments.replace("accounts/aoai-east/", "accounts/aoai-ghost/"),
            ),
            "ghost.json: $[0].id: deployment /subscriptions/",
        ),
        (
            write(d, "old.json", &{
                let mut v: Value = serde_json::from_str(&deployments).unwrap();
                v[0]["systemData"]["createdAt"] = "1999-01-01T00:00:00Z".into();
                v.to_string()
            }),
            "old.json: $[0].systemData.createdAt: expected a time between 2000 and 2200",
        ),
    ];
    for (file, expected) in &cases {
        let err = fails(&db, &["import", "--now", "2026-11-25T00:00:00Z", file]);
        assert!(err.starts_with(&format!("error: {}", d.display())), "{err}");
        assert!(err.contains(expected), "{err}\n  should say: {expected}");
        assert_eq!(export(&db), before, "{file} left the store changed");
    }
}

#[test]
fn a_snapshot_may_refer_to_a_resource_in_the_store() {
    let (dir, db) = setup();
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00Z"]);
    let before = export(&db);
    let doc = |resource: &str| {
        format!(
            r#"{{"schema": "ptudesk.snapshot/1", "currency": "USD", "deployments": [{{"id": "new-chat", "resource": "{resource}", "model": "gpt-4o", "version": "2024-08-06", "sku": "ProvisionedManaged", "sizes": [{{"at": "2026-11-22T12:00:00Z", "ptu": 50}}]}}]}}"#
        )
    };
    let bad = write(dir.path(), "bad.json", &doc("aoai-nowhere"));
    let err = fails(&db, &["import", &bad, "--now", "2026-11-22T13:00:00Z"]);
    assert!(
        err.contains("bad.json: $.deployments[0].resource: expected the id of a resource in this file or in the store, got \"aoai-nowhere\""),
        "{err}"
    );
    assert_eq!(export(&db), before);
    let good = write(dir.path(), "good.json", &doc("aoai-eastus2-prod"));
    let out = ok(&db, &["import", &good, "--now", "2026-11-22T13:00:00Z"]);
    assert!(
        out.contains("deployments        added 1, changed 0, unchanged 0"),
        "{out}"
    );
}

/// From az to a forecast, following the program's own advice for the
/// commitment price Microsoft does not publish: the Retail Prices figures stay.
#[test]
fn a_commitment_price_from_a_snapshot_keeps_the_retail_prices() {
    let (dir, db) = setup();
    let now = ["--now", "2026-11-25T00:00:00Z"];
    // Chat at 350 PTU: 50 beyond the 300 committed pay eastus2's hourly price.
    let deployments = write(
        dir.path(),
        "deployments.json",
        &std::fs::read_to_string(az("deployments.json"))
            .unwrap()
            .replacen("\"capacity\": 300", "\"capacity\": 350", 1),
    );
    let (accounts, plans, prices) = (
        az("accounts.json"),
        az("commitment-plans.json"),
        az("retail-prices.json"),
    );
    ok(
        &db,
        &[
            "import",
            now[0],
            now[1],
            &accounts,
            &plans,
            &deployments,
            &prices,
        ],
    );
    let forecast = [
        "forecast",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-01",
        "--format",
        "json",
    ];
    let mut asked = vec![];
    loop {
        let o = run(&db, &[&forecast[..], &now[..]].concat());
        if o.status.success() {
            break;
        }
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        let line = err
            .split(" save ")
            .nth(1)
            .and_then(|s| s.split(" as price.json").next())
            .unwrap_or_else(|| panic!("the advice names a snapshot: {err}"));
        assert!(err.contains("and run `ptudesk import price.json`"), "{err}");
        asked.push(line.to_string());
        assert!(
            asked.len() <= 1,
            "every missing price asked at once: {asked:?}"
        );
        let file = write(dir.path(), "price.json", &line.replace("PRICE", "1100"));
        ok(&db, &["import", "--now", "2026-11-26T00:00:00Z", &file]);
    }
    assert_eq!(
        asked[0],
        r#"{"schema":"ptudesk.snapshot/1","currency":"USD","prices":[{"region":"eastus2","sku":"ProvisionedManaged","commitment_month":"PRICE"},{"region":"westus3","sku":"ProvisionedManaged","commitment_month":"PRICE"}]}"#
    );
    let f: Value = serde_json::from_str(&ok(&db, &[&forecast[..], &now[..]].concat())).unwrap();
    let plan = f["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"].as_str().unwrap().ends_with("ptu-plan"))
        .unwrap();
    assert_eq!(
        plan["charges"], "330000.00",
        "300 PTU at the snapshot's 1100"
    );
    // The hourly price is still the imported, verified one, not the book's.
    let unverified = f["unverified_prices"].as_array().unwrap();
    assert!(
        !unverified
            .iter()
            .any(|p| p["region"] == "eastus2" && p["sku"] == "ProvisionedManaged"),
        "{unverified:?}"
    );
    assert!(f["totals"]["hourly_ptu_hours"] != "0.0000");
    let diff = ok(&db, &["diff", "--since", "2026-11-25T12:00:00Z"]);
    assert!(
        diff.contains("price eastus2|ProvisionedManaged: hourly 2.0, reservation_month 286 -> hourly 2.0, reservation_month 286, commitment_month 1100"),
        "{diff}"
    );
    let e: Value = serde_json::from_str(&export(&db)).unwrap();
    let row = e["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["region"] == "eastus2" && p["sku"] == "ProvisionedManaged")
        .unwrap();
    assert_eq!(row["verified"], true);
    assert_eq!(
        row["source"].as_str().unwrap(),
        format!(
            "Azure Retail Prices API; commitment_month from {}",
            dir.path().join("price.json").display()
        )
    );
}

#[test]
fn the_summary_counts_each_object_once_and_an_import_of_skips_only_changes_nothing() {
    let (_dir, db) = setup();
    let files: Vec<String> = [
        "accounts.json",
        "commitment-plans.json",
        "shared-plan.json",
        "plan-associations.json",
    ]
    .iter()
    .map(|f| az(f))
    .collect();
    let mut args = vec!["import", "--now", "2026-11-25T00:00:00Z"];
    args.extend(files.iter().map(String::as_str));
    let out = ok(&db, &args);
    // The shared plan's account already has a plan: skipped, not also unchanged.
    assert!(
        out.contains("commitments        added 2, changed 0, unchanged 0"),
        "{out}"
    );
    assert!(
        out.contains("already has a commitment in the store"),
        "{out}"
    );

    // Only skipped items (Standard deployments), into a fresh store.
    let (_dir, db) = setup();
    let rest = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/azure/rest-examples/cognitiveservices-2024-10-01-ListDeployments.json"
    );
    let out = ok(&db, &["import", rest]);
    assert!(
        out.starts_with(&format!(
            "Nothing imported: every item in {rest} was skipped"
        )),
        "{out}"
    );
    assert!(out.contains("skipped 1:"), "{out}");
    assert_eq!(ok(&db, &["log"]), "No changes recorded yet.\n");
    assert_eq!(ok(&db, &["undo"]), "Nothing to undo.\n");
    // A snapshot holding nothing but its currency, the default one: no change either.
    let (dir, db) = setup();
    let empty = write(
        dir.path(),
        "e.json",
        r#"{"schema": "ptudesk.snapshot/1", "currency": "USD"}"#,
    );
    assert!(ok(&db, &["import", &empty]).starts_with("Nothing changed"));
    assert_eq!(ok(&db, &["log"]), "No changes recorded yet.\n");
    // Another currency is a real setting.
    let eur = write(
        dir.path(),
        "eur.json",
        r#"{"schema": "ptudesk.snapshot/1", "currency": "EUR"}"#,
    );
    assert!(ok(&db, &["import", &eur]).contains("(change #1)"));
}

#[test]
fn files_with_a_byte_order_mark_or_in_utf16_import() {
    let (dir, db) = setup();
    let text = std::fs::read_to_string(az("accounts.json")).unwrap();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(text.as_bytes());
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let (b, u) = (dir.path().join("bom.json"), dir.path().join("utf16.json"));
    std::fs::write(&b, bom).unwrap();
    std::fs::write(&u, utf16).unwrap();
    let out = ok(&db, &["import", b.to_str().unwrap()]);
    assert!(out.contains("resources          added 2"), "{out}");
    let out = ok(&db, &["import", u.to_str().unwrap()]);
    assert!(
        out.starts_with("Nothing changed"),
        "the same accounts: {out}"
    );
    let before = export(&db);
    let no_bom = dir.path().join("nobom.json");
    std::fs::write(
        &no_bom,
        text.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let err = fails(&db, &["import", no_bom.to_str().unwrap()]);
    assert!(
        err.contains("nobom.json: the file looks like UTF-16 without a byte-order mark"),
        "{err}"
    );
    assert_eq!(export(&db), before);
}

#[test]
fn csv_and_focus_outputs_say_on_stderr_when_prices_are_unverified() {
    let (dir, db) = setup();
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00Z"]);
    let window = ["--from", "2026-11-01", "--to", "2026-12-01"];
    let table = ok(&db, &[&["forecast"][..], &window[..]].concat());
    assert!(
        table.contains("rests on unverified prices"),
        "the demo rests on the default book"
    );
    for args in [
        [&["forecast", "--format", "csv"][..], &window[..]].concat(),
        [&["export", "--format", "focus"][..], &window[..]].concat(),
    ] {
        let o = run(&db, &args);
        assert!(o.status.success());
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("note: these figures rest on unverified prices (")
                && err.contains("import a current price list"),
            "{args:?}: {err}"
        );
        assert!(
            !String::from_utf8(o.stdout).unwrap().contains("unverified"),
            "the data stays data"
        );
    }
    // Every price verified (the store's rows marked so, and the book's
    // figures given as verified rows): nothing said.
    let o = run(
        &db,
        &[&["forecast", "--format", "json"][..], &window[..]].concat(),
    );
    let f: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut e: Value = serde_json::from_str(&export(&db)).unwrap();
    let rows = e["prices"].as_array_mut().unwrap();
    for r in rows.iter_mut() {
        r["verified"] = Value::Bool(true);
    }
    for p in f["unverified_prices"].as_array().unwrap() {
        let i = match rows
            .iter()
            .position(|r| r["region"] == p["region"] && r["sku"] == p["sku"])
        {
            Some(i) => i,
            None => {
                rows.push(
                    serde_json::json!({"region": p["region"], "sku": p["sku"], "verified": true}),
                );
                rows.len() - 1
            }
        };
        rows[i][p["price"].as_str().unwrap()] = p["amount"].clone();
    }
    let v = write(dir.path(), "verified.json", &e.to_string());
    ok(&db, &["import", &v, "--now", "2026-11-22T11:00:00Z"]);
    for args in [
        [&["forecast", "--format", "csv"][..], &window[..]].concat(),
        [&["export", "--format", "focus"][..], &window[..]].concat(),
    ] {
        let o = run(&db, &args);
        assert!(o.status.success());
        assert_eq!(String::from_utf8(o.stderr).unwrap(), "", "{args:?}");
    }
}

/// Change stamps carry fractions of a second; `--at` and `--since` compare
/// instants, so a change later within the same second counts as later.
#[test]
fn export_at_and_diff_since_see_changes_within_a_second() {
    let (dir, db) = setup();
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00.339Z"]);
    let empty: Value =
        serde_json::from_str(&ok(&db, &["export", "--at", "2026-11-22T10:00:00Z"])).unwrap();
    assert_eq!(
        empty["deployments"].as_array().map_or(0, Vec::len),
        0,
        "{empty}"
    );
    let then: Value =
        serde_json::from_str(&ok(&db, &["export", "--at", "2026-11-22T10:00:00.5Z"])).unwrap();
    assert_eq!(then["deployments"].as_array().unwrap().len(), 12);
    let diff = ok(&db, &["diff", "--since", "2026-11-22T10:00:00Z"]);
    assert!(diff.contains("deployment chat-gpt4o added"), "{diff}");
}

#[test]
fn a_file_with_nothing_to_keep_says_so_on_an_empty_store() {
    let (_dir, db) = setup();
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/azure/rest-examples/reservations-2022-11-01-PurchaseReservationOrder.json"
    );
    let out = ok(&db, &["import", file]);
    assert!(
        out.starts_with(&format!(
            "Nothing imported: {file} holds nothing ptudesk keeps"
        )),
        "{out}"
    );
    assert!(!out.contains("already holds"), "{out}");
}

/// `diff` names what changed in a purchase, and an added object's changes
/// that came with it.
#[test]
fn diff_says_what_a_plan_changed_and_what_an_added_object_carries() {
    let (dir, db) = setup();
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo, "--now", "2026-11-22T09:00:00Z"]);
    let all = ok(&db, &["diff", "--since", "2026-11-01"]);
    assert!(
        all.contains("commitment cp-eastus-legacy added: 300 PTU on aoai-eastus-legacy from 2026-07-27T09:00:00Z, autorenew, don't renew from 2026-11-04T16:30:00Z"),
        "{all}"
    );
    ok(
        &db,
        &[
            "plan",
            "migrate",
            "--commitment",
            "cp-eastus2-prod",
            "--apply",
            "overlap",
            "--now",
            "2026-11-22T10:00:00Z",
        ],
    );
    let plan = ok(&db, &["diff", "--since", "2026-11-22T09:30:00Z"]);
    assert!(
        plan.contains("reservation res-eus2-regional: purchase changed: start 2026-12-05T00:00:00Z -> 2026-12-09T18:00:00Z"),
        "{plan}"
    );
    assert!(!plan.contains("res-eus2-regional changed"), "{plan}");
}

/// `--now` behind the store's latest change does not put the audit log out
/// of order: every write (import, plan --apply, undo) is stamped no earlier
/// than the latest change, so `export --at` never replays a change onto an
/// estate it was not made on.
#[test]
fn a_write_with_now_behind_the_store_is_stamped_after_its_latest_change() {
    let (dir, db) = setup();
    let demo = demo_file(dir.path());
    ok(&db, &["import", &demo, "--now", "2026-11-22T10:00:00Z"]);
    ok(
        &db,
        &[
            "plan",
            "migrate",
            "--commitment",
            "cp-eastus2-prod",
            "--apply",
            "overlap",
            "--now",
            "2026-11-22T09:00:00Z",
        ],
    );
    ok(&db, &["undo", "--now", "2026-11-22T08:00:00Z"]);
    // A later snapshot imported with an earlier --now.
    let mut e: Value = serde_json::from_str(&export(&db)).unwrap();
    e["deployments"][0]["sizes"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"at": "2026-11-22T07:00:00Z", "ptu": 400}));
    let v2 = write(
        dir.path(),
        "v2.json",
        &serde_json::to_string_pretty(&e).unwrap(),
    );
    ok(&db, &["import", &v2, "--now", "2026-11-22T07:30:00Z"]);
    let log = ok(&db, &["log"]);
    let stamps: Vec<&str> = log
        .lines()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(stamps, ["2026-11-22T10:00:00Z"; 4], "{log}");
    // Before the first change the store held nothing: no change lands there.
    assert!(ok(&db, &["export", "--at", "2026-11-22T09:30:00Z"]).contains("\"deployments\": []"));
    // A clock ahead of the log stamps the change with its own time.
    ok(&db, &["undo", "--now", "2026-11-22T11:00:00Z"]);
    let log = ok(&db, &["log"]);
    assert!(
        log.lines().last().unwrap().contains("2026-11-22T11:00:00Z"),
        "{log}"
    );
}

/// Files in the shapes of Azure's published examples and test recordings
/// (see tests/data/azure/published-shapes/README.md).
fn shape(name: &str) -> String {
    format!("{AZ}/published-shapes/{name}")
}

fn exported(db: &Path) -> Value {
    serde_json::from_str(&export(db)).unwrap()
}

#[test]
fn empty_lists_import_as_nothing_and_only_openai_accounts_are_kept() {
    let (_dir, db) = setup();
    // `account list` beside an account's empty `deployment list` (`[]`) and
    // an empty REST list (`{"value": []}`), without --format.
    let out = ok(
        &db,
        &[
            "import",
            &shape("accounts-kinds.json"),
            &shape("empty-az.json"),
            &shape("empty-rest.json"),
            "--now",
            "2027-02-01T00:00:00Z",
        ],
    );
    assert!(
        out.contains("resources          added 2, changed 0, unchanged 0"),
        "{out}"
    );
    assert!(out.contains("skipped 3:"), "{out}");
    for kind in ["FormRecognizer", "SpeechServices", "TextAnalytics"] {
        assert!(
            out.contains(&format!(
                "1 x kind {kind} does not host Azure OpenAI deployments (only OpenAI and AIServices accounts do)"
            )),
            "{kind}: {out}"
        );
    }
    let e = exported(&db);
    let ids: Vec<&str> = e["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids[0].ends_with("/accounts/aoai-east"), "{ids:?}");
    assert!(ids[1].ends_with("/accounts/foundry-east"), "{ids:?}");
    // An empty list alone, in either form, with or without --format (a
    // usage list needs no --subscription when it lists nothing).
    for (file, format) in [
        ("empty-az.json", None),
        ("empty-rest.json", None),
        ("empty-az.json", Some("usages")),
        ("empty-rest.json", Some("commitment-plans")),
    ] {
        let path = shape(file);
        let mut args = vec!["import", path.as_str()];
        if let Some(f) = format {
            args.extend(["--format", f]);
        }
        let out = ok(&db, &args);
        assert!(
            out.starts_with(&format!(
                "Nothing imported: {path} holds nothing ptudesk keeps"
            )),
            "{out}"
        );
    }
    assert_eq!(ok(&db, &["log"]).lines().count(), 1);
}

#[test]
fn openaiptu_reservations_are_recognised_by_their_type() {
    let (_dir, db) = setup();
    ok(
        &db,
        &[
            "import",
            &shape("reservations-openaiptu.json"),
            "--now",
            "2026-12-01T00:00:00Z",
        ],
    );
    let e = exported(&db);
    let got: Vec<(String, String, i64)> = e["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["sku"].as_str().unwrap().to_string(),
                r["ptu"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "global yearly".to_string(),
                "GlobalProvisionedManaged".to_string(),
                100
            ),
            (
                "eu data zone".to_string(),
                "DataZoneProvisionedManaged".to_string(),
                50
            )
        ]
    );
    // An OpenAIPTU reservation whose deployment type can't be read is
    // refused, with the path, and nothing is written.
    let before = export(&db);
    let bad = shape("reservations-openaiptu-no-type.json");
    let err = fails(&db, &["import", &bad]);
    assert!(
        err.contains(&format!(
            "{bad}: $[0].sku.name: expected the deployment type (Global, Data Zone or Regional) of this OpenAIPTU reservation"
        )),
        "{err}"
    );
    assert!(err.contains("\"OpenAI_PTU\""), "{err}");
    assert_eq!(export(&db), before);
}

#[test]
fn a_first_import_dates_sizes_to_the_creation_and_says_when_that_is_approximate() {
    let (_dir, db) = setup();
    let out = ok(
        &db,
        &[
            "import",
            &shape("accounts-kinds.json"),
            &shape("deployments-modified.json"),
            "--now",
            "2027-02-01T00:00:00Z",
        ],
    );
    // The resize in progress: what is deployed now is imported, the
    // requested size is listed as not in place yet.
    assert!(
        out.contains("x not in place yet (provisioningState Updating): 100 PTU are deployed and billed (currentCapacity); import again once Azure has applied it (e.g. resize of deployment chat-growing on aoai-east to 150 PTU)"),
        "{out}"
    );
    // A failed creation deploys nothing.
    assert!(
        out.contains(
            "its creation failed (provisioningState Failed): nothing is deployed, so nothing bills"
        ),
        "{out}"
    );
    assert!(
        out.contains("deployments        added 3, changed 0, unchanged 0"),
        "{out}"
    );
    let e = exported(&db);
    let sizes = |name: &str| -> Value {
        e["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| {
                d["id"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("/deployments/{name}"))
            })
            .unwrap_or_else(|| panic!("{name} in {e:#}"))["sizes"]
            .clone()
    };
    // Modified a day after its creation: the size at creation is a guess.
    assert_eq!(
        sizes("o3-prod"),
        serde_json::json!([{"at": "2027-01-28T10:00:00Z", "ptu": 100, "approximate": true}])
    );
    // Never modified after its creation: exact.
    assert_eq!(
        sizes("chat-steady"),
        serde_json::json!([{"at": "2027-01-20T08:00:00Z", "ptu": 50}])
    );
    assert_eq!(
        sizes("chat-growing"),
        serde_json::json!([{"at": "2027-01-10T08:00:00Z", "ptu": 100, "approximate": true}])
    );
    // Once the resize is in place, the next import records it.
    let mut later: Value =
        serde_json::from_str(&std::fs::read_to_string(shape("deployments-modified.json")).unwrap())
            .unwrap();
    later[2]["properties"]["currentCapacity"] = serde_json::json!(150);
    later[2]["properties"]["provisioningState"] = serde_json::json!("Succeeded");
    let dir = db.parent().unwrap();
    let f = write(dir, "later.json", &later.to_string());
    let out = ok(&db, &["import", &f, "--now", "2027-02-02T00:00:00Z"]);
    assert!(
        out.contains("deployments        added 0, changed 1"),
        "{out}"
    );
    assert_eq!(
        sizes_of(&db, "chat-growing"),
        serde_json::json!([
            {"at": "2027-01-10T08:00:00Z", "ptu": 100, "approximate": true},
            {"at": "2027-02-02T00:00:00Z", "ptu": 150, "approximate": true}
        ])
    );
}

fn sizes_of(db: &Path, name: &str) -> Value {
    let e = exported(db);
    e["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["id"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/deployments/{name}"))
        })
        .unwrap()["sizes"]
        .clone()
}

#[test]
fn model_specific_usage_rows_import_as_quota_rows_of_their_model() {
    let (_dir, db) = setup();
    let out = ok(
        &db,
        &[
            "import",
            &shape("usages-model-specific.json"),
            "--subscription",
            "1b2c3d4e-0000-4000-8000-00000000000a",
            "--region",
            "East US 2",
        ],
    );
    assert!(
        out.contains("quotas             added 5, changed 0, unchanged 0"),
        "{out}"
    );
    assert!(out.contains("skipped 2:"), "{out}");
    let e = exported(&db);
    let rows: Vec<String> = e["quotas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            format!(
                "{} {} {}",
                q["sku"].as_str().unwrap(),
                q["limit"],
                [&q["model"], &q["version"]]
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            )
            .trim()
            .to_string()
        })
        .collect();
    assert_eq!(
        rows,
        [
            "ProvisionedManaged 500",
            "ProvisionedManaged 100 o3 2025-04-16",
            "ProvisionedManaged 50 gpt-4.1-mini 2025-04-14",
            "GlobalProvisionedManaged 300",
            "DataZoneProvisionedManaged 100"
        ]
    );
    // Re-importing changes nothing: each row keeps its own key.
    let out = ok(
        &db,
        &[
            "import",
            &shape("usages-model-specific.json"),
            "--subscription",
            "1b2c3d4e-0000-4000-8000-00000000000a",
            "--region",
            "eastus2",
        ],
    );
    assert!(out.starts_with("Nothing changed"), "{out}");
}

/// The reservation charges of a forecast in the store, and its refunds.
fn reservation_money(db: &Path, from: &str, to: &str, now: &str) -> (String, String) {
    let f: Value = serde_json::from_str(&ok(
        db,
        &[
            "forecast", "--from", from, "--to", to, "--now", now, "--format", "json",
        ],
    ))
    .unwrap();
    (
        f["totals"]["reservation"].as_str().unwrap().to_string(),
        f["totals"]["refunds"].as_str().unwrap().to_string(),
    )
}

#[test]
fn a_split_moves_ptus_to_its_parts_without_a_refund_or_a_double_charge() {
    let (dir, db) = setup();
    let split = shape("reservations-split.json");
    let out = ok(&db, &["import", &split, "--now", "2026-12-15T00:00:00Z"]);
    assert!(
        out.contains("reservations       added 3, changed 0, unchanged 0"),
        "{out}"
    );
    let e = exported(&db);
    let at = "2026-12-10T14:20:36.312478200Z";
    let r = |suffix: &str| -> Value {
        e["reservations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"].as_str().unwrap().ends_with(suffix))
            .unwrap()
            .clone()
    };
    // The source stops at the split, unrefunded; the parts keep its term
    // (start and expiry) and take over at the split.
    let source = r("6b9f1c2d4e50");
    assert_eq!(
        (
            &source["moved_at"],
            &source["refunded_at"],
            &source["start"]
        ),
        (
            &Value::from(at),
            &Value::Null,
            &Value::from("2026-10-01T00:00:00Z")
        )
    );
    for (suffix, ptu) in [("1d0b3a5c7e92", 60), ("2d1710765a7a", 40)] {
        let part = r(suffix);
        assert_eq!(
            (&part["effective_from"], &part["start"], &part["ptu"]),
            (
                &Value::from(at),
                &Value::from("2026-10-01T00:00:00Z"),
                &Value::from(ptu)
            ),
            "{part:#}"
        );
    }
    // The same money as had it never been split: each monthly period paid
    // once (December's by the source, January's by the parts), no credit.
    let (split_money, refunds) =
        reservation_money(&db, "2026-12-01", "2027-02-01", "2026-12-15T00:00:00Z");
    assert_eq!(refunds, "0.00");
    let mut whole: Value = serde_json::from_str(&std::fs::read_to_string(&split).unwrap()).unwrap();
    let p = &mut whole[0]["properties"];
    p["provisioningState"] = "Succeeded".into();
    p["displayProvisioningState"] = "Succeeded".into();
    p["effectiveDateTime"] = "2026-10-01T00:00:00Z".into();
    p.as_object_mut().unwrap().remove("extendedStatusInfo");
    p.as_object_mut().unwrap().remove("splitProperties");
    let whole = write(
        dir.path(),
        "whole.json",
        &Value::Array(vec![whole[0].clone()]).to_string(),
    );
    let other = dir.path().join("whole.db");
    ok(&other, &["import", &whole, "--now", "2026-12-15T00:00:00Z"]);
    let (whole_money, _) =
        reservation_money(&other, "2026-12-01", "2027-02-01", "2026-12-15T00:00:00Z");
    assert_eq!(split_money, whole_money);
    assert_ne!(split_money, "0.00");

    // A store that knew the reservation whole sees the split as a move, not
    // a refund.
    let known = dir.path().join("known.db");
    ok(&known, &["import", &whole, "--now", "2026-12-01T00:00:00Z"]);
    ok(&known, &["import", &split, "--now", "2026-12-15T00:00:00Z"]);
    assert_eq!(
        reservation_money(&known, "2026-12-01", "2027-02-01", "2026-12-15T00:00:00Z"),
        (whole_money, "0.00".to_string())
    );
}

#[test]
fn a_merged_survivor_keeps_the_original_expiry_and_takes_over_at_the_merge() {
    let (_dir, db) = setup();
    let out = ok(
        &db,
        &[
            "import",
            &shape("reservations-merge.json"),
            "--now",
            "2027-01-15T00:00:00Z",
        ],
    );
    assert!(
        out.contains("reservations       added 3, changed 0, unchanged 0"),
        "{out}"
    );
    let e = exported(&db);
    let at = "2027-01-05T10:08:10.709949700Z";
    let list = e["reservations"].as_array().unwrap();
    let survivor = list
        .iter()
        .find(|r| r["id"].as_str().unwrap().ends_with("f83e9b7126a9"))
        .unwrap();
    // No benefitStartTime: the term's start is the expiry less the term.
    assert_eq!(survivor["start"], "2026-09-15T08:00:00Z");
    assert_eq!(survivor["effective_from"], at);
    assert_eq!(
        list.iter()
            .filter(|r| r["moved_at"] == at && r["refunded_at"].is_null())
            .map(|r| r["ptu"].as_i64().unwrap())
            .sum::<i64>(),
        100
    );
    // The periods from 2027-01-15 are the survivor's: 100 PTU, twice; the
    // sources bill nothing after the merge and nothing is refunded.
    let f: Value = serde_json::from_str(&ok(
        &db,
        &[
            "forecast",
            "--from",
            "2027-01-01",
            "--to",
            "2027-03-01",
            "--now",
            "2027-01-15T00:00:00Z",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(f["totals"]["refunds"], "0.00");
    let charges: Vec<(bool, String)> = f["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().ends_with("f83e9b7126a9"),
                i["charges"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let survivor_charges = &charges.iter().find(|c| c.0).unwrap().1;
    assert_ne!(survivor_charges, "0.00");
    assert!(
        charges.iter().filter(|c| !c.0).all(|c| c.1 == "0.00"),
        "{charges:?}"
    );
    assert_eq!(
        &f["totals"]["reservation"].as_str().unwrap(),
        survivor_charges
    );
}

//! Hostile and malformed input through the real binary: each is refused
//! with one message in the format's words (the field, what it takes, what
//! the file has), exit 1, and the store unchanged.

mod common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

const NOW: &str = "2026-11-22T09:00:00Z";

fn run(db: &Path, args: &[&str]) -> Output {
    common::ptudesk()
        .args(args)
        .env("PTUDESK_DB", db)
        .env("PTUDESK_CONFIG", db.with_extension("toml"))
        .output()
        .unwrap()
}

fn example() -> Value {
    serde_json::from_str(include_str!("data/interface_example.json")).unwrap()
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

/// Imports `file` into a store that already holds the example: refused
/// with exit 1, a message holding `expected`, and the store unchanged.
fn refused(dir: &Path, file: &Path, expected: &[&str]) -> String {
    let db = dir.join(format!(
        "{}.db",
        file.file_stem().unwrap().to_string_lossy()
    ));
    let base = write(dir, "base.json", &example());
    assert!(
        run(&db, &["import", base.to_str().unwrap(), "--now", NOW])
            .status
            .success()
    );
    let before = run(&db, &["export"]).stdout;
    let o = run(&db, &["import", file.to_str().unwrap(), "--now", NOW]);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{file:?} was taken: {err}");
    for e in expected {
        assert!(err.contains(e), "{file:?}: {err:?} lacks {e:?}");
    }
    for serde_word in [
        "expected i64",
        "expected u32",
        "expected struct",
        "floating point",
        "invalid type",
        "invalid length",
    ] {
        assert!(!err.contains(serde_word), "{file:?}: serde's words: {err}");
    }
    assert_eq!(err.lines().count(), 1, "one message: {err}");
    assert_eq!(run(&db, &["export"]).stdout, before, "the store changed");
    err
}

#[test]
fn wrong_acceptances_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A commitment starting after its resource was deleted.
    let mut s = example();
    s["resources"][0]["deleted"] = json!("2026-10-15T00:00:00Z");
    s["deployments"][0]["sizes"] = json!([{"at": "2026-10-01T00:00:00Z", "ptu": 300}]);
    s["deployments"][0]["deleted"] = json!("2026-10-10T00:00:00Z");
    refused(
        d,
        &write(d, "deleted.json", &s),
        &[
            "$.commitments[0].start",
            "before resource aoai-east was deleted",
        ],
    );
    // Structs written as arrays (serde's sequence form).
    let mut s = example();
    s["reservations"][0]["renewal"] = json!(["none"]);
    refused(
        d,
        &write(d, "renewal-array.json", &s),
        &[
            "$.reservations[0].renewal",
            "expected an object with named fields, got an array",
        ],
    );
    let mut s = example();
    s["deployments"][0] = json!([
        "chat",
        "aoai-east",
        "gpt-4o",
        "2024-08-06",
        "ProvisionedManaged",
        [],
        null,
        false
    ]);
    refused(
        d,
        &write(d, "deployment-array.json", &s),
        &["$.deployments[0]", "got an array"],
    );
    // Money in scientific notation, or with a sign or separators.
    for (name, text) in [("exp", "2e3"), ("plus", "+2.00"), ("sep", "1_000")] {
        let mut s = example();
        s["prices"][0]["hourly"] = json!(text);
        refused(
            d,
            &write(d, &format!("money-{name}.json"), &s),
            &["$.prices[0].hourly", "plain decimal", text],
        );
    }
    // An empty model version.
    let mut s = example();
    s["deployments"][0]["version"] = json!("");
    refused(
        d,
        &write(d, "version.json", &s),
        &["$.deployments[0].version", "expected the model version"],
    );
    // An ARM id with ".." or empty segments.
    let accounts: Value = serde_json::from_str(include_str!("data/azure/accounts.json")).unwrap();
    for (name, id) in [
        (
            "dotdot",
            "/subscriptions/../resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
        ),
        (
            "empty",
            "/subscriptions//resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
        ),
    ] {
        let mut a = accounts.clone();
        a[0]["id"] = json!(id);
        refused(
            d,
            &write(d, &format!("accounts-{name}.json"), &a),
            &["$[0].id", "no empty, \".\" or \"..\" segments"],
        );
    }
}

#[test]
fn type_mismatches_say_what_the_field_takes_and_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, edit, expected) in [
        (
            "ptu-string",
            json!({"deployments": [{"sizes": [{"ptu": "300"}]}]}),
            vec![
                "$.deployments[0].sizes[0].ptu",
                "expected a whole number of PTUs up to 1000000, got \"300\"",
            ],
        ),
        (
            "ptu-huge",
            json!({"deployments": [{"sizes": [{"ptu": "BIG"}]}]}),
            vec![
                "expected a whole number of PTUs up to 1000000, got 1000000000000000000000000000000",
            ],
        ),
        (
            "ptu-fraction",
            json!({"deployments": [{"sizes": [{"ptu": 1.5}]}]}),
            vec!["got 1.5"],
        ),
        (
            "limit",
            json!({"quotas": [{"limit": "x"}]}),
            vec![
                "$.quotas[0].limit",
                "a whole number of PTUs (the quota)",
                "got \"x\"",
            ],
        ),
        (
            "deployment-string",
            json!({"deployments": ["chat"]}),
            vec![
                "$.deployments[0]",
                "expected a deployment object, got \"chat\"",
            ],
        ),
        (
            "scope-number",
            json!({"reservations": [{"scope": 5}]}),
            vec!["$.reservations[0].scope", "expected a scope object, got 5"],
        ),
    ] {
        let mut s = example();
        patch(&mut s, &edit);
        let mut text = s.to_string();
        // A 31-digit count cannot go through serde_json's Value as written.
        text = text.replace("\"BIG\"", "1000000000000000000000000000000");
        let p = d.join(format!("{name}.json"));
        std::fs::write(&p, text).unwrap();
        refused(d, &p, &expected);
    }
}

/// Overlays `edit` on `v`: objects by key, arrays by position.
fn patch(v: &mut Value, edit: &Value) {
    match (v, edit) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, e) in b {
                patch(a.entry(k.clone()).or_insert(Value::Null), e);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, e) in b.iter().enumerate() {
                if i < a.len() {
                    patch(&mut a[i], e);
                }
            }
        }
        (slot, e) => *slot = e.clone(),
    }
}

/// A management-group chain `depth` groups deep, the subscription at the bottom.
fn chain(depth: usize) -> Value {
    let mut s = example();
    let mut groups = vec![json!({"id": "mg-0", "parent": null, "subscriptions": []})];
    for i in 1..depth {
        groups.push(json!({"id": format!("mg-{i}"), "parent": format!("mg-{}", i - 1), "subscriptions": []}));
    }
    groups.last_mut().unwrap()["subscriptions"] = json!(["sub-b"]);
    s["management_groups"] = Value::Array(groups);
    s
}

#[test]
fn unbounded_shapes_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Six levels below the top group are Azure's limit, and taken.
    let db = d.join("ok.db");
    let ok = write(d, "depth7.json", &chain(7));
    let o = run(&db, &["import", ok.to_str().unwrap(), "--now", NOW]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A seventh is refused with the chain; so is a 20,000-deep one.
    let err = refused(
        d,
        &write(d, "depth8.json", &chain(8)),
        &[
            "$.management_groups[7].parent",
            "at most 6 levels",
            "mg-0 > mg-1",
        ],
    );
    assert!(err.contains("\"mg-7\" is deeper"), "{err}");
    refused(
        d,
        &write(d, "depth20000.json", &chain(20_000)),
        &["at most 6 levels"],
    );
    // Text fields hold at most 1,024 characters.
    let mut s = example();
    s["reservations"][0]["name"] = json!("n".repeat(1025));
    refused(
        d,
        &write(d, "long-name.json", &s),
        &[
            "$.reservations[0].name",
            "at most 1024 characters, got 1025",
        ],
    );
    let mut s = example();
    s["reservations"][0]["name"] = json!("n".repeat(1024));
    let db = d.join("long.db");
    let ok = write(d, "long-ok.json", &s);
    assert!(
        run(&db, &["import", ok.to_str().unwrap(), "--now", NOW])
            .status
            .success()
    );
    // A device reads without end: what is read is capped, not its size.
    #[cfg(unix)]
    {
        let o = run(&db, &["import", "/dev/zero", "--now", NOW]);
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("more than 256 MiB"), "{err}");
    }
    // The acknowledgement note too.
    let o = run(
        &db,
        &["ack", "x", "--note", &"n".repeat(1001), "--now", NOW],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at most 1000 characters"));
}

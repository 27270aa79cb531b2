//! Service capacity (`modelCapacities`) through the command line, as a user
//! runs it: imported as Azure answers it, dated, kept newest-first; then
//! `ptudesk capacity` answering where N PTU fit, with every figure worked by
//! hand in the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/azure");

fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_ptudesk")
}

fn run(dir: &Path, db: &Path, args: &[&str]) -> Output {
    Command::new(exe())
        .args(args)
        .env("PTUDESK_DB", db)
        .env("PTUDESK_CONFIG", dir.join("no-config.toml"))
        .output()
        .expect("runs")
}

fn ok(dir: &Path, db: &Path, args: &[&str]) -> String {
    let o = run(dir, db, args);
    assert!(
        o.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    (dir, db)
}

fn az(name: &str) -> String {
    format!("{DATA}/{name}")
}

fn capacities(export: &str) -> Vec<(String, String, String, i64, String)> {
    let v: serde_json::Value = serde_json::from_str(export).unwrap();
    v["model_capacities"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    (
                        c["region"].as_str().unwrap().to_string(),
                        c["sku"].as_str().unwrap().to_string(),
                        c["model"].as_str().unwrap().to_string(),
                        c["available"].as_i64().unwrap(),
                        c["as_of"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn import_dates_capacity_answers_and_keeps_the_newest() {
    let (dir, db) = setup();
    let d = dir.path();
    let out = ok(
        d,
        &db,
        &[
            "import",
            &az("model-capacities.json"),
            "--now",
            "2026-12-01T08:00:00Z",
        ],
    );
    assert!(
        out.contains("model capacities   added 6, changed 0, unchanged 0"),
        "{out}"
    );
    assert!(
        out.contains("1 x not a provisioned-throughput SKU (e.g. capacity gpt-4o 2024-08-06 GlobalStandard in eastus2)"),
        "{out}"
    );
    // An answer read in September, imported now, is dated September.
    ok(
        d,
        &db,
        &[
            "import",
            &az("model-capacities-stale.json"),
            "--at",
            "2026-09-01T12:00:00Z",
            "--now",
            "2026-12-01T08:05:00Z",
        ],
    );
    let rows = capacities(&ok(d, &db, &["export"]));
    let at = "2026-12-01T08:00:00Z".to_string();
    let row = |r: &str, s: &str, n: i64, when: &str| {
        (
            r.to_string(),
            s.to_string(),
            "gpt-4o".to_string(),
            n,
            when.to_string(),
        )
    };
    assert_eq!(
        rows,
        vec![
            row("eastus2", "ProvisionedManaged", 400, &at),
            row("eastus2", "GlobalProvisionedManaged", 1000, &at),
            row("eastus2", "DataZoneProvisionedManaged", 0, &at),
            row("swedencentral", "ProvisionedManaged", 250, &at),
            row("swedencentral", "GlobalProvisionedManaged", 600, &at),
            row("westus3", "ProvisionedManaged", 0, &at),
            row(
                "francecentral",
                "ProvisionedManaged",
                500,
                "2026-09-01T12:00:00Z"
            ),
        ]
    );
    // The same answer dated before the stored one changes nothing.
    let again = ok(
        d,
        &db,
        &[
            "import",
            &az("model-capacities.json"),
            "--at",
            "2026-11-01T00:00:00Z",
            "--now",
            "2026-12-01T09:00:00Z",
        ],
    );
    assert!(again.starts_with("Nothing changed"), "{again}");
    assert_eq!(capacities(&ok(d, &db, &["export"])), rows);
    // A negative capacity is refused with its path, the store unchanged.
    let bad = d.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"value":[{"type":"Microsoft.CognitiveServices/locations/models/skuCapacities","location":"EastUS2","properties":{"model":{"format":"OpenAI","name":"gpt-4o","version":"2024-08-06"},"skuName":"ProvisionedManaged","availableCapacity":-1}}]}"#,
    )
    .unwrap();
    let o = run(d, &db, &["import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "bad.json: $.value[0].properties.availableCapacity: expected the available capacity"
        ),
        "{err}"
    );
    assert_eq!(capacities(&ok(d, &db, &["export"])), rows);
}

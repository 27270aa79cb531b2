//! Service capacity (`modelCapacities`) through the command line, as a user
//! runs it: imported as Azure answers it, dated, kept newest-first; then
//! `ptudesk capacity` answering where N PTU fit, with every figure worked by
//! hand in the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/azure");

fn run(dir: &Path, db: &Path, args: &[&str]) -> Output {
    common::ptudesk()
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
    // `capacity` reads the store: francecentral's answer, dated 2026-09-01T12:00Z,
    // is 96 d 20 h old at 2026-12-07T08:00Z.
    let out = ok(
        d,
        &db,
        &[
            "capacity",
            "--model",
            "gpt-4o",
            "--ptu",
            "100",
            "--region",
            "francecentral",
            "--type",
            "Regional",
            "--now",
            "2026-12-07T08:00:00Z",
        ],
    );
    assert!(
        out.contains("  francecentral Regional 500 (96 d old) unknown"),
        "{out}"
    );
    // The CSV tables carry them: one row each, dated.
    let tables = d.join("tables");
    ok(
        d,
        &db,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            tables.to_str().unwrap(),
        ],
    );
    let csv = std::fs::read_to_string(tables.join("model_capacities.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "region,sku,model,version,available,as_of");
    assert_eq!(lines.len(), 1 + rows.len(), "{csv}");
    assert!(
        lines.contains(
            &"francecentral,ProvisionedManaged,gpt-4o,2024-08-06,500,2026-09-01T12:00:00Z"
        ),
        "{csv}"
    );
}

const ESTATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/capacity/estate.json"
);

fn capacity(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        "capacity",
        "--scenario",
        ESTATE,
        "--now",
        "2026-12-07T10:00:00Z",
    ];
    all.extend_from_slice(args);
    run(dir, &dir.join("unused.db"), &all)
}

/// Worked by hand from tests/data/capacity/estate.json at 2026-12-07T10:00Z,
/// 300 PTU of gpt-4o 2024-08-06, Regional and Global:
/// - swedencentral Global: capacity 600 >= 300 (read 08:00, 2 h old); sub-b's
///   Global limit 1000 - 0 deployed = 1000 free; fits on aoai-swe.
///   300 x 0.90 x 730 = 197,100.00 hourly a month; 300 x 200 = 60,000.00 reserved.
/// - eastus2 Global: 1000 >= 300; sub-a's limit 300 - 0 = 300 free: fits on
///   aoai-east. 300 x 1.00 x 730 = 219,000.00; 300 x 220 = 66,000.00.
/// - francecentral Regional: 500 >= 300, read 2026-09-01T12:00Z, 96 d 22 h
///   old; sub-a's limit 600, nothing deployed, but no account there: fits on a
///   new account. 300 x 2.10 x 730 = 459,900.00; 300 x 270 = 81,000.00.
/// - francecentral and westus3 Global: no capacity answer, no Global quota
///   row: unknown. The `*` Global row: 219,000.00 and 66,000.00.
/// - eastus2 Regional: capacity 400 >= 300, but gpt-4o's own row 350 - 100
///   (chat) = 250 free, tighter than the pooled 500 - 100 = 400: no quota.
///   300 x 2.00 x 730 = 438,000.00; 300 x 260 = 78,000.00.
/// - westus3 Regional: capacity 0 (none left) though the quota (1000) is free.
/// - swedencentral Regional: capacity 250 < 300; quota 400 - 200 (swe-chat,
///   whose resize to 50 is only planned) = 200. 300 x 2.20 x 730 =
///   481,800.00; 300 x 280 = 84,000.00.
///
/// Sorted: fits (cheapest first), fits on a new account, unknown, no quota,
/// no service capacity; ties by region.
#[test]
fn capacity_table_checked_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let o = capacity(
        dir.path(),
        &[
            "--model",
            "gpt-4o",
            "--version",
            "2024-08-06",
            "--ptu",
            "300",
            "--type",
            "Regional",
            "--type",
            "Global",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let expected = "\
Where 300 PTU of gpt-4o (2024-08-06) can go, as of 2026-12-07 10:00 UTC (service capacity as last read from Azure):
  region        type     capacity       free quota answer                hourly/month USD reserved/month USD on
  swedencentral Global   600 (2 h old)  1000       fits                        197,100.00          60,000.00 aoai-swe
  eastus2       Global   1000 (2 h old) 300        fits                        219,000.00          66,000.00 aoai-east
  francecentral Regional 500 (96 d old) 600        fits on a new account       459,900.00          81,000.00 -
  francecentral Global   unknown        unknown    unknown                     219,000.00          66,000.00 -
  westus3       Global   unknown        unknown    unknown                     219,000.00          66,000.00 -
  eastus2       Regional 400 (2 h old)  250        no quota                    438,000.00          78,000.00 -
  westus3       Regional 0 (2 h old)    1000       no service capacity         438,000.00          78,000.00 -
  swedencentral Regional 250 (2 h old)  200        no service capacity         481,800.00          84,000.00 -
";
    let got = String::from_utf8(o.stdout).unwrap();
    assert!(got.starts_with(expected), "got:\n{got}");
}

#[test]
fn capacity_json_names_the_binding_quota_row_and_the_answer_age() {
    let dir = tempfile::tempdir().unwrap();
    let o = capacity(
        dir.path(),
        &[
            "--model",
            "gpt-4o",
            "--ptu",
            "300",
            "--type",
            "regional",
            "--region",
            "East US 2",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], serde_json::Value::Null);
    let places = v["places"].as_array().unwrap();
    assert_eq!(places.len(), 1, "{v}");
    let p = &places[0];
    assert_eq!(p["region"], "eastus2");
    assert_eq!(p["sku"], "ProvisionedManaged");
    // 08:00 to 10:00: 7,200 s.
    assert_eq!(p["capacity"]["available"], 400);
    assert_eq!(p["capacity"]["age_seconds"], 7200);
    assert_eq!(p["capacity"]["as_of"], "2026-12-07T08:00:00Z");
    // gpt-4o's own row: 350 - 100 = 250 (the pooled row leaves 400).
    assert_eq!(p["quotas"][0]["row"], "Regional gpt-4o 2024-08-06");
    assert_eq!(p["quotas"][0]["limit"], 350);
    assert_eq!(p["quotas"][0]["deployed"], 100);
    assert_eq!(p["free_quota"], 250);
    assert_eq!(p["answer"], "no quota");
    // 300 x 2.00 x 730 and 300 x 260.
    assert_eq!(p["hourly_month"], "438000.00");
    assert_eq!(p["reserved_month"], "78000.00");

    // 250 PTU do fit there: 250 <= 250 free, 250 <= 400 available.
    let o = capacity(
        dir.path(),
        &[
            "--model", "gpt-4o", "--ptu", "250", "--type", "Regional", "--region", "eastus2",
            "--format", "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["places"][0]["answer"], "fits");
    assert_eq!(v["places"][0]["resources"][0], "aoai-east");
    // 250 x 2.00 x 730 = 365,000.00.
    assert_eq!(v["places"][0]["hourly_month"], "365000.00");
}

#[test]
fn a_model_with_none_left_is_short_everywhere_it_was_asked() {
    let dir = tempfile::tempdir().unwrap();
    let o = capacity(
        dir.path(),
        &[
            "--model", "o1", "--ptu", "50", "--type", "Regional", "--region", "eastus2",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let got = String::from_utf8(o.stdout).unwrap();
    // o1 has no model-specific row: the pooled 500 - 100 (chat) = 400 free.
    assert!(
        got.contains("  eastus2 Regional 0 (2 h old) 400        no service capacity"),
        "{got}"
    );
}

#[test]
fn bad_capacity_arguments_get_one_message_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    for (args, says) in [
        (&["--model", "gpt-4o", "--ptu", "0"][..], "--ptu"),
        (&["--model", "gpt-4o", "--ptu", "-5"][..], "--ptu"),
        (&["--model", "gpt-4o", "--ptu", "lots"][..], "--ptu"),
        (&["--ptu", "300"][..], "--model"),
        (
            &["--model", "gpt-4o", "--ptu", "300", "--type", "Standard"][..],
            "Standard",
        ),
        (
            &["--model", " ", "--ptu", "300"][..],
            "--model: expected a model name",
        ),
        (
            &["--model", "gpt-4o", "--ptu", "300", "--region", "--"][..],
            "--region",
        ),
        (
            &["--model", "gpt-4o", "--ptu", "300", "--format", "csv"][..],
            "csv",
        ),
    ] {
        let o = capacity(dir.path(), args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}

/// `ptudesk --demo` carries Azure's capacity answers, read three hours
/// before now whenever now is (the story moves by whole months, the answers
/// by the exact time from the story's anchor, 22 November 2026 09:00, to
/// now): gpt-4o 2024-08-06 fits in Sweden Central Global on the research
/// account, and West US 3 and East US 2 Data Zone have no room left.
#[test]
fn the_demo_answers_where_its_gpt4o_can_go_three_hours_after_the_read() {
    let (dir, db) = setup();
    // 7 December 16:05: the story is December's (its anchor 22 December
    // 09:00), the answers dated 16:05 - 3 h = 13:05, 10,800 s old.
    let args = [
        "--demo",
        "--now",
        "2026-12-07T16:05:00Z",
        "capacity",
        "--model",
        "gpt-4o",
        "--version",
        "2024-08-06",
        "--ptu",
        "300",
    ];
    let out = ok(
        dir.path(),
        &db,
        &[&args[..], &["--format", "json"]].concat(),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let places = v["places"].as_array().unwrap();
    // Five regions, three types: every place has an answer.
    assert_eq!(places.len(), 15, "{out}");
    for p in places {
        assert_eq!(p["capacity"]["as_of"], "2026-12-07T13:05:00Z", "{p}");
        assert_eq!(p["capacity"]["age_seconds"], 10_800, "{p}");
    }
    // First: Sweden Central Global, 600 free; sub-research's Global limit
    // 500 less research-gpt41's 100 and eval-o3's 35 (its resize to 50
    // comes on the 16th) leaves 365 >= 300.
    let first = &places[0];
    assert_eq!(first["region"], "swedencentral");
    assert_eq!(first["sku"], "GlobalProvisionedManaged");
    assert_eq!(first["capacity"]["available"], 600);
    assert_eq!(first["free_quota"], 365);
    assert_eq!(first["answer"], "fits");
    assert_eq!(first["resources"], serde_json::json!(["aoai-swc-research"]));
    let answer = |region: &str, sku: &str| {
        places
            .iter()
            .find(|p| p["region"] == region && p["sku"] == sku)
            .map(|p| {
                (
                    p["capacity"]["available"].as_i64().unwrap(),
                    p["answer"].clone(),
                )
            })
            .unwrap()
    };
    assert_eq!(
        answer("westus3", "ProvisionedManaged"),
        (0, "no service capacity".into())
    );
    assert_eq!(
        answer("eastus2", "DataZoneProvisionedManaged"),
        (0, "no service capacity".into())
    );
    // The table says the age as a person does.
    let table = ok(dir.path(), &db, &args);
    assert!(
        table.contains("  swedencentral Global    600 (3 h old)  365        fits"),
        "{table}"
    );
}

//! `ptudesk forecast` and `ptudesk generate` run as a user runs them.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn ptudesk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ptudesk"))
        .args(args)
        .env_remove("PTUDESK_DB")
        .output()
        .expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

const EXAMPLE: &str = "tests/data/interface_example.json";

#[test]
fn json_output_follows_the_interface() {
    let o = ptudesk(&[
        "forecast",
        "--scenario",
        EXAMPLE,
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-01",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["from"], "2026-11-01T00:00:00Z");
    assert_eq!(v["to"], "2026-12-01T00:00:00Z");
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["basis"], "actual");
    for key in [
        "hourly",
        "commitment",
        "reservation",
        "refunds",
        "managed_compute",
        "total",
        "deployed_ptu_hours",
        "commitment_covered_ptu_hours",
        "reservation_covered_ptu_hours",
        "hourly_ptu_hours",
        "unused_commitment_ptu_hours",
        "unused_reservation_ptu_hours",
    ] {
        assert!(
            v["totals"][key].is_string(),
            "totals.{key} is a decimal string"
        );
    }
    // The example's commitment: 300 PTU at 1100 billed 1 Nov, plus 50 PTU on
    // 15 Nov prorated 16/30; the reservation (200 PTU, 1 month at 1000) on 20 Nov.
    assert_eq!(v["totals"]["commitment"], "359333.33");
    assert_eq!(v["totals"]["reservation"], "200000.00");
    let ids: Vec<&str> = v["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["cp-east", "res-1"]);
    // From 10 Nov 12:00 400 PTU are deployed against 350 committed: overage.
    let overage: Vec<&Value> = v["windows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["kind"] == "overage")
        .collect();
    assert_eq!(overage[0]["subject"], "aoai-east");
    assert_eq!(overage[0]["start"], "2026-11-10T12:00:00Z");
    // Reservation bought 20 Nov while the commitment covers the same PTUs: double billing.
    let db: Vec<&Value> = v["windows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["kind"] == "double_billing")
        .collect();
    assert_eq!(db[0]["subject"], "res-1");
    assert_eq!(db[0]["start"], "2026-11-20T08:00:00Z");
    assert_eq!(v["periods"].as_array().unwrap().len(), 1);
}

#[test]
fn csv_has_one_row_per_period() {
    let o = ptudesk(&[
        "forecast",
        "--scenario",
        EXAMPLE,
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-01",
        "--by",
        "day",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "start,end,hourly,commitment,reservation,managed_compute,total"
    );
    assert_eq!(lines.len(), 31);
    assert!(lines[1].starts_with("2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"));
    assert!(
        lines[1].ends_with(",330000.00") || lines[1].contains("330000.00"),
        "{}",
        lines[1]
    );
}

#[test]
fn the_default_window_is_the_month_containing_now() {
    let o = ptudesk(&[
        "forecast",
        "--scenario",
        EXAMPLE,
        "--now",
        "2026-11-17T13:45:00Z",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (Some("2026-11-01T00:00:00Z"), Some("2026-12-01T00:00:00Z"))
    );
    // "Now" never changes an amount.
    let o2 = ptudesk(&[
        "forecast",
        "--scenario",
        EXAMPLE,
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-01",
        "--format",
        "json",
    ]);
    assert_eq!(stdout(&o), stdout(&o2));
}

#[test]
fn tables_fit_80_columns() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    let g = ptudesk(&["generate", "--scale", "300", "--seed", "3"]);
    std::fs::write(&big, &g.stdout).unwrap();
    for args in [
        vec![
            "forecast",
            "--scenario",
            EXAMPLE,
            "--from",
            "2026-11-01",
            "--to",
            "2027-02-01",
        ],
        vec![
            "forecast",
            "--demo",
            "--now",
            "2026-11-22T09:00:00Z",
            "--by",
            "day",
        ],
        vec![
            "forecast",
            "--scenario",
            big.to_str().unwrap(),
            "--from",
            "2027-01-01",
            "--to",
            "2028-01-01",
        ],
    ] {
        let o = ptudesk(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(text.lines().count() > 10);
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{args:?}: line of {} columns: {line}",
                line.chars().count()
            );
        }
    }
}

#[test]
fn the_demo_tells_its_story() {
    let o = ptudesk(&["forecast", "--demo", "--now", "2026-11-22T09:00:00Z"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Explanations wrap at 80 columns: compare with whitespace folded.
    let text = stdout(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.starts_with("Forecast 2026-11-01 00:00 .. 2026-12-01 00:00 UTC"),
        "{text}"
    );
    assert!(
        text.contains("commitment cp-eastus-legacy expired at 2026-11-27T09:00:00Z"),
        "{text}"
    );
    assert!(text.contains("res-wus3-global is Global"), "{text}");
    assert!(text.contains("unverified prices"), "{text}");
    // A month later the dates move with now: the expiry is in December.
    let o = ptudesk(&["forecast", "--demo", "--now", "2026-12-22T09:00:00Z"]);
    let text = stdout(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("commitment cp-eastus-legacy expired at 2026-12-27T09:00:00Z"),
        "{text}"
    );
}

#[test]
fn the_terminal_app_without_a_terminal_says_what_to_use() {
    let o = Command::new(env!("CARGO_BIN_EXE_ptudesk"))
        .args(["--demo", "--now", "2026-11-22T09:00:00Z"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the terminal app needs a terminal"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn generate_is_deterministic_and_valid() {
    let a = ptudesk(&["generate", "--scale", "200", "--seed", "7"]);
    let b = ptudesk(&["generate", "--scale", "200", "--seed", "7"]);
    let c = ptudesk(&["generate", "--scale", "200", "--seed", "8"]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    let v: Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(v["schema"], "ptudesk.snapshot/1");
    assert_eq!(v["deployments"].as_array().unwrap().len(), 200);
    // Dated from 2027-01-01 without --now; from --now with it.
    let d = ptudesk(&[
        "generate",
        "--scale",
        "200",
        "--seed",
        "7",
        "--now",
        "2030-06-01",
    ]);
    assert_ne!(a.stdout, d.stdout);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g.json");
    std::fs::write(&file, &a.stdout).unwrap();
    let o = ptudesk(&[
        "forecast",
        "--scenario",
        file.to_str().unwrap(),
        "--from",
        "2027-01-01",
        "--to",
        "2027-02-01",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn fails(args: &[&str], code: i32, expected: &[&str]) {
    let o = ptudesk(args);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "one message: {err}");
    for e in expected {
        assert!(err.contains(e), "{args:?}: {err}\n  should say: {e}");
    }
    assert!(o.stdout.is_empty());
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn bad_input_gets_one_clear_message_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(EXAMPLE).unwrap();
    let not_json = write(dir.path(), "notes.json", "this is not json");
    let wrong_type = write(
        dir.path(),
        "wrong.json",
        &example.replace("\"ptu\": 400", "\"ptu\": \"lots\""),
    );
    let dangling = write(
        dir.path(),
        "dangling.json",
        &example.replace(
            "\"resource\": \"aoai-east\", \"model\"",
            "\"resource\": \"aoai-west\", \"model\"",
        ),
    );
    let steps = write(
        dir.path(),
        "steps.json",
        &example.replace("\"ptu\": 300, \"additions\"", "\"ptu\": 310, \"additions\""),
    );
    let negative = write(
        dir.path(),
        "negative.json",
        &example.replace("\"ptu\": 400", "\"ptu\": -400"),
    );
    let backwards = write(
        dir.path(),
        "backwards.json",
        &example.replace("\"end\": null", "\"end\": \"2026-10-01T00:00:00Z\""),
    );
    let truncated = write(dir.path(), "truncated.json", &example[..example.len() / 2]);
    fails(
        &["forecast", "--scenario", &not_json],
        1,
        &["notes.json", "not valid JSON"],
    );
    fails(
        &["forecast", "--scenario", &wrong_type],
        1,
        &[
            "wrong.json",
            "$.deployments[0].sizes[1].ptu",
            "expected i64",
        ],
    );
    fails(
        &["forecast", "--scenario", &dangling],
        1,
        &[
            "dangling.json",
            "$.deployments[0].resource",
            "expected the id of a resource",
        ],
    );
    fails(
        &["forecast", "--scenario", &steps],
        1,
        &["steps.json", "$.commitments[0].ptu", "multiple of 50"],
    );
    fails(
        &["forecast", "--scenario", &negative],
        1,
        &[
            "negative.json",
            "$.deployments[0].sizes[1].ptu",
            "positive number of PTU",
        ],
    );
    fails(
        &["forecast", "--scenario", &backwards],
        1,
        &[
            "backwards.json",
            "$.managed_compute[0].end",
            "after the start",
        ],
    );
    fails(
        &["forecast", "--scenario", &truncated],
        1,
        &["truncated.json", "ends early"],
    );
    fails(
        &["forecast", "--scenario", "/nonexistent/estate.json"],
        1,
        &["/nonexistent/estate.json", "cannot read"],
    );
    fails(
        &[
            "forecast",
            "--scenario",
            EXAMPLE,
            "--from",
            "2026-11-01T10:30:00Z",
            "--to",
            "2026-11-02",
        ],
        1,
        &["--from must be a whole UTC hour"],
    );
    fails(
        &[
            "forecast",
            "--scenario",
            EXAMPLE,
            "--from",
            "2026-12-01",
            "--to",
            "2026-11-01",
        ],
        1,
        &["must be after --from"],
    );
    fails(
        &["forecast", "--scenario", EXAMPLE, "--from", "yesterday"],
        1,
        &["RFC 3339"],
    );
    fails(
        &["forecast", "--scenario", EXAMPLE, "--basis", "cash"],
        1,
        &["invalid value 'cash'"],
    );
}

#[test]
fn a_file_too_large_to_be_sane_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.json");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(ptudesk::ingest::MAX_INPUT_BYTES + 1).unwrap();
    fails(
        &["forecast", "--scenario", p.to_str().unwrap()],
        1,
        &["huge.json", "expected at most 256 MiB"],
    );
}

#[test]
fn a_missing_price_is_an_error_naming_the_item() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(EXAMPLE).unwrap();
    let no_commitment_price = write(
        dir.path(),
        "nocp.json",
        &example.replace(",\n     \"commitment_month\": \"1100.00\"", ""),
    );
    fails(
        &[
            "forecast",
            "--scenario",
            &no_commitment_price,
            "--from",
            "2026-11-01",
            "--to",
            "2026-12-01",
        ],
        1,
        &["commitment cp-east needs a commitment_month price for eastus2 ProvisionedManaged"],
    );
}

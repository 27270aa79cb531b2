//! Hostile text in an estate (ids and names holding terminal escapes, ids
//! that a spreadsheet takes for formulas) through every output of the real
//! binary: text never carries a control character to the terminal, JSON
//! escapes them and reads back unchanged, CSV cells are defused.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const NOW: &str = "2026-11-22T09:00:00Z";
/// Retitles the window (OSC 0), writes the clipboard (OSC 52), and a C1 CSI.
const ESC: &str = "\u{1b}]0;pwned\u{7}\u{1b}]52;c;ZWNobyBoaQ==\u{7}\u{9b}31m\u{202e}";

fn run(db: &Path, args: &[&str]) -> Output {
    common::ptudesk()
        .args(args)
        .env("PTUDESK_DB", db)
        .env("PTUDESK_CONFIG", db.with_extension("toml"))
        .output()
        .unwrap()
}

/// The example snapshot with every id and name made hostile.
fn hostile(dir: &Path) -> PathBuf {
    let mut s: Value = serde_json::from_str(include_str!("data/interface_example.json")).unwrap();
    let res = format!("=HYPERLINK(\"http://x\"){ESC}");
    s["resources"][0]["id"] = res.clone().into();
    s["deployments"][0]["resource"] = res.clone().into();
    s["commitments"][0]["resource"] = res.into();
    s["deployments"][0]["id"] = format!("+SUM(1,1){ESC}").into();
    s["commitments"][0]["id"] = format!("-2+3+cmd|' /C calc'!A0{ESC}").into();
    s["reservations"][0]["id"] = format!("@res{ESC}").into();
    s["reservations"][0]["name"] = format!("name{ESC}").into();
    let p = dir.join("hostile.json");
    std::fs::write(&p, s.to_string()).unwrap();
    p
}

/// True when `bytes` hold a character a terminal acts on (other than a
/// line break): C0, DEL, C1 or a bidirectional override.
fn has_control(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes).chars().any(|c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fn assert_clean(what: &str, o: &Output) {
    assert!(
        !has_control(&o.stdout),
        "{what} stdout: {:?}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        !has_control(&o.stderr),
        "{what} stderr: {:?}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn text_outputs_show_control_characters_and_never_send_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let file = hostile(dir.path());
    let f = file.to_str().unwrap();
    for args in [
        vec!["check", "--scenario", f, "--now", NOW],
        vec!["forecast", "--scenario", f, "--now", NOW],
        vec!["forecast", "--scenario", f, "--now", NOW, "--format", "csv"],
        vec!["export", "--format", "focus", "--scenario", f, "--now", NOW],
        vec!["plan", "migrate", "--scenario", f, "--now", NOW],
    ] {
        let o = run(&db, &args);
        assert!(
            !o.stdout.is_empty() || !o.stderr.is_empty(),
            "{args:?} said nothing"
        );
        assert_clean(&args.join(" "), &o);
    }
    let o = run(&db, &["check", "--scenario", f, "--now", NOW]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("@res\\u{1b}]0;pwned\\u{7}"), "{text}");
    assert!(text.contains("\\u{9b}31m\\u{202e}"), "{text}");

    // Through the store: import, diff, log, ack with a hostile note, ack --list.
    assert!(run(&db, &["import", f, "--now", NOW]).status.success());
    for args in [
        vec!["diff", "--since", "2026-01-01"],
        vec!["log", "--verbose"],
        vec!["check", "--now", NOW],
    ] {
        assert_clean(&args.join(" "), &run(&db, &args));
    }
    let checked: Value =
        serde_json::from_slice(&run(&db, &["check", "--now", NOW, "--format", "json"]).stdout)
            .unwrap();
    let id = checked[0]["id"].as_str().unwrap().to_string();
    let note = format!("see {ESC}");
    let o = run(&db, &["ack", &id, "--note", &note, "--now", NOW]);
    assert!(o.status.success(), "{o:?}");
    assert_clean("ack", &o);
    let o = run(&db, &["ack", "--list", "--now", NOW]);
    assert_clean("ack --list", &o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("note: see \\u{1b}]0;pwned"));
    // An error message quoting an id.
    let o = run(&db, &["unack", &format!("nope{ESC}")]);
    assert!(!o.status.success());
    assert_clean("unack error", &o);
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope\\u{1b}"));
}

#[test]
fn json_escapes_control_characters_and_reads_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let file = hostile(dir.path());
    let f = file.to_str().unwrap();
    for args in [
        vec!["check", "--scenario", f, "--now", NOW, "--format", "json"],
        vec![
            "forecast",
            "--scenario",
            f,
            "--now",
            NOW,
            "--format",
            "json",
        ],
        vec!["export", "--scenario", f, "--now", NOW],
    ] {
        let o = run(&db, &args);
        assert!(!has_control(&o.stdout), "{args:?}");
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(v.to_string().contains("pwned"), "{args:?}");
    }
    // The snapshot export reads back to the very ids it was given.
    let o = run(&db, &["export", "--scenario", f, "--now", NOW]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["reservations"][0]["name"].as_str().unwrap(),
        format!("name{ESC}")
    );
}

#[test]
fn csv_cells_that_look_like_formulas_are_prefixed_and_numbers_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let file = hostile(dir.path());
    let f = file.to_str().unwrap();
    assert!(run(&db, &["import", f, "--now", NOW]).status.success());
    let out = dir.path().join("tables");
    let o = run(
        &db,
        &["export", "--format", "csv", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{o:?}");
    let mut cells = Vec::new();
    for entry in std::fs::read_dir(&out).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!has_control(&bytes));
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        for rec in r.records() {
            cells.extend(rec.unwrap().iter().map(str::to_string));
        }
    }
    let o = run(&db, &["export", "--format", "focus", "--now", NOW]);
    assert!(!has_control(&o.stdout));
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let mut focus = Vec::new();
    for rec in r.records() {
        focus.extend(rec.unwrap().iter().map(str::to_string));
    }
    assert!(
        focus.iter().any(|c| c.starts_with("'-2+3+cmd|")),
        "{focus:?}"
    );
    cells.extend(focus);
    for c in &cells {
        let starts_risky = c.starts_with(['=', '+', '@', '\t', '\r'])
            || (c.starts_with('-') && c.parse::<rust_decimal::Decimal>().is_err());
        assert!(!starts_risky, "a formula reached the CSV: {c:?}");
    }
    assert!(cells.iter().any(|c| c.starts_with("'=HYPERLINK(")));
    assert!(cells.iter().any(|c| c.starts_with("'+SUM(1,1)")));
    assert!(cells.iter().any(|c| c.starts_with("'@res")));
}

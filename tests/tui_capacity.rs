//! The terminal app's service capacity: the Quota pane shows, beside
//! quota, what Azure last reported free for the models deployed there (and
//! how old that answer is); its capacity mode answers "where can I put N
//! PTU of this model" with the same places, order and figures as
//! `ptudesk capacity --format json` on the same store.

mod common;

use common::tui::{press, screen};

use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::tui::action::TextKey;
use ptudesk::tui::runtime::send;
use ptudesk::tui::{Action, App, Pane, Worker};
use ratatui::crossterm::event::KeyCode;
use serde_json::Value;
use std::path::PathBuf;

const NOW: &str = "2026-11-22T09:00:00Z";
/// The capacity answer is three hours old at [`NOW`].
const READ: &str = "2026-11-22T06:00:00Z";

fn now() -> Time {
    parse_time_arg(NOW).unwrap()
}

fn store_path(worker: &Worker) -> PathBuf {
    worker.slot.lock().unwrap().path.clone()
}

/// The binary on the app's own store, another process.
fn cli(worker: &Worker, args: &[&str]) -> String {
    let o = common::ptudesk()
        .args(args)
        .env("PTUDESK_DB", store_path(worker))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// The demo estate without the capacity answers it ships with (a store
/// that never read any), in a throw-away store at [`NOW`].
fn demo_unread() -> (App, Worker) {
    let mut e = ptudesk::demo::estate(now());
    e.model_capacities.clear();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo-unread.json");
    std::fs::write(&file, ptudesk::ingest::snapshot::to_json(&e)).unwrap();
    common::tui::scenario(file, now())
}

/// That store with Azure's capacity answer for one model (tests/data/azure)
/// imported by another process, read three hours before now.
fn demo_with_capacity() -> (App, Worker) {
    let (mut app, worker) = demo_unread();
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/azure/model-capacities.json"
    );
    cli(&worker, &["import", file, "--at", READ, "--now", NOW]);
    assert!(worker.store_changed());
    send(&mut app, &worker, Action::StoreChanged);
    assert!(!app.data().unwrap().estate.model_capacities.is_empty());
    (app, worker)
}

fn cell<'a>(app: &'a App, row_key: &str, title: &str) -> &'a str {
    let t = app.table(Pane::Quota).unwrap();
    let c = t.columns.iter().position(|c| c.title == title).unwrap();
    let r = t.rows.iter().find(|r| r.key == row_key).unwrap();
    &r.cells[c]
}

#[test]
fn the_quota_pane_shows_service_capacity_beside_quota_with_its_age() {
    let (mut app, worker) = demo_with_capacity();
    send(&mut app, &worker, Action::PaneQuota);
    // eastus2 Regional runs gpt-4o 2024-08-06 (Azure: 400 free there) and
    // gpt-4o-mini (never read).
    let row = "sub-prod/eastus2/ProvisionedManaged";
    assert_eq!(cell(&app, row, "Capacity"), "400 (3 h old), 1 not read");
    assert_eq!(
        cell(&app, "sub-platform/westus3/ProvisionedManaged", "Capacity"),
        "not read"
    );
    // Nothing deployed: no model to ask about.
    assert_eq!(
        cell(
            &app,
            "sub-sandbox/eastus2/GlobalProvisionedManaged",
            "Capacity"
        ),
        ""
    );
    let s = screen(&mut app, 120, 40);
    let line = s
        .lines()
        .find(|l| l.contains("sub-prod     eastus2"))
        .unwrap();
    assert!(
        line.contains("near limit 400 (3 h old), 1 not read"),
        "{line}"
    );
    // Expanded, each deployment says its own model's answer.
    let i = app
        .view(Pane::Quota)
        .rows
        .iter()
        .position(|&(i, _)| app.table(Pane::Quota).unwrap().rows[i].key == row)
        .unwrap();
    for _ in 0..i {
        press(&mut app, &worker, KeyCode::Char('j'));
    }
    press(&mut app, &worker, KeyCode::Enter);
    let s = screen(&mut app, 120, 40);
    let kid = |id: &str| {
        s.lines()
            .find(|l| l.contains(&format!(" {id} ")))
            .unwrap_or_else(|| panic!("{id} in\n{s}"))
            .to_string()
    };
    let chat = kid("chat-gpt4o");
    assert!(chat.contains(" gpt-4o 2024-08-06 "), "{s}");
    assert!(
        chat.contains("300 PTU  service capacity 400 (3 h old)"),
        "{s}"
    );
    assert!(
        kid("rag-gpt4omini").contains("service capacity not read"),
        "{s}"
    );
}

/// `--demo` ships Azure's capacity answers, read three hours before now
/// whenever now is: the story moves by whole months, the answers by the
/// exact time from the story's anchor (22 November 2026, 09:00) to now.
#[test]
fn the_demo_shows_its_own_capacity_answers_three_hours_old() {
    for (at, read) in [
        // The story's own now: the file's date, 06:00.
        (NOW, READ),
        // 7 December 16:05: the story is December's (anchor 22 December
        // 09:00); shifted with it, the answers would be dated 22 December
        // 06:00, after now. They are dated 16:05 - 3 h.
        ("2026-12-07T16:05:00Z", "2026-12-07T13:05:00Z"),
    ] {
        let at = parse_time_arg(at).unwrap();
        let (mut app, worker) = common::tui::demo(at);
        let read = parse_time_arg(read).unwrap();
        let caps = &app.data().unwrap().estate.model_capacities;
        assert!(!caps.is_empty());
        assert!(caps.iter().all(|c| c.as_of == read), "{caps:?}");
        send(&mut app, &worker, Action::PaneQuota);
        // eastus2 Regional runs gpt-4o 2024-08-06 (400 free) and
        // gpt-4o-mini 2024-07-18 (150 free): the tightest.
        assert_eq!(
            cell(&app, "sub-prod/eastus2/ProvisionedManaged", "Capacity"),
            "150 (3 h old)"
        );
        // westus3 Regional has no room left for support-gpt4o's gpt-4o
        // 2024-11-20 (triage's gpt-4.1-mini: 20).
        assert_eq!(
            cell(&app, "sub-platform/westus3/ProvisionedManaged", "Capacity"),
            "0 (3 h old)"
        );
        assert!(!screen(&mut app, 120, 40).contains("not read"));
    }
}

#[test]
fn the_capacity_mode_answers_as_ptudesk_capacity_does() {
    let (mut app, worker) = demo_with_capacity();
    send(&mut app, &worker, Action::PaneQuota);
    let row = "sub-prod/eastus2/ProvisionedManaged";
    let i = app
        .view(Pane::Quota)
        .rows
        .iter()
        .position(|&(i, _)| app.table(Pane::Quota).unwrap().rows[i].key == row)
        .unwrap();
    for _ in 0..i {
        press(&mut app, &worker, KeyCode::Char('j'));
    }
    // `c` asks about the row's first deployment: chat-gpt4o, 300 PTU of
    // gpt-4o 2024-08-06.
    press(&mut app, &worker, KeyCode::Char('c'));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("Quota › capacity: where 300 PTU of gpt-4o (2024-08-06) can go"),
        "{s}"
    );
    let json = cli(
        &worker,
        &[
            "capacity",
            "--model",
            "gpt-4o",
            "--version",
            "2024-08-06",
            "--ptu",
            "300",
            "--format",
            "json",
            "--now",
            NOW,
        ],
    );
    agrees(&app, &s, &json);
    // The answer worked out: swedencentral Global fits (600 free, 350 of
    // quota) on the research account; westus3 Regional has none left.
    let first = &app.table(Pane::Quota).unwrap().rows[0];
    assert_eq!(
        first.cells[..5],
        ["swedencentral", "Global", "600 (3 h old)", "350", "fits"]
    );
    assert_eq!(first.cells[7], "aoai-swc-research");

    // The palette asks anything, in `ptudesk capacity`'s words.
    send(&mut app, &worker, Action::Palette);
    for c in "capacity gpt-4o 500 --type Regional --region EastUS2 --region westus3".chars() {
        send(&mut app, &worker, Action::Text(TextKey::Char(c)));
    }
    press(&mut app, &worker, KeyCode::Enter);
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("where 500 PTU of gpt-4o (any version) can go, Regional in eastus2, westus3"),
        "{s}"
    );
    let json = cli(
        &worker,
        &[
            "capacity", "--model", "gpt-4o", "--ptu", "500", "--type", "Regional", "--region",
            "EastUS2", "--region", "westus3", "--format", "json", "--now", NOW,
        ],
    );
    agrees(&app, &s, &json);
    assert_eq!(app.table(Pane::Quota).unwrap().rows.len(), 2);

    // Enter goes to the account where it fits; esc comes back; c returns
    // to quota.
    send(
        &mut app,
        &worker,
        Action::Command("capacity gpt-4o 300".into()),
    );
    press(&mut app, &worker, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Deployments);
    assert_eq!(app.view(Pane::Deployments).filter, "aoai-swc-research");
    press(&mut app, &worker, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Quota);
    assert!(app.capacity.is_some());
    press(&mut app, &worker, KeyCode::Char('c'));
    assert!(app.capacity.is_none());
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains(" Quota: per subscription, region and type"),
        "{s}"
    );
}

/// Every place of `ptudesk capacity --format json` is a row of the view,
/// in the same order, each figure the same: on the table and on screen.
fn agrees(app: &App, screen: &str, json: &str) {
    let doc: Value = serde_json::from_str(json).unwrap();
    let places = doc["places"].as_array().unwrap();
    let t = app.table(Pane::Quota).unwrap();
    let v = app.view(Pane::Quota);
    assert!(!places.is_empty());
    assert_eq!(places.len(), v.rows.len(), "{json}");
    let plain_money = |s: &str| s.replace(['$', ','], "");
    for (p, &(i, _)) in places.iter().zip(&v.rows) {
        let r = &t.rows[i];
        let sku = match p["sku"].as_str().unwrap() {
            "GlobalProvisionedManaged" => "Global",
            "DataZoneProvisionedManaged" => "Data Zone",
            "ProvisionedManaged" => "Regional",
            other => panic!("{other}"),
        };
        let capacity = match &p["capacity"] {
            Value::Null => "unknown".to_string(),
            c => format!(
                "{} ({} h old)",
                c["available"].as_i64().unwrap(),
                c["age_seconds"].as_i64().unwrap() / 3600
            ),
        };
        let quota = p["free_quota"]
            .as_i64()
            .map_or("unknown".to_string(), |q| q.to_string());
        let on: Vec<&str> = p["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        let want = [
            p["region"].as_str().unwrap().to_string(),
            sku.to_string(),
            capacity,
            quota,
            p["answer"].as_str().unwrap().to_string(),
            p["hourly_month"].as_str().unwrap().to_string(),
            p["reserved_month"].as_str().unwrap().to_string(),
            if on.is_empty() {
                "-".to_string()
            } else {
                on.join(", ")
            },
        ];
        let got = [
            r.cells[0].clone(),
            r.cells[1].clone(),
            r.cells[2].clone(),
            r.cells[3].clone(),
            r.cells[4].clone(),
            plain_money(&r.cells[5]),
            plain_money(&r.cells[6]),
            r.cells[7].clone(),
        ];
        assert_eq!(got, want);
        // And on screen, the row as drawn.
        let drawn = screen
            .lines()
            .find(|l| {
                let mut words = l.trim_start_matches(['"', '│']).split_whitespace();
                words.next() == Some(&want[0])
                    && l.contains(&format!(" {} ", r.cells[1]))
                    && l.contains(&r.cells[5])
            })
            .unwrap_or_else(|| panic!("{want:?} on\n{screen}"));
        assert!(drawn.contains(&want[2]), "{drawn}");
        assert!(drawn.contains(&want[4]), "{drawn}");
    }
}

//! `ptudesk check`, `ack`, `unack` as processes: exit codes (0 none, 1
//! warning, 2 critical, 3 could not check), quiet cron runs, filters,
//! acknowledgements, and the webhook on a loopback server.

mod common;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

const NOW: &str = "2026-11-22T09:00:00Z";

fn run(db: &Path, args: &[&str]) -> Output {
    common::ptudesk()
        .args(args)
        .env("PTUDESK_DB", db)
        .env("PTUDESK_CONFIG", db.with_extension("toml"))
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// A store holding the demo estate.
fn demo_store(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("s.db");
    let demo = run(&db, &["export", "--demo", "--now", NOW]);
    let file = dir.join("demo.json");
    std::fs::write(&file, &demo.stdout).unwrap();
    assert!(
        run(&db, &["import", file.to_str().unwrap(), "--now", NOW])
            .status
            .success()
    );
    db
}

fn snapshot(dir: &Path, name: &str, parts: Value) -> String {
    let mut base = serde_json::json!({
        "schema": "ptudesk.snapshot/1", "currency": "USD",
        "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a"]}],
        "prices": [{"region": "eastus2", "sku": "GlobalProvisionedManaged", "hourly": "1.00",
                    "reservation_month": "260", "reservation_year": "2652"}],
        "resources": [{"id": "aoai-a", "subscription": "sub-a", "resource_group": "rg", "region": "eastus2"}]
    });
    for (k, v) in parts.as_object().unwrap() {
        base[k] = v.clone();
    }
    let p = dir.join(name);
    std::fs::write(&p, base.to_string()).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn exit_codes_follow_the_monitoring_convention() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    // Nothing wrong: exit 0.
    let quiet = snapshot(dir.path(), "quiet.json", serde_json::json!({}));
    let o = run(&db, &["check", "--scenario", &quiet, "--now", NOW]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text(&o).starts_with("No notifications."));
    // A warning only: a reservation that covers a third of what it could, bought long ago.
    let warn = snapshot(
        dir.path(),
        "warn.json",
        serde_json::json!({
            "deployments": [{"id": "d1", "resource": "aoai-a", "model": "gpt-4o", "version": "2024-08-06",
                "sku": "GlobalProvisionedManaged", "sizes": [{"at": "2026-10-01T00:00:00Z", "ptu": 100}], "deleted": null}],
            "reservations": [{"id": "r1", "name": "r1", "region": "eastus2", "sku": "GlobalProvisionedManaged", "ptu": 300,
                "term": "P1Y", "billing": "upfront", "start": "2026-10-01T00:00:00Z",
                "scope": {"type": "shared", "billing_account": "ba"}, "scope_changes": [], "renewal": {"mode": "none"}, "refunded_at": null}]
        }),
    );
    let o = run(&db, &["check", "--scenario", &warn, "--now", NOW]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("WARNING  reservation_unused"),
        "{}",
        text(&o)
    );
    // Critical: the demo (an expiry in 5 days with 300 PTU still deployed).
    let o = run(&db, &["check", "--demo", "--now", NOW]);
    assert_eq!(o.status.code(), Some(2));
    // --min-severity filters the output and the code.
    let o = run(
        &db,
        &[
            "check",
            "--scenario",
            &warn,
            "--now",
            NOW,
            "--min-severity",
            "critical",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).starts_with("No notifications."));
    // --quiet prints nothing when nothing is wrong, everything otherwise.
    let o = run(
        &db,
        &["check", "--scenario", &quiet, "--now", NOW, "--quiet"],
    );
    assert_eq!((o.status.code(), o.stdout.len()), (Some(0), 0));
    let o = run(
        &db,
        &["check", "--scenario", &warn, "--now", NOW, "--quiet"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(!o.stdout.is_empty());
    // Could not check: a bad file, a missing store, a bad flag: exit 3.
    let bad = snapshot(
        dir.path(),
        "bad.json",
        serde_json::json!({"deployments": [{"id": "x"}]}),
    );
    for args in [
        vec!["check", "--scenario", bad.as_str(), "--now", NOW],
        vec!["check", "--now", NOW],
        vec!["check", "--horizon", "soon"],
        vec!["check", "--min-severity", "dire"],
    ] {
        let o = run(&db, &args);
        assert_eq!(
            o.status.code(),
            Some(3),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&o.stderr).trim().lines().count(), 1);
    }
}

#[test]
fn json_gives_stable_ids_and_the_interface_fields() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let a = run(&db, &["check", "--demo", "--now", NOW, "--format", "json"]);
    let b = run(
        &db,
        &[
            "check",
            "--demo",
            "--now",
            "2026-11-22T15:00:00Z",
            "--format",
            "json",
        ],
    );
    let va: Value = serde_json::from_slice(&a.stdout).unwrap();
    let vb: Value = serde_json::from_slice(&b.stdout).unwrap();
    let items = va.as_array().unwrap();
    assert!(items.len() >= 5);
    for n in items {
        for key in [
            "id",
            "kind",
            "severity",
            "subject",
            "at",
            "message",
            "cost_impact",
            "action",
        ] {
            assert!(n[key].is_string(), "{key} in {n}");
        }
    }
    let ids = |v: &Value| -> std::collections::BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect()
    };
    let common = ids(&va).intersection(&ids(&vb)).count();
    assert!(
        common >= items.len() - 1,
        "ids survive six hours later: {common} of {}",
        items.len()
    );
}

#[test]
fn ack_silences_until_the_condition_worsens_and_unack_undoes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let all: Value =
        serde_json::from_slice(&run(&db, &["check", "--now", NOW, "--format", "json"]).stdout)
            .unwrap();
    let mismatch = all
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "reservation_mismatch")
        .unwrap();
    let id = mismatch["id"].as_str().unwrap();
    let o = run(
        &db,
        &[
            "ack",
            id,
            "--note",
            "moving to regional next month",
            "--now",
            NOW,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = run(&db, &["check", "--now", NOW]);
    assert!(!text(&after).contains(id), "silenced");
    assert!(text(&after).contains("1 silenced"), "{}", text(&after));
    let list = run(&db, &["ack", "--list", "--now", NOW]);
    assert!(
        text(&list).contains(id) && text(&list).contains("moving to regional"),
        "{}",
        text(&list)
    );
    assert!(
        text(&list).contains("silenced: reservation_mismatch res-wus3-global"),
        "{}",
        text(&list)
    );
    // Later in the term the reservation still idles, the id is unchanged, and the cost
    // over the horizon stays the same or less: still silenced.
    let later = run(&db, &["check", "--now", "2026-11-23T09:00:00Z"]);
    assert!(!text(&later).contains(id));
    // A longer horizon shows more of the same condition: still silenced.
    let longer = run(&db, &["check", "--now", NOW, "--horizon", "60d"]);
    assert!(!text(&longer).contains(id), "{}", text(&longer));
    // Unack.
    assert!(run(&db, &["unack", id]).status.success());
    assert!(text(&run(&db, &["check", "--now", NOW])).contains(id));
    let o = run(&db, &["unack", id]);
    assert_eq!(o.status.code(), Some(1));
    // Acknowledging something not raised is refused.
    let o = run(&db, &["ack", "0000000000000000", "--now", NOW]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no notification 0000000000000000 in force")
    );
    // An end that has passed is refused.
    let o = run(
        &db,
        &["ack", id, "--until", "2026-11-01T00:00:00Z", "--now", NOW],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("--until 2026-11-01T00:00:00Z is not after now"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text(&run(&db, &["check", "--now", NOW])).contains(id));
    // Until a time: back after it.
    assert!(
        run(
            &db,
            &["ack", id, "--until", "2026-11-22T12:00:00Z", "--now", NOW]
        )
        .status
        .success()
    );
    assert!(!text(&run(&db, &["check", "--now", "2026-11-22T11:00:00Z"])).contains(id));
    assert!(text(&run(&db, &["check", "--now", "2026-11-22T13:00:00Z"])).contains(id));
}

#[test]
fn an_acknowledged_expiry_stays_silent_as_time_passes_and_returns_when_more_ptu_run_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let all: Value =
        serde_json::from_slice(&run(&db, &["check", "--now", NOW, "--format", "json"]).stdout)
            .unwrap();
    let expiry = all
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "commitment_expiring" && n["subject"] == "cp-eastus-legacy")
        .unwrap();
    let id = expiry["id"].as_str().unwrap();
    assert!(run(&db, &["ack", id, "--now", NOW]).status.success());
    // The expiry's cost within the horizon grows every hour the horizon
    // slides past it, and with a longer horizon; the condition does not.
    for args in [
        &["check", "--now", "2026-11-22T09:30:00Z"][..],
        &["check", "--now", "2026-11-23T09:00:00Z"][..],
        &["check", "--now", NOW, "--horizon", "60d"][..],
    ] {
        let o = run(&db, args);
        assert!(!text(&o).contains(id), "{args:?}: {}", text(&o));
    }
    // Worse: the commitment grows by 100 PTU for 100 more PTU deployed
    // before the expiry, so 100 more PTU pay hourly after it. (More PTU
    // deployed alone would pay hourly either way: that is an overage of
    // its own, not a worse expiry.)
    let file = dir.path().join("demo.json");
    let mut demo: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let dep = demo["deployments"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|d| d["id"] == "chat-gpt4o-legacy")
        .unwrap();
    let sizes = dep["sizes"].as_array_mut().unwrap();
    let ptu = sizes.last().unwrap()["ptu"].as_i64().unwrap();
    sizes.push(serde_json::json!({"at": "2026-11-24T00:00:00Z", "ptu": ptu + 100}));
    let commitment = demo["commitments"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == "cp-eastus-legacy")
        .unwrap();
    commitment["additions"] = serde_json::json!([{"at": "2026-11-24T00:00:00Z", "ptu": 100}]);
    std::fs::write(&file, demo.to_string()).unwrap();
    let o = run(&db, &["import", file.to_str().unwrap(), "--now", NOW]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let back = run(&db, &["check", "--now", NOW]);
    assert!(text(&back).contains(id), "{}", text(&back));
    let list = run(&db, &["ack", "--list", "--now", NOW]);
    assert!(
        text(&list).contains("back: it got worse"),
        "{}",
        text(&list)
    );
}

#[test]
fn ack_finds_what_check_showed_with_the_same_horizon() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let wide: Value = serde_json::from_slice(
        &run(
            &db,
            &[
                "check",
                "--now",
                NOW,
                "--horizon",
                "90d",
                "--format",
                "json",
            ],
        )
        .stdout,
    )
    .unwrap();
    let narrow = text(&run(&db, &["check", "--now", NOW, "--format", "json"]));
    let far = wide
        .as_array()
        .unwrap()
        .iter()
        .find(|n| !narrow.contains(n["id"].as_str().unwrap()))
        .expect("a 90-day horizon shows more than 30 days");
    let id = far["id"].as_str().unwrap();
    let o = run(&db, &["ack", id, "--now", NOW]);
    assert_eq!(o.status.code(), Some(1), "not in the default horizon");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--horizon"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run(&db, &["ack", id, "--now", NOW, "--horizon", "90d"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = run(&db, &["check", "--now", NOW, "--horizon", "90d"]);
    assert!(!text(&after).contains(id));
    // A horizon of nothing is refused.
    let o = run(&db, &["check", "--now", NOW, "--horizon", "0d"]);
    assert_eq!(o.status.code(), Some(3));
}

/// A loopback HTTP server that records request bodies and answers `status`.
fn server(status: u16) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut s = stream.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            // Read headers, then the body by Content-Length.
            let body = loop {
                let n = s.read(&mut chunk).unwrap();
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len: usize = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        let n = s.read(&mut chunk).unwrap();
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    break String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
                }
            };
            seen.lock().unwrap().push(body);
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (url, bodies)
}

#[test]
fn the_webhook_gets_new_notifications_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let (url, bodies) = server(200);
    let target = format!("webhook:{url}");
    let o = run(
        &db,
        &["check", "--now", NOW, "--notify", &target, "--quiet"],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let first: Value = serde_json::from_str(&bodies.lock().unwrap()[0]).unwrap();
    let expected: Value =
        serde_json::from_slice(&run(&db, &["check", "--now", NOW, "--format", "json"]).stdout)
            .unwrap();
    assert_eq!(first, expected, "the same JSON array as --format json");
    // Again: nothing new, nothing posted.
    run(&db, &["check", "--now", NOW, "--notify", &target]);
    assert_eq!(bodies.lock().unwrap().len(), 1);
    // A week later the legacy commitment's expiry has passed; the new overage is posted, alone.
    run(
        &db,
        &[
            "check",
            "--now",
            "2026-11-29T09:00:00Z",
            "--notify",
            &target,
        ],
    );
    let posted = bodies.lock().unwrap().len();
    assert_eq!(posted, 2);
    let second: Value = serde_json::from_str(&bodies.lock().unwrap()[1]).unwrap();
    let old: std::collections::BTreeSet<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(
        second
            .as_array()
            .unwrap()
            .iter()
            .all(|n| !old.contains(n["id"].as_str().unwrap()))
    );
    assert!(
        second
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["subject"] == "aoai-eastus-legacy"),
        "{second}"
    );

    // A failing webhook: exit 3, nothing marked as sent.
    let dir2 = tempfile::tempdir().unwrap();
    let db2 = demo_store(dir2.path());
    let (bad_url, bad_bodies) = server(500);
    let o = run(
        &db2,
        &[
            "check",
            "--now",
            NOW,
            "--notify",
            &format!("webhook:{bad_url}"),
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing was marked as sent"));
    // The list is printed all the same: a webhook that is down hides nothing.
    assert!(text(&o).contains("cp-eastus-legacy"), "{}", text(&o));
    let (url3, bodies3) = server(200);
    // The same store posts everything to a working target.
    run(
        &db2,
        &[
            "check",
            "--now",
            NOW,
            "--notify",
            &format!("webhook:{url3}"),
        ],
    );
    assert_eq!(bodies3.lock().unwrap().len(), 1);
    assert_eq!(bad_bodies.lock().unwrap().len(), 1);
    // --notify needs a store.
    let o = run(
        &db2,
        &["check", "--demo", "--now", NOW, "--notify", &target],
    );
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn idle_reservations_with_azure_ids_each_raise_a_notification() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    // Azure's reservation ids: `/reservationorders/` inside them is no renewal
    // marker, so two reservations of one order stay two (as short ids do),
    // and the renewed terms of the monthly one stay with it.
    let order =
        "/providers/microsoft.capacity/reservationorders/5a1f9c3e-7d2b-4e8a-9f61-0c4b2d8e7a13";
    let azure = [
        format!("{order}/reservations/0d6e3b7a-21c4-4f59-8a3e-6b9f1c2d4e50"),
        format!("{order}/reservations/8c2a4f1e-5b3d-4a6c-9e7f-1d0b3a5c7e92"),
    ];
    let short = ["r1".to_string(), "r2".to_string()];
    for ids in [&short, &azure] {
        // Each reservation covers a third of the one deployment in its subscription.
        let reservation = |id: &str, sub: &str, term: &str, renewal: &str| {
            serde_json::json!({"id": id, "name": "", "region": "eastus2", "sku": "GlobalProvisionedManaged",
                "ptu": 300, "term": term, "billing": "monthly", "start": "2026-10-01T00:00:00Z",
                "scope": {"type": "subscription", "subscription": sub}, "scope_changes": [],
                "renewal": {"mode": renewal}, "refunded_at": null})
        };
        let deployment = |id: &str, resource: &str| {
            serde_json::json!({"id": id, "resource": resource, "model": "gpt-4o", "version": "2024-08-06",
                "sku": "GlobalProvisionedManaged", "sizes": [{"at": "2026-10-01T00:00:00Z", "ptu": 100}], "deleted": null})
        };
        let file = snapshot(
            dir.path(),
            "ids.json",
            serde_json::json!({
                "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a", "sub-b"]}],
                "resources": [
                    {"id": "aoai-a", "subscription": "sub-a", "resource_group": "rg", "region": "eastus2"},
                    {"id": "aoai-b", "subscription": "sub-b", "resource_group": "rg", "region": "eastus2"}
                ],
                "deployments": [deployment("d1", "aoai-a"), deployment("d2", "aoai-b")],
                "reservations": [
                    reservation(&ids[0], "sub-a", "P1Y", "none"),
                    reservation(&ids[1], "sub-b", "P1M", "autorenew"),
                ]
            }),
        );
        let o = run(
            &db,
            &[
                "check",
                "--scenario",
                &file,
                "--now",
                NOW,
                "--format",
                "json",
            ],
        );
        let v: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
        // One notification per reservation, whichever of its terms it names
        // (the monthly one renews within the horizon: its idle capacity and
        // its renewal are one decision, the renewal).
        let unused: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "reservation_unused" || n["kind"] == "reservation_renewal")
            .map(|n| n["subject"].as_str().unwrap())
            .collect();
        assert_eq!(unused.len(), 2, "{v:#}");
        for id in ids {
            assert_eq!(
                unused.iter().filter(|s| s.starts_with(id.as_str())).count(),
                1,
                "{id} in {unused:?}"
            );
        }
    }
}

#[test]
fn check_on_a_store_that_holds_no_estate_cannot_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    // A store with a setting and nothing else (as a first import that kept nothing leaves it).
    let eur = dir.path().join("eur.json");
    std::fs::write(
        &eur,
        r#"{"schema": "ptudesk.snapshot/1", "currency": "EUR"}"#,
    )
    .unwrap();
    let o = run(&db, &["import", eur.to_str().unwrap(), "--now", NOW]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for quiet in [false, true] {
        let mut args = vec!["check", "--now", NOW];
        if quiet {
            args.push("--quiet");
        }
        let o = run(&db, &args);
        assert_eq!(o.status.code(), Some(3), "{}", text(&o));
        assert!(o.stdout.is_empty(), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("the store holds no estate"), "{err}");
    }
    // Once the same store holds an estate, check answers.
    let demo = demo_store(dir.path());
    assert_eq!(run(&demo, &["check", "--now", NOW]).status.code(), Some(2));
}

#[test]
fn a_model_specific_quota_row_limits_its_model_and_the_pooled_row_counts_it_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let dep = |id: &str, model: &str, version: &str, ptu: i64| {
        serde_json::json!({"id": id, "resource": "aoai-a", "model": model, "version": version,
            "sku": "ProvisionedManaged", "sizes": [{"at": "2026-10-01T00:00:00Z", "ptu": ptu}], "deleted": null})
    };
    let quotas = serde_json::json!([
        {"subscription": "sub-a", "region": "eastus2", "sku": "ProvisionedManaged", "limit": 500},
        {"subscription": "sub-a", "region": "eastus2", "sku": "ProvisionedManaged", "limit": 100,
         "model": "o3", "version": "2025-04-16"}
    ]);
    let prices = serde_json::json!([{"region": "eastus2", "sku": "ProvisionedManaged", "hourly": "2.00",
        "reservation_month": "260", "reservation_year": "2652"}]);
    let quota_notes = |deployments: Value| -> Vec<(String, String)> {
        let file = snapshot(
            dir.path(),
            "q.json",
            serde_json::json!({"prices": prices, "quotas": quotas, "deployments": deployments}),
        );
        let o = run(
            &db,
            &[
                "check",
                "--scenario",
                &file,
                "--now",
                NOW,
                "--format",
                "json",
            ],
        );
        let v: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
        v.as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"].as_str().unwrap().starts_with("quota"))
            .map(|n| {
                (
                    n["kind"].as_str().unwrap().to_string(),
                    n["subject"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // 150 PTU of o3: over its own 100, well within the pooled 500.
    assert_eq!(
        quota_notes(serde_json::json!([dep("o3", "o3", "2025-04-16", 150)])),
        [(
            "quota_exceeded".to_string(),
            "sub-a/eastus2/ProvisionedManaged/o3-2025-04-16".to_string()
        )]
    );
    // Another model's 400 PTU: the pooled row counts the o3 deployment too
    // (550 of 500); the o3 row counts o3 only.
    let both = quota_notes(serde_json::json!([
        dep("o3", "o3", "2025-04-16", 100),
        dep("chat", "gpt-4.1", "2025-04-14", 450)
    ]));
    assert_eq!(
        both,
        [
            (
                "quota_exceeded".to_string(),
                "sub-a/eastus2/ProvisionedManaged".to_string()
            ),
            (
                "quota_near_limit".to_string(),
                "sub-a/eastus2/ProvisionedManaged/o3-2025-04-16".to_string()
            )
        ]
    );
}

#[test]
fn acknowledgements_are_listed_to_the_minute() {
    // A stamp taken by a running clock carries nanoseconds; people read
    // minutes ("acked 2026-11-22 09:00 UTC"), as everywhere on screen.
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let all: Value =
        serde_json::from_slice(&run(&db, &["check", "--now", NOW, "--format", "json"]).stdout)
            .unwrap();
    let id = all[0]["id"].as_str().unwrap().to_string();
    let stamp = "2026-11-22T09:00:07.123456789Z";
    let o = run(&db, &["ack", &id, "--now", stamp]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = text(&run(&db, &["ack", "--list", "--now", stamp]));
    assert!(
        list.contains(&format!("{id}  acked 2026-11-22 09:00 UTC")),
        "{list}"
    );
    assert!(
        !list.contains(".123") && !list.contains("09:00:07"),
        "{list}"
    );
}

#[test]
fn fix_finds_a_notification_as_check_showed_it_while_reservations_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let json = |o: &Output| -> Value { serde_json::from_slice(&o.stdout).unwrap() };
    let overage = |list: &Value| -> Value {
        list.as_array()
            .unwrap()
            .iter()
            .find(|n| n["kind"] == "hourly_overage")
            .expect("the demo has hourly overage")
            .clone()
    };
    let before = overage(&json(&run(
        &db,
        &["check", "--now", NOW, "--format", "json"],
    )));
    assert_eq!(before["severity"], "critical");
    let id = before["id"].as_str().unwrap().to_string();

    // A sync that could not read the reservations marks them unknown.
    let mut store = ptudesk::store::Store::open(&db).unwrap();
    let now = ptudesk::domain::time::parse_time_arg(NOW).unwrap();
    store
        .transact_noting::<std::convert::Infallible>(
            "sync",
            "sync",
            now,
            &[(
                ptudesk::store::UNREAD_RESERVATIONS,
                Some("no permission".into()),
            )],
            |e| Ok(e.clone()),
        )
        .unwrap()
        .unwrap();
    drop(store);

    let checked = overage(&json(&run(
        &db,
        &["check", "--now", NOW, "--format", "json"],
    )));
    assert_eq!(checked["id"], id.as_str());
    assert_eq!(checked["severity"], "warning", "held back: {checked}");
    let fixed = json(&run(&db, &["fix", &id, "--now", NOW, "--format", "json"]));
    for field in ["severity", "message", "cost_impact", "remedies"] {
        assert_eq!(fixed[field], checked[field], "{field}");
    }
}

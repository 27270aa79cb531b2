//! The practitioner suite in the terminal app: small estates where the
//! right move is known, each with its story and the practitioner's remedy
//! and figures worked out by hand, driven through the app's own update loop
//! (`enter` on the notification, choose, apply, confirm) on a throw-away
//! store, checked against the real binary's `check --format json`, and one
//! of them in the real binary inside tmux. The remedies are priced again on
//! the store's estate before anything is written: when another process
//! changed it, the popup shows the new figures and writes nothing.
//!
//! Prices (eastus2, per PTU) unless a test says otherwise: Regional hourly
//! $2.00, a one-month reservation $1,000, a one-year reservation $11,000, a
//! one-month commitment $1,100; Global hourly $1.00, $500, $5,500. Now is
//! 2027-01-01 00:00 UTC; the app's horizon is 30 days; an open-ended
//! workload is taken as 12 months (8,760 hours).

mod common;

use ptudesk::config::Config;
use ptudesk::domain::plan::RemedyKind;
use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::domain::{Estate, ReservationRenewal, Scope};
use ptudesk::tui::app::{Loadable, Overlay, key_action};
use ptudesk::tui::runtime::{Options, StoreChoice, prepare, send, settle};
use ptudesk::tui::{Action, App, Pane, Worker, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const NOW: &str = "2027-01-01T00:00:00Z";
const REG: &str = "ProvisionedManaged";
const GLO: &str = "GlobalProvisionedManaged";

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

fn d(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

fn snapshot(parts: Value) -> Value {
    let mut base = json!({
        "schema": "ptudesk.snapshot/1",
        "currency": "USD",
        "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a", "sub-b"]}],
        "prices": [
            {"region": "eastus2", "sku": REG, "hourly": "2.00",
             "reservation_month": "1000", "reservation_year": "11000", "commitment_month": "1100"},
            {"region": "eastus2", "sku": GLO, "hourly": "1.00",
             "reservation_month": "500", "reservation_year": "5500"}
        ],
        "resources": [
            {"id": "aoai-a", "subscription": "sub-a", "resource_group": "rg-a", "region": "eastus2"},
            {"id": "aoai-b", "subscription": "sub-b", "resource_group": "rg-b", "region": "eastus2"}
        ]
    });
    for (k, v) in parts.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn dep(id: &str, res: &str, sku: &str, ptu: i64, at: &str) -> Value {
    json!({"id": id, "resource": res, "model": "gpt-4o", "version": "2024-08-06", "sku": sku,
           "sizes": [{"at": at, "ptu": ptu}], "deleted": null})
}

fn res(id: &str, ptu: i64, start: &str, term: &str, mode: &str, sub: &str) -> Value {
    json!({"id": id, "name": id, "region": "eastus2", "sku": REG, "ptu": ptu, "term": term,
           "billing": "upfront", "start": start,
           "scope": {"type": "subscription", "subscription": sub},
           "renewal": {"mode": mode}})
}

/// The snapshot written to a file, the app opened on it (a throw-away
/// store) at `now`, its notifications evaluated.
fn open(v: &Value, now: &str) -> (App, Worker, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("estate.json");
    std::fs::write(&path, serde_json::to_string_pretty(v).unwrap()).unwrap();
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Scenario(path.clone()),
        now: Some(t(now)),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    assert!(
        matches!(app.notifications, Loadable::Ready(_)),
        "{:?}",
        app.notifications
    );
    let file = path.to_str().unwrap().to_string();
    (app, worker, dir, file)
}

/// The real binary's notification of `kind` on the same snapshot.
fn bin(file: &str, now: &str, kind: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let o = common::ptudesk()
        .args([
            "check",
            "--scenario",
            file,
            "--now",
            now,
            "--format",
            "json",
        ])
        .env("PTUDESK_DB", dir.path().join("s.db"))
        .env("PTUDESK_CONFIG", dir.path().join("c.toml"))
        .output()
        .unwrap();
    assert!(o.status.code().unwrap() < 3, "{o:?}");
    let list: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    list.into_iter()
        .find(|n| n["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} from the binary"))
}

fn screen(app: &mut App) -> String {
    app.size = (150, 40);
    let mut term = Terminal::new(TestBackend::new(150, 40)).unwrap();
    term.draw(|f| draw(app, f)).unwrap();
    format!("{}", term.backend())
}

fn press(app: &mut App, worker: &Worker, code: KeyCode) {
    if let Some(a) = key_action(app, &KeyEvent::new(code, KeyModifiers::NONE)) {
        send(app, worker, a);
    }
}

fn notifications(app: &App) -> Vec<ptudesk::domain::notice::Notification> {
    match &app.notifications {
        Loadable::Ready(list) => list.as_ref().clone(),
        other => panic!("not loaded: {other:?}"),
    }
}

/// Selects the notification of `kind` in the Notifications pane and opens
/// its remedies with `enter`; returns it.
fn open_remedies(
    app: &mut App,
    worker: &Worker,
    kind: &str,
) -> ptudesk::domain::notice::Notification {
    send(app, worker, Action::PaneNotifications);
    let list = notifications(app);
    let n = list
        .iter()
        .find(|n| n.kind == kind)
        .unwrap_or_else(|| panic!("no {kind}: {list:#?}"))
        .clone();
    for _ in 0..list.len() + 1 {
        let key = app
            .table(Pane::Notifications)
            .and_then(|tb| app.view(Pane::Notifications).selected_row(tb))
            .map(|r| r.key.clone());
        if key.as_deref() == Some(n.id.as_str()) {
            press(app, worker, KeyCode::Enter);
            assert!(
                matches!(app.overlays.last(), Some(Overlay::Remedies { .. })),
                "{:?}",
                app.overlays
            );
            return n;
        }
        send(app, worker, Action::Down);
    }
    panic!("could not select {}", n.id);
}

/// Chooses remedy `i` (from 0), applies it and says yes.
fn apply(app: &mut App, worker: &Worker, i: usize) -> String {
    for _ in 0..i {
        press(app, worker, KeyCode::Char('j'));
    }
    press(app, worker, KeyCode::Enter);
    assert!(
        matches!(app.overlays.last(), Some(Overlay::Confirm { .. })),
        "{:?} {:?}",
        app.overlays,
        app.status
    );
    press(app, worker, KeyCode::Char('y'));
    let (_, msg) = app.status.clone().unwrap();
    assert!(msg.starts_with("Applied #"), "{msg}");
    msg
}

fn estate(app: &App) -> Estate {
    app.data().unwrap().estate.as_ref().clone()
}

fn log_len(worker: &Worker) -> usize {
    let slot = worker.slot.lock().unwrap();
    ptudesk::store::Store::open_existing(&slot.path)
        .unwrap()
        .log()
        .unwrap()
        .len()
}

/// Another process changes the app's store.
fn behind_the_apps_back(worker: &Worker, change: impl Fn(&mut Estate)) {
    let slot = worker.slot.lock().unwrap();
    let mut s = ptudesk::store::Store::open_existing(&slot.path).unwrap();
    s.transact("test", "another process", t(NOW), |cur| {
        let mut e = cur.clone();
        change(&mut e);
        Ok::<_, std::convert::Infallible>(e)
    })
    .unwrap()
    .unwrap();
}

/// Another process deploys `ptu` PTU of gpt-4o (Regional) on aoai-a from `at`.
fn deploy_behind_the_apps_back(worker: &Worker, id: &str, ptu: i64, at: &str) {
    let d = ptudesk::ingest::snapshot::parse(
        "d.json",
        snapshot(json!({"deployments": [dep(id, "aoai-a", REG, ptu, at)]}))
            .to_string()
            .as_bytes(),
    )
    .unwrap()
    .deployments[0]
        .clone();
    behind_the_apps_back(worker, |e| e.deployments.push(d.clone()));
}

/// The remedies priced when the notifications were evaluated no longer
/// hold: at the 744-a-PTU prices of tests/tui_remedies.rs, res-idle (100
/// PTU one-month, autorenewing on 10 Dec, nothing deployed) is worth
/// turning off: its renewals over the open-ended year from 22 Nov 09:00
/// cost 11 x 74,400 + 12.375/30 x 74,400 = $849,090. Then another process
/// deploys 50 PTU that it covers: turned off, those 50 pay hourly from 10
/// Dec 00:00 to 22 Nov 2027 09:00 (8,337 h): 50 x 2.00 x 8,337 = 833,700,
/// so it now saves 849,090 - 833,700 = $15,390. The app shows the new
/// figure and writes nothing; applying again writes it.
#[test]
fn applying_reprices_on_the_current_estate_and_shows_new_figures() {
    let v = json!({
        "schema": "ptudesk.snapshot/1", "currency": "USD",
        "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a"]}],
        "prices": [{"region": "eastus2", "sku": REG, "hourly": "2.00", "reservation_month": "744",
                    "reservation_year": "7440", "commitment_month": "1000"}],
        "resources": [{"id": "aoai-a", "subscription": "sub-a", "resource_group": "rg", "region": "eastus2"}],
        "deployments": [], "commitments": [],
        "reservations": [res("res-idle", 100, "2026-11-10T00:00:00Z", "P1M", "autorenew", "sub-a")]
    });
    let now = "2026-11-22T09:00:00Z";
    let (mut app, worker, _dir, file) = open(&v, now);
    let n = open_remedies(&mut app, &worker, "reservation_renewal");
    let i = n
        .remedies
        .iter()
        .position(|r| r.kind == RemedyKind::RenewalOff)
        .unwrap();
    assert_eq!(n.remedies[i].saving_lifetime.round_dp(2), d("849090.00"));
    assert_eq!(bin(&file, now, "reservation_renewal")["id"], n.id.as_str());

    deploy_behind_the_apps_back(&worker, "chat", 50, "2026-11-22T10:00:00Z");
    let before = log_len(&worker);
    for _ in 0..i {
        press(&mut app, &worker, KeyCode::Char('j'));
    }
    press(&mut app, &worker, KeyCode::Enter);
    let (_, msg) = app.status.clone().unwrap();
    assert!(
        msg.contains("now saves $15,390.00 over the lifetime (was $849,090.00)"),
        "{msg}"
    );
    assert_eq!(log_len(&worker), before, "nothing written");
    let Some(Overlay::Remedies {
        notification,
        selected,
    }) = app.overlays.last().cloned()
    else {
        panic!("{:?}", app.overlays)
    };
    assert_eq!(notification.remedies[selected].kind, RemedyKind::RenewalOff);
    let s = screen(&mut app);
    assert!(s.contains("15,390.00"), "{s}");
    // At the new figures, it applies.
    press(&mut app, &worker, KeyCode::Enter);
    assert!(matches!(app.overlays.last(), Some(Overlay::Confirm { .. })));
    press(&mut app, &worker, KeyCode::Char('y'));
    assert!(app.status.clone().unwrap().1.starts_with("Applied #"));
    assert_eq!(log_len(&worker), before + 1);
    let e = estate(&app);
    let r = e.reservations.iter().find(|r| r.id == "res-idle").unwrap();
    assert_eq!(
        ptudesk::domain::terms::reservation_renewal_for(r, t("2026-12-10T00:00:00Z")),
        ReservationRenewal::None
    );
}

/// An idle one-month reservation (100 PTU, renewing 10 January) whose
/// first remedy is its refund; then another process deploys 100 PTU that
/// it covers: its renewal is used (info, "none needed") and the refund is
/// no longer offered. Nothing is written; the popup shows the remedies as
/// they are now.
#[test]
fn a_remedy_no_longer_offered_on_the_current_estate_applies_nothing() {
    let v = snapshot(json!({
        "deployments": [],
        "reservations": [res("res-idle", 100, "2026-12-10T00:00:00Z", "P1M", "autorenew", "sub-a")]
    }));
    let (mut app, worker, _dir, _file) = open(&v, NOW);
    let n = open_remedies(&mut app, &worker, "reservation_renewal");
    assert_eq!(n.remedies[0].kind, RemedyKind::Refund, "{:#?}", n.remedies);
    deploy_behind_the_apps_back(&worker, "chat", 100, "2027-01-01T00:00:00Z");
    let before = log_len(&worker);
    press(&mut app, &worker, KeyCode::Enter);
    let (_, msg) = app.status.clone().unwrap();
    assert!(
        msg.contains("remedy 1 (refund) is no longer offered"),
        "{msg}"
    );
    assert_eq!(log_len(&worker), before);
    let Some(Overlay::Remedies { notification, .. }) = app.overlays.last() else {
        panic!("{:?}", app.overlays)
    };
    assert_eq!(notification.id, n.id);
    assert_eq!(notification.remedies[0].kind, RemedyKind::None);
}

/// The wrong-subscription estate (below); before the re-scope is applied,
/// someone re-scopes res-a to sub-b in another process: the overage is no
/// longer raised, nothing is applied.
#[test]
fn a_notification_gone_from_the_current_estate_applies_nothing() {
    let v = snapshot(json!({
        "deployments": [dep("chat", "aoai-b", REG, 200, "2026-12-01T00:00:00Z")],
        "reservations": [res("res-a", 200, "2026-12-01T00:00:00Z", "P1Y", "autorenew", "sub-a")]
    }));
    let (mut app, worker, _dir, _file) = open(&v, NOW);
    open_remedies(&mut app, &worker, "hourly_overage");
    behind_the_apps_back(&worker, |e| {
        let r = e.reservations.iter_mut().find(|r| r.id == "res-a").unwrap();
        r.scope = Scope::Subscription {
            subscription: "sub-b".into(),
        };
    });
    let before = log_len(&worker);
    press(&mut app, &worker, KeyCode::Enter);
    let (_, msg) = app.status.clone().unwrap();
    assert!(
        msg.contains("is no longer raised on the current estate"),
        "{msg}"
    );
    assert_eq!(log_len(&worker), before);
    assert!(
        !matches!(app.overlays.last(), Some(Overlay::Remedies { .. })),
        "{:?}",
        app.overlays
    );
}

/// A reservation bought for the wrong subscription idles while the same 200
/// PTU pay hourly next door: the first remedy is the free re-scope, saving
/// the year's hourly charges, 200 x 2.00 x 8,760 = $3,504,000; applied,
/// the overage is gone; `u` brings it back.
#[test]
fn the_free_rescope_is_the_first_remedy_and_applies_in_one_change() {
    let v = snapshot(json!({
        "deployments": [dep("chat", "aoai-b", REG, 200, "2026-12-01T00:00:00Z")],
        "reservations": [res("res-a", 200, "2026-12-01T00:00:00Z", "P1Y", "autorenew", "sub-a")]
    }));
    let (mut app, worker, _dir, file) = open(&v, NOW);
    let n = open_remedies(&mut app, &worker, "hourly_overage");
    assert_eq!(n.remedies[0].kind, RemedyKind::Rescope);
    assert_eq!(n.remedies[0].saving_lifetime.round_dp(2), d("3504000"));
    let b = bin(&file, NOW, "hourly_overage");
    assert_eq!(b["remedies"][0]["kind"], "rescope");
    assert_eq!(b["remedies"][0]["saving_lifetime"], "3504000.00");
    let s = screen(&mut app);
    assert!(s.contains("3,504,000.00"), "{s}");
    apply(&mut app, &worker, 0);
    let e = estate(&app);
    let r = e.reservations.iter().find(|r| r.id == "res-a").unwrap();
    assert_eq!(
        ptudesk::domain::terms::scope_at(r, t("2027-01-02T00:00:00Z")),
        &Scope::Subscription {
            subscription: "sub-b".into()
        }
    );
    assert!(
        notifications(&app)
            .iter()
            .all(|x| x.kind != "hourly_overage")
    );
    press(&mut app, &worker, KeyCode::Char('u'));
    assert!(app.status.clone().unwrap().1.starts_with("Undid #"));
    assert!(
        notifications(&app)
            .iter()
            .any(|x| x.kind == "hourly_overage")
    );
}

/// sub-a's Regional quota is 300 PTU; 200 run and 150 more are planned for
/// 10 January: asking Azure is first (ptudesk can't, it says so; nothing to
/// write), then shrinking chat by 50 from the 10th (50 x 2.00 x 8,544 h =
/// $854,400), then moving the new one to sub-b (same price: $0). The move
/// is applied: the quota holds.
#[test]
fn a_quota_exceeded_is_moved_to_the_subscription_with_room() {
    let v = snapshot(json!({
        "deployments": [
            dep("chat", "aoai-a", REG, 200, "2026-12-01T00:00:00Z"),
            dep("new", "aoai-a", REG, 150, "2027-01-10T00:00:00Z")
        ],
        "quotas": [
            {"subscription": "sub-a", "region": "eastus2", "sku": REG, "limit": 300},
            {"subscription": "sub-b", "region": "eastus2", "sku": REG, "limit": 300}
        ]
    }));
    let (mut app, worker, _dir, file) = open(&v, NOW);
    let n = open_remedies(&mut app, &worker, "quota_exceeded");
    let kinds: Vec<RemedyKind> = n.remedies.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            RemedyKind::RequestQuota,
            RemedyKind::Resize,
            RemedyKind::Move
        ]
    );
    assert_eq!(n.remedies[1].saving_lifetime.round_dp(2), d("854400"));
    assert_eq!(
        bin(&file, NOW, "quota_exceeded")["remedies"][1]["saving_lifetime"],
        "854400.00"
    );
    // Asking Azure writes nothing.
    let before = log_len(&worker);
    press(&mut app, &worker, KeyCode::Enter);
    assert!(
        app.status
            .clone()
            .unwrap()
            .1
            .contains("not a change ptudesk can make")
    );
    assert_eq!(log_len(&worker), before);
    apply(&mut app, &worker, 2);
    let e = estate(&app);
    assert!(
        e.deployments
            .iter()
            .any(|d| d.resource == "aoai-b" && d.ptu_at(t("2027-01-10T00:00:00Z")) == 150)
    );
    assert!(
        notifications(&app)
            .iter()
            .all(|x| x.kind != "quota_exceeded")
    );
}

/// A one-year reservation (300 PTU, billed monthly: $275,000 a month) is
/// planned for 10 January beside a commitment ending on the 20th: ten days
/// paid twice, 10/31 x 275,000 = $88,709.68. The practitioner buys it at
/// the commitment's end; applied, the purchase is dated 20 January.
#[test]
fn double_billing_is_cut_by_redating_the_purchase() {
    let mut r = res(
        "res-new",
        300,
        "2027-01-10T00:00:00Z",
        "P1Y",
        "autorenew",
        "sub-a",
    );
    r["billing"] = json!("monthly");
    let v = snapshot(json!({
        "deployments": [dep("chat", "aoai-a", REG, 300, "2026-11-01T00:00:00Z")],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-20T00:00:00Z", "ptu": 300,
                         "additions": [], "renewal": {"mode": "none"}}],
        "reservations": [r]
    }));
    let (mut app, worker, _dir, file) = open(&v, NOW);
    let n = open_remedies(&mut app, &worker, "double_billing_window");
    assert_eq!(n.remedies[0].kind, RemedyKind::Redate);
    assert_eq!(n.remedies[0].saving_lifetime.round_dp(2), d("88709.68"));
    assert_eq!(
        bin(&file, NOW, "double_billing_window")["remedies"][0]["saving_lifetime"],
        "88709.68"
    );
    apply(&mut app, &worker, 0);
    let e = estate(&app);
    let r = e.reservations.iter().find(|r| r.id == "res-new").unwrap();
    assert_eq!(r.start, t("2027-01-20T00:00:00Z"));
    assert!(
        notifications(&app)
            .iter()
            .all(|x| x.kind != "double_billing_window")
    );
}

/// gpt-4o 2024-11-20 on a resource with a commitment, which takes only the
/// commitment models: the upgrade in place to 2024-08-06 costs nothing
/// (the commitment is paid either way) and keeps the workload; moving it
/// off the commitment would pay 100 x 2.00 x 8,760 = $1,752,000 hourly.
#[test]
fn an_unsupported_model_is_upgraded_in_place() {
    let mut legacy = dep("legacy", "aoai-a", REG, 100, "2026-12-01T00:00:00Z");
    legacy["version"] = json!("2024-11-20");
    let v = snapshot(json!({
        "deployments": [legacy],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-20T00:00:00Z", "ptu": 100,
                         "additions": [], "renewal": {"mode": "autorenew"}}]
    }));
    let (mut app, worker, _dir, file) = open(&v, NOW);
    let n = open_remedies(&mut app, &worker, "commitment_model_unsupported");
    assert_eq!(n.remedies[0].kind, RemedyKind::Upgrade);
    assert_eq!(n.remedies[1].saving_lifetime.round_dp(2), d("-1752000"));
    assert_eq!(
        bin(&file, NOW, "commitment_model_unsupported")["remedies"][1]["saving_lifetime"],
        "-1752000.00"
    );
    apply(&mut app, &worker, 0);
    let e = estate(&app);
    assert_eq!(
        e.deployments
            .iter()
            .find(|d| d.id == "legacy")
            .unwrap()
            .version,
        "2024-08-06"
    );
}

/// A Global gpt-4o-mini deployment recorded at 22 PTU (sizes go 15, 20,
/// 25): resize it to 25, the safe step up, 3 x 1.00 x 8,760 = $26,280 more
/// a year; applied, it is 25 PTU.
#[test]
fn a_size_off_step_is_resized_up_to_the_step() {
    let mut mini = dep("mini", "aoai-a", GLO, 22, "2026-12-01T00:00:00Z");
    mini["model"] = json!("gpt-4o-mini");
    mini["version"] = json!("2024-07-18");
    let v = snapshot(json!({"deployments": [mini]}));
    let (mut app, worker, _dir, file) = open(&v, NOW);
    let n = open_remedies(&mut app, &worker, "deployment_size_off_step");
    assert_eq!(n.remedies[0].saving_lifetime.round_dp(2), d("-26280"));
    assert_eq!(
        bin(&file, NOW, "deployment_size_off_step")["remedies"][0]["saving_lifetime"],
        "-26280.00"
    );
    apply(&mut app, &worker, 0);
    let e = estate(&app);
    let d = e.deployments.iter().find(|d| d.id == "mini").unwrap();
    assert_eq!(d.ptu_at(t("2027-01-02T00:00:00Z")), 25);
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// The wrong-subscription estate in the real binary, in a real terminal
/// (tmux): Notifications, `enter` shows the re-scope first with its
/// $3,504,000.00 over the lifetime, `enter` asks, `y` applies it.
#[test]
fn the_real_binary_applies_the_free_rescope() {
    assert!(
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success()),
        "this test drives the app inside tmux: install it (`apt-get install tmux`)"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.json");
    let v = snapshot(json!({
        "deployments": [dep("chat", "aoai-b", REG, 200, "2026-12-01T00:00:00Z")],
        "reservations": [res("res-a", 200, "2026-12-01T00:00:00Z", "P1Y", "autorenew", "sub-a")]
    }));
    std::fs::write(&file, v.to_string()).unwrap();
    let exe = Path::new(env!("CARGO_BIN_EXE_ptudesk"));
    let command = format!(
        "{env} {exe} --scenario {file} --now {NOW}; sleep 600",
        env = common::env_prefix(&[("PTUDESK_LOG", &dir.path().join("log"))]),
        exe = quote(exe),
        file = quote(&file),
    );
    let socket = format!("ptudesk-practitioner-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .arg("-L")
            .arg(&socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .unwrap()
    };
    struct Kill<'a>(&'a dyn Fn(&[&str]) -> std::process::Output);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            (self.0)(&["kill-server"]);
        }
    }
    let _kill = Kill(&tmux);
    let out = tmux(&[
        "new-session",
        "-d",
        "-x",
        "150",
        "-y",
        "40",
        "-s",
        "main",
        &command,
    ]);
    assert!(out.status.success(), "{out:?}");
    let wait = |texts: &[&str]| -> String {
        let start = std::time::Instant::now();
        loop {
            let s = String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "main"]).stdout)
                .into_owned();
            if texts.iter().all(|x| s.contains(x)) {
                return s;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(60),
                "the screen never showed {texts:?}:\n{s}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    let keys = |k: &[&str]| {
        for x in k {
            assert!(tmux(&["send-keys", "-t", "main", x]).status.success());
        }
    };
    wait(&["ptudesk"]);
    keys(&["6"]);
    wait(&["a acknowledge"]);
    keys(&["Enter"]);
    wait(&["rescope", "3,504,000.00"]);
    keys(&["Enter"]);
    wait(&["Apply remedy 1"]);
    keys(&["y"]);
    wait(&["Applied #"]);
}

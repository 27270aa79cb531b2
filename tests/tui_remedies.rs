//! The terminal app's remedies, on small estates rated by the real core and
//! the real notification rules: `enter` on a notification shows its
//! remedies side by side with their figures; applying one writes one change
//! to the store, and `u` undoes it; a purchase opens the new-reservation
//! form filled in from it.

mod common;

use common::tui::screen;
use ptudesk::config::Config;
use ptudesk::domain::ReservationRenewal;
use ptudesk::domain::plan::RemedyKind;
use ptudesk::domain::terms::reservation_renewal_for;
use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::tui::app::{Loadable, Overlay, key_action};
use ptudesk::tui::runtime::{Options, StoreChoice, prepare, send, settle};
use ptudesk::tui::{Action, App, Pane, Worker};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};

const NOW: &str = "2026-11-22T09:00:00Z";

fn now() -> Time {
    parse_time_arg(NOW).unwrap()
}

/// Prices as in tests/practitioner_plan.rs: Regional hourly 2.00, a
/// one-month reservation 744 a PTU, a year 7,440, a commitment 1,000.
fn estate(deployments: Vec<Value>, reservations: Vec<Value>) -> Value {
    json!({
        "schema": "ptudesk.snapshot/1", "currency": "USD",
        "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a"]}],
        "prices": [
            {"region": "eastus2", "sku": "ProvisionedManaged", "hourly": "2.00",
             "reservation_month": "744", "reservation_year": "7440", "commitment_month": "1000"}
        ],
        "resources": [
            {"id": "aoai-a", "subscription": "sub-a", "resource_group": "rg", "region": "eastus2"}
        ],
        "deployments": deployments, "commitments": [], "reservations": reservations
    })
}

fn open(v: &Value) -> (App, Worker, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("estate.json");
    std::fs::write(&path, serde_json::to_string_pretty(v).unwrap()).unwrap();
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Scenario(path),
        now: Some(now()),
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
    (app, worker, dir)
}

fn log_len(worker: &Worker) -> usize {
    let slot = worker.slot.lock().unwrap();
    ptudesk::store::Store::open_existing(&slot.path)
        .unwrap()
        .log()
        .unwrap()
        .len()
}

fn press(app: &mut App, worker: &Worker, code: KeyCode) {
    if let Some(a) = key_action(app, &KeyEvent::new(code, KeyModifiers::NONE)) {
        send(app, worker, a);
    }
}

/// Selects the notification of `kind` about `subject` in the
/// Notifications pane.
fn select(app: &mut App, worker: &Worker, kind: &str, subject: &str) -> String {
    send(app, worker, Action::PaneNotifications);
    let Loadable::Ready(list) = &app.notifications else {
        panic!("not loaded");
    };
    let n = list
        .iter()
        .find(|n| n.kind == kind && n.subject == subject)
        .unwrap_or_else(|| {
            panic!(
                "no {kind} on {subject}: {:?}",
                list.iter()
                    .map(|n| (n.kind, &n.subject))
                    .collect::<Vec<_>>()
            )
        })
        .clone();
    for _ in 0..list.len() + 1 {
        let key = app
            .table(Pane::Notifications)
            .and_then(|t| app.view(Pane::Notifications).selected_row(t))
            .map(|r| r.key.clone());
        if key.as_deref() == Some(n.id.as_str()) {
            return n.id;
        }
        send(app, worker, Action::Down);
    }
    panic!("could not select {}", n.id);
}

#[test]
fn enter_on_an_idle_reservation_shows_its_remedies_and_one_applies_and_undoes() {
    // Story: res-idle, 100 PTU one-month autorenewing, covers nothing
    // (nothing is deployed): turn its renewal off. Over the open-ended 12
    // months (22 Nov 09:00 -> 22 Nov 09:00 2027), amortized, its renewals
    // cost 100 x 744 = 74,400 a term from 10 Dec: 11 whole terms = 818,400,
    // and 12 days 9 hours of the term from 10 Nov 2027 (30 days): 74,400 x
    // 12.375 / 30 = 30,690; turning the renewal off saves 849,090.00.
    let v = estate(
        vec![],
        vec![
            json!({"id": "res-idle", "name": "res-idle", "region": "eastus2",
            "sku": "ProvisionedManaged", "ptu": 100, "term": "P1M", "billing": "upfront",
            "start": "2026-11-10T00:00:00Z",
            "scope": {"type": "subscription", "subscription": "sub-a"},
            "renewal": {"mode": "autorenew"}}),
        ],
    );
    let (mut app, worker, dir) = open(&v);
    let Loadable::Ready(list) = &app.notifications else {
        panic!()
    };
    let n = list
        .iter()
        .find(|n| n.subject.starts_with("res-idle") && !n.remedies.is_empty())
        .unwrap_or_else(|| panic!("{list:?}"))
        .clone();
    let id = select(&mut app, &worker, n.kind, &n.subject);
    press(&mut app, &worker, KeyCode::Enter);
    assert!(
        matches!(app.overlays.last(), Some(Overlay::Remedies { .. })),
        "{:?}",
        app.overlays
    );
    let i = n
        .remedies
        .iter()
        .position(|r| r.kind == RemedyKind::RenewalOff)
        .unwrap_or_else(|| panic!("{:?}", n.remedies));
    let off = &n.remedies[i];
    assert_eq!(off.saving_lifetime.round_dp(2).to_string(), "849090.00");
    let s = screen(&mut app, 140, 40);
    assert!(s.contains(&format!("Remedies for {id}")), "{s}");
    assert!(s.contains("renewal_off"), "{s}");
    assert!(s.contains("849,090.00"), "{s}");
    assert!(s.contains("saves (life)"), "{s}");
    // The throw-away store's folder changes with every run.
    let stable = s.replace(dir.path().to_str().unwrap(), "<tmp>");
    insta::assert_snapshot!("remedies_idle_reservation", stable);
    // Choose it, apply it: asked, then one change in the store.
    for _ in 0..i {
        press(&mut app, &worker, KeyCode::Char('j'));
    }
    let before = log_len(&worker);
    press(&mut app, &worker, KeyCode::Enter);
    assert!(matches!(app.overlays.last(), Some(Overlay::Confirm { .. })));
    press(&mut app, &worker, KeyCode::Char('y'));
    let (_, msg) = app.status.clone().unwrap();
    assert!(msg.starts_with("Applied #"), "{msg}");
    assert_eq!(log_len(&worker), before + 1);
    let e = app.data().unwrap().estate.clone();
    let r = e.reservations.iter().find(|r| r.id == "res-idle").unwrap();
    assert_eq!(
        reservation_renewal_for(r, parse_time_arg("2026-12-10T00:00:00Z").unwrap()),
        ReservationRenewal::None
    );
    // `u` takes it back.
    press(&mut app, &worker, KeyCode::Char('u'));
    assert!(app.overlays.is_empty(), "made here: no question");
    let (_, msg) = app.status.clone().unwrap();
    assert!(msg.starts_with("Undid #"), "{msg}");
    let e = app.data().unwrap().estate.clone();
    let r = e.reservations.iter().find(|r| r.id == "res-idle").unwrap();
    assert_eq!(
        reservation_renewal_for(r, parse_time_arg("2026-12-10T00:00:00Z").unwrap()),
        ReservationRenewal::Autorenew
    );
    assert_eq!(app.pane, Pane::Notifications);
}

#[test]
fn a_purchase_remedy_opens_the_new_reservation_form_filled_in() {
    // Story: 300 PTU Regional deployed with no discount pay hourly
    // (300 x 2.00 = 600 an hour): the remedy buys a reservation for them,
    // and applying it opens the form with its region, type, size and scope.
    let v = estate(
        vec![
            json!({"id": "chat", "resource": "aoai-a", "model": "gpt-4o",
            "version": "2024-08-06", "sku": "ProvisionedManaged",
            "sizes": [{"at": "2026-10-01T00:00:00Z", "ptu": 300}], "deleted": null}),
        ],
        vec![],
    );
    let (mut app, worker, _dir) = open(&v);
    let Loadable::Ready(list) = &app.notifications else {
        panic!()
    };
    let n = list
        .iter()
        .find(|n| {
            n.remedies
                .iter()
                .any(|r| r.kind == RemedyKind::BuyReservation)
        })
        .unwrap_or_else(|| panic!("{list:?}"))
        .clone();
    select(&mut app, &worker, n.kind, &n.subject);
    press(&mut app, &worker, KeyCode::Enter);
    let i = n
        .remedies
        .iter()
        .position(|r| r.kind == RemedyKind::BuyReservation)
        .unwrap();
    let buy = n.remedies[i].clone();
    let s = screen(&mut app, 140, 40);
    assert!(s.contains("buy_reservation"), "{s}");
    for _ in 0..i {
        press(&mut app, &worker, KeyCode::Char('j'));
    }
    press(&mut app, &worker, KeyCode::Enter);
    let Some(Overlay::Form(f)) = app.overlays.last() else {
        panic!("{:?}", app.overlays)
    };
    let ptudesk::domain::plan::Edit::AddReservation(r) = &buy.changes[0] else {
        panic!("{:?}", buy.changes)
    };
    // Every PTU of the 300 pays hourly 24 hours a day: a reservation of 300.
    assert_eq!(r.ptu, 300);
    let edit = f.edit().unwrap();
    let ptudesk::domain::plan::Edit::AddReservation(made) = edit else {
        panic!("{edit:?}")
    };
    assert_eq!(
        (
            made.region.as_str(),
            made.sku,
            made.ptu,
            &made.scope,
            made.term
        ),
        (r.region.as_str(), r.sku, r.ptu, &r.scope, r.term)
    );
    let s = screen(&mut app, 140, 40);
    assert!(s.contains("New reservation"), "{s}");
    assert!(
        s.contains("Covers 300 of 300 PTU deployed in its scope"),
        "{s}"
    );
}

/// While a sync could not read the reservations, the Notifications pane
/// holds overage back at warning (as `ptudesk check` does); a remedy priced
/// again before it is applied must see that same notification, not the
/// untempered one (critical, without the "may be covered" words).
#[test]
fn a_remedy_priced_again_sees_the_notification_as_the_pane_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ptudesk.db");
    let mut store = ptudesk::store::Store::open(&db).unwrap();
    ptudesk::ops::seed(&mut store, "demo", &ptudesk::demo::estate(now()), now()).unwrap();
    store
        .transact_noting::<std::convert::Infallible>(
            "sync",
            "sync",
            now(),
            &[(
                ptudesk::store::UNREAD_RESERVATIONS,
                Some("no permission".into()),
            )],
            |e| Ok(e.clone()),
        )
        .unwrap()
        .unwrap();
    drop(store);
    let (app, worker) = common::tui::store(db, now());
    let Loadable::Ready(list) = &app.notifications else {
        panic!("notifications not ready");
    };
    let shown = list
        .iter()
        .find(|n| n.kind == "hourly_overage" && !n.remedies.is_empty())
        .expect("the demo has hourly overage with remedies")
        .clone();
    assert_eq!(shown.severity, ptudesk::domain::notice::Severity::Warning);
    let answer = worker.run(ptudesk::tui::Effect::Reprice {
        shown: Box::new(shown.clone()),
        index: 0,
        now: now(),
    });
    let [Action::Repriced { fresh, .. }] = &answer[..] else {
        panic!("{answer:?}");
    };
    let fresh = fresh.as_ref().unwrap().as_ref().expect("still raised");
    assert_eq!(fresh.severity, shown.severity);
    assert_eq!(fresh.message, shown.message);
    assert_eq!(fresh.action, shown.action);
}

//! The terminal app on `TestBackend`: every pane of the demo estate at a
//! fixed now, rated by the real core with the real notification rules,
//! driven through the same actions keys produce, snapshotted with insta;
//! and `update` driven by actions, checked on its state and on the cells
//! that carry each figure.

mod common;

use common::tui::screen;

use ptudesk::config::Config;
use ptudesk::domain::notice::Notification;
use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::rating::{Basis, Bucket, ChargeKind, Request};
use ptudesk::tui::action::TextKey;
use ptudesk::tui::app::key_action;
use ptudesk::tui::app::{Loadable, Overlay, form_preview, selected_option};
use ptudesk::tui::runtime::{Options, StoreChoice, prepare, send, settle};
use ptudesk::tui::{Action, App, Pane, Worker};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rust_decimal::Decimal;

const NOW: &str = "2026-11-22T09:00:00Z";

fn now() -> Time {
    parse_time_arg(NOW).unwrap()
}

/// The demo estate at [`NOW`], rated by the real core, its notifications
/// from the real rules (`alerts::evaluate`, the worker's own notifier).
fn demo() -> (App, Worker) {
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Demo,
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
    (app, worker)
}

/// The demo estate with no notifications at all.
fn demo_without_notifications() -> (App, Worker) {
    let (mut app, mut worker) = prepare(Options {
        store: StoreChoice::Demo,
        now: Some(now()),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    worker.notifier = |_, _, _, _, _, _| Ok(vec![]);
    let start = app.start();
    settle(&mut app, &worker, start);
    (app, worker)
}

fn go(app: &mut App, worker: &Worker, actions: &[Action]) {
    for a in actions {
        send(app, worker, a.clone());
    }
}

fn key(app: &App, code: KeyCode) -> Option<Action> {
    key_action(app, &KeyEvent::new(code, KeyModifiers::NONE))
}

/// Presses a key the way the terminal would: through the live keymap.
fn press(app: &mut App, worker: &Worker, code: KeyCode) {
    if let Some(a) = key(app, code) {
        send(app, worker, a);
    }
}

fn type_text(app: &mut App, worker: &Worker, text: &str) {
    for c in text.chars() {
        send(app, worker, Action::Text(TextKey::Char(c)));
    }
}

const PANES: [(Action, &str); 8] = [
    (Action::PaneOverview, "1_overview"),
    (Action::PaneQuota, "2_quota"),
    (Action::PaneDeployments, "3_deployments"),
    (Action::PaneCommitments, "4_commitments"),
    (Action::PaneReservations, "5_reservations"),
    (Action::PaneNotifications, "6_notifications"),
    (Action::PaneForecast, "7_forecast"),
    (Action::PanePlanner, "8_planner"),
];

#[test]
fn every_pane_at_120x40() {
    let (mut app, worker) = demo();
    for (a, name) in PANES {
        go(&mut app, &worker, &[a]);
        insta::assert_snapshot!(name, screen(&mut app, 120, 40));
    }
}

#[test]
fn overview_at_80x24_and_too_small() {
    let (mut app, _worker) = demo();
    insta::assert_snapshot!("overview_80x24", screen(&mut app, 80, 24));
    let small = screen(&mut app, 60, 20);
    assert!(small.contains("needs at least 80x24"), "{small}");
    insta::assert_snapshot!("too_small_60x20", small);
}

#[test]
fn keys_do_nothing_while_the_window_is_too_small() {
    let (mut app, worker) = demo();
    go(&mut app, &worker, &[Action::PaneReservations]);
    assert!(matches!(
        key(&app, KeyCode::Char('x')),
        Some(Action::Refund)
    ));
    send(&mut app, &worker, Action::Resized(70, 20));
    // Every key that acts on the estate or moves the view is ignored: the
    // app is hidden behind the "please enlarge it" screen.
    for c in ['r', 'e', 'n', 'x', 'u', 'a', '1', '?', ':', '/', 'o'] {
        assert!(
            key(&app, KeyCode::Char(c)).is_none(),
            "{c} acts on a hidden screen"
        );
    }
    for code in [KeyCode::Enter, KeyCode::Down, KeyCode::Tab, KeyCode::Esc] {
        assert!(
            key(&app, code).is_none(),
            "{code:?} acts on a hidden screen"
        );
    }
    assert!(matches!(key(&app, KeyCode::Char('q')), Some(Action::Quit)));
    // Enlarged again, the keys act.
    send(&mut app, &worker, Action::Resized(80, 24));
    assert!(key(&app, KeyCode::Char('1')).is_some());
    assert!(key(&app, KeyCode::Enter).is_some());
}

#[test]
fn help_is_generated_from_the_live_keymap() {
    let (mut app, worker) = demo();
    press(&mut app, &worker, KeyCode::Char('?'));
    assert!(matches!(app.overlays.last(), Some(Overlay::Help { .. })));
    insta::assert_snapshot!("help", screen(&mut app, 120, 40));
    press(&mut app, &worker, KeyCode::Esc);
    assert!(app.overlays.is_empty());

    // A user keymap changes both the lookup and the help.
    let mut config = Config::default();
    config.keys.insert("quit".into(), vec!["Q".into()]);
    config
        .keys
        .insert("add_ptu".into(), vec!["A".into(), "+".into()]);
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Demo,
        now: Some(now()),
        clock_start: None,
        readonly: false,
        config,
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    assert!(key(&app, KeyCode::Char('q')).is_none());
    assert!(matches!(key(&app, KeyCode::Char('Q')), Some(Action::Quit)));
    press(&mut app, &worker, KeyCode::Char('?'));
    // Tall enough for the Commitments keys under the Quota ones.
    let help = screen(&mut app, 120, 50);
    assert!(
        help.contains(&format!("  {:<22}quit (quit)", "Q")),
        "{help}"
    );
    assert!(
        help.contains(&format!("  {:<22}add PTU (add_ptu)", "A/+")),
        "{help}"
    );
}

#[test]
fn quota_expands_to_its_deployments() {
    let (mut app, worker) = demo();
    go(
        &mut app,
        &worker,
        &[
            Action::PaneQuota,
            Action::Down,
            Action::Down,
            Action::Select,
        ],
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("├ chat-gpt4o "), "{s}");
    assert!(s.contains("near limit"), "{s}");
    insta::assert_snapshot!("2_quota_expanded", s);
    // Enter on a deployment under the quota goes to it.
    go(&mut app, &worker, &[Action::Down, Action::Select]);
    assert_eq!(app.pane, Pane::Deployments);
}

#[test]
fn filter_narrows_a_table_and_esc_clears_it() {
    let (mut app, worker) = demo();
    press(&mut app, &worker, KeyCode::Char('3'));
    assert_eq!(app.pane, Pane::Deployments);
    let all = app.view(Pane::Deployments).rows.len();
    press(&mut app, &worker, KeyCode::Char('/'));
    type_text(&mut app, &worker, "legacy");
    assert_eq!(app.view(Pane::Deployments).rows.len(), 2);
    insta::assert_snapshot!("3_deployments_filtered", screen(&mut app, 120, 40));
    press(&mut app, &worker, KeyCode::Enter);
    assert!(
        app.overlays.is_empty(),
        "enter keeps the filter and closes the field"
    );
    assert_eq!(app.view(Pane::Deployments).rows.len(), 2);
    press(&mut app, &worker, KeyCode::Esc);
    assert_eq!(app.view(Pane::Deployments).rows.len(), all);
}

#[test]
fn sorting_by_the_cursors_column_and_reverses() {
    let (mut app, worker) = demo();
    go(&mut app, &worker, &[Action::PaneDeployments]);
    let first = |app: &App| {
        let t = app.table(Pane::Deployments).unwrap();
        app.view(Pane::Deployments)
            .selected_row(t)
            .unwrap()
            .key
            .clone()
    };
    // The column cursor starts on the first column: the deployment id.
    send(&mut app, &worker, Action::Sort);
    send(&mut app, &worker, Action::Top);
    assert_eq!(first(&app), "batch-gpt4omini-legacy");
    send(&mut app, &worker, Action::SortReverse);
    send(&mut app, &worker, Action::Top);
    assert_eq!(first(&app), "triage-gpt41mini");
}

#[test]
fn deployment_details_with_history() {
    let (mut app, worker) = demo();
    go(
        &mut app,
        &worker,
        &[
            Action::PaneDeployments,
            Action::Down,
            Action::Down,
            Action::Select,
        ],
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Deployment chat-gpt4o "), "{s}");
    assert!(s.contains("History (the store's audit log)"), "{s}");
    insta::assert_snapshot!("3_deployment_details", s);
    send(&mut app, &worker, Action::Back);
    assert!(app.overlays.is_empty());
}

fn open_store(app: &App, worker: &Worker) -> ptudesk::store::Store {
    let _ = app;
    let slot = worker.slot.lock().unwrap();
    ptudesk::store::Store::open_existing(&slot.path).unwrap()
}

#[test]
fn add_ptu_is_priced_saved_and_undone() {
    let (mut app, worker) = demo();
    // cp-eastus2-prod: the second commitment.
    go(&mut app, &worker, &[Action::PaneCommitments, Action::Down]);
    press(&mut app, &worker, KeyCode::Char('+'));
    let preview = form_preview(&app)
        .expect("priced")
        .clone()
        .expect("possible");
    // The one charge billed is the core's prorated addition: 50 PTU at
    // $312 for 18 of 30 days (22 Nov .. 9 Dec, term 10 Nov .. 10 Dec); the
    // commitment is set not to renew, so no renewal changes.
    assert_eq!(preview.charges.len(), 1, "{preview:?}");
    assert_eq!(preview.charges[0].kind, ChargeKind::Addition);
    assert_eq!(preview.charges[0].at, now());
    assert_eq!(preview.billed(), Decimal::new(936000, 2), "{preview:?}");
    assert_eq!(preview.month.delta(), preview.billed());
    insta::assert_snapshot!("4_add_ptu_form", screen(&mut app, 120, 40));
    // Another 50: the preview follows.
    send(&mut app, &worker, Action::Text(TextKey::Char('+')));
    let p2 = form_preview(&app).unwrap().clone().unwrap();
    assert_eq!(p2.billed(), preview.billed() * Decimal::from(2));
    send(&mut app, &worker, Action::Select);
    assert!(app.overlays.is_empty(), "saved");
    let (tone, msg) = app.status.clone().unwrap();
    assert!(msg.starts_with("Saved #"), "{tone:?} {msg}");
    let e = open_store(&app, &worker).load().unwrap();
    let c = e
        .commitments
        .iter()
        .find(|c| c.id == "cp-eastus2-prod")
        .unwrap();
    assert_eq!(c.additions.len(), 1);
    assert_eq!(c.additions[0].ptu, 100);
    let log = open_store(&app, &worker).log().unwrap();
    assert_eq!(log.last().unwrap().source, "tui");
    // The panes show it.
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("   500    400"), "{s}");
    // u undoes it.
    press(&mut app, &worker, KeyCode::Char('u'));
    let e = open_store(&app, &worker).load().unwrap();
    let c = e
        .commitments
        .iter()
        .find(|c| c.id == "cp-eastus2-prod")
        .unwrap();
    assert!(c.additions.is_empty());
    assert!(app.status.as_ref().unwrap().1.starts_with("Undid #"));
    // The next change back is the demo itself, not an edit made here: ask first.
    press(&mut app, &worker, KeyCode::Char('u'));
    assert!(matches!(app.overlays.last(), Some(Overlay::Confirm { .. })));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("was not made here"), "{s}");
    press(&mut app, &worker, KeyCode::Char('n'));
    assert!(app.overlays.is_empty());
    assert_eq!(
        open_store(&app, &worker).load().unwrap().commitments.len(),
        2,
        "nothing undone"
    );
}

#[test]
fn refund_checks_the_limit_and_confirms() {
    let (mut app, worker) = demo();
    // res-swc-global (second row): refund its current term.
    go(&mut app, &worker, &[Action::PaneReservations, Action::Down]);
    press(&mut app, &worker, KeyCode::Char('x'));
    let p = form_preview(&app).unwrap().clone().unwrap();
    // The credit (11 of 30 days of $78,000), and the renewal on 3 December
    // that the refund cancels.
    let kinds: Vec<(ChargeKind, Decimal)> = p.charges.iter().map(|c| (c.kind, c.delta())).collect();
    assert_eq!(
        kinds,
        [
            (ChargeKind::Refund, Decimal::from(-28_600)),
            (ChargeKind::Renewal, Decimal::from(-78_000))
        ],
        "{p:?}"
    );
    let r = p.refund.clone().unwrap();
    assert_eq!(r.headroom_before, Decimal::from(50_000));
    assert_eq!(r.headroom_after, Decimal::from(50_000 - 28_600));
    insta::assert_snapshot!("5_refund_form", screen(&mut app, 120, 40));
    send(&mut app, &worker, Action::Select);
    assert!(
        matches!(app.overlays.last(), Some(Overlay::Confirm { .. })),
        "destructive: confirm first"
    );
    insta::assert_snapshot!("5_refund_confirm", screen(&mut app, 120, 40));
    press(&mut app, &worker, KeyCode::Char('n'));
    assert!(
        matches!(app.overlays.last(), Some(Overlay::Form(_))),
        "no: back to the form"
    );
    send(&mut app, &worker, Action::Select);
    press(&mut app, &worker, KeyCode::Char('y'));
    assert!(app.overlays.is_empty());
    let e = open_store(&app, &worker).load().unwrap();
    assert!(
        e.reservations
            .iter()
            .find(|r| r.id == "res-swc-global")
            .unwrap()
            .refunded_at
            .is_some()
    );
}

#[test]
fn refunds_past_the_rolling_limit_are_refused() {
    let (mut app, worker) = demo();
    // res-eus2-regional: 400 PTU for a year at $2,916 — far past $50,000.
    go(
        &mut app,
        &worker,
        &[Action::PaneReservations, Action::Bottom],
    );
    press(&mut app, &worker, KeyCode::Char('x'));
    // It starts on 5 December: refund it on the 6th.
    send(&mut app, &worker, Action::Text(TextKey::Clear));
    type_text(&mut app, &worker, "2026-12-06");
    let p = form_preview(&app).unwrap().clone().unwrap();
    let r = p.refund.unwrap();
    assert!(!r.ok(), "{r:?}");
    send(&mut app, &worker, Action::Select);
    assert!(
        matches!(app.overlays.last(), Some(Overlay::Form(_))),
        "not saved"
    );
    assert!(app.status.as_ref().unwrap().1.contains("50,000"));
}

#[test]
fn every_edit_previews() {
    let (mut app, worker) = demo();
    let check = |app: &mut App, pane: Action, down: usize, key: char| {
        send(app, &worker, pane);
        send(app, &worker, Action::Top);
        for _ in 0..down {
            send(app, &worker, Action::Down);
        }
        press(app, &worker, KeyCode::Char(key));
        let p = form_preview(app)
            .unwrap_or_else(|| panic!("{key}: no form"))
            .clone();
        assert!(p.is_ok(), "{key}: {p:?}");
        send(app, &worker, Action::Back);
        p.unwrap()
    };
    // Commitment renewal: cp-eastus-legacy back to autorenew: a renewal bill.
    let p = check(&mut app, Action::PaneCommitments, 0, 'r');
    assert!(
        p.month.delta() == Decimal::ZERO || p.next30.delta() != Decimal::ZERO,
        "{p:?}"
    );
    let p = check(&mut app, Action::PaneReservations, 2, 'r');
    assert!(p.charges.is_empty(), "{p:?}");
    let p = check(&mut app, Action::PaneReservations, 0, 'n');
    assert!(p.billed() > Decimal::ZERO, "a purchase: {p:?}");
    check(&mut app, Action::PaneReservations, 2, 's');
    // Resize chat-gpt4o-legacy (first deployment).
    check(&mut app, Action::PaneDeployments, 0, 'e');
    // Delete support-gpt4o: it paid hourly, so the month gets cheaper.
    let p = check(&mut app, Action::PaneDeployments, 6, 'd');
    assert!(p.next30.delta() < Decimal::ZERO, "{p:?}");
}

#[test]
fn new_reservation_form_snapshot_and_renewal_change() {
    let (mut app, worker) = demo();
    go(&mut app, &worker, &[Action::PaneReservations]);
    press(&mut app, &worker, KeyCode::Char('n'));
    insta::assert_snapshot!("5_new_reservation_form", screen(&mut app, 120, 40));
    send(&mut app, &worker, Action::Back);
    // Set cp-eastus-legacy to autorenew: no more overage after the 27th.
    go(&mut app, &worker, &[Action::PaneCommitments, Action::Top]);
    press(&mut app, &worker, KeyCode::Char('r'));
    send(&mut app, &worker, Action::Text(TextKey::Left)); // don't renew -> renew at fewer
    send(&mut app, &worker, Action::Text(TextKey::Left)); // -> autorenew
    let p = form_preview(&app).unwrap().clone().unwrap();
    assert!(p.summary.contains("autorenew"), "{p:?}");
    assert!(
        p.next30.delta() < Decimal::ZERO,
        "renewing costs less than hourly overage: {p:?}"
    );
    insta::assert_snapshot!("4_renewal_form", screen(&mut app, 120, 40));
    send(&mut app, &worker, Action::Select);
    let e = open_store(&app, &worker).load().unwrap();
    let c = e
        .commitments
        .iter()
        .find(|c| c.id == "cp-eastus-legacy")
        .unwrap();
    assert_eq!(c.renewal_changes.len(), 2);
}

#[test]
fn readonly_prices_edits_but_saves_nothing() {
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Demo,
        now: Some(now()),
        clock_start: None,
        readonly: true,
        config: Config::default(),
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    go(&mut app, &worker, &[Action::PaneCommitments]);
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains(" + add PTU"),
        "edit keys price in read-only: {s}"
    );
    assert!(!s.contains(" u undo"), "no undo in the bar: {s}");
    // + opens the form and prices it.
    press(&mut app, &worker, KeyCode::Char('+'));
    let p = form_preview(&app)
        .expect("priced")
        .clone()
        .expect("possible");
    assert_eq!(p.billed().round_dp(2), Decimal::new(251613, 2), "{p:?}");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("read-only: priced, not saved"), "{s}");
    assert!(!s.contains("enter save"), "the bar offers no save: {s}");
    assert!(s.contains("esc close"), "{s}");
    // Enter refuses to save, and says why.
    press(&mut app, &worker, KeyCode::Enter);
    assert!(matches!(app.overlays.last(), Some(Overlay::Form(_))));
    assert_eq!(
        app.status.as_ref().unwrap().1,
        "Read-only (--readonly): priced only, nothing saved."
    );
    press(&mut app, &worker, KeyCode::Esc);
    let log = worker
        .with_store(|s| s.log().map_err(|e| e.to_string()))
        .unwrap();
    assert_eq!(log.len(), 1, "only the demo");
    press(&mut app, &worker, KeyCode::Char('u'));
    assert!(app.status.as_ref().unwrap().1.contains("Read-only"));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("read-only"), "{s}");
}

fn acks(worker: &Worker) -> Vec<ptudesk::domain::notice::Ack> {
    worker
        .with_store(|s| s.acks().map_err(|e| e.to_string()))
        .unwrap()
}

fn severities(app: &App) -> Vec<String> {
    let t = app.table(Pane::Notifications).unwrap();
    app.view(Pane::Notifications)
        .rows
        .iter()
        .map(|&(i, _)| t.rows[i].cells[0].clone())
        .collect()
}

/// The selected notification's id.
fn selected_notification(app: &App) -> Notification {
    let t = app.table(Pane::Notifications).unwrap();
    let key = &app.view(Pane::Notifications).selected_row(t).unwrap().key;
    app.notification(key).unwrap().0.clone()
}

#[test]
fn notifications_sorted_acknowledged_and_jumped_to() {
    let (mut app, worker) = demo();
    go(&mut app, &worker, &[Action::PaneNotifications]);
    let all = [
        "critical", "critical", "warning", "warning", "warning", "warning", "info",
    ];
    assert_eq!(severities(&app), all);
    // The earliest critical one first: the hourly overage on aoai-westus3-apps.
    let first = selected_notification(&app);
    assert_eq!(
        (first.kind, first.subject.as_str()),
        ("hourly_overage", "aoai-westus3-apps")
    );
    // `a` opens a small form; Esc acknowledges nothing.
    press(&mut app, &worker, KeyCode::Char('a'));
    assert!(matches!(app.overlays.last(), Some(Overlay::Form(_))));
    insta::assert_snapshot!("6_acknowledge_form", screen(&mut app, 120, 40));
    press(&mut app, &worker, KeyCode::Esc);
    assert!(app.overlays.is_empty());
    assert!(acks(&worker).is_empty());
    // A note and an end date; Enter saves.
    press(&mut app, &worker, KeyCode::Char('a'));
    type_text(&mut app, &worker, "reservation ordered on Monday");
    press(&mut app, &worker, KeyCode::Tab);
    type_text(&mut app, &worker, "2026-12-01");
    press(&mut app, &worker, KeyCode::Enter);
    assert!(app.overlays.is_empty());
    let msg = &app.status.as_ref().unwrap().1;
    assert!(
        msg.starts_with(
            "Acknowledged hourly overage aoai-westus3-apps: silenced until 2026-12-01 00:00"
        ),
        "{msg}"
    );
    let stored = acks(&worker);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, first.id);
    assert_eq!(stored[0].note, "reservation ordered on Monday");
    assert_eq!(stored[0].until, Some(parse_time_arg("2026-12-01").unwrap()));
    let rest = &all[1..];
    assert_eq!(severities(&app), rest);
    // The acknowledgement is kept out of the audit log; u takes it back.
    let log_len = open_store(&app, &worker).log().unwrap().len();
    press(&mut app, &worker, KeyCode::Char('u'));
    assert!(acks(&worker).is_empty());
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .1
            .starts_with("Took back the acknowledgement"),
        "{:?}",
        app.status
    );
    assert_eq!(severities(&app), all);
    assert_eq!(open_store(&app, &worker).log().unwrap().len(), log_len);
    // u again puts it back.
    press(&mut app, &worker, KeyCode::Char('u'));
    assert_eq!(acks(&worker).len(), 1);
    assert_eq!(severities(&app), rest);
    // A shows the acknowledged ones, dimmed; a on one takes it back.
    press(&mut app, &worker, KeyCode::Char('A'));
    assert_eq!(severities(&app), all);
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("[acknowledged 2026-11-22 09:00 until 2026-12-01 00:00]"),
        "{s}"
    );
    insta::assert_snapshot!("6_notifications_acknowledged", s);
    press(&mut app, &worker, KeyCode::Char('a'));
    assert!(acks(&worker).is_empty());
    press(&mut app, &worker, KeyCode::Char('A'));
    // i shows the one selected in full: what to do and its id.
    press(&mut app, &worker, KeyCode::Char('i'));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("-> buy a one-year Regional reservation of 150 PTU in westus3"),
        "{s}"
    );
    assert!(s.contains(&format!("Id        {}", first.id)), "{s}");
    assert!(s.contains(&format!("ptudesk ack {}", first.id)), "{s}");
    press(&mut app, &worker, KeyCode::Esc);
    // Enter on one with remedies opens them; Esc closes them.
    assert!(!first.remedies.is_empty());
    press(&mut app, &worker, KeyCode::Enter);
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Remedies { .. })
    ));
    press(&mut app, &worker, KeyCode::Esc);
    assert!(app.overlays.is_empty());
    assert_eq!(app.pane, Pane::Notifications);
}

#[test]
fn esc_goes_back_after_a_jump() {
    let (mut app, worker) = demo();
    go(&mut app, &worker, &[Action::PaneDeployments]);
    // Filter the deployments first: the jump replaces it, Esc restores it.
    press(&mut app, &worker, KeyCode::Char('/'));
    type_text(&mut app, &worker, "gpt41");
    press(&mut app, &worker, KeyCode::Enter);
    // The forecast's costliest window: aoai-westus3-apps's overage.
    go(&mut app, &worker, &[Action::PaneForecast, Action::Top]);
    press(&mut app, &worker, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Deployments);
    let jumped = app.view(Pane::Deployments).filter.clone();
    assert_ne!(jumped, "gpt41");
    assert!(!jumped.is_empty());
    // One Esc: back to the window, the jump's filter gone.
    press(&mut app, &worker, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Forecast);
    assert_eq!(app.view(Pane::Forecast).selected, 0);
    assert_eq!(app.view(Pane::Deployments).filter, "gpt41");
    // The overview's second event -> its subject; Esc comes back to it.
    go(
        &mut app,
        &worker,
        &[Action::PaneOverview, Action::Top, Action::Down],
    );
    press(&mut app, &worker, KeyCode::Enter);
    assert_ne!(app.pane, Pane::Overview);
    press(&mut app, &worker, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Overview);
    assert_eq!(app.view(Pane::Overview).selected, 1);
    // With nothing to go back to, Esc stays.
    press(&mut app, &worker, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Overview);
    // A pane switched to by hand forgets the way back.
    press(&mut app, &worker, KeyCode::Enter);
    press(&mut app, &worker, KeyCode::Char('2'));
    press(&mut app, &worker, KeyCode::Char('4'));
    press(&mut app, &worker, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Commitments);
    // A quota's deployment and a forecast window jump too.
    go(
        &mut app,
        &worker,
        &[Action::PaneQuota, Action::Top, Action::Select, Action::Down],
    );
    let quota_sel = app.view(Pane::Quota).selected;
    press(&mut app, &worker, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Deployments);
    press(&mut app, &worker, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Quota);
    assert_eq!(app.view(Pane::Quota).selected, quota_sel);
}

/// The Notifications pane lists what `ptudesk check --format json` lists on
/// the same store at the same instant: the same notifications (by id), the
/// same severities, subjects and costs, read from the cells the pane
/// draws and from the drawn screen.
#[test]
fn the_notifications_pane_lists_what_check_lists() {
    let (mut app, worker) = demo();
    go(&mut app, &worker, &[Action::PaneNotifications]);
    let db = worker.slot.lock().unwrap().path.clone();
    let o = common::ptudesk()
        .args(["check", "--now", NOW, "--format", "json"])
        .env("PTUDESK_DB", &db)
        .output()
        .unwrap();
    // Exit 2: a critical notification among them.
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut from_check: Vec<(String, String, String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let cost: Decimal = n["cost_impact"].as_str().unwrap().parse().unwrap();
            (
                n["id"].as_str().unwrap().to_string(),
                n["severity"].as_str().unwrap().to_string(),
                n["subject"].as_str().unwrap().to_string(),
                ptudesk::tui::data::money(cost),
            )
        })
        .collect();
    from_check.sort();
    assert!(
        from_check.len() >= 5,
        "the demo raises several notifications: {from_check:?}"
    );
    assert!(
        from_check.iter().any(|n| n.1 == "critical"),
        "{from_check:?}"
    );

    let t = app.table(Pane::Notifications).unwrap();
    let mut in_pane: Vec<(String, String, String, String)> = app
        .view(Pane::Notifications)
        .rows
        .iter()
        .map(|&(i, _)| {
            let r = &t.rows[i];
            (
                r.key.clone(),
                r.cells[0].clone(),
                r.cells[3].clone(),
                r.cells[4].clone(),
            )
        })
        .collect();
    in_pane.sort();
    assert_eq!(in_pane, from_check);

    // On screen: the title counts them, and each row's line carries its
    // severity, subject and cost.
    let s = screen(&mut app, 220, 60);
    assert!(
        s.contains(&format!("┌ Notifications · {} rows ─", from_check.len())),
        "{s}"
    );
    let lines = screen_lines(&s);
    for (_, severity, subject, cost) in &from_check {
        assert!(
            lines.iter().any(|l| {
                let cells: Vec<&str> = l.split_whitespace().collect();
                cells.first() == Some(&format!("│{severity}").as_str())
                    && cells.contains(&subject.as_str())
                    && cells.contains(&cost.as_str())
            }),
            "no line with {severity} {subject} {cost}:\n{s}"
        );
    }
}

#[test]
fn forecast_range_basis_and_jump() {
    let (mut app, worker) = demo();
    go(
        &mut app,
        &worker,
        &[Action::Command("forecast 2027-01-01..2027-04-01".into())],
    );
    assert_eq!(app.pane, Pane::Forecast);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("2027-01-01 .. 2027-04-01"), "{s}");
    // The header carries the basis and the total the core rates for it
    // (the word "amortized" alone is always in the key bar).
    let header = |app: &mut App| screen_lines(&screen(app, 120, 40))[2].clone();
    let rated = |basis: Basis| {
        let estate = open_store(&app, &worker).load().unwrap();
        let req = Request {
            from: parse_time_arg("2027-01-01").unwrap(),
            to: parse_time_arg("2027-04-01").unwrap(),
            basis,
            by: Bucket::Day,
        };
        let f =
            ptudesk::rating::forecast(&estate, &worker.book, &req, &Default::default()).unwrap();
        ptudesk::tui::data::money(f.totals.total())
    };
    let (actual, amortized) = (rated(Basis::Actual), rated(Basis::Amortized));
    assert_ne!(actual, amortized);
    let h = header(&mut app);
    assert!(
        h.starts_with(&format!(
            "2027-01-01 .. 2027-04-01  actual (when billed)  total {actual} "
        )),
        "{h}"
    );
    press(&mut app, &worker, KeyCode::Char('b'));
    let h = header(&mut app);
    assert!(
        h.starts_with(&format!(
            "2027-01-01 .. 2027-04-01  amortized (spread over the days paid for)  total {amortized} "
        )),
        "{h}"
    );
    press(&mut app, &worker, KeyCode::Char('['));
    assert_eq!(app.chart.from, parse_time_arg("2026-12-01").unwrap());
    go(&mut app, &worker, &[Action::Command("forecast".into())]);
    insta::assert_snapshot!("7_forecast_amortized", screen(&mut app, 120, 40));
    // The costliest window first: aoai-westus3-apps's overage.
    press(&mut app, &worker, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Deployments);
    go(
        &mut app,
        &worker,
        &[Action::Command("forecast 2027-01-01".into())],
    );
    assert!(app.status.as_ref().unwrap().1.contains("FROM..TO"));
}

#[test]
fn palette_now_export_import_and_quit() {
    let (mut app, worker) = demo();
    press(&mut app, &worker, KeyCode::Char(':'));
    type_text(&mut app, &worker, "now 2026-11-28");
    insta::assert_snapshot!("palette", screen(&mut app, 120, 40));
    press(&mut app, &worker, KeyCode::Enter);
    assert_eq!(app.now, parse_time_arg("2026-11-28").unwrap());
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("now 2026-11-28 00:00 UTC"), "{s}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.json");
    go(
        &mut app,
        &worker,
        &[Action::Command(format!("export {}", file.display()))],
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("cp-eastus-legacy"));
    // Import a changed copy: the app reloads and shows it.
    let changed = text.replace("\"ptu\": 300,\n", "\"ptu\": 350,\n");
    assert_ne!(changed, text);
    std::fs::write(&file, changed).unwrap();
    go(
        &mut app,
        &worker,
        &[Action::Command(format!("import {}", file.display()))],
    );
    assert!(
        app.status.as_ref().unwrap().1.starts_with("Imported"),
        "{:?}",
        app.status
    );
    go(&mut app, &worker, &[Action::Command("nonsense".into())]);
    assert!(app.status.as_ref().unwrap().1.contains("Unknown command"));
    go(&mut app, &worker, &[Action::Command("q".into())]);
    assert!(app.quit);
}

#[test]
fn notices_another_process_writing_the_store() {
    let (mut app, worker) = demo();
    assert!(!worker.store_changed());
    {
        let mut other = open_store(&app, &worker);
        other
            .transact::<String>("import", "another terminal", now(), |e| {
                let mut e = e.clone();
                e.deployments.retain(|d| d.id != "eval-o3");
                Ok(e)
            })
            .unwrap()
            .unwrap();
    }
    assert!(worker.store_changed());
    send(&mut app, &worker, Action::StoreChanged);
    assert!(!worker.store_changed());
    let t = app.table(Pane::Deployments).unwrap();
    assert!(t.rows.iter().all(|r| r.key != "eval-o3"));
    assert!(app.status.as_ref().unwrap().1.contains("another process"));
}

/// Another process (a connection of its own) drops one deployment from
/// the store at `path`.
fn another_process_drops_a_deployment(path: &std::path::Path) {
    let mut other = ptudesk::store::Store::open_existing(path).unwrap();
    other
        .transact::<String>("import", "another terminal", now(), |e| {
            let mut e = e.clone();
            e.deployments.pop();
            Ok(e)
        })
        .unwrap()
        .unwrap();
}

#[test]
fn a_write_during_a_load_is_noticed_afterwards() {
    // Another process commits while the app is busy with the store (here:
    // inside a read of its own, as a load of acknowledgements or
    // notifications after the estate's): what the panes show predates it,
    // so the next check must still say "changed".
    let (_app, worker) = demo();
    let path = worker.slot.lock().unwrap().path.clone();
    assert!(!worker.store_changed());
    worker
        .with_store(|_ours| {
            another_process_drops_a_deployment(&path);
            Ok(())
        })
        .unwrap();
    assert!(worker.store_changed(), "a write during a read is not seen");

    // A write before a later read (not the estate's) is not taken as seen.
    let (_app, worker) = demo();
    another_process_drops_a_deployment(&worker.slot.lock().unwrap().path.clone());
    worker
        .with_store(|s| s.acks().map_err(|e| e.to_string()))
        .unwrap();
    assert!(
        worker.store_changed(),
        "a read of acknowledgements took the estate's change as seen"
    );
}

#[test]
fn bursts_of_writes_from_another_process_end_on_the_stores_estate() {
    // 40 writes from another connection while the app keeps reloading on
    // every change it notices; once the writer stops, one more check and
    // reload at most, and the app shows exactly what the store holds.
    let (mut app, worker) = demo();
    let path = worker.slot.lock().unwrap().path.clone();
    let writer = std::thread::spawn(move || {
        let mut other = ptudesk::store::Store::open_existing(&path).unwrap();
        for i in 0..40 {
            other
                .transact::<String>("import", "burst", now(), |e| {
                    let mut e = e.clone();
                    // Odd writes drop one more deployment (down to two),
                    // even ones write the same estate again.
                    if i % 2 == 1 && e.deployments.len() > 2 {
                        e.deployments.pop();
                    }
                    Ok(e)
                })
                .unwrap()
                .unwrap();
        }
    });
    while !writer.is_finished() {
        if worker.store_changed() {
            send(&mut app, &worker, Action::StoreChanged);
        }
    }
    writer.join().unwrap();
    if worker.store_changed() {
        send(&mut app, &worker, Action::StoreChanged);
    }
    assert!(!worker.store_changed());
    let held = open_store(&app, &worker).load().unwrap();
    let t = app.table(Pane::Deployments).unwrap();
    let mut shown: Vec<&str> = t.rows.iter().map(|r| r.key.as_str()).collect();
    let mut stored: Vec<&str> = held.deployments.iter().map(|d| d.id.as_str()).collect();
    shown.sort_unstable();
    stored.sort_unstable();
    assert_eq!(shown, stored);
    assert_eq!(held.deployments.len(), 2);
}

#[test]
fn an_empty_store_offers_import_or_demo() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Path(dir.path().join("s.db")),
        now: Some(now()),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("The store is empty."), "{s}");
    assert!(s.contains(":demo"), "{s}");
    go(&mut app, &worker, &[Action::Command("demo".into())]);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("ptudesk · demo ·"), "{s}");
    assert!(s.contains("cp-eastus-legacy"), "{s}");
    // The user's store stays empty.
    let store = ptudesk::store::Store::open_existing(&dir.path().join("s.db")).unwrap();
    assert!(store.is_empty().unwrap());
}

#[test]
fn keys_map_to_actions_by_mode() {
    let (mut app, worker) = demo();
    for (c, p) in ('1'..='8').zip(Pane::ALL) {
        press(&mut app, &worker, KeyCode::Char(c));
        assert_eq!(app.pane, p);
    }
    press(&mut app, &worker, KeyCode::Tab);
    assert_eq!(app.pane, Pane::Overview);
    press(&mut app, &worker, KeyCode::BackTab);
    assert_eq!(app.pane, Pane::Planner);
    // In a text field, letters are text, not commands.
    press(&mut app, &worker, KeyCode::Char('3'));
    press(&mut app, &worker, KeyCode::Char('/'));
    assert!(matches!(
        key(&app, KeyCode::Char('q')),
        Some(Action::Text(TextKey::Char('q')))
    ));
    press(&mut app, &worker, KeyCode::Esc);
    assert!(matches!(key(&app, KeyCode::Char('q')), Some(Action::Quit)));
    assert!(matches!(
        key_action(
            &app,
            &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
        ),
        Some(Action::Quit)
    ));
}

#[test]
fn an_edit_form_at_80x24() {
    let (mut app, worker) = demo();
    go(
        &mut app,
        &worker,
        &[Action::PaneCommitments, Action::AddPtu],
    );
    insta::assert_snapshot!("4_add_ptu_form_80x24", screen(&mut app, 80, 24));
}

/// The Planner pane opened with `p` on cp-eastus2-prod (the second commitment).
fn migrate_plan(app: &mut App, worker: &Worker) {
    go(
        app,
        worker,
        &[Action::PaneCommitments, Action::Top, Action::Down],
    );
    press(app, worker, KeyCode::Char('p'));
}

#[test]
fn p_on_a_commitment_plans_its_migration() {
    let (mut app, worker) = demo();
    migrate_plan(&mut app, &worker);
    assert_eq!(app.pane, Pane::Planner);
    let set = app.planner.ready().expect("planned").clone();
    assert_eq!(
        set.subject,
        ptudesk::planner::Subject::Migrate {
            commitment: "cp-eastus2-prod".into()
        }
    );
    assert_eq!(set.names(), ["overlap", "overlap-1m", "gap", "managed"]);
    // The recommended option is selected first.
    let (_, o) = selected_option(&app).unwrap();
    assert_eq!(Some(o.name.as_str()), set.recommended.as_deref());
    // Side by side, each with its costs: the planner's figures.
    let s = screen(&mut app, 120, 40);
    for o in &set.options {
        assert!(s.contains(&format!(" {} ", o.name)), "{}: {s}", o.name);
        assert!(
            s.contains(&ptudesk::tui::data::money(o.costs.total())),
            "{s}"
        );
    }
    // Compared over the workload's lifetime (open-ended, 12 months), the
    // one-year term as planned is recommended, whatever the 90-day horizon.
    assert!(s.contains("* overlap "), "{s}");
    assert!(
        s.contains(" overlap: timeline, preconditions, notes"),
        "{s}"
    );
    // Narrow: a table with every column the cards show.
    let s = screen(&mut app, 80, 24);
    for col in [
        "Option",
        "Total",
        "vs nothing",
        "Double bill",
        "Hourly",
        "Downtime",
        "Safe",
    ] {
        assert!(s.contains(col), "{col}: {s}");
    }
}

#[test]
fn applying_a_plan_writes_one_change_the_forecast_shows_and_u_undoes() {
    let (mut app, worker) = demo();
    migrate_plan(&mut app, &worker);
    let (set, o) = selected_option(&app)
        .map(|(s, o)| (s.clone(), o.clone()))
        .unwrap();
    assert_eq!(o.name, "overlap");
    assert!(o.costs.double_billing > Decimal::ZERO, "{o:?}");
    let before = open_store(&app, &worker).log().unwrap().len();
    // Enter asks first; no: nothing written.
    press(&mut app, &worker, KeyCode::Enter);
    assert!(matches!(app.overlays.last(), Some(Overlay::Confirm { .. })));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Apply option overlap of plan migrate"), "{s}");
    press(&mut app, &worker, KeyCode::Char('n'));
    assert!(app.overlays.is_empty());
    assert_eq!(open_store(&app, &worker).log().unwrap().len(), before);
    // `a` asks too; yes: one change, made here.
    press(&mut app, &worker, KeyCode::Char('a'));
    press(&mut app, &worker, KeyCode::Char('y'));
    assert!(app.overlays.is_empty());
    let (tone, msg) = app.status.clone().unwrap();
    assert!(msg.starts_with("Applied #"), "{tone:?} {msg}");
    let log = open_store(&app, &worker).log().unwrap();
    assert_eq!(log.len(), before + 1);
    let last = log.last().unwrap();
    assert_eq!(last.source, "tui");
    assert_eq!(last.summary, "plan migrate cp-eastus2-prod: overlap");
    // The reservation is re-dated to the plan's purchase time.
    let e = open_store(&app, &worker).load().unwrap();
    let r = e
        .reservations
        .iter()
        .find(|r| r.id == "res-eus2-regional")
        .unwrap();
    assert_eq!(r.start, o.steps[0].at);
    // The Forecast pane shows the plan's window, and in it the plan's
    // double billing at the plan's own cost.
    assert_eq!(app.pane, Pane::Forecast);
    assert_eq!((app.chart.from, app.chart.to), (set.from, set.to));
    let t = app.table(Pane::Forecast).expect("charted");
    let rows: Vec<&Vec<String>> = t
        .rows
        .iter()
        .map(|r| &r.cells)
        .filter(|c| c[1] == "double billing" && c[2] == "res-eus2-regional")
        .collect();
    assert_eq!(rows.len(), 1, "{:?}", t.rows);
    let w = &o.windows[0];
    assert_eq!(
        rows[0][0],
        ptudesk::tui::data::money(o.costs.double_billing)
    );
    assert_eq!(
        (rows[0][3].as_str(), rows[0][4].as_str()),
        (
            ptudesk::tui::data::minute(w.start).as_str(),
            ptudesk::tui::data::minute(w.end).as_str()
        )
    );
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains(&ptudesk::tui::data::money(o.costs.double_billing)),
        "{s}"
    );
    // u undoes it: the log records the undo, the estate is as before.
    press(&mut app, &worker, KeyCode::Char('u'));
    assert!(
        app.status.as_ref().unwrap().1.starts_with("Undid #"),
        "{:?}",
        app.status
    );
    let e = open_store(&app, &worker).load().unwrap();
    let r = e
        .reservations
        .iter()
        .find(|r| r.id == "res-eus2-regional")
        .unwrap();
    assert_eq!(r.start, parse_time_arg("2026-12-05").unwrap());
    let log = open_store(&app, &worker).log().unwrap();
    assert_eq!(log.last().unwrap().undoes, Some(last.id));
}

#[test]
fn readonly_plans_but_does_not_apply() {
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Demo,
        now: Some(now()),
        clock_start: None,
        readonly: true,
        config: Config::default(),
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    let before = open_store(&app, &worker).log().unwrap().len();
    migrate_plan(&mut app, &worker);
    assert!(app.planner.ready().is_some(), "planning reads only");
    press(&mut app, &worker, KeyCode::Enter);
    assert!(app.overlays.is_empty(), "no confirmation");
    assert!(app.status.as_ref().unwrap().1.contains("Read-only"));
    press(&mut app, &worker, KeyCode::Char('a'));
    assert!(app.overlays.is_empty());
    assert!(app.status.as_ref().unwrap().1.contains("Read-only"));
    go(&mut app, &worker, &[Action::ApplyPlan]);
    assert!(app.overlays.is_empty());
    assert_eq!(open_store(&app, &worker).log().unwrap().len(), before);
    let s = screen(&mut app, 120, 40);
    assert!(!s.contains("enter apply"), "no apply key in the bar: {s}");
}

#[test]
fn planner_snapshots() {
    let (mut app, worker) = demo();
    migrate_plan(&mut app, &worker);
    insta::assert_snapshot!("8_planner_migrate", screen(&mut app, 120, 40));
    insta::assert_snapshot!("8_planner_migrate_80x24", screen(&mut app, 80, 24));
    // Another option: its details follow; pgdn scrolls them.
    press(&mut app, &worker, KeyCode::Char('G'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains(" managed: timeline"), "{s}");
    // Its credit in its own column (the last), its total in the details
    // ("credit" alone is a row label, always there).
    let lines = screen_lines(&s);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("│credit") && l.ends_with("││credit           -$41,600.00│")),
        "{s}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("│Total $250,000.00 (actual basis)")),
        "{s}"
    );
    press(&mut app, &worker, KeyCode::PageDown);
    assert!(app.planner.scroll > 0);
    press(&mut app, &worker, KeyCode::Char('k'));
    assert_eq!(app.planner.scroll, 0, "a new option starts at the top");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains(" gap: timeline"), "{s}");
}

#[test]
fn a_deployment_offers_move_convert_and_discontinue() {
    let (mut app, worker) = demo();
    // chat-gpt4o: the third deployment, on aoai-eastus2-prod.
    go(
        &mut app,
        &worker,
        &[
            Action::PaneDeployments,
            Action::Top,
            Action::Down,
            Action::Down,
        ],
    );
    press(&mut app, &worker, KeyCode::Char('p'));
    let Some(Overlay::Choose { items, .. }) = app.overlays.last() else {
        panic!("a chooser: {:?}", app.overlays)
    };
    let labels: Vec<&str> = items.iter().map(|c| c.label.as_str()).collect();
    assert!(
        labels[0].starts_with("Move chat-gpt4o to another resource"),
        "{labels:?}"
    );
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("Convert chat-gpt4o to Global"))
    );
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("Convert chat-gpt4o to Data Zone"))
    );
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("Discontinue aoai-eastus2-prod"))
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Plan for deployment chat-gpt4o"), "{s}");
    // Move: pick the resource.
    press(&mut app, &worker, KeyCode::Enter);
    let Some(Overlay::Choose { items, .. }) = app.overlays.last() else {
        panic!("the resources: {:?}", app.overlays)
    };
    let target = items
        .iter()
        .position(|c| c.label.starts_with("aoai-westus3-apps "))
        .expect("listed");
    assert!(
        items
            .iter()
            .all(|c| !c.label.starts_with("aoai-eastus2-prod "))
    );
    for _ in 0..target {
        press(&mut app, &worker, KeyCode::Char('j'));
    }
    press(&mut app, &worker, KeyCode::Enter);
    assert!(app.overlays.is_empty());
    assert_eq!(app.pane, Pane::Planner);
    let set = app.planner.ready().expect("planned").clone();
    assert_eq!(set.subject.label(), "chat-gpt4o -> aoai-westus3-apps");
    // Seven options: a table, even at 120 columns.
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Options over the horizon"), "{s}");
    assert!(s.contains("late-renew"), "{s}");
    // Convert, from the chooser; Esc leaves it.
    go(&mut app, &worker, &[Action::PaneDeployments]);
    press(&mut app, &worker, KeyCode::Char('p'));
    press(&mut app, &worker, KeyCode::Esc);
    assert!(app.overlays.is_empty());
    press(&mut app, &worker, KeyCode::Char('p'));
    press(&mut app, &worker, KeyCode::Down);
    press(&mut app, &worker, KeyCode::Enter);
    assert_eq!(
        app.planner.ready().unwrap().subject,
        ptudesk::planner::Subject::Convert {
            deployment: "chat-gpt4o".into(),
            to: ptudesk::domain::Sku::Global
        }
    );
    // D on a deployment: its resource.
    go(&mut app, &worker, &[Action::PaneDeployments]);
    press(&mut app, &worker, KeyCode::Char('D'));
    assert_eq!(app.pane, Pane::Planner);
    assert_eq!(
        app.planner.ready().unwrap().subject,
        ptudesk::planner::Subject::Discontinue {
            resource: "aoai-eastus2-prod".into()
        }
    );
    // D on a commitment: its resource too.
    go(&mut app, &worker, &[Action::PaneCommitments, Action::Top]);
    press(&mut app, &worker, KeyCode::Char('D'));
    let subject = app.planner.ready().unwrap().subject.clone();
    assert!(
        matches!(subject, ptudesk::planner::Subject::Discontinue { .. }),
        "{subject:?}"
    );
}

#[test]
fn palette_plans_and_says_why_not() {
    let (mut app, worker) = demo();
    go(
        &mut app,
        &worker,
        &[Action::Command("plan convert chat-gpt4o DataZone".into())],
    );
    assert_eq!(app.pane, Pane::Planner);
    assert_eq!(
        app.planner.ready().unwrap().subject,
        ptudesk::planner::Subject::Convert {
            deployment: "chat-gpt4o".into(),
            to: ptudesk::domain::Sku::DataZone
        }
    );
    go(
        &mut app,
        &worker,
        &[Action::Command("plan discontinue aoai-eastus2-prod".into())],
    );
    assert_eq!(
        app.planner.ready().unwrap().subject.label(),
        "aoai-eastus2-prod"
    );
    go(
        &mut app,
        &worker,
        &[Action::Command(
            "plan move chat-gpt4o aoai-westus3-apps".into(),
        )],
    );
    assert_eq!(
        app.planner.ready().unwrap().subject.label(),
        "chat-gpt4o -> aoai-westus3-apps"
    );
    // An unknown id: the planner's error, in the pane.
    go(
        &mut app,
        &worker,
        &[Action::Command("plan migrate cp-nope".into())],
    );
    assert!(matches!(app.planner.plans, Loadable::Failed(_)));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("No plan for migrate cp-nope"), "{s}");
    assert!(s.contains("cp-eastus2-prod"), "the known ids: {s}");
    go(&mut app, &worker, &[Action::Command("plan".into())]);
    assert!(app.status.as_ref().unwrap().1.starts_with("Usage: :plan"));
    go(
        &mut app,
        &worker,
        &[Action::Command("plan migrate cp-eastus2-prod".into())],
    );
    assert_eq!(app.planner.ready().unwrap().options.len(), 4);
}

#[test]
fn sync_is_not_for_throwaway_or_readonly_stores() {
    let (mut app, worker) = demo();
    go(&mut app, &worker, &[Action::Command("sync".into())]);
    assert!(!app.syncing);
    let msg = &app.status.as_ref().unwrap().1;
    assert!(msg.contains("throw-away"), "{msg}");
    let dir = tempfile::tempdir().unwrap();
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Path(dir.path().join("s.db")),
        now: Some(now()),
        clock_start: None,
        readonly: true,
        config: Config::default(),
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    go(&mut app, &worker, &[Action::Command("sync".into())]);
    assert!(!app.syncing);
    assert!(app.status.as_ref().unwrap().1.contains("Read-only"));
}

#[cfg(unix)]
#[test]
fn sync_runs_in_the_worker_with_progress_then_reloads() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A folder holding the fake az (tests/data/sync/fake-az), told where its
    // fixtures are; the worker runs it as `az`.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sync");
    std::fs::copy(data.join("fake-az"), bin.join("fake-az")).unwrap();
    let log = dir.path().join("az.log");
    let quote =
        |p: &std::path::Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    std::fs::write(
        bin.join("az"),
        format!(
            "#!/bin/sh\nPATH={bin}:\"$PATH\" AZ_FAKE_DIRS={dirs} AZ_FAKE_LOG={log} exec {fake} \"$@\"\n",
            bin = quote(&bin),
            dirs = quote(&data.join("first")),
            log = quote(&log),
            fake = quote(&bin.join("fake-az")),
        ),
    )
    .unwrap();
    for f in ["az", "fake-az"] {
        std::fs::set_permissions(bin.join(f), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let db = dir.path().join("store.db");
    let (mut app, mut worker) = prepare(Options {
        store: StoreChoice::Path(db.clone()),
        now: Some(parse_time_arg("2026-11-28T06:00:00Z").unwrap()),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    worker.sync.program = bin.join("az").into_os_string();
    worker.notifier = |_, _, _, _, _, _| Ok(vec![]);
    let start = app.start();
    settle(&mut app, &worker, start);
    assert!(
        app.table(Pane::Deployments).unwrap().rows.is_empty(),
        "an empty store"
    );

    let effects = ptudesk::tui::update(&mut app, Action::Command("sync".into()));
    assert!(app.syncing);
    assert!(app.status.as_ref().unwrap().1.starts_with("Syncing"));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("syncing…"), "{s}");
    assert_eq!(effects.len(), 1);
    let answers = worker.run(effects.into_iter().next().unwrap());
    // The steps come first, one action each, then the end.
    let steps: Vec<&String> = answers
        .iter()
        .filter_map(|a| match a {
            Action::SyncProgress(s) => Some(s),
            _ => None,
        })
        .collect();
    assert!(!steps.is_empty(), "{answers:?}");
    assert!(
        matches!(answers.last(), Some(Action::Synced(Ok(_)))),
        "{answers:?}"
    );
    let mut follow = Vec::new();
    for a in answers {
        let progress = matches!(a, Action::SyncProgress(_));
        follow.extend(ptudesk::tui::update(&mut app, a));
        if progress {
            assert!(app.status.as_ref().unwrap().1.starts_with("Syncing… "));
        }
    }
    assert!(!app.syncing);
    let (tone, msg) = app.status.clone().unwrap();
    assert!(msg.starts_with("Synced "), "{tone:?} {msg}");
    assert!(msg.contains("change #"), "{msg}");
    // The panes reload with what Azure showed.
    settle(&mut app, &worker, follow);
    assert!(!app.table(Pane::Deployments).unwrap().rows.is_empty());
    let store = ptudesk::store::Store::open_existing(&db).unwrap();
    let changes = store.log().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].source, "sync");
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("az account list")
    );
    assert!(
        !worker.store_changed(),
        "the app's own sync is not another process"
    );

    // A failing az: the error, nothing written.
    std::fs::write(
        bin.join("az"),
        "#!/bin/sh\necho 'ERROR: boom' >&2\nexit 1\n",
    )
    .unwrap();
    go(&mut app, &worker, &[Action::Command("sync".into())]);
    assert!(!app.syncing);
    let (_, msg) = app.status.clone().unwrap();
    assert!(msg.starts_with("Sync failed: "), "{msg}");
    assert_eq!(store.log().unwrap().len(), 1);
}

/// Opens an edit with `key` on row `down` of a pane; its priced preview.
fn open_edit(app: &mut App, worker: &Worker, pane: Action, down: usize, key: char) {
    go(app, worker, &[pane, Action::Top]);
    for _ in 0..down {
        send(app, worker, Action::Down);
    }
    press(app, worker, KeyCode::Char(key));
}

fn preview(app: &App) -> ptudesk::planner::preview::Preview {
    form_preview(app)
        .expect("a form")
        .clone()
        .unwrap_or_else(|e| panic!("not possible: {e}"))
}

fn charge_list(
    p: &ptudesk::planner::preview::Preview,
) -> Vec<(String, String, ChargeKind, Decimal)> {
    p.charges
        .iter()
        .map(|c| {
            (
                ptudesk::domain::time::fmt_time(c.at),
                c.id.clone(),
                c.kind,
                c.delta().round_dp(2),
            )
        })
        .collect()
}

#[test]
fn renewal_previews_list_the_renewals_they_add_or_cancel() {
    let (mut app, worker) = demo();
    // cp-eastus-legacy is set not to renew; autorenew adds its renewal bill
    // on the 27th: 300 PTU at $312.
    open_edit(&mut app, &worker, Action::PaneCommitments, 0, 'r');
    send(&mut app, &worker, Action::Text(TextKey::Right)); // don't renew -> autorenew
    let p = preview(&app);
    assert!(p.summary.contains("autorenew"), "{p:?}");
    assert_eq!(
        charge_list(&p),
        [(
            "2026-11-27T09:00:00Z".to_string(),
            "cp-eastus-legacy".to_string(),
            ChargeKind::Renewal,
            Decimal::from(93_600)
        )]
    );
    // Renew at 250 PTU: $78,000. The PTU field shows only in this mode.
    send(&mut app, &worker, Action::Text(TextKey::Right));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("PTU at renewal  250"), "{s}");
    let p = preview(&app);
    assert_eq!(charge_list(&p)[0].3, Decimal::from(78_000), "{p:?}");
    send(&mut app, &worker, Action::Text(TextKey::Right)); // -> don't renew
    let s = screen(&mut app, 120, 40);
    assert!(!s.contains("PTU at renewal"), "{s}");
    assert!(preview(&app).charges.is_empty());
    send(&mut app, &worker, Action::Back);
    // res-weu-datazone, autorenew -> don't renew: the renewal on 16 March
    // 2027 is cancelled, far past the next 30 days.
    open_edit(&mut app, &worker, Action::PaneReservations, 0, 'r');
    let t = app.table(Pane::Reservations).unwrap();
    assert_eq!(
        app.view(Pane::Reservations).selected_row(t).unwrap().key,
        "res-weu-datazone"
    );
    send(&mut app, &worker, Action::Text(TextKey::Right));
    let p = preview(&app);
    assert_eq!(p.next30.delta(), Decimal::ZERO);
    let c = charge_list(&p);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, "2026-03-16T11:00:00Z".replace("2026", "2027"));
    assert_eq!(c[0].2, ChargeKind::Renewal);
    assert!(c[0].3 < Decimal::ZERO, "{c:?}");
    assert!(p.span.1 > parse_time_arg("2027-03-16T11:00:00Z").unwrap());
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("cancelled renewal of res-weu-datazone/r1"),
        "{s}"
    );
}

#[test]
fn a_resize_shows_its_hourly_effect_a_day_and_follows_the_model_and_quota() {
    let (mut app, worker) = demo();
    // chat-gpt4o: gpt-4o Regional, 300 PTU on sub-prod/eastus2 (quota 420,
    // 400 used with rag-gpt4omini).
    open_edit(&mut app, &worker, Action::PaneDeployments, 2, 'e');
    send(&mut app, &worker, Action::Text(TextKey::Right));
    let p = preview(&app);
    assert!(p.summary.contains("to 350 PTU"), "steps of 50: {p:?}");
    assert!(p.charges.is_empty(), "a resize bills nothing itself");
    // 50 PTU over the commitment pay $2 an hour: $2,400 a day.
    let day = p.day.clone().unwrap();
    assert_eq!(day.total_delta(), Decimal::from(2_400));
    assert_eq!(day.hourly_ptu_delta(), Decimal::from(50));
    assert_eq!(p.month.delta(), Decimal::from(20_700));
    // 450 of 420: Azure refuses; so does the app.
    assert_eq!(p.blockers.len(), 1, "{p:?}");
    assert!(p.blockers[0].starts_with("Over quota: sub-prod has 420 PTU of Regional quota in eastus2, and this makes 450 deployed"), "{p:?}");
    insta::assert_snapshot!("3_resize_over_quota", screen(&mut app, 120, 40));
    press(&mut app, &worker, KeyCode::Enter);
    assert!(
        matches!(app.overlays.last(), Some(Overlay::Form(_))),
        "not saved"
    );
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .1
            .starts_with("Can't save: Over quota")
    );
    // 35 PTU is off gpt-4o's step.
    for c in "35".chars() {
        send(&mut app, &worker, Action::Text(TextKey::Char(c)));
    }
    let p = preview(&app);
    assert_eq!(
        p.blockers,
        [
            "gpt-4o Regional deployments come in steps of 50 PTU from 50: Azure refuses 35; the smallest is 50."
        ]
    );
    press(&mut app, &worker, KeyCode::Enter);
    assert!(app.status.as_ref().unwrap().1.contains("steps of 50"));
    // 250 is fine and saves.
    send(&mut app, &worker, Action::Text(TextKey::Clear));
    type_text(&mut app, &worker, "250");
    let p = preview(&app);
    assert!(p.can_save(), "{p:?}");
    assert!(
        p.day.unwrap().total_delta() == Decimal::ZERO,
        "inside the commitment"
    );
    press(&mut app, &worker, KeyCode::Enter);
    assert!(app.overlays.is_empty(), "{:?}", app.status);
    let e = open_store(&app, &worker).load().unwrap();
    let d = e.deployments.iter().find(|d| d.id == "chat-gpt4o").unwrap();
    assert_eq!(d.sizes.last().unwrap().ptu, 250);
    // A deleted deployment opens no form.
    open_edit(&mut app, &worker, Action::PaneDeployments, 10, 'e');
    assert!(app.overlays.is_empty());
    assert_eq!(
        app.status.as_ref().unwrap().1,
        "poc-gpt41mini was deleted at 2026-11-06 17:45: there is nothing to resize."
    );
}

#[test]
fn saving_refuses_what_azure_refuses_even_if_the_form_is_bypassed() {
    let (app, worker) = demo();
    let edit = ptudesk::domain::plan::Edit::ResizeDeployment {
        deployment: "chat-gpt4o".into(),
        at: now(),
        ptu: 35,
    };
    let r = worker.run(ptudesk::tui::Effect::Save {
        edit: Box::new(edit),
        now: now(),
    });
    match &r[..] {
        [Action::Wrote(Err(m), false)] => assert!(m.contains("steps of 50"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(open_store(&app, &worker).log().unwrap().len(), 1);
}

#[test]
fn times_must_be_whole_and_additions_not_in_the_past() {
    let (mut app, worker) = demo();
    open_edit(&mut app, &worker, Action::PaneCommitments, 1, '+');
    // The first digit replaces the pre-filled 50.
    type_text(&mut app, &worker, "100");
    assert!(preview(&app).summary.starts_with("add 100 PTU"));
    send(&mut app, &worker, Action::Down);
    // Half a date is not a date.
    type_text(&mut app, &worker, "2026-11-2");
    let e = form_preview(&app).unwrap().clone().unwrap_err();
    assert!(e.starts_with("At: type a whole time"), "{e}");
    press(&mut app, &worker, KeyCode::Enter);
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .1
            .starts_with("Can't save: At:")
    );
    // A whole date in the past: an addition can't be back-dated.
    type_text(&mut app, &worker, "0");
    let p = preview(&app);
    assert!(
        p.blockers[0].starts_with("PTU can't be added in the past"),
        "{p:?}"
    );
    press(&mut app, &worker, KeyCode::Enter);
    assert!(matches!(app.overlays.last(), Some(Overlay::Form(_))));
    // Other edits in the past are allowed, with a warning.
    send(&mut app, &worker, Action::Back);
    open_edit(&mut app, &worker, Action::PaneReservations, 1, 's');
    send(&mut app, &worker, Action::Down);
    type_text(&mut app, &worker, "2026-11-20 08:00");
    let p = preview(&app);
    assert!(p.can_save());
    assert!(
        p.warnings[0].starts_with("2026-11-20 08:00 is before now"),
        "{p:?}"
    );
    send(&mut app, &worker, Action::Back);
    // After the commitment expired: the estate's rule, in words.
    open_edit(&mut app, &worker, Action::PaneCommitments, 0, '+');
    send(&mut app, &worker, Action::Down);
    type_text(&mut app, &worker, "2026-12-01");
    let e = form_preview(&app).unwrap().clone().unwrap_err();
    assert_eq!(
        e,
        "Not possible: commitment cp-eastus-legacy: the PTU addition must be within a term; the commitment expired at 2026-11-27T09:00:00Z."
    );
}

#[test]
fn refunded_reservations_and_the_refund_limit() {
    let (mut app, worker) = demo();
    // Refund res-swc-global, then x again: refused before any form.
    open_edit(&mut app, &worker, Action::PaneReservations, 1, 'x');
    press(&mut app, &worker, KeyCode::Enter);
    press(&mut app, &worker, KeyCode::Char('y'));
    assert!(app.overlays.is_empty());
    press(&mut app, &worker, KeyCode::Char('x'));
    assert!(app.overlays.is_empty());
    assert_eq!(
        app.status.as_ref().unwrap().1,
        "res-swc-global was refunded at 2026-11-22 09:00: there is nothing left to change."
    );
    // Its row says so.
    let t = app.table(Pane::Reservations).unwrap();
    let row = t.rows.iter().find(|r| r.key == "res-swc-global").unwrap();
    assert_eq!(row.cells[10], "refunded");
    // res-eus2-regional past the limit: the reason is wrapped, not cut.
    open_edit(&mut app, &worker, Action::PaneReservations, 4, 'x');
    send(&mut app, &worker, Action::Text(TextKey::Char('2')));
    type_text(&mut app, &worker, "026-12-06");
    let p = preview(&app);
    assert!(!p.can_save());
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("cancellation limit by"), "{s}");
    assert!(s.contains("Azure refuses it."), "{s}");
}

#[test]
fn a_key_conflict_in_the_config_is_refused_naming_the_file() {
    let config = Config::parse(
        "/home/u/.config/ptudesk/config.toml",
        "[keys]\nrefund = [\"j\"]\n",
    )
    .unwrap();
    let err = prepare(Options {
        store: StoreChoice::Demo,
        now: Some(now()),
        clock_start: None,
        readonly: false,
        config,
    })
    .err()
    .expect("refused")
    .to_string();
    assert_eq!(
        err,
        "/home/u/.config/ptudesk/config.toml: keys: \"j\" is bound to both down (down) and refund (refund), which both work in the Reservations pane; a key can serve two actions only where they never apply together. Give one of them another key in [keys]"
    );
    let config = Config::parse("/c.toml", "[keys]\nadd_ptuu = [\"z\"]\n").unwrap();
    let err = prepare(Options {
        store: StoreChoice::Demo,
        now: Some(now()),
        clock_start: None,
        readonly: false,
        config,
    })
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.starts_with("/c.toml: keys.add_ptuu: unknown action"),
        "{err}"
    );
}

#[test]
fn palette_tab_completes_the_word_under_the_cursor_or_a_path() {
    use ptudesk::tui::app::complete;
    // The command word, keeping what follows it.
    let c = complete("imp /tmp/a.json", 3);
    assert_eq!((c.line.as_str(), c.cursor), ("import /tmp/a.json", 7));
    let c = complete("fo", 2);
    assert_eq!((c.line.as_str(), c.cursor), ("forecast ", 9));
    let c = complete("", 0);
    assert_eq!(c.line, "");
    assert!(c.note.unwrap().contains("import"));
    // Paths for :import and :export, from the folder typed.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("out.json"), "{}").unwrap();
    std::fs::write(dir.path().join("other.json"), "{}").unwrap();
    std::fs::create_dir(dir.path().join("outdir")).unwrap();
    let d = dir.path().display();
    let line = format!("import {d}/ou");
    let c = complete(&line, line.chars().count());
    assert_eq!(c.line, format!("import {d}/out"), "the common part");
    assert_eq!(c.note.as_deref(), Some("2 files: out.json  outdir/"));
    let line = format!("import {d}/out.");
    let c = complete(&line, line.chars().count());
    assert_eq!(
        c.line,
        format!("import {d}/out.json "),
        "ready for another file"
    );
    let line = format!("export {d}/outd");
    let c = complete(&line, line.chars().count());
    assert_eq!(c.line, format!("export {d}/outdir/"));
    // Nothing matches, or a command without paths: left alone.
    let line = format!("import {d}/zz");
    assert_eq!(complete(&line, line.chars().count()).line, line);
    assert_eq!(complete("now 2026-1", 10).line, "now 2026-1");
    // Through the keys: Tab keeps what was typed.
    let (mut app, worker) = demo();
    press(&mut app, &worker, KeyCode::Char(':'));
    type_text(&mut app, &worker, &format!("import {d}/ou"));
    press(&mut app, &worker, KeyCode::Tab);
    let Some(Overlay::Palette(i)) = app.overlays.last() else {
        panic!("palette");
    };
    assert_eq!(i.value(), format!("import {d}/out"));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("2 files: out.json  outdir/"), "{s}");
}

#[test]
fn the_audit_log_stays_in_time_order() {
    // The demo store's first change is stamped with the app's now.
    let (app, worker) = demo();
    let log = open_store(&app, &worker).log().unwrap();
    assert_eq!(log[0].at, now());
    // A store another tool wrote to with a later clock: an edit made with
    // the app's clock pinned earlier is stamped no earlier than that.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let later = parse_time_arg("2026-12-02T06:35:00Z").unwrap();
    {
        let mut s = ptudesk::store::Store::open(&path).unwrap();
        s.transact::<String>("import", "import demo.json", later, |_| {
            Ok(ptudesk::demo::estate(now()))
        })
        .unwrap()
        .unwrap();
    }
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Path(path.clone()),
        now: Some(now()),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    open_edit(&mut app, &worker, Action::PaneCommitments, 1, '+');
    press(&mut app, &worker, KeyCode::Enter);
    assert!(
        app.status.as_ref().unwrap().1.starts_with("Saved #2"),
        "{:?}",
        app.status
    );
    let log = ptudesk::store::Store::open_existing(&path)
        .unwrap()
        .log()
        .unwrap();
    assert_eq!(log.len(), 2);
    assert!(log[1].at >= log[0].at, "{log:?}");
    // The edit itself still happens at the app's now.
    let e = ptudesk::store::Store::open_existing(&path)
        .unwrap()
        .load()
        .unwrap();
    let c = e
        .commitments
        .iter()
        .find(|c| c.id == "cp-eastus2-prod")
        .unwrap();
    assert_eq!(c.additions[0].at, now());
}

#[test]
fn an_open_form_is_repriced_or_closed_when_the_store_changes() {
    let (mut app, worker) = demo();
    open_edit(&mut app, &worker, Action::PaneDeployments, 2, 'e');
    assert!(ptudesk::tui::app::form_target(&app).is_some());
    let title = |app: &App| match app.overlays.last() {
        Some(Overlay::Form(f)) => f.title.clone(),
        o => panic!("{o:?}"),
    };
    assert!(title(&app).contains("300 PTU now"));
    let resize_elsewhere = |ptu: i64, delete: bool| {
        let mut other = {
            let slot = worker.slot.lock().unwrap();
            ptudesk::store::Store::open_existing(&slot.path).unwrap()
        };
        other
            .transact::<String>("import", "another terminal", now(), |e| {
                let mut e = e.clone();
                let d = e
                    .deployments
                    .iter_mut()
                    .find(|d| d.id == "chat-gpt4o")
                    .unwrap();
                d.sizes[0].ptu = ptu;
                if delete {
                    e.deployments.retain(|d| d.id != "chat-gpt4o");
                }
                Ok(e)
            })
            .unwrap()
            .unwrap();
    };
    resize_elsewhere(250, false);
    send(&mut app, &worker, Action::StoreChanged);
    assert!(title(&app).contains("250 PTU now"), "{}", title(&app));
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .1
            .contains("the open form is re-priced"),
        "{:?}",
        app.status
    );
    // Priced against the new estate: 300 is now 50 more.
    let p = preview(&app);
    assert!(p.summary.contains("to 300 PTU"), "{p:?}");
    assert_eq!(
        p.day.unwrap().hourly_ptu_delta(),
        Decimal::ZERO,
        "{:?}",
        p.summary
    );
    // Gone: the form closes and says so.
    resize_elsewhere(250, true);
    send(&mut app, &worker, Action::StoreChanged);
    assert!(app.overlays.is_empty());
    let msg = &app.status.as_ref().unwrap().1;
    assert!(
        msg.starts_with("The store changed: the edit form closed, nothing saved."),
        "{msg}"
    );
    assert!(msg.contains("chat-gpt4o"), "{msg}");
}

#[test]
fn status_messages_clear_on_the_next_action_or_after_a_while() {
    let (mut app, worker) = demo();
    go(&mut app, &worker, &[Action::Command("bogus".into())]);
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .1
            .contains("Unknown command :bogus")
    );
    // Moving the selection keeps it; a pane switch clears it.
    press(&mut app, &worker, KeyCode::Char('j'));
    assert!(app.status.is_some());
    press(&mut app, &worker, KeyCode::Char('3'));
    assert!(app.status.is_none());
    // A successful command clears the last message too.
    go(&mut app, &worker, &[Action::Command("bogus".into())]);
    go(&mut app, &worker, &[Action::Command("forecast".into())]);
    assert!(app.status.is_none(), "{:?}", app.status);
    // Information goes after 5 seconds, warnings after 10.
    go(
        &mut app,
        &worker,
        &[Action::PaneCommitments, Action::AddPtu, Action::Back],
    );
    assert_eq!(
        app.status.as_ref().unwrap().1,
        "Edit cancelled: nothing saved."
    );
    for _ in 0..4 {
        send(&mut app, &worker, Action::Tick);
    }
    assert!(app.status.is_some());
    send(&mut app, &worker, Action::Tick);
    assert!(app.status.is_none());
    go(&mut app, &worker, &[Action::Command("bogus".into())]);
    for _ in 0..9 {
        send(&mut app, &worker, Action::Tick);
    }
    assert!(app.status.is_some(), "a warning stays longer");
    send(&mut app, &worker, Action::Tick);
    assert!(app.status.is_none());
}

#[test]
fn help_scrolls_to_its_top_and_bottom() {
    let (mut app, worker) = demo();
    app.size = (120, 40);
    press(&mut app, &worker, KeyCode::Char('?'));
    press(&mut app, &worker, KeyCode::Char('G'));
    let scroll = match app.overlays.last() {
        Some(Overlay::Help { scroll }) => *scroll,
        o => panic!("{o:?}"),
    };
    assert!(scroll > 0);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Keys and colours: [keys]"), "the last line: {s}");
    press(&mut app, &worker, KeyCode::Char('G'));
    press(&mut app, &worker, KeyCode::Char('j'));
    let Some(Overlay::Help { scroll: s2 }) = app.overlays.last() else {
        panic!("help");
    };
    assert!(*s2 <= scroll, "never past the end");
    press(&mut app, &worker, KeyCode::Char('g'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Everywhere"), "{s}");
}

#[test]
fn an_empty_store_offers_only_keys_that_work() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Path(dir.path().join("s.db")),
        now: Some(now()),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    for pane in [
        Action::PaneOverview,
        Action::PaneCommitments,
        Action::PaneNotifications,
    ] {
        send(&mut app, &worker, pane);
        let s = screen(&mut app, 120, 40);
        let bar = s.lines().last().unwrap().to_string();
        for dead in [
            "enter",
            "u undo",
            "/ filter",
            " sort",
            "+ add PTU",
            "a acknowledge",
        ] {
            assert!(!bar.contains(dead), "{dead} in {bar}");
        }
        assert!(bar.contains(": command"), "{bar}");
    }
    // With the demo open, undo is offered again (the demo can be undone).
    go(
        &mut app,
        &worker,
        &[Action::Command("demo".into()), Action::PaneCommitments],
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.lines().last().unwrap().contains("u undo"), "{s}");
}

#[cfg(unix)]
#[test]
fn the_log_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ptudesk.log");
    ptudesk::tui::runtime::open_log(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // An older log, readable by all, is narrowed.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    ptudesk::tui::runtime::open_log(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

/// The lines of the details overlay on top, if any.
fn detail_lines(app: &App) -> Vec<String> {
    match app.overlays.last() {
        Some(Overlay::Detail { lines, .. }) => lines.iter().map(|l| l.0.clone()).collect(),
        _ => Vec::new(),
    }
}

/// The details overlay's lines after `actions` (the last one opens it).
fn details_after(app: &mut App, worker: &Worker, actions: &[Action]) -> Vec<String> {
    go(app, worker, actions);
    detail_lines(app)
}

/// The terminal app on a snapshot file, settled.
fn scenario(file: std::path::PathBuf) -> (App, Worker) {
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Scenario(file),
        now: Some(now()),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    (app, worker)
}

/// The screen's lines, without the quotes `TestBackend` prints.
fn screen_lines(s: &str) -> Vec<String> {
    s.lines()
        .filter(|l| l.starts_with('"'))
        .map(|l| l.trim_matches('"').to_string())
        .collect()
}

/// The header row of the table whose first column is `first` (a
/// right-aligned one after its padding).
fn header_row(s: &str, first: &str) -> String {
    screen_lines(s)
        .into_iter()
        .find(|l| {
            l.strip_prefix('│')
                .is_some_and(|l| l.trim_start().starts_with(&format!("{first} ")))
        })
        .unwrap_or_else(|| panic!("no table with {first}:\n{s}"))
}

/// Each pane's table: its first column and the columns issue 4 asks for.
const REQUIRED: [(Action, &str, &[&str]); 6] = [
    (
        Action::PaneQuota,
        "Subscription",
        &["Region", "SKU", "Limit", "Used", "Free", "Gauge"],
    ),
    (
        Action::PaneDeployments,
        "Deployment",
        &[
            "Resource",
            "Subscription",
            "Region",
            "SKU",
            "Model",
            "PTU",
            "Covered now",
            "This month",
        ],
    ),
    (
        Action::PaneCommitments,
        "Commitment",
        &[
            "Resource",
            "Commit",
            "Deploy",
            "Usage",
            "Start",
            "Expiry",
            "Renewal",
            "Next bill",
            "Amount",
            "Warnings",
        ],
    ),
    (
        Action::PaneReservations,
        "Reservation",
        &[
            "Name", "Region", "SKU", "Scope", "PTU", "Term", "Billing", "Start", "Expiry",
            "Renewal", "Use", "Fcst", "-30d",
        ],
    ),
    (
        Action::PaneNotifications,
        "Severity",
        &["When", "Kind", "Subject", "Cost", "Message"],
    ),
    (
        Action::PaneForecast,
        "Cost",
        &["Kind", "Subject", "Start", "End", "PTU-h"],
    ),
];

#[test]
fn every_required_column_at_120x40_and_reachable_at_80x24() {
    let (mut app, worker) = demo();
    for (pane, first, cols) in REQUIRED {
        send(&mut app, &worker, pane.clone());
        let s = screen(&mut app, 120, 40);
        let head = header_row(&s, first);
        for c in cols {
            assert!(head.contains(c), "{pane:?} at 120x40 lacks {c}: {head}");
        }
        assert!(
            !s.contains("…│") || !head.contains('…'),
            "titles whole: {head}"
        );
        // At 80x24 the pane shows its essentials; `>` brings in the rest
        // (the first column stays), `<` goes back.
        let at80 = screen(&mut app, 80, 24);
        let mut seen = header_row(&at80, first);
        for _ in 0..12 {
            press(&mut app, &worker, KeyCode::Char('>'));
            let s = screen(&mut app, 80, 24);
            seen.push_str(&header_row(&s, first));
        }
        for c in cols {
            assert!(seen.contains(c), "{pane:?} at 80x24 never shows {c}");
        }
        for _ in 0..12 {
            press(&mut app, &worker, KeyCode::Char('<'));
        }
        assert_eq!(screen(&mut app, 80, 24), at80, "{pane:?}: < goes back");
    }
    // The essentials at 80x24, without scrolling.
    let essentials: [(Action, &str, &[&str]); 5] = [
        (
            Action::PaneQuota,
            "Subscription",
            &["Region", "SKU", "Limit", "Used", "Free", "Gauge", "Flag"],
        ),
        (
            Action::PaneDeployments,
            "Deployment",
            &["SKU", "Model", "PTU", "Covered now", "This month"],
        ),
        (
            Action::PaneCommitments,
            "Commitment",
            &[
                "Commit",
                "Deploy",
                "Usage",
                "Expiry",
                "Renewal",
                "Next bill",
                "Amount",
            ],
        ),
        (
            Action::PaneReservations,
            "Reservation",
            &["SKU", "PTU", "Expiry", "Renewal", "Use", "-30d  │  +30d"],
        ),
        (
            Action::PaneNotifications,
            "Severity",
            &["When", "Subject", "Cost", "Message"],
        ),
    ];
    for (pane, first, cols) in essentials {
        send(&mut app, &worker, pane.clone());
        let s = screen(&mut app, 80, 24);
        let head = header_row(&s, first);
        for c in cols {
            assert!(head.contains(c), "{pane:?} at 80x24 lacks {c}: {head}");
        }
    }
    // Compact forms in narrow tables, and `…` where text is cut.
    go(&mut app, &worker, &[Action::PaneCommitments]);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("11-27 09:00"), "{s}");
    assert!(!s.contains("2026-11-27 09:00"), "{s}");
    go(&mut app, &worker, &[Action::PaneDeployments]);
    let s = screen(&mut app, 80, 24);
    assert!(
        s.contains(" Reg ") && s.contains(" Glob ") && s.contains(" DZ "),
        "{s}"
    );
    assert!(s.contains("gpt-4.1-mini 20…"), "{s}");
    // Widths by need: at 220 the id column is as wide as its longest id and
    // the model shows in full.
    let s = screen(&mut app, 220, 40);
    let head = header_row(&s, "Deployment");
    assert!(
        head.starts_with("│Deployment             Resource"),
        "{head}"
    );
    assert!(s.contains("gpt-4.1-mini 2025-04-14"), "{s}");
    assert!(!s.contains('…'), "nothing cut at 220: {s}");
}

#[test]
fn the_bottom_bar_keeps_help_and_quit_and_the_planner_agrees_with_the_help() {
    let (mut app, worker) = demo();
    for (pane, _) in PANES {
        send(&mut app, &worker, pane.clone());
        for (w, h) in [(80, 24), (120, 40)] {
            let s = screen(&mut app, w, h);
            let bar = screen_lines(&s).pop().unwrap();
            assert!(
                bar.contains("? help") && bar.contains("q quit"),
                "{pane:?} at {w}x{h}: {bar}"
            );
        }
    }
    // The Planner: j/k choose, enter and a apply, in the bar and the help.
    migrate_plan(&mut app, &worker);
    assert_eq!(app.pane, Pane::Planner);
    let s = screen(&mut app, 120, 40);
    let bar = screen_lines(&s).pop().unwrap();
    assert!(
        bar.contains("j/k choose") && bar.contains("enter/a apply"),
        "{bar}"
    );
    press(&mut app, &worker, KeyCode::Char('?'));
    let help: Vec<String> = ptudesk::tui::ui::help_lines(&app)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let planner = help.iter().position(|l| l == "Planner").unwrap();
    assert!(help[planner + 1].contains("j/↓/k/↑") && help[planner + 1].contains("choose"));
    assert!(
        help[planner + 1..]
            .iter()
            .any(|l| l.contains("enter/a") && l.contains("apply the option")),
        "{help:?}"
    );
    press(&mut app, &worker, KeyCode::Esc);
    // The header line fits at 80, a long store path cut at its start.
    app.store_label = "/home/someone/.local/share/ptudesk/a/very/long/path/ptudesk.db".into();
    go(&mut app, &worker, &[Action::PaneOverview]);
    let s = screen(&mut app, 80, 24);
    let info = &screen_lines(&s)[1];
    assert!(info.starts_with("ptudesk · …"), "{info}");
    assert!(
        info.contains(".db · ") && info.trim_end().ends_with("unverified"),
        "{info}"
    );
    assert_eq!(info.chars().count(), 80);
}

#[test]
fn the_overview_sizes_its_boxes_orders_notifications_by_cost_and_prices_far_renewals() {
    let (mut app, _worker) = demo();
    let s = screen(&mut app, 120, 40);
    let lines = screen_lines(&s);
    // Every notification the real rules raise shows, by severity, then
    // cost: each line starts with its severity and cost.
    assert!(s.contains("Notifications (7) by severity and cost"), "{s}");
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("{needle}:\n{s}"))
    };
    let order = [
        "│critical $360,000.00  cp-eastus-legacy ",
        "│critical $216,000.00  aoai-westus3-apps ",
        "│warning   $78,000.00  res-swc-global/r3 ",
        "│warning   $32,423.73  res-wus3-global ",
        "│warning   $15,677.42  res-eus2-regional ",
        "│warning        $0.00  sub-prod/",
        "│info           $0.00  cp-eastus2-prod ",
    ];
    for w in order.windows(2) {
        assert!(at(w[0]) < at(w[1]), "{w:?}:\n{s}");
    }
    // The events box holds its rows, no more.
    let ev = lines
        .iter()
        .position(|l| l.contains("Next expiries, renewals and purchases"))
        .unwrap();
    let nt = lines
        .iter()
        .position(|l| l.contains("Notifications (7)"))
        .unwrap();
    let events = app.events_table.as_ref().unwrap().rows.len();
    assert_eq!(nt - ev, events + 3, "{s}");
    // The renewal in March has its amount.
    let weu = lines
        .iter()
        .find(|l| l.contains("2027-03-16 11:00 res-weu-datazone"))
        .unwrap();
    assert!(!weu.contains(" — "), "{weu}");
    assert!(weu.contains("$583,200.00"), "{weu}");
    // "Now" is this hour, month figures are labelled as the month's.
    assert!(s.contains("PTU this hour (09:00-10:00 UTC)"), "{s}");
    let head = header_row(&s, "Region");
    assert!(head.contains("Cover Nov"), "{head}");
    let eastus = lines
        .iter()
        .find(|l| l.starts_with("│eastus ") && l.contains("Regional"))
        .unwrap();
    assert!(eastus.contains("100%       88%"), "{eastus}");
    // At 80x24 the notifications that fit, cut with `…`, and say so.
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Top notifications: "), "{s}");
    assert!(
        s.contains("Top notifications: 3 of 7 by severity and cost (6 lists all)"),
        "{s}"
    );
}

#[test]
fn details_align_their_columns_and_print_ptu_hours_one_way() {
    let (mut app, worker) = demo();
    // chat-gpt4o: deployed, covered and hourly PTU-hours in one column.
    let lines = details_after(
        &mut app,
        &worker,
        &[
            Action::PaneDeployments,
            Action::Top,
            Action::Down,
            Action::Down,
            Action::Select,
        ],
    );
    let ptuh: Vec<&String> = lines.iter().filter(|l| l.contains(" PTU-h")).collect();
    assert_eq!(ptuh.len(), 3, "{lines:?}");
    let col: Vec<usize> = ptuh.iter().map(|l| l.find(" PTU-h").unwrap()).collect();
    assert!(col.iter().all(|&c| c == col[0]), "{ptuh:?}");
    assert!(ptuh[0].contains("216,000.0000 PTU-h"), "{ptuh:?}");
    assert!(ptuh[2].contains("0.0000 PTU-h"), "{ptuh:?}");
    send(&mut app, &worker, Action::Back);
    // res-eus2-regional: a purchase and monthly periods, amounts aligned.
    let lines = details_after(
        &mut app,
        &worker,
        &[Action::PaneReservations, Action::Bottom, Action::Select],
    );
    let start = lines
        .iter()
        .position(|l| l.starts_with("Bills in the next 92 days"))
        .unwrap();
    let bills: Vec<&String> = lines[start + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(bills.iter().any(|l| l.contains("purchase")), "{bills:?}");
    assert!(
        bills.iter().any(|l| l.contains("monthly period")),
        "{bills:?}"
    );
    let ends: Vec<usize> = bills.iter().map(|l| l.chars().count()).collect();
    assert!(ends.iter().all(|&e| e == ends[0]), "{bills:?}");
    let kind_at: Vec<usize> = bills
        .iter()
        .map(|l| l.find("purchase").or(l.find("monthly")).unwrap())
        .collect();
    assert!(kind_at.iter().all(|&k| k == kind_at[0]), "{bills:?}");
    send(&mut app, &worker, Action::Back);
    // Quota's deployments have columns of their own, not the quota's.
    go(
        &mut app,
        &worker,
        &[
            Action::PaneQuota,
            Action::Top,
            Action::Down,
            Action::Down,
            Action::Select,
        ],
    );
    let s = screen(&mut app, 120, 40);
    let kids: Vec<String> = screen_lines(&s)
        .into_iter()
        .filter(|l| l.starts_with("│  ├ ") || l.starts_with("│  └ "))
        .collect();
    assert_eq!(kids.len(), 2, "{s}");
    // A tree: ├ above a sibling, └ on the last child.
    assert!(
        kids[0].contains("├ chat-gpt4o     aoai-eastus2-prod  gpt-4o 2024-08-06"),
        "{kids:?}"
    );
    assert!(kids[1].starts_with("│  └ "), "{kids:?}");
    let ptu: Vec<usize> = kids.iter().map(|l| l.find(" PTU").unwrap()).collect();
    assert_eq!(ptu[0], ptu[1], "{kids:?}");
}

#[test]
fn the_chart_shows_every_costing_day_and_marks_now() {
    let (mut app, worker) = demo();
    go(&mut app, &worker, &[Action::PaneForecast]);
    for (w, h) in [(80, 24), (120, 40)] {
        let s = screen(&mut app, w, h);
        assert!(s.contains("┊now"), "{s}");
        // The legend whole, on two lines if it must.
        assert!(
            s.contains("░ managed $7,444.80") && s.contains("┊ now"),
            "{s}"
        );
        // The bottom row of the plot: November's 30 days all cost something,
        // so each shows at least a sliver (two columns a day at 80 wide).
        let lines = screen_lines(&s);
        let base = lines.iter().find(|l| l.contains("   $0 ")).unwrap();
        let marks = base
            .chars()
            .skip(14)
            .filter(|c| !matches!(c, ' ' | '│'))
            .count();
        assert!(marks >= 30 * 2, "{marks} marks at {w}x{h}: {base}");
    }
    // The reservation sparkline's legend, and its split at now.
    go(&mut app, &worker, &[Action::PaneReservations]);
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("· none used") && s.contains("blank: not in force"),
        "{s}"
    );
    let wus3 = screen_lines(&s)
        .into_iter()
        .find(|l| l.starts_with("│res-wus3-global "))
        .unwrap();
    // Bought 2026-11-02, idle since: blank before, dots after, │ at now.
    assert!(wus3.contains("  ····│······"), "{wus3}");
}

#[test]
fn details_mark_the_instants_an_import_estimated() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo.json")).unwrap(),
    )
    .unwrap();
    let deps = demo["deployments"].as_array_mut().unwrap();
    let poc = deps
        .iter_mut()
        .find(|d| d["id"] == "poc-gpt41mini")
        .unwrap();
    poc["deleted_approximate"] = true.into();
    let cps = demo["commitments"].as_array_mut().unwrap();
    let legacy = cps
        .iter_mut()
        .find(|c| c["id"] == "cp-eastus-legacy")
        .unwrap();
    legacy["renewal_changes"][0]["approximate"] = true.into();
    let file = dir.path().join("estimated.json");
    std::fs::write(&file, demo.to_string()).unwrap();
    let (mut app, worker) = scenario(file);
    let mark = "(seen by an import; approximate)";
    let lines = details_after(
        &mut app,
        &worker,
        &[Action::PaneCommitments, Action::Top, Action::Select],
    );
    let changed: Vec<&String> = lines.iter().filter(|l| l.contains("changed ")).collect();
    assert_eq!(changed.len(), 1, "{lines:?}");
    assert!(changed[0].ends_with(mark), "{lines:?}");
    send(&mut app, &worker, Action::Back);
    // The deleted deployment, and a sized one without any mark.
    let lines = details_after(
        &mut app,
        &worker,
        &[
            Action::PaneDeployments,
            Action::Bottom,
            Action::Up,
            Action::Select,
        ],
    );
    let deleted: Vec<&String> = lines.iter().filter(|l| l.contains(" deleted")).collect();
    assert_eq!(deleted.len(), 1, "{lines:?}");
    assert!(
        deleted[0].ends_with(&format!("deleted  {mark}")),
        "{lines:?}"
    );
    assert!(
        lines.iter().filter(|l| l.contains(mark)).count() == 1,
        "only the deletion was estimated: {lines:?}"
    );
}

/// The rows of the first table's body on a drawn screen.
fn body_rows(s: &str) -> usize {
    let lines = screen_lines(s);
    let top = lines.iter().position(|l| l.starts_with('┌')).unwrap();
    lines[top + 2..]
        .iter()
        .take_while(|l| !l.starts_with('└'))
        .count()
}

/// The app on a generated estate of 400 deployments, as a scenario (the
/// folder holds its file).
fn big_scenario() -> (tempfile::TempDir, App, Worker) {
    let dir = tempfile::tempdir().unwrap();
    let estate = ptudesk::generate::generate(400, 7, now());
    let file = dir.path().join("big.json");
    std::fs::write(&file, serde_json::to_string(&estate).unwrap()).unwrap();
    let (app, worker) = scenario(file);
    (dir, app, worker)
}

#[test]
fn a_page_is_the_rows_a_table_shows() {
    let (_dir, mut app, worker) = big_scenario();
    for pane in [
        Action::PaneDeployments,
        Action::PaneCommitments,
        Action::PaneReservations,
        Action::PaneNotifications,
    ] {
        send(&mut app, &worker, pane.clone());
        for (w, h) in [(120, 40), (80, 24)] {
            let s = screen(&mut app, w, h);
            let body = body_rows(&s);
            assert!(body >= 3, "{s}");
            assert_eq!(app.page(), body, "{pane:?} at {w}x{h}:\n{s}");
        }
    }
}

#[test]
fn a_page_on_a_pane_not_yet_drawn_is_the_rows_it_will_show() {
    // A pane switch (or a jump) pages before the next frame: the page is
    // the one the last frame laid out for that pane, foot lines included.
    let (_dir, mut app, worker) = big_scenario();
    send(&mut app, &worker, Action::PaneDeployments);
    screen(&mut app, 120, 40);
    send(&mut app, &worker, Action::PaneReservations);
    let page = app.page();
    let s = screen(&mut app, 120, 40);
    let body = body_rows(&s);
    assert!(body >= 3, "{s}");
    assert_eq!(page, body, "{s}");
}

#[test]
fn a_long_message_wraps_under_the_pane() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"schema": "ptudesk.snapshot/1", "currency": "USD", "quotas": [{"subscription": "s", "region": "r", "sku": "ProvisionedManaged", "limit": "lots"}]}"#,
    )
    .unwrap();
    let (mut app, worker) = demo_without_notifications();
    send(&mut app, &worker, Action::PaneDeployments);
    send(
        &mut app,
        &worker,
        Action::Command(format!("import {}", bad.display())),
    );
    let msg = app.status.as_ref().expect("a message").1.clone();
    assert!(msg.chars().count() > 80, "{msg}");
    let s = screen(&mut app, 80, 24);
    let shown: String = screen_lines(&s).join(" ");
    let words: Vec<&str> = shown.split_whitespace().collect();
    for w in msg.split_whitespace() {
        assert!(words.contains(&w), "{w:?} of {msg:?} not on screen:\n{s}");
    }
    // The table above gives up the lines the message takes, and a page is
    // what it still shows.
    assert!(ptudesk::tui::ui::status_lines(&app, 80).len() >= 2, "{msg}");
    let body = body_rows(&s);
    assert_eq!(app.page(), body, "{s}");
    // Every pane still draws with the message taking three lines at 80x24.
    let long = app
        .status
        .clone()
        .map(|(tone, m)| (tone, format!("{m} {m}")));
    for pane in [
        Action::PaneOverview,
        Action::PaneQuota,
        Action::PaneCommitments,
        Action::PaneReservations,
        Action::PaneNotifications,
        Action::PaneForecast,
        Action::PanePlanner,
    ] {
        send(&mut app, &worker, pane.clone());
        app.status = long.clone();
        let s = screen(&mut app, 80, 24);
        assert!(s.contains(" q quit"), "{pane:?}:\n{s}");
    }
}

/// The open form (for the clock test).
fn open_form(app: &App) -> &ptudesk::tui::form::Form {
    app.overlays
        .iter()
        .rev()
        .find_map(|o| match o {
            Overlay::Form(f) => Some(f),
            _ => None,
        })
        .expect("a form")
}

#[test]
fn the_clock_ticks_across_an_hour_and_stamps_what_happens_when_it_happens() {
    use ptudesk::tui::clock::Clock;
    // Started at 09:58:30 (as `--clock-start` does), then driven by hand.
    let start = parse_time_arg("2026-11-22T09:58:30Z").unwrap();
    let (mut app, mut worker) = prepare(Options {
        store: StoreChoice::Demo,
        now: None,
        clock_start: Some(start),
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    assert!(!app.now_pinned);
    worker.notifier = |_, _, _, _, _, _| Ok(vec![]);
    let (clock, hand) = Clock::manual(start);
    app.clock = clock;
    let begin = app.start();
    settle(&mut app, &worker, begin);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("now 2026-11-22 09:58 UTC"), "{s}");
    assert!(!s.contains("(fixed)"), "{s}");
    let rated = |app: &App| app.data().expect("loaded").now;
    assert_eq!(rated(&app), start);

    // A tick within the hour moves the header's minute, not the rating.
    hand.set(parse_time_arg("2026-11-22T09:59:10Z").unwrap());
    send(&mut app, &worker, Action::Tick);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("now 2026-11-22 09:59 UTC"), "{s}");
    assert_eq!(rated(&app), start);

    // Across the hour (sub-second reading): the panes are re-rated at the
    // new instant, read to the whole second.
    hand.set(parse_time_arg("2026-11-22T10:00:05.250000001Z").unwrap());
    send(&mut app, &worker, Action::Tick);
    let ten = parse_time_arg("2026-11-22T10:00:05Z").unwrap();
    assert_eq!(app.now, ten);
    assert_eq!(rated(&app), ten, "re-rated at the new hour");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("now 2026-11-22 10:00 UTC"), "{s}");

    // A form's default time is the current instant, not the launch.
    hand.set(parse_time_arg("2026-11-22T10:06:20.5Z").unwrap());
    go(&mut app, &worker, &[Action::PaneReservations]);
    press(&mut app, &worker, KeyCode::Char('n'));
    let f = open_form(&app);
    let start_field = f.fields.iter().find(|x| x.label == "Start").unwrap();
    assert_eq!(start_field.display(), "2026-11-22T10:06:20Z");
    send(&mut app, &worker, Action::Back);

    // An addition opened at 10:06:30 defaults to the next minute; saved at
    // 10:06:45, the audit log stamps 10:06:45 (the launch was 09:58:30).
    hand.set(parse_time_arg("2026-11-22T10:06:30Z").unwrap());
    go(
        &mut app,
        &worker,
        &[Action::PaneCommitments, Action::Top, Action::Down],
    );
    press(&mut app, &worker, KeyCode::Char('+'));
    let at = open_form(&app)
        .edit()
        .unwrap()
        .at()
        .expect("an addition takes effect at an instant");
    assert_eq!(at, parse_time_arg("2026-11-22T10:07:00Z").unwrap());
    hand.set(parse_time_arg("2026-11-22T10:06:45.999Z").unwrap());
    send(&mut app, &worker, Action::Select);
    assert!(app.overlays.is_empty(), "saved: {:?}", app.status);
    let log = open_store(&app, &worker).log().unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.source, "tui");
    assert_eq!(last.at, parse_time_arg("2026-11-22T10:06:45Z").unwrap());
    assert!(log.iter().all(|c| c.at.timestamp_subsec_nanos() == 0));

    // --now pins it: ticks move nothing.
    send(
        &mut app,
        &worker,
        Action::Command("now 2026-11-22T12:00:00Z".into()),
    );
    hand.set(parse_time_arg("2026-11-22T14:00:00Z").unwrap());
    send(&mut app, &worker, Action::Tick);
    assert_eq!(app.now, parse_time_arg("2026-11-22T12:00:00Z").unwrap());
    assert!(screen(&mut app, 120, 40).contains("12:00 UTC (fixed)"));
}

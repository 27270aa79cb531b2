//! Each notification kind: an estate that raises it, and a near miss that
//! does not.

use ptudesk::alerts::evaluate;
use ptudesk::domain::Estate;
use ptudesk::domain::notice::{Notification, Severity};
use ptudesk::domain::prices::PriceBook;
use ptudesk::domain::time::{Time, parse_time_arg};
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

const NOW: &str = "2026-12-10T09:00:00Z";

fn estate(parts: Value) -> Estate {
    let mut base = json!({
        "schema": "ptudesk.snapshot/1",
        "currency": "USD",
        "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a", "sub-b"]}],
        "prices": [
            {"region": "eastus2", "sku": "ProvisionedManaged", "hourly": "2.00",
             "reservation_month": "286", "reservation_year": "2916", "commitment_month": "1100"},
            {"region": "eastus2", "sku": "GlobalProvisionedManaged", "hourly": "1.00",
             "reservation_month": "260", "reservation_year": "2652"}
        ],
        "resources": [
            {"id": "aoai-a", "subscription": "sub-a", "resource_group": "rg-a", "region": "eastus2"},
            {"id": "aoai-b", "subscription": "sub-b", "resource_group": "rg-b", "region": "eastus2"}
        ]
    });
    for (k, v) in parts.as_object().unwrap() {
        base[k] = v.clone();
    }
    ptudesk::ingest::snapshot::parse("test.json", base.to_string().as_bytes()).unwrap()
}

fn dep(id: &str, res: &str, sku: &str, ptu: i64, at: &str, deleted: Option<&str>) -> Value {
    json!({"id": id, "resource": res, "model": "gpt-4o", "version": "2024-08-06", "sku": sku,
           "sizes": [{"at": at, "ptu": ptu}], "deleted": deleted})
}

fn commitment(start: &str, ptu: i64, mode: &str) -> Value {
    json!({"id": "cp", "resource": "aoai-a", "start": start, "ptu": ptu, "additions": [], "renewal": {"mode": mode}})
}

fn reservation(id: &str, sku: &str, ptu: i64, start: &str, term: &str, mode: &str) -> Value {
    json!({"id": id, "name": id, "region": "eastus2", "sku": sku, "ptu": ptu, "term": term, "billing": "upfront",
           "start": start, "scope": {"type": "subscription", "subscription": "sub-a"}, "scope_changes": [],
           "renewal": {"mode": mode}, "refunded_at": null})
}

const REG: &str = "ProvisionedManaged";
const GLO: &str = "GlobalProvisionedManaged";

fn check_at(e: &Estate, at: &str, days: i64) -> Vec<Notification> {
    evaluate(
        e,
        &PriceBook::empty(),
        &Default::default(),
        Default::default(),
        t(at),
        chrono::Duration::days(days),
    )
    .unwrap()
}

fn check(e: &Estate) -> Vec<Notification> {
    check_at(e, NOW, 30)
}

fn of<'a>(list: &'a [Notification], kind: &str) -> Vec<&'a Notification> {
    list.iter().filter(|n| n.kind == kind).collect()
}

fn one<'a>(list: &'a [Notification], kind: &str) -> &'a Notification {
    let v = of(list, kind);
    assert_eq!(v.len(), 1, "one {kind}: {list:#?}");
    v[0]
}

#[test]
fn commitment_expiring_with_deployments_still_on_it() {
    // Bought 15 Nov, not renewing: expires 15 Dec, 5 days after NOW, with 300 PTU on it.
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-11-15T09:00:00Z", 300, "none")]
    }));
    let list = check(&e);
    let n = one(&list, "commitment_expiring");
    assert_eq!(n.severity, Severity::Critical);
    assert_eq!(n.at, t("2026-12-15T09:00:00Z"));
    // 300 PTU x $2 x 24 h a day from the expiry to the end of the horizon (25 days).
    assert_eq!(n.cost_impact, d("14400") * d("25"));
    assert!(n.message.contains("$14,400.00 a day"), "{}", n.message);
    // The action is the first remedy: a reservation of what will pay hourly
    // (one year: the workload has no planned deletion); deleting the
    // deployments is among the remedies, not safe.
    assert!(
        n.action
            .starts_with("buy a one-year Regional reservation of 300 PTU in eastus2"),
        "{}",
        n.action
    );
    assert!(
        n.remedies
            .iter()
            .any(|r| r.kind.name() == "delete" && !r.safe && r.summary.contains("delete d1")),
        "{:#?}",
        n.remedies
    );
    // The overage that follows is this notification's, not a second one.
    assert!(of(&list, "hourly_overage").is_empty(), "{list:#?}");

    // 20 days ahead it is a warning in the 30-day stage; 16 days ahead the same notification.
    let w20 = check_at(&e, "2026-11-25T09:00:00Z", 30);
    let w16 = check_at(&e, "2026-11-29T09:00:00Z", 30);
    let (a, b) = (
        one(&w20, "commitment_expiring"),
        one(&w16, "commitment_expiring"),
    );
    assert_eq!(a.severity, Severity::Warning);
    assert_eq!(a.id, b.id, "same stage, same id");
    assert_ne!(a.id, n.id, "the 7-day reminder is a new notification");
    // Its level (what an acknowledgement compares) is the cost a day after
    // the expiry: the same later and with a longer horizon, while the cost
    // within the horizon grows with both.
    assert_eq!(n.level, d("14400"));
    let later = check_at(&e, "2026-12-10T10:00:00Z", 30);
    let longer = check_at(&e, NOW, 60);
    for list in [&later, &longer] {
        let m = one(list, "commitment_expiring");
        assert_eq!((m.id.as_str(), m.level), (n.id.as_str(), n.level));
        assert!(m.cost_impact > n.cost_impact);
    }

    // The near miss: deployments deleted before the expiry raise nothing.
    let near = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", Some("2026-12-14T00:00:00Z"))],
        "commitments": [commitment("2026-11-15T09:00:00Z", 300, "none")]
    }));
    let list = check(&near);
    assert!(of(&list, "commitment_expiring").is_empty(), "{list:#?}");
    assert!(
        list.iter().all(|n| n.severity != Severity::Critical),
        "{list:#?}"
    );
}

#[test]
fn an_expiry_covered_afterwards_is_only_info() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-11-15T09:00:00Z", 300, "none")],
        "reservations": [reservation("res", REG, 300, "2026-12-15T09:00:00Z", "P1M", "none")]
    }));
    let n = one(&check(&e), "commitment_expiring").clone();
    assert_eq!(n.severity, Severity::Info);
    assert_eq!(n.cost_impact, Decimal::ZERO);
}

#[test]
fn commitment_renewal_is_a_billing_event() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-11-15T09:00:00Z", 300, "autorenew")]
    }));
    let n = one(&check(&e), "commitment_renewal").clone();
    assert_eq!(n.severity, Severity::Info);
    assert_eq!(n.cost_impact, d("330000"));
    assert_eq!(n.at, t("2026-12-15T09:00:00Z"));
    let near = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-11-15T09:00:00Z", 300, "none")]
    }));
    assert!(of(&check(&near), "commitment_renewal").is_empty());
}

#[test]
fn commitment_unused_and_overage() {
    let idle = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-11-15T09:00:00Z", 300, "autorenew")]
    }));
    // Its renewal on 15 Dec falls in the horizon: the idle commitment and
    // its renewal are one decision, a warning with the full renewal amount
    // (300 PTU x $1,100 = $330,000), not a second "unused" notification.
    let list = check(&idle);
    assert!(of(&list, "commitment_unused").is_empty(), "{list:#?}");
    let n = one(&list, "commitment_renewal").clone();
    // Critical: the renewal is 5 days away (the 7-day stage of an expiry).
    assert_eq!(n.severity, Severity::Critical);
    assert!(n.message.contains("33% used"), "{}", n.message);
    assert_eq!(n.cost_impact, d("330000"));
    // Renewing at the 100 PTU used (100 x 1,100 = $110,000 a month) beats
    // turning it off (100 PTU x $2 x 730 h = $146,000 a month hourly).
    assert!(
        n.action
            .starts_with("renew commitment cp at 100 PTU instead of 300"),
        "{}",
        n.action
    );
    assert!(n.remedies.iter().any(|r| r.kind.name() == "renewal_off"));
    // The advice follows the renewal setting in force.
    let advice = |renewal: serde_json::Value| {
        let mut c = commitment("2026-11-15T09:00:00Z", 300, "autorenew");
        c["renewal"] = renewal;
        let e = estate(json!({
            "deployments": [dep("d1", "aoai-a", REG, 10, "2026-11-01T00:00:00Z", None)],
            "commitments": [c]
        }));
        let list = check(&e);
        list.iter()
            .find(|n| n.kind == "commitment_unused" || n.kind == "commitment_renewal")
            .map(|n| (n.kind, n.action.clone()))
            .unwrap()
    };
    // Already at the 50-PTU minimum: no "renew at fewer", turn it off.
    let (kind, at_minimum) = advice(json!({"mode": "autorenew_lower", "ptu": 50}));
    assert_eq!(kind, "commitment_renewal");
    assert!(
        at_minimum.starts_with("turn renewal of commitment cp off before 2026-12-15 09:00 UTC"),
        "{at_minimum}"
    );
    // Set not to renew: nothing to turn off; what is left is paid for.
    let (kind, ending) = advice(json!({"mode": "none"}));
    assert_eq!(kind, "commitment_unused");
    assert!(
        ending.starts_with("do nothing: it is set not to renew"),
        "{ending}"
    );

    let over = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 500, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-11-15T09:00:00Z", 300, "autorenew")]
    }));
    let list = check(&over);
    let n = one(&list, "commitment_overage");
    assert_eq!(n.severity, Severity::Critical, "ongoing");
    // 200 PTU x $2 for the 30 days of the horizon.
    assert_eq!(n.cost_impact, d("200") * d("2") * d("720"));
    assert!(of(&list, "commitment_unused").is_empty());

    let fits = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-11-15T09:00:00Z", 300, "autorenew")]
    }));
    let list = check(&fits);
    assert!(
        of(&list, "commitment_overage").is_empty() && of(&list, "commitment_unused").is_empty(),
        "{list:#?}"
    );
}

#[test]
fn capacity_that_falls_idle_within_the_horizon_is_heard_of_before() {
    // Fully used for the last 7 days, but its only deployment is deleted 3
    // days from now: idle for 27 of the next 30 days.
    let res = reservation("res", GLO, 100, "2026-11-20T00:00:00Z", "P1Y", "none");
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", GLO, 100, "2026-11-01T00:00:00Z", Some("2026-12-13T09:00:00Z"))],
        "reservations": [res.clone()]
    }));
    let n = one(&check(&e), "reservation_unused").clone();
    assert_eq!(n.severity, Severity::Warning);
    assert_eq!(n.at, t("2026-12-13T09:00:00Z"), "when it falls idle");
    assert!(
        n.message
            .contains("10% used over the next 30 days, idle from 2026-12-13 09:00 UTC"),
        "{}",
        n.message
    );
    // The near miss: another deployment takes over its capacity.
    let taken = estate(json!({
        "deployments": [
            dep("d1", "aoai-a", GLO, 100, "2026-11-01T00:00:00Z", Some("2026-12-13T09:00:00Z")),
            dep("d2", "aoai-a", GLO, 100, "2026-12-13T09:00:00Z", None)
        ],
        "reservations": [res.clone()]
    }));
    assert!(of(&check(&taken), "reservation_unused").is_empty());
    // Or the deletion is past the horizon.
    let later = estate(json!({
        "deployments": [dep("d1", "aoai-a", GLO, 100, "2026-11-01T00:00:00Z", Some("2027-01-20T00:00:00Z"))],
        "reservations": [res]
    }));
    assert!(of(&check(&later), "reservation_unused").is_empty());

    // A commitment whose deployment is planned to shrink from 300 to 100 PTU
    // three days from now, renewing at 300.
    let mut shrinks = dep("d1", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None);
    shrinks["sizes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"at": "2026-12-13T09:00:00Z", "ptu": 100}));
    let e = estate(json!({
        "deployments": [shrinks],
        "commitments": [commitment("2026-11-15T09:00:00Z", 300, "autorenew")]
    }));
    // It renews on 15 Dec at 300 PTU for capacity a third used: the idle
    // commitment and its renewal are one decision, at the renewal.
    let list = check(&e);
    assert!(of(&list, "commitment_unused").is_empty(), "{list:#?}");
    let n = one(&list, "commitment_renewal").clone();
    assert_eq!(n.at, t("2026-12-15T09:00:00Z"));
    assert_eq!(n.severity, Severity::Critical, "5 days ahead");
    assert!(n.message.contains("over the next 30 days"), "{}", n.message);
    // The near miss: the shrink comes after the horizon.
    let mut late = dep("d1", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None);
    late["sizes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"at": "2027-01-20T00:00:00Z", "ptu": 100}));
    let near = estate(json!({
        "deployments": [late],
        "commitments": [commitment("2026-11-15T09:00:00Z", 300, "autorenew")]
    }));
    let list = check(&near);
    assert!(of(&list, "commitment_unused").is_empty());
    assert_eq!(one(&list, "commitment_renewal").severity, Severity::Info);
}

#[test]
fn commitment_model_unsupported() {
    let mut bad = dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None);
    bad["model"] = json!("gpt-4.1");
    bad["version"] = json!("2025-04-14");
    let e = estate(
        json!({"deployments": [bad], "commitments": [commitment("2026-11-15T09:00:00Z", 100, "autorenew")]}),
    );
    let n = one(&check(&e), "commitment_model_unsupported").clone();
    assert_eq!(n.subject, "d1");
    let ok = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-11-15T09:00:00Z", 100, "autorenew")]
    }));
    assert!(of(&check(&ok), "commitment_model_unsupported").is_empty());
}

#[test]
fn reservation_expiring_renewal_unused_and_mismatch() {
    // A one-month reservation bought 13 Nov expires 13 Dec without renewal, covering 100 PTU.
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", REG, 100, "2026-11-13T09:00:00Z", "P1M", "none")]
    }));
    let n = one(&check(&e), "reservation_expiring").clone();
    assert_eq!(n.severity, Severity::Critical);
    assert_eq!(n.cost_impact, d("100") * d("2") * d("24") * d("27"));
    let near = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", Some("2026-12-11T00:00:00Z"))],
        "reservations": [reservation("res", REG, 100, "2026-11-13T09:00:00Z", "P1M", "none")]
    }));
    assert!(of(&check(&near), "reservation_expiring").is_empty());

    let renew = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", REG, 100, "2026-11-13T09:00:00Z", "P1M", "autorenew")]
    }));
    let list = check(&renew);
    let n = one(&list, "reservation_renewal");
    assert_eq!((n.subject.as_str(), n.cost_impact), ("res/r1", d("28600")));
    assert!(of(&list, "reservation_expiring").is_empty());

    // 300 Global PTU reserved, 100 deployed: a third used.
    let idle = estate(json!({
        "deployments": [dep("d1", "aoai-a", GLO, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", GLO, 300, "2026-11-20T00:00:00Z", "P1Y", "none")]
    }));
    let n = one(&check(&idle), "reservation_unused").clone();
    assert!(
        n.message.contains("33% used over the last 7 days"),
        "{}",
        n.message
    );
    let busy = estate(json!({
        "deployments": [dep("d1", "aoai-a", GLO, 290, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", GLO, 300, "2026-11-20T00:00:00Z", "P1Y", "none")]
    }));
    assert!(
        of(&check(&busy), "reservation_unused").is_empty(),
        "97% used is above the 90% threshold"
    );
    assert!(
        of(&check(&e), "reservation_renewal").is_empty(),
        "a reservation set not to renew has no renewal"
    );

    // A Global reservation beside Regional deployments covers nothing.
    let mismatch = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", GLO, 100, "2026-11-20T00:00:00Z", "P1Y", "none")]
    }));
    let list = check(&mismatch);
    let n = one(&list, "reservation_mismatch");
    assert!(
        n.message.contains("holds only Regional deployments"),
        "{}",
        n.message
    );
    assert!(
        of(&list, "reservation_unused").is_empty(),
        "the mismatch says it"
    );
    // Out of scope: the Regional deployment is in sub-b.
    let scope = estate(json!({
        "deployments": [dep("d1", "aoai-b", REG, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", REG, 100, "2026-11-20T00:00:00Z", "P1Y", "none")]
    }));
    // One decision: the overage next door, whose first remedy is the free
    // re-scope of the idle reservation (no second notice about it).
    let list = check(&scope);
    assert!(of(&list, "reservation_mismatch").is_empty(), "{list:#?}");
    let n = one(&list, "hourly_overage").clone();
    // The free re-scope is the first remedy, and it names the reservation.
    assert!(
        n.action
            .starts_with("change the scope of reservation res (100 PTU Regional, with idle capacity) from sub sub-a to sub sub-b so it covers aoai-b"),
        "{}",
        n.action
    );
    assert_eq!(n.remedies[0].kind.name(), "rescope");
    assert!(n.remedies[0].safe && n.remedies[0].saving_lifetime > Decimal::ZERO);
    let matched = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", REG, 100, "2026-11-20T00:00:00Z", "P1Y", "none")]
    }));
    assert!(of(&check(&matched), "reservation_mismatch").is_empty());
}

#[test]
fn hourly_overage_keeps_its_id_while_it_lasts() {
    let e = estate(
        json!({"deployments": [dep("d1", "aoai-a", GLO, 100, "2026-11-01T00:00:00Z", None)]}),
    );
    let a = one(&check(&e), "hourly_overage").clone();
    assert_eq!(a.severity, Severity::Critical);
    assert_eq!(a.at, t("2026-11-01T00:00:00Z"), "it began at the creation");
    assert_eq!(a.cost_impact, d("100") * d("720"));
    let b = one(&check_at(&e, "2026-12-20T13:00:00Z", 30), "hourly_overage").clone();
    assert_eq!(a.id, b.id, "stable while the condition lasts");
    // A future deployment: a warning, due.
    let later = estate(
        json!({"deployments": [dep("d1", "aoai-a", GLO, 100, "2026-12-20T00:00:00Z", None)]}),
    );
    assert_eq!(
        one(&check(&later), "hourly_overage").severity,
        Severity::Warning
    );
    let covered = estate(json!({
        "deployments": [dep("d1", "aoai-a", GLO, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", GLO, 100, "2026-11-01T00:00:00Z", "P1Y", "none")]
    }));
    assert!(of(&check(&covered), "hourly_overage").is_empty());
}

#[test]
fn quota_near_and_over_the_limit() {
    let e = |limit: i64, ptu: i64| {
        estate(json!({
            "deployments": [dep("d1", "aoai-a", REG, ptu, "2026-11-01T00:00:00Z", None)],
            "reservations": [reservation("res", REG, 500, "2026-11-01T00:00:00Z", "P1Y", "none")],
            "quotas": [{"subscription": "sub-a", "region": "eastus2", "sku": REG, "limit": limit}]
        }))
    };
    let near = check(&e(420, 400));
    let n = one(&near, "quota_near_limit");
    assert!(
        n.message
            .contains("400 of 420 PTU quota used (95%) since 2026-11-01 00:00 UTC"),
        "{}",
        n.message
    );
    // Dated when the deployment reached the quota, not when checked.
    assert_eq!(n.at, t("2026-11-01T00:00:00Z"));
    // An hour later: the same notification, the same id and date.
    let later = check_at(&e(420, 400), "2026-12-10T10:17:00Z", 30);
    let m = one(&later, "quota_near_limit");
    assert_eq!((&m.id, m.at, &m.message), (&n.id, n.at, &n.message));
    assert!(of(&near, "quota_exceeded").is_empty());
    let over = check(&e(300, 400));
    assert_eq!(one(&over, "quota_exceeded").severity, Severity::Critical);
    let fine = check(&e(420, 300));
    assert!(of(&fine, "quota_near_limit").is_empty() && of(&fine, "quota_exceeded").is_empty());
    // At the limit exactly: near, not over.
    let at = check(&e(300, 300));
    assert_eq!(of(&at, "quota_near_limit").len(), 1);
    assert!(of(&at, "quota_exceeded").is_empty());
}

#[test]
fn a_refund_past_the_rolling_limit() {
    let refunded = |id: &str, ptu: i64, at: &str| {
        let mut r = reservation(id, REG, ptu, "2026-11-01T00:00:00Z", "P1Y", "none");
        r["refunded_at"] = json!(at);
        r["price"] = json!("2916");
        r
    };
    // 10 PTU x 2916 x ~1/1 of the year = ~29k each: the second passes 50k.
    let e = estate(
        json!({"reservations": [refunded("r1", 10, "2026-11-01T00:00:00Z"), refunded("r2", 10, "2026-12-12T00:00:00Z")]}),
    );
    let n = one(&check(&e), "refund_limit").clone();
    assert_eq!(n.subject, "r2");
    assert_eq!(n.severity, Severity::Critical);
    assert!(n.cost_impact > Decimal::ZERO);
    let small = estate(
        json!({"reservations": [refunded("r1", 10, "2026-11-01T00:00:00Z"), refunded("r2", 5, "2026-12-12T00:00:00Z")]}),
    );
    assert!(of(&check(&small), "refund_limit").is_empty());
}

#[test]
fn a_planned_migration_with_a_double_billing_window() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 400, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-11-20T00:00:00Z", 400, "none")],
        "reservations": [reservation("res", REG, 400, "2026-12-15T00:00:00Z", "P1Y", "none")]
    }));
    let n = one(&check(&e), "double_billing_window").clone();
    assert_eq!(n.at, t("2026-12-15T00:00:00Z"));
    assert!(n.message.contains("commitment cp"), "{}", n.message);
    // 5 days of the first period's twelfth of the year (15 Dec - 14 Jan, 31 days).
    let expected = d("2916") * d("400") / d("12") * d("5") / d("31");
    assert!(
        (n.cost_impact - expected).abs() < d("0.000001"),
        "{} vs {expected}",
        n.cost_impact
    );
    let at_expiry = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 400, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-11-20T00:00:00Z", 400, "none")],
        "reservations": [reservation("res", REG, 400, "2026-12-20T00:00:00Z", "P1Y", "none")]
    }));
    assert!(of(&check(&at_expiry), "double_billing_window").is_empty());
}

#[test]
fn sizes_off_the_model_step() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 60, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", REG, 60, "2026-11-01T00:00:00Z", "P1Y", "none")]
    }));
    let n = one(&check(&e), "deployment_size_off_step").clone();
    assert!(
        n.action.contains("resize d1 from 60 to 100 PTU"),
        "{}",
        n.action
    );
    let ok = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", REG, 100, "2026-11-01T00:00:00Z", "P1Y", "none")]
    }));
    assert!(check(&ok).is_empty(), "{:#?}", check(&ok));
}

#[test]
fn the_demo_raises_its_story_most_severe_first() {
    // (Every kind has its own test above: an estate that raises it and a
    // near miss.)
    let demo = ptudesk::demo::estate(t("2026-11-22"));
    let list = check_at(&demo, "2026-11-22T09:00:00Z", 30);
    for k in [
        "commitment_expiring",
        "hourly_overage",
        "reservation_mismatch",
        // The half-idle Global reservation and its renewal: one decision.
        "reservation_renewal",
        "double_billing_window",
        "quota_near_limit",
    ] {
        assert!(!of(&list, k).is_empty(), "demo lacks {k}");
    }
    assert!(list.windows(2).all(|w| w[0].severity >= w[1].severity));
    assert!(of(&list, "reservation_unused").is_empty(), "{list:#?}");
    assert!(of(&list, "reservation_renewal")[0].severity >= Severity::Warning);
    let ids: std::collections::HashSet<&str> = list.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.len(), list.len(), "ids are unique");
}

#[test]
fn hourly_overage_on_several_types_asks_for_a_reservation_of_each() {
    let mixed = estate(json!({
        "deployments": [
            dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None),
            dep("d2", "aoai-a", GLO, 50, "2026-11-01T00:00:00Z", None)
        ]
    }));
    // One notification for the resource; one reservation per deployment
    // type among its remedies, each sized to its own type.
    let n = one(&check(&mixed), "hourly_overage").clone();
    let buys: Vec<&str> = n
        .remedies
        .iter()
        .filter(|r| r.kind.name() == "buy_reservation")
        .map(|r| r.summary.as_str())
        .collect();
    assert_eq!(buys.len(), 2, "{buys:#?}");
    assert!(
        buys.iter()
            .any(|b| b.contains("Regional reservation of 100 PTU"))
    );
    assert!(
        buys.iter()
            .any(|b| b.contains("Global reservation of 50 PTU"))
    );
    let single = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)]
    }));
    let n = one(&check(&single), "hourly_overage").clone();
    assert!(
        n.action.starts_with(
            "buy a one-year Regional reservation of 100 PTU in eastus2 for subscription sub-a"
        ),
        "{}",
        n.action
    );
}

#[test]
fn the_horizon_is_whole_hours_from_the_current_hour() {
    // A commitment bought 9 Dec 08:00, not renewing, expires 9 Jan 08:00 with
    // 300 PTU on it. Seen at 09:00 or at 09:30 on 10 Dec, "the next 30 days"
    // is [10 Dec 09:00, 9 Jan 09:00): 720 hours, the last of them hourly:
    // 300 PTU x $2 = $600, never a 721st hour ($1,200).
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [commitment("2026-12-09T08:00:00Z", 300, "none")]
    }));
    for at in [NOW, "2026-12-10T09:30:00Z", "2026-12-10T09:59:59Z"] {
        let list = check_at(&e, at, 30);
        let n = one(&list, "commitment_expiring");
        assert_eq!(n.cost_impact, d("600"), "at {at}");
    }
}

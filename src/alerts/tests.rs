//! The rules on small estates, each figure computed by hand: an estate that
//! raises the notification, its severity, date and cost, and a near miss.
//! (`tests/alerts.rs` and `tests/practitioner_check.rs` hold the longer
//! stories through the library's public interface.)

use super::evaluate;
use crate::domain::Estate;
use crate::domain::notice::{Notification, Severity};
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, parse_time_arg};
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

/// The instant checked: the horizon runs 30 days from it, to 9 Jan 09:00.
const NOW: &str = "2026-12-10T09:00:00Z";
const REG: &str = "ProvisionedManaged";
const GLO: &str = "GlobalProvisionedManaged";

/// Regional at $2.00 an hour a PTU, Global at $1.00.
fn estate(parts: Value) -> Estate {
    let mut base = json!({
        "schema": "ptudesk.snapshot/1",
        "currency": "USD",
        "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a", "sub-b"]}],
        "prices": [
            {"region": "eastus2", "sku": REG, "hourly": "2.00",
             "reservation_month": "286", "reservation_year": "2916", "commitment_month": "1100"},
            {"region": "eastus2", "sku": GLO, "hourly": "1.00",
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
    crate::ingest::snapshot::parse("test.json", base.to_string().as_bytes()).unwrap()
}

fn dep(id: &str, sku: &str, ptu: i64, at: &str, deleted: Option<&str>) -> Value {
    json!({"id": id, "resource": "aoai-a", "model": "gpt-4o", "version": "2024-08-06", "sku": sku,
           "sizes": [{"at": at, "ptu": ptu}], "deleted": deleted})
}

fn reservation(id: &str, ptu: i64, start: &str, term: &str) -> Value {
    json!({"id": id, "name": id, "region": "eastus2", "sku": REG, "ptu": ptu, "term": term,
           "billing": "upfront", "start": start,
           "scope": {"type": "subscription", "subscription": "sub-a"}, "scope_changes": [],
           "renewal": {"mode": "none"}, "refunded_at": null})
}

fn check(e: &Estate) -> Vec<Notification> {
    check_for(e, 30)
}

fn check_for(e: &Estate, days: i64) -> Vec<Notification> {
    evaluate(
        e,
        &PriceBook::empty(),
        &Default::default(),
        Default::default(),
        t(NOW),
        chrono::Duration::days(days),
    )
    .unwrap()
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
fn a_commitment_expiring_under_its_deployments_costs_the_hours_after_it() {
    // 300 PTU on a commitment bought 15 Nov 09:00, not renewing: it ends 15
    // Dec 09:00, 5 days ahead. From then 300 x $2 x 24 = $14,400 a day, for
    // the 25 days left of the horizon: $360,000.
    let e = estate(json!({
        "deployments": [dep("d1", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-15T09:00:00Z",
                         "ptu": 300, "additions": [], "renewal": {"mode": "none"}}]
    }));
    let list = check(&e);
    let n = one(&list, "commitment_expiring");
    assert_eq!(n.severity, Severity::Critical);
    assert_eq!(n.at, t("2026-12-15T09:00:00Z"));
    assert_eq!(n.level, d("14400"));
    assert_eq!(n.cost_impact, d("360000"));
    assert!(n.message.contains("$14,400.00 a day"), "{}", n.message);
    // The hourly rate after the expiry is this notification's, not another.
    assert!(of(&list, "hourly_overage").is_empty(), "{list:#?}");
}

#[test]
fn an_expiry_past_the_horizon_is_priced_by_its_first_day() {
    // The same commitment checked over 3 days: it ends 2 days after the
    // horizon. Nothing of its cost falls within the horizon; its level is
    // still its first day's: 300 x $2 x 24 = $14,400.
    let e = estate(json!({
        "deployments": [dep("d1", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-15T09:00:00Z",
                         "ptu": 300, "additions": [], "renewal": {"mode": "none"}}]
    }));
    let list = check_for(&e, 3);
    let n = one(&list, "commitment_expiring");
    assert_eq!(n.severity, Severity::Critical);
    assert_eq!(n.at, t("2026-12-15T09:00:00Z"));
    assert_eq!((n.level, n.cost_impact), (d("14400"), Decimal::ZERO));
}

#[test]
fn a_reservation_expiring_under_its_deployments_costs_the_hours_after_it() {
    // 100 Regional PTU on a one-month reservation from 15 Nov 09:00: it ends
    // 15 Dec 09:00. Then 100 x $2 x 24 = $4,800 a day for 25 days: $120,000.
    let e = estate(json!({
        "deployments": [dep("d1", REG, 100, "2026-11-15T09:00:00Z", None)],
        "reservations": [reservation("res", 100, "2026-11-15T09:00:00Z", "P1M")]
    }));
    let list = check(&e);
    let n = one(&list, "reservation_expiring");
    assert_eq!(n.subject, "res");
    assert_eq!(n.severity, Severity::Critical);
    assert_eq!(n.at, t("2026-12-15T09:00:00Z"));
    assert_eq!(n.level, d("4800"));
    assert_eq!(n.cost_impact, d("120000"));
    assert!(of(&list, "hourly_overage").is_empty(), "{list:#?}");
}

#[test]
fn an_hourly_overage_is_dated_from_the_start_of_its_pattern() {
    // 100 Global PTU paying $1.00 an hour: 100 x 720 h = $72,000 over the
    // horizon, dated when the resource began to pay.
    let e = estate(json!({"deployments": [dep("d1", GLO, 100, "2026-11-01T00:00:00Z", None)]}));
    let n = one(&check(&e), "hourly_overage").clone();
    assert_eq!(n.severity, Severity::Critical);
    assert_eq!(n.at, t("2026-11-01T00:00:00Z"));
    assert_eq!(n.cost_impact, d("72000"));

    // Paying 1-5 Nov, then again from 8 Nov: a gap of 3 days (under a week),
    // one pattern, dated 1 Nov. From 13 Nov (a gap of 8 days) it is dated
    // 13 Nov. The horizon's cost is the same.
    let gap = |again: &str| {
        estate(json!({"deployments": [
            dep("d1", GLO, 100, "2026-11-01T00:00:00Z", Some("2026-11-05T00:00:00Z")),
            dep("d2", GLO, 100, again, None)
        ]}))
    };
    let n = one(&check(&gap("2026-11-08T00:00:00Z")), "hourly_overage").clone();
    assert_eq!(
        (n.at, n.cost_impact),
        (t("2026-11-01T00:00:00Z"), d("72000"))
    );
    let n = one(&check(&gap("2026-11-13T00:00:00Z")), "hourly_overage").clone();
    assert_eq!(
        (n.at, n.cost_impact),
        (t("2026-11-13T00:00:00Z"), d("72000"))
    );

    // Covered by a reservation: nothing.
    let mut r = reservation("res", 100, "2026-11-01T00:00:00Z", "P1Y");
    r["sku"] = json!(GLO);
    let covered = estate(json!({
        "deployments": [dep("d1", GLO, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [r]
    }));
    assert!(of(&check(&covered), "hourly_overage").is_empty());
}

#[test]
fn a_model_a_commitment_cannot_run_is_a_warning_from_the_commitment_on() {
    let mut bad = dep("d1", REG, 100, "2026-11-01T00:00:00Z", None);
    bad["model"] = json!("gpt-4.1");
    bad["version"] = json!("2025-04-14");
    let with = |d: Value| {
        estate(json!({"deployments": [d],
            "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-15T09:00:00Z",
                             "ptu": 100, "additions": [], "renewal": {"mode": "autorenew"}}]}))
    };
    let list = check(&with(bad));
    let n = one(&list, "commitment_model_unsupported");
    assert_eq!((n.subject.as_str(), n.severity), ("d1", Severity::Warning));
    assert_eq!(n.at, t("2026-11-15T09:00:00Z"));
    let ok = check(&with(dep("d1", REG, 100, "2026-11-01T00:00:00Z", None)));
    assert!(of(&ok, "commitment_model_unsupported").is_empty());
}

#[test]
fn quota_near_and_over_its_limit() {
    let e = |limit: i64, ptu: i64| {
        estate(json!({
            "deployments": [dep("d1", REG, ptu, "2026-11-01T00:00:00Z", None)],
            "reservations": [reservation("res", 500, "2026-11-01T00:00:00Z", "P1Y")],
            "quotas": [{"subscription": "sub-a", "region": "eastus2", "sku": REG, "limit": limit}]
        }))
    };
    // 400 of 420: 95%, past the 90% threshold, since the deployment.
    let near = check(&e(420, 400));
    let n = one(&near, "quota_near_limit");
    assert_eq!(n.at, t("2026-11-01T00:00:00Z"));
    assert!(of(&near, "quota_exceeded").is_empty());
    assert_eq!(
        one(&check(&e(300, 400)), "quota_exceeded").severity,
        Severity::Critical
    );
    let fine = check(&e(420, 300));
    assert!(of(&fine, "quota_near_limit").is_empty() && of(&fine, "quota_exceeded").is_empty());
}

#[test]
fn a_refund_past_the_rolling_limit_is_critical_at_what_it_cancels() {
    // Two one-year reservations of 10 PTU at 2,916 a PTU-year (29,160),
    // from 1 Nov 2026 (365 days). r1 refunded at its start cancels 29,160,
    // leaving 20,840 of the limit; r2 refunded 12 Dec, 324 days left,
    // cancels 29,160 x 324/365 = 25,884.49: refused.
    let refunded = |id: &str, ptu: i64, at: &str| {
        let mut r = reservation(id, ptu, "2026-11-01T00:00:00Z", "P1Y");
        r["refunded_at"] = json!(at);
        r["price"] = json!("2916");
        r
    };
    let e = estate(json!({"reservations": [
        refunded("r1", 10, "2026-11-01T00:00:00Z"),
        refunded("r2", 10, "2026-12-12T00:00:00Z")
    ]}));
    let list = check(&e);
    let n = one(&list, "refund_limit");
    assert_eq!((n.subject.as_str(), n.severity), ("r2", Severity::Critical));
    assert_eq!(n.at, t("2026-12-12T00:00:00Z"));
    assert_eq!(n.cost_impact, d("29160") * d("324") / d("365"));
    assert!(n.message.contains("only $20,840.00"), "{}", n.message);
    // r2 at 5 PTU cancels 12,942.25: it fits.
    let small = estate(json!({"reservations": [
        refunded("r1", 10, "2026-11-01T00:00:00Z"),
        refunded("r2", 5, "2026-12-12T00:00:00Z")
    ]}));
    assert!(of(&check(&small), "refund_limit").is_empty());
}

#[test]
fn a_size_off_the_model_step_is_resized_to_the_next_step() {
    // Regional gpt-4o: 50 PTU minimum, steps of 50. 60 PTU is off the step.
    let e = estate(json!({
        "deployments": [dep("d1", REG, 60, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", 60, "2026-11-01T00:00:00Z", "P1Y")]
    }));
    let list = check(&e);
    let n = one(&list, "deployment_size_off_step");
    assert_eq!(n.subject, "d1");
    assert!(
        n.action.contains("resize d1 from 60 to 100 PTU"),
        "{}",
        n.action
    );
    // Resized, the 60-PTU reservation covers 60 of the 100: 40 x $2 x 24 a day.
    assert_eq!(n.remedies[0].cost_per_day, d("1920"));
    let ok = estate(json!({
        "deployments": [dep("d1", REG, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [reservation("res", 100, "2026-11-01T00:00:00Z", "P1Y")]
    }));
    assert!(check(&ok).is_empty(), "{:#?}", check(&ok));
}

#[test]
fn an_expiry_covered_afterwards_is_info_and_its_remedy_is_to_do_nothing() {
    // The commitment of 300 PTU ends 15 Dec 09:00, where a one-month
    // reservation of 300 PTU on sub-a begins: nothing pays the hourly rate
    // afterwards, so the expiry costs nothing and needs nothing.
    let e = estate(json!({
        "deployments": [dep("d1", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-15T09:00:00Z",
                         "ptu": 300, "additions": [], "renewal": {"mode": "none"}}],
        "reservations": [reservation("res", 300, "2026-12-15T09:00:00Z", "P1M")]
    }));
    let list = check(&e);
    let n = one(&list, "commitment_expiring");
    assert_eq!((n.severity, n.cost_impact), (Severity::Info, Decimal::ZERO));
    assert_eq!(n.remedies.len(), 1, "{:#?}", n.remedies);
    let r = &n.remedies[0];
    assert_eq!(r.kind, crate::domain::plan::RemedyKind::None);
    assert!(r.changes.is_empty());
    assert!(
        r.summary
            .contains("none needed: other discounts cover its deployments afterwards"),
        "{}",
        r.summary
    );
}

#[test]
fn a_reservation_bought_before_the_commitment_ends_is_a_double_billing_window() {
    // 400 PTU on a commitment from 20 Nov (ends 20 Dec); a one-year
    // reservation of 400 PTU from 15 Dec: 5 days both pay for the same PTUs.
    // The reservation's first monthly twelfth (2,916 x 400 / 12 = 97,200,
    // spread over 15 Dec - 14 Jan, 31 days) for 5 days: 97,200 x 5/31.
    let e = |start: &str| {
        estate(json!({
            "deployments": [dep("d1", REG, 400, "2026-11-01T00:00:00Z", None)],
            "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-20T00:00:00Z",
                             "ptu": 400, "additions": [], "renewal": {"mode": "none"}}],
            "reservations": [reservation("res", 400, start, "P1Y")]
        }))
    };
    let list = check(&e("2026-12-15T00:00:00Z"));
    let n = one(&list, "double_billing_window");
    assert_eq!((n.subject.as_str(), n.severity), ("res", Severity::Warning));
    assert_eq!(n.at, t("2026-12-15T00:00:00Z"));
    assert!(n.message.contains("commitment cp"), "{}", n.message);
    let expected = d("97200") * d("5") / d("31");
    assert!(
        (n.cost_impact - expected).abs() < d("0.000001"),
        "{} vs {expected}",
        n.cost_impact
    );
    // The first remedy buys it at the commitment's end instead, saving
    // the window's cost within the horizon.
    let r = &n.remedies[0];
    assert_eq!(r.kind, crate::domain::plan::RemedyKind::Redate);
    assert!(
        r.summary.starts_with(
            "buy reservation res at 2026-12-20 00:00 UTC (the end of commitment cp's term)"
        ),
        "{}",
        r.summary
    );
    assert!((r.saving_horizon - expected).abs() < d("0.000001"));
    // Bought 5 Dec, before the instant checked: the window began then, and
    // the notification is dated then, not at the horizon's start.
    let list = check(&e("2026-12-05T00:00:00Z"));
    let n = one(&list, "double_billing_window");
    assert_eq!(n.at, t("2026-12-05T00:00:00Z"));
    // Bought at the commitment's end: no overlap.
    assert!(of(&check(&e("2026-12-20T00:00:00Z")), "double_billing_window").is_empty());
}

//! The worked examples of docs/ (rating, commitments, reservations), each a named test of the rating core.

use super::*;
use crate::domain::time::parse_time_arg;
use crate::ingest::snapshot;
use serde_json::{Value, json};

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

/// An estate: two subscriptions in one billing account, a management group
/// holding sub-a, resources in eastus2 (sub-a/rg-a, sub-a/rg-b, sub-b/rg-c),
/// prices for eastus2, plus the given lists.
fn estate(parts: Value) -> Estate {
    let mut base = json!({
        "schema": "ptudesk.snapshot/1",
        "currency": "USD",
        "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a", "sub-b"]}],
        "management_groups": [{"id": "mg", "parent": null, "subscriptions": ["sub-a"]}],
        "prices": [
            {"region": "eastus2", "sku": "ProvisionedManaged", "hourly": "2.00",
             "reservation_month": "286", "reservation_year": "2916", "commitment_month": "1100"},
            {"region": "eastus2", "sku": "GlobalProvisionedManaged", "hourly": "1.00",
             "reservation_month": "260", "reservation_year": "2652"},
            {"region": "eastus2", "sku": "DataZoneProvisionedManaged", "hourly": "1.10",
             "reservation_month": "286", "reservation_year": "2916"}
        ],
        "resources": [
            {"id": "aoai-a", "subscription": "sub-a", "resource_group": "rg-a", "region": "eastus2"},
            {"id": "aoai-b", "subscription": "sub-a", "resource_group": "rg-b", "region": "eastus2"},
            {"id": "aoai-c", "subscription": "sub-b", "resource_group": "rg-c", "region": "eastus2"}
        ]
    });
    for (k, v) in parts.as_object().unwrap() {
        base[k] = v.clone();
    }
    snapshot::parse("test.json", base.to_string().as_bytes()).unwrap()
}

fn dep(id: &str, resource: &str, sku: &str, ptu: i64, at: &str) -> Value {
    json!({"id": id, "resource": resource, "model": "gpt-4o", "version": "2024-08-06",
           "sku": sku, "sizes": [{"at": at, "ptu": ptu}], "deleted": null})
}

fn res(id: &str, sku: &str, ptu: i64, scope: Value, start: &str, term: &str) -> Value {
    json!({"id": id, "name": id, "region": "eastus2", "sku": sku, "ptu": ptu, "term": term,
           "billing": "upfront", "start": start, "scope": scope, "scope_changes": [],
           "renewal": {"mode": "none"}, "refunded_at": null})
}

fn sub(s: &str) -> Value {
    json!({"type": "subscription", "subscription": s})
}

const REG: &str = "ProvisionedManaged";
const GLO: &str = "GlobalProvisionedManaged";
const DZ: &str = "DataZoneProvisionedManaged";

fn rate(e: &Estate, from: &str, to: &str, basis: Basis) -> Forecast {
    let req = Request {
        from: t(from),
        to: t(to),
        basis,
        by: Bucket::Day,
    };
    forecast(e, &PriceBook::empty(), &req, &Options::default()).unwrap()
}

/// One full hour, 2026-12-10 10:00-11:00, actual basis.
fn hour(e: &Estate) -> Forecast {
    rate(
        e,
        "2026-12-10T10:00:00Z",
        "2026-12-10T11:00:00Z",
        Basis::Actual,
    )
}

fn ptu_h(minutes: i64) -> i64 {
    assert_eq!(
        minutes % 60,
        0,
        "{minutes} PTU-minutes is not whole PTU-hours"
    );
    minutes / 60
}

fn window<'f>(f: &'f Forecast, kind: WindowKind, subject: &str) -> &'f Window {
    f.windows
        .iter()
        .find(|w| w.kind == kind && w.subject == subject)
        .unwrap_or_else(|| panic!("no {kind:?} window for {subject}: {:#?}", f.windows))
}

#[test]
fn e1_reservation_equal_to_deployment_pays_the_reservation_only() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-12-01T00:00:00Z")],
        "reservations": [res("r1", REG, 100, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M")]
    }));
    let f = hour(&e);
    assert_eq!(f.totals.hourly, Decimal::ZERO);
    assert_eq!(ptu_h(f.totals.reservation_covered_ptu_minutes), 100);
    assert_eq!(f.totals.unused_reservation_ptu_minutes, 0);
    assert!(f.windows.is_empty());
}

#[test]
fn e2_global_reservation_larger_than_deployments_loses_the_rest() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", GLO, 100, "2026-12-01T00:00:00Z")],
        "reservations": [res("r1", GLO, 300, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M")]
    }));
    let f = hour(&e);
    assert_eq!(ptu_h(f.totals.reservation_covered_ptu_minutes), 100);
    assert_eq!(ptu_h(f.totals.unused_reservation_ptu_minutes), 200);
    let w = window(&f, WindowKind::Unused, "r1");
    assert_eq!(ptu_h(w.ptu_minutes), 200);
    // The idle two thirds of the reservation's amortized hour: 260 x 300 / 31 days / 24 h x 2/3.
    let hour_cost = d("260") * d("300") / d("744");
    assert!(
        (w.cost - hour_cost * d("2") / d("3")).abs() < d("0.0000001"),
        "{}",
        w.cost
    );
}

#[test]
fn e3_data_zone_reservation_smaller_than_deployments() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", DZ, 600, "2026-12-01T00:00:00Z")],
        "reservations": [res("r1", DZ, 200, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M")]
    }));
    let f = hour(&e);
    assert_eq!(ptu_h(f.totals.reservation_covered_ptu_minutes), 200);
    assert_eq!(ptu_h(f.totals.hourly_ptu_minutes), 400);
    assert_eq!(f.totals.hourly, d("440"));
}

#[test]
fn e4_the_sum_of_two_deployments_is_covered() {
    let e = estate(json!({
        "deployments": [
            dep("d1", "aoai-a", REG, 100, "2026-12-01T00:00:00Z"),
            dep("d2", "aoai-b", REG, 100, "2026-12-01T00:00:00Z")
        ],
        "reservations": [res("r1", REG, 200, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M")]
    }));
    let f = hour(&e);
    assert_eq!(ptu_h(f.totals.reservation_covered_ptu_minutes), 200);
    assert_eq!(f.totals.hourly, Decimal::ZERO);
}

#[test]
fn e5_fifty_ptu_over_the_reservation_pay_hourly() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 250, "2026-12-01T00:00:00Z")],
        "reservations": [res("r1", REG, 200, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M")]
    }));
    let f = hour(&e);
    assert_eq!(ptu_h(f.totals.hourly_ptu_minutes), 50);
    assert_eq!(f.totals.hourly, d("100"));
    let w = window(&f, WindowKind::Overage, "aoai-a");
    assert!(
        w.explanation
            .contains("reservations in scope (r1) are fully used"),
        "{}",
        w.explanation
    );
}

#[test]
fn e6_commitment_smaller_than_deployments_gives_hourly_overage() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 500, "2026-12-01T00:00:00Z")],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-01T00:00:00Z", "ptu": 300,
                         "additions": [], "renewal": {"mode": "autorenew"}}]
    }));
    let f = hour(&e);
    assert_eq!(ptu_h(f.totals.commitment_covered_ptu_minutes), 300);
    assert_eq!(ptu_h(f.totals.hourly_ptu_minutes), 200);
    assert_eq!(f.totals.hourly, d("400"));
    let w = window(&f, WindowKind::Overage, "aoai-a");
    assert_eq!(ptu_h(w.ptu_minutes), 200);
    assert_eq!(w.cost, d("400"));
    assert!(
        w.explanation.contains("commitment cp (300 PTU) is smaller"),
        "{}",
        w.explanation
    );
}

#[test]
fn e7_fifteen_minutes_of_100_ptu_count_25_ptu_hours() {
    let e = estate(json!({
        "deployments": [{"id": "d1", "resource": "aoai-a", "model": "gpt-4o", "version": "2024-08-06",
            "sku": REG, "sizes": [{"at": "2026-12-10T10:00:00Z", "ptu": 100}],
            "deleted": "2026-12-10T10:15:00Z"}]
    }));
    let f = hour(&e);
    assert_eq!(ptu_h(f.totals.deployed_ptu_minutes), 25);
    assert_eq!(f.totals.hourly, d("50"));
}

#[test]
fn e8_global_reservation_does_not_cover_a_regional_deployment() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-12-01T00:00:00Z")],
        "reservations": [res("r1", GLO, 100, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M")]
    }));
    let f = hour(&e);
    assert_eq!(f.totals.reservation_covered_ptu_minutes, 0);
    assert_eq!(ptu_h(f.totals.hourly_ptu_minutes), 100);
    assert_eq!(ptu_h(f.totals.unused_reservation_ptu_minutes), 100);
    let w = window(&f, WindowKind::Overage, "aoai-a");
    assert!(
        w.explanation
            .contains("no Regional reservation in eastus2 covers sub-a"),
        "{}",
        w.explanation
    );
    window(&f, WindowKind::Unused, "r1");
}

#[test]
fn e9_reservation_for_another_subscription_does_not_cover() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-c", REG, 100, "2026-12-01T00:00:00Z")],
        "reservations": [res("r1", REG, 100, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M")]
    }));
    let f = hour(&e);
    assert_eq!(f.totals.reservation_covered_ptu_minutes, 0);
    assert_eq!(ptu_h(f.totals.hourly_ptu_minutes), 100);
}

#[test]
fn instruments_pool_per_clock_hour() {
    // 500 PTU for 30 minutes then 300 PTU for 30 minutes against a 400 PTU
    // commitment: no overage in that hour.
    let e = estate(json!({
        "deployments": [{"id": "d1", "resource": "aoai-a", "model": "gpt-4o", "version": "2024-08-06",
            "sku": REG, "sizes": [{"at": "2026-12-01T00:00:00Z", "ptu": 500},
                                  {"at": "2026-12-10T10:30:00Z", "ptu": 300}], "deleted": null}],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-01T00:00:00Z", "ptu": 400,
                         "additions": [], "renewal": {"mode": "autorenew"}}]
    }));
    let f = hour(&e);
    assert_eq!(f.totals.hourly_ptu_minutes, 0);
    assert_eq!(ptu_h(f.totals.commitment_covered_ptu_minutes), 400);
    // The hour before pays 100 PTU of overage; the hour after leaves 100 idle.
    let f = rate(
        &e,
        "2026-12-10T09:00:00Z",
        "2026-12-10T12:00:00Z",
        Basis::Actual,
    );
    assert_eq!(ptu_h(f.totals.hourly_ptu_minutes), 100);
    assert_eq!(ptu_h(f.totals.unused_commitment_ptu_minutes), 100);
    let w = window(&f, WindowKind::Overage, "aoai-a");
    assert_eq!(
        (w.start, w.end),
        (t("2026-12-10T09:00:00Z"), t("2026-12-10T10:00:00Z"))
    );
}

#[test]
fn commitment_renewal_dates_bill_on_the_page_scenarios() {
    // Purchase 21 Feb -> renews 21 Mar; 31 May -> 30 Jun; 31 Jan -> 28 Feb (29 in a leap year).
    for (start, renewal) in [
        ("2027-02-21T00:00:00Z", "2027-03-21T00:00:00Z"),
        ("2027-05-31T00:00:00Z", "2027-06-30T00:00:00Z"),
        ("2027-01-31T00:00:00Z", "2027-02-28T00:00:00Z"),
        ("2028-01-31T00:00:00Z", "2028-02-29T00:00:00Z"),
    ] {
        let e = estate(json!({
            "commitments": [{"id": "cp", "resource": "aoai-a", "start": start, "ptu": 100,
                             "additions": [], "renewal": {"mode": "autorenew"}}]
        }));
        let day = t(renewal);
        let f = rate(
            &e,
            renewal,
            &crate::domain::time::fmt_time(day + chrono::Duration::days(1)),
            Basis::Actual,
        );
        assert_eq!(
            f.totals.commitment,
            d("110000"),
            "renewal on {renewal} for a purchase on {start}"
        );
        let f = rate(
            &e,
            &crate::domain::time::fmt_time(day - chrono::Duration::days(1)),
            renewal,
            Basis::Actual,
        );
        assert_eq!(
            f.totals.commitment,
            Decimal::ZERO,
            "nothing billed the day before {renewal}"
        );
    }
}

#[test]
fn commitment_addition_is_prorated_by_days_and_the_term_does_not_reset() {
    // docs/commitments.md#additions: 300 PTU from 1 Nov, +50 on 15 Nov: 16 of 30 days left.
    let e = estate(json!({
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-01T00:00:00Z", "ptu": 300,
                         "additions": [{"at": "2026-11-15T00:00:00Z", "ptu": 50}],
                         "renewal": {"mode": "autorenew_lower", "ptu": 250}}]
    }));
    let f = rate(
        &e,
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
        Basis::Actual,
    );
    let addition = d("1100") * d("50") * d("16") / d("30");
    assert_eq!(f.totals.commitment, d("330000") + addition);
    assert_eq!(crate::domain::money::fmt_money(addition), "29333.33");
    // Amortized, the addition spreads over its 16 days; the month sums the same.
    let a = rate(
        &e,
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
        Basis::Amortized,
    );
    assert_eq!(a.totals.commitment, f.totals.commitment);
    let day = rate(
        &e,
        "2026-11-20T00:00:00Z",
        "2026-11-21T00:00:00Z",
        Basis::Amortized,
    );
    assert!(
        (day.totals.commitment - (d("330000") / d("30") + addition / d("16"))).abs()
            < d("0.000001")
    );
    // Renewal on 1 Dec at 250 PTU (the lower count), not 350.
    let dec = rate(
        &e,
        "2026-12-01T00:00:00Z",
        "2026-12-02T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(dec.totals.commitment, d("275000"));
}

#[test]
fn commitment_expires_and_deployments_pay_hourly_until_deleted() {
    let e = estate(json!({
        "deployments": [{"id": "d1", "resource": "aoai-a", "model": "gpt-4o", "version": "2024-08-06",
            "sku": REG, "sizes": [{"at": "2026-11-01T00:00:00Z", "ptu": 300}],
            "deleted": "2026-12-03T00:00:00Z"}],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-01T00:00:00Z", "ptu": 300,
                         "additions": [], "renewal": {"mode": "none"}}]
    }));
    let f = rate(
        &e,
        "2026-11-30T00:00:00Z",
        "2026-12-05T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(ptu_h(f.totals.hourly_ptu_minutes), 300 * 48);
    assert_eq!(f.totals.hourly, d("2") * d("300") * d("48"));
    let w = window(&f, WindowKind::Overage, "aoai-a");
    assert_eq!(
        (w.start, w.end),
        (t("2026-12-01T00:00:00Z"), t("2026-12-03T00:00:00Z"))
    );
    assert!(
        w.explanation
            .contains("commitment cp expired at 2026-12-01T00:00:00Z"),
        "{}",
        w.explanation
    );
}

#[test]
fn reservation_monthly_periods_follow_the_page_examples() {
    // Bought 10 Jan, one year billed monthly: one period bill on 10 Feb in February.
    let mut r = res("r1", REG, 12, sub("sub-a"), "2027-01-10T00:00:00Z", "P1Y");
    r["billing"] = json!("monthly");
    let e = estate(json!({"reservations": [r]}));
    let f = rate(
        &e,
        "2027-02-01T00:00:00Z",
        "2027-03-01T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(f.totals.reservation, d("2916"));
    assert_eq!(
        f.periods
            .iter()
            .filter(|p| p.reservation != Decimal::ZERO)
            .count(),
        1
    );
    assert_eq!(
        f.periods
            .iter()
            .find(|p| p.reservation != Decimal::ZERO)
            .unwrap()
            .start,
        t("2027-02-10")
    );

    // Bought 30 Dec: periods start 30 Jan, 28 Feb, 28 Mar (the day sticks).
    let mut r = res("r1", REG, 12, sub("sub-a"), "2026-12-30T00:00:00Z", "P1Y");
    r["billing"] = json!("monthly");
    let e = estate(json!({"reservations": [r]}));
    let f = rate(
        &e,
        "2027-01-01T00:00:00Z",
        "2027-04-01T00:00:00Z",
        Basis::Actual,
    );
    let billed: Vec<Time> = f
        .periods
        .iter()
        .filter(|p| p.reservation != Decimal::ZERO)
        .map(|p| p.start)
        .collect();
    assert_eq!(
        billed,
        vec![t("2027-01-30"), t("2027-02-28"), t("2027-03-28")]
    );
}

#[test]
fn amortized_daily_cost_depends_on_the_month() {
    // A monthly cost of $200 bought in May shows $200/31 a day; in February $200/28.
    for (start, day, days) in [
        ("2027-05-01T00:00:00Z", "2027-05-10", 31),
        ("2027-02-01T00:00:00Z", "2027-02-10", 28),
    ] {
        let mut r = res("r1", REG, 100, sub("sub-a"), start, "P1M");
        r["price"] = json!("2.00");
        let e = estate(json!({"reservations": [r]}));
        let next = crate::domain::time::fmt_time(t(day) + chrono::Duration::days(1));
        let f = rate(
            &e,
            &crate::domain::time::fmt_time(t(day)),
            &next,
            Basis::Amortized,
        );
        let expected = d("200") / Decimal::from(days);
        assert!(
            (f.totals.reservation - expected).abs() < d("0.000000001"),
            "{start}: {}",
            f.totals.reservation
        );
        // The whole term sums to the charge exactly.
        let end = crate::domain::time::fmt_time(crate::domain::time::add_months(t(start), 1));
        let whole = rate(&e, start, &end, Basis::Amortized);
        assert_eq!(whole.totals.reservation, d("200"));
        // A window ending at noon gets half the day.
        let noon = crate::domain::time::fmt_time(t(day) + chrono::Duration::hours(12));
        let half = rate(
            &e,
            &crate::domain::time::fmt_time(t(day)),
            &noon,
            Basis::Amortized,
        );
        assert!((half.totals.reservation * d("2") - expected).abs() < d("0.000000001"));
    }
}

#[test]
fn one_year_reservation_amortizes_as_twelve_twelfths_and_expires_in_one_step() {
    let mut r = res("r1", GLO, 1, sub("sub-a"), "2026-12-30T08:15:00Z", "P1Y");
    r["price"] = json!("1200");
    let e = estate(json!({"reservations": [r]}));
    // Period 2: 30 Jan - 27 Feb (29 days) carries 100.
    let f = rate(
        &e,
        "2027-01-30T00:00:00Z",
        "2027-02-28T00:00:00Z",
        Basis::Amortized,
    );
    assert_eq!(f.totals.reservation, d("100"));
    // The last period: 28 Nov 2027 - 29 Dec 2027, up to the expiry on 30 Dec.
    let f = rate(
        &e,
        "2027-11-28T00:00:00Z",
        "2027-12-30T00:00:00Z",
        Basis::Amortized,
    );
    assert_eq!(f.totals.reservation, d("100"));
    let f = rate(
        &e,
        "2026-12-01T00:00:00Z",
        "2028-01-01T00:00:00Z",
        Basis::Amortized,
    );
    assert_eq!(f.totals.reservation, d("1200"));
    // Coverage ends at the expiry instant.
    let f = rate(
        &e,
        "2027-12-30T08:00:00Z",
        "2027-12-30T09:00:00Z",
        Basis::Actual,
    );
    assert_eq!(f.instruments[0].capacity_ptu_minutes, 15);
}

#[test]
fn refund_credits_the_days_left_at_the_lower_price_and_stops_coverage() {
    let mut r = res("r1", REG, 100, sub("sub-a"), "2027-05-01T00:00:00Z", "P1M");
    r["refunded_at"] = json!("2027-05-21T12:00:00Z");
    r["price"] = json!("300");
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2027-05-01T00:00:00Z")],
        "reservations": [r]
    }));
    let f = rate(
        &e,
        "2027-05-01T00:00:00Z",
        "2027-06-01T00:00:00Z",
        Basis::Actual,
    );
    // 11 of 31 days left (21-31 May), at the book's 286 (lower than the 300 paid).
    let credit = d("286") * d("100") * d("11") / d("31");
    assert_eq!(f.totals.refunds, -credit);
    assert_eq!(f.totals.reservation, d("30000") - credit);
    assert_eq!(crate::domain::money::fmt_money(credit), "10148.39");
    // Coverage stops at the refund: the rest of May pays hourly.
    let hours_after = 24 * 10 + 12;
    assert_eq!(ptu_h(f.totals.hourly_ptu_minutes), 100 * hours_after);
    let w = window(&f, WindowKind::Overage, "aoai-a");
    assert!(
        w.explanation
            .contains("reservation r1 was refunded at 2027-05-21T12:00:00Z"),
        "{}",
        w.explanation
    );
}

#[test]
fn refund_of_a_monthly_billed_year_credits_the_current_period_only() {
    let mut r = res("r1", REG, 12, sub("sub-a"), "2027-01-10T00:00:00Z", "P1Y");
    r["billing"] = json!("monthly");
    r["refunded_at"] = json!("2027-03-20T00:00:00Z");
    let e = estate(json!({"reservations": [r]}));
    let f = rate(
        &e,
        "2027-01-01T00:00:00Z",
        "2028-02-01T00:00:00Z",
        Basis::Actual,
    );
    // Three periods billed (10 Jan, 10 Feb, 10 Mar), then the period of 10 Mar - 9 Apr
    // (31 days) credited for 21 of them (20 Mar - 9 Apr).
    let credit = d("2916") * d("21") / d("31");
    assert_eq!(f.totals.reservation, d("2916") * d("3") - credit);
}

fn refunded(id: &str, ptu: i64, start: &str, billing: &str, at: &str) -> Value {
    let mut r = res(id, REG, ptu, sub("sub-a"), start, "P1Y");
    r["billing"] = json!(billing);
    r["refunded_at"] = json!(at);
    r
}

#[test]
fn the_rolling_refund_limit_restores_after_365_days() {
    // r1: 100 PTU at its own 400 a year (under the book's 2,916), refunded at
    // its start: the whole 40,000 cancelled. r2: 100 PTU at 200 a year,
    // bought 1 Jan 2028 (a 366-day term).
    let mut r1 = refunded(
        "r1",
        100,
        "2027-05-01T00:00:00Z",
        "upfront",
        "2027-05-01T00:00:00Z",
    );
    r1["price"] = json!("400");
    let second = |at: &str| {
        let mut r2 = refunded("r2", 100, "2028-01-01T00:00:00Z", "upfront", at);
        r2["price"] = json!("200");
        estate(json!({"reservations": [r1.clone(), r2]}))
    };
    // 365 days after 1 May 2027 is 30 Apr 2028 (2028 is a leap year).
    let restored = t("2028-04-30T00:00:00Z");
    let book = PriceBook::empty();
    let opts = Options::default();

    // One second before: 40,000 of the limit is used, 10,000 left; r2 cancels
    // 20,000 x 247/366 days (29 Apr 2028 - 1 Jan 2029) = 13,497.27: refused.
    let e = second("2028-04-29T23:59:59Z");
    let list = refunds(&e, &book, &opts);
    assert_eq!(list.len(), 2);
    assert_eq!((list[0].cancelled, list[0].refused), (d("40000"), false));
    assert_eq!(list[1].headroom, d("10000"));
    assert_eq!(list[1].cancelled, d("20000") * d("247") / d("366"));
    assert!(list[1].refused);
    assert_eq!(
        refund_headroom(&list, t("2027-05-02T00:00:00Z")),
        d("10000")
    );
    assert_eq!(
        refund_headroom(&list, restored - chrono::Duration::seconds(1)),
        d("10000")
    );
    assert_eq!(refund_headroom(&list, restored), d("50000"));
    // Refused: no credit, r2 paid in full and covering to its expiry.
    let f = rate(
        &e,
        "2028-01-01T00:00:00Z",
        "2029-01-01T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(f.totals.refunds, Decimal::ZERO);
    assert_eq!(f.totals.reservation, d("20000"));
    let r2 = f.instruments.iter().find(|i| i.id == "r2").unwrap();
    assert_eq!(r2.capacity_ptu_minutes, 100 * 60 * 24 * 366);

    // At the restoration: the whole limit again, r2 granted for 246 days.
    let e = second("2028-04-30T00:00:00Z");
    let list = refunds(&e, &book, &opts);
    assert_eq!(list[1].headroom, d("50000"));
    assert!(!list[1].refused);
    let credit = d("20000") * d("246") / d("366");
    let f = rate(
        &e,
        "2028-01-01T00:00:00Z",
        "2029-01-01T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(f.totals.refunds, -credit);
    assert_eq!(f.totals.reservation, d("20000") - credit);
}

#[test]
fn a_monthly_year_refunded_in_its_fourth_month_cancels_every_payment_left() {
    // 10 PTU for a year at the book's 2,916 (29,160, 2,430 a period), billed
    // monthly from 10 Jan; refunded 25 Apr, in period 4 (10 Apr - 9 May, 30
    // days), 15 days of it left (25 Apr - 9 May).
    let e = estate(json!({"reservations": [
        refunded("r1", 10, "2027-01-10T00:00:00Z", "monthly", "2027-04-25T00:00:00Z")
    ]}));
    let list = refunds(&e, &PriceBook::empty(), &Options::default());
    assert_eq!(list.len(), 1);
    // Credit: 2,430 x 15/30 = 1,215. Cancelled: that plus the 8 periods
    // not yet billed (10 May - 10 Dec), 8 x 2,430 = 19,440.
    assert_eq!(list[0].credit, d("-1215"));
    assert_eq!(list[0].cancelled, d("20655"));
    assert!(!list[0].refused);
    assert_eq!(list[0].term, "r1");
    let f = rate(
        &e,
        "2027-01-01T00:00:00Z",
        "2028-02-01T00:00:00Z",
        Basis::Actual,
    );
    // Four periods billed, the credit, nothing after.
    assert_eq!(f.totals.refunds, d("-1215"));
    assert_eq!(f.totals.reservation, d("2430") * d("4") - d("1215"));

    // The same at 100 PTU cancels 206,550 (12,150 + 8 x 24,300): refused
    // whole, so the year is billed in full and covers to its expiry.
    let e = estate(json!({"reservations": [
        refunded("r1", 100, "2027-01-10T00:00:00Z", "monthly", "2027-04-25T00:00:00Z")
    ]}));
    let list = refunds(&e, &PriceBook::empty(), &Options::default());
    assert_eq!(list[0].cancelled, d("206550"));
    assert!(list[0].refused);
    assert_eq!(list[0].excess(), d("156550"));
    let f = rate(
        &e,
        "2027-01-01T00:00:00Z",
        "2028-02-01T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(f.totals.refunds, Decimal::ZERO);
    assert_eq!(f.totals.reservation, d("291600"));
}

#[test]
fn a_second_refund_past_the_limit_is_refused_unless_azure_reported_it() {
    // r1 as above (10 PTU monthly, refunded 25 Apr): 20,655 cancelled.
    // r2: 20 PTU up front for a year from 10 Jan 2027 (58,320; 365 days),
    // refunded 10 Jun: 214 days left (10 Jun - 9 Jan), cancelling
    // 58,320 x 214/365 = 34,193.10; 29,345 left of the limit: refused.
    let r1 = refunded(
        "r1",
        10,
        "2027-01-10T00:00:00Z",
        "monthly",
        "2027-04-25T00:00:00Z",
    );
    let mut r2 = refunded(
        "r2",
        20,
        "2027-01-10T00:00:00Z",
        "upfront",
        "2027-06-10T00:00:00Z",
    );
    let e = estate(json!({"reservations": [r1.clone(), r2.clone()]}));
    let list = refunds(&e, &PriceBook::empty(), &Options::default());
    let cancelled = d("58320") * d("214") / d("365");
    assert_eq!(crate::domain::money::fmt_money(cancelled), "34193.10");
    assert_eq!(
        (list[1].term.as_str(), list[1].headroom),
        ("r2", d("29345"))
    );
    assert_eq!(list[1].cancelled, cancelled);
    assert!(list[1].refused && !list[0].refused);
    let f = rate(
        &e,
        "2027-01-01T00:00:00Z",
        "2028-02-01T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(f.totals.refunds, d("-1215"));
    assert_eq!(
        f.totals.reservation,
        d("2430") * d("4") - d("1215") + d("58320")
    );

    // Reported by Azure, the same refund happened: credited as recorded.
    r2["refunded_reported"] = json!(true);
    let e = estate(json!({"reservations": [r1, r2]}));
    let list = refunds(&e, &PriceBook::empty(), &Options::default());
    assert!(!list[1].refused);
    let f = rate(
        &e,
        "2027-01-01T00:00:00Z",
        "2028-02-01T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(f.totals.refunds, d("-1215") - cancelled);
}

#[test]
fn a_refund_cancelling_exactly_what_is_left_of_the_limit_is_granted() {
    // 100 PTU up front for a year at its own 500 a PTU-year, refunded at its
    // start: the whole 50,000 cancelled, exactly the limit: granted, the
    // 50,000 credited. At 500.0001 it cancels 50,000.01, a cent past the
    // limit: refused, no credit.
    let at = |price: &str| {
        let mut r = refunded(
            "r1",
            100,
            "2027-05-01T00:00:00Z",
            "upfront",
            "2027-05-01T00:00:00Z",
        );
        r["price"] = json!(price);
        estate(json!({"reservations": [r]}))
    };
    let book = PriceBook::empty();
    let opts = Options::default();
    let e = at("500");
    let list = refunds(&e, &book, &opts);
    assert_eq!(
        (list[0].cancelled, list[0].headroom, list[0].refused),
        (d("50000"), d("50000"), false)
    );
    assert_eq!(list[0].excess(), Decimal::ZERO);
    let f = rate(
        &e,
        "2027-05-01T00:00:00Z",
        "2027-06-01T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(f.totals.refunds, d("-50000"));

    let e = at("500.0001");
    let list = refunds(&e, &book, &opts);
    assert_eq!((list[0].cancelled, list[0].refused), (d("50000.01"), true));
    assert_eq!(list[0].excess(), d("0.01"));
    let f = rate(
        &e,
        "2027-05-01T00:00:00Z",
        "2027-06-01T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(f.totals.refunds, Decimal::ZERO);
}

#[test]
fn narrower_scopes_apply_first_and_usage_falls_through() {
    // rg-a reservation (bought later) applies before the subscription one; the
    // subscription reservation covers what the resource-group one leaves.
    let e = estate(json!({
        "deployments": [
            dep("d1", "aoai-a", REG, 150, "2026-12-01T00:00:00Z"),
            dep("d2", "aoai-b", REG, 100, "2026-12-01T00:00:00Z")
        ],
        "reservations": [
            res("r-sub", REG, 200, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M"),
            res("r-rg", REG, 100, json!({"type": "resource_group", "subscription": "sub-a", "resource_group": "rg-a"}),
                "2026-12-05T00:00:00Z", "P1M")
        ]
    }));
    let f = hour(&e);
    let used: Vec<(String, i64)> = f
        .instruments
        .iter()
        .map(|i| (i.id.clone(), ptu_h(i.used_ptu_minutes)))
        .collect();
    assert_eq!(
        used,
        vec![("r-sub".to_string(), 150), ("r-rg".to_string(), 100)]
    );
    assert_eq!(f.totals.hourly, Decimal::ZERO);
}

#[test]
fn first_come_first_served_within_a_scope_level() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-12-01T00:00:00Z")],
        "reservations": [
            res("late", REG, 100, sub("sub-a"), "2026-12-02T00:00:00Z", "P1M"),
            res("early", REG, 100, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M")
        ]
    }));
    let f = hour(&e);
    let late = f.instruments.iter().find(|i| i.id == "late").unwrap();
    let early = f.instruments.iter().find(|i| i.id == "early").unwrap();
    assert_eq!(ptu_h(early.used_ptu_minutes), 100);
    assert_eq!(late.used_ptu_minutes, 0);
    window(&f, WindowKind::Unused, "late");
}

#[test]
fn management_group_and_shared_scopes() {
    let e = estate(json!({
        "deployments": [
            dep("d1", "aoai-a", REG, 100, "2026-12-01T00:00:00Z"),
            dep("d2", "aoai-c", REG, 100, "2026-12-01T00:00:00Z")
        ],
        "reservations": [
            res("r-mg", REG, 100, json!({"type": "management_group", "management_group": "mg"}), "2026-12-01T00:00:00Z", "P1M"),
            res("r-shared", REG, 100, json!({"type": "shared", "billing_account": "ba"}), "2026-12-01T00:00:00Z", "P1M")
        ]
    }));
    let f = hour(&e);
    assert_eq!(ptu_h(f.totals.reservation_covered_ptu_minutes), 200);
    assert_eq!(f.totals.hourly, Decimal::ZERO);
}

#[test]
fn a_scope_change_takes_effect_at_the_next_hour() {
    let mut r = res("r1", REG, 100, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M");
    r["scope_changes"] = json!([{"at": "2026-12-10T10:20:00Z", "scope": sub("sub-b")}]);
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-c", REG, 100, "2026-12-01T00:00:00Z")],
        "reservations": [r]
    }));
    let f = rate(
        &e,
        "2026-12-10T10:00:00Z",
        "2026-12-10T12:00:00Z",
        Basis::Actual,
    );
    assert_eq!(ptu_h(f.totals.hourly_ptu_minutes), 100);
    assert_eq!(ptu_h(f.totals.reservation_covered_ptu_minutes), 100);
    let w = window(&f, WindowKind::Overage, "aoai-c");
    assert_eq!(w.end, t("2026-12-10T11:00:00Z"));
}

#[test]
fn reservation_autorenews_with_a_new_term_id_and_replace_changes_it() {
    let mut r = res("r1", REG, 100, sub("sub-a"), "2026-11-20T08:00:00Z", "P1M");
    r["renewal"] = json!({"mode": "replace", "ptu": 150, "term": "P1Y", "billing": "monthly"});
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 150, "2026-11-01T00:00:00Z")],
        "reservations": [r]
    }));
    let f = rate(
        &e,
        "2026-12-20T00:00:00Z",
        "2026-12-21T00:00:00Z",
        Basis::Actual,
    );
    let ids: Vec<&str> = f.instruments.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, vec!["r1", "r1/r1"]);
    // The replacement's first monthly twelfth is billed at the expiry instant.
    assert_eq!(f.totals.reservation, d("2916") * d("150") / d("12"));
    // Before 08:00 the old 100 PTU cover, then the new 150.
    assert_eq!(ptu_h(f.totals.hourly_ptu_minutes), 50 * 8);
}

#[test]
fn double_billing_while_a_commitment_still_covers_the_reservations_deployments() {
    // Migration with overlap: the commitment expires 10 Dec, the reservation is bought 5 Dec.
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 400, "2026-11-01T00:00:00Z")],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-10T00:00:00Z", "ptu": 400,
                         "additions": [], "renewal": {"mode": "none"}}],
        "reservations": [res("r1", REG, 400, sub("sub-a"), "2026-12-05T00:00:00Z", "P1Y")]
    }));
    let f = rate(
        &e,
        "2026-12-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        Basis::Actual,
    );
    let w = window(&f, WindowKind::DoubleBilling, "r1");
    assert_eq!(
        (w.start, w.end),
        (t("2026-12-05T00:00:00Z"), t("2026-12-10T00:00:00Z"))
    );
    assert_eq!(ptu_h(w.ptu_minutes), 400 * 24 * 5);
    // Five days of the first period (5 Dec - 4 Jan, 31 days) of a twelfth of the year.
    let expected = d("2916") * d("400") / d("12") * d("5") / d("31");
    assert!(
        (w.cost - expected).abs() < d("0.00001"),
        "{} vs {}",
        w.cost,
        expected
    );
    assert!(f.windows.iter().all(|w| w.kind != WindowKind::Overage));
    assert_eq!(ptu_h(f.totals.unused_reservation_ptu_minutes), 400 * 24 * 5);
}

#[test]
fn a_gap_after_expiry_is_an_overage_window() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 400, "2026-11-01T00:00:00Z")],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-10T00:00:00Z", "ptu": 400,
                         "additions": [], "renewal": {"mode": "none"}}],
        "reservations": [res("r1", REG, 400, sub("sub-a"), "2026-12-12T06:00:00Z", "P1M")]
    }));
    let f = rate(
        &e,
        "2026-12-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        Basis::Actual,
    );
    let w = window(&f, WindowKind::Overage, "aoai-a");
    assert_eq!(
        (w.start, w.end),
        (t("2026-12-10T00:00:00Z"), t("2026-12-12T06:00:00Z"))
    );
    assert_eq!(w.cost, d("2") * d("400") * d("54"));
}

/// docs/forecast.md#windows: an overage's explanation names its cause, the commitment
/// that expired or the reservation that ended, also when that happened
/// before the window began (and the instrument charges nothing in it).
#[test]
fn an_overage_names_the_instrument_that_ended_before_the_window() {
    let e = estate(json!({
        "deployments": [
            dep("d1", "aoai-a", REG, 400, "2026-11-01T00:00:00Z"),
            dep("d2", "aoai-c", REG, 100, "2026-11-01T00:00:00Z"),
            dep("d3", "aoai-b", REG, 100, "2026-11-01T00:00:00Z")
        ],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-10T09:00:00Z", "ptu": 400,
                         "additions": [], "renewal": {"mode": "none"}}],
        "reservations": [
            res("r-old", REG, 100, sub("sub-b"), "2026-10-01T08:00:00Z", "P1M"),
            res("r-older", REG, 100, sub("sub-b"), "2026-09-01T08:00:00Z", "P1M"),
            {"id": "r-back", "name": "r-back", "region": "eastus2", "sku": REG, "ptu": 100,
             "term": "P1M", "billing": "upfront", "start": "2026-11-01T00:00:00Z",
             "scope": {"type": "resource_group", "subscription": "sub-a", "resource_group": "rg-b"},
             "scope_changes": [], "renewal": {"mode": "autorenew"},
             "refunded_at": "2026-11-15T00:00:00Z"}
        ]
    }));
    // The commitment expired on 10 December at 09:00, the reservations on
    // 1 November and 1 October, the refund on 15 November: all before the
    // window, and none of them charges anything in it on either basis.
    for basis in [Basis::Actual, Basis::Amortized] {
        let f = rate(&e, "2026-12-11T00:00:00Z", "2026-12-12T00:00:00Z", basis);
        assert!(f.instruments.is_empty(), "{:?}", f.instruments);
        let w = window(&f, WindowKind::Overage, "aoai-a");
        assert_eq!(
            w.explanation,
            "Regional: commitment cp expired at 2026-12-10T09:00:00Z; no Regional reservation in eastus2 covers sub-a"
        );
        // The latest of the two reservations that covered sub-b.
        let w = window(&f, WindowKind::Overage, "aoai-c");
        assert_eq!(
            w.explanation,
            "Regional: reservation r-old expired at 2026-11-01T08:00:00Z"
        );
        let w = window(&f, WindowKind::Overage, "aoai-b");
        assert_eq!(
            w.explanation,
            "Regional: reservation r-back was refunded at 2026-11-15T00:00:00Z"
        );
    }
}

#[test]
fn global_and_data_zone_deployments_on_a_committed_resource_are_not_committed() {
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", GLO, 100, "2026-12-01T00:00:00Z")],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-01T00:00:00Z", "ptu": 100,
                         "additions": [], "renewal": {"mode": "autorenew"}}]
    }));
    let f = hour(&e);
    assert_eq!(f.totals.commitment_covered_ptu_minutes, 0);
    assert_eq!(f.totals.hourly, d("100"));
    window(&f, WindowKind::Unused, "cp");
}

#[test]
fn deployments_bill_until_their_resource_is_purged() {
    let mut e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-12-01T00:00:00Z")]
    }));
    e.resources[0].deleted = Some(t("2026-12-10T00:00:00Z"));
    e.resources[0].purged = Some(t("2026-12-12T00:00:00Z"));
    let f = rate(
        &e,
        "2026-12-09T00:00:00Z",
        "2026-12-14T00:00:00Z",
        Basis::Actual,
    );
    assert_eq!(ptu_h(f.totals.deployed_ptu_minutes), 100 * 24 * 3);
}

#[test]
fn managed_compute_bills_vm_and_gpu_surcharge_per_minute() {
    let e = estate(json!({
        "managed_compute": [{"id": "cohere", "subscription": "sub-b", "region": "eastus2",
            "vm_sku": "Standard_NC24ads_A100_v4", "instances": 2, "gpus_per_instance": 1,
            "vm_hourly": "3.67", "surcharge_gpu_hourly": "1.50",
            "start": "2026-12-10T10:00:00Z", "end": "2026-12-10T11:30:20Z"}]
    }));
    let f = rate(
        &e,
        "2026-12-10T00:00:00Z",
        "2026-12-11T00:00:00Z",
        Basis::Actual,
    );
    // (3.67 + 1.50) x 2 = 10.34 an hour, for 91 started minutes.
    assert_eq!(f.totals.managed_compute, d("10.34") * d("91") / d("60"));
}

/// One hour of 10 December 2026, in an estate with a price taken away.
fn unpriced_hour() -> Request {
    Request {
        from: t("2026-12-10T10:00:00Z"),
        to: t("2026-12-10T11:00:00Z"),
        basis: Basis::Actual,
        by: Bucket::Day,
    }
}

#[test]
fn every_missing_commitment_and_reservation_price_is_named_at_once() {
    let mut e = estate(json!({
        "deployments": [dep("d1", "aoai-c", REG, 100, "2026-12-01T00:00:00Z")],
        "commitments": [
            {"id": "cp1", "resource": "aoai-c", "start": "2026-12-01T00:00:00Z", "ptu": 50,
             "additions": [], "renewal": {"mode": "autorenew"}},
            {"id": "cp2", "resource": "aoai-a", "start": "2026-12-01T00:00:00Z", "ptu": 50,
             "additions": [], "renewal": {"mode": "autorenew"}}
        ]
    }));
    e.prices[0].commitment_month = None;
    let req = unpriced_hour();
    let err = forecast(&e, &PriceBook::empty(), &req, &Options::default()).unwrap_err();
    let RatingError::MissingPrices(m) = &err else {
        panic!("{err:?}")
    };
    let items: Vec<&str> = m.iter().map(|m| m.item.as_str()).collect();
    assert_eq!(items, ["commitment cp1", "commitment cp2"]);
    let text = err.to_string();
    assert!(
        text.starts_with("2 rated items need prices neither the snapshot nor the price book has: commitment cp1 needs a commitment_month price for eastus2 ProvisionedManaged; commitment cp2 needs"),
        "{text}"
    );
    // One row for the one price both need.
    assert!(
        text.contains(r#"save {"schema":"ptudesk.snapshot/1","currency":"USD","prices":[{"region":"eastus2","sku":"ProvisionedManaged","commitment_month":"PRICE"}]} as price.json"#),
        "{text}"
    );
    let slow =
        super::reference::forecast(&e, &PriceBook::empty(), &req, &Options::default()).unwrap_err();
    assert_eq!(slow, err);
}

#[test]
fn a_snapshot_of_prices_has_a_row_per_region_and_sku() {
    use crate::domain::prices::snapshot_of_prices;
    let s = snapshot_of_prices(&[
        ("eastus", Sku::Regional, PriceKind::CommitmentMonth),
        ("westus3", Sku::Global, PriceKind::ReservationYear),
        ("eastus", Sku::Regional, PriceKind::ReservationMonth),
        ("eastus", Sku::Regional, PriceKind::CommitmentMonth),
    ]);
    assert_eq!(
        s,
        r#"{"schema":"ptudesk.snapshot/1","currency":"USD","prices":[{"region":"eastus","sku":"ProvisionedManaged","commitment_month":"PRICE","reservation_month":"PRICE"},{"region":"westus3","sku":"GlobalProvisionedManaged","reservation_year":"PRICE"}]}"#
    );
    let parsed: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(parsed["prices"].as_array().unwrap().len(), 2);
}

#[test]
fn a_missing_price_names_the_item() {
    let mut e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 100, "2026-12-01T00:00:00Z")],
        "commitments": [{"id": "cp", "resource": "aoai-c", "start": "2026-12-01T00:00:00Z", "ptu": 100,
                         "additions": [], "renewal": {"mode": "autorenew"}}]
    }));
    e.prices[0].commitment_month = None;
    let req = unpriced_hour();
    let err = forecast(&e, &PriceBook::empty(), &req, &Options::default()).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "commitment cp needs a commitment_month price for eastus2 ProvisionedManaged"
        ),
        "{err}"
    );
    e.prices.clear();
    e.commitments.clear();
    let err = forecast(&e, &PriceBook::empty(), &req, &Options::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("deployments on aoai-a paying the hourly rate needs a hourly price"),
        "{err}"
    );
    // The default book has list prices; the forecast says it rests on unverified ones.
    let f = forecast(&e, &PriceBook::default_book(), &req, &Options::default()).unwrap();
    assert_eq!(f.totals.hourly, d("200"));
    assert_eq!(f.unverified_prices.len(), 1);
}

#[test]
fn windows_must_be_whole_hours_in_order() {
    let e = estate(json!({}));
    for (from, to) in [
        ("2026-12-10T10:30:00Z", "2026-12-10T11:00:00Z"),
        ("2026-12-10T11:00:00Z", "2026-12-10T10:00:00Z"),
    ] {
        let req = Request {
            from: t(from),
            to: t(to),
            basis: Basis::Actual,
            by: Bucket::Day,
        };
        assert!(matches!(
            forecast(&e, &PriceBook::empty(), &req, &Options::default()),
            Err(RatingError::BadWindow(_))
        ));
    }
}

#[test]
fn per_deployment_shares_follow_their_pools_and_add_up() {
    // Two deployments of 150 and 100 PTU on one resource against 200 reserved:
    // 50 PTU pay hourly, shared 30/20; the 200 covered shared 120/80.
    let e = estate(json!({
        "deployments": [
            dep("d1", "aoai-a", REG, 150, "2026-12-01T00:00:00Z"),
            dep("d2", "aoai-a", REG, 100, "2026-12-01T00:00:00Z")
        ],
        "reservations": [res("r1", REG, 200, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M")]
    }));
    let req = Request {
        from: t("2026-12-10T10:00:00Z"),
        to: t("2026-12-10T11:00:00Z"),
        basis: Basis::Actual,
        by: Bucket::Day,
    };
    let det = forecast_detailed(&e, &PriceBook::empty(), &req, &Options::default()).unwrap();
    let d1 = &det.deployments[0];
    assert_eq!(d1.id, "d1");
    assert_eq!(d1.hourly_ptu_minutes, d("1800"));
    assert_eq!(d1.hourly_cost, d("60"));
    assert_eq!(d1.covered[0].instrument, "r1");
    assert_eq!(d1.covered[0].ptu_minutes, d("7200"));
    assert_eq!(det.deployments[1].hourly_cost, d("40"));

    for (name, e, from, to) in [
        (
            "demo",
            crate::demo::estate(t("2026-11-22")),
            "2026-11-01T00:00:00Z",
            "2026-12-01T00:00:00Z",
        ),
        (
            "generated",
            crate::generate::generate(200, 4, t("2027-01-01")),
            "2027-01-01T00:00:00Z",
            "2027-02-01T00:00:00Z",
        ),
    ] {
        let req = Request {
            from: t(from),
            to: t(to),
            basis: Basis::Actual,
            by: Bucket::Month,
        };
        let dt =
            forecast_detailed(&e, &PriceBook::default_book(), &req, &Options::default()).unwrap();
        let f = &dt.forecast;
        assert_eq!(
            f,
            &forecast(&e, &PriceBook::default_book(), &req, &Options::default()).unwrap(),
            "{name}: detail changes nothing"
        );
        let deployed: i64 = dt.deployments.iter().map(|u| u.deployed_ptu_minutes).sum();
        assert_eq!(deployed, f.totals.deployed_ptu_minutes, "{name}");
        let hourly: Decimal = dt.deployments.iter().map(|u| u.hourly_ptu_minutes).sum();
        assert!(
            (hourly - Decimal::from(f.totals.hourly_ptu_minutes)).abs() < d("0.000001"),
            "{name}: {hourly}"
        );
        let cost: Decimal = dt.deployments.iter().map(|u| u.hourly_cost).sum();
        assert!(
            (cost - f.totals.hourly).abs() < d("0.000001"),
            "{name}: {cost} vs {}",
            f.totals.hourly
        );
        for inst in &f.instruments {
            let covered: Decimal = dt
                .deployments
                .iter()
                .flat_map(|u| u.covered.iter())
                .filter(|c| c.instrument == inst.id)
                .map(|c| c.ptu_minutes)
                .sum();
            assert!(
                (covered - Decimal::from(inst.used_ptu_minutes)).abs() < d("0.000001"),
                "{name} {}",
                inst.id
            );
        }
    }
}

/// A window's per-deployment figures are the sums of its hours' figures,
/// each hour rated alone: also where two deployments of one pool trade
/// sizes at a minute inside an hour (the pool's sum stays the same, their
/// shares change), around a mid-hour resize in another pool sharing the
/// reservation, and with a commitment beside it.
#[test]
fn per_deployment_shares_of_a_window_are_the_sums_of_its_hours() {
    let sizes = |a: i64, b: i64| json!([{"at": "2026-12-10T00:00:00Z", "ptu": a}, {"at": "2026-12-10T05:20:00Z", "ptu": b}]);
    let mut d1 = dep("d1", "aoai-a", REG, 0, "2026-12-10T00:00:00Z");
    d1["sizes"] = sizes(100, 50);
    let mut d2 = dep("d2", "aoai-a", REG, 0, "2026-12-10T00:00:00Z");
    d2["sizes"] = sizes(50, 100);
    let mut d3 = dep("d3", "aoai-b", REG, 0, "2026-12-10T00:00:00Z");
    d3["sizes"] = json!([{"at": "2026-12-10T00:00:00Z", "ptu": 100},
                         {"at": "2026-12-10T07:37:30Z", "ptu": 200}]);
    let e = estate(json!({
        "deployments": [d1, d2, d3, dep("d4", "aoai-b", REG, 50, "2026-12-10T02:00:00Z")],
        "commitments": [{"id": "cp-b", "resource": "aoai-b", "start": "2026-12-01T00:00:00Z", "ptu": 50,
                         "additions": [], "renewal": {"mode": "none"}}],
        "reservations": [res("r1", REG, 120, sub("sub-a"), "2026-12-01T00:00:00Z", "P1M")]
    }));
    let rate = |from: Time, to: Time| {
        let req = Request {
            from,
            to,
            basis: Basis::Actual,
            by: Bucket::Day,
        };
        forecast_detailed(&e, &PriceBook::empty(), &req, &Options::default()).unwrap()
    };
    let from = t("2026-12-10T00:00:00Z");
    let window = rate(from, from + chrono::Duration::hours(10));
    let hours: Vec<Detailed> = (0..10)
        .map(|h| {
            let a = from + chrono::Duration::hours(h);
            rate(a, a + chrono::Duration::hours(1))
        })
        .collect();
    let close = |what: String, x: Decimal, y: Decimal| {
        assert!((x - y).abs() < d("0.000000000001"), "{what}: {x} vs {y}");
    };
    assert_eq!(window.deployments.len(), 4);
    for u in &window.deployments {
        let of_hours: Vec<&engine::DeploymentUse> = hours
            .iter()
            .flat_map(|h| h.deployments.iter().filter(|x| x.id == u.id))
            .collect();
        let deployed: i64 = of_hours.iter().map(|x| x.deployed_ptu_minutes).sum();
        assert_eq!(u.deployed_ptu_minutes, deployed, "{}", u.id);
        let hourly: Decimal = of_hours.iter().map(|x| x.hourly_ptu_minutes).sum();
        close(format!("{} hourly", u.id), u.hourly_ptu_minutes, hourly);
        let cost: Decimal = of_hours.iter().map(|x| x.hourly_cost).sum();
        close(format!("{} cost", u.id), u.hourly_cost, cost);
        for c in &u.covered {
            let (m, k): (Decimal, Decimal) = of_hours
                .iter()
                .flat_map(|x| x.covered.iter().filter(|y| y.instrument == c.instrument))
                .fold((Decimal::ZERO, Decimal::ZERO), |s, y| {
                    (s.0 + y.ptu_minutes, s.1 + y.cost)
                });
            close(
                format!("{} {} PTU-minutes", u.id, c.instrument),
                c.ptu_minutes,
                m,
            );
            close(format!("{} {} cost", u.id, c.instrument), c.cost, k);
        }
    }
    // The trade shows: d1 100 PTU for 320 minutes, then 50 for 280; d2 the
    // other way round.
    let of = |id: &str| window.deployments.iter().find(|u| u.id == id).unwrap();
    assert_eq!(of("d1").deployed_ptu_minutes, 320 * 100 + 280 * 50);
    assert_eq!(of("d2").deployed_ptu_minutes, 320 * 50 + 280 * 100);
}

/// A split moves PTUs: with a deployment using them, the split estate
/// costs what the unsplit one does (upfront and monthly), in both engines,
/// with no refund; the parts cover from the split, the source until it.
#[test]
fn a_split_reservation_costs_what_the_whole_one_did() {
    for billing in ["upfront", "monthly"] {
        let mut whole = res("r", REG, 100, sub("sub-a"), "2026-10-01T00:00:00Z", "P1Y");
        whole["billing"] = json!(billing);
        let mut source = whole.clone();
        source["moved_at"] = json!("2026-12-10T14:00:00Z");
        let part = |id: &str, ptu: i64| {
            let mut p = whole.clone();
            p["id"] = json!(id);
            p["ptu"] = json!(ptu);
            p["effective_from"] = json!("2026-12-10T14:00:00Z");
            p
        };
        let deps = json!([dep("d", "aoai-a", REG, 100, "2026-09-01T00:00:00Z")]);
        let a = estate(json!({"deployments": deps, "reservations": [whole]}));
        let b = estate(json!({"deployments": deps,
            "reservations": [source, part("r-60", 60), part("r-40", 40)]}));
        let req = Request {
            from: t("2026-10-01T00:00:00Z"),
            to: t("2027-03-01T00:00:00Z"),
            basis: Basis::Amortized,
            by: Bucket::Month,
        };
        for basis in [Basis::Actual, Basis::Amortized] {
            let req = Request {
                basis,
                ..req.clone()
            };
            let fa = forecast(&a, &PriceBook::empty(), &req, &Options::default()).unwrap();
            let fb = forecast(&b, &PriceBook::empty(), &req, &Options::default()).unwrap();
            let slow =
                super::reference::forecast(&b, &PriceBook::empty(), &req, &Options::default())
                    .unwrap();
            assert_eq!(fb.totals, slow.totals, "{billing} {basis:?}");
            assert_eq!(fa.totals.total(), fb.totals.total(), "{billing} {basis:?}");
            assert_eq!(fb.totals.refunds, Decimal::ZERO);
            assert_eq!(fb.totals.hourly, Decimal::ZERO, "{billing} {basis:?}");
            for (p, a) in fa.periods.iter().zip(&fb.periods) {
                assert_eq!(p.total(), a.total(), "{billing} {basis:?} {}", p.start);
            }
        }
    }
}

/// The per-bucket hourly-rate usage from one rating of a window is each
/// bucket rated on its own (days and months, spread and concentrated
/// estates, odd-minute resizes inside buckets), and a window's instrument
/// periods come the same with or without the per-deployment split.
#[test]
fn usage_by_bucket_is_each_bucket_rated_on_its_own() {
    use crate::generate::{Profile, generate_profile};
    let book = PriceBook::default_book();
    let opts = Options::default();
    for (profile, from, to, by) in [
        (
            Profile::Spread,
            "2026-12-28T00:00:00Z",
            "2027-01-04T05:00:00Z",
            Bucket::Day,
        ),
        (
            Profile::Concentrated,
            "2026-12-20T00:00:00Z",
            "2027-01-02T00:00:00Z",
            Bucket::Day,
        ),
        (
            Profile::Concentrated,
            "2026-11-15T00:00:00Z",
            "2027-02-01T00:00:00Z",
            Bucket::Month,
        ),
    ] {
        let e = generate_profile(300, 11, t("2027-01-01"), profile);
        let req = Request {
            from: t(from),
            to: t(to),
            basis: Basis::Amortized,
            by,
        };
        let (hourly, managed) = usage_by_bucket(&e, &book, &req, &opts).unwrap();
        let mut want_hourly = Vec::new();
        let mut want_managed = Vec::new();
        for (a, b) in buckets(&req) {
            let part = Request {
                from: engine::hour_time(a),
                to: engine::hour_time(b),
                ..req.clone()
            };
            let alone = forecast_detailed(&e, &book, &part, &opts).unwrap();
            for u in alone.deployments {
                if u.hourly_cost != Decimal::ZERO || u.hourly_ptu_minutes != Decimal::ZERO {
                    want_hourly.push(OnDemandUse {
                        deployment: u.index,
                        start: part.from,
                        end: part.to,
                        ptu_minutes: u.hourly_ptu_minutes,
                        cost: u.hourly_cost,
                    });
                }
            }
            want_managed.extend(usage_by_bucket(&e, &book, &part, &opts).unwrap().1);
        }
        assert!(hourly.len() > 10, "{profile:?}: {} rows", hourly.len());
        // The same rows; the figures the same but for the last of the 28
        // digits of a deployment's share of its pool, which one rating of
        // the window may add up over other runs of hours (a component of
        // the window can be larger than the same pools' in one bucket).
        assert_eq!(hourly.len(), want_hourly.len(), "{profile:?} {by:?}");
        let tiny = Decimal::new(1, 20);
        for (got, want) in hourly.iter().zip(&want_hourly) {
            assert_eq!(
                (got.deployment, got.start, got.end),
                (want.deployment, want.start, want.end),
                "{profile:?} {by:?}"
            );
            assert!(
                (got.ptu_minutes - want.ptu_minutes).abs() < tiny
                    && (got.cost - want.cost).abs() < tiny,
                "{profile:?} {by:?}: {got:?} vs {want:?}"
            );
        }
        assert_eq!(managed, want_managed, "{profile:?} {by:?}");

        let with = forecast_detailed(&e, &book, &req, &opts).unwrap();
        let without = forecast_periods(&e, &book, &req, &opts).unwrap();
        assert_eq!(with.forecast, without.forecast);
        assert_eq!(with.periods, without.periods);
        assert_eq!(with.bills, without.bills);
        assert!(without.deployments.is_empty() && !with.deployments.is_empty());
        let export = forecast_export(&e, &book, &req, &opts).unwrap();
        assert_eq!(export.forecast, with.forecast);
        assert_eq!(export.periods, with.periods);
        assert_eq!(export.bills, with.bills);
        assert_eq!((export.hourly, export.managed), (hourly, managed));
        // Without the split by bucket, the hourly usage adds up to the totals.
        let minutes: Decimal = export_minutes(&e, &book, &req, &opts);
        assert!(
            (minutes - Decimal::from(with.forecast.totals.hourly_ptu_minutes)).abs()
                < Decimal::new(1, 12)
        );
    }
}

fn export_minutes(e: &Estate, book: &PriceBook, req: &Request, opts: &Options) -> Decimal {
    usage_by_bucket(e, book, req, opts)
        .unwrap()
        .0
        .iter()
        .map(|u| u.ptu_minutes)
        .sum()
}

#[test]
fn the_next_30_days_are_720_whole_hours_from_the_current_hour() {
    assert_eq!(
        coverage::next_30_days(t("2027-01-10T09:40:12Z")),
        (t("2027-01-10T09:00:00Z"), t("2027-02-09T09:00:00Z"))
    );
}

#[test]
fn what_covers_a_deployment_half_covered_by_a_reservation() {
    // d1: 200 Regional PTU in sub-a; the reservation: 100 PTU on sub-a.
    // Over one day: 200 x 1,440 = 288,000 PTU-minutes deployed, 144,000
    // covered, the reservation's 144,000 of capacity all used.
    let e = estate(json!({
        "deployments": [dep("d1", "aoai-a", REG, 200, "2027-01-01T00:00:00Z")],
        "reservations": [res("res", REG, 100, sub("sub-a"), "2027-01-01T00:00:00Z", "P1M")]
    }));
    let (from, to) = (t("2027-01-02T00:00:00Z"), t("2027-01-03T00:00:00Z"));
    let c =
        coverage::deployment_coverage(&e, &PriceBook::empty(), &Options::default(), "d1", from, to)
            .unwrap()
            .expect("d1 is in the estate");
    assert_eq!(
        c,
        coverage::Covers {
            from,
            to,
            covered_ptu_minutes: 144_000,
            deployed_ptu_minutes: 288_000,
            capacity_ptu_minutes: 144_000,
            used_ptu_minutes: 144_000,
            instruments: vec!["res".into()],
        }
    );
    let none =
        coverage::deployment_coverage(&e, &PriceBook::empty(), &Options::default(), "d9", from, to)
            .unwrap();
    assert_eq!(none, None);
}

/// A window's usage line by line, as the FOCUS export reads it: each
/// deployment's hourly-rate use and each managed-compute deployment's
/// uptime per day. A deployment paying the hourly rate at a price of zero
/// still has its use (PTU-minutes at no cost).
#[test]
fn usage_by_bucket_lists_hourly_use_and_managed_uptime_per_day() {
    let e = estate(json!({
        "prices": [
            {"region": "eastus2", "sku": "ProvisionedManaged", "hourly": "2.00",
             "reservation_month": "286", "reservation_year": "2916"},
            {"region": "eastus2", "sku": "GlobalProvisionedManaged", "hourly": "0.00",
             "reservation_month": "260", "reservation_year": "2652"}
        ],
        "deployments": [
            dep("reg", "aoai-a", REG, 100, "2026-12-10T00:00:00Z"),
            dep("free", "aoai-b", "GlobalProvisionedManaged", 50, "2026-12-11T00:00:00Z")
        ],
        "managed_compute": [{"id": "cohere", "subscription": "sub-b", "region": "eastus2",
            "vm_sku": "Standard_NC24ads_A100_v4", "instances": 2, "gpus_per_instance": 1,
            "vm_hourly": "3.67", "surcharge_gpu_hourly": "1.50",
            "start": "2026-12-10T10:00:00Z", "end": "2026-12-10T11:30:20Z"}]
    }));
    let req = Request {
        from: t("2026-12-10T00:00:00Z"),
        to: t("2026-12-12T00:00:00Z"),
        basis: Basis::Actual,
        by: Bucket::Day,
    };
    let (hourly, managed) =
        usage_by_bucket(&e, &PriceBook::empty(), &req, &Options::default()).unwrap();
    let mut lines: Vec<(String, Time, Decimal, Decimal)> = hourly
        .iter()
        .map(|u| {
            (
                e.deployments[u.deployment].id.clone(),
                u.start,
                u.ptu_minutes,
                u.cost,
            )
        })
        .collect();
    lines.sort();
    // 100 PTU x 1,440 minutes a day at $2 an hour: 144,000 PTU-minutes,
    // $4,800 a day; 50 PTU Global from the 11th at $0: 72,000, $0.
    assert_eq!(
        lines,
        vec![
            (
                "free".to_string(),
                t("2026-12-11T00:00:00Z"),
                d("72000"),
                d("0")
            ),
            (
                "reg".to_string(),
                t("2026-12-10T00:00:00Z"),
                d("144000"),
                d("4800")
            ),
            (
                "reg".to_string(),
                t("2026-12-11T00:00:00Z"),
                d("144000"),
                d("4800")
            ),
        ]
    );
    // Up 10:00 to 11:30:20 on the 10th: 91 started minutes at
    // (3.67 + 1.50) x 2 = $10.34 an hour; nothing on the 11th.
    assert_eq!(
        managed,
        vec![ManagedComputeUse {
            item: 0,
            start: t("2026-12-10T00:00:00Z"),
            end: t("2026-12-11T00:00:00Z"),
            minutes: 91,
            cost: d("10.34") * d("91") / d("60"),
        }]
    );
}

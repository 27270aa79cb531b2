//! The practitioner suite for `check` and `fix`: small estates where the
//! right move is known, each with its story, the remedy a FinOps
//! practitioner would take and its figures worked out by hand, run through
//! the library and the real binary.
//!
//! Prices used throughout (eastus2, per PTU): Regional hourly $2.00, a
//! one-month reservation $1,000, a one-year reservation $11,000, a
//! one-month commitment $1,100; Global hourly $1.00, one month $500, one
//! year $5,500. So a Regional reservation pays off above 1,000 / (730 x
//! 2.00) = 68.5% of the hours (one month) and a one-year term when kept 11
//! months (11,000 / 1,000).

use ptudesk::domain::Estate;
use ptudesk::domain::prices::PriceBook;
use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::planner::remedies::{self, Lifetime, Pricer, RemedyKind};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

const REG: &str = "ProvisionedManaged";

fn estate(parts: Value) -> Estate {
    let mut base = json!({
        "schema": "ptudesk.snapshot/1",
        "currency": "USD",
        "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a", "sub-b"]}],
        "prices": [
            {"region": "eastus2", "sku": "ProvisionedManaged", "hourly": "2.00",
             "reservation_month": "1000", "reservation_year": "11000", "commitment_month": "1100"},
            {"region": "eastus2", "sku": "GlobalProvisionedManaged", "hourly": "1.00",
             "reservation_month": "500", "reservation_year": "5500"},
            {"region": "eastus2", "sku": "DataZoneProvisionedManaged", "hourly": "1.00",
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
    ptudesk::ingest::snapshot::parse("test.json", base.to_string().as_bytes()).unwrap()
}

fn dep(id: &str, res: &str, sku: &str, ptu: i64, at: &str, deleted: Option<&str>) -> Value {
    json!({"id": id, "resource": res, "model": "gpt-4o", "version": "2024-08-06", "sku": sku,
           "sizes": [{"at": at, "ptu": ptu}], "deleted": deleted})
}

fn pricer<'a>(e: &Estate, book: &'a PriceBook, now: &str, days: i64) -> Pricer<'a> {
    let regions: BTreeSet<String> = e.resources.iter().map(|r| r.region.clone()).collect();
    Pricer::new(
        e,
        &regions,
        book,
        &ptudesk::rating::Options::default(),
        t(now),
        chrono::Duration::days(days),
    )
}

// 200 PTU of Regional deployed since December with no discount at all, no
// deletion planned: buy a one-year reservation of 200 PTU now.
#[test]
fn steady_hourly_buys_a_one_year_reservation_sized_to_it() {
    let e = estate(
        json!({"deployments": [dep("chat", "aoai-a", REG, 200, "2026-12-01T00:00:00Z", None)]}),
    );
    let book = PriceBook::empty();
    let p = pricer(&e, &book, "2027-01-01T00:00:00Z", 30);
    let (list, life) = remedies::for_hourly(&p, &["aoai-a".to_string()], None).unwrap();
    assert_eq!(life, Lifetime::OpenEnded { assumed_months: 12 });
    let first = &list[0];
    assert_eq!(first.kind, RemedyKind::BuyReservation, "{list:#?}");
    assert!(first.safe);
    assert_eq!(first.objects().len(), 1);
    assert!(
        first
            .summary
            .contains("one-year Regional reservation of 200 PTU"),
        "{}",
        first.summary
    );
    // Over the lifetime (2027): hourly 200 PTU x $2.00 x 8,760 h = $3,504,000;
    // the reservation 200 x $11,000 = $2,200,000: saves $1,304,000.
    assert_eq!(first.saving_lifetime, d("1304000"));
    // Over 30 days: hourly 200 x 2.00 x 720 h = $288,000; the reservation's
    // first monthly period (31 January days) 200 x 11,000 / 12 = $183,333.33...
    // of which 30 days: x 30/31 = $177,419.35; saves $110,580.65.
    assert_eq!(first.saving_horizon.round_dp(2), d("110580.65"));
    // A day: 177,419.35 / 30 = $5,913.98.
    assert_eq!(first.cost_per_day.round_dp(2), d("5913.98"));
    // After the 30 days it still owes the other 11 twelfths plus the last
    // January day: 2,200,000 - 177,419.35 = $2,022,580.65.
    assert_eq!(first.committed_after_horizon.round_dp(2), d("2022580.65"));
    // The unsafe ones come after: resize is not possible (it would go to 0), delete is.
    let kinds: Vec<RemedyKind> = list.iter().map(|r| r.kind).collect();
    assert!(kinds.contains(&RemedyKind::Delete), "{kinds:?}");
    assert!(list.iter().skip_while(|r| r.safe).all(|r| !r.safe));
}

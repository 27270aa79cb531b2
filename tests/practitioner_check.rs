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

mod common;

use ptudesk::alerts::evaluate;
use ptudesk::domain::Estate;
use ptudesk::domain::notice::{Notification, Severity};
use ptudesk::domain::plan::{Lifetime, RemedyKind};
use ptudesk::domain::prices::PriceBook;
use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::planner::remedies::{self, Pricer};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

const REG: &str = "ProvisionedManaged";

fn estate(parts: Value) -> Estate {
    ptudesk::ingest::snapshot::parse("test.json", snapshot(parts).to_string().as_bytes()).unwrap()
}

fn snapshot(parts: Value) -> Value {
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
    base
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

const NOW: &str = "2027-01-01T00:00:00Z";
const GLO: &str = "GlobalProvisionedManaged";

fn check_at(parts: &Value, now: &str) -> Vec<Notification> {
    evaluate(
        &estate(parts.clone()),
        &PriceBook::default_book(),
        &Default::default(),
        Default::default(),
        t(now),
        chrono::Duration::days(30),
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

fn res(id: &str, sku: &str, ptu: i64, start: &str, term: &str, mode: &str, scope: Value) -> Value {
    json!({"id": id, "name": id, "region": "eastus2", "sku": sku, "ptu": ptu, "term": term,
           "billing": "upfront", "start": start, "scope": scope, "scope_changes": [],
           "renewal": {"mode": mode}, "refunded_at": null})
}

fn sub(s: &str) -> Value {
    json!({"type": "subscription", "subscription": s})
}

fn run(dir: &Path, args: &[&str]) -> Output {
    common::ptudesk()
        .args(args)
        .env("PTUDESK_DB", dir.join("s.db"))
        .env("PTUDESK_CONFIG", dir.join("c.toml"))
        .output()
        .unwrap()
}

/// The same estate through the real binary: `check --format json` on the
/// snapshot file.
fn bin_check(dir: &Path, parts: &Value, now: &str) -> Vec<Value> {
    let file = dir.join("estate.json");
    std::fs::write(&file, snapshot(parts.clone()).to_string()).unwrap();
    let o = run(
        dir,
        &[
            "check",
            "--scenario",
            file.to_str().unwrap(),
            "--now",
            now,
            "--format",
            "json",
        ],
    );
    assert!(
        o.status.code().unwrap() < 3,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The binary's notification agrees with the library's: id, kind, figures
/// and the remedies in order.
fn same(lib: &Notification, bin: &[Value]) -> Value {
    let b = bin
        .iter()
        .find(|x| x["id"] == lib.id.as_str())
        .unwrap_or_else(|| panic!("{} not in {bin:#?}", lib.id))
        .clone();
    assert_eq!(b["kind"], lib.kind);
    assert_eq!(b["action"], lib.action.as_str());
    assert_eq!(
        b["cost_per_day"],
        format!("{:.2}", lib.cost_per_day.round_dp(2))
    );
    let kinds: Vec<&str> = b["remedies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    let lib_kinds: Vec<&str> = lib.remedies.iter().map(|r| r.kind.name()).collect();
    assert_eq!(kinds, lib_kinds);
    if let Some(r) = lib.remedies.first() {
        assert_eq!(
            b["remedies"][0]["saving_lifetime"],
            format!("{:.2}", r.saving_lifetime.round_dp(2))
        );
        assert_eq!(b["remedies"][0]["safe"], r.safe);
    }
    b
}

fn money(v: &Value) -> Decimal {
    d(v.as_str().unwrap())
}

// A reservation bought for the wrong subscription idles while the same
// PTU pay hourly next door: re-scope it (free); buy nothing; one notification.
#[test]
fn wrong_subscription_is_a_free_rescope_not_a_purchase() {
    let parts = json!({
        "deployments": [dep("chat", "aoai-b", REG, 200, "2026-12-01T00:00:00Z", None)],
        "reservations": [res("res-a", REG, 200, "2026-12-01T00:00:00Z", "P1Y", "autorenew", sub("sub-a"))]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "hourly_overage");
    assert_eq!(n.severity, Severity::Critical);
    // 200 PTU x $2.00 x 24 h = $9,600 a day; x 30 days = $288,000.
    assert_eq!(n.cost_per_day, d("9600"));
    assert_eq!(n.cost_impact, d("288000"));
    let first = &n.remedies[0];
    assert_eq!(first.kind, RemedyKind::Rescope);
    assert!(first.safe);
    assert_eq!(first.objects(), vec!["res-a".to_string()]);
    // The idle reservation is paid either way: re-scoping saves the hourly
    // charges of the year: 200 x 2.00 x 8,760 h = $3,504,000.
    assert_eq!(first.saving_lifetime, d("3504000"));
    assert_eq!(first.saving_horizon, d("288000"));
    assert_eq!(first.committed_after_horizon, Decimal::ZERO);
    // No purchase: the free move covers it all.
    assert!(
        n.remedies
            .iter()
            .all(|r| r.kind != RemedyKind::BuyReservation && r.kind != RemedyKind::StayHourly),
        "{:#?}",
        n.remedies
    );
    // The idle reservation is this decision, not a second notification.
    assert!(
        of(&list, "reservation_mismatch").is_empty() && of(&list, "reservation_unused").is_empty(),
        "{list:#?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let b = same(n, &bin_check(dir.path(), &parts, NOW));
    assert_eq!(b["remedies"][0]["changes"][0]["object"], "res-a");
    assert_eq!(money(&b["remedies"][0]["saving_horizon"]), d("288000"));

    // Applied through `fix`: one change in the store; the overage is gone; undo restores it.
    let file = dir.path().join("estate.json");
    assert!(
        run(
            dir.path(),
            &["import", file.to_str().unwrap(), "--now", NOW]
        )
        .status
        .success()
    );
    let o = run(dir.path(), &["fix", &n.id, "--apply", "--now", NOW]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Applied remedy 1 (rescope)"));
    let after = run(dir.path(), &["check", "--now", NOW, "--format", "json"]);
    let after: Vec<Value> = serde_json::from_slice(&after.stdout).unwrap();
    assert!(
        after.iter().all(|x| x["kind"] != "hourly_overage"),
        "{after:#?}"
    );
    assert!(run(dir.path(), &["undo", "--now", NOW]).status.success());
    let back: Vec<Value> = serde_json::from_slice(
        &run(dir.path(), &["check", "--now", NOW, "--format", "json"]).stdout,
    )
    .unwrap();
    assert!(back.iter().any(|x| x["id"] == n.id.as_str()));
}

// A bad id, a remedy number out of range, and a remedy that changes
// nothing: exit 1, the store unchanged.
#[test]
fn fix_refuses_what_it_cannot_apply() {
    let parts =
        json!({"deployments": [dep("chat", "aoai-a", REG, 200, "2026-12-01T00:00:00Z", None)]});
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_check(dir.path(), &parts, NOW);
    let id = bin[0]["id"].as_str().unwrap().to_string();
    let file = dir.path().join("estate.json");
    assert!(
        run(
            dir.path(),
            &["import", file.to_str().unwrap(), "--now", NOW]
        )
        .status
        .success()
    );
    for args in [
        vec!["fix", "0000000000000000", "--now", NOW],
        vec!["fix", &id, "--remedy", "99", "--now", NOW],
        vec!["fix", &id, "--remedy", "0", "--apply", "--now", NOW],
    ] {
        let o = run(dir.path(), &args);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(!o.stderr.is_empty());
    }
    // `fix ID` prints the remedies numbered from 1, priced.
    let o = run(dir.path(), &["fix", &id, "--now", NOW]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("1. buy_reservation (safe)"), "{text}");
    assert!(text.contains("open-ended, taken as 12 months"), "{text}");
    let log = run(dir.path(), &["log"]);
    assert!(!String::from_utf8_lossy(&log.stdout).contains("fix "));
}

// A 2-hour burst every day above what a reservation covers: one
// notification (not one a day), its cost a day from the rated hours, info
// because staying hourly is the cheapest; the same id tomorrow.
#[test]
fn a_daily_burst_is_one_notification_and_stays_hourly() {
    let mut sizes = vec![json!({"at": "2026-12-01T00:00:00Z", "ptu": 100})];
    let mut day = t("2026-12-01T00:00:00Z");
    while day < t("2027-03-01T00:00:00Z") {
        sizes.push(json!({"at": ptudesk::domain::time::fmt_time(day + chrono::Duration::hours(10)), "ptu": 300}));
        sizes.push(json!({"at": ptudesk::domain::time::fmt_time(day + chrono::Duration::hours(12)), "ptu": 100}));
        day += chrono::Duration::days(1);
    }
    let parts = json!({
        "deployments": [{"id": "chat", "resource": "aoai-a", "model": "gpt-4o", "version": "2024-08-06",
                         "sku": REG, "sizes": sizes, "deleted": null}],
        "reservations": [res("res-base", REG, 100, "2026-11-01T00:00:00Z", "P1Y", "autorenew", sub("sub-a"))]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "hourly_overage");
    // 200 PTU x $2.00 x 2 h = $800 a day (not 200 x 2 x 24 = $9,600); 30 days: $24,000.
    assert_eq!(n.cost_per_day, d("800"));
    assert_eq!(n.cost_impact, d("24000"));
    // Paid hourly 2 h of 24 = 8% of the hours, below the 63% break-even of a
    // one-year term (11,000 / 12 / (730 x 2.00)): stay hourly.
    assert_eq!(n.remedies[0].kind, RemedyKind::StayHourly);
    assert!(
        n.remedies[0].summary.contains("8% of the hours"),
        "{}",
        n.remedies[0].summary
    );
    assert_eq!(n.severity, Severity::Info);
    assert!(
        n.remedies
            .iter()
            .all(|r| r.kind != RemedyKind::BuyReservation)
    );
    // The pattern began on 1 December: the id holds the next day.
    assert_eq!(n.at, t("2026-12-01T10:00:00Z"));
    let next = check_at(&parts, "2027-01-02T00:00:00Z");
    assert_eq!(one(&next, "hourly_overage").id, n.id);
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// Deploy first, then buy: the purchase is already dated an hour after the
// deployment. The hour between pays hourly; nothing more to buy.
#[test]
fn a_planned_purchase_counts() {
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 200, "2027-01-01T10:00:00Z", None)],
        "reservations": [res("res-new", REG, 200, "2027-01-01T11:00:00Z", "P1Y", "autorenew", sub("sub-a"))]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "hourly_overage");
    // One hour of 200 PTU x $2.00 = $400.
    assert_eq!(n.cost_impact, d("400"));
    assert_eq!(n.remedies[0].kind, RemedyKind::None);
    assert!(n.remedies[0].summary.contains("res-new"));
    assert_eq!(n.severity, Severity::Info, "no second warning to buy");
    assert!(
        n.remedies
            .iter()
            .all(|r| r.kind != RemedyKind::BuyReservation)
    );
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// An expiring commitment whose deployments then take a shared
// reservation's spare capacity from a neighbour: one notification, the
// neighbour named, the purchase net of the shared capacity.
#[test]
fn an_expiry_and_its_neighbours_are_one_notification() {
    let parts = json!({
        "deployments": [
            dep("chat", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None),
            dep("bot", "aoai-b", REG, 50, "2026-11-01T00:00:00Z", None)
        ],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-06T00:00:00Z", "ptu": 300,
                         "additions": [], "renewal": {"mode": "none"}}],
        "reservations": [res("res-shared", REG, 100, "2026-11-01T00:00:00Z", "P1Y", "autorenew",
                             json!({"type": "shared", "billing_account": "ba"}))]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "commitment_expiring");
    // Expires 6 Jan, 5 days out: critical.
    assert_eq!(n.severity, Severity::Critical);
    assert!(n.message.contains("aoai-b"), "{}", n.message);
    // After it 350 PTU share 100 reserved: 250 PTU x $2.00 x 24 h = $12,000 a
    // day; 25 days to the horizon's end: $300,000.
    assert_eq!(n.cost_per_day, d("12000"));
    assert_eq!(n.cost_impact, d("300000"));
    assert!(of(&list, "hourly_overage").is_empty(), "{list:#?}");
    let buy = &n.remedies[0];
    assert_eq!(buy.kind, RemedyKind::BuyReservation, "{:#?}", n.remedies);
    // Net of the shared 100: 350 - 100 = 250 PTU, from the expiry.
    assert!(
        buy.summary.contains("reservation of 250 PTU"),
        "{}",
        buy.summary
    );
    assert!(
        buy.summary.contains("from 2027-01-06 00:00 UTC"),
        "{}",
        buy.summary
    );
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// A reservation that covers nothing renews for $300,000 in 9 days: a
// warning with the full amount, its remedy to turn the renewal off; no
// refund (the $87,096.77 left of its term passes the $50,000 limit).
#[test]
fn an_idle_renewal_is_a_warning_with_its_full_amount() {
    let parts = json!({
        "deployments": [],
        "reservations": [res("res-idle", REG, 300, "2026-12-10T00:00:00Z", "P1M", "autorenew", sub("sub-a"))]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "reservation_renewal");
    assert_eq!(n.severity, Severity::Warning);
    // 300 PTU x $1,000 = $300,000.
    assert_eq!(n.cost_impact, d("300000"));
    assert!(of(&list, "reservation_mismatch").is_empty(), "{list:#?}");
    let first = &n.remedies[0];
    assert_eq!(first.kind, RemedyKind::RenewalOff);
    assert!(
        first.summary.contains("before 2027-01-10 00:00 UTC"),
        "{}",
        first.summary
    );
    // Doing nothing over the year: 9/31 + 11 + 22/31 periods = 12 x $300,000
    // = $3,600,000; turned off: 9/31 x 300,000 = $87,096.77; saves $3,512,903.23.
    assert_eq!(first.saving_lifetime.round_dp(2), d("3512903.23"));
    assert!(
        n.remedies.iter().all(|r| r.kind != RemedyKind::Refund),
        "{:#?}",
        n.remedies
    );
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// A commitment of 300 PTU renewing on 20 January with 100 deployed: renew
// at 100 (a commitment can't renew at 0; at 100 it still covers them).
#[test]
fn an_idle_commitment_renews_at_fewer_ptu() {
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-20T00:00:00Z", "ptu": 300,
                         "additions": [], "renewal": {"mode": "autorenew"}}]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "commitment_renewal");
    // 300 x $1,100 = $330,000.
    assert_eq!(n.cost_impact, d("330000"));
    let first = &n.remedies[0];
    assert_eq!(first.kind, RemedyKind::RenewFewer, "{:#?}", n.remedies);
    // Year: 12 x 330,000 = $3,960,000 as is; at 100 PTU from 20 Jan:
    // 19/31 x 330,000 + 11 x 110,000 + 12/31 x 110,000 = $1,454,838.71;
    // saves $2,505,161.29.
    assert_eq!(first.saving_lifetime.round_dp(2), d("2505161.29"));
    assert!(n.remedies.iter().any(|r| r.kind == RemedyKind::RenewalOff));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// 400 PTU on a resource with a 300 PTU commitment: a one-year reservation
// of the 100 over is cheaper than growing the commitment ($916.67 vs $1,100 a PTU a month).
#[test]
fn commitment_overage_buys_the_excess_or_grows_the_commitment() {
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 400, "2026-11-01T00:00:00Z", None)],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-20T00:00:00Z", "ptu": 300,
                         "additions": [], "renewal": {"mode": "autorenew"}}]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "commitment_overage");
    // 100 PTU x $2.00 x 24 h = $4,800 a day.
    assert_eq!(n.cost_per_day, d("4800"));
    assert_eq!(n.remedies[0].kind, RemedyKind::BuyReservation);
    assert!(
        n.remedies[0]
            .summary
            .contains("one-year Regional reservation of 100 PTU")
    );
    // Year: hourly 100 x 2 x 8,760 = $1,752,000 vs 100 x 11,000 = $1,100,000: saves $652,000.
    assert_eq!(n.remedies[0].saving_lifetime, d("652000"));
    let grow = n
        .remedies
        .iter()
        .find(|r| r.kind == RemedyKind::GrowCommitment)
        .unwrap();
    assert!(grow.safe && grow.summary.contains("add 100 PTU to commitment cp"));
    assert!(grow.saving_lifetime < n.remedies[0].saving_lifetime);
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// A deleted account still bills its deployment until purged: call it
// deleted, advise purging, never "delete the deployment".
#[test]
fn a_deleted_account_is_purged() {
    let mut parts =
        json!({"deployments": [dep("old", "aoai-b", REG, 100, "2026-11-01T00:00:00Z", None)]});
    let mut s = snapshot(json!({}));
    s["resources"][1]["deleted"] = json!("2026-12-15T00:00:00Z");
    parts["resources"] = s["resources"].clone();
    let list = check_at(&parts, NOW);
    let n = one(&list, "hourly_overage");
    assert!(
        n.message.contains("deleted but not purged"),
        "{}",
        n.message
    );
    assert_eq!(n.remedies[0].kind, RemedyKind::Purge);
    // 100 PTU x $2.00 x 8,760 h = $1,752,000 a year.
    assert_eq!(n.remedies[0].saving_lifetime, d("1752000"));
    assert!(
        n.remedies.iter().all(|r| r.kind != RemedyKind::Delete),
        "{:#?}",
        n.remedies
    );
    assert!(n.remedies.iter().any(|r| r.kind == RemedyKind::Recover));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// A subscription-scoped reservation idles because a narrower
// resource-group reservation takes the deployment first: say so, not
// "outside its scope".
#[test]
fn a_narrower_reservation_is_named_not_scope() {
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [
            res("res-rg", REG, 100, "2026-11-01T00:00:00Z", "P1Y", "none",
                json!({"type": "resource_group", "subscription": "sub-a", "resource_group": "rg-a"})),
            res("res-sub", REG, 100, "2026-11-01T00:00:00Z", "P1Y", "none", sub("sub-a"))
        ]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "reservation_mismatch");
    assert_eq!(n.subject, "res-sub");
    assert!(!n.message.contains("outside its scope"), "{}", n.message);
    assert!(
        n.message.contains("covered first by res-rg"),
        "{}",
        n.message
    );
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// Regional PTU pay hourly on a resource whose Global deployment a
// half-idle Global reservation covers: the explanation is about the
// Regional PTU, never "Global reservations fully used"; converting to use
// the idle Global capacity is offered, not safe (data may leave the region).
#[test]
fn explanations_name_the_type_that_pays() {
    let parts = json!({
        "deployments": [
            dep("chat", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None),
            dep("glob", "aoai-a", GLO, 100, "2026-11-01T00:00:00Z", None)
        ],
        "reservations": [res("res-g", GLO, 200, "2026-11-01T00:00:00Z", "P1Y", "none", sub("sub-a"))]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "hourly_overage");
    assert!(!n.message.contains("fully used"), "{}", n.message);
    assert!(
        n.message.contains("no Regional reservation in eastus2"),
        "{}",
        n.message
    );
    let conv = n
        .remedies
        .iter()
        .find(|r| r.kind == RemedyKind::Convert)
        .expect("convert");
    assert!(!conv.safe);
    assert!(
        conv.why_not
            .as_deref()
            .unwrap()
            .contains("any Azure region")
    );
    // The Global reservation has 100 idle: chat as 100 Global PTU is covered
    // from the second day: hourly saved 100 x 2.00 x (8,760 - 24) h =
    // $1,747,200; but res-g ends on 1 Nov 2027 (not renewing), and from then
    // to the year's end (61 days, 1,464 h) chat pays the Global rate instead:
    // 100 x 1.00 x 1,464 = $146,400. Saves $1,600,800.
    assert_eq!(conv.saving_lifetime, d("1600800"));
    // The purchase (safe, first) says the conversion exists.
    assert_eq!(n.remedies[0].kind, RemedyKind::BuyReservation);
    assert!(
        n.remedies[0].summary.contains("res-g"),
        "{}",
        n.remedies[0].summary
    );
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// A workload whose deletion is planned in four months: a one-month term,
// renewing until the deletion and not past it.
#[test]
fn a_planned_deletion_chooses_one_month_terms() {
    let parts = json!({"deployments": [dep("chat", "aoai-a", REG, 200, "2026-12-01T00:00:00Z", Some("2027-05-01T00:00:00Z"))]});
    let list = check_at(&parts, NOW);
    let n = one(&list, "hourly_overage");
    let buy = &n.remedies[0];
    assert_eq!(buy.kind, RemedyKind::BuyReservation);
    assert!(
        buy.summary
            .contains("one-month Regional reservation of 200 PTU"),
        "{}",
        buy.summary
    );
    assert_eq!(buy.lifetime, Lifetime::Until(t("2027-05-01T00:00:00Z")));
    // 1 Jan - 1 May = 120 days = 2,880 h: hourly 200 x 2.00 x 2,880 = $1,152,000;
    // four monthly terms 4 x 200 x 1,000 = $800,000, none after: saves $352,000.
    assert_eq!(buy.saving_lifetime, d("352000"));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// A reservation expiring in 3 days without renewal while it covers 100
// PTU: critical; a one-year purchase from the expiry beats renewing monthly.
#[test]
fn an_expiring_reservation_is_replaced() {
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [res("res-m", REG, 100, "2026-12-04T00:00:00Z", "P1M", "none", sub("sub-a"))]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "reservation_expiring");
    assert_eq!(n.severity, Severity::Critical);
    // 100 PTU x $2.00 x 24 h = $4,800 a day from 4 January; 27 days: $129,600.
    assert_eq!(n.cost_per_day, d("4800"));
    assert_eq!(n.cost_impact, d("129600"));
    assert_eq!(
        n.remedies[0].kind,
        RemedyKind::BuyReservation,
        "{:#?}",
        n.remedies
    );
    assert!(
        n.remedies[0]
            .summary
            .contains("one-year Regional reservation of 100 PTU")
    );
    assert!(
        n.remedies
            .iter()
            .any(|r| r.kind == RemedyKind::ReplaceRenewal)
    );
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// An idle one-month reservation of 50 PTU with 19 days left: its refund
// (19/31 x 50 x 1,000 = $30,645.16) fits the $50,000 limit: refund it.
#[test]
fn a_refund_within_the_limit_is_offered() {
    let parts = json!({
        "deployments": [],
        "reservations": [res("res-x", REG, 50, "2026-12-20T00:00:00Z", "P1M", "none", sub("sub-a"))]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "reservation_mismatch");
    let first = &n.remedies[0];
    assert_eq!(first.kind, RemedyKind::Refund, "{:#?}", n.remedies);
    assert!(first.summary.contains("$30,645.16"), "{}", first.summary);
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// 250 PTU deployed against a 200 PTU reservation (E5): buy the 50 over, or
// (not safe) resize the deployment to 200.
#[test]
fn fifty_over_a_reservation_buys_fifty_or_resizes() {
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 250, "2026-11-01T00:00:00Z", None)],
        "reservations": [res("res", REG, 200, "2026-11-01T00:00:00Z", "P1Y", "autorenew", sub("sub-a"))]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "hourly_overage");
    // 50 x 2.00 x 24 = $2,400 a day.
    assert_eq!(n.cost_per_day, d("2400"));
    assert!(n.remedies[0].summary.contains("reservation of 50 PTU"));
    let resize = n
        .remedies
        .iter()
        .find(|r| r.kind == RemedyKind::Resize)
        .expect("resize");
    assert!(
        !resize.safe && resize.summary.contains("from 250 to 200 PTU"),
        "{}",
        resize.summary
    );
    // Resized, the 50 PTU stop paying hourly: 50 x 2.00 x 8,760 = $876,000 a year.
    assert_eq!(resize.saving_lifetime, d("876000"));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// A Data Zone reservation idles beside Regional deployments: converting
// is offered with what it means for where data is processed.
#[test]
fn a_data_zone_reservation_in_reach_is_a_conversion() {
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None)],
        "reservations": [res("res-dz", "DataZoneProvisionedManaged", 100, "2026-11-01T00:00:00Z", "P1Y", "autorenew", sub("sub-a"))]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "hourly_overage");
    let conv = n
        .remedies
        .iter()
        .find(|r| r.kind == RemedyKind::Convert)
        .expect("convert");
    assert!(
        conv.why_not.as_deref().unwrap().contains("data zone"),
        "{:?}",
        conv.why_not
    );
    // chat as 100 Data Zone PTU is covered from the second day (the renewal
    // keeps res-dz all year): 100 x 2.00 x (8,760 - 24) h = $1,747,200 saved.
    assert_eq!(conv.saving_lifetime, d("1747200"));
    assert!(conv.objects().contains(&"chat".to_string()));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// A commitment that renews capacity in full use: info, nothing to change.
#[test]
fn a_used_renewal_is_info() {
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-20T00:00:00Z", "ptu": 300,
                         "additions": [], "renewal": {"mode": "autorenew"}}]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "commitment_renewal");
    assert_eq!(n.severity, Severity::Info);
    // 300 x $1,100 = $330,000 billed on 20 January.
    assert_eq!(n.cost_impact, d("330000"));
    assert_eq!(n.remedies[0].kind, RemedyKind::None);
    assert_eq!(n.remedies[0].saving_lifetime, Decimal::ZERO);
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// An acknowledged overage stays silenced the next day (same id, same cost
// a day), and a burst that should stay hourly does not drive the exit code.
#[test]
fn acknowledgements_hold_and_info_does_not_alarm() {
    let parts =
        json!({"deployments": [dep("chat", "aoai-a", REG, 200, "2026-12-01T00:00:00Z", None)]});
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_check(dir.path(), &parts, NOW);
    let id = bin[0]["id"].as_str().unwrap().to_string();
    // 200 x 2.00 x 24 = $9,600 a day.
    assert_eq!(bin[0]["cost_per_day"], "9600.00");
    let file = dir.path().join("estate.json");
    assert!(
        run(
            dir.path(),
            &["import", file.to_str().unwrap(), "--now", NOW]
        )
        .status
        .success()
    );
    assert_eq!(
        run(dir.path(), &["check", "--now", NOW]).status.code(),
        Some(2)
    );
    assert!(
        run(dir.path(), &["ack", &id, "--now", NOW])
            .status
            .success()
    );
    let next = run(dir.path(), &["check", "--now", "2027-01-02T00:00:00Z"]);
    assert_eq!(
        next.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&next.stdout)
    );

    // A planned purchase an hour after the deployment: the hour is info.
    let planned = json!({
        "deployments": [dep("chat", "aoai-a", REG, 200, "2027-01-01T10:00:00Z", None)],
        "reservations": [res("res-new", REG, 200, "2027-01-01T11:00:00Z", "P1Y", "autorenew", sub("sub-a"))]
    });
    let other = tempfile::tempdir().unwrap();
    let file = other.path().join("p.json");
    std::fs::write(&file, snapshot(planned).to_string()).unwrap();
    let o = run(
        other.path(),
        &[
            "check",
            "--scenario",
            file.to_str().unwrap(),
            "--now",
            NOW,
            "--min-severity",
            "warning",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

// Text output: the first remedy and how to see the rest.
#[test]
fn text_shows_the_first_remedy_and_fix() {
    let parts =
        json!({"deployments": [dep("chat", "aoai-a", REG, 200, "2026-12-01T00:00:00Z", None)]});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("e.json");
    std::fs::write(&file, snapshot(parts.clone()).to_string()).unwrap();
    let o = run(
        dir.path(),
        &["check", "--scenario", file.to_str().unwrap(), "--now", NOW],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    let n = &check_at(&parts, NOW)[0];
    assert!(
        text.contains("-> buy a one-year Regional reservation of 200"),
        "{text}"
    );
    assert!(text.contains(&format!("`ptudesk fix {}`", n.id)), "{text}");
    // 200 x 2.00 x 8,760 - 200 x 11,000 = $1,304,000 over the year.
    assert!(
        text.contains("saves $1,304,000.00 over the lifetime"),
        "{text}"
    );
}

/// Imports the estate into a fresh store, applies remedy `n` of
/// notification `id` with `fix`, and returns `check --format json` after.
fn fix_and_check(dir: &Path, parts: &Value, id: &str, n: usize) -> Vec<Value> {
    let file = dir.join("estate.json");
    std::fs::write(&file, snapshot(parts.clone()).to_string()).unwrap();
    let o = run(dir, &["import", file.to_str().unwrap(), "--now", NOW]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let k = n.to_string();
    let o = run(dir, &["fix", id, "--remedy", &k, "--apply", "--now", NOW]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&run(dir, &["check", "--now", NOW, "--format", "json"]).stdout).unwrap()
}

fn quota(subscription: &str, limit: i64) -> Value {
    json!({"subscription": subscription, "region": "eastus2", "sku": REG, "limit": limit})
}

// sub-a's Regional quota is 300 PTU; 200 run and a 150 PTU deployment is
// planned for 10 January: ask Azure for 50 more (ptudesk can't), or move the
// new one to sub-b (300 free), or shrink chat to 150.
#[test]
fn a_quota_exceeded_by_a_planned_deployment_moves_or_resizes_to_fit() {
    let parts = json!({
        "deployments": [
            dep("chat", "aoai-a", REG, 200, "2026-12-01T00:00:00Z", None),
            dep("new", "aoai-a", REG, 150, "2027-01-10T00:00:00Z", None)
        ],
        "quotas": [quota("sub-a", 300), quota("sub-b", 300)]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "quota_exceeded");
    let kinds: Vec<RemedyKind> = n.remedies.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![
            RemedyKind::RequestQuota,
            RemedyKind::Resize,
            RemedyKind::Move
        ]
    );
    // Asking Azure is safe, changes nothing here and says so.
    let ask = &n.remedies[0];
    assert!(ask.safe && ask.changes.is_empty());
    assert!(
        ask.summary.contains("at least 50 PTU more"),
        "{}",
        ask.summary
    );
    assert!(ask.summary.contains("not a change ptudesk can make"));
    // Its cost a day is what aoai-a pays hourly: 200 x 2.00 x 24 = 9,600 for
    // 9 days, 350 x 2.00 x 24 = 16,800 for 21: 439,200 / 30 = $14,640.
    assert_eq!(ask.cost_per_day, d("14640"));
    // Shrinking chat by 50 from 10 January: 50 x 2.00 x (8,760 - 216) h =
    // $854,400 over the year, 50 x 2.00 x 504 h = $50,400 in 30 days.
    let resize = &n.remedies[1];
    assert!(!resize.safe);
    assert!(resize.summary.contains("resize chat from 200 to 150 PTU"));
    assert_eq!(resize.saving_lifetime, d("854400"));
    assert_eq!(resize.saving_horizon, d("50400"));
    // Moving the planned deployment costs the same hourly rate: saves 0.
    let mv = &n.remedies[2];
    assert!(
        mv.summary.contains("move new (150 PTU) to aoai-b"),
        "{}",
        mv.summary
    );
    assert_eq!(mv.saving_lifetime, Decimal::ZERO);
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
    // Applied: the quota holds.
    let after = fix_and_check(dir.path(), &parts, &n.id, 3);
    assert!(
        after.iter().all(|x| x["kind"] != "quota_exceeded"),
        "{after:#?}"
    );
}

// 250 of a 270 PTU quota used (93%, above the 90% threshold): near the
// limit, nothing to change yet; ask for more before the next deployment
// needs it.
#[test]
fn a_quota_near_its_limit_asks_for_more_and_changes_nothing() {
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 250, "2026-12-01T00:00:00Z", None)],
        "quotas": [quota("sub-a", 270)]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "quota_near_limit");
    let kinds: Vec<RemedyKind> = n.remedies.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, vec![RemedyKind::RequestQuota, RemedyKind::None]);
    assert!(n.remedies.iter().all(|r| r.saving_lifetime.is_zero()));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// gpt-4o 2024-11-20 runs on a resource with a commitment, which only
// takes the commitment models: upgrade it in place to 2024-08-06 (saves
// nothing, costs nothing), never move it off the commitment to pay hourly.
#[test]
fn an_unsupported_model_is_upgraded_in_place() {
    let mut legacy = dep("legacy", "aoai-a", REG, 100, "2026-12-01T00:00:00Z", None);
    legacy["version"] = json!("2024-11-20");
    let parts = json!({
        "deployments": [legacy],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-20T00:00:00Z", "ptu": 100,
                         "additions": [], "renewal": {"mode": "autorenew"}}]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "commitment_model_unsupported");
    let kinds: Vec<RemedyKind> = n.remedies.iter().map(|r| r.kind).collect();
    // Delete saves as little as the upgrade (the commitment is paid either
    // way) and comes after every remedy that keeps the workload.
    assert_eq!(
        kinds,
        vec![RemedyKind::Upgrade, RemedyKind::Move, RemedyKind::Delete]
    );
    let up = &n.remedies[0];
    assert!(!up.safe, "test the workload on the new version first");
    assert!(
        up.summary.contains("to gpt-4o 2024-08-06 in place"),
        "{}",
        up.summary
    );
    assert_eq!(up.saving_lifetime, Decimal::ZERO);
    // Moving it to aoai-b (no commitment) pays hourly beside the commitment:
    // 100 x 2.00 x 8,760 h = $1,752,000 more over the year.
    assert_eq!(n.remedies[1].saving_lifetime, d("-1752000"));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
    let after = fix_and_check(dir.path(), &parts, &n.id, 1);
    assert!(
        after
            .iter()
            .all(|x| x["kind"] != "commitment_model_unsupported"),
        "{after:#?}"
    );
}

// A Global gpt-4o-mini deployment recorded at 22 PTU (sizes go 15, 20,
// 25...): resize to 25 (safe, 3 PTU more) or 20 (less throughput).
#[test]
fn a_size_off_step_is_resized_to_the_step() {
    let mut mini = dep("mini", "aoai-a", GLO, 22, "2026-12-01T00:00:00Z", None);
    mini["model"] = json!("gpt-4o-mini");
    mini["version"] = json!("2024-07-18");
    let parts = json!({"deployments": [mini]});
    let list = check_at(&parts, NOW);
    let n = one(&list, "deployment_size_off_step");
    assert_eq!(n.remedies.len(), 2);
    let up = &n.remedies[0];
    assert_eq!(up.kind, RemedyKind::Resize);
    assert!(up.safe && up.summary.contains("from 22 to 25 PTU"));
    // 3 PTU x $1.00 x 8,760 h = $26,280 more a year; x 720 h = $2,160 in 30
    // days; 25 x 1.00 x 24 = $600 a day.
    assert_eq!(up.saving_lifetime, d("-26280"));
    assert_eq!(up.saving_horizon, d("-2160"));
    assert_eq!(up.cost_per_day, d("600"));
    let down = &n.remedies[1];
    assert!(!down.safe && down.summary.contains("from 22 to 20 PTU"));
    assert_eq!(down.saving_lifetime, d("17520"));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
    let after = fix_and_check(dir.path(), &parts, &n.id, 1);
    assert!(
        after
            .iter()
            .all(|x| x["kind"] != "deployment_size_off_step"),
        "{after:#?}"
    );
}

// DeepSeek-R1 recorded as a Regional deployment, a type it isn't offered
// as: convert it to Global (100 PTU at $1.00 instead of $2.00 an hour),
// never "delete" first.
#[test]
fn a_type_the_model_is_not_offered_as_is_converted() {
    let mut r1 = dep("r1", "aoai-a", REG, 100, "2026-12-01T00:00:00Z", None);
    r1["model"] = json!("DeepSeek-R1");
    r1["version"] = json!("1");
    let parts = json!({"deployments": [r1]});
    let list = check_at(&parts, NOW);
    let n = one(&list, "deployment_size_off_step");
    let kinds: Vec<RemedyKind> = n.remedies.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![RemedyKind::Convert, RemedyKind::Convert, RemedyKind::Delete]
    );
    let conv = &n.remedies[0];
    assert!(
        conv.summary.contains("to a Global deployment"),
        "{}",
        conv.summary
    );
    // Regional 100 x 2.00 x 8,760 = 1,752,000 less Global 100 x 1.00 x
    // 8,760 = 876,000 less the day both run (100 x 2.00 x 24 = 4,800):
    // $871,200.
    assert_eq!(conv.saving_lifetime, d("871200"));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// A one-year reservation planned for 10 January beside a commitment that
// ends on 20 January: ten days paid twice. Buy it at the commitment's end.
#[test]
fn double_billing_redates_the_purchase_to_the_commitments_end() {
    let mut r = res(
        "res-new",
        REG,
        300,
        "2027-01-10T00:00:00Z",
        "P1Y",
        "autorenew",
        sub("sub-a"),
    );
    r["billing"] = json!("monthly");
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-12-20T00:00:00Z", "ptu": 300,
                         "additions": [], "renewal": {"mode": "none"}}],
        "reservations": [r]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "double_billing_window");
    let first = &n.remedies[0];
    assert_eq!(first.kind, RemedyKind::Redate, "{:#?}", n.remedies);
    assert!(first.safe);
    assert!(
        first.summary.contains("at 2027-01-20 00:00 UTC"),
        "{}",
        first.summary
    );
    // The reservation bills 300 x 11,000 / 12 = $275,000 a month, each
    // monthly period amortized over its days: ten January days are 10/31 x
    // 275,000 = $88,709.68, over the horizon and over the year alike (the
    // year ends with 12 days of the December period instead of 22).
    assert_eq!(first.saving_lifetime.round_dp(2), d("88709.68"));
    assert_eq!(first.saving_horizon.round_dp(2), d("88709.68"));
    assert_eq!(n.remedies.last().unwrap().kind, RemedyKind::None);
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
    let after = fix_and_check(dir.path(), &parts, &n.id, 1);
    assert!(
        after.iter().all(|x| x["kind"] != "double_billing_window"),
        "{after:#?}"
    );
}

// A monthly commitment that autorenews on 20 January and a one-year
// reservation planned for the 25th: the commitment would renew beside it
// for ever. Turn the renewal off and buy on the 20th.
#[test]
fn double_billing_of_a_renewal_turns_it_off() {
    let mut r = res(
        "res-new",
        REG,
        300,
        "2027-01-25T00:00:00Z",
        "P1Y",
        "autorenew",
        sub("sub-a"),
    );
    r["billing"] = json!("monthly");
    let parts = json!({
        "deployments": [dep("chat", "aoai-a", REG, 300, "2026-11-01T00:00:00Z", None)],
        "commitments": [{"id": "cp", "resource": "aoai-a", "start": "2026-11-20T00:00:00Z", "ptu": 300,
                         "additions": [], "renewal": {"mode": "autorenew"}}],
        "reservations": [r]
    });
    let list = check_at(&parts, NOW);
    let n = one(&list, "double_billing_window");
    let kinds: Vec<RemedyKind> = n.remedies.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![
            RemedyKind::RenewalOff,
            RemedyKind::RenewalOff,
            RemedyKind::Redate,
            RemedyKind::None
        ]
    );
    // Renewal off alone: the commitment's year from 20 January, 11 x
    // 330,000 + 12/31 x 330,000 = 3,757,741.94, less five days hourly
    // (300 x 2.00 x 120 h = 72,000): $3,685,741.94. With the purchase on
    // the 20th instead: no hourly days, the reservation 5/31 x 275,000 =
    // 44,354.84 earlier: 3,757,741.94 - 44,354.84 = $3,713,387.10.
    assert_eq!(n.remedies[0].saving_lifetime.round_dp(2), d("3713387.10"));
    assert_eq!(n.remedies[0].changes.len(), 2);
    assert_eq!(n.remedies[1].saving_lifetime.round_dp(2), d("3685741.94"));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// Two idle one-month reservations to refund this week: res-a1 (80 PTU, on
// the 3rd) cancels 17/31 x 80,000 = $43,870.97, leaving $6,129.03 of the
// limit; res-b (50 PTU, on the 5th) would cancel 15/31 x 50,000 =
// $24,193.55: refused. Keep res-b; refunding it instead of res-a1 loses
// 43,870.97 - 24,193.55 = $19,677.42 of credit.
#[test]
fn a_refund_past_the_limit_is_kept_or_swapped() {
    let mut a1 = res(
        "res-a1",
        REG,
        80,
        "2026-12-20T00:00:00Z",
        "P1M",
        "none",
        sub("sub-a"),
    );
    a1["refunded_at"] = json!("2027-01-03T00:00:00Z");
    let mut b = res(
        "res-b",
        REG,
        50,
        "2026-12-20T00:00:00Z",
        "P1M",
        "none",
        sub("sub-a"),
    );
    b["refunded_at"] = json!("2027-01-05T00:00:00Z");
    let parts = json!({"deployments": [], "reservations": [a1, b]});
    let list = check_at(&parts, NOW);
    let n = one(&list, "refund_limit");
    assert_eq!(n.subject, "res-b");
    let kinds: Vec<RemedyKind> = n.remedies.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, vec![RemedyKind::CancelRefund, RemedyKind::Refund]);
    assert_eq!(n.remedies[0].saving_lifetime, Decimal::ZERO);
    assert!(n.remedies[1].summary.contains("instead of res-a1"));
    assert_eq!(n.remedies[1].saving_lifetime.round_dp(2), d("-19677.42"));
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
    let after = fix_and_check(dir.path(), &parts, &n.id, 1);
    assert!(
        after.iter().all(|x| x["kind"] != "refund_limit"),
        "{after:#?}"
    );
}

// An idle one-year reservation (5 PTU, $55,000 up front, from 1 October)
// to refund on 5 January: it cancels 269/365 x 55,000 = $40,534.25, but a
// refund Azure reported on 1 March 2026 left only $22,857.14. Refund it on
// 1 March 2027 instead, when that one has rolled off: it then cancels
// 214/365 x 55,000 = $32,246.58, all of it saved.
#[test]
fn a_refund_past_the_limit_is_made_when_the_limit_restores() {
    let mut old = res(
        "r-old",
        REG,
        40,
        "2026-02-20T00:00:00Z",
        "P1M",
        "none",
        sub("sub-a"),
    );
    old["refunded_at"] = json!("2026-03-01T00:00:00Z");
    old["refunded_reported"] = json!(true);
    let mut y = res(
        "res-y",
        REG,
        5,
        "2026-10-01T00:00:00Z",
        "P1Y",
        "none",
        sub("sub-b"),
    );
    y["refunded_at"] = json!("2027-01-05T00:00:00Z");
    let parts = json!({"deployments": [], "reservations": [old, y]});
    let list = check_at(&parts, NOW);
    let n = one(&list, "refund_limit");
    // r-old cancelled 19/28 x 40,000 = 27,142.86: 50,000 - 27,142.86 left.
    assert!(n.message.contains("$22,857.14"), "{}", n.message);
    let first = &n.remedies[0];
    assert_eq!(first.kind, RemedyKind::Refund, "{:#?}", n.remedies);
    assert!(
        first.summary.contains("at 2027-03-01 00:00 UTC"),
        "{}",
        first.summary
    );
    assert_eq!(first.saving_lifetime.round_dp(2), d("32246.58"));
    assert_eq!(first.saving_horizon, Decimal::ZERO);
    assert_eq!(n.remedies[1].kind, RemedyKind::CancelRefund);
    let dir = tempfile::tempdir().unwrap();
    same(n, &bin_check(dir.path(), &parts, NOW));
}

// A remedy that deploys PTUs where Azure's last capacity answer has no
// room for them is not safe, and says so with the answer's age; with room,
// nothing is said about capacity.
#[test]
fn a_remedy_adding_ptus_without_service_capacity_says_so() {
    let with_capacity = |available: i64| {
        json!({
            "deployments": [
                dep("chat", "aoai-a", REG, 100, "2026-11-01T00:00:00Z", None),
                dep("glob", "aoai-a", GLO, 100, "2026-11-01T00:00:00Z", None)
            ],
            "reservations": [res("res-g", GLO, 200, "2026-11-01T00:00:00Z", "P1Y", "none", sub("sub-a"))],
            "model_capacities": [{"region": "eastus2", "sku": GLO, "model": "gpt-4o",
                "version": "2024-08-06", "available": available, "as_of": "2026-12-31T00:00:00Z"}]
        })
    };
    let convert = |parts: &Value| {
        let list = check_at(parts, NOW);
        one(&list, "hourly_overage")
            .remedies
            .iter()
            .find(|r| r.kind == RemedyKind::Convert)
            .expect("convert")
            .clone()
    };
    let none_left = with_capacity(0);
    let conv = convert(&none_left);
    assert!(!conv.safe);
    let why = conv.why_not.clone().unwrap();
    assert!(
        why.starts_with("Service capacity: Azure had only 0 PTU free for gpt-4o 2024-08-06 Global in eastus2 as of 2026-12-31T00:00:00Z (24 h old), 100 needed"),
        "{why}"
    );
    let roomy = convert(&with_capacity(500));
    assert!(
        !roomy
            .why_not
            .unwrap_or_default()
            .contains("Service capacity"),
        "room for 100"
    );
    // The binary says the same.
    let dir = tempfile::tempdir().unwrap();
    let list = check_at(&none_left, NOW);
    same(
        one(&list, "hourly_overage"),
        &bin_check(dir.path(), &none_left, NOW),
    );
}

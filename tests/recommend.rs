//! `recommend`: small estates where the right purchase is known, with the
//! figures worked out by hand, through the library and the real binary.
//!
//! Prices throughout (eastus2, per PTU): Regional hourly $2.00, a one-month
//! reservation $1,000, a one-year reservation $11,000. So a one-month
//! reservation pays off above 1,000 / (730 x 2.00) = 68.5% of the hours, a
//! one-year one above (11,000 / 12) / 1,460 = 62.8% of them (7.53 months of
//! full use: 11,000 / 1,460), and the one-year term is cheaper than
//! one-month terms when kept 11 months (11,000 / 1,000).
//!
//! Now is 2027-01-01 00:00 UTC and the horizon 365 days: the whole of 2027,
//! 8,760 hours.

mod common;

use ptudesk::domain::plan::Lifetime;
use ptudesk::domain::prices::PriceBook;
use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::domain::{Billing, Estate, Scope, Term};
use ptudesk::planner::recommend::{Action, DemandSource, Report, Settings, recommend};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

const REG: &str = "ProvisionedManaged";
const NOW: &str = "2027-01-01T00:00:00Z";

fn snapshot(parts: Value) -> Value {
    let mut base = json!({
        "schema": "ptudesk.snapshot/1",
        "currency": "USD",
        "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a", "sub-b"]}],
        "prices": [
            {"region": "eastus2", "sku": "ProvisionedManaged", "hourly": "2.00",
             "reservation_month": "1000", "reservation_year": "11000", "commitment_month": "1100"}
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

fn estate(parts: Value) -> Estate {
    ptudesk::ingest::snapshot::parse("test.json", snapshot(parts).to_string().as_bytes()).unwrap()
}

fn dep(id: &str, res: &str, sizes: Value, deleted: Option<&str>) -> Value {
    json!({"id": id, "resource": res, "model": "gpt-4o", "version": "2024-08-06", "sku": REG,
           "sizes": sizes, "deleted": deleted})
}

fn steady(id: &str, res: &str, ptu: i64) -> Value {
    dep(
        id,
        res,
        json!([{"at": "2026-12-01T00:00:00Z", "ptu": ptu}]),
        None,
    )
}

fn reservation(id: &str, ptu: i64, term: &str, start: &str, scope: Value, renewal: &str) -> Value {
    json!({"id": id, "name": id, "region": "eastus2", "sku": REG, "ptu": ptu, "term": term,
           "billing": "monthly", "start": start, "scope": scope, "renewal": {"mode": renewal}})
}

fn run_lib(e: &Estate, s: &Settings) -> Report {
    recommend(
        e,
        &PriceBook::empty(),
        &ptudesk::rating::Options::default(),
        t(NOW),
        s,
    )
    .unwrap()
}

fn run(dir: &Path, args: &[&str]) -> Output {
    common::ptudesk()
        .args(args)
        .env("PTUDESK_DB", dir.join("s.db"))
        .env("PTUDESK_CONFIG", dir.join("c.toml"))
        .output()
        .unwrap()
}

fn money(v: &Value) -> Decimal {
    d(v.as_str().unwrap())
}

/// The binary's JSON on the same estate, as a scenario.
fn bin(dir: &Path, parts: &Value, extra: &[&str]) -> Value {
    let file = dir.join("estate.json");
    std::fs::write(&file, snapshot(parts.clone()).to_string()).unwrap();
    let mut args = vec![
        "recommend",
        "--scenario",
        file.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = run(dir, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

// 200 PTU of Regional deployed since December, nothing planned, no discount:
// buy all 200 for one year from now.
#[test]
fn steady_demand_buys_it_all_for_one_year() {
    let parts = json!({"deployments": [steady("chat", "aoai-a", 200)]});
    let r = run_lib(&estate(parts.clone()), &Settings::new());
    assert_eq!(r.rows.len(), 1, "{:#?}", r.rows);
    let x = &r.rows[0];
    assert_eq!(x.action, Action::Buy);
    assert_eq!(x.quantity, 200);
    // Open-ended: 12 months >= 11: the one-year term, billed monthly.
    assert_eq!(x.lifetime, Lifetime::OpenEnded { assumed_months: 12 });
    assert_eq!(x.term, Some(Term::OneYear));
    assert_eq!(x.billing, Some(Billing::Monthly));
    assert_eq!(x.start, Some(t(NOW)));
    // One subscription pays hourly: scoped to it.
    assert_eq!(
        x.scope,
        Scope::Subscription {
            subscription: "sub-a".into()
        }
    );
    // Nothing is planned: the lookback (a constant 200) is the demand.
    assert_eq!(x.demand, DemandSource::Lookback);
    // Hourly: 200 x $2.00 x 8,760 h = $3,504,000; the reservation
    // 200 x $11,000 = $2,200,000, spread over exactly 2027: saves $1,304,000,
    // $108,666.67 a month (x 730 / 8,760).
    assert_eq!(x.cost_horizon, d("2200000"));
    assert_eq!(x.saving_horizon, d("1304000"));
    assert_eq!(x.saving_month.round_dp(2), d("108666.67"));
    // A month of the purchase: 200 x 11,000 / 12.
    assert_eq!(x.cost_month.round_dp(2), d("183333.33"));
    // Break-even: 11,000 / 1,460 = 7.53 months of use; 62.8% of the hours.
    assert_eq!(x.break_even_months.unwrap().round_dp(2), d("7.53"));
    assert_eq!(x.break_even_share.unwrap().round_dp(4), d("0.6279"));
    assert_eq!(x.utilisation, Some(Decimal::ONE));
    assert_eq!(x.coverage_before, Decimal::ZERO);
    assert_eq!(x.coverage_after, Decimal::ONE);
    assert_eq!(x.rest, None);

    // The binary says the same.
    let dir = tempfile::tempdir().unwrap();
    let j = bin(dir.path(), &parts, &[]);
    let row = &j["recommendations"][0];
    assert_eq!(row["quantity"], 200);
    assert_eq!(row["term"], "P1Y");
    assert_eq!(row["scope"], "sub sub-a");
    assert_eq!(row["demand"], "lookback");
    assert_eq!(money(&row["saving_horizon"]), d("1304000"));

    // --term P1M forces one-month terms: 200 x 1,000 x 12 = $2,400,000 over
    // the year: saves $1,104,000.
    let j = bin(dir.path(), &parts, &["--term", "P1M"]);
    let row = &j["recommendations"][0];
    assert_eq!(row["term"], "P1M");
    assert_eq!(row["billing"], "upfront");
    assert_eq!(money(&row["saving_horizon"]), d("1104000"));
}

// 100 PTU all day, 300 for two hours a day (12:00-14:00) all last week, no
// resize planned: the burst's extra 200 PTU are used 2/24 = 8% of the
// hours, far below the 62.8% break-even: buy 100 and nothing for the burst.
#[test]
fn a_daily_burst_below_break_even_buys_nothing_for_it() {
    let mut sizes = vec![json!({"at": "2026-12-01T00:00:00Z", "ptu": 100})];
    for day in 25..=31 {
        sizes.push(json!({"at": format!("2026-12-{day}T12:00:00Z"), "ptu": 300}));
        sizes.push(json!({"at": format!("2026-12-{day}T14:00:00Z"), "ptu": 100}));
    }
    let parts = json!({"deployments": [dep("chat", "aoai-a", json!(sizes), None)]});
    let s = Settings {
        lookback: chrono::Duration::days(7),
        ..Settings::new()
    };
    let r = run_lib(&estate(parts.clone()), &s);
    assert_eq!(r.rows.len(), 1, "{:#?}", r.rows);
    let x = &r.rows[0];
    assert_eq!(x.demand, DemandSource::Lookback);
    assert_eq!(x.quantity, 100);
    assert_eq!(x.term, Some(Term::OneYear));
    assert_eq!(x.peak_hourly, 300);
    let rest = x.rest.as_deref().unwrap();
    assert!(
        rest.contains("up to 200 PTU more") && rest.contains("8%") && rest.contains("63%"),
        "{rest}"
    );
    // The burst pays hourly with or without the purchase; the base saves
    // 100 x 2.00 x 8,760 - 100 x 11,000 = 1,752,000 - 1,100,000 = $652,000.
    assert_eq!(x.saving_horizon, d("652000"));
    // The 100 PTU are used every hour; coverage: the week's shape repeats,
    // 100 x 24 + 200 x 2 = 2,800 PTU-hours a day deployed, 2,400 covered.
    assert_eq!(x.utilisation, Some(Decimal::ONE));
    assert_eq!(x.coverage_after, d("2400") / d("2800"));
    // With a 30-day lookback the same week is part of a month at 100: the
    // same answer (the burst is rarer still).
    let r30 = run_lib(&estate(parts), &Settings::new());
    assert_eq!(r30.rows[0].quantity, 100);
}

// 200 PTU until a deletion planned for 1 May 2027 (4 months): one-year
// terms would not pay off against monthly ones (4 < 11 months): one-month
// terms, all 200 (used every hour until then), renewal turned off from the
// term that starts 1 April (the last one the workload needs).
#[test]
fn a_planned_deletion_in_four_months_buys_one_month_terms_that_stop_there() {
    let parts = json!({"deployments": [dep("chat", "aoai-a",
        json!([{"at": "2026-12-01T00:00:00Z", "ptu": 200}]), Some("2027-05-01T00:00:00Z"))]});
    let r = run_lib(&estate(parts.clone()), &Settings::new());
    let x = &r.rows[0];
    assert_eq!(x.demand, DemandSource::Planned);
    assert_eq!(x.lifetime, Lifetime::Until(t("2027-05-01T00:00:00Z")));
    assert_eq!(x.term, Some(Term::OneMonth));
    assert_eq!(x.billing, Some(Billing::Upfront));
    assert_eq!(x.quantity, 200);
    match &x.changes[..] {
        [ptudesk::domain::plan::Edit::AddReservation(res)] => {
            assert_eq!(res.renewal_changes.len(), 1);
            assert_eq!(res.renewal_changes[0].at, t("2027-04-01T00:00:00Z"));
            assert_eq!(
                res.renewal_changes[0].renewal,
                ptudesk::domain::ReservationRenewal::None
            );
        }
        other => panic!("{other:?}"),
    }
    // Hourly until 1 May: 200 x 2.00 x 2,880 h = $1,152,000; four terms of
    // 200 x $1,000 = $800,000: saves $352,000.
    assert_eq!(x.saving_horizon, d("352000"));
    assert_eq!(x.cost_horizon, d("800000"));
}

// 100 PTU pay hourly on aoai-b (sub-b) while reservation res-idle (100 PTU,
// one year, autorenew) is scoped to sub-a where nothing is deployed: re-scope
// it (free) and buy nothing. It costs the same either way, so the re-scope
// saves the whole hourly bill: 100 x 2.00 x 8,760 = $1,752,000.
#[test]
fn an_idle_reservation_in_reach_is_rescoped_and_nothing_bought() {
    let parts = json!({
        "deployments": [steady("chat", "aoai-b", 100)],
        "reservations": [reservation("res-idle", 100, "P1Y", "2026-06-01T00:00:00Z",
            json!({"type": "subscription", "subscription": "sub-a"}), "autorenew")]
    });
    let r = run_lib(&estate(parts.clone()), &Settings::new());
    assert_eq!(r.rows.len(), 1, "{:#?}", r.rows);
    let x = &r.rows[0];
    assert_eq!(x.action, Action::Rescope);
    assert_eq!(x.quantity, 0);
    assert_eq!(x.rescoped, vec!["res-idle".to_string()]);
    assert_eq!(x.saving_horizon, d("1752000"));
    assert_eq!(x.coverage_after, Decimal::ONE);
    assert!(
        x.changes
            .iter()
            .all(|c| !matches!(c, ptudesk::domain::plan::Edit::AddReservation(_)))
    );
    // Through the binary, applied: the store's reservation covers sub-b.
    let dir = tempfile::tempdir().unwrap();
    let j = bin(dir.path(), &parts, &[]);
    assert_eq!(j["recommendations"][0]["action"], "rescope");
    let file = dir.path().join("estate.json");
    assert!(
        run(
            dir.path(),
            &["import", file.to_str().unwrap(), "--now", NOW]
        )
        .status
        .success()
    );
    let o = run(dir.path(), &["recommend", "--apply", "1", "--now", NOW]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Nothing left to recommend.
    let o = run(dir.path(), &["recommend", "--now", NOW, "--format", "json"]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["recommendations"], json!([]), "{j:#}");
}

// Commitment cp-a (300 PTU) on aoai-a is set not to renew and ends 10
// January; 300 PTU run there. A shared reservation of 100 PTU already covers
// the billing account (it idles behind the commitment until then). From the
// expiry 300 - 100 = 200 PTU pay hourly: buy 200 for one year at the expiry.
#[test]
fn an_expiring_commitment_buys_at_its_expiry_net_of_other_discounts() {
    let parts = json!({
        "deployments": [steady("chat", "aoai-a", 300)],
        "commitments": [{"id": "cp-a", "resource": "aoai-a", "start": "2026-12-10T00:00:00Z",
                         "ptu": 300, "renewal": {"mode": "none"}}],
        "reservations": [reservation("res-shared", 100, "P1Y", "2026-06-01T00:00:00Z",
            json!({"type": "shared", "billing_account": "ba"}), "autorenew")]
    });
    let r = run_lib(&estate(parts), &Settings::new());
    assert_eq!(r.rows.len(), 1, "{:#?}", r.rows);
    let x = &r.rows[0];
    assert_eq!(x.action, Action::Buy);
    assert_eq!(x.quantity, 200);
    assert_eq!(x.start, Some(t("2027-01-10T00:00:00Z")));
    assert_eq!(x.term, Some(Term::OneYear));
    assert!(x.rescoped.is_empty(), "its scope already covers aoai-a");
    // Hourly avoided: 200 x 2.00 x (8,760 - 216) h = $3,417,600. The
    // reservation (200 x 11,000 = 2,200,000 a year, 183,333.33 a monthly
    // period from the 10th) within 2027: 11 whole periods, 2,016,666.67,
    // and 22 days of the 31-day period from 10 December, 130,107.53:
    // 2,146,774.19. Saves 3,417,600 - 2,146,774.19 = $1,270,825.81.
    assert_eq!(x.cost_horizon.round_dp(2), d("2146774.19"));
    assert_eq!(x.saving_horizon.round_dp(2), d("1270825.81"));
    // The expiry is on the ladder, and 300 of 300 committed PTU expiring
    // at once is a cliff.
    assert!(
        r.expiries
            .iter()
            .any(|m| m.committed_ptu == 300 && m.month == t("2027-01-01T00:00:00Z"))
    );
    assert!(r.cliffs.iter().any(|c| c.instruments == vec!["cp-a"]));
}

// 300 PTU steady, laddered in 3: tranche 1 one year from now; tranches 2
// and 3 bridged by one-month terms until 1 May and 1 September, then one
// year each. Over 2027: tranche 1 100 x 11,000 = 1,100,000; tranche 2
// 4 x 100 x 1,000 + 8/12 x 1,100,000 = 1,133,333.33; tranche 3
// 8 x 100 x 1,000 + 4/12 x 1,100,000 = 1,166,666.67; 3,400,000 in all
// against 3,300,000 for one purchase: the ladder costs $100,000 more (the
// bridges' one-month premium, 83.33 a PTU-month for 1,200 PTU-months) and
// frees 100 PTU in January, May and September 2028.
#[test]
fn a_ladder_of_three_tranches() {
    let parts = json!({"deployments": [steady("chat", "aoai-a", 300)]});
    let s = Settings {
        ladder: 3,
        ..Settings::new()
    };
    let r = run_lib(&estate(parts.clone()), &s);
    let x = &r.rows[0];
    // 300 x 2.00 x 8,760 = 5,256,000 hourly.
    assert_eq!(x.saving_horizon, d("1956000"));
    let l = x.ladder.as_ref().unwrap();
    assert_eq!(l.saving_horizon.round_dp(2), d("1856000"));
    assert_eq!(l.extra_cost.round_dp(2), d("100000"));
    let tr: Vec<(i64, Time)> = l.tranches.iter().map(|x| (x.ptu, x.expires)).collect();
    assert_eq!(
        tr,
        vec![
            (100, t("2028-01-01T00:00:00Z")),
            (100, t("2028-05-01T00:00:00Z")),
            (100, t("2028-09-01T00:00:00Z")),
        ]
    );
    // Applied, the ladder is what is written: five reservations.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.json");
    std::fs::write(&file, snapshot(parts).to_string()).unwrap();
    assert!(
        run(
            dir.path(),
            &["import", file.to_str().unwrap(), "--now", NOW]
        )
        .status
        .success()
    );
    let o = run(
        dir.path(),
        &["recommend", "--ladder", "3", "--apply", "1", "--now", NOW],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(dir.path(), &["export", "--now", NOW]);
    let snap: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        snap["reservations"].as_array().unwrap().len(),
        5,
        "{snap:#}"
    );
}

// Reservations of eastus2 Regional in force now: 200 expiring 10 February,
// 100 expiring 25 February, 200 expiring 1 August (one year each), and 50
// on one-month terms that autorenew (rolling over monthly: not an expiry
// that counts). 300 of the 550 expire within 15 days: more than half, a
// cliff from 10 to 25 February.
#[test]
fn an_expiry_cliff() {
    let sub = json!({"type": "subscription", "subscription": "sub-a"});
    let parts = json!({
        "deployments": [steady("chat", "aoai-a", 550)],
        "reservations": [
            reservation("r1", 200, "P1Y", "2026-02-10T00:00:00Z", sub.clone(), "none"),
            reservation("r2", 100, "P1Y", "2026-02-25T00:00:00Z", sub.clone(), "none"),
            reservation("r3", 200, "P1Y", "2026-08-01T00:00:00Z", sub.clone(), "autorenew"),
            reservation("r4", 50, "P1M", "2026-12-15T00:00:00Z", sub.clone(), "autorenew")
        ]
    });
    let r = run_lib(&estate(parts.clone()), &Settings::new());
    assert_eq!(r.cliffs.len(), 1, "{:#?}", r.cliffs);
    let c = &r.cliffs[0];
    assert_eq!(c.ptu, 300);
    assert_eq!(c.total, 550);
    assert_eq!(c.from, t("2027-02-10T00:00:00Z"));
    assert_eq!(c.to, t("2027-02-25T00:00:00Z"));
    assert_eq!(c.instruments, vec!["r1", "r2"]);
    let months: Vec<(Time, i64)> = r
        .expiries
        .iter()
        .map(|m| (m.month, m.reserved_ptu))
        .collect();
    assert_eq!(
        months,
        vec![
            (t("2027-01-01T00:00:00Z"), 50),
            (t("2027-02-01T00:00:00Z"), 300),
            (t("2027-08-01T00:00:00Z"), 200),
        ]
    );
    // Spread the February expiries (r2 a month later, 25 March): 200 of 550
    // within 30 days of any date: no cliff.
    let mut spread = parts.clone();
    spread["reservations"][1]["start"] = json!("2026-03-28T00:00:00Z");
    let r = run_lib(&estate(spread), &Settings::new());
    assert!(r.cliffs.is_empty(), "{:#?}", r.cliffs);
    // The binary warns.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.json");
    std::fs::write(&file, snapshot(parts).to_string()).unwrap();
    let o = run(
        dir.path(),
        &[
            "recommend",
            "--scenario",
            file.to_str().unwrap(),
            "--now",
            NOW,
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("warning: expiry cliff in eastus2 Regional: 300 of its 550 discounted PTU"),
        "{text}"
    );
}

fn forecast_total(dir: &Path) -> Decimal {
    let o = run(
        dir,
        &[
            "forecast",
            "--from",
            "2027-01-01",
            "--to",
            "2028-01-01",
            "--basis",
            "amortized",
            "--format",
            "json",
            "--now",
            NOW,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    money(&j["totals"]["total"])
}

// Two steady workloads: applied, the first recommendation is one change;
// `forecast` over the horizon is lower by exactly its saving; `undo` puts it
// back.
#[test]
fn a_recommendation_applied_is_seen_by_forecast_to_the_cent() {
    let parts =
        json!({"deployments": [steady("chat", "aoai-a", 200), steady("batch", "aoai-b", 75)]});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.json");
    std::fs::write(&file, snapshot(parts.clone()).to_string()).unwrap();
    assert!(
        run(
            dir.path(),
            &["import", file.to_str().unwrap(), "--now", NOW]
        )
        .status
        .success()
    );
    let before = forecast_total(dir.path());
    // 275 PTU x 2.00 x 8,760 h.
    assert_eq!(before, d("4818000"));
    let o = run(dir.path(), &["recommend", "--now", NOW, "--format", "json"]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    // Two subscriptions of one billing account: auto scope is shared, one
    // purchase of 275.
    let row = &j["recommendations"][0];
    assert_eq!(row["scope"], "shared ba");
    assert_eq!(row["quantity"], 275);
    let saving = money(&row["saving_horizon"]);
    // 4,818,000 - 275 x 11,000 = $1,793,000.
    assert_eq!(saving, d("1793000"));
    let o = run(dir.path(), &["recommend", "--apply", "1", "--now", NOW]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Applied recommendation 1 as change #"));
    assert_eq!(forecast_total(dir.path()), before - saving);
    assert!(run(dir.path(), &["undo", "--now", NOW]).status.success());
    assert_eq!(forecast_total(dir.path()), before);

    // Errors: an unknown number, and a scenario, exit 1 with nothing written.
    let o = run(dir.path(), &["recommend", "--apply", "9", "--now", NOW]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no recommendation 9"));
    assert_eq!(forecast_total(dir.path()), before);
}

// The README's example is this program's real output on the demo estate,
// at the story's own "now".
#[test]
fn the_readme_shows_the_real_output_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &["--demo", "--now", "2026-11-22T09:00:00Z", "recommend"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    // The story: the eastus commitment expires on the 27th: 300 PTU bought
    // for one year at the expiry; its cliff is warned of.
    assert!(text.contains("buy 300 PTU Regional in eastus, one-year monthly, scope sub sub-prod, from 2026-11-27 09:00 UTC"), "{text}");
    assert!(
        text.contains("warning: expiry cliff in eastus Regional"),
        "{text}"
    );
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```text\n{text}```")),
        "README.md's recommend example differs from the output:\n{text}"
    );
}

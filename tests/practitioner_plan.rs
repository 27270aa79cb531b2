//! `ptudesk plan` tried as a FinOps practitioner would: small estates where
//! the right move is known, each built here with a one-line story, the
//! option the practitioner expects and its figures worked out by hand from
//! the billing rules (docs/), run through the library and the real binary
//! (`plan ... --format json`).
//!
//! Prices in every estate (eastus2, per PTU): Regional hourly 2.00, a
//! one-month reservation 744 (1.00 an hour over a 31-day month), a one-year
//! reservation 7,440 (620 a month), a commitment 1,000 a month; Global
//! hourly 1.00, reservation 372 a month. Now is 2026-11-22 09:00 UTC.

mod common;

use ptudesk::domain::Estate;
use ptudesk::domain::plan::Lifetime;
use ptudesk::domain::prices::PriceBook;
use ptudesk::domain::terms::reservation_renewal_for;
use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::domain::{ReservationRenewal, Sku};
use ptudesk::planner::{self, Params, PlanSet, Subject};
use ptudesk::rating::{self, Basis, Bucket, Request};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const NOW: &str = "2026-11-22T09:00:00Z";

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn money(v: &Value) -> Decimal {
    d(v.as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}")))
}

/// A Regional (or other) deployment of gpt-4o on `resource`, created
/// `at`, maybe deleted.
fn dep(id: &str, resource: &str, ptu: i64, at: &str, deleted: Option<&str>, sku: &str) -> Value {
    json!({"id": id, "resource": resource, "model": "gpt-4o", "version": "2024-08-06",
           "sku": sku, "sizes": [{"at": at, "ptu": ptu}], "deleted": deleted})
}

fn regional(id: &str, resource: &str, ptu: i64) -> Value {
    dep(
        id,
        resource,
        ptu,
        "2026-10-01T00:00:00Z",
        None,
        "ProvisionedManaged",
    )
}

/// A commitment on aoai-a bought 2026-11-10 00:00 (its term ends 10 Dec
/// 00:00), autorenewing.
fn commitment(ptu: i64) -> Value {
    json!({"id": "cp-a", "resource": "aoai-a", "start": "2026-11-10T00:00:00Z",
           "ptu": ptu, "additions": [], "renewal": {"mode": "autorenew"}})
}

/// A reservation scoped to sub-a.
fn reservation(id: &str, ptu: i64, start: &str, term: &str, billing: &str, sku: &str) -> Value {
    json!({"id": id, "name": id, "region": "eastus2", "sku": sku, "ptu": ptu,
           "term": term, "billing": billing, "start": start,
           "scope": {"type": "subscription", "subscription": "sub-a"},
           "renewal": {"mode": "autorenew"}})
}

/// Two resources in sub-a / eastus2, the prices above, and what is given.
fn estate(deployments: Vec<Value>, commitments: Vec<Value>, reservations: Vec<Value>) -> Value {
    json!({
        "schema": "ptudesk.snapshot/1", "currency": "USD",
        "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a"]}],
        "prices": [
            {"region": "eastus2", "sku": "ProvisionedManaged", "hourly": "2.00",
             "reservation_month": "744", "reservation_year": "7440", "commitment_month": "1000"},
            {"region": "eastus2", "sku": "GlobalProvisionedManaged", "hourly": "1.00",
             "reservation_month": "372", "reservation_year": "3720"}
        ],
        "quotas": [
            {"subscription": "sub-a", "region": "eastus2", "sku": "ProvisionedManaged", "limit": 1000},
            {"subscription": "sub-a", "region": "eastus2", "sku": "GlobalProvisionedManaged", "limit": 1000}
        ],
        "resources": [
            {"id": "aoai-a", "subscription": "sub-a", "resource_group": "rg", "region": "eastus2"},
            {"id": "aoai-b", "subscription": "sub-a", "resource_group": "rg", "region": "eastus2"}
        ],
        "deployments": deployments, "commitments": commitments, "reservations": reservations
    })
}

/// The estate as the library loads it, and as a snapshot file for the
/// binary (kept alive by the returned directory).
fn both(v: &Value) -> (Estate, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("estate.json");
    std::fs::write(&path, serde_json::to_string_pretty(v).unwrap()).unwrap();
    let e = ptudesk::ingest::snapshot::load(&path).unwrap();
    let p = path.to_str().unwrap().to_string();
    (e, dir, p)
}

/// `ptudesk --scenario FILE --now NOW plan ARGS --format json`.
fn cli(file: &str, args: &[&str]) -> Value {
    let mut all = vec!["--scenario", file, "--now", NOW, "plan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = common::ptudesk().args(&all).output().unwrap();
    assert!(
        o.status.success(),
        "{all:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn lib(e: &Estate, subject: Subject, horizon_days: Option<i64>) -> PlanSet {
    let mut p = Params::new(t(NOW));
    if let Some(h) = horizon_days {
        p.horizon = chrono::Duration::days(h);
    }
    planner::plans(e, &PriceBook::default_book(), &subject, &p).unwrap()
}

fn migrate() -> Subject {
    Subject::Migrate {
        commitment: "cp-a".into(),
    }
}

fn option<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("no option {name}: {}", plan["options"]))
}

fn saving(plan: &Value, name: &str) -> Decimal {
    money(&option(plan, name)["saving_lifetime"])
}

/// The first step whose action starts with `starts`: (at, action).
fn step<'a>(o: &'a Value, starts: &str) -> (&'a str, &'a str) {
    let s = o["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["action"].as_str().unwrap().starts_with(starts))
        .unwrap_or_else(|| panic!("no step {starts:?} in {}", o["steps"]));
    (s["at"].as_str().unwrap(), s["action"].as_str().unwrap())
}

fn fact<'a>(plan: &'a Value, label: &str) -> &'a str {
    plan["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == label)
        .unwrap_or_else(|| panic!("no fact {label}: {}", plan["facts"]))["value"]
        .as_str()
        .unwrap()
}

/// The library's figures agree with the binary's, option by option.
fn same(set: &PlanSet, plan: &Value) {
    assert_eq!(set.recommended.as_deref(), plan["recommended"].as_str());
    for o in &set.options {
        let j = option(plan, &o.name);
        assert_eq!(
            o.saving_lifetime().round_dp(2),
            money(&j["saving_lifetime"]),
            "{}",
            o.name
        );
        assert_eq!(
            o.saving_horizon().round_dp(2),
            money(&j["saving_horizon"]),
            "{}",
            o.name
        );
        // The option as a remedy: the object `check --format json` gives,
        // its changes the edits `plan --apply` writes.
        let r = o.remedy.as_ref().expect("priced");
        let jr = &j["remedy"];
        assert_eq!(jr["kind"], r.kind.name(), "{}", o.name);
        assert_eq!(money(&jr["saving_lifetime"]), money(&j["saving_lifetime"]));
        assert_eq!(money(&jr["saving_horizon"]), money(&j["saving_horizon"]));
        assert_eq!(jr["safe"], r.safe);
        assert_eq!(
            jr["changes"].as_array().unwrap().len(),
            o.edits.len(),
            "{}",
            o.name
        );
        let mut keys: Vec<&str> = jr.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "changes",
                "committed_after_horizon",
                "cost_per_day",
                "kind",
                "lifetime",
                "objects",
                "safe",
                "saving_horizon",
                "saving_lifetime",
                "summary",
                "why_not"
            ]
        );
    }
}

fn actual(e: &Estate, from: &str, to: &str) -> rating::Forecast {
    rating::forecast(
        e,
        &PriceBook::default_book(),
        &Request {
            from: t(from),
            to: t(to),
            basis: Basis::Actual,
            by: Bucket::Month,
        },
        &rating::Options::default(),
    )
    .unwrap()
}

#[test]
fn planned_deletion_in_four_months_buys_one_month_terms_that_stop_at_it() {
    // Story: 400 PTU on a commitment expiring 10 Dec; the workload is
    // retired 22 Mar 2027 (planned): buy one-month terms, not a year, and
    // let them stop after the deletion.
    let v = estate(
        vec![dep(
            "chat",
            "aoai-a",
            400,
            "2026-10-01T00:00:00Z",
            Some("2027-03-22T00:00:00Z"),
            "ProvisionedManaged",
        )],
        vec![commitment(400)],
        vec![],
    );
    let (e, _dir, file) = both(&v);
    let plan = cli(&file, &["migrate", "--commitment", "cp-a"]);
    assert_eq!(
        plan["lifetime"]["text"],
        "until 2027-03-22 (planned deletion)"
    );
    assert_eq!(plan["lifetime"]["until"], "2027-03-22T00:00:00Z");
    assert_eq!(plan["recommended"], "overlap");
    // Bought 9 Dec 18:00 (6 h before the expiry), terms run 9 Dec -> 9 Jan
    // -> 9 Feb -> 9 Mar -> 9 Apr 18:00: the term of 9 Mar holds the
    // deletion, so the renewal goes off from its start.
    let o = option(&plan, "overlap");
    let (at, action) = step(o, "Set reservation res-cp-a not to renew");
    assert_eq!(at, "2027-03-09T18:00:00Z");
    assert!(action.contains("2027-04-09 18:00 UTC"), "{action}");
    // Over the lifetime (amortized to 22 Mar, plus what terms in force then
    // still charge), the options differ only in the reservation:
    //   one-month: 4 terms x 400 x 744 = 1,190,400 (the last, 9 Mar -> 9
    //     Apr, charged whole: 13 days before the deletion, 18 after);
    //   one-year: the whole year, 400 x 7,440 = 2,976,000 (3 periods of
    //     248,000 and 13 days at 248,000 / 31 = 8,000 before the deletion,
    //     the rest after it: 2,128,000 paid for nothing).
    // So the year saves 2,976,000 - 1,190,400 = 1,785,600 less.
    assert_eq!(
        saving(&plan, "overlap") - saving(&plan, "overlap-1y"),
        d("1785600.00")
    );
    // The library says the same, and applying it leaves no renewal after
    // the deletion: April 2027 bills no reservation (the 9 Mar term was
    // billed up front on 9 Mar; a renewal would bill 297,600 on 9 Apr).
    let set = lib(&e, migrate(), None);
    same(&set, &plan);
    assert_eq!(set.lifetime, Lifetime::Until(t("2027-03-22T00:00:00Z")));
    let applied = planner::apply(&e, set.option("overlap").unwrap()).unwrap();
    let f = actual(&applied, "2027-04-01T00:00:00Z", "2027-06-01T00:00:00Z");
    assert_eq!(f.totals.reservation, Decimal::ZERO);
    let f = actual(&applied, "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z");
    assert_eq!(f.totals.reservation, d("297600"));
}

#[test]
fn open_ended_over_the_default_90_days_gets_the_one_year_term() {
    // Story: production 400 PTU, no deletion planned, commitment expiring
    // 10 Dec; planned over the default 90 days: the year is cheaper over
    // the 12 months an open-ended workload is taken to last.
    let v = estate(
        vec![regional("chat", "aoai-a", 400)],
        vec![commitment(400)],
        vec![],
    );
    let (e, _dir, file) = both(&v);
    let plan = cli(&file, &["migrate", "--commitment", "cp-a"]);
    assert_eq!(plan["lifetime"]["text"], "open-ended, taken as 12 months");
    assert_eq!(plan["lifetime"]["assumed_months"], 12);
    assert_eq!(plan["to"], "2027-02-20T09:00:00Z", "the 90-day window");
    assert_eq!(plan["recommended"], "overlap-1y");
    // Over 22 Nov 09:00 2026 -> 22 Nov 09:00 2027, amortized, both bought
    // 9 Dec 18:00 (days from 9 Dec): 11 whole monthly periods (9 Dec .. 8
    // Nov) and 13 days 9 hours of the 12th (9 Nov .. 8 Dec, 30 days):
    //   one-year: 11 x 248,000 + 13.375/30 x 248,000 = 2,838,566.67
    //   one-month: 11 x 297,600 + 13.375/30 x 297,600 = 3,406,280.00
    // The year saves 567,713.33 more.
    assert_eq!(
        saving(&plan, "overlap-1y") - saving(&plan, "overlap"),
        d("567713.33")
    );
    let set = lib(&e, migrate(), None);
    same(&set, &plan);
}

#[test]
fn the_horizon_is_only_the_window_the_figures_are_shown_for() {
    // Story: the same estate planned over 30 days and over a year: the
    // lifetime, the savings over it and the recommendation don't move.
    let v = estate(
        vec![regional("chat", "aoai-a", 400)],
        vec![commitment(400)],
        vec![],
    );
    let (_e, _dir, file) = both(&v);
    let short = cli(
        &file,
        &["migrate", "--commitment", "cp-a", "--horizon", "30d"],
    );
    let long = cli(
        &file,
        &["migrate", "--commitment", "cp-a", "--horizon", "365d"],
    );
    assert_eq!(short["recommended"], "overlap-1y");
    assert_eq!(long["recommended"], "overlap-1y");
    for name in ["overlap", "overlap-1y", "gap", "managed"] {
        assert_eq!(saving(&short, name), saving(&long, name), "{name}");
    }
    // What moves is the window: 30 days against 365.
    assert_eq!(short["to"], "2026-12-22T09:00:00Z");
    assert_eq!(long["to"], "2027-11-22T09:00:00Z");
}

#[test]
fn a_cheaper_commitment_is_kept_nothing_is_recommended() {
    // Story: a negotiated commitment at 500 a PTU-month is cheaper than any
    // reservation: doing nothing (renewing it) is the advice.
    let mut v = estate(
        vec![regional("chat", "aoai-a", 400)],
        vec![commitment(400)],
        vec![],
    );
    v["prices"][0]["commitment_month"] = json!("500");
    let (e, _dir, file) = both(&v);
    let plan = cli(&file, &["migrate", "--commitment", "cp-a"]);
    // A month of 400 PTU: commitment 400 x 500 = 200,000; a one-year
    // reservation 400 x 620 = 248,000; one-month 400 x 744 = 297,600.
    // Every option costs more than renewing: none is recommended.
    assert_eq!(plan["recommended"], Value::Null);
    for o in plan["options"].as_array().unwrap() {
        assert!(money(&o["saving_lifetime"]) < Decimal::ZERO, "{o}");
    }
    // The year loses 48,000 a month from 10 Dec: between 11 and 12 months
    // of it over the 12-month lifetime (11 x 48,000 = 528,000; 12 x 48,000
    // = 576,000).
    let loss = -saving(&plan, "overlap-1y");
    assert!(loss > d("528000") && loss < d("576000"), "{loss}");
    assert!(
        plan["notes"]
            .to_string()
            .contains("Doing nothing is cheapest over the lifetime"),
        "{}",
        plan["notes"]
    );
    same(&lib(&e, migrate(), None), &plan);
}

#[test]
fn discontinue_turns_off_the_reservations_renewal_and_says_what_it_saves() {
    // Story: the last deployment on aoai-a (100 PTU) is covered by a
    // one-month reservation that autorenews; discontinuing must stop it
    // renewing too.
    let v = estate(
        vec![regional("chat", "aoai-a", 100)],
        vec![],
        vec![reservation(
            "res-a",
            100,
            "2026-11-10T00:00:00Z",
            "P1M",
            "upfront",
            "ProvisionedManaged",
        )],
    );
    let (e, _dir, file) = both(&v);
    let plan = cli(&file, &["discontinue", "--resource", "aoai-a"]);
    assert_eq!(plan["recommended"], "discontinue");
    let o = option(&plan, "discontinue");
    let (at, _) = step(
        o,
        "Set reservation res-a (100 PTU Regional in eastus2) not to renew",
    );
    assert_eq!(at, NOW);
    // What the renewals would cost over the open-ended 12 months (22 Nov
    // 09:00 -> 22 Nov 09:00 2027), amortized, 100 x 744 = 74,400 a term
    // from 10 Dec: 11 whole terms (10 Dec .. 9 Nov) = 818,400, and 12 days
    // 9 hours of the term from 10 Nov (30 days): 74,400 x 12.375 / 30 =
    // 30,690. Together 849,090.
    assert!(
        fact(&plan, "renewals turned off").contains("saves 849,090.00"),
        "{}",
        fact(&plan, "renewals turned off")
    );
    // The deletion itself saves nothing more: the reservation paid for it.
    assert_eq!(saving(&plan, "discontinue"), d("849090.00"));
    let set = lib(
        &e,
        Subject::Discontinue {
            resource: "aoai-a".into(),
        },
        None,
    );
    same(&set, &plan);
    let applied = planner::apply(&e, set.option("discontinue").unwrap()).unwrap();
    let r = applied
        .reservations
        .iter()
        .find(|r| r.id == "res-a")
        .unwrap();
    assert_eq!(
        reservation_renewal_for(r, t("2026-12-10T00:00:00Z")),
        ReservationRenewal::None
    );
}

#[test]
fn discontinue_beside_a_neighbour_renews_the_shared_reservation_smaller() {
    // Story: a 200 PTU reservation covers chat (100, aoai-a) and chat-b
    // (100, aoai-b); discontinuing aoai-a leaves chat-b needing 100: renew
    // at 100, not off, not 200.
    let v = estate(
        vec![
            regional("chat", "aoai-a", 100),
            regional("chat-b", "aoai-b", 100),
        ],
        vec![],
        vec![reservation(
            "res-s",
            200,
            "2026-11-10T00:00:00Z",
            "P1M",
            "upfront",
            "ProvisionedManaged",
        )],
    );
    let (e, _dir, file) = both(&v);
    let plan = cli(&file, &["discontinue", "--resource", "aoai-a"]);
    let o = option(&plan, "discontinue");
    let (_, action) = step(
        o,
        "Set reservation res-s to renew at 100 PTU instead of 200",
    );
    assert!(action.contains("2026-12-10 00:00 UTC"), "{action}");
    // The 100 PTU it stops renewing cost what the whole of res-a did in the
    // story above: 849,090 over the 12 months.
    assert!(
        fact(&plan, "renewals turned off").contains("saves 849,090.00"),
        "{}",
        fact(&plan, "renewals turned off")
    );
    let set = lib(
        &e,
        Subject::Discontinue {
            resource: "aoai-a".into(),
        },
        None,
    );
    same(&set, &plan);
    // Applied, chat-b stays covered: no hourly in January.
    let applied = planner::apply(&e, set.option("discontinue").unwrap()).unwrap();
    let f = actual(&applied, "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z");
    assert_eq!(f.totals.hourly, Decimal::ZERO);
    assert_eq!(f.totals.unused_reservation_ptu_minutes, 0);
}

#[test]
fn a_commitment_smaller_than_deployed_covers_the_excess_now() {
    // Story: 400 PTU deployed on a 300 PTU commitment: 100 pay hourly
    // until the expiry; cover them with a reservation now, buy the rest at
    // the expiry.
    let v = estate(
        vec![regional("chat", "aoai-a", 400)],
        vec![commitment(300)],
        vec![],
    );
    let (e, _dir, file) = both(&v);
    let plan = cli(
        &file,
        &["migrate", "--commitment", "cp-a", "--horizon", "30d"],
    );
    // Hourly until the purchase before the expiry: 100 PTU x 2.00 x 417 h
    // (22 Nov 09:00 -> 9 Dec 18:00) = 83,400.
    assert!(
        fact(&plan, "excess before the expiry").contains("(83,400.00 on the hourly meter"),
        "{}",
        fact(&plan, "excess before the expiry")
    );
    // Doing nothing over the 30 days: the commitment renews at 300, so 100
    // PTU pay hourly the whole window: 100 x 2.00 x 720 = 144,000.
    assert_eq!(money(&plan["baseline"]["costs"]["hourly"]), d("144000"));
    for name in ["overlap", "overlap-1y"] {
        let o = option(&plan, name);
        assert_eq!(money(&o["costs"]["hourly"]), Decimal::ZERO, "{name}");
        let (at, action) = step(o, "Buy reservation res-cp-a-excess: 100 PTU");
        assert_eq!(at, NOW, "{name}: {action}");
        // At the expiry, net of the 100 already bought: 400 - 100 = 300.
        let (at, _) = step(o, "Buy reservation res-cp-a: 300 PTU");
        assert_eq!(at, "2026-12-09T18:00:00Z");
    }
    same(&lib(&e, migrate(), Some(30)), &plan);
}

#[test]
fn deploy_first_then_buy_the_excess_when_it_is_deployed() {
    // Story: chat-b (100 PTU) is planned for 1 Dec beside a 300 PTU
    // commitment fully used by chat: its reservation is bought the first
    // whole hour after it is deployed (01:00), not now and not at 00:00.
    let v = estate(
        vec![
            regional("chat", "aoai-a", 300),
            dep(
                "chat-b",
                "aoai-a",
                100,
                "2026-12-01T00:00:00Z",
                None,
                "ProvisionedManaged",
            ),
        ],
        vec![commitment(300)],
        vec![],
    );
    let (e, _dir, file) = both(&v);
    let plan = cli(&file, &["migrate", "--commitment", "cp-a"]);
    let o = option(&plan, "overlap-1y");
    let (at, _) = step(o, "Buy reservation res-cp-a-excess: 100 PTU");
    assert_eq!(at, "2026-12-01T01:00:00Z");
    // It would pay hourly 1 Dec 01:00 -> 9 Dec 18:00 = 209 h: 100 x 2.00 x
    // 209 = 41,800.
    assert!(
        fact(&plan, "excess before the expiry").contains("(41,800.00 on the hourly meter"),
        "{}",
        fact(&plan, "excess before the expiry")
    );
    same(&lib(&e, migrate(), None), &plan);
}

#[test]
fn sizes_are_net_of_an_idle_reservation_in_scope() {
    // Story: a 150 PTU one-year reservation idles in sub-a beside the
    // commitment; at the expiry it takes 150 of the 400 PTU: buy 250.
    let v = estate(
        vec![regional("chat", "aoai-a", 400)],
        vec![commitment(400)],
        vec![reservation(
            "res-idle",
            150,
            "2026-09-01T00:00:00Z",
            "P1Y",
            "monthly",
            "ProvisionedManaged",
        )],
    );
    let (e, _dir, file) = both(&v);
    let plan = cli(&file, &["migrate", "--commitment", "cp-a"]);
    // 400 deployed - 150 in scope = 250.
    assert!(
        fact(&plan, "reservation quantity").starts_with("250 PTU for sub-a / eastus2"),
        "{}",
        fact(&plan, "reservation quantity")
    );
    let rec = plan["recommended"].as_str().unwrap().to_string();
    let (_, action) = step(option(&plan, &rec), "Buy reservation res-cp-a: 250 PTU");
    assert!(action.contains("scope"), "{action}");
    same(&lib(&e, migrate(), None), &plan);
}

#[test]
fn converting_beside_a_one_year_reservation_offers_the_conversion_at_its_expiry() {
    // Story: chat (100 PTU Regional) is covered by a one-year reservation
    // to 1 Jun 2027; converting to Global now strands it for six months:
    // convert at its expiry instead, and say doing nothing is cheaper.
    let v = estate(
        vec![regional("chat", "aoai-a", 100)],
        vec![],
        vec![reservation(
            "res-y",
            100,
            "2026-06-01T00:00:00Z",
            "P1Y",
            "monthly",
            "ProvisionedManaged",
        )],
    );
    let (e, _dir, file) = both(&v);
    let args = [
        "convert",
        "--deployment",
        "chat",
        "--to",
        "GlobalProvisionedManaged",
        "--horizon",
        "30d",
    ];
    let plan = cli(&file, &args);
    let o = option(&plan, "at-expiry");
    // The switch is 6 hours (the margin) before res-y expires 1 Jun 00:00;
    // the Global deployment is created a day (the overlap) before it.
    let (at, _) = step(o, "Create deployment chat-global");
    assert_eq!(at, "2027-05-30T18:00:00Z");
    let (at, _) = step(o, "Once the Requests metric shows no calls");
    assert_eq!(at, "2027-05-31T18:00:00Z");
    let (_, action) = step(
        o,
        "Set reservation res-y (100 PTU Regional in eastus2) not to renew",
    );
    assert!(action.contains("2027-06-01 00:00 UTC"), "{action}");
    // Over the 30 days nothing changes yet: the same as doing nothing.
    assert_eq!(money(&o["vs_nothing"]), Decimal::ZERO);
    // Converting now creates 100 Global PTU at 15:00 (now + 6 h) and buys
    // their reservation at 16:00 (deploy first, then buy) beside the idle
    // res-y: the hour between pays 100 x 1.00 = 100 hourly; 100 x 372 =
    // 37,200 a term, amortized from midnight: 22 Nov .. 21 Dec (30 days,
    // 1,240 a day): 15 h of 22 Nov = 775, 29 days = 35,960; the renewal
    // from 22 Dec (31 days, 1,200 a day): 9 h = 450. 37,285 more over the
    // 30 days.
    assert_eq!(
        money(&option(&plan, "zero-downtime")["vs_nothing"]),
        d("37285.00")
    );
    // Converting now costs more than doing nothing over the lifetime (a
    // Global reservation on top of res-y, idle to June); at its expiry it
    // saves (Global costs 372 a PTU-month against res-y's 620 renewed).
    let now_opt = option(&plan, "zero-downtime");
    assert!(money(&now_opt["saving_lifetime"]) < Decimal::ZERO);
    assert!(
        now_opt["notes"]
            .to_string()
            .contains("Doing nothing is cheaper than this option over the lifetime"),
        "{}",
        now_opt["notes"]
    );
    assert!(money(&o["saving_lifetime"]) > Decimal::ZERO);
    let set = lib(
        &e,
        Subject::Convert {
            deployment: "chat".into(),
            to: Sku::Global,
        },
        Some(30),
    );
    same(&set, &plan);
    // The workload is open-ended: the Global reservation bought at the
    // expiry also comes on a one-year term (310 a PTU-month against 372),
    // cheaper over the lifetime, and recommended.
    assert_eq!(set.recommended.as_deref(), Some("at-expiry-1y"));
    assert!(saving(&plan, "at-expiry-1y") > saving(&plan, "at-expiry"));
}

fn move_chat() -> Subject {
    Subject::Move {
        deployment: "chat".into(),
        to_resource: "aoai-b".into(),
    }
}

#[test]
fn a_move_of_an_open_ended_workload_offers_the_one_year_term() {
    // Story: chat (100 PTU Regional, no discount, no deletion planned)
    // moves from aoai-a to aoai-b; the reservation it buys there comes on a
    // one-month term and, the lifetime being open-ended, on a one-year term
    // too, which is recommended.
    let v = estate(vec![regional("chat", "aoai-a", 100)], vec![], vec![]);
    let (e, _dir, file) = both(&v);
    let plan = cli(
        &file,
        &["move", "--deployment", "chat", "--to-resource", "aoai-b"],
    );
    assert_eq!(plan["lifetime"]["text"], "open-ended, taken as 12 months");
    assert_eq!(plan["recommended"], "overlap-1y");
    let o = option(&plan, "overlap-1y");
    // Created at 15:00 (now + 6 h), bought the hour after.
    let (at, action) = step(o, "Buy reservation res-chat@aoai-b:");
    assert_eq!(at, "2026-11-22T16:00:00Z");
    assert!(action.contains("1 year, billed monthly"), "{action}");
    // Over 22 Nov 09:00 -> 22 Nov 2027 09:00 (8,760 h), doing nothing pays
    // 100 x 2.00 x 8,760 = 1,752,000 hourly. The overlap pays the old
    // deployment 30 h (09:00 -> 15:00 the next day): 6,000; the year is
    // 100 x 7,440 = 744,000 in monthly periods of 62,000, amortized over
    // calendar days from 22 Nov (the first period's 30 days): the 9 hours
    // of 22 Nov before the window (9/24 x 62,000 / 30 = 775) are made up by
    // the 9 hours of 22 Nov 2027 the renewal's first period puts in it.
    // The new deployment pays hourly the hour before its purchase (deploy
    // first, then buy): 100 x 2.00 = 200. Saves 1,752,000 - 6,000 - 200 -
    // 744,000 = 1,001,800.
    assert_eq!(saving(&plan, "overlap-1y"), d("1001800.00"));
    // One-month terms: 12 x 74,400 = 892,800 (the same 9 hours in and out,
    // 930 each), plus 6,200: saves 853,000, 148,800 less than the year.
    assert_eq!(saving(&plan, "overlap"), d("853000.00"));
    same(&lib(&e, move_chat(), None), &plan);
}

#[test]
fn a_move_before_a_planned_deletion_keeps_one_month_terms() {
    // Story: the same move, the workload retired on 1 Mar 2027 (planned):
    // no one-year option; the one-month purchase stops renewing after the
    // term that holds the deletion (22 Feb 16:00 .. 22 Mar 16:00: bought at
    // 16:00, the hour after the deployment at 15:00).
    let v = estate(
        vec![dep(
            "chat",
            "aoai-a",
            100,
            "2026-10-01T00:00:00Z",
            Some("2027-03-01T00:00:00Z"),
            "ProvisionedManaged",
        )],
        vec![],
        vec![],
    );
    let (e, _dir, file) = both(&v);
    let plan = cli(
        &file,
        &["move", "--deployment", "chat", "--to-resource", "aoai-b"],
    );
    assert!(
        plan["options"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| !o["name"].as_str().unwrap().ends_with("-1y")),
        "{}",
        plan["options"]
    );
    let (at, _) = step(
        option(&plan, "overlap"),
        "Set reservation res-chat@aoai-b not to renew",
    );
    assert_eq!(at, "2027-02-22T16:00:00Z");
    same(&lib(&e, move_chat(), None), &plan);
}

#[test]
fn a_move_before_a_deletion_fourteen_months_out_offers_the_year_and_stops_it() {
    // Story: the same move, the workload retired on 22 Jan 2028: fourteen
    // months, so the one-year term is offered, its renewal off from the
    // start of its second year (22 Nov 2027 16:00), the term that holds the
    // deletion.
    let v = estate(
        vec![dep(
            "chat",
            "aoai-a",
            100,
            "2026-10-01T00:00:00Z",
            Some("2028-01-22T00:00:00Z"),
            "ProvisionedManaged",
        )],
        vec![],
        vec![],
    );
    let (e, _dir, file) = both(&v);
    let plan = cli(
        &file,
        &["move", "--deployment", "chat", "--to-resource", "aoai-b"],
    );
    let o = option(&plan, "overlap-1y");
    let (at, _) = step(o, "Set reservation res-chat@aoai-b not to renew");
    assert_eq!(at, "2027-11-22T16:00:00Z");
    same(&lib(&e, move_chat(), None), &plan);
}

#[test]
fn the_managed_migration_buys_the_excess_now_and_later_deployments_when_deployed() {
    // Story: 400 PTU on a 300 PTU commitment, 100 more planned for 15 Jan
    // 2027. The managed migration covers the 100 over the commitment now
    // (they pay hourly until the agreed date otherwise), buys the other
    // 300 on the agreed date, and the 100 planned on 15 January the first
    // whole hour after they are deployed (deploy first, then buy).
    let v = estate(
        vec![
            regional("chat", "aoai-a", 400),
            dep(
                "chat-b",
                "aoai-a",
                100,
                "2027-01-15T00:00:00Z",
                None,
                "ProvisionedManaged",
            ),
        ],
        vec![commitment(300)],
        vec![],
    );
    let (e, _dir, file) = both(&v);
    let plan = cli(&file, &["migrate", "--commitment", "cp-a"]);
    let o = option(&plan, "managed");
    let (at, _) = step(o, "Buy reservation res-cp-a-excess: 100 PTU");
    assert_eq!(at, NOW);
    // On the agreed date 400 are deployed, 100 already reserved: 300.
    step(o, "Buy reservation res-cp-a: 300 PTU");
    let (at, _) = step(o, "Buy reservation res-cp-a-later: 100 PTU");
    assert_eq!(at, "2027-01-15T01:00:00Z");
    // Applied, 15 January pays hourly only the hour between: 100 x 2.00.
    let set = lib(&e, migrate(), None);
    same(&set, &plan);
    let applied = planner::apply(&e, set.option("managed").unwrap()).unwrap();
    let f = actual(&applied, "2027-01-15T00:00:00Z", "2027-01-16T00:00:00Z");
    assert_eq!(f.totals.hourly, d("200"));
    let f = actual(&applied, "2027-01-15T01:00:00Z", "2027-01-16T00:00:00Z");
    assert_eq!(f.totals.hourly, Decimal::ZERO);
}

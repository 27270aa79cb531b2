//! `ptudesk plan` as a user runs it, and the planner as the TUI calls it:
//! every kind of plan on hand-made estates whose figures are worked out
//! here from the rules in docs/, and on the demo; the recommendation; the
//! margin; `--apply` against `forecast`, to the cent; undo; bad input.

mod common;

use ptudesk::domain::Estate;
use ptudesk::domain::prices::PriceBook;
use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::planner::{self, Params, Subject};
use ptudesk::rating::{self, Basis, Bucket, Request};
use rust_decimal::Decimal;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const NOW: &str = "2026-11-22T09:00:00Z";
const SIMPLE: &str = "tests/data/plan/simple.json";

fn ptudesk(db: Option<&Path>, args: &[&str]) -> Output {
    let mut c = common::ptudesk();
    c.args(args);
    if let Some(db) = db {
        c.env("PTUDESK_DB", db);
    }
    c.output().expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn ok(db: Option<&Path>, args: &[&str]) -> String {
    let o = ptudesk(db, args);
    assert!(o.status.success(), "{args:?} failed: {}", stderr(&o));
    stdout(&o)
}

fn json(db: Option<&Path>, args: &[&str]) -> Value {
    serde_json::from_str(&ok(db, args)).expect("JSON")
}

/// A plan of the simple estate as JSON, over 30 days from NOW.
fn simple(args: &[&str]) -> Value {
    let mut all = vec!["--scenario", SIMPLE, "--now", NOW, "plan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--horizon", "30d", "--format", "json"]);
    json(None, &all)
}

fn demo(args: &[&str], format: &str) -> String {
    let mut all = vec!["--demo", "--now", NOW, "plan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", format]);
    ok(None, &all)
}

fn option<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("no option {name} in {}", plan["options"]))
}

fn names(plan: &Value) -> Vec<String> {
    plan["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

fn windows<'a>(o: &'a Value, kind: &str) -> Vec<&'a Value> {
    o["windows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["kind"] == kind)
        .collect()
}

fn step_at<'a>(o: &'a Value, starts: &str) -> &'a str {
    o["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["action"].as_str().unwrap().starts_with(starts))
        .unwrap_or_else(|| panic!("no step starting {starts:?} in {}", o["steps"]))["at"]
        .as_str()
        .unwrap()
}

fn fact<'a>(plan: &'a Value, label: &str) -> &'a str {
    plan["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == label)
        .unwrap_or_else(|| panic!("no fact {label}"))["value"]
        .as_str()
        .unwrap()
}

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

// The simple estate: aoai-a (sub-a, eastus2) runs `chat`, 400 PTU Regional,
// under cp-a, 400 PTU bought 2026-11-10 00:00 and autorenewing; aoai-b is
// empty in the same subscription and region. Prices per PTU: hourly 2.00,
// reservation 744 a month (400 PTU: 297,600; over a 31-day period 9,600 a
// day, 400 an hour), 7,440 a year (billed monthly 620: 248,000 for 400 PTU;
// 8,000 a day over 31 days), commitment 1,000 a month (400,000). Global:
// reservation 372 a month. Now is 2026-11-22 09:00; the horizon 30 days.
// cp-a expires (or renews) 2026-12-10 00:00.
//
// On the amortized basis (what `vs_nothing` and the recommendation use):
// cp-a's term (400,000 over 30 days, 13,333.33 a day) from 22 Nov 09:00 to
// 10 Dec is 17.625 days: 235,000; its renewal (400,000 over 31 days) from 10
// Dec to 22 Dec 09:00, 12.375 days: 159,677.42. Doing nothing: 394,677.42.

#[test]
fn migrate_small_estate_matches_the_arithmetic() {
    let p = simple(&["migrate", "--commitment", "cp-a"]);
    assert_eq!(p["subject"], "cp-a");
    assert_eq!(p["kind"], "migrate");
    assert_eq!(names(&p), ["overlap", "overlap-1y", "gap", "managed"]);
    // Doing nothing: cp-a renews on 10 Dec for another month, billed up front.
    assert_eq!(p["baseline"]["costs"]["commitment"], "400000.00");
    assert_eq!(p["baseline"]["costs"]["total"], "400000.00");

    // Overlap: bought 6 hours before the expiry, at the whole hour.
    let o = option(&p, "overlap");
    assert_eq!(step_at(o, "Set commitment cp-a"), NOW);
    assert_eq!(step_at(o, "Buy reservation"), "2026-12-09T18:00:00Z");
    assert_eq!(o["costs"]["reservation"], "297600.00");
    assert_eq!(o["costs"]["commitment"], "0.00");
    assert_eq!(o["costs"]["total"], "297600.00");
    // Billed in the horizon: 102,400 less than cp-a's renewal. Amortized:
    // cp-a 235,000 + the reservation's 9,600 a day from the midnight of its
    // purchase day, 13.375 days, 128,400 = 363,400, against 394,677.42.
    assert_eq!(o["vs_nothing"], "-31277.42");
    assert_eq!(o["comparison"]["basis"], "amortized");
    assert_eq!(o["comparison"]["total"], "363400.00");
    // The one-month term bought up front is paid within the horizon.
    assert_eq!(o["costs"]["committed_after_horizon"], "0.00");
    assert_eq!(o["comparison"]["committed_after_horizon"], "169200.00");
    assert_eq!(o["comparison"]["all_in"], "532600.00");
    assert_eq!(o["downtime"], "PT0S");
    // 6 h x 400 PTU at the reservation's 400 an hour.
    assert_eq!(o["costs"]["double_billing"], "2400.00");
    let db = windows(o, "double_billing");
    assert_eq!(db.len(), 1);
    assert_eq!(db[0]["start"], "2026-12-09T18:00:00Z");
    assert_eq!(db[0]["end"], "2026-12-10T00:00:00Z");
    assert_eq!(db[0]["cost"], "2400.00");
    assert_eq!(db[0]["ptu_hours"], "2400.0000");

    // One year, billed monthly: 620 x 400 on purchase; 8,000 a day: 2,000 for 6 h.
    let o = option(&p, "overlap-1y");
    assert_eq!(o["costs"]["reservation"], "248000.00");
    assert_eq!(o["costs"]["double_billing"], "2000.00");
    assert_eq!(o["costs"]["total"], "248000.00");
    // It commits to 11 more monthly payments after the horizon: 2,728,000;
    // all in (amortized), cp-a's 235,000 and the whole year's 2,976,000.
    assert_eq!(o["costs"]["committed_after_horizon"], "2728000.00");
    assert_eq!(o["comparison"]["all_in"], "3211000.00");
    assert!(
        o["notes"].to_string().contains("2,728,000.00"),
        "{}",
        o["notes"]
    );

    // Gap: bought 6 hours after the expiry; 6 h x 400 PTU x 2.00 hourly.
    let o = option(&p, "gap");
    assert_eq!(step_at(o, "Buy reservation"), "2026-12-10T06:00:00Z");
    assert_eq!(o["costs"]["hourly"], "4800.00");
    assert_eq!(o["costs"]["double_billing"], "0.00");
    assert_eq!(o["costs"]["total"], "302400.00");
    let ov = windows(o, "overage");
    assert_eq!(ov.len(), 1);
    assert_eq!(ov[0]["subject"], "aoai-a");
    assert_eq!(ov[0]["start"], "2026-12-10T00:00:00Z");
    assert_eq!(ov[0]["end"], "2026-12-10T06:00:00Z");

    // Managed: agreed date the first midnight a week out (30 Nov); credit =
    // 1,000 x 400 x 10 days left / 30 days in the term, on 1 Dec.
    let o = option(&p, "managed");
    assert_eq!(step_at(o, "Buy reservation"), "2026-11-30T00:00:00Z");
    assert_eq!(o["costs"]["credit"], "-133333.33");
    assert_eq!(o["costs"]["reservation"], "297600.00");
    assert_eq!(o["costs"]["total"], "164266.67");
    // The credit pays back the commitment time the reservation overlaps:
    // nothing is paid twice, though the what-if's window stays (forecast
    // shows it once applied).
    assert_eq!(o["costs"]["double_billing"], "0.00");
    assert!(!windows(o, "double_billing").is_empty());
    // Cancelled within 2-3 business days of Monday 30 Nov, before the expiry.
    assert_eq!(
        step_at(o, "By now Microsoft has cancelled cp"),
        "2026-12-03T00:00:00Z"
    );
    assert_eq!(o["safe"], false);
    assert_eq!(o["unsafe_because"], "needs the account team");
    let notes = o["notes"].to_string();
    assert!(notes.contains("newest (2026) page"), "{notes}");
    assert!(
        o["preconditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["check"] == "agreement")
    );

    // Compared over the workload's lifetime, not the 30-day horizon: no
    // deletion is planned, so open-ended, taken as 12 months; the year pays
    // off from 10 months (7,440 / 744), so the one-year term is
    // recommended; managed is cheaper but not safe.
    assert_eq!(p["recommended"], "overlap-1y");
    assert_eq!(p["lifetime"]["text"], "open-ended, taken as 12 months");
    assert!(
        fact(&p, "1-month vs 1-year").contains("10 months or more"),
        "{}",
        fact(&p, "1-month vs 1-year")
    );
    assert!(p["notes"].to_string().contains("Term by lifetime"));
    assert!(!p["notes"].to_string().contains("--horizon 365d"));
    assert!(fact(&p, "reservation quantity").starts_with("400 PTU for sub-a / eastus2"));
    assert!(fact(&p, "best purchase time").starts_with("2026-12-09 18:00 UTC"));
}

#[test]
fn margin_moves_the_purchase_time() {
    let wide = simple(&["migrate", "--commitment", "cp-a", "--margin", "30h"]);
    let o = option(&wide, "overlap");
    assert_eq!(step_at(o, "Buy reservation"), "2026-12-08T18:00:00Z");
    // 30 h x 400 an hour.
    assert_eq!(o["costs"]["double_billing"], "12000.00");
    let gap = option(&wide, "gap");
    assert_eq!(step_at(gap, "Buy reservation"), "2026-12-11T06:00:00Z");
    // 30 h x 400 PTU x 2.00.
    assert_eq!(gap["costs"]["hourly"], "24000.00");

    // A margin that is not whole hours: the latest whole hour before E - M.
    let odd = simple(&["migrate", "--commitment", "cp-a", "--margin", "90m"]);
    assert_eq!(
        step_at(option(&odd, "overlap"), "Buy reservation"),
        "2026-12-09T22:00:00Z"
    );

    let none = simple(&["migrate", "--commitment", "cp-a", "--margin", "0h"]);
    let o = option(&none, "overlap");
    assert_eq!(step_at(o, "Buy reservation"), "2026-12-10T00:00:00Z");
    assert_eq!(o["costs"]["double_billing"], "0.00");
    assert!(windows(o, "double_billing").is_empty());
}

/// Deploy first, then buy, by hand on the simple estate (docs/migrations.md#deploy-first-then-buy):
/// `overlap-reservation` creates chat@aoai-b (400 PTU Regional) at
/// 2026-12-08 18:00 and buys its reservation at 19:00, the first whole hour
/// after. The hour between pays hourly: cp-a covers only aoai-a, so
/// 400 PTU x 1 h x 2.00 = 800.00. The reservation: 400 PTU x 744.00 (one
/// month, up front) = 297,600.00. Total 298,400.00. On the amortized basis
/// the reservation's month is spread from the midnight of its purchase day
/// as before, so the comparison with doing nothing moves by the 800.00 too.
#[test]
fn deploy_first_then_buy_prices_the_hour_between() {
    let p = simple(&["move", "--deployment", "chat", "--to-resource", "aoai-b"]);
    for name in [
        "no-overlap",
        "overlap",
        "no-overlap-reservation",
        "overlap-reservation",
        "late-downtime",
        "late-hourly",
        "late-renew",
        "no-overlap-reservation-1y",
        "overlap-reservation-1y",
    ] {
        let o = option(&p, name);
        let steps = o["steps"].as_array().unwrap();
        let create = steps
            .iter()
            .position(|s| {
                s["action"]
                    .as_str()
                    .unwrap()
                    .starts_with("Create deployment")
            })
            .unwrap_or_else(|| panic!("{name}: no creation in {steps:?}"));
        let buy = steps
            .iter()
            .position(|s| s["action"].as_str().unwrap().starts_with("Buy "))
            .unwrap_or_else(|| panic!("{name}: no purchase in {steps:?}"));
        // The purchase comes after the creation, an hour later.
        assert!(create < buy, "{name}: {steps:?}");
        let at = |i: usize| {
            chrono::DateTime::parse_from_rfc3339(steps[i]["at"].as_str().unwrap()).unwrap()
        };
        assert_eq!(at(buy) - at(create), chrono::Duration::hours(1), "{name}");
    }

    let o = option(&p, "overlap-reservation");
    assert_eq!(
        step_at(o, "Create deployment chat@aoai-b"),
        "2026-12-08T18:00:00Z"
    );
    assert_eq!(step_at(o, "Buy reservation"), "2026-12-08T19:00:00Z");
    assert_eq!(o["costs"]["hourly"], "800.00");
    assert_eq!(o["costs"]["reservation"], "297600.00");
    assert_eq!(o["costs"]["total"], "298400.00");
    // The gap is the one hourly window: aoai-b, 18:00 to 19:00, 400 PTU-h.
    let w = windows(o, "overage");
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["subject"], "aoai-b");
    assert_eq!(w[0]["start"], "2026-12-08T18:00:00Z");
    assert_eq!(w[0]["end"], "2026-12-08T19:00:00Z");
    assert_eq!(w[0]["ptu_hours"], "400.0000");
    assert_eq!(w[0]["cost"], "800.00");
    // Against doing nothing (amortized): 800.00 more than buying at the
    // creation did (-21,677.42), over the horizon and over the lifetime.
    assert_eq!(o["vs_nothing"], "-20877.42");
    assert_eq!(o["saving_lifetime"], "1148000.00");
}

#[test]
fn move_small_estate_matches_the_arithmetic() {
    let p = simple(&["move", "--deployment", "chat", "--to-resource", "aoai-b"]);
    assert_eq!(p["subject"], "chat -> aoai-b");
    assert_eq!(
        names(&p),
        [
            "no-overlap",
            "overlap",
            "no-overlap-reservation",
            "overlap-reservation",
            "late-downtime",
            "late-hourly",
            "late-renew",
            // The workload is open-ended: each purchase also on a one-year term.
            "no-overlap-reservation-1y",
            "overlap-reservation-1y"
        ]
    );
    // Option 1: delete 6 h before the expiry, deploy at it, commit the
    // hour after (deploy first, then buy): that hour pays 400 x 2.00 hourly.
    let o = option(&p, "no-overlap");
    assert_eq!(step_at(o, "Stop traffic"), "2026-12-09T18:00:00Z");
    assert_eq!(
        step_at(o, "Create deployment chat@aoai-b"),
        "2026-12-10T00:00:00Z"
    );
    assert_eq!(step_at(o, "Buy commitment"), "2026-12-10T01:00:00Z");
    assert_eq!(o["downtime"], "PT6H");
    assert_eq!(o["costs"]["commitment"], "400000.00");
    assert_eq!(o["costs"]["hourly"], "800.00");
    assert_eq!(o["safe"], false);
    // Option 2: both live for a day before the old one goes.
    let o = option(&p, "overlap");
    assert_eq!(
        step_at(o, "Create deployment chat@aoai-b"),
        "2026-12-08T18:00:00Z"
    );
    assert_eq!(step_at(o, "Buy commitment"), "2026-12-08T19:00:00Z");
    assert_eq!(
        step_at(o, "Once the Requests metric"),
        "2026-12-09T18:00:00Z"
    );
    assert_eq!(o["downtime"], "PT0S");
    assert_eq!(o["costs"]["total"], "400800.00");
    let pre = o["preconditions"].to_string();
    assert!(pre.contains("800 Regional PTU"), "{pre}");
    assert!(pre.contains("1 August 2024"), "{pre}");
    // Reservation-based: 297,600 for 400 PTU, one month, plus the hour
    // before it (see deploy_first_then_buy_prices_the_hour_between).
    let o = option(&p, "overlap-reservation");
    assert_eq!(o["costs"]["reservation"], "297600.00");
    assert_eq!(o["costs"]["total"], "298400.00");
    // Open-ended: the one-year term (248,000 a month here) is recommended.
    assert_eq!(
        option(&p, "overlap-reservation-1y")["costs"]["reservation"],
        "248000.00"
    );
    assert_eq!(p["recommended"], "overlap-reservation-1y");

    // Running late: 24 h x 400 PTU x 2.00 hourly, against one more month.
    let late = |n: &str| d(option(&p, n)["costs"]["total"].as_str().unwrap());
    assert_eq!(late("late-hourly") - late("late-downtime"), d("19200"));
    assert_eq!(late("late-renew") - late("late-downtime"), d("400000"));
    assert_eq!(option(&p, "late-downtime")["downtime"], "P1D");
    assert_eq!(option(&p, "late-renew")["contingency"], true);
    // 400,000 / 19,200 = 20.83 days.
    assert!(
        fact(&p, "break-even (late)").starts_with("20.8 days"),
        "{}",
        fact(&p, "break-even (late)")
    );
}

/// The simple estate with the Regional quota at `limit`, as a file.
fn simple_with_quota(dir: &Path, limit: i64) -> PathBuf {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(SIMPLE).unwrap()).unwrap();
    v["quotas"][0]["limit"] = limit.into();
    let p = dir.join(format!("quota-{limit}.json"));
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

#[test]
fn quota_short_for_the_overlap_recommends_the_switchover() {
    let dir = tempfile::tempdir().unwrap();
    let file = simple_with_quota(dir.path(), 500);
    let p = json(
        None,
        &[
            "--scenario",
            file.to_str().unwrap(),
            "--now",
            NOW,
            "plan",
            "move",
            "--deployment",
            "chat",
            "--to-resource",
            "aoai-b",
            "--horizon",
            "30d",
            "--format",
            "json",
        ],
    );
    let unmet = |n: &str| {
        option(&p, n)["preconditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["check"] == "quota" && x["status"] == "unmet")
    };
    assert!(unmet("overlap") && unmet("overlap-reservation"));
    assert!(!unmet("no-overlap") && !unmet("no-overlap-reservation"));
    // No safe option can be carried out: the cheapest one that can (the
    // one-year term, the workload being open-ended).
    assert!(!unmet("no-overlap-reservation-1y"));
    assert_eq!(p["recommended"], "no-overlap-reservation-1y");
}

#[test]
fn convert_small_estate_matches_the_arithmetic() {
    let p = simple(&[
        "convert",
        "--deployment",
        "chat",
        "--to",
        "GlobalProvisionedManaged",
    ]);
    assert_eq!(p["subject"], "chat -> GlobalProvisionedManaged");
    assert!(fact(&p, "reservation type needed").starts_with("Global"));
    let o = option(&p, "zero-downtime");
    assert_eq!(
        step_at(o, "Create deployment chat-global"),
        "2026-12-08T18:00:00Z"
    );
    assert_eq!(
        step_at(o, "Once the Requests metric"),
        "2026-12-09T18:00:00Z"
    );
    // A Global reservation: 372 x 400, bought the hour after the Global
    // deployment is created (deploy first, then buy): that hour pays
    // 400 PTU x 1.00 hourly.
    assert_eq!(step_at(o, "Buy reservation"), "2026-12-08T19:00:00Z");
    assert_eq!(o["costs"]["reservation"], "148800.00");
    assert_eq!(o["costs"]["hourly"], "400.00");
    assert_eq!(o["costs"]["total"], "149200.00");
    assert!(o["steps"].to_string().contains("400 PTU Global"));
    let o = option(&p, "with-downtime");
    assert_eq!(o["downtime"], "PT1H");
    assert_eq!(step_at(o, "Create deployment"), "2026-12-09T19:00:00Z");
    assert_eq!(step_at(o, "Buy reservation"), "2026-12-09T20:00:00Z");
    // Open-ended: the same purchase on a one-year term is cheaper over the
    // twelve months, and recommended.
    assert!(
        option(&p, "zero-downtime-1y")["steps"]
            .to_string()
            .contains("1 year, billed monthly")
    );
    assert_eq!(p["recommended"], "zero-downtime-1y");
    assert_eq!(p["baseline"]["costs"]["total"], "400000.00");

    // --ptu sets the new size.
    let p = simple(&[
        "convert",
        "--deployment",
        "chat",
        "--to",
        "global",
        "--ptu",
        "300",
    ]);
    assert_eq!(
        option(&p, "zero-downtime")["costs"]["reservation"],
        "111600.00"
    );
}

#[test]
fn discontinue_prices_each_late_day() {
    let p = simple(&["discontinue", "--resource", "aoai-a"]);
    let o = option(&p, "discontinue");
    assert_eq!(step_at(o, "Set commitment cp-a"), NOW);
    assert_eq!(step_at(o, "Delete deployment chat"), "2026-12-09T18:00:00Z");
    assert_eq!(o["costs"]["total"], "0.00");
    // Amortized: cp-a's renewal from 10 Dec to 22 Dec 09:00 (400,000 / 31 x
    // 12.375 days) is what stopping saves in the horizon; the rest of that
    // term is what doing nothing commits to after it.
    assert_eq!(o["vs_nothing"], "-159677.42");
    assert_eq!(
        p["baseline"]["comparison"]["committed_after_horizon"],
        "240322.58"
    );
    let late = option(&p, "late");
    assert_eq!(late["contingency"], true);
    assert_eq!(
        step_at(late, "Delete deployment chat"),
        "2026-12-11T00:00:00Z"
    );
    let ov = windows(late, "overage");
    assert_eq!(ov[0]["start"], "2026-12-10T00:00:00Z");
    assert_eq!(ov[0]["cost"], "19200.00");
    // 400 PTU x 2.00 x 24 h.
    assert!(fact(&p, "each day late").starts_with("19,200.00"));
    assert_eq!(p["recommended"], "discontinue");

    // Two days late cost twice as much, per day the same.
    let p = simple(&["discontinue", "--resource", "aoai-a", "--late", "2d"]);
    assert_eq!(option(&p, "late")["costs"]["hourly"], "38400.00");
    assert!(fact(&p, "each day late").starts_with("19,200.00"));
}

#[test]
fn every_kind_on_the_demo() {
    // cp-eastus2-prod (400 PTU, not renewing, expires 10 Dec) already has a
    // reservation planned on 5 Dec: five days of double billing.
    let p: Value = serde_json::from_str(&demo(
        &["migrate", "--commitment", "cp-eastus2-prod"],
        "json",
    ))
    .unwrap();
    assert_eq!(p["baseline"]["costs"]["double_billing"], "15677.42");
    let o = option(&p, "overlap");
    assert_eq!(
        step_at(o, "Buy reservation res-eus2-regional"),
        "2026-12-09T18:00:00Z"
    );
    // 400 PTU x 2,916 / 12 a month over a 31-day period, for 6 hours.
    assert_eq!(o["costs"]["double_billing"], "783.87");
    // Billed the same in the horizon as the purchase planned for 5 Dec, but
    // the horizon's days cost less (amortized): the double billing it cuts.
    assert_eq!(o["costs"]["total"], p["baseline"]["costs"]["total"]);
    assert!(d(o["vs_nothing"].as_str().unwrap()) < d("-13000"));
    // Compared over the workload's lifetime (open-ended, 12 months), the
    // one-year term pays off (2,916 / 286: 10.2 months to break even): the
    // purchase as planned, one year.
    assert_eq!(p["recommended"], "overlap");
    assert!(fact(&p, "already planned").contains("res-eus2-regional"));

    // cp-eastus-legacy expires 27 Nov 09:00 and nothing replaces it.
    let p: Value = serde_json::from_str(&demo(
        &["migrate", "--commitment", "cp-eastus-legacy"],
        "json",
    ))
    .unwrap();
    // 300 PTU x 2.00 x 24 h x 85 days.
    assert_eq!(p["baseline"]["costs"]["hourly"], "1224000.00");
    let o = option(&p, "overlap");
    assert_eq!(
        step_at(o, "Buy reservation res-cp-eastus-legacy"),
        "2026-11-27T03:00:00Z"
    );
    assert_eq!(o["costs"]["hourly"], "0.00");

    let p: Value = serde_json::from_str(&demo(
        &[
            "move",
            "--deployment",
            "rag-gpt4omini",
            "--to-resource",
            "aoai-eastus2-sandbox",
        ],
        "json",
    ))
    .unwrap();
    assert!(names(&p).contains(&"overlap-reservation".to_string()));
    assert!(p["recommended"].is_string());

    // support-gpt4o pays hourly beside an idle Global reservation: converting
    // lets res-wus3-global cover it, nothing to buy.
    let p: Value = serde_json::from_str(&demo(
        &[
            "convert",
            "--deployment",
            "support-gpt4o",
            "--to",
            "GlobalProvisionedManaged",
        ],
        "json",
    ))
    .unwrap();
    let o = option(&p, "zero-downtime");
    assert!(!o["steps"].to_string().contains("Buy reservation"));
    assert!(d(o["vs_nothing"].as_str().unwrap()) < Decimal::ZERO);

    let p: Value = serde_json::from_str(&demo(
        &["discontinue", "--resource", "aoai-eastus-legacy"],
        "json",
    ))
    .unwrap();
    // 300 PTU x 2.00 x 24 h.
    assert!(fact(&p, "each day late").starts_with("14,400.00"));
    assert_eq!(
        step_at(option(&p, "discontinue"), "Delete deployment"),
        "2026-11-27T03:00:00Z"
    );
}

#[test]
fn tables_fit_80_columns() {
    for args in [
        vec!["migrate", "--commitment", "cp-eastus2-prod"],
        vec!["migrate", "--commitment", "cp-eastus-legacy"],
        vec![
            "move",
            "--deployment",
            "chat-gpt4o",
            "--to-resource",
            "aoai-westus3-apps",
        ],
        vec![
            "convert",
            "--deployment",
            "support-gpt4o",
            "--to",
            "DataZoneProvisionedManaged",
        ],
        vec!["discontinue", "--resource", "aoai-eastus-legacy"],
    ] {
        let text = demo(&args, "table");
        assert!(text.starts_with("Plan "), "{text}");
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{args:?}: {} columns: {line}",
                line.chars().count()
            );
        }
    }
}

#[test]
fn json_follows_the_issue() {
    let p = simple(&["migrate", "--commitment", "cp-a"]);
    assert!(p["subject"].is_string());
    assert!(p["recommended"].is_string());
    let iso = |s: &str| {
        s.starts_with('P')
            && s.len() > 2
            && s[1..]
                .chars()
                .all(|c| c.is_ascii_digit() || "DTHMS".contains(c))
    };
    for o in p["options"].as_array().unwrap() {
        assert!(o["name"].is_string());
        assert!(o["notes"].is_array());
        assert!(iso(o["downtime"].as_str().unwrap()), "{}", o["downtime"]);
        for s in o["steps"].as_array().unwrap() {
            let at = s["at"].as_str().unwrap();
            assert!(at.ends_with('Z') && parse_time_arg(at).is_ok(), "{at}");
            assert!(s["action"].is_string());
        }
        for key in [
            "double_billing",
            "hourly",
            "commitment",
            "reservation",
            "total",
        ] {
            let v = o["costs"][key].as_str().unwrap();
            let (_, cents) = v.split_once('.').expect("two decimals");
            assert_eq!(cents.len(), 2, "{key} = {v}");
        }
    }
}

#[test]
fn iso_durations() {
    use chrono::Duration;
    assert_eq!(planner::iso_duration(Duration::zero()), "PT0S");
    assert_eq!(planner::iso_duration(Duration::hours(2)), "PT2H");
    assert_eq!(planner::iso_duration(Duration::hours(28)), "P1DT4H");
    assert_eq!(planner::iso_duration(Duration::days(2)), "P2D");
    assert_eq!(planner::iso_duration(Duration::minutes(90)), "PT1H30M");
}

fn store_with(dir: &Path, file: &str) -> PathBuf {
    let db = dir.join("store.db");
    ok(
        Some(&db),
        &["import", file, "--now", "2026-11-20T00:00:00Z"],
    );
    db
}

fn demo_file(dir: &Path) -> String {
    let text = ok(None, &["export", "--demo", "--now", NOW]);
    let p = dir.join("demo.json");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn forecast(db: &Path, from: &str, to: &str) -> Value {
    json(
        Some(db),
        &[
            "forecast", "--from", from, "--to", to, "--format", "json", "--now", NOW,
        ],
    )
}

/// The forecast's windows of these kinds, as (kind, subject, start, end, cost).
fn window_rows(
    ws: &Value,
    kinds: &[&str],
    subjects: &[&str],
) -> Vec<(String, String, String, String, String)> {
    let mut v: Vec<_> = ws
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| kinds.contains(&w["kind"].as_str().unwrap()))
        .filter(|w| subjects.is_empty() || subjects.contains(&w["subject"].as_str().unwrap()))
        .map(|w| {
            let s = |k: &str| w[k].as_str().unwrap().to_string();
            (s("kind"), s("subject"), s("start"), s("end"), s("cost"))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn applied_plans_agree_with_forecast_to_the_cent() {
    for (args, option_name) in [
        (vec!["migrate", "--commitment", "cp-a"], "overlap"),
        (vec!["migrate", "--commitment", "cp-a"], "gap"),
        (
            vec!["move", "--deployment", "chat", "--to-resource", "aoai-b"],
            "overlap-reservation",
        ),
        (vec!["discontinue", "--resource", "aoai-a"], "late"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let db = store_with(dir.path(), SIMPLE);
        let mut all = vec!["--now", NOW, "plan"];
        all.extend_from_slice(&args);
        all.extend_from_slice(&[
            "--horizon",
            "30d",
            "--format",
            "json",
            "--apply",
            option_name,
        ]);
        let p = json(Some(&db), &all);
        assert_eq!(p["applied"]["option"], option_name);
        assert!(p["applied"]["change"].is_i64());
        let o = option(&p, option_name);
        let f = forecast(&db, p["from"].as_str().unwrap(), p["to"].as_str().unwrap());
        let kinds = ["overage", "double_billing"];
        assert_eq!(
            window_rows(&f["windows"], &kinds, &[]),
            window_rows(&o["windows"], &kinds, &[]),
            "{args:?} {option_name}"
        );
        assert!(
            !window_rows(&o["windows"], &kinds, &[]).is_empty()
                || option_name == "overlap-reservation",
            "the plan predicts a window for {option_name}"
        );
        // The estate is this one plan: the totals are the plan's.
        for key in ["hourly", "commitment", "reservation", "total"] {
            assert_eq!(f["totals"][key], o["costs"][key], "{option_name} {key}");
        }
    }
}

#[test]
fn applied_demo_plan_agrees_with_forecast() {
    let dir = tempfile::tempdir().unwrap();
    let file = demo_file(dir.path());
    let db = store_with(dir.path(), &file);
    let p = json(
        Some(&db),
        &[
            "--now",
            NOW,
            "plan",
            "migrate",
            "--commitment",
            "cp-eastus-legacy",
            "--format",
            "json",
            "--apply",
            "overlap",
        ],
    );
    let o = option(&p, "overlap");
    let f = forecast(&db, p["from"].as_str().unwrap(), p["to"].as_str().unwrap());
    let subjects = [
        "aoai-eastus-legacy",
        "res-cp-eastus-legacy",
        "cp-eastus-legacy",
    ];
    let kinds = ["overage", "double_billing", "unused"];
    let predicted = window_rows(&o["windows"], &kinds, &subjects);
    assert!(!predicted.is_empty());
    assert_eq!(window_rows(&f["windows"], &kinds, &subjects), predicted);
    // The plan's reservation charges are the forecast's for its instruments.
    let charges: Decimal = f["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            let id = i["id"].as_str().unwrap();
            ptudesk::domain::terms::is_term_of(id, "res-cp-eastus-legacy")
        })
        .map(|i| d(i["charges"].as_str().unwrap()))
        .sum();
    assert_eq!(
        charges.to_string(),
        o["costs"]["reservation"].as_str().unwrap()
    );
}

#[test]
fn apply_is_undoable() {
    let dir = tempfile::tempdir().unwrap();
    let db = store_with(dir.path(), SIMPLE);
    let before = ok(Some(&db), &["export"]);
    let text = ok(
        Some(&db),
        &[
            "--now",
            NOW,
            "plan",
            "migrate",
            "--commitment",
            "cp-a",
            "--apply",
            "overlap-1y",
        ],
    );
    assert!(
        text.contains("Applied option overlap-1y as change #"),
        "{text}"
    );
    let after = ok(Some(&db), &["export"]);
    assert_ne!(before, after);
    let snap: Value = serde_json::from_str(&after).unwrap();
    let res = &snap["reservations"][0];
    assert_eq!(res["id"], "res-cp-a");
    assert_eq!(res["start"], "2026-12-09T18:00:00Z");
    assert_eq!(res["term"], "P1Y");
    assert_eq!(
        snap["commitments"][0]["renewal_changes"][0]["renewal"]["mode"],
        "none"
    );
    let log = ok(Some(&db), &["log"]);
    assert!(log.contains("plan migrate cp-a: overlap-1y"), "{log}");
    ok(Some(&db), &["undo", "--now", NOW]);
    assert_eq!(ok(Some(&db), &["export"]), before);
}

#[test]
fn bad_input_is_one_message_exit_1_and_the_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let file = demo_file(dir.path());
    let db = store_with(dir.path(), &file);
    let before = ok(Some(&db), &["export"]);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["migrate", "--commitment", "cp-nope"], "cp-nope"),
        (
            vec![
                "move",
                "--deployment",
                "nope",
                "--to-resource",
                "aoai-eastus2-sandbox",
            ],
            "nope",
        ),
        (
            vec![
                "move",
                "--deployment",
                "chat-gpt4o",
                "--to-resource",
                "aoai-nowhere",
            ],
            "aoai-nowhere",
        ),
        (
            vec![
                "move",
                "--deployment",
                "chat-gpt4o",
                "--to-resource",
                "aoai-eastus2-prod",
            ],
            "already on resource",
        ),
        (
            vec![
                "convert",
                "--deployment",
                "research-gpt41",
                "--to",
                "GlobalProvisionedManaged",
            ],
            "already Global",
        ),
        (
            vec![
                "convert",
                "--deployment",
                "chat-gpt4o",
                "--to",
                "ProvisionedManaged",
            ],
            "Regional",
        ),
        (
            vec![
                "migrate",
                "--commitment",
                "cp-eastus2-prod",
                "--horizon",
                "3x",
            ],
            "3x",
        ),
        (
            vec![
                "migrate",
                "--commitment",
                "cp-eastus2-prod",
                "--margin",
                "soon",
            ],
            "soon",
        ),
        (
            vec![
                "migrate",
                "--commitment",
                "cp-eastus2-prod",
                "--apply",
                "bogus",
            ],
            "bogus",
        ),
        (
            vec!["discontinue", "--resource", "aoai-nowhere"],
            "aoai-nowhere",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec!["--now", NOW, "plan"];
        all.extend_from_slice(&args);
        for extra in [vec![], vec!["--apply", "overlap"]] {
            if args.contains(&"--apply") && !extra.is_empty() {
                continue;
            }
            let mut run = all.clone();
            run.extend_from_slice(&extra);
            let o = ptudesk(Some(&db), &run);
            assert_eq!(o.status.code(), Some(1), "{run:?}: {}", stdout(&o));
            let err = stderr(&o);
            assert_eq!(err.trim_end().lines().count(), 1, "{run:?}: {err}");
            assert!(err.contains(needle), "{run:?}: {err}");
            assert_eq!(
                ok(Some(&db), &["export"]),
                before,
                "{run:?} changed the store"
            );
        }
    }
    // An expired commitment: nothing to plan.
    let o = ptudesk(
        Some(&db),
        &[
            "--now",
            "2026-12-15T00:00:00Z",
            "plan",
            "migrate",
            "--commitment",
            "cp-eastus-legacy",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("expired at 2026-11-27T09:00:00Z"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn apply_needs_a_store() {
    for source in [vec!["--demo"], vec!["--scenario", SIMPLE]] {
        let mut args = source.clone();
        args.extend_from_slice(&[
            "--now",
            NOW,
            "plan",
            "discontinue",
            "--resource",
            if source[0] == "--demo" {
                "aoai-eastus-legacy"
            } else {
                "aoai-a"
            },
            "--apply",
            "discontinue",
        ]);
        let o = ptudesk(None, &args);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stderr(&o).contains("--apply writes the plan into the store"),
            "{}",
            stderr(&o)
        );
    }
}

// The planner as the TUI calls it.

fn load(path: &str) -> Estate {
    ptudesk::ingest::snapshot::load(Path::new(path)).unwrap()
}

fn params(horizon_days: i64) -> Params {
    let mut p = Params::new(t(NOW));
    p.horizon = chrono::Duration::days(horizon_days);
    p
}

#[test]
fn library_plans_rate_exactly_what_apply_writes() {
    let estate = load(SIMPLE);
    let book = PriceBook::default_book();
    let subject = Subject::Migrate {
        commitment: "cp-a".into(),
    };
    let set = planner::plans(&estate, &book, &subject, &params(30)).unwrap();
    // Open-ended workload: the one-year term, whatever the horizon.
    assert_eq!(set.recommended.as_deref(), Some("overlap-1y"));
    assert_eq!(set.from, t(NOW));
    assert_eq!(set.to, t("2026-12-22T09:00:00Z"));
    for o in &set.options {
        let after = planner::apply(&estate, o).unwrap();
        let f = rating::forecast(
            &after,
            &book,
            &Request {
                from: set.from,
                to: set.to,
                basis: Basis::Actual,
                by: Bucket::Month,
            },
            &rating::Options::default(),
        )
        .unwrap();
        // Exact, before any rounding: the plan is the rating of its what-if.
        assert_eq!(f.totals.hourly, o.costs.hourly, "{}", o.name);
        assert_eq!(f.totals.commitment, o.costs.commitment, "{}", o.name);
        assert_eq!(f.totals.reservation, o.costs.reservation, "{}", o.name);
        assert_eq!(
            f.totals.total() + o.costs.credit,
            o.costs.total(),
            "{}",
            o.name
        );
        assert_eq!(f.windows, o.windows, "{}", o.name);
        // Compared on the amortized basis, whatever the costs' basis.
        let amortized = rating::forecast(
            &after,
            &book,
            &Request {
                from: set.from,
                to: set.to,
                basis: Basis::Amortized,
                by: Bucket::Month,
            },
            &rating::Options::default(),
        )
        .unwrap();
        if o.credits.is_empty() {
            assert_eq!(amortized.totals.total(), o.compare.total, "{}", o.name);
        }
        assert_eq!(
            o.vs_nothing,
            o.compare.total - set.baseline.compare.total,
            "{}",
            o.name
        );
    }
    // Every step of an applied plan is in the future.
    let o = set.option("overlap").unwrap();
    assert!(o.steps.iter().all(|s| s.at >= t(NOW)));
    let after = planner::apply(&estate, o).unwrap();
    let r = after
        .reservations
        .iter()
        .find(|r| r.id == "res-cp-a")
        .unwrap();
    assert_eq!(r.start, t("2026-12-09T18:00:00Z"));
    assert_eq!(r.ptu, 400);

    let err = planner::apply_named(&estate, &book, &subject, &params(30), "nope").unwrap_err();
    assert!(err.to_string().contains("overlap-1y"), "{err}");
}

#[test]
fn library_amortized_basis_and_errors() {
    let estate = load(SIMPLE);
    let book = PriceBook::default_book();
    let mut p = params(30);
    p.basis = Basis::Amortized;
    let set = planner::plans(
        &estate,
        &book,
        &Subject::Migrate {
            commitment: "cp-a".into(),
        },
        &p,
    )
    .unwrap();
    assert_eq!(set.basis, Basis::Amortized);
    // cp-a's current term (400,000 over 30 days) from 22 Nov 09:00 to 10
    // Dec: 17.625 days; the 1-month reservation (9,600 a day) from 9 Dec
    // to 22 Dec 09:00: 13.375 days.
    let o = set.option("overlap").unwrap();
    assert_eq!(o.costs.commitment, d("235000"));
    assert_eq!(o.costs.reservation, d("128400"));

    let e = planner::plans(
        &estate,
        &book,
        &Subject::Convert {
            deployment: "chat".into(),
            to: ptudesk::domain::Sku::Regional,
        },
        &p,
    )
    .unwrap_err();
    assert!(e.to_string().contains("not to Regional"), "{e}");
    let e = planner::plans(
        &estate,
        &book,
        &Subject::Discontinue {
            resource: "aoai-b".into(),
        },
        &p,
    )
    .unwrap_err();
    assert!(e.to_string().contains("nothing to discontinue"), "{e}");
}

// Two commitments in one subscription and region: cp-a (300 PTU on ra,
// bought 20 Nov 08:00, expires 20 Dec 08:00) and cp-b (100 PTU on rb,
// bought 5 Nov, renews 5 Dec), both autorenewing. Prices per PTU: hourly
// 2.00, reservation 1,000 a month, 11,000 a year, commitment 1,100 a month.
// Now is 1 Dec 10:30; the horizon 90 days (to 1 Mar 11:00).
const TWO_COMMITMENTS: &str = r#"{
  "schema": "ptudesk.snapshot/1",
  "currency": "USD",
  "billing_accounts": [{"id": "ba", "subscriptions": ["sub-a", "sub-b"]}],
  "prices": [
    {"region": "eastus2", "sku": "ProvisionedManaged", "hourly": "2.00",
     "reservation_month": "1000.00", "reservation_year": "11000.00",
     "commitment_month": "1100.00"}
  ],
  "quotas": [{"subscription": "sub-a", "region": "eastus2", "sku": "ProvisionedManaged", "limit": 500}],
  "resources": [
    {"id": "ra", "subscription": "sub-a", "resource_group": "rg", "region": "eastus2"},
    {"id": "rb", "subscription": "sub-a", "resource_group": "rg", "region": "eastus2"}
  ],
  "deployments": [
    {"id": "chat", "resource": "ra", "model": "gpt-4o", "version": "2024-08-06",
     "sku": "ProvisionedManaged", "sizes": [{"at": "2026-10-01T00:00:00Z", "ptu": 300}]},
    {"id": "other", "resource": "rb", "model": "gpt-4o", "version": "2024-08-06",
     "sku": "ProvisionedManaged", "sizes": [{"at": "2026-10-01T00:00:00Z", "ptu": 100}]}
  ],
  "commitments": [
    {"id": "cp-a", "resource": "ra", "start": "2026-11-20T08:00:00Z", "ptu": 300,
     "renewal": {"mode": "autorenew"}},
    {"id": "cp-b", "resource": "rb", "start": "2026-11-05T00:00:00Z", "ptu": 100,
     "renewal": {"mode": "autorenew"}}
  ],
  "reservations": []
}"#;
const TWO_NOW: &str = "2026-12-01T10:30:00Z";

fn scenario_file(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

fn plan_file(file: &Path, now: &str, args: &[&str]) -> Value {
    let mut all = vec!["--scenario", file.to_str().unwrap(), "--now", now, "plan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    json(None, &all)
}

#[test]
fn managed_keeps_the_renewals_before_the_agreed_date() {
    let dir = tempfile::tempdir().unwrap();
    let v: Value = serde_json::from_str(TWO_COMMITMENTS).unwrap();
    let file = scenario_file(dir.path(), "two.json", &v);
    let p = plan_file(&file, TWO_NOW, &["migrate", "--commitment", "cp-a"]);
    let o = option(&p, "managed");
    // Agreed date: the first midnight a week out, 9 Dec. cp-b renews on 5
    // Dec as it would anyway (110,000 = 1,100 x 100); the change that stops
    // its renewal is dated at the agreed date, not now.
    assert_eq!(step_at(o, "Buy reservation"), "2026-12-09T00:00:00Z");
    assert_eq!(
        step_at(o, "Commitment cp-b is cancelled"),
        "2026-12-09T00:00:00Z"
    );
    assert_eq!(
        step_at(o, "Commitment cp-a is cancelled"),
        "2026-12-09T00:00:00Z"
    );
    assert_eq!(o["costs"]["commitment"], "110000.00");
    // No overage on rb between its renewal and the agreed date.
    assert_eq!(o["costs"]["hourly"], "0.00");
    assert!(windows(o, "overage").is_empty(), "{}", o["windows"]);
    // 400 PTU bought 9 Dec, 9 Jan, 9 Feb: 3 x 400,000.
    assert_eq!(o["costs"]["reservation"], "1200000.00");
    // Credit for the terms in force on 9 Dec: cp-a 1,100 x 300 x 11/30 =
    // 121,000; cp-b (5 Dec .. 5 Jan, 31 days) 1,100 x 100 x 27/31 =
    // 95,806.45.
    assert_eq!(o["costs"]["credit"], "-216806.45");
    assert_eq!(o["costs"]["total"], "1093193.55");
    assert_eq!(o["costs"]["double_billing"], "0.00");
    assert!(fact(&p, "managed quantity").starts_with("400 PTU for sub-a / eastus2"));
}

#[test]
fn reservation_size_counts_what_is_already_covered_per_subscription() {
    let dir = tempfile::tempdir().unwrap();
    let mut v: Value = serde_json::from_str(TWO_COMMITMENTS).unwrap();
    // cp-b covers rb's 100 PTU at cp-a's expiry: 300 are left to cover.
    let file = scenario_file(dir.path(), "two.json", &v);
    let p = plan_file(&file, TWO_NOW, &["migrate", "--commitment", "cp-a"]);
    let q = fact(&p, "reservation quantity");
    assert!(q.starts_with("300 PTU for sub-a / eastus2"), "{q}");
    assert!(
        q.contains("400 deployed (ra 300, rb 100), less 100 covered"),
        "{q}"
    );
    // Without cp-b, rb's 100 PTU are covered by res-x (200 PTU Regional,
    // subscription scope): its 100 spare PTU cover part of chat once cp-a
    // expires, so 200 are left.
    v["commitments"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["id"] != "cp-b");
    v["reservations"] = serde_json::json!([{
        "id": "res-x", "name": "x", "region": "eastus2", "sku": "ProvisionedManaged",
        "ptu": 200, "term": "P1Y", "billing": "monthly", "start": "2026-10-01T00:00:00Z",
        "scope": {"type": "subscription", "subscription": "sub-a"},
        "renewal": {"mode": "none"}
    }]);
    let file = scenario_file(dir.path(), "spare.json", &v);
    let p = plan_file(&file, TWO_NOW, &["migrate", "--commitment", "cp-a"]);
    let q = fact(&p, "reservation quantity");
    assert!(q.starts_with("200 PTU for sub-a / eastus2"), "{q}");
    assert!(
        q.contains("less 200 covered by discounts already in scope (res-x)"),
        "{q}"
    );
    let notes = p["notes"].to_string();
    assert!(notes.contains("the committed size, 300 PTU"), "{notes}");
    assert!(notes.contains("the PTU deployed on ra, 300 PTU"), "{notes}");
    for name in ["overlap", "overlap-1y", "gap"] {
        let o = option(&p, name);
        assert!(
            o["steps"]
                .to_string()
                .contains("res-cp-a: 200 PTU Regional"),
            "{name}: {}",
            o["steps"]
        );
        // Nothing of the new reservation idles.
        assert!(
            !windows(o, "unused")
                .iter()
                .any(|w| w["subject"].as_str().unwrap().starts_with("res-cp-a")),
            "{name}: {}",
            o["windows"]
        );
        assert_eq!(
            o["costs"]["hourly"],
            if name == "gap" { "2400.00" } else { "0.00" }
        );
    }
    // The managed migration sizes the subscription the same way.
    assert!(fact(&p, "managed quantity").starts_with("200 PTU"));
}

#[test]
fn applied_managed_plan_agrees_with_forecast_but_for_the_credit() {
    let dir = tempfile::tempdir().unwrap();
    let db = store_with(dir.path(), SIMPLE);
    let p = json(
        Some(&db),
        &[
            "--now",
            NOW,
            "plan",
            "migrate",
            "--commitment",
            "cp-a",
            "--horizon",
            "30d",
            "--format",
            "json",
            "--apply",
            "managed",
        ],
    );
    let o = option(&p, "managed");
    let f = forecast(&db, p["from"].as_str().unwrap(), p["to"].as_str().unwrap());
    // The windows are the forecast's, the double billing from the agreed
    // date included (the store keeps cp-a to its expiry).
    let kinds = ["overage", "double_billing", "unused"];
    let predicted = window_rows(&o["windows"], &kinds, &[]);
    assert!(predicted.iter().any(|w| w.0 == "double_billing"));
    assert_eq!(window_rows(&f["windows"], &kinds, &[]), predicted);
    for key in ["hourly", "commitment", "reservation"] {
        assert_eq!(f["totals"][key], o["costs"][key], "{key}");
    }
    // What differs: the credit, which the forecast can't show, and the
    // double billing it pays back.
    assert_eq!(
        d(f["totals"]["total"].as_str().unwrap()) + d(o["costs"]["credit"].as_str().unwrap()),
        d(o["costs"]["total"].as_str().unwrap())
    );
    assert_eq!(o["costs"]["double_billing"], "0.00");
    let notes = o["notes"].to_string();
    assert!(notes.contains("leaves out the credit"), "{notes}");
    assert!(notes.contains("133,333.33"), "{notes}");
}

#[test]
fn a_free_scope_change_makes_the_move_cost_nothing_extra() {
    // rag-gpt4omini (100 PTU) moves from sub-prod to sub-sandbox, both in
    // eastus2. res-eus2-regional (400 PTU, one year billed monthly at 2,916
    // / 12 = 243 a PTU, planned for 5 Dec, scope sub-prod) covers it today.
    let p: Value = serde_json::from_str(&demo(
        &[
            "move",
            "--deployment",
            "rag-gpt4omini",
            "--to-resource",
            "aoai-eastus2-sandbox",
        ],
        "json",
    ))
    .unwrap();
    let o = option(&p, "overlap-rescope");
    // Widened to shared (the billing account holds both subscriptions), it
    // covers chat-gpt4o and the new deployment: nothing to buy; 3 x 97,200.
    assert_eq!(
        step_at(o, "Change the scope of reservation res-eus2-regional"),
        "2026-12-08T18:00:00Z"
    );
    assert!(o["steps"].to_string().contains("to shared ba-contoso"));
    assert!(!o["steps"].to_string().contains("Buy reservation"));
    assert_eq!(o["costs"]["reservation"], "291600.00");
    assert_eq!(o["costs"]["total"], "291600.00");
    assert_eq!(o["costs"]["hourly"], "0.00");
    assert_eq!(o["downtime"], "PT0S");
    assert!(names(&p).contains(&"no-overlap-rescope".to_string()));
    // Without the scope change, the planned purchase is resized to what
    // chat-gpt4o needs (300: 72,900 a month) and 100 PTU bought for the
    // target (one month, 286 x 100 = 28,600): 3 x 101,500; bought the hour
    // after the new deployment is created, which pays 100 x 2.00 hourly
    // (deploy first, then buy): 304,700.
    let o = option(&p, "overlap-reservation");
    assert!(
        o["steps"].to_string().contains(
            "Resize the planned purchase of reservation res-eus2-regional from 400 to 300 PTU"
        ),
        "{}",
        o["steps"]
    );
    assert_eq!(o["costs"]["hourly"], "200.00");
    assert_eq!(o["costs"]["total"], "304700.00");
    assert!(
        !windows(o, "unused")
            .iter()
            .any(|w| w["subject"] == "res-eus2-regional"),
        "{}",
        o["windows"]
    );
    // The plan's note names the options that re-scope it.
    let notes = p["notes"].to_string();
    assert!(
        notes.contains("overlap-rescope change its scope"),
        "{notes}"
    );
}

#[test]
fn applied_rescope_plan_agrees_with_forecast() {
    let dir = tempfile::tempdir().unwrap();
    let file = demo_file(dir.path());
    let db = store_with(dir.path(), &file);
    let p = json(
        Some(&db),
        &[
            "--now",
            NOW,
            "plan",
            "move",
            "--deployment",
            "rag-gpt4omini",
            "--to-resource",
            "aoai-eastus2-sandbox",
            "--format",
            "json",
            "--apply",
            "overlap-rescope",
        ],
    );
    let o = option(&p, "overlap-rescope");
    let f = forecast(&db, p["from"].as_str().unwrap(), p["to"].as_str().unwrap());
    let subjects = [
        "aoai-eastus2-prod",
        "aoai-eastus2-sandbox",
        "res-eus2-regional",
        "cp-eastus2-prod",
    ];
    let kinds = ["overage", "double_billing", "unused"];
    let predicted = window_rows(&o["windows"], &kinds, &subjects);
    assert!(!predicted.is_empty());
    assert_eq!(window_rows(&f["windows"], &kinds, &subjects), predicted);
    let snap: Value = serde_json::from_str(&ok(Some(&db), &["export"])).unwrap();
    let r = snap["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "res-eus2-regional")
        .unwrap();
    assert_eq!(r["scope_changes"][0]["scope"]["type"], "shared");
}

#[test]
fn a_conversion_resizes_or_drops_planned_purchases_it_leaves_idle() {
    // chat-gpt4o (300 of cp-eastus2-prod's 400 PTU) goes Global; only
    // rag-gpt4omini (100) stays Regional once cp-eastus2-prod expires, so
    // the planned res-eus2-regional shrinks to 100 PTU (24,300 a month)
    // rather than idling 300 PTU for a year; the Global reservation is 300
    // x 260 a month: 3 x (24,300 + 78,000), plus the hour between the
    // Global deployment and its purchase (deploy first, then buy), 300 x
    // 1.00 hourly.
    let p: Value = serde_json::from_str(&demo(
        &[
            "convert",
            "--deployment",
            "chat-gpt4o",
            "--to",
            "GlobalProvisionedManaged",
        ],
        "json",
    ))
    .unwrap();
    for name in ["zero-downtime", "with-downtime"] {
        let o = option(&p, name);
        assert_eq!(
            step_at(
                o,
                "Resize the planned purchase of reservation res-eus2-regional from 400 to 100 PTU"
            ),
            NOW,
            "{name}"
        );
        assert_eq!(o["costs"]["hourly"], "300.00", "{name}");
        assert_eq!(o["costs"]["total"], "307200.00", "{name}");
        assert!(
            !windows(o, "unused")
                .iter()
                .any(|w| w["subject"] == "res-eus2-regional"),
            "{name}: {}",
            o["windows"]
        );
    }
    let notes = p["notes"].to_string();
    assert!(!notes.contains("refund limit"), "{notes}");
    assert!(notes.contains("only planned"), "{notes}");

    // Nothing Regional left: a purchase planned for the resource is dropped.
    let dir = tempfile::tempdir().unwrap();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(SIMPLE).unwrap()).unwrap();
    v["reservations"] = serde_json::json!([{
        "id": "res-planned", "name": "planned", "region": "eastus2", "sku": "ProvisionedManaged",
        "ptu": 400, "term": "P1M", "billing": "upfront", "start": "2026-12-09T18:00:00Z",
        "scope": {"type": "subscription", "subscription": "sub-a"},
        "renewal": {"mode": "autorenew"}
    }]);
    let file = scenario_file(dir.path(), "planned.json", &v);
    let p = plan_file(
        &file,
        NOW,
        &[
            "convert",
            "--deployment",
            "chat",
            "--to",
            "global",
            "--horizon",
            "30d",
        ],
    );
    let o = option(&p, "zero-downtime");
    assert_eq!(
        step_at(o, "Drop the planned purchase of reservation res-planned"),
        NOW
    );
    // Only the Global reservation: 372 x 400, and the hour before it (deploy
    // first, then buy): 400 x 1.00 hourly.
    assert_eq!(o["costs"]["reservation"], "148800.00");
    assert_eq!(o["costs"]["total"], "149200.00");
}

#[test]
fn a_year_is_recommended_only_when_it_pays_off_within_the_horizon() {
    // Over 30 days the one-month term wins (see above); over a year, the
    // one-year term costs 12 x 248,000 = 2,976,000 against twelve months of
    // 297,600 = 3,571,200: it wins, counting what it commits to.
    let p = {
        let mut all = vec!["--scenario", SIMPLE, "--now", NOW, "plan"];
        all.extend_from_slice(&["migrate", "--commitment", "cp-a", "--horizon", "365d"]);
        all.extend_from_slice(&["--format", "json"]);
        json(None, &all)
    };
    assert_eq!(p["recommended"], "overlap-1y");
    let y = option(&p, "overlap-1y");
    let m = option(&p, "overlap");
    let all_in = |o: &Value| d(o["comparison"]["all_in"].as_str().unwrap());
    assert!(all_in(y) < all_in(m));
    assert!(!p["notes"].to_string().contains("--horizon 365d"));
}

#[test]
fn vs_nothing_shows_the_cost_of_no_downtime() {
    // Committed on the target: both options bill 400,000 in the horizon,
    // but the overlap's commitment starts two days earlier (8 Dec 18:00
    // against 10 Dec 00:00; amortized from the midnight of its day): 2 x
    // 400,000 / 31 = 25,806.45 more for no downtime.
    let p = simple(&["move", "--deployment", "chat", "--to-resource", "aoai-b"]);
    let vs = |n: &str| d(option(&p, n)["vs_nothing"].as_str().unwrap());
    assert_eq!(
        option(&p, "overlap")["costs"]["total"],
        option(&p, "no-overlap")["costs"]["total"]
    );
    assert_eq!(vs("overlap") - vs("no-overlap"), d("25806.45"));
}

#[test]
fn late_options_say_what_they_cost_and_renew_only_what_is_needed() {
    // The demo's rag move: past cp-eastus2-prod's expiry the old deployment
    // (100 PTU) is all that nothing covers (the planned reservation shrinks
    // to chat-gpt4o's 300): one more renewal at 100 PTU (312 x 100), not
    // 400; hourly 100 x 2.00 x 24 a late day, plus the hour between the new
    // deployment and its reservation (deploy first, then buy), 100 x 2.00.
    let p: Value = serde_json::from_str(&demo(
        &[
            "move",
            "--deployment",
            "rag-gpt4omini",
            "--to-resource",
            "aoai-eastus2-sandbox",
        ],
        "json",
    ))
    .unwrap();
    let renew = option(&p, "late-renew");
    assert!(renew["title"].as_str().unwrap().contains("at 100 PTU"));
    assert_eq!(renew["costs"]["commitment"], "31200.00");
    assert!(fact(&p, "break-even (late)").starts_with("6.5 days"));
    let hourly = option(&p, "late-hourly");
    assert_eq!(hourly["costs"]["hourly"], "5000.00");
    assert!(hourly["notes"].to_string().contains("pays the hourly rate"));

    // A reservation with room for both: the old deployment costs nothing
    // hourly past the expiry, and renewing would buy nothing.
    let dir = tempfile::tempdir().unwrap();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(SIMPLE).unwrap()).unwrap();
    v["reservations"] = serde_json::json!([{
        "id": "res-big", "name": "big", "region": "eastus2", "sku": "ProvisionedManaged",
        "ptu": 800, "term": "P1M", "billing": "upfront", "start": "2026-11-01T00:00:00Z",
        "scope": {"type": "subscription", "subscription": "sub-a"},
        "renewal": {"mode": "autorenew"}
    }]);
    let file = scenario_file(dir.path(), "big.json", &v);
    let p = plan_file(
        &file,
        NOW,
        &[
            "move",
            "--deployment",
            "chat",
            "--to-resource",
            "aoai-b",
            "--horizon",
            "30d",
        ],
    );
    let hourly = option(&p, "late-hourly");
    assert_eq!(hourly["costs"]["hourly"], "0.00");
    let notes = hourly["notes"].to_string();
    assert!(!notes.contains("pays the hourly rate"), "{notes}");
    assert!(notes.contains("cost nothing hourly"), "{notes}");
    assert!(!names(&p).contains(&"late-renew".to_string()));
    assert!(p["notes"].to_string().contains("would cover nothing"));
    assert!(fact(&p, "break-even (late)").starts_with("none"));
}

#[test]
fn plans_rate_with_the_config_like_forecast() {
    // A reservation refunded on 1 Dec (a plan) with a 10% early termination
    // fee in the config: the plan's costs must be the forecast's.
    let dir = tempfile::tempdir().unwrap();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(SIMPLE).unwrap()).unwrap();
    v["reservations"] = serde_json::json!([{
        "id": "res-old", "name": "old", "region": "eastus2", "sku": "ProvisionedManaged",
        "ptu": 100, "term": "P1M", "billing": "upfront", "start": "2026-11-20T00:00:00Z",
        "scope": {"type": "subscription", "subscription": "sub-a"},
        "renewal": {"mode": "none"}, "refunded_at": "2026-12-01T00:00:00Z"
    }]);
    let file = scenario_file(dir.path(), "refund.json", &v);
    let db = store_with(dir.path(), file.to_str().unwrap());
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[rating]\nearly_termination_fee_pct = \"10\"\n").unwrap();
    let run = |args: &[&str]| -> Value {
        let o = common::ptudesk()
            .args(args)
            .env("PTUDESK_DB", &db)
            .env("PTUDESK_CONFIG", &config)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    let p = run(&[
        "--now",
        NOW,
        "plan",
        "migrate",
        "--commitment",
        "cp-a",
        "--horizon",
        "30d",
        "--format",
        "json",
        "--apply",
        "overlap",
    ]);
    let f = run(&[
        "--now",
        NOW,
        "forecast",
        "--from",
        p["from"].as_str().unwrap(),
        "--to",
        p["to"].as_str().unwrap(),
        "--format",
        "json",
    ]);
    let o = option(&p, "overlap");
    assert_ne!(f["totals"]["refunds"], "0.00");
    for key in ["reservation", "total"] {
        assert_eq!(f["totals"][key], o["costs"][key], "{key}");
    }
}

#[test]
fn discontinuing_drops_the_purchase_planned_for_the_resource() {
    // A one-month reservation planned for cp-a's expiry: once chat is
    // deleted nothing needs it, so it isn't bought (297,600 saved).
    let dir = tempfile::tempdir().unwrap();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(SIMPLE).unwrap()).unwrap();
    v["reservations"] = serde_json::json!([{
        "id": "res-planned", "name": "planned", "region": "eastus2", "sku": "ProvisionedManaged",
        "ptu": 400, "term": "P1M", "billing": "upfront", "start": "2026-12-09T18:00:00Z",
        "scope": {"type": "subscription", "subscription": "sub-a"},
        "renewal": {"mode": "autorenew"}
    }]);
    let file = scenario_file(dir.path(), "planned.json", &v);
    let p = plan_file(
        &file,
        NOW,
        &["discontinue", "--resource", "aoai-a", "--horizon", "30d"],
    );
    assert_eq!(p["baseline"]["costs"]["reservation"], "297600.00");
    for name in ["discontinue", "late"] {
        let o = option(&p, name);
        assert_eq!(
            step_at(o, "Drop the planned purchase of reservation res-planned"),
            NOW,
            "{name}"
        );
        assert_eq!(o["costs"]["reservation"], "0.00", "{name}");
    }
    assert_eq!(option(&p, "discontinue")["costs"]["total"], "0.00");
}

/// Agreed too close to the expiry for a cancellation: the step says the
/// commitment ends at its expiry, never that it is cancelled after it.
#[test]
fn a_managed_migration_near_the_expiry_ends_with_the_term() {
    let p = json(
        None,
        &[
            "--demo",
            "--now",
            "2026-12-02T16:00:00Z",
            "plan",
            "migrate",
            "--commitment",
            "cp-eastus2-prod",
            "--format",
            "json",
        ],
    );
    let o = option(&p, "managed");
    let steps = o["steps"].to_string();
    assert!(!steps.contains("has cancelled"), "{steps}");
    assert_eq!(
        step_at(o, "cp-eastus2-prod ends here"),
        "2026-12-10T00:00:00Z"
    );
}

/// An expired commitment has nothing to plan; the refusal says, rated, what
/// its deployments have now.
#[test]
fn an_expired_commitment_says_what_covers_its_deployments_now() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo.json");
    let refusal = |cp: &str| {
        let o = ptudesk(
            None,
            &[
                "--scenario",
                demo,
                "--now",
                "2026-12-20T00:00:00Z",
                "plan",
                "migrate",
                "--commitment",
                cp,
            ],
        );
        assert_eq!(o.status.code(), Some(1));
        stderr(&o)
    };
    let covered = refusal("cp-eastus2-prod");
    assert!(
        covered.contains("its deployments on aoai-eastus2-prod are covered by res-eus2-regional"),
        "{covered}"
    );
    assert!(!covered.contains("buy one now"), "{covered}");
    let hourly = refusal("cp-eastus-legacy");
    assert!(
        hourly.contains("300 PTU of its deployments on aoai-eastus-legacy pay hourly"),
        "{hourly}"
    );
}

/// A model-specific Regional quota row is a precondition of its own: the
/// pooled 1000 PTU leave room for the overlap's 800, the model's 500 do not.
#[test]
fn a_model_specific_quota_row_is_checked_beside_the_pooled_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(SIMPLE).unwrap()).unwrap();
    let move_chat = |file: &Path| {
        json(
            None,
            &[
                "--scenario",
                file.to_str().unwrap(),
                "--now",
                NOW,
                "plan",
                "move",
                "--deployment",
                "chat",
                "--to-resource",
                "aoai-b",
                "--horizon",
                "30d",
                "--format",
                "json",
            ],
        )
    };
    let quota = |p: &Value, n: &str| -> (String, String) {
        let q = option(p, n)["preconditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["check"] == "quota")
            .unwrap()
            .clone();
        (
            q["status"].as_str().unwrap().to_string(),
            q["text"].as_str().unwrap().to_string(),
        )
    };
    let pooled_only = dir.path().join("pooled.json");
    std::fs::write(&pooled_only, v.to_string()).unwrap();
    assert_eq!(quota(&move_chat(&pooled_only), "overlap").0, "met");
    v["quotas"].as_array_mut().unwrap().push(serde_json::json!({
        "subscription": "sub-a", "region": "eastus2", "sku": "ProvisionedManaged",
        "limit": 500, "model": "gpt-4o", "version": "2024-08-06"}));
    let with_model = dir.path().join("model.json");
    std::fs::write(&with_model, v.to_string()).unwrap();
    let p = move_chat(&with_model);
    let (status, text) = quota(&p, "overlap");
    assert_eq!(status, "unmet", "{text}");
    assert!(
        text.contains("800 Regional gpt-4o 2024-08-06 PTU deployed at the peak in sub-a / eastus2, over that model's own limit of 500: request 300 more first"),
        "{text}"
    );
    assert_eq!(quota(&p, "no-overlap").0, "met");
}

/// Service capacity is a precondition beside quota: a target region whose
/// last `modelCapacities` answer has less room than the move needs blocks
/// every option that deploys there (quota being met), and says how old the
/// answer is; room enough is met, with its age; no answer is unknown.
#[test]
fn a_target_without_service_capacity_blocks_the_move_beside_quota() {
    let dir = tempfile::tempdir().unwrap();
    let base: Value = serde_json::from_str(&std::fs::read_to_string(SIMPLE).unwrap()).unwrap();
    let plan_with = |available: Option<i64>| {
        let mut v = base.clone();
        if let Some(a) = available {
            v["model_capacities"] = serde_json::json!([{
                "region": "eastus2", "sku": "ProvisionedManaged", "model": "gpt-4o",
                "version": "2024-08-06", "available": a, "as_of": "2026-11-20T09:00:00Z"}]);
        }
        let file = dir.path().join(format!("cap-{available:?}.json"));
        std::fs::write(&file, v.to_string()).unwrap();
        json(
            None,
            &[
                "--scenario",
                file.to_str().unwrap(),
                "--now",
                NOW,
                "plan",
                "move",
                "--deployment",
                "chat",
                "--to-resource",
                "aoai-b",
                "--format",
                "json",
            ],
        )
    };
    let pre = |p: &Value, n: &str, check: &str| -> (String, String) {
        let x = option(p, n)["preconditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["check"] == check)
            .unwrap_or_else(|| panic!("no {check} precondition on {n}"))
            .clone();
        (
            x["status"].as_str().unwrap().to_string(),
            x["text"].as_str().unwrap().to_string(),
        )
    };
    // 100 PTU free two days ago; the move needs 400.
    let short = plan_with(Some(100));
    for n in ["no-overlap", "overlap", "overlap-reservation"] {
        assert_eq!(pre(&short, n, "quota").0, "met", "{n}");
        let (status, text) = pre(&short, n, "capacity");
        assert_eq!(status, "unmet", "{n}: {text}");
        assert!(
            text.contains("Azure had only 100 PTU free for gpt-4o 2024-08-06 Regional in eastus2 as of 2026-11-20T09:00:00Z (2 d old), 400 needed"),
            "{text}"
        );
    }
    // The best target without capacity is not recommended (every option
    // deploys there: nothing is); with room, the reservation-based overlap
    // is, on the one-year term (the workload is open-ended).
    let roomy = plan_with(Some(1000));
    assert_eq!(roomy["recommended"], "overlap-reservation-1y");
    assert!(short["recommended"].is_null(), "{}", short["recommended"]);
    let (status, text) = pre(&roomy, "overlap-reservation", "capacity");
    assert_eq!(status, "met", "{text}");
    assert!(text.contains("(2 d old), room for 400"), "{text}");
    assert!(text.contains("deploy first, then buy"), "{text}");
    // No answer: unknown, and the plan says how to get one.
    let (status, text) = pre(&plan_with(None), "overlap", "capacity");
    assert_eq!(status, "unknown");
    assert!(text.contains("run `ptudesk sync`"), "{text}");
}

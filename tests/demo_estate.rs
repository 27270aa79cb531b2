//! The bundled demo estate (`assets/demo.json`, what `ptudesk --demo` opens)
//! tells a story around "now" = 2026-11-22. These tests hold the story in
//! place: each element is checked structurally from the file, and once
//! through the rating core, so an edit that quietly breaks the story fails.

use chrono::{Datelike, Duration};
use ptudesk::domain::prices::PriceBook;
use ptudesk::domain::terms::{commitment_end, commitment_terms, reservation_terms, scope_at};
use ptudesk::domain::time::{Time, add_months, parse_time_arg};
use ptudesk::domain::validate::validate;
use ptudesk::domain::{
    CommitmentRenewal, Estate, Reservation, ReservationRenewal, Resource, Scope, Sku, Term,
    commitment_supports,
};
use ptudesk::rating::{self, Basis, Bucket, Options, Request, WindowKind};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

const DEMO: &str = "assets/demo.json";

fn demo() -> Estate {
    ptudesk::ingest::snapshot::load(Path::new(DEMO)).unwrap_or_else(|e| panic!("{e}"))
}

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

/// "Now" in the demo's story.
fn now() -> Time {
    t("2026-11-22T00:00:00Z")
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn resource<'a>(e: &'a Estate, id: &str) -> &'a Resource {
    e.resource(id)
        .unwrap_or_else(|| panic!("the demo has no resource {id}"))
}

fn reservation<'a>(e: &'a Estate, id: &str) -> &'a Reservation {
    e.reservations
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("the demo has no reservation {id}"))
}

/// True when subscription `sub` lies in management group `mg` or below it.
fn mg_holds(e: &Estate, mg: &str, sub: &str) -> bool {
    let mut cur = e
        .management_groups
        .iter()
        .find(|g| g.subscriptions.iter().any(|s| s == sub));
    let mut steps = 0;
    while let Some(g) = cur {
        if g.id == mg {
            return true;
        }
        steps += 1;
        assert!(steps < 100, "management groups form a cycle");
        cur = g
            .parent
            .as_ref()
            .and_then(|p| e.management_groups.iter().find(|x| &x.id == p));
    }
    false
}

/// True when a reservation scope holds the resource (docs/rating.md#scopes).
fn in_scope(e: &Estate, scope: &Scope, r: &Resource) -> bool {
    match scope {
        Scope::ResourceGroup {
            subscription,
            resource_group,
        } => *subscription == r.subscription && *resource_group == r.resource_group,
        Scope::Subscription { subscription } => *subscription == r.subscription,
        Scope::ManagementGroup { management_group } => {
            mg_holds(e, management_group, &r.subscription)
        }
        Scope::Shared { billing_account } => e
            .billing_accounts
            .iter()
            .any(|b| &b.id == billing_account && b.subscriptions.contains(&r.subscription)),
    }
}

/// True when a term of the reservation covers the instant `at`.
fn reservation_active(r: &Reservation, at: Time) -> bool {
    reservation_terms(r, at + Duration::seconds(1))
        .unwrap()
        .iter()
        .any(|term| term.start <= at && at < term.coverage_end())
}

/// Reservations that could cover a deployment of `sku` on `res` at `at`.
fn covering<'a>(e: &'a Estate, res: &Resource, sku: Sku, at: Time) -> Vec<&'a Reservation> {
    e.reservations
        .iter()
        .filter(|r| {
            r.region == res.region
                && r.sku == sku
                && reservation_active(r, at)
                && in_scope(e, scope_at(r, at), res)
        })
        .collect()
}

/// PTUs of `sku` deployed at `at` on resources matching `pred`.
fn deployed(e: &Estate, sku: Sku, at: Time, pred: impl Fn(&Resource) -> bool) -> i64 {
    e.deployments
        .iter()
        .filter(|d| d.sku == sku && pred(resource(e, &d.resource)))
        .map(|d| d.ptu_at(at))
        .sum()
}

/// PTUs a reservation could cover at `at`: its region, type and scope.
fn deployed_in_scope(e: &Estate, r: &Reservation, at: Time) -> i64 {
    let scope = scope_at(r, at);
    deployed(e, r.sku, at, |res| {
        res.region == r.region && in_scope(e, scope, res)
    })
}

/// The expiry of the commitment on `resource_id` (it must expire).
fn commitment_expiry(e: &Estate, resource_id: &str) -> (Time, i64) {
    let c = e
        .commitments
        .iter()
        .find(|c| c.resource == resource_id)
        .unwrap_or_else(|| panic!("no commitment on {resource_id}"));
    let res = resource(e, resource_id);
    let horizon = now() + Duration::days(400);
    let terms = commitment_terms(c, res.deleted.or(res.purged), horizon).unwrap();
    let end = commitment_end(&terms, horizon)
        .unwrap_or_else(|| panic!("{} must expire, but it keeps renewing", c.id));
    (end, terms.last().unwrap().ptu_at_end())
}

#[test]
fn the_demo_loads_validates_and_is_about_a_dozen_deployments() {
    let e = demo();
    let n = e.deployments.len();
    assert!((10..=14).contains(&n), "{n} deployments, expected 10 to 14");
    assert!(e.commitments.len() >= 2, "two commitments at least");
    assert!(e.reservations.len() >= 4, "four reservations at least");
    assert_eq!(e.currency, "USD");
    // Readable ids: lowercase words joined by dashes.
    let ids = e
        .resources
        .iter()
        .map(|x| &x.id)
        .chain(e.deployments.iter().map(|x| &x.id))
        .chain(e.commitments.iter().map(|x| &x.id))
        .chain(e.reservations.iter().map(|x| &x.id))
        .chain(e.managed_compute.iter().map(|x| &x.id))
        .chain(e.management_groups.iter().map(|x| &x.id))
        .chain(e.billing_accounts.iter().map(|x| &x.id));
    for id in ids {
        assert!(
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "id {id:?} is not a readable lowercase-dash id"
        );
    }
    for r in &e.reservations {
        assert!(
            !r.name.trim().is_empty(),
            "reservation {} has no name",
            r.id
        );
    }
}

#[test]
fn every_date_survives_a_whole_month_shift() {
    let e = demo();
    let mut days = vec![];
    e.for_each_time(|x| days.push((x, x.day())));
    assert!(days.len() > 20, "the demo mentions {} instants", days.len());
    for (x, d) in &days {
        assert!(
            (1..=28).contains(d),
            "{x}: day {d} would clamp when shifted"
        );
    }
    let (expiry, _) = commitment_expiry(&e, "aoai-eastus-legacy");
    for k in [-13, -1, 1, 2, 3, 5, 11, 12, 15] {
        let mut shifted = e.clone();
        shifted.map_times(|x| add_months(x, k));
        validate(&shifted).unwrap_or_else(|err| panic!("shifted by {k} months: {err}"));
        let mut after = vec![];
        shifted.for_each_time(|x| after.push(x));
        for ((before, _), a) in days.iter().zip(&after) {
            assert_eq!(a.day(), before.day(), "shift {k} moved the day of {before}");
        }
        // The story shifts with it: the legacy expiry moves by exactly k months.
        let c = shifted
            .commitments
            .iter()
            .find(|c| c.resource == "aoai-eastus-legacy")
            .unwrap();
        let horizon = add_months(now(), k) + Duration::days(400);
        let terms = commitment_terms(c, None, horizon).unwrap();
        assert_eq!(
            commitment_end(&terms, horizon),
            Some(add_months(expiry, k)),
            "shift {k}"
        );
    }
}

/// `--demo` shifts by the whole months that put the story's anchor (22
/// November 2026, 09:00) nearest to now: early in a month the story is
/// last month's, from about the 8th this month's.
#[test]
fn the_demo_shifts_its_anchor_to_the_22nd_nearest_now() {
    assert_eq!(ptudesk::demo::anchor(), t("2026-11-22T09:00:00Z"));
    for (now, anchor) in [
        // Its own month: the 22nd of November.
        ("2026-11-22T09:00:00Z", "2026-11-22T09:00:00Z"),
        ("2026-11-08T00:00:00Z", "2026-11-22T09:00:00Z"),
        ("2026-11-28T00:00:00Z", "2026-11-22T09:00:00Z"),
        // December, after 30-day November: still 22 November until the
        // 7th at 09:00 (a tie, taken by the earlier), 22 December from then.
        ("2026-12-01T00:00:00Z", "2026-11-22T09:00:00Z"),
        ("2026-12-02T00:00:00Z", "2026-11-22T09:00:00Z"),
        ("2026-12-07T00:00:00Z", "2026-11-22T09:00:00Z"),
        ("2026-12-07T09:00:00Z", "2026-11-22T09:00:00Z"),
        ("2026-12-07T09:00:01Z", "2026-12-22T09:00:00Z"),
        ("2026-12-08T00:00:00Z", "2026-12-22T09:00:00Z"),
        ("2026-12-22T00:00:00Z", "2026-12-22T09:00:00Z"),
        ("2026-12-28T00:00:00Z", "2026-12-22T09:00:00Z"),
        // Across the year: 1 January is nearest 22 December; after 31-day
        // December the turn is the 6th at 21:00.
        ("2026-12-31T23:00:00Z", "2026-12-22T09:00:00Z"),
        ("2027-01-01T00:00:00Z", "2026-12-22T09:00:00Z"),
        ("2027-01-06T20:59:59Z", "2026-12-22T09:00:00Z"),
        ("2027-01-07T00:00:00Z", "2027-01-22T09:00:00Z"),
        ("2027-01-28T00:00:00Z", "2027-01-22T09:00:00Z"),
        // After February (28 days): the 8th at 09:00.
        ("2027-03-08T08:00:00Z", "2027-02-22T09:00:00Z"),
        ("2027-03-08T10:00:00Z", "2027-03-22T09:00:00Z"),
        // Before the story, and years away.
        ("2026-11-01T00:00:00Z", "2026-10-22T09:00:00Z"),
        ("2025-01-01T00:00:00Z", "2024-12-22T09:00:00Z"),
        ("2027-06-06T12:00:00Z", "2027-05-22T09:00:00Z"),
        ("2027-06-07T00:00:00Z", "2027-06-22T09:00:00Z"),
    ] {
        let k = ptudesk::demo::shift_months(t(now));
        assert_eq!(
            add_months(ptudesk::demo::anchor(), k),
            t(anchor),
            "now {now}: shifted by {k} months"
        );
        // The anchor is never more than half a month (15.5 days) away.
        let gap = (add_months(ptudesk::demo::anchor(), k) - t(now)).abs();
        assert!(gap <= Duration::hours(372), "now {now}: {gap}");
        // And the estate moves with it: the legacy expiry five days after.
        let e = ptudesk::demo::estate(t(now));
        let (expiry, _) = commitment_expiry(&e, "aoai-eastus-legacy");
        assert_eq!(expiry, t(anchor) + Duration::days(5), "now {now}");
    }
}

/// On 2 December the default forecast month is December, and it holds the
/// story's migration (five days of double billing, 5-10 December) while the
/// legacy expiry is last week's.
#[test]
fn early_in_a_month_the_default_forecast_holds_this_months_migration() {
    let now = t("2026-12-02T09:00:00Z");
    let e = ptudesk::demo::estate(now);
    let req = Request {
        from: t("2026-12-01T00:00:00Z"),
        to: t("2027-01-01T00:00:00Z"),
        basis: Basis::Actual,
        by: Bucket::Month,
    };
    let f = rating::forecast(&e, &PriceBook::default_book(), &req, &Options::default()).unwrap();
    let db: Vec<_> = f
        .windows
        .iter()
        .filter(|w| w.kind == WindowKind::DoubleBilling)
        .map(|w| (w.subject.as_str(), w.start, w.end))
        .collect();
    assert_eq!(
        db,
        vec![(
            "res-eus2-regional",
            t("2026-12-05T00:00:00Z"),
            t("2026-12-10T00:00:00Z")
        )]
    );
    let (expiry, _) = commitment_expiry(&e, "aoai-eastus-legacy");
    assert!(expiry < now && now - expiry < Duration::days(7), "{expiry}");
}

#[test]
fn the_tree_one_billing_account_and_its_management_groups() {
    let e = demo();
    assert_eq!(e.billing_accounts.len(), 1);
    let subs: BTreeSet<&str> = e.billing_accounts[0]
        .subscriptions
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert!(
        (3..=4).contains(&subs.len()),
        "{} subscriptions",
        subs.len()
    );
    let roots: Vec<_> = e
        .management_groups
        .iter()
        .filter(|g| g.parent.is_none())
        .collect();
    assert_eq!(roots.len(), 1, "one root management group");
    let children = e
        .management_groups
        .iter()
        .filter(|g| g.parent.as_deref() == Some(roots[0].id.as_str()))
        .count();
    assert!(children >= 2, "the root has {children} child groups");
    for s in &subs {
        assert!(
            mg_holds(&e, &roots[0].id, s),
            "subscription {s} is outside the management-group tree"
        );
    }
    for r in &e.resources {
        assert!(
            subs.contains(r.subscription.as_str()),
            "resource {} is in {} outside the billing account",
            r.id,
            r.subscription
        );
    }
    for m in &e.managed_compute {
        assert!(subs.contains(m.subscription.as_str()));
    }
}

#[test]
fn story_1_legacy_commitment_expires_next_week_with_deployments_still_on_it() {
    let e = demo();
    let res = resource(&e, "aoai-eastus-legacy");
    assert_eq!(res.region, "eastus");
    let c = e.commitments.iter().find(|c| c.resource == res.id).unwrap();
    assert_eq!(c.id, "cp-eastus-legacy");
    let (expiry, committed) = commitment_expiry(&e, &res.id);
    assert_eq!(expiry, t("2026-11-27T09:00:00Z"));
    assert!(
        expiry > now() && expiry <= now() + Duration::days(7),
        "expires {expiry}, not within a week of now"
    );
    assert_eq!(committed, 300);
    // The current term was bought on 27 October (a renewal of an older one).
    let terms = commitment_terms(c, None, now()).unwrap();
    let current = terms
        .iter()
        .find(|x| x.start <= now() && now() < x.end)
        .unwrap();
    assert_eq!(current.start, t("2026-10-27T09:00:00Z"));
    // Somebody switched renewal off in November, before the expiry.
    let change = c.renewal_changes.last().expect("a renewal change");
    assert_eq!(change.renewal, CommitmentRenewal::None);
    assert!(change.at >= t("2026-11-01") && change.at < expiry && change.at < now());
    assert_ne!(c.renewal, CommitmentRenewal::None, "it used to autorenew");
    // Every model on it is one a commitment supports.
    let on_it: Vec<_> = e
        .deployments
        .iter()
        .filter(|d| d.resource == res.id)
        .collect();
    assert!(!on_it.is_empty());
    for d in &on_it {
        assert_eq!(d.sku, Sku::Regional, "{}", d.id);
        assert!(
            commitment_supports(&d.model, &d.version),
            "{} {} {}",
            d.id,
            d.model,
            d.version
        );
    }
    // The deployments keep running after the expiry, and nothing else covers
    // them: they pay the hourly rate from 27 November 09:00.
    for after in [
        expiry,
        expiry + Duration::hours(1),
        expiry + Duration::days(7),
        expiry + Duration::days(30),
    ] {
        let live: i64 = on_it.iter().map(|d| d.ptu_at(after)).sum();
        assert!(
            live >= committed,
            "{live} PTU at {after}, expected the {committed} committed ones still running"
        );
        assert!(
            covering(&e, res, Sku::Regional, after).is_empty(),
            "a reservation covers the legacy deployments at {after}"
        );
    }
    // Before the expiry the commitment covers them all (no overage yet).
    let before: i64 = on_it
        .iter()
        .map(|d| d.ptu_at(expiry - Duration::hours(1)))
        .sum();
    assert!(before > 0 && before <= committed);
}

#[test]
fn story_2_swedencentral_global_reservation_is_half_idle() {
    let e = demo();
    let r = reservation(&e, "res-swc-global");
    assert_eq!(r.sku, Sku::Global);
    assert_eq!(r.region, "swedencentral");
    assert!(matches!(r.scope, Scope::Subscription { .. }));
    assert!(reservation_active(r, now()));
    let used = deployed_in_scope(&e, r, now());
    assert!(
        used > 0 && 5 * used >= 2 * r.ptu && 5 * used <= 3 * r.ptu,
        "{used} of {} PTU deployed: expected about half",
        r.ptu
    );
    // It autorenews at full size: the idle half renews too.
    let terms = reservation_terms(r, now() + Duration::days(40)).unwrap();
    let next = terms
        .iter()
        .find(|x| x.start > now())
        .expect("a renewal within 40 days");
    assert_eq!(next.ptu, r.ptu);
    assert!(matches!(r.renewal, ReservationRenewal::Autorenew));
    // Why: a proof of concept deleted earlier this month.
    let deleted_here = e.deployments.iter().any(|d| {
        let res = resource(&e, &d.resource);
        d.sku == r.sku
            && res.region == r.region
            && in_scope(&e, &r.scope, res)
            && d.deleted.is_some_and(|x| x >= t("2026-11-01") && x < now())
    });
    assert!(
        deleted_here,
        "expected the deleted proof of concept in scope"
    );
}

#[test]
fn story_3_global_reservation_beside_regional_deployments() {
    let e = demo();
    let mismatched: Vec<&Reservation> = e
        .reservations
        .iter()
        .filter(|r| r.sku == Sku::Global && reservation_active(r, now()))
        .filter(|r| {
            let scope = scope_at(r, now());
            let here: Vec<_> = e
                .deployments
                .iter()
                .filter(|d| d.ptu_at(now()) > 0)
                .filter(|d| {
                    let res = resource(&e, &d.resource);
                    res.region == r.region && in_scope(&e, scope, res)
                })
                .collect();
            !here.is_empty() && here.iter().all(|d| d.sku == Sku::Regional)
        })
        .collect();
    assert_eq!(
        mismatched.len(),
        1,
        "one Global reservation beside regional deployments"
    );
    let r = mismatched[0];
    assert_eq!(r.id, "res-wus3-global");
    assert!(matches!(r.scope, Scope::ManagementGroup { .. }));
    // It covers nothing: no Global PTU in its region and scope.
    assert_eq!(deployed_in_scope(&e, r, now()), 0);
    // The regional deployments pay hourly: no regional reservation covers them.
    let regional: Vec<_> = e
        .deployments
        .iter()
        .filter(|d| d.ptu_at(now()) > 0 && resource(&e, &d.resource).region == r.region)
        .collect();
    let ptu: i64 = regional.iter().map(|d| d.ptu_at(now())).sum();
    assert_eq!(
        ptu, r.ptu,
        "the reservation was sized for these deployments"
    );
    for d in regional {
        let res = resource(&e, &d.resource);
        assert!(covering(&e, res, Sku::Regional, now()).is_empty());
        assert!(
            !e.commitments.iter().any(|c| c.resource == res.id),
            "{} has a commitment",
            res.id
        );
        // Deployed first, then the (wrong) reservation was bought.
        assert!(d.created() < r.start);
    }
}

#[test]
fn story_4_migration_from_commitment_to_reservation_double_bills_five_days() {
    let e = demo();
    let res = resource(&e, "aoai-eastus2-prod");
    assert_eq!(res.region, "eastus2");
    let c = e.commitments.iter().find(|c| c.resource == res.id).unwrap();
    assert_eq!(c.id, "cp-eastus2-prod");
    let (expiry, committed) = commitment_expiry(&e, &res.id);
    assert_eq!(expiry, t("2026-12-10T00:00:00Z"));
    assert_eq!(committed, 400);
    let terms = commitment_terms(c, None, now()).unwrap();
    let current = terms
        .iter()
        .find(|x| x.start <= now() && now() < x.end)
        .unwrap();
    assert_eq!(current.start, t("2026-11-10T00:00:00Z"));
    let change = c.renewal_changes.last().expect("a renewal change");
    assert_eq!(change.renewal, CommitmentRenewal::None);
    assert!(change.at >= current.start && change.at < now());

    let planned: Vec<&Reservation> = e
        .reservations
        .iter()
        .filter(|r| {
            r.region == res.region
                && r.sku == Sku::Regional
                && r.start > now()
                && in_scope(&e, &r.scope, res)
        })
        .collect();
    assert_eq!(planned.len(), 1, "one planned regional reservation");
    let r = planned[0];
    assert_eq!(r.id, "res-eus2-regional");
    assert_eq!(r.start, t("2026-12-05T00:00:00Z"));
    assert!(r.start < expiry, "bought before the commitment expires");
    assert_eq!(r.term, Term::OneYear);
    assert_eq!(
        expiry - r.start,
        Duration::days(5),
        "the double-billing window"
    );
    // Sized as docs/migrations.md#sizing-a-reservation says: the Regional PTU deployed at the expiry.
    let at_expiry = deployed(&e, Sku::Regional, expiry, |x| {
        x.region == r.region && in_scope(&e, &r.scope, x)
    });
    assert_eq!(r.ptu, at_expiry);
    assert_eq!(r.ptu, committed);
    // During the window both would cover the same PTUs.
    let mid = r.start + Duration::days(2);
    assert_eq!(covering(&e, res, Sku::Regional, mid).len(), 1);
    assert_eq!(deployed_in_scope(&e, r, mid), committed);
    for d in e.deployments.iter().filter(|d| d.resource == res.id) {
        assert!(commitment_supports(&d.model, &d.version), "{}", d.id);
    }
}

#[test]
fn story_5_healthy_parts() {
    let e = demo();
    // A Data Zone reservation exactly matching its deployments, all month.
    let dz: Vec<&Reservation> = e
        .reservations
        .iter()
        .filter(|r| r.sku == Sku::DataZone && reservation_active(r, now()))
        .collect();
    assert_eq!(dz.len(), 1);
    let mut at = t("2026-11-01T00:00:00Z");
    while at < t("2026-12-31T00:00:00Z") {
        assert_eq!(deployed_in_scope(&e, dz[0], at), dz[0].ptu, "at {at}");
        at += Duration::hours(7);
    }
    // Broad scopes: one management group, one shared.
    let scopes: BTreeSet<&str> = e.reservations.iter().map(|r| r.scope.type_name()).collect();
    assert!(scopes.contains("management_group"), "{scopes:?}");
    assert!(scopes.contains("shared"), "{scopes:?}");
    // A resize this month (before now).
    let resized = e.deployments.iter().any(|d| {
        d.sizes
            .windows(2)
            .any(|w| w[1].at >= t("2026-11-01") && w[1].at < now() && w[1].ptu != w[0].ptu)
    });
    assert!(resized, "expected a resize earlier this month");
    // A deployment deleted earlier this month.
    let deleted = e
        .deployments
        .iter()
        .filter(|d| d.deleted.is_some_and(|x| x >= t("2026-11-01") && x < now()))
        .count();
    assert!(deleted >= 1);
    // One partner model on a GPU VM, running now.
    assert_eq!(e.managed_compute.len(), 1);
    let m = &e.managed_compute[0];
    assert!(m.vm_sku.starts_with("Standard_NC"), "{}", m.vm_sku);
    assert!(m.gpus_per_instance >= 1 && m.instances >= 1);
    assert!(m.start < now() && m.end.is_none_or(|x| x > now()));
    assert!(m.hourly_rate() > Decimal::ZERO);
}

/// Minimum and step of a deployment size (docs/prices.md), for the models the demo uses.
fn size_rule(model: &str, sku: Sku) -> (i64, i64) {
    let mini = ["mini", "nano"].iter().any(|x| model.contains(x));
    match sku {
        Sku::Global | Sku::DataZone => (15, 5),
        Sku::Regional if mini => (25, 25),
        Sku::Regional => (50, 50),
    }
}

#[test]
fn sizes_are_deployable_and_quotas_hold_with_one_near_its_limit() {
    let e = demo();
    for d in &e.deployments {
        let (min, step) = size_rule(&d.model, d.sku);
        for s in &d.sizes {
            assert!(
                s.ptu >= min && s.ptu % step == 0,
                "{} at {}: {} PTU is off the {min}/{step} rule",
                d.id,
                s.at,
                s.ptu
            );
        }
    }
    let mut used: BTreeMap<(String, String, Sku), i64> = BTreeMap::new();
    for d in &e.deployments {
        let res = resource(&e, &d.resource);
        *used
            .entry((res.subscription.clone(), res.region.clone(), d.sku))
            .or_default() += d.ptu_at(now());
    }
    let mut near = 0;
    for ((sub, region, sku), ptu) in &used {
        let q = e
            .quotas
            .iter()
            .find(|q| &q.subscription == sub && &q.region == region && q.sku == *sku)
            .unwrap_or_else(|| panic!("no quota row for {sub} {region} {sku}"));
        assert!(
            *ptu <= q.limit,
            "{sub} {region} {sku}: {ptu} over {}",
            q.limit
        );
        if *ptu > 0 && 10 * ptu >= 9 * q.limit {
            near += 1;
        }
    }
    assert_eq!(near, 1, "exactly one quota at 90% or more");
}

#[test]
fn every_region_and_sku_in_use_has_an_unverified_list_price() {
    let e = demo();
    let mut used: BTreeSet<(String, Sku)> = BTreeSet::new();
    for d in &e.deployments {
        used.insert((resource(&e, &d.resource).region.clone(), d.sku));
    }
    for r in &e.reservations {
        used.insert((r.region.clone(), r.sku));
    }
    for c in &e.commitments {
        used.insert((resource(&e, &c.resource).region.clone(), Sku::Regional));
    }
    for (region, sku) in &used {
        let row = e
            .prices
            .iter()
            .find(|p| &p.region == region && p.sku == *sku)
            .unwrap_or_else(|| panic!("no price row for {region} {sku}"));
        assert!(row.hourly.is_some(), "{region} {sku} hourly");
        assert!(row.reservation_month.is_some(), "{region} {sku} month");
        assert!(row.reservation_year.is_some(), "{region} {sku} year");
    }
    for p in &e.prices {
        assert!(
            used.contains(&(p.region.clone(), p.sku)),
            "price row {} {} is not used",
            p.region,
            p.sku
        );
        assert_eq!(p.verified, Some(false), "{} {}", p.region, p.sku);
        assert!(p.source.as_deref().is_some_and(|s| !s.trim().is_empty()));
        assert_eq!(p.as_of.as_deref(), Some("2026-04-07"));
        let (hourly, month, year) = match p.sku {
            Sku::Global => ("1.00", "260", "2652"),
            Sku::DataZone => ("1.10", "286", "2916"),
            Sku::Regional => ("2.00", "286", "2916"),
        };
        assert_eq!(p.hourly, Some(dec(hourly)), "{} {}", p.region, p.sku);
        assert_eq!(
            p.reservation_month,
            Some(dec(month)),
            "{} {}",
            p.region,
            p.sku
        );
        assert_eq!(
            p.reservation_year,
            Some(dec(year)),
            "{} {}",
            p.region,
            p.sku
        );
        if p.sku == Sku::Regional {
            assert!(
                p.commitment_month.is_some_and(|x| x > Decimal::ZERO),
                "{} needs commitment_month",
                p.region
            );
            assert!(p.source.as_deref().unwrap().contains("illustrative"));
        } else {
            assert_eq!(p.commitment_month, None);
        }
    }
}

#[test]
fn the_rating_core_tells_the_same_story() {
    let e = demo();
    // The demo prices itself: no price book needed.
    let req = Request {
        from: t("2026-11-01T00:00:00Z"),
        to: t("2027-01-01T00:00:00Z"),
        basis: Basis::Actual,
        by: Bucket::Month,
    };
    let f = rating::forecast(&e, &PriceBook::empty(), &req, &Options::default())
        .unwrap_or_else(|err| panic!("{err}"));
    // A renewed term is its own subject, `<id>/r<N>` (docs/reservations.md#renewals).
    let is = |subject: &str, id: &str| ptudesk::domain::terms::is_term_of(subject, id);
    let of = |kind: WindowKind, subject: &str| -> Vec<(Time, Time)> {
        f.windows
            .iter()
            .filter(|w| w.kind == kind && is(&w.subject, subject))
            .map(|w| (w.start, w.end))
            .collect()
    };
    let end = req.to;
    // 1. Hourly overage from the legacy expiry to the end of the window.
    assert_eq!(
        of(WindowKind::Overage, "aoai-eastus-legacy"),
        vec![(t("2026-11-27T09:00:00Z"), end)]
    );
    // 2. The Swedish reservation was full until the proof of concept was
    // deleted (6 November 17:45), then half idle from that hour on, renewals
    // included.
    let swc = of(WindowKind::Unused, "res-swc-global");
    assert!(!swc.is_empty());
    assert_eq!(swc[0].0, t("2026-11-06T17:00:00Z"), "{swc:?}");
    assert_eq!(swc.last().unwrap().1, end, "{swc:?}");
    assert!(swc.windows(2).all(|w| w[0].1 == w[1].0), "{swc:?}");
    // 3. The westus3 Global reservation idle, its regional neighbours hourly.
    assert_eq!(
        of(WindowKind::Unused, "res-wus3-global"),
        vec![(t("2026-11-02T16:00:00Z"), end)]
    );
    assert_eq!(
        of(WindowKind::Overage, "aoai-westus3-apps"),
        vec![(t("2026-11-02T09:00:00Z"), end)]
    );
    // 4. Double billing from the reservation's purchase to the commitment's expiry.
    assert_eq!(
        of(WindowKind::DoubleBilling, "res-eus2-regional"),
        vec![(t("2026-12-05T00:00:00Z"), t("2026-12-10T00:00:00Z"))]
    );
    // Healthy: nothing leaks on the covered estates.
    for subject in [
        "aoai-eastus2-prod",
        "res-eus2-regional",
        "cp-eastus2-prod",
        "cp-eastus-legacy",
        "aoai-westeurope-prod",
        "res-weu-datazone",
    ] {
        let leaks: Vec<_> = f
            .windows
            .iter()
            .filter(|w| is(&w.subject, subject) && w.kind != WindowKind::DoubleBilling)
            .collect();
        assert!(leaks.is_empty(), "{subject}: {leaks:?}");
    }
    // The sandbox experiment paid hourly while it lived.
    assert_eq!(
        of(WindowKind::Overage, "aoai-eastus2-sandbox"),
        vec![(t("2026-11-09T10:00:00Z"), t("2026-11-11T18:00:00Z"))]
    );
    assert!(f.totals.managed_compute > Decimal::ZERO);
}

//! Unit tests of the planner's pieces (the plans themselves: tests/plan.rs).

use super::common::{business_days_after, ceil50, deployment_size, renewal_for_remaining};
use super::eval::closure;
use super::*;
use crate::domain::terms::base_id;
use crate::domain::time::parse_time_arg;
use crate::domain::{CommitmentRenewal, Term};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

fn t(s: &str) -> Time {
    parse_time_arg(s).unwrap()
}

#[test]
fn durations() {
    assert_eq!(iso_duration(Duration::zero()), "PT0S");
    assert_eq!(iso_duration(Duration::hours(6)), "PT6H");
    assert_eq!(iso_duration(Duration::hours(28)), "P1DT4H");
    assert_eq!(iso_duration(Duration::seconds(61)), "PT1M1S");
    assert_eq!(iso_duration(Duration::hours(-3)), "PT0S");
    assert_eq!(short_duration(Duration::hours(30)), "1d 6h");
    assert_eq!(short_duration(Duration::zero()), "0");
}

#[test]
fn sizes_and_steps() {
    assert_eq!(ceil50(0), 0);
    assert_eq!(ceil50(1), 50);
    assert_eq!(ceil50(300), 300);
    assert_eq!(ceil50(301), 350);
    assert_eq!(deployment_size(100, Sku::Global, "gpt-4o"), 100);
    assert_eq!(deployment_size(7, Sku::Global, "gpt-4o"), 15);
    assert_eq!(deployment_size(101, Sku::DataZone, "gpt-4o"), 105);
    assert_eq!(deployment_size(60, Sku::Regional, "gpt-4o"), 100);
    assert_eq!(deployment_size(30, Sku::Regional, "gpt-4o-mini"), 50);
    assert_eq!(deployment_size(10, Sku::Regional, "gpt-4.1-nano"), 25);
}

#[test]
fn renewal_after_a_deployment_leaves() {
    use CommitmentRenewal::*;
    assert_eq!(renewal_for_remaining(Autorenew, 400, 0), None);
    assert_eq!(
        renewal_for_remaining(Autorenew, 400, 100),
        AutorenewLower(100)
    );
    assert_eq!(
        renewal_for_remaining(Autorenew, 400, 120),
        AutorenewLower(150)
    );
    assert_eq!(renewal_for_remaining(Autorenew, 400, 400), Autorenew);
    assert_eq!(
        renewal_for_remaining(AutorenewLower(200), 400, 300),
        AutorenewLower(200)
    );
    assert_eq!(renewal_for_remaining(None, 400, 300), None);
}

#[test]
fn business_days_skip_weekends() {
    // Friday 2026-11-27 + 3 business days = Wednesday 2 December.
    assert_eq!(
        business_days_after(t("2026-11-27T00:00:00Z"), 3),
        t("2026-12-02T00:00:00Z")
    );
    assert_eq!(
        business_days_after(t("2026-11-30T00:00:00Z"), 3),
        t("2026-12-03T00:00:00Z")
    );
}

#[test]
fn renewed_terms_belong_to_their_reservation() {
    assert_eq!(base_id("res-1/r12"), "res-1");
    assert_eq!(base_id("res-1"), "res-1");
    assert_eq!(base_id("res/rx"), "res/rx");
}

#[test]
fn the_slice_follows_reservations_to_a_fixed_point() {
    // Demo: a Regional reservation scoped to sub-prod in eastus2 ties the two
    // eastus2 resources of sub-prod together; other regions stay out.
    let e = crate::demo::estate(t("2026-11-22T09:00:00Z"));
    let seeds: BTreeSet<String> = ["aoai-eastus2-prod".to_string()].into();
    let s = closure(&[&e], &seeds);
    assert!(s.reservations.contains("res-eus2-regional"));
    assert!(s.commitments.contains("cp-eastus2-prod"));
    assert!(!s.resources.contains("aoai-eastus-legacy"));
    assert!(!s.reservations.contains("res-wus3-global"));
    // A Global reservation scoped to mg-prod covers westus3's Global usage.
    let seeds: BTreeSet<String> = ["aoai-westus3-apps".to_string()].into();
    let mut what_if = e.clone();
    what_if.deployments.push(crate::domain::Deployment {
        id: "g".into(),
        resource: "aoai-westus3-apps".into(),
        model: "gpt-4o".into(),
        version: "2024-11-20".into(),
        sku: Sku::Global,
        sizes: vec![crate::domain::Size {
            at: t("2026-12-01T00:00:00Z"),
            ptu: 15,
            approximate: false,
        }],
        deleted: None,
        deleted_approximate: false,
    });
    assert!(
        !closure(&[&e], &seeds)
            .reservations
            .contains("res-wus3-global")
    );
    assert!(
        closure(&[&e, &what_if], &seeds)
            .reservations
            .contains("res-wus3-global")
    );
}

#[test]
fn edits_delete_replan_and_renew() {
    let e = crate::demo::estate(t("2026-11-22T09:00:00Z"));
    let at = t("2026-12-09T18:00:00Z");
    let out = apply_edits(
        &e,
        &[
            Edit::DeleteDeployment {
                deployment: "eval-o3".into(),
                at: t("2026-11-16T11:00:00Z"),
            },
            Edit::ReplanReservation {
                id: "res-eus2-regional".into(),
                start: at,
                ptu: 300,
                term: Term::OneMonth,
                billing: crate::domain::Billing::Upfront,
            },
            Edit::CommitmentRenewal {
                commitment: "cp-eastus2-prod".into(),
                at: t("2026-11-22T09:00:00Z"),
                renewal: CommitmentRenewal::Autorenew,
            },
        ],
    )
    .unwrap();
    let d = out.deployments.iter().find(|d| d.id == "eval-o3").unwrap();
    // The later resize is dropped with the deletion.
    assert_eq!(d.sizes.len(), 1);
    assert_eq!(d.deleted, Some(t("2026-11-16T11:00:00Z")));
    let r = out
        .reservations
        .iter()
        .find(|r| r.id == "res-eus2-regional")
        .unwrap();
    assert_eq!((r.start, r.ptu, r.term), (at, 300, Term::OneMonth));
    let c = out
        .commitments
        .iter()
        .find(|c| c.id == "cp-eastus2-prod")
        .unwrap();
    // The change after the earlier one; the estate still validates.
    assert_eq!(c.renewal_changes.len(), 2);
    crate::domain::validate::validate(&out).unwrap();
    // A deployment deleted before it exists is dropped.
    let out = apply_edits(
        &e,
        &[Edit::DeleteDeployment {
            deployment: "chat-gpt4o".into(),
            at: t("2026-01-01T00:00:00Z"),
        }],
    )
    .unwrap();
    assert!(out.deployments.iter().all(|d| d.id != "chat-gpt4o"));
    let err = apply_edits(
        &e,
        &[Edit::RemoveReservation {
            id: "res-none".into(),
        }],
    )
    .unwrap_err();
    assert!(err.to_string().contains("res-none"), "{err}");
}

#[test]
fn recommendation_prefers_safe_then_feasible() {
    let mk = |name: &str, total: i64, safe: bool, unmet: Option<Check>| {
        let mut o = PlanOption::new(name, "x");
        o.costs.hourly = Decimal::from(total);
        o.compare.total = Decimal::from(total);
        o.safe = safe;
        if let Some(c) = unmet {
            o.pre(c, Status::Unmet, "no");
        }
        o
    };
    let opts = vec![
        mk("cheap-unsafe", 1, false, None),
        mk("safe", 5, true, None),
        mk("safe-blocked", 2, true, Some(Check::Model)),
    ];
    assert_eq!(super::eval::recommend(&opts), (Some("safe".into()), false));
    let opts = vec![
        mk("unsafe", 3, false, None),
        mk("safe-blocked", 2, true, Some(Check::Quota)),
    ];
    assert_eq!(
        super::eval::recommend(&opts),
        (Some("unsafe".into()), false)
    );
    let opts = vec![
        mk("a", 3, true, Some(Check::Quota)),
        mk("b", 2, true, Some(Check::Model)),
    ];
    assert_eq!(super::eval::recommend(&opts), (Some("a".into()), true));
    let mut c = mk("late", 0, true, None);
    c.contingency = true;
    assert_eq!(super::eval::recommend(&[c]), (None, true));
    // Cheaper over the horizon but committing more after it: the other.
    let mut year = mk("year", 2, true, None);
    year.compare.committed_after_horizon = Decimal::from(10);
    let month = mk("month", 3, true, None);
    assert_eq!(
        super::eval::recommend(&[year.clone(), month]),
        (Some("month".into()), false)
    );
    let mut month = mk("month", 3, true, None);
    month.compare.committed_after_horizon = Decimal::from(10);
    assert_eq!(
        super::eval::recommend(&[year, month]),
        (Some("year".into()), false)
    );
}

#[test]
fn credits_count_when_granted_or_over_the_days_they_pay_back() {
    use crate::rating::Basis;
    // 3,000 back for 1..31 Dec (30 days), granted 1 Jan.
    let c = Credit {
        at: t("2027-01-01T00:00:00Z"),
        amount: Decimal::from(-3000),
        what: "x".into(),
        pays_back: (t("2026-12-01T00:00:00Z"), t("2026-12-31T00:00:00Z")),
    };
    let credit_in = super::eval::credit_in;
    let (a, b) = (t("2026-11-22T09:00:00Z"), t("2026-12-11T00:00:00Z"));
    assert_eq!(credit_in(&c, Basis::Actual, a, b), Decimal::ZERO);
    // 10 of the 30 days: 1,000; a half day 50.
    assert_eq!(credit_in(&c, Basis::Amortized, a, b), Decimal::from(-1000));
    assert_eq!(
        credit_in(&c, Basis::Amortized, b, t("2026-12-11T12:00:00Z")),
        Decimal::from(-50)
    );
    assert_eq!(
        credit_in(&c, Basis::Actual, a, t("2027-01-01T01:00:00Z")),
        Decimal::from(-3000)
    );
}

#[test]
fn a_scope_widens_to_the_subscription_or_the_billing_account() {
    use crate::domain::Scope;
    let e = crate::demo::estate(t("2026-11-22T09:00:00Z"));
    let book = crate::domain::prices::PriceBook::default_book();
    let p = Params::new(t("2026-11-22T09:00:00Z"));
    let ctx = super::common::Ctx::new(&e, &book, &p, super::Lifetime::open_ended());
    let sandbox = e.resource("aoai-eastus2-sandbox").unwrap();
    let prod = e.resource("aoai-eastus2-prod").unwrap();
    let sub = Scope::Subscription {
        subscription: "sub-prod".into(),
    };
    assert_eq!(
        super::common::widened(&ctx, &sub, sandbox),
        Some(Scope::Shared {
            billing_account: "ba-contoso".into()
        })
    );
    // Already holds it: no change.
    assert_eq!(super::common::widened(&ctx, &sub, prod), None);
    let rg = Scope::ResourceGroup {
        subscription: "sub-prod".into(),
        resource_group: "rg-legacy".into(),
    };
    assert_eq!(super::common::widened(&ctx, &rg, prod), Some(sub));
}

//! Pricing options: each what-if rated by the core, its slice's figures read
//! from the totals and windows, on the plan's basis and on the amortized
//! basis the options are compared on; what each commits to after the
//! horizon; doing nothing rated the same way.

use super::common::{Ctx, Draft};
use super::{
    Baseline, Comparison, Costs, Credit, PlanError, PlanKind, PlanSet, Slice, apply_edits,
};
use crate::domain::terms::scope_timeline;
use crate::domain::time::{Time, add_months, ceil_hour};
use crate::domain::{
    CommitmentRenewal, CommitmentRenewalChange, Estate, ReservationRenewal,
    ReservationRenewalChange,
};
use crate::rating::prepare::ScopeIndex;
use crate::rating::{Basis, Forecast, InstrumentKind, Window, WindowKind};
use chrono::Duration;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// A reservation term's reservation (`res-1/r2` belongs to `res-1`).
use crate::domain::terms::base_id;

/// The resources, commitments and reservations a plan touches: from the
/// seeds, every reservation (in any of the estates) that may cover one of
/// their deployments, every resource such a reservation may cover, and so
/// on to a fixed point; then the commitments on those resources.
pub(crate) fn closure(estates: &[&Estate], seeds: &BTreeSet<String>) -> Slice {
    let mut resources = seeds.clone();
    let mut reservations: BTreeSet<String> = BTreeSet::new();
    let indexes: Vec<ScopeIndex> = estates.iter().map(|e| ScopeIndex::new(e)).collect();
    loop {
        let mut changed = false;
        for (e, ix) in estates.iter().zip(&indexes) {
            for r in &e.reservations {
                let scopes: Vec<_> = scope_timeline(r).into_iter().map(|x| x.1).collect();
                let covers = |res: &crate::domain::Resource| {
                    res.region == r.region
                        && scopes.iter().any(|s| ix.contains(s, res))
                        && e.deployments
                            .iter()
                            .any(|d| d.resource == res.id && d.sku == r.sku)
                };
                let touches = e
                    .resources
                    .iter()
                    .any(|res| resources.contains(&res.id) && covers(res));
                if touches && reservations.insert(r.id.clone()) {
                    changed = true;
                }
                if reservations.contains(&r.id) {
                    for res in &e.resources {
                        if !resources.contains(&res.id) && covers(res) {
                            resources.insert(res.id.clone());
                            changed = true;
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let commitments = estates
        .iter()
        .flat_map(|e| e.commitments.iter())
        .filter(|c| resources.contains(&c.resource))
        .map(|c| c.id.clone())
        .collect();
    Slice {
        resources,
        commitments,
        reservations,
    }
}

/// The slice's figures in a forecast: hourly from its resources' overage
/// windows, charges from its instruments, double billing and unused from
/// its instruments' windows.
pub(crate) fn extract(f: &Forecast, slice: &Slice) -> (Costs, Vec<Window>) {
    let mut c = Costs::default();
    let mut windows = Vec::new();
    for w in &f.windows {
        let mine = match w.kind {
            WindowKind::Overage => slice.resources.contains(&w.subject),
            WindowKind::DoubleBilling | WindowKind::Unused => {
                slice.reservations.contains(base_id(&w.subject))
                    || slice.commitments.contains(&w.subject)
            }
        };
        if !mine {
            continue;
        }
        match w.kind {
            WindowKind::Overage => c.hourly += w.cost,
            WindowKind::DoubleBilling => c.double_billing += w.cost,
            WindowKind::Unused => c.unused += w.cost,
        }
        windows.push(w.clone());
    }
    for i in &f.instruments {
        match i.kind {
            InstrumentKind::Commitment if slice.commitments.contains(&i.id) => {
                c.commitment += i.charges
            }
            InstrumentKind::Reservation if slice.reservations.contains(base_id(&i.id)) => {
                c.reservation += i.charges
            }
            _ => {}
        }
    }
    (c, windows)
}

/// What an option's what-if costs on one basis: the slice's costs over the
/// horizon, its windows, and what it commits to after the horizon; credits
/// counted where the basis counts them.
fn price(
    ctx: &Ctx,
    e: &Estate,
    slice: &Slice,
    credits: &[Credit],
    basis: Basis,
) -> Result<(Costs, Vec<Window>), PlanError> {
    let f = ctx.rate_basis(e, ctx.from, ctx.to, basis)?;
    let (mut costs, windows) = extract(&f, slice);
    let far = Time::MAX_UTC;
    costs.credit = credits
        .iter()
        .map(|c| credit_in(c, basis, ctx.from, ctx.to))
        .sum();
    costs.committed_after_horizon = committed_after(ctx, e, slice, basis)?
        + credits
            .iter()
            .map(|c| credit_in(c, basis, ctx.to, far))
            .sum::<Decimal>();
    if costs.credit != Decimal::ZERO {
        // The credit pays back the commitment time the reservation
        // overlaps: none of it is paid twice (docs/migrations.md#managed-migration).
        costs.double_billing = Decimal::ZERO;
    }
    Ok((costs, windows))
}

/// The part of a credit a basis counts in `[from, to)`: all of it when it
/// is granted there (actual), or the share of the days it pays back that
/// falls there, evenly per hour (amortized).
pub(crate) fn credit_in(c: &Credit, basis: Basis, from: Time, to: Time) -> Decimal {
    match basis {
        Basis::Actual => {
            if c.at >= from && c.at < to {
                c.amount
            } else {
                Decimal::ZERO
            }
        }
        Basis::Amortized => {
            let (a, b) = c.pays_back;
            let all = (b - a).num_seconds();
            if all <= 0 {
                // Nothing to spread over: counted when granted.
                return credit_in(c, Basis::Actual, from, to);
            }
            let inside = (b.min(to) - a.max(from)).num_seconds().max(0);
            c.amount * Decimal::from(inside) / Decimal::from(all)
        }
    }
}

/// What a what-if commits to after the horizon's end: the commitment and
/// reservation charges of the slice that fall after it (on `basis`) for the
/// terms in force at the end. Rated by the core on a probe where every
/// renewal of the slice's instruments is turned off just before the end
/// (a setting can change any time before an expiry, so a renewal after
/// the horizon is not a commitment yet) and purchases planned from the end
/// on are left out.
pub(crate) fn committed_after(
    ctx: &Ctx,
    e: &Estate,
    slice: &Slice,
    basis: Basis,
) -> Result<Decimal, PlanError> {
    let cut = ctx.to - Duration::seconds(1);
    let mut probe = e.clone();
    // Charges don't depend on usage: only the instruments matter.
    probe.deployments.clear();
    probe.managed_compute.clear();
    probe
        .commitments
        .retain(|c| slice.commitments.contains(&c.id) && c.start < ctx.to);
    for c in &mut probe.commitments {
        let at = cut.max(c.start);
        c.renewal_changes.retain(|ch| ch.at < at);
        c.renewal_changes.push(CommitmentRenewalChange {
            at,
            renewal: CommitmentRenewal::None,
            approximate: false,
        });
    }
    probe
        .reservations
        .retain(|r| slice.reservations.contains(&r.id) && r.start < ctx.to);
    for r in &mut probe.reservations {
        let at = cut.max(r.start);
        r.renewal_changes.retain(|ch| ch.at < at);
        r.renewal_changes.push(ReservationRenewalChange {
            at,
            renewal: ReservationRenewal::None,
            approximate: false,
        });
    }
    if probe.commitments.is_empty() && probe.reservations.is_empty() {
        return Ok(Decimal::ZERO);
    }
    // Every term in force at the end ends within a year of it; its last
    // amortized day within the day after.
    let end = ceil_hour(add_months(ctx.to, 12) + Duration::days(2));
    let f = ctx.rate_basis(&probe, ctx.to, end, basis)?;
    let (c, _) = extract(&f, slice);
    Ok(c.commitment + c.reservation)
}

/// Prices every option of a draft and picks the recommended one.
pub(crate) fn finish(ctx: &Ctx, draft: Draft) -> Result<PlanSet, PlanError> {
    let Draft {
        subject,
        facts,
        notes,
        seeds,
        mut options,
    } = draft;
    if matches!(subject.kind(), PlanKind::Move | PlanKind::Convert) {
        let extra = year_variants(ctx, &options);
        options.extend(extra);
    }
    let mut estates = Vec::new();
    for o in &options {
        let e = apply_edits(ctx.estate, &o.edits)?;
        crate::domain::validate::validate(&e).map_err(|v| {
            PlanError::WhatIf(format!(
                "option {} would leave the estate invalid: {v}",
                o.name
            ))
        })?;
        estates.push(e);
    }
    let all: Vec<&Estate> = std::iter::once(ctx.estate).chain(estates.iter()).collect();
    let slice = closure(&all, &seeds);
    let basis = ctx.p.basis;
    // The costs on the plan's basis, and the amortized comparison.
    let both = |e: &Estate, credits: &[Credit]| -> Result<_, PlanError> {
        let (costs, windows) = price(ctx, e, &slice, credits, basis)?;
        let compare = if basis == Basis::Amortized {
            Comparison {
                total: costs.total(),
                committed_after_horizon: costs.committed_after_horizon,
            }
        } else {
            let (a, _) = price(ctx, e, &slice, credits, Basis::Amortized)?;
            Comparison {
                total: a.total(),
                committed_after_horizon: a.committed_after_horizon,
            }
        };
        Ok((costs, compare, windows))
    };
    let (base_costs, base_compare, base_windows) = both(ctx.estate, &[])?;
    for (o, e) in options.iter_mut().zip(&estates) {
        let (costs, compare, windows) = both(e, &o.credits).map_err(|err| match err {
            PlanError::Rating(r) => PlanError::WhatIf(format!("option {}: {r}", o.name)),
            other => other,
        })?;
        o.vs_nothing = compare.total - base_compare.total;
        o.costs = costs;
        o.compare = compare;
        o.windows = windows;
        o.steps.sort_by_key(|s| s.at);
    }
    price_lifetime(ctx, &subject, &slice, &mut options)?;
    // Migrating and discontinuing are about money: an option that costs
    // more than doing nothing over the lifetime is not recommended. A move
    // or a conversion is wanted for itself: the cheapest way is
    // recommended, and the plan says when doing nothing is cheaper.
    let strict = matches!(subject.kind(), PlanKind::Migrate | PlanKind::Discontinue);
    let (recommended, needs_quota) = recommend_over_lifetime(&options, strict);
    let mut notes = notes;
    if let (Some(name), true) = (&recommended, needs_quota) {
        notes.push(format!(
            "Every option needs something first: {name} is recommended once the quota it lacks is granted (request it, self-service)."
        ));
    }
    let life = ctx.lifetime.describe();
    if !strict {
        for o in options.iter_mut() {
            let loss = -o.saving_lifetime();
            if o.remedy.is_some() && loss > Decimal::ZERO && !o.contingency {
                o.notes.push(format!(
                    "Doing nothing is cheaper than this option over the lifetime ({life}) by {}.",
                    crate::domain::money::fmt_money_grouped(loss)
                ));
            }
        }
    }
    notes.push(format!(
        "Options are compared over the workload's lifetime, {life}; --horizon only sets the window the costs are shown for."
    ));
    let cheaper_than_nothing = options
        .iter()
        .any(|o| !o.contingency && o.saving_lifetime() >= Decimal::ZERO);
    if !options.is_empty() && !cheaper_than_nothing {
        let least = options
            .iter()
            .filter(|o| !o.contingency)
            .map(|o| -o.saving_lifetime())
            .min()
            .unwrap_or_default();
        notes.push(if strict {
            format!(
                "Doing nothing is cheapest over the lifetime ({life}): every option costs more (at least {} more), so none is recommended.",
                crate::domain::money::fmt_money_grouped(least)
            )
        } else {
            format!(
                "Doing nothing is cheaper over the lifetime ({life}): the cheapest way to do it costs {} more.",
                crate::domain::money::fmt_money_grouped(least)
            )
        });
    }
    Ok(PlanSet {
        kind: subject.kind(),
        subject,
        from: ctx.from,
        to: ctx.to,
        basis,
        currency: ctx.estate.currency.clone(),
        margin: ctx.p.margin,
        facts,
        baseline: Baseline {
            costs: base_costs,
            compare: base_compare,
            windows: base_windows,
        },
        options,
        recommended,
        notes,
        slice,
        lifetime: ctx.lifetime,
    })
}

/// Whether a workload's lifetime warrants a one-year term beside the
/// one-month one: open-ended, or a planned deletion twelve months away or
/// more.
fn year_is_worth_offering(ctx: &Ctx) -> bool {
    match ctx.lifetime {
        super::Lifetime::OpenEnded { .. } => true,
        super::Lifetime::Until(t) => crate::domain::time::add_months(ctx.now, 12) <= t,
    }
}

/// Moves and conversions buy one-month terms (renewal off at a planned
/// deletion); where the lifetime warrants it, each option that buys a new
/// one-month reservation also comes as `NAME-1y`: the same purchase on a
/// one-year term billed monthly (its renewal off from the start of the
/// term in force at a planned deletion), when a one-year price is known.
fn year_variants(ctx: &Ctx, options: &[super::PlanOption]) -> Vec<super::PlanOption> {
    use super::Edit;
    use crate::domain::prices::PriceKind;
    use crate::domain::{Billing, Term};
    if !year_is_worth_offering(ctx) {
        return vec![];
    }
    let mut out = Vec::new();
    for o in options.iter().filter(|o| !o.contingency) {
        let months: Vec<&crate::domain::Reservation> = o
            .edits
            .iter()
            .filter_map(|e| match e {
                Edit::AddReservation(r)
                    if r.term == Term::OneMonth
                        && ctx
                            .prices
                            .lookup(&r.region, r.sku, PriceKind::ReservationYear)
                            .is_some() =>
                {
                    Some(r)
                }
                _ => None,
            })
            .collect();
        if months.is_empty() {
            continue;
        }
        let ids: Vec<String> = months.iter().map(|r| r.id.clone()).collect();
        let mut v = o.clone();
        v.name = format!("{}-1y", o.name);
        v.title = format!("{} (one-year reservation term)", o.title);
        v.remedy = None;
        v.edits
            .retain(|e| !matches!(e, Edit::ReservationRenewal { id, .. } if ids.contains(id)));
        v.steps.retain(|s| {
            !ids.iter().any(|id| {
                s.action
                    .starts_with(&format!("Set reservation {id} not to renew"))
            })
        });
        let mut bought = Vec::new();
        for e in v.edits.iter_mut() {
            if let Edit::AddReservation(r) = e
                && ids.contains(&r.id)
            {
                r.term = Term::OneYear;
                r.billing = Billing::Monthly;
                r.price = None;
                let text = format!(
                    "Buy reservation {}: {}",
                    r.id,
                    super::edits::describe_reservation(r)
                );
                for s in v.steps.iter_mut() {
                    if s.action.starts_with(&format!("Buy reservation {}: ", r.id)) {
                        s.action = text.clone();
                    }
                }
                bought.push((r.id.clone(), r.start));
            }
        }
        for (id, start) in bought {
            super::common::stop_renewing_at_deletion(ctx, &mut v, &id, start, Term::OneYear);
        }
        v.note(
            "One-year term: cheaper a month than one-month terms once kept for its break-even months; it commits to the whole year.",
        );
        out.push(v);
    }
    out
}

/// The lifetime as the remedies pricer takes it.
fn remedy_lifetime(l: super::Lifetime) -> crate::domain::plan::Lifetime {
    match l {
        super::Lifetime::Until(t) => crate::domain::plan::Lifetime::Until(t),
        super::Lifetime::OpenEnded { assumed_months } => {
            crate::domain::plan::Lifetime::OpenEnded { assumed_months }
        }
    }
}

/// The remedy kind an option is, by what it changes.
fn remedy_kind(kind: PlanKind, o: &super::PlanOption) -> crate::domain::plan::RemedyKind {
    use super::Edit;
    use crate::domain::plan::RemedyKind;
    match kind {
        PlanKind::Convert => RemedyKind::Convert,
        PlanKind::Discontinue => RemedyKind::Delete,
        _ if o
            .edits
            .iter()
            .any(|e| matches!(e, Edit::AddReservation(_) | Edit::ReplanReservation { .. })) =>
        {
            RemedyKind::BuyReservation
        }
        _ if o
            .edits
            .iter()
            .any(|e| matches!(e, Edit::ReservationScope { .. })) =>
        {
            RemedyKind::Rescope
        }
        _ if o.edits.is_empty() => RemedyKind::None,
        _ => RemedyKind::RenewalOff,
    }
}

/// Prices every option as a remedy, with the rating core, against doing
/// nothing: over the workload's lifetime and the horizon, amortized (the
/// same pricing `check` and `fix` use). Credits the core can't express
/// (a managed migration's) are added to both savings, amortized.
fn price_lifetime(
    ctx: &Ctx,
    subject: &super::Subject,
    slice: &Slice,
    options: &mut [super::PlanOption],
) -> Result<(), PlanError> {
    use super::remedies::{Draft as RDraft, Focus, Pricer};
    let regions: BTreeSet<String> = slice
        .resources
        .iter()
        .filter_map(|r| ctx.estate.resource(r))
        .map(|r| r.region.clone())
        .collect();
    let pricer = Pricer::new(
        ctx.estate,
        &regions,
        ctx.book,
        &ctx.p.rating,
        ctx.now,
        ctx.p.horizon,
    );
    let focus = Focus {
        resources: slice.resources.iter().cloned().collect(),
        instruments: slice
            .commitments
            .iter()
            .chain(slice.reservations.iter())
            .cloned()
            .collect(),
    };
    let lifetime = remedy_lifetime(ctx.lifetime);
    let life_end = ceil_hour(ctx.lifetime.end(ctx.now)).max(ctx.from + Duration::hours(1));
    for o in options.iter_mut() {
        let mut d = RDraft::new(remedy_kind(subject.kind(), o), o.title.clone());
        d.changes = o.edits.clone();
        d.steps = o.steps.clone();
        d.safe = o.safe && !o.contingency;
        d.why_not = o.unsafe_reason().map(str::to_string);
        let Some(mut r) = pricer.price(d, &focus, lifetime)? else {
            continue;
        };
        for c in &o.credits {
            r.saving_lifetime -= credit_in(c, Basis::Amortized, ctx.from, life_end);
            r.saving_horizon -= credit_in(c, Basis::Amortized, ctx.from, ctx.to);
        }
        o.remedy = Some(r);
    }
    Ok(())
}

/// [`recommend`] over the lifetime: the options that save most over the
/// workload's lifetime first (then as [`recommend`] ranks); with `strict`,
/// an option that costs more than doing nothing over the lifetime is never
/// recommended.
pub(crate) fn recommend_over_lifetime(
    options: &[super::PlanOption],
    strict: bool,
) -> (Option<String>, bool) {
    let eligible: Vec<super::PlanOption> = options
        .iter()
        .filter(|o| !strict || o.saving_lifetime() >= Decimal::ZERO)
        .cloned()
        .collect();
    recommend(&eligible)
}

/// The cheapest safe option with no precondition known to fail; failing
/// that, the cheapest with none known to fail. "Cheapest" counts what an
/// option commits to after the horizon ([`Comparison::all_in`], amortized),
/// so a one-year term wins over a shorter horizon only when it is still
/// cheaper with its remaining months counted. Ties go to the one that
/// leaks less (double billing, hourly and unused capacity), then to the one
/// listed first. Contingencies never.
pub(crate) fn recommend(options: &[super::PlanOption]) -> (Option<String>, bool) {
    let pick = |safe_only: bool, quota_ok: bool| {
        options
            .iter()
            .filter(|o| {
                !o.contingency
                    && (o.safe || !safe_only)
                    && if quota_ok {
                        o.blocked_by_quota_only()
                    } else {
                        !o.blocked()
                    }
            })
            .min_by_key(|o| {
                let c = &o.costs;
                (
                    -o.saving_lifetime(),
                    o.compare.all_in(),
                    c.double_billing + c.hourly + c.unused,
                )
            })
            .map(|o| o.name.clone())
    };
    match pick(true, false).or_else(|| pick(false, false)) {
        Some(n) => (Some(n), false),
        None => (pick(true, true).or_else(|| pick(false, true)), true),
    }
}

//! Pricing options: each what-if rated by the core, its slice's figures read
//! from the totals and windows; doing nothing rated the same way.

use super::common::{Ctx, Draft};
use super::{Baseline, Costs, PlanError, PlanSet, Slice, apply_edits};
use crate::domain::Estate;
use crate::domain::terms::scope_timeline;
use crate::rating::prepare::ScopeIndex;
use crate::rating::{Forecast, InstrumentKind, Window, WindowKind};
use std::collections::BTreeSet;

/// A reservation term's reservation (`res-1/r2` belongs to `res-1`).
pub(crate) fn base_id(id: &str) -> &str {
    match id.rsplit_once("/r") {
        Some((base, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => base,
        _ => id,
    }
}

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

/// Prices every option of a draft and picks the recommended one.
pub(crate) fn finish(ctx: &Ctx, draft: Draft) -> Result<PlanSet, PlanError> {
    let Draft {
        subject,
        facts,
        notes,
        seeds,
        mut options,
    } = draft;
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
    let base = ctx.rate(ctx.estate)?;
    let (base_costs, base_windows) = extract(&base, &slice);
    for (o, e) in options.iter_mut().zip(&estates) {
        let f = ctx.rate(e).map_err(|err| match err {
            PlanError::Rating(r) => PlanError::WhatIf(format!("option {}: {r}", o.name)),
            other => other,
        })?;
        let (mut costs, windows) = extract(&f, &slice);
        costs.credit = o
            .credits
            .iter()
            .filter(|c| c.at >= ctx.from && c.at < ctx.to)
            .map(|c| c.amount)
            .sum();
        o.vs_nothing = costs.total() - base_costs.total();
        o.costs = costs;
        o.windows = windows;
        o.steps.sort_by_key(|s| s.at);
    }
    let (recommended, needs_quota) = recommend(&options);
    let mut notes = notes;
    if let (Some(name), true) = (&recommended, needs_quota) {
        notes.push(format!(
            "Every option needs something first: {name} is recommended once the quota it lacks is granted (request it, self-service)."
        ));
    }
    Ok(PlanSet {
        kind: subject.kind(),
        subject,
        from: ctx.from,
        to: ctx.to,
        basis: ctx.p.basis,
        currency: ctx.estate.currency.clone(),
        margin: ctx.p.margin,
        facts,
        baseline: Baseline {
            costs: base_costs,
            windows: base_windows,
        },
        options,
        recommended,
        notes,
        slice,
    })
}

/// The cheapest safe option with no precondition known to fail; failing
/// that, the cheapest with none known to fail. Ties go to the one listed
/// first. Contingencies never.
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
                (c.total(), c.double_billing + c.hourly + c.unused)
            })
            .map(|o| o.name.clone())
    };
    match pick(true, false).or_else(|| pick(false, false)) {
        Some(n) => (Some(n), false),
        None => (pick(true, true).or_else(|| pick(false, true)), true),
    }
}

//! Commitment -> reservation (docs/migrations.md#commitment-to-reservation): self-service with overlap,
//! self-service with a gap, managed migration; one-month against one-year.

use super::common::{
    Ctx, Draft, NO_NEW_ENROLLMENT, ROLE_RESERVATION, business_days_after, describe_renewal,
    new_reservation, purchase, set_renewal, set_renewal_at, setting_at,
};
use super::moves::bought_after;
use super::{
    Check, Credit, MANAGED_LEAD_DAYS, PlanError, PlanOption, PlanSet, Status, Subject,
    short_duration, when,
};
use crate::domain::money::fmt_money_grouped;
use crate::domain::terms::CommitmentTerm;
use crate::domain::time::{Time, add_months, ceil_hour, days_between, midnight, month_start};
use crate::domain::{Commitment, CommitmentRenewal, Reservation, Resource, Sku, Term};
use chrono::Duration;
use rust_decimal::Decimal;

fn term_name(t: Term) -> &'static str {
    match t {
        Term::OneMonth => "1-month",
        Term::OneYear => "1-year",
    }
}

fn short_term(t: Term) -> &'static str {
    match t {
        Term::OneMonth => "1m",
        Term::OneYear => "1y",
    }
}

pub(crate) fn plan(ctx: &Ctx, cid: &str) -> Result<PlanSet, PlanError> {
    let c = ctx.commitment(cid)?;
    let r = ctx.resource(&c.resource)?;
    let Some(term) = ctx.term_at(c, ctx.now)? else {
        let end = ctx
            .terms(c, ctx.now)?
            .last()
            .map(|t| t.end)
            .unwrap_or(c.start);
        // What its Regional deployments have now, rated.
        let now = ctx.uncovered_where(ctx.estate, ceil_hour(ctx.now), |d, res| {
            res.id == r.id && d.sku == Sku::Regional
        })?;
        let state = if now.uncovered > 0 {
            format!(
                "{} PTU of its deployments on {} pay hourly until a reservation covers them (buy one now)",
                now.uncovered, r.id
            )
        } else if !now.covering.is_empty() {
            format!(
                "its deployments on {} are covered by {}",
                r.id,
                now.covering.join(", ")
            )
        } else {
            format!("no Regional deployment is left on {}", r.id)
        };
        return Err(PlanError::Pointless(format!(
            "commitment {cid} expired at {}: there is no expiry left to plan around; {state}; see also `ptudesk plan discontinue --resource {}`",
            crate::domain::time::fmt_time(end),
            r.id
        )));
    };
    let e = term.end;
    let setting = setting_at(c, e);
    let committed = term.ptu_at_end();
    let deployed = ctx.regional_deployed(&r.id, e, &[]);
    let planned = ctx.planned_reservations(r, Sku::Regional);
    // What a reservation scoped to the subscription must cover: the
    // Regional PTU in the subscription and region that nothing covers once
    // the commitment has expired, rated without the purchases the options
    // re-plan (they are what is being sized).
    let mut probe_edits = Vec::new();
    if setting != CommitmentRenewal::None {
        probe_edits.push(super::Edit::CommitmentRenewal {
            commitment: c.id.clone(),
            at: ctx.now.max(c.start),
            renewal: CommitmentRenewal::None,
        });
    }
    for x in &planned {
        probe_edits.push(super::Edit::RemoveReservation { id: x.id.clone() });
    }
    let probe = super::apply_edits(ctx.estate, &probe_edits)?;
    let need = ctx.uncovered_where(&probe, ceil_hour(e), |dep, res| {
        dep.sku == Sku::Regional && res.subscription == r.subscription && res.region == r.region
    })?;
    let q = need.uncovered;
    let (p_time, short) = ctx.before_expiry(e);
    let g_time = ceil_hour(e + ctx.p.margin).max(ctx.first);
    let early = early_excess(ctx, &probe, r, p_time)?;

    let mut d = Draft::new(Subject::Migrate {
        commitment: cid.to_string(),
    });
    d.seeds.insert(r.id.clone());
    d.fact(
        "commitment",
        format!(
            "{cid} on {} ({} / {}): {committed} PTU, term {} .. {}",
            r.id,
            r.subscription,
            r.region,
            when(term.start),
            when(e)
        ),
    );
    d.fact(
        "renewal",
        if setting == CommitmentRenewal::None {
            describe_renewal(setting)
        } else {
            format!("{} (every option turns it off)", describe_renewal(setting))
        },
    );
    d.fact("expiry", when(e));
    d.fact(
        "reservation quantity",
        quantity_fact(q, &need, &r.subscription, &r.region, "at the expiry"),
    );
    if q > 0 && (q != committed || q != deployed) {
        d.notes.push(format!(
            "Reservation size: {q} PTU covers what is left uncovered in {} / {} at the expiry. Alternatives: the committed size, {committed} PTU (if you will deploy up to it again), or the PTU deployed on {}, {deployed} PTU{}.",
            r.subscription,
            r.region,
            r.id,
            if deployed > q {
                " (more than needed: discounts already in scope cover the rest)"
            } else {
                ""
            }
        ));
    }

    if q == 0 {
        d.notes.push(if deployed == 0 {
            format!(
                "No Regional deployment is left on {} at the expiry: nothing needs a reservation. Let the commitment expire (see also `ptudesk plan discontinue --resource {}`).",
                r.id, r.id
            )
        } else {
            format!(
                "Discounts already in scope ({}) cover the {deployed} Regional PTU on {} at the expiry: nothing needs a new reservation. Let the commitment expire.",
                need.covering.join(", "),
                r.id
            )
        });
        let mut o = PlanOption::new("let-expire", "Let the commitment expire; buy nothing");
        set_renewal(ctx, &mut o, c, e, CommitmentRenewal::None);
        for x in &planned {
            o.edit(super::Edit::RemoveReservation { id: x.id.clone() });
            o.step(
                ctx.now,
                format!(
                    "Drop the planned purchase of reservation {} ({} PTU on {}): nothing is left to cover",
                    x.id,
                    x.ptu,
                    when(x.start)
                ),
            );
        }
        o.step(e, format!("Commitment {cid} expires"));
        d.options.push(o);
        return super::eval::finish(ctx, d);
    }

    d.fact(
        "best purchase time",
        format!(
            "{}: {} before the expiry (margin {}); double billing {} .. {}",
            when(p_time),
            short_duration(e - p_time),
            short_duration(ctx.p.margin),
            when(p_time),
            when(e)
        ),
    );
    d.fact(
        "gap purchase time",
        format!(
            "{}: hourly from {} to then ({})",
            when(g_time),
            when(e),
            short_duration(g_time - e)
        ),
    );
    if !planned.is_empty() {
        let list: Vec<String> = planned
            .iter()
            .map(|x| {
                format!(
                    "{} ({} PTU, {}, from {})",
                    x.id,
                    x.ptu,
                    term_name(x.term),
                    when(x.start)
                )
            })
            .collect();
        d.fact("already planned", list.join("; "));
        d.notes.push(format!(
            "Doing nothing keeps the purchase already planned ({}); the options re-date and resize it rather than buy a second reservation.",
            list.join("; ")
        ));
    }
    if deployed > committed {
        d.notes.push(format!(
            "{} PTU are deployed on {} beyond the {committed} committed: they pay hourly (or a reservation) already; the reservation covers them too.",
            deployed - committed,
            r.id
        ));
    } else if deployed < committed {
        d.notes.push(format!(
            "Fewer PTU are deployed at the expiry ({deployed}) than committed ({committed}): the reservation is sized to the deployments; buy {committed} PTU instead only if you will deploy more."
        ));
    }
    if short {
        d.notes.push(format!(
            "Less than the margin ({}) is left before the expiry: the purchase is at the next whole hour.",
            short_duration(ctx.p.margin)
        ));
    }

    let main_term = planned.first().map_or(Term::OneMonth, |x| x.term);
    let alt_term = match main_term {
        Term::OneMonth => Term::OneYear,
        Term::OneYear => Term::OneMonth,
    };
    let res_id = ctx.unique_id(&format!("res-{cid}"), &[]);
    let early_id = ctx.unique_id(&format!("res-{cid}-excess"), std::slice::from_ref(&res_id));
    if let Some(x) = &early {
        d.fact(
            "excess before the expiry",
            format!(
                "{} PTU in {} / {} pay the hourly rate from {} until the expiry ({} on the hourly meter, rated): a reservation of {} PTU bought then covers them now and part of the need at the expiry, which is bought net of it",
                x.ptu,
                r.subscription,
                r.region,
                when(x.at),
                fmt_money_grouped(x.hourly_cost),
                x.ptu
            ),
        );
    }
    let res_name = format!("{} Regional (replaces {cid})", r.region);
    let new = |ptu: i64, term: Term, start: Time| -> Reservation {
        new_reservation(
            res_id.clone(),
            res_name.clone(),
            r,
            Sku::Regional,
            ptu,
            term,
            start,
        )
    };

    for (name, t) in [
        ("overlap".to_string(), main_term),
        (format!("overlap-{}", short_term(alt_term)), alt_term),
    ] {
        let mut o = PlanOption::new(
            &name,
            format!(
                "Self-service, overlap: buy a {} reservation before the expiry",
                term_name(t)
            ),
        );
        set_renewal(ctx, &mut o, c, e, CommitmentRenewal::None);
        let rest = buy_early(ctx, &mut o, early.as_ref(), r, cid, t, q);
        let id = if rest > 0 {
            purchase(ctx, &mut o, &planned, new(rest, t, p_time))
        } else {
            early_id.clone()
        };
        o.step(
            e,
            format!(
                "Commitment {cid} expires; {id} covers the deployments on {}",
                r.id
            ),
        );
        o.note(format!(
            "Double billing from {} to {} ({}): the reservation and the commitment pay for the same PTUs, never credited (self-service).",
            when(p_time),
            when(e),
            short_duration(e - p_time)
        ));
        o.pre(Check::Role, Status::Manual, ROLE_RESERVATION);
        d.options.push(o);
    }

    let mut o = PlanOption::new(
        "gap",
        format!(
            "Self-service, gap: buy a {} reservation after the expiry",
            term_name(main_term)
        ),
    );
    set_renewal(ctx, &mut o, c, e, CommitmentRenewal::None);
    o.step(
        e,
        format!(
            "Commitment {cid} expires; the deployments on {} pay hourly until the purchase",
            r.id
        ),
    );
    let rest = buy_early(ctx, &mut o, early.as_ref(), r, cid, main_term, q);
    if rest > 0 {
        purchase(ctx, &mut o, &planned, new(rest, main_term, g_time));
    }
    o.note(format!(
        "Hourly charges from {} to {} ({}), never credited; any delay in the purchase adds to them.",
        when(e),
        when(g_time),
        short_duration(g_time - e)
    ));
    o.pre(Check::Role, Status::Manual, ROLE_RESERVATION);
    d.options.push(o);

    if let Some(o) = managed(
        ctx,
        &mut d,
        c,
        r,
        main_term,
        p_time,
        &res_id,
        &res_name,
        early.as_ref(),
    )? {
        d.options.push(o);
    }
    d.notes.push(format!(
        "{NO_NEW_ENROLLMENT}: once {cid} ends, going back to a commitment may not be possible."
    ));
    let break_even = term_break_even(ctx, r);
    if let Some((_, text)) = &break_even {
        d.fact("1-month vs 1-year", text.clone());
    }
    let mut set = super::eval::finish(ctx, d)?;
    for o in set.options.iter_mut() {
        let yearly = o.edits.iter().any(|x| match x {
            super::Edit::AddReservation(n) => n.term == Term::OneYear,
            super::Edit::ReplanReservation { term, .. } => *term == Term::OneYear,
            _ => false,
        });
        if yearly && o.costs.committed_after_horizon > Decimal::ZERO {
            o.note(format!(
                "A one-year term commits for 12 months: {} of its charges fall after the horizon ({} basis), and the recommendation counts them.",
                fmt_money_grouped(o.costs.committed_after_horizon),
                set.basis.name()
            ));
        }
    }
    if let Some((months, _)) = break_even {
        let life = ctx.lifetime.describe();
        let yearly_pays = match ctx.lifetime {
            super::Lifetime::Until(t) => {
                let held = Decimal::from((t - ctx.now).num_hours().max(0)) * Decimal::from(12)
                    / Decimal::from(24 * 365);
                held >= months
            }
            super::Lifetime::OpenEnded { assumed_months } => {
                Decimal::from(assumed_months) >= months
            }
        };
        set.notes.push(if yearly_pays {
            format!(
                "Term by lifetime ({life}): the PTUs are kept at least the {} months a one-year term needs to pay off.",
                months.round_dp(1)
            )
        } else {
            format!(
                "Term by lifetime ({life}): shorter than the {} months a one-year term needs to pay off, so one-month terms, set not to renew past the deletion.",
                months.round_dp(1)
            )
        });
    }
    Ok(set)
}

/// Regional PTU in the subscription and region that pay the hourly rate
/// before the commitment's expiry (a commitment smaller than what is
/// deployed, or deployments beside it): the first whole hour from now, or
/// the first whole hour after a deployment's creation or growth (deploy
/// first, then buy), where the core finds PTU no discount covers, and what those PTU cost on the hourly meter until the
/// purchase time before the expiry.
struct Early {
    at: Time,
    ptu: i64,
    hourly_cost: Decimal,
}

fn early_excess(
    ctx: &Ctx,
    probe: &crate::domain::Estate,
    r: &Resource,
    p_time: Time,
) -> Result<Option<Early>, PlanError> {
    let in_region = |res: &Resource| res.subscription == r.subscription && res.region == r.region;
    let mut hours = vec![ctx.first];
    for dep in &probe.deployments {
        if dep.sku != Sku::Regional || !probe.resource(&dep.resource).is_some_and(in_region) {
            continue;
        }
        for sz in &dep.sizes {
            // Deploy first, then buy: the hour after it is created or grown.
            let h = bought_after(sz.at);
            if h > ctx.first && h < p_time && !hours.contains(&h) {
                hours.push(h);
            }
        }
    }
    hours.sort();
    for h in hours {
        if h >= p_time {
            break;
        }
        let u = ctx.uncovered_where(probe, h, |dep, res| {
            dep.sku == Sku::Regional && in_region(res)
        })?;
        if u.uncovered > 0 {
            let f = ctx.rate_basis(probe, h, p_time, crate::rating::Basis::Actual)?;
            let hourly_cost = f
                .windows
                .iter()
                .filter(|w| {
                    w.kind == crate::rating::WindowKind::Overage
                        && probe.resource(&w.subject).is_some_and(in_region)
                })
                .map(|w| w.cost)
                .sum();
            return Ok(Some(Early {
                at: h,
                ptu: u.uncovered,
                hourly_cost,
            }));
        }
    }
    Ok(None)
}

/// Buys the early reservation for the excess (deploy first, then buy: at
/// the first hour it pays hourly); returns what is left to buy at the
/// expiry out of `q`.
fn buy_early(
    ctx: &Ctx,
    o: &mut PlanOption,
    early: Option<&Early>,
    r: &Resource,
    cid: &str,
    term: Term,
    q: i64,
) -> i64 {
    let Some(x) = early else {
        return q;
    };
    let id = ctx.unique_id(
        &format!("res-{cid}-excess"),
        &[ctx.unique_id(&format!("res-{cid}"), &[])],
    );
    let res = new_reservation(
        id,
        format!("{} Regional (excess over {cid})", r.region),
        r,
        Sku::Regional,
        x.ptu,
        term,
        x.at,
    );
    purchase(ctx, o, &[], res);
    o.note(format!(
        "The {} PTU paying hourly before the expiry are covered from {} instead of paying the hourly rate until then; the purchase at the expiry (or the agreed date) is the rest.",
        x.ptu,
        when(x.at)
    ));
    (q - x.ptu).max(0)
}

/// The break-even length between one-month and one-year Regional terms in
/// the resource's region, at the prices the plan rates with: a year's price
/// over a month's, in months of use (`None` without both prices).
fn term_break_even(ctx: &Ctx, r: &Resource) -> Option<(Decimal, String)> {
    use crate::domain::prices::PriceKind;
    let month = ctx
        .prices
        .lookup(&r.region, Sku::Regional, PriceKind::ReservationMonth)?
        .amount;
    let year = ctx
        .prices
        .lookup(&r.region, Sku::Regional, PriceKind::ReservationYear)?
        .amount;
    if month <= Decimal::ZERO {
        return None;
    }
    let months = year / month;
    Some((
        months,
        format!(
            "{} a PTU for a month, {} for a year ({} a month): the one-year term is cheaper when the PTUs are kept {} months or more",
            fmt_money_grouped(month),
            fmt_money_grouped(year),
            fmt_money_grouped((year / Decimal::from(12)).round_dp(2)),
            months.round_dp(1)
        ),
    ))
}

/// The reservation quantity for a subscription and region, and how it is
/// made up.
fn quantity_fact(
    q: i64,
    need: &super::common::Uncovered,
    sub: &str,
    region: &str,
    when_: &str,
) -> String {
    let deployed = need.total_deployed();
    let covered = deployed - q;
    let mut text = format!(
        "{q} PTU for {sub} / {region} (a reservation scoped to the subscription covers all its resources in the region): the Regional PTU left uncovered {when_}; {deployed} deployed ({})",
        need.by_resource()
    );
    if covered > 0 {
        text.push_str(&format!(
            ", less {covered} covered by discounts already in scope ({})",
            need.covering.join(", ")
        ));
    }
    text
}

/// The managed migration: every commitment of the subscription and region
/// at once, a reservation on the agreed date, a credit for the cancelled
/// time (docs/migrations.md#managed-migration).
#[allow(clippy::too_many_arguments)]
fn managed(
    ctx: &Ctx,
    d: &mut Draft,
    subject: &Commitment,
    r: &Resource,
    term: Term,
    latest: Time,
    res_id: &str,
    res_name: &str,
    early: Option<&Early>,
) -> Result<Option<PlanOption>, PlanError> {
    let lead = ctx.now + Duration::days(MANAGED_LEAD_DAYS);
    let mut dm = midnight(lead.date_naive());
    if dm < lead {
        dm += Duration::days(1);
    }
    let dm = dm.min(latest).max(ctx.first);
    // Every commitment of the subscription and region in force on the date.
    let mut group: Vec<(&Commitment, &Resource, CommitmentTerm)> = Vec::new();
    for c in &ctx.estate.commitments {
        let Some(res) = ctx.estate.resource(&c.resource) else {
            continue;
        };
        if res.subscription != r.subscription || res.region != r.region {
            continue;
        }
        if let Some((cc, t)) = ctx.active_commitment(&res.id, dm)?
            && cc.id == c.id
        {
            group.push((c, res, t));
        }
    }
    if !group.iter().any(|g| g.0.id == subject.id) {
        return Ok(None);
    }
    let ids: Vec<&str> = group.iter().map(|g| g.0.id.as_str()).collect();
    if group.len() > 1 {
        d.fact(
            "same subscription and region",
            format!(
                "{} commitments in {} / {} ({}): a managed migration moves them all at once",
                group.len(),
                r.subscription,
                r.region,
                ids.join(", ")
            ),
        );
    }
    let mut o = PlanOption::new(
        "managed",
        format!(
            "Managed migration with the account team: {} reservation on an agreed date",
            term_name(term)
        ),
    );
    o.safe = false;
    o.step(
        ctx.now,
        format!(
            "Ask your Microsoft account team for a managed migration of every commitment in {} / {} ({}) on {}",
            r.subscription,
            r.region,
            ids.join(", "),
            when(dm)
        ),
    );
    let mut credit = Decimal::ZERO;
    let mut workings = Vec::new();
    let mut planned: Vec<&Reservation> = Vec::new();
    let mut credits = Vec::new();
    // The sizing probe: the commitments gone from the agreed date (the
    // store can't hold that; the probe only rates the hour), the planned
    // purchases left out (they are what is being sized).
    let mut probe = ctx.estate.clone();
    probe.commitments.retain(|x| !ids.contains(&x.id.as_str()));
    for (c, res, t) in &group {
        // Cancelled on the agreed date: renewals before it still happen, so
        // the change is dated then, for the term in force.
        set_renewal_at(
            &mut o,
            c,
            t.end,
            CommitmentRenewal::None,
            dm.max(c.start),
            Some(format!(
                "Commitment {} is cancelled with the migration: from the agreed date it is set to \"Don't autorenew\" (its term in force, {} .. {}, is credited from then)",
                c.id,
                when(t.start),
                when(t.end)
            )),
        );
        d.seeds.insert(res.id.clone());
        for x in ctx.planned_reservations(res, Sku::Regional) {
            if !planned.iter().any(|p| p.id == x.id) {
                planned.push(x);
            }
        }
        let Some(unit) = ctx.commitment_price(c) else {
            d.notes.push(format!(
                "No commitment price for {}: the managed migration's credit can't be worked out, so that option is left out.",
                c.id
            ));
            return Ok(None);
        };
        let ptu = t.ptu_at(dm);
        let left = days_between(dm.date_naive(), t.end.date_naive()).max(1);
        let days = days_between(t.start.date_naive(), t.end.date_naive());
        let amount = unit * Decimal::from(ptu) * Decimal::from(left) / Decimal::from(days);
        credit += amount;
        let back_to = midnight(t.end.date_naive());
        credits.push(Credit {
            at: add_months(month_start(dm), 1),
            amount: -amount,
            what: format!("managed migration credit for {}", c.id),
            pays_back: (back_to - Duration::days(left), back_to),
        });
        workings.push(format!(
            "{}: {} x {ptu} PTU x {left}/{days} days = {}",
            c.id,
            fmt_money_grouped(unit),
            fmt_money_grouped(amount)
        ));
    }
    probe
        .reservations
        .retain(|x| !planned.iter().any(|p| p.id == x.id));
    let need = ctx.uncovered_where(&probe, ceil_hour(dm), |dep, res| {
        dep.sku == Sku::Regional && res.subscription == r.subscription && res.region == r.region
    })?;
    let qty = need.uncovered;
    if qty == 0 {
        return Ok(None);
    }
    d.fact(
        "managed quantity",
        quantity_fact(qty, &need, &r.subscription, &r.region, "on the agreed date"),
    );
    // What is deployed beyond the commitment pays hourly until the agreed
    // date: covered now (deploy first, then buy), the purchase on the date
    // net of it.
    let rest = match early.filter(|x| x.at < dm) {
        Some(x) => buy_early(ctx, &mut o, Some(x), r, &subject.id, term, qty),
        None => qty,
    };
    let id = if rest > 0 {
        let new = new_reservation(
            res_id.to_string(),
            res_name.to_string(),
            r,
            Sku::Regional,
            rest,
            term,
            dm,
        );
        purchase(ctx, &mut o, &planned, new)
    } else {
        ctx.unique_id(
            &format!("res-{}-excess", subject.id),
            &[ctx.unique_id(&format!("res-{}", subject.id), &[])],
        )
    };
    // Deployments planned after the agreed date: each bought the first
    // whole hour after it is deployed, what no discount then covers.
    let in_region = |res: &Resource| res.subscription == r.subscription && res.region == r.region;
    let life_end = ctx.lifetime.end(ctx.now).max(ctx.to);
    let mut later: Vec<Time> = ctx
        .estate
        .deployments
        .iter()
        .filter(|dep| {
            dep.sku == Sku::Regional && ctx.estate.resource(&dep.resource).is_some_and(in_region)
        })
        .flat_map(|dep| dep.sizes.iter().map(|s| bought_after(s.at)))
        .filter(|h| *h > ceil_hour(dm) && *h < life_end)
        .collect();
    later.sort();
    later.dedup();
    let mut taken = vec![id.clone()];
    for h in later {
        let mut with = super::apply_edits(ctx.estate, &o.edits)?;
        with.commitments.retain(|x| !ids.contains(&x.id.as_str()));
        let u = ctx.uncovered_where(&with, h, |dep, res| {
            dep.sku == Sku::Regional && in_region(res)
        })?;
        if u.uncovered == 0 {
            continue;
        }
        let extra_id = ctx.unique_id(&format!("res-{}-later", subject.id), &taken);
        taken.push(extra_id.clone());
        let extra = new_reservation(
            extra_id,
            format!(
                "{} Regional (deployed after the managed migration)",
                r.region
            ),
            r,
            Sku::Regional,
            u.uncovered,
            term,
            h,
        );
        purchase(ctx, &mut o, &[], extra);
        o.note(format!(
            "{} PTU deployed by {} are bought then, the first whole hour after their deployment (deploy first, then buy), not on the agreed date.",
            u.uncovered,
            when(h)
        ));
    }
    // Cancelled within 2-3 business days, unless the terms end first.
    let first_end = group
        .iter()
        .map(|g| g.2.end)
        .min()
        .expect("the subject at least");
    let cancelled = business_days_after(dm, 3);
    o.step(
        cancelled.min(first_end),
        if cancelled <= first_end {
            format!(
                "By now Microsoft has cancelled {} (within 2-3 business days); the deployments use {id}",
                ids.join(", ")
            )
        } else {
            format!(
                "{} ends here, before the 2-3 business days a cancellation takes; the deployments use {id}",
                ids.join(", ")
            )
        },
    );
    let credit_at = add_months(month_start(dm), 1);
    o.step(
        credit_at,
        format!(
            "Credit of {} for the cancelled commitment time from {} (billing period after the purchase)",
            fmt_money_grouped(credit),
            when(dm)
        ),
    );
    o.credits = credits;
    o.note(format!(
        "Credit = commitment price x PTU x days left from the purchase / days in the term: {}. It is its own cost line (credit) and in the total; it pays back the commitment time from {}, so there is no double billing.",
        workings.join("; "),
        when(dm)
    ));
    o.note(format!(
        "The store can't hold a cancelled commitment: this what-if keeps {} to its expiry. Once applied, `ptudesk forecast` shows the windows listed here (the time from {} as double billing on {id}) and leaves out the credit: its total is this option's plus {} (the credit it can't show).",
        ids.join(", "),
        when(dm),
        fmt_money_grouped(credit)
    ));
    if credit_at >= ctx.to {
        o.note(format!(
            "The credit falls on {}, after the horizon: on the actual basis it is not in the total (it is in committed after the horizon), and the double billing until then counts as paid twice.",
            when(credit_at)
        ));
    }
    o.note("The 2024 page describes managed migration; the newest (2026) page mentions it once and otherwise offers only self-service: ask whether it is still available.");
    o.pre(
        Check::Agreement,
        Status::Manual,
        format!(
            "Your Microsoft account team agrees to a managed migration on {} (the newest source page no longer offers it)",
            when(dm)
        ),
    );
    o.pre(Check::Role, Status::Manual, ROLE_RESERVATION);
    d.fact("managed migration date", when(dm));
    Ok(Some(o))
}

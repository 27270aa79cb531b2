//! Regional -> Global or Data Zone (docs/migrations.md#regional-to-global-or-data-zone,
//! after Microsoft's "Migrating existing deployments to global or data zone
//! provisioned"): zero downtime
//! (both live while traffic moves) or with downtime (delete, then create);
//! the new reservation type; what becomes of the old discounts.

use super::common::{
    Ctx, Draft, ROLE_DEPLOYMENT, ROLE_RESERVATION, capacity_check, deployment_size,
    describe_renewal, new_reservation, old_discounts, purchase, quota_check, renewal_for_remaining,
    renewals_for_idle, set_renewal, setting_at, trim_planned,
};
use super::moves::bought_after;
use super::{
    Check, DEPLOY_LAG_MINUTES, Edit, PlanError, PlanOption, PlanSet, Status, Subject, apply_edits,
    short_duration, when,
};
use crate::domain::time::{Time, ceil_hour, floor_hour};
use crate::domain::{Deployment, Resource, Size, Sku, Term};
use chrono::Duration;

struct Conv<'a> {
    dep: &'a Deployment,
    r: &'a Resource,
    to: Sku,
    ptu: i64,
    new_id: String,
}

impl Conv<'_> {
    fn create(&self, o: &mut PlanOption, at: Time, then: &str) {
        o.edit(Edit::AddDeployment(Deployment {
            id: self.new_id.clone(),
            resource: self.r.id.clone(),
            model: self.dep.model.clone(),
            version: self.dep.version.clone(),
            sku: self.to,
            sizes: vec![Size {
                at,
                ptu: self.ptu,
                approximate: false,
            }],
            deleted: None,
            deleted_approximate: false,
        }));
        o.step(
            at,
            format!(
                "Create deployment {} on {} ({} PTU {} {} {}) and {then}",
                self.new_id,
                self.r.id,
                self.ptu,
                self.to.label(),
                self.dep.model,
                self.dep.version
            ),
        );
    }

    fn delete(&self, o: &mut PlanOption, at: Time, before: &str, after: &str) {
        o.edit(Edit::DeleteDeployment {
            deployment: self.dep.id.clone(),
            at,
        });
        o.step(at, format!("{before}deployment {}{after}", self.dep.id));
    }
}

pub(crate) fn plan(ctx: &Ctx, dep_id: &str, to: Sku) -> Result<PlanSet, PlanError> {
    let dep = ctx.deployment(dep_id)?;
    if to == Sku::Regional {
        return Err(PlanError::Pointless(
            "convert moves a deployment to Global (GlobalProvisionedManaged) or Data Zone (DataZoneProvisionedManaged), not to Regional".into(),
        ));
    }
    if dep.sku == to {
        return Err(PlanError::Pointless(format!(
            "deployment {dep_id} is already {} ({to}): nothing to convert",
            to.label()
        )));
    }
    if let Some(t) = dep.deleted.filter(|t| *t <= ctx.now) {
        return Err(PlanError::Pointless(format!(
            "deployment {dep_id} was deleted at {}: there is nothing to convert",
            crate::domain::time::fmt_time(t)
        )));
    }
    let r = ctx.resource(&dep.resource)?;
    let old = dep.ptu_at(ctx.now.max(dep.created()));
    let ptu = match ctx.p.ptu {
        Some(n) if n <= 0 => {
            return Err(PlanError::Pointless(format!(
                "--ptu must be a positive number of PTU, got {n}"
            )));
        }
        Some(n) => n,
        None => deployment_size(old, to, &dep.model),
    };
    let short_name = match to {
        Sku::Global => "global",
        Sku::DataZone => "datazone",
        Sku::Regional => "regional",
    };
    let c = Conv {
        dep,
        r,
        to,
        ptu,
        new_id: ctx.unique_id(&format!("{dep_id}-{short_name}"), &[]),
    };
    let mut d = Draft::new(Subject::Convert {
        deployment: dep_id.to_string(),
        to,
    });
    d.seeds.insert(r.id.clone());
    d.fact(
        "deployment",
        format!(
            "{dep_id} on {} ({} / {}): {old} PTU {} {} {}",
            r.id,
            r.subscription,
            r.region,
            dep.sku.label(),
            dep.model,
            dep.version
        ),
    );
    d.fact(
        "new deployment",
        format!(
            "{}: {ptu} PTU {} ({to}){}",
            c.new_id,
            to.label(),
            if ctx.p.ptu.is_some() {
                " as given"
            } else {
                ", the same count rounded up to the type's step"
            }
        ),
    );
    d.fact(
        "reservation type needed",
        format!(
            "{} ({to}) in {}: a {} reservation never covers {} PTU",
            to.label(),
            r.region,
            dep.sku.label(),
            to.label()
        ),
    );
    d.notes.push(
        "Throughput per PTU differs by deployment type and model: check the capacity calculator before relying on the same PTU count (--ptu sets another).".into(),
    );

    // When: at the commitment's expiry (less the margin), else after the margin.
    let commitment = if dep.sku == Sku::Regional {
        ctx.active_commitment(&r.id, ctx.now)?
    } else {
        None
    };
    let w = match &commitment {
        Some((cm, t)) => {
            let (w, short) = ctx.before_expiry(t.end);
            d.fact(
                "commitment",
                format!(
                    "{} on {}: {} PTU, expires {} ({}); the switch is {} before it",
                    cm.id,
                    r.id,
                    t.ptu_at_end(),
                    when(t.end),
                    describe_renewal(setting_at(cm, t.end)),
                    short_duration(t.end - w)
                ),
            );
            if short {
                d.notes.push(format!(
                    "Less than the margin ({}) is left before {} expires: the switch is at the next whole hour.",
                    short_duration(ctx.p.margin),
                    cm.id
                ));
            }
            w
        }
        None => ceil_hour(ctx.now + ctx.p.margin).max(ctx.first),
    };
    d.fact("switch time", when(w));
    let old = ctx.covering(ctx.estate, dep_id, ctx.from, ctx.to)?;
    let renew = commitment.as_ref().map(|(cm, t)| {
        let remaining = ctx.regional_deployed(&r.id, t.end, &[dep_id]);
        (
            *cm,
            t.end,
            renewal_for_remaining(setting_at(cm, t.end), t.ptu_at_end(), remaining),
        )
    });

    let lag = Duration::minutes(DEPLOY_LAG_MINUTES);
    // Zero downtime: with a commitment, both live for the overlap before the
    // switch; without, from the switch on.
    let (x, del) = if renew.is_some() {
        (floor_hour(w - ctx.p.overlap).max(ctx.first).min(w), w)
    } else {
        (w, w + ctx.p.overlap)
    };
    let mut o = PlanOption::new(
        "zero-downtime",
        format!(
            "Zero downtime: create the {} deployment, move traffic, then delete the {} one",
            to.label(),
            dep.sku.label()
        ),
    );
    if let Some((cm, e, rn)) = &renew {
        set_renewal(ctx, &mut o, cm, *e, *rn);
    }
    c.create(&mut o, x, "move traffic to it");
    fund(ctx, &mut o, &c, x, del)?;
    c.delete(
        &mut o,
        del,
        "Once the Requests metric shows no calls for 5-10 minutes, delete ",
        "",
    );
    renewals_for_idle(ctx, &mut o, &old, &format!("{dep_id} goes"))?;
    o.note(format!(
        "Both deployments live from {} to {} ({}): quota for both, and both are paid for.",
        when(x),
        when(del),
        short_duration(del - x)
    ));
    checks(ctx, &mut o, &c)?;
    d.options.push(o);

    let mut o = PlanOption::new(
        "with-downtime",
        format!(
            "With downtime: delete the {} deployment, then create the {} one",
            dep.sku.label(),
            to.label()
        ),
    );
    if let Some((cm, e, rn)) = &renew {
        set_renewal(ctx, &mut o, cm, *e, *rn);
    }
    c.delete(
        &mut o,
        w,
        "Stop traffic (no calls for 5-10 minutes), then delete ",
        " (downtime starts)",
    );
    c.create(&mut o, w + lag, "resume traffic on it (downtime ends)");
    fund(ctx, &mut o, &c, w + lag, w + lag)?;
    renewals_for_idle(ctx, &mut o, &old, &format!("{dep_id} goes"))?;
    o.downtime = lag;
    o.safe = false;
    o.note(format!(
        "Downtime assumed: {} to create the new deployment.",
        short_duration(lag)
    ));
    checks(ctx, &mut o, &c)?;
    d.options.push(o);

    // A one-year reservation covering the deployment with months left:
    // converting strands it until its expiry, so convert at its expiry.
    if let Some((res, end)) = stranded_year(ctx, &old, w)? {
        let p = ctx.before_expiry(end).0;
        let x = floor_hour(p - ctx.p.overlap).max(ctx.first).min(p);
        let mut o = PlanOption::new(
            "at-expiry",
            format!(
                "Convert at the expiry of {} (1-year, {} PTU, to {}): zero downtime, nothing stranded",
                res.id,
                res.ptu,
                when(end)
            ),
        );
        if let Some((cm, e, rn)) = &renew {
            set_renewal(ctx, &mut o, cm, *e, *rn);
        }
        c.create(&mut o, x, "move traffic to it");
        fund(ctx, &mut o, &c, x, p)?;
        c.delete(
            &mut o,
            p,
            "Once the Requests metric shows no calls for 5-10 minutes, delete ",
            &format!(" (before {} expires)", res.id),
        );
        renewals_for_idle(ctx, &mut o, &old, &format!("{dep_id} goes"))?;
        o.note(format!(
            "{} keeps covering {dep_id} until it expires at {}: converting earlier leaves it idle (paid for) until then.",
            res.id,
            when(end)
        ));
        checks(ctx, &mut o, &c)?;
        d.options.push(o);
    }
    let mut set = super::eval::finish(ctx, d)?;
    old_discounts(ctx, &mut set, &c.dep.id, &old, w, None);
    Ok(set)
}

/// Buys a reservation of the new type for what no discount covers of the
/// new deployment once the old one is gone (sized by rating the what-if),
/// the hour after the new one is created at `at` (deploy first, then buy:
/// [`bought_after`]);
/// resizes or drops the purchases of the old type planned for the resource
/// that nothing needs any more.
fn fund(ctx: &Ctx, o: &mut PlanOption, c: &Conv, at: Time, settled: Time) -> Result<(), PlanError> {
    let mut probe = o.edits.clone();
    probe.push(Edit::DeleteDeployment {
        deployment: c.dep.id.clone(),
        at: settled.max(at),
    });
    let what_if = apply_edits(ctx.estate, &probe)?;
    let need = ctx.uncovered_ptu(&what_if, &c.new_id, ceil_hour(settled.max(at)))?;
    // Purchases of the old type planned for the resource that the
    // conversion leaves with less to cover: resized or dropped (not bought
    // yet, so free), rather than bought and refunded.
    trim_planned(
        ctx,
        o,
        c.r,
        c.dep.sku,
        &[&c.dep.id],
        &c.dep.id,
        settled.max(at),
    )?;
    if need == 0 {
        o.note(format!(
            "{} reservations already in scope have room for {}: nothing to buy.",
            c.to.label(),
            c.new_id
        ));
        return Ok(());
    }
    if need < c.ptu {
        o.note(format!(
            "{} reservations already in scope cover {} of its {} PTU: the purchase is the {need} PTU left.",
            c.to.label(),
            c.ptu - need,
            c.ptu
        ));
    }
    let planned = ctx.planned_reservations(c.r, c.to);
    let new = new_reservation(
        ctx.unique_id(&format!("res-{}", c.new_id), &[]),
        format!("{} {} ({})", c.r.region, c.to.label(), c.new_id),
        c.r,
        c.to,
        need,
        Term::OneMonth,
        bought_after(at),
    );
    purchase(ctx, o, &planned, new);
    o.pre(Check::Role, Status::Manual, ROLE_RESERVATION);
    Ok(())
}

/// The one-year reservation (bought, not refunded) among those covering
/// the deployment whose term in force runs longest past the switch, by
/// more than a month: (it, its expiry).
fn stranded_year<'a>(
    ctx: &Ctx<'a>,
    covering: &[String],
    switch: Time,
) -> Result<Option<(&'a crate::domain::Reservation, Time)>, PlanError> {
    let mut best: Option<(&crate::domain::Reservation, Time)> = None;
    for id in covering {
        let Some(r) = ctx.estate.reservations.iter().find(|r| {
            &r.id == id && r.term == Term::OneYear && r.refunded_at.is_none() && r.start <= ctx.now
        }) else {
            continue;
        };
        let terms = crate::domain::terms::reservation_terms(
            r,
            crate::domain::time::add_months(ctx.now, 13),
        )
        .map_err(|e| {
            PlanError::WhatIf(format!("reservation {}: {}: {}", r.id, e.path, e.message))
        })?;
        let Some(t) = terms
            .iter()
            .find(|t| t.end > ctx.now && t.term == Term::OneYear)
        else {
            continue;
        };
        if t.end <= crate::domain::time::add_months(switch, 1) {
            continue;
        }
        if best.is_none_or(|(_, e)| t.end > e) {
            best = Some((r, t.end));
        }
    }
    Ok(best)
}

fn checks(ctx: &Ctx, o: &mut PlanOption, c: &Conv) -> Result<(), PlanError> {
    let what_if = apply_edits(ctx.estate, &o.edits)?;
    o.preconditions.push(quota_check(
        ctx,
        &what_if,
        &c.r.subscription,
        &c.r.region,
        c.to,
    ));
    o.preconditions.push(capacity_check(
        ctx.estate,
        ctx.now,
        &c.r.region,
        c.to,
        &c.dep.model,
        &c.dep.version,
        c.ptu,
    ));
    o.pre(Check::Role, Status::Manual, ROLE_DEPLOYMENT);
    Ok(())
}

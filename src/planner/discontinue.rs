//! Discontinue (docs/migrations.md#discontinue, after Microsoft's
//! "Discontinue use of provisioned throughput"): set every commitment not to renew *and* delete the
//! deployments by the expiry; each day the deletion is late pays hourly.
//! Reservations planned for the resource (not bought yet) that nothing
//! needs once the deployments go are dropped or resized.

use super::common::{
    Ctx, Draft, ROLE_COMMITMENT, ROLE_DEPLOYMENT, describe_renewal, renewals_for_idle, set_renewal,
    setting_at, trim_planned,
};
use super::{
    Check, Edit, Fact, PlanError, PlanOption, PlanSet, Status, Subject, short_duration, when,
};
use crate::domain::money::fmt_money_grouped;
use crate::domain::time::Time;
use crate::domain::{CommitmentRenewal, Sku};
use crate::rating::WindowKind;
use rust_decimal::Decimal;

pub(crate) fn plan(ctx: &Ctx, rid: &str) -> Result<PlanSet, PlanError> {
    let r = ctx.resource(rid)?;
    let deps: Vec<_> = ctx
        .estate
        .deployments
        .iter()
        .filter(|d| d.resource == r.id && d.deleted.is_none_or(|t| t > ctx.now))
        .collect();
    let active = ctx.active_commitment(&r.id, ctx.now)?;
    if deps.is_empty() && active.is_none() {
        return Err(PlanError::Pointless(format!(
            "resource {rid} has no deployments and no commitment in force at {}: nothing to discontinue",
            crate::domain::time::fmt_time(ctx.now)
        )));
    }
    let mut d = Draft::new(Subject::Discontinue {
        resource: rid.to_string(),
    });
    d.seeds.insert(r.id.clone());
    let total: i64 = deps
        .iter()
        .map(|x| x.ptu_at(ctx.now.max(x.created())))
        .sum();
    d.fact(
        "resource",
        format!(
            "{rid} ({} / {}): {} deployment(s), {total} PTU",
            r.subscription,
            r.region,
            deps.len()
        ),
    );
    let (w, expiry) = match &active {
        Some((c, t)) => {
            let (w, short) = ctx.before_expiry(t.end);
            d.fact(
                "commitment",
                format!(
                    "{}: {} PTU, expires {} ({})",
                    c.id,
                    t.ptu_at_end(),
                    when(t.end),
                    describe_renewal(setting_at(c, t.end))
                ),
            );
            if short {
                d.notes.push(format!(
                    "Less than the margin ({}) is left before {} expires: the deletions are at the next whole hour.",
                    short_duration(ctx.p.margin),
                    c.id
                ));
            }
            (w, Some(t.end))
        }
        None => (ctx.first, None),
    };
    d.fact(
        "deletion time",
        match expiry {
            Some(e) => format!(
                "{} ({} before the expiry, margin {})",
                when(w),
                short_duration(e - w),
                short_duration(ctx.p.margin)
            ),
            None => format!("{} (no commitment in force: as soon as possible)", when(w)),
        },
    );
    let later: Vec<&str> = ctx
        .estate
        .commitments
        .iter()
        .filter(|c| c.resource == r.id && c.start > ctx.now)
        .map(|c| c.id.as_str())
        .collect();
    if !later.is_empty() {
        d.notes.push(format!(
            "Commitments planned to start later on {rid} ({}) are left as they are: cancel them too.",
            later.join(", ")
        ));
    }

    // The reservations that cover the deployments now or later in the
    // horizon: once the deployments go, their renewals are turned off (or
    // made smaller) when nothing else in their scope needs them.
    let mut covering: Vec<String> = Vec::new();
    for x in &deps {
        for id in ctx.covering(ctx.estate, &x.id, ctx.from, ctx.to)? {
            if !covering.contains(&id) {
                covering.push(id);
            }
        }
    }
    let why = format!("the deployments on {rid} go");
    let build = |name: &str, title: String, at: Time| -> Result<PlanOption, PlanError> {
        let mut o = PlanOption::new(name, title);
        if let Some((c, t)) = &active {
            set_renewal(ctx, &mut o, c, t.end, CommitmentRenewal::None);
            if !o.edits.is_empty() {
                o.pre(Check::Role, Status::Manual, ROLE_COMMITMENT);
            }
        }
        for x in &deps {
            o.edit(Edit::DeleteDeployment {
                deployment: x.id.clone(),
                at,
            });
            o.step(
                at,
                format!(
                    "Delete deployment {} ({} PTU {} {})",
                    x.id,
                    x.ptu_at(ctx.now.max(x.created())),
                    x.sku.label(),
                    x.model
                ),
            );
        }
        if let (Some((c, _)), Some(e)) = (&active, expiry) {
            o.step(e, format!("Commitment {} expires", c.id));
        }
        // Purchases planned for the resource that nothing needs once the
        // deployments go: dropped or resized (not bought yet: free).
        let gone: Vec<&str> = deps.iter().map(|x| x.id.as_str()).collect();
        let what = format!("the deployments on {rid}");
        for sku in [Sku::Regional, Sku::DataZone, Sku::Global] {
            trim_planned(ctx, &mut o, r, sku, &gone, &what, at)?;
        }
        renewals_for_idle(ctx, &mut o, &covering, &why)?;
        o.pre(Check::Role, Status::Manual, ROLE_DEPLOYMENT);
        Ok(o)
    };
    let mut o = build(
        "discontinue",
        match expiry {
            Some(_) => "Don't renew, and delete every deployment by the expiry".to_string(),
            None => "Delete every deployment".to_string(),
        },
        w,
    )?;
    o.note(format!(
        "The service on {rid} ends at {}: that is the point, so no downtime is counted.",
        when(w)
    ));
    o.note("Nothing deletes deployments automatically: they bill hourly until deleted, and those on a deleted resource until it is purged.");
    d.options.push(o);

    let late_at = expiry.unwrap_or(w) + ctx.p.late;
    let mut o = build(
        "late",
        format!(
            "If the deletion runs late: deployments deleted {} after {}",
            short_duration(ctx.p.late),
            if expiry.is_some() {
                "the expiry"
            } else {
                "the deletion time"
            }
        ),
        late_at,
    )?;
    o.contingency = true;
    d.options.push(o);

    let mut set = super::eval::finish(ctx, d)?;
    per_late_day(ctx, &mut set);
    renewal_saving(ctx, &mut set)?;
    let mut idle: Vec<String> = Vec::new();
    for id in covering.iter().chain(
        set.option("discontinue")
            .into_iter()
            .flat_map(|o| o.windows.iter())
            .filter(|w| w.kind == WindowKind::Unused)
            .map(|w| &w.subject),
    ) {
        let base = crate::domain::terms::base_id(id).to_string();
        if ctx.estate.reservations.iter().any(|r| r.id == base) && !idle.contains(&base) {
            idle.push(base);
        }
    }
    if !idle.is_empty() {
        set.notes.push(format!(
            "Reservations idle once the deployments go ({}): the plan turns their renewals off (or renews them smaller) where nothing else in their scope needs them; until they expire, re-scope them to other deployments of their region and type, or cancel them within the refund limit (a purchase only planned is dropped or resized instead: see the steps).",
            idle.join(", ")
        ));
    }
    Ok(set)
}

/// What turning the reservations' renewals off (or smaller) saves, on its
/// own: the discontinue option priced with and without those steps, over
/// the lifetime, by the same pricer.
fn renewal_saving(ctx: &Ctx, set: &mut PlanSet) -> Result<(), PlanError> {
    use super::remedies::{Draft as RDraft, Focus, Pricer};
    use crate::domain::plan::RemedyKind;
    let Some(o) = set.option("discontinue") else {
        return Ok(());
    };
    let ids: Vec<String> = o
        .edits
        .iter()
        .filter_map(|e| match e {
            Edit::ReservationRenewal { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let Some(with) = o.remedy.as_ref().map(|r| r.saving_lifetime) else {
        return Ok(());
    };
    let regions = set
        .slice
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
    let mut d = RDraft::new(RemedyKind::Delete, o.title.clone());
    d.changes = o
        .edits
        .iter()
        .filter(|e| !matches!(e, Edit::ReservationRenewal { .. }))
        .cloned()
        .collect();
    let focus = Focus {
        resources: set.slice.resources.iter().cloned().collect(),
        instruments: set.slice.reservations.iter().cloned().collect(),
    };
    let lifetime = match ctx.lifetime {
        super::Lifetime::Until(t) => crate::domain::plan::Lifetime::Until(t),
        super::Lifetime::OpenEnded { assumed_months } => {
            crate::domain::plan::Lifetime::OpenEnded { assumed_months }
        }
    };
    let Some(without) = pricer.price(d, &focus, lifetime)? else {
        return Ok(());
    };
    let saves = with - without.saving_lifetime;
    set.facts.push(Fact {
        label: "renewals turned off".into(),
        value: format!(
            "{}: saves {} over the lifetime ({}), on top of deleting the deployments",
            ids.join(", "),
            fmt_money_grouped(saves),
            ctx.lifetime.describe()
        ),
    });
    Ok(())
}

/// The cost of each day the deletion is late, from the rated contingency.
fn per_late_day(ctx: &Ctx, set: &mut PlanSet) {
    let (Some(on_time), Some(late)) = (set.option("discontinue"), set.option("late")) else {
        return;
    };
    let secs = ctx.p.late.num_seconds();
    if secs <= 0 {
        return;
    }
    let per_day =
        (late.costs.total() - on_time.costs.total()) * Decimal::from(86_400) / Decimal::from(secs);
    set.facts.push(Fact {
        label: "each day late".into(),
        value: format!(
            "{} (the deployments' hourly charges for a day past the deletion time)",
            fmt_money_grouped(per_day)
        ),
    });
}

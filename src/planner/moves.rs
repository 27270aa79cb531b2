//! Move a deployment to another resource (docs/migrations.md#moving-a-deployment,
//! after Microsoft's "Move a commitment/deployment to a new resource"): no overlap (downtime, no
//! extra cost) or overlap (no downtime, extra cost), funded by a commitment
//! on the target or by a reservation; and, when the move runs past the old
//! commitment's expiry, downtime against hourly against one more renewal.

use super::common::{
    Ctx, Draft, NO_NEW_ENROLLMENT, ROLE_COMMITMENT, ROLE_DEPLOYMENT, ROLE_RESERVATION,
    capacity_check, ceil50, describe_renewal, new_reservation, old_discounts, purchase,
    quota_check, renewal_for_remaining, renewal_setting, set_renewal, setting_at, trim_planned,
    unsupported_models, widened,
};
use super::{
    Check, DEPLOY_LAG_MINUTES, Edit, PlanError, PlanOption, PlanSet, Status, Subject, apply_edits,
    short_duration, when,
};
use crate::domain::money::fmt_money_grouped;
use crate::domain::prices::PriceKind;
use crate::domain::terms::CommitmentTerm;
use crate::domain::time::{Time, ceil_hour, floor_hour};
use crate::domain::{
    Commitment, CommitmentRenewal, Deployment, Resource, Size, Sku, Term, commitment_supports,
};
use chrono::Duration;
use rust_decimal::Decimal;

/// Deploy first, then buy (docs/migrations.md#deploy-first-then-buy): a
/// discount for PTUs a plan creates is bought at the first whole hour after
/// the deployment is created, never at the same instant or before. A
/// reservation or commitment doesn't hold service capacity, so it is bought
/// once the deployment exists; it starts at its purchase, so the PTUs pay
/// the hourly rate from the creation to then, and the rating prices that
/// gap like any other hour. Used by moves, conversions and migrations.
pub(crate) fn bought_after(created: Time) -> Time {
    floor_hour(created) + Duration::hours(1)
}

/// What the plan knows about the move.
struct Move<'a> {
    dep: &'a Deployment,
    src: &'a Resource,
    tgt: &'a Resource,
    /// PTU of the deployment (and of its replacement).
    ptu: i64,
    new_id: String,
}

impl Move<'_> {
    fn new_deployment(&self, at: Time) -> Deployment {
        Deployment {
            id: self.new_id.clone(),
            resource: self.tgt.id.clone(),
            model: self.dep.model.clone(),
            version: self.dep.version.clone(),
            sku: self.dep.sku,
            sizes: vec![Size {
                at,
                ptu: self.ptu,
                approximate: false,
            }],
            deleted: None,
            deleted_approximate: false,
        }
    }

    fn create(&self, o: &mut PlanOption, at: Time, then: &str) {
        o.edit(Edit::AddDeployment(self.new_deployment(at)));
        o.step(
            at,
            format!(
                "Create deployment {} on {} ({} PTU {} {} {}) and {then}",
                self.new_id,
                self.tgt.id,
                self.ptu,
                self.dep.sku.label(),
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
        o.step(
            at,
            format!(
                "{before}deployment {} on {}{after}",
                self.dep.id, self.src.id
            ),
        );
    }
}

pub(crate) fn plan(ctx: &Ctx, dep_id: &str, target: &str) -> Result<PlanSet, PlanError> {
    let dep = ctx.deployment(dep_id)?;
    let src = ctx.resource(&dep.resource)?;
    let tgt = ctx.resource(target)?;
    if tgt.id == src.id {
        return Err(PlanError::Pointless(format!(
            "deployment {dep_id} is already on resource {target}: give --to-resource another resource"
        )));
    }
    if let Some(t) = dep.deleted.filter(|t| *t <= ctx.now) {
        return Err(PlanError::Pointless(format!(
            "deployment {dep_id} was deleted at {}: there is nothing to move",
            crate::domain::time::fmt_time(t)
        )));
    }
    if let Some(t) = tgt.deleted.or(tgt.purged) {
        return Err(PlanError::Pointless(format!(
            "resource {target} is deleted (at {}): choose a live resource",
            crate::domain::time::fmt_time(t)
        )));
    }
    let ptu = dep.ptu_at(ctx.now.max(dep.created()));
    let new_id = ctx.unique_id(&format!("{dep_id}@{target}"), &[]);
    let m = Move {
        dep,
        src,
        tgt,
        ptu,
        new_id,
    };
    let mut d = Draft::new(Subject::Move {
        deployment: dep_id.to_string(),
        to_resource: target.to_string(),
    });
    d.seeds.insert(src.id.clone());
    d.seeds.insert(tgt.id.clone());
    d.fact(
        "deployment",
        format!(
            "{dep_id} on {} ({} / {}): {ptu} PTU {} {} {}",
            src.id,
            src.subscription,
            src.region,
            dep.sku.label(),
            dep.model,
            dep.version
        ),
    );
    d.fact(
        "target",
        format!("{} ({} / {})", tgt.id, tgt.subscription, tgt.region),
    );
    if tgt.subscription != src.subscription || tgt.region != src.region {
        d.notes.push(format!(
            "The move changes {}: quota for {} PTU in {} / {} is needed whichever way you move.",
            if tgt.region != src.region {
                "region"
            } else {
                "subscription"
            },
            ptu,
            tgt.subscription,
            tgt.region
        ));
    }
    d.notes.push(
        "Neither a deployment nor a commitment can be moved: a new deployment is created on the target and traffic moved to it.".into(),
    );

    let src_c = if dep.sku == Sku::Regional {
        ctx.active_commitment(&src.id, ctx.now)?
    } else {
        None
    };
    let w = match src_c {
        Some((c, term)) => with_commitment(ctx, &mut d, &m, c, term)?,
        None => without_commitment(ctx, &mut d, &m)?,
    };
    // Reservations that cover the deployment where it is and won't where it goes.
    let old: Vec<String> = ctx
        .covering(ctx.estate, dep_id, ctx.from, ctx.to)?
        .into_iter()
        .filter(|id| {
            ctx.estate.reservations.iter().any(|r| {
                &r.id == id
                    && !(r.region == tgt.region
                        && ctx
                            .scopes
                            .contains(crate::domain::terms::scope_at(r, w), tgt))
            })
        })
        .collect();
    let mut set = super::eval::finish(ctx, d)?;
    late_hourly_note(&mut set);
    break_even(ctx, &mut set);
    old_discounts(ctx, &mut set, dep_id, &old, w, Some(tgt));
    Ok(set)
}

/// The seed's options when the deployment sits under a commitment.
fn with_commitment(
    ctx: &Ctx,
    d: &mut Draft,
    m: &Move,
    c: &Commitment,
    term: CommitmentTerm,
) -> Result<Time, PlanError> {
    let e = term.end;
    let setting = setting_at(c, e);
    let remaining = ctx.regional_deployed(&m.src.id, e, &[m.dep.id.as_str()]);
    let renewal = renewal_for_remaining(setting, term.ptu_at_end(), remaining);
    let (t_del, short) = ctx.before_expiry(e);
    let x = floor_hour(t_del - ctx.p.overlap).max(ctx.first).min(t_del);
    d.fact(
        "source commitment",
        format!(
            "{} on {}: {} PTU, expires {} ({})",
            c.id,
            m.src.id,
            term.ptu_at_end(),
            when(e),
            describe_renewal(setting)
        ),
    );
    d.fact(
        "old deployment deleted",
        format!(
            "{} ({} before the expiry, margin {})",
            when(t_del),
            short_duration(e - t_del),
            short_duration(ctx.p.margin)
        ),
    );
    if renewal != setting {
        d.fact(
            "source renewal",
            format!(
                "{} ({} Regional PTU stay on {})",
                describe_renewal(renewal),
                remaining,
                m.src.id
            ),
        );
    }
    if short {
        d.notes.push(format!(
            "Less than the margin ({}) is left before the expiry: steps that should come before it start at the next whole hour.",
            short_duration(ctx.p.margin)
        ));
    }
    let commit_ok = commitment_price_known(ctx, m.tgt);
    if !commit_ok {
        d.notes.push(format!(
            "No commitment price for {} Regional: the commitment-funded options are left out (add commitment_month to the prices).",
            m.tgt.region
        ));
    }

    // Option 1: no overlap, committed on the target.
    if commit_ok {
        let mut o = PlanOption::new(
            "no-overlap",
            "No overlap: delete before the expiry, commit and deploy on the target after it",
        );
        set_renewal(ctx, &mut o, c, e, renewal);
        m.delete(
            &mut o,
            t_del,
            "Stop traffic to ",
            " and delete it (downtime starts)",
        );
        fund_commitment(ctx, &mut o, m, bought_after(e))?;
        trim_planned(
            ctx,
            &mut o,
            m.src,
            m.dep.sku,
            &[&m.dep.id],
            &m.dep.id,
            t_del,
        )?;
        m.create(&mut o, e, "move traffic to it (downtime ends)");
        o.downtime = e - t_del;
        o.safe = false;
        o.note(format!(
            "Downtime from {} to {} ({}): the quota stays tied to {} until it expires.",
            when(t_del),
            when(e),
            short_duration(e - t_del),
            c.id
        ));
        checks(ctx, &mut o, m, true)?;
        d.options.push(o);
    }
    // Option 2: overlap, committed on the target.
    if commit_ok {
        let mut o = PlanOption::new(
            "overlap",
            "Overlap: commit and deploy on the target before the expiry, then delete the old",
        );
        set_renewal(ctx, &mut o, c, e, renewal);
        fund_commitment(ctx, &mut o, m, bought_after(x))?;
        trim_planned(
            ctx,
            &mut o,
            m.src,
            m.dep.sku,
            &[&m.dep.id],
            &m.dep.id,
            t_del,
        )?;
        m.create(&mut o, x, "start moving traffic to it");
        m.delete(
            &mut o,
            t_del,
            "Once the Requests metric shows no calls for 5-10 minutes, delete ",
            "",
        );
        o.note(format!(
            "Both deployments live from {} to {} ({}): the new commitment is paid from {} while {} still runs; not double billing in the forecast's sense, but the extra cost of no downtime.",
            when(x),
            when(t_del),
            short_duration(t_del - x),
            when(x),
            c.id
        ));
        checks(ctx, &mut o, m, true)?;
        d.options.push(o);
    }
    // The reservation-based alternatives.
    let mut o = PlanOption::new(
        "no-overlap-reservation",
        "No overlap, reservation: delete before the expiry, deploy on the target after it",
    );
    set_renewal(ctx, &mut o, c, e, renewal);
    m.delete(
        &mut o,
        t_del,
        "Stop traffic to ",
        " and delete it (downtime starts)",
    );
    m.create(&mut o, e, "move traffic to it (downtime ends)");
    fund_reservation(ctx, &mut o, m, e, t_del)?;
    o.downtime = e - t_del;
    o.safe = false;
    checks(ctx, &mut o, m, false)?;
    d.options.push(o);

    let mut base = PlanOption::new(
        "overlap-reservation",
        "Overlap, reservation: deploy on the target before the expiry, then delete the old",
    );
    set_renewal(ctx, &mut base, c, e, renewal);
    m.create(&mut base, x, "start moving traffic to it");
    fund_reservation(ctx, &mut base, m, x, t_del)?;
    let mut o = base.clone();
    m.delete(
        &mut o,
        t_del,
        "Once the Requests metric shows no calls for 5-10 minutes, delete ",
        "",
    );
    o.note(format!(
        "Both deployments live from {} to {} ({}).",
        when(x),
        when(t_del),
        short_duration(t_del - x)
    ));
    checks(ctx, &mut o, m, false)?;
    d.options.push(o);

    // A reservation in place that a (free) scope change lets cover the target.
    let mut ov = PlanOption::new(
        "overlap-rescope",
        "Overlap, re-scoped reservation: deploy on the target before the expiry, widen a reservation's scope to cover it, then delete the old",
    );
    set_renewal(ctx, &mut ov, c, e, renewal);
    m.create(&mut ov, x, "start moving traffic to it");
    if !rescope(ctx, &mut ov, m, x, t_del)?.is_empty() {
        let mut o = PlanOption::new(
            "no-overlap-rescope",
            "No overlap, re-scoped reservation: delete before the expiry, deploy on the target after it, widen a reservation's scope to cover it",
        );
        set_renewal(ctx, &mut o, c, e, renewal);
        m.delete(
            &mut o,
            t_del,
            "Stop traffic to ",
            " and delete it (downtime starts)",
        );
        m.create(&mut o, e, "move traffic to it (downtime ends)");
        rescope(ctx, &mut o, m, e, t_del)?;
        fund_reservation(ctx, &mut o, m, e, t_del)?;
        o.downtime = e - t_del;
        o.safe = false;
        checks(ctx, &mut o, m, false)?;
        d.options.push(o);

        fund_reservation(ctx, &mut ov, m, x, t_del)?;
        m.delete(
            &mut ov,
            t_del,
            "Once the Requests metric shows no calls for 5-10 minutes, delete ",
            "",
        );
        ov.note(format!(
            "Both deployments live from {} to {} ({}).",
            when(x),
            when(t_del),
            short_duration(t_del - x)
        ));
        checks(ctx, &mut ov, m, false)?;
        d.options.push(ov);
    }

    // If the move runs late: built on overlap-reservation, the old
    // deployment still live at the expiry.
    let late = ctx.p.late;
    let mut o = base.clone();
    o.name = "late-downtime".into();
    o.title = format!(
        "If the move runs past the expiry: take downtime (delete the old at the expiry; {} to finish)",
        short_duration(late)
    );
    o.contingency = true;
    o.safe = false;
    m.delete(
        &mut o,
        e,
        "Take the downtime: delete ",
        " until the move completes",
    );
    o.downtime = late;
    checks(ctx, &mut o, m, false)?;
    d.options.push(o);

    let mut o = base.clone();
    o.name = "late-hourly".into();
    o.title = format!(
        "If the move runs past the expiry: keep the old deployment {} and pay hourly",
        short_duration(late)
    );
    o.contingency = true;
    m.delete(&mut o, e + late, "Move completed: delete ", "");
    checks(ctx, &mut o, m, false)?;
    d.options.push(o);

    // One more renewal, at the fewest PTU (50-PTU steps) that leave as
    // little uncovered in the region in the first hour past the expiry as
    // renewing at all of them: reservations pool their capacity, so this is
    // rated, not summed.
    let committed = term.ptu_at_end();
    let without: Vec<Edit> = base
        .edits
        .iter()
        .filter(|x| !matches!(x, Edit::CommitmentRenewal { .. }))
        .cloned()
        .collect();
    let uncovered_with = |once: CommitmentRenewal| -> Result<i64, PlanError> {
        let mut edits = without.clone();
        edits.push(Edit::CommitmentRenewal {
            commitment: c.id.clone(),
            at: ctx.now.max(c.start),
            renewal: once,
        });
        if once != CommitmentRenewal::None {
            edits.push(Edit::CommitmentRenewal {
                commitment: c.id.clone(),
                at: e,
                renewal: CommitmentRenewal::None,
            });
        }
        edits.push(Edit::DeleteDeployment {
            deployment: m.dep.id.clone(),
            at: e + late,
        });
        let what_if = apply_edits(ctx.estate, &edits)?;
        Ok(ctx
            .uncovered_where(&what_if, ceil_hour(e), |dep, res| {
                res.region == m.src.region && dep.sku == Sku::Regional
            })?
            .uncovered)
    };
    let bare = uncovered_with(CommitmentRenewal::None)?;
    let full = uncovered_with(CommitmentRenewal::Autorenew)?;
    let mut once = None;
    if bare > full {
        let mut n = 50;
        while n < committed {
            if uncovered_with(CommitmentRenewal::AutorenewLower(n))? <= full {
                once = Some(CommitmentRenewal::AutorenewLower(n));
                break;
            }
            n += 50;
        }
        once = once.or(Some(CommitmentRenewal::Autorenew));
    }
    let Some(once) = once else {
        d.notes.push(format!(
            "Renewing {} once more for a late move would cover nothing: past the expiry, discounts in scope cover the deployments on {}.",
            c.id, m.src.id
        ));
        return Ok(t_del);
    };
    let count = match once {
        CommitmentRenewal::AutorenewLower(n) => n,
        _ => committed,
    };
    let mut o = base;
    o.name = "late-renew".into();
    o.title = format!(
        "If the move runs past the expiry: renew {} once more at {count} PTU and finish within its month",
        c.id
    );
    o.contingency = true;
    // Renew once at what is needed, then the plan's setting from the next term.
    o.edits
        .retain(|x| !matches!(x, Edit::CommitmentRenewal { .. }));
    o.steps.retain(|s| !s.action.starts_with("Set commitment"));
    set_renewal(ctx, &mut o, c, e, once);
    if renewal != once {
        o.edit(Edit::CommitmentRenewal {
            commitment: c.id.clone(),
            at: e,
            renewal,
        });
        o.step(
            e,
            format!(
                "{} renews once; set it to {} from this term on",
                c.id,
                renewal_setting(renewal)
            ),
        );
    }
    if count < committed {
        o.note(format!(
            "The renewal is at {count} PTU, not {committed}: what {} and the deployments staying on {} need past the expiry that nothing else covers (commitments renew at fewer PTU in 50-PTU steps).",
            m.dep.id, m.src.id
        ));
    }
    m.delete(&mut o, e + late, "Move completed: delete ", "");
    checks(ctx, &mut o, m, false)?;
    d.options.push(o);
    Ok(t_del)
}

/// No commitment in play: the move isn't tied to an expiry; it happens at
/// the first whole hour after now plus the margin.
fn without_commitment(ctx: &Ctx, d: &mut Draft, m: &Move) -> Result<Time, PlanError> {
    let w = ceil_hour(ctx.now + ctx.p.margin).max(ctx.first);
    let lag = Duration::minutes(DEPLOY_LAG_MINUTES);
    d.fact(
        "switch time",
        format!(
            "{} (no commitment covers {}: the move isn't tied to an expiry)",
            when(w),
            m.dep.id
        ),
    );
    let mut o = PlanOption::new(
        "no-overlap",
        "No overlap: delete, then create on the target",
    );
    m.delete(
        &mut o,
        w,
        "Stop traffic to ",
        " and delete it (downtime starts)",
    );
    m.create(&mut o, w + lag, "move traffic to it (downtime ends)");
    fund_reservation(ctx, &mut o, m, w + lag, w)?;
    o.downtime = lag;
    o.safe = false;
    o.note(format!(
        "Downtime assumed: {} to create the new deployment and move traffic.",
        short_duration(lag)
    ));
    checks(ctx, &mut o, m, false)?;
    d.options.push(o);

    let mut o = PlanOption::new(
        "overlap",
        "Overlap: create on the target, move traffic, then delete the old",
    );
    m.create(&mut o, w, "start moving traffic to it");
    fund_reservation(ctx, &mut o, m, w, w + ctx.p.overlap)?;
    let end = w + ctx.p.overlap;
    m.delete(
        &mut o,
        end,
        "Once the Requests metric shows no calls for 5-10 minutes, delete ",
        "",
    );
    o.note(format!(
        "Both deployments live from {} to {} ({}).",
        when(w),
        when(end),
        short_duration(ctx.p.overlap)
    ));
    checks(ctx, &mut o, m, false)?;
    d.options.push(o);

    // A reservation in place that a (free) scope change lets cover the target.
    let mut ov = PlanOption::new(
        "overlap-rescope",
        "Overlap, re-scoped reservation: create on the target, widen a reservation's scope to cover it, move traffic, then delete the old",
    );
    m.create(&mut ov, w, "start moving traffic to it");
    if !rescope(ctx, &mut ov, m, w, end)?.is_empty() {
        let mut o = PlanOption::new(
            "no-overlap-rescope",
            "No overlap, re-scoped reservation: delete, then create on the target, widen a reservation's scope to cover it",
        );
        m.delete(
            &mut o,
            w,
            "Stop traffic to ",
            " and delete it (downtime starts)",
        );
        m.create(&mut o, w + lag, "move traffic to it (downtime ends)");
        rescope(ctx, &mut o, m, w + lag, w)?;
        fund_reservation(ctx, &mut o, m, w + lag, w)?;
        o.downtime = lag;
        o.safe = false;
        checks(ctx, &mut o, m, false)?;
        d.options.push(o);

        fund_reservation(ctx, &mut ov, m, w, end)?;
        m.delete(
            &mut ov,
            end,
            "Once the Requests metric shows no calls for 5-10 minutes, delete ",
            "",
        );
        ov.note(format!(
            "Both deployments live from {} to {} ({}).",
            when(w),
            when(end),
            short_duration(ctx.p.overlap)
        ));
        checks(ctx, &mut ov, m, false)?;
        d.options.push(ov);
    }

    Ok(w)
}

/// Widens the scope of reservations in place (the deployment's region and
/// type, in force once the move settles) so that they cover the new
/// deployment too: a scope change is free and allowed any time
/// (docs/reservations.md#scope-changes). Candidates are tried in turn, those covering the old
/// deployment first, each kept only when the rating shows it covers more
/// of the new deployment, until nothing of it is left uncovered. The change
/// is dated `at` (the new deployment's creation). Returns the ids changed.
fn rescope(
    ctx: &Ctx,
    o: &mut PlanOption,
    m: &Move,
    at: Time,
    settled: Time,
) -> Result<Vec<String>, PlanError> {
    use crate::domain::terms::{reservation_terms, scope_at};
    let hour = ceil_hour(settled.max(at));
    let old = ctx.covering(ctx.estate, &m.dep.id, ctx.from, ctx.to)?;
    let in_force = |r: &crate::domain::Reservation| {
        reservation_terms(r, hour + Duration::hours(1))
            .map(|ts| {
                ts.iter()
                    .any(|t| t.start <= hour && t.coverage_end() > hour)
            })
            .unwrap_or(false)
    };
    let mut candidates: Vec<&crate::domain::Reservation> = ctx
        .estate
        .reservations
        .iter()
        .filter(|r| r.sku == m.dep.sku && r.region == m.tgt.region && in_force(r))
        .collect();
    candidates.sort_by_key(|r| (!old.contains(&r.id), r.id.clone()));
    let need_with = |edits: &[Edit]| -> Result<i64, PlanError> {
        let mut all = edits.to_vec();
        all.push(Edit::DeleteDeployment {
            deployment: m.dep.id.clone(),
            at: settled,
        });
        let what_if = apply_edits(ctx.estate, &all)?;
        ctx.uncovered_ptu(&what_if, &m.new_id, hour)
    };
    let mut need = need_with(&o.edits)?;
    let mut done = Vec::new();
    for r in candidates {
        if need == 0 {
            break;
        }
        let at_r = at.max(r.start);
        let now_scope = scope_at(r, at_r);
        let Some(scope) = widened(ctx, now_scope, m.tgt) else {
            continue;
        };
        let edit = Edit::ReservationScope {
            id: r.id.clone(),
            at: at_r,
            scope: scope.clone(),
        };
        let mut trial = o.edits.clone();
        trial.push(edit.clone());
        let after = need_with(&trial)?;
        if after >= need {
            continue;
        }
        o.edit(edit);
        o.step(
            at_r,
            format!(
                "Change the scope of reservation {} ({} PTU {} in {}) from {} to {} (free, any time){}: it then covers {} on {} as well",
                r.id,
                r.ptu,
                r.sku.label(),
                r.region,
                now_scope,
                scope,
                if r.start > ctx.now {
                    format!(
                        "; it is only planned for {}, so it can as well be bought with that scope",
                        when(r.start)
                    )
                } else {
                    String::new()
                },
                m.new_id,
                m.tgt.id
            ),
        );
        o.note(format!(
            "Reservation {} is re-scoped to {}: it keeps covering what it covers now (the new scope holds the old one) and covers {} too; narrower reservations still apply first.",
            r.id, scope, m.new_id
        ));
        need = after;
        done.push(r.id.clone());
    }
    Ok(done)
}

fn commitment_price_known(ctx: &Ctx, tgt: &Resource) -> bool {
    ctx.has_price(&tgt.region, Sku::Regional, PriceKind::CommitmentMonth)
        || ctx
            .estate
            .commitments
            .iter()
            .any(|c| c.resource == tgt.id && c.price.is_some())
}

/// Commits the new deployment's PTUs on the target at `at` (the hour after
/// it is created: [`bought_after`]): a new commitment, or PTUs added to one
/// already there.
fn fund_commitment(ctx: &Ctx, o: &mut PlanOption, m: &Move, at: Time) -> Result<(), PlanError> {
    match ctx.active_commitment(&m.tgt.id, at)? {
        Some((tc, tt)) => {
            let spare = tt.ptu_at(at) - ctx.regional_deployed(&m.tgt.id, at, &[]);
            let add = ceil50(m.ptu - spare.max(0));
            if add > 0 {
                o.edit(Edit::CommitmentAddition {
                    commitment: tc.id.clone(),
                    at,
                    ptu: add,
                });
                o.step(
                    at,
                    format!(
                        "Add {add} PTU to commitment {} on {} (billed at once, prorated to {})",
                        tc.id,
                        m.tgt.id,
                        when(tt.end)
                    ),
                );
            } else {
                o.note(format!(
                    "Commitment {} on {} has {spare} PTU spare: enough for the new deployment.",
                    tc.id, m.tgt.id
                ));
            }
        }
        None => {
            let id = ctx.unique_id(&format!("cp-{}", m.tgt.id), &[]);
            let ptu = ceil50(m.ptu);
            o.edit(Edit::AddCommitment(Commitment {
                id: id.clone(),
                resource: m.tgt.id.clone(),
                start: at,
                ptu,
                additions: vec![],
                renewal: CommitmentRenewal::Autorenew,
                renewal_changes: vec![],
                price: None,
            }));
            o.step(
                at,
                format!(
                    "Buy commitment {id} on {}: {ptu} PTU, one month billed up front, autorenew",
                    m.tgt.id
                ),
            );
            let holds = ctx.estate.commitments.first();
            o.pre(
                Check::Enrollment,
                if holds.is_some() {
                    Status::Met
                } else {
                    Status::Unmet
                },
                match holds {
                    Some(c) => format!(
                        "{NO_NEW_ENROLLMENT}; you hold commitments ({} and others), so you can still buy one",
                        c.id
                    ),
                    None => format!("{NO_NEW_ENROLLMENT}; this estate holds none"),
                },
            );
        }
    }
    o.pre(Check::Role, Status::Manual, ROLE_COMMITMENT);
    Ok(())
}

/// Buys a reservation for what no discount covers of the new deployment
/// once the move is done (sized by rating the what-if), if anything.
/// Sized in the first whole hour after `settled`, when the old deployment
/// is gone; bought the hour after the new one is created at `at`
/// ([`bought_after`]). Purchases planned for the source that the move leaves idle are
/// resized or dropped first.
fn fund_reservation(
    ctx: &Ctx,
    o: &mut PlanOption,
    m: &Move,
    at: Time,
    settled: Time,
) -> Result<(), PlanError> {
    // The purchases planned for the source that the move leaves with less
    // to cover are resized or dropped first (not bought yet: free).
    trim_planned(ctx, o, m.src, m.dep.sku, &[&m.dep.id], &m.dep.id, settled)?;
    let mut probe = o.edits.clone();
    probe.push(Edit::DeleteDeployment {
        deployment: m.dep.id.clone(),
        at: settled,
    });
    let what_if = apply_edits(ctx.estate, &probe)?;
    let hour = ceil_hour(settled.max(at));
    let need = ctx.uncovered_ptu(&what_if, &m.new_id, hour)?;
    if need == 0 {
        o.note(format!(
            "Discounts already in place cover {} on {}: nothing to buy.",
            m.new_id, m.tgt.id
        ));
        return Ok(());
    }
    let planned = ctx.planned_reservations(m.tgt, m.dep.sku);
    let new = new_reservation(
        ctx.unique_id(&format!("res-{}", m.new_id), &[]),
        format!("{} {} ({})", m.tgt.region, m.dep.sku.label(), m.new_id),
        m.tgt,
        m.dep.sku,
        need,
        Term::OneMonth,
        bought_after(at),
    );
    purchase(ctx, o, &planned, new);
    o.pre(Check::Role, Status::Manual, ROLE_RESERVATION);
    Ok(())
}

/// Quota on the target, the models a committed target may run, roles.
fn checks(ctx: &Ctx, o: &mut PlanOption, m: &Move, commits: bool) -> Result<(), PlanError> {
    let what_if = apply_edits(ctx.estate, &o.edits)?;
    o.preconditions.push(quota_check(
        ctx,
        &what_if,
        &m.tgt.subscription,
        &m.tgt.region,
        m.dep.sku,
    ));
    o.preconditions.push(capacity_check(
        ctx.estate,
        ctx.now,
        &m.tgt.region,
        m.dep.sku,
        &m.dep.model,
        &m.dep.version,
        m.ptu,
    ));
    let first = o
        .edits
        .iter()
        .find_map(|e| match e {
            Edit::AddDeployment(d) => Some(d.created()),
            _ => None,
        })
        .unwrap_or(ctx.first);
    let committed_target = commits || ctx.active_commitment(&m.tgt.id, first)?.is_some();
    if committed_target && m.dep.sku == Sku::Regional {
        if commitment_supports(&m.dep.model, &m.dep.version) {
            o.pre(
                Check::Model,
                Status::Met,
                format!(
                    "{} {} may run on a resource with a commitment",
                    m.dep.model, m.dep.version
                ),
            );
        } else {
            o.pre(
                Check::Model,
                Status::Unmet,
                format!(
                    "{} {} can't run on a resource with an active commitment ({}): use a resource without one",
                    m.dep.model, m.dep.version, m.tgt.id
                ),
            );
        }
        let others = unsupported_models(
            what_if
                .deployments
                .iter()
                .filter(|d| d.resource == m.tgt.id && d.id != m.new_id && d.ptu_at(first) > 0),
        );
        if !others.is_empty() {
            o.pre(
                Check::Model,
                Status::Unmet,
                format!(
                    "{} would have a commitment, but runs models a commitment doesn't support: {}",
                    m.tgt.id,
                    others.join(", ")
                ),
            );
        }
    }
    o.pre(Check::Role, Status::Manual, ROLE_DEPLOYMENT);
    Ok(())
}

/// What keeping the old deployment past the expiry costs hourly, as rated
/// (discounts in scope may cover it).
fn late_hourly_note(set: &mut super::PlanSet) {
    let hourly = |n: &str| set.option(n).map(|o| o.costs.hourly);
    let (Some(late), Some(down)) = (hourly("late-hourly"), hourly("late-downtime")) else {
        return;
    };
    let extra = late - down;
    let text = if extra > Decimal::ZERO {
        format!(
            "The old deployment pays the hourly rate from the expiry until it is deleted: {} of hourly charges more than taking the downtime.",
            fmt_money_grouped(extra)
        )
    } else {
        "Past the expiry, discounts in scope cover the old deployment: the late days cost nothing hourly.".to_string()
    };
    if let Some(o) = set.options.iter_mut().find(|o| o.name == "late-hourly") {
        o.note(text);
    }
}

/// The break-even number of late days between paying hourly and renewing
/// the old commitment once more, from the rated contingencies.
fn break_even(ctx: &Ctx, set: &mut super::PlanSet) {
    let total = |n: &str| set.option(n).map(|o| o.costs.total());
    let (Some(down), Some(hourly)) = (total("late-downtime"), total("late-hourly")) else {
        return;
    };
    let secs = ctx.p.late.num_seconds();
    if secs <= 0 {
        return;
    }
    let per_day = (hourly - down) * Decimal::from(86_400) / Decimal::from(secs);
    let renewal = match total("late-renew") {
        Some(r) => r - down,
        // No renewal to compare with: late days cost nothing hourly.
        None if per_day <= Decimal::ZERO => Decimal::ZERO,
        None => return,
    };
    let value = if per_day > Decimal::ZERO {
        let days = (renewal / per_day).round_dp(1);
        format!(
            "{days} days: each late day costs {} hourly, one more renewal {}; pay hourly if the move finishes sooner, renew if later",
            fmt_money_grouped(per_day),
            fmt_money_grouped(renewal)
        )
    } else {
        "none: late days cost nothing hourly (discounts in scope cover the old deployment)"
            .to_string()
    };
    set.facts.push(super::Fact {
        label: "break-even (late)".into(),
        value,
    });
}

//! Remedies for the notifications that are not about money paid hourly or
//! idle: a quota exceeded, a model a commitment does not support, a size off
//! the model's step, a refund past the rolling limit, a double-billing
//! window. Each is a list of plan edits priced by [`Pricer`] as a what-if
//! against doing nothing, ordered like every remedy (safe first, then by the
//! saving over the workload's lifetime).
//!
//! # Decisions where the sources are silent
//!
//! - Requesting quota is not a change ptudesk can make: it is offered as
//!   `request_quota`, with no changes, and says so.
//! - An upgrade updates the deployment's model version in place (Azure
//!   keeps the deployment and its endpoint), to the last version of the
//!   same model the commitment supports.
//! - A move is a new deployment from the next whole hour (a
//!   planned deployment: from its own creation, the planned one dropped) and
//!   the old one deleted a day later, like a conversion; it keeps the old
//!   one's later planned sizes and deletion. A move to fit a quota goes to a
//!   subscription of the same region whose pooled quota of the type has room
//!   at the instant the quota is exceeded, on one of its resources; the
//!   deployment moved is the smallest that clears the excess.
//! - A resize to fit a quota cuts the largest deployment by the excess,
//!   down to its model's step, at the instant the quota is exceeded (the
//!   next whole hour when that is past).
//! - A size off the step: resized to the nearest allowed size above (safe:
//!   no less throughput) and below (not safe), from the size's own instant
//!   when it is planned, else the next whole hour; later planned sizes stay.
//! - A refund past the limit: withdrawn (kept), made at the first instant
//!   the limit has restored enough (a granted refund's instant + 365 days),
//!   or made instead of another refund that is still only planned.
//! - A double-billing window: the planned purchase re-dated to the window's
//!   end (the commitment's end), the commitment's renewal turned off, the
//!   reservation refunded where the limit allows, or the window accepted.

use super::PlanError;
use super::edits::apply_edits;
use super::remedies::{
    Draft, Focus, Pricer, commitment_renewal_at, conversion_caveat, lifetime_of, money,
    round_up_size, size_rule,
};
use super::when;
use crate::domain::plan::Edit;
use crate::domain::plan::{Lifetime, Remedy, RemedyKind};
use crate::domain::terms;
use crate::domain::time::{Time, ceil_hour};
use crate::domain::{CommitmentRenewal, Deployment, Estate, Quota, Resource, Size, Sku};
use crate::rating;
use chrono::Duration;
use std::collections::HashMap;

fn sku_word(s: Sku) -> &'static str {
    match s {
        Sku::Global => "global",
        Sku::DataZone => "datazone",
        Sku::Regional => "regional",
    }
}

/// The ids an estate holds, and those drafts add: what a new
/// deployment's fresh id must differ from ([`fresh_id`]'s rule, without a
/// copy of the estate).
struct Taken<'e> {
    estate: &'e Estate,
    added: Vec<String>,
}

impl<'e> Taken<'e> {
    fn new(estate: &'e Estate) -> Taken<'e> {
        Taken {
            estate,
            added: Vec::new(),
        }
    }

    fn fresh(&mut self, base: &str) -> String {
        let e = self.estate;
        let added = &self.added;
        let used = |id: &str| {
            e.commitments.iter().any(|c| c.id == id)
                || e.reservations.iter().any(|r| r.id == id)
                || e.deployments.iter().any(|d| d.id == id)
                || added.iter().any(|a| a == id)
        };
        let id = if !used(base) {
            base.to_string()
        } else {
            (2..)
                .map(|n| format!("{base}-{n}"))
                .find(|id| !used(id))
                .expect("a suffix is free")
        };
        self.added.push(id.clone());
        id
    }
}

/// `d` with `dep` redeployed: a new deployment changed by `change` and
/// sized by `size`, from the next whole hour (or, for a planned deployment,
/// from its creation, the planned one dropped); the old one deleted a day
/// later.
#[allow(clippy::too_many_arguments)]
fn redeploy(
    d: Draft,
    taken: &mut Taken,
    dep: &Deployment,
    now: Time,
    suffix: &str,
    change: &dyn Fn(&mut Deployment),
    size: &dyn Fn(i64) -> i64,
) -> Draft {
    let planned = dep.created() > now;
    let at = if planned {
        dep.created()
    } else {
        ceil_hour(now)
    };
    let mut nd = dep.clone();
    nd.id = taken.fresh(&format!("{}-{suffix}", dep.id));
    change(&mut nd);
    let mut sizes = vec![Size {
        at,
        ptu: size(dep.ptu_at(at)),
        approximate: false,
    }];
    sizes.extend(dep.sizes.iter().filter(|s| s.at > at).map(|s| Size {
        at: s.at,
        ptu: size(s.ptu),
        approximate: false,
    }));
    nd.sizes = sizes;
    let gone = if planned { at } else { at + Duration::days(1) };
    let what = format!(
        "deploy {} ({} PTU {}, {} {}) on {}",
        nd.id,
        nd.sizes[0].ptu,
        nd.sku.label(),
        nd.model,
        nd.version,
        nd.resource
    );
    d.change(at, what, Edit::AddDeployment(nd)).change(
        gone,
        if planned {
            format!("drop the planned deployment {}", dep.id)
        } else {
            format!("delete {} once traffic has moved", dep.id)
        },
        Edit::DeleteDeployment {
            deployment: dep.id.clone(),
            at: gone,
        },
    )
}

/// Deleted at the next whole hour, or dropped when only planned.
fn delete(d: Draft, dep: &Deployment, now: Time) -> Draft {
    let at = if dep.created() > now {
        dep.created()
    } else {
        ceil_hour(now)
    };
    d.change(
        at,
        format!("delete deployment {}", dep.id),
        Edit::DeleteDeployment {
            deployment: dep.id.clone(),
            at,
        },
    )
}

fn alive(d: &Deployment, t: Time) -> bool {
    d.created() <= t && d.deleted.is_none_or(|x| x > t) && d.ptu_at(t) > 0
}

/// Remedies for quota row `q` at `used` PTU at `worst` (the instant it is
/// worst in the horizon): over the limit, move or resize to fit, or ask
/// Azure for more; near it, ask for more before it is needed.
pub fn for_quota(
    p: &Pricer,
    q: &Quota,
    worst: Time,
    used: i64,
) -> Result<(Vec<Remedy>, Lifetime), PlanError> {
    let e = p.estate();
    let now = p.now;
    // Each resource by id (the first of an id, as `Estate::resource` finds
    // it), and the deployments alive at `worst` with their resources: what
    // every quota of the region counts from.
    let mut by_id: HashMap<&str, &Resource> = HashMap::new();
    for r in &e.resources {
        by_id.entry(r.id.as_str()).or_insert(r);
    }
    let live: Vec<(&Deployment, &Resource)> = e
        .deployments
        .iter()
        .filter(|d| alive(d, worst))
        .filter_map(|d| by_id.get(d.resource.as_str()).map(|r| (d, *r)))
        .collect();
    let counted: Vec<&Deployment> = live
        .iter()
        .filter(|(d, r)| q.counts_deployment(d, r))
        .map(|(d, _)| *d)
        .collect();
    let lifetime = lifetime_of(e, counted.iter().map(|d| d.id.as_str()), now);
    let focus = Focus {
        resources: {
            let mut v: Vec<String> = counted.iter().map(|d| d.resource.clone()).collect();
            v.sort();
            v.dedup();
            v
        },
        instruments: vec![],
    };
    let over = used - q.limit;
    let label = q.label();
    let mut drafts = vec![Draft::new(
        RemedyKind::RequestQuota,
        format!(
            "request {} {label} quota for {} in {} on the Azure AI Foundry quota page{} (not a change ptudesk can make: record the new limit once Azure grants it)",
            if over > 0 {
                format!("at least {over} PTU more")
            } else {
                "more".to_string()
            },
            q.subscription,
            q.region,
            if worst > now {
                format!(" before {}", when(worst))
            } else {
                String::new()
            }
        ),
    )];
    if over <= 0 {
        drafts.push(Draft::new(
            RemedyKind::None,
            format!(
                "do nothing yet: {used} of {} PTU fit; a deployment that grows past it will fail",
                q.limit
            ),
        ));
        return Ok((p.price_all(drafts, &focus, lifetime)?, lifetime));
    }
    let at = if worst > now { worst } else { ceil_hour(now) };
    // Resize the largest deployment by the excess, down to its step.
    if let Some(big) = counted.iter().max_by_key(|d| d.ptu_at(worst)) {
        let (min, step) = size_rule(&big.model, big.sku);
        let target = big.ptu_at(worst) - over;
        if target >= min {
            let size = min + (target - min) / step * step;
            drafts.push(
                Draft::new(
                    RemedyKind::Resize,
                    format!(
                        "resize {} from {} to {size} PTU{} so the {label} quota of {} PTU holds",
                        big.id,
                        big.ptu_at(worst),
                        if at > ceil_hour(now) {
                            format!(" at {}", when(at))
                        } else {
                            String::new()
                        },
                        q.limit
                    ),
                )
                .unsafe_because("less throughput for the workload")
                .change(
                    at,
                    format!("resize {} to {size} PTU", big.id),
                    Edit::ResizeDeployment {
                        deployment: big.id.clone(),
                        at,
                        ptu: size,
                    },
                ),
            );
        }
    }
    // Move a deployment to a subscription whose quota has room.
    let mut taken = Taken::new(e);
    for o in e.quotas.iter().filter(|o| {
        o.region == q.region
            && o.sku == q.sku
            && o.model.is_none()
            && o.subscription != q.subscription
    }) {
        let there: i64 = live
            .iter()
            .filter(|(d, r)| o.counts_deployment(d, r))
            .map(|(d, _)| d.ptu_at(worst))
            .sum();
        let room = o.limit - there;
        let Some(target) = e.resources.iter().find(|r| {
            r.subscription == o.subscription
                && r.region == o.region
                && r.deleted.is_none_or(|t| t > now)
        }) else {
            continue;
        };
        let Some(dep) = counted
            .iter()
            .filter(|d| d.ptu_at(worst) >= over && d.ptu_at(worst) <= room)
            .min_by_key(|d| (d.ptu_at(worst), d.id.clone()))
        else {
            continue;
        };
        let target_id = target.id.clone();
        let d = Draft::new(
            RemedyKind::Move,
            format!(
                "move {} ({} PTU) to {} in subscription {}, whose {} quota has {room} PTU free",
                dep.id,
                dep.ptu_at(worst),
                target_id,
                o.subscription,
                o.label()
            ),
        )
        .unsafe_because(
            "the workload's endpoint changes (another resource); two deployments live for a day while traffic moves",
        );
        let d = redeploy(
            d,
            &mut taken,
            dep,
            now,
            &target_id,
            &|nd| nd.resource = target_id.clone(),
            &|x| x,
        );
        drafts.push(d);
    }
    Ok((p.price_all(drafts, &focus, lifetime)?, lifetime))
}

/// Remedies for deployment `deployment` running a model commitment
/// `commitment`'s resource can't run: upgrade to a supported version, move
/// it to a resource without a commitment, or delete it.
pub fn for_unsupported_model(
    p: &Pricer,
    deployment: &str,
    commitment: &str,
) -> Result<(Vec<Remedy>, Lifetime), PlanError> {
    let e = p.estate();
    let now = p.now;
    let Some(dep) = e.deployments.iter().find(|d| d.id == deployment) else {
        return Ok((vec![], Lifetime::open_ended()));
    };
    let lifetime = lifetime_of(e, [dep.id.as_str()], now);
    let focus = Focus {
        resources: vec![dep.resource.clone()],
        instruments: vec![commitment.to_string()],
    };
    let mut drafts = Vec::new();
    let mut taken = Taken::new(e);
    if let Some((_, v)) = crate::domain::COMMITMENT_MODELS
        .iter()
        .rev()
        .find(|(m, _)| m.eq_ignore_ascii_case(&dep.model))
    {
        let at = if dep.created() > now {
            dep.created()
        } else {
            ceil_hour(now)
        };
        drafts.push(
            Draft::new(
                RemedyKind::Upgrade,
                format!(
                    "upgrade {} from {} {} to {} {v} in place, a version commitment {commitment} supports",
                    dep.id, dep.model, dep.version, dep.model
                ),
            )
            .unsafe_because("another model version: test the workload on it first")
            .change(
                at,
                format!("update {} to {} {v}", dep.id, dep.model),
                Edit::ModelVersion {
                    deployment: dep.id.clone(),
                    version: v.to_string(),
                },
            ),
        );
    }
    let region = e.resource(&dep.resource).map(|r| r.region.clone());
    let committed = |rid: &str, deleted: Option<Time>| {
        e.commitments.iter().any(|c| {
            c.resource == rid
                && terms::commitment_terms(c, deleted, p.window().1)
                    .ok()
                    .and_then(|ts| ts.last().map(|t| t.end))
                    .is_some_and(|end| end > now)
        })
    };
    let home_sub = e.resource(&dep.resource).map(|r| r.subscription.clone());
    let mut targets: Vec<&crate::domain::Resource> = e
        .resources
        .iter()
        .filter(|r| {
            r.id != dep.resource
                && Some(&r.region) == region.as_ref()
                && r.deleted.is_none_or(|t| t > now)
                && !committed(&r.id, r.deleted.or(r.purged))
        })
        .collect();
    targets.sort_by_key(|r| (Some(&r.subscription) != home_sub.as_ref(), r.id.clone()));
    if let Some(target) = targets.first() {
        let tid = target.id.clone();
        let d = Draft::new(
            RemedyKind::Move,
            format!(
                "move {} ({} {}) to {tid}, a resource without a commitment, where it can run",
                dep.id, dep.model, dep.version
            ),
        )
        .unsafe_because(
            "the workload's endpoint changes (another resource); two deployments live for a day while traffic moves",
        );
        drafts.push(redeploy(
            d,
            &mut taken,
            dep,
            now,
            &tid,
            &|nd| nd.resource = tid.clone(),
            &|x| x,
        ));
    }
    drafts.push(delete(
        Draft::new(RemedyKind::Delete, format!("delete {}", dep.id))
            .unsafe_because("the workload stops"),
        dep,
        now,
    ));
    Ok((p.price_all(drafts, &focus, lifetime)?, lifetime))
}

/// Remedies for deployment `deployment`'s size from `size_at`, off its
/// model's minimum or step (or of a type the model is not offered as).
pub fn for_size_off_step(
    p: &Pricer,
    deployment: &str,
    size_at: Time,
) -> Result<(Vec<Remedy>, Lifetime), PlanError> {
    let e = p.estate();
    let now = p.now;
    let Some(dep) = e.deployments.iter().find(|d| d.id == deployment) else {
        return Ok((vec![], Lifetime::open_ended()));
    };
    let Some(s) = dep.sizes.iter().find(|s| s.at == size_at) else {
        return Ok((vec![], Lifetime::open_ended()));
    };
    let lifetime = lifetime_of(e, [dep.id.as_str()], now);
    let focus = Focus {
        resources: vec![dep.resource.clone()],
        instruments: vec![],
    };
    let mut drafts = Vec::new();
    match crate::domain::sizes::rule(&dep.model, dep.sku) {
        Some(Some((min, step))) => {
            let at = if s.at > now { s.at } else { ceil_hour(now) };
            let later: Vec<&Size> = dep.sizes.iter().filter(|x| x.at > at).collect();
            let resize = |d: Draft, ptu: i64| {
                let mut d = d.change(
                    at,
                    format!("resize {} to {ptu} PTU", dep.id),
                    Edit::ResizeDeployment {
                        deployment: dep.id.clone(),
                        at,
                        ptu,
                    },
                );
                for x in &later {
                    d = d.change(
                        x.at,
                        format!("resize {} to {} PTU (as planned)", dep.id, x.ptu),
                        Edit::ResizeDeployment {
                            deployment: dep.id.clone(),
                            at: x.at,
                            ptu: x.ptu,
                        },
                    );
                }
                d
            };
            let rule = format!(
                "{} {} deployments start at {min} PTU in steps of {step}",
                dep.model,
                dep.sku.label()
            );
            let up = crate::domain::sizes::nearest(s.ptu, min, step);
            drafts.push(resize(
                Draft::new(
                    RemedyKind::Resize,
                    format!(
                        "resize {} from {} to {up} PTU, the nearest size Azure takes at or above ({rule})",
                        dep.id, s.ptu
                    ),
                ),
                up,
            ));
            if s.ptu > min {
                let down = min + (s.ptu - min) / step * step;
                drafts.push(resize(
                    Draft::new(
                        RemedyKind::Resize,
                        format!(
                            "resize {} from {} to {down} PTU, the nearest size Azure takes below ({rule})",
                            dep.id, s.ptu
                        ),
                    )
                    .unsafe_because("less throughput for the workload"),
                    down,
                ));
            }
        }
        Some(None) => {
            let mut taken = Taken::new(e);
            for to in [Sku::Global, Sku::DataZone, Sku::Regional] {
                let Some(Some((min, step))) = crate::domain::sizes::rule(&dep.model, to) else {
                    continue;
                };
                let d = Draft::new(
                    RemedyKind::Convert,
                    format!(
                        "convert {} to a {} deployment: {} is not offered as {}",
                        dep.id,
                        to.label(),
                        dep.model,
                        dep.sku.label()
                    ),
                )
                .unsafe_because(conversion_caveat(to));
                drafts.push(redeploy(
                    d,
                    &mut taken,
                    dep,
                    now,
                    sku_word(to),
                    &|nd| nd.sku = to,
                    &|x| round_up_size(x.max(1), min, step),
                ));
            }
            drafts.push(delete(
                Draft::new(RemedyKind::Delete, format!("delete {}", dep.id))
                    .unsafe_because("the workload stops"),
                dep,
                now,
            ));
        }
        None => {}
    }
    Ok((p.price_all(drafts, &focus, lifetime)?, lifetime))
}

/// Remedies for the refund of `reservation` at `at` that the rolling limit
/// refuses: keep it, refund it once the limit allows, or refund it instead
/// of another refund that is only planned.
pub fn for_refund_limit(p: &Pricer, reservation: &str, at: Time) -> Result<Vec<Remedy>, PlanError> {
    let e = p.estate();
    let now = p.now;
    let lifetime = Lifetime::open_ended();
    let mut focus = Focus {
        resources: vec![],
        instruments: vec![reservation.to_string()],
    };
    let Some(r) = e.reservations.iter().find(|r| r.id == reservation) else {
        return Ok(vec![]);
    };
    let mut drafts = vec![
        Draft::new(
            RemedyKind::CancelRefund,
            format!(
                "keep reservation {reservation}: withdraw the refund Azure would refuse (the forecast already rates it as kept)"
            ),
        )
        .change(
            ceil_hour(now),
            format!("withdraw the refund of reservation {reservation}"),
            Edit::CancelRefund {
                id: reservation.to_string(),
            },
        ),
    ];
    let list = rating::refunds(e, p.book(), p.options());
    let granted_or_reported = |x: &rating::Refund| !x.refused;
    // The term in force at a refund instant, if any.
    let term_end = |t: Time| {
        terms::reservation_terms(r, t + Duration::days(800))
            .ok()
            .and_then(|ts| ts.iter().find(|x| x.start <= t && t < x.end).map(|x| x.end))
    };
    let mut candidates: Vec<Time> = list
        .iter()
        .filter(|x| granted_or_reported(x))
        .map(|x| x.at + Duration::days(365))
        .filter(|t| *t > at.max(now))
        .collect();
    candidates.sort();
    candidates.dedup();
    for cand in candidates {
        if term_end(cand).is_none() {
            break;
        }
        let edit = Edit::Refund {
            id: reservation.to_string(),
            at: cand,
        };
        let what_if = apply_edits(e, std::slice::from_ref(&edit))?;
        let after = rating::refunds(&what_if, p.book(), p.options());
        if let Some(x) = after
            .iter()
            .find(|x| x.reservation == reservation && x.at == cand && !x.refused)
        {
            drafts.push(
                Draft::new(
                    RemedyKind::Refund,
                    format!(
                        "refund reservation {reservation} at {} instead, once the rolling limit has restored: it cancels {} of commitment within the {} left then",
                        when(cand),
                        money(x.cancelled),
                        money(x.headroom)
                    ),
                )
                .change(cand, format!("refund reservation {reservation}"), edit),
            );
            break;
        }
    }
    // Refund it instead of another refund that is only planned.
    for g in list
        .iter()
        .filter(|x| !x.refused && !x.reported && x.at > now && x.reservation != reservation)
    {
        let edit = Edit::CancelRefund {
            id: g.reservation.clone(),
        };
        let what_if = apply_edits(e, std::slice::from_ref(&edit))?;
        let after = rating::refunds(&what_if, p.book(), p.options());
        if after
            .iter()
            .any(|x| x.reservation == reservation && x.at == at && !x.refused)
        {
            focus.instruments.push(g.reservation.clone());
            drafts.push(
                Draft::new(
                    RemedyKind::Refund,
                    format!(
                        "refund reservation {reservation} instead of {} (the limit takes only one of them): withdraw the refund of {}",
                        g.reservation, g.reservation
                    ),
                )
                .change(
                    ceil_hour(now),
                    format!("withdraw the refund of reservation {}", g.reservation),
                    edit,
                ),
            );
        }
    }
    p.price_all(drafts, &focus, lifetime)
}

/// Remedies for a double-billing window `[start, end)` of reservation term
/// `term` beside `commitments`: re-date the planned purchase to the
/// window's end, turn a commitment's renewal off, refund the reservation
/// where the limit allows, or accept the window.
pub fn for_double_billing(
    p: &Pricer,
    term: &str,
    commitments: &[String],
    start: Time,
    end: Time,
) -> Result<Vec<Remedy>, PlanError> {
    let e = p.estate();
    let now = p.now;
    let first_hour = ceil_hour(now);
    let id = terms::base_id(term);
    let lifetime = Lifetime::open_ended();
    let mut focus = Focus {
        resources: vec![],
        instruments: vec![id.to_string()],
    };
    focus.instruments.extend(commitments.iter().cloned());
    let Some(r) = e.reservations.iter().find(|r| r.id == id) else {
        return Ok(vec![]);
    };
    let mut drafts = Vec::new();
    let planned = r.start > now && term == id;
    for cid in commitments {
        let Some(c) = e.commitments.iter().find(|c| &c.id == cid) else {
            continue;
        };
        let res = e.resource(&c.resource);
        let ts = terms::commitment_terms(
            c,
            res.and_then(|x| x.deleted.or(x.purged)),
            start.max(end) + Duration::days(40),
        )
        .unwrap_or_default();
        // The term the window starts in, and the one in force now.
        let t_in = ts.iter().find(|t| t.start <= start && start < t.end);
        let t_now = ts.iter().find(|t| t.end > now);
        if planned && let Some(t) = t_in.filter(|t| t.end > r.start) {
            drafts.push(
                Draft::new(
                    RemedyKind::Redate,
                    format!(
                        "buy reservation {id} at {} (the end of commitment {cid}'s term) instead of {}: no PTU paid twice in that term",
                        when(t.end),
                        when(r.start)
                    ),
                )
                .change(
                    t.end,
                    format!("re-date the purchase of reservation {id} to {}", when(t.end)),
                    Edit::ReplanReservation {
                        id: id.to_string(),
                        start: t.end,
                        ptu: r.ptu,
                        term: r.term,
                        billing: r.billing,
                    },
                ),
            );
        }
        let Some(t) = t_now else { continue };
        if commitment_renewal_at(c, now) == CommitmentRenewal::None || t.end > start {
            // Turning the renewal off does not shorten the term the window is in.
            continue;
        }
        let at = first_hour.min(t.end - Duration::seconds(1)).max(c.start);
        let off = Edit::CommitmentRenewal {
            commitment: cid.clone(),
            at,
            renewal: CommitmentRenewal::None,
        };
        drafts.push(
            Draft::new(
                RemedyKind::RenewalOff,
                format!(
                    "turn renewal of commitment {cid} off before {}: reservation {id} takes its PTUs from then",
                    when(t.end)
                ),
            )
            .change(at, format!("set commitment {cid} not to renew"), off.clone()),
        );
        if planned {
            drafts.push(
                Draft::new(
                    RemedyKind::RenewalOff,
                    format!(
                        "turn renewal of commitment {cid} off before {} and buy reservation {id} at that instant instead of {}: no PTU paid twice, none hourly",
                        when(t.end),
                        when(r.start)
                    ),
                )
                .change(at, format!("set commitment {cid} not to renew"), off)
                .change(
                    t.end,
                    format!("re-date the purchase of reservation {id} to {}", when(t.end)),
                    Edit::ReplanReservation {
                        id: id.to_string(),
                        start: t.end,
                        ptu: r.ptu,
                        term: r.term,
                        billing: r.billing,
                    },
                ),
            );
        }
    }
    if r.start <= now && r.refunded_at.is_none() {
        let edit = Edit::Refund {
            id: id.to_string(),
            at: first_hour,
        };
        let what_if = apply_edits(e, std::slice::from_ref(&edit))?;
        let list = rating::refunds(&what_if, p.book(), p.options());
        if let Some(x) = list
            .iter()
            .find(|x| x.reservation == id && x.at == first_hour && !x.refused)
        {
            drafts.push(
                Draft::new(
                    RemedyKind::Refund,
                    format!(
                        "refund reservation {id}: {} credited, cancelling {} of commitment within the {} left of the rolling USD {} limit",
                        money(-x.credit),
                        money(x.cancelled),
                        money(x.headroom),
                        rating::REFUND_LIMIT_USD
                    ),
                )
                .unsafe_because("its PTUs pay hourly after the commitment ends unless you buy again")
                .change(first_hour, format!("refund reservation {id}"), edit),
            );
        }
    }
    drafts.push(Draft::new(
        RemedyKind::None,
        "accept the window knowingly: it is the safety margin bought before the commitment's expiry",
    ));
    p.price_all(drafts, &focus, lifetime)
}

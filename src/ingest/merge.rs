//! Merging what files say into the estate's timeline. Pure: the current
//! estate, the batches and the import instant in; the new estate and what
//! was skipped out.
//!
//! - Snapshot objects replace the stored ones with the same id (price and
//!   quota rows by their region/SKU or subscription/region/SKU key).
//! - Azure observes the present only: a deployment whose capacity differs
//!   from the stored size gets a new size at the import instant, marked
//!   approximate; a commitment that grew gets an addition at the import
//!   instant; a changed renewal setting or reservation scope becomes a dated
//!   change at the import instant; a cancelled reservation is refunded at it.
//! - Objects are never deleted by an import (a list may be partial).

use super::InputError;
use super::batch::{Batch, ObservedCommitment, Skipped};
use crate::domain::terms::{self, scope_at};
use crate::domain::time::{Time, fmt_time};
use crate::domain::{
    Addition, CommitmentRenewal, CommitmentRenewalChange, Deployment, Estate, ReservationRenewal,
    ReservationRenewalChange, ScopeChange, Size,
};

/// A batch with the file it came from.
pub struct FileBatch {
    pub file: String,
    pub batch: Batch,
}

fn err(file: &str, message: String) -> InputError {
    InputError {
        file: file.to_string(),
        path: None,
        message,
    }
}

fn upsert<T: Clone>(list: &mut Vec<T>, item: T, same: impl Fn(&T, &T) -> bool) {
    match list.iter_mut().find(|x| same(x, &item)) {
        Some(x) => *x = item,
        None => list.push(item),
    }
}

/// The renewal setting of a commitment in force at `t`.
fn commitment_setting_at(c: &crate::domain::Commitment, t: Time) -> CommitmentRenewal {
    c.renewal_changes
        .iter()
        .take_while(|ch| ch.at <= t)
        .last()
        .map_or(c.renewal, |ch| ch.renewal)
}

fn reservation_setting_at(r: &crate::domain::Reservation, t: Time) -> ReservationRenewal {
    r.renewal_changes
        .iter()
        .take_while(|ch| ch.at <= t)
        .last()
        .map_or_else(|| r.renewal.clone(), |ch| ch.renewal.clone())
}

fn observed_setting(o: &ObservedCommitment) -> CommitmentRenewal {
    match (o.auto_renew, o.next_ptu) {
        (false, _) => CommitmentRenewal::None,
        (true, Some(n)) if n < o.ptu => CommitmentRenewal::AutorenewLower(n),
        (true, _) => CommitmentRenewal::Autorenew,
    }
}

/// Merges the batches, in order, into `current` at the instant `now`.
pub fn merge(
    current: &Estate,
    batches: &[FileBatch],
    now: Time,
) -> Result<(Estate, Vec<Skipped>), InputError> {
    let mut e = current.clone();
    let mut skipped = Vec::new();
    let store_was_empty = current.resources.is_empty()
        && current.deployments.is_empty()
        && current.reservations.is_empty()
        && current.prices.is_empty()
        && current.commitments.is_empty();

    // Top-level commitment plans resolve through account associations from any file.
    let associations: Vec<(String, String)> = batches
        .iter()
        .flat_map(|b| b.batch.plan_associations.iter().cloned())
        .collect();
    let orders: Vec<_> = batches
        .iter()
        .flat_map(|b| b.batch.reservation_orders.iter().cloned())
        .collect();

    for fb in batches {
        let (file, b) = (fb.file.as_str(), &fb.batch);
        skipped.extend(b.skipped.iter().cloned());

        if let Some(s) = &b.snapshot {
            if s.currency != e.currency {
                if store_was_empty {
                    e.currency = s.currency.clone();
                } else {
                    return Err(err(
                        file,
                        format!(
                            "the store holds amounts in {}; this file is in {}",
                            e.currency, s.currency
                        ),
                    ));
                }
            }
            for x in &s.billing_accounts {
                upsert(&mut e.billing_accounts, x.clone(), |a, b| a.id == b.id);
            }
            for x in &s.management_groups {
                upsert(&mut e.management_groups, x.clone(), |a, b| a.id == b.id);
            }
            for x in &s.prices {
                upsert(&mut e.prices, x.clone(), |a, b| {
                    a.region == b.region && a.sku == b.sku
                });
            }
            for x in &s.quotas {
                upsert(&mut e.quotas, x.clone(), |a, b| {
                    (&a.subscription, &a.region, a.sku) == (&b.subscription, &b.region, b.sku)
                });
            }
            for x in &s.resources {
                upsert(&mut e.resources, x.clone(), |a, b| a.id == b.id);
            }
            for x in &s.deployments {
                upsert(&mut e.deployments, x.clone(), |a, b| a.id == b.id);
            }
            for x in &s.commitments {
                upsert(&mut e.commitments, x.clone(), |a, b| a.id == b.id);
            }
            for x in &s.reservations {
                upsert(&mut e.reservations, x.clone(), |a, b| a.id == b.id);
            }
            for x in &s.managed_compute {
                upsert(&mut e.managed_compute, x.clone(), |a, b| a.id == b.id);
            }
        }

        for ba in &b.billing_accounts {
            match e.billing_accounts.iter_mut().find(|x| x.id == ba.id) {
                Some(x) => {
                    for s in &ba.subscriptions {
                        if !x.subscriptions.contains(s) {
                            x.subscriptions.push(s.clone());
                        }
                    }
                }
                None => {
                    // A subscription already in another billing account stays there.
                    let mut ba = ba.clone();
                    ba.subscriptions.retain(|s| {
                        !e.billing_accounts
                            .iter()
                            .any(|o| o.subscriptions.contains(s))
                    });
                    e.billing_accounts.push(ba);
                }
            }
        }
        for mg in &b.management_groups {
            if !e.management_groups.iter().any(|x| x.id == mg.id) {
                e.management_groups.push(mg.clone());
            }
        }

        for r in &b.resources {
            match e.resources.iter_mut().find(|x| x.id == r.id) {
                Some(x) => {
                    x.subscription = r.subscription.clone();
                    x.resource_group = r.resource_group.clone();
                    x.region = r.region.clone();
                }
                None => e.resources.push(r.clone()),
            }
        }

        for d in &b.deployments {
            if !e.resources.iter().any(|r| r.id == d.resource) {
                return Err(err(
                    file,
                    format!(
                        "deployment {} is on account {}, which is neither in this import nor in the store: import `az cognitiveservices account list` too",
                        d.id, d.resource
                    ),
                ));
            }
            match e.deployments.iter_mut().find(|x| x.id == d.id) {
                Some(x) => {
                    if let Some(del) = x.deleted {
                        skipped.push(Skipped {
                            what: format!("deployment {}", d.id),
                            why: format!("it was deleted at {}; a deployment recreated under the same name is not tracked", fmt_time(del)),
                        });
                        continue;
                    }
                    x.model = d.model.clone();
                    x.version = d.version.clone();
                    if x.sku != d.sku {
                        skipped.push(Skipped {
                            what: format!("deployment {}", d.id),
                            why: format!(
                                "its type changed from {} to {}; delete and re-import it",
                                x.sku, d.sku
                            ),
                        });
                        continue;
                    }
                    if x.ptu_at(now) != d.ptu {
                        if x.sizes.last().is_some_and(|s| s.at >= now) {
                            return Err(err(
                                file,
                                format!(
                                    "deployment {} has a size dated at or after the import time {}",
                                    d.id,
                                    fmt_time(now)
                                ),
                            ));
                        }
                        x.sizes.push(Size {
                            at: now,
                            ptu: d.ptu,
                            approximate: true,
                        });
                    }
                }
                None => {
                    let (at, approximate) = match d.created {
                        Some(c) if c < now => (c, false),
                        _ => (now, true),
                    };
                    e.deployments.push(Deployment {
                        id: d.id.clone(),
                        resource: d.resource.clone(),
                        model: d.model.clone(),
                        version: d.version.clone(),
                        sku: d.sku,
                        sizes: vec![Size {
                            at,
                            ptu: d.ptu,
                            approximate,
                        }],
                        deleted: None,
                        deleted_approximate: false,
                    });
                }
            }
        }

        let mut observed: Vec<ObservedCommitment> = b.commitments.clone();
        for p in &b.shared_plans {
            let accounts: Vec<&String> = associations
                .iter()
                .filter(|(plan, _)| plan == &p.id)
                .map(|(_, a)| a)
                .collect();
            match accounts.as_slice() {
                [one] => observed.push(ObservedCommitment { resource: (*one).clone(), ..p.clone() }),
                [] => skipped.push(Skipped {
                    what: format!("commitment plan {}", p.id),
                    why: "no account association in this import (import `az cognitiveservices commitment-plan account-association list` too)".into(),
                }),
                many => skipped.push(Skipped {
                    what: format!("commitment plan {}", p.id),
                    why: format!("shared plan over {} accounts", many.len()),
                }),
            }
        }
        for o in &observed {
            if !e.resources.iter().any(|r| r.id == o.resource) {
                return Err(err(
                    file,
                    format!(
                        "commitment plan {} is on account {}, which is neither in this import nor in the store",
                        o.id, o.resource
                    ),
                ));
            }
            let setting = observed_setting(o);
            match e.commitments.iter_mut().find(|x| x.id == o.id) {
                Some(c) => {
                    let res = current
                        .resource(&c.resource)
                        .or_else(|| e.resources.iter().find(|r| r.id == c.resource));
                    let gone = res.and_then(|r| r.deleted.or(r.purged));
                    let until = now + chrono::Duration::seconds(1);
                    let terms = terms::commitment_terms(c, gone, until)
                        .map_err(|t| err(file, t.message))?;
                    let in_force = terms
                        .iter()
                        .find(|t| t.start <= now && now < t.end)
                        .map(|t| t.ptu_at(now));
                    if let Some(ptu) = in_force.filter(|p| o.ptu > *p) {
                        c.additions.push(Addition {
                            at: now,
                            ptu: o.ptu - ptu,
                            approximate: true,
                        });
                    }
                    if commitment_setting_at(c, now) != setting {
                        c.renewal_changes.push(CommitmentRenewalChange {
                            at: now,
                            renewal: setting,
                            approximate: true,
                        });
                    }
                }
                None => {
                    let ours = e
                        .commitments
                        .iter()
                        .filter(|c| c.resource == o.resource)
                        .count();
                    if ours > 0 {
                        skipped.push(Skipped {
                            what: format!("commitment plan {}", o.id),
                            why: format!(
                                "account {} already has a commitment in the store",
                                o.resource
                            ),
                        });
                        continue;
                    }
                    e.commitments.push(crate::domain::Commitment {
                        id: o.id.clone(),
                        resource: o.resource.clone(),
                        start: o.term_start,
                        ptu: o.ptu,
                        additions: vec![],
                        renewal: setting,
                        renewal_changes: vec![],
                        price: None,
                    });
                }
            }
        }

        for r in &b.reservations {
            let mut r = r.clone();
            if let Some(order) = orders.iter().find(|o| o.reservations.contains(&r.id)) {
                if let Some(bp) = order.billing {
                    r.billing = bp;
                }
                if let Some(t) = order.term {
                    r.term = t;
                }
            }
            match e.reservations.iter_mut().find(|x| x.id == r.id) {
                Some(x) => {
                    x.name = r.name.clone();
                    if now >= x.start && *scope_at(x, now) != r.scope {
                        x.scope_changes.push(ScopeChange {
                            at: now,
                            scope: r.scope.clone(),
                            approximate: true,
                        });
                    }
                    let setting = match r.renewal {
                        ReservationRenewal::Autorenew => ReservationRenewal::Autorenew,
                        _ => ReservationRenewal::None,
                    };
                    let current_setting = reservation_setting_at(x, now);
                    let differs = match (&current_setting, &setting) {
                        (ReservationRenewal::None, ReservationRenewal::None) => false,
                        // Azure's `renew` flag is on for both autorenew and a replacement.
                        (
                            ReservationRenewal::Autorenew | ReservationRenewal::Replace { .. },
                            ReservationRenewal::Autorenew,
                        ) => false,
                        _ => true,
                    };
                    if differs {
                        x.renewal_changes.push(ReservationRenewalChange {
                            at: now,
                            renewal: setting,
                            approximate: true,
                        });
                    }
                }
                None => e.reservations.push(r),
            }
        }
        for id in &b.cancelled_reservations {
            match e.reservations.iter_mut().find(|x| &x.id == id) {
                Some(x) if x.refunded_at.is_none() => {
                    (x.refunded_at, x.refunded_approximate) = (Some(now), true)
                }
                Some(_) => {}
                None => skipped.push(Skipped {
                    what: format!("reservation {id}"),
                    why: "cancelled before ptudesk knew it (refund time unknown)".into(),
                }),
            }
        }

        for q in &b.quotas {
            upsert(&mut e.quotas, q.clone(), |a, b| {
                (&a.subscription, &a.region, a.sku) == (&b.subscription, &b.region, b.sku)
            });
        }
        for p in &b.prices {
            match e
                .prices
                .iter_mut()
                .find(|x| x.region == p.region && x.sku == p.sku)
            {
                Some(x) => {
                    // An equal amount keeps its stored spelling (1.10 stays 1.10 beside 1.1).
                    let take = |new: Option<rust_decimal::Decimal>,
                                old: Option<rust_decimal::Decimal>| {
                        match (new, old) {
                            (Some(n), Some(o)) if n == o => Some(o),
                            (Some(n), _) => Some(n),
                            (None, o) => o,
                        }
                    };
                    let before = x.clone();
                    x.hourly = take(p.hourly, x.hourly);
                    x.reservation_month = take(p.reservation_month, x.reservation_month);
                    x.reservation_year = take(p.reservation_year, x.reservation_year);
                    x.commitment_month = take(p.commitment_month, x.commitment_month);
                    if *x != before || x.verified != Some(true) {
                        x.verified = p.verified.or(x.verified);
                        x.source = p.source.clone().or(x.source.take());
                        x.as_of = p.as_of.clone().or(x.as_of.take());
                    }
                }
                None => e.prices.push(p.clone()),
            }
        }
    }
    Ok((e, skipped))
}

//! Merging what files say into the estate's timeline. Pure: the current
//! estate, the batches and the import instant in; the new estate and what
//! was skipped out.
//!
//! - Snapshot objects replace the stored ones with the same id (quota rows
//!   by their subscription/region/SKU key). Price rows merge field by field:
//!   a row sets the prices it gives and keeps the others ([`merge_price`]).
//! - Azure observes the present only: a deployment whose capacity differs
//!   from the stored size gets a new size at the import instant, marked
//!   approximate; a changed renewal setting or reservation scope becomes a
//!   dated change at the import instant; a cancelled reservation is refunded
//!   at it.
//! - A commitment plan describes one term, `current.startDate` to
//!   `current.endDate`, and is compared with the store's model of that term
//!   ([`merge_commitment`]), never with the term in force at the import: a
//!   plan that grew during the term in force gets an addition at the import
//!   instant; an observation of a past (or later) term changes nothing, and
//!   when it disagrees with the store it is listed as skipped with both
//!   figures.
//! - Objects are never deleted by an import (a list may be partial).
//! - The merged estate is validated here, and a rule it breaks is reported
//!   at the file and JSON path of the input object it came from (the
//!   snapshot's own path, or the az member the field was read from).

use super::InputError;
use super::batch::{Batch, ObservedCommitment, Origin, Skipped, price_key, quota_key};
use crate::domain::terms::{self, scope_at};
use crate::domain::time::{Time, add_months, fmt_time};
use crate::domain::validate::{Invalid, validate};
use crate::domain::{
    Addition, CommitmentRenewal, CommitmentRenewalChange, Deployment, Estate, PriceRow,
    ReservationRenewal, ReservationRenewalChange, ScopeChange, Size,
};
use std::collections::HashMap;

/// A batch with the file it came from.
pub struct FileBatch {
    pub file: String,
    pub batch: Batch,
}

fn err(file: &str, path: Option<&str>, message: String) -> InputError {
    InputError {
        file: file.to_string(),
        path: path.map(str::to_string),
        message,
    }
}

fn upsert<T: Clone>(list: &mut Vec<T>, item: T, same: impl Fn(&T, &T) -> bool) {
    match list.iter_mut().find(|x| same(x, &item)) {
        Some(x) => *x = item,
        None => list.push(item),
    }
}

/// Replaces each item of `list` that has the key of one of `items`, and
/// appends the others in order: one pass with an index of the keys, so a
/// merge is linear in the objects, not quadratic.
fn upsert_all<T: Clone, K: std::hash::Hash + Eq>(
    list: &mut Vec<T>,
    items: &[T],
    key: impl Fn(&T) -> K,
) {
    let mut at: std::collections::HashMap<K, usize> =
        list.iter().enumerate().map(|(i, x)| (key(x), i)).collect();
    for item in items {
        match at.get(&key(item)) {
            Some(&i) => list[i] = item.clone(),
            None => {
                at.insert(key(item), list.len());
                list.push(item.clone());
            }
        }
    }
}

/// Inserts a dated entry after every entry at or before its instant, so a
/// list of dated changes stays in time order beside future-dated plans.
fn insert_dated<T>(list: &mut Vec<T>, item: T, at: impl Fn(&T) -> Time) {
    let t = at(&item);
    let i = list.iter().position(|x| at(x) > t).unwrap_or(list.len());
    list.insert(i, item);
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

/// The PTUs a commitment renews at when a term ends with `at_end` in force,
/// or `None` when it expires. Two settings that agree here agree for that
/// expiry (autorenew at 250 PTU and autorenew at the 250 PTU in force).
fn renews_at(setting: CommitmentRenewal, at_end: i64) -> Option<i64> {
    match setting {
        CommitmentRenewal::None => None,
        CommitmentRenewal::Autorenew => Some(at_end),
        CommitmentRenewal::AutorenewLower(p) => Some(p),
    }
}

fn renewal_words(r: Option<i64>) -> String {
    match r {
        None => "no renewal".into(),
        Some(p) => format!("renewal at {p} PTU"),
    }
}

/// Where a merged object came from: a batch (by index) and its place there.
#[derive(Clone)]
enum Source {
    /// A snapshot object at `$.<list>[index]`.
    Snapshot(usize),
    /// An az item.
    Azure(Origin),
}

/// The source of each object an import touched, by (estate list, key).
#[derive(Default)]
struct Provenance(HashMap<(&'static str, String), (usize, Source)>);

impl Provenance {
    fn put(&mut self, list: &'static str, key: String, batch: usize, src: Source) {
        self.0.insert((list, key), (batch, src));
    }

    /// Forgets an object the merge left out (its stored version is not this file's).
    fn forget(&mut self, list: &'static str, key: &str) {
        self.0.remove(&(list, key.to_string()));
    }

    fn snapshot(&mut self, s: &Estate, batch: usize) {
        macro_rules! each {
            ($list:literal, $items:expr, $key:expr) => {
                for (j, x) in $items.iter().enumerate() {
                    self.put($list, $key(x), batch, Source::Snapshot(j));
                }
            };
        }
        each!(
            "billing_accounts",
            s.billing_accounts,
            |x: &crate::domain::BillingAccount| x.id.clone()
        );
        each!(
            "management_groups",
            s.management_groups,
            |x: &crate::domain::ManagementGroup| x.id.clone()
        );
        each!("prices", s.prices, |x: &PriceRow| price_key(
            &x.region, x.sku
        ));
        each!("quotas", s.quotas, quota_key);
        each!("resources", s.resources, |x: &crate::domain::Resource| x
            .id
            .clone());
        each!("deployments", s.deployments, |x: &Deployment| x.id.clone());
        each!(
            "commitments",
            s.commitments,
            |x: &crate::domain::Commitment| x.id.clone()
        );
        each!(
            "reservations",
            s.reservations,
            |x: &crate::domain::Reservation| x.id.clone()
        );
        each!(
            "managed_compute",
            s.managed_compute,
            |x: &crate::domain::ManagedCompute| x.id.clone()
        );
        each!(
            "model_capacities",
            s.model_capacities,
            crate::domain::ModelCapacity::key
        );
    }
}

/// The key of the object at `list[i]` of an estate, and the word for its kind.
fn key_at(e: &Estate, list: &str, i: usize) -> Option<(String, &'static str)> {
    Some(match list {
        "billing_accounts" => (e.billing_accounts.get(i)?.id.clone(), "billing account"),
        "management_groups" => (e.management_groups.get(i)?.id.clone(), "management group"),
        "prices" => {
            let p = e.prices.get(i)?;
            (price_key(&p.region, p.sku), "price row")
        }
        "quotas" => (quota_key(e.quotas.get(i)?), "quota"),
        "resources" => (e.resources.get(i)?.id.clone(), "resource"),
        "deployments" => (e.deployments.get(i)?.id.clone(), "deployment"),
        "commitments" => (e.commitments.get(i)?.id.clone(), "commitment"),
        "reservations" => (e.reservations.get(i)?.id.clone(), "reservation"),
        "managed_compute" => (e.managed_compute.get(i)?.id.clone(), "managed compute"),
        "model_capacities" => (e.model_capacities.get(i)?.key(), "model capacity"),
        _ => return None,
    })
}

/// Splits `$.deployments[3].sizes[0].ptu` into ("deployments", 3, ".sizes[0].ptu").
fn split_path(path: &str) -> Option<(&str, usize, &str)> {
    let rest = path.strip_prefix("$.")?;
    let open = rest.find('[')?;
    let close = open + rest[open..].find(']')?;
    let i = rest[open + 1..close].parse().ok()?;
    Some((&rest[..open], i, &rest[close + 1..]))
}

/// A rule the merged estate breaks, said of the input that caused it: the
/// file and JSON path of the object it came from, or, for a stored object
/// the import made invalid, the import's files and that object.
fn locate(e: &Estate, batches: &[FileBatch], prov: &Provenance, v: Invalid) -> InputError {
    let files = || {
        batches
            .iter()
            .map(|b| b.file.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The merged estate's references may be satisfied by the store too.
    let message = v
        .message
        .replace(" in this file", " in this file or in the store");
    if v.path == "$.currency" {
        let file = batches
            .iter()
            .find(|b| {
                b.batch
                    .snapshot
                    .as_ref()
                    .is_some_and(|s| s.currency == e.currency)
            })
            .map_or_else(files, |b| b.file.clone());
        return err(&file, Some("$.currency"), message);
    }
    let Some((list, i, rest)) = split_path(&v.path) else {
        return err(
            &files(),
            None,
            format!("this import would leave the store invalid: {v}"),
        );
    };
    let Some((key, what)) = key_at(e, list, i) else {
        return err(
            &files(),
            None,
            format!("this import would leave the store invalid: {v}"),
        );
    };
    match prov.0.get(&(list, key.clone())) {
        Some((b, Source::Snapshot(j))) => err(
            &batches[*b].file,
            Some(&format!("$.{list}[{j}]{rest}")),
            message,
        ),
        Some((b, Source::Azure(o))) => err(&batches[*b].file, Some(o.path_of(rest)), message),
        None => {
            let field = rest.trim_start_matches('.');
            let field = if field.is_empty() {
                String::new()
            } else {
                format!("{field}: ")
            };
            err(
                &files(),
                None,
                format!(
                    "this import would leave the store's {what} {key} invalid: {field}{v_message}",
                    v_message = v.message
                ),
            )
        }
    }
}

/// Merges price row `new`, read from `file`, into the stored row `old`,
/// field by field: each price `new` gives is set (an equal amount keeps its
/// stored spelling, 1.10 stays 1.10 beside 1.1), each it leaves out is kept.
/// `verified`, `source` and `as_of` describe the row's figures:
/// - nothing changed: kept, except that an unverified row whose every price
///   a verified row confirms becomes verified, with that row's source;
/// - every stored price replaced: the new row's;
/// - some kept, some set: the row is unverified if either side is; the
///   source names both (`Azure Retail Prices API; commitment_month from
///   prices.json`, the file standing in for a source the row lacks); the
///   new row's `as_of` when it gives one.
pub fn merge_price(old: &mut PriceRow, new: &PriceRow, file: &str) {
    type Get = fn(&mut PriceRow) -> &mut Option<rust_decimal::Decimal>;
    let fields: [(&str, Get); 4] = [
        ("hourly", |r| &mut r.hourly),
        ("reservation_month", |r| &mut r.reservation_month),
        ("reservation_year", |r| &mut r.reservation_year),
        ("commitment_month", |r| &mut r.commitment_month),
    ];
    let mut incoming = new.clone();
    let (mut changed, mut kept) = (Vec::new(), 0);
    for (name, get) in fields {
        let n = *get(&mut incoming);
        let o = get(old);
        match (n, *o) {
            (Some(n), Some(v)) if n == v => {}
            (Some(n), _) => {
                *o = Some(n);
                changed.push(name);
            }
            (None, Some(_)) => kept += 1,
            (None, None) => {}
        }
    }
    if changed.is_empty() {
        if old.verified == Some(false) && new.verified != Some(false) && kept == 0 {
            old.verified = new.verified;
            old.source = new.source.clone();
            old.as_of = new.as_of.clone();
        }
        return;
    }
    if kept == 0 {
        old.verified = new.verified;
        old.source = new.source.clone();
        old.as_of = new.as_of.clone();
        return;
    }
    if old.verified == Some(false) || new.verified == Some(false) {
        old.verified = Some(false);
    } else {
        old.verified = old.verified.or(new.verified);
    }
    old.source = match (old.source.take(), &new.source) {
        (Some(o), Some(n)) if &o == n => Some(o),
        (Some(o), n) => {
            // Earlier notes for the same prices give way to this one.
            let mut parts: Vec<&str> = o
                .split("; ")
                .filter(|p| !changed.iter().any(|c| p.starts_with(&format!("{c} from "))))
                .collect();
            let from = n.as_deref().unwrap_or(file);
            let note = format!("{} from {from}", changed.join(", "));
            parts.push(&note);
            Some(parts.join("; "))
        }
        (None, n) => n.clone(),
    };
    if new.as_of.is_some() {
        old.as_of = new.as_of.clone();
    }
}

/// Merges the batches, in order, into `current` at the instant `now`, and
/// validates the result: a rule it breaks is reported at the input that
/// caused it.
pub fn merge(
    current: &Estate,
    batches: &[FileBatch],
    now: Time,
) -> Result<(Estate, Vec<Skipped>), InputError> {
    let mut e = current.clone();
    let mut skipped = Vec::new();
    let mut prov = Provenance::default();
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

    for (bi, fb) in batches.iter().enumerate() {
        let (file, b) = (fb.file.as_str(), &fb.batch);
        skipped.extend(b.skipped.iter().cloned());
        for (k, o) in &b.origins {
            prov.put(k.0, k.1.clone(), bi, Source::Azure(o.clone()));
        }
        // The JSON path of a field of an object of this batch.
        let at = |list: &'static str, key: &str, field: &str| -> Option<String> {
            b.origins
                .get(&(list, key.to_string()))
                .map(|o| o.path_of(field).to_string())
        };

        if let Some(s) = &b.snapshot {
            prov.snapshot(s, bi);
            if s.currency != e.currency {
                if store_was_empty {
                    e.currency = s.currency.clone();
                } else {
                    return Err(err(
                        file,
                        Some("$.currency"),
                        format!(
                            "expected {}, the currency of the store's amounts; this file is in {}",
                            e.currency, s.currency
                        ),
                    ));
                }
            }
            upsert_all(&mut e.billing_accounts, &s.billing_accounts, |x| {
                x.id.clone()
            });
            upsert_all(&mut e.management_groups, &s.management_groups, |x| {
                x.id.clone()
            });
            for x in &s.prices {
                match e
                    .prices
                    .iter_mut()
                    .find(|p| p.region == x.region && p.sku == x.sku)
                {
                    Some(p) => merge_price(p, x, file),
                    None => e.prices.push(x.clone()),
                }
            }
            for x in &s.quotas {
                upsert(&mut e.quotas, x.clone(), |a, b| a.same_row(b));
            }
            upsert_all(&mut e.resources, &s.resources, |x| x.id.clone());
            upsert_all(&mut e.deployments, &s.deployments, |x| x.id.clone());
            upsert_all(&mut e.commitments, &s.commitments, |x| x.id.clone());
            upsert_all(&mut e.reservations, &s.reservations, |x| x.id.clone());
            upsert_all(&mut e.managed_compute, &s.managed_compute, |x| x.id.clone());
            for x in &s.model_capacities {
                put_capacity(&mut e.model_capacities, x);
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
        let mut mgs: std::collections::HashSet<String> =
            e.management_groups.iter().map(|x| x.id.clone()).collect();
        for mg in &b.management_groups {
            if mgs.insert(mg.id.clone()) {
                e.management_groups.push(mg.clone());
            }
        }

        let mut resource_at: std::collections::HashMap<String, usize> = e
            .resources
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.clone(), i))
            .collect();
        for r in &b.resources {
            match resource_at.get(&r.id) {
                Some(&i) => {
                    let x = &mut e.resources[i];
                    x.subscription = r.subscription.clone();
                    x.resource_group = r.resource_group.clone();
                    x.region = r.region.clone();
                }
                None => {
                    resource_at.insert(r.id.clone(), e.resources.len());
                    e.resources.push(r.clone());
                }
            }
        }

        let mut deployment_at: std::collections::HashMap<String, usize> = e
            .deployments
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.clone(), i))
            .collect();
        for d in &b.deployments {
            if !resource_at.contains_key(&d.resource) {
                return Err(err(
                    file,
                    at("deployments", &d.id, "resource").as_deref(),
                    format!(
                        "deployment {} is on account {}, which is neither in this import nor in the store: import `az cognitiveservices account list` too",
                        d.id, d.resource
                    ),
                ));
            }
            let mut skip = |why: String| {
                prov.forget("deployments", &d.id);
                skipped.push(Skipped {
                    what: format!("deployment {}", d.id),
                    why,
                    object: Some(d.id.clone()),
                });
            };
            match deployment_at.get(&d.id).map(|&i| &mut e.deployments[i]) {
                Some(_) if d.failed => skip(
                    "its last change failed (provisioningState Failed): the store's sizes are kept"
                        .into(),
                ),
                None if d.failed => skip(
                    "its creation failed (provisioningState Failed): nothing is deployed, so nothing bills"
                        .into(),
                ),
                Some(x) => {
                    if let Some(del) = x.deleted {
                        skip(format!(
                            "it was deleted at {}; a deployment recreated under the same name is not tracked",
                            fmt_time(del)
                        ));
                        continue;
                    }
                    if x.sku != d.sku {
                        skip(format!(
                            "its type changed from {} to {}; delete and re-import it",
                            x.sku, d.sku
                        ));
                        continue;
                    }
                    x.model = d.model.clone();
                    x.version = d.version.clone();
                    if x.ptu_at(now) != d.ptu {
                        if x.sizes.last().is_some_and(|s| s.at >= now) {
                            return Err(err(
                                file,
                                at("deployments", &d.id, "sizes.ptu").as_deref(),
                                format!(
                                    "deployment {} has a size dated at or after the import time {} in the store, so Azure's capacity can't be added as a resize now: import with a later --now",
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
                    // The size seen is dated to the creation; it is exact
                    // only when nothing changed the deployment since.
                    let (at, approximate) = match d.created {
                        Some(c) if c < now => (c, d.modified.is_some_and(|m| m > c)),
                        _ => (now, true),
                    };
                    deployment_at.insert(d.id.clone(), e.deployments.len());
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
            let why = match accounts.as_slice() {
                [one] => {
                    observed.push(ObservedCommitment {
                        resource: (*one).clone(),
                        ..p.clone()
                    });
                    continue;
                }
                [] => format!(
                    "no account association in this import (import the plan's too: `{}`, or run `ptudesk sync`)",
                    super::azure::plan_associations_command()
                ),
                many => format!("shared plan over {} accounts", many.len()),
            };
            prov.forget("commitments", &p.id);
            skipped.push(Skipped {
                what: format!("commitment plan {}", p.id),
                why,
                object: Some(p.id.clone()),
            });
        }
        for o in &observed {
            if !e.resources.iter().any(|r| r.id == o.resource) {
                return Err(err(
                    file,
                    at("commitments", &o.id, "resource").as_deref(),
                    format!(
                        "commitment plan {} is on account {}, which is neither in this import nor in the store: import `az cognitiveservices account list` too",
                        o.id, o.resource
                    ),
                ));
            }
            if let Some(why) = merge_commitment(&mut e, o, now)
                .map_err(|m| err(file, at("commitments", &o.id, "start").as_deref(), m))?
            {
                prov.forget("commitments", &o.id);
                skipped.push(Skipped {
                    what: format!("commitment plan {}", o.id),
                    why,
                    object: Some(o.id.clone()),
                });
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
                    // Split or merged away: the PTUs moved on, nothing is refunded.
                    if x.moved_at.is_none() && x.refunded_at.is_none() {
                        x.moved_at = r.moved_at;
                    }
                    if now >= x.start && *scope_at(x, now) != r.scope {
                        insert_dated(
                            &mut x.scope_changes,
                            ScopeChange {
                                at: now,
                                scope: r.scope.clone(),
                                approximate: true,
                            },
                            |c| c.at,
                        );
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
                        insert_dated(
                            &mut x.renewal_changes,
                            ReservationRenewalChange {
                                at: now,
                                renewal: setting,
                                approximate: true,
                            },
                            |c| c.at,
                        );
                    }
                }
                None => e.reservations.push(r),
            }
        }
        for id in &b.cancelled_reservations {
            match e.reservations.iter_mut().find(|x| &x.id == id) {
                Some(x) if x.refunded_at.is_none() => {
                    // Azure lists it cancelled: the refund happened.
                    (x.refunded_at, x.refunded_approximate, x.refunded_reported) =
                        (Some(now), true, true)
                }
                Some(_) => {}
                None => skipped.push(Skipped {
                    what: format!("reservation {id}"),
                    why: "cancelled before ptudesk knew it (refund time unknown)".into(),
                    object: None,
                }),
            }
        }

        for x in &b.model_capacities {
            put_capacity(&mut e.model_capacities, x);
        }
        for q in &b.quotas {
            upsert(&mut e.quotas, q.clone(), |a, b| a.same_row(b));
        }
        for p in &b.prices {
            match e
                .prices
                .iter_mut()
                .find(|x| x.region == p.region && x.sku == p.sku)
            {
                Some(x) => merge_price(x, p, file),
                None => e.prices.push(p.clone()),
            }
        }
    }
    validate(&e).map_err(|v| locate(&e, batches, &prov, v))?;
    Ok((e, skipped))
}

/// Keeps the newer of two answers for one region, type, model and version:
/// an older answer imported after a newer one changes nothing.
fn put_capacity(list: &mut Vec<crate::domain::ModelCapacity>, x: &crate::domain::ModelCapacity) {
    match list.iter_mut().find(|c| c.key() == x.key()) {
        Some(c) if c.as_of <= x.as_of => *c = x.clone(),
        Some(_) => {}
        None => list.push(x.clone()),
    }
}

/// Merges one observed commitment plan. The observation describes the term
/// `[current.startDate, current.endDate)` (one month when Azure gives no
/// end) and is compared with the store's model of that same term:
/// - the term in force at the import: PTUs beyond the model's in force now
///   are an addition at `now`; a renewal setting that renews differently at
///   the term's end is a renewal change at `now`;
/// - a term that ended before the import (or starts after it): nothing is
///   changed, and a disagreement is returned as the reason it was skipped;
/// - a plan the store does not know becomes a commitment from the term's
///   start, unless its account already has one.
///
/// `Ok(Some(why))`: the plan was left out, and why. `Err`: the store's
/// commitment breaks a lifecycle rule.
fn merge_commitment(
    e: &mut Estate,
    o: &ObservedCommitment,
    now: Time,
) -> Result<Option<String>, String> {
    let setting = observed_setting(o);
    let term_end = o.term_end.unwrap_or_else(|| add_months(o.term_start, 1));
    let Some(ci) = e.commitments.iter().position(|x| x.id == o.id) else {
        if e.commitments.iter().any(|c| c.resource == o.resource) {
            return Ok(Some(format!(
                "account {} already has a commitment in the store",
                o.resource
            )));
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
        return Ok(None);
    };
    // Azure removes a plan with its account: no renewal once it is gone.
    let gone = e
        .resources
        .iter()
        .find(|r| r.id == e.commitments[ci].resource)
        .and_then(|r| r.deleted.or(r.purged));
    let c = &mut e.commitments[ci];
    let until = now.max(term_end) + chrono::Duration::seconds(1);
    let model = terms::commitment_terms(c, gone, until).map_err(|t| t.message)?;
    let span = |s: Time, e: Time| format!("{} to {}", fmt_time(s), fmt_time(e));
    let azure = span(o.term_start, term_end);
    let Some(t) = model.iter().find(|t| t.start == o.term_start) else {
        let why = match model
            .iter()
            .find(|t| t.start <= o.term_start && o.term_start < t.end)
        {
            Some(t) => format!(
                "Azure's term {azure} does not line up with the store's term {}: the store is left as it is; correct the commitment's start in the store",
                span(t.start, t.end)
            ),
            None if o.term_start < c.start => format!(
                "Azure's term {azure} is before the store's commitment starts ({}): nothing to change",
                fmt_time(c.start)
            ),
            None => format!(
                "Azure shows a term {azure}, but in the store the commitment ends at {} without renewing: the store is left as it is; set its renewal in the store",
                fmt_time(model.last().map_or(c.start, |t| t.end))
            ),
        };
        return Ok(Some(why));
    };
    if t.start <= now && now < t.end {
        // The term in force: Azure's count is what is committed now.
        let in_force = t.ptu_at(now);
        if o.ptu < in_force {
            return Ok(Some(format!(
                "Azure shows {} PTU for the term {azure}, the store {in_force} PTU in force at {}: a commitment does not shrink during a term, so the store is left as it is (check its additions)",
                o.ptu,
                fmt_time(now)
            )));
        }
        let added = o.ptu - in_force;
        if added > 0 {
            insert_dated(
                &mut c.additions,
                Addition {
                    at: now,
                    ptu: added,
                    approximate: true,
                },
                |a| a.at,
            );
        }
        let at_end = t.ptu_at_end() + added;
        let stored = commitment_setting_at(c, now);
        if renews_at(stored, at_end) != renews_at(setting, at_end) {
            insert_dated(
                &mut c.renewal_changes,
                CommitmentRenewalChange {
                    at: now,
                    renewal: setting,
                    approximate: true,
                },
                |ch| ch.at,
            );
        }
        return Ok(None);
    }
    // A term not in force at the import: compared, never rewritten.
    let (ptu, when) = if t.end <= now {
        (t.ptu_at_end(), "ended before")
    } else {
        (t.ptu, "starts after")
    };
    let stored = renews_at(terms::commitment_renewal_for(c, t.end), ptu);
    let seen = renews_at(setting, o.ptu);
    if o.ptu == ptu && stored == seen {
        return Ok(None);
    }
    Ok(Some(format!(
        "it describes the term {azure}, which {when} the import time {}; Azure shows {} PTU and {}, the store {ptu} PTU and {}: a term not in force is not rewritten (import a current `az cognitiveservices account commitment-plan list`)",
        fmt_time(now),
        o.ptu,
        renewal_words(seen),
        renewal_words(stored)
    )))
}

//! What every kind of plan needs: the context (estate, prices, window),
//! lookups with clear errors, commitment terms, quota and role checks.

use super::{
    Check, Costs, Fact, Params, PlanError, PlanOption, Precondition, Status, Step, Subject, when,
};
use crate::domain::prices::{PriceBook, PriceKind};
use crate::domain::terms::{CommitmentTerm, commitment_terms};
use crate::domain::time::{Time, add_months, ceil_hour};
use crate::domain::{
    Commitment, CommitmentRenewal, Deployment, Estate, Reservation, Resource, Sku,
};
use crate::rating::prepare::ScopeIndex;
use crate::rating::{self, Bucket, Forecast, Request};
use chrono::{Datelike, Duration, Weekday};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// The built-in roles a reservation purchase needs (docs/migrations.md#roles).
pub(crate) const ROLE_RESERVATION: &str = "Owner or Reservation Purchaser role (the built-in roles; a custom copy is refused) on the subscription that pays for the reservation";
/// The roles a commitment purchase needs (docs/migrations.md#roles).
pub(crate) const ROLE_COMMITMENT: &str = "Contributor or Cognitive Services Contributor role at the subscription level (to create or change commitments)";
/// Deployments: the sources name no role; say so.
pub(crate) const ROLE_DEPLOYMENT: &str = "Rights to create and delete deployments on the resource (the sources name no role for it; Contributor or Cognitive Services Contributor has them)";
/// The end of new commitment enrollments (docs/commitments.md#new-enrollments).
pub(crate) const NO_NEW_ENROLLMENT: &str = "No new commitment enrollments since 1 August 2024: only existing commitment customers can still buy commitments and add PTUs";

/// Everything a plan is made from.
pub(crate) struct Ctx<'a> {
    pub estate: &'a Estate,
    pub book: &'a PriceBook,
    /// The book under the estate's own prices (for lookups).
    pub prices: PriceBook,
    pub p: &'a Params,
    pub now: Time,
    /// The first whole hour at or after now: the earliest dated step.
    pub first: Time,
    pub from: Time,
    pub to: Time,
    pub scopes: ScopeIndex,
    /// How long the workload the plan is about needs its capacity: options
    /// are compared over it, and new reservations stop renewing at a
    /// planned deletion.
    pub lifetime: super::Lifetime,
}

/// What [`Ctx::uncovered_where`] finds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Uncovered {
    /// PTU deployed per resource.
    pub deployed: std::collections::BTreeMap<String, i64>,
    /// PTU no discount covers (rounded up).
    pub uncovered: i64,
    /// The discounts (base ids) that cover some of it.
    pub covering: Vec<String>,
}

impl Uncovered {
    pub fn total_deployed(&self) -> i64 {
        self.deployed.values().sum()
    }

    /// `ra 300, rb 100`.
    pub fn by_resource(&self) -> String {
        self.deployed
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A plan before it is priced.
pub(crate) struct Draft {
    pub subject: Subject,
    pub facts: Vec<Fact>,
    pub notes: Vec<String>,
    /// The resources the plan is about (the slice grows from them).
    pub seeds: BTreeSet<String>,
    pub options: Vec<PlanOption>,
}

impl Draft {
    pub fn new(subject: Subject) -> Draft {
        Draft {
            subject,
            facts: vec![],
            notes: vec![],
            seeds: BTreeSet::new(),
            options: vec![],
        }
    }

    pub fn fact(&mut self, label: &str, value: impl Into<String>) {
        self.facts.push(Fact {
            label: label.to_string(),
            value: value.into(),
        });
    }
}

impl PlanOption {
    pub(crate) fn new(name: &str, title: impl Into<String>) -> PlanOption {
        PlanOption {
            name: name.to_string(),
            title: title.into(),
            steps: vec![],
            edits: vec![],
            costs: Costs::default(),
            compare: super::Comparison::default(),
            vs_nothing: Decimal::ZERO,
            windows: vec![],
            downtime: Duration::zero(),
            preconditions: vec![],
            notes: vec![],
            safe: true,
            contingency: false,
            credits: vec![],
            remedy: None,
        }
    }

    pub(crate) fn step(&mut self, at: Time, action: impl Into<String>) {
        self.steps.push(Step {
            at,
            action: action.into(),
        });
    }

    pub(crate) fn edit(&mut self, e: super::Edit) {
        self.edits.push(e);
    }

    pub(crate) fn pre(&mut self, check: Check, status: Status, text: impl Into<String>) {
        self.preconditions.push(Precondition {
            check,
            status,
            text: text.into(),
        });
    }

    pub(crate) fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }
}

impl<'a> Ctx<'a> {
    pub fn new(
        estate: &'a Estate,
        book: &'a PriceBook,
        p: &'a Params,
        lifetime: super::Lifetime,
    ) -> Ctx<'a> {
        let (from, to) = p.window();
        Ctx {
            estate,
            book,
            prices: book.over(&estate.prices),
            p,
            now: p.now,
            first: ceil_hour(p.now),
            from,
            to,
            scopes: ScopeIndex::new(estate),
            lifetime: lifetime.at_least_until(p.now, to),
        }
    }

    /// Rates `[from, to)` of an estate on a given basis.
    pub fn rate_basis(
        &self,
        e: &Estate,
        from: Time,
        to: Time,
        basis: rating::Basis,
    ) -> Result<Forecast, PlanError> {
        let req = Request {
            from,
            to,
            basis,
            by: Bucket::Month,
        };
        Ok(rating::forecast(e, self.book, &req, &self.p.rating)?)
    }

    /// The PTU of the deployments `which` picks that no discount covers in
    /// the hour starting at `hour` (rounded up once, for them together):
    /// what one reservation covering them all would need. With the PTU
    /// they have deployed then, per resource, and the discounts that cover
    /// the rest.
    pub fn uncovered_where(
        &self,
        e: &Estate,
        hour: Time,
        which: impl Fn(&Deployment, &Resource) -> bool,
    ) -> Result<Uncovered, PlanError> {
        let uses = self.deployment_use(e, hour, hour + Duration::hours(1))?;
        let mut out = Uncovered::default();
        let mut minutes = Decimal::ZERO;
        for u in uses {
            let d = &e.deployments[u.index];
            let Some(r) = e.resource(&d.resource) else {
                continue;
            };
            if !which(d, r) {
                continue;
            }
            let ptu = d.ptu_at(hour);
            if ptu > 0 {
                *out.deployed.entry(r.id.clone()).or_default() += ptu;
            }
            minutes += u.hourly_ptu_minutes;
            for c in &u.covered {
                let id = crate::domain::terms::base_id(&c.instrument).to_string();
                if c.ptu_minutes > Decimal::ZERO && !out.covering.contains(&id) {
                    out.covering.push(id);
                }
            }
        }
        let per_hour = (minutes / Decimal::from(60)).round_dp(6);
        out.uncovered = rust_decimal::prelude::ToPrimitive::to_i64(&per_hour.ceil()).unwrap_or(0);
        out.covering.sort();
        Ok(out)
    }

    /// The PTU of a deployment that no discount covers in the hour starting
    /// at `hour` (rounded up): what a new reservation would need to cover.
    pub fn uncovered_ptu(&self, e: &Estate, dep: &str, hour: Time) -> Result<i64, PlanError> {
        let uses = self.deployment_use(e, hour, hour + Duration::hours(1))?;
        let Some(u) = uses.into_iter().find(|u| u.id == dep) else {
            return Ok(0);
        };
        // Shares of a pool are exact to many places; a hair over a whole PTU
        // is not another PTU.
        let per_hour = (u.hourly_ptu_minutes / Decimal::from(60)).round_dp(6);
        Ok(rust_decimal::prelude::ToPrimitive::to_i64(&per_hour.ceil()).unwrap_or(0))
    }

    /// The discount instruments (reservation ids without `/rN`, commitment
    /// ids) that cover a deployment at some point of `[from, to)`.
    pub fn covering(
        &self,
        e: &Estate,
        dep: &str,
        from: Time,
        to: Time,
    ) -> Result<Vec<String>, PlanError> {
        let uses = self.deployment_use(e, from, to)?;
        let mut out: Vec<String> = uses
            .into_iter()
            .filter(|u| u.id == dep)
            .flat_map(|u| u.covered.into_iter())
            .filter(|c| c.ptu_minutes > Decimal::ZERO)
            .map(|c| crate::domain::terms::base_id(&c.instrument).to_string())
            .collect();
        out.dedup();
        Ok(out)
    }

    fn deployment_use(
        &self,
        e: &Estate,
        from: Time,
        to: Time,
    ) -> Result<Vec<rating::engine::DeploymentUse>, PlanError> {
        let req = Request {
            from,
            to,
            basis: self.p.basis,
            by: Bucket::Month,
        };
        Ok(rating::forecast_detailed(e, self.book, &req, &self.p.rating)?.deployments)
    }

    pub fn resource(&self, id: &str) -> Result<&'a Resource, PlanError> {
        self.estate.resource(id).ok_or_else(|| PlanError::Unknown {
            what: "resource",
            id: id.to_string(),
            known: self.estate.resources.iter().map(|r| r.id.clone()).collect(),
        })
    }

    pub fn deployment(&self, id: &str) -> Result<&'a Deployment, PlanError> {
        self.estate
            .deployments
            .iter()
            .find(|d| d.id == id)
            .ok_or_else(|| PlanError::Unknown {
                what: "deployment",
                id: id.to_string(),
                known: self
                    .estate
                    .deployments
                    .iter()
                    .map(|d| d.id.clone())
                    .collect(),
            })
    }

    pub fn commitment(&self, id: &str) -> Result<&'a Commitment, PlanError> {
        self.estate
            .commitments
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| PlanError::Unknown {
                what: "commitment",
                id: id.to_string(),
                known: self
                    .estate
                    .commitments
                    .iter()
                    .map(|c| c.id.clone())
                    .collect(),
            })
    }

    /// The commitment's terms far enough to cover `at`.
    pub fn terms(&self, c: &Commitment, at: Time) -> Result<Vec<CommitmentTerm>, PlanError> {
        let res = self.estate.resource(&c.resource);
        let gone = res.and_then(|r| r.deleted.or(r.purged));
        commitment_terms(c, gone, add_months(at.max(c.start), 2)).map_err(|e| {
            PlanError::Rating(rating::RatingError::Invalid(format!(
                "commitment {}: {}: {}",
                c.id, e.path, e.message
            )))
        })
    }

    /// The commitment's term in force at `at` (or its first term, if it
    /// starts later); `None` when it has expired by then.
    pub fn term_at(&self, c: &Commitment, at: Time) -> Result<Option<CommitmentTerm>, PlanError> {
        let terms = self.terms(c, at)?;
        Ok(terms.into_iter().find(|t| t.end > at))
    }

    /// The commitment on a resource whose term is in force at `at`.
    pub fn active_commitment(
        &self,
        resource: &str,
        at: Time,
    ) -> Result<Option<(&'a Commitment, CommitmentTerm)>, PlanError> {
        for c in self
            .estate
            .commitments
            .iter()
            .filter(|c| c.resource == resource)
        {
            if c.start > at {
                continue;
            }
            if let Some(t) = self.term_at(c, at)?
                && t.start <= at
            {
                return Ok(Some((c, t)));
            }
        }
        Ok(None)
    }

    /// The commitment price per PTU per term: its own, else the book's.
    pub fn commitment_price(&self, c: &Commitment) -> Option<Decimal> {
        let region = &self.estate.resource(&c.resource)?.region;
        c.price.or_else(|| {
            self.prices
                .lookup(region, Sku::Regional, PriceKind::CommitmentMonth)
                .map(|p| p.amount)
        })
    }

    pub fn has_price(&self, region: &str, sku: Sku, kind: PriceKind) -> bool {
        self.prices.lookup(region, sku, kind).is_some()
    }

    /// Regional PTU deployed on a resource at `t`, less the deployments in `except`.
    pub fn regional_deployed(&self, resource: &str, t: Time, except: &[&str]) -> i64 {
        self.estate
            .deployments
            .iter()
            .filter(|d| {
                d.resource == resource && d.sku == Sku::Regional && !except.contains(&d.id.as_str())
            })
            .map(|d| d.ptu_at(t))
            .sum()
    }

    /// Future-dated reservations (bought after now, not refunded) of the
    /// region and type whose scope at purchase holds the resource: the
    /// purchases already planned for it.
    pub fn planned_reservations(&self, r: &Resource, sku: Sku) -> Vec<&'a Reservation> {
        self.estate
            .reservations
            .iter()
            .filter(|x| {
                x.start > self.now
                    && x.sku == sku
                    && x.region == r.region
                    && x.refunded_at.is_none()
                    && self.scopes.contains(super::edits::purchase_scope(x), r)
            })
            .collect()
    }

    /// An id no commitment or reservation (or deployment) uses yet.
    pub fn unique_id(&self, base: &str, taken: &[String]) -> String {
        let used = |id: &str| {
            self.estate.commitments.iter().any(|c| c.id == id)
                || self.estate.reservations.iter().any(|r| r.id == id)
                || self.estate.deployments.iter().any(|d| d.id == id)
                || taken.iter().any(|t| t == id)
        };
        if !used(base) {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|id| !used(id))
            .expect("some suffix is free")
    }

    /// The time left before an expiry honours the margin? The ideal instant
    /// (latest whole hour at or before `e - margin`) and whether it had to
    /// be moved to the next whole hour from now.
    pub fn before_expiry(&self, e: Time) -> (Time, bool) {
        let ideal = crate::domain::time::floor_hour(e - self.p.margin);
        if ideal < self.first {
            (self.first, true)
        } else {
            (ideal, false)
        }
    }
}

/// The renewal setting in force at an expiry: the last change made
/// strictly before it, else the original (docs/commitments.md#renewal-settings).
pub(crate) fn setting_at(c: &Commitment, expiry: Time) -> CommitmentRenewal {
    c.renewal_changes
        .iter()
        .take_while(|ch| ch.at < expiry)
        .last()
        .map_or(c.renewal, |ch| ch.renewal)
}

/// The portal's name of a renewal setting.
pub(crate) fn renewal_setting(r: CommitmentRenewal) -> String {
    match r {
        CommitmentRenewal::Autorenew => "\"Autorenew at current PTUs\"".into(),
        CommitmentRenewal::AutorenewLower(n) => format!("\"Autorenew at lower PTUs\" ({n} PTU)"),
        CommitmentRenewal::None => "\"Don't autorenew\"".into(),
    }
}

pub(crate) fn describe_renewal(r: CommitmentRenewal) -> String {
    match r {
        CommitmentRenewal::Autorenew => "autorenews at its current PTUs".into(),
        CommitmentRenewal::AutorenewLower(n) => format!("autorenews at {n} PTU"),
        CommitmentRenewal::None => "set not to renew".into(),
    }
}

/// Rounds PTUs up to a commitment's 50-PTU step.
pub(crate) fn ceil50(n: i64) -> i64 {
    if n <= 0 { 0 } else { (n + 49) / 50 * 50 }
}

/// Rounds PTUs up to a deployment type's step and minimum (docs/rating.md#deployment-sizes:
/// Global and Data Zone 15 in steps of 5; Regional 50 in steps of 50 for
/// the large models, 25 in steps of 25 for mini and nano ones).
pub(crate) fn deployment_size(n: i64, sku: Sku, model: &str) -> i64 {
    let (min, step) = match sku {
        Sku::Global | Sku::DataZone => (15, 5),
        Sku::Regional => {
            if model.contains("mini") || model.contains("nano") {
                (25, 25)
            } else {
                (50, 50)
            }
        }
    };
    let up = (n.max(1) + step - 1) / step * step;
    up.max(min)
}

/// Whole business days (Monday to Friday) after `t`.
pub(crate) fn business_days_after(t: Time, n: u32) -> Time {
    let mut d = t;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// The most PTU of a type deployed at once in a subscription and region
/// during `[from, to)`.
pub(crate) fn peak_deployed(
    e: &Estate,
    sub: &str,
    region: &str,
    sku: Sku,
    from: Time,
    to: Time,
) -> i64 {
    let on: BTreeSet<&str> = e
        .resources
        .iter()
        .filter(|r| r.subscription == sub && r.region == region)
        .map(|r| r.id.as_str())
        .collect();
    let deps: Vec<&Deployment> = e
        .deployments
        .iter()
        .filter(|d| d.sku == sku && on.contains(d.resource.as_str()))
        .collect();
    let mut instants = vec![from];
    for d in &deps {
        for s in &d.sizes {
            if s.at > from && s.at < to {
                instants.push(s.at);
            }
        }
    }
    instants
        .into_iter()
        .map(|t| deps.iter().map(|d| d.ptu_at(t)).sum::<i64>())
        .max()
        .unwrap_or(0)
}

/// The most PTU deployed at once during `[from, to)` of the deployments
/// that count against quota row `q`.
fn peak_counted(e: &Estate, q: &crate::domain::Quota, from: Time, to: Time) -> i64 {
    let deps: Vec<&Deployment> = e
        .deployments
        .iter()
        .filter(|d| {
            e.resource(&d.resource)
                .is_some_and(|r| q.counts_deployment(d, r))
        })
        .collect();
    let mut instants = vec![from];
    for d in &deps {
        for s in &d.sizes {
            if s.at > from && s.at < to {
                instants.push(s.at);
            }
        }
    }
    instants
        .into_iter()
        .map(|t| deps.iter().map(|d| d.ptu_at(t)).sum::<i64>())
        .max()
        .unwrap_or(0)
}

/// The quota precondition for a subscription, region and type in a what-if:
/// the pooled row of the type, and every model-specific row there (a
/// deployment counts against both).
pub(crate) fn quota_check(
    ctx: &Ctx,
    what_if: &Estate,
    sub: &str,
    region: &str,
    sku: Sku,
) -> Precondition {
    let peak = peak_deployed(what_if, sub, region, sku, ctx.from, ctx.to);
    let here =
        |q: &&crate::domain::Quota| q.subscription == sub && q.region == region && q.sku == sku;
    for q in ctx
        .estate
        .quotas
        .iter()
        .filter(here)
        .filter(|q| q.model.is_some())
    {
        let model_peak = peak_counted(what_if, q, ctx.from, ctx.to);
        if model_peak > q.limit {
            return Precondition {
                check: Check::Quota,
                status: Status::Unmet,
                text: format!(
                    "Quota: {model_peak} {} PTU deployed at the peak in {sub} / {region}, over that model's own limit of {}: request {} more first",
                    q.label(),
                    q.limit,
                    model_peak - q.limit
                ),
            };
        }
    }
    let row = ctx
        .estate
        .quotas
        .iter()
        .filter(here)
        .find(|q| q.model.is_none());
    match row {
        Some(q) if peak <= q.limit => Precondition {
            check: Check::Quota,
            status: Status::Met,
            text: format!(
                "Quota: {peak} {} PTU deployed at the peak in {sub} / {region}, within the limit of {}",
                sku.label(),
                q.limit
            ),
        },
        Some(q) => Precondition {
            check: Check::Quota,
            status: Status::Unmet,
            text: format!(
                "Quota: {peak} {} PTU deployed at the peak in {sub} / {region}, over the limit of {}: request {} more first",
                sku.label(),
                q.limit,
                peak - q.limit
            ),
        },
        None => Precondition {
            check: Check::Quota,
            status: Status::Unknown,
            text: format!(
                "Quota: {peak} {} PTU deployed at the peak in {sub} / {region}; no quota row for it (import `az cognitiveservices usage list`)",
                sku.label()
            ),
        },
    }
}

/// The service capacity precondition of deploying `ptu` PTU of a model
/// version in a region and type: met when Azure's last answer had room for
/// them, unmet when it had less, unknown without an answer; always with the
/// answer's age, since capacity moves and is never held for anyone.
pub(crate) fn capacity_check(
    estate: &Estate,
    now: Time,
    region: &str,
    sku: Sku,
    model: &str,
    version: &str,
    ptu: i64,
) -> Precondition {
    use crate::domain::capacity::{fmt_age, reported};
    let what = format!("{model} {version} {} in {region}", sku.label());
    match reported(estate, region, sku, model, version, now) {
        None => Precondition {
            check: Check::Capacity,
            status: Status::Unknown,
            text: format!(
                "Service capacity: no answer from Azure for {what} (run `ptudesk sync`, or import a modelCapacities answer): {ptu} PTU may not deploy"
            ),
        },
        Some(c) if c.available >= ptu => Precondition {
            check: Check::Capacity,
            status: Status::Met,
            text: format!(
                "Service capacity: Azure had {} PTU free for {what} as of {} ({} old), room for {ptu}; not held for you: deploy first, then buy",
                c.available,
                crate::domain::time::fmt_time(c.as_of),
                fmt_age(c.age_seconds)
            ),
        },
        Some(c) => Precondition {
            check: Check::Capacity,
            status: Status::Unmet,
            text: format!(
                "Service capacity: Azure had only {} PTU free for {what} as of {} ({} old), {ptu} needed: deploy elsewhere (`ptudesk capacity --model {model} --version {version} --ptu {ptu}`) or wait and sync again",
                c.available,
                crate::domain::time::fmt_time(c.as_of),
                fmt_age(c.age_seconds)
            ),
        },
    }
}

/// The models a committed resource runs that a commitment doesn't support.
pub(crate) fn unsupported_models<'e>(deps: impl Iterator<Item = &'e Deployment>) -> Vec<String> {
    deps.filter(|d| {
        d.sku == Sku::Regional && !crate::domain::commitment_supports(&d.model, &d.version)
    })
    .map(|d| format!("{} ({} {})", d.id, d.model, d.version))
    .collect()
}

/// The new reservation a plan buys, scoped to the resource's subscription.
pub(crate) fn new_reservation(
    id: String,
    name: String,
    r: &Resource,
    sku: Sku,
    ptu: i64,
    term: crate::domain::Term,
    start: Time,
) -> Reservation {
    use crate::domain::{Billing, ReservationRenewal, Scope, Term};
    Reservation {
        id,
        name,
        region: r.region.clone(),
        sku,
        ptu,
        term,
        billing: match term {
            Term::OneMonth => Billing::Upfront,
            Term::OneYear => Billing::Monthly,
        },
        start,
        scope: Scope::Subscription {
            subscription: r.subscription.clone(),
        },
        scope_changes: vec![],
        renewal: ReservationRenewal::Autorenew,
        renewal_changes: vec![],
        refunded_at: None,
        refunded_approximate: false,
        refunded_reported: false,
        moved_at: None,
        effective_from: None,
        price: None,
    }
}

/// Buys `new`, or, when purchases are already planned for it, re-dates and
/// resizes the first of them to be `new` (keeping its id, name and scope)
/// and drops the others. Returns the id that ends up bought.
pub(crate) fn purchase(
    ctx: &Ctx,
    o: &mut PlanOption,
    planned: &[&Reservation],
    new: Reservation,
) -> String {
    let (start, term) = (new.start, new.term);
    let id = purchase_as_planned(ctx, o, planned, new);
    stop_renewing_at_deletion(ctx, o, &id, start, term);
    id
}

fn purchase_as_planned(
    ctx: &Ctx,
    o: &mut PlanOption,
    planned: &[&Reservation],
    new: Reservation,
) -> String {
    use super::Edit;
    use super::edits::{describe_reservation, replanned};
    match planned.split_first() {
        Some((first, rest)) => {
            let billing = if first.term == new.term {
                first.billing
            } else {
                new.billing
            };
            let after = replanned(first, new.start, new.ptu, new.term, billing);
            o.edit(Edit::ReplanReservation {
                id: first.id.clone(),
                start: new.start,
                ptu: new.ptu,
                term: new.term,
                billing,
            });
            let action =
                if first.start == new.start && first.ptu == new.ptu && first.term == new.term {
                    format!(
                        "Buy reservation {} as already planned: {}",
                        first.id,
                        describe_reservation(&after)
                    )
                } else {
                    format!(
                        "Buy reservation {} (planned for {}, re-dated and resized here): {}",
                        first.id,
                        when(first.start),
                        describe_reservation(&after)
                    )
                };
            o.step(new.start, action);
            for x in rest {
                o.edit(Edit::RemoveReservation { id: x.id.clone() });
                o.step(
                    ctx.now,
                    format!(
                        "Drop the planned purchase of reservation {} ({} PTU on {}): {} replaces it",
                        x.id,
                        x.ptu,
                        when(x.start),
                        first.id
                    ),
                );
            }
            first.id.clone()
        }
        None => {
            let id = new.id.clone();
            o.step(
                new.start,
                format!("Buy reservation {id}: {}", describe_reservation(&new)),
            );
            o.edit(Edit::AddReservation(new));
            id
        }
    }
}

/// The start of a reservation's last term before `until`: the term in
/// force at `until` (or ending exactly then), each term starting where the
/// last ended.
pub(crate) fn last_term_start(start: Time, term: crate::domain::Term, until: Time) -> Time {
    let mut s = start;
    loop {
        let e = add_months(s, term.months());
        if e >= until {
            return s;
        }
        s = e;
    }
}

/// With a planned deletion, a purchase stops renewing once its term in
/// force at the deletion ends: its renewal is turned off from the start of
/// that term (earlier terms still renew).
pub(crate) fn stop_renewing_at_deletion(
    ctx: &Ctx,
    o: &mut PlanOption,
    id: &str,
    start: Time,
    term: crate::domain::Term,
) {
    let super::Lifetime::Until(deletion) = ctx.lifetime else {
        return;
    };
    let cut = last_term_start(start, term, deletion);
    let end = add_months(cut, term.months());
    o.edit(super::Edit::ReservationRenewal {
        id: id.to_string(),
        at: cut,
        renewal: crate::domain::ReservationRenewal::None,
    });
    o.step(
        cut,
        format!(
            "Set reservation {id} not to renew: its term {} .. {} is the last one the workload needs (planned deletion {})",
            when(cut),
            when(end),
            when(deletion)
        ),
    );
}

/// Turns a commitment's renewal to `to` now, for its expiry at `expiry`,
/// when that differs from the setting in force there.
pub(crate) fn set_renewal(
    ctx: &Ctx,
    o: &mut PlanOption,
    c: &Commitment,
    expiry: Time,
    to: CommitmentRenewal,
) {
    set_renewal_at(o, c, expiry, to, ctx.now.max(c.start), None);
}

/// Turns a commitment's renewal to `to` at `at` (before `expiry`, the
/// expiry it is for: renewals before `at` still happen), when that differs
/// from the setting in force there. `action` words the step (else "Set
/// commitment ... to ...").
pub(crate) fn set_renewal_at(
    o: &mut PlanOption,
    c: &Commitment,
    expiry: Time,
    to: CommitmentRenewal,
    at: Time,
    action: Option<String>,
) {
    if setting_at(c, expiry) == to {
        return;
    }
    o.edit(super::Edit::CommitmentRenewal {
        commitment: c.id.clone(),
        at,
        renewal: to,
    });
    if let Some(a) = action {
        o.step(at, a);
        return;
    }
    let what = match to {
        CommitmentRenewal::None => format!(
            "Set commitment {} to {}: it expires at {}",
            c.id,
            renewal_setting(to),
            when(expiry)
        ),
        _ => format!(
            "Set commitment {} to {}: it renews at {}",
            c.id,
            renewal_setting(to),
            when(expiry)
        ),
    };
    o.step(at, what);
}

/// The renewal a commitment should have once some of its resource's
/// Regional deployments leave: none when nothing stays, else the lower
/// count that covers what stays (never above the setting in force).
pub(crate) fn renewal_for_remaining(
    current: CommitmentRenewal,
    committed_at_end: i64,
    remaining: i64,
) -> CommitmentRenewal {
    if current == CommitmentRenewal::None || remaining <= 0 {
        return CommitmentRenewal::None;
    }
    let need = ceil50(remaining);
    let renews_at = match current {
        CommitmentRenewal::AutorenewLower(n) => n,
        _ => committed_at_end,
    };
    if need < renews_at {
        CommitmentRenewal::AutorenewLower(need)
    } else {
        current
    }
}

/// What becomes of the discounts that covered the old deployment: their
/// idle cost in each option, and the deployments they could still cover.
/// `target`: the resource a moved deployment goes to (its type stays);
/// `None` for a conversion (the type changes).
pub(crate) fn old_discounts(
    ctx: &Ctx,
    set: &mut super::PlanSet,
    dep: &str,
    old: &[String],
    w: Time,
    target: Option<&Resource>,
) {
    for id in old {
        let Some(res) = ctx.estate.reservations.iter().find(|r| &r.id == id) else {
            if ctx.estate.commitments.iter().any(|x| &x.id == id) {
                set.notes.push(format!(
                    "Commitment {id} covers {} until the switch; what it no longer covers until its expiry shows as unused.",
                    dep
                ));
            }
            continue;
        };
        let idle: Vec<String> = set
            .options
            .iter()
            .map(|o| {
                let cost: Decimal = o
                    .windows
                    .iter()
                    .filter(|x| {
                        x.kind == crate::rating::WindowKind::Unused
                            && crate::domain::terms::base_id(&x.subject) == id
                    })
                    .map(|x| x.cost)
                    .sum();
                format!(
                    "{} {}",
                    o.name,
                    crate::domain::money::fmt_money_grouped(cost)
                )
            })
            .collect();
        let scope = crate::domain::terms::scope_at(res, w);
        let in_scope: Vec<String> =
            ctx.estate
                .deployments
                .iter()
                .filter(|d| {
                    d.id != dep
                        && d.sku == res.sku
                        && d.ptu_at(w) > 0
                        && ctx.estate.resource(&d.resource).is_some_and(|rr| {
                            rr.region == res.region && ctx.scopes.contains(scope, rr)
                        })
                })
                .map(|d| format!("{} ({} PTU)", d.id, d.ptu_at(w)))
                .collect();
        let outside: Vec<String> = ctx
            .estate
            .deployments
            .iter()
            .filter(|d| {
                d.id != dep
                    && d.sku == res.sku
                    && d.ptu_at(w) > 0
                    && ctx.estate.resource(&d.resource).is_some_and(|rr| {
                        rr.region == res.region && !ctx.scopes.contains(scope, rr)
                    })
            })
            .map(|d| format!("{} on {}", d.id, d.resource))
            .collect();
        let mut text = format!(
            "Reservation {id} ({} PTU {} in {}) covered {}; from {} its capacity idles unless other {} deployments use it (unused over the horizon: {}).",
            res.ptu,
            res.sku.label(),
            res.region,
            dep,
            when(w),
            res.sku.label(),
            idle.join(", ")
        );
        if in_scope.is_empty() {
            text.push_str(" No other deployment in its scope can use it.");
        } else {
            text.push_str(&format!(
                " In its scope it still covers: {}.",
                in_scope.join(", ")
            ));
        }
        if !outside.is_empty() {
            text.push_str(&format!(
                " A scope change (free, any time) could reach: {}.",
                outside.join(", ")
            ));
        }
        let planned = res.start > ctx.now;
        if planned {
            text.push_str(&format!(
                " It is only planned (bought {}): not bought yet, so options that leave it idle resize or drop the purchase (see their steps) rather than refund it.",
                when(res.start)
            ));
        }
        let rescoped: Vec<&str> = set
            .options
            .iter()
            .filter(|o| {
                o.edits
                    .iter()
                    .any(|e| matches!(e, super::Edit::ReservationScope { id: x, .. } if x == id))
            })
            .map(|o| o.name.as_str())
            .collect();
        match target {
            None if planned => text.push_str(
                " A reservation can't be exchanged for another deployment type: the new type needs its own.",
            ),
            None => text.push_str(" Exchanging it for another deployment type isn't possible: let it expire (set it not to renew) or cancel it within the refund limit."),
            Some(t) if !rescoped.is_empty() => text.push_str(&format!(
                " {} change its scope to one that holds {} (free of charge), so it follows the deployment.",
                rescoped.join(" and "),
                t.id
            )),
            Some(t) if t.region == res.region => text.push_str(&format!(
                " Changing its scope to one that holds {} (subscription {}, or shared) lets it follow the deployment, free of charge.",
                t.id, t.subscription
            )),
            Some(t) if planned => text.push_str(&format!(
                " It can't follow the deployment to {} (reservations are per region).",
                t.region
            )),
            Some(t) => text.push_str(&format!(
                " It can't follow the deployment to {} (reservations are per region): let it expire or cancel it within the refund limit.",
                t.region
            )),
        }
        set.notes.push(text);
    }
}

/// Whether the option already changes reservation `id` (re-dates, resizes,
/// drops or re-scopes it).
pub(crate) fn touches_reservation(o: &PlanOption, id: &str) -> bool {
    o.edits.iter().any(|e| match e {
        super::Edit::ReplanReservation { id: x, .. }
        | super::Edit::RemoveReservation { id: x }
        | super::Edit::ReservationScope { id: x, .. } => x == id,
        _ => false,
    })
}

/// Resizes or drops the purchases already planned (future-dated
/// reservations, not bought yet, so free to change) of `sku` whose scope
/// holds `from`, when the option leaves them less to cover: each is sized
/// to what no other discount covers in its scope once the option's steps
/// are made (with the deployments `gone` deleted at `settled`; `what` names
/// them in the steps), at the first whole hour
/// after both its start and `settled`, and at every later commitment
/// expiry in its scope within the horizon, whichever needs most; nothing
/// left, it is dropped. Reservations the option already changes are left
/// alone.
pub(crate) fn trim_planned(
    ctx: &Ctx,
    o: &mut PlanOption,
    from: &Resource,
    sku: Sku,
    gone: &[&str],
    what: &str,
    settled: Time,
) -> Result<(), PlanError> {
    use super::Edit;
    for x in ctx.planned_reservations(from, sku) {
        if touches_reservation(o, &x.id) {
            continue;
        }
        let mut edits = o.edits.clone();
        for g in gone {
            edits.push(Edit::DeleteDeployment {
                deployment: g.to_string(),
                at: settled,
            });
        }
        edits.push(Edit::RemoveReservation { id: x.id.clone() });
        let probe = super::apply_edits(ctx.estate, &edits)?;
        let h0 = ceil_hour(x.start.max(settled));
        let mut hours = vec![h0];
        let scope = super::edits::purchase_scope(x);
        for c in &probe.commitments {
            let Some(res) = probe.resource(&c.resource) else {
                continue;
            };
            if res.region != x.region || !ctx.scopes.contains(scope, res) {
                continue;
            }
            for t in self_terms(ctx, c)? {
                if t.end > h0 && t.end < ctx.to {
                    hours.push(ceil_hour(t.end));
                }
            }
        }
        let mut need = 0;
        for h in hours {
            let s = crate::domain::terms::scope_at(x, h);
            let u = ctx.uncovered_where(&probe, h, |d, r| {
                d.sku == sku && r.region == x.region && ctx.scopes.contains(s, r)
            })?;
            need = need.max(u.uncovered);
        }
        if need >= x.ptu {
            continue;
        }
        if need == 0 {
            o.edit(Edit::RemoveReservation { id: x.id.clone() });
            o.step(
                ctx.now,
                format!(
                    "Drop the planned purchase of reservation {} ({} PTU {} from {}): once {what} goes, nothing in its scope needs it (not bought yet, so nothing to refund)",
                    x.id,
                    x.ptu,
                    sku.label(),
                    when(x.start)
                ),
            );
        } else {
            o.edit(Edit::ReplanReservation {
                id: x.id.clone(),
                start: x.start,
                ptu: need,
                term: x.term,
                billing: x.billing,
            });
            o.step(
                ctx.now,
                format!(
                    "Resize the planned purchase of reservation {} from {} to {need} PTU {} (bought {}): what its scope still needs once {what} goes",
                    x.id,
                    x.ptu,
                    sku.label(),
                    when(x.start)
                ),
            );
        }
    }
    Ok(())
}

/// A commitment's terms up to the horizon's end, from its own settings
/// (a what-if's, not the estate's).
fn self_terms(ctx: &Ctx, c: &Commitment) -> Result<Vec<CommitmentTerm>, PlanError> {
    let res = ctx.estate.resource(&c.resource);
    let gone = res.and_then(|r| r.deleted.or(r.purged));
    commitment_terms(c, gone, ctx.to).map_err(|e| {
        PlanError::Rating(rating::RatingError::Invalid(format!(
            "commitment {}: {}: {}",
            c.id, e.path, e.message
        )))
    })
}

/// The narrowest scope that holds both what `scope` holds and `target`, as
/// a free scope change (docs/reservations.md#scope-changes): the subscription, when a resource
/// group scope is in the target's subscription; else shared, the billing
/// account of the target's subscription, when it holds every subscription
/// the scope reaches. A management group is not tried: another
/// reservation's group above or below it would make it a conflict Azure
/// refuses. `None` when no scope change reaches the target.
pub(crate) fn widened(
    ctx: &Ctx,
    scope: &crate::domain::Scope,
    target: &Resource,
) -> Option<crate::domain::Scope> {
    use crate::domain::Scope;
    if ctx.scopes.contains(scope, target) {
        return None;
    }
    if let Scope::ResourceGroup { subscription, .. } = scope
        && *subscription == target.subscription
    {
        return Some(Scope::Subscription {
            subscription: subscription.clone(),
        });
    }
    let ba = ctx
        .estate
        .billing_accounts
        .iter()
        .find(|b| b.subscriptions.contains(&target.subscription))?;
    let reached = ctx
        .estate
        .resources
        .iter()
        .filter(|r| ctx.scopes.contains(scope, r))
        .all(|r| ba.subscriptions.contains(&r.subscription));
    if !reached {
        return None;
    }
    Some(Scope::Shared {
        billing_account: ba.id.clone(),
    })
}

/// Reservations that covered `gone` (existing purchases, not refunded) and
/// would renew with too little left to cover once the option's steps are
/// made: each one's next expiry after now is checked on the option's
/// what-if (the hour before it, rated by the core); nothing used then, its
/// renewal is turned off; less than its PTU used, it is replaced at
/// expiry by a reservation of the PTU still used (rounded up). Returns the
/// ids changed.
pub(crate) fn renewals_for_idle(
    ctx: &Ctx,
    o: &mut PlanOption,
    covering: &[String],
    why: &str,
) -> Result<Vec<String>, PlanError> {
    use crate::domain::ReservationRenewal;
    use crate::domain::terms::{reservation_renewal_for, reservation_terms};
    let mut changed = Vec::new();
    let what_if = super::apply_edits(ctx.estate, &o.edits)?;
    for id in covering {
        let Some(r) = ctx
            .estate
            .reservations
            .iter()
            .find(|r| &r.id == id && r.refunded_at.is_none() && r.start <= ctx.now)
        else {
            continue;
        };
        if touches_reservation(o, id) {
            continue;
        }
        let terms = reservation_terms(r, add_months(ctx.now, 13)).map_err(|e| {
            PlanError::Rating(rating::RatingError::Invalid(format!(
                "reservation {}: {}: {}",
                r.id, e.path, e.message
            )))
        })?;
        let Some(term) = terms.iter().find(|t| t.end > ctx.now) else {
            continue;
        };
        let expiry = term.end;
        if reservation_renewal_for(r, expiry) == ReservationRenewal::None {
            continue;
        }
        let hour = crate::domain::time::floor_hour(expiry - Duration::seconds(1));
        let used = match rating::coverage::instrument_coverage(
            &what_if,
            self_book(ctx),
            &ctx.p.rating,
            &r.id,
            hour,
            hour + Duration::hours(1),
        )? {
            Some(c) => (c.used_ptu_minutes + 59) / 60,
            None => 0,
        };
        if used >= term.ptu {
            continue;
        }
        let at = ctx.now.max(r.start);
        let (renewal, action) = if used == 0 {
            (
                ReservationRenewal::None,
                format!(
                    "Set reservation {} ({} PTU {} in {}) not to renew: it expires {} and nothing in its scope uses it once {why}",
                    r.id,
                    term.ptu,
                    r.sku.label(),
                    r.region,
                    when(expiry)
                ),
            )
        } else {
            (
                ReservationRenewal::Replace {
                    ptu: Some(used),
                    term: None,
                    billing: None,
                    name: None,
                },
                format!(
                    "Set reservation {} to renew at {used} PTU instead of {} (a replacement purchase at its expiry {}): only {used} PTU in its scope still use it once {why}",
                    r.id,
                    term.ptu,
                    when(expiry)
                ),
            )
        };
        o.edit(super::Edit::ReservationRenewal {
            id: r.id.clone(),
            at,
            renewal,
        });
        o.step(at, action);
        changed.push(r.id.clone());
    }
    Ok(changed)
}

fn self_book<'a>(ctx: &Ctx<'a>) -> &'a PriceBook {
    ctx.book
}

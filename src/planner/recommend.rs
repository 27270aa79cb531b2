//! Purchase recommendations: what to reserve, for how long, at which scope,
//! in how many steps; and the expiry ladder of what is reserved and
//! committed already.
//!
//! Every figure comes from the rating core: the demand is what the core
//! rates at the hourly rate, hour by hour
//! ([`rating::forecast_with_overage`]), and each recommendation is priced
//! as a what-if (the estate with its changes made) against doing nothing,
//! on the amortized basis, over the horizon.
//!
//! # Rules
//!
//! - Demand. A deployment with something planned after now (a resize, a
//!   deletion, its account's deletion or purge, or a creation) is taken as
//!   planned. Any other deployment repeats its lookback: the sizes it had
//!   over the last 7, 30 or 60 days (from its creation when it is younger),
//!   replayed from now on, period after period. A deployment whose size
//!   never changed in the lookback stays as it is. The demand of a
//!   recommendation is the PTU that pays hourly after every discount in
//!   force and planned (purchases planned, expiries, renewals turned off).
//! - Groups. Per region and deployment type, the resources that pay hourly
//!   are grouped by the scope a purchase takes: `subscription`,
//!   `resource-group`, `shared` (the billing account; a subscription in
//!   none keeps its own), `management-group` (the group that lists the
//!   subscription; else the subscription), or `auto`: shared when the
//!   hourly PTU of a billing account is spread over more than one
//!   subscription, else the subscription.
//! - Idle capacity first. A reservation of the same region and type, in
//!   force now, with idle capacity over the horizon and a scope that misses
//!   the group, is re-scoped to it (free, any time; to the billing account
//!   when it is partly used where it is, so it keeps covering that). A
//!   purchase is sized on what still pays hourly after that, so none is
//!   recommended while such capacity sits idle. Each idle reservation is
//!   offered to one group only (the first in order).
//! - Term. `both`: one year when the group's lifetime
//!   ([`super::lifetime_of`]) reaches the yearly price over the monthly
//!   price in months, else one month; `P1M`/`P1Y` force it. A term ends its
//!   renewals at a planned deletion (the renewal turned off from the start
//!   of the term in force then).
//! - Size. The hours counted run from the first that pays hourly to the end
//!   of the horizon (one year: at most a year; one month with a planned
//!   deletion: until the deletion). The quantity is the largest PTU count
//!   paid hourly in at least the break-even share of those hours (term
//!   price a month / (730 x hourly price)); each further PTU is used less
//!   than that and stays hourly. The purchase is dated at the first hour
//!   the demand reaches the quantity (never before the next whole hour):
//!   at an expiry, the expiry.
//! - Billing: `--billing`, else one-month terms up front and one-year terms
//!   monthly.
//! - Ladder of N: the same quantity in N tranches of one-year terms, the
//!   first bought at the purchase date, tranche k (k = 0..N-1) bought 12k/N
//!   months later, each covered until then by a one-month reservation of
//!   its size set not to renew at its one-year start. Expiries spread over
//!   the year; the ladder is priced like a purchase, and its cost against
//!   one purchase is the difference of their savings.
//! - Expiry ladder: per region and type, each instrument's next expiry
//!   within the horizon, by month. An expiry cliff: more than half of the
//!   PTU of a region and type in force now expires within 30 days of one
//!   date. One-month terms that autorenew at the same size roll over every
//!   month and are not counted as expiring.

use super::edits::apply_edits;
use super::lifetime::lifetime_of;
use super::remedies::each;
use super::{PlanError, when};
use crate::domain::plan::{Edit, Lifetime, Step};
use crate::domain::prices::{PriceBook, PriceKind};
use crate::domain::terms::{self, base_id};
use crate::domain::time::{Time, add_months, ceil_hour, floor_hour, month_start};
use crate::domain::{
    Billing, CommitmentRenewal, Estate, Reservation, ReservationRenewal, ReservationRenewalChange,
    Scope, Size, Sku, Term,
};
use crate::rating::engine::OverageClass;
use crate::rating::whatif::{Touched, restrict};
use crate::rating::{self, Basis, Bucket, Forecast, Request};
use chrono::Duration;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::{BTreeMap, BTreeSet};

/// Which terms may be recommended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermChoice {
    OneMonth,
    OneYear,
    /// By the lifetime (see the module's rules).
    Both,
}

/// The scope a purchase takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeMode {
    Auto,
    Shared,
    Subscription,
    ResourceGroup,
    ManagementGroup,
}

/// What `recommend` is asked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub lookback: Duration,
    pub horizon: Duration,
    pub term: TermChoice,
    pub billing: Option<Billing>,
    pub scope: ScopeMode,
    /// Tranches (1: a single purchase).
    pub ladder: u32,
}

impl Settings {
    pub fn new() -> Settings {
        Settings {
            lookback: Duration::days(30),
            horizon: Duration::days(365),
            term: TermChoice::Both,
            billing: None,
            scope: ScopeMode::Auto,
            ladder: 1,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::new()
    }
}

/// Where a recommendation's demand comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemandSource {
    /// Every deployment has its future planned.
    Planned,
    /// Every deployment repeats its lookback.
    Lookback,
    /// Some of each.
    Mixed,
}

impl DemandSource {
    pub fn name(self) -> &'static str {
        match self {
            DemandSource::Planned => "planned",
            DemandSource::Lookback => "lookback",
            DemandSource::Mixed => "planned+lookback",
        }
    }
}

/// What a recommendation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Buy a reservation (after any re-scope).
    Buy,
    /// Re-scope idle reservations; nothing to buy.
    Rescope,
    /// Nothing pays off: stay on the hourly rate.
    StayHourly,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Buy => "buy",
            Action::Rescope => "rescope",
            Action::StayHourly => "stay_hourly",
        }
    }
}

/// One tranche of a ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tranche {
    pub ptu: i64,
    /// The one-year term's start (a bridge of one-month terms before it).
    pub start: Time,
    pub expires: Time,
}

/// A purchase laddered in tranches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder {
    pub tranches: Vec<Tranche>,
    pub saving_horizon: Decimal,
    /// What the ladder costs more than one purchase over the horizon (its
    /// saving less).
    pub extra_cost: Decimal,
    pub changes: Vec<Edit>,
    pub steps: Vec<Step>,
}

/// One recommendation: a region, a deployment type and a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    /// 1-based, the number `--apply` takes.
    pub n: usize,
    pub region: String,
    pub sku: Sku,
    pub scope: Scope,
    /// The resources of the group that pay hourly.
    pub resources: Vec<String>,
    pub demand: DemandSource,
    pub lifetime: Lifetime,
    pub action: Action,
    pub quantity: i64,
    pub term: Option<Term>,
    pub billing: Option<Billing>,
    /// The purchase's date.
    pub start: Option<Time>,
    /// The purchase's charges over the horizon (amortized).
    pub cost_horizon: Decimal,
    /// The quantity's price a month (a one-year term's twelfth).
    pub cost_month: Decimal,
    /// Doing nothing less the recommendation, amortized, over the horizon.
    pub saving_horizon: Decimal,
    /// The same a month (730 hours).
    pub saving_month: Decimal,
    /// Months of full use at the hourly rate that pay for the term.
    pub break_even_months: Option<Decimal>,
    /// The share of hours a PTU must be used to pay off.
    pub break_even_share: Option<Decimal>,
    /// The share of the sized hours the quantity is used in.
    pub used_share: Decimal,
    /// The purchase's utilisation over the horizon (used / capacity).
    pub utilisation: Option<Decimal>,
    /// Share of the group's deployed PTU-minutes covered by discounts over
    /// the horizon, before and after.
    pub coverage_before: Decimal,
    pub coverage_after: Decimal,
    /// The peak PTU paying hourly in the sized hours.
    pub peak_hourly: i64,
    /// What stays hourly and why (or why nothing is bought).
    pub rest: Option<String>,
    /// Idle reservations re-scoped first.
    pub rescoped: Vec<String>,
    /// A conversion that would use idle capacity of another type.
    pub conversion: Option<String>,
    pub summary: String,
    pub changes: Vec<Edit>,
    pub steps: Vec<Step>,
    pub ladder: Option<Ladder>,
}

impl Recommendation {
    /// The changes `--apply` writes: the ladder's when there is one.
    pub fn applied_changes(&self) -> &[Edit] {
        match &self.ladder {
            Some(l) => &l.changes,
            None => &self.changes,
        }
    }
}

/// PTU of one region and type expiring in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryMonth {
    pub region: String,
    pub sku: Sku,
    /// The month's first instant.
    pub month: Time,
    pub reserved_ptu: i64,
    pub committed_ptu: i64,
    /// (instrument, PTU, expiry, renews).
    pub instruments: Vec<(String, i64, Time, bool)>,
}

/// An expiry cliff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cliff {
    pub region: String,
    pub sku: Sku,
    /// The first and last expiry of the cliff (within 30 days).
    pub from: Time,
    pub to: Time,
    pub ptu: i64,
    /// The region's and type's discounted PTU in force now.
    pub total: i64,
    pub instruments: Vec<String>,
}

/// The answer of [`recommend`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub now: Time,
    pub from: Time,
    pub to: Time,
    pub lookback_days: i64,
    pub rows: Vec<Recommendation>,
    pub expiries: Vec<ExpiryMonth>,
    pub cliffs: Vec<Cliff>,
}

/// The estate the demand is rated on: each deployment with nothing planned
/// after `now` repeats its lookback up to `to`. Also which deployments are
/// planned.
pub fn demand_estate(
    estate: &Estate,
    now: Time,
    lookback: Duration,
    to: Time,
) -> (Estate, BTreeSet<String>) {
    let mut e = estate.clone();
    let mut planned = BTreeSet::new();
    for d in &mut e.deployments {
        let res = estate.resource(&d.resource);
        let ends = [
            d.deleted,
            res.and_then(|r| r.deleted),
            res.and_then(|r| r.purged),
        ];
        if d.created() > now
            || d.sizes.iter().any(|s| s.at > now)
            || ends.iter().flatten().any(|t| *t > now)
        {
            planned.insert(d.id.clone());
            continue;
        }
        if ends.iter().flatten().any(|t| *t <= now) {
            continue;
        }
        let start = (now - lookback).max(d.created());
        let period = now - start;
        if period < Duration::hours(1) {
            continue;
        }
        let mut pattern: Vec<(Duration, i64)> = vec![(Duration::zero(), d.ptu_at(start))];
        for s in d.sizes.iter().filter(|s| s.at > start && s.at < now) {
            pattern.push((s.at - start, s.ptu));
        }
        if pattern.iter().all(|p| p.1 == d.ptu_at(now)) {
            continue;
        }
        let mut k = 0i32;
        'cycles: loop {
            for &(off, ptu) in &pattern {
                let at = now + period * k + off;
                if at >= to {
                    break 'cycles;
                }
                let last = d.sizes.last().expect("a deployment has a size");
                if last.ptu == ptu {
                    continue;
                }
                if last.at == at {
                    d.sizes.pop();
                    if d.sizes.last().is_some_and(|l| l.ptu == ptu) {
                        continue;
                    }
                }
                d.sizes.push(Size {
                    at,
                    ptu,
                    approximate: false,
                });
            }
            k += 1;
        }
    }
    (e, planned)
}

fn sku_slug(sku: Sku) -> &'static str {
    match sku {
        Sku::Global => "global",
        Sku::DataZone => "datazone",
        Sku::Regional => "regional",
    }
}

/// An id none of the estate's objects uses yet (nor `taken`).
fn fresh_id(e: &Estate, taken: &BTreeSet<String>, base: &str) -> String {
    let used = |id: &str| {
        taken.contains(id)
            || e.commitments.iter().any(|c| c.id == id)
            || e.reservations.iter().any(|r| r.id == id)
            || e.deployments.iter().any(|d| d.id == id)
    };
    if !used(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !used(id))
        .expect("a suffix is free")
}

/// Hours of `[from, to)` as a count.
fn hours(from: Time, to: Time) -> usize {
    (to - from).num_hours().max(0) as usize
}

/// The rating of one (region, type) part over the horizon, with its hourly
/// usage per resource, hour by hour (PTU-minutes).
#[derive(Clone)]
struct Rated {
    f: Forecast,
    by_resource: BTreeMap<String, Vec<i64>>,
}

impl Rated {
    /// With each resource's hours summed into one: all a row reads of a
    /// purchase's or a ladder's what-if (its totals, and the PTU-minutes
    /// still paying hourly per resource), kept while the other what-ifs
    /// are rated without a year of hours per resource each.
    fn summed(mut self) -> Rated {
        for v in self.by_resource.values_mut() {
            *v = vec![v.iter().sum()];
        }
        self
    }
}

struct Ctx<'a> {
    book: &'a PriceBook,
    prices: PriceBook,
    opts: &'a rating::Options,
    from: Time,
    to: Time,
    /// Overage-class buffers of finished ratings, for the next: a rating
    /// records hundreds of thousands of classes, and memory used before
    /// costs no page faults.
    spare: std::sync::Mutex<Vec<Vec<OverageClass>>>,
}

impl Ctx<'_> {
    fn rate(&self, e: &Estate) -> Result<Rated, PlanError> {
        let req = Request {
            from: self.from,
            to: self.to,
            basis: Basis::Amortized,
            by: Bucket::Month,
        };
        // `rating::forecast_with_overage` without the windows'
        // explanations: nothing here reads them.
        rating::check_request(&req)?;
        let mut prepared =
            rating::prepare::Prepared::new(e, self.book, req.from, req.to, self.opts)?;
        prepared.explain = false;
        let mut classes = self
            .spare
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_default();
        let (f, _, _) = rating::engine::rate_recording(&prepared, &req, false, Some(&mut classes))?;
        let n = hours(self.from, self.to);
        let from_h = crate::rating::prepare::hour_index(self.from);
        // Per resource index first (a class names its resource by index),
        // then by id.
        let mut by_index: Vec<Option<Vec<i64>>> = vec![None; e.resources.len()];
        for OverageClass {
            resource,
            start_h,
            end_h,
            ptu_minutes,
            ..
        } in classes.drain(..)
        {
            let v = by_index[resource].get_or_insert_with(|| vec![0; n]);
            let a = (start_h - from_h).max(0) as usize;
            let b = ((end_h - from_h).max(0) as usize).min(n);
            for x in v.iter_mut().take(b).skip(a) {
                *x += ptu_minutes;
            }
        }
        if let Ok(mut s) = self.spare.lock() {
            s.push(classes);
        }
        // Resource ids are unique (validated), so each index's hours are
        // its id's.
        let by_resource: BTreeMap<String, Vec<i64>> = by_index
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| Some((e.resources[i].id.clone(), v?)))
            .collect();
        Ok(Rated { f, by_resource })
    }

    fn price(&self, region: &str, sku: Sku, kind: PriceKind) -> Option<Decimal> {
        self.prices.lookup(region, sku, kind).map(|p| p.amount)
    }

    /// A term's price per PTU a month (a year's twelfth).
    fn month_price(&self, region: &str, sku: Sku, term: Term) -> Option<Decimal> {
        match term {
            Term::OneMonth => self.price(region, sku, PriceKind::ReservationMonth),
            Term::OneYear => self
                .price(region, sku, PriceKind::ReservationYear)
                .map(|y| y / Decimal::from(12)),
        }
    }
}

/// The group's profile in PTU an hour (PTU-minutes / 60).
fn profile(r: &Rated, resources: &[String], n: usize) -> Vec<Decimal> {
    let mut out = vec![0i64; n];
    for id in resources {
        if let Some(v) = r.by_resource.get(id) {
            for (o, x) in out.iter_mut().zip(v) {
                *o += x;
            }
        }
    }
    out.into_iter()
        .map(|m| Decimal::from(m) / Decimal::from(60))
        .collect()
}

/// PTU-minutes a deployment is deployed in `[from, to)`.
fn deployed_minutes(e: &Estate, d: &crate::domain::Deployment, from: Time, to: Time) -> i64 {
    let purged = e.resource(&d.resource).and_then(|r| r.purged);
    let end = [d.deleted, purged].into_iter().flatten().min();
    let mut total = 0i64;
    for (i, s) in d.sizes.iter().enumerate() {
        let mut b = d.sizes.get(i + 1).map_or(to, |n| n.at).min(to);
        if let Some(x) = end {
            b = b.min(x);
        }
        let a = s.at.max(from);
        if b > a {
            total += s.ptu * (b - a).num_minutes();
        }
    }
    total
}

/// The scope a purchase for a resource takes under `mode` (auto decided
/// by the caller).
fn scope_for(e: &Estate, r: &crate::domain::Resource, mode: ScopeMode) -> Scope {
    let sub = || Scope::Subscription {
        subscription: r.subscription.clone(),
    };
    match mode {
        ScopeMode::Subscription | ScopeMode::Auto => sub(),
        ScopeMode::ResourceGroup => Scope::ResourceGroup {
            subscription: r.subscription.clone(),
            resource_group: r.resource_group.clone(),
        },
        ScopeMode::Shared => e
            .billing_accounts
            .iter()
            .find(|b| b.subscriptions.contains(&r.subscription))
            .map_or_else(sub, |b| Scope::Shared {
                billing_account: b.id.clone(),
            }),
        ScopeMode::ManagementGroup => e
            .management_groups
            .iter()
            .find(|g| g.subscriptions.contains(&r.subscription))
            .map_or_else(sub, |g| Scope::ManagementGroup {
                management_group: g.id.clone(),
            }),
    }
}

/// Groups the resources paying hourly by the scope a purchase takes.
fn groups(
    e: &Estate,
    paying: &[String],
    mode: ScopeMode,
) -> BTreeMap<String, (Scope, Vec<String>)> {
    let mut out: BTreeMap<String, (Scope, Vec<String>)> = BTreeMap::new();
    let mode_for = |r: &crate::domain::Resource| -> ScopeMode {
        if mode != ScopeMode::Auto {
            return mode;
        }
        let Some(ba) = e
            .billing_accounts
            .iter()
            .find(|b| b.subscriptions.contains(&r.subscription))
        else {
            return ScopeMode::Subscription;
        };
        let subs: BTreeSet<&str> = paying
            .iter()
            .filter_map(|id| e.resource(id))
            .filter(|x| ba.subscriptions.contains(&x.subscription))
            .map(|x| x.subscription.as_str())
            .collect();
        if subs.len() > 1 {
            ScopeMode::Shared
        } else {
            ScopeMode::Subscription
        }
    };
    for id in paying {
        let Some(r) = e.resource(id) else { continue };
        let scope = scope_for(e, r, mode_for(r));
        let key = format!("{}:{scope}", scope.level());
        out.entry(key)
            .or_insert_with(|| (scope, vec![]))
            .1
            .push(id.clone());
    }
    out
}

fn pct(d: Decimal) -> String {
    format!("{}%", (d * Decimal::from(100)).round())
}

fn term_words(t: Term) -> &'static str {
    match t {
        Term::OneMonth => "one-month",
        Term::OneYear => "one-year",
    }
}

/// The share of `hours` at or above `level`.
fn share_at(hours: &[Decimal], level: i64) -> Decimal {
    if hours.is_empty() {
        return Decimal::ZERO;
    }
    let n = hours
        .iter()
        .filter(|p| p.floor().to_i64().unwrap_or(0) >= level)
        .count();
    Decimal::from(n as i64) / Decimal::from(hours.len() as i64)
}

#[allow(clippy::too_many_arguments)]
fn reservation(
    id: String,
    region: &str,
    sku: Sku,
    ptu: i64,
    term: Term,
    billing: Billing,
    start: Time,
    scope: Scope,
    renewal_off_at: Option<Time>,
) -> Reservation {
    Reservation {
        id: id.clone(),
        name: id,
        region: region.to_string(),
        sku,
        ptu,
        term,
        billing,
        start,
        scope,
        scope_changes: vec![],
        renewal: ReservationRenewal::Autorenew,
        renewal_changes: renewal_off_at
            .map(|t| ReservationRenewalChange {
                at: t.max(start),
                renewal: ReservationRenewal::None,
                approximate: false,
            })
            .into_iter()
            .collect(),
        refunded_at: None,
        refunded_approximate: false,
        refunded_reported: false,
        moved_at: None,
        effective_from: None,
        price: None,
    }
}

/// The instant a term starting at `start` should stop renewing for a
/// workload that ends at `end`: the start of the term in force at `end`.
fn renewal_off_for(start: Time, term: Term, end: Time) -> Time {
    let mut s = start;
    let mut k = 1;
    loop {
        let next = add_months(start, term.months() * k);
        if next >= end {
            return s;
        }
        s = next;
        k += 1;
    }
}

/// Each key's part of `demand`, rated, in the keys' order (the parts are
/// independent: [`each`]).
fn rate_parts(
    ctx: &Ctx,
    demand: &Estate,
    keys: &BTreeSet<(String, Sku)>,
) -> Vec<Result<(Estate, Rated), PlanError>> {
    let keys: Vec<&(String, Sku)> = keys.iter().collect();
    each(&keys, |key| {
        let part = restrict(
            demand,
            &Touched {
                keys: BTreeSet::from([(*key).clone()]),
                managed_compute: false,
            },
        );
        ctx.rate(&part).map(|r| (part, r))
    })
}

/// The what-ifs of one pass over the groups. Nothing a pass decides
/// depends on the figures of a purchase's or a ladder's what-if (only the
/// rows' numbers do), so a first pass collects their edited parts, they are
/// rated side by side ([`each`]), and a second pass reads each in the
/// order it asked for it. A free re-scope's rating sizes the purchase: the
/// first pass rates it and the second reads it back.
enum Pass<'p> {
    Collect {
        jobs: &'p mut Vec<Estate>,
        free: &'p mut Vec<Rated>,
    },
    Replay {
        rated: std::vec::IntoIter<Result<Rated, PlanError>>,
        free: std::vec::IntoIter<Rated>,
    },
}

impl Pass<'_> {
    /// The part with idle reservations re-scoped, rated.
    fn free(&mut self, ctx: &Ctx, e: &Estate) -> Result<Rated, PlanError> {
        match self {
            Pass::Collect { free, .. } => {
                let r = ctx.rate(e)?;
                free.push(r.clone());
                Ok(r)
            }
            Pass::Replay { free, .. } => Ok(free.next().expect("the first pass rated it")),
        }
    }

    /// A purchase's or a ladder's what-if: in the first pass `e` is kept
    /// and `stand_in` answers (its figures are not kept).
    fn whatif<'b>(
        &mut self,
        e: Estate,
        stand_in: &'b Rated,
    ) -> Result<std::borrow::Cow<'b, Rated>, PlanError> {
        match self {
            Pass::Collect { jobs, .. } => {
                jobs.push(e);
                Ok(std::borrow::Cow::Borrowed(stand_in))
            }
            Pass::Replay { rated, .. } => rated
                .next()
                .expect("the first pass asked for it")
                .map(std::borrow::Cow::Owned),
        }
    }
}

/// The recommendations and the expiry ladder for `estate` at `now`.
pub fn recommend(
    estate: &Estate,
    book: &PriceBook,
    opts: &rating::Options,
    now: Time,
    s: &Settings,
) -> Result<Report, PlanError> {
    let from = floor_hour(now);
    let to = ceil_hour(now + s.horizon).max(from + Duration::hours(1));
    let first_hour = ceil_hour(now);
    let n = hours(from, to);
    let (demand, planned) = demand_estate(estate, now, s.lookback, to);
    let ctx = Ctx {
        book,
        prices: book.over(&estate.prices),
        opts,
        from,
        to,
        spare: std::sync::Mutex::new(Vec::new()),
    };
    let scopes = rating::prepare::ScopeIndex::new(&demand);

    // The (region, type) parts with deployments in the horizon.
    let mut keys: BTreeSet<(String, Sku)> = BTreeSet::new();
    for d in &demand.deployments {
        if let Some(r) = demand.resource(&d.resource)
            && d.sizes.iter().any(|x| x.at < to)
            && d.deleted.is_none_or(|t| t > from)
        {
            keys.insert((r.region.clone(), d.sku));
        }
    }
    let mut parts: BTreeMap<(String, Sku), (Estate, Rated)> = BTreeMap::new();
    for (key, rated) in keys.iter().zip(rate_parts(&ctx, &demand, &keys)) {
        let (part, rated) = rated?;
        parts.insert(key.clone(), (part, rated));
    }
    // Idle reservations per part: base id -> used PTU-minutes.
    let idle_of = |f: &Forecast| -> BTreeMap<String, i64> {
        f.instruments
            .iter()
            .filter(|i| i.kind == rating::InstrumentKind::Reservation)
            .fold(BTreeMap::new(), |mut m, i| {
                let e = m.entry(base_id(&i.id).to_string()).or_insert((0i64, 0i64));
                e.0 += i.used_ptu_minutes;
                e.1 += i.unused_ptu_minutes();
                m
            })
            .into_iter()
            .filter(|(_, (_, unused))| *unused > 0)
            .map(|(id, (used, _))| (id, used))
            .collect()
    };

    let run = |pass: &mut Pass| -> Result<Vec<Recommendation>, PlanError> {
        let mut rows: Vec<Recommendation> = Vec::new();
        let mut taken_idle: BTreeSet<String> = BTreeSet::new();
        let mut new_ids: BTreeSet<String> = BTreeSet::new();
        for ((region, sku), (part, base)) in &parts {
            let paying: Vec<String> = base
                .by_resource
                .iter()
                .filter(|(_, v)| v.iter().any(|x| *x > 0))
                .map(|(id, _)| id.clone())
                .collect();
            if paying.is_empty() {
                continue;
            }
            let idle = idle_of(&base.f);
            for (_, (scope, resources)) in groups(&demand, &paying, s.scope) {
                let res: Vec<&crate::domain::Resource> = resources
                    .iter()
                    .filter_map(|id| demand.resource(id))
                    .collect();
                let deps: Vec<&crate::domain::Deployment> = demand
                    .deployments
                    .iter()
                    .filter(|d| d.sku == *sku && resources.contains(&d.resource))
                    .collect();
                let live: Vec<&str> = deps
                    .iter()
                    .filter(|d| lifetime_end(&demand, d).is_none_or(|t| t > now))
                    .map(|d| d.id.as_str())
                    .collect();
                let lifetime = lifetime_of(&demand, live.iter().copied(), now);
                let n_planned = live.iter().filter(|id| planned.contains(**id)).count();
                let demand_source = if n_planned == 0 {
                    DemandSource::Lookback
                } else if n_planned == live.len() {
                    DemandSource::Planned
                } else {
                    DemandSource::Mixed
                };

                // Idle capacity in reach first.
                let mut changes: Vec<Edit> = Vec::new();
                let mut steps: Vec<Step> = Vec::new();
                let mut rescoped = Vec::new();
                let candidates: Vec<&Reservation> = part
                    .reservations
                    .iter()
                    .filter(|r| {
                        r.region == *region
                            && r.sku == *sku
                            && r.refunded_at.is_none()
                            && r.moved_at.is_none()
                            && r.start <= now
                            && idle.contains_key(&r.id)
                            && !taken_idle.contains(&r.id)
                    })
                    .collect();
                for r in candidates {
                    let scope_now = terms::scope_at(r, now);
                    if res.iter().all(|x| scopes.contains(scope_now, x)) {
                        continue;
                    }
                    let used = idle.get(&r.id).copied().unwrap_or(0) > 0;
                    let target = if used {
                        demand
                            .billing_accounts
                            .iter()
                            .find(|b| {
                                res.iter()
                                    .any(|x| b.subscriptions.contains(&x.subscription))
                            })
                            .map_or(scope.clone(), |b| Scope::Shared {
                                billing_account: b.id.clone(),
                            })
                    } else {
                        scope.clone()
                    };
                    taken_idle.insert(r.id.clone());
                    rescoped.push(r.id.clone());
                    steps.push(Step {
                        at: first_hour,
                        action: format!(
                            "re-scope reservation {} ({} PTU {}, idle capacity) from {scope_now} to {target} (free)",
                            r.id,
                            r.ptu,
                            sku.label()
                        ),
                    });
                    changes.push(Edit::ReservationScope {
                        id: r.id.clone(),
                        at: first_hour,
                        scope: target,
                    });
                }
                let rated_free;
                let w_rated = if changes.is_empty() {
                    base
                } else {
                    rated_free = pass.free(&ctx, &apply_edits(part, &changes)?)?;
                    &rated_free
                };
                let prof = profile(w_rated, &resources, n);

                // A conversion onto idle capacity of another type, shown beside.
                let mut conv: Vec<String> = Vec::new();
                for ((r2, s2), (p2, b2)) in &parts {
                    if r2 != region || s2 == sku {
                        continue;
                    }
                    let idle2 = idle_of(&b2.f);
                    for r in p2.reservations.iter().filter(|r| {
                        idle2.contains_key(&r.id)
                            && r.refunded_at.is_none()
                            && r.start <= now
                            && res
                                .iter()
                                .any(|x| scopes.contains(terms::scope_at(r, now), x))
                    }) {
                        conv.push(format!("{} ({} PTU {})", r.id, r.ptu, r.sku.label()));
                    }
                }
                for r in demand.reservations.iter().filter(|r| {
                    r.region == *region
                        && r.sku != *sku
                        && !keys.contains(&(r.region.clone(), r.sku))
                        && r.refunded_at.is_none()
                        && r.start <= now
                        && terms::reservation_terms(r, to).ok().is_some_and(|ts| {
                            ts.iter().any(|t| t.start <= now && now < t.coverage_end())
                        })
                        && res
                            .iter()
                            .any(|x| scopes.contains(terms::scope_at(r, now), x))
                }) {
                    conv.push(format!("{} ({} PTU {})", r.id, r.ptu, r.sku.label()));
                }
                let conversion = (!conv.is_empty()).then(|| {
                    format!(
                        "converting the deployments would use idle reservation {} instead (not safe by itself: downtime, or two deployments for a while{})",
                        conv.join(", "),
                        if conv.iter().any(|c| c.contains("Global")) {
                            "; a Global deployment may process data in any Azure region"
                        } else {
                            ""
                        }
                    )
                });

                // Coverage of the group before.
                let deployed: i64 = deps
                    .iter()
                    .map(|d| deployed_minutes(&demand, d, from, to))
                    .sum();
                let hourly_of = |r: &Rated| -> i64 {
                    resources
                        .iter()
                        .filter_map(|id| r.by_resource.get(id))
                        .map(|v| v.iter().sum::<i64>())
                        .sum()
                };
                let coverage = |hourly: i64| {
                    if deployed == 0 {
                        Decimal::ZERO
                    } else {
                        Decimal::from(deployed - hourly) / Decimal::from(deployed)
                    }
                };
                let coverage_before = coverage(hourly_of(base));

                let term = match s.term {
                    TermChoice::OneMonth => Some(Term::OneMonth),
                    TermChoice::OneYear => Some(Term::OneYear),
                    TermChoice::Both => {
                        let m = ctx.price(region, *sku, PriceKind::ReservationMonth);
                        let y = ctx.price(region, *sku, PriceKind::ReservationYear);
                        match (m, y) {
                            (Some(m), Some(y)) if !m.is_zero() => {
                                let months = match lifetime {
                                    Lifetime::Until(t) => {
                                        Decimal::from((t - now).num_hours().max(0))
                                            * Decimal::from(12)
                                            / Decimal::from(365 * 24)
                                    }
                                    Lifetime::OpenEnded { assumed_months } => {
                                        Decimal::from(assumed_months)
                                    }
                                };
                                Some(if months >= y / m {
                                    Term::OneYear
                                } else {
                                    Term::OneMonth
                                })
                            }
                            (Some(_), _) => Some(Term::OneMonth),
                            (None, Some(_)) => Some(Term::OneYear),
                            _ => None,
                        }
                    }
                };
                let hourly = ctx.price(region, *sku, PriceKind::Hourly);
                let month_price = term.and_then(|t| ctx.month_price(region, *sku, t));
                let share = match (month_price, hourly) {
                    (Some(m), Some(h)) if !h.is_zero() => Some(m / (Decimal::from(730) * h)),
                    _ => None,
                };
                let break_even_months = match (term, month_price, hourly) {
                    (Some(t), Some(m), Some(h)) if !h.is_zero() => {
                        Some(m * Decimal::from(t.months()) / (Decimal::from(730) * h))
                    }
                    _ => None,
                };

                // The hours counted.
                let first = prof.iter().position(|p| *p > Decimal::ZERO);
                let (q, at_idx, used_share, peak, sized) = match (first, term, share) {
                    (Some(first), Some(t), Some(share)) => {
                        let mut end = n;
                        if t == Term::OneYear {
                            end = end.min(hours(
                                from,
                                add_months(from + Duration::hours(first as i64), 12),
                            ));
                        } else if let Lifetime::Until(x) = lifetime {
                            end = end.min(hours(from, ceil_hour(x))).max(first + 1);
                        }
                        let slice = &prof[first..end.max(first + 1).min(n)];
                        let (q, at, used) = super::remedies::size_for(slice, share);
                        let peak = slice
                            .iter()
                            .map(|p| p.ceil().to_i64().unwrap_or(0))
                            .max()
                            .unwrap_or(0);
                        (q, first + at, used, peak, slice.to_vec())
                    }
                    (Some(first), _, _) => {
                        let peak = prof[first..]
                            .iter()
                            .map(|p| p.ceil().to_i64().unwrap_or(0))
                            .max()
                            .unwrap_or(0);
                        (0, first, Decimal::ZERO, peak, prof[first..].to_vec())
                    }
                    (None, _, _) => (0, 0, Decimal::ZERO, 0, vec![]),
                };

                let mut row = Recommendation {
                    n: 0,
                    region: region.clone(),
                    sku: *sku,
                    scope: scope.clone(),
                    resources: resources.clone(),
                    demand: demand_source,
                    lifetime,
                    action: Action::StayHourly,
                    quantity: 0,
                    term: None,
                    billing: None,
                    start: None,
                    cost_horizon: Decimal::ZERO,
                    cost_month: Decimal::ZERO,
                    saving_horizon: Decimal::ZERO,
                    saving_month: Decimal::ZERO,
                    break_even_months,
                    break_even_share: share,
                    used_share,
                    utilisation: None,
                    coverage_before,
                    coverage_after: coverage_before,
                    peak_hourly: peak,
                    rest: None,
                    rescoped: rescoped.clone(),
                    conversion,
                    summary: String::new(),
                    changes: vec![],
                    steps: vec![],
                    ladder: None,
                };
                let per_month = |saving: Decimal| {
                    if n == 0 {
                        Decimal::ZERO
                    } else {
                        saving * Decimal::from(730) / Decimal::from(n as i64)
                    }
                };
                let saving_of = |after: &Rated| base.f.totals.total() - after.f.totals.total();

                if q == 0 {
                    let why = match (term, share) {
                        (Some(t), Some(sh)) if peak > 0 => format!(
                            "the {} PTU paying hourly are used {} of the hours at most, below the {} break-even of a {} reservation: stay hourly",
                            sku.label(),
                            pct(share_at(&sized, 1)),
                            pct(sh),
                            term_words(t)
                        ),
                        _ if peak == 0 => {
                            "nothing pays hourly once the idle capacity is re-scoped".to_string()
                        }
                        _ => format!(
                            "no reservation price for {} in {region}: stay hourly",
                            sku.label()
                        ),
                    };
                    if !changes.is_empty() {
                        // The re-scoped part, rated above.
                        let after = w_rated;
                        row.action = Action::Rescope;
                        row.saving_horizon = saving_of(after);
                        row.saving_month = per_month(row.saving_horizon);
                        row.coverage_after = coverage(hourly_of(after));
                        row.summary = format!(
                            "re-scope idle reservation {} to cover {}; buy nothing",
                            rescoped.join(", "),
                            resources.join(", ")
                        );
                        if peak > 0 {
                            row.rest = Some(format!("what still pays hourly: {why}"));
                        }
                    } else {
                        row.summary = format!("buy nothing for {}: {why}", resources.join(", "));
                        row.rest = Some(why);
                    }
                    row.changes = changes;
                    row.steps = steps;
                    rows.push(row);
                    continue;
                }

                let t = term.expect("sized with a term");
                let billing = s.billing.unwrap_or(match t {
                    Term::OneMonth => Billing::Upfront,
                    Term::OneYear => Billing::Monthly,
                });
                let start = (from + Duration::hours(at_idx as i64)).max(first_hour);
                let off = match lifetime {
                    Lifetime::Until(x) => Some(renewal_off_for(start, t, x)),
                    Lifetime::OpenEnded { .. } => None,
                };
                let id = fresh_id(
                    &demand,
                    &new_ids,
                    &format!("res-{region}-{}-{q}", sku_slug(*sku)),
                );
                new_ids.insert(id.clone());
                let r = reservation(
                    id.clone(),
                    region,
                    *sku,
                    q,
                    t,
                    billing,
                    start,
                    scope.clone(),
                    off,
                );
                let mut buy_changes = changes.clone();
                let mut buy_steps = steps.clone();
                buy_steps.push(Step {
                    at: start,
                    action: format!(
                        "buy reservation {id}: {q} PTU {} in {region}, {}, {}, scope {scope}{}",
                        sku.label(),
                        term_words(t),
                        match billing {
                            Billing::Upfront => "billed up front",
                            Billing::Monthly => "billed monthly",
                        },
                        off.map_or(", autorenew".to_string(), |x| format!(
                            ", not renewing from {} (the workload ends {})",
                            when(x),
                            lifetime.describe()
                        ))
                    ),
                });
                buy_changes.push(Edit::AddReservation(r));
                let after = pass.whatif(apply_edits(part, &buy_changes)?, base)?;
                let mine = |f: &Forecast, ids: &[String]| -> (Decimal, i64, i64) {
                    f.instruments
                        .iter()
                        .filter(|i| ids.iter().any(|x| x == base_id(&i.id)))
                        .fold((Decimal::ZERO, 0, 0), |a, i| {
                            (
                                a.0 + i.charges,
                                a.1 + i.used_ptu_minutes,
                                a.2 + i.capacity_ptu_minutes,
                            )
                        })
                };
                let (charges, used, cap) = mine(&after.f, std::slice::from_ref(&id));
                row.action = Action::Buy;
                row.quantity = q;
                row.term = Some(t);
                row.billing = Some(billing);
                row.start = Some(start);
                row.cost_horizon = charges;
                row.cost_month = month_price.unwrap_or_default() * Decimal::from(q);
                row.saving_horizon = saving_of(&after);
                row.saving_month = per_month(row.saving_horizon);
                row.utilisation = (cap > 0).then(|| Decimal::from(used) / Decimal::from(cap));
                row.coverage_after = coverage(hourly_of(&after));
                if peak > q {
                    row.rest = Some(format!(
                        "up to {} PTU more pay hourly in some hours: the next PTU is used {} of the hours, below the {} break-even; they stay hourly",
                        peak - q,
                        pct(share_at(&sized, q + 1)),
                        pct(share.unwrap_or_default())
                    ));
                }
                row.summary = format!(
                    "buy {q} PTU {} in {region}, {} {}, scope {scope}, from {}{}",
                    sku.label(),
                    term_words(t),
                    match billing {
                        Billing::Upfront => "up front",
                        Billing::Monthly => "monthly",
                    },
                    when(start),
                    if rescoped.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", after re-scoping idle reservation {} (net of its capacity)",
                            rescoped.join(", ")
                        )
                    }
                );

                // The ladder.
                let tranches_n = s.ladder.max(1) as i64;
                if tranches_n > 1 && t == Term::OneYear && q >= tranches_n {
                    let mut l_changes = changes.clone();
                    let mut l_steps = steps.clone();
                    let mut tranches = Vec::new();
                    let mut l_ids = Vec::new();
                    for k in 0..tranches_n {
                        let ptu = q / tranches_n + i64::from(k < q % tranches_n);
                        let y_start = add_months(start, (12 * k / tranches_n) as i32);
                        let y_id = fresh_id(
                            &demand,
                            &new_ids,
                            &format!("res-{region}-{}-{ptu}-t{}", sku_slug(*sku), k + 1),
                        );
                        new_ids.insert(y_id.clone());
                        if y_start > start {
                            let b_id = fresh_id(&demand, &new_ids, &format!("{y_id}-bridge"));
                            new_ids.insert(b_id.clone());
                            let last_bridge = renewal_off_for(start, Term::OneMonth, y_start);
                            l_steps.push(Step {
                                at: start,
                                action: format!(
                                    "buy reservation {b_id}: {ptu} PTU {} in {region}, one-month, billed up front, scope {scope}, not renewing from {} (tranche {} starts its year then)",
                                    sku.label(),
                                    when(last_bridge),
                                    k + 1
                                ),
                            });
                            l_changes.push(Edit::AddReservation(reservation(
                                b_id.clone(),
                                region,
                                *sku,
                                ptu,
                                Term::OneMonth,
                                Billing::Upfront,
                                start,
                                scope.clone(),
                                Some(last_bridge),
                            )));
                            l_ids.push(b_id);
                        }
                        let y_off = off.map(|x| renewal_off_for(y_start, Term::OneYear, x));
                        l_steps.push(Step {
                            at: y_start,
                            action: format!(
                                "buy reservation {y_id}: {ptu} PTU {} in {region}, one-year, {}, scope {scope} (tranche {} of {tranches_n}, expires {})",
                                sku.label(),
                                match billing {
                                    Billing::Upfront => "billed up front",
                                    Billing::Monthly => "billed monthly",
                                },
                                k + 1,
                                when(add_months(y_start, 12))
                            ),
                        });
                        l_changes.push(Edit::AddReservation(reservation(
                            y_id.clone(),
                            region,
                            *sku,
                            ptu,
                            Term::OneYear,
                            billing,
                            y_start,
                            scope.clone(),
                            y_off,
                        )));
                        l_ids.push(y_id);
                        tranches.push(Tranche {
                            ptu,
                            start: y_start,
                            expires: add_months(y_start, 12),
                        });
                    }
                    let after_l = pass.whatif(apply_edits(part, &l_changes)?, base)?;
                    let saving = saving_of(&after_l);
                    row.ladder = Some(Ladder {
                        tranches,
                        saving_horizon: saving,
                        extra_cost: row.saving_horizon - saving,
                        changes: l_changes,
                        steps: l_steps,
                    });
                }
                row.changes = buy_changes;
                row.steps = buy_steps;
                rows.push(row);
            }
        }
        Ok(rows)
    };
    let (mut jobs, mut free) = (Vec::new(), Vec::new());
    let collected = run(&mut Pass::Collect {
        jobs: &mut jobs,
        free: &mut free,
    });
    let rated = each(&jobs, |e| ctx.rate(e).map(Rated::summed));
    // An error of the first pass comes after every what-if it asked for:
    // a failed one of those is the error the groups meet first.
    if let Err(e) = collected {
        return Err(rated.into_iter().find_map(Result::err).unwrap_or(e));
    }
    let mut rows = run(&mut Pass::Replay {
        rated: rated.into_iter(),
        free: free.into_iter(),
    })?;
    for (i, r) in rows.iter_mut().enumerate() {
        r.n = i + 1;
    }
    let (expiries, cliffs) = expiry_ladder(estate, now, to);
    Ok(Report {
        now,
        from,
        to,
        lookback_days: s.lookback.num_days(),
        rows,
        expiries,
        cliffs,
    })
}

/// A deployment's end (its deletion, or its account's deletion or purge).
fn lifetime_end(e: &Estate, d: &crate::domain::Deployment) -> Option<Time> {
    super::lifetime::deployment_end(e, &d.id)
}

/// The expiry ladder and its cliffs: each instrument's next expiry in
/// `(now, to)`, by region, type and month.
pub fn expiry_ladder(e: &Estate, now: Time, to: Time) -> (Vec<ExpiryMonth>, Vec<Cliff>) {
    // (region, sku) -> [(id, ptu, expiry, renews, counts for a cliff)]
    type Item = (String, i64, Time, bool, bool, bool);
    let mut items: BTreeMap<(String, Sku), Vec<Item>> = BTreeMap::new();
    let mut in_force: BTreeMap<(String, Sku), i64> = BTreeMap::new();
    for r in &e.reservations {
        let Ok(ts) = terms::reservation_terms(r, to + Duration::days(400)) else {
            continue;
        };
        let key = (r.region.clone(), r.sku);
        if let Some(t) = ts.iter().find(|t| t.start <= now && now < t.coverage_end()) {
            *in_force.entry(key.clone()).or_default() += t.ptu;
        }
        let Some(t) = ts
            .iter()
            .find(|t| t.end > now && t.coverage_end() == t.end && t.start < to)
        else {
            continue;
        };
        if t.end >= to {
            continue;
        }
        let renewal = terms::reservation_renewal_for(r, t.end);
        let renews = !matches!(renewal, ReservationRenewal::None);
        let same = matches!(renewal, ReservationRenewal::Autorenew);
        let rolls = t.term == Term::OneMonth && same;
        items.entry(key).or_default().push((
            base_id(&t.id).to_string(),
            t.ptu,
            t.end,
            renews,
            !rolls,
            false,
        ));
    }
    for c in &e.commitments {
        let Some(res) = e.resource(&c.resource) else {
            continue;
        };
        let Ok(ts) =
            terms::commitment_terms(c, res.deleted.or(res.purged), to + Duration::days(40))
        else {
            continue;
        };
        let key = (res.region.clone(), Sku::Regional);
        if let Some(t) = ts.iter().find(|t| t.start <= now && now < t.end) {
            *in_force.entry(key.clone()).or_default() += t.ptu_at(now);
        }
        let Some(t) = ts.iter().find(|t| t.end > now && t.start < to) else {
            continue;
        };
        if t.end >= to {
            continue;
        }
        let renewal = terms::commitment_renewal_for(c, t.end);
        let renews = renewal != CommitmentRenewal::None;
        items.entry(key).or_default().push((
            c.id.clone(),
            t.ptu_at_end(),
            t.end,
            renews,
            !renews,
            true,
        ));
    }
    let mut months: Vec<ExpiryMonth> = Vec::new();
    let mut cliffs = Vec::new();
    for ((region, sku), mut list) in items {
        list.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
        let mut by_month: BTreeMap<Time, ExpiryMonth> = BTreeMap::new();
        for (id, ptu, end, renews, _, commitment) in &list {
            let m = by_month
                .entry(month_start(*end))
                .or_insert_with(|| ExpiryMonth {
                    region: region.clone(),
                    sku,
                    month: month_start(*end),
                    reserved_ptu: 0,
                    committed_ptu: 0,
                    instruments: vec![],
                });
            if *commitment {
                m.committed_ptu += ptu;
            } else {
                m.reserved_ptu += ptu;
            }
            m.instruments.push((id.clone(), *ptu, *end, *renews));
        }
        months.extend(by_month.into_values());
        let total = in_force.get(&(region.clone(), sku)).copied().unwrap_or(0);
        let counted: Vec<&Item> = list.iter().filter(|x| x.4).collect();
        let mut best: Option<Cliff> = None;
        for (i, a) in counted.iter().enumerate() {
            let within: Vec<&&Item> = counted[i..]
                .iter()
                .filter(|b| b.2 <= a.2 + Duration::days(30))
                .collect();
            let ptu: i64 = within.iter().map(|b| b.1).sum();
            if total > 0 && ptu * 2 > total && best.as_ref().is_none_or(|c| ptu > c.ptu) {
                best = Some(Cliff {
                    region: region.clone(),
                    sku,
                    from: a.2,
                    to: within.last().map_or(a.2, |b| b.2),
                    ptu,
                    total,
                    instruments: within.iter().map(|b| b.0.clone()).collect(),
                });
            }
        }
        cliffs.extend(best);
    }
    (months, cliffs)
}

/// One month of a what-if: the estate's amortized total without and with
/// the changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatIfMonth {
    pub start: Time,
    pub without: Decimal,
    pub with: Decimal,
}

/// The forecast of the whole estate over `[floor_hour(now), ceil_hour(now +
/// horizon))`, by month, amortized, without and with `changes`: what
/// `forecast --basis amortized` shows before and after they are applied.
pub fn what_if(
    estate: &Estate,
    book: &PriceBook,
    opts: &rating::Options,
    now: Time,
    horizon: Duration,
    changes: &[Edit],
) -> Result<Vec<WhatIfMonth>, PlanError> {
    let from = floor_hour(now);
    let to = ceil_hour(now + horizon).max(from + Duration::hours(1));
    let req = Request {
        from,
        to,
        basis: Basis::Amortized,
        by: Bucket::Month,
    };
    let with = apply_edits(estate, changes)?;
    let (a, b) = rating::whatif::parts(estate, &with);
    let before = rating::forecast(&a, book, &req, opts)?;
    let after = rating::forecast(&b, book, &req, opts)?;
    let whole = rating::forecast(estate, book, &req, opts)?;
    Ok(whole
        .periods
        .iter()
        .zip(before.periods.iter().zip(&after.periods))
        .map(|(w, (x, y))| WhatIfMonth {
            start: w.start,
            without: w.total(),
            with: w.total() - x.total() + y.total(),
        })
        .collect())
}

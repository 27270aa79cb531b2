//! The naive reference engine: a test oracle for the fast [`super::engine`]
//! and for what it rates on, [`super::prepare`].
//!
//! It derives everything from the estate itself, the slow, obvious way,
//! straight from the rules of docs/ (rating, commitments, reservations,
//! forecast), and shares with the fast path only
//! the domain layer ([`crate::domain`]: the calendar, the term lifecycles of
//! [`crate::domain::terms`] that the worked examples test, the price book
//! lookups) and the exact-splitting rules of [`super::alloc`] (the running
//! sums at 12 places that make a spread's parts add up to its charge, the
//! largest-remainder shares, the once-only division of window costs):
//!
//! - the instruments: every commitment with all its terms, and every
//!   reservation term, listed when they cover, bill or amortize anything in
//!   the window;
//! - every clock hour of the window, one after the other;
//! - within it, every deployment and every one of its 60 minutes: the
//!   deployment's size at an instant is its latest size at or before it (0
//!   before its creation and from its deletion or its resource's purge); a
//!   minute counts at the largest size of the minute (the size at its start
//!   and at every size change strictly inside it);
//! - every instrument's capacity per minute, at the smallest PTUs in force
//!   during the minute: a commitment's PTUs at an instant are those of the
//!   term holding it plus the additions made so far in that term, a
//!   reservation term's its PTUs from its start until its expiry or refund;
//! - per hour, each reservation's scope: the purchase scope, replaced by
//!   every change whose next whole hour has come; and the scope's
//!   membership, walked for each resource: its subscription's management
//!   group and that group's ancestors one by one, its billing account's list;
//! - per hour, the pooling: commitments on their resource's Regional pool,
//!   then reservations narrowest scope first, first come first served, each
//!   taking its coverage out of its eligible pools in proportion to what each
//!   holds; double billing against commitment coverage in the same order; the
//!   rest pays the hourly rate;
//! - per hour, one window cell per (kind, subject), merged afterwards into
//!   runs of adjacent hours;
//! - the money of every instrument from its terms and prices: each
//!   commitment term billed up front at its start, each addition at once,
//!   prorated by days; each reservation term up front at its start or
//!   period by period, a refund credited at the lower price for the days
//!   left; on the amortized basis, each charge spread over the days it pays
//!   for, a day over its 24 hours, summed hour by hour.
//!
//! Money is kept exact and divided late: hourly charges as price x minutes
//! (divided by 60 once per total), amortized window costs as amortized cost x
//! minutes per capacity denominator, divided once per window over a common
//! denominator. When a price is missing, the error names the first item that
//! needs it: the instruments in estate order (commitments, then reservation
//! terms), then the pools paying the hourly rate, the earliest hour first and
//! then the pools by (resource, deployment type).
//!
//! Two things are not derived here: the explanation texts of windows come
//! from [`Prepared`] (they are prose over the same facts, tested on their
//! own in `rating::tests`), and `Prepared` is built only when a forecast has
//! windows to explain.
//!
//! Nothing here is clever, and nothing is shared with `engine.rs`,
//! `minutes.rs` or the schedules of `prepare.rs`: a property test
//! (`tests/rating_equivalence.rs`) holds the two paths equal on random
//! estates.

use super::alloc::{cumulative, largest_remainder, part, quotient_sum};
use super::prepare::{ChargeKind, InstrumentKind, Prepared};
use super::{
    Basis, Forecast, InstrumentUse, MissingPrice, Options, Period, RatingError, Request, Totals,
    Window, WindowKind, buckets, check_request,
};
use crate::domain::prices::{PriceBook, PriceKind, PriceRef};
use crate::domain::terms::{self, CommitmentTerm, ReservationTerm};
use crate::domain::time::{Time, ceil_hour, days_between, midnight};
use crate::domain::{Billing, Deployment, Estate, Reservation, Resource, Scope, Sku, Term};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// Rates `[req.from, req.to)` the slow, obvious way.
pub fn forecast(
    estate: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<Forecast, RatingError> {
    check_request(req)?;
    let book = book.over(&estate.prices);
    let instruments = instruments(estate, &book, req, opts)?;
    let forecast = rate(estate, &book, &instruments, req)?;
    if forecast.windows.is_empty() {
        return Ok(forecast);
    }
    // The explanation texts, from the fast path's preparation.
    let p = Prepared::new(estate, &book, req.from, req.to, opts).unwrap_or_else(|e| {
        panic!("the preparation failed where the reference rated the window: {e}")
    });
    let mut forecast = forecast;
    for w in &mut forecast.windows {
        w.explanation = match w.kind {
            WindowKind::Overage => {
                let r = estate
                    .resources
                    .iter()
                    .position(|r| r.id == w.subject)
                    .expect("an overage's subject is a resource");
                p.explain_overage(r, w.start, w.end)
            }
            WindowKind::DoubleBilling => p.explain_double_billing(&w.subject),
            WindowKind::Unused => p.explain_unused(&w.subject),
        };
    }
    Ok(forecast)
}

/// Hours since the Unix epoch of the hour holding `t`.
fn hour_of(t: Time) -> i64 {
    t.timestamp().div_euclid(3600)
}

/// The start of hour `h` (hours since the Unix epoch).
fn hour_start(h: i64) -> Time {
    Utc.timestamp_opt(h * 3600, 0).single().expect("in range")
}

// ---------------------------------------------------------------------------
// The instruments, from the domain objects.

/// What an instrument covers over time.
enum Cover {
    /// A commitment: its terms (one after the other).
    Commitment(Vec<CommitmentTerm>),
    /// A reservation term: `ptu` over `[start, end)` (end: expiry or refund).
    Reservation { start: Time, end: Time, ptu: i64 },
}

impl Cover {
    /// The PTUs in force at `t`.
    fn ptu_at(&self, t: Time) -> i64 {
        match self {
            Cover::Commitment(terms) => {
                terms
                    .iter()
                    .find(|x| x.start <= t && t < x.end)
                    .map_or(0, |x| {
                        x.ptu
                            + x.additions
                                .iter()
                                .filter(|a| a.0 <= t)
                                .map(|a| a.1)
                                .sum::<i64>()
                    })
            }
            Cover::Reservation { start, end, ptu } => {
                if *start <= t && t < *end {
                    *ptu
                } else {
                    0
                }
            }
        }
    }

    /// Every instant at which the PTUs in force may change.
    fn changes(&self) -> Vec<Time> {
        match self {
            Cover::Commitment(terms) => terms
                .iter()
                .flat_map(|x| {
                    [x.start, x.end]
                        .into_iter()
                        .chain(x.additions.iter().map(|a| a.0))
                })
                .collect(),
            Cover::Reservation { start, end, .. } => vec![*start, *end],
        }
    }

    /// From the first start to the last end.
    fn span(&self) -> (Time, Time) {
        match self {
            Cover::Commitment(terms) => (
                terms.first().expect("one term").start,
                terms.last().expect("one term").end,
            ),
            Cover::Reservation { start, end, .. } => (*start, *end),
        }
    }
}

/// A charge spread evenly over `days` UTC days from `first_day`.
struct Spread {
    first_day: NaiveDate,
    days: i64,
    amount: Decimal,
    kind: ChargeKind,
}

impl Spread {
    /// The part of the charge that falls in hour `h` (each day evenly over
    /// its 24 hours, by the running sums of [`cumulative`]).
    fn in_hour(&self, h: i64) -> Decimal {
        let hours = self.days * 24;
        let j = h - hour_of(midnight(self.first_day));
        if j < 0 || j >= hours {
            return Decimal::ZERO;
        }
        cumulative(self.amount, j + 1, hours) - cumulative(self.amount, j, hours)
    }

    fn overlaps(&self, from: Time, to: Time) -> bool {
        let start = midnight(self.first_day);
        start < to && start + Duration::days(self.days) > from
    }
}

/// A discount instrument as the reference rates it.
struct Inst {
    id: String,
    kind: InstrumentKind,
    region: String,
    sku: Sku,
    /// A commitment's resource (index in `estate.resources`).
    resource: Option<usize>,
    /// A reservation term's reservation (index in `estate.reservations`).
    reservation: Option<usize>,
    cover: Cover,
    changes: Vec<Time>,
    /// First come, first served.
    order_instant: Time,
    /// (billing instant, amount, kind): the actual basis.
    bills: Vec<(Time, Decimal, ChargeKind)>,
    /// The amortized basis.
    spreads: Vec<Spread>,
}

impl Inst {
    /// Its PTU-minutes of capacity in hour `h`: each minute at the smallest
    /// PTUs in force during it (so 0 unless active for the whole minute).
    fn capacity_in_hour(&self, h: i64) -> i64 {
        let (a, b) = self.cover.span();
        if a >= hour_start(h + 1) || b <= hour_start(h) {
            return 0;
        }
        (0..60)
            .map(|m| {
                let m0 = hour_start(h) + Duration::minutes(m);
                let m1 = m0 + Duration::minutes(1);
                self.changes
                    .iter()
                    .filter(|&&c| c > m0 && c < m1)
                    .map(|&c| self.cover.ptu_at(c))
                    .fold(self.cover.ptu_at(m0), i64::min)
            })
            .sum()
    }

    /// Its amortized cost in hour `h`.
    fn amortized_in_hour(&self, h: i64) -> Decimal {
        self.spreads.iter().map(|s| s.in_hour(h)).sum()
    }
}

/// The instrument's own price, as a reference to it (always verified).
fn own(region: &str, sku: Sku, kind: PriceKind, amount: Decimal) -> PriceRef {
    PriceRef {
        region: region.to_string(),
        sku,
        kind,
        amount,
        verified: true,
        source: Some("the instrument's own price".into()),
    }
}

/// The instruments that cover, bill or amortize anything in the window,
/// with the prices they are charged at.
fn instruments(
    estate: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<Vec<(Inst, Vec<PriceRef>)>, RatingError> {
    // Terms up to the day after the window: every charge reaching into it.
    let until = midnight(req.to.date_naive()) + Duration::days(1);
    let listed = |i: &Inst| {
        let (a, b) = i.cover.span();
        (a < req.to && b > req.from)
            || i.bills.iter().any(|b| b.0 >= req.from && b.0 < req.to)
            || i.spreads.iter().any(|s| s.overlaps(req.from, req.to))
    };
    let mut out = Vec::new();
    let mut unpriced = Vec::new();

    for (ci, c) in estate.commitments.iter().enumerate() {
        let ri = estate
            .resources
            .iter()
            .position(|r| r.id == c.resource)
            .expect("a valid estate");
        let res = &estate.resources[ri];
        // A commitment stops renewing once its resource is deleted.
        let terms = terms::commitment_terms(c, res.deleted.or(res.purged), until).map_err(|e| {
            RatingError::Invalid(format!("$.commitments[{ci}].{}: {}", e.path, e.message))
        })?;
        let price = match c.price {
            Some(p) => Some(own(
                &res.region,
                Sku::Regional,
                PriceKind::CommitmentMonth,
                p,
            )),
            None => book.lookup(&res.region, Sku::Regional, PriceKind::CommitmentMonth),
        };
        let unit = price.as_ref().map_or(Decimal::ZERO, |p| p.amount);
        let mut bills = Vec::new();
        let mut spreads = Vec::new();
        for term in &terms {
            // Each term billed up front at its start, amortized over its days.
            let kind = if term.index == 0 {
                ChargeKind::Purchase
            } else {
                ChargeKind::Renewal
            };
            let amount = unit * Decimal::from(term.ptu);
            let term_days = days_between(term.start.date_naive(), term.end.date_naive());
            bills.push((term.start, amount, kind));
            spreads.push(Spread {
                first_day: term.start.date_naive(),
                days: term_days,
                amount,
                kind,
            });
            // An addition billed at once for the days left of the term,
            // counting its own day (at least one), over the term's days.
            for &(at, ptu) in &term.additions {
                let left = days_between(at.date_naive(), term.end.date_naive()).max(1);
                let amount =
                    unit * Decimal::from(ptu) * Decimal::from(left) / Decimal::from(term_days);
                bills.push((at, amount, ChargeKind::Addition));
                spreads.push(Spread {
                    first_day: at.date_naive(),
                    days: left,
                    amount,
                    kind: ChargeKind::Addition,
                });
            }
        }
        let cover = Cover::Commitment(terms);
        let inst = Inst {
            id: c.id.clone(),
            kind: InstrumentKind::Commitment,
            region: res.region.clone(),
            sku: Sku::Regional,
            resource: Some(ri),
            reservation: None,
            changes: cover.changes(),
            cover,
            order_instant: c.start,
            bills,
            spreads,
        };
        if !listed(&inst) {
            continue;
        }
        let Some(price) = price else {
            unpriced.push(MissingPrice::new(
                format!("commitment {}", c.id),
                &res.region,
                Sku::Regional,
                PriceKind::CommitmentMonth,
            ));
            continue;
        };
        out.push((inst, vec![price]));
    }

    let refused = refused_refunds(estate, book);
    for (ri, r) in estate.reservations.iter().enumerate() {
        // A refund past the rolling limit is refused: rated as never made.
        let unrefunded;
        let r = if refused.contains(&ri) {
            unrefunded = Reservation {
                refunded_at: None,
                ..r.clone()
            };
            &unrefunded
        } else {
            r
        };
        let terms = terms::reservation_terms(r, until).map_err(|e| {
            RatingError::Invalid(format!("$.reservations[{ri}].{}: {}", e.path, e.message))
        })?;
        for term in &terms {
            let kind = match term.term {
                Term::OneMonth => PriceKind::ReservationMonth,
                Term::OneYear => PriceKind::ReservationYear,
            };
            // The original term at its own price when it has one; renewals
            // and the rest at the price book's.
            let current = book.lookup(&r.region, r.sku, kind);
            let price = match term.own_price {
                Some(p) => Some(own(&r.region, r.sku, kind, p)),
                None => current.clone(),
            };
            let unit = price.as_ref().map_or(Decimal::ZERO, |p| p.amount);
            let lower = current.as_ref().map_or(unit, |c| c.amount.min(unit));
            let (bills, spreads) = reservation_money(term, unit, lower, opts);
            let cover = Cover::Reservation {
                start: term.covers_from,
                end: term.coverage_end(),
                ptu: term.ptu,
            };
            let inst = Inst {
                id: term.id.clone(),
                kind: InstrumentKind::Reservation,
                region: r.region.clone(),
                sku: r.sku,
                resource: None,
                reservation: Some(ri),
                changes: cover.changes(),
                cover,
                order_instant: term.order_instant,
                bills,
                spreads,
            };
            if !listed(&inst) {
                continue;
            }
            let Some(price) = price else {
                unpriced.push(MissingPrice::new(
                    format!("reservation {}", term.id),
                    &r.region,
                    r.sku,
                    kind,
                ));
                continue;
            };
            let mut prices = vec![price];
            // A refund is credited at the lower of the purchase and the current price.
            if let Some(c) = current.filter(|_| term.refunded_at.is_some()) {
                prices.push(c);
            }
            out.push((inst, prices));
        }
    }
    if !unpriced.is_empty() {
        return Err(RatingError::MissingPrices(unpriced));
    }
    Ok(out)
}

/// The reservations whose refund Azure refuses under the rolling limit
/// (USD 50,000 of cancelled commitment in any 365 days), the slow way: each
/// refund cancels what its term would still bill from the refund on at the
/// lower price (the refund's own credit without a fee, plus the monthly bills
/// of the same term left unrefunded dated after the refund); in time order
/// (ties by id), a refund Azure reported is granted whatever it cancels, any
/// other is refused when it would take the granted refunds of the 365 days
/// up to it past the limit.
fn refused_refunds(estate: &Estate, book: &PriceBook) -> BTreeSet<usize> {
    let no_fee = Options::default();
    let mut list: Vec<(Time, &str, usize, Decimal, bool)> = Vec::new();
    for (ri, r) in estate.reservations.iter().enumerate() {
        let Some(at) = r.refunded_at else { continue };
        let Ok(terms) = terms::reservation_terms(r, at) else {
            continue;
        };
        let Some(term) = terms.iter().find(|t| t.refunded_at == Some(at)) else {
            continue;
        };
        let kind = match term.term {
            Term::OneMonth => PriceKind::ReservationMonth,
            Term::OneYear => PriceKind::ReservationYear,
        };
        let current = book.lookup(&r.region, r.sku, kind).map(|p| p.amount);
        let Some(unit) = term.own_price.or(current) else {
            continue;
        };
        let lower = current.map_or(unit, |c| c.min(unit));
        let (bills, _) = reservation_money(term, lower, lower, &no_fee);
        let credit: Decimal = bills
            .iter()
            .filter(|b| b.2 == ChargeKind::Refund)
            .map(|b| -b.1)
            .sum();
        let whole = ReservationTerm {
            refunded_at: None,
            ..term.clone()
        };
        let (bills, _) = reservation_money(&whole, lower, lower, &no_fee);
        let later: Decimal = bills.iter().filter(|b| b.0 > at).map(|b| b.1).sum();
        list.push((at, &r.id, ri, credit + later, r.refunded_reported));
    }
    list.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    let limit = Decimal::from(super::REFUND_LIMIT_USD);
    let mut granted: Vec<(Time, Decimal)> = Vec::new();
    let mut refused = BTreeSet::new();
    for (at, _, ri, cancelled, reported) in list {
        let used: Decimal = granted
            .iter()
            .filter(|g| g.0 + Duration::days(365) > at)
            .map(|g| g.1)
            .sum();
        if !reported && used + cancelled > limit {
            refused.insert(ri);
        } else {
            granted.push((at, cancelled));
        }
    }
    refused
}

/// The money of one reservation term at `unit` per PTU per term
/// (docs/reservations.md): up front at its start, or each monthly period at its start (one
/// month's part of the term; a year's twelfths); amortized period by
/// period over the period's days. A refund stops a monthly-billed term's
/// later periods and is credited at once, at the `lower` price, for the
/// days left (counting the refund's day, at least one): of the term when
/// paid up front, of the current period when paid monthly; less the early
/// termination fee; its credit amortized over those days.
fn reservation_money(
    t: &ReservationTerm,
    unit: Decimal,
    lower: Decimal,
    opts: &Options,
) -> (Vec<(Time, Decimal, ChargeKind)>, Vec<Spread>) {
    let first = if t.n == 0 {
        ChargeKind::Purchase
    } else {
        ChargeKind::Renewal
    };
    let total = unit * Decimal::from(t.ptu);
    let n = t.periods.len() as i64;
    let mut bills = Vec::new();
    let mut spreads = Vec::new();
    if t.billing == Billing::Upfront && t.bills_at_start() {
        bills.push((t.start, total, first));
    }
    for (i, &start) in t.periods.iter().enumerate() {
        let end = t.periods.get(i + 1).copied().unwrap_or(t.end);
        if t.billing == Billing::Monthly && t.refunded_at.is_some_and(|r| start > r) {
            break;
        }
        if !t.holds_period(i) {
            continue;
        }
        let kind = if i == 0 { first } else { ChargeKind::Period };
        let amount = part(total, i as i64, n);
        if t.billing == Billing::Monthly {
            bills.push((start, amount, kind));
        }
        spreads.push(Spread {
            first_day: start.date_naive(),
            days: days_between(start.date_naive(), end.date_naive()),
            amount,
            kind,
        });
    }
    if let Some(r) = t.refunded_at {
        let (credit, left) = match t.billing {
            Billing::Upfront => {
                let days = days_between(t.start.date_naive(), t.end.date_naive());
                let left = days_between(r.date_naive(), t.end.date_naive()).max(1);
                (
                    lower * Decimal::from(t.ptu) * Decimal::from(left) / Decimal::from(days),
                    left,
                )
            }
            Billing::Monthly => {
                let i = t
                    .periods
                    .iter()
                    .rposition(|p| *p <= r)
                    .expect("a refund within the term");
                let end = t.periods.get(i + 1).copied().unwrap_or(t.end);
                let days = days_between(t.periods[i].date_naive(), end.date_naive());
                let left = days_between(r.date_naive(), end.date_naive()).max(1);
                let period = part(lower * Decimal::from(t.ptu), i as i64, n);
                (period * Decimal::from(left) / Decimal::from(days), left)
            }
        };
        let keep = (Decimal::from(100) - opts.early_termination_fee_pct) / Decimal::from(100);
        let credit = -(credit * keep);
        bills.push((r, credit, ChargeKind::Refund));
        spreads.push(Spread {
            first_day: r.date_naive(),
            days: left,
            amount: credit,
            kind: ChargeKind::Refund,
        });
    }
    (bills, spreads)
}

// ---------------------------------------------------------------------------
// Deployments and scopes, from the domain objects.

/// A deployment's size at `t`: its latest size at or before `t`; 0 before
/// its creation and from its end (its deletion or its resource's purge).
fn size_at(d: &Deployment, end: Option<Time>, t: Time) -> i64 {
    if end.is_some_and(|e| t >= e) {
        return 0;
    }
    d.sizes.iter().rfind(|s| s.at <= t).map_or(0, |s| s.ptu)
}

/// A deployment's PTU-minutes in hour `h`: each minute at the largest size
/// it had in it.
fn usage_in_hour(d: &Deployment, end: Option<Time>, h: i64) -> i64 {
    let (a, b) = (hour_start(h), hour_start(h + 1));
    if d.sizes[0].at >= b || end.is_some_and(|e| e <= a) {
        return 0;
    }
    let changes: Vec<Time> = d.sizes.iter().map(|s| s.at).chain(end).collect();
    (0..60)
        .map(|m| {
            let m0 = a + Duration::minutes(m);
            let m1 = m0 + Duration::minutes(1);
            changes
                .iter()
                .filter(|&&c| c > m0 && c < m1)
                .map(|&c| size_at(d, end, c))
                .fold(size_at(d, end, m0), i64::max)
        })
        .sum()
}

/// The scope of a reservation in force during the hour starting at `t`: its
/// purchase scope, replaced by every change whose next whole hour (or
/// itself, when whole) has come.
fn scope_in_hour(r: &Reservation, t: Time) -> &Scope {
    let mut scope = &r.scope;
    for ch in &r.scope_changes {
        if ceil_hour(ch.at) <= t {
            scope = &ch.scope;
        }
    }
    scope
}

/// True when `scope` holds resource `r`: its resource group (named in any
/// case), its subscription, a management group it lies in (its
/// subscription's group or any ancestor of it), or its billing account.
fn holds(e: &Estate, scope: &Scope, r: &Resource) -> bool {
    match scope {
        Scope::ResourceGroup {
            subscription,
            resource_group,
        } => {
            r.subscription == *subscription && r.resource_group.eq_ignore_ascii_case(resource_group)
        }
        Scope::Subscription { subscription } => r.subscription == *subscription,
        Scope::ManagementGroup { management_group } => {
            let mut group = e
                .management_groups
                .iter()
                .find(|g| g.subscriptions.contains(&r.subscription));
            // Up the tree, one parent at a time (a tree: at most one visit each).
            for _ in 0..=e.management_groups.len() {
                let Some(g) = group else { break };
                if g.id == *management_group {
                    return true;
                }
                group = g
                    .parent
                    .as_ref()
                    .and_then(|p| e.management_groups.iter().find(|x| &x.id == p));
            }
            false
        }
        Scope::Shared { billing_account } => e
            .billing_accounts
            .iter()
            .any(|b| b.id == *billing_account && b.subscriptions.contains(&r.subscription)),
    }
}

// ---------------------------------------------------------------------------
// Rating, hour by hour.

/// Takes `amount` out of the pools `gs` of `pool`, in proportion to what each
/// holds (largest remainder, pools in ascending index order); all of it when
/// `amount` is everything they hold.
fn remove(pool: &mut [i64], gs: &[usize], amount: i64) {
    let holding: Vec<i64> = gs.iter().map(|&g| pool[g]).collect();
    let all: i64 = holding.iter().sum();
    if amount == all {
        for &g in gs {
            pool[g] = 0;
        }
        return;
    }
    let shares = largest_remainder(amount, &holding);
    for (&g, s) in gs.iter().zip(shares) {
        pool[g] -= s;
    }
}

/// One hour of one window (kind, subject).
#[derive(Debug, Clone, Default)]
struct Cell {
    minutes: i64,
    /// Overage: the hourly cost x 60.
    cost_x60: Decimal,
    /// Double billing and unused: the amortized cost x the PTU-minutes, per
    /// capacity of the hour (the denominator), so that every division is
    /// done once, at the end.
    cost_by_capacity: BTreeMap<i64, Decimal>,
}

/// Rates the window hour by hour.
fn rate(
    estate: &Estate,
    book: &PriceBook,
    insts: &[(Inst, Vec<PriceRef>)],
    req: &Request,
) -> Result<Forecast, RatingError> {
    let (from_h, to_h) = (hour_of(req.from), hour_of(req.to));
    let periods_of = buckets(req);
    let bucket_of = |h: i64| {
        periods_of
            .iter()
            .position(|&(a, b)| a <= h && h < b)
            .expect("hour in the window")
    };
    let nb = periods_of.len();
    let ni = insts.len();

    // Pools of usage: the deployments of one type on one resource, by
    // (resource, type).
    let mut by_pool: BTreeMap<(usize, Sku), Vec<usize>> = BTreeMap::new();
    for (i, d) in estate.deployments.iter().enumerate() {
        let r = estate
            .resources
            .iter()
            .position(|r| r.id == d.resource)
            .expect("a valid estate");
        by_pool.entry((r, d.sku)).or_default().push(i);
    }
    let pools: Vec<((usize, Sku), Vec<usize>)> = by_pool.into_iter().collect();
    let np = pools.len();
    // Each deployment's end: its deletion, or its resource's purge.
    let end_of = |d: &Deployment| {
        let purged = estate
            .resources
            .iter()
            .find(|r| r.id == d.resource)
            .and_then(|r| r.purged);
        match (d.deleted, purged) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    };

    let mut totals = Totals::default();
    let mut capacity_total = vec![0i64; ni];
    let mut used_total = vec![0i64; ni];
    let mut hourly_x60 = vec![Decimal::ZERO; nb];
    let mut commitment = vec![Decimal::ZERO; nb];
    let mut reservation = vec![Decimal::ZERO; nb];
    let mut mc_x60 = vec![Decimal::ZERO; nb];
    let mut hourly_prices: Vec<Option<PriceRef>> = vec![None; np];
    let mut cells: BTreeMap<(WindowKind, String), BTreeMap<i64, Cell>> = BTreeMap::new();

    for h in from_h..to_h {
        let k = bucket_of(h);
        let usage: Vec<i64> = pools
            .iter()
            .map(|(_, ds)| {
                ds.iter()
                    .map(|&d| {
                        let d = &estate.deployments[d];
                        usage_in_hour(d, end_of(d), h)
                    })
                    .sum()
            })
            .collect();
        let cap: Vec<i64> = insts.iter().map(|(i, _)| i.capacity_in_hour(h)).collect();

        totals.deployed_ptu_minutes += usage.iter().sum::<i64>();
        let mut rem = usage.clone();
        let mut ccov = vec![0i64; np];

        // 1. Commitments: their resource's Regional pool.
        for (i, (inst, _)) in insts.iter().enumerate() {
            if inst.kind != InstrumentKind::Commitment || cap[i] == 0 {
                continue;
            }
            let pool = pools
                .iter()
                .position(|(key, _)| *key == (inst.resource.expect("its resource"), Sku::Regional));
            let cov = pool.map_or(0, |g| cap[i].min(rem[g]));
            if let Some(g) = pool {
                rem[g] -= cov;
                ccov[g] += cov;
            }
            capacity_total[i] += cap[i];
            used_total[i] += cov;
            totals.commitment_covered_ptu_minutes += cov;
            let idle = cap[i] - cov;
            if idle > 0 {
                totals.unused_commitment_ptu_minutes += idle;
                let c = cells
                    .entry((WindowKind::Unused, inst.id.clone()))
                    .or_default()
                    .entry(h)
                    .or_default();
                c.minutes += idle;
                *c.cost_by_capacity.entry(cap[i]).or_default() +=
                    inst.amortized_in_hour(h) * Decimal::from(idle);
            }
        }

        // 2. Reservations: (scope level, purchase order, id), each on the pools
        //    of its region and type that its scope in force this hour holds.
        let mut order: Vec<(u8, Time, String, usize, Vec<usize>)> = Vec::new();
        for (i, (inst, _)) in insts.iter().enumerate() {
            if inst.kind != InstrumentKind::Reservation || cap[i] == 0 {
                continue;
            }
            let r = &estate.reservations[inst.reservation.expect("its reservation")];
            let scope = scope_in_hour(r, hour_start(h));
            let eligible: Vec<usize> = (0..np)
                .filter(|&g| {
                    let (res, sku) = pools[g].0;
                    let res = &estate.resources[res];
                    res.region == inst.region && sku == inst.sku && holds(estate, scope, res)
                })
                .collect();
            order.push((
                scope.level(),
                inst.order_instant,
                inst.id.clone(),
                i,
                eligible,
            ));
        }
        order.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        let mut idle = vec![0i64; order.len()];
        for (n, (_, _, _, i, eligible)) in order.iter().enumerate() {
            let i = *i;
            let can: i64 = eligible.iter().map(|&g| rem[g]).sum();
            let cov = cap[i].min(can);
            remove(&mut rem, eligible, cov);
            capacity_total[i] += cap[i];
            used_total[i] += cov;
            totals.reservation_covered_ptu_minutes += cov;
            totals.unused_reservation_ptu_minutes += cap[i] - cov;
            idle[n] = cap[i] - cov;
        }

        // 3. Double billing: idle reservation capacity beside commitment
        //    coverage of pools it could have covered, each commitment-covered
        //    minute counted once, in the reservations' order.
        for (n, (_, _, id, i, eligible)) in order.iter().enumerate() {
            let i = *i;
            if idle[n] == 0 {
                continue;
            }
            let avail: i64 = eligible.iter().map(|&g| ccov[g]).sum();
            let db = idle[n].min(avail);
            remove(&mut ccov, eligible, db);
            for (kind, m) in [
                (WindowKind::DoubleBilling, db),
                (WindowKind::Unused, idle[n] - db),
            ] {
                if m > 0 {
                    let c = cells
                        .entry((kind, id.clone()))
                        .or_default()
                        .entry(h)
                        .or_default();
                    c.minutes += m;
                    *c.cost_by_capacity.entry(cap[i]).or_default() +=
                        insts[i].0.amortized_in_hour(h) * Decimal::from(m);
                }
            }
        }

        // 4. What is left pays the hourly rate of its region and type.
        for g in 0..np {
            if rem[g] == 0 {
                continue;
            }
            let (r, sku) = pools[g].0;
            let res = &estate.resources[r];
            if hourly_prices[g].is_none() {
                let price = book
                    .lookup(&res.region, sku, PriceKind::Hourly)
                    .ok_or_else(|| {
                        RatingError::MissingPrices(vec![MissingPrice::new(
                            format!("deployments on {} paying the hourly rate", res.id),
                            &res.region,
                            sku,
                            PriceKind::Hourly,
                        )])
                    })?;
                hourly_prices[g] = Some(price);
            }
            let price = hourly_prices[g].as_ref().expect("just set").amount;
            let x60 = price * Decimal::from(rem[g]);
            hourly_x60[k] += x60;
            totals.hourly_ptu_minutes += rem[g];
            let c = cells
                .entry((WindowKind::Overage, res.id.clone()))
                .or_default()
                .entry(h)
                .or_default();
            c.minutes += rem[g];
            c.cost_x60 += x60;
        }

        // Managed compute: every minute it runs at any instant of.
        for m in &estate.managed_compute {
            let minutes = (0..60)
                .filter(|&j| {
                    let m0 = hour_start(h) + Duration::minutes(j);
                    let m1 = m0 + Duration::minutes(1);
                    m.start < m1 && m.end.is_none_or(|e| e > m0)
                })
                .count() as i64;
            mc_x60[k] += m.hourly_rate() * Decimal::from(minutes);
        }
    }

    // Instrument charges on the requested basis.
    let mut instruments = Vec::with_capacity(ni);
    for (i, (inst, _)) in insts.iter().enumerate() {
        let mut charges = Decimal::ZERO;
        let mut charge = |k: usize, amount: Decimal, kind: ChargeKind, totals: &mut Totals| {
            charges += amount;
            match inst.kind {
                InstrumentKind::Commitment => commitment[k] += amount,
                InstrumentKind::Reservation => reservation[k] += amount,
            }
            if kind == ChargeKind::Refund {
                totals.refunds += amount;
            }
        };
        match req.basis {
            Basis::Actual => {
                for &(at, amount, kind) in &inst.bills {
                    if at >= req.from && at < req.to {
                        charge(bucket_of(hour_of(at)), amount, kind, &mut totals);
                    }
                }
            }
            Basis::Amortized => {
                for h in from_h..to_h {
                    for s in &inst.spreads {
                        charge(bucket_of(h), s.in_hour(h), s.kind, &mut totals);
                    }
                }
            }
        }
        instruments.push(InstrumentUse {
            id: inst.id.clone(),
            kind: inst.kind,
            capacity_ptu_minutes: capacity_total[i],
            used_ptu_minutes: used_total[i],
            charges,
        });
    }

    // Periods and totals, divided once at the end.
    let sixty = Decimal::from(60);
    let mut periods = Vec::with_capacity(nb);
    for (k, &(a, b)) in periods_of.iter().enumerate() {
        periods.push(Period {
            start: hour_start(a),
            end: hour_start(b),
            hourly: hourly_x60[k] / sixty,
            commitment: commitment[k],
            reservation: reservation[k],
            managed_compute: mc_x60[k] / sixty,
        });
    }
    totals.hourly = hourly_x60.iter().copied().sum::<Decimal>() / sixty;
    totals.commitment = commitment.iter().copied().sum();
    totals.reservation = reservation.iter().copied().sum();
    totals.managed_compute = mc_x60.iter().copied().sum::<Decimal>() / sixty;

    // Windows: runs of adjacent hours of one kind and subject (explained by
    // the caller).
    let mut windows = Vec::new();
    for ((kind, subject), hours) in cells {
        let mut run: Option<(i64, i64, Cell)> = None;
        let flush = |run: Option<(i64, i64, Cell)>, windows: &mut Vec<Window>| {
            if let Some((a, b, c)) = run {
                windows.push(Window {
                    kind,
                    start: hour_start(a),
                    end: hour_start(b),
                    ptu_minutes: c.minutes,
                    cost: match kind {
                        WindowKind::Overage => c.cost_x60 / sixty,
                        _ => quotient_sum(&c.cost_by_capacity),
                    },
                    subject: subject.clone(),
                    explanation: String::new(),
                });
            }
        };
        for (h, cell) in hours {
            match &mut run {
                Some((_, b, c)) if *b == h => {
                    *b = h + 1;
                    c.minutes += cell.minutes;
                    c.cost_x60 += cell.cost_x60;
                    for (cap, x) in cell.cost_by_capacity {
                        *c.cost_by_capacity.entry(cap).or_default() += x;
                    }
                }
                _ => {
                    flush(run.take(), &mut windows);
                    run = Some((h, h + 1, cell));
                }
            }
        }
        flush(run, &mut windows);
    }
    windows.sort_by(|x, y| (x.start, x.kind, &x.subject).cmp(&(y.start, y.kind, &y.subject)));

    let unverified: BTreeSet<PriceRef> = insts
        .iter()
        .flat_map(|(_, prices)| prices.iter().cloned())
        .chain(hourly_prices.into_iter().flatten())
        .filter(|x| !x.verified)
        .collect();

    Ok(Forecast {
        from: req.from,
        to: req.to,
        currency: estate.currency.clone(),
        basis: req.basis,
        by: req.by,
        totals,
        instruments,
        windows,
        periods,
        unverified_prices: unverified.into_iter().collect(),
    })
}

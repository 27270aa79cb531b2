//! The naive reference engine: a test oracle for the fast [`super::engine`].
//!
//! It shares with the fast engine only what [`Prepared`] holds: the schedule
//! of every instrument (capacity step points, scope timeline, purchase order,
//! bills and spreads), the prices, scope membership and the explanation
//! texts. Those are rules, unit-tested on their own. Everything else is
//! computed here the slow, obvious way, straight from DOMAIN.md 2 and 8:
//!
//! - every clock hour of the window, one after the other;
//! - within it, every deployment and every one of its 60 minutes: a minute
//!   counts if the deployment exists at any instant of it, at the largest size
//!   it had in it (the size at the minute's start and at every step point
//!   strictly inside the minute, the largest of them);
//! - every instrument's capacity per minute: the smallest of the same values
//!   of its capacity step function (active for the whole minute only);
//! - per hour, the pooling: commitments on their resource's Regional pool,
//!   then reservations narrowest scope first, first come first served, each
//!   taking its coverage out of its eligible pools in proportion to what each
//!   holds; double billing against commitment coverage in the same order; the
//!   rest pays the hourly rate;
//! - per hour, one window cell per (kind, subject), merged afterwards into
//!   runs of adjacent hours;
//! - charges on the actual basis from the bills in the window, on the
//!   amortized basis hour by hour from the spreads.
//!
//! Money is kept exact and divided late: hourly charges as price x minutes
//! (divided by 60 once per total), amortized window costs as amortized cost x
//! minutes per capacity denominator, divided once per window over a common
//! denominator. When a price is missing, the error names the first pool that
//! needs it in time (the earliest hour, then the pools in `Prepared::groups`
//! order).
//!
//! Nothing here is clever, and nothing is shared with `engine.rs` or
//! `minutes.rs`: a property test (`tests/rating_equivalence.rs`) holds the two
//! engines equal on random estates.

use super::alloc::largest_remainder;
use super::prepare::{ChargeKind, InstrumentKind, Prepared, hour_index};
use super::{
    Basis, Forecast, InstrumentUse, Options, Period, RatingError, Request, Totals, Window,
    WindowKind, buckets, check_request,
};
use crate::domain::prices::{PriceBook, PriceRef};
use crate::domain::time::Time;
use crate::domain::{Estate, Sku};
use chrono::{Duration, TimeZone, Utc};
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
    let p = Prepared::new(estate, book, req.from, req.to, opts)?;
    rate(&p, req)
}

/// The start of hour `h` (hours since the Unix epoch).
fn hour_start(h: i64) -> Time {
    Utc.timestamp_opt(h * 3600, 0).single().expect("in range")
}

/// The value of a step function at `t`: the value of the latest point at or
/// before `t` (of two points at one instant, the later in the list), 0 before
/// the first point.
fn value_at(points: &[(Time, i64)], t: Time) -> i64 {
    let mut best: Option<(Time, i64)> = None;
    for &(at, v) in points {
        if at <= t && best.is_none_or(|b| at >= b.0) {
            best = Some((at, v));
        }
    }
    best.map_or(0, |b| b.1)
}

/// Every value a step function takes during the minute starting at `m0`:
/// at its start and at every point strictly inside it.
fn values_in_minute(points: &[(Time, i64)], m0: Time) -> Vec<i64> {
    let m1 = m0 + Duration::seconds(60);
    let mut v = vec![value_at(points, m0)];
    for &(at, _) in points {
        if at > m0 && at < m1 {
            v.push(value_at(points, at));
        }
    }
    v
}

/// A deployment's PTU-minutes in hour `h`: each minute at the largest size it had in it.
fn usage_in_hour(points: &[(Time, i64)], h: i64) -> i64 {
    (0..60)
        .map(|m| {
            let m0 = hour_start(h) + Duration::minutes(m);
            values_in_minute(points, m0)
                .into_iter()
                .max()
                .expect("one value at least")
        })
        .sum()
}

/// An instrument's PTU-minutes of capacity in hour `h`: each minute at the
/// smallest size it had in it (0 unless active for the whole minute).
fn capacity_in_hour(points: &[(Time, i64)], h: i64) -> i64 {
    (0..60)
        .map(|m| {
            let m0 = hour_start(h) + Duration::minutes(m);
            values_in_minute(points, m0)
                .into_iter()
                .min()
                .expect("one value at least")
        })
        .sum()
}

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
    /// The resource of an overage cell.
    resource: Option<usize>,
}

/// Rates a prepared window, hour by hour.
fn rate(p: &Prepared, req: &Request) -> Result<Forecast, RatingError> {
    let (from_h, to_h) = (hour_index(req.from), hour_index(req.to));
    let periods_of = buckets(req);
    let bucket_of = |h: i64| {
        periods_of
            .iter()
            .position(|&(a, b)| a <= h && h < b)
            .expect("hour in the window")
    };
    let nb = periods_of.len();
    let ng = p.groups.len();
    let ni = p.instruments.len();
    let estate = p.estate;

    let dep_points: Vec<Vec<(Time, i64)>> = (0..estate.deployments.len())
        .map(|d| p.deployment_points(d))
        .collect();

    let mut totals = Totals::default();
    let mut capacity_total = vec![0i64; ni];
    let mut used_total = vec![0i64; ni];
    let mut hourly_x60 = vec![Decimal::ZERO; nb];
    let mut commitment = vec![Decimal::ZERO; nb];
    let mut reservation = vec![Decimal::ZERO; nb];
    let mut mc_x60 = vec![Decimal::ZERO; nb];
    let mut hourly_prices: Vec<Option<PriceRef>> = vec![None; ng];
    let mut cells: BTreeMap<(WindowKind, String), BTreeMap<i64, Cell>> = BTreeMap::new();

    for h in from_h..to_h {
        let k = bucket_of(h);

        // Usage per pool (resource, deployment type), capacity per instrument.
        let usage: Vec<i64> = p
            .groups
            .iter()
            .map(|g| {
                g.deployments
                    .iter()
                    .map(|&d| usage_in_hour(&dep_points[d], h))
                    .sum()
            })
            .collect();
        let cap: Vec<i64> = p
            .instruments
            .iter()
            .map(|i| capacity_in_hour(&i.capacity, h))
            .collect();
        // The amortized cost of an instrument in this hour.
        let amortized = |i: usize| -> Decimal {
            p.instruments[i]
                .spreads
                .iter()
                .map(|s| s.sum_hours(h, h + 1))
                .sum()
        };

        totals.deployed_ptu_minutes += usage.iter().sum::<i64>();
        let mut rem = usage.clone();
        let mut ccov = vec![0i64; ng];

        // 1. Commitments: their resource's Regional pool.
        for (i, inst) in p.instruments.iter().enumerate() {
            if inst.kind != InstrumentKind::Commitment || cap[i] == 0 {
                continue;
            }
            let pool = (0..ng).find(|&g| {
                Some(p.groups[g].resource) == inst.resource && p.groups[g].sku == Sku::Regional
            });
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
                    amortized(i) * Decimal::from(idle);
            }
        }

        // 2. Reservations: (scope level, purchase order, id), each on the pools
        //    of its region and type that its scope in force this hour holds.
        let mut order: Vec<(u8, Time, String, usize, Vec<usize>)> = Vec::new();
        for (i, inst) in p.instruments.iter().enumerate() {
            if inst.kind != InstrumentKind::Reservation || cap[i] == 0 {
                continue;
            }
            let scope = inst
                .scope_at_hour(h)
                .expect("an active reservation has a scope");
            let pools: Vec<usize> = (0..ng)
                .filter(|&g| {
                    let res = &estate.resources[p.groups[g].resource];
                    res.region == inst.region
                        && p.groups[g].sku == inst.sku
                        && p.scopes.contains(scope, res)
                })
                .collect();
            order.push((scope.level(), inst.order_instant, inst.id.clone(), i, pools));
        }
        order.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        let mut idle = vec![0i64; order.len()];
        for (n, (_, _, _, i, pools)) in order.iter().enumerate() {
            let i = *i;
            let eligible: i64 = pools.iter().map(|&g| rem[g]).sum();
            let cov = cap[i].min(eligible);
            remove(&mut rem, pools, cov);
            capacity_total[i] += cap[i];
            used_total[i] += cov;
            totals.reservation_covered_ptu_minutes += cov;
            totals.unused_reservation_ptu_minutes += cap[i] - cov;
            idle[n] = cap[i] - cov;
        }

        // 3. Double billing: idle reservation capacity beside commitment
        //    coverage of pools it could have covered, each commitment-covered
        //    minute counted once, in the reservations' order.
        for (n, (_, _, id, i, pools)) in order.iter().enumerate() {
            let i = *i;
            if idle[n] == 0 {
                continue;
            }
            let avail: i64 = pools.iter().map(|&g| ccov[g]).sum();
            let db = idle[n].min(avail);
            remove(&mut ccov, pools, db);
            let unused = idle[n] - db;
            for (kind, m) in [
                (WindowKind::DoubleBilling, db),
                (WindowKind::Unused, unused),
            ] {
                if m > 0 {
                    let c = cells
                        .entry((kind, id.clone()))
                        .or_default()
                        .entry(h)
                        .or_default();
                    c.minutes += m;
                    *c.cost_by_capacity.entry(cap[i]).or_default() +=
                        amortized(i) * Decimal::from(m);
                }
            }
        }

        // 4. What is left pays the hourly rate.
        for g in 0..ng {
            if rem[g] == 0 {
                continue;
            }
            if hourly_prices[g].is_none() {
                hourly_prices[g] = Some(p.hourly_price(&p.groups[g])?);
            }
            let price = hourly_prices[g].as_ref().expect("just set").amount;
            let x60 = price * Decimal::from(rem[g]);
            hourly_x60[k] += x60;
            totals.hourly_ptu_minutes += rem[g];
            let r = p.groups[g].resource;
            let c = cells
                .entry((WindowKind::Overage, estate.resources[r].id.clone()))
                .or_default()
                .entry(h)
                .or_default();
            c.minutes += rem[g];
            c.cost_x60 += x60;
            c.resource = Some(r);
        }

        // Managed compute: every minute it runs at any instant of.
        for m in &estate.managed_compute {
            let minutes = (0..60)
                .filter(|&j| {
                    let m0 = hour_start(h) + Duration::minutes(j);
                    let m1 = m0 + Duration::seconds(60);
                    m.start < m1 && m.end.is_none_or(|e| e > m0)
                })
                .count() as i64;
            mc_x60[k] += m.hourly_rate() * Decimal::from(minutes);
        }
    }

    // Instrument charges on the requested basis.
    let mut instruments = Vec::with_capacity(ni);
    for (i, inst) in p.instruments.iter().enumerate() {
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
                for b in &inst.bills {
                    if b.at >= req.from && b.at < req.to {
                        charge(bucket_of(hour_index(b.at)), b.amount, b.kind, &mut totals);
                    }
                }
            }
            Basis::Amortized => {
                for h in from_h..to_h {
                    for s in &inst.spreads {
                        charge(bucket_of(h), s.sum_hours(h, h + 1), s.kind, &mut totals);
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

    // Windows: runs of adjacent hours of one kind and subject.
    let mut windows = Vec::new();
    for ((kind, subject), hours) in cells {
        let mut run: Option<(i64, i64, Cell)> = None;
        let flush = |run: Option<(i64, i64, Cell)>, windows: &mut Vec<Window>| {
            if let Some((a, b, c)) = run {
                let (start, end) = (hour_start(a), hour_start(b));
                let explanation = match kind {
                    WindowKind::Overage => {
                        p.explain_overage(c.resource.expect("overage has a resource"), start, end)
                    }
                    WindowKind::DoubleBilling => p.explain_double_billing(&subject),
                    WindowKind::Unused => p.explain_unused(&subject),
                };
                let cost = match kind {
                    WindowKind::Overage => c.cost_x60 / sixty,
                    _ => super::alloc::quotient_sum(&c.cost_by_capacity),
                };
                windows.push(Window {
                    kind,
                    start,
                    end,
                    ptu_minutes: c.minutes,
                    cost,
                    subject: subject.clone(),
                    explanation,
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
                    c.resource = c.resource.or(cell.resource);
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

    let mut unverified: BTreeSet<PriceRef> = p
        .prices_used
        .iter()
        .filter(|x| !x.verified)
        .cloned()
        .collect();
    unverified.extend(hourly_prices.into_iter().flatten().filter(|x| !x.verified));

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

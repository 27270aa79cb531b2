//! The fast engine: rates components of interacting pools and instruments
//! class by class (runs of identical hours, or single hours with a change
//! inside), as the module documentation of [`crate::rating`] explains.

use super::minutes::{Steps, Within};
use super::prepare::{ChargeKind, InstrumentKind, Prepared, hour_index};
use super::{
    Basis, Forecast, InstrumentUse, Period, RatingError, Request, Totals, Window, WindowKind,
};
use crate::domain::Sku;
use crate::domain::prices::PriceRef;
use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A piece of a window from one class of one component.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    pub kind: WindowKind,
    pub subject: String,
    /// Resource index of an overage piece (for its explanation).
    pub resource: Option<usize>,
    pub start_h: i64,
    pub end_h: i64,
    pub minutes: i64,
    /// Hourly cost x 60 (overage).
    pub cost_x60: Decimal,
    /// Double billing and unused: amortized cost x PTU-minutes, per the
    /// capacity (PTU-minutes in an hour) it is divided by, so that a window's
    /// cost is divided once.
    pub cost_by_capacity: BTreeMap<i64, Decimal>,
}

/// Union-find over groups and instruments.
struct Dsu(Vec<usize>);

impl Dsu {
    fn find(&mut self, x: usize) -> usize {
        let mut r = x;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut c = x;
        while self.0[c] != r {
            let n = self.0[c];
            self.0[c] = r;
            c = n;
        }
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// A reservation's eligible groups per scope epoch: (from hour, level, the
/// index of the set of groups its scope holds).
type Epochs = Vec<(i64, u8, usize)>;

/// Per-bucket money accumulators.
#[derive(Clone, Default)]
struct BucketSums {
    hourly_x60: Decimal,
    commitment: Decimal,
    reservation: Decimal,
    mc_x60: Decimal,
}

fn bucket_of(buckets: &[(i64, i64)], h: i64) -> usize {
    buckets.partition_point(|b| b.1 <= h)
}

/// Rates a prepared window.
pub fn rate(p: &Prepared, req: &Request) -> Result<Forecast, RatingError> {
    rate_with(p, req, false).map(|(f, _)| f)
}

/// Rates a prepared window, and with `detail` also each instrument's use
/// and amortized cost per period.
pub fn rate_with(
    p: &Prepared,
    req: &Request,
    detail: bool,
) -> Result<(Forecast, Option<Vec<InstrumentPeriod>>), RatingError> {
    rate_full(p, req, detail).map(|(f, periods, _)| (f, periods))
}

/// Everything: the forecast, and with `detail` the per-instrument periods and
/// the per-deployment use.
pub fn rate_full(p: &Prepared, req: &Request, detail: bool) -> Result<Rated, RatingError> {
    let want = if detail {
        Detail {
            periods: true,
            split: Split::Window,
        }
    } else {
        Detail::NONE
    };
    rate_detail(p, req, want, None)
}

/// How far to split a pool's hourly figures among its deployments
/// (docs/forecast.md#per-deployment-shares). The split costs a few exact
/// divisions per deployment and class of hours: asked only where shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// No per-deployment figures.
    None,
    /// Each deployment's use over the whole window.
    Window,
    /// One deployment's use over the whole window (its index in the
    /// estate's deployments): only its pool is split, and the components
    /// it is not in are rated as without a split.
    Deployment(usize),
    /// Each deployment's PTU-minutes and hourly-rate share in each bucket
    /// (`periods` row) of the window, as if each bucket were rated on its
    /// own; without what covered it (`covered` stays empty).
    Buckets,
}

/// The detail a rating computes beside the forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detail {
    /// Each instrument's use and amortized cost per period.
    pub periods: bool,
    pub split: Split,
}

impl Detail {
    /// The forecast alone.
    pub const NONE: Detail = Detail {
        periods: false,
        split: Split::None,
    };
}

/// One class of hours in which a resource's pool of one deployment type
/// pays the hourly rate at a constant PTU-minutes an hour: hours
/// `[start_h, end_h)`, `ptu_minutes` in each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverageClass {
    /// Index in `estate.resources`.
    pub resource: usize,
    pub sku: Sku,
    pub start_h: i64,
    pub end_h: i64,
    /// PTU-minutes paid hourly in each hour of the class.
    pub ptu_minutes: i64,
}

/// [`rate_full`], recording the hourly-rate usage class by class (windows
/// merge adjacent classes; these keep each hour's own figure).
pub fn rate_recording(
    p: &Prepared,
    req: &Request,
    detail: bool,
    overage: Option<&mut Vec<OverageClass>>,
) -> Result<Rated, RatingError> {
    let want = if detail {
        Detail {
            periods: true,
            split: Split::Window,
        }
    } else {
        Detail::NONE
    };
    rate_detail(p, req, want, overage)
}

/// Rates a prepared window with the detail asked for, recording the
/// hourly-rate usage class by class when `overage` is given. With
/// [`Split::Buckets`], the per-deployment uses come one per (deployment,
/// bucket) it used, in bucket order, then deployment order.
pub fn rate_detail(
    p: &Prepared,
    req: &Request,
    want: Detail,
    overage: Option<&mut Vec<OverageClass>>,
) -> Result<Rated, RatingError> {
    let steps = group_steps(p, req.from, req.to);
    let steps: Vec<&Steps> = steps.iter().collect();
    rate_steps(p, req, want, overage, &steps, true)
}

/// [`rate_detail`] with every reservation taken on its own, never a
/// scope's reservations together as a chain: what the chains must equal.
#[cfg(test)]
pub(crate) fn rate_detail_unchained(
    p: &Prepared,
    req: &Request,
    want: Detail,
) -> Result<Rated, RatingError> {
    let steps = group_steps(p, req.from, req.to);
    let steps: Vec<&Steps> = steps.iter().collect();
    rate_steps(p, req, want, None, &steps, false)
}

/// Each pool's deployed PTUs as a step function, from the deployments
/// that exist at some instant of `[from, to)`: exact over every minute of
/// that span (a deployment that exists only outside it adds nothing in it).
/// Groups follow `p.groups`, which depend on the estate alone.
pub fn group_steps(
    p: &Prepared,
    from: crate::domain::time::Time,
    to: crate::domain::time::Time,
) -> Vec<Steps> {
    p.groups.iter().map(|g| p.pool_steps(g, from, to)).collect()
}

/// [`rate`] with the pools' steps given: `steps` from [`group_steps`] of a
/// prepared window of the same estate over a span that holds `req`'s
/// window. The engine reads a pool's steps only at the minutes of the
/// window, where they are the same for any such span, so the forecast is
/// the one [`rate`] gives; ratings of several windows of one estate share
/// the steps (each pool's borrowed from wherever it was made).
pub fn rate_sharing(
    p: &Prepared,
    req: &Request,
    steps: &[&Steps],
) -> Result<Forecast, RatingError> {
    rate_steps(p, req, Detail::NONE, None, steps, true).map(|(f, _, _)| f)
}

fn rate_steps(
    p: &Prepared,
    req: &Request,
    want: Detail,
    mut overage: Option<&mut Vec<OverageClass>>,
    group_steps: &[&Steps],
    chains: bool,
) -> Result<Rated, RatingError> {
    let from_h = hour_index(req.from);
    let to_h = hour_index(req.to);
    let buckets = super::buckets(req);
    let mut sums = vec![BucketSums::default(); buckets.len()];
    let ng = p.groups.len();
    let ni = p.instruments.len();
    debug_assert_eq!(group_steps.len(), ng);
    let inst_steps: Vec<Steps> = p
        .instruments
        .iter()
        .map(|i| Steps::from_points(&i.capacity, Within::Min))
        .collect();

    let group_index: HashMap<(usize, Sku), usize> = p
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| ((g.resource, g.sku), i))
        .collect();
    let mut by_region_sku: HashMap<(&str, Sku), Vec<usize>> = HashMap::new();
    for (gi, g) in p.groups.iter().enumerate() {
        by_region_sku
            .entry((p.estate.resources[g.resource].region.as_str(), g.sku))
            .or_default()
            .push(gi);
    }

    // What each instrument may cover.
    let mut commit_group: Vec<Option<usize>> = vec![None; ni];
    let mut epochs: Vec<Epochs> = vec![Vec::new(); ni];
    let mut dsu = Dsu((0..ng + ni).collect());
    // The pools a scope holds, once per (region, type, scope): many
    // reservations share a scope.
    let mut held: HashMap<(&str, Sku, &crate::domain::Scope), usize> = HashMap::new();
    let mut sets: Vec<Vec<usize>> = Vec::new();
    for (ii, inst) in p.instruments.iter().enumerate() {
        match inst.kind {
            InstrumentKind::Commitment => {
                let r = inst.resource.expect("a commitment has a resource");
                commit_group[ii] = group_index.get(&(r, Sku::Regional)).copied();
                if let Some(g) = commit_group[ii] {
                    dsu.union(g, ng + ii);
                }
            }
            InstrumentKind::Reservation => {
                let candidates = by_region_sku.get(&(inst.region.as_str(), inst.sku));
                for (t, scope) in &inst.scopes {
                    let set = *held
                        .entry((inst.region.as_str(), inst.sku, scope))
                        .or_insert_with(|| {
                            sets.push(
                                candidates
                                    .into_iter()
                                    .flatten()
                                    .copied()
                                    .filter(|&g| {
                                        p.scopes.contains(
                                            scope,
                                            &p.estate.resources[p.groups[g].resource],
                                        )
                                    })
                                    .collect(),
                            );
                            sets.len() - 1
                        });
                    for &g in &sets[set] {
                        dsu.union(g, ng + ii);
                    }
                    epochs[ii].push((hour_index(*t), scope.level(), set));
                }
            }
        }
    }
    let mut components: BTreeMap<usize, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for g in 0..ng {
        let root = dsu.find(g);
        components.entry(root).or_default().0.push(g);
    }
    for i in 0..ni {
        let root = dsu.find(ng + i);
        components.entry(root).or_default().1.push(i);
    }

    let mut totals = Totals::default();
    let mut capacity = vec![0i64; ni];
    let mut used = vec![0i64; ni];
    let mut pieces: Vec<Piece> = Vec::new();
    let mut hourly_prices: Vec<Option<PriceRef>> = vec![None; ng];
    let mut details: Option<HashMap<(usize, usize), DetailSums>> = want.periods.then(HashMap::new);
    let mut missing: Option<(i64, usize, RatingError)> = None;
    let only = match want.split {
        Split::Deployment(d) => Some(d),
        _ => None,
    };
    // With one deployment asked for, only its pool's deployments are read.
    let read: Option<Vec<bool>> = only.map(|d| {
        let mut read = vec![false; p.estate.deployments.len()];
        for g in p.groups.iter().filter(|g| g.deployments.contains(&d)) {
            for &x in &g.deployments {
                read[x] = true;
            }
        }
        read
    });
    let mut dep_acc: Option<DepAcc> = (want.split != Split::None).then(|| DepAcc {
        steps: (0..p.estate.deployments.len())
            .map(|d| match &read {
                Some(read) if !read[d] => Steps::default(),
                _ => Steps::from_points(&p.deployment_points(d), Within::Max),
            })
            .collect(),
        by_bucket: want.split == Split::Buckets,
        only,
        sums: HashMap::new(),
    });

    for (groups, insts) in components.values() {
        rate_component(
            p,
            groups,
            insts,
            &ComponentCtx {
                from_h,
                to_h,
                buckets: &buckets,
                group_steps,
                inst_steps: &inst_steps,
                commit_group: &commit_group,
                epochs: &epochs,
                sets: &sets,
                chains,
            },
            &mut Acc {
                sums: &mut sums,
                totals: &mut totals,
                capacity: &mut capacity,
                used: &mut used,
                pieces: &mut pieces,
                hourly_prices: &mut hourly_prices,
                details: details.as_mut(),
                missing: &mut missing,
                deployments: dep_acc.as_mut(),
                overage: overage.as_deref_mut(),
            },
        );
    }
    if let Some((_, _, e)) = missing {
        return Err(e);
    }

    // Instrument charges, on the requested basis.
    let mut instruments = Vec::with_capacity(ni);
    for (ii, inst) in p.instruments.iter().enumerate() {
        let mut charges = Decimal::ZERO;
        let mut add = |b: usize,
                       amount: Decimal,
                       kind: ChargeKind,
                       sums: &mut [BucketSums],
                       totals: &mut Totals| {
            charges += amount;
            match inst.kind {
                InstrumentKind::Commitment => sums[b].commitment += amount,
                InstrumentKind::Reservation => sums[b].reservation += amount,
            }
            if kind == ChargeKind::Refund {
                totals.refunds += amount;
            }
        };
        match req.basis {
            Basis::Actual => {
                for bill in &inst.bills {
                    if bill.at >= req.from && bill.at < req.to {
                        add(
                            bucket_of(&buckets, hour_index(bill.at)),
                            bill.amount,
                            bill.kind,
                            &mut sums,
                            &mut totals,
                        );
                    }
                }
            }
            Basis::Amortized => {
                for s in &inst.spreads {
                    let (a, b) = (s.start_hour.max(from_h), s.end_hour().min(to_h));
                    if a >= b {
                        continue;
                    }
                    let mut k = bucket_of(&buckets, a);
                    while k < buckets.len() && buckets[k].0 < b {
                        let amount = s.sum_hours(buckets[k].0.max(a), buckets[k].1.min(b));
                        add(k, amount, s.kind, &mut sums, &mut totals);
                        k += 1;
                    }
                }
            }
        }
        instruments.push(InstrumentUse {
            id: inst.id.clone(),
            kind: inst.kind,
            capacity_ptu_minutes: capacity[ii],
            used_ptu_minutes: used[ii],
            charges,
        });
    }

    // Managed compute: per minute of uptime.
    for m in &p.estate.managed_compute {
        let mut pts = vec![(m.start, 1)];
        if let Some(e) = m.end {
            pts.push((e, 0));
        }
        let steps = Steps::from_points(&pts, Within::Max);
        let rate = m.hourly_rate();
        for (k, &(a, b)) in buckets.iter().enumerate() {
            let minutes = steps.integral(a * 60, b * 60);
            if minutes > 0 {
                sums[k].mc_x60 += rate * Decimal::from(minutes);
            }
        }
    }

    let sixty = Decimal::from(60);
    let mut periods = Vec::with_capacity(buckets.len());
    let (mut hourly_x60, mut mc_x60) = (Decimal::ZERO, Decimal::ZERO);
    for (k, &(a, b)) in buckets.iter().enumerate() {
        let s = &sums[k];
        hourly_x60 += s.hourly_x60;
        mc_x60 += s.mc_x60;
        totals.commitment += s.commitment;
        totals.reservation += s.reservation;
        periods.push(Period {
            start: hour_time(a),
            end: hour_time(b),
            hourly: s.hourly_x60 / sixty,
            commitment: s.commitment,
            reservation: s.reservation,
            managed_compute: s.mc_x60 / sixty,
        });
    }
    totals.hourly = hourly_x60 / sixty;
    totals.managed_compute = mc_x60 / sixty;

    let windows = merge_pieces(p, pieces);
    let instrument_periods = details.map(|mut d| {
        let mut out = Vec::new();
        for (ii, inst) in p.instruments.iter().enumerate() {
            for (k, &(a, b)) in buckets.iter().enumerate() {
                let amortized = inst.amortized(a, b);
                let sums = d.remove(&(ii, k)).unwrap_or_default();
                if amortized.is_zero() && sums.capacity == 0 {
                    continue;
                }
                out.push(InstrumentPeriod {
                    id: inst.id.clone(),
                    kind: inst.kind,
                    region: inst.region.clone(),
                    sku: inst.sku,
                    start: hour_time(a),
                    end: hour_time(b),
                    capacity_ptu_minutes: sums.capacity,
                    used_ptu_minutes: sums.used,
                    amortized,
                    used_cost: sums.used_cost,
                });
            }
        }
        out
    });
    let mut unverified: BTreeSet<PriceRef> = p
        .prices_used
        .iter()
        .filter(|x| !x.verified)
        .cloned()
        .collect();
    unverified.extend(hourly_prices.into_iter().flatten().filter(|x| !x.verified));

    let deployment_uses = dep_acc.map(|acc| {
        let mut out: Vec<DeploymentUse> = acc
            .sums
            .into_iter()
            .map(|((d, k), s)| DeploymentUse {
                id: p.estate.deployments[d].id.clone(),
                index: d,
                bucket: k,
                deployed_ptu_minutes: s.deployed,
                hourly_ptu_minutes: s.hourly_minutes,
                hourly_cost: s.hourly_cost_x60 / Decimal::from(60),
                covered: s
                    .covered
                    .into_iter()
                    .map(|(i, (m, c))| Coverage {
                        instrument: p.instruments[i].id.clone(),
                        ptu_minutes: m,
                        cost: c,
                    })
                    .collect(),
            })
            .collect();
        out.sort_by_key(|u| (u.bucket, u.index));
        out
    });
    let forecast = Forecast {
        from: req.from,
        to: req.to,
        currency: p.estate.currency.clone(),
        basis: req.basis,
        by: req.by,
        totals,
        instruments,
        windows,
        periods,
        unverified_prices: unverified.into_iter().collect(),
    };
    Ok((forecast, instrument_periods, deployment_uses))
}

/// A forecast with its optional detail: per-instrument periods and
/// per-deployment use.
pub type Rated = (
    Forecast,
    Option<Vec<InstrumentPeriod>>,
    Option<Vec<DeploymentUse>>,
);

/// What one deployment used over the window: its PTU-minutes, its share of
/// the hourly charges, and its share of each instrument that covered its
/// pool (docs/forecast.md#per-deployment-shares: a pool's coverage in an hour is shared among its
/// deployments in proportion to their PTU-minutes). Totals come from the pool
/// rule; these shares are for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentUse {
    pub id: String,
    /// Index in `estate.deployments`.
    pub index: usize,
    /// Index of the bucket (`periods` row) with [`Split::Buckets`]; 0 otherwise.
    pub bucket: usize,
    pub deployed_ptu_minutes: i64,
    pub hourly_ptu_minutes: Decimal,
    pub hourly_cost: Decimal,
    pub covered: Vec<Coverage>,
}

impl DeploymentUse {
    /// Hourly charges plus the amortized cost of the coverage it used.
    pub fn cost(&self) -> Decimal {
        self.hourly_cost + self.covered.iter().map(|c| c.cost).sum::<Decimal>()
    }
}

/// A deployment's share of one instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub instrument: String,
    pub ptu_minutes: Decimal,
    /// The amortized cost of those PTU-minutes.
    pub cost: Decimal,
}

struct DepAcc {
    steps: Vec<Steps>,
    /// Sums per bucket rather than over the window.
    by_bucket: bool,
    /// The one deployment split ([`Split::Deployment`]).
    only: Option<usize>,
    /// Per (deployment, bucket; 0 when not by bucket).
    sums: HashMap<(usize, usize), DepSums>,
}

#[derive(Default)]
struct DepSums {
    deployed: i64,
    hourly_minutes: Decimal,
    hourly_cost_x60: Decimal,
    covered: BTreeMap<usize, (Decimal, Decimal)>,
}

/// A pool's classes in a row in which each of its deployments has the
/// same PTU-minutes per hour, in one bucket: what they add up to before
/// it is shared among the deployments in proportion to their PTU-minutes
/// (a deployment's share of a sum is the sum of its shares).
#[derive(Default)]
struct PoolRun {
    open: bool,
    /// The first minute of the last class added.
    last_m0: i64,
    bucket: usize,
    /// The deployments using the pool and their PTU-minutes per hour; the
    /// pool's.
    vals: Vec<(usize, i64)>,
    usage: i64,
    hours: i64,
    /// PTU-minutes paying the hourly rate, and the rate (one per
    /// component: its region and type).
    hourly_minutes: i64,
    unit: Decimal,
    /// Per instrument: the PTU-minutes it covered and their amortized cost.
    covered: Vec<(usize, i64, Decimal)>,
}

impl PoolRun {
    /// Adds `hours` of a class: per hour, `rem` PTU-minutes at `unit`, and
    /// `cover` (pool, instrument, PTU-minutes, cost) from the instruments.
    fn add(&mut self, hours: i64, rem: i64, unit: Decimal, cover: &[(usize, usize, i64, Decimal)]) {
        let nd = Decimal::from(hours);
        self.hours += hours;
        if rem > 0 {
            self.hourly_minutes += rem * hours;
            self.unit = unit;
        }
        for &(_, i, m, cost) in cover {
            match self.covered.iter_mut().find(|c| c.0 == i) {
                Some(c) => {
                    c.1 += m * hours;
                    c.2 += cost * nd;
                }
                None => self.covered.push((i, m * hours, cost * nd)),
            }
        }
    }

    /// Shares what the run holds among its deployments, and empties it
    /// (the deployments stay).
    fn flush(&mut self, sums: &mut HashMap<(usize, usize), DepSums>) {
        if self.hours == 0 {
            return;
        }
        // Each share is u x sum / usage, multiplied first: a PTU-minutes
        // share is rounded once (exact where it divides), a cost share
        // once more only where the product outgrows 28 digits.
        let usage = Decimal::from(self.usage);
        // The cost x 60 of the minutes paying the hourly rate, exact.
        let hourly_cost_x60 = self.unit * Decimal::from(self.hourly_minutes);
        for &(d, u) in &self.vals {
            let ud = Decimal::from(u);
            let share = |m: i64| Decimal::from(i128::from(u) * i128::from(m)) / usage;
            let e = sums.entry((d, self.bucket)).or_default();
            e.deployed += u * self.hours;
            e.hourly_minutes += share(self.hourly_minutes);
            e.hourly_cost_x60 += ud * hourly_cost_x60 / usage;
            for &(i, m, cost) in &self.covered {
                let c = e.covered.entry(i).or_default();
                c.0 += share(m);
                c.1 += ud * cost / usage;
            }
        }
        self.hours = 0;
        self.hourly_minutes = 0;
        self.covered.clear();
    }

    /// Flushes and closes the run.
    fn end(&mut self, sums: &mut HashMap<(usize, usize), DepSums>) {
        if self.open {
            self.flush(sums);
            self.open = false;
        }
    }
}

/// One instrument over one period: its use, and its amortized cost split
/// into what covered usage and what sat idle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentPeriod {
    pub id: String,
    pub kind: InstrumentKind,
    pub region: String,
    pub sku: Sku,
    pub start: crate::domain::time::Time,
    pub end: crate::domain::time::Time,
    pub capacity_ptu_minutes: i64,
    pub used_ptu_minutes: i64,
    /// The instrument's amortized cost in the period.
    pub amortized: Decimal,
    /// The part of it that paid for covered usage.
    pub used_cost: Decimal,
}

impl InstrumentPeriod {
    /// The part of the amortized cost that paid for nothing.
    pub fn unused_cost(&self) -> Decimal {
        self.amortized - self.used_cost
    }
}

#[derive(Default)]
struct DetailSums {
    capacity: i64,
    used: i64,
    used_cost: Decimal,
}

/// One class of one instrument: hours `[a, b)`, capacity and coverage per hour.
struct ClassUse {
    i: usize,
    a: i64,
    b: i64,
    cap: i64,
    cov: i64,
}

/// Adds one class of an instrument's use to the per-period detail.
fn add_detail(acc: &mut Acc, ctx: &ComponentCtx, inst: &super::prepare::Instrument, u: ClassUse) {
    let Some(details) = acc.details.as_deref_mut() else {
        return;
    };
    let ClassUse { i, a, b, cap, cov } = u;
    let mut k = bucket_of(ctx.buckets, a);
    while k < ctx.buckets.len() && ctx.buckets[k].0 < b {
        let (lo, hi) = (ctx.buckets[k].0.max(a), ctx.buckets[k].1.min(b));
        let e = details.entry((i, k)).or_default();
        e.capacity += cap * (hi - lo);
        e.used += cov * (hi - lo);
        if cov > 0 {
            e.used_cost += inst.amortized(lo, hi) * Decimal::from(cov) / Decimal::from(cap);
        }
        k += 1;
    }
}

/// The start of an hour given in hours since the epoch.
pub fn hour_time(h: i64) -> crate::domain::time::Time {
    Utc.timestamp_opt(h * 3600, 0).single().expect("in range")
}

struct ComponentCtx<'a> {
    from_h: i64,
    to_h: i64,
    buckets: &'a [(i64, i64)],
    group_steps: &'a [&'a Steps],
    inst_steps: &'a [Steps],
    commit_group: &'a [Option<usize>],
    epochs: &'a [Epochs],
    /// The groups each scope holds, by the index the epochs give.
    sets: &'a [Vec<usize>],
    /// Whether a scope's reservations may be taken together as a chain
    /// (where the sets of a level never overlap); without, each
    /// reservation takes on its own (the same figures: tests compare).
    chains: bool,
}

struct Acc<'a> {
    sums: &'a mut [BucketSums],
    totals: &'a mut Totals,
    capacity: &'a mut [i64],
    used: &'a mut [i64],
    pieces: &'a mut Vec<Piece>,
    hourly_prices: &'a mut [Option<PriceRef>],
    details: Option<&'a mut HashMap<(usize, usize), DetailSums>>,
    /// The earliest (hour, pool) that lacks an hourly price.
    missing: &'a mut Option<(i64, usize, RatingError)>,
    deployments: Option<&'a mut DepAcc>,
    overage: Option<&'a mut Vec<OverageClass>>,
}

/// An open run of one window subject within a component: extended while
/// the next class has the same kind for it, turned into a [`Piece`] when a
/// class without it comes (or the component ends).
struct Run {
    start_h: i64,
    end_h: i64,
    minutes: i64,
    /// Idle cost per capacity denominator (double billing and unused).
    by_cap: Vec<(i64, Decimal)>,
}

/// The open runs of one window kind, one slot per subject.
struct Runs {
    kind: WindowKind,
    open: Vec<Option<Run>>,
}

impl Runs {
    fn new(kind: WindowKind, n: usize) -> Runs {
        Runs {
            kind,
            open: (0..n).map(|_| None).collect(),
        }
    }

    /// Adds hours `[a, b)` with `minutes` (and a capacity's idle cost) to
    /// subject `s`, closing its run first when it stopped before `a`.
    fn add(
        &mut self,
        s: usize,
        a: i64,
        b: i64,
        minutes: i64,
        cap_cost: Option<(i64, Decimal)>,
        close: &mut impl FnMut(WindowKind, usize, Run),
    ) {
        let slot = &mut self.open[s];
        if slot.as_ref().is_some_and(|r| r.end_h != a) {
            close(self.kind, s, slot.take().expect("open"));
        }
        let run = slot.get_or_insert_with(|| Run {
            start_h: a,
            end_h: a,
            minutes: 0,
            by_cap: Vec::new(),
        });
        run.end_h = b;
        run.minutes += minutes;
        if let Some((cap, cost)) = cap_cost {
            match run.by_cap.iter_mut().find(|x| x.0 == cap) {
                Some(x) => x.1 += cost,
                None => run.by_cap.push((cap, cost)),
            }
        }
    }

    fn close_all(&mut self, close: &mut impl FnMut(WindowKind, usize, Run)) {
        for (s, slot) in self.open.iter_mut().enumerate() {
            if let Some(run) = slot.take() {
                close(self.kind, s, run);
            }
        }
    }
}

/// Rates one component over the window, class by class.
///
/// The values of the component's step functions are carried from class to
/// class and updated only where a breakpoint falls (an hour with a change
/// inside it integrates just the functions that change in it), and windows
/// grow as open runs per subject, so that memory holds runs, not classes.
fn rate_component(
    p: &Prepared,
    groups: &[usize],
    insts: &[usize],
    ctx: &ComponentCtx,
    acc: &mut Acc,
) {
    let (from_m, to_m) = (ctx.from_h * 60, ctx.to_h * 60);
    let n_groups = groups.len();
    // The pools split among their deployments: every pool, the one holding
    // the deployment asked for, or none.
    let track: Vec<bool> = match acc.deployments.as_deref() {
        None => vec![false; n_groups],
        Some(dacc) => groups
            .iter()
            .map(|&g| {
                dacc.only
                    .is_none_or(|d| p.groups[g].deployments.contains(&d))
            })
            .collect(),
    };
    let splitting = track.contains(&true);
    // Slots: the component's groups, then its instruments.
    let steps: Vec<&Steps> = groups
        .iter()
        .map(|&g| ctx.group_steps[g])
        .chain(insts.iter().map(|&i| &ctx.inst_steps[i]))
        .collect();
    // Hours where a class starts, hours with a change inside them, and the
    // breakpoints inside the window as (minute, slot, value).
    let mut cuts: Vec<i64> = vec![ctx.from_h, ctx.to_h];
    let mut dirty: Vec<i64> = Vec::new();
    let mut events: Vec<(i64, usize, i64)> = Vec::new();
    {
        let mut mark = |m: i64| {
            if m > from_m && m < to_m {
                let h = m.div_euclid(60);
                cuts.push(h);
                if m.rem_euclid(60) != 0 {
                    dirty.push(h);
                    cuts.push(h + 1);
                }
                true
            } else {
                false
            }
        };
        for (s, st) in steps.iter().enumerate() {
            for &(m, v) in &st.0 {
                if mark(m) {
                    events.push((m, s, v));
                }
            }
        }
        for &i in insts {
            ctx.epochs[i].iter().for_each(|e| {
                mark(e.0 * 60);
            });
        }
        // With the per-deployment split, a deployment's change is a class
        // boundary too: its share of the pool may change while the pool's
        // sum does not (two deployments trading sizes, one replacing
        // another of the same size).
        if let Some(dacc) = acc.deployments.as_deref() {
            for (&g, _) in groups.iter().zip(&track).filter(|x| *x.1) {
                for &d in &p.groups[g].deployments {
                    for &(m, _) in &dacc.steps[d].0 {
                        mark(m);
                    }
                }
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    dirty.sort_unstable();
    dirty.dedup();
    events.sort_unstable_by_key(|e| (e.0, e.1));
    let mut current: Vec<i64> = steps.iter().map(|s| s.at(from_m)).collect();
    let mut vals: Vec<i64> = vec![0; steps.len()];
    let (mut next_event, mut next_dirty) = (0usize, 0usize);

    let local: HashMap<usize, usize> = groups.iter().enumerate().map(|(l, &g)| (g, l)).collect();
    // Commitments: (slot, instrument, its local pool).
    let commits: Vec<(usize, usize, Option<usize>)> = insts
        .iter()
        .enumerate()
        .filter(|&(_, &i)| p.instruments[i].kind == InstrumentKind::Commitment)
        .map(|(k, &i)| (n_groups + k, i, ctx.commit_group[i].map(|g| local[&g])))
        .collect();
    // Reservations: (slot, instrument), their rank by first come first
    // served, and their scope epochs over local pools.
    let mut reservations: Vec<(usize, usize)> = insts
        .iter()
        .enumerate()
        .filter(|&(_, &i)| p.instruments[i].kind == InstrumentKind::Reservation)
        .map(|(k, &i)| (n_groups + k, i))
        .collect();
    reservations.sort_by(|x, y| {
        let (a, b) = (&p.instruments[x.1], &p.instruments[y.1]);
        (a.order_instant, a.id.as_str(), x.1).cmp(&(b.order_instant, b.id.as_str(), y.1))
    });
    // Scope epochs as (from hour, level, local set), the sets over local pools.
    let mut local_set: HashMap<usize, usize> = HashMap::new();
    let mut local_sets: Vec<Vec<usize>> = Vec::new();
    let mut set_level: Vec<u8> = Vec::new();
    let local_epochs: Vec<Vec<(i64, u8, usize)>> = reservations
        .iter()
        .map(|&(_, i)| {
            ctx.epochs[i]
                .iter()
                .map(|&(h, lvl, set)| {
                    let ls = *local_set.entry(set).or_insert_with(|| {
                        local_sets.push(ctx.sets[set].iter().map(|g| local[g]).collect());
                        set_level.push(lvl);
                        local_sets.len() - 1
                    });
                    (h, lvl, ls)
                })
                .collect()
        })
        .collect();
    // When the sets of one scope level never overlap (one subscription
    // lies in one billing account and one management-group subtree), the
    // reservations of different scopes of a level take from different
    // pools: their order between scopes changes nothing, so each scope's
    // reservations can be taken together as a chain, and a chain whose
    // pools and capacities are those of an hour already rated leaves what
    // it left then.
    let disjoint = {
        let mut owner: Vec<[usize; 4]> = vec![[usize::MAX; 4]; n_groups];
        let mut ok = true;
        'sets: for (ls, gs) in local_sets.iter().enumerate() {
            let lvl = usize::from(set_level[ls]);
            for &g in gs {
                if owner[g][lvl] != usize::MAX && owner[g][lvl] != ls {
                    ok = false;
                    break 'sets;
                }
                owner[g][lvl] = ls;
            }
        }
        ok
    };
    // With the split asked for: the pools of each set that are split, as
    // (position in the set, local pool).
    let set_tracked: Vec<Vec<(usize, usize)>> = local_sets
        .iter()
        .map(|gs| {
            gs.iter()
                .enumerate()
                .filter(|x| track[*x.1])
                .map(|(k, &l)| (k, l))
                .collect()
        })
        .collect();
    // What a chain's takes took from its split pools: (take, pool, PTU-minutes).
    let mut chain_shares: Vec<(usize, usize, i64)> = Vec::new();
    let mut prev: Vec<i64> = Vec::new();
    let mut chains: Vec<ChainCache> = (0..local_sets.len())
        .map(|_| ChainCache::default())
        .collect();
    let mut chain_in: Vec<i64> = Vec::new();
    let mut chain_caps: Vec<i64> = Vec::new();
    let mut covs: Vec<i64> = Vec::new();
    let mut states: Vec<i64> = Vec::new();

    let mut usage = vec![0i64; n_groups];
    let mut rem = vec![0i64; n_groups];
    let mut ccov = vec![0i64; n_groups];
    let mut scratch = TakeScratch::default();
    // A chain's pools side by side while it takes.
    let mut cur: Vec<i64> = Vec::new();
    // Active reservations in application order: (scope level, rank, capacity, scope epoch).
    let mut order: Vec<(u8, usize, i64, usize)> = Vec::new();
    // The same per scope level (resource group, subscription, management
    // group, shared), each in rank order.
    let mut by_level: [Vec<(u8, usize, i64, usize)>; 4] = Default::default();
    let mut idle_of: Vec<i64> = Vec::new();
    // With the per-deployment split: (bucket, hours) of the class.
    let mut parts: Vec<(usize, i64)> = Vec::new();
    // With the per-deployment split: each pool's run of classes, and the
    // minutes where any of its deployments changes.
    let mut pool_runs: Vec<PoolRun> = Vec::new();
    let mut pool_points: Vec<Vec<i64>> = Vec::new();
    if let Some(dacc) = acc.deployments.as_deref().filter(|_| splitting) {
        pool_runs.resize_with(n_groups, PoolRun::default);
        pool_points = groups
            .iter()
            .map(|&g| {
                let mut ms: Vec<i64> = p.groups[g]
                    .deployments
                    .iter()
                    .flat_map(|&d| dacc.steps[d].0.iter().map(|x| x.0))
                    .collect();
                ms.sort_unstable();
                ms.dedup();
                ms
            })
            .collect();
    }
    // The pool's hourly price (one per component: one region and type).
    let mut price: Option<Result<PriceRef, ()>> = None;
    let mut paid_hourly = false;

    let mut overage_runs = Runs::new(WindowKind::Overage, n_groups);
    let mut unused_runs = Runs::new(WindowKind::Unused, insts.len());
    let mut double_runs = Runs::new(WindowKind::DoubleBilling, insts.len());
    let mut pieces: Vec<Piece> = Vec::new();
    let mut close = |kind: WindowKind, s: usize, run: Run| {
        let (subject, resource) = match kind {
            WindowKind::Overage => {
                let r = p.groups[groups[s]].resource;
                (p.estate.resources[r].id.clone(), Some(r))
            }
            _ => (p.instruments[insts[s]].id.clone(), None),
        };
        pieces.push(Piece {
            kind,
            subject,
            resource,
            start_h: run.start_h,
            end_h: run.end_h,
            minutes: run.minutes,
            cost_x60: Decimal::ZERO,
            cost_by_capacity: run.by_cap.into_iter().collect(),
        });
    };
    // Overage pieces get their cost once the price is known.
    let mut overage_pieces: Vec<Piece> = Vec::new();
    let mut close_overage = |kind: WindowKind, s: usize, run: Run| {
        let r = p.groups[groups[s]].resource;
        overage_pieces.push(Piece {
            kind,
            subject: p.estate.resources[r].id.clone(),
            resource: Some(r),
            start_h: run.start_h,
            end_h: run.end_h,
            minutes: run.minutes,
            cost_x60: Decimal::ZERO,
            cost_by_capacity: BTreeMap::new(),
        });
    };

    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let n = b - a;
        let m0 = a * 60;
        while next_event < events.len() && events[next_event].0 <= m0 {
            let (_, s, v) = events[next_event];
            current[s] = v;
            next_event += 1;
        }
        while next_dirty < dirty.len() && dirty[next_dirty] < a {
            next_dirty += 1;
        }
        let is_dirty = dirty.get(next_dirty) == Some(&a);
        for (v, &c) in vals.iter_mut().zip(&current) {
            *v = 60 * c;
        }
        if is_dirty {
            // Only what changes inside the hour needs its minutes summed.
            let mut k = next_event;
            while k < events.len() && events[k].0 < m0 + 60 {
                let s = events[k].1;
                vals[s] = steps[s].integral(m0, m0 + 60);
                k += 1;
            }
        }
        let value = |s: &Steps| {
            if is_dirty {
                s.integral(m0, m0 + 60)
            } else {
                60 * s.at(m0)
            }
        };

        // With detail: what covered each pool in this class, per hour:
        // (pool, instrument, PTU-minutes, amortized cost).
        let tracking = splitting && acc.deployments.as_ref().is_some_and(|d| !d.by_bucket);
        let mut cover: Vec<(usize, usize, i64, Decimal)> = Vec::new();
        let mut deployed = 0;
        for l in 0..n_groups {
            usage[l] = vals[l];
            rem[l] = usage[l];
            ccov[l] = 0;
            deployed += usage[l];
        }
        acc.totals.deployed_ptu_minutes += deployed * n;

        // 1. Commitments: their resource's Regional pool.
        for &(s, i, g) in &commits {
            let cap = vals[s];
            if cap == 0 {
                continue;
            }
            let cov = g.map_or(0, |g| cap.min(rem[g]));
            if let Some(g) = g {
                rem[g] -= cov;
                // Two commitments on one resource in one hour (one expires, the next starts) both count.
                ccov[g] += cov;
            }
            acc.capacity[i] += cap * n;
            acc.used[i] += cov * n;
            add_detail(acc, ctx, &p.instruments[i], ClassUse { i, a, b, cap, cov });
            if let (true, Some(g)) = (tracking && cov > 0, g.filter(|&g| track[g])) {
                let cost = p.instruments[i].amortized(a, b) * Decimal::from(cov)
                    / Decimal::from(cap)
                    / Decimal::from(n);
                cover.push((g, i, cov, cost));
            }
            acc.totals.commitment_covered_ptu_minutes += cov * n;
            let idle = cap - cov;
            if idle > 0 {
                acc.totals.unused_commitment_ptu_minutes += idle * n;
                let cost = p.instruments[i].amortized(a, b) * Decimal::from(idle);
                unused_runs.add(s - n_groups, a, b, idle * n, Some((cap, cost)), &mut close);
            }
        }

        // 2. Reservations: narrowest scope first, then first come first
        // served: ranks taken in order into one list per scope level.
        for l in by_level.iter_mut() {
            l.clear();
        }
        for (rank, &(s, _)) in reservations.iter().enumerate() {
            let cap = vals[s];
            if cap == 0 {
                continue;
            }
            let ep = &local_epochs[rank];
            let e = ep.iter().rposition(|x| x.0 <= a).unwrap_or(0);
            by_level[usize::from(ep[e].1)].push((ep[e].1, rank, cap, e));
        }
        order.clear();
        for l in &by_level {
            order.extend_from_slice(l);
        }
        idle_of.clear();
        if disjoint && ctx.chains {
            // Chains: the runs of one scope (sets are those of one level).
            for l in by_level.iter_mut() {
                l.sort_by_key(|&(_, rank, _, e)| local_epochs[rank][e].2);
            }
            order.clear();
            for l in &by_level {
                order.extend_from_slice(l);
            }
            covs.clear();
            let mut j0 = 0;
            while j0 < order.len() {
                let set = local_epochs[order[j0].1][order[j0].3].2;
                let mut j1 = j0 + 1;
                while j1 < order.len() && local_epochs[order[j1].1][order[j1].3].2 == set {
                    j1 += 1;
                }
                let gs = &local_sets[set];
                chain_caps.clear();
                chain_caps.extend(order[j0..j1].iter().map(|x| x.2));
                let cache = &mut chains[set];
                let tracked: &[(usize, usize)] = if tracking { &set_tracked[set] } else { &[] };
                chain_shares.clear();
                match cache.find(&rem, gs, &chain_caps) {
                    // (The pools after each take are needed for the split.)
                    Found::All(hit) if tracked.is_empty() || !hit.states.is_empty() => {
                        let takes = 0..chain_caps.len();
                        shares_of(&hit.input, &hit.states, takes, tracked, &mut chain_shares);
                        for (k, &g) in gs.iter().enumerate() {
                            rem[g] = hit.output[k];
                        }
                        covs.extend_from_slice(&hit.covs);
                    }
                    found => {
                        chain_in.clear();
                        chain_in.extend(gs.iter().map(|&g| rem[g]));
                        let start = covs.len();
                        let sz = gs.len();
                        // The takes of an hour rated with the same pools
                        // and the same first capacities are the same.
                        let keep = chain_caps.len() * sz <= KEPT_STATES;
                        states.clear();
                        cur.clear();
                        let mut from = 0;
                        if let Found::First(c, k) = found {
                            from = k;
                            shares_of(&chain_in, &c.states, 0..k, tracked, &mut chain_shares);
                            covs.extend_from_slice(&c.covs[..k]);
                            states.extend_from_slice(&c.states[..k * sz]);
                            cur.extend_from_slice(&states[(k - 1) * sz..]);
                        } else {
                            cur.extend_from_slice(&chain_in);
                        }
                        // Each take leaves exactly what it did not cover.
                        let mut elig: i64 =
                            chain_in.iter().sum::<i64>() - covs[start..].iter().sum::<i64>();
                        for (t, &cap) in chain_caps.iter().enumerate().skip(from) {
                            let cov = cap.min(elig);
                            if !tracked.is_empty() {
                                prev.clear();
                                prev.extend_from_slice(&cur);
                            }
                            take_dense(&mut cur, cov, elig, &mut scratch);
                            push_shares(t, &prev, &cur, tracked, &mut chain_shares);
                            covs.push(cov);
                            elig -= cov;
                            if keep {
                                states.extend_from_slice(&cur);
                            }
                        }
                        if !keep {
                            states.clear();
                        }
                        for (&g, &v) in gs.iter().zip(&cur) {
                            rem[g] = v;
                        }
                        cache.store(
                            &chain_in,
                            &chain_caps,
                            &mut states,
                            cur.iter().copied(),
                            &covs[start..],
                        );
                    }
                }
                // Each take's shares in the split pools, at its amortized
                // cost per PTU-minute (as a reservation taking alone).
                let mut per_minute = (usize::MAX, Decimal::ZERO);
                for &(t, l, share) in &chain_shares {
                    let (_, rank, cap, _) = order[j0 + t];
                    let i = reservations[rank].1;
                    if per_minute.0 != t {
                        per_minute = (
                            t,
                            p.instruments[i].amortized(a, b)
                                / Decimal::from(cap)
                                / Decimal::from(n),
                        );
                    }
                    cover.push((l, i, share, per_minute.1 * Decimal::from(share)));
                }
                j0 = j1;
            }
            for (k, &(_, rank, cap, _)) in order.iter().enumerate() {
                let i = reservations[rank].1;
                let cov = covs[k];
                acc.capacity[i] += cap * n;
                acc.used[i] += cov * n;
                add_detail(acc, ctx, &p.instruments[i], ClassUse { i, a, b, cap, cov });
                acc.totals.reservation_covered_ptu_minutes += cov * n;
                acc.totals.unused_reservation_ptu_minutes += (cap - cov) * n;
                idle_of.push(cap - cov);
            }
        } else {
            for &(_, rank, cap, e) in &order {
                let i = reservations[rank].1;
                let gs = &local_sets[local_epochs[rank][e].2];
                let elig: i64 = gs.iter().map(|&g| rem[g]).sum();
                let cov = cap.min(elig);
                let before: Vec<i64> = if tracking {
                    gs.iter().map(|&g| rem[g]).collect()
                } else {
                    Vec::new()
                };
                take(&mut rem, gs, cov, elig, &mut scratch);
                if tracking && cov > 0 {
                    let per_minute =
                        p.instruments[i].amortized(a, b) / Decimal::from(cap) / Decimal::from(n);
                    for (k, &g) in gs.iter().enumerate() {
                        let share = before[k] - rem[g];
                        if share > 0 && track[g] {
                            cover.push((g, i, share, per_minute * Decimal::from(share)));
                        }
                    }
                }
                acc.capacity[i] += cap * n;
                acc.used[i] += cov * n;
                add_detail(acc, ctx, &p.instruments[i], ClassUse { i, a, b, cap, cov });
                acc.totals.reservation_covered_ptu_minutes += cov * n;
                acc.totals.unused_reservation_ptu_minutes += (cap - cov) * n;
                idle_of.push(cap - cov);
            }
        }

        // 3. Double billing: idle reservation capacity beside commitment coverage it could have taken.
        let any_ccov = ccov.iter().any(|&c| c > 0);
        for (k, &(_, rank, cap, e)) in order.iter().enumerate() {
            let idle = idle_of[k];
            if idle == 0 {
                continue;
            }
            let (s, i) = reservations[rank];
            let inst = &p.instruments[i];
            let mut db = 0;
            if any_ccov && inst.sku == Sku::Regional {
                let gs = &local_sets[local_epochs[rank][e].2];
                let avail: i64 = gs.iter().map(|&g| ccov[g]).sum();
                db = idle.min(avail);
                take(&mut ccov, gs, db, avail, &mut scratch);
            }
            let unused = idle - db;
            let amortized = inst.amortized(a, b);
            if db > 0 {
                double_runs.add(
                    s - n_groups,
                    a,
                    b,
                    db * n,
                    Some((cap, amortized * Decimal::from(db))),
                    &mut close,
                );
            }
            if unused > 0 {
                unused_runs.add(
                    s - n_groups,
                    a,
                    b,
                    unused * n,
                    Some((cap, amortized * Decimal::from(unused))),
                    &mut close,
                );
            }
        }

        // 4. What is left pays the hourly rate.
        let mut left = 0i64;
        for l in 0..n_groups {
            if rem[l] == 0 {
                continue;
            }
            if price.is_none() {
                price = Some(p.hourly_price(&p.groups[groups[l]]).map_err(|e| {
                    // The error names the first pool that needs the price in time.
                    let g = groups[l];
                    if acc.missing.as_ref().is_none_or(|m| (a, g) < (m.0, m.1)) {
                        *acc.missing = Some((a, g, e));
                    }
                }));
            }
            if !matches!(price, Some(Ok(_))) {
                break;
            }
            left += rem[l];
            overage_runs.add(l, a, b, rem[l] * n, None, &mut close_overage);
            if let Some(o) = acc.overage.as_deref_mut() {
                let g = &p.groups[groups[l]];
                o.push(OverageClass {
                    resource: g.resource,
                    sku: g.sku,
                    start_h: a,
                    end_h: b,
                    ptu_minutes: rem[l],
                });
            }
        }
        let unit = match &price {
            Some(Ok(x)) => x.amount,
            _ => Decimal::ZERO,
        };
        if left > 0 {
            paid_hourly = true;
            acc.totals.hourly_ptu_minutes += left * n;
            let hourly_x60 = unit * Decimal::from(left);
            let mut k = bucket_of(ctx.buckets, a);
            while k < ctx.buckets.len() && ctx.buckets[k].0 < b {
                let hours = ctx.buckets[k].1.min(b) - ctx.buckets[k].0.max(a);
                acc.sums[k].hourly_x60 += hourly_x60 * Decimal::from(hours);
                k += 1;
            }
        }
        if let Some(dacc) = acc.deployments.as_deref_mut().filter(|_| splitting) {
            // The class as a whole, or its hours in each bucket it touches
            // (each bucket rated on its own sees the same classes, cut at
            // its ends).
            parts.clear();
            if dacc.by_bucket {
                let mut k = bucket_of(ctx.buckets, a);
                while k < ctx.buckets.len() && ctx.buckets[k].0 < b {
                    parts.push((k, ctx.buckets[k].1.min(b) - ctx.buckets[k].0.max(a)));
                    k += 1;
                }
            } else {
                parts.push((0, n));
            }
            // Each pool's hours join its run while its deployments keep
            // their PTU-minutes per hour (so their shares of the pool); the
            // run is shared among them when it ends.
            cover.sort_by_key(|c| c.0);
            let mut next_cover = 0;
            for (l, &g) in groups.iter().enumerate() {
                let first = next_cover;
                while next_cover < cover.len() && cover[next_cover].0 == l {
                    next_cover += 1;
                }
                if !track[l] {
                    continue;
                }
                let run = &mut pool_runs[l];
                if usage[l] == 0 {
                    run.end(&mut dacc.sums);
                    continue;
                }
                let bps = &pool_points[l];
                let from = bps.partition_point(|&t| t <= run.last_m0);
                let changed = bps.get(from).is_some_and(|&t| t < m0 + 60);
                run.last_m0 = m0;
                if changed || !run.open {
                    run.end(&mut dacc.sums);
                    run.vals.clear();
                    for &d in &p.groups[g].deployments {
                        if dacc.only.is_some_and(|o| o != d) {
                            continue;
                        }
                        let u = value(&dacc.steps[d]);
                        if u > 0 {
                            run.vals.push((d, u));
                        }
                    }
                    run.usage = usage[l];
                    run.open = true;
                    run.bucket = parts[0].0;
                }
                for &(k, hours) in &parts {
                    if k != run.bucket {
                        run.flush(&mut dacc.sums);
                        run.bucket = k;
                    }
                    run.add(hours, rem[l], unit, &cover[first..next_cover]);
                }
            }
        }
    }
    if let Some(dacc) = acc.deployments.as_deref_mut() {
        // (No runs unless this component is split.)
        for run in &mut pool_runs {
            run.end(&mut dacc.sums);
        }
    }
    overage_runs.close_all(&mut close_overage);
    unused_runs.close_all(&mut close);
    double_runs.close_all(&mut close);
    if let Some(Ok(x)) = price.filter(|_| paid_hourly) {
        for pc in &mut overage_pieces {
            pc.cost_x60 = x.amount * Decimal::from(pc.minutes);
        }
        acc.hourly_prices[groups[0]] = Some(x);
    }
    acc.pieces.extend(overage_pieces);
    acc.pieces.extend(pieces);
}

/// What the takes `takes` of a chain took from its split pools `tracked`
/// ((position in the chain's set, pool)), read from the pools it was
/// offered (`input`) and the pools after each take (`states`): (take, pool,
/// PTU-minutes), the pools in their order within each take.
fn shares_of(
    input: &[i64],
    states: &[i64],
    takes: std::ops::Range<usize>,
    tracked: &[(usize, usize)],
    out: &mut Vec<(usize, usize, i64)>,
) {
    if tracked.is_empty() {
        return;
    }
    let sz = input.len();
    for t in takes {
        let before = if t == 0 {
            input
        } else {
            &states[(t - 1) * sz..t * sz]
        };
        push_shares(t, before, &states[t * sz..(t + 1) * sz], tracked, out);
    }
}

/// What take `t` of a chain took from its split pools `tracked`, given the
/// chain's pools before and after it.
fn push_shares(
    t: usize,
    before: &[i64],
    after: &[i64],
    tracked: &[(usize, usize)],
    out: &mut Vec<(usize, usize, i64)>,
) {
    for &(k, l) in tracked {
        if before[k] > after[k] {
            out.push((t, l, before[k] - after[k]));
        }
    }
}

/// The most pool values a chain keeps of the states between its takes
/// (8 MB).
const KEPT_STATES: usize = 1 << 20;

/// What one scope's chain of reservations took in the last two different
/// hours rated: the pools it was offered, the reservations' capacities in
/// order, the pools it left, what each reservation covered, and (when not
/// too many) the pools after each take.
#[derive(Default)]
struct ChainCache {
    entries: [Option<Chain>; 2],
    /// The entry to replace next.
    next: usize,
}

struct Chain {
    input: Vec<i64>,
    caps: Vec<i64>,
    output: Vec<i64>,
    covs: Vec<i64>,
    /// The pools after each take, one run of the chain's pools per take
    /// (empty when not kept).
    states: Vec<i64>,
}

/// What a chain's cache knows of an hour.
enum Found<'c> {
    /// All of it: the same pools and capacities.
    All(&'c Chain),
    /// The same pools and the same first `k` capacities (k > 0), with the
    /// pools after each of those takes.
    First(&'c Chain, usize),
    Nothing,
}

impl ChainCache {
    /// What is known of the chain offered the pools `gs` of `rem`.
    fn find(&self, rem: &[i64], gs: &[usize], caps: &[i64]) -> Found<'_> {
        let mut best = Found::Nothing;
        let mut best_k = 0;
        for c in self.entries.iter().flatten() {
            if !gs.iter().zip(&c.input).all(|(&g, &v)| rem[g] == v) {
                continue;
            }
            if c.caps == caps {
                return Found::All(c);
            }
            if c.states.is_empty() {
                continue;
            }
            let k = c.caps.iter().zip(caps).take_while(|(x, y)| x == y).count();
            if k > best_k {
                best_k = k;
                best = Found::First(c, k);
            }
        }
        best
    }

    /// Keeps an hour's chain; `states` trades places with the buffer of
    /// the entry it replaces.
    fn store(
        &mut self,
        input: &[i64],
        caps: &[i64],
        states: &mut Vec<i64>,
        output: impl Iterator<Item = i64>,
        covs: &[i64],
    ) {
        let slot = &mut self.entries[self.next];
        self.next = 1 - self.next;
        let c = slot.get_or_insert_with(|| Chain {
            input: Vec::new(),
            caps: Vec::new(),
            output: Vec::new(),
            covs: Vec::new(),
            states: Vec::new(),
        });
        c.input.clear();
        c.input.extend_from_slice(input);
        c.caps.clear();
        c.caps.extend_from_slice(caps);
        c.output.clear();
        c.output.extend(output);
        c.covs.clear();
        c.covs.extend_from_slice(covs);
        std::mem::swap(&mut c.states, states);
    }
}

/// Reused buffers of [`take`] and [`take_dense`].
#[derive(Default)]
struct TakeScratch {
    /// The pools of a gathered take, side by side.
    pools: Vec<i64>,
    /// Each pool's remainder (its exact share's numerator modulo `avail`).
    rems: Vec<u64>,
    /// Packed (remainder, position) keys of the pools ranked one by one.
    keys: Vec<u64>,
}

/// Takes `amount` out of the pools `gs` of `pool` (whose sum is `avail`),
/// in proportion to what each holds: [`take_dense`] on the pools gathered
/// side by side, then put back.
fn take(pool: &mut [i64], gs: &[usize], amount: i64, avail: i64, scratch: &mut TakeScratch) {
    if amount == 0 {
        return;
    }
    let mut pools = std::mem::take(&mut scratch.pools);
    pools.clear();
    pools.extend(gs.iter().map(|&g| pool[g]));
    take_dense(&mut pools, amount, avail, scratch);
    for (&g, &v) in gs.iter().zip(&pools) {
        pool[g] = v;
    }
    scratch.pools = pools;
}

/// Takes `amount` out of the pools `w` (whose sum is `avail`), in
/// proportion to what each holds: the shares of
/// [`largest_remainder`](super::alloc::largest_remainder) (each pool the
/// floor of its exact share, the units left over one each to the largest
/// remainders, ties to the earlier pool), without allocating once the
/// scratch buffers have grown.
fn take_dense(w: &mut [i64], amount: i64, avail: i64, scratch: &mut TakeScratch) {
    if amount == 0 {
        return;
    }
    if amount == avail {
        w.fill(0);
        return;
    }
    // Remainders below 2^31 and positions below 2^32: each (remainder,
    // position) pair packs into one integer that orders as the ranking does
    // (the larger remainder first, then the earlier pool).
    if avail >= 1 << 31 || u32::try_from(w.len()).is_err() {
        return take_wide(w, amount, avail);
    }
    let d = avail as u64;
    // Dividing by multiplying: with inv = floor((2^64 - 1) / avail), a
    // product x below 2^62 (both factors below 2^31) has the quotient
    // (x * inv) >> 64 or one more: the estimate falls short of x / avail
    // by less than x / 2^64 + 2^-33 < 1.
    let inv = u64::MAX / d;
    let amt = amount as u64;
    // The remainders are counted by their top 6 bits on the way: the
    // ranking below then sorts only the few of one count.
    let shift = (64 - (d - 1).leading_zeros()).saturating_sub(6);
    let mut counts = [0u32; 64];
    let mut given = 0u64;
    let rems = &mut scratch.rems;
    // Every value is written below: only a longer chain zeroes new room.
    rems.resize(w.len(), 0);
    let rems = &mut rems[..w.len()];
    for k in 0..w.len() {
        let x = w[k] as u64;
        let exact = amt * x;
        let mut s = ((u128::from(exact) * u128::from(inv)) >> 64) as u64;
        let mut r = exact - s * d;
        if r >= d {
            s += 1;
            r -= d;
        }
        w[k] = (x - s) as i64;
        given += s;
        rems[k] = r;
        counts[(r >> shift) as usize & 63] += 1;
    }
    let left = (amt - given) as usize;
    if left == 0 {
        return;
    }
    // The remainders sum to `left` x `avail`, each below `avail`: more
    // than `left` of them are positive. The `left` largest get one more
    // unit each.
    let key = |k: usize, r: u64| (r << 32) | u64::from(u32::MAX - k as u32);
    let pos = |key: u64| (u32::MAX - (key & u64::from(u32::MAX)) as u32) as usize;
    let keys = &mut scratch.keys;
    keys.clear();
    // By the counts: the pools of the higher counts all get one, and only
    // those of the count where `left` is reached are ranked (positive
    // remainders of `[lo, hi)`).
    let (mut above, mut t) = (0usize, 63usize);
    while above + (counts[t] as usize) < left {
        above += counts[t] as usize;
        t -= 1;
    }
    let (lo, hi) = (((t as u64) << shift).max(1), (t as u64 + 1) << shift);
    for k in 0..w.len() {
        w[k] -= i64::from(rems[k] >= hi);
    }
    keys.extend(
        rems.iter()
            .enumerate()
            .filter(|x| x.1.wrapping_sub(lo) < hi - lo)
            .map(|(k, &r)| key(k, r)),
    );
    let need = left - above;
    let m = keys.len();
    if need < m {
        keys.select_nth_unstable(m - need);
    }
    keys[m - need..].iter().for_each(|&key| w[pos(key)] -= 1);
}

/// [`take_dense`] for amounts whose products need 128 bits.
fn take_wide(w: &mut [i64], amount: i64, avail: i64) {
    let mut scratch: Vec<(i64, usize)> = Vec::new();
    let mut given = 0i64;
    for (k, x) in w.iter_mut().enumerate() {
        let exact = amount as i128 * *x as i128;
        let (s, r) = (
            (exact / avail as i128) as i64,
            (exact % avail as i128) as i64,
        );
        *x -= s;
        given += s;
        if r > 0 {
            scratch.push((r, k));
        }
    }
    let left = (amount - given) as usize;
    if left > 0 {
        let by_rank = |x: &(i64, usize), y: &(i64, usize)| y.0.cmp(&x.0).then(x.1.cmp(&y.1));
        if left < scratch.len() {
            scratch.select_nth_unstable_by(left - 1, by_rank);
        }
        for &(_, k) in &scratch[..left] {
            w[k] -= 1;
        }
    }
}

/// Merges window pieces of one kind and subject across adjacent or
/// overlapping hours, and explains the overage ones.
pub(crate) fn merge_pieces(p: &Prepared, mut pieces: Vec<Piece>) -> Vec<Window> {
    pieces.sort_by(|x, y| (x.kind, &x.subject, x.start_h).cmp(&(y.kind, &y.subject, y.start_h)));
    let mut merged: Vec<Piece> = Vec::new();
    for pc in pieces {
        match merged.last_mut() {
            Some(m) if m.kind == pc.kind && m.subject == pc.subject && pc.start_h <= m.end_h => {
                m.end_h = m.end_h.max(pc.end_h);
                m.minutes += pc.minutes;
                m.cost_x60 += pc.cost_x60;
                for (d, x) in pc.cost_by_capacity {
                    *m.cost_by_capacity.entry(d).or_default() += x;
                }
            }
            _ => merged.push(pc),
        }
    }
    let sixty = Decimal::from(60);
    let mut windows: Vec<Window> = merged
        .into_iter()
        .map(|m| {
            let (start, end) = (hour_time(m.start_h), hour_time(m.end_h));
            let explanation = match (m.kind, m.resource) {
                _ if !p.explain => String::new(),
                (WindowKind::Overage, Some(r)) => p.explain_overage(r, start, end),
                (WindowKind::DoubleBilling, _) => p.explain_double_billing(&m.subject),
                _ => p.explain_unused(&m.subject),
            };
            Window {
                kind: m.kind,
                start,
                end,
                ptu_minutes: m.minutes,
                cost: super::alloc::quotient_sum(&m.cost_by_capacity) + m.cost_x60 / sixty,
                subject: m.subject,
                explanation,
            }
        })
        .collect();
    windows.sort_by(|x, y| (x.start, x.kind, &x.subject).cmp(&(y.start, y.kind, &y.subject)));
    windows
}

#[cfg(test)]
mod tests {
    use super::take;
    use crate::rating::alloc::largest_remainder;
    use rand::{RngExt, SeedableRng};

    /// `take` leaves in each pool what it held less its
    /// [`largest_remainder`] share, pools in any order (through `gs`), zeros
    /// and equal remainders included, with 64-bit and 128-bit products, few
    /// pools and many.
    #[test]
    fn take_leaves_what_largest_remainder_shares_out() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(19);
        let mut scratch = super::TakeScratch::default();
        for case in 0..4000 {
            // Few pools and many: the largest remainders are counted by their top bits first.
            let n = if case % 25 == 3 {
                100 + rng.random_range(0..900usize)
            } else {
                1 + rng.random_range(0..40usize)
            };
            let big = case % 10 == 0;
            let weights: Vec<i64> = (0..n)
                .map(|_| match rng.random_range(0..4u32) {
                    0 => 0,
                    // Equal weights give equal remainders: ties to the earlier pool.
                    1 => 60,
                    _ if big => rng.random_range(1..1i64 << 40),
                    _ => rng.random_range(1..5000),
                })
                .collect();
            let avail: i64 = weights.iter().sum();
            if avail == 0 {
                continue;
            }
            let amount = rng.random_range(0..=avail);
            // The pools sit at scattered places of a larger array.
            let gs: Vec<usize> = (0..n).map(|k| 3 * k + 1).collect();
            let mut pool = vec![7i64; 3 * n + 2];
            for (k, &g) in gs.iter().enumerate() {
                pool[g] = weights[k];
            }
            take(&mut pool, &gs, amount, avail, &mut scratch);
            let shares = largest_remainder(amount, &weights);
            for (k, &g) in gs.iter().enumerate() {
                assert_eq!(
                    pool[g],
                    weights[k] - shares[k],
                    "case {case}: pool {k} of {weights:?}, taking {amount}"
                );
            }
            assert!(
                pool.iter()
                    .enumerate()
                    .all(|(i, &v)| gs.contains(&i) || v == 7)
            );
        }
    }

    /// A scope's reservations taken together as a chain split their
    /// coverage among deployments exactly as each taking alone does: every
    /// figure of the rating, the per-deployment split of the whole window
    /// and of single deployments, on both generated shapes over the month
    /// of their resizes.
    #[test]
    fn chains_split_coverage_as_reservations_taking_alone() {
        use super::{Detail, Split, rate_detail, rate_detail_unchained};
        use crate::generate::{Profile, generate_profile};
        use crate::rating::{Basis, Bucket, Options, Request, prepare::Prepared};
        let t = |s: &str| crate::domain::time::parse_time_arg(s).unwrap();
        let book = crate::domain::prices::PriceBook::default_book();
        let req = Request {
            from: t("2026-12-01T00:00:00Z"),
            to: t("2027-01-01T00:00:00Z"),
            basis: Basis::Actual,
            by: Bucket::Month,
        };
        for profile in [Profile::Spread, Profile::Concentrated] {
            let e = generate_profile(300, 7, t("2027-01-01T00:00:00Z"), profile);
            let p = Prepared::new(&e, &book, req.from, req.to, &Options::default()).unwrap();
            let window = Detail {
                periods: true,
                split: Split::Window,
            };
            let chained = rate_detail(&p, &req, window, None).unwrap();
            assert_eq!(
                chained,
                rate_detail_unchained(&p, &req, window).unwrap(),
                "{profile:?}: the whole window's split"
            );
            let uses = chained.2.expect("the split");
            let covered = uses.iter().filter(|u| !u.covered.is_empty()).count();
            assert!(
                covered > 10 && covered < uses.len(),
                "{profile:?}: {covered} of {} deployments covered",
                uses.len()
            );
            for u in uses.iter().step_by(37) {
                let one = Detail {
                    periods: false,
                    split: Split::Deployment(u.index),
                };
                let chained = rate_detail(&p, &req, one, None).unwrap();
                assert_eq!(
                    chained,
                    rate_detail_unchained(&p, &req, one).unwrap(),
                    "{profile:?}: deployment {}",
                    u.id
                );
                assert_eq!(chained.2.as_deref(), Some(std::slice::from_ref(u)));
            }
        }
    }
}

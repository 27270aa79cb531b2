//! The rating core: pure functions from an estate, a price book and a window
//! of time to charges, coverage and the windows where money leaks. No I/O,
//! no clock ("now" is never an input: it only sets defaults elsewhere), no
//! tokio. The TUI and the CLI never compute money themselves; they call this.
//!
//! # The rules (docs/rating.md, commitments.md, reservations.md, forecast.md)
//!
//! Time is UTC and billing is per clock hour. Usage is counted in integer
//! PTU-minutes: a deployment counts a minute if it exists at any instant of
//! it, at the largest size it had in it; a discount counts a minute only if
//! active for all of it. In each hour every instrument pools: capacity = its
//! PTU-minutes in the hour, eligible = the still-uncovered PTU-minutes of the
//! deployments it may cover, covered = the smaller. Commitments go first
//! (their resource's Regional deployments), then reservations of the same
//! region and type whose scope holds the deployment, narrowest scope first,
//! first come first served, usage falling through to broader scopes; the
//! rest pays the hourly rate. Money is exact (`rust_decimal`) and rounded
//! once, when printed.
//!
//! # The algorithm ([`engine`])
//!
//! The cost of a forecast grows with the number of change events
//! (creations, resizes, deletions, purchases, additions, renewals, expiries,
//! refunds, scope changes), not with hours x deployments:
//!
//! 1. Deployments are pooled by (resource, deployment type) into *groups*,
//!    and each group's size over time becomes one step function of minutes
//!    (the sum of its deployments' steps). Each instrument's capacity becomes
//!    one too.
//! 2. Groups and instruments that can interact (an instrument and every group
//!    it may ever cover) form *components*, found with union-find. Components
//!    never share usage, so each is rated on its own.
//! 3. Within a component, the breakpoints of its step functions split the
//!    window into *classes* of hours: a maximal run of whole hours in which
//!    nothing changes, or a single hour with a change inside it. The hourly
//!    pooling is computed once per class (for a run, from the values at its
//!    first minute; for a changing hour, from minute integrals) and scaled by
//!    the class's length.
//! 4. Amortized charges are spread per day and hour through running sums
//!    ([`alloc::cumulative`]), so the amortized cost of any run of hours is a
//!    difference of two running sums: O(1) per run, whatever its length.
//! 5. Windows (overage, double billing, unused) come out per class and merge
//!    across adjacent classes and components.
//!
//! A class costs O(groups + reservation scope sizes) of its component, so a
//! year of a 2,000-deployment estate is a few hundred thousand small steps.
//! The exception is a fully used shared or management-group reservation: its
//! coverage is split over every pool of its scope by largest remainder, one
//! reservation after another. The reservations of one scope are taken as a
//! chain, and a chain offered the same pools and capacities as in an hour
//! already rated leaves what it left then; a change in one of its pools
//! changes the sum every share is divided by, so the chain is taken again,
//! at pools x reservations of the chain (with the per-deployment split
//! asked for, each take's shares of the split pools are read from the pools
//! before and after it). Where both grow with the estate, as
//! the change events do, the work grows about as the cube of its size
//! (README, "Growth with the estate's size").
//! A deliberately naive engine ([`reference`], behind the `reference`
//! feature) loops over every hour, deployment, minute and instrument; a
//! property test holds the two equal on random estates.

pub mod alloc;
pub mod bills;
pub mod coverage;
pub mod engine;
pub mod minutes;
pub mod prepare;
#[cfg(feature = "reference")]
pub mod reference;
pub mod refund;
#[cfg(test)]
mod tests;
pub mod whatif;

use crate::domain::Estate;
use crate::domain::Sku;
use crate::domain::prices::{PriceBook, PriceKind, PriceRef};
use crate::domain::time::{Time, fmt_time, is_whole_hour};
pub use prepare::{ChargeKind, InstrumentKind};
pub use refund::{Refund, refund_headroom, refunds};
use rust_decimal::Decimal;
use std::fmt;

/// When a charge counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// When it is billed.
    Actual,
    /// Spread over the days it pays for.
    Amortized,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::Actual => "actual",
            Basis::Amortized => "amortized",
        }
    }
}

/// The length of the `periods` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Day,
    Month,
}

/// What to rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Start, a whole UTC hour.
    pub from: Time,
    /// End (exclusive), a whole UTC hour after `from`.
    pub to: Time,
    pub basis: Basis,
    pub by: Bucket,
}

/// Settings of the rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Early termination fee on refunds, in percent (docs/reservations.md#refunds: 0 today).
    pub early_termination_fee_pct: Decimal,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            early_termination_fee_pct: Decimal::ZERO,
        }
    }
}

/// Why a forecast could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingError {
    /// `from`/`to` not whole hours, or not in order.
    BadWindow(String),
    /// Rated items need prices neither the estate nor the book has: every
    /// commitment and reservation price missing, at least one.
    MissingPrices(Vec<MissingPrice>),
    /// The estate breaks a lifecycle rule (a JSON path and message).
    Invalid(String),
}

impl fmt::Display for RatingError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            RatingError::BadWindow(m) => f.write_str(m),
            RatingError::MissingPrices(missing) => write_missing(f, missing),
            RatingError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for RatingError {}

/// A price a rated item needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPrice {
    /// Who needs it ("commitment cp-1", "deployments on aoai-a paying the hourly rate").
    pub item: String,
    pub region: String,
    pub sku: Sku,
    pub kind: PriceKind,
}

impl MissingPrice {
    pub fn new(item: String, region: &str, sku: Sku, kind: PriceKind) -> MissingPrice {
        MissingPrice {
            item,
            region: region.to_string(),
            sku,
            kind,
        }
    }

    fn needs(&self) -> String {
        format!(
            "{} needs a {} price for {} {}",
            self.item,
            self.kind.field(),
            self.region,
            self.sku
        )
    }
}

/// The items named in a message about missing prices; the rest are counted.
const MISSING_NAMED: usize = 5;

fn write_missing(f: &mut fmt::Formatter, missing: &[MissingPrice]) -> fmt::Result {
    let wanted: Vec<(&str, Sku, PriceKind)> = missing
        .iter()
        .map(|m| (m.region.as_str(), m.sku, m.kind))
        .collect();
    let snapshot = crate::domain::prices::snapshot_of_prices(&wanted);
    if let [one] = missing {
        return write!(
            f,
            "{}, and neither the snapshot nor the price book has one; add a row to \"prices\", or for the store save {snapshot} as price.json with PRICE your price {} and run `ptudesk import price.json`",
            one.needs(),
            one.kind.unit()
        );
    }
    let mut named: Vec<String> = missing
        .iter()
        .take(MISSING_NAMED)
        .map(|m| m.needs())
        .collect();
    if missing.len() > MISSING_NAMED {
        named.push(format!("and {} more", missing.len() - MISSING_NAMED));
    }
    let mut kinds: Vec<PriceKind> = missing.iter().map(|m| m.kind).collect();
    kinds.sort();
    kinds.dedup();
    let units: Vec<String> = kinds
        .iter()
        .map(|k| format!("{} {}", k.field(), k.unit()))
        .collect();
    write!(
        f,
        "{} rated items need prices neither the snapshot nor the price book has: {}; add rows to \"prices\", or for the store save {snapshot} as price.json with each PRICE your price ({}) and run `ptudesk import price.json`",
        missing.len(),
        named.join("; "),
        units.join(", ")
    )
}

/// Totals over the whole window. Money is exact; usage in PTU-minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub hourly: Decimal,
    pub commitment: Decimal,
    /// Reservation charges, refunds included.
    pub reservation: Decimal,
    /// Refund credits (negative), also inside `reservation`.
    pub refunds: Decimal,
    pub managed_compute: Decimal,
    pub deployed_ptu_minutes: i64,
    pub commitment_covered_ptu_minutes: i64,
    pub reservation_covered_ptu_minutes: i64,
    pub hourly_ptu_minutes: i64,
    pub unused_commitment_ptu_minutes: i64,
    /// Idle reservation capacity, unused and double-billed alike.
    pub unused_reservation_ptu_minutes: i64,
}

impl Totals {
    pub fn total(&self) -> Decimal {
        self.hourly + self.commitment + self.reservation + self.managed_compute
    }
}

/// One instrument's use over the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentUse {
    pub id: String,
    pub kind: InstrumentKind,
    pub capacity_ptu_minutes: i64,
    pub used_ptu_minutes: i64,
    /// Its charges in the window, on the forecast's basis.
    pub charges: Decimal,
}

impl InstrumentUse {
    pub fn unused_ptu_minutes(&self) -> i64 {
        self.capacity_ptu_minutes - self.used_ptu_minutes
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WindowKind {
    /// Deployed PTU paying the hourly rate (subject: the resource).
    Overage,
    /// Reservation capacity idle while a commitment covered what it could
    /// have covered (subject: the reservation).
    DoubleBilling,
    /// Discount capacity idle with nothing eligible (subject: the instrument).
    Unused,
}

impl WindowKind {
    pub fn name(self) -> &'static str {
        match self {
            WindowKind::Overage => "overage",
            WindowKind::DoubleBilling => "double_billing",
            WindowKind::Unused => "unused",
        }
    }
}

/// Whole hours where money leaks, merged across adjacent hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub kind: WindowKind,
    pub start: Time,
    pub end: Time,
    pub ptu_minutes: i64,
    pub cost: Decimal,
    pub subject: String,
    pub explanation: String,
}

/// One row of the `periods` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub start: Time,
    pub end: Time,
    pub hourly: Decimal,
    pub commitment: Decimal,
    pub reservation: Decimal,
    pub managed_compute: Decimal,
}

impl Period {
    pub fn total(&self) -> Decimal {
        self.hourly + self.commitment + self.reservation + self.managed_compute
    }
}

/// The result of rating a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecast {
    pub from: Time,
    pub to: Time,
    pub currency: String,
    pub basis: Basis,
    pub by: Bucket,
    pub totals: Totals,
    pub instruments: Vec<InstrumentUse>,
    pub windows: Vec<Window>,
    pub periods: Vec<Period>,
    /// Prices the forecast rests on that are not verified.
    pub unverified_prices: Vec<PriceRef>,
}

/// The most reservation commitment that may be cancelled (refunded) over a
/// rolling 12 months, in USD; see [`refund`].
pub const REFUND_LIMIT_USD: i64 = 50_000;

/// Checks a request's window.
pub fn check_request(req: &Request) -> Result<(), RatingError> {
    for (name, t) in [("--from", req.from), ("--to", req.to)] {
        if !is_whole_hour(t) {
            return Err(RatingError::BadWindow(format!(
                "{name} must be a whole UTC hour, got {}",
                fmt_time(t)
            )));
        }
    }
    if req.to <= req.from {
        return Err(RatingError::BadWindow(format!(
            "--to ({}) must be after --from ({})",
            fmt_time(req.to),
            fmt_time(req.from)
        )));
    }
    Ok(())
}

/// Rates `[req.from, req.to)` of a valid estate, with `book` under the
/// estate's own prices.
pub fn forecast(
    estate: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<Forecast, RatingError> {
    check_request(req)?;
    let prepared = prepare::Prepared::new(estate, book, req.from, req.to, opts)?;
    engine::rate(&prepared, req)
}

/// A forecast and, class by class, the PTU-minutes an hour each resource's
/// pool of each deployment type pays at the hourly rate (the hour-by-hour
/// figures the forecast's merged overage windows add up).
pub fn forecast_with_overage(
    estate: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<(Forecast, Vec<engine::OverageClass>), RatingError> {
    check_request(req)?;
    let prepared = prepare::Prepared::new(estate, book, req.from, req.to, opts)?;
    let mut classes = Vec::new();
    let (f, _, _) = engine::rate_recording(&prepared, req, false, Some(&mut classes))?;
    Ok((f, classes))
}

/// A charge billed in a window, with its instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledCharge {
    pub id: String,
    pub kind: InstrumentKind,
    pub region: String,
    pub sku: Sku,
    pub at: Time,
    pub amount: Decimal,
    pub charge: ChargeKind,
    /// The PTUs the charge is for (negative for a refund).
    pub ptu: i64,
    /// The PTU-hours it pays for (negative for a refund: what it cancels).
    pub ptu_hours: i64,
}

/// A forecast with each instrument's use and amortized cost per period
/// (used and idle) and the charges billed in the window: what a
/// FOCUS-shaped export needs.
pub struct Detailed {
    pub forecast: Forecast,
    pub periods: Vec<engine::InstrumentPeriod>,
    pub bills: Vec<BilledCharge>,
    /// Per deployment: its use, hourly share, and the instruments that covered it.
    pub deployments: Vec<engine::DeploymentUse>,
}

/// Rates a window like [`forecast`], with the per-instrument detail.
pub fn forecast_detailed(
    estate: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<Detailed, RatingError> {
    check_request(req)?;
    let prepared = prepare::Prepared::new(estate, book, req.from, req.to, opts)?;
    let (forecast, periods, deployments) = engine::rate_full(&prepared, req, true)?;
    let bills = billed(&prepared, req);
    Ok(Detailed {
        forecast,
        periods: periods.unwrap_or_default(),
        bills,
        deployments: deployments.unwrap_or_default(),
    })
}

/// Rates a window like [`forecast_detailed`] without the per-deployment
/// split (`deployments` stays empty): each instrument's use per period and
/// the charges billed, for views that do not show deployments.
pub fn forecast_periods(
    estate: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<Detailed, RatingError> {
    check_request(req)?;
    let prepared = prepare::Prepared::new(estate, book, req.from, req.to, opts)?;
    let want = engine::Detail {
        periods: true,
        split: engine::Split::None,
    };
    let (forecast, periods, _) = engine::rate_detail(&prepared, req, want, None)?;
    let bills = billed(&prepared, req);
    Ok(Detailed {
        forecast,
        periods: periods.unwrap_or_default(),
        bills,
        deployments: Vec::new(),
    })
}

/// What a FOCUS-shaped export of a window needs, from one rating of it:
/// each instrument's use and amortized cost per period, the charges billed,
/// each deployment's hourly-rate usage and each managed-compute
/// deployment's uptime per period.
pub struct Export {
    pub forecast: Forecast,
    pub periods: Vec<engine::InstrumentPeriod>,
    pub bills: Vec<BilledCharge>,
    pub hourly: Vec<OnDemandUse>,
    pub managed: Vec<ManagedComputeUse>,
}

/// Rates a window once for a FOCUS-shaped export: [`forecast_periods`] and
/// [`usage_by_bucket`] together.
pub fn forecast_export(
    estate: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<Export, RatingError> {
    check_request(req)?;
    let prepared = prepare::Prepared::new(estate, book, req.from, req.to, opts)?;
    let want = engine::Detail {
        periods: true,
        split: engine::Split::Buckets,
    };
    let (forecast, periods, uses) = engine::rate_detail(&prepared, req, want, None)?;
    let bills = billed(&prepared, req);
    let buckets = buckets(req);
    Ok(Export {
        forecast,
        periods: periods.unwrap_or_default(),
        bills,
        hourly: on_demand(&buckets, uses.unwrap_or_default()),
        managed: managed_by_bucket(estate, &buckets),
    })
}

/// Rates a window like [`forecast`], with the charges billed in it (no
/// per-instrument or per-deployment detail: those are [`forecast_detailed`]'s).
pub fn forecast_billed(
    estate: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<(Forecast, Vec<BilledCharge>), RatingError> {
    check_request(req)?;
    let prepared = prepare::Prepared::new(estate, book, req.from, req.to, opts)?;
    let forecast = engine::rate(&prepared, req)?;
    Ok((forecast, billed(&prepared, req)))
}

/// The charges billed in the window, instrument by instrument.
fn billed(prepared: &prepare::Prepared, req: &Request) -> Vec<BilledCharge> {
    prepared
        .instruments
        .iter()
        .flat_map(|i| {
            i.bills
                .iter()
                .filter(|b| b.at >= req.from && b.at < req.to)
                .map(move |b| BilledCharge {
                    id: i.id.clone(),
                    kind: i.kind,
                    region: i.region.clone(),
                    sku: i.sku,
                    at: b.at,
                    amount: b.amount,
                    charge: b.kind,
                    ptu: b.ptu,
                    ptu_hours: b.ptu_hours,
                })
        })
        .collect()
}

/// The `periods` boundaries of a request: `[start, end)` in hours since the
/// epoch, clipped to the window.
pub fn buckets(req: &Request) -> Vec<(i64, i64)> {
    use crate::domain::time::{add_months, day_start, month_start};
    let mut out = Vec::new();
    let mut start = req.from;
    while start < req.to {
        let next = match req.by {
            Bucket::Day => day_start(start) + chrono::Duration::days(1),
            Bucket::Month => add_months(month_start(start), 1),
        };
        let end = next.min(req.to);
        out.push((prepare::hour_index(start), prepare::hour_index(end)));
        start = end;
    }
    out
}

/// One deployment's hourly-rate (on-demand) usage in one bucket of a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDemandUse {
    /// Index in `estate.deployments`.
    pub deployment: usize,
    pub start: Time,
    pub end: Time,
    /// PTU-minutes paying the hourly rate (a share of the pool's).
    pub ptu_minutes: Decimal,
    pub cost: Decimal,
}

/// One managed-compute deployment's uptime in one bucket of a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedComputeUse {
    /// Index in `estate.managed_compute`.
    pub item: usize,
    pub start: Time,
    pub end: Time,
    /// Minutes up (a minute counts if it is up at any instant of it).
    pub minutes: i64,
    pub cost: Decimal,
}

/// The hourly-rate usage of each deployment and the uptime of each
/// managed-compute deployment, per bucket of `req`, each bucket as if rated
/// on its own (one rating of the window, its classes cut at the buckets'
/// ends; a share of a pool, a quotient to 28 digits, may differ in its last
/// digit): with [`forecast_detailed`]'s commitment and reservation detail,
/// the whole of what a window costs, line by line.
pub fn usage_by_bucket(
    estate: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<(Vec<OnDemandUse>, Vec<ManagedComputeUse>), RatingError> {
    check_request(req)?;
    let prepared = prepare::Prepared::new(estate, book, req.from, req.to, opts)?;
    let want = engine::Detail {
        periods: false,
        split: engine::Split::Buckets,
    };
    let (_, _, uses) = engine::rate_detail(&prepared, req, want, None)?;
    let buckets = buckets(req);
    Ok((
        on_demand(&buckets, uses.unwrap_or_default()),
        managed_by_bucket(estate, &buckets),
    ))
}

/// The deployments' uses per bucket that pay the hourly rate.
fn on_demand(buckets: &[(i64, i64)], uses: Vec<engine::DeploymentUse>) -> Vec<OnDemandUse> {
    uses.into_iter()
        .filter(|d| d.hourly_cost != Decimal::ZERO || d.hourly_ptu_minutes != Decimal::ZERO)
        .map(|d| OnDemandUse {
            deployment: d.index,
            start: engine::hour_time(buckets[d.bucket].0),
            end: engine::hour_time(buckets[d.bucket].1),
            ptu_minutes: d.hourly_ptu_minutes,
            cost: d.hourly_cost,
        })
        .collect()
}

/// Each managed-compute deployment's uptime per bucket, bucket by bucket.
fn managed_by_bucket(estate: &Estate, buckets: &[(i64, i64)]) -> Vec<ManagedComputeUse> {
    use crate::domain::time::ceil_minute;
    let mut managed = Vec::new();
    for &(a, b) in buckets {
        let (start, end) = (engine::hour_time(a), engine::hour_time(b));
        for (item, m) in estate.managed_compute.iter().enumerate() {
            let up_from =
                chrono::DurationRound::duration_trunc(m.start, chrono::TimeDelta::minutes(1))
                    .unwrap_or(m.start);
            let up_to = m.end.map_or(end, ceil_minute);
            let (s, e) = (up_from.max(start), up_to.min(end));
            if e <= s {
                continue;
            }
            let minutes = (e - s).num_minutes();
            managed.push(ManagedComputeUse {
                item,
                start,
                end,
                minutes,
                cost: m.hourly_rate() * Decimal::from(minutes) / Decimal::from(60),
            });
        }
    }
    managed
}

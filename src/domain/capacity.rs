//! Where a deployment can go: for each region and deployment type, the
//! service capacity Azure last reported for a model (and how old that
//! answer is), the subscription's free quota there, whether N PTU fit and
//! on which of the user's accounts, and what N PTU cost per month there.
//! Pure: the instant treated as now is an argument, and nothing here asks
//! Azure; data the estate lacks is `None` (shown as unknown).

use super::prices::{PriceBook, PriceKind};
use super::time::Time;
use super::{Estate, Sku};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// Hours in the month used to compare an hourly price with a monthly one
/// (Azure's pricing pages: 730 hours a month).
pub const HOURS_PER_MONTH: i64 = 730;

/// What was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub model: String,
    /// None: any version the estate has an answer for.
    pub version: Option<String>,
    pub ptu: i64,
    /// Deployment types to consider (all three when empty).
    pub skus: Vec<Sku>,
    /// Regions to consider (every region the estate knows when empty).
    pub regions: Vec<String>,
}

/// The service capacity Azure reported for one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub available: i64,
    pub version: String,
    pub as_of: Time,
    /// Seconds between the answer and now (never negative).
    pub age_seconds: i64,
}

/// Free quota of one subscription in a region, for one type: the tighter
/// of the model's own row (Azure's model-specific quota) and the pooled row
/// of the type, where the store has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionQuota {
    pub subscription: String,
    /// The binding row ("Regional", "Regional gpt-4o 2024-08-06"); None:
    /// the store has no quota row for it.
    pub row: Option<String>,
    /// That row's limit.
    pub limit: Option<i64>,
    /// PTU deployed now that count against that row.
    pub deployed: i64,
    /// `limit - deployed` (None when the limit is unknown).
    pub free: Option<i64>,
}

/// The free quota of `sub` in a region and type for the queried model.
fn subscription_quota(
    estate: &Estate,
    q: &Query,
    sub: &str,
    region: &str,
    sku: Sku,
    now: Time,
) -> SubscriptionQuota {
    let rows = estate.quotas.iter().filter(|x| {
        x.subscription == sub
            && x.region == region
            && x.sku == sku
            && x.model
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&q.model))
            && match (&x.version, &q.version) {
                (Some(v), Some(w)) => v.eq_ignore_ascii_case(w),
                _ => true,
            }
    });
    let mut best: Option<SubscriptionQuota> = None;
    for row in rows {
        let deployed: i64 = estate
            .deployments
            .iter()
            .filter(|d| {
                estate
                    .resource(&d.resource)
                    .is_some_and(|r| row.counts_deployment(d, r))
            })
            .map(|d| d.ptu_at(now))
            .sum();
        let free = row.limit - deployed;
        if best
            .as_ref()
            .is_none_or(|b| b.free.is_some_and(|f| free < f))
        {
            best = Some(SubscriptionQuota {
                subscription: sub.to_string(),
                row: Some(row.label()),
                limit: Some(row.limit),
                deployed,
                free: Some(free),
            });
        }
    }
    best.unwrap_or(SubscriptionQuota {
        subscription: sub.to_string(),
        row: None,
        limit: None,
        deployed: 0,
        free: None,
    })
}

/// The answer for one region and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Capacity and quota suffice, and an account of the user's is there.
    Fits,
    /// Capacity and quota suffice, but the user has no account in the
    /// region: one has to be created in a subscription with the quota.
    FitsOnNewAccount,
    /// The estate can't tell: no capacity answer or no quota row.
    Unknown,
    /// Azure reported less capacity than asked.
    NoCapacity,
    /// Every subscription's free quota there is smaller than asked.
    NoQuota,
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Fits => "fits",
            Verdict::FitsOnNewAccount => "fits on a new account",
            Verdict::Unknown => "unknown",
            Verdict::NoCapacity => "no service capacity",
            Verdict::NoQuota => "no quota",
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Verdict::Fits => 0,
            Verdict::FitsOnNewAccount => 1,
            Verdict::Unknown => 2,
            Verdict::NoQuota => 3,
            Verdict::NoCapacity => 4,
        }
    }
}

/// One region and deployment type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub region: String,
    pub sku: Sku,
    pub capacity: Option<Reported>,
    /// Each subscription with an account or a quota row in the region.
    pub quotas: Vec<SubscriptionQuota>,
    /// The largest free quota among them (None when none is known).
    pub free_quota: Option<i64>,
    /// When it fits: the user's accounts in the region whose subscription
    /// has the quota.
    pub resources: Vec<String>,
    pub verdict: Verdict,
    /// N PTU at the hourly price for a month of [`HOURS_PER_MONTH`].
    pub hourly_month: Option<Decimal>,
    /// N PTU under a one-month reservation.
    pub reserved_month: Option<Decimal>,
}

/// The instant of a capacity answer's age, from `as_of` to `now`.
fn age(as_of: Time, now: Time) -> i64 {
    (now - as_of).num_seconds().max(0)
}

/// An age as a person says it: "12 min", "5 h", "3 d".
pub fn fmt_age(seconds: i64) -> String {
    match seconds {
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

/// The service capacity Azure last reported for one model version in a
/// region and deployment type, with its age at `now` (None: no answer).
pub fn reported(
    estate: &Estate,
    region: &str,
    sku: Sku,
    model: &str,
    version: &str,
    now: Time,
) -> Option<Reported> {
    estate
        .model_capacities
        .iter()
        .find(|c| c.region == region && c.sku == sku && c.model == model && c.version == version)
        .map(|c| Reported {
            available: c.available,
            version: c.version.clone(),
            as_of: c.as_of,
            age_seconds: age(c.as_of, now),
        })
}

/// Where `q.ptu` PTU of the model could go, best first: what fits, then
/// the cheapest by the hourly price per month, then by region and type.
pub fn places(estate: &Estate, book: &PriceBook, q: &Query, now: Time) -> Vec<Place> {
    let book = book.over(&estate.prices);
    let skus: Vec<Sku> = if q.skus.is_empty() {
        Sku::ALL.to_vec()
    } else {
        q.skus.clone()
    };
    let live_resources: Vec<&super::Resource> = estate
        .resources
        .iter()
        .filter(|r| r.deleted.is_none_or(|d| d > now))
        .collect();
    let mut regions: BTreeSet<String> = BTreeSet::new();
    regions.extend(
        estate
            .model_capacities
            .iter()
            .filter(|c| c.model == q.model)
            .map(|c| c.region.clone()),
    );
    regions.extend(live_resources.iter().map(|r| r.region.clone()));
    regions.extend(estate.quotas.iter().map(|r| r.region.clone()));
    if !q.regions.is_empty() {
        regions.retain(|r| q.regions.contains(r));
        regions.extend(q.regions.iter().cloned());
    }
    let mut out = Vec::new();
    for region in &regions {
        for &sku in &skus {
            out.push(place(estate, &book, q, region, sku, &live_resources, now));
        }
    }
    out.sort_by(|a, b| {
        a.verdict
            .rank()
            .cmp(&b.verdict.rank())
            .then_with(|| match (a.hourly_month, b.hourly_month) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.sku.cmp(&b.sku))
    });
    out
}

fn place(
    estate: &Estate,
    book: &PriceBook,
    q: &Query,
    region: &str,
    sku: Sku,
    live_resources: &[&super::Resource],
    now: Time,
) -> Place {
    // The smallest answer among the versions asked about: without
    // --version, a place is only as roomy as its tightest version.
    let capacity = estate
        .model_capacities
        .iter()
        .filter(|c| {
            c.region == region
                && c.sku == sku
                && c.model == q.model
                && q.version.as_ref().is_none_or(|v| *v == c.version)
        })
        .min_by(|a, b| a.available.cmp(&b.available).then(b.as_of.cmp(&a.as_of)))
        .map(|c| Reported {
            available: c.available,
            version: c.version.clone(),
            as_of: c.as_of,
            age_seconds: age(c.as_of, now),
        });

    let here: Vec<&&super::Resource> = live_resources
        .iter()
        .filter(|r| r.region == region)
        .collect();
    let mut subs: BTreeSet<String> = here.iter().map(|r| r.subscription.clone()).collect();
    subs.extend(
        estate
            .quotas
            .iter()
            .filter(|x| x.region == region && x.sku == sku)
            .map(|x| x.subscription.clone()),
    );
    let quotas: Vec<SubscriptionQuota> = subs
        .into_iter()
        .map(|sub| subscription_quota(estate, q, &sub, region, sku, now))
        .collect();
    let free_quota = quotas.iter().filter_map(|x| x.free).max();
    let roomy_subs: BTreeSet<&str> = quotas
        .iter()
        .filter(|x| x.free.is_some_and(|f| f >= q.ptu))
        .map(|x| x.subscription.as_str())
        .collect();
    let resources: Vec<String> = here
        .iter()
        .filter(|r| roomy_subs.contains(r.subscription.as_str()))
        .map(|r| r.id.clone())
        .collect();
    let verdict = match (&capacity, free_quota) {
        (Some(c), _) if c.available < q.ptu => Verdict::NoCapacity,
        (_, Some(f)) if f < q.ptu && quotas.iter().all(|x| x.free.is_some()) => Verdict::NoQuota,
        (None, _) => Verdict::Unknown,
        (Some(_), _) if !resources.is_empty() => Verdict::Fits,
        (Some(_), Some(f)) if f >= q.ptu => Verdict::FitsOnNewAccount,
        // Some subscription lacks a quota row and none known suffices.
        (Some(_), _) => Verdict::Unknown,
    };
    // The accounts are named only where the deployment can be made.
    let resources = if verdict == Verdict::Fits {
        resources
    } else {
        vec![]
    };
    let n = Decimal::from(q.ptu);
    let hourly_month = book
        .lookup(region, sku, PriceKind::Hourly)
        .map(|p| p.amount * n * Decimal::from(HOURS_PER_MONTH));
    let reserved_month = book
        .lookup(region, sku, PriceKind::ReservationMonth)
        .map(|p| p.amount * n);
    Place {
        region: region.to_string(),
        sku,
        capacity,
        quotas,
        free_quota,
        resources,
        verdict,
        hourly_month,
        reserved_month,
    }
}

//! What a discount instrument covers over a window, and what a deployment
//! gets covered: the figures an edit preview states ("covers 300 of 400 PTU
//! deployed in its scope, 25% idle over the next 30 days"), from the
//! rating core's own per-deployment and per-instrument figures.

use super::{Basis, Bucket, Options, RatingError, Request, forecast_detailed};
use crate::domain::prices::PriceBook;
use crate::domain::terms::is_term_of;
use crate::domain::terms::scope_at;
use crate::domain::time::{Time, hours_ahead};
use crate::domain::{Estate, Sku};
use chrono::Duration;
use rust_decimal::Decimal;

/// "The next 30 days" everywhere: 720 whole hours.
pub const NEXT_30_DAYS_HOURS: i64 = 720;

/// The next 30 days from `t`: `[floor_hour(t), floor_hour(t) + 720 h)`.
pub fn next_30_days(t: Time) -> (Time, Time) {
    hours_ahead(t, Duration::hours(NEXT_30_DAYS_HOURS))
}

/// Coverage over a window, in PTU-minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covers {
    pub from: Time,
    pub to: Time,
    /// PTU-minutes covered (by the instrument; or, for a deployment, by
    /// every discount).
    pub covered_ptu_minutes: i64,
    /// PTU-minutes deployed: the deployments the instrument may cover (its
    /// region and type, in its scope; a commitment's: the Regional ones on
    /// its resource), or the deployment itself.
    pub deployed_ptu_minutes: i64,
    /// Capacity paid for: the instrument's, or that of the discounts that
    /// covered the deployment.
    pub capacity_ptu_minutes: i64,
    pub used_ptu_minutes: i64,
    /// For a deployment: the discounts (reservation and commitment ids,
    /// without `/rN`) that covered some of it.
    pub instruments: Vec<String>,
}

impl Covers {
    fn minutes(&self) -> i64 {
        (self.to - self.from).num_minutes().max(1)
    }

    /// Average PTU covered over the window.
    pub fn covered_ptu(&self) -> Decimal {
        Decimal::from(self.covered_ptu_minutes) / Decimal::from(self.minutes())
    }

    /// Average PTU deployed over the window.
    pub fn deployed_ptu(&self) -> Decimal {
        Decimal::from(self.deployed_ptu_minutes) / Decimal::from(self.minutes())
    }

    /// The share of the capacity left idle, in percent (`None` without
    /// capacity).
    pub fn idle_percent(&self) -> Option<Decimal> {
        (self.capacity_ptu_minutes > 0).then(|| {
            Decimal::from(self.capacity_ptu_minutes - self.used_ptu_minutes) * Decimal::from(100)
                / Decimal::from(self.capacity_ptu_minutes)
        })
    }

    /// `covers 300 of 400 PTU deployed in its scope, 25% idle over the next
    /// 30 days` (an instrument).
    pub fn describe_instrument(&self) -> String {
        let idle = self
            .idle_percent()
            .map_or("no capacity in force".to_string(), |p| {
                format!("{}% idle", p.round().normalize())
            });
        format!(
            "covers {} of {} PTU deployed in its scope, {idle} over the next 30 days",
            avg(self.covered_ptu()),
            avg(self.deployed_ptu())
        )
    }

    /// `discounts cover 100 of its 250 PTU, 0% of their capacity idle over
    /// the next 30 days` (a deployment).
    pub fn describe_deployment(&self) -> String {
        match self.idle_percent() {
            Some(p) => format!(
                "discounts cover {} of its {} PTU, {}% of their capacity idle over the next 30 days",
                avg(self.covered_ptu()),
                avg(self.deployed_ptu()),
                p.round().normalize()
            ),
            None => format!(
                "no discount covers its {} PTU over the next 30 days: they pay the hourly rate",
                avg(self.deployed_ptu())
            ),
        }
    }
}

/// An average PTU count for people: whole, or to one decimal.
fn avg(d: Decimal) -> String {
    d.round_dp(1).normalize().to_string()
}

fn detailed(
    estate: &Estate,
    book: &PriceBook,
    opts: &Options,
    from: Time,
    to: Time,
) -> Result<super::Detailed, RatingError> {
    let req = Request {
        from,
        to,
        basis: Basis::Amortized,
        by: Bucket::Month,
    };
    forecast_detailed(estate, book, &req, opts)
}

/// What the commitment or reservation `id` (with its renewed terms) covers
/// over `[from, to)`. `None` when the estate holds no such instrument.
pub fn instrument_coverage(
    estate: &Estate,
    book: &PriceBook,
    opts: &Options,
    id: &str,
    from: Time,
    to: Time,
) -> Result<Option<Covers>, RatingError> {
    let res = estate.reservations.iter().find(|r| r.id == id);
    let com = estate.commitments.iter().find(|c| c.id == id);
    if res.is_none() && com.is_none() {
        return Ok(None);
    }
    let d = detailed(estate, book, opts, from, to)?;
    let scopes = super::prepare::ScopeIndex::new(estate);
    let may_cover = |dep: &crate::domain::Deployment| -> bool {
        let Some(r) = estate.resource(&dep.resource) else {
            return false;
        };
        match (res, com) {
            (Some(x), _) => {
                dep.sku == x.sku
                    && r.region == x.region
                    && scopes.contains(scope_at(x, from.max(x.start)), r)
            }
            (None, Some(c)) => dep.sku == Sku::Regional && dep.resource == c.resource,
            _ => false,
        }
    };
    let mut out = Covers {
        from,
        to,
        covered_ptu_minutes: 0,
        deployed_ptu_minutes: 0,
        capacity_ptu_minutes: 0,
        used_ptu_minutes: 0,
        instruments: vec![],
    };
    for u in &d.deployments {
        if may_cover(&estate.deployments[u.index]) {
            out.deployed_ptu_minutes += u.deployed_ptu_minutes;
        }
    }
    for i in d
        .forecast
        .instruments
        .iter()
        .filter(|i| is_term_of(&i.id, id))
    {
        out.capacity_ptu_minutes += i.capacity_ptu_minutes;
        out.used_ptu_minutes += i.used_ptu_minutes;
    }
    out.covered_ptu_minutes = out.used_ptu_minutes;
    Ok(Some(out))
}

/// What covers the deployment `id` over `[from, to)`: its PTU-minutes, the
/// part discounts cover, and the capacity and use of those discounts.
/// `None` when the estate holds no such deployment.
pub fn deployment_coverage(
    estate: &Estate,
    book: &PriceBook,
    opts: &Options,
    id: &str,
    from: Time,
    to: Time,
) -> Result<Option<Covers>, RatingError> {
    if !estate.deployments.iter().any(|d| d.id == id) {
        return Ok(None);
    }
    let d = detailed(estate, book, opts, from, to)?;
    let mut out = Covers {
        from,
        to,
        covered_ptu_minutes: 0,
        deployed_ptu_minutes: 0,
        capacity_ptu_minutes: 0,
        used_ptu_minutes: 0,
        instruments: vec![],
    };
    let mut covering: Vec<&str> = Vec::new();
    if let Some(u) = d.deployments.iter().find(|u| u.id == id) {
        out.deployed_ptu_minutes = u.deployed_ptu_minutes;
        let covered: Decimal = u.covered.iter().map(|c| c.ptu_minutes).sum();
        out.covered_ptu_minutes =
            rust_decimal::prelude::ToPrimitive::to_i64(&covered.round()).unwrap_or(0);
        for c in &u.covered {
            if c.ptu_minutes > Decimal::ZERO && !covering.contains(&c.instrument.as_str()) {
                covering.push(&c.instrument);
            }
        }
    }
    for i in d
        .forecast
        .instruments
        .iter()
        .filter(|i| covering.contains(&i.id.as_str()))
    {
        out.capacity_ptu_minutes += i.capacity_ptu_minutes;
        out.used_ptu_minutes += i.used_ptu_minutes;
    }
    for c in covering {
        let base = crate::domain::terms::base_id(c).to_string();
        if !out.instruments.contains(&base) {
            out.instruments.push(base);
        }
    }
    Ok(Some(out))
}

//! What a discount instrument covers over a window, and what a deployment
//! gets covered: the figures an edit preview states ("covers 300 of 400 PTU
//! deployed in its scope, 25% idle over the next 30 days"), from the
//! rating core's own per-deployment and per-instrument figures.
//!
//! Each is rated on the estate's part in the one (region, deployment type)
//! key it belongs to: rating is additive over keys ([`super::whatif`]), so a
//! pool's coverage and an instrument's use are the same there as in the
//! whole estate, at the cost of the key alone.

use super::engine::{DeploymentUse, Detail, Split};
use super::whatif::{Key, Touched, restrict};
use super::{Basis, Bucket, Options, RatingError, Request, forecast_detailed};
use crate::domain::prices::PriceBook;
use crate::domain::terms::is_term_of;
use crate::domain::terms::scope_at;
use crate::domain::time::{Time, hours_ahead};
use crate::domain::{Estate, Sku};
use chrono::Duration;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

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
    /// Nothing deployed, covered or paid for over `[from, to)`.
    fn nothing(from: Time, to: Time) -> Covers {
        Covers {
            from,
            to,
            covered_ptu_minutes: 0,
            deployed_ptu_minutes: 0,
            capacity_ptu_minutes: 0,
            used_ptu_minutes: 0,
            instruments: vec![],
        }
    }
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

/// The estate's part in `key`.
fn part_in(estate: &Estate, key: Key) -> Estate {
    restrict(
        estate,
        &Touched {
            keys: BTreeSet::from([key]),
            managed_compute: false,
        },
    )
}

/// The key of a deployment of `sku` on `resource`.
fn key_of(estate: &Estate, resource: &str, sku: Sku) -> Option<Key> {
    estate.resource(resource).map(|r| (r.region.clone(), sku))
}

fn detailed(
    estate: &Estate,
    book: &PriceBook,
    opts: &Options,
    from: Time,
    to: Time,
) -> Result<super::Detailed, RatingError> {
    forecast_detailed(estate, book, &request(from, to), opts)
}

/// The window coverage is rated over (amortized, by month).
fn request(from: Time, to: Time) -> Request {
    Request {
        from,
        to,
        basis: Basis::Amortized,
        by: Bucket::Month,
    }
}

/// The forecast of `[from, to)` (amortized) and the use of the deployment
/// at `index`, its pool alone split among its deployments.
fn one_deployment(
    estate: &Estate,
    book: &PriceBook,
    opts: &Options,
    from: Time,
    to: Time,
    index: usize,
) -> Result<(super::Forecast, Option<DeploymentUse>), RatingError> {
    let req = request(from, to);
    super::check_request(&req)?;
    let p = super::prepare::Prepared::new(estate, book, from, to, opts)?;
    let want = Detail {
        periods: false,
        split: Split::Deployment(index),
    };
    let (forecast, _, uses) = super::engine::rate_detail(&p, &req, want, None)?;
    Ok((forecast, uses.and_then(|u| u.into_iter().next())))
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
    let key = match (
        estate.reservations.iter().find(|r| r.id == id),
        estate.commitments.iter().find(|c| c.id == id),
    ) {
        (Some(r), _) => Some((r.region.clone(), r.sku)),
        (None, Some(c)) => key_of(estate, &c.resource, Sku::Regional),
        (None, None) => return Ok(None),
    };
    match key {
        Some(key) => instrument_covers(&part_in(estate, key), book, opts, id, from, to),
        None => instrument_covers(estate, book, opts, id, from, to),
    }
}

/// [`instrument_coverage`] rated on `estate` as it is.
fn instrument_covers(
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
    let mut out = Covers::nothing(from, to);
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
    let Some(dep) = estate.deployments.iter().find(|d| d.id == id) else {
        return Ok(None);
    };
    match key_of(estate, &dep.resource, dep.sku) {
        Some(key) => deployment_covers(&part_in(estate, key), book, opts, id, from, to),
        None => deployment_covers(estate, book, opts, id, from, to),
    }
}

/// [`deployment_coverage`] rated on `estate` as it is.
fn deployment_covers(
    estate: &Estate,
    book: &PriceBook,
    opts: &Options,
    id: &str,
    from: Time,
    to: Time,
) -> Result<Option<Covers>, RatingError> {
    let Some(index) = estate.deployments.iter().position(|d| d.id == id) else {
        return Ok(None);
    };
    let (forecast, used) = one_deployment(estate, book, opts, from, to, index)?;
    let mut out = Covers::nothing(from, to);
    let mut covering: Vec<&str> = Vec::new();
    if let Some(u) = &used {
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
    for i in forecast
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Profile, generate_profile};

    /// What covers a deployment, and what an instrument covers, rated on
    /// the key's part are the whole estate's figures: every deployment and
    /// instrument of both generated shapes, over the next 30 days.
    #[test]
    fn a_keys_part_covers_as_the_whole_estate_does() {
        let now = crate::domain::time::parse_time_arg("2027-01-01T00:00:00Z").unwrap();
        let (book, opts) = (PriceBook::default_book(), Options::default());
        let (from, to) = next_30_days(now + Duration::days(3));
        for profile in [Profile::Spread, Profile::Concentrated] {
            let e = generate_profile(120, 7, now, profile);
            let (mut seen, mut covered) = (0, 0);
            for d in &e.deployments {
                let part = deployment_coverage(&e, &book, &opts, &d.id, from, to).unwrap();
                let whole = deployment_covers(&e, &book, &opts, &d.id, from, to).unwrap();
                assert_eq!(part, whole, "{profile:?} deployment {}", d.id);
                seen += 1;
                covered += usize::from(whole.is_some_and(|c| c.covered_ptu_minutes > 0));
            }
            let ids = e
                .reservations
                .iter()
                .map(|r| r.id.as_str())
                .chain(e.commitments.iter().map(|c| c.id.as_str()));
            for id in ids {
                let part = instrument_coverage(&e, &book, &opts, id, from, to).unwrap();
                let whole = instrument_covers(&e, &book, &opts, id, from, to).unwrap();
                assert_eq!(part, whole, "{profile:?} instrument {id}");
                seen += 1;
            }
            // One deployment split alone is its entry of the whole split.
            let whole = detailed(&e, &book, &opts, from, to).unwrap();
            for u in &whole.deployments {
                let (f, one) = one_deployment(&e, &book, &opts, from, to, u.index).unwrap();
                assert_eq!(f, whole.forecast, "{profile:?} {}", u.id);
                let one = one.expect("a deployment in use has its figures");
                assert_eq!(one.deployed_ptu_minutes, u.deployed_ptu_minutes);
                let close = |x: Decimal, y: Decimal| (x - y).abs() < Decimal::new(1, 12);
                assert!(
                    close(one.hourly_ptu_minutes, u.hourly_ptu_minutes),
                    "{}",
                    u.id
                );
                assert!(close(one.hourly_cost, u.hourly_cost), "{}", u.id);
                assert_eq!(one.covered.len(), u.covered.len(), "{}", u.id);
                for (a, b) in one.covered.iter().zip(&u.covered) {
                    assert_eq!(a.instrument, b.instrument);
                    assert!(
                        close(a.ptu_minutes, b.ptu_minutes),
                        "{} {}",
                        u.id,
                        a.instrument
                    );
                    assert!(close(a.cost, b.cost), "{} {}", u.id, a.instrument);
                }
            }
            // The estates are not trivial: some deployments are covered.
            assert!(
                seen > 100 && covered > 5,
                "{profile:?}: {seen} seen, {covered} covered"
            );
        }
    }
}

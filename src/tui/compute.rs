//! Rating the estate for the panes, off the render path: [`compute`] asks
//! the rating core for this month, hands the figures to each pane's table
//! builder (`panes::<pane>`) and returns the [`Data`] a load shows. The
//! worker calls it; the types and cell formats it fills are in
//! [`super::data`].

use super::data::{
    Baseline, Data, Overview, base_id, bills, commitment_term, note, request, reservation_term,
};
use super::panes::commitments;
use super::panes::deployments;
use super::panes::overview;
use super::panes::quota;
use super::panes::reservations;
use crate::config::Config;
use crate::domain::Estate;
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, add_months, day_start, floor_hour, month_start};
use crate::rating::engine::{DeploymentUse, InstrumentPeriod};
use crate::rating::{self, Basis, BilledCharge, Bucket, Forecast, InstrumentKind};
use chrono::{Datelike, Duration};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Rates the estate and builds every pane's tables.
pub fn compute(estate: Arc<Estate>, book: &PriceBook, config: &Config, now: Time) -> Data {
    let e = &*estate;
    let opts = config.rating_options();
    let mut warnings: Vec<String> = Vec::new();
    let hour0 = floor_hour(now);
    let day0 = day_start(now);
    let m0 = month_start(now);
    let m1 = add_months(m0, 1);
    let m2 = add_months(m0, 2);
    let has_anything = !e.deployments.is_empty()
        || !e.commitments.is_empty()
        || !e.reservations.is_empty()
        || !e.managed_compute.is_empty();

    let (month, month_am, next, next_am, hour, upcoming, daily_d) = if has_anything {
        let month = note(
            &mut warnings,
            rating::forecast_detailed(
                e,
                book,
                &request(m0, m1, Basis::Actual, Bucket::Month),
                &opts,
            ),
        );
        let month_am = note(
            &mut warnings,
            rating::forecast(
                e,
                book,
                &request(m0, m1, Basis::Amortized, Bucket::Month),
                &opts,
            ),
        );
        let next = note(
            &mut warnings,
            rating::forecast(
                e,
                book,
                &request(m1, m2, Basis::Actual, Bucket::Month),
                &opts,
            ),
        );
        let next_am = note(
            &mut warnings,
            rating::forecast(
                e,
                book,
                &request(m1, m2, Basis::Amortized, Bucket::Month),
                &opts,
            ),
        );
        let hour = note(
            &mut warnings,
            rating::forecast_detailed(
                e,
                book,
                &request(
                    hour0,
                    hour0 + Duration::hours(1),
                    Basis::Actual,
                    Bucket::Month,
                ),
                &opts,
            ),
        );
        let daily = note(
            &mut warnings,
            rating::forecast_periods(
                e,
                book,
                &request(
                    day0 - Duration::days(30),
                    day0 + Duration::days(30),
                    Basis::Actual,
                    Bucket::Day,
                ),
                &opts,
            ),
        );
        // Bills as far as the furthest expiry or renewal ahead (at least
        // 92 days), so that a renewal months away shows its amount.
        let upcoming = note(
            &mut warnings,
            bills(e, book, hour0, bills_horizon(e, now, hour0), &opts),
        );
        (month, month_am, next, next_am, hour, upcoming, daily)
    } else {
        (None, None, None, None, None, None, None)
    };

    let month_use: HashMap<String, DeploymentUse> = month
        .as_ref()
        .map(|d| {
            d.deployments
                .iter()
                .map(|u| (u.id.clone(), u.clone()))
                .collect()
        })
        .unwrap_or_default();
    let covered_now: HashMap<String, String> = hour
        .as_ref()
        .map(|d| {
            d.deployments
                .iter()
                .filter(|u| u.deployed_ptu_minutes > 0)
                .map(|u| {
                    let mut parts: Vec<String> = u
                        .covered
                        .iter()
                        .filter(|c| c.ptu_minutes > Decimal::ZERO)
                        .map(|c| c.instrument.clone())
                        .collect();
                    if u.hourly_ptu_minutes > Decimal::ZERO {
                        parts.push("hourly".into());
                    }
                    (u.id.clone(), parts.join(" + "))
                })
                .collect()
        })
        .unwrap_or_default();
    let upcoming: Vec<BilledCharge> = upcoming.unwrap_or_default();
    let mut daily: HashMap<String, Vec<(Time, i64, i64)>> = HashMap::new();
    if let Some(d) = &daily_d {
        let mut acc: HashMap<String, BTreeMap<Time, (i64, i64)>> = HashMap::new();
        for p in d
            .periods
            .iter()
            .filter(|p| p.kind == InstrumentKind::Reservation)
        {
            let e = acc
                .entry(base_id(&p.id).to_string())
                .or_default()
                .entry(p.start)
                .or_default();
            e.0 += p.capacity_ptu_minutes;
            e.1 += p.used_ptu_minutes;
        }
        for (k, v) in acc {
            daily.insert(k, v.into_iter().map(|(t, (c, u))| (t, c, u)).collect());
        }
    }
    let month_periods: &[InstrumentPeriod] = month.as_ref().map_or(&[], |d| &d.periods);
    let month_f: Option<&Forecast> = month.as_ref().map(|d| &d.forecast);
    let hour_periods: &[InstrumentPeriod] = hour.as_ref().map_or(&[], |d| &d.periods);
    let hour_uses: &[DeploymentUse] = hour.as_ref().map_or(&[], |d| &d.deployments);

    let overview = Overview {
        capacity: overview::capacity_table(
            e,
            (hour_periods, hour_uses),
            (month_periods, &month_use),
            m0.month(),
        ),
        forecast: vec![
            (
                format!("This month ({})", m0.format("%b %Y")),
                month_f.map(|f| f.totals.clone()),
                month_am.as_ref().map(|f| f.totals.clone()),
            ),
            (
                format!("Next month ({})", m1.format("%b %Y")),
                next.as_ref().map(|f| f.totals.clone()),
                next_am.as_ref().map(|f| f.totals.clone()),
            ),
        ],
        events: overview::events(e, now, &upcoming),
        unverified_prices: month_f.map_or(0, |f| f.unverified_prices.len()),
    };
    let quota = quota::quota_table(e, config, now);
    let deployments = deployments::deployments_table(e, now, &month_use, &covered_now);
    // Each commitment's bill for the term in force: the core's bills
    // from the earliest such term's start to this hour.
    let term_starts: Vec<Time> = e
        .commitments
        .iter()
        .filter_map(|c| commitment_term(e, c, now).map(|(t, _)| t.start))
        .collect();
    let term_bills: Vec<BilledCharge> = match term_starts.iter().min() {
        Some(&from) if has_anything && from <= hour0 => note(
            &mut warnings,
            bills(e, book, from, hour0 + Duration::hours(1), &opts),
        )
        .unwrap_or_default(),
        _ => vec![],
    };
    let commitment_prices: HashMap<String, Option<Decimal>> = e
        .commitments
        .iter()
        .map(|c| (c.id.clone(), commitments::commitment_price(e, book, c)))
        .collect();
    let commitments = commitments::commitments_table(
        e,
        &book.over(&e.prices),
        now,
        (hour_periods, hour_uses),
        (&upcoming, &term_bills),
    );
    let reservations = reservations::reservations_table(e, now, &daily, &upcoming, day0);
    Data {
        now,
        overview,
        quota,
        deployments,
        commitments,
        reservations,
        baseline: Baseline {
            month: (m0, m1),
            next30: crate::rating::coverage::next_30_days(now),
        },
        month_use,
        covered_now,
        upcoming,
        daily,
        warnings,
        commitment_prices,
        term_bills,
        estate,
    }
}

/// How far ahead bills are listed: past the furthest end or planned start
/// of a term in force or planned at `now` (the overview's expiries and
/// renewals), and at least 92 days.
fn bills_horizon(e: &Estate, now: Time, hour0: Time) -> Time {
    let mut far = hour0 + Duration::days(92);
    for c in &e.commitments {
        if let Some((t, state)) = commitment_term(e, c, now)
            && state != "expired"
        {
            far = far.max(t.end + Duration::hours(1));
        }
    }
    for r in &e.reservations {
        if let Some((t, state)) = reservation_term(r, now)
            && state != "expired"
            && state != "refunded"
        {
            far = far.max(t.end + Duration::hours(1));
        }
    }
    far
}

//! What the panes show, computed off the render path from the estate and
//! the rating core: tables of display strings with sort keys, built once
//! per load. Every amount comes from `crate::rating`; this module only
//! picks, groups PTU counts and formats. Ratios shown as percentages are
//! of PTU-minutes the core counted.

use crate::config::Config;
use crate::domain::capacity;
use crate::domain::money::fmt_money_grouped;
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, add_months, day_start, floor_hour, month_start};
use crate::domain::{
    Commitment, CommitmentRenewal, Estate, ReservationRenewal, Sku, commitment_supports,
};
use crate::rating::engine::{DeploymentUse, InstrumentPeriod};
use crate::rating::{
    self, Basis, BilledCharge, Bucket, ChargeKind, Forecast, InstrumentKind, Period, Request,
    Totals, WindowKind,
};
use chrono::{Datelike, Duration};
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How a row or figure should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Plain,
    Ok,
    Info,
    Warning,
    Critical,
    Dim,
}

/// What a column sorts by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Empty,
    Num(Decimal),
    Text(String),
}

impl SortKey {
    pub fn text(s: impl Into<String>) -> SortKey {
        SortKey::Text(s.into())
    }
    pub fn num(n: impl Into<Decimal>) -> SortKey {
        SortKey::Num(n.into())
    }
    pub fn time(t: Time) -> SortKey {
        SortKey::Num(Decimal::from(t.timestamp()))
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        use SortKey::*;
        match (self, other) {
            (Empty, Empty) => Ordering::Equal,
            (Empty, _) => Ordering::Less,
            (_, Empty) => Ordering::Greater,
            (Num(a), Num(b)) => a.cmp(b),
            (Text(a), Text(b)) => a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b)),
            (Num(_), Text(_)) => Ordering::Less,
            (Text(_), Num(_)) => Ordering::Greater,
        }
    }
}

/// A column: its title, its width, right-aligned or not, and how readily
/// it is dropped when the window is narrow (higher goes first).
#[derive(Debug, Clone)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
    pub right: bool,
    pub drop: u8,
    /// Takes the room left over.
    pub grow: bool,
}

pub(crate) fn col(title: &'static str, width: u16, drop: u8) -> Column {
    Column {
        title,
        width,
        right: false,
        drop,
        grow: false,
    }
}

pub(crate) fn num(title: &'static str, width: u16, drop: u8) -> Column {
    Column {
        right: true,
        ..col(title, width, drop)
    }
}

pub(crate) fn grow(title: &'static str, width: u16, drop: u8) -> Column {
    Column {
        grow: true,
        ..col(title, width, drop)
    }
}

/// One row: display cells, sort keys, the id of what it shows (for jumps
/// and edits), and rows shown under it when expanded.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub key: String,
    pub cells: Vec<String>,
    pub sort: Vec<SortKey>,
    pub tone: Tone,
    pub children: Vec<Row>,
}

/// A table of rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// What to say when there are no rows.
    pub empty: String,
    /// A column whose full text is shown under the table for the selected row.
    pub footer: Option<usize>,
}

/// One upcoming expiry, renewal or planned purchase.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: Time,
    pub id: String,
    pub what: String,
    pub amount: Option<Decimal>,
    pub note: String,
    pub tone: Tone,
}

/// The overview's figures.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub capacity: Table,
    /// (label, actual, amortized, hourly part of actual)
    pub forecast: Vec<(String, Option<Totals>, Option<Totals>)>,
    pub events: Vec<Event>,
    pub unverified_prices: usize,
}

/// The current estate's totals that edit previews compare against.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub month: (Time, Time),
    pub next30: (Time, Time),
}

/// Everything the panes show after one load.
#[derive(Debug, Clone)]
pub struct Data {
    pub now: Time,
    pub estate: Arc<Estate>,
    pub overview: Overview,
    pub quota: Table,
    pub deployments: Table,
    pub commitments: Table,
    pub reservations: Table,
    pub baseline: Baseline,
    /// Per deployment: this month's use and cost.
    pub month_use: HashMap<String, DeploymentUse>,
    /// Per deployment: what covers it this hour.
    pub covered_now: HashMap<String, String>,
    /// Bills in the next 92 days.
    pub upcoming: Vec<BilledCharge>,
    /// Per reservation (original id): daily (day, capacity, used) PTU-minutes, last and next 30 days.
    pub daily: HashMap<String, Vec<(Time, i64, i64)>>,
    /// Rating problems (a missing price): shown in the status line.
    pub warnings: Vec<String>,
    /// Per commitment: its price per PTU a month (None: the price book
    /// has none).
    pub commitment_prices: HashMap<String, Option<Decimal>>,
    /// The commitments' bills from the start of the earliest term in
    /// force to this hour (each term's purchase or renewal).
    pub term_bills: Vec<BilledCharge>,
}

/// The forecast pane's chart and windows for a range.
#[derive(Debug, Clone)]
pub struct ChartData {
    pub from: Time,
    pub to: Time,
    pub basis: Basis,
    pub periods: Vec<Period>,
    pub totals: Totals,
    pub windows: Table,
}

/// Money for display: `$1,234.50`, `-$12.00`.
pub fn money(d: Decimal) -> String {
    let s = fmt_money_grouped(d);
    match s.strip_prefix('-') {
        Some(rest) if rest.trim_start_matches(['0', '.', ',']).is_empty() => format!("${rest}"),
        Some(rest) => format!("-${rest}"),
        None => format!("${s}"),
    }
}

/// A change of money: `+$1.00`, `-$2.50`, `$0.00`.
pub fn delta(d: Decimal) -> String {
    let m = money(d);
    if m.starts_with('-') || m == "$0.00" {
        m
    } else {
        format!("+{m}")
    }
}

pub fn day(t: Time) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// To the minute, without the zone (the header says UTC).
pub fn minute(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// When a pending change takes effect: the time alone on `now`'s day
/// ("23:00"), else the date too.
pub fn when(t: Time, now: Time) -> String {
    if t.date_naive() == now.date_naive() {
        t.format("%H:%M").to_string()
    } else {
        minute(t)
    }
}

/// How far ahead a row marks a saved change as pending: an edit saved
/// for the next hour (a scope change always is), or later today. Plans
/// further out show in the details, not on the row.
pub const PENDING_WITHIN_HOURS: i64 = 24;

/// A deployment's next saved change after `now` within
/// [`PENDING_WITHIN_HOURS`] (a resize or its deletion), as its row marks
/// it: "→ 150 PTU at 23:00", "→ deleted at 23:00". None for a deployment
/// gone or not created yet.
pub fn pending_size(d: &crate::domain::Deployment, now: Time) -> Option<String> {
    if d.created() > now || d.deleted.is_some_and(|t| t <= now) {
        return None;
    }
    let soon = now + Duration::hours(PENDING_WITHIN_HOURS);
    let current = d.ptu_at(now);
    let size = d
        .sizes
        .iter()
        .find(|s| s.at > now && s.ptu != current)
        .filter(|s| s.at <= soon);
    let deleted = d.deleted.filter(|&t| t <= soon);
    match (size, deleted) {
        (Some(s), del) if del.is_none_or(|t| s.at < t) => {
            Some(format!("→ {} PTU at {}", s.ptu, when(s.at, now)))
        }
        (_, Some(t)) => Some(format!("→ deleted at {}", when(t, now))),
        _ => None,
    }
}

/// A reservation's next scope after `now` within
/// [`PENDING_WITHIN_HOURS`] (a change takes effect at the next whole
/// hour): "→ sub sub-prod at 23:00".
pub fn pending_scope(r: &crate::domain::Reservation, now: Time) -> Option<String> {
    let soon = now + Duration::hours(PENDING_WITHIN_HOURS);
    let current = crate::domain::terms::scope_at(r, now.max(r.start));
    crate::domain::terms::scope_timeline(r)
        .into_iter()
        .find(|(at, s)| *at > now.max(r.start) && *s != current)
        .filter(|(at, _)| *at <= soon)
        .map(|(at, s)| format!("→ {s} at {}", when(at, now)))
}

/// A share of PTU-minutes as a whole percentage.
pub fn pct(part: Decimal, whole: Decimal) -> Option<Decimal> {
    (whole > Decimal::ZERO).then(|| (part * Decimal::from(100) / whole).round())
}

fn pct_cell(p: Option<Decimal>) -> String {
    p.map_or("—".into(), |p| format!("{p}%"))
}

use crate::domain::terms::base_id;

/// The renewal settings in force for an expiry.
pub use crate::domain::terms::{
    commitment_renewal_for as commitment_setting, reservation_renewal_for as reservation_setting,
};

pub use crate::planner::preview::{commitment_term, live_ptu, reservation_term};
pub use crate::planner::{commitment_renewal_label, reservation_renewal_label};

fn note<T>(warnings: &mut Vec<String>, r: Result<T, rating::RatingError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(err) => {
            let m = err.to_string();
            if !warnings.contains(&m) {
                warnings.push(m);
            }
            None
        }
    }
}

fn request(from: Time, to: Time, basis: Basis, by: Bucket) -> Request {
    Request {
        from,
        to,
        basis,
        by,
    }
}

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
        capacity: capacity_table(
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
        events: events(e, now, &upcoming),
        unverified_prices: month_f.map_or(0, |f| f.unverified_prices.len()),
    };
    let quota = quota_table(e, config, now);
    let deployments = deployments_table(e, now, &month_use, &covered_now);
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
        .map(|c| (c.id.clone(), commitment_price(e, book, c)))
        .collect();
    let commitments = commitments_table(
        e,
        &book.over(&e.prices),
        now,
        (hour_periods, hour_uses),
        (&upcoming, &term_bills),
    );
    let reservations = reservations_table(e, now, &daily, &upcoming, day0);
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

fn region_of<'a>(e: &'a Estate, resource: &str) -> &'a str {
    e.resource(resource).map_or("?", |r| r.region.as_str())
}

/// PTU-minutes of one hour as PTU: `300`, or `287.5` when a change fell
/// inside the hour.
pub fn hour_ptu(minutes: i64) -> String {
    if minutes % 60 == 0 {
        (minutes / 60).to_string()
    } else {
        (Decimal::from(minutes) / Decimal::from(60))
            .round_dp(1)
            .normalize()
            .to_string()
    }
}

/// The bills of every instrument in `[from, to)`, as the rating core
/// prices them when it prepares a window (what `forecast_detailed` lists
/// as its bills), without rating the usage of all those hours.
pub fn bills(
    e: &Estate,
    book: &PriceBook,
    from: Time,
    to: Time,
    opts: &rating::Options,
) -> Result<Vec<BilledCharge>, rating::RatingError> {
    let prepared = rating::prepare::Prepared::new(e, book, from, to, opts)?;
    let mut out: Vec<BilledCharge> = prepared
        .instruments
        .iter()
        .flat_map(|i| {
            i.bills
                .iter()
                .filter(|b| b.at >= from && b.at < to)
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
        .collect();
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    Ok(out)
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

/// Column titles for a month's utilization and coverage.
fn month_titles(month: u32) -> (&'static str, &'static str) {
    const T: [(&str, &str); 12] = [
        ("Util Jan", "Cover Jan"),
        ("Util Feb", "Cover Feb"),
        ("Util Mar", "Cover Mar"),
        ("Util Apr", "Cover Apr"),
        ("Util May", "Cover May"),
        ("Util Jun", "Cover Jun"),
        ("Util Jul", "Cover Jul"),
        ("Util Aug", "Cover Aug"),
        ("Util Sep", "Cover Sep"),
        ("Util Oct", "Cover Oct"),
        ("Util Nov", "Cover Nov"),
        ("Util Dec", "Cover Dec"),
    ];
    T[(month.clamp(1, 12) - 1) as usize]
}

/// The overview's capacity by region and deployment type: deployed,
/// committed and reserved PTU and the utilization and coverage in the
/// current hour (the rating core's figures for the hour that holds now),
/// then utilization and coverage over the whole month (`month`, 1-12).
fn capacity_table(
    e: &Estate,
    hour: (&[InstrumentPeriod], &[DeploymentUse]),
    (month_periods, month_uses): (&[InstrumentPeriod], &HashMap<String, DeploymentUse>),
    month: u32,
) -> Table {
    /// PTU-minutes: deployed, committed, reserved; capacity and used; and
    /// the deployed minutes that paid the hourly rate.
    #[derive(Default, Clone, Copy)]
    struct Use {
        deployed: i64,
        committed: i64,
        reserved: i64,
        cap: i64,
        used: i64,
        hourly: Decimal,
    }
    let key = |d: &crate::domain::Deployment| (region_of(e, &d.resource).to_string(), d.sku);
    let mut by: BTreeMap<(String, Sku), (Use, Use)> = BTreeMap::new();
    for u in hour.1 {
        if let Some(d) = e.deployments.get(u.index) {
            let a = &mut by.entry(key(d)).or_default().0;
            a.deployed += u.deployed_ptu_minutes;
            a.hourly += u.hourly_ptu_minutes;
        }
    }
    for p in hour.0 {
        let a = &mut by.entry((p.region.clone(), p.sku)).or_default().0;
        match p.kind {
            InstrumentKind::Commitment => a.committed += p.capacity_ptu_minutes,
            InstrumentKind::Reservation => a.reserved += p.capacity_ptu_minutes,
        }
        a.cap += p.capacity_ptu_minutes;
        a.used += p.used_ptu_minutes;
    }
    for u in month_uses.values() {
        if let Some(d) = e.deployments.get(u.index) {
            let a = &mut by.entry(key(d)).or_default().1;
            a.deployed += u.deployed_ptu_minutes;
            a.hourly += u.hourly_ptu_minutes;
        }
    }
    for p in month_periods {
        let a = &mut by.entry((p.region.clone(), p.sku)).or_default().1;
        a.cap += p.capacity_ptu_minutes;
        a.used += p.used_ptu_minutes;
    }
    let util = |a: &Use| pct(a.used.into(), a.cap.into());
    let cover = |a: &Use| pct(Decimal::from(a.deployed) - a.hourly, a.deployed.into());
    let rows = by
        .into_iter()
        .filter(|(_, (h, m))| h.deployed + h.cap + m.deployed + m.cap > 0)
        .map(|((region, sku), (h, m))| {
            let tone = if h.hourly > Decimal::ZERO {
                Tone::Warning
            } else {
                Tone::Plain
            };
            Row {
                key: format!("{region}/{}", sku.azure_name()),
                cells: vec![
                    region.clone(),
                    sku.label().into(),
                    hour_ptu(h.deployed),
                    hour_ptu(h.committed),
                    hour_ptu(h.reserved),
                    pct_cell(util(&h)),
                    pct_cell(cover(&h)),
                    pct_cell(util(&m)),
                    pct_cell(cover(&m)),
                ],
                sort: vec![
                    SortKey::text(region),
                    SortKey::text(sku.label()),
                    SortKey::num(h.deployed),
                    SortKey::num(h.committed),
                    SortKey::num(h.reserved),
                    util(&h).map_or(SortKey::Empty, SortKey::Num),
                    cover(&h).map_or(SortKey::Empty, SortKey::Num),
                    util(&m).map_or(SortKey::Empty, SortKey::Num),
                    cover(&m).map_or(SortKey::Empty, SortKey::Num),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    let (month_util, month_cover) = month_titles(month);
    Table {
        columns: vec![
            col("Region", 10, 0),
            col("SKU", 4, 0),
            num("Deploy", 6, 0),
            num("Commit", 6, 0),
            num("Reserve", 7, 0),
            num("Util", 4, 0),
            num("Cover", 5, 0),
            num(month_util, 8, 1),
            num(month_cover, 9, 1),
        ],
        rows,
        empty: "Nothing deployed, committed or reserved.".into(),
        footer: None,
    }
}

pub fn bill_label(k: ChargeKind) -> &'static str {
    match k {
        ChargeKind::Purchase => "purchase",
        ChargeKind::Renewal => "renewal",
        ChargeKind::Addition => "addition",
        ChargeKind::Period => "monthly period",
        ChargeKind::Refund => "refund credit",
    }
}

fn events(e: &Estate, now: Time, upcoming: &[BilledCharge]) -> Vec<Event> {
    let bill_at = |pred: &dyn Fn(&BilledCharge) -> bool, at: Time| -> Option<Decimal> {
        let v: Vec<&BilledCharge> = upcoming.iter().filter(|b| b.at == at && pred(b)).collect();
        (!v.is_empty()).then(|| v.iter().map(|b| b.amount).sum())
    };
    let mut out = Vec::new();
    for c in &e.commitments {
        let Some((t, state)) = commitment_term(e, c, now) else {
            continue;
        };
        let deployed: i64 = e
            .deployments
            .iter()
            .filter(|d| d.resource == c.resource && d.sku == Sku::Regional)
            .map(|d| live_ptu(e, d, t.end.max(now)))
            .sum();
        if state == "planned" {
            out.push(Event {
                at: t.start,
                id: c.id.clone(),
                what: format!("commitment starts, {} PTU", t.ptu),
                amount: bill_at(&|b| b.id == c.id, t.start),
                note: String::new(),
                tone: Tone::Info,
            });
        }
        if state == "expired" {
            continue;
        }
        match commitment_setting(c, t.end) {
            CommitmentRenewal::None => out.push(Event {
                at: t.end,
                id: c.id.clone(),
                what: "commitment expires".into(),
                amount: None,
                note: if deployed > 0 {
                    format!("{deployed} PTU deployed at expiry")
                } else {
                    String::new()
                },
                tone: if deployed > 0 {
                    Tone::Critical
                } else {
                    Tone::Plain
                },
            }),
            s => out.push(Event {
                at: t.end,
                id: c.id.clone(),
                what: format!(
                    "commitment renews at {} PTU",
                    match s {
                        CommitmentRenewal::AutorenewLower(p) => p,
                        _ => t.ptu_at_end(),
                    }
                ),
                amount: bill_at(&|b| b.id == c.id, t.end),
                note: String::new(),
                tone: Tone::Info,
            }),
        }
    }
    for r in &e.reservations {
        let Some((t, state)) = reservation_term(r, now) else {
            continue;
        };
        let mine = |b: &BilledCharge| base_id(&b.id) == r.id;
        if state == "planned" {
            out.push(Event {
                at: t.start,
                id: r.id.clone(),
                what: format!("reservation purchase, {} PTU {}", t.ptu, t.term.code()),
                amount: bill_at(&mine, t.start),
                note: format!("{} {}", r.region, r.sku.label()),
                tone: Tone::Info,
            });
        }
        if state == "expired" || state == "refunded" {
            continue;
        }
        match reservation_setting(r, t.end) {
            ReservationRenewal::None => out.push(Event {
                at: t.end,
                id: r.id.clone(),
                what: "reservation expires".into(),
                amount: None,
                note: String::new(),
                tone: Tone::Warning,
            }),
            s => out.push(Event {
                at: t.end,
                id: r.id.clone(),
                what: format!(
                    "reservation {}",
                    reservation_renewal_label(&s).replace("autorenew", "renews")
                ),
                amount: bill_at(&mine, t.end),
                note: String::new(),
                tone: Tone::Info,
            }),
        }
    }
    out.retain(|ev| ev.at >= now);
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    out
}

fn quota_table(e: &Estate, config: &Config, now: Time) -> Table {
    let threshold = Decimal::from(config.alerts.quota_threshold_pct);
    // (subscription, region, sku) -> deployments
    let mut deps: BTreeMap<(String, String, Sku), Vec<&crate::domain::Deployment>> =
        BTreeMap::new();
    for d in &e.deployments {
        let Some(r) = e.resource(&d.resource) else {
            continue;
        };
        if live_ptu(e, d, now) > 0 {
            deps.entry((r.subscription.clone(), r.region.clone(), d.sku))
                .or_default()
                .push(d);
        }
    }
    let mut keys: BTreeMap<(String, String, Sku), Option<i64>> = BTreeMap::new();
    // The pooled rows (model-specific ones are checked by `check`).
    for q in e.quotas.iter().filter(|q| q.model.is_none()) {
        keys.insert(
            (q.subscription.clone(), q.region.clone(), q.sku),
            Some(q.limit),
        );
    }
    for k in deps.keys() {
        keys.entry(k.clone()).or_insert(None);
    }
    let rows = keys
        .into_iter()
        .map(|((sub, region, sku), limit)| {
            let list = deps
                .get(&(sub.clone(), region.clone(), sku))
                .cloned()
                .unwrap_or_default();
            let used: i64 = list.iter().map(|d| live_ptu(e, d, now)).sum();
            let share = limit.and_then(|l| pct(used.into(), l.into()));
            let (flag, tone) = match limit {
                Some(l) if used > l => ("over limit".to_string(), Tone::Critical),
                Some(l) if l > 0 && share.is_some_and(|s| s >= threshold) => {
                    ("near limit".to_string(), Tone::Warning)
                }
                None => ("no quota known".to_string(), Tone::Dim),
                _ => (String::new(), Tone::Plain),
            };
            let gauge = match limit {
                Some(l) if l > 0 => gauge_text(used, l, GAUGE),
                _ => String::new(),
            };
            // Service capacity Azure last reported for each model version
            // deployed here (None: never read).
            let reported: Vec<Option<capacity::Reported>> = list
                .iter()
                .map(|d| capacity::reported(e, &region, sku, &d.model, &d.version, now))
                .collect();
            let tightest = reported.iter().flatten().min_by(|a, b| {
                a.available
                    .cmp(&b.available)
                    .then(b.age_seconds.cmp(&a.age_seconds))
            });
            let unread = reported.iter().filter(|r| r.is_none()).count();
            let cap_cell = match (tightest, unread) {
                (None, 0) => String::new(),
                (None, _) => "not read".to_string(),
                (Some(c), 0) => capacity_cell(c),
                (Some(c), n) => format!("{}, {n} not read", capacity_cell(c)),
            };
            let cap_sort = tightest.map_or(SortKey::Empty, |c| SortKey::num(c.available));
            let children = list
                .iter()
                .zip(&reported)
                .map(|(d, r)| Row {
                    key: d.id.clone(),
                    // Drawn with columns of their own under the parent.
                    cells: vec![
                        d.id.clone(),
                        d.resource.clone(),
                        format!("{} {}", d.model, d.version).trim().to_string(),
                        format!("{} PTU", live_ptu(e, d, now)),
                        match r {
                            Some(c) => format!("service capacity {}", capacity_cell(c)),
                            None => "service capacity not read".to_string(),
                        },
                    ],
                    sort: vec![],
                    tone: Tone::Dim,
                    children: vec![],
                })
                .collect();
            Row {
                key: format!("{sub}/{region}/{}", sku.azure_name()),
                cells: vec![
                    sub.clone(),
                    region.clone(),
                    sku.label().into(),
                    limit.map_or("?".into(), |l| l.to_string()),
                    used.to_string(),
                    limit.map_or("?".into(), |l| (l - used).to_string()),
                    pct_cell(share),
                    gauge,
                    flag,
                    cap_cell,
                ],
                sort: vec![
                    SortKey::text(sub),
                    SortKey::text(region),
                    SortKey::text(sku.label()),
                    limit.map_or(SortKey::Empty, SortKey::num),
                    SortKey::num(used),
                    limit.map_or(SortKey::Empty, |l| SortKey::num(l - used)),
                    share.map_or(SortKey::Empty, SortKey::Num),
                    share.map_or(SortKey::Empty, SortKey::Num),
                    SortKey::text(match tone {
                        Tone::Critical => "0",
                        Tone::Warning => "1",
                        _ => "2",
                    }),
                    cap_sort,
                ],
                tone,
                children,
            }
        })
        .collect();
    Table {
        columns: vec![
            // Everything fits at 80 columns.
            col("Subscription", 12, 0),
            col("Region", 10, 0),
            col("SKU", 4, 0),
            num("Limit", 5, 0),
            num("Used", 4, 0),
            num("Free", 4, 0),
            num("Use", 4, 2),
            col("Gauge", GAUGE as u16, 0),
            col("Flag", 10, 1),
            // Azure's service capacity for the models deployed here: the
            // tightest answer and its age.
            col("Capacity", 9, 1),
        ],
        rows,
        empty:
            "No quota known and nothing deployed: import `az cognitiveservices usage list` output."
                .into(),
        footer: None,
    }
}

/// A service capacity answer as a cell: "400 (3 h old)".
pub fn capacity_cell(c: &capacity::Reported) -> String {
    format!("{} ({} old)", c.available, capacity::fmt_age(c.age_seconds))
}

/// The quota gauge's width.
const GAUGE: usize = 12;

/// A bar of `width` cells, full in proportion to `used / limit`: `█` for
/// the share used (in eighths), `·` for the rest (none used).
pub fn gauge_text(used: i64, limit: i64, width: usize) -> String {
    let w = width as i64;
    let full = ((used.max(0) * w * 8) / limit.max(1)).min(w * 8);
    let mut s = "█".repeat((full / 8) as usize);
    let part = full % 8;
    if part > 0 {
        s.push([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][part as usize]);
    }
    while s.chars().count() < width {
        s.push('·');
    }
    s
}

fn deployments_table(
    e: &Estate,
    now: Time,
    uses: &HashMap<String, DeploymentUse>,
    covered: &HashMap<String, String>,
) -> Table {
    let rows = e
        .deployments
        .iter()
        .map(|d| {
            let r = e.resource(&d.resource);
            let ptu = live_ptu(e, d, now);
            let gone = d.deleted.is_some_and(|t| t <= now)
                || r.and_then(|r| r.purged).is_some_and(|t| t <= now);
            let planned = d.created() > now;
            let cover = if gone {
                "deleted".to_string()
            } else if planned {
                format!("planned {}", day(d.created()))
            } else {
                covered.get(&d.id).cloned().unwrap_or_else(|| "—".into())
            };
            let cost = uses.get(&d.id).map(|u| u.cost());
            // A saved resize or deletion still to take effect.
            let pending = pending_size(d, now);
            let tone = if gone || planned {
                Tone::Dim
            } else if cover.contains("hourly") {
                Tone::Warning
            } else if pending.is_some() {
                Tone::Info
            } else {
                Tone::Plain
            };
            let sub = r.map_or("?", |r| r.subscription.as_str());
            let region = r.map_or("?", |r| r.region.as_str());
            Row {
                key: d.id.clone(),
                cells: vec![
                    d.id.clone(),
                    d.resource.clone(),
                    sub.into(),
                    region.into(),
                    d.sku.label().into(),
                    format!("{} {}", d.model, d.version).trim().into(),
                    match &pending {
                        Some(p) => format!("{ptu} {p}"),
                        None => ptu.to_string(),
                    },
                    cover.clone(),
                    cost.map_or("—".into(), money),
                ],
                sort: vec![
                    SortKey::text(&d.id),
                    SortKey::text(&d.resource),
                    SortKey::text(sub),
                    SortKey::text(region),
                    SortKey::text(d.sku.label()),
                    SortKey::text(format!("{} {}", d.model, d.version)),
                    SortKey::num(ptu),
                    SortKey::text(cover),
                    cost.map_or(SortKey::Empty, SortKey::Num),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            // At 80 columns: the id, resource, type, model, PTU, what covers
            // it and its cost; `>` brings in the region and subscription.
            col("Deployment", 16, 0),
            col("Resource", 12, 2),
            col("Subscription", 8, 4),
            col("Region", 8, 3),
            col("SKU", 4, 0),
            col("Model", 14, 1),
            num("PTU", 3, 0),
            col("Covered now", 12, 0),
            num("This month", 11, 0),
        ],
        rows,
        empty: "No deployments.".into(),
        footer: None,
    }
}

/// The commitments as the Manage Commitments view lists them. Committed,
/// deployed and usage are the current hour's, from the rating core:
/// committed = the commitment's PTU-minutes in the hour, deployed = those
/// of the Regional deployments on its resource, usage = deployed /
/// committed (over 100% is overage that pays the hourly rate).
/// A commitment's price per PTU a month (the price book's, for Regional in
/// its resource's region) and the bill of its term in force.
pub fn commitment_price(e: &Estate, book: &PriceBook, c: &Commitment) -> Option<Decimal> {
    let region = e.resource(&c.resource)?.region.as_str();
    book.over(&e.prices)
        .lookup(
            region,
            Sku::Regional,
            crate::domain::prices::PriceKind::CommitmentMonth,
        )
        .map(|p| p.amount)
}

/// The bill of the commitment's term in force at `now` (its purchase or
/// renewal, as the core billed it), from `bills`.
pub fn term_bill<'a>(
    e: &Estate,
    c: &Commitment,
    now: Time,
    bills: &'a [BilledCharge],
) -> Option<&'a BilledCharge> {
    let (t, _) = commitment_term(e, c, now)?;
    bills
        .iter()
        .filter(|b| b.id == c.id && b.at >= t.start && b.at <= now)
        .max_by_key(|b| b.at)
}

fn commitments_table(
    e: &Estate,
    book: &PriceBook,
    now: Time,
    (hour_periods, hour_uses): (&[InstrumentPeriod], &[DeploymentUse]),
    (upcoming, term_bills): (&[BilledCharge], &[BilledCharge]),
) -> Table {
    let rows = e
        .commitments
        .iter()
        .map(|c| {
            let term = commitment_term(e, c, now);
            let committed_m: i64 = hour_periods
                .iter()
                .filter(|p| p.id == c.id && p.kind == InstrumentKind::Commitment)
                .map(|p| p.capacity_ptu_minutes)
                .sum();
            let live: Vec<&crate::domain::Deployment> = e
                .deployments
                .iter()
                .filter(|d| {
                    d.resource == c.resource && d.sku == Sku::Regional && live_ptu(e, d, now) > 0
                })
                .collect();
            let deployed_m: i64 = hour_uses
                .iter()
                .filter(|u| {
                    e.deployments
                        .get(u.index)
                        .is_some_and(|d| d.resource == c.resource && d.sku == Sku::Regional)
                })
                .map(|u| u.deployed_ptu_minutes)
                .sum();
            let deployed = deployed_m / 60;
            let usage = pct(deployed_m.into(), committed_m.into());
            let next = upcoming.iter().find(|b| b.id == c.id && b.at >= now);
            let price = commitment_price(e, book, c);
            let bill = term_bill(e, c, now, term_bills).map(|b| b.amount);
            let (start, end, state) = match &term {
                Some((t, s)) => (Some(t.start), Some(t.end), *s),
                None => (None, None, "invalid"),
            };
            let setting = end
                .map(|end| commitment_setting(c, end))
                .unwrap_or(c.renewal);
            let mut warn: Vec<String> = Vec::new();
            let mut tone = Tone::Plain;
            if state == "active" && deployed_m > committed_m {
                warn.push(format!(
                    "{} PTU overage",
                    hour_ptu(deployed_m - committed_m)
                ));
                tone = Tone::Warning;
            }
            if state != "expired" && setting == CommitmentRenewal::None && deployed > 0 {
                let days = end.map_or(0, |t| (t - now).num_days());
                warn.push(format!("expires in {days}d with {deployed} PTU deployed"));
                tone = if days < 7 {
                    Tone::Critical
                } else {
                    Tone::Warning
                };
            }
            if state == "expired" {
                if deployed > 0 {
                    warn.push(format!("expired: {deployed} PTU pay hourly"));
                    tone = Tone::Critical;
                } else {
                    warn.push("expired".into());
                    tone = Tone::Dim;
                }
            }
            if state == "planned" {
                warn.push("planned".into());
            }
            let unsupported: Vec<&str> = live
                .iter()
                .filter(|d| !commitment_supports(&d.model, &d.version))
                .map(|d| d.id.as_str())
                .collect();
            if !unsupported.is_empty() && state == "active" {
                warn.push(format!("model not allowed: {}", unsupported.join(", ")));
                if tone == Tone::Plain {
                    tone = Tone::Warning;
                }
            }
            Row {
                key: c.id.clone(),
                cells: vec![
                    c.id.clone(),
                    c.resource.clone(),
                    hour_ptu(committed_m),
                    hour_ptu(deployed_m),
                    pct_cell(usage),
                    start.map_or("—".into(), day),
                    end.map_or("—".into(), minute),
                    commitment_renewal_label(setting),
                    next.map_or("—".into(), |b| minute(b.at)),
                    next.map_or("—".into(), |b| money(b.amount)),
                    warn.join("; "),
                    price.map_or("no price".into(), money),
                    bill.map_or("—".into(), money),
                ],
                sort: vec![
                    SortKey::text(&c.id),
                    SortKey::text(&c.resource),
                    SortKey::num(committed_m),
                    SortKey::num(deployed_m),
                    usage.map_or(SortKey::Empty, SortKey::Num),
                    start.map_or(SortKey::Empty, SortKey::time),
                    end.map_or(SortKey::Empty, SortKey::time),
                    SortKey::text(commitment_renewal_label(setting)),
                    next.map_or(SortKey::Empty, |b| SortKey::time(b.at)),
                    next.map_or(SortKey::Empty, |b| SortKey::Num(b.amount)),
                    SortKey::text(warn.join("; ")),
                    price.map_or(SortKey::Empty, SortKey::Num),
                    bill.map_or(SortKey::Empty, SortKey::Num),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            // At 80 columns: the id, PTU and usage now, expiry, renewal and
            // the next bill's date; `>` brings in its amount, the warnings
            // (also under the table), start and resource.
            col("Commitment", 16, 0),
            col("Resource", 12, 3),
            num("Commit", 6, 0),
            num("Deploy", 6, 0),
            num("Usage", 5, 0),
            col("Start", 5, 2),
            col("Expiry", 10, 0),
            col("Renewal", 11, 0),
            col("Next bill", 10, 0),
            num("Amount", 11, 1),
            grow("Warnings", 10, 1),
            // The price per PTU a month, and what the term in force was
            // billed (its purchase or renewal): behind `>` at 120 columns
            // (the resource stays), and in the details.
            num("Price/PTU", 9, 4),
            num("Term bill", 11, 4),
        ],
        rows,
        empty: "No commitments (the older payment model; none can be bought since August 2024)."
            .into(),
        footer: Some(10),
    }
}

/// Marks per 30 days in a reservation's sparkline (5 days a mark).
pub const SPARK_BINS: usize = 6;

/// What the sparkline's marks mean (the same marks as the gauges: `·` is
/// "none used" everywhere).
pub const SPARK_LEGEND: &str =
    "▁▂▃▄▅▆▇█ share used (any use shows), · none used, blank: not in force, │ now";

/// Daily use as `bins` marks, the days split evenly among them: blank
/// when the reservation was not in force (no capacity), `·` when in force
/// and unused, else `▁`..`█` by the share of capacity used, rounded up
/// (any use shows).
pub fn sparkline(days: &[(Time, i64, i64)], bins: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let n = days.len();
    (0..bins)
        .map(|j| {
            let ch = &days[j * n / bins..(j + 1) * n / bins];
            let cap: i64 = ch.iter().map(|d| d.1).sum();
            let used: i64 = ch.iter().map(|d| d.2).sum();
            if cap <= 0 {
                ' '
            } else if used <= 0 {
                '·'
            } else {
                let level = ((used * 8 + cap - 1) / cap).clamp(1, 8);
                BARS[level as usize - 1]
            }
        })
        .collect()
}

fn reservations_table(
    e: &Estate,
    now: Time,
    daily: &HashMap<String, Vec<(Time, i64, i64)>>,
    upcoming: &[BilledCharge],
    day0: Time,
) -> Table {
    let rows = e
        .reservations
        .iter()
        .map(|r| {
            let term = reservation_term(r, now);
            let days = daily.get(&r.id).cloned().unwrap_or_default();
            let share = |from: Time, to: Time| {
                let (c, u) = days
                    .iter()
                    .filter(|d| d.0 >= from && d.0 < to)
                    .fold((0i64, 0i64), |a, d| (a.0 + d.1, a.1 + d.2));
                pct(u.into(), c.into())
            };
            let past = share(day0 - Duration::days(30), day0);
            let ahead = share(day0, day0 + Duration::days(30));
            // The last 30 days, `│` for now, the next 30.
            let spark = {
                let span = |from: i64, to: i64| -> Vec<(Time, i64, i64)> {
                    (from..to)
                        .map(|i| {
                            let t = day0 + Duration::days(i);
                            days.iter().find(|d| d.0 == t).copied().unwrap_or((t, 0, 0))
                        })
                        .collect()
                };
                format!(
                    "{}│{}",
                    sparkline(&span(-30, 0), SPARK_BINS),
                    sparkline(&span(0, 30), SPARK_BINS)
                )
            };
            let (ptu, start, end, state, term_code, billing) = match &term {
                Some((t, s)) => (
                    t.ptu,
                    t.start,
                    t.coverage_end(),
                    *s,
                    t.term.code(),
                    t.billing.code(),
                ),
                None => (
                    r.ptu,
                    r.start,
                    r.start,
                    "invalid",
                    r.term.code(),
                    r.billing.code(),
                ),
            };
            let setting = reservation_setting(r, end);
            let scope = crate::domain::terms::scope_at(r, now.max(r.start)).to_string();
            // A saved scope change still to take effect.
            let pending = (state != "refunded" && state != "expired")
                .then(|| pending_scope(r, now))
                .flatten();
            let next = upcoming
                .iter()
                .find(|b| base_id(&b.id) == r.id && b.at >= now);
            let tone = match state {
                "expired" | "refunded" => Tone::Dim,
                "planned" => Tone::Info,
                _ if past.is_some_and(|p| p < Decimal::from(50)) => Tone::Warning,
                _ if pending.is_some() => Tone::Info,
                _ => Tone::Plain,
            };
            let expiry_cell = match state {
                "refunded" => format!("ref. {}", day(end)),
                _ => minute(end),
            };
            Row {
                key: r.id.clone(),
                cells: vec![
                    r.id.clone(),
                    if r.name.is_empty() {
                        r.id.clone()
                    } else {
                        r.name.clone()
                    },
                    r.region.clone(),
                    r.sku.label().into(),
                    // The scope to come first: a narrow column keeps it.
                    match &pending {
                        Some(p) => format!("{p} (now {scope})"),
                        None => scope.clone(),
                    },
                    ptu.to_string(),
                    term_code.to_string(),
                    billing.to_string(),
                    day(start),
                    expiry_cell,
                    if state == "refunded" {
                        "refunded".into()
                    } else {
                        reservation_renewal_label(&setting)
                    },
                    pct_cell(past),
                    pct_cell(ahead),
                    spark,
                    next.map_or("—".into(), |b| minute(b.at)),
                    next.map_or("—".into(), |b| money(b.amount)),
                ],
                sort: vec![
                    SortKey::text(&r.id),
                    SortKey::text(&r.name),
                    SortKey::text(&r.region),
                    SortKey::text(r.sku.label()),
                    SortKey::text(scope),
                    SortKey::num(ptu),
                    SortKey::text(term_code),
                    SortKey::text(billing),
                    SortKey::time(start),
                    SortKey::time(end),
                    SortKey::text(reservation_renewal_label(&setting)),
                    past.map_or(SortKey::Empty, SortKey::Num),
                    ahead.map_or(SortKey::Empty, SortKey::Num),
                    past.map_or(SortKey::Empty, SortKey::Num),
                    next.map_or(SortKey::Empty, |b| SortKey::time(b.at)),
                    next.map_or(SortKey::Empty, |b| SortKey::Num(b.amount)),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            // At 80 columns: the id, type, PTU, expiry, renewal, use over
            // the last 30 days, the sparkline and some of the region; `>`
            // brings in the forecast use, name, scope, term, billing, start
            // and next bill. At 120 all but the next bill fit.
            col("Reservation", 16, 0),
            grow("Name", 8, 2),
            col("Region", 8, 1),
            col("SKU", 4, 0),
            col("Scope", 10, 2),
            num("PTU", 3, 0),
            col("Term", 4, 2),
            col("Billing", 7, 2),
            col("Start", 5, 3),
            col("Expiry", 11, 0),
            col("Renewal", 7, 0),
            num("Use", 4, 0),
            num("Fcst", 4, 1),
            col("-30d  │  +30d", 13, 0),
            col("Next bill", 10, 4),
            num("Amount", 11, 4),
        ],
        rows,
        empty: "No reservations: press n to price a new one.".into(),
        footer: None,
    }
}

/// Rates a range for the forecast pane: daily periods and the windows.
pub fn chart(
    estate: &Estate,
    book: &PriceBook,
    config: &Config,
    from: Time,
    to: Time,
    basis: Basis,
) -> Result<ChartData, String> {
    let f = rating::forecast(
        estate,
        book,
        &request(from, to, basis, Bucket::Day),
        &config.rating_options(),
    )
    .map_err(|e| e.to_string())?;
    let mut windows: Vec<&rating::Window> = f.windows.iter().collect();
    windows.sort_by(|a, b| b.cost.cmp(&a.cost).then(a.start.cmp(&b.start)));
    let rows = windows
        .into_iter()
        .map(|w| Row {
            key: w.subject.clone(),
            cells: vec![
                money(w.cost),
                w.kind.name().replace('_', " "),
                w.subject.clone(),
                minute(w.start),
                minute(w.end),
                ptu_hours(w.ptu_minutes),
                w.explanation.clone(),
            ],
            sort: vec![
                SortKey::Num(w.cost),
                SortKey::text(w.kind.name()),
                SortKey::text(&w.subject),
                SortKey::time(w.start),
                SortKey::time(w.end),
                SortKey::num(w.ptu_minutes),
                SortKey::text(&w.explanation),
            ],
            tone: match w.kind {
                WindowKind::Overage => Tone::Critical,
                WindowKind::DoubleBilling => Tone::Warning,
                WindowKind::Unused => Tone::Plain,
            },
            children: vec![],
        })
        .collect();
    Ok(ChartData {
        from,
        to,
        basis,
        periods: f.periods.clone(),
        totals: f.totals.clone(),
        windows: Table {
            columns: vec![
                // Money first: the cost is the first column, which stays
                // on screen however narrow the window and wherever `<` /
                // `>` scroll the rest. "Why" shows under the table for the
                // selected window.
                num("Cost", 11, 0),
                col("Kind", 14, 0),
                col("Subject", 14, 0),
                col("Start", 10, 0),
                col("End", 10, 0),
                num("PTU-h", 12, 0),
                grow("Why", 20, 1),
            ],
            rows,
            empty: "No overage, double-billing or unused windows in this range.".into(),
            footer: Some(6),
        },
    })
}

/// PTU-minutes (a deployment's share of a pool may be fractional) as
/// PTU-hours, the one format of the app: grouped, 4 places, rounded half
/// to even, as docs/outputs.md prints them (`216,000.0000`).
pub fn ptu_hours(minutes: impl Into<Decimal>) -> String {
    let h = (minutes.into() / Decimal::from(60))
        .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointNearestEven);
    let s = format!("{:.4}", h.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "0000"));
    let mut g = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(c);
    }
    format!("{}{g}.{frac}", if h < Decimal::ZERO { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(money(Decimal::new(123450, 2)), "$1,234.50");
        assert_eq!(money(Decimal::new(-1200, 2)), "-$12.00");
        assert_eq!(delta(Decimal::new(100, 2)), "+$1.00");
        assert_eq!(delta(Decimal::ZERO), "$0.00");
        assert_eq!(base_id("res-1/r2"), "res-1");
        assert_eq!(base_id("/x/reservations/abc"), "/x/reservations/abc");
        assert_eq!(gauge_text(50, 100, 4), "██··");
        assert_eq!(gauge_text(150, 100, 4), "████");
        assert_eq!(ptu_hours(216_000 * 60), "216,000.0000");
        assert_eq!(ptu_hours(-90), "-1.5000");
        assert_eq!(ptu_hours(Decimal::new(1, 0)), "0.0167");
        assert_eq!(
            ptu_hours(Decimal::new(3, 1)),
            "0.0050",
            "0.3 PTU-minutes are 0.005 PTU-hours"
        );
    }

    fn demo_at(now: &str) -> (Estate, Time) {
        let now = crate::domain::time::parse_time_arg(now).unwrap();
        (crate::demo::estate(now), now)
    }

    fn rate(e: Estate, now: Time) -> Data {
        compute(
            Arc::new(e),
            &PriceBook::default_book(),
            &Config::default(),
            now,
        )
    }

    fn cell<'a>(t: &'a Table, key: &str, title: &str) -> &'a str {
        let c = t.columns.iter().position(|c| c.title == title).unwrap();
        let r = t.rows.iter().find(|r| r.key == key).unwrap();
        &r.cells[c]
    }

    #[test]
    fn overview_and_commitments_show_this_hour() {
        let (mut e, now) = demo_at("2026-11-22T09:00:00Z");
        let d = rate(e.clone(), now);
        let cap = &d.overview.capacity;
        // eastus Regional: cp-eastus-legacy covers all 300 PTU this hour;
        // over November it ends on the 27th and 12% of the month pays hourly.
        let k = "eastus/ProvisionedManaged";
        assert_eq!(cell(cap, k, "Deploy"), "300");
        assert_eq!(cell(cap, k, "Commit"), "300");
        assert_eq!(cell(cap, k, "Cover"), "100%");
        assert_eq!(cell(cap, k, "Cover Nov"), "88%");
        // +50 PTU on cp-eastus-legacy's resource: usage now is 350 / 300.
        let dep = e
            .deployments
            .iter_mut()
            .find(|x| x.id == "chat-gpt4o-legacy")
            .unwrap();
        dep.sizes.push(crate::domain::Size {
            at: now,
            ptu: 250,
            approximate: false,
        });
        let d = rate(e, now);
        let t = &d.commitments;
        assert_eq!(cell(t, "cp-eastus-legacy", "Commit"), "300");
        assert_eq!(cell(t, "cp-eastus-legacy", "Deploy"), "350");
        assert_eq!(cell(t, "cp-eastus-legacy", "Usage"), "117%");
        assert!(cell(t, "cp-eastus-legacy", "Warnings").contains("50 PTU overage"));
        let cap = &d.overview.capacity;
        assert_eq!(cell(cap, k, "Deploy"), "350");
        assert_eq!(
            cell(cap, k, "Cover"),
            "86%",
            "300 of 350 PTU-minutes covered"
        );
    }

    #[test]
    fn a_change_inside_the_hour_shows_as_the_hour_counts_it() {
        // 100 PTU more from 09:30: the hour holds 60 x 300 + 30 x 100
        // PTU-minutes of deployment on the resource (the rating core's
        // figure), 350 PTU on average.
        let (mut e, _) = demo_at("2026-11-22T09:00:00Z");
        let now = crate::domain::time::parse_time_arg("2026-11-22T09:30:00Z").unwrap();
        let dep = e
            .deployments
            .iter_mut()
            .find(|x| x.id == "chat-gpt4o-legacy")
            .unwrap();
        dep.sizes.push(crate::domain::Size {
            at: now,
            ptu: 300,
            approximate: false,
        });
        let d = rate(e, now);
        assert_eq!(cell(&d.commitments, "cp-eastus-legacy", "Deploy"), "350");
        assert_eq!(hour_ptu(60 * 300 + 30 * 100), "350");
        assert_eq!(hour_ptu(17_500), "291.7");
    }

    #[test]
    fn renewals_far_ahead_are_priced_by_the_core() {
        let (e, now) = demo_at("2026-11-22T09:00:00Z");
        let d = rate(e.clone(), now);
        let ev = d
            .overview
            .events
            .iter()
            .find(|x| x.id == "res-weu-datazone")
            .expect("its renewal in March");
        assert_eq!(minute(ev.at), "2027-03-16 11:00");
        // The same amount the core bills when it rates that hour.
        let at = ev.at;
        let f = rating::forecast_detailed(
            &e,
            &PriceBook::default_book(),
            &request(at, at + Duration::hours(1), Basis::Actual, Bucket::Month),
            &Config::default().rating_options(),
        )
        .unwrap();
        let billed: Decimal = f
            .bills
            .iter()
            .filter(|b| base_id(&b.id) == "res-weu-datazone")
            .map(|b| b.amount)
            .sum();
        assert!(billed > Decimal::ZERO);
        assert_eq!(ev.amount, Some(billed));
        // And the reservation's next bill is that one.
        assert_eq!(
            cell(&d.reservations, "res-weu-datazone", "Amount"),
            money(billed)
        );
    }

    #[test]
    fn one_sparkline_convention() {
        let t = crate::domain::time::parse_time_arg("2026-11-01T00:00:00Z").unwrap();
        // Not in force, in force and idle, half used, a sliver used.
        let days = [(t, 0, 0), (t, 1440, 0), (t, 1440, 720), (t, 1440, 1)];
        assert_eq!(sparkline(&days, 4), " ·▄▁");
        // Days share the marks evenly: 721 of 2,880 PTU-minutes, rounded up.
        assert_eq!(sparkline(&days, 2), "·▃");
        assert!(
            SPARK_LEGEND.contains("· none used") && SPARK_LEGEND.contains("blank: not in force")
        );
        // The gauges use · for none used too.
        assert_eq!(gauge_text(0, 100, 3), "···");
    }
}

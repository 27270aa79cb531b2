//! What the panes show, computed off the render path from the estate and
//! the rating core: tables of display strings with sort keys, built once
//! per load. Every amount comes from `crate::rating`; this module only
//! picks, groups PTU counts and formats. Ratios shown as percentages are
//! of PTU-minutes the core counted.

use crate::config::Config;
use crate::domain::money::fmt_money_grouped;
use crate::domain::prices::PriceBook;
use crate::domain::terms::{self, CommitmentTerm, ReservationTerm};
use crate::domain::time::{Time, add_months, day_start, floor_hour, month_start};
use crate::domain::{
    Commitment, CommitmentRenewal, Estate, Reservation, ReservationRenewal, Sku,
    commitment_supports,
};
use crate::rating::engine::{DeploymentUse, InstrumentPeriod};
use crate::rating::{
    self, Basis, BilledCharge, Bucket, ChargeKind, Forecast, InstrumentKind, Period, Request,
    Totals, WindowKind,
};
use chrono::Duration;
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

fn col(title: &'static str, width: u16, drop: u8) -> Column {
    Column {
        title,
        width,
        right: false,
        drop,
        grow: false,
    }
}

fn num(title: &'static str, width: u16, drop: u8) -> Column {
    Column {
        right: true,
        ..col(title, width, drop)
    }
}

fn grow(title: &'static str, width: u16, drop: u8) -> Column {
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

pub fn minute(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// A share of PTU-minutes as a whole percentage.
pub fn pct(part: Decimal, whole: Decimal) -> Option<Decimal> {
    (whole > Decimal::ZERO).then(|| (part * Decimal::from(100) / whole).round())
}

fn pct_cell(p: Option<Decimal>) -> String {
    p.map_or("—".into(), |p| format!("{p}%"))
}

/// The original id of a reservation term (`res-1/r2` -> `res-1`).
pub fn base_id(id: &str) -> &str {
    match id.rsplit_once("/r") {
        Some((b, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => b,
        _ => id,
    }
}

/// The renewal settings in force for an expiry.
pub use crate::domain::terms::{
    commitment_renewal_for as commitment_setting, reservation_renewal_for as reservation_setting,
};

pub fn commitment_renewal_label(r: CommitmentRenewal) -> String {
    match r {
        CommitmentRenewal::Autorenew => "autorenew".into(),
        CommitmentRenewal::AutorenewLower(p) => format!("renew at {p}"),
        CommitmentRenewal::None => "don't renew".into(),
    }
}

pub fn reservation_renewal_label(r: &ReservationRenewal) -> String {
    match r {
        ReservationRenewal::None => "don't renew".into(),
        ReservationRenewal::Autorenew => "autorenew".into(),
        ReservationRenewal::Replace { ptu, term, .. } => {
            let mut s = "replace".to_string();
            if let Some(p) = ptu {
                s.push_str(&format!(" {p}"));
            }
            if let Some(t) = term {
                s.push_str(&format!(" {}", t.code()));
            }
            s
        }
    }
}

/// The commitment's term in force at `now`, else the next one, else the last.
pub fn commitment_term(
    e: &Estate,
    c: &Commitment,
    now: Time,
) -> Option<(CommitmentTerm, &'static str)> {
    let deleted = e.resource(&c.resource).and_then(|r| r.deleted);
    let terms = terms::commitment_terms(c, deleted, now + Duration::seconds(1)).ok()?;
    if let Some(t) = terms.iter().find(|t| t.start <= now && now < t.end) {
        return Some((t.clone(), "active"));
    }
    if let Some(t) = terms.iter().find(|t| t.start > now) {
        return Some((t.clone(), "planned"));
    }
    terms.last().map(|t| (t.clone(), "expired"))
}

/// The reservation's term in force at `now`, else the next one, else the last.
pub fn reservation_term(r: &Reservation, now: Time) -> Option<(ReservationTerm, &'static str)> {
    let terms = terms::reservation_terms(r, now + Duration::seconds(1)).ok()?;
    if let Some(t) = terms
        .iter()
        .find(|t| t.start <= now && now < t.coverage_end())
    {
        return Some((t.clone(), "active"));
    }
    if let Some(t) = terms.iter().find(|t| t.start > now) {
        return Some((t.clone(), "planned"));
    }
    terms.last().map(|t| {
        let state = if t.refunded_at.is_some() {
            "refunded"
        } else {
            "expired"
        };
        (t.clone(), state)
    })
}

/// Live PTU of a deployment at `t` (0 once its resource is purged).
pub fn live_ptu(e: &Estate, d: &crate::domain::Deployment, t: Time) -> i64 {
    let purged = e
        .resource(&d.resource)
        .and_then(|r| r.purged)
        .is_some_and(|p| p <= t);
    if purged { 0 } else { d.ptu_at(t) }
}

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
        let upcoming = note(
            &mut warnings,
            rating::forecast_detailed(
                e,
                book,
                &request(
                    hour0,
                    hour0 + Duration::days(92),
                    Basis::Actual,
                    Bucket::Month,
                ),
                &opts,
            ),
        );
        let daily = note(
            &mut warnings,
            rating::forecast_detailed(
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
    let upcoming: Vec<BilledCharge> = upcoming.map(|d| d.bills).unwrap_or_default();
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

    let overview = Overview {
        capacity: capacity_table(e, now, month_periods, &month_use),
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
    let commitments = commitments_table(e, now, month_f, &upcoming);
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
            next30: (hour0, hour0 + Duration::days(30)),
        },
        month_use,
        covered_now,
        upcoming,
        daily,
        warnings,
        estate,
    }
}

fn region_of<'a>(e: &'a Estate, resource: &str) -> &'a str {
    e.resource(resource).map_or("?", |r| r.region.as_str())
}

fn capacity_table(
    e: &Estate,
    now: Time,
    periods: &[InstrumentPeriod],
    uses: &HashMap<String, DeploymentUse>,
) -> Table {
    #[derive(Default)]
    struct Acc {
        deployed: i64,
        committed: i64,
        reserved: i64,
        cap: i64,
        used: i64,
        dep_min: i64,
        hourly_min: Decimal,
    }
    let mut by: BTreeMap<(String, Sku), Acc> = BTreeMap::new();
    for d in &e.deployments {
        let a = by
            .entry((region_of(e, &d.resource).to_string(), d.sku))
            .or_default();
        a.deployed += live_ptu(e, d, now);
        if let Some(u) = uses.get(&d.id) {
            a.dep_min += u.deployed_ptu_minutes;
            a.hourly_min += u.hourly_ptu_minutes;
        }
    }
    for c in &e.commitments {
        if let Some((t, "active")) = commitment_term(e, c, now) {
            by.entry((region_of(e, &c.resource).to_string(), Sku::Regional))
                .or_default()
                .committed += t.ptu_at(now);
        }
    }
    for r in &e.reservations {
        if let Some((t, "active")) = reservation_term(r, now) {
            by.entry((r.region.clone(), r.sku)).or_default().reserved += t.ptu;
        }
    }
    for p in periods {
        let a = by.entry((p.region.clone(), p.sku)).or_default();
        a.cap += p.capacity_ptu_minutes;
        a.used += p.used_ptu_minutes;
    }
    let rows = by
        .into_iter()
        .filter(|(_, a)| a.deployed + a.committed + a.reserved + a.cap + a.dep_min > 0)
        .map(|((region, sku), a)| {
            let util = pct(a.used.into(), a.cap.into());
            let cover = pct(Decimal::from(a.dep_min) - a.hourly_min, a.dep_min.into());
            let tone = if a.deployed > a.committed + a.reserved {
                Tone::Warning
            } else {
                Tone::Plain
            };
            Row {
                key: format!("{region}/{}", sku.azure_name()),
                cells: vec![
                    region.clone(),
                    sku.label().into(),
                    a.deployed.to_string(),
                    a.committed.to_string(),
                    a.reserved.to_string(),
                    pct_cell(util),
                    pct_cell(cover),
                ],
                sort: vec![
                    SortKey::text(region),
                    SortKey::text(sku.label()),
                    SortKey::num(a.deployed),
                    SortKey::num(a.committed),
                    SortKey::num(a.reserved),
                    util.map_or(SortKey::Empty, SortKey::Num),
                    cover.map_or(SortKey::Empty, SortKey::Num),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            grow("Region", 13, 0),
            col("SKU", 9, 0),
            num("Deployed", 8, 0),
            num("Committed", 9, 0),
            num("Reserved", 8, 0),
            num("Util", 5, 1),
            num("Cover", 5, 1),
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
    for q in &e.quotas {
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
                Some(l) if l > 0 => gauge_text(used, l, 16),
                _ => String::new(),
            };
            let children = list
                .iter()
                .map(|d| Row {
                    key: d.id.clone(),
                    cells: vec![
                        format!("  └ {}", d.id),
                        d.resource.clone(),
                        format!("{} {}", d.model, d.version),
                        String::new(),
                        live_ptu(e, d, now).to_string(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
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
                ],
                tone,
                children,
            }
        })
        .collect();
    Table {
        columns: vec![
            grow("Subscription", 14, 0),
            col("Region", 13, 0),
            col("SKU", 9, 0),
            num("Limit", 6, 0),
            num("Used", 6, 0),
            num("Free", 6, 1),
            num("Use", 5, 0),
            col("Gauge", 16, 2),
            col("Flag", 14, 0),
        ],
        rows,
        empty:
            "No quota known and nothing deployed: import `az cognitiveservices usage list` output."
                .into(),
        footer: None,
    }
}

/// A bar of `width` cells, full in proportion to `used / limit`.
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
            let tone = if gone || planned {
                Tone::Dim
            } else if cover.contains("hourly") {
                Tone::Warning
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
                    ptu.to_string(),
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
            grow("Deployment", 18, 0),
            col("Resource", 18, 1),
            col("Subscription", 12, 3),
            col("Region", 13, 2),
            col("SKU", 9, 0),
            col("Model", 18, 1),
            num("PTU", 5, 0),
            col("Covered now", 17, 0),
            num("This month", 13, 0),
        ],
        rows,
        empty: "No deployments.".into(),
        footer: None,
    }
}

fn commitments_table(
    e: &Estate,
    now: Time,
    month: Option<&Forecast>,
    upcoming: &[BilledCharge],
) -> Table {
    let rows = e
        .commitments
        .iter()
        .map(|c| {
            let term = commitment_term(e, c, now);
            let committed = term
                .as_ref()
                .map_or(0, |(t, s)| if *s == "active" { t.ptu_at(now) } else { 0 });
            let live: Vec<&crate::domain::Deployment> = e
                .deployments
                .iter()
                .filter(|d| {
                    d.resource == c.resource && d.sku == Sku::Regional && live_ptu(e, d, now) > 0
                })
                .collect();
            let deployed: i64 = live.iter().map(|d| live_ptu(e, d, now)).sum();
            let usage = month
                .and_then(|f| {
                    f.instruments
                        .iter()
                        .find(|i| i.id == c.id && i.kind == InstrumentKind::Commitment)
                })
                .and_then(|i| pct(i.used_ptu_minutes.into(), i.capacity_ptu_minutes.into()));
            let next = upcoming.iter().find(|b| b.id == c.id && b.at >= now);
            let (start, end, state) = match &term {
                Some((t, s)) => (Some(t.start), Some(t.end), *s),
                None => (None, None, "invalid"),
            };
            let setting = end
                .map(|end| commitment_setting(c, end))
                .unwrap_or(c.renewal);
            let mut warn: Vec<String> = Vec::new();
            let mut tone = Tone::Plain;
            if state == "active" && deployed > committed {
                warn.push(format!("{} PTU overage", deployed - committed));
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
                    committed.to_string(),
                    deployed.to_string(),
                    pct_cell(usage),
                    start.map_or("—".into(), day),
                    end.map_or("—".into(), minute),
                    commitment_renewal_label(setting),
                    next.map_or("—".into(), |b| {
                        format!("{} {}", day(b.at), money(b.amount))
                    }),
                    warn.join("; "),
                ],
                sort: vec![
                    SortKey::text(&c.id),
                    SortKey::text(&c.resource),
                    SortKey::num(committed),
                    SortKey::num(deployed),
                    usage.map_or(SortKey::Empty, SortKey::Num),
                    start.map_or(SortKey::Empty, SortKey::time),
                    end.map_or(SortKey::Empty, SortKey::time),
                    SortKey::text(commitment_renewal_label(setting)),
                    next.map_or(SortKey::Empty, |b| SortKey::time(b.at)),
                    SortKey::text(warn.join("; ")),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            col("Commitment", 16, 0),
            col("Resource", 18, 2),
            num("Commit", 6, 0),
            num("Deploy", 6, 0),
            num("Usage", 5, 1),
            col("Start", 10, 3),
            col("Expiry", 16, 0),
            col("Renewal", 11, 0),
            col("Next bill", 22, 1),
            grow("Warnings", 10, 0),
        ],
        rows,
        empty: "No commitments (the older payment model; none can be bought since August 2024)."
            .into(),
        footer: Some(9),
    }
}

/// Daily use as block characters, four days per character.
pub fn sparkline(days: &[(Time, i64, i64)]) -> String {
    const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    days.chunks(4)
        .map(|ch| {
            let cap: i64 = ch.iter().map(|d| d.1).sum();
            let used: i64 = ch.iter().map(|d| d.2).sum();
            if cap <= 0 {
                '·'
            } else {
                let level = ((used * 8 + cap - 1) / cap).clamp(0, 8);
                BARS[level as usize]
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
            let spark = {
                let mut full: Vec<(Time, i64, i64)> = Vec::new();
                for i in -30..30 {
                    let t = day0 + Duration::days(i);
                    full.push(days.iter().find(|d| d.0 == t).copied().unwrap_or((t, 0, 0)));
                }
                sparkline(&full)
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
            let next = upcoming
                .iter()
                .find(|b| base_id(&b.id) == r.id && b.at >= now);
            let tone = match state {
                "expired" | "refunded" => Tone::Dim,
                "planned" => Tone::Info,
                _ if past.is_some_and(|p| p < Decimal::from(50)) => Tone::Warning,
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
                    scope.clone(),
                    ptu.to_string(),
                    format!("{term_code} {billing}"),
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
                    next.map_or("—".into(), |b| {
                        format!("{} {}", day(b.at), money(b.amount))
                    }),
                ],
                sort: vec![
                    SortKey::text(&r.id),
                    SortKey::text(&r.name),
                    SortKey::text(&r.region),
                    SortKey::text(r.sku.label()),
                    SortKey::text(scope),
                    SortKey::num(ptu),
                    SortKey::text(format!("{term_code} {billing}")),
                    SortKey::time(start),
                    SortKey::time(end),
                    SortKey::text(reservation_renewal_label(&setting)),
                    past.map_or(SortKey::Empty, SortKey::Num),
                    ahead.map_or(SortKey::Empty, SortKey::Num),
                    past.map_or(SortKey::Empty, SortKey::Num),
                    next.map_or(SortKey::Empty, |b| SortKey::time(b.at)),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            col("Reservation", 17, 0),
            grow("Name", 12, 5),
            col("Region", 13, 2),
            col("SKU", 9, 0),
            col("Scope", 16, 2),
            num("PTU", 4, 0),
            col("Term", 11, 3),
            col("Start", 10, 4),
            col("Expiry", 16, 0),
            col("Renewal", 11, 1),
            num("Use30", 5, 0),
            num("Next30", 6, 2),
            col("-30d use +30d", 15, 1),
            col("Next bill", 22, 4),
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
                w.kind.name().replace('_', " "),
                w.subject.clone(),
                minute(w.start),
                minute(w.end),
                crate::domain::money::fmt_ptu_hours_grouped(w.ptu_minutes)
                    .split('.')
                    .next()
                    .unwrap_or("")
                    .to_string(),
                money(w.cost),
                w.explanation.clone(),
            ],
            sort: vec![
                SortKey::text(w.kind.name()),
                SortKey::text(&w.subject),
                SortKey::time(w.start),
                SortKey::time(w.end),
                SortKey::num(w.ptu_minutes),
                SortKey::Num(w.cost),
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
                col("Kind", 14, 0),
                col("Subject", 20, 0),
                col("Start", 16, 1),
                col("End", 16, 1),
                num("PTU-h", 9, 2),
                num("Cost", 14, 0),
                grow("Why", 20, 0),
            ],
            rows,
            empty: "No overage, double-billing or unused windows in this range.".into(),
            footer: Some(6),
        },
    })
}

/// PTU-minutes (shares may be fractional) as PTU-hours with one decimal.
pub fn fmt_minutes(m: Decimal) -> String {
    let h = (m / Decimal::from(60))
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointNearestEven);
    let s = format!("{:.1}", h.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "0"));
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
        assert_eq!(fmt_minutes(Decimal::from(216_000 * 60)), "216,000.0");
        assert_eq!(fmt_minutes(Decimal::from(-90)), "-1.5");
    }
}

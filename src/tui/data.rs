//! What the panes show, computed off the render path from the estate and
//! the rating core: tables of display strings with sort keys, built once
//! per load ([`super::compute::compute`] fills them, calling each pane's
//! table builder). The types and the cell formats the panes share are
//! here. Every amount comes from `crate::rating`; this module only
//! picks, groups PTU counts and formats. Ratios shown as percentages are
//! of PTU-minutes the core counted.

use crate::domain::Estate;
use crate::domain::capacity;
use crate::domain::money::fmt_money_grouped;
use crate::domain::prices::PriceBook;
use crate::domain::time::Time;
use crate::rating::engine::DeploymentUse;
use crate::rating::{self, Basis, BilledCharge, Bucket, ChargeKind, Period, Request, Totals};
use chrono::Duration;
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::collections::HashMap;
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

/// A column with every field given.
pub(crate) fn c(title: &'static str, width: u16, drop: u8, right: bool, grow: bool) -> Column {
    Column {
        title,
        width,
        right,
        drop,
        grow,
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

/// Something that is loading, loaded or failed.
#[derive(Debug, Clone, Default)]
pub enum Loadable<T> {
    #[default]
    Loading,
    Ready(T),
    Failed(String),
}

/// `s` with its first letter in capitals.
pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
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

pub(crate) fn pct_cell(p: Option<Decimal>) -> String {
    p.map_or("—".into(), |p| format!("{p}%"))
}

pub(crate) use crate::domain::terms::base_id;

/// The renewal settings in force for an expiry.
pub use crate::domain::terms::{
    commitment_renewal_for as commitment_setting, reservation_renewal_for as reservation_setting,
};

pub use crate::planner::preview::{commitment_term, live_ptu, reservation_term};
pub use crate::planner::{commitment_renewal_label, reservation_renewal_label};

pub(crate) fn note<T>(warnings: &mut Vec<String>, r: Result<T, rating::RatingError>) -> Option<T> {
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

pub(crate) fn request(from: Time, to: Time, basis: Basis, by: Bucket) -> Request {
    Request {
        from,
        to,
        basis,
        by,
    }
}

pub(crate) fn region_of<'a>(e: &'a Estate, resource: &str) -> &'a str {
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

pub fn bill_label(k: ChargeKind) -> &'static str {
    match k {
        ChargeKind::Purchase => "purchase",
        ChargeKind::Renewal => "renewal",
        ChargeKind::Addition => "addition",
        ChargeKind::Period => "monthly period",
        ChargeKind::Refund => "refund credit",
    }
}

/// A service capacity answer as a cell: "400 (3 h old)".
pub fn capacity_cell(c: &capacity::Reported) -> String {
    format!("{} ({} old)", c.available, capacity::fmt_age(c.age_seconds))
}

/// The quota gauge's width.
pub(crate) const GAUGE: usize = 12;

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
    use crate::config::Config;
    use crate::tui::compute::compute;
    use crate::tui::panes::reservations::{SPARK_LEGEND, sparkline};

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

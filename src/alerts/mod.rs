//! Notifications: pure rules over the estate and the rating core's results
//! (docs/notifications.md). Every cost comes from the rating core; a rule only reads
//! its figures or compares two ratings (what happens, and what would happen
//! if the expiring instrument renewed).
//!
//! How a rule finds its instant: the estate is rated twice, once over the
//! horizon `[at, at + horizon)` for costs, and once from the estate's first
//! instant for stable triggers: an ongoing overage window keeps the start
//! it had when it began, so its id (a hash of kind, subject and triggering
//! instant) survives while the condition lasts.

pub mod sizes;
pub mod unknown;

use crate::domain::money::{fmt_money_grouped, fmt_ptu_hours_grouped};
use crate::domain::notice::{Ack, Notification, Severity};
use crate::domain::plan::{Remedy, RemedyKind};
use crate::domain::prices::PriceBook;
use crate::domain::terms;
use crate::domain::time::{Time, ceil_hour, floor_hour, fmt_time, hours_ahead};
use crate::domain::{
    CommitmentRenewal, CommitmentRenewalChange, Estate, ReservationRenewal,
    ReservationRenewalChange, Sku, commitment_supports,
};
use crate::planner::PlanError;
use crate::planner::remedies::{self, Expiring, Idle, Memo, Pricer, each};
use crate::rating::whatif::Key;
use crate::rating::{
    self, Basis, Bucket, ChargeKind, Forecast, InstrumentKind, RatingError, Request, Window,
    WindowKind,
};
use chrono::Duration;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The `[alerts]` settings: when a notification is raised and how far
/// ahead `check` looks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub expiry_lead_days: Vec<u32>,
    pub critical_days: u32,
    pub unused_threshold_pct: u32,
    pub unused_window_days: u32,
    pub quota_threshold_pct: u32,
    pub horizon_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            expiry_lead_days: vec![30, 14, 7, 1],
            critical_days: 7,
            unused_threshold_pct: 90,
            unused_window_days: 7,
            quota_threshold_pct: 90,
            horizon_days: 30,
        }
    }
}

/// The kinds of notification (docs/notifications.md#kinds), plus sizes off a model's step.
pub const KINDS: [&str; 15] = [
    "commitment_expiring",
    "commitment_renewal",
    "commitment_unused",
    "commitment_overage",
    "commitment_model_unsupported",
    "reservation_expiring",
    "reservation_renewal",
    "reservation_unused",
    "reservation_mismatch",
    "hourly_overage",
    "quota_near_limit",
    "quota_exceeded",
    "refund_limit",
    "double_billing_window",
    "deployment_size_off_step",
];

/// A horizon in words: "30 days", "day", "6 hours", "30 minutes".
pub fn horizon_words(h: Duration) -> String {
    let (n, unit) = if h.num_days() >= 1 && h.num_hours() % 24 == 0 {
        (h.num_days(), "day")
    } else if h.num_hours() >= 1 && h.num_minutes() % 60 == 0 {
        (h.num_hours(), "hour")
    } else {
        (h.num_minutes().max(1), "minute")
    };
    if n == 1 {
        unit.to_string()
    } else {
        format!("{n} {unit}s")
    }
}

/// The stable id: FNV-1a (64 bits) of kind, subject and triggering instant.
pub fn notification_id(kind: &str, subject: &str, trigger: Time) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for part in [kind, subject, &fmt_time(trigger)] {
        for b in part.bytes().chain(std::iter::once(0u8)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

fn money(d: Decimal) -> String {
    format!("${}", fmt_money_grouped(d))
}

fn short(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

struct Ctx<'a> {
    /// Remedy pricers, one per region.
    pricers: Memo<String, Arc<Pricer<'a>>>,
    /// The estate's part in one (region, deployment type) key
    /// ([`rating::whatif::restrict`]), and the same with every refunded
    /// reservation (exact for its instruments' figures), kept.
    parts: Memo<(Key, bool), Arc<Estate>>,
    /// Ratings of a key's part (without refunded reservations) by window.
    part_ratings: Memo<(Key, Time, Time), Arc<Forecast>>,
    estate: &'a Estate,
    book: &'a PriceBook,
    opts: rating::Options,
    settings: &'a Settings,
    at: Time,
    from: Time,
    to: Time,
    horizon: Duration,
}

impl<'a> Ctx<'a> {
    /// The horizon in words: "the next 30 days".
    fn next(&self) -> String {
        format!("the next {}", horizon_words(self.horizon))
    }

    /// A forecast's figures: its windows unexplained (the rules read the
    /// windows' times, subjects and costs; explanations come from
    /// [`Pricer::hourly_explanations`]).
    fn rate(&self, estate: &Estate, from: Time, to: Time) -> Result<Forecast, RatingError> {
        let req = Request {
            from,
            to,
            basis: Basis::Actual,
            by: Bucket::Month,
        };
        rating::whatif::forecast_unexplained(estate, self.book, &req, &self.opts)
    }

    /// The estate's part in `key`; with `refunded`, every refunded
    /// reservation too (they count against the refund limit wherever they
    /// are, so an instrument's figures in the part are the whole estate's).
    fn part(&self, key: &Key, refunded: bool) -> Arc<Estate> {
        self.parts.get_or(&(key.clone(), refunded), || {
            Arc::new(self.part_made(key, refunded))
        })
    }

    /// [`Ctx::part`], made.
    fn part_made(&self, key: &Key, refunded: bool) -> Estate {
        let t = rating::whatif::Touched {
            keys: [key.clone()].into(),
            managed_compute: false,
        };
        let mut part = rating::whatif::restrict(self.estate, &t);
        if refunded {
            part.reservations = self
                .estate
                .reservations
                .iter()
                .filter(|r| r.refunded_at.is_some() || (r.region == key.0 && r.sku == key.1))
                .cloned()
                .collect();
        }
        part
    }

    /// [`Ctx::rate`] of the part in `key` (as [`Ctx::part`] without
    /// refunded reservations), kept per window.
    fn rate_part(&self, key: &Key, from: Time, to: Time) -> Result<Arc<Forecast>, RatingError> {
        self.part_ratings.get_or_try(&(key.clone(), from, to), || {
            Ok(Arc::new(self.rate(&self.part(key, false), from, to)?))
        })
    }

    /// The one remedy "do nothing", priced (it saves nothing).
    fn nothing(&self, why: &str) -> Result<Vec<Remedy>, RatingError> {
        let region = self
            .estate
            .resources
            .first()
            .map_or(String::new(), |r| r.region.clone());
        self.pricer(&region)
            .price_all(
                vec![remedies::Draft::new(RemedyKind::None, why)],
                &remedies::Focus::default(),
                crate::domain::plan::Lifetime::open_ended(),
            )
            .map_err(rating_err)
    }

    /// The remedy pricer of a region.
    fn pricer(&self, region: &str) -> Arc<Pricer<'a>> {
        self.pricers.get_or(&region.to_string(), || {
            let regions: BTreeSet<String> = [region.to_string()].into();
            Arc::new(Pricer::new(
                self.estate,
                &regions,
                self.book,
                &self.opts,
                self.at,
                self.horizon,
            ))
        })
    }

    /// Pushes a notification with its cost a day and its remedies; the
    /// action is the first remedy in words.
    fn push_with(
        &self,
        out: &mut Vec<Notification>,
        mut n: Draft,
        cost_per_day: Decimal,
        remedies: Vec<Remedy>,
    ) {
        if let Some(first) = remedies.first() {
            n.action = first.summary.clone();
        }
        out.push(Notification {
            cost_per_day,
            remedies,
            id: notification_id(n.kind, &n.subject, n.trigger),
            kind: n.kind,
            severity: n.severity,
            subject: n.subject,
            at: n.at,
            message: n.message,
            cost_impact: n.cost,
            level: n.level,
            action: n.action,
        });
    }

    /// The severity of an expiry `days` days ahead, and the reminder stage
    /// (lead days) it is in: the smallest lead time that it is within.
    fn expiry_stage(&self, until: Duration) -> (Severity, u32) {
        let mut leads = self.settings.expiry_lead_days.clone();
        leads.sort_unstable();
        let max = *leads.last().expect("validated non-empty");
        let within = |days: u32| until <= Duration::days(days as i64);
        let stage = leads.iter().copied().find(|&l| within(l)).unwrap_or(max);
        let severity = if within(self.settings.critical_days) {
            Severity::Critical
        } else if within(max) {
            Severity::Warning
        } else {
            Severity::Info
        };
        (severity, stage)
    }
}

struct Draft {
    kind: &'static str,
    severity: Severity,
    subject: String,
    trigger: Time,
    at: Time,
    message: String,
    cost: Decimal,
    level: Decimal,
    action: String,
}

/// A cost over `hours` hours as a cost a day.
fn per_day(cost: Decimal, hours: i64) -> Decimal {
    cost * Decimal::from(24) / Decimal::from(hours.max(1))
}

/// The notifications in force at `at` or due within `horizon`, most severe
/// first, then by date.
pub fn evaluate(
    estate: &Estate,
    book: &PriceBook,
    settings: &Settings,
    opts: rating::Options,
    at: Time,
    horizon: Duration,
) -> Result<Vec<Notification>, RatingError> {
    let (from, to) = hours_ahead(at, horizon);
    let ctx = Ctx {
        pricers: Memo::new(),
        parts: Memo::new(),
        part_ratings: Memo::new(),
        estate,
        book,
        opts,
        settings,
        at,
        from,
        to,
        horizon,
    };
    let mut out = Vec::new();

    // The horizon (costs) and the history up to it (stable triggers).
    let req = Request {
        from,
        to,
        basis: Basis::Actual,
        by: Bucket::Month,
    };
    let mut earliest = from;
    estate.for_each_time(|t| earliest = earliest.min(t));
    let history_from = floor_hour(earliest.max(from - Duration::days(730)));
    // The history is rated on a thread of its own while the horizon is
    // rated and expiries are found (which read neither); errors are
    // reported in that order, horizon first.
    let (billed, history, expiries) = std::thread::scope(|s| {
        let history = s.spawn(|| {
            (history_from < from)
                .then(|| ctx.rate(estate, history_from, to))
                .transpose()
        });
        let billed = rating::forecast_billed(estate, book, &req, &ctx.opts);
        let expiries = billed.as_ref().ok().map(|_| expiring(&ctx, &mut out));
        let history = history
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (billed, history, expiries)
    });
    let (horizon_forecast, bills) = billed?;
    let horizon_f = &horizon_forecast;
    let history = history?;
    let expiries = expiries.expect("found once the horizon is rated")?;
    // The history's windows by kind and subject, in order.
    let mut by_subject: std::collections::HashMap<(WindowKind, &str), Vec<&Window>> =
        std::collections::HashMap::new();
    if let Some(h) = history.as_ref() {
        for x in &h.windows {
            by_subject
                .entry((x.kind, x.subject.as_str()))
                .or_default()
                .push(x);
        }
    }
    let trigger_of = |w: &Window| -> Time {
        by_subject
            .get(&(w.kind, w.subject.as_str()))
            .and_then(|same| same.iter().find(|x| x.start <= w.start && w.start < x.end))
            .map_or(w.start, |x| x.start)
    };

    // A recurring pattern (windows of one kind and subject no more than a
    // week apart) keeps the start of its first occurrence.
    let pattern_start = |w: &Window| -> Time {
        let mut start = trigger_of(w);
        let first = start;
        if let Some(same) = by_subject.get(&(w.kind, w.subject.as_str())) {
            for x in same.iter().filter(|x| x.start < first).rev() {
                if x.end + Duration::days(7) >= start {
                    start = x.start;
                } else {
                    break;
                }
            }
        }
        start
    };
    windows(
        &ctx,
        horizon_f,
        &trigger_of,
        &pattern_start,
        &expiries,
        &mut out,
    )?;
    let merged = renewals(&ctx, horizon_f, &bills, &mut out)?;
    unused_and_mismatch(&ctx, horizon_f, &trigger_of, &merged, &mut out)?;
    models(&ctx, &mut out)?;
    quotas(&ctx, &mut out)?;
    refunds(&ctx, &mut out)?;
    let mut off = Vec::new();
    sizes::off_step(estate, from, to, &mut |d| off.push(d));
    for d in off {
        let region = estate
            .deployments
            .iter()
            .find(|x| x.id == d.subject)
            .and_then(|x| estate.resource(&x.resource))
            .map_or(String::new(), |r| r.region.clone());
        let (remedies, _) = crate::planner::notice_remedies::for_size_off_step(
            &ctx.pricer(&region),
            &d.subject,
            d.trigger,
        )
        .map_err(rating_err)?;
        ctx.push_with(&mut out, d, Decimal::ZERO, remedies);
    }

    // An idle reservation whose free re-scope is the first remedy of an
    // overage is that overage's decision: no second notification.
    let rescoped: BTreeSet<String> = out
        .iter()
        .filter(|n| n.kind == "hourly_overage" || n.kind == "commitment_overage")
        .filter_map(|n| n.remedies.first())
        .filter(|r| r.kind == RemedyKind::Rescope)
        .flat_map(|r| r.objects())
        .collect();
    out.retain(|n| {
        !((n.kind == "reservation_unused" || n.kind == "reservation_mismatch")
            && rescoped.contains(crate::domain::terms::base_id(&n.subject)))
    });
    for n in out.iter_mut().filter(|n| n.remedies.is_empty()) {
        let why = if n.kind == "double_billing_window" {
            format!(
                "nothing to change now: the overlap is paid for once both are bought; next time {}",
                n.action
            )
        } else {
            format!("no change to the estate helps from here: {}", n.action)
        };
        n.remedies = ctx.nothing(&why)?;
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.at.cmp(&b.at))
            .then(a.kind.cmp(b.kind))
            .then(a.subject.cmp(&b.subject))
    });
    out.dedup_by(|a, b| a.id == b.id);
    Ok(out)
}

/// An expiry without renewal: (instrument kind, source index, end, resource ids it left paying).
struct Expiry {
    end: Time,
    resources: Vec<String>,
}

/// The estate with the instrument renewed once more at `end` (autorenew).
fn renewed(estate: &Estate, kind: InstrumentKind, source: usize, end: Time) -> Estate {
    let mut e = estate.clone();
    let at = end - Duration::seconds(1);
    match kind {
        InstrumentKind::Commitment => {
            let c = &mut e.commitments[source];
            let pos = c.renewal_changes.partition_point(|ch| ch.at <= at);
            c.renewal_changes.insert(
                pos,
                CommitmentRenewalChange {
                    at,
                    renewal: CommitmentRenewal::Autorenew,
                    approximate: false,
                },
            );
        }
        InstrumentKind::Reservation => {
            let r = &mut e.reservations[source];
            let pos = r.renewal_changes.partition_point(|ch| ch.at <= at);
            r.renewal_changes.insert(
                pos,
                ReservationRenewalChange {
                    at,
                    renewal: ReservationRenewal::Autorenew,
                    approximate: false,
                },
            );
        }
    }
    e
}

/// What an expiry at `end` costs in hourly charges, on every resource of
/// `region` (its own deployments and the neighbours whose shared discount
/// it redistributes): the estate rated as it is, less the estate with the
/// instrument renewed once more; for the first day after it, up to the end
/// of the horizon, and the resources it sends to the hourly rate.
fn expiry_cost(
    ctx: &Ctx,
    kind: InstrumentKind,
    source: usize,
    end: Time,
    region: &str,
) -> Result<(Decimal, Decimal, Vec<String>), RatingError> {
    // Only the (region, deployment type) the renewal touches differs: rate
    // that part ([`rating::whatif::parts`]), renewed in the part itself.
    let key: Key = match kind {
        InstrumentKind::Commitment => (region.to_string(), Sku::Regional),
        InstrumentKind::Reservation => {
            let r = &ctx.estate.reservations[source];
            (r.region.clone(), r.sku)
        }
    };
    let now_part = ctx.part(&key, false);
    let in_part = match kind {
        InstrumentKind::Commitment => now_part
            .commitments
            .iter()
            .position(|c| c.id == ctx.estate.commitments[source].id),
        InstrumentKind::Reservation => now_part
            .reservations
            .iter()
            .position(|r| r.id == ctx.estate.reservations[source].id),
    }
    .expect("the part holds the instrument's key");
    let cf_part = renewed(&now_part, kind, in_part, end);
    let resources: Vec<String> = ctx
        .estate
        .resources
        .iter()
        .filter(|r| r.region == region)
        .map(|r| r.id.clone())
        .collect();
    let start = ceil_hour(end);
    let to = ctx.to.max(start + Duration::hours(24));
    let base = ctx.rate_part(&key, start, to)?;
    let other = ctx.rate(&cf_part, start, to)?;
    let affected: Vec<String> = resources
        .into_iter()
        .filter(|r| {
            let one = [r.clone()];
            overage_of(&base, &one) > overage_of(&other, &one)
        })
        .collect();
    let caused = |from: Time, upto: Time| -> Result<Decimal, RatingError> {
        if from == start && upto == to {
            return Ok(overage_of(&base, &affected) - overage_of(&other, &affected));
        }
        Ok(overage_of(&*ctx.rate_part(&key, from, upto)?, &affected)
            - overage_of(&ctx.rate(&cf_part, from, upto)?, &affected))
    };
    let per_day = caused(start, start + Duration::hours(24))?;
    let cost = if start < ctx.to {
        caused(start, ctx.to)?
    } else {
        Decimal::ZERO
    };
    Ok((per_day, cost.max(Decimal::ZERO), affected))
}

/// A planner error as a rating error (the remedies' what-ifs are ratings).
fn rating_err(e: PlanError) -> RatingError {
    match e {
        PlanError::Rating(r) => r,
        other => RatingError::Invalid(other.to_string()),
    }
}

/// Hourly cost of `resources` over `[from, to)`: the overage windows' cost.
fn overage_of(f: &Forecast, resources: &[String]) -> Decimal {
    f.windows
        .iter()
        .filter(|w| w.kind == WindowKind::Overage && resources.contains(&w.subject))
        .map(|w| w.cost)
        .sum()
}

/// Commitments and reservations that expire (no renewal) while deployments
/// still run on them: commitment_expiring, reservation_expiring.
fn expiring(ctx: &Ctx, out: &mut Vec<Notification>) -> Result<Vec<Expiry>, RatingError> {
    let e = ctx.estate;
    let max_lead = Duration::days(
        *ctx.settings
            .expiry_lead_days
            .iter()
            .max()
            .expect("validated") as i64,
    );
    let until = ctx.to.max(ctx.at + max_lead);
    let mut found = Vec::new();

    // Each instrument's notification is made (its remedies priced) side
    // by side with the others'; they are kept in order.
    let commitments: Vec<(usize, &crate::domain::Commitment)> =
        e.commitments.iter().enumerate().collect();
    for one in each(&commitments, |&(ci, c)| -> Result<_, RatingError> {
        let mut mine = Vec::new();
        let Some(res) = e.resource(&c.resource) else {
            return Ok(None);
        };
        let Ok(ts) =
            terms::commitment_terms(c, res.deleted.or(res.purged), until + Duration::days(1))
        else {
            return Ok(None);
        };
        let Some(last) = ts.last() else {
            return Ok(None);
        };
        let end = last.end;
        if end < ctx.at || end > until {
            return Ok(None);
        }
        let deployed: i64 = e
            .deployments
            .iter()
            .filter(|d| d.resource == c.resource && d.sku == Sku::Regional)
            .map(|d| d.ptu_at(end))
            .sum();
        if deployed == 0 {
            return Ok(None); // the near miss: deployments deleted before the expiry
        }
        let (severity, stage) = ctx.expiry_stage(end - ctx.at);
        let (per_day, cost, mut resources) =
            expiry_cost(ctx, InstrumentKind::Commitment, ci, end, &res.region)?;
        let days = (end - ctx.at).num_hours() as f64 / 24.0;
        let covered_after = per_day.is_zero();
        let neighbours: Vec<String> = resources
            .iter()
            .filter(|r| **r != c.resource)
            .cloned()
            .collect();
        let (severity, tail) = if covered_after {
            (
                Severity::Info,
                "; other discounts cover them afterwards, so nothing pays the hourly rate"
                    .to_string(),
            )
        } else {
            let also = if neighbours.is_empty() {
                String::new()
            } else {
                format!(
                    " (with {}, whose shared reservation capacity its deployments then take)",
                    neighbours.join(", ")
                )
            };
            (
                severity,
                format!(
                    ": from then they pay the hourly rate{also}, {} a day ({} within {})",
                    money(per_day),
                    money(cost),
                    ctx.next()
                ),
            )
        };
        if !resources.contains(&c.resource) {
            resources.insert(0, c.resource.clone());
        }
        let remedies = if covered_after {
            ctx.nothing("none needed: other discounts cover its deployments afterwards")?
        } else {
            let p = ctx.pricer(&res.region);
            remedies::for_hourly(
                &p,
                &resources,
                Some(&Expiring::Commitment {
                    id: c.id.clone(),
                    end,
                }),
            )
            .map_err(rating_err)?
            .0
        };
        ctx.push_with(
            &mut mine,
            Draft {
                kind: "commitment_expiring",
                severity,
                subject: c.id.clone(),
                trigger: end - Duration::days(stage as i64),
                at: end,
                message: format!(
                    "commitment {} ({} PTU on {}) expires {} (in {:.1} days) with {deployed} regional PTU still deployed{tail}",
                    c.id,
                    last.ptu_at_end(),
                    c.resource,
                    short(end),
                    days
                ),
                cost,
                level: per_day,
                action: String::new(),
            },
            per_day,
            remedies,
        );
        Ok(Some((mine, Expiry { end, resources })))
    }) {
        if let Some((mine, expiry)) = one? {
            out.extend(mine);
            found.push(expiry);
        }
    }

    let reservations: Vec<(usize, &crate::domain::Reservation)> =
        e.reservations.iter().enumerate().collect();
    for one in each(&reservations, |&(ri, r)| -> Result<_, RatingError> {
        let mut mine = Vec::new();
        let Ok(ts) = terms::reservation_terms(r, until + Duration::days(1)) else {
            return Ok(None);
        };
        let Some(last) = ts.last() else {
            return Ok(None);
        };
        if last.refunded_at.is_some() || last.moved_at.is_some() {
            return Ok(None);
        }
        let end = last.end;
        if end < ctx.at || end > until || end <= last.start {
            return Ok(None);
        }
        // Does it cover anything in its last day? (Its key's part says.)
        let last_day = ctx.rate(
            &ctx.part(&(r.region.clone(), r.sku), true),
            floor_hour(end - Duration::hours(24)).max(floor_hour(last.start)),
            ceil_hour(end),
        )?;
        let used: i64 = last_day
            .instruments
            .iter()
            .filter(|i| i.id == last.id)
            .map(|i| i.used_ptu_minutes)
            .sum();
        if used == 0 {
            return Ok(None);
        }
        let (severity, stage) = ctx.expiry_stage(end - ctx.at);
        let (per_day, cost, resources) =
            expiry_cost(ctx, InstrumentKind::Reservation, ri, end, &r.region)?;
        let covered_after = per_day.is_zero();
        let (severity, tail) = if covered_after {
            (
                Severity::Info,
                "; nothing it covers pays the hourly rate afterwards".to_string(),
            )
        } else {
            (
                severity,
                format!(
                    ": {} then pay the hourly rate, {} a day ({} within {})",
                    resources.join(", "),
                    money(per_day),
                    money(cost),
                    ctx.next()
                ),
            )
        };
        let remedies = if covered_after {
            ctx.nothing("none needed: other discounts cover its deployments afterwards")?
        } else {
            let p = ctx.pricer(&r.region);
            remedies::for_hourly(
                &p,
                &resources,
                Some(&Expiring::Reservation {
                    id: r.id.clone(),
                    end,
                }),
            )
            .map_err(rating_err)?
            .0
        };
        ctx.push_with(
            &mut mine,
            Draft {
                kind: "reservation_expiring",
                severity,
                subject: last.id.clone(),
                trigger: end - Duration::days(stage as i64),
                at: end,
                message: format!(
                    "reservation {} ({} PTU {} in {}) expires {} without renewal while it covers deployments{tail}",
                    last.id,
                    last.ptu,
                    r.sku.label(),
                    r.region,
                    short(end)
                ),
                cost,
                level: per_day,
                action: String::new(),
            },
            per_day,
            remedies,
        );
        Ok(Some((mine, Expiry { end, resources })))
    }) {
        if let Some((mine, expiry)) = one? {
            out.extend(mine);
            found.push(expiry);
        }
    }
    Ok(found)
}

/// Overage and double-billing windows in the horizon: one notification
/// per resource paying the hourly rate (a recurring pattern is one), with
/// its remedies.
fn windows(
    ctx: &Ctx,
    f: &Forecast,
    trigger_of: &dyn Fn(&Window) -> Time,
    pattern_start: &dyn Fn(&Window) -> Time,
    expiries: &[Expiry],
    out: &mut Vec<Notification>,
) -> Result<(), RatingError> {
    let mut groups: BTreeMap<&str, Vec<&Window>> = BTreeMap::new();
    for w in &f.windows {
        let trigger = trigger_of(w);
        match w.kind {
            WindowKind::Overage => {
                // An overage that starts at a future expiry is that expiry's notification.
                if trigger > ctx.at
                    && expiries.iter().any(|x| {
                        x.end <= trigger
                            && trigger <= ceil_hour(x.end)
                            && x.resources.contains(&w.subject)
                    })
                {
                    continue;
                }
                groups.entry(w.subject.as_str()).or_default().push(w);
            }
            WindowKind::DoubleBilling => {
                let commitments: Vec<String> = commitments_beside(ctx, &w.subject);
                let region = ctx
                    .estate
                    .reservations
                    .iter()
                    .find(|r| r.id == crate::domain::terms::base_id(&w.subject))
                    .map_or(String::new(), |r| r.region.clone());
                let remedies = crate::planner::notice_remedies::for_double_billing(
                    &ctx.pricer(&region),
                    &w.subject,
                    &commitments,
                    w.start,
                    w.end,
                )
                .map_err(rating_err)?;
                ctx.push_with(
                    out,
                    Draft {
                        kind: "double_billing_window",
                        severity: Severity::Warning,
                        subject: w.subject.clone(),
                        trigger,
                        at: trigger,
                        message: format!(
                            "reservation {} and {} pay for the same PTUs from {} to {}: {} PTU-hours billed twice, {} never credited",
                            w.subject,
                            if commitments.is_empty() { "a commitment".to_string() } else { format!("commitment {}", commitments.join(", ")) },
                            short(w.start),
                            short(w.end),
                            fmt_ptu_hours_grouped(w.ptu_minutes),
                            money(w.cost)
                        ),
                        cost: w.cost,
                        level: per_day(w.cost, (w.end - w.start).num_hours()),
                        action: match commitments.first() {
                            Some(c) => format!(
                                "buy the reservation closer to the commitment's expiry (your safety margin before it), or accept the window knowingly; compare with `ptudesk plan migrate --commitment {c}`"
                            ),
                            None => "buy the reservation closer to the commitment's expiry".into(),
                        },
                    },
                    Decimal::ZERO,
                    remedies,
                );
            }
            WindowKind::Unused => {}
        }
    }
    let groups: Vec<(&str, Vec<&Window>, Time)> = groups
        .into_iter()
        .map(|(subject, ws)| {
            let trigger = pattern_start(ws[0]);
            (subject, ws, trigger)
        })
        .collect();
    for found in each(&groups, |(subject, ws, trigger)| {
        let mut found = Vec::new();
        overage(ctx, subject, ws, *trigger, &mut found).map(|_| found)
    }) {
        out.extend(found?);
    }
    Ok(())
}

/// One resource's hourly PTU over the horizon: one notification.
fn overage(
    ctx: &Ctx,
    subject: &str,
    ws: &[&Window],
    trigger: Time,
    out: &mut Vec<Notification>,
) -> Result<(), RatingError> {
    let e = ctx.estate;
    let Some(res) = e.resource(subject) else {
        return Ok(());
    };
    let first = ws[0];
    let committed = e.commitments.iter().any(|c| {
        c.resource == res.id
            && terms::commitment_terms(
                c,
                res.deleted.or(res.purged),
                first.start + Duration::hours(1),
            )
            .ok()
            .is_some_and(|ts| {
                ts.iter()
                    .any(|t| t.start <= first.start && first.start < t.end)
            })
    });
    let kind = if committed {
        "commitment_overage"
    } else {
        "hourly_overage"
    };
    let cost: Decimal = ws.iter().map(|w| w.cost).sum();
    let minutes: i64 = ws.iter().map(|w| w.ptu_minutes).sum();
    let paying_hours: i64 = ws.iter().map(|w| (w.end - w.start).num_hours()).sum();
    // A day's cost from the rated hours: the horizon's cost over its days
    // (from the first hour that pays, when that is still to come).
    let since = if trigger <= ctx.at {
        ctx.from
    } else {
        first.start
    };
    let span = (ctx.to - since).num_hours().max(1);
    let cost_per_day = per_day(cost, span);
    let p = ctx.pricer(&res.region);
    let (remedies, _) =
        remedies::for_hourly(&p, &[subject.to_string()], None).map_err(rating_err)?;
    let why: Vec<String> = p
        .hourly_explanations(subject)
        .map_err(rating_err)?
        .into_iter()
        .map(|(sku, text)| {
            if text.starts_with(sku.label()) {
                text
            } else {
                format!("{}: {text}", sku.label())
            }
        })
        .collect();
    let deleted = if res.deleted.is_some_and(|t| t <= ctx.at) {
        format!(
            " The account {} is deleted but not purged: its deployments bill until it is purged.",
            res.id
        )
    } else {
        String::new()
    };
    let nothing_to_gain = remedies
        .first()
        .is_some_and(|r| matches!(r.kind, RemedyKind::StayHourly | RemedyKind::None));
    let severity = if nothing_to_gain {
        Severity::Info
    } else if trigger <= ctx.at {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let when = if ws.len() > 1 {
        format!(
            "in {} windows ({} hours in all, the first from {}, a pattern since {})",
            ws.len(),
            paying_hours,
            short(first.start),
            short(trigger)
        )
    } else {
        format!("from {} to {}", short(first.start), short(first.end))
    };
    ctx.push_with(
        out,
        Draft {
            kind,
            severity,
            subject: subject.to_string(),
            trigger,
            at: trigger,
            message: format!(
                "{subject}: {} PTU-hours pay the hourly rate {when}: {} over {}, {} a day.{deleted} {}",
                fmt_ptu_hours_grouped(minutes),
                money(cost),
                ctx.next(),
                money(cost_per_day),
                why.join("; ")
            ),
            cost,
            level: cost_per_day,
            action: String::new(),
        },
        cost_per_day,
        remedies,
    );
    Ok(())
}

/// Commitments whose deployments a reservation term could cover.
fn commitments_beside(ctx: &Ctx, term_id: &str) -> Vec<String> {
    let base = crate::domain::terms::base_id(term_id);
    let Some(r) = ctx.estate.reservations.iter().find(|r| r.id == base) else {
        return vec![];
    };
    let scopes = rating::prepare::ScopeIndex::new(ctx.estate);
    ctx.estate
        .commitments
        .iter()
        .filter(|c| {
            ctx.estate.resource(&c.resource).is_some_and(|res| {
                res.region == r.region
                    && r.sku == Sku::Regional
                    && (std::iter::once(&r.scope)
                        .chain(r.scope_changes.iter().map(|s| &s.scope))
                        .any(|s| scopes.contains(s, res)))
            })
        })
        .map(|c| c.id.clone())
        .collect()
}

/// Idle commitments and reservations, and reservations that match nothing.
fn unused_and_mismatch(
    ctx: &Ctx,
    f: &Forecast,
    trigger_of: &dyn Fn(&Window) -> Time,
    merged: &BTreeSet<String>,
    out: &mut Vec<Notification>,
) -> Result<(), RatingError> {
    let e = ctx.estate;
    let threshold = Decimal::from(ctx.settings.unused_threshold_pct);
    let back_from = floor_hour(ctx.at - Duration::days(ctx.settings.unused_window_days as i64));
    let back = if back_from < ctx.from {
        Some(ctx.rate(e, back_from, ctx.from)?)
    } else {
        None
    };
    let scopes = rating::prepare::ScopeIndex::new(e);
    // Per instrument: the idle cost, PTU-minutes and hours of its unused
    // windows in the horizon, and the first of them.
    let mut unused_by: BTreeMap<&str, (Decimal, i64, i64, &Window)> = BTreeMap::new();
    for w in f.windows.iter().filter(|w| w.kind == WindowKind::Unused) {
        let x = unused_by
            .entry(w.subject.as_str())
            .or_insert((Decimal::ZERO, 0, 0, w));
        x.0 += w.cost;
        x.1 += w.ptu_minutes;
        x.2 += (w.end - w.start).num_hours();
    }
    let mut reported: std::collections::BTreeSet<&str> = Default::default();
    for inst in &f.instruments {
        let Some(&(cost, idle, idle_hours, first)) = unused_by.get(inst.id.as_str()) else {
            continue;
        };
        let level = per_day(cost, idle_hours);
        // One notification per reservation: its earliest idle term in the horizon.
        let base = crate::domain::terms::base_id(&inst.id);
        if inst.kind == InstrumentKind::Reservation && !reported.insert(base) {
            continue;
        }
        if merged.contains(base) {
            continue; // its renewal is the decision
        }
        if idle == 0 {
            continue;
        }
        // Utilization over the last days (when it was active then) and over
        // the horizon, where only unused idle time counts (a double-billed
        // hour is its own notification): the lower one is reported, so an
        // instrument that will fall idle is heard of before it does.
        let past = back
            .as_ref()
            .and_then(|b| b.instruments.iter().find(|i| i.id == inst.id))
            .filter(|i| i.capacity_ptu_minutes > 0);
        let trigger = trigger_of(first);
        let mut measures = Vec::new();
        if let Some(p) = past {
            measures.push((
                Decimal::from(p.used_ptu_minutes * 100) / Decimal::from(p.capacity_ptu_minutes),
                format!("the last {} days", ctx.settings.unused_window_days),
            ));
        }
        if inst.capacity_ptu_minutes > 0 {
            let from = if first.start > ctx.at {
                format!(", idle from {}", short(first.start))
            } else {
                String::new()
            };
            measures.push((
                Decimal::from((inst.capacity_ptu_minutes - idle) * 100)
                    / Decimal::from(inst.capacity_ptu_minutes),
                format!("{}{from}", ctx.next()),
            ));
        }
        let Some((pct, over)) = measures.into_iter().min_by(|a, b| a.0.cmp(&b.0)) else {
            continue;
        };
        match inst.kind {
            InstrumentKind::Commitment => {
                if pct >= threshold {
                    continue;
                }
                let region = e
                    .commitments
                    .iter()
                    .find(|c| c.id == inst.id)
                    .and_then(|c| e.resource(&c.resource))
                    .map_or(String::new(), |r| r.region.clone());
                let remedies =
                    remedies::for_idle(&ctx.pricer(&region), &Idle::Commitment(inst.id.clone()))
                        .map_err(rating_err)?;
                ctx.push_with(
                    out,
                    Draft {
                        kind: "commitment_unused",
                        severity: Severity::Warning,
                        subject: inst.id.clone(),
                        trigger,
                        at: trigger,
                        message: format!(
                            "commitment {} is {}% used over {over}: {} idle PTU-hours cost {} over {}",
                            inst.id,
                            pct.round(),
                            fmt_ptu_hours_grouped(idle),
                            money(cost),
                            ctx.next()
                        ),
                        cost,
                        level,
                        action: commitment_unused_action(ctx, &inst.id),
                    },
                    level,
                    remedies,
                );
            }
            InstrumentKind::Reservation => {
                let Some(r) = e.reservations.iter().find(|r| r.id == base) else {
                    continue;
                };
                // Mismatch: nothing of its region, type and scope deployed, now or in the horizon.
                let used_ever =
                    inst.used_ptu_minutes > 0 || past.is_some_and(|p| p.used_ptu_minutes > 0);
                if !used_ever {
                    let scope = terms::scope_at(r, ctx.at.max(r.start));
                    let in_scope: Vec<&crate::domain::Resource> = e
                        .resources
                        .iter()
                        .filter(|x| scopes.contains(scope, x))
                        .collect();
                    let same_region: Vec<&&crate::domain::Resource> =
                        in_scope.iter().filter(|x| x.region == r.region).collect();
                    let other_types: Vec<Sku> = e
                        .deployments
                        .iter()
                        .filter(|d| {
                            same_region.iter().any(|x| x.id == d.resource) && d.sku != r.sku
                        })
                        .map(|d| d.sku)
                        .collect();
                    let elsewhere = e.deployments.iter().any(|d| {
                        d.sku == r.sku
                            && e.resource(&d.resource)
                                .is_some_and(|x| x.region == r.region && !scopes.contains(scope, x))
                    });
                    // Deployments of its type inside its scope that other
                    // discounts take first (a narrower scope, an earlier
                    // purchase, a commitment).
                    let same_type_inside: Vec<&str> = e
                        .deployments
                        .iter()
                        .filter(|d| {
                            d.sku == r.sku && same_region.iter().any(|x| x.id == d.resource)
                        })
                        .map(|d| d.id.as_str())
                        .collect();
                    let takers: Vec<String> = e
                        .reservations
                        .iter()
                        .filter(|o| {
                            o.id != r.id
                                && o.sku == r.sku
                                && o.region == r.region
                                && same_region.iter().any(|x| {
                                    scopes.contains(terms::scope_at(o, ctx.at.max(o.start)), x)
                                })
                        })
                        .map(|o| o.id.clone())
                        .chain(
                            e.commitments
                                .iter()
                                .filter(|c| {
                                    r.sku == Sku::Regional
                                        && same_region.iter().any(|x| x.id == c.resource)
                                })
                                .map(|c| c.id.clone()),
                        )
                        .collect();
                    let why = if !same_type_inside.is_empty() {
                        format!(
                            "the {} deployments in its scope ({}) are covered first by {} (a commitment, a narrower scope or an earlier purchase is applied before it)",
                            r.sku.label(),
                            same_type_inside.join(", "),
                            if takers.is_empty() {
                                "other discounts".to_string()
                            } else {
                                takers.join(", ")
                            }
                        )
                    } else if let Some(sku) = other_types.first() {
                        format!(
                            "its scope {scope} in {} holds only {} deployments, and types never share a discount",
                            r.region,
                            sku.label()
                        )
                    } else if elsewhere {
                        format!(
                            "the {} deployments in {} lie outside its scope {scope}",
                            r.sku.label(),
                            r.region
                        )
                    } else {
                        format!(
                            "no {} deployment exists in {} within its scope {scope}",
                            r.sku.label(),
                            r.region
                        )
                    };
                    let remedies = remedies::for_idle(
                        &ctx.pricer(&r.region),
                        &Idle::Reservation(r.id.clone()),
                    )
                    .map_err(rating_err)?;
                    ctx.push_with(
                        out,
                        Draft {
                            kind: "reservation_mismatch",
                            severity: Severity::Warning,
                            subject: inst.id.clone(),
                            trigger: floor_hour(inst_start(r, &inst.id, ctx.to)),
                            at: trigger,
                            message: format!(
                                "reservation {} ({} in {}) covers nothing: {why}; it costs {} over {} for nothing",
                                inst.id,
                                r.sku.label(),
                                r.region,
                                money(cost),
                                ctx.next()
                            ),
                            cost,
                            level,
                            action: if other_types.is_empty() && elsewhere {
                                format!("change its scope to cover the {} deployments in {} (free, any time)", r.sku.label(), r.region)
                            } else {
                                "change its scope, or refund it (within the rolling USD 50,000 limit), or deploy the matching type there".into()
                            },
                        },
                        level,
                        remedies,
                    );
                    continue;
                }
                if pct >= threshold {
                    continue;
                }
                let remedies =
                    remedies::for_idle(&ctx.pricer(&r.region), &Idle::Reservation(r.id.clone()))
                        .map_err(rating_err)?;
                ctx.push_with(
                    out,
                    Draft {
                        kind: "reservation_unused",
                        severity: Severity::Warning,
                        subject: inst.id.clone(),
                        trigger: floor_hour(inst_start(r, &inst.id, ctx.to)),
                        at: trigger,
                        message: format!(
                            "reservation {} ({} PTU {} in {}) is {}% used over {over}: {} idle PTU-hours cost {} over {}",
                            inst.id,
                            r.ptu,
                            r.sku.label(),
                            r.region,
                            pct.round(),
                            fmt_ptu_hours_grouped(idle),
                            money(cost),
                            ctx.next()
                        ),
                        cost,
                        level,
                        action: "widen its scope to cover more deployments of its type and region, renew it smaller (replace with fewer PTUs), or refund it".into(),
                    },
                    level,
                    remedies,
                );
            }
        }
    }
    Ok(())
}

/// The start of a reservation term (the original or a renewal `<id>/rN`).
fn inst_start(r: &crate::domain::Reservation, term_id: &str, until: Time) -> Time {
    terms::reservation_terms(r, until)
        .ok()
        .and_then(|ts| ts.into_iter().find(|t| t.id == term_id))
        .map_or(r.start, |t| t.start)
}

/// Renewals due in the horizon (billing events): commitment_renewal,
/// reservation_renewal. A renewal of capacity used less than its
/// break-even share of hours over the horizon is one decision with the
/// idle instrument: a warning with the full renewal amount and the idle
/// instrument's remedies (turn the renewal off first); the instruments so
/// reported are returned, so no second notification says they idle.
fn renewals(
    ctx: &Ctx,
    f: &Forecast,
    bills: &[rating::BilledCharge],
    out: &mut Vec<Notification>,
) -> Result<BTreeSet<String>, RatingError> {
    let mut merged = BTreeSet::new();
    for b in bills
        .iter()
        .filter(|b| b.charge == ChargeKind::Renewal && b.at >= ctx.at)
    {
        let base = crate::domain::terms::base_id(&b.id).to_string();
        let kind = match b.kind {
            InstrumentKind::Commitment => "commitment_renewal",
            InstrumentKind::Reservation => "reservation_renewal",
        };
        let (used, cap) = f
            .instruments
            .iter()
            .filter(|i| crate::domain::terms::base_id(&i.id) == base)
            .fold((0i64, 0i64), |a, i| {
                (a.0 + i.used_ptu_minutes, a.1 + i.capacity_ptu_minutes)
            });
        let p = ctx.pricer(&b.region);
        let share = p.instrument_break_even(&base);
        let util = if cap > 0 {
            Decimal::from(used) / Decimal::from(cap)
        } else {
            Decimal::ZERO
        };
        let pct = |d: Decimal| format!("{}%", (d * Decimal::from(100)).round());
        let days_of_term = if b.kind == InstrumentKind::Reservation
            && ctx
                .estate
                .reservations
                .iter()
                .any(|r| r.id == base && r.term == crate::domain::Term::OneYear)
        {
            Decimal::from(365)
        } else {
            Decimal::from_str_exact("30.4375").expect("a number")
        };
        let idle_pct = Decimal::from(ctx.settings.unused_threshold_pct) / Decimal::from(100);
        let below = |s: &Decimal| util < *s || util < idle_pct;
        if let Some(share) = share.filter(below) {
            merged.insert(base.clone());
            let idle = match b.kind {
                InstrumentKind::Commitment => Idle::Commitment(base.clone()),
                InstrumentKind::Reservation => Idle::Reservation(base.clone()),
            };
            let remedies = remedies::for_idle(&p, &idle).map_err(rating_err)?;
            let (stage_sev, _) = ctx.expiry_stage(b.at - ctx.at);
            ctx.push_with(
                out,
                Draft {
                    kind,
                    severity: stage_sev.max(Severity::Warning),
                    subject: b.id.clone(),
                    trigger: b.at,
                    at: b.at,
                    message: format!(
                        "{} {} renews {} ({} {}) for {} while its capacity is {} used over {} (it pays off above {} of the hours): the renewal buys capacity that will idle",
                        b.kind.name(),
                        base,
                        short(b.at),
                        b.sku.label(),
                        b.region,
                        money(b.amount),
                        pct(util),
                        ctx.next(),
                        pct(share)
                    ),
                    cost: b.amount,
                    level: b.amount,
                    action: String::new(),
                },
                b.amount / days_of_term,
                remedies,
            );
            continue;
        }
        let remedies = ctx.nothing(&format!(
            "none needed: it renews capacity that is used ({} over {})",
            pct(util),
            ctx.next()
        ))?;
        ctx.push_with(
            out,
            Draft {
                kind,
                severity: Severity::Info,
                subject: b.id.clone(),
                trigger: b.at,
                at: b.at,
                message: format!(
                    "{} {} renews {} ({} {}): {} billed",
                    b.kind.name(),
                    b.id,
                    short(b.at),
                    b.sku.label(),
                    b.region,
                    money(b.amount)
                ),
                cost: b.amount,
                level: b.amount,
                action: String::new(),
            },
            b.amount / days_of_term,
            remedies,
        );
    }
    Ok(merged)
}

/// Deployments of models that a resource with an active commitment cannot run.
fn models(ctx: &Ctx, out: &mut Vec<Notification>) -> Result<(), RatingError> {
    let e = ctx.estate;
    // (commitment, its resource, the deployment, the trigger), in order;
    // their remedies are priced side by side.
    let mut found = Vec::new();
    for c in &e.commitments {
        let Some(res) = e.resource(&c.resource) else {
            continue;
        };
        let Ok(ts) = terms::commitment_terms(c, res.deleted.or(res.purged), ctx.to) else {
            continue;
        };
        let (Some(first), Some(last)) = (ts.first(), ts.last()) else {
            continue;
        };
        let (active_from, active_to) = (first.start, last.end);
        if active_to <= ctx.from || active_from >= ctx.to {
            continue;
        }
        for d in e.deployments.iter().filter(|d| d.resource == c.resource) {
            let end = d.deleted.unwrap_or(ctx.to);
            if d.created() >= active_to
                || end <= active_from
                || d.created() >= ctx.to
                || end <= ctx.from
            {
                continue;
            }
            if commitment_supports(&d.model, &d.version) {
                continue;
            }
            found.push((c, res, d, d.created().max(active_from)));
        }
    }
    let priced = each(&found, |(c, res, d, _)| {
        crate::planner::notice_remedies::for_unsupported_model(
            &ctx.pricer(&res.region),
            &d.id,
            &c.id,
        )
    });
    for ((c, _, d, trigger), remedies) in found.into_iter().zip(priced) {
        let (remedies, _) = remedies.map_err(rating_err)?;
        ctx.push_with(
                out,
                Draft {
                    kind: "commitment_model_unsupported",
                    severity: Severity::Warning,
                    subject: d.id.clone(),
                    trigger,
                    at: trigger,
                    message: format!(
                        "deployment {} runs {} {} on {}, which has commitment {}: only the commitment models (gpt-35-turbo, gpt-4, gpt-4-turbo, gpt-4-32k, gpt-4o 2024-05-13/2024-08-06, gpt-4o-mini 2024-07-18) may be deployed on a resource with an active commitment",
                        d.id, d.model, d.version, c.resource, c.id
                    ),
                    cost: Decimal::ZERO,
                    level: Decimal::ZERO,
                    action: format!("deploy {} {} on a resource without a commitment, covered by a reservation", d.model, d.version),
                },
                Decimal::ZERO,
                remedies,
            );
    }
    Ok(())
}

/// Quota near or over its limit, now or within the horizon.
fn quotas(ctx: &Ctx, out: &mut Vec<Notification>) -> Result<(), RatingError> {
    let e = ctx.estate;
    // Each resource by id (the first of an id, as `Estate::resource`).
    let mut resources: std::collections::HashMap<&str, &crate::domain::Resource> =
        std::collections::HashMap::new();
    for r in &e.resources {
        resources.entry(r.id.as_str()).or_insert(r);
    }
    // Each quota's notification is made (its remedies priced) side by side
    // with the others'; they are kept in order.
    for one in each(&e.quotas, |q| -> Result<_, RatingError> {
        let mut mine = Vec::new();
        // A model-specific row counts its model's deployments; the pooled
        // row every one of its type, those included.
        let deps: Vec<&crate::domain::Deployment> = e
            .deployments
            .iter()
            .filter(|d| {
                resources
                    .get(d.resource.as_str())
                    .is_some_and(|r| q.counts_deployment(d, r))
            })
            .collect();
        if deps.is_empty() {
            return Ok(mine);
        }
        // Usage changes only at these instants.
        let mut instants: Vec<Time> = deps
            .iter()
            .flat_map(|d| d.sizes.iter().map(|s| s.at).chain(d.deleted))
            .collect();
        instants.sort();
        instants.dedup();
        let usage = |t: Time| -> i64 { deps.iter().map(|d| d.ptu_at(t)).sum() };
        let near = Decimal::from(q.limit) * Decimal::from(ctx.settings.quota_threshold_pct)
            / Decimal::from(100);
        let level = |u: i64| -> u8 {
            if u > q.limit {
                2
            } else if q.limit > 0 && Decimal::from(u) >= near {
                1
            } else {
                0
            }
        };
        // The worst level in the horizon and the instant the condition began.
        let mut points = vec![ctx.at];
        points.extend(
            instants
                .iter()
                .copied()
                .filter(|t| *t > ctx.at && *t < ctx.to),
        );
        let Some((&when, lvl)) = points
            .iter()
            .map(|t| (t, level(usage(*t))))
            .max_by_key(|(t, l)| (*l, std::cmp::Reverse(**t)))
        else {
            return Ok(mine);
        };
        if lvl == 0 {
            return Ok(mine);
        }
        let began = instants
            .iter()
            .rev()
            .filter(|t| **t <= when)
            .take_while(|t| level(usage(**t)) >= lvl)
            .last()
            .copied()
            .unwrap_or(when);
        let used = usage(when);
        let sku = q.label();
        let (kind, severity, what) = if lvl == 2 {
            (
                "quota_exceeded",
                Severity::Critical,
                format!("{used} PTU deployed exceed the {} PTU quota", q.limit),
            )
        } else {
            let pct = (Decimal::from(used * 100) / Decimal::from(q.limit.max(1))).round();
            (
                "quota_near_limit",
                Severity::Warning,
                format!("{used} of {} PTU quota used ({pct}%)", q.limit),
            )
        };
        let (remedies, _) =
            crate::planner::notice_remedies::for_quota(&ctx.pricer(&q.region), q, when, used)
                .map_err(rating_err)?;
        ctx.push_with(
            &mut mine,
            Draft {
                kind,
                severity,
                subject: q.subject(),
                trigger: began,
                // When the condition began: it holds from then to `when`.
                at: began,
                message: format!(
                    "{sku} quota in {} for {}: {what} {} {}",
                    q.region,
                    q.subscription,
                    if began <= ctx.at { "since" } else { "from" },
                    short(began)
                ),
                cost: Decimal::ZERO,
                level: Decimal::from(used),
                action: format!(
                    "request more {sku} quota for {} in {} (Azure AI Foundry quota page), or resize or delete deployments there",
                    q.subscription, q.region
                ),
            },
            Decimal::ZERO,
            remedies,
        );
        Ok(mine)
    }) {
        out.extend(one?);
    }
    Ok(())
}

/// What to do about an idle commitment, given the renewal setting in force:
/// renewing at fewer PTU only while it would renew above the 50-PTU step.
fn commitment_unused_action(ctx: &Ctx, id: &str) -> String {
    let more = "move more regional deployments onto its resource";
    let Some(c) = ctx.estate.commitments.iter().find(|c| c.id == id) else {
        return format!("renew it at fewer PTUs (autorenew_lower), or {more}");
    };
    let setting = c
        .renewal_changes
        .iter()
        .take_while(|ch| ch.at <= ctx.at)
        .last()
        .map_or(c.renewal, |ch| ch.renewal);
    match setting {
        CommitmentRenewal::None => {
            format!("it is set not to renew, so it ends at its expiry; until then, {more}")
        }
        CommitmentRenewal::AutorenewLower(p) if p <= 50 => format!(
            "it already renews at the 50-PTU minimum: set it not to renew (don't autorenew), or {more}"
        ),
        _ => format!("renew it at fewer PTUs (autorenew_lower), or {more}"),
    }
}

/// Refunds that pass the rolling USD 50,000 limit: Azure refuses them, and
/// the rating core rates them as never made.
fn refunds(ctx: &Ctx, out: &mut Vec<Notification>) -> Result<(), RatingError> {
    for r in rating::refunds(ctx.estate, ctx.book, &ctx.opts) {
        let t = r.at;
        if !r.refused
            || t < ctx.from - Duration::days(ctx.settings.unused_window_days as i64)
            || t >= ctx.to
        {
            continue;
        }
        let left = r.headroom.max(Decimal::ZERO);
        let region = ctx
            .estate
            .reservations
            .get(r.index)
            .map_or(String::new(), |x| x.region.clone());
        let remedies = crate::planner::notice_remedies::for_refund_limit(
            &ctx.pricer(&region),
            &r.reservation,
            t,
        )
        .map_err(rating_err)?;
        ctx.push_with(
            out,
            Draft {
                kind: "refund_limit",
                severity: Severity::Critical,
                subject: r.term.clone(),
                trigger: t,
                at: t,
                message: format!(
                    "the refund of {} at {} cancels {} of commitment, but only {} of the rolling USD {} limit is left: Azure refuses it whole, so it is rated as not refunded (coverage and payments go on, no credit of {})",
                    r.term,
                    short(t),
                    money(r.cancelled),
                    money(left),
                    rating::REFUND_LIMIT_USD,
                    money(-r.credit)
                ),
                cost: r.cancelled,
                level: r.cancelled,
                action: "refund later (the limit restores 365 days after each refund), refund fewer reservations, or change their scope instead".into(),
            },
            Decimal::ZERO,
            remedies,
        );
    }
    Ok(())
}

/// True when `n` is silenced at `at`: acknowledged, not expired, and not
/// worse since (neither its level nor its severity grew). The level, not
/// the cost over the horizon, is compared: the cost of a coming expiry
/// grows every hour the horizon slides past it, and with a longer
/// `--horizon`, while the condition stays what it was.
pub fn silenced(n: &Notification, acks: &[Ack], at: Time) -> bool {
    acks.iter().any(|a| {
        a.id == n.id
            && a.until.is_none_or(|u| u > at)
            && n.level <= a.level
            && n.severity <= a.severity
    })
}

#[cfg(test)]
mod tests;

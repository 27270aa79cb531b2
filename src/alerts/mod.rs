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

use crate::config::{Alerts, Config};
use crate::domain::money::{fmt_money_grouped, fmt_ptu_hours_grouped};
use crate::domain::prices::PriceBook;
use crate::domain::terms;
use crate::domain::time::{Time, ceil_hour, floor_hour, fmt_time};
use crate::domain::{
    CommitmentRenewal, CommitmentRenewalChange, Estate, ReservationRenewal,
    ReservationRenewalChange, Sku, commitment_supports,
};
use crate::rating::{
    self, Basis, Bucket, ChargeKind, Forecast, InstrumentKind, RatingError, Request, Window,
    WindowKind,
};
use chrono::Duration;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// How much a notification matters: money and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn from_name(s: &str) -> Option<Severity> {
        [Severity::Info, Severity::Warning, Severity::Critical]
            .into_iter()
            .find(|x| x.name() == s)
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

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Stable: a hash of kind, subject and the triggering instant.
    pub id: String,
    /// One of [`KINDS`].
    pub kind: &'static str,
    pub severity: Severity,
    /// The id of the object it is about.
    pub subject: String,
    /// When it happens (or happened).
    pub at: Time,
    pub message: String,
    /// The rated cost it causes within [at, at + horizon) of the check.
    pub cost_impact: Decimal,
    /// How bad it is, measured so that it does not move with the check's
    /// instant or horizon: a rate (cost a day) for a condition that lasts,
    /// the amount of a one-off charge, the PTU deployed against a quota.
    /// An acknowledgement holds while this does not grow.
    pub level: Decimal,
    /// What avoids it.
    pub action: String,
}

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
    estate: &'a Estate,
    book: &'a PriceBook,
    opts: rating::Options,
    settings: &'a Alerts,
    at: Time,
    from: Time,
    to: Time,
    horizon: Duration,
}

impl Ctx<'_> {
    /// The horizon in words: "the next 30 days".
    fn next(&self) -> String {
        format!("the next {}", horizon_words(self.horizon))
    }

    fn rate(&self, estate: &Estate, from: Time, to: Time) -> Result<Forecast, RatingError> {
        let req = Request {
            from,
            to,
            basis: Basis::Actual,
            by: Bucket::Month,
        };
        rating::forecast(estate, self.book, &req, &self.opts)
    }

    fn push(&self, out: &mut Vec<Notification>, n: Draft) {
        out.push(Notification {
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
    config: &Config,
    at: Time,
    horizon: Duration,
) -> Result<Vec<Notification>, RatingError> {
    let from = floor_hour(at);
    let to = ceil_hour(at + horizon).max(from + Duration::hours(1));
    let ctx = Ctx {
        estate,
        book,
        opts: config.rating_options(),
        settings: &config.alerts,
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
    let detailed = rating::forecast_detailed(estate, book, &req, &ctx.opts)?;
    let horizon_f = &detailed.forecast;
    let mut earliest = from;
    estate.for_each_time(|t| earliest = earliest.min(t));
    let history_from = floor_hour(earliest.max(from - Duration::days(730)));
    let history = if history_from < from {
        Some(ctx.rate(estate, history_from, to)?)
    } else {
        None
    };
    let trigger_of = |w: &Window| -> Time {
        history
            .as_ref()
            .and_then(|h| {
                h.windows.iter().find(|x| {
                    x.kind == w.kind
                        && x.subject == w.subject
                        && x.start <= w.start
                        && w.start < x.end
                })
            })
            .map_or(w.start, |x| x.start)
    };

    let expiries = expiring(&ctx, &mut out)?;
    windows(&ctx, horizon_f, &trigger_of, &expiries, &mut out);
    unused_and_mismatch(&ctx, horizon_f, &trigger_of, &mut out)?;
    renewals(&ctx, &detailed.bills, &mut out);
    models(&ctx, &mut out);
    quotas(&ctx, &mut out);
    refunds(&ctx, &mut out);
    sizes::off_step(estate, from, to, &mut |d| ctx.push(&mut out, d));

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

/// What an expiry at `end` costs `resources` in hourly charges: the estate
/// rated as it is, less the estate with the instrument renewed once more;
/// for the first day after it, and up to the end of the horizon.
fn expiry_cost(
    ctx: &Ctx,
    kind: InstrumentKind,
    source: usize,
    end: Time,
    resources: &[String],
) -> Result<(Decimal, Decimal), RatingError> {
    let cf = renewed(ctx.estate, kind, source, end);
    let caused = |from: Time, to: Time| -> Result<Decimal, RatingError> {
        Ok(overage_of(&ctx.rate(ctx.estate, from, to)?, resources)
            - overage_of(&ctx.rate(&cf, from, to)?, resources))
    };
    let start = ceil_hour(end);
    let per_day = caused(start, start + Duration::hours(24))?;
    let cost = if start < ctx.to {
        caused(start, ctx.to)?
    } else {
        Decimal::ZERO
    };
    Ok((per_day, cost))
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

    for (ci, c) in e.commitments.iter().enumerate() {
        let Some(res) = e.resource(&c.resource) else {
            continue;
        };
        let Ok(ts) =
            terms::commitment_terms(c, res.deleted.or(res.purged), until + Duration::days(1))
        else {
            continue;
        };
        let Some(last) = ts.last() else { continue };
        let end = last.end;
        if end < ctx.at || end > until {
            continue;
        }
        let deployed: i64 = e
            .deployments
            .iter()
            .filter(|d| d.resource == c.resource && d.sku == Sku::Regional)
            .map(|d| d.ptu_at(end))
            .sum();
        if deployed == 0 {
            continue; // the near miss: deployments deleted before the expiry
        }
        let resources = vec![c.resource.clone()];
        let (severity, stage) = ctx.expiry_stage(end - ctx.at);
        let (per_day, cost) = expiry_cost(ctx, InstrumentKind::Commitment, ci, end, &resources)?;
        let days = (end - ctx.at).num_hours() as f64 / 24.0;
        let covered_after = per_day.is_zero();
        let (severity, tail) = if covered_after {
            (
                Severity::Info,
                "; other discounts cover them afterwards, so nothing pays the hourly rate"
                    .to_string(),
            )
        } else {
            (
                severity,
                format!(
                    ": from then they pay the hourly rate, {} a day ({} within {})",
                    money(per_day),
                    money(cost),
                    ctx.next()
                ),
            )
        };
        ctx.push(
            out,
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
                action: if covered_after {
                    "none needed: check that the discounts taking over are the ones you planned".to_string()
                } else {
                    format!(
                        "delete the deployments on {} before {}, or set the commitment to renew, or buy a Regional reservation of {deployed} PTU in {} covering {} (see `ptudesk plan migrate --commitment {}`)",
                        c.resource,
                        short(end),
                        res.region,
                        res.subscription,
                        c.id
                    )
                },
            },
        );
        found.push(Expiry { end, resources });
    }

    let scopes = rating::prepare::ScopeIndex::new(e);
    for (ri, r) in e.reservations.iter().enumerate() {
        let Ok(ts) = terms::reservation_terms(r, until + Duration::days(1)) else {
            continue;
        };
        let Some(last) = ts.last() else { continue };
        if last.refunded_at.is_some() {
            continue;
        }
        let end = last.end;
        if end < ctx.at || end > until || end <= last.start {
            continue;
        }
        // Does it cover anything in its last day?
        let last_day = ctx.rate(
            e,
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
            continue;
        }
        let scope = terms::scope_at(r, end - Duration::seconds(1));
        let resources: Vec<String> = e
            .resources
            .iter()
            .filter(|x| x.region == r.region && scopes.contains(scope, x))
            .map(|x| x.id.clone())
            .collect();
        let (severity, stage) = ctx.expiry_stage(end - ctx.at);
        let (per_day, cost) = expiry_cost(ctx, InstrumentKind::Reservation, ri, end, &resources)?;
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
                    ": what it covers then pays the hourly rate, {} a day ({} within {})",
                    money(per_day),
                    money(cost),
                    ctx.next()
                ),
            )
        };
        ctx.push(
            out,
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
                action: if covered_after {
                    "none needed: other discounts cover its deployments afterwards".to_string()
                } else {
                    format!(
                        "set {} to autorenew (or a replacement) before {}, or buy a new {} reservation in {}, or delete the deployments it covers",
                        r.id,
                        short(end),
                        r.sku.label(),
                        r.region
                    )
                },
            },
        );
        found.push(Expiry { end, resources });
    }
    Ok(found)
}

/// Overage and double-billing windows in the horizon.
fn windows(
    ctx: &Ctx,
    f: &Forecast,
    trigger_of: &dyn Fn(&Window) -> Time,
    expiries: &[Expiry],
    out: &mut Vec<Notification>,
) {
    let e = ctx.estate;
    for w in &f.windows {
        let trigger = trigger_of(w);
        let ongoing = w.start <= ctx.from;
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
                let Some(res) = e.resource(&w.subject) else {
                    continue;
                };
                let committed = e.commitments.iter().any(|c| {
                    c.resource == res.id
                        && terms::commitment_terms(
                            c,
                            res.deleted.or(res.purged),
                            w.start + Duration::hours(1),
                        )
                        .ok()
                        .is_some_and(|ts| ts.iter().any(|t| t.start <= w.start && w.start < t.end))
                });
                let hours = (w.end - w.start).num_hours().max(1);
                let avg = Decimal::from(w.ptu_minutes) / Decimal::from(60 * hours);
                let kind = if committed {
                    "commitment_overage"
                } else {
                    "hourly_overage"
                };
                let action = if committed {
                    format!(
                        "add PTUs to the commitment on {} (50-PTU steps), buy a Regional reservation in {} covering {}, or resize the deployments",
                        res.id, res.region, res.subscription
                    )
                } else {
                    // A reservation matches one deployment type: with several
                    // on the resource, one of each.
                    let mut skus: Vec<&str> = e
                        .deployments
                        .iter()
                        .filter(|d| {
                            d.resource == res.id
                                && d.sizes.iter().any(|s| s.ptu > 0 && s.at < w.end)
                                && d.deleted.is_none_or(|x| x > w.start)
                        })
                        .map(|d| d.sku.label())
                        .collect();
                    skus.sort();
                    skus.dedup();
                    if skus.len() > 1 {
                        format!(
                            "buy one reservation per deployment type ({}) in {} covering {}, about {} PTU in all, or resize or delete the deployments",
                            skus.join(", "),
                            res.region,
                            res.subscription,
                            avg.round()
                        )
                    } else {
                        format!(
                            "buy a reservation of about {} PTU of the type deployed in {} covering {}, or resize or delete the deployments",
                            avg.round(),
                            res.region,
                            res.subscription
                        )
                    }
                };
                ctx.push(
                    out,
                    Draft {
                        kind,
                        severity: if ongoing { Severity::Critical } else { Severity::Warning },
                        subject: w.subject.clone(),
                        trigger,
                        at: trigger,
                        message: format!(
                            "{}: {} PTU-hours pay the hourly rate from {} to {} ({} over {}, about {} a day). {}",
                            w.subject,
                            fmt_ptu_hours_grouped(w.ptu_minutes),
                            short(w.start),
                            short(w.end),
                            money(w.cost),
                            ctx.next(),
                            money(per_day(w.cost, hours)),
                            w.explanation
                        ),
                        cost: w.cost,
                        level: per_day(w.cost, hours),
                        action,
                    },
                );
            }
            WindowKind::DoubleBilling => {
                let commitments: Vec<String> = commitments_beside(ctx, &w.subject);
                ctx.push(
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
                );
            }
            WindowKind::Unused => {}
        }
    }
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
                ctx.push(
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
                    let why = if let Some(sku) = other_types.first() {
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
                    ctx.push(
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
                    );
                    continue;
                }
                if pct >= threshold {
                    continue;
                }
                ctx.push(
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

/// Renewals due in the horizon (billing events): commitment_renewal, reservation_renewal.
fn renewals(ctx: &Ctx, bills: &[rating::BilledCharge], out: &mut Vec<Notification>) {
    for b in bills
        .iter()
        .filter(|b| b.charge == ChargeKind::Renewal && b.at >= ctx.at)
    {
        let (kind, action) = match b.kind {
            InstrumentKind::Commitment => (
                "commitment_renewal",
                "to stop or shrink it, set don't renew or autorenew at fewer PTUs before the renewal".to_string(),
            ),
            InstrumentKind::Reservation => (
                "reservation_renewal",
                "to stop or change it, set its renewal (none, or a replacement) before the renewal".to_string(),
            ),
        };
        ctx.push(
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
                action,
            },
        );
    }
}

/// Deployments of models that a resource with an active commitment cannot run.
fn models(ctx: &Ctx, out: &mut Vec<Notification>) {
    let e = ctx.estate;
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
            let trigger = d.created().max(active_from);
            ctx.push(
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
            );
        }
    }
}

/// Quota near or over its limit, now or within the horizon.
fn quotas(ctx: &Ctx, out: &mut Vec<Notification>) {
    let e = ctx.estate;
    for q in &e.quotas {
        let deps: Vec<&crate::domain::Deployment> = e
            .deployments
            .iter()
            .filter(|d| {
                d.sku == q.sku
                    && e.resource(&d.resource)
                        .is_some_and(|r| r.subscription == q.subscription && r.region == q.region)
            })
            .collect();
        if deps.is_empty() {
            continue;
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
            continue;
        };
        if lvl == 0 {
            continue;
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
        let sku = q.sku.label();
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
        ctx.push(
            out,
            Draft {
                kind,
                severity,
                subject: format!("{}/{}/{}", q.subscription, q.region, q.sku.azure_name()),
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
        );
    }
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
fn refunds(ctx: &Ctx, out: &mut Vec<Notification>) {
    for r in rating::refunds(ctx.estate, ctx.book, &ctx.opts) {
        let t = r.at;
        if !r.refused
            || t < ctx.from - Duration::days(ctx.settings.unused_window_days as i64)
            || t >= ctx.to
        {
            continue;
        }
        let left = r.headroom.max(Decimal::ZERO);
        ctx.push(
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
        );
    }
}

/// Acknowledgements that silence notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub id: String,
    pub at: Time,
    pub until: Option<Time>,
    pub note: String,
    /// The cost when acknowledged (as `check` showed it).
    pub cost: Decimal,
    /// The notification's [`Notification::level`] and severity when
    /// acknowledged: it returns if either grows.
    pub level: Decimal,
    pub severity: Severity,
}

impl Ack {
    /// An acknowledgement of `n` made at `at`.
    pub fn of(n: &Notification, at: Time, until: Option<Time>, note: &str) -> Ack {
        Ack {
            id: n.id.clone(),
            at,
            until,
            note: note.to_string(),
            cost: n.cost_impact,
            level: n.level,
            severity: n.severity,
        }
    }
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

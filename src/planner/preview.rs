//! The what-if of an edit: each edit is a pure function from an estate to
//! an edited estate; its preview rates both with the rating core and shows
//! the difference:
//! - the billed charges it adds, removes or changes (the core's bills of
//!   both estates: date, instrument, kind, amount), from the hour it takes
//!   effect to past the subject's next renewal or expiry, and at least over
//!   the current month and the next 30 days, so a renewal a renewal change
//!   adds or cancels months away is listed;
//! - for a resize or deletion, which bills nothing itself, its metered
//!   effect on the first day at the new size (hourly charges, PTU moving
//!   onto or off the hourly rate, discount capacity falling idle);
//! - the forecast delta for the current month and the next 30 days;
//! - what the changed object covers once it is made ("covers 300 of 400 PTU
//!   deployed in its scope, 25% idle over the next 30 days").
//!
//! [`check`] adds what Azure would refuse (a size off the model's step, a
//! quota passed, PTU added in the past, the refund limit): the preview says
//! why, and saving is refused. Saving applies the same function, with the
//! same checks ([`apply_checked`]); `ops::save_edit` does it inside one
//! store transaction.

use super::edits::apply_by_hand;
use crate::domain::Estate;
use crate::domain::money::fmt_money_grouped;
use crate::domain::plan::Edit;
use crate::domain::prices::PriceBook;
use crate::domain::terms::{self, CommitmentTerm, ReservationTerm, base_id};
use crate::domain::time::{Time, ceil_hour, floor_hour};
use crate::domain::validate::validate;
use crate::domain::{Commitment, Deployment, Reservation};
use crate::rating::{self, Basis, Bucket, ChargeKind, Request};
use chrono::Duration;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

/// What an edit is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target<'a> {
    Commitment(&'a str),
    Reservation(&'a str),
    Deployment(&'a str),
    /// A reservation not bought yet.
    NewReservation,
    /// A resource (a purge or a recovery).
    Resource,
}

/// The object the edit changes.
fn target(edit: &Edit) -> Target<'_> {
    match edit {
        Edit::CommitmentAddition { commitment, .. }
        | Edit::CommitmentRenewal { commitment, .. } => Target::Commitment(commitment),
        Edit::AddCommitment(c) => Target::Commitment(&c.id),
        Edit::ReservationScope { id, .. }
        | Edit::ReservationRenewal { id, .. }
        | Edit::Refund { id, .. }
        | Edit::CancelRefund { id }
        | Edit::ReplanReservation { id, .. }
        | Edit::RemoveReservation { id } => Target::Reservation(id),
        Edit::ResizeDeployment { deployment, .. }
        | Edit::DeleteDeployment { deployment, .. }
        | Edit::ModelVersion { deployment, .. } => Target::Deployment(deployment),
        Edit::AddDeployment(d) => Target::Deployment(&d.id),
        Edit::AddReservation(_) => Target::NewReservation,
        Edit::PurgeResource { .. } | Edit::RecoverResource { .. } => Target::Resource,
    }
}

/// Before and after of one forecast window (actual basis).
#[derive(Debug, Clone, PartialEq)]
pub struct Compare {
    pub from: Time,
    pub to: Time,
    pub before: Decimal,
    pub after: Decimal,
}

impl Compare {
    pub fn delta(&self) -> Decimal {
        self.after - self.before
    }
}

/// The rolling refund limit, before and after the edit.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundCheck {
    pub headroom_before: Decimal,
    pub headroom_after: Decimal,
}

impl RefundCheck {
    pub fn ok(&self) -> bool {
        self.headroom_after >= Decimal::ZERO
    }
}

/// One billed charge (a purchase, renewal, addition, monthly period or
/// refund credit, as the rating core bills it) that the edit adds, removes
/// or changes: `before` is the charge without the edit, `after` with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeChange {
    pub at: Time,
    /// The instrument (a reservation's renewed term is `res-1/r2`).
    pub id: String,
    pub kind: ChargeKind,
    pub before: Option<Decimal>,
    pub after: Option<Decimal>,
}

impl ChargeChange {
    pub fn delta(&self) -> Decimal {
        self.after.unwrap_or_default() - self.before.unwrap_or_default()
    }
}

/// Consecutive changes to one instrument's charges of one kind and the same
/// amounts (a refund's cancelled monthly periods), shown as one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeGroup {
    pub first: Time,
    pub last: Time,
    pub count: usize,
    pub id: String,
    pub kind: ChargeKind,
    pub before: Option<Decimal>,
    pub after: Option<Decimal>,
}

impl ChargeGroup {
    /// The change of all the charges in the group.
    pub fn delta(&self) -> Decimal {
        (self.after.unwrap_or_default() - self.before.unwrap_or_default())
            * Decimal::from(self.count as i64)
    }
}

/// Groups charge changes (in time order) for display.
pub fn group_charges(changes: &[ChargeChange]) -> Vec<ChargeGroup> {
    let mut out: Vec<ChargeGroup> = Vec::new();
    for c in changes {
        if let Some(g) = out.last_mut()
            && base_id(&g.id) == base_id(&c.id)
            && g.kind == c.kind
            && g.before == c.before
            && g.after == c.after
            && c.kind == ChargeKind::Period
        {
            g.last = c.at;
            g.count += 1;
            continue;
        }
        out.push(ChargeGroup {
            first: c.at,
            last: c.at,
            count: 1,
            id: c.id.clone(),
            kind: c.kind,
            before: c.before,
            after: c.after,
        });
    }
    out
}

/// A deployment edit's effect on a day of metered use: the first whole 24
/// hours at the new size, rated by the core with and without the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayEffect {
    pub from: Time,
    pub before: rating::Totals,
    pub after: rating::Totals,
}

impl DayEffect {
    /// The change of the day's hourly (pay-as-you-go) charges.
    pub fn hourly_delta(&self) -> Decimal {
        self.after.hourly - self.before.hourly
    }

    /// The change of the day's total (actual basis).
    pub fn total_delta(&self) -> Decimal {
        self.after.total() - self.before.total()
    }

    /// PTU (averaged over the day) that move onto or off the hourly rate.
    pub fn hourly_ptu_delta(&self) -> Decimal {
        Decimal::from(self.after.hourly_ptu_minutes - self.before.hourly_ptu_minutes)
            / Decimal::from(24 * 60)
    }

    /// PTU of commitment and reservation capacity (averaged over the day)
    /// that fall idle (positive) or get used (negative).
    pub fn idle_ptu_delta(&self) -> Decimal {
        let idle =
            |t: &rating::Totals| t.unused_commitment_ptu_minutes + t.unused_reservation_ptu_minutes;
        Decimal::from(idle(&self.after) - idle(&self.before)) / Decimal::from(24 * 60)
    }
}

/// An edit's priced what-if.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub summary: String,
    /// The billed charges the edit adds, removes or changes over `span`, in
    /// time order.
    pub charges: Vec<ChargeChange>,
    /// The span the bills were compared over: from the hour the edit takes
    /// effect to past the subject's next renewal (at least the next 30 days
    /// and the current month).
    pub span: (Time, Time),
    /// For a resize or deletion: the day after it takes effect.
    pub day: Option<DayEffect>,
    pub month: Compare,
    pub next30: Compare,
    pub refund: Option<RefundCheck>,
    /// Why it can't be saved (Azure would refuse it): sizes off the
    /// model's step, a quota passed, a back-dated addition, the refund limit.
    pub blockers: Vec<String>,
    /// What to know that does not stop it (a time in the past).
    pub warnings: Vec<String>,
    /// What the changed object covers once the edit is made, over the next
    /// 30 days (720 hours) from the hour it takes effect, rated by the
    /// core: `covers 300 of 400 PTU deployed in its scope, 25% idle over
    /// the next 30 days`.
    pub covers: Option<String>,
}

impl Preview {
    /// The net of the billed charges it adds and removes.
    pub fn billed(&self) -> Decimal {
        self.charges.iter().map(ChargeChange::delta).sum()
    }

    pub fn can_save(&self) -> bool {
        self.blockers.is_empty()
    }
}

/// A preview, or why the edit can't be made.
pub type PreviewOutcome = Result<Preview, String>;

/// The bills of every instrument in `[from, to)`, as the rating core
/// prepares them: (instant, instrument, kind, amount).
fn bills(
    e: &Estate,
    book: &PriceBook,
    opts: &rating::Options,
    from: Time,
    to: Time,
) -> Result<Vec<(Time, String, ChargeKind, Decimal)>, String> {
    let p = rating::prepare::Prepared::new(e, book, from, to, opts)
        .map_err(|err| rating_words(e, &err))?;
    let mut out: Vec<_> = p
        .instruments
        .iter()
        .flat_map(|i| {
            i.bills
                .iter()
                .filter(|b| b.at >= from && b.at < to)
                .map(|b| (b.at, i.id.clone(), b.kind, b.amount))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The charges in `after` that differ from `before`, matched by instant,
/// instrument and kind.
pub fn diff_bills(
    before: &[(Time, String, ChargeKind, Decimal)],
    after: &[(Time, String, ChargeKind, Decimal)],
) -> Vec<ChargeChange> {
    use std::collections::BTreeMap;
    type Key = (Time, String, ChargeKind);
    let mut map: BTreeMap<Key, (Vec<Decimal>, Vec<Decimal>)> = BTreeMap::new();
    for (at, id, kind, amount) in before {
        map.entry((*at, id.clone(), *kind))
            .or_default()
            .0
            .push(*amount);
    }
    for (at, id, kind, amount) in after {
        map.entry((*at, id.clone(), *kind))
            .or_default()
            .1
            .push(*amount);
    }
    let mut out = Vec::new();
    for ((at, id, kind), (b, a)) in map {
        for i in 0..b.len().max(a.len()) {
            let (before, after) = (b.get(i).copied(), a.get(i).copied());
            if before != after {
                out.push(ChargeChange {
                    at,
                    id: id.clone(),
                    kind,
                    before,
                    after,
                });
            }
        }
    }
    out
}

/// When the subject instrument's term in force at the edit ends (its next
/// renewal or expiry), with and without the edit: the span of the bills
/// compared reaches past it.
fn next_billing_event(edit: &Edit, at: Time, current: &Estate, edited: &Estate) -> Option<Time> {
    let mut out: Option<Time> = None;
    for e in [current, edited] {
        let end = match target(edit) {
            Target::Commitment(id) => e
                .commitments
                .iter()
                .find(|c| c.id == id)
                .and_then(|c| commitment_term(e, c, at))
                .filter(|(_, state)| *state != "expired")
                .map(|(t, _)| t.end),
            Target::Reservation(id) => e
                .reservations
                .iter()
                .find(|r| r.id == id)
                .and_then(|r| reservation_term(r, at))
                .filter(|(_, state)| *state == "active" || *state == "planned")
                .map(|(t, _)| t.end),
            Target::NewReservation => Some(at),
            Target::Deployment(_) | Target::Resource => None,
        };
        out = out.max(end);
    }
    out
}

/// What stops an edit or is worth a word, on top of the estate's own rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checks {
    pub blockers: Vec<String>,
    pub warnings: Vec<String>,
    pub refund: Option<RefundCheck>,
}

/// Checks an applied edit the way Azure would: a deployment's size must be
/// one its model and type can be deployed at (assets/deployment_sizes.json)
/// and fit the subscription's quota for the region and type; PTU can't be
/// added to a commitment in the past; a refund must stay within the rolling
/// USD 50,000 limit. A time before `now` is otherwise a warning (recording
/// a change made in Azure already is legitimate).
pub fn check(
    edit: &Edit,
    current: &Estate,
    edited: &Estate,
    book: &PriceBook,
    opts: &rating::Options,
    now: Time,
) -> Checks {
    let mut c = Checks::default();
    let at = edit.at().unwrap_or(now);
    if at < now {
        match edit {
            Edit::CommitmentAddition { .. } => c.blockers.push(format!(
                "PTU can't be added in the past: Azure bills an addition from the moment it is made. Set At to now ({}) or later.",
                minute(now)
            )),
            _ => c.warnings.push(format!(
                "{} is before now ({}): saved, the store records it as done then, as for a change already made in Azure.",
                minute(at),
                minute(now)
            )),
        }
    }
    match edit {
        Edit::ResizeDeployment {
            deployment, ptu, ..
        } => {
            if let Some(d) = edited.deployments.iter().find(|d| &d.id == deployment) {
                match crate::domain::sizes::rule(&d.model, d.sku) {
                    Some(None) => c.blockers.push(format!(
                        "{} is not offered as a {} deployment: Azure refuses the size.",
                        d.model,
                        d.sku.label()
                    )),
                    Some(Some((min, step))) if !crate::domain::sizes::allowed(*ptu, min, step) => {
                        c.blockers.push(format!(
                            "{} {} deployments come in steps of {step} PTU from {min}: Azure refuses {ptu}; {}.",
                            d.model,
                            d.sku.label(),
                            size_hint(*ptu, min, step)
                        ))
                    }
                    _ => {}
                }
            }
            if let Some(b) = quota_blocker(current, edited, deployment, at) {
                c.blockers.push(b);
            }
        }
        Edit::Refund {
            at,
            id: reservation,
        } => {
            let before = rating::refund_headroom(&rating::refunds(current, book, opts), *at);
            let after = rating::refunds(edited, book, opts);
            let this = after.iter().find(|r| &r.reservation == reservation);
            let r = RefundCheck {
                headroom_before: before,
                headroom_after: match this {
                    Some(x) if x.refused => -x.excess(),
                    Some(x) => x.headroom - x.cancelled,
                    None => before,
                },
            };
            if let Some(x) = this.filter(|x| x.refused) {
                c.blockers.push(format!(
                    "The refund cancels {} of commitment and passes the USD 50,000 rolling 12-month cancellation limit by {}: Azure refuses it.",
                    money(x.cancelled),
                    money(x.excess())
                ));
            }
            c.refund = Some(r);
        }
        _ => {}
    }
    c
}

/// The allowed sizes either side of `ptu`.
fn size_hint(ptu: i64, min: i64, step: i64) -> String {
    if ptu < min {
        return format!("the smallest is {min}");
    }
    let below = min + (ptu - min) / step * step;
    format!("try {below} or {}", below + step)
}

/// Over the quota of the deployment's subscription, region and type at
/// the edit or later, where the edit makes it worse.
fn quota_blocker(current: &Estate, edited: &Estate, deployment: &str, at: Time) -> Option<String> {
    let d = edited.deployments.iter().find(|d| d.id == deployment)?;
    let res = edited.resource(&d.resource)?;
    let q = edited.quotas.iter().find(|q| {
        q.model.is_none()
            && q.subscription == res.subscription
            && q.region == res.region
            && q.sku == d.sku
    })?;
    // The deployments drawing on the quota, found once per estate, each
    // with its resource's purge (as `live_ptu` reads it).
    fn members<'e>(
        e: &'e Estate,
        q: &crate::domain::Quota,
    ) -> Vec<(&'e crate::domain::Deployment, Option<Time>)> {
        // The first resource of an id, as `Estate::resource` finds it.
        let mut first: FxHashMap<&str, Option<Option<Time>>> = FxHashMap::default();
        for r in &e.resources {
            first.entry(r.id.as_str()).or_insert(
                (r.subscription == q.subscription && r.region == q.region).then_some(r.purged),
            );
        }
        e.deployments
            .iter()
            .filter(|x| x.sku == q.sku)
            .filter_map(|x| Some((x, (*first.get(x.resource.as_str())?)?)))
            .collect()
    }
    let (now_pool, edited_pool) = (members(current, q), members(edited, q));
    let mut instants: Vec<Time> = edited_pool
        .iter()
        .flat_map(|(x, _)| x.sizes.iter().map(|s| s.at).chain(x.deleted))
        .filter(|t| *t > at)
        .collect();
    instants.push(at);
    instants.sort();
    instants.dedup();
    let (after, before) = (
        used_at(&edited_pool, &instants),
        used_at(&now_pool, &instants),
    );
    (0..instants.len()).find_map(|k| {
        let (t, after) = (instants[k], after[k]);
        (after > q.limit && after > before[k]).then(|| {
            format!(
                "Over quota: {} has {} PTU of {} quota in {}, and this makes {after} deployed from {} ({} over). Azure refuses it: request more quota, or shrink another deployment there first.",
                q.subscription,
                q.limit,
                q.sku.label(),
                q.region,
                minute(t),
                after - q.limit
            )
        })
    })
}

/// The PTU the deployments of `pool` (each with its resource's purge)
/// hold at each of `instants` (in order): the sum at the first, then only
/// the deployments that change between one instant and the next read again.
fn used_at(pool: &[(&Deployment, Option<Time>)], instants: &[Time]) -> Vec<i64> {
    let Some(&first) = instants.first() else {
        return Vec::new();
    };
    let mut vals: Vec<i64> = pool
        .iter()
        .map(|(x, purged)| ptu_unless_purged(x, *purged, first))
        .collect();
    // (instant index, member): the first instant at or after each change.
    let mut changes: Vec<(usize, usize)> = Vec::new();
    for (m, (x, purged)) in pool.iter().enumerate() {
        for p in x.sizes.iter().map(|s| s.at).chain(x.deleted).chain(*purged) {
            if p > first {
                let k = instants.partition_point(|t| *t < p);
                if k < instants.len() {
                    changes.push((k, m));
                }
            }
        }
    }
    changes.sort_unstable();
    changes.dedup();
    let mut sum: i64 = vals.iter().sum();
    let mut out = Vec::with_capacity(instants.len());
    out.push(sum);
    let mut next = 0;
    for (k, &t) in instants.iter().enumerate().skip(1) {
        while next < changes.len() && changes[next].0 == k {
            let m = changes[next].1;
            let (x, purged) = pool[m];
            let v = ptu_unless_purged(x, purged, t);
            sum += v - vals[m];
            vals[m] = v;
            next += 1;
        }
        out.push(sum);
    }
    out
}

/// A rating error in the user's words (the estate's rules name JSON paths).
pub fn rating_words(e: &Estate, err: &rating::RatingError) -> String {
    match err {
        rating::RatingError::Invalid(m) => match m.split_once(": ") {
            Some((path, message)) if path.starts_with("$.") => user_words(e, path, message),
            _ => m.clone(),
        },
        other => other.to_string(),
    }
}

/// An estate rule's complaint (a JSON path and what was expected) in the
/// words of the panes: the object by its id, the field by what it means.
pub fn user_words(e: &Estate, path: &str, message: &str) -> String {
    let rest = path.trim_start_matches("$.");
    let (list, rest) = rest.split_once('[').unwrap_or((rest, ""));
    let (index, field) = rest.split_once(']').unwrap_or(("", ""));
    let field = field.trim_start_matches('.');
    let i: Option<usize> = index.parse().ok();
    let object = match (list, i) {
        ("commitments", Some(i)) => e.commitments.get(i).map(|c| format!("commitment {}", c.id)),
        ("reservations", Some(i)) => e
            .reservations
            .get(i)
            .map(|r| format!("reservation {}", r.id)),
        ("deployments", Some(i)) => e.deployments.get(i).map(|d| format!("deployment {}", d.id)),
        ("resources", Some(i)) => e.resources.get(i).map(|r| format!("resource {}", r.id)),
        ("quotas", Some(i)) => e.quotas.get(i).map(|q| {
            format!(
                "the {} quota of {} in {}",
                q.sku.label(),
                q.subscription,
                q.region
            )
        }),
        _ => None,
    }
    .unwrap_or_else(|| "the estate".to_string());
    let head = field.split(['[', '.']).next().unwrap_or("");
    let what = match head {
        "additions" => "the PTU addition",
        "renewal_changes" => "the renewal change",
        "renewal" => "the renewal setting",
        "scope_changes" => "the scope change",
        "sizes" => "the size change",
        "refunded_at" => "the refund",
        "deleted" => "the deletion",
        "start" => "the start",
        "ptu" => "the PTU count",
        "scope" => "the scope",
        _ => "it",
    };
    let said = [
        ("expected an instant ", "must be "),
        ("expected a resize ", "must come "),
        ("expected a creation ", "must come "),
        (
            "expected entries in time order: ",
            "must come in time order: ",
        ),
        ("expected at most ", "can be at most "),
        ("expected a multiple of ", "must be a multiple of "),
        (
            "expected a positive number of ",
            "must be a positive number of ",
        ),
        (
            "expected a management group ",
            "must be a management group ",
        ),
        (
            "expected one commitment at a time ",
            "allows one commitment at a time ",
        ),
        ("expected ", "must be "),
    ]
    .iter()
    .find_map(|(from, to)| message.strip_prefix(from).map(|m| format!("{to}{m}")))
    .unwrap_or_else(|| message.to_string());
    format!(
        "Not possible: {object}: {what} {}.",
        said.trim_end_matches('.')
    )
}

/// Rates the edit against the current estate (`now` is the app's clock:
/// what counts as the past).
#[allow(clippy::too_many_arguments)]
pub fn preview(
    current: &Estate,
    edit: &Edit,
    book: &PriceBook,
    opts: &rating::Options,
    month: (Time, Time),
    next30: (Time, Time),
    now: Time,
) -> PreviewOutcome {
    let current = std::sync::Arc::new(current.clone());
    let mut baseline = rating::whatif::Baseline::default();
    preview_with(
        &mut baseline,
        &current,
        edit,
        book,
        opts,
        month,
        next30,
        now,
    )
}

/// [`preview`] on a [`Baseline`](rating::whatif::Baseline) of the current
/// estate: its totals are rated once per window and kept, and the edited
/// estate is rated only in the (region, deployment type) keys the edit
/// touches.
#[allow(clippy::too_many_arguments)]
pub fn preview_with(
    baseline: &mut rating::whatif::Baseline,
    current_arc: &std::sync::Arc<Estate>,
    edit: &Edit,
    book: &PriceBook,
    opts: &rating::Options,
    month: (Time, Time),
    next30: (Time, Time),
    now: Time,
) -> PreviewOutcome {
    let current: &Estate = current_arc;
    let edited = apply_by_hand(current, edit)?;
    // An edit of deployments alone is checked against the current
    // estate's other objects, checked once; any other edit, or one found
    // invalid (for the message), by the whole estate's rules.
    let deployments_only = crate::domain::validate::same_but_deployments(current, &edited);
    if !(deployments_only && baseline.frame(current_arc).valid_with(&edited.deployments)) {
        validate(&edited).map_err(|v| user_words(&edited, &v.path, &v.message))?;
    }
    let checks = check(edit, current, &edited, book, opts, now);
    let at = edit.at().unwrap_or(now);
    let from = floor_hour(at);
    let mut to = next30.1.max(month.1).max(from + Duration::days(30));
    if let Some(t) = next_billing_event(edit, at, current, &edited) {
        to = to.max(ceil_hour(t) + Duration::hours(1));
    }
    to = to.min(from + Duration::days(3 * 366));
    // Bills differ only in the keys the edit touches.
    let parts = rating::whatif::touched(current, &edited)
        .map(|t| rating::whatif::Parts::new(current, &edited, t));
    let charges = match &parts {
        Some(p) => diff_bills(
            &bills(&p.current, book, opts, from, to)?,
            &bills(&p.edited, book, opts, from, to)?,
        ),
        None => diff_bills(
            &bills(current, book, opts, from, to)?,
            &bills(&edited, book, opts, from, to)?,
        ),
    };
    // The day after the change (resizes and deletions), the month, the
    // next 30 days: the current estate's totals kept by the baseline, the
    // edited estate's rated together over the hours they cover.
    let day_from = match edit {
        Edit::ResizeDeployment { at, .. } | Edit::DeleteDeployment { at, .. } => {
            Some(ceil_hour(*at))
        }
        _ => None,
    };
    let windows: Vec<(Time, Time)> = day_from
        .map(|h| (h, h + Duration::days(1)))
        .into_iter()
        .chain([month, next30])
        .collect();
    let reqs: Vec<Request> = windows
        .iter()
        .map(|&(from, to)| Request {
            from,
            to,
            basis: Basis::Actual,
            by: Bucket::Month,
        })
        .collect();
    let before = reqs
        .iter()
        .map(|req| baseline.totals(current_arc, book, req, opts))
        .collect::<Result<Vec<rating::Totals>, _>>()
        .map_err(|err| rating_words(current, &err))?;
    // The coverage line rates the edited key on its own: on a second core
    // beside the windows' totals where the machine has one (here when no
    // thread could be started).
    let line = || covers(current, &edited, edit, book, opts, now);
    let two = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    let (after, covers) = std::thread::scope(|s| {
        let side = two
            .then(|| std::thread::Builder::new().spawn_scoped(s, line).ok())
            .flatten();
        let after =
            baseline.totals_after_all(current_arc, &edited, parts.as_ref(), book, &reqs, opts);
        let line = match side {
            Some(side) => side.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            None => line(),
        };
        (after, line)
    });
    let after = after.map_err(|err| rating_words(&edited, &err))?;
    let covers = covers?;
    let mut rated = windows.into_iter().zip(before).zip(after);
    let day = day_from
        .and_then(|_| rated.next())
        .map(|((w, before), after)| DayEffect {
            from: w.0,
            before,
            after,
        });
    let mut cmp = || {
        let ((w, before), after) = rated.next().expect("a window per request");
        Compare {
            from: w.0,
            to: w.1,
            before: before.total(),
            after: after.total(),
        }
    };
    let (month, next30) = (cmp(), cmp());
    Ok(Preview {
        covers,
        summary: edit.summary(),
        charges,
        span: (from, to),
        day,
        month,
        next30,
        refund: checks.refund,
        blockers: checks.blockers,
        warnings: checks.warnings,
    })
}

/// What the edit's object covers once it is made, over the next 30 days
/// from the hour it takes effect (never before now): an instrument's cover
/// and idle share; a deployment's cover by discounts; for a deletion, what
/// the discounts that covered it cover afterwards.
fn covers(
    current: &Estate,
    edited: &Estate,
    edit: &Edit,
    book: &PriceBook,
    opts: &rating::Options,
    now: Time,
) -> Result<Option<String>, String> {
    use crate::rating::coverage::{deployment_coverage, instrument_coverage, next_30_days};
    let (from, to) = next_30_days(edit.at().unwrap_or(now).max(now));
    let words = |e: &Estate, err: rating::RatingError| rating_words(e, &err);
    let instrument = |id: &str| -> Result<Option<String>, String> {
        Ok(instrument_coverage(edited, book, opts, id, from, to)
            .map_err(|err| words(edited, err))?
            .map(|c| c.describe_instrument()))
    };
    match (edit, target(edit)) {
        (Edit::AddReservation(r), _) => instrument(&r.id),
        (_, Target::Commitment(id) | Target::Reservation(id)) => instrument(id),
        (Edit::DeleteDeployment { deployment, .. }, _) => {
            let Some(before) = deployment_coverage(current, book, opts, deployment, from, to)
                .map_err(|err| words(current, err))?
            else {
                return Ok(None);
            };
            if before.instruments.is_empty() {
                return Ok(Some(
                    "no discount covered it over the next 30 days: nothing falls idle".into(),
                ));
            }
            let mut parts = Vec::new();
            for id in &before.instruments {
                if let Some(text) = instrument(id)? {
                    parts.push(format!("{id} then {text}"));
                }
            }
            Ok(Some(parts.join("; ")))
        }
        (_, Target::Deployment(id)) => Ok(deployment_coverage(edited, book, opts, id, from, to)
            .map_err(|err| words(edited, err))?
            .map(|c| c.describe_deployment())),
        (_, Target::NewReservation | Target::Resource) => Ok(None),
    }
}

/// Applies an edit for saving: the estate's rules and [`check`]'s
/// blockers refuse it, in the user's words.
pub fn apply_checked(
    edit: &Edit,
    current: &Estate,
    book: &PriceBook,
    opts: &rating::Options,
    now: Time,
) -> Result<Estate, String> {
    let edited = apply_by_hand(current, edit)?;
    validate(&edited).map_err(|v| user_words(&edited, &v.path, &v.message))?;
    let checks = check(edit, current, &edited, book, opts, now);
    if let Some(b) = checks.blockers.first() {
        return Err(b.clone());
    }
    Ok(edited)
}

/// Money as the panes show it: `$1,234.50`, `-$2.00` (never `-$0.00`).
fn money(d: Decimal) -> String {
    let s = fmt_money_grouped(d);
    match s.strip_prefix('-') {
        Some(rest) if rest.trim_start_matches(['0', '.', ',']).is_empty() => format!("${rest}"),
        Some(rest) => format!("-${rest}"),
        None => format!("${s}"),
    }
}

/// To the minute, without the zone (the panes' headers say UTC).
fn minute(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// Live PTU of a deployment at `t` (0 once its resource is purged).
pub fn live_ptu(e: &Estate, d: &Deployment, t: Time) -> i64 {
    let purged = e.resource(&d.resource).and_then(|r| r.purged);
    ptu_unless_purged(d, purged, t)
}

/// The deployment's PTU at `t`, none once its resource is purged.
fn ptu_unless_purged(d: &Deployment, purged: Option<Time>, t: Time) -> i64 {
    if purged.is_some_and(|p| p <= t) {
        0
    } else {
        d.ptu_at(t)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Profile, generate_profile};

    /// The quota check's running sums are the deployments' PTU summed
    /// afresh at every instant: over deletions, resizes and purges, at the
    /// change instants themselves and between them.
    #[test]
    fn running_quota_sums_are_the_sums_at_each_instant() {
        let base: Time = "2027-01-01T00:00:00Z".parse().unwrap();
        for profile in [Profile::Spread, Profile::Concentrated] {
            let mut e = generate_profile(200, 5, base, profile);
            // A purge on every seventh resource, some before and some
            // after its deployments change.
            for (k, r) in e.resources.iter_mut().enumerate().filter(|x| x.0 % 7 == 0) {
                r.purged = Some(base - Duration::days(20) + Duration::hours(5 * k as i64));
            }
            let purge: std::collections::HashMap<&str, Option<Time>> = e
                .resources
                .iter()
                .map(|r| (r.id.as_str(), r.purged))
                .collect();
            let pool: Vec<(&Deployment, Option<Time>)> = e
                .deployments
                .iter()
                .map(|d| (d, purge[d.resource.as_str()]))
                .collect();
            let mut instants: Vec<Time> = pool
                .iter()
                .flat_map(|(d, p)| d.sizes.iter().map(|s| s.at).chain(d.deleted).chain(*p))
                .flat_map(|t| [t, t + Duration::minutes(7)])
                .collect();
            instants.push(base - Duration::days(60));
            instants.sort();
            instants.dedup();
            let sums = used_at(&pool, &instants);
            assert_eq!(sums.len(), instants.len());
            let mut changes = 0;
            for (k, &t) in instants.iter().enumerate() {
                let direct: i64 = pool.iter().map(|(d, p)| ptu_unless_purged(d, *p, t)).sum();
                assert_eq!(sums[k], direct, "{profile:?} at {t}");
                changes += usize::from(k > 0 && sums[k] != sums[k - 1]);
            }
            assert!(
                changes > 50,
                "{profile:?}: only {changes} changes in the sums"
            );
        }
    }

    /// A preview checks an edit of deployments against the current
    /// estate's other objects, checked once per estate: a deployment on a
    /// resource the estate lacks is refused in the whole estate's words,
    /// the same baseline then previews an estate that has the resource,
    /// and back.
    #[test]
    fn previews_check_deployment_edits_against_the_estate_they_edit() {
        let base: Time = "2027-01-01T00:00:00Z".parse().unwrap();
        let book = PriceBook::default_book();
        let opts = rating::Options::default();
        let month = (base, base + Duration::days(31));
        let next30 = (base, base + Duration::days(30));
        let without = generate_profile(200, 5, base, Profile::Concentrated);
        let live = without
            .deployments
            .iter()
            .find(|d| d.deleted.is_none() && d.ptu_at(base) > 0)
            .expect("a live deployment")
            .clone();
        let mut with = without.clone();
        let mut r = with.resource(&live.resource).expect("its resource").clone();
        r.id = "aoai-new".into();
        with.resources.push(r);
        let edit = Edit::AddDeployment(Deployment {
            id: "dep-new".into(),
            resource: "aoai-new".into(),
            ..live.clone()
        });
        let (without, with) = (std::sync::Arc::new(without), std::sync::Arc::new(with));
        let mut baseline = rating::whatif::Baseline::default();
        let mut preview = |e: &std::sync::Arc<Estate>| {
            preview_with(&mut baseline, e, &edit, &book, &opts, month, next30, base)
        };
        let refused = {
            let edited = apply_by_hand(&without, &edit).unwrap();
            let v = validate(&edited).expect_err("no such resource");
            user_words(&edited, &v.path, &v.message)
        };
        assert!(refused.contains("aoai-new"), "{refused}");
        for _ in 0..2 {
            assert_eq!(preview(&without).err(), Some(refused.clone()));
            let p = preview(&with).expect("the resource is there");
            assert!(p.next30.after > p.next30.before, "{:?}", p.next30);
        }
    }
}

//! Remedies: the concrete changes to the estate that answer a notification,
//! each priced by the rating core as a what-if against doing nothing.
//!
//! A remedy is a list of [`Edit`]s (the shape a plan's steps apply, so
//! `fix --apply` and `plan --apply` write the same thing). [`Pricer`] rates
//! the estate with and without them on the amortized basis and reports the
//! saving (positive: the remedy costs less than doing nothing) over the
//! horizon and over the workload's [`Lifetime`], the remedy's cost a day on
//! the objects the notification is about, and what it commits to after the
//! horizon.
//!
//! # Decisions where the sources are silent
//!
//! - Discounts never cross a region, so a remedy is rated on the region's
//!   part of the estate (its resources, deployments, commitments and
//!   reservations, plus every refunded reservation, which counts against
//!   the refund limit wherever it is). Figures are exactly those of the
//!   whole estate for that region. Within it, a remedy is rated only on
//!   the (region, deployment type) keys its changes touch (rating is
//!   additive over them, [`rating::whatif`]), before and after; savings so
//!   found are kept to 12 decimal places (what lies below is the rounding
//!   of 28-digit sums, not money).
//! - Saving over the lifetime: the amortized cost from the current hour to
//!   the lifetime's end, plus, for a lifetime that ends (a planned
//!   deletion), what the estate still owes for terms in force at the end
//!   (capacity paid for after the workload is gone). An open-ended lifetime
//!   counts no such tail: the workload goes on using it.
//! - `committed_after_horizon` is what the remedy adds to the charges that
//!   fall after the horizon for terms in force at its end (renewals after
//!   the horizon can still be turned off, so they don't count): a one-year
//!   purchase's remaining months; negative when the remedy ends a term.
//! - `cost_per_day`: what the notification's resources (their hourly
//!   charges) and instruments (their charges, and any the remedy buys) cost
//!   a day over the horizon once the remedy is made, amortized.
//! - A reservation is sized from the hours the deployments in its scope pay
//!   the hourly rate over the horizon, each hour at the rated average of its
//!   window: the largest PTU count paid hourly in at least the break-even
//!   share of those hours (monthly price / (730 x hourly price); for a
//!   one-year term its twelfth of the yearly price). The hours counted run
//!   from the first that pays hourly to the end of the horizon. Below one
//!   PTU the remedy is to stay hourly. The term is one year when the
//!   lifetime reaches its break-even months (yearly price / monthly price),
//!   else one month; a one-month term autorenews until a planned deletion.
//!   New reservations are scoped to the subscription of the resource that
//!   pays hourly, one-month terms billed up front, one-year terms monthly,
//!   bought at the first hour that pays hourly (never before the next whole
//!   hour): deploy first, then buy.

use super::edits::apply_edits;
use super::{PlanError, when};
use crate::domain::money::fmt_money_grouped;
use crate::domain::plan::{Edit, Lifetime, Remedy, RemedyKind, Step};
use crate::domain::prices::{PriceBook, PriceKind};
use crate::domain::time::{Time, add_months, ceil_hour, floor_hour};
use crate::domain::{
    Billing, CommitmentRenewal, CommitmentRenewalChange, Estate, Reservation, ReservationRenewal,
    ReservationRenewalChange, Scope, Sku, Term, terms,
};
use crate::rating::whatif::Key;
use crate::rating::{self, Basis, Bucket, Forecast, Request, WindowKind};
use chrono::Duration;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

pub use super::lifetime::lifetime_of;

/// The end of the window a lifetime's figures cover, from `from`.
fn life_end(l: Lifetime, from: Time) -> Time {
    ceil_hour(l.end(from)).max(from + Duration::hours(1))
}

/// A lifetime's length in months (days / (365 / 12)).
fn life_months(l: Lifetime, now: Time) -> Decimal {
    match l {
        Lifetime::Until(t) => {
            Decimal::from((t - now).num_hours().max(0)) * Decimal::from(12)
                / Decimal::from(365 * 24)
        }
        Lifetime::OpenEnded { assumed_months } => Decimal::from(assumed_months),
    }
}

impl RemedyKind {
    pub fn name(self) -> &'static str {
        match self {
            RemedyKind::Rescope => "rescope",
            RemedyKind::Convert => "convert",
            RemedyKind::RenewalOff => "renewal_off",
            RemedyKind::RenewFewer => "renew_fewer",
            RemedyKind::ReplaceRenewal => "replace_renewal",
            RemedyKind::GrowCommitment => "grow_commitment",
            RemedyKind::Refund => "refund",
            RemedyKind::BuyReservation => "buy_reservation",
            RemedyKind::StayHourly => "stay_hourly",
            RemedyKind::Resize => "resize",
            RemedyKind::Delete => "delete",
            RemedyKind::Purge => "purge",
            RemedyKind::Recover => "recover",
            RemedyKind::RequestQuota => "request_quota",
            RemedyKind::Move => "move",
            RemedyKind::Upgrade => "upgrade",
            RemedyKind::Redate => "redate",
            RemedyKind::CancelRefund => "cancel_refund",
            RemedyKind::None => "none",
        }
    }
}

/// The id of the object an edit changes.
pub fn edit_object(e: &Edit) -> &str {
    match e {
        Edit::CommitmentRenewal { commitment, .. }
        | Edit::CommitmentAddition { commitment, .. } => commitment,
        Edit::AddCommitment(c) => &c.id,
        Edit::AddReservation(r) => &r.id,
        Edit::ReplanReservation { id, .. }
        | Edit::RemoveReservation { id }
        | Edit::ReservationScope { id, .. }
        | Edit::ReservationRenewal { id, .. }
        | Edit::Refund { id, .. }
        | Edit::CancelRefund { id } => id,
        Edit::AddDeployment(d) => &d.id,
        Edit::DeleteDeployment { deployment, .. }
        | Edit::ResizeDeployment { deployment, .. }
        | Edit::ModelVersion { deployment, .. } => deployment,
        Edit::PurgeResource { resource, .. } | Edit::RecoverResource { resource } => resource,
    }
}

impl Remedy {
    /// The ids of the objects it changes, in order, once each.
    pub fn objects(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in &self.changes {
            let id = edit_object(e);
            if !out.iter().any(|x| x == id) {
                out.push(id.to_string());
            }
        }
        out
    }
}

/// A remedy before pricing.
#[derive(Debug, Clone)]
pub struct Draft {
    pub kind: RemedyKind,
    pub summary: String,
    pub changes: Vec<Edit>,
    pub steps: Vec<Step>,
    pub safe: bool,
    pub why_not: Option<String>,
}

impl Draft {
    pub fn new(kind: RemedyKind, summary: impl Into<String>) -> Draft {
        Draft {
            kind,
            summary: summary.into(),
            changes: vec![],
            steps: vec![],
            safe: true,
            why_not: None,
        }
    }

    pub(crate) fn change(mut self, at: Time, action: impl Into<String>, edit: Edit) -> Draft {
        self.steps.push(Step {
            at,
            action: action.into(),
        });
        self.changes.push(edit);
        self
    }

    pub(crate) fn unsafe_because(mut self, why: impl Into<String>) -> Draft {
        self.safe = false;
        self.why_not = Some(why.into());
        self
    }
}

/// What a remedy's cost a day is measured on: the notification's resources
/// (their hourly charges) and instruments (base ids: their charges).
#[derive(Debug, Clone, Default)]
pub struct Focus {
    pub resources: Vec<String>,
    pub instruments: Vec<String>,
}

/// Values computed once per key and shared between threads: the first
/// thread that asks for a key computes its value, and another that asks for
/// the same key meanwhile waits for it; a computation that fails keeps
/// nothing (the next ask tries again). What a pricer keeps depends on its
/// key alone, so which thread computed it never shows.
pub(crate) struct Memo<K, V> {
    cells: Mutex<BTreeMap<K, Arc<Mutex<Option<V>>>>>,
}

/// A lock, also after a panic on another thread (which that thread's
/// join passes on).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<K: Ord + Clone, V: Clone> Memo<K, V> {
    pub(crate) fn new() -> Memo<K, V> {
        Memo {
            cells: Mutex::new(BTreeMap::new()),
        }
    }

    /// The value of `key`, made by `make` if no thread has made it yet.
    pub(crate) fn get_or_try<E>(
        &self,
        key: &K,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        let cell = {
            let mut cells = lock(&self.cells);
            match cells.get(key) {
                Some(c) => c.clone(),
                None => {
                    let c = Arc::new(Mutex::new(None));
                    cells.insert(key.clone(), c.clone());
                    c
                }
            }
        };
        let mut slot = lock(&cell);
        if let Some(v) = slot.as_ref() {
            return Ok(v.clone());
        }
        let v = make()?;
        *slot = Some(v.clone());
        Ok(v)
    }

    /// [`Memo::get_or_try`] of a computation that can't fail.
    pub(crate) fn get_or(&self, key: &K, make: impl FnOnce() -> V) -> V {
        match self.get_or_try(key, || Ok::<V, std::convert::Infallible>(make())) {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }
}

/// `f` of each item, in the items' order. Where the machine has more than
/// one core, two threads share the items, each taking the next one not yet
/// taken. For work whose result depends on its item alone (a notification
/// rule reads the estate and the pricers, whose [`Memo`]s hold figures that
/// depend on their keys alone), so the results are those of one thread.
pub(crate) fn each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let two = items.len() > 1 && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    let mut done = if two {
        std::thread::scope(|s| {
            let other = s.spawn(work);
            let mut mine = work();
            mine.extend(
                other
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
            mine
        })
    } else {
        work()
    };
    done.sort_by_key(|x| x.0);
    done.into_iter().map(|x| x.1).collect()
}

/// A rated estate's figures.
struct Figures {
    horizon: Forecast,
    life: Decimal,
    after_horizon: Decimal,
    /// What its rating made, kept for a part as it is: what-ifs on the
    /// part reuse the steps of the pools they leave alone, and the
    /// instruments when they change only deployments.
    reuse: Option<rating::whatif::Reusable>,
}

/// Prices remedies against doing nothing, for the part of an estate in a
/// set of regions.
pub struct Pricer<'a> {
    estate: Estate,
    book: &'a PriceBook,
    prices: PriceBook,
    opts: rating::Options,
    pub now: Time,
    from: Time,
    h_to: Time,
    /// The slice's figures as it is, per lifetime (what a draft rated on
    /// the whole slice, or one that changes nothing, compares with).
    base: Memo<(Time, bool), Arc<Figures>>,
    /// The slice's horizon as it is, rated once whatever the lifetime:
    /// what every draft's cost a day starts from.
    base_horizon: Memo<(), Arc<Forecast>>,
    /// The current estate's parts by the keys a remedy touches, with their
    /// figures per lifetime (what-ifs rate only the part they change).
    parts: Memo<BTreeSet<Key>, Arc<Part>>,
    /// Per deployment type: the horizon rated with only that type's
    /// deployments (the hourly profiles of the slice as it is).
    profiles: Memo<Sku, Arc<Forecast>>,
    /// Whether the slice is valid, and its deployments by the latest instant
    /// each mentions, latest first (what a what-if's validation needs).
    checked: OnceLock<SliceCheck>,
    /// Drafts' changes already rated, by lifetime: the part they touch and
    /// its figures with them made (`None`: they leave the estate invalid).
    edited: EditedFigures,
    /// The last explanation's probe and what its rating kept (the slice's
    /// resources, the horizon's window), for the next explanation to take.
    explained: Mutex<Option<(Estate, rating::prepare::Kept)>>,
    /// Copies of parts' estates (by the part's address) to make a what-if's
    /// changes in: one is taken out while in use and put back with the
    /// changes undone (a copy of the part for every what-if cost as much as
    /// a fifth of its rating). A few at the most.
    scratch: Mutex<Vec<(usize, Estate)>>,
}

/// Puts back in `e` what `edits` changed of `was`, the estate it was a
/// copy of: each list an edit can change (a deployment's edit changes only
/// deployments, a commitment's only commitments, a reservation's only
/// reservations; a resource's purge or recovery any of them).
fn put_back(e: &mut Estate, was: &Estate, edits: &[Edit]) {
    let (mut resources, mut deployments, mut commitments, mut reservations) =
        (false, false, false, false);
    for edit in edits {
        match edit {
            Edit::AddDeployment(_)
            | Edit::DeleteDeployment { .. }
            | Edit::ResizeDeployment { .. }
            | Edit::ModelVersion { .. } => deployments = true,
            Edit::CommitmentRenewal { .. }
            | Edit::AddCommitment(_)
            | Edit::CommitmentAddition { .. } => commitments = true,
            Edit::AddReservation(_)
            | Edit::ReplanReservation { .. }
            | Edit::RemoveReservation { .. }
            | Edit::ReservationScope { .. }
            | Edit::ReservationRenewal { .. }
            | Edit::Refund { .. }
            | Edit::CancelRefund { .. } => reservations = true,
            Edit::PurgeResource { .. } | Edit::RecoverResource { .. } => {
                (resources, deployments, commitments, reservations) = (true, true, true, true)
            }
        }
    }
    fn same<T: Clone + PartialEq>(v: &mut Vec<T>, was: &[T]) {
        v.truncate(was.len());
        for (x, w) in v.iter_mut().zip(was) {
            if x != w {
                x.clone_from(w);
            }
        }
        let n = v.len();
        v.extend_from_slice(&was[n..]);
    }
    if resources {
        same(&mut e.resources, &was.resources);
    }
    if deployments {
        same(&mut e.deployments, &was.deployments);
    }
    if commitments {
        same(&mut e.commitments, &was.commitments);
    }
    if reservations {
        same(&mut e.reservations, &was.reservations);
    }
    debug_assert!(e == was, "a part's copy put back as it was");
}

/// Rated changes: (lifetime's end and kind, the changes in `Debug` form)
/// to the part and its figures after them, `None` when invalid.
type EditedFigures = Memo<((Time, bool), String), Option<(Arc<Part>, Arc<Priced>)>>;

/// What pricing reads of a part's figures with a draft's changes made,
/// kept for the next draft with the same changes: the horizon's total, the
/// lifetime's, what is committed after the horizon, and the horizon's
/// charges a focus can pick (not the whole forecast: what-ifs are many,
/// and each forecast holds every window and instrument of its part).
struct Priced {
    horizon_total: Decimal,
    life: Decimal,
    after_horizon: Decimal,
    charges: Charges,
}

/// A forecast's charges that [`Pricer::focus_cost`] reads, in the
/// forecast's order: each overage window's subject and cost, and each
/// instrument's base id and charges. Names are indexes into the part's
/// [`Names`], then into `more` (names the part doesn't hold: an id an
/// edit adds).
struct Charges {
    overage: Vec<(u32, Decimal)>,
    instruments: Vec<(u32, Decimal)>,
    more: Vec<String>,
}

/// The ids of a part's resources, commitments and reservations, each once:
/// what its forecasts' charges are named by.
struct Names {
    list: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    fn of(e: &Estate) -> Names {
        let mut list: Vec<String> = Vec::new();
        let mut index = HashMap::new();
        let ids = e
            .resources
            .iter()
            .map(|r| r.id.as_str())
            .chain(e.commitments.iter().map(|c| c.id.as_str()))
            .chain(e.reservations.iter().map(|r| r.id.as_str()));
        for id in ids {
            if !index.contains_key(id) {
                index.insert(id.to_string(), list.len() as u32);
                list.push(id.to_string());
            }
        }
        Names { list, index }
    }
}

impl Priced {
    fn of(fig: &Figures, names: &Names) -> Priced {
        Priced {
            horizon_total: fig.horizon.totals.total(),
            life: fig.life,
            after_horizon: fig.after_horizon,
            charges: Charges::of(&fig.horizon, names),
        }
    }
}

impl Charges {
    fn of(f: &Forecast, names: &Names) -> Charges {
        let mut more: Vec<String> = Vec::new();
        let mut name = |id: &str| -> u32 {
            if let Some(&i) = names.index.get(id) {
                return i;
            }
            let at = match more.iter().position(|x| x == id) {
                Some(at) => at,
                None => {
                    more.push(id.to_string());
                    more.len() - 1
                }
            };
            (names.list.len() + at) as u32
        };
        let overage = f
            .windows
            .iter()
            .filter(|w| w.kind == WindowKind::Overage)
            .map(|w| (name(&w.subject), w.cost))
            .collect();
        let instruments = f
            .instruments
            .iter()
            .map(|i| (name(crate::domain::terms::base_id(&i.id)), i.charges))
            .collect();
        Charges {
            overage,
            instruments,
            more,
        }
    }

    /// [`Pricer::focus_cost`] of the forecast these charges were taken
    /// from, its names in `names`.
    fn focus_cost(&self, names: &Names, focus: &Focus, extra: &[String]) -> Decimal {
        let name = |i: u32| -> &str {
            let i = i as usize;
            match names.list.get(i) {
                Some(x) => x,
                None => &self.more[i - names.list.len()],
            }
        };
        focus_sum(
            self.overage.iter().map(|&(s, c)| (name(s), c)),
            self.instruments.iter().map(|&(s, c)| (name(s), c)),
            focus,
            extra,
        )
    }
}

/// What a lifetime's figures depend on: the end of its window and whether
/// it ends (a planned deletion counts the terms in force after it).
fn life_key(l: Lifetime, from: Time) -> (Time, bool) {
    (life_end(l, from), matches!(l, Lifetime::Until(_)))
}

/// Whether a slice is valid, its deployments' indexes by the latest
/// instant each mentions, latest first, and the frame of its other objects
/// (without quotas and service capacities) that sets of deployments are
/// checked against.
type SliceCheck = (bool, Vec<(Time, usize)>, crate::domain::validate::Frame);

/// The part of the slice in some (region, deployment type) keys, and its
/// figures per lifetime.
struct Part {
    estate: Estate,
    /// The ids its what-ifs' charges are named by.
    names: Names,
    figures: Memo<(Time, bool), Arc<Figures>>,
    /// Per instant: what each instrument (base id) still charges after it,
    /// renewals off ([`Pricer::after_charges`]).
    after: Memo<Time, Arc<BTreeMap<String, Decimal>>>,
}

/// The instruments (ids) whose charges `edits` may change, or `None` when
/// they touch a refund (the refund limit joins every refunded reservation).
fn changed_instruments(
    before: &Estate,
    after: &Estate,
    edits: &[Edit],
) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for edit in edits {
        match edit {
            Edit::CommitmentRenewal { commitment, .. }
            | Edit::CommitmentAddition { commitment, .. } => {
                out.insert(commitment.clone());
            }
            Edit::AddCommitment(c) => {
                out.insert(c.id.clone());
            }
            Edit::AddReservation(r) => {
                out.insert(r.id.clone());
            }
            Edit::ReplanReservation { id, .. }
            | Edit::RemoveReservation { id }
            | Edit::ReservationScope { id, .. }
            | Edit::ReservationRenewal { id, .. } => {
                out.insert(id.clone());
            }
            Edit::Refund { .. } | Edit::CancelRefund { .. } => return None,
            // A commitment's terms end with its resource's deletion or purge.
            Edit::PurgeResource { resource, .. } | Edit::RecoverResource { resource } => {
                for c in before.commitments.iter().chain(&after.commitments) {
                    if &c.resource == resource {
                        out.insert(c.id.clone());
                    }
                }
            }
            Edit::AddDeployment(_)
            | Edit::DeleteDeployment { .. }
            | Edit::ResizeDeployment { .. }
            | Edit::ModelVersion { .. } => {}
        }
    }
    let refunded = before
        .reservations
        .iter()
        .chain(&after.reservations)
        .any(|r| r.refunded_at.is_some() && out.contains(&r.id));
    (!refunded).then_some(out)
}

/// The part of an estate in `regions`: its resources, deployments,
/// commitments and reservations there, every refunded reservation (the
/// refund limit spans regions), and everything else but managed compute.
pub fn region_slice(estate: &Estate, regions: &BTreeSet<String>) -> Estate {
    let mut e = estate.clone();
    e.resources.retain(|r| regions.contains(&r.region));
    let kept: BTreeSet<&str> = e.resources.iter().map(|r| r.id.as_str()).collect();
    e.deployments.retain(|d| kept.contains(d.resource.as_str()));
    e.commitments.retain(|c| kept.contains(c.resource.as_str()));
    e.reservations
        .retain(|r| regions.contains(&r.region) || r.refunded_at.is_some());
    e.managed_compute.clear();
    e
}

/// The estate without its deployments, quotas and service capacities
/// (everything else cloned): what a rating reads, and what the validation
/// of edited deployments and instruments reads (quotas and capacities are
/// validated on their own, and no edit changes them).
fn without_deployments(e: &Estate) -> Estate {
    Estate {
        managed_compute: e.managed_compute.clone(),
        ..instruments_only(e, |_| true, |_| true)
    }
}

/// [`without_deployments`] without managed compute, with only the
/// commitments and reservations `commitment` and `reservation` select.
fn instruments_only(
    e: &Estate,
    commitment: impl Fn(&crate::domain::Commitment) -> bool,
    reservation: impl Fn(&Reservation) -> bool,
) -> Estate {
    Estate {
        schema: e.schema,
        currency: e.currency.clone(),
        billing_accounts: e.billing_accounts.clone(),
        management_groups: e.management_groups.clone(),
        prices: e.prices.clone(),
        quotas: vec![],
        model_capacities: vec![],
        resources: e.resources.clone(),
        deployments: vec![],
        commitments: e
            .commitments
            .iter()
            .filter(|c| commitment(c))
            .cloned()
            .collect(),
        reservations: e
            .reservations
            .iter()
            .filter(|r| reservation(r))
            .cloned()
            .collect(),
        managed_compute: vec![],
    }
}

/// An estate of `e`'s schema and currency holding nothing (a holder of
/// deployments to edit).
fn deployments_only(e: &Estate) -> Estate {
    Estate {
        schema: e.schema,
        currency: e.currency.clone(),
        billing_accounts: vec![],
        management_groups: vec![],
        prices: vec![],
        quotas: vec![],
        model_capacities: vec![],
        resources: vec![],
        deployments: vec![],
        commitments: vec![],
        reservations: vec![],
        managed_compute: vec![],
    }
}

/// The estate with only the deployments `keep` selects.
fn with_deployments(e: &Estate, keep: impl Fn(&crate::domain::Deployment) -> bool) -> Estate {
    let mut out = without_deployments(e);
    out.deployments = e.deployments.iter().filter(|d| keep(d)).cloned().collect();
    out
}

/// The overage costs of the focus's resources (and of `extra` ids), then
/// the charges of its instruments (base ids, and `extra`), each summed in
/// the order given: overage windows' (subject, cost) and instruments'
/// (base id, charges).
fn focus_sum<'x>(
    overage: impl Iterator<Item = (&'x str, Decimal)>,
    instruments: impl Iterator<Item = (&'x str, Decimal)>,
    focus: &Focus,
    extra: &[String],
) -> Decimal {
    let hourly: Decimal = overage
        .filter(|(s, _)| focus.resources.iter().any(|x| x == s) || extra.iter().any(|x| x == s))
        .map(|(_, c)| c)
        .sum();
    let inst: Decimal = instruments
        .filter(|(b, _)| focus.instruments.iter().any(|x| x == b) || extra.iter().any(|x| x == b))
        .map(|(_, c)| c)
        .sum();
    hourly + inst
}

/// The part of a slice that rates the (region, deployment type) `keys`:
/// [`rating::whatif::restrict`], plus every refunded reservation (they
/// count against the refund limit wherever they are), in the slice's order.
fn part_of(e: &Estate, keys: &BTreeSet<Key>) -> Estate {
    let t = rating::whatif::Touched {
        keys: keys.clone(),
        managed_compute: false,
    };
    let mut part = rating::whatif::restrict(e, &t);
    part.reservations = e
        .reservations
        .iter()
        .filter(|r| r.refunded_at.is_some() || keys.contains(&(r.region.clone(), r.sku)))
        .cloned()
        .collect();
    part
}

/// The (region, deployment type) keys whose rating `edits` change, each
/// object looked up in `e` or among those the edits add before it: `None`
/// when an edit names an object neither holds.
fn edit_keys(e: &Estate, edits: &[Edit]) -> Option<BTreeSet<Key>> {
    let region = |res: &str| e.resource(res).map(|r| r.region.clone());
    let mut commitments: Vec<(&str, &str)> = e
        .commitments
        .iter()
        .map(|c| (c.id.as_str(), c.resource.as_str()))
        .collect();
    let mut reservations: Vec<(&str, Key)> = vec![];
    let mut deployments: Vec<(&str, &str, Sku)> = vec![];
    let reservation_key = |id: &str, added: &[(&str, Key)]| -> Option<Key> {
        e.reservations
            .iter()
            .find(|r| r.id == id)
            .map(|r| (r.region.clone(), r.sku))
            .or_else(|| added.iter().find(|x| x.0 == id).map(|x| x.1.clone()))
    };
    let mut keys = BTreeSet::new();
    for edit in edits {
        match edit {
            Edit::CommitmentRenewal { commitment, .. }
            | Edit::CommitmentAddition { commitment, .. } => {
                let res = commitments.iter().find(|c| c.0 == commitment)?.1;
                keys.insert((region(res)?, Sku::Regional));
            }
            Edit::AddCommitment(c) => {
                keys.insert((region(&c.resource)?, Sku::Regional));
                commitments.push((&c.id, &c.resource));
            }
            Edit::AddReservation(r) => {
                keys.insert((r.region.clone(), r.sku));
                reservations.push((&r.id, (r.region.clone(), r.sku)));
            }
            Edit::ReplanReservation { id, .. }
            | Edit::RemoveReservation { id }
            | Edit::ReservationScope { id, .. }
            | Edit::ReservationRenewal { id, .. }
            | Edit::Refund { id, .. }
            | Edit::CancelRefund { id } => {
                keys.insert(reservation_key(id, &reservations)?);
            }
            Edit::AddDeployment(d) => {
                keys.insert((region(&d.resource)?, d.sku));
                deployments.push((&d.id, &d.resource, d.sku));
            }
            Edit::DeleteDeployment { deployment, .. }
            | Edit::ResizeDeployment { deployment, .. }
            | Edit::ModelVersion { deployment, .. } => {
                let (res, sku) = e
                    .deployments
                    .iter()
                    .find(|d| &d.id == deployment)
                    .map(|d| (d.resource.as_str(), d.sku))
                    .or_else(|| {
                        deployments
                            .iter()
                            .find(|d| d.0 == deployment)
                            .map(|d| (d.1, d.2))
                    })?;
                keys.insert((region(res)?, sku));
            }
            Edit::PurgeResource { resource, .. } | Edit::RecoverResource { resource } => {
                let r = region(resource)?;
                for sku in [Sku::Global, Sku::DataZone, Sku::Regional] {
                    keys.insert((r.clone(), sku));
                }
            }
        }
    }
    Some(keys)
}

impl<'a> Pricer<'a> {
    /// A pricer for the part of `estate` in `regions`, at `now`, reporting
    /// over `[floor_hour(now), ceil_hour(now + horizon))`.
    pub fn new(
        estate: &Estate,
        regions: &BTreeSet<String>,
        book: &'a PriceBook,
        opts: &rating::Options,
        now: Time,
        horizon: Duration,
    ) -> Pricer<'a> {
        let estate = region_slice(estate, regions);
        let from = floor_hour(now);
        let h_to = ceil_hour(now + horizon).max(from + Duration::hours(1));
        Pricer {
            prices: book.over(&estate.prices),
            estate,
            book,
            opts: opts.clone(),
            now,
            from,
            h_to,
            base: Memo::new(),
            base_horizon: Memo::new(),
            parts: Memo::new(),
            profiles: Memo::new(),
            checked: OnceLock::new(),
            edited: Memo::new(),
            explained: Mutex::new(None),
            scratch: Mutex::new(Vec::new()),
        }
    }

    /// The estate it prices (the region slice).
    pub fn estate(&self) -> &Estate {
        &self.estate
    }

    /// The reported window.
    pub fn window(&self) -> (Time, Time) {
        (self.from, self.h_to)
    }

    fn days(&self) -> Decimal {
        Decimal::from((self.h_to - self.from).num_hours().max(1)) / Decimal::from(24)
    }

    fn request(&self, from: Time, to: Time, basis: Basis) -> Request {
        Request {
            from,
            to,
            basis,
            by: Bucket::Month,
        }
    }

    /// A forecast's figures (its windows unexplained: remedies compare
    /// totals, charges and window costs, never the text).
    fn rate(&self, e: &Estate, from: Time, to: Time, basis: Basis) -> Result<Forecast, PlanError> {
        let req = self.request(from, to, basis);
        Ok(rating::whatif::forecast_unexplained(
            e, self.book, &req, &self.opts,
        )?)
    }

    /// What the terms in force at `at` still charge after it (amortized),
    /// every renewal turned off just before it.
    fn committed_after(&self, e: &Estate, at: Time) -> Result<Decimal, PlanError> {
        Ok(self.after_charges(e, at, None)?.values().copied().sum())
    }

    /// [`Pricer::committed_after`] per instrument (base id), of the
    /// instruments `only` names (all without it). Charges don't depend on
    /// usage, so the probe holds no deployments.
    fn after_charges(
        &self,
        e: &Estate,
        at: Time,
        only: Option<&BTreeSet<String>>,
    ) -> Result<BTreeMap<String, Decimal>, PlanError> {
        let cut = at - Duration::seconds(1);
        let keep = |id: &String| only.is_none_or(|o| o.contains(id));
        if !e.commitments.iter().any(|c| c.start < at && keep(&c.id))
            && !e.reservations.iter().any(|r| r.start < at && keep(&r.id))
        {
            // No term in force at `at`: nothing charges after it.
            return Ok(BTreeMap::new());
        }
        let mut probe = instruments_only(
            e,
            |c| c.start < at && keep(&c.id),
            |r| r.start < at && keep(&r.id),
        );
        for c in &mut probe.commitments {
            let t = cut.max(c.start);
            c.renewal_changes.retain(|ch| ch.at < t);
            c.renewal_changes.push(CommitmentRenewalChange {
                at: t,
                renewal: CommitmentRenewal::None,
                approximate: false,
            });
        }
        for r in &mut probe.reservations {
            let t = cut.max(r.start);
            r.renewal_changes.retain(|ch| ch.at < t);
            r.renewal_changes.push(ReservationRenewalChange {
                at: t,
                renewal: ReservationRenewal::None,
                approximate: false,
            });
        }
        let mut out = BTreeMap::new();
        let end = ceil_hour(add_months(at, 12) + Duration::days(2));
        let f = self.rate(&probe, at, end, Basis::Amortized)?;
        for i in &f.instruments {
            *out.entry(crate::domain::terms::base_id(&i.id).to_string())
                .or_insert(Decimal::ZERO) += i.charges;
        }
        Ok(out)
    }

    /// [`Pricer::committed_after`] of a part with `edits` made: the part's
    /// own instruments' charges as they are (kept per instant), but those
    /// the edits change, rated alone. Refunds count against a limit they
    /// share, so edits that refund, or change a refunded reservation, rate
    /// the whole edited part.
    fn committed_after_edited(
        &self,
        part: &Part,
        edited: &Estate,
        edits: &[Edit],
        at: Time,
    ) -> Result<Decimal, PlanError> {
        let Some(changed) = changed_instruments(&part.estate, edited, edits) else {
            return self.committed_after(edited, at);
        };
        let current = part.after.get_or_try(&at, || {
            Ok::<_, PlanError>(Arc::new(self.after_charges(&part.estate, at, None)?))
        })?;
        let kept: Decimal = current
            .iter()
            .filter(|(id, _)| !changed.contains(*id))
            .map(|(_, x)| *x)
            .sum();
        let redone: Decimal = self
            .after_charges(edited, at, Some(&changed))?
            .values()
            .copied()
            .sum();
        Ok(kept + redone)
    }

    fn figures(&self, e: &Estate, lifetime: Lifetime) -> Result<Figures, PlanError> {
        self.figures_with(e, lifetime, &|at| self.committed_after(e, at), None, false)
    }

    /// [`Pricer::figures`], with what is committed after an instant
    /// from `after`; what `like` holds reused where it is the same
    /// ([`rating::whatif::Reusable`]), and what the rating made kept with
    /// `keep`.
    fn figures_with(
        &self,
        e: &Estate,
        lifetime: Lifetime,
        after: &dyn Fn(Time) -> Result<Decimal, PlanError>,
        like: Option<(&Estate, &rating::whatif::Reusable)>,
        keep: bool,
    ) -> Result<Figures, PlanError> {
        let l_end = life_end(lifetime, self.from);
        // Amortized charges and hourly use are per hour, so a lifetime
        // that outlasts the horizon costs the horizon's total plus the rest
        // rated alone (the horizon is not rated twice). The two ratings of
        // the estate share its pools' usage steps.
        let h = self.request(self.from, self.h_to, Basis::Amortized);
        let rest = if l_end == self.h_to {
            None
        } else if l_end > self.h_to {
            Some((self.request(self.h_to, l_end, Basis::Amortized), false))
        } else {
            Some((self.request(self.from, l_end, Basis::Amortized), true))
        };
        let (horizon, other, reuse) = rating::whatif::forecasts_unexplained_like(
            e,
            self.book,
            &h,
            rest.as_ref().map(|r| &r.0),
            &self.opts,
            like,
            keep,
        )?;
        let mut life = match (other, rest) {
            (Some(other), Some((_, true))) => other.totals.total(),
            (Some(other), _) => horizon.totals.total() + other.totals.total(),
            (None, _) => horizon.totals.total(),
        };
        if matches!(lifetime, Lifetime::Until(_)) {
            life += after(l_end)?;
        }
        let after_horizon = after(self.h_to)?;
        Ok(Figures {
            horizon,
            life,
            after_horizon,
            reuse,
        })
    }

    fn baseline(&self, lifetime: Lifetime) -> Result<Arc<Figures>, PlanError> {
        let key = (
            life_end(lifetime, self.from),
            matches!(lifetime, Lifetime::Until(_)),
        );
        self.base
            .get_or_try(&key, || Ok(Arc::new(self.figures(&self.estate, lifetime)?)))
    }

    /// The slice's horizon forecast as it is (amortized), rated once: the
    /// horizon [`Pricer::figures`] rates, without the rest of a lifetime.
    fn base_horizon(&self) -> Result<Arc<Forecast>, PlanError> {
        self.base_horizon.get_or_try(&(), || {
            let h = self.request(self.from, self.h_to, Basis::Amortized);
            let (f, _, _) = rating::whatif::forecasts_unexplained_like(
                &self.estate,
                self.book,
                &h,
                None,
                &self.opts,
                None,
                false,
            )?;
            Ok(Arc::new(f))
        })
    }

    /// The doing-nothing forecast of the horizon (amortized).
    pub fn horizon_forecast(&self) -> Result<Forecast, PlanError> {
        Ok(self.base_horizon()?.as_ref().clone())
    }

    /// Prices a draft: `None` when its changes would leave the estate
    /// invalid (it can't be carried out as drafted).
    ///
    /// Rating is additive over (region, deployment type) keys
    /// ([`rating::whatif`]), so a draft is rated on the part of the slice
    /// in the keys its changes touch (plus every refunded reservation, for
    /// the refund limit), before and after, and its figures are the
    /// differences; the part as it is is rated once per set of keys. A
    /// draft whose objects can't be placed in keys, or whose part fails to
    /// rate, is rated on the whole slice. A draft that changes nothing
    /// saves nothing and commits nothing.
    pub fn price(
        &self,
        d: Draft,
        focus: &Focus,
        lifetime: Lifetime,
    ) -> Result<Option<Remedy>, PlanError> {
        let base = self.base_horizon()?;
        let added: Vec<String> = d
            .changes
            .iter()
            .filter_map(|c| match c {
                Edit::AddReservation(r) => Some(r.id.clone()),
                Edit::AddDeployment(x) => Some(x.resource.clone()),
                _ => None,
            })
            .collect();
        let (saving_lifetime, saving_horizon, cost_per_day, committed_after_horizon) = if d
            .changes
            .is_empty()
        {
            let cpd = self.focus_cost(&base, focus, &[]) / self.days();
            (Decimal::ZERO, Decimal::ZERO, cpd, Decimal::ZERO)
        } else if let Some(part) = self.price_in_part(&d.changes, focus, lifetime, &base, &added) {
            match part {
                Some(figures) => figures,
                None => return Ok(None),
            }
        } else {
            let e = apply_edits(&self.estate, &d.changes)?;
            if crate::domain::validate::validate(&e).is_err() {
                return Ok(None);
            }
            let base = self.baseline(lifetime)?;
            let fig = self.figures(&e, lifetime)?;
            let cpd = self.focus_cost(&fig.horizon, focus, &added) / self.days();
            (
                base.life - fig.life,
                base.horizon.totals.total() - fig.horizon.totals.total(),
                cpd,
                fig.after_horizon - base.after_horizon,
            )
        };
        // PTUs added where Azure's last answer has no room for them: not
        // safe (capacity can't be requested), and said why.
        let mut safe = d.safe;
        let mut why_not = d.why_not;
        for text in self.capacity_shortfalls(&d.changes) {
            safe = false;
            why_not = Some(match why_not {
                Some(w) => format!("{text}; {w}"),
                None => text,
            });
        }
        Ok(Some(Remedy {
            kind: d.kind,
            summary: d.summary,
            changes: d.changes,
            steps: d.steps,
            saving_lifetime,
            saving_horizon,
            cost_per_day,
            committed_after_horizon,
            lifetime,
            safe,
            why_not,
        }))
    }

    /// The service capacity precondition of each deployment a remedy
    /// creates or grows, where it is not met (the PTUs added exceed what
    /// Azure last reported free for the model there).
    fn capacity_shortfalls(&self, changes: &[Edit]) -> Vec<String> {
        let e = &self.estate;
        let mut out = Vec::new();
        for c in changes {
            let (dep, ptu) = match c {
                Edit::AddDeployment(x) => (x, x.sizes.iter().map(|s| s.ptu).max().unwrap_or(0)),
                Edit::ResizeDeployment {
                    deployment,
                    at,
                    ptu,
                } => {
                    let Some(x) = e.deployments.iter().find(|x| &x.id == deployment) else {
                        continue;
                    };
                    (x, ptu - x.ptu_at(*at))
                }
                _ => continue,
            };
            let Some(region) = e.resource(&dep.resource).map(|r| r.region.as_str()) else {
                continue;
            };
            if ptu <= 0 {
                continue;
            }
            let p = super::common::capacity_check(
                e,
                self.now,
                region,
                dep.sku,
                &dep.model,
                &dep.version,
                ptu,
            );
            if p.status == super::Status::Unmet {
                out.push(p.text);
            }
        }
        out
    }

    /// A draft's (saving over the lifetime, over the horizon, cost a day,
    /// committed after the horizon) rated on the part of the slice its
    /// changes touch: `Some(None)` when the changes leave the estate
    /// invalid, `None` when the part can't answer (the whole slice must).
    fn price_in_part(
        &self,
        edits: &[Edit],
        focus: &Focus,
        lifetime: Lifetime,
        base: &Forecast,
        added: &[String],
    ) -> Option<Option<(Decimal, Decimal, Decimal, Decimal)>> {
        // Notifications share remedies (a purchase answers an overage and
        // its recurring pattern): the same changes over the same lifetime
        // are rated once.
        let memo = (life_key(lifetime, self.from), format!("{edits:?}"));
        // `Err`: the part can't answer (kept for no one); `Ok(None)`:
        // the changes leave the estate invalid.
        let rated = self.edited.get_or_try(&memo, || {
            let keys = edit_keys(&self.estate, edits).ok_or(())?;
            if !self.valid_after(edits).ok_or(())? {
                return Ok(None);
            }
            let part = self.part(&keys);
            // Ratings never read a deployment's model or version: new
            // versions leave the part's figures as they are.
            let versions_only = edits.iter().all(|e| matches!(e, Edit::ModelVersion { .. }));
            let priced = self
                .with_edited(&part, edits, |edited| {
                    // The part as it is, rated over the same windows: the
                    // pools the changes leave alone keep its steps, and its
                    // instruments serve when only deployments change.
                    let cur = self.part_figures(&part, lifetime);
                    if versions_only && let Some(cur) = &cur {
                        return Ok(Priced::of(cur, &part.names));
                    }
                    let like = cur
                        .as_ref()
                        .and_then(|c| c.reuse.as_ref())
                        .map(|s| (&part.estate, s));
                    self.figures_with(
                        edited,
                        lifetime,
                        &|at| self.committed_after_edited(&part, edited, edits, at),
                        like,
                        false,
                    )
                    .map(|fig| Priced::of(&fig, &part.names))
                })
                .ok_or(())?
                .map_err(|_| ())?;
            Ok(Some((part, Arc::new(priced))))
        });
        let (part, fig) = match rated {
            Ok(Some(hit)) => hit,
            Ok(None) => return Some(None),
            Err(()) => return None,
        };
        let cur = self.part_figures(&part, lifetime)?;
        let cpd = (self.focus_cost(base, focus, added)
            - self.focus_cost(&cur.horizon, focus, added)
            + fig.charges.focus_cost(&part.names, focus, added))
            / self.days();
        // A difference of two part ratings carries the last-digit rounding
        // of its own sums (28 significant digits), not the whole slice's:
        // below 1e-12 it is that rounding, so an unchanged total compares
        // as the same (remedies are ordered and filtered on these).
        let snap = |d: Decimal| d.round_dp(12);
        Some(Some((
            snap(cur.life - fig.life),
            snap(cur.horizon.totals.total() - fig.horizon_total),
            cpd,
            snap(fig.after_horizon - cur.after_horizon),
        )))
    }

    /// `f` of the part's estate with `edits` made, in a copy of the part
    /// from [`Pricer::scratch`]: `None` when an edit names an object the
    /// part doesn't hold.
    fn with_edited<R>(
        &self,
        part: &Arc<Part>,
        edits: &[Edit],
        f: impl FnOnce(&Estate) -> R,
    ) -> Option<R> {
        let key = Arc::as_ptr(part) as usize;
        let taken = {
            let mut pool = lock(&self.scratch);
            let at = pool.iter().position(|x| x.0 == key);
            at.map(|i| pool.swap_remove(i).1)
        };
        let mut e = taken.unwrap_or_else(|| part.estate.clone());
        let out = super::edits::edit(&mut e, edits).map(|()| f(&e));
        put_back(&mut e, &part.estate, edits);
        let mut pool = lock(&self.scratch);
        if pool.len() >= 4 {
            pool.remove(0);
        }
        pool.push((key, e));
        out
    }

    /// The slice's part in `keys`, kept for the next draft that touches
    /// the same keys.
    fn part(&self, keys: &BTreeSet<Key>) -> Arc<Part> {
        self.parts.get_or(keys, || {
            let estate = part_of(&self.estate, keys);
            Arc::new(Part {
                names: Names::of(&estate),
                estate,
                figures: Memo::new(),
                after: Memo::new(),
            })
        })
    }

    /// A part's figures as it is, rated once per lifetime.
    fn part_figures(&self, part: &Part, lifetime: Lifetime) -> Option<Arc<Figures>> {
        let key = (
            life_end(lifetime, self.from),
            matches!(lifetime, Lifetime::Until(_)),
        );
        part.figures
            .get_or_try(&key, || {
                self.figures_with(
                    &part.estate,
                    lifetime,
                    &|at| self.committed_after_edited(part, &part.estate, &[], at),
                    None,
                    true,
                )
                .map(Arc::new)
            })
            .ok()
    }

    /// Whether the slice with `edits` made is valid, judged on the slice
    /// without the deployments the edits leave alone (each deployment's
    /// rules are its own and its resource's) but with the one of those that
    /// mentions the latest instant (commitments are checked up to it), and
    /// the ids the edits add checked against the deployments left out.
    /// `None` when the slice itself is invalid or the edits can't be made.
    fn valid_after(&self, edits: &[Edit]) -> Option<bool> {
        let s = &self.estate;
        let (slice_ok, latest, frame) = self.checked.get_or_init(|| {
            let ok = crate::domain::validate::validate(s).is_ok();
            let mut by_latest: Vec<(Time, usize)> = s
                .deployments
                .iter()
                .enumerate()
                .filter_map(|(i, d)| {
                    d.sizes
                        .iter()
                        .map(|x| x.at)
                        .chain(d.deleted)
                        .max()
                        .map(|t| (t, i))
                })
                .collect();
            by_latest.sort_by(|a, b| b.cmp(a));
            let frame = crate::domain::validate::Frame::new(without_deployments(s));
            (ok, by_latest, frame)
        });
        if !*slice_ok {
            return None;
        }
        // The few deployments and resources the edits name.
        let mut named: Vec<&str> = Vec::new();
        let mut named_res: Vec<&str> = Vec::new();
        for e in edits {
            match e {
                Edit::DeleteDeployment { deployment, .. }
                | Edit::ResizeDeployment { deployment, .. }
                | Edit::ModelVersion { deployment, .. } => {
                    named.push(deployment);
                }
                Edit::PurgeResource { resource, .. } | Edit::RecoverResource { resource } => {
                    named_res.push(resource);
                }
                _ => {}
            }
        }
        let kept = |d: &crate::domain::Deployment| {
            named.contains(&d.id.as_str()) || named_res.contains(&d.resource.as_str())
        };
        let top = latest
            .iter()
            .map(|(_, i)| *i)
            .find(|i| !kept(&s.deployments[*i]));
        let in_v = |i: usize| kept(&s.deployments[i]) || Some(i) == top;
        for e in edits {
            if let Edit::AddDeployment(d) = e
                && s.deployments
                    .iter()
                    .enumerate()
                    .any(|(i, x)| x.id == d.id && !in_v(i))
            {
                return Some(false);
            }
        }
        let deployments = s
            .deployments
            .iter()
            .enumerate()
            .filter(|(i, _)| in_v(*i))
            .map(|(_, d)| d.clone());
        // Edits of deployments change only deployments: those checked
        // against the frame of the rest, as it is.
        let only_deployments = edits.iter().all(|e| {
            matches!(
                e,
                Edit::AddDeployment(_)
                    | Edit::DeleteDeployment { .. }
                    | Edit::ResizeDeployment { .. }
                    | Edit::ModelVersion { .. }
            )
        });
        if only_deployments {
            let mut v = deployments_only(s);
            v.deployments = deployments.collect();
            let v = super::edits::applied(v, edits)?;
            return Some(frame.valid_with(&v.deployments));
        }
        // Edits of commitments and reservations change only those: the
        // rest is the frame's.
        let only_instruments = edits.iter().all(|e| {
            matches!(
                e,
                Edit::CommitmentRenewal { .. }
                    | Edit::CommitmentAddition { .. }
                    | Edit::AddCommitment(_)
                    | Edit::AddReservation(_)
                    | Edit::ReplanReservation { .. }
                    | Edit::RemoveReservation { .. }
                    | Edit::ReservationScope { .. }
                    | Edit::ReservationRenewal { .. }
                    | Edit::Refund { .. }
                    | Edit::CancelRefund { .. }
            )
        });
        let mut v = without_deployments(s);
        v.deployments = deployments.collect();
        let v = super::edits::applied(v, edits)?;
        if only_instruments {
            return Some(frame.valid_with_instruments(&v));
        }
        Some(crate::domain::validate::validate(&v).is_ok())
    }

    /// The hourly charges of the focus's resources and the charges of its
    /// instruments (and of `extra` ids) in a forecast.
    fn focus_cost(&self, f: &Forecast, focus: &Focus, extra: &[String]) -> Decimal {
        focus_sum(
            f.windows
                .iter()
                .filter(|w| w.kind == WindowKind::Overage)
                .map(|w| (w.subject.as_str(), w.cost)),
            f.instruments
                .iter()
                .map(|i| (crate::domain::terms::base_id(&i.id), i.charges)),
            focus,
            extra,
        )
    }

    /// Prices every draft and orders them: safe first, then by the saving
    /// over the lifetime (largest first), then as drafted.
    pub fn price_all(
        &self,
        drafts: Vec<Draft>,
        focus: &Focus,
        lifetime: Lifetime,
    ) -> Result<Vec<Remedy>, PlanError> {
        let mut out = Vec::new();
        for d in drafts {
            if let Some(r) = self.price(d, focus, lifetime)? {
                out.push(r);
            }
        }
        order(&mut out);
        Ok(out)
    }

    fn price_of(&self, region: &str, sku: Sku, kind: PriceKind) -> Option<Decimal> {
        self.prices.lookup(region, sku, kind).map(|p| p.amount)
    }

    /// Break-even share of hours of a reservation PTU (monthly price / (730
    /// x hourly)), for a term: `None` without the prices.
    pub fn break_even_share(&self, region: &str, sku: Sku, term: Term) -> Option<Decimal> {
        let hourly = self.price_of(region, sku, PriceKind::Hourly)?;
        let monthly = match term {
            Term::OneMonth => self.price_of(region, sku, PriceKind::ReservationMonth)?,
            Term::OneYear => {
                self.price_of(region, sku, PriceKind::ReservationYear)? / Decimal::from(12)
            }
        };
        if hourly.is_zero() {
            return None;
        }
        Some(monthly / (Decimal::from(730) * hourly))
    }

    /// The break-even share of hours of an instrument's capacity, at its
    /// own price (else the book's): a reservation's term price a month, or
    /// a commitment's monthly price, over 730 hours of the hourly price.
    pub fn instrument_break_even(&self, id: &str) -> Option<Decimal> {
        let e = &self.estate;
        let (region, sku, monthly) = if let Some(r) = e.reservations.iter().find(|r| r.id == id) {
            let m = match r.term {
                Term::OneMonth => r
                    .price
                    .or_else(|| self.price_of(&r.region, r.sku, PriceKind::ReservationMonth))?,
                Term::OneYear => {
                    r.price
                        .or_else(|| self.price_of(&r.region, r.sku, PriceKind::ReservationYear))?
                        / Decimal::from(12)
                }
            };
            (r.region.clone(), r.sku, m)
        } else {
            let c = e.commitments.iter().find(|c| c.id == id)?;
            let region = e.resource(&c.resource)?.region.clone();
            let m = c
                .price
                .or_else(|| self.price_of(&region, Sku::Regional, PriceKind::CommitmentMonth))?;
            (region, Sku::Regional, m)
        };
        let hourly = self.price_of(&region, sku, PriceKind::Hourly)?;
        if hourly.is_zero() {
            return None;
        }
        Some(monthly / (Decimal::from(730) * hourly))
    }

    /// Months a one-year term must be kept to pay off (yearly / monthly price).
    pub fn break_even_months(&self, region: &str, sku: Sku) -> Option<Decimal> {
        let m = self.price_of(region, sku, PriceKind::ReservationMonth)?;
        let y = self.price_of(region, sku, PriceKind::ReservationYear)?;
        if m.is_zero() { None } else { Some(y / m) }
    }

    /// The term a purchase takes for a lifetime: one year when the lifetime
    /// reaches its break-even months, else one month (or the one priced).
    pub fn term_for(&self, region: &str, sku: Sku, lifetime: Lifetime) -> Option<Term> {
        let m = self.price_of(region, sku, PriceKind::ReservationMonth);
        let y = self.price_of(region, sku, PriceKind::ReservationYear);
        match (m, y) {
            (Some(_), Some(_)) => {
                let be = self.break_even_months(region, sku)?;
                Some(if life_months(lifetime, self.now) >= be {
                    Term::OneYear
                } else {
                    Term::OneMonth
                })
            }
            (Some(_), None) => Some(Term::OneMonth),
            (None, Some(_)) => Some(Term::OneYear),
            (None, None) => None,
        }
    }

    /// Per hour of `[from, h_to)`, the PTU of `sku` deployed on resources
    /// that `pick` selects and that pays the hourly rate in `e` (each hour
    /// at its window's rated average). The slice's own profiles come from
    /// one rating per deployment type.
    pub fn hourly_profile(
        &self,
        e: &Estate,
        sku: Sku,
        pick: &dyn Fn(&crate::domain::Resource) -> bool,
    ) -> Result<Vec<Decimal>, PlanError> {
        let n = (self.h_to - self.from).num_hours().max(1) as usize;
        let mut out = vec![Decimal::ZERO; n];
        if !e.deployments.iter().any(|d| d.sku == sku) {
            return Ok(out);
        }
        let rate = || {
            let probe = with_deployments(e, |d| d.sku == sku);
            Ok::<_, PlanError>(Arc::new(self.rate(
                &probe,
                self.from,
                self.h_to,
                Basis::Actual,
            )?))
        };
        let f = if std::ptr::eq(e, &self.estate) {
            self.profiles.get_or_try(&sku, rate)?
        } else {
            rate()?
        };
        let index: HashMap<&str, &crate::domain::Resource> = e
            .resources
            .iter()
            .rev()
            .map(|r| (r.id.as_str(), r))
            .collect();
        for w in f.windows.iter().filter(|w| w.kind == WindowKind::Overage) {
            if !index.get(w.subject.as_str()).is_some_and(|r| pick(r)) {
                continue;
            }
            let hours = (w.end - w.start).num_hours().max(1);
            let avg = Decimal::from(w.ptu_minutes) / Decimal::from(60 * hours);
            let first = (w.start - self.from).num_hours().max(0) as usize;
            // Each hour's sum, added once per run of hours that hold the
            // same decimal (the same digits and scale: the sum is then the
            // same too).
            let end = first.saturating_add(hours as usize).min(n);
            let mut i = first;
            while i < end {
                let was = out[i].serialize();
                let sum = out[i] + avg;
                while i < end && out[i].serialize() == was {
                    out[i] = sum;
                    i += 1;
                }
            }
        }
        Ok(out)
    }
}

impl<'a> Pricer<'a> {
    /// The price book it rates with (before the estate's own prices).
    pub fn book(&self) -> &'a PriceBook {
        self.book
    }

    /// The rating options it rates with.
    pub fn options(&self) -> &rating::Options {
        &self.opts
    }
}

impl Pricer<'_> {
    /// Why each deployment type on `resource` pays the hourly rate over the
    /// horizon, in the rating core's words, one type at a time (each rated
    /// alone, so one type's discounts never explain another's hourly PTU).
    pub fn hourly_explanations(&self, resource: &str) -> Result<Vec<(Sku, String)>, PlanError> {
        let mut out = Vec::new();
        // The resource's own commitments, and the reservations whose scope
        // ever holds it (or that were refunded: the refund limit joins
        // them): every instrument an explanation of its hours can name or
        // that can cover them.
        let Some(res) = self.estate.resource(resource) else {
            return Ok(out);
        };
        let scopes = rating::prepare::ScopeIndex::new(&self.estate);
        // One probe, its deployments those of each type in turn: the last
        // explanation's (the slice without deployments, quotas and
        // capacities) with this resource's instruments, and what its last
        // rating kept.
        let (mut probe, mut last) = match lock(&self.explained).take() {
            Some((probe, kept)) => (probe, Some(kept)),
            None => (
                Estate {
                    managed_compute: self.estate.managed_compute.clone(),
                    ..instruments_only(&self.estate, |_| false, |_| false)
                },
                None,
            ),
        };
        probe.commitments = self
            .estate
            .commitments
            .iter()
            .filter(|c| c.resource == resource)
            .cloned()
            .collect();
        probe.reservations = self
            .estate
            .reservations
            .iter()
            .filter(|r| {
                r.refunded_at.is_some()
                    || std::iter::once(&r.scope)
                        .chain(r.scope_changes.iter().map(|c| &c.scope))
                        .any(|s| scopes.contains(s, res))
            })
            .cloned()
            .collect();
        for sku in [Sku::Regional, Sku::DataZone, Sku::Global] {
            probe.deployments = self
                .estate
                .deployments
                .iter()
                .filter(|d| d.sku == sku && d.resource == resource)
                .cloned()
                .collect();
            if probe.deployments.is_empty() {
                continue;
            }
            let req = self.request(self.from, self.h_to, Basis::Actual);
            rating::check_request(&req)?;
            // Probes share most of their instruments (reservations scoped
            // wide hold many resources): each takes those of the last
            // probe rated that are the same.
            let prepared = {
                use rating::prepare::Prepared;
                match &last {
                    Some(k) => {
                        Prepared::new_like(&probe, self.book, req.from, req.to, &self.opts, k)?
                    }
                    None => Prepared::new(&probe, self.book, req.from, req.to, &self.opts)?,
                }
            };
            let f = rating::engine::rate(&prepared, &req)?;
            last = Some(prepared.kept());
            if let Some(w) = f
                .windows
                .iter()
                .find(|w| w.kind == WindowKind::Overage && w.subject == resource)
            {
                out.push((sku, w.explanation.clone()));
            }
        }
        if let Some(kept) = last {
            *lock(&self.explained) = Some((probe, kept));
        }
        Ok(out)
    }
}

/// Safe first, then the largest saving over the lifetime; deleting the
/// workload after every remedy that keeps it (its saving is the workload
/// itself); stable otherwise.
pub fn order(list: &mut [Remedy]) {
    list.sort_by(|a, b| {
        b.safe
            .cmp(&a.safe)
            .then((a.kind == RemedyKind::Delete).cmp(&(b.kind == RemedyKind::Delete)))
            .then(b.saving_lifetime.cmp(&a.saving_lifetime))
    });
}

/// The largest PTU count paid hourly in at least `share` of the hours from
/// the first that pays hourly: (that count, the index of the first hour at
/// or above it, the share of hours it is used).
pub fn size_for(profile: &[Decimal], share: Decimal) -> (i64, usize, Decimal) {
    let Some(first) = profile.iter().position(|p| *p > Decimal::ZERO) else {
        return (0, 0, Decimal::ZERO);
    };
    let hours = &profile[first..];
    let n = hours.len();
    let mut levels: Vec<i64> = hours
        .iter()
        .map(|p| p.floor().to_i64().unwrap_or(0))
        .collect();
    levels.sort_unstable_by(|a, b| b.cmp(a));
    let need = (share * Decimal::from(n as i64))
        .ceil()
        .to_i64()
        .unwrap_or(1);
    let m = need.clamp(1, n as i64) as usize;
    let q = levels[m - 1].max(0);
    if q == 0 {
        let used = levels.iter().filter(|l| **l >= 1).count();
        return (
            0,
            first,
            Decimal::from(used as i64) / Decimal::from(n as i64),
        );
    }
    let at = first
        + hours
            .iter()
            .position(|p| p.floor().to_i64().unwrap_or(0) >= q)
            .unwrap_or(0);
    let used = levels.iter().filter(|l| **l >= q).count();
    (q, at, Decimal::from(used as i64) / Decimal::from(n as i64))
}

fn pct(d: Decimal) -> String {
    format!("{}%", (d * Decimal::from(100)).round())
}

pub(crate) fn money(d: Decimal) -> String {
    format!("${}", fmt_money_grouped(d))
}

pub(crate) fn term_words(t: Term) -> &'static str {
    match t {
        Term::OneMonth => "one-month",
        Term::OneYear => "one-year",
    }
}

/// The renewal setting of a reservation in force at `t`.
pub fn reservation_renewal_at(r: &Reservation, t: Time) -> ReservationRenewal {
    r.renewal_changes
        .iter()
        .take_while(|c| c.at <= t)
        .last()
        .map_or(r.renewal.clone(), |c| c.renewal.clone())
}

/// The renewal setting of a commitment in force at `t`.
pub fn commitment_renewal_at(c: &crate::domain::Commitment, t: Time) -> CommitmentRenewal {
    c.renewal_changes
        .iter()
        .take_while(|ch| ch.at <= t)
        .last()
        .map_or(c.renewal, |ch| ch.renewal)
}

/// An id none of the estate's objects uses yet.
pub(crate) fn fresh_id(e: &Estate, base: &str) -> String {
    let used = |id: &str| {
        e.commitments.iter().any(|c| c.id == id)
            || e.reservations.iter().any(|r| r.id == id)
            || e.deployments.iter().any(|d| d.id == id)
    };
    if !used(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !used(id))
        .expect("a suffix is free")
}

/// A new reservation, as a purchase remedy buys it.
#[allow(clippy::too_many_arguments)]
fn new_reservation(
    e: &Estate,
    region: &str,
    sku: Sku,
    ptu: i64,
    term: Term,
    start: Time,
    subscription: &str,
    lifetime: Lifetime,
) -> Reservation {
    let id = fresh_id(
        e,
        &format!(
            "res-{region}-{}-{ptu}",
            match sku {
                Sku::Global => "global",
                Sku::DataZone => "datazone",
                Sku::Regional => "regional",
            }
        ),
    );
    let mut renewal_changes = vec![];
    if let Lifetime::Until(t) = lifetime {
        renewal_changes.push(ReservationRenewalChange {
            at: (t - Duration::seconds(1)).max(start),
            renewal: ReservationRenewal::None,
            approximate: false,
        });
    }
    Reservation {
        id: id.clone(),
        name: id,
        region: region.to_string(),
        sku,
        ptu,
        term,
        billing: match term {
            Term::OneMonth => Billing::Upfront,
            Term::OneYear => Billing::Monthly,
        },
        start,
        scope: Scope::Subscription {
            subscription: subscription.to_string(),
        },
        scope_changes: vec![],
        renewal: ReservationRenewal::Autorenew,
        renewal_changes,
        refunded_at: None,
        refunded_approximate: false,
        refunded_reported: false,
        moved_at: None,
        effective_from: None,
        price: None,
    }
}

/// An instrument whose expiry sends deployments to the hourly rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiring {
    Commitment {
        id: String,
        end: Time,
    },
    /// The reservation's base id.
    Reservation {
        id: String,
        end: Time,
    },
}

impl Expiring {
    fn id(&self) -> &str {
        match self {
            Expiring::Commitment { id, .. } | Expiring::Reservation { id, .. } => id,
        }
    }
    fn end(&self) -> Time {
        match self {
            Expiring::Commitment { end, .. } | Expiring::Reservation { end, .. } => *end,
        }
    }
}

/// The model's (minimum, step) for a type, from the sizes table; Global
/// and Data Zone default to 15 in steps of 5, Regional to 50 in steps of 50.
pub(crate) fn size_rule(model: &str, sku: Sku) -> (i64, i64) {
    match crate::domain::sizes::rule(model, sku) {
        Some(Some(r)) => r,
        _ => match sku {
            Sku::Regional => (50, 50),
            _ => (15, 5),
        },
    }
}

/// `ptu` rounded up to a size the model and type can take.
pub(crate) fn round_up_size(ptu: i64, min: i64, step: i64) -> i64 {
    if ptu <= min {
        return min;
    }
    min + (ptu - min + step - 1) / step * step
}

/// Why a conversion to `to` is not safe.
pub(crate) fn conversion_caveat(to: Sku) -> String {
    let data = match to {
        Sku::Global => {
            "; a Global deployment may process data in any Azure region (check your data-residency rules)"
        }
        Sku::DataZone => "; a Data Zone deployment processes data anywhere in its data zone",
        Sku::Regional => "",
    };
    format!(
        "two deployments live for a day while traffic moves (quota for both, both billed), or downtime if you delete first{data}"
    )
}

/// Remedies for deployed PTU on `resources` that pays the hourly rate
/// (from `expiring`'s expiry, when given), priced and ordered, with the
/// workload's lifetime.
pub fn for_hourly(
    p: &Pricer,
    resources: &[String],
    expiring: Option<&Expiring>,
) -> Result<(Vec<Remedy>, Lifetime), PlanError> {
    let e = p.estate();
    let res: Vec<&crate::domain::Resource> =
        resources.iter().filter_map(|id| e.resource(id)).collect();
    let Some(first_res) = res.first() else {
        return Ok((vec![], Lifetime::OpenEnded { assumed_months: 12 }));
    };
    let region = first_res.region.clone();
    let scopes = rating::prepare::ScopeIndex::new(e);
    let first_hour = ceil_hour(p.now);
    let deps: Vec<&crate::domain::Deployment> = e
        .deployments
        .iter()
        .filter(|d| resources.contains(&d.resource) && d.deleted.is_none_or(|t| t > p.now))
        .collect();
    let dep_ids: Vec<&str> = deps.iter().map(|d| d.id.as_str()).collect();
    // A deleted account bills until someone purges it: what it bills is
    // open-ended, whatever its deletion says about the workload.
    let on_deleted = res.iter().any(|r| r.deleted.is_some_and(|t| t <= p.now));
    let lifetime = if on_deleted {
        Lifetime::open_ended()
    } else {
        lifetime_of(e, dep_ids.iter().copied(), p.now)
    };
    let mut focus = Focus {
        resources: resources.to_vec(),
        instruments: vec![],
    };
    if let Some(x) = expiring {
        focus.instruments.push(x.id().to_string());
    }
    let mut drafts: Vec<Draft> = Vec::new();
    let deadline = expiring.map(|x| x.end());
    let by = |t: Option<Time>| t.map_or(String::new(), |t| format!(" before {}", when(t)));

    // A deleted account bills until it is purged: purge it (or recover it).
    let mut deleted_accounts = BTreeSet::new();
    for r in &res {
        if r.deleted.is_some_and(|t| t <= p.now) && r.purged.is_none_or(|t| t > p.now) {
            deleted_accounts.insert(r.id.clone());
            drafts.push(
                Draft::new(
                    RemedyKind::Purge,
                    format!(
                        "purge the deleted account {}: its deployments bill until it is purged",
                        r.id
                    ),
                )
                .change(
                    first_hour,
                    format!("purge deleted account {}", r.id),
                    Edit::PurgeResource {
                        resource: r.id.clone(),
                        at: first_hour,
                    },
                ),
            );
            drafts.push(
                Draft::new(
                    RemedyKind::Recover,
                    format!(
                        "recover the deleted account {} if it was deleted by mistake (it keeps billing, now in use again)",
                        r.id
                    ),
                )
                .change(
                    first_hour,
                    format!("recover deleted account {}", r.id),
                    Edit::RecoverResource {
                        resource: r.id.clone(),
                    },
                ),
            );
        }
    }

    // The expiring instrument renewed.
    if let Some(Expiring::Commitment { id, end }) = expiring
        && let Some(c) = e.commitments.iter().find(|c| &c.id == id)
    {
        drafts.push(
            Draft::new(
                RemedyKind::ReplaceRenewal,
                format!(
                    "set commitment {id} on {} to renew before {}",
                    c.resource,
                    when(*end)
                ),
            )
            .change(
                first_hour,
                format!("set commitment {id} to autorenew"),
                Edit::CommitmentRenewal {
                    commitment: id.clone(),
                    at: first_hour.min(*end - Duration::seconds(1)),
                    renewal: CommitmentRenewal::Autorenew,
                },
            ),
        );
    }

    let mut skus: Vec<Sku> = deps.iter().map(|d| d.sku).collect();
    skus.sort();
    skus.dedup();
    for sku in skus {
        let sku_deps: Vec<&&crate::domain::Deployment> =
            deps.iter().filter(|d| d.sku == sku).collect();
        let on_subject = |r: &crate::domain::Resource| resources.contains(&r.id);
        let profile = p.hourly_profile(e, sku, &on_subject)?;
        if profile.iter().all(|x| x.is_zero()) {
            continue;
        }
        // Purchases already planned (future-dated) that cover these resources.
        let planned: Vec<&Reservation> = e
            .reservations
            .iter()
            .filter(|r| {
                r.start > p.now
                    && r.sku == sku
                    && r.region == region
                    && r.refunded_at.is_none()
                    && res
                        .iter()
                        .any(|x| scopes.contains(terms::scope_at(r, r.start), x))
            })
            .collect();
        if let Some(last) = planned.iter().map(|r| r.start).max() {
            let after = ((last - p.window().0).num_hours().max(0) as usize).min(profile.len());
            if profile[after..].iter().all(|x| x.is_zero()) {
                let names: Vec<&str> = planned.iter().map(|r| r.id.as_str()).collect();
                drafts.push(Draft::new(
                    RemedyKind::None,
                    format!(
                        "nothing more to buy: the planned purchase {} from {} covers it; the hourly time before it is the deploy-first window",
                        names.join(", "),
                        when(last)
                    ),
                ));
                continue;
            }
        }
        let pick_sub = first_res.subscription.clone();
        // Free moves: idle reservations of this type in the region whose
        // scope misses the resources.
        let f = p.horizon_forecast()?;
        let idle: BTreeMap<&str, i64> = f
            .instruments
            .iter()
            .filter(|i| i.unused_ptu_minutes() > 0)
            .fold(BTreeMap::new(), |mut m, i| {
                *m.entry(crate::domain::terms::base_id(&i.id)).or_insert(0) += i.used_ptu_minutes;
                m
            });
        let mut free: Vec<Draft> = Vec::new();
        for r in e.reservations.iter().filter(|r| {
            r.region == region
                && r.sku == sku
                && r.refunded_at.is_none()
                && r.start <= p.now
                && idle.contains_key(r.id.as_str())
        }) {
            let scope_now = terms::scope_at(r, p.now);
            if res.iter().all(|x| scopes.contains(scope_now, x)) {
                continue;
            }
            let used = idle.get(r.id.as_str()).copied().unwrap_or(0) > 0;
            let ba = e
                .billing_accounts
                .iter()
                .find(|b| b.subscriptions.contains(&pick_sub));
            let scope = match (used, ba) {
                (true, Some(b)) => Scope::Shared {
                    billing_account: b.id.clone(),
                },
                _ => Scope::Subscription {
                    subscription: pick_sub.clone(),
                },
            };
            free.push(
                Draft::new(
                    RemedyKind::Rescope,
                    format!(
                        "change the scope of reservation {} ({} PTU {}, with idle capacity) from {scope_now} to {scope} so it covers {} (free, any time)",
                        r.id,
                        r.ptu,
                        r.sku.label(),
                        resources.join(", ")
                    ),
                )
                .change(
                    first_hour,
                    format!("re-scope reservation {} to {scope}", r.id),
                    Edit::ReservationScope {
                        id: r.id.clone(),
                        at: first_hour,
                        scope,
                    },
                ),
            );
        }
        let free_edits: Vec<Edit> = free.first().map(|d| d.changes.clone()).unwrap_or_default();
        let free_steps: Vec<Step> = free.first().map(|d| d.steps.clone()).unwrap_or_default();
        drafts.extend(free);

        // Buy what still pays hourly, net of the free move; or stay hourly.
        let after_free: std::borrow::Cow<Estate> = if free_edits.is_empty() {
            std::borrow::Cow::Borrowed(e)
        } else {
            std::borrow::Cow::Owned(apply_edits(e, &free_edits)?)
        };
        // What a reservation scoped to the subscription would cover: its
        // resources, and the others this decision sends to the hourly rate
        // (a narrower scope is applied first, so the shared capacity they
        // use is left to them).
        let in_sub =
            |r: &crate::domain::Resource| r.subscription == pick_sub || resources.contains(&r.id);
        let sub_profile = p.hourly_profile(&after_free, sku, &in_sub)?;
        let covered_by_free = !free_edits.is_empty() && sub_profile.iter().all(|x| x.is_zero());
        if !covered_by_free
            && let Some(term) = p.term_for(&region, sku, lifetime)
            && let Some(share) = p.break_even_share(&region, sku, term)
        {
            let (q, at_idx, used) = size_for(&sub_profile, share);
            let be_months = p
                .break_even_months(&region, sku)
                .map(|m| {
                    format!(
                        "; a one-year term pays off when kept {} months",
                        m.round_dp(1)
                    )
                })
                .unwrap_or_default();
            if q > 0 {
                let start = (p.window().0 + Duration::hours(at_idx as i64)).max(first_hour);
                let r = new_reservation(
                    &after_free,
                    &region,
                    sku,
                    q,
                    term,
                    start,
                    &pick_sub,
                    lifetime,
                );
                let mut net = if free_edits.is_empty() {
                    String::new()
                } else {
                    " after the re-scope (net of its idle capacity)".to_string()
                };
                let convertible: Vec<&str> = e
                    .reservations
                    .iter()
                    .filter(|r| {
                        r.region == region
                            && r.sku != sku
                            && r.refunded_at.is_none()
                            && r.start <= p.now
                            && idle.contains_key(r.id.as_str())
                            && res
                                .iter()
                                .any(|x| scopes.contains(terms::scope_at(r, p.now), x))
                    })
                    .map(|r| r.id.as_str())
                    .collect();
                if !convertible.is_empty() {
                    net.push_str(&format!(
                        " (or convert the deployments so the idle reservation {} covers them: see the convert remedy)",
                        convertible.join(", ")
                    ));
                }
                let mut d = Draft::new(
                    RemedyKind::BuyReservation,
                    format!(
                        "buy a {} {} reservation of {q} PTU in {region} for subscription {pick_sub} from {}{net}: used {} of hours, break-even {}{be_months}",
                        term_words(term),
                        sku.label(),
                        when(start),
                        pct(used),
                        pct(share)
                    ),
                );
                d.changes = free_edits.clone();
                d.steps = free_steps.clone();
                d = d.change(
                    start,
                    format!(
                        "buy reservation {}: {}",
                        r.id,
                        super::edits::describe_reservation(&r)
                    ),
                    Edit::AddReservation(r),
                );
                drafts.push(d);
            } else {
                drafts.push(Draft::new(
                    RemedyKind::StayHourly,
                    format!(
                        "stay on the hourly rate: the {} PTU in {region} pay hourly {} of the hours, below the {} break-even of a {} reservation{be_months}",
                        sku.label(),
                        pct(used),
                        pct(share),
                        term_words(term)
                    ),
                ));
            }
        }

        // Convert to the type of a reservation idling in reach.
        for r in e.reservations.iter().filter(|r| {
            r.region == region
                && r.sku != sku
                && r.refunded_at.is_none()
                && r.start <= p.now
                && idle.contains_key(r.id.as_str())
                && res
                    .iter()
                    .any(|x| scopes.contains(terms::scope_at(r, p.now), x))
        }) {
            let mut d = Draft::new(
                RemedyKind::Convert,
                format!(
                    "convert {} to {} so reservation {} ({} PTU, idle) covers {}",
                    sku_deps
                        .iter()
                        .map(|d| d.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    r.sku.label(),
                    r.id,
                    r.ptu,
                    if sku_deps.len() == 1 { "it" } else { "them" }
                ),
            )
            .unsafe_because(conversion_caveat(r.sku));
            let mut taken = after_free.clone().into_owned();
            for dep in &sku_deps {
                let (min, step) = size_rule(&dep.model, r.sku);
                let ptu = round_up_size(dep.ptu_at(first_hour).max(1), min, step);
                let mut nd = (**dep).clone();
                nd.id = fresh_id(
                    &taken,
                    &format!(
                        "{}-{}",
                        dep.id,
                        match r.sku {
                            Sku::Global => "global",
                            Sku::DataZone => "datazone",
                            Sku::Regional => "regional",
                        }
                    ),
                );
                nd.sku = r.sku;
                nd.sizes = vec![crate::domain::Size {
                    at: first_hour,
                    ptu,
                    approximate: false,
                }];
                nd.deleted = None;
                nd.deleted_approximate = false;
                taken.deployments.push(nd.clone());
                let gone = first_hour + Duration::days(1);
                d = d
                    .change(
                        first_hour,
                        format!(
                            "deploy {} ({} PTU {}) on {}",
                            nd.id,
                            ptu,
                            r.sku.label(),
                            nd.resource
                        ),
                        Edit::AddDeployment(nd),
                    )
                    .change(
                        gone,
                        format!("delete {} once traffic has moved", dep.id),
                        Edit::DeleteDeployment {
                            deployment: dep.id.clone(),
                            at: gone,
                        },
                    );
            }
            drafts.push(d);
        }

        // Grow the commitment of a committed resource (its price known).
        if sku == Sku::Regional && expiring.is_none() {
            for r in &res {
                let Some(c) = e.commitments.iter().find(|c| {
                    c.resource == r.id
                        && terms::commitment_terms(c, r.deleted.or(r.purged), first_hour)
                            .ok()
                            .is_some_and(|ts| ts.iter().any(|t| t.start <= p.now && p.now < t.end))
                }) else {
                    continue;
                };
                let price = c
                    .price
                    .or_else(|| p.price_of(&r.region, Sku::Regional, PriceKind::CommitmentMonth));
                if price.is_none() {
                    continue;
                }
                let one = |x: &crate::domain::Resource| x.id == r.id;
                let prof = p.hourly_profile(e, sku, &one)?;
                let peak = prof.iter().copied().max().unwrap_or_default();
                let add = (peak / Decimal::from(50)).ceil().to_i64().unwrap_or(0) * 50;
                if add <= 0 {
                    continue;
                }
                drafts.push(
                    Draft::new(
                        RemedyKind::GrowCommitment,
                        format!(
                            "add {add} PTU to commitment {} on {} (billed now, prorated to its term's end; renews with it)",
                            c.id, r.id
                        ),
                    )
                    .change(
                        first_hour,
                        format!("add {add} PTU to commitment {}", c.id),
                        Edit::CommitmentAddition {
                            commitment: c.id.clone(),
                            at: first_hour,
                            ptu: add,
                        },
                    ),
                );
            }
        }

        // Resize or delete the deployments (not on a deleted account).
        let live: Vec<&&&crate::domain::Deployment> = sku_deps
            .iter()
            .filter(|d| !deleted_accounts.contains(&d.resource))
            .collect();
        if !live.is_empty() {
            let at = deadline.map_or(first_hour, |t| floor_hour(t).max(first_hour));
            let peak = profile.iter().copied().max().unwrap_or_default();
            let cut = peak.ceil().to_i64().unwrap_or(0);
            if let Some(big) = live.iter().max_by_key(|d| d.ptu_at(at.max(first_hour))) {
                let (min, step) = size_rule(&big.model, sku);
                let now_ptu = big.ptu_at(first_hour);
                let target = now_ptu - cut;
                if target >= min {
                    let size = min + (target - min) / step * step;
                    drafts.push(
                        Draft::new(
                            RemedyKind::Resize,
                            format!(
                                "resize {} from {now_ptu} to {size} PTU{}",
                                big.id,
                                by(deadline)
                            ),
                        )
                        .unsafe_because("less throughput for the workload")
                        .change(
                            at,
                            format!("resize {} to {size} PTU", big.id),
                            Edit::ResizeDeployment {
                                deployment: big.id.clone(),
                                at,
                                ptu: size,
                            },
                        ),
                    );
                }
            }
            let mut d = Draft::new(
                RemedyKind::Delete,
                format!(
                    "delete {}{}",
                    live.iter()
                        .map(|d| d.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    by(deadline)
                ),
            )
            .unsafe_because("the workload stops");
            for dep in &live {
                d = d.change(
                    at,
                    format!("delete deployment {}", dep.id),
                    Edit::DeleteDeployment {
                        deployment: dep.id.clone(),
                        at,
                    },
                );
            }
            drafts.push(d);
        }
    }
    // A reservation that expires: renew it (at the size bought again).
    if let Some(Expiring::Reservation { id, end }) = expiring
        && let Some(r) = e.reservations.iter().find(|r| &r.id == id)
    {
        drafts.push(
            Draft::new(
                RemedyKind::ReplaceRenewal,
                format!("set reservation {id} to autorenew before {}", when(*end)),
            )
            .change(
                first_hour,
                format!("set reservation {} to autorenew", r.id),
                Edit::ReservationRenewal {
                    id: id.clone(),
                    at: first_hour.min(*end - Duration::seconds(1)),
                    renewal: ReservationRenewal::Autorenew,
                },
            ),
        );
    }
    let list = p.price_all(drafts, &focus, lifetime)?;
    Ok((list, lifetime))
}

/// An idle instrument: a commitment or a reservation (base id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idle {
    Commitment(String),
    Reservation(String),
}

/// Remedies for an idle commitment or reservation, priced and ordered.
pub fn for_idle(p: &Pricer, idle: &Idle) -> Result<Vec<Remedy>, PlanError> {
    let e = p.estate();
    let first_hour = ceil_hour(p.now);
    let f = p.horizon_forecast()?;
    let scopes = rating::prepare::ScopeIndex::new(e);
    let mut drafts = Vec::new();
    let mut focus = Focus::default();
    match idle {
        Idle::Reservation(id) => {
            let Some(r) = e.reservations.iter().find(|r| &r.id == id) else {
                return Ok(vec![]);
            };
            focus.instruments.push(id.clone());
            let terms_list = terms::reservation_terms(r, p.window().1).unwrap_or_default();
            let current = terms_list
                .iter()
                .find(|t| t.start <= p.now.max(r.start) && p.now.max(r.start) < t.end);
            let expiry = current.map(|t| t.end);
            let (used, cap, hours) = f
                .instruments
                .iter()
                .filter(|i| crate::domain::terms::base_id(&i.id) == id)
                .fold((0i64, 0i64, 0i64), |a, i| {
                    (
                        a.0 + i.used_ptu_minutes,
                        a.1 + i.capacity_ptu_minutes,
                        a.2 + i.capacity_ptu_minutes / r.ptu.max(1) / 60,
                    )
                });
            let scope_now = terms::scope_at(r, p.now.max(r.start)).clone();
            // Re-scope to the subscription paying most hourly for its type.
            let outside = |x: &crate::domain::Resource| {
                x.region == r.region && !scopes.contains(&scope_now, x)
            };
            let mut best: Option<(Decimal, String)> = None;
            for x in e.resources.iter().filter(|x| outside(x)) {
                let one = |y: &crate::domain::Resource| y.id == x.id;
                let prof = p.hourly_profile(e, r.sku, &one)?;
                let sum: Decimal = prof.iter().copied().sum();
                if sum > Decimal::ZERO && best.as_ref().is_none_or(|b| sum > b.0) {
                    best = Some((sum, x.id.clone()));
                }
            }
            if let Some((_, target)) = best {
                let tr = e.resource(&target).expect("listed");
                let ba = e
                    .billing_accounts
                    .iter()
                    .find(|b| b.subscriptions.contains(&tr.subscription));
                let scope = match (used > 0, ba) {
                    (true, Some(b)) => Scope::Shared {
                        billing_account: b.id.clone(),
                    },
                    _ => Scope::Subscription {
                        subscription: tr.subscription.clone(),
                    },
                };
                focus.resources.push(target.clone());
                drafts.push(
                    Draft::new(
                        RemedyKind::Rescope,
                        format!(
                            "change the scope of reservation {id} from {scope_now} to {scope} so it covers the {} PTU on {target} that pay hourly (free, any time)",
                            r.sku.label()
                        ),
                    )
                    .change(
                        first_hour,
                        format!("re-scope reservation {id} to {scope}"),
                        Edit::ReservationScope {
                            id: id.clone(),
                            at: first_hour,
                            scope,
                        },
                    ),
                );
            }
            // Convert deployments of another type in its scope that pay hourly.
            for x in e
                .resources
                .iter()
                .filter(|x| x.region == r.region && scopes.contains(&scope_now, x))
            {
                for sku in [Sku::Global, Sku::DataZone, Sku::Regional] {
                    if sku == r.sku {
                        continue;
                    }
                    let one = |y: &crate::domain::Resource| y.id == x.id;
                    let prof = p.hourly_profile(e, sku, &one)?;
                    if prof.iter().all(|v| v.is_zero()) {
                        continue;
                    }
                    let deps: Vec<&crate::domain::Deployment> = e
                        .deployments
                        .iter()
                        .filter(|d| {
                            d.resource == x.id
                                && d.sku == sku
                                && d.deleted.is_none_or(|t| t > p.now)
                                && d.ptu_at(first_hour) > 0
                        })
                        .collect();
                    if deps.is_empty() {
                        continue;
                    }
                    focus.resources.push(x.id.clone());
                    let mut d = Draft::new(
                        RemedyKind::Convert,
                        format!(
                            "convert {} ({} on {}) to {} so reservation {id} covers {}",
                            deps.iter()
                                .map(|d| d.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            sku.label(),
                            x.id,
                            r.sku.label(),
                            if deps.len() == 1 { "it" } else { "them" }
                        ),
                    )
                    .unsafe_because(conversion_caveat(r.sku));
                    let mut taken = e.clone();
                    for dep in deps {
                        let (min, step) = size_rule(&dep.model, r.sku);
                        let ptu = round_up_size(dep.ptu_at(first_hour), min, step);
                        let mut nd = dep.clone();
                        nd.id = fresh_id(
                            &taken,
                            &format!(
                                "{}-{}",
                                dep.id,
                                r.sku.label().to_lowercase().replace(' ', "")
                            ),
                        );
                        nd.sku = r.sku;
                        nd.sizes = vec![crate::domain::Size {
                            at: first_hour,
                            ptu,
                            approximate: false,
                        }];
                        nd.deleted = None;
                        nd.deleted_approximate = false;
                        taken.deployments.push(nd.clone());
                        let gone = first_hour + Duration::days(1);
                        d = d
                            .change(
                                first_hour,
                                format!(
                                    "deploy {} ({ptu} PTU {}) on {}",
                                    nd.id,
                                    r.sku.label(),
                                    nd.resource
                                ),
                                Edit::AddDeployment(nd),
                            )
                            .change(
                                gone,
                                format!("delete {} once traffic has moved", dep.id),
                                Edit::DeleteDeployment {
                                    deployment: dep.id.clone(),
                                    at: gone,
                                },
                            );
                    }
                    drafts.push(d);
                }
            }
            // Its renewal.
            let renews = !matches!(reservation_renewal_at(r, p.now), ReservationRenewal::None);
            if renews && let Some(end) = expiry {
                let at = first_hour.min(end - Duration::seconds(1));
                drafts.push(
                    Draft::new(
                        RemedyKind::RenewalOff,
                        format!("turn renewal of reservation {id} off before {}", when(end)),
                    )
                    .change(
                        at,
                        format!("set reservation {id} not to renew"),
                        Edit::ReservationRenewal {
                            id: id.clone(),
                            at,
                            renewal: ReservationRenewal::None,
                        },
                    ),
                );
                let avg = if hours > 0 {
                    Decimal::from(used) / Decimal::from(60 * hours)
                } else {
                    Decimal::ZERO
                };
                let q = avg.ceil().to_i64().unwrap_or(0);
                if q > 0 && q < r.ptu {
                    drafts.push(
                        Draft::new(
                            RemedyKind::ReplaceRenewal,
                            format!(
                                "renew reservation {id} at {q} PTU instead of {} (a replacement at its expiry {})",
                                r.ptu,
                                when(end)
                            ),
                        )
                        .change(
                            at,
                            format!("set reservation {id} to renew as a {q} PTU replacement"),
                            Edit::ReservationRenewal {
                                id: id.clone(),
                                at,
                                renewal: ReservationRenewal::Replace {
                                    ptu: Some(q),
                                    term: None,
                                    billing: None,
                                    name: None,
                                },
                            },
                        ),
                    );
                }
            }
            // A refund, only where the rolling limit allows it.
            if r.start <= p.now && expiry.is_some_and(|end| end > first_hour) {
                let edit = Edit::Refund {
                    id: id.clone(),
                    at: first_hour,
                };
                let what_if = apply_edits(e, std::slice::from_ref(&edit))?;
                let list = rating::refunds(&what_if, p.book, &p.opts);
                if let Some(x) = list
                    .iter()
                    .find(|x| &x.reservation == id && x.at == first_hour)
                    .filter(|x| !x.refused)
                {
                    drafts.push(
                        Draft::new(
                            RemedyKind::Refund,
                            format!(
                                "refund reservation {id}: {} credited, cancelling {} of commitment within the {} left of the rolling USD {} limit",
                                money(-x.credit),
                                money(x.cancelled),
                                money(x.headroom),
                                rating::REFUND_LIMIT_USD
                            ),
                        )
                        .change(first_hour, format!("refund reservation {id}"), edit),
                    );
                }
            }
            let _ = cap;
        }
        Idle::Commitment(id) => {
            let Some(c) = e.commitments.iter().find(|c| &c.id == id) else {
                return Ok(vec![]);
            };
            focus.instruments.push(id.clone());
            let res = e.resource(&c.resource);
            let ts = terms::commitment_terms(
                c,
                res.and_then(|r| r.deleted.or(r.purged)),
                p.window().1 + Duration::days(40),
            )
            .unwrap_or_default();
            let current = ts.iter().find(|t| t.start <= p.now && p.now < t.end);
            let setting = commitment_renewal_at(c, p.now);
            if let Some(t) = current
                && setting != CommitmentRenewal::None
            {
                let at = first_hour.min(t.end - Duration::seconds(1));
                drafts.push(
                    Draft::new(
                        RemedyKind::RenewalOff,
                        format!(
                            "turn renewal of commitment {id} off before {} (a commitment can't renew at 0 PTU)",
                            when(t.end)
                        ),
                    )
                    .change(
                        at,
                        format!("set commitment {id} not to renew"),
                        Edit::CommitmentRenewal {
                            commitment: id.clone(),
                            at,
                            renewal: CommitmentRenewal::None,
                        },
                    ),
                );
                let (used, hours) =
                    f.instruments
                        .iter()
                        .filter(|i| i.id == *id)
                        .fold((0i64, 0i64), |a, i| {
                            (
                                a.0 + i.used_ptu_minutes,
                                a.1 + i.capacity_ptu_minutes / t.ptu_at_end().max(1) / 60,
                            )
                        });
                let avg = if hours > 0 {
                    Decimal::from(used) / Decimal::from(60 * hours)
                } else {
                    Decimal::ZERO
                };
                let q = (avg / Decimal::from(50)).ceil().to_i64().unwrap_or(0) * 50;
                let renews_at = match setting {
                    CommitmentRenewal::AutorenewLower(n) => n,
                    _ => t.ptu_at_end(),
                };
                if q >= 50 && q < renews_at {
                    drafts.push(
                        Draft::new(
                            RemedyKind::RenewFewer,
                            format!(
                                "renew commitment {id} at {q} PTU instead of {renews_at} from {}",
                                when(t.end)
                            ),
                        )
                        .change(
                            at,
                            format!("set commitment {id} to autorenew at {q} PTU"),
                            Edit::CommitmentRenewal {
                                commitment: id.clone(),
                                at,
                                renewal: CommitmentRenewal::AutorenewLower(q),
                            },
                        ),
                    );
                }
            }
        }
    }
    let ends = match idle {
        Idle::Commitment(id) => e
            .commitments
            .iter()
            .find(|c| &c.id == id)
            .is_some_and(|c| commitment_renewal_at(c, p.now) == CommitmentRenewal::None),
        Idle::Reservation(id) => e
            .reservations
            .iter()
            .find(|r| &r.id == id)
            .is_some_and(|r| reservation_renewal_at(r, p.now) == ReservationRenewal::None),
    };
    drafts.push(Draft::new(
        RemedyKind::None,
        if ends {
            "do nothing: it is set not to renew, so it ends at its expiry; what it costs until then is already paid for"
        } else {
            "do nothing: what it costs until its term ends is already paid for"
        },
    ));
    let lifetime = Lifetime::OpenEnded { assumed_months: 12 };
    p.price_all(drafts, &focus, lifetime)
}

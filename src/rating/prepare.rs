//! What both engines rate: the estate's deployments grouped into pools by
//! resource and deployment type, and every discount instrument with its
//! capacity over time, its scope, and its money: bills (when a charge is
//! billed, the actual basis) and spreads (the days it pays for, the
//! amortized basis). docs/commitments.md and docs/reservations.md in money.

pub use super::bills::{Bill, ChargeKind, Spread, hour_index};
use super::bills::{commitment_money, reservation_money};
use super::{MissingPrice, Options, RatingError};
use crate::domain::prices::{PriceBook, PriceKind, PriceRef};
use crate::domain::terms::{self, CommitmentTerm, ReservationTerm};
use crate::domain::time::{Time, fmt_time, midnight};
use crate::domain::{Estate, Resource, Scope, Sku, Term};
use chrono::Duration;
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstrumentKind {
    Commitment,
    Reservation,
}

impl InstrumentKind {
    pub fn name(self) -> &'static str {
        match self {
            InstrumentKind::Commitment => "commitment",
            InstrumentKind::Reservation => "reservation",
        }
    }
}

/// A discount instrument: a commitment (all its terms), or one reservation term.
#[derive(Debug, Clone)]
pub struct Instrument {
    pub id: String,
    pub kind: InstrumentKind,
    /// Index in `estate.commitments` or `estate.reservations`.
    pub source: usize,
    pub region: String,
    pub sku: Sku,
    /// A commitment's resource (index in `estate.resources`).
    pub resource: Option<usize>,
    /// PTUs in force from each instant (0 at the end).
    pub capacity: Vec<(Time, i64)>,
    /// A reservation's scopes: (effective from, scope), within its term.
    pub scopes: Vec<(Time, Scope)>,
    /// First come, first served: earlier instants apply first.
    pub order_instant: Time,
    pub bills: Vec<Bill>,
    pub spreads: Vec<Spread>,
    /// When coverage ends, if it does before the horizon.
    pub end: Option<Time>,
    /// The start of coverage.
    pub start: Time,
    /// How the end comes about ("expired", "was refunded").
    pub end_reason: &'static str,
}

impl Instrument {
    /// The scope in force during the hour starting at `h` (hours since epoch).
    pub fn scope_at_hour(&self, h: i64) -> Option<&Scope> {
        let t = self
            .start
            .max(Time::from_timestamp(h * 3600, 0).expect("in range"));
        self.scopes
            .iter()
            .take_while(|(at, _)| *at <= t)
            .last()
            .map(|(_, s)| s)
    }

    /// The amortized cost of the instrument over hours `[a, b)`.
    pub fn amortized(&self, a: i64, b: i64) -> Decimal {
        self.spreads
            .iter()
            .filter(|s| s.start_hour < b && s.end_hour() > a)
            .map(|s| s.sum_hours(a, b))
            .sum()
    }
}

/// A pool of usage: the deployments of one deployment type on one resource.
#[derive(Debug, Clone)]
pub struct Group {
    pub resource: usize,
    pub sku: Sku,
    pub deployments: Vec<usize>,
}

/// Which subscriptions each management group and billing account holds.
#[derive(Debug, Clone, Default)]
pub struct ScopeIndex(std::sync::Arc<ScopeSets>);

#[derive(Debug, Default)]
pub struct ScopeSets {
    mg_subs: HashMap<String, HashSet<String, Ids>, Ids>,
    ba_subs: HashMap<String, HashSet<String, Ids>, Ids>,
}

/// Hashing of the estate's own ids (management groups, billing accounts,
/// subscriptions, resources) for the lookups every rating makes per pool
/// and reservation scope: FxHash, not SipHash. The ids come from the
/// estate being rated, not from a party that could pick colliding ones to
/// slow the lookups down.
type Ids = rustc_hash::FxBuildHasher;

/// The estate's management groups and billing accounts the last index on
/// this thread was built from, and that index: what-ifs rate many estates
/// with the same scopes (no edit changes them), each preparing its own.
type LastScopes = Option<(
    Vec<crate::domain::ManagementGroup>,
    Vec<crate::domain::BillingAccount>,
    ScopeIndex,
)>;

thread_local! {
    static LAST_SCOPES: std::cell::RefCell<LastScopes> = const { std::cell::RefCell::new(None) };
}

impl std::ops::Deref for ScopeIndex {
    type Target = ScopeSets;
    fn deref(&self) -> &ScopeSets {
        &self.0
    }
}

impl ScopeIndex {
    pub fn new(e: &Estate) -> ScopeIndex {
        LAST_SCOPES.with(|last| {
            if let Some((m, b, ix)) = &*last.borrow()
                && *m == e.management_groups
                && *b == e.billing_accounts
            {
                return ix.clone();
            }
            let ix = ScopeIndex(std::sync::Arc::new(ScopeSets::new(e)));
            *last.borrow_mut() = Some((
                e.management_groups.clone(),
                e.billing_accounts.clone(),
                ix.clone(),
            ));
            ix
        })
    }
}

impl ScopeSets {
    fn new(e: &Estate) -> ScopeSets {
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        for m in &e.management_groups {
            if let Some(p) = &m.parent {
                children.entry(p).or_default().push(&m.id);
            }
        }
        let mut mg_subs: HashMap<String, HashSet<String, Ids>, Ids> = HashMap::default();
        for m in &e.management_groups {
            let mut subs: HashSet<String, Ids> = HashSet::default();
            let mut stack = vec![m.id.as_str()];
            let mut seen = HashSet::new();
            while let Some(g) = stack.pop() {
                if !seen.insert(g) {
                    continue;
                }
                if let Some(mg) = e.management_groups.iter().find(|x| x.id == g) {
                    subs.extend(mg.subscriptions.iter().cloned());
                }
                stack.extend(children.get(g).into_iter().flatten());
            }
            mg_subs.insert(m.id.clone(), subs);
        }
        let ba_subs = e
            .billing_accounts
            .iter()
            .map(|b| (b.id.clone(), b.subscriptions.iter().cloned().collect()))
            .collect();
        ScopeSets { mg_subs, ba_subs }
    }
}

impl ScopeSets {
    /// True when `scope` holds the resource.
    pub fn contains(&self, scope: &Scope, r: &Resource) -> bool {
        match scope {
            Scope::ResourceGroup {
                subscription,
                resource_group,
            } => {
                &r.subscription == subscription
                    && r.resource_group.eq_ignore_ascii_case(resource_group)
            }
            Scope::Subscription { subscription } => &r.subscription == subscription,
            Scope::ManagementGroup { management_group } => self
                .mg_subs
                .get(management_group)
                .is_some_and(|s| s.contains(&r.subscription)),
            Scope::Shared { billing_account } => self
                .ba_subs
                .get(billing_account)
                .is_some_and(|s| s.contains(&r.subscription)),
        }
    }
}

/// Each resource's index by id.
fn resource_index(estate: &Estate) -> HashMap<&str, usize, Ids> {
    estate
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect()
}

/// The estate's deployments grouped into pools by resource and deployment
/// type, in (resource, type) order.
fn pools(estate: &Estate, res_index: impl Fn(&str) -> usize) -> Vec<Group> {
    let mut by_key: std::collections::BTreeMap<(usize, Sku), Vec<usize>> = Default::default();
    // Deployments mostly come resource by resource: the previous one's
    // resource is looked up once, and a run of deployments of one pool is
    // added to it at once (each pool's deployments stay in estate order).
    let mut last: Option<(&str, usize)> = None;
    let mut run: Option<((usize, Sku), Vec<usize>)> = None;
    for (i, d) in estate.deployments.iter().enumerate() {
        let r = match last {
            Some((id, r)) if id == d.resource => r,
            _ => res_index(d.resource.as_str()),
        };
        last = Some((&d.resource, r));
        match &mut run {
            Some((key, list)) if *key == (r, d.sku) => list.push(i),
            _ => {
                if let Some((key, list)) = run.replace(((r, d.sku), vec![i])) {
                    by_key.entry(key).or_default().extend(list);
                }
            }
        }
    }
    if let Some((key, list)) = run {
        by_key.entry(key).or_default().extend(list);
    }
    by_key
        .into_iter()
        .map(|((resource, sku), deployments)| Group {
            resource,
            sku,
            deployments,
        })
        .collect()
}

/// A prepared window's instruments, with the price book and scopes they
/// were made with: what preparing the same window of an estate that
/// differs only in its deployments takes as they are
/// ([`Prepared::with_kept`]).
#[derive(Clone)]
pub struct Kept {
    book: Arc<PriceBook>,
    scopes: ScopeIndex,
    instruments: Arc<Vec<Instrument>>,
    ended: Arc<Vec<Instrument>>,
    prices_used: Arc<BTreeSet<PriceRef>>,
    index: Arc<InstrumentIndex>,
    /// Each resource's index by id (the resources are the same).
    resources: Arc<HashMap<String, usize, Ids>>,
    /// The window and the estate's commitments, and its reservations with
    /// whether each one's refund is refused, each id's index, and what
    /// each made ([`Prepared::new_like`]).
    from: Time,
    to: Time,
    commitments: Vec<crate::domain::Commitment>,
    reservations: Vec<(crate::domain::Reservation, bool)>,
    commitment_ids: HashMap<String, usize>,
    reservation_ids: HashMap<String, usize>,
    made: Arc<Made>,
}

impl Kept {
    /// Appends what object `at` (commitments first, then reservations)
    /// made, as object `source` of its kind.
    fn take(
        &self,
        at: usize,
        source: usize,
        instruments: &mut Vec<Instrument>,
        ended: &mut Vec<Instrument>,
        prices: &mut Vec<PriceRef>,
    ) {
        let (a, b) = (self.made.marks[at], self.made.marks[at + 1]);
        for (from, to) in [
            (&self.instruments[a.0..b.0], &mut *instruments),
            (&self.ended[a.1..b.1], &mut *ended),
        ] {
            to.extend(from.iter().map(|i| Instrument {
                source,
                ..i.clone()
            }));
        }
        prices.extend_from_slice(&self.made.prices[a.2..b.2]);
    }

    /// The prices object `at` charged at.
    fn prices_of(&self, at: usize) -> &[PriceRef] {
        &self.made.prices[self.made.marks[at].2..self.made.marks[at + 1].2]
    }
}

/// Everything the engines need, built once per forecast.
pub struct Prepared<'a> {
    pub estate: &'a Estate,
    pub book: Arc<PriceBook>,
    pub from: Time,
    pub to: Time,
    pub groups: Vec<Group>,
    /// Shared by the windows prepared with the same instruments ([`Kept`]).
    pub instruments: Arc<Vec<Instrument>>,
    pub scopes: ScopeIndex,
    /// Prices the instruments were charged at.
    pub prices_used: Arc<BTreeSet<PriceRef>>,
    /// Instruments whose coverage ended at or before `from` and that charge
    /// nothing in the window: not rated, kept (without their money) so that
    /// an overage explanation can name the commitment or reservation that
    /// ended before the window began. A commitment each; a reservation's
    /// last term only.
    pub ended: Arc<Vec<Instrument>>,
    /// Whether windows carry their explanation (what-ifs that read only
    /// figures turn it off).
    pub explain: bool,
    index: Index,
    /// What each commitment and reservation made ([`Kept`]).
    made: Arc<Made>,
}

/// Where each commitment's and then each reservation's instruments, ended
/// instruments and prices begin in a prepared window (one more mark for
/// the end), the prices each charged at, which reservations' refunds are
/// refused, and the options.
#[derive(Default)]
struct Made {
    marks: Vec<(usize, usize, usize)>,
    prices: Vec<PriceRef>,
    refused: Vec<bool>,
    opts: Options,
}

/// Each id's index (the last of an id).
fn ids<'a>(list: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    list.enumerate()
        .map(|(i, id)| (id.to_string(), i))
        .collect()
}

/// Lookups for explanations.
struct Index {
    /// Each deployment's resource (index in `estate.resources`).
    resource_of_deployment: Vec<usize>,
    /// Each resource's pools, made when an explanation first asks (what-ifs
    /// explain nothing).
    groups_by_resource: std::sync::OnceLock<HashMap<usize, Vec<usize>>>,
    /// The instruments' (shared by the windows prepared with the same
    /// instruments, [`Kept`]).
    instruments: std::sync::Arc<InstrumentIndex>,
}

/// Lookups of instruments.
#[derive(Default)]
struct InstrumentIndex {
    instrument_by_id: HashMap<String, usize>,
    commitments_by_resource: HashMap<usize, Vec<usize>>,
    reservations_by_region: HashMap<String, Vec<usize>>,
    /// The same, per region and deployment type, in the same order.
    reservations_by_region_sku: HashMap<String, HashMap<Sku, Vec<usize>>>,
}

impl Index {
    /// The pools' lookups beside the instruments' `instruments`.
    fn new(
        groups: &[Group],
        instruments: std::sync::Arc<InstrumentIndex>,
        deployments: usize,
    ) -> Index {
        let mut ix = Index {
            resource_of_deployment: vec![0; deployments],
            groups_by_resource: std::sync::OnceLock::new(),
            instruments,
        };
        for g in groups {
            for &d in &g.deployments {
                ix.resource_of_deployment[d] = g.resource;
            }
        }
        ix
    }
}

impl InstrumentIndex {
    /// Indexes `instruments` (0..n) and then `ended` (n..), as
    /// [`Prepared::any_instrument`] reads them; only rated instruments by id.
    fn new(instruments: &[Instrument], ended: &[Instrument]) -> InstrumentIndex {
        let mut ix = InstrumentIndex::default();
        for (ii, i) in instruments.iter().chain(ended).enumerate() {
            if ii < instruments.len() {
                ix.instrument_by_id.insert(i.id.clone(), ii);
            }
            match (i.kind, i.resource) {
                (InstrumentKind::Commitment, Some(r)) => {
                    ix.commitments_by_resource.entry(r).or_default().push(ii)
                }
                _ => {
                    ix.reservations_by_region
                        .entry(i.region.clone())
                        .or_default()
                        .push(ii);
                    if i.kind == InstrumentKind::Reservation {
                        ix.reservations_by_region_sku
                            .entry(i.region.clone())
                            .or_default()
                            .entry(i.sku)
                            .or_default()
                            .push(ii);
                    }
                }
            }
        }
        ix
    }
}

/// The refunds of the last estates rated on this thread: each refunded
/// reservation with the book's current prices of its region and type, the
/// options, and which of them the limit refuses.
type RefundKey = (
    Vec<(crate::domain::Reservation, Option<Decimal>, Option<Decimal>)>,
    Options,
);

thread_local! {
    static LAST_REFUSED: std::cell::RefCell<Option<(RefundKey, Vec<bool>)>> =
        const { std::cell::RefCell::new(None) };
}

/// [`super::refund::refused`], kept for the same refunded reservations at
/// the same prices and options: what-ifs rate many parts that all carry
/// every refunded reservation (the limit joins them), unchanged. The
/// decision reads only the refunded reservations, their prices and the
/// options.
fn refused(estate: &Estate, book: &PriceBook, opts: &Options) -> HashSet<usize> {
    let refunded: Vec<usize> = estate
        .reservations
        .iter()
        .enumerate()
        .filter(|(_, r)| r.refunded_at.is_some())
        .map(|(i, _)| i)
        .collect();
    if refunded.is_empty() {
        return HashSet::new();
    }
    let price = |r: &crate::domain::Reservation, kind| {
        book.lookup(&r.region, r.sku, kind).map(|p| p.amount)
    };
    let key: RefundKey = (
        refunded
            .iter()
            .map(|&i| {
                let r = &estate.reservations[i];
                (
                    r.clone(),
                    price(r, PriceKind::ReservationMonth),
                    price(r, PriceKind::ReservationYear),
                )
            })
            .collect(),
        opts.clone(),
    );
    LAST_REFUSED.with(|last| {
        if let Some((k, flags)) = &*last.borrow()
            && *k == key
        {
            return refunded
                .iter()
                .zip(flags)
                .filter(|x| *x.1)
                .map(|x| *x.0)
                .collect();
        }
        let set = super::refund::refused(estate, book, opts);
        let flags = refunded.iter().map(|i| set.contains(i)).collect();
        *last.borrow_mut() = Some((key, flags));
        set
    })
}

fn own_price(region: &str, sku: Sku, kind: PriceKind, amount: Decimal) -> PriceRef {
    PriceRef {
        region: region.to_string(),
        sku,
        kind,
        amount,
        verified: true,
        source: Some("the instrument's own price".into()),
    }
}

impl<'a> Prepared<'a> {
    /// Prepares `[from, to)` for rating. `book` is the price book under the
    /// estate's own price rows.
    pub fn new(
        estate: &'a Estate,
        book: &PriceBook,
        from: Time,
        to: Time,
        opts: &Options,
    ) -> Result<Prepared<'a>, RatingError> {
        Prepared::prepare(estate, book, from, to, opts, None, None)
    }

    /// [`Prepared::new`] of `[from, to)` of an estate whose resources, own
    /// prices, billing accounts and management groups are those of the
    /// estate `kept` was prepared from, over the same window with the same
    /// book and options: each commitment and reservation the same there
    /// (the same value by id; a reservation's refund refused alike) takes
    /// the instruments it made there as they are (they read nothing else),
    /// the others are made.
    pub fn new_like(
        estate: &'a Estate,
        book: &PriceBook,
        from: Time,
        to: Time,
        opts: &Options,
        kept: &Kept,
    ) -> Result<Prepared<'a>, RatingError> {
        Prepared::prepare(estate, book, from, to, opts, Some(kept), None)
    }

    /// [`Prepared::new`], or [`Prepared::new_like`] with `kept`, of an
    /// estate whose pools are `groups`: those a window of the same estate
    /// prepared before holds (pools depend on the estate alone), so that a
    /// second window need not group the deployments again.
    pub fn with_pools(
        estate: &'a Estate,
        book: &PriceBook,
        from: Time,
        to: Time,
        opts: &Options,
        kept: Option<&Kept>,
        groups: Vec<Group>,
    ) -> Result<Prepared<'a>, RatingError> {
        Prepared::prepare(estate, book, from, to, opts, kept, Some(groups))
    }

    fn prepare(
        estate: &'a Estate,
        book: &PriceBook,
        from: Time,
        to: Time,
        opts: &Options,
        like: Option<&Kept>,
        groups: Option<Vec<Group>>,
    ) -> Result<Prepared<'a>, RatingError> {
        let like = like.filter(|k| k.from == from && k.to == to && k.made.opts == *opts);
        let book = book.over(&estate.prices);
        let scopes = ScopeIndex::new(estate);
        let res_index = resource_index(estate);
        let groups = groups.unwrap_or_else(|| pools(estate, |id| res_index[id]));

        // Terms far enough out that every charge reaching into the window is known:
        // an amortized spread starts at the midnight before its instant.
        let until = midnight(to.date_naive()) + Duration::days(1);
        let (from_h, to_h) = (hour_index(from), hour_index(to));
        let touches = |cap: &[(Time, i64)], bills: &[Bill], spreads: &[Spread]| {
            let cov_start = cap.first().map(|c| c.0);
            let cov_end = cap.last().map(|c| c.0);
            cov_start.is_some_and(|s| s < to) && cov_end.is_some_and(|e| e > from)
                || bills.iter().any(|b| b.at >= from && b.at < to)
                || spreads
                    .iter()
                    .any(|s| s.start_hour < to_h && s.end_hour() > from_h)
        };

        let mut instruments = Vec::new();
        let mut ended = Vec::new();
        let mut prices_used = BTreeSet::new();
        // Every commitment and reservation price missing, named at once.
        let mut unpriced = Vec::new();
        // What each commitment and reservation made, in turn: where its
        // instruments, ended instruments and prices begin.
        let mut made = Made {
            opts: opts.clone(),
            ..Made::default()
        };
        for (ci, c) in estate.commitments.iter().enumerate() {
            made.marks
                .push((instruments.len(), ended.len(), made.prices.len()));
            if let Some(k) = like
                && let Some(j) = k.commitment_ids.get(c.id.as_str()).copied()
                && k.commitments[j] == *c
            {
                k.take(j, ci, &mut instruments, &mut ended, &mut made.prices);
                prices_used.extend(k.prices_of(j).iter().cloned());
                continue;
            }
            let ri = res_index[c.resource.as_str()];
            let res = &estate.resources[ri];
            let terms =
                terms::commitment_terms(c, res.deleted.or(res.purged), until).map_err(|e| {
                    RatingError::Invalid(format!("$.commitments[{ci}].{}: {}", e.path, e.message))
                })?;
            let price = match c.price {
                Some(p) => Some(own_price(
                    &res.region,
                    Sku::Regional,
                    PriceKind::CommitmentMonth,
                    p,
                )),
                None => book.lookup(&res.region, Sku::Regional, PriceKind::CommitmentMonth),
            };
            let unit = price.as_ref().map_or(Decimal::ZERO, |p| p.amount);
            let (bills, spreads) = commitment_money(&terms, unit);
            let capacity = commitment_capacity(&terms);
            let last_end = terms.last().expect("one term at least").end;
            if !touches(&capacity, &bills, &spreads) {
                if last_end <= from {
                    ended.push(Instrument {
                        id: c.id.clone(),
                        kind: InstrumentKind::Commitment,
                        source: ci,
                        region: res.region.clone(),
                        sku: Sku::Regional,
                        resource: Some(ri),
                        start: c.start,
                        capacity,
                        scopes: vec![],
                        order_instant: c.start,
                        bills: vec![],
                        spreads: vec![],
                        end: Some(last_end),
                        end_reason: "expired",
                    });
                }
                continue;
            }
            let Some(price) = price else {
                unpriced.push(MissingPrice::new(
                    format!("commitment {}", c.id),
                    &res.region,
                    Sku::Regional,
                    PriceKind::CommitmentMonth,
                ));
                continue;
            };
            made.prices.push(price.clone());
            prices_used.insert(price);
            let last = terms.last().expect("one term at least");
            instruments.push(Instrument {
                id: c.id.clone(),
                kind: InstrumentKind::Commitment,
                source: ci,
                region: res.region.clone(),
                sku: Sku::Regional,
                resource: Some(ri),
                start: c.start,
                capacity,
                scopes: vec![],
                order_instant: c.start,
                bills,
                spreads,
                end: Some(last.end).filter(|e| *e < until),
                end_reason: "expired",
            });
        }

        // A refund Azure refuses (the rolling limit) is rated as never made.
        let refused = refused(estate, &book, opts);
        let n_commitments = estate.commitments.len();
        for (ri, r) in estate.reservations.iter().enumerate() {
            made.marks
                .push((instruments.len(), ended.len(), made.prices.len()));
            if let Some(k) = like
                && let Some(j) = k.reservation_ids.get(r.id.as_str()).copied()
                && k.reservations[j].0 == *r
                && k.reservations[j].1 == refused.contains(&ri)
            {
                let at = k.commitments.len() + j;
                k.take(at, ri, &mut instruments, &mut ended, &mut made.prices);
                prices_used.extend(k.prices_of(at).iter().cloned());
                continue;
            }
            let kept;
            let r = if refused.contains(&ri) {
                kept = crate::domain::Reservation {
                    refunded_at: None,
                    ..r.clone()
                };
                &kept
            } else {
                r
            };
            let terms = terms::reservation_terms(r, until).map_err(|e| {
                RatingError::Invalid(format!("$.reservations[{ri}].{}: {}", e.path, e.message))
            })?;
            let timeline = terms::scope_timeline(r);
            for term in &terms {
                let book_kind = match term.term {
                    Term::OneMonth => PriceKind::ReservationMonth,
                    Term::OneYear => PriceKind::ReservationYear,
                };
                let current = book.lookup(&r.region, r.sku, book_kind);
                let price = match term.own_price {
                    Some(p) => Some(own_price(&r.region, r.sku, book_kind, p)),
                    None => current.clone(),
                };
                let unit = price.as_ref().map_or(Decimal::ZERO, |p| p.amount);
                let lower = current.as_ref().map_or(unit, |c| c.amount.min(unit));
                let (bills, spreads) = reservation_money(term, unit, lower, opts);
                let capacity = vec![(term.covers_from, term.ptu), (term.coverage_end(), 0)];
                // The scope in force at the term's start, then the changes within it.
                let scopes_of = |term: &ReservationTerm| {
                    let mut scopes: Vec<(Time, Scope)> =
                        vec![(term.start, terms::scope_at(r, term.start).clone())];
                    for (at, s) in &timeline {
                        if *at > term.start && *at < term.coverage_end() {
                            scopes.push((*at, (*s).clone()));
                        }
                    }
                    scopes
                };
                let end = term.coverage_end();
                let last = terms.last().is_some_and(|l| l.id == term.id);
                let end_reason = if term.refunded_at.is_some() {
                    "was refunded"
                } else if term.moved_at.is_some() {
                    "was split or merged"
                } else {
                    "expired"
                };
                if !touches(&capacity, &bills, &spreads) {
                    // The last term of a chain that ended before the window.
                    if last && end <= from {
                        ended.push(Instrument {
                            id: term.id.clone(),
                            kind: InstrumentKind::Reservation,
                            source: ri,
                            region: r.region.clone(),
                            sku: r.sku,
                            resource: None,
                            start: term.start,
                            scopes: scopes_of(term),
                            capacity,
                            order_instant: term.order_instant,
                            bills: vec![],
                            spreads: vec![],
                            end: Some(end),
                            end_reason,
                        });
                    }
                    continue;
                }
                let Some(price) = price else {
                    unpriced.push(MissingPrice::new(
                        format!("reservation {}", term.id),
                        &r.region,
                        r.sku,
                        book_kind,
                    ));
                    continue;
                };
                made.prices.push(price.clone());
                prices_used.insert(price);
                if let Some(c) = current.filter(|_| term.refunded_at.is_some()) {
                    made.prices.push(c.clone());
                    prices_used.insert(c);
                }
                let continues = !last || end >= until;
                instruments.push(Instrument {
                    id: term.id.clone(),
                    kind: InstrumentKind::Reservation,
                    source: ri,
                    region: r.region.clone(),
                    sku: r.sku,
                    resource: None,
                    start: term.start,
                    capacity,
                    scopes: scopes_of(term),
                    order_instant: term.order_instant,
                    bills,
                    spreads,
                    end: Some(end).filter(|_| {
                        !continues || term.refunded_at.is_some() || term.moved_at.is_some()
                    }),
                    end_reason,
                });
            }
        }

        if !unpriced.is_empty() {
            return Err(RatingError::MissingPrices(unpriced));
        }
        made.marks
            .push((instruments.len(), ended.len(), made.prices.len()));
        made.refused = (0..estate.reservations.len())
            .map(|ri| refused.contains(&ri))
            .collect();
        debug_assert_eq!(
            made.marks.len(),
            n_commitments + estate.reservations.len() + 1
        );
        let index = Index::new(
            &groups,
            std::sync::Arc::new(InstrumentIndex::new(&instruments, &ended)),
            estate.deployments.len(),
        );
        Ok(Prepared {
            estate,
            book: Arc::new(book),
            from,
            to,
            groups,
            instruments: Arc::new(instruments),
            scopes,
            prices_used: Arc::new(prices_used),
            ended: Arc::new(ended),
            explain: true,
            index,
            made: Arc::new(made),
        })
    }

    /// Its instruments, book and scopes, for [`Prepared::with_kept`].
    pub fn kept(&self) -> Kept {
        Kept {
            book: self.book.clone(),
            scopes: self.scopes.clone(),
            instruments: self.instruments.clone(),
            ended: self.ended.clone(),
            prices_used: self.prices_used.clone(),
            index: self.index.instruments.clone(),
            resources: Arc::new(
                resource_index(self.estate)
                    .into_iter()
                    .map(|(id, i)| (id.to_string(), i))
                    .collect(),
            ),
            from: self.from,
            to: self.to,
            commitments: self.estate.commitments.clone(),
            reservations: self
                .estate
                .reservations
                .iter()
                .cloned()
                .zip(self.made.refused.iter().copied())
                .collect(),
            commitment_ids: ids(self.estate.commitments.iter().map(|c| c.id.as_str())),
            reservation_ids: ids(self.estate.reservations.iter().map(|r| r.id.as_str())),
            made: self.made.clone(),
        }
    }

    /// [`Prepared::new`] of `[from, to)` of an estate whose resources,
    /// commitments, reservations, own prices, billing accounts and
    /// management groups are those of the estate `kept` was prepared from,
    /// over the same window with the same book and options: its pools made
    /// (or `groups`, as [`Prepared::with_pools`] takes them), its
    /// instruments those kept (they read nothing else).
    pub fn with_kept(
        estate: &'a Estate,
        from: Time,
        to: Time,
        kept: &Kept,
        groups: Option<Vec<Group>>,
    ) -> Prepared<'a> {
        let groups = groups.unwrap_or_else(|| pools(estate, |id| kept.resources[id]));
        let index = Index::new(&groups, kept.index.clone(), estate.deployments.len());
        Prepared {
            estate,
            book: kept.book.clone(),
            from,
            to,
            groups,
            instruments: kept.instruments.clone(),
            scopes: kept.scopes.clone(),
            prices_used: kept.prices_used.clone(),
            ended: kept.ended.clone(),
            explain: true,
            index,
            made: kept.made.clone(),
        }
    }

    /// The hourly price of a pool, or the error naming who needs it.
    pub fn hourly_price(&self, g: &Group) -> Result<PriceRef, RatingError> {
        let r = &self.estate.resources[g.resource];
        self.book
            .lookup(&r.region, g.sku, PriceKind::Hourly)
            .ok_or_else(|| {
                RatingError::MissingPrices(vec![MissingPrice::new(
                    format!("deployments on {} paying the hourly rate", r.id),
                    &r.region,
                    g.sku,
                    PriceKind::Hourly,
                )])
            })
    }

    /// The end instant of each deployment's existence (deletion or the
    /// resource's purge), if any.
    pub fn deployment_end(&self, d: usize) -> Option<Time> {
        let dep = &self.estate.deployments[d];
        let res = &self.estate.resources[self.index.resource_of_deployment[d]];
        match (dep.deleted, res.purged) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// True when the deployment exists at some instant of `[from, to)`
    /// (whole hours): outside it, it counts no minute of the window.
    pub fn deployment_exists_within(&self, d: usize, from: Time, to: Time) -> bool {
        self.estate.deployments[d].created() < to && self.deployment_end(d).is_none_or(|e| e > from)
    }

    /// The step points of a deployment's size: 0 before creation and after its end.
    pub fn deployment_points(&self, d: usize) -> Vec<(Time, i64)> {
        let dep = &self.estate.deployments[d];
        let end = self.deployment_end(d);
        let mut pts: Vec<(Time, i64)> = dep
            .sizes
            .iter()
            .filter(|s| end.is_none_or(|e| s.at < e))
            .map(|s| (s.at, s.ptu))
            .collect();
        if let Some(e) = end {
            pts.push((e, 0));
        }
        pts
    }

    /// A pool's deployed PTUs over `[from, to)` as a step function, from
    /// its deployments that exist at some instant of that span.
    pub fn pool_steps(&self, g: &Group, from: Time, to: Time) -> super::minutes::Steps {
        use super::minutes::{Steps, Within};
        let parts: Vec<Steps> = g
            .deployments
            .iter()
            .filter(|&&d| self.deployment_exists_within(d, from, to))
            .map(|&d| Steps::from_points(&self.deployment_points(d), Within::Max))
            .collect();
        Steps::sum(parts.iter())
    }

    /// Instrument `i` of the index: a rated one below `instruments.len()`,
    /// else one of `ended`.
    fn any_instrument(&self, i: usize) -> &Instrument {
        self.instruments
            .get(i)
            .unwrap_or_else(|| &self.ended[i - self.instruments.len()])
    }

    fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.index
            .instruments
            .instrument_by_id
            .get(id)
            .map(|&i| &self.instruments[i])
    }

    /// Why a reservation's capacity is double-billed.
    pub fn explain_double_billing(&self, id: &str) -> String {
        match self.instrument(id) {
            Some(i) => format!(
                "reservation {} ({} PTU {} in {}) is paid for while a commitment still covers the deployments it could cover",
                i.id,
                i.capacity.first().map_or(0, |c| c.1),
                i.sku.label(),
                i.region
            ),
            None => String::new(),
        }
    }

    /// Why an instrument's capacity is unused.
    pub fn explain_unused(&self, id: &str) -> String {
        match self.instrument(id) {
            Some(i) if i.kind == InstrumentKind::Commitment => {
                format!(
                    "commitment {} has more PTUs than its resource's regional deployments use",
                    i.id
                )
            }
            Some(i) => format!(
                "reservation {} has more PTUs than the {} deployments in {} within its scope use",
                i.id,
                i.sku.label(),
                i.region
            ),
            None => String::new(),
        }
    }

    /// Why a resource's deployments pay the hourly rate over `[start, end)`:
    /// the commitment that expired or is too small, the reservation that
    /// ended or is full, or no discount of that region and type in scope.
    pub fn explain_overage(&self, resource: usize, start: Time, end: Time) -> String {
        let res = &self.estate.resources[resource];
        let groups: &[usize] = self
            .index
            .groups_by_resource
            .get_or_init(|| {
                let mut by: HashMap<usize, Vec<usize>> = HashMap::new();
                for (gi, g) in self.groups.iter().enumerate() {
                    by.entry(g.resource).or_default().push(gi);
                }
                by
            })
            .get(&resource)
            .map_or(&[], |v| v.as_slice());
        let mut skus: Vec<Sku> = groups
            .iter()
            .filter(|&&g| {
                self.groups[g].deployments.iter().any(|&d| {
                    let d = &self.estate.deployments[d];
                    d.created() < end
                        && d.ptu_at(start).max(d.ptu_at(end - Duration::seconds(1))) > 0
                })
            })
            .map(|&g| self.groups[g].sku)
            .collect();
        if skus.is_empty() {
            skus = groups.iter().map(|&g| self.groups[g].sku).collect();
        }
        skus.sort();
        skus.dedup();
        let h = hour_index(start);
        let active = |i: &Instrument, t: Time| {
            i.capacity
                .iter()
                .take_while(|c| c.0 <= t)
                .last()
                .is_some_and(|c| c.1 > 0)
        };
        let mut parts = Vec::new();
        for sku in skus {
            let mut reasons: Vec<String> = Vec::new();
            let mut later: Vec<(Time, String)> = Vec::new();
            if sku == Sku::Regional {
                let mine: Vec<&Instrument> = self
                    .index
                    .instruments
                    .commitments_by_resource
                    .get(&resource)
                    .into_iter()
                    .flatten()
                    .map(|&i| self.any_instrument(i))
                    .collect();
                if let Some(c) = mine.iter().find(|i| active(i, start)) {
                    let ptu = c
                        .capacity
                        .iter()
                        .take_while(|x| x.0 <= start)
                        .last()
                        .map_or(0, |x| x.1);
                    reasons.push(format!(
                        "commitment {} ({ptu} PTU) is smaller than the regional PTUs deployed",
                        c.id
                    ));
                } else if let Some(c) = mine
                    .iter()
                    .filter(|i| i.end.is_some_and(|e| e <= start))
                    .max_by_key(|i| i.end)
                {
                    reasons.push(format!(
                        "commitment {} {} at {}",
                        c.id,
                        c.end_reason,
                        fmt_time(c.end.expect("ended"))
                    ));
                }
                for c in &mine {
                    if let Some(e) = c.end.filter(|e| *e > start && *e < end) {
                        later.push((
                            e,
                            format!("commitment {} {} at {}", c.id, c.end_reason, fmt_time(e)),
                        ));
                    }
                }
            }
            // The reservations of the region and type, in index order.
            let matching: Vec<&Instrument> = self
                .index
                .instruments
                .reservations_by_region_sku
                .get(&res.region)
                .and_then(|m| m.get(&sku))
                .into_iter()
                .flatten()
                .map(|&i| self.any_instrument(i))
                .collect();
            let in_scope_now: Vec<&str> = matching
                .iter()
                .filter(|i| {
                    active(i, start)
                        && i.scope_at_hour(h)
                            .is_some_and(|s| self.scopes.contains(s, res))
                })
                .map(|i| i.id.as_str())
                .collect();
            if !in_scope_now.is_empty() {
                reasons.push(format!(
                    "reservations in scope ({}) are fully used",
                    in_scope_now.join(", ")
                ));
            } else if let Some(r) = matching
                .iter()
                .filter(|i| {
                    i.end.is_some_and(|e| e <= start)
                        && i.scopes.iter().any(|(_, s)| self.scopes.contains(s, res))
                })
                .max_by_key(|i| i.end)
            {
                reasons.push(format!(
                    "reservation {} {} at {}",
                    r.id,
                    r.end_reason,
                    fmt_time(r.end.expect("ended"))
                ));
            } else {
                let mut text = format!(
                    "no {} reservation in {} covers {}",
                    sku.label(),
                    res.region,
                    res.subscription
                );
                // A reservation of another type in scope is the classic mismatch.
                let in_region = self
                    .index
                    .instruments
                    .reservations_by_region
                    .get(&res.region)
                    .into_iter()
                    .flatten()
                    .map(|&i| self.any_instrument(i));
                let other: Vec<String> = in_region
                    .filter(|i| {
                        i.kind == InstrumentKind::Reservation
                            && i.sku != sku
                            && i.region == res.region
                            && i.start < end
                            && i.end.is_none_or(|e| e > start)
                            && i.scopes.iter().any(|(_, s)| self.scopes.contains(s, res))
                    })
                    .map(|i| format!("{} is {}", i.id, i.sku.label()))
                    .collect();
                if !other.is_empty() {
                    text.push_str(&format!(
                        " ({}: deployment types never share a discount)",
                        other.join(", ")
                    ));
                }
                reasons.push(text);
            }
            for r in &matching {
                if let Some(e) = r.end.filter(|e| *e > start && *e < end)
                    && r.scopes.iter().any(|(_, s)| self.scopes.contains(s, res))
                {
                    later.push((
                        e,
                        format!("reservation {} {} at {}", r.id, r.end_reason, fmt_time(e)),
                    ));
                }
            }
            later.sort();
            let mut text = format!("{}: {}", sku.label(), reasons.join("; "));
            for (_, l) in later {
                text.push_str("; then ");
                text.push_str(&l);
            }
            parts.push(text);
        }
        parts.join(". ")
    }
}

/// Capacity points of a commitment: each term's PTUs, additions from their
/// instant, 0 after the last term.
fn commitment_capacity(terms: &[CommitmentTerm]) -> Vec<(Time, i64)> {
    let mut pts = Vec::new();
    for t in terms {
        pts.push((t.start, t.ptu));
        let mut ptu = t.ptu;
        for &(at, add) in &t.additions {
            ptu += add;
            pts.push((at, ptu));
        }
    }
    if let Some(last) = terms.last() {
        pts.push((last.end, 0));
    }
    // Equal instants: the later point wins.
    let mut out: Vec<(Time, i64)> = Vec::with_capacity(pts.len());
    for p in pts {
        match out.last_mut() {
            Some(l) if l.0 == p.0 => l.1 = p.1,
            _ => out.push(p),
        }
    }
    out
}

//! What-ifs that cost in proportion to what they change.
//!
//! Rating is additive over (region, deployment type) keys: every pool and
//! every instrument belongs to exactly one key (a commitment to its
//! resource's region and Regional, a reservation to its region and type),
//! pools and instruments of different keys never share usage, and managed
//! compute belongs to none. So the totals of an edited estate are the
//! totals of the current one, less those of the current estate's part in
//! the keys the edit touches, plus those of the edited estate's part in the
//! same keys. [`Baseline`] keeps the current estate's totals per window, so
//! that a what-if rates only the keys it touches, twice (before and after).

use super::minutes::Steps;
use super::{Options, RatingError, Request, Totals, forecast};
use crate::domain::prices::PriceBook;
use crate::domain::time::Time;
use crate::domain::{Estate, Sku};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A (region, deployment type) key.
pub type Key = (String, Sku);

/// What an edit touches: the keys whose pools or instruments differ, and
/// whether managed compute does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    pub keys: BTreeSet<Key>,
    pub managed_compute: bool,
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && !self.managed_compute
    }
}

/// The keys whose rating may differ between two estates, or `None` when the
/// change reaches every key (the currency, prices, billing accounts or
/// management groups). Quotas never change a rating.
pub fn touched(before: &Estate, after: &Estate) -> Option<Touched> {
    if before.currency != after.currency
        || before.prices != after.prices
        || before.billing_accounts != after.billing_accounts
        || before.management_groups != after.management_groups
    {
        return None;
    }
    let mut t = Touched {
        managed_compute: before.managed_compute != after.managed_compute,
        ..Touched::default()
    };
    // The region of a resource on either side, each side's map of them
    // made only when an object that differs asks (an edit changes a few).
    let (rb, ra) = (std::cell::OnceCell::new(), std::cell::OnceCell::new());
    let region = |resource: &str, on_after: bool| -> Option<String> {
        let (e, regions) = if on_after {
            (after, &ra)
        } else {
            (before, &rb)
        };
        let map = regions.get_or_init(|| regions_of(e));
        map.get(resource).map(|r| r.to_string())
    };
    // Objects by id in both estates: each one that differs touches its key
    // on either side.
    fn diff<'a, T: PartialEq>(
        b: &'a [T],
        a: &'a [T],
        id: impl Fn(&T) -> &str,
        mut touch: impl FnMut(&T, bool),
    ) {
        // An edit keeps the other objects where they were: side by side,
        // the same ids in the same order need no lookup.
        if b.len() == a.len() && b.iter().zip(a).all(|(x, y)| id(x) == id(y)) {
            for (x, y) in b.iter().zip(a) {
                if x != y {
                    touch(x, false);
                    touch(y, true);
                }
            }
            return;
        }
        let ib: FxHashMap<&str, &T> = b.iter().map(|x| (id(x), x)).collect();
        let ia: FxHashMap<&str, &T> = a.iter().map(|x| (id(x), x)).collect();
        for x in b {
            if ia.get(id(x)).is_none_or(|y| *y != x) {
                touch(x, false);
            }
        }
        for x in a {
            if ib.get(id(x)).is_none_or(|y| *y != x) {
                touch(x, true);
            }
        }
    }
    let mut keys = BTreeSet::new();
    diff(
        &before.resources,
        &after.resources,
        |r| &r.id,
        |r, _| {
            for sku in [Sku::Global, Sku::DataZone, Sku::Regional] {
                keys.insert((r.region.clone(), sku));
            }
        },
    );
    diff(
        &before.deployments,
        &after.deployments,
        |d| &d.id,
        |d, on_after| {
            if let Some(region) = region(&d.resource, on_after) {
                keys.insert((region, d.sku));
            }
        },
    );
    diff(
        &before.commitments,
        &after.commitments,
        |c| &c.id,
        |c, on_after| {
            if let Some(region) = region(&c.resource, on_after) {
                keys.insert((region, Sku::Regional));
            }
        },
    );
    diff(
        &before.reservations,
        &after.reservations,
        |r| &r.id,
        |r, _| {
            keys.insert((r.region.clone(), r.sku));
        },
    );
    t.keys = keys;
    Some(t)
}

/// The part of an estate that the touched keys rate: their deployments,
/// commitments and reservations (with every resource of their regions),
/// managed compute only when touched; scopes, prices and the currency as
/// they are.
pub fn restrict(e: &Estate, t: &Touched) -> Estate {
    let holds = |region: &str, sku: Sku| t.keys.iter().any(|k| k.0 == region && k.1 == sku);
    let in_regions = |region: &str| t.keys.iter().any(|k| k.0 == region);
    let region_of = regions_of(e);
    let on_key = |resource: &str, sku: Sku| region_of.get(resource).is_some_and(|r| holds(r, sku));
    Estate {
        schema: e.schema,
        currency: e.currency.clone(),
        billing_accounts: e.billing_accounts.clone(),
        management_groups: e.management_groups.clone(),
        prices: e.prices.clone(),
        quotas: vec![],
        model_capacities: e.model_capacities.clone(),
        resources: e
            .resources
            .iter()
            .filter(|r| in_regions(&r.region))
            .cloned()
            .collect(),
        deployments: e
            .deployments
            .iter()
            .filter(|d| on_key(&d.resource, d.sku))
            .cloned()
            .collect(),
        commitments: e
            .commitments
            .iter()
            .filter(|c| on_key(&c.resource, Sku::Regional))
            .cloned()
            .collect(),
        reservations: e
            .reservations
            .iter()
            .filter(|r| holds(&r.region, r.sku))
            .cloned()
            .collect(),
        managed_compute: if t.managed_compute {
            e.managed_compute.clone()
        } else {
            vec![]
        },
    }
}

/// Each resource's region by id (the last of an id, as a map collected
/// from the list keeps it).
fn regions_of(e: &Estate) -> FxHashMap<&str, &str> {
    e.resources
        .iter()
        .map(|r| (r.id.as_str(), r.region.as_str()))
        .collect()
}

/// The parts of two estates that a comparison of their ratings needs: both
/// restricted to the keys the change touches, or both whole when it
/// reaches every key. Totals, instrument figures and the windows of the
/// touched keys differ between the parts as between the whole estates
/// (a resource's overage in untouched deployment types is in neither part).
pub fn parts<'a>(before: &'a Estate, after: &'a Estate) -> (Cow<'a, Estate>, Cow<'a, Estate>) {
    match touched(before, after) {
        Some(t) => (
            Cow::Owned(restrict(before, &t)),
            Cow::Owned(restrict(after, &t)),
        ),
        None => (Cow::Borrowed(before), Cow::Borrowed(after)),
    }
}

/// [`forecast`] with windows left unexplained (empty explanations): the
/// same figures, for what-ifs that compare totals, charges and window costs
/// and never show the text.
pub fn forecast_unexplained(
    estate: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<super::Forecast, RatingError> {
    super::check_request(req)?;
    let mut prepared = super::prepare::Prepared::new(estate, book, req.from, req.to, opts)?;
    prepared.explain = false;
    super::engine::rate(&prepared, req)
}

/// [`forecast_unexplained`] of two windows of one estate: `first` is rated
/// before `second` is prepared (so a failing `first` is the error), and the
/// two ratings share the pools' usage steps, built once over the span that
/// holds both windows. Each forecast is the one rated alone.
pub fn forecasts_unexplained(
    estate: &Estate,
    book: &PriceBook,
    first: &Request,
    second: &Request,
    opts: &Options,
) -> Result<(super::Forecast, super::Forecast), RatingError> {
    super::check_request(first)?;
    let mut prepared = super::prepare::Prepared::new(estate, book, first.from, first.to, opts)?;
    prepared.explain = false;
    let steps = super::engine::group_steps(
        &prepared,
        first.from.min(second.from),
        first.to.max(second.to),
    );
    let steps: Vec<&Steps> = steps.iter().collect();
    let a = super::engine::rate_sharing(&prepared, first, &steps)?;
    super::check_request(second)?;
    let mut prepared = super::prepare::Prepared::new(estate, book, second.from, second.to, opts)?;
    prepared.explain = false;
    let b = super::engine::rate_sharing(&prepared, second, &steps)?;
    Ok((a, b))
}

/// What a rating of one estate over one or two windows made that the
/// ratings of an estate differing from it in a few deployments, over the
/// same windows, reuse: each pool's usage steps over the span (a pool whose
/// resource and deployments are the same has the same steps), and each
/// window's prepared instruments (the same when only deployments differ).
pub struct Reusable {
    from: Time,
    to: Time,
    groups: Vec<super::prepare::Group>,
    steps: Vec<Steps>,
    /// Each window rated, with its instruments.
    windows: Vec<(Time, Time, super::prepare::Kept)>,
    /// The price book (its address: the one a pricer holds for as long as
    /// it keeps this) and options they were made with.
    book: usize,
    opts: Options,
}

/// The pools' steps of `p` over `[from, to)`, as [`super::engine::group_steps`]
/// makes them, each borrowed from `like` (made from the estate `like.0`
/// over the same span) where the pool's resource and deployments are the
/// same there (every resource the same, so the pools are numbered alike).
fn pool_steps<'s>(
    p: &super::prepare::Prepared,
    from: Time,
    to: Time,
    like: Option<(&Estate, &'s Reusable)>,
) -> Vec<Cow<'s, Steps>> {
    let like =
        like.filter(|(e, s)| s.from == from && s.to == to && e.resources == p.estate.resources);
    p.groups
        .iter()
        .map(|g| {
            let same = like.and_then(|(e, s)| {
                let j = s
                    .groups
                    .binary_search_by(|x| (x.resource, x.sku).cmp(&(g.resource, g.sku)))
                    .ok()?;
                let was = &s.groups[j].deployments;
                (was.len() == g.deployments.len()
                    && was
                        .iter()
                        .zip(&g.deployments)
                        .all(|(&a, &b)| e.deployments[a] == p.estate.deployments[b]))
                .then(|| Cow::Borrowed(&s.steps[j]))
            });
            same.unwrap_or_else(|| Cow::Owned(p.pool_steps(g, from, to)))
        })
        .collect()
}

/// [`forecast_unexplained`] of `first`, and with `second` also that window
/// as [`forecasts_unexplained`] rates the two, reusing what `like` holds
/// where it is the same ([`Reusable`]; `like.0` the estate it was made
/// from). With `keep`, also what this rating made, for estates like this
/// one over the same windows.
pub fn forecasts_unexplained_like(
    estate: &Estate,
    book: &PriceBook,
    first: &Request,
    second: Option<&Request>,
    opts: &Options,
    like: Option<(&Estate, &Reusable)>,
    keep: bool,
) -> Result<(super::Forecast, Option<super::Forecast>, Option<Reusable>), RatingError> {
    // Instruments read the resources, commitments, reservations, prices
    // and scopes, the book and the options: each commitment and
    // reservation reads itself and the rest.
    let frame_alike = like.filter(|(e, s)| {
        s.book == book as *const PriceBook as usize
            && s.opts == *opts
            && e.resources == estate.resources
            && e.prices == estate.prices
            && e.billing_accounts == estate.billing_accounts
            && e.management_groups == estate.management_groups
    });
    let instruments_alike = frame_alike.is_some_and(|(e, _)| {
        e.commitments == estate.commitments && e.reservations == estate.reservations
    });
    // The second window takes the first's pools (they depend on the
    // estate alone).
    let prepare = |req: &Request,
                   groups: Option<Vec<super::prepare::Group>>|
     -> Result<super::prepare::Prepared, RatingError> {
        super::check_request(req)?;
        let kept = frame_alike.and_then(|(_, s)| {
            s.windows
                .iter()
                .find(|w| w.0 == req.from && w.1 == req.to)
                .map(|w| &w.2)
        });
        use super::prepare::Prepared;
        let mut prepared = match (kept, groups) {
            (Some(k), groups) if instruments_alike => {
                Prepared::with_kept(estate, req.from, req.to, k, groups)
            }
            (k, Some(groups)) => {
                Prepared::with_pools(estate, book, req.from, req.to, opts, k, groups)?
            }
            (Some(k), None) => Prepared::new_like(estate, book, req.from, req.to, opts, k)?,
            (None, None) => Prepared::new(estate, book, req.from, req.to, opts)?,
        };
        prepared.explain = false;
        Ok(prepared)
    };
    let prepared = prepare(first, None)?;
    let (from, to) = match second {
        Some(s) => (first.from.min(s.from), first.to.max(s.to)),
        None => (first.from, first.to),
    };
    let steps = pool_steps(&prepared, from, to, like);
    let refs: Vec<&Steps> = steps.iter().map(|s| s.as_ref()).collect();
    let a = super::engine::rate_sharing(&prepared, first, &refs)?;
    let mut windows = Vec::new();
    if keep {
        windows.push((first.from, first.to, prepared.kept()));
    }
    let b = match second {
        Some(second) => {
            let prepared = prepare(second, Some(prepared.groups.clone()))?;
            if keep {
                windows.push((second.from, second.to, prepared.kept()));
            }
            Some(super::engine::rate_sharing(&prepared, second, &refs)?)
        }
        None => None,
    };
    let kept = keep.then(|| Reusable {
        from,
        to,
        groups: prepared.groups.clone(),
        steps: steps.into_iter().map(Cow::into_owned).collect(),
        windows,
        book: book as *const PriceBook as usize,
        opts: opts.clone(),
    });
    Ok((a, b, kept))
}

/// `base - less + more`, field by field.
fn shifted(base: &Totals, less: &Totals, more: &Totals) -> Totals {
    macro_rules! f {
        ($($x:ident),*) => {
            Totals { $($x: base.$x - less.$x + more.$x),* }
        };
    }
    f!(
        hourly,
        commitment,
        reservation,
        refunds,
        managed_compute,
        deployed_ptu_minutes,
        commitment_covered_ptu_minutes,
        reservation_covered_ptu_minutes,
        hourly_ptu_minutes,
        unused_commitment_ptu_minutes,
        unused_reservation_ptu_minutes
    )
}

/// The parts of a current estate and an edited one in the keys the edit
/// touches ([`restrict`]ed once, for every window a preview rates).
pub struct Parts {
    pub touched: Touched,
    pub current: Estate,
    pub edited: Estate,
}

impl Parts {
    pub fn new(current: &Estate, edited: &Estate, touched: Touched) -> Parts {
        Parts {
            current: restrict(current, &touched),
            edited: restrict(edited, &touched),
            touched,
        }
    }
}

/// The totals of a part, its windows unexplained (totals don't read them).
fn part_totals(
    part: &Estate,
    book: &PriceBook,
    req: &Request,
    opts: &Options,
) -> Result<Totals, RatingError> {
    forecast_unexplained(part, book, req, opts).map(|f| f.totals)
}

/// The current estate's totals per request, rated once while the estate
/// is the same allocation, the price book the same and the options equal:
/// what what-ifs on it start from.
#[derive(Default)]
pub struct Baseline {
    estate: Option<Arc<Estate>>,
    book: usize,
    opts: Option<Options>,
    totals: Vec<(Request, Result<Totals, RatingError>)>,
    /// The totals of its parts in some keys, per request.
    parts: Vec<(Touched, Request, Result<Totals, RatingError>)>,
    /// The validity frame of an estate's objects but its deployments
    /// ([`Baseline::frame`]), with the estate it was built from.
    frame: Option<(Arc<Estate>, Arc<crate::domain::validate::Frame>)>,
}

/// How many windows (and parts) a baseline keeps.
const KEPT: usize = 16;

impl Baseline {
    /// The totals of `estate` over `req`.
    pub fn totals(
        &mut self,
        estate: &Arc<Estate>,
        book: &PriceBook,
        req: &Request,
        opts: &Options,
    ) -> Result<Totals, RatingError> {
        let book_id = book as *const PriceBook as usize;
        let same = self.estate.as_ref().is_some_and(|e| Arc::ptr_eq(e, estate))
            && self.book == book_id
            && self.opts.as_ref() == Some(opts);
        if !same {
            *self = Baseline {
                estate: Some(estate.clone()),
                book: book_id,
                opts: Some(opts.clone()),
                totals: vec![],
                parts: vec![],
                frame: self.frame.take().filter(|(e, _)| Arc::ptr_eq(e, estate)),
            };
        }
        if let Some((_, t)) = self.totals.iter().find(|(r, _)| r == req) {
            return t.clone();
        }
        let t = forecast(estate, book, req, opts).map(|f| f.totals);
        // A few windows at a time (day, month, the next 30 days...).
        if self.totals.len() >= KEPT {
            let _oldest = self.totals.remove(0);
        }
        self.totals.push((req.clone(), t.clone()));
        t
    }

    /// The frame of `estate`'s objects but its deployments, built once
    /// per estate: an edit of deployments alone is checked against it
    /// instead of validating every object again.
    pub fn frame(&mut self, estate: &Arc<Estate>) -> Arc<crate::domain::validate::Frame> {
        match &self.frame {
            Some((e, f)) if Arc::ptr_eq(e, estate) => f.clone(),
            _ => {
                let f = Arc::new(crate::domain::validate::Frame::of(estate));
                self.frame = Some((estate.clone(), f.clone()));
                f
            }
        }
    }

    /// The totals of `edited` over `req`: the totals of `estate` (the
    /// baseline's) shifted by a rating of only the keys the edit touches
    /// (`parts`: in the keys [`touched`] finds), the current part's totals
    /// rated once per request and kept. An edit that reaches every key, or
    /// a touched part that fails to rate (a missing price: the whole
    /// estate's rating names it), rates the whole edited estate.
    pub fn totals_after(
        &mut self,
        estate: &Arc<Estate>,
        edited: &Estate,
        parts: Option<&Parts>,
        book: &PriceBook,
        req: &Request,
        opts: &Options,
    ) -> Result<Totals, RatingError> {
        let mut all =
            self.totals_after_all(estate, edited, parts, book, std::slice::from_ref(req), opts)?;
        Ok(all.remove(0))
    }

    /// [`Baseline::totals_after`] of several windows, which may overlap:
    /// the parts are rated once over each piece between the windows' ends
    /// (totals are additive over whole hours), so overlapping windows cost
    /// the hours they cover together, not each its own.
    pub fn totals_after_all(
        &mut self,
        estate: &Arc<Estate>,
        edited: &Estate,
        parts: Option<&Parts>,
        book: &PriceBook,
        reqs: &[Request],
        opts: &Options,
    ) -> Result<Vec<Totals>, RatingError> {
        let before = reqs
            .iter()
            .map(|r| self.totals(estate, book, r, opts))
            .collect::<Result<Vec<Totals>, RatingError>>()?;
        let whole = || {
            reqs.iter()
                .map(|r| forecast(edited, book, r, opts).map(|f| f.totals))
                .collect()
        };
        let Some(parts) = parts else {
            return whole();
        };
        let t = &parts.touched;
        if t.is_empty() {
            return Ok(before);
        }
        // The windows of one basis cut at each other's ends: each piece
        // rated once, each window shifted by the pieces it holds.
        let mut pieces: Vec<(Request, Totals, Totals)> = Vec::new();
        for req in reqs {
            let mut cuts: Vec<Time> = reqs
                .iter()
                .filter(|r| r.basis == req.basis)
                .flat_map(|r| [r.from, r.to])
                .filter(|&c| req.from <= c && c <= req.to)
                .collect();
            cuts.sort_unstable();
            cuts.dedup();
            for w in cuts.windows(2) {
                let piece = Request {
                    from: w[0],
                    to: w[1],
                    ..req.clone()
                };
                if pieces
                    .iter()
                    .any(|(r, _, _)| (r.from, r.to, r.basis) == (piece.from, piece.to, piece.basis))
                {
                    continue;
                }
                let less = self.part_kept(parts, book, &piece, opts);
                let more = part_totals(&parts.edited, book, &piece, opts);
                let (Ok(less), Ok(more)) = (less, more) else {
                    return whole();
                };
                pieces.push((piece, less, more));
            }
        }
        Ok(reqs
            .iter()
            .zip(before)
            .map(|(req, before)| {
                pieces
                    .iter()
                    .filter(|(r, _, _)| {
                        r.basis == req.basis && req.from <= r.from && r.to <= req.to
                    })
                    .fold(before, |t, (_, less, more)| shifted(&t, less, more))
            })
            .collect())
    }

    /// The current part's totals over `req`, rated once and kept for every
    /// edit of its keys.
    fn part_kept(
        &mut self,
        parts: &Parts,
        book: &PriceBook,
        req: &Request,
        opts: &Options,
    ) -> Result<Totals, RatingError> {
        let t = &parts.touched;
        if let Some((_, _, less)) = self.parts.iter().find(|(k, r, _)| k == t && r == req) {
            return less.clone();
        }
        let less = part_totals(&parts.current, book, req, opts);
        if self.parts.len() >= KEPT {
            let _oldest = self.parts.remove(0);
        }
        self.parts.push((t.clone(), req.clone(), less.clone()));
        less
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Size;
    use crate::domain::time::Time;
    use crate::generate::{Profile, generate_profile};
    use crate::rating::{Basis, Bucket};
    use chrono::{Duration, TimeZone, Utc};
    use rust_decimal::Decimal;

    fn monthly(from: Time, to: Time, basis: Basis) -> Request {
        Request {
            from,
            to,
            basis,
            by: Bucket::Month,
        }
    }

    /// A horizon from three days before `base` to a cut at an odd hour a
    /// month after it, and the rest of a year from the cut.
    fn horizon_and_rest(base: Time) -> (Time, Time, Time) {
        (
            base - Duration::days(3),
            base + Duration::days(30) + Duration::hours(7),
            base + Duration::days(368),
        )
    }

    fn close(a: &Totals, b: &Totals) {
        let eps = Decimal::new(1, 12);
        for (what, x, y) in [
            ("hourly", a.hourly, b.hourly),
            ("commitment", a.commitment, b.commitment),
            ("reservation", a.reservation, b.reservation),
            ("refunds", a.refunds, b.refunds),
            ("managed compute", a.managed_compute, b.managed_compute),
        ] {
            assert!((x - y).abs() < eps, "{what}: {x} vs {y}");
        }
        let minutes = |t: &Totals| {
            [
                t.deployed_ptu_minutes,
                t.commitment_covered_ptu_minutes,
                t.reservation_covered_ptu_minutes,
                t.hourly_ptu_minutes,
                t.unused_commitment_ptu_minutes,
                t.unused_reservation_ptu_minutes,
            ]
        };
        assert_eq!(minutes(a), minutes(b));
    }

    /// `e` with its deployment `k` 50 PTU larger from `after` past its
    /// last size or `base`, whichever is later, and not deleted.
    fn resized(e: &Estate, k: usize, base: Time, after: Duration) -> Estate {
        let mut x = e.clone();
        let d = &mut x.deployments[k];
        let last = d.sizes.last().expect("created").clone();
        d.sizes.push(Size {
            at: last.at.max(base) + after,
            ptu: last.ptu + 50,
            approximate: false,
        });
        d.deleted = None;
        x
    }

    #[test]
    fn a_what_if_rated_in_part_equals_the_whole_rating() {
        let base = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let book = PriceBook::default_book();
        let opts = Options::default();
        let req = Request {
            from: base - Duration::days(10),
            to: base + Duration::days(20),
            basis: Basis::Actual,
            by: Bucket::Month,
        };
        for profile in [Profile::Spread, Profile::Concentrated] {
            let current = generate_profile(400, 3, base, profile);
            // A resize at an odd minute, and a larger reservation.
            let mut edited = resized(&current, 5, base, Duration::minutes(67));
            edited.reservations[0].ptu += 50;

            let t = touched(&current, &edited).expect("touches some keys");
            assert!(!t.managed_compute);
            assert!((1..=2).contains(&t.keys.len()), "{profile:?}: {t:?}");
            let before = forecast(&current, &book, &req, &opts).unwrap().totals;
            let whole = forecast(&edited, &book, &req, &opts).unwrap().totals;
            assert_ne!(before, whole, "{profile:?}: the edit changes the totals");

            // The baseline rates the current estate once per request.
            let arc = Arc::new(current.clone());
            let mut b = Baseline::default();
            let first = b.totals(&arc, &book, &req, &opts).unwrap();
            assert_eq!(first, before);
            assert_eq!(b.totals(&arc, &book, &req, &opts).unwrap(), before);
            assert_eq!(b.totals.len(), 1);

            // Rated in part, the edited estate's totals are the whole
            // rating's; the current part is kept, and a second edit of the
            // same keys reads it.
            close(
                &b.totals_after(
                    &arc,
                    &edited,
                    Some(&Parts::new(&current, &edited, t.clone())),
                    &book,
                    &req,
                    &opts,
                )
                .unwrap(),
                &whole,
            );
            assert_eq!(b.parts.len(), 1);
            let mut again = edited.clone();
            again.reservations[0].ptu += 50;
            let whole_again = forecast(&again, &book, &req, &opts).unwrap().totals;
            assert_ne!(
                whole_again, whole,
                "{profile:?}: the second edit changes the totals"
            );
            close(
                &b.totals_after(
                    &arc,
                    &again,
                    touched(&current, &again)
                        .map(|t| Parts::new(&current, &again, t))
                        .as_ref(),
                    &book,
                    &req,
                    &opts,
                )
                .unwrap(),
                &whole_again,
            );
            assert_eq!(b.parts.len(), 1, "{profile:?}: the part was kept");
        }
    }

    /// Windows that overlap (a preview's day, month and next 30 days, one
    /// on the other basis) rated together are each the whole edited
    /// estate's rating; the current part is rated once per piece between
    /// the windows' ends.
    #[test]
    fn overlapping_windows_rated_together_are_each_the_whole_rating() {
        let base = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let book = PriceBook::default_book();
        let opts = Options::default();
        let h = |days: i64, hours: i64| base + Duration::days(days) + Duration::hours(hours);
        let reqs = [
            monthly(h(0, 2), h(1, 2), Basis::Actual),
            monthly(h(-12, 0), h(19, 0), Basis::Actual),
            monthly(h(0, 0), h(30, 0), Basis::Actual),
            monthly(h(0, 0), h(30, 0), Basis::Amortized),
        ];
        for profile in [Profile::Spread, Profile::Concentrated] {
            let current = generate_profile(400, 3, base, profile);
            let edited = resized(&current, 5, base, Duration::minutes(67));
            let t = touched(&current, &edited).expect("touches some keys");
            let arc = Arc::new(current.clone());
            let mut b = Baseline::default();
            let after = b
                .totals_after_all(
                    &arc,
                    &edited,
                    Some(&Parts::new(&current, &edited, t)),
                    &book,
                    &reqs,
                    &opts,
                )
                .unwrap();
            for (req, after) in reqs.iter().zip(&after) {
                let whole = forecast(&edited, &book, req, &opts).unwrap().totals;
                assert_ne!(
                    whole,
                    forecast(&current, &book, req, &opts).unwrap().totals,
                    "{profile:?} {req:?}: the edit changes the totals"
                );
                close(after, &whole);
            }
            // Actual: cut at 12 days before, 0, 2 h, 1 day 2 h, 19 and 30
            // days: five pieces; amortized: one.
            assert_eq!(b.parts.len(), 6, "{profile:?}");
        }
    }

    /// What-ifs rate a lifetime as the horizon plus the rest: totals are
    /// additive over a window cut at a whole hour, on both bases, and the
    /// unexplained forecast has the same figures.
    #[test]
    fn a_window_rated_in_two_pieces_adds_up_to_the_whole() {
        let base = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let book = PriceBook::default_book();
        let opts = Options::default();
        for profile in [Profile::Spread, Profile::Concentrated] {
            let e = generate_profile(300, 5, base, profile);
            for basis in [Basis::Amortized, Basis::Actual] {
                let req = |from, to| monthly(from, to, basis);
                let (a, cut, b) = horizon_and_rest(base);
                let whole = forecast(&e, &book, &req(a, b), &opts).unwrap().totals;
                let first = forecast(&e, &book, &req(a, cut), &opts).unwrap().totals;
                let rest = forecast(&e, &book, &req(cut, b), &opts).unwrap().totals;
                let sum = shifted(&first, &Totals::default(), &rest);
                assert!(whole.total() > Decimal::ZERO);
                close(&sum, &whole);
                let quiet = forecast_unexplained(&e, &book, &req(a, b), &opts).unwrap();
                let full = forecast(&e, &book, &req(a, b), &opts).unwrap();
                assert_eq!(quiet.totals, full.totals, "{profile:?} {basis:?}");
                assert_eq!(quiet.instruments, full.instruments);
                assert_eq!(quiet.windows.len(), full.windows.len());
                for (q, f) in quiet.windows.iter().zip(&full.windows) {
                    assert_eq!(
                        (q.kind, q.start, q.end, q.ptu_minutes, q.cost, &q.subject),
                        (f.kind, f.start, f.end, f.ptu_minutes, f.cost, &f.subject)
                    );
                    assert!(q.explanation.is_empty() && !f.explanation.is_empty());
                }
            }
        }
    }

    /// Two windows rated together, sharing the pools' steps, are each the
    /// forecast rated alone: adjacent windows (a horizon and the rest of a
    /// lifetime) and one inside the other, with deployments that exist in
    /// only one of them.
    #[test]
    fn two_windows_rated_together_are_each_rated_alone() {
        let base = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let book = PriceBook::default_book();
        let opts = Options::default();
        let (a, cut, b) = horizon_and_rest(base);
        for profile in [Profile::Spread, Profile::Concentrated] {
            let mut e = generate_profile(300, 5, base, profile);
            // Gone before the cut, and created at an odd minute after it.
            e.deployments[3].deleted = Some(a + Duration::days(5) + Duration::minutes(13));
            let late = &mut e.deployments[7];
            let ptu = late.sizes.last().expect("created").ptu;
            late.sizes = vec![Size {
                at: cut + Duration::days(40) + Duration::minutes(29),
                ptu,
                approximate: false,
            }];
            late.deleted = None;
            for basis in [Basis::Amortized, Basis::Actual] {
                let req = |from, to| monthly(from, to, basis);
                for (first, second) in [(req(a, cut), req(cut, b)), (req(a, b), req(a, cut))] {
                    let alone = (
                        forecast_unexplained(&e, &book, &first, &opts).unwrap(),
                        forecast_unexplained(&e, &book, &second, &opts).unwrap(),
                    );
                    assert!(alone.0.totals.total() > Decimal::ZERO);
                    assert!(alone.1.totals.total() > Decimal::ZERO);
                    let together =
                        forecasts_unexplained(&e, &book, &first, &second, &opts).unwrap();
                    assert_eq!(together, alone, "{profile:?} {basis:?}");
                }
            }
        }
    }

    /// A what-if rated with what a rating of the estate it changes kept
    /// (pool steps, instruments of the commitments and reservations it
    /// leaves alone, or all of them when it changes only deployments) is
    /// the what-if rated afresh: instruments changed, added, removed (the
    /// later ones renumbered), a refund made, deployments resized.
    #[test]
    fn a_what_if_rated_with_what_its_estate_kept_is_rated_afresh() {
        let base = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let book = PriceBook::default_book();
        let opts = Options::default();
        let (a, cut, b) = horizon_and_rest(base);
        let first = monthly(a, cut, Basis::Amortized);
        let second = monthly(cut, b, Basis::Amortized);
        for profile in [Profile::Spread, Profile::Concentrated] {
            let e = generate_profile(300, 5, base, profile);
            let (_, _, kept) =
                forecasts_unexplained_like(&e, &book, &first, Some(&second), &opts, None, true)
                    .unwrap();
            let kept = kept.expect("kept");
            let mut edits: Vec<(&str, Estate)> = Vec::new();
            let mut x = e.clone();
            x.reservations[0].ptu += 50;
            edits.push(("a larger reservation", x));
            let mut x = e.clone();
            x.reservations.remove(1);
            edits.push(("a reservation removed", x));
            let mut x = e.clone();
            let mut added = x.reservations[2].clone();
            added.id = "res-added".into();
            added.start = base + Duration::days(9) + Duration::minutes(17);
            x.reservations.push(added);
            edits.push(("a reservation added", x));
            let mut x = e.clone();
            x.reservations[3].refunded_at = Some(base + Duration::days(2));
            edits.push(("a refund", x));
            let mut x = e.clone();
            x.commitments[0].ptu += 50;
            x.reservations.swap(4, 5);
            edits.push(("a larger commitment, two reservations swapped", x));
            edits.push(("a resize", resized(&e, 7, base, Duration::minutes(61))));
            for (what, x) in &edits {
                let fresh = forecasts_unexplained(x, &book, &first, &second, &opts).unwrap();
                let (h, rest, _) = forecasts_unexplained_like(
                    x,
                    &book,
                    &first,
                    Some(&second),
                    &opts,
                    Some((&e, &kept)),
                    false,
                )
                .unwrap();
                assert_eq!((h, rest.expect("second")), fresh, "{profile:?}: {what}");
            }
        }
    }

    /// Remedies price a draft that only updates model versions as the
    /// estate as it is: a rating never reads a deployment's model or
    /// version.
    #[test]
    fn a_deployments_model_and_version_change_no_rating() {
        let base = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let book = PriceBook::default_book();
        let opts = Options::default();
        let (a, _, b) = horizon_and_rest(base);
        for profile in [Profile::Spread, Profile::Concentrated] {
            let e = generate_profile(300, 5, base, profile);
            let mut x = e.clone();
            for (i, d) in x.deployments.iter_mut().enumerate() {
                d.version = format!("v{i}");
                if i % 2 == 0 {
                    d.model = "another-model".into();
                }
            }
            for basis in [Basis::Amortized, Basis::Actual] {
                let req = monthly(a, b, basis);
                let was = forecast(&e, &book, &req, &opts).unwrap();
                assert!(was.totals.total() > Decimal::ZERO);
                assert_eq!(
                    forecast(&x, &book, &req, &opts).unwrap(),
                    was,
                    "{profile:?} {basis:?}"
                );
            }
        }
    }

    #[test]
    fn prices_and_scopes_touch_every_key_and_nothing_touches_none() {
        let base = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let e = generate_profile(100, 1, base, Profile::Concentrated);
        assert_eq!(touched(&e, &e), Some(Touched::default()));
        let mut p = e.clone();
        p.prices[0].hourly = Some(Decimal::new(12_345, 2));
        assert_eq!(touched(&e, &p), None);
        let mut m = e.clone();
        let held = m
            .management_groups
            .iter_mut()
            .find(|g| !g.subscriptions.is_empty())
            .expect("a group holding subscriptions");
        held.subscriptions.pop();
        assert_eq!(touched(&e, &m), None);
        // A quota never changes a rating.
        let mut q = e.clone();
        q.quotas.clear();
        assert_eq!(touched(&e, &q), Some(Touched::default()));
        // A restricted estate holds only its keys.
        let key = (e.resources[0].region.clone(), e.deployments[0].sku);
        let t = Touched {
            keys: BTreeSet::from([key.clone()]),
            managed_compute: false,
        };
        let r = restrict(&e, &t);
        assert!(!r.deployments.is_empty());
        assert!(r.deployments.len() < e.deployments.len());
        assert!(r.managed_compute.is_empty());
        assert!(
            r.reservations
                .iter()
                .all(|x| (x.region.clone(), x.sku) == key)
        );
    }
}

//! The rolling refund limit (docs/reservations.md#the-refund-limit). The
//! sum of all cancelled reservation commitment may not pass USD 50,000
//! ([`REFUND_LIMIT_USD`]) in a rolling 12-month window: a refund counts for
//! 365 days from its instant, then its part of the limit is restored.
//!
//! A refund's cancelled commitment is everything the reservation still owes
//! at the refund instant, at the lower of its purchase and current price:
//! paid up front, its credit; billed monthly, the current period's credit
//! plus every payment of the term not yet billed. A refund whose cancelled
//! commitment would pass the limit is refused by Azure, whole.
//!
//! Refunds Azure reported (`refunded_reported`) happened and are taken as
//! recorded, counting against the limit whatever they cancelled. Every other
//! refund (planned, or written in a snapshot that does not say it came from
//! Azure) is checked in time order (ties by reservation id) against the
//! refunds granted before it; a refused one is rated as never made: coverage
//! and payments go on, no credit, the renewal setting holds.
//!
//! The limit is one pool for the whole estate: the estate does not record
//! which billing profile or enrollment pays for a reservation, and one pool
//! is exact for an estate of one and errs towards refusing otherwise.
//! Amounts are taken as USD whatever the estate's currency.

use super::bills;
use super::{Options, REFUND_LIMIT_USD};
use crate::domain::Estate;
use crate::domain::prices::PriceBook;
use crate::domain::time::Time;
use rust_decimal::Decimal;
use std::collections::HashSet;

/// One refund of the estate and what the limit makes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub at: Time,
    /// The reservation's id.
    pub reservation: String,
    /// The refunded term's id (`res-1`, or a renewal's `res-1/r2`).
    pub term: String,
    /// Index in `estate.reservations`.
    pub index: usize,
    /// The credit if granted (negative), early termination fee deducted.
    pub credit: Decimal,
    /// The commitment it cancels (positive).
    pub cancelled: Decimal,
    /// Azure reported it: taken as recorded.
    pub reported: bool,
    /// What was left of the limit at its instant, before it.
    pub headroom: Decimal,
    /// Past the limit: Azure refuses it, and it is rated as never made.
    pub refused: bool,
}

impl Refund {
    /// By how much it passes the limit (zero when it fits).
    pub fn excess(&self) -> Decimal {
        (self.cancelled - self.headroom.max(Decimal::ZERO)).max(Decimal::ZERO)
    }
}

/// The estate's refunds in time order, each decided against the limit.
/// `book` is the price book under the estate's own price rows.
pub fn refunds(estate: &Estate, book: &PriceBook, opts: &Options) -> Vec<Refund> {
    decide(estate, &book.over(&estate.prices), opts)
}

/// [`refunds`] with `book` already under the estate's price rows.
pub(crate) fn decide(estate: &Estate, book: &PriceBook, opts: &Options) -> Vec<Refund> {
    let mut out: Vec<Refund> = estate
        .reservations
        .iter()
        .enumerate()
        .filter_map(|(index, r)| {
            let (term, credit, cancelled) = bills::refund_of(r, book, opts)?;
            Some(Refund {
                at: term.refunded_at?,
                reservation: r.id.clone(),
                term: term.id,
                index,
                credit,
                cancelled,
                reported: r.refunded_reported,
                headroom: Decimal::ZERO,
                refused: false,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.at.cmp(&b.at)
            .then_with(|| a.reservation.cmp(&b.reservation))
    });
    for k in 0..out.len() {
        let headroom = refund_headroom(&out[..k], out[k].at);
        let x = &mut out[k];
        x.headroom = headroom;
        x.refused = !x.reported && x.cancelled > headroom;
    }
    out
}

/// The reservations (indices) whose refund Azure refuses.
pub(crate) fn refused(estate: &Estate, book: &PriceBook, opts: &Options) -> HashSet<usize> {
    if estate.reservations.iter().all(|r| r.refunded_at.is_none()) {
        return HashSet::new();
    }
    decide(estate, book, opts)
        .into_iter()
        .filter(|r| r.refused)
        .map(|r| r.index)
        .collect()
}

/// How much may still be cancelled at `at`: the limit less the commitment
/// cancelled by the granted refunds among `refunds` in the 365 days up to
/// `at` (a refund is restored 365 days after it).
pub fn refund_headroom(refunds: &[Refund], at: Time) -> Decimal {
    let since = at - chrono::Duration::days(365);
    let used: Decimal = refunds
        .iter()
        .filter(|r| !r.refused && r.at > since && r.at <= at)
        .map(|r| r.cancelled)
        .sum();
    Decimal::from(REFUND_LIMIT_USD) - used
}

//! What an instrument's terms bill: the charges at their instants (the
//! actual basis) and their spread over whole days (the amortized basis), for
//! commitments and reservations, and what a reservation's refund credits and
//! cancels. The timeline ([`super::prepare`]) and the refund limit
//! ([`super::refund`]) both start from here.

use super::Options;
use super::alloc::{cumulative, part};
use crate::domain::Billing;
use crate::domain::Term;
use crate::domain::prices::{PriceBook, PriceKind};
use crate::domain::terms::{self, CommitmentTerm, ReservationTerm};
use crate::domain::time::{Time, days_between, midnight};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// What a charge is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChargeKind {
    /// A commitment's or reservation's first term.
    Purchase,
    /// A renewed term.
    Renewal,
    /// PTUs added to a commitment during its term (prorated).
    Addition,
    /// A monthly-billed reservation's period.
    Period,
    /// A refund's credit (negative).
    Refund,
}

/// A charge at its billing instant (the actual basis).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    pub at: Time,
    pub amount: Decimal,
    pub kind: ChargeKind,
    /// The PTUs the charge is for (negative for a refund).
    pub ptu: i64,
    /// The PTU-hours the charge pays for (whole days of 24 hours, as the
    /// amortized spread counts them; negative for a refund: what it cancels).
    pub ptu_hours: i64,
}

/// A charge spread evenly over whole UTC days, each day evenly over its
/// hours (the amortized basis).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spread {
    /// The first hour, in hours since the Unix epoch (a midnight).
    pub start_hour: i64,
    /// Number of hours (24 per day).
    pub hours: i64,
    pub amount: Decimal,
    pub kind: ChargeKind,
}

impl Spread {
    pub(crate) fn new(
        first_day: NaiveDate,
        days: i64,
        amount: Decimal,
        kind: ChargeKind,
    ) -> Spread {
        Spread {
            start_hour: hour_index(midnight(first_day)),
            hours: days * 24,
            amount,
            kind,
        }
    }

    /// The part of the charge that falls in hours `[a, b)` (hours since the epoch).
    pub fn sum_hours(&self, a: i64, b: i64) -> Decimal {
        let lo = (a - self.start_hour).clamp(0, self.hours);
        let hi = (b - self.start_hour).clamp(0, self.hours);
        if hi <= lo {
            return Decimal::ZERO;
        }
        cumulative(self.amount, hi, self.hours) - cumulative(self.amount, lo, self.hours)
    }

    pub fn end_hour(&self) -> i64 {
        self.start_hour + self.hours
    }
}

/// Hours since the Unix epoch of the hour containing `t`.
pub fn hour_index(t: Time) -> i64 {
    t.timestamp().div_euclid(3600)
}

/// Bills and spreads of a commitment at `unit` per PTU per term: each term
/// billed up front at its start; additions billed at once, prorated by days
/// (days left counting the day of the addition, at least 1, over the days
/// in the term) and amortized over those days.
pub(crate) fn commitment_money(
    terms: &[CommitmentTerm],
    unit: Decimal,
) -> (Vec<Bill>, Vec<Spread>) {
    let mut bills = Vec::new();
    let mut spreads = Vec::new();
    for t in terms {
        let kind = if t.index == 0 {
            ChargeKind::Purchase
        } else {
            ChargeKind::Renewal
        };
        let amount = unit * Decimal::from(t.ptu);
        let (d0, d1) = (t.start.date_naive(), t.end.date_naive());
        let term_days = days_between(d0, d1);
        bills.push(Bill {
            at: t.start,
            amount,
            kind,
            ptu: t.ptu,
            ptu_hours: t.ptu * term_days * 24,
        });
        spreads.push(Spread::new(d0, term_days, amount, kind));
        for &(at, add) in &t.additions {
            let left = days_between(at.date_naive(), d1).max(1);
            let amount = unit * Decimal::from(add) * Decimal::from(left) / Decimal::from(term_days);
            bills.push(Bill {
                at,
                amount,
                kind: ChargeKind::Addition,
                ptu: add,
                ptu_hours: add * left * 24,
            });
            spreads.push(Spread::new(
                at.date_naive(),
                left,
                amount,
                ChargeKind::Addition,
            ));
        }
    }
    (bills, spreads)
}

/// Bills and spreads of a reservation term at `unit` per PTU per term.
/// Amortized as its monthly periods (twelve twelfths for a year); billed up
/// front at the start or each period at its start. A refund stops future
/// periods and credits the days left (counting the refund day, at least 1)
/// at the lower of the purchase and current price, less any early
/// termination fee.
pub(crate) fn reservation_money(
    t: &ReservationTerm,
    unit: Decimal,
    lower: Decimal,
    opts: &Options,
) -> (Vec<Bill>, Vec<Spread>) {
    let total = unit * Decimal::from(t.ptu);
    let n = t.periods.len() as i64;
    let kind = if t.n == 0 {
        ChargeKind::Purchase
    } else {
        ChargeKind::Renewal
    };
    let mut bills = Vec::new();
    let mut spreads = Vec::new();
    let refund = t.refunded_at;
    // A split part's or merge survivor's first term was paid by its source.
    if t.billing == Billing::Upfront && t.bills_at_start() {
        let (d0, d1) = (t.start.date_naive(), t.end.date_naive());
        bills.push(Bill {
            at: t.start,
            amount: total,
            kind,
            ptu: t.ptu,
            ptu_hours: t.ptu * days_between(d0, d1) * 24,
        });
    }
    for (i, &p) in t.periods.iter().enumerate() {
        // A monthly-billed term stops paying periods after a refund.
        if t.billing == Billing::Monthly && refund.is_some_and(|r| p > r) {
            break;
        }
        // Across a split or merge each period is paid once, by the
        // reservation that holds the PTUs at its start.
        if !t.holds_period(i) {
            continue;
        }
        let amount = part(total, i as i64, n);
        let (d0, d1) = (p.date_naive(), t.period_end(i).date_naive());
        if t.billing == Billing::Monthly {
            bills.push(Bill {
                at: p,
                amount,
                kind: if i == 0 { kind } else { ChargeKind::Period },
                ptu: t.ptu,
                ptu_hours: t.ptu * days_between(d0, d1) * 24,
            });
        }
        spreads.push(Spread::new(
            d0,
            days_between(d0, d1),
            amount,
            if i == 0 { kind } else { ChargeKind::Period },
        ));
    }
    if let Some(r) = refund {
        let keep = (Decimal::from(100) - opts.early_termination_fee_pct) / Decimal::from(100);
        let (credit, left) = match t.billing {
            Billing::Upfront => {
                let (d0, d1) = (t.start.date_naive(), t.end.date_naive());
                let left = days_between(r.date_naive(), d1).max(1);
                let credit = lower * Decimal::from(t.ptu) * Decimal::from(left)
                    / Decimal::from(days_between(d0, d1));
                (credit, left)
            }
            Billing::Monthly => {
                let i = t
                    .periods
                    .iter()
                    .rposition(|p| *p <= r)
                    .expect("refund within the term");
                let (d0, d1) = (t.periods[i].date_naive(), t.period_end(i).date_naive());
                let left = days_between(r.date_naive(), d1).max(1);
                let period = part(lower * Decimal::from(t.ptu), i as i64, n);
                let credit = period * Decimal::from(left) / Decimal::from(days_between(d0, d1));
                (credit, left)
            }
        };
        let credit = -(credit * keep);
        bills.push(Bill {
            at: r,
            amount: credit,
            kind: ChargeKind::Refund,
            ptu: -t.ptu,
            ptu_hours: -(t.ptu * left * 24),
        });
        spreads.push(Spread::new(
            r.date_naive(),
            left,
            credit,
            ChargeKind::Refund,
        ));
    }
    (bills, spreads)
}

/// What a refund of `t` at its `refunded_at` cancels, at the `lower` price
/// ([`super::refund`]): everything the term still
/// owes at the refund instant. Paid up front, that is its credit (the days
/// left of the term); billed monthly, the current period's credit plus every
/// period of the term not yet billed. Before any early termination fee.
/// Zero when the term was not refunded.
pub(crate) fn cancelled_commitment(t: &ReservationTerm, lower: Decimal) -> Decimal {
    let Some(r) = t.refunded_at else {
        return Decimal::ZERO;
    };
    let total = lower * Decimal::from(t.ptu);
    match t.billing {
        Billing::Upfront => {
            let (d0, d1) = (t.start.date_naive(), t.end.date_naive());
            let left = days_between(r.date_naive(), d1).max(1);
            total * Decimal::from(left) / Decimal::from(days_between(d0, d1))
        }
        Billing::Monthly => {
            let n = t.periods.len() as i64;
            let Some(i) = t.periods.iter().rposition(|p| *p <= r) else {
                return Decimal::ZERO;
            };
            let (d0, d1) = (t.periods[i].date_naive(), t.period_end(i).date_naive());
            let left = days_between(r.date_naive(), d1).max(1);
            let current = part(total, i as i64, n) * Decimal::from(left)
                / Decimal::from(days_between(d0, d1));
            let unbilled: Decimal = (i as i64 + 1..n).map(|j| part(total, j, n)).sum();
            current + unbilled
        }
    }
}

/// A reservation's refund as the rolling limit sees it: the refunded term,
/// the credit it would bring (negative, fee deducted) and the commitment it
/// cancels (positive). `None` when it has no refund, or its term or price
/// can't be told (the forecast reports those itself).
pub(crate) fn refund_of(
    r: &crate::domain::Reservation,
    book: &PriceBook,
    opts: &Options,
) -> Option<(ReservationTerm, Decimal, Decimal)> {
    let at = r.refunded_at?;
    let terms = terms::reservation_terms(r, at).ok()?;
    let term = terms.into_iter().find(|t| t.refunded_at.is_some())?;
    let kind = match term.term {
        Term::OneMonth => PriceKind::ReservationMonth,
        Term::OneYear => PriceKind::ReservationYear,
    };
    let current = book.lookup(&r.region, r.sku, kind).map(|p| p.amount);
    let unit = term.own_price.or(current)?;
    let lower = current.map_or(unit, |c| c.min(unit));
    let (bills, _) = reservation_money(&term, unit, lower, opts);
    let credit = bills
        .iter()
        .filter(|b| b.kind == ChargeKind::Refund)
        .map(|b| b.amount)
        .sum();
    let cancelled = cancelled_commitment(&term, lower);
    Some((term, credit, cancelled))
}

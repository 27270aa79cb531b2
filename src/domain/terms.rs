//! The lifecycle of discount instruments as dated terms: when each commitment
//! term and reservation term starts and ends, its PTUs, its monthly periods,
//! and what renews or is refunded. Pure date logic (docs/commitments.md, docs/reservations.md); the
//! money lives in `rating::schedule`.

use super::time::{Time, add_months, ceil_hour};
use super::{Billing, Commitment, CommitmentRenewal, Reservation, ReservationRenewal, Scope, Term};
use rust_decimal::Decimal;

/// A lifecycle rule that the data breaks, with the JSON path of the culprit
/// relative to the instrument (e.g. `additions[1].at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermError {
    pub path: String,
    pub message: String,
}

/// One one-month commitment term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentTerm {
    /// 0 for the purchase, then 1, 2, ... for renewals.
    pub index: u32,
    pub start: Time,
    pub end: Time,
    /// PTUs at the start of the term.
    pub ptu: i64,
    /// PTUs added during the term: (instant, PTUs added).
    pub additions: Vec<(Time, i64)>,
}

impl CommitmentTerm {
    /// PTUs in force at the end of the term (additions included).
    pub fn ptu_at_end(&self) -> i64 {
        self.ptu + self.additions.iter().map(|a| a.1).sum::<i64>()
    }

    /// PTUs in force at `t` within the term.
    pub fn ptu_at(&self, t: Time) -> i64 {
        self.ptu
            + self
                .additions
                .iter()
                .filter(|a| a.0 <= t)
                .map(|a| a.1)
                .sum::<i64>()
    }
}

/// The renewal setting in force for an expiry at `at`: the last change made
/// strictly before it, else the original setting.
fn setting_before<'a, T>(
    initial: &'a T,
    changes: impl Iterator<Item = (Time, &'a T)>,
    at: Time,
) -> &'a T {
    changes
        .take_while(|(t, _)| *t < at)
        .last()
        .map_or(initial, |(_, s)| s)
}

/// The commitment renewal setting that applies to an expiry at `expiry`.
pub fn commitment_renewal_for(c: &Commitment, expiry: Time) -> CommitmentRenewal {
    *setting_before(
        &c.renewal,
        c.renewal_changes.iter().map(|ch| (ch.at, &ch.renewal)),
        expiry,
    )
}

/// The reservation renewal setting that applies to an expiry at `expiry`.
pub fn reservation_renewal_for(r: &Reservation, expiry: Time) -> ReservationRenewal {
    setting_before(
        &r.renewal,
        r.renewal_changes.iter().map(|ch| (ch.at, &ch.renewal)),
        expiry,
    )
    .clone()
}

/// The commitment's terms that start before `until`. A commitment stops
/// renewing when its setting says so, and when its resource was deleted at
/// or before the renewal instant (Azure removes the plan with the account).
pub fn commitment_terms(
    c: &Commitment,
    resource_deleted: Option<Time>,
    until: Time,
) -> Result<Vec<CommitmentTerm>, TermError> {
    let mut terms = Vec::new();
    let mut start = c.start;
    let mut ptu = c.ptu;
    let mut next_addition = 0;
    // Terms must reach the last addition so that it is checked.
    let until = c
        .additions
        .last()
        .map_or(until, |a| until.max(a.at + chrono::Duration::seconds(1)));
    loop {
        let end = add_months(start, 1);
        let mut term = CommitmentTerm {
            index: terms.len() as u32,
            start,
            end,
            ptu,
            additions: vec![],
        };
        while next_addition < c.additions.len() && c.additions[next_addition].at < end {
            let a = &c.additions[next_addition];
            if a.at < start {
                return Err(TermError {
                    path: format!("additions[{next_addition}].at"),
                    message: format!(
                        "expected an instant within a term of the commitment; it starts at {}",
                        super::time::fmt_time(c.start)
                    ),
                });
            }
            term.additions.push((a.at, a.ptu));
            next_addition += 1;
        }
        let at_end = term.ptu_at_end();
        terms.push(term);
        if end >= until {
            break;
        }
        let setting = setting_before(
            &c.renewal,
            c.renewal_changes.iter().map(|ch| (ch.at, &ch.renewal)),
            end,
        );
        let renews = resource_deleted.is_none_or(|d| d > end);
        let next_ptu = match setting {
            CommitmentRenewal::None => None,
            _ if !renews => None,
            CommitmentRenewal::Autorenew => Some(at_end),
            CommitmentRenewal::AutorenewLower(p) => {
                if *p > at_end {
                    let path = c
                        .renewal_changes
                        .iter()
                        .rposition(|ch| ch.at < end)
                        .map_or("renewal.ptu".to_string(), |i| {
                            format!("renewal_changes[{i}].renewal.ptu")
                        });
                    return Err(TermError {
                        path,
                        message: format!(
                            "expected at most the {at_end} PTU in force at the expiry on {}, got {p}",
                            super::time::fmt_time(end)
                        ),
                    });
                }
                Some(*p)
            }
        };
        match next_ptu {
            Some(p) => {
                start = end;
                ptu = p;
            }
            None => break,
        }
    }
    if next_addition < c.additions.len() {
        let last_end = terms.last().expect("one term at least").end;
        return Err(TermError {
            path: format!("additions[{next_addition}].at"),
            message: format!(
                "expected an instant within a term; the commitment expired at {}",
                super::time::fmt_time(last_end)
            ),
        });
    }
    Ok(terms)
}

/// The instant a commitment stops covering anything, if it does before `until`.
pub fn commitment_end(terms: &[CommitmentTerm], until: Time) -> Option<Time> {
    terms.last().map(|t| t.end).filter(|e| *e < until)
}

/// One reservation term: the original purchase or a renewal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationTerm {
    /// `res-1` for the purchase, `res-1/r1`, `res-1/r2`, ... for renewals.
    pub id: String,
    /// 0 for the purchase.
    pub n: u32,
    pub name: String,
    pub ptu: i64,
    pub term: Term,
    pub billing: Billing,
    pub start: Time,
    /// Expiry: start plus the term in one step.
    pub end: Time,
    /// Coverage stops here when the term was refunded.
    pub refunded_at: Option<Time>,
    /// Coverage and billing stop here when the reservation was split or
    /// merged away in this term (no credit).
    pub moved_at: Option<Time>,
    /// Coverage starts here: the term's start, or for the first term of a
    /// split part or merge survivor the instant it took effect.
    pub covers_from: Time,
    /// First-come-first-served key: the purchase instant (an autorenewed term
    /// keeps the original's, a replacement takes its own start).
    pub order_instant: Time,
    /// Starts of the monthly periods; the last period runs to `end`.
    pub periods: Vec<Time>,
    /// The negotiated price per PTU per term, for the original purchase only;
    /// renewals are priced from the price book.
    pub own_price: Option<Decimal>,
}

impl ReservationTerm {
    /// The instant coverage stops (refund, split or merge, or expiry).
    pub fn coverage_end(&self) -> Time {
        self.refunded_at.or(self.moved_at).unwrap_or(self.end)
    }

    /// Whether monthly period `i` is this term's to bill and amortize: a
    /// period that starts before a split part took effect was the source's,
    /// one that starts at or after a split or merge is the parts'. So the
    /// PTUs of an order are paid once across a split or merge.
    pub fn holds_period(&self, i: usize) -> bool {
        let p = self.periods[i];
        p >= self.covers_from && self.moved_at.is_none_or(|m| p < m)
    }

    /// Whether the term bills its price up front at its start: not a split
    /// part's or merge survivor's first term (the source paid it).
    pub fn bills_at_start(&self) -> bool {
        self.covers_from == self.start
    }

    /// The end of period `i` (the next period's start, or the expiry).
    pub fn period_end(&self, i: usize) -> Time {
        self.periods.get(i + 1).copied().unwrap_or(self.end)
    }
}

/// Monthly period starts of a term: one month apart, each from the previous
/// start (so a clamped day sticks), the last one stretching to the expiry.
pub fn period_starts(start: Time, term: Term) -> Vec<Time> {
    let mut v = vec![start];
    for _ in 1..term.months() {
        let prev = *v.last().expect("non-empty");
        v.push(add_months(prev, 1));
    }
    v
}

/// The marker between a reservation's id and a renewal's index in a term id.
const RENEWAL_MARK: &str = "/r";

/// The id of a reservation's term `n`: the purchase (`n` = 0) keeps the
/// reservation's id, renewal `n` is `<id>/r<n>` (`res-1`, `res-1/r1`, ...).
/// Reservation ids are any text, Azure's included
/// (`/providers/microsoft.capacity/reservationorders/<order>/reservations/<guid>`).
pub fn term_id(reservation: &str, n: u32) -> String {
    if n == 0 {
        reservation.to_string()
    } else {
        format!("{reservation}{RENEWAL_MARK}{n}")
    }
}

/// A renewal's reservation id and index, when `id` names a renewed term
/// (`res-1/r2` -> `("res-1", 2)`); `None` for any other id. Only a trailing
/// `/r` followed by digits marks a renewal, so `/reservationorders/...`
/// inside an Azure id does not.
pub fn renewal_of(id: &str) -> Option<(&str, u32)> {
    let (base, n) = id.rsplit_once(RENEWAL_MARK)?;
    if base.is_empty() || n.is_empty() || !n.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((base, n.parse().ok()?))
}

/// The reservation a term id belongs to (`res-1/r2` -> `res-1`; an id that
/// names no renewal is its own reservation).
pub fn base_id(id: &str) -> &str {
    renewal_of(id).map_or(id, |(base, _)| base)
}

/// Whether `term` is a term of the reservation `reservation`: its purchase
/// or one of its renewals.
pub fn is_term_of(term: &str, reservation: &str) -> bool {
    base_id(term) == reservation
}

/// The reservation's terms that start before `until`.
pub fn reservation_terms(r: &Reservation, until: Time) -> Result<Vec<ReservationTerm>, TermError> {
    let mut terms: Vec<ReservationTerm> = Vec::new();
    let until = r
        .refunded_at
        .map_or(until, |t| until.max(t + chrono::Duration::seconds(1)));
    let until = r
        .moved_at
        .map_or(until, |t| until.max(t + chrono::Duration::seconds(1)));
    let first_end = add_months(r.start, r.term.months());
    if let Some(e) = r.effective_from
        && (e < r.start || e >= first_end)
    {
        return Err(TermError {
            path: "effective_from".into(),
            message: format!(
                "expected an instant within the term it takes over, {} to {}",
                super::time::fmt_time(r.start),
                super::time::fmt_time(first_end)
            ),
        });
    }
    let mut cur = ReservationTerm {
        id: r.id.clone(),
        n: 0,
        name: if r.name.is_empty() {
            r.id.clone()
        } else {
            r.name.clone()
        },
        ptu: r.ptu,
        term: r.term,
        billing: r.billing,
        start: r.start,
        end: first_end,
        refunded_at: None,
        moved_at: None,
        covers_from: r.effective_from.unwrap_or(r.start),
        order_instant: r.start,
        periods: period_starts(r.start, r.term),
        own_price: r.price,
    };
    loop {
        let refunded_here = r.refunded_at.filter(|t| *t >= cur.start && *t < cur.end);
        cur.refunded_at = refunded_here;
        let moved_here = r.moved_at.filter(|t| *t >= cur.covers_from && *t < cur.end);
        cur.moved_at = moved_here;
        let end = cur.end;
        let stop = refunded_here.is_some() || moved_here.is_some() || end >= until;
        let setting = setting_before(
            &r.renewal,
            r.renewal_changes.iter().map(|ch| (ch.at, &ch.renewal)),
            end,
        )
        .clone();
        let prev = cur.clone();
        terms.push(cur);
        if stop {
            break;
        }
        let n = prev.n + 1;
        let next = match setting {
            ReservationRenewal::None => break,
            ReservationRenewal::Autorenew => ReservationTerm {
                id: term_id(&r.id, n),
                n,
                start: end,
                end: add_months(end, prev.term.months()),
                refunded_at: None,
                moved_at: None,
                covers_from: end,
                periods: period_starts(end, prev.term),
                own_price: None,
                ..prev
            },
            ReservationRenewal::Replace {
                ptu,
                term,
                billing,
                name,
            } => {
                let term = term.unwrap_or(prev.term);
                ReservationTerm {
                    id: term_id(&r.id, n),
                    n,
                    name: name.unwrap_or(prev.name),
                    ptu: ptu.unwrap_or(prev.ptu),
                    term,
                    billing: billing.unwrap_or(prev.billing),
                    start: end,
                    end: add_months(end, term.months()),
                    refunded_at: None,
                    moved_at: None,
                    covers_from: end,
                    order_instant: end,
                    periods: period_starts(end, term),
                    own_price: None,
                }
            }
        };
        cur = next;
    }
    if let Some(t) = r.refunded_at
        && terms.iter().all(|term| term.refunded_at.is_none())
    {
        let last = terms.last().expect("one term at least");
        let message = if t < r.start {
            format!(
                "expected an instant at or after the start {}",
                super::time::fmt_time(r.start)
            )
        } else {
            format!(
                "expected an instant within a term; the reservation expired at {}",
                super::time::fmt_time(last.end)
            )
        };
        return Err(TermError {
            path: "refunded_at".into(),
            message,
        });
    }
    if let Some(t) = r.moved_at
        && terms.iter().all(|term| term.moved_at.is_none())
    {
        let covers_from = terms[0].covers_from;
        let message = if t < covers_from {
            format!(
                "expected an instant at or after it took effect, {}",
                super::time::fmt_time(covers_from)
            )
        } else {
            format!(
                "expected an instant within a term; the reservation expired at {}",
                super::time::fmt_time(terms.last().expect("one term at least").end)
            )
        };
        return Err(TermError {
            path: "moved_at".into(),
            message,
        });
    }
    Ok(terms)
}

/// The scope timeline of a reservation: (effective instant, scope). A change
/// takes effect at the next whole hour; the first entry is the purchase scope.
pub fn scope_timeline(r: &Reservation) -> Vec<(Time, &Scope)> {
    let mut v: Vec<(Time, &Scope)> = vec![(r.start, &r.scope)];
    for ch in &r.scope_changes {
        // Changes are in time order (validated), so effective instants never decrease.
        let eff = ceil_hour(ch.at).max(r.start);
        match v.last_mut() {
            Some(last) if last.0 == eff => last.1 = &ch.scope,
            _ => v.push((eff, &ch.scope)),
        }
    }
    v
}

/// The scope in force at `t`.
pub fn scope_at(r: &Reservation, t: Time) -> &Scope {
    scope_timeline(r)
        .into_iter()
        .take_while(|(at, _)| *at <= t)
        .last()
        .map_or(&r.scope, |(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;
    use crate::domain::{Addition, CommitmentRenewalChange, ReservationRenewalChange, ScopeChange};

    fn t(s: &str) -> Time {
        parse_time_arg(s).unwrap()
    }

    fn commitment(start: &str, ptu: i64, renewal: CommitmentRenewal) -> Commitment {
        Commitment {
            id: "cp".into(),
            resource: "r".into(),
            start: t(start),
            ptu,
            additions: vec![],
            renewal,
            renewal_changes: vec![],
            price: None,
        }
    }

    fn reservation(start: &str, term: Term, renewal: ReservationRenewal) -> Reservation {
        Reservation {
            id: "res".into(),
            name: String::new(),
            region: "eastus2".into(),
            sku: crate::domain::Sku::Regional,
            ptu: 100,
            term,
            billing: Billing::Upfront,
            start: t(start),
            scope: Scope::Subscription {
                subscription: "sub-a".into(),
            },
            scope_changes: vec![],
            renewal,
            renewal_changes: vec![],
            refunded_at: None,
            price: None,
            refunded_approximate: false,
            refunded_reported: false,
            moved_at: None,
            effective_from: None,
        }
    }

    #[test]
    fn commitment_renewal_day_sticks_once_clamped() {
        // 31 Jan -> 28 Feb -> 28 Mar (docs/decisions.md#a-clamped-day-sticks).
        let c = commitment("2027-01-31T00:00:00Z", 100, CommitmentRenewal::Autorenew);
        let terms = commitment_terms(&c, None, t("2027-04-01")).unwrap();
        let starts: Vec<_> = terms.iter().map(|x| x.start).collect();
        assert_eq!(
            starts,
            vec![t("2027-01-31"), t("2027-02-28"), t("2027-03-28")]
        );
        assert_eq!(terms[2].end, t("2027-04-28"));
    }

    #[test]
    fn commitment_renewal_scenarios_from_the_page() {
        for (start, renews) in [
            ("2026-02-21T00:00:00Z", "2026-03-21T00:00:00Z"),
            ("2026-05-31T00:00:00Z", "2026-06-30T00:00:00Z"),
            ("2027-01-31T00:00:00Z", "2027-02-28T00:00:00Z"),
            ("2028-01-31T00:00:00Z", "2028-02-29T00:00:00Z"),
            ("2026-11-20T08:00:00Z", "2026-12-20T08:00:00Z"),
        ] {
            let c = commitment(start, 50, CommitmentRenewal::Autorenew);
            let terms = commitment_terms(&c, None, t(renews) + chrono::Duration::hours(1)).unwrap();
            assert_eq!(terms[1].start, t(renews), "bought {start}");
        }
    }

    #[test]
    fn commitment_renews_at_fewer_ptu_and_keeps_that_count() {
        let mut c = commitment(
            "2026-11-01T00:00:00Z",
            300,
            CommitmentRenewal::AutorenewLower(250),
        );
        c.additions.push(Addition {
            at: t("2026-11-15T00:00:00Z"),
            ptu: 50,
            approximate: false,
        });
        let terms = commitment_terms(&c, None, t("2027-02-15")).unwrap();
        assert_eq!(terms[0].ptu_at_end(), 350);
        assert_eq!(
            terms.iter().map(|x| x.ptu).collect::<Vec<_>>(),
            vec![300, 250, 250, 250]
        );
    }

    #[test]
    fn commitment_without_renewal_expires_and_setting_changes_apply_before_expiry() {
        let mut c = commitment("2026-11-01T00:00:00Z", 300, CommitmentRenewal::Autorenew);
        c.renewal_changes.push(CommitmentRenewalChange {
            at: t("2026-12-15T00:00:00Z"),
            renewal: CommitmentRenewal::None,
            approximate: false,
        });
        let terms = commitment_terms(&c, None, t("2027-06-01")).unwrap();
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[1].end, t("2027-01-01"));
        // A change made just before an expiry applies to it...
        c.renewal_changes[0].at = t("2026-11-30T23:59:00Z");
        let terms = commitment_terms(&c, None, t("2027-06-01")).unwrap();
        assert_eq!(terms.len(), 1);
        // ...one made at the expiry instant is too late for it.
        c.renewal_changes[0].at = t("2026-12-01T00:00:00Z");
        let terms = commitment_terms(&c, None, t("2027-06-01")).unwrap();
        assert_eq!(terms.len(), 2);
    }

    #[test]
    fn commitment_rules_broken() {
        let c = commitment(
            "2026-11-01T00:00:00Z",
            100,
            CommitmentRenewal::AutorenewLower(150),
        );
        let e = commitment_terms(&c, None, t("2027-01-01")).unwrap_err();
        assert_eq!(e.path, "renewal.ptu");
        let mut c = commitment("2026-11-01T00:00:00Z", 100, CommitmentRenewal::None);
        c.additions.push(Addition {
            at: t("2026-12-05T00:00:00Z"),
            ptu: 50,
            approximate: false,
        });
        let e = commitment_terms(&c, None, t("2026-11-02")).unwrap_err();
        assert_eq!(e.path, "additions[0].at");
        assert!(
            e.message.contains("expired at 2026-12-01T00:00:00Z"),
            "{}",
            e.message
        );
    }

    #[test]
    fn deleted_resource_stops_renewals() {
        let c = commitment("2026-11-01T00:00:00Z", 100, CommitmentRenewal::Autorenew);
        let terms = commitment_terms(&c, Some(t("2026-11-20")), t("2027-06-01")).unwrap();
        assert_eq!(terms.len(), 1);
    }

    #[test]
    fn monthly_periods_from_the_reservation_page() {
        // Bought 10 Jan: months 10 Jan - 9 Feb, 10 Feb - 9 Mar.
        let p = period_starts(t("2027-01-10T00:00:00Z"), Term::OneYear);
        assert_eq!(p[1], t("2027-02-10"));
        assert_eq!(p[2], t("2027-03-10"));
        // Bought 30 Dec: 30 Dec - 29 Jan, 30 Jan - 27 Feb, 28 Feb - 27 Mar.
        let p = period_starts(t("2026-12-30T00:00:00Z"), Term::OneYear);
        assert_eq!(
            &p[..4],
            &[
                t("2026-12-30"),
                t("2027-01-30"),
                t("2027-02-28"),
                t("2027-03-28")
            ]
        );
        assert_eq!(p.len(), 12);
        // The one-year term expires 30 Dec 2027 in one step, not on the 28th.
        let r = reservation(
            "2026-12-30T08:15:00Z",
            Term::OneYear,
            ReservationRenewal::None,
        );
        let terms = reservation_terms(&r, t("2029-01-01")).unwrap();
        assert_eq!(terms.len(), 1);
        assert_eq!(terms[0].end, t("2027-12-30T08:15:00Z"));
        assert_eq!(terms[0].periods[11], t("2027-11-28T08:15:00Z"));
    }

    #[test]
    fn term_ids_of_azure_reservations() {
        let azure = "/providers/microsoft.capacity/reservationorders/11111111-2222-3333-4444-555555555555/reservations/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
        assert_eq!(base_id(azure), azure);
        assert_eq!(renewal_of(azure), None);
        let renewed = term_id(azure, 3);
        assert_eq!(renewed, format!("{azure}/r3"));
        assert_eq!(renewal_of(&renewed), Some((azure, 3)));
        assert_eq!(base_id(&renewed), azure);
        assert_eq!(term_id(azure, 0), azure);
        assert!(is_term_of(&renewed, azure));
        assert!(!is_term_of(&renewed, "/providers/microsoft.capacity"));
        assert_eq!(base_id("res-1/r12"), "res-1");
        assert_eq!(base_id("res/rx"), "res/rx");
        assert_eq!(base_id("/r2"), "/r2");
        assert_eq!(base_id("res-1/r"), "res-1/r");
        // Two Azure reservations of one order keep apart.
        let other = azure.replace("aaaaaaaa", "ffffffff");
        assert_ne!(base_id(&term_id(&other, 1)), base_id(azure));
    }

    #[test]
    fn reservation_renewals() {
        let r = reservation(
            "2026-11-20T08:00:00Z",
            Term::OneMonth,
            ReservationRenewal::Autorenew,
        );
        let terms = reservation_terms(&r, t("2027-01-25")).unwrap();
        let ids: Vec<_> = terms.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, vec!["res", "res/r1", "res/r2"]);
        assert_eq!(terms[1].start, t("2026-12-20T08:00:00Z"));
        assert_eq!(terms[2].order_instant, r.start);

        let mut r = reservation(
            "2026-11-20T08:00:00Z",
            Term::OneMonth,
            ReservationRenewal::Replace {
                ptu: Some(150),
                term: Some(Term::OneYear),
                billing: Some(Billing::Monthly),
                name: None,
            },
        );
        r.renewal_changes.push(ReservationRenewalChange {
            at: t("2027-01-01"),
            renewal: ReservationRenewal::None,
            approximate: false,
        });
        let terms = reservation_terms(&r, t("2030-01-01")).unwrap();
        assert_eq!(terms.len(), 2);
        assert_eq!(
            (terms[1].ptu, terms[1].term, terms[1].billing),
            (150, Term::OneYear, Billing::Monthly)
        );
        assert_eq!(terms[1].order_instant, t("2026-12-20T08:00:00Z"));
        assert_eq!(terms[1].end, t("2027-12-20T08:00:00Z"));
    }

    #[test]
    fn refunds_end_the_chain_and_must_fall_in_a_term() {
        let mut r = reservation(
            "2026-11-20T08:00:00Z",
            Term::OneMonth,
            ReservationRenewal::Autorenew,
        );
        r.refunded_at = Some(t("2027-01-05T00:00:00Z"));
        let terms = reservation_terms(&r, t("2026-12-01")).unwrap();
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[1].refunded_at, r.refunded_at);
        assert_eq!(terms[1].coverage_end(), t("2027-01-05"));
        let mut r = reservation(
            "2026-11-20T08:00:00Z",
            Term::OneMonth,
            ReservationRenewal::None,
        );
        r.refunded_at = Some(t("2027-01-05T00:00:00Z"));
        assert_eq!(
            reservation_terms(&r, t("2026-12-01")).unwrap_err().path,
            "refunded_at"
        );
    }

    #[test]
    fn scope_changes_take_effect_at_the_next_hour() {
        let mut r = reservation(
            "2026-11-20T08:00:00Z",
            Term::OneMonth,
            ReservationRenewal::None,
        );
        r.scope_changes.push(ScopeChange {
            at: t("2026-11-25T10:20:00Z"),
            scope: Scope::Shared {
                billing_account: "ba".into(),
            },
            approximate: false,
        });
        assert_eq!(scope_at(&r, t("2026-11-25T10:59:00Z")).level(), 1);
        assert_eq!(scope_at(&r, t("2026-11-25T11:00:00Z")).level(), 3);
    }
}

//! Edits, what-if first: each edit is a pure function from an estate to an
//! edited estate; its preview rates both with the rating core and shows the
//! difference (the charge it causes in the hour it takes effect, and the
//! forecast delta for the current month and the next 30 days). Saving
//! applies the same function inside one store transaction.

use crate::config::Config;
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, floor_hour, fmt_time};
use crate::domain::validate::validate;
use crate::domain::{
    Addition, CommitmentRenewal, CommitmentRenewalChange, Estate, Reservation, ReservationRenewal,
    ReservationRenewalChange, Scope, ScopeChange, Size,
};
use crate::rating::{self, Basis, Bucket, Request};
use chrono::Duration;
use rust_decimal::Decimal;

/// A change to the estate the app can price and save.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Grow a commitment (50-PTU steps; it never shrinks).
    AddPtu {
        commitment: String,
        at: Time,
        ptu: i64,
    },
    /// Change what a commitment does at its next expiry.
    CommitmentRenewal {
        commitment: String,
        at: Time,
        renewal: CommitmentRenewal,
    },
    /// Buy a reservation (now or planned).
    NewReservation(Box<Reservation>),
    /// Move a reservation to another scope (effective at the next whole hour).
    ScopeChange {
        reservation: String,
        at: Time,
        scope: Scope,
    },
    /// Change what a reservation does at its expiry.
    ReservationRenewal {
        reservation: String,
        at: Time,
        renewal: ReservationRenewal,
    },
    /// Return a reservation for a prorated credit.
    Refund { reservation: String, at: Time },
    /// Resize a deployment.
    Resize {
        deployment: String,
        at: Time,
        ptu: i64,
    },
    /// Delete a deployment.
    Delete { deployment: String, at: Time },
}

impl Edit {
    /// When it takes effect.
    pub fn at(&self) -> Time {
        match self {
            Edit::AddPtu { at, .. }
            | Edit::CommitmentRenewal { at, .. }
            | Edit::ScopeChange { at, .. }
            | Edit::ReservationRenewal { at, .. }
            | Edit::Refund { at, .. }
            | Edit::Resize { at, .. }
            | Edit::Delete { at, .. } => *at,
            Edit::NewReservation(r) => r.start,
        }
    }

    /// Refunds and deletions ask for a confirmation before saving.
    pub fn destructive(&self) -> bool {
        matches!(self, Edit::Refund { .. } | Edit::Delete { .. })
    }

    /// One line for the audit log and the status bar.
    pub fn summary(&self) -> String {
        let at = fmt_time(self.at());
        match self {
            Edit::AddPtu {
                commitment, ptu, ..
            } => format!("add {ptu} PTU to {commitment} at {at}"),
            Edit::CommitmentRenewal {
                commitment,
                renewal,
                ..
            } => format!(
                "set {commitment} to {} at {at}",
                super::data::commitment_renewal_label(*renewal)
            ),
            Edit::NewReservation(r) => format!(
                "buy reservation {} ({} PTU {} {} {}) at {at}",
                r.id,
                r.ptu,
                r.region,
                r.sku.label(),
                r.term.code()
            ),
            Edit::ScopeChange {
                reservation, scope, ..
            } => {
                format!("scope {reservation} to {scope} at {at}")
            }
            Edit::ReservationRenewal {
                reservation,
                renewal,
                ..
            } => format!(
                "set {reservation} to {} at {at}",
                super::data::reservation_renewal_label(renewal)
            ),
            Edit::Refund { reservation, .. } => format!("refund {reservation} at {at}"),
            Edit::Resize {
                deployment, ptu, ..
            } => format!("resize {deployment} to {ptu} PTU at {at}"),
            Edit::Delete { deployment, .. } => format!("delete {deployment} at {at}"),
        }
    }

    /// The edited estate (not yet validated).
    pub fn apply(&self, e: &Estate) -> Result<Estate, String> {
        let mut e = e.clone();
        let missing =
            |kind: &str, id: &str| format!("no {kind} {id} in the store (changed meanwhile?)");
        match self {
            Edit::AddPtu {
                commitment,
                at,
                ptu,
            } => {
                if *ptu <= 0 || ptu % 50 != 0 {
                    return Err(format!("commitments grow in steps of 50 PTU, not {ptu}"));
                }
                let c = e
                    .commitments
                    .iter_mut()
                    .find(|c| &c.id == commitment)
                    .ok_or_else(|| missing("commitment", commitment))?;
                if c.additions.last().is_some_and(|a| a.at > *at) {
                    return Err("an addition must come after the commitment's last one".into());
                }
                c.additions.push(Addition {
                    at: *at,
                    ptu: *ptu,
                    approximate: false,
                });
            }
            Edit::CommitmentRenewal {
                commitment,
                at,
                renewal,
            } => {
                let c = e
                    .commitments
                    .iter_mut()
                    .find(|c| &c.id == commitment)
                    .ok_or_else(|| missing("commitment", commitment))?;
                if let CommitmentRenewal::AutorenewLower(p) = renewal
                    && (*p <= 0 || p % 50 != 0)
                {
                    return Err(format!(
                        "renewal PTU must be a positive multiple of 50, not {p}"
                    ));
                }
                if c.renewal_changes.last().is_some_and(|ch| ch.at > *at) {
                    return Err("the renewal was changed later than that already".into());
                }
                c.renewal_changes.push(CommitmentRenewalChange {
                    at: *at,
                    renewal: *renewal,
                    approximate: false,
                });
            }
            Edit::NewReservation(r) => {
                if e.reservations.iter().any(|x| x.id == r.id) {
                    return Err(format!("a reservation {} exists already", r.id));
                }
                if r.ptu <= 0 {
                    return Err("a reservation needs at least 1 PTU".into());
                }
                e.reservations.push((**r).clone());
            }
            Edit::ScopeChange {
                reservation,
                at,
                scope,
            } => {
                let r = e
                    .reservations
                    .iter_mut()
                    .find(|r| &r.id == reservation)
                    .ok_or_else(|| missing("reservation", reservation))?;
                if r.scope_changes.last().is_some_and(|ch| ch.at > *at) {
                    return Err("the scope was changed later than that already".into());
                }
                r.scope_changes.push(ScopeChange {
                    at: *at,
                    scope: scope.clone(),
                    approximate: false,
                });
            }
            Edit::ReservationRenewal {
                reservation,
                at,
                renewal,
            } => {
                let r = e
                    .reservations
                    .iter_mut()
                    .find(|r| &r.id == reservation)
                    .ok_or_else(|| missing("reservation", reservation))?;
                if r.renewal_changes.last().is_some_and(|ch| ch.at > *at) {
                    return Err("the renewal was changed later than that already".into());
                }
                r.renewal_changes.push(ReservationRenewalChange {
                    at: *at,
                    renewal: renewal.clone(),
                    approximate: false,
                });
            }
            Edit::Refund { reservation, at } => {
                let r = e
                    .reservations
                    .iter_mut()
                    .find(|r| &r.id == reservation)
                    .ok_or_else(|| missing("reservation", reservation))?;
                if let Some(t) = r.refunded_at {
                    return Err(format!(
                        "{reservation} was refunded already at {}",
                        fmt_time(t)
                    ));
                }
                r.refunded_at = Some(*at);
            }
            Edit::Resize {
                deployment,
                at,
                ptu,
            } => {
                if *ptu <= 0 {
                    return Err("a deployment needs at least 1 PTU (delete it instead)".into());
                }
                let d = e
                    .deployments
                    .iter_mut()
                    .find(|d| &d.id == deployment)
                    .ok_or_else(|| missing("deployment", deployment))?;
                if d.deleted.is_some_and(|t| t <= *at) {
                    return Err(format!("{deployment} is deleted by then"));
                }
                if d.sizes.last().is_some_and(|s| s.at >= *at) {
                    return Err("a resize must come after the deployment's last size change".into());
                }
                d.sizes.push(Size {
                    at: *at,
                    ptu: *ptu,
                    approximate: false,
                });
            }
            Edit::Delete { deployment, at } => {
                let d = e
                    .deployments
                    .iter_mut()
                    .find(|d| &d.id == deployment)
                    .ok_or_else(|| missing("deployment", deployment))?;
                if d.deleted.is_some_and(|t| t <= *at) {
                    return Err(format!("{deployment} is deleted already"));
                }
                if d.created() >= *at {
                    return Err("a deletion must come after the deployment's creation".into());
                }
                d.deleted = Some(*at);
            }
        }
        Ok(e)
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

/// An edit's priced what-if.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub summary: String,
    /// Commitment and reservation charges billed in the hour the edit takes
    /// effect, edited less current (a purchase, a prorated addition, a
    /// refund's credit).
    pub charge: Decimal,
    pub charge_hour: Time,
    pub month: Compare,
    pub next30: Compare,
    pub refund: Option<RefundCheck>,
}

/// A preview, or why the edit can't be made.
pub type PreviewOutcome = Result<Preview, String>;

fn total(
    e: &Estate,
    book: &PriceBook,
    config: &Config,
    from: Time,
    to: Time,
) -> Result<rating::Totals, String> {
    let req = Request {
        from,
        to,
        basis: Basis::Actual,
        by: Bucket::Month,
    };
    rating::forecast(e, book, &req, &config.rating_options())
        .map(|f| f.totals)
        .map_err(|e| e.to_string())
}

/// Rates the edit against the current estate.
pub fn preview(
    current: &Estate,
    edit: &Edit,
    book: &PriceBook,
    config: &Config,
    month: (Time, Time),
    next30: (Time, Time),
) -> PreviewOutcome {
    let edited = edit.apply(current)?;
    validate(&edited).map_err(|v| format!("not possible: {v}"))?;
    let h = floor_hour(edit.at());
    let h1 = h + Duration::hours(1);
    let instruments = |t: &rating::Totals| t.commitment + t.reservation;
    let charge = instruments(&total(&edited, book, config, h, h1)?)
        - instruments(&total(current, book, config, h, h1)?);
    let cmp = |(from, to): (Time, Time)| -> Result<Compare, String> {
        Ok(Compare {
            from,
            to,
            before: total(current, book, config, from, to)?.total(),
            after: total(&edited, book, config, from, to)?.total(),
        })
    };
    let refund = match edit {
        Edit::Refund { at, .. } => {
            let opts = config.rating_options();
            let before =
                rating::refund_headroom(&rating::prepare::refunds(current, book, &opts), *at);
            let after =
                rating::refund_headroom(&rating::prepare::refunds(&edited, book, &opts), *at);
            Some(RefundCheck {
                headroom_before: before,
                headroom_after: after,
            })
        }
        _ => None,
    };
    Ok(Preview {
        summary: edit.summary(),
        charge,
        charge_hour: h,
        month: cmp(month)?,
        next30: cmp(next30)?,
        refund,
    })
}

/// Every scope a reservation in this estate could take, in a stable order.
pub fn scopes(e: &Estate) -> Vec<Scope> {
    let mut out = Vec::new();
    for b in &e.billing_accounts {
        out.push(Scope::Shared {
            billing_account: b.id.clone(),
        });
    }
    for m in &e.management_groups {
        out.push(Scope::ManagementGroup {
            management_group: m.id.clone(),
        });
    }
    let mut subs: Vec<&str> = e
        .resources
        .iter()
        .map(|r| r.subscription.as_str())
        .collect();
    for b in &e.billing_accounts {
        subs.extend(b.subscriptions.iter().map(String::as_str));
    }
    subs.sort_unstable();
    subs.dedup();
    for s in &subs {
        out.push(Scope::Subscription {
            subscription: s.to_string(),
        });
    }
    let mut rgs: Vec<(&str, &str)> = e
        .resources
        .iter()
        .map(|r| (r.subscription.as_str(), r.resource_group.as_str()))
        .collect();
    rgs.sort_unstable();
    rgs.dedup();
    for (s, g) in rgs {
        out.push(Scope::ResourceGroup {
            subscription: s.into(),
            resource_group: g.into(),
        });
    }
    out
}

/// A fresh reservation id: `res-new-1`, `res-new-2`, ...
pub fn new_reservation_id(e: &Estate) -> String {
    (1..)
        .map(|n| format!("res-new-{n}"))
        .find(|id| e.reservations.iter().all(|r| &r.id != id))
        .expect("some id is free")
}

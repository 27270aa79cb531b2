//! A plan's steps as changes to the estate: future-dated entries (plans)
//! in the snapshot's own terms.

use super::PlanError;
use crate::domain::plan::Edit;
use crate::domain::terms::scope_at;
use crate::domain::time::Time;
use crate::domain::{
    Billing, Commitment, CommitmentRenewal, CommitmentRenewalChange, Deployment, Estate,
    Reservation, ReservationRenewal, Resource, Scope, ScopeChange, Term,
};

impl Edit {
    /// When it takes effect (a purchase or a creation: its start; a
    /// recovery: `None`, it has no date of its own).
    pub fn at(&self) -> Option<Time> {
        match self {
            Edit::CommitmentRenewal { at, .. }
            | Edit::CommitmentAddition { at, .. }
            | Edit::ReservationScope { at, .. }
            | Edit::DeleteDeployment { at, .. }
            | Edit::ResizeDeployment { at, .. }
            | Edit::ReservationRenewal { at, .. }
            | Edit::Refund { at, .. }
            | Edit::PurgeResource { at, .. } => Some(*at),
            Edit::AddCommitment(c) => Some(c.start),
            Edit::AddReservation(r) => Some(r.start),
            Edit::ReplanReservation { start, .. } => Some(*start),
            Edit::AddDeployment(d) => Some(d.created()),
            Edit::RemoveReservation { .. }
            | Edit::CancelRefund { .. }
            | Edit::ModelVersion { .. }
            | Edit::RecoverResource { .. } => None,
        }
    }

    /// The change in words.
    pub fn describe(&self) -> String {
        match self {
            Edit::CommitmentRenewal {
                commitment,
                renewal,
                ..
            } => match renewal {
                CommitmentRenewal::None => format!("set commitment {commitment} not to renew"),
                CommitmentRenewal::Autorenew => format!("set commitment {commitment} to autorenew"),
                CommitmentRenewal::AutorenewLower(p) => {
                    format!("set commitment {commitment} to autorenew at {p} PTU")
                }
            },
            Edit::AddCommitment(c) => {
                format!("buy commitment {}: {} PTU on {}", c.id, c.ptu, c.resource)
            }
            Edit::CommitmentAddition {
                commitment, ptu, ..
            } => format!("add {ptu} PTU to commitment {commitment}"),
            Edit::AddReservation(r) => {
                format!("buy reservation {}: {}", r.id, describe_reservation(r))
            }
            Edit::ReplanReservation { id, start, ptu, .. } => format!(
                "re-date reservation {id} to {} at {ptu} PTU",
                crate::domain::time::fmt_time(*start)
            ),
            Edit::RemoveReservation { id } => format!("drop the planned reservation {id}"),
            Edit::ReservationScope { id, scope, .. } => {
                format!("re-scope reservation {id} to {scope}")
            }
            Edit::AddDeployment(d) => format!(
                "deploy {} ({} PTU {}, {} {}) on {}",
                d.id,
                d.sizes.first().map_or(0, |s| s.ptu),
                d.sku.label(),
                d.model,
                d.version,
                d.resource
            ),
            Edit::DeleteDeployment { deployment, .. } => {
                format!("delete deployment {deployment}")
            }
            Edit::ResizeDeployment {
                deployment, ptu, ..
            } => format!("resize {deployment} to {ptu} PTU"),
            Edit::ReservationRenewal { id, renewal, .. } => match renewal {
                ReservationRenewal::None => format!("set reservation {id} not to renew"),
                ReservationRenewal::Autorenew => format!("set reservation {id} to autorenew"),
                ReservationRenewal::Replace { ptu, .. } => match ptu {
                    Some(p) => format!("set reservation {id} to renew as a {p} PTU replacement"),
                    None => format!("set reservation {id} to renew as a replacement"),
                },
            },
            Edit::Refund { id, .. } => format!("refund reservation {id}"),
            Edit::CancelRefund { id } => format!("withdraw the refund of reservation {id}"),
            Edit::ModelVersion {
                deployment,
                version,
            } => format!("update {deployment} to model version {version}"),
            Edit::PurgeResource { resource, .. } => format!("purge deleted account {resource}"),
            Edit::RecoverResource { resource } => format!("recover deleted account {resource}"),
        }
    }
}

impl Edit {
    /// Refunds and deletions ask for a confirmation before saving.
    pub fn destructive(&self) -> bool {
        matches!(self, Edit::Refund { .. } | Edit::DeleteDeployment { .. })
    }

    /// One line for the audit log and the status bar, with the instant it
    /// takes effect (to the second).
    pub fn summary(&self) -> String {
        let Some(at) = self.at().map(crate::domain::time::fmt_second) else {
            return self.describe();
        };
        match self {
            Edit::CommitmentAddition {
                commitment, ptu, ..
            } => format!("add {ptu} PTU to {commitment} at {at}"),
            Edit::CommitmentRenewal {
                commitment,
                renewal,
                ..
            } => format!(
                "set {commitment} to {} at {at}",
                commitment_renewal_label(*renewal)
            ),
            Edit::AddReservation(r) => format!(
                "buy reservation {} ({} PTU {} {} {}) at {at}",
                r.id,
                r.ptu,
                r.region,
                r.sku.label(),
                r.term.code()
            ),
            Edit::ReservationScope { id, scope, .. } => format!("scope {id} to {scope} at {at}"),
            Edit::ReservationRenewal { id, renewal, .. } => {
                format!("set {id} to {} at {at}", reservation_renewal_label(renewal))
            }
            Edit::Refund { id, .. } => format!("refund {id} at {at}"),
            Edit::ResizeDeployment {
                deployment, ptu, ..
            } => format!("resize {deployment} to {ptu} PTU at {at}"),
            Edit::DeleteDeployment { deployment, .. } => format!("delete {deployment} at {at}"),
            _ => format!("{} at {at}", self.describe()),
        }
    }
}

/// A commitment's renewal setting in a few words.
pub fn commitment_renewal_label(r: CommitmentRenewal) -> String {
    match r {
        CommitmentRenewal::Autorenew => "autorenew".into(),
        CommitmentRenewal::AutorenewLower(p) => format!("renew at {p}"),
        CommitmentRenewal::None => "don't renew".into(),
    }
}

/// A reservation's renewal setting in a few words.
pub fn reservation_renewal_label(r: &ReservationRenewal) -> String {
    match r {
        ReservationRenewal::None => "don't renew".into(),
        ReservationRenewal::Autorenew => "autorenew".into(),
        ReservationRenewal::Replace { ptu, term, .. } => {
            let mut s = "replace".to_string();
            if let Some(p) = ptu {
                s.push_str(&format!(" {p}"));
            }
            if let Some(t) = term {
                s.push_str(&format!(" {}", t.code()));
            }
            s
        }
    }
}

/// The estate with one edit made by hand (a form, not a plan): refused,
/// with why in the user's words, where Azure would refuse it or where it
/// would contradict a later change the estate records (a plan's
/// [`apply_edits`] supersedes later entries instead). Not validated:
/// `preview::apply_checked` does that.
pub fn apply_by_hand(e: &Estate, edit: &Edit) -> Result<Estate, String> {
    let mut e = e.clone();
    match edit {
        Edit::CommitmentAddition {
            commitment,
            at,
            ptu,
        } => {
            if *ptu <= 0 || ptu % 50 != 0 {
                return Err(format!("commitments grow in steps of 50 PTU, not {ptu}"));
            }
            let c = commitment_mut(&mut e, commitment).map_err(Missing::by_hand)?;
            if c.additions.last().is_some_and(|a| a.at > *at) {
                return Err("an addition must come after the commitment's last one".into());
            }
            c.additions.push(crate::domain::Addition {
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
            let c = commitment_mut(&mut e, commitment).map_err(Missing::by_hand)?;
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
        Edit::AddReservation(r) => {
            if e.reservations.iter().any(|x| x.id == r.id) {
                return Err(format!("a reservation {} exists already", r.id));
            }
            if r.ptu <= 0 {
                return Err("a reservation needs at least 1 PTU".into());
            }
            e.reservations.push(r.clone());
        }
        Edit::ReservationScope { id, at, scope } => {
            let r = reservation_mut(&mut e, id).map_err(Missing::by_hand)?;
            if r.scope_changes.last().is_some_and(|ch| ch.at > *at) {
                return Err("the scope was changed later than that already".into());
            }
            r.scope_changes.push(ScopeChange {
                at: *at,
                scope: scope.clone(),
                approximate: false,
            });
        }
        Edit::ReservationRenewal { id, at, renewal } => {
            let r = reservation_mut(&mut e, id).map_err(Missing::by_hand)?;
            if r.renewal_changes.last().is_some_and(|ch| ch.at > *at) {
                return Err("the renewal was changed later than that already".into());
            }
            r.renewal_changes
                .push(crate::domain::ReservationRenewalChange {
                    at: *at,
                    renewal: renewal.clone(),
                    approximate: false,
                });
        }
        Edit::Refund { id, at } => {
            let r = reservation_mut(&mut e, id).map_err(Missing::by_hand)?;
            if let Some(t) = r.refunded_at {
                return Err(format!(
                    "{id} was refunded already at {}",
                    crate::domain::time::fmt_time(t)
                ));
            }
            r.refunded_at = Some(*at);
        }
        Edit::ResizeDeployment {
            deployment,
            at,
            ptu,
        } => {
            if *ptu <= 0 {
                return Err("a deployment needs at least 1 PTU (delete it instead)".into());
            }
            let d = deployment_mut(&mut e, deployment).map_err(Missing::by_hand)?;
            if d.deleted.is_some_and(|t| t <= *at) {
                return Err(format!("{deployment} is deleted by then"));
            }
            if d.sizes.last().is_some_and(|s| s.at >= *at) {
                return Err("a resize must come after the deployment's last size change".into());
            }
            d.sizes.push(crate::domain::Size {
                at: *at,
                ptu: *ptu,
                approximate: false,
            });
        }
        Edit::DeleteDeployment { deployment, at } => {
            let d = deployment_mut(&mut e, deployment).map_err(Missing::by_hand)?;
            if d.deleted.is_some_and(|t| t <= *at) {
                return Err(format!("{deployment} is deleted already"));
            }
            if d.created() >= *at {
                return Err("a deletion must come after the deployment's creation".into());
            }
            d.deleted = Some(*at);
        }
        other => {
            return apply_edits(&e, std::slice::from_ref(other)).map_err(|x| x.to_string());
        }
    }
    Ok(e)
}

/// What an edit names and the estate lacks: its kind and id.
struct Missing {
    what: &'static str,
    id: String,
}

impl Missing {
    /// As a plan's error, listing what `estate` holds of that kind.
    fn in_plan(self, estate: &Estate) -> PlanError {
        missing(self.what, &self.id, estate)
    }

    /// As a form's refusal.
    fn by_hand(self) -> String {
        format!(
            "no {} {} in the store (changed meanwhile?)",
            self.what, self.id
        )
    }
}

/// The item of `list` whose key is `id`, to change.
fn named<'e, T>(
    list: &'e mut [T],
    id: &str,
    what: &'static str,
    key: impl Fn(&T) -> &str,
) -> Result<&'e mut T, Missing> {
    list.iter_mut()
        .find(|x| key(x) == id)
        .ok_or_else(|| Missing {
            what,
            id: id.to_string(),
        })
}

fn commitment_mut<'e>(e: &'e mut Estate, id: &str) -> Result<&'e mut Commitment, Missing> {
    named(&mut e.commitments, id, "commitment", |c| &c.id)
}

fn reservation_mut<'e>(e: &'e mut Estate, id: &str) -> Result<&'e mut Reservation, Missing> {
    named(&mut e.reservations, id, "reservation", |r| &r.id)
}

fn deployment_mut<'e>(e: &'e mut Estate, id: &str) -> Result<&'e mut Deployment, Missing> {
    named(&mut e.deployments, id, "deployment", |d| &d.id)
}

fn resource_mut<'e>(e: &'e mut Estate, id: &str) -> Result<&'e mut Resource, Missing> {
    named(&mut e.resources, id, "resource", |r| &r.id)
}

fn missing(what: &'static str, id: &str, e: &Estate) -> PlanError {
    let known = match what {
        "commitment" => e.commitments.iter().map(|c| c.id.clone()).collect(),
        "reservation" => e.reservations.iter().map(|r| r.id.clone()).collect(),
        "resource" => e.resources.iter().map(|r| r.id.clone()).collect(),
        _ => e.deployments.iter().map(|d| d.id.clone()).collect(),
    };
    PlanError::Unknown {
        what,
        id: id.to_string(),
        known,
    }
}

/// The estate with `edits` made, in order. Not validated: [`super::apply`]
/// does that.
pub fn apply_edits(estate: &Estate, edits: &[Edit]) -> Result<Estate, PlanError> {
    let mut e = estate.clone();
    edit_in_place(&mut e, edits).map_err(|m| m.in_plan(estate))?;
    Ok(e)
}

/// [`apply_edits`] to an estate of one's own (no copy made): `None` when
/// an edit names an object the estate doesn't hold by then.
pub fn applied(mut e: Estate, edits: &[Edit]) -> Option<Estate> {
    edit_in_place(&mut e, edits).ok()?;
    Some(e)
}

/// [`apply_edits`] in place: `None` when an edit names an object the
/// estate doesn't hold by then (the edits before it made). Edits change
/// only the estate's resources, deployments, commitments and reservations.
pub fn edit(e: &mut Estate, edits: &[Edit]) -> Option<()> {
    edit_in_place(e, edits).ok()
}

/// Makes `edits` in `e`, in order, up to the first that names an object it
/// doesn't hold. Edits change only its resources, deployments, commitments
/// and reservations.
fn edit_in_place(e: &mut Estate, edits: &[Edit]) -> Result<(), Missing> {
    for edit in edits {
        match edit {
            Edit::CommitmentRenewal {
                commitment,
                at,
                renewal,
            } => {
                let c = commitment_mut(e, commitment)?;
                c.renewal_changes.retain(|ch| ch.at < *at);
                c.renewal_changes.push(CommitmentRenewalChange {
                    at: *at,
                    renewal: *renewal,
                    approximate: false,
                });
            }
            Edit::AddCommitment(c) => e.commitments.push(c.clone()),
            Edit::CommitmentAddition {
                commitment,
                at,
                ptu,
            } => {
                let c = commitment_mut(e, commitment)?;
                let pos = c.additions.partition_point(|a| a.at <= *at);
                c.additions.insert(
                    pos,
                    crate::domain::Addition {
                        at: *at,
                        ptu: *ptu,
                        approximate: false,
                    },
                );
            }
            Edit::AddReservation(r) => e.reservations.push(r.clone()),
            Edit::ReplanReservation {
                id,
                start,
                ptu,
                term,
                billing,
            } => {
                let r = reservation_mut(e, id)?;
                replan(r, *start, *ptu, *term, *billing);
            }
            Edit::RemoveReservation { id } => {
                let before = e.reservations.len();
                e.reservations.retain(|r| &r.id != id);
                if e.reservations.len() == before {
                    return Err(Missing {
                        what: "reservation",
                        id: id.to_string(),
                    });
                }
            }
            Edit::ReservationScope { id, at, scope } => {
                let r = reservation_mut(e, id)?;
                r.scope_changes.retain(|s| s.at < *at);
                r.scope_changes.push(ScopeChange {
                    at: *at,
                    scope: scope.clone(),
                    approximate: false,
                });
            }
            Edit::AddDeployment(d) => e.deployments.push(d.clone()),
            Edit::DeleteDeployment { deployment, at } => {
                let i = e
                    .deployments
                    .iter()
                    .position(|d| &d.id == deployment)
                    .ok_or_else(|| Missing {
                        what: "deployment",
                        id: deployment.to_string(),
                    })?;
                let d = &mut e.deployments[i];
                if d.created() >= *at {
                    e.deployments.remove(i);
                } else {
                    d.sizes.retain(|s| s.at < *at);
                    d.deleted = Some(*at);
                    d.deleted_approximate = false;
                }
            }
            Edit::ResizeDeployment {
                deployment,
                at,
                ptu,
            } => {
                let d = deployment_mut(e, deployment)?;
                d.sizes.retain(|s| s.at < *at);
                d.sizes.push(crate::domain::Size {
                    at: *at,
                    ptu: *ptu,
                    approximate: false,
                });
            }
            Edit::ReservationRenewal { id, at, renewal } => {
                let r = reservation_mut(e, id)?;
                r.renewal_changes.retain(|ch| ch.at < *at);
                r.renewal_changes
                    .push(crate::domain::ReservationRenewalChange {
                        at: *at,
                        renewal: renewal.clone(),
                        approximate: false,
                    });
            }
            Edit::Refund { id, at } => {
                let r = reservation_mut(e, id)?;
                r.refunded_at = Some(*at);
                r.refunded_approximate = false;
            }
            Edit::ModelVersion {
                deployment,
                version,
            } => {
                let d = deployment_mut(e, deployment)?;
                d.version = version.clone();
            }
            Edit::CancelRefund { id } => {
                let r = reservation_mut(e, id)?;
                r.refunded_at = None;
                r.refunded_approximate = false;
                r.refunded_reported = false;
            }
            Edit::PurgeResource { resource, at } => {
                let r = resource_mut(e, resource)?;
                r.purged = Some(*at);
                r.purged_approximate = false;
            }
            Edit::RecoverResource { resource } => {
                let r = resource_mut(e, resource)?;
                r.deleted = None;
                r.deleted_approximate = false;
                r.purged = None;
                r.purged_approximate = false;
            }
        }
    }
    Ok(())
}

/// Moves a reservation's start, keeping the scope and renewal setting in
/// force at the new start as its own.
fn replan(r: &mut Reservation, start: Time, ptu: i64, term: Term, billing: Billing) {
    let scope = scope_at_instant(r, start);
    r.scope_changes.retain(|s| s.at > start);
    r.scope = scope;
    let renewal = r
        .renewal_changes
        .iter()
        .take_while(|c| c.at <= start)
        .last()
        .map_or(r.renewal.clone(), |c| c.renewal.clone());
    r.renewal_changes.retain(|c| c.at > start);
    r.renewal = renewal;
    if r.term != term {
        // A negotiated price is per term: it doesn't carry over.
        r.price = None;
    }
    r.start = start;
    r.ptu = ptu;
    r.term = term;
    r.billing = billing;
}

/// The scope the reservation would have at `t` had it been bought then:
/// the last change made at or before `t`, else the purchase scope.
fn scope_at_instant(r: &Reservation, t: Time) -> Scope {
    r.scope_changes
        .iter()
        .take_while(|s| s.at <= t)
        .last()
        .map_or_else(|| r.scope.clone(), |s| s.scope.clone())
}

/// The scope in force when a reservation starts (for matching).
pub(crate) fn purchase_scope(r: &Reservation) -> &Scope {
    scope_at(r, r.start)
}

/// One line describing a reservation purchase.
pub(crate) fn describe_reservation(r: &Reservation) -> String {
    let term = match r.term {
        Term::OneMonth => "1 month",
        Term::OneYear => "1 year",
    };
    let billing = match r.billing {
        Billing::Upfront => "billed up front",
        Billing::Monthly => "billed monthly",
    };
    let renewal = match r.renewal {
        ReservationRenewal::None => "not renewing",
        ReservationRenewal::Autorenew => "autorenew",
        ReservationRenewal::Replace { .. } => "replaced at expiry",
    };
    format!(
        "{} PTU {} ({}) in {}, {term}, {billing}, {renewal}, scope {}",
        r.ptu,
        r.sku.label(),
        r.sku,
        r.region,
        r.scope
    )
}

/// The reservation as [`Edit::ReplanReservation`] would leave it.
pub(crate) fn replanned(
    r: &Reservation,
    start: Time,
    ptu: i64,
    term: Term,
    billing: Billing,
) -> Reservation {
    let mut r = r.clone();
    replan(&mut r, start, ptu, term, billing);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;

    #[test]
    fn an_edit_naming_what_the_estate_lacks_is_refused_by_a_form_and_a_plan_in_their_words() {
        let at = parse_time_arg("2026-11-22T09:00:00Z").unwrap();
        let e = crate::demo::estate(at);
        let refund = Edit::Refund {
            id: "r-gone".into(),
            at,
        };
        assert_eq!(
            apply_by_hand(&e, &refund).unwrap_err(),
            "no reservation r-gone in the store (changed meanwhile?)"
        );
        let resize = Edit::ResizeDeployment {
            deployment: "d-gone".into(),
            at,
            ptu: 50,
        };
        assert_eq!(
            apply_edits(&e, &[resize]).unwrap_err(),
            PlanError::Unknown {
                what: "deployment",
                id: "d-gone".into(),
                known: e.deployments.iter().map(|d| d.id.clone()).collect(),
            }
        );
        let purge = Edit::PurgeResource {
            resource: "a-gone".into(),
            at,
        };
        assert!(matches!(
            apply_by_hand(&e, &purge),
            Err(m) if m.starts_with("no resource \"a-gone\" in the estate")
        ));
        let id = e.reservations[0].id.clone();
        let done = apply_by_hand(&e, &Edit::Refund { id: id.clone(), at }).unwrap();
        assert_eq!(done.reservations[0].refunded_at, Some(at));
    }
}

//! Changes to the estate and the remedies that propose them, as plain
//! data: the planner prices and applies them, the store and both faces
//! carry them.

use super::time::Time;
use super::{
    Billing, Commitment, CommitmentRenewal, Deployment, Reservation, ReservationRenewal, Scope,
    Term,
};
use rust_decimal::Decimal;

/// One change to the estate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Sets a commitment's renewal from `at` on (a `renewal_changes` entry;
    /// entries at or after `at` are superseded).
    CommitmentRenewal {
        commitment: String,
        at: Time,
        renewal: CommitmentRenewal,
    },
    /// Buys a commitment.
    AddCommitment(Commitment),
    /// Adds PTUs to a commitment at `at` (billed prorated).
    CommitmentAddition {
        commitment: String,
        at: Time,
        ptu: i64,
    },
    /// Buys a reservation.
    AddReservation(Reservation),
    /// Re-dates and resizes a future-dated reservation, keeping its id,
    /// name and scope (the scope and renewal in force at the new start).
    ReplanReservation {
        id: String,
        start: Time,
        ptu: i64,
        term: Term,
        billing: Billing,
    },
    /// Drops a future-dated reservation (a purchase no longer planned).
    RemoveReservation { id: String },
    /// Changes a reservation's scope from `at`.
    ReservationScope { id: String, at: Time, scope: Scope },
    /// Creates a deployment (its first size's instant is the creation).
    AddDeployment(Deployment),
    /// Deletes a deployment at `at` (a later planned resize is dropped; a
    /// deployment not yet created by then is dropped altogether).
    DeleteDeployment { deployment: String, at: Time },
    /// Resizes a deployment from `at` (later planned sizes are dropped).
    ResizeDeployment {
        deployment: String,
        at: Time,
        ptu: i64,
    },
    /// Sets a reservation's renewal from `at` on (entries at or after `at`
    /// are superseded).
    ReservationRenewal {
        id: String,
        at: Time,
        renewal: ReservationRenewal,
    },
    /// Refunds (returns) a reservation at `at`.
    Refund { id: String, at: Time },
    /// Withdraws a reservation's planned refund: it is kept.
    CancelRefund { id: String },
    /// Updates a deployment's model version in place (Azure keeps the
    /// deployment, its size and its endpoint).
    ModelVersion { deployment: String, version: String },
    /// Purges a soft-deleted resource at `at`: its deployments stop billing.
    PurgeResource { resource: String, at: Time },
    /// Recovers a soft-deleted resource: it is no longer deleted.
    RecoverResource { resource: String },
}

/// One dated step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub at: Time,
    pub action: String,
}

/// How long a workload needs its capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Until a planned deletion (the instant it stops).
    Until(Time),
    /// No deletion planned: taken as `assumed_months` (at least 12) from now.
    OpenEnded { assumed_months: u32 },
}

/// The kinds of remedy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RemedyKind {
    Rescope,
    Convert,
    RenewalOff,
    RenewFewer,
    ReplaceRenewal,
    GrowCommitment,
    Refund,
    BuyReservation,
    StayHourly,
    Resize,
    Delete,
    Purge,
    Recover,
    /// Ask Azure for more quota: not a change to the estate.
    RequestQuota,
    /// Redeploy on another resource (another subscription's quota, or a
    /// resource without a commitment) and delete the old deployment.
    Move,
    /// Redeploy at a model version the resource's commitment supports.
    Upgrade,
    /// Move a planned purchase's date.
    Redate,
    /// Withdraw a planned refund and keep the reservation.
    CancelRefund,
    None,
}

/// One thing the user can do about a notification, priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remedy {
    pub kind: RemedyKind,
    /// One line: what to do, naming the objects it changes.
    pub summary: String,
    /// The changes to the estate (empty for stay hourly and do nothing).
    pub changes: Vec<Edit>,
    /// The changes in words, dated.
    pub steps: Vec<Step>,
    /// Amortized cost of doing nothing less the remedy's, over the
    /// workload's lifetime (positive: it saves).
    pub saving_lifetime: Decimal,
    /// The same over the horizon.
    pub saving_horizon: Decimal,
    /// What the notification's objects cost a day once it is made.
    pub cost_per_day: Decimal,
    /// What it adds to the charges after the horizon of terms in force then.
    pub committed_after_horizon: Decimal,
    pub lifetime: Lifetime,
    /// No downtime, no second deployment, nothing that depends on others.
    pub safe: bool,
    /// Why it is not safe, or why it may not be what you want.
    pub why_not: Option<String>,
}

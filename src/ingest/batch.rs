//! What an outside file says about an estate, before it is merged into the
//! store's timeline: objects as observed at one instant (the import), plus
//! what was skipped and why.

use crate::domain::time::Time;
use crate::domain::{
    Billing, BillingAccount, Estate, ManagementGroup, PriceRow, Quota, Reservation, Resource, Sku,
    Term,
};

/// A deployment as Azure shows it now (no history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedDeployment {
    /// The lowercased ARM id.
    pub id: String,
    /// The lowercased ARM id of its account (resource).
    pub resource: String,
    pub model: String,
    pub version: String,
    pub sku: Sku,
    /// `sku.capacity`: PTUs now.
    pub ptu: i64,
    /// `systemData.createdAt`, when the payload has it.
    pub created: Option<Time>,
}

/// An account-level commitment plan for provisioned throughput, as Azure
/// shows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedCommitment {
    /// The lowercased ARM id of the plan.
    pub id: String,
    /// The lowercased ARM id of its account (resource).
    pub resource: String,
    /// `current.count`.
    pub ptu: i64,
    /// `current.startDate`: the current term's start.
    pub term_start: Time,
    /// `current.endDate`, when given.
    pub term_end: Option<Time>,
    /// `autoRenew`.
    pub auto_renew: bool,
    /// `next.count`, when given: renewal at fewer PTUs.
    pub next_ptu: Option<i64>,
}

/// One file's content, ready to merge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    /// A whole snapshot (`ptudesk.snapshot/1`): merged object by object.
    pub snapshot: Option<Estate>,
    pub resources: Vec<Resource>,
    pub deployments: Vec<ObservedDeployment>,
    pub commitments: Vec<ObservedCommitment>,
    pub reservations: Vec<Reservation>,
    /// Ids of reservations Azure shows as cancelled (refunded).
    pub cancelled_reservations: Vec<String>,
    /// What reservation orders say (billing plan, term, start) for
    /// reservations listed in this or another file of the same import.
    pub reservation_orders: Vec<ReservationOrder>,
    /// Top-level (shared) commitment plans: `resource` is empty until an
    /// account association resolves it.
    pub shared_plans: Vec<ObservedCommitment>,
    /// Account associations of top-level plans: (plan id, account id), both
    /// lowercased ARM ids.
    pub plan_associations: Vec<(String, String)>,
    /// Billing accounts and management groups that reservation scopes refer to.
    pub billing_accounts: Vec<BillingAccount>,
    pub management_groups: Vec<ManagementGroup>,
    pub quotas: Vec<Quota>,
    pub prices: Vec<PriceRow>,
    /// Items not imported: (what, why), e.g. ("deployment gpt-35 on acct", "SKU Standard is not provisioned").
    pub skipped: Vec<Skipped>,
}

/// A reservation order's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationOrder {
    /// The lowercased ARM id of the order (`/providers/microsoft.capacity/reservationorders/<guid>`).
    pub id: String,
    pub billing: Option<Billing>,
    pub term: Option<Term>,
    pub start: Option<Time>,
    /// Lowercased ARM ids of its reservations.
    pub reservations: Vec<String>,
}

/// An item the importer left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub what: String,
    pub why: String,
}

/// The formats `ptudesk import` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `ptudesk.snapshot/1`.
    Snapshot,
    /// `az cognitiveservices account list`.
    Accounts,
    /// `az cognitiveservices account deployment list`.
    Deployments,
    /// `az cognitiveservices account commitment-plan list`, or top-level
    /// commitment plans with their account associations.
    CommitmentPlans,
    /// `az cognitiveservices usage list` (needs a subscription and region).
    Usages,
    /// `az reservations reservation list` / `reservation-order list`.
    Reservations,
    /// The Azure Retail Prices API answer (`{"Items": [...]}`).
    RetailPrices,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Snapshot,
        Format::Accounts,
        Format::Deployments,
        Format::CommitmentPlans,
        Format::Usages,
        Format::Reservations,
        Format::RetailPrices,
    ];

    /// The name used by `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Snapshot => "snapshot",
            Format::Accounts => "accounts",
            Format::Deployments => "deployments",
            Format::CommitmentPlans => "commitment-plans",
            Format::Usages => "usages",
            Format::Reservations => "reservations",
            Format::RetailPrices => "retail-prices",
        }
    }

    pub fn from_name(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// Where `--subscription` and `--region` place files that lack them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    pub subscription: Option<String>,
    pub region: Option<String>,
}

//! What an outside file says about an estate, before it is merged into the
//! store's timeline: objects as observed at one instant (the import), plus
//! what was skipped and why.

use crate::domain::time::Time;
use crate::domain::{
    Billing, BillingAccount, Estate, ManagementGroup, PriceRow, Quota, Reservation, Resource, Sku,
    Term,
};
use std::collections::BTreeMap;

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
    /// The PTUs deployed now: `properties.currentCapacity` when given (a
    /// resize still in progress has not reached `sku.capacity`), else
    /// `sku.capacity`.
    pub ptu: i64,
    /// `systemData.createdAt`, when the payload has it.
    pub created: Option<Time>,
    /// `systemData.lastModifiedAt`, when the payload has it: a change after
    /// the creation means the size at `created` is not known.
    pub modified: Option<Time>,
    /// `provisioningState` Failed: the last create or update did not take.
    pub failed: bool,
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
    /// Service capacity answers (`modelCapacities`), dated.
    pub model_capacities: Vec<crate::domain::ModelCapacity>,
    /// Items not imported: (what, why), e.g. ("deployment gpt-35 on acct", "SKU Standard is not provisioned").
    pub skipped: Vec<Skipped>,
    /// Where each object of this batch was read in its file, by the estate
    /// list it goes to and its key there (see [`Origin`]). Lets a rule that
    /// only the merged estate can check name the file's own JSON path.
    pub origins: BTreeMap<(&'static str, String), Origin>,
}

/// Where one object of a batch was read: the JSON path of its item in the
/// file, and the paths of the members its fields came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The item, e.g. `$[2]` or `$.value[0]`.
    pub path: String,
    /// (a field of the estate object, with list indexes left out; the JSON
    /// path it was read from), e.g. `("sizes.ptu", "$[2].sku.capacity")`.
    pub fields: Vec<(&'static str, String)>,
}

impl Origin {
    pub fn new(path: &str) -> Origin {
        Origin {
            path: path.to_string(),
            fields: vec![],
        }
    }

    /// Records that `field` was read at `path`.
    pub fn field(mut self, field: &'static str, path: impl Into<String>) -> Origin {
        self.fields.push((field, path.into()));
        self
    }

    /// The JSON path in the file of a field of the estate object, such as
    /// `sizes[0].ptu` or `renewal_changes[1].renewal.ptu`: the member it was
    /// read from (the longest recorded field that covers it), else the item.
    pub fn path_of(&self, field: &str) -> &str {
        let mut bare = String::new();
        let mut depth = 0;
        for c in field.trim_start_matches('.').chars() {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ if depth == 0 => bare.push(c),
                _ => {}
            }
        }
        self.fields
            .iter()
            .filter(|(f, _)| bare == *f || bare.starts_with(&format!("{f}.")))
            .max_by_key(|(f, _)| f.len())
            .map_or(self.path.as_str(), |(_, p)| p.as_str())
    }
}

/// The key of a price row in [`Batch::origins`]: `region|SKU`.
pub fn price_key(region: &str, sku: Sku) -> String {
    format!("{region}|{}", sku.azure_name())
}

/// The key of a quota in [`Batch::origins`]: the store's key
/// (`subscription|region|SKU`, then `|model|version` for a model-specific row).
pub fn quota_key(q: &Quota) -> String {
    crate::domain::objects::quota_key(q)
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
    /// The key of an object the batch holds but the merge left out (so a
    /// summary counts it as skipped, not also as unchanged); `None` for
    /// items the parser already dropped.
    pub object: Option<String>,
}

impl Skipped {
    /// An item the parser left out.
    pub fn new(what: impl Into<String>, why: impl Into<String>) -> Skipped {
        Skipped {
            what: what.into(),
            why: why.into(),
            object: None,
        }
    }
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
    /// A `modelCapacities` answer (subscription-wide or location-based).
    ModelCapacities,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Snapshot,
        Format::Accounts,
        Format::Deployments,
        Format::CommitmentPlans,
        Format::Usages,
        Format::Reservations,
        Format::RetailPrices,
        Format::ModelCapacities,
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
            Format::ModelCapacities => "model-capacities",
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
    /// When the file's answer was read from Azure (`--at`; default: the import time).
    pub at: Option<crate::domain::time::Time>,
}

//! The estate as plain data: what exists, what it cost and what is planned,
//! as a timeline. These types are also the `ptudesk.snapshot/1` file format
//! (docs/formats.md#snapshot-file): field names, optional fields and enum spellings follow it,
//! and unknown fields are refused.

pub mod capacity;
pub mod money;
pub mod notice;
pub mod objects;
pub mod plan;
pub mod prices;
pub mod sizes;
pub mod terms;
pub mod time;
pub mod validate;

use money::serde_money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Time, serde_time};

/// The snapshot schema this program reads and writes.
pub const SCHEMA: &str = "ptudesk.snapshot/1";

/// A value that does not read as what was expected: `expected an RFC 3339
/// time ..., got "soon"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {what}, got {got}")]
pub struct Unexpected {
    /// What was expected (`a duration such as 90d, 6h or 30m`).
    pub what: &'static str,
    /// What was given, as the message quotes it.
    pub got: String,
}

impl Unexpected {
    /// `got` quoted as a string (`"soon"`).
    pub fn quoted(what: &'static str, got: &str) -> Unexpected {
        Unexpected {
            what,
            got: format!("{got:?}"),
        }
    }
}

/// For callers whose own errors are text (command-line value parsers).
impl From<Unexpected> for String {
    fn from(e: Unexpected) -> String {
        e.to_string()
    }
}

/// Azure's three provisioned deployment types. Discounts never cross types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Sku {
    #[serde(rename = "GlobalProvisionedManaged")]
    Global,
    #[serde(rename = "DataZoneProvisionedManaged")]
    DataZone,
    /// Regional: the only type a commitment covers.
    #[serde(rename = "ProvisionedManaged")]
    Regional,
}

impl Sku {
    pub const ALL: [Sku; 3] = [Sku::Global, Sku::DataZone, Sku::Regional];

    /// Azure's name, as in the snapshot file.
    pub fn azure_name(self) -> &'static str {
        match self {
            Sku::Global => "GlobalProvisionedManaged",
            Sku::DataZone => "DataZoneProvisionedManaged",
            Sku::Regional => "ProvisionedManaged",
        }
    }

    /// The short label used in tables.
    pub fn label(self) -> &'static str {
        match self {
            Sku::Global => "Global",
            Sku::DataZone => "Data Zone",
            Sku::Regional => "Regional",
        }
    }

    pub fn from_azure_name(s: &str) -> Option<Sku> {
        Sku::ALL
            .into_iter()
            .find(|k| k.azure_name().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.azure_name())
    }
}

/// The schema tag: only `ptudesk.snapshot/1` is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SchemaTag;

impl Serialize for SchemaTag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(SCHEMA)
    }
}

impl<'de> Deserialize<'de> for SchemaTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == SCHEMA {
            Ok(SchemaTag)
        } else {
            Err(serde::de::Error::custom(format!(
                "expected \"{SCHEMA}\", got {s:?}"
            )))
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One estate: a snapshot file, or what the store holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Estate {
    pub schema: SchemaTag,
    pub currency: String,
    #[serde(default)]
    pub billing_accounts: Vec<BillingAccount>,
    #[serde(default)]
    pub management_groups: Vec<ManagementGroup>,
    #[serde(default)]
    pub prices: Vec<PriceRow>,
    #[serde(default)]
    pub quotas: Vec<Quota>,
    #[serde(default)]
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    #[serde(default)]
    pub commitments: Vec<Commitment>,
    #[serde(default)]
    pub reservations: Vec<Reservation>,
    #[serde(default)]
    pub managed_compute: Vec<ManagedCompute>,
    /// What Azure reported as the service's free capacity for a model, per
    /// region and deployment type, dated (docs/formats.md#model-capacities).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub model_capacities: Vec<ModelCapacity>,
}

impl Estate {
    /// An empty estate in US dollars.
    pub fn empty() -> Estate {
        Estate {
            schema: SchemaTag,
            currency: "USD".into(),
            billing_accounts: vec![],
            management_groups: vec![],
            prices: vec![],
            quotas: vec![],
            resources: vec![],
            deployments: vec![],
            commitments: vec![],
            reservations: vec![],
            managed_compute: vec![],
            model_capacities: vec![],
        }
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id == id)
    }

    /// Calls `f` with every instant the estate mentions.
    pub fn for_each_time(&self, mut f: impl FnMut(Time)) {
        for r in &self.resources {
            r.deleted.into_iter().chain(r.purged).for_each(&mut f);
        }
        for d in &self.deployments {
            d.sizes
                .iter()
                .map(|s| s.at)
                .chain(d.deleted)
                .for_each(&mut f);
        }
        for c in &self.commitments {
            f(c.start);
            c.additions.iter().map(|a| a.at).for_each(&mut f);
            c.renewal_changes.iter().map(|a| a.at).for_each(&mut f);
        }
        for r in &self.reservations {
            f(r.start);
            r.scope_changes.iter().map(|a| a.at).for_each(&mut f);
            r.renewal_changes.iter().map(|a| a.at).for_each(&mut f);
            r.refunded_at.into_iter().for_each(&mut f);
        }
        for m in &self.managed_compute {
            std::iter::once(m.start).chain(m.end).for_each(&mut f);
        }
    }

    /// Applies `f` to every instant in the estate (used to shift the demo).
    pub fn map_times(&mut self, f: impl Fn(Time) -> Time) {
        let f = &f;
        for r in &mut self.resources {
            r.deleted = r.deleted.map(f);
            r.purged = r.purged.map(f);
        }
        for d in &mut self.deployments {
            for s in &mut d.sizes {
                s.at = f(s.at);
            }
            d.deleted = d.deleted.map(f);
        }
        for c in &mut self.commitments {
            c.start = f(c.start);
            for a in &mut c.additions {
                a.at = f(a.at);
            }
            for r in &mut c.renewal_changes {
                r.at = f(r.at);
            }
        }
        for r in &mut self.reservations {
            r.start = f(r.start);
            for s in &mut r.scope_changes {
                s.at = f(s.at);
            }
            for c in &mut r.renewal_changes {
                c.at = f(c.at);
            }
            r.refunded_at = r.refunded_at.map(f);
        }
        for m in &mut self.managed_compute {
            m.start = f(m.start);
            m.end = m.end.map(f);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingAccount {
    pub id: String,
    #[serde(default)]
    pub subscriptions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementGroup {
    pub id: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub subscriptions: Vec<String>,
}

/// Prices per PTU for one region (or `*`, any region) and SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceRow {
    pub region: String,
    pub sku: Sku,
    /// Per PTU per hour.
    #[serde(
        default,
        with = "serde_money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub hourly: Option<Decimal>,
    /// Per PTU per one-month reservation term.
    #[serde(
        default,
        with = "serde_money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub reservation_month: Option<Decimal>,
    /// Per PTU per one-year reservation term.
    #[serde(
        default,
        with = "serde_money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub reservation_year: Option<Decimal>,
    /// Per PTU per one-month commitment term.
    #[serde(
        default,
        with = "serde_money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub commitment_month: Option<Decimal>,
    /// `false` when the figures are not confirmed against Microsoft's price list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Where the figures come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// When the source was read (a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// The service capacity Azure reported for one model, version, region and
/// deployment type (its `modelCapacities` answer's `availableCapacity`), and
/// when that answer was read. Not a promise: it moves as others deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCapacity {
    pub region: String,
    pub sku: Sku,
    pub model: String,
    pub version: String,
    /// PTU the service could still deploy there when asked.
    pub available: i64,
    /// When Azure was asked.
    #[serde(with = "serde_time")]
    pub as_of: Time,
}

impl ModelCapacity {
    /// The key of a capacity row: one per region, type, model and version.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.region,
            self.sku.azure_name(),
            self.model,
            self.version
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub subscription: String,
    pub region: String,
    pub sku: Sku,
    pub limit: i64,
    /// A model-specific row (Azure's `OpenAI.ProvisionedManaged.<model>-<version>`
    /// usage): it limits the PTUs of this model and version alone. Its
    /// deployments count against the pooled row of their type as well.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The model version of a model-specific row (with `model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl Quota {
    /// Whether a deployment of `sku`, `model` and `version` in
    /// `subscription` and `region` counts against this row: every one of
    /// the type there for a pooled row, that model and version only for a
    /// model-specific one.
    pub fn counts(
        &self,
        subscription: &str,
        region: &str,
        sku: Sku,
        model: &str,
        version: &str,
    ) -> bool {
        self.sku == sku
            && self.subscription == subscription
            && self.region == region
            && self
                .model
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(model))
            && self
                .version
                .as_deref()
                .is_none_or(|v| v.eq_ignore_ascii_case(version))
    }

    /// Whether deployment `d` on resource `r` counts against this row.
    pub fn counts_deployment(&self, d: &Deployment, r: &Resource) -> bool {
        self.counts(&r.subscription, &r.region, d.sku, &d.model, &d.version)
    }

    /// The row's type, with its model for a model-specific row
    /// ("Regional", "Regional o3 2025-04-16").
    pub fn label(&self) -> String {
        match (&self.model, &self.version) {
            (Some(m), Some(v)) => format!("{} {m} {v}", self.sku.label()),
            (Some(m), None) => format!("{} {m}", self.sku.label()),
            _ => self.sku.label().to_string(),
        }
    }

    /// `subscription/region/SKU`, and `/<model>-<version>` for a
    /// model-specific row: what names the row (store key, notifications).
    pub fn subject(&self) -> String {
        let mut s = format!(
            "{}/{}/{}",
            self.subscription,
            self.region,
            self.sku.azure_name()
        );
        if let Some(m) = &self.model {
            s.push('/');
            s.push_str(m);
            if let Some(v) = &self.version {
                s.push('-');
                s.push_str(v);
            }
        }
        s
    }

    /// The same row: subscription, region, SKU, model and version.
    pub fn same_row(&self, other: &Quota) -> bool {
        (
            &self.subscription,
            &self.region,
            self.sku,
            &self.model,
            &self.version,
        ) == (
            &other.subscription,
            &other.region,
            other.sku,
            &other.model,
            &other.version,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub id: String,
    pub subscription: String,
    pub resource_group: String,
    pub region: String,
    /// Deleted (soft): its deployments still bill until purged.
    #[serde(
        default,
        with = "serde_time::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted: Option<Time>,
    /// Purged: its deployments stop existing.
    #[serde(
        default,
        with = "serde_time::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub purged: Option<Time>,
    /// The deletion instant is an estimate (a sync saw the account gone,
    /// not when it went).
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted_approximate: bool,
    /// The purge instant is an estimate (Azure no longer shows the deleted
    /// account, and recorded no time for its purge).
    #[serde(default, skip_serializing_if = "is_false")]
    pub purged_approximate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Size {
    #[serde(with = "serde_time")]
    pub at: Time,
    pub ptu: i64,
    /// The instant is an estimate (an import saw the change, not when it happened).
    #[serde(default, skip_serializing_if = "is_false")]
    pub approximate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub id: String,
    pub resource: String,
    pub model: String,
    #[serde(default)]
    pub version: String,
    pub sku: Sku,
    /// The deployment exists from the first size's instant.
    pub sizes: Vec<Size>,
    #[serde(default, with = "serde_time::opt")]
    pub deleted: Option<Time>,
    /// The deletion instant is an estimate (a sync saw the deployment gone,
    /// not when it went).
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted_approximate: bool,
}

impl Deployment {
    pub fn created(&self) -> Time {
        self.sizes[0].at
    }

    /// The size in force at `t` (0 before creation or from deletion on).
    pub fn ptu_at(&self, t: Time) -> i64 {
        if self.deleted.is_some_and(|d| d <= t) {
            return 0;
        }
        self.sizes
            .iter()
            .take_while(|s| s.at <= t)
            .last()
            .map_or(0, |s| s.ptu)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Addition {
    #[serde(with = "serde_time")]
    pub at: Time,
    pub ptu: i64,
    /// The instant is an estimate (an import or sync saw the growth, not when it happened).
    #[serde(default, skip_serializing_if = "is_false")]
    pub approximate: bool,
}

/// What happens when a commitment term ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CommitmentRenewalRepr", into = "CommitmentRenewalRepr")]
pub enum CommitmentRenewal {
    /// Renew at the PTUs in force at expiry (additions included).
    Autorenew,
    /// Renew at this many PTUs (a positive multiple of 50, not above the PTUs at expiry).
    AutorenewLower(i64),
    /// Expire.
    None,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitmentRenewalRepr {
    mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ptu: Option<i64>,
}

impl TryFrom<CommitmentRenewalRepr> for CommitmentRenewal {
    type Error = String;
    fn try_from(r: CommitmentRenewalRepr) -> Result<Self, String> {
        match (r.mode.as_str(), r.ptu) {
            ("autorenew", None) => Ok(CommitmentRenewal::Autorenew),
            ("none", None) => Ok(CommitmentRenewal::None),
            ("autorenew_lower", Some(p)) => Ok(CommitmentRenewal::AutorenewLower(p)),
            ("autorenew_lower", None) => {
                Err("mode autorenew_lower needs \"ptu\": the PTUs to renew at".into())
            }
            ("autorenew" | "none", Some(_)) => Err(format!(
                "\"ptu\" is only allowed with mode autorenew_lower, not {}",
                r.mode
            )),
            (m, _) => Err(format!(
                "expected renewal mode autorenew, autorenew_lower or none, got {m:?}"
            )),
        }
    }
}

impl From<CommitmentRenewal> for CommitmentRenewalRepr {
    fn from(r: CommitmentRenewal) -> Self {
        match r {
            CommitmentRenewal::Autorenew => CommitmentRenewalRepr {
                mode: "autorenew".into(),
                ptu: None,
            },
            CommitmentRenewal::AutorenewLower(p) => CommitmentRenewalRepr {
                mode: "autorenew_lower".into(),
                ptu: Some(p),
            },
            CommitmentRenewal::None => CommitmentRenewalRepr {
                mode: "none".into(),
                ptu: None,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentRenewalChange {
    #[serde(with = "serde_time")]
    pub at: Time,
    pub renewal: CommitmentRenewal,
    /// The instant is an estimate (an import or sync saw the new setting, not when it was set).
    #[serde(default, skip_serializing_if = "is_false")]
    pub approximate: bool,
}

/// A commitment (the older payment model): one resource, one-month terms,
/// billed up front, 50-PTU steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    pub id: String,
    pub resource: String,
    #[serde(with = "serde_time")]
    pub start: Time,
    pub ptu: i64,
    #[serde(default)]
    pub additions: Vec<Addition>,
    pub renewal: CommitmentRenewal,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renewal_changes: Vec<CommitmentRenewalChange>,
    /// Its own price per PTU per one-month term (negotiated), else the price book's.
    #[serde(
        default,
        with = "serde_money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub price: Option<Decimal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Term {
    #[serde(rename = "P1M")]
    OneMonth,
    #[serde(rename = "P1Y")]
    OneYear,
}

impl Term {
    pub fn months(self) -> i32 {
        match self {
            Term::OneMonth => 1,
            Term::OneYear => 12,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Term::OneMonth => "P1M",
            Term::OneYear => "P1Y",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Billing {
    Upfront,
    Monthly,
}

impl Billing {
    pub fn code(self) -> &'static str {
        match self {
            Billing::Upfront => "upfront",
            Billing::Monthly => "monthly",
        }
    }
}

/// Which deployments a reservation may cover.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ScopeRepr", into = "ScopeRepr")]
pub enum Scope {
    ResourceGroup {
        subscription: String,
        resource_group: String,
    },
    Subscription {
        subscription: String,
    },
    ManagementGroup {
        management_group: String,
    },
    Shared {
        billing_account: String,
    },
}

impl Scope {
    /// Application order: narrower scopes first.
    pub fn level(&self) -> u8 {
        match self {
            Scope::ResourceGroup { .. } => 0,
            Scope::Subscription { .. } => 1,
            Scope::ManagementGroup { .. } => 2,
            Scope::Shared { .. } => 3,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Scope::ResourceGroup { .. } => "resource_group",
            Scope::Subscription { .. } => "subscription",
            Scope::ManagementGroup { .. } => "management_group",
            Scope::Shared { .. } => "shared",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Scope::ResourceGroup {
                subscription,
                resource_group,
            } => {
                write!(f, "rg {subscription}/{resource_group}")
            }
            Scope::Subscription { subscription } => write!(f, "sub {subscription}"),
            Scope::ManagementGroup { management_group } => write!(f, "mg {management_group}"),
            Scope::Shared { billing_account } => write!(f, "shared {billing_account}"),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeRepr {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subscription: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resource_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    management_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    billing_account: Option<String>,
}

impl TryFrom<ScopeRepr> for Scope {
    type Error = String;
    fn try_from(r: ScopeRepr) -> Result<Self, String> {
        let extra = |allowed: &[&str]| -> Result<(), String> {
            let given = [
                ("subscription", r.subscription.is_some()),
                ("resource_group", r.resource_group.is_some()),
                ("management_group", r.management_group.is_some()),
                ("billing_account", r.billing_account.is_some()),
            ];
            for (name, present) in given {
                if present && !allowed.contains(&name) {
                    return Err(format!("scope type {} does not take \"{name}\"", r.kind));
                }
            }
            Ok(())
        };
        let need = |v: &Option<String>, name: &str| {
            v.clone()
                .ok_or_else(|| format!("scope type {} needs \"{name}\"", r.kind))
        };
        match r.kind.as_str() {
            "resource_group" => {
                extra(&["subscription", "resource_group"])?;
                Ok(Scope::ResourceGroup {
                    subscription: need(&r.subscription, "subscription")?,
                    resource_group: need(&r.resource_group, "resource_group")?,
                })
            }
            "subscription" => {
                extra(&["subscription"])?;
                Ok(Scope::Subscription {
                    subscription: need(&r.subscription, "subscription")?,
                })
            }
            "management_group" => {
                extra(&["management_group"])?;
                Ok(Scope::ManagementGroup {
                    management_group: need(&r.management_group, "management_group")?,
                })
            }
            "shared" => {
                extra(&["billing_account"])?;
                Ok(Scope::Shared {
                    billing_account: need(&r.billing_account, "billing_account")?,
                })
            }
            other => Err(format!(
                "expected scope type resource_group, subscription, management_group or shared, got {other:?}"
            )),
        }
    }
}

impl From<Scope> for ScopeRepr {
    fn from(s: Scope) -> Self {
        let mut r = ScopeRepr {
            kind: s.type_name().into(),
            subscription: None,
            resource_group: None,
            management_group: None,
            billing_account: None,
        };
        match s {
            Scope::ResourceGroup {
                subscription,
                resource_group,
            } => {
                r.subscription = Some(subscription);
                r.resource_group = Some(resource_group);
            }
            Scope::Subscription { subscription } => r.subscription = Some(subscription),
            Scope::ManagementGroup { management_group } => {
                r.management_group = Some(management_group)
            }
            Scope::Shared { billing_account } => r.billing_account = Some(billing_account),
        }
        r
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeChange {
    #[serde(with = "serde_time")]
    pub at: Time,
    pub scope: Scope,
    /// The instant is an estimate (an import or sync saw the new scope, not when it was set).
    #[serde(default, skip_serializing_if = "is_false")]
    pub approximate: bool,
}

/// What happens when a reservation term ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ReservationRenewalRepr", into = "ReservationRenewalRepr")]
pub enum ReservationRenewal {
    None,
    /// The same order renews with the same attributes.
    Autorenew,
    /// A replacement purchase at expiry; unset fields keep the expiring term's.
    Replace {
        ptu: Option<i64>,
        term: Option<Term>,
        billing: Option<Billing>,
        name: Option<String>,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReservationRenewalRepr {
    mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ptu: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    term: Option<Term>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    billing: Option<Billing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

impl TryFrom<ReservationRenewalRepr> for ReservationRenewal {
    type Error = String;
    fn try_from(r: ReservationRenewalRepr) -> Result<Self, String> {
        let has_fields =
            r.ptu.is_some() || r.term.is_some() || r.billing.is_some() || r.name.is_some();
        match r.mode.as_str() {
            "none" | "autorenew" if has_fields => Err(format!(
                "\"ptu\", \"term\", \"billing\" and \"name\" are only allowed with mode replace, not {}",
                r.mode
            )),
            "none" => Ok(ReservationRenewal::None),
            "autorenew" => Ok(ReservationRenewal::Autorenew),
            "replace" => Ok(ReservationRenewal::Replace {
                ptu: r.ptu,
                term: r.term,
                billing: r.billing,
                name: r.name,
            }),
            m => Err(format!(
                "expected renewal mode none, autorenew or replace, got {m:?}"
            )),
        }
    }
}

impl From<ReservationRenewal> for ReservationRenewalRepr {
    fn from(r: ReservationRenewal) -> Self {
        let mut repr = ReservationRenewalRepr {
            mode: String::new(),
            ptu: None,
            term: None,
            billing: None,
            name: None,
        };
        match r {
            ReservationRenewal::None => repr.mode = "none".into(),
            ReservationRenewal::Autorenew => repr.mode = "autorenew".into(),
            ReservationRenewal::Replace {
                ptu,
                term,
                billing,
                name,
            } => {
                repr.mode = "replace".into();
                repr.ptu = ptu;
                repr.term = term;
                repr.billing = billing;
                repr.name = name;
            }
        }
        repr
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReservationRenewalChange {
    #[serde(with = "serde_time")]
    pub at: Time,
    pub renewal: ReservationRenewal,
    /// The instant is an estimate (an import or sync saw the new setting, not when it was set).
    #[serde(default, skip_serializing_if = "is_false")]
    pub approximate: bool,
}

/// An Azure reservation for provisioned throughput.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reservation {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub region: String,
    pub sku: Sku,
    pub ptu: i64,
    pub term: Term,
    pub billing: Billing,
    #[serde(with = "serde_time")]
    pub start: Time,
    pub scope: Scope,
    #[serde(default)]
    pub scope_changes: Vec<ScopeChange>,
    pub renewal: ReservationRenewal,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renewal_changes: Vec<ReservationRenewalChange>,
    #[serde(default, with = "serde_time::opt")]
    pub refunded_at: Option<Time>,
    /// The refund instant is an estimate (an import or sync saw the
    /// reservation cancelled, not when).
    #[serde(default, skip_serializing_if = "is_false")]
    pub refunded_approximate: bool,
    /// Azure reported the refund (an import or sync saw the reservation
    /// cancelled in its listings): it happened and is rated as recorded.
    /// Any other refund (planned, or from a snapshot that does not say so)
    /// is checked against the rolling cancellation limit and rated as
    /// refused when it would pass it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub refunded_reported: bool,
    /// Split or merged away at this instant: its PTUs went on in other
    /// reservations of its order (Azure marks it Cancelled with the status
    /// Split or Merged). Coverage and billing stop here, with no refund
    /// credit and no renewal.
    #[serde(
        default,
        with = "serde_time::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub moved_at: Option<Time>,
    /// A part of a split or the survivor of a merge: its term is the
    /// original's (it runs from `start`), but it covers and bills only from
    /// this instant; before it, the reservation it came from did.
    #[serde(
        default,
        with = "serde_time::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub effective_from: Option<Time>,
    /// Its own price per PTU per term (negotiated), else the price book's.
    #[serde(
        default,
        with = "serde_money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub price: Option<Decimal>,
}

/// A partner model on managed compute, billed per minute of uptime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedCompute {
    pub id: String,
    pub subscription: String,
    pub region: String,
    pub vm_sku: String,
    pub instances: i64,
    pub gpus_per_instance: i64,
    /// Per VM per hour.
    #[serde(with = "serde_money")]
    pub vm_hourly: Decimal,
    /// The publisher's surcharge per GPU per hour.
    #[serde(with = "serde_money")]
    pub surcharge_gpu_hourly: Decimal,
    #[serde(with = "serde_time")]
    pub start: Time,
    #[serde(default, with = "serde_time::opt")]
    pub end: Option<Time>,
}

impl ManagedCompute {
    /// The cost of one hour of uptime: VMs plus the per-GPU surcharge.
    pub fn hourly_rate(&self) -> Decimal {
        let instances = Decimal::from(self.instances);
        self.vm_hourly * instances
            + self.surcharge_gpu_hourly * Decimal::from(self.gpus_per_instance) * instances
    }
}

/// The models that can be deployed on a resource with an active commitment
/// (docs/commitments.md#models-on-a-committed-resource), as (model, version).
pub const COMMITMENT_MODELS: &[(&str, &str)] = &[
    ("gpt-35-turbo", "0125"),
    ("gpt-35-turbo", "1106"),
    ("gpt-4", "0613"),
    ("gpt-4", "1106-Preview"),
    ("gpt-4", "0125-Preview"),
    ("gpt-4-turbo", "2024-04-09"),
    ("gpt-4-32k", "0613"),
    ("gpt-4o", "2024-05-13"),
    ("gpt-4o", "2024-08-06"),
    ("gpt-4o-mini", "2024-07-18"),
];

/// True when a model version may run on a resource with an active commitment.
pub fn commitment_supports(model: &str, version: &str) -> bool {
    COMMITMENT_MODELS
        .iter()
        .any(|(m, v)| m.eq_ignore_ascii_case(model) && v.eq_ignore_ascii_case(version))
}

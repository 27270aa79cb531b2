//! FOCUS rows (the FinOps Open Cost and Usage Specification, version 1.0 or
//! 1.2: [`Version`]) of a rated window: every cost the rating core rates,
//! day by day.
//!
//! - per deployment and day, the PTU that pay the hourly rate: a Usage row,
//!   `PricingCategory` Standard (on demand);
//! - per managed-compute deployment and day, its uptime: a Usage row,
//!   Standard;
//! - per commitment or reservation and day, a Used and an Unused Usage row,
//!   `PricingCategory` Committed, `EffectiveCost` the amortized cost of the
//!   used and of the idle capacity;
//! - per charge billed (a purchase, renewal, addition, monthly period), a
//!   Purchase row, and per refund a Purchase row with its negative
//!   `BilledCost`.
//!
//! So `EffectiveCost` sums to the amortized forecast of the window and
//! `BilledCost` to the actual one. Amounts are written unrounded, as exact
//! as the core rates them (rounding row by row would not add up to the
//! rounded total). Text cells go through [`crate::safe::write_record`].
//!
//! FOCUS 1.2 writes the same rows with the columns 1.1 and 1.2 added
//! (`docs/outputs.md` lists them with their values) and without the
//! 1.0-preview names that only focus-validator 1.0.0 checks; it also fills
//! the unit prices and pricing quantities 1.2 requires on every Usage and
//! Purchase row (1.0 output is unchanged).

use crate::domain::Estate;
use crate::domain::money::fmt_ptu_hours;
use crate::domain::time::{Time, add_months, day_start, fmt_time, month_start};
use crate::domain::{Scope, Sku};
use crate::rating::engine::InstrumentPeriod;
use crate::rating::{BilledCharge, ChargeKind, InstrumentKind, ManagedComputeUse, OnDemandUse};
use crate::safe;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io;
use std::path::Path;

/// The FOCUS version written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Version {
    /// FOCUS 1.0 (what focus-validator 1.0.0 checks).
    #[value(name = "1.0")]
    V1_0,
    /// FOCUS 1.2 (June 2025).
    #[value(name = "1.2")]
    V1_2,
}

/// The columns of a FOCUS 1.0 export, in order.
pub const HEADER: [&str; 50] = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "AvailabilityZone",
    "x_PtuDeploymentType",
    "x_PtuChargeKind",
    // The names focus-validator 1.0.0 still checks (from the 1.0 preview):
    // the same values as ChargeCategory, InvoiceIssuerName, ProviderName,
    // PublisherName and ResourceId.
    "ChargeType",
    "InvoiceIssuer",
    "Provider",
    "Publisher",
    "ResourceID",
    "Tags",
];

/// The columns of a FOCUS 1.2 export, in order: the 1.0 columns (without
/// the 1.0-preview names), then those added by 1.1 and 1.2, then ptudesk's
/// own (`x_`).
pub const HEADER_1_2: [&str; 59] = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "x_PtuDeploymentType",
    "x_PtuChargeKind",
];

impl Version {
    /// The columns written, in order.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Version::V1_0 => &HEADER,
            Version::V1_2 => &HEADER_1_2,
        }
    }
}

/// One row, by column.
#[derive(Debug, Clone, Default)]
pub struct Row {
    billed: Decimal,
    effective: Decimal,
    list: Option<Decimal>,
    list_unit: Option<Decimal>,
    account: String,
    start: Option<Time>,
    end: Option<Time>,
    category: &'static str,
    description: String,
    frequency: &'static str,
    cd_category: &'static str,
    cd_id: String,
    cd_status: &'static str,
    cd_type: &'static str,
    consumed: Option<String>,
    consumed_unit: &'static str,
    pricing_category: &'static str,
    pricing_quantity: Option<String>,
    pricing_unit: &'static str,
    region: String,
    resource_id: String,
    resource_name: String,
    resource_type: &'static str,
    service: &'static str,
    sku_id: String,
    sku_price_id: String,
    sub_account: String,
    sku: Option<Sku>,
    kind: String,
    /// What kind of sub account `sub_account` is (FOCUS 1.2).
    sub_account_type: &'static str,
    /// What kind of billing account `account` is (FOCUS 1.2).
    account_type: &'static str,
    /// The commitment discount's quantity in PTU-hours (FOCUS 1.1+).
    cd_quantity: Option<Decimal>,
    /// FOCUS 1.2 pricing, where it differs from 1.0's: the unit price, the
    /// pricing quantity (PTU-hours) and the price list entry.
    v12: Option<Pricing12>,
    /// FOCUS 1.2 `SkuMeter`.
    meter: &'static str,
    /// FOCUS 1.2 `SkuPriceDetails` (a JSON object).
    price_details: Option<serde_json::Value>,
}

/// The unit price and pricing quantity a FOCUS 1.2 row states where 1.0
/// left them out: a committed row's on-demand equivalent, a purchase's
/// price per PTU-hour.
#[derive(Debug, Clone)]
struct Pricing12 {
    unit: Option<Decimal>,
    /// PTU-hours.
    quantity: Decimal,
    list: Decimal,
    sku_price_id: String,
}

/// An exact amount, as the core rated it (no rounding, no exponent).
fn amount(d: Decimal) -> String {
    let n = d.normalize();
    if n.is_zero() {
        "0".into()
    } else {
        n.to_string()
    }
}

fn opt(d: Option<Decimal>) -> String {
    d.map(amount).unwrap_or_default()
}

impl Row {
    fn cells(&self, currency: &str, v: Version) -> Vec<String> {
        match v {
            Version::V1_0 => self.cells_1_0(currency),
            Version::V1_2 => self.cells_1_2(currency),
        }
    }

    fn cells_1_2(&self, currency: &str) -> Vec<String> {
        let start = self.start.expect("a charge period");
        let end = self.end.expect("a charge period");
        let period = month_start(start);
        let (list, list_unit, pricing_quantity, sku_price_id) = match &self.v12 {
            Some(p) => (
                p.list,
                p.unit,
                Some(amount(p.quantity)),
                p.sku_price_id.clone(),
            ),
            None => (
                self.list.unwrap_or(self.effective.max(self.billed)),
                self.list_unit,
                self.pricing_quantity.clone(),
                self.sku_price_id.clone(),
            ),
        };
        let text = |s: &str| s.to_string();
        let when = |on: bool, s: &str| if on { s.to_string() } else { String::new() };
        let cells: Vec<(&str, String)> = vec![
            ("AvailabilityZone", String::new()),
            ("BilledCost", amount(self.billed)),
            ("BillingAccountId", self.account.clone()),
            ("BillingAccountName", self.account.clone()),
            (
                "BillingAccountType",
                when(!self.account.is_empty(), self.account_type),
            ),
            ("BillingCurrency", text(currency)),
            ("BillingPeriodEnd", fmt_time(add_months(period, 1))),
            ("BillingPeriodStart", fmt_time(period)),
            ("CapacityReservationId", String::new()),
            ("CapacityReservationStatus", String::new()),
            ("ChargeCategory", text(self.category)),
            ("ChargeClass", String::new()),
            ("ChargeDescription", self.description.clone()),
            ("ChargeFrequency", text(self.frequency)),
            ("ChargePeriodEnd", fmt_time(end)),
            ("ChargePeriodStart", fmt_time(start)),
            ("CommitmentDiscountCategory", text(self.cd_category)),
            ("CommitmentDiscountId", self.cd_id.clone()),
            ("CommitmentDiscountName", self.cd_id.clone()),
            ("CommitmentDiscountQuantity", opt(self.cd_quantity)),
            ("CommitmentDiscountStatus", text(self.cd_status)),
            ("CommitmentDiscountType", text(self.cd_type)),
            (
                "CommitmentDiscountUnit",
                when(self.cd_quantity.is_some(), "PTU-Hours"),
            ),
            (
                "ConsumedQuantity",
                self.consumed.clone().unwrap_or_default(),
            ),
            (
                "ConsumedUnit",
                when(self.consumed.is_some(), self.consumed_unit),
            ),
            ("ContractedCost", amount(list)),
            ("ContractedUnitPrice", opt(list_unit)),
            ("EffectiveCost", amount(self.effective)),
            ("InvoiceId", String::new()),
            ("InvoiceIssuerName", text("Microsoft")),
            ("ListCost", amount(list)),
            ("ListUnitPrice", opt(list_unit)),
            ("PricingCategory", text(self.pricing_category)),
            ("PricingCurrency", text(currency)),
            ("PricingCurrencyContractedUnitPrice", opt(list_unit)),
            ("PricingCurrencyEffectiveCost", amount(self.effective)),
            ("PricingCurrencyListUnitPrice", opt(list_unit)),
            (
                "PricingQuantity",
                pricing_quantity.clone().unwrap_or_default(),
            ),
            (
                "PricingUnit",
                when(pricing_quantity.is_some(), self.pricing_unit_1_2()),
            ),
            ("ProviderName", text("Microsoft")),
            ("PublisherName", text("Microsoft")),
            ("RegionId", self.region.clone()),
            ("RegionName", self.region.clone()),
            ("ResourceId", self.resource_id.clone()),
            ("ResourceName", self.resource_name.clone()),
            ("ResourceType", text(self.resource_type)),
            ("ServiceCategory", text("AI and Machine Learning")),
            ("ServiceName", text(self.service)),
            ("ServiceSubcategory", text(subcategory(self.service))),
            ("SkuId", self.sku_id.clone()),
            ("SkuMeter", when(!self.sku_id.is_empty(), self.meter)),
            (
                "SkuPriceDetails",
                match (&self.price_details, sku_price_id.is_empty()) {
                    (Some(d), false) => d.to_string(),
                    _ => String::new(),
                },
            ),
            ("SkuPriceId", sku_price_id),
            ("SubAccountId", self.sub_account.clone()),
            ("SubAccountName", self.sub_account.clone()),
            (
                "SubAccountType",
                when(!self.sub_account.is_empty(), self.sub_account_type),
            ),
            ("Tags", text("{}")),
            (
                "x_PtuDeploymentType",
                self.sku.map(|s| s.label().to_string()).unwrap_or_default(),
            ),
            ("x_PtuChargeKind", self.kind.clone()),
        ];
        debug_assert!(cells.iter().map(|c| c.0).eq(HEADER_1_2.iter().copied()));
        cells.into_iter().map(|c| c.1).collect()
    }

    /// The pricing unit under FOCUS 1.2: every PTU row prices PTU-hours
    /// (purchases included), managed compute its instance-hours.
    fn pricing_unit_1_2(&self) -> &'static str {
        if self.v12.is_some() {
            "PTU-Hours"
        } else {
            self.pricing_unit
        }
    }

    fn cells_1_0(&self, currency: &str) -> Vec<String> {
        let start = self.start.expect("a charge period");
        let end = self.end.expect("a charge period");
        let period = month_start(start);
        let contracted = self.list.unwrap_or(self.effective.max(self.billed));
        vec![
            amount(self.billed),
            self.account.clone(),
            self.account.clone(),
            currency.to_string(),
            fmt_time(add_months(period, 1)),
            fmt_time(period),
            self.category.into(),
            String::new(),
            self.description.clone(),
            self.frequency.into(),
            fmt_time(end),
            fmt_time(start),
            self.cd_category.into(),
            self.cd_id.clone(),
            self.cd_id.clone(),
            self.cd_status.into(),
            self.cd_type.into(),
            self.consumed.clone().unwrap_or_default(),
            if self.consumed.is_some() {
                self.consumed_unit.into()
            } else {
                String::new()
            },
            amount(contracted),
            opt(self.list_unit),
            amount(self.effective),
            "Microsoft".into(),
            amount(self.list.unwrap_or(contracted)),
            opt(self.list_unit),
            self.pricing_category.into(),
            self.pricing_quantity.clone().unwrap_or_default(),
            if self.pricing_quantity.is_some() {
                self.pricing_unit.into()
            } else {
                String::new()
            },
            "Microsoft".into(),
            "Microsoft".into(),
            self.region.clone(),
            self.region.clone(),
            self.resource_id.clone(),
            self.resource_name.clone(),
            self.resource_type.into(),
            "AI and Machine Learning".into(),
            self.service.into(),
            self.sku_id.clone(),
            self.sku_price_id.clone(),
            self.sub_account.clone(),
            self.sub_account.clone(),
            String::new(),
            self.sku.map(|s| s.label().to_string()).unwrap_or_default(),
            self.kind.clone(),
            self.category.into(),
            "Microsoft".into(),
            "Microsoft".into(),
            "Microsoft".into(),
            self.resource_id.clone(),
            "{}".into(),
        ]
    }
}

/// The billing account of a subscription, else the estate's first, else
/// the subscription itself.
fn account_of(e: &Estate, subscription: &str) -> String {
    e.billing_accounts
        .iter()
        .find(|b| b.subscriptions.iter().any(|s| s == subscription))
        .or(e.billing_accounts.first())
        .map_or_else(|| subscription.to_string(), |b| b.id.clone())
}

/// Where an instrument is billed: its resource's subscription (a
/// commitment) or its purchase scope's (a reservation), with what kind of
/// sub account that is.
fn instrument_account(
    e: &Estate,
    kind: InstrumentKind,
    id: &str,
) -> (String, String, &'static str) {
    let base = crate::domain::terms::base_id(id);
    match kind {
        InstrumentKind::Commitment => {
            let sub = e
                .commitments
                .iter()
                .find(|c| c.id == base)
                .and_then(|c| e.resources.iter().find(|r| r.id == c.resource))
                .map(|r| r.subscription.clone())
                .unwrap_or_default();
            (account_of(e, &sub), sub, "Subscription")
        }
        InstrumentKind::Reservation => {
            let scope = e
                .reservations
                .iter()
                .find(|r| r.id == base)
                .map(|r| &r.scope);
            match scope {
                Some(Scope::Subscription { subscription })
                | Some(Scope::ResourceGroup { subscription, .. }) => (
                    account_of(e, subscription),
                    subscription.clone(),
                    "Subscription",
                ),
                Some(Scope::Shared { billing_account }) => (
                    billing_account.clone(),
                    billing_account.clone(),
                    "Billing Account",
                ),
                Some(Scope::ManagementGroup { management_group }) => {
                    let sub = e
                        .management_groups
                        .iter()
                        .find(|m| &m.id == management_group)
                        .and_then(|m| m.subscriptions.first())
                        .cloned()
                        .unwrap_or_default();
                    (
                        account_of(e, &sub),
                        management_group.clone(),
                        "Management Group",
                    )
                }
                None => (account_of(e, ""), String::new(), ""),
            }
        }
    }
}

/// What kind of billing account [`account_of`] found: one the estate lists,
/// or (when it lists none) the subscription itself.
fn account_type(e: &Estate, account: &str) -> &'static str {
    if e.billing_accounts.iter().any(|b| b.id == account) {
        "Billing Account"
    } else {
        "Subscription"
    }
}

fn type_name(k: InstrumentKind) -> &'static str {
    match k {
        InstrumentKind::Commitment => "Commitment",
        InstrumentKind::Reservation => "Reservation",
    }
}

fn charge_name(k: ChargeKind) -> &'static str {
    match k {
        ChargeKind::Purchase => "purchase",
        ChargeKind::Renewal => "renewal",
        ChargeKind::Addition => "addition",
        ChargeKind::Period => "period",
        ChargeKind::Refund => "refund",
    }
}

const SERVICE: &str = "Azure OpenAI Service";

/// FOCUS 1.2 `SkuMeter` of every PTU row.
const PTU_METER: &str = "Provisioned Throughput Units";

/// FOCUS 1.2 `ServiceSubcategory` (under "AI and Machine Learning") of a
/// `ServiceName` this export writes.
fn subcategory(service: &str) -> &'static str {
    if service == SERVICE {
        "Generative AI"
    } else {
        "AI Platforms"
    }
}

/// `SkuPriceDetails` of a PTU price: provider-defined keys only (none of
/// the FOCUS-defined keys describes a deployment type or a pricing term).
fn ptu_details(sku: Sku, term: &str) -> serde_json::Value {
    serde_json::json!({
        "x_DeploymentType": sku.azure_name(),
        "x_PricingTerm": term,
    })
}

/// The unit price of a charge of `amount` for `quantity` PTU-hours
/// (non-negative: a refund is a negative amount for negative hours).
fn unit_price(amount: Decimal, quantity: Decimal) -> Option<Decimal> {
    (!quantity.is_zero()).then(|| (amount / quantity).abs())
}

/// Rates `req` once (the per-deployment split only by bucket, and only
/// its hourly-rate part, which the rows show) and gives its forecast and
/// FOCUS rows.
pub fn rated_rows(
    e: &Estate,
    book: &crate::domain::prices::PriceBook,
    req: &crate::rating::Request,
    opts: &crate::rating::Options,
) -> Result<(crate::rating::Forecast, Vec<Row>), crate::rating::RatingError> {
    let x = crate::rating::forecast_export(e, book, req, opts)?;
    let rows = rows(e, book, &x.periods, &x.bills, &x.hourly, &x.managed);
    Ok((x.forecast, rows))
}

/// Writes `file` whole or not at all: `write` fills a temporary file in
/// the same folder, which then replaces `file` (a rename, atomic within a
/// file system). On an error `file` is as it was and the temporary file is
/// removed. A new file gets the permissions `std::fs::write` would give
/// it, a replaced one keeps its own, and a symbolic link is written
/// through to the file it points to.
pub fn write_file<T>(
    file: &Path,
    write: impl FnOnce(&mut std::fs::File) -> io::Result<T>,
) -> io::Result<T> {
    let target = match std::fs::symlink_metadata(file) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(file)?,
        _ => file.to_path_buf(),
    };
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).suffix(".tmp");
    // The mode std::fs::write creates a file with (before the umask).
    #[cfg(unix)]
    b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = b.tempfile_in(dir)?;
    if let Ok(m) = std::fs::metadata(&target)
        && m.is_file()
    {
        tmp.as_file().set_permissions(m.permissions())?;
    }
    let value = write(tmp.as_file_mut())?;
    // On disk before the rename, so that a crash leaves the old file or
    // the new one, never an empty one.
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(value)
}

/// Who is billed where: the lookups the rows repeat, once.
struct Accounts<'e> {
    e: &'e Estate,
    /// Resource by id.
    resources: HashMap<&'e str, &'e crate::domain::Resource>,
    /// The billing account of each subscription that one lists.
    of_sub: HashMap<&'e str, &'e str>,
    /// [`instrument_account`] by (kind, id).
    instruments: HashMap<(InstrumentKind, String), (String, String, &'static str)>,
}

impl<'e> Accounts<'e> {
    fn new(e: &'e Estate) -> Accounts<'e> {
        let mut of_sub = HashMap::new();
        // The first billing account listing a subscription, as `account_of` finds it.
        for b in &e.billing_accounts {
            for s in &b.subscriptions {
                of_sub.entry(s.as_str()).or_insert(b.id.as_str());
            }
        }
        let mut resources = HashMap::new();
        for r in &e.resources {
            resources.entry(r.id.as_str()).or_insert(r);
        }
        Accounts {
            e,
            resources,
            of_sub,
            instruments: HashMap::new(),
        }
    }

    /// [`account_of`], looked up.
    fn account_of(&self, subscription: &str) -> String {
        match self.of_sub.get(subscription) {
            Some(a) => a.to_string(),
            None => account_of(self.e, subscription),
        }
    }

    /// [`instrument_account`], once per instrument.
    fn instrument(&mut self, kind: InstrumentKind, id: &str) -> (String, String, &'static str) {
        let e = self.e;
        self.instruments
            .entry((kind, id.to_string()))
            .or_insert_with(|| instrument_account(e, kind, id))
            .clone()
    }
}

/// The FOCUS rows of a rated window, sorted by charge period start.
pub fn rows(
    e: &Estate,
    book: &crate::domain::prices::PriceBook,
    periods: &[InstrumentPeriod],
    bills: &[BilledCharge],
    hourly: &[OnDemandUse],
    managed: &[ManagedComputeUse],
) -> Vec<Row> {
    let book = book.over(&e.prices);
    let mut out = Vec::new();
    let mut accounts = Accounts::new(e);
    let hours = |m: Decimal| m / Decimal::from(60);
    for h in hourly {
        let d = &e.deployments[h.deployment];
        let res = accounts.resources.get(d.resource.as_str());
        let (region, sub) = res.map_or((String::new(), String::new()), |r| {
            (r.region.clone(), r.subscription.clone())
        });
        let price = book
            .lookup(&region, d.sku, crate::domain::prices::PriceKind::Hourly)
            .map(|p| p.amount);
        let qty = hours(h.ptu_minutes).normalize().to_string();
        out.push(Row {
            billed: h.cost,
            effective: h.cost,
            list: Some(h.cost),
            list_unit: price,
            account: accounts.account_of(&sub),
            start: Some(h.start),
            end: Some(h.end),
            category: "Usage",
            description: format!("{} PTU paying the hourly rate", d.sku.label()),
            frequency: "Usage-Based",
            consumed: Some(qty.clone()),
            consumed_unit: "PTU-Hours",
            pricing_category: "Standard",
            pricing_quantity: Some(qty),
            pricing_unit: "PTU-Hours",
            region: region.clone(),
            resource_id: d.id.clone(),
            resource_name: d.id.clone(),
            resource_type: "Azure OpenAI deployment",
            service: SERVICE,
            sku_id: d.sku.azure_name().into(),
            sku_price_id: format!("{region}/{}/hourly", d.sku.azure_name()),
            account_type: account_type(e, &accounts.account_of(&sub)),
            sub_account: sub,
            sub_account_type: "Subscription",
            sku: Some(d.sku),
            kind: "hourly".into(),
            meter: PTU_METER,
            price_details: Some(ptu_details(d.sku, "Hourly")),
            ..Row::default()
        });
    }
    for m in managed {
        let mc = &e.managed_compute[m.item];
        let qty = hours(Decimal::from(m.minutes) * Decimal::from(mc.instances))
            .normalize()
            .to_string();
        out.push(Row {
            billed: m.cost,
            effective: m.cost,
            list: Some(m.cost),
            list_unit: Some(mc.hourly_rate() / Decimal::from(mc.instances.max(1))),
            account: accounts.account_of(&mc.subscription),
            start: Some(m.start),
            end: Some(m.end),
            category: "Usage",
            description: format!("managed compute {} x {}", mc.instances, mc.vm_sku),
            frequency: "Usage-Based",
            consumed: Some(qty.clone()),
            consumed_unit: "Instance-Hours",
            pricing_category: "Standard",
            pricing_quantity: Some(qty),
            pricing_unit: "Instance-Hours",
            region: mc.region.clone(),
            resource_id: mc.id.clone(),
            resource_name: mc.id.clone(),
            resource_type: "Managed compute deployment",
            service: "Azure Machine Learning",
            sku_id: mc.vm_sku.clone(),
            sku_price_id: format!("{}/{}/managed-compute", mc.region, mc.vm_sku),
            sub_account: mc.subscription.clone(),
            sub_account_type: "Subscription",
            account_type: account_type(e, &accounts.account_of(&mc.subscription)),
            kind: "managed_compute".into(),
            meter: "Compute Hours",
            price_details: Some(serde_json::json!({
                "InstanceType": mc.vm_sku,
                "x_PricingTerm": "Hourly",
            })),
            ..Row::default()
        });
    }
    for p in periods {
        let (account, sub, sub_type) = accounts.instrument(p.kind, &p.id);
        let hourly_price = book
            .lookup(&p.region, p.sku, crate::domain::prices::PriceKind::Hourly)
            .map(|x| x.amount);
        let unused = p.capacity_ptu_minutes - p.used_ptu_minutes;
        for (status, minutes, cost) in [
            ("Used", p.used_ptu_minutes, p.used_cost),
            ("Unused", unused, p.unused_cost()),
        ] {
            if minutes == 0 && cost.is_zero() {
                continue;
            }
            let qty = fmt_ptu_hours(minutes);
            let ptu_hours = hours(Decimal::from(minutes));
            out.push(Row {
                billed: Decimal::ZERO,
                effective: cost,
                list: None,
                account: account.clone(),
                start: Some(p.start),
                end: Some(p.end),
                category: "Usage",
                description: format!(
                    "{} {} PTU capacity, {}",
                    p.sku.label(),
                    type_name(p.kind).to_lowercase(),
                    status.to_lowercase()
                ),
                frequency: "Usage-Based",
                cd_category: "Usage",
                cd_id: p.id.clone(),
                cd_status: status,
                cd_type: type_name(p.kind),
                consumed: (status == "Used").then(|| qty.clone()),
                consumed_unit: "PTU-Hours",
                pricing_category: "Committed",
                pricing_quantity: Some(qty),
                pricing_unit: "PTU-Hours",
                region: p.region.clone(),
                resource_id: p.id.clone(),
                resource_name: p.id.clone(),
                resource_type: type_name(p.kind),
                service: SERVICE,
                sku_id: p.sku.azure_name().into(),
                sku_price_id: format!(
                    "{}/{}/{}",
                    p.region,
                    p.sku.azure_name(),
                    type_name(p.kind).to_lowercase()
                ),
                sub_account: sub.clone(),
                sub_account_type: sub_type,
                account_type: account_type(e, &account),
                sku: Some(p.sku),
                kind: format!(
                    "{}_{}",
                    type_name(p.kind).to_lowercase(),
                    status.to_lowercase()
                ),
                cd_quantity: Some(ptu_hours),
                v12: Some(Pricing12 {
                    unit: hourly_price,
                    quantity: ptu_hours,
                    list: hourly_price.unwrap_or_default() * ptu_hours,
                    sku_price_id: format!("{}/{}/hourly", p.region, p.sku.azure_name()),
                }),
                meter: PTU_METER,
                price_details: Some(ptu_details(p.sku, "Hourly")),
                ..Row::default()
            });
        }
    }
    for b in bills {
        let (account, sub, sub_type) = accounts.instrument(b.kind, &b.id);
        let day = day_start(b.at);
        let ptu_hours = Decimal::from(b.ptu_hours);
        let sku_price_id = format!(
            "{}/{}/{}",
            b.region,
            b.sku.azure_name(),
            type_name(b.kind).to_lowercase()
        );
        out.push(Row {
            billed: b.amount,
            effective: Decimal::ZERO,
            list: Some(b.amount),
            account_type: account_type(e, &account),
            account,
            start: Some(day),
            end: Some(day + chrono::Duration::days(1)),
            category: "Purchase",
            description: format!(
                "{} {} {}",
                type_name(b.kind).to_lowercase(),
                b.id,
                charge_name(b.charge)
            ),
            frequency: match b.charge {
                ChargeKind::Period => "Recurring",
                _ => "One-Time",
            },
            cd_category: "Usage",
            cd_id: b.id.clone(),
            cd_type: type_name(b.kind),
            pricing_category: "Committed",
            region: b.region.clone(),
            resource_id: b.id.clone(),
            resource_name: b.id.clone(),
            resource_type: type_name(b.kind),
            service: SERVICE,
            sku_id: b.sku.azure_name().into(),
            sku_price_id: sku_price_id.clone(),
            sub_account: sub,
            sub_account_type: sub_type,
            sku: Some(b.sku),
            kind: charge_name(b.charge).into(),
            cd_quantity: Some(ptu_hours),
            v12: Some(Pricing12 {
                unit: unit_price(b.amount, ptu_hours),
                quantity: ptu_hours,
                list: b.amount,
                sku_price_id,
            }),
            meter: PTU_METER,
            price_details: Some(ptu_details(b.sku, type_name(b.kind))),
            ..Row::default()
        });
    }
    out.sort_by(|a, b| {
        (a.start, &a.resource_id, a.category, a.cd_status).cmp(&(
            b.start,
            &b.resource_id,
            b.category,
            b.cd_status,
        ))
    });
    out
}

/// The rows as CSV text, every cell through the one CSV cell writer.
pub fn csv(currency: &str, rows: &[Row], v: Version) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    safe::write_record(&mut w, v.header()).expect("in memory");
    for r in rows {
        safe::write_record(&mut w, r.cells(currency, v)).expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rows.csv");
        std::fs::write(&file, "old\n").unwrap();
        // Half written, then an error: the file as it was, nothing beside it.
        let failed = write_file(&file, |f| {
            io::Write::write_all(f, b"new, half")?;
            Err::<(), _>(io::Error::other("the disk is full"))
        });
        assert_eq!(failed.unwrap_err().to_string(), "the disk is full");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old\n");
        assert_eq!(names(dir.path()), ["rows.csv"]);
        // Written whole: the new text, nothing beside it.
        let n = write_file(&file, |f| io::Write::write_all(f, b"new\n").map(|_| 4)).unwrap();
        assert_eq!(n, 4);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new\n");
        assert_eq!(names(dir.path()), ["rows.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.csv");
        let link = dir.path().join("link.csv");
        std::fs::write(&target, "old\n").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_file(&link, |f| io::Write::write_all(f, b"new\n")).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
        assert_eq!(names(dir.path()), ["link.csv", "target.csv"]);
    }
}

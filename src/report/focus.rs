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
//! [`rate`] rates the window once; [`Rated::write_csv`] makes, sorts and
//! writes the rows one charge period start at a time, so memory holds the
//! rating and one day's rows, not the window's; [`write_file`] writes a
//! file whole or not at all.
//!
//! FOCUS 1.2 writes the same rows with the columns 1.1 and 1.2 added
//! (`docs/outputs.md` lists them with their values) and without the
//! 1.0-preview names that only focus-validator 1.0.0 checks; it also fills
//! the unit prices and pricing quantities 1.2 requires on every Usage and
//! Purchase row (1.0 output is unchanged).

use crate::domain::Estate;
use crate::domain::money::fmt_ptu_hours;
use crate::domain::prices::PriceBook;
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

/// The days of per-deployment detail rated at a time for the rows: what
/// is held is one such stretch's split of each deployment's use by day,
/// not the window's.
const CHUNK_DAYS: i64 = 7;

/// A window rated for its FOCUS rows: its forecast, and the rows' detail
/// (the per-deployment split only by bucket, and only its hourly-rate
/// part, which the rows show) rated a stretch of days at a time as the
/// rows are written.
pub struct Rated<'e> {
    e: &'e Estate,
    /// The price book the ratings take (under the estate's own prices).
    rating_book: &'e PriceBook,
    /// The price book under the estate's own prices, for the rows' list prices.
    book: PriceBook,
    req: crate::rating::Request,
    opts: crate::rating::Options,
    forecast: crate::rating::Forecast,
    chunk_days: i64,
}

/// Rates `req` for [`Rated::write_csv`]: the window's forecast now (a
/// window that can't be rated fails here, before anything is written), the
/// rows' detail as they are written.
pub fn rate<'e>(
    e: &'e Estate,
    book: &'e PriceBook,
    req: &crate::rating::Request,
    opts: &crate::rating::Options,
) -> Result<Rated<'e>, crate::rating::RatingError> {
    let forecast = crate::rating::forecast(e, book, req, opts)?;
    Ok(Rated {
        e,
        rating_book: book,
        book: book.over(&e.prices),
        req: req.clone(),
        opts: opts.clone(),
        forecast,
        chunk_days: CHUNK_DAYS,
    })
}

impl Rated<'_> {
    /// The window's forecast.
    pub fn forecast(&self) -> &crate::rating::Forecast {
        &self.forecast
    }

    /// The stretches the rows' detail is rated in: with daily buckets, the
    /// window cut at the midnight after its start and every `chunk_days`
    /// days after (other buckets: the window whole). Each
    /// daily bucket lies in one, rated as it is in the whole window (each
    /// bucket is rated as if on its own), and a stretch's rows all start
    /// after the rows of the one before (a billed charge's period starts
    /// at its day's midnight: only in the first stretch can that be
    /// before the stretch's start).
    fn chunks(&self) -> Vec<crate::rating::Request> {
        if self.req.by != crate::rating::Bucket::Day {
            return vec![self.req.clone()];
        }
        let (from, to) = (self.req.from, self.req.to);
        let mut cuts = vec![from];
        let mut at = day_start(from) + chrono::Duration::days(1);
        while at < to {
            cuts.push(at);
            at += chrono::Duration::days(self.chunk_days);
        }
        cuts.push(to);
        cuts.windows(2)
            .map(|w| crate::rating::Request {
                from: w[0],
                to: w[1],
                ..self.req.clone()
            })
            .collect()
    }

    /// Writes the FOCUS rows as CSV to `w`, the header first, every cell
    /// through the one CSV cell writer; gives the number of rows.
    ///
    /// The rows are sorted by charge period start, then resource, charge
    /// category and commitment status ([`order`]), as one stable sort of
    /// the window's rows would leave them, but they are made, sorted and
    /// written one start at a time (with daily buckets, one day), so only
    /// that start's rows are held. A stable sort keeps rows of equal keys
    /// in the order they were made: hourly use, managed compute, instrument
    /// periods, billed charges, each in the rating's order. So each start's
    /// rows are made in that order too before its own stable sort. A billed
    /// charge's period is the day it falls in, which may start before the
    /// window's first bucket: it is a start of its own, written before it.
    pub fn write_csv<W: io::Write>(&self, v: Version, w: W) -> io::Result<usize> {
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(w);
        safe::write_record(&mut w, v.header()).map_err(io_error)?;
        let mut rows = Rows::new(self.e, &self.book);
        let mut at_start = Vec::new();
        let mut written = 0;
        for req in self.chunks() {
            let x = crate::rating::forecast_export(self.e, self.rating_book, &req, &self.opts)
                .map_err(|err| io::Error::other(err.to_string()))?;
            let mut hourly = Queue::new(&x.hourly, |h| h.start);
            let mut managed = Queue::new(&x.managed, |m| m.start);
            let mut periods = Queue::new(&x.periods, |p| p.start);
            let mut bills = Queue::new(&x.bills, bill_start);
            while let Some(start) = [hourly.head(), managed.head(), periods.head(), bills.head()]
                .into_iter()
                .flatten()
                .min()
            {
                while let Some(h) = hourly.pop(start) {
                    at_start.push(rows.hourly(h));
                }
                while let Some(m) = managed.pop(start) {
                    at_start.push(rows.managed(m));
                }
                while let Some(p) = periods.pop(start) {
                    rows.period(p, &mut at_start);
                }
                while let Some(b) = bills.pop(start) {
                    at_start.push(rows.bill(b));
                }
                debug_assert!(at_start.iter().all(|r| r.start == Some(start)));
                at_start.sort_by(order);
                written += at_start.len();
                for r in at_start.drain(..) {
                    safe::write_record(&mut w, r.cells(&self.e.currency, v)).map_err(io_error)?;
                }
            }
        }
        w.flush()?;
        Ok(written)
    }
}

/// A CSV writer's error as the I/O error it wraps, of the same kind (a
/// closed pipe stays one: `ptudesk export ... | head` is no failure).
fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The order of the rows: by charge period start, then resource, charge
/// category and commitment status.
fn order(a: &Row, b: &Row) -> std::cmp::Ordering {
    (a.start, &a.resource_id, a.category, a.cd_status).cmp(&(
        b.start,
        &b.resource_id,
        b.category,
        b.cd_status,
    ))
}

/// A billed charge's charge period starts on the day it is billed.
fn bill_start(b: &BilledCharge) -> Time {
    day_start(b.at)
}

/// The items of one kind of row in order of their rows' start, those of
/// equal start in the rating's order.
struct Queue<'a, T> {
    items: &'a [T],
    order: Vec<usize>,
    next: usize,
    start: fn(&T) -> Time,
}

impl<'a, T> Queue<'a, T> {
    fn new(items: &'a [T], start: fn(&T) -> Time) -> Queue<'a, T> {
        let mut order: Vec<usize> = (0..items.len()).collect();
        // Stable: equal starts keep the rating's order.
        order.sort_by_key(|&i| start(&items[i]));
        Queue {
            items,
            order,
            next: 0,
            start,
        }
    }

    /// The start of the next item.
    fn head(&self) -> Option<Time> {
        let i = *self.order.get(self.next)?;
        Some((self.start)(&self.items[i]))
    }

    /// The next item if it starts at `start`.
    fn pop(&mut self, start: Time) -> Option<&'a T> {
        let items = self.items;
        let i = *self.order.get(self.next)?;
        if (self.start)(&items[i]) != start {
            return None;
        }
        self.next += 1;
        Some(&items[i])
    }
}

/// Writes `file` whole or not at all: `write` fills a temporary file in
/// the same folder, which then replaces `file` (a rename, atomic within a
/// file system). On an error `file` is as it was and the temporary file is
/// removed. A new file gets the permissions `std::fs::write` would give
/// it, a replaced one keeps its own, and a symbolic link is written
/// through to the file it points to.
///
/// What is no regular file (a device such as `/dev/null` or
/// `/dev/stdout`, a named pipe, a terminal; a link to one or to nothing
/// yet) is written in place, as `std::fs::write` writes it: there is no
/// file to replace, and replacing a device or a pipe with a file would
/// lose what reads it. A file that can't be opened for writing is refused
/// as `std::fs::write` refuses it; one in a folder where no file can be
/// made beside it is written in place.
pub fn write_file<T>(
    file: &Path,
    write: impl FnOnce(&mut std::fs::File) -> io::Result<T>,
) -> io::Result<T> {
    let existing = match std::fs::metadata(file) {
        Ok(m) if !m.is_file() => return write_in_place(file, write),
        // A link to nothing yet.
        Err(_) if std::fs::symlink_metadata(file).is_ok() => return write_in_place(file, write),
        Ok(m) => Some(m),
        Err(_) => None,
    };
    if existing.is_some() {
        std::fs::OpenOptions::new().write(true).open(file)?;
    }
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
    let mut tmp = match b.tempfile_in(dir) {
        Ok(tmp) => tmp,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied && existing.is_some() => {
            return write_in_place(file, write);
        }
        Err(e) => return Err(without_temporary_path(e)),
    };
    if let Some(m) = existing {
        tmp.as_file().set_permissions(m.permissions())?;
    }
    let value = write(tmp.as_file_mut())?;
    // On disk before the rename, so that a crash leaves the old file or
    // the new one, never an empty one.
    tmp.as_file().sync_all()?;
    tmp.persist(&target)
        .map_err(|e| without_temporary_path(e.error))?;
    Ok(value)
}

/// An error of the temporary file as the file's: `tempfile` names the
/// temporary file's path in its messages, which the user never asked for.
fn without_temporary_path(e: io::Error) -> io::Error {
    let text = e.to_string();
    match text.rsplit_once(" at path ") {
        Some((what, _)) => io::Error::new(e.kind(), what.to_string()),
        None => e,
    }
}

/// Writes `file` as `std::fs::write` does: created or emptied, then filled.
fn write_in_place<T>(
    file: &Path,
    write: impl FnOnce(&mut std::fs::File) -> io::Result<T>,
) -> io::Result<T> {
    let mut f = std::fs::File::create(file)?;
    let value = write(&mut f)?;
    io::Write::flush(&mut f)?;
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

/// Makes the FOCUS rows of a rated window, item by item.
struct Rows<'e> {
    e: &'e Estate,
    book: &'e PriceBook,
    accounts: Accounts<'e>,
}

fn hours(minutes: Decimal) -> Decimal {
    minutes / Decimal::from(60)
}

impl<'e> Rows<'e> {
    fn new(e: &'e Estate, book: &'e PriceBook) -> Rows<'e> {
        Rows {
            e,
            book,
            accounts: Accounts::new(e),
        }
    }

    /// The row of a deployment's PTU paying the hourly rate in a bucket.
    fn hourly(&mut self, h: &OnDemandUse) -> Row {
        let (e, book, accounts) = (self.e, self.book, &mut self.accounts);
        let d = &e.deployments[h.deployment];
        let res = accounts.resources.get(d.resource.as_str());
        let (region, sub) = res.map_or((String::new(), String::new()), |r| {
            (r.region.clone(), r.subscription.clone())
        });
        let price = book
            .lookup(&region, d.sku, crate::domain::prices::PriceKind::Hourly)
            .map(|p| p.amount);
        let qty = hours(h.ptu_minutes).normalize().to_string();
        Row {
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
        }
    }

    /// The row of a managed-compute deployment's uptime in a bucket.
    fn managed(&self, m: &ManagedComputeUse) -> Row {
        let (e, accounts) = (self.e, &self.accounts);
        let mc = &e.managed_compute[m.item];
        let qty = hours(Decimal::from(m.minutes) * Decimal::from(mc.instances))
            .normalize()
            .to_string();
        Row {
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
        }
    }

    /// The Used and Unused rows of an instrument period (none for nothing
    /// used or idle at no cost).
    fn period(&mut self, p: &InstrumentPeriod, out: &mut Vec<Row>) {
        let (e, book, accounts) = (self.e, self.book, &mut self.accounts);
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

    /// The Purchase row of a billed charge.
    fn bill(&mut self, b: &BilledCharge) -> Row {
        let (e, accounts) = (self.e, &mut self.accounts);
        let (account, sub, sub_type) = accounts.instrument(b.kind, &b.id);
        let day = bill_start(b);
        let ptu_hours = Decimal::from(b.ptu_hours);
        let sku_price_id = format!(
            "{}/{}/{}",
            b.region,
            b.sku.azure_name(),
            type_name(b.kind).to_lowercase()
        );
        Row {
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;
    use crate::generate::{Profile, generate_profile};
    use crate::rating::{Basis, Bucket, Options, Request};

    fn t(s: &str) -> Time {
        parse_time_arg(s).unwrap()
    }

    fn rated<'e>(e: &'e Estate, from: &str, to: &str) -> Rated<'e> {
        let req = Request {
            from: t(from),
            to: t(to),
            basis: Basis::Amortized,
            by: Bucket::Day,
        };
        let book: &'static PriceBook = Box::leak(Box::new(PriceBook::default_book()));
        rate(e, book, &req, &Options::default()).unwrap()
    }

    /// The window's rows made whole and sorted whole, as the export made
    /// them before it wrote one start at a time: what [`Rated::write_csv`]
    /// must write, byte for byte.
    fn sorted_whole(r: &Rated, v: Version) -> (String, Vec<Row>) {
        let x = crate::rating::forecast_export(r.e, r.rating_book, &r.req, &r.opts).unwrap();
        assert_eq!(x.forecast, r.forecast);
        let mut rows = Rows::new(r.e, &r.book);
        let mut all = Vec::new();
        all.extend(x.hourly.iter().map(|h| rows.hourly(h)));
        all.extend(x.managed.iter().map(|m| rows.managed(m)));
        for p in &x.periods {
            rows.period(p, &mut all);
        }
        all.extend(x.bills.iter().map(|b| rows.bill(b)));
        all.sort_by(order);
        let mut w = csv::Writer::from_writer(Vec::new());
        safe::write_record(&mut w, v.header()).unwrap();
        for row in &all {
            safe::write_record(&mut w, row.cells(&r.e.currency, v)).unwrap();
        }
        (String::from_utf8(w.into_inner().unwrap()).unwrap(), all)
    }

    /// Asserts that the rows written a start at a time, their detail rated
    /// a stretch of days at a time (one, two, three and seven days), are
    /// those of the whole window's rating sorted whole, in both versions;
    /// gives the whole sort's rows.
    fn streams_as_sorted_whole(r: &mut Rated) -> Vec<Row> {
        let mut rows = Vec::new();
        for (v, days) in [
            (Version::V1_0, 1),
            (Version::V1_2, 2),
            (Version::V1_0, 3),
            (Version::V1_2, CHUNK_DAYS),
        ] {
            r.chunk_days = days;
            assert!(r.chunks().len() > 1, "one stretch of {days} days");
            let r = &*r;
            let (whole, all) = sorted_whole(r, v);
            let mut out = Vec::new();
            let n = r.write_csv(v, &mut out).unwrap();
            let out = String::from_utf8(out).unwrap();
            for (i, (a, b)) in out.lines().zip(whole.lines()).enumerate() {
                assert_eq!(a, b, "{v:?}: line {}", i + 1);
            }
            assert_eq!(out.len(), whole.len(), "{v:?}");
            assert_eq!(n, all.len(), "{v:?}");
            assert_eq!(
                out.lines().count(),
                n + 1,
                "{v:?}: the header and a line a row"
            );
            rows = all;
        }
        rows
    }

    fn key(r: &Row) -> (Option<Time>, &str, &str, &str) {
        (r.start, &r.resource_id, r.category, r.cd_status)
    }

    #[test]
    fn the_demo_streams_as_sorted_whole() {
        let e = crate::demo::estate(t("2026-11-22T09:00:00Z"));
        let month = streams_as_sorted_whole(&mut rated(&e, "2026-11-01", "2026-12-01"));
        for kind in [
            "hourly",
            "managed_compute",
            "reservation_unused",
            "purchase",
            "renewal",
        ] {
            assert!(month.iter().any(|r| r.kind == kind), "{kind}");
        }
        // A window from 13:00: its first day's buckets start at 13:00, a
        // purchase billed at 16:00 that day at midnight, before them.
        let days = streams_as_sorted_whole(&mut rated(
            &e,
            "2026-11-02T13:00:00Z",
            "2026-11-09T07:00:00Z",
        ));
        let first = days.iter().find(|r| r.kind == "hourly").unwrap();
        assert_eq!(first.start, Some(t("2026-11-02T13:00:00Z")));
        assert_eq!(days[0].kind, "purchase");
        assert_eq!(days[0].start, Some(t("2026-11-02")));
    }

    #[test]
    fn a_concentrated_estate_streams_as_sorted_whole() {
        let e = generate_profile(300, 4, t("2026-12-01"), Profile::Concentrated);
        let rows = streams_as_sorted_whole(&mut rated(&e, "2026-09-27T05:00:00Z", "2026-10-04"));
        for kind in [
            "hourly",
            "managed_compute",
            "commitment_used",
            "reservation_used",
            "purchase",
            "addition",
            "refund",
        ] {
            assert!(rows.iter().any(|r| r.kind == kind), "{kind}");
        }
        // Charges billed before the first bucket's start, on its day.
        assert!(rows[0].start < Some(t("2026-09-27T05:00:00Z")));
        // Rows equal on the whole key (a purchase and an addition of one
        // commitment on one day): the order they were made in decides.
        assert!(
            rows.windows(2).any(|w| key(&w[0]) == key(&w[1])),
            "no rows of equal keys"
        );
    }

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
        // A folder that isn't there: the error names no temporary file.
        let nowhere = dir.path().join("no-such-folder").join("rows.csv");
        let err = write_file(&nowhere, |f| io::Write::write_all(f, b"new\n")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(!err.to_string().contains(".tmp"), "{err}");
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

    /// A named pipe is written into, not replaced: its reader gets the
    /// rows, and it is a pipe still, with nothing beside it; so is a
    /// device.
    #[cfg(unix)]
    #[test]
    fn a_pipe_or_a_device_is_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("rows.csv");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_file(&fifo, |f| io::Write::write_all(f, b"rows\n")).unwrap();
        assert_eq!(reader.join().unwrap(), "rows\n");
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo());
        assert_eq!(names(dir.path()), ["rows.csv"]);

        let null = Path::new("/dev/null");
        write_file(null, |f| io::Write::write_all(f, b"rows\n")).unwrap();
        assert!(
            std::fs::metadata(null)
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }
}

//! FOCUS 1.0 rows (the FinOps Open Cost and Usage Specification) of a rated
//! window: every cost the rating core rates, day by day.
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
//! rounded total). Text cells go through [`super::safe::write_record`].

use super::safe;
use crate::domain::Estate;
use crate::domain::money::fmt_ptu_hours;
use crate::domain::time::{Time, add_months, day_start, fmt_time, month_start};
use crate::domain::{Scope, Sku};
use crate::rating::engine::InstrumentPeriod;
use crate::rating::{BilledCharge, ChargeKind, InstrumentKind, ManagedComputeUse, OnDemandUse};
use rust_decimal::Decimal;

/// The columns written, in order.
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
    fn cells(&self, currency: &str) -> Vec<String> {
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
/// commitment) or its purchase scope's (a reservation).
fn instrument_account(e: &Estate, kind: InstrumentKind, id: &str) -> (String, String) {
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
            (account_of(e, &sub), sub)
        }
        InstrumentKind::Reservation => {
            let scope = e
                .reservations
                .iter()
                .find(|r| r.id == base)
                .map(|r| &r.scope);
            match scope {
                Some(Scope::Subscription { subscription })
                | Some(Scope::ResourceGroup { subscription, .. }) => {
                    (account_of(e, subscription), subscription.clone())
                }
                Some(Scope::Shared { billing_account }) => {
                    (billing_account.clone(), billing_account.clone())
                }
                Some(Scope::ManagementGroup { management_group }) => {
                    let sub = e
                        .management_groups
                        .iter()
                        .find(|m| &m.id == management_group)
                        .and_then(|m| m.subscriptions.first())
                        .cloned()
                        .unwrap_or_default();
                    (account_of(e, &sub), management_group.clone())
                }
                None => (account_of(e, ""), String::new()),
            }
        }
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
    let hours = |m: Decimal| m / Decimal::from(60);
    for h in hourly {
        let d = &e.deployments[h.deployment];
        let res = e.resources.iter().find(|r| r.id == d.resource);
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
            account: account_of(e, &sub),
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
            sub_account: sub,
            sku: Some(d.sku),
            kind: "hourly".into(),
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
            account: account_of(e, &mc.subscription),
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
            kind: "managed_compute".into(),
            ..Row::default()
        });
    }
    for p in periods {
        let (account, sub) = instrument_account(e, p.kind, &p.id);
        let unused = p.capacity_ptu_minutes - p.used_ptu_minutes;
        for (status, minutes, cost) in [
            ("Used", p.used_ptu_minutes, p.used_cost),
            ("Unused", unused, p.unused_cost()),
        ] {
            if minutes == 0 && cost.is_zero() {
                continue;
            }
            let qty = fmt_ptu_hours(minutes);
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
                sku: Some(p.sku),
                kind: format!(
                    "{}_{}",
                    type_name(p.kind).to_lowercase(),
                    status.to_lowercase()
                ),
                ..Row::default()
            });
        }
    }
    for b in bills {
        let (account, sub) = instrument_account(e, b.kind, &b.id);
        let day = day_start(b.at);
        out.push(Row {
            billed: b.amount,
            effective: Decimal::ZERO,
            list: Some(b.amount),
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
            sku_price_id: format!(
                "{}/{}/{}",
                b.region,
                b.sku.azure_name(),
                type_name(b.kind).to_lowercase()
            ),
            sub_account: sub,
            sku: Some(b.sku),
            kind: charge_name(b.charge).into(),
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
pub fn csv(currency: &str, rows: &[Row]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    safe::write_record(&mut w, HEADER).expect("in memory");
    for r in rows {
        safe::write_record(&mut w, r.cells(currency)).expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("utf-8")
}

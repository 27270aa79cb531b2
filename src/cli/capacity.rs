//! `ptudesk capacity`: where N PTU of a model could go, from what the store
//! (or a scenario) holds. Never asks Azure: service capacity is what the
//! last `sync` or `import` of a `modelCapacities` answer said, with its age.

use super::{Failure, Global, load_estate, out};
use crate::domain::Sku;
use crate::domain::capacity::{self, HOURS_PER_MONTH, Place, Query};
use crate::domain::money::{fmt_money, fmt_money_grouped};
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, fmt_minute, fmt_time};
use crate::domain::validate::MAX_PTU;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::fmt::Write;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum TypeArg {
    #[value(name = "Global")]
    Global,
    #[value(name = "DataZone")]
    DataZone,
    #[value(name = "Regional")]
    Regional,
}

impl TypeArg {
    fn sku(self) -> Sku {
        match self {
            TypeArg::Global => Sku::Global,
            TypeArg::DataZone => Sku::DataZone,
            TypeArg::Regional => Sku::Regional,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum CapacityFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct CapacityArgs {
    /// The model (as Azure names it: gpt-4o)
    #[arg(long, value_name = "NAME")]
    pub model: String,
    /// The model version (default: any version the store has an answer for)
    #[arg(long, value_name = "V")]
    pub version: Option<String>,
    /// PTU wanted
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(1..=MAX_PTU))]
    pub ptu: i64,
    /// Deployment type (repeatable; default: all three)
    #[arg(long = "type", value_enum, ignore_case = true, value_name = "TYPE")]
    pub types: Vec<TypeArg>,
    /// Region, Azure's short name or display name (repeatable; default: every region the store knows)
    #[arg(long = "region", value_name = "R")]
    pub regions: Vec<String>,
    #[arg(long, value_enum, default_value_t = CapacityFormat::Table)]
    pub format: CapacityFormat,
}

/// "East US 2" -> "eastus2".
fn region_name(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

pub use crate::domain::capacity::fmt_age;

pub fn capacity(g: &Global, a: &CapacityArgs, now: Time) -> Result<(), Failure> {
    let model = a.model.trim();
    if model.is_empty() {
        return Err(Failure::input(
            "--model: expected a model name (gpt-4o), got nothing",
        ));
    }
    let mut regions = Vec::new();
    for r in &a.regions {
        let name = region_name(r);
        if name.is_empty() {
            return Err(Failure::input(format!(
                "--region: expected a region (eastus2), got {r:?}"
            )));
        }
        regions.push(name);
    }
    let estate = load_estate(g, now)?;
    let mut skus: Vec<Sku> = a.types.iter().map(|t| t.sku()).collect();
    skus.dedup();
    let q = Query {
        model: model.to_string(),
        version: a.version.as_ref().map(|v| v.trim().to_string()),
        ptu: a.ptu,
        skus,
        regions,
    };
    let places = capacity::places(&estate, &PriceBook::default_book(), &q, now);
    let text = match a.format {
        CapacityFormat::Table => to_table(&q, &places, &estate.currency, now),
        CapacityFormat::Json => to_json(&q, &places, &estate.currency, now),
    };
    out(&text)
}

fn money(d: Option<rust_decimal::Decimal>) -> String {
    d.map_or("no price".into(), fmt_money_grouped)
}

fn capacity_cell(p: &Place) -> String {
    match &p.capacity {
        Some(c) => format!("{} ({} old)", c.available, fmt_age(c.age_seconds)),
        None => "unknown".into(),
    }
}

fn quota_cell(p: &Place) -> String {
    match p.free_quota {
        Some(f) => f.to_string(),
        None => "unknown".into(),
    }
}

pub fn to_table(q: &Query, places: &[Place], currency: &str, now: Time) -> String {
    let mut s = String::new();
    let version = q.version.as_deref().unwrap_or("any version");
    let _ = writeln!(
        s,
        "Where {} PTU of {} ({version}) can go, as of {} (service capacity as last read from Azure):",
        q.ptu,
        q.model,
        fmt_minute(now)
    );
    if places.is_empty() {
        let _ = writeln!(
            s,
            "  no region known: import a modelCapacities answer or run `ptudesk sync`"
        );
        return s;
    }
    let header = [
        "region",
        "type",
        "capacity",
        "free quota",
        "answer",
        &format!("hourly/month {currency}"),
        &format!("reserved/month {currency}"),
        "on",
    ]
    .map(str::to_string);
    let rows: Vec<[String; 8]> = places
        .iter()
        .map(|p| {
            [
                p.region.clone(),
                p.sku.label().to_string(),
                capacity_cell(p),
                quota_cell(p),
                p.verdict.label().to_string(),
                money(p.hourly_month),
                money(p.reserved_month),
                if p.resources.is_empty() {
                    "-".to_string()
                } else {
                    p.resources.join(", ")
                },
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String; 8]| {
        let mut l = String::from(" ");
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            // Money right-aligned, the rest left.
            if i == 5 || i == 6 {
                let _ = write!(l, " {c:>w$}");
            } else {
                let _ = write!(l, " {c:<w$}");
            }
        }
        l.trim_end().to_string()
    };
    let _ = writeln!(s, "{}", line(&header));
    for r in &rows {
        let _ = writeln!(s, "{}", line(r));
    }
    let _ = writeln!(
        s,
        "capacity: PTU Azure could still deploy there, and the age of that answer; free quota: the largest\n(limit - PTU deployed now) among your subscriptions there; hourly/month: {} PTU x {HOURS_PER_MONTH} h.\nCapacity is not held for you: deploy first, then buy the reservation that covers it.",
        q.ptu
    );
    s
}

#[derive(Serialize)]
struct JsonQuota<'a> {
    subscription: &'a str,
    row: Option<&'a str>,
    limit: Option<i64>,
    deployed: i64,
    free: Option<i64>,
}

#[derive(Serialize)]
struct JsonCapacity<'a> {
    available: i64,
    version: &'a str,
    as_of: String,
    age_seconds: i64,
}

#[derive(Serialize)]
struct JsonPlace<'a> {
    region: &'a str,
    sku: Sku,
    capacity: Option<JsonCapacity<'a>>,
    free_quota: Option<i64>,
    quotas: Vec<JsonQuota<'a>>,
    answer: &'static str,
    resources: &'a [String],
    hourly_month: Option<String>,
    reserved_month: Option<String>,
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    model: &'a str,
    version: Option<&'a str>,
    ptu: i64,
    at: String,
    currency: &'a str,
    hours_per_month: i64,
    places: Vec<JsonPlace<'a>>,
}

pub fn to_json(q: &Query, places: &[Place], currency: &str, now: Time) -> String {
    let doc = JsonDoc {
        model: &q.model,
        version: q.version.as_deref(),
        ptu: q.ptu,
        at: fmt_time(now),
        currency,
        hours_per_month: HOURS_PER_MONTH,
        places: places
            .iter()
            .map(|p| JsonPlace {
                region: &p.region,
                sku: p.sku,
                capacity: p.capacity.as_ref().map(|c| JsonCapacity {
                    available: c.available,
                    version: &c.version,
                    as_of: fmt_time(c.as_of),
                    age_seconds: c.age_seconds,
                }),
                free_quota: p.free_quota,
                quotas: p
                    .quotas
                    .iter()
                    .map(|x| JsonQuota {
                        subscription: &x.subscription,
                        row: x.row.as_deref(),
                        limit: x.limit,
                        deployed: x.deployed,
                        free: x.free,
                    })
                    .collect(),
                answer: p.verdict.label(),
                resources: &p.resources,
                hourly_month: p.hourly_month.map(fmt_money),
                reserved_month: p.reserved_month.map(fmt_money),
            })
            .collect(),
    };
    let mut s = crate::safe::json_safe(serde_json::to_string_pretty(&doc).expect("serializable"));
    s.push('\n');
    s
}

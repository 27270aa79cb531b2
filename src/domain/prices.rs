//! The price book: per-PTU prices by region and SKU, in layers. A snapshot's
//! own rows come first, then any imported price list, then the default book
//! shipped in `assets/prices.json` (list prices, see docs/prices.md; none of them
//! verified). Within a layer an exact region beats the `*` row.

use super::{PriceRow, Sku};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::fmt;

/// Which price of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PriceKind {
    Hourly,
    ReservationMonth,
    ReservationYear,
    CommitmentMonth,
}

impl PriceKind {
    pub fn field(self) -> &'static str {
        match self {
            PriceKind::Hourly => "hourly",
            PriceKind::ReservationMonth => "reservation_month",
            PriceKind::ReservationYear => "reservation_year",
            PriceKind::CommitmentMonth => "commitment_month",
        }
    }

    /// What one amount of this kind buys, for messages.
    pub fn unit(self) -> &'static str {
        match self {
            PriceKind::Hourly => "per PTU per hour",
            PriceKind::ReservationMonth => "per PTU per one-month reservation term",
            PriceKind::ReservationYear => "per PTU per one-year reservation term",
            PriceKind::CommitmentMonth => "per PTU per one-month commitment term",
        }
    }

    fn of(self, row: &PriceRow) -> Option<Decimal> {
        match self {
            PriceKind::Hourly => row.hourly,
            PriceKind::ReservationMonth => row.reservation_month,
            PriceKind::ReservationYear => row.reservation_year,
            PriceKind::CommitmentMonth => row.commitment_month,
        }
    }
}

/// A snapshot a user can import to give the store the wanted prices: one
/// line, valid but for each `PRICE`, which is to be replaced by the amount
/// (left as is it is refused, never taken for zero). One row per region
/// and SKU, in the order first wanted, its fields in the order wanted.
pub fn snapshot_of_prices(wanted: &[(&str, Sku, PriceKind)]) -> String {
    let mut rows: Vec<(&str, Sku, Vec<PriceKind>)> = Vec::new();
    for &(region, sku, kind) in wanted {
        match rows.iter_mut().find(|r| r.0 == region && r.1 == sku) {
            Some(r) if r.2.contains(&kind) => {}
            Some(r) => r.2.push(kind),
            None => rows.push((region, sku, vec![kind])),
        }
    }
    let rows: Vec<String> = rows
        .iter()
        .map(|(region, sku, kinds)| {
            let fields: String = kinds
                .iter()
                .map(|k| format!(",\"{}\":\"PRICE\"", k.field()))
                .collect();
            format!(
                "{{\"region\":\"{region}\",\"sku\":\"{}\"{fields}}}",
                sku.azure_name()
            )
        })
        .collect();
    format!(
        "{{\"schema\":\"{}\",\"currency\":\"USD\",\"prices\":[{}]}}",
        super::SCHEMA,
        rows.join(",")
    )
}

/// A price the rating looked up, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PriceRef {
    pub region: String,
    pub sku: Sku,
    pub kind: PriceKind,
    pub amount: Decimal,
    pub verified: bool,
    pub source: Option<String>,
}

impl fmt::Display for PriceRef {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{} {} {} = {}",
            self.region,
            self.sku,
            self.kind.field(),
            self.amount
        )?;
        if let Some(s) = &self.source {
            write!(f, " ({s})")?;
        }
        Ok(())
    }
}

/// Prices in layers, most specific first.
#[derive(Debug, Clone, Default)]
pub struct PriceBook {
    layers: Vec<Vec<PriceRow>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BookFile {
    #[allow(dead_code)]
    schema: String,
    #[allow(dead_code)]
    note: String,
    rows: Vec<PriceRow>,
}

impl PriceBook {
    /// The default book from `assets/prices.json`.
    pub fn default_book() -> PriceBook {
        let file: BookFile = serde_json::from_str(include_str!("../../assets/prices.json"))
            .expect("assets/prices.json is valid");
        PriceBook {
            layers: vec![file.rows],
        }
    }

    /// A book with no prices at all.
    pub fn empty() -> PriceBook {
        PriceBook { layers: vec![] }
    }

    /// A new book with `rows` in front of this one.
    pub fn over(&self, rows: &[PriceRow]) -> PriceBook {
        let mut layers = vec![rows.to_vec()];
        layers.extend(self.layers.iter().cloned());
        PriceBook { layers }
    }

    /// The price of `kind` for a region and SKU, if any layer has one.
    pub fn lookup(&self, region: &str, sku: Sku, kind: PriceKind) -> Option<PriceRef> {
        for layer in &self.layers {
            for wildcard in [false, true] {
                let hit = layer.iter().find(|r| {
                    r.sku == sku
                        && if wildcard {
                            r.region == "*"
                        } else {
                            r.region == region
                        }
                        && kind.of(r).is_some()
                });
                if let Some(row) = hit {
                    return Some(PriceRef {
                        region: region.to_string(),
                        sku,
                        kind,
                        amount: kind.of(row).expect("checked"),
                        verified: row.verified.unwrap_or(true),
                        source: row.source.clone(),
                    });
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(region: &str, hourly: &str) -> PriceRow {
        PriceRow {
            region: region.into(),
            sku: Sku::Regional,
            hourly: Some(hourly.parse().unwrap()),
            reservation_month: None,
            reservation_year: None,
            commitment_month: None,
            verified: None,
            source: None,
            as_of: None,
        }
    }

    #[test]
    fn layers_and_wildcards() {
        let base = PriceBook::default_book();
        let hit = base
            .lookup("eastus2", Sku::Regional, PriceKind::Hourly)
            .unwrap();
        assert_eq!(hit.amount, Decimal::from(2));
        assert!(!hit.verified);
        assert!(
            base.lookup("eastus2", Sku::Regional, PriceKind::CommitmentMonth)
                .is_none()
        );

        let book = base.over(&[row("eastus2", "2.50"), row("*", "3.00")]);
        let hit = book
            .lookup("eastus2", Sku::Regional, PriceKind::Hourly)
            .unwrap();
        assert_eq!(hit.amount.to_string(), "2.50");
        assert!(hit.verified);
        let hit = book
            .lookup("westus", Sku::Regional, PriceKind::Hourly)
            .unwrap();
        assert_eq!(hit.amount.to_string(), "3.00");
        // A field the front layer lacks comes from the next layer.
        let hit = book
            .lookup("eastus2", Sku::Regional, PriceKind::ReservationYear)
            .unwrap();
        assert_eq!(hit.amount, Decimal::from(2916));
    }
}

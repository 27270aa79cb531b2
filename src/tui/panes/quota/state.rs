//! The Quota pane's capacity mode: "where can I put N PTU of this model?".
//! The answer is [`crate::domain::capacity::places`], the function behind
//! `ptudesk capacity`, over the loaded estate at the app's now with the
//! default price book: the same places, in the same order, with the same
//! figures. Nothing here asks Azure: service capacity is what the last
//! `sync` or `import` of a `modelCapacities` answer said, shown with its
//! age.
//!
//! A mode of the Quota pane rather than a pane of its own: the question
//! starts from a quota row (the model deployed there, its size) and its
//! answer is quota and capacity side by side, so it lives where quota is,
//! and the eight pane keys stay as they are. `c` opens it on the selected
//! row's model, `:capacity` asks anything, `c` or esc returns to quota.

use crate::domain::capacity::{self, HOURS_PER_MONTH, Place, Query, Verdict};
use crate::domain::prices::PriceBook;
use crate::domain::time::Time;
use crate::domain::{Estate, Sku, validate::MAX_PTU};
use crate::tui::data::{Row, SortKey, Table, Tone, capacity_cell, money};

/// What the capacity mode shows: the question and its answer as a table.
#[derive(Debug, Clone)]
pub struct CapacityView {
    pub query: Query,
    pub table: Table,
}

impl CapacityView {
    /// Answers `query` on `estate` at `now`.
    pub fn new(estate: &Estate, query: Query, now: Time) -> CapacityView {
        let places = capacity::places(estate, &PriceBook::default_book(), &query, now);
        let table = table(&places);
        CapacityView { query, table }
    }

    /// The pane's title: the question.
    pub fn title(&self) -> String {
        let q = &self.query;
        let version = q.version.as_deref().unwrap_or("any version");
        let mut s = format!(
            " Quota › capacity: where {} PTU of {} ({version}) can go",
            q.ptu, q.model
        );
        if !q.skus.is_empty() {
            let types: Vec<&str> = q.skus.iter().map(|s| s.label()).collect();
            s.push_str(&format!(", {}", types.join("/")));
        }
        if !q.regions.is_empty() {
            s.push_str(&format!(" in {}", q.regions.join(", ")));
        }
        s.push(' ');
        s
    }

    /// The legend under the table.
    pub fn legend(&self) -> Vec<String> {
        vec![
            format!(
                "Capacity: PTU Azure could still deploy, as last read (its age). Free quota: the largest (limit - deployed) of your subscriptions. Hourly/month: {} PTU x {HOURS_PER_MONTH} h. Not held for you: deploy first, then buy.",
                self.query.ptu
            ),
            ":capacity MODEL PTU [--version V] [--type T] [--region R] asks again · c or esc: back to quota"
                .to_string(),
        ]
    }
}

/// The places as a table, best first (the order `places` gives).
fn table(places: &[Place]) -> Table {
    let rows = places
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let tone = match p.verdict {
                Verdict::Fits => Tone::Ok,
                Verdict::FitsOnNewAccount => Tone::Plain,
                Verdict::Unknown => Tone::Dim,
                Verdict::NoQuota | Verdict::NoCapacity => Tone::Warning,
            };
            let cap = p
                .capacity
                .as_ref()
                .map_or("unknown".to_string(), capacity_cell);
            let money_cell = |m: Option<rust_decimal::Decimal>| m.map_or("no price".into(), money);
            Row {
                key: format!("{}/{}", p.region, p.sku.azure_name()),
                cells: vec![
                    p.region.clone(),
                    p.sku.label().to_string(),
                    cap,
                    p.free_quota
                        .map_or("unknown".to_string(), |f| f.to_string()),
                    p.verdict.label().to_string(),
                    money_cell(p.hourly_month),
                    money_cell(p.reserved_month),
                    if p.resources.is_empty() {
                        "-".to_string()
                    } else {
                        p.resources.join(", ")
                    },
                ],
                sort: vec![
                    SortKey::text(&p.region),
                    SortKey::text(p.sku.label()),
                    p.capacity
                        .as_ref()
                        .map_or(SortKey::Empty, |c| SortKey::num(c.available)),
                    p.free_quota.map_or(SortKey::Empty, SortKey::num),
                    // The answer sorts as `places` ranks it.
                    SortKey::num(i as i64),
                    p.hourly_month.map_or(SortKey::Empty, SortKey::Num),
                    p.reserved_month.map_or(SortKey::Empty, SortKey::Num),
                    SortKey::text(p.resources.join(", ")),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            crate::tui::data::col("Region", 10, 0),
            crate::tui::data::col("Type", 9, 0),
            crate::tui::data::col("Capacity", 14, 0),
            crate::tui::data::num("Free quota", 10, 1),
            crate::tui::data::col("Answer", 12, 0),
            crate::tui::data::num("Hourly/month", 12, 0),
            crate::tui::data::num("Reserved/month", 12, 1),
            crate::tui::data::grow("On", 10, 2),
        ],
        rows,
        empty: "No region known for this model: import a modelCapacities answer or run :sync."
            .into(),
        footer: None,
    }
}

/// The question a quota row asks: the model and size of the selected
/// deployment (a quota row's first deployment when the row itself is
/// selected), anywhere.
pub fn seed(estate: &Estate, key: &str, now: Time) -> Option<Query> {
    // A child row's key is its deployment id; a parent's is
    // "sub/region/sku", whose deployments are its children.
    let d = estate.deployments.iter().find(|d| d.id == key)?;
    let ptu = d.ptu_at(now).max(1);
    Some(Query {
        model: d.model.clone(),
        version: (!d.version.is_empty()).then(|| d.version.clone()),
        ptu,
        skus: vec![],
        regions: vec![],
    })
}

/// "East US 2" -> "eastus2", as `ptudesk capacity --region` reads it.
fn region_name(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn sku_arg(s: &str) -> Option<Sku> {
    match s.to_ascii_lowercase().as_str() {
        "global" => Some(Sku::Global),
        "datazone" | "data-zone" => Some(Sku::DataZone),
        "regional" => Some(Sku::Regional),
        _ => None,
    }
}

const USAGE: &str =
    "Usage: :capacity MODEL PTU [--version V] [--type Global|DataZone|Regional] [--region R]";

/// Parses `:capacity`'s arguments, as `ptudesk capacity` spells them
/// (`--model M --ptu N --version V --type T --region R`, types and regions
/// repeatable), or shortly: a bare number is the PTU, a bare word the
/// model. `base` fills what is not given (the question asked last).
pub fn parse(rest: &str, base: Option<&Query>) -> Result<Query, String> {
    let mut model: Option<String> = None;
    let mut version: Option<String> = None;
    let mut ptu: Option<i64> = None;
    let mut skus: Vec<Sku> = vec![];
    let mut regions: Vec<String> = vec![];
    let mut words = rest.split_whitespace();
    while let Some(w) = words.next() {
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (w, None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| words.next().map(str::to_string))
                .ok_or_else(|| format!("{name}: expected a value. {USAGE}"))
        };
        match flag {
            "--model" => model = Some(value("--model")?),
            "--version" => version = Some(value("--version")?),
            "--ptu" => ptu = Some(ptu_arg(&value("--ptu")?)?),
            "--type" => {
                let v = value("--type")?;
                skus.push(sku_arg(&v).ok_or_else(|| {
                    format!("--type: expected Global, DataZone or Regional, got {v:?}")
                })?);
            }
            "--region" => {
                let v = value("--region")?;
                let r = region_name(&v);
                if r.is_empty() {
                    return Err(format!("--region: expected a region (eastus2), got {v:?}"));
                }
                regions.push(r);
            }
            f if f.starts_with("--") => return Err(format!("unknown option {f}. {USAGE}")),
            w if w.chars().all(|c| c.is_ascii_digit()) => ptu = Some(ptu_arg(w)?),
            w if model.is_none() => model = Some(w.to_string()),
            w => return Err(format!("unexpected {w:?}. {USAGE}")),
        }
    }
    skus.dedup();
    let same_model = model.is_none();
    let model = model
        .or_else(|| base.map(|q| q.model.clone()))
        .ok_or_else(|| USAGE.to_string())?;
    let ptu = ptu
        .or_else(|| base.map(|q| q.ptu))
        .ok_or_else(|| format!("how many PTU? {USAGE}"))?;
    let version = match version {
        Some(v) => Some(v),
        None if same_model => base.and_then(|q| q.version.clone()),
        None => None,
    };
    Ok(Query {
        model,
        version,
        ptu,
        skus,
        regions,
    })
}

fn ptu_arg(s: &str) -> Result<i64, String> {
    match s.parse::<i64>() {
        Ok(n) if (1..=MAX_PTU).contains(&n) => Ok(n),
        _ => Err(format!(
            "--ptu: expected a whole number of PTU from 1 to {MAX_PTU}, got {s:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_commands_spelling_and_the_short_one() {
        let q = parse(
            "--model gpt-4o --ptu 300 --version 2024-08-06 --type Global --region 'East US 2'",
            None,
        );
        // A quoted region is two words: refused, not guessed.
        assert!(q.is_err());
        let q = parse(
            "--model gpt-4o --ptu=300 --version 2024-08-06 --type Global --type regional --region EastUS2",
            None,
        )
        .unwrap();
        assert_eq!(q.model, "gpt-4o");
        assert_eq!(q.ptu, 300);
        assert_eq!(q.version.as_deref(), Some("2024-08-06"));
        assert_eq!(q.skus, vec![Sku::Global, Sku::Regional]);
        assert_eq!(q.regions, vec!["eastus2".to_string()]);
        let short = parse("gpt-4o 300", None).unwrap();
        assert_eq!((short.model.as_str(), short.ptu), ("gpt-4o", 300));
        assert_eq!(short.version, None);
        // What is not given comes from the last question; another model
        // drops the last version.
        let again = parse("500", Some(&q)).unwrap();
        assert_eq!(
            (again.model.as_str(), again.ptu, again.version.as_deref()),
            ("gpt-4o", 500, Some("2024-08-06"))
        );
        let other = parse("gpt-4.1", Some(&q)).unwrap();
        assert_eq!((other.ptu, other.version), (300, None));
        assert!(parse("gpt-4o 0", None).unwrap_err().contains("--ptu"));
        assert!(parse("gpt-4o", None).unwrap_err().contains("how many PTU"));
        assert!(parse("--type Zonal gpt-4o 5", None).is_err());
    }
}

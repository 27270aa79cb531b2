//! `ptudesk.snapshot/1` files: parsed exactly (money never through a float),
//! unknown fields refused, then validated.

use super::InputError;
use crate::domain::{Estate, validate::validate};

/// Turns serde_path_to_error's path (`deployments[0].sizes[1].at`) into a
/// JSON path from the root (`$.deployments[0].sizes[1].at`).
pub(crate) fn json_path(p: &serde_path_to_error::Path) -> Option<String> {
    let s = p.to_string();
    // Positions the parser never reached (a truncated file) show as `?`.
    let s = s
        .trim_end_matches(".?")
        .trim_end_matches('?')
        .trim_end_matches('.')
        .to_string();
    if s == "." || s.is_empty() {
        None
    } else if s.starts_with('[') {
        Some(format!("${s}"))
    } else {
        Some(format!("$.{s}"))
    }
}

/// Rewrites serde's wording into what a user of the file format expects.
pub(crate) fn friendly(message: String) -> String {
    let message = message
        .replace("struct Estate", "a ptudesk.snapshot/1 object")
        .replace(
            "missing field `schema`",
            "expected \"schema\": \"ptudesk.snapshot/1\"",
        );
    // serde's "missing field `currency` at line 1 column 194" points at the
    // end of the object; say which field the object needs.
    match message.strip_prefix("missing field `") {
        Some(rest) => match rest.split_once('`') {
            Some((field, tail)) => format!("expected a field \"{field}\" in this object{tail}"),
            None => message,
        },
        None => message,
    }
}

/// Parses JSON into any serde type, reporting the JSON path of a failure.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    file: &str,
    bytes: &[u8],
) -> Result<T, InputError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let mut path = json_path(e.path());
        let inner = e.into_inner();
        // A field missing from the top-level object belongs to the root.
        if path.is_none() && inner.is_data() {
            path = Some("$".into());
        }
        let message = if inner.is_eof() {
            format!("the file ends early (truncated?): {inner}")
        } else if inner.is_syntax() {
            format!("not valid JSON: {inner}")
        } else {
            friendly(inner.to_string())
        };
        InputError {
            file: file.to_string(),
            path,
            message,
        }
    })?;
    de.end().map_err(|e| InputError {
        file: file.to_string(),
        path: None,
        message: format!("unexpected data after the JSON document: {e}"),
    })?;
    Ok(value)
}

/// The keys of a top-level JSON object, or an error saying what the
/// document is instead.
pub(crate) fn top_level_keys(file: &str, bytes: &[u8]) -> Result<Vec<String>, InputError> {
    let err = |message: String| InputError {
        file: file.to_string(),
        path: None,
        message,
    };
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => return Err(err("the file is empty; expected a JSON document".into())),
        Some(b'{') => {}
        Some(b'[') => {
            return Err(err(
                "expected a JSON object at the top level, got an array".into()
            ));
        }
        Some(_) => {}
    }
    let map: std::collections::BTreeMap<String, serde::de::IgnoredAny> = parse_json(file, bytes)
        .map_err(|e| {
            if e.message.contains("invalid type") {
                err("expected a JSON object at the top level".into())
            } else {
                e
            }
        })?;
    Ok(map.into_keys().collect())
}

/// Parses a snapshot file's bytes (types only, not yet validated).
fn parse_only(file: &str, bytes: &[u8]) -> Result<Estate, InputError> {
    let bytes = super::decode(file, bytes)?;
    let bytes = bytes.as_ref();
    let keys = top_level_keys(file, bytes)?;
    if !keys.iter().any(|k| k == "schema") {
        return Err(InputError {
            file: file.to_string(),
            path: None,
            message: format!(
                "expected a ptudesk.snapshot/1 document (an object with \"schema\": \"{}\"); this one has the fields {}",
                crate::domain::SCHEMA,
                keys.iter()
                    .take(6)
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    parse_json(file, bytes)
}

/// Parses and validates a snapshot file's bytes: a whole estate on its own
/// (what `--scenario` rates).
pub fn parse(file: &str, bytes: &[u8]) -> Result<Estate, InputError> {
    let estate = parse_only(file, bytes)?;
    validate(&estate).map_err(|v| InputError {
        file: file.to_string(),
        path: Some(v.path),
        message: v.message,
    })?;
    Ok(estate)
}

/// Parses a snapshot file's bytes for an import into a store: the file may
/// refer to objects the store already holds (a deployment on a stored
/// resource), so it is checked here only for what the file alone decides
/// (each id once per list), and validated as a whole once merged with the
/// store ([`super::merge::merge`]), which names this file's own JSON path.
pub fn parse_part(file: &str, bytes: &[u8]) -> Result<Estate, InputError> {
    let estate = parse_only(file, bytes)?;
    unique_keys(&estate).map_err(|(path, message)| InputError {
        file: file.to_string(),
        path: Some(path),
        message,
    })?;
    Ok(estate)
}

/// Each object once per list (merging would otherwise fold a repeated id
/// into one object): the path of the second and what was expected.
fn unique_keys(e: &Estate) -> Result<(), (String, String)> {
    fn once(
        list: &str,
        what: &str,
        keys: impl Iterator<Item = String>,
    ) -> Result<(), (String, String)> {
        let mut seen = std::collections::HashMap::new();
        for (i, k) in keys.enumerate() {
            if let Some(first) = seen.insert(k.clone(), i) {
                // Lists of objects with an id point at it.
                let at = if what.ends_with(" ids") { ".id" } else { "" };
                return Err((
                    format!("$.{list}[{i}]{at}"),
                    format!(
                        "expected unique {what}; {k:?} appears twice (also at $.{list}[{first}])"
                    ),
                ));
            }
        }
        Ok(())
    }
    let id = |s: &String| s.clone();
    once(
        "billing_accounts",
        "billing account ids",
        e.billing_accounts.iter().map(|x| id(&x.id)),
    )?;
    once(
        "management_groups",
        "management group ids",
        e.management_groups.iter().map(|x| id(&x.id)),
    )?;
    once(
        "prices",
        "price rows (one per region and SKU)",
        e.prices.iter().map(|p| format!("{} {}", p.region, p.sku)),
    )?;
    once(
        "quotas",
        "quotas (one per subscription, region and SKU, and model and version for a model-specific one)",
        e.quotas.iter().map(|q| q.subject()),
    )?;
    once(
        "resources",
        "resource ids",
        e.resources.iter().map(|x| id(&x.id)),
    )?;
    once(
        "deployments",
        "deployment ids",
        e.deployments.iter().map(|x| id(&x.id)),
    )?;
    once(
        "commitments",
        "commitment ids",
        e.commitments.iter().map(|x| id(&x.id)),
    )?;
    once(
        "reservations",
        "reservation ids",
        e.reservations.iter().map(|x| id(&x.id)),
    )?;
    once(
        "managed_compute",
        "managed compute ids",
        e.managed_compute.iter().map(|x| id(&x.id)),
    )?;
    once(
        "model_capacities",
        "model capacities (one per region, SKU, model and version)",
        e.model_capacities
            .iter()
            .map(|c| format!("{} {} {} {}", c.region, c.sku, c.model, c.version)),
    )?;
    Ok(())
}

/// Reads and validates a snapshot file.
pub fn load(path: &std::path::Path) -> Result<Estate, InputError> {
    let bytes = super::read_input(path)?;
    parse(&path.display().to_string(), &bytes)
}

/// Writes an estate as a snapshot (pretty JSON, stable field order).
pub fn to_json(estate: &Estate) -> String {
    let mut s = crate::report::safe::json_safe(
        serde_json::to_string_pretty(estate).expect("an estate always serializes"),
    );
    s.push('\n');
    s
}

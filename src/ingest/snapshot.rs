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

/// serde's wording of a type mismatch ("invalid type: string \"x\",
/// expected i64") in the file format's words: what the field takes and
/// what the file has, as written ("expected a whole number of PTUs up to
/// 1000000, got \"x\""). Other messages are returned unchanged.
pub(crate) fn plain_words(
    message: &str,
    path: Option<&str>,
    bytes: &[u8],
    line: usize,
    column: usize,
) -> String {
    let (body, at) = match message.rfind(" at line ") {
        Some(i) => message.split_at(i),
        None => (message, ""),
    };
    let field = path
        .and_then(|p| p.rsplit('.').next())
        .map(|f| f.split('[').next().unwrap_or(f))
        .unwrap_or("");
    let rewritten = if let Some(rest) = body
        .strip_prefix("invalid type: ")
        .or_else(|| body.strip_prefix("invalid value: "))
    {
        match rest.rsplit_once(", expected ") {
            Some((got, want)) => format!(
                "expected {}, got {}",
                expected_words(want, field),
                got_words(got, bytes, line, column)
            ),
            None => body.to_string(),
        }
    } else if let Some(rest) = body.strip_prefix("invalid length ") {
        match rest.split_once(", expected ") {
            Some((_, want)) if want.starts_with("struct ") => format!(
                "expected {} with named fields, got an array",
                expected_words(want, field)
            ),
            _ => body.to_string(),
        }
    } else {
        body.to_string()
    };
    format!("{rewritten}{at}")
}

/// What a field takes, from serde's name of its type.
fn expected_words(want: &str, field: &str) -> String {
    let want = match want.find(" with ") {
        Some(i) => &want[..i],
        None => want,
    };
    let max = crate::domain::validate::MAX_PTU;
    match want {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => {
            match field {
                "ptu" => format!("a whole number of PTUs up to {max}"),
                "limit" => format!("a whole number of PTUs (the quota) up to {max}"),
                _ => "a whole number".to_string(),
            }
        }
        "a boolean" | "bool" => "true or false".to_string(),
        "a sequence" => "a list ([...])".to_string(),
        "a map" => "an object ({...})".to_string(),
        "a string" | "a borrowed string" => "text in quotes".to_string(),
        _ => match want.strip_prefix("struct ") {
            Some(name) => {
                let name = name.strip_suffix("Repr").unwrap_or(name);
                let mut words = String::new();
                for (i, c) in name.chars().enumerate() {
                    if c.is_uppercase() && i > 0 {
                        words.push(' ');
                    }
                    words.extend(c.to_lowercase());
                }
                let article = if words.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                format!("{article} {words} object")
            }
            None => want.to_string(),
        },
    }
}

/// What the file has, as written: a number as its digits (serde shows a
/// 31-digit count as "floating point `1e+30`").
fn got_words(got: &str, bytes: &[u8], line: usize, column: usize) -> String {
    let inner = |prefix: &str| {
        got.strip_prefix(prefix)
            .map(|r| r.trim_matches('`').to_string())
    };
    if let Some(s) = got.strip_prefix("string ") {
        return s.to_string();
    }
    if got.starts_with("floating point") || got.starts_with("integer") {
        let written = bytes
            .split(|b| *b == b'\n')
            .nth(line.saturating_sub(1))
            .map(|l| &l[..column.min(l.len())])
            .map(|l| {
                let start = l
                    .iter()
                    .rposition(|b| !(b.is_ascii_digit() || b"+-.eE".contains(b)))
                    .map_or(0, |i| i + 1);
                String::from_utf8_lossy(&l[start..]).to_string()
            })
            .filter(|s| s.bytes().any(|b| b.is_ascii_digit()));
        if let Some(w) = written {
            return w;
        }
    }
    if let Some(v) = inner("floating point ")
        .or_else(|| inner("integer "))
        .or_else(|| inner("boolean "))
    {
        return v;
    }
    match got {
        "sequence" => "an array".to_string(),
        "map" => "an object".to_string(),
        "unit value" | "null" => "null".to_string(),
        other => other.to_string(),
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
            friendly(plain_words(
                &inner.to_string(),
                path.as_deref(),
                bytes,
                inner.line(),
                inner.column(),
            ))
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
            if e.message.starts_with("expected an object ({...}), got") {
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
    let estate: Estate = parse_json(file, bytes)?;
    let err = |path: String, message: String| InputError {
        file: file.to_string(),
        path: Some(path),
        message,
    };
    // serde takes a struct written as an array of its field values; the
    // format has objects only.
    if let Some(path) = array_for_object_in(file, bytes, &estate)? {
        return Err(err(
            path,
            "expected an object with named fields, got an array".into(),
        ));
    }
    for (i, d) in estate.deployments.iter().enumerate() {
        if d.version.trim().is_empty() {
            return Err(err(
                format!("$.deployments[{i}].version"),
                format!(
                    "expected the model version such as \"2024-08-06\", got {:?}",
                    d.version
                ),
            ));
        }
    }
    Ok(estate)
}

/// The JSON path of the first place where the file has an array and what
/// was read from it is an object, below `path`.
fn array_for_object(
    input: &serde_json::Value,
    read: &serde_json::Value,
    path: String,
) -> Option<String> {
    /// A step of a path below the starting point.
    enum Step<'a> {
        Key(&'a str),
        Index(usize),
    }
    /// The steps to the first such place, innermost first: the path is
    /// written only when there is one.
    fn find<'a>(input: &'a serde_json::Value, read: &serde_json::Value) -> Option<Vec<Step<'a>>> {
        use serde_json::Value;
        match (input, read) {
            (Value::Array(_), Value::Object(_)) => Some(Vec::new()),
            (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(k, v)| {
                let mut steps = find(v, b.get(k)?)?;
                steps.push(Step::Key(k));
                Some(steps)
            }),
            (Value::Array(a), Value::Array(b)) => {
                a.iter().zip(b).enumerate().find_map(|(i, (v, w))| {
                    let mut steps = find(v, w)?;
                    steps.push(Step::Index(i));
                    Some(steps)
                })
            }
            _ => None,
        }
    }
    let steps = find(input, read)?;
    let mut path = path;
    for step in steps.iter().rev() {
        match step {
            Step::Key(k) => {
                path.push('.');
                path.push_str(k);
            }
            Step::Index(i) => path.push_str(&format!("[{i}]")),
        }
    }
    Some(path)
}

/// The JSON path of the first place where the file has an array and what
/// was read from it (`estate`) is an object, as [`array_for_object`] finds
/// it on the whole document. The file is walked one element of a top-level
/// list at a time, each compared with the same element as read, so that
/// memory holds one element's JSON rather than the whole document twice.
/// Lists are searched in the order of their names, elements in the order of
/// the file.
fn array_for_object_in(
    file: &str,
    bytes: &[u8],
    estate: &Estate,
) -> Result<Option<String>, InputError> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    /// Element `i` of the top-level list `key` as read; `None` past its end
    /// or for a field that is not a list (the schema, the currency).
    fn element(e: &Estate, key: &str, i: usize) -> Option<serde_json::Value> {
        fn at<T: serde::Serialize>(v: &[T], i: usize) -> Option<serde_json::Value> {
            v.get(i)
                .map(|x| serde_json::to_value(x).expect("an estate always serializes"))
        }
        match key {
            "billing_accounts" => at(&e.billing_accounts, i),
            "management_groups" => at(&e.management_groups, i),
            "prices" => at(&e.prices, i),
            "quotas" => at(&e.quotas, i),
            "resources" => at(&e.resources, i),
            "deployments" => at(&e.deployments, i),
            "commitments" => at(&e.commitments, i),
            "reservations" => at(&e.reservations, i),
            "managed_compute" => at(&e.managed_compute, i),
            "model_capacities" => at(&e.model_capacities, i),
            _ => None,
        }
    }

    struct List<'a> {
        estate: &'a Estate,
        key: &'a str,
    }
    impl<'de> Visitor<'de> for List<'_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<String>, A::Error> {
            let mut first = None;
            let mut i = 0;
            while let Some(v) = seq.next_element::<serde_json::Value>()? {
                if first.is_none()
                    && let Some(read) = element(self.estate, self.key, i)
                {
                    first = array_for_object(&v, &read, String::new())
                        .map(|below| format!("$.{}[{i}]{below}", self.key));
                }
                i += 1;
            }
            Ok(first)
        }
        fn visit_unit<E>(self) -> Result<Option<String>, E> {
            Ok(None)
        }
    }
    impl<'de> DeserializeSeed<'de> for List<'_> {
        type Value = Option<String>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
            d.deserialize_any(self)
        }
    }

    struct Top<'a>(&'a Estate);
    impl<'de> Visitor<'de> for Top<'_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
            // The first finding per list, by the list's name.
            let mut found: std::collections::BTreeMap<String, String> = Default::default();
            while let Some(key) = map.next_key::<String>()? {
                // Only the lists hold objects; the schema and currency are text.
                if element(self.0, &key, 0).is_some() {
                    let list = List {
                        estate: self.0,
                        key: &key,
                    };
                    if let Some(path) = map.next_value_seed(list)? {
                        found.entry(key).or_insert(path);
                    }
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found.into_values().next())
        }
    }

    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.deserialize_map(Top(estate)).map_err(|e| InputError {
        file: file.to_string(),
        path: None,
        message: format!("not valid JSON: {e}"),
    })
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
    let mut s = crate::safe::json_safe(
        serde_json::to_string_pretty(estate).expect("an estate always serializes"),
    );
    s.push('\n');
    s
}

//! Fuzzing every importer (the snapshot, each az CLI shape, the Retail
//! Prices answer) with proptest on stable Rust: real payloads from
//! `tests/data`, mutated byte by byte (flips, inserts, deletions, cuts) and
//! structurally (a JSON node replaced by a hostile value: huge or negative
//! numbers, exponents, fractions, long or control-character text, `..` ids,
//! arrays for objects; a key removed; an element repeated). Each input is
//! parsed as that format and merged into an estate as `import` does. It must
//! never panic, and a rejection is one message naming the file, in the
//! format's words rather than serde's.
//!
//! CI runs a fixed seed and a bounded number of cases; for longer runs:
//! `PTUDESK_FUZZ_CASES=20000 PTUDESK_FUZZ_SEED=7 cargo test --release --test fuzz_importers`.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use ptudesk::domain::time::Time;
use ptudesk::ingest::azure;
use ptudesk::ingest::batch::{Format, Placement};
use ptudesk::ingest::merge::{FileBatch, merge};
use ptudesk::ingest::snapshot;
use serde_json::{Value, json};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn now() -> Time {
    chrono::DateTime::parse_from_rfc3339("2027-01-15T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// One mutation, from proptest's numbers (so it shrinks).
#[derive(Debug, Clone, Copy)]
enum Mutation {
    /// Flip bits of the byte at a position.
    Flip(usize, u8),
    /// Insert a byte at a position.
    Insert(usize, u8),
    /// Delete a run of bytes.
    Delete(usize, usize),
    /// Cut the file at a position.
    Cut(usize),
    /// Replace the n-th JSON node with the k-th hostile value.
    Replace(usize, usize),
    /// Remove a key from the n-th object.
    RemoveKey(usize, usize),
    /// Repeat the first element of the n-th array.
    Repeat(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = any::<usize>();
    prop_oneof![
        (n, 1u8..=255).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (n, any::<u8>()).prop_map(|(p, b)| Mutation::Insert(p, b)),
        (n, 1usize..64).prop_map(|(p, k)| Mutation::Delete(p, k)),
        n.prop_map(Mutation::Cut),
        (n, n).prop_map(|(p, k)| Mutation::Replace(p, k)),
        (n, n).prop_map(|(p, k)| Mutation::RemoveKey(p, k)),
        n.prop_map(Mutation::Repeat),
    ]
}

/// Values an attacker or a broken tool would put in a field.
fn hostile(k: usize) -> Value {
    let values: Vec<Value> = vec![
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(i64::MAX),
        json!(u64::MAX),
        serde_json::from_str("1000000000000000000000000000000").unwrap(),
        serde_json::from_str("1e400").unwrap(),
        serde_json::from_str("-0.0000000000000000000000000000001").unwrap(),
        json!("2e3"),
        json!("-2400.00"),
        json!(""),
        json!(" "),
        json!("x".repeat(5000)),
        json!("\u{1b}]0;pwned\u{7}\u{9b}"),
        json!("=HYPERLINK(\"x\")"),
        json!(
            "/subscriptions/../resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a"
        ),
        json!("//"),
        json!("2026-02-30T00:00:00Z"),
        json!("9999-12-31T23:59:59Z"),
        json!("P1M"),
        json!([]),
        json!({}),
        json!([[[[[[[[[[1]]]]]]]]]]),
        json!({"type": "subscription"}),
        json!(["a", "b", 3]),
    ];
    values[k % values.len()].clone()
}

/// The n-th node of a JSON document in a walk (parents before children);
/// `n` counts down to it.
fn nth_node<'v>(v: &'v mut Value, n: &mut usize) -> Option<&'v mut Value> {
    if *n == 0 {
        return Some(v);
    }
    *n -= 1;
    match v {
        Value::Array(a) => a.iter_mut().find_map(|x| nth_node(x, n)),
        Value::Object(o) => o.values_mut().find_map(|x| nth_node(x, n)),
        _ => None,
    }
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count_nodes).sum(),
        Value::Object(o) => o.values().map(count_nodes).sum(),
        _ => 0,
    }
}

fn apply(original: &[u8], ms: &[Mutation]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for m in ms {
        let len = bytes.len().max(1);
        match *m {
            Mutation::Flip(p, b) => {
                if !bytes.is_empty() {
                    bytes[p % len] ^= b;
                }
            }
            Mutation::Insert(p, b) => bytes.insert(p % (bytes.len() + 1), b),
            Mutation::Delete(p, k) => {
                let start = p % len;
                let end = (start + k).min(bytes.len());
                if start < end {
                    bytes.drain(start..end);
                }
            }
            Mutation::Cut(p) => bytes.truncate(p % len),
            Mutation::Replace(..) | Mutation::RemoveKey(..) | Mutation::Repeat(_) => {
                let Ok(mut doc) = serde_json::from_slice::<Value>(&bytes) else {
                    continue;
                };
                let which = match *m {
                    Mutation::Replace(n, _) | Mutation::RemoveKey(n, _) | Mutation::Repeat(n) => n,
                    _ => unreachable!("structural mutations only"),
                };
                let mut n = which % count_nodes(&doc);
                let node = nth_node(&mut doc, &mut n).expect("n is below the count");
                match (*m, node) {
                    (Mutation::Replace(_, k), node) => *node = hostile(k),
                    (Mutation::RemoveKey(_, k), Value::Object(o)) if !o.is_empty() => {
                        let key = o.keys().nth(k % o.len()).unwrap().clone();
                        o.remove(&key);
                    }
                    (Mutation::Repeat(_), Value::Array(a)) if !a.is_empty() => {
                        let first = a[0].clone();
                        a.push(first);
                    }
                    _ => {}
                }
                bytes = serde_json::to_vec(&doc).unwrap();
            }
        }
    }
    bytes
}

/// serde's own wording, which a user of the format should never see.
const SERDE_WORDS: [&str; 7] = [
    "expected i64",
    "expected u64",
    "expected u32",
    "expected struct",
    "invalid type:",
    "invalid length",
    "floating point `",
];

/// Imports `bytes` as `format` into `base`, as `ptudesk import` does.
fn import(
    name: &str,
    bytes: &[u8],
    format: Format,
    base: &ptudesk::domain::Estate,
) -> Result<(), TestCaseError> {
    let placement = Placement {
        subscription: Some("1b2c3d4e-0000-4000-8000-00000000000a".into()),
        region: Some("eastus2".into()),
        ..Placement::default()
    };
    let checked = |e: ptudesk::ingest::InputError| -> Result<(), TestCaseError> {
        let text = e.to_string();
        prop_assert!(text.starts_with(&format!("{name}: ")), "{text}");
        prop_assert!(!e.message.trim().is_empty(), "{text}");
        if format == Format::Snapshot {
            for w in SERDE_WORDS {
                prop_assert!(!e.message.contains(w), "serde's words: {text}");
            }
        }
        Ok(())
    };
    let batch = match azure::parse(name, bytes, format, &placement, now()) {
        Ok(b) => b,
        Err(e) => return checked(e),
    };
    match merge(
        base,
        &[FileBatch {
            file: name.to_string(),
            batch,
        }],
        now(),
    ) {
        Ok((merged, _)) => {
            // What was taken writes out and reads back as a snapshot.
            let text = snapshot::to_json(&merged);
            let back = snapshot::parse("again.json", text.as_bytes());
            prop_assert!(back.is_ok(), "{:?}", back.err());
            Ok(())
        }
        Err(e) => checked(e),
    }
}

fn fuzz(file: &str, format: Format) {
    let original = std::fs::read(format!("{DATA}/{file}")).unwrap();
    assert_eq!(
        azure::detect(file, &original).unwrap(),
        format,
        "the seed payload {file} is read as {format:?}"
    );
    let base = snapshot::parse("base.json", include_bytes!("data/interface_example.json")).unwrap();
    let cases = env_number("PTUDESK_FUZZ_CASES", 256) as u32;
    let seed = env_number("PTUDESK_FUZZ_SEED", 0x5eed);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    seed_bytes[8..16].copy_from_slice(&(format as u64).to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let name = file.rsplit('/').next().unwrap();
    runner
        .run(&prop::collection::vec(mutation(), 1..6), |ms| {
            let bytes = apply(&original, &ms);
            import(name, &bytes, format, &base)
        })
        .unwrap_or_else(|e| panic!("{file}: {e}"));
}

#[test]
fn snapshot() {
    fuzz("interface_example.json", Format::Snapshot);
}

#[test]
fn az_accounts() {
    fuzz("azure/accounts.json", Format::Accounts);
}

#[test]
fn az_deployments() {
    fuzz("azure/deployments.json", Format::Deployments);
}

#[test]
fn az_commitment_plans() {
    fuzz("azure/commitment-plans.json", Format::CommitmentPlans);
}

#[test]
fn az_shared_commitment_plans() {
    fuzz("azure/shared-plan.json", Format::CommitmentPlans);
}

#[test]
fn az_plan_associations() {
    fuzz("azure/plan-associations.json", Format::CommitmentPlans);
}

#[test]
fn az_usages() {
    fuzz("azure/usages.json", Format::Usages);
}

#[test]
fn az_reservations() {
    fuzz("azure/reservations.json", Format::Reservations);
}

#[test]
fn az_reservation_orders() {
    fuzz("azure/reservation-orders.json", Format::Reservations);
}

#[test]
fn retail_prices() {
    fuzz("azure/retail-prices.json", Format::RetailPrices);
}

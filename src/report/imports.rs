//! The summary of an import or a sync: what changed per kind, and what
//! was skipped and why.

use crate::domain::objects::{self, Kind};
use crate::ingest::batch::Skipped;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The import summary: per kind added, changed, unchanged; then skipped,
/// grouped by why. An object the merge skipped is counted as skipped only,
/// not also as unchanged.
pub fn summary(
    deltas: &[objects::Delta],
    mentioned: &BTreeSet<(Kind, String)>,
    skipped: &[Skipped],
) -> String {
    let mut s = String::new();
    let counts = objects::counts(deltas);
    let touched: BTreeSet<(Kind, &str)> = deltas.iter().map(|d| (d.kind, d.key.as_str())).collect();
    let mut per_kind: BTreeMap<Kind, (usize, usize, usize)> = BTreeMap::new();
    for (k, (a, c, _)) in &counts {
        let e = per_kind.entry(*k).or_default();
        e.0 += a;
        e.1 += c;
    }
    let left_out: BTreeSet<&str> = skipped.iter().filter_map(|x| x.object.as_deref()).collect();
    for (k, key) in mentioned {
        if !touched.contains(&(*k, key.as_str())) && !left_out.contains(key.as_str()) {
            per_kind.entry(*k).or_default().2 += 1;
        }
    }
    for (k, (added, changed, unchanged)) in &per_kind {
        if *k == Kind::Setting {
            continue;
        }
        let _ = writeln!(
            s,
            "  {:<18} added {added}, changed {changed}, unchanged {unchanged}",
            k.plural()
        );
    }
    if !skipped.is_empty() {
        let mut by_why: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for x in skipped {
            by_why
                .entry(x.why.as_str())
                .or_default()
                .push(x.what.as_str());
        }
        let _ = writeln!(s, "  skipped {}:", skipped.len());
        for (why, whats) in by_why {
            let example = whats[0];
            let more = if whats.len() > 1 {
                format!(" and {} more", whats.len() - 1)
            } else {
                String::new()
            };
            let _ = writeln!(s, "    {} x {why} (e.g. {example}{more})", whats.len());
        }
    }
    s
}

//! Every worked example in `docs/` is rated by the library and must give
//! the figures the docs print, and the repository stands alone: no file in
//! it names a file outside it.
//!
//! An example is a fenced `json` block in a `docs/*.md` page whose object
//! has an `"example"` key: an estate (merged over the one base estate, the
//! block with `"example_base"`), and checks, each a window to rate and the
//! figures expected in the `ptudesk forecast --format json` output of it.
//! The line of prose that introduces an example (`**E1.** ...`) may only
//! name amounts of money that its block (or the base estate) holds.

use ptudesk::domain::prices::PriceBook;
use ptudesk::domain::time::parse_time_arg;
use ptudesk::ingest::snapshot;
use ptudesk::rating::{self, Basis, Bucket, Options, Request};
use ptudesk::report;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fenced `json` block of a docs page: the file, the line it starts on,
/// the prose line before it, its text.
struct Block {
    file: String,
    line: usize,
    caption: String,
    text: String,
}

fn json_blocks(path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = path
        .strip_prefix(root())
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    let mut last_prose = String::new();
    while let Some((i, line)) = lines.next() {
        if line.trim_start().starts_with("```json") {
            let mut body = String::new();
            for (_, l) in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(l);
                body.push('\n');
            }
            out.push(Block {
                file: file.clone(),
                line: i + 1,
                caption: last_prose.clone(),
                text: body,
            });
        } else if !line.trim().is_empty() {
            last_prose = line.to_string();
        }
    }
    out
}

fn docs_pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("a docs/ folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    pages
}

/// The examples and the base estate, from every docs page.
fn examples() -> (Value, Vec<(Block, Value)>) {
    let mut base = None;
    let mut out = Vec::new();
    for page in docs_pages() {
        for b in json_blocks(&page) {
            let Ok(v) = serde_json::from_str::<Value>(&b.text) else {
                continue;
            };
            if let Some(estate) = v.get("example_base") {
                assert!(
                    base.is_none(),
                    "{}:{}: a second base estate",
                    b.file,
                    b.line
                );
                base = Some(estate.clone());
            } else if v.get("example").is_some() {
                out.push((b, v));
            }
        }
    }
    (base.expect("a block with \"example_base\" in docs/"), out)
}

fn t(s: &str) -> ptudesk::domain::time::Time {
    parse_time_arg(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Resolves `totals.hourly`, `instruments[r1].used_ptu_hours`,
/// `windows[overage aoai-a].cost`, `periods[2027-02-10T00:00:00Z].total`,
/// `windows.len` in a forecast's JSON.
fn resolve(doc: &Value, path: &str) -> Option<String> {
    let mut cur = doc.clone();
    for seg in path.split('.') {
        if seg == "len" {
            return cur.as_array().map(|a| a.len().to_string());
        }
        let (name, sel) = match seg.split_once('[') {
            Some((n, rest)) => (n, Some(rest.strip_suffix(']')?)),
            None => (seg, None),
        };
        cur = cur.get(name)?.clone();
        if let Some(sel) = sel {
            let items = cur.as_array()?;
            let found = items.iter().find(|item| match name {
                "windows" => {
                    let (kind, subject) = sel.split_once(' ').unwrap_or((sel, ""));
                    item["kind"] == kind && item["subject"] == subject
                }
                "instruments" => item["id"] == sel,
                "periods" => item["start"] == sel,
                _ => false,
            })?;
            cur = found.clone();
        }
    }
    match cur {
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// The numbers in a line of prose: `1,100`, `29,333.33`, `0.5`, `2027`.
fn numbers(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let inside = c.is_ascii_digit()
            || ((c == ',' || c == '.')
                && !cur.is_empty()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit()));
        if inside {
            cur.push(c);
        } else if !cur.is_empty() {
            out.insert(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.insert(cur);
    }
    out
}

#[test]
fn every_worked_example_in_the_docs_matches_the_rating_core() {
    let (base, examples) = examples();
    assert!(
        examples.len() >= 20,
        "expected the docs' worked examples, found {}",
        examples.len()
    );
    let mut ids = BTreeSet::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (block, ex) in &examples {
        let id = ex["example"].as_str().expect("an example id").to_string();
        let at = format!("{}:{} ({id})", block.file, block.line);
        assert!(ids.insert(id.clone()), "{at}: example id used twice");

        // The caption names the example, and every amount of money in it
        // (a figure with cents) is one its block (or the base) holds.
        assert!(
            block.caption.starts_with(&format!("**{id}.**")),
            "{at}: expected the line before the block to start with **{id}.**, got {:?}",
            block.caption
        );
        let held = format!("{}{}", block.text, base).replace(',', "");
        for n in numbers(&block.caption) {
            let plain = n.replace(',', "");
            if plain
                .split_once('.')
                .is_some_and(|(_, cents)| cents.len() == 2)
            {
                assert!(
                    held.contains(&plain),
                    "{at}: the caption's amount {n} is not in the example's block"
                );
            }
        }

        let mut estate = base.clone();
        for (k, v) in ex["estate"].as_object().expect("an \"estate\" object") {
            estate[k] = v.clone();
        }
        let estate = snapshot::parse(&at, estate.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{at}: {e}"));
        let checks = ex["checks"].as_array().expect("a \"checks\" list");
        assert!(!checks.is_empty(), "{at}: no checks");
        for c in checks {
            let basis = match c.get("basis").and_then(Value::as_str) {
                None | Some("actual") => Basis::Actual,
                Some("amortized") => Basis::Amortized,
                Some(other) => panic!("{at}: basis {other}"),
            };
            let by = match c.get("by").and_then(Value::as_str) {
                None | Some("day") => Bucket::Day,
                Some("month") => Bucket::Month,
                Some(other) => panic!("{at}: by {other}"),
            };
            let expect = c["expect"].as_object().expect("an \"expect\" object");
            assert!(!expect.is_empty(), "{at}: nothing expected");
            if let Some(refunds_at) = c.get("refund_headroom_at").and_then(Value::as_str) {
                // The rolling refund limit: what may still be refunded then.
                let list = rating::refunds(&estate, &PriceBook::empty(), &Options::default());
                let got = ptudesk::domain::money::fmt_money(rating::refund_headroom(
                    &list,
                    t(refunds_at),
                ));
                for (path, want) in expect {
                    assert_eq!(path, "refund_headroom", "{at}");
                    checked += 1;
                    if want.as_str() != Some(got.as_str()) {
                        failures.push(format!(
                            "{at}: refund headroom at {refunds_at}: docs say {want}, the core gives {got}"
                        ));
                    }
                }
                continue;
            }
            let req = Request {
                from: t(c["from"].as_str().expect("from")),
                to: t(c["to"].as_str().expect("to")),
                basis,
                by,
            };
            let f = rating::forecast(&estate, &PriceBook::empty(), &req, &Options::default())
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            let doc: Value = serde_json::from_str(&report::forecast::to_json(&f)).unwrap();
            for (path, want) in expect {
                checked += 1;
                let want = match want {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let got = resolve(&doc, path);
                if got.as_deref() != Some(want.as_str()) {
                    failures.push(format!(
                        "{at}: {path} from {} to {}: docs say {want:?}, the core gives {got:?}",
                        c["from"], c["to"]
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} figures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The parts of the harness the examples rely on find what they look for,
/// and a changed figure is caught.
#[test]
fn a_changed_figure_is_caught() {
    let doc = serde_json::json!({
        "totals": {"hourly": "440.00"},
        "windows": [{"kind": "overage", "subject": "aoai-a", "cost": "400.00"}],
        "instruments": [{"id": "r1", "used_ptu_hours": "100.0000"}],
        "periods": [{"start": "2027-02-10T00:00:00Z", "reservation": "2916.00"}]
    });
    assert_eq!(resolve(&doc, "totals.hourly").as_deref(), Some("440.00"));
    assert_ne!(resolve(&doc, "totals.hourly").as_deref(), Some("441.00"));
    assert_eq!(
        resolve(&doc, "windows[overage aoai-a].cost").as_deref(),
        Some("400.00")
    );
    assert_eq!(resolve(&doc, "windows[unused aoai-a].cost"), None);
    assert_eq!(resolve(&doc, "windows.len").as_deref(), Some("1"));
    assert_eq!(
        resolve(&doc, "instruments[r1].used_ptu_hours").as_deref(),
        Some("100.0000")
    );
    assert_eq!(
        resolve(&doc, "periods[2027-02-10T00:00:00Z].reservation").as_deref(),
        Some("2916.00")
    );
    assert_eq!(
        numbers("**E3.** 200 PTU, 1,100 a month, 29,333.33 credit."),
        ["1,100", "200", "29,333.33", "3"]
            .into_iter()
            .map(String::from)
            .collect()
    );
}

/// The snapshot example in docs/formats.md is the file the tests rate and
/// break field by field.
#[test]
fn the_snapshot_example_in_the_docs_is_the_one_the_tests_use() {
    let blocks = json_blocks(&root().join("docs/formats.md"));
    let shown = blocks
        .iter()
        .find(|b| b.text.trim_start().starts_with("{\n  \"schema\""))
        .expect("a snapshot example in docs/formats.md");
    let file = std::fs::read_to_string(root().join("tests/data/interface_example.json")).unwrap();
    assert_eq!(shown.text.trim(), file.trim());
    snapshot::parse("docs/formats.md", shown.text.as_bytes()).unwrap();
}

/// Files that must not name what lies outside the repository.
fn repository_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name == "target" || name == ".git" {
                continue;
            }
            repository_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn no_file_in_the_repository_names_a_file_outside_it() {
    // Spelled in pieces so that this file does not name them itself.
    let banned = [
        concat!("../", "shared"),
        concat!("DOMAIN", ".md"),
        concat!("INTERFACE", ".md"),
        concat!("PRICES", ".md"),
        concat!("DESIGN", ".md"),
    ];
    let mut files = Vec::new();
    repository_files(&root(), &mut files);
    assert!(files.len() > 50, "{} files", files.len());
    let mut found = BTreeMap::new();
    for f in files {
        let Ok(text) = std::fs::read(&f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&text);
        for b in banned {
            if text.contains(b) {
                found
                    .entry(f.strip_prefix(root()).unwrap().display().to_string())
                    .or_insert_with(Vec::new)
                    .push(b);
            }
        }
    }
    assert!(
        found.is_empty(),
        "files naming what is not in the repository: {found:?}"
    );
}

/// Every link from one docs page (or the README) to another, and to a
/// section of it, leads somewhere.
#[test]
fn links_between_the_docs_lead_somewhere() {
    let mut pages = docs_pages();
    pages.push(root().join("README.md"));
    let anchors = |p: &Path| -> BTreeSet<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with('#'))
            .map(|l| {
                l.trim_start_matches('#')
                    .trim()
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
                    .map(|c| if c == ' ' { '-' } else { c })
                    .collect()
            })
            .collect()
    };
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let dir = page.parent().unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = &rest[..end];
            if target.starts_with("http") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            let path = if file.is_empty() {
                page.clone()
            } else {
                dir.join(file)
            };
            if !path.exists() {
                broken.push(format!("{}: {target}", page.display()));
                continue;
            }
            if !anchor.is_empty()
                && path.extension().is_some_and(|x| x == "md")
                && !anchors(&path).contains(anchor)
            {
                broken.push(format!("{}: {target} (no such section)", page.display()));
            }
        }
    }
    // Sections cited in code comments and test data: `docs/<page>.md#<section>`.
    let mut files = Vec::new();
    repository_files(&root(), &mut files);
    for f in files {
        if f.starts_with(root().join("docs")) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let mut rest = text.as_str();
        while let Some(i) = rest.find("docs/") {
            rest = &rest[i + 5..];
            let cited: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "._-#".contains(*c))
                .collect();
            let cited = cited.trim_end_matches('.');
            let (file, anchor) = cited.split_once('#').unwrap_or((cited, ""));
            if !file.ends_with(".md") {
                continue;
            }
            let path = root().join("docs").join(file);
            if !path.exists() {
                broken.push(format!("{}: docs/{cited}", f.display()));
            } else if !anchor.is_empty() && !anchors(&path).contains(anchor) {
                broken.push(format!("{}: docs/{cited} (no such section)", f.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

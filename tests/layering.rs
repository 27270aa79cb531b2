//! The layering of `src/`, as a test: every `use` line and every inline
//! `crate::` path (and `super::` path that climbs to the crate root) is an
//! arrow from the file's top-level module to another one. Arrows run down
//! only:
//!
//! ```text
//! domain, safe                       pure data and rules; hostile-text escaping
//!   -> rating                        the rating core
//!   -> store, ingest, generate, demo where estates come from and are kept
//!   -> alerts, planner               what the estate tells and what can be done
//!   -> ops                           one function per use case
//!   -> sync, report, notify          az, rendering, sending
//!   -> cli, tui, config, main        the two faces and the settings they build
//! ```
//!
//! A module may use its own layer and the ones below; the top-level modules
//! import each other in no loop, even within a layer. Test code (`#[cfg(test)]`
//! items and the files they declare) may build fixtures from anything and is
//! not read. Comments and string literals are not read either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Arrows between modules (or files): from -> the ones it uses.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The layers, lowest first.
const LAYERS: &[&[&str]] = &[
    &["domain", "safe"],
    &["rating"],
    &["store", "ingest", "generate", "demo"],
    &["alerts", "planner"],
    &["ops"],
    &["sync", "report", "notify"],
    &["cli", "tui", "config", "main"],
];

/// Top-level modules whose own files may still import each other in a
/// loop. `tui` is cut by pane: each pane's files may loop among themselves,
/// and loops across panes are checked by [`tui_loops`].
const INTERNAL_LOOPS_ALLOWED: &[&str] = &["tui"];

/// Loops between a module's files known today, each to be cut: exactly
/// these files, so that a new loop (or a loop that grows) fails.
const KNOWN_LOOPS: &[(&str, &[&str])] = &[];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// One arrow: from a file (its top-level module and its module path) to a
/// path below the crate root.
#[derive(Debug, Clone)]
struct Arrow {
    file: String,
    line: usize,
    from: Vec<String>,
    to: Vec<String>,
}

/// The source with comments, string and char literals blanked (newlines
/// kept, so line numbers hold).
fn strip(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |c: char, out: &mut String| out.push(if c == '\n' { '\n' } else { ' ' });
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(b[i], &mut out);
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !b[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
            && {
                let mut j = i + 1;
                while b.get(j) == Some(&'#') {
                    j += 1;
                }
                b.get(j) == Some(&'"')
            }
        {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &ch in &b[i..j.min(b.len())] {
                blank(ch, &mut out);
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    blank(b[i], &mut out);
                    i += 1;
                }
                if i < b.len() {
                    blank(b[i], &mut out);
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1b}') or a lifetime ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != '\'' {
                    j += 1;
                }
                for &ch in &b[i..=j.min(b.len() - 1)] {
                    blank(ch, &mut out);
                }
                i = j + 1;
            } else if b.get(i + 2) == Some(&'\'') {
                out.push_str("   ");
                i += 3;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_at(b: &[char], mut i: usize) -> (String, usize) {
    let start = i;
    while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
        i += 1;
    }
    (b[start..i].iter().collect(), i)
}

fn skip_ws(b: &[char], mut i: usize) -> usize {
    while i < b.len() && b[i].is_whitespace() {
        i += 1;
    }
    i
}

/// The index just past the brace block that starts at or after `i`, or past
/// the `;` that ends an item without one.
fn end_of_item(b: &[char], mut i: usize) -> usize {
    while i < b.len() && b[i] != '{' && b[i] != ';' {
        i += 1;
    }
    if i < b.len() && b[i] == ';' {
        return i + 1;
    }
    let mut depth = 0;
    while i < b.len() {
        match b[i] {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Blanks `#[cfg(test)]` items; returns the names of test-only child
/// modules declared without a body (`#[cfg(test)] mod tests;`).
fn drop_test_items(text: &str) -> (String, Vec<String>) {
    let mut b: Vec<char> = text.chars().collect();
    let attr: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut files = Vec::new();
    let mut i = 0;
    while i + attr.len() <= b.len() {
        if b[i..i + attr.len()] != attr[..] {
            i += 1;
            continue;
        }
        let mut j = skip_ws(&b, i + attr.len());
        // Further attributes on the same item.
        while j < b.len() && b[j] == '#' {
            while j < b.len() && b[j] != ']' {
                j += 1;
            }
            j = skip_ws(&b, j + 1);
        }
        let (word, after) = ident_at(&b, j);
        if word == "mod" {
            let (name, k) = ident_at(&b, skip_ws(&b, after));
            if b.get(skip_ws(&b, k)) == Some(&';') {
                files.push(name);
            }
        }
        let end = end_of_item(&b, j);
        for c in &mut b[i..end] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = end;
    }
    (b.into_iter().collect(), files)
}

/// The module path of a file below `src/` (`planner/common.rs` ->
/// `["planner", "common"]`, `planner/mod.rs` -> `["planner"]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The arrows of one file's (already stripped) text.
fn arrows(file: &str, from: &[String], text: &str) -> Vec<Arrow> {
    let b: Vec<char> = text.chars().collect();
    let mut lines = Vec::with_capacity(b.len());
    let mut n = 1;
    for c in &b {
        lines.push(n);
        if *c == '\n' {
            n += 1;
        }
    }
    let line_of = |i: usize| lines[i];
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let at_word_start = i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_');
        if !at_word_start || !(b[i].is_alphabetic()) {
            i += 1;
            continue;
        }
        let (word, after) = ident_at(&b, i);
        let root: Option<(Vec<String>, usize)> = match word.as_str() {
            // `main.rs` reaches the library by its name.
            "crate" | "ptudesk" if b.get(after) == Some(&':') && b.get(after + 1) == Some(&':') => {
                Some((vec![], after + 2))
            }
            "super" if b.get(after) == Some(&':') && b.get(after + 1) == Some(&':') => {
                // `super::super::x` from `a/b/c.rs` is `a::x`.
                let mut base = from.to_vec();
                base.pop();
                let mut k = after + 2;
                loop {
                    let (w, a) = ident_at(&b, k);
                    if w == "super" && b.get(a) == Some(&':') {
                        base.pop();
                        k = a + 2;
                    } else {
                        break;
                    }
                }
                Some((base, k))
            }
            _ => None,
        };
        let Some((base, k)) = root else {
            i = after;
            continue;
        };
        let line = line_of(i);
        let mut push = |tail: Vec<String>| {
            let mut to = base.clone();
            to.extend(tail);
            if !to.is_empty() {
                out.push(Arrow {
                    file: file.to_string(),
                    line,
                    from: from.to_vec(),
                    to,
                });
            }
        };
        let (first, a) = ident_at(&b, k);
        if !first.is_empty() {
            // Every segment of the path (`tui::panes::planner::state::X`).
            let mut tail = vec![first];
            let mut at = a;
            while b.get(at) == Some(&':') && b.get(at + 1) == Some(&':') {
                let (next, after) = ident_at(&b, at + 2);
                if next.is_empty() {
                    break;
                }
                tail.push(next);
                at = after;
            }
            push(tail);
            i = a;
        } else if b.get(k) == Some(&'{') {
            // `use crate::{a::x, b::{y, z}}`: the first segment of each item.
            let mut depth = 0;
            let mut j = k;
            let mut expect_item = true;
            while j < b.len() {
                match b[j] {
                    '{' => {
                        depth += 1;
                        expect_item = depth == 1;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => expect_item = true,
                    c if expect_item && (c.is_alphabetic() || c == '_') => {
                        let (w, a) = ident_at(&b, j);
                        if w != "self" {
                            let mut tail = vec![w];
                            let mut at = a;
                            while b.get(at) == Some(&':') && b.get(at + 1) == Some(&':') {
                                let (s, after) = ident_at(&b, at + 2);
                                if s.is_empty() {
                                    break;
                                }
                                tail.push(s);
                                at = after;
                            }
                            push(tail);
                        }
                        expect_item = false;
                        j = a;
                        continue;
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j;
        } else {
            i = k;
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every arrow under `src/`, test code left out.
fn all_arrows(src: &Path) -> Vec<Arrow> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut texts = BTreeMap::new();
    let mut test_files = BTreeSet::new();
    for f in &files {
        let rel = f.strip_prefix(src).expect("below src").to_path_buf();
        let raw = std::fs::read_to_string(f).expect("a source file reads");
        let (text, test_mods) = drop_test_items(&strip(&raw));
        let dir = match rel.file_name().and_then(|n| n.to_str()) {
            Some("mod.rs") | Some("lib.rs") | Some("main.rs") => {
                rel.parent().map(Path::to_path_buf).unwrap_or_default()
            }
            _ => rel.with_extension(""),
        };
        for m in test_mods {
            test_files.insert(dir.join(format!("{m}.rs")));
            test_files.insert(dir.join(&m).join("mod.rs"));
        }
        texts.insert(rel, text);
    }
    let mut out = Vec::new();
    for (rel, text) in &texts {
        if test_files.contains(rel) || rel == Path::new("lib.rs") {
            continue;
        }
        let from = module_path(rel);
        out.extend(arrows(&rel.display().to_string(), &from, text));
    }
    out
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Arrows from a lower layer to a higher one, and top-level modules no layer
/// names.
fn layer_violations(arrows: &[Arrow]) -> Vec<String> {
    let mut bad = Vec::new();
    for a in arrows {
        let (from, to) = (&a.from[0], &a.to[0]);
        if from == to {
            continue;
        }
        match (layer(from), layer(to)) {
            (Some(f), Some(t)) if f < t => bad.push(format!(
                "{}:{}: {from} (layer {f}) uses {} (layer {t}), a layer above it",
                a.file,
                a.line,
                a.to.join("::")
            )),
            (None, _) => bad.push(format!("{}: module {from} is in no layer", a.file)),
            (_, None) => bad.push(format!(
                "{}:{}: {} is in no layer (std, a crate, or a new module to place in LAYERS)",
                a.file,
                a.line,
                a.to.join("::")
            )),
            _ => {}
        }
    }
    bad.dedup();
    bad
}

/// The loops of a graph (its strongly connected components of more than
/// one node), each as its sorted nodes.
fn loops(edges: &Graph) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges
        .keys()
        .chain(edges.values().flat_map(|s| s.iter()))
        .collect();
    let reach = |start: &String| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.clone()];
        while let Some(n) = stack.pop() {
            for m in edges.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for n in &nodes {
        if out.iter().any(|l| l.contains(n)) {
            continue;
        }
        let mut l: Vec<String> = nodes
            .iter()
            .filter(|m| reaches[*n].contains(**m) && reaches[**m].contains(*n))
            .map(|m| (*m).clone())
            .collect();
        if l.len() > 1 {
            l.sort();
            out.push(l);
        }
    }
    out
}

/// The arrows between top-level modules, with one example each.
fn top_graph(arrows: &[Arrow]) -> (Graph, BTreeMap<(String, String), String>) {
    let mut edges: Graph = BTreeMap::new();
    let mut example = BTreeMap::new();
    for a in arrows {
        let (from, to) = (a.from[0].clone(), a.to[0].clone());
        if from != to && layer(&to).is_some() {
            edges.entry(from.clone()).or_default().insert(to.clone());
            example
                .entry((from, to))
                .or_insert_with(|| format!("{}:{}", a.file, a.line));
        }
    }
    (edges, example)
}

/// Loops between sibling files of one top-level module (`planner/common.rs`
/// and `planner/eval.rs` using each other). The module's root file
/// (`mod.rs`) is left out: its children read what it declares.
fn internal_loops(arrows: &[Arrow], module: &str) -> Vec<Vec<String>> {
    let mut edges: Graph = BTreeMap::new();
    for a in arrows {
        if a.from[0] != module || a.to[0] != module || a.from.len() < 2 || a.to.len() < 2 {
            continue;
        }
        if a.from[1] != a.to[1] {
            edges
                .entry(a.from[1].clone())
                .or_default()
                .insert(a.to[1].clone());
        }
    }
    loops(&edges)
}

/// The node of a path below `tui` for [`tui_loops`]: a file of `tui/`
/// (`app`), or one entry of its directories (`panes::planner` for every
/// file of `panes/planner/`, `popups::form`, `widgets::bars`); a
/// directory's own `mod.rs` is the directory (`popups`). A pane's or
/// popup's `state.rs` (`panes/planner/state.rs`) is a node of its own,
/// `panes::planner::state`: the app's state (`tui/state.rs`) holds it, so
/// it sits below the state while the pane's drawing and keys sit above.
/// None for `tui/mod.rs` and the names it re-exports.
fn tui_node(src: &Path, path: &[String]) -> Option<String> {
    let dir = src.join("tui");
    let second = path.get(1)?;
    if dir.join(format!("{second}.rs")).is_file() {
        return Some(second.clone());
    }
    if !dir.join(second).is_dir() {
        return None;
    }
    match path.get(2) {
        Some(third)
            if dir.join(second).join(third).join("state.rs").is_file()
                && path.get(3).is_some_and(|s| s == "state") =>
        {
            Some(format!("{second}::{third}::state"))
        }
        Some(third)
            if dir.join(second).join(format!("{third}.rs")).is_file()
                || dir.join(second).join(third).is_dir() =>
        {
            Some(format!("{second}::{third}"))
        }
        _ => Some(second.clone()),
    }
}

/// The pane an arrow that stops at `tui::panes` reaches, read from its
/// line (an arrow whose path goes on to a pane has its node already).
/// None when the line names no one pane (`use super::panes::{a, b}`).
fn pane_on_line(src: &Path, a: &Arrow) -> Option<String> {
    let text = std::fs::read_to_string(src.join(&a.file)).ok()?;
    let line = text.lines().nth(a.line - 1)?;
    let rest = &line[line.find("panes::")? + "panes::".len()..];
    let pane: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if pane.is_empty() {
        return None;
    }
    src.join("tui/panes")
        .join(&pane)
        .with_extension("rs")
        .is_file()
        .then_some(pane.clone())
        .or_else(|| src.join("tui/panes").join(&pane).is_dir().then_some(pane))
}

/// Loops among the terminal app's files known today, each to be cut:
/// exactly these nodes (see [`tui_node`]), so that a new loop, or one that
/// grows, fails. None: the state (`state.rs`, with each pane's and popup's
/// own `state.rs` below it) is under the panes and popups, which are under
/// the drawing (`ui.rs`) and `update` (`app.rs`).
const KNOWN_TUI_LOOPS: &[&[&str]] = &[];

/// The terminal app's own rule: no loop outside one pane's files. A pane's
/// files (`panes/<pane>.rs`, or all of `panes/<pane>/`) are one node, so
/// they may import each other; any other loop is reported unless it is one
/// of [`KNOWN_TUI_LOOPS`]. A pane is reached by a path that names it
/// (`crate::tui::panes::quota::...`, the pane read from its line by
/// [`pane_on_line`]); `use super::panes::{a, b}` or `use super::panes;`
/// would hide which pane, and are reported.
fn tui_loops(arrows: &[Arrow]) -> Vec<Vec<String>> {
    let src = src_dir();
    let mut edges: Graph = BTreeMap::new();
    let mut out = Vec::new();
    for a in arrows {
        if a.from[0] != "tui" || a.to[0] != "tui" {
            continue;
        }
        let (Some(from), Some(mut to)) = (tui_node(&src, &a.from), tui_node(&src, &a.to)) else {
            continue;
        };
        if to == "panes" && from != "panes" {
            match pane_on_line(&src, a) {
                Some(p) => to = format!("panes::{p}"),
                None => out.push(vec![format!(
                    "{}:{}: {} names no pane",
                    a.file,
                    a.line,
                    a.to.join("::")
                )]),
            }
        }
        if from != to {
            edges.entry(from).or_default().insert(to);
        }
    }
    for l in loops(&edges) {
        if !KNOWN_TUI_LOOPS.iter().any(|k| l == *k) {
            out.push(l);
        }
    }
    out
}

#[test]
fn no_arrow_runs_up_a_layer() {
    let arrows = all_arrows(&src_dir());
    assert!(
        arrows.len() > 100,
        "the reader finds the crate's arrows: {}",
        arrows.len()
    );
    let bad = layer_violations(&arrows);
    assert!(bad.is_empty(), "arrows up the layers:\n{}", bad.join("\n"));
}

#[test]
fn top_level_modules_import_each_other_in_no_loop() {
    let arrows = all_arrows(&src_dir());
    let (edges, example) = top_graph(&arrows);
    let found = loops(&edges);
    let words: Vec<String> = found
        .iter()
        .map(|l| {
            let mut s = l.join(" <-> ");
            for a in l {
                for b in l {
                    if let Some(e) = example.get(&(a.clone(), b.clone())) {
                        s.push_str(&format!("\n    {a} -> {b} at {e}"));
                    }
                }
            }
            s
        })
        .collect();
    assert!(found.is_empty(), "import loops:\n{}", words.join("\n"));
}

#[test]
fn files_of_a_module_import_each_other_in_no_loop() {
    let arrows = all_arrows(&src_dir());
    let mut bad = Vec::new();
    for layer in LAYERS {
        for m in layer.iter().filter(|m| !INTERNAL_LOOPS_ALLOWED.contains(m)) {
            for l in internal_loops(&arrows, m) {
                if KNOWN_LOOPS.iter().any(|(k, files)| k == m && l == *files) {
                    continue;
                }
                bad.push(format!("{m}: {}", l.join(" <-> ")));
            }
        }
    }
    for l in tui_loops(&arrows) {
        bad.push(format!("tui: {}", l.join(" <-> ")));
    }
    assert!(
        bad.is_empty(),
        "loops between a module's files:\n{}",
        bad.join("\n")
    );
}

/// The reader itself: what it must see and what it must skip.
#[test]
fn the_reader_sees_use_lines_and_inline_paths_and_skips_tests_comments_and_strings() {
    let src = r#"
use crate::domain::Estate;
use crate::{rating::{self, Forecast}, store::Store};
use super::common::Ctx;
// use crate::tui::App;
/// See [`crate::cli::run`].
fn f() -> crate::report::Table { let s = "crate::sync::run"; let c = '"'; c }
fn g<'a>(x: &'a str) { super::super::alerts::evaluate(x) }
#[cfg(test)]
mod tests {
    use crate::demo::estate;
}
"#;
    let (text, _) = drop_test_items(&strip(src));
    let from = vec!["planner".to_string(), "eval".to_string()];
    let got: Vec<String> = arrows("x.rs", &from, &text)
        .iter()
        .map(|a| a.to.join("::"))
        .collect();
    assert_eq!(
        got,
        [
            "domain::Estate",
            "rating",
            "store::Store",
            "planner::common::Ctx",
            "report::Table",
            "alerts::evaluate",
        ]
    );
}

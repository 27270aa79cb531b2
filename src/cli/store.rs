//! Store commands: import, export, log, undo, diff.

use super::{Failure, Global, load_estate, out, store_path, window};
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, fmt_second, fmt_time, parse_time_arg};
use crate::ingest::batch::{Format, Placement};
use crate::ingest::{InputError, snapshot};
use crate::ops;
use crate::rating::{self, Basis, Bucket, Request};
use crate::report;
use crate::store::Store;
use clap::{Args, ValueEnum};
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Files to import: snapshots, az CLI JSON output, Azure Retail Prices API answers
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The format of every file (default: recognised from its shape)
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<Format>,
    /// The subscription of files that lack one (az cognitiveservices usage list)
    #[arg(long, value_name = "ID")]
    pub subscription: Option<String>,
    /// The region of files that lack one (az cognitiveservices usage list)
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// When a modelCapacities answer was read from Azure (default: the import time)
    #[arg(long, value_name = "T", value_parser = parse_time_arg)]
    pub at: Option<Time>,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Snapshot,
    Csv,
    Focus,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The estate as the store knew it at T (from its audit log)
    #[arg(long, value_name = "T", value_parser = parse_time_arg)]
    pub at: Option<Time>,
    #[arg(long, value_enum, default_value_t = ExportFormat::Snapshot)]
    pub format: ExportFormat,
    /// Folder for the CSV tables (csv), or a file for FOCUS rows (default: stdout)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// FOCUS: start of the range (default: the month containing now)
    #[arg(long, value_name = "T", value_parser = parse_time_arg)]
    pub from: Option<Time>,
    /// FOCUS: end of the range
    #[arg(long, value_name = "T", value_parser = parse_time_arg)]
    pub to: Option<Time>,
    /// FOCUS: the version of the specification written (1.0: what
    /// focus-validator 1.0.0 checks; 1.2: adds the columns of 1.1 and 1.2)
    #[arg(long, value_enum, value_name = "V", default_value = "1.0")]
    pub focus_version: report::focus::Version,
}

#[derive(Args, Debug)]
pub struct LogArgs {
    /// Show each change's objects and what happened to them
    #[arg(long)]
    pub verbose: bool,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// What changed in the store after T; `last-sync`: what the latest sync changed, and anything after it
    #[arg(long, value_name = "T", value_parser = parse_since)]
    pub since: Since,
}

/// `diff --since`: a time, or the latest sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    At(Time),
    /// Just before the latest change recorded by `ptudesk sync` (not undone).
    LastSync,
}

fn parse_since(s: &str) -> Result<Since, String> {
    if s.trim().eq_ignore_ascii_case("last-sync") {
        return Ok(Since::LastSync);
    }
    parse_time_arg(s)
        .map(Since::At)
        .map_err(|e| format!("{e}, or last-sync"))
}

fn input(e: InputError) -> Failure {
    Failure::input(e)
}

pub fn import(g: &Global, a: &ImportArgs, now: Time) -> Result<(), Failure> {
    let placement = Placement {
        subscription: a.subscription.clone(),
        region: a.region.clone(),
        at: a.at,
    };
    // Everything is read and checked before the store is touched.
    let batches = ops::read_files(&a.files, a.format, &placement, now).map_err(input)?;
    let path = store_path(g)?;
    let mut store = Store::open(&path)?;
    let files: Vec<String> = a.files.iter().map(|f| f.display().to_string()).collect();
    let done = ops::import(&mut store, &a.files, &batches, now)?;
    let (written, skipped, mentioned) = (&done.written, &done.skipped, &done.mentioned);
    let imported = done.imported_any();
    let mut text = String::new();
    match written.change {
        None if !imported && !skipped.is_empty() => {
            let _ = writeln!(
                text,
                "Nothing imported: every item in {} was skipped; {} is unchanged.",
                files.join(", "),
                path.display()
            );
        }
        None if mentioned.is_empty()
            && skipped.is_empty()
            && batches.iter().all(|fb| fb.batch.snapshot.is_none()) =>
        {
            let _ = writeln!(
                text,
                "Nothing imported: {} holds nothing ptudesk keeps; {} is unchanged.",
                files.join(", "),
                path.display()
            );
        }
        None => {
            let _ = writeln!(
                text,
                "Nothing changed: {} already holds everything in {}.",
                path.display(),
                files.join(", ")
            );
        }
        Some(id) => {
            let _ = writeln!(
                text,
                "Imported {} into {} (change #{id}):",
                files.join(", "),
                path.display()
            );
        }
    }
    text.push_str(&report::imports::summary(
        &written.deltas,
        mentioned,
        skipped,
    ));
    out(&text)
}

/// Says on stderr, in one line, when a forecast rests on unverified prices:
/// the same condition and wording as the table's note, for outputs that are
/// data only (CSV, FOCUS) and can't carry it.
pub fn note_unverified(f: &rating::Forecast) {
    if let Some(note) = crate::report::forecast::unverified_note(f) {
        eprintln!("{}", crate::safe::plain_lines(&note));
    }
}

pub fn export(g: &Global, a: &ExportArgs, now: Time) -> Result<(), Failure> {
    let estate = match a.at {
        Some(at) if g.scenario.is_none() && !g.demo => {
            Store::open_existing(&store_path(g)?)?.estate_at(at)?
        }
        Some(_) => {
            return Err(Failure::input(
                "--at reads the store's audit log: it does not go with --scenario or --demo",
            ));
        }
        None => load_estate(g, now)?,
    };
    match a.format {
        ExportFormat::Snapshot => out(&snapshot::to_json(&estate)),
        ExportFormat::Csv => {
            let dir = a.out.as_ref().ok_or_else(|| {
                Failure::input("--format csv writes one file per table: give --out DIR")
            })?;
            let written = report::tables::write_tables(&estate, dir)?;
            out(&format!(
                "Wrote {} tables into {}\n",
                written.len(),
                dir.display()
            ))
        }
        ExportFormat::Focus => {
            let (from, to) = window(a.from, a.to, now);
            let req = Request {
                from,
                to,
                basis: Basis::Amortized,
                by: Bucket::Day,
            };
            let opts = g.config()?.rating_options();
            let book = PriceBook::default_book();
            let rated = report::focus::rate(&estate, &book, &req, &opts)?;
            note_unverified(rated.forecast());
            // Written as made, a charge period at a time; a file whole or
            // not at all.
            match &a.out {
                Some(p) => report::focus::write_file(p, |f| rated.write_csv(a.focus_version, f))
                    .map(drop)
                    .map_err(|e| Failure::input(format!("cannot write {}: {e}", p.display()))),
                // The cells are escaped as CSV ([`crate::safe::csv_text`]):
                // nothing is left for `out`'s escaping to change.
                None => match rated.write_csv(a.focus_version, std::io::stdout().lock()) {
                    // A closed pipe (`| head`) is not an error worth a message.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    r => r
                        .map(drop)
                        .map_err(|e| Failure::input(format!("cannot write output: {e}"))),
                },
            }
        }
    }
}

pub fn log(g: &Global, a: &LogArgs) -> Result<(), Failure> {
    let store = Store::open_existing(&store_path(g)?)?;
    let changes = store.log()?;
    let mut text = String::new();
    if changes.is_empty() {
        text.push_str("No changes recorded yet.\n");
    }
    let audit = if a.verbose {
        store.audit(None)?
    } else {
        vec![]
    };
    for c in &changes {
        let state = match (c.undoes, c.undone_by) {
            (_, Some(u)) => format!("  [undone by #{u}]"),
            _ => String::new(),
        };
        let _ = writeln!(
            text,
            "#{:<4} {}  {:<7} {} object(s)  {}{}",
            c.id,
            fmt_second(c.at),
            c.source,
            c.objects,
            c.summary,
            state
        );
        for e in audit.iter().filter(|e| e.change == c.id) {
            let what = match (&e.before, &e.after) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ => "changed",
            };
            let _ = writeln!(text, "        {what} {} {}", e.kind.name(), e.key);
        }
    }
    out(&text)
}

pub fn undo(g: &Global, now: Time) -> Result<(), Failure> {
    let mut store = Store::open_existing(&store_path(g)?)?;
    match ops::undo(&mut store, now)? {
        None => out("Nothing to undo.\n"),
        Some((c, undo_id)) => out(&format!(
            "Undid #{} ({}): put {} object(s) back as they were before it; recorded as #{undo_id}.\n",
            c.id, c.summary, c.objects
        )),
    }
}

pub fn diff(g: &Global, a: &DiffArgs) -> Result<(), Failure> {
    let store = Store::open_existing(&store_path(g)?)?;
    let (since, label) = match a.since {
        Since::At(t) => (t, fmt_time(t)),
        Since::LastSync => {
            let last = store
                .log()?
                .into_iter()
                .rfind(|c| c.source == crate::sync::SOURCE && c.undone_by.is_none())
                .ok_or_else(|| {
                    Failure::input(
                        "the store records no sync that changed anything: run `ptudesk sync` first",
                    )
                })?;
            // One second before it: the sync's own change is included.
            (
                last.at - chrono::Duration::seconds(1),
                format!("the last sync (#{} at {})", last.id, fmt_second(last.at)),
            )
        }
    };
    let old = store.objects_at(since)?;
    let new = store.objects()?;
    let lines = report::changes::describe(&old, &new);
    let mut text = String::new();
    if lines.is_empty() {
        let _ = writeln!(text, "Nothing changed since {label}.");
    } else {
        let _ = writeln!(text, "Changes since {label} ({}):", lines.len());
        for l in lines {
            let _ = writeln!(text, "  {l}");
        }
    }
    out(&text)
}

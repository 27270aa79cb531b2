//! Running a palette command line (`:import`, `:export`, `:sync`, `:plan`,
//! `:capacity`, an action by its name...).

use super::expand_home;
use crate::domain::time::{Time, add_months, is_whole_hour, month_start, parse_time_arg};
use crate::rating::Basis;
use crate::tui::action::{Action, Pane};
use crate::tui::data::Tone;
use crate::tui::effect::{Effect, ExportWhat};
use crate::tui::panes::forecast::rechart;
use crate::tui::panes::planner::open_plan;
use crate::tui::panes::planner::state as plan;
use crate::tui::panes::quota::capacity_command;
use crate::tui::state::App;
use std::path::PathBuf;

/// Runs a palette command line.
pub fn command(app: &mut App, line: &str) -> Vec<Effect> {
    let line = line.trim().trim_start_matches(':').trim();
    let (cmd, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    match cmd {
        "" => vec![],
        "q" | "q!" | "quit" | "exit" => {
            app.quit = true;
            vec![]
        }
        "import" => {
            if app.readonly {
                app.set_status(Tone::Warning, "Read-only (--readonly): nothing imported.");
                return vec![];
            }
            if rest.is_empty() {
                app.set_status(Tone::Warning, "Usage: :import FILE [FILE...]");
                return vec![];
            }
            app.writing = true;
            app.set_status(Tone::Info, format!("Importing {rest}…"));
            vec![Effect::Import {
                files: rest.split_whitespace().map(expand_home).collect(),
                now: app.now,
            }]
        }
        "export" => match parse_export(rest, app.now) {
            Ok((file, what)) => {
                app.set_status(Tone::Info, format!("Exporting to {}…", file.display()));
                vec![Effect::Export { file, what }]
            }
            Err(e) => {
                app.set_status(Tone::Warning, e);
                vec![]
            }
        },
        "forecast" => {
            let parsed = if rest.is_empty() {
                let f = month_start(app.now);
                Ok((f, add_months(f, 1)))
            } else {
                parse_range(rest)
            };
            match parsed {
                Ok((from, to)) => {
                    app.chart.from = from;
                    app.chart.to = to;
                    app.go(Pane::Forecast);
                    rechart(app)
                }
                Err(e) => {
                    app.set_status(Tone::Critical, e);
                    vec![]
                }
            }
        }
        "now" => {
            if rest == "clock" {
                app.set_clock(None);
            } else {
                match parse_time_arg(rest) {
                    Ok(t) => app.set_clock(Some(t)),
                    Err(e) => {
                        app.set_status(Tone::Critical, format!(":now {e}"));
                        return vec![];
                    }
                }
            }
            let f = month_start(app.now);
            app.chart.from = f;
            app.chart.to = add_months(f, 1);
            app.set_status(
                Tone::Info,
                format!(
                    "Now is {} (what-if).",
                    crate::domain::time::fmt_minute(app.now)
                ),
            );
            app.load()
        }
        "basis" => {
            app.chart.basis = match rest {
                "actual" => Basis::Actual,
                "amortized" => Basis::Amortized,
                _ => {
                    app.set_status(Tone::Warning, "Usage: :basis actual|amortized");
                    return vec![];
                }
            };
            app.go(Pane::Forecast);
            rechart(app)
        }
        "plan" => match plan::parse_command(rest) {
            Ok(subject) => open_plan(app, subject),
            Err(e) => {
                app.set_status(Tone::Warning, e);
                vec![]
            }
        },
        "sync" => sync_command(app, rest),
        "recommend" => crate::tui::popups::recommend::open(app),
        "capacity" => capacity_command(app, rest),
        "demo" => {
            app.set_status(Tone::Info, "Opening the demo estate in a throw-away store…");
            vec![Effect::OpenDemo { now: app.now }]
        }
        other => match Action::from_name(other).or_else(|| {
            Pane::ALL
                .iter()
                .find(|p| p.title().eq_ignore_ascii_case(other))
                .and_then(|p| Action::from_name(&format!("pane_{}", p.title().to_lowercase())))
        }) {
            // Run by `update` once the palette is done (it routes actions
            // to the panes).
            Some(a) => {
                app.queued.push(a);
                vec![]
            }
            None => {
                app.set_status(
                    Tone::Warning,
                    format!("Unknown command :{other} (try :help)"),
                );
                vec![]
            }
        },
    }
}

/// `:sync [--allow-partial] [SUBSCRIPTION...]`.
fn sync_command(app: &mut App, rest: &str) -> Vec<Effect> {
    if app.throwaway {
        app.set_status(
            Tone::Info,
            "Sync reads Azure into your store; this is a throw-away copy (demo or scenario). Open your store (--db FILE) to sync.",
        );
        return vec![];
    }
    if app.readonly {
        app.set_status(
            Tone::Warning,
            "Read-only (--readonly): sync writes into the store, so it is off here.",
        );
        return vec![];
    }
    if app.syncing {
        app.set_status(
            Tone::Info,
            "A sync is running already: its steps show here.",
        );
        return vec![];
    }
    app.syncing = true;
    app.set_status(
        Tone::Info,
        "Syncing: starting az (the panes reload when it finishes)…",
    );
    let (flags, subscriptions): (Vec<&str>, Vec<&str>) = rest
        .split_whitespace()
        .partition(|w| *w == "--allow-partial");
    vec![Effect::Sync {
        subscriptions: subscriptions.into_iter().map(String::from).collect(),
        now: app.now,
        allow_partial: !flags.is_empty(),
    }]
}

/// Parses `FROM..TO` (dates or whole UTC hours).
/// `:export`'s arguments, shaped as `ptudesk export --format`'s:
/// `FILE` or `snapshot FILE` (a snapshot), `csv DIR` (one file per
/// table), `focus FILE [FROM..TO] [1.0|1.2]` (FOCUS rows over the month
/// containing `now` unless a range is given; FOCUS 1.0 unless 1.2).
pub fn parse_export(rest: &str, now: Time) -> Result<(PathBuf, ExportWhat), String> {
    const USAGE: &str =
        "Usage: :export FILE, :export csv DIR, or :export focus FILE [FROM..TO] [1.0|1.2]";
    let rest = rest.trim();
    let (word, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let tail = tail.trim();
    let path = |p: &str| -> Result<PathBuf, String> {
        if p.is_empty() {
            Err(USAGE.to_string())
        } else {
            Ok(expand_home(p))
        }
    };
    match word {
        "" => Err(USAGE.into()),
        "snapshot" => Ok((path(tail)?, ExportWhat::Snapshot)),
        "csv" => Ok((path(tail)?, ExportWhat::Csv)),
        "focus" => {
            // From the end: a version, then a range; the rest is the file.
            let mut words: Vec<&str> = tail.split_whitespace().collect();
            let mut version = crate::report::focus::Version::V1_0;
            let mut range = None;
            while let Some(&last) = words.last() {
                if range.is_none() && words.len() > 1 && last.contains("..") {
                    range = Some(parse_range(last)?);
                } else if last == "1.0" && words.len() > 1 {
                    version = crate::report::focus::Version::V1_0;
                } else if last == "1.2" && words.len() > 1 {
                    version = crate::report::focus::Version::V1_2;
                } else {
                    break;
                }
                words.pop();
            }
            let (from, to) = range.unwrap_or_else(|| {
                let f = month_start(now);
                (f, add_months(f, 1))
            });
            Ok((
                path(&words.join(" "))?,
                ExportWhat::Focus { from, to, version },
            ))
        }
        _ => Ok((path(rest)?, ExportWhat::Snapshot)),
    }
}

pub fn parse_range(s: &str) -> Result<(Time, Time), String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("expected FROM..TO, e.g. 2027-01-01..2027-04-01, got {s:?}"))?;
    let from = parse_time_arg(a.trim())?;
    let to = parse_time_arg(b.trim())?;
    if !is_whole_hour(from) || !is_whole_hour(to) {
        return Err("the range must start and end on whole UTC hours".into());
    }
    if to <= from {
        return Err("the range must end after it starts".into());
    }
    if to - from > chrono::Duration::days(3 * 366) {
        return Err("the chart shows at most three years".into());
    }
    Ok((from, to))
}

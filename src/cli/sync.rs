//! `ptudesk sync`: the live estate through the user's own `az login`.

use super::{Failure, Global, out, store_path};
use crate::domain::time::Time;
use clap::Args;
use std::time::Duration;

#[derive(Args, Debug)]
#[command(after_help = sync_help())]
pub struct SyncArgs {
    /// Only this subscription (id or name); repeatable. Default: every enabled one `az account list` shows
    #[arg(long = "subscription", value_name = "ID")]
    pub subscriptions: Vec<String>,
    /// Show what would change; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// No progress and no summary (for cron); skipped subscriptions and errors still go to stderr
    #[arg(long, short)]
    pub quiet: bool,
    /// Time limit of each az command (e.g. 60s, 5m). Default: `timeout` under [sync] in the settings file, else 60s
    #[arg(long, value_name = "DURATION", value_parser = crate::sync::parse_timeout)]
    pub timeout: Option<Duration>,
    /// If the reservations can't be read, import the rest and mark the store's reservations unknown (exit 0) instead of writing nothing (exit 1)
    #[arg(long)]
    pub allow_partial: bool,
}

fn sync_help() -> String {
    let mut s = String::from(
        "Runs the az CLI with your own `az login` (ptudesk stores no credentials and makes no network calls of its own), then imports what it read in one transaction, exactly as `ptudesk import` would. What changed since the store last knew it is dated where Azure recorded it: deployment resizes and deletions and commitment changes from the activity log, reservation changes from their lastUpdatedDateTime, an account gone from its subscription from `az cognitiveservices account list-deleted` (deleted, its deployments billing until the scheduled purge) or else the activity log; without a record, at the sync time, marked approximate (`ptudesk diff --since last-sync` says \"time approximate\"). A subscription you may not read is skipped with a message (exit 0 if another one was read). Reservations are read through `az rest` (no az extension needed); if they can't be read (no permission, a failing call), nothing is written (exit 1), unless --allow-partial: then the rest is imported, the store marks the estate's reservations unknown until a sync reads them, `check` says so and holds back overage they might cover, and the exit is 0. Any other failure writes nothing (exit 1). Each az command's time limit is --timeout, else `timeout` under [sync] in the settings file, else 60s.\n\nThe az commands it runs:\n",
    );
    for c in crate::sync::commands() {
        s.push_str("  ");
        s.push_str(&c);
        s.push('\n');
    }
    s
}

pub fn sync(g: &Global, a: &SyncArgs, now: Time) -> Result<(), Failure> {
    if g.scenario.is_some() || g.demo {
        return Err(Failure::input(
            "sync writes into the store: it does not go with --scenario or --demo",
        ));
    }
    let path = store_path(g)?;
    // The settings file is read only when --timeout leaves it something to say.
    let timeout = match a.timeout {
        Some(t) => t,
        None => g.config()?.sync.timeout,
    };
    let options = crate::sync::Options {
        subscriptions: a.subscriptions.clone(),
        dry_run: a.dry_run,
        timeout,
        allow_partial: a.allow_partial,
        ..Default::default()
    };
    let quiet = a.quiet;
    let report = crate::sync::run(&path, &options, now, |step| {
        if !quiet {
            eprintln!("{}", crate::safe::plain_lines(step));
        }
    })
    .map_err(Failure::input)?;
    if quiet {
        for w in report.problems() {
            eprintln!("{}", crate::safe::plain_lines(&w.to_string()));
        }
        Ok(())
    } else {
        out(&report.text())
    }
}

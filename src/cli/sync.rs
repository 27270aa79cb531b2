//! `ptudesk sync`: the live estate through the user's own `az login`.

use super::{Failure, Global, out, store_path};
use crate::domain::time::{Time, parse_duration_arg};
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
    /// Time limit of each az command (e.g. 60s, 5m)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_timeout)]
    pub timeout: Duration,
}

fn sync_help() -> String {
    let mut s = String::from(
        "Runs the az CLI with your own `az login` (ptudesk stores no credentials and makes no network calls of its own), then imports what it read in one transaction, exactly as `ptudesk import` would. A deployment resized or deleted, a commitment renewal flipped, a reservation scope changed since the store last knew them is dated from the activity log (reservations: from their lastUpdatedDateTime) when Azure recorded it, else at the sync time, marked approximate. A subscription you may not read is skipped with a message (exit 0 if another one was read); any other failure writes nothing (exit 1). `ptudesk diff --since last-sync` then says what changed.\n\nThe az commands it runs:\n",
    );
    for c in crate::sync::commands() {
        s.push_str("  ");
        s.push_str(&c);
        s.push('\n');
    }
    s
}

/// `60s`, or any duration `parse_duration_arg` reads (`5m`, `1h`); more than zero.
fn parse_timeout(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let d = match t.strip_suffix('s') {
        Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            let secs: u64 = n
                .parse()
                .map_err(|_| format!("expected a duration such as 60s or 5m, got {s:?}"))?;
            Duration::from_secs(secs)
        }
        _ => parse_duration_arg(t)
            .map_err(|_| format!("expected a duration such as 60s or 5m, got {s:?}"))?
            .to_std()
            .map_err(|_| format!("expected a positive duration, got {s:?}"))?,
    };
    if d.is_zero() {
        return Err(format!("expected a duration above zero, got {s:?}"));
    }
    Ok(d)
}

pub fn sync(g: &Global, a: &SyncArgs, now: Time) -> Result<(), Failure> {
    if g.scenario.is_some() || g.demo {
        return Err(Failure::input(
            "sync writes into the store: it does not go with --scenario or --demo",
        ));
    }
    let path = store_path(g)?;
    let options = crate::sync::Options {
        subscriptions: a.subscriptions.clone(),
        dry_run: a.dry_run,
        timeout: a.timeout,
        ..Default::default()
    };
    let quiet = a.quiet;
    let report = crate::sync::run(&path, &options, now, |step| {
        if !quiet {
            eprintln!("{step}");
        }
    })
    .map_err(Failure::input)?;
    if quiet {
        for w in report.problems() {
            eprintln!("{w}");
        }
        Ok(())
    } else {
        out(&report.text())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_timeout;
    use std::time::Duration;

    #[test]
    fn timeouts_read_seconds_minutes_and_hours() {
        assert_eq!(parse_timeout("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_timeout("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_timeout("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_timeout("0s").is_err());
        assert!(parse_timeout("s").is_err());
        assert!(parse_timeout("-5s").is_err());
        assert!(parse_timeout("soon").is_err());
    }
}

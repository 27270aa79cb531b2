//! `ptudesk check`, `ack`, `unack`: notifications for people, scripts and
//! cron. Exit codes follow the monitoring-plugin convention: 0 nothing, 1
//! warning, 2 critical, 3 could not check.

use super::{Exit, Failure, Global, load_estate, out, store_path};
use crate::alerts;
use crate::config::Config;
use crate::domain::Estate;
use crate::domain::money::fmt_money_grouped;
use crate::domain::notice::{Notification, Severity};
use crate::domain::prices::PriceBook;
use crate::domain::time::{
    Time, fmt_minute, fmt_second, fmt_time, parse_duration_arg, parse_time_arg,
};
use crate::report::notices;
use crate::store::{Store, Unread};
use clap::{Args, ValueEnum};
use std::fmt::Write;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::from_name(s).ok_or_else(|| "expected info, warning or critical".to_string())
}

/// A positive duration: a horizon of nothing checks nothing.
fn parse_horizon(s: &str) -> Result<chrono::Duration, String> {
    let d = parse_duration_arg(s)?;
    if d <= chrono::Duration::zero() {
        return Err(format!(
            "expected a positive duration such as 30d, got {s:?}"
        ));
    }
    Ok(d)
}

/// When and how far ahead notifications are evaluated (`check` and `ack`).
#[derive(Args, Debug)]
pub struct When {
    /// The instant to check at (default: now)
    #[arg(long, value_name = "T", value_parser = parse_time_arg)]
    pub at: Option<Time>,
    /// How far ahead to look (default: the config's horizon_days, 30d)
    #[arg(long, value_name = "DURATION", value_parser = parse_horizon)]
    pub horizon: Option<chrono::Duration>,
}

impl When {
    fn resolve(&self, config: &Config, now: Time) -> (Time, chrono::Duration) {
        (
            self.at.unwrap_or(now),
            self.horizon
                .unwrap_or_else(|| chrono::Duration::days(config.alerts.horizon_days as i64)),
        )
    }
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub when: When,
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Leave out, and don't count in the exit code, anything less severe
    #[arg(long, value_name = "S", value_parser = parse_severity)]
    pub min_severity: Option<Severity>,
    /// Print nothing when nothing is wrong (exit 0)
    #[arg(long)]
    pub quiet: bool,
    /// Send the notifications not sent there before: webhook:URL (the JSON
    /// array), slack:URL, teams:URL or email:ADDRESS[,ADDRESS...]; repeatable
    #[arg(long, value_name = "CHANNEL")]
    pub notify: Vec<String>,
    /// Instead of each run's new notifications, one message a period to
    /// each --notify channel: what is new, worse and fixed since its last
    #[arg(long, value_name = "PERIOD", value_enum, requires = "notify")]
    pub digest: Option<crate::notify::digest::Every>,
}

#[derive(Args, Debug)]
pub struct AckArgs {
    /// The notification's id (from `ptudesk check`)
    #[arg(required_unless_present = "list")]
    pub id: Option<String>,
    /// Silence it until T (default: for as long as it does not get worse)
    #[arg(long, value_name = "T", value_parser = parse_time_arg)]
    pub until: Option<Time>,
    /// Why it is silenced
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub note: String,
    /// List the acknowledgements
    #[arg(long, conflicts_with_all = ["id", "until"])]
    pub list: bool,
    /// Find the notification as `check` with these --at and --horizon showed it
    #[command(flatten)]
    pub when: When,
}

#[derive(Args, Debug)]
pub struct UnackArgs {
    /// The notification's id
    pub id: String,
}

fn cannot(e: impl ToString) -> Failure {
    Failure {
        message: e.to_string(),
        exit: Exit::Unknown,
    }
}

/// The notifications at `at`, and the store they were read from (if any).
fn evaluate(
    g: &Global,
    config: &Config,
    at: Time,
    horizon: chrono::Duration,
) -> Result<(Vec<Notification>, Option<Store>), Failure> {
    let estate = load_estate(g, at)?;
    // Nothing to check is not "nothing wrong": a store left empty (a failed
    // first import) must not read as healthy to a cron job.
    if estate.resources.is_empty()
        && estate.deployments.is_empty()
        && estate.commitments.is_empty()
        && estate.reservations.is_empty()
        && estate.managed_compute.is_empty()
    {
        let what = if g.scenario.is_some() {
            "the scenario"
        } else {
            "the store"
        };
        return Err(cannot(format!(
            "{what} holds no estate (no resource, deployment, commitment, reservation or managed compute): nothing to check; import your estate first (`ptudesk import`)"
        )));
    }
    let store = if g.demo || g.scenario.is_some() {
        None
    } else {
        Some(Store::open_existing(&store_path(g)?)?)
    };
    let unread = store.as_ref().map(Store::reservations_unread).transpose()?;
    let list = tempered(&estate, config, at, horizon, unread.flatten().as_ref())?;
    Ok((list, store))
}

/// The notifications of `estate` at `at`, those about overage that
/// reservations the store could not read might cover held back: what
/// `check` lists and `fix` finds.
pub(super) fn tempered(
    estate: &Estate,
    config: &Config,
    at: Time,
    horizon: chrono::Duration,
    unread: Option<&Unread>,
) -> Result<Vec<Notification>, Failure> {
    let mut list = alerts::evaluate(
        estate,
        &PriceBook::default_book(),
        &config.alerts,
        config.rating_options(),
        at,
        horizon,
    )?;
    alerts::unknown::temper(&mut list, unread, horizon);
    Ok(list)
}

pub fn check(g: &Global, a: &CheckArgs, now: Time) -> Result<(), Failure> {
    let run = || -> Result<Exit, Failure> {
        let config = g.config()?;
        let (at, horizon) = a.when.resolve(config, now);
        let (list, mut store) = evaluate(g, config, at, horizon)?;
        let acks = match &store {
            Some(s) => s.acks()?,
            None => vec![],
        };
        let min = a.min_severity.unwrap_or(Severity::Info);
        let raised: std::collections::HashSet<String> = list.iter().map(|n| n.id.clone()).collect();
        let (shown, hidden): (Vec<Notification>, Vec<Notification>) = list
            .into_iter()
            .filter(|n| n.severity >= min)
            .partition(|n| !alerts::silenced(n, &acks, at));
        let exit = match shown.iter().map(|n| n.severity).max() {
            Some(Severity::Critical) => Exit::Critical,
            Some(Severity::Warning) => Exit::Warning,
            _ => Exit::Ok,
        };
        // The list is printed before any post, so a webhook that is down
        // does not hide it.
        if !(a.quiet && exit == Exit::Ok) {
            let text = match a.format {
                CheckFormat::Text => notices::to_text(&shown, hidden.len()),
                CheckFormat::Json => notices::to_json(&shown),
            };
            out(&text)?;
        }
        if !a.notify.is_empty() {
            super::notify::deliver(
                &super::notify::Run {
                    config,
                    targets: &a.notify,
                    digest: a.digest,
                    horizon,
                    now,
                },
                store.as_mut(),
                &shown,
                &raised,
            )?;
        }
        Ok(exit)
    };
    match run() {
        Ok(Exit::Ok) => Ok(()),
        Ok(exit) => Err(Failure {
            message: String::new(),
            exit,
        }),
        Err(f) => Err(cannot(f.message)),
    }
}

pub fn ack(g: &Global, a: &AckArgs, now: Time) -> Result<(), Failure> {
    if g.demo || g.scenario.is_some() {
        return Err(Failure::input(
            "acknowledgements are kept in the store: `ack` does not go with --scenario or --demo",
        ));
    }
    let limit = crate::tui::form::MAX_FIELD_CHARS;
    if a.note.chars().count() > limit {
        return Err(Failure::input(format!(
            "--note: expected at most {limit} characters, got {}",
            a.note.chars().count()
        )));
    }
    let mut store = Store::open_existing(&store_path(g)?)?;
    let config = g.config()?;
    let (at, horizon) = a.when.resolve(config, now);
    let unread = store.reservations_unread()?;
    let current = tempered(&store.load()?, config, at, horizon, unread.as_ref())?;
    if a.list {
        let acks = store.acks()?;
        let mut s = String::new();
        if acks.is_empty() {
            s.push_str("No acknowledgements.\n");
        }
        for k in &acks {
            let state = match current.iter().find(|n| n.id == k.id) {
                None => "no longer raised".to_string(),
                Some(n) if alerts::silenced(n, &acks, at) => {
                    format!("silenced: {} {}", n.kind, n.subject)
                }
                Some(n) => format!(
                    "back: it got worse ({} now, ${})",
                    n.severity.name(),
                    fmt_money_grouped(n.cost_impact)
                ),
            };
            let until = k.until.map_or("until it gets worse".to_string(), |u| {
                format!("until {}", fmt_minute(u))
            });
            let _ = writeln!(s, "{}  acked {}  {until}  {state}", k.id, fmt_minute(k.at));
            if !k.note.is_empty() {
                let _ = writeln!(s, "    note: {}", k.note);
            }
        }
        return out(&s);
    }
    let id = a.id.as_deref().expect("clap requires it without --list");
    if let Some(u) = a.until.filter(|u| *u <= now) {
        return Err(Failure::input(format!(
            "--until {} is not after now ({}): an acknowledgement that has already ended silences nothing",
            fmt_second(u),
            fmt_second(now)
        )));
    }
    let n = current.iter().find(|n| n.id == id).ok_or_else(|| {
        Failure::input(format!(
            "no notification {id} in force at {} or due within the next {} (see `ptudesk check`; give `ack` the same --at and --horizon)",
            fmt_time(at),
            alerts::horizon_words(horizon)
        ))
    })?;
    crate::ops::acknowledge(&mut store, n, now, a.until, &a.note)?;
    out(&format!(
        "Silenced {} ({} {}){}; it comes back if it gets worse. `ptudesk unack {}` undoes this.\n",
        n.id,
        n.kind,
        n.subject,
        a.until
            .map_or(String::new(), |u| format!(" until {}", fmt_minute(u))),
        n.id
    ))
}

pub fn unack(g: &Global, a: &UnackArgs) -> Result<(), Failure> {
    let mut store = Store::open_existing(&store_path(g)?)?;
    if crate::ops::take_back(&mut store, &a.id)? {
        out(&format!("{} is no longer silenced.\n", a.id))
    } else {
        Err(Failure::input(format!(
            "{} is not acknowledged (see `ptudesk ack --list`)",
            a.id
        )))
    }
}

//! `ptudesk fix ID [--remedy N] [--apply]`: a notification's remedies,
//! priced, and one of them written into the store as one undoable change
//! (the same edits, validation and transaction as `plan --apply`).

use super::check::{When, tempered};
use super::{Failure, Global, load_estate, out, store_path};
use crate::alerts;
use crate::domain::notice::Notification;
use crate::domain::time::{Time, fmt_time};
use crate::ops::OpsError::{self, Refused};
use crate::report::notices;
use crate::store::Store;
use clap::{Args, ValueEnum};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FixFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct FixArgs {
    /// The notification's id (from `ptudesk check`)
    pub id: String,
    /// Which remedy, counting from 1 as printed (default: the first safe one that changes something)
    #[arg(long, value_name = "N")]
    pub remedy: Option<usize>,
    /// Write the remedy into the store as one change (`ptudesk undo` reverts it)
    #[arg(long)]
    pub apply: bool,
    #[arg(long, value_enum, default_value_t = FixFormat::Table)]
    pub format: FixFormat,
    /// Find the notification as `check` with these --at and --horizon showed it
    #[command(flatten)]
    pub when: When,
}

fn find<'a>(
    list: &'a [Notification],
    id: &str,
    at: Time,
    horizon: chrono::Duration,
) -> Result<&'a Notification, OpsError> {
    list.iter().find(|n| n.id == id).ok_or_else(|| {
        Refused(format!(
            "no notification {id} in force at {} or due within the next {} (see `ptudesk check`; give `fix` the same --at and --horizon)",
            fmt_time(at),
            alerts::horizon_words(horizon)
        ))
    })
}

/// The remedy `--remedy N` names, else the first safe one that changes
/// something: its index.
fn choose(n: &Notification, which: Option<usize>) -> Result<usize, OpsError> {
    match which {
        Some(0) => Err(Refused(
            "--remedy counts from 1, as `ptudesk fix` prints them".into(),
        )),
        Some(k) if k > n.remedies.len() => Err(Refused(format!(
            "notification {} has {} remed{}; --remedy {k} is not one of them",
            n.id,
            n.remedies.len(),
            if n.remedies.len() == 1 { "y" } else { "ies" }
        ))),
        Some(k) => {
            let r = &n.remedies[k - 1];
            if r.changes.is_empty() {
                Err(Refused(format!(
                    "remedy {k} ({}) changes nothing in the estate: there is nothing to apply",
                    r.kind.name()
                )))
            } else {
                Ok(k - 1)
            }
        }
        None => n
            .remedies
            .iter()
            .position(|r| r.safe && !r.changes.is_empty())
            .ok_or_else(|| {
                Refused(format!(
                    "notification {} has no safe remedy that changes the estate; choose one with --remedy N",
                    n.id
                ))
            }),
    }
}

pub fn fix(g: &Global, a: &FixArgs, now: Time) -> Result<(), Failure> {
    let config = g.config()?;
    let at = a.when.at.unwrap_or(now);
    let horizon = a
        .when
        .horizon
        .unwrap_or_else(|| chrono::Duration::days(config.alerts.horizon_days as i64));
    // What the store could not read tempers the notifications as `check`
    // showed them.
    let unread = if g.scenario.is_some() || g.demo {
        None
    } else {
        Store::open_existing(&store_path(g)?)?.reservations_unread()?
    };
    if !a.apply {
        let estate = load_estate(g, at)?;
        let list = tempered(&estate, config, at, horizon, unread.as_ref())?;
        let n = find(&list, &a.id, at, horizon).map_err(Failure::input)?;
        if let Some(k) = a.remedy.filter(|k| *k == 0 || *k > n.remedies.len())
            && let Err(why) = choose(n, Some(k))
        {
            return Err(Failure::input(why));
        }
        return out(&render(n, a.format, None));
    }
    if g.scenario.is_some() || g.demo {
        return Err(Failure::input(
            "--apply writes the remedy into the store: it does not go with --scenario or --demo (import the file first, or use --db)",
        ));
    }
    let mut store = Store::open_existing(&store_path(g)?)?;
    let mut shown: Option<(Notification, usize)> = None;
    let summary = format!("fix {}", a.id);
    let written = crate::ops::apply_remedy(&mut store, "fix", &summary, now, |current| {
        let list = tempered(current, config, at, horizon, unread.as_ref())
            .map_err(|e| Refused(e.message))?;
        let n = find(&list, &a.id, at, horizon)?;
        let k = choose(n, a.remedy)?;
        shown = Some((n.clone(), k));
        Ok(crate::ops::Picked {
            changes: n.remedies[k].changes.clone(),
            name: format!("remedy {} ({})", k + 1, n.remedies[k].kind.name()),
        })
    })?;
    let (n, k) = shown.expect("the remedy was chosen");
    out(&render(&n, a.format, Some((k, written.change))))
}

fn render(n: &Notification, format: FixFormat, applied: Option<(usize, Option<i64>)>) -> String {
    match format {
        FixFormat::Json => notices::fix_json(n, applied),
        FixFormat::Table => notices::fix_text(n, applied),
    }
}

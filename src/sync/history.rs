//! Dating what a sync saw change. Azure shows the present only; the merge
//! dates every change it finds at the sync instant (marked approximate).
//! This module puts the real instants back where Azure recorded them, and
//! marks deletions:
//!
//! - a deployment resized since the store last knew it: the latest
//!   successful `write` in the activity log after its previous size (the
//!   size Azure shows now is the one the latest write set, so the instant is
//!   exact however many writes there were);
//! - a deployment the store holds on an account whose deployment list was
//!   read, but which that list no longer shows: deleted at the latest
//!   successful `delete` in the activity log after its last size;
//! - a commitment grown or with a flipped renewal setting: the latest
//!   successful `write` of its plan after the previous entry. When one sync
//!   sees both, one write since a change's previous entry dates it exactly
//!   (one write may make both); with several, the log does not say which
//!   made it: it takes the latest, marked approximate;
//! - a reservation's scope change, renewal flip or cancellation: its own
//!   `lastUpdatedDateTime` (reservations live outside subscriptions, so
//!   outside their activity logs, and their payload carries no other date
//!   of a change: `renewProperties`, `splitProperties`, `mergeProperties`
//!   and `extendedStatusInfo` hold none). That instant is the reservation's
//!   latest update of any kind. When the sync sees exactly one change on the
//!   reservation it is taken to be that update (exact); when it sees several
//!   (a scope change and a renewal flip, or either with a rename), they all
//!   get the one instant, marked approximate: only the latest of them
//!   happened then;
//! - an account the store holds (by its ARM id) that the complete account
//!   list of its subscription no longer shows has been deleted (Azure
//!   soft-deletes Cognitive Services accounts, and their deployments bill
//!   until the purge, docs/forecast.md#deleted-resources):
//!   - `az cognitiveservices account list-deleted` shows it: deleted at its
//!     `deletionDate`, purged at its `scheduledPurgeDate` (a plan while it
//!     is ahead: the deployments keep billing until then);
//!   - it shows it no longer (purged, or never soft-deleted): deleted at
//!     the latest successful `accounts/delete` in its activity log, else at
//!     the sync time, and purged at that same instant, marked approximate
//!     (Azure keeps no record of a purge that a sync can read);
//!   - an account the store already knew deleted, whose purge was still
//!     ahead or unknown, and which the list no longer shows: purged at the
//!     sync time, approximate (it went before its schedule);
//!   - the list is not readable: deleted as above, the purge left unknown
//!     (the deployments keep billing) until a sync can read it;
//!   - an account listed again after its deletion, before its purge, was
//!     recovered: its deletion and purge are cleared. One listed again after
//!     its purge is a new account under the old name: the sync leaves it out
//!     (see `super::run`);
//!   - a deployment planned on it (created at or after its deletion) can
//!     no longer happen: it is removed from the store, with a note.
//!
//! Without such a record the sync instant stays, marked approximate
//! (`approximate`, `deleted_approximate`, `purged_approximate`,
//! `refunded_approximate` in the snapshot), and `ptudesk diff` says
//! "(time approximate)".
//!
//! Pure: no I/O, no clock.

use crate::domain::time::{Time, fmt_time};
use crate::domain::{CommitmentRenewal, Estate, Size};
use crate::ingest::InputError;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An account as `az cognitiveservices account list-deleted` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SoftDeleted {
    /// `properties.deletionDate`.
    pub deleted: Option<Time>,
    /// `properties.scheduledPurgeDate`.
    pub purge: Option<Time>,
}

/// What Azure recorded about when things changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Object id (lowercased ARM id) -> instants of successful write operations.
    pub writes: HashMap<String, Vec<Time>>,
    /// Object id -> instants of successful delete operations.
    pub deletes: HashMap<String, Vec<Time>>,
    /// Reservation id -> its `lastUpdatedDateTime`.
    pub reservation_updates: HashMap<String, Time>,
    /// Subscription id -> the accounts (lowercased ARM ids) its account
    /// list showed, for the subscriptions read completely.
    pub accounts: BTreeMap<String, BTreeSet<String>>,
    /// Subscription id -> its soft-deleted accounts, by the id the account
    /// had (lowercased ARM id), or None when Azure would not show them.
    /// Asked only for subscriptions with an account gone.
    pub soft_deleted: BTreeMap<String, Option<BTreeMap<String, SoftDeleted>>>,
}

/// Deployment lists read in full: account id -> the provisioned deployments
/// it listed.
pub type Listed = BTreeMap<String, BTreeSet<String>>;

/// Where the instant of a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    ActivityLog,
    /// The activity log, whose latest write dates two changes of one
    /// commitment plan: approximate.
    ActivityLogShared,
    ReservationRecord,
    /// The reservation's `lastUpdatedDateTime`, dating several changes at
    /// once: approximate.
    ReservationRecordShared,
    /// `az cognitiveservices account list-deleted`.
    DeletedAccounts,
    /// A purge Azure keeps no record of, taken at the account's deletion:
    /// approximate.
    AtDeletion,
    /// Nothing recorded it: the sync instant, an estimate.
    SyncTime,
}

impl Source {
    /// True when the instant is an estimate.
    pub fn approximate(self) -> bool {
        matches!(
            self,
            Source::ActivityLogShared
                | Source::ReservationRecordShared
                | Source::AtDeletion
                | Source::SyncTime
        )
    }
}

/// One change the sync dated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dated {
    /// "deployment chat on aoai-east resized 300 -> 400 PTU"
    pub what: String,
    pub at: Time,
    pub source: Source,
}

impl Dated {
    pub fn line(&self) -> String {
        let how = match self.source {
            Source::ActivityLog => "from the activity log",
            Source::ActivityLogShared => {
                "from the activity log, approximate: the plan was written several times and the log does not say which write made which change"
            }
            Source::ReservationRecord => "from the reservation's lastUpdatedDateTime",
            Source::ReservationRecordShared => {
                "from the reservation's lastUpdatedDateTime, approximate: that one instant is all Azure shows for several changes"
            }
            Source::DeletedAccounts => "from az cognitiveservices account list-deleted",
            Source::AtDeletion => {
                "approximate: taken at its deletion, as Azure keeps no record of the purge"
            }
            Source::SyncTime => "the sync time, approximate: Azure recorded no time for it",
        };
        format!("{} at {} ({how})", self.what, fmt_time(self.at))
    }

    /// True when the instant is an estimate.
    pub fn approximate(&self) -> bool {
        self.source.approximate()
    }
}

/// An activity-log question: the latest operations on `id` after `after`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lookup {
    pub id: String,
    pub after: Time,
}

/// What [`apply`] made of the sync's answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The estate with the changes dated.
    pub estate: Estate,
    /// The changes dated, for the summary.
    pub dated: Vec<Dated>,
    /// The activity-log questions that would date them (asked before the
    /// store transaction).
    pub lookups: Vec<Lookup>,
    /// Other things worth saying (accounts recovered, plans dropped).
    pub notes: Vec<String>,
}

/// The latest instant in `times` within (after, now].
fn latest(times: Option<&Vec<Time>>, after: Time, now: Time) -> Option<Time> {
    times?
        .iter()
        .copied()
        .filter(|t| *t > after && *t <= now)
        .max()
}

/// How many instants of `times` fall within (after, now].
fn count(times: Option<&Vec<Time>>, after: Time, now: Time) -> usize {
    times.map_or(0, |v| {
        v.iter().filter(|t| **t > after && **t <= now).count()
    })
}

/// The segment after `key` in a lowercased ARM id.
fn segment<'s>(id: &'s str, key: &str) -> Option<&'s str> {
    let mut it = id.split('/');
    while let Some(s) = it.next() {
        if s == key {
            return it.next();
        }
    }
    None
}

/// The subscription of a Cognitive Services account's lowercased ARM id
/// (`/subscriptions/S/resourcegroups/G/providers/microsoft.cognitiveservices/accounts/A`);
/// None for any other id (a hand-written resource such as `aoai-east`).
pub fn account_subscription(id: &str) -> Option<&str> {
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        [
            "",
            "subscriptions",
            sub,
            "resourcegroups",
            _,
            "providers",
            "microsoft.cognitiveservices",
            "accounts",
            name,
        ] if !sub.is_empty() && !name.is_empty() => Some(sub),
        _ => None,
    }
}

/// The lowercased ARM id an account had, from the id `list-deleted` gives
/// it (`/subscriptions/S/providers/Microsoft.CognitiveServices/locations/L/resourceGroups/G/deletedAccounts/A`).
pub fn account_of_deleted(id: &str) -> Option<String> {
    let id = id.trim_end_matches('/').to_ascii_lowercase();
    let sub = segment(&id, "subscriptions")?;
    let group = segment(&id, "resourcegroups")?;
    let name = segment(&id, "deletedaccounts")?;
    if sub.is_empty() || group.is_empty() || name.is_empty() {
        return None;
    }
    Some(format!(
        "/subscriptions/{sub}/resourcegroups/{group}/providers/microsoft.cognitiveservices/accounts/{name}"
    ))
}

fn renewal_words(r: CommitmentRenewal) -> String {
    match r {
        CommitmentRenewal::Autorenew => "autorenew".into(),
        CommitmentRenewal::AutorenewLower(p) => format!("autorenew at {p} PTU"),
        CommitmentRenewal::None => "don't renew".into(),
    }
}

/// "chat on aoai-east" for a deployment or an account's commitment plan.
pub fn short(id: &str) -> String {
    let last = id.rsplit('/').next().unwrap_or(id);
    match segment(id, "accounts") {
        Some(acc) if acc != last => format!("{last} on {acc}"),
        _ => last.to_string(),
    }
}

/// The latest instant before `now` the store knows of on an account (its
/// deployments' sizes, its commitments' entries): the activity log is asked
/// about its deletion from then on.
fn last_known(current: &Estate, account: &str, now: Time) -> Time {
    let deployments = current
        .deployments
        .iter()
        .filter(|d| d.resource == account)
        .flat_map(|d| d.sizes.iter().map(|s| s.at));
    let commitments = current
        .commitments
        .iter()
        .filter(|c| c.resource == account)
        .flat_map(|c| {
            std::iter::once(c.start)
                .chain(c.additions.iter().map(|a| a.at))
                .chain(c.renewal_changes.iter().map(|a| a.at))
        });
    deployments
        .chain(commitments)
        .filter(|t| *t < now)
        .max()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Dates the changes that `merge` put at `now` in `merged` (the store's
/// `current` estate with the sync's batches merged in), deletes the
/// deployments that `listed` no longer shows and the accounts that
/// `ev.accounts` no longer shows (module docs).
pub fn apply(
    current: &Estate,
    mut merged: Estate,
    listed: &Listed,
    ev: &Evidence,
    now: Time,
) -> Applied {
    let mut dated = Vec::new();
    let mut lookups = Vec::new();
    let mut notes = Vec::new();

    for d in merged.deployments.iter_mut() {
        let Some(old) = current.deployments.iter().find(|x| x.id == d.id) else {
            continue;
        };
        let n = d.sizes.len();
        let grew_one = n == old.sizes.len() + 1 && n >= 2;
        if !grew_one || d.sizes[n - 1].at != now || !d.sizes[n - 1].approximate {
            continue;
        }
        let prev = d.sizes[n - 2].clone();
        lookups.push(Lookup {
            id: d.id.clone(),
            after: prev.at,
        });
        let what = format!(
            "deployment {} resized {} -> {} PTU",
            short(&d.id),
            prev.ptu,
            d.sizes[n - 1].ptu
        );
        let (at, source) = match latest(ev.writes.get(&d.id), prev.at, now) {
            Some(t) => {
                d.sizes[n - 1] = Size {
                    at: t,
                    ptu: d.sizes[n - 1].ptu,
                    approximate: false,
                };
                (t, Source::ActivityLog)
            }
            None => (now, Source::SyncTime),
        };
        dated.push(Dated { what, at, source });
    }

    for d in merged.deployments.iter_mut() {
        let Some(seen) = listed.get(&d.resource) else {
            continue;
        };
        if seen.contains(&d.id) || d.deleted.is_some() {
            continue;
        }
        let Some(last) = d.sizes.last().map(|s| s.at) else {
            continue;
        };
        // Planned (future-dated) sizes are the user's what-if: left alone.
        if last >= now {
            continue;
        }
        lookups.push(Lookup {
            id: d.id.clone(),
            after: last,
        });
        let what = format!("deployment {} deleted", short(&d.id));
        let (at, source) = match latest(ev.deletes.get(&d.id), last, now) {
            Some(t) => (t, Source::ActivityLog),
            None => (now, Source::SyncTime),
        };
        d.deleted = Some(at);
        d.deleted_approximate = source.approximate();
        dated.push(Dated { what, at, source });
    }

    for c in merged.commitments.iter_mut() {
        let Some(old) = current.commitments.iter().find(|x| x.id == c.id) else {
            continue;
        };
        let grew = c.additions.len() == old.additions.len() + 1
            && c.additions.last().is_some_and(|a| a.at == now);
        let flipped = c.renewal_changes.len() == old.renewal_changes.len() + 1
            && c.renewal_changes.last().is_some_and(|ch| ch.at == now);
        let after_add = old.additions.last().map_or(c.start, |a| a.at.max(c.start));
        let after_flip = old
            .renewal_changes
            .last()
            .map_or(c.start, |ch| ch.at.max(c.start));
        // Both seen, and several writes since one of them: which write
        // made that one is unknown.
        let both = grew && flipped;
        let when = |after: Time| match latest(ev.writes.get(&c.id), after, now) {
            Some(t) if both && count(ev.writes.get(&c.id), after, now) > 1 => {
                (t, Source::ActivityLogShared)
            }
            Some(t) => (t, Source::ActivityLog),
            None => (now, Source::SyncTime),
        };
        if grew {
            lookups.push(Lookup {
                id: c.id.clone(),
                after: after_add,
            });
            let add = c.additions.last_mut().expect("checked");
            let what = format!("commitment {} grown by {} PTU", short(&c.id), add.ptu);
            let (at, source) = when(after_add);
            add.at = at;
            add.approximate = source.approximate();
            dated.push(Dated { what, at, source });
        }
        if flipped {
            lookups.push(Lookup {
                id: c.id.clone(),
                after: after_flip,
            });
            let ch = c.renewal_changes.last_mut().expect("checked");
            let what = format!(
                "commitment {} renewal set to {}",
                short(&c.id),
                renewal_words(ch.renewal)
            );
            let (at, source) = when(after_flip);
            ch.at = at;
            ch.approximate = source.approximate();
            dated.push(Dated { what, at, source });
        }
    }

    for r in merged.reservations.iter_mut() {
        let Some(old) = current.reservations.iter().find(|x| x.id == r.id) else {
            continue;
        };
        let scoped = r.scope_changes.len() == old.scope_changes.len() + 1
            && r.scope_changes.last().is_some_and(|s| s.at == now);
        let flipped = r.renewal_changes.len() == old.renewal_changes.len() + 1
            && r.renewal_changes.last().is_some_and(|s| s.at == now);
        let refunded = old.refunded_at.is_none() && r.refunded_at == Some(now);
        let renamed = old.name != r.name;
        // One update instant for all the changes seen: exact for one only.
        let seen = [scoped, flipped, refunded, renamed]
            .into_iter()
            .filter(|x| *x)
            .count();
        let updated = ev.reservation_updates.get(&r.id).copied();
        let when = |after: Time| match updated.filter(|t| *t > after && *t <= now) {
            Some(t) if seen > 1 => (t, Source::ReservationRecordShared),
            Some(t) => (t, Source::ReservationRecord),
            None => (now, Source::SyncTime),
        };
        let name = if r.name.is_empty() {
            short(&r.id)
        } else {
            r.name.clone()
        };
        if scoped {
            let after = old
                .scope_changes
                .last()
                .map_or(r.start, |s| s.at.max(r.start));
            let (at, source) = when(after);
            let ch = r.scope_changes.last_mut().expect("checked");
            ch.at = at;
            ch.approximate = source.approximate();
            dated.push(Dated {
                what: format!("reservation {name} scope changed"),
                at,
                source,
            });
        }
        if flipped {
            let after = old
                .renewal_changes
                .last()
                .map_or(r.start, |s| s.at.max(r.start));
            let (at, source) = when(after);
            let ch = r.renewal_changes.last_mut().expect("checked");
            ch.at = at;
            ch.approximate = source.approximate();
            dated.push(Dated {
                what: format!("reservation {name} renewal setting changed"),
                at,
                source,
            });
        }
        if refunded {
            let (at, source) = when(r.start);
            r.refunded_at = Some(at);
            r.refunded_approximate = source.approximate();
            dated.push(Dated {
                what: format!("reservation {name} cancelled"),
                at,
                source,
            });
        }
    }

    // Accounts gone from, or back in, their subscription's account list.
    let mut deleted_now: Vec<(String, Time)> = Vec::new();
    for r in merged.resources.iter_mut() {
        let Some(sub) = account_subscription(&r.id) else {
            continue;
        };
        let Some(live) = ev.accounts.get(sub) else {
            continue;
        };
        let name = short(&r.id);
        let deleted = r.deleted.filter(|d| *d <= now);
        let purged = r.purged.is_some_and(|p| p <= now);
        if live.contains(&r.id) {
            if let (Some(d), false) = (deleted, purged) {
                notes.push(format!(
                    "account {name} was deleted at {} and Azure lists it again before its purge: taken as recovered, its deletion cleared",
                    fmt_time(d)
                ));
                r.deleted = None;
                r.purged = None;
                r.deleted_approximate = false;
                r.purged_approximate = false;
            }
            continue;
        }
        if purged {
            continue;
        }
        let soft = ev.soft_deleted.get(sub);
        let readable = matches!(soft, Some(Some(_)));
        let shown = soft.and_then(Option::as_ref).and_then(|m| m.get(&r.id));

        // The deletion, unless the store knew it already.
        let (deleted_at, found) = match deleted {
            Some(d) => (d, false),
            None => {
                let (at, source) = match shown.and_then(|s| s.deleted).filter(|t| *t <= now) {
                    Some(t) => (t, Source::DeletedAccounts),
                    None => {
                        let after = last_known(current, &r.id, now);
                        lookups.push(Lookup {
                            id: r.id.clone(),
                            after,
                        });
                        match latest(ev.deletes.get(&r.id), after, now) {
                            Some(t) => (t, Source::ActivityLog),
                            None => (now, Source::SyncTime),
                        }
                    }
                };
                r.deleted = Some(at);
                r.deleted_approximate = source.approximate();
                dated.push(Dated {
                    what: format!("account {name} deleted"),
                    at,
                    source,
                });
                deleted_now.push((r.id.clone(), at));
                (at, true)
            }
        };

        // The purge.
        let purge = match shown {
            // Soft-deleted: purged on its schedule (a plan while ahead).
            Some(s) => s
                .purge
                .map(|p| (p.max(deleted_at), Source::DeletedAccounts))
                .filter(|(p, _)| r.purged != Some(*p) || r.purged_approximate),
            // Gone from the deleted accounts too: purged, Azure won't say when.
            None if readable && found => Some((deleted_at, Source::AtDeletion)),
            None if readable => Some((now, Source::SyncTime)),
            // Unreadable: the purge stays unknown.
            None => None,
        };
        if let Some((at, source)) = purge {
            r.purged = Some(at);
            r.purged_approximate = source.approximate();
            let what = if at > now {
                format!("account {name} purge scheduled")
            } else {
                format!("account {name} purged")
            };
            dated.push(Dated { what, at, source });
        }
    }

    // Deployments planned on an account found deleted can't exist: dropped.
    for (account, at) in &deleted_now {
        merged.deployments.retain(|d| {
            let planned = d.resource == *account && d.created() >= *at;
            if planned {
                notes.push(format!(
                    "planned deployment {} removed: its account was deleted at {}",
                    short(&d.id),
                    fmt_time(*at)
                ));
            }
            !planned
        });
    }

    lookups.sort();
    lookups.dedup_by(|a, b| a.id == b.id && a.after >= b.after);
    Applied {
        estate: merged,
        dated,
        lookups,
        notes,
    }
}

fn parse_event_time(s: &str) -> Option<Time> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// Reads `az monitor activity-log list` output: the instants of the
/// successful write and delete operations on `id` (events about other
/// resources, and events still in progress or failed, are left out).
pub fn activity(
    command: &str,
    bytes: &[u8],
    id: &str,
) -> Result<(Vec<Time>, Vec<Time>), InputError> {
    let err = |path: Option<String>, message: String| InputError {
        file: command.to_string(),
        path,
        message,
    };
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| err(None, format!("not valid JSON: {e}")))?;
    let events = match &value {
        Value::Array(a) => a,
        Value::Object(m) => match m.get("value") {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(err(
                    None,
                    "expected a list of activity-log events, got an object".into(),
                ));
            }
        },
        _ => {
            return Err(err(
                None,
                "expected a list of activity-log events (a JSON array)".into(),
            ));
        }
    };
    let (mut writes, mut deletes) = (Vec::new(), Vec::new());
    for (i, e) in events.iter().enumerate() {
        let Value::Object(e) = e else {
            return Err(err(
                Some(format!("$[{i}]")),
                "expected an activity-log event (an object)".into(),
            ));
        };
        let text = |key: &str| -> Option<&str> {
            match e.get(key)? {
                Value::String(s) => Some(s),
                Value::Object(o) => o.get("value")?.as_str(),
                _ => None,
            }
        };
        let same =
            text("resourceId").is_some_and(|r| r.trim_end_matches('/').eq_ignore_ascii_case(id));
        let ok = text("status").is_some_and(|s| s.eq_ignore_ascii_case("Succeeded"));
        let (Some(op), Some(at)) = (
            text("operationName").map(str::to_ascii_lowercase),
            text("eventTimestamp").and_then(parse_event_time),
        ) else {
            continue;
        };
        if !same || !ok {
            continue;
        }
        if op.ends_with("/write") {
            writes.push(at);
        } else if op.ends_with("/delete") {
            deletes.push(at);
        }
    }
    Ok((writes, deletes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;
    use crate::domain::{Deployment, Resource, Sku};

    fn t(s: &str) -> Time {
        parse_time_arg(s).unwrap()
    }

    fn applied(
        current: &Estate,
        merged: Estate,
        listed: &Listed,
        ev: &Evidence,
        now: Time,
    ) -> (Estate, Vec<Dated>, Vec<Lookup>) {
        let a = apply(current, merged, listed, ev, now);
        (a.estate, a.dated, a.lookups)
    }

    const ACC: &str =
        "/subscriptions/s/resourcegroups/rg/providers/microsoft.cognitiveservices/accounts/east";

    fn dep(name: &str, sizes: &[(&str, i64, bool)]) -> Deployment {
        Deployment {
            id: format!("{ACC}/deployments/{name}"),
            resource: ACC.into(),
            model: "gpt-4o".into(),
            version: "2024-08-06".into(),
            sku: Sku::Regional,
            sizes: sizes
                .iter()
                .map(|(at, ptu, approximate)| Size {
                    at: t(at),
                    ptu: *ptu,
                    approximate: *approximate,
                })
                .collect(),
            deleted: None,
            deleted_approximate: false,
        }
    }

    fn estate(deps: Vec<Deployment>) -> Estate {
        let mut e = Estate::empty();
        e.resources.push(Resource {
            id: ACC.into(),
            subscription: "s".into(),
            resource_group: "rg".into(),
            region: "eastus2".into(),
            deleted: None,
            purged: None,
            deleted_approximate: false,
            purged_approximate: false,
        });
        e.deployments = deps;
        e
    }

    #[test]
    fn a_resize_takes_the_latest_write_after_the_previous_size() {
        let now = t("2026-12-05T00:00:00Z");
        let current = estate(vec![dep("chat", &[("2026-10-01T00:00:00Z", 300, false)])]);
        let merged = estate(vec![dep(
            "chat",
            &[
                ("2026-10-01T00:00:00Z", 300, false),
                ("2026-12-05T00:00:00Z", 400, true),
            ],
        )]);
        let id = merged.deployments[0].id.clone();
        let listed: Listed = [(ACC.to_string(), [id.clone()].into())].into();
        let (_, dated, lookups) =
            applied(&current, merged.clone(), &listed, &Evidence::default(), now);
        assert_eq!(
            lookups,
            vec![Lookup {
                id: id.clone(),
                after: t("2026-10-01T00:00:00Z")
            }]
        );
        assert_eq!(dated[0].source, Source::SyncTime);
        let mut ev = Evidence::default();
        ev.writes.insert(
            id.clone(),
            vec![
                t("2026-09-01T00:00:00Z"),
                t("2026-12-03T10:15:00Z"),
                t("2026-11-20T00:00:00Z"),
                t("2026-12-06T00:00:00Z"),
            ],
        );
        let (e, dated, _) = applied(&current, merged, &listed, &ev, now);
        assert_eq!(
            e.deployments[0].sizes[1],
            Size {
                at: t("2026-12-03T10:15:00Z"),
                ptu: 400,
                approximate: false
            }
        );
        assert_eq!(dated[0].source, Source::ActivityLog);
        assert_eq!(
            dated[0].what,
            "deployment chat on east resized 300 -> 400 PTU"
        );
    }

    #[test]
    fn a_deployment_missing_from_a_listed_account_is_deleted() {
        let now = t("2026-12-05T00:00:00Z");
        let current = estate(vec![
            dep("gone", &[("2026-10-01T00:00:00Z", 15, false)]),
            dep("planned", &[("2027-01-01T00:00:00Z", 50, false)]),
        ]);
        let gone = current.deployments[0].id.clone();
        let listed: Listed = [(ACC.to_string(), BTreeSet::new())].into();
        let (e, dated, _) = applied(
            &current,
            current.clone(),
            &listed,
            &Evidence::default(),
            now,
        );
        assert_eq!(e.deployments[0].deleted, Some(now));
        assert!(e.deployments[0].deleted_approximate);
        assert_eq!(e.deployments[1].deleted, None, "plans are left alone");
        assert_eq!(dated.len(), 1);

        let mut ev = Evidence::default();
        ev.deletes
            .insert(gone.clone(), vec![t("2026-12-02T16:40:00Z")]);
        let (e, _, _) = applied(&current, current.clone(), &listed, &ev, now);
        assert_eq!(e.deployments[0].deleted, Some(t("2026-12-02T16:40:00Z")));
        assert!(!e.deployments[0].deleted_approximate);

        // An account whose list was not read deletes nothing.
        let (e, dated, lookups) = applied(&current, current.clone(), &Listed::new(), &ev, now);
        assert_eq!(e, current);
        assert!(dated.is_empty() && lookups.is_empty());
    }

    #[test]
    fn a_grown_commitment_and_a_flipped_renewal_take_the_plans_latest_write() {
        use crate::domain::{Addition, Commitment, CommitmentRenewalChange};
        let now = t("2026-12-05T00:00:00Z");
        let plan = format!("{ACC}/commitmentplans/p");
        let mut current = estate(vec![]);
        current.commitments.push(Commitment {
            id: plan.clone(),
            resource: ACC.into(),
            start: t("2026-11-01T00:00:00Z"),
            ptu: 300,
            additions: vec![Addition {
                at: t("2026-11-10T00:00:00Z"),
                ptu: 50,
                approximate: false,
            }],
            renewal: CommitmentRenewal::Autorenew,
            renewal_changes: vec![],
            price: None,
        });
        let mut merged = current.clone();
        merged.commitments[0].additions.push(Addition {
            at: now,
            ptu: 100,
            approximate: false,
        });
        merged.commitments[0]
            .renewal_changes
            .push(CommitmentRenewalChange {
                at: now,
                renewal: CommitmentRenewal::None,
                approximate: false,
            });
        let (_, _, lookups) = applied(
            &current,
            merged.clone(),
            &Listed::new(),
            &Evidence::default(),
            now,
        );
        assert_eq!(
            lookups,
            vec![Lookup {
                id: plan.clone(),
                after: t("2026-11-01T00:00:00Z")
            }],
            "one question per plan, over the widest window"
        );
        let mut ev = Evidence::default();
        ev.writes.insert(
            plan.clone(),
            vec![t("2026-11-05T00:00:00Z"), t("2026-12-02T12:00:00Z")],
        );
        let (e, dated, _) = applied(&current, merged.clone(), &Listed::new(), &ev, now);
        let c = &e.commitments[0];
        assert_eq!(c.additions[1].at, t("2026-12-02T12:00:00Z"));
        assert_eq!(c.renewal_changes[0].at, t("2026-12-02T12:00:00Z"));
        assert_eq!(dated.len(), 2);
        assert_eq!(dated[0].what, "commitment p on east grown by 100 PTU");
        assert_eq!(
            dated[1].what,
            "commitment p on east renewal set to don't renew"
        );
        // The growth has one write since the previous addition: exact.
        assert_eq!(dated[0].source, Source::ActivityLog);
        assert!(!c.additions[1].approximate);
        // The flip has two since the start, and the log does not say which
        // one set it: the latest, approximate.
        assert_eq!(dated[1].source, Source::ActivityLogShared);
        assert!(c.renewal_changes[0].approximate);
        assert!(
            dated[1].line().contains("approximate"),
            "{}",
            dated[1].line()
        );

        // One write since the start: it made both changes.
        ev.writes
            .insert(plan.clone(), vec![t("2026-12-02T12:00:00Z")]);
        let (e, dated, _) = applied(&current, merged.clone(), &Listed::new(), &ev, now);
        assert!(dated.iter().all(|d| d.source == Source::ActivityLog));
        let c = &e.commitments[0];
        assert!(!c.additions[1].approximate && !c.renewal_changes[0].approximate);

        // No write at all: both at the sync time, approximate.
        let (e, dated, _) = applied(&current, merged, &Listed::new(), &Evidence::default(), now);
        assert!(dated.iter().all(|d| d.source == Source::SyncTime));
        let c = &e.commitments[0];
        assert_eq!((c.additions[1].at, c.renewal_changes[0].at), (now, now));
        assert!(c.additions[1].approximate && c.renewal_changes[0].approximate);
    }

    #[test]
    fn one_reservation_change_takes_its_update_time_several_are_approximate() {
        use crate::domain::{
            Billing, Reservation, ReservationRenewal, ReservationRenewalChange, Scope, ScopeChange,
            Term,
        };
        let now = t("2026-12-05T00:00:00Z");
        let id = "/providers/microsoft.capacity/reservationorders/o/reservations/r".to_string();
        let mut current = estate(vec![]);
        current.reservations.push(Reservation {
            id: id.clone(),
            name: "east".into(),
            region: "eastus2".into(),
            sku: Sku::Regional,
            ptu: 100,
            term: Term::OneMonth,
            billing: Billing::Monthly,
            start: t("2026-11-20T08:00:00Z"),
            scope: Scope::Subscription {
                subscription: "s".into(),
            },
            scope_changes: vec![],
            renewal: ReservationRenewal::Autorenew,
            renewal_changes: vec![],
            refunded_at: None,
            refunded_approximate: false,
            refunded_reported: false,
            moved_at: None,
            effective_from: None,
            price: None,
        });
        let scoped = |e: &mut Estate| {
            e.reservations[0].scope_changes.push(ScopeChange {
                at: now,
                scope: Scope::Shared {
                    billing_account: "ba".into(),
                },
                approximate: true,
            })
        };
        let mut ev = Evidence::default();
        ev.reservation_updates
            .insert(id.clone(), t("2026-12-04T09:00:00Z"));

        // A scope change alone: the update time is its own.
        let mut merged = current.clone();
        scoped(&mut merged);
        let (e, dated, _) = applied(&current, merged.clone(), &Listed::new(), &ev, now);
        let ch = &e.reservations[0].scope_changes[0];
        assert_eq!((ch.at, ch.approximate), (t("2026-12-04T09:00:00Z"), false));
        assert_eq!(dated[0].source, Source::ReservationRecord);

        // With a renewal flip too: one instant for both, approximate.
        merged.reservations[0]
            .renewal_changes
            .push(ReservationRenewalChange {
                at: now,
                renewal: ReservationRenewal::None,
                approximate: true,
            });
        let (e, dated, _) = applied(&current, merged.clone(), &Listed::new(), &ev, now);
        let r = &e.reservations[0];
        assert_eq!(r.scope_changes[0].at, t("2026-12-04T09:00:00Z"));
        assert_eq!(r.renewal_changes[0].at, t("2026-12-04T09:00:00Z"));
        assert!(r.scope_changes[0].approximate && r.renewal_changes[0].approximate);
        assert_eq!(dated.len(), 2);
        assert!(
            dated
                .iter()
                .all(|d| d.source == Source::ReservationRecordShared && d.approximate())
        );

        // A rename also moves the update time.
        let mut renamed = current.clone();
        scoped(&mut renamed);
        renamed.reservations[0].name = "east (prod)".into();
        let (e, _, _) = applied(&current, renamed, &Listed::new(), &ev, now);
        assert!(e.reservations[0].scope_changes[0].approximate);

        // A cancellation with an update time before the previous change
        // can't be dated by it: the sync time, approximate.
        let mut cancelled = current.clone();
        cancelled.reservations[0].refunded_at = Some(now);
        cancelled.reservations[0].refunded_approximate = true;
        ev.reservation_updates
            .insert(id.clone(), t("2026-11-01T00:00:00Z"));
        let (e, dated, _) = applied(&current, cancelled, &Listed::new(), &ev, now);
        let r = &e.reservations[0];
        assert_eq!((r.refunded_at, r.refunded_approximate), (Some(now), true));
        assert_eq!(dated[0].source, Source::SyncTime);
    }

    /// The account gone from its subscription's list (read completely), with
    /// what list-deleted showed.
    fn gone(soft: Option<Option<SoftDeleted>>) -> Evidence {
        let mut ev = Evidence::default();
        ev.accounts.insert("s".into(), BTreeSet::new());
        if let Some(shown) = soft {
            ev.soft_deleted.insert(
                "s".into(),
                shown.map(|x| [(ACC.to_string(), x)].into_iter().collect()),
            );
        }
        ev
    }

    #[test]
    fn a_vanished_account_soft_deleted_waits_for_its_purge() {
        let now = t("2026-12-05T00:00:00Z");
        let current = estate(vec![dep("chat", &[("2026-10-01T00:00:00Z", 300, false)])]);
        let ev = gone(Some(Some(SoftDeleted {
            deleted: Some(t("2026-12-04T10:00:00Z")),
            purge: Some(t("2026-12-06T10:00:00Z")),
        })));
        let (e, dated, lookups) = applied(&current, current.clone(), &Listed::new(), &ev, now);
        let r = &e.resources[0];
        assert_eq!(r.deleted, Some(t("2026-12-04T10:00:00Z")));
        assert_eq!(
            r.purged,
            Some(t("2026-12-06T10:00:00Z")),
            "a plan: still ahead"
        );
        assert!(!r.deleted_approximate && !r.purged_approximate);
        assert!(lookups.is_empty(), "list-deleted dated it: no log asked");
        assert_eq!(
            dated.iter().map(Dated::line).collect::<Vec<_>>(),
            [
                "account east deleted at 2026-12-04T10:00:00Z (from az cognitiveservices account list-deleted)",
                "account east purge scheduled at 2026-12-06T10:00:00Z (from az cognitiveservices account list-deleted)",
            ]
        );
        assert_eq!(e.deployments[0].deleted, None, "it bills until the purge");

        // The next sync, still soft-deleted: nothing new.
        let (again, dated, _) = applied(&e, e.clone(), &Listed::new(), &ev, now);
        assert_eq!(again, e);
        assert!(dated.is_empty());

        // Purged before its schedule: at the sync time, approximate.
        let later = t("2026-12-05T12:00:00Z");
        let (same, dated, _) = applied(&e, e.clone(), &Listed::new(), &gone(Some(None)), later);
        assert_eq!(same, e, "an unreadable list says nothing new");
        assert!(dated.is_empty());
        let mut empty = gone(None);
        empty.soft_deleted.insert("s".into(), Some(BTreeMap::new()));
        let (e3, dated, _) = applied(&e, e.clone(), &Listed::new(), &empty, later);
        let r = &e3.resources[0];
        assert_eq!((r.purged, r.purged_approximate), (Some(later), true));
        assert_eq!(r.deleted, Some(t("2026-12-04T10:00:00Z")));
        assert_eq!(dated.len(), 1);
        assert_eq!(dated[0].what, "account east purged");
        assert_eq!(dated[0].source, Source::SyncTime);

        // Listed again before the purge: recovered.
        let mut live = gone(None);
        live.accounts.insert("s".into(), [ACC.to_string()].into());
        let a = apply(&e, e.clone(), &Listed::new(), &live, now);
        assert_eq!(a.estate.resources[0], current.resources[0]);
        assert!(a.notes[0].contains("taken as recovered"), "{:?}", a.notes);
    }

    #[test]
    fn a_vanished_account_not_soft_deleted_is_purged_at_its_deletion() {
        let now = t("2026-12-05T00:00:00Z");
        let current = estate(vec![
            dep("chat", &[("2026-10-01T00:00:00Z", 300, false)]),
            dep("planned", &[("2027-01-01T00:00:00Z", 50, false)]),
        ]);
        let mut listed_nowhere = gone(None);
        listed_nowhere
            .soft_deleted
            .insert("s".into(), Some(BTreeMap::new()));

        // The activity log recorded the account's deletion.
        let mut ev = listed_nowhere.clone();
        ev.deletes.insert(
            ACC.into(),
            vec![t("2026-09-01T00:00:00Z"), t("2026-12-03T16:00:00Z")],
        );
        let a = apply(&current, current.clone(), &Listed::new(), &ev, now);
        assert_eq!(
            a.lookups,
            vec![Lookup {
                id: ACC.into(),
                after: t("2026-10-01T00:00:00Z")
            }],
            "asked from the last instant the store knows on it"
        );
        let r = &a.estate.resources[0];
        assert_eq!(r.deleted, Some(t("2026-12-03T16:00:00Z")));
        assert_eq!(r.purged, Some(t("2026-12-03T16:00:00Z")));
        assert!(!r.deleted_approximate, "from the activity log");
        assert!(r.purged_approximate, "Azure keeps no record of the purge");
        assert_eq!(a.dated[0].source, Source::ActivityLog);
        assert_eq!(a.dated[1].source, Source::AtDeletion);
        // A deployment planned on it can't happen any more.
        assert_eq!(a.estate.deployments.len(), 1);
        assert!(a.notes[0].contains("planned deployment planned on east removed"));

        // Nothing recorded: both at the sync time, approximate.
        let a = apply(
            &current,
            current.clone(),
            &Listed::new(),
            &listed_nowhere,
            now,
        );
        let r = &a.estate.resources[0];
        assert_eq!((r.deleted, r.purged), (Some(now), Some(now)));
        assert!(r.deleted_approximate && r.purged_approximate);
        assert_eq!(a.dated[0].source, Source::SyncTime);

        // list-deleted unreadable: deleted, the purge unknown (it bills on).
        let a = apply(
            &current,
            current.clone(),
            &Listed::new(),
            &gone(Some(None)),
            now,
        );
        let r = &a.estate.resources[0];
        assert_eq!((r.deleted, r.purged), (Some(now), None));
        assert_eq!(a.dated.len(), 1);

        // An account already purged, a hand-written resource, and a
        // subscription not read completely: left alone.
        let mut purged = current.clone();
        purged.resources[0].deleted = Some(t("2026-11-01T00:00:00Z"));
        purged.resources[0].purged = Some(t("2026-11-03T00:00:00Z"));
        let a = apply(
            &purged,
            purged.clone(),
            &Listed::new(),
            &listed_nowhere,
            now,
        );
        assert_eq!(a.estate, purged);
        let mut own = current.clone();
        own.resources[0].id = "aoai-east".into();
        let a = apply(&own, own.clone(), &Listed::new(), &listed_nowhere, now);
        assert_eq!(a.estate, own);
        let a = apply(
            &current,
            current.clone(),
            &Listed::new(),
            &Evidence::default(),
            now,
        );
        assert_eq!(a.estate, current);
    }

    #[test]
    fn account_ids_and_deleted_account_ids() {
        assert_eq!(account_subscription(ACC), Some("s"));
        assert_eq!(account_subscription("aoai-east"), None);
        assert_eq!(
            account_subscription(&format!("{ACC}/deployments/chat")),
            None
        );
        assert_eq!(
            account_of_deleted(
                "/subscriptions/S/providers/Microsoft.CognitiveServices/locations/eastus2/resourceGroups/RG/deletedAccounts/East"
            )
            .as_deref(),
            Some(ACC)
        );
        assert_eq!(
            account_of_deleted("/subscriptions/s/resourceGroups/rg"),
            None
        );
    }

    #[test]
    fn activity_log_events_are_filtered_by_resource_status_and_operation() {
        let id = format!("{ACC}/deployments/chat");
        let json = format!(
            r#"[
            {{"resourceId": "{up}", "status": {{"value": "Succeeded"}}, "operationName": {{"value": "Microsoft.CognitiveServices/accounts/deployments/write"}}, "eventTimestamp": "2026-12-03T10:15:02.1234567Z"}},
            {{"resourceId": "{id}", "status": {{"value": "Started"}}, "operationName": {{"value": "Microsoft.CognitiveServices/accounts/deployments/write"}}, "eventTimestamp": "2026-12-03T10:14:50Z"}},
            {{"resourceId": "{id}/other", "status": {{"value": "Succeeded"}}, "operationName": {{"value": "x/delete"}}, "eventTimestamp": "2026-12-03T11:00:00Z"}},
            {{"resourceId": "{id}", "status": {{"value": "Succeeded"}}, "operationName": {{"value": "Microsoft.CognitiveServices/accounts/deployments/delete"}}, "eventTimestamp": "2026-12-04T00:00:00Z"}}
        ]"#,
            up = id.to_uppercase()
        );
        let (w, d) = activity("az monitor", json.as_bytes(), &id).unwrap();
        assert_eq!(w, vec![t("2026-12-03T10:15:02.1234567Z")]);
        assert_eq!(d, vec![t("2026-12-04T00:00:00Z")]);
        let e = activity("az monitor x", b"<html>", &id).unwrap_err();
        assert_eq!(e.file, "az monitor x");
        assert!(e.message.contains("not valid JSON"), "{e}");
    }
}

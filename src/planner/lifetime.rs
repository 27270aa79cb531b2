//! How long a workload needs its capacity: the period options and remedies
//! are compared over (docs: "the lifetime of a workload").
//!
//! A workload is a set of deployments. Its lifetime runs until its planned
//! deletion when one is known: the latest instant at which one of its
//! deployments stops (its own deletion, or its resource's deletion or
//! purge), when every deployment has one after now. Otherwise it is
//! open-ended, taken as at least twelve months ([`OPEN_ENDED_MONTHS`]), and
//! every output that uses it says so ([`Lifetime::describe`]).
//!
//! Decisions where the sources are silent:
//! - A resource's deletion ends its deployments' workload even though a
//!   soft-deleted account bills until it is purged: deleting the account
//!   says the capacity is no longer needed; what it still bills is a cost
//!   to remove (purge), not a need to cover.
//! - Deployments that stopped at or before now are not part of the
//!   workload; a workload with no deployment left (an instrument with
//!   nothing in reach) lasts until now: nothing needs its capacity.
//! - A deployment created after now (a planned deployment) is part of the
//!   workload from its creation.

use crate::domain::Estate;
use crate::domain::plan::Lifetime;
use crate::domain::time::{Time, add_months, fmt_time};
use serde::Serialize;
use serde::ser::SerializeMap;

/// The months an open-ended workload is taken to last, at least.
pub const OPEN_ENDED_MONTHS: u32 = 12;

impl Lifetime {
    /// Open-ended, taken as the default twelve months.
    pub fn open_ended() -> Lifetime {
        Lifetime::OpenEnded {
            assumed_months: OPEN_ENDED_MONTHS,
        }
    }

    /// The instant the lifetime ends, for a workload looked at from `now`
    /// (an open-ended one: `now` plus its assumed months, calendar months).
    pub fn end(&self, now: Time) -> Time {
        match *self {
            Lifetime::Until(t) => t,
            Lifetime::OpenEnded { assumed_months } => {
                add_months(now, assumed_months.max(OPEN_ENDED_MONTHS) as i32)
            }
        }
    }

    /// True when a deletion is planned.
    pub fn is_planned(&self) -> bool {
        matches!(self, Lifetime::Until(_))
    }

    /// The lifetime for output: `until 2027-04-01 (planned deletion)`,
    /// `open-ended, taken as 12 months`. An end that is not a midnight
    /// shows its time as well.
    pub fn describe(&self) -> String {
        match *self {
            Lifetime::Until(t) => {
                let when = if t.time() == chrono::NaiveTime::MIN {
                    t.format("%Y-%m-%d").to_string()
                } else {
                    t.format("%Y-%m-%d %H:%M UTC").to_string()
                };
                format!("until {when} (planned deletion)")
            }
            Lifetime::OpenEnded { assumed_months } => {
                format!("open-ended, taken as {assumed_months} months")
            }
        }
    }

    /// The lifetime made at least as long as a window ending at `to`: an
    /// open-ended workload looked at over more than twelve months is taken
    /// as the whole window (in whole months, rounded up). A planned
    /// deletion stays as it is.
    pub fn at_least_until(self, now: Time, to: Time) -> Lifetime {
        match self {
            Lifetime::Until(_) => self,
            Lifetime::OpenEnded { assumed_months } => {
                let mut m = assumed_months.max(OPEN_ENDED_MONTHS);
                while add_months(now, m as i32) < to {
                    m += 1;
                }
                Lifetime::OpenEnded { assumed_months: m }
            }
        }
    }
}

/// JSON: `{"kind": "until", "until": "2027-04-01T00:00:00Z", "text": "..."}`
/// or `{"kind": "open_ended", "assumed_months": 12, "text": "..."}`.
impl Serialize for Lifetime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        match *self {
            Lifetime::Until(t) => {
                m.serialize_entry("kind", "until")?;
                m.serialize_entry("until", &fmt_time(t))?;
            }
            Lifetime::OpenEnded { assumed_months } => {
                m.serialize_entry("kind", "open_ended")?;
                m.serialize_entry("assumed_months", &assumed_months)?;
            }
        }
        m.serialize_entry("text", &self.describe())?;
        m.end()
    }
}

/// The instant a deployment stops for good, if one is recorded: its own
/// deletion, or its resource's deletion or purge, whichever comes first.
pub fn deployment_end(estate: &Estate, deployment: &str) -> Option<Time> {
    let d = estate.deployments.iter().find(|d| d.id == deployment)?;
    let r = estate.resource(&d.resource);
    [
        d.deleted,
        r.and_then(|r| r.deleted),
        r.and_then(|r| r.purged),
    ]
    .into_iter()
    .flatten()
    .min()
}

/// The lifetime of the workload made of `deployments`, seen from `now`:
/// until the latest of their planned deletions when every one of them has
/// one after `now`, else open-ended (twelve months). Ids the estate doesn't
/// hold and deployments that stopped at or before `now` are left out; when
/// none is left, the lifetime is `Until(now)`.
pub fn lifetime_of<'a>(
    estate: &Estate,
    deployments: impl IntoIterator<Item = &'a str>,
    now: Time,
) -> Lifetime {
    let mut latest: Option<Time> = None;
    let mut any = false;
    for id in deployments {
        if !estate.deployments.iter().any(|d| d.id == id) {
            continue;
        }
        match deployment_end(estate, id) {
            Some(end) if end <= now => continue,
            Some(end) => {
                any = true;
                latest = Some(latest.map_or(end, |l| l.max(end)));
            }
            None => return Lifetime::open_ended(),
        }
    }
    match (any, latest) {
        (true, Some(t)) => Lifetime::Until(t),
        _ => Lifetime::Until(now),
    }
}

/// The lifetime of every deployment on `resource` (see [`lifetime_of`]).
pub fn lifetime_of_resource(estate: &Estate, resource: &str, now: Time) -> Lifetime {
    lifetime_of(
        estate,
        estate
            .deployments
            .iter()
            .filter(|d| d.resource == resource)
            .map(|d| d.id.as_str()),
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Deployment, Resource, Size, Sku};
    use chrono::TimeZone;

    fn t(y: i32, m: u32, d: u32) -> Time {
        chrono::Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    fn estate() -> Estate {
        let mut e = Estate::empty();
        for (id, deleted, purged) in [
            ("aoai-a", None, None),
            ("aoai-b", Some(t(2027, 3, 1)), Some(t(2027, 5, 1))),
        ] {
            e.resources.push(Resource {
                id: id.into(),
                subscription: "sub".into(),
                resource_group: "rg".into(),
                region: "eastus".into(),
                deleted,
                purged,
                deleted_approximate: false,
                purged_approximate: false,
            });
        }
        for (id, res, deleted) in [
            ("keep", "aoai-a", None),
            ("gone-april", "aoai-a", Some(t(2027, 4, 1))),
            ("gone-feb", "aoai-a", Some(t(2027, 2, 1))),
            ("gone-past", "aoai-a", Some(t(2026, 11, 1))),
            ("on-b", "aoai-b", None),
        ] {
            e.deployments.push(Deployment {
                id: id.into(),
                resource: res.into(),
                model: "gpt-4o".into(),
                version: "2024-08-06".into(),
                sku: Sku::Regional,
                sizes: vec![Size {
                    at: t(2026, 10, 1),
                    ptu: 100,
                    approximate: false,
                }],
                deleted,
                deleted_approximate: false,
            });
        }
        e
    }

    #[test]
    fn planned_deletions_give_the_latest() {
        let e = estate();
        let now = t(2026, 12, 1);
        assert_eq!(
            lifetime_of(&e, ["gone-april", "gone-feb"], now),
            Lifetime::Until(t(2027, 4, 1))
        );
        // A past deletion is not part of the workload.
        assert_eq!(
            lifetime_of(&e, ["gone-feb", "gone-past"], now),
            Lifetime::Until(t(2027, 2, 1))
        );
        // One deployment without a planned end makes it open-ended.
        assert_eq!(
            lifetime_of(&e, ["gone-april", "keep"], now),
            Lifetime::open_ended()
        );
        // The resource's deletion ends its deployments (before its purge).
        assert_eq!(
            lifetime_of(&e, ["on-b"], now),
            Lifetime::Until(t(2027, 3, 1))
        );
        assert_eq!(
            lifetime_of_resource(&e, "aoai-b", now),
            Lifetime::Until(t(2027, 3, 1))
        );
        // Nothing left: until now.
        assert_eq!(lifetime_of(&e, ["gone-past"], now), Lifetime::Until(now));
        assert_eq!(lifetime_of(&e, [], now), Lifetime::Until(now));
    }

    #[test]
    fn describe_and_end() {
        let now = t(2026, 12, 1);
        assert_eq!(
            Lifetime::Until(t(2027, 4, 1)).describe(),
            "until 2027-04-01 (planned deletion)"
        );
        assert_eq!(
            Lifetime::open_ended().describe(),
            "open-ended, taken as 12 months"
        );
        assert_eq!(Lifetime::open_ended().end(now), t(2027, 12, 1));
        assert_eq!(
            Lifetime::open_ended().at_least_until(now, t(2028, 1, 15)),
            Lifetime::OpenEnded { assumed_months: 14 }
        );
        assert_eq!(
            Lifetime::open_ended().at_least_until(now, t(2027, 3, 1)),
            Lifetime::open_ended()
        );
        let json = serde_json::to_value(Lifetime::Until(t(2027, 4, 1))).unwrap();
        assert_eq!(json["kind"], "until");
        assert_eq!(json["until"], "2027-04-01T00:00:00Z");
        assert_eq!(json["text"], "until 2027-04-01 (planned deletion)");
    }
}

//! `check --digest daily|weekly`: one message a channel and period saying
//! what is new since the channel's last digest, what got worse (its
//! severity or its level grew, as an acknowledgement judges it), what was
//! fixed (no longer raised at all), and the money at stake. Each digest
//! records what it reported; the next one compares with that.

use super::{Report, Section, counts, cut, dollars, order, over};
use crate::domain::money::parse_money;
use crate::domain::notice::{Notification, Severity};
use crate::domain::time::Time;
use crate::safe;
use chrono::Datelike;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// How often a digest goes out.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Every {
    Daily,
    Weekly,
}

impl Every {
    /// The period `now` falls in, as the store keys it: "daily:2026-11-22"
    /// (the UTC day) or "weekly:2026-W47" (the ISO week).
    pub fn period(self, now: Time) -> String {
        match self {
            Every::Daily => format!("daily:{}", now.format("%Y-%m-%d")),
            Every::Weekly => {
                let w = now.iso_week();
                format!("weekly:{}-W{:02}", w.year(), w.week())
            }
        }
    }

    /// The prefix of this kind's periods.
    pub fn prefix(self) -> &'static str {
        match self {
            Every::Daily => "daily:",
            Every::Weekly => "weekly:",
        }
    }
}

/// A notification as a digest recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reported {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub severity: String,
    pub level: String,
    pub cost: String,
}

impl Reported {
    pub fn of(n: &Notification) -> Reported {
        Reported {
            id: n.id.clone(),
            kind: n.kind.to_string(),
            subject: n.subject.clone(),
            severity: n.severity.name().to_string(),
            level: n.level.to_string(),
            cost: n.cost_impact.to_string(),
        }
    }

    fn severity(&self) -> Severity {
        Severity::from_name(&self.severity).unwrap_or(Severity::Info)
    }

    fn money(s: &str) -> Decimal {
        parse_money(s).unwrap_or(Decimal::ZERO)
    }
}

/// The items a digest records, as the store keeps them.
pub fn record(current: &[Notification]) -> String {
    let items: Vec<Reported> = current.iter().map(Reported::of).collect();
    serde_json::to_string(&items).expect("serializes")
}

/// Reads what an earlier digest recorded.
pub fn recorded(json: &str) -> Result<Vec<Reported>, String> {
    serde_json::from_str(json).map_err(|e| format!("a recorded digest does not read: {e}"))
}

/// What changed since the last digest.
pub struct Digest<'a> {
    /// "daily:2026-11-22".
    pub period: String,
    /// The period of the digest compared with, if any.
    pub since: Option<String>,
    pub new: Vec<&'a Notification>,
    /// Worse, with what it was.
    pub worse: Vec<(&'a Notification, Reported)>,
    pub fixed: Vec<Reported>,
    pub unchanged: Vec<&'a Notification>,
    /// Everything in force (new, worse and unchanged).
    pub current: Vec<&'a Notification>,
}

/// Compares the notifications in force (`current`: shown, not silenced)
/// with the previous digest. `raised` holds every notification raised now,
/// silenced or below `--min-severity` included: only what is no longer
/// raised at all counts as fixed.
pub fn diff<'a>(
    period: String,
    current: &'a [Notification],
    raised: &HashSet<String>,
    previous: Option<(String, Vec<Reported>)>,
) -> Digest<'a> {
    let (since, before) = match previous {
        Some((p, items)) => (Some(p), items),
        None => (None, vec![]),
    };
    let was: BTreeMap<&str, &Reported> = before.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut d = Digest {
        period,
        since,
        new: vec![],
        worse: vec![],
        fixed: vec![],
        unchanged: vec![],
        current: current.iter().collect(),
    };
    for n in current {
        match was.get(n.id.as_str()) {
            None => d.new.push(n),
            Some(r) if n.severity > r.severity() || n.level > Reported::money(&r.level) => {
                d.worse.push((n, (*r).clone()))
            }
            Some(_) => d.unchanged.push(n),
        }
    }
    d.fixed = before
        .iter()
        .filter(|r| !raised.contains(&r.id))
        .cloned()
        .collect();
    order(&mut d.new);
    order(&mut d.unchanged);
    order(&mut d.current);
    d.worse.sort_by(|a, b| {
        b.0.severity
            .cmp(&a.0.severity)
            .then(b.0.cost_impact.cmp(&a.0.cost_impact))
            .then(a.0.id.cmp(&b.0.id))
    });
    d.fixed.sort_by(|a, b| {
        Reported::money(&b.cost)
            .cmp(&Reported::money(&a.cost))
            .then(a.id.cmp(&b.id))
    });
    d
}

/// The digest as a message, each section cut to `cap` items.
pub fn report(d: &Digest, horizon: chrono::Duration, cap: usize) -> Report {
    let total: Decimal = d.current.iter().map(|n| n.cost_impact).sum();
    let per_day: Decimal = d.current.iter().map(|n| n.cost_per_day).sum();
    let name = d.period.replace(':', " ");
    let since = d
        .since
        .as_deref()
        .map_or("the first digest".to_string(), |s| {
            format!("since {}", s.split_once(':').map_or(s, |(_, p)| p))
        });
    let mut sections = Vec::new();
    let mut new = d.new.clone();
    order(&mut new);
    let (items, more) = cut(&new, cap, horizon);
    if !items.is_empty() {
        sections.push(Section {
            heading: Some(format!("New ({})", d.new.len())),
            items,
            more,
        });
    }
    let worse: Vec<&Notification> = d.worse.iter().map(|(n, _)| *n).collect();
    let (mut items, more) = cut(&worse, cap, horizon);
    for (it, (_, was)) in items.iter_mut().zip(&d.worse) {
        it.lines.insert(
            0,
            format!(
                "Was {} at the last digest, costing {}",
                was.severity,
                dollars(Reported::money(&was.cost))
            ),
        );
    }
    if !items.is_empty() {
        sections.push(Section {
            heading: Some(format!("Worse ({})", d.worse.len())),
            items,
            more,
        });
    }
    if !d.fixed.is_empty() {
        let items = d
            .fixed
            .iter()
            .take(cap)
            .map(|r| super::Item {
                severity: r.severity(),
                tag: "FIXED".to_string(),
                head: format!("{}  {}", safe::plain(&r.kind), safe::plain(&r.subject)),
                lines: vec![format!(
                    "No longer raised; it was {}, costing {} (id {})",
                    r.severity,
                    dollars(Reported::money(&r.cost)),
                    r.id
                )],
            })
            .collect();
        let rest = d.fixed.len().saturating_sub(cap);
        let more = (rest > 0).then(|| {
            let left: Decimal = d.fixed[cap..]
                .iter()
                .map(|r| Reported::money(&r.cost))
                .sum();
            format!("and {rest} more fixed, which cost {}", dollars(left))
        });
        sections.push(Section {
            heading: Some(format!("Fixed ({})", d.fixed.len())),
            items,
            more,
        });
    }
    let mut summary = if d.current.is_empty() {
        "Nothing is raised.".to_string()
    } else {
        format!(
            "{} in force ({}): {} at stake over {}, {} a day from now on.",
            d.current.len(),
            counts(d.current.iter().map(|n| &n.severity)),
            dollars(total),
            over(horizon),
            dollars(per_day)
        )
    };
    summary.push_str(&format!(
        " {} new, {} worse, {} fixed, {} unchanged {since}.",
        d.new.len(),
        d.worse.len(),
        d.fixed.len(),
        d.unchanged.len()
    ));
    Report {
        subject: format!(
            "ptudesk {name} digest: {} new, {} worse, {} fixed; {} at stake",
            d.new.len(),
            d.worse.len(),
            d.fixed.len(),
            dollars(total)
        ),
        summary,
        sections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn periods_are_utc_days_and_iso_weeks() {
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 11, 22, 23, 59, 0)
            .unwrap();
        assert_eq!(Every::Daily.period(t), "daily:2026-11-22");
        assert_eq!(Every::Weekly.period(t), "weekly:2026-W47");
        // 2027-01-01 is a Friday: ISO week 53 of 2026.
        let t = chrono::Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(Every::Weekly.period(t), "weekly:2026-W53");
    }
}

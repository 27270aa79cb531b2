//! Notifications and their acknowledgements, as plain data: what the
//! alerts find, what the store keeps and what both faces show.

use super::plan::Remedy;
use super::time::Time;
use rust_decimal::Decimal;

/// How much a notification matters: money and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn from_name(s: &str) -> Option<Severity> {
        [Severity::Info, Severity::Warning, Severity::Critical]
            .into_iter()
            .find(|x| x.name() == s)
    }
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Stable: a hash of kind, subject and the triggering instant.
    pub id: String,
    /// One of the kinds the alerts raise (docs/notifications.md#kinds).
    pub kind: &'static str,
    pub severity: Severity,
    /// The id of the object it is about.
    pub subject: String,
    /// When it happens (or happened).
    pub at: Time,
    pub message: String,
    /// The rated cost it causes within [at, at + horizon) of the check.
    pub cost_impact: Decimal,
    /// How bad it is, measured so that it does not move with the check's
    /// instant or horizon: a rate (cost a day) for a condition that lasts,
    /// the amount of a one-off charge, the PTU deployed against a quota.
    /// An acknowledgement holds while this does not grow.
    pub level: Decimal,
    /// What avoids it: the first remedy in words, when there is one.
    pub action: String,
    /// What it costs a day from now on, from the rated hours.
    pub cost_per_day: Decimal,
    /// What can be done, priced: safe first, then by the saving over the
    /// workload's lifetime.
    pub remedies: Vec<Remedy>,
}

/// Acknowledgements that silence notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub id: String,
    pub at: Time,
    pub until: Option<Time>,
    pub note: String,
    /// The cost when acknowledged (as `check` showed it).
    pub cost: Decimal,
    /// The notification's [`Notification::level`] and severity when
    /// acknowledged: it returns if either grows.
    pub level: Decimal,
    pub severity: Severity,
}

impl Ack {
    /// An acknowledgement of `n` made at `at`.
    pub fn of(n: &Notification, at: Time, until: Option<Time>, note: &str) -> Ack {
        Ack {
            id: n.id.clone(),
            at,
            until,
            note: note.to_string(),
            cost: n.cost_impact,
            level: n.level,
            severity: n.severity,
        }
    }
}

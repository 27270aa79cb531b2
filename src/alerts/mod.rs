//! Notifications: pure rules over the estate and the rating core's results
//! (DOMAIN.md 6). Being built: the types below are the contract.

use crate::domain::Estate;
use crate::domain::prices::PriceBook;
use crate::domain::time::Time;
use crate::rating::RatingError;
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
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Stable: a hash of kind, subject and the triggering instant.
    pub id: String,
    /// One of INTERFACE.md's kinds, e.g. `commitment_expiring`.
    pub kind: &'static str,
    pub severity: Severity,
    /// The id of the object it is about.
    pub subject: String,
    /// When it happens (or happened).
    pub at: Time,
    pub message: String,
    /// The rated cost it causes within [at, at + horizon).
    pub cost_impact: Decimal,
    /// What avoids it.
    pub action: String,
}

/// The notifications in force at `at` or due within `horizon`, most severe first.
pub fn evaluate(
    _estate: &Estate,
    _book: &PriceBook,
    _config: &crate::config::Config,
    _at: Time,
    _horizon: chrono::Duration,
) -> Result<Vec<Notification>, RatingError> {
    Ok(Vec::new())
}

//! Notifications where the store does not know the estate's reservations:
//! a sync could not read them (`ptudesk sync --allow-partial`), and the
//! store marks them unknown from that sync until one reads them again.
//!
//! The rating core rates what the store holds, so an hour it shows paying
//! the hourly rate may in fact be covered by a reservation ptudesk could
//! not read. Such overage is not presented as certain:
//!
//! - a notification of its own, [`KIND`] (warning), says since when the
//!   reservations are unknown, why, and how much overage it holds back;
//! - `hourly_overage` and `commitment_overage` are capped at warning and
//!   say that a reservation ptudesk could not read may cover them;
//! - an expiry's cost afterwards (the hourly rate) gets the same caveat; its
//!   severity stays, as the expiry itself is certain.
//!
//! Every region and deployment type is affected: a reservation's order
//! list does not say its region or type, so nothing narrower is known.

use super::{horizon_words, notification_id};
use crate::domain::money::fmt_money_grouped;
use crate::domain::notice::{Notification, Severity};
use crate::domain::time::fmt_time;
use crate::store::Unread;
use chrono::Duration;
use rust_decimal::Decimal;

/// The kind of the notification that the reservations are unknown.
pub const KIND: &str = "reservations_unknown";

/// The words an overage notification gets while reservations are unknown.
pub const MAY_BE_COVERED: &str = "may be covered by a reservation ptudesk could not read";

/// The kinds whose cost is hourly overage a reservation might cover.
const OVERAGE: [&str; 2] = ["hourly_overage", "commitment_overage"];
/// The kinds whose cost after an expiry is hourly overage.
const EXPIRY: [&str; 2] = ["commitment_expiring", "reservation_expiring"];

/// Tempers `list` (the notifications over `horizon`) for reservations
/// unknown since `unread`'s sync, and adds the [`KIND`] notification; with
/// `None`, leaves it as it is. The list stays most severe first, then by date.
pub fn temper(list: &mut Vec<Notification>, unread: Option<&Unread>, horizon: Duration) {
    let Some(u) = unread else {
        return;
    };
    let since = fmt_time(u.since);
    let ended = |m: &str| {
        let m = m.trim_end();
        if m.ends_with('.') {
            m.to_string()
        } else {
            format!("{m}.")
        }
    };
    let (mut held, mut cost, mut level) = (0usize, Decimal::ZERO, Decimal::ZERO);
    for n in list.iter_mut() {
        if OVERAGE.contains(&n.kind) {
            held += 1;
            cost += n.cost_impact;
            level += n.level;
            n.severity = n.severity.min(Severity::Warning);
            n.message = format!(
                "{} This overage {MAY_BE_COVERED} (the estate's reservations are unknown since {since}).",
                ended(&n.message)
            );
            n.action = format!(
                "first make the reservations readable and sync again (see {KIND}); then, if it stays: {}",
                n.action
            );
        } else if EXPIRY.contains(&n.kind) {
            n.message = format!(
                "{} The hourly cost after it {MAY_BE_COVERED} (the estate's reservations are unknown since {since}).",
                ended(&n.message)
            );
        }
    }
    let last = if u.last > u.since {
        format!(", the latest at {}", fmt_time(u.last))
    } else {
        String::new()
    };
    let held_text = if held == 0 {
        "no overage notification is affected now".to_string()
    } else {
        format!(
            "{held} overage notification{} (${} within the next {}) {} held at warning",
            if held == 1 { "" } else { "s" },
            fmt_money_grouped(cost),
            horizon_words(horizon),
            if held == 1 { "is" } else { "are" }
        )
    };
    list.push(Notification {
        id: notification_id(KIND, "reservations", u.since),
        kind: KIND,
        severity: Severity::Warning,
        subject: "reservations".to_string(),
        at: u.since,
        message: format!(
            "The estate's reservations are unknown since the sync at {since}: it could not read them{last} ({}). ptudesk rates the reservations the store last read, so hourly overage {MAY_BE_COVERED}: {held_text}.",
            u.why
        ),
        cost_impact: cost,
        level,
        cost_per_day: Decimal::ZERO,
        remedies: vec![],
        action: "let the signed-in identity read the reservations (Reservations Reader, or Reader on the reservation orders), then run `ptudesk sync`: a sync that reads them clears this".to_string(),
    });
    list.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.at.cmp(&b.at))
            .then(a.kind.cmp(b.kind))
            .then(a.subject.cmp(&b.subject))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;

    fn n(kind: &'static str, severity: Severity, cost: i64) -> Notification {
        let at = parse_time_arg("2026-12-01T00:00:00Z").unwrap();
        Notification {
            id: notification_id(kind, "aoai-east", at),
            kind,
            severity,
            subject: "aoai-east".into(),
            at,
            message: "it costs.".into(),
            cost_impact: Decimal::from(cost),
            level: Decimal::from(cost),
            action: "buy one".into(),
            cost_per_day: Decimal::ZERO,
            remedies: vec![],
        }
    }

    fn unread() -> Unread {
        Unread {
            part: crate::store::UNREAD_RESERVATIONS.into(),
            since: parse_time_arg("2026-11-28T06:00:00Z").unwrap(),
            last: parse_time_arg("2026-12-05T00:00:00Z").unwrap(),
            why: "no permission (AuthorizationFailed)".into(),
        }
    }

    #[test]
    fn known_reservations_leave_the_list_alone() {
        let mut list = vec![n("hourly_overage", Severity::Critical, 100)];
        let before = list.clone();
        temper(&mut list, None, Duration::days(30));
        assert_eq!(list, before);
    }

    #[test]
    fn unknown_reservations_hold_overage_at_warning_and_say_so() {
        let mut list = vec![
            n("quota_exceeded", Severity::Critical, 0),
            n("hourly_overage", Severity::Critical, 100),
            n("commitment_overage", Severity::Warning, 50),
            n("commitment_expiring", Severity::Critical, 70),
        ];
        temper(&mut list, Some(&unread()), Duration::days(30));
        let kinds: Vec<(&str, Severity)> = list.iter().map(|n| (n.kind, n.severity)).collect();
        assert_eq!(
            kinds,
            [
                ("commitment_expiring", Severity::Critical),
                ("quota_exceeded", Severity::Critical),
                (KIND, Severity::Warning),
                ("commitment_overage", Severity::Warning),
                ("hourly_overage", Severity::Warning),
            ]
        );
        let of = |k: &str| list.iter().find(|n| n.kind == k).unwrap();
        assert!(of("hourly_overage").message.contains(MAY_BE_COVERED));
        assert!(of("commitment_expiring").message.contains(MAY_BE_COVERED));
        assert!(!of("quota_exceeded").message.contains(MAY_BE_COVERED));
        let u = of(KIND);
        assert_eq!(u.cost_impact, Decimal::from(150));
        assert!(
            u.message
                .contains("unknown since the sync at 2026-11-28T06:00:00Z"),
            "{}",
            u.message
        );
        assert!(u.message.contains("the latest at 2026-12-05T00:00:00Z"));
        assert!(
            u.message.contains(
                "2 overage notifications ($150.00 within the next 30 days) are held at warning"
            ),
            "{}",
            u.message
        );
        // Stable while the reservations stay unknown since the same sync.
        assert_eq!(u.id, notification_id(KIND, "reservations", unread().since));
    }
}

//! Calendar arithmetic shared by every term, renewal and billing period, and
//! the parsing of times and durations given on the command line.
//!
//! All instants are UTC. Month arithmetic keeps the day of the month and the
//! time of day, clamping the day to the last day of a shorter month
//! (31 May + 1 month = 30 June). Chains of terms apply [`add_months`] to the
//! previous term's start, so a clamped day "sticks" (31 Jan -> 28 Feb ->
//! 28 Mar), which is the rule for commitment terms and reservation periods alike
//! (docs/commitments.md#terms-and-renewal-dates).

use super::Unexpected;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};

/// A UTC instant.
pub type Time = DateTime<Utc>;

/// The same day `months` months later (or earlier), clamped to the end of
/// the target month, at the same time of day.
pub fn add_months(t: Time, months: i32) -> Time {
    let date = t.date_naive();
    let total = date.year() * 12 + date.month0() as i32 + months;
    let year = total.div_euclid(12);
    let month0 = total.rem_euclid(12) as u32;
    let last = days_in_month(year, month0 + 1);
    let day = date.day().min(last);
    let new_date = NaiveDate::from_ymd_opt(year, month0 + 1, day).expect("clamped date is valid");
    Utc.from_utc_datetime(&new_date.and_time(t.time()))
}

/// Number of days in a month (1-based month).
pub fn days_in_month(year: i32, month: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("valid month");
    (next - first).num_days() as u32
}

/// The UTC calendar days from `a`'s date up to (not including) `b`'s date.
pub fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// Midnight UTC of a date.
pub fn midnight(d: NaiveDate) -> Time {
    Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN))
}

/// The start of the UTC month containing `t`.
pub fn month_start(t: Time) -> Time {
    midnight(NaiveDate::from_ymd_opt(t.year(), t.month(), 1).expect("valid"))
}

/// The start of the UTC day containing `t`.
pub fn day_start(t: Time) -> Time {
    midnight(t.date_naive())
}

/// True when `t` is a whole UTC hour.
pub fn is_whole_hour(t: Time) -> bool {
    t.minute() == 0 && t.second() == 0 && t.nanosecond() == 0
}

/// The first whole hour at or after `t`.
pub fn ceil_hour(t: Time) -> Time {
    ceil_to(t, 3600)
}

/// The first whole minute at or after `t`.
pub fn ceil_minute(t: Time) -> Time {
    ceil_to(t, 60)
}

/// The whole hour at or before `t`.
pub fn floor_hour(t: Time) -> Time {
    floor_to(t, 3600)
}

/// The whole hours ahead of `t` that a duration spans: from the hour `t`
/// falls in, as many whole hours as `d` takes, rounded up (at least one).
/// "The next 30 days" seen at 09:30 is `[09:00, 09:00 + 720 h)`, never
/// 721 hours: notifications, edit previews and checks share it.
pub fn hours_ahead(t: Time, d: Duration) -> (Time, Time) {
    let from = floor_hour(t);
    let secs = d.num_seconds().max(1);
    let hours = (secs + 3599) / 3600;
    (from, from + Duration::hours(hours))
}

/// The whole multiple of `step` seconds (since the epoch) at or before `t`.
fn floor_to(t: Time, step: i64) -> Time {
    let secs = t.timestamp().div_euclid(step) * step;
    Utc.timestamp_opt(secs, 0).single().expect("in range")
}

/// The whole multiple of `step` seconds at or after `t`.
fn ceil_to(t: Time, step: i64) -> Time {
    let floor = floor_to(t, step);
    if floor == t {
        t
    } else {
        floor + Duration::seconds(step)
    }
}

/// Parses `T` as the command line takes it: an RFC 3339 time (any offset,
/// converted to UTC) or a date, meaning that day's 00:00 UTC.
pub fn parse_time_arg(s: &str) -> Result<Time, Unexpected> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(midnight(d));
    }
    Err(Unexpected::quoted(
        "an RFC 3339 time (2026-12-01T08:00:00Z) or a date (2026-12-01)",
        s,
    ))
}

/// Parses a duration such as `90d`, `6h` or `30m`.
pub fn parse_duration_arg(s: &str) -> Result<Duration, Unexpected> {
    let s = s.trim();
    let err = || Unexpected::quoted("a duration such as 90d, 6h or 30m", s);
    if s.len() < 2 {
        return Err(err());
    }
    let (num, unit) = s.split_at(s.len() - 1);
    let n: i64 = num.parse().map_err(|_| err())?;
    if n < 0 {
        return Err(err());
    }
    match unit {
        "d" => Ok(Duration::days(n)),
        "h" => Ok(Duration::hours(n)),
        "m" => Ok(Duration::minutes(n)),
        _ => Err(err()),
    }
}

/// Formats an instant the way every output of ptudesk writes it:
/// RFC 3339 in UTC with `Z`, and fractions of a second only when present.
pub fn fmt_time(t: Time) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// An instant as people read it on screen and in text output: to the
/// minute, in UTC (`2026-12-07 03:32 UTC`). Machine outputs (JSON, CSV)
/// keep [`fmt_time`].
pub fn fmt_minute(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An instant to the whole second, RFC 3339 (`2026-12-07T03:32:45Z`): the
/// audit log's stamps, which `export --at` takes back.
pub fn fmt_second(t: Time) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Serde for times: RFC 3339 with any offset in, UTC with `Z` out.
pub mod serde_time {
    use super::{Time, Unexpected, fmt_time};
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &Time, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fmt_time(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(D::Error::custom)
    }

    pub(crate) fn parse(s: &str) -> Result<Time, Unexpected> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| Unexpected::quoted("an RFC 3339 time such as 2026-11-01T00:00:00Z", s))
    }

    /// The same for `Option<Time>` (`null` or absent is `None`).
    pub mod opt {
        use super::*;

        pub fn serialize<S: Serializer>(t: &Option<Time>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&fmt_time(*t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Time>, D::Error> {
            let s: Option<String> = Option::deserialize(d)?;
            s.map(|s| parse(&s).map_err(D::Error::custom)).transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Time {
        parse_time_arg(s).unwrap()
    }

    #[test]
    fn hours_ahead_counts_whole_hours_from_the_current_one() {
        let d30 = Duration::days(30);
        for at in ["2026-12-10T09:00:00Z", "2026-12-10T09:30:00Z"] {
            assert_eq!(
                hours_ahead(t(at), d30),
                (t("2026-12-10T09:00:00Z"), t("2027-01-09T09:00:00Z"))
            );
        }
        // Part of an hour is a whole hour; nothing is still one.
        let at = t("2026-12-10T09:30:00Z");
        assert_eq!(
            hours_ahead(at, Duration::minutes(61)).1,
            t("2026-12-10T11:00:00Z")
        );
        assert_eq!(
            hours_ahead(at, Duration::zero()).1,
            t("2026-12-10T10:00:00Z")
        );
    }

    #[test]
    fn renewal_dates_from_the_commitment_page() {
        // Purchase 21 Feb -> renews 21 Mar.
        assert_eq!(
            add_months(t("2026-02-21T00:00:00Z"), 1),
            t("2026-03-21T00:00:00Z")
        );
        // 31 May -> 30 Jun.
        assert_eq!(
            add_months(t("2026-05-31T00:00:00Z"), 1),
            t("2026-06-30T00:00:00Z")
        );
        // 31 Jan -> 28 Feb, and 29 Feb in a leap year.
        assert_eq!(
            add_months(t("2027-01-31T00:00:00Z"), 1),
            t("2027-02-28T00:00:00Z")
        );
        assert_eq!(
            add_months(t("2028-01-31T00:00:00Z"), 1),
            t("2028-02-29T00:00:00Z")
        );
    }

    #[test]
    fn ceil_minute_keeps_whole_minutes_and_rounds_the_rest_up() {
        assert_eq!(
            ceil_minute(t("2026-12-02T16:16:00Z")),
            t("2026-12-02T16:16:00Z")
        );
        assert_eq!(
            ceil_minute(t("2026-12-02T16:16:19.906391924Z")),
            t("2026-12-02T16:17:00Z")
        );
        assert_eq!(
            ceil_minute(t("2026-12-31T23:59:00.000000001Z")),
            t("2027-01-01T00:00:00Z")
        );
    }

    #[test]
    fn a_term_ends_at_the_same_time_of_day() {
        assert_eq!(
            add_months(t("2026-11-20T08:00:00Z"), 1),
            t("2026-12-20T08:00:00Z")
        );
        assert_eq!(
            add_months(t("2026-12-30T08:15:00Z"), 12),
            t("2027-12-30T08:15:00Z")
        );
        assert_eq!(
            add_months(t("2026-12-15T00:00:00Z"), -12),
            t("2025-12-15T00:00:00Z")
        );
    }

    #[test]
    fn parses_command_line_times_and_durations() {
        assert_eq!(t("2026-12-01"), t("2026-12-01T00:00:00Z"));
        assert_eq!(t("2026-12-01T02:00:00+02:00"), t("2026-12-01T00:00:00Z"));
        assert!(parse_time_arg("yesterday").is_err());
        assert_eq!(parse_duration_arg("90d").unwrap(), Duration::days(90));
        assert_eq!(parse_duration_arg("6h").unwrap(), Duration::hours(6));
        assert_eq!(parse_duration_arg("30m").unwrap(), Duration::minutes(30));
        assert!(parse_duration_arg("6x").is_err());
        assert!(parse_duration_arg("-1d").is_err());
    }

    #[test]
    fn hour_rounding() {
        assert_eq!(
            ceil_hour(t("2026-12-01T10:20:00Z")),
            t("2026-12-01T11:00:00Z")
        );
        assert_eq!(
            ceil_hour(t("2026-12-01T10:00:00Z")),
            t("2026-12-01T10:00:00Z")
        );
        assert_eq!(
            floor_hour(t("2026-12-01T10:59:59Z")),
            t("2026-12-01T10:00:00Z")
        );
        assert!(is_whole_hour(t("2026-12-01T10:00:00Z")));
        assert!(!is_whole_hour(t("2026-12-01T10:00:01Z")));
    }
}

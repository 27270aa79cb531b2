//! Step functions of time turned into integer PTU per minute.
//!
//! docs/rating.md#the-clock-hour-and-ptu-minutes: a deployment counts a minute if it exists at any instant of
//! it, at the largest size it had in it (usage is never under-estimated); a
//! discount counts a minute only if active for the whole of it, at the
//! smallest size it had in it (a discount is never overstated).

use crate::domain::time::Time;
use std::collections::BTreeMap;

/// Minutes since the Unix epoch.
pub type Minute = i64;

/// The minute containing `t`, and whether `t` is exactly its start.
pub fn minute_of(t: Time) -> (Minute, bool) {
    let secs = t.timestamp();
    let m = secs.div_euclid(60);
    (
        m,
        secs.rem_euclid(60) == 0 && t.timestamp_subsec_nanos() == 0,
    )
}

/// The first minute starting at or after `t`.
pub fn ceil_minute(t: Time) -> Minute {
    let (m, exact) = minute_of(t);
    if exact { m } else { m + 1 }
}

/// A piecewise-constant integer function of minutes: `(minute, value)`
/// breakpoints in increasing order, each value holding until the next
/// breakpoint; 0 before the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Steps(pub Vec<(Minute, i64)>);

/// How the values of a function within one minute combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    /// Usage: the largest value at any instant of the minute.
    Max,
    /// Capacity: the smallest value over the whole minute.
    Min,
}

impl Steps {
    /// Converts a step function of time, given as `(instant, value)` points
    /// (0 before the first point; each value in force from its instant until
    /// the next point; the last value holds for ever), to minutes.
    pub fn from_points(points: &[(Time, i64)], within: Within) -> Steps {
        if points.is_empty() {
            return Steps::default();
        }
        // Every change on a whole minute (the usual case): each value holds
        // for whole minutes, so usage and capacity read alike.
        if points.iter().all(|p| minute_of(p.0).1) {
            let mut out: Vec<(Minute, i64)> = Vec::with_capacity(points.len());
            for &(t, v) in points {
                let m = minute_of(t).0;
                if let Some(last) = out.last_mut().filter(|l| l.0 == m) {
                    last.1 = v;
                } else {
                    out.push((m, v));
                }
            }
            let mut steps: Vec<(Minute, i64)> = Vec::with_capacity(out.len());
            let mut cur = 0;
            for (m, v) in out {
                if v != cur {
                    steps.push((m, v));
                    cur = v;
                }
            }
            return Steps(steps);
        }
        // Each piece of the function touches a range of minutes; a minute's
        // value combines the pieces touching it. Pieces: the 0 before the
        // first point, then one per point.
        let mut events: Vec<(Minute, bool, i64)> = Vec::with_capacity(points.len() * 2 + 2);
        let first_end = ceil_minute(points[0].0);
        events.push((Minute::MIN, true, 0));
        events.push((first_end, false, 0));
        for (i, &(t, v)) in points.iter().enumerate() {
            // A piece of no length (a later point at the same instant) holds no instant.
            if points.get(i + 1).is_some_and(|n| n.0 == t) {
                continue;
            }
            let start = minute_of(t).0;
            events.push((start, true, v));
            if let Some(&(next, _)) = points.get(i + 1) {
                events.push((ceil_minute(next), false, v));
            }
        }
        // At one minute, removals of pieces that stopped touching come first.
        events.sort_by_key(|&(m, add, _)| (m, add));
        let mut live: BTreeMap<i64, u32> = BTreeMap::new();
        let mut out: Vec<(Minute, i64)> = Vec::new();
        let mut cur = 0i64;
        let mut i = 0;
        while i < events.len() {
            let m = events[i].0;
            while i < events.len() && events[i].0 == m {
                let (_, add, v) = events[i];
                if add {
                    *live.entry(v).or_insert(0) += 1;
                } else if let Some(c) = live.get_mut(&v) {
                    *c -= 1;
                    if *c == 0 {
                        live.remove(&v);
                    }
                }
                i += 1;
            }
            let value = match within {
                Within::Max => live.keys().next_back().copied().unwrap_or(0),
                Within::Min => live.keys().next().copied().unwrap_or(0),
            };
            if value != cur && m != Minute::MIN {
                out.push((m, value));
                cur = value;
            }
        }
        Steps(out)
    }

    /// The sum of several step functions.
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a Steps>) -> Steps {
        let mut deltas: Vec<(Minute, i64)> = Vec::new();
        for s in parts {
            let mut prev = 0;
            for &(m, v) in &s.0 {
                deltas.push((m, v - prev));
                prev = v;
            }
        }
        deltas.sort_by_key(|d| d.0);
        let mut out: Vec<(Minute, i64)> = Vec::new();
        let mut cur = 0;
        let mut i = 0;
        while i < deltas.len() {
            let m = deltas[i].0;
            let mut v = cur;
            while i < deltas.len() && deltas[i].0 == m {
                v += deltas[i].1;
                i += 1;
            }
            if v != cur {
                out.push((m, v));
                cur = v;
            }
        }
        Steps(out)
    }

    /// The value at minute `m`.
    pub fn at(&self, m: Minute) -> i64 {
        match self.0.partition_point(|p| p.0 <= m) {
            0 => 0,
            i => self.0[i - 1].1,
        }
    }

    /// The sum of the values over minutes `[a, b)`.
    pub fn integral(&self, a: Minute, b: Minute) -> i64 {
        let mut total = 0;
        let mut i = self.0.partition_point(|p| p.0 <= a);
        let mut m = a;
        let mut v = if i == 0 { 0 } else { self.0[i - 1].1 };
        while m < b {
            let next = self.0.get(i).map_or(b, |p| p.0.min(b));
            total += v * (next - m);
            m = next;
            if let Some(p) = self.0.get(i) {
                v = p.1;
            }
            i += 1;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;

    fn t(s: &str) -> Time {
        parse_time_arg(s).unwrap()
    }

    fn m(s: &str) -> Minute {
        minute_of(t(s)).0
    }

    #[test]
    fn e7_a_deployment_for_15_minutes_counts_25_ptu_hours() {
        let s = Steps::from_points(
            &[
                (t("2026-12-01T10:00:00Z"), 100),
                (t("2026-12-01T10:15:00Z"), 0),
            ],
            Within::Max,
        );
        assert_eq!(
            s.integral(m("2026-12-01T10:00:00Z"), m("2026-12-01T11:00:00Z")),
            25 * 60
        );
    }

    #[test]
    fn partial_minutes_round_up_for_usage_and_down_for_discounts() {
        let pts = [
            (t("2026-12-01T10:00:30Z"), 100),
            (t("2026-12-01T10:02:10Z"), 0),
        ];
        let usage = Steps::from_points(&pts, Within::Max);
        let cap = Steps::from_points(&pts, Within::Min);
        let (a, b) = (m("2026-12-01T10:00:00Z"), m("2026-12-01T11:00:00Z"));
        // Usage touches minutes 10:00, 10:01, 10:02.
        assert_eq!(usage.integral(a, b), 300);
        // The discount is active for all of 10:01 only.
        assert_eq!(cap.integral(a, b), 100);
    }

    #[test]
    fn a_resize_mid_minute_counts_the_larger_size_for_usage() {
        let pts = [
            (t("2026-12-01T10:00:00Z"), 300),
            (t("2026-12-01T10:30:30Z"), 500),
        ];
        let usage = Steps::from_points(&pts, Within::Max);
        assert_eq!(usage.at(m("2026-12-01T10:29:00Z")), 300);
        assert_eq!(usage.at(m("2026-12-01T10:30:00Z")), 500);
        let cap = Steps::from_points(&pts, Within::Min);
        assert_eq!(cap.at(m("2026-12-01T10:30:00Z")), 300);
        assert_eq!(cap.at(m("2026-12-01T10:31:00Z")), 500);
        // A shrink mid-minute: usage keeps the larger size for that minute.
        let pts = [
            (t("2026-12-01T10:00:00Z"), 500),
            (t("2026-12-01T10:30:30Z"), 300),
        ];
        let usage = Steps::from_points(&pts, Within::Max);
        assert_eq!(usage.at(m("2026-12-01T10:30:00Z")), 500);
        assert_eq!(usage.at(m("2026-12-01T10:31:00Z")), 300);
    }

    #[test]
    fn several_changes_inside_one_minute() {
        let pts = [
            (t("2026-12-01T10:00:10Z"), 50),
            (t("2026-12-01T10:00:20Z"), 400),
            (t("2026-12-01T10:00:40Z"), 100),
            (t("2026-12-01T10:05:00Z"), 0),
        ];
        let usage = Steps::from_points(&pts, Within::Max);
        assert_eq!(usage.at(m("2026-12-01T10:00:00Z")), 400);
        assert_eq!(usage.at(m("2026-12-01T10:01:00Z")), 100);
        assert_eq!(usage.at(m("2026-12-01T10:05:00Z")), 0);
        let cap = Steps::from_points(&pts, Within::Min);
        assert_eq!(cap.at(m("2026-12-01T10:00:00Z")), 0);
        assert_eq!(cap.at(m("2026-12-01T10:01:00Z")), 100);
        assert_eq!(cap.at(m("2026-12-01T10:04:00Z")), 100);
        assert_eq!(cap.at(m("2026-12-01T10:05:00Z")), 0);
    }

    #[test]
    fn whole_minute_changes_take_the_short_path_to_the_same_steps() {
        let pts = [
            (t("2026-12-01T10:00:00Z"), 300),
            (t("2026-12-01T10:30:00Z"), 300),
            (t("2026-12-01T11:00:00Z"), 0),
            (t("2026-12-01T11:00:00Z"), 200),
            (t("2026-12-01T12:00:00Z"), 0),
        ];
        let expected = Steps(vec![
            (m("2026-12-01T10:00:00Z"), 300),
            (m("2026-12-01T11:00:00Z"), 200),
            (m("2026-12-01T12:00:00Z"), 0),
        ]);
        assert_eq!(Steps::from_points(&pts, Within::Max), expected);
        assert_eq!(Steps::from_points(&pts, Within::Min), expected);
        // The general sweep agrees when one point is moved off the minute and back.
        let mut off = pts.to_vec();
        off[1].0 += chrono::Duration::seconds(1);
        assert_eq!(Steps::from_points(&off, Within::Max), expected);
    }

    #[test]
    fn sums_and_integrals() {
        let a = Steps(vec![(0, 10), (5, 0)]);
        let b = Steps(vec![(3, 5), (8, 0)]);
        let s = Steps::sum([&a, &b]);
        assert_eq!(s, Steps(vec![(0, 10), (3, 15), (5, 5), (8, 0)]));
        assert_eq!(s.integral(0, 10), 10 * 3 + 15 * 2 + 5 * 3);
        assert_eq!(s.integral(4, 6), 15 + 5);
        assert_eq!(s.at(-1), 0);
        assert_eq!(s.at(9), 0);
    }
}

//! The bundled demo estate (`assets/demo.json`), shifted by whole months so
//! that its story (an expiry next week, a migration this month) sits around
//! "now", with Azure's service capacity answers read a few hours before now.

use crate::domain::Estate;
use crate::domain::time::{Time, add_months};
use crate::ingest::snapshot;
use chrono::{Datelike, SubsecRound, TimeZone, Utc};

/// The demo file as shipped.
pub const DEMO_JSON: &str = include_str!("../assets/demo.json");

/// The instant the demo's story is told around, its "now": 22 November 2026
/// at 09:00 UTC (the legacy commitment expires five days later, the
/// migration's double billing runs 5-10 December). Every day of month in
/// the file is 28 or less, so shifting by whole months never clamps a date.
pub fn anchor() -> Time {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("a valid instant")
}

/// The whole months to shift the demo by: those that put its anchor
/// nearest to `now`, the earlier on a tie. So the story is at most about
/// half a month away: from about the 8th of a month the anchor is that
/// month's 22nd; before, the previous month's (on 2 December the anchor is
/// 22 November, its expiry last week and its migration this month, rather
/// than 22 December, an expiry weeks away). The turn falls half way
/// between two 22nds: on the 7th at 09:00 after a 30-day month, the 6th at
/// 21:00 after a 31-day one, the 8th at 09:00 after a 28-day February.
pub fn shift_months(now: Time) -> i32 {
    let a = anchor();
    let k = (now.year() * 12 + now.month0() as i32) - (a.year() * 12 + a.month0() as i32);
    // The nearest 22nd lies in now's month or a neighbour.
    (k - 1..=k + 1)
        .min_by_key(|&k| ((add_months(a, k) - now).abs(), k))
        .expect("three candidates")
}

/// The demo estate, dated around `now`: its story shifted by
/// [`shift_months`], and its service capacity answers (`model_capacities`,
/// dated three hours before the anchor in the file) moved by the exact
/// time from the anchor to `now`, so they are as old at `now` as at the
/// anchor. A capacity answer is a reading, as a sync makes one, not part of
/// the story: shifted by months it would be up to half a month old, or
/// dated after `now`.
pub fn estate(now: Time) -> Estate {
    let mut e = snapshot::parse("assets/demo.json", DEMO_JSON.as_bytes())
        .expect("the bundled demo estate is valid");
    let k = shift_months(now);
    if k != 0 {
        e.map_times(|t| add_months(t, k));
    }
    // Whole seconds, rounded into the past: never younger than in the file.
    let read = now - anchor();
    for c in &mut e.model_capacities {
        c.as_of = (c.as_of + read).trunc_subsecs(0);
    }
    e
}

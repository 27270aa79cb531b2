//! The bundled demo estate (`assets/demo.json`), shifted by whole months so
//! that its story (an expiry next week, a migration this month) sits around
//! "now".

use crate::domain::Estate;
use crate::domain::time::{Time, add_months};
use crate::ingest::snapshot;
use chrono::Datelike;

/// The demo file as shipped.
pub const DEMO_JSON: &str = include_str!("../assets/demo.json");

/// The month the demo's story is written around (its "now" is 22 November
/// 2026). Every day of month in the file is 28 or less, so shifting by
/// whole months never clamps a date.
pub const ANCHOR: (i32, u32) = (2026, 11);

/// Whole months from the anchor month to `now`'s month.
pub fn shift_months(now: Time) -> i32 {
    (now.year() * 12 + now.month0() as i32) - (ANCHOR.0 * 12 + ANCHOR.1 as i32 - 1)
}

/// The demo estate, dated around `now`.
pub fn estate(now: Time) -> Estate {
    let mut e = snapshot::parse("assets/demo.json", DEMO_JSON.as_bytes())
        .expect("the bundled demo estate is valid");
    let k = shift_months(now);
    if k != 0 {
        e.map_times(|t| add_months(t, k));
    }
    e
}

//! The terminal app's clock. "Now" moves while the app is open: the header's
//! minute, the re-rating of the panes when the hour changes, the stamps of
//! saved changes and acknowledgements, and forms' default times all read it.
//! It is read to the whole second (a stamp never carries sub-seconds).
//!
//! - [`Clock::system`]: the computer's clock (the default).
//! - [`Clock::running_from`]: starts at a given instant and runs at the
//!   computer's pace from there (`--clock-start T`, for demos and tests).
//! - [`Clock::pinned`]: stands still (`--now T`, `:now T`).
//! - [`Clock::manual`]: moves only when told ([`ManualClock::set`]), for
//!   tests that drive the app across an hour.

use crate::domain::time::Time;
use chrono::{DurationRound, TimeDelta, Utc};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
enum Source {
    /// The computer's clock plus an offset.
    Running(TimeDelta),
    Pinned(Time),
    Manual(Arc<Mutex<Time>>),
}

/// Where the app's "now" comes from.
#[derive(Debug, Clone)]
pub struct Clock {
    source: Source,
}

/// The handle that moves a [`Clock::manual`].
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Time>>);

impl ManualClock {
    pub fn set(&self, t: Time) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }

    pub fn advance(&self, by: TimeDelta) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

/// `t` to the whole second, rounded down.
pub fn to_second(t: Time) -> Time {
    t.duration_trunc(TimeDelta::seconds(1)).unwrap_or(t)
}

impl Clock {
    pub fn system() -> Clock {
        Clock {
            source: Source::Running(TimeDelta::zero()),
        }
    }

    /// Starts at `t` now and runs from there.
    pub fn running_from(t: Time) -> Clock {
        Clock {
            source: Source::Running(t - Utc::now()),
        }
    }

    pub fn pinned(t: Time) -> Clock {
        Clock {
            source: Source::Pinned(to_second(t)),
        }
    }

    /// A clock at `t` that moves only through the returned handle.
    pub fn manual(t: Time) -> (Clock, ManualClock) {
        let cell = Arc::new(Mutex::new(t));
        (
            Clock {
                source: Source::Manual(cell.clone()),
            },
            ManualClock(cell),
        )
    }

    /// Stands still (`--now`, `:now T`).
    pub fn is_pinned(&self) -> bool {
        matches!(self.source, Source::Pinned(_))
    }

    /// The current instant, to the whole second.
    pub fn now(&self) -> Time {
        to_second(match &self.source {
            Source::Running(offset) => Utc::now() + *offset,
            Source::Pinned(t) => *t,
            Source::Manual(cell) => *cell.lock().unwrap_or_else(|e| e.into_inner()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;

    #[test]
    fn a_clock_reads_whole_seconds_and_runs_unless_pinned() {
        let t = parse_time_arg("2026-11-22T09:59:58.123456789Z").unwrap();
        let pinned = Clock::pinned(t);
        assert_eq!(
            pinned.now(),
            parse_time_arg("2026-11-22T09:59:58Z").unwrap()
        );
        assert!(pinned.is_pinned());
        let (manual, hand) = Clock::manual(t);
        hand.advance(TimeDelta::seconds(3));
        assert_eq!(
            manual.now(),
            parse_time_arg("2026-11-22T10:00:01Z").unwrap()
        );
        assert!(!manual.is_pinned());
        // Started at t, it reads t or later (never before), whole seconds.
        let running = Clock::running_from(t);
        let read = running.now();
        assert!(read >= pinned.now() && read < pinned.now() + TimeDelta::minutes(1));
        assert_eq!(read, to_second(read));
        assert!(Clock::system().now() <= to_second(Utc::now()));
    }
}

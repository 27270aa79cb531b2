//! Edit forms: a few fields (choices, numbers, text, times) that build an
//! [`Edit`](crate::domain::plan::Edit); every change is priced again in the background.
//!
//! How fields take keys:
//! - a field's pre-filled value is selected when the field gets the focus:
//!   the first character typed replaces it (Backspace clears it; the arrow
//!   keys, Home and End keep it and move the cursor);
//! - numbers step with Left/Right or `-`/`+` along the sizes that are
//!   allowed: a deployment's model and type give its minimum and step
//!   (assets/deployment_sizes.json: 50 from 50 for gpt-4o Regional), a
//!   commitment grows by 50;
//! - times are taken only when fully typed: RFC 3339
//!   (`2026-11-05T09:00:00Z`), a date (`2026-11-05`, midnight UTC) or a
//!   date and a UTC time (`2026-11-05 09:00`); a half-typed `2026-11-2` is
//!   not a date, and the preview says what is expected;
//! - fields that don't apply are hidden (the PTU at renewal shows only for
//!   "renew at fewer PTU").

pub mod draw;
pub mod keys;
pub mod state;

pub use state::*;

/// The key bar while a form is open.
pub const KEYS: &[(&str, &str)] = &[
    ("↑↓/tab", "field"),
    ("←→/+-", "change"),
    ("enter", "save"),
    ("esc", "cancel"),
];

/// The key bar while a form is open read-only (`--readonly`): Enter saves
/// nothing (the form's title says so).
pub const KEYS_READONLY: &[(&str, &str)] =
    &[("↑↓/tab", "field"), ("←→/+-", "change"), ("esc", "close")];

/// The help's section on forms: its title, then (keys, what they do).
pub const HELP: (&str, &[(&str, &str)]) = (
    "Edit forms (every change is priced before saving)",
    &[
        ("↑ ↓ tab", "move between fields"),
        ("← → + - space", "change a choice or step a number"),
        (
            "digits, text",
            "type a number, name or time (2026-11-05, 2026-11-05 09:00 UTC, RFC 3339); the first key replaces the value",
        ),
        ("enter", "save (refunds and deletions ask first)"),
        ("esc", "cancel"),
    ],
);

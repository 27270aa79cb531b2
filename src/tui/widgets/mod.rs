//! Widgets and layout helpers that take only what they draw (a table, the
//! rated periods, the theme), never the whole [`App`](super::App).

pub mod bars;
pub mod columns;

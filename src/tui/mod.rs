//! The terminal app (ratatui): Manage-Commitments-style panes over the
//! store, keyboard-first, every edit priced by the rating core before it is
//! saved.
//!
//! Shape (after gitui and television):
//! - [`action::Action`] is the one vocabulary of keys, help, palette,
//!   config and tests; [`app::update`] turns an action into new state and
//!   [`effect::Effect`]s, synchronously, routing it to the pane or popup
//!   that has the keys;
//! - the layers, lowest first: [`data`] (tables and cell formats),
//!   [`effect`], [`action`]; [`state`] (the [`App`] every pane and popup
//!   reads, holding each one's own `state.rs`); [`table`] and [`widgets`];
//!   `panes/` and `popups/` (drawing and keys); [`compute`] and
//!   [`worker`]; [`ui`] (the frame); [`app`] (`update`); [`runtime`]. A
//!   file imports only below it (tests/layering.rs);
//! - effects (store reads and writes, ratings, imports) run off the render
//!   path in [`worker::Worker`] (under `spawn_blocking`) and come back as
//!   actions;
//! - [`ui::draw`] is a pure function of the state, generic over the
//!   ratatui backend, so tests draw on `TestBackend`;
//! - [`keymap::Keymap`] is the one list behind key lookup, the bottom bar
//!   and the `?` help;
//! - the Planner pane ([`panes::planner::state`], drawn by [`panes::planner::draw`]) shows
//!   [`crate::planner`]'s options for a subject picked with `p`, priced in
//!   the worker; applying one is one store change, undone with `u`;
//! - `:sync` runs [`crate::sync::run`] in the worker, its steps streamed
//!   to the status bar ([`worker::Worker::run_streaming`]).

pub mod action;
pub mod app;
pub mod clock;
pub mod commands;
pub mod compute;
pub mod data;
pub mod edit;
pub mod effect;
pub mod keymap;
pub mod panes;
pub mod popups;
pub mod runtime;
pub mod state;
pub mod table;
pub mod theme;
pub mod ui;
pub mod widgets;
pub mod worker;

pub use action::{Action, Pane};
pub use app::update;
pub use effect::Effect;
/// The edit forms, at their former path (`tui::form`).
pub use popups::form;
pub use runtime::{Options, StoreChoice, run};
pub use state::App;
pub use ui::draw;
pub use worker::Worker;

//! ptudesk: the costs of Azure OpenAI provisioned throughput in one place.
//!
//! Data flows one way: ingest -> store -> domain estate -> rating ->
//! alerts/planner -> TUI or CLI output. The rating core is pure.

pub mod alerts;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod generate;
pub mod ingest;
pub mod notify;
pub mod ops;
pub mod planner;
pub mod rating;
pub mod report;
pub mod safe;
pub mod store;
pub mod sync;
pub mod tui;

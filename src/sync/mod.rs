//! Sync from Azure through the az CLI (being built).

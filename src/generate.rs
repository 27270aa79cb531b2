//! Deterministic synthetic estates (`ptudesk generate`).

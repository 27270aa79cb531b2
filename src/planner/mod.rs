//! Migration planning (being built).

//! The eight panes, one file each: what the pane draws (and, as the split
//! goes on, its rows and its keys). A pane reads the app's state and draws
//! with [`table`](super::table) and [`widgets`](super::widgets).

pub mod commitments;
pub mod deployments;
pub mod forecast;
pub mod notifications;
pub mod overview;
pub mod planner;
pub mod quota;
pub mod reservations;

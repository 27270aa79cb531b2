//! Effects: the work `update` asks for (store reads and writes, ratings,
//! imports), answered with actions. The worker that runs them is
//! [`super::worker::Worker`]; panes and popups only name them here.

use crate::domain::Estate;
use crate::domain::notice::{Ack, Notification};
use crate::domain::objects::Kind;
use crate::domain::plan::Edit;
use crate::domain::time::Time;
use crate::planner::Subject;
use crate::rating::Basis;
use std::path::PathBuf;
use std::sync::Arc;

/// Work for the background.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Read the store and rate it for every pane.
    Load { seq: u64, now: Time },
    /// Evaluate the notifications.
    Notify {
        seq: u64,
        estate: Arc<Estate>,
        now: Time,
    },
    /// Rate the forecast pane's range by day.
    Chart {
        seq: u64,
        estate: Arc<Estate>,
        from: Time,
        to: Time,
        basis: Basis,
    },
    /// Price an edit against the estate (`now`: what counts as the past).
    Preview {
        seq: u64,
        estate: Arc<Estate>,
        edit: Box<Edit>,
        month: (Time, Time),
        next30: (Time, Time),
        now: Time,
    },
    /// Save an edit as one store transaction.
    Save { edit: Box<Edit>, now: Time },
    /// Revert the store's last change; unless `any`, only one made in the
    /// app without asking.
    Undo { now: Time, any: bool },
    /// Import files into the store in one transaction.
    Import { files: Vec<PathBuf>, now: Time },
    /// Write the store's estate as a snapshot, CSV tables or FOCUS rows
    /// (what `ptudesk export --format` writes).
    Export { file: PathBuf, what: ExportWhat },
    /// Silence a notification (until it gets worse, or until `until`).
    Acknowledge {
        notification: Box<Notification>,
        now: Time,
        until: Option<Time>,
        note: String,
    },
    /// Take an acknowledgement back: the notification is reported again.
    Unacknowledge { ack: Box<Ack>, label: String },
    /// Put back an acknowledgement that was taken back (undo).
    RestoreAck { ack: Box<Ack>, label: String },
    /// The audit log's lines about one object.
    History { kind: Kind, key: String },
    /// Switch to the demo estate in a throw-away store.
    OpenDemo { now: Time },
    /// Price every option for a subject (the Planner pane).
    Plan {
        seq: u64,
        estate: Arc<Estate>,
        subject: Subject,
        now: Time,
    },
    /// Plan the subject again on the store's estate and write the option
    /// called `option` as one store transaction.
    ApplyPlan {
        subject: Subject,
        option: String,
        now: Time,
    },
    /// Write a notification's remedy (its changes, a plan's steps) as one
    /// store transaction.
    ApplyRemedy {
        summary: String,
        changes: Vec<Edit>,
        now: Time,
    },
    /// Evaluate the notifications again on the store's current estate and
    /// send back notification `id` as it is now (its remedies re-priced),
    /// to compare with `shown`, whose remedy `index` is about to be applied.
    Reprice {
        shown: Box<Notification>,
        index: usize,
        now: Time,
    },
    /// Read the live estate through az into the store (`:sync`); its steps
    /// come back as they happen.
    Sync {
        subscriptions: Vec<String>,
        now: Time,
        /// Reservations that can't be read don't stop it (`--allow-partial`).
        allow_partial: bool,
    },
}

impl Effect {
    /// A short name for the log.
    pub fn label(&self) -> &'static str {
        match self {
            Effect::Load { .. } => "load",
            Effect::Notify { .. } => "notify",
            Effect::Chart { .. } => "chart",
            Effect::Preview { .. } => "preview",
            Effect::Save { .. } => "save",
            Effect::Undo { .. } => "undo",
            Effect::Import { .. } => "import",
            Effect::Export { .. } => "export",
            Effect::Acknowledge { .. } => "acknowledge",
            Effect::Unacknowledge { .. } => "unacknowledge",
            Effect::RestoreAck { .. } => "restore acknowledgement",
            Effect::History { .. } => "history",
            Effect::OpenDemo { .. } => "open demo",
            Effect::Plan { .. } => "plan",
            Effect::ApplyPlan { .. } => "apply plan",
            Effect::ApplyRemedy { .. } => "apply remedy",
            Effect::Reprice { .. } => "re-price remedies",
            Effect::Sync { .. } => "sync",
        }
    }
}

/// What `:export` writes: as `ptudesk export --format snapshot|csv|focus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportWhat {
    /// The estate as a snapshot file (what `import` reads back).
    Snapshot,
    /// One CSV file per table, into a folder.
    Csv,
    /// FOCUS usage rows over `[from, to)`, rated by the core (amortized,
    /// by day), in a FOCUS version.
    Focus {
        from: Time,
        to: Time,
        version: crate::report::focus::Version,
    },
}

/// A FOCUS version as `--focus-version` spells it.
pub fn focus_version_name(v: crate::report::focus::Version) -> &'static str {
    match v {
        crate::report::focus::Version::V1_0 => "1.0",
        crate::report::focus::Version::V1_2 => "1.2",
    }
}

/// An acknowledgement made or taken back in the app, so that `u` can undo
/// it. Acknowledgements are not changes of the estate: they stay out of the
/// store's audit log (as `ptudesk ack` keeps them), and the app remembers
/// the last one for `u`.
#[derive(Debug, Clone, PartialEq)]
pub enum AckChange {
    /// Acknowledged: undoing removes the acknowledgement.
    Acked { id: String, label: String },
    /// Taken back: undoing puts it back.
    Unacked { ack: Box<Ack>, label: String },
}

/// How a notification is named in messages: its kind and subject.
pub fn ack_label(n: &Notification) -> String {
    format!("{} {}", n.kind.replace('_', " "), n.subject)
}

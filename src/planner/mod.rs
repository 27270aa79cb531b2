//! Migration planning: every path off a commitment, between resources, from
//! Regional to Global or Data Zone, or out of provisioned throughput, as
//! dated steps with their costs, compared with doing nothing (docs/migrations.md).
//!
//! Pure, like the rating core: no I/O, no clock, no store. "Now" is a
//! [`Params`] field. Every figure comes from the rating core: an option is a
//! list of [`Edit`]s to the estate (a renewal setting turned off, a
//! future-dated reservation, a deployment deleted at a future instant, a new
//! deployment with a future first size, a new commitment...); the planner
//! applies them to a copy of the estate (the *what-if*), rates it over
//! `[now, now + horizon)` with [`crate::rating::forecast`], and reads the
//! totals and windows of the resources and instruments the plan touches.
//! "Doing nothing" is the estate as it is, rated the same way; the
//! comparison is the difference. The only money the planner works out
//! itself is the managed migration's credit (docs/migrations.md#managed-migration), which the rating
//! core has no concept for: commitment price x PTU x days left / days in the
//! term, shown on its own line ([`Costs::credit`]). Sizes (a reservation's
//! PTU, a renewal's) come from rating probe what-ifs too: what no discount
//! covers in a given hour.
//!
//! # Calling it (the CLI and the TUI's Planner pane)
//!
//! ```no_run
//! use ptudesk::planner::{self, Params, Subject};
//! use ptudesk::domain::prices::PriceBook;
//! # fn demo(estate: &ptudesk::domain::Estate, now: ptudesk::domain::time::Time) -> Result<(), planner::PlanError> {
//! let params = Params::new(now); // 90-day horizon, 6-hour margin
//! let subject = Subject::Migrate { commitment: "cp-eastus2-prod".into() };
//! let set = planner::plans(estate, &PriceBook::default_book(), &subject, &params)?;
//! for o in &set.options {
//!     println!("{} {} {}", o.name, o.costs.total(), planner::iso_duration(o.downtime));
//! }
//! let chosen = set.option(set.recommended.as_deref().unwrap()).unwrap();
//! let what_if = planner::apply(estate, chosen)?; // the estate with the plan's future-dated steps
//! # let _ = what_if; Ok(()) }
//! ```
//!
//! To write a plan into the store, run [`plans`] and [`apply`] on the
//! estate `Store::transact` hands over, so the plan is made on exactly what
//! is written (see `ops::apply_plan`).
//!
//! # Decisions where the sources are silent
//!
//! - Costs ([`Costs`]) are rated over `[floor_hour(now), ceil_hour(now +
//!   horizon))` on the actual basis (as `ptudesk forecast` by default)
//!   unless [`Params::basis`] says amortized, so an applied plan's windows
//!   and totals are what `forecast` shows. A plan's costs cover the *slice*
//!   of the estate it touches: the subject's resources, any resource a
//!   reservation in play may cover (to a fixed point), their commitments
//!   and those reservations. Windows are whole hours, exactly as `ptudesk
//!   forecast` shows them.
//! - Options are *compared* on the amortized basis whatever basis the
//!   costs are shown on ([`Comparison`]): on the actual basis a charge
//!   counts when billed, so re-dating a purchase moves its schedule and a
//!   saving (double billing cut from five days to six hours, a day of
//!   overlap paid for no downtime) can vanish from the total; amortized,
//!   each day of the horizon carries the cost of what it uses. So
//!   [`PlanOption::vs_nothing`] is the amortized total less doing
//!   nothing's. A purchase is amortized from the midnight of its day
//!   (docs/reservations.md#amortization), so one late in a day carries a few hours' cost early.
//! - What an option commits to after the horizon
//!   ([`Costs::committed_after_horizon`]): the charges, after the horizon's
//!   end, of the commitment and reservation terms of the slice in force at
//!   the end (a one-year term's remaining monthly payments, the rest of a
//!   term's days on the amortized basis), rated by the core with every
//!   renewal turned off just before the end (a renewal after the horizon
//!   can still be turned off, so it is not a commitment yet); credits
//!   granted after the horizon are netted in.
//! - Recommended: among options that are safe (no downtime, nothing that
//!   depends on someone else) with no precondition known to fail, the one
//!   that saves most against doing nothing over the workload's lifetime
//!   ([`PlanSet::lifetime`]: until its planned deletion, else open-ended,
//!   taken as twelve months, and said in the plan); failing that the same
//!   among options with no precondition known to fail; failing that the
//!   same two among options that only lack quota (a plan note says so).
//!   The savings are the remedies pricer's ([`remedies::Pricer`]), so a
//!   plan and `check` price alike: amortized cost from the current hour to
//!   the lifetime's end, plus, for a planned deletion, what terms in force
//!   then still charge. `--horizon` only sets the window the costs are
//!   shown for. Migrating and discontinuing are about money: an option
//!   that costs more than doing nothing over the lifetime is never
//!   recommended (the plan says doing nothing is cheapest). A move or a
//!   conversion is wanted for itself: its cheapest way is recommended and
//!   the plan says when doing nothing is cheaper. Equal savings go to the
//!   lower amortized horizon cost plus what is committed after it, then to
//!   the one that leaks less (double billing, hourly and unused capacity),
//!   then to the one listed first. Contingencies are never recommended.
//! - Terms follow the lifetime: a purchase for a workload whose deletion is
//!   planned stops renewing after the term in force at the deletion (its
//!   renewal is turned off from that term's start), so a one-month option
//!   never renews past it; a one-year term is recommended when it saves
//!   more over the lifetime, which is when the lifetime reaches its
//!   break-even months (a year's price over a month's, shown as a fact).
//! - Best purchase time with margin M before expiry E: the latest whole hour
//!   at or before E - M (never before the next whole hour from now). A gap
//!   purchase is made the first whole hour at or after E + M.
//! - Reservation quantity: what a reservation scoped to the resource's
//!   subscription must cover, which is every resource of the subscription
//!   in the region: the Regional PTU there that no discount covers in the
//!   first hour after the expiry, rated on a what-if where the commitment
//!   has expired and the purchases the options re-plan are left out. So the
//!   spare capacity of reservations already in scope and other commitments
//!   count, and deployments elsewhere in the subscription already paying
//!   hourly are covered too (they would take the new reservation's
//!   capacity anyway). The committed size and the size deployed on the
//!   resource are shown as alternatives. New reservations are scoped to
//!   the resource's subscription; one-month terms are billed up front,
//!   one-year terms monthly; both autorenew (until a planned deletion).
//! - PTU that pay the hourly rate before a commitment's expiry (a
//!   commitment smaller than what is deployed, or neighbours in the
//!   subscription and region) are covered by a reservation bought at the
//!   first whole hour the core finds them uncovered (now, or when a planned
//!   deployment or resize makes them: deploy first, then buy), sized net of
//!   every discount in scope; the purchase at the expiry is the rest.
//! - Discontinuing a resource turns off the renewal of each reservation
//!   that covered its deployments and that covers nothing in the hour
//!   before its next expiry once they are deleted (rated on the what-if);
//!   one that still covers some PTU there renews as a replacement of that
//!   size. A fact says what those renewals cost over the lifetime.
//! - A future-dated reservation that would cover the subject's resource
//!   (same region and type, scope holding it) is taken as the purchase
//!   already planned for this migration: the options re-date and resize it
//!   (keeping its id, name and scope) rather than buy a second one. In moves
//!   and conversions, a planned purchase of the old type that the option
//!   leaves with less to cover is resized to what its scope still needs
//!   (the most needed at the switch and at each commitment expiry in its
//!   scope within the horizon) or dropped: it isn't bought yet, so that is
//!   free, unlike a refund.
//! - Managed migration: the agreed date is the first midnight at least
//!   [`MANAGED_LEAD_DAYS`] days after now (time to arrange it with the
//!   account team), and no later than the self-service purchase time. Each
//!   commitment of the subscription and region is cancelled on that date:
//!   its renewal is turned off from then, so renewals before it still
//!   happen, and the credit is for the term in force then. The reservation
//!   is sized like a self-service one, for the subscription, on that date.
//!   The credit (one per commitment, [`Credit`]) falls on the first day of
//!   the month after the purchase on the actual basis, and is spread over
//!   the days it pays back on the amortized basis; it is its own cost line
//!   ([`Costs::credit`]) and in the total. The store can't hold a cancelled
//!   commitment, so the what-if keeps the commitments to their expiry: its
//!   windows show that time as double billing, which is what `forecast`
//!   shows once the plan is applied, but the credit pays it back, so
//!   [`Costs::double_billing`] counts it 0 once the credit is counted in the
//!   horizon (else the windows' figure). After `--apply managed`,
//!   `forecast`'s totals are the option's total less the credit. Never
//!   recommended: it depends on Microsoft, and the newest source page no
//!   longer offers it.
//! - Moves and conversions: a zero-downtime option keeps both deployments
//!   for [`Params::overlap`] (default one day) before the old one is
//!   deleted; a with-downtime option deletes, then creates
//!   [`DEPLOY_LAG_MINUTES`] later, unless the quota is tied to a commitment
//!   until its expiry, when the new one is created at the expiry.
//!   Contingencies ("the move runs late") assume [`Params::late`] (default
//!   one day) past the expiry; one more renewal is at the fewest PTU (in
//!   50-PTU steps) that leave no more uncovered past the expiry than
//!   renewing at all of them, and is not offered when it would cover
//!   nothing.
//! - Moves within a region also try a free scope change (docs/reservations.md#scope-changes):
//!   `overlap-rescope` and `no-overlap-rescope` widen the scope of a
//!   reservation in force (those covering the old deployment first) so it
//!   covers the new deployment too, each kept only when the rating shows it
//!   covers more of it, then buy whatever is still uncovered. The new scope
//!   holds the old one: the subscription for a resource-group scope in the
//!   target's subscription, else shared (the billing account of the
//!   target's subscription, when it holds every subscription the old scope
//!   reaches). A management group is not tried: another reservation's
//!   group above or below it would be a conflict Azure refuses.

mod common;
mod convert;
mod discontinue;
mod edits;
mod eval;
pub mod lifetime;
mod migrate;
mod moves;
pub mod notice_remedies;
pub mod preview;
pub mod recommend;
pub mod remedies;

use crate::domain::plan::{Edit, Lifetime, Step};
pub use edits::{apply_by_hand, apply_edits, commitment_renewal_label, reservation_renewal_label};
pub use lifetime::lifetime_of;

use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, ceil_hour, floor_hour};
use crate::domain::{Estate, Sku};
use crate::rating::{self, Basis, RatingError, Window};
use chrono::Duration;
use rust_decimal::Decimal;
use std::fmt;

/// Days between now and a managed migration's agreed date (at least).
pub const MANAGED_LEAD_DAYS: i64 = 7;
/// Minutes between deleting a deployment and its replacement serving
/// traffic, in with-downtime options not tied to an expiry.
pub const DEPLOY_LAG_MINUTES: i64 = 60;

/// What to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Off a commitment, onto a reservation.
    Migrate { commitment: String },
    /// A deployment to another resource.
    Move {
        deployment: String,
        to_resource: String,
    },
    /// A deployment to another deployment type (Global or Data Zone).
    Convert { deployment: String, to: Sku },
    /// Stop using provisioned throughput on a resource.
    Discontinue { resource: String },
}

/// The four kinds of plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    Migrate,
    Move,
    Convert,
    Discontinue,
}

impl PlanKind {
    pub fn name(self) -> &'static str {
        match self {
            PlanKind::Migrate => "migrate",
            PlanKind::Move => "move",
            PlanKind::Convert => "convert",
            PlanKind::Discontinue => "discontinue",
        }
    }
}

impl Subject {
    pub fn kind(&self) -> PlanKind {
        match self {
            Subject::Migrate { .. } => PlanKind::Migrate,
            Subject::Move { .. } => PlanKind::Move,
            Subject::Convert { .. } => PlanKind::Convert,
            Subject::Discontinue { .. } => PlanKind::Discontinue,
        }
    }

    /// The subject as one line: `cp-east`, `chat -> aoai-west`,
    /// `chat -> GlobalProvisionedManaged`, `aoai-east`.
    pub fn label(&self) -> String {
        match self {
            Subject::Migrate { commitment } => commitment.clone(),
            Subject::Move {
                deployment,
                to_resource,
            } => format!("{deployment} -> {to_resource}"),
            Subject::Convert { deployment, to } => format!("{deployment} -> {to}"),
            Subject::Discontinue { resource } => resource.clone(),
        }
    }
}

/// How to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The instant treated as now: nothing is planned before it.
    pub now: Time,
    /// How far the costs are rated (docs/commands.md: 90 days by default).
    pub horizon: Duration,
    /// Safety margin before an expiry (6 hours by default): purchases and
    /// deletions that must happen before it happen this much earlier.
    pub margin: Duration,
    /// How long both deployments live in a zero-downtime option.
    pub overlap: Duration,
    /// How far past the expiry a late move or deletion runs, in the
    /// contingency options.
    pub late: Duration,
    /// The basis the costs are rated on.
    pub basis: Basis,
    /// Convert: the new deployment's PTU (default: the old size, rounded up
    /// to the new type's step).
    pub ptu: Option<i64>,
    /// Settings of the rating: the CLI and the TUI pass the config file's,
    /// as `forecast` uses, so an applied plan agrees with it.
    pub rating: rating::Options,
}

impl Params {
    /// The defaults: 90-day horizon, 6-hour margin, one-day overlap, one day
    /// late, actual basis.
    pub fn new(now: Time) -> Params {
        Params {
            now,
            horizon: Duration::days(90),
            margin: Duration::hours(6),
            overlap: Duration::days(1),
            late: Duration::days(1),
            basis: Basis::Actual,
            ptu: None,
            rating: rating::Options::default(),
        }
    }

    /// The rated window: `[floor_hour(now), ceil_hour(now + horizon))`.
    pub fn window(&self) -> (Time, Time) {
        let from = floor_hour(self.now);
        let to = ceil_hour(self.now + self.horizon).max(from + Duration::hours(1));
        (from, to)
    }
}

/// A plan's costs over the horizon, for the slice of the estate it touches,
/// on the plan's basis ([`Params::basis`]). `double_billing` and `unused`
/// are parts of `reservation` and `commitment` (idle capacity paid for),
/// shown because they are the leak.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Costs {
    /// Reservation capacity idle while a commitment covered the same PTUs,
    /// as far as it is paid twice: a managed migration's credit pays back
    /// the commitment time it overlaps, so there it counts 0 once the credit
    /// is counted in the horizon (the windows still show what `forecast`
    /// will show).
    pub double_billing: Decimal,
    /// Deployed PTU paying the hourly rate.
    pub hourly: Decimal,
    /// Commitment charges.
    pub commitment: Decimal,
    /// Reservation charges (refunds included).
    pub reservation: Decimal,
    /// The managed migration's credit counted in the horizon (negative);
    /// not in the rating core.
    pub credit: Decimal,
    /// Capacity idle with nothing to cover.
    pub unused: Decimal,
    /// What the option commits to after the horizon's end: the charges of
    /// the commitment and reservation terms in force at the end that fall
    /// after it (their renewals can still be turned off, so they don't
    /// count), less the credit counted after it. Not in `total`.
    pub committed_after_horizon: Decimal,
}

impl Costs {
    /// Hourly + commitment + reservation + credit (the horizon only).
    pub fn total(&self) -> Decimal {
        self.hourly + self.commitment + self.reservation + self.credit
    }
}

/// What options are compared on, whatever basis their [`Costs`] are shown
/// on: the amortized basis (each day of the horizon carries the cost of the
/// capacity it uses, whenever that is billed), so re-dating a purchase or
/// avoiding double billing shows as the saving it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// The amortized total over the horizon (credits spread over the days
    /// they pay back).
    pub total: Decimal,
    /// [`Costs::committed_after_horizon`] on the amortized basis.
    pub committed_after_horizon: Decimal,
}

impl Comparison {
    /// The horizon's cost plus what the option commits to after it: what
    /// the recommendation ranks by.
    pub fn all_in(&self) -> Decimal {
        self.total + self.committed_after_horizon
    }
}

/// Whether a precondition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The estate shows it holds.
    Met,
    /// The estate shows it fails: the option can't be carried out as is.
    Unmet,
    /// The estate can't tell (e.g. no quota row).
    Unknown,
    /// For the user to confirm (roles, agreements).
    Manual,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Unmet => "unmet",
            Status::Unknown => "unknown",
            Status::Manual => "manual",
        }
    }
}

/// What a precondition is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Deployed PTU within the quota of a subscription, region and type
    /// (more can be requested, self-service).
    Quota,
    /// The models a resource with a commitment may run.
    Model,
    /// Buying a commitment (no new enrollments since 1 August 2024).
    Enrollment,
    /// A role the sources name.
    Role,
    /// Someone else's agreement (the account team).
    Agreement,
    /// Service capacity for the model where PTUs are added: Azure's last
    /// `modelCapacities` answer, with its age (capacity can't be
    /// requested, and a reservation doesn't guarantee it).
    Capacity,
}

impl Check {
    pub fn name(self) -> &'static str {
        match self {
            Check::Quota => "quota",
            Check::Model => "model",
            Check::Enrollment => "enrollment",
            Check::Role => "role",
            Check::Agreement => "agreement",
            Check::Capacity => "capacity",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Precondition {
    pub check: Check,
    pub status: Status,
    pub text: String,
}

/// A credit outside the rating core (the managed migration's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    /// When it is granted (the billing period after the purchase): where
    /// the actual basis counts it.
    pub at: Time,
    /// Negative.
    pub amount: Decimal,
    pub what: String,
    /// The days it pays back, `[from, to)` from midnight to midnight: where
    /// the amortized basis spreads it, evenly per hour (docs/reservations.md#amortization,
    /// the rule for a prorated charge).
    pub pays_back: (Time, Time),
}

/// One way to do it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOption {
    /// Short, unique within the plan: `overlap`, `gap`, `managed`...
    pub name: String,
    /// One line saying what it is.
    pub title: String,
    /// What to do when, in time order.
    pub steps: Vec<Step>,
    /// The steps as changes to the estate ([`apply`] makes them).
    pub edits: Vec<Edit>,
    pub costs: Costs,
    /// The amortized figures the recommendation compares.
    pub compare: Comparison,
    /// The amortized total less doing nothing's (negative: it saves),
    /// whatever basis `costs` are on: see [`Comparison`].
    pub vs_nothing: Decimal,
    /// The windows the rating finds in the slice (what `forecast` will
    /// show once the plan is applied).
    pub windows: Vec<Window>,
    /// Time without a deployment serving the workload.
    pub downtime: Duration,
    pub preconditions: Vec<Precondition>,
    pub notes: Vec<String>,
    /// No downtime and nothing that depends on someone else.
    pub safe: bool,
    /// What to do if things run late: never recommended.
    pub contingency: bool,
    /// Credits the rating core can't express (managed migration).
    pub credits: Vec<Credit>,
    /// The option as a remedy, priced by [`remedies::Pricer`] against doing
    /// nothing over the workload's lifetime and the horizon (the figures
    /// the recommendation ranks by).
    pub remedy: Option<crate::domain::plan::Remedy>,
}

impl PlanOption {
    /// Doing nothing's amortized cost over the workload's lifetime less the
    /// option's (positive: it saves).
    pub fn saving_lifetime(&self) -> Decimal {
        self.remedy
            .as_ref()
            .map_or(Decimal::ZERO, |r| r.saving_lifetime)
    }

    /// The same over the horizon (the reported window).
    pub fn saving_horizon(&self) -> Decimal {
        self.remedy
            .as_ref()
            .map_or(-self.vs_nothing, |r| r.saving_horizon)
    }

    /// True when a precondition is known to fail.
    pub fn blocked(&self) -> bool {
        self.preconditions.iter().any(|p| p.status == Status::Unmet)
    }

    /// True when every failing precondition is quota (which can be
    /// requested, self-service).
    pub fn blocked_by_quota_only(&self) -> bool {
        self.preconditions
            .iter()
            .filter(|p| p.status == Status::Unmet)
            .all(|p| p.check == Check::Quota)
    }

    /// Why the option is not safe, in a few words (`None` when it is):
    /// it needs someone else's agreement, it has downtime, or it is what to
    /// do if things run late.
    pub fn unsafe_reason(&self) -> Option<&'static str> {
        if self.safe {
            None
        } else if self
            .preconditions
            .iter()
            .any(|p| p.check == Check::Agreement)
        {
            Some("needs the account team")
        } else if self.downtime > Duration::zero() {
            Some("downtime")
        } else if self.contingency {
            Some("only if late")
        } else {
            Some("not self-service")
        }
    }
}

/// Doing nothing, rated the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub costs: Costs,
    /// The amortized figures options are compared with.
    pub compare: Comparison,
    pub windows: Vec<Window>,
}

/// A labelled figure of the plan (expiry, purchase time, quantity...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// Every option for one subject, priced and compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSet {
    pub kind: PlanKind,
    pub subject: Subject,
    /// The rated window.
    pub from: Time,
    pub to: Time,
    pub basis: Basis,
    pub currency: String,
    pub margin: Duration,
    pub facts: Vec<Fact>,
    pub baseline: Baseline,
    pub options: Vec<PlanOption>,
    /// The cheapest safe option's name.
    pub recommended: Option<String>,
    pub notes: Vec<String>,
    /// The resources, commitments and reservations the costs cover.
    pub slice: Slice,
    /// How long the workload needs its capacity: what options are
    /// compared over.
    pub lifetime: Lifetime,
}

impl PlanSet {
    pub fn option(&self, name: &str) -> Option<&PlanOption> {
        self.options.iter().find(|o| o.name == name)
    }

    /// The option names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.options.iter().map(|o| o.name.as_str()).collect()
    }
}

/// The part of the estate a plan's costs cover.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slice {
    pub resources: std::collections::BTreeSet<String>,
    pub commitments: std::collections::BTreeSet<String>,
    /// Reservation ids (renewed terms `id/rN` belong to `id`).
    pub reservations: std::collections::BTreeSet<String>,
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// An id that the estate doesn't hold (what, id, the ids it holds).
    Unknown {
        what: &'static str,
        id: String,
        known: Vec<String>,
    },
    /// A request that makes no sense for this estate (same resource, same
    /// type, an expired commitment...).
    Pointless(String),
    /// No option of that name.
    UnknownOption { name: String, known: Vec<String> },
    /// The rating core refused the estate or a what-if.
    Rating(RatingError),
    /// A what-if the planner built is invalid (a bug, or an estate the
    /// planner can't handle): the message says which option and why.
    WhatIf(String),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            PlanError::Unknown { what, id, known } => {
                write!(f, "no {what} {id:?} in the estate")?;
                if known.is_empty() {
                    write!(f, " (it has none)")
                } else {
                    let shown: Vec<&str> = known.iter().take(8).map(String::as_str).collect();
                    let more = if known.len() > 8 {
                        format!(" and {} more", known.len() - 8)
                    } else {
                        String::new()
                    };
                    write!(f, "; expected one of: {}{more}", shown.join(", "))
                }
            }
            PlanError::Pointless(m) => f.write_str(m),
            PlanError::UnknownOption { name, known } => write!(
                f,
                "no option {name:?} in this plan; expected one of: {}",
                known.join(", ")
            ),
            PlanError::Rating(e) => write!(f, "{e}"),
            PlanError::WhatIf(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for PlanError {}

impl From<RatingError> for PlanError {
    fn from(e: RatingError) -> Self {
        PlanError::Rating(e)
    }
}

/// Every option for `subject`, priced over the horizon with `book` under
/// the estate's own prices, compared with doing nothing, the cheapest safe
/// one recommended.
pub fn plans(
    estate: &Estate,
    book: &PriceBook,
    subject: &Subject,
    params: &Params,
) -> Result<PlanSet, PlanError> {
    let lifetime = subject_lifetime(estate, subject, params.now);
    let ctx = common::Ctx::new(estate, book, params, lifetime);
    match subject {
        Subject::Migrate { commitment } => migrate::plan(&ctx, commitment),
        Subject::Move {
            deployment,
            to_resource,
        } => moves::plan(&ctx, deployment, to_resource),
        Subject::Convert { deployment, to } => convert::plan(&ctx, deployment, *to),
        Subject::Discontinue { resource } => discontinue::plan(&ctx, resource),
    }
}

/// The lifetime of what a plan is about: the Regional deployments on a
/// migrated commitment's resource; the moved or converted deployment.
/// Discontinuing a resource ends its deployments by design: what the plan
/// decides is what becomes of the instruments left behind, which renew
/// with no end, so it is open-ended.
pub fn subject_lifetime(estate: &Estate, subject: &Subject, now: Time) -> Lifetime {
    match subject {
        Subject::Migrate { commitment } => {
            let Some(c) = estate.commitments.iter().find(|c| &c.id == commitment) else {
                return Lifetime::open_ended();
            };
            let deps: Vec<&str> = estate
                .deployments
                .iter()
                .filter(|d| d.resource == c.resource && d.sku == Sku::Regional)
                .map(|d| d.id.as_str())
                .collect();
            if deps.is_empty() {
                return Lifetime::open_ended();
            }
            lifetime_of(estate, deps, now)
        }
        Subject::Move { deployment, .. } | Subject::Convert { deployment, .. } => {
            lifetime_of(estate, [deployment.as_str()], now)
        }
        Subject::Discontinue { .. } => Lifetime::open_ended(),
    }
}

/// The estate with the option's steps made: future-dated changes (plans),
/// checked as any estate is.
pub fn apply(estate: &Estate, option: &PlanOption) -> Result<Estate, PlanError> {
    let e = apply_edits(estate, &option.edits)?;
    crate::domain::validate::validate(&e).map_err(|v| {
        PlanError::WhatIf(format!(
            "option {} would leave the estate invalid: {v}",
            option.name
        ))
    })?;
    Ok(e)
}

/// Plans `subject` and applies the option called `name`: what `--apply`
/// writes. Returns the new estate, the plan set and the option's index.
pub fn apply_named(
    estate: &Estate,
    book: &PriceBook,
    subject: &Subject,
    params: &Params,
    name: &str,
) -> Result<(Estate, PlanSet, usize), PlanError> {
    let set = plans(estate, book, subject, params)?;
    let Some(i) = set.options.iter().position(|o| o.name == name) else {
        return Err(PlanError::UnknownOption {
            name: name.to_string(),
            known: set.names().iter().map(|s| s.to_string()).collect(),
        });
    };
    let e = apply(estate, &set.options[i])?;
    Ok((e, set, i))
}

/// A duration as ISO 8601: `PT0S`, `PT6H`, `P1DT4H`, `PT30M`, `P2D`.
pub fn iso_duration(d: Duration) -> String {
    let mut secs = d.num_seconds().max(0);
    if secs == 0 {
        return "PT0S".into();
    }
    let days = secs / 86_400;
    secs %= 86_400;
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if h > 0 || m > 0 || s > 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if s > 0 {
            out.push_str(&format!("{s}S"));
        }
    }
    out
}

/// A duration for people: `6h`, `1d 4h`, `30m`, `0`.
pub fn short_duration(d: Duration) -> String {
    let secs = d.num_seconds().max(0);
    if secs == 0 {
        return "0".into();
    }
    let (days, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days}d"));
    }
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if parts.is_empty() {
        parts.push(format!("{secs}s"));
    }
    parts.join(" ")
}

/// An instant for step texts: `2026-12-09 18:00 UTC` (RFC 3339 in JSON `at`).
pub(crate) fn when(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests;

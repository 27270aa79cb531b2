//! `ptudesk plan`: every path off a commitment, between resources, to
//! Global or Data Zone, or out of provisioned throughput, priced by the
//! rating core and compared (the planner does the work; this renders it).
//! `--apply NAME` writes the chosen option's steps into the store as
//! future-dated plans, in one audited, undoable change.

use super::{BasisArg, Failure, Global, load_estate, out, store_path};
use crate::domain::Sku;
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, parse_duration_arg};
use crate::planner::{self, Params, PlanSet, Subject};
use crate::rating::Basis;
use crate::report::plans::{self, Applied};
use crate::store::Store;
use chrono::Duration;
use clap::{Args, Subcommand, ValueEnum};

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub what: PlanCommand,
}

#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// Off a commitment onto a reservation: overlap, gap, managed; one month against one year
    Migrate(MigrateArgs),
    /// A deployment to another resource: no overlap (downtime) or overlap (extra cost), and what to do if it runs late
    Move(MoveArgs),
    /// A deployment to Global or Data Zone: zero downtime or with downtime; the new reservation type
    Convert(ConvertArgs),
    /// Stop using a resource: don't renew, delete by the expiry; the cost of each late day
    Discontinue(DiscontinueArgs),
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The commitment to move off
    #[arg(long, value_name = "ID")]
    pub commitment: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct MoveArgs {
    /// The deployment to move
    #[arg(long, value_name = "ID")]
    pub deployment: String,
    /// The resource to move it to
    #[arg(long, value_name = "R")]
    pub to_resource: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The deployment to convert
    #[arg(long, value_name = "ID")]
    pub deployment: String,
    /// The new deployment type
    #[arg(long, value_name = "TYPE", value_parser = parse_target)]
    pub to: Sku,
    /// PTU of the new deployment (default: the same count, rounded up to the type's step)
    #[arg(long, value_name = "N")]
    pub ptu: Option<i64>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct DiscontinueArgs {
    /// The resource to stop using
    #[arg(long, value_name = "R")]
    pub resource: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
}

/// The flags every kind of plan takes.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// How far ahead the costs are rated
    #[arg(long, value_name = "DURATION", default_value = "90d", value_parser = parse_duration_arg)]
    pub horizon: Duration,
    /// Safety margin before an expiry (purchases and deletions happen this much earlier)
    #[arg(long, value_name = "DURATION", default_value = "6h", value_parser = parse_duration_arg)]
    pub margin: Duration,
    /// How long both deployments live in a zero-downtime option
    #[arg(long, value_name = "DURATION", default_value = "1d", value_parser = parse_duration_arg)]
    pub overlap: Duration,
    /// How far past the expiry a late move or deletion runs (contingency options)
    #[arg(long, value_name = "DURATION", default_value = "1d", value_parser = parse_duration_arg)]
    pub late: Duration,
    /// When charges count: when billed (as `forecast` by default), or spread over the days they pay for
    #[arg(long, value_enum, default_value_t = BasisArg::Actual)]
    pub basis: BasisArg,
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
    /// Write this option's steps into the store as future-dated plans (undo: `ptudesk undo`)
    #[arg(long, value_name = "NAME")]
    pub apply: Option<String>,
}

fn parse_target(s: &str) -> Result<Sku, String> {
    let sku = match s.trim().to_ascii_lowercase().as_str() {
        "global" => Some(Sku::Global),
        "datazone" | "data-zone" | "data_zone" => Some(Sku::DataZone),
        _ => Sku::from_azure_name(s.trim()),
    };
    match sku {
        Some(Sku::Regional) => Err(
            "ProvisionedManaged is Regional, the type a conversion starts from; expected GlobalProvisionedManaged or DataZoneProvisionedManaged".into(),
        ),
        Some(k) => Ok(k),
        None => Err(format!(
            "expected GlobalProvisionedManaged or DataZoneProvisionedManaged, got {s:?}"
        )),
    }
}

impl PlanArgs {
    fn subject(&self) -> (Subject, &Common, Option<i64>) {
        match &self.what {
            PlanCommand::Migrate(a) => (
                Subject::Migrate {
                    commitment: a.commitment.clone(),
                },
                &a.common,
                None,
            ),
            PlanCommand::Move(a) => (
                Subject::Move {
                    deployment: a.deployment.clone(),
                    to_resource: a.to_resource.clone(),
                },
                &a.common,
                None,
            ),
            PlanCommand::Convert(a) => (
                Subject::Convert {
                    deployment: a.deployment.clone(),
                    to: a.to,
                },
                &a.common,
                a.ptu,
            ),
            PlanCommand::Discontinue(a) => (
                Subject::Discontinue {
                    resource: a.resource.clone(),
                },
                &a.common,
                None,
            ),
        }
    }
}

pub fn plan(g: &Global, a: &PlanArgs, now: Time) -> Result<(), Failure> {
    let (subject, c, ptu) = a.subject();
    if c.horizon < Duration::hours(1) {
        return Err(Failure::input(
            "--horizon must be at least 1h (a duration such as 90d, 6h or 30m)",
        ));
    }
    let params = Params {
        now,
        horizon: c.horizon,
        margin: c.margin,
        overlap: c.overlap,
        late: c.late,
        basis: match c.basis {
            BasisArg::Actual => Basis::Actual,
            BasisArg::Amortized => Basis::Amortized,
        },
        ptu,
        // The same settings `forecast` rates with, so an applied plan
        // agrees with it (an early termination fee on a refund, say).
        rating: g.config()?.rating_options(),
    };
    let book = PriceBook::default_book();
    let Some(name) = &c.apply else {
        let estate = load_estate(g, now)?;
        let set = planner::plans(&estate, &book, &subject, &params)?;
        return out(&render(&set, c.format, None));
    };
    if g.scenario.is_some() || g.demo {
        return Err(Failure::input(
            "--apply writes the plan into the store: it does not go with --scenario or --demo (import the file first, or use --db)",
        ));
    }
    let mut store = Store::open_existing(&store_path(g)?)?;
    let done = crate::ops::apply_plan(&mut store, "plan", &book, &subject, &params, name, now)?;
    let set = done.set;
    let applied = Applied {
        option: name.clone(),
        change: done.written.change,
    };
    out(&render(&set, c.format, Some(&applied)))
}
fn render(set: &PlanSet, format: PlanFormat, applied: Option<&Applied>) -> String {
    match format {
        PlanFormat::Json => plans::to_json(set, applied),
        PlanFormat::Table => plans::to_text(set, applied),
    }
}

//! The command line: arguments (clap), input resolution and dispatch. Thin:
//! every figure comes from the rating core.

pub mod capacity;
pub mod check;
pub mod fix;
pub mod notify;
pub mod plan;
pub mod recommend;
pub mod store;
pub mod sync;
mod webhook;

use crate::domain::Estate;
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, add_months, month_start, parse_time_arg};
use crate::ingest::snapshot;
use crate::rating::{self, Basis, Bucket, Request};
use crate::report;
use crate::safe;
use chrono::{TimeZone, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "ptudesk",
    version,
    about = "Azure OpenAI provisioned throughput: quota, deployments, commitments, reservations, and the money that leaks between them",
    after_help = "Times (T) are RFC 3339 (2026-12-01T08:00:00Z) or dates (2026-12-01, meaning 00:00 UTC)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The store (an SQLite file); default: ptudesk.db in the platform's data folder
    #[arg(long, global = true, env = "PTUDESK_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Rate a snapshot file instead of the store
    #[arg(long, global = true, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// The time treated as now (default: the clock); it only sets defaults
    #[arg(long, global = true, value_name = "T", value_parser = parse_time_arg)]
    pub now: Option<Time>,
    /// The terminal app's clock starts at T and runs from there (demos, tests); --now stops it
    #[arg(long, global = true, value_name = "T", value_parser = parse_time_arg, conflicts_with = "now")]
    pub clock_start: Option<Time>,
    /// Use the bundled demo estate, dated around now (in a throw-away store)
    #[arg(long, global = true)]
    pub demo: bool,
    /// Open the terminal app without edits
    #[arg(long, global = true)]
    pub readonly: bool,
    /// The settings, read once on first use ([`Global::config`]).
    #[arg(skip)]
    pub settings: std::cell::OnceCell<crate::config::Config>,
}

impl Global {
    /// The settings (`PTUDESK_CONFIG` or the platform's config file over
    /// the defaults), read the first time a command needs them and kept for
    /// the rest of the run.
    pub fn config(&self) -> Result<&crate::config::Config, Failure> {
        if let Some(c) = self.settings.get() {
            return Ok(c);
        }
        let c = crate::config::Config::load().map_err(Failure::input)?;
        Ok(self.settings.get_or_init(|| c))
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Rate a window: totals, instruments, windows where money leaks, periods
    Forecast(ForecastArgs),
    /// Import snapshot files, az CLI JSON output or price lists into the store, in one transaction
    Import(store::ImportArgs),
    /// Write the store as a snapshot, CSV tables, or FOCUS-shaped usage
    Export(store::ExportArgs),
    /// List the store's changes (imports, edits, undos)
    Log(store::LogArgs),
    /// Revert the last change
    Undo,
    /// Say what changed in the store since a time
    Diff(store::DiffArgs),
    /// The notifications in force now or due within the horizon (exit 0 none, 1 warning, 2 critical, 3 could not check)
    Check(check::CheckArgs),
    /// Silence a notification (or --list them)
    Ack(check::AckArgs),
    /// Undo an acknowledgement
    Unack(check::UnackArgs),
    /// A notification's remedies, priced; --apply writes one into the store (exit 1 on a bad id or a remedy that can't apply)
    Fix(fix::FixArgs),
    /// Migration plans with their costs, compared; --apply writes one into the store
    Plan(plan::PlanArgs),
    /// Read the live estate through your own az login and import it
    Sync(sync::SyncArgs),
    /// What to reserve: quantity, term, scope and date per region and type, priced against staying hourly; the expiry ladder; --apply N writes one into the store
    Recommend(recommend::RecommendArgs),
    /// Where N PTU of a model can go: service capacity (as last read), free quota, price; never calls Azure
    Capacity(capacity::CapacityArgs),
    /// Write a deterministic synthetic estate (a snapshot) to stdout
    Generate(GenerateArgs),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum BasisArg {
    Actual,
    Amortized,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ByArg {
    Day,
    Month,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ForecastFormat {
    Table,
    Json,
    Csv,
}

#[derive(Args, Debug)]
pub struct ForecastArgs {
    /// Start, a whole UTC hour (default: the start of the month containing now)
    #[arg(long, value_name = "T", value_parser = parse_time_arg)]
    pub from: Option<Time>,
    /// End, exclusive, a whole UTC hour (default: one month after --from)
    #[arg(long, value_name = "T", value_parser = parse_time_arg)]
    pub to: Option<Time>,
    /// When charges count: when billed, or spread over the days they pay for
    #[arg(long, value_enum, default_value_t = BasisArg::Actual)]
    pub basis: BasisArg,
    /// Length of the period rows
    #[arg(long, value_enum, default_value_t = ByArg::Month)]
    pub by: ByArg,
    #[arg(long, value_enum, default_value_t = ForecastFormat::Table)]
    pub format: ForecastFormat,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Number of deployments (1 or more)
    #[arg(
        long,
        default_value_t = 100,
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub scale: u32,
    /// Seed of the generator; the same seed gives the same bytes everywhere
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Shape of the estate: `spread` (many regions and subscriptions) or
    /// `concentrated` (two regions, a handful of subscriptions, frequent
    /// resizes, mostly shared and management-group reservations)
    #[arg(long, value_enum, default_value_t = ProfileArg::Spread)]
    pub profile: ProfileArg,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    Spread,
    Concentrated,
}

/// The exit statuses, all of them (docs/outputs.md): `check` answers in
/// the monitoring-plugin convention, every other command 0 or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done; `check`: nothing to report.
    Ok,
    /// Bad input or a failed command: nothing written.
    Failed,
    /// `check`: the worst notification shown is a warning.
    Warning,
    /// `check`: the worst notification shown is critical.
    Critical,
    /// `check`: could not check (or could not deliver).
    Unknown,
}

impl Exit {
    /// The process's exit code.
    pub fn code(self) -> i32 {
        match self {
            Exit::Ok => 0,
            Exit::Failed | Exit::Warning => 1,
            Exit::Critical => 2,
            Exit::Unknown => 3,
        }
    }

    /// The status of a command line clap refused: `check` could not check
    /// (3), any other command failed (1). Which command was meant is clap's
    /// own reading of the arguments, errors ignored.
    pub fn for_usage_error() -> Exit {
        use clap::CommandFactory;
        let meant = Cli::command().ignore_errors(true).try_get_matches().ok();
        match meant.as_ref().and_then(|m| m.subcommand_name()) {
            Some("check") => Exit::Unknown,
            _ => Exit::Failed,
        }
    }
}

/// A failure with the exit status it calls for.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub exit: Exit,
}

impl Failure {
    pub fn input(message: impl ToString) -> Failure {
        Failure {
            message: message.to_string(),
            exit: Exit::Failed,
        }
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure::input(e)
    }
}

/// The default base date of `generate` (never the clock).
pub fn generate_base() -> Time {
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
}

/// The store a command works on: `--db`, `PTUDESK_DB`, or the default path.
pub fn store_path(g: &Global) -> Result<PathBuf, Failure> {
    match &g.db {
        Some(p) => Ok(p.clone()),
        None => Ok(crate::store::default_path()?),
    }
}

/// The estate a command works on: the demo, a scenario file, or the store.
pub fn load_estate(g: &Global, now: Time) -> Result<Estate, Failure> {
    if g.demo {
        return Ok(crate::demo::estate(now));
    }
    if let Some(path) = &g.scenario {
        return Ok(snapshot::load(path)?);
    }
    let store = crate::store::Store::open_existing(&store_path(g)?)?;
    Ok(store.load()?)
}

/// The forecast window: `--from`/`--to`, else the month containing now.
pub fn window(from: Option<Time>, to: Option<Time>, now: Time) -> (Time, Time) {
    match (from, to) {
        (Some(f), Some(t)) => (f, t),
        (Some(f), None) => (f, add_months(f, 1)),
        (None, Some(t)) => (add_months(t, -1), t),
        (None, None) => {
            let f = month_start(now);
            (f, add_months(f, 1))
        }
    }
}

/// Writes a command's output to stdout. Every control character but the
/// line break is shown visibly ([`safe::plain_lines`]): text from
/// the estate never drives the terminal. JSON and CSV producers escape
/// their text as their formats say, so this leaves them unchanged.
pub(crate) fn out(text: &str) -> Result<(), Failure> {
    let text = safe::plain_lines(text);
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|e| Failure::input(format!("cannot write output: {e}"))),
    }
}

fn forecast(g: &Global, a: &ForecastArgs, now: Time) -> Result<(), Failure> {
    let estate = load_estate(g, now)?;
    let (from, to) = window(a.from, a.to, now);
    let req = Request {
        from,
        to,
        basis: match a.basis {
            BasisArg::Actual => Basis::Actual,
            BasisArg::Amortized => Basis::Amortized,
        },
        by: match a.by {
            ByArg::Day => Bucket::Day,
            ByArg::Month => Bucket::Month,
        },
    };
    let f = rating::forecast(
        &estate,
        &PriceBook::default_book(),
        &req,
        &g.config()?.rating_options(),
    )?;
    let text = match a.format {
        ForecastFormat::Table => report::forecast::to_table(&f),
        ForecastFormat::Json => report::forecast::to_json(&f),
        ForecastFormat::Csv => {
            store::note_unverified(&f);
            report::forecast::to_csv(&f)
        }
    };
    out(&text)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    // Checked here rather than by clap's `conflicts_with`, which misses the
    // two flags given on either side of the subcommand.
    if cli.global.demo && cli.global.scenario.is_some() {
        return Err(Failure {
            message: "--demo and --scenario cannot be used together: --demo uses the bundled demo estate, --scenario FILE the estate in FILE; give one".into(),
            exit: if matches!(cli.command, Some(Command::Check(_))) {
                Exit::Unknown
            } else {
                Exit::Failed
            },
        });
    }
    let now = cli.global.now.unwrap_or_else(Utc::now);
    match &cli.command {
        Some(Command::Forecast(a)) => forecast(&cli.global, a, now),
        Some(Command::Import(a)) => store::import(&cli.global, a, now),
        Some(Command::Export(a)) => store::export(&cli.global, a, now),
        Some(Command::Log(a)) => store::log(&cli.global, a),
        Some(Command::Undo) => store::undo(&cli.global, now),
        Some(Command::Diff(a)) => store::diff(&cli.global, a),
        Some(Command::Check(a)) => check::check(&cli.global, a, now),
        Some(Command::Ack(a)) => check::ack(&cli.global, a, now),
        Some(Command::Unack(a)) => check::unack(&cli.global, a),
        Some(Command::Fix(a)) => fix::fix(&cli.global, a, now),
        Some(Command::Plan(a)) => plan::plan(&cli.global, a, now),
        Some(Command::Sync(a)) => sync::sync(&cli.global, a, now),
        Some(Command::Capacity(a)) => capacity::capacity(&cli.global, a, now),
        Some(Command::Recommend(a)) => recommend::recommend(&cli.global, a, now),
        Some(Command::Generate(a)) => {
            let base = cli.global.now.unwrap_or_else(generate_base);
            let profile = match a.profile {
                ProfileArg::Spread => crate::generate::Profile::Spread,
                ProfileArg::Concentrated => crate::generate::Profile::Concentrated,
            };
            let estate = crate::generate::generate_profile(a.scale as usize, a.seed, base, profile);
            out(&snapshot::to_json(&estate))
        }
        None => {
            // No command: the terminal app, on the demo, a scenario or the store.
            let config = cli.global.config()?.clone();
            let store = if cli.global.demo {
                crate::tui::StoreChoice::Demo
            } else if let Some(file) = &cli.global.scenario {
                crate::tui::StoreChoice::Scenario(file.clone())
            } else {
                crate::tui::StoreChoice::Path(store_path(&cli.global)?)
            };
            crate::tui::run(crate::tui::Options {
                store,
                now: cli.global.now,
                clock_start: cli.global.clock_start,
                readonly: cli.global.readonly,
                config,
            })
            .map_err(Failure::input)
        }
    }
}

//! `ptudesk recommend`: what to reserve, for how long, at which scope, in
//! how many steps; the expiry ladder; `--apply N` writes recommendation N
//! into the store as one change. Every figure comes from
//! [`crate::planner::recommend`].

use super::{Failure, Global, load_estate, out, store_path};
use crate::domain::Billing;
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, parse_duration_arg};
use crate::planner::recommend::{ScopeMode, Settings, TermChoice, recommend as run_recommend};
use crate::report::recommendations;
use crate::store::Store;
use clap::{Args, ValueEnum};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LookbackArg {
    #[value(name = "7d")]
    D7,
    #[value(name = "30d")]
    D30,
    #[value(name = "60d")]
    D60,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum TermArg {
    #[value(name = "P1M")]
    P1m,
    #[value(name = "P1Y")]
    P1y,
    Both,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum BillingArg {
    Upfront,
    Monthly,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    Auto,
    Shared,
    Subscription,
    ResourceGroup,
    ManagementGroup,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum RecommendFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct RecommendArgs {
    /// The past whose pattern a deployment with nothing planned repeats
    #[arg(long, value_enum, default_value_t = LookbackArg::D30)]
    pub lookback: LookbackArg,
    /// The window the figures cover, from now (e.g. 365d)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_arg, default_value = "365d")]
    pub horizon: chrono::Duration,
    /// The terms to recommend: one of them, or both (chosen by the workload's lifetime)
    #[arg(long, value_enum, default_value_t = TermArg::Both)]
    pub term: TermArg,
    /// Billing plan (default: one-month terms up front, one-year terms monthly)
    #[arg(long, value_enum)]
    pub billing: Option<BillingArg>,
    /// The scope a purchase takes (auto: shared when the hourly PTU of a billing account spans subscriptions)
    #[arg(long, value_enum, default_value_t = ScopeArg::Auto)]
    pub scope: ScopeArg,
    /// Buy each quantity in N tranches of staggered one-year terms
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=12))]
    pub ladder: u32,
    #[arg(long, value_enum, default_value_t = RecommendFormat::Table)]
    pub format: RecommendFormat,
    /// Write recommendation N into the store as planned changes (one change; `ptudesk undo` reverts it)
    #[arg(long, value_name = "N")]
    pub apply: Option<usize>,
}

impl RecommendArgs {
    pub fn settings(&self) -> Result<Settings, Failure> {
        if self.horizon < chrono::Duration::hours(1) {
            return Err(Failure::input("--horizon must be at least 1h"));
        }
        Ok(Settings {
            lookback: chrono::Duration::days(match self.lookback {
                LookbackArg::D7 => 7,
                LookbackArg::D30 => 30,
                LookbackArg::D60 => 60,
            }),
            horizon: self.horizon,
            term: match self.term {
                TermArg::P1m => TermChoice::OneMonth,
                TermArg::P1y => TermChoice::OneYear,
                TermArg::Both => TermChoice::Both,
            },
            billing: self.billing.map(|b| match b {
                BillingArg::Upfront => Billing::Upfront,
                BillingArg::Monthly => Billing::Monthly,
            }),
            scope: match self.scope {
                ScopeArg::Auto => ScopeMode::Auto,
                ScopeArg::Shared => ScopeMode::Shared,
                ScopeArg::Subscription => ScopeMode::Subscription,
                ScopeArg::ResourceGroup => ScopeMode::ResourceGroup,
                ScopeArg::ManagementGroup => ScopeMode::ManagementGroup,
            },
            ladder: self.ladder,
        })
    }
}

pub fn recommend(g: &Global, a: &RecommendArgs, now: Time) -> Result<(), Failure> {
    let config = g.config()?;
    let opts = config.rating_options();
    let book = PriceBook::default_book();
    let settings = a.settings()?;
    let Some(n) = a.apply else {
        let estate = load_estate(g, now)?;
        let r = run_recommend(&estate, &book, &opts, now, &settings)
            .map_err(|e| Failure::input(e.to_string()))?;
        return out(&match a.format {
            RecommendFormat::Table => recommendations::to_table(&r),
            RecommendFormat::Json => recommendations::to_json(&r),
        });
    };
    if g.scenario.is_some() || g.demo {
        return Err(Failure::input(
            "--apply writes the recommendation into the store: it does not go with --scenario or --demo (import the file first, or use --db)",
        ));
    }
    let mut store = Store::open_existing(&store_path(g)?)?;
    let (written, r) =
        crate::ops::apply_recommendation(&mut store, "recommend", &book, &opts, &settings, n, now)?;
    let text = match a.format {
        RecommendFormat::Json => recommendations::applied_json(&r, n, written.change),
        RecommendFormat::Table => recommendations::applied_text(&r, n, written.change),
    };
    out(&text)
}

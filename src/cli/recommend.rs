//! `ptudesk recommend`: what to reserve, for how long, at which scope, in
//! how many steps; the expiry ladder; `--apply N` writes recommendation N
//! into the store as one change. Every figure comes from
//! [`crate::planner::recommend`].

use super::{Failure, Global, load_estate, out, store_path};
use crate::domain::money::{fmt_money, fmt_money_grouped};
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, fmt_time, parse_duration_arg};
use crate::domain::{Billing, Estate, Term};
use crate::planner::recommend::{
    Action, Report, ScopeMode, Settings, TermChoice, recommend as run_recommend,
};
use crate::store::Store;
use clap::{Args, ValueEnum};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::fmt::Write as _;

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

fn term_code(t: Option<Term>) -> &'static str {
    match t {
        Some(Term::OneMonth) => "P1M",
        Some(Term::OneYear) => "P1Y",
        None => "-",
    }
}

fn billing_name(b: Option<Billing>) -> &'static str {
    match b {
        Some(Billing::Upfront) => "upfront",
        Some(Billing::Monthly) => "monthly",
        None => "-",
    }
}

fn pct(d: Decimal) -> String {
    format!("{}%", (d * Decimal::from(100)).round_dp(1).normalize())
}

fn share(d: Option<Decimal>) -> Value {
    d.map_or(Value::Null, |x| {
        Value::String(x.round_dp(4).normalize().to_string())
    })
}

fn date(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// The report as JSON.
pub fn to_json(r: &Report) -> String {
    let rows: Vec<Value> = r
        .rows
        .iter()
        .map(|x| {
            json!({
                "n": x.n,
                "region": x.region,
                "type": x.sku.label(),
                "scope": x.scope.to_string(),
                "resources": x.resources,
                "demand": x.demand.name(),
                "lifetime": x.lifetime,
                "action": x.action.name(),
                "quantity": x.quantity,
                "term": x.term.map(|t| t.code()),
                "billing": x.billing.map(|b| billing_name(Some(b))),
                "start": x.start.map(fmt_time),
                "cost_horizon": fmt_money(x.cost_horizon),
                "cost_month": fmt_money(x.cost_month),
                "saving_horizon": fmt_money(x.saving_horizon),
                "saving_month": fmt_money(x.saving_month),
                "break_even_months": share(x.break_even_months),
                "break_even_share": share(x.break_even_share),
                "used_share": share(Some(x.used_share)),
                "utilisation": share(x.utilisation),
                "coverage_before": share(Some(x.coverage_before)),
                "coverage_after": share(Some(x.coverage_after)),
                "peak_hourly_ptu": x.peak_hourly,
                "rest": x.rest,
                "rescoped": x.rescoped,
                "conversion": x.conversion,
                "summary": x.summary,
                "changes": x.steps.iter().map(|s| json!({"at": fmt_time(s.at), "action": s.action})).collect::<Vec<_>>(),
                "ladder": x.ladder.as_ref().map(|l| json!({
                    "tranches": l.tranches.iter().map(|t| json!({
                        "ptu": t.ptu, "start": fmt_time(t.start), "expires": fmt_time(t.expires)
                    })).collect::<Vec<_>>(),
                    "saving_horizon": fmt_money(l.saving_horizon),
                    "extra_cost": fmt_money(l.extra_cost),
                    "changes": l.steps.iter().map(|s| json!({"at": fmt_time(s.at), "action": s.action})).collect::<Vec<_>>(),
                })),
            })
        })
        .collect();
    let expiries: Vec<Value> = r
        .expiries
        .iter()
        .map(|m| {
            json!({
                "region": m.region,
                "type": m.sku.label(),
                "month": m.month.format("%Y-%m").to_string(),
                "reserved_ptu": m.reserved_ptu,
                "committed_ptu": m.committed_ptu,
                "instruments": m.instruments.iter().map(|(id, ptu, end, renews)| json!({
                    "id": id, "ptu": ptu, "expires": fmt_time(*end), "renews": renews
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let cliffs: Vec<Value> = r
        .cliffs
        .iter()
        .map(|c| {
            json!({
                "region": c.region,
                "type": c.sku.label(),
                "from": fmt_time(c.from),
                "to": fmt_time(c.to),
                "ptu": c.ptu,
                "total_ptu": c.total,
                "instruments": c.instruments,
            })
        })
        .collect();
    let doc = json!({
        "now": fmt_time(r.now),
        "from": fmt_time(r.from),
        "to": fmt_time(r.to),
        "lookback_days": r.lookback_days,
        "recommendations": rows,
        "expiries": expiries,
        "cliffs": cliffs,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("serializes");
    s.push('\n');
    s
}

/// The report as tables.
pub fn to_table(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Recommendations {} .. {} (amortized, against staying hourly; lookback {}d where nothing is planned)",
        date(r.from),
        date(r.to),
        r.lookback_days
    );
    if r.rows.is_empty() {
        let _ = writeln!(
            s,
            "\nNothing pays the hourly rate over the horizon: nothing to buy."
        );
    }
    for x in &r.rows {
        let _ = writeln!(
            s,
            "\n{}. {} {} {} ({}): {}",
            x.n,
            x.region,
            x.sku.label(),
            x.scope,
            x.demand.name(),
            x.summary
        );
        if x.action == Action::Buy {
            let _ = writeln!(
                s,
                "   {} PTU {} {} from {}; costs ${} over the horizon (${} a month); saves ${} (${} a month)",
                x.quantity,
                term_code(x.term),
                billing_name(x.billing),
                x.start.map_or("-".into(), date),
                fmt_money_grouped(x.cost_horizon),
                fmt_money_grouped(x.cost_month),
                fmt_money_grouped(x.saving_horizon),
                fmt_money_grouped(x.saving_month),
            );
            let _ = writeln!(
                s,
                "   break-even {} months of use, {} of hours; used {} of hours; utilisation {}; coverage {} -> {}",
                x.break_even_months
                    .map_or("-".into(), |m| m.round_dp(2).normalize().to_string()),
                x.break_even_share.map_or("-".into(), pct),
                pct(x.used_share),
                x.utilisation.map_or("-".into(), pct),
                pct(x.coverage_before),
                pct(x.coverage_after)
            );
        } else if x.action == Action::Rescope {
            let _ = writeln!(
                s,
                "   saves ${} (${} a month); coverage {} -> {}",
                fmt_money_grouped(x.saving_horizon),
                fmt_money_grouped(x.saving_month),
                pct(x.coverage_before),
                pct(x.coverage_after)
            );
        }
        let _ = writeln!(s, "   lifetime: {}", x.lifetime.describe());
        if let Some(rest) = &x.rest {
            let _ = writeln!(s, "   rest: {rest}");
        }
        if let Some(c) = &x.conversion {
            let _ = writeln!(s, "   also: {c}");
        }
        for st in &x.steps {
            let _ = writeln!(s, "   - {}  {}", date(st.at), st.action);
        }
        if let Some(l) = &x.ladder {
            let _ = writeln!(
                s,
                "   ladder of {}: saves ${}, ${} more than one purchase over the horizon",
                l.tranches.len(),
                fmt_money_grouped(l.saving_horizon),
                fmt_money_grouped(l.extra_cost)
            );
            for t in &l.tranches {
                let _ = writeln!(
                    s,
                    "     {} PTU one-year from {}: frees {} PTU in {}",
                    t.ptu,
                    date(t.start),
                    t.ptu,
                    t.expires.format("%Y-%m")
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "\nExpiry ladder (next expiry of each instrument within the horizon):"
    );
    if r.expiries.is_empty() {
        let _ = writeln!(s, "  none");
    } else {
        let _ = writeln!(
            s,
            "  {:<16} {:<10} {:<8} {:>9} {:>10}  instruments",
            "region", "type", "month", "reserved", "committed"
        );
        for m in &r.expiries {
            let _ = writeln!(
                s,
                "  {:<16} {:<10} {:<8} {:>9} {:>10}  {}",
                m.region,
                m.sku.label(),
                m.month.format("%Y-%m"),
                m.reserved_ptu,
                m.committed_ptu,
                m.instruments
                    .iter()
                    .map(|(id, ptu, _, renews)| format!(
                        "{id} {ptu}{}",
                        if *renews { "" } else { " (not renewing)" }
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    for c in &r.cliffs {
        let _ = writeln!(
            s,
            "\nwarning: expiry cliff in {} {}: {} of its {} discounted PTU expire between {} and {} ({})",
            c.region,
            c.sku.label(),
            c.ptu,
            c.total,
            date(c.from),
            date(c.to),
            c.instruments.join(", ")
        );
    }
    if r.rows.iter().any(|x| !x.changes.is_empty()) {
        let _ = writeln!(
            s,
            "\n`ptudesk recommend --apply N` writes recommendation N into the store as planned changes."
        );
    }
    s
}

/// Recommendation `n` of a report, checked: it exists and changes something.
fn pick(r: &Report, n: usize) -> Result<&crate::planner::recommend::Recommendation, String> {
    let Some(x) = r.rows.iter().find(|x| x.n == n) else {
        return Err(format!(
            "no recommendation {n}: there {} {} (numbered from 1)",
            if r.rows.len() == 1 { "is" } else { "are" },
            r.rows.len()
        ));
    };
    if x.applied_changes().is_empty() {
        return Err(format!(
            "recommendation {n} changes nothing ({}): nothing to apply",
            x.action.name()
        ));
    }
    Ok(x)
}

/// Recommendation `n` applied to `current`, validated.
pub fn applied(
    current: &Estate,
    book: &PriceBook,
    opts: &crate::rating::Options,
    at: Time,
    s: &Settings,
    n: usize,
) -> Result<(Estate, Report), String> {
    let r = run_recommend(current, book, opts, at, s).map_err(|e| e.to_string())?;
    let x = pick(&r, n)?;
    let e = crate::planner::apply_edits(current, x.applied_changes()).map_err(|e| e.to_string())?;
    crate::domain::validate::validate(&e)
        .map_err(|v| format!("recommendation {n} would leave the estate invalid: {v}"))?;
    Ok((e, r))
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
            RecommendFormat::Table => to_table(&r),
            RecommendFormat::Json => to_json(&r),
        });
    };
    if g.scenario.is_some() || g.demo {
        return Err(Failure::input(
            "--apply writes the recommendation into the store: it does not go with --scenario or --demo (import the file first, or use --db)",
        ));
    }
    let mut store = Store::open_existing(&store_path(g)?)?;
    let mut shown: Option<Report> = None;
    let written = store.transact(
        "recommend",
        &format!("recommend --apply {n}"),
        now,
        |current| {
            let (e, r) = applied(current, &book, &opts, now, &settings, n)?;
            shown = Some(r);
            Ok::<_, String>(e)
        },
    )?;
    let written = written.map_err(Failure::input)?;
    let r = shown.expect("a report");
    let x = r.rows.iter().find(|x| x.n == n).expect("picked");
    let text = match a.format {
        RecommendFormat::Json => {
            let mut v: Value = serde_json::from_str(&to_json(&r)).expect("own JSON");
            v["applied"] = json!({"n": n, "change": written.change});
            let mut s = serde_json::to_string_pretty(&v).expect("serializes");
            s.push('\n');
            s
        }
        RecommendFormat::Table => {
            let mut s = String::new();
            let _ = writeln!(s, "{}. {}", x.n, x.summary);
            for st in x.ladder.as_ref().map_or(&x.steps, |l| &l.steps) {
                let _ = writeln!(s, "   - {}  {}", date(st.at), st.action);
            }
            match written.change {
                Some(id) => {
                    let _ = writeln!(
                        s,
                        "Applied recommendation {n} as change #{id}. `ptudesk undo` reverts it."
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        "Nothing written: the store already holds recommendation {n}'s changes."
                    );
                }
            }
            s
        }
    };
    out(&text)
}

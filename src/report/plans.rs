//! A plan set (`ptudesk plan`, the planner's options priced against doing
//! nothing) for people (a table that fits 80 columns) and for scripts
//! (JSON, docs/outputs.md).

use super::forecast::JsonWindow;
use super::{fit, wrap};
use crate::domain::money::{fmt_money, fmt_money_grouped, fmt_ptu_hours_grouped};
use crate::domain::time::{Time, fmt_time};
use crate::planner::{self, Comparison, Costs, PlanOption, PlanSet};
use crate::rating::{Basis, Window};
use rust_decimal::Decimal;
use serde::Serialize;
use std::fmt::Write;

/// What `--apply` did.
pub struct Applied {
    pub option: String,
    /// The change recorded, or `None` when the store already held the plan.
    pub change: Option<i64>,
}

/// The plan as a table, and what `--apply` did under it.
pub fn to_text(set: &PlanSet, applied: Option<&Applied>) -> String {
    let mut s = to_table(set);
    if let Some(a) = applied {
        s.push('\n');
        let text = match a.change {
            Some(id) => format!(
                "Applied option {} as change #{id}: its steps are in the store as future-dated plans. `ptudesk forecast --from {} --to {}` shows them; `ptudesk undo` reverts it.",
                a.option,
                fmt_time(set.from),
                fmt_time(set.to)
            ),
            None => format!(
                "Nothing written: the store already holds option {}'s steps.",
                a.option
            ),
        };
        for l in wrap(&text, "", 80) {
            let _ = writeln!(s, "{l}");
        }
    }
    s
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    kind: &'static str,
    subject: String,
    from: String,
    to: String,
    currency: &'a str,
    basis: &'static str,
    margin: String,
    facts: Vec<JsonFact<'a>>,
    /// How long the workload needs its capacity: what options are compared over.
    lifetime: crate::domain::plan::Lifetime,
    baseline: JsonBaseline<'a>,
    options: Vec<JsonOption<'a>>,
    recommended: Option<&'a str>,
    notes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    applied: Option<JsonApplied<'a>>,
}

#[derive(Serialize)]
struct JsonApplied<'a> {
    option: &'a str,
    change: Option<i64>,
}

#[derive(Serialize)]
struct JsonFact<'a> {
    label: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct JsonBaseline<'a> {
    costs: JsonCosts,
    comparison: JsonComparison,
    windows: Vec<JsonWindow<'a>>,
}

#[derive(Serialize)]
struct JsonCosts {
    double_billing: String,
    hourly: String,
    commitment: String,
    reservation: String,
    credit: String,
    unused: String,
    total: String,
    committed_after_horizon: String,
}

/// The amortized figures options are compared (and recommended) on.
#[derive(Serialize)]
struct JsonComparison {
    basis: &'static str,
    total: String,
    committed_after_horizon: String,
    all_in: String,
}

#[derive(Serialize)]
struct JsonStep<'a> {
    at: String,
    action: &'a str,
}

#[derive(Serialize)]
struct JsonPre<'a> {
    check: &'static str,
    status: &'static str,
    text: &'a str,
}

#[derive(Serialize)]
struct JsonOption<'a> {
    name: &'a str,
    title: &'a str,
    steps: Vec<JsonStep<'a>>,
    costs: JsonCosts,
    comparison: JsonComparison,
    vs_nothing: String,
    /// Doing nothing's amortized cost over the lifetime less the option's
    /// (positive: it saves); ranks the recommendation.
    saving_lifetime: String,
    /// The same over the horizon.
    saving_horizon: String,
    /// What the plan's objects cost a day over the horizon with the option.
    cost_per_day: String,
    downtime: String,
    safe: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    unsafe_because: Option<&'static str>,
    contingency: bool,
    preconditions: Vec<JsonPre<'a>>,
    windows: Vec<JsonWindow<'a>>,
    notes: &'a [String],
    /// The option as a remedy, the shape `check --format json` gives
    /// (docs/outputs.md#check-json): kind, changes, savings, safe.
    #[serde(skip_serializing_if = "Option::is_none")]
    remedy: Option<super::notices::JsonRemedy<'a>>,
}

fn json_costs(c: &Costs) -> JsonCosts {
    JsonCosts {
        double_billing: fmt_money(c.double_billing),
        hourly: fmt_money(c.hourly),
        commitment: fmt_money(c.commitment),
        reservation: fmt_money(c.reservation),
        credit: fmt_money(c.credit),
        unused: fmt_money(c.unused),
        total: fmt_money(c.total()),
        committed_after_horizon: fmt_money(c.committed_after_horizon),
    }
}

fn json_comparison(c: &Comparison) -> JsonComparison {
    JsonComparison {
        basis: Basis::Amortized.name(),
        total: fmt_money(c.total),
        committed_after_horizon: fmt_money(c.committed_after_horizon),
        all_in: fmt_money(c.all_in()),
    }
}

fn json_windows(ws: &[Window]) -> Vec<JsonWindow<'_>> {
    ws.iter().map(JsonWindow::of).collect()
}

/// The plan as JSON: `{"subject", "options": [{"name", "steps": [{"at",
/// "action"}], "costs": {"double_billing", "hourly", "commitment",
/// "reservation", "total", "credit", "committed_after_horizon", ...},
/// "comparison": {"basis": "amortized", "total", "committed_after_horizon",
/// "all_in"}, "vs_nothing", "downtime", "notes", ...}], "recommended", ...}`;
/// money as decimal strings rounded to cents, times RFC 3339, downtime ISO
/// 8601. `costs` are on the plan's basis; `vs_nothing` and the
/// recommendation on the amortized `comparison`.
pub fn to_json(set: &PlanSet, applied: Option<&Applied>) -> String {
    let doc = JsonPlan {
        kind: set.kind.name(),
        subject: set.subject.label(),
        from: fmt_time(set.from),
        to: fmt_time(set.to),
        currency: &set.currency,
        basis: set.basis.name(),
        margin: planner::iso_duration(set.margin),
        facts: set
            .facts
            .iter()
            .map(|f| JsonFact {
                label: &f.label,
                value: &f.value,
            })
            .collect(),
        lifetime: set.lifetime,
        baseline: JsonBaseline {
            costs: json_costs(&set.baseline.costs),
            comparison: json_comparison(&set.baseline.compare),
            windows: json_windows(&set.baseline.windows),
        },
        options: set.options.iter().map(json_option).collect(),
        recommended: set.recommended.as_deref(),
        notes: &set.notes,
        applied: applied.map(|a| JsonApplied {
            option: &a.option,
            change: a.change,
        }),
    };
    let mut s = crate::safe::json_safe(serde_json::to_string_pretty(&doc).expect("serializable"));
    s.push('\n');
    s
}

fn json_option(o: &PlanOption) -> JsonOption<'_> {
    JsonOption {
        name: &o.name,
        title: &o.title,
        steps: o
            .steps
            .iter()
            .map(|s| JsonStep {
                at: fmt_time(s.at),
                action: &s.action,
            })
            .collect(),
        costs: json_costs(&o.costs),
        comparison: json_comparison(&o.compare),
        vs_nothing: fmt_money(o.vs_nothing),
        saving_lifetime: fmt_money(o.saving_lifetime()),
        saving_horizon: fmt_money(o.saving_horizon()),
        cost_per_day: fmt_money(o.remedy.as_ref().map_or(Decimal::ZERO, |r| r.cost_per_day)),
        downtime: planner::iso_duration(o.downtime),
        safe: o.safe,
        unsafe_because: o.unsafe_reason(),
        contingency: o.contingency,
        preconditions: o
            .preconditions
            .iter()
            .map(|p| JsonPre {
                check: p.check.name(),
                status: p.status.name(),
                text: &p.text,
            })
            .collect(),
        windows: json_windows(&o.windows),
        notes: &o.notes,
        remedy: o.remedy.as_ref().map(super::notices::json_remedy),
    }
}

fn short_time(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn costs_grid(s: &mut String, c: &Costs, extra: Option<(String, String)>) {
    let cell = |label: &str, v: String| format!("{:<12}{:>13}", label, v);
    let _ = writeln!(
        s,
        "  {} {} {}",
        cell("hourly", fmt_money_grouped(c.hourly)),
        cell("commitment", fmt_money_grouped(c.commitment)),
        cell("reservation", fmt_money_grouped(c.reservation)),
    );
    let _ = writeln!(
        s,
        "  {} {} {}",
        cell("double bill.", fmt_money_grouped(c.double_billing)),
        cell("unused", fmt_money_grouped(c.unused)),
        cell("credit", fmt_money_grouped(c.credit)),
    );
    let after = cell("after hor.", fmt_money_grouped(c.committed_after_horizon));
    match extra {
        Some((vs, downtime)) => {
            let _ = writeln!(
                s,
                "  {} {} {}",
                cell("total", fmt_money_grouped(c.total())),
                after,
                cell("vs nothing", vs)
            );
            let _ = writeln!(s, "  {}", cell("downtime", downtime));
        }
        None => {
            let _ = writeln!(
                s,
                "  {} {}",
                cell("total", fmt_money_grouped(c.total())),
                after
            );
        }
    }
}

fn windows_block(s: &mut String, ws: &[Window], limit: usize) {
    let mut shown: Vec<&Window> = ws.iter().collect();
    if shown.len() > limit {
        shown.sort_by(|a, b| b.cost.cmp(&a.cost).then(a.start.cmp(&b.start)));
        shown.truncate(limit);
        shown.sort_by(|a, b| (a.start, a.kind, &a.subject).cmp(&(b.start, b.kind, &b.subject)));
    }
    for w in shown {
        let _ = writeln!(
            s,
            "    {:<16}{:<44}{:>16}",
            w.kind.name(),
            fit(&w.subject, 43),
            fmt_money_grouped(w.cost)
        );
        let _ = writeln!(
            s,
            "      {} .. {}   {} PTU-h",
            short_time(w.start),
            short_time(w.end),
            fmt_ptu_hours_grouped(w.ptu_minutes)
        );
    }
    if ws.len() > limit {
        let _ = writeln!(
            s,
            "    ({} costliest of {}; --format json lists all)",
            limit,
            ws.len()
        );
    }
}

/// The plan as a table that fits 80 columns.
/// An option's mark, in the command line's table and the Planner pane:
/// `*` recommended, `!` a precondition fails, `+` if things run late.
pub fn mark(set: &PlanSet, o: &PlanOption) -> char {
    if set.recommended.as_deref() == Some(o.name.as_str()) {
        '*'
    } else if o.blocked() {
        '!'
    } else if o.contingency {
        '+'
    } else {
        ' '
    }
}

pub fn to_table(set: &PlanSet) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Plan {}: {}", set.kind.name(), set.subject.label());
    let _ = writeln!(
        s,
        "Rated {} .. {} UTC, {} basis, {}, margin {}",
        short_time(set.from),
        short_time(set.to),
        set.basis.name(),
        set.currency,
        planner::short_duration(set.margin)
    );
    if !set.facts.is_empty() {
        s.push('\n');
        for f in &set.facts {
            let lines = wrap(&f.value, &" ".repeat(24), 80);
            for (i, l) in lines.iter().enumerate() {
                if i == 0 {
                    let _ = writeln!(s, "  {:<22}{}", fit(&f.label, 21), l.trim_start());
                } else {
                    let _ = writeln!(s, "{l}");
                }
            }
        }
    }

    s.push('\n');
    let _ = writeln!(s, "Lifetime: {}", set.lifetime.describe());
    let _ = writeln!(s, "Options (costs over the horizon, {})", set.currency);
    let _ = writeln!(
        s,
        "    {:<16}{:>14}{:>14}{:>13}{:>14}{:>5}",
        "name", "total", "after hor.", "vs nothing", "saves (life)", "down"
    );
    for o in &set.options {
        let mark = mark(set, o);
        let _ = writeln!(
            s,
            "  {mark} {:<16}{:>14}{:>14}{:>13}{:>14}{:>5}",
            fit(&o.name, 15),
            fmt_money_grouped(o.costs.total()),
            fmt_money_grouped(o.costs.committed_after_horizon),
            fmt_money_grouped(o.vs_nothing),
            fmt_money_grouped(o.saving_lifetime()),
            planner::short_duration(o.downtime)
        );
    }
    let _ = writeln!(
        s,
        "    {:<16}{:>14}{:>14}",
        "(doing nothing)",
        fmt_money_grouped(set.baseline.costs.total()),
        fmt_money_grouped(set.baseline.costs.committed_after_horizon)
    );
    let _ = writeln!(
        s,
        "  * recommended (safe, saves most over the lifetime)  ! blocked  + if late"
    );
    for l in wrap(
        &format!(
            "total: billed in the horizon ({} basis); after hor.: what the option commits to after it; vs nothing: the amortized difference over the horizon; saves (life): what it saves against doing nothing over the workload's lifetime, amortized: the recommendation ranks by it.",
            set.basis.name()
        ),
        "  ",
        80,
    ) {
        let _ = writeln!(s, "{l}");
    }

    for o in &set.options {
        s.push('\n');
        let head = format!(
            "{}{}: {}",
            o.name,
            if set.recommended.as_deref() == Some(o.name.as_str()) {
                " (recommended)"
            } else {
                ""
            },
            o.title
        );
        for l in wrap(&head, "", 80) {
            let _ = writeln!(s, "{l}");
        }
        costs_grid(
            &mut s,
            &o.costs,
            Some((
                fmt_money_grouped(o.vs_nothing),
                planner::iso_duration(o.downtime),
            )),
        );
        if let Some(why) = o.unsafe_reason() {
            let _ = writeln!(s, "  Not safe: {why}");
        }
        if !o.steps.is_empty() {
            let _ = writeln!(s, "  Steps");
            for st in &o.steps {
                let lines = wrap(&st.action, &" ".repeat(22), 80);
                for (i, l) in lines.iter().enumerate() {
                    if i == 0 {
                        let _ = writeln!(s, "    {}  {}", short_time(st.at), l.trim_start());
                    } else {
                        let _ = writeln!(s, "{l}");
                    }
                }
            }
        }
        if !o.windows.is_empty() {
            let _ = writeln!(s, "  Windows");
            windows_block(&mut s, &o.windows, 6);
        }
        if !o.preconditions.is_empty() {
            let _ = writeln!(s, "  Preconditions");
            for p in &o.preconditions {
                let text = format!("[{}] {}", p.status.name(), p.text);
                for (i, l) in wrap(&text, "      ", 80).iter().enumerate() {
                    if i == 0 {
                        let _ = writeln!(s, "    {}", l.trim_start());
                    } else {
                        let _ = writeln!(s, "{l}");
                    }
                }
            }
        }
        if !o.notes.is_empty() {
            let _ = writeln!(s, "  Notes");
            for n in &o.notes {
                for (i, l) in wrap(n, "      ", 80).iter().enumerate() {
                    if i == 0 {
                        let _ = writeln!(s, "    - {}", l.trim_start());
                    } else {
                        let _ = writeln!(s, "{l}");
                    }
                }
            }
        }
    }

    s.push('\n');
    let _ = writeln!(s, "Doing nothing");
    costs_grid(&mut s, &set.baseline.costs, None);
    if !set.baseline.windows.is_empty() {
        windows_block(&mut s, &set.baseline.windows, 6);
    }
    if !set.notes.is_empty() {
        s.push('\n');
        let _ = writeln!(s, "Notes");
        for n in &set.notes {
            for (i, l) in wrap(n, "    ", 80).iter().enumerate() {
                if i == 0 {
                    let _ = writeln!(s, "  - {}", l.trim_start());
                } else {
                    let _ = writeln!(s, "{l}");
                }
            }
        }
    }
    s
}

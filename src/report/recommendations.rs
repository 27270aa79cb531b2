//! A recommendation report (`ptudesk recommend`: what to reserve, for how
//! long, at which scope; the expiry ladder) for people (80 columns) and
//! for scripts (JSON, docs/outputs.md).

use crate::domain::money::{fmt_money, fmt_money_grouped};
use crate::domain::time::{Time, fmt_time};
use crate::domain::{Billing, Term};
use crate::planner::recommend::{Action, Report};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::fmt::Write as _;

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

/// The report as JSON, with recommendation `n` applied as change `change`
/// (`None`: the store held it already).
pub fn applied_json(r: &Report, n: usize, change: Option<i64>) -> String {
    let mut v: Value = serde_json::from_str(&to_json(r)).expect("own JSON");
    v["applied"] = json!({"n": n, "change": change});
    let mut s = serde_json::to_string_pretty(&v).expect("serializes");
    s.push('\n');
    s
}

/// Recommendation `n`'s steps and the change it was applied as.
pub fn applied_text(r: &Report, n: usize, change: Option<i64>) -> String {
    let mut s = String::new();
    if let Some(x) = r.rows.iter().find(|x| x.n == n) {
        let _ = writeln!(s, "{}. {}", x.n, x.summary);
        for st in x.ladder.as_ref().map_or(&x.steps, |l| &l.steps) {
            let _ = writeln!(s, "   - {}  {}", date(st.at), st.action);
        }
    }
    match change {
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

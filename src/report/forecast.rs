//! `ptudesk forecast` output: JSON as INTERFACE.md gives it, CSV of the
//! periods, and a table for people.

use super::{fit, wrap};
use crate::domain::money::{fmt_money, fmt_money_grouped, fmt_ptu_hours, fmt_ptu_hours_grouped};
use crate::domain::time::{Time, fmt_time};
use crate::rating::{Bucket, Forecast, Window};
use chrono::Timelike;
use serde::Serialize;
use std::fmt::Write;

#[derive(Serialize)]
struct JsonForecast<'a> {
    from: String,
    to: String,
    currency: &'a str,
    basis: &'static str,
    by: &'static str,
    totals: JsonTotals,
    instruments: Vec<JsonInstrument<'a>>,
    windows: Vec<JsonWindow<'a>>,
    periods: Vec<JsonPeriod>,
    unverified_prices: Vec<JsonPrice>,
}

#[derive(Serialize)]
struct JsonTotals {
    hourly: String,
    commitment: String,
    reservation: String,
    refunds: String,
    managed_compute: String,
    total: String,
    deployed_ptu_hours: String,
    commitment_covered_ptu_hours: String,
    reservation_covered_ptu_hours: String,
    hourly_ptu_hours: String,
    unused_commitment_ptu_hours: String,
    unused_reservation_ptu_hours: String,
}

#[derive(Serialize)]
struct JsonInstrument<'a> {
    id: &'a str,
    kind: &'static str,
    capacity_ptu_hours: String,
    used_ptu_hours: String,
    unused_ptu_hours: String,
    charges: String,
}

#[derive(Serialize)]
struct JsonWindow<'a> {
    kind: &'static str,
    start: String,
    end: String,
    ptu_hours: String,
    cost: String,
    subject: &'a str,
    explanation: &'a str,
}

#[derive(Serialize)]
struct JsonPeriod {
    start: String,
    end: String,
    hourly: String,
    commitment: String,
    reservation: String,
    managed_compute: String,
    total: String,
}

#[derive(Serialize)]
struct JsonPrice {
    region: String,
    sku: String,
    price: &'static str,
    amount: String,
    source: Option<String>,
}

fn by_name(b: Bucket) -> &'static str {
    match b {
        Bucket::Day => "day",
        Bucket::Month => "month",
    }
}

/// The forecast as INTERFACE.md's JSON (money and PTU-hours as decimal
/// strings, rounded once, half to even).
pub fn to_json(f: &Forecast) -> String {
    let t = &f.totals;
    let doc = JsonForecast {
        from: fmt_time(f.from),
        to: fmt_time(f.to),
        currency: &f.currency,
        basis: f.basis.name(),
        by: by_name(f.by),
        totals: JsonTotals {
            hourly: fmt_money(t.hourly),
            commitment: fmt_money(t.commitment),
            reservation: fmt_money(t.reservation),
            refunds: fmt_money(t.refunds),
            managed_compute: fmt_money(t.managed_compute),
            total: fmt_money(t.total()),
            deployed_ptu_hours: fmt_ptu_hours(t.deployed_ptu_minutes),
            commitment_covered_ptu_hours: fmt_ptu_hours(t.commitment_covered_ptu_minutes),
            reservation_covered_ptu_hours: fmt_ptu_hours(t.reservation_covered_ptu_minutes),
            hourly_ptu_hours: fmt_ptu_hours(t.hourly_ptu_minutes),
            unused_commitment_ptu_hours: fmt_ptu_hours(t.unused_commitment_ptu_minutes),
            unused_reservation_ptu_hours: fmt_ptu_hours(t.unused_reservation_ptu_minutes),
        },
        instruments: f
            .instruments
            .iter()
            .map(|i| JsonInstrument {
                id: &i.id,
                kind: i.kind.name(),
                capacity_ptu_hours: fmt_ptu_hours(i.capacity_ptu_minutes),
                used_ptu_hours: fmt_ptu_hours(i.used_ptu_minutes),
                unused_ptu_hours: fmt_ptu_hours(i.unused_ptu_minutes()),
                charges: fmt_money(i.charges),
            })
            .collect(),
        windows: f
            .windows
            .iter()
            .map(|w| JsonWindow {
                kind: w.kind.name(),
                start: fmt_time(w.start),
                end: fmt_time(w.end),
                ptu_hours: fmt_ptu_hours(w.ptu_minutes),
                cost: fmt_money(w.cost),
                subject: &w.subject,
                explanation: &w.explanation,
            })
            .collect(),
        periods: f
            .periods
            .iter()
            .map(|p| JsonPeriod {
                start: fmt_time(p.start),
                end: fmt_time(p.end),
                hourly: fmt_money(p.hourly),
                commitment: fmt_money(p.commitment),
                reservation: fmt_money(p.reservation),
                managed_compute: fmt_money(p.managed_compute),
                total: fmt_money(p.total()),
            })
            .collect(),
        unverified_prices: f
            .unverified_prices
            .iter()
            .map(|p| JsonPrice {
                region: p.region.clone(),
                sku: p.sku.azure_name().to_string(),
                price: p.kind.field(),
                amount: p.amount.to_string(),
                source: p.source.clone(),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("serializes");
    s.push('\n');
    s
}

/// The periods as CSV, one row each.
pub fn to_csv(f: &Forecast) -> String {
    let mut s = String::from("start,end,hourly,commitment,reservation,managed_compute,total\n");
    for p in &f.periods {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{}",
            fmt_time(p.start),
            fmt_time(p.end),
            fmt_money(p.hourly),
            fmt_money(p.commitment),
            fmt_money(p.reservation),
            fmt_money(p.managed_compute),
            fmt_money(p.total())
        );
    }
    s
}

fn short_time(t: Time) -> String {
    if t.hour() == 0 && t.minute() == 0 {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// How many windows the table lists (the costliest); JSON lists all.
pub const TABLE_WINDOWS: usize = 15;
/// How many instruments the table lists (the costliest); JSON lists all.
pub const TABLE_INSTRUMENTS: usize = 20;

/// The forecast as a table that fits 80 columns, money right-aligned.
pub fn to_table(f: &Forecast) -> String {
    let mut s = String::new();
    let t = &f.totals;
    let _ = writeln!(
        s,
        "Forecast {} .. {} UTC   {} basis   {}",
        f.from.format("%Y-%m-%d %H:%M"),
        f.to.format("%Y-%m-%d %H:%M"),
        f.basis.name(),
        f.currency
    );
    s.push('\n');
    s.push_str("Totals\n");
    let money = [
        ("Hourly", t.hourly),
        ("Commitment", t.commitment),
        ("Reservation", t.reservation),
        ("  of it refunds", t.refunds),
        ("Managed compute", t.managed_compute),
        ("Total", t.total()),
    ];
    let usage = [
        ("Deployed PTU-h", t.deployed_ptu_minutes),
        ("Commitment-covered", t.commitment_covered_ptu_minutes),
        ("Reservation-covered", t.reservation_covered_ptu_minutes),
        ("Hourly PTU-h", t.hourly_ptu_minutes),
        ("Unused commitment", t.unused_commitment_ptu_minutes),
        ("Unused reservation", t.unused_reservation_ptu_minutes),
    ];
    for ((ml, mv), (ul, uv)) in money.iter().zip(usage.iter()) {
        let _ = writeln!(
            s,
            "  {:<16}{:>14}   {:<20}{:>18}",
            ml,
            fmt_money_grouped(*mv),
            ul,
            fmt_ptu_hours_grouped(*uv)
        );
    }

    s.push('\n');
    let _ = writeln!(s, "Periods (by {})", by_name(f.by));
    let _ = writeln!(
        s,
        "  {:<10}{:>13}{:>13}{:>13}{:>13}{:>13}",
        "start", "hourly", "commitment", "reservation", "managed", "total"
    );
    for p in &f.periods {
        let label = match f.by {
            Bucket::Month => p.start.format("%Y-%m").to_string(),
            Bucket::Day => p.start.format("%Y-%m-%d").to_string(),
        };
        let _ = writeln!(
            s,
            "  {:<10}{:>13}{:>13}{:>13}{:>13}{:>13}",
            label,
            fmt_money_grouped(p.hourly),
            fmt_money_grouped(p.commitment),
            fmt_money_grouped(p.reservation),
            fmt_money_grouped(p.managed_compute),
            fmt_money_grouped(p.total())
        );
    }

    if !f.instruments.is_empty() {
        s.push('\n');
        let mut shown: Vec<&crate::rating::InstrumentUse> = f.instruments.iter().collect();
        if shown.len() > TABLE_INSTRUMENTS {
            // The ones that cost most in the window, in their estate order.
            let mut by_cost: Vec<(usize, &crate::rating::InstrumentUse)> =
                shown.iter().copied().enumerate().collect();
            by_cost.sort_by(|a, b| b.1.charges.cmp(&a.1.charges).then(a.0.cmp(&b.0)));
            by_cost.truncate(TABLE_INSTRUMENTS);
            by_cost.sort_by_key(|x| x.0);
            shown = by_cost.into_iter().map(|x| x.1).collect();
            let _ = writeln!(
                s,
                "Instruments ({} costliest of {}; --format json lists all)",
                TABLE_INSTRUMENTS,
                f.instruments.len()
            );
        } else {
            let _ = writeln!(s, "Instruments ({})", f.instruments.len());
        }
        let _ = writeln!(
            s,
            "  {:<26}{:<12}{:>7}{:>17}{:>14}",
            "id", "kind", "used", "unused PTU-h", "charges"
        );
        for i in shown {
            let used = if i.capacity_ptu_minutes > 0 {
                format!("{}%", i.used_ptu_minutes * 100 / i.capacity_ptu_minutes)
            } else {
                "-".to_string()
            };
            let _ = writeln!(
                s,
                "  {:<26}{:<12}{:>7}{:>17}{:>14}",
                fit(&i.id, 25),
                i.kind.name(),
                used,
                fmt_ptu_hours_grouped(i.unused_ptu_minutes()),
                fmt_money_grouped(i.charges)
            );
        }
    }

    s.push('\n');
    if f.windows.is_empty() {
        s.push_str("Windows: none (no overage, double billing or unused capacity)\n");
    } else {
        let mut shown: Vec<&Window> = f.windows.iter().collect();
        if shown.len() > TABLE_WINDOWS {
            shown.sort_by(|a, b| b.cost.cmp(&a.cost).then(a.start.cmp(&b.start)));
            shown.truncate(TABLE_WINDOWS);
            shown.sort_by(|a, b| (a.start, a.kind, &a.subject).cmp(&(b.start, b.kind, &b.subject)));
            let _ = writeln!(
                s,
                "Windows where money leaks ({} costliest of {}; --format json lists all)",
                TABLE_WINDOWS,
                f.windows.len()
            );
        } else {
            let _ = writeln!(s, "Windows where money leaks ({})", f.windows.len());
        }
        for w in shown {
            let cost = fmt_money_grouped(w.cost);
            let _ = writeln!(
                s,
                "  {:<16}{:<46}{:>16}",
                w.kind.name(),
                fit(&w.subject, 45),
                cost
            );
            let _ = writeln!(
                s,
                "{:18}{} .. {}   {} PTU-h",
                "",
                short_time(w.start),
                short_time(w.end),
                fmt_ptu_hours_grouped(w.ptu_minutes)
            );
            for line in wrap(&w.explanation, &" ".repeat(18), 80) {
                let _ = writeln!(s, "{line}");
            }
        }
    }

    if !f.unverified_prices.is_empty() {
        s.push('\n');
        let list: Vec<String> = f
            .unverified_prices
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {}",
                    p.region,
                    p.sku.label(),
                    p.kind.field(),
                    p.amount
                )
            })
            .collect();
        let text = format!(
            "Note: this forecast rests on unverified prices ({}). Import a current price list to replace them.",
            list.join(", ")
        );
        for line in wrap(&text, "", 80) {
            let _ = writeln!(s, "{line}");
        }
    }
    s
}

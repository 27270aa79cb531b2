//! `ptudesk forecast` output: JSON as docs/outputs.md gives it, CSV of the
//! periods, and a table for people.

use super::wrap;
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

/// A window as the forecast's and the plans' JSON write it.
#[derive(Serialize)]
pub(super) struct JsonWindow<'a> {
    kind: &'static str,
    start: String,
    end: String,
    ptu_hours: String,
    cost: String,
    subject: &'a str,
    explanation: &'a str,
}

impl JsonWindow<'_> {
    pub(super) fn of(w: &Window) -> JsonWindow<'_> {
        JsonWindow {
            kind: w.kind.name(),
            start: fmt_time(w.start),
            end: fmt_time(w.end),
            ptu_hours: fmt_ptu_hours(w.ptu_minutes),
            cost: fmt_money(w.cost),
            subject: &w.subject,
            explanation: &w.explanation,
        }
    }
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

/// The forecast as docs/outputs.md's JSON (money and PTU-hours as decimal
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
        windows: f.windows.iter().map(JsonWindow::of).collect(),
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
    let mut s = crate::safe::json_safe(serde_json::to_string_pretty(&doc).expect("serializes"));
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
/// The width of every table line.
const WIDTH: usize = 80;

/// The widest of `cells` (in characters), at least `min`.
fn widest<'a>(cells: impl IntoIterator<Item = &'a String>, min: usize) -> usize {
    cells
        .into_iter()
        .map(|c| c.chars().count())
        .fold(min, usize::max)
}

/// Cuts `s` to at most `n` characters in the middle, keeping its start and
/// its end (where generated and imported ids differ: a number, a GUID, a
/// renewal's `/r2`), and marks the cut with `~`.
fn fit_middle(s: &str, n: usize) -> String {
    let len = s.chars().count();
    if len <= n {
        return s.to_string();
    }
    if n < 2 {
        return "~".repeat(n);
    }
    let head = (n - 1) / 3;
    let tail = n - 1 - head;
    let mut out: String = s.chars().take(head).collect();
    out.push('~');
    out.extend(s.chars().skip(len - tail));
    out
}

/// The periods table: a date column and five money columns, each as wide as
/// the widest figure it may hold (at least 11, the width of "reservation")
/// with at least one space between columns. When the five do not fit in 80
/// columns, each period takes two or more lines, the columns of every line
/// right-aligned under the header's.
fn periods_table(s: &mut String, f: &Forecast) {
    let names = ["hourly", "commitment", "reservation", "managed", "total"];
    let rows: Vec<(String, [String; 5])> = f
        .periods
        .iter()
        .map(|p| {
            let label = match f.by {
                Bucket::Month => p.start.format("%Y-%m").to_string(),
                Bucket::Day => p.start.format("%Y-%m-%d").to_string(),
            };
            let cells = [
                p.hourly,
                p.commitment,
                p.reservation,
                p.managed_compute,
                p.total(),
            ]
            .map(fmt_money_grouped);
            (label, cells)
        })
        .collect();
    // The date column: "2026-11" or "2026-11-01", then at least one space.
    let label_w = match f.by {
        Bucket::Month => 8,
        Bucket::Day => 11,
    };
    let money_w = widest(rows.iter().flat_map(|r| r.1.iter()), 11);
    let room = WIDTH - 2 - label_w;
    // Two spaces between columns when five fit so, else one; fewer columns
    // per line (two spaces apart) when five cannot fit at all.
    let (col_w, per_line) = if 5 * (money_w + 2) <= room {
        (money_w + 2, 5)
    } else if 5 * (money_w + 1) <= room {
        (money_w + 1, 5)
    } else {
        let col_w = money_w + 2;
        let fit = (room / col_w).clamp(1, 5);
        let lines = 5usize.div_ceil(fit);
        (col_w, 5usize.div_ceil(lines))
    };
    let line = |s: &mut String, label: &str, cells: &[String]| {
        let mut l = format!("  {label:<label_w$}");
        for c in cells {
            let _ = write!(l, "{c:>col_w$}");
        }
        let _ = writeln!(s, "{}", l.trim_end());
    };
    let header: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    for (k, chunk) in header.chunks(per_line).enumerate() {
        line(s, if k == 0 { "start" } else { "" }, chunk);
    }
    for (label, cells) in &rows {
        for (k, chunk) in cells.chunks(per_line).enumerate() {
            line(s, if k == 0 { label } else { "" }, chunk);
        }
    }
}

/// The totals: money on the left, PTU-hours on the right, each column as
/// wide as its widest figure; one below the other when side by side would
/// pass 80 columns.
fn totals_table(s: &mut String, f: &Forecast) {
    let t = &f.totals;
    let money: Vec<(&str, String)> = [
        ("Hourly", t.hourly),
        ("Commitment", t.commitment),
        ("Reservation", t.reservation),
        ("  of it refunds", t.refunds),
        ("Managed compute", t.managed_compute),
        ("Total", t.total()),
    ]
    .into_iter()
    .map(|(l, v)| (l, fmt_money_grouped(v)))
    .collect();
    let usage: Vec<(&str, String)> = [
        ("Deployed PTU-h", t.deployed_ptu_minutes),
        ("Commitment-covered", t.commitment_covered_ptu_minutes),
        ("Reservation-covered", t.reservation_covered_ptu_minutes),
        ("Hourly PTU-h", t.hourly_ptu_minutes),
        ("Unused commitment", t.unused_commitment_ptu_minutes),
        ("Unused reservation", t.unused_reservation_ptu_minutes),
    ]
    .into_iter()
    .map(|(l, v)| (l, fmt_ptu_hours_grouped(v)))
    .collect();
    // Labels are at most 15 and 19 characters: one space at least follows.
    let money_w = widest(money.iter().map(|m| &m.1), 14);
    let usage_w = widest(usage.iter().map(|u| &u.1), 18);
    if 2 + 16 + money_w + 3 + 20 + usage_w <= WIDTH {
        for ((ml, mv), (ul, uv)) in money.iter().zip(usage.iter()) {
            let _ = writeln!(s, "  {ml:<16}{mv:>money_w$}   {ul:<20}{uv:>usage_w$}");
        }
    } else {
        for (ml, mv) in &money {
            let _ = writeln!(s, "  {ml:<20}{mv:>money_w$}");
        }
        for (ul, uv) in &usage {
            let _ = writeln!(s, "  {ul:<20}{uv:>usage_w$}");
        }
    }
}

/// The instruments table: the id column takes what the figures leave of
/// 80 columns; an id too long for it is cut in the middle. Should two cut
/// ids still read alike, every row starts with its full id on a line of
/// its own.
fn instruments_table(s: &mut String, shown: &[&crate::rating::InstrumentUse]) {
    let rows: Vec<[String; 4]> = shown
        .iter()
        .map(|i| {
            let used = if i.capacity_ptu_minutes > 0 {
                format!("{}%", i.used_ptu_minutes * 100 / i.capacity_ptu_minutes)
            } else {
                "-".to_string()
            };
            [
                i.kind.name().to_string(),
                used,
                fmt_ptu_hours_grouped(i.unused_ptu_minutes()),
                fmt_money_grouped(i.charges),
            ]
        })
        .collect();
    let kind_w = 11;
    let used_w = widest(rows.iter().map(|r| &r[1]), 4);
    let unused_w = widest(rows.iter().map(|r| &r[2]), 12);
    let charges_w = widest(rows.iter().map(|r| &r[3]), 10);
    // "  id kind used unused charges", one space at least between columns
    // and two before each figure.
    let figures = 1 + kind_w + 2 + used_w + 2 + unused_w + 2 + charges_w;
    let longest = shown
        .iter()
        .map(|i| i.id.chars().count())
        .max()
        .unwrap_or(2);
    let id_w = WIDTH
        .saturating_sub(2 + figures)
        .max(8)
        .min(longest.max(2) + 1);
    let cut: Vec<String> = shown.iter().map(|i| fit_middle(&i.id, id_w)).collect();
    let distinct = cut.iter().collect::<std::collections::BTreeSet<_>>().len() == cut.len();
    let _ = writeln!(
        s,
        "  {:<id_w$} {:<kind_w$}  {:>used_w$}  {:>unused_w$}  {:>charges_w$}",
        "id", "kind", "used", "unused PTU-h", "charges"
    );
    for ((i, id), r) in shown.iter().zip(&cut).zip(&rows) {
        let id = if distinct {
            id.as_str()
        } else {
            for line in wrap_chars(&i.id, WIDTH - 2) {
                let _ = writeln!(s, "  {line}");
            }
            ""
        };
        let _ = writeln!(
            s,
            "  {:<id_w$} {:<kind_w$}  {:>used_w$}  {:>unused_w$}  {:>charges_w$}",
            id, r[0], r[1], r[2], r[3]
        );
    }
}

/// `s` in pieces of at most `n` characters.
fn wrap_chars(s: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    chars.chunks(n.max(1)).map(|c| c.iter().collect()).collect()
}

/// The forecast as a table that fits 80 columns, money right-aligned in
/// columns at least one space apart, for figures up to hundreds of
/// millions and beyond (columns widen with their widest figure, and give
/// way to more lines when 80 columns cannot hold them).
pub fn to_table(f: &Forecast) -> String {
    let mut s = String::new();
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
    totals_table(&mut s, f);

    s.push('\n');
    let _ = writeln!(s, "Periods (by {})", by_name(f.by));
    periods_table(&mut s, f);

    if !f.instruments.is_empty() {
        s.push('\n');
        let mut shown: Vec<&crate::rating::InstrumentUse> = f.instruments.iter().collect();
        if shown.len() > TABLE_INSTRUMENTS {
            // The ones that cost most in the window, costliest first (ties
            // in estate order: the sort is stable).
            shown.sort_by_key(|i| std::cmp::Reverse(i.charges));
            shown.truncate(TABLE_INSTRUMENTS);
            let _ = writeln!(
                s,
                "Instruments ({} costliest of {}, by charges; all: --format json)",
                TABLE_INSTRUMENTS,
                f.instruments.len()
            );
        } else {
            let _ = writeln!(s, "Instruments ({})", f.instruments.len());
        }
        instruments_table(&mut s, &shown);
    }

    s.push('\n');
    if f.windows.is_empty() {
        s.push_str("Windows: none (no overage, double billing or unused capacity)\n");
    } else {
        let mut shown: Vec<&Window> = f.windows.iter().collect();
        if shown.len() > TABLE_WINDOWS {
            // Costliest first; ties in time order (the windows' own order,
            // kept by the stable sort).
            shown.sort_by_key(|w| std::cmp::Reverse(w.cost));
            shown.truncate(TABLE_WINDOWS);
            let _ = writeln!(
                s,
                "Windows where money leaks ({} costliest of {}, by cost; all: --format json)",
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
                fit_middle(&w.subject, 45),
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

    if let Some(list) = unverified_prices(f) {
        s.push('\n');
        let text = format!(
            "Note: this forecast rests on unverified prices ({list}). Import a current price list to replace them."
        );
        for line in wrap(&text, "", 80) {
            let _ = writeln!(s, "{line}");
        }
    }
    s
}

/// The unverified prices a forecast rests on, in a few words each
/// (`eastus Global monthly 260`), or `None`.
fn unverified_prices(f: &Forecast) -> Option<String> {
    if f.unverified_prices.is_empty() {
        return None;
    }
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
    Some(list.join(", "))
}

/// The one-line note for outputs that are data only (CSV, FOCUS), if the
/// forecast rests on an unverified price: the same condition and prices as
/// the table's note.
pub fn unverified_note(f: &Forecast) -> Option<String> {
    unverified_prices(f).map(|list| {
        format!(
            "note: these figures rest on unverified prices ({list}); import a current price list to replace them"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::{InstrumentKind, InstrumentUse};
    use rust_decimal::Decimal;

    #[test]
    fn ids_are_cut_in_the_middle_keeping_their_ends() {
        assert_eq!(
            fit_middle("cp-oai-translate-westus3-0012-1", 31),
            "cp-oai-translate-westus3-0012-1"
        );
        assert_eq!(
            fit_middle("cp-oai-translate-westus3-0012-1", 16),
            "cp-oa~us3-0012-1"
        );
        assert_eq!(
            fit_middle("cp-oai-translate-westus3-0013-1", 16),
            "cp-oa~us3-0013-1"
        );
        assert_eq!(fit_middle("abcdef", 4), "a~ef");
        assert_eq!(fit_middle("abcdef", 1), "~");
    }

    fn instrument(id: &str, charges: i64) -> InstrumentUse {
        InstrumentUse {
            id: id.into(),
            kind: InstrumentKind::Reservation,
            capacity_ptu_minutes: 600,
            used_ptu_minutes: 300,
            charges: Decimal::from(charges),
        }
    }

    #[test]
    fn ids_that_still_read_alike_when_cut_get_a_line_of_their_own() {
        // Two ids of 90 characters that differ only in the middle.
        let a = format!("{}a{}", "x".repeat(45), "y".repeat(44));
        let b = format!("{}b{}", "x".repeat(45), "y".repeat(44));
        let list = [instrument(&a, 1), instrument(&b, 2)];
        let shown: Vec<&InstrumentUse> = list.iter().collect();
        let mut s = String::new();
        instruments_table(&mut s, &shown);
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{s}");
        // Header, then per instrument its id (in two pieces) and its figures.
        assert_eq!(lines.len(), 1 + 2 * 3, "{s}");
        assert_eq!(format!("{}{}", &lines[1][2..], &lines[2][2..]), a);
        assert_eq!(format!("{}{}", &lines[4][2..], &lines[5][2..]), b);
        assert!(lines[3].trim_start().starts_with("reservation"), "{s}");
    }
}

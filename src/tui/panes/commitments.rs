//! The Commitments pane (Manage Commitments): each commitment plan with
//! its PTU, deployed PTU and usage this hour.

use crate::domain::prices::PriceBook;
use crate::domain::time::Time;
use crate::domain::{Commitment, CommitmentRenewal, Estate, Sku, commitment_supports};
use crate::rating::engine::{DeploymentUse, InstrumentPeriod};
use crate::rating::{BilledCharge, InstrumentKind};
use crate::tui::action::{Action, Command, Pane};
use crate::tui::data::Data;
use crate::tui::data::{
    Row, SortKey, Table, Tone, col, commitment_renewal_label, commitment_setting, commitment_term,
    day, grow, hour_ptu, live_ptu, minute, money, num, pct, pct_cell,
};
use crate::tui::state::App;
use crate::tui::table::table_pane;
use ratatui::Frame;
use ratatui::layout::Rect;
use rust_decimal::Decimal;

/// The Commitments pane's own commands; setting the renewal works on
/// reservations too (planning is the Planner's,
/// [`crate::tui::panes::planner::commands`]).
pub fn commands() -> Vec<Command<App>> {
    vec![
        // Enter on a row.
        Command::list(Action::Select, Pane::Commitments, 1, |app: &App| {
            app.has_rows(Pane::Commitments).then_some("details")
        }),
        Command::new(Action::AddPtu, &[Pane::Commitments], 1),
        Command::new(
            Action::SetRenewal,
            &[Pane::Commitments, Pane::Reservations],
            1,
        ),
    ]
}

/// Draws the pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect, d: &Data) {
    // Committed, deployed and usage are the current hour's.
    let hour = crate::domain::time::floor_hour(d.now).format("%H:%M");
    let title = if area.width >= 110 {
        format!(" Commitments (Manage Commitments): PTU and usage this hour, {hour} UTC ")
    } else {
        format!(" Commitments: PTU this hour ({hour}) ")
    };
    table_pane(app, f, area, Pane::Commitments, &title)
}

// The rows: built off the render path, once per load, by [`data::compute`](crate::tui::data::compute).

/// The commitments as the Manage Commitments view lists them. Committed,
/// deployed and usage are the current hour's, from the rating core:
/// committed = the commitment's PTU-minutes in the hour, deployed = those
/// of the Regional deployments on its resource, usage = deployed /
/// committed (over 100% is overage that pays the hourly rate).
/// A commitment's price per PTU a month (the price book's, for Regional in
/// its resource's region) and the bill of its term in force.
pub fn commitment_price(e: &Estate, book: &PriceBook, c: &Commitment) -> Option<Decimal> {
    let region = e.resource(&c.resource)?.region.as_str();
    book.over(&e.prices)
        .lookup(
            region,
            Sku::Regional,
            crate::domain::prices::PriceKind::CommitmentMonth,
        )
        .map(|p| p.amount)
}

/// The bill of the commitment's term in force at `now` (its purchase or
/// renewal, as the core billed it), from `bills`.
pub fn term_bill<'a>(
    e: &Estate,
    c: &Commitment,
    now: Time,
    bills: &'a [BilledCharge],
) -> Option<&'a BilledCharge> {
    let (t, _) = commitment_term(e, c, now)?;
    bills
        .iter()
        .filter(|b| b.id == c.id && b.at >= t.start && b.at <= now)
        .max_by_key(|b| b.at)
}

pub(crate) fn commitments_table(
    e: &Estate,
    book: &PriceBook,
    now: Time,
    (hour_periods, hour_uses): (&[InstrumentPeriod], &[DeploymentUse]),
    (upcoming, term_bills): (&[BilledCharge], &[BilledCharge]),
) -> Table {
    let rows = e
        .commitments
        .iter()
        .map(|c| {
            let term = commitment_term(e, c, now);
            let committed_m: i64 = hour_periods
                .iter()
                .filter(|p| p.id == c.id && p.kind == InstrumentKind::Commitment)
                .map(|p| p.capacity_ptu_minutes)
                .sum();
            let live: Vec<&crate::domain::Deployment> = e
                .deployments
                .iter()
                .filter(|d| {
                    d.resource == c.resource && d.sku == Sku::Regional && live_ptu(e, d, now) > 0
                })
                .collect();
            let deployed_m: i64 = hour_uses
                .iter()
                .filter(|u| {
                    e.deployments
                        .get(u.index)
                        .is_some_and(|d| d.resource == c.resource && d.sku == Sku::Regional)
                })
                .map(|u| u.deployed_ptu_minutes)
                .sum();
            let deployed = deployed_m / 60;
            let usage = pct(deployed_m.into(), committed_m.into());
            let next = upcoming.iter().find(|b| b.id == c.id && b.at >= now);
            let price = commitment_price(e, book, c);
            let bill = term_bill(e, c, now, term_bills).map(|b| b.amount);
            let (start, end, state) = match &term {
                Some((t, s)) => (Some(t.start), Some(t.end), *s),
                None => (None, None, "invalid"),
            };
            let setting = end
                .map(|end| commitment_setting(c, end))
                .unwrap_or(c.renewal);
            let mut warn: Vec<String> = Vec::new();
            let mut tone = Tone::Plain;
            if state == "active" && deployed_m > committed_m {
                warn.push(format!(
                    "{} PTU overage",
                    hour_ptu(deployed_m - committed_m)
                ));
                tone = Tone::Warning;
            }
            if state != "expired" && setting == CommitmentRenewal::None && deployed > 0 {
                let days = end.map_or(0, |t| (t - now).num_days());
                warn.push(format!("expires in {days}d with {deployed} PTU deployed"));
                tone = if days < 7 {
                    Tone::Critical
                } else {
                    Tone::Warning
                };
            }
            if state == "expired" {
                if deployed > 0 {
                    warn.push(format!("expired: {deployed} PTU pay hourly"));
                    tone = Tone::Critical;
                } else {
                    warn.push("expired".into());
                    tone = Tone::Dim;
                }
            }
            if state == "planned" {
                warn.push("planned".into());
            }
            let unsupported: Vec<&str> = live
                .iter()
                .filter(|d| !commitment_supports(&d.model, &d.version))
                .map(|d| d.id.as_str())
                .collect();
            if !unsupported.is_empty() && state == "active" {
                warn.push(format!("model not allowed: {}", unsupported.join(", ")));
                if tone == Tone::Plain {
                    tone = Tone::Warning;
                }
            }
            Row {
                key: c.id.clone(),
                cells: vec![
                    c.id.clone(),
                    c.resource.clone(),
                    hour_ptu(committed_m),
                    hour_ptu(deployed_m),
                    pct_cell(usage),
                    start.map_or("—".into(), day),
                    end.map_or("—".into(), minute),
                    commitment_renewal_label(setting),
                    next.map_or("—".into(), |b| minute(b.at)),
                    next.map_or("—".into(), |b| money(b.amount)),
                    warn.join("; "),
                    price.map_or("no price".into(), money),
                    bill.map_or("—".into(), money),
                ],
                sort: vec![
                    SortKey::text(&c.id),
                    SortKey::text(&c.resource),
                    SortKey::num(committed_m),
                    SortKey::num(deployed_m),
                    usage.map_or(SortKey::Empty, SortKey::Num),
                    start.map_or(SortKey::Empty, SortKey::time),
                    end.map_or(SortKey::Empty, SortKey::time),
                    SortKey::text(commitment_renewal_label(setting)),
                    next.map_or(SortKey::Empty, |b| SortKey::time(b.at)),
                    next.map_or(SortKey::Empty, |b| SortKey::Num(b.amount)),
                    SortKey::text(warn.join("; ")),
                    price.map_or(SortKey::Empty, SortKey::Num),
                    bill.map_or(SortKey::Empty, SortKey::Num),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            // At 80 columns: the id, PTU and usage now, expiry, renewal and
            // the next bill's date; `>` brings in its amount, the warnings
            // (also under the table), start and resource.
            col("Commitment", 16, 0),
            col("Resource", 12, 3),
            num("Commit", 6, 0),
            num("Deploy", 6, 0),
            num("Usage", 5, 0),
            col("Start", 5, 2),
            col("Expiry", 10, 0),
            col("Renewal", 11, 0),
            col("Next bill", 10, 0),
            num("Amount", 11, 1),
            grow("Warnings", 10, 1),
            // The price per PTU a month, and what the term in force was
            // billed (its purchase or renewal): behind `>` at 120 columns
            // (the resource stays), and in the details.
            num("Price/PTU", 9, 4),
            num("Term bill", 11, 4),
        ],
        rows,
        empty: "No commitments (the older payment model; none can be bought since August 2024)."
            .into(),
        footer: Some(10),
    }
}

//! The Deployments pane: every deployment with its size, use and cost.

use crate::domain::Estate;
use crate::domain::time::Time;
use crate::rating::engine::DeploymentUse;
use crate::tui::action::{Action, Command, Pane};
use crate::tui::data::{Row, SortKey, Table, Tone, col, day, live_ptu, money, num, pending_size};
use crate::tui::state::App;
use crate::tui::table::table_pane;
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::HashMap;

/// The Deployments pane's own commands (planning a deployment is the
/// Planner's, [`crate::tui::panes::planner::commands`]).
pub fn commands() -> Vec<Command<App>> {
    vec![
        // Enter on a row.
        Command::list(Action::Select, Pane::Deployments, 1, |app: &App| {
            app.has_rows(Pane::Deployments).then_some("details")
        }),
        Command::new(Action::Resize, &[Pane::Deployments], 1),
        Command::new(Action::Delete, &[Pane::Deployments], 1),
    ]
}

/// Draws the pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    table_pane(app, f, area, Pane::Deployments, " Deployments ")
}

// The rows: built off the render path, once per load, by [`data::compute`](crate::tui::data::compute).

pub(crate) fn deployments_table(
    e: &Estate,
    now: Time,
    uses: &HashMap<String, DeploymentUse>,
    covered: &HashMap<String, String>,
) -> Table {
    let rows = e
        .deployments
        .iter()
        .map(|d| {
            let r = e.resource(&d.resource);
            let ptu = live_ptu(e, d, now);
            let gone = d.deleted.is_some_and(|t| t <= now)
                || r.and_then(|r| r.purged).is_some_and(|t| t <= now);
            let planned = d.created() > now;
            let cover = if gone {
                "deleted".to_string()
            } else if planned {
                format!("planned {}", day(d.created()))
            } else {
                covered.get(&d.id).cloned().unwrap_or_else(|| "—".into())
            };
            let cost = uses.get(&d.id).map(|u| u.cost());
            // A saved resize or deletion still to take effect.
            let pending = pending_size(d, now);
            let tone = if gone || planned {
                Tone::Dim
            } else if cover.contains("hourly") {
                Tone::Warning
            } else if pending.is_some() {
                Tone::Info
            } else {
                Tone::Plain
            };
            let sub = r.map_or("?", |r| r.subscription.as_str());
            let region = r.map_or("?", |r| r.region.as_str());
            Row {
                key: d.id.clone(),
                cells: vec![
                    d.id.clone(),
                    d.resource.clone(),
                    sub.into(),
                    region.into(),
                    d.sku.label().into(),
                    format!("{} {}", d.model, d.version).trim().into(),
                    match &pending {
                        Some(p) => format!("{ptu} {p}"),
                        None => ptu.to_string(),
                    },
                    cover.clone(),
                    cost.map_or("—".into(), money),
                ],
                sort: vec![
                    SortKey::text(&d.id),
                    SortKey::text(&d.resource),
                    SortKey::text(sub),
                    SortKey::text(region),
                    SortKey::text(d.sku.label()),
                    SortKey::text(format!("{} {}", d.model, d.version)),
                    SortKey::num(ptu),
                    SortKey::text(cover),
                    cost.map_or(SortKey::Empty, SortKey::Num),
                ],
                tone,
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            // At 80 columns: the id, resource, type, model, PTU, what covers
            // it and its cost; `>` brings in the region and subscription.
            col("Deployment", 16, 0),
            col("Resource", 12, 2),
            col("Subscription", 8, 4),
            col("Region", 8, 3),
            col("SKU", 4, 0),
            col("Model", 14, 1),
            num("PTU", 3, 0),
            col("Covered now", 12, 0),
            num("This month", 11, 0),
        ],
        rows,
        empty: "No deployments.".into(),
        footer: None,
    }
}

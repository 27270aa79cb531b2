//! The Planner pane's state and vocabulary: the subject being planned, the
//! planner's options (priced by [`crate::planner`] in the worker, never on
//! the render path), the chooser a deployment's `p` opens, and the
//! `:plan ...` palette commands. Every amount shown comes from the
//! planner's [`PlanSet`]; this module only picks and formats.

use crate::domain::time::Time;
use crate::domain::{Estate, Sku};
use crate::planner::{self, PlanSet, Subject};
pub use crate::report::plans::mark;
use crate::tui::data::Loadable;
use crate::tui::data::{Column, Row, SortKey, Table, Tone, delta, money};
use std::sync::Arc;

/// What the Planner pane shows.
#[derive(Debug, Clone, Default)]
pub struct PlannerState {
    /// What is planned; `None` until a subject is picked.
    pub subject: Option<Subject>,
    /// The options, once the worker priced them.
    pub plans: Loadable<Arc<PlanSet>>,
    /// The options as a table (selection, and the narrow layout).
    pub table: Option<Table>,
    /// How far the selected option's details are scrolled.
    pub scroll: u16,
    /// The last option applied to this subject, as the status said it.
    pub applied: Option<String>,
}

impl PlannerState {
    pub fn ready(&self) -> Option<&Arc<PlanSet>> {
        match &self.plans {
            Loadable::Ready(p) => Some(p),
            _ => None,
        }
    }
}

/// A plan option written into the store.
#[derive(Debug, Clone)]
pub struct AppliedPlan {
    /// For the status bar.
    pub message: String,
    /// The change recorded, or `None` when the store held the steps already.
    pub change: Option<i64>,
    /// The plan's rated window: the Forecast pane's range afterwards.
    pub from: Time,
    pub to: Time,
}

/// One line of a chooser, and what picking it does.
#[derive(Debug, Clone)]
pub struct Choice {
    pub label: String,
    pub then: ChoiceThen,
}

#[derive(Debug, Clone)]
pub enum ChoiceThen {
    /// Plan this subject.
    Plan(Subject),
    /// Pick the resource to move the deployment to (a second chooser).
    PickResource { deployment: String },
}

/// The audit-log summary of applying `option`: `plan migrate cp-east: overlap`.
pub fn summary(subject: &Subject, option: &str) -> String {
    format!(
        "plan {} {}: {option}",
        subject.kind().name(),
        subject.label()
    )
}

/// The kind and subject as a title: `migrate cp-east`, `move chat -> aoai-west`.
pub fn title(subject: &Subject) -> String {
    let label = match subject {
        Subject::Convert { deployment, to } => format!("{deployment} -> {}", to.label()),
        other => other.label(),
    };
    format!("{} {label}", subject.kind().name())
}

/// What a deployment's `p` offers: move (then pick the resource), convert
/// to the other deployment types, or discontinue its resource.
pub fn deployment_choices(e: &Estate, deployment: &str) -> Vec<Choice> {
    let Some(d) = e.deployments.iter().find(|d| d.id == deployment) else {
        return vec![];
    };
    let mut out = vec![Choice {
        label: format!("Move {deployment} to another resource…"),
        then: ChoiceThen::PickResource {
            deployment: deployment.to_string(),
        },
    }];
    for to in [Sku::Global, Sku::DataZone] {
        if d.sku != to {
            out.push(Choice {
                label: format!("Convert {deployment} to {} ({to})", to.label()),
                then: ChoiceThen::Plan(Subject::Convert {
                    deployment: deployment.to_string(),
                    to,
                }),
            });
        }
    }
    out.push(Choice {
        label: format!(
            "Discontinue {} (stop using provisioned throughput on it)",
            d.resource
        ),
        then: ChoiceThen::Plan(Subject::Discontinue {
            resource: d.resource.clone(),
        }),
    });
    out
}

/// The resources a deployment could move to: every other one not deleted.
pub fn resource_choices(e: &Estate, deployment: &str) -> Vec<Choice> {
    let from = e
        .deployments
        .iter()
        .find(|d| d.id == deployment)
        .map(|d| d.resource.as_str())
        .unwrap_or("");
    e.resources
        .iter()
        .filter(|r| r.id != from && r.deleted.is_none() && r.purged.is_none())
        .map(|r| Choice {
            label: format!("{}  ({} / {})", r.id, r.subscription, r.region),
            then: ChoiceThen::Plan(Subject::Move {
                deployment: deployment.to_string(),
                to_resource: r.id.clone(),
            }),
        })
        .collect()
}

/// The palette's `:plan` usage.
pub const USAGE: &str = "Usage: :plan migrate COMMITMENT | :plan move DEPLOYMENT RESOURCE | :plan convert DEPLOYMENT Global|DataZone | :plan discontinue RESOURCE";

/// Parses what follows `:plan`.
pub fn parse_command(rest: &str) -> Result<Subject, String> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let usage = || USAGE.to_string();
    match words.as_slice() {
        ["migrate", id] => Ok(Subject::Migrate {
            commitment: id.to_string(),
        }),
        ["move", dep, res] => Ok(Subject::Move {
            deployment: dep.to_string(),
            to_resource: res.to_string(),
        }),
        ["convert", dep, to @ ..] if !to.is_empty() => {
            let to = parse_sku(&to.join(" "))?;
            Ok(Subject::Convert {
                deployment: dep.to_string(),
                to,
            })
        }
        ["discontinue", res] => Ok(Subject::Discontinue {
            resource: res.to_string(),
        }),
        _ => Err(usage()),
    }
}

fn parse_sku(s: &str) -> Result<Sku, String> {
    let key: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match key.as_str() {
        "global" | "globalprovisionedmanaged" => Ok(Sku::Global),
        "datazone" | "datazoneprovisionedmanaged" => Ok(Sku::DataZone),
        _ => Err(format!(
            "convert goes to Global or DataZone (GlobalProvisionedManaged, DataZoneProvisionedManaged), not {s:?}"
        )),
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn column(title: &'static str, width: u16, drop: u8, right: bool, grow: bool) -> Column {
    Column {
        title,
        width,
        right,
        drop,
        grow,
    }
}

/// The options as a table, in the planner's order: the narrow layout, and
/// the selection in both layouts (a row's key is the option's name).
pub fn options_table(set: &PlanSet) -> Table {
    let rows = set
        .options
        .iter()
        .map(|o| {
            let m = mark(set, o);
            let downtime = planner::short_duration(o.downtime);
            Row {
                key: o.name.clone(),
                cells: vec![
                    m.to_string(),
                    o.name.clone(),
                    money(o.costs.total()),
                    delta(o.vs_nothing),
                    money(o.costs.committed_after_horizon),
                    money(o.costs.double_billing),
                    money(o.costs.hourly),
                    downtime.clone(),
                    yes_no(o.safe).into(),
                    o.title.clone(),
                ],
                sort: vec![
                    SortKey::text(m.to_string()),
                    SortKey::text(&o.name),
                    SortKey::Num(o.costs.total()),
                    SortKey::Num(o.vs_nothing),
                    SortKey::Num(o.costs.committed_after_horizon),
                    SortKey::Num(o.costs.double_billing),
                    SortKey::Num(o.costs.hourly),
                    SortKey::num(o.downtime.num_seconds()),
                    SortKey::text(yes_no(o.safe)),
                    SortKey::text(&o.title),
                ],
                tone: match m {
                    '*' => Tone::Ok,
                    '!' => Tone::Warning,
                    '+' => Tone::Dim,
                    _ => Tone::Plain,
                },
                children: vec![],
            }
        })
        .collect();
    Table {
        columns: vec![
            // At 80 columns all but "After hor." and "What" fit (78
            // inside the borders); the details line shows what the option
            // commits to after the horizon either way.
            column(" ", 1, 0, false, false),
            column("Option", 11, 0, false, true),
            column("Total", 13, 0, true, false),
            column("vs nothing", 12, 0, true, false),
            column("After hor.", 13, 4, true, false),
            column("Double bill", 11, 1, true, false),
            column("Hourly", 11, 2, true, false),
            column("Downtime", 8, 0, true, false),
            column("Safe", 4, 3, false, false),
            column("What", 20, 5, false, true),
        ],
        rows,
        empty: "The planner found no option.".into(),
        footer: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_subjects() {
        assert_eq!(
            parse_command("migrate cp-1").unwrap(),
            Subject::Migrate {
                commitment: "cp-1".into()
            }
        );
        assert_eq!(
            parse_command("convert chat Data Zone").unwrap(),
            Subject::Convert {
                deployment: "chat".into(),
                to: Sku::DataZone
            }
        );
        assert_eq!(
            parse_command("convert chat GlobalProvisionedManaged").unwrap(),
            Subject::Convert {
                deployment: "chat".into(),
                to: Sku::Global
            }
        );
        assert!(parse_command("convert chat Regional").is_err());
        assert_eq!(
            parse_command("move chat aoai-2").unwrap(),
            Subject::Move {
                deployment: "chat".into(),
                to_resource: "aoai-2".into()
            }
        );
        assert!(parse_command("move chat").unwrap_err().starts_with("Usage"));
        assert!(parse_command("").is_err());
        assert_eq!(
            summary(
                &Subject::Discontinue {
                    resource: "aoai-1".into()
                },
                "late"
            ),
            "plan discontinue aoai-1: late"
        );
    }
}

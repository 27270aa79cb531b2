//! Deployment sizes off a model's minimum or step (the rule is
//! `domain::sizes`): a notification, never an input error.

use super::Draft;
use crate::domain::Estate;
use crate::domain::notice::Severity;
use crate::domain::sizes::{allowed, nearest, rule};
use crate::domain::time::Time;
use rust_decimal::Decimal;

/// Sizes in force during `[from, to)` that the table says are off the
/// minimum or step: `deployment_size_off_step` (a notification, never an
/// input error).
pub(super) fn off_step(estate: &Estate, from: Time, to: Time, push: &mut dyn FnMut(Draft)) {
    for d in &estate.deployments {
        let Some(r) = rule(&d.model, d.sku) else {
            continue;
        };
        for (i, s) in d.sizes.iter().enumerate() {
            let until = d.sizes.get(i + 1).map(|n| n.at).or(d.deleted);
            if s.at >= to || until.is_some_and(|u| u <= from) {
                continue;
            }
            let (why, action) = match r {
                None => (
                    format!(
                        "{} is not offered as a {} deployment",
                        d.model,
                        d.sku.label()
                    ),
                    "deploy it as another type".to_string(),
                ),
                Some((min, step)) if !allowed(s.ptu, min, step) => (
                    format!(
                        "{} {} deployments start at {min} PTU in steps of {step}",
                        d.model,
                        d.sku.label()
                    ),
                    format!("resize it to {} PTU", nearest(s.ptu, min, step)),
                ),
                Some(_) => continue,
            };
            push(Draft {
                kind: "deployment_size_off_step",
                severity: Severity::Warning,
                subject: d.id.clone(),
                trigger: s.at,
                at: s.at,
                message: format!(
                    "deployment {} is {} PTU from {}: {why}",
                    d.id,
                    s.ptu,
                    crate::domain::time::fmt_time(s.at)
                ),
                cost: Decimal::ZERO,
                level: Decimal::ZERO,
                action,
            });
        }
    }
}

//! Deployment sizes off a model's minimum or step (data in
//! `assets/deployment_sizes.json`, from Microsoft's PTU page).

use super::{Draft, Severity};
use crate::domain::time::Time;
use crate::domain::{Estate, Sku};
use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    #[allow(dead_code)]
    source: String,
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Rule {
    models: Vec<String>,
    global: Option<[i64; 2]>,
    data_zone: Option<[i64; 2]>,
    regional: Option<[i64; 2]>,
}

/// The (minimum, step) of a model and deployment type, if the table knows
/// the model: `Some(None)` when the type is not offered for it.
pub fn rule(model: &str, sku: Sku) -> Option<Option<(i64, i64)>> {
    let file: File = serde_json::from_str(include_str!("../../assets/deployment_sizes.json"))
        .expect("valid asset");
    let r = file
        .rules
        .into_iter()
        .find(|r| r.models.iter().any(|m| m.eq_ignore_ascii_case(model)))?;
    let pair = match sku {
        Sku::Global => r.global,
        Sku::DataZone => r.data_zone,
        Sku::Regional => r.regional,
    };
    Some(pair.map(|[min, step]| (min, step)))
}

/// True when `ptu` is a size the model and type can be deployed at.
pub fn allowed(ptu: i64, min: i64, step: i64) -> bool {
    ptu >= min && (ptu - min) % step == 0
}

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

/// The nearest allowed size at or above `ptu`.
pub fn nearest(ptu: i64, min: i64, step: i64) -> i64 {
    if ptu <= min {
        min
    } else {
        min + (ptu - min + step - 1) / step * step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_data() {
        assert_eq!(rule("gpt-4o", Sku::Regional), Some(Some((50, 50))));
        assert_eq!(rule("GPT-4o-mini", Sku::Global), Some(Some((15, 5))));
        assert_eq!(rule("DeepSeek-R1", Sku::Regional), Some(None));
        assert_eq!(rule("ada", Sku::Regional), None);
        assert!(allowed(20, 15, 5) && !allowed(22, 15, 5) && !allowed(10, 15, 5));
        assert!(allowed(75, 25, 50) && !allowed(50, 25, 50));
        assert_eq!(nearest(22, 15, 5), 25);
        assert_eq!(nearest(60, 50, 50), 100);
    }
}

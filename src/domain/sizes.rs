//! The sizes a model can be deployed at: a minimum and a step per
//! deployment type (data in `assets/deployment_sizes.json`, from
//! Microsoft's PTU page).

use super::Sku;
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

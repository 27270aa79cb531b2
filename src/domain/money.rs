//! Money: exact decimals, parsed from a JSON string or number without ever
//! passing through a float, written as strings, rounded only for display.

use super::Unexpected;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Rounds money for display: to cents, half to even.
pub fn round_money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

/// Money as a fixed two-decimal string ("1234.50").
pub fn fmt_money(d: Decimal) -> String {
    format!("{:.2}", round_money(d))
}

/// Money with thousands separators, for tables ("1,234.50").
pub fn fmt_money_grouped(d: Decimal) -> String {
    group_digits(&fmt_money(d))
}

/// Groups the integer part of a plain decimal string with commas.
fn group_digits(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// PTU-minutes as PTU-hours with thousands separators, for tables.
pub fn fmt_ptu_hours_grouped(minutes: i64) -> String {
    group_digits(&fmt_ptu_hours(minutes))
}

/// PTU-minutes as PTU-hours, rounded half-even to 4 places ("12.5000").
pub fn fmt_ptu_hours(minutes: i64) -> String {
    let h = (Decimal::from(minutes) / Decimal::from(60))
        .round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven);
    format!("{h:.4}")
}

/// Parses a money string exactly.
pub fn parse_money(s: &str) -> Result<Decimal, Unexpected> {
    let t = s.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    // Plain decimals only: no exponent ("2e3"), sign "+", or "1_000".
    let plain = !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    let wrong = || Unexpected::quoted("an amount of money as a plain decimal such as \"2.00\"", s);
    if !plain {
        return Err(wrong());
    }
    Decimal::from_str_exact(t).map_err(|_| wrong())
}

/// A JSON number's exact text as money: a plain decimal, or one in
/// scientific notation (`1.25E-4`, as some APIs write small prices).
pub fn parse_money_number(s: &str) -> Result<Decimal, Unexpected> {
    parse_money(s).or_else(|_| {
        Decimal::from_scientific(s.trim()).map_err(|_| Unexpected {
            what: "an amount of money such as \"2.00\"",
            got: s.to_string(),
        })
    })
}

struct MoneyVisitor;

impl<'de> Visitor<'de> for MoneyVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an amount of money as a decimal string or number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_money(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Decimal, E> {
        Err(E::custom(
            "an amount of money must be parsed exactly; write it as a string",
        ))
    }

    // serde_json's `arbitrary_precision` hands numbers over as a one-entry
    // map holding their exact text.
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Decimal, A::Error> {
        let n = serde_json::Number::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .map_err(|_| de::Error::custom(format!("amount {n} does not fit an exact decimal")))
    }
}

/// Serde for `Decimal` money fields.
pub mod serde_money {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(MoneyVisitor)
    }

    /// The same for `Option<Decimal>`.
    pub mod opt {
        use super::*;

        pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.serialize_str(&d.to_string()),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
            struct OptVisitor;
            impl<'de> Visitor<'de> for OptVisitor {
                type Value = Option<Decimal>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an amount of money or null")
                }
                fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                    d.deserialize_any(MoneyVisitor).map(Some)
                }
            }
            d.deserialize_option(OptVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[derive(Deserialize)]
    struct P {
        #[serde(with = "serde_money")]
        v: Decimal,
    }

    #[test]
    fn numbers_and_strings_parse_exactly() {
        let p: P = serde_json::from_str(r#"{"v": 0.1}"#).unwrap();
        assert_eq!(p.v, dec("0.1"));
        let p: P = serde_json::from_str(r#"{"v": "2652.000000000000000001"}"#).unwrap();
        assert_eq!(p.v.to_string(), "2652.000000000000000001");
        let p: P = serde_json::from_str(r#"{"v": 1100}"#).unwrap();
        assert_eq!(p.v, dec("1100"));
        assert!(serde_json::from_str::<P>(r#"{"v": "two"}"#).is_err());
    }

    #[test]
    fn display_rounds_half_to_even() {
        assert_eq!(fmt_money(dec("0.125")), "0.12");
        assert_eq!(fmt_money(dec("0.135")), "0.14");
        assert_eq!(fmt_money(dec("7")), "7.00");
        assert_eq!(fmt_money_grouped(dec("1234567.891")), "1,234,567.89");
        assert_eq!(fmt_money_grouped(dec("-1234.5")), "-1,234.50");
        assert_eq!(fmt_money_grouped(dec("999.999")), "1,000.00");
        assert_eq!(fmt_ptu_hours(25), "0.4167");
        assert_eq!(fmt_ptu_hours(6000), "100.0000");
        assert_eq!(fmt_ptu_hours_grouped(60_000_000 + 15), "1,000,000.2500");
    }
}

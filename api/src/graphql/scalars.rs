//! Scalars of the contract that async-graphql does not name the way clients expect.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// The first year a date may name.
pub const MIN_YEAR: i32 = 1900;
/// The last year a date may name.
pub const MAX_YEAR: i32 = 2200;

/// A calendar date, `YYYY-MM-DD` (ISO 8601), in the years 1900 to 2200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if (MIN_YEAR..=MAX_YEAR).contains(&chrono::Datelike::year(&d)) => Ok(Date(d)),
                Ok(_) => Err(InputValueError::custom(format!(
                    "a date between {MIN_YEAR}-01-01 and {MAX_YEAR}-12-31"
                ))),
                Err(_) => Err(InputValueError::custom("expected a date as YYYY-MM-DD")),
            },
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

/// An exact decimal as a string (`"1234.50"`, `"-0.5"`): digits with an optional sign and
/// decimal point, at most 28 significant digits. Exponents (`"1e5"`), JSON numbers (which
/// clients may have rounded through binary floating point) and anything else are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Decimal(pub rust_decimal::Decimal);

/// Whether `s` is a plain decimal numeral.
fn plain_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && (!digits.contains('.') || !fraction.is_empty())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && whole.len() + fraction.len() <= 28
}

#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) if plain_decimal(s) => rust_decimal::Decimal::from_str_exact(s)
                .map(Decimal)
                .map_err(|_| InputValueError::custom("expected a decimal such as \"1234.50\"")),
            Value::String(_) => Err(InputValueError::custom(
                "expected a decimal such as \"1234.50\" (digits, an optional sign and point; no exponent)",
            )),
            _ => Err(InputValueError::custom(
                "expected a decimal as a string such as \"1234.50\"",
            )),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if plain_decimal(s))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(d: rust_decimal::Decimal) -> Self {
        Decimal(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_plain_numerals_in_strings() {
        let parse = |v: Value| <Decimal as ScalarType>::parse(v).map(|d| d.0.to_string());
        assert_eq!(
            parse(Value::from("1234.50")).ok().as_deref(),
            Some("1234.50")
        );
        assert_eq!(parse(Value::from("-0.5")).ok().as_deref(), Some("-0.5"));
        for bad in [
            "1e5", "1E5", "", "-", ".5", "5.", "1,000", " 1", "0x10", "NaN", "1.2.3",
        ] {
            assert!(parse(Value::from(bad)).is_err(), "{bad:?}");
        }
        assert!(parse(Value::from(0.1)).is_err(), "numbers are refused");
        assert!(
            parse(Value::from("1".repeat(29))).is_err(),
            "too many digits"
        );
    }

    #[test]
    fn dates_stay_within_the_years_the_registry_uses() {
        let parse = |s: &str| <Date as ScalarType>::parse(Value::from(s)).is_ok();
        assert!(parse("2023-10-31"));
        assert!(!parse("0000-01-01"));
        assert!(!parse("1899-12-31"));
        assert!(!parse("2201-01-01"));
        assert!(!parse("2023-02-30"));
    }
}

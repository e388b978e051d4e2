//! Checks of client input shared by every mutation: bounded text, exact non-negative money,
//! codes. Each failure is a `BAD_USER_INPUT` naming the field.

use crate::error::{ApiError, ApiResult};
use rust_decimal::Decimal;

/// Longest free-text field (comments, findings, summaries).
pub const MAX_TEXT: usize = 4000;

/// Trimmed text of at most `max` characters; `required` refuses an empty one.
pub fn text(field: &str, value: &str, required: bool, max: usize) -> ApiResult<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(ApiError::bad_input(field, "is required"));
    }
    if v.chars().count() > max {
        return Err(ApiError::bad_input(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

/// A free-text field of at most [`MAX_TEXT`] characters.
pub fn long_text(field: &str, value: &str, required: bool) -> ApiResult<String> {
    text(field, value, required, MAX_TEXT)
}

/// An amount of CNY: not negative, at most two decimal places, below 10^15.
pub fn money(field: &str, d: Decimal) -> ApiResult<Decimal> {
    if d.is_sign_negative() && !d.is_zero() {
        return Err(ApiError::bad_input(field, "must not be negative"));
    }
    if d.normalize().scale() > 2 {
        return Err(ApiError::bad_input(
            field,
            "at most two decimal places (fen)",
        ));
    }
    if d >= Decimal::from(1_000_000_000_000_000i64) {
        return Err(ApiError::bad_input(field, "is too large"));
    }
    Ok(d)
}

/// A measured quantity: not negative.
pub fn non_negative(field: &str, d: Decimal) -> ApiResult<Decimal> {
    if d.is_sign_negative() && !d.is_zero() {
        return Err(ApiError::bad_input(field, "must not be negative"));
    }
    Ok(d)
}

/// A whole number within `min..=max`.
pub fn in_range(field: &str, n: i64, min: i64, max: i64) -> ApiResult<i64> {
    if n < min || n > max {
        return Err(ApiError::bad_input(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn money_is_exact_and_non_negative() {
        assert_eq!(money("m", dec!(1234567.89)).expect("ok"), dec!(1234567.89));
        assert_eq!(
            money("m", dec!(10.500)).expect("trailing zeros are fine"),
            dec!(10.500)
        );
        assert_eq!(
            money("m", dec!(-0.01)).expect_err("negative").code(),
            "BAD_USER_INPUT"
        );
        assert!(money("m", dec!(0.001)).is_err());
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("t", "  a  ", true, 3).expect("ok"), "a");
        assert!(text("t", "   ", true, 3).is_err());
        assert!(text("t", "abcd", false, 3).is_err());
        assert!(text("t", "", false, 3).is_ok());
    }
}

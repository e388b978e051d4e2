//! Checks of client input shared by every mutation: bounded text, exact non-negative money,
//! codes, and no control characters anywhere in a request. Each failure is a `BAD_USER_INPUT`
//! naming the field.

use crate::error::{ApiError, ApiResult};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Value, Variables};
use rust_decimal::Decimal;

/// Whether a character may appear in client text: no NUL and no other control character
/// but tab, line feed and carriage return (which free text may hold).
pub fn allowed_char(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r')
}

/// Refuses a request whose arguments or variables hold a string with a character that
/// [`allowed_char`] refuses, naming the argument or variable. Every string of every operation
/// crosses this one check, before validation, so none reaches a resolver or the database.
pub fn check_document_text(doc: &ExecutableDocument, variables: &Variables) -> ApiResult<()> {
    fn value(path: &str, v: &Value) -> ApiResult<()> {
        match v {
            Value::String(s) if !s.chars().all(allowed_char) => Err(ApiError::bad_input(
                path,
                "must not contain control characters",
            )),
            Value::List(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| value(&format!("{path}[{i}]"), item)),
            Value::Object(map) => map
                .iter()
                .try_for_each(|(k, item)| value(&format!("{path}.{k}"), item)),
            _ => Ok(()),
        }
    }
    fn set(s: &SelectionSet) -> ApiResult<()> {
        for item in &s.items {
            match &item.node {
                Selection::Field(f) => {
                    for (name, arg) in &f.node.arguments {
                        // Variables are checked by themselves; literals here.
                        let Ok(literal) = arg
                            .node
                            .clone()
                            .into_const_with(|_| Ok::<_, std::convert::Infallible>(Value::Null));
                        value(name.node.as_str(), &literal)?;
                    }
                    set(&f.node.selection_set.node)?;
                }
                Selection::InlineFragment(i) => set(&i.node.selection_set.node)?,
                Selection::FragmentSpread(_) => {}
            }
        }
        Ok(())
    }
    for (name, v) in variables.iter() {
        value(name.as_str(), v)?;
    }
    for (_, op) in doc.operations.iter() {
        set(&op.node.selection_set.node)?;
        for var in &op.node.variable_definitions {
            if let Some(default) = &var.node.default_value {
                value(var.node.name.node.as_str(), &default.node)?;
            }
        }
    }
    for f in doc.fragments.values() {
        set(&f.node.selection_set.node)?;
    }
    Ok(())
}

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
    fn control_characters_are_refused_wherever_they_stand() {
        let doc = |q: &str| async_graphql::parser::parse_query(q).expect("parses");
        let vars = |v: serde_json::Value| Variables::from_json(v);
        let ok = doc("query($s: String) { pilots(filter: {search: \"a\\tb\"}) { totalCount } }");
        assert!(check_document_text(&ok, &vars(serde_json::json!({"s": "x\ny"}))).is_ok());
        let literal = doc("{ pilots(filter: {search: \"a\\u0000b\"}) { totalCount } }");
        let e = check_document_text(&literal, &Variables::default()).expect_err("NUL");
        assert_eq!(
            e.message(),
            "filter.search: must not contain control characters"
        );
        let e = check_document_text(&ok, &vars(serde_json::json!({"s": ["ok", "\u{1b}[2J"]})))
            .expect_err("escape");
        assert_eq!(e.message(), "s[1]: must not contain control characters");
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("t", "  a  ", true, 3).expect("ok"), "a");
        assert!(text("t", "   ", true, 3).is_err());
        assert!(text("t", "abcd", false, 3).is_err());
        assert!(text("t", "", false, 3).is_ok());
    }
}

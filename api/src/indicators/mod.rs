//! Indicators (targets), their reported actual values, and whether each is met.

pub mod rule;
pub mod types;

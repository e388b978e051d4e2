//! Indicators (targets), their reported actual values, and whether each is met.

pub mod resolvers;
pub mod rule;
pub mod service;
pub mod types;

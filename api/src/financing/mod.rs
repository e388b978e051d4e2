//! Financing of pilots: sources and totals, in exact CNY amounts.

pub mod types;

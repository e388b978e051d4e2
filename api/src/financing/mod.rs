//! Financing of pilots: sources and totals, in exact CNY amounts.

pub mod resolvers;
pub mod service;
pub mod types;

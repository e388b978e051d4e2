//! Creation plans, research reports and implementation plans, in versions.

pub mod resolvers;
pub mod service;
pub mod types;

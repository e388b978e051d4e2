//! Creation plans, research reports and implementation plans, in versions.

pub mod types;

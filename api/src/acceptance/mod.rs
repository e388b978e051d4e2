//! Expert review, public-notice objections, acceptance attempts and re-reviews, and the
//! indicator rule that decides acceptance.

pub mod actions;
pub mod rule;
pub mod types;

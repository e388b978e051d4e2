//! Supervision during construction: tracking notes written by the bureaus that follow a pilot,
//! and the work queue — what a viewer must act on now — read from the transition table and each
//! program's chain.

pub mod queue;
pub mod reports;
pub mod resolvers;
pub mod tracking;
pub mod types;

//! Key projects of a pilot.

pub mod types;

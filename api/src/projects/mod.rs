//! Key projects of a pilot.

pub mod resolvers;
pub mod service;
pub mod types;

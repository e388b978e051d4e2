//! The administrative hierarchy: reference data every other record is placed in.

pub mod code;
pub mod resolvers;
pub mod service;
pub mod types;

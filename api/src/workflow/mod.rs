//! The pilot lifecycle: transitions and their log.

pub mod types;

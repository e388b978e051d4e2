//! The pilot lifecycle: transitions and their log.

pub mod calendar;
pub mod types;

//! The pilot lifecycle: the transition table, applying it, the working-day calendar, the log
//! of transitions and its live feed.

pub mod actions;
pub mod calendar;
pub mod events;
pub mod resolvers;
pub mod service;
pub mod transitions;
pub mod types;

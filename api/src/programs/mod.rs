//! Programs: calls for pilots, each with its own rules held as data.

pub mod catalogues;
pub mod resolvers;
pub mod rules;
pub mod service;
pub mod types;

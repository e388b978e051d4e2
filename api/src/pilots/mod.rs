//! Pilots: the demonstration creations, read inside the viewer's scope.

pub mod admission;
pub mod editing;
pub mod resolvers;
pub mod service;
pub mod statistics;
pub mod types;

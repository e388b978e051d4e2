//! Pilots: the demonstration creations, read inside the viewer's scope.

pub mod resolvers;
pub mod service;
pub mod types;

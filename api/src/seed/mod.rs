//! Data for trying the service out (`demo`) and for load tests (`synthetic`).

pub mod builder;
pub mod demo;
pub mod regional;
pub mod synthetic;

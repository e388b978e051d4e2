//! Applicant organisations.

pub mod credit_code;
pub mod resolvers;
pub mod service;
pub mod types;

//! The audit trail: an append-only, hash-chained record of every change, written in the
//! transaction of the change, and what auditors and data platforms read from it.

pub mod chain;
pub mod history;
pub mod resolvers;
pub mod service;
pub mod types;
pub mod writer;

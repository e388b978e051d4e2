//! Regional carbon-peak plans: a region's targets for 2025 and 2030, its key tasks with their
//! responsible units, and the yearly reports of the regions below it with the superior's
//! assessment (Dezhou's work plan, Zhejiang's implementation opinions). Pilots lie inside the
//! same regions; the same audit trail, scope and feeds carry both.

pub mod progress;
pub mod resolvers;
pub mod service;
pub mod types;

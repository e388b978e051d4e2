//! The carbon-pilots service: a GraphQL API through which provinces, municipalities, counties
//! and applicant organisations run demonstration pilots, and auditors and data platforms read
//! them. Read the modules in this order for a tour.

/// Expert review, public notice, acceptance and re-review.
pub mod acceptance;
/// The hash-chained audit trail, history and the change feed.
pub mod audit;
/// Tokens, the `Viewer`, and row-level scope.
pub mod auth;
/// The command line.
pub mod cli;
/// "Now", controllable in tests.
pub mod clock;
/// Configuration layered from defaults, a TOML file and the environment.
pub mod config;
/// Database connection, migrations and reference data on start.
pub mod db;
/// The one API error type and its `extensions.code`.
pub mod error;
/// Bulk NDJSON export for data platforms.
pub mod export;
/// Financing sources and totals.
pub mod financing;
/// Schema assembly, loaders, pagination and scalars.
pub mod graphql;
/// The HTTP edge: bearer tokens, GraphQL over HTTP and WebSocket, the request pipeline both
/// share, exports and health.
pub mod http;
/// Chinese and English: error messages and enum labels.
pub mod i18n;
/// Opaque global ids.
pub mod ids;
/// Indicators and their actual values.
pub mod indicators;
/// Checks of client input shared by every mutation.
pub mod input;
/// How the process allocates: mimalloc, for the bundled SQLite too.
pub mod memory;
/// Prometheus metrics.
pub mod metrics;
/// Applicant organisations.
pub mod organizations;
/// Keyset paging: cursors, sort keys and the page cap.
pub mod paging;
/// Pilots.
pub mod pilots;
/// Plans and their versions.
pub mod plans;
/// Programs and their rules.
pub mod programs;
/// Key projects.
pub mod projects;
/// Stored records in the API's names and global ids.
pub mod records;
/// Regional carbon-peak plans: targets, key tasks, yearly reports and assessments.
pub mod regional;
/// The administrative hierarchy.
pub mod regions;
/// Demo and synthetic data.
pub mod seed;
/// Assembles the HTTP application.
pub mod startup;
/// The state every path shares, and opening an audited write.
pub mod state;
/// Supervision during construction: tracking notes and the work queue.
pub mod supervision;
/// Logging set-up.
pub mod telemetry;
/// The lifecycle and its log.
pub mod workflow;

//! Integration tests: the real server over HTTP with real tokens, on SQLite or (with
//! `TEST_DATABASE_URL`) PostgreSQL.

mod abuse;
mod audit;
mod auth;
mod authorities;
mod catalogues;
mod cli;
mod conditional;
mod contract;
mod export;
mod helpers;
mod history;
mod hostile;
mod i18n;
mod invariants;
mod lifecycle;
mod metrics;
mod migrations;
mod n_plus_one;
mod pagination;
mod programs;
mod records;
mod redaction;
mod regional;
mod replicas;
mod reports;
mod resilience;
mod rules;
mod schema;
mod scope;
mod subscription;
mod supervision;
mod transitions;
mod websocket;

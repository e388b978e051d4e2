//! Prometheus metrics, served at `GET /metrics` in the OpenMetrics text format.
//!
//! GraphQL operations are counted where every transport's operations pass, in the request
//! pipeline (HTTP and WebSocket alike): by operation name, type and outcome code, with a latency
//! histogram. HTTP requests are counted by route and status at the edge. Rate-limit refusals,
//! active subscriptions, the database pools and the audit trail's head are read when scraped.
//!
//! Operation names come from clients: a name that is not a plain GraphQL name, and any name
//! after the first [`MAX_OPERATION_NAMES`], is counted as `(other)`, so a client cannot grow
//! the series without bound.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sea_orm::{DatabaseBackend, DatabaseConnection};
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// Most distinct operation names given series of their own.
pub const MAX_OPERATION_NAMES: usize = 256;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
    r#type: &'static str,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    operation: String,
    r#type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

/// The kind of a GraphQL operation, as labelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationType {
    Query,
    Mutation,
    Subscription,
    /// The document did not parse, or named no operation it holds.
    Unknown,
}

impl OperationType {
    /// `query`, `mutation`, `subscription` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
            OperationType::Unknown => "unknown",
        }
    }
}

/// One process's metrics.
pub struct Metrics {
    registry: Registry,
    operations: Family<OperationLabels, Counter>,
    operation_seconds: Family<LatencyLabels, Histogram>,
    http_requests: Family<HttpLabels, Counter>,
    http_seconds: Family<HttpLabels, Histogram>,
    rate_limited: Counter,
    subscriptions: Gauge,
    pool: Family<PoolLabels, Gauge>,
    audit_head: Gauge,
    names: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn latency_buckets() -> Histogram {
    Histogram::new([
        0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    ])
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("carbon_pilots");
        let operations = Family::<OperationLabels, Counter>::default();
        registry.register(
            "graphql_operations",
            "GraphQL operations by operation name, type and outcome code",
            operations.clone(),
        );
        let operation_seconds =
            Family::<LatencyLabels, Histogram>::new_with_constructor(latency_buckets as fn() -> _);
        registry.register(
            "graphql_operation_duration_seconds",
            "Time to answer a GraphQL query or mutation",
            operation_seconds.clone(),
        );
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route and status",
            http_requests.clone(),
        );
        let http_seconds =
            Family::<HttpLabels, Histogram>::new_with_constructor(latency_buckets as fn() -> _);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            http_seconds.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rate_limited",
            "Requests refused by the rate limit",
            rate_limited.clone(),
        );
        let subscriptions = Gauge::default();
        registry.register(
            "active_subscriptions",
            "Subscriptions being served",
            subscriptions.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections by pool (primary, read) and state (idle, in_use)",
            pool.clone(),
        );
        let audit_head = Gauge::default();
        registry.register(
            "audit_head_sequence",
            "Sequence number of the newest audit event",
            audit_head.clone(),
        );
        Metrics {
            registry,
            operations,
            operation_seconds,
            http_requests,
            http_seconds,
            rate_limited,
            subscriptions,
            pool,
            audit_head,
            names: Mutex::new(HashSet::new()),
        }
    }
}

/// Counts a subscription as active for as long as it lives.
#[derive(Debug)]
pub struct ActiveSubscription(Gauge);

impl Drop for ActiveSubscription {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Metrics {
    /// The label an operation name is counted under.
    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return "(anonymous)".to_owned();
        };
        let plain = (1..=64).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit();
        if !plain {
            return "(other)".to_owned();
        }
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        if names.contains(name) || names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            name.to_owned()
        } else {
            "(other)".to_owned()
        }
    }

    /// Counts one operation; `elapsed` is `None` for a subscription (which lasts as long as
    /// its client wants).
    pub fn operation(
        &self,
        name: Option<&str>,
        kind: OperationType,
        outcome: &str,
        elapsed: Option<Duration>,
    ) {
        let operation = self.operation_label(name);
        if let Some(elapsed) = elapsed {
            self.operation_seconds
                .get_or_create(&LatencyLabels {
                    operation: operation.clone(),
                    r#type: kind.as_str(),
                })
                .observe(elapsed.as_secs_f64());
        }
        self.operations
            .get_or_create(&OperationLabels {
                operation,
                r#type: kind.as_str(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts one HTTP request under its route pattern (`/export/{file}`), never its raw path.
    pub fn http(&self, method: &str, route: Option<&str>, status: u16, elapsed: Duration) {
        let labels = HttpLabels {
            method: method.to_owned(),
            route: route.unwrap_or("(unmatched)").to_owned(),
            status,
        };
        self.http_seconds
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
        self.http_requests.get_or_create(&labels).inc();
    }

    /// Counts one request refused by the rate limit.
    pub fn rate_limited(&self) {
        self.rate_limited.inc();
    }

    /// Marks a subscription active until the guard is dropped.
    pub fn subscription_started(&self) -> ActiveSubscription {
        self.subscriptions.inc();
        ActiveSubscription(self.subscriptions.clone())
    }

    /// The metrics as OpenMetrics text, with the pools (summed over the workers' pools) and
    /// the audit head read now (`head` is `None` when the database did not answer).
    pub fn render(
        &self,
        primary: &[DatabaseConnection],
        read: &[DatabaseConnection],
        head: Option<i64>,
    ) -> String {
        for (name, pools) in [("primary", primary), ("read", read)] {
            let (size, idle) = pools
                .iter()
                .map(pool_use)
                .fold((0, 0), |(s, i), (ps, pi)| (s + ps, i + pi));
            self.pool
                .get_or_create(&PoolLabels {
                    pool: name,
                    state: "idle",
                })
                .set(idle);
            self.pool
                .get_or_create(&PoolLabels {
                    pool: name,
                    state: "in_use",
                })
                .set(size - idle);
        }
        if let Some(head) = head {
            self.audit_head.set(head);
        }
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Open and idle connections of a pool.
fn pool_use(db: &DatabaseConnection) -> (i64, i64) {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (i64::from(pool.size()), pool.num_idle() as i64)
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (i64::from(pool.size()), pool.num_idle() as i64)
        }
        _ => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_operation_names_cannot_grow_the_series_without_bound() {
        let m = Metrics::default();
        assert_eq!(m.operation_label(Some("PilotList")), "PilotList");
        assert_eq!(m.operation_label(None), "(anonymous)");
        assert_eq!(m.operation_label(Some("bad name")), "(other)");
        assert_eq!(m.operation_label(Some("1st")), "(other)");
        for i in 0..MAX_OPERATION_NAMES {
            m.operation_label(Some(&format!("Op{i}")));
        }
        assert_eq!(m.operation_label(Some("OneTooMany")), "(other)");
        assert_eq!(
            m.operation_label(Some("PilotList")),
            "PilotList",
            "known names stay"
        );
    }
}

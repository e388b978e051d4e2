//! The state every path shares — the database, the clock, the event bus — and opening an
//! audited write on behalf of a viewer. It sits below the domains and the GraphQL layer alike.

use crate::audit::writer::WriteTx;
use crate::auth::Viewer;
use crate::clock::Clock;
use crate::db::WriteQueue;
use crate::error::ApiResult;
use crate::workflow::events::EventBus;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Shared, per-process state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The primary: every write, and every read that must see the latest commit.
    pub db: DatabaseConnection,
    /// Reads that tolerate seconds of lag — exports and statistics — on a streaming replica
    /// when one is configured (`DATABASE_READ_URL`); a SQLite server's on a pool of their own
    /// over the same file (`db::connect_lagging`); otherwise the primary. The change feed,
    /// subscriptions and reads after one's own write stay on the primary.
    pub lagging: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    /// Committed workflow events, for subscriptions.
    pub events: EventBus,
    /// This process's writers, one at a time.
    pub writers: WriteQueue,
}

impl AppState {
    /// State over a database and a clock, with a fresh event bus.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        AppState {
            lagging: db.clone(),
            db,
            clock,
            events: EventBus::default(),
            writers: WriteQueue::default(),
        }
    }

    /// The same state with lag-tolerant reads on `replica`.
    pub fn with_replica(mut self, replica: DatabaseConnection) -> Self {
        self.lagging = replica;
        self
    }

    /// The same state on other pools (an HTTP worker's own: `db::WorkerPools`).
    pub fn on_pools(&self, db: DatabaseConnection, lagging: DatabaseConnection) -> Self {
        AppState {
            db,
            lagging,
            ..self.clone()
        }
    }

    /// Begins an audited write transaction on behalf of `viewer`, stamped with its request id.
    pub async fn write(&self, viewer: &Viewer) -> ApiResult<WriteTx> {
        WriteTx::begin(
            &self.db,
            &self.writers,
            viewer.into(),
            viewer.request_id.clone(),
            self.clock.now(),
        )
        .await
    }
}

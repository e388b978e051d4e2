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
    pub db: DatabaseConnection,
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
            db,
            clock,
            events: EventBus::default(),
            writers: WriteQueue::default(),
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

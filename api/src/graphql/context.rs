//! What every resolver reads from the request: the database, the clock and the viewer.

use crate::auth::Viewer;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::workflow::events::EventBus;
use async_graphql::Context;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Shared, per-process state placed in the schema's data.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    /// Committed workflow events, for subscriptions.
    pub events: EventBus,
}

impl AppState {
    /// State over a database and a clock, with a fresh event bus.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        AppState {
            db,
            clock,
            events: EventBus::default(),
        }
    }
}

/// Accessors for resolvers.
pub trait ContextExt {
    /// The authenticated viewer, or `UNAUTHENTICATED`.
    fn viewer(&self) -> Result<&Viewer, ApiError>;
    /// The database pool.
    fn db(&self) -> &DatabaseConnection;
    /// The application state.
    fn state(&self) -> &AppState;
}

impl ContextExt for Context<'_> {
    fn viewer(&self) -> Result<&Viewer, ApiError> {
        self.data_opt::<Viewer>()
            .ok_or_else(|| ApiError::Unauthenticated("authentication required".into()))
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state().db
    }

    fn state(&self) -> &AppState {
        // The schema is always built with an `AppState` (see `graphql::build_schema`).
        self.data_unchecked::<AppState>()
    }
}

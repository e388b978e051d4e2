//! What every resolver reads from the request: the database, the clock and the viewer.

use crate::auth::Viewer;
use crate::error::ApiError;
use crate::graphql::loaders::Loaders;
use crate::state::AppState;
use async_graphql::Context;
use sea_orm::DatabaseConnection;

/// Accessors for resolvers.
pub trait ContextExt {
    /// The authenticated viewer, or `UNAUTHENTICATED`.
    fn viewer(&self) -> Result<&Viewer, ApiError>;
    /// The database pool.
    fn db(&self) -> &DatabaseConnection;
    /// The application state.
    fn state(&self) -> &AppState;
    /// The request's loaders (installed by the request pipeline).
    fn loaders(&self) -> &Loaders;
}

impl ContextExt for Context<'_> {
    fn viewer(&self) -> Result<&Viewer, ApiError> {
        self.data_opt::<Viewer>()
            .ok_or_else(|| ApiError::Unauthenticated("authentication required".into()))
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state().db
    }

    fn loaders(&self) -> &Loaders {
        self.data_unchecked::<Loaders>()
    }

    fn state(&self) -> &AppState {
        // The schema is always built with an `AppState` (see `graphql::build_schema`).
        self.data_unchecked::<AppState>()
    }
}

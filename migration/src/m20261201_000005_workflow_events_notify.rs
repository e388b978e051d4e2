//! On PostgreSQL, a committed workflow event notifies the `workflow_events` channel with its
//! id (notifications are delivered at commit, never for a rollback), so every replica's event
//! relay reads it at once instead of at its next poll. SQLite serves one process: its relay
//! is woken in memory.

use crate::names::run_on_postgres;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run_on_postgres(
            m,
            "CREATE FUNCTION workflow_events_notify() RETURNS trigger AS $$
             BEGIN PERFORM pg_notify('workflow_events', NEW.id::text); RETURN NULL; END
             $$ LANGUAGE plpgsql;
             CREATE TRIGGER workflow_events_notify AFTER INSERT ON workflow_events
               FOR EACH ROW EXECUTE FUNCTION workflow_events_notify();",
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run_on_postgres(
            m,
            "DROP TRIGGER workflow_events_notify ON workflow_events;
             DROP FUNCTION workflow_events_notify();",
        )
        .await
    }
}

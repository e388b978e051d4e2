//! The audit trail is append-only in the database itself: triggers refuse UPDATE and DELETE
//! on `audit_events` (and TRUNCATE on PostgreSQL), whoever connects.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
                     BEGIN RAISE EXCEPTION 'audit events are append-only'; END;
                     $$ LANGUAGE plpgsql;
                     CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
                       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
                     CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
                       FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                     CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events;
                     DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
                     DROP FUNCTION IF EXISTS audit_events_append_only();",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_events_no_update;
                     DROP TRIGGER IF EXISTS audit_events_no_delete;",
                )
                .await?;
            }
        }
        Ok(())
    }
}

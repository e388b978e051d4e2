//! The head of the audit chain kept in the `write_lock` row. A writer takes the lock and reads
//! the head it will chain onto in one statement (`UPDATE … RETURNING`; on PostgreSQL the
//! updated row is the latest committed one even after waiting for the lock), one round trip
//! fewer inside the critical section. A trigger moves the head with every event inserted,
//! whoever inserts it, and refuses an event that does not follow the head: the chain cannot
//! fork even under a writer that skipped the lock.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Sets the head to the last event already recorded.
fn backfill() -> String {
    format!(
        "UPDATE write_lock SET
           head_seq = COALESCE((SELECT MAX(seq) FROM audit_events), 0),
           head_hash = COALESCE((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), '{GENESIS}')
         WHERE id = 1"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let columns = format!(
            "ALTER TABLE write_lock ADD COLUMN head_seq BIGINT NOT NULL DEFAULT 0;
             ALTER TABLE write_lock ADD COLUMN head_hash VARCHAR(64) NOT NULL DEFAULT '{GENESIS}';
             {};",
            backfill()
        );
        let trigger = match m.get_database_backend() {
            DbBackend::Postgres => {
                "CREATE FUNCTION audit_events_head() RETURNS trigger AS $$
                 BEGIN
                   UPDATE write_lock SET head_seq = NEW.seq, head_hash = NEW.hash
                   WHERE id = 1 AND head_seq = NEW.seq - 1 AND head_hash = NEW.prev_hash;
                   IF NOT FOUND THEN
                     RAISE EXCEPTION 'audit event % does not follow the head of the chain', NEW.seq;
                   END IF;
                   RETURN NULL;
                 END $$ LANGUAGE plpgsql;
                 CREATE TRIGGER audit_events_head AFTER INSERT ON audit_events
                   FOR EACH ROW EXECUTE FUNCTION audit_events_head();"
            }
            _ => {
                "CREATE TRIGGER audit_events_head AFTER INSERT ON audit_events
                 BEGIN
                   SELECT RAISE(ABORT, 'audit event does not follow the head of the chain')
                   WHERE NOT EXISTS (SELECT 1 FROM write_lock
                                     WHERE id = 1 AND head_seq = NEW.seq - 1 AND head_hash = NEW.prev_hash);
                   UPDATE write_lock SET head_seq = NEW.seq, head_hash = NEW.hash WHERE id = 1;
                 END;"
            }
        };
        let db = m.get_connection();
        db.execute_unprepared(&columns).await?;
        db.execute_unprepared(trigger).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let trigger = match m.get_database_backend() {
            DbBackend::Postgres => {
                "DROP TRIGGER audit_events_head ON audit_events; DROP FUNCTION audit_events_head();"
            }
            _ => "DROP TRIGGER audit_events_head;",
        };
        let db = m.get_connection();
        db.execute_unprepared(trigger).await?;
        db.execute_unprepared(
            "ALTER TABLE write_lock DROP COLUMN head_hash; ALTER TABLE write_lock DROP COLUMN head_seq;",
        )
        .await?;
        Ok(())
    }
}

//! Connecting to SQLite or PostgreSQL and bringing the schema and reference data up to date.

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, Statement, TransactionTrait,
};
use std::time::Duration;

/// Connections of a SQLite pool (one writer at a time is SQLite's rule; a small pool avoids
/// lock contention).
const SQLITE_POOL: u32 = 8;
/// Connections of a PostgreSQL pool.
const POSTGRES_POOL: u32 = 20;

/// How long the command line waits for a connection of its pool.
const COMMAND_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens a pool on `url` (`sqlite://…` or `postgres://…`); connections open as needed.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    open(url, false, COMMAND_ACQUIRE_TIMEOUT).await
}

/// Opens the server's pool: every connection at once, on the calling (main) runtime, and
/// kept open. Each HTTP worker runs its own runtime, and a connection belongs to the runtime
/// that opened it; were a worker to open one, it would die with that worker when a graceful
/// shutdown stops it, under requests of other workers still finishing.
/// A request waits at most `acquire_timeout` for a connection, then is answered `UNAVAILABLE`.
pub async fn connect_server(
    url: &str,
    acquire_timeout: Duration,
) -> anyhow::Result<DatabaseConnection> {
    open(url, true, acquire_timeout).await
}

/// Opens a pool whose connections open on first use, waiting at most `acquire_timeout` for
/// one (tests, and tools that must start while the database may be down).
pub async fn connect_lazy(
    url: &str,
    acquire_timeout: Duration,
) -> anyhow::Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(acquire_timeout)
        .acquire_timeout(acquire_timeout)
        .max_connections(8)
        .connect_lazy(true);
    let db = Database::connect(opts)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
        )
        .await?;
    }
    Ok(db)
}

async fn open(
    url: &str,
    server: bool,
    acquire_timeout: Duration,
) -> anyhow::Result<DatabaseConnection> {
    let size = if url.starts_with("sqlite:") {
        SQLITE_POOL
    } else {
        POSTGRES_POOL
    };
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(acquire_timeout.min(Duration::from_secs(10)))
        .acquire_timeout(acquire_timeout);
    opts.max_connections(size).min_connections(1);
    if server {
        opts.min_connections(size)
            .idle_timeout(None)
            .max_lifetime(None);
    }
    let db = Database::connect(opts)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    if server {
        // Open every connection now, here, by running that many statements at once.
        let pings = (0..size).map(|_| db.execute_unprepared("SELECT 1"));
        for result in futures_util::future::join_all(pings).await {
            result?;
        }
    }
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
        )
        .await?;
    }
    Ok(db)
}

/// Applies pending migrations and loads the shipped reference regions.
pub async fn prepare(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("migrating the database")?;
    crate::regions::service::load_shipped(db)
        .await
        .context("loading reference regions")?;
    Ok(())
}

/// Begins a write transaction, takes the write lock first (see the `write_lock` migration:
/// writers run one at a time, so checks that count rows hold until commit) and reads, in the
/// same statement, the head of the audit chain the transaction will extend: its sequence and
/// hash.
pub async fn begin_write(
    db: &DatabaseConnection,
) -> Result<(DatabaseTransaction, i64, String), DbErr> {
    let txn = db.begin().await?;
    let head = txn
        .query_one_raw(Statement::from_string(
            txn.get_database_backend(),
            "UPDATE write_lock SET writes = writes + 1 WHERE id = 1 RETURNING head_seq, head_hash",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the write_lock row".into()))?;
    let seq = head.try_get("", "head_seq")?;
    let hash = head.try_get("", "head_hash")?;
    Ok((txn, seq, hash))
}

/// The writers of one process, admitted one at a time in the order they came. A writer
/// waits here before it takes a connection, so writers queued behind the lock hold no
/// connection readers need, and SQLite's busy loop (which sleeps up to 100 ms between tries,
/// in no order) is never entered by this process. The `write_lock` row stays the guarantee
/// across processes.
#[derive(Debug, Clone, Default)]
pub struct WriteQueue(std::sync::Arc<tokio::sync::Mutex<()>>);

/// A writer's turn; the next writer goes when it is dropped.
pub type WriteTurn = tokio::sync::OwnedMutexGuard<()>;

impl WriteQueue {
    /// Waits for this writer's turn.
    pub async fn turn(&self) -> WriteTurn {
        self.0.clone().lock_owned().await
    }
}

/// The URL with any password removed, for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://u:pw@h:5432/d"),
            "postgres://u:***@h:5432/d"
        );
        assert_eq!(
            super::redact("sqlite://data/x.sqlite"),
            "sqlite://data/x.sqlite"
        );
    }
}

//! Connecting to SQLite or PostgreSQL and bringing the schema and reference data up to date.

use crate::state::AppState;
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, Statement, TransactionTrait,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Connections of a SQLite server's pool. Each connection runs its statements on a thread of
/// its own, and a request hands each statement over and waits for its rows: with 8, a list
/// page left a seventh of the machine idle; 12 fill it (Q1 on the bench's data, 760 -> 840-900
/// req/s), and more only add memory.
const SQLITE_POOL: u32 = 12;
/// Page cache of a SQLite connection, in KiB (SQLite's default is 2,000): fifteen connections
/// at the default could keep 30 MiB of pages the operating system's file cache holds anyway.
const SQLITE_PAGE_CACHE_KIB: u32 = 1024;
/// Rows a SQLite connection's thread hands over before it waits for the request to take them.
const SQLITE_ROW_BUFFER: usize = 1024;
/// Connections of a PostgreSQL pool.
const POSTGRES_POOL: u32 = 20;

/// A connection idle this long is pinged before it is handed out; one in steady use is not
/// (sqlx pings on every acquire by default: a second round trip for every statement).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

/// How long the command line waits for a connection of its pool.
const COMMAND_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens a pool on `url` (`sqlite://…` or `postgres://…`); connections open as needed.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    open(url, None, COMMAND_ACQUIRE_TIMEOUT).await
}

/// How the server's pool is sized and kept (`DB_POOL_SIZE`, `DB_IDLE_TIMEOUT`,
/// `DB_MAX_LIFETIME`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections of the pool (default: 20 on PostgreSQL, 8 on SQLite).
    pub size: Option<u32>,
    /// Close a connection idle this long, keeping one (default: never; every connection
    /// stays open from the start).
    pub idle_timeout: Option<Duration>,
    /// Replace a connection once it is this old (default: never).
    pub max_lifetime: Option<Duration>,
}

/// Opens the server's pool: every connection at once, on the calling (main) runtime, and
/// kept open; if the database refuses one, the error says why. On SQLite it is the pool every
/// HTTP worker shares. On PostgreSQL it is the startup's (migrations, the demo data): then it
/// is closed and each worker opens its share on its own runtime ([`WorkerPools`]), where only
/// that worker's requests use them, so a worker stopping at shutdown takes none away from
/// another. (With an idle timeout or a lifetime set, replacements open on whichever runtime
/// needs them: the price of giving connections back.)
/// A request waits at most `acquire_timeout` for a connection, then is answered `UNAVAILABLE`.
pub async fn connect_server(
    url: &str,
    acquire_timeout: Duration,
    pool: PoolSettings,
) -> anyhow::Result<DatabaseConnection> {
    open(url, Some(pool), acquire_timeout).await
}

/// Where the server's HTTP workers take their PostgreSQL connections: each worker its own
/// pool, opened on the worker's own runtime. A connection belongs to the runtime that opened
/// it, and answers from the database are read by that runtime's reactor: with one pool opened
/// on the main runtime, every answer reached its worker through a wake-up from another thread
/// (a tenth of the server's CPU on the list page; Q2, thirteen statements, rose from 640 to
/// 850 req/s with a pool per worker). SQLite's connections run on threads of their own, so a
/// SQLite server keeps its one pool ([`WorkerPools::shared`]).
#[derive(Clone, Default)]
pub struct WorkerPools(Option<Arc<PerWorker>>);

/// The recipe for each worker's pools, and the pools opened so far.
struct PerWorker {
    primary: PgPoolSpec,
    read: Option<PgPoolSpec>,
    /// Open every connection when the worker starts (the server), or on first use (tests).
    eager: bool,
    metered: Option<StatementCallback>,
    opened: Mutex<Vec<(DatabaseConnection, DatabaseConnection)>>,
}

/// Called for every statement a pool runs (tests count them).
type StatementCallback = Arc<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

/// One PostgreSQL pool of a worker.
struct PgPoolSpec {
    options: sea_orm::sqlx::postgres::PgConnectOptions,
    size: u32,
    acquire_timeout: Duration,
    idle_timeout: Option<Duration>,
    max_lifetime: Option<Duration>,
}

impl WorkerPools {
    /// Every worker uses the state's own pools.
    pub fn shared() -> Self {
        WorkerPools(None)
    }

    /// A pool per worker on PostgreSQL (and one per worker on the read replica, when
    /// `read_url` names one), `pool.size` connections in all split among `workers`, each
    /// opened when its worker starts; [`WorkerPools::shared`] on SQLite.
    pub fn new(
        url: &str,
        read_url: Option<&str>,
        workers: usize,
        acquire_timeout: Duration,
        pool: PoolSettings,
    ) -> anyhow::Result<Self> {
        use sea_orm::sqlx::ConnectOptions as _;
        if !url.starts_with("postgres") {
            return Ok(WorkerPools::shared());
        }
        let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
        let size = pool.size.unwrap_or(POSTGRES_POOL).max(1).div_ceil(workers);
        let spec = |url: &str| -> anyhow::Result<PgPoolSpec> {
            let options = url
                .parse::<sea_orm::sqlx::postgres::PgConnectOptions>()
                .with_context(|| format!("reading {}", redact(url)))?;
            Ok(PgPoolSpec {
                options: options.disable_statement_logging(),
                size,
                acquire_timeout,
                idle_timeout: pool.idle_timeout,
                max_lifetime: pool.max_lifetime,
            })
        };
        Ok(WorkerPools(Some(Arc::new(PerWorker {
            primary: spec(url)?,
            read: read_url.map(spec).transpose()?,
            eager: true,
            metered: None,
            opened: Mutex::new(Vec::new()),
        }))))
    }

    /// The pool the process keeps for itself after a startup pool on `url` has shown the
    /// database accepts the connections: that same pool when the workers share it; otherwise
    /// it is closed, giving them back to the workers, and a small pool opening on first use
    /// takes the process's own background reads (the event relay).
    pub async fn after_startup(
        &self,
        startup: DatabaseConnection,
        url: &str,
        acquire_timeout: Duration,
    ) -> anyhow::Result<DatabaseConnection> {
        if self.0.is_none() {
            return Ok(startup);
        }
        startup.close().await?;
        connect_lazy(url, acquire_timeout).await
    }

    /// The same pools opening their connections on first use, each statement reported to
    /// `callback` (tests).
    pub fn lazy_and_metered(
        self,
        callback: impl Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static,
    ) -> Self {
        WorkerPools(self.0.map(|p| {
            let p = Arc::into_inner(p).expect("pools not yet handed to workers");
            Arc::new(PerWorker {
                eager: false,
                metered: Some(Arc::new(callback)),
                ..p
            })
        }))
    }

    /// The state a worker runs with, on pools of its own opened here, on the worker's
    /// runtime (call it from the worker: the HTTP server's app factory); `None` when the
    /// pools are shared.
    pub fn for_worker(&self, state: &AppState) -> Option<AppState> {
        let p = self.0.as_ref()?;
        let primary = p.open(&p.primary);
        let read = p
            .read
            .as_ref()
            .map_or_else(|| primary.clone(), |r| p.open(r));
        p.opened
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((primary.clone(), read.clone()));
        Some(state.on_pools(primary, read))
    }

    /// The pools requests run on, primary and read: every worker's, or the state's when
    /// shared (metrics).
    pub fn in_use(&self, state: &AppState) -> (Vec<DatabaseConnection>, Vec<DatabaseConnection>) {
        match &self.0 {
            None => (vec![state.db.clone()], vec![state.lagging.clone()]),
            Some(p) => p
                .opened
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned()
                .unzip(),
        }
    }
}

impl PerWorker {
    /// A pool on the calling runtime; with `eager`, its connections open now, in the
    /// background (the start already proved the database accepts them: [`connect_server`]).
    fn open(&self, spec: &PgPoolSpec) -> DatabaseConnection {
        let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
            .max_connections(spec.size)
            .min_connections(u32::from(spec.idle_timeout.is_some()))
            .acquire_timeout(spec.acquire_timeout)
            .idle_timeout(spec.idle_timeout)
            .max_lifetime(spec.max_lifetime)
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_IF_IDLE_FOR {
                        sea_orm::sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_lazy_with(spec.options.clone());
        let mut db = sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
        if let Some(callback) = &self.metered {
            let callback = callback.clone();
            db.set_metric_callback(move |info| callback(info));
        }
        if self.eager {
            let (db, size) = (db.clone(), spec.size);
            tokio::spawn(async move {
                let pings = (0..size).map(|_| db.execute_unprepared("SELECT 1"));
                for result in futures_util::future::join_all(pings).await {
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "worker pool: could not open a connection; it opens on first use");
                    }
                }
            });
        }
        db
    }
}

/// What every pool of this program shares: no per-statement log, waiting at most
/// `acquire_timeout` for a connection, a ping only after [`PING_IF_IDLE_FOR`] idle, and SQLite
/// connections handing over [`SQLITE_ROW_BUFFER`] rows at a time.
fn pool_options(url: &str, acquire_timeout: Duration) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .acquire_timeout(acquire_timeout)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .map_sqlx_sqlite_opts(|o| {
            o.row_buffer_size(SQLITE_ROW_BUFFER)
                .pragma("cache_size", format!("-{SQLITE_PAGE_CACHE_KIB}"))
        });
    opts
}

/// On SQLite, the pool of the reads that tolerate lag ([`AppState::lagging`]: statistics,
/// exports), on the same file: a quarter as many connections as the server's `pool` (at
/// least 2), opened at start. Those reads are long (a statistics statement sorts; an export holds its
/// snapshot while it streams), and on a pool of their own at most that many run at once
/// (SQLite's memory grows with each: twelve statistics statements at once took the server
/// to 193 MiB) and none waits behind them for a connection, nor they behind a busy list.
/// `None` on PostgreSQL, whose lag-tolerant reads go to `DATABASE_READ_URL`'s replica.
///
/// [`AppState::lagging`]: crate::state::AppState::lagging
pub async fn connect_lagging(
    url: &str,
    acquire_timeout: Duration,
    pool: PoolSettings,
) -> anyhow::Result<Option<DatabaseConnection>> {
    if !url.starts_with("sqlite:") {
        return Ok(None);
    }
    let size = pool.size.unwrap_or(SQLITE_POOL).div_ceil(4).max(2);
    let pool = PoolSettings {
        size: Some(size),
        ..pool
    };
    Ok(Some(open(url, Some(pool), acquire_timeout).await?))
}

/// Opens a pool whose connections open on first use, waiting at most `acquire_timeout` for
/// one (tests, and tools that must start while the database may be down).
pub async fn connect_lazy(
    url: &str,
    acquire_timeout: Duration,
) -> anyhow::Result<DatabaseConnection> {
    let mut opts = pool_options(url, acquire_timeout);
    opts.connect_timeout(acquire_timeout)
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
    server: Option<PoolSettings>,
    acquire_timeout: Duration,
) -> anyhow::Result<DatabaseConnection> {
    let default_size = if url.starts_with("sqlite:") {
        SQLITE_POOL
    } else {
        POSTGRES_POOL
    };
    let size = server.and_then(|p| p.size).unwrap_or(default_size).max(1);
    let mut opts = pool_options(url, acquire_timeout);
    opts.connect_timeout(acquire_timeout.min(Duration::from_secs(10)))
        .max_connections(size)
        .min_connections(1);
    if let Some(pool) = server {
        let keep_all = pool.idle_timeout.is_none();
        opts.min_connections(if keep_all { size } else { 1 })
            .idle_timeout(pool.idle_timeout)
            .max_lifetime(pool.max_lifetime);
    }
    let db = match Database::connect(opts).await {
        Ok(db) => db,
        Err(e) => return Err(refused(url, size, e.to_string()).await),
    };
    if server.is_some() {
        // Open every connection now, here, by running that many statements at once.
        let pings = (0..size).map(|_| db.execute_unprepared("SELECT 1"));
        for result in futures_util::future::join_all(pings).await {
            if let Err(e) = result {
                return Err(refused(url, size, e.to_string()).await);
            }
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

/// Why `size` connections to `url` could not be opened: the pool only says it timed out, so
/// one more connection is tried on its own and the database's own answer (e.g. PostgreSQL's
/// "sorry, too many clients already") is reported with it.
async fn refused(url: &str, size: u32, pool_error: String) -> anyhow::Error {
    let reason = if url.starts_with("postgres") {
        use sea_orm::sqlx::Connection;
        match sea_orm::sqlx::PgConnection::connect(url).await {
            Ok(c) => {
                let _ = c.close().await;
                None
            }
            Err(e) => Some(e.to_string()),
        }
    } else {
        None
    };
    let err = match reason {
        Some(r) => anyhow::anyhow!(
            "could not open {size} connections to {}: the database refused a connection: {r} \
             (lower DB_POOL_SIZE, or raise the database's connection limit)",
            redact(url)
        ),
        None => anyhow::anyhow!(
            "could not open {size} connections to {}: {pool_error}",
            redact(url)
        ),
    };
    tracing::error!(error = %err, "database connections refused");
    err
}

/// The key of the PostgreSQL advisory lock migrations run under.
const MIGRATION_LOCK: i64 = 0x6361_7262_6f6e; // "carbon"

/// Applies pending migrations and loads the shipped reference regions. On PostgreSQL the
/// work runs under an advisory lock, so replicas started together migrate one after the
/// other: the first migrates, the others wait and find nothing to do.
pub async fn prepare(db: &DatabaseConnection) -> anyhow::Result<()> {
    let lock = match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await.context("taking the migration lock")?;
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                .await
                .context("taking the migration lock")?;
            Some(txn)
        }
        _ => None,
    };
    let (_, newer) = schema_state(db).await?;
    if !newer.is_empty() {
        anyhow::bail!("{}", newer_message(&newer));
    }
    Migrator::up(db, None)
        .await
        .context("migrating the database")?;
    crate::regions::service::load_shipped(db)
        .await
        .context("loading reference regions")?;
    if let Some(txn) = lock {
        txn.commit().await.context("releasing the migration lock")?;
    }
    Ok(())
}

/// The migrations this build has that the database lacks (pending), and those the database
/// has that this build does not know (from a later release).
async fn schema_state(db: &DatabaseConnection) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    // No table yet: nothing applied.
    let applied: Vec<String> = match db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations ORDER BY version",
        ))
        .await
    {
        Ok(rows) => rows
            .iter()
            .map(|r| r.try_get::<String>("", "version"))
            .collect::<Result<_, _>>()?,
        Err(_) => Vec::new(),
    };
    let newer = applied
        .iter()
        .filter(|a| !known.contains(a))
        .cloned()
        .collect();
    let pending = known.into_iter().filter(|k| !applied.contains(k)).collect();
    Ok((pending, newer))
}

fn newer_message(newer: &[String]) -> String {
    format!(
        "the database schema is newer than this build: it has migrations this build does not know ({}); run the release that applied them",
        newer.join(", ")
    )
}

/// Refuses a schema other than the one this build expects: migrations still pending (older:
/// run `carbon-pilots migrate`) or applied ones this build does not know (newer: a later
/// release migrated the database; [`prepare`] refuses it too, before touching anything).
pub async fn check_schema(db: &DatabaseConnection) -> anyhow::Result<()> {
    let (pending, newer) = schema_state(db).await?;
    if !newer.is_empty() {
        anyhow::bail!("{}", newer_message(&newer));
    }
    if let Some(first) = pending.first() {
        anyhow::bail!(
            "the database schema is older than this build: {} migration(s) pending (first {first}); run `carbon-pilots migrate` first",
            pending.len()
        );
    }
    Ok(())
}

/// Takes the write lock in `txn` before it changes anything (see the `write_lock` migration:
/// writers run one at a time, so checks that count rows hold until commit) and reads, in the
/// same statement, the head of the audit chain the transaction will extend: its sequence and
/// hash.
pub async fn lock_for_write(txn: &DatabaseTransaction) -> Result<(i64, String), DbErr> {
    let head = txn
        .query_one_raw(Statement::from_string(
            txn.get_database_backend(),
            "UPDATE write_lock SET writes = writes + 1 WHERE id = 1 RETURNING head_seq, head_hash",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the write_lock row".into()))?;
    Ok((
        head.try_get("", "head_seq")?,
        head.try_get("", "head_hash")?,
    ))
}

/// The writers of one process, admitted one at a time in the order they came. A writer
/// waits here before it takes a connection, so writers queued behind the lock hold no
/// connection readers need, and SQLite's busy loop (which sleeps up to 100 ms between tries,
/// in no order) is never entered by this process. Only the writer next in line takes its
/// connection and begins its transaction while the one before it holds the turn, so that
/// time is not spent inside the turn. The `write_lock` row stays the guarantee across
/// processes.
#[derive(Debug, Clone, Default)]
pub struct WriteQueue {
    next: std::sync::Arc<tokio::sync::Mutex<()>>,
    turn: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A writer's turn; the next writer goes when it is dropped.
pub type WriteTurn = tokio::sync::OwnedMutexGuard<()>;

impl WriteQueue {
    /// Waits to be next in line, runs `prepare` there, then waits for the turn.
    pub async fn turn_after<T>(&self, prepare: impl Future<Output = T>) -> (T, WriteTurn) {
        let next = self.next.clone().lock_owned().await;
        let prepared = prepare.await;
        let turn = self.turn.clone().lock_owned().await;
        drop(next);
        (prepared, turn)
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

    /// The embedded SQLite is built as `.cargo/config.toml` says: without memory statistics
    /// (one process-wide mutex per allocation) and with plans that do not depend on bound
    /// values (no re-planning of a page's query on every execution).
    #[tokio::test]
    async fn the_embedded_sqlite_is_built_with_the_workspaces_options() {
        use sea_orm::{ConnectionTrait, Database, Statement};
        let db = Database::connect("sqlite::memory:").await.expect("connect");
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA compile_options",
            ))
            .await
            .expect("compile options");
        let options: Vec<String> = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).expect("option"))
            .collect();
        for wanted in ["DEFAULT_MEMSTATUS=0", "ENABLE_QPSG"] {
            assert!(
                options.iter().any(|o| o == wanted),
                "{wanted} missing from {options:?}"
            );
        }
    }
}

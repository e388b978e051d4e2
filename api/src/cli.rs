//! The `carbon-pilots` command line.

use crate::auth::jwt::{self, Claims, TokenVerifier};
use crate::clock::{Clock, FileClock, SystemClock};
use crate::config::Settings;
use crate::ids::{self, Kind};
use crate::organizations::credit_code::CreditCode;
use crate::startup::Application;
use crate::state::AppState;
use crate::{db, graphql, regions, seed, telemetry};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use entities::organization;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

/// The GraphQL API for carbon-peak and near-zero-carbon demonstration pilots.
#[derive(Debug, Parser)]
#[command(name = "carbon-pilots", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (migrating the database first).
    Serve {
        /// Address to listen on (default: 127.0.0.1:8080).
        #[arg(long, env = "BIND")]
        bind: Option<String>,
        /// Load the demo data set before serving.
        #[arg(long)]
        demo: bool,
        /// Worker threads (default: one per core).
        #[arg(long, env = "WORKERS")]
        workers: Option<usize>,
        /// A training or conformance environment: allows `--clock-file`. Never in production.
        #[arg(long)]
        sandbox: bool,
        /// Sandbox only: read the domain's "now" (an RFC 3339 instant) from this file on every
        /// request; token lifetimes keep the real clock.
        #[arg(long, value_name = "PATH")]
        clock_file: Option<PathBuf>,
        /// Do not migrate: the schema is brought up to date as a separate step
        /// (`carbon-pilots migrate`); a schema older or newer than this build is refused.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply, roll back or list migrations.
    Migrate {
        #[arg(value_enum, default_value_t = MigrateAction::Up)]
        action: MigrateAction,
    },
    /// Import a GB/T 2260 list (`code,name,parent_code` with a header row); all rows or none.
    ImportRegions { file: PathBuf },
    /// Load demo or synthetic data.
    Seed {
        /// The three programs of the seeds with organisations and pilots in every stage.
        #[arg(long, conflicts_with = "synthetic")]
        demo: bool,
        /// Deterministic pilots for load tests.
        #[arg(long, requires = "pilots")]
        synthetic: bool,
        /// How many synthetic pilots.
        #[arg(long)]
        pilots: Option<u32>,
    },
    /// Mint an HS256 token signed with the configured secret.
    Token {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Six-digit region code (required for every role but national and applicant).
        #[arg(long)]
        region: Option<String>,
        /// Applicant organisation: its id, or its unified social credit code.
        #[arg(long)]
        org: Option<String>,
        /// Bureau of a municipal or county user, e.g. ecology_environment.
        #[arg(long)]
        dept: Option<String>,
        #[arg(long, default_value = "cli-user")]
        sub: String,
        #[arg(long)]
        name: Option<String>,
        /// Lifetime: e.g. 30m, 8h, 7d.
        #[arg(long, default_value = "8h")]
        ttl: String,
    },
    /// Print the GraphQL schema (SDL).
    ExportSchema,
    /// Work with the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Compare this build's schema with the last released one; fails on a breaking change
    /// not declared in the declarations file, and on a declaration of a break that is gone.
    CheckSchema {
        /// The last released schema.
        #[arg(long, default_value = "schema/released.graphql")]
        released: PathBuf,
        /// The declared breaks since that release (`[[change]]` with `coordinate`, `reason`).
        #[arg(long, default_value = "schema/breaking-changes.toml")]
        declared: PathBuf,
    },
    /// Export a whole collection as NDJSON (everything; the HTTP endpoint applies scope).
    Export {
        /// pilots, plans, indicators, projects, financing, acceptance, regional-plans,
        /// organizations, programs, regions or audit
        /// (`pilots.ndjson` as over HTTP is taken too).
        collection: String,
        /// Row format: 2 (the API's names and global ids) or 1 (records as stored).
        #[arg(long, default_value = "2")]
        format: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verify the audit trail's hash chain; exits non-zero naming the first broken event.
    VerifyAudit {
        /// First sequence number to check (default: 1).
        #[arg(long)]
        from: Option<i64>,
        /// Last sequence number to check (default: the newest).
        #[arg(long)]
        to: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigAction {
    /// Print the effective configuration (secrets masked) and where each value came from,
    /// and every problem found; exits non-zero when there is one. Changes nothing.
    Check,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MigrateAction {
    Up,
    Down,
    Status,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    National,
    Provincial,
    Municipal,
    County,
    Applicant,
    Auditor,
}

impl Cli {
    /// Parses the process's arguments; `--help` lists every configuration variable.
    pub fn from_args() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let help = crate::config::help_text();
        let command = Cli::command()
            .after_help(help.clone())
            .mut_subcommand("serve", |c| c.after_help(help.clone()))
            .mut_subcommand("config", |c| c.after_help(help));
        Cli::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit())
    }
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // Printing the contract needs no configuration, database or secret.
    match &cli.command {
        Command::ExportSchema => {
            print!("{}", graphql::sdl());
            return Ok(());
        }
        Command::CheckSchema { released, declared } => return check_schema(released, declared),
        Command::Config {
            action: ConfigAction::Check,
        } => return check_config(),
        _ => {}
    }
    let settings = Settings::load()?;
    let _telemetry = telemetry::init(settings.log_format);
    match cli.command {
        Command::ExportSchema | Command::CheckSchema { .. } | Command::Config { .. } => {
            unreachable!("answered before configuration is read")
        }
        Command::Serve {
            bind,
            demo,
            workers,
            sandbox,
            clock_file,
            no_migrate,
        } => {
            let clock: Arc<dyn Clock> = match (clock_file, sandbox) {
                (Some(path), true) => {
                    let clock = FileClock::open(&path).map_err(anyhow::Error::msg)?;
                    tracing::warn!(
                        clock_file = %path.display(),
                        now = %clock.now(),
                        "SANDBOX MODE: windows, notices and deadlines follow the clock file, not the real date; never run this in production"
                    );
                    Arc::new(clock)
                }
                (Some(_), false) => bail!(
                    "--clock-file is refused without --sandbox: a production service keeps the real clock"
                ),
                (None, _) => Arc::new(SystemClock),
            };
            let db = db::connect_server(
                &settings.database_url,
                std::time::Duration::from_millis(settings.limits.db_acquire_timeout_ms.max(1)),
                settings.pool,
            )
            .await?;
            if !no_migrate {
                db::prepare(&db).await?;
            }
            db::check_schema(&db).await?;
            if demo {
                seed::demo::load(&db).await?;
            }
            let bind = bind.unwrap_or(settings.bind.clone());
            let listener = TcpListener::bind(&bind).with_context(|| format!("binding {bind}"))?;
            let verifier = TokenVerifier::new(&settings.jwt)?;
            let workers = workers
                .or(settings.workers)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
            let acquire =
                std::time::Duration::from_millis(settings.limits.db_acquire_timeout_ms.max(1));
            let read_url = settings.database_read_url.as_deref();
            let pools = db::WorkerPools::new(
                &settings.database_url,
                read_url,
                workers,
                acquire,
                settings.pool,
            )?;
            let db = pools
                .after_startup(db, &settings.database_url, acquire)
                .await?;
            let mut state = AppState::new(db, clock);
            if let Some(url) = read_url {
                let replica = db::connect_server(url, acquire, settings.pool)
                    .await
                    .context("connecting to the read replica (DATABASE_READ_URL)")?;
                let replica = pools.after_startup(replica, url, acquire).await?;
                state = state.with_replica(replica);
            } else if let Some(lagging) =
                db::connect_lagging(&settings.database_url, acquire, settings.pool).await?
            {
                state = state.with_replica(lagging);
            }
            let app = Application::build(
                listener,
                state,
                pools,
                verifier,
                settings.limits.clone(),
                workers,
            )?;
            tracing::info!(address = %bind, database = %db::redact(&settings.database_url), "serving; GraphiQL at /graphql");
            app.run_until_stopped().await?;
        }
        Command::Migrate { action } => {
            let db = db::connect(&settings.database_url).await?;
            match action {
                MigrateAction::Up => {
                    db::prepare(&db).await?;
                    println!("migrated");
                }
                MigrateAction::Down => {
                    // All or nothing: a step that fails halfway leaves the schema as it was.
                    let txn = sea_orm::TransactionTrait::begin(&db).await?;
                    Migrator::down(&txn, Some(1)).await?;
                    txn.commit().await?;
                    println!("rolled back the last migration");
                }
                MigrateAction::Status => {
                    for m in Migrator::get_migration_with_status(&db).await? {
                        println!("{:<50} {}", m.name(), m.status());
                    }
                }
            }
        }
        Command::ImportRegions { file } => {
            let db = db::connect(&settings.database_url).await?;
            db::prepare(&db).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            match regions::service::import_csv(&db, &text).await? {
                Ok(summary) => {
                    println!(
                        "imported {} regions: {} added, {} changed",
                        summary.rows,
                        summary.added,
                        summary.changed.len()
                    );
                    for (code, before, after) in &summary.changed {
                        println!("  {code}: {before} -> {after}");
                    }
                }
                Err(errors) => {
                    eprint!("{errors}");
                    bail!("{} bad rows; nothing imported", errors.0.len());
                }
            }
        }
        Command::Seed {
            demo,
            synthetic,
            pilots,
        } => {
            let db = db::connect(&settings.database_url).await?;
            db::prepare(&db).await?;
            if demo {
                let added = seed::demo::load(&db).await?;
                println!("demo data: {added} pilots added");
            } else if synthetic {
                let n = pilots.unwrap_or(10_000);
                seed::synthetic::load(&db, n, true).await?;
                println!("synthetic data: {n} pilots");
            } else {
                bail!("say --demo or --synthetic --pilots N");
            }
        }
        Command::Export {
            collection,
            out,
            format,
        } => {
            use std::io::Write;
            // The HTTP names too: `pilots.ndjson` as in `GET /export/pilots.ndjson`.
            let collection: crate::export::Collection = collection
                .trim_end_matches(".ndjson")
                .parse()
                .map_err(|e: crate::error::ApiError| anyhow::anyhow!(e.message()))?;
            let db = db::connect(&settings.database_url).await?;
            db::prepare(&db).await?;
            let format: crate::export::Format = format
                .parse()
                .map_err(|e: crate::error::ApiError| anyhow::anyhow!(e.message()))?;
            let mut export = crate::export::Export::open(&db, collection, None, format).await?;
            let bar = match &out {
                Some(_) => indicatif::ProgressBar::new(export.total().await?),
                None => indicatif::ProgressBar::hidden(),
            };
            bar.set_style(indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} rows {per_sec} eta {eta}",
            )?);
            let mut sink: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            // A reader that stops early (`| head`) closes the pipe: that ends the export, quietly.
            let closed = |e: &std::io::Error| e.kind() == std::io::ErrorKind::BrokenPipe;
            while let Some((chunk, rows)) = export.next_chunk().await? {
                match sink.write_all(&chunk) {
                    Err(e) if closed(&e) => return Ok(()),
                    other => other?,
                }
                bar.inc(rows);
            }
            match sink.flush() {
                Err(e) if closed(&e) => return Ok(()),
                other => other?,
            }
            bar.finish_and_clear();
        }
        Command::VerifyAudit { from, to } => {
            let db = db::connect(&settings.database_url).await?;
            db::prepare(&db).await?;
            let v = crate::audit::service::verify_all(&db, from, to)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            match v.broken {
                None => println!("audit chain valid: {} events verified", v.checked),
                Some(b) => bail!(
                    "audit chain broken at event {}: {} ({} events verified before it)",
                    b.seq,
                    b.reason,
                    v.checked
                ),
            }
        }
        Command::Token {
            role,
            region,
            org,
            dept,
            sub,
            name,
            ttl,
        } => {
            // Only `serve` (or another command of the service) creates the secret: a token signed
            // with a secret made just for it would be refused by the running server.
            if let crate::config::SecretSource::Generated {
                path,
                created: true,
            } = &settings.secret_source
            {
                let _ = std::fs::remove_file(path);
                bail!(
                    "no JWT secret at {}: `serve` creates it on its first start; run `token` with the same DATA_DIR (or from the same directory), or set JWT_SECRET",
                    path.display()
                );
            }
            let org = match org {
                Some(o) if CreditCode::parse(&o).is_ok() => {
                    let db = db::connect(&settings.database_url).await?;
                    db::prepare(&db).await?;
                    let found = organization::Entity::find()
                        .filter(organization::Column::CreditCode.eq(o.as_str()))
                        .one(&db)
                        .await?
                        .with_context(|| format!("no organisation with credit code {o}"))?;
                    Some(ids::encode(Kind::Organization, found.id).to_string())
                }
                other => other,
            };
            let now = chrono::Utc::now().timestamp();
            let claims = Claims {
                sub,
                role: format!("{role:?}").to_lowercase(),
                region,
                org,
                dept,
                name,
                exp: now
                    + {
                        let ttl = crate::config::parse_duration(&ttl)?;
                        anyhow::ensure!(
                            ttl as u64 <= settings.jwt.max_ttl_secs,
                            "--ttl {ttl} s is longer than JWT_MAX_TTL ({} s): the server would refuse the token",
                            settings.jwt.max_ttl_secs
                        );
                        ttl
                    },
                iat: Some(now),
                nbf: None,
                iss: settings.jwt.issuer.clone(),
                aud: settings.jwt.audience.clone().map(serde_json::Value::String),
            };
            // The server's own checks: what it would refuse is not minted.
            let refused = |e: crate::error::ApiError| {
                anyhow::anyhow!("the server would refuse this token: {}", e.message())
            };
            let viewer = crate::auth::Viewer::from_claims(claims.clone()).map_err(refused)?;
            if viewer.org.is_some() {
                let db = db::connect(&settings.database_url).await?;
                db::prepare(&db).await?;
                crate::auth::resolve_applicant(&db, viewer)
                    .await
                    .map_err(refused)?;
            }
            eprintln!("signed with {}", settings.secret_source);
            println!(
                "{}",
                jwt::mint_hs256(settings.jwt.secret.expose(), &claims)?
            );
        }
    }
    Ok(())
}

/// `check-schema`: this build's SDL against the last released one.
fn check_schema(released: &std::path::Path, declared: &std::path::Path) -> anyhow::Result<()> {
    use crate::graphql::compat;
    let old = std::fs::read_to_string(released)
        .with_context(|| format!("reading {}", released.display()))?;
    let declared_breaks = match std::fs::read_to_string(declared) {
        Ok(text) => compat::parse_declared(&text)
            .with_context(|| format!("reading {}", declared.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", declared.display())),
    };
    let report = compat::check(&old, &graphql::sdl(), &declared_breaks)?;
    for c in &report.changes {
        let label = match (c.breaking, report.undeclared.contains(c)) {
            (false, _) => "safe",
            (true, false) => "BREAKING, declared",
            (true, true) => "BREAKING, NOT DECLARED",
        };
        println!("{label:<24} {:<48} {}", c.coordinate, c.what);
    }
    for s in &report.stale {
        println!(
            "{:<24} {s:<48} declared in {}, but nothing breaks there",
            "STALE DECLARATION",
            declared.display()
        );
    }
    let breaking = report.changes.iter().filter(|c| c.breaking).count();
    println!(
        "{} changes since {}: {breaking} breaking, {} not declared, {} stale declarations",
        report.changes.len(),
        released.display(),
        report.undeclared.len(),
        report.stale.len()
    );
    if !report.passes() {
        bail!(
            "the schema breaks clients of {} without a declaration in {}",
            released.display(),
            declared.display()
        );
    }
    Ok(())
}

/// `config check`: the effective configuration and every problem, changing nothing.
fn check_config() -> anyhow::Result<()> {
    let check = Settings::check(|key| std::env::var(key).ok().filter(|v| !v.is_empty()));
    let mut problems = check.problems;
    let settings = &check.settings;
    // What `serve` would read at start besides the values themselves.
    if let Err(e) = TokenVerifier::new(&settings.jwt) {
        problems.push(format!("token keys: {e:#}"));
    }
    if problems.is_empty()
        && let Err(e) = crate::http::pipeline::Pipeline::new(settings.limits.clone(), 1)
    {
        problems.push(format!("PERSISTED_MANIFEST: {e:#}"));
    }
    if let crate::config::SecretSource::Generated { path, .. } = &settings.secret_source
        && settings.jwt.secret.expose().is_empty()
    {
        println!(
            "# no JWT secret yet: `serve` will generate {}",
            path.display()
        );
    }
    let source_width = check.values.iter().map(|v| v.0.len()).max().unwrap_or(0);
    for (var, value, source) in &check.values {
        println!("{var:<source_width$} = {value}  ({source})");
    }
    if problems.is_empty() {
        println!("# the configuration is valid");
        return Ok(());
    }
    for p in &problems {
        eprintln!("problem: {p}");
    }
    bail!("{} problem(s) in the configuration", problems.len())
}

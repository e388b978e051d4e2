//! Configuration: one typed set of settings, read (with figment) from built-in defaults, then
//! an optional TOML file (`CONFIG_FILE`, or `./carbon-pilots.toml` when present), then
//! environment variables, each layer overriding the one before. Every setting has one name:
//! the environment variable (`MAX_DEPTH`), which is the file's key in lower case
//! (`max_depth`); [`SETTINGS`] lists them all, for `--help` and `config check`. Every problem
//! is reported at once, not only the first. `serve` works on a fresh machine with no
//! configuration at all.

use anyhow::Context;
use figment::Figment;
use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where files the service creates for itself live (default SQLite file, generated secret).
    pub data_dir: PathBuf,
    pub database_url: String,
    /// A streaming replica for reads that tolerate seconds of lag (`DATABASE_READ_URL`):
    /// exports and statistics. Unset: the primary.
    pub database_read_url: Option<String>,
    pub bind: String,
    pub jwt: JwtSettings,
    pub log_format: LogFormat,
    pub limits: Limits,
    /// The server's database pool.
    pub pool: crate::db::PoolSettings,
    /// Where the HS256 secret came from.
    pub secret_source: SecretSource,
    /// HTTP worker threads (`WORKERS`; default one per core).
    pub workers: Option<usize>,
}

/// A secret: its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the code that signs or verifies with it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(*** {} bytes)", self.0.len())
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

/// Where the HS256 secret came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `JWT_SECRET`.
    Environment,
    /// `jwt_secret` in the configuration file.
    ConfigFile,
    /// The file under `DATA_DIR` the service generated; `created` when this run wrote it.
    Generated { path: PathBuf, created: bool },
}

impl std::fmt::Display for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Environment => f.write_str("JWT_SECRET"),
            SecretSource::ConfigFile => f.write_str("jwt_secret of the configuration file"),
            SecretSource::Generated { path, .. } => write!(f, "the secret in {}", path.display()),
        }
    }
}

/// Limits that keep one client from hurting the others.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deepest query (`MAX_DEPTH`).
    pub max_depth: usize,
    /// Most costly query (`MAX_COMPLEXITY`): a field costs 1, a connection multiplies what it
    /// selects by its `first`/`last` (default 20), an unpaged list by 10 (see
    /// `graphql::cost`).
    pub max_complexity: usize,
    /// Most aliased fields in one document (`MAX_ALIASES`).
    pub max_aliases: usize,
    /// Most fields at the root of one operation (`MAX_ROOT_FIELDS`).
    pub max_root_fields: usize,
    /// Largest request body in bytes (`MAX_BODY_BYTES`); larger gets 413.
    pub max_body_bytes: usize,
    /// Longest a request may run, in milliseconds (`REQUEST_TIMEOUT_MS`).
    pub request_timeout_ms: u64,
    /// Most queries one process executes at once (`MAX_QUERIES_IN_FLIGHT`; unset:
    /// [`QUERIES_PER_WORKER`] per HTTP worker); more wait their turn, in order, inside their
    /// time limit. A query under way holds its whole answer being built; one waiting holds
    /// only its request.
    pub max_queries_in_flight: Option<usize>,
    /// Longest a request waits for a database connection before it is answered
    /// `UNAVAILABLE` (`DB_ACQUIRE_TIMEOUT_MS`); `/readyz` waits as long.
    pub db_acquire_timeout_ms: u64,
    /// Whether the schema answers introspection (`INTROSPECTION`).
    pub introspection: bool,
    /// Whether GET /graphql serves GraphiQL (`GRAPHIQL`).
    pub graphiql: bool,
    /// Whether `GET /metrics` serves Prometheus metrics (`METRICS`).
    pub metrics: bool,
    /// Requests per minute per token subject (`RATE_LIMIT_PER_MINUTE`).
    pub rate_per_minute: u32,
    /// Requests per minute per client address without a valid token
    /// (`RATE_LIMIT_ANONYMOUS_PER_MINUTE`).
    pub anonymous_rate_per_minute: u32,
    /// Only operations registered in `persisted_manifest` run (`PERSISTED_ONLY`).
    pub persisted_only: bool,
    /// The manifest of registered operations (`PERSISTED_MANIFEST`).
    pub persisted_manifest: Option<PathBuf>,
    /// Origins allowed to call from a browser (`CORS_ALLOWED_ORIGINS`, comma-separated);
    /// none by default.
    pub cors_allowed_origins: Vec<String>,
    /// Reverse proxies whose `Forwarded`/`X-Forwarded-For` name the client
    /// (`TRUSTED_PROXIES`, comma-separated addresses or networks); none by default.
    pub trusted_proxies: Vec<crate::http::proxies::ProxyNet>,
}

/// Queries executed at once per HTTP worker when `MAX_QUERIES_IN_FLIGHT` is unset: enough to
/// keep a worker busy while others wait on the database (measured on the benchmark's list
/// pages: 8 at once on 2 workers served as many pages as 32, in 126 instead of 166 MiB).
pub const QUERIES_PER_WORKER: usize = 4;

impl Limits {
    /// How many queries one process with `workers` HTTP workers executes at once.
    pub fn queries_in_flight(&self, workers: usize) -> usize {
        self.max_queries_in_flight
            .unwrap_or(QUERIES_PER_WORKER * workers.max(1))
            .max(1)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 15,
            max_complexity: 20_000,
            max_aliases: 50,
            max_root_fields: 20,
            max_body_bytes: 1024 * 1024,
            request_timeout_ms: 30_000,
            max_queries_in_flight: None,
            db_acquire_timeout_ms: 3_000,
            introspection: true,
            graphiql: true,
            metrics: true,
            rate_per_minute: 600,
            anonymous_rate_per_minute: 60,
            cors_allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            persisted_only: false,
            persisted_manifest: None,
        }
    }
}

/// How tokens are verified.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// The HS256 shared secret, which `carbon-pilots token` also signs with.
    pub secret: Secret,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud`, when set.
    pub audience: Option<String>,
    /// A JWKS file with the RS256/ES256 keys of an external identity provider.
    pub jwks_file: Option<PathBuf>,
    /// A single PEM public key of an external identity provider.
    pub public_key_file: Option<PathBuf>,
    /// The algorithm the PEM key is pinned to (`RS256` or `ES256`).
    pub public_key_alg: String,
    /// Seconds between re-reads of the key files, for key rotation without a restart.
    pub keys_refresh_secs: u64,
    /// A top-level claim holding an object with `role`, `region`, `org`, `dept`, `name`,
    /// for identity providers that namespace their custom claims.
    pub claim_namespace: Option<String>,
    /// The identity provider's JWKS endpoint (`JWT_JWKS_URL`, https; plain http only on a
    /// loopback address), fetched at start, every `keys_refresh_secs`, and when a token names
    /// an unknown `kid` (at most once per `jwks_min_refetch_secs`).
    pub jwks_url: Option<String>,
    /// Shortest time between two fetches of the JWKS caused by tokens naming an unknown
    /// `kid` (`JWT_JWKS_MIN_REFETCH_SECS`, default 30).
    pub jwks_min_refetch_secs: u64,
    /// Longest lifetime a token may have, `exp` − `iat` (`JWT_MAX_TTL`, e.g. `24h`).
    pub max_ttl_secs: u64,
    /// Whether HS256 tokens signed with the shared secret are accepted (`JWT_ALLOW_HS256`):
    /// by default only when no identity provider is configured.
    pub allow_hs256: bool,
}

impl JwtSettings {
    /// Whether an external identity provider's keys are configured.
    pub fn has_identity_provider(&self) -> bool {
        self.jwks_file.is_some() || self.public_key_file.is_some() || self.jwks_url.is_some()
    }
}

/// Shortest shared secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
/// Default longest token lifetime: a day.
pub const DEFAULT_MAX_TTL_SECS: u64 = 24 * 3600;

/// Parses `30s`, `30m`, `8h` or `7d` (a bare number is hours) into seconds.
pub fn parse_duration(s: &str) -> anyhow::Result<i64> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().with_context(|| format!("bad duration `{s}`"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" | "" => 3600,
        "d" => 86_400,
        _ => anyhow::bail!("bad duration unit in `{s}` (use s, m, h or d)"),
    };
    if n <= 0 {
        anyhow::bail!("duration must be positive");
    }
    n.checked_mul(mult)
        .with_context(|| format!("duration `{s}` is too long"))
}

/// One setting: its environment variable (the file's key in lower case), its default as
/// shown to people, and what it does.
#[derive(Debug)]
pub struct SettingDoc {
    pub var: &'static str,
    pub default: &'static str,
    pub help: &'static str,
    /// Shown masked by `config check`.
    pub secret: bool,
}

const fn doc(var: &'static str, default: &'static str, help: &'static str) -> SettingDoc {
    SettingDoc {
        var,
        default,
        help,
        secret: false,
    }
}

const fn secret(var: &'static str, default: &'static str, help: &'static str) -> SettingDoc {
    SettingDoc {
        var,
        default,
        help,
        secret: true,
    }
}

/// Every setting, in the order `--help` and `config check` list them.
pub const SETTINGS: &[SettingDoc] = &[
    doc(
        "DATA_DIR",
        "data",
        "where the SQLite file and a generated secret live",
    ),
    secret(
        "DATABASE_URL",
        "sqlite://DATA_DIR/carbon-pilots.sqlite?mode=rwc",
        "sqlite://… or postgres://…",
    ),
    secret(
        "DATABASE_READ_URL",
        "the primary",
        "a streaming replica for exports and statistics",
    ),
    doc("BIND", DEFAULT_BIND, "listen address"),
    doc("WORKERS", "one per core", "HTTP worker threads"),
    doc("LOG_FORMAT", "pretty", "pretty or json"),
    secret(
        "JWT_SECRET",
        "generated into DATA_DIR/jwt-secret",
        "HS256 secret, at least 32 bytes",
    ),
    doc("JWT_ISSUER", "unset", "required iss of tokens"),
    doc("JWT_AUDIENCE", "unset", "required aud of tokens"),
    doc(
        "JWT_JWKS_FILE",
        "unset",
        "identity provider keys (JWKS file)",
    ),
    doc(
        "JWT_PUBLIC_KEY_FILE",
        "unset",
        "one PEM public key of an identity provider",
    ),
    doc(
        "JWT_PUBLIC_KEY_ALG",
        "RS256",
        "RS256 or ES256, for the PEM key",
    ),
    doc(
        "JWT_KEYS_REFRESH_SECS",
        "300",
        "seconds between re-reads of the key files and URL",
    ),
    doc(
        "JWT_JWKS_URL",
        "unset",
        "identity provider JWKS endpoint (https)",
    ),
    doc(
        "JWT_JWKS_MIN_REFETCH_SECS",
        "30",
        "least seconds between fetches for unknown kids",
    ),
    doc(
        "JWT_CLAIM_NAMESPACE",
        "unset",
        "claim holding role, region, org, dept, name",
    ),
    doc("JWT_MAX_TTL", "24h", "longest token lifetime (30m, 8h, 7d)"),
    doc(
        "JWT_ALLOW_HS256",
        "true without an identity provider",
        "accept HS256 tokens",
    ),
    doc("MAX_DEPTH", "15", "deepest query"),
    doc("MAX_COMPLEXITY", "20000", "most costly query"),
    doc("MAX_ALIASES", "50", "most aliased fields in a document"),
    doc("MAX_ROOT_FIELDS", "20", "most root fields in an operation"),
    doc("MAX_BODY_BYTES", "1048576", "largest request body"),
    doc("REQUEST_TIMEOUT_MS", "30000", "longest a request may run"),
    doc(
        "MAX_QUERIES_IN_FLIGHT",
        "4 per HTTP worker",
        "most queries executed at once; more wait in order",
    ),
    doc(
        "DB_ACQUIRE_TIMEOUT_MS",
        "3000",
        "longest wait for a database connection",
    ),
    doc(
        "DB_POOL_SIZE",
        "20 (PostgreSQL), 12 (SQLite)",
        "connections of the server (on PostgreSQL split among the HTTP workers; on SQLite a quarter as many more, at least 2, for statistics and exports)",
    ),
    doc(
        "DB_IDLE_TIMEOUT",
        "never",
        "close connections idle this long (10m)",
    ),
    doc(
        "DB_MAX_LIFETIME",
        "never",
        "replace connections this old (1h)",
    ),
    doc("INTROSPECTION", "true", "answer introspection"),
    doc("GRAPHIQL", "true", "serve GraphiQL at GET /graphql"),
    doc("METRICS", "true", "serve Prometheus metrics at /metrics"),
    doc(
        "RATE_LIMIT_PER_MINUTE",
        "600",
        "requests per minute per token subject",
    ),
    doc(
        "RATE_LIMIT_ANONYMOUS_PER_MINUTE",
        "60",
        "requests per minute per address without a token",
    ),
    doc("PERSISTED_ONLY", "false", "run registered operations only"),
    doc(
        "PERSISTED_MANIFEST",
        "unset",
        "manifest of registered operations (Apollo or Codegen)",
    ),
    doc(
        "CORS_ALLOWED_ORIGINS",
        "none",
        "browser origins allowed, comma-separated",
    ),
    doc(
        "TRUSTED_PROXIES",
        "none",
        "proxies whose Forwarded/X-Forwarded-For count, comma-separated",
    ),
];

/// Variables read outside the typed settings.
pub const OTHER_VARIABLES: &[(&str, &str)] = &[
    (
        "CONFIG_FILE",
        "the TOML file (default ./carbon-pilots.toml when present)",
    ),
    ("RUST_LOG", "log filter (default info)"),
    (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTLP/HTTP collector for traces (and the other standard OTEL_* variables)",
    ),
    (
        "OTEL_SERVICE_NAME",
        "service name in traces (default carbon-pilots)",
    ),
];

/// The list of settings for `--help`.
pub fn help_text() -> String {
    let mut out = String::from(
        "Configuration (environment variable, or its lower-case key in the TOML file; the environment wins):\n",
    );
    for s in SETTINGS {
        out.push_str(&format!(
            "  {:<33} {} [default: {}]\n",
            s.var, s.help, s.default
        ));
    }
    for (var, help) in OTHER_VARIABLES {
        out.push_str(&format!("  {var:<33} {help}\n"));
    }
    out.push_str("Check a configuration with `carbon-pilots config check`.");
    out
}

/// Every setting as read, before its meaning is checked. Keys are the variables in lower
/// case; a list is a TOML array or a comma-separated string.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Raw {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_read_url: Option<String>,
    bind: Option<String>,
    workers: Option<usize>,
    log_format: Option<LogFormat>,
    jwt_secret: Option<Secret>,
    jwt_issuer: Option<String>,
    jwt_audience: Option<String>,
    jwt_jwks_file: Option<PathBuf>,
    jwt_public_key_file: Option<PathBuf>,
    jwt_public_key_alg: Option<String>,
    jwt_keys_refresh_secs: Option<u64>,
    jwt_jwks_url: Option<String>,
    jwt_jwks_min_refetch_secs: Option<u64>,
    jwt_claim_namespace: Option<String>,
    jwt_max_ttl: Option<String>,
    jwt_allow_hs256: Option<bool>,
    max_depth: Option<usize>,
    max_complexity: Option<usize>,
    max_aliases: Option<usize>,
    max_root_fields: Option<usize>,
    max_body_bytes: Option<usize>,
    request_timeout_ms: Option<u64>,
    max_queries_in_flight: Option<usize>,
    db_acquire_timeout_ms: Option<u64>,
    db_pool_size: Option<u32>,
    db_idle_timeout: Option<String>,
    db_max_lifetime: Option<String>,
    introspection: Option<bool>,
    graphiql: Option<bool>,
    metrics: Option<bool>,
    rate_limit_per_minute: Option<u32>,
    rate_limit_anonymous_per_minute: Option<u32>,
    persisted_only: Option<bool>,
    persisted_manifest: Option<PathBuf>,
    #[serde(deserialize_with = "list")]
    cors_allowed_origins: Option<Vec<String>>,
    #[serde(deserialize_with = "list")]
    trusted_proxies: Option<Vec<String>>,
}

/// A TOML array of strings, or one comma-separated string (as environment variables hold).
fn list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Text(String),
        Items(Vec<String>),
    }
    let items = match OneOrMany::deserialize(d)? {
        OneOrMany::Text(s) => s.split(',').map(str::to_owned).collect(),
        OneOrMany::Items(v) => v,
    };
    Ok(Some(
        items
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    ))
}

const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The name figment gives values from the environment.
const ENVIRONMENT: &str = "environment variable";
const SECRET_FILE: &str = "jwt-secret";

/// One layer of the configuration as a figment provider: the file's keys, or the known
/// environment variables as strings (read as numbers or flags where a setting is one).
struct Layer {
    name: &'static str,
    dict: Dict,
}

impl figment::Provider for Layer {
    fn metadata(&self) -> figment::Metadata {
        figment::Metadata::named(self.name)
    }

    fn data(&self) -> Result<Map<figment::Profile, Dict>, figment::Error> {
        Ok(figment::Profile::Default.collect(self.dict.clone()))
    }
}

/// The name figment gives values from the file.
const FILE: &str = "configuration file";

/// What `config check` reports: each setting's effective value (secrets masked) and where it
/// came from, and every problem found.
#[derive(Debug)]
pub struct Check {
    pub values: Vec<(String, String, String)>,
    pub problems: Vec<String>,
    pub settings: Settings,
}

/// Whether reading the settings may write the generated secret when there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Secrets {
    Create,
    ReadOnly,
}

impl Settings {
    /// Reads the layered configuration from the process environment.
    pub fn load() -> anyhow::Result<Self> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
    }

    /// Reads the layered configuration with `env` standing for the environment; every
    /// problem found is in the error.
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let check = Self::read(&env, Secrets::Create);
        anyhow::ensure!(
            check.problems.is_empty(),
            "the configuration has {} problem(s):\n  {}",
            check.problems.len(),
            check.problems.join("\n  ")
        );
        Ok(check.settings)
    }

    /// Reads and checks the configuration without changing anything (no secret is
    /// generated), for `config check`.
    pub fn check(env: impl Fn(&str) -> Option<String>) -> Check {
        Self::read(&env, Secrets::ReadOnly)
    }

    fn read(env: &dyn Fn(&str) -> Option<String>, secrets: Secrets) -> Check {
        let mut problems = Vec::new();
        let file_path = env("CONFIG_FILE").map(PathBuf::from).or_else(|| {
            let default = PathBuf::from("carbon-pilots.toml");
            default.exists().then_some(default)
        });
        let mut file = Dict::new();
        if let Some(path) = &file_path {
            if path.exists() {
                match figment::Provider::data(&Toml::file_exact(path)) {
                    Ok(mut data) => {
                        file = data.remove(&figment::Profile::Default).unwrap_or_default();
                    }
                    Err(e) => problems.push(format!("CONFIG_FILE: {e}")),
                }
            } else {
                problems.push(format!("CONFIG_FILE: {} does not exist", path.display()));
            }
        }
        let mut vars: Dict = SETTINGS
            .iter()
            .filter_map(|s| env(s.var).map(|v| (s.var.to_lowercase(), Value::from(v))))
            .collect();
        let as_given = Figment::new()
            .merge(Layer {
                name: FILE,
                dict: file.clone(),
            })
            .merge(Layer {
                name: ENVIRONMENT,
                dict: vars.clone(),
            });
        // Serde stops at the first value it cannot read: each one found is reported and set
        // aside, and the rest read again, so every problem is found in one run.
        let (figment, raw) = loop {
            let figment = Figment::new()
                .merge(Layer {
                    name: FILE,
                    dict: file.clone(),
                })
                .merge(Layer {
                    name: ENVIRONMENT,
                    dict: vars.clone(),
                });
            match figment.extract_lossy::<Raw>() {
                Ok(raw) => break (figment, raw),
                Err(e) => {
                    let key = e.path.first().cloned();
                    let from = e.metadata.as_ref().map_or(FILE, |m| {
                        if m.name == ENVIRONMENT {
                            ENVIRONMENT
                        } else {
                            FILE
                        }
                    });
                    let var = key
                        .as_deref()
                        .map_or_else(|| "configuration".to_owned(), str::to_uppercase);
                    let kind = match &e.kind {
                        figment::error::Kind::UnknownField(field, _) => {
                            format!("`{field}` is not a setting")
                        }
                        other => other.to_string(),
                    };
                    problems.push(format!("{var} ({from}): {kind}"));
                    let removed = match &e.kind {
                        figment::error::Kind::UnknownField(field, _) => {
                            file.remove(field.as_str()).is_some()
                        }
                        _ => key.as_ref().is_some_and(|k| {
                            let in_env = vars.remove(k.as_str()).is_some();
                            in_env || file.remove(k.as_str()).is_some()
                        }),
                    };
                    if !removed {
                        break (figment, Raw::default());
                    }
                }
            }
        };
        let values = SETTINGS
            .iter()
            .map(|s| {
                let key = s.var.to_lowercase();
                let (value, source) = match as_given.find_value(&key) {
                    Ok(v) => {
                        let shown = match (&v, s.secret) {
                            (Value::String(_, text), true) if s.var == "JWT_SECRET" => {
                                format!("*** ({} bytes)", text.len())
                            }
                            (Value::String(_, text), true) => crate::db::redact(text),
                            (Value::String(_, text), false) => text.clone(),
                            (other, _) => {
                                serde_json::to_string(other).unwrap_or_else(|_| "?".into())
                            }
                        };
                        let source = as_given
                            .find_metadata(&key)
                            .map(|m| m.name.to_string())
                            .unwrap_or_default();
                        (shown, source)
                    }
                    Err(_) => (s.default.to_owned(), "default".to_owned()),
                };
                (s.var.to_owned(), value, source)
            })
            .collect();
        let secret_from = figment
            .find_metadata("jwt_secret")
            .map(|m| m.name.to_string());
        let settings = Self::from_raw(raw, secrets, secret_from.as_deref(), &mut problems);
        Check {
            values,
            problems,
            settings,
        }
    }

    /// Gives the settings their meaning, pushing every problem found.
    fn from_raw(
        raw: Raw,
        secrets: Secrets,
        secret_from: Option<&str>,
        problems: &mut Vec<String>,
    ) -> Settings {
        let mut problem = |p: String| problems.push(p);
        let data_dir = raw.data_dir.unwrap_or_else(|| "data".into());
        let database_url = raw.database_url.unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("carbon-pilots.sqlite").display()
            )
        });
        if !database_url.starts_with("sqlite:") && !database_url.starts_with("postgres") {
            problem(format!(
                "DATABASE_URL must be sqlite://… or postgres://…, not {}",
                crate::db::redact(&database_url)
            ));
        }
        if secrets == Secrets::Create
            && database_url.starts_with("sqlite:")
            && let Err(e) = std::fs::create_dir_all(&data_dir)
        {
            problem(format!("DATA_DIR: creating {}: {e}", data_dir.display()));
        }
        let (secret, secret_source) = match raw.jwt_secret {
            Some(s) => {
                if s.expose().len() < MIN_SECRET_BYTES {
                    problem(format!(
                        "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (it has {}); generate one with `openssl rand -hex 32`",
                        s.expose().len()
                    ));
                }
                let source = match secret_from {
                    Some(ENVIRONMENT) => SecretSource::Environment,
                    _ => SecretSource::ConfigFile,
                };
                (s, source)
            }
            None => {
                let path = data_dir.join(SECRET_FILE);
                match secrets {
                    Secrets::Create => match generated_secret(&data_dir) {
                        Ok((secret, created)) => {
                            (Secret(secret), SecretSource::Generated { path, created })
                        }
                        Err(e) => {
                            problem(format!("JWT_SECRET: {e:#}"));
                            (
                                Secret(String::new()),
                                SecretSource::Generated {
                                    path,
                                    created: false,
                                },
                            )
                        }
                    },
                    Secrets::ReadOnly => {
                        let existing = std::fs::read_to_string(&path)
                            .map(|s| s.trim().to_owned())
                            .unwrap_or_default();
                        (
                            Secret(existing),
                            SecretSource::Generated {
                                path,
                                created: false,
                            },
                        )
                    }
                }
            }
        };
        let positive =
            |key: &str, v: Option<String>| -> Result<Option<std::time::Duration>, String> {
                v.map(|v| {
                    parse_duration(&v)
                        .map(|secs| std::time::Duration::from_secs(secs as u64))
                        .map_err(|e| format!("{key}: {e} (e.g. 30s, 10m, 8h)"))
                })
                .transpose()
            };
        let mut duration = |key: &str, v: Option<String>| match positive(key, v) {
            Ok(d) => d,
            Err(e) => {
                problem(e);
                None
            }
        };
        let max_ttl =
            duration("JWT_MAX_TTL", raw.jwt_max_ttl).map_or(DEFAULT_MAX_TTL_SECS, |d| d.as_secs());
        let idle_timeout = duration("DB_IDLE_TIMEOUT", raw.db_idle_timeout);
        let max_lifetime = duration("DB_MAX_LIFETIME", raw.db_max_lifetime);
        if raw.db_pool_size == Some(0) {
            problem("DB_POOL_SIZE must be a whole number above 0".into());
        }
        if raw.max_queries_in_flight == Some(0) {
            problem("MAX_QUERIES_IN_FLIGHT must be a whole number above 0".into());
        }
        let jwks_url = raw.jwt_jwks_url.and_then(|u| match check_jwks_url(&u) {
            Ok(u) => Some(u),
            Err(e) => {
                problem(e.to_string());
                None
            }
        });
        if let Some(alg) = &raw.jwt_public_key_alg
            && !matches!(alg.as_str(), "RS256" | "ES256")
        {
            problem(format!(
                "JWT_PUBLIC_KEY_ALG must be RS256 or ES256, not `{alg}`"
            ));
        }
        for (var, path) in [
            ("JWT_JWKS_FILE", &raw.jwt_jwks_file),
            ("JWT_PUBLIC_KEY_FILE", &raw.jwt_public_key_file),
            ("PERSISTED_MANIFEST", &raw.persisted_manifest),
        ] {
            if let Some(p) = path
                && !p.exists()
            {
                problem(format!("{var}: {} does not exist", p.display()));
            }
        }
        let persisted_only = raw.persisted_only.unwrap_or(false);
        if persisted_only && raw.persisted_manifest.is_none() {
            problem("PERSISTED_ONLY needs PERSISTED_MANIFEST".into());
        }
        let trusted_proxies = raw
            .trusted_proxies
            .unwrap_or_default()
            .iter()
            .filter_map(|p| match crate::http::proxies::ProxyNet::parse(p) {
                Ok(net) => Some(net),
                Err(e) => {
                    problem(format!("TRUSTED_PROXIES: {e}"));
                    None
                }
            })
            .collect();
        if let Some(bind) = &raw.bind
            && bind.parse::<std::net::SocketAddr>().is_err()
            && !bind.contains(':')
        {
            problem(format!("BIND must be host:port, not `{bind}`"));
        }
        let d = Limits::default();
        let limits = Limits {
            max_depth: raw.max_depth.unwrap_or(d.max_depth),
            max_complexity: raw.max_complexity.unwrap_or(d.max_complexity),
            max_aliases: raw.max_aliases.unwrap_or(d.max_aliases),
            max_root_fields: raw.max_root_fields.unwrap_or(d.max_root_fields),
            max_body_bytes: raw.max_body_bytes.unwrap_or(d.max_body_bytes),
            request_timeout_ms: raw.request_timeout_ms.unwrap_or(d.request_timeout_ms),
            max_queries_in_flight: raw.max_queries_in_flight.or(d.max_queries_in_flight),
            db_acquire_timeout_ms: raw.db_acquire_timeout_ms.unwrap_or(d.db_acquire_timeout_ms),
            introspection: raw.introspection.unwrap_or(d.introspection),
            graphiql: raw.graphiql.unwrap_or(d.graphiql),
            metrics: raw.metrics.unwrap_or(d.metrics),
            rate_per_minute: raw.rate_limit_per_minute.unwrap_or(d.rate_per_minute),
            anonymous_rate_per_minute: raw
                .rate_limit_anonymous_per_minute
                .unwrap_or(d.anonymous_rate_per_minute),
            persisted_only,
            persisted_manifest: raw.persisted_manifest,
            cors_allowed_origins: raw.cors_allowed_origins.unwrap_or_default(),
            trusted_proxies,
        };
        let jwt = JwtSettings {
            secret,
            issuer: raw.jwt_issuer,
            audience: raw.jwt_audience,
            jwks_file: raw.jwt_jwks_file,
            public_key_file: raw.jwt_public_key_file,
            public_key_alg: raw.jwt_public_key_alg.unwrap_or_else(|| "RS256".to_owned()),
            keys_refresh_secs: raw.jwt_keys_refresh_secs.unwrap_or(300),
            claim_namespace: raw.jwt_claim_namespace,
            jwks_url,
            jwks_min_refetch_secs: raw.jwt_jwks_min_refetch_secs.unwrap_or(30),
            max_ttl_secs: max_ttl,
            allow_hs256: false,
        };
        let jwt = JwtSettings {
            allow_hs256: raw.jwt_allow_hs256.unwrap_or(!jwt.has_identity_provider()),
            ..jwt
        };
        Settings {
            jwt,
            limits,
            pool: crate::db::PoolSettings {
                size: raw.db_pool_size.filter(|n| *n > 0),
                idle_timeout,
                max_lifetime,
            },
            secret_source,
            data_dir,
            database_url,
            database_read_url: raw.database_read_url,
            bind: raw.bind.unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            log_format: raw.log_format.unwrap_or_default(),
            workers: raw.workers,
        }
    }
}

/// A JWKS URL must be https, or plain http on a loopback address (a local sidecar, tests).
fn check_jwks_url(url: &str) -> anyhow::Result<String> {
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| url.starts_with(p) && url[p.len()..].starts_with([':', '/']));
    anyhow::ensure!(
        url.starts_with("https://") || loopback,
        "JWT_JWKS_URL must be an https URL (plain http only on a loopback address)"
    );
    Ok(url.to_owned())
}

/// Reads the secret generated on an earlier start, or creates one (mode 0600) and says so,
/// so that `serve` and `token` agree on a fresh machine without any set-up.
fn generated_secret(data_dir: &Path) -> anyhow::Result<(String, bool)> {
    let path = data_dir.join(SECRET_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= 32 {
            return Ok((existing, false));
        }
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let bytes: [u8; 32] = rand::random();
    let secret = hex::encode(bytes);
    write_private(&path, &secret)?;
    tracing::warn!(path = %path.display(), "JWT_SECRET is not set; generated a random secret");
    Ok((secret, true))
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_use_sqlite_under_the_data_dir_and_a_generated_secret() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("d");
        let s = Settings::from_lookup(lookup(&[("DATA_DIR", data.to_str().expect("utf8"))]))
            .expect("settings");
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert!(s.database_url.starts_with("sqlite://"));
        assert_eq!(s.jwt.secret.expose().len(), 64);
        let again = Settings::from_lookup(lookup(&[("DATA_DIR", data.to_str().expect("utf8"))]))
            .expect("settings");
        assert_eq!(
            again.jwt.secret, s.jwt.secret,
            "the generated secret is reused"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(data.join(SECRET_FILE))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn every_documented_default_is_the_default() {
        // A default `--help` shows as a value (not "unset" or "one per core") must be the
        // value the service uses when the variable is not set.
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("d");
        let data = data.to_str().expect("utf8");
        let plain = Settings::check(lookup(&[("DATA_DIR", data)]));
        assert!(plain.problems.is_empty(), "{:?}", plain.problems);
        let mut compared = 0;
        let described = |d: &str| d.contains(' ') || ["unset", "none", "never"].contains(&d);
        for s in SETTINGS
            .iter()
            .filter(|s| s.var != "DATA_DIR" && !s.secret && !described(s.default))
        {
            let set = Settings::check(lookup(&[("DATA_DIR", data), (s.var, s.default)]));
            assert!(set.problems.is_empty(), "{}: {:?}", s.var, set.problems);
            compared += 1;
            assert_eq!(
                format!("{:?}", set.settings),
                format!("{:?}", plain.settings),
                "{}: documented default {:?} is not the default",
                s.var,
                s.default
            );
        }
        assert!(compared >= 15, "only {compared} defaults compared");
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:1\"\njwt_secret = \"from-file-secret-from-file-secret\"\n",
        )
        .expect("write");
        let s = Settings::from_lookup(lookup(&[
            ("CONFIG_FILE", file.to_str().expect("utf8")),
            ("BIND", "127.0.0.1:9"),
            ("DATABASE_URL", "postgres://x/y"),
        ]))
        .expect("settings");
        assert_eq!(s.bind, "127.0.0.1:9");
        assert_eq!(s.jwt.secret.expose(), "from-file-secret-from-file-secret");
        assert_eq!(s.secret_source, SecretSource::ConfigFile);
        assert_eq!(s.database_url, "postgres://x/y");
    }

    #[test]
    fn every_setting_is_named_once_and_read_from_file_and_environment() {
        // Each documented variable is a key of the file: a file setting all of them with a
        // wrong type is refused key by key, so none is missing from the typed settings.
        let mut seen = std::collections::HashSet::new();
        for s in SETTINGS {
            assert!(seen.insert(s.var), "{} twice", s.var);
            let dir = tempfile::tempdir().expect("tempdir");
            let file = dir.path().join("c.toml");
            std::fs::write(
                &file,
                format!(
                    "{} = {{ not = \"a setting value\" }}\n",
                    s.var.to_lowercase()
                ),
            )
            .expect("write");
            let check = Settings::check(lookup(&[("CONFIG_FILE", file.to_str().expect("utf8"))]));
            assert!(
                check.problems.iter().any(|p| p.starts_with(s.var)),
                "{} is a typed setting of the file: {:?}",
                s.var,
                check.problems
            );
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "max_depth = 9\ntrusted_proxies = [\"10.0.0.0/8\"]\ncors_allowed_origins = \"https://a.example, https://b.example\"\nmetrics = false\n",
        )
        .expect("write");
        let s = Settings::from_lookup(lookup(&[
            ("CONFIG_FILE", file.to_str().expect("utf8")),
            ("JWT_SECRET", "a-secret-of-at-least-thirty-two-bytes"),
            ("DATA_DIR", dir.path().to_str().expect("utf8")),
            ("MAX_ALIASES", "7"),
            ("METRICS", "true"),
        ]))
        .expect("settings");
        assert_eq!((s.limits.max_depth, s.limits.max_aliases), (9, 7));
        assert_eq!(s.limits.trusted_proxies.len(), 1);
        assert_eq!(
            s.limits.cors_allowed_origins,
            vec![
                "https://a.example".to_owned(),
                "https://b.example".to_owned()
            ]
        );
        assert!(s.limits.metrics, "the environment wins over the file");
        assert_eq!(s.secret_source, SecretSource::Environment);
    }

    #[test]
    fn every_problem_is_reported_at_once_and_secrets_never_show() {
        let dir = tempfile::tempdir().expect("tempdir");
        let check = Settings::check(lookup(&[
            ("DATA_DIR", dir.path().to_str().expect("utf8")),
            ("MAX_DEPTH", "deep"),
            ("LOG_FORMAT", "xml"),
            ("JWT_MAX_TTL", "5y"),
            ("TRUSTED_PROXIES", "not-an-address"),
            ("DATABASE_URL", "postgres://app:hunter2@db/pilots"),
            ("JWT_SECRET", "short-but-secret"),
        ]));
        let problems = check.problems.join("\n");
        for var in [
            "MAX_DEPTH",
            "LOG_FORMAT",
            "JWT_MAX_TTL",
            "TRUSTED_PROXIES",
            "JWT_SECRET",
        ] {
            assert!(problems.contains(var), "{var} in {problems}");
        }
        let shown = format!("{:?}", check.values);
        assert!(
            !shown.contains("hunter2") && !shown.contains("short-but-secret"),
            "{shown}"
        );
        assert!(shown.contains("postgres://app:***@db/pilots"), "{shown}");
        assert!(
            !dir.path().join(SECRET_FILE).exists(),
            "checking writes nothing"
        );
        let settings = Settings::from_lookup(lookup(&[
            ("DATA_DIR", dir.path().to_str().expect("utf8")),
            ("JWT_SECRET", "a-secret-of-at-least-thirty-two-bytes"),
        ]))
        .expect("settings");
        let debug = format!("{settings:?}");
        assert!(
            !debug.contains("a-secret-of-at-least"),
            "Debug hides the secret: {debug}"
        );
    }

    #[test]
    fn a_bad_log_format_is_refused() {
        let err = Settings::from_lookup(lookup(&[
            ("LOG_FORMAT", "xml"),
            ("JWT_SECRET", "a-secret-of-at-least-thirty-two-bytes"),
        ]))
        .expect_err("refused");
        assert!(err.to_string().contains("LOG_FORMAT"));
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("8h").expect("ok"), 28_800);
        assert_eq!(parse_duration("30m").expect("ok"), 1_800);
        assert_eq!(parse_duration("7d").expect("ok"), 604_800);
        assert!(parse_duration("0h").is_err());
        assert!(parse_duration("5y").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn a_short_secret_is_refused_at_start() {
        let err =
            Settings::from_lookup(lookup(&[("JWT_SECRET", "short-secret")])).expect_err("refused");
        assert!(err.to_string().contains("at least 32 bytes"), "{err}");
    }

    #[test]
    fn token_rules_have_safe_defaults() {
        let secret = ("JWT_SECRET", "a-secret-of-at-least-thirty-two-bytes");
        let s = Settings::from_lookup(lookup(&[secret])).expect("settings");
        assert_eq!(s.jwt.max_ttl_secs, 86_400);
        assert!(
            s.jwt.allow_hs256,
            "HS256 is the only way in without an identity provider"
        );
        let idp = Settings::from_lookup(lookup(&[
            secret,
            ("JWT_JWKS_URL", "https://idp.example/jwks"),
        ]))
        .expect("settings");
        assert!(
            !idp.jwt.allow_hs256,
            "off once an identity provider is configured"
        );
        let both = Settings::from_lookup(lookup(&[
            secret,
            ("JWT_JWKS_URL", "https://idp.example/jwks"),
            ("JWT_ALLOW_HS256", "true"),
        ]))
        .expect("settings");
        assert!(both.jwt.allow_hs256, "unless explicitly allowed");
        assert!(
            Settings::from_lookup(lookup(&[
                secret,
                ("JWT_JWKS_URL", "http://idp.example/jwks")
            ]))
            .is_err()
        );
        assert!(
            Settings::from_lookup(lookup(&[
                secret,
                ("JWT_JWKS_URL", "http://127.0.0.1:9/jwks")
            ]))
            .is_ok()
        );
        assert!(
            Settings::from_lookup(lookup(&[
                secret,
                ("JWT_JWKS_URL", "http://127.0.0.1.evil/jwks")
            ]))
            .is_err()
        );
        let short =
            Settings::from_lookup(lookup(&[secret, ("JWT_MAX_TTL", "1h")])).expect("settings");
        assert_eq!(short.jwt.max_ttl_secs, 3600);
    }
}

//! Configuration: built-in defaults, then an optional TOML file (`CONFIG_FILE`, or
//! `./carbon-pilots.toml` when present), then environment variables, each layer overriding the
//! one before. `serve` works on a fresh machine with no configuration at all.

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
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

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 15,
            max_complexity: 20_000,
            max_aliases: 50,
            max_root_fields: 20,
            max_body_bytes: 1024 * 1024,
            request_timeout_ms: 30_000,
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
    pub secret: String,
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

/// The TOML file's shape; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    bind: Option<String>,
    jwt_secret: Option<String>,
    jwt_issuer: Option<String>,
    jwt_audience: Option<String>,
    jwt_jwks_file: Option<PathBuf>,
    jwt_public_key_file: Option<PathBuf>,
    jwt_public_key_alg: Option<String>,
    log_format: Option<LogFormat>,
}

const DEFAULT_BIND: &str = "127.0.0.1:8080";
const SECRET_FILE: &str = "jwt-secret";

impl Settings {
    /// Reads the layered configuration from the process environment.
    pub fn load() -> anyhow::Result<Self> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
    }

    /// Reads the layered configuration with `env` standing for the environment.
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let file_path = env("CONFIG_FILE").map(PathBuf::from).or_else(|| {
            let default = PathBuf::from("carbon-pilots.toml");
            default.exists().then_some(default)
        });
        let file: FileSettings = match &file_path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
            }
            None => FileSettings::default(),
        };

        let data_dir = env("DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| "data".into());
        let database_url = env("DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| {
                format!(
                    "sqlite://{}?mode=rwc",
                    data_dir.join("carbon-pilots.sqlite").display()
                )
            });
        if database_url.starts_with("sqlite:") {
            std::fs::create_dir_all(&data_dir)
                .with_context(|| format!("creating {}", data_dir.display()))?;
        }
        let from_env = env("JWT_SECRET");
        let secret_source = match (&from_env, &file.jwt_secret) {
            (Some(_), _) => SecretSource::Environment,
            (None, Some(_)) => SecretSource::ConfigFile,
            (None, None) => SecretSource::Generated {
                path: data_dir.join(SECRET_FILE),
                created: false,
            },
        };
        let (secret, secret_source) = match from_env.or(file.jwt_secret) {
            Some(s) if s.len() < MIN_SECRET_BYTES => anyhow::bail!(
                "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (it has {}); generate one with `openssl rand -hex 32`",
                s.len()
            ),
            Some(s) => (s, secret_source),
            None => {
                let (secret, created) = generated_secret(&data_dir)?;
                let path = data_dir.join(SECRET_FILE);
                (secret, SecretSource::Generated { path, created })
            }
        };
        let log_format = match env("LOG_FORMAT").as_deref() {
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => anyhow::bail!("LOG_FORMAT must be `json` or `pretty`, not `{other}`"),
            None => file.log_format.unwrap_or_default(),
        };
        let number = |key: &str, default: usize| -> anyhow::Result<usize> {
            env(key).map_or(Ok(default), |v| {
                v.parse()
                    .with_context(|| format!("{key} must be a whole number"))
            })
        };
        let flag = |key: &str, default: bool| -> anyhow::Result<bool> {
            match env(key).as_deref() {
                None => Ok(default),
                Some("true" | "1" | "yes") => Ok(true),
                Some("false" | "0" | "no") => Ok(false),
                Some(other) => anyhow::bail!("{key} must be true or false, not `{other}`"),
            }
        };
        let d = Limits::default();
        let limits = Limits {
            max_depth: number("MAX_DEPTH", d.max_depth)?,
            max_complexity: number("MAX_COMPLEXITY", d.max_complexity)?,
            max_aliases: number("MAX_ALIASES", d.max_aliases)?,
            max_root_fields: number("MAX_ROOT_FIELDS", d.max_root_fields)?,
            max_body_bytes: number("MAX_BODY_BYTES", d.max_body_bytes)?,
            request_timeout_ms: number("REQUEST_TIMEOUT_MS", d.request_timeout_ms as usize)? as u64,
            db_acquire_timeout_ms: number(
                "DB_ACQUIRE_TIMEOUT_MS",
                d.db_acquire_timeout_ms as usize,
            )? as u64,
            introspection: flag("INTROSPECTION", d.introspection)?,
            graphiql: flag("GRAPHIQL", d.graphiql)?,
            metrics: flag("METRICS", d.metrics)?,
            rate_per_minute: number("RATE_LIMIT_PER_MINUTE", d.rate_per_minute as usize)? as u32,
            anonymous_rate_per_minute: number(
                "RATE_LIMIT_ANONYMOUS_PER_MINUTE",
                d.anonymous_rate_per_minute as usize,
            )? as u32,
            persisted_only: flag("PERSISTED_ONLY", d.persisted_only)?,
            persisted_manifest: env("PERSISTED_MANIFEST").map(PathBuf::from),
            trusted_proxies: env("TRUSTED_PROXIES")
                .map(|v| {
                    v.split(',')
                        .filter(|p| !p.trim().is_empty())
                        .map(|p| {
                            crate::http::proxies::ProxyNet::parse(p.trim())
                                .map_err(|e| anyhow::anyhow!("TRUSTED_PROXIES: {e}"))
                        })
                        .collect::<anyhow::Result<Vec<_>>>()
                })
                .transpose()?
                .unwrap_or_default(),
            cors_allowed_origins: env("CORS_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        };
        let jwt = JwtSettings {
            secret,
            issuer: env("JWT_ISSUER").or(file.jwt_issuer),
            audience: env("JWT_AUDIENCE").or(file.jwt_audience),
            jwks_file: env("JWT_JWKS_FILE")
                .map(PathBuf::from)
                .or(file.jwt_jwks_file),
            public_key_file: env("JWT_PUBLIC_KEY_FILE")
                .map(PathBuf::from)
                .or(file.jwt_public_key_file),
            public_key_alg: env("JWT_PUBLIC_KEY_ALG")
                .or(file.jwt_public_key_alg)
                .unwrap_or_else(|| "RS256".to_owned()),
            keys_refresh_secs: number("JWT_KEYS_REFRESH_SECS", 300)? as u64,
            claim_namespace: env("JWT_CLAIM_NAMESPACE"),
            jwks_url: env("JWT_JWKS_URL")
                .map(|u| check_jwks_url(&u))
                .transpose()?,
            jwks_min_refetch_secs: number("JWT_JWKS_MIN_REFETCH_SECS", 30)? as u64,
            max_ttl_secs: match env("JWT_MAX_TTL") {
                Some(v) => parse_duration(&v).context("JWT_MAX_TTL")? as u64,
                None => DEFAULT_MAX_TTL_SECS,
            },
            allow_hs256: false,
        };
        let jwt = JwtSettings {
            allow_hs256: flag("JWT_ALLOW_HS256", !jwt.has_identity_provider())?,
            ..jwt
        };
        let duration = |key: &str| -> anyhow::Result<Option<std::time::Duration>> {
            env(key)
                .map(|v| {
                    let secs =
                        parse_duration(&v).with_context(|| format!("{key}: e.g. 30s, 10m"))?;
                    anyhow::ensure!(secs > 0, "{key} must be positive");
                    Ok(std::time::Duration::from_secs(secs as u64))
                })
                .transpose()
        };
        let pool = crate::db::PoolSettings {
            size: env("DB_POOL_SIZE")
                .map(|v| match v.parse::<u32>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(anyhow::anyhow!(
                        "DB_POOL_SIZE must be a whole number above 0"
                    )),
                })
                .transpose()?,
            idle_timeout: duration("DB_IDLE_TIMEOUT")?,
            max_lifetime: duration("DB_MAX_LIFETIME")?,
        };
        Ok(Settings {
            jwt,
            limits,
            pool,
            secret_source,
            data_dir,
            database_url,
            database_read_url: env("DATABASE_READ_URL"),
            bind: env("BIND")
                .or(file.bind)
                .unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            log_format,
        })
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
        assert_eq!(s.jwt.secret.len(), 64);
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
        assert_eq!(s.jwt.secret, "from-file-secret-from-file-secret");
        assert_eq!(s.database_url, "postgres://x/y");
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

//! Strict token verification: HS256 with the configured secret, and RS256/ES256 with the
//! public keys of external identity providers, each key pinned to one algorithm. Tokens
//! without a usable signature (`alg: none`, algorithm confusion, embedded or remote keys,
//! unknown `kid`) are refused before any claim is read.

use crate::config::JwtSettings;
use crate::error::ApiError;
use anyhow::Context;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, RwLock};

/// Seconds of clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 30;
/// Longest token accepted; anything longer is refused unread.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// How long a JWKS fetch may take.
const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The claims the service reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<serde_json::Value>,
}

/// A public key of an identity provider and the one algorithm it verifies.
struct ExternalKey {
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
}

/// Verifies bearer tokens against the configured keys.
pub struct TokenVerifier {
    /// The shared secret, when HS256 tokens are accepted.
    secret: Option<DecodingKey>,
    /// The identity providers' keys from files; swapped whole when the files are re-read.
    external: RwLock<Arc<Vec<ExternalKey>>>,
    /// The keys last fetched from `JWT_JWKS_URL`; kept while the provider is unreachable.
    remote: RwLock<Arc<Vec<ExternalKey>>>,
    /// When the JWKS was last fetched (successfully or not), to rate-limit fetches.
    last_fetch: std::sync::Mutex<Option<std::time::Instant>>,
    http: reqwest::Client,
    settings: JwtSettings,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field(
                "external_keys",
                &self.keys().iter().map(|k| k.len()).sum::<usize>(),
            )
            .finish()
    }
}

impl TokenVerifier {
    /// Builds the verifier, reading the JWKS and PEM files named in the settings. Keys at
    /// `JWT_JWKS_URL` are fetched by [`TokenVerifier::refresh`].
    pub fn new(settings: &JwtSettings) -> anyhow::Result<Self> {
        Ok(TokenVerifier {
            secret: settings
                .allow_hs256
                .then(|| DecodingKey::from_secret(settings.secret.expose().as_bytes())),
            external: RwLock::new(Arc::new(load_external(settings)?)),
            remote: RwLock::new(Arc::new(Vec::new())),
            last_fetch: std::sync::Mutex::new(None),
            http: reqwest::Client::builder()
                .timeout(FETCH_TIMEOUT)
                .build()
                .context("building the JWKS client")?,
            settings: settings.clone(),
        })
    }

    /// Re-reads the key files and fetches the JWKS URL; a source that fails keeps its last
    /// good keys. Returns how many keys are in use.
    pub async fn refresh(&self) -> anyhow::Result<usize> {
        let files = self.reload();
        let fetched = self.fetch().await;
        files?;
        fetched?;
        Ok(self.keys().iter().map(|k| k.len()).sum())
    }

    /// Fetches the JWKS at `JWT_JWKS_URL` (when configured) and replaces the remote keys.
    async fn fetch(&self) -> anyhow::Result<()> {
        let Some(url) = &self.settings.jwks_url else {
            return Ok(());
        };
        let fetched = async {
            let set: JwkSet = self
                .http
                .get(url)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .with_context(|| format!("fetching the JWKS at {url}"))?
                .json()
                .await
                .with_context(|| format!("parsing the JWKS at {url}"))?;
            keys_of(&set)
        }
        .await;
        *self.last_fetch.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(std::time::Instant::now());
        let keys = fetched?;
        anyhow::ensure!(
            !keys.is_empty(),
            "the JWKS at {url} holds no RS256 or ES256 key"
        );
        *self.remote.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        Ok(())
    }

    /// Whether a token naming an unknown key may trigger a fetch now.
    fn may_fetch_for_unknown_kid(&self) -> bool {
        self.settings.jwks_url.is_some()
            && self
                .last_fetch
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_none_or(|t| t.elapsed().as_secs() >= self.settings.jwks_min_refetch_secs)
    }

    /// Verifies a token; a token signed with a key the verifier does not know yet makes it
    /// fetch the provider's JWKS first (rate-limited), for keys rotated since the last fetch.
    pub async fn verify_fresh(&self, token: &str) -> Result<Claims, ApiError> {
        match self.verify(token) {
            Err(ApiError::Unauthenticated(m))
                if m == NO_KEY && self.may_fetch_for_unknown_kid() =>
            {
                if let Err(e) = self.fetch().await {
                    tracing::warn!(error = %e, "could not fetch the JWKS; keeping the last good keys");
                }
                self.verify(token)
            }
            other => other,
        }
    }

    /// Re-reads the key files, so an identity provider can rotate keys without a restart.
    /// A file that cannot be read or parsed leaves the current keys in place.
    pub fn reload(&self) -> anyhow::Result<usize> {
        let keys = load_external(&self.settings)?;
        let n = keys.len();
        *self.external.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        Ok(n)
    }

    /// Whether an identity provider's keys are configured (and so worth refreshing).
    pub fn has_identity_provider(&self) -> bool {
        self.settings.has_identity_provider()
    }

    /// Seconds between re-reads of the key files.
    pub fn refresh_secs(&self) -> u64 {
        self.settings.keys_refresh_secs
    }

    fn keys(&self) -> Vec<Arc<Vec<ExternalKey>>> {
        vec![
            self.external
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            self.remote
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        ]
    }
}

impl TokenVerifier {
    /// The service's claims from a token's: where the identity provider puts them in a
    /// namespaced object (`JWT_CLAIM_NAMESPACE`), they are read from there.
    fn claims_from(&self, mut raw: serde_json::Value) -> Option<Claims> {
        if let Some(ns) = &self.settings.claim_namespace {
            let nested = raw.get(ns).and_then(|v| v.as_object()).cloned()?;
            let top = raw.as_object_mut()?;
            for key in ["role", "region", "org", "dept", "name"] {
                if let Some(v) = nested.get(key) {
                    top.insert(key.to_owned(), v.clone());
                }
            }
        }
        serde_json::from_value(raw).ok()
    }
}

/// The identity providers' keys named in the settings, each pinned to one algorithm.
fn load_external(settings: &JwtSettings) -> anyhow::Result<Vec<ExternalKey>> {
    {
        let mut external = Vec::new();
        if let Some(path) = &settings.jwks_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading JWKS {}", path.display()))?;
            let set: JwkSet = serde_json::from_str(&text)
                .with_context(|| format!("parsing JWKS {}", path.display()))?;
            external.extend(keys_of(&set)?);
        }
        if let Some(path) = &settings.public_key_file {
            let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let (alg, key) = match settings.public_key_alg.as_str() {
                "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(&pem)),
                "ES256" => (Algorithm::ES256, DecodingKey::from_ec_pem(&pem)),
                other => anyhow::bail!("JWT_PUBLIC_KEY_ALG must be RS256 or ES256, not {other}"),
            };
            let key = key.with_context(|| format!("parsing {}", path.display()))?;
            external.push(ExternalKey {
                kid: None,
                alg,
                key,
            });
        }
        Ok(external)
    }
}

/// The RS256 and ES256 keys of a JWKS, each pinned to its algorithm.
fn keys_of(set: &JwkSet) -> anyhow::Result<Vec<ExternalKey>> {
    let mut external = Vec::new();
    for jwk in &set.keys {
        let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
            (_, Some(ka)) => Algorithm::try_from(ka).ok(),
            (AlgorithmParameters::RSA(_), None) => Some(Algorithm::RS256),
            (AlgorithmParameters::EllipticCurve(ec), None) if ec.curve == EllipticCurve::P256 => {
                Some(Algorithm::ES256)
            }
            _ => None,
        };
        let Some(alg) = alg.filter(|a| matches!(a, Algorithm::RS256 | Algorithm::ES256)) else {
            tracing::warn!(kid = ?jwk.common.key_id, "skipping a JWKS key that is not RS256 or ES256");
            continue;
        };
        let key = DecodingKey::from_jwk(jwk).context("unusable key in JWKS")?;
        external.push(ExternalKey {
            kid: jwk.common.key_id.clone(),
            alg,
            key,
        });
    }
    Ok(external)
}

/// The refusal of a token signed with a key the verifier does not hold.
const NO_KEY: &str = "no key for this token";

impl TokenVerifier {
    /// Verifies a token and returns its claims, or `UNAUTHENTICATED` saying why.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let refuse = |m: &str| ApiError::Unauthenticated(m.to_owned());
        if token.len() > MAX_TOKEN_BYTES {
            return Err(refuse("token too large"));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| refuse("malformed token"))?;
        if header.jku.is_some()
            || header.jwk.is_some()
            || header.x5u.is_some()
            || header.x5c.is_some()
        {
            return Err(refuse("tokens may not name their own keys"));
        }
        let keys = self.keys();
        let key = match header.alg {
            Algorithm::HS256 => self.secret.as_ref().ok_or_else(|| {
                refuse("HS256 tokens are not accepted here; use the identity provider's")
            })?,
            Algorithm::RS256 | Algorithm::ES256 => {
                let mut candidates = keys
                    .iter()
                    .flat_map(|k| k.iter())
                    .filter(|k| k.alg == header.alg);
                let found = match &header.kid {
                    Some(kid) => candidates.find(|k| k.kid.as_deref() == Some(kid.as_str())),
                    None => {
                        let first = candidates.next();
                        if candidates.next().is_some() {
                            None
                        } else {
                            first
                        }
                    }
                };
                &found.ok_or_else(|| refuse(NO_KEY))?.key
            }
            _ => return Err(refuse("unsupported signing algorithm")),
        };
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        // A configured issuer or audience must be present, not merely correct when present.
        let mut required = vec!["exp", "sub"];
        required.extend(self.settings.issuer.as_ref().map(|_| "iss"));
        required.extend(self.settings.audience.as_ref().map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        match &self.settings.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &self.settings.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        let raw = jsonwebtoken::decode::<serde_json::Value>(token, key, &validation)
            .map(|d| d.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => refuse("token expired"),
                    ErrorKind::ImmatureSignature => refuse("token not yet valid"),
                    ErrorKind::InvalidIssuer => refuse("wrong token issuer"),
                    ErrorKind::InvalidAudience => refuse("wrong token audience"),
                    ErrorKind::InvalidSignature => refuse("bad token signature"),
                    ErrorKind::MissingRequiredClaim(_) | ErrorKind::Json(_) => {
                        refuse("invalid token claims")
                    }
                    _ => refuse("invalid token"),
                }
            })?;
        let claims = self
            .claims_from(raw)
            .ok_or_else(|| refuse("invalid token claims"))?;
        self.check_lifetime(&claims, chrono::Utc::now().timestamp())?;
        Ok(claims)
    }

    /// Refuses a token issued in the future (beyond the leeway) or living longer than
    /// `JWT_MAX_TTL`, counted from `iat` (or from now when it has none).
    fn check_lifetime(&self, c: &Claims, now: i64) -> Result<(), ApiError> {
        let leeway = LEEWAY_SECS as i64;
        if c.iat.is_some_and(|iat| iat > now + leeway) {
            return Err(ApiError::Unauthenticated(
                "token issued in the future".into(),
            ));
        }
        let from = c.iat.unwrap_or(now);
        if c.exp.saturating_sub(from) > self.settings.max_ttl_secs as i64 + leeway {
            return Err(ApiError::Unauthenticated(format!(
                "token lifetime exceeds the maximum of {} s",
                self.settings.max_ttl_secs
            )));
        }
        Ok(())
    }
}

/// Signs claims with HS256 and the shared secret (the `token` command, tests).
pub fn mint_hs256(secret: &str, claims: &Claims) -> anyhow::Result<String> {
    mint(
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(secret.as_bytes()),
        claims,
    )
}

/// Signs claims with any algorithm and key.
pub fn mint(
    alg: Algorithm,
    kid: Option<&str>,
    key: &EncodingKey,
    claims: &Claims,
) -> anyhow::Result<String> {
    let mut header = Header::new(alg);
    header.kid = kid.map(Into::into);
    Ok(jsonwebtoken::encode(&header, claims, key)?)
}

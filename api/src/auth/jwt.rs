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

/// Seconds of clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 30;
/// Longest token accepted; anything longer is refused unread.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

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
    secret: DecodingKey,
    external: Vec<ExternalKey>,
    issuer: Option<String>,
    audience: Option<String>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("external_keys", &self.external.len())
            .finish()
    }
}

impl TokenVerifier {
    /// Builds the verifier, reading the JWKS and PEM files named in the settings.
    pub fn new(settings: &JwtSettings) -> anyhow::Result<Self> {
        let mut external = Vec::new();
        if let Some(path) = &settings.jwks_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading JWKS {}", path.display()))?;
            let set: JwkSet = serde_json::from_str(&text)
                .with_context(|| format!("parsing JWKS {}", path.display()))?;
            for jwk in &set.keys {
                let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
                    (_, Some(ka)) => Algorithm::try_from(ka).ok(),
                    (AlgorithmParameters::RSA(_), None) => Some(Algorithm::RS256),
                    (AlgorithmParameters::EllipticCurve(ec), None)
                        if ec.curve == EllipticCurve::P256 =>
                    {
                        Some(Algorithm::ES256)
                    }
                    _ => None,
                };
                let Some(alg) = alg.filter(|a| matches!(a, Algorithm::RS256 | Algorithm::ES256))
                else {
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
        Ok(TokenVerifier {
            secret: DecodingKey::from_secret(settings.secret.as_bytes()),
            external,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
        })
    }

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
        let key = match header.alg {
            Algorithm::HS256 => &self.secret,
            Algorithm::RS256 | Algorithm::ES256 => {
                let mut candidates = self.external.iter().filter(|k| k.alg == header.alg);
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
                &found.ok_or_else(|| refuse("no key for this token"))?.key
            }
            _ => return Err(refuse("unsupported signing algorithm")),
        };
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        // A configured issuer or audience must be present, not merely correct when present.
        let mut required = vec!["exp", "sub"];
        required.extend(self.issuer.as_ref().map(|_| "iss"));
        required.extend(self.audience.as_ref().map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        match &self.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &self.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        jsonwebtoken::decode::<Claims>(token, key, &validation)
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
            })
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

//! Token verification (jsonwebtoken 11, aws-lc-rs backend).
//!
//! Keys form a fixed set loaded at start: an HS256 shared secret (tokens without `kid`), and
//! public keys for RS256, ES256 and EdDSA from PEM files or a JWKS file, each chosen by `kid`
//! and pinned to one algorithm. Nothing is ever fetched from a URL a token names.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::AuthArgs;

/// The shortest HS256 secret accepted: 256 bits.
pub const MIN_SECRET_BYTES: usize = 32;

/// The claims att-coord reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// Why a token was refused: what a developer needs to fix it, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf is in the future)")]
    NotYetValid,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token's audience (aud) is not this API")]
    WrongAudience,
    #[error("the token's issuer (iss) is not trusted")]
    WrongIssuer,
    #[error("the token lacks the required claim `{0}`")]
    MissingClaim(String),
    #[error("the token names an unknown key (kid)")]
    UnknownKey,
    #[error("the token's algorithm (alg) is not the one its key is pinned to (a token without kid is HS256)")]
    WrongAlgorithm,
    #[error("the token's algorithm (alg) is not accepted: use RS256, ES256 or EdDSA with a kid, or HS256")]
    UnsupportedAlgorithm,
    #[error("the token's claim `{0}` has the wrong type")]
    WrongClaimType(String),
    #[error(
        "the token's claims do not have the expected types (sub, role, org, iss and aud are strings; exp, nbf and iat are numbers)"
    )]
    BadClaims,
    #[error("the token is malformed: a JWT is three base64url parts, header.payload.signature")]
    Malformed,
    #[error("the token's role `{0}` is unknown")]
    UnknownRole(String),
    #[error("a partner's token must name its organisation (org)")]
    PartnerWithoutOrg,
    #[error("the token's organisation (org) does not exist")]
    UnknownOrganization,
    #[error("a partner's org must be an Organization's global id, as the API shows it")]
    NotAnOrganizationId,
    #[error("the Authorization header must be `Bearer <token>`")]
    NotBearer,
}

/// Why the configured keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyConfigError {
    #[error("ATT_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long")]
    SecretTooShort,
    #[error("ATT_JWT_PUBLIC_KEYS entry `{0}` must look like KID=ALG:PATH (ALG one of RS256, ES256, EdDSA)")]
    BadKeySpec(String),
    #[error("cannot read key file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("key `{kid}` in {path} is not a valid {alg:?} public key")]
    BadKey { kid: String, path: String, alg: Algorithm },
    #[error("JWKS key {0} has no usable `kid` and algorithm (RS256, ES256 or EdDSA)")]
    BadJwk(String),
}

struct Key {
    key: DecodingKey,
    validation: Validation,
}

/// Verifies tokens against the fixed key set.
pub struct Verifier {
    /// HS256 secret: for tokens without a `kid`.
    shared: Option<Key>,
    /// Public keys by `kid`.
    by_kid: HashMap<String, Key>,
}

fn validation(alg: Algorithm, args: &AuthArgs) -> Validation {
    let mut v = Validation::new(alg);
    v.set_issuer(&[&args.jwt_issuer]);
    v.set_audience(&[&args.jwt_audience]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = args.jwt_leeway_secs;
    v.validate_exp = true;
    v.validate_nbf = true;
    v
}

impl Verifier {
    /// Loads the key set the configuration names.
    pub fn from_config(args: &AuthArgs) -> Result<Self, KeyConfigError> {
        let shared = match &args.jwt_secret {
            Some(secret) => {
                let bytes = secret.expose_secret().as_bytes();
                if bytes.len() < MIN_SECRET_BYTES {
                    return Err(KeyConfigError::SecretTooShort);
                }
                Some(Key { key: DecodingKey::from_secret(bytes), validation: validation(Algorithm::HS256, args) })
            }
            None => None,
        };
        let mut by_kid = HashMap::new();
        for spec in args.jwt_public_keys.iter().filter(|s| !s.trim().is_empty()) {
            let (kid, rest) = spec.split_once('=').ok_or_else(|| KeyConfigError::BadKeySpec(spec.clone()))?;
            let (alg, path) = rest.split_once(':').ok_or_else(|| KeyConfigError::BadKeySpec(spec.clone()))?;
            let alg = match alg {
                "RS256" => Algorithm::RS256,
                "ES256" => Algorithm::ES256,
                "EdDSA" => Algorithm::EdDSA,
                _ => return Err(KeyConfigError::BadKeySpec(spec.clone())),
            };
            let pem = std::fs::read(path)
                .map_err(|e| KeyConfigError::Unreadable { path: path.into(), reason: e.to_string() })?;
            let key = match alg {
                Algorithm::RS256 => DecodingKey::from_rsa_pem(&pem),
                Algorithm::ES256 => DecodingKey::from_ec_pem(&pem),
                _ => DecodingKey::from_ed_pem(&pem),
            }
            .map_err(|_| KeyConfigError::BadKey { kid: kid.into(), path: path.into(), alg })?;
            by_kid.insert(kid.to_owned(), Key { key, validation: validation(alg, args) });
        }
        if let Some(path) = &args.jwt_jwks {
            for (kid, key) in load_jwks(path, args)? {
                by_kid.insert(kid, key);
            }
        }
        Ok(Self { shared, by_kid })
    }

    /// Whether any key is configured (without one, every token is refused).
    pub fn has_keys(&self) -> bool {
        self.shared.is_some() || !self.by_kid.is_empty()
    }

    /// Verifies a token and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(|_| {
            if names_an_unknown_algorithm(token) { TokenError::UnsupportedAlgorithm } else { TokenError::Malformed }
        })?;
        let key = match &header.kid {
            Some(kid) => self.by_kid.get(kid).ok_or(TokenError::UnknownKey)?,
            None => self.shared.as_ref().ok_or(TokenError::UnknownKey)?,
        };
        if !key.validation.algorithms.contains(&header.alg) {
            return Err(TokenError::WrongAlgorithm);
        }
        // Claims are read as JSON first so that the validation below names the claim that is
        // missing; reading them straight into `Claims` would fail first, naming none.
        let data = decode::<serde_json::Value>(token, &key.key, &key.validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => TokenError::Expired,
            ErrorKind::ImmatureSignature => TokenError::NotYetValid,
            ErrorKind::InvalidSignature => TokenError::BadSignature,
            ErrorKind::InvalidAudience => TokenError::WrongAudience,
            ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
            ErrorKind::MissingRequiredClaim(c) => TokenError::MissingClaim(c.clone()),
            ErrorKind::InvalidClaimFormat(c) => TokenError::WrongClaimType(c.clone()),
            ErrorKind::InvalidAlgorithm => TokenError::WrongAlgorithm,
            ErrorKind::Json(_) => TokenError::BadClaims,
            _ => TokenError::Malformed,
        })?;
        if data.claims.get("role").is_none() {
            return Err(TokenError::MissingClaim("role".into()));
        }
        serde_json::from_value(data.claims).map_err(|_| TokenError::BadClaims)
    }
}

/// Whether a token that jsonwebtoken cannot read has a JSON header naming an algorithm it does
/// not know (`none` above all), so that the refusal can say so rather than "malformed".
fn names_an_unknown_algorithm(token: &str) -> bool {
    let Some(header) = token.split('.').next() else { return false };
    let Ok(json) = URL_SAFE_NO_PAD.decode(header) else { return false };
    let Ok(header) = serde_json::from_slice::<serde_json::Value>(&json) else { return false };
    header.get("alg").is_some_and(|alg| serde_json::from_value::<Algorithm>(alg.clone()).is_err())
}

fn load_jwks(path: &Path, args: &AuthArgs) -> Result<Vec<(String, Key)>, KeyConfigError> {
    let unreadable = |reason: String| KeyConfigError::Unreadable { path: path.display().to_string(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    let set: JwkSet = serde_json::from_str(&text).map_err(|e| unreadable(format!("not a JWKS: {e}")))?;
    let mut keys = Vec::new();
    for (i, jwk) in set.keys.iter().enumerate() {
        let kid = jwk.common.key_id.clone().ok_or_else(|| KeyConfigError::BadJwk(format!("#{i}")))?;
        let alg = match (&jwk.common.key_algorithm, &jwk.algorithm) {
            (Some(KeyAlgorithm::RS256), _) => Algorithm::RS256,
            (Some(KeyAlgorithm::ES256), _) => Algorithm::ES256,
            (Some(KeyAlgorithm::EdDSA), _) => Algorithm::EdDSA,
            (Some(_), _) => return Err(KeyConfigError::BadJwk(kid)),
            (None, AlgorithmParameters::RSA(_)) => Algorithm::RS256,
            (None, AlgorithmParameters::EllipticCurve(p)) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
            (None, AlgorithmParameters::OctetKeyPair(_)) => Algorithm::EdDSA,
            _ => return Err(KeyConfigError::BadJwk(kid)),
        };
        if !matches!(alg, Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA) {
            return Err(KeyConfigError::BadJwk(kid));
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|_| KeyConfigError::BadJwk(kid.clone()))?;
        keys.push((kid, Key { key, validation: validation(alg, args) }));
    }
    Ok(keys)
}

/// Mints an HS256 token (the `token` command, tests, scripts).
pub fn mint(secret: &SecretString, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.expose_secret().as_bytes()))
}

/// Seconds since the epoch, `ttl` from now.
pub fn expiry(ttl: Duration) -> u64 {
    now_secs() + ttl.as_secs()
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

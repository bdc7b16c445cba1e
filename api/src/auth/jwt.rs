//! Token verification (jsonwebtoken 11, aws-lc-rs backend).
//!
//! Keys form a fixed set loaded at start: an HS256 shared secret (tokens without `kid`), and
//! public keys for RS256, ES256 and EdDSA from PEM files or a JWKS file, each chosen by `kid`
//! and pinned to one algorithm. Nothing is ever fetched from a URL a token names.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
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
    #[error(
        "JWKS key {0} has no usable `kid` and algorithm (RS256 with an RSA key, ES256 with a P-256 key, or EdDSA with an Ed25519 key)"
    )]
    BadJwk(String),
    #[error("the key id `{0}` is configured twice; each kid must name one key")]
    DuplicateKid(String),
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
    /// Tokens that verified, so a client's next request does not pay for its signature again.
    verified: Mutex<Verified>,
}

/// Tokens that verified, by their whole text, with their claims and the leeway of their key.
///
/// The key set is fixed when the server starts, and a token's text holds its header, claims
/// and signature: the same text verifies the same way every time, except for its times. So a
/// remembered token has its expiry and not-before checked again, with its key's leeway, on
/// every request, and nothing else. A token that fails is never remembered. At most
/// [`Verified::MAX_TOKENS`] tokens or [`Verified::MAX_BYTES`] of their text are kept; when
/// full, it starts over.
#[derive(Default)]
struct Verified {
    tokens: HashMap<Box<str>, (Claims, u64)>,
    bytes: usize,
}

impl Verified {
    const MAX_TOKENS: usize = 4096;
    const MAX_BYTES: usize = 4 << 20;

    fn remember(&mut self, token: &str, claims: &Claims, leeway: u64) {
        if self.tokens.len() >= Self::MAX_TOKENS || self.bytes + token.len() > Self::MAX_BYTES {
            self.tokens.clear();
            self.bytes = 0;
        }
        if self.tokens.insert(token.into(), (claims.clone(), leeway)).is_none() {
            self.bytes += token.len();
        }
    }

    fn forget(&mut self, token: &str) {
        if self.tokens.remove(token).is_some() {
            self.bytes -= token.len();
        }
    }
}

/// The time checks jsonwebtoken makes (`Validation::validate_exp` and `validate_nbf`), for a
/// remembered token at `now`.
fn check_times(claims: &Claims, leeway: u64, now: u64) -> Result<(), TokenError> {
    if claims.exp < now.saturating_sub(leeway) {
        return Err(TokenError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(TokenError::NotYetValid);
    }
    Ok(())
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
        // Entries are trimmed: `a=RS256:a.pem, b=ES256:b.pem` must not make a kid " b".
        for spec in args.jwt_public_keys.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let bad_spec = || KeyConfigError::BadKeySpec(spec.to_owned());
            let (kid, rest) = spec.split_once('=').ok_or_else(bad_spec)?;
            let (alg, path) = rest.split_once(':').ok_or_else(bad_spec)?;
            let (kid, path) = (kid.trim(), path.trim());
            if kid.is_empty() || path.is_empty() {
                return Err(bad_spec());
            }
            let alg = match alg.trim() {
                "RS256" => Algorithm::RS256,
                "ES256" => Algorithm::ES256,
                "EdDSA" => Algorithm::EdDSA,
                _ => return Err(bad_spec()),
            };
            let pem = std::fs::read(path)
                .map_err(|e| KeyConfigError::Unreadable { path: path.into(), reason: e.to_string() })?;
            let key = match alg {
                Algorithm::RS256 => DecodingKey::from_rsa_pem(&pem),
                Algorithm::ES256 => DecodingKey::from_ec_pem(&pem),
                _ => DecodingKey::from_ed_pem(&pem),
            }
            .map_err(|_| KeyConfigError::BadKey { kid: kid.into(), path: path.into(), alg })?;
            insert_once(&mut by_kid, kid.to_owned(), Key { key, validation: validation(alg, args) })?;
        }
        if let Some(path) = &args.jwt_jwks {
            for (kid, key) in load_jwks(path, args)? {
                insert_once(&mut by_kid, kid, key)?;
            }
        }
        Ok(Self { shared, by_kid, verified: Mutex::default() })
    }

    /// Whether any key is configured (without one, every token is refused).
    pub fn has_keys(&self) -> bool {
        self.shared.is_some() || !self.by_kid.is_empty()
    }

    /// Verifies a token and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_at(token, now_secs())
    }

    /// [`Verifier::verify`] at `now` (seconds since the epoch) for a remembered token; a token
    /// seen for the first time is checked by jsonwebtoken at the clock's time.
    fn verify_at(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        if let Ok(mut verified) = self.verified.lock()
            && let Some((claims, leeway)) = verified.tokens.get(token)
        {
            return match check_times(claims, *leeway, now) {
                Ok(()) => Ok(claims.clone()),
                Err(e) => {
                    verified.forget(token);
                    Err(e)
                }
            };
        }
        let (claims, leeway) = self.verify_signed(token)?;
        if let Ok(mut verified) = self.verified.lock() {
            verified.remember(token, &claims, leeway);
        }
        Ok(claims)
    }

    /// Verifies a token's signature and claims with jsonwebtoken; returns its claims and the
    /// leeway of its key.
    fn verify_signed(&self, token: &str) -> Result<(Claims, u64), TokenError> {
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
        let claims = serde_json::from_value(data.claims).map_err(|_| TokenError::BadClaims)?;
        Ok((claims, key.validation.leeway))
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

/// Adds a key, refusing a second key under the same kid: which one a token meant would be a
/// guess, and the last one configured silently winning is how a key meant to be retired stays.
fn insert_once(by_kid: &mut HashMap<String, Key>, kid: String, key: Key) -> Result<(), KeyConfigError> {
    if by_kid.contains_key(&kid) {
        return Err(KeyConfigError::DuplicateKid(kid));
    }
    by_kid.insert(kid, key);
    Ok(())
}

fn load_jwks(path: &Path, args: &AuthArgs) -> Result<Vec<(String, Key)>, KeyConfigError> {
    let unreadable = |reason: String| KeyConfigError::Unreadable { path: path.display().to_string(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    let set: JwkSet = serde_json::from_str(&text).map_err(|e| unreadable(format!("not a JWKS: {e}")))?;
    let mut keys = Vec::new();
    for (i, jwk) in set.keys.iter().enumerate() {
        let kid = jwk.common.key_id.clone().ok_or_else(|| KeyConfigError::BadJwk(format!("#{i}")))?;
        // The algorithm a key is pinned to must fit the key: an `alg` that does not (RS256 on an
        // EC key) would load, and then refuse every token as malformed.
        let alg = match (&jwk.common.key_algorithm, &jwk.algorithm) {
            (Some(KeyAlgorithm::RS256) | None, AlgorithmParameters::RSA(_)) => Algorithm::RS256,
            (Some(KeyAlgorithm::ES256) | None, AlgorithmParameters::EllipticCurve(p))
                if p.curve == EllipticCurve::P256 =>
            {
                Algorithm::ES256
            }
            (Some(KeyAlgorithm::EdDSA) | None, AlgorithmParameters::OctetKeyPair(p))
                if p.curve == EllipticCurve::Ed25519 =>
            {
                Algorithm::EdDSA
            }
            _ => return Err(KeyConfigError::BadJwk(kid)),
        };
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::PathBuf;

    use super::*;

    fn args() -> AuthArgs {
        AuthArgs {
            jwt_secret: Some(SecretString::from("a".repeat(MIN_SECRET_BYTES))),
            jwt_public_keys: vec![],
            jwt_jwks: None,
            jwt_issuer: "att-coord".into(),
            jwt_audience: "att-coord".into(),
            jwt_leeway_secs: 0,
        }
    }

    /// A file of `tests/fixtures/keys` (test-only keys).
    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/keys").join(name)
    }

    fn with_keys(specs: &[String]) -> Result<Verifier, KeyConfigError> {
        Verifier::from_config(&AuthArgs { jwt_public_keys: specs.to_vec(), ..args() })
    }

    fn with_jwks(json: &str) -> Result<Verifier, KeyConfigError> {
        let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
        file.write_all(json.as_bytes()).expect("the JWKS is written");
        Verifier::from_config(&AuthArgs { jwt_jwks: Some(file.path().to_owned()), ..args() })
    }

    /// The first key of the fixture JWKS, changed by `edit`, as a one-key JWKS.
    fn fixture_jwk(index: usize, edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let text = std::fs::read_to_string(fixture("jwks.json")).expect("the fixture JWKS is readable");
        let set: serde_json::Value = serde_json::from_str(&text).expect("the fixture JWKS is JSON");
        let mut key = set["keys"][index].clone();
        edit(&mut key);
        serde_json::json!({ "keys": [key] }).to_string()
    }

    #[test]
    fn a_secret_shorter_than_256_bits_is_refused() {
        let short = AuthArgs { jwt_secret: Some(SecretString::from("a".repeat(MIN_SECRET_BYTES - 1))), ..args() };

        assert!(matches!(Verifier::from_config(&short), Err(KeyConfigError::SecretTooShort)));
        assert!(Verifier::from_config(&args()).is_ok(), "exactly 256 bits is enough");
    }

    #[test]
    fn key_specs_that_are_not_kid_alg_path_are_refused() {
        let path = fixture("rsa.pub.pem").display().to_string();
        let bad = [
            path.clone(),
            format!("test-rsa={path}"),
            format!("test-rsa=HS256:{path}"),
            format!("test-rsa=rs256:{path}"),
            format!("test-rsa=none:{path}"),
            format!("=RS256:{path}"),
            "test-rsa=RS256:".to_owned(),
        ];
        for spec in bad {
            let result = with_keys(std::slice::from_ref(&spec));

            assert!(matches!(&result, Err(KeyConfigError::BadKeySpec(s)) if *s == spec), "{spec}");
        }
    }

    #[test]
    fn key_specs_may_have_spaces_around_them_as_a_comma_separated_list_is_written() {
        let specs = [
            format!("test-rsa=RS256:{}", fixture("rsa.pub.pem").display()),
            format!(" test-ec=ES256:{} ", fixture("ec.pub.pem").display()),
            " ".to_owned(),
        ];

        let verifier = with_keys(&specs).expect("the keys load");

        let mut kids: Vec<&str> = verifier.by_kid.keys().map(String::as_str).collect();
        kids.sort_unstable();
        assert_eq!(kids, ["test-ec", "test-rsa"]);
    }

    #[test]
    fn an_unreadable_key_file_is_refused_naming_it() {
        let missing = fixture("no-such-key.pem").display().to_string();

        let result = with_keys(&[format!("gone=RS256:{missing}")]);

        let Err(err @ KeyConfigError::Unreadable { .. }) = result else { panic!("expected Unreadable") };
        assert!(err.to_string().contains(&missing), "{err}");
    }

    #[test]
    fn a_key_file_that_does_not_hold_a_public_key_of_its_algorithm_is_refused() {
        let wrong =
            [("RS256", "ec.pub.pem"), ("ES256", "rsa.pub.pem"), ("EdDSA", "ec.pub.pem"), ("RS256", "README.md")];
        for (alg, file) in wrong {
            let result = with_keys(&[format!("k={alg}:{}", fixture(file).display())]);

            assert!(matches!(result, Err(KeyConfigError::BadKey { .. })), "{alg} from {file}");
        }
    }

    #[test]
    fn a_kid_configured_twice_is_refused() {
        let rsa = format!("test-rsa=RS256:{}", fixture("rsa.pub.pem").display());
        let ec_as_rsa = format!("test-rsa=ES256:{}", fixture("ec.pub.pem").display());

        assert!(
            matches!(with_keys(&[rsa.clone(), ec_as_rsa]), Err(KeyConfigError::DuplicateKid(k)) if k == "test-rsa")
        );
        let both = AuthArgs { jwt_public_keys: vec![rsa], jwt_jwks: Some(fixture("jwks.json")), ..args() };
        assert!(matches!(Verifier::from_config(&both), Err(KeyConfigError::DuplicateKid(k)) if k == "test-rsa"));
    }

    #[test]
    fn the_fixture_jwks_loads_every_key_by_its_kid() {
        let verifier = Verifier::from_config(&AuthArgs { jwt_jwks: Some(fixture("jwks.json")), ..args() })
            .expect("the fixture JWKS loads");

        let mut kids: Vec<&str> = verifier.by_kid.keys().map(String::as_str).collect();
        kids.sort_unstable();
        assert_eq!(kids, ["test-ec", "test-ed25519", "test-rsa"]);
        assert_eq!(verifier.by_kid["test-ec"].validation.algorithms, [Algorithm::ES256]);
    }

    #[test]
    fn a_missing_or_malformed_jwks_file_is_refused() {
        let missing = AuthArgs { jwt_jwks: Some(fixture("no-such.json")), ..args() };
        assert!(matches!(Verifier::from_config(&missing), Err(KeyConfigError::Unreadable { .. })));

        for text in ["", "not json", "{}", r#"{"keys": {}}"#, r#"{"keys": [42]}"#] {
            let result = with_jwks(text);

            assert!(
                matches!(&result, Err(KeyConfigError::Unreadable { reason, .. }) if reason.starts_with("not a JWKS")),
                "{text:?}"
            );
        }
    }

    #[test]
    fn jwks_keys_without_a_kid_or_with_an_algorithm_that_does_not_fit_are_refused() {
        let bad = [
            ("no kid", fixture_jwk(0, |k| drop(k.as_object_mut().map(|o| o.remove("kid"))))),
            ("RS256 on the EC key", fixture_jwk(1, |k| k["alg"] = "RS256".into())),
            ("ES256 on the RSA key", fixture_jwk(0, |k| k["alg"] = "ES256".into())),
            ("EdDSA on the EC key", fixture_jwk(1, |k| k["alg"] = "EdDSA".into())),
            ("RS512, not accepted", fixture_jwk(0, |k| k["alg"] = "RS512".into())),
            ("a P-384 key for ES256", fixture_jwk(1, |k| k["crv"] = "P-384".into())),
            (
                "an HS256 secret",
                r#"{"keys": [{"kid": "shared", "alg": "HS256", "kty": "oct", "k": "c2VjcmV0"}]}"#.to_owned(),
            ),
        ];
        for (case, jwks) in bad {
            let result = with_jwks(&jwks);

            assert!(matches!(result, Err(KeyConfigError::BadJwk(_))), "{case}");
        }
    }

    #[test]
    fn jwks_keys_without_alg_are_pinned_to_the_algorithm_of_their_key_type() {
        let jwks = std::fs::read_to_string(fixture("jwks.json")).expect("the fixture JWKS is readable");
        let mut set: serde_json::Value = serde_json::from_str(&jwks).expect("the fixture JWKS is JSON");
        for key in set["keys"].as_array_mut().expect("keys") {
            key.as_object_mut().expect("a key").remove("alg");
        }

        let verifier = with_jwks(&set.to_string()).expect("the keys load");

        assert_eq!(verifier.by_kid["test-rsa"].validation.algorithms, [Algorithm::RS256]);
        assert_eq!(verifier.by_kid["test-ec"].validation.algorithms, [Algorithm::ES256]);
        assert_eq!(verifier.by_kid["test-ed25519"].validation.algorithms, [Algorithm::EdDSA]);
    }

    /// A token of the test secret, valid until `exp`.
    fn token(exp: u64, nbf: Option<u64>) -> String {
        let claims = Claims {
            sub: "someone".into(),
            role: "WGTU".into(),
            org: None,
            iss: "att-coord".into(),
            aud: "att-coord".into(),
            exp,
            nbf,
            iat: None,
        };
        mint(&SecretString::from("a".repeat(MIN_SECRET_BYTES)), &claims).expect("a token")
    }

    fn remembered(verifier: &Verifier, token: &str) -> bool {
        verifier.verified.lock().expect("the lock").tokens.contains_key(token)
    }

    #[test]
    fn a_remembered_token_has_its_expiry_checked_again_with_its_leeway() {
        let verifier = Verifier::from_config(&AuthArgs { jwt_leeway_secs: 30, ..args() }).expect("the secret loads");
        let now = now_secs();
        let token = token(now + 60, None);

        assert_eq!(verifier.verify(&token).map(|c| c.exp), Ok(now + 60));
        assert!(remembered(&verifier, &token));
        assert!(verifier.verify_at(&token, now + 90).is_ok(), "within the leeway after its expiry");
        assert_eq!(verifier.verify_at(&token, now + 91), Err(TokenError::Expired));
        assert!(!remembered(&verifier, &token), "an expired token is forgotten");
        assert!(verifier.verify_at(&token, now + 91).is_ok(), "verified afresh, at the clock's time");
    }

    #[test]
    fn a_remembered_token_has_its_not_before_checked_again_if_the_clock_goes_back() {
        let verifier = Verifier::from_config(&AuthArgs { jwt_leeway_secs: 5, ..args() }).expect("the secret loads");
        let now = now_secs();
        let token = token(now + 600, Some(now - 10));

        assert!(verifier.verify(&token).is_ok());
        assert!(verifier.verify_at(&token, now - 15).is_ok(), "within the leeway before its not-before");
        assert_eq!(verifier.verify_at(&token, now - 16), Err(TokenError::NotYetValid));
    }

    #[test]
    fn only_the_same_text_is_served_from_the_remembered_tokens() {
        let verifier = Verifier::from_config(&args()).expect("the secret loads");
        let good = token(now_secs() + 600, None);
        assert!(verifier.verify(&good).is_ok());

        let (signed, signature) = good.rsplit_once('.').expect("three parts");
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        let forged = format!("{signed}.{flipped}{}", &signature[1..]);
        let other_secret =
            mint(&SecretString::from("b".repeat(MIN_SECRET_BYTES)), &verifier.verify(&good).expect("still valid"))
                .expect("a token");

        assert_eq!(verifier.verify(&forged), Err(TokenError::BadSignature));
        assert_eq!(verifier.verify(&other_secret), Err(TokenError::BadSignature));
        assert!(!remembered(&verifier, &forged) && !remembered(&verifier, &other_secret));
    }

    #[test]
    fn the_remembered_tokens_start_over_when_full() {
        let claims = Claims {
            sub: "s".into(),
            role: "WGTU".into(),
            org: None,
            iss: "i".into(),
            aud: "a".into(),
            exp: 0,
            nbf: None,
            iat: None,
        };
        let mut verified = Verified::default();
        for i in 0..Verified::MAX_TOKENS {
            verified.remember(&format!("token-{i}"), &claims, 0);
        }
        assert_eq!(verified.tokens.len(), Verified::MAX_TOKENS);

        verified.remember("one more", &claims, 0);
        assert_eq!((verified.tokens.len(), verified.bytes), (1, "one more".len()));

        verified.remember(&"x".repeat(Verified::MAX_BYTES), &claims, 0);
        verified.remember("after the big one", &claims, 0);
        assert_eq!((verified.tokens.len(), verified.bytes), (1, "after the big one".len()));
    }
}

//! Tokens (DESIGN.md §2). A bad token is refused with HTTP 401, `UNAUTHENTICATED` and a reason a
//! developer can act on, before any resolver runs; a good token of every supported algorithm is
//! accepted, whether the server holds the public keys as PEM files or as a JWKS file.

use std::path::PathBuf;

use api::node::global_id;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::enums::OrganizationKind;
use entity::organization;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{ActiveModelTrait, Set};
use serde::Serialize;
use serde_json::{Value, json};

use crate::helpers::{SECRET, TestApp, claims, spawn_app, spawn_app_with, token_with};

/// A query that reaches the database whenever a resolver runs it, so a statement counter that
/// does not move proves no resolver ran.
const PROBE: &str = "{ states(first: 1) { nodes { iso3 } } }";
const ME: &str = "{ me { role sub } }";

/// One of the key pairs in `tests/fixtures/keys` (test-only keys).
#[derive(Debug, Clone, Copy)]
enum Fixture {
    Rsa,
    Ec,
    Ed25519,
}

impl Fixture {
    const ALL: [Fixture; 3] = [Fixture::Rsa, Fixture::Ec, Fixture::Ed25519];

    /// The `kid` the server knows the key by (in `jwks.json` and in `key_spec`).
    fn kid(self) -> &'static str {
        match self {
            Fixture::Rsa => "test-rsa",
            Fixture::Ec => "test-ec",
            Fixture::Ed25519 => "test-ed25519",
        }
    }

    fn alg(self) -> Algorithm {
        match self {
            Fixture::Rsa => Algorithm::RS256,
            Fixture::Ec => Algorithm::ES256,
            Fixture::Ed25519 => Algorithm::EdDSA,
        }
    }

    /// The algorithm as `ATT_JWT_PUBLIC_KEYS` spells it.
    fn alg_name(self) -> &'static str {
        match self {
            Fixture::Rsa => "RS256",
            Fixture::Ec => "ES256",
            Fixture::Ed25519 => "EdDSA",
        }
    }

    fn stem(self) -> &'static str {
        match self {
            Fixture::Rsa => "rsa",
            Fixture::Ec => "ec",
            Fixture::Ed25519 => "ed25519",
        }
    }

    fn public_pem(self) -> PathBuf {
        fixture(&format!("{}.pub.pem", self.stem()))
    }

    fn private_key(self) -> EncodingKey {
        let pem =
            std::fs::read(fixture(&format!("{}.pem", self.stem()))).expect("the fixture's private key is readable");
        match self {
            Fixture::Rsa => EncodingKey::from_rsa_pem(&pem),
            Fixture::Ec => EncodingKey::from_ec_pem(&pem),
            Fixture::Ed25519 => EncodingKey::from_ed_pem(&pem),
        }
        .expect("the fixture's private key parses")
    }

    /// This key's `ATT_JWT_PUBLIC_KEYS` entry: `KID=ALG:PATH`.
    fn key_spec(self) -> String {
        format!("{}={}:{}", self.kid(), self.alg_name(), self.public_pem().display())
    }

    /// A token carrying `claims`, signed with this key and naming it by `kid`.
    fn sign(self, claims: &impl Serialize) -> String {
        signed(&self.private_key(), self.alg(), Some(self.kid()), claims)
    }
}

/// A token signed with `key` by `alg`, its header naming `kid` (which need not be `key`'s).
fn signed(key: &EncodingKey, alg: Algorithm, kid: Option<&str>, claims: &impl Serialize) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("the key signs")
}

/// A token whose header says `{"alg":"none"}`, with no signature.
fn unsigned(claims: &Value) -> String {
    format!("{}.{}.", b64_json(&json!({ "alg": "none", "typ": "JWT" })), b64_json(claims))
}

/// `token` with its header replaced by `header`, payload and signature kept.
fn with_header(token: &str, header: &Value) -> String {
    let (_, payload_and_signature) = token.split_once('.').expect("a JWT has dots");
    format!("{}.{payload_and_signature}", b64_json(header))
}

/// `token` with one character of its payload changed (still base64url, so only the signature
/// can tell).
fn tamper_with_payload(token: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts");
    let payload = &mut parts[1];
    let middle = payload.len() / 2;
    let replacement = if payload.as_bytes()[middle] == b'A' { "B" } else { "A" };
    payload.replace_range(middle..=middle, replacement);
    parts.join(".")
}

/// The classic key-confusion attack: an HS256 token whose HMAC secret is the RSA public key's
/// PEM (which anyone has), naming the RSA key's `kid`.
fn hs256_keyed_with_the_rsa_public_key(claims: &Value) -> String {
    let pem = std::fs::read(Fixture::Rsa.public_pem()).expect("the RSA public key is readable");
    signed(&EncodingKey::from_secret(&pem), Algorithm::HS256, Some(Fixture::Rsa.kid()), claims)
}

/// A token the EC key signed, its header rewritten to say RS256 with the RSA key's `kid`.
fn ec_signed_claiming_rs256(claims: &Value) -> String {
    with_header(&Fixture::Ec.sign(claims), &json!({ "alg": "RS256", "typ": "JWT", "kid": Fixture::Rsa.kid() }))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys").join(name)
}

/// A server that knows the HS256 secret and the three fixture keys as PEM files.
async fn spawn_app_with_pem_keys() -> TestApp {
    spawn_app_with(|config| config.auth.jwt_public_keys = Fixture::ALL.map(Fixture::key_spec).to_vec()).await
}

/// A server that knows the HS256 secret and the three fixture keys from `jwks.json`.
async fn spawn_app_with_jwks() -> TestApp {
    spawn_app_with(|config| config.auth.jwt_jwks = Some(fixture("jwks.json"))).await
}

/// Valid claims of a secretariat user, as JSON so that a test can take claims out or change them.
fn valid_claims() -> Value {
    serde_json::to_value(claims("secretariat", None)).expect("claims serialise")
}

fn without(claim: &str) -> Value {
    let mut c = valid_claims();
    c.as_object_mut().expect("claims are an object").remove(claim);
    c
}

fn with(claim: &str, value: Value) -> Value {
    let mut c = valid_claims();
    c[claim] = value;
    c
}

/// Valid claims of a partner whose `org` claim is `org`.
fn partner_of(org: Value) -> Value {
    let mut c = with("role", json!("partner"));
    c["org"] = org;
    c
}

/// An HS256 token signed with the server's secret, carrying whatever claims the test wants.
fn hs256(claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(SECRET.as_bytes()))
        .expect("an HS256 token")
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// POSTs `query` with this `Authorization` header (none if `None`); returns the status and body.
async fn post_with(
    app: &TestApp,
    authorization: Option<&str>,
    query: &str,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = app.client.post(app.url("/graphql")).json(&json!({ "query": query }));
    if let Some(value) = authorization {
        req = req.header(reqwest::header::AUTHORIZATION, value);
    }
    let resp = req.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, resp.json().await.expect("a JSON body"), headers)
}

/// A request the server must refuse: what it is, the `Authorization` header it carries, and a
/// stable part of the reason the server must give.
struct Refusal {
    case: &'static str,
    authorization: String,
    reason: &'static str,
}

/// Sends [`PROBE`] with the refusal's header and checks that the server answered 401 with
/// `UNAUTHENTICATED`, the reason and no data, and sent `statements` statements to the database
/// meanwhile (none means no resolver ran).
async fn assert_refused(app: &TestApp, refusal: &Refusal, statements: u64) {
    let before = app.statements.get();

    let (status, body, headers) = post_with(app, Some(&refusal.authorization), PROBE).await;

    let case = refusal.case;
    assert_eq!(app.statements.get() - before, statements, "{case}: statements sent to the database");
    assert_eq!(status, 401, "{case}: {body}");
    let errors = body["errors"].as_array().unwrap_or_else(|| panic!("{case}: no errors in {body}"));
    assert_eq!(errors.len(), 1, "{case}: {body}");
    assert_eq!(errors[0]["extensions"]["code"], "UNAUTHENTICATED", "{case}: {body}");
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(refusal.reason), "{case}: the reason {message:?} should say {:?}", refusal.reason);
    assert!(body.get("data").is_none(), "{case}: a refused request carries no data: {body}");
    assert_eq!(
        headers.get(reqwest::header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()),
        Some("Bearer error=\"invalid_token\""),
        "{case}"
    );
}

#[tokio::test]
async fn the_probe_query_reaches_the_database_when_the_token_is_good() {
    // The refusals below rest on this: were the probe answered without the database, a still
    // statement counter would prove nothing.
    let app = spawn_app().await;
    let before = app.statements.get();

    let (status, body, _) = post_with(&app, Some(&bearer(&hs256(&valid_claims()))), PROBE).await;

    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    assert!(app.statements.get() > before, "the probe query sent no statement");
}

#[tokio::test]
async fn forged_unsigned_and_malformed_tokens_are_refused_before_any_resolver_runs() {
    let app = spawn_app_with_pem_keys().await;
    let good = hs256(&valid_claims());

    let refusals = [
        Refusal {
            case: "alg none (unsigned)",
            authorization: bearer(&unsigned(&valid_claims())),
            reason: "algorithm (alg) is not accepted",
        },
        Refusal {
            case: "HS256 keyed with the RSA public key, naming the RSA kid (key confusion)",
            authorization: bearer(&hs256_keyed_with_the_rsa_public_key(&valid_claims())),
            reason: "is not the one its key is pinned to",
        },
        Refusal {
            case: "signed with the EC key, header claiming RS256 and the RSA kid",
            authorization: bearer(&ec_signed_claiming_rs256(&valid_claims())),
            reason: "signature does not verify",
        },
        Refusal {
            case: "a genuine ES256 token naming the RSA kid",
            authorization: bearer(&signed(
                &Fixture::Ec.private_key(),
                Algorithm::ES256,
                Some(Fixture::Rsa.kid()),
                &valid_claims(),
            )),
            reason: "is not the one its key is pinned to",
        },
        Refusal {
            case: "a kid the server does not know",
            authorization: bearer(&signed(
                &Fixture::Rsa.private_key(),
                Algorithm::RS256,
                Some("retired-2019"),
                &valid_claims(),
            )),
            reason: "unknown key (kid)",
        },
        Refusal {
            case: "one payload character changed",
            authorization: bearer(&tamper_with_payload(&good)),
            reason: "signature does not verify",
        },
        Refusal { case: "three dots of garbage", authorization: bearer("not.a.token"), reason: "malformed" },
        Refusal { case: "one word of garbage", authorization: bearer("abc"), reason: "malformed" },
        Refusal {
            case: "the Bearer scheme without a token",
            authorization: "Bearer ".into(),
            reason: "must be `Bearer <token>`",
        },
        Refusal {
            case: "Basic credentials",
            authorization: format!("Basic {}", URL_SAFE_NO_PAD.encode("user:password")),
            reason: "must be `Bearer <token>`",
        },
        Refusal { case: "a bare token without a scheme", authorization: good, reason: "must be `Bearer <token>`" },
    ];
    for refusal in &refusals {
        assert_refused(&app, refusal, 0).await;
    }
}

#[tokio::test]
async fn tokens_lacking_a_claim_or_failing_time_issuer_or_audience_checks_are_refused_before_any_resolver_runs() {
    let app = spawn_app().await;
    let now = api::auth::jwt::now_secs();

    let refusals = [
        Refusal {
            case: "expired an hour ago (leeway 5 s)",
            authorization: bearer(&hs256(&with("exp", json!(now - 3600)))),
            reason: "has expired",
        },
        Refusal {
            case: "nbf an hour ahead (leeway 5 s)",
            authorization: bearer(&hs256(&with("nbf", json!(now + 3600)))),
            reason: "not valid yet",
        },
        Refusal {
            case: "no exp",
            authorization: bearer(&hs256(&without("exp"))),
            reason: "lacks the required claim `exp`",
        },
        Refusal {
            case: "no iss",
            authorization: bearer(&hs256(&without("iss"))),
            reason: "lacks the required claim `iss`",
        },
        Refusal {
            case: "another iss",
            authorization: bearer(&hs256(&with("iss", json!("someone-else")))),
            reason: "issuer (iss) is not trusted",
        },
        Refusal {
            case: "no aud",
            authorization: bearer(&hs256(&without("aud"))),
            reason: "lacks the required claim `aud`",
        },
        Refusal {
            case: "another aud",
            authorization: bearer(&hs256(&with("aud", json!("another-api")))),
            reason: "audience (aud) is not this API",
        },
        Refusal {
            case: "no sub",
            authorization: bearer(&hs256(&without("sub"))),
            reason: "lacks the required claim `sub`",
        },
        Refusal {
            case: "no role",
            authorization: bearer(&hs256(&without("role"))),
            reason: "lacks the required claim `role`",
        },
    ];
    for refusal in &refusals {
        assert_refused(&app, refusal, 0).await;
    }
}

#[tokio::test]
async fn unknown_roles_and_partners_without_a_valid_organisation_are_refused_before_any_resolver_runs() {
    let app = spawn_app().await;

    let refusals = [
        Refusal {
            case: "role admin",
            authorization: bearer(&token_with(&claims("admin", None))),
            reason: "role `admin` is unknown",
        },
        Refusal {
            case: "role anonymous (not a role a token can grant)",
            authorization: bearer(&token_with(&claims("anonymous", None))),
            reason: "role `anonymous` is unknown",
        },
        Refusal {
            case: "partner without org",
            authorization: bearer(&token_with(&claims("partner", None))),
            reason: "must name its organisation (org)",
        },
        Refusal {
            case: "partner whose org is a database id, not a global id",
            authorization: bearer(&hs256(&partner_of(json!("7")))),
            reason: "an Organization's global id",
        },
        Refusal {
            case: "partner whose org is the global id of a state",
            authorization: bearer(&hs256(&partner_of(json!(global_id("State", 1).to_string())))),
            reason: "an Organization's global id",
        },
        Refusal {
            case: "partner whose org is not a string",
            authorization: bearer(&hs256(&partner_of(json!(7)))),
            reason: "claims do not have the expected types",
        },
    ];
    for refusal in &refusals {
        assert_refused(&app, refusal, 0).await;
    }
}

#[tokio::test]
async fn a_partner_whose_organisation_does_not_exist_is_refused_after_looking_only_for_it() {
    let app = spawn_app().await;
    let refusal = Refusal {
        case: "partner of organisation 424242, which does not exist",
        authorization: bearer(&token_with(&claims("partner", Some(424_242)))),
        reason: "organisation (org) does not exist",
    };

    // One statement: the lookup of the organisation, which is how the server knows.
    assert_refused(&app, &refusal, 1).await;
}

#[tokio::test]
async fn a_bad_token_on_a_get_request_is_refused_like_on_a_post() {
    let app = spawn_app().await;
    let before = app.statements.get();

    let url = reqwest::Url::parse_with_params(&app.url("/graphql"), [("query", PROBE)]).expect("a URL");

    let resp = app
        .client
        .get(url)
        .header(reqwest::header::AUTHORIZATION, bearer("not.a.token"))
        .send()
        .await
        .expect("the server answers");

    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.expect("a JSON body");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(app.statements.get(), before, "no resolver ran");
}

/// Asks `{ me { role sub } }` with `token` and returns `me`, checking the request succeeded.
async fn me(app: &TestApp, token: &str) -> Value {
    let (status, body, _) = post_with(app, Some(&bearer(token)), ME).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"]["me"].clone()
}

#[tokio::test]
async fn a_valid_hs256_token_is_accepted_and_names_its_role_and_subject() {
    let app = spawn_app().await;

    let me = me(&app, &token_with(&claims("wgtu", None))).await;

    assert_eq!(me, json!({ "role": "WGTU", "sub": "wgtu-user" }));
}

#[tokio::test]
async fn no_token_at_all_is_the_anonymous_caller_not_a_refusal() {
    let app = spawn_app().await;

    let (status, body, _) = post_with(&app, None, ME).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"], json!({ "role": "ANONYMOUS", "sub": null }));
}

/// Checks that a token signed with each fixture key is accepted by `app`.
async fn assert_every_fixture_key_is_accepted(app: &TestApp, configured_with: &str) {
    for key in Fixture::ALL {
        let mut claims = claims("vtf_committee", None);
        claims.sub = format!("{}-user", key.kid());

        let me = me(app, &key.sign(&claims)).await;

        assert_eq!(
            me,
            json!({ "role": "VTF_COMMITTEE", "sub": format!("{}-user", key.kid()) }),
            "{:?} with keys from {configured_with}",
            key.alg()
        );
    }
}

#[tokio::test]
async fn rs256_es256_and_eddsa_tokens_are_accepted_with_the_public_keys_as_pem_files() {
    let app = spawn_app_with_pem_keys().await;

    assert_every_fixture_key_is_accepted(&app, "PEM files").await;
}

#[tokio::test]
async fn rs256_es256_and_eddsa_tokens_are_accepted_with_the_public_keys_in_a_jwks_file() {
    let app = spawn_app_with_jwks().await;

    assert_every_fixture_key_is_accepted(&app, "the JWKS file").await;
}

#[tokio::test]
async fn a_server_with_a_jwks_file_refuses_forged_and_confused_tokens_too() {
    let app = spawn_app_with_jwks().await;

    let refusals = [
        Refusal {
            case: "HS256 keyed with the RSA public key, naming the RSA kid (key confusion; JWKS)",
            authorization: bearer(&hs256_keyed_with_the_rsa_public_key(&valid_claims())),
            reason: "is not the one its key is pinned to",
        },
        Refusal {
            case: "signed with the EC key, header claiming RS256 and the RSA kid (JWKS)",
            authorization: bearer(&ec_signed_claiming_rs256(&valid_claims())),
            reason: "signature does not verify",
        },
    ];
    for refusal in &refusals {
        assert_refused(&app, refusal, 0).await;
    }
}

#[tokio::test]
async fn a_token_expired_within_the_leeway_is_accepted() {
    let app = spawn_app_with(|config| config.auth.jwt_leeway_secs = 120).await;
    let now = api::auth::jwt::now_secs();
    let mut claims = claims("secretariat", None);
    // Expired a minute ago, well inside the two minutes of leeway whatever the test's pace.
    (claims.exp, claims.nbf, claims.iat) = (now - 60, Some(now - 600), Some(now - 600));

    let me = me(&app, &token_with(&claims)).await;

    assert_eq!(me["role"], "SECRETARIAT");
}

#[tokio::test]
async fn a_partner_of_an_existing_organisation_is_accepted_and_bound_to_it() {
    let app = spawn_app().await;
    let now = chrono::Utc::now();
    let org = organization::ActiveModel {
        name: Set("Control Arms Test Coalition".into()),
        kind: Set(OrganizationKind::CivilSociety),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("the organisation is inserted");

    let (status, body, _) = post_with(
        &app,
        Some(&bearer(&token_with(&claims("partner", Some(org.id))))),
        "{ me { role organization { name } } }",
    )
    .await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["me"],
        json!({ "role": "PARTNER", "organization": { "name": "Control Arms Test Coalition" } }),
        "{body}"
    );
}

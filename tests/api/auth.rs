//! Token verification over HTTP: every way a token can be wrong is refused with 401 and
//! `UNAUTHENTICATED`; identity-provider keys work and are pinned to their algorithms.

use crate::helpers::*;
use api::auth::jwt::{Claims, mint};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;

const ME: &str = "{me{sub role}}";

async fn refused(app: &TestApp, token: &str, why: &str) {
    let (status, body) = app.post(Some(token), &json!({"query": ME})).await;
    assert_eq!(status, 401, "{why}: {body}");
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{why}");
    assert!(body.get("data").is_none(), "{why}: nothing is executed");
}

async fn accepted(app: &TestApp, token: &str, why: &str) {
    let (status, body) = app.post(Some(token), &json!({"query": ME})).await;
    assert_eq!(status, 200, "{why}: {body}");
    assert!(body["errors"].is_null(), "{why}: {body}");
}

fn unsigned(c: &Claims, header: serde_json::Value) -> String {
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let p = URL_SAFE_NO_PAD.encode(serde_json::to_string(c).expect("claims"));
    format!("{h}.{p}.")
}

#[actix_web::test]
async fn malformed_and_forged_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let good = claims("provincial", Some("370000"));
    accepted(&app, &token(&good), "a good token").await;
    refused(&app, "abc", "not a JWT").await;
    refused(&app, "a.b.c", "garbage segments").await;
    refused(
        &app,
        &api::auth::jwt::mint_hs256("another-secret-another-secret", &good).expect("mint"),
        "wrong signature",
    )
    .await;
    refused(
        &app,
        &unsigned(&good, json!({"alg": "none", "typ": "JWT"})),
        "alg none",
    )
    .await;
    refused(
        &app,
        &unsigned(&good, json!({"alg": "HS512", "typ": "JWT"})),
        "unsupported algorithm",
    )
    .await;
    refused(&app, &"x".repeat(64 * 1024), "a 64 KiB token").await;
    let (status, body) = app.post(None, &json!({"query": ME})).await;
    assert_eq!(
        status, 200,
        "no token is anonymous, not an error at the edge"
    );
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[actix_web::test]
async fn a_non_bearer_authorization_header_is_refused() {
    let app = TestApp::spawn().await;
    let client = awc::Client::default();
    let mut res = client
        .post(format!("{}/graphql", app.base))
        .insert_header(("Authorization", "Basic dXNlcjpwYXNz"))
        .send_json(&json!({"query": ME}))
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.headers().get("www-authenticate").is_some());
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[actix_web::test]
async fn expiry_and_not_before_are_enforced_with_a_small_leeway() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let mut c = claims("provincial", Some("370000"));
    c.exp = now - 3600;
    refused(&app, &token(&c), "expired an hour ago").await;
    c.exp = now - 5;
    accepted(&app, &token(&c), "expired within the leeway").await;
    c.exp = now + 3600;
    c.nbf = Some(now + 3600);
    refused(&app, &token(&c), "not yet valid").await;
    let mut no_exp = serde_json::to_value(claims("provincial", Some("370000"))).expect("json");
    no_exp.as_object_mut().expect("object").remove("exp");
    let t = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &no_exp,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("encode");
    refused(&app, &t, "no exp").await;
}

#[actix_web::test]
async fn claims_that_describe_no_usable_viewer_are_refused() {
    let app = TestApp::spawn().await;
    let cases: Vec<(&str, Claims)> = vec![
        ("unknown role", claims("admin", Some("370000"))),
        ("municipal without region", claims("municipal", None)),
        ("county at a municipality", claims("county", Some("371400"))),
        (
            "provincial at a county",
            claims("provincial", Some("371482")),
        ),
        ("malformed region", claims("auditor", Some("37AB00"))),
        ("applicant without org", claims("applicant", None)),
        (
            "empty sub",
            Claims {
                sub: String::new(),
                ..claims("provincial", Some("370000"))
            },
        ),
        (
            "bad dept",
            Claims {
                dept: Some("Ecology Environment".into()),
                ..claims("municipal", Some("371400"))
            },
        ),
    ];
    for (why, c) in cases {
        refused(&app, &token(&c), why).await;
    }
    refused(
        &app,
        &applicant_token("T3JnYW5pemF0aW9uOjk5OTk5"),
        "applicant of an organisation that does not exist",
    )
    .await;
    refused(
        &app,
        &applicant_token("not-an-id"),
        "applicant org that is not an id",
    )
    .await;
}

async fn idp_app() -> TestApp {
    let mut jwt = jwt_settings();
    jwt.issuer = Some("https://idp.example.gov.cn".into());
    jwt.audience = Some("carbon-pilots".into());
    jwt.jwks_file = Some(fixture("jwks.json"));
    jwt.public_key_file = Some(fixture("ec_public.pem"));
    jwt.public_key_alg = "ES256".into();
    TestApp::spawn_with(jwt).await
}

fn idp_claims() -> Claims {
    let mut c = claims("provincial", Some("370000"));
    c.iss = Some("https://idp.example.gov.cn".into());
    c.aud = Some(json!("carbon-pilots"));
    c
}

fn rsa_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(&std::fs::read(fixture("rsa_private.pem")).expect("key"))
        .expect("rsa")
}

#[actix_web::test]
async fn identity_provider_keys_verify_their_own_algorithm_only() {
    let app = idp_app().await;
    let c = idp_claims();
    accepted(
        &app,
        &mint(Algorithm::RS256, Some("idp-rsa-1"), &rsa_key(), &c).expect("mint"),
        "RS256 from the JWKS",
    )
    .await;
    let ec = EncodingKey::from_ec_pem(&std::fs::read(fixture("ec_private.pem")).expect("key"))
        .expect("ec");
    accepted(
        &app,
        &mint(Algorithm::ES256, None, &ec, &c).expect("mint"),
        "ES256 from the PEM key",
    )
    .await;
    refused(
        &app,
        &mint(Algorithm::RS256, Some("rotated-away"), &rsa_key(), &c).expect("mint"),
        "unknown kid",
    )
    .await;
    // Algorithm confusion: the RSA public key used as an HMAC secret.
    let public_pem = std::fs::read(fixture("rsa_public.pem")).expect("pem");
    let confused = mint(
        Algorithm::HS256,
        Some("idp-rsa-1"),
        &EncodingKey::from_secret(&public_pem),
        &c,
    )
    .expect("mint");
    refused(&app, &confused, "HS256 signed with the public key").await;
    // A token may not point at its own key.
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.kid = Some("idp-rsa-1".into());
    header.jku = Some("https://attacker.example/jwks.json".into());
    refused(
        &app,
        &jsonwebtoken::encode(&header, &c, &rsa_key()).expect("encode"),
        "jku header",
    )
    .await;
}

#[actix_web::test]
async fn issuer_and_audience_are_required_when_configured() {
    let app = idp_app().await;
    let sign = |c: &Claims| mint(Algorithm::RS256, Some("idp-rsa-1"), &rsa_key(), c).expect("mint");
    let mut c = idp_claims();
    c.iss = Some("https://other-idp.example".into());
    refused(&app, &sign(&c), "wrong issuer").await;
    c.iss = None;
    refused(&app, &sign(&c), "missing issuer").await;
    let mut c = idp_claims();
    c.aud = Some(json!("someone-else"));
    refused(&app, &sign(&c), "wrong audience").await;
    let mut c = idp_claims();
    c.aud = Some(json!(["someone-else", "carbon-pilots"]));
    accepted(&app, &sign(&c), "audience among several").await;
}

#[actix_web::test]
async fn rotated_identity_provider_keys_are_picked_up_without_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jwks = dir.path().join("jwks.json");
    std::fs::copy(fixture("jwks.json"), &jwks).expect("copy");
    let mut jwt = jwt_settings();
    jwt.jwks_file = Some(jwks.clone());
    jwt.keys_refresh_secs = 1;
    let app = TestApp::spawn_with(jwt).await;
    let c = claims("provincial", Some("370000"));
    let old = mint(Algorithm::RS256, Some("idp-rsa-1"), &rsa_key(), &c).expect("mint");
    let new_key =
        EncodingKey::from_rsa_pem(&std::fs::read(fixture("rsa_private_2.pem")).expect("key"))
            .expect("rsa");
    let new = mint(Algorithm::RS256, Some("idp-rsa-2"), &new_key, &c).expect("mint");
    accepted(&app, &old, "the current key").await;
    refused(&app, &new, "a key not yet published").await;
    // The provider rotates: the old key is withdrawn, the new one published.
    std::fs::copy(fixture("jwks_rotated.json"), &jwks).expect("rotate");
    let mut rotated = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (status, _) = app.post(Some(&new), &json!({"query": ME})).await;
        if status == 200 {
            rotated = true;
            break;
        }
    }
    assert!(rotated, "the new key was picked up");
    refused(&app, &old, "a withdrawn key").await;
    // A broken file leaves the current keys in place.
    std::fs::write(&jwks, "{not json").expect("write");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    accepted(&app, &new, "keys survive a bad file").await;
}

#[actix_web::test]
async fn claims_can_come_from_a_namespaced_object() {
    let mut jwt = jwt_settings();
    jwt.claim_namespace = Some("https://pilots.gov.cn/claims".into());
    let app = TestApp::spawn_with(jwt).await;
    let now = chrono::Utc::now().timestamp();
    let raw = json!({
        "sub": "idp-user-7", "exp": now + 600,
        "https://pilots.gov.cn/claims": {"role": "municipal", "region": "371400", "dept": "ecology_environment"}
    });
    let t = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &raw,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("encode");
    let body = app
        .gql(Some(&t), "{me{sub role region dept}}", json!({}))
        .await;
    assert_eq!(
        body["data"]["me"],
        json!({"sub": "idp-user-7", "role": "MUNICIPAL", "region": "371400", "dept": "ecology_environment"})
    );
    let flat = token(&claims("municipal", Some("371400")));
    refused(&app, &flat, "claims outside the namespace are not read").await;
}

#[actix_web::test]
async fn tokens_from_the_future_and_long_lived_ones_are_refused() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let mut c = claims("provincial", Some("370000"));
    c.iat = Some(now + 365 * 86_400);
    c.exp = c.iat.unwrap_or_default() + 3600;
    refused(&app, &token(&c), "issued a year ahead").await;
    c.iat = Some(now + 10);
    c.exp = now + 3600;
    accepted(&app, &token(&c), "issued within the leeway").await;
    c.iat = Some(now);
    c.exp = now + 25 * 3600;
    refused(&app, &token(&c), "lives 25 hours").await;
    c.iat = None;
    refused(&app, &token(&c), "no iat, expires in 25 hours").await;
    c.exp = now + 23 * 3600;
    accepted(&app, &token(&c), "no iat, expires in 23 hours").await;
    let mut jwt = jwt_settings();
    jwt.max_ttl_secs = 600;
    let strict = TestApp::spawn_with(jwt).await;
    let mut c = claims("provincial", Some("370000"));
    refused(&strict, &token(&c), "an hour, over a 10-minute maximum").await;
    c.exp = now + 300;
    accepted(&strict, &token(&c), "five minutes").await;
}

#[actix_web::test]
async fn with_an_identity_provider_hs256_is_off_unless_allowed() {
    let mut jwt = jwt_settings();
    jwt.jwks_file = Some(fixture("jwks.json"));
    jwt.allow_hs256 = false;
    let app = TestApp::spawn_with(jwt).await;
    let c = claims("provincial", Some("370000"));
    refused(&app, &token(&c), "a locally signed HS256 token").await;
    accepted(
        &app,
        &mint(Algorithm::RS256, Some("idp-rsa-1"), &rsa_key(), &c).expect("mint"),
        "the provider's RS256 token",
    )
    .await;
}

/// A stand-in identity provider serving a JWKS on loopback: its answer can change, and it
/// counts the fetches.
struct Provider {
    url: String,
    answer: std::sync::Arc<std::sync::Mutex<(u16, String)>>,
    fetches: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Provider {
    fn start(jwks: &str) -> Provider {
        use actix_web::{App, HttpResponse, HttpServer, web};
        let answer = std::sync::Arc::new(std::sync::Mutex::new((200u16, jwks.to_owned())));
        let fetches = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://127.0.0.1:{}/jwks",
            listener.local_addr().expect("addr").port()
        );
        let (a, f) = (answer.clone(), fetches.clone());
        let server = HttpServer::new(move || {
            let (a, f) = (a.clone(), f.clone());
            App::new().route(
                "/jwks",
                web::get().to(move || {
                    let (a, f) = (a.clone(), f.clone());
                    async move {
                        f.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let (status, body) = a.lock().expect("lock").clone();
                        HttpResponse::build(
                            actix_web::http::StatusCode::from_u16(status).expect("status"),
                        )
                        .content_type("application/json")
                        .body(body)
                    }
                }),
            )
        })
        .listen(listener)
        .expect("listen")
        .workers(1)
        .run();
        actix_web::rt::spawn(server);
        Provider {
            url,
            answer,
            fetches,
        }
    }

    fn serve(&self, status: u16, body: &str) {
        *self.answer.lock().expect("lock") = (status, body.to_owned());
    }

    fn fetches(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[actix_web::test]
async fn jwks_from_a_url_is_cached_refetched_for_an_unknown_kid_and_kept_while_the_provider_is_down()
 {
    let read = |f: &str| std::fs::read_to_string(fixture(f)).expect("fixture");
    let provider = Provider::start(&read("jwks.json"));
    let mut jwt = jwt_settings();
    jwt.jwks_url = Some(provider.url.clone());
    jwt.keys_refresh_secs = 3600;
    jwt.jwks_min_refetch_secs = 1;
    jwt.allow_hs256 = false;
    let app = TestApp::spawn_with(jwt).await;
    let c = claims("provincial", Some("370000"));
    let old = mint(Algorithm::RS256, Some("idp-rsa-1"), &rsa_key(), &c).expect("mint");
    accepted(&app, &old, "a key of the provider's JWKS").await;
    accepted(&app, &old, "again, from the cache").await;
    let cached = provider.fetches();
    assert!((1..=2).contains(&cached), "{cached} fetches");
    // The provider rotates; a token with the new kid makes the service fetch again.
    provider.serve(200, &read("jwks_rotated.json"));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let new_key =
        EncodingKey::from_rsa_pem(&std::fs::read(fixture("rsa_private_2.pem")).expect("key"))
            .expect("rsa");
    let new = mint(Algorithm::RS256, Some("idp-rsa-2"), &new_key, &c).expect("mint");
    accepted(&app, &new, "a rotated key, fetched on its unknown kid").await;
    assert_eq!(provider.fetches(), cached + 1);
    // Unknown kids cannot make the service hammer the provider.
    let forged = mint(Algorithm::RS256, Some("nope"), &rsa_key(), &c).expect("mint");
    for _ in 0..5 {
        refused(&app, &forged, "an unknown kid").await;
    }
    assert!(
        provider.fetches() <= cached + 2,
        "{} fetches",
        provider.fetches()
    );
    // The provider goes down: the last good keys stay in use.
    provider.serve(503, "down");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    refused(&app, &forged, "an unknown kid while the provider is down").await;
    accepted(&app, &new, "the last good keys").await;
}

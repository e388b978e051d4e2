//! Abuse and protocol semantics over HTTP: each hostile request is refused with the right
//! status and code, quickly, and the server answers a normal query right after.

use crate::helpers::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A generous bound: refusing must not take anywhere near this long.
const BOUND: Duration = Duration::from_secs(10);

async fn raw(
    app: &TestApp,
    content_type: &str,
    accept: &str,
    body: Vec<u8>,
) -> (u16, Value, awc::http::header::HeaderMap) {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    let t = token_for("provincial", Some("370000"));
    let mut res = client
        .post(format!("{}/graphql", app.base))
        .insert_header(("Authorization", format!("Bearer {t}")))
        .insert_header(("Content-Type", content_type))
        .insert_header(("Accept", accept))
        .send_body(body)
        .await
        .expect("request");
    let headers = res.headers().clone();
    let body = res.body().limit(16 * 1024 * 1024).await.expect("body");
    (
        res.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        headers,
    )
}

async fn still_serving(app: &TestApp) {
    let body = app
        .gql(
            Some(&token_for("provincial", Some("370000"))),
            "{pilots(first:1){totalCount}}",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["pilots"]["totalCount"], 17);
}

#[actix_web::test]
async fn hostile_requests_are_refused_quickly_and_the_server_keeps_answering() {
    let app = TestApp::spawn().await;
    let deep = format!(
        "{{{}}}",
        "region(code:\"370000\"){children{".repeat(25) + "code" + &"}}".repeat(25)
    );
    let aliases = format!(
        "{{{}}}",
        (0..1000)
            .map(|i| format!("a{i}: health"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let batch = serde_json::to_vec(&vec![json!({"query": "{health}"}); 1000]).expect("json");
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("a 50-level deep query", serde_json::to_vec(&json!({"query": deep})).expect("json"), 200, "BAD_USER_INPUT"),
        ("1,000 aliases", serde_json::to_vec(&json!({"query": aliases})).expect("json"), 400, "BAD_USER_INPUT"),
        ("a 1,000-operation batch", batch, 400, "BAD_USER_INPUT"),
        ("first: 100000", serde_json::to_vec(&json!({"query": "{pilots(first:100000){totalCount}}"})).expect("json"), 200, "BAD_USER_INPUT"),
        ("broken syntax", serde_json::to_vec(&json!({"query": "{pilots(first:1){"})).expect("json"), 200, "BAD_USER_INPUT"),
        ("a variable of the wrong type", serde_json::to_vec(&json!({"query": "query($n:Int){pilots(first:$n){totalCount}}", "variables": {"n": "ten"}})).expect("json"), 200, "BAD_USER_INPUT"),
        ("no query", serde_json::to_vec(&json!({"variables": {}})).expect("json"), 400, "BAD_USER_INPUT"),
        ("not JSON", b"{query: health".to_vec(), 400, "BAD_USER_INPUT"),
    ];
    for (why, body, status, code) in cases {
        let started = Instant::now();
        let (got, answer, _) = raw(&app, "application/json", "application/json", body).await;
        assert!(
            started.elapsed() < BOUND,
            "{why} took {:?}",
            started.elapsed()
        );
        assert_eq!(got, status, "{why}: {answer}");
        assert_eq!(error_code(&answer), Some(code), "{why}: {answer}");
        still_serving(&app).await;
    }
    let started = Instant::now();
    let (got, _, _) = raw(
        &app,
        "application/json",
        "application/json",
        vec![b' '; 5 * 1024 * 1024],
    )
    .await;
    assert_eq!(got, 413, "a 5 MiB body");
    assert!(started.elapsed() < BOUND);
    still_serving(&app).await;
}

#[actix_web::test]
async fn graphql_over_http_status_codes_follow_the_accept_header() {
    let app = TestApp::spawn().await;
    let broken = serde_json::to_vec(&json!({"query": "{pilots(first:1){"})).expect("json");
    let (status, body, headers) = raw(
        &app,
        "application/json",
        "application/graphql-response+json",
        broken.clone(),
    )
    .await;
    assert_eq!(
        status, 400,
        "a request that cannot run is a 4xx for graphql-response+json"
    );
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/graphql-response+json")
    );
    let ok = serde_json::to_vec(&json!({"query": "{health}"})).expect("json");
    let (status, body, headers) = raw(
        &app,
        "application/json",
        "application/graphql-response+json",
        ok,
    )
    .await;
    assert_eq!((status, body["data"]["health"].as_str()), (200, Some("ok")));
    for h in [
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
        "x-request-id",
    ] {
        assert!(headers.get(h).is_some(), "{h} on every response");
    }
    let (status, body, _) = raw(&app, "text/plain", "application/json", b"{health}".to_vec()).await;
    assert_eq!((status, error_code(&body)), (415, Some("BAD_USER_INPUT")));
}

#[actix_web::test]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::spawn().await;
    let t = token_for("provincial", Some("370000"));
    let client = awc::Client::default();
    let get = |q: &str| {
        client
            .get(format!("{}/graphql", app.base))
            .query(&[("query", q)])
            .expect("query string")
            .insert_header(("Authorization", format!("Bearer {t}")))
            .send()
    };
    let mut res = get("{pilots{totalCount}}").await.expect("get");
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["data"]["pilots"]["totalCount"], 17);
    let pilot = app.pilot_id("SD-2023-PARK-0005").await;
    let mutation = format!(
        "mutation{{endorsePilot(input:{{pilotId:\"{pilot}\",version:1}}){{pilot{{status}}}}}}"
    );
    let res = get(&mutation).await.expect("get");
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(
        res.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    assert_eq!(app.state_of(&pilot).await.0, "SUBMITTED", "nothing ran");
    let mut page = client
        .get(format!("{}/graphql", app.base))
        .insert_header(("Accept", "text/html"))
        .send()
        .await
        .expect("get");
    assert_eq!(page.status().as_u16(), 200);
    let policy = page
        .headers()
        .get("content-security-policy")
        .expect("a policy")
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"));
    let html = String::from_utf8_lossy(&page.body().await.expect("body")).into_owned();
    assert!(
        !html.contains("//cdn") && !html.contains("https://"),
        "{html}"
    );
    // Every asset the page names is served by the binary itself.
    let assets: Vec<&str> = html
        .split(['"', '\''])
        .filter(|s| s.starts_with("/graphiql/"))
        .collect();
    assert_eq!(assets.len(), 5, "{html}");
    for path in assets {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!body.is_empty(), "{path}");
    }
    let (status, licence) = app.get("/graphiql/LICENSE-graphiql").await;
    assert_eq!((status, licence.contains("MIT License")), (200, true));
    assert_eq!(app.get("/graphiql/../Cargo.toml").await.0, 404);
}

#[actix_web::test]
async fn introspection_and_graphiql_can_be_switched_off() {
    let limits = api::config::Limits {
        introspection: false,
        graphiql: false,
        ..Default::default()
    };
    let app = TestApp::spawn_configured(jwt_settings(), limits).await;
    let t = token_for("provincial", Some("370000"));
    let body = app
        .gql(Some(&t), "{__schema{types{name}}}", json!({}))
        .await;
    assert!(
        body["data"]["__schema"].is_null(),
        "no schema is revealed: {body}"
    );
    let open = TestApp::spawn().await;
    let body = open
        .gql(Some(&t), "{__schema{types{name}}}", json!({}))
        .await;
    assert!(
        body["data"]["__schema"]["types"].is_array(),
        "on by default: {body}"
    );
    let (status, _) = app.get("/graphql").await;
    assert_eq!(status, 400, "no GraphiQL page");
    assert_eq!(
        app.get("/graphiql/graphiql.min.js").await.0,
        404,
        "nor its assets"
    );
    still_serving(&app).await;
}

async fn post_as(app: &TestApp, token: Option<&str>) -> (u16, Option<String>, Value) {
    let client = awc::Client::default();
    let mut req = client.post(format!("{}/graphql", app.base));
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    let mut res = req
        .send_json(&json!({"query": "{health}"}))
        .await
        .expect("request");
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(Into::into);
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (res.status().as_u16(), retry, body)
}

#[actix_web::test]
async fn each_subject_and_each_anonymous_client_has_its_own_budget() {
    let limits = api::config::Limits {
        rate_per_minute: 5,
        anonymous_rate_per_minute: 3,
        ..Default::default()
    };
    let app = TestApp::spawn_configured(jwt_settings(), limits).await;
    let provincial = token_for("provincial", Some("370000"));
    for i in 0..5 {
        assert_eq!(
            post_as(&app, Some(&provincial)).await.0,
            200,
            "request {i} is within the budget"
        );
    }
    let (status, retry, body) = post_as(&app, Some(&provincial)).await;
    assert_eq!(status, 429);
    assert_eq!(error_code(&body), Some("RATE_LIMITED"));
    let retry: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], retry);
    // Another subject has its own bucket.
    assert_eq!(
        post_as(&app, Some(&token_for("municipal", Some("371400"))))
            .await
            .0,
        200
    );
    // Anonymous callers share their address's smaller budget, and bad tokens pay from it too.
    for _ in 0..2 {
        assert_eq!(post_as(&app, None).await.0, 200);
    }
    assert_eq!(post_as(&app, Some("not-a-token")).await.0, 401);
    let (status, _, body) = post_as(&app, Some("not-a-token")).await;
    assert_eq!((status, error_code(&body)), (429, Some("RATE_LIMITED")));
    assert_eq!(post_as(&app, None).await.0, 429);
}

#[actix_web::test]
async fn browsers_may_call_only_from_allowed_origins() {
    let limits = api::config::Limits {
        cors_allowed_origins: vec!["https://pilots.example.gov.cn".into()],
        ..Default::default()
    };
    let app = TestApp::spawn_configured(jwt_settings(), limits).await;
    let client = awc::Client::default();
    let preflight = |origin: &'static str| {
        client
            .request(awc::http::Method::OPTIONS, format!("{}/graphql", app.base))
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", "POST"))
            .insert_header((
                "Access-Control-Request-Headers",
                "authorization, content-type",
            ))
            .send()
    };
    let ok = preflight("https://pilots.example.gov.cn")
        .await
        .expect("preflight");
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://pilots.example.gov.cn")
    );
    let other = preflight("https://evil.example.com")
        .await
        .expect("preflight");
    assert!(
        other.headers().get("access-control-allow-origin").is_none(),
        "no grant for other origins"
    );
}

#[actix_web::test]
async fn in_persisted_only_mode_only_registered_operations_run() {
    let query = "{ pilots(first: 1) { totalCount } }";
    let id = api::http::persisted::hash(query);
    let app = TestApp::spawn_persisted_only(query).await;
    let t = token_for("provincial", Some("370000"));
    let (status, body) = app.post(Some(&t), &json!({"query": query})).await;
    assert_eq!(
        (status, body["data"]["pilots"]["totalCount"].as_i64()),
        (200, Some(17)),
        "registered by its text"
    );
    let (status, body) = app
        .post(
            Some(&t),
            &json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": id}}}),
        )
        .await;
    assert_eq!(
        (status, body["data"]["pilots"]["totalCount"].as_i64()),
        (200, Some(17)),
        "registered by its hash"
    );
    let (status, body) = app
        .post(Some(&t), &json!({"query": "{ me { sub } }"}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (403, Some("FORBIDDEN")),
        "not registered: {body}"
    );
}

#[actix_web::test]
async fn codegen_persisted_documents_run_by_document_id() {
    let count = "query Count { pilots(first: 1) { totalCount } }";
    let me = "query Me { me { sub } }";
    let manifest = json!({ sha1_hex(count): count, api::http::persisted::hash(me): me });
    let t = token_for("provincial", Some("370000"));
    let app = TestApp::spawn_with_manifest(manifest.clone(), true).await;
    for id in [sha1_hex(count), format!("sha1:{}", sha1_hex(count))] {
        let (status, body) = app.post(Some(&t), &json!({"documentId": id})).await;
        assert_eq!(
            (status, body["data"]["pilots"]["totalCount"].as_i64()),
            (200, Some(17)),
            "{id}: {body}"
        );
    }
    let (status, body) = app
        .post(
            Some(&t),
            &json!({"documentId": format!("sha256:{}", api::http::persisted::hash(me))}),
        )
        .await;
    assert_eq!(
        (status, body["data"]["me"]["sub"].as_str()),
        (200, Some("test-provincial")),
        "{body}"
    );
    let (status, body) = app
        .post(Some(&t), &json!({"documentId": "0".repeat(40)}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (403, Some("FORBIDDEN")),
        "{body}"
    );

    // Without PERSISTED_ONLY the manifest's documents run by id, and other text still runs.
    let open = TestApp::spawn_with_manifest(manifest, false).await;
    let (status, body) = open
        .post(Some(&t), &json!({"documentId": sha1_hex(count)}))
        .await;
    assert_eq!(
        (status, body["data"]["pilots"]["totalCount"].as_i64()),
        (200, Some(17))
    );
    let (status, body) = open.post(Some(&t), &json!({"query": "{ health }"})).await;
    assert_eq!((status, body["data"]["health"].as_str()), (200, Some("ok")));

    // A server without a manifest says so instead of running nothing.
    let plain = TestApp::spawn().await;
    let (status, body) = plain
        .post(Some(&t), &json!({"documentId": sha1_hex(count)}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, Some("BAD_USER_INPUT")),
        "{body}"
    );
}

#[actix_web::test]
async fn a_request_over_its_time_budget_is_cut_short() {
    let limits = api::config::Limits {
        request_timeout_ms: 1,
        ..Default::default()
    };
    let app = TestApp::spawn_configured(jwt_settings(), limits).await;
    // Nested lists need several batched round trips, each waiting for its batch: far over 1 ms.
    let heavy = "{pilots(first:50){edges{node{plans{title} indicators{actuals{value}} acceptanceRecords{reReviews{outcome}} applicant{region{parent{name}}}}}}}";
    let (status, body) = app
        .post(
            Some(&token_for("provincial", Some("370000"))),
            &json!({"query": heavy}),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (503, Some("INTERNAL")),
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["message"], "internal error",
        "no detail leaks"
    );
}

/// With one query turn per process, queries asked for at once all get their full answers,
/// one after another, and a mutation asked for meanwhile goes through.
#[actix_web::test]
async fn queries_beyond_the_in_flight_limit_wait_their_turn_and_all_answer() {
    let limits = api::config::Limits {
        max_queries_in_flight: Some(1),
        ..Default::default()
    };
    let app = TestApp::spawn_configured(jwt_settings(), limits).await;
    let t = token_for("provincial", Some("370000"));
    let q = "{pilots(first:20){totalCount edges{node{code plans{kind} financingSources{kind}}}}}";
    let alone = app.gql(Some(&t), q, json!({})).await;
    assert!(alone["errors"].is_null(), "{alone}");
    let count = alone["data"]["pilots"]["totalCount"]
        .as_u64()
        .expect("count");
    assert!(count > 0, "{alone}");
    let answers =
        futures_util::future::join_all((0..6).map(|_| app.gql(Some(&t), q, json!({})))).await;
    for answer in &answers {
        assert_eq!(answer, &alone, "the same full answer under contention");
    }
    let pilot = app.pilot_id("SD-2023-COMMUNITY-0001").await;
    let municipal = token_for("municipal", Some("371400"));
    let (reads, note) = tokio::join!(
        futures_util::future::join_all((0..4).map(|_| app.gql(Some(&t), q, json!({})))),
        app.gql(
            Some(&municipal),
            "mutation($p:ID!){addTrackingNote(input:{pilotId:$p,body:\"排队测试\"}){trackingNote{body}}}",
            json!({"p": pilot}),
        )
    );
    assert!(reads.iter().all(|r| r == &alone));
    assert!(note["errors"].is_null(), "{note}");
    assert_eq!(
        note["data"]["addTrackingNote"]["trackingNote"]["body"],
        "排队测试"
    );
}

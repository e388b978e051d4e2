//! The letter of GraphQL over HTTP and of the GraphQL spec, the cost model, and bounded failure
//! when the database cannot be reached.

use crate::helpers::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn post_accepting(app: &TestApp, accept: &str, body: Value) -> (u16, Value) {
    let mut res = awc::Client::default()
        .post(format!("{}/graphql", app.base))
        .insert_header((
            "Authorization",
            format!("Bearer {}", token_for("provincial", Some("370000"))),
        ))
        .insert_header(("Accept", accept))
        .send_json(&body)
        .await
        .expect("request");
    let status = res.status().as_u16();
    let json = res.json().limit(16 * 1024 * 1024).await.expect("json");
    (status, json)
}

#[actix_web::test]
async fn a_request_that_cannot_run_carries_no_data_key() {
    let app = TestApp::spawn().await;
    for (why, query) in [
        ("a parse error", "{ pilots(first: 1) {"),
        ("a validation error", "{ pilots(first: 1) { noSuchField } }"),
    ] {
        for accept in ["application/graphql-response+json", "application/json"] {
            let (status, body) = post_accepting(&app, accept, json!({"query": query})).await;
            assert!(body.get("data").is_none(), "{why} under {accept}: {body}");
            assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{why}");
            let expected = if accept == "application/json" {
                200
            } else {
                400
            };
            assert_eq!(status, expected, "{why} under {accept}");
        }
    }
}

#[actix_web::test]
async fn an_erroring_non_null_field_nulls_its_nearest_nullable_parent() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-PARK-0001").await;
    let t = token_for("provincial", Some("370000"));
    // `history` is non-null and errors; so is every position up to the root field `pilot`,
    // itself non-null: `data` is null.
    let body = app
        .gql(
            Some(&t),
            "query($id:ID!){ health pilot(id:$id){ code history(first: 1000){ totalCount } } }",
            json!({"id": pilot}),
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["pilot", "history"]));
    // `node(id:)` is `Node!`: the same.
    let body = app
        .gql(
            Some(&t),
            "query($id:ID!){ health node(id:$id){ ... on Pilot { code history(first: 1000){ totalCount } } } }",
            json!({"id": pilot}),
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body}");
    // Without the erroring field the same query answers in full.
    let body = app
        .gql(
            Some(&t),
            "query($id:ID!){ health pilot(id:$id){ code history(first: 1){ totalCount } } }",
            json!({"id": pilot}),
        )
        .await;
    assert_eq!(body["data"]["health"], "ok", "{body}");
}

#[actix_web::test]
async fn the_cost_of_a_query_counts_the_rows_it_may_return() {
    let app = TestApp::spawn().await;
    let t = token_for("provincial", Some("370000"));
    let field =
        "pilots(first:100){edges{node{history(first:100){edges{node{seq action before after}}}}}}";
    let aliased = format!(
        "{{{}}}",
        (0..20)
            .map(|i| format!("a{i}: {field}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let started = Instant::now();
    let body = app.gql(Some(&t), &aliased, json!({})).await;
    assert!(body.get("data").is_none(), "refused before it runs: {body}");
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("complex")),
        "{body}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // One such field alone is over the default ceiling too (100 × 100 rows).
    let body = app.gql(Some(&t), &format!("{{{field}}}"), json!({})).await;
    assert!(body.get("data").is_none(), "{body}");
    // The most frequent list page passes: 50 pilots with their plans and financing.
    let page = "{pilots(first:50){totalCount edges{cursor node{code name type status updatedAt applicant{name} region{name} plans{kind title status} financingSources{kind committedAmount disbursedAmount}}}}}";
    let body = app.gql(Some(&t), page, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
}

#[actix_web::test]
async fn with_the_database_unreachable_requests_answer_within_the_acquire_timeout() {
    // A port that accepts connections and never answers: every connection attempt hangs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "postgres://nobody@127.0.0.1:{}/none?connect_timeout=30",
        silent.local_addr().expect("addr").port()
    );
    let limits = api::config::Limits {
        db_acquire_timeout_ms: 500,
        ..Default::default()
    };
    let app = TestApp::spawn_on(&url, jwt_settings(), limits).await;
    let started = Instant::now();
    let (status, body) = app
        .post(
            Some(&token_for("provincial", Some("370000"))),
            &json!({"query": "{ pilots(first: 1) { totalCount } }"}),
        )
        .await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(status, 200);
    assert_eq!(error_code(&body), Some("UNAVAILABLE"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], 5);
    let started = Instant::now();
    let (status, _) = app.get("/readyz").await;
    assert_eq!(status, 503);
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(silent);
}

#[actix_web::test]
async fn control_characters_are_refused_naming_the_field_on_every_database() {
    let app = TestApp::spawn().await;
    let t = token_for("provincial", Some("370000"));
    let body = app
        .gql(
            Some(&t),
            "query($s:String){pilots(filter:{search:$s}){totalCount}}",
            json!({"s": "a\u{0}b"}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "s");
    let body = app
        .gql(
            Some(&t),
            "{pilots(filter:{search:\"a\\u0000b\"}){totalCount}}",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "filter.search",
        "{body}"
    );
    // Forged cursors of the wrong type or with a NUL are input errors, never INTERNAL.
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let wrong_types = vec![
        b64("[\"x\",\"y\"]"),
        b64("[1,\"a\\u0000\"]"),
        "!!".to_owned(),
    ];
    let lists = [
        (
            "query($c:String){pilots(first:5, after:$c){totalCount}}",
            wrong_types.clone(),
        ),
        (
            "query($c:String){auditEvents(first:5, after:$c){totalCount}}",
            wrong_types,
        ),
        (
            "query($c:String){regions(first:5, after:$c){totalCount}}",
            vec![b64("[1,2]"), b64("[\"a\\u0000\",\"b\"]")],
        ),
    ];
    for (q, cursors) in lists {
        for cursor in cursors {
            let body = app.gql(Some(&t), q, json!({"c": cursor})).await;
            assert_eq!(
                error_code(&body),
                Some("BAD_USER_INPUT"),
                "{q} {cursor}: {body}"
            );
        }
    }
    // Numbers as money, exponents and year 0000 are refused by the scalars.
    let org = app.applicant_of("SD-2023-PARK-0005").await;
    let pilot = app.pilot_id("SD-2023-PARK-0005").await;
    for (amount, date) in [
        (json!("1e5"), "2025-01-01"),
        (json!(100000), "2025-01-01"),
        (json!("100"), "0000-01-01"),
    ] {
        let body = app
            .try_mutate(
                &applicant_token(&org),
                "createFinancingSource",
                "CreateFinancingSourceInput",
                json!({"pilotId": pilot, "kind": "GREEN_CREDIT", "provider": "x", "committedAmount": amount, "committedOn": date}),
                "__typename",
            )
            .await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{amount} {date}: {body}"
        );
    }
}

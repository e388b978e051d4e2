//! Operations over WebSocket cross the same pipeline as HTTP ones: safelist, shape limits,
//! rate limits, authorisation before validation, request ids in the audit trail; the protocol's
//! close codes for refused connections; and a connection ends when its token expires.

use crate::helpers::*;
use crate::subscription::{Socket, connect_raw, open, send};
use awc::ws::Frame;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

/// The next message, or the close code when the server closes the connection.
async fn next(socket: &mut Socket, wait: Duration) -> Result<Value, Option<u16>> {
    loop {
        let frame = match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(frame))) => frame,
            _ => return Err(None),
        };
        match frame {
            Frame::Text(bytes) => return Ok(serde_json::from_slice(&bytes).expect("json")),
            Frame::Close(reason) => return Err(reason.map(|r| u16::from(r.code))),
            _ => continue,
        }
    }
}

/// A connection acknowledged for the holder of `token`.
async fn connect(app: &TestApp, token: &str) -> Socket {
    let mut socket = open(app, json!({"Authorization": format!("Bearer {token}")})).await;
    let ack = next(&mut socket, Duration::from_secs(10))
        .await
        .expect("ack");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

/// Runs one operation over the socket and returns its `payload`.
async fn run(socket: &mut Socket, id: &str, query: &str, variables: Value) -> Value {
    run_payload(socket, id, json!({"query": query, "variables": variables})).await
}

/// Sends one `subscribe` with `payload` and returns the answer's `payload`.
async fn run_payload(socket: &mut Socket, id: &str, payload: Value) -> Value {
    send(
        socket,
        json!({"id": id, "type": "subscribe", "payload": payload}),
    )
    .await;
    loop {
        let msg = next(socket, Duration::from_secs(10))
            .await
            .expect("a message");
        if msg["id"] == id && (msg["type"] == "next" || msg["type"] == "error") {
            return if msg["type"] == "error" {
                json!({"errors": msg["payload"]})
            } else {
                msg["payload"].clone()
            };
        }
    }
}

#[actix_web::test]
async fn in_persisted_only_mode_a_websocket_runs_only_registered_operations() {
    let query = "{ pilots(first: 1) { totalCount } }";
    let app = TestApp::spawn_persisted_only(query).await;
    let mut socket = connect(&app, &token_for("provincial", Some("370000"))).await;
    let ok = run(&mut socket, "1", query, json!({})).await;
    assert_eq!(ok["data"]["pilots"]["totalCount"], 17, "{ok}");
    let other = run(&mut socket, "2", "{ me { sub } }", json!({})).await;
    assert_eq!(error_code(&other), Some("FORBIDDEN"), "{other}");
    let pilot = api::ids::encode(api::ids::Kind::Pilot, 1).to_string();
    let mutation = run(
        &mut socket,
        "3",
        "mutation($i: TransitionInput!) { returnPilot(input: $i) { pilot { status } } }",
        json!({"i": {"pilotId": pilot, "version": 1, "comment": "x"}}),
    )
    .await;
    assert_eq!(error_code(&mutation), Some("FORBIDDEN"), "{mutation}");
}

#[actix_web::test]
async fn a_websocket_runs_codegen_persisted_documents_by_document_id() {
    let query = "query Count { pilots(first: 1) { totalCount } }";
    let app = TestApp::spawn_with_manifest(json!({ sha1_hex(query): query }), true).await;
    let mut socket = connect(&app, &token_for("provincial", Some("370000"))).await;
    let ok = run_payload(&mut socket, "1", json!({"documentId": sha1_hex(query)})).await;
    assert_eq!(ok["data"]["pilots"]["totalCount"], 17, "{ok}");
    let unknown = run_payload(&mut socket, "2", json!({"documentId": "0".repeat(40)})).await;
    assert_eq!(error_code(&unknown), Some("FORBIDDEN"), "{unknown}");
}

#[actix_web::test]
async fn websocket_operations_meet_the_alias_root_field_and_rate_limits() {
    let limits = api::config::Limits {
        max_aliases: 3,
        max_root_fields: 2,
        rate_per_minute: 4,
        ..Default::default()
    };
    let app = TestApp::spawn_configured(jwt_settings(), limits).await;
    let mut socket = connect(&app, &token_for("provincial", Some("370000"))).await;
    let aliases = run(
        &mut socket,
        "1",
        "{ a: health b: health c: health d: health }",
        json!({}),
    )
    .await;
    assert_eq!(error_code(&aliases), Some("BAD_USER_INPUT"), "{aliases}");
    let roots = run(
        &mut socket,
        "2",
        "{ health me { sub } programs { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(error_code(&roots), Some("BAD_USER_INPUT"), "{roots}");
    let third = run(&mut socket, "3", "{ health }", json!({})).await;
    assert_eq!(third["data"]["health"], "ok");
    let fourth = run(&mut socket, "4", "{ health }", json!({})).await;
    assert_eq!(fourth["data"]["health"], "ok");
    let fifth = run(&mut socket, "5", "{ health }", json!({})).await;
    assert_eq!(error_code(&fifth), Some("RATE_LIMITED"), "{fifth}");
}

#[actix_web::test]
async fn a_role_that_may_never_act_is_refused_before_its_input_is_read_on_both_transports() {
    let app = TestApp::spawn().await;
    let auditor = token_for("auditor", Some("370000"));
    // A malformed input: over HTTP and over WebSocket the answer is FORBIDDEN, not which
    // field is wrong.
    let q = "mutation { endorsePilot(input: {pilotId: 7, versio: \"x\"}) { pilot { id } } }";
    let body = app.gql(Some(&auditor), q, json!({})).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert!(body["errors"][0]["extensions"]["field"].is_null());
    let mut socket = connect(&app, &auditor).await;
    let answer = run(&mut socket, "1", q, json!({})).await;
    assert_eq!(error_code(&answer), Some("FORBIDDEN"), "{answer}");
    // Without a token, a mutation is UNAUTHENTICATED before anything else.
    let body = app.post(None, &json!({"query": q})).await.1;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

#[actix_web::test]
async fn a_mutation_over_websocket_records_its_own_request_id() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-PARK-0005").await;
    let (_, version) = app.state_of(&pilot).await;
    let county = token_for("county", Some("371481"));
    let mut socket = connect(&app, &county).await;
    let out = run(
        &mut socket,
        "1",
        "mutation($i: TransitionInput!) { endorsePilot(input: $i) { pilot { status } } }",
        json!({"i": {"pilotId": pilot, "version": version, "comment": "ok"}}),
    )
    .await;
    assert_eq!(
        out["data"]["endorsePilot"]["pilot"]["status"], "COUNTY_ENDORSED",
        "{out}"
    );
    let history = app
        .gql(
            Some(&token_for("provincial", Some("370000"))),
            "query($id:ID!){auditEvents(filter:{pilotId:$id, action:\"ENDORSE\"}, first:5){edges{node{requestId}}}}",
            json!({"id": pilot}),
        )
        .await;
    let ids: Vec<&str> = history["data"]["auditEvents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["requestId"].as_str())
        .collect();
    assert!(!ids.is_empty(), "{history}");
    assert!(ids.iter().all(|r| r.len() >= 16), "{ids:?}");
}

#[actix_web::test]
async fn refused_connections_are_closed_with_the_protocols_codes() {
    let app = TestApp::spawn().await;
    for init in [json!({}), json!({"Authorization": "Bearer not-a-token"})] {
        let mut socket = open(&app, init.clone()).await;
        assert_eq!(
            next(&mut socket, Duration::from_secs(10)).await.err(),
            Some(Some(4403)),
            "{init}"
        );
    }
    // An operation before `connection_init`.
    let mut socket = connect_raw(&app).await;
    send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": "{ health }"}}),
    )
    .await;
    assert_eq!(
        next(&mut socket, Duration::from_secs(10)).await.err(),
        Some(Some(4401))
    );
}

#[actix_web::test]
async fn a_subscription_ends_when_its_token_expires() {
    let app = TestApp::spawn().await;
    let mut claims = claims("provincial", Some("370000"));
    claims.exp = chrono::Utc::now().timestamp() + 2;
    let mut socket = connect(&app, &token(&claims)).await;
    let program = app.program_id("SD").await;
    send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription($p: ID!) { pilotEvents(programId: $p) { event { action } } }", "variables": {"p": program}}}),
    )
    .await;
    let started = std::time::Instant::now();
    let end = loop {
        match next(&mut socket, Duration::from_secs(10)).await {
            Ok(_) => continue,
            Err(code) => break code,
        }
    };
    assert_eq!(end, Some(4403), "closed because the token expired");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

//! `GET /metrics`: operations counted by name, type and outcome on every transport, latency
//! histograms, HTTP routes, rate-limit refusals, active subscriptions, pools and the audit head.

use crate::helpers::*;
use crate::subscription::{next_json, open, send};
use serde_json::json;
use std::time::Duration;

/// The value of the sample `series` (name and labels exactly as exposed), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let res = reqwest::get(format!("{}/metrics", app.base))
        .await
        .expect("scrape");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/openmetrics-text"),
        "Prometheus' OpenMetrics text format"
    );
    res.text().await.expect("text")
}

#[actix_web::test]
async fn metrics_count_operations_on_every_transport_and_read_the_audit_head() {
    let limits = api::config::Limits {
        anonymous_rate_per_minute: 3,
        ..Default::default()
    };
    let app = TestApp::spawn_configured(jwt_settings(), limits).await;
    let t = token_for("provincial", Some("370000"));
    for _ in 0..2 {
        let body = app
            .gql(
                Some(&t),
                "query PilotList { pilots(first: 1) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(body["data"]["pilots"]["totalCount"], 17);
    }
    let refused = app
        .gql(
            Some(&token_for("auditor", Some("370000"))),
            "mutation Revoke($i: TransitionInput!) { revokePilot(input: $i) { pilot { status } } }",
            json!({"i": {"pilotId": "x", "version": 1, "comment": "x"}}),
        )
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");

    // Over WebSocket: a query and a live subscription.
    let mut socket = open(&app, json!({"Authorization": format!("Bearer {t}")})).await;
    let ack = next_json(&mut socket, Duration::from_secs(10))
        .await
        .expect("ack");
    assert_eq!(ack["type"], "connection_ack");
    send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": "query WsHealth { health }"}}),
    )
    .await;
    let program = app.program_id("SD").await;
    send(
        &mut socket,
        json!({"id": "2", "type": "subscribe", "payload": {
        "query": "subscription Watch($p: ID!) { pilotEvents(programId: $p) { event { action } } }",
        "variables": {"p": program}}}),
    )
    .await;
    loop {
        let msg = next_json(&mut socket, Duration::from_secs(10))
            .await
            .expect("a message");
        if msg["id"] == "1" && msg["type"] == "next" {
            assert_eq!(msg["payload"]["data"]["health"], "ok");
            break;
        }
    }

    // Anonymous requests over their budget of 3 a minute.
    for _ in 0..5 {
        app.post(None, &json!({"query": "{ health }"})).await;
    }

    let text = scrape(&app).await;
    let op = |labels: &str| {
        sample(
            &text,
            &format!("carbon_pilots_graphql_operations_total{{{labels}}}"),
        )
    };
    assert_eq!(
        op(r#"operation="PilotList",type="query",outcome="OK""#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        op(r#"operation="Revoke",type="mutation",outcome="FORBIDDEN""#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        op(r#"operation="WsHealth",type="query",outcome="OK""#),
        Some(1.0),
        "{text}"
    );
    // Three `{ health }` within the anonymous budget, and `program_id`'s unnamed lookup.
    assert_eq!(
        op(r#"operation="(anonymous)",type="query",outcome="OK""#),
        Some(4.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"carbon_pilots_graphql_operation_duration_seconds_count{operation="PilotList",type="query"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "carbon_pilots_rate_limited_total"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "carbon_pilots_active_subscriptions"),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"carbon_pilots_http_requests_total{method="POST",route="/graphql",status="200"}"#
        )
        .is_some_and(|n| n >= 6.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"carbon_pilots_http_requests_total{method="POST",route="/graphql",status="429"}"#
        ),
        Some(2.0),
        "{text}"
    );
    let head = api::audit::chain::head(&app.db).await.expect("head");
    assert!(head > 0);
    assert_eq!(
        sample(&text, "carbon_pilots_audit_head_sequence"),
        Some(head as f64),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"carbon_pilots_db_pool_connections{pool="primary",state="idle"}"#
        )
        .is_some(),
        "{text}"
    );

    // The subscription ends: it is counted once, and no longer active.
    drop(socket);
    let mut text = String::new();
    for _ in 0..50 {
        text = scrape(&app).await;
        if sample(&text, "carbon_pilots_active_subscriptions") == Some(0.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        sample(&text, "carbon_pilots_active_subscriptions"),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"carbon_pilots_graphql_operations_total{operation="Watch",type="subscription",outcome="OK"}"#
        ),
        Some(1.0),
        "{text}"
    );
}

#[actix_web::test]
async fn metrics_can_be_turned_off() {
    let limits = api::config::Limits {
        metrics: false,
        ..Default::default()
    };
    let app = TestApp::spawn_configured(jwt_settings(), limits).await;
    let (status, _) = app.get("/metrics").await;
    assert_eq!(status, 404);
}

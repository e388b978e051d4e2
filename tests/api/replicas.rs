//! Two replicas of the service on one database: events committed through one reach
//! subscribers of the other, in order, once each, and resume after the last one seen; the
//! change feed read through one while the other writes has no gap or repeat; a quota race
//! across the two has one winner; both start together on an empty database.

use crate::helpers::*;
use crate::subscription::{Socket, next_json, open, send};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

/// A second replica on the first one's database.
async fn replica_of(app: &TestApp) -> TestApp {
    TestApp::spawn_on(&app.url, jwt_settings(), api::config::Limits::default()).await
}

async fn subscribe(app: &TestApp, token: &str, program: &str, after: Option<&str>) -> Socket {
    let mut socket = open(app, json!({"Authorization": format!("Bearer {token}")})).await;
    let ack = next_json(&mut socket, Duration::from_secs(10))
        .await
        .expect("ack");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let query = "subscription($p: ID!, $a: ID) { pilotEvents(programId: $p, after: $a) { event { id action toStatus } pilot { code } } }";
    send(&mut socket, json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"p": program, "a": after}}})).await;
    socket
}

async fn events(socket: &mut Socket, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < n {
        let msg = next_json(socket, Duration::from_secs(15))
            .await
            .unwrap_or_else(|| panic!("only {} of {n} events: {out:?}", out.len()));
        assert_eq!(msg["type"], "next", "{msg}");
        out.push(msg["payload"]["data"]["pilotEvents"]["event"].clone());
    }
    out
}

#[actix_web::test]
async fn transitions_through_one_replica_reach_subscribers_of_the_other_in_order_once() {
    let a = TestApp::spawn().await;
    let b = replica_of(&a).await;
    let program = a.program_id("SD").await;
    let municipal = token_for("municipal", Some("371400"));
    let mut on_a = subscribe(&a, &municipal, &program, None).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pilot = b.pilot_id("SD-2023-PARK-0005").await;
    let applicant = applicant_token(&b.applicant_of("SD-2023-PARK-0005").await);
    step(
        &b,
        &token_for("county", Some("371481")),
        "endorsePilot",
        "TransitionInput",
        &pilot,
        json!({}),
    )
    .await;
    step(
        &b,
        &municipal,
        "returnPilot",
        "TransitionInput",
        &pilot,
        json!({"comment": "补充材料"}),
    )
    .await;
    step(
        &b,
        &applicant,
        "withdrawPilot",
        "TransitionInput",
        &pilot,
        json!({}),
    )
    .await;

    let got = events(&mut on_a, 3).await;
    let actions: Vec<&Value> = got.iter().map(|e| &e["action"]).collect();
    assert_eq!(
        actions,
        [&json!("ENDORSE"), &json!("RETURN"), &json!("WITHDRAW")]
    );
    assert!(
        next_json(&mut on_a, Duration::from_millis(3500))
            .await
            .is_none(),
        "each event once"
    );

    // A subscriber that saw the first event resumes after it, on either replica.
    let first = got[0]["id"].as_str().expect("id");
    for app in [&a, &b] {
        let mut again = subscribe(app, &municipal, &program, Some(first)).await;
        let resumed = events(&mut again, 2).await;
        assert_eq!(resumed, got[1..].to_vec());
    }
}

#[actix_web::test]
async fn the_feed_read_through_one_replica_while_the_other_writes_has_no_gap_or_repeat() {
    let a = TestApp::spawn().await;
    let b = replica_of(&a).await;
    let national = token_for("national", None);
    let done = std::cell::Cell::new(false);
    let writer = async {
        let pilot = b.pilot_id("SD-2023-COMMUNITY-0001").await;
        let t = token_for("municipal", Some("371400"));
        for i in 0..6 {
            let body = b
                .gql(
                    Some(&t),
                    "mutation($p:ID!,$b:String!){addTrackingNote(input:{pilotId:$p,body:$b}){trackingNote{body}}}",
                    json!({"p": pilot, "b": format!("note {i}")}),
                )
                .await;
            assert!(body["errors"].is_null(), "{body}");
        }
        done.set(true);
    };
    let reader = async {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let finished = done.get();
            let body = a
                .gql(
                    Some(&national),
                    "query($a:String){changes(after:$a,first:100){edges{node{seq}} pageInfo{endCursor hasNextPage}}}",
                    json!({"a": cursor}),
                )
                .await;
            let page = &body["data"]["changes"];
            for e in page["edges"].as_array().expect("edges") {
                seen.push(e["node"]["seq"].as_i64().expect("seq"));
            }
            if let Some(c) = page["pageInfo"]["endCursor"].as_str() {
                cursor = Some(c.to_owned());
            }
            if page["pageInfo"]["hasNextPage"] != true {
                if finished {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        seen
    };
    let ((), seen) = futures_util::join!(writer, reader);
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no repeats");
    let max = seen.iter().copied().max().expect("events");
    assert_eq!(seen.len() as i64, max, "no gaps: every seq from 1 to {max}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in commit order");
}

#[actix_web::test]
async fn a_quota_race_across_two_replicas_has_one_winner() {
    let a = TestApp::spawn().await;
    let b = replica_of(&a).await;
    let pilots = crate::rules::endorsed_communities(&a, 4).await;
    b.set_day("2023-09-01");
    crate::rules::race_for_the_last_place(&[&a, &b], &pilots).await;
}

#[actix_web::test]
async fn two_replicas_started_together_on_an_empty_database_both_come_up() {
    let Some(url) = empty_database().await else {
        // SQLite is one process's file: replicas are a PostgreSQL deployment.
        return;
    };
    let (x, y) = futures_util::join!(api::db::connect(&url), api::db::connect(&url));
    let (x, y) = (x.expect("connect"), y.expect("connect"));
    let (rx, ry) = futures_util::join!(api::db::prepare(&x), api::db::prepare(&y));
    rx.expect("the first replica migrates");
    ry.expect("the second waits, then finds the schema current");
    api::db::check_schema(&x).await.expect("current");
}

/// Posts an anonymous `{health}` query claiming to come from `forwarded_for`; the status.
async fn anonymous_from(app: &TestApp, forwarded_for: &str) -> u16 {
    let res = awc::Client::new()
        .post(format!("{}/graphql", app.base))
        .insert_header(("X-Forwarded-For", forwarded_for))
        .send_json(&json!({"query": "{health}"}))
        .await
        .expect("request");
    res.status().as_u16()
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_anonymous_budget() {
    let limits = |trusted: &str| api::config::Limits {
        anonymous_rate_per_minute: 2,
        trusted_proxies: trusted
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| api::http::proxies::ProxyNet::parse(t).expect("net"))
            .collect(),
        ..Default::default()
    };
    // The tests' requests come from 127.0.0.1: the proxy.
    let app = TestApp::spawn_configured(jwt_settings(), limits("127.0.0.1")).await;
    let statuses = [
        anonymous_from(&app, "198.51.100.1").await,
        anonymous_from(&app, "198.51.100.1").await,
        anonymous_from(&app, "198.51.100.1").await,
    ];
    assert_eq!(statuses, [200, 200, 429]);
    assert_eq!(
        anonymous_from(&app, "198.51.100.2").await,
        200,
        "another client"
    );
    // A client cannot choose its budget by prepending addresses.
    assert_eq!(anonymous_from(&app, "203.0.113.5, 198.51.100.1").await, 429);

    // Without a trusted proxy the header is ignored: one budget for the connection's peer.
    let app = TestApp::spawn_configured(jwt_settings(), limits("")).await;
    let statuses = [
        anonymous_from(&app, "198.51.100.1").await,
        anonymous_from(&app, "198.51.100.2").await,
        anonymous_from(&app, "198.51.100.3").await,
    ];
    assert_eq!(statuses, [200, 200, 429]);
}

#[actix_web::test]
async fn a_replica_refuses_a_schema_older_or_newer_than_its_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = match empty_database().await {
        Some(url) => url,
        None => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("empty.sqlite").display()
        ),
    };
    let db = api::db::connect(&url).await.expect("connect");
    let older = api::db::check_schema(&db).await.expect_err("empty");
    assert!(
        older.to_string().contains("older than this build"),
        "{older}"
    );
    api::db::prepare(&db).await.expect("migrate");
    api::db::check_schema(&db).await.expect("current");
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29990101_000001_from_the_future', 0)",
    )
    .await
    .expect("a later release's migration");
    let newer = api::db::check_schema(&db).await.expect_err("newer");
    assert!(
        newer.to_string().contains("newer than this build"),
        "{newer}"
    );
    assert!(
        newer
            .to_string()
            .contains("m29990101_000001_from_the_future")
    );
}

#[actix_web::test]
async fn a_replica_that_cannot_open_its_pool_says_why() {
    let Some(url) = empty_database().await else {
        // SQLite has no connection limit to run into.
        return;
    };
    let admin = api::db::connect(&url).await.expect("admin");
    let role = format!("cp_limited_{}", std::process::id());
    use sea_orm::ConnectionTrait;
    admin
        .execute_unprepared(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'limited-pw' CONNECTION LIMIT 2"
        ))
        .await
        .expect("role");
    let (scheme, rest) = url.split_once("://").expect("scheme");
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let limited = format!("{scheme}://{role}:limited-pw@{host}");
    let pool = api::db::PoolSettings {
        size: Some(5),
        ..Default::default()
    };
    let err = api::db::connect_server(&limited, Duration::from_secs(2), pool)
        .await
        .expect_err("two connections are not five");
    let text = err.to_string();
    assert!(text.contains("could not open 5 connections"), "{text}");
    assert!(text.contains("too many connections for role"), "{text}");
    assert!(text.contains("DB_POOL_SIZE"), "{text}");
    assert!(
        !text.contains("limited-pw"),
        "no password in the message: {text}"
    );
}

#[actix_web::test]
async fn each_replica_keeps_its_own_budget_so_n_replicas_allow_n_budgets() {
    let limits = || api::config::Limits {
        rate_per_minute: 2,
        ..Default::default()
    };
    let a = TestApp::spawn_configured(jwt_settings(), limits()).await;
    let b = TestApp::spawn_on(&a.url, jwt_settings(), limits()).await;
    let t = token_for("auditor", Some("370000"));
    let body = json!({"query": "{me{sub}}"});
    let mut seen = Vec::new();
    for app in [&a, &a, &a, &b, &b, &b] {
        seen.push(app.post(Some(&t), &body).await.0);
    }
    // The documented factor: a budget per replica (docs/deploy.md divides it by N), and each
    // replica's holds on its own.
    assert_eq!(seen, [200, 200, 429, 200, 200, 429]);
}

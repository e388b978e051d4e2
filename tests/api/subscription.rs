//! `pilotEvents` over graphql-transport-ws with a real websocket client: committed
//! transitions reach the subscribers whose scope covers the pilot, and no one else.

use crate::helpers::*;

use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;

pub type Socket = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

pub async fn next_json(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(wait, socket.next()).await.ok()??;
        match frame.expect("frame") {
            Frame::Text(bytes) => return Some(serde_json::from_slice(&bytes).expect("json")),
            Frame::Close(_) => return None,
            _ => continue,
        }
    }
}

pub async fn send(socket: &mut Socket, v: Value) {
    socket
        .send(Message::Text(v.to_string().into()))
        .await
        .expect("send");
}

/// A graphql-transport-ws connection, not yet initialised.
pub async fn connect_raw(app: &TestApp) -> Socket {
    let url = format!("{}/graphql", app.base.replacen("http", "ws", 1));
    let (_, socket) = awc::Client::new()
        .ws(url)
        .protocols(["graphql-transport-ws"])
        .connect()
        .await
        .expect("connect");
    socket
}

/// A connection that has sent `connection_init` with `init` as its payload.
pub async fn open(app: &TestApp, init: Value) -> Socket {
    let mut socket = connect_raw(app).await;
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": init}),
    )
    .await;
    socket
}

async fn subscribe(app: &TestApp, token: &str, program: &str) -> Socket {
    let mut socket = open(app, json!({"Authorization": format!("Bearer {token}")})).await;
    let ack = next_json(&mut socket, Duration::from_secs(10))
        .await
        .expect("ack");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let query = "subscription($p: ID!) { pilotEvents(programId: $p) { event { action fromStatus toStatus } pilot { code status } } }";
    send(&mut socket, json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"p": program}}})).await;
    socket
}

#[actix_web::test]
async fn transitions_reach_subscribers_in_scope_and_no_one_else() {
    let app = TestApp::spawn().await;
    let program = app.program_id("SD").await;
    let mut dezhou = subscribe(&app, &token_for("municipal", Some("371400")), &program).await;
    let mut jinan = subscribe(&app, &token_for("municipal", Some("370100")), &program).await;
    let mut applicant = subscribe(
        &app,
        &applicant_token(&app.applicant_of("SD-2023-PARK-0005").await),
        &program,
    )
    .await;
    // Let the subscriptions register before the event.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pilot = app.pilot_id("SD-2023-PARK-0005").await;
    step(
        &app,
        &token_for("county", Some("371481")),
        "endorsePilot",
        "TransitionInput",
        &pilot,
        json!({}),
    )
    .await;

    let expected = json!({"event": {"action": "ENDORSE", "fromStatus": "SUBMITTED", "toStatus": "COUNTY_ENDORSED"}, "pilot": {"code": "SD-2023-PARK-0005", "status": "COUNTY_ENDORSED"}});
    for socket in [&mut dezhou, &mut applicant] {
        let msg = next_json(socket, Duration::from_secs(10))
            .await
            .expect("an event");
        assert_eq!(msg["type"], "next", "{msg}");
        assert_eq!(msg["payload"]["data"]["pilotEvents"], expected);
    }
    assert!(
        next_json(&mut jinan, Duration::from_millis(800))
            .await
            .is_none(),
        "Jinan must not hear of a Dezhou pilot"
    );
}

#[actix_web::test]
async fn a_connection_without_a_valid_token_is_refused() {
    let app = TestApp::spawn().await;
    for init in [json!({}), json!({"Authorization": "Bearer not-a-token"})] {
        let mut socket = open(&app, init.clone()).await;
        let answer = next_json(&mut socket, Duration::from_secs(10)).await;
        assert!(
            answer.is_none_or(|m| m["type"] != "connection_ack"),
            "{init} must not be acknowledged"
        );
    }
}

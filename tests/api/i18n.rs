//! Chinese and English: every enum value has a label in both, readable through the API; error
//! messages follow `Accept-Language` on HTTP (resolvers, the pipeline, the edge) and over
//! WebSocket; and every message the code writes has a zh-CN translation.

use crate::helpers::*;
use crate::subscription::{next_json, send};
use serde_json::{Value, json};
use std::time::Duration;

/// Posts `body` with an `Accept-Language`, and optionally a content type of its own.
async fn post_in(
    app: &TestApp,
    language: Option<&str>,
    token: Option<&str>,
    body: &str,
    content_type: &str,
) -> (u16, Value) {
    let client = awc::Client::default();
    let mut req = client
        .post(format!("{}/graphql", app.base))
        .insert_header(("Content-Type", content_type));
    if let Some(l) = language {
        req = req.insert_header(("Accept-Language", l));
    }
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    let mut res = req.send_body(body.to_owned()).await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

fn first_message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

#[actix_web::test]
async fn every_enum_value_of_the_schema_has_a_label_in_both_languages() {
    let app = TestApp::spawn().await;
    let t = token_for("provincial", Some("370000"));
    let schema = app
        .gql(
            Some(&t),
            "{ __schema { types { name kind enumValues { name } } } }",
            json!({}),
        )
        .await;
    let enums: Vec<(String, Vec<String>)> = schema["data"]["__schema"]["types"]
        .as_array()
        .expect("types")
        .iter()
        .filter(|t| t["kind"] == "ENUM" && !t["name"].as_str().unwrap_or("").starts_with("__"))
        .map(|t| {
            (
                t["name"].as_str().expect("name").to_owned(),
                t["enumValues"]
                    .as_array()
                    .expect("values")
                    .iter()
                    .map(|v| v["name"].as_str().expect("value").to_owned())
                    .collect(),
            )
        })
        .collect();
    assert!(enums.len() >= 30, "{enums:?}");
    for locale in ["ZH_CN", "EN"] {
        let body = app
            .gql(
                Some(&t),
                "query($l: Locale!) { enumLabels(locale: $l) { type value label } }",
                json!({"l": locale}),
            )
            .await;
        let labels = body["data"]["enumLabels"].as_array().expect("labels");
        for (name, values) in &enums {
            for value in values {
                let label = labels
                    .iter()
                    .find(|l| l["type"] == name.as_str() && l["value"] == value.as_str())
                    .and_then(|l| l["label"].as_str());
                assert!(
                    label.is_some_and(|l| !l.is_empty() && l != value),
                    "{locale}: {name}.{value} has no label"
                );
            }
        }
    }
    let one = app
        .gql(
            Some(&t),
            r#"{ enumLabels(types: ["PilotStatus"]) { value label } }"#,
            json!({}),
        )
        .await;
    let labels = one["data"]["enumLabels"].as_array().expect("labels");
    assert_eq!(labels.len(), 13, "Chinese by default, one type: {one}");
    assert!(labels.contains(&json!({"value": "TITLED", "label": "已授牌"})));
    let unknown = app
        .gql(
            Some(&t),
            r#"{ enumLabels(types: ["Nope"]) { value } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("BAD_USER_INPUT"));
}

#[actix_web::test]
async fn messages_follow_accept_language_on_every_path() {
    let app = TestApp::spawn().await;
    let t = token_for("provincial", Some("370000"));
    let missing = json!({"query": "query($id: ID!) { pilot(id: $id) { code } }",
        "variables": {"id": api::ids::encode(api::ids::Kind::Pilot, 999_999).to_string()}})
    .to_string();
    let zh = Some("zh-CN,zh;q=0.9,en;q=0.5");
    // A resolver's error.
    let (_, english) = post_in(&app, None, Some(&t), &missing, "application/json").await;
    let (_, chinese) = post_in(&app, zh, Some(&t), &missing, "application/json").await;
    assert_eq!(first_message(&english), "pilot not found", "{english}");
    assert_eq!(first_message(&chinese), "未找到试点", "{chinese}");
    assert_eq!(
        chinese["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "codes stay"
    );
    // An argument refused, its field kept as the API names it.
    let big = json!({"query": "{ pilots(first: 500) { totalCount } }"}).to_string();
    let (_, chinese) = post_in(&app, zh, Some(&t), &big, "application/json").await;
    assert_eq!(first_message(&chinese), "first：不能超过 100", "{chinese}");
    // A lifecycle refusal, its status and action by their labels.
    let pilot = app.pilot_id("SD-2023-PARK-0005").await;
    let (_, version) = app.state_of(&pilot).await;
    let designate = json!({"query": "mutation($i: TransitionInput!) { designatePilot(input: $i) { pilot { status } } }",
        "variables": {"i": {"pilotId": pilot, "version": version}}})
    .to_string();
    let (_, chinese) = post_in(
        &app,
        zh,
        Some(&token_for("provincial", Some("370000"))),
        &designate,
        "application/json",
    )
    .await;
    assert_eq!(
        error_code(&chinese),
        Some("INVALID_TRANSITION"),
        "{chinese}"
    );
    assert!(first_message(&chinese).contains("已申报"), "{chinese}");
    assert!(!first_message(&chinese).contains("SUBMITTED"), "{chinese}");
    // Refused by the pipeline before anything runs, and by async-graphql's own validation.
    let (_, chinese) = post_in(
        &app,
        zh,
        None,
        &json!({"query": "mutation { designatePilot(input: {pilotId: \"x\", version: 1}) { pilot { status } } }"}).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(first_message(&chinese), "需要登录认证", "{chinese}");
    let (_, chinese) = post_in(
        &app,
        zh,
        Some(&t),
        &json!({"query": "{ nope }"}).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(
        first_message(&chinese),
        "类型“Query”没有字段“nope”。您是否要找“node”？",
        "{chinese}"
    );
    // Refused at the edge, before GraphQL.
    let (status, chinese) = post_in(&app, zh, Some(&t), "{}", "text/plain").await;
    assert_eq!(status, 415);
    assert_eq!(
        first_message(&chinese),
        "content-type：请以 application/json 发送",
        "{chinese}"
    );
    let (status, english) = post_in(&app, None, Some(&t), "{}", "text/plain").await;
    assert_eq!(
        (status, first_message(&english)),
        (415, "content-type: send application/json")
    );

    // Over WebSocket, by the upgrade request's Accept-Language.
    let payload: Value = serde_json::from_str(&missing).expect("json");
    let url = format!("{}/graphql", app.base.replacen("http", "ws", 1));
    let (_, mut socket) = awc::Client::new()
        .ws(url)
        .protocols(["graphql-transport-ws"])
        .header("Accept-Language", "zh-CN")
        .connect()
        .await
        .expect("connect");
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {t}")}}),
    )
    .await;
    assert_eq!(
        acknowledged_answer(&mut socket, &payload).await,
        "未找到试点"
    );

    // Or by `Accept-Language` in `connection_init`, for clients that cannot set headers.
    let mut socket = crate::subscription::open(
        &app,
        json!({"Authorization": format!("Bearer {t}"), "Accept-Language": "zh-CN"}),
    )
    .await;
    assert_eq!(
        acknowledged_answer(&mut socket, &payload).await,
        "未找到试点"
    );
}

/// After `connection_init`: expects the ack, runs `payload`, and returns its first error's
/// message.
async fn acknowledged_answer(socket: &mut crate::subscription::Socket, payload: &Value) -> String {
    let ack = next_json(socket, Duration::from_secs(10))
        .await
        .expect("ack");
    assert_eq!(ack["type"], "connection_ack");
    send(
        socket,
        json!({"id": "1", "type": "subscribe", "payload": payload}),
    )
    .await;
    let msg = next_json(socket, Duration::from_secs(10))
        .await
        .expect("answer");
    msg["payload"]["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn every_message_the_code_writes_has_a_translation() {
    let known: std::collections::HashSet<&str> = api::i18n::catalogue()
        .english
        .iter()
        .map(String::as_str)
        .collect();
    let pattern = regex::Regex::new(
        r#"(?s)ApiError::(?:Unauthenticated|Forbidden|NotFound|Conflict|InvalidTransition|QuotaExceeded|RuleViolation)\(\s*(?:format!\(\s*)?"((?:[^"\\]|\\.)*)"|bad_input\(\s*(?:"[^"]*"|[a-z_.]+)\s*,\s*(?:format!\(\s*)?"((?:[^"\\]|\\.)*)"|not_found\(\s*"((?:[^"\\]|\\.)*)""#,
    )
    .expect("regex");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut missing = Vec::new();
    let mut seen = 0;
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            for caps in pattern.captures_iter(&text) {
                let message = match (caps.get(1).or(caps.get(2)), caps.get(3)) {
                    (Some(m), _) => m.as_str().to_owned(),
                    (None, Some(what)) => format!("{} not found", what.as_str()),
                    _ => continue,
                };
                seen += 1;
                if !known.contains(message.as_str()) {
                    missing.push(format!("{}: {message}", path.display()));
                }
            }
        }
    }
    assert!(seen > 150, "the scan finds the messages ({seen})");
    assert!(
        missing.is_empty(),
        "messages without a zh-CN translation in api/i18n/zh-CN.toml:\n{}",
        missing.join("\n")
    );
}

//! Expert names and scores reach no applicant before the decision they feed, on any read path:
//! the objects, `node`, `asOf`, history, audit events, the change feed, `pilotDiff` and every
//! export; a provincial user reads them on the same paths, and the applicant does once decided.

use crate::helpers::*;
use serde_json::{Value, json};

/// The expert names and scores of a pilot's reviews, as a provincial user reads them: the
/// application's review and each acceptance attempt's.
async fn secrets(app: &TestApp, pilot: &str) -> (Vec<String>, Vec<String>) {
    let body = app
        .gql(
            Some(&token_for("provincial", Some("370000"))),
            "query($id:ID!){pilot(id:$id){expertReviews{expertNames score} acceptanceRecords{expertNames reviewScore}}}",
            json!({"id": pilot}),
        )
        .await;
    let p = &body["data"]["pilot"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut names = Vec::new();
    let mut scores = Vec::new();
    for r in p["expertReviews"].as_array().expect("reviews") {
        names.extend(strings(&r["expertNames"]));
        scores.extend(r["score"].as_str().map(str::to_owned));
    }
    for r in p["acceptanceRecords"].as_array().expect("records") {
        names.extend(strings(&r["expertNames"]));
        scores.extend(r["reviewScore"].as_str().map(str::to_owned));
    }
    (names, scores)
}

/// Every read path, as the holder of `token`, for one pilot: one text holding all answers.
async fn every_path(app: &TestApp, token: &str, pilot: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let q = |query: &'static str| query;
    let paths = [
        (
            "objects",
            q(
                "query($id:ID!){pilot(id:$id){expertReviews{id expertNames score} acceptanceRecords{id expertNames reviewScore}}}",
            ),
        ),
        (
            "asOf",
            q(
                "query($id:ID!){pilot(id:$id, asOf:\"2030-01-01T00:00:00Z\"){expertReviews{expertNames score} acceptanceRecords{expertNames reviewScore}}}",
            ),
        ),
        (
            "history",
            q(
                "query($id:ID!){pilot(id:$id){history(first:100){edges{node{entityType before after}}}}}",
            ),
        ),
        (
            "auditEvents",
            q(
                "query($id:ID!){auditEvents(filter:{pilotId:$id}, first:100){edges{node{entityType before after}}}}",
            ),
        ),
        (
            "pilotDiff",
            q(
                "query($id:ID!){pilotDiff(id:$id, from:\"2000-01-01T00:00:00Z\", to:\"2030-01-01T00:00:00Z\"){entityType field from to}}",
            ),
        ),
    ];
    for (name, query) in paths {
        let body = app.gql(Some(token), query, json!({"id": pilot})).await;
        assert!(body["errors"].is_null(), "{name}: {body}");
        out.push((name, body.to_string()));
    }
    // `node` for each review the objects listed.
    let listed = app
        .gql(
            Some(token),
            "query($id:ID!){pilot(id:$id){expertReviews{id} acceptanceRecords{id}}}",
            json!({"id": pilot}),
        )
        .await;
    let mut nodes = String::new();
    for list in ["expertReviews", "acceptanceRecords"] {
        for r in listed["data"]["pilot"][list].as_array().expect("list") {
            let body = app
                .gql(
                    Some(token),
                    "query($id:ID!){node(id:$id){... on ExpertReview{expertNames score} ... on AcceptanceRecord{expertNames reviewScore}}}",
                    json!({"id": r["id"]}),
                )
                .await;
            nodes.push_str(&body.to_string());
        }
    }
    out.push(("node", nodes));
    // The change feed, every page.
    let mut feed = String::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql(
                Some(token),
                "query($a:String){changes(first:100, after:$a){pageInfo{hasNextPage endCursor} edges{node{pilotId before after}}}}",
                json!({"a": after}),
            )
            .await;
        let page = &body["data"]["changes"];
        for e in page["edges"].as_array().expect("edges") {
            if e["node"]["pilotId"] == pilot {
                feed.push_str(&e["node"].to_string());
            }
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    out.push(("changes", feed));
    for file in ["acceptance.ndjson", "audit.ndjson"] {
        let (status, lines) = app.export(Some(token), file).await;
        assert_eq!(status, 200, "{file}");
        let text: String = lines.iter().map(Value::to_string).collect();
        out.push((
            if file.starts_with("acc") {
                "export acceptance"
            } else {
                "export audit"
            },
            text,
        ));
    }
    out
}

fn leaks(text: &str, names: &[String], scores: &[String]) -> Vec<String> {
    let mut found: Vec<String> = names
        .iter()
        .filter(|n| text.contains(n.as_str()))
        .cloned()
        .collect();
    for s in scores {
        for key in ["score", "review_score", "reviewScore"] {
            let needle = format!("\\\"{key}\\\":\\\"{s}\\\"");
            let plain = format!("\"{key}\":\"{s}\"");
            if text.contains(&needle) || text.contains(&plain) {
                found.push(format!("{key}={s}"));
            }
        }
    }
    found
}

/// On every path the applicant reads none of `names` and `scores`, a provincial user all.
async fn hidden_from_the_applicant_only(
    app: &TestApp,
    applicant: &str,
    pilot: &str,
    names: &[String],
    scores: &[String],
) {
    for (path, text) in every_path(app, applicant, pilot).await {
        assert_eq!(
            leaks(&text, names, scores),
            Vec::<String>::new(),
            "applicant, {path}"
        );
    }
    let provincial = token_for("provincial", Some("370000"));
    for (path, text) in every_path(app, &provincial, pilot).await {
        assert!(
            !leaks(&text, names, scores).is_empty(),
            "provincial reads them on {path}"
        );
    }
}

#[actix_web::test]
async fn an_undecided_expert_review_reaches_no_applicant_on_any_path() {
    let app = TestApp::spawn().await;
    // In public notice: the application's expert review is recorded, the pilot not designated.
    let pilot = app.pilot_id("SD-2023-PARK-0003").await;
    let (names, scores) = secrets(&app, &pilot).await;
    assert!(
        !names.is_empty() && !scores.is_empty(),
        "the demo pilot has a scored review"
    );
    let applicant = applicant_token(&app.applicant_of("SD-2023-PARK-0003").await);
    hidden_from_the_applicant_only(&app, &applicant, &pilot, &names, &scores).await;
}

#[actix_web::test]
async fn an_undecided_acceptance_review_reaches_no_applicant_on_any_path() {
    let app = TestApp::spawn().await;
    // Acceptance forwarded and reviewed by experts, not yet decided by the province.
    let pilot = app.pilot_id("SD-2023-PARK-0002").await;
    let body = app
        .gql(
            Some(&token_for("provincial", Some("370000"))),
            "query($id:ID!){pilot(id:$id){acceptanceRecords{expertNames reviewScore}}}",
            json!({"id": pilot}),
        )
        .await;
    let record = &body["data"]["pilot"]["acceptanceRecords"][0];
    let names: Vec<String> = record["expertNames"]
        .as_array()
        .expect("names")
        .iter()
        .map(|n| n.as_str().expect("name").to_owned())
        .collect();
    let scores: Vec<String> = record["reviewScore"]
        .as_str()
        .map(str::to_owned)
        .into_iter()
        .collect();
    assert!(!names.is_empty() && !scores.is_empty());
    let applicant = applicant_token(&app.applicant_of("SD-2023-PARK-0002").await);
    hidden_from_the_applicant_only(&app, &applicant, &pilot, &names, &scores).await;
}

#[actix_web::test]
async fn once_decided_the_applicant_reads_names_and_scores_on_every_path() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-PARK-0001").await;
    let (names, scores) = secrets(&app, &pilot).await;
    assert!(!names.is_empty());
    let applicant = applicant_token(&app.applicant_of("SD-2023-PARK-0001").await);
    for (path, text) in every_path(&app, &applicant, &pilot).await {
        assert!(
            !leaks(&text, &names, &scores).is_empty(),
            "applicant after the decision, {path}"
        );
    }
}

#[actix_web::test]
async fn subscription_payloads_hide_an_undecided_review_from_the_applicant() {
    use crate::subscription::{next_json, open, send};
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-PARK-0003").await;
    let (names, scores) = secrets(&app, &pilot).await;
    let program = app.program_id("SD").await;
    let query = "subscription($p: ID!) { pilotEvents(programId: $p) { event { action } pilot { expertReviews { expertNames score } } } }";
    let applicant = applicant_token(&app.applicant_of("SD-2023-PARK-0003").await);
    let provincial = token_for("provincial", Some("370000"));
    let mut sockets = Vec::new();
    for token in [&applicant, &provincial] {
        let mut socket = open(&app, json!({"Authorization": format!("Bearer {token}")})).await;
        let ack = next_json(&mut socket, std::time::Duration::from_secs(10)).await;
        assert_eq!(ack.expect("ack")["type"], "connection_ack");
        send(&mut socket, json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"p": program}}})).await;
        sockets.push(socket);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // An objection during the notice: an event of the pilot, no decision.
    let (_, last_day) = app.notice_of("370000", &pilot).await;
    step(
        &app,
        &provincial,
        "recordObjection",
        "RecordObjectionInput",
        &pilot,
        json!({"objector": "市民", "content": "边界有误", "receivedOn": last_day}),
    )
    .await;
    let mut payloads = Vec::new();
    for socket in &mut sockets {
        let msg = next_json(socket, std::time::Duration::from_secs(10))
            .await
            .expect("an event");
        assert_eq!(
            msg["payload"]["data"]["pilotEvents"]["event"]["action"], "RECORD_OBJECTION",
            "{msg}"
        );
        payloads.push(msg.to_string());
    }
    assert_eq!(
        leaks(&payloads[0], &names, &scores),
        Vec::<String>::new(),
        "applicant"
    );
    assert!(
        !leaks(&payloads[1], &names, &scores).is_empty(),
        "provincial"
    );
}

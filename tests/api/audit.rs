//! The audit trail: one event per change in the change's transaction, a linear hash chain
//! under concurrent writers, tampering detected and named, and a change feed that never
//! skips or repeats.

use crate::helpers::*;

use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};
use std::collections::HashSet;

async fn verify(app: &TestApp) -> Value {
    let t = token_for("auditor", Some("370000"));
    app.gql(
        Some(&t),
        "{verifyAuditChain{valid checked firstBrokenSeq reason}}",
        json!({}),
    )
    .await["data"]["verifyAuditChain"]
        .clone()
}

async fn history(app: &TestApp, pilot: &str) -> Vec<Value> {
    let t = token_for("auditor", Some("370000"));
    let q = "query($id:ID!){pilot(id:$id){history(first:100){edges{node{seq entityType action requestId before after actor{sub role}}}}}}";
    let body = app.gql(Some(&t), q, json!({"id": pilot})).await;
    nodes_of(&body["data"]["pilot"]["history"])
}

#[actix_web::test]
async fn every_change_appends_its_events_in_the_same_transaction() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-PARK-0005").await;
    let before = history(&app, &pilot).await;
    assert!(
        before.iter().all(|e| e["actor"]["sub"] == "system:import"),
        "the demo's history was imported"
    );
    step(
        &app,
        &token_for("county", Some("371481")),
        "endorsePilot",
        "TransitionInput",
        &pilot,
        json!({"comment": "同意"}),
    )
    .await;
    let after = history(&app, &pilot).await;
    let new: Vec<&Value> = after.iter().skip(before.len()).collect();
    assert_eq!(
        new.len(),
        2,
        "the workflow event and the pilot's update: {new:?}"
    );
    let kinds: HashSet<(String, String)> = new
        .iter()
        .map(|e| {
            (
                e["entityType"].as_str().expect("t").to_owned(),
                e["action"].as_str().expect("a").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        HashSet::from([
            ("Pilot".into(), "ENDORSE".into()),
            ("WorkflowEvent".into(), "CREATE".into())
        ])
    );
    let update = new
        .iter()
        .find(|e| e["entityType"] == "Pilot")
        .expect("pilot event");
    assert_eq!(update["before"]["status"], "SUBMITTED");
    assert_eq!(update["after"]["status"], "COUNTY_ENDORSED");
    assert_eq!(
        update["actor"],
        json!({"sub": "test-county", "role": "COUNTY"})
    );
    assert!(update["requestId"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(new[0]["requestId"], new[1]["requestId"], "one request");
    // A refused change leaves no event.
    let t = token_for("municipal", Some("371400"));
    let refused = app.as_(&t).refused("recommendPilot", &pilot).await;
    assert_eq!(refused, "QUOTA_EXCEEDED");
    assert_eq!(history(&app, &pilot).await.len(), after.len());
    assert_eq!(verify(&app).await["valid"], true);
}

#[actix_web::test]
async fn the_chain_stays_linear_under_concurrent_writers() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-CITY-0002").await;
    let applicant = applicant_token(&app.applicant_of("SD-2023-CITY-0002").await);
    let mut writes = Vec::new();
    for i in 0..24 {
        writes.push(app.try_mutate(&applicant, "createKeyProject", "CreateKeyProjectInput", json!({"pilotId": pilot, "name": format!("项目{i}"), "field": "GREEN_BUILDING", "plannedInvestment": "1000.00"}), "keyProject{id}"));
    }
    let results = futures_util::future::join_all(writes).await;
    assert!(results.iter().all(|r| r["errors"].is_null()), "{results:?}");
    let v = verify(&app).await;
    assert_eq!(v["valid"], true, "{v}");
    let t = token_for("auditor", Some("370000"));
    let body = app.gql(Some(&t), "query($p:ID!){auditEvents(filter:{pilotId:$p,entityType:\"KeyProject\",action:\"CREATE\"},first:100){totalCount}}", json!({"p": pilot})).await;
    assert!(
        body["data"]["auditEvents"]["totalCount"]
            .as_i64()
            .expect("count")
            >= 24
    );
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*), MIN(seq), MAX(seq) FROM audit_events",
        ))
        .await
        .expect("q")
        .expect("row");
    let (n, min, max): (i64, i64, i64) = (
        row.try_get_by_index(0).expect("n"),
        row.try_get_by_index(1).expect("min"),
        row.try_get_by_index(2).expect("max"),
    );
    assert_eq!((min, max), (1, n), "no gaps in the sequence");
}

async fn disable_guard(app: &TestApp) {
    let sql = match app.db.get_database_backend() {
        DbBackend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
        _ => "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;",
    };
    app.db
        .execute_unprepared(sql)
        .await
        .expect("disable the guard");
}

#[actix_web::test]
async fn the_database_refuses_to_change_or_delete_an_event() {
    let app = TestApp::spawn().await;
    assert!(
        app.db
            .execute_unprepared("UPDATE audit_events SET action = 'X' WHERE seq = 5")
            .await
            .is_err()
    );
    assert!(
        app.db
            .execute_unprepared("DELETE FROM audit_events WHERE seq = 5")
            .await
            .is_err()
    );
    assert_eq!(verify(&app).await["valid"], true);
}

/// Inserts a copy of the last event under sequence `seq` chained onto `prev_hash`.
async fn insert_after_head(app: &TestApp, seq: &str, prev_hash: &str) -> Result<(), String> {
    let sql = format!(
        "INSERT INTO audit_events (seq, occurred_at, actor_sub, actor_role, actor_region, actor_org, \
         entity_type, entity_id, pilot_id, action, before, after, request_id, prev_hash, hash) \
         SELECT {seq}, occurred_at, actor_sub, actor_role, actor_region, actor_org, entity_type, \
         entity_id, pilot_id, action, before, after, request_id, {prev_hash}, 'forged' \
         FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)"
    );
    app.db
        .execute_unprepared(&sql)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[actix_web::test]
async fn the_database_refuses_an_event_that_does_not_follow_the_head() {
    let app = TestApp::spawn().await;
    let head = "(SELECT hash FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events))";
    let before_head =
        "(SELECT prev_hash FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events))";
    let next = "(SELECT MAX(seq) + 1 FROM audit_events)";
    let skip = "(SELECT MAX(seq) + 2 FROM audit_events)";
    // A second branch from the event before the head, and a gap in the sequence.
    for (seq, prev) in [(next, before_head), (skip, head)] {
        let err = insert_after_head(&app, seq, prev)
            .await
            .expect_err("a forked event is refused");
        assert!(err.contains("does not follow the head"), "{err}");
    }
    assert_eq!(verify(&app).await["valid"], true);
    // The event that does follow is taken (the chain check then names its forged hash).
    insert_after_head(&app, next, head).await.expect("follows");
    let v = verify(&app).await;
    assert_eq!(v["valid"], false, "{v}");
}

#[actix_web::test]
async fn an_edited_event_is_named_by_the_verification() {
    let app = TestApp::spawn().await;
    disable_guard(&app).await;
    app.db
        .execute_unprepared("UPDATE audit_events SET actor_sub = 'someone-else' WHERE seq = 40")
        .await
        .expect("tamper");
    let v = verify(&app).await;
    assert_eq!(v["valid"], false);
    assert_eq!(v["firstBrokenSeq"], 40);
    assert_eq!(v["checked"], 39);
    assert!(
        v["reason"].as_str().is_some_and(|r| r.contains("altered")),
        "{v}"
    );
}

#[actix_web::test]
async fn a_deleted_event_is_named_as_a_gap() {
    let app = TestApp::spawn().await;
    disable_guard(&app).await;
    app.db
        .execute_unprepared("DELETE FROM audit_events WHERE seq = 77")
        .await
        .expect("tamper");
    let v = verify(&app).await;
    assert_eq!(
        (v["valid"].clone(), v["firstBrokenSeq"].clone()),
        (json!(false), json!(77)),
        "{v}"
    );
    assert!(v["reason"].as_str().is_some_and(|r| r.contains("missing")));
    // Only officials who oversee the province verify.
    let body = app
        .gql(
            Some(&token_for("municipal", Some("371400"))),
            "{verifyAuditChain{valid}}",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
}

/// The sequence numbers of a `changes` page, its end cursor, and whether more follow.
fn page_of(body: &Value) -> (Vec<i64>, Option<String>, bool) {
    let conn = &body["data"]["changes"];
    let seqs = conn["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["seq"].as_i64().expect("seq"))
        .collect();
    let cursor = conn["pageInfo"]["endCursor"].as_str().map(Into::into);
    (seqs, cursor, conn["pageInfo"]["hasNextPage"] == true)
}

#[actix_web::test]
async fn a_reader_of_the_change_feed_sees_every_event_once_while_writers_run() {
    let app = TestApp::spawn().await;
    let reader = token_for("provincial", Some("370000"));
    let pilot = app.pilot_id("SD-2023-CITY-0002").await;
    let applicant = applicant_token(&app.applicant_of("SD-2023-CITY-0002").await);
    let q = "query($after:String){changes(after:$after,first:50){edges{node{seq}} pageInfo{endCursor hasNextPage}}}";
    let mut seen: Vec<i64> = Vec::new();
    let mut cursor: Option<String> = None;
    let read_page = |cursor: Option<String>| {
        let app = &app;
        let reader = reader.clone();
        async move { app.gql(Some(&reader), q, json!({"after": cursor})).await }
    };
    let writes = async {
        for i in 0..30 {
            app.mutate(&applicant, "createKeyProject", "CreateKeyProjectInput", json!({"pilotId": pilot, "name": format!("并发{i}"), "field": "CARBON_SINK", "plannedInvestment": "1.00"}), "keyProject{id}").await;
        }
    };
    let reads = async {
        let mut cursor: Option<String> = None;
        let mut seen = Vec::new();
        for _ in 0..60 {
            let body = read_page(cursor.clone()).await;
            let (seqs, next, _) = page_of(&body);
            seen.extend(seqs);
            cursor = next.or(cursor);
        }
        (seen, cursor)
    };
    let ((), (during, last_cursor)) = futures_util::join!(writes, reads);
    seen.extend(during);
    cursor = last_cursor.or(cursor);
    loop {
        let body = read_page(cursor.clone()).await;
        let (seqs, next, more) = page_of(&body);
        seen.extend(seqs);
        cursor = next.or(cursor);
        if !more {
            break;
        }
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in order, no repeats");
    // Everything visible now was seen: nothing slipped behind a cursor.
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app.gql(Some(&reader), q, json!({"after": after})).await;
        let (seqs, next, more) = page_of(&body);
        all.extend(seqs);
        if !more {
            break;
        }
        after = next;
    }
    assert_eq!(seen, all);
    assert!(
        all.len() > 60,
        "the feed covers the demo history and the 60 new events"
    );
}

#[actix_web::test]
async fn an_audit_event_is_a_node_read_under_the_trails_scope() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-PARK-0005").await;
    let events = history(&app, &pilot).await;
    let seq = events[0]["seq"].as_i64().expect("seq");
    let t = token_for("auditor", Some("370000"));
    let body = app
        .gql(
            Some(&t),
            "query($p:ID){auditEvents(filter:{pilotId:$p},first:1){edges{node{id seq}}}}",
            json!({"p": pilot}),
        )
        .await;
    let id = body["data"]["auditEvents"]["edges"][0]["node"]["id"].clone();
    let q = "query($id:ID!){node(id:$id){id ... on AuditEvent{seq entityType}}}";
    let body = app.gql(Some(&t), q, json!({"id": id})).await;
    assert_eq!(body["data"]["node"]["seq"], seq, "{body}");
    assert_eq!(body["data"]["node"]["id"], id);
    let jinan = token_for("municipal", Some("370100"));
    let body = app.gql(Some(&jinan), q, json!({"id": id})).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}

#[actix_web::test]
async fn a_clients_request_id_is_the_one_its_changes_are_recorded_under() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-PARK-0005").await;
    let input = transition_input(&app, &pilot, json!({})).await;
    let res = awc::Client::new()
        .post(format!("{}/graphql", app.base))
        .insert_header((
            "Authorization",
            format!("Bearer {}", token_for("county", Some("371481"))),
        ))
        .insert_header(("X-Request-Id", "county-desk-42"))
        .send_json(&json!({
            "query": "mutation($i: TransitionInput!){endorsePilot(input:$i){pilot{status}}}",
            "variables": {"i": input}
        }))
        .await
        .expect("request");
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("county-desk-42")
    );
    let events = history(&app, &pilot).await;
    let last = events.last().expect("events");
    assert_eq!(last["requestId"], "county-desk-42", "{last}");
}

/// A write checked against a pilot read before the write lock (reporting an actual value)
/// goes ahead under the lock only if the pilot is still as it was read: once another writer
/// has changed it, the guarded insert writes nothing, neither the record nor its event.
#[actix_web::test]
async fn a_write_checked_before_the_lock_does_not_go_ahead_once_the_pilot_changed() {
    use api::audit::writer::Audited;
    use api::pilots::editing::unchanged;
    use entities::*;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};

    let app = TestApp::spawn().await;
    let designated = pilot::Entity::find()
        .filter(pilot::Column::Status.eq(PilotStatus::Designated))
        .all(&app.db)
        .await
        .expect("pilots");
    let ind = indicator::Entity::find()
        .filter(indicator::Column::PilotId.is_in(designated.iter().map(|p| p.id)))
        .one(&app.db)
        .await
        .expect("indicators")
        .expect("an indicator of a designated pilot");
    let read = designated
        .iter()
        .find(|p| p.id == ind.pilot_id)
        .expect("its pilot")
        .clone();
    let state = api::state::AppState::new(app.db.clone(), std::sync::Arc::new(app.clock.clone()));
    let viewer = api::auth::Viewer {
        sub: "guard-test".into(),
        role: Role::Applicant,
        region: None,
        org: Some(read.applicant_id),
        dept: None,
        name: None,
        request_id: None,
        expires_at: None,
    };
    let actual = || indicator_actual::ActiveModel {
        indicator_id: Set(ind.id),
        pilot_id: Set(ind.pilot_id),
        period_end: Set(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).expect("date")),
        value: Set(Dec("12.5".parse().expect("decimal"))),
        note: Set("guarded".into()),
        reported_by: Set(viewer.sub.clone()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    };
    let counts = || async {
        (
            indicator_actual::Entity::find()
                .count(&app.db)
                .await
                .expect("actuals"),
            audit_event::Entity::find()
                .count(&app.db)
                .await
                .expect("events"),
        )
    };
    let (actuals, events) = counts().await;

    // Another writer changes the pilot after it was read.
    app.db
        .execute_unprepared(&format!(
            "UPDATE pilots SET version = version + 1 WHERE id = {}",
            read.id
        ))
        .await
        .expect("change the pilot");
    let mut tx = state.write(&viewer).await.expect("write");
    let refused = tx
        .insert_if(actual(), unchanged(&read))
        .await
        .expect("insert");
    assert!(refused.is_none(), "the stale check lets nothing through");
    tx.commit().await.expect("commit");
    assert_eq!(counts().await, (actuals, events), "nothing was written");

    // Read again, the same write goes ahead, with its event chained.
    let current = pilot::Entity::find_by_id(read.id)
        .one(&app.db)
        .await
        .expect("pilot")
        .expect("exists");
    assert_eq!(current.version, read.version + 1);
    let mut tx = state.write(&viewer).await.expect("write");
    let made = tx
        .insert_if(actual(), unchanged(&current))
        .await
        .expect("insert")
        .expect("written");
    tx.commit().await.expect("commit");
    assert_eq!(made.value.0.to_string(), "12.5");
    assert_eq!(made.pilot_of(), Some(read.id));
    assert_eq!(counts().await, (actuals + 1, events + 1));
    let last = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .one(&app.db)
        .await
        .expect("event")
        .expect("the last event");
    assert_eq!(last.action, "CREATE");
    assert_eq!(last.entity_type, "IndicatorActual");
    assert_eq!(last.pilot_id, Some(read.id));
    assert_eq!(verify(&app).await["valid"], true);
}

//! NDJSON export: the caller's scope, every row once, a trailer with the count and the feed
//! cursor to continue from.

use crate::helpers::*;
use serde_json::json;

#[actix_web::test]
async fn an_export_holds_the_callers_scope_and_ends_with_count_and_cursor() {
    let app = TestApp::spawn().await;
    let dezhou = token_for("municipal", Some("371400"));
    let (status, lines) = app.export(Some(&dezhou), "pilots.ndjson").await;
    assert_eq!(status, 200);
    let (trailer, rows) = lines.split_last().expect("lines");
    assert_eq!(rows.len(), 10);
    assert!(
        rows.iter()
            .all(|r| r["_type"] == "Pilot" && r["municipalityCode"] == "371400"),
        "{rows:?}"
    );
    assert_eq!(trailer["_type"], "EndOfExport");
    assert_eq!(
        (trailer["count"].as_u64(), trailer["format"].as_u64()),
        (Some(10), Some(2))
    );
    let mut ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().expect("id")).collect();
    ids.dedup();
    assert_eq!(ids.len(), 10);
    // The ids are the API's own: each resolves with `node`.
    let node = app
        .gql(
            Some(&dezhou),
            "query($id: ID!) { node(id: $id) { ... on Pilot { code municipality { code } } } }",
            json!({"id": ids[0]}),
        )
        .await;
    assert_eq!(node["data"]["node"]["code"], rows[0]["code"], "{node}");
    // The trailer's cursor continues the change feed exactly where the snapshot ended.
    let cursor = trailer["cursor"].as_str().expect("cursor").to_owned();
    let q = "query($a:String){changes(after:$a,first:100){edges{node{entityType action}}}}";
    let none = app.gql(Some(&dezhou), q, json!({"a": cursor})).await;
    assert_eq!(
        none["data"]["changes"]["edges"],
        json!([]),
        "nothing happened since the export"
    );
    let pilot = app.pilot_id("SD-2023-PARK-0005").await;
    crate::helpers::step(
        &app,
        &token_for("county", Some("371481")),
        "endorsePilot",
        "TransitionInput",
        &pilot,
        json!({}),
    )
    .await;
    let next = app.gql(Some(&dezhou), q, json!({"a": cursor})).await;
    assert_eq!(
        next["data"]["changes"]["edges"].as_array().map(Vec::len),
        Some(2),
        "{next}"
    );
}

#[actix_web::test]
async fn every_collection_exports_and_children_follow_the_pilots_scope() {
    let app = TestApp::spawn().await;
    let applicant = applicant_token(&app.applicant_of("SD-2023-PARK-0001").await);
    let (_, pilots) = app.export(Some(&applicant), "pilots.ndjson").await;
    let mine: Vec<String> = pilots
        .iter()
        .filter(|r| r["_type"] == "Pilot")
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(mine.len(), 2);
    for (file, types) in [
        ("plans.ndjson", vec!["Plan"]),
        ("indicators.ndjson", vec!["Indicator", "IndicatorActual"]),
        ("projects.ndjson", vec!["KeyProject"]),
        ("financing.ndjson", vec!["FinancingSource"]),
        (
            "acceptance.ndjson",
            vec!["AcceptanceRecord", "ExpertReview", "ReReview"],
        ),
    ] {
        let (status, lines) = app.export(Some(&applicant), file).await;
        assert_eq!(status, 200, "{file}");
        let (trailer, rows) = lines.split_last().expect("trailer");
        assert_eq!(trailer["count"].as_u64(), Some(rows.len() as u64), "{file}");
        assert!(!rows.is_empty(), "{file}");
        for r in rows {
            assert!(
                types.contains(&r["_type"].as_str().expect("type")),
                "{file}: {r}"
            );
            assert!(
                mine.contains(&r["pilotId"].as_str().expect("pilot").to_owned()),
                "{file}: a row of another organisation: {r}"
            );
        }
    }
    let auditor = token_for("auditor", Some("370000"));
    let (_, audit) = app.export(Some(&auditor), "audit.ndjson").await;
    let (trailer, rows) = audit.split_last().expect("trailer");
    assert_eq!(trailer["count"].as_u64(), Some(rows.len() as u64));
    assert!(
        rows.windows(2)
            .all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64())
    );
    assert_eq!(app.export(None, "pilots.ndjson").await.0, 401);
    assert_eq!(app.export(Some(&auditor), "secrets.ndjson").await.0, 404);
}

#[actix_web::test]
async fn organisations_and_programs_export_in_the_callers_scope() {
    let app = TestApp::spawn().await;
    let count =
        |lines: &[serde_json::Value], t: &str| lines.iter().filter(|l| l["_type"] == t).count();
    for token in [
        token_for("municipal", Some("371400")),
        token_for("provincial", Some("450000")),
        applicant_token(&app.applicant_of("SD-2023-PARK-0005").await),
    ] {
        let (status, lines) = app.export(Some(&token), "organizations.ndjson").await;
        assert_eq!(status, 200);
        let listed = app
            .gql(
                Some(&token),
                "{organizations(first:100){totalCount}}",
                json!({}),
            )
            .await;
        let expected = listed["data"]["organizations"]["totalCount"]
            .as_u64()
            .expect("count");
        assert_eq!(count(&lines, "Organization") as u64, expected, "{listed}");
        assert_eq!(lines.last().expect("trailer")["count"], expected);

        let (_, lines) = app.export(Some(&token), "programs.ndjson").await;
        let listed = app
            .gql(Some(&token), "{programs(first:100){totalCount}}", json!({}))
            .await;
        let expected = listed["data"]["programs"]["totalCount"]
            .as_u64()
            .expect("count");
        assert_eq!(count(&lines, "Program") as u64, expected, "{listed}");
        assert!(count(&lines, "ProgramTypeRule") > 0);
        assert!(
            lines
                .iter()
                .filter(|l| l["_type"] == "ProgramTypeRule")
                .all(|r| lines
                    .iter()
                    .any(|p| p["_type"] == "Program" && p["id"] == r["programId"])),
            "only rules of the programs exported"
        );
    }
    // Dezhou sees no Guangxi organisation.
    let (_, lines) = app
        .export(
            Some(&token_for("municipal", Some("371400"))),
            "organizations.ndjson",
        )
        .await;
    assert!(
        lines
            .iter()
            .filter(|l| l["_type"] == "Organization")
            .all(|o| o["municipalityCode"] == "371400"),
        "{lines:?}"
    );
}

#[actix_web::test]
async fn format_1_keeps_the_stored_rows_and_regions_export_in_code_order() {
    let app = TestApp::spawn().await;
    let dezhou = token_for("municipal", Some("371400"));
    let (status, lines) = app.export(Some(&dezhou), "pilots.ndjson?format=1").await;
    assert_eq!(status, 200);
    let (trailer, rows) = lines.split_last().expect("lines");
    assert_eq!(trailer["format"], 1);
    assert_eq!(rows.len(), 10);
    assert!(
        rows.iter().all(|r| r["municipality_code"] == "371400"
            && r["id"].is_i64()
            && r["program_id"].is_i64()
            && r["_id"].is_string()),
        "{rows:?}"
    );
    let (status, body) = app
        .get_with(Some(&dezhou), "/export/pilots.ndjson?format=3")
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("BAD_USER_INPUT"), "{body}");

    let (status, regions) = app.export(Some(&dezhou), "regions.ndjson").await;
    assert_eq!(status, 200);
    let (trailer, rows) = regions.split_last().expect("lines");
    let listed = app
        .gql(
            Some(&dezhou),
            "{ regions(first: 100) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        trailer["count"].as_i64(),
        listed["data"]["regions"]["totalCount"].as_i64(),
        "{listed}"
    );
    let codes: Vec<&str> = rows
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted, "in code order");
    let dezhou_row = rows.iter().find(|r| r["code"] == "371400").expect("Dezhou");
    assert_eq!(dezhou_row["_type"], "Region");
    assert_eq!(dezhou_row["parentCode"], "370000");
    assert_eq!(
        dezhou_row["id"],
        api::ids::encode(api::ids::Kind::Region, "371400").to_string()
    );
}

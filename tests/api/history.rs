//! History: `pilot(asOf:)` answers what a read at that instant answered, and `pilotDiff`
//! names the fields that changed between two instants.

use crate::helpers::*;
use serde_json::{Value, json};

const SELECTION: &str = "code status version updatedAt title
    plans{kind planVersion status} indicators{code met actuals{periodEnd value}}
    keyProjects{name status progressPercent version} financingSources{kind committedAmount disbursedAmount status version}
    financingTotals{committedAmount disbursedAmount} acceptanceRecords{attempt decision} workflowEvents{action toStatus} objections{status}";

async fn read(app: &TestApp, t: &str, id: &str, as_of: Option<&str>) -> Value {
    let q = format!("query($id:ID!,$at:DateTime){{pilot(id:$id,asOf:$at){{ {SELECTION} }}}}");
    let body = app.gql(Some(t), &q, json!({"id": id, "at": as_of})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["pilot"].clone()
}

#[actix_web::test]
async fn as_of_reads_answer_what_was_read_at_the_time() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-CITY-0002").await;
    let applicant = applicant_token(&app.applicant_of("SD-2023-CITY-0002").await);
    let auditor = token_for("auditor", Some("370000"));

    app.set_day("2025-01-10");
    let first = read(&app, &auditor, &pilot, None).await;

    app.set_day("2025-02-01");
    let project = app
        .mutate(&applicant, "createKeyProject", "CreateKeyProjectInput", json!({"pilotId": pilot, "name": "地源热泵", "field": "ENERGY_SAVING_RETROFIT", "plannedInvestment": "3200000.00"}), "keyProject{id version}")
        .await["keyProject"]
        .clone();
    let source = app
        .mutate(&applicant, "createFinancingSource", "CreateFinancingSourceInput", json!({"pilotId": pilot, "kind": "GREEN_CREDIT", "provider": "兴业银行", "committedAmount": "2000000.00", "status": "COMMITTED"}), "financingSource{id version}")
        .await["financingSource"]
        .clone();
    let indicator = app
        .gql(
            Some(&applicant),
            "query($id:ID!){pilot(id:$id){indicators{id}}}",
            json!({"id": pilot}),
        )
        .await["data"]["pilot"]["indicators"][0]["id"]
        .clone();
    app.mutate(
        &applicant,
        "reportIndicatorActual",
        "ReportIndicatorActualInput",
        json!({"indicatorId": indicator, "periodEnd": "2025-01-31", "value": "99"}),
        "actual{id}",
    )
    .await;
    let second = read(&app, &auditor, &pilot, None).await;

    app.set_day("2025-03-01");
    app.mutate(&applicant, "updateKeyProject", "UpdateKeyProjectInput", json!({"id": project["id"], "version": project["version"], "status": "IN_PROGRESS", "progressPercent": 40}), "keyProject{id}").await;
    app.mutate(&applicant, "updateFinancingSource", "UpdateFinancingSourceInput", json!({"id": source["id"], "version": source["version"], "status": "DISBURSED", "disbursedAmount": "500000.00"}), "financingSource{id}").await;
    let third = read(&app, &auditor, &pilot, None).await;
    assert_ne!(first, second);
    assert_ne!(second, third);

    for (at, expected) in [
        ("2025-01-10T02:00:00Z", &first),
        ("2025-02-01T02:00:00Z", &second),
        ("2025-03-01T02:00:00Z", &third),
    ] {
        assert_eq!(
            &read(&app, &auditor, &pilot, Some(at)).await,
            expected,
            "as of {at}"
        );
    }
    // The applicant reads its own history too; before the pilot existed there is nothing.
    assert_eq!(
        read(&app, &applicant, &pilot, Some("2025-02-01T02:00:00Z")).await,
        second
    );
    let body = app
        .gql(
            Some(&auditor),
            "query($id:ID!){pilot(id:$id,asOf:\"2020-01-01T00:00:00Z\"){code}}",
            json!({"id": pilot}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));

    let q = "query($id:ID!,$from:DateTime!,$to:DateTime!){pilotDiff(id:$id,from:$from,to:$to){entityType entityId field from to}}";
    let diff = app
        .gql(
            Some(&auditor),
            q,
            json!({"id": pilot, "from": "2025-02-01T02:00:00Z", "to": "2025-03-01T02:00:00Z"}),
        )
        .await;
    let changes = diff["data"]["pilotDiff"]
        .as_array()
        .expect("changes")
        .clone();
    let find = |t: &str, f: &str| {
        changes
            .iter()
            .find(|c| c["entityType"] == t && c["field"] == f)
            .cloned()
    };
    assert_eq!(
        find("FinancingSource", "disbursedAmount").expect("disbursed")["to"],
        "500000.00"
    );
    assert_eq!(
        find("FinancingSource", "status").expect("status")["from"],
        "COMMITTED"
    );
    assert_eq!(
        find("KeyProject", "progressPercent").expect("progress")["to"],
        40
    );
    assert!(
        find("KeyProject", "version").is_none(),
        "bookkeeping fields are left out"
    );
    assert!(
        changes.iter().all(|c| c["entityType"] != "Pilot"),
        "the pilot itself did not change: {changes:?}"
    );
    let created = app
        .gql(
            Some(&auditor),
            q,
            json!({"id": pilot, "from": "2025-01-10T02:00:00Z", "to": "2025-02-01T02:00:00Z"}),
        )
        .await;
    let created = created["data"]["pilotDiff"]
        .as_array()
        .expect("changes")
        .clone();
    assert!(created.iter().any(|c| c["entityType"] == "KeyProject"
        && c["field"] == "name"
        && c["from"].is_null()
        && c["to"] == "地源热泵"));
    // Out of scope stays out of scope in the past too.
    let jinan = token_for("municipal", Some("371400"));
    let body = app
        .gql(
            Some(&jinan),
            "query($id:ID!){pilot(id:$id,asOf:\"2025-02-01T02:00:00Z\"){code}}",
            json!({"id": pilot}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
}

//! Annual reports: a program's report duties are rows; what a designated pilot owes follows
//! from them and from the year it was designated, an unfiled report past its due day shows as
//! overdue on the pilot and in the work queues of the applicant and the bureaus following it.

use crate::helpers::*;
use serde_json::{Value, json};

const OBLIGATIONS: &str =
    "query($id:ID!){pilot(id:$id){reportObligations{kind year dueOn overdue report{year}}}}";

async fn overdue_in_queue(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            "{workQueue{pilot{code} reason reportKind reportYear dueOn actions}}",
            json!({}),
        )
        .await;
    body["data"]["workQueue"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|i| i["reason"] == "REPORT_OVERDUE")
        .cloned()
        .collect()
}

#[actix_web::test]
async fn an_unfiled_disclosure_is_overdue_until_the_applicant_files_it() {
    let app = TestApp::spawn().await;
    app.set_day("2026-11-22");
    let hc = app.program_id("HC").await;
    let duties = app
        .gql(
            Some(&token_for("auditor", Some("450000"))),
            "query($id:ID!){program(id:$id){reportDuties{kind dueMonth dueDay afterTitle}}}",
            json!({"id": hc}),
        )
        .await;
    assert_eq!(
        duties["data"]["program"]["reportDuties"],
        json!([
            {"kind": "PROGRESS_REPORT", "dueMonth": 1, "dueDay": 31, "afterTitle": false},
            {"kind": "EMISSION_DISCLOSURE", "dueMonth": 3, "dueDay": 31, "afterTitle": true},
        ])
    );
    let city = app.pilot_id("HC-2024-CITY-0001").await;
    let applicant = applicant_token(&app.applicant_of("HC-2024-CITY-0001").await);
    let body = app
        .gql(Some(&applicant), OBLIGATIONS, json!({"id": city}))
        .await;
    assert_eq!(
        body["data"]["pilot"]["reportObligations"],
        json!([
            {"kind": "PROGRESS_REPORT", "year": 2025, "dueOn": "2026-01-31", "overdue": false, "report": {"year": 2025}},
            {"kind": "EMISSION_DISCLOSURE", "year": 2025, "dueOn": "2026-03-31", "overdue": true, "report": null},
        ]),
        "designated in 2025, the year construction ended: {body}"
    );
    let missing = json!([{"pilot": {"code": "HC-2024-CITY-0001"}, "reason": "REPORT_OVERDUE",
        "reportKind": "EMISSION_DISCLOSURE", "reportYear": 2025, "dueOn": "2026-03-31", "actions": []}]);
    // The applicant files it; the city's bureaus of the lead departments chase it; another
    // bureau and another county do not see it.
    let hechi_ecology = token_with_dept("municipal", "451200", "ecology_environment");
    assert_eq!(
        Value::from(overdue_in_queue(&app, &applicant).await),
        missing
    );
    assert_eq!(
        Value::from(overdue_in_queue(&app, &hechi_ecology).await),
        missing
    );
    assert!(
        overdue_in_queue(&app, &token_with_dept("municipal", "451200", "commerce"))
            .await
            .is_empty()
    );
    assert!(
        overdue_in_queue(&app, &token_for("county", Some("451203")))
            .await
            .is_empty()
    );

    let file = |year: i32, emissions: Option<&str>| {
        json!({"pilotId": city, "kind": "EMISSION_DISCLOSURE", "year": year,
            "summary": "2025年度碳排放信息披露", "emissionsTco2e": emissions,
            "publishedUrl": "https://www.hechi.gov.cn/disclosure/2025"})
    };
    let refused = |input: Value| {
        let app = &app;
        let applicant = &applicant;
        async move {
            let body = app
                .try_mutate(
                    applicant,
                    "submitAnnualReport",
                    "SubmitAnnualReportInput",
                    input,
                    "annualReport{id}",
                )
                .await;
            error_code(&body).unwrap_or("none").to_owned()
        }
    };
    assert_eq!(
        refused(file(2025, None)).await,
        "BAD_USER_INPUT",
        "a disclosure states its emissions"
    );
    assert_eq!(
        refused(file(2026, Some("41000"))).await,
        "BAD_USER_INPUT",
        "2026 has not ended"
    );
    assert_eq!(
        refused(file(2024, Some("41000"))).await,
        "RULE_VIOLATION",
        "before designation"
    );
    assert_eq!(
        app.refuse(
            &hechi_ecology,
            "submitAnnualReport",
            "SubmitAnnualReportInput",
            file(2025, Some("41000"))
        )
        .await,
        "FORBIDDEN",
        "the applicant files its own reports"
    );
    let out = app
        .mutate(
            &applicant,
            "submitAnnualReport",
            "SubmitAnnualReportInput",
            file(2025, Some("41250.5")),
            "annualReport{kind year emissionsTco2e submittedOn}",
        )
        .await;
    assert_eq!(
        out["annualReport"],
        json!({"kind": "EMISSION_DISCLOSURE", "year": 2025, "emissionsTco2e": "41250.5", "submittedOn": "2026-11-22"})
    );
    assert_eq!(
        refused(file(2025, Some("41000"))).await,
        "RULE_VIOLATION",
        "filed once"
    );
    assert!(overdue_in_queue(&app, &applicant).await.is_empty());
    assert!(overdue_in_queue(&app, &hechi_ecology).await.is_empty());
    let body = app
        .gql(Some(&applicant), OBLIGATIONS, json!({"id": city}))
        .await;
    assert_eq!(
        body["data"]["pilot"]["reportObligations"][1]["overdue"],
        false
    );
    // The filing is in the pilot's audit trail.
    let history = app
        .gql(
            Some(&hechi_ecology),
            "query($id:ID!){pilot(id:$id){history(first:100){edges{node{entityType action}}}}}",
            json!({"id": city}),
        )
        .await;
    let edges = history["data"]["pilot"]["history"]["edges"]
        .as_array()
        .expect("edges");
    assert!(
        edges
            .iter()
            .any(|e| e["node"] == json!({"entityType": "AnnualReport", "action": "CREATE"})),
        "{history}"
    );

    // The campus, titled, keeps disclosing after construction ended; progress reports end
    // with construction. On 1 April 2027 its 2026 disclosure is overdue.
    let campus = app.pilot_id("HC-2024-CAMPUS-0001").await;
    app.set_day("2027-03-31");
    let body = app
        .gql(Some(&hechi_ecology), OBLIGATIONS, json!({"id": campus}))
        .await;
    let last = body["data"]["pilot"]["reportObligations"]
        .as_array()
        .expect("list")
        .last()
        .cloned();
    assert_eq!(
        last,
        Some(
            json!({"kind": "EMISSION_DISCLOSURE", "year": 2026, "dueOn": "2027-03-31", "overdue": false, "report": null})
        ),
        "the due day itself is not late"
    );
    app.set_day("2027-04-01");
    let body = app
        .gql(Some(&hechi_ecology), OBLIGATIONS, json!({"id": campus}))
        .await;
    let list = body["data"]["pilot"]["reportObligations"]
        .as_array()
        .expect("list")
        .clone();
    assert_eq!(list.last().map(|o| o["overdue"].clone()), Some(json!(true)));
    assert!(
        !list
            .iter()
            .any(|o| o["kind"] == "PROGRESS_REPORT" && o["year"] == 2026)
    );
}

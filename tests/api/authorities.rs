//! Each program's chain of authorities, end to end over HTTP: at every step of a pilot's life,
//! `availableActions` offers the step to the authority the program's document names and to
//! nobody else, everybody else is refused it, and then that authority takes it.

use crate::helpers::*;
use crate::lifecycle::{application, new_org, report};
use serde_json::{Value, json};

/// Everybody a pilot of a program meets, by name.
struct Cast(Vec<(&'static str, String)>);

impl Cast {
    fn token(&self, name: &str) -> &str {
        &self
            .0
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name} is not in the cast"))
            .1
    }
}

/// The actions a viewer is offered on the pilot (none when the pilot is out of its scope).
async fn offered(app: &TestApp, token: &str, pilot: &str) -> Vec<String> {
    let body = app
        .gql(
            Some(token),
            "query($id:ID!){pilot(id:$id){availableActions}}",
            json!({"id": pilot}),
        )
        .await;
    body["data"]["pilot"]["availableActions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The table's name of the action a mutation takes (`recordExpertReview` → `RECORD_EXPERT_REVIEW`).
fn action_of(mutation: &str) -> String {
    let name = match mutation {
        "recordReReview" => "reReview",
        m => m.strip_suffix("Pilot").unwrap_or(m),
    };
    let mut out = String::new();
    for c in name.chars() {
        if c.is_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Takes one step by `by`, after checking that nobody else in the cast is offered it or may
/// take it; returns the state it leads to.
async fn only(
    app: &TestApp,
    cast: &Cast,
    pilot: &str,
    by: &str,
    mutation: &str,
    input_type: &str,
    extra: Value,
) -> String {
    let action = action_of(mutation);
    let (_, version) = app.state_of(pilot).await;
    let mut input = json!({"pilotId": pilot, "version": version});
    input
        .as_object_mut()
        .expect("object")
        .extend(extra.as_object().expect("object").clone());
    for (name, token) in &cast.0 {
        let mine = *name == by;
        assert_eq!(
            offered(app, token, pilot).await.contains(&action),
            mine,
            "{action} offered to {name}"
        );
        if !mine {
            let code = app.refuse(token, mutation, input_type, input.clone()).await;
            assert!(
                code == "FORBIDDEN" || code == "NOT_FOUND",
                "{name} taking {mutation}: {code}"
            );
        }
    }
    let out = app
        .mutate(cast.token(by), mutation, input_type, input, "pilot{status}")
        .await;
    out["pilot"]["status"].as_str().expect("status").to_owned()
}

const TRANSITION: &str = "TransitionInput";

fn review() -> Value {
    json!({"result": "PASS", "score": "90", "expertNames": ["王建国", "李晓梅"]})
}

fn acceptance_review() -> Value {
    json!({"result": "PASS", "score": "88", "expertNames": ["赵立新"], "siteVisitOn": "2025-07-10", "siteFindings": "与申报材料一致"})
}

#[actix_web::test]
async fn shandong_county_municipality_and_province_each_take_their_own_steps() {
    let app = TestApp::spawn().await;
    let program = app.program_id("SD").await;
    let org = new_org(
        &app,
        "PARK_MANAGEMENT_COMMITTEE",
        "370303",
        Some("PROVINCIAL"),
        701,
    )
    .await;
    let cast = Cast(vec![
        ("applicant", applicant_token(&org)),
        ("county", token_for("county", Some("370303"))),
        ("other county", token_for("county", Some("370302"))),
        ("municipality", token_for("municipal", Some("370300"))),
        ("province", token_for("provincial", Some("370000"))),
        ("other province", token_for("provincial", Some("450000"))),
        ("nation", token_for("national", None)),
        ("auditor", token_for("auditor", Some("370000"))),
    ]);
    app.set_day("2023-09-01");
    let (pilot, indicators) =
        application(&app, cast.token("applicant"), &program, "PARK", None, 3, 11).await;
    let step = |by, mutation, input_type, extra| {
        only(&app, &cast, &pilot, by, mutation, input_type, extra)
    };
    assert_eq!(
        step("applicant", "submitPilot", TRANSITION, json!({})).await,
        "SUBMITTED"
    );
    assert_eq!(
        step("county", "endorsePilot", TRANSITION, json!({})).await,
        "COUNTY_ENDORSED"
    );
    assert_eq!(
        step("municipality", "recommendPilot", TRANSITION, json!({})).await,
        "RECOMMENDED"
    );
    app.set_day("2023-11-08");
    assert_eq!(
        step(
            "province",
            "recordExpertReview",
            "RecordExpertReviewInput",
            review()
        )
        .await,
        "EXPERT_REVIEWED"
    );
    app.set_day("2023-11-13");
    assert_eq!(
        step(
            "province",
            "startPublicNotice",
            "StartPublicNoticeInput",
            json!({})
        )
        .await,
        "IN_PUBLIC_NOTICE"
    );
    app.set_day("2023-11-20");
    assert_eq!(
        step("province", "designatePilot", TRANSITION, json!({})).await,
        "DESIGNATED"
    );
    app.set_day("2025-07-01");
    report(&app, cast.token("applicant"), &indicators, 10, "2025-06-30").await;
    assert_eq!(
        step(
            "applicant",
            "requestAcceptance",
            "RequestAcceptanceInput",
            json!({"selfAssessment": "自评"})
        )
        .await,
        "ACCEPTANCE_REQUESTED"
    );
    assert_eq!(
        step("municipality", "forwardAcceptance", TRANSITION, json!({})).await,
        "ACCEPTANCE_FORWARDED"
    );
    assert_eq!(
        step(
            "province",
            "recordAcceptanceReview",
            "RecordAcceptanceReviewInput",
            acceptance_review()
        )
        .await,
        "ACCEPTANCE_FORWARDED"
    );
    assert_eq!(
        step(
            "province",
            "decideAcceptance",
            "DecideAcceptanceInput",
            json!({"result": "PASS"})
        )
        .await,
        "TITLED"
    );
    assert_eq!(
        step(
            "province",
            "recordReReview",
            "RecordReReviewInput",
            json!({"outcome": "REVOKED"})
        )
        .await,
        "REVOKED"
    );
}

#[actix_web::test]
async fn hechi_s_county_and_city_bureaus_of_the_lead_department_run_a_campus() {
    let app = TestApp::spawn().await;
    let program = app.program_id("HC").await;
    let org = new_org(&app, "SCHOOL", "451221", None, 702).await;
    let cast = Cast(vec![
        ("applicant", applicant_token(&org)),
        (
            "county education",
            token_with_dept("county", "451221", "education"),
        ),
        (
            "county commerce",
            token_with_dept("county", "451221", "commerce"),
        ),
        (
            "city education",
            token_with_dept("municipal", "451200", "education"),
        ),
        (
            "city commerce",
            token_with_dept("municipal", "451200", "commerce"),
        ),
        ("autonomous region", token_for("provincial", Some("450000"))),
        ("nation", token_for("national", None)),
        ("auditor", token_for("auditor", Some("450000"))),
    ]);
    app.set_day("2024-03-01");
    let (pilot, indicators) = application(
        &app,
        cast.token("applicant"),
        &program,
        "CAMPUS",
        None,
        2,
        6,
    )
    .await;
    let step = |by, mutation, input_type, extra| {
        only(&app, &cast, &pilot, by, mutation, input_type, extra)
    };
    assert_eq!(
        step("applicant", "submitPilot", TRANSITION, json!({})).await,
        "SUBMITTED"
    );
    // No preliminary review: the county's lead bureau reports straight to the city's.
    assert_eq!(
        step("county education", "recommendPilot", TRANSITION, json!({})).await,
        "RECOMMENDED"
    );
    app.set_day("2024-07-01");
    assert_eq!(
        step(
            "city education",
            "recordExpertReview",
            "RecordExpertReviewInput",
            review()
        )
        .await,
        "EXPERT_REVIEWED"
    );
    assert_eq!(
        step(
            "city education",
            "startPublicNotice",
            "StartPublicNoticeInput",
            json!({})
        )
        .await,
        "IN_PUBLIC_NOTICE"
    );
    app.set_day("2024-07-08");
    assert_eq!(
        step("city education", "designatePilot", TRANSITION, json!({})).await,
        "DESIGNATED"
    );
    app.set_day("2025-10-30");
    report(&app, cast.token("applicant"), &indicators, 5, "2025-09-30").await;
    assert_eq!(
        step(
            "applicant",
            "requestAcceptance",
            "RequestAcceptanceInput",
            json!({"selfAssessment": "自评"})
        )
        .await,
        "ACCEPTANCE_REQUESTED"
    );
    assert_eq!(
        step(
            "county education",
            "forwardAcceptance",
            TRANSITION,
            json!({})
        )
        .await,
        "ACCEPTANCE_FORWARDED"
    );
    assert_eq!(
        step(
            "city education",
            "recordAcceptanceReview",
            "RecordAcceptanceReviewInput",
            acceptance_review()
        )
        .await,
        "ACCEPTANCE_FORWARDED"
    );
    assert_eq!(
        step(
            "city education",
            "decideAcceptance",
            "DecideAcceptanceInput",
            json!({"result": "PASS"})
        )
        .await,
        "TITLED"
    );
    app.set_day("2026-11-20");
    assert_eq!(
        step(
            "city education",
            "recordReReview",
            "RecordReReviewInput",
            json!({"outcome": "MAINTAINED"})
        )
        .await,
        "TITLED"
    );
}

#[actix_web::test]
async fn the_ndrc_s_pilots_are_proposed_by_the_province_and_confirmed_by_the_nation() {
    let app = TestApp::spawn().await;
    let program = app.program_id("NDRC").await;
    let org = new_org(&app, "CITY_GOVERNMENT", "370300", None, 703).await;
    let cast = Cast(vec![
        ("applicant", applicant_token(&org)),
        ("municipality", token_for("municipal", Some("370300"))),
        ("province", token_for("provincial", Some("370000"))),
        ("other province", token_for("provincial", Some("450000"))),
        ("nation", token_for("national", None)),
        ("auditor", token_for("auditor", Some("370000"))),
    ]);
    app.set_day("2023-11-01");
    let (pilot, _) = application(&app, cast.token("applicant"), &program, "CITY", None, 1, 1).await;
    let step = |by, mutation, input_type, extra| {
        only(&app, &cast, &pilot, by, mutation, input_type, extra)
    };
    assert_eq!(
        step("applicant", "submitPilot", TRANSITION, json!({})).await,
        "SUBMITTED"
    );
    assert_eq!(
        step("province", "recommendPilot", TRANSITION, json!({})).await,
        "RECOMMENDED"
    );
    app.set_day("2023-12-01");
    assert_eq!(
        step("nation", "designatePilot", TRANSITION, json!({})).await,
        "DESIGNATED"
    );
    // No acceptance and no title: nobody is offered anything that moves the pilot on.
    for (name, token) in &cast.0 {
        let offered = offered(&app, token, &pilot).await;
        assert!(
            offered
                .iter()
                .all(|a| a == "WITHDRAW" || a == "REJECT" || a == "RETURN")
                && !offered.contains(&"REQUEST_ACCEPTANCE".to_owned()),
            "{name}: {offered:?}"
        );
    }
}

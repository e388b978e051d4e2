//! The policy's rules, each refused with its code, on its exact boundary, and with nothing
//! changed afterwards.

use crate::helpers::*;
use crate::lifecycle::{application, new_org};
use serde_json::json;

fn draft(program: &str, pilot_type: &str, region: Option<&str>) -> serde_json::Value {
    json!({
        "programId": program, "type": pilot_type, "regionCode": region, "name": "试点", "boundary": "边界",
        "areaKm2": "1.5", "population": 100, "baselineYear": 2020, "baselineEmissions": "1000",
        "eligibility": {"hasUnmetCarbonMarketObligations": false, "hasFalsifiedEmissionData": false, "hasSeriousPollutionCase": false}
    })
}

async fn pilot_count(app: &TestApp) -> i64 {
    let body = app
        .gql(
            Some(&token_for("auditor", Some("370000"))),
            "{pilots{totalCount}}",
            json!({}),
        )
        .await;
    body["data"]["pilots"]["totalCount"]
        .as_i64()
        .expect("count")
}

#[actix_web::test]
async fn each_admission_rule_is_refused_with_its_code() {
    let app = TestApp::spawn().await;
    app.set_day("2023-09-01");
    let sd = app.program_id("SD").await;
    let ndrc = app.program_id("NDRC").await;
    let before = pilot_count(&app).await;
    let cases = [
        (
            "a type the program does not admit",
            "COUNTY_GOVERNMENT",
            "370303",
            None,
            &ndrc,
            "COMMUNITY",
        ),
        (
            "the wrong region level (NDRC cities are municipalities)",
            "COUNTY_GOVERNMENT",
            "370303",
            None,
            &ndrc,
            "CITY",
        ),
        (
            "the wrong organisation kind",
            "RESIDENTS_COMMITTEE",
            "370303",
            None,
            &sd,
            "PARK",
        ),
        (
            "a park below the minimum level",
            "PARK_MANAGEMENT_COMMITTEE",
            "370303",
            Some("MUNICIPAL"),
            &sd,
            "PARK",
        ),
    ];
    for (i, (why, kind, region, park, program, pilot_type)) in cases.into_iter().enumerate() {
        let org = new_org(&app, kind, region, park, 600 + i as u32).await;
        let code = app
            .refuse(
                &applicant_token(&org),
                "createPilot",
                "CreatePilotInput",
                draft(program, pilot_type, None),
            )
            .await;
        assert_eq!(code, "RULE_VIOLATION", "{why}");
    }
    // Applying for another county than one's own.
    let org = new_org(&app, "COUNTY_GOVERNMENT", "370303", None, 610).await;
    let code = app
        .refuse(
            &applicant_token(&org),
            "createPilot",
            "CreatePilotInput",
            draft(&sd, "CITY", Some("371482")),
        )
        .await;
    assert_eq!(code, "RULE_VIOLATION");
    // Officials do not apply.
    let code = app
        .refuse(
            &token_for("municipal", Some("370300")),
            "createPilot",
            "CreatePilotInput",
            draft(&sd, "CITY", None),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(pilot_count(&app).await, before, "nothing was created");
}

#[actix_web::test]
async fn only_the_lead_department_reviews_a_led_type() {
    let app = TestApp::spawn().await;
    let park = app.pilot_id("HC-2024-PARK-0001").await;
    let commercial = app.pilot_id("HC-2024-COMMERCIAL-0001").await;
    let eco_county = token_with_dept("county", "451202", "ecology_environment");
    assert_eq!(
        app.as_(&eco_county)
            .refused("recommendPilot", &commercial)
            .await,
        "FORBIDDEN"
    );
    let industry = token_with_dept("county", "451202", "industry");
    assert_eq!(
        app.as_(&industry)
            .refused("recommendPilot", &commercial)
            .await,
        "NOT_FOUND",
        "the industry bureau cannot even see a commercial venue"
    );
    let commerce = token_with_dept("county", "451202", "commerce");
    assert_eq!(
        app.as_(&commerce).recommend(&commercial).await,
        "RECOMMENDED"
    );
    // The park in public notice: the city's industry bureau is its issuing authority; the
    // city's education bureau and the autonomous region are not.
    let (status, _) = app.state_of(&park).await;
    assert_eq!(status, "IN_PUBLIC_NOTICE");
    let q = "query($id:ID!){pilot(id:$id){availableActions}}";
    for (token, want) in [
        (
            token_with_dept("municipal", "451200", "industry"),
            json!([
                "REJECT",
                "RECORD_OBJECTION",
                "RESOLVE_OBJECTION",
                "DESIGNATE"
            ]),
        ),
        (
            token_with_dept("municipal", "451200", "education"),
            json!(null),
        ),
        (token_for("provincial", Some("450000")), json!([])),
    ] {
        let body = app.gql(Some(&token), q, json!({"id": park})).await;
        assert_eq!(body["data"]["pilot"]["availableActions"], want, "{body}");
    }
}

#[actix_web::test]
async fn submission_needs_the_window_the_plans_and_a_clean_declaration() {
    let app = TestApp::spawn().await;
    let sd = app.program_id("SD").await;
    let org = new_org(
        &app,
        "PARK_MANAGEMENT_COMMITTEE",
        "370303",
        Some("NATIONAL"),
        620,
    )
    .await;
    let applicant = applicant_token(&org);
    app.set_day("2023-09-01");
    // No plans yet.
    let out = app
        .mutate(
            &applicant,
            "createPilot",
            "CreatePilotInput",
            draft(&sd, "PARK", None),
            "pilot{id}",
        )
        .await;
    let bare = out["pilot"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.as_(&applicant).refused("submitPilot", &bare).await,
        "RULE_VIOLATION"
    );
    // A disqualifying declaration.
    let (pilot, _) = application(&app, &applicant, &sd, "PARK", None, 1, 1).await;
    let (_, version) = app.state_of(&pilot).await;
    app.mutate(&applicant, "updatePilot", "UpdatePilotInput", json!({"id": pilot, "version": version, "eligibility": {"hasUnmetCarbonMarketObligations": true, "hasFalsifiedEmissionData": false, "hasSeriousPollutionCase": false}}), "pilot{version}").await;
    assert_eq!(
        app.as_(&applicant).refused("submitPilot", &pilot).await,
        "RULE_VIOLATION"
    );
    let (_, version) = app.state_of(&pilot).await;
    app.mutate(&applicant, "updatePilot", "UpdatePilotInput", json!({"id": pilot, "version": version, "eligibility": {"hasUnmetCarbonMarketObligations": false, "hasFalsifiedEmissionData": false, "hasSeriousPollutionCase": false}}), "pilot{version}").await;
    // The day after the window closes (00:00 China time, 1 November).
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2023-10-31T16:00:00Z")
            .expect("t")
            .to_utc(),
    );
    assert_eq!(
        app.as_(&applicant).refused("submitPilot", &pilot).await,
        "RULE_VIOLATION"
    );
    assert_eq!(app.state_of(&pilot).await.0, "DRAFT");
    // The last minute of the last day.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2023-10-31T15:59:00Z")
            .expect("t")
            .to_utc(),
    );
    assert_eq!(app.as_(&applicant).submit(&pilot).await, "SUBMITTED");
    // The application no longer changes while under review.
    let (_, version) = app.state_of(&pilot).await;
    let code = app
        .refuse(
            &applicant,
            "updatePilot",
            "UpdatePilotInput",
            json!({"id": pilot, "version": version, "name": "改名"}),
        )
        .await;
    assert_eq!(code, "INVALID_TRANSITION");
}

/// Three Dezhou communities endorsed and waiting; Dezhou has 2 of its 3 community places used.
pub(crate) async fn endorsed_communities(app: &TestApp, n: usize) -> Vec<String> {
    let sd = app.program_id("SD").await;
    app.set_day("2023-09-01");
    let mut out = Vec::new();
    for i in 0..n {
        let org = new_org(app, "VILLAGERS_COMMITTEE", "371424", None, 700 + i as u32).await;
        let applicant = applicant_token(&org);
        let (pilot, _) = application(app, &applicant, &sd, "COMMUNITY", None, 1, 1).await;
        app.as_(&applicant).submit(&pilot).await;
        step(
            app,
            &token_for("county", Some("371424")),
            "endorsePilot",
            "TransitionInput",
            &pilot,
            json!({}),
        )
        .await;
        out.push(pilot);
    }
    out
}

#[actix_web::test]
async fn the_last_quota_place_goes_and_the_next_recommendation_is_refused() {
    let app = TestApp::spawn().await;
    let municipal = token_for("municipal", Some("371400"));
    // Dezhou's two park places are taken.
    let park = app.pilot_id("SD-2023-PARK-0004").await;
    let before = app.state_of(&park).await;
    assert_eq!(
        app.as_(&municipal).refused("recommendPilot", &park).await,
        "QUOTA_EXCEEDED"
    );
    assert_eq!(app.state_of(&park).await, before);
    let pilots = endorsed_communities(&app, 2).await;
    assert_eq!(
        app.as_(&municipal).recommend(&pilots[0]).await,
        "RECOMMENDED",
        "the third and last place"
    );
    assert_eq!(
        app.as_(&municipal)
            .refused("recommendPilot", &pilots[1])
            .await,
        "QUOTA_EXCEEDED"
    );
    // A returned recommendation frees its place.
    step(
        &app,
        &municipal,
        "returnPilot",
        "TransitionInput",
        &pilots[0],
        json!({"comment": "请补充材料"}),
    )
    .await;
    assert_eq!(
        app.as_(&municipal).recommend(&pilots[1]).await,
        "RECOMMENDED"
    );
}

/// Recommends every pilot at once, spreading the requests over `apps` (replicas of one
/// database); asserts that exactly one wins and the others are `QUOTA_EXCEEDED`.
pub(crate) async fn race_for_the_last_place(apps: &[&TestApp], pilots: &[String]) {
    let municipal = token_for("municipal", Some("371400"));
    let mut requests = Vec::new();
    for (i, p) in pilots.iter().enumerate() {
        let (_, version) = apps[0].state_of(p).await;
        requests.push(apps[i % apps.len()].try_mutate(
            &municipal,
            "recommendPilot",
            "TransitionInput",
            json!({"pilotId": p, "version": version}),
            "pilot{status}",
        ));
    }
    let results = futures_util::future::join_all(requests).await;
    let won = results.iter().filter(|b| b["errors"].is_null()).count();
    let refused: Vec<Option<&str>> = results
        .iter()
        .filter(|b| !b["errors"].is_null())
        .map(error_code)
        .collect();
    assert_eq!(won, 1, "one place was left: {results:?}");
    assert!(
        refused.iter().all(|c| *c == Some("QUOTA_EXCEEDED")),
        "{refused:?}"
    );
}

#[actix_web::test]
async fn two_recommendations_racing_for_the_last_place_cannot_both_win() {
    let app = TestApp::spawn().await;
    let pilots = endorsed_communities(&app, 4).await;
    race_for_the_last_place(&[&app], &pilots).await;
    let municipal = token_for("municipal", Some("371400"));
    let body = app
        .gql(Some(&municipal), r#"{pilots(filter:{type:COMMUNITY,status:[RECOMMENDED,DESIGNATED,ACCEPTANCE_REQUESTED]}){totalCount}}"#, json!({}))
        .await;
    assert_eq!(body["data"]["pilots"]["totalCount"], 3, "the quota holds");
}

#[actix_web::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-PARK-0005").await;
    let (status, version) = app.state_of(&pilot).await;
    assert_eq!(status, "SUBMITTED");
    let county = token_for("county", Some("371481"));
    let code = app
        .refuse(
            &county,
            "endorsePilot",
            "TransitionInput",
            json!({"pilotId": pilot, "version": version - 1}),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(app.state_of(&pilot).await, (status, version));
    let out = app
        .mutate(
            &county,
            "endorsePilot",
            "TransitionInput",
            json!({"pilotId": pilot, "version": version}),
            "pilot{status version}",
        )
        .await;
    assert_eq!(
        out["pilot"],
        json!({"status": "COUNTY_ENDORSED", "version": version + 1})
    );
}

#[actix_web::test]
async fn wrong_roles_and_states_are_refused_with_their_codes() {
    let app = TestApp::spawn().await;
    let submitted = app.pilot_id("SD-2023-PARK-0005").await;
    let titled = app.pilot_id("SD-2023-PARK-0001").await;
    let jinan = app.pilot_id("SD-2023-CITY-0002").await;
    let auditor = token_for("auditor", Some("370000"));
    assert_eq!(
        app.as_(&auditor).refused("endorsePilot", &submitted).await,
        "FORBIDDEN"
    );
    let provincial = token_for("provincial", Some("370000"));
    assert_eq!(
        app.as_(&provincial)
            .refused("designatePilot", &titled)
            .await,
        "INVALID_TRANSITION"
    );
    let dezhou = token_for("municipal", Some("371400"));
    assert_eq!(
        app.as_(&dezhou).refused("rejectPilot", &jinan).await,
        "NOT_FOUND"
    );
    let county = token_for("county", Some("371482"));
    let city = app.pilot_id("SD-2023-CITY-0001").await;
    assert_eq!(
        app.as_(&county).refused("withdrawPilot", &city).await,
        "FORBIDDEN"
    );
}

#[actix_web::test]
async fn bad_input_names_the_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let designated = app.pilot_id("SD-2023-CITY-0002").await;
    let org = app.applicant_of("SD-2023-CITY-0002").await;
    let applicant = applicant_token(&org);
    let cases = [
        (
            json!({"pilotId": designated, "kind": "GREEN_CREDIT", "provider": "银行", "committedAmount": "-1"}),
            "input.committedAmount",
        ),
        (
            json!({"pilotId": designated, "kind": "GREEN_CREDIT", "provider": "银行", "committedAmount": "1.001"}),
            "input.committedAmount",
        ),
        (
            json!({"pilotId": designated, "kind": "GREEN_CREDIT", "provider": "银行", "committedAmount": "100", "disbursedAmount": "100.01", "status": "DISBURSED"}),
            "input.disbursedAmount",
        ),
        (
            json!({"pilotId": designated, "kind": "GREEN_CREDIT", "provider": "", "committedAmount": "100"}),
            "input.provider",
        ),
    ];
    let q = "query($id:ID!){pilot(id:$id){financingSources{id} financingTotals{committedAmount}}}";
    let before = app
        .gql(Some(&applicant), q, json!({"id": designated}))
        .await;
    for (input, field) in cases {
        let body = app
            .try_mutate(
                &applicant,
                "createFinancingSource",
                "CreateFinancingSourceInput",
                input,
                "__typename",
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
    assert_eq!(
        app.gql(Some(&applicant), q, json!({"id": designated}))
            .await,
        before
    );

    // Money is exact and totals add up to the fen.
    let created = app
        .mutate(&applicant, "createFinancingSource", "CreateFinancingSourceInput", json!({"pilotId": designated, "kind": "GREEN_BOND", "provider": "绿色债券", "committedAmount": "12345678901.23", "status": "COMMITTED", "referenceNumber": "GB-2024-001"}), "financingSource{id version committedAmount status}")
        .await;
    assert_eq!(
        created["financingSource"]["committedAmount"],
        "12345678901.23"
    );
    let src = created["financingSource"].clone();
    let code = app
        .refuse(
            &applicant,
            "updateFinancingSource",
            "UpdateFinancingSourceInput",
            json!({"id": src["id"], "version": src["version"], "status": "PLANNED"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "status moves only forward");
    let updated = app
        .mutate(&applicant, "updateFinancingSource", "UpdateFinancingSourceInput", json!({"id": src["id"], "version": src["version"], "status": "DISBURSED", "disbursedAmount": "0.01"}), "financingSource{disbursedAmount status version}")
        .await;
    assert_eq!(
        updated["financingSource"],
        json!({"disbursedAmount": "0.01", "status": "DISBURSED", "version": 2})
    );
    let code = app
        .refuse(
            &applicant,
            "updateFinancingSource",
            "UpdateFinancingSourceInput",
            json!({"id": src["id"], "version": 1, "provider": "x"}),
        )
        .await;
    assert_eq!(code, "CONFLICT");

    let provincial = token_for("provincial", Some("370000"));
    let bad_credit = app
        .try_mutate(&provincial, "createOrganization", "CreateOrganizationInput", json!({"name": "x", "kind": "SCHOOL", "creditCode": "91350100M000100Y44", "regionCode": "370303"}), "__typename")
        .await;
    assert_eq!(
        bad_credit["errors"][0]["extensions"]["field"], "input.creditCode",
        "{bad_credit}"
    );
    let program = json!({
        "name": "测试计划", "authority": "山东省生态环境厅", "documentNumber": "鲁环发〔2026〕1号", "regionCode": "370000", "codePrefix": "SDT",
        "applicationOpensOn": "2026-12-31", "applicationClosesOn": "2026-01-01", "constructionStartsOn": "2027-01-01", "constructionEndsOn": "2028-12-31",
        "typeRules": [{"pilotType": "PARK", "regionLevel": "COUNTY", "applicantKinds": ["PARK_MANAGEMENT_COMMITTEE"], "referenceRatio": "0.7", "referenceMinCount": 8, "title": "t"}]
    });
    let body = app
        .try_mutate(
            &provincial,
            "createProgram",
            "CreateProgramInput",
            program.clone(),
            "__typename",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.applicationClosesOn",
        "{body}"
    );
    let mut ratio = program.clone();
    ratio["applicationOpensOn"] = json!("2026-01-01");
    ratio["applicationClosesOn"] = json!("2026-12-31");
    ratio["typeRules"][0]["referenceRatio"] = json!("1.5");
    let body = app
        .try_mutate(
            &provincial,
            "createProgram",
            "CreateProgramInput",
            ratio.clone(),
            "__typename",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.typeRules.0.referenceRatio",
        "{body}"
    );
    ratio["typeRules"][0]["referenceRatio"] = json!("0.7");
    ratio["typeRules"][0]["quota"] = json!(-1);
    let body = app
        .try_mutate(
            &provincial,
            "createProgram",
            "CreateProgramInput",
            ratio.clone(),
            "__typename",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.typeRules.0.quota",
        "{body}"
    );
    ratio["typeRules"][0]["quota"] = json!(2);
    // Pilot codes start with the prefix: one already in use is refused before anything is
    // written (the demo's Shandong program uses SD).
    let mut taken = ratio.clone();
    taken["codePrefix"] = json!("SD");
    let body = app
        .try_mutate(
            &provincial,
            "createProgram",
            "CreateProgramInput",
            taken,
            "__typename",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.codePrefix",
        "{body}"
    );
    let created = app
        .mutate(
            &provincial,
            "createProgram",
            "CreateProgramInput",
            ratio,
            "program{id level pilotTypes version}",
        )
        .await;
    assert_eq!(created["program"]["level"], "PROVINCIAL");
    assert_eq!(created["program"]["pilotTypes"], json!(["PARK"]));
    let municipal = token_for("municipal", Some("371400"));
    let code = app
        .refuse(
            &municipal,
            "updateProgram",
            "UpdateProgramInput",
            json!({"id": created["program"]["id"], "version": 1, "name": "x"}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
}

async fn objections(app: &TestApp, province: &str, pilot: &str) -> Vec<(String, String)> {
    let t = token_for("auditor", Some(province));
    let body = app
        .gql(
            Some(&t),
            "query($id:ID!){pilot(id:$id){objections{id status}}}",
            json!({"id": pilot}),
        )
        .await;
    body["data"]["pilot"]["objections"]
        .as_array()
        .unwrap_or_else(|| panic!("objections: {body}"))
        .iter()
        .map(|o| {
            (
                o["id"].as_str().expect("id").to_owned(),
                o["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

/// Dismisses whatever objections the demo left open on a pilot.
async fn settle_open_objections(app: &TestApp, authority: &str, province: &str, pilot: &str) {
    for (id, status) in objections(app, province, pilot).await {
        if status == "OPEN" {
            let input = json!({"objectionId": id, "upheld": false, "resolution": "不成立"});
            step(
                app,
                authority,
                "resolveObjection",
                "ResolveObjectionInput",
                pilot,
                input,
            )
            .await;
        }
    }
}

#[actix_web::test]
async fn open_and_upheld_objections_bar_designation_and_dismissed_ones_do_not() {
    let app = TestApp::spawn().await;
    let provincial = token_for("provincial", Some("370000"));
    let pilot = app.pilot_id("SD-2023-PARK-0003").await;
    // Settle whatever the demo left open.
    settle_open_objections(&app, &provincial, "370000", &pilot).await;
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
    assert_eq!(
        app.as_(&provincial).refused("designatePilot", &pilot).await,
        "RULE_VIOLATION",
        "an open objection"
    );
    let (open, _) = objections(&app, "370000", &pilot)
        .await
        .into_iter()
        .find(|(_, s)| s == "OPEN")
        .expect("open objection");
    step(
        &app,
        &provincial,
        "resolveObjection",
        "ResolveObjectionInput",
        &pilot,
        json!({"objectionId": open, "upheld": false, "resolution": "经核实边界无误"}),
    )
    .await;
    let code = refused_step(
        &app,
        &provincial,
        "resolveObjection",
        "ResolveObjectionInput",
        &pilot,
        json!({"objectionId": open, "upheld": true, "resolution": "再议"}),
    )
    .await;
    assert_eq!(code, "INVALID_TRANSITION", "an objection is resolved once");
    assert_eq!(app.as_(&provincial).designate(&pilot).await, "DESIGNATED");

    // Hechi's park: its notice is run by the city's industry bureau.
    let hechi_industry = token_with_dept("municipal", "451200", "industry");
    let park = app.pilot_id("HC-2024-PARK-0001").await;
    settle_open_objections(&app, &hechi_industry, "450000", &park).await;
    let (first_day, _) = app.notice_of("450000", &park).await;
    step(
        &app,
        &hechi_industry,
        "recordObjection",
        "RecordObjectionInput",
        &park,
        json!({"objector": "企业", "content": "排放数据存疑", "receivedOn": first_day}),
    )
    .await;
    let (open, _) = objections(&app, "450000", &park)
        .await
        .into_iter()
        .find(|(_, s)| s == "OPEN")
        .expect("open objection");
    step(
        &app,
        &hechi_industry,
        "resolveObjection",
        "ResolveObjectionInput",
        &park,
        json!({"objectionId": open, "upheld": true, "resolution": "异议成立"}),
    )
    .await;
    assert_eq!(
        app.as_(&hechi_industry)
            .refused("designatePilot", &park)
            .await,
        "RULE_VIOLATION",
        "an upheld objection"
    );
    // The applicant may still withdraw before designation.
    let org = app.applicant_of("HC-2024-PARK-0001").await;
    assert_eq!(
        step(
            &app,
            &applicant_token(&org),
            "withdrawPilot",
            "TransitionInput",
            &park,
            json!({"comment": "撤回"})
        )
        .await,
        "WITHDRAWN"
    );
}

#[actix_web::test]
async fn a_published_plan_supersedes_the_previous_version_which_stays_readable() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-CITY-0002").await;
    let applicant = applicant_token(&app.applicant_of("SD-2023-CITY-0002").await);
    let draft = app
        .mutate(&applicant, "createPlan", "CreatePlanInput", json!({"pilotId": pilot, "kind": "CREATION_PLAN", "title": "第三版", "periodStartYear": 2024, "periodEndYear": 2025}), "plan{id version planVersion status}")
        .await;
    assert_eq!(draft["plan"]["planVersion"], 3);
    assert_eq!(draft["plan"]["status"], "DRAFT");
    let stale = app
        .refuse(
            &applicant,
            "publishPlan",
            "PublishPlanInput",
            json!({"id": draft["plan"]["id"], "version": 7}),
        )
        .await;
    assert_eq!(stale, "CONFLICT");
    app.mutate(
        &applicant,
        "publishPlan",
        "PublishPlanInput",
        json!({"id": draft["plan"]["id"], "version": draft["plan"]["version"]}),
        "plan{status}",
    )
    .await;
    let q = r#"query($id:ID!){pilot(id:$id){plans(kind:CREATION_PLAN){planVersion status}}}"#;
    let plans =
        app.gql(Some(&applicant), q, json!({"id": pilot})).await["data"]["pilot"]["plans"].clone();
    assert_eq!(
        plans,
        json!([{"planVersion": 1, "status": "SUPERSEDED"}, {"planVersion": 2, "status": "SUPERSEDED"}, {"planVersion": 3, "status": "PUBLISHED"}])
    );
    let again = app
        .refuse(
            &applicant,
            "publishPlan",
            "PublishPlanInput",
            json!({"id": draft["plan"]["id"], "version": 2}),
        )
        .await;
    assert_eq!(
        again, "INVALID_TRANSITION",
        "a published version is published once"
    );
}

#[actix_web::test]
async fn key_projects_keep_their_figures_consistent() {
    let app = TestApp::spawn().await;
    let pilot = app.pilot_id("SD-2023-CITY-0002").await;
    let applicant = applicant_token(&app.applicant_of("SD-2023-CITY-0002").await);
    let created = app
        .mutate(&applicant, "createKeyProject", "CreateKeyProjectInput", json!({"pilotId": pilot, "name": "光伏项目", "field": "ENERGY_INFRASTRUCTURE", "plannedInvestment": "8800000.00", "expectedAnnualReduction": "5200.5"}), "keyProject{id version status plannedInvestment}")
        .await;
    let p = created["keyProject"].clone();
    assert_eq!(p["plannedInvestment"], "8800000.00");
    for (input, field) in [
        (json!({"progressPercent": 101}), "input.progressPercent"),
        (
            json!({"status": "COMPLETED", "progressPercent": 50}),
            "input.status",
        ),
        (
            json!({"plannedInvestment": "-5"}),
            "input.plannedInvestment",
        ),
        (
            json!({"startsOn": "2025-01-01", "endsOn": "2024-01-01"}),
            "input.endsOn",
        ),
    ] {
        let mut input = input;
        input["id"] = p["id"].clone();
        input["version"] = p["version"].clone();
        let body = app
            .try_mutate(
                &applicant,
                "updateKeyProject",
                "UpdateKeyProjectInput",
                input,
                "__typename",
            )
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let moved = app
        .mutate(&applicant, "updateKeyProject", "UpdateKeyProjectInput", json!({"id": p["id"], "version": p["version"], "status": "IN_PROGRESS", "progressPercent": 40}), "keyProject{status progressPercent version}")
        .await;
    assert_eq!(
        moved["keyProject"],
        json!({"status": "IN_PROGRESS", "progressPercent": 40, "version": 2})
    );
    // Another organisation's applicant cannot touch it.
    let other = applicant_token(&app.applicant_of("SD-2023-PARK-0001").await);
    let code = app
        .refuse(
            &other,
            "updateKeyProject",
            "UpdateKeyProjectInput",
            json!({"id": p["id"], "version": 2, "progressPercent": 50}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}

#[actix_web::test]
async fn objections_count_only_when_received_during_the_notice() {
    let app = TestApp::spawn().await;
    let provincial = token_for("provincial", Some("370000"));
    let pilot = app.pilot_id("SD-2023-PARK-0003").await;
    settle_open_objections(&app, &provincial, "370000", &pilot).await;
    let (first, last) = app.notice_of("370000", &pilot).await;
    let day = |d: &str, shift: i64| {
        (chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date")
            + chrono::TimeDelta::days(shift))
        .format("%Y-%m-%d")
        .to_string()
    };
    let record = |received: String| {
        refused_step(
            &app,
            &provincial,
            "recordObjection",
            "RecordObjectionInput",
            &pilot,
            json!({"objector": "市民", "content": "异议", "receivedOn": received}),
        )
    };
    assert_eq!(
        record(day(&first, -1)).await,
        "RULE_VIOLATION",
        "the day before the notice"
    );
    assert_eq!(
        record(day(&last, 1)).await,
        "RULE_VIOLATION",
        "the day after the notice"
    );
    // Recorded today (after the notice ended) without a date: received today, outside it.
    let code = refused_step(
        &app,
        &provincial,
        "recordObjection",
        "RecordObjectionInput",
        &pilot,
        json!({"objector": "市民", "content": "迟到的异议"}),
    )
    .await;
    assert_eq!(code, "RULE_VIOLATION");
    // Nothing was recorded, so the pilot can be designated.
    assert!(
        objections(&app, "370000", &pilot)
            .await
            .iter()
            .all(|(_, s)| s != "OPEN")
    );
    // The first and the last day of the notice count.
    for received in [first.clone(), last.clone()] {
        step(
            &app,
            &provincial,
            "recordObjection",
            "RecordObjectionInput",
            &pilot,
            json!({"objector": "市民", "content": "异议", "receivedOn": received}),
        )
        .await;
    }
    assert_eq!(
        app.as_(&provincial).refused("designatePilot", &pilot).await,
        "RULE_VIOLATION"
    );
}

#[actix_web::test]
async fn acceptance_is_requested_only_within_the_programs_acceptance_period() {
    // Shandong's construction ends 2025-12-31; the grace is program data (0 in the demo).
    for (grace, day, allowed) in [
        (0, "2025-12-31", true),
        (0, "2026-01-01", false),
        (10, "2026-01-10", true),
        (10, "2026-01-11", false),
    ] {
        let app = TestApp::spawn().await;
        if grace > 0 {
            let provincial = token_for("provincial", Some("370000"));
            let program = app.program_id("SD").await;
            app.mutate(
                &provincial,
                "updateProgram",
                "UpdateProgramInput",
                json!({"id": program, "version": 1, "acceptanceGraceDays": grace}),
                "program{acceptanceGraceDays}",
            )
            .await;
        }
        app.set_day(day);
        let pilot = app.pilot_id("SD-2023-COMMUNITY-0001").await;
        let applicant = applicant_token(&app.applicant_of("SD-2023-COMMUNITY-0001").await);
        let input = json!({"selfAssessment": "自评估报告"});
        if allowed {
            let status = step(
                &app,
                &applicant,
                "requestAcceptance",
                "RequestAcceptanceInput",
                &pilot,
                input,
            )
            .await;
            assert_eq!(status, "ACCEPTANCE_REQUESTED", "grace {grace}, {day}");
        } else {
            let code = refused_step(
                &app,
                &applicant,
                "requestAcceptance",
                "RequestAcceptanceInput",
                &pilot,
                input,
            )
            .await;
            assert_eq!(code, "RULE_VIOLATION", "grace {grace}, {day}");
        }
    }
}

#[actix_web::test]
async fn a_pass_needs_every_acceptance_step_the_program_names() {
    let app = TestApp::spawn().await;
    let provincial = token_for("provincial", Some("370000"));
    // Forwarded for acceptance; its indicators meet the rule (9 of 10 references).
    let pilot = app.pilot_id("SD-2023-PARK-0002").await;
    let program = app.program_id("SD").await;
    let steps = app
        .gql(
            Some(&provincial),
            "query($id:ID!){program(id:$id){typeRules{pilotType acceptanceSteps}}}",
            json!({"id": program}),
        )
        .await;
    assert!(
        steps["data"]["program"]["typeRules"]
            .as_array()
            .expect("rules")
            .iter()
            .all(|r| r["acceptanceSteps"] == json!(["DATA_REVIEW_PASSED", "SITE_VISIT_RECORDED"])),
        "{steps}"
    );
    let review = |result: &str, site: bool| {
        let mut input =
            json!({"result": result, "score": "80", "comments": "意见", "expertNames": ["专家甲"]});
        if site {
            input["siteVisitOn"] = json!("2025-07-10");
            input["siteFindings"] = json!("现场与材料一致");
        }
        input
    };
    let decide = || {
        refused_step(
            &app,
            &provincial,
            "decideAcceptance",
            "DecideAcceptanceInput",
            &pilot,
            json!({"result": "PASS"}),
        )
    };
    // The data review said FAIL; passed without an on-site verification; both steps done.
    for (result, site, refused) in [
        ("FAIL", true, true),
        ("PASS", false, true),
        ("PASS", true, false),
    ] {
        step(
            &app,
            &provincial,
            "recordAcceptanceReview",
            "RecordAcceptanceReviewInput",
            &pilot,
            review(result, site),
        )
        .await;
        if refused {
            assert_eq!(
                decide().await,
                "RULE_VIOLATION",
                "{result}, site visit {site}"
            );
        }
    }
    let status = step(
        &app,
        &provincial,
        "decideAcceptance",
        "DecideAcceptanceInput",
        &pilot,
        json!({"result": "PASS"}),
    )
    .await;
    assert_eq!(status, "TITLED");
}

#[actix_web::test]
async fn a_parks_level_is_its_organisations_recorded_level_not_a_declaration() {
    let app = TestApp::spawn().await;
    let sd = app.program_id("SD").await;
    app.set_day("2023-09-01");
    let before = pilot_count(&app).await;
    // A committee recorded as municipal-level declares its park provincial.
    let municipal_level = new_org(
        &app,
        "PARK_MANAGEMENT_COMMITTEE",
        "370303",
        Some("MUNICIPAL"),
        620,
    )
    .await;
    let mut input = draft(&sd, "PARK", None);
    input["parkLevel"] = json!("PROVINCIAL");
    let body = app
        .try_mutate(
            &applicant_token(&municipal_level),
            "createPilot",
            "CreatePilotInput",
            input.clone(),
            "__typename",
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.parkLevel");
    assert_eq!(pilot_count(&app).await, before, "nothing was created");
    // A provincial-level committee's pilot carries its level, declared or not.
    let provincial_level = new_org(
        &app,
        "PARK_MANAGEMENT_COMMITTEE",
        "370303",
        Some("PROVINCIAL"),
        621,
    )
    .await;
    let applicant = applicant_token(&provincial_level);
    let created = app
        .mutate(
            &applicant,
            "createPilot",
            "CreatePilotInput",
            draft(&sd, "PARK", None),
            "pilot{id version parkLevel}",
        )
        .await;
    assert_eq!(created["pilot"]["parkLevel"], "PROVINCIAL");
    let body = app
        .try_mutate(
            &applicant,
            "updatePilot",
            "UpdatePilotInput",
            json!({"id": created["pilot"]["id"], "version": created["pilot"]["version"], "parkLevel": "NATIONAL"}),
            "__typename",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.parkLevel",
        "{body}"
    );
}

//! The life of a pilot, end to end through HTTP, for each program of the seeds.

use crate::helpers::*;
use serde_json::{Value, json};

/// Registers an organisation as the provincial user of its province; returns its id.
pub async fn new_org(
    app: &TestApp,
    kind: &str,
    region: &str,
    park_level: Option<&str>,
    serial: u32,
) -> String {
    let province = format!("{}0000", &region[..2]);
    let kind_enum: entities::OrganizationKind = kind.parse().expect("kind");
    let credit = api::seed::builder::credit_code(kind_enum, region, serial);
    let input = json!({"name": format!("测试单位 {serial}"), "kind": kind, "creditCode": credit, "regionCode": region, "parkLevel": park_level});
    let out = app
        .mutate(
            &token_for("provincial", Some(&province)),
            "createOrganization",
            "CreateOrganizationInput",
            input,
            "organization{id}",
        )
        .await;
    out["organization"]["id"]
        .as_str()
        .expect("org id")
        .to_owned()
}

/// A DRAFT pilot with published plans and its indicators; returns the pilot id and indicator
/// ids (constraints first). Where the program keeps a catalogue for the type, the pilot takes
/// every required indicator of it and its first `references` reference indicators (custom
/// ones past the catalogue's); otherwise `constraints` + `references` custom indicators, all
/// INCREASE to a target of 10.
pub async fn application(
    app: &TestApp,
    applicant: &str,
    program: &str,
    pilot_type: &str,
    region: Option<&str>,
    constraints: usize,
    references: usize,
) -> (String, Vec<String>) {
    let input = json!({
        "programId": program, "type": pilot_type, "regionCode": region, "name": format!("测试{pilot_type}试点"),
        "boundary": "以管委会管辖范围为界", "areaKm2": "12.50", "population": 35000, "baselineYear": 2020,
        "baselineEmissions": "182345.6",
        "eligibility": {"hasUnmetCarbonMarketObligations": false, "hasFalsifiedEmissionData": false, "hasSeriousPollutionCase": false}
    });
    let out = app
        .mutate(
            applicant,
            "createPilot",
            "CreatePilotInput",
            input,
            "pilot{id code status}",
        )
        .await;
    assert_eq!(out["pilot"]["status"], "DRAFT");
    let pilot = out["pilot"]["id"].as_str().expect("id").to_owned();
    for kind in ["CREATION_PLAN", "RESEARCH_REPORT"] {
        let plan = app
            .mutate(applicant, "createPlan", "CreatePlanInput", json!({
                "pilotId": pilot, "kind": kind, "title": kind, "periodStartYear": 2023, "periodEndYear": 2025,
                "document": {"name": "plan.pdf", "mediaType": "application/pdf", "size": 123456, "sha256": "ab".repeat(32)}
            }), "plan{id version}")
            .await;
        app.mutate(
            applicant,
            "publishPlan",
            "PublishPlanInput",
            json!({"id": plan["plan"]["id"], "version": plan["plan"]["version"]}),
            "plan{status}",
        )
        .await;
    }
    let catalogue = catalogue_of(app, program, pilot_type).await;
    let mut wanted: Vec<Value> = Vec::new();
    if catalogue.is_empty() {
        for (category, n) in [("CONSTRAINT", constraints), ("REFERENCE", references)] {
            for i in 0..n {
                wanted.push(json!({"code": format!("{}{i:02}", &category[..1]), "name": format!("{category} {i}"),
                    "category": category, "unit": "%", "direction": "INCREASE"}));
            }
        }
    } else {
        let of = |category: &str| {
            catalogue
                .iter()
                .filter(|c| c["category"] == category)
                .cloned()
                .collect::<Vec<_>>()
        };
        wanted.extend(
            of("CONSTRAINT")
                .into_iter()
                .filter(|c| c["required"] == true)
                .map(|c| json!({"code": c["code"]})),
        );
        let listed = of("REFERENCE");
        for i in 0..references {
            wanted.push(match listed.get(i) {
                Some(c) => json!({"code": c["code"]}),
                None => json!({"code": format!("X{i:02}"), "name": format!("自选指标 {i}"), "category": "REFERENCE",
                    "unit": "%", "direction": "INCREASE"}),
            });
        }
    }
    let mut indicators = Vec::new();
    for w in wanted {
        let direction = w["direction"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                catalogue
                    .iter()
                    .find(|c| c["code"] == w["code"])
                    .expect("listed")["direction"]
                    .as_str()
                    .expect("direction")
                    .to_owned()
            });
        let (baseline, target) = if direction == "INCREASE" {
            ("5", "10")
        } else {
            ("15", "10")
        };
        let mut input = w.clone();
        input["pilotId"] = json!(pilot);
        input["baselineValue"] = json!(baseline);
        input["targetValue"] = json!(target);
        input["targetYear"] = json!(2025);
        let out = app
            .mutate(
                applicant,
                "createIndicator",
                "CreateIndicatorInput",
                input,
                "indicator{id}",
            )
            .await;
        indicators.push(out["indicator"]["id"].as_str().expect("id").to_owned());
    }
    (pilot, indicators)
}

/// The indicator catalogue a program keeps for a type (empty: none).
pub async fn catalogue_of(app: &TestApp, program: &str, pilot_type: &str) -> Vec<Value> {
    let body = app
        .gql(
            Some(&token_for("national", None)),
            "query($id:ID!){program(id:$id){typeRules{pilotType indicatorCatalogue{code category direction required}}}}",
            json!({"id": program}),
        )
        .await;
    body["data"]["program"]["typeRules"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .find(|r| r["pilotType"] == pilot_type)
        .map(|r| {
            r["indicatorCatalogue"]
                .as_array()
                .expect("catalogue")
                .clone()
        })
        .unwrap_or_default()
}

/// Reports a value for each indicator: every constraint meets its target, and the first
/// `met_references` reference indicators do; the others fall short.
pub async fn report(
    app: &TestApp,
    applicant: &str,
    indicators: &[String],
    met_references: usize,
    period_end: &str,
) {
    let mut references = 0;
    for id in indicators {
        let body = app
            .gql(
                Some(applicant),
                "query($id:ID!){node(id:$id){...on Indicator{category direction}}}",
                json!({"id": id}),
            )
            .await;
        let node = &body["data"]["node"];
        let met = if node["category"] == "CONSTRAINT" {
            true
        } else {
            references += 1;
            references <= met_references
        };
        let value = match (met, node["direction"] == "INCREASE") {
            (true, true) | (false, false) => "12",
            (false, true) | (true, false) => "8",
        };
        app.mutate(
            applicant,
            "reportIndicatorActual",
            "ReportIndicatorActualInput",
            json!({"indicatorId": id, "periodEnd": period_end, "value": value}),
            "actual{id}",
        )
        .await;
    }
}

async fn decide(app: &TestApp, provincial: &str, pilot: &str, result: &str) -> Value {
    let (_, version) = app.state_of(pilot).await;
    app.try_mutate(
        provincial,
        "decideAcceptance",
        "DecideAcceptanceInput",
        json!({"pilotId": pilot, "version": version, "result": result, "comment": "决定"}),
        "pilot{status title rectificationDeadline}",
    )
    .await
}

/// Requests acceptance, has `forwarder` forward it and `reviewer` record a passing review.
async fn accept_review(
    app: &TestApp,
    forwarder: &str,
    reviewer: &str,
    applicant: &str,
    pilot: &str,
) {
    assert_eq!(
        step(
            app,
            applicant,
            "requestAcceptance",
            "RequestAcceptanceInput",
            pilot,
            json!({"selfAssessment": "自评估报告"})
        )
        .await,
        "ACCEPTANCE_REQUESTED"
    );
    assert_eq!(
        app.as_(forwarder).forward_acceptance(pilot).await,
        "ACCEPTANCE_FORWARDED"
    );
    assert_eq!(
        step(app, reviewer, "recordAcceptanceReview", "RecordAcceptanceReviewInput", pilot, json!({
            "result": "PASS", "score": "88.5", "expertNames": ["赵立新", "孙雅琴"], "siteVisitOn": "2025-07-10", "siteFindings": "一致"
        }))
        .await,
        "ACCEPTANCE_FORWARDED"
    );
}

/// A provincial-level park committee newly registered in Zhangdian (370303, Zibo), with the
/// Shandong program and the tokens of the applicant and of the bureaus above it.
pub struct ShandongPark {
    pub program: String,
    pub applicant: String,
    pub county: String,
    pub municipal: String,
    pub provincial: String,
}

/// Registers a [`ShandongPark`] (`serial` makes its credit code).
pub async fn shandong_park(app: &TestApp, serial: u32) -> ShandongPark {
    let program = app.program_id("SD").await;
    let org = new_org(
        app,
        "PARK_MANAGEMENT_COMMITTEE",
        "370303",
        Some("PROVINCIAL"),
        serial,
    )
    .await;
    ShandongPark {
        program,
        applicant: applicant_token(&org),
        county: token_for("county", Some("370303")),
        municipal: token_for("municipal", Some("370300")),
        provincial: token_for("provincial", Some("370000")),
    }
}

#[actix_web::test]
async fn a_shandong_park_goes_from_draft_to_titled() {
    let app = TestApp::spawn().await;
    let ShandongPark {
        program,
        applicant,
        county,
        municipal,
        provincial,
    } = shandong_park(&app, 501).await;

    app.set_day("2023-09-01");
    let (pilot, indicators) = application(&app, &applicant, &program, "PARK", None, 3, 11).await;
    let actions = app
        .gql(
            Some(&applicant),
            "query($id:ID!){pilot(id:$id){code availableActions}}",
            json!({"id": pilot}),
        )
        .await;
    assert_eq!(
        actions["data"]["pilot"]["availableActions"],
        json!(["SUBMIT", "WITHDRAW"])
    );
    assert!(
        actions["data"]["pilot"]["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("SD-2023-PARK-"))
    );

    assert_eq!(
        step(
            &app,
            &applicant,
            "submitPilot",
            "TransitionInput",
            &pilot,
            json!({"comment": "申报"})
        )
        .await,
        "SUBMITTED"
    );
    assert_eq!(app.as_(&county).endorse(&pilot).await, "COUNTY_ENDORSED");
    assert_eq!(app.as_(&municipal).recommend(&pilot).await, "RECOMMENDED");
    app.set_day("2023-11-08");
    assert_eq!(
        step(
            &app,
            &provincial,
            "recordExpertReview",
            "RecordExpertReviewInput",
            &pilot,
            json!({"result": "PASS", "score": "91", "expertNames": ["王建国", "李晓梅", "张海峰"]})
        )
        .await,
        "EXPERT_REVIEWED"
    );
    // Monday 13 November: five working days end on Friday 17 November.
    app.set_day("2023-11-13");
    assert_eq!(
        step(
            &app,
            &provincial,
            "startPublicNotice",
            "StartPublicNoticeInput",
            &pilot,
            json!({})
        )
        .await,
        "IN_PUBLIC_NOTICE"
    );
    let notice = app
        .gql(
            Some(&provincial),
            "query($id:ID!){pilot(id:$id){noticeStartsOn noticeEndsOn}}",
            json!({"id": pilot}),
        )
        .await;
    assert_eq!(
        notice["data"]["pilot"],
        json!({"noticeStartsOn": "2023-11-13", "noticeEndsOn": "2023-11-17"})
    );
    app.set_day("2023-11-17");
    assert_eq!(
        app.as_(&provincial).refused("designatePilot", &pilot).await,
        "RULE_VIOLATION",
        "the last day of the notice"
    );
    app.set_day("2023-11-18");
    assert_eq!(app.as_(&provincial).designate(&pilot).await, "DESIGNATED");

    // Construction: 8 of 11 reference indicators met, every constraint met.
    app.set_day("2025-06-30");
    report(&app, &applicant, &indicators, 8, "2025-06-30").await;
    accept_review(&app, &municipal, &provincial, &applicant, &pilot).await;
    let body = decide(&app, &provincial, &pilot, "PASS").await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["decideAcceptance"]["pilot"]["status"],
        "TITLED"
    );
    assert_eq!(
        body["data"]["decideAcceptance"]["pilot"]["title"],
        "山东省近零碳园区 (Near Zero Carbon Park of Shandong Province)"
    );

    let q = "query($id:ID!){pilot(id:$id){acceptanceRecords{attempt decision titleAwarded verdict{constraintMet constraintTotal referenceMet referenceTotal requiredRatio requiredMinCount result}} workflowEvents{action} availableActions}}";
    let p = &app.gql(Some(&provincial), q, json!({"id": pilot})).await["data"]["pilot"];
    assert_eq!(
        p["acceptanceRecords"][0]["verdict"],
        json!({"constraintMet":3,"constraintTotal":3,"referenceMet":8,"referenceTotal":11,"requiredRatio":"0.70","requiredMinCount":8,"result":"PASS"})
    );
    let actions: Vec<&str> = p["workflowEvents"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["action"].as_str().expect("a"))
        .collect();
    assert_eq!(
        actions,
        [
            "SUBMIT",
            "ENDORSE",
            "RECOMMEND",
            "RECORD_EXPERT_REVIEW",
            "START_PUBLIC_NOTICE",
            "DESIGNATE",
            "REQUEST_ACCEPTANCE",
            "FORWARD_ACCEPTANCE",
            "RECORD_ACCEPTANCE_REVIEW",
            "DECIDE_ACCEPTANCE"
        ]
    );
    assert_eq!(p["availableActions"], json!(["RE_REVIEW"]));
}

#[actix_web::test]
async fn a_shandong_community_fails_at_four_references_and_passes_after_rectifying() {
    let app = TestApp::spawn().await;
    let program = app.program_id("SD").await;
    let org = new_org(&app, "RESIDENTS_COMMITTEE", "370211", None, 502).await;
    let applicant = applicant_token(&org);
    let county = token_for("county", Some("370211"));
    let municipal = token_for("municipal", Some("370200"));
    let provincial = token_for("provincial", Some("370000"));

    app.set_day("2023-10-31");
    let (pilot, indicators) =
        application(&app, &applicant, &program, "COMMUNITY", None, 2, 7).await;
    assert_eq!(
        app.as_(&applicant).submit(&pilot).await,
        "SUBMITTED",
        "the last day of the window"
    );
    app.as_(&county).endorse(&pilot).await;
    app.as_(&municipal).recommend(&pilot).await;
    step(
        &app,
        &provincial,
        "recordExpertReview",
        "RecordExpertReviewInput",
        &pilot,
        json!({"result": "PASS", "expertNames": ["王建国"]}),
    )
    .await;
    app.set_day("2023-11-20");
    step(
        &app,
        &provincial,
        "startPublicNotice",
        "StartPublicNoticeInput",
        &pilot,
        json!({}),
    )
    .await;
    app.set_day("2023-11-27");
    assert_eq!(app.as_(&provincial).designate(&pilot).await, "DESIGNATED");

    // First attempt: 4 of 7 references met (57 %, and fewer than 5).
    app.set_day("2025-06-30");
    report(&app, &applicant, &indicators, 4, "2025-06-30").await;
    accept_review(&app, &municipal, &provincial, &applicant, &pilot).await;
    let before = app.state_of(&pilot).await;
    let body = decide(&app, &provincial, &pilot, "PASS").await;
    assert_eq!(error_code(&body), Some("RULE_VIOLATION"), "{body}");
    assert_eq!(
        app.state_of(&pilot).await,
        before,
        "a refused decision changes nothing"
    );
    let body = decide(&app, &provincial, &pilot, "FAIL").await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["decideAcceptance"]["pilot"]["status"],
        "DESIGNATED"
    );
    assert_eq!(
        body["data"]["decideAcceptance"]["pilot"]["rectificationDeadline"],
        "2025-09-28"
    );

    // Rectified: 5 of 7 met (71 %, and at least 5).
    app.set_day("2025-09-01");
    report(&app, &applicant, &indicators, 5, "2025-08-31").await;
    accept_review(&app, &municipal, &provincial, &applicant, &pilot).await;
    let body = decide(&app, &provincial, &pilot, "PASS").await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["decideAcceptance"]["pilot"]["status"],
        "TITLED"
    );
    let q = "query($id:ID!){pilot(id:$id){acceptanceRecords{attempt decision verdict{referenceMet referenceTotal result}}}}";
    let records = app.gql(Some(&provincial), q, json!({"id": pilot})).await["data"]["pilot"]["acceptanceRecords"].clone();
    assert_eq!(
        records,
        json!([
            {"attempt": 1, "decision": "FAIL", "verdict": {"referenceMet": 4, "referenceTotal": 7, "result": "FAIL"}},
            {"attempt": 2, "decision": "PASS", "verdict": {"referenceMet": 5, "referenceTotal": 7, "result": "PASS"}}
        ])
    );
}

#[actix_web::test]
async fn a_hechi_campus_is_titled_then_revoked_on_re_review() {
    let app = TestApp::spawn().await;
    let program = app.program_id("HC").await;
    let org = new_org(&app, "SCHOOL", "451221", None, 503).await;
    let applicant = applicant_token(&org);
    // Hechi's own chain: the county's education bureau reviews and reports to the city's
    // education bureau, which (as the issuing authority for campuses) does the rest.
    let county = token_with_dept("county", "451221", "education");
    let municipal = token_with_dept("municipal", "451200", "education");
    let guangxi = token_for("provincial", Some("450000"));

    app.set_day("2024-03-01");
    let (pilot, indicators) = application(&app, &applicant, &program, "CAMPUS", None, 2, 6).await;
    app.as_(&applicant).submit(&pilot).await;
    // The ecology-environment bureau sees the campus but does not lead it.
    let eco = token_with_dept("county", "451221", "ecology_environment");
    assert_eq!(
        app.as_(&eco).refused("recommendPilot", &pilot).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.as_(&county).refused("endorsePilot", &pilot).await,
        "FORBIDDEN",
        "Hechi has no preliminary review"
    );
    app.as_(&county).recommend(&pilot).await;
    app.set_day("2024-07-01");
    let review = json!({"result": "PASS", "expertNames": ["覃文华"]});
    assert_eq!(
        refused_step(
            &app,
            &guangxi,
            "recordExpertReview",
            "RecordExpertReviewInput",
            &pilot,
            review.clone()
        )
        .await,
        "FORBIDDEN",
        "the autonomous region does not run a city's program"
    );
    step(
        &app,
        &municipal,
        "recordExpertReview",
        "RecordExpertReviewInput",
        &pilot,
        review,
    )
    .await;
    step(
        &app,
        &municipal,
        "startPublicNotice",
        "StartPublicNoticeInput",
        &pilot,
        json!({}),
    )
    .await;
    app.set_day("2024-07-08");
    app.as_(&municipal).designate(&pilot).await;
    app.set_day("2025-10-30");
    report(&app, &applicant, &indicators, 5, "2025-09-30").await;
    accept_review(&app, &county, &municipal, &applicant, &pilot).await;
    let body = decide(&app, &municipal, &pilot, "PASS").await;
    assert_eq!(
        body["data"]["decideAcceptance"]["pilot"]["title"],
        "河池市近零碳排放校园 (Hechi Near-Zero-Carbon Campus)",
        "{body}"
    );
    app.set_day("2026-11-20");
    assert_eq!(
        refused_step(
            &app,
            &guangxi,
            "recordReReview",
            "RecordReReviewInput",
            &pilot,
            json!({"outcome": "MAINTAINED"})
        )
        .await,
        "FORBIDDEN",
        "the city's bureaus re-review and cancel titles"
    );
    assert_eq!(
        refused_step(
            &app,
            &municipal,
            "recordReReview",
            "RecordReReviewInput",
            &pilot,
            json!({"outcome": "RECTIFY"})
        )
        .await,
        "BAD_USER_INPUT",
        "RECTIFY needs a deadline"
    );
    assert_eq!(
        step(
            &app,
            &municipal,
            "recordReReview",
            "RecordReReviewInput",
            &pilot,
            json!({"outcome": "MAINTAINED", "comment": "运行良好"})
        )
        .await,
        "TITLED"
    );
    assert_eq!(
        step(
            &app,
            &municipal,
            "recordReReview",
            "RecordReReviewInput",
            &pilot,
            json!({"outcome": "REVOKED", "comment": "管理缺失"})
        )
        .await,
        "REVOKED"
    );
    let q = "query($id:ID!){pilot(id:$id){title availableActions acceptanceRecords{reReviews{outcome}}}}";
    let p = app.gql(Some(&municipal), q, json!({"id": pilot})).await["data"]["pilot"].clone();
    assert_eq!(
        p,
        json!({"title": null, "availableActions": [], "acceptanceRecords": [{"reReviews": [{"outcome": "MAINTAINED"}, {"outcome": "REVOKED"}]}]})
    );
}

//! Program catalogues as data: the indicators a program sets for each pilot type (a pilot's
//! constraints come from it, with the catalogue's category), and the named funds its pilots'
//! financing may draw on.

use crate::helpers::*;
use crate::lifecycle::new_org;
use serde_json::{Value, json};

fn indicator(pilot: &str, fields: Value) -> Value {
    let mut input =
        json!({"pilotId": pilot, "baselineValue": "5", "targetValue": "10", "targetYear": 2025});
    input
        .as_object_mut()
        .expect("object")
        .extend(fields.as_object().expect("object").clone());
    input
}

#[actix_web::test]
async fn a_pilot_takes_its_constraints_from_the_catalogue_and_cannot_recategorise_them() {
    let app = TestApp::spawn().await;
    let sd = app.program_id("SD").await;
    app.set_day("2023-08-01");
    let org = new_org(
        &app,
        "PARK_MANAGEMENT_COMMITTEE",
        "371402",
        Some("PROVINCIAL"),
        611,
    )
    .await;
    let applicant = applicant_token(&org);
    let draft = app
        .mutate(&applicant, "createPilot", "CreatePilotInput", json!({
            "programId": sd, "type": "PARK", "name": "德州经开区近零碳园区", "boundary": "园区规划范围",
            "areaKm2": "20.00", "population": 30000, "baselineYear": 2020, "baselineEmissions": "150000",
            "eligibility": {"hasUnmetCarbonMarketObligations": false, "hasFalsifiedEmissionData": false, "hasSeriousPollutionCase": false}
        }), "pilot{id}")
        .await;
    let pilot = draft["pilot"]["id"].as_str().expect("id").to_owned();
    let catalogue = crate::lifecycle::catalogue_of(&app, &sd, "PARK").await;
    let constraints: Vec<&Value> = catalogue
        .iter()
        .filter(|c| c["category"] == "CONSTRAINT")
        .collect();
    assert_eq!(constraints.len(), 3, "{catalogue:?}");
    assert!(constraints.iter().all(|c| c["required"] == true));

    // A catalogue code brings its own name, unit, direction and category.
    let out = app
        .mutate(
            &applicant,
            "createIndicator",
            "CreateIndicatorInput",
            indicator(&pilot, json!({"code": "C1"})),
            "indicator{code category unit direction name}",
        )
        .await;
    assert_eq!(out["indicator"]["category"], "CONSTRAINT");
    assert_eq!(out["indicator"]["unit"], "%");
    assert_eq!(out["indicator"]["direction"], "INCREASE");
    // The applicant cannot make a constraint of the catalogue a reference one, nor change it.
    let refused = |fields: Value| {
        let app = &app;
        let applicant = &applicant;
        let pilot = &pilot;
        async move {
            let body = app
                .try_mutate(
                    applicant,
                    "createIndicator",
                    "CreateIndicatorInput",
                    indicator(pilot, fields),
                    "indicator{id}",
                )
                .await;
            (
                error_code(&body).unwrap_or("none").to_owned(),
                body["errors"][0]["extensions"]["field"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        }
    };
    assert_eq!(
        refused(json!({"code": "C2", "category": "REFERENCE"})).await,
        ("BAD_USER_INPUT".into(), "input.category".into())
    );
    assert_eq!(
        refused(json!({"code": "C3", "direction": "INCREASE"})).await,
        ("BAD_USER_INPUT".into(), "input.direction".into())
    );
    // Constraints of its own are refused; a reference indicator of its own is welcome.
    assert_eq!(
        refused(json!({"code": "MY1", "name": "自定约束", "category": "CONSTRAINT", "unit": "%", "direction": "INCREASE"})).await,
        ("BAD_USER_INPUT".into(), "input.category".into())
    );
    assert_eq!(
        refused(json!({"code": "MY2", "category": "REFERENCE"}))
            .await
            .0,
        "BAD_USER_INPUT",
        "an indicator outside the catalogue names itself"
    );
    let own = app
        .mutate(
            &applicant,
            "createIndicator",
            "CreateIndicatorInput",
            indicator(&pilot, json!({"code": "MY2", "name": "园区屋顶光伏覆盖率", "category": "REFERENCE", "unit": "%", "direction": "INCREASE"})),
            "indicator{category}",
        )
        .await;
    assert_eq!(own["indicator"]["category"], "REFERENCE");

    // Submission needs every required indicator of the catalogue.
    for kind in ["CREATION_PLAN", "RESEARCH_REPORT"] {
        let plan = app
            .mutate(&applicant, "createPlan", "CreatePlanInput", json!({
                "pilotId": pilot, "kind": kind, "title": kind, "periodStartYear": 2023, "periodEndYear": 2025,
                "document": {"name": "plan.pdf", "mediaType": "application/pdf", "size": 1000, "sha256": "cd".repeat(32)}
            }), "plan{id version}")
            .await;
        app.mutate(
            &applicant,
            "publishPlan",
            "PublishPlanInput",
            json!({"id": plan["plan"]["id"], "version": plan["plan"]["version"]}),
            "plan{status}",
        )
        .await;
    }
    let body = app
        .try_mutate(
            &applicant,
            "submitPilot",
            "TransitionInput",
            json!({"pilotId": pilot, "version": app.state_of(&pilot).await.1}),
            "pilot{status}",
        )
        .await;
    assert_eq!(error_code(&body), Some("RULE_VIOLATION"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("C2, C3"),
        "{body}"
    );
    for code in ["C2", "C3"] {
        let (baseline, target) = if code == "C3" {
            ("100", "85")
        } else {
            ("9.5", "15")
        };
        let mut input = indicator(&pilot, json!({"code": code}));
        input["baselineValue"] = json!(baseline);
        input["targetValue"] = json!(target);
        app.mutate(
            &applicant,
            "createIndicator",
            "CreateIndicatorInput",
            input,
            "indicator{id}",
        )
        .await;
    }
    assert_eq!(app.as_(&applicant).submit(&pilot).await, "SUBMITTED");

    // Shandong's parks are under way: the catalogue stays as they applied under it.
    let shandong = token_for("provincial", Some("370000"));
    let program = app
        .gql(
            Some(&shandong),
            "query($id:ID!){program(id:$id){version}}",
            json!({"id": sd}),
        )
        .await;
    let park = json!({"pilotType": "PARK", "regionLevel": "COUNTY", "applicantKinds": ["PARK_MANAGEMENT_COMMITTEE"],
        "referenceRatio": "0.70", "referenceMinCount": 8, "title": "山东省近零碳园区 (Near Zero Carbon Park of Shandong Province)",
        "minParkLevel": "PROVINCIAL", "quota": 2,
        "indicators": [{"code": "C1", "name": "单位GDP二氧化碳排放", "unit": "%", "direction": "INCREASE", "category": "CONSTRAINT", "required": true}]});
    let body = app
        .try_mutate(&shandong, "updateProgram", "UpdateProgramInput",
            json!({"id": sd, "version": program["data"]["program"]["version"], "typeRules": [park]}), "program{id}")
        .await;
    assert_eq!(error_code(&body), Some("RULE_VIOLATION"), "{body}");
    assert_eq!(
        crate::lifecycle::catalogue_of(&app, &sd, "PARK").await,
        catalogue
    );
}

#[actix_web::test]
async fn financing_may_name_a_fund_the_pilot_s_program_offers_and_takes_its_kind() {
    let app = TestApp::spawn().await;
    let hc = app.program_id("HC").await;
    let body = app
        .gql(
            Some(&token_for("auditor", Some("450000"))),
            "query($id:ID!){program(id:$id){funds{id code name kind}}}",
            json!({"id": hc}),
        )
        .await;
    let funds = body["data"]["program"]["funds"]
        .as_array()
        .expect("funds")
        .clone();
    let kinds: Vec<&str> = funds
        .iter()
        .map(|f| f["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "CENTRAL_SPECIAL_FUND",
            "CENTRAL_BUDGET_INVESTMENT",
            "PROVINCIAL_FISCAL_FUND"
        ],
        "the three funds Hechi's plan names"
    );
    let air = funds[0]["id"].as_str().expect("id").to_owned();
    let city = app.pilot_id("HC-2024-CITY-0001").await;
    let applicant = applicant_token(&app.applicant_of("HC-2024-CITY-0001").await);
    let source = |extra: Value| {
        let mut input =
            json!({"pilotId": city, "provider": "河池市财政局", "committedAmount": "1500000.00"});
        input
            .as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        input
    };
    let out = app
        .mutate(
            &applicant,
            "createFinancingSource",
            "CreateFinancingSourceInput",
            source(json!({"fundId": air})),
            "financingSource{id version kind fund{code name}}",
        )
        .await;
    assert_eq!(out["financingSource"]["kind"], "CENTRAL_SPECIAL_FUND");
    assert_eq!(out["financingSource"]["fund"]["code"], "HC-DQZX");
    let field = |body: &Value| {
        body["errors"][0]["extensions"]["field"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    // A kind other than the fund's, or a fund of another program, is refused.
    let body = app
        .try_mutate(
            &applicant,
            "createFinancingSource",
            "CreateFinancingSourceInput",
            source(json!({"fundId": air, "kind": "GREEN_CREDIT"})),
            "financingSource{id}",
        )
        .await;
    assert_eq!(
        (error_code(&body), field(&body).as_str()),
        (Some("BAD_USER_INPUT"), "input.kind")
    );
    let ndrc = app.program_id("NDRC").await;
    let national = app
        .gql(
            Some(&token_for("national", None)),
            "query($id:ID!){program(id:$id){funds{id}}}",
            json!({"id": ndrc}),
        )
        .await;
    let foreign = national["data"]["program"]["funds"][0]["id"].clone();
    let body = app
        .try_mutate(
            &applicant,
            "createFinancingSource",
            "CreateFinancingSourceInput",
            source(json!({"fundId": foreign, "kind": "CENTRAL_BUDGET_INVESTMENT"})),
            "financingSource{id}",
        )
        .await;
    assert_eq!(
        (error_code(&body), field(&body).as_str()),
        (Some("BAD_USER_INPUT"), "input.fundId")
    );
    // Changing the kind of a source that draws on a fund is refused; clearing the fund frees it.
    let id = out["financingSource"]["id"].clone();
    let version = out["financingSource"]["version"].clone();
    let body = app
        .try_mutate(
            &applicant,
            "updateFinancingSource",
            "UpdateFinancingSourceInput",
            json!({"id": id, "version": version, "kind": "GREEN_BOND"}),
            "financingSource{id}",
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let out = app
        .mutate(
            &applicant,
            "updateFinancingSource",
            "UpdateFinancingSourceInput",
            json!({"id": id, "version": version, "kind": "GREEN_BOND", "fundId": null}),
            "financingSource{kind fund{code}}",
        )
        .await;
    assert_eq!(
        out["financingSource"],
        json!({"kind": "GREEN_BOND", "fund": null})
    );
}

#[actix_web::test]
async fn funds_type_rules_and_annual_reports_are_nodes_under_their_parents_scope() {
    let app = TestApp::spawn().await;
    let hc = app.program_id("HC").await;
    let guangxi = token_for("auditor", Some("450000"));
    let body = app
        .gql(
            Some(&guangxi),
            "query($id:ID!){program(id:$id){funds{id code} typeRules{id pilotType}}}",
            json!({"id": hc}),
        )
        .await;
    let program = &body["data"]["program"];
    let fund = program["funds"][0].clone();
    let rule = program["typeRules"][0].clone();
    let city = app.pilot_id("HC-2024-CITY-0001").await;
    let body = app
        .gql(
            Some(&guangxi),
            "query($id:ID!){pilot(id:$id){annualReports{id year}}}",
            json!({"id": city}),
        )
        .await;
    let report = body["data"]["pilot"]["annualReports"][0].clone();
    assert!(report["id"].is_string(), "{body}");
    let q = "query($id:ID!){node(id:$id){id ... on Fund{code} ... on ProgramTypeRule{pilotType} ... on AnnualReport{year}}}";
    for (record, field) in [(&fund, "code"), (&rule, "pilotType"), (&report, "year")] {
        let body = app
            .gql(Some(&guangxi), q, json!({"id": record["id"]}))
            .await;
        assert_eq!(body["data"]["node"]["id"], record["id"], "{body}");
        assert_eq!(body["data"]["node"][field], record[field], "{body}");
        // Shandong's users cannot read Hechi's program, its pilots, or what hangs off them.
        let shandong = token_for("provincial", Some("370000"));
        let body = app
            .gql(Some(&shandong), q, json!({"id": record["id"]}))
            .await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    }
}

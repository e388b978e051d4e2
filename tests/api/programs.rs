//! Each program runs by its own chain: who acts at each step and which stages it has are the
//! program's data. The Shandong chain is covered state by state in `transitions.rs` and walked
//! in `lifecycle.rs` (with Hechi's); here the NDRC's national chain, the national role, and the
//! management of programs by their issuing authority.

use crate::helpers::*;
use crate::lifecycle::{application, new_org};
use serde_json::json;

const ACTIONS: &str = "query($id:ID!){pilot(id:$id){status availableActions}}";

#[actix_web::test]
async fn the_ndrc_program_is_proposed_by_the_province_within_its_quota_and_confirmed_by_the_nation()
{
    let app = TestApp::spawn().await;
    let ndrc = app.program_id("NDRC").await;
    let national = token_for("national", None);
    let shandong = token_for("provincial", Some("370000"));
    let jinan = token_for("municipal", Some("370100"));
    // Lists were due before 2023-11-15.
    app.set_day("2023-11-01");
    let org = new_org(&app, "CITY_GOVERNMENT", "370100", None, 931).await;
    let applicant = applicant_token(&org);
    let (pilot, _) = application(&app, &applicant, &ndrc, "CITY", None, 1, 1).await;
    app.as_(&applicant).submit(&pilot).await;

    assert_eq!(
        app.as_(&jinan).refused("recommendPilot", &pilot).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.as_(&national).refused("recommendPilot", &pilot).await,
        "FORBIDDEN"
    );
    assert_eq!(app.as_(&shandong).recommend(&pilot).await, "RECOMMENDED");

    // The nation confirms; no expert review, no notice stand between.
    assert_eq!(
        app.as_(&shandong).refused("designatePilot", &pilot).await,
        "FORBIDDEN"
    );
    let body = app
        .gql(Some(&national), ACTIONS, json!({"id": pilot}))
        .await;
    assert_eq!(
        body["data"]["pilot"],
        json!({"status": "RECOMMENDED", "availableActions": ["REJECT", "DESIGNATE"]}),
        "{body}"
    );
    let review = json!({"result": "PASS", "expertNames": ["专家"]});
    assert_eq!(
        refused_step(
            &app,
            &national,
            "recordExpertReview",
            "RecordExpertReviewInput",
            &pilot,
            review
        )
        .await,
        "INVALID_TRANSITION"
    );
    assert_eq!(app.as_(&national).designate(&pilot).await, "DESIGNATED");

    // Nothing speaks of a title: no acceptance for anyone.
    for token in [&applicant, &national, &shandong] {
        let body = app.gql(Some(token), ACTIONS, json!({"id": pilot})).await;
        assert_eq!(
            body["data"]["pilot"]["availableActions"],
            json!([]),
            "{body}"
        );
    }
    let code = refused_step(
        &app,
        &applicant,
        "requestAcceptance",
        "RequestAcceptanceInput",
        &pilot,
        json!({"selfAssessment": "自评"}),
    )
    .await;
    assert_eq!(code, "INVALID_TRANSITION");
    let rules = app
        .gql(
            Some(&national),
            "query($id:ID!){program(id:$id){typeRules{pilotType preliminaryReviewer recommender expertReview publicNotice acceptance title}}}",
            json!({"id": ndrc}),
        )
        .await;
    assert_eq!(
        rules["data"]["program"]["typeRules"][0],
        json!({"pilotType": "CITY", "preliminaryReviewer": null, "recommender": "PROVINCIAL",
               "expertReview": false, "publicNotice": false, "acceptance": false, "title": null}),
        "{rules}"
    );

    // Shandong's quota of two cities is used (Dezhou and this one): a third is refused.
    let org = new_org(&app, "CITY_GOVERNMENT", "370200", None, 932).await;
    let applicant = applicant_token(&org);
    let (third, _) = application(&app, &applicant, &ndrc, "CITY", None, 1, 1).await;
    app.as_(&applicant).submit(&third).await;
    assert_eq!(
        app.as_(&shandong).refused("recommendPilot", &third).await,
        "QUOTA_EXCEEDED"
    );
}

#[actix_web::test]
async fn a_national_user_reads_the_whole_country_and_carries_no_region() {
    let app = TestApp::spawn().await;
    let q = "{pilots(first:1){totalCount} programs(first:10){totalCount}}";
    let national = app
        .gql(Some(&token_for("national", None)), q, json!({}))
        .await;
    let shandong = app
        .gql(Some(&token_for("provincial", Some("370000"))), q, json!({}))
        .await;
    let guangxi = app
        .gql(Some(&token_for("provincial", Some("450000"))), q, json!({}))
        .await;
    let count = |b: &serde_json::Value| b["data"]["pilots"]["totalCount"].as_i64().expect("count");
    assert_eq!(
        count(&national),
        count(&shandong) + count(&guangxi),
        "{national}"
    );
    assert_eq!(national["data"]["programs"]["totalCount"], 3);
    // Where the data is not the documents' own, the programs say so.
    let notes = app
        .gql(
            Some(&token_for("national", None)),
            "{programs(first:10){edges{node{codePrefix notes}}}}",
            json!({}),
        )
        .await;
    let note_of = |prefix: &str| {
        notes["data"]["programs"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .find(|e| e["node"]["codePrefix"] == prefix)
            .map(|e| e["node"]["notes"].as_str().unwrap_or("").to_owned())
            .unwrap_or_default()
    };
    assert!(
        note_of("NDRC").contains("the quotas here are examples"),
        "{notes}"
    );
    assert!(note_of("HC").contains("local practice"), "{notes}");
    assert!(
        note_of("SD").contains("the catalogue here is an example"),
        "{notes}"
    );
    let (status, with_region) = app
        .post(
            Some(&token_for("national", Some("370000"))),
            &json!({"query": q}),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        error_code(&with_region),
        Some("UNAUTHENTICATED"),
        "{with_region}"
    );
}

#[actix_web::test]
async fn programs_are_created_and_managed_by_their_issuing_authority() {
    let app = TestApp::spawn().await;
    let rule = json!({"pilotType": "CITY", "regionLevel": "MUNICIPALITY", "applicantKinds": ["CITY_GOVERNMENT"],
        "referenceRatio": "0.5", "referenceMinCount": 1, "recommender": "PROVINCIAL", "expertReview": false,
        "publicNotice": false, "acceptance": false});
    let input = |region: Option<&str>, prefix: &str| {
        json!({"name": "第二批碳达峰试点", "authority": "国家发展改革委",
        "documentNumber": format!("TEST-{prefix}"), "regionCode": region, "codePrefix": prefix,
        "applicationOpensOn": "2027-01-01", "applicationClosesOn": "2027-03-31",
        "constructionStartsOn": "2027-04-01", "constructionEndsOn": "2030-12-31", "typeRules": [rule]})
    };
    let national = token_for("national", None);
    let out = app
        .mutate(
            &national,
            "createProgram",
            "CreateProgramInput",
            input(None, "NDRCB"),
            "program{id level region{code}}",
        )
        .await;
    assert_eq!(out["program"]["level"], "NATIONAL");
    assert!(out["program"]["region"].is_null(), "{out}");
    // A province cannot issue a national program, nor one of another province or a city.
    let shandong = token_for("provincial", Some("370000"));
    for (region, code) in [
        (None, "BAD_USER_INPUT"),
        (Some("450000"), "FORBIDDEN"),
        (Some("370100"), "FORBIDDEN"),
    ] {
        let got = app
            .refuse(
                &shandong,
                "createProgram",
                "CreateProgramInput",
                input(region, "SDX"),
            )
            .await;
        assert_eq!(got, code, "{region:?}");
    }
    // A chain whose recommender sits above the issuing authority is refused.
    let mut bad = input(Some("451200"), "HCX");
    bad["typeRules"][0]["regionLevel"] = json!("COUNTY");
    bad["typeRules"][0]["applicantKinds"] = json!(["COUNTY_GOVERNMENT"]);
    let hechi = token_with_dept("municipal", "451200", "ecology_environment");
    assert_eq!(
        app.refuse(&hechi, "createProgram", "CreateProgramInput", bad.clone())
            .await,
        "BAD_USER_INPUT"
    );
    bad["typeRules"][0]["recommender"] = json!("COUNTY");
    let out = app
        .mutate(
            &hechi,
            "createProgram",
            "CreateProgramInput",
            bad,
            "program{level region{code}}",
        )
        .await;
    assert_eq!(out["program"]["level"], "MUNICIPAL");
    assert_eq!(out["program"]["region"]["code"], "451200");
    // Hechi's park is in public notice: its chain no longer changes.
    let hc = app.program_id("HC").await;
    let body = app
        .gql(
            Some(&hechi),
            "query($id:ID!){program(id:$id){version}}",
            json!({"id": hc}),
        )
        .await;
    let park = json!({"pilotType": "PARK", "regionLevel": "COUNTY", "applicantKinds": ["PARK_MANAGEMENT_COMMITTEE"],
        "referenceRatio": "0.70", "referenceMinCount": 6, "title": "河池市近零碳排放园区", "leadDepartments": ["industry"],
        "minParkLevel": "PROVINCIAL", "recommender": "MUNICIPAL"});
    let input =
        json!({"id": hc, "version": body["data"]["program"]["version"], "typeRules": [park]});
    assert_eq!(
        app.refuse(&hechi, "updateProgram", "UpdateProgramInput", input)
            .await,
        "RULE_VIOLATION"
    );
}

#[actix_web::test]
async fn a_hechi_park_applies_only_from_the_program_s_key_park_list() {
    let app = TestApp::spawn().await;
    let hc = app.program_id("HC").await;
    app.set_day("2024-03-01");
    let org = new_org(
        &app,
        "PARK_MANAGEMENT_COMMITTEE",
        "451221",
        Some("PROVINCIAL"),
        941,
    )
    .await;
    let applicant = applicant_token(&org);
    let draft = json!({"programId": hc, "type": "PARK", "name": "南丹工业园区近零碳园区", "boundary": "园区规划范围",
        "areaKm2": "8.00", "population": 12000, "baselineYear": 2020, "baselineEmissions": "90000"});
    assert_eq!(
        app.refuse(&applicant, "createPilot", "CreatePilotInput", draft.clone())
            .await,
        "RULE_VIOLATION",
        "a provincial-level park not on Hechi's list"
    );
    // Hechi's compiling bureau adds the park to the list; the rule's other fields stay.
    let hechi = token_with_dept("municipal", "451200", "ecology_environment");
    let body = app
        .gql(
            Some(&hechi),
            "query($id:ID!){program(id:$id){version typeRules{pilotType eligibleParks}}}",
            json!({"id": hc}),
        )
        .await;
    let listed = body["data"]["program"]["typeRules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["pilotType"] == "PARK")
        .expect("PARK")["eligibleParks"]
        .clone();
    assert_eq!(listed.as_array().expect("list").len(), 1, "{body}");
    let code = api::seed::builder::credit_code(
        entities::OrganizationKind::ParkManagementCommittee,
        "451221",
        941,
    );
    let mut parks = listed.as_array().expect("list").clone();
    parks.push(json!(code));
    let park = json!({"pilotType": "PARK", "regionLevel": "COUNTY", "applicantKinds": ["PARK_MANAGEMENT_COMMITTEE"],
        "referenceRatio": "0.70", "referenceMinCount": 6, "title": "河池市近零碳排放园区 (Hechi Near-Zero-Carbon Park)",
        "leadDepartments": ["industry"], "minParkLevel": "PROVINCIAL", "eligibleParks": parks});
    let mut bad_park = park.clone();
    bad_park["eligibleParks"] = json!(["not-a-code"]);
    let bad =
        json!({"id": hc, "version": body["data"]["program"]["version"], "typeRules": [bad_park]});
    assert_eq!(
        app.refuse(&hechi, "updateProgram", "UpdateProgramInput", bad)
            .await,
        "BAD_USER_INPUT"
    );
    app.mutate(
        &hechi,
        "updateProgram",
        "UpdateProgramInput",
        json!({"id": hc, "version": body["data"]["program"]["version"], "typeRules": [park]}),
        "program{id}",
    )
    .await;
    let out = app
        .mutate(
            &applicant,
            "createPilot",
            "CreatePilotInput",
            draft,
            "pilot{status}",
        )
        .await;
    assert_eq!(out["pilot"]["status"], "DRAFT");
}

//! Row-level scope: each role sees exactly its part of the demo data, and nothing else exists
//! as far as it can tell.

use crate::helpers::*;
use serde_json::json;

const LIST: &str =
    "query($f:PilotFilter){pilots(filter:$f,first:100){totalCount edges{node{code}}}}";

const DEZHOU: [&str; 10] = [
    "NDRC-2023-CITY-0001",
    "NDRC-2023-PARK-0001",
    "SD-2023-CITY-0001",
    "SD-2023-COMMUNITY-0001",
    "SD-2023-COMMUNITY-0002",
    "SD-2023-COMMUNITY-0003",
    "SD-2023-PARK-0001",
    "SD-2023-PARK-0002",
    "SD-2023-PARK-0004",
    "SD-2023-PARK-0005",
];

async fn visible(app: &TestApp, token: &str) -> (i64, Vec<String>) {
    let body = app.gql(Some(token), LIST, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let conn = &body["data"]["pilots"];
    (conn["totalCount"].as_i64().expect("count"), codes(conn))
}

#[actix_web::test]
async fn a_municipal_user_sees_only_the_pilots_of_their_municipality() {
    let app = TestApp::spawn().await;
    let (total, seen) = visible(&app, &token_for("municipal", Some("371400"))).await;
    assert_eq!(seen, DEZHOU);
    assert_eq!(total, 10);
}

#[actix_web::test]
async fn a_provincial_user_sees_the_province_and_nothing_beyond() {
    let app = TestApp::spawn().await;
    let (total, seen) = visible(&app, &token_for("provincial", Some("370000"))).await;
    assert_eq!(total, 17);
    assert!(
        seen.iter()
            .all(|c| c.starts_with("SD-") || c.starts_with("NDRC-")),
        "{seen:?}"
    );
    let (total, seen) = visible(&app, &token_for("provincial", Some("450000"))).await;
    assert_eq!(total, 5);
    assert!(seen.iter().all(|c| c.starts_with("HC-")));
    let (total, _) = visible(&app, &token_for("provincial", Some("330000"))).await;
    assert_eq!(total, 0, "Zhejiang has no pilots");
}

#[actix_web::test]
async fn a_county_user_sees_only_their_county() {
    let app = TestApp::spawn().await;
    let (total, seen) = visible(&app, &token_for("county", Some("371482"))).await;
    assert_eq!(
        seen,
        [
            "SD-2023-CITY-0001",
            "SD-2023-COMMUNITY-0001",
            "SD-2023-PARK-0002"
        ]
    );
    assert_eq!(total, 3);
}

#[actix_web::test]
async fn an_applicant_sees_only_its_organisations_pilots() {
    let app = TestApp::spawn().await;
    let org = app.applicant_of("SD-2023-PARK-0001").await;
    let (total, seen) = visible(&app, &applicant_token(&org)).await;
    assert_eq!(seen, ["NDRC-2023-PARK-0001", "SD-2023-PARK-0001"]);
    assert_eq!(total, 2);
    let orgs = app
        .gql(
            Some(&applicant_token(&org)),
            "{organizations{totalCount edges{node{id}}}}",
            json!({}),
        )
        .await;
    assert_eq!(orgs["data"]["organizations"]["totalCount"], 1);
    assert_eq!(
        orgs["data"]["organizations"]["edges"][0]["node"]["id"],
        org.as_str()
    );
}

#[actix_web::test]
async fn an_auditor_reads_everything_in_their_region() {
    let app = TestApp::spawn().await;
    let (total, seen) = visible(&app, &token_for("auditor", Some("451200"))).await;
    assert_eq!(total, 5);
    assert!(seen.iter().all(|c| c.starts_with("HC-")));
    let (_, seen) = visible(&app, &token_for("auditor", Some("371400"))).await;
    assert_eq!(seen, DEZHOU);
}

#[actix_web::test]
async fn bureaus_other_than_ecology_environment_see_only_the_types_they_lead() {
    let app = TestApp::spawn().await;
    let mut c = claims("municipal", Some("451200"));
    c.dept = Some("industry".into());
    let (_, seen) = visible(&app, &token(&c)).await;
    assert_eq!(seen, ["HC-2024-PARK-0001"]);
    c.dept = Some("education".into());
    let (_, seen) = visible(&app, &token(&c)).await;
    assert_eq!(seen, ["HC-2024-CAMPUS-0001"]);
    c.dept = Some("ecology_environment".into());
    let (total, _) = visible(&app, &token(&c)).await;
    assert_eq!(total, 5, "the compiling bureau reads every type");
    c.dept = None;
    let (total, _) = visible(&app, &token(&c)).await;
    assert_eq!(total, 0, "without a department, no led type is visible");
    // A department key is matched to the letter: `_` is no wildcard.
    for key in [
        "________",
        "_ndustry",
        "industr_",
        "educatio_",
        "development_refor_",
    ] {
        c.dept = Some(key.into());
        let (total, seen) = visible(&app, &token(&c)).await;
        assert_eq!(total, 0, "{key} matched {seen:?}");
    }
    // Shandong names no lead department, so any Dezhou bureau sees Dezhou's pilots.
    let mut c = claims("municipal", Some("371400"));
    c.dept = Some("housing".into());
    let (total, _) = visible(&app, &token(&c)).await;
    assert_eq!(total, 10);
}

#[actix_web::test]
async fn an_out_of_scope_pilot_is_not_found_by_id_or_node() {
    let app = TestApp::spawn().await;
    let jinan = app.pilot_id("SD-2023-CITY-0002").await;
    let dezhou = token_for("municipal", Some("371400"));
    let body = app
        .gql(
            Some(&dezhou),
            "query($id:ID!){pilot(id:$id){code}}",
            json!({"id": jinan}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
    assert!(body["data"].is_null(), "{body}");
    let body = app
        .gql(
            Some(&dezhou),
            "query($id:ID!){node(id:$id){id}}",
            json!({"id": jinan}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
    // A child record of an invisible pilot is just as invisible.
    let prov = token_for("provincial", Some("370000"));
    let plans = app
        .gql(
            Some(&prov),
            "query($id:ID!){pilot(id:$id){plans{id}}}",
            json!({"id": jinan}),
        )
        .await;
    let plan = plans["data"]["pilot"]["plans"][0]["id"]
        .as_str()
        .expect("plan")
        .to_owned();
    let body = app
        .gql(
            Some(&dezhou),
            "query($id:ID!){node(id:$id){id}}",
            json!({"id": plan}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
    let body = app
        .gql(
            Some(&prov),
            "query($id:ID!){node(id:$id){... on Plan{kind}}}",
            json!({"id": plan}),
        )
        .await;
    assert_eq!(body["data"]["node"]["kind"], "CREATION_PLAN");
    // And an id that names nothing looks the same as one out of scope.
    let body = app
        .gql(
            Some(&dezhou),
            "{pilot(id:\"UGlsb3Q6OTk5OTk\"){code}}",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
}

#[actix_web::test]
async fn a_pilot_reads_with_every_nested_record() {
    let app = TestApp::spawn().await;
    let id = app.pilot_id("SD-2023-PARK-0001").await;
    let q = r#"query($id:ID!){pilot(id:$id){
        code type status title program{documentNumber pilotTypes typeRules{pilotType referenceRatio referenceMinCount}}
        applicant{kind creditCode region{code}} region{code name parent{code}} municipality{code}
        plans{kind planVersion status document{mediaType sha256}}
        indicators{code category met latestActual{value}}
        keyProjects{name status} financingSources{kind committedAmount disbursedAmount status}
        financingTotals{committedAmount disbursedAmount}
        acceptanceRecords{attempt decision titleAwarded expertNames verdict{constraintMet constraintTotal referenceMet referenceTotal requiredRatio requiredMinCount result}}
        workflowEvents{action fromStatus toStatus actor{role}}
    }}"#;
    let body = app
        .gql(
            Some(&token_for("provincial", Some("370000"))),
            q,
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let p = &body["data"]["pilot"];
    assert_eq!(p["status"], "TITLED");
    assert_eq!(p["region"]["code"], "371402");
    assert_eq!(p["municipality"]["code"], "371400");
    assert_eq!(
        p["program"]["pilotTypes"],
        json!(["CITY", "PARK", "COMMUNITY"])
    );
    let verdict = &p["acceptanceRecords"][0]["verdict"];
    assert_eq!(
        verdict,
        &json!({"constraintMet":3,"constraintTotal":3,"referenceMet":8,"referenceTotal":11,"requiredRatio":"0.70","requiredMinCount":8,"result":"PASS"})
    );
    let met = p["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .filter(|i| i["met"] == true)
        .count();
    assert_eq!(met, 11, "3 constraints and 8 references are met");
    assert_eq!(p["plans"].as_array().expect("plans").len(), 4);
    assert_eq!(p["plans"][0]["status"], "SUPERSEDED");
    let events = p["workflowEvents"].as_array().expect("events");
    assert_eq!(events.first().expect("first")["action"], "SUBMIT");
    assert_eq!(events.last().expect("last")["toStatus"], "TITLED");
    // Totals are the exact sums of the sources' decimal strings.
    let sum: rust_decimal::Decimal = p["financingSources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            s["committedAmount"]
                .as_str()
                .expect("amount")
                .parse::<rust_decimal::Decimal>()
                .expect("decimal")
        })
        .sum();
    let total: rust_decimal::Decimal = p["financingTotals"]["committedAmount"]
        .as_str()
        .expect("total")
        .parse()
        .expect("decimal");
    assert_eq!(total, sum);
}

#[actix_web::test]
async fn expert_names_and_scores_are_hidden_from_applicants_until_the_decision() {
    let app = TestApp::spawn().await;
    let q = "query($id:ID!){pilot(id:$id){acceptanceRecords{expertNames reviewScore reviewResult} expertReviews{expertNames score}}}";
    // Forwarded, not yet decided.
    let pending = app.pilot_id("SD-2023-PARK-0002").await;
    let org = app.applicant_of("SD-2023-PARK-0002").await;
    let body = app
        .gql(Some(&applicant_token(&org)), q, json!({"id": pending}))
        .await;
    let record = &body["data"]["pilot"]["acceptanceRecords"][0];
    assert!(
        record["expertNames"].is_null() && record["reviewScore"].is_null(),
        "{body}"
    );
    assert_eq!(record["reviewResult"], "PASS");
    let official = app
        .gql(
            Some(&token_for("provincial", Some("370000"))),
            q,
            json!({"id": pending}),
        )
        .await;
    assert_eq!(
        official["data"]["pilot"]["acceptanceRecords"][0]["expertNames"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    // Decided: the applicant sees them.
    let titled = app.pilot_id("SD-2023-PARK-0001").await;
    let org = app.applicant_of("SD-2023-PARK-0001").await;
    let body = app
        .gql(Some(&applicant_token(&org)), q, json!({"id": titled}))
        .await;
    assert_eq!(
        body["data"]["pilot"]["acceptanceRecords"][0]["expertNames"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(
        body["data"]["pilot"]["expertReviews"][0]["expertNames"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    // Application review of a pilot still in review: hidden from the applicant.
    let reviewing = app.pilot_id("SD-2023-COMMUNITY-0004").await;
    let org = app.applicant_of("SD-2023-COMMUNITY-0004").await;
    let body = app
        .gql(Some(&applicant_token(&org)), q, json!({"id": reviewing}))
        .await;
    assert!(
        body["data"]["pilot"]["expertReviews"][0]["score"].is_null(),
        "{body}"
    );
}

#[actix_web::test]
async fn without_a_token_only_health_answers() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, "{health}", json!({})).await;
    assert_eq!(body["data"]["health"], "ok");
    for q in [
        "{me{sub}}",
        "{pilots{totalCount}}",
        "{regions{totalCount}}",
        "{programs{totalCount}}",
    ] {
        let body = app.gql(None, q, json!({})).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{q}: {body}");
    }
    let (status, text) = app.get("/healthz").await;
    assert_eq!((status, text.as_str()), (200, "ok"));
    let (status, _) = app.get("/readyz").await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn me_describes_the_caller() {
    let app = TestApp::spawn().await;
    let mut c = claims("municipal", Some("371400"));
    c.dept = Some("ecology_environment".into());
    let body = app
        .gql(
            Some(&token(&c)),
            "{me{sub role region org dept name}}",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["me"],
        json!({"sub":"test-municipal","role":"MUNICIPAL","region":"371400","org":null,"dept":"ecology_environment","name":"Test municipal"})
    );
    let org = app.applicant_of("SD-2023-CITY-0001").await;
    let body = app
        .gql(
            Some(&applicant_token(&org)),
            "{me{role region org}}",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["me"],
        json!({"role":"APPLICANT","region":"371482","org":org})
    );
}

#[actix_web::test]
async fn programs_are_visible_by_region() {
    let app = TestApp::spawn().await;
    let q = "{programs{totalCount edges{node{codePrefix}}}}";
    let prefixes = |body: serde_json::Value| {
        let mut v: Vec<String> = body["data"]["programs"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["codePrefix"].as_str().expect("prefix").to_owned())
            .collect();
        v.sort();
        v
    };
    let dezhou = app
        .gql(Some(&token_for("municipal", Some("371400"))), q, json!({}))
        .await;
    assert_eq!(prefixes(dezhou), ["NDRC", "SD"]);
    let hechi = app
        .gql(Some(&token_for("county", Some("451202"))), q, json!({}))
        .await;
    assert_eq!(prefixes(hechi), ["HC", "NDRC"]);
    let guangxi = app
        .gql(Some(&token_for("provincial", Some("450000"))), q, json!({}))
        .await;
    assert_eq!(
        prefixes(guangxi),
        ["HC", "NDRC"],
        "a province sees its municipalities' programs"
    );
}

#[actix_web::test]
async fn statistics_count_and_sum_only_what_the_caller_sees() {
    let app = TestApp::spawn().await;
    let dezhou = token_for("municipal", Some("371400"));
    let sd = app.program_id("SD").await;
    let q = "query($p:ID,$g:[StatisticsGroup!]!){pilotStatistics(programId:$p,groupBy:$g){key region{name} pilotCount financingTotals{committedAmount disbursedAmount}}}";
    let body = app
        .gql(Some(&dezhou), q, json!({"p": sd, "g": "TYPE"}))
        .await;
    let rows = body["data"]["pilotStatistics"]
        .as_array()
        .expect("rows")
        .clone();
    let counts: Vec<(String, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["key"].as_str().expect("k").to_owned(),
                r["pilotCount"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("CITY".to_owned(), 1),
            ("COMMUNITY".to_owned(), 3),
            ("PARK".to_owned(), 4)
        ]
    );
    // The totals are the exact sums of the pilots' own totals.
    let list = app
        .gql(Some(&dezhou), "query($p:ID){pilots(first:100,filter:{programId:$p}){edges{node{type financingTotals{committedAmount}}}}}", json!({"p": sd}))
        .await;
    let park_sum: rust_decimal::Decimal = list["data"]["pilots"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["type"] == "PARK")
        .map(|e| {
            e["node"]["financingTotals"]["committedAmount"]
                .as_str()
                .expect("amount")
                .parse::<rust_decimal::Decimal>()
                .expect("decimal")
        })
        .sum();
    let park = rows.iter().find(|r| r["key"] == "PARK").expect("park row");
    assert_eq!(
        park["financingTotals"]["committedAmount"]
            .as_str()
            .expect("amount")
            .parse::<rust_decimal::Decimal>()
            .expect("decimal"),
        park_sum
    );
    assert!(park_sum > rust_decimal::Decimal::ZERO);
    // By region: only Dezhou's counties, named.
    let body = app
        .gql(Some(&dezhou), q, json!({"p": null, "g": "MUNICIPALITY"}))
        .await;
    assert_eq!(
        body["data"]["pilotStatistics"],
        json!([{"key": "371400", "region": {"name": "德州市"}, "pilotCount": 10, "financingTotals": body["data"]["pilotStatistics"][0]["financingTotals"].clone()}])
    );
    let province = app
        .gql(
            Some(&token_for("provincial", Some("370000"))),
            q,
            json!({"p": null, "g": "STATUS"}),
        )
        .await;
    let total: u64 = province["data"]["pilotStatistics"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["pilotCount"].as_u64().expect("n"))
        .sum();
    assert_eq!(total, 17);
}

type Cells =
    std::collections::BTreeMap<String, (u64, rust_decimal::Decimal, rust_decimal::Decimal)>;

/// The statistics by municipality x type x status, and the same cells summed from every
/// visible pilot's own totals; returns both and the rows.
async fn cells_both_ways(app: &TestApp, token: &str) -> (Cells, Cells, Vec<serde_json::Value>) {
    let q = "{pilotStatistics(groupBy:[MUNICIPALITY,TYPE,STATUS]){key municipality{name} type status pilotCount financingTotals{committedAmount disbursedAmount}}}";
    let body = app.gql(Some(token), q, json!({})).await;
    let rows = body["data"]["pilotStatistics"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone();
    let dec = |v: &serde_json::Value| {
        v.as_str()
            .expect("amount")
            .parse::<rust_decimal::Decimal>()
            .expect("decimal")
    };
    let list = app
        .gql(Some(token), "{pilots(first:100){edges{node{municipality{code} type status financingTotals{committedAmount disbursedAmount}}}}}", json!({}))
        .await;
    let mut expected = Cells::new();
    for e in list["data"]["pilots"]["edges"].as_array().expect("edges") {
        let n = &e["node"];
        let key = format!(
            "{}/{}/{}",
            n["municipality"]["code"].as_str().expect("code"),
            n["type"].as_str().expect("t"),
            n["status"].as_str().expect("s")
        );
        let cell = expected.entry(key).or_default();
        cell.0 += 1;
        cell.1 += dec(&n["financingTotals"]["committedAmount"]);
        cell.2 += dec(&n["financingTotals"]["disbursedAmount"]);
    }
    let got: Cells = rows
        .iter()
        .map(|r| {
            (
                r["key"].as_str().expect("key").to_owned(),
                (
                    r["pilotCount"].as_u64().expect("n"),
                    dec(&r["financingTotals"]["committedAmount"]),
                    dec(&r["financingTotals"]["disbursedAmount"]),
                ),
            )
        })
        .collect();
    (got, expected, rows)
}

#[actix_web::test]
async fn statistics_group_by_several_dimensions_in_the_database_with_exact_sums() {
    let app = TestApp::spawn().await;
    let shandong = token_for("provincial", Some("370000"));
    let (got, expected, rows) = cells_both_ways(&app, &shandong).await;
    // Every visible pilot falls in exactly one cell; the cells are ordered by their keys and
    // their sums are the exact sums of their pilots' own totals.
    let count: u64 = rows
        .iter()
        .map(|r| r["pilotCount"].as_u64().expect("n"))
        .sum();
    assert_eq!(count, 17);
    let keys: Vec<String> = rows
        .iter()
        .map(|r| r["key"].as_str().expect("key").to_owned())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(got, expected);
    let dezhou_park = rows
        .iter()
        .find(|r| r["key"] == "371400/PARK/TITLED")
        .expect("a titled park in Dezhou");
    assert_eq!(dezhou_park["municipality"]["name"], "德州市");
    assert_eq!(
        (dezhou_park["type"].clone(), dezhou_park["status"].clone()),
        (json!("PARK"), json!("TITLED"))
    );

    // The cells follow every change: money added, money cancelled, a pilot moving on.
    let code = "SD-2023-COMMUNITY-0001";
    let pilot = app.pilot_id(code).await;
    let applicant = applicant_token(&app.applicant_of(code).await);
    let added = app
        .mutate(&applicant, "createFinancingSource", "CreateFinancingSourceInput",
            json!({"pilotId": pilot, "kind": "GREEN_BOND", "provider": "绿色债券", "committedAmount": "1234567.89"}),
            "financingSource{id version}")
        .await;
    app.mutate(&applicant, "updateFinancingSource", "UpdateFinancingSourceInput",
        json!({"id": added["financingSource"]["id"], "version": added["financingSource"]["version"], "status": "CANCELLED"}),
        "financingSource{status}")
        .await;
    app.mutate(&applicant, "createFinancingSource", "CreateFinancingSourceInput",
        json!({"pilotId": pilot, "kind": "GREEN_CREDIT", "provider": "农业银行", "committedAmount": "0.07"}),
        "financingSource{id}")
        .await;
    let county = token_for("county", Some("371481"));
    let park = app.pilot_id("SD-2023-PARK-0005").await;
    app.as_(&county).endorse(&park).await;
    let (got, expected, _) = cells_both_ways(&app, &shandong).await;
    assert_eq!(got, expected);
    // The municipal cells (grouping by municipality) and the finer ones (grouping by the
    // region too), both kept by triggers, agree.
    let by = |g: &'static str| {
        let app = &app;
        let shandong = &shandong;
        async move {
            let body = app
                .gql(
                    Some(shandong),
                    &format!("{{pilotStatistics(groupBy:{g}){{municipality{{code}} pilotCount financingTotals{{committedAmount disbursedAmount}}}}}}"),
                    json!({}),
                )
                .await;
            let mut sums = Cells::new();
            for r in body["data"]["pilotStatistics"].as_array().expect("rows") {
                let cell = sums
                    .entry(r["municipality"]["code"].as_str().expect("code").to_owned())
                    .or_default();
                cell.0 += r["pilotCount"].as_u64().expect("n");
                for (sum, field) in [
                    (&mut cell.1, "committedAmount"),
                    (&mut cell.2, "disbursedAmount"),
                ] {
                    *sum += r["financingTotals"][field]
                        .as_str()
                        .expect("amount")
                        .parse::<rust_decimal::Decimal>()
                        .expect("decimal");
                }
            }
            sums
        }
    };
    let coarse = by("MUNICIPALITY").await;
    assert_eq!(coarse.len(), 4, "{coarse:?}");
    assert_eq!(coarse, by("[MUNICIPALITY, REGION]").await);
    // And for every kind of viewer, within its own scope.
    for token in [
        token_for("municipal", Some("371400")),
        token_for("county", Some("371481")),
        token_with_dept("municipal", "451200", "education"),
        applicant,
    ] {
        let (got, expected, _) = cells_both_ways(&app, &token).await;
        assert_eq!(got, expected);
    }

    // One dimension may be given without a list; none, or one twice, is refused.
    let one = app
        .gql(
            Some(&shandong),
            "{pilotStatistics(groupBy: TYPE){key type status}}",
            json!({}),
        )
        .await;
    assert_eq!(
        one["data"]["pilotStatistics"][0]["status"],
        serde_json::Value::Null,
        "{one}"
    );
    for bad in ["[]", "[TYPE, TYPE]"] {
        let body = app
            .gql(
                Some(&shandong),
                &format!("{{pilotStatistics(groupBy: {bad}){{key}}}}"),
                json!({}),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{bad}: {body}");
    }
}

#[actix_web::test]
async fn a_changed_lead_department_list_moves_visibility_and_keeps_the_old_item_on_record() {
    let app = TestApp::spawn().await;
    let guangxi = token_for("provincial", Some("450000"));
    // Hechi's program is managed by Hechi's compiling bureau, not by the autonomous region.
    let hechi = token_with_dept("municipal", "451200", "ecology_environment");
    let program = app.program_id("HC").await;
    let body = app
        .gql(
            Some(&guangxi),
            "query($id:ID!){program(id:$id){version typeRules{pilotType regionLevel applicantKinds minParkLevel leadDepartments quota quotaRegionLevel referenceRatio referenceMinCount title}}}",
            json!({"id": program}),
        )
        .await;
    let p = &body["data"]["program"];
    let mut rules = p["typeRules"].as_array().expect("rules").clone();
    let park = rules
        .iter_mut()
        .find(|r| r["pilotType"] == "PARK")
        .expect("a PARK rule");
    assert_eq!(park["leadDepartments"], json!(["industry"]), "{body}");
    park["leadDepartments"] = json!(["commerce"]);
    for r in &mut rules {
        if r["quota"].is_null() {
            r.as_object_mut().expect("rule").remove("quota");
        }
        if r["minParkLevel"].is_null() {
            r.as_object_mut().expect("rule").remove("minParkLevel");
        }
    }
    let input = json!({"id": program, "version": p["version"], "typeRules": rules});
    for outsider in [
        guangxi.clone(),
        token_with_dept("municipal", "451200", "industry"),
    ] {
        let code = app
            .refuse(
                &outsider,
                "updateProgram",
                "UpdateProgramInput",
                input.clone(),
            )
            .await;
        assert_eq!(code, "FORBIDDEN");
    }
    let out = app
        .mutate(
            &hechi,
            "updateProgram",
            "UpdateProgramInput",
            input,
            "program{typeRules{pilotType leadDepartments recommender preliminaryReviewer}}",
        )
        .await;
    let park = out["program"]["typeRules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["pilotType"] == "PARK")
        .cloned()
        .expect("PARK");
    assert_eq!(park["leadDepartments"], json!(["commerce"]));
    assert_eq!(
        park["recommender"], "COUNTY",
        "an absent chain field stays as it was"
    );
    assert!(park["preliminaryReviewer"].is_null());
    let mut c = claims("municipal", Some("451200"));
    c.dept = Some("industry".into());
    let (_, seen) = visible(&app, &token(&c)).await;
    assert!(!seen.contains(&"HC-2024-PARK-0001".to_owned()), "{seen:?}");
    c.dept = Some("commerce".into());
    let (_, seen) = visible(&app, &token(&c)).await;
    assert!(seen.contains(&"HC-2024-PARK-0001".to_owned()), "{seen:?}");
    // The withdrawn item is retired, not deleted: its change is in the trail.
    let events = app
        .gql(
            Some(&guangxi),
            "{auditEvents(filter:{entityType:\"ProgramRuleValue\", action:\"RETIRE\"}, first:10){edges{node{before after}}}}",
            json!({}),
        )
        .await;
    let retired = &events["data"]["auditEvents"]["edges"][0]["node"];
    assert_eq!(retired["before"]["value"], "industry", "{events}");
    assert!(retired["after"]["retiredAt"].is_string(), "{events}");
}

//! Regional carbon-peak plans: the demo plans as the documents state them, who reads which
//! plan, who drafts, issues, reports and assesses, progress against the targets' paths, and
//! the same trail, history, feed and export guarantees as pilots.

use crate::helpers::*;
use serde_json::{Value, json};

const PLAN: &str =
    "id region{code} status version title issuedOn periodStartYear periodEndYear availableActions";

async fn plans(app: &TestApp, token: &str) -> Vec<Value> {
    let q = format!("{{regionalPlans{{{PLAN}}}}}");
    let body = app.gql(Some(token), &q, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["regionalPlans"]
        .as_array()
        .expect("plans")
        .clone()
}

async fn plan_of(app: &TestApp, token: &str, region: &str) -> Value {
    plans(app, token)
        .await
        .into_iter()
        .find(|p| p["region"]["code"] == region && p["status"] != "SUPERSEDED")
        .unwrap_or_else(|| panic!("no plan of {region}"))
}

fn municipal() -> String {
    token_for("municipal", Some("371400"))
}

#[actix_web::test]
async fn the_demo_plans_carry_the_documents_targets_and_tasks() {
    let app = TestApp::spawn().await;
    let dezhou = plan_of(&app, &municipal(), "371400").await;
    assert_eq!(dezhou["status"], "ISSUED");
    assert_eq!(dezhou["issuedOn"], "2023-07-13");
    let q = "query($id:ID!){regionalPlan(id:$id){targets{code unit direction baselineYear baselineValue values{year value bound quote}} tasks{number field units{unit department lead}}}}";
    let body = app
        .gql(Some(&municipal()), q, json!({"id": dezhou["id"]}))
        .await;
    let plan = &body["data"]["regionalPlan"];
    let target = |code: &str| {
        plan["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .find(|t| t["code"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("no {code}: {body}"))
    };
    let c2 = target("C2");
    assert_eq!(
        c2["values"],
        json!([
            {"year": 2025, "value": "13", "bound": "ABOUT", "quote": "By 2025, the proportion of non-fossil energy consumption will increase to about 13%"},
            {"year": 2030, "value": "18", "bound": "ABOUT", "quote": "By 2030, the proportion of non-fossil energy consumption will reach about 18%"}
        ])
    );
    let r01 = target("R01");
    assert_eq!(
        (
            &r01["direction"],
            &r01["baselineYear"],
            &r01["baselineValue"]
        ),
        (&json!("DECREASE"), &json!(2020), &json!("0"))
    );
    assert_eq!(r01["values"][0]["value"], "-16");
    assert_eq!(r01["values"][0]["bound"], "AT_MOST");
    let tasks = plan["tasks"].as_array().expect("tasks");
    assert!(tasks.len() >= 10, "{}", tasks.len());
    let pv = &tasks[0];
    assert_eq!(pv["number"], "I.1");
    assert_eq!(pv["field"], "ENERGY_INFRASTRUCTURE");
    assert_eq!(
        pv["units"][0],
        json!({"unit": "Municipal Development and Reform Commission", "department": "development_reform", "lead": true})
    );
    assert_eq!(
        pv["units"][8],
        json!({"unit": "State Grid Dezhou Power Supply Company", "department": null, "lead": false})
    );
    for t in tasks {
        let leads = t["units"]
            .as_array()
            .expect("units")
            .iter()
            .filter(|u| u["lead"] == true)
            .count();
        assert_eq!(leads, 1, "{t}");
    }

    let zj = token_for("provincial", Some("330000"));
    let zhejiang = plan_of(&app, &zj, "330000").await;
    let body = app
        .gql(
            Some(&zj),
            "query($id:ID!){regionalPlan(id:$id){targets{code values{year value bound}}}}",
            json!({"id": zhejiang["id"]}),
        )
        .await;
    let targets = &body["data"]["regionalPlan"]["targets"];
    let forest = targets
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["code"] == "R06")
        .expect("forest coverage");
    assert_eq!(
        forest["values"],
        json!([{"year": 2025, "value": "61.5", "bound": "EXACTLY"}, {"year": 2030, "value": "61.5", "bound": "ABOUT"}])
    );
    let share = targets
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["code"] == "C2")
        .expect("non-fossil share");
    assert_eq!(share["values"][0]["value"], "24");
    assert_eq!(share["values"][1]["value"], "30");
}

#[actix_web::test]
async fn each_role_reads_the_plans_of_its_own_regions_and_no_others() {
    let app = TestApp::spawn().await;
    let regions = |ps: Vec<Value>| {
        let mut v: Vec<String> = ps
            .iter()
            .map(|p| p["region"]["code"].as_str().expect("code").to_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        regions(plans(&app, &token_for("national", None)).await),
        ["330000", "371400"]
    );
    assert_eq!(regions(plans(&app, &municipal()).await), ["371400"]);
    assert_eq!(
        regions(plans(&app, &token_for("county", Some("371422"))).await),
        ["371400"]
    );
    assert_eq!(
        regions(plans(&app, &token_for("provincial", Some("370000"))).await),
        ["371400"]
    );
    assert_eq!(
        regions(plans(&app, &token_for("auditor", Some("370000"))).await),
        ["371400"]
    );
    assert_eq!(
        regions(plans(&app, &token_for("provincial", Some("330000"))).await),
        ["330000"]
    );
    assert!(
        plans(&app, &token_for("municipal", Some("370100")))
            .await
            .is_empty(),
        "Jinan sees neither"
    );
    // An applicant under Dezhou reads Dezhou's issued plan.
    let body = app
        .gql(
            Some(&municipal()),
            "{pilots(first:1){edges{node{code}}}}",
            json!({}),
        )
        .await;
    let code = body["data"]["pilots"]["edges"][0]["node"]["code"]
        .as_str()
        .expect("a Dezhou pilot");
    let org = app.applicant_of(code).await;
    assert_eq!(
        regions(plans(&app, &applicant_token(&org)).await),
        ["371400"]
    );
    // Out of scope reads as absent.
    let zj = plan_of(&app, &token_for("national", None), "330000").await;
    let body = app
        .gql(
            Some(&municipal()),
            "query($id:ID!){regionalPlan(id:$id){id}}",
            json!({"id": zj["id"]}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = app
        .gql(
            Some(&municipal()),
            "query($id:ID!){node(id:$id){id}}",
            json!({"id": zj["id"]}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}

#[actix_web::test]
async fn reports_progress_and_late_reports_are_visible_to_the_city() {
    let app = TestApp::spawn().await;
    let t = municipal();
    let dezhou = plan_of(&app, &t, "371400").await;
    let q = "query($id:ID!){regionalPlan(id:$id){
        reportStatus{region{code} year dueOn overdue late report{year values{targetCode value}} assessment{rating}}
        targets{code rollup{reporting onTrack offTrack undetermined} progress{region{code} year actual expected onTrack}}}}";
    let body = app.gql(Some(&t), q, json!({"id": dezhou["id"]})).await;
    let plan = &body["data"]["regionalPlan"];
    let status = plan["reportStatus"].as_array().expect("status");
    // 11 counties × 2023 and 2024 (2025's reports fall due on 2026-03-31, in the past).
    let of = |year: i64| status.iter().filter(|s| s["year"] == year).count();
    assert_eq!((of(2023), of(2024), of(2025)), (11, 11, 11), "{body}");
    let leling_2024 = status
        .iter()
        .find(|s| s["region"]["code"] == "371481" && s["year"] == 2024)
        .expect("Leling 2024");
    assert_eq!(leling_2024["overdue"], true);
    assert!(leling_2024["report"].is_null());
    assert_eq!(
        status
            .iter()
            .filter(|s| s["overdue"] == true && s["year"] != 2025)
            .count(),
        1
    );
    let filed = status
        .iter()
        .filter(|s| s["year"] == 2024 && !s["report"].is_null())
        .count();
    assert_eq!(filed, 10);
    assert_eq!(
        status.iter().filter(|s| !s["assessment"].is_null()).count(),
        21
    );
    let target = |code: &str| {
        plan["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .find(|x| x["code"] == code)
            .cloned()
            .expect("target")
    };
    // Energy use per unit GDP: the path runs from 0 in 2020 to -16 in 2025 (-12.8 in 2024).
    let r01 = target("R01");
    assert_eq!(
        r01["rollup"],
        json!({"reporting": 11, "onTrack": 7, "offTrack": 4, "undetermined": 0})
    );
    let first = &r01["progress"][0];
    assert_eq!(
        first,
        &json!({"region": {"code": "371402"}, "year": 2024, "actual": "-11.5", "expected": "-12.8", "onTrack": false})
    );
    // The non-fossil share has no baseline: nothing to judge before 2025.
    assert_eq!(
        target("C2")["rollup"],
        json!({"reporting": 11, "onTrack": 0, "offTrack": 0, "undetermined": 11})
    );
}

#[actix_web::test]
async fn counties_report_to_their_city_and_the_city_assesses_them() {
    let app = TestApp::spawn().await;
    let city = municipal();
    let dezhou = plan_of(&app, &city, "371400").await;
    let county = token_for("county", Some("371422"));
    let q =
        "query($id:ID!){regionalPlan(id:$id){availableActions targets{id code} tasks{id number}}}";
    let body = app.gql(Some(&county), q, json!({"id": dezhou["id"]})).await;
    let plan = &body["data"]["regionalPlan"];
    assert_eq!(plan["availableActions"], json!(["SUBMIT_REPORT"]));
    assert_eq!(
        dezhou["availableActions"],
        json!(["REVISE", "UPDATE_TASK_STATUS", "ASSESS"])
    );
    let c2 = plan["targets"][0]["id"].clone();
    let task = plan["tasks"][0]["id"].clone();
    let report = json!({"planId": dezhou["id"], "year": 2025, "summary": "Ningjin 2025",
        "values": [{"targetId": c2, "value": "12.40"}],
        "progress": [{"taskId": task, "status": "IN_PROGRESS", "note": "two rooftop projects"}]});
    let done = app
        .mutate(
            &county,
            "submitRegionalReport",
            "SubmitRegionalReportInput",
            report.clone(),
            "report{year region{code} late values{targetCode value} progress{taskNumber status}}",
        )
        .await;
    assert_eq!(
        done["report"],
        json!({"year": 2025, "region": {"code": "371422"}, "late": true,
            "values": [{"targetCode": "C2", "value": "12.40"}],
            "progress": [{"taskNumber": "I.1", "status": "IN_PROGRESS"}]})
    );
    let input = "SubmitRegionalReportInput";
    assert_eq!(
        app.refuse(&county, "submitRegionalReport", input, report.clone())
            .await,
        "CONFLICT"
    );
    let mut this_year = report.clone();
    this_year["year"] = json!(2026);
    assert_eq!(
        app.refuse(&county, "submitRegionalReport", input, this_year)
            .await,
        "BAD_USER_INPUT"
    );
    let mut foreign = report.clone();
    foreign["values"] = json!([{"targetId": "UmVnaW9uYWxUYXJnZXQ6OTk5OTk", "value": "1"}]);
    assert_eq!(
        app.refuse(
            &token_for("county", Some("371423")),
            "submitRegionalReport",
            input,
            foreign
        )
        .await,
        "BAD_USER_INPUT"
    );
    for (who, code) in [
        (token_for("provincial", Some("370000")), "FORBIDDEN"),
        (city.clone(), "FORBIDDEN"),
        (token_for("county", Some("370102")), "NOT_FOUND"),
        (
            token_with_dept("county", "371423", "transport"),
            "FORBIDDEN",
        ),
        (token_for("auditor", Some("370000")), "FORBIDDEN"),
    ] {
        assert_eq!(
            app.refuse(&who, "submitRegionalReport", input, report.clone())
                .await,
            code
        );
    }

    let assess = |region: &str| json!({"planId": dezhou["id"], "regionCode": region, "year": 2025, "rating": "GOOD", "comments": "on schedule"});
    let done = app
        .mutate(
            &city,
            "assessRegion",
            "AssessRegionInput",
            assess("371422"),
            "assessment{region{code} year rating assessorSub}",
        )
        .await;
    assert_eq!(
        done["assessment"],
        json!({"region": {"code": "371422"}, "year": 2025, "rating": "GOOD", "assessorSub": "test-municipal"})
    );
    assert_eq!(
        app.refuse(&city, "assessRegion", "AssessRegionInput", assess("371422"))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.refuse(&city, "assessRegion", "AssessRegionInput", assess("371423"))
            .await,
        "RULE_VIOLATION",
        "nothing reported to assess"
    );
    assert_eq!(
        app.refuse(
            &county,
            "assessRegion",
            "AssessRegionInput",
            assess("371422")
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.refuse(
            &token_for("provincial", Some("370000")),
            "assessRegion",
            "AssessRegionInput",
            assess("371422")
        )
        .await,
        "FORBIDDEN"
    );
}

fn draft(region: &str, supersedes: Option<&Value>) -> Value {
    json!({
        "regionCode": region,
        "supersedesId": supersedes,
        "issuingAuthority": "德州市人民政府",
        "title": "德州市碳达峰工作方案（修订）",
        "periodStartYear": 2021, "periodEndYear": 2030,
        "targets": [{"code": "C2", "name": "non-fossil share", "unit": "%", "direction": "INCREASE",
            "values": [{"year": 2025, "value": "13", "bound": "ABOUT"}, {"year": 2030, "value": "19", "bound": "ABOUT"}]}],
        "tasks": [{"number": "I.1", "title": "photovoltaics", "field": "ENERGY_INFRASTRUCTURE",
            "units": [{"unit": "Municipal Transportation Bureau", "department": "transport"},
                      {"unit": "Municipal Development and Reform Commission", "department": "development_reform", "lead": true}]}]
    })
}

#[actix_web::test]
async fn a_revised_plan_is_drafted_issued_and_supersedes_the_old_which_stays_readable() {
    let app = TestApp::spawn().await;
    let city = municipal();
    let old = plan_of(&app, &city, "371400").await;
    for (who, code) in [
        (token_for("provincial", Some("370000")), "FORBIDDEN"),
        (
            token_with_dept("municipal", "371400", "transport"),
            "FORBIDDEN",
        ),
        (token_for("county", Some("371422")), "FORBIDDEN"),
    ] {
        assert_eq!(
            app.refuse(
                &who,
                "draftRegionalPlan",
                "DraftRegionalPlanInput",
                draft("371400", Some(&old["id"]))
            )
            .await,
            code
        );
    }
    let mut bad = draft("371400", Some(&old["id"]));
    bad["targets"][0]["values"][1]["year"] = json!(2025);
    assert_eq!(
        app.refuse(&city, "draftRegionalPlan", "DraftRegionalPlanInput", bad)
            .await,
        "BAD_USER_INPUT"
    );
    let new = app
        .mutate(
            &city,
            "draftRegionalPlan",
            "DraftRegionalPlanInput",
            draft("371400", Some(&old["id"])),
            &format!("plan{{{PLAN} tasks{{units{{unit lead}}}}}}"),
        )
        .await["plan"]
        .clone();
    assert_eq!(new["status"], "DRAFT");
    assert_eq!(new["availableActions"], json!(["ISSUE"]));
    assert_eq!(new["tasks"][0]["units"][1]["lead"], true);
    assert_eq!(new["tasks"][0]["units"][0]["lead"], false);
    assert_eq!(
        app.refuse(
            &city,
            "draftRegionalPlan",
            "DraftRegionalPlanInput",
            draft("371400", Some(&old["id"]))
        )
        .await,
        "CONFLICT",
        "one revision at a time"
    );
    // A draft is the city's own business: the counties below do not see it.
    let county = token_for("county", Some("371422"));
    let read = "query($id:ID!){regionalPlan(id:$id){status}}";
    let body = app.gql(Some(&county), read, json!({"id": new["id"]})).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));

    let issue = "mutation($id:ID!,$v:Int!){issueRegionalPlan(id:$id,version:$v,issuedOn:\"2026-11-19\",documentNumber:\"德政字〔2026〕1号\"){plan{status documentNumber issuedOn}}}";
    let body = app
        .gql(
            Some(&county),
            issue,
            json!({"id": new["id"], "v": new["version"]}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(Some(&city), issue, json!({"id": new["id"], "v": 99}))
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    let body = app
        .gql(
            Some(&city),
            issue,
            json!({"id": new["id"], "v": new["version"]}),
        )
        .await;
    assert_eq!(
        body["data"]["issueRegionalPlan"]["plan"],
        json!({"status": "ISSUED", "documentNumber": "德政字〔2026〕1号", "issuedOn": "2026-11-19"}),
        "{body}"
    );
    let body = app.gql(Some(&county), read, json!({"id": old["id"]})).await;
    assert_eq!(body["data"]["regionalPlan"]["status"], "SUPERSEDED");
    let body = app.gql(Some(&county), read, json!({"id": new["id"]})).await;
    assert_eq!(body["data"]["regionalPlan"]["status"], "ISSUED");
    let body = app
        .gql(Some(&city), issue, json!({"id": new["id"], "v": 2}))
        .await;
    assert_eq!(error_code(&body), Some("INVALID_TRANSITION"), "{body}");
}

#[actix_web::test]
async fn the_plan_has_its_history_its_past_and_its_place_in_the_feed_and_exports() {
    let app = TestApp::spawn().await;
    let city = municipal();
    let dezhou = plan_of(&app, &city, "371400").await;
    let q = "query($id:ID!,$at:DateTime){regionalPlan(id:$id,asOf:$at){status reports{year} assessments{year} history(first:5){totalCount edges{node{entityType action}}}}}";
    let body = app
        .gql(
            Some(&city),
            q,
            json!({"id": dezhou["id"], "at": "2024-12-31T00:00:00Z"}),
        )
        .await;
    let then = &body["data"]["regionalPlan"];
    assert_eq!(then["status"], "ISSUED", "{body}");
    assert_eq!(then["reports"].as_array().map(Vec::len), Some(11));
    assert_eq!(then["assessments"].as_array().map(Vec::len), Some(11));
    let body = app
        .gql(
            Some(&city),
            q,
            json!({"id": dezhou["id"], "at": "2023-07-12T00:00:00Z"}),
        )
        .await;
    assert!(body["data"]["regionalPlan"].is_null(), "{body}");
    let body = app
        .gql(Some(&city), q, json!({"id": dezhou["id"], "at": null}))
        .await;
    let now = &body["data"]["regionalPlan"];
    assert_eq!(now["reports"].as_array().map(Vec::len), Some(21));
    assert_eq!(
        now["history"]["edges"][0]["node"]["entityType"],
        "RegionalPlan"
    );
    assert_eq!(now["history"]["edges"][0]["node"]["action"], "CREATE");
    let events = now["history"]["totalCount"].as_i64().expect("count");
    assert!(events > 100, "{events}");

    // The county reads the plan's events in the trail and the change feed (one scope for
    // both); Jinan, beside Dezhou, reads none of them.
    let trail = "query($p:ID){auditEvents(filter:{planId:$p},first:1){totalCount}}";
    let count = |body: &Value| body["data"]["auditEvents"]["totalCount"].as_i64();
    let county = token_for("county", Some("371422"));
    let jinan = token_for("municipal", Some("370100"));
    let plan = json!({"p": dezhou["id"]});
    assert_eq!(
        count(&app.gql(Some(&county), trail, plan.clone()).await),
        Some(events)
    );
    assert_eq!(count(&app.gql(Some(&jinan), trail, plan).await), Some(0));
    let feed = "{changes(first:100){edges{node{entityType}}}}";
    let regional = |body: &Value| {
        body["data"]["changes"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter(|e| {
                e["node"]["entityType"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("Regional"))
            })
            .count()
    };
    let county_feed = app.gql(Some(&county), feed, json!({})).await;
    assert!(regional(&county_feed) > 0, "{county_feed}");

    let (status, lines) = app.export(Some(&city), "regional-plans.ndjson").await;
    assert_eq!(status, 200);
    let of = |t: &str| lines.iter().filter(|l| l["_type"] == t).count();
    assert_eq!(of("RegionalPlan"), 1);
    assert_eq!(of("RegionalTask"), 12);
    assert_eq!(of("RegionalReport"), 21);
    assert_eq!(of("RegionalAssessment"), 21);
    assert_eq!(lines.last().expect("end")["_type"], "EndOfExport");
    let (_, zj_lines) = app
        .export(
            Some(&token_for("provincial", Some("330000"))),
            "regional-plans.ndjson",
        )
        .await;
    assert!(
        zj_lines
            .iter()
            .filter(|l| l["_type"] == "RegionalPlan")
            .all(|l| l["regionCode"] == "330000")
    );
    let t = token_for("auditor", Some("370000"));
    let body = app
        .gql(Some(&t), "{verifyAuditChain{valid}}", json!({}))
        .await;
    assert_eq!(body["data"]["verifyAuditChain"]["valid"], true);
}

#[actix_web::test]
async fn a_bureau_reads_its_responsibilities_and_statistics_follow_the_plan_region() {
    let app = TestApp::spawn().await;
    let transport = token_with_dept("municipal", "371400", "transport");
    let body = app
        .gql(
            Some(&transport),
            "{responsibilities{lead task{number} plan{region{code}}}}",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["responsibilities"],
        json!([
            {"lead": false, "task": {"number": "III.2"}, "plan": {"region": {"code": "371400"}}},
            {"lead": true, "task": {"number": "V.1"}, "plan": {"region": {"code": "371400"}}},
            {"lead": true, "task": {"number": "V.2"}, "plan": {"region": {"code": "371400"}}}
        ]),
        "{body}"
    );
    let body = app
        .gql(Some(&municipal()), "{responsibilities{lead}}", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));

    let province = token_for("provincial", Some("370000"));
    let dezhou = plan_of(&app, &province, "371400").await;
    let q =
        "query($p:ID){pilotStatistics(regionalPlanId:$p, groupBy:[MUNICIPALITY]){key pilotCount}}";
    let inside = app
        .gql(Some(&province), q, json!({"p": dezhou["id"]}))
        .await;
    let rows = inside["data"]["pilotStatistics"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{inside}");
    assert_eq!(rows[0]["key"], "371400");
    let all = app.gql(Some(&province), q, json!({"p": null})).await;
    let dezhou_row = all["data"]["pilotStatistics"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == "371400")
        .cloned()
        .expect("Dezhou");
    assert_eq!(dezhou_row["pilotCount"], rows[0]["pilotCount"]);
}

#[actix_web::test]
async fn an_applicant_links_its_key_project_to_a_task_of_its_regions_plan() {
    let app = TestApp::spawn().await;
    let city = municipal();
    let dezhou = plan_of(&app, &city, "371400").await;
    let body = app
        .gql(
            Some(&city),
            "{pilots(first:50){edges{node{code status keyProjects{id version}}}}}",
            json!({}),
        )
        .await;
    let pilot = body["data"]["pilots"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .find(|n| {
            n["keyProjects"].as_array().is_some_and(|k| !k.is_empty())
                && !["REJECTED", "WITHDRAWN", "REVOKED"]
                    .contains(&n["status"].as_str().unwrap_or(""))
        })
        .cloned()
        .expect("a Dezhou pilot with a key project");
    let code = pilot["code"].as_str().expect("code");
    let applicant = applicant_token(&app.applicant_of(code).await);
    let project = &pilot["keyProjects"][0];
    let tasks = app
        .gql(
            Some(&applicant),
            "query($id:ID!){regionalPlan(id:$id){tasks{id number}}}",
            json!({"id": dezhou["id"]}),
        )
        .await;
    let task = tasks["data"]["regionalPlan"]["tasks"][0]["id"].clone();
    let link = "mutation($id:ID!,$v:Int!,$t:ID){linkKeyProjectToTask(id:$id,version:$v,taskId:$t){keyProject{version}}}";
    let body = app
        .gql(
            Some(&city),
            link,
            json!({"id": project["id"], "v": project["version"], "t": task}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(
            Some(&applicant),
            link,
            json!({"id": project["id"], "v": project["version"], "t": "UmVnaW9uYWxUYXNrOjk5OTk5"}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let body = app
        .gql(
            Some(&applicant),
            link,
            json!({"id": project["id"], "v": project["version"], "t": task}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let body = app
        .gql(
            Some(&city),
            "query($id:ID!){regionalPlan(id:$id){tasks{number keyProjects{id}}}}",
            json!({"id": dezhou["id"]}),
        )
        .await;
    assert_eq!(
        body["data"]["regionalPlan"]["tasks"][0]["keyProjects"],
        json!([{"id": project["id"]}])
    );
}

#[actix_web::test]
async fn a_city_reports_to_its_province_which_assesses_it_and_keeps_its_tasks() {
    let app = TestApp::spawn().await;
    let province = token_for("provincial", Some("330000"));
    let zhejiang = plan_of(&app, &province, "330000").await;
    assert_eq!(
        zhejiang["availableActions"],
        json!(["REVISE", "UPDATE_TASK_STATUS", "ASSESS"])
    );
    let hangzhou = token_for("municipal", Some("330100"));
    let q = "query($id:ID!){regionalPlan(id:$id){availableActions targets{id code}}}";
    let body = app
        .gql(Some(&hangzhou), q, json!({"id": zhejiang["id"]}))
        .await;
    assert_eq!(
        body["data"]["regionalPlan"]["availableActions"],
        json!(["SUBMIT_REPORT"])
    );
    let share = body["data"]["regionalPlan"]["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["code"] == "C2")
        .map(|t| t["id"].clone())
        .expect("C2");
    let report = json!({"planId": zhejiang["id"], "year": 2025, "summary": "Hangzhou 2025",
        "values": [{"targetId": share, "value": "25.1"}]});
    app.mutate(
        &hangzhou,
        "submitRegionalReport",
        "SubmitRegionalReportInput",
        report.clone(),
        "report{id}",
    )
    .await;
    // A county reports to its city, not to the province.
    assert_eq!(
        app.refuse(
            &token_for("county", Some("330102")),
            "submitRegionalReport",
            "SubmitRegionalReportInput",
            report
        )
        .await,
        "FORBIDDEN"
    );
    let assessed = app
        .mutate(
            &province,
            "assessRegion",
            "AssessRegionInput",
            json!({"planId": zhejiang["id"], "regionCode": "330100", "year": 2025, "rating": "EXCELLENT"}),
            "assessment{rating region{code}}",
        )
        .await;
    assert_eq!(
        assessed["assessment"],
        json!({"rating": "EXCELLENT", "region": {"code": "330100"}})
    );
    let q = "query($id:ID!){regionalPlan(id:$id){targets{code progress{region{code} year actual expected onTrack}}}}";
    let body = app
        .gql(Some(&province), q, json!({"id": zhejiang["id"]}))
        .await;
    let progress = body["data"]["regionalPlan"]["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["code"] == "C2")
        .map(|t| t["progress"].clone())
        .expect("C2");
    assert_eq!(
        progress,
        json!([{"region": {"code": "330100"}, "year": 2025, "actual": "25.1", "expected": "24", "onTrack": true}])
    );

    // Task status is kept by the plan's managers.
    let city = municipal();
    let dezhou = plan_of(&app, &city, "371400").await;
    let body = app
        .gql(
            Some(&city),
            "query($id:ID!){regionalPlan(id:$id){tasks{id version status}}}",
            json!({"id": dezhou["id"]}),
        )
        .await;
    let task = body["data"]["regionalPlan"]["tasks"][0].clone();
    assert_eq!(task["status"], "NOT_STARTED");
    let set = "mutation($id:ID!,$v:Int!){setRegionalTaskStatus(id:$id,version:$v,status:IN_PROGRESS){task{status version}}}";
    let vars = json!({"id": task["id"], "v": task["version"]});
    let body = app
        .gql(
            Some(&token_for("county", Some("371422"))),
            set,
            vars.clone(),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app.gql(Some(&city), set, vars.clone()).await;
    assert_eq!(
        body["data"]["setRegionalTaskStatus"]["task"],
        json!({"status": "IN_PROGRESS", "version": 2}),
        "{body}"
    );
    let body = app.gql(Some(&city), set, vars).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
}

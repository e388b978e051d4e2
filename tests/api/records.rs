//! Record objects (plans, financing sources, key projects, applicants) are answered from a
//! table of their fields; whatever the selection, the answer is the one async-graphql's own
//! resolvers give (which a fragment on the `Node` interface still takes).

use crate::helpers::*;
use serde_json::{Value, json};

/// Every field of the record types on a page, in the shapes clients write: aliases, the
/// same field twice, `__typename`, fragments on the type, and fields that read further.
const FIELDS: &str = r#"
  code id name type status version createdAt updatedAt boundary areaKm2 population baselineYear
  baselineEmissions parkLevel noticeStartsOn noticeEndsOn designatedAt rectificationDeadline title
  eligibility { hasFalsifiedEmissionData } n: name
  applicant { __typename name n: name kind creditCode parkLevel version createdAt updatedAt id region { name } }
  plans { __typename id kind title t: title title planVersion periodStartYear periodEndYear summary
          status publishedAt version createdAt updatedAt document { name sha256 } ...PlanBits }
  financingSources { id kind provider keyProjectId committedAmount disbursedAmount referenceNumber
          committedOn disbursedOn status version createdAt updatedAt fund { name } ... on FinancingSource { k: kind } }
  keyProjects { id name field plannedInvestment expectedAnnualReduction startsOn endsOn status
          progressPercent version createdAt updatedAt }
  leafOnly: plans { id kind title status }
  indicators { id code name category unit direction baselineValue targetValue targetYear version
          createdAt updatedAt met latestActual { value } actuals { id periodEnd value note reportedBy createdAt } }
  region { id code name level parent { name } }
  municipality { __typename id name }
  workflowEvents { id action fromStatus toStatus comment occurredAt actor { role } }
"#;

fn page(extra: &str) -> String {
    format!(
        "query {{ pilots(first: 10, orderBy: {{field: CODE, direction: ASC}}) {{ edges {{ node {{ {FIELDS} {extra} }} }} }} }}
         fragment PlanBits on Plan {{ kind status }}"
    )
}

/// The same page with `... on Node { id }` inside every record, which the table does not
/// answer: async-graphql resolves those objects itself.
fn by_async_graphql() -> String {
    page("")
        .replace("node {", "node { ... on Node { id }")
        .replace("{ __typename", "{ ... on Node { id } __typename")
        .replace(
            "{ id kind provider",
            "{ ... on Node { id } id kind provider",
        )
        .replace("{ id name field", "{ ... on Node { id } id name field")
        .replace("leafOnly: plans {", "leafOnly: plans { ... on Node { id }")
        .replace("actuals {", "actuals { ... on Node { id }")
        .replace("indicators {", "indicators { ... on Node { id }")
        .replace("region { id", "region { ... on Node { id } id")
        .replace("municipality {", "municipality { ... on Node { id } id")
        .replace("workflowEvents {", "workflowEvents { ... on Node { id }")
}

fn nodes(body: &Value) -> Vec<Value> {
    assert!(body["errors"].is_null(), "{body}");
    nodes_of(&body["data"]["pilots"])
}

#[actix_web::test]
async fn records_answer_exactly_as_async_graphql_resolves_them() {
    let app = TestApp::spawn_with_synthetic(6).await;
    let t = token_for("provincial", Some("370000"));
    let fast = nodes(&app.gql(Some(&t), &page(""), json!({})).await);
    let slow = nodes(&app.gql(Some(&t), &by_async_graphql(), json!({})).await);
    assert_eq!(fast.len(), 10);
    for (f, s) in fast.iter().zip(&slow) {
        assert!(f == s, "{} answered differently:\n{f}\n{s}", f["code"]);
    }
    let first = &fast[0];
    let plans = first["plans"].as_array().expect("plans");
    assert!(!plans.is_empty(), "{first}");
    assert_eq!(plans[0]["__typename"], "Plan");
    assert_eq!(plans[0]["t"], plans[0]["title"]);
    assert!(plans[0]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(plans[0]["id"].as_str().is_some());
    assert_eq!(first["applicant"]["__typename"], "Organization");
    assert_eq!(first["applicant"]["n"], first["applicant"]["name"]);
    assert!(first["applicant"]["region"]["name"].is_string(), "{first}");
    let sources = first["financingSources"].as_array().expect("sources");
    assert!(!sources.is_empty(), "{first}");
    assert_eq!(sources[0]["k"], sources[0]["kind"]);
    assert!(sources[0]["committedAmount"].is_string(), "{first}");
    assert_eq!(
        first["leafOnly"].as_array().map(Vec::len),
        Some(plans.len())
    );
    assert!(
        !first["keyProjects"]
            .as_array()
            .expect("projects")
            .is_empty()
    );
    assert!(
        !first["workflowEvents"]
            .as_array()
            .expect("events")
            .is_empty(),
        "{first}"
    );
    assert!(
        first["workflowEvents"][0]["actor"]["role"].is_string(),
        "{first}"
    );
    let actuals = fast
        .iter()
        .flat_map(|p| p["indicators"].as_array().cloned().unwrap_or_default())
        .flat_map(|i| i["actuals"].as_array().cloned().unwrap_or_default())
        .count();
    assert!(actuals > 0, "no actual values on the page");
    assert!(first["region"]["name"].is_string(), "{first}");
    assert_eq!(first["municipality"]["__typename"], "Region");
    assert!(first["indicators"][0]["met"].is_boolean(), "{first}");
    assert_eq!(first["n"], first["name"]);
    assert!(
        first["boundary"].as_str().is_some_and(|b| !b.is_empty()),
        "{first}"
    );
    assert!(first["areaKm2"].is_string(), "{first}");
}

#[actix_web::test]
async fn one_pilot_answers_exactly_as_async_graphql_resolves_it() {
    let app = TestApp::spawn_with_synthetic(2).await;
    let t = token_for("provincial", Some("370000"));
    let list = nodes(&app.gql(Some(&t), &page(""), json!({})).await);
    let id = list[0]["id"].as_str().expect("id").to_owned();
    let one = |fields: &str| {
        let fragment = if fields.contains("...PlanBits") {
            "fragment PlanBits on Plan { kind status }"
        } else {
            ""
        };
        format!("query($id: ID!) {{ pilot(id: $id) {{ {fields} }} }} {fragment}")
    };
    let fast = app.gql(Some(&t), &one(FIELDS), json!({"id": id})).await;
    let slow = app
        .gql(
            Some(&t),
            &one(&format!("... on Node {{ id }} {FIELDS}")),
            json!({"id": id}),
        )
        .await;
    assert!(fast["errors"].is_null(), "{fast}");
    assert_eq!(fast["data"]["pilot"], slow["data"]["pilot"]);
    assert_eq!(fast["data"]["pilot"], list[0]);
    let leaves = app
        .gql(
            Some(&t),
            &one("code name type status updatedAt"),
            json!({"id": id}),
        )
        .await;
    assert_eq!(leaves["data"]["pilot"]["code"], list[0]["code"], "{leaves}");
    assert_eq!(leaves["data"]["pilot"]["type"], list[0]["type"], "{leaves}");
}

#[actix_web::test]
async fn a_records_answer_keeps_the_order_the_fields_were_asked_in() {
    let app = TestApp::spawn_with_synthetic(1).await;
    let t = token_for("provincial", Some("370000"));
    let q = "{ pilots(first: 1) { edges { node { plans { status title kind } } } } }";
    let (status, raw) = app.get_with(Some(&t), &query_path(q)).await;
    assert_eq!(status, 200, "{raw}");
    let (s, ti, k) = (
        raw.find("\"status\"").expect("status"),
        raw.find("\"title\"").expect("title"),
        raw.find("\"kind\"").expect("kind"),
    );
    assert!(s < ti && ti < k, "{raw}");
}

/// Records whose selection names leaves only: each read with just the columns its leaves
/// name, two aliases of one list with different leaves in the same request.
const LEAVES_ONLY: &str = r#"
  applicant { name# creditCode }
  plans { kind# title status }
  p2: plans { summary# periodStartYear publishedAt planVersion }
  financingSources { kind# committedAmount disbursedAmount }
  f2: financingSources { provider# status keyProjectId committedOn }
  financingTotals { committedAmount disbursedAmount }
  keyProjects { name# plannedInvestment progressPercent }
  indicators(category: null) { code# targetValue direction }
  workflowEvents { action# toStatus occurredAt }
"#;

#[actix_web::test]
async fn records_read_with_only_their_leaves_columns_answer_as_whole_rows_do() {
    let app = TestApp::spawn_with_synthetic(4).await;
    let t = token_for("provincial", Some("370000"));
    let q = |fields: &str| {
        format!(
            "{{ pilots(first: 8, orderBy: {{field: CODE, direction: ASC}}) {{ edges {{ node {{ code {fields} }} }} }} }}"
        )
    };
    // A fragment on the `Node` interface makes the executor resolve the object itself, from
    // whole rows (async-graphql removes `@include` and `@skip` before execution, so a
    // directive would not).
    let partial = nodes(
        &app.gql(Some(&t), &q(&LEAVES_ONLY.replace('#', " id")), json!({}))
            .await,
    );
    let whole = nodes(
        &app.gql(
            Some(&t),
            &q(&LEAVES_ONLY.replace('#', " ... on Node { id }")),
            json!({}),
        )
        .await,
    );
    assert_eq!(partial.len(), 8);
    assert_eq!(partial, whole);
    let first = &partial[0];
    assert!(
        first["applicant"]["creditCode"]
            .as_str()
            .is_some_and(|c| c.len() == 18),
        "{first}"
    );
    let plan = &first["plans"][0];
    assert!(
        plan["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{first}"
    );
    assert!(
        first["p2"][0]["summary"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{first}"
    );
    assert_eq!(first["p2"][0]["planVersion"], 1, "{first}");
    let sources = first["financingSources"].as_array().expect("sources");
    assert!(!sources.is_empty(), "{first}");
    assert!(
        sources
            .iter()
            .all(|s| s["committedAmount"].as_str().is_some_and(|a| a != "0")),
        "{first}"
    );
    assert!(
        first["f2"][0]["provider"]
            .as_str()
            .is_some_and(|p| !p.is_empty()),
        "{first}"
    );
    assert!(
        first["keyProjects"][0]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{first}"
    );
    assert!(
        first["indicators"][0]["code"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{first}"
    );
    assert!(
        first["workflowEvents"][0]["toStatus"].is_string(),
        "{first}"
    );
}

/// Each of a pilot's resolved fields that name the columns they read, with the least it
/// asks of the records it reaches: a page asking for one reads only its columns of pilots.
const PILOT_READS: [&str; 20] = [
    "program { name }",
    "applicant { name }",
    "region { name }",
    "municipality { name }",
    "province { name }",
    "eligibility { hasUnmetCarbonMarketObligations hasFalsifiedEmissionData hasSeriousPollutionCase }",
    "plans { kind }",
    "indicators { code }",
    "keyProjects { name }",
    "financingSources { kind }",
    "financingTotals { committedAmount disbursedAmount }",
    "expertReviews { result score }",
    "objections { status }",
    "acceptanceRecords { attempt }",
    "trackingNotes { body }",
    "annualReports { year }",
    "reportObligations { kind year dueOn overdue }",
    "availableActions",
    "history(first: 2) { totalCount edges { node { action } } }",
    "workflowEvents { action }",
];

#[actix_web::test]
async fn a_page_of_pilots_read_with_the_columns_its_fields_name_answers_as_whole_rows_do() {
    let app = TestApp::spawn_with_synthetic(6).await;
    let t = token_for("provincial", Some("370000"));
    let page = |fields: String, shape: &str| {
        let list = match shape {
            "edges" => format!("edges {{ cursor node {{ {fields} }} }}"),
            _ => format!("nodes {{ {fields} }}"),
        };
        format!(
            "{{ pilots(first: 12, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{ totalCount {list} }} }}"
        )
    };
    let run = |query: String| {
        let (app, t) = (&app, &t);
        async move {
            let body = app.gql(Some(t), &query, json!({})).await;
            assert!(body["errors"].is_null(), "{query}: {body}");
            body["data"]["pilots"].clone()
        }
    };
    let mut answered = Vec::new();
    for field in PILOT_READS {
        // The field alone beside two leaves, so no other field's columns cover for it; a
        // fragment on the `Node` interface makes the page read whole rows.
        let partial = run(page(format!("id code {field}"), "edges")).await;
        let whole = run(page(format!("... on Node {{ id }} code {field}"), "edges")).await;
        assert_eq!(partial, whole, "{field}");
        let by_nodes = run(page(format!("id code {field}"), "nodes")).await;
        assert_eq!(
            by_nodes["nodes"].as_array(),
            Some(&nodes_of(&partial)),
            "{field}"
        );
        answered.push(nodes_of(&partial));
    }
    let [program, _, _, _, province, ..] = &answered[..] else {
        unreachable!()
    };
    assert_eq!(program.len(), 12);
    assert!(
        program
            .iter()
            .all(|p| p["program"]["name"].as_str().is_some_and(|n| !n.is_empty())),
        "{program:?}"
    );
    assert!(
        province.iter().all(|p| p["province"]["name"].is_string()),
        "{province:?}"
    );
    let history = &answered[18];
    assert!(
        history
            .iter()
            .all(|p| p["history"]["totalCount"].as_u64().is_some_and(|n| n > 0)),
        "{history:?}"
    );
    let actions = &answered[17];
    assert!(
        actions.iter().any(|p| p["availableActions"]
            .as_array()
            .is_some_and(|a| !a.is_empty())),
        "no pilot of the page has an action for the province: {actions:?}"
    );
}

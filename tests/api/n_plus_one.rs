//! Nested lists are batched: a page of pilots with every nested list costs the same number of
//! SQL statements whatever the page size.

use crate::helpers::*;
use serde_json::json;

const DEEP: &str = r#"query($n:Int){pilots(first:$n,filter:{search:"SYN-"}){totalCount edges{node{
  code program{name typeRules{pilotType} calendar{day}} applicant{name region{name}} region{name parent{name}}
  municipality{name} province{name}
  plans{title} indicators{code met actuals{value} latestActual{value}} keyProjects{name}
  financingSources{committedAmount} financingTotals{committedAmount} expertReviews{result}
  objections{status} acceptanceRecords{attempt reReviews{outcome}} trackingNotes{body}
  workflowEvents{action}
}}}}"#;

async fn statements_for(app: &TestApp, n: i64) -> usize {
    let t = token_for("provincial", Some("370000"));
    let before = app.statement_count();
    let body = app.gql(Some(&t), DEEP, json!({"n": n})).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["pilots"]["edges"].as_array().map(Vec::len),
        Some(n as usize)
    );
    app.statement_count() - before
}

#[actix_web::test]
async fn a_page_of_fifty_costs_as_many_statements_as_a_page_of_five() {
    // Synthetic pilots all have the same shape, so both pages touch the same relationships.
    let app = TestApp::spawn_with_synthetic(60).await;
    let small = statements_for(&app, 5).await;
    let large = statements_for(&app, 50).await;
    // One page query, one count, one per relationship and column set (20 in all): a fixed
    // budget. Regions are asked for by two chains that come back at different moments (below
    // a pilot's region and below its applicant), and may be read in two batches: one more
    // statement. A per-row query would cost 45 more at least.
    const BUDGET: usize = 21;
    assert!(
        small <= BUDGET && large <= BUDGET,
        "{small} and {large} statements for one page"
    );
    assert!(
        large.abs_diff(small) <= 2,
        "statements must not grow with the page size: {small} vs {large}"
    );
}

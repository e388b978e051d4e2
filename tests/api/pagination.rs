//! Relay pagination: pages never skip or repeat, walking backward meets the same pilots, and
//! `totalCount` is right under every filter.

use crate::helpers::*;
use crate::lifecycle::{application, shandong_park};
use serde_json::{Value, json};
use std::collections::HashSet;

const PAGE: &str = r#"query($f:PilotFilter,$o:PilotOrder,$first:Int,$after:String,$last:Int,$before:String){
  pilots(filter:$f,orderBy:$o,first:$first,after:$after,last:$last,before:$before){
    totalCount pageInfo{hasNextPage hasPreviousPage startCursor endCursor}
    edges{cursor node{code name type status updatedAt municipality{code} applicant{id} program{id}}}}}"#;

async fn page(app: &TestApp, t: &str, vars: Value) -> Value {
    let body = app.gql(Some(t), PAGE, vars).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["pilots"].clone()
}

fn page_codes(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["code"].as_str().expect("code").to_owned())
        .collect()
}

/// Walks all pages forward, then backward, and checks both against the one-page answer.
async fn walk(app: &TestApp, t: &str, order: Value, size: i64) {
    let all = page(app, t, json!({"o": order, "first": 100})).await;
    let expected = page_codes(&all);
    assert!(expected.len() > size as usize, "enough rows to page");

    let mut forward = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let conn = page(app, t, json!({"o": order, "first": size, "after": after})).await;
        forward.extend(page_codes(&conn));
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], after.is_some());
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(Into::into);
    }
    assert_eq!(forward, expected, "forward walk with {order}");

    let mut backward: Vec<Vec<String>> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let conn = page(app, t, json!({"o": order, "last": size, "before": before})).await;
        backward.push(page_codes(&conn));
        if conn["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = conn["pageInfo"]["startCursor"].as_str().map(Into::into);
    }
    let backward: Vec<String> = backward.into_iter().rev().flatten().collect();
    assert_eq!(backward, expected, "backward walk with {order}");
    let unique: HashSet<&String> = forward.iter().collect();
    assert_eq!(unique.len(), forward.len(), "no pilot twice");
}

#[actix_web::test]
async fn every_ordering_pages_forward_and_backward_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let t = token_for("provincial", Some("370000"));
    for field in ["UPDATED_AT", "NAME", "CODE"] {
        for direction in ["ASC", "DESC"] {
            walk(&app, &t, json!({"field": field, "direction": direction}), 4).await;
        }
    }
}

#[actix_web::test]
async fn pages_of_synthetic_pilots_with_equal_timestamps_stay_stable() {
    let app = TestApp::spawn_with_synthetic(230).await;
    // Many synthetic pilots share a name prefix; ties are broken by id.
    let t = token_for("provincial", Some("370000"));
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let conn = page(
            &app,
            &t,
            json!({"o": {"field": "UPDATED_AT", "direction": "ASC"}, "first": 100, "after": after}),
        )
        .await;
        assert_eq!(conn["totalCount"], 247);
        seen.extend(page_codes(&conn));
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(Into::into);
    }
    assert_eq!(seen.len(), 247);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 247);
}

/// Which nodes of the full list a filter should keep.
type Keep = Box<dyn Fn(&Value) -> bool>;

#[actix_web::test]
async fn total_count_is_right_under_every_filter() {
    let app = TestApp::spawn().await;
    let t = token_for("provincial", Some("370000"));
    let all = page(&app, &t, json!({"first": 100})).await;
    let nodes: Vec<Value> = all["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(all["totalCount"], 17);
    let program = nodes
        .iter()
        .find(|n| n["code"] == "SD-2023-CITY-0001")
        .expect("pilot")["program"]["id"]
        .clone();
    let applicant = nodes
        .iter()
        .find(|n| n["code"] == "SD-2023-PARK-0001")
        .expect("pilot")["applicant"]["id"]
        .clone();
    let since = "2025-01-01T00:00:00Z";
    let cases: Vec<(Value, Keep)> = vec![
        (json!({"type": "PARK"}), Box::new(|n| n["type"] == "PARK")),
        (
            json!({"type": ["CITY", "COMMUNITY"]}),
            Box::new(|n| n["type"] == "CITY" || n["type"] == "COMMUNITY"),
        ),
        (
            json!({"status": "DESIGNATED"}),
            Box::new(|n| n["status"] == "DESIGNATED"),
        ),
        (
            json!({"regionCode": "371400"}),
            Box::new(|n| n["municipality"]["code"] == "371400"),
        ),
        (json!({"regionCode": "370000"}), Box::new(|_| true)),
        (
            json!({"search": "禹城"}),
            Box::new(|n| n["name"].as_str().is_some_and(|s| s.contains("禹城"))),
        ),
        (
            json!({"search": "sd-2023-park"}),
            Box::new(|n| {
                n["code"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("SD-2023-PARK"))
            }),
        ),
        (
            json!({"programId": program}),
            Box::new(|n| n["code"].as_str().is_some_and(|s| s.starts_with("SD-"))),
        ),
        (
            json!({"applicantId": applicant}),
            Box::new(move |n| n["applicant"]["id"] == applicant),
        ),
        (
            json!({"updatedSince": since}),
            Box::new(|n| n["updatedAt"].as_str().is_some_and(|u| u >= "2025-01-01")),
        ),
        (
            json!({"type": "PARK", "regionCode": "371400", "status": ["RECOMMENDED", "TITLED"]}),
            Box::new(|n| {
                n["type"] == "PARK"
                    && n["municipality"]["code"] == "371400"
                    && (n["status"] == "RECOMMENDED" || n["status"] == "TITLED")
            }),
        ),
    ];
    for (filter, keep) in cases {
        let expected: Vec<&Value> = nodes.iter().filter(|n| keep(n)).collect();
        let conn = page(&app, &t, json!({"f": filter, "first": 2})).await;
        assert_eq!(
            conn["totalCount"].as_u64(),
            Some(expected.len() as u64),
            "filter {filter}"
        );
        assert!(
            !expected.is_empty(),
            "filter {filter} should match something"
        );
    }
}

/// Each list's `totalCount`, for `views` of (token, filter), checked against the rows listed.
async fn counted(app: &TestApp, views: &[(&str, Value)]) -> Vec<i64> {
    let mut out = Vec::new();
    for (t, filter) in views {
        let conn = page(app, t, json!({"f": filter, "first": 100})).await;
        let total = conn["totalCount"].as_i64().expect("totalCount");
        assert_eq!(total as usize, page_codes(&conn).len(), "{filter}");
        out.push(total);
    }
    out
}

/// Lists whose scope and filters read only region, program, type and status are counted from
/// the statistics cells: the count moves with every new pilot and every status change, in the
/// same statement, and always equals the rows listed.
#[actix_web::test]
async fn total_count_follows_new_pilots_and_status_changes() {
    let app = TestApp::spawn().await;
    let park = shandong_park(&app, 511).await;
    let views: Vec<(&str, Value)> = vec![
        (&park.provincial, json!({})),
        (&park.municipal, json!({})),
        (&park.county, json!({})),
        (&park.municipal, json!({"status": "DRAFT"})),
        (
            &park.municipal,
            json!({"status": ["SUBMITTED", "COUNTY_ENDORSED"]}),
        ),
        (
            &park.provincial,
            json!({"type": "PARK", "regionCode": "370303", "programId": park.program}),
        ),
        (
            &park.provincial,
            json!({"regionCode": "371400", "type": "PARK"}),
        ),
    ];
    let before = counted(&app, &views).await;
    let moved = |now: &[i64]| -> Vec<i64> { now.iter().zip(&before).map(|(a, b)| a - b).collect() };

    app.set_day("2023-09-01");
    let (pilot, _) = application(&app, &park.applicant, &park.program, "PARK", None, 3, 11).await;
    let drafted = counted(&app, &views).await;
    assert_eq!(moved(&drafted), [1, 1, 1, 1, 0, 1, 0]);

    assert_eq!(app.as_(&park.applicant).submit(&pilot).await, "SUBMITTED");
    let submitted = counted(&app, &views).await;
    assert_eq!(moved(&submitted), [1, 1, 1, 0, 1, 1, 0]);

    assert_eq!(
        app.as_(&park.county).endorse(&pilot).await,
        "COUNTY_ENDORSED"
    );
    let endorsed = counted(&app, &views).await;
    assert_eq!(moved(&endorsed), [1, 1, 1, 0, 1, 1, 0]);

    // An applicant's own list is counted from its rows.
    let own = page(&app, &park.applicant, json!({"first": 100})).await;
    assert_eq!(own["totalCount"], 1);
    assert_eq!(page_codes(&own).len(), 1);
}

#[actix_web::test]
async fn page_arguments_out_of_bounds_are_refused() {
    let app = TestApp::spawn().await;
    let t = token_for("provincial", Some("370000"));
    for (vars, field) in [
        (json!({"first": 101}), "first"),
        (json!({"first": 100000}), "first"),
        (json!({"last": -1}), "last"),
        (json!({"first": 2, "last": 2}), "last"),
        (json!({"first": 2, "after": "not-a-cursor"}), "cursor"),
        (json!({"f": {"regionCode": "3714"}}), "filter.regionCode"),
        (json!({"f": {"programId": "bogus"}}), "filter.programId"),
    ] {
        let body = app.gql(Some(&t), PAGE, vars.clone()).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{vars}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{vars}");
    }
    let body = app.gql(Some(&t), PAGE, json!({"first": "three"})).await;
    assert_eq!(
        error_code(&body),
        Some("BAD_USER_INPUT"),
        "wrong variable type: {body}"
    );
}

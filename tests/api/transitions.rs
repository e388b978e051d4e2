//! Every (state, action, role) combination of the Shandong program: allowed, or the exact error
//! code. The expectations below are written out by hand from DOMAIN.md and the Shandong
//! document, independently of the transition table. (Hechi's and the NDRC's chains are walked
//! end to end in `programs.rs`.)

use crate::helpers::*;
use api::auth::Viewer;
use api::regions::code::RegionCode;
use api::workflow::transitions;
use entities::{PilotStatus, PilotType, Role, WorkflowAction};
use serde_json::json;

const BEFORE_DESIGNATION: &[&str] = &[
    "DRAFT",
    "SUBMITTED",
    "COUNTY_ENDORSED",
    "RECOMMENDED",
    "EXPERT_REVIEWED",
    "IN_PUBLIC_NOTICE",
];

/// (action, role, states it is allowed from for a PARK, for a CITY).
const EXPECTED: &[(&str, &str, &[&str], &[&str])] = &[
    ("SUBMIT", "APPLICANT", &["DRAFT"], &["DRAFT"]),
    (
        "WITHDRAW",
        "APPLICANT",
        BEFORE_DESIGNATION,
        BEFORE_DESIGNATION,
    ),
    ("ENDORSE", "COUNTY", &["SUBMITTED"], &[]),
    ("RETURN", "COUNTY", &["SUBMITTED"], &[]),
    ("REJECT", "COUNTY", &["SUBMITTED"], &[]),
    (
        "RECOMMEND",
        "MUNICIPAL",
        &["COUNTY_ENDORSED"],
        &["SUBMITTED"],
    ),
    (
        "RETURN",
        "MUNICIPAL",
        &["COUNTY_ENDORSED", "RECOMMENDED"],
        &["SUBMITTED", "RECOMMENDED"],
    ),
    (
        "REJECT",
        "MUNICIPAL",
        &["COUNTY_ENDORSED", "RECOMMENDED"],
        &["SUBMITTED", "RECOMMENDED"],
    ),
    (
        "REJECT",
        "PROVINCIAL",
        &["RECOMMENDED", "EXPERT_REVIEWED", "IN_PUBLIC_NOTICE"],
        &["RECOMMENDED", "EXPERT_REVIEWED", "IN_PUBLIC_NOTICE"],
    ),
    (
        "RECORD_EXPERT_REVIEW",
        "PROVINCIAL",
        &["RECOMMENDED"],
        &["RECOMMENDED"],
    ),
    (
        "START_PUBLIC_NOTICE",
        "PROVINCIAL",
        &["EXPERT_REVIEWED"],
        &["EXPERT_REVIEWED"],
    ),
    (
        "RECORD_OBJECTION",
        "PROVINCIAL",
        &["IN_PUBLIC_NOTICE"],
        &["IN_PUBLIC_NOTICE"],
    ),
    (
        "RESOLVE_OBJECTION",
        "PROVINCIAL",
        &["IN_PUBLIC_NOTICE"],
        &["IN_PUBLIC_NOTICE"],
    ),
    (
        "DESIGNATE",
        "PROVINCIAL",
        &["IN_PUBLIC_NOTICE"],
        &["IN_PUBLIC_NOTICE"],
    ),
    (
        "REQUEST_ACCEPTANCE",
        "APPLICANT",
        &["DESIGNATED"],
        &["DESIGNATED"],
    ),
    (
        "FORWARD_ACCEPTANCE",
        "MUNICIPAL",
        &["ACCEPTANCE_REQUESTED"],
        &["ACCEPTANCE_REQUESTED"],
    ),
    (
        "RECORD_ACCEPTANCE_REVIEW",
        "PROVINCIAL",
        &["ACCEPTANCE_FORWARDED"],
        &["ACCEPTANCE_FORWARDED"],
    ),
    (
        "DECIDE_ACCEPTANCE",
        "PROVINCIAL",
        &["ACCEPTANCE_FORWARDED"],
        &["ACCEPTANCE_FORWARDED"],
    ),
    ("RE_REVIEW", "PROVINCIAL", &["TITLED"], &["TITLED"]),
];

fn expected(action: &str, role: &str, status: &str, city: bool) -> &'static str {
    let rows: Vec<_> = EXPECTED
        .iter()
        .filter(|(a, r, _, _)| *a == action && *r == role)
        .collect();
    // Shandong's CITY pilots have no preliminary reviewer: the county is no actor of theirs.
    if rows.is_empty() || (city && role == "COUNTY") {
        return "FORBIDDEN";
    }
    let allowed = rows
        .iter()
        .any(|(_, _, park, city_states)| if city { city_states } else { park }.contains(&status));
    if allowed { "OK" } else { "INVALID_TRANSITION" }
}

fn all<T: async_graphql::resolver_utils::EnumType + Copy>() -> Vec<T> {
    <T as async_graphql::resolver_utils::EnumType>::items()
        .iter()
        .map(|i| i.value)
        .collect()
}

#[test]
fn every_state_action_and_role_gets_the_expected_answer() {
    let mut checked = 0;
    for status in all::<PilotStatus>() {
        for action in all::<WorkflowAction>() {
            for role in all::<Role>() {
                for pilot_type in [PilotType::Park, PilotType::City] {
                    let viewer = Viewer {
                        sub: "t".into(),
                        role,
                        region: RegionCode::parse("370000").ok(),
                        org: None,
                        dept: None,
                        name: None,
                        request_id: None,
                        expires_at: None,
                    };
                    let chain = transitions::Chain {
                        preliminary_reviewer: (pilot_type != PilotType::City)
                            .then_some(Role::County),
                        recommender: Role::Municipal,
                        issuing_authority: Role::Provincial,
                        issuing_region: Some("370000".into()),
                        expert_review: true,
                        public_notice: true,
                        acceptance: true,
                        lead_departments: Vec::new(),
                    };
                    let got = match transitions::authorize(&viewer, action, status, &chain) {
                        Ok(_) => "OK",
                        Err(e) => e.code(),
                    };
                    let want = expected(
                        action.as_str(),
                        role.as_str(),
                        status.as_str(),
                        pilot_type == PilotType::City,
                    );
                    assert_eq!(
                        got, want,
                        "{role} {action} on a {pilot_type} pilot in {status}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 13 * 16 * 6 * 2);
}

#[actix_web::test]
async fn available_actions_over_http_match_the_expectations_in_every_state() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(Some(&token_for("provincial", Some("370000"))), "{pilots(first:100){edges{node{id code type status region{code} municipality{code} applicant{id}}}}}", json!({}))
        .await;
    let pilots = body["data"]["pilots"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    let mut statuses = std::collections::HashSet::new();
    for edge in pilots {
        let p = &edge["node"];
        if !p["code"].as_str().expect("code").starts_with("SD-") {
            continue; // the national program's pilots in Shandong run by another chain
        }
        let status = p["status"].as_str().expect("status");
        statuses.insert(status.to_owned());
        let city = p["type"] == "CITY";
        let county = p["region"]["code"].as_str().expect("county");
        let tokens = [
            (
                "APPLICANT",
                applicant_token(p["applicant"]["id"].as_str().expect("org")),
            ),
            ("COUNTY", token_for("county", Some(county))),
            (
                "MUNICIPAL",
                token_for("municipal", p["municipality"]["code"].as_str()),
            ),
            ("PROVINCIAL", token_for("provincial", Some("370000"))),
            ("AUDITOR", token_for("auditor", Some("370000"))),
        ];
        for (role, t) in tokens {
            if role == "COUNTY" && county.ends_with("00") {
                continue; // a municipality-level pilot has no county
            }
            let got = app
                .gql(
                    Some(&t),
                    "query($id:ID!){pilot(id:$id){availableActions}}",
                    json!({"id": p["id"]}),
                )
                .await;
            let got: Vec<String> =
                serde_json::from_value(got["data"]["pilot"]["availableActions"].clone())
                    .expect("actions");
            let mut want: Vec<String> = all::<WorkflowAction>()
                .into_iter()
                .map(|a| a.as_str().to_owned())
                .filter(|a| expected(a, role, status, city) == "OK")
                .collect();
            want.dedup();
            let mut got_sorted = got.clone();
            got_sorted.sort();
            want.sort();
            assert_eq!(got_sorted, want, "{role} on {} ({status})", p["code"]);
        }
    }
    assert_eq!(
        statuses.len(),
        12,
        "the demo has a Shandong-program pilot in every state but RECOMMENDED: {statuses:?}"
    );
    assert!(!statuses.contains("RECOMMENDED"));
}

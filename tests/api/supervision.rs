//! Supervision: the work queue answers "what must I act on now" from the transition table and
//! each program's chain and dates; tracking notes are written by the bureaus that follow a pilot.

use crate::helpers::*;
use serde_json::{Value, json};

const QUEUE: &str = "{workQueue{pilot{code} reason actions dueOn}}";

async fn queue(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app.gql(Some(token), QUEUE, json!({})).await;
    body["data"]["workQueue"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

fn item(code: &str, reason: &str, actions: &[&str], due: Option<&str>) -> Value {
    json!({"pilot": {"code": code}, "reason": reason, "actions": actions, "dueOn": due})
}

#[actix_web::test]
async fn each_authority_sees_the_steps_its_program_gives_it() {
    let app = TestApp::spawn().await;
    app.set_day("2026-11-22");
    // Dezhou's bureau recommends what its counties endorsed and forwards acceptance requests.
    assert_eq!(
        queue(&app, &token_for("municipal", Some("371400"))).await,
        [
            item(
                "SD-2023-COMMUNITY-0002",
                "ACCEPTANCE_WAITING",
                &["FORWARD_ACCEPTANCE"],
                None
            ),
            item("SD-2023-PARK-0004", "AWAITING_REVIEW", &["RECOMMEND"], None),
        ]
    );
    // Yucheng's county bureau endorses its submitted park.
    assert_eq!(
        queue(&app, &token_for("county", Some("371481"))).await,
        [item(
            "SD-2023-PARK-0005",
            "AWAITING_REVIEW",
            &["ENDORSE"],
            None
        )]
    );
    // The NDRC confirms what the province proposed; no notice in between.
    assert_eq!(
        queue(&app, &token_for("national", None)).await,
        [item(
            "NDRC-2023-PARK-0001",
            "AWAITING_DESIGNATION",
            &["DESIGNATE"],
            None
        )]
    );
    // Auditors act on nothing.
    assert!(
        queue(&app, &token_for("auditor", Some("370000")))
            .await
            .is_empty()
    );
}

#[actix_web::test]
async fn a_notice_enters_the_queue_the_day_after_it_ends_and_a_re_review_when_it_falls_due() {
    let app = TestApp::spawn().await;
    let park = app.pilot_id("SD-2023-PARK-0003").await;
    let (_, last_day) = app.notice_of("370000", &park).await;
    let shandong = token_for("provincial", Some("370000"));
    let ended = |q: &[Value]| q.iter().any(|i| i["pilot"]["code"] == "SD-2023-PARK-0003");
    app.set_day(&last_day);
    assert!(
        !ended(&queue(&app, &shandong).await),
        "the notice still runs"
    );
    let next = (chrono::NaiveDate::parse_from_str(&last_day, "%Y-%m-%d").expect("day")
        + chrono::Days::new(1))
    .to_string();
    app.set_day(&next);
    let q = queue(&app, &shandong).await;
    assert!(
        q.contains(&item(
            "SD-2023-PARK-0003",
            "NOTICE_ENDED",
            &["DESIGNATE"],
            Some(&last_day)
        )),
        "{q:?}"
    );

    // Hechi's campus passed acceptance on 2025-11-20 and was re-reviewed on 2026-04-19; Hechi
    // re-reviews every 12 months, by the city's education bureau.
    // (By then the campus's 2026 emission disclosure is overdue too: reports are checked in
    // `reports.rs`, so only workflow steps are compared here.)
    let hechi_education = token_with_dept("municipal", "451200", "education");
    let steps = |q: Vec<Value>| -> Vec<Value> {
        q.into_iter()
            .filter(|i| i["reason"] != "REPORT_OVERDUE")
            .collect()
    };
    app.set_day("2027-04-18");
    let q = steps(queue(&app, &hechi_education).await);
    assert!(q.is_empty(), "{q:?}");
    app.set_day("2027-04-19");
    assert_eq!(
        steps(queue(&app, &hechi_education).await),
        [item(
            "HC-2024-CAMPUS-0001",
            "RE_REVIEW_DUE",
            &["RE_REVIEW"],
            Some("2027-04-19")
        )]
    );
    let campus = app.pilot_id("HC-2024-CAMPUS-0001").await;
    step(
        &app,
        &hechi_education,
        "recordReReview",
        "RecordReReviewInput",
        &campus,
        json!({"outcome": "MAINTAINED", "comment": "运行良好"}),
    )
    .await;
    assert!(
        steps(queue(&app, &hechi_education).await).is_empty(),
        "next due in a year"
    );
}

#[actix_web::test]
async fn tracking_notes_are_written_by_the_bureaus_that_follow_a_pilot_under_construction() {
    let app = TestApp::spawn().await;
    let designated = app.pilot_id("SD-2023-COMMUNITY-0001").await;
    let add = |token: String, pilot: String| {
        let app = &app;
        async move {
            app.try_mutate(
                &token,
                "addTrackingNote",
                "AddTrackingNoteInput",
                json!({"pilotId": pilot, "body": "季度调度：项目按计划推进"}),
                "trackingNote{body authorName}",
            )
            .await
        }
    };
    let ok = add(token_for("municipal", Some("371400")), designated.clone()).await;
    assert_eq!(
        ok["data"]["addTrackingNote"]["trackingNote"]["body"], "季度调度：项目按计划推进",
        "{ok}"
    );
    let county = add(token_for("county", Some("371482")), designated.clone()).await;
    assert_eq!(error_code(&county), Some("FORBIDDEN"), "{county}");
    let applicant = applicant_token(&app.applicant_of("SD-2023-COMMUNITY-0001").await);
    let own = add(applicant, designated.clone()).await;
    assert_eq!(error_code(&own), Some("FORBIDDEN"), "{own}");
    let draft = app.pilot_id("SD-2023-PARK-0006").await;
    let early = add(token_for("municipal", Some("370700")), draft).await;
    assert_eq!(error_code(&early), Some("RULE_VIOLATION"), "{early}");
    // In Hechi the county bureau that recommended the campus follows it too.
    let campus = app.pilot_id("HC-2024-CAMPUS-0001").await;
    let hechi = add(
        token_with_dept("county", "451203", "education"),
        campus.clone(),
    )
    .await;
    assert!(hechi["errors"].is_null(), "{hechi}");
    let notes = app
        .gql(
            Some(&token_for("auditor", Some("450000"))),
            "query($id:ID!){pilot(id:$id){trackingNotes{body}}}",
            json!({"id": campus}),
        )
        .await;
    assert_eq!(
        notes["data"]["pilot"]["trackingNotes"]
            .as_array()
            .expect("notes")
            .len(),
        2,
        "the demo's note and this one: {notes}"
    );
}

//! Property test: random sequences of lifecycle actions, by random viewers, on random pilots,
//! on random days, never break the invariants — quotas hold, every pilot's status is where
//! its workflow log leads, nothing out of scope is read or written, and the audit chain
//! verifies.

use crate::helpers::fresh_database;
use api::auth::Viewer;
use api::clock::FixedClock;
use api::regions::code::RegionCode;
use api::state::AppState;
use api::workflow::actions::{Action, QUOTA_STATES, Review};
use api::workflow::service::{self, Act};
use entities::*;
use proptest::prelude::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::sync::Arc;

const DAYS: [&str; 5] = [
    "2023-09-15",
    "2023-10-31",
    "2023-11-20",
    "2024-03-01",
    "2025-07-01",
];

fn viewer(role: Role, region: Option<&str>, org: Option<i64>, dept: Option<&str>) -> Viewer {
    Viewer {
        sub: format!("prop-{}-{}", role.as_str(), region.unwrap_or("org")),
        role,
        region: region.and_then(|r| RegionCode::parse(r).ok()),
        org,
        dept: dept.map(Into::into),
        name: None,
        request_id: None,
        expires_at: None,
    }
}

/// The action of kind `kind`, with details varied by `choice`.
fn action_of(kind: WorkflowAction, choice: usize) -> Action {
    let review = |pass: bool| Review {
        result: if pass {
            ReviewResult::Pass
        } else {
            ReviewResult::Fail
        },
        score: None,
        comments: String::new(),
        expert_names: vec!["专家".into()],
        reviewed_on: None,
        site_visit_on: None,
        site_findings: None,
    };
    use WorkflowAction as W;
    match kind {
        W::Submit => Action::Submit,
        W::Withdraw => Action::Withdraw,
        W::Endorse => Action::Endorse,
        W::Recommend => Action::Recommend,
        W::Return => Action::Return,
        W::Reject => Action::Reject,
        W::Designate => Action::Designate,
        W::ForwardAcceptance => Action::ForwardAcceptance,
        W::RecordExpertReview => Action::RecordExpertReview(review(!choice.is_multiple_of(3))),
        W::StartPublicNotice => Action::StartPublicNotice { starts_on: None },
        W::RecordObjection => Action::RecordObjection {
            received_on: None,
            objector: "市民".into(),
            content: "异议".into(),
        },
        W::ResolveObjection => Action::ResolveObjection {
            objection_id: choice as i64,
            upheld: choice.is_multiple_of(2),
            resolution: "处理".into(),
        },
        W::RequestAcceptance => Action::RequestAcceptance {
            self_assessment: "自评".into(),
        },
        W::RecordAcceptanceReview => Action::RecordAcceptanceReview(review(true)),
        W::DecideAcceptance => Action::DecideAcceptance {
            result: if choice.is_multiple_of(2) {
                ReviewResult::Pass
            } else {
                ReviewResult::Fail
            },
            rectification_deadline: None,
        },
        W::ReReview => Action::ReReview {
            outcome: [
                ReReviewOutcome::Maintained,
                ReReviewOutcome::Revoked,
                ReReviewOutcome::Rectify,
            ][choice % 3],
            reviewed_on: None,
            rectification_deadline: chrono::NaiveDate::from_ymd_opt(2030, 1, 1),
        },
    }
}

async fn run(steps: Vec<(usize, usize, usize, usize, usize)>) {
    let (url, _dir) = fresh_database().await;
    let db = api::db::connect(&url).await.expect("connect");
    let clock = FixedClock::at(chrono::Utc::now());
    let state = AppState::new(db.clone(), Arc::new(clock.clone()));
    let pilots = pilot::Entity::find()
        .order_by_asc(pilot::Column::Id)
        .all(&db)
        .await
        .expect("pilots");
    let orgs: Vec<i64> = pilots.iter().map(|p| p.applicant_id).collect();
    let viewers = vec![
        viewer(Role::Provincial, Some("370000"), None, None),
        viewer(Role::Provincial, Some("450000"), None, None),
        viewer(Role::Municipal, Some("371400"), None, None),
        viewer(Role::Municipal, Some("370100"), None, None),
        viewer(Role::Municipal, Some("451200"), None, Some("industry")),
        viewer(Role::County, Some("371482"), None, None),
        viewer(Role::County, Some("371481"), None, None),
        viewer(Role::County, Some("451202"), None, Some("commerce")),
        viewer(Role::Auditor, Some("370000"), None, None),
        viewer(Role::Applicant, None, Some(orgs[0]), None),
        viewer(Role::Applicant, None, Some(orgs[3]), None),
        viewer(Role::Applicant, None, Some(orgs[orgs.len() - 1]), None),
    ];
    let actions: Vec<WorkflowAction> =
        <WorkflowAction as async_graphql::resolver_utils::EnumType>::items()
            .iter()
            .map(|i| i.value)
            .collect();

    let mut succeeded = 0;
    for (v, p, a, d, choice) in steps {
        let target = &pilots[p % pilots.len()];
        let current = pilot::Entity::find_by_id(target.id)
            .one(&db)
            .await
            .expect("read")
            .expect("pilot");
        let program = entities::program::Entity::find_by_id(current.program_id)
            .one(&db)
            .await
            .expect("read")
            .expect("program");
        let chain = api::programs::rules::of_type(&db, current.program_id, current.pilot_type)
            .await
            .expect("rule")
            .expect("type rule")
            .chain(&program);
        // Most steps take an action the table allows someone who can see the pilot; the rest
        // are anything by anyone, to exercise refusals and scope.
        let mut options = Vec::new();
        if !choice.is_multiple_of(5) {
            for (i, candidate) in viewers.iter().enumerate() {
                if api::pilots::service::get(&db, candidate, current.id)
                    .await
                    .is_ok()
                {
                    for action in
                        api::workflow::transitions::available(candidate, current.status, &chain)
                    {
                        options.push((i, action));
                    }
                }
            }
        }
        let (viewer, action) = match options.get(a % options.len().max(1)) {
            Some((i, action)) => (&viewers[*i], *action),
            None => (&viewers[v % viewers.len()], actions[a % actions.len()]),
        };
        let day = chrono::NaiveDate::parse_from_str(DAYS[d % DAYS.len()], "%Y-%m-%d").expect("day");
        clock.set(day.and_hms_opt(2, 0, 0).expect("t").and_utc());
        let before = pilot::Entity::find_by_id(target.id)
            .one(&db)
            .await
            .expect("read")
            .expect("pilot");
        let visible = api::pilots::service::get(&db, viewer, target.id)
            .await
            .is_ok();
        let act = Act {
            pilot_id: target.id,
            version: before.version,
            comment: String::new(),
            action: action_of(action, choice),
        };
        let result = service::apply(&state, viewer, act).await;
        let after = pilot::Entity::find_by_id(target.id)
            .one(&db)
            .await
            .expect("read")
            .expect("pilot");
        if !visible {
            assert!(
                matches!(result, Err(api::error::ApiError::NotFound(_))),
                "{:?} {action} on an invisible pilot: {result:?}",
                viewer.role
            );
        }
        match &result {
            Ok(applied) => {
                succeeded += 1;
                assert_eq!(applied.pilot.version, before.version + 1)
            }
            Err(_) => assert_eq!(after, before, "a refused action changed the pilot"),
        }
    }

    eprintln!("invariants: {succeeded} actions applied");

    // Quotas hold in every region.
    for rule in program_type_rule::Entity::find()
        .all(&db)
        .await
        .expect("rules")
    {
        let Some(quota) = rule.quota else { continue };
        let held = pilot::Entity::find()
            .filter(pilot::Column::ProgramId.eq(rule.program_id))
            .filter(pilot::Column::PilotType.eq(rule.pilot_type))
            .filter(pilot::Column::Status.is_in(QUOTA_STATES))
            .all(&db)
            .await
            .expect("held");
        let mut by_region = std::collections::HashMap::<String, i32>::new();
        for p in held {
            let region = match rule.quota_region_level {
                RegionLevel::Province => p.province_code,
                RegionLevel::Municipality => p.municipality_code,
                RegionLevel::County => p.county_code.unwrap_or_default(),
            };
            *by_region.entry(region).or_default() += 1;
        }
        for (region, n) in by_region {
            assert!(
                n <= quota,
                "{n} {} pilots hold places in {region}; the quota is {quota}",
                rule.pilot_type
            );
        }
    }
    // Every pilot is where its workflow log leads.
    for p in pilot::Entity::find().all(&db).await.expect("pilots") {
        let events = workflow_event::Entity::find()
            .filter(workflow_event::Column::PilotId.eq(p.id))
            .order_by_asc(workflow_event::Column::Id)
            .all(&db)
            .await
            .expect("events");
        let mut status = PilotStatus::Draft;
        for e in &events {
            assert_eq!(
                e.from_status, status,
                "{}: event {} starts where the previous ended",
                p.code, e.id
            );
            status = e.to_status;
        }
        assert_eq!(status, p.status, "{}: the log leads to the status", p.code);
    }
    let verification = api::audit::service::verify_all(&db, None, None)
        .await
        .expect("verify");
    assert!(verification.broken.is_none(), "{:?}", verification.broken);
    assert!(audit_event::Entity::find().count(&db).await.expect("count") > 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn random_actions_never_break_the_invariants(steps in prop::collection::vec((0usize..12, 0usize..22, 0usize..16, 0usize..5, 0usize..6), 10..60)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(run(steps));
    }
}

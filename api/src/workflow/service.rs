//! Applying an action of the transition table to a pilot: one write transaction that finds the
//! pilot in the viewer's scope, authorises the action by the table, checks the caller's
//! version and the action's preconditions, moves the pilot, records the workflow event and
//! the action's own record. Anything refused rolls back: nothing changes.

use super::calendar::WorkCalendar;
use super::transitions::{self, Outcome};
use crate::acceptance::rule as acceptance_rule;
use crate::auth::Viewer;
use crate::clock::china_date;
use crate::error::{ApiError, ApiResult};
use crate::indicators::rule as indicator_rule;
use crate::indicators::types::latest;
use crate::input::long_text as text;
use crate::pilots::admission;
use crate::state::AppState;
use chrono::{DateTime, Days, NaiveDate, Utc};
use entities::*;
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

/// Days allowed to rectify when a decision names no deadline.
pub const DEFAULT_RECTIFICATION_DAYS: u64 = 90;

/// An expert review: of an application, or of an acceptance attempt's data.
#[derive(Debug, Clone)]
pub struct Review {
    pub result: ReviewResult,
    pub score: Option<Decimal>,
    pub comments: String,
    pub expert_names: Vec<String>,
    pub reviewed_on: Option<NaiveDate>,
    pub site_visit_on: Option<NaiveDate>,
    pub site_findings: Option<String>,
}

/// What an action carries besides the pilot, its version and a comment.
#[derive(Debug, Clone)]
pub enum Details {
    None,
    ExpertReview(Review),
    PublicNotice {
        starts_on: Option<NaiveDate>,
    },
    Objection {
        received_on: Option<NaiveDate>,
        objector: String,
        content: String,
    },
    ResolveObjection {
        objection_id: i64,
        upheld: bool,
        resolution: String,
    },
    RequestAcceptance {
        self_assessment: String,
    },
    AcceptanceReview(Review),
    Decide {
        result: ReviewResult,
        rectification_deadline: Option<NaiveDate>,
    },
    ReReview {
        outcome: ReReviewOutcome,
        reviewed_on: Option<NaiveDate>,
        rectification_deadline: Option<NaiveDate>,
    },
}

/// A request to act on a pilot.
#[derive(Debug, Clone)]
pub struct Act {
    pub pilot_id: i64,
    pub version: i32,
    pub action: WorkflowAction,
    pub comment: String,
    pub details: Details,
}

/// What an applied action produced.
#[derive(Debug, Clone)]
pub struct Applied {
    pub pilot: pilot::Model,
    pub event: workflow_event::Model,
}

/// Expert names as stored: trimmed, comma-separated (commas inside names are refused).
fn stored_names(r: &Review) -> String {
    r.expert_names
        .iter()
        .map(|n| n.trim())
        .collect::<Vec<_>>()
        .join(",")
}

fn check_review(field: &str, r: &Review) -> ApiResult<()> {
    if let Some(score) = r.score
        && (score < Decimal::ZERO || score > Decimal::from(100))
    {
        return Err(ApiError::bad_input(
            format!("{field}.score"),
            "must be between 0 and 100",
        ));
    }
    if r.expert_names.is_empty()
        || r.expert_names
            .iter()
            .any(|n| n.trim().is_empty() || n.contains(',') || n.chars().count() > 50)
    {
        return Err(ApiError::bad_input(
            format!("{field}.expertNames"),
            "one or more names of at most 50 characters, without commas",
        ));
    }
    text(&format!("{field}.comments"), &r.comments, false)?;
    Ok(())
}

/// Pilot states that hold a place in the quota.
pub const QUOTA_STATES: [PilotStatus; 7] = [
    PilotStatus::Recommended,
    PilotStatus::ExpertReviewed,
    PilotStatus::InPublicNotice,
    PilotStatus::Designated,
    PilotStatus::AcceptanceRequested,
    PilotStatus::AcceptanceForwarded,
    PilotStatus::Titled,
];

/// Applies an action; see the module documentation.
#[tracing::instrument(skip(state, viewer, act), fields(action = %act.action, pilot = act.pilot_id, sub = %viewer.sub))]
pub async fn apply(state: &AppState, viewer: &Viewer, act: Act) -> ApiResult<Applied> {
    let comment = text("comment", &act.comment, false)?;
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    let today = china_date(now);

    let Governed {
        pilot,
        program,
        type_rule,
        chain,
    } = governed(tx.conn(), viewer, act.pilot_id).await?;
    let row = transitions::authorize(viewer, act.action, pilot.status, &chain)?;
    let rule = &type_rule.model;
    if pilot.version != act.version {
        return Err(ApiError::Conflict(format!(
            "the pilot changed since you read it (version {} is now {})",
            act.version, pilot.version
        )));
    }

    let mut update = pilot.clone().into_active_model();
    let mut outcome = Outcome::AsTable;
    match (&act.action, &act.details) {
        (WorkflowAction::Submit, _) => {
            if today < program.application_opens_on || today > program.application_closes_on {
                return Err(ApiError::RuleViolation(format!(
                    "applications are accepted from {} to {}",
                    program.application_opens_on, program.application_closes_on
                )));
            }
            check_submission(tx.conn(), &pilot, &type_rule).await?;
        }
        (WorkflowAction::Recommend, _) => check_quota(tx.conn(), &pilot, rule).await?,
        (WorkflowAction::RecordExpertReview, Details::ExpertReview(r)) => {
            check_review("input", r)?;
            if r.result == ReviewResult::Fail {
                outcome = Outcome::ExpertReviewFailed;
            }
            tx.insert(expert_review::ActiveModel {
                pilot_id: Set(pilot.id),
                result: Set(r.result),
                score: Set(r.score.map(Dec)),
                comments: Set(r.comments.trim().into()),
                expert_names: Set(stored_names(r)),
                reviewed_on: Set(r.reviewed_on.unwrap_or(today)),
                reviewer_sub: Set(viewer.sub.clone()),
                created_at: Set(now),
                ..Default::default()
            })
            .await?;
        }
        (WorkflowAction::StartPublicNotice, Details::PublicNotice { starts_on }) => {
            let start = starts_on.unwrap_or(today);
            if start < today {
                return Err(ApiError::bad_input(
                    "input.startsOn",
                    "a notice cannot start in the past",
                ));
            }
            let calendar = calendar_of(tx.conn(), program.id).await?;
            update.notice_starts_on = Set(Some(start));
            update.notice_ends_on = Set(Some(
                calendar.notice_end(start, program.notice_working_days.max(1) as u32),
            ));
        }
        (
            WorkflowAction::RecordObjection,
            Details::Objection {
                received_on,
                objector,
                content,
            },
        ) => {
            let received = received_on.unwrap_or(today);
            check_within_notice(&pilot, received, today)?;
            tx.insert(objection::ActiveModel {
                pilot_id: Set(pilot.id),
                received_on: Set(received),
                objector: Set(text("input.objector", objector, true)?
                    .chars()
                    .take(300)
                    .collect()),
                content: Set(text("input.content", content, true)?),
                status: Set(ObjectionStatus::Open),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .await?;
        }
        (
            WorkflowAction::ResolveObjection,
            Details::ResolveObjection {
                objection_id,
                upheld,
                resolution,
            },
        ) => {
            let o = objection::Entity::find_by_id(*objection_id)
                .filter(objection::Column::PilotId.eq(pilot.id))
                .one(tx.conn())
                .await?
                .ok_or_else(|| ApiError::not_found("objection"))?;
            if o.status != ObjectionStatus::Open {
                return Err(ApiError::InvalidTransition(
                    "the objection is already resolved".into(),
                ));
            }
            let mut m = o.clone().into_active_model();
            m.status = Set(if *upheld {
                ObjectionStatus::Upheld
            } else {
                ObjectionStatus::Dismissed
            });
            m.resolution = Set(Some(text("input.resolution", resolution, true)?));
            m.resolved_at = Set(Some(now));
            m.version = Set(o.version + 1);
            m.updated_at = Set(now);
            tx.update("UPDATE", &o, m).await?;
        }
        (WorkflowAction::Designate, _) if chain.public_notice => {
            check_notice_over(tx.conn(), &pilot, today).await?;
            update.designated_at = Set(Some(now));
        }
        (WorkflowAction::Designate, _) => update.designated_at = Set(Some(now)),
        (WorkflowAction::RequestAcceptance, Details::RequestAcceptance { self_assessment }) => {
            if today < program.construction_starts_on {
                return Err(ApiError::RuleViolation(format!(
                    "acceptance may be requested once construction starts ({})",
                    program.construction_starts_on
                )));
            }
            let period_ends = program.construction_ends_on
                + chrono::Days::new(program.acceptance_grace_days.max(0) as u64);
            if today > period_ends {
                return Err(ApiError::RuleViolation(format!(
                    "the acceptance period ended on {period_ends} (construction ended {}, {} days of grace)",
                    program.construction_ends_on, program.acceptance_grace_days
                )));
            }
            let attempts = acceptance_record::Entity::find()
                .filter(acceptance_record::Column::PilotId.eq(pilot.id))
                .count(tx.conn())
                .await?;
            tx.insert(acceptance_record::ActiveModel {
                pilot_id: Set(pilot.id),
                attempt: Set(attempts as i32 + 1),
                requested_on: Set(today),
                self_assessment: Set(text("input.selfAssessment", self_assessment, true)?),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .await?;
        }
        (WorkflowAction::ForwardAcceptance, _) => {
            let before = current_attempt(tx.conn(), pilot.id).await?;
            let mut rec = before.clone().into_active_model();
            rec.forwarded_at = Set(Some(now));
            rec.forward_comment = Set(Some(comment.clone()));
            bump(&mut rec, now);
            tx.update("UPDATE", &before, rec).await?;
        }
        (WorkflowAction::RecordAcceptanceReview, Details::AcceptanceReview(r)) => {
            check_review("input", r)?;
            let before = current_attempt(tx.conn(), pilot.id).await?;
            let mut rec = before.clone().into_active_model();
            rec.review_result = Set(Some(r.result));
            rec.review_score = Set(r.score.map(Dec));
            rec.review_comments = Set(Some(r.comments.trim().into()));
            rec.expert_names = Set(Some(stored_names(r)));
            rec.site_visit_on = Set(r.site_visit_on);
            rec.site_findings = Set(r
                .site_findings
                .as_deref()
                .map(|f| text("input.siteFindings", f, false))
                .transpose()?);
            bump(&mut rec, now);
            tx.update("UPDATE", &before, rec).await?;
        }
        (
            WorkflowAction::DecideAcceptance,
            Details::Decide {
                result,
                rectification_deadline,
            },
        ) => {
            let record = current_attempt(tx.conn(), pilot.id).await?;
            if record.review_result.is_none() {
                return Err(ApiError::RuleViolation(
                    "record the experts' data review before deciding".into(),
                ));
            }
            if *result == ReviewResult::Pass {
                check_acceptance_steps(&record, &type_rule.acceptance_steps)?;
            }
            let (verdict, snapshot) = evaluate(tx.conn(), pilot.id, rule).await?;
            if *result == ReviewResult::Pass && !verdict.passes {
                return Err(ApiError::RuleViolation(format!(
                    "the indicator rule does not hold: constraints met {}/{}, references met {}/{} (need ≥ {} of them and ≥ {})",
                    verdict.constraint_met,
                    verdict.constraint_total,
                    verdict.reference_met,
                    verdict.reference_total,
                    verdict.required_ratio,
                    verdict.required_min_count
                )));
            }
            let deadline = match result {
                ReviewResult::Pass => None,
                ReviewResult::Fail => {
                    let d = rectification_deadline
                        .unwrap_or(today + Days::new(DEFAULT_RECTIFICATION_DAYS));
                    if d <= today {
                        return Err(ApiError::bad_input(
                            "input.rectificationDeadline",
                            "must be after today",
                        ));
                    }
                    Some(d)
                }
            };
            let passed = *result == ReviewResult::Pass;
            let mut rec = record.clone().into_active_model();
            rec.indicator_snapshot = Set(Some(snapshot));
            rec.constraint_met = Set(Some(verdict.constraint_met));
            rec.constraint_total = Set(Some(verdict.constraint_total));
            rec.reference_met = Set(Some(verdict.reference_met));
            rec.reference_total = Set(Some(verdict.reference_total));
            rec.required_ratio = Set(Some(Dec(verdict.required_ratio)));
            rec.required_min_count = Set(Some(verdict.required_min_count));
            rec.computed_verdict = Set(Some(if verdict.passes {
                ReviewResult::Pass
            } else {
                ReviewResult::Fail
            }));
            rec.decision = Set(Some(*result));
            rec.decided_at = Set(Some(now));
            rec.decision_comment = Set(Some(comment.clone()));
            rec.title_awarded = Set(passed.then(|| rule.title.clone()));
            rec.rectification_deadline = Set(deadline);
            bump(&mut rec, now);
            tx.update("UPDATE", &record, rec).await?;
            update.title = Set(passed.then(|| rule.title.clone()));
            update.rectification_deadline = Set(deadline);
            if !passed {
                outcome = Outcome::AcceptanceFailed;
            }
        }
        (
            WorkflowAction::ReReview,
            Details::ReReview {
                outcome: o,
                reviewed_on,
                rectification_deadline,
            },
        ) => {
            let titled = acceptance_record::Entity::find()
                .filter(acceptance_record::Column::PilotId.eq(pilot.id))
                .filter(acceptance_record::Column::Decision.eq(ReviewResult::Pass))
                .order_by_desc(acceptance_record::Column::Attempt)
                .one(tx.conn())
                .await?
                .ok_or_else(|| ApiError::internal("titled pilot without a passed acceptance"))?;
            let deadline = match o {
                ReReviewOutcome::Rectify => {
                    let d = rectification_deadline.ok_or_else(|| {
                        ApiError::bad_input(
                            "input.rectificationDeadline",
                            "a RECTIFY outcome needs a deadline",
                        )
                    })?;
                    if d <= today {
                        return Err(ApiError::bad_input(
                            "input.rectificationDeadline",
                            "must be after today",
                        ));
                    }
                    Some(d)
                }
                _ => None,
            };
            tx.insert(re_review::ActiveModel {
                pilot_id: Set(pilot.id),
                acceptance_record_id: Set(titled.id),
                reviewed_on: Set(reviewed_on.unwrap_or(today)),
                outcome: Set(*o),
                rectification_deadline: Set(deadline),
                comment: Set(comment.clone()),
                reviewer_sub: Set(viewer.sub.clone()),
                created_at: Set(now),
                ..Default::default()
            })
            .await?;
            update.rectification_deadline = Set(deadline);
            if *o == ReReviewOutcome::Revoked {
                update.title = Set(None);
                outcome = Outcome::TitleRevoked;
            }
        }
        (
            WorkflowAction::RecordExpertReview
            | WorkflowAction::StartPublicNotice
            | WorkflowAction::RecordObjection
            | WorkflowAction::ResolveObjection
            | WorkflowAction::RequestAcceptance
            | WorkflowAction::RecordAcceptanceReview
            | WorkflowAction::DecideAcceptance
            | WorkflowAction::ReReview,
            _,
        ) => return Err(ApiError::internal("action called without its details")),
        (
            WorkflowAction::Withdraw
            | WorkflowAction::Endorse
            | WorkflowAction::Return
            | WorkflowAction::Reject,
            _,
        ) => {}
    }

    let to = row.target(outcome);
    if to == PilotStatus::Draft {
        // A returned application is reopened: its notice and review dates no longer apply.
        update.notice_starts_on = Set(None);
        update.notice_ends_on = Set(None);
    }
    update.status = Set(to);
    update.version = Set(pilot.version + 1);
    update.updated_at = Set(now);
    // Writers hold the write lock, so the version checked above cannot have moved since.
    let updated = tx.update(act.action.as_str(), &pilot, update).await?;
    let event = tx
        .insert(workflow_event::ActiveModel {
            pilot_id: Set(pilot.id),
            action: Set(act.action),
            from_status: Set(pilot.status),
            to_status: Set(to),
            actor_sub: Set(viewer.sub.clone()),
            actor_role: Set(viewer.role),
            actor_region: Set(viewer.region.as_ref().map(|r| r.to_string())),
            actor_name: Set(viewer.name.clone()),
            comment: Set(comment),
            occurred_at: Set(now),
            ..Default::default()
        })
        .await?;
    tx.commit().await?;
    state.events.publish(&updated, &event);
    Ok(Applied {
        pilot: updated,
        event,
    })
}

/// A pilot in the viewer's scope with the program that governs it, its type's rule and chain.
pub struct Governed {
    pub pilot: pilot::Model,
    pub program: program::Model,
    pub type_rule: crate::programs::rules::TypeRule,
    pub chain: transitions::Chain,
}

/// Reads a pilot in the viewer's scope (`NOT_FOUND` otherwise) with what governs it.
pub async fn governed(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    pilot_id: i64,
) -> ApiResult<Governed> {
    let pilot = pilot::Entity::find_by_id(pilot_id)
        .filter(viewer.pilot_scope())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("pilot"))?;
    let program = program::Entity::find_by_id(pilot.program_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("pilot without program"))?;
    let type_rule = crate::programs::rules::of_type(db, program.id, pilot.pilot_type)
        .await?
        .ok_or_else(|| ApiError::internal("pilot type without rule"))?;
    let chain = type_rule.chain(&program);
    Ok(Governed {
        pilot,
        program,
        type_rule,
        chain,
    })
}

fn bump(rec: &mut acceptance_record::ActiveModel, now: DateTime<Utc>) {
    rec.version = Set(rec.version.as_ref() + 1);
    rec.updated_at = Set(now);
}

async fn calendar_of(db: &impl ConnectionTrait, program_id: i64) -> ApiResult<WorkCalendar> {
    Ok(WorkCalendar::new(
        program_calendar_day::Entity::find()
            .filter(program_calendar_day::Column::ProgramId.eq(program_id))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.day, d.kind)),
    ))
}

/// The open acceptance attempt (the latest).
async fn current_attempt(
    db: &impl ConnectionTrait,
    pilot_id: i64,
) -> ApiResult<acceptance_record::Model> {
    acceptance_record::Entity::find()
        .filter(acceptance_record::Column::PilotId.eq(pilot_id))
        .order_by_desc(acceptance_record::Column::Attempt)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("acceptance state without a record"))
}

/// A PASS decision needs every step the program names for the type, completed with a positive
/// result on the attempt being decided.
fn check_acceptance_steps(
    record: &acceptance_record::Model,
    steps: &[entities::AcceptanceStep],
) -> ApiResult<()> {
    use entities::AcceptanceStep::*;
    for step in steps {
        let missing = match step {
            DataReviewPassed => (record.review_result != Some(ReviewResult::Pass))
                .then_some("the experts' data review did not pass"),
            SiteVisitRecorded => {
                let findings = record.site_findings.as_deref().map_or("", str::trim);
                (record.site_visit_on.is_none() || findings.is_empty())
                    .then_some("the on-site verification (date and findings) is not recorded")
            }
        };
        if let Some(why) = missing {
            return Err(ApiError::RuleViolation(format!(
                "acceptance cannot pass: {why}"
            )));
        }
    }
    Ok(())
}

/// Designation after a notice: from the day after it ends, with no open or upheld objection
/// received during it.
async fn check_notice_over(
    db: &impl ConnectionTrait,
    pilot: &pilot::Model,
    today: NaiveDate,
) -> ApiResult<()> {
    let ends = pilot
        .notice_ends_on
        .ok_or_else(|| ApiError::internal("notice without end"))?;
    if today <= ends {
        return Err(ApiError::RuleViolation(format!(
            "the public notice runs until {ends}; designate from the next day"
        )));
    }
    let starts = pilot.notice_starts_on.unwrap_or(ends);
    let blocking = objection::Entity::find()
        .filter(objection::Column::PilotId.eq(pilot.id))
        .filter(objection::Column::ReceivedOn.between(starts, ends))
        .filter(objection::Column::Status.is_in([ObjectionStatus::Open, ObjectionStatus::Upheld]))
        .one(db)
        .await?;
    match blocking.map(|o| o.status) {
        None => Ok(()),
        Some(ObjectionStatus::Upheld) => Err(ApiError::RuleViolation(
            "an objection was upheld; the pilot cannot be designated".into(),
        )),
        Some(_) => Err(ApiError::RuleViolation(
            "an objection is still open; resolve it first".into(),
        )),
    }
}

/// An objection counts only when it was received during the public notice (first and last day
/// included), and not later than today.
fn check_within_notice(
    pilot: &pilot::Model,
    received: NaiveDate,
    today: NaiveDate,
) -> ApiResult<()> {
    let (Some(starts), Some(ends)) = (pilot.notice_starts_on, pilot.notice_ends_on) else {
        return Err(ApiError::internal(
            "a pilot in public notice without notice dates",
        ));
    };
    if received > today {
        return Err(ApiError::bad_input(
            "input.receivedOn",
            "an objection cannot be received in the future",
        ));
    }
    if received < starts || received > ends {
        return Err(ApiError::RuleViolation(format!(
            "objections are received during the public notice, {starts} to {ends}; {received} is outside it"
        )));
    }
    Ok(())
}

/// The submission rules besides the window: admission, published plans, eligibility.
async fn check_submission(
    db: &impl ConnectionTrait,
    p: &pilot::Model,
    rule: &crate::programs::rules::TypeRule,
) -> ApiResult<()> {
    let applicant = organization::Entity::find_by_id(p.applicant_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("pilot without applicant"))?;
    let region = region::Entity::find_by_id(p.region_code.clone())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("pilot without region"))?;
    admission::check(
        Some(rule),
        &admission::Application {
            pilot_type: p.pilot_type,
            region: &region,
            applicant: &applicant,
        },
    )?;
    let catalogue = crate::programs::catalogues::indicators(db, rule.model.id).await?;
    let carried: Vec<String> = indicator::Entity::find()
        .filter(indicator::Column::PilotId.eq(p.id))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.code)
        .collect();
    let lacking: Vec<&str> = catalogue
        .iter()
        .filter(|c| c.required && !carried.contains(&c.code))
        .map(|c| c.code.as_str())
        .collect();
    if !lacking.is_empty() {
        return Err(ApiError::RuleViolation(format!(
            "the program requires targets for the indicators {}",
            lacking.join(", ")
        )));
    }
    for kind in [PlanKind::CreationPlan, PlanKind::ResearchReport] {
        let published = plan::Entity::find()
            .filter(plan::Column::PilotId.eq(p.id))
            .filter(plan::Column::Kind.eq(kind))
            .filter(plan::Column::Status.eq(PlanStatus::Published))
            .count(db)
            .await?;
        if published == 0 {
            return Err(ApiError::RuleViolation(format!(
                "a published {} is required to submit",
                kind.as_str()
            )));
        }
    }
    let declarations = [
        (
            "has no unmet carbon-market obligations",
            p.has_unmet_carbon_market_obligations,
        ),
        (
            "has no falsified emission data",
            p.has_falsified_emission_data,
        ),
        (
            "has had no serious pollution case or major environmental emergency in three years",
            p.has_serious_pollution_case,
        ),
    ];
    for (what, declared) in declarations {
        match declared {
            Some(false) => {}
            Some(true) => {
                return Err(ApiError::RuleViolation(format!(
                    "ineligible: the applicant must declare it {what}"
                )));
            }
            None => {
                return Err(ApiError::RuleViolation(format!(
                    "declare whether the area {what}"
                )));
            }
        }
    }
    Ok(())
}

/// Refuses the recommendation that would exceed the region's quota for the type.
async fn check_quota(
    db: &impl ConnectionTrait,
    p: &pilot::Model,
    rule: &program_type_rule::Model,
) -> ApiResult<()> {
    let Some((quota, level)) = rule.quota.map(|q| (q, rule.quota_region_level)) else {
        return Ok(());
    };
    let (column, code) = match level {
        RegionLevel::Province => (pilot::Column::ProvinceCode, Some(p.province_code.clone())),
        RegionLevel::Municipality => (
            pilot::Column::MunicipalityCode,
            Some(p.municipality_code.clone()),
        ),
        RegionLevel::County => (pilot::Column::CountyCode, p.county_code.clone()),
    };
    let taken = pilot::Entity::find()
        .filter(pilot::Column::ProgramId.eq(p.program_id))
        .filter(pilot::Column::PilotType.eq(p.pilot_type))
        .filter(pilot::Column::Status.is_in(QUOTA_STATES))
        .filter(column.eq(code))
        .filter(pilot::Column::Id.ne(p.id))
        .count(db)
        .await?;
    if taken >= quota.max(0) as u64 {
        return Err(ApiError::QuotaExceeded(format!(
            "the {} quota of {quota} {} pilot(s) is used ({taken} recommended)",
            level.as_str().to_lowercase(),
            p.pilot_type.as_str()
        )));
    }
    Ok(())
}

/// The acceptance rule over the pilot's indicators as they stand, with a JSON snapshot. It
/// counts against the program's catalogue for the type: an indicator takes the catalogue's
/// category, and a constraint or required indicator of the catalogue that the pilot lacks
/// counts as not met.
pub async fn evaluate(
    db: &impl ConnectionTrait,
    pilot_id: i64,
    rule: &program_type_rule::Model,
) -> ApiResult<(acceptance_rule::Verdict, String)> {
    let catalogue = crate::programs::catalogues::indicators(db, rule.id).await?;
    let indicators = indicator::Entity::find()
        .filter(indicator::Column::PilotId.eq(pilot_id))
        .order_by_asc(indicator::Column::Id)
        .all(db)
        .await?;
    let actuals = indicator_actual::Entity::find()
        .filter(indicator_actual::Column::PilotId.eq(pilot_id))
        .all(db)
        .await?;
    let mut pairs = Vec::new();
    let mut snapshot = Vec::new();
    for i in &indicators {
        let mine: Vec<indicator_actual::Model> = actuals
            .iter()
            .filter(|a| a.indicator_id == i.id)
            .cloned()
            .collect();
        let last = latest(&mine);
        let met = indicator_rule::is_met(i.direction, i.target_value.0, last.map(|a| a.value.0));
        let category = catalogue
            .iter()
            .find(|c| c.code == i.code)
            .map_or(i.category, |c| c.category);
        pairs.push((category, met));
        snapshot.push(serde_json::json!({
            "code": i.code, "name": i.name, "category": category, "direction": i.direction,
            "baseline": i.baseline_value, "target": i.target_value,
            "latestActual": last.map(|a| a.value), "periodEnd": last.map(|a| a.period_end), "met": met,
        }));
    }
    for c in &catalogue {
        let counts = c.required || c.category == IndicatorCategory::Constraint;
        if counts && !indicators.iter().any(|i| i.code == c.code) {
            pairs.push((c.category, false));
            snapshot.push(serde_json::json!({
                "code": c.code, "name": c.name, "category": c.category, "direction": c.direction,
                "missing": true, "met": false,
            }));
        }
    }
    let verdict =
        acceptance_rule::evaluate(pairs, rule.reference_ratio.0, rule.reference_min_count);
    Ok((verdict, serde_json::Value::Array(snapshot).to_string()))
}

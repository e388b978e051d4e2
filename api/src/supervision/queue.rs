//! The work queue: what a viewer must act on now. It asks the transition table, with each
//! program's chain, in which states the viewer takes a step that moves a pilot on, and selects
//! those pilots in SQL within the viewer's scope; dates the table cannot know (a window that is
//! open, a notice that has ended, a re-review that has fallen due) are program data checked here.
//! Reports past their due day come from the program's report duties (`super::reports`).

use super::reports::{self, Owed};
use crate::auth::Viewer;
use crate::clock::china_date;
use crate::error::ApiResult;
use crate::programs::rules::TypeRule;
use crate::state::AppState;
use crate::workflow::transitions::{self, Chain};
use chrono::{Months, NaiveDate};
use entities::*;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// Why a pilot is in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum WorkReason {
    /// A draft the applicant may submit while the window is open.
    ReadyToSubmit,
    /// An application waiting for the viewer's review, recommendation, expert review or notice.
    AwaitingReview,
    /// The public notice has ended: the pilot may be designated.
    NoticeEnded,
    /// The issuing authority confirms a recommended pilot (programs without notice).
    AwaitingDesignation,
    /// Construction is under way and acceptance may be requested.
    AcceptanceOpen,
    /// An acceptance request waiting to be forwarded, reviewed or decided.
    AcceptanceWaiting,
    /// The program's re-review interval has passed since the last decision or re-review.
    ReReviewDue,
    /// A yearly report or emission disclosure is past its due day and not filed.
    ReportOverdue,
}

/// One pilot the viewer should act on.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub pilot: pilot::Model,
    pub reason: WorkReason,
    /// The steps the viewer may take that move the pilot on.
    pub actions: Vec<WorkflowAction>,
    /// When the step fell or falls due, where the program sets a date.
    pub due_on: Option<NaiveDate>,
    /// The missing report, for `ReportOverdue`.
    pub report: Option<Owed>,
}

/// The reason an action puts a pilot in the queue; `None` for steps nobody must take
/// (withdrawing, returning, rejecting, recording an objection).
fn reason_of(action: WorkflowAction, status: PilotStatus) -> Option<WorkReason> {
    use WorkflowAction as A;
    Some(match action {
        A::Submit => WorkReason::ReadyToSubmit,
        A::Endorse | A::Recommend | A::RecordExpertReview | A::StartPublicNotice => {
            WorkReason::AwaitingReview
        }
        A::Designate if status == PilotStatus::InPublicNotice => WorkReason::NoticeEnded,
        A::Designate => WorkReason::AwaitingDesignation,
        A::RequestAcceptance => WorkReason::AcceptanceOpen,
        A::ForwardAcceptance | A::RecordAcceptanceReview | A::DecideAcceptance => {
            WorkReason::AcceptanceWaiting
        }
        A::ReReview => WorkReason::ReReviewDue,
        A::Withdraw | A::Return | A::Reject | A::RecordObjection | A::ResolveObjection => {
            return None;
        }
    })
}

/// What the viewer does to pilots of one program and type, by state.
struct Duty {
    program: program::Model,
    by_status: HashMap<PilotStatus, (WorkReason, Vec<WorkflowAction>)>,
}

/// The viewer's queue, oldest pilot first, at most `limit` items.
pub async fn of(state: &AppState, viewer: &Viewer, limit: usize) -> ApiResult<Vec<WorkItem>> {
    let db = &state.db;
    let today = china_date(state.clock.now());
    let programs: HashMap<i64, program::Model> = program::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let values = program_rule_value::Entity::find()
        .order_by_asc(program_rule_value::Column::Id)
        .all(db)
        .await?;
    let mut duties: HashMap<(i64, PilotType), Duty> = HashMap::new();
    let mut chains: HashMap<(i64, PilotType), Chain> = HashMap::new();
    let mut wanted = Condition::any();
    for model in program_type_rule::Entity::find().all(db).await? {
        let Some(program) = programs.get(&model.program_id) else {
            continue;
        };
        let (program_id, pilot_type) = (model.program_id, model.pilot_type);
        let chain: Chain = TypeRule::assemble(model, &values).chain(program);
        chains.insert((program_id, pilot_type), chain.clone());
        let mut by_status = HashMap::new();
        for status in <PilotStatus as async_graphql::resolver_utils::EnumType>::items() {
            let status = status.value;
            let mut reason = None;
            let actions: Vec<WorkflowAction> = transitions::available(viewer, status, &chain)
                .into_iter()
                .filter(|a| match reason_of(*a, status) {
                    Some(r) => {
                        reason.get_or_insert(r);
                        true
                    }
                    None => false,
                })
                .collect();
            let Some(reason) = reason else { continue };
            if !in_season(reason, program, today) {
                continue;
            }
            let mut cond = Condition::all()
                .add(pilot::Column::ProgramId.eq(program_id))
                .add(pilot::Column::PilotType.eq(pilot_type))
                .add(pilot::Column::Status.eq(status));
            if reason == WorkReason::NoticeEnded {
                cond = cond.add(pilot::Column::NoticeEndsOn.lt(today));
            }
            wanted = wanted.add(cond);
            by_status.insert(status, (reason, actions));
        }
        if !by_status.is_empty() {
            duties.insert(
                (program_id, pilot_type),
                Duty {
                    program: program.clone(),
                    by_status,
                },
            );
        }
    }
    let mut items = overdue_reports(db, viewer, &programs, &chains, today).await?;
    if duties.is_empty() {
        return Ok(items);
    }
    let pilots = pilot::Entity::find()
        .filter(viewer.pilot_scope())
        .filter(wanted)
        .order_by_asc(pilot::Column::Id)
        .all(db)
        .await?;
    let re_review_since = last_decisions(db, &pilots).await?;
    for p in pilots {
        let Some(duty) = duties.get(&(p.program_id, p.pilot_type)) else {
            continue;
        };
        let Some((reason, actions)) = duty.by_status.get(&p.status) else {
            continue;
        };
        let due_on = match reason {
            WorkReason::ReReviewDue => {
                let (Some(months), Some(since)) = (
                    duty.program.re_review_interval_months,
                    re_review_since.get(&p.id),
                ) else {
                    continue;
                };
                let due = *since + Months::new(months.max(1) as u32);
                if due > today {
                    continue;
                }
                Some(due)
            }
            WorkReason::NoticeEnded => p.notice_ends_on,
            WorkReason::ReadyToSubmit => Some(duty.program.application_closes_on),
            WorkReason::AcceptanceOpen => Some(
                duty.program.construction_ends_on
                    + chrono::Days::new(duty.program.acceptance_grace_days.max(0) as u64),
            ),
            _ => None,
        };
        items.push(WorkItem {
            reason: *reason,
            actions: actions.clone(),
            due_on,
            report: None,
            pilot: p,
        });
    }
    items.sort_by_key(|i| i.pilot.id);
    items.truncate(limit);
    Ok(items)
}

/// Reports past their due day and not filed, for the applicant who files them and the bureaus
/// that follow the pilot (as for tracking notes), within the viewer's scope.
async fn overdue_reports(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    programs: &HashMap<i64, program::Model>,
    chains: &HashMap<(i64, PilotType), Chain>,
    today: NaiveDate,
) -> ApiResult<Vec<WorkItem>> {
    let mut duties: HashMap<i64, Vec<program_report_duty::Model>> = HashMap::new();
    for d in program_report_duty::Entity::find()
        .filter(program_report_duty::Column::RetiredAt.is_null())
        .all(db)
        .await?
    {
        duties.entry(d.program_id).or_default().push(d);
    }
    if duties.is_empty() {
        return Ok(Vec::new());
    }
    let pilots = pilot::Entity::find()
        .filter(viewer.pilot_scope())
        .filter(pilot::Column::Status.is_in(crate::supervision::tracking::TRACKED))
        .filter(pilot::Column::ProgramId.is_in(duties.keys().copied()))
        .order_by_asc(pilot::Column::Id)
        .all(db)
        .await?;
    let pilots: Vec<pilot::Model> = pilots
        .into_iter()
        .filter(|p| {
            viewer.role == Role::Applicant
                || chains
                    .get(&(p.program_id, p.pilot_type))
                    .is_some_and(|c| crate::supervision::tracking::follows(viewer, c))
        })
        .collect();
    if pilots.is_empty() {
        return Ok(Vec::new());
    }
    let filed: std::collections::HashSet<(i64, ReportKind, i32)> = annual_report::Entity::find()
        .select_only()
        .column(annual_report::Column::PilotId)
        .column(annual_report::Column::Kind)
        .column(annual_report::Column::Year)
        .filter(annual_report::Column::PilotId.is_in(pilots.iter().map(|p| p.id)))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut items = Vec::new();
    for p in pilots {
        let (Some(program), Some(duties)) =
            (programs.get(&p.program_id), duties.get(&p.program_id))
        else {
            continue;
        };
        let owed = reports::owed(
            p.status,
            p.designated_at.map(china_date),
            program.construction_ends_on,
            duties,
            today,
        );
        for o in owed {
            if o.due_on < today && !filed.contains(&(p.id, o.kind, o.year)) {
                items.push(WorkItem {
                    pilot: p.clone(),
                    reason: WorkReason::ReportOverdue,
                    actions: Vec::new(),
                    due_on: Some(o.due_on),
                    report: Some(o),
                });
            }
        }
    }
    Ok(items)
}

/// Whether the program's dates let the step be taken today.
fn in_season(reason: WorkReason, p: &program::Model, today: NaiveDate) -> bool {
    match reason {
        WorkReason::ReadyToSubmit => {
            p.application_opens_on <= today && today <= p.application_closes_on
        }
        WorkReason::AcceptanceOpen => {
            let ends =
                p.construction_ends_on + chrono::Days::new(p.acceptance_grace_days.max(0) as u64);
            p.construction_starts_on <= today && today <= ends
        }
        WorkReason::ReReviewDue => p.re_review_interval_months.is_some(),
        _ => true,
    }
}

/// For titled pilots among `pilots`: the day of the last passed acceptance or re-review, from
/// which the next re-review is counted (two grouped queries).
async fn last_decisions(
    db: &sea_orm::DatabaseConnection,
    pilots: &[pilot::Model],
) -> ApiResult<HashMap<i64, NaiveDate>> {
    let titled: Vec<i64> = pilots
        .iter()
        .filter(|p| p.status == PilotStatus::Titled)
        .map(|p| p.id)
        .collect();
    let mut since = HashMap::new();
    if titled.is_empty() {
        return Ok(since);
    }
    let decided: Vec<(i64, Option<chrono::DateTime<chrono::Utc>>)> =
        acceptance_record::Entity::find()
            .select_only()
            .column(acceptance_record::Column::PilotId)
            .column_as(acceptance_record::Column::DecidedAt.max(), "last")
            .filter(acceptance_record::Column::PilotId.is_in(titled.clone()))
            .filter(acceptance_record::Column::Decision.eq(ReviewResult::Pass))
            .group_by(acceptance_record::Column::PilotId)
            .into_tuple()
            .all(db)
            .await?;
    for (id, at) in decided {
        if let Some(at) = at {
            since.insert(id, china_date(at));
        }
    }
    let reviewed: Vec<(i64, Option<NaiveDate>)> = re_review::Entity::find()
        .select_only()
        .column(re_review::Column::PilotId)
        .column_as(re_review::Column::ReviewedOn.max(), "last")
        .filter(re_review::Column::PilotId.is_in(titled))
        .group_by(re_review::Column::PilotId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, on) in reviewed {
        if let Some(on) = on {
            let entry = since.entry(id).or_insert(on);
            *entry = (*entry).max(on);
        }
    }
    Ok(since)
}

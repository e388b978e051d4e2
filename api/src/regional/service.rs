//! Regional plans: who manages, reports and assesses, and the audited writes that do it.
//!
//! | step | who |
//! |---|---|
//! | draft, revise, issue a plan; set a task's status | users of the plan's region: provincial for a province's plan, municipal for a city's (without `dept`, or the development and reform bureau, which compiles the plan) |
//! | report a year on a plan | users of a region directly below the plan's: a county on its city's plan, a city on its province's (same `dept` rule) |
//! | assess a region's year | the plan's managers, once the region reported that year |
//! | link a key project to a task | the applicant of the project's pilot, to a task of an issued plan of a region the pilot lies in |

use crate::audit::writer::WriteTx;
use crate::auth::Viewer;
use crate::auth::scope::PLAN_COMPILING_DEPARTMENT;
use crate::clock::china_date;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::regions::code::RegionCode;
use crate::state::AppState;
use chrono::{Datelike, NaiveDate};
use entities::*;
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use std::collections::HashSet;

/// What a viewer may do with a plan it can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum RegionalPlanAction {
    /// Issue a draft (superseding the version it revises).
    Issue,
    /// Draft a new version of an issued plan.
    Revise,
    /// Set the status of one of the plan's key tasks.
    UpdateTaskStatus,
    /// File the viewer's region's yearly report on the plan.
    SubmitReport,
    /// Assess a region's yearly report.
    Assess,
}

/// Whether the viewer's bureau does plan work: no `dept`, or the compiling bureau.
fn plan_bureau(viewer: &Viewer) -> bool {
    viewer
        .dept
        .as_deref()
        .is_none_or(|d| d == PLAN_COMPILING_DEPARTMENT)
}

/// Whether `viewer` manages the plans of `region`: the province's provincial users, the
/// city's municipal users (of the plan bureau).
pub fn manages(viewer: &Viewer, region: &str) -> bool {
    let Some(own) = &viewer.region else {
        return false;
    };
    let level_role = match own.level() {
        RegionLevel::Province => Role::Provincial,
        RegionLevel::Municipality => Role::Municipal,
        RegionLevel::County => return false,
    };
    viewer.role == level_role && own.as_str() == region && plan_bureau(viewer)
}

/// Whether `viewer` reports on the plans of `region`: users of a region directly below it.
pub fn reports_to(viewer: &Viewer, region: &str) -> bool {
    let Some(own) = &viewer.region else {
        return false;
    };
    let parent = match own.level() {
        RegionLevel::County => own.municipality(),
        RegionLevel::Municipality => Some(own.province()),
        RegionLevel::Province => None,
    };
    matches!(viewer.role, Role::Municipal | Role::County)
        && parent.as_deref() == Some(region)
        && plan_bureau(viewer)
}

impl RegionalPlanAction {
    const ALL: [RegionalPlanAction; 5] = [
        RegionalPlanAction::Issue,
        RegionalPlanAction::Revise,
        RegionalPlanAction::UpdateTaskStatus,
        RegionalPlanAction::SubmitReport,
        RegionalPlanAction::Assess,
    ];
}

/// Whether `viewer` may take `action` on `plan` now (`FORBIDDEN` for the wrong user,
/// `INVALID_TRANSITION` for the wrong state): the one place the plan steps' rules live, read
/// by `availableActions` and by every plan mutation.
pub fn permit(
    viewer: &Viewer,
    plan: &regional_plan::Model,
    action: RegionalPlanAction,
) -> ApiResult<()> {
    use RegionalPlanAction::*;
    let (allowed, who, state) = match action {
        Issue => (
            manages(viewer, &plan.region_code),
            "the plan bureau of the plan's region",
            RegionalPlanStatus::Draft,
        ),
        Revise | UpdateTaskStatus | Assess => (
            manages(viewer, &plan.region_code),
            "the plan bureau of the plan's region",
            RegionalPlanStatus::Issued,
        ),
        SubmitReport => (
            reports_to(viewer, &plan.region_code),
            "the regions directly below the plan's",
            RegionalPlanStatus::Issued,
        ),
    };
    if !allowed {
        return Err(ApiError::Forbidden(format!("{action:?} is for {who}")));
    }
    if plan.status != state {
        return Err(ApiError::InvalidTransition(format!(
            "the plan is {}",
            plan.status.as_str()
        )));
    }
    Ok(())
}

/// The actions `viewer` may take on `plan` now.
pub fn available(viewer: &Viewer, plan: &regional_plan::Model) -> Vec<RegionalPlanAction> {
    RegionalPlanAction::ALL
        .into_iter()
        .filter(|a| permit(viewer, plan, *a).is_ok())
        .collect()
}

/// The plan `id` if `viewer` may read it.
pub async fn get(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i64,
) -> ApiResult<regional_plan::Model> {
    regional_plan::Entity::find_by_id(id)
        .filter(viewer.regional_plan_scope())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("regional plan"))
}

/// Narrows `regionalPlans`.
#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    /// Plans of this region and of the regions below it.
    pub region_code: Option<String>,
    pub status: Option<Vec<RegionalPlanStatus>>,
}

/// The plans `viewer` may read, filtered, by region and then newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    f: &PlanFilter,
) -> ApiResult<Vec<regional_plan::Model>> {
    let mut q = regional_plan::Entity::find().filter(viewer.regional_plan_scope());
    if let Some(code) = &f.region_code {
        let code =
            RegionCode::parse(code).map_err(|e| ApiError::bad_input("filter.regionCode", e))?;
        q = q.filter(regional_plan::Column::RegionCode.starts_with(code.descendant_prefix()));
    }
    if let Some(statuses) = &f.status {
        q = q.filter(regional_plan::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    Ok(q.order_by_asc(regional_plan::Column::RegionCode)
        .order_by_desc(regional_plan::Column::Id)
        .all(db)
        .await?)
}

/// A target as drafted.
#[derive(Debug, Clone)]
pub struct TargetDraft {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub category: IndicatorCategory,
    pub baseline: Option<(i32, Decimal)>,
    pub values: Vec<ValueDraft>,
}

/// A target value as drafted.
#[derive(Debug, Clone)]
pub struct ValueDraft {
    pub year: i32,
    pub value: Decimal,
    pub bound: TargetBound,
    pub quote: String,
}

/// A key task as drafted; the first unit leads unless one is marked as the lead.
#[derive(Debug, Clone)]
pub struct TaskDraft {
    pub number: String,
    pub title: String,
    pub text: String,
    pub field: ProjectField,
    pub deadline: Option<NaiveDate>,
    pub units: Vec<UnitDraft>,
}

/// A responsible unit as drafted.
#[derive(Debug, Clone)]
pub struct UnitDraft {
    pub unit: String,
    pub department: Option<String>,
    pub lead: bool,
}

/// A plan as drafted.
#[derive(Debug, Clone)]
pub struct PlanDraft {
    pub region_code: String,
    pub parent_plan_id: Option<i64>,
    pub supersedes_id: Option<i64>,
    pub issuing_authority: String,
    pub document_number: Option<String>,
    pub title: String,
    pub summary: String,
    pub period_start_year: i32,
    pub period_end_year: i32,
    pub report_due_month: u32,
    pub report_due_day: u32,
    pub targets: Vec<TargetDraft>,
    pub tasks: Vec<TaskDraft>,
}

fn year(field: &str, y: i32) -> ApiResult<i32> {
    input::in_range(field, i64::from(y), 2000, 2100).map(|y| y as i32)
}

/// Drafts a plan (a new one, or a new version of an issued one) with its targets and tasks.
pub async fn draft(
    state: &AppState,
    viewer: &Viewer,
    d: PlanDraft,
) -> ApiResult<regional_plan::Model> {
    let mut tx = state.write(viewer).await?;
    let plan = draft_in(&mut tx, viewer, d).await?;
    tx.commit().await?;
    Ok(plan)
}

/// [`draft`] inside an open write.
pub async fn draft_in(
    tx: &mut WriteTx,
    viewer: &Viewer,
    d: PlanDraft,
) -> ApiResult<regional_plan::Model> {
    let code = RegionCode::parse(&d.region_code)
        .map_err(|e| ApiError::bad_input("input.regionCode", e))?;
    let region = region::Entity::find_by_id(code.as_str().to_owned())
        .one(tx.conn())
        .await?
        .ok_or_else(|| ApiError::bad_input("input.regionCode", "no such region"))?;
    if !manages(viewer, &region.code) {
        return Err(ApiError::Forbidden(
            "a region's plan is drafted by the plan bureau of that region".into(),
        ));
    }
    let start = year("input.periodStartYear", d.period_start_year)?;
    let end = year("input.periodEndYear", d.period_end_year)?;
    if end < start {
        return Err(ApiError::bad_input(
            "input.periodEndYear",
            "ends before it starts",
        ));
    }
    if NaiveDate::from_ymd_opt(2001, d.report_due_month, d.report_due_day).is_none() {
        return Err(ApiError::bad_input(
            "input.reportDueDay",
            "not a day of the year",
        ));
    }
    if let Some(parent) = d.parent_plan_id {
        let p = get(tx.conn(), viewer, parent)
            .await
            .map_err(|_| ApiError::bad_input("input.parentPlanId", "no such plan"))?;
        let above: Vec<String> = code.self_and_ancestors().into_iter().skip(1).collect();
        if !above.contains(&p.region_code) || p.status != RegionalPlanStatus::Issued {
            return Err(ApiError::bad_input(
                "input.parentPlanId",
                "the parent is an issued plan of a region above this one",
            ));
        }
    }
    if let Some(old) = d.supersedes_id {
        let o = get(tx.conn(), viewer, old)
            .await
            .map_err(|_| ApiError::bad_input("input.supersedesId", "no such plan"))?;
        if o.region_code != region.code || o.status != RegionalPlanStatus::Issued {
            return Err(ApiError::bad_input(
                "input.supersedesId",
                "a new version replaces the issued plan of the same region",
            ));
        }
        let pending = regional_plan::Entity::find()
            .filter(regional_plan::Column::SupersedesId.eq(old))
            .filter(regional_plan::Column::Status.eq(RegionalPlanStatus::Draft.as_str()))
            .count(tx.conn())
            .await?;
        if pending > 0 {
            return Err(ApiError::Conflict(
                "a new version of this plan is already being drafted".into(),
            ));
        }
    }
    let mut codes = HashSet::new();
    for (i, t) in d.targets.iter().enumerate() {
        let at = format!("input.targets[{i}]");
        input::text(&format!("{at}.code"), &t.code, true, 40)?;
        if !codes.insert(t.code.clone()) {
            return Err(ApiError::bad_input(format!("{at}.code"), "named twice"));
        }
        if t.values.is_empty() {
            return Err(ApiError::bad_input(
                format!("{at}.values"),
                "a target sets at least one value",
            ));
        }
        let mut years = HashSet::new();
        for (j, v) in t.values.iter().enumerate() {
            let y = year(&format!("{at}.values[{j}].year"), v.year)?;
            if !years.insert(y) || y < start {
                return Err(ApiError::bad_input(
                    format!("{at}.values[{j}].year"),
                    "one value per year, none before the plan's period",
                ));
            }
        }
        if let Some((y, _)) = t.baseline
            && t.values.iter().any(|v| v.year <= y)
        {
            return Err(ApiError::bad_input(
                format!("{at}.baselineYear"),
                "the baseline comes before every target year",
            ));
        }
    }
    let mut numbers = HashSet::new();
    for (i, t) in d.tasks.iter().enumerate() {
        let at = format!("input.tasks[{i}]");
        input::text(&format!("{at}.number"), &t.number, true, 40)?;
        if !numbers.insert(t.number.clone()) {
            return Err(ApiError::bad_input(
                format!("{at}.number"),
                "numbered twice",
            ));
        }
        if t.units.is_empty() {
            return Err(ApiError::bad_input(
                format!("{at}.units"),
                "a task names its responsible units",
            ));
        }
        if t.units.iter().filter(|u| u.lead).count() > 1 {
            return Err(ApiError::bad_input(format!("{at}.units"), "one lead unit"));
        }
    }
    let now = tx.now();
    let plan = tx
        .insert(regional_plan::ActiveModel {
            region_code: Set(region.code.clone()),
            parent_plan_id: Set(d.parent_plan_id),
            supersedes_id: Set(d.supersedes_id),
            issuing_authority: Set(input::text(
                "input.issuingAuthority",
                &d.issuing_authority,
                true,
                300,
            )?),
            document_number: Set(d
                .document_number
                .as_deref()
                .map(|n| input::text("input.documentNumber", n, true, 100))
                .transpose()?),
            title: Set(input::text("input.title", &d.title, true, 300)?),
            summary: Set(input::long_text("input.summary", &d.summary, false)?),
            issued_on: Set(None),
            period_start_year: Set(start),
            period_end_year: Set(end),
            report_due_month: Set(d.report_due_month as i32),
            report_due_day: Set(d.report_due_day as i32),
            status: Set(RegionalPlanStatus::Draft),
            author_sub: Set(viewer.sub.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await?;
    for (i, t) in d.targets.into_iter().enumerate() {
        let at = format!("input.targets[{i}]");
        let target = tx
            .insert(regional_target::ActiveModel {
                plan_id: Set(plan.id),
                code: Set(t.code),
                name: Set(input::text(&format!("{at}.name"), &t.name, true, 300)?),
                unit: Set(input::text(&format!("{at}.unit"), &t.unit, true, 40)?),
                direction: Set(t.direction),
                category: Set(t.category),
                baseline_year: Set(t.baseline.map(|(y, _)| y)),
                baseline_value: Set(t.baseline.map(|(_, v)| Dec(v))),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .await?;
        for v in t.values {
            tx.insert(regional_target_value::ActiveModel {
                target_id: Set(target.id),
                plan_id: Set(plan.id),
                year: Set(v.year),
                value: Set(Dec(v.value)),
                bound: Set(v.bound),
                quote: Set(input::long_text(
                    &format!("{at}.values.quote"),
                    &v.quote,
                    false,
                )?),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .await?;
        }
    }
    for (i, t) in d.tasks.into_iter().enumerate() {
        let at = format!("input.tasks[{i}]");
        let task = tx
            .insert(regional_task::ActiveModel {
                plan_id: Set(plan.id),
                number: Set(t.number),
                title: Set(input::text(&format!("{at}.title"), &t.title, true, 500)?),
                text: Set(input::long_text(&format!("{at}.text"), &t.text, false)?),
                field: Set(t.field),
                deadline: Set(t.deadline),
                status: Set(TaskStatus::NotStarted),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .await?;
        let marked = t.units.iter().any(|u| u.lead);
        for (k, u) in t.units.into_iter().enumerate() {
            tx.insert(regional_task_unit::ActiveModel {
                task_id: Set(task.id),
                plan_id: Set(plan.id),
                position: Set(k as i32 + 1),
                unit: Set(input::text(
                    &format!("{at}.units[{k}].unit"),
                    &u.unit,
                    true,
                    300,
                )?),
                department: Set(u
                    .department
                    .as_deref()
                    .map(|d| input::text(&format!("{at}.units[{k}].department"), d, true, 100))
                    .transpose()?),
                lead: Set(if marked { u.lead } else { k == 0 }),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .await?;
        }
    }
    Ok(plan)
}

/// Issues a draft on `issued_on`; the version it revises becomes superseded.
pub async fn issue(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    version: i32,
    issued_on: NaiveDate,
    document_number: Option<String>,
) -> ApiResult<regional_plan::Model> {
    let mut tx = state.write(viewer).await?;
    let plan = issue_in(&mut tx, viewer, id, version, issued_on, document_number).await?;
    tx.commit().await?;
    Ok(plan)
}

/// [`issue`] inside an open write.
pub async fn issue_in(
    tx: &mut WriteTx,
    viewer: &Viewer,
    id: i64,
    version: i32,
    issued_on: NaiveDate,
    document_number: Option<String>,
) -> ApiResult<regional_plan::Model> {
    let plan = get(tx.conn(), viewer, id).await?;
    permit(viewer, &plan, RegionalPlanAction::Issue)?;
    if plan.version != version {
        return Err(ApiError::Conflict(format!(
            "the plan changed since you read it (version {version} is now {})",
            plan.version
        )));
    }
    if issued_on > china_date(tx.now()) {
        return Err(ApiError::bad_input(
            "issuedOn",
            "a plan is issued on a day that has come",
        ));
    }
    let now = tx.now();
    if let Some(old_id) = plan.supersedes_id {
        let old = regional_plan::Entity::find_by_id(old_id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| ApiError::internal("superseded plan missing"))?;
        let mut am = old.clone().into_active_model();
        am.status = Set(RegionalPlanStatus::Superseded);
        am.version = Set(old.version + 1);
        am.updated_at = Set(now);
        tx.update("SUPERSEDE", &old, am).await?;
    }
    let number = document_number
        .as_deref()
        .map(|n| input::text("documentNumber", n, true, 100))
        .transpose()?
        .or(plan.document_number.clone());
    let mut am = plan.clone().into_active_model();
    am.status = Set(RegionalPlanStatus::Issued);
    am.issued_on = Set(Some(issued_on));
    am.document_number = Set(number);
    am.version = Set(plan.version + 1);
    am.updated_at = Set(now);
    tx.update("ISSUE", &plan, am).await
}

/// Sets the status of a key task of an issued plan.
pub async fn set_task_status(
    state: &AppState,
    viewer: &Viewer,
    task_id: i64,
    version: i32,
    status: TaskStatus,
) -> ApiResult<regional_task::Model> {
    let mut tx = state.write(viewer).await?;
    let task = regional_task::Entity::find_by_id(task_id)
        .filter(regional_task::Column::PlanId.in_subquery(viewer.visible_plan_ids()))
        .one(tx.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("regional task"))?;
    let plan = get(tx.conn(), viewer, task.plan_id).await?;
    permit(viewer, &plan, RegionalPlanAction::UpdateTaskStatus)?;
    if task.version != version {
        return Err(ApiError::Conflict(format!(
            "the task changed since you read it (version {version} is now {})",
            task.version
        )));
    }
    let mut am = task.clone().into_active_model();
    am.status = Set(status);
    am.version = Set(task.version + 1);
    am.updated_at = Set(tx.now());
    let task = tx.update("UPDATE", &task.clone(), am).await?;
    tx.commit().await?;
    Ok(task)
}

/// A region's yearly report as filed.
#[derive(Debug, Clone)]
pub struct ReportDraft {
    pub plan_id: i64,
    pub year: i32,
    pub summary: String,
    /// Actual values by target.
    pub values: Vec<(i64, Decimal)>,
    /// Progress by task.
    pub progress: Vec<(i64, TaskStatus, String)>,
}

/// The day a year's reports on `plan` are due.
pub fn due_on(plan: &regional_plan::Model, year: i32) -> NaiveDate {
    crate::clock::due_next_year(year, plan.report_due_month, plan.report_due_day)
}

/// Files the viewer's region's report for a year that has ended.
pub async fn submit_report(
    state: &AppState,
    viewer: &Viewer,
    r: ReportDraft,
) -> ApiResult<regional_report::Model> {
    let mut tx = state.write(viewer).await?;
    let report = submit_report_in(&mut tx, viewer, r).await?;
    tx.commit().await?;
    Ok(report)
}

/// [`submit_report`] inside an open write.
pub async fn submit_report_in(
    tx: &mut WriteTx,
    viewer: &Viewer,
    r: ReportDraft,
) -> ApiResult<regional_report::Model> {
    let plan = get(tx.conn(), viewer, r.plan_id).await?;
    permit(viewer, &plan, RegionalPlanAction::SubmitReport)?;
    let today = china_date(tx.now());
    if r.year >= today.year() || r.year < plan.period_start_year || r.year > plan.period_end_year {
        return Err(ApiError::bad_input(
            "input.year",
            "a year of the plan's period that has ended",
        ));
    }
    let region = viewer
        .region
        .as_ref()
        .map(|r| r.as_str().to_owned())
        .ok_or_else(|| ApiError::internal("reporter without region"))?;
    let filed = regional_report::Entity::find()
        .filter(regional_report::Column::PlanId.eq(plan.id))
        .filter(regional_report::Column::RegionCode.eq(&region))
        .filter(regional_report::Column::Year.eq(r.year))
        .count(tx.conn())
        .await?;
    if filed > 0 {
        return Err(ApiError::Conflict(format!(
            "{region} already reported {}",
            r.year
        )));
    }
    let targets: HashSet<i64> = regional_target::Entity::find()
        .filter(regional_target::Column::PlanId.eq(plan.id))
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let tasks: HashSet<i64> = regional_task::Entity::find()
        .filter(regional_task::Column::PlanId.eq(plan.id))
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let mut seen = HashSet::new();
    for (i, (target, _)) in r.values.iter().enumerate() {
        if !targets.contains(target) || !seen.insert(*target) {
            return Err(ApiError::bad_input(
                format!("input.values[{i}].targetId"),
                "each target of this plan at most once",
            ));
        }
    }
    let mut seen = HashSet::new();
    for (i, (task, _, _)) in r.progress.iter().enumerate() {
        if !tasks.contains(task) || !seen.insert(*task) {
            return Err(ApiError::bad_input(
                format!("input.progress[{i}].taskId"),
                "each task of this plan at most once",
            ));
        }
    }
    let now = tx.now();
    let report = tx
        .insert(regional_report::ActiveModel {
            plan_id: Set(plan.id),
            region_code: Set(region),
            year: Set(r.year),
            summary: Set(input::long_text("input.summary", &r.summary, true)?),
            submitted_on: Set(today),
            reporter_sub: Set(viewer.sub.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await?;
    for (target, value) in r.values {
        tx.insert(regional_report_value::ActiveModel {
            report_id: Set(report.id),
            plan_id: Set(plan.id),
            target_id: Set(target),
            value: Set(Dec(value)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await?;
    }
    for (i, (task, status, note)) in r.progress.into_iter().enumerate() {
        tx.insert(regional_task_progress::ActiveModel {
            report_id: Set(report.id),
            plan_id: Set(plan.id),
            task_id: Set(task),
            status: Set(status),
            note: Set(input::long_text(
                &format!("input.progress[{i}].note"),
                &note,
                false,
            )?),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await?;
    }
    Ok(report)
}

/// An assessment as recorded.
#[derive(Debug, Clone)]
pub struct AssessmentDraft {
    pub plan_id: i64,
    pub region_code: String,
    pub year: i32,
    pub rating: AssessmentRating,
    pub comments: String,
}

/// Records the assessment of a region's reported year.
pub async fn assess(
    state: &AppState,
    viewer: &Viewer,
    a: AssessmentDraft,
) -> ApiResult<regional_assessment::Model> {
    let mut tx = state.write(viewer).await?;
    let done = assess_in(&mut tx, viewer, a).await?;
    tx.commit().await?;
    Ok(done)
}

/// [`assess`] inside an open write.
pub async fn assess_in(
    tx: &mut WriteTx,
    viewer: &Viewer,
    a: AssessmentDraft,
) -> ApiResult<regional_assessment::Model> {
    let plan = get(tx.conn(), viewer, a.plan_id).await?;
    permit(viewer, &plan, RegionalPlanAction::Assess)?;
    let reported = regional_report::Entity::find()
        .filter(regional_report::Column::PlanId.eq(plan.id))
        .filter(regional_report::Column::RegionCode.eq(&a.region_code))
        .filter(regional_report::Column::Year.eq(a.year))
        .count(tx.conn())
        .await?;
    if reported == 0 {
        return Err(ApiError::RuleViolation(format!(
            "{} has not reported {} on this plan",
            a.region_code, a.year
        )));
    }
    let assessed = regional_assessment::Entity::find()
        .filter(regional_assessment::Column::PlanId.eq(plan.id))
        .filter(regional_assessment::Column::RegionCode.eq(&a.region_code))
        .filter(regional_assessment::Column::Year.eq(a.year))
        .count(tx.conn())
        .await?;
    if assessed > 0 {
        return Err(ApiError::Conflict(format!(
            "{} {} is already assessed",
            a.region_code, a.year
        )));
    }
    let now = tx.now();
    tx.insert(regional_assessment::ActiveModel {
        plan_id: Set(plan.id),
        region_code: Set(a.region_code),
        year: Set(a.year),
        rating: Set(a.rating),
        comments: Set(input::long_text("input.comments", &a.comments, false)?),
        assessed_on: Set(china_date(now)),
        assessor_sub: Set(viewer.sub.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .await
}

/// Links one of the applicant's key projects to a task of an issued plan of a region its
/// pilot lies in (or unlinks it, with `None`).
pub async fn link_project(
    state: &AppState,
    viewer: &Viewer,
    project_id: i64,
    version: i32,
    task_id: Option<i64>,
) -> ApiResult<key_project::Model> {
    let mut tx = state.write(viewer).await?;
    let project = crate::pilots::editing::editable_record::<key_project::Entity>(
        tx.conn(),
        viewer,
        project_id,
        version,
        crate::pilots::editing::Section::ProjectsAndFinancing,
    )
    .await?;
    if let Some(task_id) = task_id {
        let pilot = pilot::Entity::find_by_id(project.pilot_id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| ApiError::internal("project without pilot"))?;
        let task = regional_task::Entity::find_by_id(task_id)
            .filter(regional_task::Column::PlanId.in_subquery(viewer.visible_plan_ids()))
            .one(tx.conn())
            .await?
            .ok_or_else(|| ApiError::bad_input("taskId", "no such task"))?;
        let plan = get(tx.conn(), viewer, task.plan_id).await?;
        let inside = [
            Some(&pilot.province_code),
            Some(&pilot.municipality_code),
            pilot.county_code.as_ref(),
            Some(&pilot.region_code),
        ]
        .contains(&Some(&plan.region_code));
        if plan.status != RegionalPlanStatus::Issued || !inside {
            return Err(ApiError::bad_input(
                "taskId",
                "a task of an issued plan of a region the pilot lies in",
            ));
        }
    }
    let mut am = project.clone().into_active_model();
    am.regional_task_id = Set(task_id);
    am.version = Set(project.version + 1);
    am.updated_at = Set(tx.now());
    let project = tx.update("UPDATE", &project.clone(), am).await?;
    tx.commit().await?;
    Ok(project)
}

//! `regionalPlans`, `regionalPlan`, `responsibilities`, and the mutations of regional plans.

use super::service::{
    self, AssessmentDraft, PlanDraft, ReportDraft, TargetDraft, TaskDraft, UnitDraft, ValueDraft,
};
use super::types::{RegionalAssessment, RegionalPlan, RegionalReport, RegionalTask};
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Date, Decimal};
use crate::ids::{self, Kind};
use crate::projects::types::KeyProject;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// Narrows `regionalPlans`.
#[derive(InputObject, Default)]
pub struct RegionalPlanFilter {
    /// Plans of this region and of the regions below it.
    pub region_code: Option<String>,
    /// One status or several (default: every status the caller may read).
    pub status: Option<Vec<RegionalPlanStatus>>,
}

/// A value a target sets for one year.
#[derive(InputObject)]
pub struct TargetValueInput {
    pub year: i32,
    pub value: Decimal,
    pub bound: TargetBound,
    /// The plan's own words, e.g. "about 13%".
    #[graphql(default)]
    pub quote: String,
}

/// A target of a plan.
#[derive(InputObject)]
pub struct RegionalTargetInput {
    /// Shared with pilot indicators that measure the same quantity, e.g. `NON_FOSSIL_SHARE`.
    pub code: String,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    #[graphql(default_with = "IndicatorCategory::Constraint")]
    pub category: IndicatorCategory,
    pub baseline_year: Option<i32>,
    pub baseline_value: Option<Decimal>,
    pub values: Vec<TargetValueInput>,
}

/// A unit responsible for a task.
#[derive(InputObject)]
pub struct TaskUnitInput {
    /// As the document names it.
    pub unit: String,
    /// The bureau (`dept` claim) it is, when it is one.
    pub department: Option<String>,
    /// The lead unit; without one marked, the first unit leads.
    #[graphql(default)]
    pub lead: bool,
}

/// A key task of a plan.
#[derive(InputObject)]
pub struct RegionalTaskInput {
    pub number: String,
    pub title: String,
    #[graphql(default)]
    pub text: String,
    pub field: ProjectField,
    pub deadline: Option<Date>,
    pub units: Vec<TaskUnitInput>,
}

/// `draftRegionalPlan`: a new plan, or (with `supersedesId`) a new version of an issued one.
#[derive(InputObject)]
pub struct DraftRegionalPlanInput {
    pub region_code: String,
    pub parent_plan_id: Option<ID>,
    pub supersedes_id: Option<ID>,
    pub issuing_authority: String,
    pub document_number: Option<String>,
    pub title: String,
    #[graphql(default)]
    pub summary: String,
    pub period_start_year: i32,
    pub period_end_year: i32,
    /// The regions below report a year by this month and day of the next year.
    #[graphql(default = 3)]
    pub report_due_month: u32,
    #[graphql(default = 31)]
    pub report_due_day: u32,
    pub targets: Vec<RegionalTargetInput>,
    pub tasks: Vec<RegionalTaskInput>,
}

/// An actual value in a report.
#[derive(InputObject)]
pub struct ReportValueInput {
    pub target_id: ID,
    pub value: Decimal,
}

/// A task's progress in a report.
#[derive(InputObject)]
pub struct ReportProgressInput {
    pub task_id: ID,
    pub status: TaskStatus,
    #[graphql(default)]
    pub note: String,
}

/// `submitRegionalReport`: the caller's region's report on the plan above it for a year.
#[derive(InputObject)]
pub struct SubmitRegionalReportInput {
    pub plan_id: ID,
    pub year: i32,
    pub summary: String,
    #[graphql(default)]
    pub values: Vec<ReportValueInput>,
    #[graphql(default)]
    pub progress: Vec<ReportProgressInput>,
}

/// `assessRegion`: the assessment of a region's reported year.
#[derive(InputObject)]
pub struct AssessRegionInput {
    pub plan_id: ID,
    pub region_code: String,
    pub year: i32,
    pub rating: AssessmentRating,
    #[graphql(default)]
    pub comments: String,
}

/// What plan mutations return.
#[derive(SimpleObject)]
pub struct RegionalPlanPayload {
    pub plan: RegionalPlan,
}

/// What `setRegionalTaskStatus` returns.
#[derive(SimpleObject)]
pub struct RegionalTaskPayload {
    pub task: RegionalTask,
}

/// What `submitRegionalReport` returns.
#[derive(SimpleObject)]
pub struct RegionalReportPayload {
    pub report: RegionalReport,
}

/// What `assessRegion` returns.
#[derive(SimpleObject)]
pub struct RegionalAssessmentPayload {
    pub assessment: RegionalAssessment,
}

/// What `linkKeyProjectToTask` returns.
#[derive(SimpleObject)]
pub struct LinkKeyProjectPayload {
    pub key_project: KeyProject,
}

/// A task of a visible plan, with its plan.
#[derive(SimpleObject)]
pub struct Responsibility {
    pub plan: RegionalPlan,
    pub task: RegionalTask,
    /// Whether the department leads the task (or shares it).
    pub lead: bool,
}

#[derive(Default)]
pub struct RegionalQuery;

#[Object]
impl RegionalQuery {
    /// Regional carbon-peak plans the caller may read, by region, newest version first.
    async fn regional_plans(
        &self,
        ctx: &Context<'_>,
        filter: Option<RegionalPlanFilter>,
    ) -> Result<Vec<RegionalPlan>> {
        let viewer = ctx.viewer()?;
        let f = filter.unwrap_or_default();
        let f = service::PlanFilter {
            region_code: f.region_code,
            status: f.status,
        };
        Ok(service::list(ctx.db(), viewer, &f)
            .await?
            .into_iter()
            .map(RegionalPlan::from)
            .collect())
    }

    /// One plan; with `asOf`, as it stood at that instant, with its targets, tasks, reports and
    /// assessments of then.
    async fn regional_plan(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Option<RegionalPlan>> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&id, Kind::RegionalPlan, "id")?;
        let live = service::get(ctx.db(), viewer, id).await?;
        Ok(match as_of {
            None => Some(RegionalPlan::from(live)),
            Some(at) => RegionalPlan::as_of(ctx.db(), live.id, at).await?,
        })
    }

    /// The key tasks of the issued plans the caller may read that `department` leads or
    /// shares (default: the caller's own `dept`): a bureau's responsibility list.
    async fn responsibilities(
        &self,
        ctx: &Context<'_>,
        department: Option<String>,
    ) -> Result<Vec<Responsibility>> {
        let viewer = ctx.viewer()?;
        let Some(dept) = department.or_else(|| viewer.dept.clone()) else {
            return Err(crate::error::ApiError::bad_input(
                "department",
                "name a department (the caller has no `dept`)",
            )
            .into());
        };
        let db = ctx.db();
        let units = regional_task_unit::Entity::find()
            .filter(regional_task_unit::Column::Department.eq(dept.as_str()))
            .filter(
                regional_task_unit::Column::PlanId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(regional_plan::Column::Id)
                        .from(regional_plan::Entity)
                        .cond_where(viewer.regional_plan_scope())
                        .and_where(
                            regional_plan::Column::Status.eq(RegionalPlanStatus::Issued.as_str()),
                        )
                        .to_owned(),
                ),
            )
            .order_by_asc(regional_task_unit::Column::PlanId)
            .order_by_asc(regional_task_unit::Column::TaskId)
            .all(db)
            .await
            .map_err(crate::error::ApiError::from)?;
        let task_ids: Vec<i64> = units.iter().map(|u| u.task_id).collect();
        let plan_ids: Vec<i64> = units.iter().map(|u| u.plan_id).collect();
        let tasks = regional_task::Entity::find()
            .filter(regional_task::Column::Id.is_in(task_ids))
            .all(db)
            .await
            .map_err(crate::error::ApiError::from)?;
        let plans = regional_plan::Entity::find()
            .filter(regional_plan::Column::Id.is_in(plan_ids))
            .all(db)
            .await
            .map_err(crate::error::ApiError::from)?;
        let mut out = Vec::new();
        for u in units {
            let (Some(task), Some(plan)) = (
                tasks.iter().find(|t| t.id == u.task_id),
                plans.iter().find(|p| p.id == u.plan_id),
            ) else {
                continue;
            };
            if out
                .iter()
                .any(|r: &Responsibility| r.task.model.id == task.id)
            {
                continue;
            }
            let plan = RegionalPlan::from(plan.clone());
            out.push(Responsibility {
                task: plan.child(task.clone()),
                plan,
                lead: u.lead,
            });
        }
        Ok(out)
    }
}

#[derive(Default)]
pub struct RegionalMutation;

fn decimal_pair(
    year: Option<i32>,
    value: Option<Decimal>,
) -> Result<Option<(i32, rust_decimal::Decimal)>> {
    match (year, value) {
        (Some(y), Some(v)) => Ok(Some((y, v.0))),
        (None, None) => Ok(None),
        _ => Err(crate::error::ApiError::bad_input(
            "input.targets.baselineYear",
            "a baseline has a year and a value",
        )
        .into()),
    }
}

#[Object]
impl RegionalMutation {
    /// Drafts a regional plan with its targets and key tasks (provincial users for their
    /// province, municipal users for their city).
    async fn draft_regional_plan(
        &self,
        ctx: &Context<'_>,
        input: DraftRegionalPlanInput,
    ) -> Result<RegionalPlanPayload> {
        let viewer = ctx.viewer()?;
        let id_of = |id: &Option<ID>, field: &str| {
            id.as_ref()
                .map(|i| ids::parse_id(i, Kind::RegionalPlan, field))
                .transpose()
        };
        let mut targets = Vec::new();
        for t in input.targets {
            targets.push(TargetDraft {
                baseline: decimal_pair(t.baseline_year, t.baseline_value)?,
                code: t.code,
                name: t.name,
                unit: t.unit,
                direction: t.direction,
                category: t.category,
                values: t
                    .values
                    .into_iter()
                    .map(|v| ValueDraft {
                        year: v.year,
                        value: v.value.0,
                        bound: v.bound,
                        quote: v.quote,
                    })
                    .collect(),
            });
        }
        let draft = PlanDraft {
            region_code: input.region_code,
            parent_plan_id: id_of(&input.parent_plan_id, "input.parentPlanId")?,
            supersedes_id: id_of(&input.supersedes_id, "input.supersedesId")?,
            issuing_authority: input.issuing_authority,
            document_number: input.document_number,
            title: input.title,
            summary: input.summary,
            period_start_year: input.period_start_year,
            period_end_year: input.period_end_year,
            report_due_month: input.report_due_month,
            report_due_day: input.report_due_day,
            targets,
            tasks: input
                .tasks
                .into_iter()
                .map(|t| TaskDraft {
                    number: t.number,
                    title: t.title,
                    text: t.text,
                    field: t.field,
                    deadline: t.deadline.map(|d| d.0),
                    units: t
                        .units
                        .into_iter()
                        .map(|u| UnitDraft {
                            unit: u.unit,
                            department: u.department,
                            lead: u.lead,
                        })
                        .collect(),
                })
                .collect(),
        };
        let plan = service::draft(ctx.state(), viewer, draft).await?;
        Ok(RegionalPlanPayload {
            plan: RegionalPlan::from(plan),
        })
    }

    /// Issues a draft plan; the version it revises becomes `SUPERSEDED`.
    async fn issue_regional_plan(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        issued_on: Date,
        document_number: Option<String>,
    ) -> Result<RegionalPlanPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&id, Kind::RegionalPlan, "id")?;
        let plan = service::issue(
            ctx.state(),
            viewer,
            id,
            version,
            issued_on.0,
            document_number,
        )
        .await?;
        Ok(RegionalPlanPayload {
            plan: RegionalPlan::from(plan),
        })
    }

    /// Sets the status of a key task of an issued plan (the plan's managers).
    async fn set_regional_task_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        status: TaskStatus,
    ) -> Result<RegionalTaskPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&id, Kind::RegionalTask, "id")?;
        let task = service::set_task_status(ctx.state(), viewer, id, version, status).await?;
        let plan = RegionalPlan::from(service::get(ctx.db(), viewer, task.plan_id).await?);
        Ok(RegionalTaskPayload {
            task: plan.child(task),
        })
    }

    /// Files the caller's region's report for a year on the plan of the region above.
    async fn submit_regional_report(
        &self,
        ctx: &Context<'_>,
        input: SubmitRegionalReportInput,
    ) -> Result<RegionalReportPayload> {
        let viewer = ctx.viewer()?;
        let mut values = Vec::new();
        for (i, v) in input.values.iter().enumerate() {
            values.push((
                ids::parse_id(
                    &v.target_id,
                    Kind::RegionalTarget,
                    &format!("input.values[{i}].targetId"),
                )?,
                v.value.0,
            ));
        }
        let mut progress = Vec::new();
        for (i, p) in input.progress.into_iter().enumerate() {
            progress.push((
                ids::parse_id(
                    &p.task_id,
                    Kind::RegionalTask,
                    &format!("input.progress[{i}].taskId"),
                )?,
                p.status,
                p.note,
            ));
        }
        let draft = ReportDraft {
            plan_id: ids::parse_id(&input.plan_id, Kind::RegionalPlan, "input.planId")?,
            year: input.year,
            summary: input.summary,
            values,
            progress,
        };
        let report = service::submit_report(ctx.state(), viewer, draft).await?;
        let plan = RegionalPlan::from(service::get(ctx.db(), viewer, report.plan_id).await?);
        Ok(RegionalReportPayload {
            report: plan.child(report),
        })
    }

    /// Records the assessment of a region's reported year (the plan's managers).
    async fn assess_region(
        &self,
        ctx: &Context<'_>,
        input: AssessRegionInput,
    ) -> Result<RegionalAssessmentPayload> {
        let viewer = ctx.viewer()?;
        let draft = AssessmentDraft {
            plan_id: ids::parse_id(&input.plan_id, Kind::RegionalPlan, "input.planId")?,
            region_code: input.region_code,
            year: input.year,
            rating: input.rating,
            comments: input.comments,
        };
        let done = service::assess(ctx.state(), viewer, draft).await?;
        Ok(RegionalAssessmentPayload {
            assessment: RegionalAssessment(done),
        })
    }

    /// Links one of the caller's key projects to the task of a regional plan it serves, or
    /// unlinks it (`taskId: null`).
    async fn link_key_project_to_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        task_id: Option<ID>,
    ) -> Result<LinkKeyProjectPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&id, Kind::KeyProject, "id")?;
        let task = task_id
            .map(|t| ids::parse_id(&t, Kind::RegionalTask, "taskId"))
            .transpose()?;
        let project = service::link_project(ctx.state(), viewer, id, version, task).await?;
        Ok(LinkKeyProjectPayload {
            key_project: KeyProject(project),
        })
    }
}

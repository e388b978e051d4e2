//! The GraphQL face of regional plans: the plan, its targets with their progress, its tasks
//! with their responsible units, and the reports and assessments filed under it. A plan read
//! `asOf` an instant shows what the audit trail held then, nested records included.

use super::progress::Path;
use super::service::{self, RegionalPlanAction};
use crate::audit::history::Records;
use crate::audit::writer::Audited;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::records::Record;
use crate::graphql::scalars::{Date, Decimal};
use crate::ids::{self, Kind};
use crate::projects::types::KeyProject;
use crate::regions::types::{self as region_types, Region};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Datelike, Utc};
use entities::*;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where a plan's nested records come from: the live tables, or the trail at an instant.
#[derive(Clone)]
enum Source {
    Live,
    AsOf(Arc<Records>),
}

impl Source {
    /// The records of `E` whose `column` equals `key`, in key order.
    async fn rows<E>(
        &self,
        db: &DatabaseConnection,
        column: E::Column,
        key: i64,
        parent_of: impl Fn(&E::Model) -> i64,
    ) -> ApiResult<Vec<E::Model>>
    where
        E: EntityTrait,
        E::Model: Audited + DeserializeOwned,
    {
        match self {
            Source::AsOf(records) => Ok(records
                .rows::<E::Model>()?
                .into_iter()
                .filter(|m| parent_of(m) == key)
                .collect()),
            Source::Live => {
                let mut rows = E::find().filter(column.eq(key)).all(db).await?;
                rows.sort_by_key(|m| m.key());
                Ok(rows)
            }
        }
    }
}

/// A region's carbon-peak plan, one version of it.
#[derive(Clone)]
pub struct RegionalPlan {
    pub model: regional_plan::Model,
    source: Source,
}

impl From<regional_plan::Model> for RegionalPlan {
    fn from(model: regional_plan::Model) -> Self {
        RegionalPlan {
            model,
            source: Source::Live,
        }
    }
}

impl RegionalPlan {
    /// The plan `id` as the audit trail held it at `at`; `None` if it did not exist yet.
    pub async fn as_of(
        db: &DatabaseConnection,
        id: i64,
        at: DateTime<Utc>,
    ) -> ApiResult<Option<Self>> {
        let records = Records::replay(db, entities::audit_event::Column::PlanId.eq(id), at).await?;
        let Some(model) = records
            .rows::<regional_plan::Model>()?
            .into_iter()
            .find(|p| p.id == id)
        else {
            return Ok(None);
        };
        Ok(Some(RegionalPlan {
            model,
            source: Source::AsOf(Arc::new(records)),
        }))
    }

    async fn targets_of(&self, db: &DatabaseConnection) -> ApiResult<Vec<regional_target::Model>> {
        self.source
            .rows::<regional_target::Entity>(
                db,
                regional_target::Column::PlanId,
                self.model.id,
                |m| m.plan_id,
            )
            .await
    }

    async fn reports_of(&self, db: &DatabaseConnection) -> ApiResult<Vec<regional_report::Model>> {
        self.source
            .rows::<regional_report::Entity>(
                db,
                regional_report::Column::PlanId,
                self.model.id,
                |m| m.plan_id,
            )
            .await
    }

    /// The plan's reports by id, for the rows filed under them.
    async fn reports_by_id(
        &self,
        db: &DatabaseConnection,
    ) -> ApiResult<BTreeMap<i64, regional_report::Model>> {
        Ok(self
            .reports_of(db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect())
    }

    async fn assessments_of(
        &self,
        db: &DatabaseConnection,
    ) -> ApiResult<Vec<regional_assessment::Model>> {
        self.source
            .rows::<regional_assessment::Entity>(
                db,
                regional_assessment::Column::PlanId,
                self.model.id,
                |m| m.plan_id,
            )
            .await
    }

    /// A record of this plan, read from the same source.
    pub fn child<M>(&self, model: M) -> Child<M> {
        Child {
            model,
            plan: self.clone(),
        }
    }
}

/// A record of a plan, read from the same source as its plan.
#[derive(Clone)]
pub struct Child<M> {
    pub model: M,
    plan: RegionalPlan,
}

/// A target of a plan.
pub type RegionalTarget = Child<regional_target::Model>;
/// A key task of a plan.
pub type RegionalTask = Child<regional_task::Model>;
/// A region's yearly report on a plan.
pub type RegionalReport = Child<regional_report::Model>;

#[Object]
impl RegionalPlan {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::RegionalPlan, self.model.id)
    }
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Record<Region>>> {
        region_types::load(ctx, Some(self.model.region_code.clone())).await
    }
    /// The superior region's plan this one implements.
    async fn parent_plan(&self, ctx: &Context<'_>) -> Result<Option<RegionalPlan>> {
        let Some(id) = self.model.parent_plan_id else {
            return Ok(None);
        };
        Ok(service::get(ctx.db(), ctx.viewer()?, id)
            .await
            .ok()
            .map(RegionalPlan::from))
    }
    /// The version this one replaces (or replaced).
    async fn supersedes(&self, ctx: &Context<'_>) -> Result<Option<RegionalPlan>> {
        let Some(id) = self.model.supersedes_id else {
            return Ok(None);
        };
        Ok(service::get(ctx.db(), ctx.viewer()?, id)
            .await
            .ok()
            .map(RegionalPlan::from))
    }
    /// The plans of the regions below that implement this one.
    async fn sub_plans(&self, ctx: &Context<'_>) -> Result<Vec<RegionalPlan>> {
        let viewer = ctx.viewer()?;
        Ok(regional_plan::Entity::find()
            .filter(viewer.regional_plan_scope())
            .filter(regional_plan::Column::ParentPlanId.eq(self.model.id))
            .order_by_asc(regional_plan::Column::RegionCode)
            .all(ctx.db())
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(RegionalPlan::from)
            .collect())
    }
    async fn issuing_authority(&self) -> &str {
        &self.model.issuing_authority
    }
    async fn document_number(&self) -> Option<&str> {
        self.model.document_number.as_deref()
    }
    async fn title(&self) -> &str {
        &self.model.title
    }
    async fn summary(&self) -> &str {
        &self.model.summary
    }
    async fn issued_on(&self) -> Option<Date> {
        self.model.issued_on.map(Date)
    }
    async fn period_start_year(&self) -> i32 {
        self.model.period_start_year
    }
    async fn period_end_year(&self) -> i32 {
        self.model.period_end_year
    }
    /// The month and day of the following year by which the regions below report a year.
    async fn report_due_month(&self) -> i32 {
        self.model.report_due_month
    }
    async fn report_due_day(&self) -> i32 {
        self.model.report_due_day
    }
    async fn status(&self) -> RegionalPlanStatus {
        self.model.status
    }
    /// Changes with every update; mutations take the version they read.
    async fn version(&self) -> i32 {
        self.model.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    async fn targets(&self, ctx: &Context<'_>) -> Result<Vec<RegionalTarget>> {
        Ok(self
            .targets_of(ctx.db())
            .await?
            .into_iter()
            .map(|m| self.child(m))
            .collect())
    }
    /// The key tasks, in document order; with `department`, those it leads or shares.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        department: Option<String>,
    ) -> Result<Vec<RegionalTask>> {
        let db = ctx.db();
        let mut tasks = self
            .source
            .rows::<regional_task::Entity>(db, regional_task::Column::PlanId, self.model.id, |m| {
                m.plan_id
            })
            .await?;
        if let Some(dept) = department {
            let units = self
                .source
                .rows::<regional_task_unit::Entity>(
                    db,
                    regional_task_unit::Column::PlanId,
                    self.model.id,
                    |m| m.plan_id,
                )
                .await?;
            tasks.retain(|t| {
                units
                    .iter()
                    .any(|u| u.task_id == t.id && u.department.as_deref() == Some(dept.as_str()))
            });
        }
        Ok(tasks.into_iter().map(|m| self.child(m)).collect())
    }
    /// Reports filed on the plan, by region and year; of one year if given.
    async fn reports(&self, ctx: &Context<'_>, year: Option<i32>) -> Result<Vec<RegionalReport>> {
        let mut reports = self.reports_of(ctx.db()).await?;
        reports.retain(|r| year.is_none_or(|y| r.year == y));
        reports.sort_by(|a, b| (&a.region_code, a.year).cmp(&(&b.region_code, b.year)));
        Ok(reports.into_iter().map(|m| self.child(m)).collect())
    }
    /// Assessments recorded under the plan; of one year if given.
    async fn assessments(
        &self,
        ctx: &Context<'_>,
        year: Option<i32>,
    ) -> Result<Vec<RegionalAssessment>> {
        let mut out = self.assessments_of(ctx.db()).await?;
        out.retain(|a| year.is_none_or(|y| a.year == y));
        out.sort_by(|a, b| (&a.region_code, a.year).cmp(&(&b.region_code, b.year)));
        Ok(out.into_iter().map(RegionalAssessment).collect())
    }
    /// For each region directly below and each year of the period whose report has fallen
    /// due (or been filed): its report, its assessment, and whether it is overdue.
    async fn report_status(
        &self,
        ctx: &Context<'_>,
        year: Option<i32>,
    ) -> Result<Vec<ReportStatus>> {
        let db = ctx.db();
        let today = crate::clock::china_date(ctx.state().clock.now());
        let below = region::Entity::find()
            .filter(region::Column::ParentCode.eq(self.model.region_code.as_str()))
            .order_by_asc(region::Column::Code)
            .all(db)
            .await
            .map_err(ApiError::from)?;
        let reports = self.reports_of(db).await?;
        let assessments = self.assessments_of(db).await?;
        let first = self
            .model
            .issued_on
            .map_or(self.model.period_start_year, |d| {
                d.year().max(self.model.period_start_year)
            });
        let last = (today.year() - 1).min(self.model.period_end_year);
        let mut out = Vec::new();
        if self.model.status == RegionalPlanStatus::Draft {
            return Ok(out);
        }
        for y in first..=last {
            if year.is_some_and(|want| want != y) {
                continue;
            }
            let due_on = service::due_on(&self.model, y);
            for r in &below {
                let report = reports
                    .iter()
                    .find(|x| x.region_code == r.code && x.year == y)
                    .cloned();
                if report.is_none() && due_on >= today {
                    continue;
                }
                out.push(ReportStatus {
                    region: Region(r.clone()),
                    year: y,
                    due_on: Date(due_on),
                    overdue: report.is_none() && due_on < today,
                    late: report.as_ref().is_some_and(|x| x.submitted_on > due_on),
                    report: report.map(|m| self.child(m)),
                    assessment: assessments
                        .iter()
                        .find(|a| a.region_code == r.code && a.year == y)
                        .cloned()
                        .map(RegionalAssessment),
                });
            }
        }
        Ok(out)
    }
    /// What the caller may do with the plan now.
    async fn available_actions(&self, ctx: &Context<'_>) -> Result<Vec<RegionalPlanAction>> {
        Ok(service::available(ctx.viewer()?, &self.model))
    }
    /// The audit events of the plan and everything filed under it, in chain order.
    #[graphql(complexity = "crate::graphql::cost::connection(first, None, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<
        crate::graphql::pagination::Conn<crate::audit::types::AuditEvent, audit_event::Entity>,
    > {
        let filter = crate::audit::service::EventFilter {
            plan_id: Some(self.model.id),
            ..Default::default()
        };
        crate::audit::resolvers::forward(ctx, filter, first, after).await
    }
}

/// A value a target sets for one year.
#[derive(SimpleObject)]
pub struct TargetValue {
    pub year: i32,
    pub value: Decimal,
    pub bound: TargetBound,
    /// The plan's own words.
    pub quote: String,
}

/// A region's standing on a target: its latest reported value against the target's path.
#[derive(SimpleObject)]
pub struct TargetProgress {
    pub region: Region,
    /// The year of the latest report with a value.
    pub year: i32,
    pub actual: Decimal,
    /// Where the straight path from the baseline to the next target year stands that year;
    /// absent before the first target year when the plan gives no baseline.
    pub expected: Option<Decimal>,
    /// Whether the actual is at or beyond the path in the target's direction.
    pub on_track: Option<bool>,
}

/// The regions below a plan on one target, counted.
#[derive(SimpleObject)]
pub struct TargetRollup {
    /// Regions with a reported value.
    pub reporting: i32,
    pub on_track: i32,
    pub off_track: i32,
    /// Regions with a value the path cannot judge yet.
    pub undetermined: i32,
}

impl RegionalTarget {
    fn path(&self, values: &[regional_target_value::Model]) -> Path {
        Path {
            direction: self.model.direction,
            baseline: self
                .model
                .baseline_year
                .zip(self.model.baseline_value.as_ref().map(|v| v.0)),
            values: values.iter().map(|v| (v.year, v.value.0)).collect(),
        }
    }

    async fn values_of(
        &self,
        db: &DatabaseConnection,
    ) -> ApiResult<Vec<regional_target_value::Model>> {
        let mut values = self
            .plan
            .source
            .rows::<regional_target_value::Entity>(
                db,
                regional_target_value::Column::TargetId,
                self.model.id,
                |m| m.target_id,
            )
            .await?;
        values.sort_by_key(|v| v.year);
        Ok(values)
    }

    /// Each reporting region's latest value of this target, judged against its path.
    async fn standings(&self, ctx: &Context<'_>) -> ApiResult<Vec<TargetProgress>> {
        let db = ctx.db();
        let path = self.path(&self.values_of(db).await?);
        let reports = self.plan.reports_by_id(db).await?;
        let values = self
            .plan
            .source
            .rows::<regional_report_value::Entity>(
                db,
                regional_report_value::Column::TargetId,
                self.model.id,
                |m| m.target_id,
            )
            .await?;
        let mut latest: BTreeMap<String, (i32, rust_decimal::Decimal)> = BTreeMap::new();
        for v in values {
            let Some(r) = reports.get(&v.report_id) else {
                continue;
            };
            let e = latest
                .entry(r.region_code.clone())
                .or_insert((r.year, v.value.0));
            if r.year >= e.0 {
                *e = (r.year, v.value.0);
            }
        }
        let regions: BTreeMap<String, region::Model> = region::Entity::find()
            .filter(region::Column::Code.is_in(latest.keys().cloned()))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.code.clone(), r))
            .collect();
        Ok(latest
            .into_iter()
            .filter_map(|(code, (year, actual))| {
                let region = regions.get(&code)?.clone();
                Some(TargetProgress {
                    region: Region(region),
                    year,
                    actual: Decimal(actual),
                    expected: path.expected(year).map(Decimal),
                    on_track: path.on_track(year, actual),
                })
            })
            .collect())
    }
}

#[Object(name = "RegionalTarget")]
impl RegionalTarget {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::RegionalTarget, self.model.id)
    }
    /// Shared with pilot indicators that measure the same quantity.
    async fn code(&self) -> &str {
        &self.model.code
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    async fn unit(&self) -> &str {
        &self.model.unit
    }
    async fn direction(&self) -> Direction {
        self.model.direction
    }
    async fn category(&self) -> IndicatorCategory {
        self.model.category
    }
    async fn baseline_year(&self) -> Option<i32> {
        self.model.baseline_year
    }
    async fn baseline_value(&self) -> Option<Decimal> {
        self.model.baseline_value.as_ref().map(|v| Decimal(v.0))
    }
    /// The values set by year, earliest first.
    async fn values(&self, ctx: &Context<'_>) -> Result<Vec<TargetValue>> {
        Ok(self
            .values_of(ctx.db())
            .await?
            .into_iter()
            .map(|v| TargetValue {
                year: v.year,
                value: Decimal(v.value.0),
                bound: v.bound,
                quote: v.quote,
            })
            .collect())
    }
    /// Each region below that reported a value: its latest, against the path.
    async fn progress(&self, ctx: &Context<'_>) -> Result<Vec<TargetProgress>> {
        Ok(self.standings(ctx).await?)
    }
    /// The regions below, counted by where they stand.
    async fn rollup(&self, ctx: &Context<'_>) -> Result<TargetRollup> {
        let standings = self.standings(ctx).await?;
        let count =
            |want: Option<bool>| standings.iter().filter(|s| s.on_track == want).count() as i32;
        Ok(TargetRollup {
            reporting: standings.len() as i32,
            on_track: count(Some(true)),
            off_track: count(Some(false)),
            undetermined: count(None),
        })
    }
}

/// A unit responsible for a key task.
#[derive(SimpleObject)]
pub struct TaskUnit {
    /// As the document names it.
    pub unit: String,
    /// The bureau (`dept` claim) it is, when it is one.
    pub department: Option<String>,
    pub lead: bool,
}

/// A region's progress on a task in one report.
#[derive(SimpleObject)]
pub struct TaskProgress {
    pub region: Region,
    pub year: i32,
    pub status: TaskStatus,
    pub note: String,
}

#[Object(name = "RegionalTask")]
impl RegionalTask {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::RegionalTask, self.model.id)
    }
    /// Its number in the document.
    async fn number(&self) -> &str {
        &self.model.number
    }
    async fn title(&self) -> &str {
        &self.model.title
    }
    async fn text(&self) -> &str {
        &self.model.text
    }
    /// The key-project field it belongs to.
    async fn field(&self) -> ProjectField {
        self.model.field
    }
    async fn deadline(&self) -> Option<Date> {
        self.model.deadline.map(Date)
    }
    async fn status(&self) -> TaskStatus {
        self.model.status
    }
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// The responsible units in document order, the lead first among equals.
    async fn units(&self, ctx: &Context<'_>) -> Result<Vec<TaskUnit>> {
        let mut units = self
            .plan
            .source
            .rows::<regional_task_unit::Entity>(
                ctx.db(),
                regional_task_unit::Column::TaskId,
                self.model.id,
                |m| m.task_id,
            )
            .await?;
        units.sort_by_key(|u| u.position);
        Ok(units
            .into_iter()
            .map(|u| TaskUnit {
                unit: u.unit,
                department: u.department,
                lead: u.lead,
            })
            .collect())
    }
    /// Progress reported by the regions below, by region and year.
    async fn progress(&self, ctx: &Context<'_>) -> Result<Vec<TaskProgress>> {
        let db = ctx.db();
        let reports = self.plan.reports_by_id(db).await?;
        let rows = self
            .plan
            .source
            .rows::<regional_task_progress::Entity>(
                db,
                regional_task_progress::Column::TaskId,
                self.model.id,
                |m| m.task_id,
            )
            .await?;
        let mut out = Vec::new();
        for p in rows {
            let Some(r) = reports.get(&p.report_id) else {
                continue;
            };
            let Some(Record(region)) = region_types::load(ctx, Some(r.region_code.clone())).await?
            else {
                continue;
            };
            out.push(TaskProgress {
                region,
                year: r.year,
                status: p.status,
                note: p.note,
            });
        }
        out.sort_by(|a, b| (&a.region.0.code, a.year).cmp(&(&b.region.0.code, b.year)));
        Ok(out)
    }
    /// Key projects of pilots the caller may read that serve this task.
    async fn key_projects(&self, ctx: &Context<'_>) -> Result<Vec<KeyProject>> {
        let viewer = ctx.viewer()?;
        Ok(key_project::Entity::find()
            .filter(key_project::Column::RegionalTaskId.eq(self.model.id))
            .filter(key_project::Column::PilotId.in_subquery(viewer.visible_pilot_ids()))
            .order_by_asc(key_project::Column::Id)
            .all(ctx.db())
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(KeyProject)
            .collect())
    }
}

/// An actual value of a target in a report.
#[derive(SimpleObject)]
pub struct ReportValue {
    pub target_code: String,
    pub target_id: ID,
    pub value: Decimal,
}

/// A task's progress in a report.
#[derive(SimpleObject)]
pub struct ReportProgress {
    pub task_id: ID,
    pub task_number: String,
    pub status: TaskStatus,
    pub note: String,
}

#[Object(name = "RegionalReport")]
impl RegionalReport {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::RegionalReport, self.model.id)
    }
    /// The reporting region.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Record<Region>>> {
        region_types::load(ctx, Some(self.model.region_code.clone())).await
    }
    async fn year(&self) -> i32 {
        self.model.year
    }
    async fn summary(&self) -> &str {
        &self.model.summary
    }
    async fn submitted_on(&self) -> Date {
        Date(self.model.submitted_on)
    }
    async fn reporter_sub(&self) -> &str {
        &self.model.reporter_sub
    }
    /// Filed after the day it was due.
    async fn late(&self) -> bool {
        self.model.submitted_on > service::due_on(&self.plan.model, self.model.year)
    }
    async fn values(&self, ctx: &Context<'_>) -> Result<Vec<ReportValue>> {
        let db = ctx.db();
        let targets = self.plan.targets_of(db).await?;
        let rows = self
            .plan
            .source
            .rows::<regional_report_value::Entity>(
                db,
                regional_report_value::Column::ReportId,
                self.model.id,
                |m| m.report_id,
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|v| {
                let t = targets.iter().find(|t| t.id == v.target_id)?;
                Some(ReportValue {
                    target_code: t.code.clone(),
                    target_id: ids::encode(Kind::RegionalTarget, t.id),
                    value: Decimal(v.value.0),
                })
            })
            .collect())
    }
    async fn progress(&self, ctx: &Context<'_>) -> Result<Vec<ReportProgress>> {
        let db = ctx.db();
        let tasks = self
            .plan
            .source
            .rows::<regional_task::Entity>(
                db,
                regional_task::Column::PlanId,
                self.plan.model.id,
                |m| m.plan_id,
            )
            .await?;
        let rows = self
            .plan
            .source
            .rows::<regional_task_progress::Entity>(
                db,
                regional_task_progress::Column::ReportId,
                self.model.id,
                |m| m.report_id,
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|p| {
                let t = tasks.iter().find(|t| t.id == p.task_id)?;
                Some(ReportProgress {
                    task_id: ids::encode(Kind::RegionalTask, t.id),
                    task_number: t.number.clone(),
                    status: p.status,
                    note: p.note,
                })
            })
            .collect())
    }
}

/// A superior's assessment of a region's year under a plan.
pub struct RegionalAssessment(pub regional_assessment::Model);

#[Object]
impl RegionalAssessment {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::RegionalAssessment, self.0.id)
    }
    /// The region assessed.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Record<Region>>> {
        region_types::load(ctx, Some(self.0.region_code.clone())).await
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    async fn rating(&self) -> AssessmentRating {
        self.0.rating
    }
    async fn comments(&self) -> &str {
        &self.0.comments
    }
    async fn assessed_on(&self) -> Date {
        Date(self.0.assessed_on)
    }
    async fn assessor_sub(&self) -> &str {
        &self.0.assessor_sub
    }
}

/// One region's report for one year on a plan: filed or owed.
#[derive(SimpleObject)]
pub struct ReportStatus {
    pub region: Region,
    pub year: i32,
    pub due_on: Date,
    pub report: Option<RegionalReport>,
    pub assessment: Option<RegionalAssessment>,
    /// Not filed and past its day.
    pub overdue: bool,
    /// Filed after its day.
    pub late: bool,
}

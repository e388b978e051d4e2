//! `node(id:)`, `me` and `health`: the fields that are not about one domain.

use crate::acceptance::types::{AcceptanceRecord, ExpertReview, Objection, ReReview};
use crate::auth::Viewer;
use crate::auth::redaction::{reveal_acceptance_review, reveal_expert_review};
use crate::error::{ApiError, ApiResult};
use crate::financing::types::FinancingSource;
use crate::graphql::context::ContextExt;
use crate::ids::{self, Kind};
use crate::indicators::types::{Indicator, IndicatorActual};
use crate::organizations::{self, types::Organization};
use crate::pilots::{self, types::Pilot};
use crate::plans::types::Plan;
use crate::programs::{self, types::Program};
use crate::projects::types::KeyProject;
use crate::regional::types::{
    RegionalAssessment, RegionalPlan, RegionalReport, RegionalTarget, RegionalTask,
};
use crate::regions::{self, types::Region};
use crate::workflow::types::WorkflowEvent;
use async_graphql::{Context, ID, Interface, Object, Result, SimpleObject};
use entities::*;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Anything with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque, stable global id."))]
pub enum Node {
    Region(Region),
    Program(Program),
    Organization(Organization),
    Pilot(Pilot),
    Plan(Plan),
    Indicator(Indicator),
    IndicatorActual(IndicatorActual),
    KeyProject(KeyProject),
    FinancingSource(FinancingSource),
    ExpertReview(ExpertReview),
    Objection(Objection),
    AcceptanceRecord(AcceptanceRecord),
    ReReview(ReReview),
    WorkflowEvent(WorkflowEvent),
    RegionalPlan(RegionalPlan),
    RegionalTarget(RegionalTarget),
    RegionalTask(RegionalTask),
    RegionalReport(RegionalReport),
    RegionalAssessment(RegionalAssessment),
    AuditEvent(crate::audit::types::AuditEvent),
    AnnualReport(crate::supervision::types::AnnualReport),
    Fund(crate::programs::types::Fund),
    ProgramTypeRule(crate::programs::types::ProgramTypeRule),
}

/// The caller, as the token describes them.
#[derive(SimpleObject)]
#[graphql(name = "Viewer")]
pub struct ViewerInfo {
    pub sub: String,
    pub role: Role,
    /// Six-digit code of the caller's region (for applicants, their organisation's).
    pub region: Option<String>,
    /// The applicant organisation's id.
    pub org: Option<ID>,
    /// The caller's bureau.
    pub dept: Option<String>,
    pub name: Option<String>,
}

/// A record found by id only when its parent (`parent_col`) is among `parents`, the ids of
/// the parents the viewer may read (pilots, regional plans, programs).
async fn within<E>(
    db: &DatabaseConnection,
    id: i64,
    id_col: E::Column,
    parent_col: E::Column,
    parents: sea_orm::sea_query::SelectStatement,
) -> ApiResult<E::Model>
where
    E: EntityTrait,
{
    E::find()
        .filter(id_col.eq(id))
        .filter(parent_col.in_subquery(parents))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("record"))
}

/// A record of a regional plan, found by id only when its plan is visible.
async fn plan_record<E>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    id_column: E::Column,
    plan_column: E::Column,
) -> ApiResult<E::Model>
where
    E: EntityTrait,
{
    within::<E>(db, id, id_column, plan_column, viewer.visible_plan_ids()).await
}

/// A record of a program, found by id only when its program is visible.
async fn program_record<E>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    id_column: E::Column,
    program_column: E::Column,
) -> ApiResult<E::Model>
where
    E: EntityTrait,
{
    let programs = sea_orm::sea_query::Query::select()
        .column(program::Column::Id)
        .from(program::Entity)
        .cond_where(viewer.program_scope())
        .to_owned();
    within::<E>(db, id, id_column, program_column, programs).await
}

/// The visible plan a record belongs to.
async fn plan_of(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> ApiResult<RegionalPlan> {
    Ok(RegionalPlan::from(
        crate::regional::service::get(db, viewer, id).await?,
    ))
}

/// A record hanging off a pilot, found by id only when its pilot is visible.
async fn child<E>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    id_col: E::Column,
    pilot_col: E::Column,
) -> ApiResult<E::Model>
where
    E: EntityTrait,
{
    within::<E>(db, id, id_col, pilot_col, viewer.visible_pilot_ids()).await
}

/// The root fields of this module.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Always "ok"; the one field answered without a token.
    async fn health(&self) -> &'static str {
        "ok"
    }

    /// The caller.
    async fn me(&self, ctx: &Context<'_>) -> Result<ViewerInfo> {
        let v = ctx.viewer()?;
        Ok(ViewerInfo {
            sub: v.sub.clone(),
            role: v.role,
            region: v.region.as_ref().map(|r| r.to_string()),
            org: v.org.map(|o| ids::encode(Kind::Organization, o)),
            dept: v.dept.clone(),
            name: v.name.clone(),
        })
    }

    /// Any record by its global id; `NOT_FOUND` when it does not exist or is out of scope.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Node> {
        let viewer = ctx.viewer()?;
        let db = ctx.db();
        let (kind, key) = ids::decode(&id).ok_or_else(|| ApiError::bad_input("id", "not an id"))?;
        // Region ids carry a division code; every other kind a number.
        let n: i64 = match kind {
            Kind::Region => 0,
            _ => key
                .parse()
                .map_err(|_| ApiError::bad_input("id", "not an id"))?,
        };
        Ok(match kind {
            // Records read only through their parent, or through the audit trail.
            Kind::TrackingNote
            | Kind::ProgramRuleValue
            | Kind::CalendarDay
            | Kind::CatalogueIndicator
            | Kind::ReportDuty
            | Kind::RegionalTargetValue
            | Kind::RegionalTaskUnit
            | Kind::RegionalReportValue
            | Kind::RegionalTaskProgress => {
                return Err(ApiError::not_found("record").into());
            }
            Kind::Region => Node::Region(Region(regions::service::get(db, &key).await?)),
            Kind::AnnualReport => Node::AnnualReport(crate::supervision::types::AnnualReport(
                child::<annual_report::Entity>(
                    db,
                    viewer,
                    n,
                    annual_report::Column::Id,
                    annual_report::Column::PilotId,
                )
                .await?,
            )),
            Kind::Fund => Node::Fund(crate::programs::types::Fund(
                program_record::<program_fund::Entity>(
                    db,
                    viewer,
                    n,
                    program_fund::Column::Id,
                    program_fund::Column::ProgramId,
                )
                .await?,
            )),
            Kind::ProgramTypeRule => {
                Node::ProgramTypeRule(crate::programs::types::ProgramTypeRule(
                    program_record::<program_type_rule::Entity>(
                        db,
                        viewer,
                        n,
                        program_type_rule::Column::Id,
                        program_type_rule::Column::ProgramId,
                    )
                    .await?,
                ))
            }
            Kind::AuditEvent => {
                let event = audit_event::Entity::find_by_id(n)
                    .filter(crate::audit::service::scope(viewer))
                    .one(db)
                    .await
                    .map_err(ApiError::from)?
                    .ok_or_else(|| ApiError::not_found("audit event"))?;
                let redactor = ctx.loaders().redactor(viewer).await?;
                Node::AuditEvent(crate::audit::types::AuditEvent::new(event, &redactor))
            }
            Kind::RegionalPlan => Node::RegionalPlan(RegionalPlan::from(
                crate::regional::service::get(db, viewer, n).await?,
            )),
            Kind::RegionalTarget => {
                let m = plan_record::<regional_target::Entity>(
                    db,
                    viewer,
                    n,
                    regional_target::Column::Id,
                    regional_target::Column::PlanId,
                )
                .await?;
                Node::RegionalTarget(plan_of(db, viewer, m.plan_id).await?.child(m))
            }
            Kind::RegionalTask => {
                let m = plan_record::<regional_task::Entity>(
                    db,
                    viewer,
                    n,
                    regional_task::Column::Id,
                    regional_task::Column::PlanId,
                )
                .await?;
                Node::RegionalTask(plan_of(db, viewer, m.plan_id).await?.child(m))
            }
            Kind::RegionalReport => {
                let m = plan_record::<regional_report::Entity>(
                    db,
                    viewer,
                    n,
                    regional_report::Column::Id,
                    regional_report::Column::PlanId,
                )
                .await?;
                Node::RegionalReport(plan_of(db, viewer, m.plan_id).await?.child(m))
            }
            Kind::RegionalAssessment => Node::RegionalAssessment(RegionalAssessment(
                plan_record::<regional_assessment::Entity>(
                    db,
                    viewer,
                    n,
                    regional_assessment::Column::Id,
                    regional_assessment::Column::PlanId,
                )
                .await?,
            )),
            Kind::Program => Node::Program(Program(programs::service::get(db, viewer, n).await?)),
            Kind::Organization => Node::Organization(Organization(
                organizations::service::get(db, viewer, n).await?,
            )),
            Kind::Pilot => Node::Pilot(Pilot::from(pilots::service::get(db, viewer, n).await?)),
            Kind::Plan => Node::Plan(Plan(
                child::<plan::Entity>(db, viewer, n, plan::Column::Id, plan::Column::PilotId)
                    .await?,
            )),
            Kind::Indicator => Node::Indicator(Indicator::from(
                child::<indicator::Entity>(
                    db,
                    viewer,
                    n,
                    indicator::Column::Id,
                    indicator::Column::PilotId,
                )
                .await?,
            )),
            Kind::IndicatorActual => Node::IndicatorActual(IndicatorActual(
                child::<indicator_actual::Entity>(
                    db,
                    viewer,
                    n,
                    indicator_actual::Column::Id,
                    indicator_actual::Column::PilotId,
                )
                .await?,
            )),
            Kind::KeyProject => Node::KeyProject(KeyProject(
                child::<key_project::Entity>(
                    db,
                    viewer,
                    n,
                    key_project::Column::Id,
                    key_project::Column::PilotId,
                )
                .await?,
            )),
            Kind::FinancingSource => Node::FinancingSource(FinancingSource(
                child::<financing_source::Entity>(
                    db,
                    viewer,
                    n,
                    financing_source::Column::Id,
                    financing_source::Column::PilotId,
                )
                .await?,
            )),
            Kind::Objection => Node::Objection(Objection(
                child::<objection::Entity>(
                    db,
                    viewer,
                    n,
                    objection::Column::Id,
                    objection::Column::PilotId,
                )
                .await?,
            )),
            Kind::WorkflowEvent => Node::WorkflowEvent(WorkflowEvent(
                child::<workflow_event::Entity>(
                    db,
                    viewer,
                    n,
                    workflow_event::Column::Id,
                    workflow_event::Column::PilotId,
                )
                .await?,
            )),
            Kind::ReReview => Node::ReReview(ReReview(
                child::<re_review::Entity>(
                    db,
                    viewer,
                    n,
                    re_review::Column::Id,
                    re_review::Column::PilotId,
                )
                .await?,
            )),
            Kind::ExpertReview => {
                let model = child::<expert_review::Entity>(
                    db,
                    viewer,
                    n,
                    expert_review::Column::Id,
                    expert_review::Column::PilotId,
                )
                .await?;
                let pilot = pilots::service::get(db, viewer, model.pilot_id).await?;
                let reveal = reveal_expert_review(viewer, pilot.status);
                Node::ExpertReview(ExpertReview { model, reveal })
            }
            Kind::AcceptanceRecord => {
                let model = child::<acceptance_record::Entity>(
                    db,
                    viewer,
                    n,
                    acceptance_record::Column::Id,
                    acceptance_record::Column::PilotId,
                )
                .await?;
                let re_reviews = re_review::Entity::find()
                    .filter(re_review::Column::AcceptanceRecordId.eq(model.id))
                    .all(db)
                    .await
                    .map_err(ApiError::from)?;
                Node::AcceptanceRecord(AcceptanceRecord {
                    reveal: reveal_acceptance_review(viewer, &model),
                    re_reviews,
                    model,
                })
            }
        })
    }
}

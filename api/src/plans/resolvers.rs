//! `createPlan` and `publishPlan`.

use super::service::{self, Document, PlanForCreate};
use super::types::Plan;
use crate::graphql::context::ContextExt;
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entities::PlanKind;

/// Metadata of the file attached to a plan (the file itself is kept elsewhere).
#[derive(InputObject)]
pub struct DocumentInput {
    pub name: String,
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the file.
    pub sha256: String,
}

/// `createPlan`: the next version of a plan of a kind, as DRAFT.
#[derive(InputObject)]
pub struct CreatePlanInput {
    pub pilot_id: ID,
    pub kind: PlanKind,
    pub title: String,
    pub period_start_year: i32,
    pub period_end_year: i32,
    #[graphql(default)]
    pub summary: String,
    pub document: Option<DocumentInput>,
}

/// `publishPlan`.
#[derive(InputObject)]
pub struct PublishPlanInput {
    pub id: ID,
    pub version: i32,
}

/// What plan mutations return.
#[derive(SimpleObject)]
pub struct PlanPayload {
    pub plan: Plan,
}

#[derive(Default)]
pub struct PlanMutation;

#[Object]
impl PlanMutation {
    /// Applicant: add a plan version (while DRAFT, DESIGNATED or TITLED).
    async fn create_plan(&self, ctx: &Context<'_>, input: CreatePlanInput) -> Result<PlanPayload> {
        let viewer = ctx.viewer()?;
        let create = PlanForCreate {
            pilot_id: ids::parse_id(&input.pilot_id, Kind::Pilot, "input.pilotId")?,
            kind: input.kind,
            title: input.title,
            period_start_year: input.period_start_year,
            period_end_year: input.period_end_year,
            summary: input.summary,
            document: input.document.map(|d| Document {
                name: d.name,
                media_type: d.media_type,
                size: d.size,
                sha256: d.sha256,
            }),
        };
        Ok(PlanPayload {
            plan: Plan(service::create(ctx.state(), viewer, create).await?),
        })
    }

    /// Applicant: publish a DRAFT version; the one published before is superseded.
    async fn publish_plan(
        &self,
        ctx: &Context<'_>,
        input: PublishPlanInput,
    ) -> Result<PlanPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&input.id, Kind::Plan, "input.id")?;
        Ok(PlanPayload {
            plan: Plan(service::publish(ctx.state(), viewer, id, input.version).await?),
        })
    }
}

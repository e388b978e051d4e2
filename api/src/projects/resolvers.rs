//! `createKeyProject` and `updateKeyProject`.

use super::service::{self, ProjectFields};
use super::types::KeyProject;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entities::{ProjectField, ProjectStatus};

/// `createKeyProject`.
#[derive(InputObject)]
pub struct CreateKeyProjectInput {
    pub pilot_id: ID,
    pub name: String,
    pub field: ProjectField,
    /// CNY.
    pub planned_investment: Decimal,
    /// tCO₂e per year.
    pub expected_annual_reduction: Option<Decimal>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
}

/// `updateKeyProject`: absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateKeyProjectInput {
    pub id: ID,
    pub version: i32,
    pub name: Option<String>,
    pub field: Option<ProjectField>,
    pub planned_investment: Option<Decimal>,
    pub expected_annual_reduction: Option<Decimal>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    /// PLANNED → IN_PROGRESS → COMPLETED; IN_PROGRESS ⇄ SUSPENDED; any but COMPLETED → CANCELLED.
    pub status: Option<ProjectStatus>,
    pub progress_percent: Option<i32>,
}

/// What key-project mutations return.
#[derive(SimpleObject)]
pub struct KeyProjectPayload {
    pub key_project: KeyProject,
}

#[derive(Default)]
pub struct KeyProjectMutation;

#[Object]
impl KeyProjectMutation {
    /// Applicant: add a key project.
    async fn create_key_project(
        &self,
        ctx: &Context<'_>,
        input: CreateKeyProjectInput,
    ) -> Result<KeyProjectPayload> {
        let viewer = ctx.viewer()?;
        let pilot_id = ids::parse_id(&input.pilot_id, Kind::Pilot, "input.pilotId")?;
        let fields = ProjectFields {
            name: Some(input.name),
            field: Some(input.field),
            planned_investment: Some(input.planned_investment.0),
            expected_annual_reduction: input.expected_annual_reduction.map(|d| d.0),
            starts_on: input.starts_on.map(|d| d.0),
            ends_on: input.ends_on.map(|d| d.0),
            status: None,
            progress_percent: None,
        };
        Ok(KeyProjectPayload {
            key_project: KeyProject(service::create(ctx.state(), viewer, pilot_id, fields).await?),
        })
    }

    /// Applicant: change a key project (progress, status, figures).
    async fn update_key_project(
        &self,
        ctx: &Context<'_>,
        input: UpdateKeyProjectInput,
    ) -> Result<KeyProjectPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&input.id, Kind::KeyProject, "input.id")?;
        let fields = ProjectFields {
            name: input.name,
            field: input.field,
            planned_investment: input.planned_investment.map(|d| d.0),
            expected_annual_reduction: input.expected_annual_reduction.map(|d| d.0),
            starts_on: input.starts_on.map(|d| d.0),
            ends_on: input.ends_on.map(|d| d.0),
            status: input.status,
            progress_percent: input.progress_percent,
        };
        Ok(KeyProjectPayload {
            key_project: KeyProject(
                service::update(ctx.state(), viewer, id, input.version, fields).await?,
            ),
        })
    }
}

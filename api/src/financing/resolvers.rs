//! `createFinancingSource` and `updateFinancingSource`.

use super::service::{self, FinancingFields};
use super::types::FinancingSource;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use entities::{FinancingKind, FinancingStatus};

/// `createFinancingSource`.
#[derive(InputObject)]
pub struct CreateFinancingSourceInput {
    pub pilot_id: ID,
    /// Required unless `fundId` names a fund, whose kind it then is.
    pub kind: Option<FinancingKind>,
    /// A fund the pilot's program offers (`Program.funds`).
    pub fund_id: Option<ID>,
    pub provider: String,
    /// The key project the money is earmarked for.
    pub key_project_id: Option<ID>,
    /// CNY, at most two decimal places.
    pub committed_amount: Decimal,
    pub disbursed_amount: Option<Decimal>,
    pub reference_number: Option<String>,
    pub committed_on: Option<Date>,
    pub disbursed_on: Option<Date>,
    /// Default PLANNED.
    pub status: Option<FinancingStatus>,
}

/// `updateFinancingSource`: absent fields stay as they are; `keyProjectId: null` clears it.
#[derive(InputObject)]
pub struct UpdateFinancingSourceInput {
    pub id: ID,
    pub version: i32,
    pub kind: Option<FinancingKind>,
    pub provider: Option<String>,
    pub key_project_id: MaybeUndefined<ID>,
    /// A fund the pilot's program offers; null clears it.
    pub fund_id: MaybeUndefined<ID>,
    pub committed_amount: Option<Decimal>,
    pub disbursed_amount: Option<Decimal>,
    pub reference_number: Option<String>,
    pub committed_on: Option<Date>,
    pub disbursed_on: Option<Date>,
    /// PLANNED → COMMITTED → DISBURSED; CANCELLED from anything but DISBURSED.
    pub status: Option<FinancingStatus>,
}

/// What financing mutations return.
#[derive(SimpleObject)]
pub struct FinancingSourcePayload {
    pub financing_source: FinancingSource,
}

fn fund_id(id: Option<&ID>) -> Result<Option<i64>> {
    Ok(id
        .map(|id| ids::parse_id(id, Kind::Fund, "input.fundId"))
        .transpose()?)
}

fn project_id(id: Option<&ID>) -> Result<Option<i64>> {
    Ok(id
        .map(|id| ids::parse_id(id, Kind::KeyProject, "input.keyProjectId"))
        .transpose()?)
}

#[derive(Default)]
pub struct FinancingMutation;

#[Object]
impl FinancingMutation {
    /// Applicant: add a financing source.
    async fn create_financing_source(
        &self,
        ctx: &Context<'_>,
        input: CreateFinancingSourceInput,
    ) -> Result<FinancingSourcePayload> {
        let viewer = ctx.viewer()?;
        let pilot_id = ids::parse_id(&input.pilot_id, Kind::Pilot, "input.pilotId")?;
        let fields = FinancingFields {
            kind: input.kind,
            provider: Some(input.provider),
            key_project_id: Some(project_id(input.key_project_id.as_ref())?),
            fund_id: Some(fund_id(input.fund_id.as_ref())?),
            committed_amount: Some(input.committed_amount.0),
            disbursed_amount: input.disbursed_amount.map(|d| d.0),
            reference_number: input.reference_number,
            committed_on: input.committed_on.map(|d| d.0),
            disbursed_on: input.disbursed_on.map(|d| d.0),
            status: input.status,
        };
        let source = service::create(ctx.state(), viewer, pilot_id, fields).await?;
        Ok(FinancingSourcePayload {
            financing_source: FinancingSource(source),
        })
    }

    /// Applicant: change a financing source.
    async fn update_financing_source(
        &self,
        ctx: &Context<'_>,
        input: UpdateFinancingSourceInput,
    ) -> Result<FinancingSourcePayload> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&input.id, Kind::FinancingSource, "input.id")?;
        let key_project_id = match &input.key_project_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(project_id(Some(id))?),
        };
        let fund = match &input.fund_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(fund_id(Some(id))?),
        };
        let fields = FinancingFields {
            kind: input.kind,
            provider: input.provider,
            key_project_id,
            fund_id: fund,
            committed_amount: input.committed_amount.map(|d| d.0),
            disbursed_amount: input.disbursed_amount.map(|d| d.0),
            reference_number: input.reference_number,
            committed_on: input.committed_on.map(|d| d.0),
            disbursed_on: input.disbursed_on.map(|d| d.0),
            status: input.status,
        };
        let source = service::update(ctx.state(), viewer, id, input.version, fields).await?;
        Ok(FinancingSourcePayload {
            financing_source: FinancingSource(source),
        })
    }
}

//! `createIndicator` and `reportIndicatorActual`.

use super::service::{self, IndicatorForCreate};
use super::types::{Indicator, IndicatorActual};
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entities::{Direction, IndicatorCategory};

/// `createIndicator`: a target of a DRAFT pilot. For an indicator of the program's
/// catalogue, name, category, unit and direction come from the catalogue (leave them out, or
/// give the same); other indicators need all four, and cannot be constraints where the
/// program keeps a catalogue.
#[derive(InputObject)]
pub struct CreateIndicatorInput {
    pub pilot_id: ID,
    pub code: String,
    pub name: Option<String>,
    pub category: Option<IndicatorCategory>,
    pub unit: Option<String>,
    pub direction: Option<Direction>,
    pub baseline_value: Decimal,
    pub target_value: Decimal,
    pub target_year: i32,
}

/// `reportIndicatorActual`: a value for a period (during construction or after the title).
#[derive(InputObject)]
pub struct ReportIndicatorActualInput {
    pub indicator_id: ID,
    /// Last day of the period.
    pub period_end: Date,
    pub value: Decimal,
    #[graphql(default)]
    pub note: String,
}

/// What `createIndicator` returns.
#[derive(SimpleObject)]
pub struct IndicatorPayload {
    pub indicator: Indicator,
}

/// What `reportIndicatorActual` returns.
#[derive(SimpleObject)]
pub struct IndicatorActualPayload {
    pub actual: IndicatorActual,
    /// The indicator, with `met` recomputed.
    pub indicator: Indicator,
}

#[derive(Default)]
pub struct IndicatorMutation;

#[Object]
impl IndicatorMutation {
    /// Applicant: add a target while the pilot is DRAFT.
    async fn create_indicator(
        &self,
        ctx: &Context<'_>,
        input: CreateIndicatorInput,
    ) -> Result<IndicatorPayload> {
        let viewer = ctx.viewer()?;
        let create = IndicatorForCreate {
            pilot_id: ids::parse_id(&input.pilot_id, Kind::Pilot, "input.pilotId")?,
            code: input.code,
            name: input.name,
            category: input.category,
            unit: input.unit,
            direction: input.direction,
            baseline_value: input.baseline_value.0,
            target_value: input.target_value.0,
            target_year: input.target_year,
        };
        Ok(IndicatorPayload {
            indicator: Indicator::from(service::create(ctx.state(), viewer, create).await?),
        })
    }

    /// Applicant: report an actual value (while DESIGNATED or TITLED).
    async fn report_indicator_actual(
        &self,
        ctx: &Context<'_>,
        input: ReportIndicatorActualInput,
    ) -> Result<IndicatorActualPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&input.indicator_id, Kind::Indicator, "input.indicatorId")?;
        let (indicator, actual) = service::report_actual(
            ctx.state(),
            viewer,
            id,
            input.period_end.0,
            input.value.0,
            &input.note,
        )
        .await?;
        Ok(IndicatorActualPayload {
            actual: IndicatorActual(actual),
            indicator: Indicator::from(indicator),
        })
    }
}

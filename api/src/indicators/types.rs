//! The `Indicator` and `IndicatorActual` objects.

use super::rule;
use crate::error::ApiError;
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::Date;
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entities::{Direction, IndicatorCategory, indicator, indicator_actual};
use rust_decimal::Decimal;

/// A target of a pilot.
pub struct Indicator(pub indicator::Model);

impl Indicator {
    async fn actual_rows(&self, ctx: &Context<'_>) -> Result<Vec<indicator_actual::Model>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .group::<indicator_actual::Entity>()
            .load_one(self.0.id)
            .await
            .map_err(ApiError::internal)?
            .unwrap_or_default())
    }
}

/// The most recent of a set of actual values: latest period, then latest reported.
pub fn latest(rows: &[indicator_actual::Model]) -> Option<&indicator_actual::Model> {
    rows.iter().max_by_key(|a| (a.period_end, a.id))
}

#[Object]
impl Indicator {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Indicator, self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn category(&self) -> IndicatorCategory {
        self.0.category
    }
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    async fn direction(&self) -> Direction {
        self.0.direction
    }
    async fn baseline_value(&self) -> Decimal {
        self.0.baseline_value.0
    }
    async fn target_value(&self) -> Decimal {
        self.0.target_value.0
    }
    async fn target_year(&self) -> i32 {
        self.0.target_year
    }
    /// Reported values, oldest period first.
    async fn actuals(&self, ctx: &Context<'_>) -> Result<Vec<IndicatorActual>> {
        Ok(self
            .actual_rows(ctx)
            .await?
            .into_iter()
            .map(IndicatorActual)
            .collect())
    }
    /// The value of the latest period reported.
    async fn latest_actual(&self, ctx: &Context<'_>) -> Result<Option<IndicatorActual>> {
        Ok(latest(&self.actual_rows(ctx).await?)
            .cloned()
            .map(IndicatorActual))
    }
    /// Whether the latest actual value reaches the target in the indicator's direction.
    async fn met(&self, ctx: &Context<'_>) -> Result<bool> {
        let rows = self.actual_rows(ctx).await?;
        Ok(rule::is_met(
            self.0.direction,
            self.0.target_value.0,
            latest(&rows).map(|a| a.value.0),
        ))
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A value reported for an indicator.
pub struct IndicatorActual(pub indicator_actual::Model);

#[Object]
impl IndicatorActual {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::IndicatorActual, self.0.id)
    }
    /// Last day of the period the value is for.
    async fn period_end(&self) -> Date {
        self.0.period_end.into()
    }
    async fn value(&self) -> Decimal {
        self.0.value.0
    }
    async fn note(&self) -> &str {
        &self.0.note
    }
    async fn reported_by(&self) -> &str {
        &self.0.reported_by
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

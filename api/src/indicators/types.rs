//! The `Indicator` and `IndicatorActual` objects.

use super::rule;
use crate::graphql::loaders::Loaders;
use crate::graphql::records::Records;
use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entities::{Direction, IndicatorCategory, indicator, indicator_actual};

/// A target of a pilot, with its actual values read live or (in a snapshot) as they stood.
pub struct Indicator {
    pub model: indicator::Model,
    actuals: Option<Vec<indicator_actual::Model>>,
}

impl From<indicator::Model> for Indicator {
    fn from(model: indicator::Model) -> Self {
        Indicator {
            model,
            actuals: None,
        }
    }
}

impl Indicator {
    /// An indicator whose actual values are given (as a snapshot had them).
    pub fn with_actuals(
        model: indicator::Model,
        mut actuals: Vec<indicator_actual::Model>,
    ) -> Self {
        actuals.sort_by_key(|a| (a.period_end, a.id));
        Indicator {
            model,
            actuals: Some(actuals),
        }
    }

    async fn actual_rows(&self, ctx: &Context<'_>) -> Result<Vec<indicator_actual::Model>> {
        if let Some(a) = &self.actuals {
            return Ok(a.clone());
        }
        Ok(ctx
            .data_unchecked::<Loaders>()
            .children::<indicator_actual::Entity>(self.model.id)
            .await?)
    }
}

/// The most recent of a set of actual values: latest period, then latest reported.
pub fn latest(rows: &[indicator_actual::Model]) -> Option<&indicator_actual::Model> {
    rows.iter().max_by_key(|a| (a.period_end, a.id))
}

crate::graphql::records::record_object! {
    #[Object(serial)]
    impl Indicator(model: indicator::Model) {
        pub id: ID = |id| ids::encode(Kind::Indicator, *id);
        code: &str = |code| code;
        name: &str = |name| name;
        category: IndicatorCategory = |category| *category;
        unit: &str = |unit| unit;
        direction: Direction = |direction| *direction;
        baseline_value: Decimal = |baseline_value| Decimal(baseline_value.0);
        target_value: Decimal = |target_value| Decimal(target_value.0);
        target_year: i32 = |target_year| *target_year;
        version: i32 = |version| *version;
        created_at: DateTime<Utc> = |created_at| *created_at;
        updated_at: DateTime<Utc> = |updated_at| *updated_at;
    }

    /// Reported values, oldest period first.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn actuals(&self, ctx: &Context<'_>) -> Result<Records<IndicatorActual>> {
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
            self.model.direction,
            self.model.target_value.0,
            latest(&rows).map(|a| a.value.0),
        ))
    }
}

/// A value reported for an indicator.
pub struct IndicatorActual(pub indicator_actual::Model);

crate::graphql::records::record_object! {
    #[Object(serial)]
    impl IndicatorActual(0: indicator_actual::Model) {
        pub id: ID = |id| ids::encode(Kind::IndicatorActual, *id);
        /// Last day of the period the value is for.
        period_end: Date = |period_end| (*period_end).into();
        value: Decimal = |value| Decimal(value.0);
        note: &str = |note| note;
        reported_by: &str = |reported_by| reported_by;
        created_at: DateTime<Utc> = |created_at| *created_at;
    }
}

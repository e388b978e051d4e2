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
    impl Indicator as i {
        pub id: ID = ids::encode(Kind::Indicator, i.model.id);
        code: &str = &i.model.code;
        name: &str = &i.model.name;
        category: IndicatorCategory = i.model.category;
        unit: &str = &i.model.unit;
        direction: Direction = i.model.direction;
        baseline_value: Decimal = Decimal(i.model.baseline_value.0);
        target_value: Decimal = Decimal(i.model.target_value.0);
        target_year: i32 = i.model.target_year;
        version: i32 = i.model.version;
        created_at: DateTime<Utc> = i.model.created_at;
        updated_at: DateTime<Utc> = i.model.updated_at;
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
    impl IndicatorActual as a {
        pub id: ID = ids::encode(Kind::IndicatorActual, a.0.id);
        /// Last day of the period the value is for.
        period_end: Date = a.0.period_end.into();
        value: Decimal = Decimal(a.0.value.0);
        note: &str = &a.0.note;
        reported_by: &str = &a.0.reported_by;
        created_at: DateTime<Utc> = a.0.created_at;
    }
}

//! A target of a regional plan: one indicator, its baseline, values by year.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "regional_targets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    /// Shared with pilot indicators that measure the same quantity.
    pub code: String,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub category: IndicatorCategory,
    pub baseline_year: Option<i32>,
    pub baseline_value: Option<Dec>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

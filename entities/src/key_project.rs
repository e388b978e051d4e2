//! A key project of a pilot.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "key_projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub pilot_id: i64,
    pub name: String,
    pub field: ProjectField,
    pub planned_investment: Dec,
    pub expected_annual_reduction: Dec,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub status: ProjectStatus,
    pub progress_percent: i32,
    /// The key task of a regional plan the project serves.
    pub regional_task_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

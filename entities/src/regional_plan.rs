//! A region's carbon-peak plan, one version of it.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "regional_plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub region_code: String,
    /// The superior region's plan this one implements (a city's under its province's).
    pub parent_plan_id: Option<i64>,
    /// The version this one replaces once issued.
    pub supersedes_id: Option<i64>,
    pub issuing_authority: String,
    pub document_number: Option<String>,
    pub title: String,
    pub summary: String,
    pub issued_on: Option<Date>,
    pub period_start_year: i32,
    pub period_end_year: i32,
    /// The regions below report each year by this month and day of the next year.
    pub report_due_month: i32,
    pub report_due_day: i32,
    pub status: RegionalPlanStatus,
    pub author_sub: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

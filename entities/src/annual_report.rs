//! A pilot's report for one year: its progress, or its public carbon-emission disclosure.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "annual_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub pilot_id: i64,
    pub kind: ReportKind,
    pub year: i32,
    pub summary: String,
    /// Disclosed emissions of the year, tonnes of CO2 equivalent.
    pub emissions_tco2e: Option<Dec>,
    /// Where the disclosure was published.
    pub published_url: Option<String>,
    pub submitted_on: Date,
    pub reporter_sub: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Money for a pilot, optionally earmarked for one of its key projects.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "financing_sources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub pilot_id: i64,
    pub key_project_id: Option<i64>,
    /// The program fund the money comes from, where it names one.
    pub fund_id: Option<i64>,
    pub kind: FinancingKind,
    pub provider: String,
    pub committed_amount: Dec,
    pub disbursed_amount: Dec,
    pub reference_number: Option<String>,
    pub committed_on: Option<Date>,
    pub disbursed_on: Option<Date>,
    pub status: FinancingStatus,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

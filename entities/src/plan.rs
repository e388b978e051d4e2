//! A version of a planning document with the metadata of its attachment.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub pilot_id: i64,
    pub kind: PlanKind,
    pub title: String,
    /// 1 for the first version of this kind for the pilot, then 2, 3, ...
    pub plan_version: i32,
    pub period_start_year: i32,
    pub period_end_year: i32,
    pub summary: String,
    pub document_name: Option<String>,
    pub document_media_type: Option<String>,
    pub document_size: Option<i64>,
    pub document_sha256: Option<String>,
    pub status: PlanStatus,
    pub published_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

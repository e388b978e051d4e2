//! A unit responsible for a key task: the lead, or a co-responsible one.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "regional_task_units")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub task_id: i64,
    pub plan_id: i64,
    /// Order in the document.
    pub position: i32,
    /// As the document names it.
    pub unit: String,
    /// The bureau (`dept` claim) it is, when it is one.
    pub department: Option<String>,
    pub lead: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

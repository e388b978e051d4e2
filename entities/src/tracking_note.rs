//! A note of the municipal bureau's process tracking during construction.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tracking_notes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub pilot_id: i64,
    pub body: String,
    pub author_sub: String,
    pub author_name: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

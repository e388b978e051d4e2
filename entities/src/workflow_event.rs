//! A lifecycle transition of a pilot: who moved it from where to where, when and why.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "workflow_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub pilot_id: i64,
    pub action: WorkflowAction,
    pub from_status: PilotStatus,
    pub to_status: PilotStatus,
    pub actor_sub: String,
    pub actor_role: Role,
    pub actor_region: Option<String>,
    pub actor_name: Option<String>,
    pub comment: String,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! An append-only audit event; `hash` chains it to its predecessor.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub occurred_at: DateTimeUtc,
    pub actor_sub: String,
    pub actor_role: Role,
    pub actor_region: Option<String>,
    pub actor_org: Option<i64>,
    pub entity_type: String,
    pub entity_id: String,
    /// The pilot the entity belongs to, for scoping reads of the trail.
    pub pilot_id: Option<i64>,
    /// The regional plan the entity belongs to, for scoping reads of the trail.
    pub plan_id: Option<i64>,
    pub action: String,
    /// JSON of the entity before the change (absent on creation).
    pub before: Option<String>,
    /// JSON of the entity after the change.
    pub after: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

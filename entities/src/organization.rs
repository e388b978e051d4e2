//! An applicant body, identified by its unified social credit code.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub kind: OrganizationKind,
    #[sea_orm(unique)]
    pub credit_code: String,
    /// The county (or, for a city government, the municipality) it sits in.
    pub region_code: String,
    pub municipality_code: String,
    pub province_code: String,
    /// For park management committees: the level at which the park is recognised.
    pub park_level: Option<ParkLevel>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! An indicator of a program's catalogue for one pilot type: pilots of the type take their
//! constraint indicators from it, with the catalogue's name, unit, direction and category; a
//! retired entry stays for the record.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "program_indicators")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The `program_type_rules` row.
    pub rule_id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub category: IndicatorCategory,
    /// A pilot of the type must carry it to submit, and it counts at acceptance even when the
    /// pilot lacks it.
    pub required: bool,
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

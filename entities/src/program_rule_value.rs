//! One item of a list-valued rule of a program's pilot type: an organisation kind that may
//! apply, a department that leads the type, or a step acceptance requires. Matched to the letter, never by pattern; a
//! removed item is retired, not deleted.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "program_rule_values")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The `program_type_rules` row.
    pub rule_id: i64,
    pub list: RuleList,
    /// An `OrganizationKind` or `AcceptanceStep` name, or a department key such as
    /// `ecology_environment`.
    pub value: String,
    /// When the item was taken off the list; `None` while it holds.
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

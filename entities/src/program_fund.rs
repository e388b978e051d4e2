//! A named fund a program's pilots may draw on (Hechi: the central special fund for
//! air-pollution control, …); financing sources name it. A retired fund stays for the record.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "program_funds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub program_id: i64,
    pub code: String,
    pub name: String,
    /// The kind every source drawing on the fund has.
    pub kind: FinancingKind,
    /// Who administers it, e.g. the Ministry of Ecology and Environment.
    pub administrator: String,
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

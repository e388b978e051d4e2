//! One call for pilots issued by an authority; its rules are rows, not code.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "programs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub authority: String,
    pub document_number: String,
    pub level: ProgramLevel,
    /// The issuing region; `None` for a national program.
    pub region_code: Option<String>,
    /// Prefix of the human codes of its pilots, e.g. `SD` in `SD-2023-PARK-0007`.
    pub code_prefix: String,
    pub application_opens_on: Date,
    pub application_closes_on: Date,
    pub construction_starts_on: Date,
    pub construction_ends_on: Date,
    pub notice_working_days: i32,
    /// Months between periodic re-reviews of titled pilots, where the program has them.
    pub re_review_interval_months: Option<i32>,
    /// Days after construction ends during which acceptance may still be requested.
    pub acceptance_grace_days: i32,
    /// Where the program's data is not its document's: local practice, example figures.
    pub notes: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

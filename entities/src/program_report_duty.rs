//! A report a program asks of each designated pilot every year, due on a day of the following
//! year; a retired duty stays for the record.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "program_report_duties")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub program_id: i64,
    pub kind: ReportKind,
    /// Month and day of the year after the reported year by which the report is due.
    pub due_month: i32,
    pub due_day: i32,
    /// Whether the duty goes on after the title (disclosure) or ends with construction
    /// (progress reports).
    pub after_title: bool,
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

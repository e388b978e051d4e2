//! One acceptance attempt: request, forwarding, expert review, site visit, verdict and decision.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "acceptance_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub pilot_id: i64,
    pub attempt: i32,
    pub requested_on: Date,
    pub self_assessment: String,
    pub forwarded_at: Option<DateTimeUtc>,
    pub forward_comment: Option<String>,
    pub review_result: Option<ReviewResult>,
    pub review_score: Option<Dec>,
    pub review_comments: Option<String>,
    pub expert_names: Option<String>,
    pub site_visit_on: Option<Date>,
    pub site_findings: Option<String>,
    /// JSON array of the indicators as they stood when the verdict was computed.
    pub indicator_snapshot: Option<String>,
    pub constraint_met: Option<i32>,
    pub constraint_total: Option<i32>,
    pub reference_met: Option<i32>,
    pub reference_total: Option<i32>,
    pub required_ratio: Option<Dec>,
    pub required_min_count: Option<i32>,
    pub computed_verdict: Option<ReviewResult>,
    pub decision: Option<ReviewResult>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_comment: Option<String>,
    pub title_awarded: Option<String>,
    pub rectification_deadline: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

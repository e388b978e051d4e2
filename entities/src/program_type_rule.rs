//! What a program requires of one pilot type: admission, quota, acceptance thresholds, title.
//! Its lists (organisation kinds that may apply, lead departments) are rows of
//! `program_rule_values`.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "program_type_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub program_id: i64,
    pub pilot_type: PilotType,
    /// Level of the region a pilot of this type sits at.
    pub region_level: RegionLevel,
    pub min_park_level: Option<ParkLevel>,
    /// Most pilots of this type recommended per region of `quota_region_level`.
    pub quota: Option<i32>,
    pub quota_region_level: RegionLevel,
    pub reference_ratio: Dec,
    pub reference_min_count: i32,
    /// Title awarded on acceptance, e.g. "Near Zero Carbon Park of Shandong Province"; unused
    /// where the program has no acceptance.
    pub title: String,
    /// Level of the preliminary reviewer (Shandong: the county); `None` when the type skips
    /// preliminary review (Shandong CITY, Hechi, NDRC).
    pub preliminary_reviewer: Option<Role>,
    /// Level of the recommender, whose recommendation counts against the quota (Shandong: the
    /// municipality; Hechi: the county bureau; NDRC: the province).
    pub recommender: Role,
    /// Whether the issuing authority records an expert review before designation.
    pub expert_review: bool,
    /// Whether designation follows a public notice.
    pub public_notice: bool,
    /// Whether construction ends with an acceptance that awards `title`.
    pub acceptance: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

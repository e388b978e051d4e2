//! One demonstration creation. Region codes of every level are kept on the row so that scope is one indexed comparison.

use crate::values::*;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "pilots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub program_id: i64,
    pub applicant_id: i64,
    pub region_code: String,
    pub county_code: Option<String>,
    pub municipality_code: String,
    pub province_code: String,
    pub pilot_type: PilotType,
    pub status: PilotStatus,
    pub name: String,
    pub boundary: String,
    pub area_km2: Dec,
    pub population: i64,
    pub baseline_year: i32,
    pub baseline_emissions: Dec,
    pub park_level: Option<ParkLevel>,
    /// Eligibility declarations; `None` until declared, `Some(true)` is disqualifying.
    pub has_unmet_carbon_market_obligations: Option<bool>,
    pub has_falsified_emission_data: Option<bool>,
    pub has_serious_pollution_case: Option<bool>,
    pub notice_starts_on: Option<Date>,
    pub notice_ends_on: Option<Date>,
    pub designated_at: Option<DateTimeUtc>,
    pub rectification_deadline: Option<Date>,
    pub title: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

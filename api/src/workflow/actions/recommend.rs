//! `recommendPilot`: within the region's quota for the type. Writers hold the write lock, so
//! two recommendations racing for the last place cannot both win.

use super::Step;
use crate::error::{ApiError, ApiResult};
use crate::workflow::transitions::Outcome;
use entities::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// Pilot states that hold a place in the quota.
pub const QUOTA_STATES: [PilotStatus; 7] = [
    PilotStatus::Recommended,
    PilotStatus::ExpertReviewed,
    PilotStatus::InPublicNotice,
    PilotStatus::Designated,
    PilotStatus::AcceptanceRequested,
    PilotStatus::AcceptanceForwarded,
    PilotStatus::Titled,
];

pub(super) async fn run(step: &mut Step<'_>) -> ApiResult<Outcome> {
    let p = &step.governed.pilot;
    let rule = &step.governed.type_rule.model;
    let Some((quota, level)) = rule.quota.map(|q| (q, rule.quota_region_level)) else {
        return Ok(Outcome::AsTable);
    };
    let (column, code) = match level {
        RegionLevel::Province => (pilot::Column::ProvinceCode, Some(p.province_code.clone())),
        RegionLevel::Municipality => (
            pilot::Column::MunicipalityCode,
            Some(p.municipality_code.clone()),
        ),
        RegionLevel::County => (pilot::Column::CountyCode, p.county_code.clone()),
    };
    let taken = pilot::Entity::find()
        .filter(pilot::Column::ProgramId.eq(p.program_id))
        .filter(pilot::Column::PilotType.eq(p.pilot_type))
        .filter(pilot::Column::Status.is_in(QUOTA_STATES))
        .filter(column.eq(code))
        .filter(pilot::Column::Id.ne(p.id))
        .count(step.tx.conn())
        .await?;
    if taken >= quota.max(0) as u64 {
        return Err(ApiError::QuotaExceeded(format!(
            "the {} quota of {quota} {} pilot(s) is used ({taken} recommended)",
            level.as_str().to_lowercase(),
            p.pilot_type.as_str()
        )));
    }
    Ok(Outcome::AsTable)
}

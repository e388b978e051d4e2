//! Reading pilots: one query shape for lists, single reads and `node`, always under the
//! viewer's scope.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::graphql::pagination::{Sort, SortValue, contains_ci};
use crate::regions::code::RegionCode;
use chrono::{DateTime, Utc};
use entities::{PilotStatus, PilotType, RegionLevel, pilot};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, Select};

/// Filters of the `pilots` list; all given filters must hold.
#[derive(Debug, Default, Clone)]
pub struct PilotFilter {
    pub program_id: Option<i64>,
    pub types: Option<Vec<PilotType>>,
    pub statuses: Option<Vec<PilotStatus>>,
    /// A region at any level: the pilots inside it.
    pub region_code: Option<String>,
    pub applicant_id: Option<i64>,
    /// Text contained in the name or code, case-insensitive.
    pub search: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// What pilots can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum PilotOrderField {
    UpdatedAt,
    Name,
    Code,
}

/// The pilots the viewer may read, filtered.
pub fn query(viewer: &Viewer, f: &PilotFilter) -> ApiResult<Select<pilot::Entity>> {
    let mut q = pilot::Entity::find().filter(viewer.pilot_scope());
    if let Some(id) = f.program_id {
        q = q.filter(pilot::Column::ProgramId.eq(id));
    }
    if let Some(types) = &f.types {
        q = q.filter(pilot::Column::PilotType.is_in(types.iter().copied()));
    }
    if let Some(statuses) = &f.statuses {
        q = q.filter(pilot::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(code) = &f.region_code {
        let code =
            RegionCode::parse(code).map_err(|e| ApiError::bad_input("filter.regionCode", e))?;
        q = q.filter(match code.level() {
            RegionLevel::Province => pilot::Column::ProvinceCode.eq(code.as_str()),
            RegionLevel::Municipality => pilot::Column::MunicipalityCode.eq(code.as_str()),
            RegionLevel::County => pilot::Column::CountyCode.eq(code.as_str()),
        });
    }
    if let Some(id) = f.applicant_id {
        q = q.filter(pilot::Column::ApplicantId.eq(id));
    }
    if let Some(text) = f.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if text.chars().count() > 100 {
            return Err(ApiError::bad_input(
                "filter.search",
                "at most 100 characters",
            ));
        }
        q = q.filter(
            Condition::any()
                .add(contains_ci(pilot::Column::Name, text))
                .add(contains_ci(pilot::Column::Code, text)),
        );
    }
    if let Some(since) = f.updated_since {
        q = q.filter(pilot::Column::UpdatedAt.gte(since));
    }
    Ok(q)
}

/// The sort of a pilot list; ties are broken by id so every row has one place.
pub fn sort(field: PilotOrderField, descending: bool) -> Sort<pilot::Entity> {
    match field {
        PilotOrderField::UpdatedAt => Sort {
            column: pilot::Column::UpdatedAt,
            is_time: true,
            tie: pilot::Column::Id,
            descending,
            key_of: |m| (m.updated_at.into(), SortValue::Int(m.id)),
        },
        PilotOrderField::Name => Sort {
            column: pilot::Column::Name,
            is_time: false,
            tie: pilot::Column::Id,
            descending,
            key_of: |m| (SortValue::Text(m.name.clone()), SortValue::Int(m.id)),
        },
        PilotOrderField::Code => Sort {
            column: pilot::Column::Code,
            is_time: false,
            tie: pilot::Column::Id,
            descending,
            key_of: |m| (SortValue::Text(m.code.clone()), SortValue::Int(m.id)),
        },
    }
}

/// One pilot the viewer may read.
pub async fn get(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> ApiResult<pilot::Model> {
    pilot::Entity::find_by_id(id)
        .filter(viewer.pilot_scope())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("pilot"))
}

//! Reading organisations inside the viewer's scope.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::graphql::pagination::{Sort, SortValue, contains_ci};
use crate::regions::code::RegionCode;
use entities::{OrganizationKind, RegionLevel, organization};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, Select};

/// Filters of the `organizations` list.
#[derive(Debug, Default)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    pub region_code: Option<String>,
    pub search: Option<String>,
}

/// The organisations the viewer may read, filtered.
pub fn query(
    viewer: &Viewer,
    filter: &OrganizationFilter,
) -> ApiResult<Select<organization::Entity>> {
    let mut q = organization::Entity::find().filter(viewer.organization_scope());
    if let Some(kind) = filter.kind {
        q = q.filter(organization::Column::Kind.eq(kind));
    }
    if let Some(code) = &filter.region_code {
        let code =
            RegionCode::parse(code).map_err(|e| ApiError::bad_input("filter.regionCode", e))?;
        q = q.filter(match code.level() {
            RegionLevel::Province => organization::Column::ProvinceCode.eq(code.as_str()),
            RegionLevel::Municipality => organization::Column::MunicipalityCode.eq(code.as_str()),
            RegionLevel::County => organization::Column::RegionCode.eq(code.as_str()),
        });
    }
    if let Some(text) = filter.search.as_deref().filter(|t| !t.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(contains_ci(organization::Column::Name, text))
                .add(organization::Column::CreditCode.eq(text.to_uppercase())),
        );
    }
    Ok(q)
}

/// Organisations are listed by name.
pub fn sort() -> Sort<organization::Entity> {
    Sort {
        column: organization::Column::Name,
        is_time: false,
        tie: organization::Column::Id,
        descending: false,
        key_of: |m| (SortValue::Text(m.name.clone()), SortValue::Int(m.id)),
    }
}

/// One organisation the viewer may read.
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
) -> ApiResult<organization::Model> {
    organization::Entity::find_by_id(id)
        .filter(viewer.organization_scope())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))
}

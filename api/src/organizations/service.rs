//! Reading organisations inside the viewer's scope.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::paging::{KeyKind, Sort, SortValue, contains_ci};
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
        q = q.filter(crate::auth::scope::organization_in(&code));
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
        kind: KeyKind::Text,
        tie_kind: KeyKind::Int,
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

/// A new organisation.
#[derive(Debug, Clone)]
pub struct OrganizationForCreate {
    pub name: String,
    pub kind: OrganizationKind,
    pub credit_code: String,
    pub region_code: String,
    pub park_level: Option<entities::ParkLevel>,
}

/// Registers an applicant organisation inside the viewer's region.
pub async fn create(
    state: &crate::state::AppState,
    viewer: &Viewer,
    o: OrganizationForCreate,
) -> ApiResult<organization::Model> {
    use entities::Role;
    use sea_orm::{PaginatorTrait, Set};
    if !matches!(
        viewer.role,
        Role::Provincial | Role::Municipal | Role::County
    ) {
        return Err(ApiError::Forbidden(
            "provincial, municipal and county users register organisations".into(),
        ));
    }
    let name = crate::input::text("input.name", &o.name, true, 300)?;
    let credit = super::credit_code::CreditCode::parse(&o.credit_code)
        .map_err(|e| ApiError::bad_input("input.creditCode", e.to_string()))?;
    let code = RegionCode::parse(&o.region_code)
        .map_err(|e| ApiError::bad_input("input.regionCode", e))?;
    let expected = if o.kind == OrganizationKind::CityGovernment {
        RegionLevel::Municipality
    } else {
        RegionLevel::County
    };
    if code.level() != expected {
        return Err(ApiError::bad_input(
            "input.regionCode",
            format!("a {} sits in a {}", o.kind.as_str(), expected.as_str()),
        ));
    }
    let inside = viewer
        .region
        .as_ref()
        .is_some_and(|mine| code.as_str().starts_with(mine.descendant_prefix()));
    if !inside {
        return Err(ApiError::Forbidden(
            "organisations are registered inside the caller's region".into(),
        ));
    }
    if o.park_level.is_some() && o.kind != OrganizationKind::ParkManagementCommittee {
        return Err(ApiError::bad_input(
            "input.parkLevel",
            "only a park management committee has a park level",
        ));
    }
    crate::regions::service::get(&state.db, code.as_str())
        .await
        .map_err(|_| ApiError::bad_input("input.regionCode", "unknown region"))?;
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    let taken = organization::Entity::find()
        .filter(organization::Column::CreditCode.eq(credit.as_str()))
        .count(tx.conn())
        .await?;
    if taken > 0 {
        return Err(ApiError::bad_input(
            "input.creditCode",
            "an organisation with this credit code is registered",
        ));
    }
    let model = tx
        .insert(organization::ActiveModel {
            name: Set(name),
            kind: Set(o.kind),
            credit_code: Set(credit.as_str().to_owned()),
            region_code: Set(code.as_str().to_owned()),
            municipality_code: Set(code.municipality().unwrap_or_else(|| code.province())),
            province_code: Set(code.province()),
            park_level: Set(o.park_level),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await?;
    tx.commit().await?;
    Ok(model)
}

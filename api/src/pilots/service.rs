//! Reading pilots: one query shape for lists, single reads and `node`, always under the
//! viewer's scope.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::paging::{KeyKind, Sort, SortValue, contains_ci};
use crate::regions::code::RegionCode;
use chrono::{DateTime, Utc};
use entities::{PilotStatus, PilotType, RegionLevel, pilot};
use sea_orm::sea_query::SelectStatement;
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

/// The pilots the viewer may read, filtered, and how to count them.
pub struct Listing {
    /// The pilots.
    pub rows: Select<pilot::Entity>,
    /// How many they are, as a statement over the statistics cells (one row, column `n`),
    /// when the scope and every filter read only what the cells hold: region, program, type
    /// and status. `None` (an applicant's scope, a filter by applicant, text or time): the
    /// rows are counted. The cells move in the same statement as the pilots, so the number is
    /// the rows' own, read from a few dozen cells instead of every pilot of the region (6,459
    /// for a municipality at 100,000 pilots).
    pub count_from_cells: Option<SelectStatement>,
}

/// The pilots the viewer may read, filtered: the viewer's scope and every filter given.
pub fn query(viewer: &Viewer, f: &PilotFilter) -> ApiResult<Listing> {
    let mut c = viewer.pilot_scope();
    // Whether every condition so far reads only columns the statistics cells carry.
    let mut cells_hold = viewer.role != entities::Role::Applicant;
    if let Some(id) = f.program_id {
        c = c.add(pilot::Column::ProgramId.eq(id));
    }
    if let Some(types) = &f.types {
        c = c.add(pilot::Column::PilotType.is_in(types.iter().copied()));
    }
    if let Some(statuses) = &f.statuses {
        c = c.add(pilot::Column::Status.is_in(statuses.iter().copied()));
    }
    let region = f
        .region_code
        .as_deref()
        .map(|code| {
            RegionCode::parse(code).map_err(|e| ApiError::bad_input("filter.regionCode", e))
        })
        .transpose()?;
    if let Some(code) = &region {
        c = c.add(crate::auth::scope::pilot_in(code));
    }
    if let Some(id) = f.applicant_id {
        c = c.add(pilot::Column::ApplicantId.eq(id));
        cells_hold = false;
    }
    if let Some(text) = f.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if text.chars().count() > 100 {
            return Err(ApiError::bad_input(
                "filter.search",
                "at most 100 characters",
            ));
        }
        c = c.add(
            Condition::any()
                .add(contains_ci(pilot::Column::Name, text))
                .add(contains_ci(pilot::Column::Code, text)),
        );
        cells_hold = false;
    }
    if let Some(since) = f.updated_since {
        c = c.add(pilot::Column::UpdatedAt.gte(since));
        cells_hold = false;
    }
    let count_from_cells = cells_hold
        .then(|| super::statistics::count(c.clone(), viewer.region.iter().chain(region.as_ref())));
    Ok(Listing {
        rows: pilot::Entity::find().filter(c),
        count_from_cells,
    })
}

/// The sort of a pilot list; ties are broken by id so every row has one place.
pub fn sort(field: PilotOrderField, descending: bool) -> Sort<pilot::Entity> {
    match field {
        PilotOrderField::UpdatedAt => Sort {
            column: pilot::Column::UpdatedAt,
            kind: KeyKind::Time,
            tie_kind: KeyKind::Int,
            tie: pilot::Column::Id,
            descending,
            key_of: |m| (m.updated_at.into(), SortValue::Int(m.id)),
        },
        PilotOrderField::Name => Sort {
            column: pilot::Column::Name,
            kind: KeyKind::Text,
            tie_kind: KeyKind::Int,
            tie: pilot::Column::Id,
            descending,
            key_of: |m| (SortValue::Text(m.name.clone()), SortValue::Int(m.id)),
        },
        PilotOrderField::Code => Sort {
            column: pilot::Column::Code,
            kind: KeyKind::Text,
            tie_kind: KeyKind::Int,
            tie: pilot::Column::Id,
            descending,
            key_of: |m| (SortValue::Text(m.code.clone()), SortValue::Int(m.id)),
        },
    }
}

/// A park's level is the one recorded for its management committee (by officials, audited): a
/// pilot may repeat it, never declare another.
fn check_park_level(
    declared: Option<entities::ParkLevel>,
    pilot_type: PilotType,
    applicant: &entities::organization::Model,
) -> ApiResult<()> {
    match declared {
        None => Ok(()),
        Some(_) if pilot_type != PilotType::Park => Err(ApiError::bad_input(
            "input.parkLevel",
            "only parks have a park level",
        )),
        Some(level) if Some(level) != applicant.park_level => Err(ApiError::bad_input(
            "input.parkLevel",
            format!(
                "a park's level is its organisation's recorded level ({})",
                applicant.park_level.map_or("unrated", |l| l.as_str())
            ),
        )),
        Some(_) => Ok(()),
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

/// A new pilot, as an applicant describes it.
#[derive(Debug, Clone)]
pub struct PilotForCreate {
    pub program_id: i64,
    pub pilot_type: PilotType,
    /// Default: the applicant's own region.
    pub region_code: Option<String>,
    pub name: String,
    pub boundary: String,
    pub area_km2: rust_decimal::Decimal,
    pub population: i64,
    pub baseline_year: i32,
    pub baseline_emissions: rust_decimal::Decimal,
    /// Default: the applicant's recognised park level (parks only).
    pub park_level: Option<entities::ParkLevel>,
    pub eligibility: Eligibility,
}

/// Changes to a DRAFT pilot; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PilotForUpdate {
    pub name: Option<String>,
    pub boundary: Option<String>,
    pub area_km2: Option<rust_decimal::Decimal>,
    pub population: Option<i64>,
    pub baseline_year: Option<i32>,
    pub baseline_emissions: Option<rust_decimal::Decimal>,
    pub park_level: Option<entities::ParkLevel>,
    pub eligibility: Option<Eligibility>,
}

/// The three eligibility declarations; `true` is disqualifying.
#[derive(Debug, Clone, Copy, Default)]
pub struct Eligibility {
    pub has_unmet_carbon_market_obligations: Option<bool>,
    pub has_falsified_emission_data: Option<bool>,
    pub has_serious_pollution_case: Option<bool>,
}

fn check_figures(
    area: rust_decimal::Decimal,
    population: i64,
    year: i32,
    emissions: rust_decimal::Decimal,
) -> ApiResult<()> {
    crate::input::non_negative("input.areaKm2", area)?;
    crate::input::in_range("input.population", population, 0, 100_000_000)?;
    crate::input::in_range("input.baselineYear", i64::from(year), 2000, 2100)?;
    crate::input::non_negative("input.baselineEmissions", emissions)?;
    Ok(())
}

/// Creates a DRAFT pilot for the viewer's organisation.
pub async fn create(
    state: &crate::state::AppState,
    viewer: &Viewer,
    input: PilotForCreate,
) -> ApiResult<pilot::Model> {
    use entities::{organization, program, region};
    use sea_orm::{PaginatorTrait, Set};
    let org_id = match (viewer.role, viewer.org) {
        (entities::Role::Applicant, Some(org)) => org,
        _ => {
            return Err(ApiError::Forbidden(
                "only an applicant organisation creates pilots".into(),
            ));
        }
    };
    let name = crate::input::text("input.name", &input.name, true, 300)?;
    let boundary = crate::input::long_text("input.boundary", &input.boundary, true)?;
    check_figures(
        input.area_km2,
        input.population,
        input.baseline_year,
        input.baseline_emissions,
    )?;
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    let program = program::Entity::find_by_id(input.program_id)
        .filter(viewer.program_scope())
        .one(tx.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("program"))?;
    let applicant = organization::Entity::find_by_id(org_id)
        .one(tx.conn())
        .await?
        .ok_or_else(|| {
            ApiError::Unauthenticated("the token's organisation does not exist".into())
        })?;
    let code = input
        .region_code
        .clone()
        .unwrap_or_else(|| applicant.region_code.clone());
    let code = RegionCode::parse(&code).map_err(|e| ApiError::bad_input("input.regionCode", e))?;
    let region = region::Entity::find_by_id(code.as_str().to_owned())
        .one(tx.conn())
        .await?
        .ok_or_else(|| ApiError::bad_input("input.regionCode", "unknown region"))?;
    let rule = crate::programs::rules::of_type(tx.conn(), program.id, input.pilot_type).await?;
    let park_level = match input.pilot_type {
        PilotType::Park => applicant.park_level,
        _ => None,
    };
    check_park_level(input.park_level, input.pilot_type, &applicant)?;
    super::admission::check(
        rule.as_ref(),
        &super::admission::Application {
            pilot_type: input.pilot_type,
            region: &region,
            applicant: &applicant,
        },
    )?;
    let seq = pilot::Entity::find()
        .filter(pilot::Column::ProgramId.eq(program.id))
        .filter(pilot::Column::PilotType.eq(input.pilot_type))
        .count(tx.conn())
        .await?
        + 1;
    let pilot_code = format!(
        "{}-{}-{}-{seq:04}",
        program.code_prefix,
        chrono::Datelike::year(&program.application_opens_on),
        input.pilot_type.as_str()
    );
    let model = tx
        .insert(pilot::ActiveModel {
            code: Set(pilot_code),
            program_id: Set(program.id),
            applicant_id: Set(applicant.id),
            region_code: Set(region.code.clone()),
            county_code: Set((code.level() == RegionLevel::County).then(|| region.code.clone())),
            municipality_code: Set(code.municipality().unwrap_or_else(|| code.province())),
            province_code: Set(code.province()),
            pilot_type: Set(input.pilot_type),
            status: Set(PilotStatus::Draft),
            name: Set(name),
            boundary: Set(boundary),
            area_km2: Set(entities::Dec(input.area_km2)),
            population: Set(input.population),
            baseline_year: Set(input.baseline_year),
            baseline_emissions: Set(entities::Dec(input.baseline_emissions)),
            park_level: Set(park_level),
            has_unmet_carbon_market_obligations: Set(input
                .eligibility
                .has_unmet_carbon_market_obligations),
            has_falsified_emission_data: Set(input.eligibility.has_falsified_emission_data),
            has_serious_pollution_case: Set(input.eligibility.has_serious_pollution_case),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await?;
    tx.commit().await?;
    Ok(model)
}

/// Changes a DRAFT pilot of the viewer's organisation.
pub async fn update(
    state: &crate::state::AppState,
    viewer: &Viewer,
    id: i64,
    version: i32,
    input: PilotForUpdate,
) -> ApiResult<pilot::Model> {
    use sea_orm::{IntoActiveModel, Set};
    let mut tx = state.write(viewer).await?;
    let p =
        super::editing::editable_pilot(tx.conn(), viewer, id, super::editing::Section::Application)
            .await?;
    if p.version != version {
        return Err(ApiError::Conflict(format!(
            "the pilot changed since you read it (version {version} is now {})",
            p.version
        )));
    }
    check_figures(
        input.area_km2.unwrap_or(p.area_km2.0),
        input.population.unwrap_or(p.population),
        input.baseline_year.unwrap_or(p.baseline_year),
        input.baseline_emissions.unwrap_or(p.baseline_emissions.0),
    )?;
    if input.park_level.is_some() {
        let applicant = entities::organization::Entity::find_by_id(p.applicant_id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| ApiError::internal("pilot without applicant"))?;
        check_park_level(input.park_level, p.pilot_type, &applicant)?;
    }
    let mut m = p.clone().into_active_model();
    if let Some(n) = &input.name {
        m.name = Set(crate::input::text("input.name", n, true, 300)?);
    }
    if let Some(b) = &input.boundary {
        m.boundary = Set(crate::input::long_text("input.boundary", b, true)?);
    }
    if let Some(a) = input.area_km2 {
        m.area_km2 = Set(entities::Dec(a));
    }
    if let Some(n) = input.population {
        m.population = Set(n);
    }
    if let Some(y) = input.baseline_year {
        m.baseline_year = Set(y);
    }
    if let Some(e) = input.baseline_emissions {
        m.baseline_emissions = Set(entities::Dec(e));
    }
    if let Some(e) = input.eligibility {
        m.has_unmet_carbon_market_obligations = Set(e.has_unmet_carbon_market_obligations);
        m.has_falsified_emission_data = Set(e.has_falsified_emission_data);
        m.has_serious_pollution_case = Set(e.has_serious_pollution_case);
    }
    m.version = Set(p.version + 1);
    m.updated_at = Set(tx.now());
    let updated = tx.update("UPDATE", &p, m).await?;
    tx.commit().await?;
    Ok(updated)
}

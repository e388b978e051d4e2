//! Writing indicators: targets are part of the application (DRAFT); actual values are reported
//! during construction and after the title.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::pilots::editing::{Section, editable_pilot, unchanged};
use crate::state::AppState;
use chrono::NaiveDate;
use entities::{Dec, Direction, IndicatorCategory, indicator, indicator_actual, program_indicator};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

/// A new indicator. Name, unit, direction and category may be left out for an indicator of
/// the program's catalogue, which supplies them.
#[derive(Debug, Clone)]
pub struct IndicatorForCreate {
    pub pilot_id: i64,
    pub code: String,
    pub name: Option<String>,
    pub category: Option<IndicatorCategory>,
    pub unit: Option<String>,
    pub direction: Option<Direction>,
    pub baseline_value: Decimal,
    pub target_value: Decimal,
    pub target_year: i32,
}

/// What an indicator is, once checked against the catalogue.
struct Definition {
    name: String,
    unit: String,
    direction: Direction,
    category: IndicatorCategory,
}

/// The definition of a new indicator: the catalogue's where it lists the code (what the
/// applicant gives must agree with it), the applicant's otherwise — and then never a
/// constraint where the program keeps a catalogue, for constraints are the program's to set.
fn define(i: &IndicatorForCreate, catalogue: &[program_indicator::Model]) -> ApiResult<Definition> {
    let entry = catalogue.iter().find(|c| c.code == i.code.trim());
    let Some(entry) = entry else {
        let required = |field: &str| ApiError::bad_input(field, "is required");
        let category = i.category.ok_or_else(|| required("input.category"))?;
        if !catalogue.is_empty() && category == IndicatorCategory::Constraint {
            return Err(ApiError::bad_input(
                "input.category",
                format!(
                    "constraint indicators come from the program's catalogue ({})",
                    catalogue
                        .iter()
                        .map(|c| c.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        return Ok(Definition {
            name: input::text(
                "input.name",
                i.name.as_deref().ok_or_else(|| required("input.name"))?,
                true,
                300,
            )?,
            unit: input::text(
                "input.unit",
                i.unit.as_deref().ok_or_else(|| required("input.unit"))?,
                true,
                40,
            )?,
            direction: i.direction.ok_or_else(|| required("input.direction"))?,
            category,
        });
    };
    let differs = |field: &str, what: &str| {
        ApiError::bad_input(
            field,
            format!(
                "the program's catalogue sets {what} of {} (leave it out)",
                entry.code
            ),
        )
    };
    if i.category.is_some_and(|c| c != entry.category) {
        return Err(differs("input.category", "the category"));
    }
    if i.direction.is_some_and(|d| d != entry.direction) {
        return Err(differs("input.direction", "the direction"));
    }
    if i.unit.as_deref().is_some_and(|u| u.trim() != entry.unit) {
        return Err(differs("input.unit", "the unit"));
    }
    if i.name.as_deref().is_some_and(|n| n.trim() != entry.name) {
        return Err(differs("input.name", "the name"));
    }
    Ok(Definition {
        name: entry.name.clone(),
        unit: entry.unit.clone(),
        direction: entry.direction,
        category: entry.category,
    })
}

/// Adds a target to a DRAFT pilot of the viewer's organisation.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    i: IndicatorForCreate,
) -> ApiResult<indicator::Model> {
    let code = crate::programs::catalogues::code("input.code", &i.code)?;
    input::in_range("input.targetYear", i64::from(i.target_year), 2000, 2100)?;
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    let pilot = editable_pilot(tx.conn(), viewer, i.pilot_id, Section::Application).await?;
    let catalogue = crate::programs::catalogues::indicators_of_type(
        tx.conn(),
        pilot.program_id,
        pilot.pilot_type,
    )
    .await?;
    let Definition {
        name,
        unit,
        direction,
        category,
    } = define(&i, &catalogue)?;
    let taken = indicator::Entity::find()
        .filter(indicator::Column::PilotId.eq(i.pilot_id))
        .filter(indicator::Column::Code.eq(code.as_str()))
        .count(tx.conn())
        .await?;
    if taken > 0 {
        return Err(ApiError::bad_input(
            "input.code",
            format!("the pilot already has an indicator {code}"),
        ));
    }
    let model = tx
        .insert(indicator::ActiveModel {
            pilot_id: Set(i.pilot_id),
            code: Set(code),
            name: Set(name),
            category: Set(category),
            unit: Set(unit),
            direction: Set(direction),
            baseline_value: Set(Dec(i.baseline_value)),
            target_value: Set(Dec(i.target_value)),
            target_year: Set(i.target_year),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await?;
    tx.commit().await?;
    Ok(model)
}

/// Reports an actual value of an indicator for the period ending on `period_end`.
pub async fn report_actual(
    state: &AppState,
    viewer: &Viewer,
    indicator_id: i64,
    period_end: NaiveDate,
    value: Decimal,
    note: &str,
) -> ApiResult<(indicator::Model, indicator_actual::Model)> {
    let note = input::long_text("input.note", note, false)?;
    let now = state.clock.now();
    if period_end > crate::clock::china_date(now) {
        return Err(ApiError::bad_input(
            "input.periodEnd",
            "a period that has not ended has no actual value",
        ));
    }
    // Checked before the write lock, on the pool; under the lock the insert itself confirms
    // that the pilot has not changed since, and the check runs again if it has.
    for _ in 0..WRITE_ATTEMPTS {
        let ind = indicator::Entity::find_by_id(indicator_id)
            .filter(indicator::Column::PilotId.in_subquery(viewer.visible_pilot_ids()))
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::not_found("indicator"))?;
        let pilot = editable_pilot(&state.db, viewer, ind.pilot_id, Section::Actuals).await?;
        let mut tx = state.write(viewer).await?;
        let actual = indicator_actual::ActiveModel {
            indicator_id: Set(ind.id),
            pilot_id: Set(ind.pilot_id),
            period_end: Set(period_end),
            value: Set(Dec(value)),
            note: Set(note.clone()),
            reported_by: Set(viewer.sub.clone()),
            created_at: Set(now),
            ..Default::default()
        };
        if let Some(model) = tx.insert_if(actual, unchanged(&pilot)).await? {
            tx.commit().await?;
            return Ok((ind, model));
        }
    }
    Err(ApiError::Conflict(
        "the pilot kept changing while the value was reported; try again".into(),
    ))
}

/// How many times a write checked before the lock is tried before it gives up with
/// `CONFLICT` (each try that fails found the pilot changed by another writer).
const WRITE_ATTEMPTS: usize = 3;

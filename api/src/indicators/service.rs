//! Writing indicators: targets are part of the application (DRAFT); actual values are reported
//! during construction and after the title.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::pilots::editing::{Section, editable_pilot};
use crate::state::AppState;
use chrono::NaiveDate;
use entities::{Dec, Direction, IndicatorCategory, indicator, indicator_actual};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

/// A new indicator.
#[derive(Debug, Clone)]
pub struct IndicatorForCreate {
    pub pilot_id: i64,
    pub code: String,
    pub name: String,
    pub category: IndicatorCategory,
    pub unit: String,
    pub direction: Direction,
    pub baseline_value: Decimal,
    pub target_value: Decimal,
    pub target_year: i32,
}

/// Adds a target to a DRAFT pilot of the viewer's organisation.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    i: IndicatorForCreate,
) -> ApiResult<indicator::Model> {
    let code = input::text("input.code", &i.code, true, 40)?;
    if !code
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(ApiError::bad_input(
            "input.code",
            "letters, digits, '-', '_' and '.' only",
        ));
    }
    let name = input::text("input.name", &i.name, true, 300)?;
    let unit = input::text("input.unit", &i.unit, true, 40)?;
    input::in_range("input.targetYear", i64::from(i.target_year), 2000, 2100)?;
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    editable_pilot(tx.conn(), viewer, i.pilot_id, Section::Application).await?;
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
            category: Set(i.category),
            unit: Set(unit),
            direction: Set(i.direction),
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
) -> ApiResult<indicator_actual::Model> {
    let note = input::long_text("input.note", note, false)?;
    let now = state.clock.now();
    if period_end > crate::clock::china_date(now) {
        return Err(ApiError::bad_input(
            "input.periodEnd",
            "a period that has not ended has no actual value",
        ));
    }
    let mut tx = state.write(viewer).await?;
    let ind = indicator::Entity::find_by_id(indicator_id)
        .filter(indicator::Column::PilotId.in_subquery(viewer.visible_pilot_ids()))
        .one(tx.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("indicator"))?;
    editable_pilot(tx.conn(), viewer, ind.pilot_id, Section::Actuals).await?;
    let model = tx
        .insert(indicator_actual::ActiveModel {
            indicator_id: Set(ind.id),
            pilot_id: Set(ind.pilot_id),
            period_end: Set(period_end),
            value: Set(Dec(value)),
            note: Set(note),
            reported_by: Set(viewer.sub.clone()),
            created_at: Set(now),
            ..Default::default()
        })
        .await?;
    tx.commit().await?;
    Ok(model)
}

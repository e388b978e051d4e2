//! Writing key projects of the viewer's pilots.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::pilots::editing::{Section, editable_pilot, editable_record};
use crate::state::AppState;
use chrono::NaiveDate;
use entities::{Dec, ProjectField, ProjectStatus, key_project};
use rust_decimal::Decimal;
use sea_orm::{IntoActiveModel, Set};

/// The fields of a key project; on update, absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ProjectFields {
    pub name: Option<String>,
    pub field: Option<ProjectField>,
    pub planned_investment: Option<Decimal>,
    pub expected_annual_reduction: Option<Decimal>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub status: Option<ProjectStatus>,
    pub progress_percent: Option<i32>,
}

/// Statuses a project may move to from `from`.
fn may_move(from: ProjectStatus, to: ProjectStatus) -> bool {
    use ProjectStatus::*;
    from == to
        || matches!(
            (from, to),
            (Planned, InProgress | Cancelled)
                | (InProgress, Completed | Suspended | Cancelled)
                | (Suspended, InProgress | Cancelled)
        )
}

fn apply(
    m: &mut key_project::ActiveModel,
    current: Option<&key_project::Model>,
    f: ProjectFields,
) -> ApiResult<()> {
    if let Some(n) = f.name {
        m.name = Set(input::text("input.name", &n, true, 300)?);
    }
    if let Some(v) = f.field {
        m.field = Set(v);
    }
    if let Some(d) = f.planned_investment {
        m.planned_investment = Set(Dec(input::money("input.plannedInvestment", d)?));
    }
    if let Some(d) = f.expected_annual_reduction {
        m.expected_annual_reduction = Set(Dec(input::non_negative(
            "input.expectedAnnualReduction",
            d,
        )?));
    }
    if f.starts_on.is_some() {
        m.starts_on = Set(f.starts_on);
    }
    if f.ends_on.is_some() {
        m.ends_on = Set(f.ends_on);
    }
    if let (Some(s), Some(e)) = (m.starts_on.as_ref(), m.ends_on.as_ref())
        && e < s
    {
        return Err(ApiError::bad_input(
            "input.endsOn",
            "must not be before startsOn",
        ));
    }
    if let Some(s) = f.status {
        let from = current.map_or(ProjectStatus::Planned, |c| c.status);
        if !may_move(from, s) {
            return Err(ApiError::bad_input(
                "input.status",
                format!("a {} project cannot become {}", from.as_str(), s.as_str()),
            ));
        }
        m.status = Set(s);
    }
    if let Some(p) = f.progress_percent {
        m.progress_percent =
            Set(input::in_range("input.progressPercent", i64::from(p), 0, 100)? as i32);
    }
    if *m.status.as_ref() == ProjectStatus::Completed && *m.progress_percent.as_ref() != 100 {
        return Err(ApiError::bad_input(
            "input.progressPercent",
            "a completed project is 100 % done",
        ));
    }
    Ok(())
}

/// Adds a key project to a pilot of the viewer's organisation.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    pilot_id: i64,
    f: ProjectFields,
) -> ApiResult<key_project::Model> {
    if f.name.is_none() || f.field.is_none() || f.planned_investment.is_none() {
        return Err(ApiError::bad_input(
            "input",
            "name, field and plannedInvestment are required",
        ));
    }
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    editable_pilot(tx.conn(), viewer, pilot_id, Section::ProjectsAndFinancing).await?;
    let mut m = key_project::ActiveModel {
        pilot_id: Set(pilot_id),
        expected_annual_reduction: Set(Dec(Decimal::ZERO)),
        status: Set(ProjectStatus::Planned),
        progress_percent: Set(0),
        starts_on: Set(None),
        ends_on: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut m, None, f)?;
    let model = tx.insert(m).await?;
    tx.commit().await?;
    Ok(model)
}

/// Changes a key project of a pilot of the viewer's organisation.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    version: i32,
    f: ProjectFields,
) -> ApiResult<key_project::Model> {
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    let current = editable_record::<key_project::Entity>(
        tx.conn(),
        viewer,
        id,
        version,
        Section::ProjectsAndFinancing,
    )
    .await?;
    let mut m = current.clone().into_active_model();
    apply(&mut m, Some(&current), f)?;
    m.version = Set(version + 1);
    m.updated_at = Set(now);
    let model = tx.update("UPDATE", &current, m).await?;
    tx.commit().await?;
    Ok(model)
}

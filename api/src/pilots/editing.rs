//! What an applicant may change, and when. Decided once here; documented in the README.
//!
//! | what | while the pilot is |
//! |---|---|
//! | the application: name, boundary, area, population, baseline, park level, declarations, indicator targets | DRAFT (a returned application is DRAFT again) |
//! | plans (new versions, publishing) | DRAFT, DESIGNATED, TITLED |
//! | actual values of indicators | DESIGNATED, TITLED |
//! | key projects and financing sources | any state but REJECTED, WITHDRAWN, REVOKED |
//! | annual reports and emission disclosures | DESIGNATED to TITLED |
//!
//! Program, type and region never change: a different application is a new pilot. While the
//! application is under review (SUBMITTED to IN_PUBLIC_NOTICE) and while an acceptance
//! attempt is open, what reviewers are judging stays still.

use crate::audit::writer::Audited;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use entities::{PilotStatus, Role, pilot};
use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A part of a pilot an applicant edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Application,
    Plans,
    Actuals,
    ProjectsAndFinancing,
    Reports,
}

impl Section {
    /// Whether this section may change while the pilot is in `status`.
    pub fn editable_in(self, status: PilotStatus) -> bool {
        use PilotStatus::*;
        match self {
            Section::Application => status == Draft,
            Section::Plans => matches!(status, Draft | Designated | Titled),
            Section::Actuals => matches!(status, Designated | Titled),
            Section::ProjectsAndFinancing => !matches!(status, Rejected | Withdrawn | Revoked),
            Section::Reports => crate::supervision::tracking::TRACKED.contains(&status),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Section::Application => "the application",
            Section::Plans => "plans",
            Section::Actuals => "actual values",
            Section::ProjectsAndFinancing => "projects and financing",
            Section::Reports => "annual reports",
        }
    }
}

/// Finds a pilot the viewer may edit `section` of: visible (`NOT_FOUND`), the viewer's own
/// organisation's (`FORBIDDEN` for anyone else), in a state that allows it
/// (`INVALID_TRANSITION`).
pub async fn editable_pilot(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    pilot_id: i64,
    section: Section,
) -> ApiResult<pilot::Model> {
    let p = pilot::Entity::find_by_id(pilot_id)
        .filter(viewer.pilot_scope())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("pilot"))?;
    if viewer.role != Role::Applicant || viewer.org != Some(p.applicant_id) {
        return Err(ApiError::Forbidden(
            "only the applicant organisation edits its pilot".into(),
        ));
    }
    if !section.editable_in(p.status) {
        return Err(ApiError::InvalidTransition(format!(
            "{} cannot change while the pilot is {}",
            section.describe(),
            p.status.as_str()
        )));
    }
    Ok(p)
}

/// Holds while the pilot is as `p` was read: every change to a pilot raises its version, so
/// a write checked against `p` before the write lock may go ahead under the lock on this
/// alone (see `WriteTx::insert_if`).
pub fn unchanged(p: &pilot::Model) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(pilot::Entity)
            .and_where(pilot::Column::Id.eq(p.id))
            .and_where(pilot::Column::Version.eq(p.version))
            .to_owned(),
    )
}

/// A record with an optimistic-lock version.
pub trait Versioned {
    fn version(&self) -> i32;
}

macro_rules! versioned {
    ($($m:ident),+) => {$(
        impl Versioned for entities::$m::Model {
            fn version(&self) -> i32 {
                self.version
            }
        }
    )+};
}

versioned!(plan, key_project, financing_source);

/// Finds a record of one of the viewer's pilots that the viewer may edit `section` of, at
/// the `version` the caller read (`NOT_FOUND`, `FORBIDDEN`, `INVALID_TRANSITION` as for the
/// pilot; `CONFLICT` when stale).
pub async fn editable_record<E>(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i64,
    version: i32,
    section: Section,
) -> ApiResult<E::Model>
where
    E: EntityTrait,
    E::Model: Audited + Versioned,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    let what = E::Model::KIND.name();
    let record = E::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("{what} not found")))?;
    let pilot = record
        .pilot_of()
        .ok_or_else(|| ApiError::internal("record without pilot"))?;
    editable_pilot(db, viewer, pilot, section)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound(format!("{what} not found")),
            other => other,
        })?;
    if record.version() != version {
        return Err(ApiError::Conflict(format!(
            "the {what} changed since you read it (version {version} is now {})",
            record.version()
        )));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_designation_only_progress_may_change() {
        assert!(!Section::Application.editable_in(PilotStatus::Designated));
        assert!(Section::Actuals.editable_in(PilotStatus::Designated));
        assert!(Section::ProjectsAndFinancing.editable_in(PilotStatus::AcceptanceForwarded));
        assert!(!Section::Actuals.editable_in(PilotStatus::AcceptanceForwarded));
        assert!(!Section::Plans.editable_in(PilotStatus::Submitted));
        assert!(!Section::ProjectsAndFinancing.editable_in(PilotStatus::Revoked));
    }
}

//! Tracking notes: during and after construction, the municipal bureaus of the pilot's city
//! and the bureaus that fill the program's recommender or issuing-authority steps record how
//! the pilot is going (Shandong: 过程跟踪 by the city; Hechi: 属地生态环境、相关主管部门加强过程跟踪).

use crate::auth::{COMPILING_DEPARTMENT, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::workflow::service::{Governed, governed};
use crate::workflow::transitions::{Actor, Chain};
use entities::{PilotStatus, Role, tracking_note};
use sea_orm::Set;

/// States in which a pilot is under construction or holds its title.
pub const TRACKED: [PilotStatus; 4] = [
    PilotStatus::Designated,
    PilotStatus::AcceptanceRequested,
    PilotStatus::AcceptanceForwarded,
    PilotStatus::Titled,
];

/// Whether the viewer follows pilots of `chain` under construction: a bureau of the pilot's
/// city, or of whoever fills the recommender or issuing-authority step — of the lead or the
/// compiling department. (Scope has already placed the pilot in the viewer's region.)
pub fn follows(viewer: &Viewer, chain: &Chain) -> bool {
    let follows = viewer.role == Role::Municipal
        || chain.filled_by(viewer, Actor::Recommender)
        || chain.filled_by(viewer, Actor::IssuingAuthority);
    let bureau = viewer.is_lead_for(&chain.lead_departments)
        || viewer.dept.as_deref() == Some(COMPILING_DEPARTMENT);
    follows && bureau
}

/// Writes a tracking note on a pilot the viewer follows.
pub async fn add(
    state: &AppState,
    viewer: &Viewer,
    pilot_id: i64,
    body: &str,
) -> ApiResult<tracking_note::Model> {
    let body = crate::input::long_text("input.body", body, true)?;
    let mut tx = state.write(viewer).await?;
    let Governed { pilot, chain, .. } = governed(tx.conn(), viewer, pilot_id).await?;
    if !follows(viewer, &chain) {
        return Err(ApiError::Forbidden(
            "tracking notes are written by the city's bureaus and the program's recommender and issuing authority".into(),
        ));
    }
    if !TRACKED.contains(&pilot.status) {
        return Err(ApiError::RuleViolation(format!(
            "tracking notes follow construction: the pilot is {}",
            pilot.status
        )));
    }
    let note = tx
        .insert(tracking_note::ActiveModel {
            pilot_id: Set(pilot.id),
            body: Set(body),
            author_sub: Set(viewer.sub.clone()),
            author_name: Set(viewer.name.clone()),
            created_at: Set(tx.now()),
            ..Default::default()
        })
        .await?;
    tx.commit().await?;
    Ok(note)
}

//! Applying an action of the transition table to a pilot, in one write transaction: load the
//! pilot in the viewer's scope with what governs it, authorise the action by the table and the
//! program's chain, check the caller's version, let the action (`super::actions`) check its
//! preconditions and record what it produces, then move the pilot and record the workflow
//! event. Anything refused rolls back: nothing changes.

use super::actions::{self, Action, Step};
use super::transitions;
use crate::audit::writer::WriteTx;
use crate::auth::Viewer;
use crate::clock::china_date;
use crate::error::{ApiError, ApiResult};
use crate::input::long_text as text;
use crate::state::AppState;
use entities::*;
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

pub use super::actions::{QUOTA_STATES, Review};

/// A request to act on a pilot.
#[derive(Debug, Clone)]
pub struct Act {
    pub pilot_id: i64,
    pub version: i32,
    pub comment: String,
    pub action: Action,
}

/// What an applied action produced.
#[derive(Debug, Clone)]
pub struct Applied {
    pub pilot: pilot::Model,
    pub event: workflow_event::Model,
}

/// Applies an action in a write of its own and, once committed, tells the event relay.
#[tracing::instrument(skip(state, viewer, act), fields(action = %act.action.kind(), pilot = act.pilot_id, sub = %viewer.sub))]
pub async fn apply(state: &AppState, viewer: &Viewer, act: Act) -> ApiResult<Applied> {
    let mut tx = state.write(viewer).await?;
    let applied = apply_in(&mut tx, viewer, act).await?;
    tx.commit().await?;
    state.events.committed();
    Ok(applied)
}

/// Applies an action inside an open write, at the write's instant (the seed replays a
/// pilot's history through here under a fixed clock); see the module documentation.
pub async fn apply_in(tx: &mut WriteTx, viewer: &Viewer, act: Act) -> ApiResult<Applied> {
    let comment = text("comment", &act.comment, false)?;
    let now = tx.now();
    let governed = governed(tx.conn(), viewer, act.pilot_id).await?;
    let kind = act.action.kind();
    let row = transitions::authorize(viewer, kind, governed.pilot.status, &governed.chain)?;
    let pilot = &governed.pilot;
    if pilot.version != act.version {
        return Err(ApiError::Conflict(format!(
            "the pilot changed since you read it (version {} is now {})",
            act.version, pilot.version
        )));
    }
    let mut step = Step {
        update: pilot.clone().into_active_model(),
        tx: &mut *tx,
        viewer,
        governed: &governed,
        comment: comment.clone(),
        now,
        today: china_date(now),
    };
    let outcome = actions::perform(&mut step, act.action).await?;
    let mut update = step.update;

    let to = row.target(outcome);
    if to == PilotStatus::Draft {
        // A returned application is reopened: its notice and review dates no longer apply.
        update.notice_starts_on = Set(None);
        update.notice_ends_on = Set(None);
    }
    update.status = Set(to);
    update.version = Set(pilot.version + 1);
    update.updated_at = Set(now);
    // Writers hold the write lock, so the version checked above cannot have moved since.
    let updated = tx.update(kind.as_str(), pilot, update).await?;
    let event = tx
        .insert(workflow_event::ActiveModel {
            pilot_id: Set(pilot.id),
            action: Set(kind),
            from_status: Set(pilot.status),
            to_status: Set(to),
            actor_sub: Set(viewer.sub.clone()),
            actor_role: Set(viewer.role),
            actor_region: Set(viewer.region.as_ref().map(|r| r.to_string())),
            actor_name: Set(viewer.name.clone()),
            comment: Set(comment),
            occurred_at: Set(now),
            ..Default::default()
        })
        .await?;
    Ok(Applied {
        pilot: updated,
        event,
    })
}

/// A pilot in the viewer's scope with the program that governs it, its type's rule and chain.
pub struct Governed {
    pub pilot: pilot::Model,
    pub program: program::Model,
    pub type_rule: crate::programs::rules::TypeRule,
    pub chain: transitions::Chain,
}

/// Reads a pilot in the viewer's scope (`NOT_FOUND` otherwise) with what governs it.
pub async fn governed(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    pilot_id: i64,
) -> ApiResult<Governed> {
    let pilot = pilot::Entity::find_by_id(pilot_id)
        .filter(viewer.pilot_scope())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("pilot"))?;
    let program = program::Entity::find_by_id(pilot.program_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("pilot without program"))?;
    let type_rule = crate::programs::rules::of_type(db, program.id, pilot.pilot_type)
        .await?
        .ok_or_else(|| ApiError::internal("pilot type without rule"))?;
    let chain = type_rule.chain(&program);
    Ok(Governed {
        pilot,
        program,
        type_rule,
        chain,
    })
}

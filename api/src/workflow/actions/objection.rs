//! `recordObjection` and `resolveObjection`: objections received during the public notice
//! (first and last day included, never in the future), upheld or dismissed.

use super::Step;
use crate::error::{ApiError, ApiResult};
use crate::input::long_text as text;
use crate::workflow::transitions::Outcome;
use chrono::NaiveDate;
use entities::{ObjectionStatus, objection, pilot};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

pub(super) async fn record(
    step: &mut Step<'_>,
    received_on: Option<NaiveDate>,
    objector: &str,
    content: &str,
) -> ApiResult<Outcome> {
    let received = received_on.unwrap_or(step.today);
    check_within_notice(&step.governed.pilot, received, step.today)?;
    step.tx
        .insert(objection::ActiveModel {
            pilot_id: Set(step.governed.pilot.id),
            received_on: Set(received),
            objector: Set(text("input.objector", objector, true)?
                .chars()
                .take(300)
                .collect()),
            content: Set(text("input.content", content, true)?),
            status: Set(ObjectionStatus::Open),
            version: Set(1),
            created_at: Set(step.now),
            updated_at: Set(step.now),
            ..Default::default()
        })
        .await?;
    Ok(Outcome::AsTable)
}

pub(super) async fn resolve(
    step: &mut Step<'_>,
    objection_id: i64,
    upheld: bool,
    resolution: &str,
) -> ApiResult<Outcome> {
    let o = objection::Entity::find_by_id(objection_id)
        .filter(objection::Column::PilotId.eq(step.governed.pilot.id))
        .one(step.tx.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("objection"))?;
    if o.status != ObjectionStatus::Open {
        return Err(ApiError::InvalidTransition(
            "the objection is already resolved".into(),
        ));
    }
    let mut m = o.clone().into_active_model();
    m.status = Set(if upheld {
        ObjectionStatus::Upheld
    } else {
        ObjectionStatus::Dismissed
    });
    m.resolution = Set(Some(text("input.resolution", resolution, true)?));
    m.resolved_at = Set(Some(step.now));
    m.version = Set(o.version + 1);
    m.updated_at = Set(step.now);
    step.tx.update("UPDATE", &o, m).await?;
    Ok(Outcome::AsTable)
}

/// An objection counts only when it was received during the public notice, and not later
/// than today.
fn check_within_notice(
    pilot: &pilot::Model,
    received: NaiveDate,
    today: NaiveDate,
) -> ApiResult<()> {
    let (Some(starts), Some(ends)) = (pilot.notice_starts_on, pilot.notice_ends_on) else {
        return Err(ApiError::internal(
            "a pilot in public notice without notice dates",
        ));
    };
    if received > today {
        return Err(ApiError::bad_input(
            "input.receivedOn",
            "an objection cannot be received in the future",
        ));
    }
    if received < starts || received > ends {
        return Err(ApiError::RuleViolation(format!(
            "objections are received during the public notice, {starts} to {ends}; {received} is outside it"
        )));
    }
    Ok(())
}

//! `designatePilot`: after a public notice, from the day after it ends with no open or upheld
//! objection received during it; without a notice stage, on the recommendation.

use super::Step;
use crate::error::{ApiError, ApiResult};
use crate::workflow::transitions::Outcome;
use chrono::NaiveDate;
use entities::{ObjectionStatus, objection, pilot};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub(super) async fn run(step: &mut Step<'_>) -> ApiResult<Outcome> {
    if step.governed.chain.public_notice {
        check_notice_over(step.tx.conn(), &step.governed.pilot, step.today).await?;
    }
    step.update.designated_at = Set(Some(step.now));
    Ok(Outcome::AsTable)
}

async fn check_notice_over(
    db: &impl ConnectionTrait,
    pilot: &pilot::Model,
    today: NaiveDate,
) -> ApiResult<()> {
    let ends = pilot
        .notice_ends_on
        .ok_or_else(|| ApiError::internal("notice without end"))?;
    if today <= ends {
        return Err(ApiError::RuleViolation(format!(
            "the public notice runs until {ends}; designate from the next day"
        )));
    }
    let starts = pilot.notice_starts_on.unwrap_or(ends);
    let blocking = objection::Entity::find()
        .filter(objection::Column::PilotId.eq(pilot.id))
        .filter(objection::Column::ReceivedOn.between(starts, ends))
        .filter(objection::Column::Status.is_in([ObjectionStatus::Open, ObjectionStatus::Upheld]))
        .one(db)
        .await?;
    match blocking.map(|o| o.status) {
        None => Ok(()),
        Some(ObjectionStatus::Upheld) => Err(ApiError::RuleViolation(
            "an objection was upheld; the pilot cannot be designated".into(),
        )),
        Some(_) => Err(ApiError::RuleViolation(
            "an objection is still open; resolve it first".into(),
        )),
    }
}

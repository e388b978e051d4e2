//! `recordReReview`: the issuing authority's periodic check of a titled pilot — MAINTAINED,
//! RECTIFY (with a deadline) or REVOKED (the title is removed).

use crate::error::{ApiError, ApiResult};
use crate::workflow::actions::{Step, future_deadline};
use crate::workflow::transitions::Outcome;
use chrono::NaiveDate;
use entities::{ReReviewOutcome, ReviewResult, acceptance_record, re_review};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

pub async fn run(
    step: &mut Step<'_>,
    outcome: ReReviewOutcome,
    reviewed_on: Option<NaiveDate>,
    rectification_deadline: Option<NaiveDate>,
) -> ApiResult<Outcome> {
    let pilot_id = step.governed.pilot.id;
    let titled = acceptance_record::Entity::find()
        .filter(acceptance_record::Column::PilotId.eq(pilot_id))
        .filter(acceptance_record::Column::Decision.eq(ReviewResult::Pass))
        .order_by_desc(acceptance_record::Column::Attempt)
        .one(step.tx.conn())
        .await?
        .ok_or_else(|| ApiError::internal("titled pilot without a passed acceptance"))?;
    let deadline = match outcome {
        ReReviewOutcome::Rectify => {
            let d = rectification_deadline.ok_or_else(|| {
                ApiError::bad_input(
                    "input.rectificationDeadline",
                    "a RECTIFY outcome needs a deadline",
                )
            })?;
            Some(future_deadline(step.today, d)?)
        }
        _ => None,
    };
    step.tx
        .insert(re_review::ActiveModel {
            pilot_id: Set(pilot_id),
            acceptance_record_id: Set(titled.id),
            reviewed_on: Set(reviewed_on.unwrap_or(step.today)),
            outcome: Set(outcome),
            rectification_deadline: Set(deadline),
            comment: Set(step.comment.clone()),
            reviewer_sub: Set(step.viewer.sub.clone()),
            created_at: Set(step.now),
            ..Default::default()
        })
        .await?;
    step.update.rectification_deadline = Set(deadline);
    if outcome == ReReviewOutcome::Revoked {
        step.update.title = Set(None);
        return Ok(Outcome::TitleRevoked);
    }
    Ok(Outcome::AsTable)
}

//! `recordExpertReview`: the issuing authority's experts review the application; a FAIL
//! rejects it.

use super::{Review, Step, check_review, stored_names};
use crate::error::ApiResult;
use crate::workflow::transitions::Outcome;
use entities::{Dec, ReviewResult, expert_review};
use sea_orm::Set;

pub(super) async fn run(step: &mut Step<'_>, r: Review) -> ApiResult<Outcome> {
    check_review("input", &r)?;
    step.tx
        .insert(expert_review::ActiveModel {
            pilot_id: Set(step.governed.pilot.id),
            result: Set(r.result),
            score: Set(r.score.map(Dec)),
            comments: Set(r.comments.trim().into()),
            expert_names: Set(stored_names(&r)),
            reviewed_on: Set(r.reviewed_on.unwrap_or(step.today)),
            reviewer_sub: Set(step.viewer.sub.clone()),
            created_at: Set(step.now),
            ..Default::default()
        })
        .await?;
    Ok(match r.result {
        ReviewResult::Pass => Outcome::AsTable,
        ReviewResult::Fail => Outcome::ExpertReviewFailed,
    })
}

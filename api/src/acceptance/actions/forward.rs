//! `forwardAcceptance`: the recommender sends the request on to the issuing authority.

use super::{bump, current_attempt};
use crate::error::ApiResult;
use crate::workflow::actions::Step;
use crate::workflow::transitions::Outcome;
use sea_orm::{IntoActiveModel, Set};

pub async fn run(step: &mut Step<'_>) -> ApiResult<Outcome> {
    let before = current_attempt(step.tx.conn(), step.governed.pilot.id).await?;
    let mut rec = before.clone().into_active_model();
    rec.forwarded_at = Set(Some(step.now));
    rec.forward_comment = Set(Some(step.comment.clone()));
    bump(&mut rec, step.now);
    step.tx.update("UPDATE", &before, rec).await?;
    Ok(Outcome::AsTable)
}

//! `recordAcceptanceReview`: the experts' data review and the on-site verification of the
//! open attempt.

use super::{bump, current_attempt};
use crate::error::ApiResult;
use crate::input::long_text as text;
use crate::workflow::actions::{Review, Step, check_review, stored_names};
use crate::workflow::transitions::Outcome;
use entities::Dec;
use sea_orm::{IntoActiveModel, Set};

pub async fn run(step: &mut Step<'_>, r: Review) -> ApiResult<Outcome> {
    check_review("input", &r)?;
    let before = current_attempt(step.tx.conn(), step.governed.pilot.id).await?;
    let mut rec = before.clone().into_active_model();
    rec.review_result = Set(Some(r.result));
    rec.review_score = Set(r.score.map(Dec));
    rec.review_comments = Set(Some(r.comments.trim().into()));
    rec.expert_names = Set(Some(stored_names(&r)));
    rec.site_visit_on = Set(r.site_visit_on);
    rec.site_findings = Set(r
        .site_findings
        .as_deref()
        .map(|f| text("input.siteFindings", f, false))
        .transpose()?);
    bump(&mut rec, step.now);
    step.tx.update("UPDATE", &before, rec).await?;
    Ok(Outcome::AsTable)
}

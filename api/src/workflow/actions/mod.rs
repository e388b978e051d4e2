//! One file per lifecycle action. Each checks what the action needs beyond the transition
//! table and records what it produces, inside the write that `service::apply_in` opened and on
//! the pilot update it prepared; the service then moves the pilot and records the event.
//! Actions whose only rule is the table — withdraw, endorse, return, reject — need no file.
//! The acceptance actions live in `crate::acceptance::actions`.

mod designate;
mod expert_review;
mod objection;
mod public_notice;
mod recommend;
mod submit;

pub use recommend::QUOTA_STATES;

use super::service::Governed;
use super::transitions::Outcome;
use crate::acceptance::actions as acceptance;
use crate::audit::writer::WriteTx;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::input::long_text as text;
use chrono::{DateTime, NaiveDate, Utc};
use entities::{ReReviewOutcome, ReviewResult, WorkflowAction, pilot};
use rust_decimal::Decimal;

/// An expert review: of an application, or of an acceptance attempt's data.
#[derive(Debug, Clone)]
pub struct Review {
    pub result: ReviewResult,
    pub score: Option<Decimal>,
    pub comments: String,
    pub expert_names: Vec<String>,
    pub reviewed_on: Option<NaiveDate>,
    pub site_visit_on: Option<NaiveDate>,
    pub site_findings: Option<String>,
}

/// An action on a pilot with the details it carries, so an action cannot be built without
/// its details or with another's.
#[derive(Debug, Clone)]
pub enum Action {
    Submit,
    Withdraw,
    Endorse,
    Recommend,
    Return,
    Reject,
    RecordExpertReview(Review),
    StartPublicNotice {
        starts_on: Option<NaiveDate>,
    },
    RecordObjection {
        received_on: Option<NaiveDate>,
        objector: String,
        content: String,
    },
    ResolveObjection {
        objection_id: i64,
        upheld: bool,
        resolution: String,
    },
    Designate,
    RequestAcceptance {
        self_assessment: String,
    },
    ForwardAcceptance,
    RecordAcceptanceReview(Review),
    DecideAcceptance {
        result: ReviewResult,
        rectification_deadline: Option<NaiveDate>,
    },
    ReReview {
        outcome: ReReviewOutcome,
        reviewed_on: Option<NaiveDate>,
        rectification_deadline: Option<NaiveDate>,
    },
}

impl Action {
    /// The row of the transition table the action takes.
    pub fn kind(&self) -> WorkflowAction {
        use WorkflowAction as W;
        match self {
            Action::Submit => W::Submit,
            Action::Withdraw => W::Withdraw,
            Action::Endorse => W::Endorse,
            Action::Recommend => W::Recommend,
            Action::Return => W::Return,
            Action::Reject => W::Reject,
            Action::RecordExpertReview(_) => W::RecordExpertReview,
            Action::StartPublicNotice { .. } => W::StartPublicNotice,
            Action::RecordObjection { .. } => W::RecordObjection,
            Action::ResolveObjection { .. } => W::ResolveObjection,
            Action::Designate => W::Designate,
            Action::RequestAcceptance { .. } => W::RequestAcceptance,
            Action::ForwardAcceptance => W::ForwardAcceptance,
            Action::RecordAcceptanceReview(_) => W::RecordAcceptanceReview,
            Action::DecideAcceptance { .. } => W::DecideAcceptance,
            Action::ReReview { .. } => W::ReReview,
        }
    }
}

/// What an action works on: the open write, who acts, the pilot with what governs it, and the
/// update the service will apply to the pilot.
pub struct Step<'a> {
    pub tx: &'a mut WriteTx,
    pub viewer: &'a Viewer,
    pub governed: &'a Governed,
    pub update: pilot::ActiveModel,
    /// The caller's comment, checked.
    pub comment: String,
    pub now: DateTime<Utc>,
    /// The China date of `now`.
    pub today: NaiveDate,
}

/// Performs the action's own part; returns which outcome of its table row it led to.
pub async fn perform(step: &mut Step<'_>, action: Action) -> ApiResult<Outcome> {
    match action {
        Action::Withdraw | Action::Endorse | Action::Return | Action::Reject => {
            Ok(Outcome::AsTable)
        }
        Action::Submit => submit::run(step).await,
        Action::Recommend => recommend::run(step).await,
        Action::RecordExpertReview(r) => expert_review::run(step, r).await,
        Action::StartPublicNotice { starts_on } => public_notice::run(step, starts_on).await,
        Action::RecordObjection {
            received_on,
            objector,
            content,
        } => objection::record(step, received_on, &objector, &content).await,
        Action::ResolveObjection {
            objection_id,
            upheld,
            resolution,
        } => objection::resolve(step, objection_id, upheld, &resolution).await,
        Action::Designate => designate::run(step).await,
        Action::RequestAcceptance { self_assessment } => {
            acceptance::request::run(step, &self_assessment).await
        }
        Action::ForwardAcceptance => acceptance::forward::run(step).await,
        Action::RecordAcceptanceReview(r) => acceptance::review::run(step, r).await,
        Action::DecideAcceptance {
            result,
            rectification_deadline,
        } => acceptance::decide::run(step, result, rectification_deadline).await,
        Action::ReReview {
            outcome,
            reviewed_on,
            rectification_deadline,
        } => acceptance::re_review::run(step, outcome, reviewed_on, rectification_deadline).await,
    }
}

/// Expert names as stored: trimmed, comma-separated (commas inside names are refused).
pub(crate) fn stored_names(r: &Review) -> String {
    r.expert_names
        .iter()
        .map(|n| n.trim())
        .collect::<Vec<_>>()
        .join(",")
}

/// A review's score is 0 to 100, its experts named, its comments plain text.
pub(crate) fn check_review(field: &str, r: &Review) -> ApiResult<()> {
    if let Some(score) = r.score
        && (score < Decimal::ZERO || score > Decimal::from(100))
    {
        return Err(ApiError::bad_input(
            format!("{field}.score"),
            "must be between 0 and 100",
        ));
    }
    if r.expert_names.is_empty()
        || r.expert_names
            .iter()
            .any(|n| n.trim().is_empty() || n.contains(',') || n.chars().count() > 50)
    {
        return Err(ApiError::bad_input(
            format!("{field}.expertNames"),
            "one or more names of at most 50 characters, without commas",
        ));
    }
    text(&format!("{field}.comments"), &r.comments, false)?;
    Ok(())
}

/// A deadline given for rectification must fall after today.
pub(crate) fn future_deadline(today: NaiveDate, deadline: NaiveDate) -> ApiResult<NaiveDate> {
    if deadline <= today {
        return Err(ApiError::bad_input(
            "input.rectificationDeadline",
            "must be after today",
        ));
    }
    Ok(deadline)
}

//! Objects of review and acceptance. Expert names and scores are hidden from applicants until
//! the decision they feed is made (`crate::auth::redaction`); `reveal` is computed once where
//! the object is built.

use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{
    ObjectionStatus, ReReviewOutcome, ReviewResult, acceptance_record, expert_review, objection,
    re_review, tracking_note,
};

/// The provincial expert review of an application.
pub struct ExpertReview {
    pub model: expert_review::Model,
    /// Whether names and score may be shown to this viewer.
    pub reveal: bool,
}

#[Object]
impl ExpertReview {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ExpertReview, self.model.id)
    }
    async fn result(&self) -> ReviewResult {
        self.model.result
    }
    /// Hidden from applicants until the pilot is designated or rejected.
    async fn score(&self) -> Option<Decimal> {
        self.reveal
            .then_some(self.model.score.map(|s| Decimal(s.0)))
            .flatten()
    }
    async fn comments(&self) -> &str {
        &self.model.comments
    }
    /// Hidden from applicants until the pilot is designated or rejected.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn expert_names(&self) -> Option<Vec<String>> {
        self.reveal.then(|| names(&self.model.expert_names))
    }
    async fn reviewed_on(&self) -> Date {
        self.model.reviewed_on.into()
    }
}

fn names(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(Into::into)
        .collect()
}

/// An objection received during public notice.
pub struct Objection(pub objection::Model);

#[Object]
impl Objection {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Objection, self.0.id)
    }
    async fn received_on(&self) -> Date {
        self.0.received_on.into()
    }
    async fn objector(&self) -> &str {
        &self.0.objector
    }
    async fn content(&self) -> &str {
        &self.0.content
    }
    async fn status(&self) -> ObjectionStatus {
        self.0.status
    }
    async fn resolution(&self) -> Option<&str> {
        self.0.resolution.as_deref()
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// The verdict of the indicator rule and the numbers behind it.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct AcceptanceVerdict {
    pub constraint_met: i32,
    pub constraint_total: i32,
    pub reference_met: i32,
    pub reference_total: i32,
    pub required_ratio: Decimal,
    pub required_min_count: i32,
    pub result: ReviewResult,
}

/// One acceptance attempt.
pub struct AcceptanceRecord {
    pub model: acceptance_record::Model,
    /// Whether expert names and score may be shown to this viewer.
    pub reveal: bool,
    pub re_reviews: Vec<re_review::Model>,
}

#[Object(serial)]
impl AcceptanceRecord {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AcceptanceRecord, self.model.id)
    }
    /// 1 for the first attempt, 2 after a failed one, ...
    async fn attempt(&self) -> i32 {
        self.model.attempt
    }
    async fn requested_on(&self) -> Date {
        self.model.requested_on.into()
    }
    /// The applicant's self-assessment report.
    async fn self_assessment(&self) -> &str {
        &self.model.self_assessment
    }
    async fn forwarded_at(&self) -> Option<DateTime<Utc>> {
        self.model.forwarded_at
    }
    async fn forward_comment(&self) -> Option<&str> {
        self.model.forward_comment.as_deref()
    }
    /// Result of the experts' data review.
    async fn review_result(&self) -> Option<ReviewResult> {
        self.model.review_result
    }
    /// Hidden from applicants until the decision.
    async fn review_score(&self) -> Option<Decimal> {
        self.reveal
            .then_some(self.model.review_score.map(|s| Decimal(s.0)))
            .flatten()
    }
    async fn review_comments(&self) -> Option<&str> {
        self.model.review_comments.as_deref()
    }
    /// Hidden from applicants until the decision.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn expert_names(&self) -> Option<Vec<String>> {
        self.reveal
            .then(|| self.model.expert_names.as_deref().map(names))
            .flatten()
    }
    async fn site_visit_on(&self) -> Option<Date> {
        self.model.site_visit_on.map(Date)
    }
    async fn site_findings(&self) -> Option<&str> {
        self.model.site_findings.as_deref()
    }
    /// The indicator rule applied when the decision was taken.
    async fn verdict(&self) -> Option<AcceptanceVerdict> {
        let m = &self.model;
        Some(AcceptanceVerdict {
            constraint_met: m.constraint_met?,
            constraint_total: m.constraint_total?,
            reference_met: m.reference_met?,
            reference_total: m.reference_total?,
            required_ratio: Decimal(m.required_ratio?.0),
            required_min_count: m.required_min_count?,
            result: m.computed_verdict?,
        })
    }
    /// The indicators as they stood when the verdict was computed (JSON).
    async fn indicator_snapshot(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        let text = self.model.indicator_snapshot.as_deref()?;
        serde_json::from_str(text).ok().map(async_graphql::Json)
    }
    /// The provincial decision.
    async fn decision(&self) -> Option<ReviewResult> {
        self.model.decision
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.model.decided_at
    }
    async fn decision_comment(&self) -> Option<&str> {
        self.model.decision_comment.as_deref()
    }
    /// The title awarded on a pass.
    async fn title_awarded(&self) -> Option<&str> {
        self.model.title_awarded.as_deref()
    }
    /// After a failed attempt: by when the pilot must rectify.
    async fn rectification_deadline(&self) -> Option<Date> {
        self.model.rectification_deadline.map(Date)
    }
    /// Spot checks after the title was awarded.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn re_reviews(&self) -> Vec<ReReview> {
        self.re_reviews.iter().cloned().map(ReReview).collect()
    }
    async fn version(&self) -> i32 {
        self.model.version
    }
}

/// A spot check of a titled pilot.
pub struct ReReview(pub re_review::Model);

#[Object]
impl ReReview {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ReReview, self.0.id)
    }
    async fn reviewed_on(&self) -> Date {
        self.0.reviewed_on.into()
    }
    async fn outcome(&self) -> ReReviewOutcome {
        self.0.outcome
    }
    async fn rectification_deadline(&self) -> Option<Date> {
        self.0.rectification_deadline.map(Date)
    }
    async fn comment(&self) -> &str {
        &self.0.comment
    }
}

/// A note of the municipal bureau's process tracking.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct TrackingNote {
    pub body: String,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<tracking_note::Model> for TrackingNote {
    fn from(m: tracking_note::Model) -> Self {
        TrackingNote {
            body: m.body,
            author_name: m.author_name,
            created_at: m.created_at,
        }
    }
}

//! The lifecycle mutations: each parses its input and hands one [`Act`] to the service.

use super::actions::{Action, Review};
use super::service::{self, Act, Applied};
use super::types::WorkflowEvent;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use crate::pilots::types::Pilot;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entities::{ReReviewOutcome, ReviewResult};

/// A transition that needs nothing but the pilot, the version read, and a comment.
#[derive(InputObject)]
pub struct TransitionInput {
    pub pilot_id: ID,
    /// The pilot's `version` as read; a stale one is refused with `CONFLICT`.
    pub version: i32,
    #[graphql(default)]
    pub comment: String,
}

/// `recordExpertReview`: the provincial expert review of an application.
#[derive(InputObject)]
pub struct RecordExpertReviewInput {
    pub pilot_id: ID,
    pub version: i32,
    /// PASS moves the pilot to EXPERT_REVIEWED; FAIL rejects it.
    pub result: ReviewResult,
    /// 0 to 100.
    pub score: Option<Decimal>,
    #[graphql(default)]
    pub comments: String,
    pub expert_names: Vec<String>,
    /// Default: today.
    pub reviewed_on: Option<Date>,
    #[graphql(default)]
    pub comment: String,
}

/// `startPublicNotice`.
#[derive(InputObject)]
pub struct StartPublicNoticeInput {
    pub pilot_id: ID,
    pub version: i32,
    /// First day of the notice (default: today); it lasts the program's working days.
    pub starts_on: Option<Date>,
    #[graphql(default)]
    pub comment: String,
}

/// `recordObjection`: an objection received during public notice.
#[derive(InputObject)]
pub struct RecordObjectionInput {
    pub pilot_id: ID,
    pub version: i32,
    /// Default: today.
    pub received_on: Option<Date>,
    pub objector: String,
    pub content: String,
}

/// `resolveObjection`: uphold or dismiss an open objection.
#[derive(InputObject)]
pub struct ResolveObjectionInput {
    pub pilot_id: ID,
    pub version: i32,
    pub objection_id: ID,
    /// An upheld objection bars designation.
    pub upheld: bool,
    pub resolution: String,
}

/// `requestAcceptance`: the applicant's request with its self-assessment.
#[derive(InputObject)]
pub struct RequestAcceptanceInput {
    pub pilot_id: ID,
    pub version: i32,
    pub self_assessment: String,
    #[graphql(default)]
    pub comment: String,
}

/// `recordAcceptanceReview`: the experts' data review and the site visit.
#[derive(InputObject)]
pub struct RecordAcceptanceReviewInput {
    pub pilot_id: ID,
    pub version: i32,
    pub result: ReviewResult,
    /// 0 to 100.
    pub score: Option<Decimal>,
    #[graphql(default)]
    pub comments: String,
    pub expert_names: Vec<String>,
    pub site_visit_on: Option<Date>,
    pub site_findings: Option<String>,
}

/// `decideAcceptance`: the provincial decision.
#[derive(InputObject)]
pub struct DecideAcceptanceInput {
    pub pilot_id: ID,
    pub version: i32,
    /// PASS is refused with RULE_VIOLATION unless the program's indicator rule holds.
    pub result: ReviewResult,
    /// On FAIL: by when to rectify (default: 90 days).
    pub rectification_deadline: Option<Date>,
    #[graphql(default)]
    pub comment: String,
}

/// `recordReReview`: a spot check of a titled pilot.
#[derive(InputObject)]
pub struct RecordReReviewInput {
    pub pilot_id: ID,
    pub version: i32,
    pub outcome: ReReviewOutcome,
    /// Default: today.
    pub reviewed_on: Option<Date>,
    /// Required for RECTIFY.
    pub rectification_deadline: Option<Date>,
    #[graphql(default)]
    pub comment: String,
}

/// What a lifecycle mutation returns.
#[derive(SimpleObject)]
pub struct PilotTransitionPayload {
    /// The pilot after the action.
    pub pilot: Pilot,
    /// The workflow event recorded.
    pub event: WorkflowEvent,
}

impl From<Applied> for PilotTransitionPayload {
    fn from(a: Applied) -> Self {
        PilotTransitionPayload {
            pilot: Pilot::from(a.pilot),
            event: WorkflowEvent(a.event),
        }
    }
}

async fn run(
    ctx: &Context<'_>,
    pilot_id: &ID,
    version: i32,
    comment: String,
    action: Action,
) -> Result<PilotTransitionPayload> {
    let viewer = ctx.viewer()?;
    let pilot_id = ids::parse_id(pilot_id, Kind::Pilot, "input.pilotId")?;
    let act = Act {
        pilot_id,
        version,
        comment,
        action,
    };
    Ok(service::apply(ctx.state(), viewer, act).await?.into())
}

async fn simple(
    ctx: &Context<'_>,
    input: TransitionInput,
    action: Action,
) -> Result<PilotTransitionPayload> {
    run(ctx, &input.pilot_id, input.version, input.comment, action).await
}

fn review(
    result: ReviewResult,
    score: Option<Decimal>,
    comments: String,
    expert_names: Vec<String>,
) -> Review {
    Review {
        result,
        score: score.map(|d| d.0),
        comments,
        expert_names,
        reviewed_on: None,
        site_visit_on: None,
        site_findings: None,
    }
}

#[derive(Default)]
pub struct WorkflowMutation;

#[Object]
impl WorkflowMutation {
    /// Applicant: submit a DRAFT inside the application window, with a published creation plan
    /// and research report and no disqualifying declaration.
    async fn submit_pilot(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<PilotTransitionPayload> {
        simple(ctx, input, Action::Submit).await
    }
    /// Applicant: withdraw any time before designation.
    async fn withdraw_pilot(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<PilotTransitionPayload> {
        simple(ctx, input, Action::Withdraw).await
    }
    /// County: endorse a submitted non-CITY application.
    async fn endorse_pilot(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<PilotTransitionPayload> {
        simple(ctx, input, Action::Endorse).await
    }
    /// Municipal: recommend to the province, within the municipality's quota for the type.
    async fn recommend_pilot(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<PilotTransitionPayload> {
        simple(ctx, input, Action::Recommend).await
    }
    /// County or municipal reviewer: return the application to DRAFT for revision.
    async fn return_pilot(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<PilotTransitionPayload> {
        simple(ctx, input, Action::Return).await
    }
    /// A reviewer: reject the application.
    async fn reject_pilot(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<PilotTransitionPayload> {
        simple(ctx, input, Action::Reject).await
    }
    /// Provincial: record the expert review of a recommended application.
    async fn record_expert_review(
        &self,
        ctx: &Context<'_>,
        input: RecordExpertReviewInput,
    ) -> Result<PilotTransitionPayload> {
        let mut r = review(
            input.result,
            input.score,
            input.comments,
            input.expert_names,
        );
        r.reviewed_on = input.reviewed_on.map(|d| d.0);
        run(
            ctx,
            &input.pilot_id,
            input.version,
            input.comment,
            Action::RecordExpertReview(r),
        )
        .await
    }
    /// Provincial: start the public notice; it ends after the program's working days.
    async fn start_public_notice(
        &self,
        ctx: &Context<'_>,
        input: StartPublicNoticeInput,
    ) -> Result<PilotTransitionPayload> {
        let action = Action::StartPublicNotice {
            starts_on: input.starts_on.map(|d| d.0),
        };
        run(ctx, &input.pilot_id, input.version, input.comment, action).await
    }
    /// Provincial: record an objection received during the notice.
    async fn record_objection(
        &self,
        ctx: &Context<'_>,
        input: RecordObjectionInput,
    ) -> Result<PilotTransitionPayload> {
        let action = Action::RecordObjection {
            received_on: input.received_on.map(|d| d.0),
            objector: input.objector,
            content: input.content,
        };
        run(ctx, &input.pilot_id, input.version, String::new(), action).await
    }
    /// Provincial: uphold or dismiss an objection.
    async fn resolve_objection(
        &self,
        ctx: &Context<'_>,
        input: ResolveObjectionInput,
    ) -> Result<PilotTransitionPayload> {
        let objection_id =
            ids::parse_id(&input.objection_id, Kind::Objection, "input.objectionId")?;
        let action = Action::ResolveObjection {
            objection_id,
            upheld: input.upheld,
            resolution: input.resolution,
        };
        run(ctx, &input.pilot_id, input.version, String::new(), action).await
    }
    /// Provincial: designate after the notice has ended with no open or upheld objection.
    async fn designate_pilot(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<PilotTransitionPayload> {
        simple(ctx, input, Action::Designate).await
    }
    /// Applicant: request acceptance (from the start of construction) with a self-assessment.
    async fn request_acceptance(
        &self,
        ctx: &Context<'_>,
        input: RequestAcceptanceInput,
    ) -> Result<PilotTransitionPayload> {
        let action = Action::RequestAcceptance {
            self_assessment: input.self_assessment,
        };
        run(ctx, &input.pilot_id, input.version, input.comment, action).await
    }
    /// Municipal: forward the acceptance request to the province.
    async fn forward_acceptance(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<PilotTransitionPayload> {
        simple(ctx, input, Action::ForwardAcceptance).await
    }
    /// Provincial: record the experts' data review and the site visit.
    async fn record_acceptance_review(
        &self,
        ctx: &Context<'_>,
        input: RecordAcceptanceReviewInput,
    ) -> Result<PilotTransitionPayload> {
        let mut r = review(
            input.result,
            input.score,
            input.comments,
            input.expert_names,
        );
        r.site_visit_on = input.site_visit_on.map(|d| d.0);
        r.site_findings = input.site_findings;
        run(
            ctx,
            &input.pilot_id,
            input.version,
            String::new(),
            Action::RecordAcceptanceReview(r),
        )
        .await
    }
    /// Provincial: decide. The verdict of the indicator rule and its numbers are stored.
    async fn decide_acceptance(
        &self,
        ctx: &Context<'_>,
        input: DecideAcceptanceInput,
    ) -> Result<PilotTransitionPayload> {
        let action = Action::DecideAcceptance {
            result: input.result,
            rectification_deadline: input.rectification_deadline.map(|d| d.0),
        };
        run(ctx, &input.pilot_id, input.version, input.comment, action).await
    }
    /// Provincial: re-review a titled pilot: MAINTAINED, RECTIFY (with a deadline) or REVOKED.
    async fn record_re_review(
        &self,
        ctx: &Context<'_>,
        input: RecordReReviewInput,
    ) -> Result<PilotTransitionPayload> {
        let action = Action::ReReview {
            outcome: input.outcome,
            reviewed_on: input.reviewed_on.map(|d| d.0),
            rectification_deadline: input.rectification_deadline.map(|d| d.0),
        };
        run(ctx, &input.pilot_id, input.version, input.comment, action).await
    }
}

#[derive(Default)]
pub struct WorkflowSubscription;

#[async_graphql::Subscription]
impl WorkflowSubscription {
    /// Workflow events of a program as they commit, for the pilots the subscriber may see
    /// (the same scope as reads), whichever replica committed them. With `after` (the
    /// `event.id` last received), the events committed since come first, in order: a
    /// subscriber that reconnects misses nothing and sees nothing twice. Over
    /// graphql-transport-ws; the token goes in the `connection_init` payload as
    /// `{"Authorization": "Bearer …"}`.
    async fn pilot_events(
        &self,
        ctx: &Context<'_>,
        program_id: ID,
        after: Option<ID>,
    ) -> Result<impl futures_util::Stream<Item = PilotTransitionPayload> + use<>> {
        let viewer = ctx.viewer()?.clone();
        let state = ctx.state().clone();
        let program_id = ids::parse_id(&program_id, Kind::Program, "programId")?;
        crate::programs::service::get(&state.db, &viewer, program_id).await?;
        let after = after
            .map(|a| ids::parse_id(&a, Kind::WorkflowEvent, "after"))
            .transpose()?;
        // Live events are received from now on; those before are read from the database.
        let feed = Feed {
            live: state.events.subscribe(),
            catching_up: after.is_some(),
            last: after.unwrap_or(0),
            backlog: std::collections::VecDeque::new(),
            state,
            viewer,
            program_id,
        };
        Ok(futures_util::stream::unfold(feed, |mut feed| async move {
            let payload = feed.next().await?;
            Some((payload, feed))
        }))
    }
}

/// One subscriber's events: first those committed after the event it resumes from, then
/// live ones, each once, in commit order, in its scope.
struct Feed {
    live: tokio::sync::broadcast::Receiver<crate::workflow::events::PilotEvent>,
    /// Still reading what was committed before the subscription.
    catching_up: bool,
    /// The last event considered.
    last: i64,
    backlog: std::collections::VecDeque<crate::workflow::events::PilotEvent>,
    state: crate::state::AppState,
    viewer: crate::auth::Viewer,
    program_id: i64,
}

impl Feed {
    async fn next(&mut self) -> Option<PilotTransitionPayload> {
        use sea_orm::{EntityTrait, QueryFilter};
        use tokio::sync::broadcast::error::RecvError;
        loop {
            if self.backlog.is_empty() && self.catching_up {
                match crate::workflow::events::after(&self.state.db, self.last).await {
                    Ok(page) if page.is_empty() => self.catching_up = false,
                    Ok(page) => self.backlog.extend(page),
                    Err(e) => {
                        tracing::error!(error = ?e, "a subscriber could not read the events it missed");
                        return None;
                    }
                }
                continue;
            }
            let ev = match self.backlog.pop_front() {
                Some(ev) => ev,
                None => match self.live.recv().await {
                    Ok(ev) => ev,
                    Err(RecvError::Lagged(missed)) => {
                        // Read what was missed from the database.
                        tracing::warn!(
                            missed,
                            "a subscriber fell behind; reading the events it missed"
                        );
                        self.catching_up = true;
                        continue;
                    }
                    Err(RecvError::Closed) => return None,
                },
            };
            if ev.event.id <= self.last {
                continue;
            }
            self.last = ev.event.id;
            if ev.pilot.program_id != self.program_id {
                continue;
            }
            let visible = entities::pilot::Entity::find_by_id(ev.pilot.id)
                .filter(self.viewer.pilot_scope())
                .one(&self.state.db)
                .await;
            match visible {
                Ok(Some(_)) => {
                    return Some(PilotTransitionPayload {
                        pilot: Pilot::from(ev.pilot),
                        event: WorkflowEvent(ev.event),
                    });
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "scope check for a subscriber failed"),
            }
        }
    }
}

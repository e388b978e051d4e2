//! `addTrackingNote`, `submitAnnualReport` and `workQueue`.

use super::queue::{self, WorkReason};
use crate::acceptance::types::TrackingNote;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Date;
use crate::ids::{self, Kind};
use crate::pilots::types::Pilot;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entities::WorkflowAction;

/// `addTrackingNote`.
#[derive(InputObject)]
pub struct AddTrackingNoteInput {
    pub pilot_id: ID,
    pub body: String,
}

/// `submitAnnualReport`: a pilot's report for a year that has ended.
#[derive(InputObject)]
pub struct SubmitAnnualReportInput {
    pub pilot_id: ID,
    pub kind: entities::ReportKind,
    /// The calendar year reported.
    pub year: i32,
    pub summary: String,
    /// The year's emissions, tonnes of CO2 equivalent (required for a disclosure).
    #[graphql(name = "emissionsTco2e")]
    pub emissions_tco2e: Option<crate::graphql::scalars::Decimal>,
    /// Where the disclosure was published.
    pub published_url: Option<String>,
}

/// What `submitAnnualReport` returns.
#[derive(SimpleObject)]
pub struct AnnualReportPayload {
    pub annual_report: super::types::AnnualReport,
}

/// What `addTrackingNote` returns.
#[derive(SimpleObject)]
pub struct TrackingNotePayload {
    pub tracking_note: TrackingNote,
}

/// One pilot the viewer should act on now.
#[derive(SimpleObject)]
pub struct WorkItem {
    pub pilot: Pilot,
    pub reason: WorkReason,
    /// The steps the viewer may take that move the pilot on.
    pub actions: Vec<WorkflowAction>,
    /// The date the step fell or falls due, where the program sets one.
    pub due_on: Option<Date>,
    /// For `REPORT_OVERDUE`: the report that is missing, and its year.
    pub report_kind: Option<entities::ReportKind>,
    pub report_year: Option<i32>,
}

#[derive(Default)]
pub struct SupervisionQuery;

#[Object]
impl SupervisionQuery {
    /// What the caller must act on now — applications awaiting its review, notices that have
    /// ended, acceptances waiting, re-reviews due, reports overdue, drafts to submit — oldest
    /// pilot first
    /// (`first`: default 100, at most 500).
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn work_queue(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<WorkItem>> {
        let viewer = ctx.viewer()?;
        let limit = crate::input::in_range("first", i64::from(first.unwrap_or(100)), 1, 500)?;
        Ok(queue::of(ctx.state(), viewer, limit as usize)
            .await?
            .into_iter()
            .map(|i| WorkItem {
                pilot: Pilot::from(i.pilot),
                reason: i.reason,
                actions: i.actions,
                due_on: i.due_on.map(Date),
                report_kind: i.report.map(|r| r.kind),
                report_year: i.report.map(|r| r.year),
            })
            .collect())
    }
}

#[derive(Default)]
pub struct SupervisionMutation;

#[Object]
impl SupervisionMutation {
    /// The city's bureaus, and the program's recommender and issuing authority: record how a
    /// pilot under construction (or titled) is going.
    async fn add_tracking_note(
        &self,
        ctx: &Context<'_>,
        input: AddTrackingNoteInput,
    ) -> Result<TrackingNotePayload> {
        let viewer = ctx.viewer()?;
        let pilot_id = ids::parse_id(&input.pilot_id, Kind::Pilot, "input.pilotId")?;
        let note = super::tracking::add(ctx.state(), viewer, pilot_id, &input.body).await?;
        Ok(TrackingNotePayload {
            tracking_note: note.into(),
        })
    }

    /// Applicant: file the pilot's progress report or emission disclosure for a year that
    /// has ended (designated to titled pilots; once per kind and year).
    async fn submit_annual_report(
        &self,
        ctx: &Context<'_>,
        input: SubmitAnnualReportInput,
    ) -> Result<AnnualReportPayload> {
        let viewer = ctx.viewer()?;
        let report = super::reports::ReportForSubmit {
            pilot_id: ids::parse_id(&input.pilot_id, Kind::Pilot, "input.pilotId")?,
            kind: input.kind,
            year: input.year,
            summary: input.summary,
            emissions_tco2e: input.emissions_tco2e.map(|d| d.0),
            published_url: input.published_url,
        };
        Ok(AnnualReportPayload {
            annual_report: super::types::AnnualReport(
                super::reports::submit(ctx.state(), viewer, report).await?,
            ),
        })
    }
}

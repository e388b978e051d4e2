//! The `Pilot` object and the arguments of the `pilots` list.

use super::service::{PilotFilter as Filter, PilotOrderField};
use crate::acceptance::types::{AcceptanceRecord, ExpertReview, Objection, TrackingNote};
use crate::audit::history::Snapshot;
use crate::audit::writer::Audited;
use crate::auth::redaction::{reveal_acceptance_review, reveal_expert_review};
use crate::error::ApiError;
use crate::financing::types::{FinancingSource, FinancingTotals};
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{Grouped, Loaders};
use crate::graphql::records::{self, Record, Records};
use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use crate::indicators::types::Indicator;
use crate::organizations::types::Organization;
use crate::plans::types::Plan;
use crate::programs::rules::TypeRule;
use crate::programs::types::Program;
use crate::projects::types::KeyProject;
use crate::regions::types::{self as region_types, Region};
use crate::supervision::types::{AnnualReport, ReportObligation};
use crate::workflow::transitions;
use crate::workflow::types::WorkflowEvent;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::*;
use entities::{Columns, PartialRow};
use std::sync::Arc;

/// Narrows the `pilots` list; every filter given must hold.
#[derive(InputObject, Default)]
pub struct PilotFilter {
    pub program_id: Option<ID>,
    /// One type or several.
    pub r#type: Option<Vec<PilotType>>,
    /// One status or several.
    pub status: Option<Vec<PilotStatus>>,
    /// A province, municipality or county code: the pilots inside that region.
    pub region_code: Option<String>,
    pub applicant_id: Option<ID>,
    /// Text contained in the name or the code, case-insensitive.
    pub search: Option<String>,
    /// Only pilots whose own record changed at or after this instant (for changes to their
    /// plans, indicators, projects or financing, follow the `changes` feed).
    pub updated_since: Option<DateTime<Utc>>,
}

impl PilotFilter {
    /// Parses the ids of the filter.
    pub fn parse(self) -> Result<Filter, ApiError> {
        Ok(Filter {
            program_id: self
                .program_id
                .map(|id| ids::parse_id(&id, Kind::Program, "filter.programId"))
                .transpose()?,
            types: self.r#type,
            statuses: self.status,
            region_code: self.region_code,
            applicant_id: self
                .applicant_id
                .map(|id| ids::parse_id(&id, Kind::Organization, "filter.applicantId"))
                .transpose()?,
            search: self.search,
            updated_since: self.updated_since,
        })
    }
}

/// Sort direction.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    Asc,
    #[default]
    Desc,
}

/// How to order the `pilots` list (default: most recently updated first).
#[derive(InputObject)]
pub struct PilotOrder {
    pub field: PilotOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// The applicant's eligibility declarations; `true` is disqualifying, absent is undeclared.
#[derive(SimpleObject)]
pub struct Eligibility {
    /// Key emitters in the area have unmet carbon-market obligations.
    pub has_unmet_carbon_market_obligations: Option<bool>,
    /// Carbon emission data were falsified.
    pub has_falsified_emission_data: Option<bool>,
    /// A serious pollution case or major environmental emergency in the past three years.
    pub has_serious_pollution_case: Option<bool>,
}

/// One demonstration creation: as it is now, or as it stood at an instant (then its nested
/// records come from the same instant's snapshot instead of the live tables).
pub struct Pilot {
    pub model: pilot::Model,
    snapshot: Option<Arc<Snapshot>>,
}

impl From<pilot::Model> for Pilot {
    fn from(model: pilot::Model) -> Self {
        Pilot {
            model,
            snapshot: None,
        }
    }
}

impl Pilot {
    /// An indicator of this pilot; in a snapshot, with the actual values of the snapshot.
    fn indicator(&self, model: indicator::Model) -> Indicator {
        match &self.snapshot {
            Some(s) => {
                let actuals = s
                    .rows::<indicator_actual::Model>()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|a| a.indicator_id == model.id)
                    .collect();
                Indicator::with_actuals(model, actuals)
            }
            None => Indicator::from(model),
        }
    }

    /// The pilot as a snapshot rebuilt from the audit trail shows it.
    pub fn as_of(snapshot: Snapshot) -> Self {
        Pilot {
            model: snapshot.pilot.clone(),
            snapshot: Some(Arc::new(snapshot)),
        }
    }
}

impl Pilot {
    /// The program the pilot belongs to (one batched read per request).
    async fn governing_program(&self, ctx: &Context<'_>) -> Result<program::Model> {
        Ok(ctx
            .loaders()
            .one::<program::Entity>(self.model.program_id)
            .await?
            .ok_or_else(|| ApiError::internal("pilot without program"))?)
    }

    async fn children<E: Grouped<Key = i64>>(&self, ctx: &Context<'_>) -> Result<Vec<E::Model>>
    where
        E::Model: Send + Sync + Clone + Audited + serde::de::DeserializeOwned,
    {
        if let Some(s) = &self.snapshot {
            return Ok(s.rows::<E::Model>()?);
        }
        Ok(ctx
            .data_unchecked::<Loaders>()
            .children::<E>(self.model.id)
            .await?)
    }

    /// The children of `E` as [`Pilot::children`] reads them, holding `columns` at least.
    async fn children_reading<E: Grouped<Key = i64>>(
        &self,
        ctx: &Context<'_>,
        columns: Columns,
    ) -> Result<Vec<E::Model>>
    where
        E::Model: Send + Sync + Clone + Audited + serde::de::DeserializeOwned + PartialRow,
    {
        if let Some(s) = &self.snapshot {
            return Ok(s.rows::<E::Model>()?);
        }
        Ok(ctx
            .data_unchecked::<Loaders>()
            .children_reading::<E>(self.model.id, columns)
            .await?)
    }
}

crate::graphql::records::record_object! {
    #[Object]
    impl Pilot(model: pilot::Model)
    // What the resolvers below read of the pilot: a page of pilots asking for them reads
    // these columns and its leaves', not the other twenty (tests/api/records.rs holds them to it).
    reads {
        program: program_id;
        applicant: applicant_id;
        region: region_code;
        municipality: municipality_code;
        province: province_code;
        eligibility: has_unmet_carbon_market_obligations, has_falsified_emission_data,
            has_serious_pollution_case;
        plans: id;
        indicators: id;
        key_projects: id;
        financing_sources: id;
        financing_totals: id;
        expert_reviews: id, status;
        objections: id;
        acceptance_records: id;
        tracking_notes: id;
        annual_reports: id;
        report_obligations: id, program_id, status, designated_at;
        available_actions: program_id, pilot_type, status;
        history: id;
        workflow_events: id;
    }
    {
        pub id: ID = |id| ids::encode(Kind::Pilot, *id);
        /// Human code, e.g. `SD-2023-PARK-0007`.
        code: &str = |code| code;
        name: &str = |name| name;
        r#type: PilotType = |pilot_type| *pilot_type;
        status: PilotStatus = |status| *status;
        /// Changes with every update; mutations take the version they read.
        version: i32 = |version| *version;
        created_at: DateTime<Utc> = |created_at| *created_at;
        updated_at: DateTime<Utc> = |updated_at| *updated_at;
        /// Description of the boundary.
        boundary: &str = |boundary| boundary;
        area_km2: Decimal = |area_km2| Decimal(area_km2.0);
        /// Population, or head-count for a campus or venue.
        population: i64 = |population| *population;
        baseline_year: i32 = |baseline_year| *baseline_year;
        /// Baseline emissions, tCO₂e.
        baseline_emissions: Decimal = |baseline_emissions| Decimal(baseline_emissions.0);
        /// For parks: the level at which the park is recognised.
        park_level: Option<ParkLevel> = |park_level| *park_level;
        notice_starts_on: Option<Date> = |notice_starts_on| (*notice_starts_on).map(Date);
        /// Last working day of the public notice.
        notice_ends_on: Option<Date> = |notice_ends_on| (*notice_ends_on).map(Date);
        designated_at: Option<DateTime<Utc>> = |designated_at| *designated_at;
        /// After a failed acceptance or a RECTIFY re-review: by when to rectify.
        rectification_deadline: Option<Date> = |rectification_deadline| (*rectification_deadline).map(Date);
        /// The title held, once awarded (absent again after revocation).
        title: Option<&str> = |title| title.as_deref();
    }

    async fn program(&self, ctx: &Context<'_>) -> Result<Program> {
        Ok(Program(self.governing_program(ctx).await?))
    }
    /// The applicant organisation.
    async fn applicant(&self, ctx: &Context<'_>) -> Result<Record<Organization>> {
        let row = ctx
            .data_unchecked::<Loaders>()
            .one_reading::<organization::Entity>(
                self.model.applicant_id,
                records::columns::<Organization>(ctx),
            )
            .await?
            .ok_or_else(|| ApiError::internal("pilot without applicant"))?;
        Ok(Record(Organization(row)))
    }
    /// The region the pilot covers: a county, or a municipality for a city-level pilot.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Record<Region>>> {
        region_types::load(ctx, Some(self.model.region_code.clone())).await
    }
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Option<Record<Region>>> {
        region_types::load(ctx, Some(self.model.municipality_code.clone())).await
    }
    async fn province(&self, ctx: &Context<'_>) -> Result<Option<Record<Region>>> {
        region_types::load(ctx, Some(self.model.province_code.clone())).await
    }
    async fn eligibility(&self) -> Eligibility {
        Eligibility {
            has_unmet_carbon_market_obligations: self.model.has_unmet_carbon_market_obligations,
            has_falsified_emission_data: self.model.has_falsified_emission_data,
            has_serious_pollution_case: self.model.has_serious_pollution_case,
        }
    }
    /// Every version of every plan, oldest first; filter by kind or status.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn plans(
        &self,
        ctx: &Context<'_>,
        kind: Option<PlanKind>,
        status: Option<PlanStatus>,
    ) -> Result<Records<Plan>> {
        // The filters read kind and status.
        let columns =
            records::columns::<Plan>(ctx).union(Columns::named::<plan::Model>(&["kind", "status"]));
        Ok(self
            .children_reading::<plan::Entity>(ctx, columns)
            .await?
            .into_iter()
            .filter(|p| kind.is_none_or(|k| p.kind == k) && status.is_none_or(|s| p.status == s))
            .map(Plan)
            .collect())
    }
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        category: Option<IndicatorCategory>,
    ) -> Result<Records<Indicator>> {
        // The filter reads the category.
        let columns = records::columns::<Indicator>(ctx)
            .union(Columns::named::<indicator::Model>(&["category"]));
        Ok(self
            .children_reading::<indicator::Entity>(ctx, columns)
            .await?
            .into_iter()
            .filter(|i| category.is_none_or(|c| i.category == c))
            .map(|i| self.indicator(i))
            .collect())
    }
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn key_projects(&self, ctx: &Context<'_>) -> Result<Records<KeyProject>> {
        Ok(self
            .children_reading::<key_project::Entity>(ctx, records::columns::<KeyProject>(ctx))
            .await?
            .into_iter()
            .map(KeyProject)
            .collect())
    }
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn financing_sources(&self, ctx: &Context<'_>) -> Result<Records<FinancingSource>> {
        Ok(self
            .children_reading::<financing_source::Entity>(
                ctx,
                records::columns::<FinancingSource>(ctx),
            )
            .await?
            .into_iter()
            .map(FinancingSource)
            .collect())
    }
    /// Sums over the financing sources that are not cancelled.
    async fn financing_totals(&self, ctx: &Context<'_>) -> Result<FinancingTotals> {
        Ok(FinancingTotals::of(
            &self.children::<financing_source::Entity>(ctx).await?,
        ))
    }
    /// Provincial expert reviews of the application.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn expert_reviews(&self, ctx: &Context<'_>) -> Result<Vec<ExpertReview>> {
        let reveal = reveal_expert_review(ctx.viewer()?, self.model.status);
        Ok(self
            .children::<expert_review::Entity>(ctx)
            .await?
            .into_iter()
            .map(|model| ExpertReview { model, reveal })
            .collect())
    }
    /// Objections received during public notice.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn objections(&self, ctx: &Context<'_>) -> Result<Vec<Objection>> {
        Ok(self
            .children::<objection::Entity>(ctx)
            .await?
            .into_iter()
            .map(Objection)
            .collect())
    }
    /// Acceptance attempts, first attempt first.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn acceptance_records(&self, ctx: &Context<'_>) -> Result<Vec<AcceptanceRecord>> {
        let viewer = ctx.viewer()?;
        let re_reviews = self.children::<re_review::Entity>(ctx).await?;
        Ok(self
            .children::<acceptance_record::Entity>(ctx)
            .await?
            .into_iter()
            .map(|model| AcceptanceRecord {
                reveal: reveal_acceptance_review(viewer, &model),
                re_reviews: re_reviews
                    .iter()
                    .filter(|r| r.acceptance_record_id == model.id)
                    .cloned()
                    .collect(),
                model,
            })
            .collect())
    }
    /// Notes of the municipal bureau's process tracking.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn tracking_notes(&self, ctx: &Context<'_>) -> Result<Vec<TrackingNote>> {
        Ok(self
            .children::<tracking_note::Entity>(ctx)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// The yearly reports filed: progress reports and emission disclosures, oldest year first.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn annual_reports(&self, ctx: &Context<'_>) -> Result<Vec<AnnualReport>> {
        Ok(self
            .children::<annual_report::Entity>(ctx)
            .await?
            .into_iter()
            .map(AnnualReport)
            .collect())
    }
    /// What the pilot owes under its program's report duties: each year from designation
    /// that has ended, with its due day, whether it is overdue and the report once filed.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn report_obligations(&self, ctx: &Context<'_>) -> Result<Vec<ReportObligation>> {
        let program = self.governing_program(ctx).await?;
        let duties = crate::programs::types::current::<program_report_duty::Entity>(
            ctx,
            self.model.program_id,
            |d| d.retired_at.is_none(),
        )
        .await?;
        let today = crate::clock::china_date(ctx.state().clock.now());
        let owed = crate::supervision::reports::owed(
            self.model.status,
            self.model.designated_at.map(crate::clock::china_date),
            program.construction_ends_on,
            &duties,
            today,
        );
        let filed = self.children::<annual_report::Entity>(ctx).await?;
        Ok(owed
            .into_iter()
            .map(|o| {
                let report = filed
                    .iter()
                    .find(|r| r.kind == o.kind && r.year == o.year)
                    .cloned();
                ReportObligation {
                    kind: o.kind,
                    year: o.year,
                    due_on: o.due_on.into(),
                    overdue: report.is_none() && o.due_on < today,
                    report: report.map(AnnualReport),
                }
            })
            .collect())
    }
    /// The actions this viewer may take on the pilot now, read from the transition table the
    /// mutations use. Preconditions that need data (window, plans, quota, notice end,
    /// indicator rule) are checked when the action is taken.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn available_actions(&self, ctx: &Context<'_>) -> Result<Vec<WorkflowAction>> {
        let viewer = ctx.viewer()?;
        let rules = ctx
            .data_unchecked::<Loaders>()
            .children::<program_type_rule::Entity>(self.model.program_id)
            .await?;
        let Some(rule) = rules.iter().find(|r| r.pilot_type == self.model.pilot_type) else {
            return Ok(Vec::new());
        };
        let values = ctx
            .loaders()
            .children::<program_rule_value::Entity>(rule.id)
            .await?;
        let program = self.governing_program(ctx).await?;
        let chain = TypeRule::assemble(rule.clone(), &values).chain(&program);
        Ok(transitions::available(viewer, self.model.status, &chain))
    }
    /// The audit events of the pilot and everything that belongs to it, in chain order.
    #[graphql(complexity = "crate::graphql::cost::connection(first, None, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<
        crate::graphql::pagination::Conn<crate::audit::types::AuditEvent, audit_event::Entity>,
    > {
        let filter = crate::audit::service::EventFilter {
            pilot_id: Some(self.model.id),
            ..Default::default()
        };
        crate::audit::resolvers::forward(ctx, filter, first, after).await
    }
    /// Every lifecycle transition, oldest first.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn workflow_events(&self, ctx: &Context<'_>) -> Result<Records<WorkflowEvent>> {
        Ok(self
            .children_reading::<workflow_event::Entity>(ctx, records::columns::<WorkflowEvent>(ctx))
            .await?
            .into_iter()
            .map(WorkflowEvent)
            .collect())
    }
}

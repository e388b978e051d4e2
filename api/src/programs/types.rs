//! The `Program` object and its per-type rules and calendar.

use crate::graphql::context::ContextExt;
use crate::graphql::loaders::Loaders;
use crate::graphql::records::Record;
use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use crate::regions::types::{self as region_types, Region};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{
    AcceptanceStep, CalendarDayKind, OrganizationKind, ParkLevel, PilotType, ProgramLevel,
    RegionLevel, program, program_calendar_day, program_fund, program_indicator,
    program_report_duty, program_rule_value, program_type_rule,
};

/// One call for pilots issued by an authority.
pub struct Program(pub program::Model);

impl Program {
    async fn rules(&self, ctx: &Context<'_>) -> Result<Vec<program_type_rule::Model>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .children::<program_type_rule::Entity>(self.0.id)
            .await?)
    }
}

#[Object]
impl Program {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Program, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The issuing authority.
    async fn authority(&self) -> &str {
        &self.0.authority
    }
    /// The document number, e.g. "Lu Huanfa [2023] No. 16".
    async fn document_number(&self) -> &str {
        &self.0.document_number
    }
    async fn level(&self) -> ProgramLevel {
        self.0.level
    }
    /// The issuing region; absent for a national program.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Record<Region>>> {
        region_types::load(ctx, self.0.region_code.clone()).await
    }
    /// Prefix of its pilots' codes.
    async fn code_prefix(&self) -> &str {
        &self.0.code_prefix
    }
    /// The pilot types the program admits.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn pilot_types(&self, ctx: &Context<'_>) -> Result<Vec<PilotType>> {
        Ok(self
            .rules(ctx)
            .await?
            .into_iter()
            .map(|r| r.pilot_type)
            .collect())
    }
    async fn application_opens_on(&self) -> Date {
        self.0.application_opens_on.into()
    }
    /// Last day on which a pilot may be submitted.
    async fn application_closes_on(&self) -> Date {
        self.0.application_closes_on.into()
    }
    async fn construction_starts_on(&self) -> Date {
        self.0.construction_starts_on.into()
    }
    async fn construction_ends_on(&self) -> Date {
        self.0.construction_ends_on.into()
    }
    /// Length of the public notice, in working days of the program's calendar.
    async fn notice_working_days(&self) -> i32 {
        self.0.notice_working_days
    }
    /// Months between periodic re-reviews of titled pilots, where the program has them.
    async fn re_review_interval_months(&self) -> Option<i32> {
        self.0.re_review_interval_months
    }
    /// Days after construction ends during which acceptance may still be requested (the
    /// acceptance period is construction end plus these days; 0: construction end itself).
    async fn acceptance_grace_days(&self) -> i32 {
        self.0.acceptance_grace_days
    }
    /// Where the program's data is not its document's own: values the document leaves to
    /// local practice, example figures for an annex not at hand.
    async fn notes(&self) -> &str {
        &self.0.notes
    }
    /// What the program requires of each pilot type.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn type_rules(&self, ctx: &Context<'_>) -> Result<Vec<ProgramTypeRule>> {
        Ok(self
            .rules(ctx)
            .await?
            .into_iter()
            .map(ProgramTypeRule)
            .collect())
    }
    /// Holidays and make-up working days; other days follow the Monday-to-Friday week.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn calendar(&self, ctx: &Context<'_>) -> Result<Vec<CalendarDay>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .children::<program_calendar_day::Entity>(self.0.id)
            .await?;
        Ok(rows
            .into_iter()
            .map(|d| CalendarDay {
                day: d.day.into(),
                kind: d.kind,
                note: d.note,
            })
            .collect())
    }
    /// The named funds its pilots' financing may draw on.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn funds(&self, ctx: &Context<'_>) -> Result<Vec<Fund>> {
        Ok(
            current::<program_fund::Entity>(ctx, self.0.id, |f| f.retired_at.is_none())
                .await?
                .into_iter()
                .map(Fund)
                .collect(),
        )
    }
    /// The reports it asks of each designated pilot every year.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn report_duties(&self, ctx: &Context<'_>) -> Result<Vec<ReportDuty>> {
        Ok(
            current::<program_report_duty::Entity>(ctx, self.0.id, |d| d.retired_at.is_none())
                .await?
                .into_iter()
                .map(|d| ReportDuty {
                    kind: d.kind,
                    due_month: d.due_month,
                    due_day: d.due_day,
                    after_title: d.after_title,
                })
                .collect(),
        )
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// What a program requires of one pilot type.
pub struct ProgramTypeRule(pub program_type_rule::Model);

impl ProgramTypeRule {
    /// The rule with its current lists (one batched read per request for all rules shown).
    async fn with_lists(&self, ctx: &Context<'_>) -> Result<super::rules::TypeRule> {
        let values = ctx
            .loaders()
            .children::<program_rule_value::Entity>(self.0.id)
            .await?;
        Ok(super::rules::TypeRule::assemble(self.0.clone(), &values))
    }
}

#[Object]
impl ProgramTypeRule {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ProgramTypeRule, self.0.id)
    }
    async fn pilot_type(&self) -> PilotType {
        self.0.pilot_type
    }
    /// The level of region a pilot of this type sits at.
    async fn region_level(&self) -> RegionLevel {
        self.0.region_level
    }
    /// Organisation kinds that may apply.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn applicant_kinds(&self, ctx: &Context<'_>) -> Result<Vec<OrganizationKind>> {
        Ok(self.with_lists(ctx).await?.applicant_kinds)
    }
    /// The lowest park level admitted (parks only).
    async fn min_park_level(&self) -> Option<ParkLevel> {
        self.0.min_park_level
    }
    /// Departments leading review of this type; empty when the program names none.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn lead_departments(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(self.with_lists(ctx).await?.lead_departments)
    }
    /// What an acceptance attempt must have completed before a PASS decision.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn acceptance_steps(&self, ctx: &Context<'_>) -> Result<Vec<AcceptanceStep>> {
        Ok(self.with_lists(ctx).await?.acceptance_steps)
    }
    /// Unified social credit codes of the park management committees that may apply (Hechi:
    /// the autonomous region's key industrial park list); empty: no list.
    async fn eligible_parks(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(self.with_lists(ctx).await?.eligible_parks)
    }
    /// Most pilots of this type recommended per region of `quotaRegionLevel`; absent: no limit.
    async fn quota(&self) -> Option<i32> {
        self.0.quota
    }
    async fn quota_region_level(&self) -> RegionLevel {
        self.0.quota_region_level
    }
    /// Share of reference indicators that must be met for acceptance.
    async fn reference_ratio(&self) -> Decimal {
        Decimal(self.0.reference_ratio.0)
    }
    /// Least number of reference indicators that must be met for acceptance.
    async fn reference_min_count(&self) -> i32 {
        self.0.reference_min_count
    }
    /// Title awarded on acceptance; absent where the program has no acceptance.
    async fn title(&self) -> Option<&str> {
        self.0.acceptance.then_some(self.0.title.as_str())
    }
    /// Level of the preliminary reviewer; absent when the type skips preliminary review.
    async fn preliminary_reviewer(&self) -> Option<entities::Role> {
        self.0.preliminary_reviewer
    }
    /// Level of the recommender, whose recommendation counts against the quota.
    async fn recommender(&self) -> entities::Role {
        self.0.recommender
    }
    /// Whether the issuing authority records an expert review before designation.
    async fn expert_review(&self) -> bool {
        self.0.expert_review
    }
    /// Whether designation follows a public notice.
    async fn public_notice(&self) -> bool {
        self.0.public_notice
    }
    /// Whether construction ends with an acceptance that awards the title.
    async fn acceptance(&self) -> bool {
        self.0.acceptance
    }
    /// The indicators the program sets for the type: a pilot's constraint indicators come
    /// from here, and acceptance counts against it; empty: no catalogue.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn indicator_catalogue(&self, ctx: &Context<'_>) -> Result<Vec<CatalogueIndicator>> {
        Ok(
            current::<program_indicator::Entity>(ctx, self.0.id, |i| i.retired_at.is_none())
                .await?
                .into_iter()
                .map(|i| CatalogueIndicator {
                    code: i.code,
                    name: i.name,
                    unit: i.unit,
                    direction: i.direction,
                    category: i.category,
                    required: i.required,
                })
                .collect(),
        )
    }
}

/// The rows of `E` under `key` that `keep` keeps (one batched read per request).
pub(crate) async fn current<E>(
    ctx: &Context<'_>,
    key: i64,
    keep: impl Fn(&E::Model) -> bool,
) -> Result<Vec<E::Model>>
where
    E: crate::graphql::loaders::Grouped<Key = i64>,
    E::Model: Send + Sync + Clone,
{
    Ok(ctx
        .loaders()
        .children::<E>(key)
        .await?
        .into_iter()
        .filter(|m| keep(m))
        .collect())
}

/// An indicator of a type's catalogue.
#[derive(SimpleObject)]
pub struct CatalogueIndicator {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub direction: entities::Direction,
    pub category: entities::IndicatorCategory,
    /// Every pilot of the type must carry it to submit.
    pub required: bool,
}

/// A report the program asks of each designated pilot every year.
#[derive(SimpleObject)]
pub struct ReportDuty {
    pub kind: entities::ReportKind,
    /// Month and day of the following year by which a year's report is due.
    pub due_month: i32,
    pub due_day: i32,
    /// Whether the duty continues after the title (or ends with construction).
    pub after_title: bool,
}

/// A named fund a program's pilots may draw on.
pub struct Fund(pub program_fund::Model);

#[Object]
impl Fund {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Fund, self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The kind of every financing source drawing on it.
    async fn kind(&self) -> entities::FinancingKind {
        self.0.kind
    }
    /// Who administers it.
    async fn administrator(&self) -> &str {
        &self.0.administrator
    }
    /// When the program took it off its list; absent while it is offered.
    async fn retired_at(&self) -> Option<DateTime<Utc>> {
        self.0.retired_at
    }
}

/// An exception to the Monday-to-Friday week.
#[derive(SimpleObject)]
pub struct CalendarDay {
    pub day: Date,
    pub kind: CalendarDayKind,
    pub note: String,
}

/// The items of a comma-separated list column.
pub fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty())
}

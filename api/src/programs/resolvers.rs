//! `programs` and `program`.

use super::catalogues;
use super::service::{self, ProgramFilter as Filter};
use super::types::Program;
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{self, Conn};
use crate::ids::{self, Kind};
use crate::paging::PageArgs;
use async_graphql::{Context, ID, InputObject, Object, Result};
use entities::{Columns, PilotType, ProgramLevel, program};

/// Narrows the `programs` list.
#[derive(InputObject, Default)]
pub struct ProgramFilter {
    pub level: Option<ProgramLevel>,
    /// Only programs admitting this pilot type.
    pub pilot_type: Option<PilotType>,
    /// Text in the name or document number.
    pub search: Option<String>,
}

#[derive(Default)]
pub struct ProgramQuery;

#[Object]
impl ProgramQuery {
    /// Programs the caller may see, newest first.
    #[graphql(complexity = "crate::graphql::cost::connection(first, last, child_complexity)")]
    async fn programs(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProgramFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<Program, program::Entity>> {
        let viewer = ctx.viewer()?;
        let f = filter.unwrap_or_default();
        let q = service::query(
            viewer,
            &Filter {
                level: f.level,
                pilot_type: f.pilot_type,
                search: f.search,
            },
        );
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        Ok(
            pagination::connection(ctx.db(), q, &service::sort(), &args, Columns::ALL, Program)
                .await?,
        )
    }

    async fn program(&self, ctx: &Context<'_>, id: ID) -> Result<Program> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&id, Kind::Program, "id")?;
        Ok(Program(service::get(ctx.db(), viewer, id).await?))
    }
}

/// What a program requires of one pilot type.
#[derive(InputObject)]
pub struct ProgramTypeRuleInput {
    pub pilot_type: PilotType,
    /// The level of region a pilot of this type covers.
    pub region_level: entities::RegionLevel,
    pub applicant_kinds: Vec<entities::OrganizationKind>,
    pub min_park_level: Option<entities::ParkLevel>,
    /// Departments that lead review of the type (empty: none named).
    #[graphql(default)]
    pub lead_departments: Vec<String>,
    /// What an acceptance attempt must have completed before it may pass; absent: unchanged
    /// (none for a new type).
    pub acceptance_steps: Option<Vec<entities::AcceptanceStep>>,
    /// Unified social credit codes of the park management committees that may apply (a key-park
    /// list); absent: unchanged (none for a new type); empty: no list.
    pub eligible_parks: Option<Vec<String>>,
    /// Most recommendations per region of `quotaRegionLevel` (absent: no limit).
    pub quota: Option<i32>,
    #[graphql(default_with = "entities::RegionLevel::Municipality")]
    pub quota_region_level: entities::RegionLevel,
    /// 0 to 1.
    pub reference_ratio: crate::graphql::scalars::Decimal,
    pub reference_min_count: i32,
    /// Title awarded on acceptance (required when `acceptance` is true).
    #[graphql(default)]
    pub title: String,
    /// Level of the preliminary reviewer (COUNTY, MUNICIPAL or PROVINCIAL); null: none;
    /// absent: unchanged (none for a new type).
    pub preliminary_reviewer: async_graphql::MaybeUndefined<entities::Role>,
    /// Level of the recommender, at most the issuing authority's; absent: unchanged
    /// (MUNICIPAL for a new type).
    pub recommender: Option<entities::Role>,
    /// Whether the issuing authority records an expert review before designation; absent:
    /// unchanged (true for a new type).
    pub expert_review: Option<bool>,
    /// Whether designation follows a public notice; absent: unchanged (true for a new type).
    pub public_notice: Option<bool>,
    /// Whether construction ends with an acceptance that awards the title; absent: unchanged
    /// (true for a new type).
    pub acceptance: Option<bool>,
    /// The type's indicator catalogue: pilots take their constraint indicators from it;
    /// absent: unchanged (none for a new type); empty: no catalogue.
    pub indicators: Option<Vec<CatalogueIndicatorInput>>,
}

/// An indicator of a type's catalogue.
#[derive(InputObject)]
pub struct CatalogueIndicatorInput {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub direction: entities::Direction,
    pub category: entities::IndicatorCategory,
    /// Every pilot of the type must carry it to submit; it counts at acceptance either way.
    #[graphql(default)]
    pub required: bool,
}

/// A named fund the program's pilots may draw on.
#[derive(InputObject)]
pub struct FundInput {
    pub code: String,
    pub name: String,
    /// The kind of every financing source that names the fund.
    pub kind: entities::FinancingKind,
    #[graphql(default)]
    pub administrator: String,
}

/// A report the program asks of each designated pilot every year.
#[derive(InputObject)]
pub struct ReportDutyInput {
    pub kind: entities::ReportKind,
    /// Month and day of the following year by which a year's report is due (a day every
    /// year has: not 29 February).
    pub due_month: i32,
    pub due_day: i32,
    /// Whether the duty continues after the title (true for disclosures) or ends with the
    /// construction period.
    #[graphql(default)]
    pub after_title: bool,
}

/// A holiday or make-up working day.
#[derive(InputObject)]
pub struct CalendarDayInput {
    pub day: crate::graphql::scalars::Date,
    pub kind: entities::CalendarDayKind,
    #[graphql(default)]
    pub note: String,
}

/// `createProgram`.
#[derive(InputObject)]
pub struct CreateProgramInput {
    pub name: String,
    pub authority: String,
    pub document_number: String,
    /// The issuing region: the caller's own province or municipality; absent for a national
    /// program (created by a national user). The caller becomes its issuing authority.
    pub region_code: Option<String>,
    /// Capital letters that start its pilots' codes.
    pub code_prefix: String,
    pub application_opens_on: crate::graphql::scalars::Date,
    pub application_closes_on: crate::graphql::scalars::Date,
    pub construction_starts_on: crate::graphql::scalars::Date,
    pub construction_ends_on: crate::graphql::scalars::Date,
    #[graphql(default = 5)]
    pub notice_working_days: i32,
    pub re_review_interval_months: Option<i32>,
    /// Days after construction ends during which acceptance may still be requested.
    #[graphql(default)]
    pub acceptance_grace_days: i32,
    /// Where the program's data is not its document's (local practice, example figures).
    #[graphql(default)]
    pub notes: String,
    pub type_rules: Vec<ProgramTypeRuleInput>,
    #[graphql(default)]
    pub calendar: Vec<CalendarDayInput>,
    #[graphql(default)]
    pub funds: Vec<FundInput>,
    #[graphql(default)]
    pub report_duties: Vec<ReportDutyInput>,
}

/// `updateProgram`: absent fields stay; rules and days given replace those of the same type
/// or day.
#[derive(InputObject)]
pub struct UpdateProgramInput {
    pub id: ID,
    pub version: i32,
    pub name: Option<String>,
    pub authority: Option<String>,
    pub document_number: Option<String>,
    pub application_opens_on: Option<crate::graphql::scalars::Date>,
    pub application_closes_on: Option<crate::graphql::scalars::Date>,
    pub construction_starts_on: Option<crate::graphql::scalars::Date>,
    pub construction_ends_on: Option<crate::graphql::scalars::Date>,
    pub notice_working_days: Option<i32>,
    pub re_review_interval_months: Option<i32>,
    pub acceptance_grace_days: Option<i32>,
    pub notes: Option<String>,
    #[graphql(default)]
    pub type_rules: Vec<ProgramTypeRuleInput>,
    #[graphql(default)]
    pub calendar: Vec<CalendarDayInput>,
    /// The named funds; absent: unchanged; given: exactly these (others are retired).
    pub funds: Option<Vec<FundInput>>,
    /// The yearly report duties; absent: unchanged; given: exactly these.
    pub report_duties: Option<Vec<ReportDutyInput>>,
}

/// What program mutations return.
#[derive(async_graphql::SimpleObject)]
pub struct ProgramPayload {
    pub program: Program,
}

fn rules(list: Vec<ProgramTypeRuleInput>) -> Vec<service::TypeRuleFields> {
    list.into_iter()
        .map(|r| service::TypeRuleFields {
            pilot_type: r.pilot_type,
            region_level: r.region_level,
            applicant_kinds: r.applicant_kinds,
            min_park_level: r.min_park_level,
            lead_departments: r.lead_departments,
            acceptance_steps: r.acceptance_steps,
            eligible_parks: r.eligible_parks,
            quota: r.quota,
            quota_region_level: r.quota_region_level,
            reference_ratio: r.reference_ratio.0,
            reference_min_count: r.reference_min_count,
            title: r.title,
            preliminary_reviewer: match r.preliminary_reviewer {
                async_graphql::MaybeUndefined::Undefined => None,
                async_graphql::MaybeUndefined::Null => Some(None),
                async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
            },
            recommender: r.recommender,
            expert_review: r.expert_review,
            public_notice: r.public_notice,
            acceptance: r.acceptance,
            indicators: r.indicators.map(|list| {
                list.into_iter()
                    .map(|c| catalogues::CatalogueIndicatorFields {
                        code: c.code,
                        name: c.name,
                        unit: c.unit,
                        direction: c.direction,
                        category: c.category,
                        required: c.required,
                    })
                    .collect()
            }),
        })
        .collect()
}

fn funds(list: Vec<FundInput>) -> Vec<catalogues::FundFields> {
    list.into_iter()
        .map(|f| catalogues::FundFields {
            code: f.code,
            name: f.name,
            kind: f.kind,
            administrator: f.administrator,
        })
        .collect()
}

fn duties(list: Vec<ReportDutyInput>) -> Vec<catalogues::ReportDutyFields> {
    list.into_iter()
        .map(|d| catalogues::ReportDutyFields {
            kind: d.kind,
            due_month: d.due_month,
            due_day: d.due_day,
            after_title: d.after_title,
        })
        .collect()
}

fn days(
    list: Vec<CalendarDayInput>,
) -> Vec<(chrono::NaiveDate, entities::CalendarDayKind, String)> {
    list.into_iter()
        .map(|d| (d.day.0, d.kind, d.note))
        .collect()
}

#[derive(Default)]
pub struct ProgramMutation;

#[Object]
impl ProgramMutation {
    /// Provincial: create a program of the province (or of a municipality in it).
    async fn create_program(
        &self,
        ctx: &Context<'_>,
        input: CreateProgramInput,
    ) -> Result<ProgramPayload> {
        let viewer = ctx.viewer()?;
        let fields = service::ProgramFields {
            name: Some(input.name),
            authority: Some(input.authority),
            document_number: Some(input.document_number),
            level: None,
            region_code: input.region_code,
            code_prefix: Some(input.code_prefix),
            application_opens_on: Some(input.application_opens_on.0),
            application_closes_on: Some(input.application_closes_on.0),
            construction_starts_on: Some(input.construction_starts_on.0),
            construction_ends_on: Some(input.construction_ends_on.0),
            notice_working_days: Some(input.notice_working_days),
            re_review_interval_months: input.re_review_interval_months,
            acceptance_grace_days: Some(input.acceptance_grace_days),
            notes: Some(input.notes),
            type_rules: rules(input.type_rules),
            calendar: days(input.calendar),
            funds: Some(funds(input.funds)),
            report_duties: Some(duties(input.report_duties)),
        };
        Ok(ProgramPayload {
            program: Program(service::create(ctx.state(), viewer, fields).await?),
        })
    }

    /// Provincial: change a program of the province.
    async fn update_program(
        &self,
        ctx: &Context<'_>,
        input: UpdateProgramInput,
    ) -> Result<ProgramPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&input.id, Kind::Program, "input.id")?;
        let fields = service::ProgramFields {
            name: input.name,
            authority: input.authority,
            document_number: input.document_number,
            application_opens_on: input.application_opens_on.map(|d| d.0),
            application_closes_on: input.application_closes_on.map(|d| d.0),
            construction_starts_on: input.construction_starts_on.map(|d| d.0),
            construction_ends_on: input.construction_ends_on.map(|d| d.0),
            notice_working_days: input.notice_working_days,
            re_review_interval_months: input.re_review_interval_months,
            acceptance_grace_days: input.acceptance_grace_days,
            notes: input.notes,
            type_rules: rules(input.type_rules),
            calendar: days(input.calendar),
            funds: input.funds.map(funds),
            report_duties: input.report_duties.map(duties),
            ..Default::default()
        };
        Ok(ProgramPayload {
            program: Program(
                service::update(ctx.state(), viewer, id, input.version, fields).await?,
            ),
        })
    }
}

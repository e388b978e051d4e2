//! `pilots` and `pilot`.

use super::service::{self, PilotOrderField};
use super::types::{OrderDirection, Pilot, PilotFilter, PilotOrder};
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{self, Conn};
use crate::graphql::records::{self, Record};
use crate::ids::{self, Kind};
use crate::paging::PageArgs;
use async_graphql::{Context, ID, Object, Result};
use entities::pilot;

/// One field of one record that differs between two instants.
#[derive(async_graphql::SimpleObject)]
pub struct PilotFieldChange {
    /// e.g. `Pilot`, `FinancingSource`.
    pub entity_type: String,
    pub entity_id: ID,
    /// The stored field name, e.g. `status`, `disbursed_amount`.
    pub field: String,
    /// Absent when the record did not exist yet.
    pub from: Option<async_graphql::Json<serde_json::Value>>,
    pub to: Option<async_graphql::Json<serde_json::Value>>,
}

/// Figures of one group of pilots.
pub struct PilotStatistics {
    figures: super::statistics::GroupFigures,
    groups: std::sync::Arc<[super::statistics::StatisticsGroup]>,
    /// The regions the rows name, read once for all rows.
    regions: std::sync::Arc<std::collections::HashMap<String, crate::regions::types::Region>>,
}

impl PilotStatistics {
    /// The group's value of dimension `g`, when grouped by it.
    fn key_of(&self, g: super::statistics::StatisticsGroup) -> Option<&str> {
        self.groups
            .iter()
            .position(|x| *x == g)
            .and_then(|i| self.figures.keys.get(i))
            .map(String::as_str)
    }

    fn region_of(&self, code: Option<&str>) -> Option<&crate::regions::types::Region> {
        code.and_then(|c| self.regions.get(c))
    }
}

#[Object(serial)]
impl PilotStatistics {
    /// The group's values, in the order of `groupBy`, joined by `/` (e.g. `371400/PARK/DESIGNATED`).
    async fn key(&self) -> String {
        self.figures.keys.join("/")
    }
    /// The region of the first region dimension asked for (province, municipality or region).
    async fn region(&self) -> Option<&crate::regions::types::Region> {
        let first = self
            .groups
            .iter()
            .zip(&self.figures.keys)
            .find(|(g, _)| g.is_region())
            .map(|(_, k)| k.as_str());
        self.region_of(first)
    }
    /// When grouped by province.
    async fn province(&self) -> Option<&crate::regions::types::Region> {
        self.region_of(self.key_of(super::statistics::StatisticsGroup::Province))
    }
    /// When grouped by municipality.
    async fn municipality(&self) -> Option<&crate::regions::types::Region> {
        self.region_of(self.key_of(super::statistics::StatisticsGroup::Municipality))
    }
    /// When grouped by type.
    async fn r#type(&self) -> Option<entities::PilotType> {
        self.key_of(super::statistics::StatisticsGroup::Type)
            .and_then(|k| k.parse().ok())
    }
    /// When grouped by status.
    async fn status(&self) -> Option<entities::PilotStatus> {
        self.key_of(super::statistics::StatisticsGroup::Status)
            .and_then(|k| k.parse().ok())
    }
    async fn pilot_count(&self) -> u64 {
        self.figures.pilot_count
    }
    /// Sums over the group's financing sources that are not cancelled.
    async fn financing_totals(&self) -> &crate::financing::types::FinancingTotals {
        &self.figures.totals
    }
}

#[derive(Default)]
pub struct PilotQuery;

#[Object]
impl PilotQuery {
    /// Pilots the caller may see. Cursors are stable: a page never skips or repeats a pilot.
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay list takes its filter, order and four paging arguments"
    )]
    #[graphql(complexity = "crate::graphql::cost::connection(first, last, child_complexity)")]
    async fn pilots(
        &self,
        ctx: &Context<'_>,
        filter: Option<PilotFilter>,
        order_by: Option<PilotOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<Record<Pilot>, pilot::Entity>> {
        let viewer = ctx.viewer()?;
        let filter = filter.unwrap_or_default().parse()?;
        let (field, direction) = order_by
            .map(|o| (o.field, o.direction))
            .unwrap_or((PilotOrderField::UpdatedAt, OrderDirection::Desc));
        let listing = service::query(viewer, &filter)?;
        let sort = service::sort(field, direction == OrderDirection::Desc);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let columns = records::node_columns::<Pilot>(ctx);
        let mut conn = pagination::connection(ctx.db(), listing.rows, &sort, &args, columns, |m| {
            Record(Pilot::from(m))
        })
        .await?;
        if let Some(count) = listing.count_from_cells {
            conn.additional_fields.counted_by(count);
        }
        Ok(conn)
    }

    /// One pilot; `NOT_FOUND` when it does not exist or is out of the caller's scope. With
    /// `asOf`, the pilot and its nested records as they stood at that instant, rebuilt from
    /// the audit trail (`NOT_FOUND` if it did not exist yet).
    async fn pilot(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Record<Pilot>> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&id, Kind::Pilot, "id")?;
        let now = service::get(ctx.db(), viewer, id).await?;
        match as_of {
            None => Ok(Record(Pilot::from(now))),
            Some(at) => {
                let snapshot = crate::audit::history::snapshot(ctx.db(), id, at)
                    .await?
                    .ok_or_else(|| {
                        crate::error::ApiError::NotFound(
                            "the pilot did not exist at that instant".into(),
                        )
                    })?;
                Ok(Record(Pilot::as_of(snapshot)))
            }
        }
    }

    /// Counts and financing totals of the pilots the caller may see (of one program, if
    /// given), one row per combination of the dimensions in `groupBy` (e.g. `[MUNICIPALITY,
    /// TYPE, STATUS]`), ordered by them; computed by the database, sums exact.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn pilot_statistics(
        &self,
        ctx: &Context<'_>,
        program_id: Option<ID>,
        #[graphql(
            desc = "Only the pilots inside the region of this regional plan (a city's plan: the city's pilots)."
        )]
        regional_plan_id: Option<ID>,
        group_by: Vec<super::statistics::StatisticsGroup>,
    ) -> Result<crate::graphql::rows::InOrder<PilotStatistics>> {
        let viewer = ctx.viewer()?;
        let program_id = program_id
            .map(|p| ids::parse_id(&p, Kind::Program, "programId"))
            .transpose()?;
        let inside = match regional_plan_id {
            Some(id) => {
                let id = ids::parse_id(&id, Kind::RegionalPlan, "regionalPlanId")?;
                let plan = crate::regional::service::get(ctx.db(), viewer, id).await?;
                Some(
                    crate::regions::code::RegionCode::parse(&plan.region_code)
                        .map_err(crate::error::ApiError::internal)?,
                )
            }
            None => None,
        };
        let mut seen = std::collections::HashSet::new();
        if group_by.is_empty() || !group_by.iter().all(|g| seen.insert(*g)) {
            return Err(crate::error::ApiError::bad_input(
                "groupBy",
                "one or more dimensions, each once",
            )
            .into());
        }
        let rows = super::statistics::compute(
            &ctx.state().lagging,
            viewer,
            program_id,
            inside.as_ref(),
            &group_by,
        )
        .await?;
        // The regions named by any row, in one read.
        let codes: std::collections::BTreeSet<String> = rows
            .iter()
            .flat_map(|r| {
                group_by
                    .iter()
                    .zip(&r.keys)
                    .filter(|(g, _)| g.is_region())
                    .map(|(_, k)| k.clone())
            })
            .collect();
        let regions: std::sync::Arc<std::collections::HashMap<_, _>> = std::sync::Arc::new(
            ctx.loaders()
                .many::<entities::region::Entity>(codes)
                .await?
                .into_iter()
                .map(|(code, m)| (code, crate::regions::types::Region(m)))
                .collect(),
        );
        let groups: std::sync::Arc<[super::statistics::StatisticsGroup]> = group_by.into();
        Ok(crate::graphql::rows::InOrder(
            rows.into_iter()
                .map(|figures| PilotStatistics {
                    figures,
                    groups: groups.clone(),
                    regions: regions.clone(),
                })
                .collect(),
        ))
    }

    /// What changed in a pilot and its records between two instants, field by field.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn pilot_diff(
        &self,
        ctx: &Context<'_>,
        id: ID,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<PilotFieldChange>> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&id, Kind::Pilot, "id")?;
        if to < from {
            return Err(crate::error::ApiError::bad_input("to", "must not be before from").into());
        }
        service::get(ctx.db(), viewer, id).await?;
        let redactor = ctx.loaders().redactor(viewer).await?;
        let mut before = crate::audit::history::snapshot(ctx.db(), id, from).await?;
        let Some(mut after) = crate::audit::history::snapshot(ctx.db(), id, to).await? else {
            return Ok(Vec::new());
        };
        if let Some(b) = before.as_mut() {
            b.redact(&redactor);
        }
        after.redact(&redactor);
        Ok(crate::audit::history::diff(before.as_ref(), &after)
            .into_iter()
            .map(|c| PilotFieldChange {
                entity_type: c.entity_type,
                entity_id: ID(c.entity_id),
                field: c.field,
                from: c.from.map(async_graphql::Json),
                to: c.to.map(async_graphql::Json),
            })
            .collect())
    }
}

/// The applicant's eligibility declarations; `true` is disqualifying.
#[derive(async_graphql::InputObject, Default, Clone, Copy)]
pub struct EligibilityInput {
    pub has_unmet_carbon_market_obligations: Option<bool>,
    pub has_falsified_emission_data: Option<bool>,
    pub has_serious_pollution_case: Option<bool>,
}

impl From<EligibilityInput> for service::Eligibility {
    fn from(e: EligibilityInput) -> Self {
        service::Eligibility {
            has_unmet_carbon_market_obligations: e.has_unmet_carbon_market_obligations,
            has_falsified_emission_data: e.has_falsified_emission_data,
            has_serious_pollution_case: e.has_serious_pollution_case,
        }
    }
}

/// `createPilot`: a new DRAFT application of the caller's organisation.
#[derive(async_graphql::InputObject)]
pub struct CreatePilotInput {
    pub program_id: ID,
    pub r#type: entities::PilotType,
    /// The region the pilot covers (default: the organisation's own).
    pub region_code: Option<String>,
    pub name: String,
    pub boundary: String,
    pub area_km2: crate::graphql::scalars::Decimal,
    pub population: i64,
    pub baseline_year: i32,
    /// tCO₂e.
    pub baseline_emissions: crate::graphql::scalars::Decimal,
    /// Parks only. A park's level is its organisation's recorded level; a different value is
    /// refused.
    pub park_level: Option<entities::ParkLevel>,
    #[graphql(default)]
    pub eligibility: EligibilityInput,
}

/// `updatePilot`: changes to a DRAFT application; absent fields stay as they are.
#[derive(async_graphql::InputObject)]
pub struct UpdatePilotInput {
    pub id: ID,
    pub version: i32,
    pub name: Option<String>,
    pub boundary: Option<String>,
    pub area_km2: Option<crate::graphql::scalars::Decimal>,
    pub population: Option<i64>,
    pub baseline_year: Option<i32>,
    pub baseline_emissions: Option<crate::graphql::scalars::Decimal>,
    /// Parks only; must equal the organisation's recorded level.
    pub park_level: Option<entities::ParkLevel>,
    pub eligibility: Option<EligibilityInput>,
}

/// What `createPilot` and `updatePilot` return.
#[derive(async_graphql::SimpleObject)]
pub struct PilotPayload {
    pub pilot: Pilot,
}

#[derive(Default)]
pub struct PilotMutation;

#[Object]
impl PilotMutation {
    /// Applicant: create a DRAFT pilot. The program must admit the type, at the region level it
    /// sets, for the organisation's kind (and, for parks, its level).
    async fn create_pilot(
        &self,
        ctx: &Context<'_>,
        input: CreatePilotInput,
    ) -> Result<PilotPayload> {
        let viewer = ctx.viewer()?;
        let program_id = ids::parse_id(&input.program_id, Kind::Program, "input.programId")?;
        let create = service::PilotForCreate {
            program_id,
            pilot_type: input.r#type,
            region_code: input.region_code,
            name: input.name,
            boundary: input.boundary,
            area_km2: input.area_km2.0,
            population: input.population,
            baseline_year: input.baseline_year,
            baseline_emissions: input.baseline_emissions.0,
            park_level: input.park_level,
            eligibility: input.eligibility.into(),
        };
        Ok(PilotPayload {
            pilot: Pilot::from(service::create(ctx.state(), viewer, create).await?),
        })
    }

    /// Applicant: change a DRAFT pilot (program, type and region never change).
    async fn update_pilot(
        &self,
        ctx: &Context<'_>,
        input: UpdatePilotInput,
    ) -> Result<PilotPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&input.id, Kind::Pilot, "input.id")?;
        let update = service::PilotForUpdate {
            name: input.name,
            boundary: input.boundary,
            area_km2: input.area_km2.map(|d| d.0),
            population: input.population,
            baseline_year: input.baseline_year,
            baseline_emissions: input.baseline_emissions.map(|d| d.0),
            park_level: input.park_level,
            eligibility: input.eligibility.map(Into::into),
        };
        Ok(PilotPayload {
            pilot: Pilot::from(
                service::update(ctx.state(), viewer, id, input.version, update).await?,
            ),
        })
    }
}

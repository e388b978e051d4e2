//! Deterministic synthetic pilots for load tests (10k–100k): the same N always gives the same
//! rows. Each pilot gets plans, indicators with an actual value, a key project and a financing
//! source, written in bulk. Running again with a larger N adds only the missing pilots.

use super::builder::{Builder, OrgSpec, ProgramSpec, TypeRuleSpec, spread};
use crate::audit::writer::{Actor, WriteTx};
use crate::db::WriteQueue;
use chrono::{NaiveDate, TimeDelta};
use entities::*;
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set};

const CHUNK: usize = 500;
const STATUSES: [PilotStatus; 8] = [
    PilotStatus::Draft,
    PilotStatus::Submitted,
    PilotStatus::CountyEndorsed,
    PilotStatus::Recommended,
    PilotStatus::Designated,
    PilotStatus::Designated,
    PilotStatus::AcceptanceRequested,
    PilotStatus::Titled,
];
const TYPES: [PilotType; 3] = [PilotType::City, PilotType::Park, PilotType::Community];

/// Ensures `n` synthetic pilots exist.
pub async fn load(db: &DatabaseConnection, n: u32, progress: bool) -> anyhow::Result<()> {
    // The seed is the only writer of its process: a queue of its own.
    let queue = WriteQueue::default();
    let tx = WriteTx::begin(
        db,
        &queue,
        Actor::system("synthetic"),
        None,
        chrono::Utc::now(),
    )
    .await?;
    let mut b = Builder::new(tx);
    let program_id = b
        .program(ProgramSpec {
            name: "合成负载测试计划 (synthetic load-test program)",
            authority: "carbon-pilots synthetic data",
            document_number: "SYNTHETIC-1",
            level: ProgramLevel::Provincial,
            region: Some("370000"),
            code_prefix: "SYN",
            application: ("2024-01-01", "2024-12-31"),
            construction: ("2025-01-01", "2027-12-31"),
            notice_working_days: 5,
            re_review_interval_months: None,
            acceptance_grace_days: 0,
            notes: "synthetic data for load tests",
            rules: vec![
                TypeRuleSpec::new(
                    PilotType::City,
                    RegionLevel::County,
                    &[OrganizationKind::CountyGovernment],
                )
                .acceptance("0.70", 10)
                .title("Synthetic City"),
                TypeRuleSpec::new(
                    PilotType::Park,
                    RegionLevel::County,
                    &[OrganizationKind::ParkManagementCommittee],
                )
                .reviewed_by(Some(Role::County), Role::Municipal)
                .acceptance("0.70", 8)
                .title("Synthetic Park"),
                TypeRuleSpec::new(
                    PilotType::Community,
                    RegionLevel::County,
                    &[OrganizationKind::ResidentsCommittee],
                )
                .reviewed_by(Some(Role::County), Role::Municipal)
                .acceptance("0.70", 5)
                .title("Synthetic Community"),
            ],
            calendar: vec![],
            funds: Vec::new(),
            duties: Vec::new(),
        })
        .await?;
    let counties: Vec<region::Model> = region::Entity::find()
        .filter(region::Column::Level.eq(RegionLevel::County))
        .filter(region::Column::Code.starts_with("37"))
        .all(b.tx().conn())
        .await?;
    anyhow::ensure!(!counties.is_empty(), "no Shandong counties loaded");
    let mut orgs = Vec::new();
    for (i, county) in counties.iter().enumerate() {
        let name = format!("{} 合成申报单位 (synthetic applicant)", county.name);
        let id = b
            .organization(OrgSpec {
                name: &name,
                kind: OrganizationKind::ParkManagementCommittee,
                region: &county.code,
                serial: 900_000 + i as u32,
                park_level: Some(ParkLevel::Provincial),
            })
            .await?;
        orgs.push((id, county.clone()));
    }
    b.finish().await?;

    let existing = pilot::Entity::find()
        .filter(pilot::Column::ProgramId.eq(program_id))
        .count(db)
        .await? as u32;
    let bar = if progress {
        ProgressBar::new(u64::from(n))
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} pilots {per_sec} eta {eta}",
    )?);
    bar.set_position(u64::from(existing.min(n)));
    let base = NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap_or_default()
        .and_hms_opt(1, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let mut i = existing;
    while i < n {
        let end = (i + CHUNK as u32).min(n);
        let at = |k: u32| base + TimeDelta::seconds(i64::from(k / 10) * 37);
        let mut tx = WriteTx::begin(db, &queue, Actor::system("synthetic"), None, at(i)).await?;
        let mut pilots = Vec::with_capacity(CHUNK);
        let mut codes = Vec::with_capacity(CHUNK);
        for k in i..end {
            let (org_id, county) = &orgs[k as usize % orgs.len()];
            let t = TYPES[k as usize % TYPES.len()];
            let h = spread(&k.to_string());
            let code = format!("SYN-{}-{:06}", t.as_str(), k + 1);
            codes.push(code.clone());
            pilots.push(pilot::ActiveModel {
                code: Set(code),
                program_id: Set(program_id),
                applicant_id: Set(*org_id),
                region_code: Set(county.code.clone()),
                county_code: Set(Some(county.code.clone())),
                municipality_code: Set(county.parent_code.clone().unwrap_or_default()),
                province_code: Set("370000".into()),
                pilot_type: Set(t),
                status: Set(STATUSES[(h % STATUSES.len() as u64) as usize]),
                name: Set(format!(
                    "{} 合成试点 {:06} (synthetic pilot)",
                    county.name,
                    k + 1
                )),
                boundary: Set("synthetic boundary".into()),
                area_km2: Set(Dec(Decimal::new((h % 100_000) as i64 + 100, 2))),
                population: Set(1_000 + (h % 500_000) as i64),
                baseline_year: Set(2020),
                baseline_emissions: Set(Dec(Decimal::new((h % 10_000_000) as i64, 1))),
                park_level: Set((t == PilotType::Park).then_some(ParkLevel::Provincial)),
                has_unmet_carbon_market_obligations: Set(Some(false)),
                has_falsified_emission_data: Set(Some(false)),
                has_serious_pollution_case: Set(Some(false)),
                version: Set(1),
                // Ten pilots share each timestamp, so orderings must break ties by id.
                created_at: Set(at(k)),
                updated_at: Set(at(k)),
                ..Default::default()
            });
        }
        pilot::Entity::insert_many(pilots)
            .exec_without_returning(tx.conn())
            .await?;
        let rows = pilot::Entity::find()
            .filter(pilot::Column::Code.is_in(codes))
            .all(tx.conn())
            .await?;
        tx.created(&rows).await?;
        children(&mut tx, &rows).await?;
        tx.commit().await?;
        bar.set_position(u64::from(end));
        i = end;
    }
    bar.finish_and_clear();
    Ok(())
}

/// Inserts rows in bulk and audits their creation.
async fn bulk<A>(
    tx: &mut WriteTx,
    rows: Vec<A>,
    pilot_col: <A::Entity as EntityTrait>::Column,
    pilots: &[i64],
) -> anyhow::Result<()>
where
    A: sea_orm::ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: crate::audit::writer::Audited + Send + Sync,
{
    <A::Entity as EntityTrait>::insert_many(rows)
        .exec_without_returning(tx.conn())
        .await?;
    let made = <A::Entity as EntityTrait>::find()
        .filter(pilot_col.is_in(pilots.iter().copied()))
        .all(tx.conn())
        .await?;
    tx.created(&made).await?;
    Ok(())
}

/// Plans, indicators with one actual each, a key project and a financing source per pilot.
async fn children(tx: &mut WriteTx, pilots: &[pilot::Model]) -> anyhow::Result<()> {
    let mut plans = Vec::new();
    let mut indicators = Vec::new();
    let mut projects = Vec::new();
    let mut financing = Vec::new();
    for p in pilots {
        for kind in [PlanKind::CreationPlan, PlanKind::ResearchReport] {
            plans.push(plan::ActiveModel {
                pilot_id: Set(p.id),
                kind: Set(kind),
                title: Set(format!("{} {}", p.code, kind.as_str())),
                plan_version: Set(1),
                period_start_year: Set(2024),
                period_end_year: Set(2027),
                summary: Set("synthetic".into()),
                status: Set(PlanStatus::Published),
                published_at: Set(Some(p.created_at)),
                version: Set(1),
                created_at: Set(p.created_at),
                updated_at: Set(p.created_at),
                ..Default::default()
            });
        }
        for (j, (code, category)) in [
            ("C1", IndicatorCategory::Constraint),
            ("R01", IndicatorCategory::Reference),
            ("R02", IndicatorCategory::Reference),
        ]
        .into_iter()
        .enumerate()
        {
            indicators.push(indicator::ActiveModel {
                pilot_id: Set(p.id),
                code: Set(code.into()),
                name: Set(format!("synthetic indicator {code}")),
                category: Set(category),
                unit: Set("%".into()),
                direction: Set(Direction::Increase),
                baseline_value: Set(Dec(Decimal::from(10 + j as i64))),
                target_value: Set(Dec(Decimal::from(20 + j as i64))),
                target_year: Set(2027),
                version: Set(1),
                created_at: Set(p.created_at),
                updated_at: Set(p.created_at),
                ..Default::default()
            });
        }
        projects.push(key_project::ActiveModel {
            pilot_id: Set(p.id),
            name: Set("synthetic PV project".into()),
            field: Set(ProjectField::EnergyInfrastructure),
            planned_investment: Set(Dec(Decimal::new(100_000_000 + p.id, 2))),
            expected_annual_reduction: Set(Dec(Decimal::from(1000))),
            status: Set(ProjectStatus::InProgress),
            progress_percent: Set(50),
            version: Set(1),
            created_at: Set(p.created_at),
            updated_at: Set(p.created_at),
            ..Default::default()
        });
        financing.push(financing_source::ActiveModel {
            pilot_id: Set(p.id),
            kind: Set(FinancingKind::GreenCredit),
            provider: Set("synthetic bank".into()),
            committed_amount: Set(Dec(Decimal::new(50_000_000 + p.id, 2))),
            disbursed_amount: Set(Dec(Decimal::ZERO)),
            status: Set(FinancingStatus::Committed),
            version: Set(1),
            created_at: Set(p.created_at),
            updated_at: Set(p.created_at),
            ..Default::default()
        });
    }
    let ids: Vec<i64> = pilots.iter().map(|p| p.id).collect();
    bulk(tx, plans, plan::Column::PilotId, &ids).await?;
    bulk(tx, indicators, indicator::Column::PilotId, &ids).await?;
    bulk(tx, projects, key_project::Column::PilotId, &ids).await?;
    bulk(tx, financing, financing_source::Column::PilotId, &ids).await?;
    let inds = indicator::Entity::find()
        .filter(indicator::Column::PilotId.is_in(ids.clone()))
        .all(tx.conn())
        .await?;
    let period_end = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default();
    let actuals = inds
        .iter()
        .map(|ind| indicator_actual::ActiveModel {
            indicator_id: Set(ind.id),
            pilot_id: Set(ind.pilot_id),
            period_end: Set(period_end),
            value: Set(Dec(
                ind.target_value.0 + Decimal::from(ind.id % 3) - Decimal::ONE
            )),
            note: Set("synthetic".into()),
            reported_by: Set("synthetic".into()),
            created_at: Set(tx.now()),
            ..Default::default()
        })
        .collect();
    bulk(tx, actuals, indicator_actual::Column::PilotId, &ids).await?;
    Ok(())
}

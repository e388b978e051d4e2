//! `pilotStatistics`: how many pilots, and how much money, per region, type or status — in
//! the viewer's scope, in two queries, with exact decimal sums.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::financing::types::FinancingTotals;
use entities::{FinancingStatus, financing_source, pilot};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap};

/// What pilots are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum StatisticsGroup {
    Province,
    Municipality,
    /// The region the pilot covers (a county, or a municipality for a city-level pilot).
    Region,
    Type,
    Status,
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFigures {
    /// The region code, type or status the group stands for.
    pub key: String,
    pub pilot_count: u64,
    pub totals: FinancingTotals,
}

fn key(p: &pilot::Model, group: StatisticsGroup) -> String {
    match group {
        StatisticsGroup::Province => p.province_code.clone(),
        StatisticsGroup::Municipality => p.municipality_code.clone(),
        StatisticsGroup::Region => p.region_code.clone(),
        StatisticsGroup::Type => p.pilot_type.as_str().to_owned(),
        StatisticsGroup::Status => p.status.as_str().to_owned(),
    }
}

/// The figures of the pilots the viewer may read (of one program, if given), by group.
pub async fn compute(
    db: &DatabaseConnection,
    viewer: &Viewer,
    program_id: Option<i64>,
    group: StatisticsGroup,
) -> ApiResult<Vec<GroupFigures>> {
    let mut scope = viewer.pilot_scope();
    if let Some(id) = program_id {
        scope = scope.add(pilot::Column::ProgramId.eq(id));
    }
    let pilots = pilot::Entity::find().filter(scope.clone()).all(db).await?;
    let mut groups: BTreeMap<String, (u64, Vec<financing_source::Model>)> = BTreeMap::new();
    let mut group_of: HashMap<i64, String> = HashMap::with_capacity(pilots.len());
    for p in &pilots {
        let k = key(p, group);
        groups.entry(k.clone()).or_default().0 += 1;
        group_of.insert(p.id, k);
    }
    let sources = financing_source::Entity::find()
        .filter(
            financing_source::Column::PilotId.in_subquery(
                Query::select()
                    .column(pilot::Column::Id)
                    .from(pilot::Entity)
                    .cond_where(scope)
                    .to_owned(),
            ),
        )
        .filter(financing_source::Column::Status.ne(FinancingStatus::Cancelled))
        .all(db)
        .await?;
    for s in sources {
        if let Some(k) = group_of.get(&s.pilot_id)
            && let Some(g) = groups.get_mut(k)
        {
            g.1.push(s);
        }
    }
    Ok(groups
        .into_iter()
        .map(|(key, (pilot_count, sources))| GroupFigures {
            key,
            pilot_count,
            totals: FinancingTotals::of(&sources),
        })
        .collect())
}

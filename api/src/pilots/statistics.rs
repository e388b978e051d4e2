//! `pilotStatistics`: how many pilots, and how much money, per any combination of province,
//! municipality, region, type and status — in the viewer's scope, grouped by the database from
//! the `pilot_figures` cells (exact sums in whole cents), so neither the server's memory nor
//! the statement's work grows with every pilot and financing source of the scope.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::financing::types::FinancingTotals;
use crate::graphql::scalars::Decimal as DecimalScalar;
use entities::{Role, pilot};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Asterisk, Expr, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityName};

/// What pilots are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum StatisticsGroup {
    Province,
    Municipality,
    /// The region the pilot covers (a county, or a municipality for a city-level pilot).
    Region,
    Type,
    Status,
}

impl StatisticsGroup {
    /// Whether the dimension is a region (its values are region codes).
    pub fn is_region(self) -> bool {
        matches!(
            self,
            StatisticsGroup::Province | StatisticsGroup::Municipality | StatisticsGroup::Region
        )
    }

    fn column(self) -> pilot::Column {
        match self {
            StatisticsGroup::Province => pilot::Column::ProvinceCode,
            StatisticsGroup::Municipality => pilot::Column::MunicipalityCode,
            StatisticsGroup::Region => pilot::Column::RegionCode,
            StatisticsGroup::Type => pilot::Column::PilotType,
            StatisticsGroup::Status => pilot::Column::Status,
        }
    }
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFigures {
    /// The value of each dimension asked for, in the order asked: a region code, a type or a
    /// status.
    pub keys: Vec<String>,
    pub pilot_count: u64,
    pub totals: FinancingTotals,
}

/// An exact sum in whole cents of a money column of `s` (financing sources), per backend.
fn cents(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(CAST(s.{column} AS NUMERIC) * 100 AS BIGINT)"),
        _ => format!("CAST(ROUND(CAST(s.{column} AS REAL) * 100) AS INTEGER)"),
    }
}

/// Where the figures come from, named as the pilots table so the scope applies: for viewers
/// bound to a region (whose scope reads only region, program and type), the cells of
/// `pilot_figures_municipal` when neither the grouping nor a region in the scope is finer
/// than a municipality, else those of `pilot_figures`; for an applicant, whose scope is its
/// own organisation's few pilots, a cell per pilot summed from its sources.
fn source(
    backend: DbBackend,
    viewer: &Viewer,
    scope: &sea_orm::Condition,
    finest: Grain,
) -> (SelectStatement, bool) {
    if viewer.role != Role::Applicant {
        return (cells(finest), true);
    }
    let mut from = Query::select();
    let money = |column: &str| {
        Expr::cust(format!(
            "(SELECT COALESCE(SUM({}), 0) FROM financing_sources s \
             WHERE s.pilot_id = pilots.id AND s.status <> 'CANCELLED')",
            cents(backend, column)
        ))
    };
    from.column((pilot::Entity, Asterisk))
        .expr_as(Expr::val(1), Alias::new("pilot_count"))
        .expr_as(money("committed_amount"), Alias::new("committed_cents"))
        .expr_as(money("disbursed_amount"), Alias::new("disbursed_cents"))
        .from(pilot::Entity)
        .cond_where(scope.clone());
    (from, false)
}

/// Every cell of the grain `finest`.
fn cells(finest: Grain) -> SelectStatement {
    let table = match finest {
        Grain::Municipality => "pilot_figures_municipal",
        Grain::Region => "pilot_figures",
    };
    Query::select()
        .column(Asterisk)
        .from(Alias::new(table))
        .to_owned()
}

/// How many pilots match `condition`, summed from the cells (one row, column `n`):
/// `condition` is written against the pilots table and reads only the columns the cells
/// carry under the pilot's names (regions, program, type, status); `regions` are the regions
/// it names, which decide how fine the cells must be.
pub fn count<'a>(
    condition: sea_orm::Condition,
    regions: impl IntoIterator<Item = &'a crate::regions::code::RegionCode>,
) -> SelectStatement {
    Query::select()
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(pilot_count), 0) AS BIGINT)"),
            Alias::new("n"),
        )
        .from_subquery(
            cells(grain(&[], regions)),
            Alias::new(pilot::Entity.table_name()),
        )
        .cond_where(condition)
        .to_owned()
}

/// How fine the cells a statement reads must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grain {
    /// Cells per municipality: enough to group by province, municipality, type and status,
    /// and to apply a scope of a province or a municipality.
    Municipality,
    /// Cells per region the pilots cover (a county, or a municipality for a city pilot).
    Region,
}

/// The coarsest grain that holds every dimension of `groups` and every region `regions` of
/// the scope names.
fn grain<'a>(
    groups: &[StatisticsGroup],
    regions: impl IntoIterator<Item = &'a crate::regions::code::RegionCode>,
) -> Grain {
    let county = regions
        .into_iter()
        .any(|r| r.level() == entities::RegionLevel::County);
    if county || groups.contains(&StatisticsGroup::Region) {
        Grain::Region
    } else {
        Grain::Municipality
    }
}

/// The figures of the pilots the viewer may read (of one program, inside one region, if
/// given), by the combination of `groups`, ordered by them: one statement over the cells of
/// `pilot_figures` (kept by triggers with every pilot and financing change), read through the
/// viewer's own scope.
pub async fn compute(
    db: &DatabaseConnection,
    viewer: &Viewer,
    program_id: Option<i64>,
    inside: Option<&crate::regions::code::RegionCode>,
    groups: &[StatisticsGroup],
) -> ApiResult<Vec<GroupFigures>> {
    let mut scope = viewer.pilot_scope();
    if let Some(id) = program_id {
        scope = scope.add(pilot::Column::ProgramId.eq(id));
    }
    if let Some(region) = inside {
        scope = scope.add(crate::auth::scope::pilot_in(region));
    }
    let finest = grain(groups, viewer.region.iter().chain(inside));
    let (from, cells) = source(db.get_database_backend(), viewer, &scope, finest);
    let sum = |column: &str| Expr::cust(format!("CAST(SUM({column}) AS BIGINT)"));
    let mut q = Query::select();
    q.from_subquery(from, Alias::new(pilot::Entity.table_name()));
    for (i, g) in groups.iter().enumerate() {
        let col = Expr::col((pilot::Entity, g.column()));
        q.expr_as(col.clone(), Alias::new(format!("k{i}")))
            .add_group_by([col]);
    }
    q.expr_as(sum("pilot_count"), Alias::new("n"))
        .expr_as(sum("committed_cents"), Alias::new("committed"))
        .expr_as(sum("disbursed_cents"), Alias::new("disbursed"))
        .and_having(Expr::cust("SUM(pilot_count) > 0"));
    if cells {
        q.cond_where(scope);
    }
    let mut out = Vec::new();
    for row in db.query_all(&q).await? {
        let keys = (0..groups.len())
            .map(|i| row.try_get::<String>("", &format!("k{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let count: i64 = row.try_get("", "n")?;
        let committed: i64 = row.try_get("", "committed")?;
        let disbursed: i64 = row.try_get("", "disbursed")?;
        out.push(GroupFigures {
            keys,
            pilot_count: u64::try_from(count).unwrap_or_default(),
            totals: FinancingTotals {
                committed_amount: DecimalScalar(Decimal::new(committed, 2)),
                disbursed_amount: DecimalScalar(Decimal::new(disbursed, 2)),
            },
        });
    }
    // Ordered here rather than by the database: the keys are region codes and enum names in
    // ASCII, whose byte order both backends would give, and sorting them in SQL took a third
    // of the statement's time on PostgreSQL.
    out.sort_unstable_by(|a, b| a.keys.cmp(&b.keys));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{Grain, StatisticsGroup as G, grain};
    use crate::regions::code::RegionCode;

    fn code(c: &str) -> RegionCode {
        RegionCode::parse(c).expect("a region code")
    }

    #[test]
    fn statistics_read_the_coarsest_cells_that_hold_the_grouping_and_the_scope() {
        let (province, city, county) = (code("370000"), code("371400"), code("371481"));
        let all = [G::Province, G::Municipality, G::Type, G::Status];
        assert_eq!(grain(&all, [&province]), Grain::Municipality);
        assert_eq!(grain(&all, [&city]), Grain::Municipality);
        assert_eq!(grain(&[G::Type], []), Grain::Municipality, "the nation");
        assert_eq!(
            grain(&[G::Type], [&county]),
            Grain::Region,
            "a county's scope"
        );
        assert_eq!(
            grain(&[G::Type], [&province, &county]),
            Grain::Region,
            "a county's plan inside a province's scope"
        );
        assert_eq!(grain(&[G::Municipality, G::Region], [&city]), Grain::Region);
    }
}

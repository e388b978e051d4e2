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
use sea_orm::sea_query::{Alias, Asterisk, Expr, Order, Query, SelectStatement};
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

/// Where the figures come from, named as the pilots table so the scope applies: the
/// `pilot_figures` cells for viewers bound to a region (their scope reads only region, program
/// and type); for an applicant, whose scope is its own organisation's few pilots, a cell per
/// pilot summed from its sources.
fn source(
    backend: DbBackend,
    viewer: &Viewer,
    scope: &sea_orm::Condition,
) -> (SelectStatement, bool) {
    let mut from = Query::select();
    if viewer.role != Role::Applicant {
        from.column(Asterisk).from(Alias::new("pilot_figures"));
        return (from, true);
    }
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
    let (from, cells) = source(db.get_database_backend(), viewer, &scope);
    let sum = |column: &str| Expr::cust(format!("CAST(SUM({column}) AS BIGINT)"));
    let mut q = Query::select();
    q.from_subquery(from, Alias::new(pilot::Entity.table_name()));
    for (i, g) in groups.iter().enumerate() {
        let col = Expr::col((pilot::Entity, g.column()));
        q.expr_as(col.clone(), Alias::new(format!("k{i}")))
            .add_group_by([col.clone()])
            .order_by_expr(col, Order::Asc);
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
    Ok(out)
}

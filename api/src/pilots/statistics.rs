//! `pilotStatistics`: how many pilots, and how much money, per any combination of province,
//! municipality, region, type and status — in the viewer's scope, computed by the database
//! (two GROUP BY statements: pilots, and financing sources joined to their pilots) with exact
//! decimal sums, so the server's memory does not grow with the scope.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::financing::types::FinancingTotals;
use crate::graphql::scalars::Decimal as DecimalScalar;
use entities::{FinancingStatus, financing_source, pilot};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend};
use std::collections::BTreeMap;
use std::str::FromStr;

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

/// The grouped select over `from` (pilots, or sources joined to them) within `scope`.
fn grouped(groups: &[StatisticsGroup], scope: sea_orm::Condition) -> SelectStatement {
    let mut q = Query::select();
    for (i, g) in groups.iter().enumerate() {
        q.expr_as(
            Expr::col((pilot::Entity, g.column())),
            Alias::new(format!("k{i}")),
        )
        .add_group_by([Expr::col((pilot::Entity, g.column()))])
        .order_by_expr(Expr::col((pilot::Entity, g.column())), Order::Asc);
    }
    q.cond_where(scope);
    q
}

/// An exact sum of a money column as text: PostgreSQL sums NUMERIC; SQLite sums whole cents
/// as 64-bit integers (money has at most two decimals, and each amount stays far below the
/// 2^53 cents a double carries exactly on the way). Each backend marks the column in its own
/// placeholder syntax.
fn money_sum(backend: DbBackend, column: financing_source::Column) -> Expr {
    let col = Expr::col((financing_source::Entity, column));
    match backend {
        DbBackend::Postgres => {
            Expr::cust_with_exprs("CAST(COALESCE(SUM(CAST($1 AS NUMERIC)), 0) AS TEXT)", [col])
        }
        _ => Expr::cust_with_exprs(
            "CAST(COALESCE(SUM(CAST(ROUND(CAST(? AS REAL) * 100) AS INTEGER)), 0) AS TEXT)",
            [col],
        ),
    }
}

fn parse_sum(backend: DbBackend, text: &str) -> ApiResult<Decimal> {
    match backend {
        DbBackend::Postgres => Decimal::from_str(text).map_err(ApiError::internal),
        _ => text
            .parse::<i64>()
            .map(|cents| Decimal::new(cents, 2))
            .map_err(ApiError::internal),
    }
}

fn keys_of(row: &sea_orm::QueryResult, n: usize) -> ApiResult<Vec<String>> {
    (0..n)
        .map(|i| {
            row.try_get::<String>("", &format!("k{i}"))
                .map_err(ApiError::from)
        })
        .collect()
}

/// The figures of the pilots the viewer may read (of one program, if given), by the
/// combination of `groups`, ordered by them.
pub async fn compute(
    db: &DatabaseConnection,
    viewer: &Viewer,
    program_id: Option<i64>,
    groups: &[StatisticsGroup],
) -> ApiResult<Vec<GroupFigures>> {
    let backend = db.get_database_backend();
    let mut scope = viewer.pilot_scope();
    if let Some(id) = program_id {
        scope = scope.add(pilot::Column::ProgramId.eq(id));
    }
    let n = groups.len();

    let mut counts = grouped(groups, scope.clone());
    counts
        .from(pilot::Entity)
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"));
    let mut figures: BTreeMap<Vec<String>, GroupFigures> = BTreeMap::new();
    for row in db.query_all(&counts).await? {
        let keys = keys_of(&row, n)?;
        let count: i64 = row.try_get("", "n")?;
        figures.insert(
            keys.clone(),
            GroupFigures {
                keys,
                pilot_count: u64::try_from(count).unwrap_or_default(),
                totals: FinancingTotals::default(),
            },
        );
    }

    let mut sums = grouped(groups, scope);
    sums.from(financing_source::Entity)
        .inner_join(
            pilot::Entity,
            Expr::col((pilot::Entity, pilot::Column::Id))
                .equals((financing_source::Entity, financing_source::Column::PilotId)),
        )
        .and_where(ExprTrait::ne(
            Expr::col((financing_source::Entity, financing_source::Column::Status)),
            FinancingStatus::Cancelled.as_str(),
        ))
        .expr_as(
            money_sum(backend, financing_source::Column::CommittedAmount),
            Alias::new("committed"),
        )
        .expr_as(
            money_sum(backend, financing_source::Column::DisbursedAmount),
            Alias::new("disbursed"),
        );
    for row in db.query_all(&sums).await? {
        let keys = keys_of(&row, n)?;
        let committed: String = row.try_get("", "committed")?;
        let disbursed: String = row.try_get("", "disbursed")?;
        if let Some(f) = figures.get_mut(&keys) {
            f.totals = FinancingTotals {
                committed_amount: DecimalScalar(parse_sum(backend, &committed)?),
                disbursed_amount: DecimalScalar(parse_sum(backend, &disbursed)?),
            };
        }
    }
    Ok(figures.into_values().collect())
}

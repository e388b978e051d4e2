//! Keyset paging: one mechanism for every list, used by services and the GraphQL layer alike.
//! A cursor is the sort key and the tie-breaker of a row, so pages never skip or repeat rows
//! however the data around them changes, and walking backward meets exactly the rows walking
//! forward met. A cursor is client input: one that does not decode to values of the list's
//! own column types is refused as `BAD_USER_INPUT`, never sent to the database.

use crate::error::{ApiError, ApiResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entities::{Columns, PartialRow};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, IdenStatic, Order, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

/// Largest page a client may ask for.
pub const MAX_PAGE: u64 = 100;
/// Page size when the client names none.
pub const DEFAULT_PAGE: u64 = 20;

/// The four Relay arguments, as given.
#[derive(Debug, Default, Clone)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// A value a list is sorted by, as it appears inside a cursor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum SortValue {
    Int(i64),
    Text(String),
}

/// The type of a sort column, which the values of a cursor must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// An integer column.
    Int,
    /// A text column.
    Text,
    /// A timestamp column (cursor values are RFC 3339).
    Time,
}

/// Longest text value a cursor may carry.
const MAX_CURSOR_TEXT: usize = 500;

impl SortValue {
    /// The value as a SQL literal of `kind`, or `BAD_USER_INPUT` when a forged cursor carries
    /// a value of another type, out of range, or with characters no stored key holds.
    fn into_expr(self, kind: KeyKind) -> ApiResult<SimpleExpr> {
        Ok(match (self, kind) {
            (SortValue::Int(i), KeyKind::Int) => Expr::val(i),
            (SortValue::Text(s), KeyKind::Time) => {
                let t = DateTime::parse_from_rfc3339(&s)
                    .map_err(|_| bad_cursor())?
                    .with_timezone(&Utc);
                Expr::val(t)
            }
            (SortValue::Text(s), KeyKind::Text)
                if s.len() <= MAX_CURSOR_TEXT && !s.chars().any(char::is_control) =>
            {
                Expr::val(s)
            }
            _ => return Err(bad_cursor()),
        })
    }
}

impl From<DateTime<Utc>> for SortValue {
    fn from(t: DateTime<Utc>) -> Self {
        SortValue::Text(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }
}

fn bad_cursor() -> ApiError {
    ApiError::bad_input("cursor", "malformed cursor")
}

/// How a list is sorted: a column, then a unique tie-breaking column, both in `direction`.
pub struct Sort<E: EntityTrait> {
    pub column: E::Column,
    /// The type of `column`.
    pub kind: KeyKind,
    /// A unique column (an integer id unless `tie_kind` says otherwise).
    pub tie: E::Column,
    /// The type of `tie`.
    pub tie_kind: KeyKind,
    pub descending: bool,
    /// The sort key and tie-breaker of a row, for its cursor.
    pub key_of: fn(&E::Model) -> (SortValue, SortValue),
}

/// The opaque cursor of a sort key and tie-breaker.
pub fn encode_cursor(key: (SortValue, SortValue)) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&key).unwrap_or_default())
}

fn decode_cursor(cursor: &str) -> ApiResult<(SortValue, SortValue)> {
    if cursor.len() > 2 * MAX_CURSOR_TEXT {
        return Err(bad_cursor());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| bad_cursor())?;
    serde_json::from_slice(&bytes).map_err(|_| bad_cursor())
}

fn page_size(value: Option<i32>, field: &str) -> ApiResult<Option<u64>> {
    match value {
        None => Ok(None),
        Some(n) if n < 0 => Err(ApiError::bad_input(field, "must not be negative")),
        Some(n) if n as u64 > MAX_PAGE => Err(ApiError::bad_input(
            field,
            format!("must be at most {MAX_PAGE}"),
        )),
        Some(n) => Ok(Some(n as u64)),
    }
}

/// One page of rows with what `pageInfo` needs.
pub struct Page<M> {
    pub rows: Vec<(String, M)>,
    pub has_previous: bool,
    pub has_next: bool,
}

/// Fetches one page of `base` (already filtered by scope and filters) sorted by `sort`, its
/// rows holding `columns` and the sort's two (see [`entities::PartialRow`]).
pub async fn fetch<E>(
    db: &DatabaseConnection,
    base: Select<E>,
    sort: &Sort<E>,
    args: &PageArgs,
    columns: Columns,
) -> ApiResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: PartialRow + Send + Sync,
{
    let first = page_size(args.first, "first")?;
    let last = page_size(args.last, "last")?;
    if first.is_some() && last.is_some() {
        return Err(ApiError::bad_input(
            "last",
            "give `first` or `last`, not both",
        ));
    }
    let backward = last.is_some();
    let limit = first.or(last).unwrap_or(DEFAULT_PAGE);

    // Rows strictly after `cursor` in the direction `descending` says.
    let beyond = |cursor: &str, descending: bool| -> ApiResult<Condition> {
        let (key, tie) = decode_cursor(cursor)?;
        let key = key.into_expr(sort.kind)?;
        let tie = tie.into_expr(sort.tie_kind)?;
        let col = Expr::col(sort.column);
        let tie_col = Expr::col(sort.tie);
        Ok(if descending {
            Condition::any()
                .add(col.clone().lt(key.clone()))
                .add(Condition::all().add(col.eq(key)).add(tie_col.lt(tie)))
        } else {
            Condition::any()
                .add(col.clone().gt(key.clone()))
                .add(Condition::all().add(col.eq(key)).add(tie_col.gt(tie)))
        })
    };

    let mut query = base;
    if let Some(after) = &args.after {
        query = query.filter(beyond(after, sort.descending)?);
    }
    if let Some(before) = &args.before {
        query = query.filter(beyond(before, !sort.descending)?);
    }
    let reading_descending = sort.descending != backward;
    let order = if reading_descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let page = query
        .order_by(sort.column, order.clone())
        .order_by(sort.tie, order)
        .limit(limit + 1);
    let columns = columns.union(Columns::named::<E::Model>(&[
        sort.column.as_str(),
        sort.tie.as_str(),
    ]));
    let mut rows = entities::partial::read(db, page, columns).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if backward {
        rows.reverse();
    }
    let rows = rows
        .into_iter()
        .map(|m| (encode_cursor((sort.key_of)(&m)), m))
        .collect();
    // Nothing is ever deleted, so a cursor given means the row it names lies on that side.
    let (has_previous, has_next) = if backward {
        (more, args.before.is_some())
    } else {
        (args.after.is_some(), more)
    };
    Ok(Page {
        rows,
        has_previous,
        has_next,
    })
}

/// `column LIKE %text%`, case-insensitive on both databases, with wildcards in `text` escaped.
pub fn contains_ci<C: ColumnTrait>(column: C, text: &str) -> SimpleExpr {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(column)))
        .like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

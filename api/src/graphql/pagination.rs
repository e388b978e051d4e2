//! Relay connections over keyset paging (`crate::paging`): the connection types clients see,
//! with a `totalCount` computed only when asked for.

use crate::error::ApiError;
use crate::paging::{PageArgs, Sort, fetch};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Object, OutputType};
use entities::{Columns, PartialRow};
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Select};

/// The extra fields of every connection: a `totalCount` computed only when asked for.
pub struct TotalCount<E: EntityTrait> {
    db: DatabaseConnection,
    count: Counting<E>,
}

/// How a connection's `totalCount` is computed.
enum Counting<E: EntityTrait> {
    /// By counting the rows of the list's query.
    Rows(Select<E>),
    /// By a statement answering the same number in one column `n` (an integer), e.g. from
    /// counts kept beside the rows.
    Kept(SelectStatement),
}

impl<E: EntityTrait> TotalCount<E> {
    /// Computes the count with `statement` instead of counting the list's rows: a statement
    /// of one row whose column `n` holds the same number as the list's query would count.
    pub fn counted_by(&mut self, statement: SelectStatement) {
        self.count = Counting::Kept(statement);
    }
}

impl<E: EntityTrait> async_graphql::TypeName for TotalCount<E> {
    fn type_name() -> std::borrow::Cow<'static, str> {
        // One GraphQL type per entity; its field is merged into the connection type.
        let table = E::default().table_name().to_owned();
        let mut name: String = table
            .split('_')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect();
        name.push_str("Count");
        name.into()
    }
}

#[Object(name_type)]
impl<E> TotalCount<E>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
{
    /// How many records match the filter, over all pages.
    async fn total_count(&self) -> async_graphql::Result<u64> {
        match &self.count {
            Counting::Rows(query) => Ok(query
                .clone()
                .count(&self.db)
                .await
                .map_err(ApiError::from)?),
            Counting::Kept(statement) => {
                let n: i64 = match self.db.query_one(statement).await.map_err(ApiError::from)? {
                    Some(row) => row.try_get("", "n").map_err(ApiError::from)?,
                    None => 0,
                };
                Ok(u64::try_from(n).unwrap_or_default())
            }
        }
    }
}

/// A Relay connection of `N` nodes built from rows of `E`.
pub type Conn<N, E> = Connection<String, N, TotalCount<E>>;

/// Fetches a page and wraps it as a connection, converting each row with `node`; the rows
/// hold `columns` at least (every column: `Columns::ALL`).
pub async fn connection<E, N>(
    db: &DatabaseConnection,
    base: Select<E>,
    sort: &Sort<E>,
    args: &PageArgs,
    columns: Columns,
    node: impl Fn(E::Model) -> N,
) -> crate::error::ApiResult<Conn<N, E>>
where
    E: EntityTrait + Send + Sync,
    E::Model: PartialRow + Send + Sync,
    N: OutputType,
{
    let page = fetch(db, base.clone(), sort, args, columns).await?;
    let mut conn = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        TotalCount {
            db: db.clone(),
            count: Counting::Rows(base),
        },
    );
    conn.edges.extend(
        page.rows
            .into_iter()
            .map(|(cursor, m)| Edge::new(cursor, node(m))),
    );
    Ok(conn)
}

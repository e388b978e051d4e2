//! Batched loading of related records: one query per relationship per request, whatever the
//! page size. Loaders live for one request, so nothing cached crosses viewers.
//!
//! A batch's rows travel to their resolvers behind an `Arc`, so handing them over copies
//! nothing: the resolver that asked for a key is the only holder once the batch is handed
//! out, and takes the rows themselves ([`Loaders::children`], [`Loaders::one`]).
//!
//! A resolver that knows which columns its answer reads (a record's leaves, see
//! [`crate::graphql::records::columns`]) asks for those alone ([`Loaders::children_reading`],
//! [`Loaders::one_reading`]): rows read with other column sets come from batches of their
//! own, so a partial row never reaches a reader that did not ask for it.

use crate::error::{ApiError, ApiResult};
use crate::graphql::batch::{Batch, Load};
use entities::*;
use entities::{Columns, PartialRow};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IdenStatic, QueryFilter, QueryOrder,
    Select,
};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

/// An entity whose rows are loaded in groups sharing one key column (children of a pilot).
pub trait Grouped: EntityTrait {
    /// The key the rows are grouped by.
    type Key: Into<sea_orm::Value> + Clone + Eq + Hash + Send + Sync + 'static;
    /// The column holding the key.
    fn key_column() -> Self::Column;
    /// The key of a row.
    fn key_of(m: &Self::Model) -> Self::Key;
    /// The order of rows within a group.
    fn order_column() -> Self::Column;
}

/// An entity whose rows are loaded one by one by a unique key.
pub trait Keyed: EntityTrait {
    /// The unique key.
    type Key: Into<sea_orm::Value> + Clone + Eq + Hash + Send + Sync + 'static;
    /// The column holding it.
    fn key_column() -> Self::Column;
    /// The key of a row.
    fn key_of(m: &Self::Model) -> Self::Key;
}

/// How a batch reads its rows of `E`.
pub trait Read<E: EntityTrait>: Send + Sync + 'static {
    /// The rows `select` finds.
    fn rows(
        &self,
        db: &DatabaseConnection,
        select: Select<E>,
    ) -> impl Future<Output = Result<Vec<E::Model>, DbErr>> + Send;
}

/// Rows read whole.
pub struct Whole;

/// Rows read with only some columns (see [`PartialRow`]).
pub struct Only(Columns);

impl<E: EntityTrait> Read<E> for Whole
where
    E::Model: Send + Sync,
{
    async fn rows(
        &self,
        db: &DatabaseConnection,
        select: Select<E>,
    ) -> Result<Vec<E::Model>, DbErr> {
        select.all(db).await
    }
}

impl<E: EntityTrait> Read<E> for Only
where
    E::Model: PartialRow + Send + Sync,
{
    async fn rows(
        &self,
        db: &DatabaseConnection,
        select: Select<E>,
    ) -> Result<Vec<E::Model>, DbErr> {
        entities::partial::read(db, select, self.0).await
    }
}

/// `columns` and the column holding the key rows are grouped or found by.
fn with_key<E: EntityTrait>(columns: Columns, key: E::Column) -> Columns
where
    E::Model: PartialRow,
{
    columns.union(Columns::named::<E::Model>(&[key.as_str()]))
}

/// Loads the rows of `E` for a set of group keys in one query, read as `R` says.
pub struct GroupLoader<E, R = Whole>(DatabaseConnection, R, PhantomData<E>);

/// Loads rows of `E` by unique key in one query, read as `R` says.
pub struct KeyLoader<E, R = Whole>(DatabaseConnection, R, PhantomData<E>);

impl<E: Grouped, R: Read<E>> Load<E::Key> for GroupLoader<E, R>
where
    E::Model: Send + Sync,
{
    type Value = Arc<Vec<E::Model>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[E::Key]) -> Result<HashMap<E::Key, Self::Value>, Self::Error> {
        let select = E::find()
            .filter(E::key_column().is_in(keys.iter().cloned()))
            .order_by_asc(E::order_column());
        let rows = self.1.rows(&self.0, select).await.map_err(Arc::new)?;
        let mut out: HashMap<E::Key, Vec<E::Model>> = HashMap::new();
        for row in rows {
            out.entry(E::key_of(&row)).or_default().push(row);
        }
        Ok(out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

impl<E: Keyed, R: Read<E>> Load<E::Key> for KeyLoader<E, R>
where
    E::Model: Send + Sync,
{
    type Value = Arc<E::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[E::Key]) -> Result<HashMap<E::Key, Self::Value>, Self::Error> {
        let select = E::find().filter(E::key_column().is_in(keys.iter().cloned()));
        let rows = self.1.rows(&self.0, select).await.map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .map(|r| (E::key_of(&r), Arc::new(r)))
            .collect())
    }
}

macro_rules! grouped {
    ($($module:ident by $field:ident / $col:ident: $ty:ty, ordered by $order:ident;)+) => {$(
        impl Grouped for $module::Entity {
            type Key = $ty;
            fn key_column() -> Self::Column { $module::Column::$col }
            fn key_of(m: &Self::Model) -> $ty { m.$field.clone() }
            fn order_column() -> Self::Column { $module::Column::$order }
        }
    )+};
}

grouped! {
    plan by pilot_id / PilotId: i64, ordered by Id;
    indicator by pilot_id / PilotId: i64, ordered by Id;
    indicator_actual by indicator_id / IndicatorId: i64, ordered by PeriodEnd;
    key_project by pilot_id / PilotId: i64, ordered by Id;
    financing_source by pilot_id / PilotId: i64, ordered by Id;
    expert_review by pilot_id / PilotId: i64, ordered by Id;
    objection by pilot_id / PilotId: i64, ordered by Id;
    acceptance_record by pilot_id / PilotId: i64, ordered by Attempt;
    re_review by pilot_id / PilotId: i64, ordered by Id;
    tracking_note by pilot_id / PilotId: i64, ordered by Id;
    workflow_event by pilot_id / PilotId: i64, ordered by Id;
    program_type_rule by program_id / ProgramId: i64, ordered by Id;
    program_rule_value by rule_id / RuleId: i64, ordered by Id;
    program_calendar_day by program_id / ProgramId: i64, ordered by Day;
    program_indicator by rule_id / RuleId: i64, ordered by Id;
    program_fund by program_id / ProgramId: i64, ordered by Id;
    program_report_duty by program_id / ProgramId: i64, ordered by Id;
    annual_report by pilot_id / PilotId: i64, ordered by Year;
    region by parent_code / ParentCode: Option<String>, ordered by Code;
}

impl Keyed for program::Entity {
    type Key = i64;
    fn key_column() -> Self::Column {
        program::Column::Id
    }
    fn key_of(m: &Self::Model) -> i64 {
        m.id
    }
}

impl Keyed for program_fund::Entity {
    type Key = i64;
    fn key_column() -> Self::Column {
        program_fund::Column::Id
    }
    fn key_of(m: &Self::Model) -> i64 {
        m.id
    }
}

impl Keyed for organization::Entity {
    type Key = i64;
    fn key_column() -> Self::Column {
        organization::Column::Id
    }
    fn key_of(m: &Self::Model) -> i64 {
        m.id
    }
}

impl Keyed for region::Entity {
    type Key = String;
    fn key_column() -> Self::Column {
        region::Column::Code
    }
    fn key_of(m: &Self::Model) -> String {
        m.code.clone()
    }
}

/// The loaders of one request, each created the first time a resolver asks for it.
pub struct Loaders {
    db: DatabaseConnection,
    /// By loader type and, for partial loaders, the columns they read.
    made: Mutex<HashMap<(TypeId, Columns), Arc<dyn Any + Send + Sync>>>,
    /// The viewer's redactor, read once per request.
    redactor: tokio::sync::OnceCell<Arc<crate::auth::redaction::Redactor>>,
}

impl Loaders {
    /// Empty loaders for a new request.
    pub fn new(db: &DatabaseConnection) -> Self {
        Loaders {
            db: db.clone(),
            made: Mutex::new(HashMap::new()),
            redactor: tokio::sync::OnceCell::new(),
        }
    }

    /// What `viewer` may not see inside records, computed once per request.
    pub async fn redactor(
        &self,
        viewer: &crate::auth::Viewer,
    ) -> crate::error::ApiResult<Arc<crate::auth::redaction::Redactor>> {
        self.redactor
            .get_or_try_init(|| async {
                crate::auth::redaction::Redactor::for_viewer(&self.db, viewer)
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned()
    }

    fn get_or_make<L: Send + Sync + 'static>(
        &self,
        columns: Columns,
        make: impl FnOnce() -> L,
    ) -> Arc<L> {
        let key = (TypeId::of::<L>(), columns);
        let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
        let existing = made
            .get(&key)
            .and_then(|a| Arc::clone(a).downcast::<L>().ok());
        if let Some(existing) = existing {
            return existing;
        }
        let fresh = Arc::new(make());
        made.insert(key, fresh.clone());
        fresh
    }

    fn group<E: Grouped>(&self) -> Arc<Batch<E::Key, GroupLoader<E>>>
    where
        E::Model: Send + Sync + Clone,
    {
        self.get_or_make(Columns::ALL, || {
            Batch::new(GroupLoader(self.db.clone(), Whole, PhantomData))
        })
    }

    fn keyed<E: Keyed>(&self) -> Arc<Batch<E::Key, KeyLoader<E>>>
    where
        E::Model: Send + Sync + Clone,
    {
        self.get_or_make(Columns::ALL, || {
            Batch::new(KeyLoader(self.db.clone(), Whole, PhantomData))
        })
    }

    /// The rows of `E` under `key`, in their order (none: empty), read in the request's
    /// one batch for `E`.
    pub async fn children<E: Grouped>(&self, key: E::Key) -> ApiResult<Vec<E::Model>>
    where
        E::Model: Send + Sync + Clone,
    {
        let rows = self
            .group::<E>()
            .load_one(key)
            .await
            .map_err(ApiError::internal)?;
        Ok(rows.map(Arc::unwrap_or_clone).unwrap_or_default())
    }

    /// The rows of `E` under `key` as [`Loaders::children`] reads them, but holding only
    /// `columns` (and the key); every other column holds its stand-in value.
    pub async fn children_reading<E: Grouped>(
        &self,
        key: E::Key,
        columns: Columns,
    ) -> ApiResult<Vec<E::Model>>
    where
        E::Model: PartialRow + Send + Sync + Clone,
    {
        if columns.covers::<E::Model>() {
            return self.children::<E>(key).await;
        }
        let columns = with_key::<E>(columns, E::key_column());
        let loader = self.get_or_make(columns, || {
            Batch::new(GroupLoader::<E, _>(
                self.db.clone(),
                Only(columns),
                PhantomData,
            ))
        });
        let rows = loader.load_one(key).await.map_err(ApiError::internal)?;
        Ok(rows.map(Arc::unwrap_or_clone).unwrap_or_default())
    }

    /// The row of `E` with `key` as [`Loaders::one`] reads it, but holding only `columns`
    /// (and the key); every other column holds its stand-in value.
    pub async fn one_reading<E: Keyed>(
        &self,
        key: E::Key,
        columns: Columns,
    ) -> ApiResult<Option<E::Model>>
    where
        E::Model: PartialRow + Send + Sync + Clone,
    {
        if columns.covers::<E::Model>() {
            return self.one::<E>(key).await;
        }
        let columns = with_key::<E>(columns, E::key_column());
        let loader = self.get_or_make(columns, || {
            Batch::new(KeyLoader::<E, _>(
                self.db.clone(),
                Only(columns),
                PhantomData,
            ))
        });
        let row = loader.load_one(key).await.map_err(ApiError::internal)?;
        Ok(row.map(Arc::unwrap_or_clone))
    }

    /// The row of `E` with `key`, if any, read in the request's one batch for `E`.
    pub async fn one<E: Keyed>(&self, key: E::Key) -> ApiResult<Option<E::Model>>
    where
        E::Model: Send + Sync + Clone,
    {
        Ok(self.many::<E>([key.clone()]).await?.remove(&key))
    }

    /// The rows of `E` with any of `keys`, by key, in one read.
    pub async fn many<E: Keyed>(
        &self,
        keys: impl IntoIterator<Item = E::Key>,
    ) -> ApiResult<HashMap<E::Key, E::Model>>
    where
        E::Model: Send + Sync + Clone,
    {
        let rows = self
            .keyed::<E>()
            .load_many(keys)
            .await
            .map_err(ApiError::internal)?;
        Ok(rows
            .into_iter()
            .map(|(k, r)| (k, Arc::unwrap_or_clone(r)))
            .collect())
    }
}

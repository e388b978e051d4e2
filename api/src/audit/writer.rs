//! Writing with an audit trail: [`WriteTx`] is the one way services change data. It takes the
//! write lock, and every insert or update through it appends, in the same transaction, an
//! audit event with the entity before and after, chained to the previous event. If the change
//! rolls back, so does its event; no change commits without one.

use super::chain::hash_of;
use crate::auth::Viewer;
use crate::db::{WriteQueue, WriteTurn};
use crate::error::{ApiError, ApiResult};
use crate::ids::{self, Kind};
use chrono::{DateTime, Utc};
use entities::*;
use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, FromQueryResult, IntoActiveModel, Iterable, Set,
    TransactionTrait,
};
use serde::Serialize;

/// A record whose changes are audited.
pub trait Audited: Serialize {
    /// Its kind, as in global ids.
    const KIND: Kind;
    /// Its numeric key.
    fn key(&self) -> i64;
    /// The pilot it belongs to, for scoping the trail.
    fn pilot_of(&self) -> Option<i64>;
    /// The regional plan it belongs to, for scoping the trail.
    fn plan_of(&self) -> Option<i64> {
        None
    }
}

macro_rules! audited_child {
    ($($module:ident => $kind:ident),+ $(,)?) => {$(
        impl Audited for $module::Model {
            const KIND: Kind = Kind::$kind;
            fn key(&self) -> i64 { self.id }
            fn pilot_of(&self) -> Option<i64> { Some(self.pilot_id) }
        }
    )+};
}

audited_child! {
    plan => Plan,
    indicator => Indicator,
    indicator_actual => IndicatorActual,
    key_project => KeyProject,
    financing_source => FinancingSource,
    expert_review => ExpertReview,
    objection => Objection,
    acceptance_record => AcceptanceRecord,
    re_review => ReReview,
    tracking_note => TrackingNote,
    annual_report => AnnualReport,
    workflow_event => WorkflowEvent,
}

impl Audited for pilot::Model {
    const KIND: Kind = Kind::Pilot;
    fn key(&self) -> i64 {
        self.id
    }
    fn pilot_of(&self) -> Option<i64> {
        Some(self.id)
    }
}

impl Audited for program::Model {
    const KIND: Kind = Kind::Program;
    fn key(&self) -> i64 {
        self.id
    }
    fn pilot_of(&self) -> Option<i64> {
        None
    }
}

impl Audited for program_type_rule::Model {
    const KIND: Kind = Kind::ProgramTypeRule;
    fn key(&self) -> i64 {
        self.id
    }
    fn pilot_of(&self) -> Option<i64> {
        None
    }
}

impl Audited for program_rule_value::Model {
    const KIND: Kind = Kind::ProgramRuleValue;
    fn key(&self) -> i64 {
        self.id
    }
    fn pilot_of(&self) -> Option<i64> {
        None
    }
}

/// Records of a program (no pilot): its catalogues, duties and calendar.
macro_rules! audited_program_record {
    ($($module:ident => $kind:ident),+ $(,)?) => {$(
        impl Audited for $module::Model {
            const KIND: Kind = Kind::$kind;
            fn key(&self) -> i64 { self.id }
            fn pilot_of(&self) -> Option<i64> { None }
        }
    )+};
}

audited_program_record! {
    program_indicator => CatalogueIndicator,
    program_fund => Fund,
    program_report_duty => ReportDuty,
}

/// Records of a regional plan: the plan itself and everything filed under it.
macro_rules! audited_plan_record {
    ($($module:ident => $kind:ident by $plan:ident),+ $(,)?) => {$(
        impl Audited for $module::Model {
            const KIND: Kind = Kind::$kind;
            fn key(&self) -> i64 { self.id }
            fn pilot_of(&self) -> Option<i64> { None }
            fn plan_of(&self) -> Option<i64> { Some(self.$plan) }
        }
    )+};
}

audited_plan_record! {
    regional_plan => RegionalPlan by id,
    regional_target => RegionalTarget by plan_id,
    regional_target_value => RegionalTargetValue by plan_id,
    regional_task => RegionalTask by plan_id,
    regional_task_unit => RegionalTaskUnit by plan_id,
    regional_report => RegionalReport by plan_id,
    regional_report_value => RegionalReportValue by plan_id,
    regional_task_progress => RegionalTaskProgress by plan_id,
    regional_assessment => RegionalAssessment by plan_id,
}

impl Audited for program_calendar_day::Model {
    const KIND: Kind = Kind::CalendarDay;
    fn key(&self) -> i64 {
        self.id
    }
    fn pilot_of(&self) -> Option<i64> {
        None
    }
}

/// Regions are keyed by their six-digit code (no leading zero in GB/T 2260), so the event's
/// entity id is the region's global id.
impl Audited for region::Model {
    const KIND: Kind = Kind::Region;
    fn key(&self) -> i64 {
        self.code.parse().unwrap_or_default()
    }
    fn pilot_of(&self) -> Option<i64> {
        None
    }
}

impl Audited for organization::Model {
    const KIND: Kind = Kind::Organization;
    fn key(&self) -> i64 {
        self.id
    }
    fn pilot_of(&self) -> Option<i64> {
        None
    }
}

/// Who makes the changes of a transaction.
#[derive(Debug, Clone)]
pub struct Actor {
    pub sub: String,
    pub role: Role,
    pub region: Option<String>,
    pub org: Option<i64>,
}

impl From<&Viewer> for Actor {
    fn from(v: &Viewer) -> Self {
        Actor {
            sub: v.sub.clone(),
            role: v.role,
            region: v.region.as_ref().map(|r| r.to_string()),
            org: v.org,
        }
    }
}

impl Actor {
    /// The service itself (imports, seeds).
    pub fn system(what: &str) -> Self {
        Actor {
            sub: format!("system:{what}"),
            role: Role::Provincial,
            region: None,
            org: None,
        }
    }
}

fn active(e: audit_event::Model) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        seq: Set(e.seq),
        occurred_at: Set(e.occurred_at),
        actor_sub: Set(e.actor_sub),
        actor_role: Set(e.actor_role),
        actor_region: Set(e.actor_region),
        actor_org: Set(e.actor_org),
        entity_type: Set(e.entity_type),
        entity_id: Set(e.entity_id),
        pilot_id: Set(e.pilot_id),
        plan_id: Set(e.plan_id),
        action: Set(e.action),
        before: Set(e.before),
        after: Set(e.after),
        request_id: Set(e.request_id),
        prev_hash: Set(e.prev_hash),
        hash: Set(e.hash),
    }
}

/// A write transaction that audits every change made through it.
pub struct WriteTx {
    txn: DatabaseTransaction,
    actor: Actor,
    request_id: Option<String>,
    now: DateTime<Utc>,
    last_seq: i64,
    last_hash: String,
    /// Dropped after `txn` (fields drop in order), so the next writer of the process goes
    /// only once this one has committed or begun rolling back.
    _turn: WriteTurn,
}

impl WriteTx {
    /// Begins a transaction once next in `queue`, waits for the writer's turn, then takes
    /// the write lock and reads the head of the chain.
    pub async fn begin(
        db: &DatabaseConnection,
        queue: &WriteQueue,
        actor: Actor,
        request_id: Option<String>,
        now: DateTime<Utc>,
    ) -> ApiResult<Self> {
        let (txn, turn) = queue.turn_after(db.begin()).await;
        let txn = txn?;
        let (last_seq, last_hash) = crate::db::lock_for_write(&txn).await?;
        Ok(WriteTx {
            txn,
            actor,
            request_id,
            now,
            last_seq,
            last_hash,
            _turn: turn,
        })
    }

    /// The transaction, for reads.
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The instant the changes are made at.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Inserts a record and audits its creation.
    pub async fn insert<A>(&mut self, am: A) -> ApiResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Audited,
    {
        let model = am.insert(&self.txn).await?;
        self.record("CREATE", None, &model).await?;
        Ok(model)
    }

    /// Inserts a record only if `guard` holds when the insert runs, and audits its creation;
    /// `None` (nothing written) when it does not. The guard is evaluated by the insert itself
    /// (`INSERT … SELECT … WHERE guard`), after the lock is taken: a writer that validated
    /// against state read before the lock confirms here that the state has not moved,
    /// without another round trip while it holds the lock.
    pub async fn insert_if<A>(
        &mut self,
        am: A,
        guard: SimpleExpr,
    ) -> ApiResult<Option<<A::Entity as EntityTrait>::Model>>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Audited + FromQueryResult,
    {
        let mut columns = Vec::new();
        let mut values = Query::select();
        for column in <A::Entity as EntityTrait>::Column::iter() {
            if let ActiveValue::Set(v) | ActiveValue::Unchanged(v) = am.get(column) {
                columns.push(column);
                values.expr(Expr::val(v));
            }
        }
        values.and_where(guard);
        let mut insert = Query::insert();
        insert
            .into_table(A::Entity::default())
            .columns(columns)
            .select_from(values)
            .map_err(ApiError::internal)?
            .returning_all();
        let backend = self.txn.get_database_backend();
        let Some(row) = self.txn.query_one_raw(backend.build(&insert)).await? else {
            return Ok(None);
        };
        let model = <A::Entity as EntityTrait>::Model::from_query_result(&row, "")?;
        self.record("CREATE", None, &model).await?;
        Ok(Some(model))
    }

    /// Makes the following changes at `at` (loading history under a fixed clock).
    pub fn set_now(&mut self, at: DateTime<Utc>) {
        self.now = at;
    }

    /// Inserts a record as made at `at` (loading history).
    pub async fn insert_at<A>(
        &mut self,
        at: DateTime<Utc>,
        am: A,
    ) -> ApiResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Audited,
    {
        self.set_now(at);
        self.insert(am).await
    }

    /// Audits the creation of records already inserted in bulk, in one statement per chunk.
    pub async fn created<M: Audited>(&mut self, models: &[M]) -> ApiResult<()> {
        for chunk in models.chunks(500) {
            let mut rows = Vec::with_capacity(chunk.len());
            for m in chunk {
                rows.push(self.next_event("CREATE", None, m)?);
            }
            audit_event::Entity::insert_many(rows.into_iter().map(active))
                .exec_without_returning(&self.txn)
                .await?;
        }
        Ok(())
    }

    /// Updates a record read in this transaction as `before` and audits the change under
    /// `action` (`UPDATE`, or the workflow action that caused it).
    pub async fn update<A>(
        &mut self,
        action: &str,
        before: &<A::Entity as EntityTrait>::Model,
        am: A,
    ) -> ApiResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Audited,
    {
        let model = am.update(&self.txn).await?;
        self.record(action, Some(before), &model).await?;
        Ok(model)
    }

    async fn record<M: Audited>(
        &mut self,
        action: &str,
        before: Option<&M>,
        after: &M,
    ) -> ApiResult<()> {
        let event = self.next_event(action, before, after)?;
        audit_event::Entity::insert(active(event))
            .exec_without_returning(&self.txn)
            .await?;
        Ok(())
    }

    /// The next event of the chain, which becomes its head.
    fn next_event<M: Audited>(
        &mut self,
        action: &str,
        before: Option<&M>,
        after: &M,
    ) -> ApiResult<audit_event::Model> {
        let json = |m: &M| serde_json::to_string(m).map_err(ApiError::internal);
        let mut event = audit_event::Model {
            seq: self.last_seq + 1,
            occurred_at: self.now,
            actor_sub: self.actor.sub.clone(),
            actor_role: self.actor.role,
            actor_region: self.actor.region.clone(),
            actor_org: self.actor.org,
            entity_type: M::KIND.name().to_owned(),
            entity_id: ids::encode(M::KIND, after.key()).to_string(),
            pilot_id: after.pilot_of(),
            plan_id: after.plan_of(),
            action: action.to_owned(),
            before: before.map(json).transpose()?,
            after: Some(json(after)?),
            request_id: self.request_id.clone(),
            prev_hash: self.last_hash.clone(),
            hash: String::new(),
        };
        event.hash = hash_of(&event);
        self.last_seq = event.seq;
        self.last_hash = event.hash.clone();
        Ok(event)
    }

    /// Commits the changes with their events.
    pub async fn commit(self) -> ApiResult<()> {
        self.txn.commit().await?;
        Ok(())
    }
}

//! Bulk export for data platforms: a whole collection as NDJSON, in the reader's scope,
//! streamed page by page in constant memory from one read transaction (one consistent
//! snapshot), and closed by a trailer with the row count, the format and the change-feed
//! cursor to continue from.
//!
//! Rows are versioned ([`Format`]). Format 2, the default, is the API's shape
//! ([`crate::records`]): camelCase names and global ids, as the change feed and `node(id:)`
//! speak, plus `_type`. Format 1 is the record as the audit trail stores it (snake_case,
//! integer keys) plus `_type` and `_id`, kept for readers written against it.

use crate::audit::writer::Audited;
use crate::auth::Viewer;
use crate::auth::redaction::Redactor;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::paging::{SortValue, encode_cursor};
use crate::records;
use actix_web::web::Bytes;
use entities::*;
use futures_util::future::BoxFuture;
use sea_orm::{
    AccessMode, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, IsolationLevel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::Arc;

/// Rows fetched per page.
const PAGE: u64 = 1000;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Pilots,
    Plans,
    Indicators,
    Projects,
    Financing,
    Acceptance,
    RegionalPlans,
    Organizations,
    Programs,
    Regions,
    Audit,
}

/// The shape of an export's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Records as stored, with `_type` and `_id`.
    Stored = 1,
    /// Records in the API's names, with global ids (the default).
    Api = 2,
}

impl FromStr for Format {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "1" => Ok(Format::Stored),
            "2" => Ok(Format::Api),
            other => Err(ApiError::bad_input(
                "format",
                format!("export format {other} does not exist (1 or 2)"),
            )),
        }
    }
}

impl FromStr for Collection {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        Ok(match s {
            "pilots" => Collection::Pilots,
            "plans" => Collection::Plans,
            "indicators" => Collection::Indicators,
            "projects" => Collection::Projects,
            "financing" => Collection::Financing,
            "acceptance" => Collection::Acceptance,
            "regional-plans" => Collection::RegionalPlans,
            "organizations" => Collection::Organizations,
            "programs" => Collection::Programs,
            "regions" => Collection::Regions,
            "audit" => Collection::Audit,
            other => return Err(ApiError::NotFound(format!("no collection `{other}`"))),
        })
    }
}

/// One page of lines and the key to continue after.
type PageOut = ApiResult<(Vec<u8>, u64, Option<i64>)>;
/// Fetches the page after a key.
type Fetch =
    Box<dyn Fn(Arc<DatabaseTransaction>, i64) -> BoxFuture<'static, PageOut> + Send + Sync>;
/// Counts the rows of a part.
type Count =
    Box<dyn Fn(Arc<DatabaseTransaction>) -> BoxFuture<'static, ApiResult<u64>> + Send + Sync>;

/// One entity of a collection, filtered by scope.
struct Part {
    fetch: Fetch,
    count: Count,
}

fn line<M: Audited>(
    m: &M,
    redactor: &Redactor,
    format: Format,
    out: &mut Vec<u8>,
) -> ApiResult<()> {
    let mut v = serde_json::to_value(m).map_err(ApiError::internal)?;
    redactor.record(M::KIND.name(), &mut v);
    if format == Format::Api {
        v = records::public(M::KIND, &v);
    }
    if let Some(obj) = v.as_object_mut() {
        obj.insert("_type".into(), M::KIND.name().into());
        if format == Format::Stored {
            obj.insert(
                "_id".into(),
                ids::encode(M::KIND, m.key()).to_string().into(),
            );
        }
    }
    serde_json::to_writer(&mut *out, &v).map_err(ApiError::internal)?;
    out.push(b'\n');
    Ok(())
}

/// A part over entity `E`, keyed by its `id` column, restricted by `cond`, each row redacted.
fn part<E>(id: E::Column, cond: Condition, shape: Shape) -> Part
where
    E: EntityTrait,
    E::Model: Audited + Send + Sync,
{
    keyed::<E>(id, move |after| id.gt(after), cond, shape)
}

/// How the rows of an export are written: redacted for its viewer, in its format.
#[derive(Clone)]
struct Shape {
    redactor: Arc<Redactor>,
    format: Format,
}

/// A part over entity `E` in the order of `key`, `after` a row's [`Audited::key`] giving the
/// rows that follow it.
fn keyed<E>(
    key: E::Column,
    after: impl Fn(i64) -> sea_orm::sea_query::SimpleExpr + Send + Sync + 'static,
    cond: Condition,
    shape: Shape,
) -> Part
where
    E: EntityTrait,
    E::Model: Audited + Send + Sync,
{
    let c2 = cond.clone();
    let after = Arc::new(after);
    Part {
        fetch: Box::new(move |txn, last| {
            let cond = cond.clone();
            let shape = shape.clone();
            let after = after.clone();
            Box::pin(async move {
                let rows = E::find()
                    .filter(cond)
                    .filter(after(last))
                    .order_by_asc(key)
                    .limit(PAGE)
                    .all(txn.as_ref())
                    .await?;
                let mut out = Vec::with_capacity(rows.len() * 512);
                for r in &rows {
                    line(r, &shape.redactor, shape.format, &mut out)?;
                }
                Ok((out, rows.len() as u64, rows.last().map(|r| r.key())))
            })
        }),
        count: Box::new(move |txn| {
            let cond = c2.clone();
            Box::pin(async move { Ok(E::find().filter(cond).count(txn.as_ref()).await?) })
        }),
    }
}

/// The audit events in scope, keyed by `seq`, the records they carry redacted.
fn audit_part(cond: Condition, shape: Shape) -> Part {
    let c2 = cond.clone();
    Part {
        fetch: Box::new(move |txn, after| {
            let cond = cond.clone();
            let Shape { redactor, format } = shape.clone();
            Box::pin(async move {
                let rows = audit_event::Entity::find()
                    .filter(cond)
                    .filter(audit_event::Column::Seq.gt(after))
                    .order_by_asc(audit_event::Column::Seq)
                    .limit(PAGE)
                    .all(txn.as_ref())
                    .await?;
                let mut out = Vec::new();
                for r in &rows {
                    let mut v = serde_json::to_value(r).map_err(ApiError::internal)?;
                    if let Some(obj) = v.as_object_mut() {
                        for side in ["before", "after"] {
                            let text = obj.get(side).and_then(|t| t.as_str()).map(str::to_owned);
                            if let Some(redacted) =
                                text.and_then(|t| redactor.redacted_text(&r.entity_type, &t))
                            {
                                obj.insert(side.into(), redacted.into());
                            }
                        }
                    }
                    if format == Format::Api {
                        v = records::public_event(&v);
                    }
                    if let Some(obj) = v.as_object_mut() {
                        obj.insert("_type".into(), "AuditEvent".into());
                    }
                    serde_json::to_writer(&mut out, &v).map_err(ApiError::internal)?;
                    out.push(b'\n');
                }
                Ok((out, rows.len() as u64, rows.last().map(|r| r.seq)))
            })
        }),
        count: Box::new(move |txn| {
            let cond = c2.clone();
            Box::pin(async move {
                Ok(audit_event::Entity::find()
                    .filter(cond)
                    .count(txn.as_ref())
                    .await?)
            })
        }),
    }
}

/// The parts of a collection in the viewer's scope (everything when `viewer` is `None`: the
/// operator's command line).
fn parts(collection: Collection, viewer: Option<&Viewer>, redactor: Shape) -> Vec<Part> {
    let pilots = || match viewer {
        Some(v) => v.pilot_scope(),
        None => Condition::all(),
    };
    macro_rules! child {
        ($m:ident) => {
            part::<$m::Entity>(
                $m::Column::Id,
                match viewer {
                    Some(v) => {
                        Condition::all().add($m::Column::PilotId.in_subquery(v.visible_pilot_ids()))
                    }
                    None => Condition::all(),
                },
                redactor.clone(),
            )
        };
    }
    match collection {
        Collection::Pilots => vec![part::<pilot::Entity>(pilot::Column::Id, pilots(), redactor)],
        Collection::Plans => vec![child!(plan)],
        Collection::Indicators => vec![child!(indicator), child!(indicator_actual)],
        Collection::Projects => vec![child!(key_project)],
        Collection::Financing => vec![child!(financing_source)],
        Collection::Acceptance => vec![
            child!(acceptance_record),
            child!(expert_review),
            child!(re_review),
        ],
        Collection::RegionalPlans => {
            let plans = || match viewer {
                Some(v) => v.regional_plan_scope(),
                None => Condition::all(),
            };
            macro_rules! of_plan {
                ($m:ident) => {
                    part::<$m::Entity>(
                        $m::Column::Id,
                        match viewer {
                            Some(v) => Condition::all()
                                .add($m::Column::PlanId.in_subquery(v.visible_plan_ids())),
                            None => Condition::all(),
                        },
                        redactor.clone(),
                    )
                };
            }
            vec![
                part::<regional_plan::Entity>(regional_plan::Column::Id, plans(), redactor.clone()),
                of_plan!(regional_target),
                of_plan!(regional_target_value),
                of_plan!(regional_task),
                of_plan!(regional_task_unit),
                of_plan!(regional_report),
                of_plan!(regional_report_value),
                of_plan!(regional_task_progress),
                of_plan!(regional_assessment),
            ]
        }
        Collection::Organizations => vec![part::<organization::Entity>(
            organization::Column::Id,
            match viewer {
                Some(v) => v.organization_scope(),
                None => Condition::all(),
            },
            redactor,
        )],
        Collection::Programs => {
            let programs = || {
                let mut q = sea_orm::sea_query::Query::select();
                q.column(program::Column::Id).from(program::Entity);
                if let Some(v) = viewer {
                    q.cond_where(v.program_scope());
                }
                q
            };
            let rules = || {
                sea_orm::sea_query::Query::select()
                    .column(program_type_rule::Column::Id)
                    .from(program_type_rule::Entity)
                    .and_where(program_type_rule::Column::ProgramId.in_subquery(programs()))
                    .to_owned()
            };
            macro_rules! of_program {
                ($m:ident by $col:ident from $ids:expr) => {
                    part::<$m::Entity>(
                        $m::Column::Id,
                        Condition::all().add($m::Column::$col.in_subquery($ids)),
                        redactor.clone(),
                    )
                };
            }
            vec![
                of_program!(program by Id from programs()),
                of_program!(program_type_rule by ProgramId from programs()),
                of_program!(program_rule_value by RuleId from rules()),
                of_program!(program_indicator by RuleId from rules()),
                of_program!(program_fund by ProgramId from programs()),
                of_program!(program_report_duty by ProgramId from programs()),
                of_program!(program_calendar_day by ProgramId from programs()),
            ]
        }
        // Reference data every signed-in reader may see, in code order.
        Collection::Regions => vec![keyed::<region::Entity>(
            region::Column::Code,
            |after| region::Column::Code.gt(format!("{after:06}")),
            Condition::all(),
            redactor,
        )],
        Collection::Audit => vec![audit_part(
            match viewer {
                Some(v) => crate::audit::service::scope(v),
                None => Condition::all(),
            },
            redactor,
        )],
    }
}

/// An export in progress.
pub struct Export {
    txn: Arc<DatabaseTransaction>,
    parts: VecDeque<Part>,
    after: i64,
    rows: u64,
    /// The feed cursor as of the snapshot.
    cursor: String,
    format: Format,
    finished: bool,
}

impl Export {
    /// Opens the snapshot an export reads from.
    pub async fn open(
        db: &DatabaseConnection,
        collection: Collection,
        viewer: Option<&Viewer>,
        format: Format,
    ) -> ApiResult<Self> {
        let txn = match db.get_database_backend() {
            DbBackend::Postgres => {
                db.begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await?
            }
            // A SQLite read transaction in WAL mode already sees one snapshot.
            _ => db.begin().await?,
        };
        let head = audit_event::Entity::find()
            .filter(match viewer {
                Some(v) => crate::audit::service::scope(v),
                None => Condition::all(),
            })
            .order_by_desc(audit_event::Column::Seq)
            .one(&txn)
            .await?;
        let cursor = head.map_or_else(String::new, |h| {
            encode_cursor((SortValue::Int(h.seq), SortValue::Int(h.seq)))
        });
        let redactor = match viewer {
            Some(v) => Redactor::for_viewer(&txn, v).await?,
            None => Redactor::default(),
        };
        Ok(Export {
            txn: Arc::new(txn),
            parts: parts(
                collection,
                viewer,
                Shape {
                    redactor: Arc::new(redactor),
                    format,
                },
            )
            .into(),
            after: 0,
            rows: 0,
            cursor,
            format,
            finished: false,
        })
    }

    /// How many rows the export will hold.
    pub async fn total(&self) -> ApiResult<u64> {
        let mut n = 0;
        for p in &self.parts {
            n += (p.count)(self.txn.clone()).await?;
        }
        Ok(n)
    }

    /// The next chunk of NDJSON, the trailer last, then `None`.
    pub async fn next_chunk(&mut self) -> ApiResult<Option<(Bytes, u64)>> {
        loop {
            if self.finished {
                return Ok(None);
            }
            let Some(part) = self.parts.front() else {
                self.finished = true;
                let trailer = serde_json::json!({"_type": "EndOfExport", "format": self.format as u32, "count": self.rows, "cursor": self.cursor});
                let mut out = serde_json::to_vec(&trailer).map_err(ApiError::internal)?;
                out.push(b'\n');
                return Ok(Some((Bytes::from(out), 0)));
            };
            let (out, n, last) = (part.fetch)(self.txn.clone(), self.after).await?;
            match last {
                Some(key) if n > 0 => {
                    self.after = key;
                    self.rows += n;
                    return Ok(Some((Bytes::from(out), n)));
                }
                _ => {
                    self.parts.pop_front();
                    self.after = 0;
                }
            }
        }
    }

    /// The export as a stream of chunks, for an HTTP body.
    pub fn into_stream(self) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
        futures_util::stream::unfold(self, |mut export| async move {
            match export.next_chunk().await {
                Ok(Some((bytes, _))) => Some((Ok(bytes), export)),
                Ok(None) => None,
                Err(e) => {
                    // The status line is sent; a failure can only cut the stream short, which
                    // readers notice by the missing trailer.
                    tracing::error!(error = %e.message(), "export failed mid-stream");
                    None
                }
            }
        })
    }
}

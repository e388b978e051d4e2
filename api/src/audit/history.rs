//! History: a pilot and everything that belongs to it as it stood at an instant, rebuilt by
//! replaying the audit trail up to that instant, and the differences between two instants.

use super::writer::Audited;
use crate::auth::redaction::Redactor;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entities::{audit_event, pilot};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Records as the audit trail left them at an instant: each record's latest state, by entity
/// type, then by entity id.
#[derive(Debug, Clone, Default)]
pub struct Records(BTreeMap<String, BTreeMap<String, serde_json::Value>>);

impl Records {
    /// Replays the events matching `belongs` (a pilot's, a plan's) up to `at`.
    pub async fn replay(
        db: &DatabaseConnection,
        belongs: sea_orm::sea_query::SimpleExpr,
        at: DateTime<Utc>,
    ) -> ApiResult<Self> {
        let events = audit_event::Entity::find()
            .filter(belongs)
            .filter(audit_event::Column::OccurredAt.lte(at))
            .order_by_asc(audit_event::Column::Seq)
            .all(db)
            .await?;
        let mut records: BTreeMap<String, BTreeMap<String, serde_json::Value>> = BTreeMap::new();
        for e in events {
            let Some(after) = e.after.as_deref() else {
                continue;
            };
            let value: serde_json::Value =
                serde_json::from_str(after).map_err(ApiError::internal)?;
            records
                .entry(e.entity_type)
                .or_default()
                .insert(e.entity_id, value);
        }
        Ok(Records(records))
    }

    /// Removes from every record what `redactor`'s viewer may not see.
    pub fn redact(&mut self, redactor: &Redactor) {
        for (entity_type, records) in &mut self.0 {
            for value in records.values_mut() {
                redactor.record(entity_type, value);
            }
        }
    }

    /// The records of one type as they stood, in key order.
    pub fn rows<M: Audited + DeserializeOwned>(&self) -> ApiResult<Vec<M>> {
        let mut rows: Vec<M> = match self.0.get(M::KIND.name()) {
            Some(map) => map
                .values()
                .map(|v| serde_json::from_value(v.clone()).map_err(ApiError::internal))
                .collect::<ApiResult<_>>()?,
            None => Vec::new(),
        };
        rows.sort_by_key(|m| m.key());
        Ok(rows)
    }
}

/// A pilot and its records at an instant.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub at: DateTime<Utc>,
    pub pilot: pilot::Model,
    records: Records,
}

impl Snapshot {
    /// Removes from every record what `redactor`'s viewer may not see.
    pub fn redact(&mut self, redactor: &Redactor) {
        self.records.redact(redactor);
    }

    /// The records of one type as they stood, in key order.
    pub fn rows<M: Audited + DeserializeOwned>(&self) -> ApiResult<Vec<M>> {
        self.records.rows()
    }
}

/// The pilot `pilot_id` as it stood at `at`; `None` if it did not exist yet.
pub async fn snapshot(
    db: &DatabaseConnection,
    pilot_id: i64,
    at: DateTime<Utc>,
) -> ApiResult<Option<Snapshot>> {
    let records = Records::replay(db, audit_event::Column::PilotId.eq(pilot_id), at).await?;
    let Some(pilot) = records.rows::<pilot::Model>()?.into_iter().next() else {
        return Ok(None);
    };
    Ok(Some(Snapshot { at, pilot, records }))
}

/// One field of one record that differs between two instants.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub entity_type: String,
    pub entity_id: String,
    pub field: String,
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
}

/// The fields that differ between two snapshots of a pilot (`from` may predate the pilot).
/// A record that appears lists its every field; bookkeeping fields (`version`,
/// `updated_at`) are left out.
pub fn diff(from: Option<&Snapshot>, to: &Snapshot) -> Vec<FieldChange> {
    const IGNORED: [&str; 2] = ["version", "updated_at"];
    let empty = BTreeMap::new();
    let before = from.map_or(&empty, |s| &s.records.0);
    let mut out = Vec::new();
    for (entity_type, records) in &to.records.0 {
        for (entity_id, after) in records {
            let prior = before.get(entity_type).and_then(|m| m.get(entity_id));
            let (Some(after), prior) = (after.as_object(), prior.and_then(|p| p.as_object()))
            else {
                continue;
            };
            for (field, value) in after {
                if IGNORED.contains(&field.as_str()) {
                    continue;
                }
                let old = prior.and_then(|p| p.get(field));
                if old != Some(value) {
                    out.push(FieldChange {
                        entity_type: entity_type.clone(),
                        entity_id: entity_id.clone(),
                        field: crate::records::field_name(field),
                        from: old.map(|v| crate::records::field_value(field, v)),
                        to: Some(crate::records::field_value(field, value)),
                    });
                }
            }
        }
    }
    out
}

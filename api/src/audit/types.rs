//! The `AuditEvent` object and the result of chain verification.

use crate::auth::redaction::Redactor;
use crate::ids::{self, Kind};
use async_graphql::{ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{Role, audit_event};

/// One change, as the trail recorded it, with what the viewer may not see removed from the
/// records before and after.
pub struct AuditEvent {
    model: audit_event::Model,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

impl AuditEvent {
    /// The event as `redactor`'s viewer may read it, its records in the API's shape.
    pub fn new(model: audit_event::Model, redactor: &Redactor) -> Self {
        let kind = model.entity_type.parse::<Kind>().ok();
        let read = |text: &Option<String>| {
            let record = text
                .as_deref()
                .and_then(|t| redactor.record_text(&model.entity_type, t))?;
            Some(match kind {
                Some(kind) => crate::records::public(kind, &record),
                None => record,
            })
        };
        AuditEvent {
            before: read(&model.before),
            after: read(&model.after),
            model,
        }
    }
}

/// Who made a change, as recorded.
#[derive(SimpleObject)]
pub struct AuditActor {
    pub sub: String,
    pub role: Role,
    pub region: Option<String>,
    /// The applicant organisation's id, for applicants.
    pub org: Option<ID>,
}

#[Object]
impl AuditEvent {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AuditEvent, self.model.seq)
    }
    /// Position in the chain: 1, 2, 3, ... without gaps.
    async fn seq(&self) -> i64 {
        self.model.seq
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.model.occurred_at
    }
    async fn actor(&self) -> AuditActor {
        AuditActor {
            sub: self.model.actor_sub.clone(),
            role: self.model.actor_role,
            region: self.model.actor_region.clone(),
            org: self
                .model
                .actor_org
                .map(|o| ids::encode(Kind::Organization, o)),
        }
    }
    /// The GraphQL type of the changed record, e.g. `Pilot`.
    async fn entity_type(&self) -> &str {
        &self.model.entity_type
    }
    /// The global id of the changed record.
    async fn entity_id(&self) -> ID {
        ID(self.model.entity_id.clone())
    }
    /// The pilot the record belongs to, if any.
    async fn pilot_id(&self) -> Option<ID> {
        self.model.pilot_id.map(|p| ids::encode(Kind::Pilot, p))
    }
    /// `CREATE`, `UPDATE`, `PUBLISH`, `SUPERSEDE`, or the workflow action that changed a pilot.
    async fn action(&self) -> &str {
        &self.model.action
    }
    /// The record before the change (absent for a creation), in the API's names with global
    /// ids (see the README's "Records in the API's shape"), less what the viewer
    /// may not see (nulled).
    async fn before(&self) -> Option<Json<&serde_json::Value>> {
        self.before.as_ref().map(Json)
    }
    /// The record after the change, in the API's shape, less what the viewer may not see
    /// (nulled).
    async fn after(&self) -> Option<Json<&serde_json::Value>> {
        self.after.as_ref().map(Json)
    }
    async fn request_id(&self) -> Option<&str> {
        self.model.request_id.as_deref()
    }
    async fn prev_hash(&self) -> &str {
        &self.model.prev_hash
    }
    /// SHA-256 over the canonical encoding of this event and `prevHash`.
    async fn hash(&self) -> &str {
        &self.model.hash
    }
}

/// The result of `verifyAuditChain`.
#[derive(SimpleObject)]
pub struct AuditChainVerification {
    /// True when every event checked is intact and linked.
    pub valid: bool,
    /// How many events verified before the first break (or in all).
    pub checked: u64,
    /// The first event where the chain breaks.
    pub first_broken_seq: Option<i64>,
    /// Why it breaks there.
    pub reason: Option<String>,
}

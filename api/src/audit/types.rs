//! The `AuditEvent` object and the result of chain verification.

use crate::ids::{self, Kind};
use async_graphql::{ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{Role, audit_event};

/// One change, as the trail recorded it.
pub struct AuditEvent(pub audit_event::Model);

/// Who made a change, as recorded.
#[derive(SimpleObject)]
pub struct AuditActor {
    pub sub: String,
    pub role: Role,
    pub region: Option<String>,
    /// The applicant organisation's id, for applicants.
    pub org: Option<ID>,
}

fn parse(text: &Option<String>) -> Option<Json<serde_json::Value>> {
    text.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .map(Json)
}

#[Object]
impl AuditEvent {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AuditEvent, self.0.seq)
    }
    /// Position in the chain: 1, 2, 3, ... without gaps.
    async fn seq(&self) -> i64 {
        self.0.seq
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    async fn actor(&self) -> AuditActor {
        AuditActor {
            sub: self.0.actor_sub.clone(),
            role: self.0.actor_role,
            region: self.0.actor_region.clone(),
            org: self.0.actor_org.map(|o| ids::encode(Kind::Organization, o)),
        }
    }
    /// The GraphQL type of the changed record, e.g. `Pilot`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// The global id of the changed record.
    async fn entity_id(&self) -> ID {
        ID(self.0.entity_id.clone())
    }
    /// The pilot the record belongs to, if any.
    async fn pilot_id(&self) -> Option<ID> {
        self.0.pilot_id.map(|p| ids::encode(Kind::Pilot, p))
    }
    /// `CREATE`, `UPDATE`, `PUBLISH`, `SUPERSEDE`, or the workflow action that changed a pilot.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The record before the change (absent for a creation), as stored.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        parse(&self.0.before)
    }
    /// The record after the change, as stored.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        parse(&self.0.after)
    }
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
    /// SHA-256 over the canonical encoding of this event and `prevHash`.
    async fn hash(&self) -> &str {
        &self.0.hash
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

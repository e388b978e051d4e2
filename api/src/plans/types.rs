//! The `Plan` object: one version of a planning document.

use crate::ids::{self, Kind};
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{PlanKind, PlanStatus, plan};

/// One version of a planning document; superseded versions stay readable.
pub struct Plan(pub plan::Model);

/// Metadata of the document attached to a plan.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct AttachedDocument {
    pub name: String,
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Hex SHA-256 of the file, so a copy can be checked against the record.
    pub sha256: String,
}

#[Object(serial)]
impl Plan {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Plan, self.0.id)
    }
    async fn kind(&self) -> PlanKind {
        self.0.kind
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// 1 for the first version of this kind for the pilot, then 2, 3, ...
    async fn plan_version(&self) -> i32 {
        self.0.plan_version
    }
    async fn period_start_year(&self) -> i32 {
        self.0.period_start_year
    }
    async fn period_end_year(&self) -> i32 {
        self.0.period_end_year
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn document(&self) -> Option<AttachedDocument> {
        let m = &self.0;
        Some(AttachedDocument {
            name: m.document_name.clone()?,
            media_type: m.document_media_type.clone()?,
            size: m.document_size?,
            sha256: m.document_sha256.clone()?,
        })
    }
    async fn status(&self) -> PlanStatus {
        self.0.status
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

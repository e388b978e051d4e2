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

crate::graphql::records::record_object! {
    #[Object(serial)]
    impl Plan as p {
        pub id: ID = ids::encode(Kind::Plan, p.0.id);
        kind: PlanKind = p.0.kind;
        title: &str = &p.0.title;
        /// 1 for the first version of this kind for the pilot, then 2, 3, ...
        plan_version: i32 = p.0.plan_version;
        period_start_year: i32 = p.0.period_start_year;
        period_end_year: i32 = p.0.period_end_year;
        summary: &str = &p.0.summary;
        status: PlanStatus = p.0.status;
        published_at: Option<DateTime<Utc>> = p.0.published_at;
        version: i32 = p.0.version;
        created_at: DateTime<Utc> = p.0.created_at;
        updated_at: DateTime<Utc> = p.0.updated_at;
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
}

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
    impl Plan(0: plan::Model) {
        pub id: ID = |id| ids::encode(Kind::Plan, *id);
        kind: PlanKind = |kind| *kind;
        title: &str = |title| title;
        /// 1 for the first version of this kind for the pilot, then 2, 3, ...
        plan_version: i32 = |plan_version| *plan_version;
        period_start_year: i32 = |period_start_year| *period_start_year;
        period_end_year: i32 = |period_end_year| *period_end_year;
        summary: &str = |summary| summary;
        status: PlanStatus = |status| *status;
        published_at: Option<DateTime<Utc>> = |published_at| *published_at;
        version: i32 = |version| *version;
        created_at: DateTime<Utc> = |created_at| *created_at;
        updated_at: DateTime<Utc> = |updated_at| *updated_at;
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

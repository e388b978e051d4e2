//! The `Organization` object of the contract.

use crate::graphql::records::Record;
use crate::ids::{self, Kind};
use crate::regions::types::{self as region_types, Region};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entities::{OrganizationKind, ParkLevel, organization};

/// An applicant body.
pub struct Organization(pub organization::Model);

crate::graphql::records::record_object! {
    #[Object(serial)]
    impl Organization as o {
        pub id: ID = ids::encode(Kind::Organization, o.0.id);
        name: &str = &o.0.name;
        kind: OrganizationKind = o.0.kind;
        /// Unified social credit code (GB 32100-2015).
        credit_code: &str = &o.0.credit_code;
        /// For a park management committee: the level at which its park is recognised.
        park_level: Option<ParkLevel> = o.0.park_level;
        version: i32 = o.0.version;
        created_at: DateTime<Utc> = o.0.created_at;
        updated_at: DateTime<Utc> = o.0.updated_at;
    }

    /// The county (or, for a city government, the municipality) it sits in.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Record<Region>>> {
        region_types::load(ctx, Some(self.0.region_code.clone())).await
    }
}

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
    impl Organization(0: organization::Model) {
        pub id: ID = |id| ids::encode(Kind::Organization, *id);
        name: &str = |name| name;
        kind: OrganizationKind = |kind| *kind;
        /// Unified social credit code (GB 32100-2015).
        credit_code: &str = |credit_code| credit_code;
        /// For a park management committee: the level at which its park is recognised.
        park_level: Option<ParkLevel> = |park_level| *park_level;
        version: i32 = |version| *version;
        created_at: DateTime<Utc> = |created_at| *created_at;
        updated_at: DateTime<Utc> = |updated_at| *updated_at;
    }

    /// The county (or, for a city government, the municipality) it sits in.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Record<Region>>> {
        region_types::load(ctx, Some(self.0.region_code.clone())).await
    }
}

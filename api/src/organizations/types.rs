//! The `Organization` object of the contract.

use crate::ids::{self, Kind};
use crate::regions::types::{self as region_types, Region};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entities::{OrganizationKind, ParkLevel, organization};

/// An applicant body.
pub struct Organization(pub organization::Model);

#[Object(serial)]
impl Organization {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Organization, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> OrganizationKind {
        self.0.kind
    }
    /// Unified social credit code (GB 32100-2015).
    async fn credit_code(&self) -> &str {
        &self.0.credit_code
    }
    /// The county (or, for a city government, the municipality) it sits in.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        region_types::load(ctx, Some(self.0.region_code.clone())).await
    }
    /// For a park management committee: the level at which its park is recognised.
    async fn park_level(&self) -> Option<ParkLevel> {
        self.0.park_level
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

//! The `Region` object of the contract.

use crate::graphql::context::ContextExt;
use crate::graphql::loaders::Loaders;
use crate::graphql::records::Record;
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, Object, Result};
use entities::{RegionLevel, region};

/// A node of the administrative hierarchy (GB/T 2260).
pub struct Region(pub region::Model);

crate::graphql::records::record_object! {
    #[Object(serial)]
    impl Region(0: region::Model) {
        /// Opaque global id.
        pub id: ID = |code| ids::encode(Kind::Region, code);
        /// Six-digit division code.
        code: &str = |code| code;
        name: &str = |name| name;
        level: RegionLevel = |level| *level;
    }

    // A plain `Region`: a record answered by a record of its own type would make the
    // resolver's future contain itself.
    /// The division above; absent for a province.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(load(ctx, self.0.parent_code.clone()).await?.map(|r| r.0))
    }
    /// The divisions directly below, by code.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Region>> {
        ctx.viewer()?;
        let rows = ctx
            .data_unchecked::<Loaders>()
            .children::<region::Entity>(Some(self.0.code.clone()))
            .await?;
        Ok(rows.into_iter().map(Region).collect())
    }
}

/// Loads a region by code through the request's loader.
pub async fn load(ctx: &Context<'_>, code: Option<String>) -> Result<Option<Record<Region>>> {
    let Some(code) = code else { return Ok(None) };
    let row = ctx
        .data_unchecked::<Loaders>()
        .one::<region::Entity>(code)
        .await?;
    Ok(row.map(|r| Record(Region(r))))
}

//! `regions` and `region`.

use super::service::{self, RegionFilter as Filter};
use super::types::Region;
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{self, Conn};
use crate::graphql::records;
use crate::paging::PageArgs;
use async_graphql::{Context, InputObject, Object, Result};
use entities::{RegionLevel, region};

/// Narrows the `regions` list.
#[derive(InputObject, Default)]
pub struct RegionFilter {
    pub level: Option<RegionLevel>,
    /// Only the divisions directly below this code.
    pub parent_code: Option<String>,
    /// Text in the name, or the start of the code.
    pub search: Option<String>,
}

#[derive(Default)]
pub struct RegionQuery;

#[Object]
impl RegionQuery {
    /// The administrative hierarchy, by code.
    #[graphql(complexity = "crate::graphql::cost::connection(first, last, child_complexity)")]
    async fn regions(
        &self,
        ctx: &Context<'_>,
        filter: Option<RegionFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<Region, region::Entity>> {
        ctx.viewer()?;
        let f = filter.unwrap_or_default();
        let q = service::query(&Filter {
            level: f.level,
            parent_code: f.parent_code,
            search: f.search,
        })?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let columns = records::node_columns::<Region>(ctx);
        Ok(pagination::connection(ctx.db(), q, &service::sort(), &args, columns, Region).await?)
    }

    /// One region by its six-digit code.
    async fn region(&self, ctx: &Context<'_>, code: String) -> Result<Region> {
        ctx.viewer()?;
        Ok(Region(service::get(ctx.db(), &code).await?))
    }
}

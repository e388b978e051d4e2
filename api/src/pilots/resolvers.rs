//! `pilots` and `pilot`.

use super::service::{self, PilotOrderField};
use super::types::{OrderDirection, Pilot, PilotFilter, PilotOrder};
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{self, Conn, PageArgs};
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, Object, Result};
use entities::pilot;

#[derive(Default)]
pub struct PilotQuery;

#[Object]
impl PilotQuery {
    /// Pilots the caller may see. Cursors are stable: a page never skips or repeats a pilot.
    #[allow(clippy::too_many_arguments)]
    async fn pilots(
        &self,
        ctx: &Context<'_>,
        filter: Option<PilotFilter>,
        order_by: Option<PilotOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<Pilot, pilot::Entity>> {
        let viewer = ctx.viewer()?;
        let filter = filter.unwrap_or_default().parse()?;
        let (field, direction) = order_by
            .map(|o| (o.field, o.direction))
            .unwrap_or((PilotOrderField::UpdatedAt, OrderDirection::Desc));
        let q = service::query(viewer, &filter)?;
        let sort = service::sort(field, direction == OrderDirection::Desc);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        Ok(pagination::connection(ctx.db(), q, &sort, &args, Pilot).await?)
    }

    /// One pilot; `NOT_FOUND` when it does not exist or is out of the caller's scope.
    async fn pilot(&self, ctx: &Context<'_>, id: ID) -> Result<Pilot> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&id, Kind::Pilot, "id")?;
        Ok(Pilot(service::get(ctx.db(), viewer, id).await?))
    }
}

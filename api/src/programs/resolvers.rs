//! `programs` and `program`.

use super::service::{self, ProgramFilter as Filter};
use super::types::Program;
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{self, Conn, PageArgs};
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, Result};
use entities::{PilotType, ProgramLevel, program};

/// Narrows the `programs` list.
#[derive(InputObject, Default)]
pub struct ProgramFilter {
    pub level: Option<ProgramLevel>,
    /// Only programs admitting this pilot type.
    pub pilot_type: Option<PilotType>,
    /// Text in the name or document number.
    pub search: Option<String>,
}

#[derive(Default)]
pub struct ProgramQuery;

#[Object]
impl ProgramQuery {
    /// Programs the caller may see, newest first.
    async fn programs(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProgramFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<Program, program::Entity>> {
        let viewer = ctx.viewer()?;
        let f = filter.unwrap_or_default();
        let q = service::query(
            viewer,
            &Filter {
                level: f.level,
                pilot_type: f.pilot_type,
                search: f.search,
            },
        );
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        Ok(pagination::connection(ctx.db(), q, &service::sort(), &args, Program).await?)
    }

    async fn program(&self, ctx: &Context<'_>, id: ID) -> Result<Program> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&id, Kind::Program, "id")?;
        Ok(Program(service::get(ctx.db(), viewer, id).await?))
    }
}

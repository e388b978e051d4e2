//! `organizations` and `organization`.

use super::service::{self, OrganizationFilter as Filter};
use super::types::Organization;
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{self, Conn};
use crate::graphql::records;
use crate::ids::{self, Kind};
use crate::paging::PageArgs;
use async_graphql::{Context, ID, InputObject, Object, Result};
use entities::{OrganizationKind, organization};

/// Narrows the `organizations` list.
#[derive(InputObject, Default)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    /// A province, municipality or county code.
    pub region_code: Option<String>,
    /// Text in the name, or an exact credit code.
    pub search: Option<String>,
}

#[derive(Default)]
pub struct OrganizationQuery;

#[Object]
impl OrganizationQuery {
    /// Organisations the caller may see, by name.
    #[graphql(complexity = "crate::graphql::cost::connection(first, last, child_complexity)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganizationFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<Organization, organization::Entity>> {
        let viewer = ctx.viewer()?;
        let f = filter.unwrap_or_default();
        let q = service::query(
            viewer,
            &Filter {
                kind: f.kind,
                region_code: f.region_code,
                search: f.search,
            },
        )?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let columns = records::node_columns::<Organization>(ctx);
        Ok(
            pagination::connection(ctx.db(), q, &service::sort(), &args, columns, Organization)
                .await?,
        )
    }

    async fn organization(&self, ctx: &Context<'_>, id: ID) -> Result<Organization> {
        let viewer = ctx.viewer()?;
        let id = ids::parse_id(&id, Kind::Organization, "id")?;
        Ok(Organization(service::get(ctx.db(), viewer, id).await?))
    }
}

/// `createOrganization`.
#[derive(InputObject)]
pub struct CreateOrganizationInput {
    pub name: String,
    pub kind: OrganizationKind,
    /// Unified social credit code (GB 32100-2015); its check character is verified.
    pub credit_code: String,
    /// The county it sits in (a municipality for a city government).
    pub region_code: String,
    /// Park management committees: the park's recognised level.
    pub park_level: Option<entities::ParkLevel>,
}

/// What `createOrganization` returns.
#[derive(async_graphql::SimpleObject)]
pub struct OrganizationPayload {
    pub organization: Organization,
}

#[derive(Default)]
pub struct OrganizationMutation;

#[Object]
impl OrganizationMutation {
    /// Provincial, municipal or county user: register an applicant organisation in the region.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> Result<OrganizationPayload> {
        let viewer = ctx.viewer()?;
        let create = service::OrganizationForCreate {
            name: input.name,
            kind: input.kind,
            credit_code: input.credit_code,
            region_code: input.region_code,
            park_level: input.park_level,
        };
        Ok(OrganizationPayload {
            organization: Organization(service::create(ctx.state(), viewer, create).await?),
        })
    }
}

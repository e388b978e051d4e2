//! Schema assembly: the query roots of each domain merged into one, the `Node` interface,
//! per-request loaders and the cost model. The request pipeline wraps the schema
//! (`crate::http::pipeline::Gateway`).

pub mod batch;
pub mod compat;
pub mod context;
pub mod cost;
pub mod loaders;
pub mod node;
pub mod nulls;
pub mod pagination;
pub mod records;
pub mod rows;
pub mod scalars;

use crate::config::Limits;
use crate::http::pipeline::EventBudget;
use crate::state::AppState;
use async_graphql::registry::Registry;
use async_graphql::{MergedObject, MergedSubscription, Schema};

/// The query root: every domain contributes its own fields.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    crate::regions::resolvers::RegionQuery,
    crate::programs::resolvers::ProgramQuery,
    crate::organizations::resolvers::OrganizationQuery,
    crate::pilots::resolvers::PilotQuery,
    crate::audit::resolvers::AuditQuery,
    crate::supervision::resolvers::SupervisionQuery,
    crate::regional::resolvers::RegionalQuery,
    crate::i18n::LabelQuery,
);

/// The mutation root: every domain contributes its own mutations.
#[derive(MergedObject, Default)]
pub struct Mutation(
    crate::workflow::resolvers::WorkflowMutation,
    crate::pilots::resolvers::PilotMutation,
    crate::plans::resolvers::PlanMutation,
    crate::indicators::resolvers::IndicatorMutation,
    crate::projects::resolvers::KeyProjectMutation,
    crate::financing::resolvers::FinancingMutation,
    crate::programs::resolvers::ProgramMutation,
    crate::organizations::resolvers::OrganizationMutation,
    crate::supervision::resolvers::SupervisionMutation,
    crate::regional::resolvers::RegionalMutation,
);

/// The subscription root.
#[derive(MergedSubscription, Default)]
pub struct Subscription(crate::workflow::resolvers::WorkflowSubscription);

/// The executable schema.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema around the shared state with the configured limits; the request
/// pipeline wraps it ([`crate::http::pipeline::Gateway`]). `events`: the extension the schema
/// that runs subscriptions carries inside their streams.
pub fn build_schema(state: AppState, limits: &Limits, events: Option<EventBudget>) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .data(state)
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .limit_recursive_depth(64)
    .limit_directives(10);
    if let Some(events) = events {
        builder = builder.extension(events);
    }
    if limits.introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The schema's output types, as null propagation reads them outside the executor.
pub fn registry() -> Registry {
    nulls::registry::<Query, Mutation, Subscription>()
}

/// The published contract, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .finish()
    .sdl()
}

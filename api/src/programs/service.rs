//! Reading programs inside the viewer's scope.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::graphql::pagination::{Sort, SortValue, contains_ci};
use entities::{PilotType, ProgramLevel, program, program_type_rule};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, Select};

/// Filters of the `programs` list.
#[derive(Debug, Default)]
pub struct ProgramFilter {
    pub level: Option<ProgramLevel>,
    pub pilot_type: Option<PilotType>,
    pub search: Option<String>,
}

/// The programs the viewer may read, filtered.
pub fn query(viewer: &Viewer, filter: &ProgramFilter) -> Select<program::Entity> {
    let mut q = program::Entity::find().filter(viewer.program_scope());
    if let Some(level) = filter.level {
        q = q.filter(program::Column::Level.eq(level));
    }
    if let Some(t) = filter.pilot_type {
        q = q.filter(
            program::Column::Id.in_subquery(
                Query::select()
                    .column(program_type_rule::Column::ProgramId)
                    .from(program_type_rule::Entity)
                    .and_where(program_type_rule::Column::PilotType.eq(t))
                    .to_owned(),
            ),
        );
    }
    if let Some(text) = filter.search.as_deref().filter(|t| !t.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(contains_ci(program::Column::Name, text))
                .add(contains_ci(program::Column::DocumentNumber, text)),
        );
    }
    q
}

/// Programs are listed newest first.
pub fn sort() -> Sort<program::Entity> {
    Sort {
        column: program::Column::Id,
        is_time: false,
        tie: program::Column::Id,
        descending: true,
        key_of: |m| (SortValue::Int(m.id), SortValue::Int(m.id)),
    }
}

/// One program the viewer may read.
pub async fn get(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> ApiResult<program::Model> {
    program::Entity::find_by_id(id)
        .filter(viewer.program_scope())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("program"))
}

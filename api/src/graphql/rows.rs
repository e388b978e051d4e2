//! Lists of plain records resolved one row after another.
//!
//! async-graphql resolves a list's rows concurrently, which for a long list costs a task,
//! an `Arc` and a waker per row. Rows whose fields need no further read are ready at once,
//! so resolving them in order gives the same value without that machinery. In the schema
//! the list is the same `[T!]!` as a `Vec<T>`.

use async_graphql::parser::types::Field;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};

/// The type information of an `OutputType` that is, in the schema, `Vec<T>`.
macro_rules! list_of_t {
    () => {
        fn type_name() -> std::borrow::Cow<'static, str> {
            Vec::<T>::type_name()
        }

        fn qualified_type_name() -> String {
            Vec::<T>::qualified_type_name()
        }

        fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
            Vec::<T>::create_type_info(registry)
        }
    };
}
pub(crate) use list_of_t;

/// A list of records that read nothing more, resolved in order.
pub struct InOrder<T>(pub Vec<T>);

impl<T: OutputType> OutputType for InOrder<T> {
    list_of_t!();

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let mut rows = Vec::with_capacity(self.0.len());
        for (idx, row) in self.0.iter().enumerate() {
            let ctx_row = ctx.with_index(idx);
            rows.push(
                row.resolve(&ctx_row, field)
                    .await
                    .map_err(|e| ctx_row.set_error_path(e))?,
            );
        }
        Ok(Value::List(rows))
    }
}

//! Checks of a query's shape before it runs, beyond async-graphql's depth and complexity
//! limits: how many aliases the document holds, how many fields an operation asks for at its
//! root, and which kind of operation would run (GET may only run queries).

use crate::config::Limits;
use crate::error::ApiError;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};

/// What the checks learned about a document that parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// The kind of the operation that would run, when it can be told.
    pub operation: Option<OperationType>,
}

fn aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + aliases(&f.node.selection_set.node)
            }
            Selection::InlineFragment(i) => aliases(&i.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Checks a query document against the limits. A document that does not parse passes: the
/// executor reports the syntax error itself.
pub fn check(
    query: &str,
    operation_name: Option<&str>,
    limits: &Limits,
) -> Result<Shape, ApiError> {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return Ok(Shape { operation: None });
    };
    check_document(&doc, operation_name, limits)
}

fn check_document(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    limits: &Limits,
) -> Result<Shape, ApiError> {
    let operations: Vec<(
        Option<&str>,
        &async_graphql::parser::types::OperationDefinition,
    )> = match &doc.operations {
        DocumentOperations::Single(op) => vec![(None, &op.node)],
        DocumentOperations::Multiple(map) => map
            .iter()
            .map(|(name, op)| (Some(name.as_str()), &op.node))
            .collect(),
    };
    let mut total = doc
        .fragments
        .values()
        .map(|f| aliases(&f.node.selection_set.node))
        .sum::<usize>();
    for (_, op) in &operations {
        total += aliases(&op.selection_set.node);
        let root = op.selection_set.node.items.len();
        if root > limits.max_root_fields {
            return Err(ApiError::bad_input(
                "query",
                format!(
                    "{root} root fields; at most {} per operation",
                    limits.max_root_fields
                ),
            ));
        }
    }
    if total > limits.max_aliases {
        return Err(ApiError::bad_input(
            "query",
            format!("{total} aliases; at most {}", limits.max_aliases),
        ));
    }
    let selected = match (operation_name, operations.as_slice()) {
        (None, [(_, op)]) => Some(op.ty),
        (Some(name), ops) => ops
            .iter()
            .find(|(n, _)| *n == Some(name))
            .map(|(_, op)| op.ty),
        _ => None,
    };
    Ok(Shape {
        operation: selected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_aliases: 3,
            max_root_fields: 2,
            ..Limits::default()
        }
    }

    #[test]
    fn aliases_are_counted_through_the_whole_document() {
        let ok = "query { a: pilots { totalCount } b: programs { totalCount } }";
        assert!(check(ok, None, &limits()).is_ok());
        let many = "query { pilots { edges { node { a: code b: code } } } ...F } fragment F on Query { c: me { sub } d: me { sub } }";
        assert_eq!(
            check(many, None, &limits()).expect_err("too many").code(),
            "BAD_USER_INPUT"
        );
    }

    #[test]
    fn root_fields_are_limited_per_operation() {
        assert!(
            check(
                "{ me { sub } health programs { totalCount } }",
                None,
                &limits()
            )
            .is_err()
        );
        assert!(check("{ me { sub } health }", None, &limits()).is_ok());
    }

    #[test]
    fn the_selected_operation_is_known() {
        let doc = "query Q { health } mutation M { submitPilot(input: {pilotId: \"x\", version: 1}) { pilot { id } } }";
        assert_eq!(
            check(doc, Some("M"), &limits()).expect("ok").operation,
            Some(OperationType::Mutation)
        );
        assert_eq!(
            check(doc, Some("Q"), &limits()).expect("ok").operation,
            Some(OperationType::Query)
        );
        assert_eq!(check(doc, None, &limits()).expect("ok").operation, None);
        assert_eq!(
            check("{ health", None, &limits())
                .expect("unparsed passes")
                .operation,
            None
        );
    }
}

//! Checks of a query's shape before it is validated, beyond async-graphql's depth and
//! complexity limits: how many aliases the document holds, how many fields an operation asks
//! for at its root, and which operation would run.

use crate::config::Limits;
use crate::error::ApiError;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};

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

/// Checks a parsed document against the alias and root-field limits.
pub fn check_document(doc: &ExecutableDocument, limits: &Limits) -> Result<(), ApiError> {
    let mut total = doc
        .fragments
        .values()
        .map(|f| aliases(&f.node.selection_set.node))
        .sum::<usize>();
    for (_, op) in doc.operations.iter() {
        total += aliases(&op.node.selection_set.node);
        let root = root_fields(doc, &op.node).len();
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
    Ok(())
}

/// The operation that would run: the one named, or the only one.
pub fn selected_operation<'d>(
    doc: &'d ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(map), Some(name)) => map.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(map), None) if map.len() == 1 => {
            map.values().next().map(|op| &op.node)
        }
        _ => None,
    }
}

/// The names of the fields an operation selects at its root, through fragments.
pub fn root_fields<'d>(doc: &'d ExecutableDocument, op: &'d OperationDefinition) -> Vec<&'d str> {
    fn walk<'d>(
        doc: &'d ExecutableDocument,
        set: &'d SelectionSet,
        out: &mut Vec<&'d str>,
        depth: usize,
    ) {
        if depth > 8 {
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => out.push(f.node.name.node.as_str()),
                Selection::InlineFragment(i) => {
                    walk(doc, &i.node.selection_set.node, out, depth + 1)
                }
                Selection::FragmentSpread(s) => {
                    if let Some(f) = doc.fragments.get(&s.node.fragment_name.node) {
                        walk(doc, &f.node.selection_set.node, out, depth + 1);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(doc, &op.selection_set.node, &mut out, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::OperationType;

    fn limits() -> Limits {
        Limits {
            max_aliases: 3,
            max_root_fields: 2,
            ..Limits::default()
        }
    }

    fn check(query: &str) -> Result<(), ApiError> {
        check_document(&parse_query(query).expect("parses"), &limits())
    }

    #[test]
    fn aliases_are_counted_through_the_whole_document() {
        assert!(check("query { a: pilots { totalCount } b: programs { totalCount } }").is_ok());
        let many = "query { pilots { edges { node { a: code b: code } } } ...F } fragment F on Query { c: me { sub } d: me { sub } }";
        assert_eq!(check(many).expect_err("too many").code(), "BAD_USER_INPUT");
    }

    #[test]
    fn root_fields_are_limited_per_operation_through_fragments() {
        assert!(check("{ me { sub } health programs { totalCount } }").is_err());
        assert!(
            check("{ me { sub } ...F } fragment F on Query { health programs { totalCount } }")
                .is_err()
        );
        assert!(check("{ me { sub } health }").is_ok());
    }

    #[test]
    fn the_selected_operation_is_known() {
        let doc = parse_query("query Q { health } mutation M { submitPilot(input: {pilotId: \"x\", version: 1}) { pilot { id } } }").expect("parses");
        let kind = |name| selected_operation(&doc, name).map(|op| op.ty);
        assert_eq!(kind(Some("M")), Some(OperationType::Mutation));
        assert_eq!(kind(Some("Q")), Some(OperationType::Query));
        assert_eq!(kind(None), None);
        let m = selected_operation(&doc, Some("M")).expect("M");
        assert_eq!(root_fields(&doc, m), vec!["submitPilot"]);
    }
}

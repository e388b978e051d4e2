//! Null propagation as the GraphQL spec asks (§6.4.4 "Handling Field Errors"): when a field
//! errors, its position becomes `null`; if that position is non-null, the `null` propagates to
//! the parent position, up to the nearest nullable one, or to `data` itself. async-graphql
//! instead drops an erroring field's key and leaves its parent standing, which clients
//! generated from the schema (that trust `!`) cannot read. The pipeline applies this to every
//! executed response and every subscription event.

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{Name, ObjectType, PathSegment, Response, SubscriptionType, Value};

/// The output types of a schema with these roots, as [`propagate`] reads them.
pub fn registry<Q: ObjectType, M: ObjectType, S: SubscriptionType>() -> Registry {
    let mut registry = Registry {
        query_type: Q::type_name().into_owned(),
        mutation_type: Some(M::type_name().into_owned()),
        subscription_type: Some(S::type_name().into_owned()),
        ..Registry::default()
    };
    Q::create_type_info(&mut registry);
    M::create_type_info(&mut registry);
    S::create_type_info(&mut registry);
    registry
}

/// One step of an error's path with the declared type of the position it names.
struct Position {
    segment: PathSegment,
    /// The declared type, e.g. `[PilotEdge!]!`.
    ty: String,
}

fn nullable(ty: &str) -> bool {
    !ty.ends_with('!')
}

/// `[T!]!` → `T!`; `T!` → `T`.
fn item_type(list: &str) -> &str {
    list.trim_end_matches('!')
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(list)
}

fn named_type(ty: &str) -> &str {
    ty.trim_matches(|c| c == '[' || c == ']' || c == '!')
}

/// The fields of `set` (through fragments) answering to `key`, as (field name, selections).
fn fields_for<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    key: &str,
    out: &mut Vec<(&'d str, &'d SelectionSet)>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(f) if f.node.response_key().node.as_str() == key => {
                out.push((f.node.name.node.as_str(), &f.node.selection_set.node))
            }
            Selection::Field(_) => {}
            Selection::InlineFragment(i) => {
                fields_for(doc, &i.node.selection_set.node, key, out, depth + 1);
            }
            Selection::FragmentSpread(s) => {
                if let Some(f) = doc.fragments.get(&s.node.fragment_name.node) {
                    fields_for(doc, &f.node.selection_set.node, key, out, depth + 1);
                }
            }
        }
    }
}

/// The declared type of field `name` on `type_name`, looking through an interface's or a
/// union's possible types when the field is selected in a fragment on one of them.
fn field_type(registry: &Registry, type_name: &str, name: &str) -> Option<String> {
    let ty = registry.types.get(type_name)?;
    if let Some(f) = ty.field_by_name(name) {
        return Some(f.ty.clone());
    }
    ty.possible_types()?.iter().find_map(|t| {
        registry
            .types
            .get(t)
            .and_then(|m| m.field_by_name(name))
            .map(|f| f.ty.clone())
    })
}

/// The positions along an error's path with their declared types.
fn positions(
    registry: &Registry,
    doc: &ExecutableDocument,
    root: (&str, &SelectionSet),
    path: &[PathSegment],
) -> Option<Vec<Position>> {
    let mut out = Vec::with_capacity(path.len());
    let mut sets: Vec<&SelectionSet> = vec![root.1];
    let mut parent = root.0.to_owned();
    let mut current: Option<String> = None;
    for segment in path {
        match segment {
            PathSegment::Field(key) => {
                let mut found = Vec::new();
                for set in &sets {
                    fields_for(doc, set, key, &mut found, 0);
                }
                let (name, _) = *found.first()?;
                let ty = field_type(registry, &parent, name)?;
                parent = named_type(&ty).to_owned();
                sets = found.iter().map(|(_, s)| *s).collect();
                current = Some(ty.clone());
                out.push(Position {
                    segment: segment.clone(),
                    ty,
                });
            }
            PathSegment::Index(_) => {
                let ty = item_type(current.as_deref()?).to_owned();
                current = Some(ty.clone());
                out.push(Position {
                    segment: segment.clone(),
                    ty,
                });
            }
        }
    }
    Some(out)
}

/// Sets the value at `path` (the object keys and list indices leading to it) to `null`.
fn set_null(value: &mut Value, path: &[PathSegment]) {
    let Some((last, init)) = path.split_last() else {
        *value = Value::Null;
        return;
    };
    let mut at = value;
    for segment in init {
        at = match (segment, at) {
            (PathSegment::Field(k), Value::Object(map)) => match map.get_mut(k.as_str()) {
                Some(v) => v,
                None => return,
            },
            (PathSegment::Index(i), Value::List(items)) => match items.get_mut(*i) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    match (last, at) {
        (PathSegment::Field(k), Value::Object(map)) => {
            map.insert(Name::new(k), Value::Null);
        }
        (PathSegment::Index(i), Value::List(items)) => {
            if let Some(v) = items.get_mut(*i) {
                *v = Value::Null;
            }
        }
        _ => {}
    }
}

/// Applies null propagation for every field error of `response`.
pub fn propagate(
    registry: &Registry,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    response: &mut Response,
) {
    let Some(op) = crate::http::limits::selected_operation(doc, operation_name) else {
        return;
    };
    let root_type = match op.ty {
        OperationType::Query => registry.query_type.as_str(),
        OperationType::Mutation => match &registry.mutation_type {
            Some(t) => t.as_str(),
            None => return,
        },
        OperationType::Subscription => match &registry.subscription_type {
            Some(t) => t.as_str(),
            None => return,
        },
    };
    let paths: Vec<Vec<PathSegment>> = response
        .errors
        .iter()
        .filter(|e| !e.path.is_empty())
        .map(|e| e.path.clone())
        .collect();
    for path in paths {
        if response.data == Value::Null {
            return;
        }
        let Some(positions) = positions(registry, doc, (root_type, &op.selection_set.node), &path)
        else {
            continue;
        };
        // The deepest nullable position at or above the error.
        match positions.iter().rposition(|p| nullable(&p.ty)) {
            Some(i) => {
                let at: Vec<PathSegment> =
                    positions[..=i].iter().map(|p| p.segment.clone()).collect();
                set_null(&mut response.data, &at);
            }
            None => response.data = Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::pipeline::EventBudget;
    use async_graphql::{EmptyMutation, Object, Schema, Subscription};
    use futures_util::{Stream, StreamExt};

    struct Inner;
    #[Object]
    impl Inner {
        async fn fine(&self) -> i32 {
            1
        }
        async fn broken(&self) -> async_graphql::Result<i32> {
            Err("broken".into())
        }
    }

    struct Query;
    #[Object]
    impl Query {
        async fn nullable(&self) -> Option<Inner> {
            Some(Inner)
        }
        async fn required(&self) -> Inner {
            Inner
        }
        async fn items(&self) -> Vec<Option<Inner>> {
            vec![Some(Inner), Some(Inner)]
        }
        async fn other(&self) -> i32 {
            2
        }
    }

    struct Events;
    #[Subscription]
    impl Events {
        async fn inner(&self) -> impl Stream<Item = Inner> {
            futures_util::stream::iter([Inner, Inner])
        }
    }

    /// A small schema; queries get [`propagate`] as the gateway applies it, subscription
    /// events through the pipeline's [`EventBudget`].
    fn schema() -> Schema<Query, EmptyMutation, Events> {
        Schema::build(Query, EmptyMutation, Events)
            .extension(EventBudget(std::time::Duration::from_secs(5)))
            .finish()
    }

    async fn run(query: &str) -> serde_json::Value {
        let mut response = Schema::build(Query, EmptyMutation, Events)
            .finish()
            .execute(query)
            .await;
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        let registry = registry::<Query, EmptyMutation, Events>();
        propagate(&registry, &doc, None, &mut response);
        response.data.into_json().expect("json")
    }

    #[tokio::test]
    async fn a_non_null_error_nulls_the_nearest_nullable_position() {
        assert_eq!(
            run("{ other nullable { fine broken } }").await,
            serde_json::json!({"other": 2, "nullable": null})
        );
        assert_eq!(
            run("{ other n: required { fine broken } }").await,
            serde_json::Value::Null,
            "no nullable position up to the root"
        );
        assert_eq!(
            run("{ items { fine ... on Inner { broken } } }").await,
            serde_json::json!({"items": [null, null]}),
            "list items are positions too"
        );
        assert_eq!(
            run("{ nullable { fine } other }").await,
            serde_json::json!({"nullable": {"fine": 1}, "other": 2})
        );
    }

    #[tokio::test]
    async fn subscription_events_get_null_propagation_too() {
        let events: Vec<Response> = schema()
            .execute_stream("subscription { inner { fine broken } }")
            .collect()
            .await;
        assert_eq!(events.len(), 2);
        for e in events {
            assert_eq!(e.data, Value::Null, "{e:?}");
            assert_eq!(e.errors.len(), 1);
        }
        let events: Vec<Response> = schema()
            .execute_stream("subscription { inner { fine } }")
            .collect()
            .await;
        assert_eq!(
            events[0].data.clone().into_json().expect("json"),
            serde_json::json!({"inner": {"fine": 1}})
        );
    }

    #[test]
    fn list_item_types_unwrap_one_level() {
        assert_eq!(item_type("[PilotEdge!]!"), "PilotEdge!");
        assert_eq!(item_type("[String]"), "String");
        assert_eq!(named_type("[PilotEdge!]!"), "PilotEdge");
        assert!(nullable("Region"));
        assert!(!nullable("Pilot!"));
    }

    #[test]
    fn null_is_set_along_a_path() {
        let mut v = Value::from_json(serde_json::json!({"a": [{"b": 1}, {"b": 2}]})).expect("v");
        set_null(
            &mut v,
            &[PathSegment::Field("a".into()), PathSegment::Index(1)],
        );
        assert_eq!(
            v.into_json().expect("json"),
            serde_json::json!({"a": [{"b": 1}, null]})
        );
    }
}

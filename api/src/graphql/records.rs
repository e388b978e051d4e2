//! Records whose scalar fields are read straight from the row.
//!
//! async-graphql resolves every selected field of an object as a boxed future of its own,
//! then gathers the answers into a map: for a list page that is thousands of futures per
//! request, most of them returning a column of a row they already hold. A record object
//! declared with [`record_object!`] lists its *leaf* fields (scalars and enums computed from
//! the row alone, with no context: no reads, no viewer) once; the macro makes both the
//! ordinary `#[Object]` resolvers of the contract and a table of those fields. Returned as
//! [`Record`] or [`Records`], such an object is answered by reading the selection once and
//! calling the table's functions for each row; its other fields (those that read or depend
//! on the viewer) go through the object's own resolvers, so the rules they apply are the same
//! whichever way the object is answered. A selection this module does not read itself (a
//! remaining directive, a fragment on an interface) falls back to the ordinary resolution.
//! In the schema the types are the object's own (`T`, `[T!]!`).
//!
//! A leaf names the columns of the row it reads, and sees no others. So a selection of
//! leaves only is answered by a row holding just their columns ([`columns`], which the
//! resolver handing out the rows asks its loader for, and [`node_columns`] for a page of a
//! connection); any other field asks for whole rows, unless the object names the columns
//! that field's resolver reads (`reads` in [`record_object!`]).

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, FragmentDefinition, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{
    ContainerType, Context, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
};
use entities::{Columns, PartialRow};
use std::borrow::Cow;
use std::collections::HashMap;

/// A leaf field of a record: its name in the contract, the row's columns it reads and how.
pub struct Leaf<T> {
    name: String,
    columns: Columns,
    read: fn(&T) -> Value,
}

impl<T> Leaf<T> {
    /// The leaf the Rust method `method` (snake case) resolves, read by `read` from `columns`.
    pub fn new(method: &str, columns: Columns, read: fn(&T) -> Value) -> Self {
        Leaf {
            name: field_name(method),
            columns,
            read,
        }
    }

    /// The field's name in the contract.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The field name async-graphql gives the Rust method `method` (`r#type` is `type`).
pub fn field_name(method: &str) -> String {
    camel_case(method.trim_start_matches("r#"))
}

/// The field name async-graphql gives a Rust method: `plan_version` is `planVersion`.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    for (i, part) in snake.split('_').enumerate() {
        let mut chars = part.chars();
        match chars.next() {
            Some(c) if i > 0 => {
                out.extend(c.to_uppercase());
                out.push_str(chars.as_str());
            }
            _ => out.push_str(part),
        }
    }
    out
}

/// An object whose leaf fields [`record_object!`] tabulated.
pub trait Leaves: ContainerType + OutputType + Sized + 'static {
    /// The stored row the object shows.
    type Row: PartialRow;
    /// The leaf fields, in declaration order.
    fn leaves() -> &'static [Leaf<Self>];
    /// The columns of the row that each resolved field listed reads (`reads { … }` in
    /// [`record_object!`]), by field name; a resolved field not listed reads the whole row.
    fn reads() -> &'static [(String, Columns)] {
        &[]
    }
}

/// A value of a leaf field, as async-graphql's own resolver would answer it.
pub trait ToLeaf {
    /// The value in the answer.
    fn to_leaf(self) -> Value;
}

impl ToLeaf for &str {
    fn to_leaf(self) -> Value {
        Value::String(self.to_owned())
    }
}

impl ToLeaf for async_graphql::ID {
    fn to_leaf(self) -> Value {
        Value::String(self.0)
    }
}

impl<T: ToLeaf> ToLeaf for Option<T> {
    fn to_leaf(self) -> Value {
        self.map_or(Value::Null, ToLeaf::to_leaf)
    }
}

/// Leaves answered by their scalar's own `to_value`.
macro_rules! scalar_leaves {
    ($($ty:ty),+ $(,)?) => {$(
        impl ToLeaf for $ty {
            fn to_leaf(self) -> Value {
                async_graphql::ScalarType::to_value(&self)
            }
        }
    )+};
}

scalar_leaves!(
    String,
    i32,
    i64,
    bool,
    chrono::DateTime<chrono::Utc>,
    crate::graphql::scalars::Date,
    crate::graphql::scalars::Decimal,
);

/// Leaves answered as their enum value.
macro_rules! enum_leaves {
    ($($ty:ty),+ $(,)?) => {$(
        impl ToLeaf for $ty {
            fn to_leaf(self) -> Value {
                async_graphql::resolver_utils::enum_value(self)
            }
        }
    )+};
}

enum_leaves!(
    entities::PlanKind,
    entities::PlanStatus,
    entities::FinancingKind,
    entities::FinancingStatus,
    entities::OrganizationKind,
    entities::ParkLevel,
    entities::ProjectField,
    entities::ProjectStatus,
    entities::RegionLevel,
    entities::IndicatorCategory,
    entities::Direction,
    entities::WorkflowAction,
    entities::PilotStatus,
    entities::PilotType,
);

/// Declares a record object: its `#[Object(serial)]` attribute, the record with the field
/// that holds its row (`impl Plan(0: plan::Model)`), its leaf fields (`name: Type = |columns|
/// expression;`, the expression seeing only the row's columns it names, by reference), then
/// any further resolvers as in an `#[Object]` impl, the columns of the row they read named
/// before the leaves (`reads { applicant: applicant_id; … }`, optional, a resolver not named
/// reading the whole row); see the module documentation. A leaf cannot read a column it does
/// not name, so a row read with only the columns its selected leaves name answers them all; a
/// resolver's `reads` is its author's word, held to by the records tests (a list answered
/// from such rows equals one from whole rows). The attribute is taken as the caller's tokens
/// (`#` and its brackets too), so the names it binds, such as a resolver's
/// `child_complexity`, are the caller's.
macro_rules! record_object {
    (
        $hash:tt $object:tt
        impl $ty:ident ($field:tt : $model:path)
        $(reads { $($reader:ident: $($read:ident),+;)* })?
        {
            $(
                $(#[$attr:meta])*
                $vis:vis $name:ident: $out:ty = |$($column:ident),+| $value:expr;
            )*
        }
        $($resolvers:tt)*
    ) => {
        $hash $object
        impl $ty {
            $(
                $(#[$attr])*
                // Field names of the contract, such as `fromStatus`, are not conversions.
                #[allow(clippy::wrong_self_convention)]
                $vis async fn $name(&self) -> $out {
                    let $model { $($column,)+ .. } = &self.$field;
                    $value
                }
            )*
            $($resolvers)*
        }

        impl $crate::graphql::records::Leaves for $ty {
            type Row = $model;

            fn leaves() -> &'static [$crate::graphql::records::Leaf<Self>] {
                static LEAVES: std::sync::OnceLock<Vec<$crate::graphql::records::Leaf<$ty>>> =
                    std::sync::OnceLock::new();
                LEAVES.get_or_init(|| {
                    vec![$(
                        $crate::graphql::records::Leaf::new(
                            stringify!($name),
                            entities::Columns::named::<$model>(&[$(stringify!($column)),+]),
                            |record: &$ty| {
                                let $model { $($column,)+ .. } = &record.$field;
                                <$out as $crate::graphql::records::ToLeaf>::to_leaf($value)
                            },
                        ),
                    )*]
                })
            }

            $(
                fn reads() -> &'static [(String, entities::Columns)] {
                    static READS: std::sync::OnceLock<Vec<(String, entities::Columns)>> =
                        std::sync::OnceLock::new();
                    READS.get_or_init(|| {
                        vec![$(
                            (
                                $crate::graphql::records::field_name(stringify!($reader)),
                                entities::Columns::named::<$model>(&[$(stringify!($read)),+]),
                            ),
                        )*]
                    })
                }
            )?
        }
    };
}
pub(crate) use record_object;

/// One selected field of a record, in answer order.
enum Pick<'a> {
    /// A leaf: its response key and its index in the table.
    Leaf(Name, usize),
    /// `__typename`.
    Typename(Name),
    /// Any other field: answered by the object's resolver.
    Resolved(Name, &'a Positioned<Field>),
}

impl Pick<'_> {
    fn key(&self) -> &Name {
        match self {
            Pick::Leaf(k, _) | Pick::Typename(k) | Pick::Resolved(k, _) => k,
        }
    }
}

/// The fragments of a request, by name.
type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// The fields the selection `set` asks of a `T`, merged by response key, or `None` when the
/// selection needs async-graphql's own resolution.
fn picks<'a, T: Leaves>(
    fragments: &'a Fragments,
    set: &'a Positioned<SelectionSet>,
) -> Option<Vec<Pick<'a>>> {
    fn walk<'a, T: Leaves>(
        fragments: &'a Fragments,
        set: &'a Positioned<SelectionSet>,
        out: &mut Vec<Pick<'a>>,
    ) -> Option<()> {
        for selection in &set.node.items {
            if !selection.node.directives().is_empty() {
                return None;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.clone();
                    let name = field.node.name.node.as_str();
                    let pick = if name == "__typename" {
                        Pick::Typename(key)
                    } else if let Some(i) = T::leaves().iter().position(|l| l.name == name) {
                        Pick::Leaf(key, i)
                    } else {
                        Pick::Resolved(key, field)
                    };
                    match out.iter().find(|p| p.key() == pick.key()) {
                        None => out.push(pick),
                        // The same leaf asked twice under one key: answered once.
                        Some(Pick::Leaf(_, i)) if matches!(pick, Pick::Leaf(_, j) if j == *i) => {}
                        Some(Pick::Typename(_)) if matches!(pick, Pick::Typename(_)) => {}
                        // Objects merged under one key: left to async-graphql.
                        Some(_) => return None,
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = fragments.get(&spread.node.fragment_name.node)?;
                    if fragment.node.type_condition.node.on.node != *T::type_name() {
                        return None;
                    }
                    walk::<T>(fragments, &fragment.node.selection_set, out)?;
                }
                Selection::InlineFragment(fragment) => {
                    if let Some(on) = &fragment.node.type_condition
                        && on.node.on.node != *T::type_name()
                    {
                        return None;
                    }
                    walk::<T>(fragments, &fragment.node.selection_set, out)?;
                }
            }
        }
        Some(())
    }
    let mut out = Vec::new();
    walk::<T>(fragments, set, &mut out)?;
    Some(out)
}

/// The picks of the selection `ctx` answers.
fn picks_of<'a, T: Leaves>(ctx: &ContextSelectionSet<'a>) -> Option<Vec<Pick<'a>>> {
    picks::<T>(&ctx.query_env.fragments, ctx.item)
}

/// The columns of `T`'s row that answering the selection of the field `ctx` resolves reads:
/// those its leaves name and its resolved fields declare (see [`Leaves::reads`]), every
/// column when it asks for a field that declares none.
pub fn columns<T: Leaves>(ctx: &Context<'_>) -> Columns {
    selection_columns::<T>(&ctx.query_env.fragments, &ctx.item.node.selection_set)
}

/// The columns of `T`'s row that answering the selection `set` of a `T` reads.
fn selection_columns<T: Leaves>(fragments: &Fragments, set: &Positioned<SelectionSet>) -> Columns {
    picks::<T>(fragments, set)
        .and_then(|picks| {
            picks
                .iter()
                .try_fold(Columns::NONE, |set, pick| match pick {
                    Pick::Leaf(_, i) => Some(set.union(T::leaves()[*i].columns)),
                    Pick::Typename(_) => Some(set),
                    Pick::Resolved(_, field) => T::reads()
                        .iter()
                        .find(|(name, _)| name == field.node.name.node.as_str())
                        .map(|(_, columns)| set.union(*columns)),
                })
        })
        .unwrap_or(Columns::ALL)
}

/// The columns of `T`'s row that answering the nodes of the connection the field `ctx`
/// resolves reads (under `edges { node }` and `nodes`); every column when the selection has
/// anything this does not follow (a fragment, a directive, a field it does not know).
pub fn node_columns<T: Leaves>(ctx: &Context<'_>) -> Columns {
    fn fields(set: &Positioned<SelectionSet>) -> Option<impl Iterator<Item = &Positioned<Field>>> {
        let plain = set
            .node
            .items
            .iter()
            .all(|s| matches!(&s.node, Selection::Field(f) if f.node.directives.is_empty()));
        plain.then(|| {
            set.node.items.iter().filter_map(|s| match &s.node {
                Selection::Field(f) => Some(f),
                _ => None,
            })
        })
    }
    let fragments = &ctx.query_env.fragments;
    let nodes = |set: &Positioned<SelectionSet>| selection_columns::<T>(fragments, set);
    let Some(top) = fields(&ctx.item.node.selection_set) else {
        return Columns::ALL;
    };
    let mut columns = Columns::NONE;
    for field in top {
        columns = columns.union(match field.node.name.node.as_str() {
            "nodes" => nodes(&field.node.selection_set),
            "edges" => {
                let Some(edge) = fields(&field.node.selection_set) else {
                    return Columns::ALL;
                };
                let mut under = Columns::NONE;
                for f in edge {
                    under = under.union(match f.node.name.node.as_str() {
                        "node" => nodes(&f.node.selection_set),
                        "cursor" | "__typename" => Columns::NONE,
                        _ => return Columns::ALL,
                    });
                }
                under
            }
            "pageInfo" | "totalCount" | "__typename" => Columns::NONE,
            _ => return Columns::ALL,
        });
    }
    columns
}

/// Whether every pick is answered from the row alone.
fn row_only(picks: &[Pick<'_>]) -> bool {
    picks.iter().all(|p| !matches!(p, Pick::Resolved(..)))
}

/// A map of answers as async-graphql returns it (an empty one is null).
fn object(map: IndexMap<Name, Value>) -> Value {
    if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    }
}

/// The value of `pick` that the row alone gives: a leaf's or `__typename`'s.
fn from_row<T: Leaves>(row: &T, pick: &Pick<'_>) -> Option<Value> {
    match pick {
        Pick::Leaf(_, i) => Some((T::leaves()[*i].read)(row)),
        Pick::Typename(_) => Some(Value::String(T::type_name().into_owned())),
        Pick::Resolved(..) => None,
    }
}

/// The answer for `row` when every pick is a leaf or `__typename`.
fn row_answer<T: Leaves>(row: &T, picks: &[Pick<'_>]) -> Value {
    object(
        picks
            .iter()
            .filter_map(|p| Some((p.key().clone(), from_row(row, p)?)))
            .collect(),
    )
}

/// The answer for `row`: leaves from the row, other fields by the object's resolvers, run
/// together (so fields that read the same batch, as an indicator's `actuals` and `met` do,
/// share one read), the answers in selection order; a failing field is reported and left
/// out, as async-graphql does. Only the resolved fields get a future: a resolver's future is
/// as large as the object's largest, and one per leaf was copied for nothing.
async fn resolve_row<T: Leaves>(
    row: &T,
    ctx: &ContextSelectionSet<'_>,
    picks: &[Pick<'_>],
) -> Value {
    let fields: Vec<&Positioned<Field>> = picks
        .iter()
        .filter_map(|pick| match pick {
            Pick::Resolved(_, field) => Some(*field),
            _ => None,
        })
        .collect();
    let resolved = futures_util::future::join_all(
        fields
            .into_iter()
            .map(|field| async move { row.resolve_field(&ctx.with_field(field)).await }),
    )
    .await;
    let mut answers = resolved.into_iter();
    let mut map = IndexMap::with_capacity(picks.len());
    for pick in picks {
        let value = match from_row(row, pick) {
            Some(value) => value,
            None => match answers.next() {
                Some(Ok(value)) => value.unwrap_or_default(),
                Some(Err(e)) => {
                    ctx.add_error(e);
                    continue;
                }
                None => continue,
            },
        };
        map.insert(pick.key().clone(), value);
    }
    object(map)
}

/// A record object answered through its leaf table; in the schema, `T`.
pub struct Record<T>(pub T);

impl<T: Leaves + Send + Sync> OutputType for Record<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match picks_of::<T>(ctx) {
            None => self.0.resolve(ctx, field).await,
            Some(p) if row_only(&p) => Ok(row_answer(&self.0, &p)),
            Some(p) => Ok(resolve_row(&self.0, ctx, &p).await),
        }
    }
}

/// A list of record objects answered through their leaf table, the selection read once for
/// all rows; in the schema, `[T!]!`.
pub struct Records<T>(pub Vec<T>);

impl<T> FromIterator<T> for Records<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Records(iter.into_iter().collect())
    }
}

impl<T: Leaves + Send + Sync> OutputType for Records<T> {
    crate::graphql::rows::list_of_t!();

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let Some(p) = picks_of::<T>(ctx) else {
            return self.0.resolve(ctx, field).await;
        };
        if row_only(&p) {
            return Ok(Value::List(
                self.0.iter().map(|row| row_answer(row, &p)).collect(),
            ));
        }
        let p = &p;
        let rows = self
            .0
            .iter()
            .enumerate()
            .map(|(i, row)| async move { resolve_row(row, &ctx.with_index(i), p).await });
        Ok(Value::List(futures_util::future::join_all(rows).await))
    }
}

#[cfg(test)]
mod tests {
    use super::{Leaves, camel_case};
    use async_graphql::registry::Registry;

    fn every_leaf_named_in<T: Leaves>(registry: &Registry) -> usize {
        let name = T::type_name();
        let ty = registry
            .types
            .get(name.as_ref())
            .expect("type in the schema");
        for leaf in T::leaves() {
            assert!(
                ty.field_by_name(leaf.name()).is_some(),
                "{name} has no field {}",
                leaf.name()
            );
        }
        T::leaves().len()
    }

    #[test]
    fn every_leaf_is_a_field_of_its_type_in_the_schema() {
        let r = crate::graphql::registry();
        let counts = [
            every_leaf_named_in::<crate::plans::types::Plan>(&r),
            every_leaf_named_in::<crate::financing::types::FinancingSource>(&r),
            every_leaf_named_in::<crate::organizations::types::Organization>(&r),
            every_leaf_named_in::<crate::projects::types::KeyProject>(&r),
            every_leaf_named_in::<crate::indicators::types::IndicatorActual>(&r),
            every_leaf_named_in::<crate::workflow::types::WorkflowEvent>(&r),
        ];
        assert_eq!(counts, [12, 13, 8, 12, 6, 6]);
        assert_eq!(every_leaf_named_in::<crate::regions::types::Region>(&r), 4);
        assert_eq!(
            every_leaf_named_in::<crate::indicators::types::Indicator>(&r),
            12
        );
        assert_eq!(every_leaf_named_in::<crate::pilots::types::Pilot>(&r), 19);
    }

    #[test]
    fn method_names_become_field_names_as_async_graphql_makes_them() {
        assert_eq!(camel_case("plan_version"), "planVersion");
        assert_eq!(camel_case("kind"), "kind");
        assert_eq!(camel_case("area_km2"), "areaKm2");
        assert_eq!(camel_case("committed_on"), "committedOn");
    }
}

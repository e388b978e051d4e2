//! Contract checks: what changed between the last released schema and this build's, and which
//! changes break clients written against the release. A break must be declared (with why and
//! what clients do instead) in `schema/breaking-changes.toml`; `carbon-pilots check-schema`
//! fails on one that is not, and on a declaration of a break that does not happen.

use anyhow::Context;
use async_graphql::parser::types::{
    BaseType, FieldDefinition, InputValueDefinition, ServiceDocument, Type, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::parser::{Positioned, parse_schema};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// One difference between two schemas, at a schema coordinate (`Type`, `Type.field`,
/// `Type.field(arg:)`, `Enum.VALUE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub coordinate: String,
    pub breaking: bool,
    pub what: String,
}

/// A break declared in `schema/breaking-changes.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declared {
    pub coordinate: String,
    /// Why, and what clients do instead.
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclaredFile {
    #[serde(default)]
    change: Vec<Declared>,
}

/// Reads the declared breaks (a TOML file of `[[change]]` tables).
pub fn parse_declared(text: &str) -> anyhow::Result<Vec<Declared>> {
    let file: DeclaredFile = toml::from_str(text).context("parsing the declared breaks")?;
    for d in &file.change {
        anyhow::ensure!(
            !d.reason.trim().is_empty(),
            "the declared break of {} gives no reason",
            d.coordinate
        );
    }
    Ok(file.change)
}

/// The outcome of a check: every change, and what makes it fail.
#[derive(Debug, Default)]
pub struct Report {
    pub changes: Vec<Change>,
    /// Breaking changes nobody declared.
    pub undeclared: Vec<Change>,
    /// Declarations naming no breaking change.
    pub stale: Vec<String>,
}

impl Report {
    /// Whether the new schema may ship.
    pub fn passes(&self) -> bool {
        self.undeclared.is_empty() && self.stale.is_empty()
    }
}

/// Compares `released` with `current` and the declared breaks.
pub fn check(released: &str, current: &str, declared: &[Declared]) -> anyhow::Result<Report> {
    let changes = diff(released, current)?;
    let declared_at: BTreeSet<&str> = declared.iter().map(|d| d.coordinate.as_str()).collect();
    let breaking_at: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.breaking)
        .map(|c| c.coordinate.as_str())
        .collect();
    let undeclared = changes
        .iter()
        .filter(|c| c.breaking && !declared_at.contains(c.coordinate.as_str()))
        .cloned()
        .collect();
    let stale = declared_at
        .difference(&breaking_at)
        .map(|s| (*s).to_owned())
        .collect();
    Ok(Report {
        changes,
        undeclared,
        stale,
    })
}

/// The type definitions of an SDL document by name.
fn types(sdl: &str) -> anyhow::Result<BTreeMap<String, TypeKind>> {
    let doc: ServiceDocument = parse_schema(sdl).context("parsing a schema")?;
    Ok(doc
        .definitions
        .into_iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) => {
                let t = t.node;
                Some((t.name.node.to_string(), t.kind))
            }
            _ => None,
        })
        .collect())
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Scalar => "scalar",
        TypeKind::Object(_) => "object",
        TypeKind::Interface(_) => "interface",
        TypeKind::Union(_) => "union",
        TypeKind::Enum(_) => "enum",
        TypeKind::InputObject(_) => "input object",
    }
}

/// Every change from `old` to `new`, breaking or not, in coordinate order.
pub fn diff(old: &str, new: &str) -> anyhow::Result<Vec<Change>> {
    let (old, new) = (types(old)?, types(new)?);
    let mut out = Changes::default();
    for (name, old_kind) in &old {
        let Some(new_kind) = new.get(name) else {
            out.breaking(name, format!("the {} was removed", kind_name(old_kind)));
            continue;
        };
        match (old_kind, new_kind) {
            (TypeKind::Scalar, TypeKind::Scalar) => {}
            (TypeKind::Object(o), TypeKind::Object(n)) => {
                out.interfaces(name, &o.implements, &n.implements);
                out.fields(name, &o.fields, &n.fields);
            }
            (TypeKind::Interface(o), TypeKind::Interface(n)) => {
                out.interfaces(name, &o.implements, &n.implements);
                out.fields(name, &o.fields, &n.fields);
            }
            (TypeKind::Union(o), TypeKind::Union(n)) => {
                let (o, n) = (names(&o.members), names(&n.members));
                for gone in o.difference(&n) {
                    out.breaking(name, format!("member {gone} was removed"));
                }
                for added in n.difference(&o) {
                    out.safe(name, format!("member {added} was added"));
                }
            }
            (TypeKind::Enum(o), TypeKind::Enum(n)) => {
                let o: BTreeSet<String> = o
                    .values
                    .iter()
                    .map(|v| v.node.value.node.to_string())
                    .collect();
                let n: BTreeSet<String> = n
                    .values
                    .iter()
                    .map(|v| v.node.value.node.to_string())
                    .collect();
                for gone in o.difference(&n) {
                    out.breaking(&format!("{name}.{gone}"), "the value was removed".into());
                }
                for added in n.difference(&o) {
                    out.safe(
                        &format!("{name}.{added}"),
                        "the value was added (clients should handle values they do not know)"
                            .into(),
                    );
                }
            }
            (TypeKind::InputObject(o), TypeKind::InputObject(n)) => {
                out.inputs(name, &o.fields, &n.fields, "input field");
            }
            (o, n) => out.breaking(
                name,
                format!("the {} became a {}", kind_name(o), kind_name(n)),
            ),
        }
    }
    for (name, kind) in &new {
        if !old.contains_key(name) {
            out.safe(name, format!("the {} was added", kind_name(kind)));
        }
    }
    out.0.sort_by(|a, b| a.coordinate.cmp(&b.coordinate));
    Ok(out.0)
}

fn names(list: &[Positioned<async_graphql::Name>]) -> BTreeSet<String> {
    list.iter().map(|n| n.node.to_string()).collect()
}

#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn breaking(&mut self, coordinate: &str, what: String) {
        self.push(coordinate, true, what);
    }

    fn safe(&mut self, coordinate: &str, what: String) {
        self.push(coordinate, false, what);
    }

    fn push(&mut self, coordinate: &str, breaking: bool, what: String) {
        self.0.push(Change {
            coordinate: coordinate.to_owned(),
            breaking,
            what,
        });
    }

    fn interfaces(
        &mut self,
        name: &str,
        old: &[Positioned<async_graphql::Name>],
        new: &[Positioned<async_graphql::Name>],
    ) {
        for gone in names(old).difference(&names(new)) {
            self.breaking(name, format!("no longer implements {gone}"));
        }
    }

    fn fields(
        &mut self,
        ty: &str,
        old: &[Positioned<FieldDefinition>],
        new: &[Positioned<FieldDefinition>],
    ) {
        let new: BTreeMap<String, &FieldDefinition> = new
            .iter()
            .map(|f| (f.node.name.node.to_string(), &f.node))
            .collect();
        let old_names: BTreeSet<String> =
            old.iter().map(|f| f.node.name.node.to_string()).collect();
        for f in old {
            let name = f.node.name.node.to_string();
            let at = format!("{ty}.{name}");
            let Some(n) = new.get(&name) else {
                self.breaking(&at, "the field was removed".into());
                continue;
            };
            let (was, is) = (&f.node.ty.node, &n.ty.node);
            if !output_compatible(was, is) {
                self.breaking(&at, format!("its type changed from {was} to {is}"));
            } else if was != is {
                self.safe(&at, format!("its type changed from {was} to {is}"));
            }
            self.inputs(&at, &f.node.arguments, &n.arguments, "argument");
        }
        for name in new.keys().filter(|n| !old_names.contains(*n)) {
            self.safe(&format!("{ty}.{name}"), "the field was added".into());
        }
    }

    /// Arguments of a field, or fields of an input object.
    fn inputs(
        &mut self,
        owner: &str,
        old: &[Positioned<InputValueDefinition>],
        new: &[Positioned<InputValueDefinition>],
        noun: &str,
    ) {
        let at = |name: &str| {
            if noun == "argument" {
                format!("{owner}({name}:)")
            } else {
                format!("{owner}.{name}")
            }
        };
        let new_by: BTreeMap<String, &InputValueDefinition> = new
            .iter()
            .map(|a| (a.node.name.node.to_string(), &a.node))
            .collect();
        let old_names: BTreeSet<String> =
            old.iter().map(|a| a.node.name.node.to_string()).collect();
        for a in old {
            let name = a.node.name.node.to_string();
            let Some(n) = new_by.get(&name) else {
                self.breaking(&at(&name), format!("the {noun} was removed"));
                continue;
            };
            let (was, is) = (&a.node.ty.node, &n.ty.node);
            if !input_compatible(was, is) {
                self.breaking(&at(&name), format!("its type changed from {was} to {is}"));
            } else if was != is {
                self.safe(&at(&name), format!("its type changed from {was} to {is}"));
            }
        }
        for (name, n) in new_by.iter().filter(|(n, _)| !old_names.contains(*n)) {
            if !n.ty.node.nullable && n.default_value.is_none() {
                self.breaking(&at(name), format!("a required {noun} was added"));
            } else {
                self.safe(&at(name), format!("an optional {noun} was added"));
            }
        }
    }
}

/// Whether a client reading a value of type `old` can read one of type `new`: the same named
/// type, nullability only tightened.
fn output_compatible(old: &Type, new: &Type) -> bool {
    if !old.nullable && new.nullable {
        return false;
    }
    match (&old.base, &new.base) {
        (BaseType::Named(o), BaseType::Named(n)) => o == n,
        (BaseType::List(o), BaseType::List(n)) => output_compatible(o, n),
        _ => false,
    }
}

/// Whether a client sending a value of type `old` may still send it where `new` is expected:
/// the same named type, nullability only loosened.
fn input_compatible(old: &Type, new: &Type) -> bool {
    if old.nullable && !new.nullable {
        return false;
    }
    match (&old.base, &new.base) {
        (BaseType::Named(o), BaseType::Named(n)) => o == n,
        (BaseType::List(o), BaseType::List(n)) => input_compatible(o, n),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = r#"
        interface Node { id: ID! }
        type Pilot implements Node { id: ID! name: String! note: String tags: [String!]! old: Int
            plans(first: Int, after: String): [Int!]! }
        enum Status { DRAFT DESIGNATED }
        union Subject = Pilot
        input PilotInput { name: String! note: String }
        scalar Decimal
        type Query { pilot(id: ID!): Pilot pilots(region: String): [Pilot!]! }
    "#;

    fn breaking(changes: &[Change]) -> Vec<(String, String)> {
        changes
            .iter()
            .filter(|c| c.breaking)
            .map(|c| (c.coordinate.clone(), c.what.clone()))
            .collect()
    }

    #[test]
    fn the_same_schema_has_no_changes() {
        assert_eq!(diff(OLD, OLD).expect("diff"), vec![]);
    }

    #[test]
    fn additions_and_looser_inputs_or_tighter_outputs_do_not_break() {
        let new = r#"
            interface Node { id: ID! }
            type Pilot implements Node { id: ID! name: String! note: String! tags: [String!]! old: Int
                plans(first: Int, after: String, last: Int): [Int!]! added: Boolean }
            enum Status { DRAFT DESIGNATED REVOKED }
            union Subject = Pilot | Other
            type Other { x: Int }
            input PilotInput { name: String note: String extra: Int limit: Int! = 5 }
            scalar Decimal
            type Query { pilot(id: ID): Pilot pilots(region: String): [Pilot!]! }
        "#;
        let changes = diff(OLD, new).expect("diff");
        assert_eq!(breaking(&changes), vec![]);
        assert!(changes.iter().any(|c| c.coordinate == "Status.REVOKED"));
        assert!(changes.iter().any(|c| c.coordinate == "Pilot.plans(last:)"));
    }

    #[test]
    fn removals_and_incompatible_types_break() {
        let new = r#"
            interface Node { id: ID! }
            type Pilot { id: ID! name: String tags: [Int!]!
                plans(first: Int!, after: String, sort: String!): [Int!]! }
            enum Status { DRAFT }
            union Subject = Other
            type Other { x: Int }
            input PilotInput { name: String! note: String! code: String! }
            type Decimal { v: String }
            type Query { pilot(id: ID!): Pilot pilots: [Pilot!]! }
        "#;
        let got = breaking(&diff(OLD, new).expect("diff"));
        let at: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            at,
            vec![
                "Decimal",
                "Pilot",
                "Pilot.name",
                "Pilot.note",
                "Pilot.old",
                "Pilot.plans(first:)",
                "Pilot.plans(sort:)",
                "Pilot.tags",
                "PilotInput.code",
                "PilotInput.note",
                "Query.pilots(region:)",
                "Status.DESIGNATED",
                "Subject",
            ],
            "{got:?}"
        );
        assert!(got.contains(&("Decimal".into(), "the scalar became a object".into())));
        assert!(got.contains(&("Pilot".into(), "no longer implements Node".into())));
    }

    #[test]
    fn declared_breaks_pass_and_stale_declarations_fail() {
        let new = OLD.replace(" old: Int", "");
        let none = check(OLD, &new, &[]).expect("check");
        assert!(!none.passes());
        assert_eq!(none.undeclared[0].coordinate, "Pilot.old");
        let declared = parse_declared(
            "[[change]]\ncoordinate = \"Pilot.old\"\nreason = \"unused since 0.1; read nothing\"\n",
        )
        .expect("parses");
        assert!(check(OLD, &new, &declared).expect("check").passes());
        let stale = check(OLD, OLD, &declared).expect("check");
        assert_eq!(stale.stale, vec!["Pilot.old".to_owned()]);
        assert!(!stale.passes());
        assert!(parse_declared("[[change]]\ncoordinate = \"A\"\nreason = \" \"\n").is_err());
    }
}

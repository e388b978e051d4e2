//! A property test over the whole schema: every argument of every query and mutation, read
//! from introspection, gets random and hostile values (NUL and control characters, SQL and
//! LIKE metacharacters, huge and negative numbers, exponents, forged ids and cursors, year
//! 0000) from every role. No answer may be `INTERNAL` or a 5xx, and a refused mutation changes
//! nothing: the audit trail's head stays where it was.

use crate::helpers::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const TYPE_REF: &str = "fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }";

/// A type reference as introspection gives it.
#[derive(Debug, Clone)]
enum TypeRef {
    NonNull(Box<TypeRef>),
    List(Box<TypeRef>),
    Named(String),
}

impl TypeRef {
    fn from(v: &Value) -> TypeRef {
        match v["kind"].as_str() {
            Some("NON_NULL") => TypeRef::NonNull(Box::new(TypeRef::from(&v["ofType"]))),
            Some("LIST") => TypeRef::List(Box::new(TypeRef::from(&v["ofType"]))),
            _ => TypeRef::Named(v["name"].as_str().unwrap_or_default().to_owned()),
        }
    }

    fn sdl(&self) -> String {
        match self {
            TypeRef::NonNull(t) => format!("{}!", t.sdl()),
            TypeRef::List(t) => format!("[{}]", t.sdl()),
            TypeRef::Named(n) => n.clone(),
        }
    }

    fn named(&self) -> &str {
        match self {
            TypeRef::NonNull(t) | TypeRef::List(t) => t.named(),
            TypeRef::Named(n) => n,
        }
    }
}

/// What introspection says of the schema's types.
struct Schema {
    kinds: HashMap<String, String>,
    enums: HashMap<String, Vec<String>>,
    inputs: HashMap<String, Vec<(String, TypeRef)>>,
}

const STRINGS: &[&str] = &[
    "",
    "\u{0}",
    "a\u{0}b",
    "\u{1b}[2J",
    "'; DROP TABLE pilots; --",
    "%",
    "_",
    "%_%",
    "\\",
    "1e5",
    "-1",
    "NaN",
    "99999999999999999999999999999999",
    "0000-01-01",
    "9999-12-31",
    "2023-02-30",
    "2026-11-20T02:00:00Z",
    "370000",
    "371482",
    "ecology_environment",
    "😀 近零碳",
    "PARK",
];

fn hostile_string(rng: &mut StdRng) -> String {
    match rng.random_range(0..10) {
        0 => "x".repeat(rng.random_range(1000..20_000)),
        2 | 3 => format!(
            "a{}b",
            char::from_u32(rng.random_range(0..32)).unwrap_or('\u{0}')
        ),
        1 => (0..rng.random_range(1..40))
            .map(|_| char::from_u32(rng.random_range(0..0x3000)).unwrap_or('?'))
            .collect(),
        _ => STRINGS[rng.random_range(0..STRINGS.len())].to_owned(),
    }
}

fn forged_id(rng: &mut StdRng, real: &[String]) -> String {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let kinds = [
        "Pilot",
        "Program",
        "Organization",
        "Plan",
        "Indicator",
        "AuditEvent",
        "Nope",
    ];
    match rng.random_range(0..7) {
        0 | 1 if !real.is_empty() => real[rng.random_range(0..real.len())].clone(),
        2 => b64(&format!(
            "{}:{}",
            kinds[rng.random_range(0..kinds.len())],
            rng.random_range(-5i64..200)
        )),
        3 => b64(&format!("Pilot:{}", "9".repeat(30))),
        4 => b64("Pilot:\u{0}1"),
        5 => b64("[\"x\",1]"),
        _ => hostile_string(rng),
    }
}

impl Schema {
    fn value(&self, rng: &mut StdRng, ty: &TypeRef, real: &[String], depth: usize) -> Value {
        match ty {
            TypeRef::NonNull(inner) => self.value(rng, inner, real, depth),
            TypeRef::List(inner) => Value::Array(
                (0..rng.random_range(0..3))
                    .map(|_| self.value(rng, inner, real, depth + 1))
                    .collect(),
            ),
            TypeRef::Named(name) => match name.as_str() {
                "Int" => json!([0, -1, 1, 100, 101, i32::MAX, i32::MIN, 3][rng.random_range(0..8)]),
                "Float" => json!(1e300),
                "Boolean" => json!(rng.random_bool(0.5)),
                "ID" => json!(forged_id(rng, real)),
                "Decimal" => json!(
                    [
                        "1e5",
                        "-0.01",
                        "0.001",
                        "1111111111111111111111111111111111111111",
                        "12.5",
                        "abc",
                        "0"
                    ][rng.random_range(0..7)]
                ),
                "Date" => json!(
                    [
                        "0000-01-01",
                        "2023-10-31",
                        "9999-12-31",
                        "2023-13-01",
                        "1899-12-31"
                    ][rng.random_range(0..5)]
                ),
                "DateTime" => json!(
                    [
                        "2026-11-20T02:00:00Z",
                        "0000-01-01T00:00:00Z",
                        "not a time",
                        "+275760-09-13T00:00:00Z"
                    ][rng.random_range(0..4)]
                ),
                _ if self.enums.contains_key(name) => {
                    let values = &self.enums[name];
                    json!(values[rng.random_range(0..values.len())])
                }
                _ if self.inputs.contains_key(name) && depth < 4 => {
                    let mut obj = Map::new();
                    for (field, fty) in &self.inputs[name] {
                        if matches!(fty, TypeRef::NonNull(_)) || rng.random_bool(0.6) {
                            obj.insert(field.clone(), self.value(rng, fty, real, depth + 1));
                        }
                    }
                    Value::Object(obj)
                }
                _ => json!(hostile_string(rng)),
            },
        }
    }

    /// `{ __typename }` for an object, nothing for a scalar.
    fn selection(&self, ty: &TypeRef) -> &'static str {
        match self.kinds.get(ty.named()).map(String::as_str) {
            Some("OBJECT" | "INTERFACE" | "UNION") => "{ __typename }",
            _ => "",
        }
    }
}

async fn audit_head(app: &TestApp) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COALESCE(MAX(seq), 0) AS head FROM audit_events",
        ))
        .await
        .expect("query")
        .expect("row");
    row.try_get::<i64>("", "head").expect("head")
}

#[actix_web::test]
async fn random_and_hostile_arguments_never_give_internal_and_refusals_change_nothing() {
    let app = TestApp::spawn().await;
    let province = token_for("provincial", Some("370000"));
    let intro = app
        .gql(
            Some(&province),
            &format!(
                "{{ __schema {{ queryType {{ name }} mutationType {{ name }} types {{ name kind enumValues {{ name }} inputFields {{ name type {{ ...T }} }} fields {{ name type {{ ...T }} args {{ name type {{ ...T }} }} }} }} }} }} {TYPE_REF}"
            ),
            json!({}),
        )
        .await;
    let types = intro["data"]["__schema"]["types"]
        .as_array()
        .expect("types");
    let mut schema = Schema {
        kinds: HashMap::new(),
        enums: HashMap::new(),
        inputs: HashMap::new(),
    };
    let mut roots: Vec<(&str, Value)> = Vec::new();
    for t in types {
        let name = t["name"].as_str().expect("name").to_owned();
        schema
            .kinds
            .insert(name.clone(), t["kind"].as_str().expect("kind").to_owned());
        if let Some(values) = t["enumValues"].as_array() {
            schema.enums.insert(
                name.clone(),
                values
                    .iter()
                    .map(|v| v["name"].as_str().expect("v").to_owned())
                    .collect(),
            );
        }
        if let Some(fields) = t["inputFields"].as_array() {
            schema.inputs.insert(
                name.clone(),
                fields
                    .iter()
                    .map(|f| {
                        (
                            f["name"].as_str().expect("f").to_owned(),
                            TypeRef::from(&f["type"]),
                        )
                    })
                    .collect(),
            );
        }
        if name == "Query" || name == "Mutation" {
            for f in t["fields"].as_array().expect("fields") {
                roots.push((
                    if name == "Query" { "query" } else { "mutation" },
                    f.clone(),
                ));
            }
        }
    }
    assert!(roots.len() > 40, "{} root fields", roots.len());
    let mut real = Vec::new();
    for code in [
        "SD-2023-PARK-0005",
        "SD-2023-PARK-0001",
        "SD-2023-CITY-0001",
        "HC-2024-PARK-0001",
    ] {
        real.push(app.pilot_id(code).await);
    }
    let applicant = applicant_token(&app.applicant_of("SD-2023-PARK-0005").await);
    let tokens = [
        province.clone(),
        token_for("municipal", Some("371400")),
        token_for("county", Some("371481")),
        token_for("auditor", Some("370000")),
        applicant,
    ];
    let mut rng = StdRng::seed_from_u64(0x5eed_2026);
    let mut checked = 0;
    for round in 0..8 {
        for (op, field) in &roots {
            let name = field["name"].as_str().expect("name");
            let args = field["args"].as_array().expect("args");
            let mut defs = Vec::new();
            let mut uses = Vec::new();
            let mut vars = Map::new();
            for a in args {
                let ty = TypeRef::from(&a["type"]);
                let arg = a["name"].as_str().expect("arg");
                if !matches!(ty, TypeRef::NonNull(_)) && rng.random_bool(0.3) {
                    continue;
                }
                defs.push(format!("${arg}: {}", ty.sdl()));
                uses.push(format!("{arg}: ${arg}"));
                vars.insert(arg.to_owned(), schema.value(&mut rng, &ty, &real, 0));
            }
            let ret = TypeRef::from(&field["type"]);
            let query = format!(
                "{op}{} {{ {name}{} {} }}",
                if defs.is_empty() {
                    String::new()
                } else {
                    format!("({})", defs.join(", "))
                },
                if uses.is_empty() {
                    String::new()
                } else {
                    format!("({})", uses.join(", "))
                },
                schema.selection(&ret),
            );
            let token = &tokens[(round + checked) % tokens.len()];
            let before = if *op == "mutation" {
                audit_head(&app).await
            } else {
                0
            };
            let (status, body) = app
                .post(Some(token), &json!({"query": query, "variables": vars}))
                .await;
            assert!(status < 500, "{status} for {query} with {vars:?}: {body}");
            let codes: Vec<&str> = body["errors"]
                .as_array()
                .map(|e| {
                    e.iter()
                        .filter_map(|e| e["extensions"]["code"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            assert!(
                !codes.contains(&"INTERNAL"),
                "INTERNAL for {query} with {vars:?}: {body}"
            );
            if *op == "mutation" && !codes.is_empty() {
                assert_eq!(
                    audit_head(&app).await,
                    before,
                    "a refused {name} changed something: {body}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 250, "{checked} operations");
}

//! Persisted operations. A manifest (`PERSISTED_MANIFEST`) registers operations by id, in
//! either format clients' build tools write:
//! - Apollo's persisted-query manifest: `{"operations": [{"id": "<sha256>", "body": "…"}]}`;
//! - GraphQL Code Generator's client preset (`persisted-documents.json`):
//!   `{"<sha1 or sha256>": "…"}`.
//!
//! A request names a registered operation by `documentId` (GraphQL over HTTP's persisted
//! documents; `sha256:` or `sha1:` prefixes taken), by Apollo's
//! `extensions.persistedQuery.sha256Hash`, or sends the registered `query` text itself. With
//! `PERSISTED_ONLY=true` nothing else runs.

use crate::error::ApiError;
use anyhow::Context;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The two manifest shapes.
#[derive(Deserialize)]
#[serde(untagged)]
enum Manifest {
    Apollo { operations: Vec<Operation> },
    Codegen(HashMap<String, String>),
}

#[derive(Deserialize)]
struct Operation {
    id: String,
    body: String,
}

/// Where a request's `documentId` is kept between the transport and the pipeline.
pub const DOCUMENT_ID: &str = "documentId";

/// The registered operations by id (lowercase hex, without an algorithm prefix), and by the
/// SHA-256 of their text for requests that send the text.
#[derive(Debug, Default, Clone)]
pub struct Safelist {
    by_id: HashMap<String, String>,
    /// Whether only registered operations run (`PERSISTED_ONLY`).
    only: bool,
}

/// The hex SHA-256 of a query text.
pub fn hash(query: &str) -> String {
    hex::encode(Sha256::digest(query.as_bytes()))
}

fn sha1(query: &str) -> String {
    hex::encode(sha1::Sha1::digest(query.as_bytes()))
}

/// An id as registered: lowercase, without a `sha256:` or `sha1:` prefix.
fn normal(id: &str) -> String {
    let id = id.to_lowercase();
    match id.split_once(':') {
        Some(("sha256" | "sha1", hex)) => hex.to_owned(),
        _ => id,
    }
}

/// Moves a request body's top-level `documentId` (GraphQL over HTTP, graphql-ws payloads)
/// into its `extensions`, where the pipeline finds it whatever the transport.
pub fn lift_document_id(request: &mut serde_json::Value) {
    let Some(obj) = request.as_object_mut() else {
        return;
    };
    let Some(id) = obj.remove(DOCUMENT_ID) else {
        return;
    };
    let extensions = obj
        .entry("extensions")
        .or_insert_with(|| serde_json::json!({}));
    if let Some(ext) = extensions.as_object_mut() {
        ext.insert(DOCUMENT_ID.to_owned(), id);
    }
}

/// A graphql-ws `subscribe` message with its payload's `documentId` lifted as over HTTP;
/// other frames pass unchanged.
pub fn lift_in_frame(frame: actix_web::web::Bytes) -> actix_web::web::Bytes {
    if !frame
        .windows(DOCUMENT_ID.len())
        .any(|w| w == DOCUMENT_ID.as_bytes())
    {
        return frame;
    }
    let Ok(mut message) = serde_json::from_slice::<serde_json::Value>(&frame) else {
        return frame;
    };
    match message.get_mut("payload") {
        Some(payload) if payload.get(DOCUMENT_ID).is_some() => {
            lift_document_id(payload);
            serde_json::to_vec(&message).map_or(frame, actix_web::web::Bytes::from)
        }
        _ => frame,
    }
}

/// Whether a request body names a persisted operation instead of sending its text.
pub fn names_document(request: &serde_json::Value) -> bool {
    request.get(DOCUMENT_ID).is_some()
        || request
            .pointer("/extensions/persistedQuery/sha256Hash")
            .is_some()
}

impl Safelist {
    /// Reads a manifest, checking that every id is the hash of its body (SHA-256 for Apollo's,
    /// SHA-256 or SHA-1 for Codegen's).
    pub fn load(path: &Path, only: bool) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let manifest: Manifest = serde_json::from_str(&text).with_context(|| {
            format!(
                "parsing {}: neither an Apollo persisted-query manifest nor a Codegen persisted-documents map",
                path.display()
            )
        })?;
        let entries: Vec<(String, String)> = match manifest {
            Manifest::Apollo { operations } => {
                operations.into_iter().map(|o| (o.id, o.body)).collect()
            }
            Manifest::Codegen(map) => map.into_iter().collect(),
        };
        let mut by_id = HashMap::new();
        for (id, body) in entries {
            let id = normal(&id);
            let sha256 = hash(&body);
            anyhow::ensure!(
                id == sha256 || id == sha1(&body),
                "manifest entry {id} is neither the SHA-256 nor the SHA-1 of its body"
            );
            by_id.insert(sha256, body.clone());
            by_id.insert(id, body);
        }
        Ok(Safelist { by_id, only })
    }

    /// Resolves a request naming a registered operation to its text; with `PERSISTED_ONLY`,
    /// refuses anything else.
    pub fn admit(&self, request: &mut async_graphql::Request) -> Result<(), ApiError> {
        match named(request) {
            Some(id) => {
                let body = self.by_id.get(&normal(&id)).ok_or_else(not_registered)?;
                request.query = body.clone();
            }
            None if self.only
                && (request.query.is_empty()
                    || !self.by_id.contains_key(&hash(&request.query))) =>
            {
                return Err(not_registered());
            }
            None => {}
        }
        Ok(())
    }
}

/// The id a request names by `documentId` or Apollo's `persistedQuery`.
pub fn named(request: &async_graphql::Request) -> Option<String> {
    let string = |v: Option<&async_graphql::Value>| match v {
        Some(async_graphql::Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    string(request.extensions.get(DOCUMENT_ID)).or_else(|| {
        match request.extensions.get("persistedQuery") {
            Some(async_graphql::Value::Object(o)) => string(o.get("sha256Hash")),
            _ => None,
        }
    })
}

fn not_registered() -> ApiError {
    ApiError::Forbidden("only registered operations run here; register the operation in PERSISTED_MANIFEST (by its SHA-256, or Codegen's SHA-1)".into())
}

/// A request naming an operation when no manifest is configured.
pub fn no_manifest() -> ApiError {
    ApiError::bad_input(
        DOCUMENT_ID,
        "this server has no PERSISTED_MANIFEST; send the `query` text",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_naming(key: &str, id: &str) -> async_graphql::Request {
        let mut body = serde_json::json!({ "query": "" });
        match key {
            DOCUMENT_ID => body[DOCUMENT_ID] = id.into(),
            _ => {
                body["extensions"] =
                    serde_json::json!({"persistedQuery": {"version": 1, "sha256Hash": id}})
            }
        }
        lift_document_id(&mut body);
        serde_json::from_value(body).expect("request")
    }

    fn list(manifest: serde_json::Value, only: bool) -> anyhow::Result<Safelist> {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("m.json");
        std::fs::write(&path, manifest.to_string()).expect("write");
        Safelist::load(&path, only)
    }

    #[test]
    fn apollo_manifests_admit_by_hash_and_by_text() {
        let query = "{ health }";
        let list = list(
            serde_json::json!({"format": "apollo-persisted-query-manifest", "version": 1,
                "operations": [{"id": hash(query), "name": "H", "type": "query", "body": query}]}),
            true,
        )
        .expect("loads");
        let mut by_text = async_graphql::Request::new(query);
        assert!(list.admit(&mut by_text).is_ok());
        let mut other = async_graphql::Request::new("{ me { sub } }");
        assert_eq!(
            list.admit(&mut other).expect_err("refused").code(),
            "FORBIDDEN"
        );
        let mut by_hash = request_naming("persistedQuery", &hash(query));
        assert!(list.admit(&mut by_hash).is_ok());
        assert_eq!(by_hash.query, query);
    }

    #[test]
    fn codegen_documents_admit_by_document_id_in_either_hash() {
        let a = "query A { health }";
        let b = "query B { me { sub } }";
        let list = list(serde_json::json!({ sha1(a): a, hash(b): b }), true).expect("loads");
        for (id, text) in [
            (sha1(a), a),
            (format!("sha1:{}", sha1(a)), a),
            (hash(b), b),
            (format!("sha256:{}", hash(b).to_uppercase()), b),
        ] {
            let mut r = request_naming(DOCUMENT_ID, &id);
            assert!(list.admit(&mut r).is_ok(), "{id}");
            assert_eq!(r.query, text);
        }
        let mut text = async_graphql::Request::new(a);
        assert!(
            list.admit(&mut text).is_ok(),
            "the registered text runs too"
        );
        let mut unknown = request_naming(DOCUMENT_ID, &hash("{ nope }"));
        assert_eq!(
            list.admit(&mut unknown).expect_err("refused").code(),
            "FORBIDDEN"
        );
    }

    #[test]
    fn without_persisted_only_other_text_still_runs() {
        let a = "query A { health }";
        let list = list(serde_json::json!({ hash(a): a }), false).expect("loads");
        let mut other = async_graphql::Request::new("{ me { sub } }");
        assert!(list.admit(&mut other).is_ok());
        let mut unknown = request_naming(DOCUMENT_ID, "abc");
        assert_eq!(
            list.admit(&mut unknown).expect_err("refused").code(),
            "FORBIDDEN"
        );
    }

    #[test]
    fn a_manifest_whose_ids_are_not_their_bodies_hashes_is_refused() {
        let err = list(serde_json::json!({ hash("{ a }"): "{ b }" }), true).expect_err("refused");
        assert!(
            err.to_string()
                .contains("neither the SHA-256 nor the SHA-1"),
            "{err}"
        );
        assert!(list(serde_json::json!([1, 2]), true).is_err());
    }
}

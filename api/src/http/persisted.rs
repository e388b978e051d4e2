//! Persisted operations: with `PERSISTED_ONLY=true`, only operations registered in a manifest
//! run. The manifest is the JSON clients' build tools produce (Apollo's
//! `persisted-query-manifest` format: `{"operations": [{"id": "<sha256>", "body": "…"}]}`);
//! a request names an operation by `extensions.persistedQuery.sha256Hash`, or sends a
//! `query` whose SHA-256 is registered.

use crate::error::ApiError;
use anyhow::Context;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

#[derive(Deserialize)]
struct Manifest {
    operations: Vec<Operation>,
}

#[derive(Deserialize)]
struct Operation {
    id: String,
    body: String,
}

/// The registered operations by SHA-256 (hex).
#[derive(Debug, Default, Clone)]
pub struct Safelist(HashMap<String, String>);

/// The hex SHA-256 of a query text.
pub fn hash(query: &str) -> String {
    hex::encode(Sha256::digest(query.as_bytes()))
}

impl Safelist {
    /// Reads a manifest, checking that every id is the hash of its body.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let manifest: Manifest =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let mut ops = HashMap::new();
        for op in manifest.operations {
            anyhow::ensure!(
                hash(&op.body) == op.id.to_lowercase(),
                "manifest entry {} is not the SHA-256 of its body",
                op.id
            );
            ops.insert(op.id.to_lowercase(), op.body);
        }
        Ok(Safelist(ops))
    }

    /// Resolves a request to a registered operation, or refuses it.
    pub fn admit(&self, request: &mut async_graphql::Request) -> Result<(), ApiError> {
        let named = request
            .extensions
            .get("persistedQuery")
            .and_then(|p| match p {
                async_graphql::Value::Object(o) => o.get("sha256Hash").cloned(),
                _ => None,
            })
            .and_then(|h| match h {
                async_graphql::Value::String(s) => Some(s.to_lowercase()),
                _ => None,
            });
        let id = match named {
            Some(id) => id,
            None if !request.query.is_empty() => hash(&request.query),
            None => return Err(not_registered()),
        };
        let body = self.0.get(&id).ok_or_else(not_registered)?;
        request.query = body.clone();
        Ok(())
    }
}

fn not_registered() -> ApiError {
    ApiError::Forbidden("only registered operations run here (PERSISTED_ONLY); register the operation's SHA-256 in the manifest".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_registered_operations_pass() {
        let query = "{ health }";
        let list = Safelist(HashMap::from([(hash(query), query.to_owned())]));
        let mut by_text = async_graphql::Request::new(query);
        assert!(list.admit(&mut by_text).is_ok());
        let mut other = async_graphql::Request::new("{ me { sub } }");
        assert_eq!(
            list.admit(&mut other).expect_err("refused").code(),
            "FORBIDDEN"
        );
        let mut by_hash = async_graphql::Request::new("");
        by_hash.extensions.insert(
            "persistedQuery".into(),
            async_graphql::Value::from_json(
                serde_json::json!({"version": 1, "sha256Hash": hash(query)}),
            )
            .expect("value"),
        );
        assert!(list.admit(&mut by_hash).is_ok());
        assert_eq!(by_hash.query, query);
    }
}

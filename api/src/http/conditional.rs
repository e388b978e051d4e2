//! Conditional requests. A GET query or an export carries an `ETag` computed from who asks
//! (every claim that shapes scope and redaction), what is asked, the domain's date and the
//! head of the audit trail. Every change to the data appends an audit event in the same
//! transaction, so an unchanged head means an unchanged answer; `If-None-Match` with the
//! current tag is answered `304 Not Modified` without running anything, and a data platform
//! polling a page pays one indexed read while nothing changed.

use crate::auth::Viewer;
use crate::clock::china_date;
use crate::error::ApiResult;
use crate::state::AppState;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

/// The tag of an answer to `what`, asked by `viewer`, as the data stands now.
pub async fn etag(state: &AppState, viewer: Option<&Viewer>, what: &[&str]) -> ApiResult<String> {
    // The head as the lag-tolerant reads see it: on a replica it may trail the primary, so a
    // tag never claims data newer than a replica-served answer holds (at worst a client
    // fetches once more).
    let head = crate::audit::chain::head(&state.lagging).await?;
    let mut h = Sha256::new();
    let mut part = |s: &str| {
        h.update(s.len().to_le_bytes());
        h.update(s.as_bytes());
    };
    part(env!("CARGO_PKG_VERSION"));
    match viewer {
        Some(v) => {
            part(&v.sub);
            part(v.role.as_str());
            part(&v.region.as_ref().map(|r| r.to_string()).unwrap_or_default());
            part(&v.org.map(|o| o.to_string()).unwrap_or_default());
            part(v.dept.as_deref().unwrap_or(""));
            part(v.name.as_deref().unwrap_or(""));
        }
        None => part("anonymous"),
    }
    part(&china_date(state.clock.now()).to_string());
    part(&head.to_string());
    for w in what {
        part(w);
    }
    Ok(format!("W/\"{}\"", &hex::encode(h.finalize())[..32]))
}

/// Whether the request's `If-None-Match` names `tag` (weak comparison) or is `*`.
pub fn matches(req: &HttpRequest, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == opaque(tag))
}

/// `304 Not Modified` for `tag`.
pub fn not_modified(tag: &str) -> HttpResponse {
    let mut res = HttpResponse::NotModified();
    mark(&mut res, tag);
    res.finish()
}

/// Puts the tag on a response that may be kept and revalidated by its own viewer only.
pub fn mark(res: &mut actix_web::HttpResponseBuilder, tag: &str) {
    if let Ok(value) = HeaderValue::from_str(tag) {
        res.insert_header((header::ETAG, value));
    }
    res.insert_header((header::CACHE_CONTROL, "private, no-cache"));
    res.insert_header((header::VARY, "Authorization, Accept"));
}

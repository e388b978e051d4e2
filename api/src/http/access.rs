//! One access-log line per HTTP request (target `access`): request id, method, path, status,
//! latency, and for GraphQL the operation name, the viewer's role and the outcome code. The
//! request id is the client's `X-Request-Id` when it is well formed (1 to 128 of
//! `A-Z a-z 0-9 . _ : -`), so a trace keeps its id across systems; otherwise a fresh one. The
//! same id goes back in the `x-request-id` header and into the audit events the request writes.

use actix_web::HttpMessage;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};

/// The id a request is known by.
#[derive(Debug, Clone)]
pub struct AssignedId(pub String);

/// What a handler tells the access log about the request it served.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub operation: Option<String>,
    pub role: Option<&'static str>,
    /// The first error's `extensions.code`, or `OK`.
    pub code: Option<String>,
}

/// Whether a client's request id may be taken as given.
pub fn well_formed(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Assigns the request its id (the client's, or the tracing layer's fresh one).
pub fn assign(req: &ServiceRequest) -> String {
    let inbound = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| well_formed(v))
        .map(str::to_owned);
    let id = inbound.unwrap_or_else(|| {
        req.extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|r| r.to_string())
            .unwrap_or_default()
    });
    req.extensions_mut().insert(AssignedId(id.clone()));
    id
}

/// Sets the id header and writes the request's line.
pub fn finish<B>(
    res: &mut ServiceResponse<B>,
    id: &str,
    method: &str,
    path: &str,
    started: std::time::Instant,
) {
    if let Ok(value) = HeaderValue::from_str(id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    if let Some(edge) = res
        .request()
        .app_data::<actix_web::web::Data<super::Edge>>()
    {
        edge.pipeline.metrics.http(
            method,
            res.request().match_pattern().as_deref(),
            res.status().as_u16(),
            started.elapsed(),
        );
    }
    let outcome = res
        .response()
        .extensions()
        .get::<Outcome>()
        .cloned()
        .unwrap_or_default();
    tracing::info!(
        target: "access",
        request_id = %id,
        method,
        path,
        status = res.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        operation = outcome.operation.as_deref().unwrap_or(""),
        role = outcome.role.unwrap_or(""),
        outcome = outcome.code.as_deref().unwrap_or(""),
        "request"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_taken() {
        assert!(well_formed("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(well_formed("trace-abc.123:x_y"));
        assert!(!well_formed(""));
        assert!(!well_formed("has space"));
        assert!(!well_formed("line\nbreak"));
        assert!(!well_formed(&"x".repeat(129)));
    }
}

//! `/healthz` (the process answers), `/readyz` (the database answers within the acquire
//! timeout; a sandbox also says where its clock stands) and `/metrics` (Prometheus).

use super::Edge;
use actix_web::{HttpResponse, web};

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The database answers; 503 within the acquire timeout when it does not.
pub async fn readyz(edge: web::Data<Edge>) -> HttpResponse {
    let timeout =
        std::time::Duration::from_millis(edge.pipeline.limits.db_acquire_timeout_ms.max(1));
    match tokio::time::timeout(timeout, edge.state.db.ping()).await {
        Ok(Ok(())) => HttpResponse::Ok().content_type("text/plain").body(
            match edge.state.clock.sandbox_note() {
                Some(note) => format!("ready\n{note}"),
                None => "ready".to_owned(),
            },
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "database not reachable");
            unavailable()
        }
        Err(_) => {
            tracing::warn!("database did not answer within the acquire timeout");
            unavailable()
        }
    }
}

fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain")
        .insert_header((
            actix_web::http::header::RETRY_AFTER,
            crate::error::UNAVAILABLE_RETRY_SECS.to_string(),
        ))
        .body("database unreachable")
}

/// Prometheus metrics (`METRICS=false` turns them off: 404). The audit head is read with the
/// acquire timeout; a database that does not answer leaves it at its last value.
pub async fn metrics(edge: web::Data<Edge>) -> HttpResponse {
    if !edge.pipeline.limits.metrics {
        return HttpResponse::NotFound().finish();
    }
    let timeout =
        std::time::Duration::from_millis(edge.pipeline.limits.db_acquire_timeout_ms.max(1));
    let head = match tokio::time::timeout(timeout, crate::audit::chain::head(&edge.state.db)).await
    {
        Ok(Ok(head)) => Some(head),
        _ => None,
    };
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body({
            let (primary, read) = edge.pools.in_use(&edge.state);
            edge.pipeline.metrics.render(&primary, &read, head)
        })
}

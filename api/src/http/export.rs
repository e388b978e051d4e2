//! `GET /export/{collection}.ndjson[?format=1|2]`: a whole collection in the caller's scope,
//! streamed.

use super::ratelimit::Key;
use super::{Edge, client_address, error_response, status_of};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

/// Streams the collection named by the path; the caller's token decides the scope and pays
/// from its rate budget like any request.
pub async fn export(
    edge: web::Data<Edge>,
    req: HttpRequest,
    file: web::Path<String>,
) -> HttpResponse {
    let viewer = match edge.viewer(&req).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            if let Err(e) = edge.pipeline.charge(Key::Address(client_address(&req))) {
                return super::refused_response(&e);
            }
            return error_response(
                StatusCode::UNAUTHORIZED,
                ApiError::Unauthenticated("authentication required".into()),
            );
        }
        Err(answer) => return answer,
    };
    if let Err(e) = edge.pipeline.charge(Key::Subject(viewer.sub.clone())) {
        return super::refused_response(&e);
    }
    let collection = match file
        .strip_suffix(".ndjson")
        .map(str::parse::<crate::export::Collection>)
    {
        Some(Ok(c)) => c,
        _ => {
            return error_response(
                StatusCode::NOT_FOUND,
                ApiError::NotFound(format!("no export `{file}`")),
            );
        }
    };
    #[derive(serde::Deserialize)]
    struct Params {
        format: Option<String>,
    }
    let format = match web::Query::<Params>::from_query(req.query_string())
        .map_err(|_| ApiError::bad_input("format", "malformed query string"))
        .and_then(|p| {
            p.format
                .as_deref()
                .map_or(Ok(crate::export::Format::Api), str::parse)
        }) {
        Ok(f) => f,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, e),
    };
    let format_tag = (format as u32).to_string();
    let tag =
        match super::conditional::etag(&edge.state, Some(&viewer), &["export", &file, &format_tag])
            .await
        {
            Ok(tag) => tag,
            Err(e) => return error_response(status_of(&e), e),
        };
    if super::conditional::matches(&req, &tag) {
        return super::conditional::not_modified(&tag);
    }
    match crate::export::Export::open(&edge.state.lagging, collection, Some(&viewer), format).await
    {
        Ok(export) => {
            let mut res = HttpResponse::Ok();
            res.content_type("application/x-ndjson");
            super::conditional::mark(&mut res, &tag);
            res.streaming(export.into_stream())
        }
        Err(e) => error_response(status_of(&e), e),
    }
}

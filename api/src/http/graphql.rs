//! GraphQL over HTTP: `POST /graphql` with a JSON body, `GET /graphql?query=…` for queries, and
//! GraphiQL for a browser. The handlers only read the request; everything that decides whether
//! an operation runs lives in the pipeline every transport shares.

use super::pipeline::{ClientAddress, EdgeStatus, OperationSlot, QueriesOnly, RequestId};
use super::{Edge, client_address, error_response};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};

/// Whether the client asked for the `application/graphql-response+json` media type.
fn wants_graphql_response(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/graphql-response+json"))
}

/// `POST /graphql`: one operation as JSON (`{"query", "variables", "operationName"}`).
pub async fn post(edge: web::Data<Edge>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/json")
        && !content_type.starts_with("application/graphql-response+json")
    {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::bad_input("content-type", "send application/json"),
        );
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            ApiError::bad_input("body", "the body is not JSON"),
        );
    };
    if value.is_array() {
        return error_response(
            StatusCode::BAD_REQUEST,
            ApiError::bad_input(
                "body",
                "batched requests are not accepted; send one operation per request",
            ),
        );
    }
    let mut value = value;
    let persisted = super::persisted::names_document(&value);
    super::persisted::lift_document_id(&mut value);
    if !persisted && !value.get("query").is_some_and(serde_json::Value::is_string) {
        return error_response(
            StatusCode::BAD_REQUEST,
            ApiError::bad_input("query", "a `query` string is required"),
        );
    }
    match serde_json::from_value::<async_graphql::Request>(value) {
        Ok(request) => run(&edge, &req, request, None).await,
        Err(e) => error_response(
            StatusCode::BAD_REQUEST,
            ApiError::bad_input("body", format!("not a GraphQL request: {e}")),
        ),
    }
}

/// The parameters of `GET /graphql`.
#[derive(serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    variables: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
}

/// `GET /graphql`: a query in the URL, or GraphiQL for a browser.
pub async fn get(edge: web::Data<Edge>, req: HttpRequest) -> HttpResponse {
    let Ok(params) = web::Query::<GetParams>::from_query(req.query_string()) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            ApiError::bad_input("query", "malformed query string"),
        );
    };
    let Some(query) = params.query.clone() else {
        let browser = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
        if edge.pipeline.limits.graphiql && browser {
            return super::graphiql::page();
        }
        return error_response(
            StatusCode::BAD_REQUEST,
            ApiError::bad_input("query", "a `query` parameter is required"),
        );
    };
    // What the answer depends on besides the viewer and the data: the document as sent.
    let asked = [
        query.clone(),
        params.variables.clone().unwrap_or_default(),
        params.operation_name.clone().unwrap_or_default(),
        wants_graphql_response(&req).to_string(),
    ];
    let mut request = async_graphql::Request::new(query).data(QueriesOnly);
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = &params.variables {
        match serde_json::from_str::<serde_json::Value>(vars) {
            Ok(v) => request = request.variables(async_graphql::Variables::from_json(v)),
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    ApiError::bad_input("variables", "not JSON"),
                );
            }
        }
    }
    run(&edge, &req, request, Some(&asked)).await
}

/// Authenticates, hands the operation to the schema (and so to the pipeline), and answers per
/// GraphQL over HTTP: under `application/graphql-response+json` a request that could not run
/// is a 4xx without `data`; under `application/json` it is a 200 unless the pipeline refused it
/// with a status of its own (rate limit, safelist, shape limits, time limit).
/// A GET (`conditional`: what was asked) carries an `ETag`, and a current `If-None-Match` is
/// answered 304 without running the operation.
async fn run(
    edge: &Edge,
    req: &HttpRequest,
    request: async_graphql::Request,
    conditional: Option<&[String]>,
) -> HttpResponse {
    let modern = wants_graphql_response(req);
    let viewer = match edge.viewer(req).await {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    let tag = match conditional {
        Some(asked) => {
            let asked: Vec<&str> = asked.iter().map(String::as_str).collect();
            match super::conditional::etag(&edge.state, viewer.as_ref(), &asked).await {
                Ok(tag) if super::conditional::matches(req, &tag) => {
                    return super::conditional::not_modified(&tag);
                }
                Ok(tag) => Some(tag),
                Err(e) => return error_response(super::status_of(&e), e),
            }
        }
        None => None,
    };
    let mut request = request
        .data(ClientAddress(client_address(req)))
        .data(super::locale_of(req));
    if let Some(rid) = req.extensions().get::<super::access::AssignedId>() {
        request = request.data(RequestId(rid.0.clone()));
    }
    let mut outcome = super::access::Outcome {
        operation: request.operation_name.clone(),
        role: viewer.as_ref().map(|v| v.role.as_str()),
        code: None,
    };
    // The pipeline names the operation from the document when the request does not.
    let named = OperationSlot::default();
    request = request.data(named.clone());
    if let Some(viewer) = viewer {
        request = request.data(viewer);
    }
    let response = async_graphql::Executor::execute(&edge.gateway, request).await;
    // A response without data whose errors point at no field could not run at all.
    let not_run = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let edge_status = response
        .errors
        .first()
        .and_then(|e| e.source::<EdgeStatus>())
        .and_then(|s| StatusCode::from_u16(s.0).ok());
    let status = match (not_run, edge_status) {
        (true, Some(status)) => status,
        (true, None) if modern => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let retry_after = response.errors.first().and_then(super::retry_after_of);
    let body = if not_run {
        // A request error: `errors` alone, as GraphQL over HTTP asks.
        serde_json::to_vec(&serde_json::json!({ "errors": response.errors }))
    } else {
        serde_json::to_vec(&response)
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, ApiError::internal(e));
        }
    };
    outcome.code = Some(super::pipeline::outcome_code(&response));
    if outcome.operation.is_none() {
        outcome.operation = named.take();
    }
    let mut res = HttpResponse::build(status);
    res.extensions_mut().insert(outcome);
    res.content_type(if modern {
        "application/graphql-response+json"
    } else {
        "application/json"
    });
    // Only a complete answer may be revalidated: errors (a time limit, an unreachable
    // database) are not kept.
    match tag {
        Some(tag) if status == StatusCode::OK && response.errors.is_empty() => {
            super::conditional::mark(&mut res, &tag);
        }
        _ => {
            res.insert_header((header::CACHE_CONTROL, "no-store"));
        }
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        res.insert_header((header::ALLOW, HeaderValue::from_static("POST")));
    }
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""));
    }
    if let Some(secs) = retry_after {
        res.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    res.body(body)
}

//! The HTTP edge: a bearer token becomes the request's `Viewer` once, here; GraphQL arrives over
//! HTTP (`graphql`) or WebSocket (`websocket`) and both hand every operation to the same
//! request pipeline (`pipeline`); exports and health checks sit beside them.

pub mod access;
pub mod conditional;
pub mod documents;
pub mod export;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod limits;
pub mod persisted;
pub mod pipeline;
pub mod proxies;
pub mod ratelimit;
pub mod websocket;

use crate::auth::jwt::TokenVerifier;
use crate::auth::{self, Viewer};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use pipeline::Pipeline;
use ratelimit::Key;
use std::sync::Arc;

/// What every handler of the edge shares.
pub struct Edge {
    /// The request pipeline around the schema: every transport runs its operations here.
    pub gateway: pipeline::Gateway,
    pub verifier: Arc<TokenVerifier>,
    pub state: AppState,
    pub pipeline: Arc<Pipeline>,
    /// Where each worker's connections come from (`state`'s are this worker's).
    pub pools: crate::db::WorkerPools,
}

/// Turns an `Authorization` value (`Bearer <token>`) into a viewer.
pub async fn authenticate_bearer(
    verifier: &TokenVerifier,
    state: &AppState,
    value: &str,
) -> Result<Viewer, ApiError> {
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthenticated("expected `Authorization: Bearer <token>`".into())
        })?;
    let claims = verifier.verify_fresh(token).await?;
    let viewer = Viewer::from_claims(claims)?;
    auth::resolve_applicant(&state.db, viewer).await
}

impl Edge {
    /// The edge of one server: the pipeline around the schema over `state`.
    pub fn new(
        state: AppState,
        verifier: Arc<TokenVerifier>,
        pipeline: Arc<Pipeline>,
        pools: crate::db::WorkerPools,
    ) -> Self {
        Edge {
            gateway: pipeline::Gateway::new(state.clone(), pipeline.clone()),
            verifier,
            state,
            pipeline,
            pools,
        }
    }

    /// The same edge over another state (an HTTP worker's, on its own pools).
    pub fn on_state(&self, state: AppState) -> Self {
        Edge::new(
            state,
            self.verifier.clone(),
            self.pipeline.clone(),
            self.pools.clone(),
        )
    }

    /// Reads `Authorization: Bearer …` and turns it into a viewer; no header means anonymous.
    async fn authenticate(&self, req: &HttpRequest) -> Result<Option<Viewer>, ApiError> {
        let Some(value) = req.headers().get(header::AUTHORIZATION) else {
            return Ok(None);
        };
        let value = value
            .to_str()
            .map_err(|_| ApiError::Unauthenticated("malformed Authorization header".into()))?;
        authenticate_bearer(&self.verifier, &self.state, value)
            .await
            .map(Some)
    }

    /// Authenticates a request. A token that fails is charged to the client address's budget
    /// (so guessing tokens is rate limited) and answered with 401; `Err` is that answer.
    pub async fn viewer(&self, req: &HttpRequest) -> Result<Option<Viewer>, HttpResponse> {
        match self.authenticate(req).await {
            Ok(v) => Ok(v),
            Err(e) => {
                if let Err(refused) = self.pipeline.charge(Key::Address(client_address(req))) {
                    return Err(refused_response(&refused));
                }
                Err(match e {
                    ApiError::Unauthenticated(_) => error_response(StatusCode::UNAUTHORIZED, e),
                    other => error_response(status_of(&other), other),
                })
            }
        }
    }
}

/// The client's address: the connection's peer, or what a trusted proxy forwarded (see
/// [`proxies`]).
pub fn client_address(req: &HttpRequest) -> String {
    let trusted = req
        .app_data::<web::Data<Edge>>()
        .map(|e| e.pipeline.limits.trusted_proxies.as_slice())
        .unwrap_or_default();
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    proxies::client(
        req.peer_addr().map(|a| a.ip()),
        header("forwarded"),
        header("x-forwarded-for"),
        trusted,
    )
}

/// The language a request's `Accept-Language` prefers.
pub fn locale_of(req: &HttpRequest) -> crate::i18n::Locale {
    crate::i18n::Locale::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// The HTTP status of an error answered outside GraphQL execution.
pub fn status_of(e: &ApiError) -> StatusCode {
    match e {
        ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A GraphQL-shaped error body (`{"errors": [...]}`, no `data`) with its HTTP status.
pub fn error_response(status: StatusCode, err: ApiError) -> HttpResponse {
    let retry_after = match &err {
        ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
        ApiError::Unavailable => Some(crate::error::UNAVAILABLE_RETRY_SECS),
        _ => None,
    };
    let unauthenticated = matches!(err, ApiError::Unauthenticated(_));
    // The same shape and extensions (`code`, `field`, `retryAfter`) as errors of resolvers.
    let err = async_graphql::Error::from(err);
    let body =
        serde_json::json!({ "errors": [{ "message": err.message, "extensions": err.extensions }] });
    with_error_headers(edge_errors(status, body), unauthenticated, retry_after)
}

/// The errors of an answer given outside GraphQL execution, kept for [`localize_edge`].
#[derive(Debug, Clone)]
struct EdgeErrors(serde_json::Value);

fn edge_errors(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    let mut res = HttpResponse::build(status).json(&body);
    res.extensions_mut().insert(EdgeErrors(body));
    res
}

/// Writes the messages of an answer given outside GraphQL execution (bad body, bad token,
/// rate limit, unknown export) in the request's language; other answers pass unchanged.
pub fn localize_edge<B>(
    res: actix_web::dev::ServiceResponse<B>,
    locale: crate::i18n::Locale,
) -> actix_web::dev::ServiceResponse<actix_web::body::BoxBody>
where
    B: actix_web::body::MessageBody + 'static,
{
    let errors = res.response().extensions().get::<EdgeErrors>().cloned();
    match errors {
        Some(EdgeErrors(mut body)) if locale != crate::i18n::Locale::En => {
            if let Some(list) = body.get_mut("errors").and_then(|e| e.as_array_mut()) {
                for e in list {
                    let text = |k: &str| e.pointer(k).and_then(|v| v.as_str()).map(str::to_owned);
                    let (code, field, message) = (
                        text("/extensions/code").unwrap_or_default(),
                        text("/extensions/field"),
                        text("/message").unwrap_or_default(),
                    );
                    e["message"] =
                        crate::i18n::message(locale, &code, field.as_deref(), &message).into();
                }
            }
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            res.map_body(|head, _| {
                head.headers.remove(header::CONTENT_LENGTH);
                actix_web::body::BoxBody::new(bytes)
            })
        }
        _ => res.map_into_boxed_body(),
    }
}

/// Answers a refusal of the pipeline (rate limit) outside GraphQL execution.
fn refused_response(e: &async_graphql::ServerError) -> HttpResponse {
    let status = e
        .source::<pipeline::EdgeStatus>()
        .and_then(|s| StatusCode::from_u16(s.0).ok())
        .unwrap_or(StatusCode::BAD_REQUEST);
    let retry_after = retry_after_of(e);
    with_error_headers(
        edge_errors(status, serde_json::json!({ "errors": [e] })),
        false,
        retry_after,
    )
}

/// The `retryAfter` extension of an error, in seconds.
fn retry_after_of(e: &async_graphql::ServerError) -> Option<u64> {
    match e.extensions.as_ref()?.get("retryAfter")? {
        async_graphql::Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// Adds `WWW-Authenticate` to 401s and `Retry-After` to retryable refusals.
fn with_error_headers(
    mut res: HttpResponse,
    unauthenticated: bool,
    retry_after: Option<u64>,
) -> HttpResponse {
    if unauthenticated {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    if let Some(v) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

//! Builds the HTTP application: `/graphql` (GraphQL over HTTP: POST, GET for queries,
//! WebSocket subscriptions, GraphiQL), `/export/…`, `/healthz`, `/readyz`. Tokens are verified
//! here, once per request, and become the request's `Viewer`; the limits of `config::Limits`
//! are enforced here before anything runs.

use crate::auth::jwt::TokenVerifier;
use crate::auth::{self, Viewer};
use crate::config::Limits;
use crate::error::{ApiError, ensure_code};
use crate::graphql::context::AppState;
use crate::graphql::loaders::Loaders;
use crate::graphql::persisted::Safelist;
use crate::graphql::{AppSchema, build_schema};
use crate::ratelimit::{Budget, Key, RateLimiter};
use actix_web::dev::{Server, Service};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql_actix_web::GraphQLSubscription;
use std::net::TcpListener;
use tracing_actix_web::{RequestId, TracingLogger};

/// What every handler shares.
struct Shared {
    schema: AppSchema,
    verifier: TokenVerifier,
    state: AppState,
    limits: Limits,
    limiter: RateLimiter,
    /// Registered operations, when only those may run.
    safelist: Option<Safelist>,
}

/// A built server, bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Builds the server on an already bound listener (tests bind port 0).
    pub fn build(
        listener: TcpListener,
        state: AppState,
        verifier: TokenVerifier,
        limits: Limits,
        workers: usize,
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let body_limit = limits.max_body_bytes;
        let origins = limits.cors_allowed_origins.clone();
        let safelist = match (limits.persisted_only, &limits.persisted_manifest) {
            (false, _) => None,
            (true, Some(path)) => Some(Safelist::load(path)?),
            (true, None) => anyhow::bail!("PERSISTED_ONLY needs PERSISTED_MANIFEST"),
        };
        let shared = web::Data::new(Shared {
            schema: build_schema(state.clone(), &limits),
            verifier,
            state,
            limiter: RateLimiter::new(
                Budget {
                    per_minute: limits.rate_per_minute,
                },
                Budget {
                    per_minute: limits.anonymous_rate_per_minute,
                },
            ),
            limits,
            safelist,
        });
        if shared.verifier.has_key_files() {
            // Re-read the identity providers' keys now and then: rotation without a restart.
            let refresh = std::time::Duration::from_secs(shared.verifier.refresh_secs().max(1));
            let shared = shared.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(refresh).await;
                    if let Err(e) = shared.verifier.reload() {
                        tracing::warn!(error = %e, "could not re-read the identity provider keys; keeping the current ones");
                    }
                }
            });
        }
        let server = HttpServer::new(move || {
            // Browsers may call only from the configured origins (none by default).
            let cors = origins
                .iter()
                .fold(actix_cors::Cors::default(), |c, o| c.allowed_origin(o))
                .allowed_methods(["GET", "POST"])
                .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
                .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
                .max_age(3600);
            App::new()
                .wrap(cors)
                .app_data(shared.clone())
                .app_data(web::PayloadConfig::new(body_limit))
                .wrap_fn(|req, srv| {
                    let rid = req.extensions().get::<RequestId>().map(|r| r.to_string());
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if let Some(value) = rid.and_then(|r| HeaderValue::from_str(&r).ok()) {
                            res.headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), value);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::default())
                .wrap(
                    actix_web::middleware::DefaultHeaders::new()
                        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                        .add((header::X_FRAME_OPTIONS, "DENY"))
                        .add((header::REFERRER_POLICY, "no-referrer"))
                        .add((
                            HeaderName::from_static("cross-origin-opener-policy"),
                            "same-origin",
                        )),
                )
                .route("/graphql", web::post().to(graphql_post))
                .route(
                    "/graphql",
                    web::get()
                        .guard(actix_web::guard::Header("upgrade", "websocket"))
                        .to(subscriptions),
                )
                .route("/graphql", web::get().to(graphql_get))
                .route("/export/{file}", web::get().to(export))
                .route("/healthz", web::get().to(healthz))
                .route("/readyz", web::get().to(readyz))
        })
        .listen(listener)?
        .workers(workers.max(1))
        .shutdown_timeout(30)
        .run();
        Ok(Application { port, server })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until the server is stopped (SIGINT/SIGTERM finish in-flight requests first).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Reads `Authorization: Bearer …` and turns it into a viewer; no header means anonymous.
async fn authenticate(shared: &Shared, req: &HttpRequest) -> Result<Option<Viewer>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("malformed Authorization header".into()))?;
    authenticate_bearer(shared, value).await.map(Some)
}

/// Turns an `Authorization` value (`Bearer <token>`) into a viewer.
async fn authenticate_bearer(shared: &Shared, value: &str) -> Result<Viewer, ApiError> {
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthenticated("expected `Authorization: Bearer <token>`".into())
        })?;
    let claims = shared.verifier.verify(token)?;
    let viewer = Viewer::from_claims(claims)?;
    auth::resolve_applicant(&shared.state.db, viewer).await
}

/// Subscriptions over graphql-transport-ws (and the older graphql-ws). The token comes in the
/// `connection_init` payload, `{"Authorization": "Bearer …"}`; without a valid one the
/// connection is refused.
async fn subscriptions(
    shared: web::Data<Shared>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let for_init = shared.clone().into_inner();
    GraphQLSubscription::new(shared.schema.clone())
        .on_connection_init(move |init: serde_json::Value| async move {
            let value = ["Authorization", "authorization"]
                .iter()
                .find_map(|k| init.get(*k).and_then(|v| v.as_str()))
                .ok_or_else(|| {
                    async_graphql::Error::from(ApiError::Unauthenticated(
                        "connection_init needs an Authorization".into(),
                    ))
                })?;
            let viewer = authenticate_bearer(&for_init, value).await?;
            let mut data = async_graphql::Data::default();
            data.insert(viewer);
            data.insert(Loaders::new(&for_init.state.db));
            Ok(data)
        })
        .start(&req, payload)
}

/// A GraphQL-shaped error body with its HTTP status.
fn error_response(status: actix_web::http::StatusCode, err: ApiError) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    if matches!(err, ApiError::Unauthenticated(_)) {
        res.insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""));
    }
    // The same shape and extensions (`code`, `field`, `retryAfter`) as errors of resolvers.
    let err = async_graphql::Error::from(err);
    res.json(
        serde_json::json!({ "errors": [{ "message": err.message, "extensions": err.extensions }] }),
    )
}

/// Authenticates a request and charges its rate-limit bucket: the token's subject, or the
/// client address when there is no valid token. `Err` is the answer to send instead.
async fn admit(shared: &Shared, req: &HttpRequest) -> Result<Option<Viewer>, HttpResponse> {
    let auth = authenticate(shared, req).await;
    let key = match &auth {
        Ok(Some(v)) => Key::Subject(v.sub.clone()),
        _ => Key::Address(
            req.peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
        ),
    };
    if let Err(retry_after_secs) = shared.limiter.check(key) {
        let mut res = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            ApiError::RateLimited { retry_after_secs },
        );
        if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Err(res);
    }
    match auth {
        Ok(v) => Ok(v),
        Err(e @ ApiError::Unauthenticated(_)) => Err(error_response(StatusCode::UNAUTHORIZED, e)),
        Err(e) => Err(error_response(StatusCode::INTERNAL_SERVER_ERROR, e)),
    }
}

/// Whether the client asked for the `application/graphql-response+json` media type.
fn wants_graphql_response(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/graphql-response+json"))
}

/// `POST /graphql`: one operation as JSON (`{"query", "variables", "operationName"}`).
async fn graphql_post(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
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
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ApiError::bad_input("body", "the body is not JSON"),
            );
        }
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
    let persisted = value
        .pointer("/extensions/persistedQuery/sha256Hash")
        .is_some();
    if !persisted && !value.get("query").is_some_and(serde_json::Value::is_string) {
        return error_response(
            StatusCode::BAD_REQUEST,
            ApiError::bad_input("query", "a `query` string is required"),
        );
    }
    let request: async_graphql::Request = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ApiError::bad_input("body", format!("not a GraphQL request: {e}")),
            );
        }
    };
    execute(&shared, &req, request, false).await
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
async fn graphql_get(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
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
        if shared.limits.graphiql && browser {
            return graphiql();
        }
        return error_response(
            StatusCode::BAD_REQUEST,
            ApiError::bad_input("query", "a `query` parameter is required"),
        );
    };
    let mut request = async_graphql::Request::new(query);
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
    execute(&shared, &req, request, true).await
}

/// Authenticates, checks the limits, runs one operation within the time limit, and answers
/// per GraphQL over HTTP: `application/graphql-response+json` (with 4xx for requests that
/// could not run) when the client asks for it, `application/json` with 200 otherwise.
async fn execute(
    shared: &Shared,
    req: &HttpRequest,
    mut request: async_graphql::Request,
    queries_only: bool,
) -> HttpResponse {
    let modern = wants_graphql_response(req);
    let viewer = match admit(shared, req).await {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    if let Some(list) = &shared.safelist
        && let Err(e) = list.admit(&mut request)
    {
        return error_response(StatusCode::FORBIDDEN, e);
    }
    let shape = match crate::graphql::limits::check(
        &request.query,
        request.operation_name.as_deref(),
        &shared.limits,
    ) {
        Ok(shape) => shape,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, e),
    };
    if queries_only && shape.operation != Some(OperationType::Query) {
        let mut res = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            ApiError::bad_input("query", "GET runs queries only; send mutations with POST"),
        );
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return res;
    }
    let request_id = req.extensions().get::<RequestId>().map(|r| r.to_string());
    let mut request = request.data(Loaders::new(&shared.state.db));
    if let Some(mut viewer) = viewer {
        viewer.request_id = request_id;
        request = request.data(viewer);
    }
    let timeout = std::time::Duration::from_millis(shared.limits.request_timeout_ms.max(1));
    let Ok(mut response) = tokio::time::timeout(timeout, shared.schema.execute(request)).await
    else {
        tracing::warn!(timeout_ms = timeout.as_millis() as u64, "request timed out");
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            ApiError::internal("request timed out"),
        );
    };
    response.errors = response.errors.into_iter().map(ensure_code).collect();
    // A response without data whose errors point at no field could not run at all.
    let not_run = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if modern && not_run {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let content_type = if modern {
        "application/graphql-response+json"
    } else {
        "application/json"
    };
    match serde_json::to_vec(&response) {
        Ok(body) => HttpResponse::build(status)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type(content_type)
            .body(body),
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, ApiError::internal(e)),
    }
}

/// `GET /export/{collection}.ndjson`: the collection in the caller's scope, streamed.
async fn export(
    shared: web::Data<Shared>,
    req: HttpRequest,
    file: web::Path<String>,
) -> HttpResponse {
    let viewer = match admit(&shared, &req).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return error_response(
                StatusCode::UNAUTHORIZED,
                ApiError::Unauthenticated("authentication required".into()),
            );
        }
        Err(answer) => return answer,
    };
    let collection = match file
        .strip_suffix(".ndjson")
        .map(str::parse::<crate::export::Collection>)
    {
        Some(Ok(c)) => c,
        _ => {
            return error_response(
                actix_web::http::StatusCode::NOT_FOUND,
                ApiError::NotFound(format!("no export `{file}`")),
            );
        }
    };
    match crate::export::Export::open(&shared.state.db, collection, Some(&viewer)).await {
        Ok(export) => HttpResponse::Ok()
            .content_type("application/x-ndjson")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .streaming(export.into_stream()),
        Err(e) => error_response(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("carbon-pilots")
                .finish(),
        )
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn readyz(shared: web::Data<Shared>) -> HttpResponse {
    match shared.state.db.ping().await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unreachable")
        }
    }
}

//! Builds the HTTP application: `/graphql` (POST queries, GET GraphiQL), `/healthz`,
//! `/readyz`. Tokens are verified here, once per request, and become the request's `Viewer`.

use crate::auth::jwt::TokenVerifier;
use crate::auth::{self, Viewer};
use crate::error::{ApiError, ensure_code};
use crate::graphql::context::AppState;
use crate::graphql::loaders::Loaders;
use crate::graphql::{AppSchema, build_schema};
use actix_web::dev::{Server, Service};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, web};
use async_graphql::http::GraphiQLSource;
use async_graphql_actix_web::{GraphQLRequest, GraphQLSubscription};
use std::net::TcpListener;
use tracing_actix_web::{RequestId, TracingLogger};

/// What every handler shares.
struct Shared {
    schema: AppSchema,
    verifier: TokenVerifier,
    state: AppState,
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
        workers: usize,
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let shared = web::Data::new(Shared {
            schema: build_schema(state.clone()),
            verifier,
            state,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(web::JsonConfig::default().limit(1024 * 1024))
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
                .route("/graphql", web::post().to(graphql))
                .route(
                    "/graphql",
                    web::get()
                        .guard(actix_web::guard::Header("upgrade", "websocket"))
                        .to(subscriptions),
                )
                .route("/graphql", web::get().to(graphiql))
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
    res.json(serde_json::json!({
        "errors": [{ "message": err.message(), "extensions": { "code": err.code() } }]
    }))
}

async fn graphql(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: GraphQLRequest,
) -> HttpResponse {
    let viewer = match authenticate(&shared, &req).await {
        Ok(v) => v,
        Err(e @ ApiError::Unauthenticated(_)) => {
            return error_response(actix_web::http::StatusCode::UNAUTHORIZED, e);
        }
        Err(e) => return error_response(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let request_id = req.extensions().get::<RequestId>().map(|r| r.to_string());
    let mut request = body.into_inner().data(Loaders::new(&shared.state.db));
    if let Some(mut viewer) = viewer {
        viewer.request_id = request_id;
        request = request.data(viewer);
    }
    let mut response = shared.schema.execute(request).await;
    response.errors = response.errors.into_iter().map(ensure_code).collect();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(&response)
}

/// `GET /export/{collection}.ndjson`: the collection in the caller's scope, streamed.
async fn export(
    shared: web::Data<Shared>,
    req: HttpRequest,
    file: web::Path<String>,
) -> HttpResponse {
    let viewer = match authenticate(&shared, &req).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return error_response(
                actix_web::http::StatusCode::UNAUTHORIZED,
                ApiError::Unauthenticated("authentication required".into()),
            );
        }
        Err(e @ ApiError::Unauthenticated(_)) => {
            return error_response(actix_web::http::StatusCode::UNAUTHORIZED, e);
        }
        Err(e) => return error_response(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, e),
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

async fn graphiql() -> HttpResponse {
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

//! Assembles the HTTP application: the pipeline, the schema, the edge's handlers and the
//! middleware around them. What each route does lives in `crate::http`.

use crate::auth::jwt::TokenVerifier;
use crate::config::Limits;
use crate::db::WorkerPools;
use crate::http::pipeline::Pipeline;
use crate::http::{Edge, access, export, graphiql, graphql, health, websocket};
use crate::state::AppState;
use actix_web::dev::{Server, Service};
use actix_web::http::header::{self, HeaderName};
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::sync::Arc;
use tracing_actix_web::TracingLogger;

/// A built server, bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Builds the server on an already bound listener (tests bind port 0); each HTTP worker
    /// runs on `pools` (its own, or `state`'s when shared).
    pub fn build(
        listener: TcpListener,
        state: AppState,
        pools: WorkerPools,
        verifier: TokenVerifier,
        limits: Limits,
        workers: usize,
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let body_limit = limits.max_body_bytes;
        let origins = limits.cors_allowed_origins.clone();
        let pipeline = Arc::new(Pipeline::new(limits, workers)?);
        let edge = web::Data::new(Edge::new(state, Arc::new(verifier), pipeline, pools));
        // Committed workflow events reach this process's subscribers from the database,
        // whichever replica committed them.
        edge.state.events.relay(edge.state.db.clone());
        if edge.verifier.has_identity_provider() {
            // Fetch the identity provider's keys now, then now and then: rotation without a
            // restart. A source that fails keeps its last good keys.
            let refresh = std::time::Duration::from_secs(edge.verifier.refresh_secs().max(1));
            let verifier = edge.verifier.clone();
            tokio::spawn(async move {
                loop {
                    if let Err(e) = verifier.refresh().await {
                        tracing::warn!(error = %e, "could not refresh the identity provider keys; keeping the last good ones");
                    }
                    tokio::time::sleep(refresh).await;
                }
            });
        }
        let server = HttpServer::new(move || {
            // This runs on the worker's own thread: its pools open here.
            let edge = match edge.pools.for_worker(&edge.state) {
                None => edge.clone(),
                Some(state) => web::Data::new(edge.on_state(state)),
            };
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
                .app_data(edge.clone())
                .app_data(web::PayloadConfig::new(body_limit))
                .wrap_fn(|req, srv| {
                    let started = std::time::Instant::now();
                    let id = access::assign(&req);
                    let locale = crate::http::locale_of(req.request());
                    let (method, path) = (req.method().to_string(), req.path().to_owned());
                    let fut = srv.call(req);
                    async move {
                        let mut res = crate::http::localize_edge(fut.await?, locale);
                        access::finish(&mut res, &id, &method, &path, started);
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
                .route("/graphql", web::post().to(graphql::post))
                .route(
                    "/graphql",
                    web::get()
                        .guard(actix_web::guard::Header("upgrade", "websocket"))
                        .to(websocket::subscriptions),
                )
                .route("/graphql", web::get().to(graphql::get))
                .route("/export/{file}", web::get().to(export::export))
                .route("/graphiql/{file}", web::get().to(graphiql::asset))
                .route("/healthz", web::get().to(health::healthz))
                .route("/readyz", web::get().to(health::readyz))
                .route("/metrics", web::get().to(health::metrics))
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

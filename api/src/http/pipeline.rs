//! The request pipeline every GraphQL operation crosses, whichever transport brought it: POST,
//! GET and each operation of a WebSocket connection run through the same async-graphql
//! extension, so the safelist, the shape limits, the rate limit, authorisation before
//! validation, the character rule, the time limit and the request id hold on every path.
//!
//! Order of refusal: an expired token (`UNAUTHENTICATED`), the rate limit (`RATE_LIMITED`), the
//! safelist (`FORBIDDEN`), then after parsing the shape limits, a mutation the caller's role may
//! never take (`FORBIDDEN`, before any input is looked at), control characters in input, and
//! only then async-graphql's own validation of types and arguments.

use super::limits;
use super::persisted::Safelist;
use super::ratelimit::{Key, RateLimiter};
use crate::auth::{Viewer, permissions};
use crate::config::Limits;
use crate::error::ApiError;
use crate::graphql::loaders::Loaders;
use crate::metrics::{self, Metrics};
use crate::state::AppState;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextSubscribe,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Request, Response, ServerError, ServerResult, Variables};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::any::TypeId;
use std::sync::{Arc, Mutex};

/// The client address of the connection a request came over (anonymous rate budget).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// The id of the HTTP request an operation came with; WebSocket operations get their own.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Where the pipeline leaves the operation's name (the request's, or the document's one
/// operation's) for the transport's access log.
#[derive(Debug, Clone, Default)]
pub struct OperationSlot(Arc<Mutex<Option<String>>>);

impl OperationSlot {
    /// The name left here, if any.
    pub fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Marks a request that may only run a query (GraphQL over HTTP's GET).
#[derive(Debug, Clone, Copy)]
pub struct QueriesOnly;

/// The HTTP status a refusal of the pipeline is answered with, carried as the error's source.
#[derive(Debug, Clone, Copy)]
pub struct EdgeStatus(pub u16);

/// A refusal as a GraphQL error that carries its HTTP status for the HTTP transport.
pub fn refusal(e: ApiError, status: u16) -> ServerError {
    let mut se = plain(e);
    se.source = Some(Arc::new(EdgeStatus(status)));
    se
}

/// A refusal answered like a validation error: 200 under `application/json`, 400 under
/// `application/graphql-response+json`.
fn plain(e: ApiError) -> ServerError {
    let err = async_graphql::Error::from(e);
    let mut se = ServerError::new(err.message, None);
    se.extensions = err.extensions;
    se
}

/// What the pipeline enforces, shared by every request.
#[derive(Debug)]
pub struct Pipeline {
    pub limits: Limits,
    pub safelist: Option<Safelist>,
    pub limiter: RateLimiter,
    pub metrics: Arc<Metrics>,
}

impl Pipeline {
    /// The pipeline for the configured limits (reads the safelist's manifest when one is
    /// required).
    pub fn new(limits: Limits) -> anyhow::Result<Self> {
        let safelist = match (limits.persisted_only, &limits.persisted_manifest) {
            (only, Some(path)) => Some(Safelist::load(path, only)?),
            (false, None) => None,
            (true, None) => anyhow::bail!("PERSISTED_ONLY needs PERSISTED_MANIFEST"),
        };
        Ok(Pipeline {
            limiter: RateLimiter::from_limits(&limits),
            metrics: Arc::default(),
            safelist,
            limits,
        })
    }

    /// Charges one request to `key`'s budget.
    pub fn charge(&self, key: Key) -> Result<(), ServerError> {
        self.limiter.check(key).map_err(|retry_after_secs| {
            self.metrics.rate_limited();
            refusal(ApiError::RateLimited { retry_after_secs }, 429)
        })
    }
}

/// Gives every error a code and writes its message in `locale`.
fn localize(locale: crate::i18n::Locale, response: &mut Response) {
    if response.errors.is_empty() {
        return;
    }
    let errors = std::mem::take(&mut response.errors);
    response.errors = errors.into_iter().map(crate::error::ensure_code).collect();
    crate::i18n::localize(locale, &mut response.errors);
}

/// The `extensions.code` of a response's first error, or `OK`.
pub fn outcome_code(response: &Response) -> String {
    response
        .errors
        .first()
        .and_then(|e| e.extensions.as_ref())
        .and_then(|x| x.get("code"))
        .map_or_else(
            || "OK".to_owned(),
            |c| match c {
                async_graphql::Value::String(s) => s.clone(),
                other => other.to_string(),
            },
        )
}

/// The extension factory installed on the schema.
#[derive(Debug, Clone)]
pub struct PipelineExtension(pub Arc<Pipeline>);

impl ExtensionFactory for PipelineExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            pipeline: self.0.clone(),
            seen: Arc::new(Mutex::new(Seen::default())),
        })
    }
}

/// What `prepare_request` learned, for the later hooks of the same request.
#[derive(Debug, Default)]
struct Seen {
    operation_name: Option<String>,
    viewer: Option<Viewer>,
    queries_only: bool,
    /// The query text, parsed again for null propagation only when a response has errors.
    query: Option<String>,
    /// The kind of the operation that runs, once parsed.
    kind: Option<OperationType>,
    /// The language messages are written in.
    locale: crate::i18n::Locale,
    /// Where the transport wants the operation's name.
    slot: Option<OperationSlot>,
}

impl Seen {
    fn kind(&self) -> metrics::OperationType {
        match self.kind {
            Some(OperationType::Query) => metrics::OperationType::Query,
            Some(OperationType::Mutation) => metrics::OperationType::Mutation,
            Some(OperationType::Subscription) => metrics::OperationType::Subscription,
            None => metrics::OperationType::Unknown,
        }
    }
}

/// One request's pass through the pipeline.
struct PerRequest {
    pipeline: Arc<Pipeline>,
    seen: Arc<Mutex<Seen>>,
}

/// A subscription's place in the metrics: active while it lives, counted at its first answer
/// (or at its end, when it had none).
struct SubscriptionWatch {
    metrics: Arc<Metrics>,
    seen: Arc<Mutex<Seen>>,
    counted: bool,
    _active: metrics::ActiveSubscription,
}

impl SubscriptionWatch {
    fn count(&mut self, outcome: &str) {
        if std::mem::replace(&mut self.counted, true) {
            return;
        }
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        self.metrics
            .operation(seen.operation_name.as_deref(), seen.kind(), outcome, None);
    }
}

impl Drop for SubscriptionWatch {
    fn drop(&mut self) {
        self.count("OK");
    }
}

fn get<T: 'static>(data: &async_graphql::Data) -> Option<&T> {
    data.get(&TypeId::of::<T>())
        .and_then(|d| d.downcast_ref::<T>())
}

fn fresh_request_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

#[async_trait::async_trait]
impl Extension for PerRequest {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        use tracing::Instrument;
        let started = std::time::Instant::now();
        // A span per operation, inside the HTTP request's (and so the caller's trace).
        let span = tracing::info_span!(
            "graphql",
            graphql.operation.name = tracing::field::Empty,
            graphql.operation.type = tracing::field::Empty,
            graphql.outcome = tracing::field::Empty,
        );
        let mut response = next.run(ctx).instrument(span.clone()).await;
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        localize(seen.locale, &mut response);
        if let Some(slot) = &seen.slot {
            *slot.0.lock().unwrap_or_else(|p| p.into_inner()) = seen.operation_name.clone();
        }
        let (kind, outcome) = (seen.kind(), outcome_code(&response));
        span.record(
            "graphql.operation.name",
            seen.operation_name.as_deref().unwrap_or(""),
        );
        span.record("graphql.operation.type", kind.as_str());
        span.record("graphql.outcome", outcome.as_str());
        self.pipeline.metrics.operation(
            seen.operation_name.as_deref(),
            kind,
            &outcome,
            Some(started.elapsed()),
        );
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let mut watch = SubscriptionWatch {
            metrics: self.pipeline.metrics.clone(),
            seen: self.seen.clone(),
            counted: false,
            _active: self.pipeline.metrics.subscription_started(),
        };
        let seen = self.seen.clone();
        next.run(ctx, stream)
            .map(move |mut response| {
                watch.count(&outcome_code(&response));
                let locale = seen.lock().unwrap_or_else(|p| p.into_inner()).locale;
                localize(locale, &mut response);
                response
            })
            .boxed()
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // The language of every message from here on, refusals included.
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).locale =
            get::<crate::i18n::Locale>(&request.data)
                .or_else(|| get::<crate::i18n::Locale>(ctx.session_data))
                .copied()
                .unwrap_or_default();
        // The request's own viewer (HTTP) or the connection's (WebSocket).
        let viewer = get::<Viewer>(&request.data)
            .or_else(|| get::<Viewer>(ctx.session_data))
            .cloned();
        if let Some(v) = &viewer
            && v.is_expired(chrono::Utc::now())
        {
            return Err(refusal(
                ApiError::Unauthenticated("token expired".into()),
                401,
            ));
        }
        let key = match &viewer {
            Some(v) => Key::Subject(v.sub.clone()),
            None => Key::Address(
                get::<ClientAddress>(&request.data)
                    .or_else(|| get::<ClientAddress>(ctx.session_data))
                    .map(|a| a.0.clone())
                    .unwrap_or_default(),
            ),
        };
        self.pipeline.charge(key)?;
        match &self.pipeline.safelist {
            Some(list) => list.admit(&mut request).map_err(|e| refusal(e, 403))?,
            None if super::persisted::named(&request).is_some() => {
                return Err(refusal(super::persisted::no_manifest(), 400));
            }
            None => {}
        }
        let request_id = get::<RequestId>(&request.data)
            .map(|r| r.0.clone())
            .unwrap_or_else(fresh_request_id);
        let viewer = viewer.map(|mut v| {
            v.request_id = Some(request_id.clone());
            v
        });
        if let Some(v) = &viewer {
            request.data.insert(v.clone());
        }
        request.data.insert(RequestId(request_id));
        if get::<Loaders>(&request.data).is_none()
            && let Some(state) = ctx.data_opt::<AppState>()
        {
            request.data.insert(Loaders::new(&state.db));
        }
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            seen.operation_name = request.operation_name.clone();
            seen.slot = get::<OperationSlot>(&request.data).cloned();
            seen.queries_only = get::<QueriesOnly>(&request.data).is_some();
            seen.viewer = viewer;
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let (operation_name, queries_only, role) = {
            let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            (
                seen.operation_name.clone(),
                seen.queries_only,
                seen.viewer.as_ref().map(|v| v.role),
            )
        };
        limits::check_document(&doc, &self.pipeline.limits).map_err(|e| refusal(e, 400))?;
        let selected = limits::selected_operation(&doc, operation_name.as_deref());
        {
            // The operation as metrics name it: by the request's name, or the document's one.
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            seen.kind = selected.map(|op| op.ty);
            if seen.operation_name.is_none()
                && let DocumentOperations::Multiple(named) = &doc.operations
                && named.len() == 1
            {
                seen.operation_name = named.keys().next().map(|n| n.to_string());
            }
        }
        if queries_only && selected.is_some_and(|op| op.ty != OperationType::Query) {
            return Err(refusal(
                ApiError::bad_input("query", "GET runs queries only; send mutations with POST"),
                405,
            ));
        }
        if let Some(op) = selected.filter(|op| op.ty == OperationType::Mutation) {
            let Some(role) = role else {
                return Err(refusal(
                    ApiError::Unauthenticated("authentication required".into()),
                    401,
                ));
            };
            for field in limits::root_fields(&doc, op) {
                if !permissions::may_ever(role, field) {
                    return Err(plain(ApiError::Forbidden(format!(
                        "the {} role may not run `{field}`",
                        role.as_str().to_lowercase()
                    ))));
                }
            }
        }
        crate::input::check_document_text(&doc, variables).map_err(plain)?;
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).query = Some(query.to_owned());
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let budget =
            std::time::Duration::from_millis(self.pipeline.limits.request_timeout_ms.max(1));
        match tokio::time::timeout(budget, next.run(ctx, operation_name)).await {
            Ok(mut response) => {
                if !response.errors.is_empty() {
                    // Once per response: each event of a subscription is executed here too.
                    let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
                    let doc = seen
                        .query
                        .as_deref()
                        .and_then(|q| async_graphql::parser::parse_query(q).ok());
                    if let Some(doc) = doc {
                        crate::graphql::nulls::propagate(
                            &ctx.schema_env.registry,
                            &doc,
                            operation_name,
                            &mut response,
                        );
                    }
                }
                response
            }
            Err(_) => {
                tracing::warn!(
                    timeout_ms = budget.as_millis() as u64,
                    "operation timed out"
                );
                Response::from_errors(vec![refusal(ApiError::internal("request timed out"), 503)])
            }
        }
    }
}

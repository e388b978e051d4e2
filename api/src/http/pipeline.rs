//! The request pipeline every GraphQL operation crosses, whichever transport brought it: POST,
//! GET and each operation of a WebSocket connection are handed to the same executor,
//! [`Gateway`], so the safelist, the shape limits, the rate limit, authorisation before
//! validation, the character rule, the time limit and the request id hold on every path.
//!
//! The pipeline wraps the schema rather than being an async-graphql extension: a schema with
//! an extension puts a boxed hook and a type lookup on every field it resolves, a tenth of a
//! list page's CPU. Only the schema that runs subscriptions carries one, [`EventBudget`], for
//! what must happen inside the stream (each event's time limit and null propagation).
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
use crate::graphql::AppSchema;
use crate::graphql::loaders::Loaders;
use crate::metrics::{self, Metrics};
use crate::state::AppState;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::registry::Registry;
use async_graphql::{Data, Executor, Request, Response, ServerError, ServerResult, Variables};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::any::TypeId;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::Instrument;

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
    /// Documents parsed recently, by text.
    documents: super::documents::Documents,
    /// Turns for queries (`MAX_QUERIES_IN_FLIGHT`), given in the order they were asked for.
    queries: Arc<tokio::sync::Semaphore>,
}

impl Pipeline {
    /// The pipeline for the configured limits in a process of `workers` HTTP workers (reads
    /// the safelist's manifest when one is required).
    pub fn new(limits: Limits, workers: usize) -> anyhow::Result<Self> {
        let safelist = match (limits.persisted_only, &limits.persisted_manifest) {
            (only, Some(path)) => Some(Safelist::load(path, only)?),
            (false, None) => None,
            (true, None) => anyhow::bail!("PERSISTED_ONLY needs PERSISTED_MANIFEST"),
        };
        Ok(Pipeline {
            limiter: RateLimiter::from_limits(&limits),
            metrics: Arc::default(),
            documents: Default::default(),
            queries: Arc::new(tokio::sync::Semaphore::new(
                limits.queries_in_flight(workers),
            )),
            safelist,
            limits,
        })
    }

    /// How long one operation (or one event of a subscription) may run.
    fn budget(&self) -> Duration {
        Duration::from_millis(self.limits.request_timeout_ms.max(1))
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

/// Runs one execution under the time limit; an answer with errors gets GraphQL's null
/// propagation (`query`: the document's text, parsed again only then).
async fn within_budget(
    budget: Duration,
    registry: &Registry,
    query: &str,
    operation_name: Option<&str>,
    execution: impl std::future::Future<Output = Response>,
) -> Response {
    match tokio::time::timeout(budget, execution).await {
        Ok(mut response) => {
            if !response.errors.is_empty()
                && let Ok(doc) = async_graphql::parser::parse_query(query)
            {
                crate::graphql::nulls::propagate(registry, &doc, operation_name, &mut response);
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

/// Runs `execution` once one of `turns` is free (at once without turns), holding the turn
/// until it ends. Inside `within_budget`, the wait counts toward the time limit.
async fn in_turn<T>(
    turns: Option<&tokio::sync::Semaphore>,
    execution: impl std::future::Future<Output = T>,
) -> T {
    // The semaphore is never closed, so acquiring always succeeds.
    let _turn = match turns {
        Some(t) => t.acquire().await.ok(),
        None => None,
    };
    execution.await
}

/// What the pipeline learned of one operation before it ran.
#[derive(Debug, Default)]
struct Seen {
    operation_name: Option<String>,
    /// The query text, parsed again for null propagation only when a response has errors.
    query: String,
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

/// A subscription's place in the metrics: active while it lives, counted at its first answer
/// (or at its end, when it had none).
struct SubscriptionWatch {
    metrics: Arc<Metrics>,
    operation_name: Option<String>,
    counted: bool,
    _active: metrics::ActiveSubscription,
}

impl SubscriptionWatch {
    fn count(&mut self, outcome: &str) {
        if std::mem::replace(&mut self.counted, true) {
            return;
        }
        self.metrics.operation(
            self.operation_name.as_deref(),
            metrics::OperationType::Subscription,
            outcome,
            None,
        );
    }
}

impl Drop for SubscriptionWatch {
    fn drop(&mut self) {
        self.count("OK");
    }
}

fn get<T: 'static>(data: &Data) -> Option<&T> {
    data.get(&TypeId::of::<T>())
        .and_then(|d| d.downcast_ref::<T>())
}

fn fresh_request_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// A span per operation, inside the HTTP request's (and so the caller's trace).
fn operation_span() -> tracing::Span {
    tracing::info_span!(
        "graphql",
        graphql.operation.name = tracing::field::Empty,
        graphql.operation.type = tracing::field::Empty,
        graphql.outcome = tracing::field::Empty,
    )
}

/// The executor every transport hands its operations to: the pipeline around the schema.
#[derive(Clone)]
pub struct Gateway(Arc<GatewayInner>);

struct GatewayInner {
    /// Runs queries and mutations; no extension.
    schema: AppSchema,
    /// Runs subscriptions, with [`EventBudget`] inside their streams.
    streaming: AppSchema,
    /// The schema's types, for null propagation.
    registry: Registry,
    pipeline: Arc<Pipeline>,
    state: AppState,
}

impl Gateway {
    /// The pipeline around the application's schema.
    pub fn new(state: AppState, pipeline: Arc<Pipeline>) -> Self {
        let limits = &pipeline.limits;
        let budget = EventBudget(pipeline.budget());
        Gateway(Arc::new(GatewayInner {
            schema: crate::graphql::build_schema(state.clone(), limits, None),
            streaming: crate::graphql::build_schema(state.clone(), limits, Some(budget)),
            registry: crate::graphql::registry(),
            pipeline,
            state,
        }))
    }

    /// The pipeline's checks before anything runs, in the order of refusal (see the module's
    /// documentation). Returns the request ready for the schema, parsed.
    fn admit(
        &self,
        mut request: Request,
        session: Option<&Data>,
        seen: &mut Seen,
    ) -> Result<Request, ServerError> {
        let pipeline = &self.0.pipeline;
        // The language of every message from here on, refusals included.
        seen.locale = get::<crate::i18n::Locale>(&request.data)
            .or_else(|| session.and_then(get::<crate::i18n::Locale>))
            .copied()
            .unwrap_or_default();
        seen.operation_name = request.operation_name.clone();
        seen.slot = get::<OperationSlot>(&request.data).cloned();
        // The request's own viewer (HTTP) or the connection's (WebSocket).
        let viewer = get::<Viewer>(&request.data)
            .or_else(|| session.and_then(get::<Viewer>))
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
                    .or_else(|| session.and_then(get::<ClientAddress>))
                    .map(|a| a.0.clone())
                    .unwrap_or_default(),
            ),
        };
        pipeline.charge(key)?;
        match &pipeline.safelist {
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
        let role = viewer.as_ref().map(|v| v.role);
        if let Some(v) = viewer {
            request.data.insert(v);
        }
        request.data.insert(RequestId(request_id));
        if get::<Loaders>(&request.data).is_none() {
            request.data.insert(Loaders::new(&self.0.state.db));
        }
        let queries_only = get::<QueriesOnly>(&request.data).is_some();

        let doc = pipeline.documents.parse(&request.query)?;
        limits::check_document(&doc, &pipeline.limits).map_err(|e| refusal(e, 400))?;
        let selected = limits::selected_operation(&doc, request.operation_name.as_deref());
        // The operation as metrics name it: by the request's name, or the document's one.
        seen.kind = selected.map(|op| op.ty);
        if seen.operation_name.is_none()
            && let DocumentOperations::Multiple(named) = &doc.operations
            && named.len() == 1
        {
            seen.operation_name = named.keys().next().map(|n| n.to_string());
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
        crate::input::check_document_text(&doc, &request.variables).map_err(plain)?;
        seen.query = request.query.clone();
        request.set_parsed_query(doc);
        Ok(request)
    }

    /// Runs an admitted query or mutation under the time limit (with the WebSocket
    /// connection's data, when it came over one).
    async fn run(&self, request: Request, session: Option<Arc<Data>>, seen: &Seen) -> Response {
        let inner = &self.0;
        let operation_name = request.operation_name.clone();
        // A query waits for its turn inside its time limit; mutations queue for the write
        // lock instead, and a turn held there would keep readers waiting on writers.
        let turns = (seen.kind == Some(OperationType::Query)).then(|| &*inner.pipeline.queries);
        let execution = in_turn(turns, async move {
            match session {
                Some(session) => inner
                    .schema
                    .execute_stream_with_session_data(request, session)
                    .next()
                    .await
                    .unwrap_or_else(|| Response::new(async_graphql::Value::Null)),
                None => inner.schema.execute(request).await,
            }
        });
        within_budget(
            inner.pipeline.budget(),
            &inner.registry,
            &seen.query,
            operation_name.as_deref(),
            execution,
        )
        .await
    }

    /// What every answer gets on its way out: codes and language for its errors, the
    /// operation's name for the access log, the span's fields and the metrics.
    fn finish(&self, seen: &Seen, span: &tracing::Span, started: Instant, response: &mut Response) {
        localize(seen.locale, response);
        if let Some(slot) = &seen.slot {
            *slot.0.lock().unwrap_or_else(|p| p.into_inner()) = seen.operation_name.clone();
        }
        let (kind, outcome) = (seen.kind(), outcome_code(response));
        span.record(
            "graphql.operation.name",
            seen.operation_name.as_deref().unwrap_or(""),
        );
        span.record("graphql.operation.type", kind.as_str());
        span.record("graphql.outcome", outcome.as_str());
        self.0.pipeline.metrics.operation(
            seen.operation_name.as_deref(),
            kind,
            &outcome,
            Some(started.elapsed()),
        );
    }
}

impl Gateway {
    /// A query or mutation from its admission (or refusal) to its finished answer.
    async fn complete(
        &self,
        admitted: Result<Request, ServerError>,
        session: Option<Arc<Data>>,
        seen: &Seen,
        span: &tracing::Span,
        started: Instant,
    ) -> Response {
        let mut response = match admitted {
            Ok(request) => {
                self.run(request, session, seen)
                    .instrument(span.clone())
                    .await
            }
            Err(e) => Response::from_errors(vec![e]),
        };
        self.finish(seen, span, started, &mut response);
        response
    }
}

impl Executor for Gateway {
    async fn execute(&self, request: Request) -> Response {
        let (started, span) = (Instant::now(), operation_span());
        let mut seen = Seen::default();
        let admitted = self.admit(request, None, &mut seen);
        self.complete(admitted, None, &seen, &span, started).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let this = self.clone();
        let (started, span) = (Instant::now(), operation_span());
        let mut seen = Seen::default();
        let request = match this.admit(request, session.as_deref(), &mut seen) {
            Ok(request) if seen.kind == Some(OperationType::Subscription) => request,
            // A refusal, or a query or mutation over a WebSocket: one answer, as over HTTP.
            admitted => {
                return futures_util::stream::once(async move {
                    this.complete(admitted, session, &seen, &span, started)
                        .await
                })
                .boxed();
            }
        };
        let mut watch = SubscriptionWatch {
            metrics: this.0.pipeline.metrics.clone(),
            operation_name: seen.operation_name.clone(),
            counted: false,
            _active: this.0.pipeline.metrics.subscription_started(),
        };
        let locale = seen.locale;
        this.0
            .streaming
            .execute_stream_with_session_data(request, session.unwrap_or_default())
            .map(move |mut response| {
                watch.count(&outcome_code(&response));
                localize(locale, &mut response);
                response
            })
            .boxed()
    }
}

/// Each event of a subscription runs under the time limit and gets null propagation, as a
/// query's answer does. Installed only on the schema that runs subscriptions.
#[derive(Debug, Clone, Copy)]
pub struct EventBudget(pub Duration);

impl ExtensionFactory for EventBudget {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(EventBudgetHook {
            budget: self.0,
            query: Mutex::new(Arc::from("")),
        })
    }
}

struct EventBudgetHook {
    budget: Duration,
    /// The document's text, for null propagation.
    query: Mutex<Arc<str>>,
}

#[async_trait::async_trait]
impl Extension for EventBudgetHook {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        *self.query.lock().unwrap_or_else(|p| p.into_inner()) = Arc::from(query);
        next.run(ctx, query, variables).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let query = self.query.lock().unwrap_or_else(|p| p.into_inner()).clone();
        within_budget(
            self.budget,
            &ctx.schema_env.registry,
            &query,
            operation_name,
            next.run(ctx, operation_name),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{EmptyMutation, Object, Schema, Subscription};
    use futures_util::Stream;

    struct Slow;
    #[Object]
    impl Slow {
        async fn value(&self) -> i32 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            1
        }
        async fn quick(&self) -> i32 {
            2
        }
    }

    struct Query;
    #[Object]
    impl Query {
        async fn ping(&self) -> i32 {
            0
        }
    }

    struct Events;
    #[Subscription]
    impl Events {
        async fn slow(&self) -> impl Stream<Item = Slow> {
            futures_util::stream::iter([Slow, Slow])
        }
    }

    #[tokio::test]
    async fn each_subscription_event_runs_under_the_time_limit() {
        let schema = Schema::build(Query, EmptyMutation, Events)
            .extension(EventBudget(Duration::from_millis(50)))
            .finish();
        let events: Vec<Response> = schema
            .execute_stream("subscription { slow { value } }")
            .collect()
            .await;
        assert_eq!(events.len(), 2, "the stream goes on after a slow event");
        for event in &events {
            assert_eq!(event.errors.len(), 1, "{event:?}");
            assert_eq!(outcome_code(event), "INTERNAL", "{event:?}");
            assert_eq!(
                event.errors[0].source::<EdgeStatus>().map(|s| s.0),
                Some(503),
                "answered as the time limit"
            );
        }
        let events: Vec<Response> = schema
            .execute_stream("subscription { slow { quick } }")
            .collect()
            .await;
        assert!(events.iter().all(|e| e.errors.is_empty()), "{events:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_query_waits_for_its_turn_inside_its_time_limit() {
        let schema = Schema::build(Slow, EmptyMutation, async_graphql::EmptySubscription).finish();
        let registry = Arc::new(crate::graphql::nulls::registry::<
            Slow,
            EmptyMutation,
            async_graphql::EmptySubscription,
        >());
        let run = |turns: Arc<tokio::sync::Semaphore>| {
            let (schema, registry) = (schema.clone(), registry.clone());
            async move {
                let started = tokio::time::Instant::now();
                let response = within_budget(
                    Duration::from_millis(700),
                    &registry,
                    "{ value }",
                    None,
                    in_turn(Some(&turns), schema.execute("{ value }")),
                )
                .await;
                (response, started.elapsed())
            }
        };
        // One turn: the second query waits 500 ms for it, and runs out of time while it runs.
        let one = Arc::new(tokio::sync::Semaphore::new(1));
        let (first, second) = tokio::join!(run(one.clone()), run(one.clone()));
        assert!(first.0.errors.is_empty(), "{:?}", first.0);
        assert_eq!(first.1, Duration::from_millis(500));
        assert_eq!(outcome_code(&second.0), "INTERNAL", "{:?}", second.0);
        assert_eq!(
            second.0.errors[0].source::<EdgeStatus>().map(|s| s.0),
            Some(503)
        );
        assert_eq!(second.1, Duration::from_millis(700));
        assert_eq!(one.available_permits(), 1, "the turns are given back");
        // Two turns: both run at once.
        let two = Arc::new(tokio::sync::Semaphore::new(2));
        let (first, second) = tokio::join!(run(two.clone()), run(two.clone()));
        assert!(first.0.errors.is_empty() && second.0.errors.is_empty());
        assert_eq!(second.1, Duration::from_millis(500));
    }
}

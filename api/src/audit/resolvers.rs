//! `auditEvents`, `changes` and `verifyAuditChain`.

use super::service::{self, EventFilter};
use super::types::{AuditChainVerification, AuditEvent};
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{self, Conn};
use crate::ids::{self, Kind};
use crate::paging::PageArgs;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entities::{Columns, audit_event};

/// Narrows `auditEvents`.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// e.g. `Pilot`, `FinancingSource`.
    pub entity_type: Option<String>,
    pub entity_id: Option<ID>,
    /// Events of a pilot and everything that belongs to it.
    pub pilot_id: Option<ID>,
    /// Events of a regional plan and everything filed under it.
    pub plan_id: Option<ID>,
    /// The actor's `sub`.
    pub actor: Option<String>,
    pub action: Option<String>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive).
    pub to: Option<DateTime<Utc>>,
}

/// A page of the events the viewer may read, redacted for it: the one way events are listed
/// (`auditEvents`, `changes`, `Pilot.history`).
pub async fn events(
    ctx: &Context<'_>,
    filter: &EventFilter,
    args: &PageArgs,
) -> Result<Conn<AuditEvent, audit_event::Entity>> {
    let viewer = ctx.viewer()?;
    let redactor = ctx.loaders().redactor(viewer).await?;
    Ok(pagination::connection(
        ctx.db(),
        service::query(viewer, filter),
        &service::sort(),
        args,
        Columns::ALL,
        |m| AuditEvent::new(m, &redactor),
    )
    .await?)
}

/// The first page (or the page after `after`) of the events `filter` selects, paged forward
/// only: a pilot's or a plan's `history`, and the change feed. The page is read by a boxed
/// future: an object's fields are resolved by futures as large as its largest field's, and a
/// page of events is some 3.5 KB, six times any other field of a pilot (a list page of pilots
/// copies those futures hundreds of times).
pub async fn forward(
    ctx: &Context<'_>,
    filter: EventFilter,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Conn<AuditEvent, audit_event::Entity>> {
    let args = PageArgs {
        first,
        after,
        last: None,
        before: None,
    };
    Box::pin(events(ctx, &filter, &args)).await
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail in chain order, within the caller's scope.
    #[graphql(complexity = "crate::graphql::cost::connection(first, last, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<AuditEvent, audit_event::Entity>> {
        ctx.viewer()?;
        let f = filter.unwrap_or_default();
        let filter = EventFilter {
            entity_type: f.entity_type,
            entity_id: f.entity_id.map(|i| i.0),
            pilot_id: f
                .pilot_id
                .map(|p| ids::parse_id(&p, Kind::Pilot, "filter.pilotId"))
                .transpose()?,
            plan_id: f
                .plan_id
                .map(|p| ids::parse_id(&p, Kind::RegionalPlan, "filter.planId"))
                .transpose()?,
            actor_sub: f.actor,
            action: f.action,
            from: f.from,
            to: f.to,
        };
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        events(ctx, &filter, &args).await
    }

    /// The change feed for data platforms: every committed change the caller may see, in
    /// commit order. Keep `pageInfo.endCursor` and pass it as `after` next time; an event
    /// never appears behind a cursor already handed out.
    #[graphql(complexity = "crate::graphql::cost::connection(first, None, child_complexity)")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<Conn<AuditEvent, audit_event::Entity>> {
        forward(ctx, EventFilter::default(), first, after).await
    }

    /// Recomputes the hash chain over events `from..=to` (default: all) and names the first
    /// event that was altered or is missing. Provincial users and auditors.
    async fn verify_audit_chain(
        &self,
        ctx: &Context<'_>,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<AuditChainVerification> {
        let viewer = ctx.viewer()?;
        let v = service::verify(ctx.db(), viewer, from, to).await?;
        Ok(AuditChainVerification {
            valid: v.broken.is_none(),
            checked: v.checked,
            first_broken_seq: v.broken.as_ref().map(|b| b.seq),
            reason: v.broken.map(|b| b.reason),
        })
    }
}

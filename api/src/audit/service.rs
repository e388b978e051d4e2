//! Reading the trail: events in the viewer's scope, the change feed, and chain verification.

use super::chain::{Break, Verifier};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::paging::{KeyKind, Sort, SortValue};
use chrono::{DateTime, Utc};
use entities::{RegionLevel, Role, audit_event};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};

/// Filters of `auditEvents`.
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub pilot_id: Option<i64>,
    pub plan_id: Option<i64>,
    pub actor_sub: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The events a viewer may read: those of the pilots and regional plans it may read; and,
/// for provincial users and province-level auditors, events of programs and organisations
/// too.
pub fn scope(viewer: &Viewer) -> Condition {
    let mut cond = Condition::any()
        .add(audit_event::Column::PilotId.in_subquery(viewer.visible_pilot_ids()))
        .add(audit_event::Column::PlanId.in_subquery(viewer.visible_plan_ids()));
    let province_wide = viewer.role == Role::National
        || matches!(viewer.role, Role::Provincial | Role::Auditor)
            && viewer
                .region
                .as_ref()
                .is_some_and(|r| r.level() == RegionLevel::Province);
    if province_wide {
        cond = cond.add(
            Condition::all()
                .add(audit_event::Column::PilotId.is_null())
                .add(audit_event::Column::PlanId.is_null()),
        );
    }
    cond
}

/// The events the viewer may read, filtered.
pub fn query(viewer: &Viewer, f: &EventFilter) -> Select<audit_event::Entity> {
    let mut q = audit_event::Entity::find().filter(scope(viewer));
    if let Some(v) = &f.entity_type {
        q = q.filter(audit_event::Column::EntityType.eq(v.as_str()));
    }
    if let Some(v) = &f.entity_id {
        q = q.filter(audit_event::Column::EntityId.eq(v.as_str()));
    }
    if let Some(v) = f.pilot_id {
        q = q.filter(audit_event::Column::PilotId.eq(v));
    }
    if let Some(v) = f.plan_id {
        q = q.filter(audit_event::Column::PlanId.eq(v));
    }
    if let Some(v) = &f.actor_sub {
        q = q.filter(audit_event::Column::ActorSub.eq(v.as_str()));
    }
    if let Some(v) = &f.action {
        q = q.filter(audit_event::Column::Action.eq(v.as_str()));
    }
    if let Some(v) = f.from {
        q = q.filter(audit_event::Column::OccurredAt.gte(v));
    }
    if let Some(v) = f.to {
        q = q.filter(audit_event::Column::OccurredAt.lt(v));
    }
    q
}

/// Events are read in chain order.
pub fn sort() -> Sort<audit_event::Entity> {
    Sort {
        column: audit_event::Column::Seq,
        kind: KeyKind::Int,
        tie_kind: KeyKind::Int,
        tie: audit_event::Column::Seq,
        descending: false,
        key_of: |m| (SortValue::Int(m.seq), SortValue::Int(m.seq)),
    }
}

/// The outcome of verifying (part of) the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checked: u64,
    pub broken: Option<Break>,
}

/// Verifies events `from..=to` (by sequence number; default: all). Provincial users and
/// auditors only: the check reads the whole chain, beyond anyone's scope.
pub async fn verify(
    db: &DatabaseConnection,
    viewer: &Viewer,
    from: Option<i64>,
    to: Option<i64>,
) -> ApiResult<Verification> {
    if !matches!(
        viewer.role,
        Role::National | Role::Provincial | Role::Auditor
    ) {
        return Err(ApiError::Forbidden(
            "national and provincial users and auditors verify the audit chain".into(),
        ));
    }
    verify_all(db, from, to).await
}

/// Verifies the chain without a viewer (the `verify-audit` command).
pub async fn verify_all(
    db: &DatabaseConnection,
    from: Option<i64>,
    to: Option<i64>,
) -> ApiResult<Verification> {
    let start = from.unwrap_or(1).max(1);
    let head = super::chain::head(db).await?;
    if let Some(to) = to
        && to < start
    {
        return Err(ApiError::bad_input("to", format!("{to} is before {start}")));
    }
    if start > head.max(1) {
        return Err(ApiError::bad_input(
            "from",
            format!("the chain ends at event {head}; there is no event {start}"),
        ));
    }
    let previous = if start > 1 {
        audit_event::Entity::find_by_id(start - 1).one(db).await?
    } else {
        None
    };
    let mut verifier = Verifier::after(previous.as_ref());
    if start > 1 && previous.is_none() {
        return Ok(Verification {
            checked: 0,
            broken: Some(Break {
                seq: start - 1,
                reason: format!("event {} is missing", start - 1),
            }),
        });
    }
    let mut next = start;
    loop {
        let mut q = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.gte(next))
            .order_by_asc(audit_event::Column::Seq)
            .limit(1000);
        if let Some(to) = to {
            q = q.filter(audit_event::Column::Seq.lte(to));
        }
        let page = q.all(db).await?;
        let Some(last) = page.last().map(|e| e.seq) else {
            break;
        };
        for e in &page {
            if let Err(b) = verifier.check(e) {
                return Ok(Verification {
                    checked: verifier.checked,
                    broken: Some(b),
                });
            }
        }
        next = last + 1;
    }
    Ok(Verification {
        checked: verifier.checked,
        broken: None,
    })
}

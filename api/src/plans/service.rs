//! Writing plans: a new version starts as DRAFT; publishing it supersedes the version of its
//! kind published before, which stays readable.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::pilots::editing::{Section, editable_pilot, editable_record};
use crate::state::AppState;
use entities::{PlanKind, PlanStatus, plan};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};

/// Metadata of an attached document.
#[derive(Debug, Clone)]
pub struct Document {
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
}

/// A new plan version.
#[derive(Debug, Clone)]
pub struct PlanForCreate {
    pub pilot_id: i64,
    pub kind: PlanKind,
    pub title: String,
    pub period_start_year: i32,
    pub period_end_year: i32,
    pub summary: String,
    pub document: Option<Document>,
}

fn check_document(d: &Document) -> ApiResult<()> {
    input::text("input.document.name", &d.name, true, 300)?;
    let mt = &d.media_type;
    if mt.len() > 100 || mt.split('/').count() != 2 || mt.split('/').any(|p| p.is_empty()) {
        return Err(ApiError::bad_input(
            "input.document.mediaType",
            "a media type such as application/pdf",
        ));
    }
    input::in_range("input.document.size", d.size, 1, 1 << 30)?;
    if d.sha256.len() != 64 || !d.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_input(
            "input.document.sha256",
            "64 hexadecimal characters",
        ));
    }
    Ok(())
}

/// Creates the next version of a plan of the viewer's pilot, as DRAFT.
pub async fn create(state: &AppState, viewer: &Viewer, p: PlanForCreate) -> ApiResult<plan::Model> {
    let title = input::text("input.title", &p.title, true, 300)?;
    let summary = input::long_text("input.summary", &p.summary, false)?;
    input::in_range(
        "input.periodStartYear",
        i64::from(p.period_start_year),
        2000,
        2100,
    )?;
    input::in_range(
        "input.periodEndYear",
        i64::from(p.period_end_year),
        i64::from(p.period_start_year),
        2100,
    )?;
    if let Some(d) = &p.document {
        check_document(d)?;
    }
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    editable_pilot(tx.conn(), viewer, p.pilot_id, Section::Plans).await?;
    let last = plan::Entity::find()
        .filter(plan::Column::PilotId.eq(p.pilot_id))
        .filter(plan::Column::Kind.eq(p.kind))
        .order_by_desc(plan::Column::PlanVersion)
        .one(tx.conn())
        .await?;
    let model = tx
        .insert(plan::ActiveModel {
            pilot_id: Set(p.pilot_id),
            kind: Set(p.kind),
            title: Set(title),
            plan_version: Set(last.map_or(1, |l| l.plan_version + 1)),
            period_start_year: Set(p.period_start_year),
            period_end_year: Set(p.period_end_year),
            summary: Set(summary),
            document_name: Set(p.document.as_ref().map(|d| d.name.trim().to_owned())),
            document_media_type: Set(p.document.as_ref().map(|d| d.media_type.to_lowercase())),
            document_size: Set(p.document.as_ref().map(|d| d.size)),
            document_sha256: Set(p.document.as_ref().map(|d| d.sha256.to_lowercase())),
            status: Set(PlanStatus::Draft),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await?;
    tx.commit().await?;
    Ok(model)
}

/// Publishes a DRAFT plan version; the one of its kind published before is superseded.
pub async fn publish(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> ApiResult<plan::Model> {
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    let plan =
        editable_record::<plan::Entity>(tx.conn(), viewer, id, version, Section::Plans).await?;
    if plan.status != PlanStatus::Draft {
        return Err(ApiError::InvalidTransition(format!(
            "only a DRAFT plan is published; this one is {}",
            plan.status.as_str()
        )));
    }
    for old in plan::Entity::find()
        .filter(plan::Column::PilotId.eq(plan.pilot_id))
        .filter(plan::Column::Kind.eq(plan.kind))
        .filter(plan::Column::Status.eq(PlanStatus::Published))
        .all(tx.conn())
        .await?
    {
        let mut m = old.clone().into_active_model();
        m.status = Set(PlanStatus::Superseded);
        m.version = Set(old.version + 1);
        m.updated_at = Set(now);
        tx.update("SUPERSEDE", &old, m).await?;
    }
    let mut m = plan.clone().into_active_model();
    m.status = Set(PlanStatus::Published);
    m.published_at = Set(Some(now));
    m.version = Set(version + 1);
    m.updated_at = Set(now);
    let published = tx.update("PUBLISH", &plan, m).await?;
    tx.commit().await?;
    Ok(published)
}

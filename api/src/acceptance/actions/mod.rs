//! The acceptance actions, one file each: the applicant requests acceptance, the recommender
//! forwards it, the issuing authority records the experts' review and decides (the indicator
//! rule's verdict and snapshot stored with the attempt), and re-reviews titled pilots.

pub mod decide;
pub mod forward;
pub mod re_review;
pub mod request;
pub mod review;

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entities::acceptance_record;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

/// The open acceptance attempt (the latest).
async fn current_attempt(
    db: &impl ConnectionTrait,
    pilot_id: i64,
) -> ApiResult<acceptance_record::Model> {
    acceptance_record::Entity::find()
        .filter(acceptance_record::Column::PilotId.eq(pilot_id))
        .order_by_desc(acceptance_record::Column::Attempt)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("acceptance state without a record"))
}

/// Marks an attempt as changed.
fn bump(rec: &mut acceptance_record::ActiveModel, now: DateTime<Utc>) {
    rec.version = Set(rec.version.as_ref() + 1);
    rec.updated_at = Set(now);
}

//! Writing financing sources: exact CNY amounts, never negative, disbursed never above
//! committed, and a status that only moves forward.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::pilots::editing::{Section, editable_pilot, editable_record};
use crate::state::AppState;
use chrono::NaiveDate;
use entities::{Dec, FinancingKind, FinancingStatus, financing_source, key_project};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

/// The fields of a financing source; on update, absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct FinancingFields {
    pub kind: Option<FinancingKind>,
    pub provider: Option<String>,
    /// `Some(None)` clears the earmark.
    pub key_project_id: Option<Option<i64>>,
    /// The program fund the money comes from; `Some(None)` clears it.
    pub fund_id: Option<Option<i64>>,
    pub committed_amount: Option<Decimal>,
    pub disbursed_amount: Option<Decimal>,
    pub reference_number: Option<String>,
    pub committed_on: Option<NaiveDate>,
    pub disbursed_on: Option<NaiveDate>,
    pub status: Option<FinancingStatus>,
}

/// Whether a source may move from one status to another: PLANNED → COMMITTED → DISBURSED,
/// and to CANCELLED from anything but DISBURSED.
pub fn may_move(from: FinancingStatus, to: FinancingStatus) -> bool {
    use FinancingStatus::*;
    from == to
        || matches!(
            (from, to),
            (Planned, Committed | Disbursed | Cancelled) | (Committed, Disbursed | Cancelled)
        )
}

/// A fund of the pilot's program that is still offered (`BAD_USER_INPUT` otherwise).
async fn offered_fund(
    db: &impl ConnectionTrait,
    pilot_id: i64,
    fund_id: i64,
) -> ApiResult<entities::program_fund::Model> {
    use entities::{pilot, program_fund};
    let program_id = pilot::Entity::find_by_id(pilot_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("financing of a missing pilot"))?
        .program_id;
    program_fund::Entity::find_by_id(fund_id)
        .filter(program_fund::Column::ProgramId.eq(program_id))
        .filter(program_fund::Column::RetiredAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.fundId", "not a fund the pilot's program offers"))
}

async fn apply(
    db: &impl ConnectionTrait,
    pilot_id: i64,
    m: &mut financing_source::ActiveModel,
    current: Option<&financing_source::Model>,
    f: FinancingFields,
) -> ApiResult<()> {
    if let Some(k) = f.kind {
        m.kind = Set(k);
    }
    if let Some(fund) = f.fund_id {
        if let Some(id) = fund {
            let fund = offered_fund(db, pilot_id, id).await?;
            if f.kind.is_none() {
                m.kind = Set(fund.kind);
            }
        }
        m.fund_id = Set(fund);
    }
    // A source drawing on a fund is of the fund's kind, whichever of the two changed.
    if let Some(id) = *m.fund_id.as_ref() {
        let fund = entities::program_fund::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::internal("financing source with a missing fund"))?;
        if *m.kind.as_ref() != fund.kind {
            return Err(ApiError::bad_input(
                "input.kind",
                format!("{} is a {} fund", fund.name, fund.kind.as_str()),
            ));
        }
    }
    if let Some(p) = f.provider {
        m.provider = Set(input::text("input.provider", &p, true, 300)?);
    }
    if let Some(project) = f.key_project_id {
        if let Some(id) = project {
            key_project::Entity::find_by_id(id)
                .filter(key_project::Column::PilotId.eq(pilot_id))
                .one(db)
                .await?
                .ok_or_else(|| {
                    ApiError::bad_input("input.keyProjectId", "not a key project of this pilot")
                })?;
        }
        m.key_project_id = Set(project);
    }
    if let Some(d) = f.committed_amount {
        m.committed_amount = Set(Dec(input::money("input.committedAmount", d)?));
    }
    if let Some(d) = f.disbursed_amount {
        m.disbursed_amount = Set(Dec(input::money("input.disbursedAmount", d)?));
    }
    if let Some(r) = f.reference_number {
        m.reference_number = Set(Some(input::text("input.referenceNumber", &r, true, 100)?));
    }
    if f.committed_on.is_some() {
        m.committed_on = Set(f.committed_on);
    }
    if f.disbursed_on.is_some() {
        m.disbursed_on = Set(f.disbursed_on);
    }
    if let Some(s) = f.status {
        let from = current.map_or(FinancingStatus::Planned, |c| c.status);
        if !may_move(from, s) {
            return Err(ApiError::bad_input(
                "input.status",
                format!("a {} source cannot become {}", from.as_str(), s.as_str()),
            ));
        }
        m.status = Set(s);
    }
    let committed = m.committed_amount.as_ref().0;
    let disbursed = m.disbursed_amount.as_ref().0;
    if disbursed > committed {
        return Err(ApiError::bad_input(
            "input.disbursedAmount",
            "must not exceed the committed amount",
        ));
    }
    if !disbursed.is_zero() && *m.status.as_ref() != FinancingStatus::Disbursed {
        return Err(ApiError::bad_input(
            "input.status",
            "money has been disbursed: the status must be DISBURSED",
        ));
    }
    Ok(())
}

/// Adds a financing source to a pilot of the viewer's organisation.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    pilot_id: i64,
    f: FinancingFields,
) -> ApiResult<financing_source::Model> {
    let kind_known = f.kind.is_some() || matches!(f.fund_id, Some(Some(_)));
    if !kind_known || f.provider.is_none() || f.committed_amount.is_none() {
        return Err(ApiError::bad_input(
            "input",
            "kind (or fundId), provider and committedAmount are required",
        ));
    }
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    editable_pilot(tx.conn(), viewer, pilot_id, Section::ProjectsAndFinancing).await?;
    let mut m = financing_source::ActiveModel {
        pilot_id: Set(pilot_id),
        key_project_id: Set(None),
        fund_id: Set(None),
        kind: Set(FinancingKind::Other),
        disbursed_amount: Set(Dec(Decimal::ZERO)),
        reference_number: Set(None),
        committed_on: Set(None),
        disbursed_on: Set(None),
        status: Set(FinancingStatus::Planned),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(tx.conn(), pilot_id, &mut m, None, f).await?;
    let model = tx.insert(m).await?;
    tx.commit().await?;
    Ok(model)
}

/// Changes a financing source of a pilot of the viewer's organisation.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    version: i32,
    f: FinancingFields,
) -> ApiResult<financing_source::Model> {
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    let current = editable_record::<financing_source::Entity>(
        tx.conn(),
        viewer,
        id,
        version,
        Section::ProjectsAndFinancing,
    )
    .await?;
    let mut m = current.clone().into_active_model();
    apply(tx.conn(), current.pilot_id, &mut m, Some(&current), f).await?;
    m.version = Set(version + 1);
    m.updated_at = Set(now);
    let model = tx.update("UPDATE", &current, m).await?;
    tx.commit().await?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use FinancingStatus::*;

    #[test]
    fn status_moves_only_forward() {
        assert!(may_move(Planned, Committed));
        assert!(may_move(Committed, Disbursed));
        assert!(may_move(Committed, Cancelled));
        assert!(!may_move(Disbursed, Committed));
        assert!(!may_move(Disbursed, Cancelled));
        assert!(!may_move(Cancelled, Planned));
    }
}

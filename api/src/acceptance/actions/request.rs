//! `requestAcceptance`: with a self-assessment, within the program's acceptance period — from
//! the start of construction to its end plus the program's grace.

use crate::error::{ApiError, ApiResult};
use crate::input::long_text as text;
use crate::workflow::actions::Step;
use crate::workflow::transitions::Outcome;
use entities::acceptance_record;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

pub async fn run(step: &mut Step<'_>, self_assessment: &str) -> ApiResult<Outcome> {
    let program = &step.governed.program;
    if step.today < program.construction_starts_on {
        return Err(ApiError::RuleViolation(format!(
            "acceptance may be requested once construction starts ({})",
            program.construction_starts_on
        )));
    }
    let period_ends = program.construction_ends_on
        + chrono::Days::new(program.acceptance_grace_days.max(0) as u64);
    if step.today > period_ends {
        return Err(ApiError::RuleViolation(format!(
            "the acceptance period ended on {period_ends} (construction ended {}, {} days of grace)",
            program.construction_ends_on, program.acceptance_grace_days
        )));
    }
    let pilot_id = step.governed.pilot.id;
    let attempts = acceptance_record::Entity::find()
        .filter(acceptance_record::Column::PilotId.eq(pilot_id))
        .count(step.tx.conn())
        .await?;
    step.tx
        .insert(acceptance_record::ActiveModel {
            pilot_id: Set(pilot_id),
            attempt: Set(attempts as i32 + 1),
            requested_on: Set(step.today),
            self_assessment: Set(text("input.selfAssessment", self_assessment, true)?),
            version: Set(1),
            created_at: Set(step.now),
            updated_at: Set(step.now),
            ..Default::default()
        })
        .await?;
    Ok(Outcome::AsTable)
}

//! `startPublicNotice`: the notice runs for the program's working days on its calendar
//! (weekends and holidays skipped, make-up working days counted).

use super::Step;
use crate::error::{ApiError, ApiResult};
use crate::workflow::calendar::WorkCalendar;
use crate::workflow::transitions::Outcome;
use chrono::NaiveDate;
use entities::program_calendar_day;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub(super) async fn run(step: &mut Step<'_>, starts_on: Option<NaiveDate>) -> ApiResult<Outcome> {
    let start = starts_on.unwrap_or(step.today);
    if start < step.today {
        return Err(ApiError::bad_input(
            "input.startsOn",
            "a notice cannot start in the past",
        ));
    }
    let program = &step.governed.program;
    let calendar = calendar_of(step.tx.conn(), program.id).await?;
    step.update.notice_starts_on = Set(Some(start));
    step.update.notice_ends_on = Set(Some(
        calendar.notice_end(start, program.notice_working_days.max(1) as u32),
    ));
    Ok(Outcome::AsTable)
}

/// The program's working-day calendar.
pub async fn calendar_of(db: &impl ConnectionTrait, program_id: i64) -> ApiResult<WorkCalendar> {
    Ok(WorkCalendar::new(
        program_calendar_day::Entity::find()
            .filter(program_calendar_day::Column::ProgramId.eq(program_id))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.day, d.kind)),
    ))
}

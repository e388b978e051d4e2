//! Annual reports: each program asks its designated pilots for yearly reports (its
//! `program_report_duties`: a progress report during construction, a public carbon-emission
//! disclosure every year — Hechi: 建设主体应…每年对外开展碳排放信息披露), due on a day of the
//! following year. What a pilot owes is computed from those rows and the reports it filed, so
//! an overdue report shows on the pilot and in the work queue of whoever must file or chase it.

use crate::auth::Viewer;
use crate::clock::china_date;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::pilots::editing::{Section, editable_pilot};
use crate::state::AppState;
use chrono::{Datelike, NaiveDate};
use entities::*;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

/// A report a pilot owes: one duty for one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    pub kind: ReportKind,
    pub year: i32,
    pub due_on: NaiveDate,
}

/// The day a year's report of `duty` is due.
pub fn due_on(duty: &program_report_duty::Model, year: i32) -> NaiveDate {
    crate::clock::due_next_year(year, duty.due_month, duty.due_day)
}

/// Whether `year` is one the duty covers for a pilot designated on `designated_on`: from the
/// year of designation, up to the end of construction unless the duty goes on after the title.
fn covers(
    duty: &program_report_duty::Model,
    designated_on: NaiveDate,
    construction_ends_on: NaiveDate,
    year: i32,
) -> bool {
    year >= designated_on.year() && (duty.after_title || year <= construction_ends_on.year())
}

/// What a pilot in `status`, designated on `designated_on`, owes by `today` under `duties`:
/// every covered year that has ended, oldest first. Nothing is owed before designation or
/// after the pilot left the programme.
pub fn owed(
    status: PilotStatus,
    designated_on: Option<NaiveDate>,
    construction_ends_on: NaiveDate,
    duties: &[program_report_duty::Model],
    today: NaiveDate,
) -> Vec<Owed> {
    let Some(designated_on) = designated_on else {
        return Vec::new();
    };
    if !super::tracking::TRACKED.contains(&status) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for year in designated_on.year()..today.year() {
        for duty in duties {
            if covers(duty, designated_on, construction_ends_on, year) {
                out.push(Owed {
                    kind: duty.kind,
                    year,
                    due_on: due_on(duty, year),
                });
            }
        }
    }
    out
}

/// A report as the applicant files it.
#[derive(Debug, Clone)]
pub struct ReportForSubmit {
    pub pilot_id: i64,
    pub kind: ReportKind,
    pub year: i32,
    pub summary: String,
    pub emissions_tco2e: Option<Decimal>,
    pub published_url: Option<String>,
}

/// Files a pilot's report for a year that has ended.
pub async fn submit(
    state: &AppState,
    viewer: &Viewer,
    r: ReportForSubmit,
) -> ApiResult<annual_report::Model> {
    let summary = input::long_text("input.summary", &r.summary, true)?;
    let url = r
        .published_url
        .as_deref()
        .map(|u| {
            let u = input::text("input.publishedUrl", u, true, 500)?;
            if !(u.starts_with("https://") || u.starts_with("http://")) || u.contains(' ') {
                return Err(ApiError::bad_input(
                    "input.publishedUrl",
                    "an http(s) address",
                ));
            }
            Ok(u)
        })
        .transpose()?;
    let emissions = match (r.kind, r.emissions_tco2e) {
        (ReportKind::EmissionDisclosure, None) => {
            return Err(ApiError::bad_input(
                "input.emissionsTco2e",
                "a disclosure states the year's emissions",
            ));
        }
        (_, Some(e)) if e < Decimal::ZERO => {
            return Err(ApiError::bad_input(
                "input.emissionsTco2e",
                "must not be negative",
            ));
        }
        (_, e) => e,
    };
    let mut tx = state.write(viewer).await?;
    let now = tx.now();
    let today = china_date(now);
    if r.year >= today.year() {
        return Err(ApiError::bad_input(
            "input.year",
            "a year is reported once it has ended",
        ));
    }
    let pilot = editable_pilot(tx.conn(), viewer, r.pilot_id, Section::Reports).await?;
    let program = program::Entity::find_by_id(pilot.program_id)
        .one(tx.conn())
        .await?
        .ok_or_else(|| ApiError::internal("pilot without program"))?;
    let duties = crate::programs::catalogues::duties(tx.conn(), program.id).await?;
    let Some(duty) = duties.iter().find(|d| d.kind == r.kind) else {
        return Err(ApiError::RuleViolation(format!(
            "the program asks for no {}",
            r.kind.as_str()
        )));
    };
    let designated_on = pilot
        .designated_at
        .map(china_date)
        .ok_or_else(|| ApiError::internal("a designated pilot without its date"))?;
    if !covers(duty, designated_on, program.construction_ends_on, r.year) {
        return Err(ApiError::RuleViolation(format!(
            "{} covers the years from designation ({}){}",
            r.kind.as_str(),
            designated_on.year(),
            if duty.after_title {
                String::new()
            } else {
                format!(
                    " to the end of construction ({})",
                    program.construction_ends_on.year()
                )
            }
        )));
    }
    let filed = annual_report::Entity::find()
        .filter(annual_report::Column::PilotId.eq(pilot.id))
        .filter(annual_report::Column::Kind.eq(r.kind))
        .filter(annual_report::Column::Year.eq(r.year))
        .one(tx.conn())
        .await?;
    if filed.is_some() {
        return Err(ApiError::RuleViolation(format!(
            "the {} for {} is already filed",
            r.kind.as_str(),
            r.year
        )));
    }
    let model = tx
        .insert(annual_report::ActiveModel {
            pilot_id: Set(pilot.id),
            kind: Set(r.kind),
            year: Set(r.year),
            summary: Set(summary),
            emissions_tco2e: Set(emissions.map(Dec)),
            published_url: Set(url),
            submitted_on: Set(today),
            reporter_sub: Set(viewer.sub.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await?;
    tx.commit().await?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duty(kind: ReportKind, after_title: bool) -> program_report_duty::Model {
        program_report_duty::Model {
            id: 1,
            program_id: 1,
            kind,
            due_month: 3,
            due_day: 31,
            after_title,
            retired_at: None,
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn a_pilot_owes_each_ended_year_from_designation_and_progress_ends_with_construction() {
        let duties = [
            duty(ReportKind::ProgressReport, false),
            duty(ReportKind::EmissionDisclosure, true),
        ];
        let owed = owed(
            PilotStatus::Titled,
            Some(d("2024-03-15")),
            d("2025-12-31"),
            &duties,
            d("2027-02-01"),
        );
        let listed: Vec<(ReportKind, i32, NaiveDate)> =
            owed.iter().map(|o| (o.kind, o.year, o.due_on)).collect();
        assert_eq!(
            listed,
            vec![
                (ReportKind::ProgressReport, 2024, d("2025-03-31")),
                (ReportKind::EmissionDisclosure, 2024, d("2025-03-31")),
                (ReportKind::ProgressReport, 2025, d("2026-03-31")),
                (ReportKind::EmissionDisclosure, 2025, d("2026-03-31")),
                (ReportKind::EmissionDisclosure, 2026, d("2027-03-31")),
            ]
        );
    }

    #[test]
    fn nothing_is_owed_before_designation_or_after_revocation() {
        let duties = [duty(ReportKind::EmissionDisclosure, true)];
        assert!(
            owed(
                PilotStatus::InPublicNotice,
                None,
                d("2025-12-31"),
                &duties,
                d("2027-01-01")
            )
            .is_empty()
        );
        assert!(
            owed(
                PilotStatus::Revoked,
                Some(d("2024-01-01")),
                d("2025-12-31"),
                &duties,
                d("2027-01-01")
            )
            .is_empty()
        );
        // Designated this year: no year has ended yet.
        assert!(
            owed(
                PilotStatus::Designated,
                Some(d("2026-05-01")),
                d("2027-12-31"),
                &duties,
                d("2026-12-31")
            )
            .is_empty()
        );
    }
}

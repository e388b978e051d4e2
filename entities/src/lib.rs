//! The stored shape of the domain: one sea-orm entity per table, plus the value types
//! (enums, exact decimals) that columns hold. No behaviour lives here; rules are in `api`.

/// Value types shared by the entities: enums stored as strings and exact decimals.
pub mod values;

/// Rows read with only some of their columns.
pub mod partial;

/// One acceptance attempt each.
pub mod acceptance_record;
/// A pilot's yearly progress reports and emission disclosures.
pub mod annual_report;
/// The append-only, hash-chained audit trail.
pub mod audit_event;
/// Provincial expert reviews of an application.
pub mod expert_review;
/// Money committed to a pilot or one of its projects.
pub mod financing_source;
/// Targets of a pilot.
pub mod indicator;
/// Reported actual values of an indicator.
pub mod indicator_actual;
/// Key projects of a pilot.
pub mod key_project;
/// Objections received during public notice.
pub mod objection;
/// Applicant bodies.
pub mod organization;
/// Demonstration creations.
pub mod pilot;
/// Creation plans, research reports and implementation plans, versioned.
pub mod plan;
/// Calls for pilots, with their rules as data.
pub mod program;
/// Holidays and make-up working days of a program's calendar.
pub mod program_calendar_day;
/// Named funds a program's financing may draw on.
pub mod program_fund;
/// The indicator catalogue of a program's pilot type.
pub mod program_indicator;
/// The reports a program asks of its pilots every year.
pub mod program_report_duty;
/// Items of the list-valued rules of a program's pilot type.
pub mod program_rule_value;
/// Per-type admission and acceptance rules of a program.
pub mod program_type_rule;
/// Spot checks of a titled pilot.
pub mod re_review;
/// Nodes of the administrative hierarchy (GB/T 2260).
pub mod region;
/// Yearly assessments of regions under a plan.
pub mod regional_assessment;
/// Regional carbon-peak plans, versioned.
pub mod regional_plan;
/// Yearly reports of the regions below a plan.
pub mod regional_report;
/// Actual values in a regional report.
pub mod regional_report_value;
/// Targets of a regional plan.
pub mod regional_target;
/// Target values by year.
pub mod regional_target_value;
/// Key tasks of a regional plan.
pub mod regional_task;
/// Task progress in a regional report.
pub mod regional_task_progress;
/// Units responsible for a key task.
pub mod regional_task_unit;
/// Municipal tracking notes during construction.
pub mod tracking_note;
/// Every lifecycle transition of a pilot.
pub mod workflow_event;

pub use partial::{Columns, PartialRow};
pub use values::*;

//! Opaque, stable global ids: `base64url("Kind:key")`. `node(id:)` decodes the kind to find
//! the record; clients treat ids as strings and never parse them.

use crate::error::ApiError;
use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt;
use std::str::FromStr;

/// The kinds of record that have global ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Region,
    Program,
    Organization,
    Pilot,
    Plan,
    Indicator,
    IndicatorActual,
    KeyProject,
    FinancingSource,
    ExpertReview,
    Objection,
    AcceptanceRecord,
    ReReview,
    WorkflowEvent,
    TrackingNote,
    ProgramTypeRule,
    ProgramRuleValue,
    CalendarDay,
    CatalogueIndicator,
    Fund,
    ReportDuty,
    AnnualReport,
    RegionalPlan,
    RegionalTarget,
    RegionalTargetValue,
    RegionalTask,
    RegionalTaskUnit,
    RegionalReport,
    RegionalReportValue,
    RegionalTaskProgress,
    RegionalAssessment,
    AuditEvent,
}

impl Kind {
    const ALL: [Kind; 32] = [
        Kind::Region,
        Kind::Program,
        Kind::Organization,
        Kind::Pilot,
        Kind::Plan,
        Kind::Indicator,
        Kind::IndicatorActual,
        Kind::KeyProject,
        Kind::FinancingSource,
        Kind::ExpertReview,
        Kind::Objection,
        Kind::AcceptanceRecord,
        Kind::ReReview,
        Kind::WorkflowEvent,
        Kind::TrackingNote,
        Kind::ProgramTypeRule,
        Kind::ProgramRuleValue,
        Kind::CalendarDay,
        Kind::CatalogueIndicator,
        Kind::Fund,
        Kind::ReportDuty,
        Kind::AnnualReport,
        Kind::RegionalPlan,
        Kind::RegionalTarget,
        Kind::RegionalTargetValue,
        Kind::RegionalTask,
        Kind::RegionalTaskUnit,
        Kind::RegionalReport,
        Kind::RegionalReportValue,
        Kind::RegionalTaskProgress,
        Kind::RegionalAssessment,
        Kind::AuditEvent,
    ];

    /// The GraphQL type name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Region => "Region",
            Kind::Program => "Program",
            Kind::Organization => "Organization",
            Kind::Pilot => "Pilot",
            Kind::Plan => "Plan",
            Kind::Indicator => "Indicator",
            Kind::IndicatorActual => "IndicatorActual",
            Kind::KeyProject => "KeyProject",
            Kind::FinancingSource => "FinancingSource",
            Kind::ExpertReview => "ExpertReview",
            Kind::Objection => "Objection",
            Kind::AcceptanceRecord => "AcceptanceRecord",
            Kind::ReReview => "ReReview",
            Kind::WorkflowEvent => "WorkflowEvent",
            Kind::TrackingNote => "TrackingNote",
            Kind::ProgramTypeRule => "ProgramTypeRule",
            Kind::ProgramRuleValue => "ProgramRuleValue",
            Kind::CalendarDay => "CalendarDay",
            Kind::CatalogueIndicator => "CatalogueIndicator",
            Kind::Fund => "Fund",
            Kind::ReportDuty => "ReportDuty",
            Kind::AnnualReport => "AnnualReport",
            Kind::RegionalPlan => "RegionalPlan",
            Kind::RegionalTarget => "RegionalTarget",
            Kind::RegionalTargetValue => "RegionalTargetValue",
            Kind::RegionalTask => "RegionalTask",
            Kind::RegionalTaskUnit => "RegionalTaskUnit",
            Kind::RegionalReport => "RegionalReport",
            Kind::RegionalReportValue => "RegionalReportValue",
            Kind::RegionalTaskProgress => "RegionalTaskProgress",
            Kind::RegionalAssessment => "RegionalAssessment",
            Kind::AuditEvent => "AuditEvent",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Kind::ALL.into_iter().find(|k| k.name() == s).ok_or(())
    }
}

/// The global id of a record.
pub fn encode(kind: Kind, key: impl fmt::Display) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{kind}:{key}")))
}

/// The kind and key inside a global id, or `None` when it is not one of ours.
pub fn decode(id: &str) -> Option<(Kind, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, key) = text.split_once(':')?;
    Some((kind.parse().ok()?, key.to_owned()))
}

/// The numeric key of a global id that must be of `kind`.
pub fn decode_as(id: &str, kind: Kind) -> Option<i64> {
    match decode(id) {
        Some((k, key)) if k == kind => key.parse().ok(),
        _ => None,
    }
}

/// Like [`decode_as`], as a `BAD_USER_INPUT` naming the argument.
pub fn parse_id(id: &ID, kind: Kind, field: &str) -> Result<i64, ApiError> {
    decode_as(id, kind).ok_or_else(|| ApiError::bad_input(field, format!("not a {kind} id")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_checked_for_kind() {
        let id = encode(Kind::Pilot, 42);
        assert_eq!(decode(&id), Some((Kind::Pilot, "42".into())));
        assert_eq!(decode_as(&id, Kind::Pilot), Some(42));
        assert!(decode_as(&id, Kind::Plan).is_none());
        assert!(decode("not base64!").is_none());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Nope:1")).is_none());
    }
}

//! The lifecycle as one table: every action on a pilot, the role that may take it, the states
//! it may be taken from, the pilot types it applies to, and where it leads. The mutations,
//! `Pilot.availableActions` and the tests all read this table; nothing else decides.
//!
//! ```text
//! DRAFT ─submit→ SUBMITTED ─endorse→ COUNTY_ENDORSED ─recommend→ RECOMMENDED ─expert review→
//!   EXPERT_REVIEWED ─start notice→ IN_PUBLIC_NOTICE ─designate→ DESIGNATED ─request acceptance→
//!   ACCEPTANCE_REQUESTED ─forward→ ACCEPTANCE_FORWARDED ─decide PASS→ TITLED ─re-review REVOKED→ REVOKED
//! CITY pilots skip county review (municipal users act on SUBMITTED). A failed acceptance returns
//! to DESIGNATED; a FAIL expert review rejects. Before DESIGNATED: return (→ DRAFT), reject,
//! withdraw.
//! ```

use crate::auth::Viewer;
use crate::error::ApiError;
use entities::{PilotStatus, PilotType, Role, WorkflowAction};

/// Which pilot types a row applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Types {
    Any,
    /// Every type but CITY (county review).
    NotCity,
    /// CITY only (CITY pilots skip county review).
    CityOnly,
}

impl Types {
    fn admits(self, t: PilotType) -> bool {
        match self {
            Types::Any => true,
            Types::NotCity => t != PilotType::City,
            Types::CityOnly => t == PilotType::City,
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    pub action: WorkflowAction,
    pub role: Role,
    pub from: &'static [PilotStatus],
    pub types: Types,
    /// Where the action leads; actions with outcomes (expert review, acceptance decision,
    /// re-review) may lead elsewhere, see [`Outcome`].
    pub to: PilotStatus,
}

use PilotStatus::*;
use Role::{Applicant, County, Municipal, Provincial};
use WorkflowAction as A;

/// Every state before designation, from which an applicant may withdraw.
const BEFORE_DESIGNATION: &[PilotStatus] = &[
    Draft,
    Submitted,
    CountyEndorsed,
    Recommended,
    ExpertReviewed,
    InPublicNotice,
];

const fn row(
    action: WorkflowAction,
    role: Role,
    from: &'static [PilotStatus],
    types: Types,
    to: PilotStatus,
) -> Transition {
    Transition {
        action,
        role,
        from,
        types,
        to,
    }
}

/// The table.
pub const TABLE: &[Transition] = &[
    row(A::Submit, Applicant, &[Draft], Types::Any, Submitted),
    row(
        A::Withdraw,
        Applicant,
        BEFORE_DESIGNATION,
        Types::Any,
        Withdrawn,
    ),
    row(
        A::Endorse,
        County,
        &[Submitted],
        Types::NotCity,
        CountyEndorsed,
    ),
    row(A::Return, County, &[Submitted], Types::NotCity, Draft),
    row(A::Reject, County, &[Submitted], Types::NotCity, Rejected),
    row(
        A::Recommend,
        Municipal,
        &[CountyEndorsed],
        Types::NotCity,
        Recommended,
    ),
    row(
        A::Recommend,
        Municipal,
        &[Submitted],
        Types::CityOnly,
        Recommended,
    ),
    row(
        A::Return,
        Municipal,
        &[CountyEndorsed, Recommended],
        Types::NotCity,
        Draft,
    ),
    row(
        A::Return,
        Municipal,
        &[Submitted, Recommended],
        Types::CityOnly,
        Draft,
    ),
    row(
        A::Reject,
        Municipal,
        &[CountyEndorsed, Recommended],
        Types::NotCity,
        Rejected,
    ),
    row(
        A::Reject,
        Municipal,
        &[Submitted, Recommended],
        Types::CityOnly,
        Rejected,
    ),
    row(
        A::Reject,
        Provincial,
        &[Recommended, ExpertReviewed, InPublicNotice],
        Types::Any,
        Rejected,
    ),
    row(
        A::RecordExpertReview,
        Provincial,
        &[Recommended],
        Types::Any,
        ExpertReviewed,
    ),
    row(
        A::StartPublicNotice,
        Provincial,
        &[ExpertReviewed],
        Types::Any,
        InPublicNotice,
    ),
    row(
        A::RecordObjection,
        Provincial,
        &[InPublicNotice],
        Types::Any,
        InPublicNotice,
    ),
    row(
        A::ResolveObjection,
        Provincial,
        &[InPublicNotice],
        Types::Any,
        InPublicNotice,
    ),
    row(
        A::Designate,
        Provincial,
        &[InPublicNotice],
        Types::Any,
        Designated,
    ),
    row(
        A::RequestAcceptance,
        Applicant,
        &[Designated],
        Types::Any,
        AcceptanceRequested,
    ),
    row(
        A::ForwardAcceptance,
        Municipal,
        &[AcceptanceRequested],
        Types::Any,
        AcceptanceForwarded,
    ),
    row(
        A::RecordAcceptanceReview,
        Provincial,
        &[AcceptanceForwarded],
        Types::Any,
        AcceptanceForwarded,
    ),
    row(
        A::DecideAcceptance,
        Provincial,
        &[AcceptanceForwarded],
        Types::Any,
        Titled,
    ),
    row(A::ReReview, Provincial, &[Titled], Types::Any, Titled),
];

/// How an action with outcomes ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The row's target.
    AsTable,
    /// A failed expert review rejects the application.
    ExpertReviewFailed,
    /// A failed acceptance returns the pilot to construction.
    AcceptanceFailed,
    /// A re-review revokes the title.
    TitleRevoked,
}

impl Transition {
    /// The state the action leads to, given its outcome.
    pub fn target(&self, outcome: Outcome) -> PilotStatus {
        match outcome {
            Outcome::AsTable => self.to,
            Outcome::ExpertReviewFailed => Rejected,
            Outcome::AcceptanceFailed => Designated,
            Outcome::TitleRevoked => Revoked,
        }
    }
}

/// Finds the row that lets `viewer` take `action` on a pilot of `pilot_type` in `status`.
///
/// `FORBIDDEN` when the viewer's role never takes this action, or when the program names lead
/// departments for the type and the viewer's is not one of them; `INVALID_TRANSITION` when the
/// role may take it, but not from this state or for this type.
pub fn authorize(
    viewer: &Viewer,
    action: WorkflowAction,
    status: PilotStatus,
    pilot_type: PilotType,
    lead_departments: &[String],
) -> Result<&'static Transition, ApiError> {
    let mut for_role = TABLE
        .iter()
        .filter(|t| t.action == action && t.role == viewer.role)
        .peekable();
    if for_role.peek().is_none() {
        return Err(ApiError::Forbidden(format!(
            "a {} user may not {}",
            viewer.role.as_str().to_lowercase(),
            action.as_str().to_lowercase().replace('_', " ")
        )));
    }
    let row = for_role
        .find(|t| t.types.admits(pilot_type) && t.from.contains(&status))
        .ok_or_else(|| {
            ApiError::InvalidTransition(format!(
                "{} is not possible for a {} pilot in {}",
                action.as_str(),
                pilot_type.as_str(),
                status.as_str()
            ))
        })?;
    if !viewer.is_lead_for(lead_departments) {
        return Err(ApiError::Forbidden(format!(
            "only the lead department ({}) acts on {} pilots of this program",
            lead_departments.join(", "),
            pilot_type.as_str()
        )));
    }
    Ok(row)
}

/// The actions `viewer` may take now on a pilot, by the table, in lifecycle order.
pub fn available(
    viewer: &Viewer,
    status: PilotStatus,
    pilot_type: PilotType,
    lead_departments: &[String],
) -> Vec<WorkflowAction> {
    <WorkflowAction as async_graphql::resolver_utils::EnumType>::items()
        .iter()
        .map(|item| item.value)
        .filter(|a| authorize(viewer, *a, status, pilot_type, lead_departments).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::code::RegionCode;

    fn viewer(role: Role, dept: Option<&str>) -> Viewer {
        Viewer {
            sub: "t".into(),
            role,
            region: RegionCode::parse("371400").ok(),
            org: None,
            dept: dept.map(Into::into),
            name: None,
            request_id: None,
            expires_at: None,
        }
    }

    #[test]
    fn the_canonical_path_runs_from_draft_to_titled() {
        let path = [
            (Applicant, A::Submit, Draft),
            (County, A::Endorse, Submitted),
            (Municipal, A::Recommend, CountyEndorsed),
            (Provincial, A::RecordExpertReview, Recommended),
            (Provincial, A::StartPublicNotice, ExpertReviewed),
            (Provincial, A::Designate, InPublicNotice),
            (Applicant, A::RequestAcceptance, Designated),
            (Municipal, A::ForwardAcceptance, AcceptanceRequested),
            (Provincial, A::DecideAcceptance, AcceptanceForwarded),
        ];
        let mut status = Draft;
        for (role, action, from) in path {
            assert_eq!(status, from);
            status = authorize(&viewer(role, None), action, status, PilotType::Park, &[])
                .expect("allowed")
                .to;
        }
        assert_eq!(status, Titled);
    }

    #[test]
    fn city_pilots_skip_county_review() {
        let county = viewer(County, None);
        let err =
            authorize(&county, A::Endorse, Submitted, PilotType::City, &[]).expect_err("skips");
        assert_eq!(err.code(), "INVALID_TRANSITION");
        let municipal = viewer(Municipal, None);
        assert!(authorize(&municipal, A::Recommend, Submitted, PilotType::City, &[]).is_ok());
        assert!(authorize(&municipal, A::Recommend, Submitted, PilotType::Park, &[]).is_err());
    }

    #[test]
    fn roles_that_never_take_an_action_are_forbidden() {
        for role in [Role::Auditor, Applicant, County] {
            let err = authorize(
                &viewer(role, None),
                A::Designate,
                InPublicNotice,
                PilotType::Park,
                &[],
            )
            .expect_err("no");
            assert_eq!(err.code(), "FORBIDDEN");
        }
    }

    #[test]
    fn lead_departments_bind_municipal_and_county_users_only() {
        let eco = viewer(Municipal, Some("ecology_environment"));
        let err = authorize(
            &eco,
            A::Recommend,
            CountyEndorsed,
            PilotType::Park,
            &["industry".to_owned()],
        )
        .expect_err("not lead");
        assert_eq!(err.code(), "FORBIDDEN");
        assert!(
            authorize(
                &viewer(Municipal, Some("industry")),
                A::Recommend,
                CountyEndorsed,
                PilotType::Park,
                &["industry".to_owned()]
            )
            .is_ok()
        );
        assert!(
            authorize(
                &viewer(Provincial, None),
                A::Designate,
                InPublicNotice,
                PilotType::Park,
                &["industry".to_owned()]
            )
            .is_ok()
        );
    }

    #[test]
    fn available_actions_follow_the_table() {
        assert_eq!(
            available(&viewer(Applicant, None), Draft, PilotType::Park, &[]),
            [A::Submit, A::Withdraw]
        );
        assert_eq!(
            available(
                &viewer(Municipal, None),
                CountyEndorsed,
                PilotType::Park,
                &[]
            ),
            [A::Recommend, A::Return, A::Reject]
        );
        assert_eq!(
            available(
                &viewer(Provincial, None),
                InPublicNotice,
                PilotType::City,
                &[]
            ),
            [
                A::Reject,
                A::RecordObjection,
                A::ResolveObjection,
                A::Designate
            ]
        );
        assert!(available(&viewer(Role::Auditor, None), Draft, PilotType::Park, &[]).is_empty());
        assert!(available(&viewer(Applicant, None), Titled, PilotType::Park, &[]).is_empty());
    }
}

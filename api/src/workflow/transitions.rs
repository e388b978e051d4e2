//! The lifecycle as one table: every action on a pilot, the actor — relative to the program —
//! who takes it, the states it may be taken from, and where it leads. Which level (and, where
//! the program names lead departments, which bureau) fills each actor, and which stages a
//! program has, is program data: a [`Chain`]. The mutations, `Pilot.availableActions`,
//! `workQueue`-style reads and the tests all read this table with a chain; nothing else decides.
//!
//! ```text
//! DRAFT ─submit→ SUBMITTED ─endorse→ COUNTY_ENDORSED ─recommend→ RECOMMENDED ─expert review→
//!   EXPERT_REVIEWED ─start notice→ IN_PUBLIC_NOTICE ─designate→ DESIGNATED ─request acceptance→
//!   ACCEPTANCE_REQUESTED ─forward→ ACCEPTANCE_FORWARDED ─decide PASS→ TITLED ─re-review REVOKED→ REVOKED
//! ```
//! A stage the program lacks is skipped: without a preliminary reviewer the recommender acts on
//! SUBMITTED (`COUNTY_ENDORSED` is the state after preliminary review, whoever made it); without
//! expert review or public notice the issuing authority designates from the state before; without
//! acceptance there is no title, so nothing to re-review or revoke. A failed acceptance returns to
//! DESIGNATED; a FAIL expert review rejects. Before DESIGNATED: return (→ DRAFT), reject, withdraw.

use crate::auth::Viewer;
use crate::error::ApiError;
use entities::{PilotStatus, ProgramLevel, Role, WorkflowAction, program, program_type_rule};

/// Who takes a step, relative to the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The applicant organisation of the pilot.
    Applicant,
    /// The first review above the applicant (Shandong: the county); absent in many programs.
    PreliminaryReviewer,
    /// Who puts the application forward within the quota and forwards acceptance requests.
    Recommender,
    /// The authority that issued the program: expert review, notice, designation, acceptance,
    /// re-review and revocation.
    IssuingAuthority,
}

/// A stage a program may or may not have, in lifecycle order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    PreliminaryReview,
    Recommendation,
    ExpertReview,
    PublicNotice,
    Designation,
    Acceptance,
}

impl Stage {
    const ALL: [Stage; 6] = [
        Stage::PreliminaryReview,
        Stage::Recommendation,
        Stage::ExpertReview,
        Stage::PublicNotice,
        Stage::Designation,
        Stage::Acceptance,
    ];

    /// The state a pilot is in once the stage is complete.
    fn leaves(self) -> PilotStatus {
        match self {
            Stage::PreliminaryReview => PilotStatus::CountyEndorsed,
            Stage::Recommendation => PilotStatus::Recommended,
            Stage::ExpertReview => PilotStatus::ExpertReviewed,
            Stage::PublicNotice => PilotStatus::InPublicNotice,
            Stage::Designation => PilotStatus::Designated,
            Stage::Acceptance => PilotStatus::Titled,
        }
    }
}

/// Who fills each actor of one program for one pilot type, and which stages it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub preliminary_reviewer: Option<Role>,
    pub recommender: Role,
    /// The program's own level.
    pub issuing_authority: Role,
    /// The program's region (`None` for a national program).
    pub issuing_region: Option<String>,
    pub expert_review: bool,
    pub public_notice: bool,
    pub acceptance: bool,
    /// Departments that lead the type (empty: any bureau of the level acts).
    pub lead_departments: Vec<String>,
}

/// The role of the authority that issues programs of `level`.
pub fn authority_of(level: ProgramLevel) -> Role {
    match level {
        ProgramLevel::National => Role::National,
        ProgramLevel::Provincial => Role::Provincial,
        ProgramLevel::Municipal => Role::Municipal,
    }
}

impl Chain {
    /// The chain of `rule` in `program`, with the type's lead departments.
    pub fn of(
        program: &program::Model,
        rule: &program_type_rule::Model,
        lead_departments: Vec<String>,
    ) -> Self {
        Chain {
            preliminary_reviewer: rule.preliminary_reviewer,
            recommender: rule.recommender,
            issuing_authority: authority_of(program.level),
            issuing_region: program.region_code.clone(),
            expert_review: rule.expert_review,
            public_notice: rule.public_notice,
            acceptance: rule.acceptance,
            lead_departments,
        }
    }

    /// Whether the program has the stage.
    pub fn has(&self, stage: Stage) -> bool {
        match stage {
            Stage::PreliminaryReview => self.preliminary_reviewer.is_some(),
            Stage::ExpertReview => self.expert_review,
            Stage::PublicNotice => self.public_notice,
            Stage::Acceptance => self.acceptance,
            Stage::Recommendation | Stage::Designation => true,
        }
    }

    /// The state a pilot waits in for `stage`: the one the last earlier stage it has leaves.
    pub fn state_before(&self, stage: Stage) -> PilotStatus {
        Stage::ALL
            .iter()
            .rev()
            .filter(|s| **s < stage && self.has(**s))
            .map(|s| s.leaves())
            .next()
            .unwrap_or(PilotStatus::Submitted)
    }

    /// Whether `viewer` fills `actor` for a pilot of this chain (the pilot being in the
    /// viewer's scope is checked where it is read). Lead departments are checked apart, so a
    /// wrong bureau is told why.
    pub fn filled_by(&self, viewer: &Viewer, actor: Actor) -> bool {
        match actor {
            Actor::Applicant => viewer.role == Role::Applicant,
            Actor::PreliminaryReviewer => self.preliminary_reviewer == Some(viewer.role),
            Actor::Recommender => self.recommender == viewer.role,
            Actor::IssuingAuthority => {
                viewer.role == self.issuing_authority
                    && match &self.issuing_region {
                        None => true,
                        Some(code) => viewer.region.as_ref().is_some_and(|r| r.as_str() == code),
                    }
            }
        }
    }

    /// Checks the levels: each reviewer above the one before, none above the issuing
    /// authority, and all of them government levels.
    pub fn check(&self) -> Result<(), &'static str> {
        let rank = |r: Role| match r {
            Role::County => Some(1),
            Role::Municipal => Some(2),
            Role::Provincial => Some(3),
            Role::National => Some(4),
            Role::Applicant | Role::Auditor => None,
        };
        let issuing = rank(self.issuing_authority).ok_or("the issuing authority is no level")?;
        let recommender = rank(self.recommender)
            .ok_or("the recommender must be COUNTY, MUNICIPAL, PROVINCIAL or NATIONAL")?;
        if recommender > issuing {
            return Err("the recommender cannot sit above the issuing authority");
        }
        if let Some(p) = self.preliminary_reviewer {
            let p = rank(p)
                .ok_or("the preliminary reviewer must be COUNTY, MUNICIPAL or PROVINCIAL")?;
            if p >= recommender {
                return Err("the preliminary reviewer must sit below the recommender");
            }
        }
        Ok(())
    }
}

/// Where a row may be taken from.
#[derive(Debug, Clone, Copy)]
pub enum Origin {
    /// This state.
    Is(PilotStatus),
    /// The state a pilot waits in for the stage ([`Chain::state_before`]).
    Before(Stage),
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    pub action: WorkflowAction,
    pub actor: Actor,
    pub from: &'static [Origin],
    /// The row applies only where the program has this stage.
    pub stage: Option<Stage>,
    /// Where the action leads; actions with outcomes (expert review, acceptance decision,
    /// re-review) may lead elsewhere, see [`Outcome`].
    pub to: PilotStatus,
}

use Actor::{Applicant, IssuingAuthority, PreliminaryReviewer, Recommender};
use Origin::{Before, Is};
use PilotStatus::*;
use WorkflowAction as A;

/// Every state before designation, from which an applicant may withdraw.
const BEFORE_DESIGNATION: &[Origin] = &[
    Is(Draft),
    Is(Submitted),
    Is(CountyEndorsed),
    Is(Recommended),
    Is(ExpertReviewed),
    Is(InPublicNotice),
];

const fn row(
    action: WorkflowAction,
    actor: Actor,
    from: &'static [Origin],
    stage: Option<Stage>,
    to: PilotStatus,
) -> Transition {
    Transition {
        action,
        actor,
        from,
        stage,
        to,
    }
}

const PRELIMINARY: Option<Stage> = Some(Stage::PreliminaryReview);
const EXPERT: Option<Stage> = Some(Stage::ExpertReview);
const NOTICE: Option<Stage> = Some(Stage::PublicNotice);
const ACCEPTANCE: Option<Stage> = Some(Stage::Acceptance);

/// The table.
pub const TABLE: &[Transition] = &[
    row(A::Submit, Applicant, &[Is(Draft)], None, Submitted),
    row(A::Withdraw, Applicant, BEFORE_DESIGNATION, None, Withdrawn),
    row(
        A::Endorse,
        PreliminaryReviewer,
        &[Is(Submitted)],
        PRELIMINARY,
        CountyEndorsed,
    ),
    row(
        A::Return,
        PreliminaryReviewer,
        &[Is(Submitted)],
        PRELIMINARY,
        Draft,
    ),
    row(
        A::Reject,
        PreliminaryReviewer,
        &[Is(Submitted)],
        PRELIMINARY,
        Rejected,
    ),
    row(
        A::Recommend,
        Recommender,
        &[Before(Stage::Recommendation)],
        None,
        Recommended,
    ),
    row(
        A::Return,
        Recommender,
        &[Before(Stage::Recommendation), Is(Recommended)],
        None,
        Draft,
    ),
    row(
        A::Reject,
        Recommender,
        &[Before(Stage::Recommendation), Is(Recommended)],
        None,
        Rejected,
    ),
    row(
        A::Reject,
        IssuingAuthority,
        &[Is(Recommended), Is(ExpertReviewed), Is(InPublicNotice)],
        None,
        Rejected,
    ),
    row(
        A::RecordExpertReview,
        IssuingAuthority,
        &[Before(Stage::ExpertReview)],
        EXPERT,
        ExpertReviewed,
    ),
    row(
        A::StartPublicNotice,
        IssuingAuthority,
        &[Before(Stage::PublicNotice)],
        NOTICE,
        InPublicNotice,
    ),
    row(
        A::RecordObjection,
        IssuingAuthority,
        &[Is(InPublicNotice)],
        NOTICE,
        InPublicNotice,
    ),
    row(
        A::ResolveObjection,
        IssuingAuthority,
        &[Is(InPublicNotice)],
        NOTICE,
        InPublicNotice,
    ),
    row(
        A::Designate,
        IssuingAuthority,
        &[Before(Stage::Designation)],
        None,
        Designated,
    ),
    row(
        A::RequestAcceptance,
        Applicant,
        &[Is(Designated)],
        ACCEPTANCE,
        AcceptanceRequested,
    ),
    row(
        A::ForwardAcceptance,
        Recommender,
        &[Is(AcceptanceRequested)],
        ACCEPTANCE,
        AcceptanceForwarded,
    ),
    row(
        A::RecordAcceptanceReview,
        IssuingAuthority,
        &[Is(AcceptanceForwarded)],
        ACCEPTANCE,
        AcceptanceForwarded,
    ),
    row(
        A::DecideAcceptance,
        IssuingAuthority,
        &[Is(AcceptanceForwarded)],
        ACCEPTANCE,
        Titled,
    ),
    row(
        A::ReReview,
        IssuingAuthority,
        &[Is(Titled)],
        ACCEPTANCE,
        Titled,
    ),
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

    /// Whether the row applies to a pilot of `chain` in `status`.
    fn admits(&self, chain: &Chain, status: PilotStatus) -> bool {
        self.stage.is_none_or(|s| chain.has(s))
            && self.from.iter().any(|f| match f {
                Is(s) => *s == status,
                Before(stage) => chain.state_before(*stage) == status,
            })
    }
}

/// Which roles may ever fill an actor, in some program.
pub fn may_fill(role: Role, actor: Actor) -> bool {
    match actor {
        Applicant => role == Role::Applicant,
        PreliminaryReviewer => matches!(role, Role::County | Role::Municipal | Role::Provincial),
        Recommender | IssuingAuthority => matches!(
            role,
            Role::County | Role::Municipal | Role::Provincial | Role::National
        ),
    }
}

/// Finds the row that lets `viewer` take `action` on a pilot of `chain` in `status`.
///
/// `FORBIDDEN` when the viewer fills no actor the program gives this action to, or when the
/// program names lead departments for the type and the viewer's is not one of them;
/// `INVALID_TRANSITION` when it does, but not from this state or at this program's stages.
pub fn authorize(
    viewer: &Viewer,
    action: WorkflowAction,
    status: PilotStatus,
    chain: &Chain,
) -> Result<&'static Transition, ApiError> {
    let mut mine = TABLE
        .iter()
        .filter(|t| t.action == action && chain.filled_by(viewer, t.actor))
        .peekable();
    if mine.peek().is_none() {
        return Err(ApiError::Forbidden(format!(
            "a {} user may not {} in this program",
            viewer.role.as_str().to_lowercase(),
            action.as_str().to_lowercase().replace('_', " ")
        )));
    }
    let row = mine.find(|t| t.admits(chain, status)).ok_or_else(|| {
        ApiError::InvalidTransition(format!(
            "{} is not possible for this pilot in {}",
            action.as_str(),
            status.as_str()
        ))
    })?;
    if row.actor != Applicant && !viewer.is_lead_for(&chain.lead_departments) {
        return Err(ApiError::Forbidden(format!(
            "only the lead department ({}) acts on pilots of this type in this program",
            chain.lead_departments.join(", ")
        )));
    }
    Ok(row)
}

/// The actions `viewer` may take now on a pilot of `chain` in `status`, in lifecycle order.
pub fn available(viewer: &Viewer, status: PilotStatus, chain: &Chain) -> Vec<WorkflowAction> {
    <WorkflowAction as async_graphql::resolver_utils::EnumType>::items()
        .iter()
        .map(|item| item.value)
        .filter(|a| authorize(viewer, *a, status, chain).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::code::RegionCode;
    use Role::{County, Municipal, National, Provincial};

    fn viewer(role: Role, region: Option<&str>, dept: Option<&str>) -> Viewer {
        Viewer {
            sub: "t".into(),
            role,
            region: region.and_then(|r| RegionCode::parse(r).ok()),
            org: None,
            dept: dept.map(Into::into),
            name: None,
            request_id: None,
            expires_at: None,
        }
    }

    /// Shandong: county → municipality → province, every stage.
    fn shandong(preliminary: bool) -> Chain {
        Chain {
            preliminary_reviewer: preliminary.then_some(County),
            recommender: Municipal,
            issuing_authority: Provincial,
            issuing_region: Some("370000".into()),
            expert_review: true,
            public_notice: true,
            acceptance: true,
            lead_departments: Vec::new(),
        }
    }

    /// Hechi: the county bureau recommends, the city's bureaus issue; industry leads parks.
    fn hechi() -> Chain {
        Chain {
            preliminary_reviewer: None,
            recommender: County,
            issuing_authority: Municipal,
            issuing_region: Some("451200".into()),
            expert_review: true,
            public_notice: true,
            acceptance: true,
            lead_departments: vec!["industry".into()],
        }
    }

    /// NDRC: the province proposes, the nation confirms; no notice, no title.
    fn ndrc() -> Chain {
        Chain {
            preliminary_reviewer: None,
            recommender: Provincial,
            issuing_authority: National,
            issuing_region: None,
            expert_review: false,
            public_notice: false,
            acceptance: false,
            lead_departments: Vec::new(),
        }
    }

    fn walk(chain: &Chain, path: &[(Viewer, WorkflowAction)]) -> PilotStatus {
        let mut status = Draft;
        for (v, action) in path {
            status = authorize(v, *action, status, chain)
                .unwrap_or_else(|e| panic!("{action:?} from {status:?}: {e:?}"))
                .to;
        }
        status
    }

    #[test]
    fn shandong_runs_county_municipality_province_to_a_title() {
        let app = viewer(Role::Applicant, None, None);
        let county = viewer(County, Some("371402"), None);
        let city = viewer(Municipal, Some("371400"), None);
        let prov = viewer(Provincial, Some("370000"), None);
        let end = walk(
            &shandong(true),
            &[
                (app.clone(), A::Submit),
                (county, A::Endorse),
                (city.clone(), A::Recommend),
                (prov.clone(), A::RecordExpertReview),
                (prov.clone(), A::StartPublicNotice),
                (prov.clone(), A::Designate),
                (app, A::RequestAcceptance),
                (city, A::ForwardAcceptance),
                (prov, A::DecideAcceptance),
            ],
        );
        assert_eq!(end, Titled);
    }

    #[test]
    fn a_type_without_preliminary_review_is_recommended_from_submitted() {
        let county = viewer(County, Some("371402"), None);
        let err = authorize(&county, A::Endorse, Submitted, &shandong(false)).expect_err("skips");
        assert_eq!(err.code(), "FORBIDDEN");
        let city = viewer(Municipal, Some("371400"), None);
        assert!(authorize(&city, A::Recommend, Submitted, &shandong(false)).is_ok());
        let err =
            authorize(&city, A::Recommend, Submitted, &shandong(true)).expect_err("county first");
        assert_eq!(err.code(), "INVALID_TRANSITION");
    }

    #[test]
    fn hechi_is_run_by_the_city_bureau_that_leads_the_type() {
        let app = viewer(Role::Applicant, None, None);
        let county = viewer(County, Some("451202"), Some("industry"));
        let city = viewer(Municipal, Some("451200"), Some("industry"));
        let end = walk(
            &hechi(),
            &[
                (app.clone(), A::Submit),
                (county.clone(), A::Recommend),
                (city.clone(), A::RecordExpertReview),
                (city.clone(), A::StartPublicNotice),
                (city.clone(), A::Designate),
                (app, A::RequestAcceptance),
                (county, A::ForwardAcceptance),
                (city, A::DecideAcceptance),
            ],
        );
        assert_eq!(end, Titled);
        // The autonomous region does not act on a city's program; another city does not either.
        for outsider in [
            viewer(Provincial, Some("450000"), None),
            viewer(Municipal, Some("450100"), Some("industry")),
        ] {
            let err = authorize(&outsider, A::Designate, InPublicNotice, &hechi()).expect_err("no");
            assert_eq!(err.code(), "FORBIDDEN");
        }
        // Hechi's education bureau does not lead parks.
        let edu = viewer(Municipal, Some("451200"), Some("education"));
        let err = authorize(&edu, A::Designate, InPublicNotice, &hechi()).expect_err("not lead");
        assert_eq!(err.code(), "FORBIDDEN");
    }

    #[test]
    fn ndrc_is_proposed_by_the_province_and_confirmed_by_the_nation() {
        let app = viewer(Role::Applicant, None, None);
        let prov = viewer(Provincial, Some("370000"), None);
        let nation = viewer(National, None, None);
        let end = walk(
            &ndrc(),
            &[
                (app.clone(), A::Submit),
                (prov.clone(), A::Recommend),
                (nation.clone(), A::Designate),
            ],
        );
        assert_eq!(end, Designated);
        assert!(
            available(&app, Designated, &ndrc()).is_empty(),
            "no acceptance"
        );
        assert!(available(&nation, Designated, &ndrc()).is_empty());
        let err =
            authorize(&prov, A::Designate, Recommended, &ndrc()).expect_err("nation confirms");
        assert_eq!(err.code(), "FORBIDDEN");
        let err = authorize(&nation, A::StartPublicNotice, Recommended, &ndrc()).expect_err("none");
        assert_eq!(err.code(), "INVALID_TRANSITION");
    }

    #[test]
    fn stages_a_program_lacks_are_skipped() {
        let mut c = shandong(true);
        assert_eq!(c.state_before(Stage::Designation), InPublicNotice);
        c.public_notice = false;
        assert_eq!(c.state_before(Stage::Designation), ExpertReviewed);
        c.expert_review = false;
        assert_eq!(c.state_before(Stage::Designation), Recommended);
        c.preliminary_reviewer = None;
        assert_eq!(c.state_before(Stage::Recommendation), Submitted);
    }

    #[test]
    fn levels_must_rise_along_the_chain() {
        assert!(shandong(true).check().is_ok());
        assert!(hechi().check().is_ok());
        assert!(ndrc().check().is_ok());
        let mut c = hechi();
        c.recommender = Provincial;
        assert!(c.check().is_err(), "recommender above the issuing city");
        let mut c = shandong(true);
        c.preliminary_reviewer = Some(Municipal);
        assert!(c.check().is_err(), "preliminary at the recommender's level");
        c.preliminary_reviewer = Some(Role::Auditor);
        assert!(c.check().is_err());
    }

    #[test]
    fn available_actions_follow_the_table() {
        let app = viewer(Role::Applicant, None, None);
        assert_eq!(
            available(&app, Draft, &shandong(true)),
            [A::Submit, A::Withdraw]
        );
        let city = viewer(Municipal, Some("371400"), None);
        assert_eq!(
            available(&city, CountyEndorsed, &shandong(true)),
            [A::Recommend, A::Return, A::Reject]
        );
        let prov = viewer(Provincial, Some("370000"), None);
        assert_eq!(
            available(&prov, InPublicNotice, &shandong(false)),
            [
                A::Reject,
                A::RecordObjection,
                A::ResolveObjection,
                A::Designate
            ]
        );
        assert!(
            available(
                &viewer(Role::Auditor, Some("370000"), None),
                Draft,
                &shandong(true)
            )
            .is_empty()
        );
        assert!(available(&app, Titled, &shandong(true)).is_empty());
        // Another province's user is not Shandong's issuing authority.
        let other = viewer(Provincial, Some("450000"), None);
        assert!(available(&other, InPublicNotice, &shandong(true)).is_empty());
    }
}

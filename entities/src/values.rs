//! Value types that columns hold. Each enum is stored as its SCREAMING_SNAKE_CASE name, which is
//! also its GraphQL and JSON name, so one definition serves storage, contract and exports alike.

use rust_decimal::Decimal;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a domain enum stored as a string, exposed as a GraphQL enum and (de)serialised by name.
macro_rules! domain_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum,
            async_graphql::Enum, Serialize, Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(48))", rename_all = "SCREAMING_SNAKE_CASE")]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// The stored and published name of the value.
            pub fn as_str(self) -> &'static str {
                <Self as async_graphql::resolver_utils::EnumType>::items()
                    .iter()
                    .find(|item| item.value == self)
                    .map_or("", |item| item.name)
            }
        }

        impl crate::partial::Unread for $name {
            /// The first value: a partial model's stand-in for a column it did not read.
            fn unread() -> Self {
                <Self as sea_orm::Iterable>::iter().next().expect("an enum has a value")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as async_graphql::resolver_utils::EnumType>::items()
                    .iter()
                    .find(|item| item.name == s)
                    .map(|item| item.value)
                    .ok_or_else(|| format!("unknown {} `{s}`", stringify!($name)))
            }
        }
    };
}

domain_enum!(
    /// Level of a node in the administrative hierarchy.
    RegionLevel { Province, Municipality, County }
);

domain_enum!(
    /// Which list of a program's type rule an item belongs to.
    RuleList { ApplicantKind, LeadDepartment, AcceptanceStep, EligiblePark }
);

domain_enum!(
    /// A step an acceptance attempt must have completed before a PASS decision.
    AcceptanceStep {
        /// The experts' data review is recorded with the result PASS.
        DataReviewPassed,
        /// The on-site verification is recorded with its date and findings.
        SiteVisitRecorded,
    }
);

domain_enum!(
    /// A report a pilot files every year.
    ReportKind {
        /// How construction went in the year.
        ProgressReport,
        /// The public carbon-emission disclosure of the year (Hechi: 每年对外开展碳排放信息披露).
        EmissionDisclosure,
    }
);

domain_enum!(
    /// Level of the authority that issues a program.
    ProgramLevel { National, Provincial, Municipal }
);

domain_enum!(
    /// Kind of demonstration creation.
    PilotType { City, Park, Community, Campus, Commercial }
);

domain_enum!(
    /// Lifecycle state of a pilot.
    PilotStatus {
        Draft, Submitted, CountyEndorsed, Recommended, ExpertReviewed, InPublicNotice,
        Designated, AcceptanceRequested, AcceptanceForwarded, Titled, Revoked, Rejected, Withdrawn,
    }
);

domain_enum!(
    /// What an applicant organisation is.
    OrganizationKind {
        CountyGovernment, CityGovernment, ParkManagementCommittee, ResidentsCommittee,
        VillagersCommittee, Developer, PropertyManager, School, CommercialVenueOperator,
    }
);

domain_enum!(
    /// Level at which a park is recognised; declared in ascending order so `>=` means "at least".
    ParkLevel { Other, Municipal, MunicipalKey, Provincial, National }
);

domain_enum!(
    /// Kind of planning document.
    PlanKind { CreationPlan, ResearchReport, ImplementationPlan }
);

domain_enum!(
    /// Publication state of a plan version.
    PlanStatus { Draft, Published, Superseded }
);

domain_enum!(
    /// Whether an indicator binds acceptance or counts towards the reference ratio.
    IndicatorCategory { Constraint, Reference }
);

domain_enum!(
    /// Which way an indicator must move to be met.
    Direction { Decrease, Increase }
);

domain_enum!(
    /// Field of a key project.
    ProjectField {
        EnergyInfrastructure, EnergySavingRetrofit, AdvancedTechnologyDemonstration,
        EnvironmentalInfrastructure, ResourceRecycling, EcologicalProtectionRestoration,
        GreenBuilding, GreenTransport, CarbonSink, Other,
    }
);

domain_enum!(
    /// Progress state of a key project.
    ProjectStatus { Planned, InProgress, Completed, Suspended, Cancelled }
);

domain_enum!(
    /// Where money comes from.
    FinancingKind {
        CentralBudgetInvestment, CentralSpecialFund, ProvincialFiscalFund, MunicipalFiscalFund,
        CountyFiscalFund, GreenCredit, GreenBond, GreenFund, GreenInsurance, SocialCapital,
        ClimateInvestmentFinancing, SelfFunded, Other,
    }
);

domain_enum!(
    /// State of a financing source; moves only forward.
    FinancingStatus { Planned, Committed, Disbursed, Cancelled }
);

domain_enum!(
    /// Outcome of an expert review or an acceptance decision.
    ReviewResult { Pass, Fail }
);

domain_enum!(
    /// Outcome of a spot check of a titled pilot.
    ReReviewOutcome { Maintained, Rectify, Revoked }
);

domain_enum!(
    /// State of an objection received during public notice.
    ObjectionStatus { Open, Upheld, Dismissed }
);

domain_enum!(
    /// A calendar exception: a weekday off, or a weekend day worked in exchange.
    CalendarDayKind { Holiday, Workday }
);

domain_enum!(
    /// Who a token speaks for.
    Role { National, Provincial, Municipal, County, Applicant, Auditor }
);

domain_enum!(
    /// An action on a pilot that its state gates: a lifecycle transition, or a record made in
    /// a state without leaving it (objections, acceptance reviews, a re-review that keeps the
    /// title).
    WorkflowAction {
        Submit, Withdraw, Endorse, Recommend, Return, Reject, RecordExpertReview,
        StartPublicNotice, RecordObjection, ResolveObjection, Designate, RequestAcceptance,
        ForwardAcceptance, RecordAcceptanceReview, DecideAcceptance, ReReview,
    }
);

domain_enum!(
    /// Where a regional plan stands: drafted, issued, or replaced by a later version.
    RegionalPlanStatus { Draft, Issued, Superseded }
);

domain_enum!(
    /// How a plan states a target value: "about 13 %", "more than 16 %", "at most", or exactly.
    TargetBound { About, AtLeast, AtMost, Exactly }
);

domain_enum!(
    /// Progress of a key task of a regional plan.
    TaskStatus { NotStarted, InProgress, Completed, Delayed }
);

domain_enum!(
    /// A superior's yearly assessment of a region's carbon-peak work.
    AssessmentRating { Excellent, Good, Passed, Failed }
);

/// An exact decimal stored as text on every database, because SQLite would otherwise
/// round-trip it through `f64`. The text keeps the scale it was given ("100.00" stays
/// "100.00"). Money and measured quantities use it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    DeriveValueType,
    Serialize,
    Deserialize,
)]
#[sea_orm(value_type = "String")]
#[serde(transparent)]
pub struct Dec(#[serde(with = "rust_decimal::serde::str")] pub Decimal);

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Dec {
    type Err = rust_decimal::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::from_str_exact(s).map(Dec)
    }
}

impl From<Decimal> for Dec {
    fn from(d: Decimal) -> Self {
        Dec(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_round_trip() {
        assert_eq!(PilotStatus::CountyEndorsed.as_str(), "COUNTY_ENDORSED");
        assert_eq!(
            "IN_PUBLIC_NOTICE".parse::<PilotStatus>(),
            Ok(PilotStatus::InPublicNotice)
        );
        assert!("in_public_notice".parse::<PilotStatus>().is_err());
    }

    #[test]
    fn park_levels_are_ordered_from_lowest() {
        assert!(ParkLevel::National > ParkLevel::Provincial);
        assert!(ParkLevel::Provincial > ParkLevel::MunicipalKey);
        assert!(ParkLevel::MunicipalKey > ParkLevel::Municipal);
    }

    #[test]
    fn decimals_keep_every_digit() {
        let d: Dec = "12345678901234.5678".parse().expect("decimal");
        assert_eq!(d.to_string(), "12345678901234.5678");
        assert_eq!("1.50".parse::<Dec>().expect("decimal").to_string(), "1.50");
        assert!("1e3x".parse::<Dec>().is_err());
    }
}

//! Which roles may ever run each mutation, whatever the record and its state. The request
//! pipeline asks this before it validates a mutation's input, so a role that can never take an
//! action is told `FORBIDDEN` and learns nothing about the shape of the input. Lifecycle
//! mutations read the transition table (a role may run one when some program could make it
//! the actor of the step); the others are listed here. Whether the caller may act
//! on one particular record is still decided by the services.

use crate::workflow::transitions::{TABLE, may_fill};
use entities::{Role, WorkflowAction};

/// The lifecycle action a mutation takes, for mutations that move a pilot.
pub fn action_of(mutation: &str) -> Option<WorkflowAction> {
    use WorkflowAction as A;
    Some(match mutation {
        "submitPilot" => A::Submit,
        "withdrawPilot" => A::Withdraw,
        "endorsePilot" => A::Endorse,
        "recommendPilot" => A::Recommend,
        "returnPilot" => A::Return,
        "rejectPilot" => A::Reject,
        "recordExpertReview" => A::RecordExpertReview,
        "startPublicNotice" => A::StartPublicNotice,
        "recordObjection" => A::RecordObjection,
        "resolveObjection" => A::ResolveObjection,
        "designatePilot" => A::Designate,
        "requestAcceptance" => A::RequestAcceptance,
        "forwardAcceptance" => A::ForwardAcceptance,
        "recordAcceptanceReview" => A::RecordAcceptanceReview,
        "decideAcceptance" => A::DecideAcceptance,
        "recordReReview" => A::ReReview,
        _ => return None,
    })
}

/// The roles that may run a mutation that is not a lifecycle action.
fn roles_of(mutation: &str) -> &'static [Role] {
    match mutation {
        "createProgram" | "updateProgram" => &[Role::National, Role::Provincial, Role::Municipal],
        "createOrganization" => &[Role::Provincial, Role::Municipal, Role::County],
        "addTrackingNote" => &[
            Role::National,
            Role::Provincial,
            Role::Municipal,
            Role::County,
        ],
        "createPilot"
        | "updatePilot"
        | "createPlan"
        | "publishPlan"
        | "createIndicator"
        | "reportIndicatorActual"
        | "createKeyProject"
        | "updateKeyProject"
        | "createFinancingSource"
        | "updateFinancingSource"
        | "submitAnnualReport"
        | "linkKeyProjectToTask" => &[Role::Applicant],
        "draftRegionalPlan" | "issueRegionalPlan" | "setRegionalTaskStatus" | "assessRegion" => {
            &[Role::Provincial, Role::Municipal]
        }
        "submitRegionalReport" => &[Role::Municipal, Role::County],
        _ => &[],
    }
}

/// Whether `role` may run `mutation` on some record in some state. Unknown names are refused.
pub fn may_ever(role: Role, mutation: &str) -> bool {
    match action_of(mutation) {
        Some(action) => TABLE
            .iter()
            .any(|t| t.action == action && may_fill(role, t.actor)),
        None => roles_of(mutation).contains(&role),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auditors_may_run_no_mutation_at_all() {
        let sdl = crate::graphql::sdl();
        let mutations = mutation_names(&sdl);
        assert!(mutations.len() >= 28, "{mutations:?}");
        for m in &mutations {
            assert!(!may_ever(Role::Auditor, m), "{m}");
        }
    }

    #[test]
    fn every_mutation_of_the_schema_has_someone_who_may_run_it() {
        let sdl = crate::graphql::sdl();
        for m in mutation_names(&sdl) {
            let who: Vec<Role> = [
                Role::National,
                Role::Provincial,
                Role::Municipal,
                Role::County,
                Role::Applicant,
            ]
            .into_iter()
            .filter(|r| may_ever(*r, &m))
            .collect();
            assert!(!who.is_empty(), "nobody may run {m}");
        }
    }

    #[test]
    fn lifecycle_mutations_follow_the_transition_table() {
        assert!(may_ever(Role::County, "endorsePilot"));
        assert!(
            !may_ever(Role::National, "endorsePilot"),
            "nobody reviews below a province"
        );
        assert!(may_ever(Role::National, "designatePilot"));
        assert!(may_ever(Role::Applicant, "submitPilot"));
        assert!(!may_ever(Role::Applicant, "decideAcceptance"));
        assert!(!may_ever(Role::Provincial, "noSuchMutation"));
    }

    fn mutation_names(sdl: &str) -> Vec<String> {
        let start = sdl.find("type Mutation {").expect("Mutation type");
        let body = &sdl[start..];
        let end = body.find("\n}").expect("end");
        let mut in_description = false;
        body[..end]
            .lines()
            .skip(1)
            .map(str::trim)
            .filter(|l| {
                if *l == "\"\"\"" {
                    in_description = !in_description;
                    return false;
                }
                !in_description && !l.is_empty() && !l.starts_with('"')
            })
            .filter_map(|l| l.split(['(', ':']).next())
            .map(str::to_owned)
            .collect()
    }
}

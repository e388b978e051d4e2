//! `submitPilot`: inside the application window, by the admission rules, with the required
//! indicators of the catalogue, published plans and a clean declaration of eligibility.

use super::Step;
use crate::error::{ApiError, ApiResult};
use crate::pilots::admission;
use crate::workflow::transitions::Outcome;
use entities::*;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

pub(super) async fn run(step: &mut Step<'_>) -> ApiResult<Outcome> {
    let program = &step.governed.program;
    if step.today < program.application_opens_on || step.today > program.application_closes_on {
        return Err(ApiError::RuleViolation(format!(
            "applications are accepted from {} to {}",
            program.application_opens_on, program.application_closes_on
        )));
    }
    check_submission(
        step.tx.conn(),
        &step.governed.pilot,
        &step.governed.type_rule,
    )
    .await?;
    Ok(Outcome::AsTable)
}

/// The submission rules besides the window.
async fn check_submission(
    db: &impl ConnectionTrait,
    p: &pilot::Model,
    rule: &crate::programs::rules::TypeRule,
) -> ApiResult<()> {
    let applicant = organization::Entity::find_by_id(p.applicant_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("pilot without applicant"))?;
    let region = region::Entity::find_by_id(p.region_code.clone())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("pilot without region"))?;
    admission::check(
        Some(rule),
        &admission::Application {
            pilot_type: p.pilot_type,
            region: &region,
            applicant: &applicant,
        },
    )?;
    let catalogue = crate::programs::catalogues::indicators(db, rule.model.id).await?;
    let carried: Vec<String> = indicator::Entity::find()
        .filter(indicator::Column::PilotId.eq(p.id))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.code)
        .collect();
    let lacking: Vec<&str> = catalogue
        .iter()
        .filter(|c| c.required && !carried.contains(&c.code))
        .map(|c| c.code.as_str())
        .collect();
    if !lacking.is_empty() {
        return Err(ApiError::RuleViolation(format!(
            "the program requires targets for the indicators {}",
            lacking.join(", ")
        )));
    }
    for kind in [PlanKind::CreationPlan, PlanKind::ResearchReport] {
        let published = plan::Entity::find()
            .filter(plan::Column::PilotId.eq(p.id))
            .filter(plan::Column::Kind.eq(kind))
            .filter(plan::Column::Status.eq(PlanStatus::Published))
            .count(db)
            .await?;
        if published == 0 {
            return Err(ApiError::RuleViolation(format!(
                "a published {} is required to submit",
                kind.as_str()
            )));
        }
    }
    let declarations = [
        (
            "has no unmet carbon-market obligations",
            p.has_unmet_carbon_market_obligations,
        ),
        (
            "has no falsified emission data",
            p.has_falsified_emission_data,
        ),
        (
            "has had no serious pollution case or major environmental emergency in three years",
            p.has_serious_pollution_case,
        ),
    ];
    for (what, declared) in declarations {
        match declared {
            Some(false) => {}
            Some(true) => {
                return Err(ApiError::RuleViolation(format!(
                    "ineligible: the applicant must declare it {what}"
                )));
            }
            None => {
                return Err(ApiError::RuleViolation(format!(
                    "declare whether the area {what}"
                )));
            }
        }
    }
    Ok(())
}

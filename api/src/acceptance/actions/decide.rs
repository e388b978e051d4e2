//! `decideAcceptance`: PASS needs the experts' review recorded, every acceptance step the
//! program names completed, and the indicator rule to hold against the program's catalogue.
//! The verdict, its numbers and an indicator snapshot are stored with the attempt; FAIL
//! returns the pilot to DESIGNATED with a rectification deadline.

use super::{bump, current_attempt};
use crate::acceptance::rule as acceptance_rule;
use crate::error::{ApiError, ApiResult};
use crate::indicators::rule as indicator_rule;
use crate::indicators::types::latest;
use crate::workflow::actions::{Step, future_deadline};
use crate::workflow::transitions::Outcome;
use chrono::{Days, NaiveDate};
use entities::*;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

/// Days allowed to rectify when a decision names no deadline.
pub const DEFAULT_RECTIFICATION_DAYS: u64 = 90;

pub async fn run(
    step: &mut Step<'_>,
    result: ReviewResult,
    rectification_deadline: Option<NaiveDate>,
) -> ApiResult<Outcome> {
    let pilot_id = step.governed.pilot.id;
    let rule = &step.governed.type_rule;
    let record = current_attempt(step.tx.conn(), pilot_id).await?;
    if record.review_result.is_none() {
        return Err(ApiError::RuleViolation(
            "record the experts' data review before deciding".into(),
        ));
    }
    let passed = result == ReviewResult::Pass;
    if passed {
        check_acceptance_steps(&record, &rule.acceptance_steps)?;
    }
    let (verdict, snapshot) = evaluate(step.tx.conn(), pilot_id, &rule.model).await?;
    if passed && !verdict.passes {
        return Err(ApiError::RuleViolation(format!(
            "the indicator rule does not hold: constraints met {}/{}, references met {}/{} (need ≥ {} of them and ≥ {})",
            verdict.constraint_met,
            verdict.constraint_total,
            verdict.reference_met,
            verdict.reference_total,
            verdict.required_ratio,
            verdict.required_min_count
        )));
    }
    let deadline = if passed {
        None
    } else {
        Some(future_deadline(
            step.today,
            rectification_deadline.unwrap_or(step.today + Days::new(DEFAULT_RECTIFICATION_DAYS)),
        )?)
    };
    let title = passed.then(|| rule.model.title.clone());
    let mut rec = record.clone().into_active_model();
    rec.indicator_snapshot = Set(Some(snapshot));
    rec.constraint_met = Set(Some(verdict.constraint_met));
    rec.constraint_total = Set(Some(verdict.constraint_total));
    rec.reference_met = Set(Some(verdict.reference_met));
    rec.reference_total = Set(Some(verdict.reference_total));
    rec.required_ratio = Set(Some(Dec(verdict.required_ratio)));
    rec.required_min_count = Set(Some(verdict.required_min_count));
    rec.computed_verdict = Set(Some(if verdict.passes {
        ReviewResult::Pass
    } else {
        ReviewResult::Fail
    }));
    rec.decision = Set(Some(result));
    rec.decided_at = Set(Some(step.now));
    rec.decision_comment = Set(Some(step.comment.clone()));
    rec.title_awarded = Set(title.clone());
    rec.rectification_deadline = Set(deadline);
    bump(&mut rec, step.now);
    step.tx.update("UPDATE", &record, rec).await?;
    step.update.title = Set(title);
    step.update.rectification_deadline = Set(deadline);
    Ok(if passed {
        Outcome::AsTable
    } else {
        Outcome::AcceptanceFailed
    })
}

/// A PASS decision needs every step the program names for the type, completed with a positive
/// result on the attempt being decided.
fn check_acceptance_steps(
    record: &acceptance_record::Model,
    steps: &[AcceptanceStep],
) -> ApiResult<()> {
    for step in steps {
        let missing = match step {
            AcceptanceStep::DataReviewPassed => (record.review_result != Some(ReviewResult::Pass))
                .then_some("the experts' data review did not pass"),
            AcceptanceStep::SiteVisitRecorded => {
                let findings = record.site_findings.as_deref().map_or("", str::trim);
                (record.site_visit_on.is_none() || findings.is_empty())
                    .then_some("the on-site verification (date and findings) is not recorded")
            }
        };
        if let Some(why) = missing {
            return Err(ApiError::RuleViolation(format!(
                "acceptance cannot pass: {why}"
            )));
        }
    }
    Ok(())
}

/// The acceptance rule over the pilot's indicators as they stand, with a JSON snapshot. It
/// counts against the program's catalogue for the type: an indicator takes the catalogue's
/// category, and a constraint or required indicator of the catalogue that the pilot lacks
/// counts as not met.
pub async fn evaluate(
    db: &impl ConnectionTrait,
    pilot_id: i64,
    rule: &program_type_rule::Model,
) -> ApiResult<(acceptance_rule::Verdict, String)> {
    let catalogue = crate::programs::catalogues::indicators(db, rule.id).await?;
    let indicators = indicator::Entity::find()
        .filter(indicator::Column::PilotId.eq(pilot_id))
        .order_by_asc(indicator::Column::Id)
        .all(db)
        .await?;
    let actuals = indicator_actual::Entity::find()
        .filter(indicator_actual::Column::PilotId.eq(pilot_id))
        .all(db)
        .await?;
    let mut pairs = Vec::new();
    let mut snapshot = Vec::new();
    for i in &indicators {
        let mine: Vec<indicator_actual::Model> = actuals
            .iter()
            .filter(|a| a.indicator_id == i.id)
            .cloned()
            .collect();
        let last = latest(&mine);
        let met = indicator_rule::is_met(i.direction, i.target_value.0, last.map(|a| a.value.0));
        let category = catalogue
            .iter()
            .find(|c| c.code == i.code)
            .map_or(i.category, |c| c.category);
        pairs.push((category, met));
        snapshot.push(serde_json::json!({
            "code": i.code, "name": i.name, "category": category, "direction": i.direction,
            "baseline": i.baseline_value, "target": i.target_value,
            "latestActual": last.map(|a| a.value), "periodEnd": last.map(|a| a.period_end), "met": met,
        }));
    }
    for c in &catalogue {
        let counts = c.required || c.category == IndicatorCategory::Constraint;
        if counts && !indicators.iter().any(|i| i.code == c.code) {
            pairs.push((c.category, false));
            snapshot.push(serde_json::json!({
                "code": c.code, "name": c.name, "category": c.category, "direction": c.direction,
                "missing": true, "met": false,
            }));
        }
    }
    let verdict =
        acceptance_rule::evaluate(pairs, rule.reference_ratio.0, rule.reference_min_count);
    Ok((verdict, serde_json::Value::Array(snapshot).to_string()))
}

//! Who may apply for what: the program admits the type, the pilot sits at the level of region
//! the program sets for the type, the applicant's kind fits, and a park meets the minimum
//! level and, where the program keeps one, is on its list of eligible parks. Checked when a
//! pilot is created and again when it is submitted.

use crate::error::{ApiError, ApiResult};
use crate::programs::rules::TypeRule;
use entities::{PilotType, RegionLevel, organization, region};

/// What the rules look at.
pub struct Application<'a> {
    pub pilot_type: PilotType,
    pub region: &'a region::Model,
    /// The applicant, whose recorded park level is the one that counts.
    pub applicant: &'a organization::Model,
}

/// Checks an application against the program's rule for its type (`None`: not admitted).
pub fn check(type_rule: Option<&TypeRule>, app: &Application<'_>) -> ApiResult<()> {
    let violation = |m: String| Err(ApiError::RuleViolation(m));
    let Some(TypeRule {
        model: rule,
        applicant_kinds,
        eligible_parks,
        ..
    }) = type_rule
    else {
        return violation(format!(
            "the program does not admit {} pilots",
            app.pilot_type.as_str()
        ));
    };
    if app.region.level != rule.region_level {
        return violation(format!(
            "a {} pilot of this program covers a {}, not a {}",
            app.pilot_type.as_str(),
            rule.region_level.as_str(),
            app.region.level.as_str()
        ));
    }
    if !applicant_kinds.contains(&app.applicant.kind) {
        return violation(format!(
            "a {} may not apply for a {} pilot (admitted: {})",
            app.applicant.kind.as_str(),
            app.pilot_type.as_str(),
            applicant_kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let own_region = match app.region.level {
        RegionLevel::County | RegionLevel::Province => app.applicant.region_code == app.region.code,
        RegionLevel::Municipality => app.applicant.municipality_code == app.region.code,
    };
    if !own_region {
        return violation("an organisation applies for the region it sits in".into());
    }
    if !eligible_parks.is_empty() && !eligible_parks.contains(&app.applicant.credit_code) {
        return violation(
            "the park is not on the program's list of eligible parks (the region's key-park list)"
                .into(),
        );
    }
    if app.pilot_type == PilotType::Park
        && let Some(min) = rule.min_park_level
    {
        match app.applicant.park_level {
            Some(level) if level >= min => {}
            other => {
                return violation(format!(
                    "the park must be at least {} (its management committee is recorded as {})",
                    min.as_str(),
                    other.map_or("unrated", |l| l.as_str())
                ));
            }
        }
    }
    Ok(())
}

//! Field-level redaction, the property-level half of scope: what DOMAIN.md hides from a viewer
//! inside a record it may otherwise read. Expert names and scores are hidden from applicants
//! until the decision they feed is made: the application's expert review until the pilot is
//! designated or rejected, an acceptance attempt's review until the provincial decision.
//!
//! Every read path applies these rules: the GraphQL objects ask [`reveal_expert_review`] and
//! [`reveal_acceptance_review`]; paths that carry records as the trail stores them — history,
//! audit events, the change feed, `pilotDiff`, every export — pass them through a
//! [`Redactor`], which knows the current state of the viewer's pilots.

use super::Viewer;
use crate::error::ApiResult;
use entities::{PilotStatus, Role, acceptance_record, pilot};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashSet;

/// The fields of an application's expert review hidden until the decision.
pub const EXPERT_REVIEW_HIDDEN: [&str; 2] = ["score", "expert_names"];
/// The fields of an acceptance attempt hidden until the decision.
pub const ACCEPTANCE_HIDDEN: [&str; 2] = ["review_score", "expert_names"];

/// Whether a pilot in `status` has had the decision its application review fed.
fn application_decided(status: PilotStatus) -> bool {
    use PilotStatus::*;
    matches!(
        status,
        Designated | AcceptanceRequested | AcceptanceForwarded | Titled | Revoked | Rejected
    )
}

/// Whether expert names and scores of the application review may be shown: always to
/// officials and auditors, to applicants once the pilot is designated or rejected.
pub fn reveal_expert_review(viewer: &Viewer, status: PilotStatus) -> bool {
    viewer.role != Role::Applicant || application_decided(status)
}

/// Whether expert names and scores of an acceptance attempt may be shown: to applicants only
/// once the provincial decision is made.
pub fn reveal_acceptance_review(viewer: &Viewer, record: &acceptance_record::Model) -> bool {
    viewer.role != Role::Applicant || record.decision.is_some()
}

/// Redacts records as the trail and exports hold them (JSON with the entities' field names),
/// for one viewer, by the current state of its pilots.
#[derive(Debug, Default)]
pub struct Redactor {
    /// `None` for viewers who see everything.
    applicant: Option<Decided>,
}

/// What an applicant's pilots have had decided.
#[derive(Debug, Default)]
struct Decided {
    /// Pilots whose application review has been decided.
    applications: HashSet<i64>,
    /// Acceptance attempts with a decision.
    acceptances: HashSet<i64>,
}

impl Redactor {
    /// The redactor for `viewer`: nothing to hide for officials and auditors; for an applicant,
    /// the decisions taken so far on its organisation's pilots (two small reads).
    pub async fn for_viewer(db: &impl ConnectionTrait, viewer: &Viewer) -> ApiResult<Self> {
        if viewer.role != Role::Applicant {
            return Ok(Redactor::default());
        }
        let pilots: Vec<(i64, PilotStatus)> = pilot::Entity::find()
            .select_only()
            .column(pilot::Column::Id)
            .column(pilot::Column::Status)
            .filter(viewer.pilot_scope())
            .into_tuple()
            .all(db)
            .await?;
        let acceptances: Vec<i64> = acceptance_record::Entity::find()
            .select_only()
            .column(acceptance_record::Column::Id)
            .filter(acceptance_record::Column::PilotId.in_subquery(viewer.visible_pilot_ids()))
            .filter(acceptance_record::Column::Decision.is_not_null())
            .into_tuple()
            .all(db)
            .await?;
        Ok(Redactor {
            applicant: Some(Decided {
                applications: pilots
                    .into_iter()
                    .filter(|(_, s)| application_decided(*s))
                    .map(|(id, _)| id)
                    .collect(),
                acceptances: acceptances.into_iter().collect(),
            }),
        })
    }

    /// The fields of a record of `entity_type` (its GraphQL type name) that this viewer may not
    /// see, given the record's pilot and id.
    fn hidden_fields(
        &self,
        entity_type: &str,
        pilot_id: Option<i64>,
        entity_key: Option<i64>,
    ) -> &'static [&'static str] {
        let Some(decided) = &self.applicant else {
            return &[];
        };
        match entity_type {
            "ExpertReview" if !pilot_id.is_some_and(|p| decided.applications.contains(&p)) => {
                &EXPERT_REVIEW_HIDDEN
            }
            "AcceptanceRecord" if !entity_key.is_some_and(|k| decided.acceptances.contains(&k)) => {
                &ACCEPTANCE_HIDDEN
            }
            _ => &[],
        }
    }

    /// Nulls the hidden fields of a record (an object with the entity's field names).
    pub fn record(&self, entity_type: &str, value: &mut serde_json::Value) {
        let Some(obj) = value.as_object_mut() else {
            return;
        };
        let int = |k: &str| obj.get(k).and_then(serde_json::Value::as_i64);
        let hidden = self.hidden_fields(entity_type, int("pilot_id"), int("id"));
        for field in hidden {
            if let Some(v) = obj.get_mut(*field) {
                *v = serde_json::Value::Null;
            }
        }
    }

    /// A record's JSON text as the trail stores it, parsed and redacted.
    pub fn record_text(&self, entity_type: &str, text: &str) -> Option<serde_json::Value> {
        let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
        self.record(entity_type, &mut value);
        Some(value)
    }

    /// The redacted text of a record as the trail stores it, or `None` when this viewer may
    /// see all of it (the stored text then stands as it is).
    pub fn redacted_text(&self, entity_type: &str, text: &str) -> Option<String> {
        self.applicant.as_ref()?;
        let value = self.record_text(entity_type, text)?;
        (value != serde_json::from_str::<serde_json::Value>(text).ok()?).then(|| value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn applicant_redactor() -> Redactor {
        Redactor {
            applicant: Some(Decided {
                applications: HashSet::from([1]),
                acceptances: HashSet::from([7]),
            }),
        }
    }

    #[test]
    fn expert_reviews_are_hidden_until_the_pilot_is_decided() {
        let r = applicant_redactor();
        let mut undecided = json!({"id": 3, "pilot_id": 2, "score": "88", "expert_names": "Li, Wang", "comments": "ok"});
        r.record("ExpertReview", &mut undecided);
        assert_eq!(
            undecided,
            json!({"id": 3, "pilot_id": 2, "score": null, "expert_names": null, "comments": "ok"})
        );
        let mut decided = json!({"id": 4, "pilot_id": 1, "score": "88", "expert_names": "Li"});
        r.record("ExpertReview", &mut decided);
        assert_eq!(decided["score"], "88");
    }

    #[test]
    fn acceptance_reviews_are_hidden_until_their_decision() {
        let r = applicant_redactor();
        let mut open = json!({"id": 8, "pilot_id": 1, "review_score": "90", "expert_names": "Li"});
        r.record("AcceptanceRecord", &mut open);
        assert_eq!(open["review_score"], serde_json::Value::Null);
        assert_eq!(open["expert_names"], serde_json::Value::Null);
        let mut closed = json!({"id": 7, "pilot_id": 1, "review_score": "90"});
        r.record("AcceptanceRecord", &mut closed);
        assert_eq!(closed["review_score"], "90");
    }

    #[test]
    fn officials_see_everything() {
        let r = Redactor::default();
        let mut v = json!({"id": 8, "pilot_id": 1, "review_score": "90"});
        r.record("AcceptanceRecord", &mut v);
        assert_eq!(v["review_score"], "90");
    }
}

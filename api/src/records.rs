//! Stored records in the API's shape. The audit trail keeps each record as the database holds
//! it (snake_case columns, integer keys); clients read the API's names instead: keys in
//! camelCase (`municipality_code` → `municipalityCode`), the record's `id` and every reference
//! to another record as a global id (`pilot_id: 8` → `pilotId: "UGlsb3Q6OA"`), the same ids
//! `node(id:)` resolves. The change feed, history, `pilotDiff` and exports (format 2) all
//! speak this shape; [`public`] is the one conversion.

use crate::ids::{self, Kind};
use serde_json::{Map, Value};

/// The export format whose rows are in the API's shape (format 1: rows as stored).
pub const FORMAT: u32 = 2;

/// The kind of record a stored reference column points at.
fn reference(column: &str) -> Option<Kind> {
    Some(match column {
        "pilot_id" => Kind::Pilot,
        "program_id" => Kind::Program,
        "applicant_id" | "actor_org" => Kind::Organization,
        "indicator_id" => Kind::Indicator,
        "fund_id" => Kind::Fund,
        "key_project_id" => Kind::KeyProject,
        "regional_task_id" | "task_id" => Kind::RegionalTask,
        "rule_id" => Kind::ProgramTypeRule,
        "acceptance_record_id" => Kind::AcceptanceRecord,
        "target_id" => Kind::RegionalTarget,
        "report_id" => Kind::RegionalReport,
        "plan_id" | "parent_plan_id" | "supersedes_id" => Kind::RegionalPlan,
        _ => return None,
    })
}

/// A stored column's name in the API (`review_score` → `reviewScore`).
pub fn field_name(column: &str) -> String {
    let mut out = String::with_capacity(column.len());
    let mut upper = false;
    for c in column.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A stored column's value in the API: a reference becomes the global id of what it names.
pub fn field_value(column: &str, value: &Value) -> Value {
    match (reference(column), value.as_i64()) {
        (Some(kind), Some(key)) => Value::String(ids::encode(kind, key).to_string()),
        _ => value.clone(),
    }
}

/// Rewrites a stored record of `kind` in the API's shape, with its global `id` (a region,
/// keyed by its code, gets one too).
pub fn public(kind: Kind, record: &Value) -> Value {
    let Some(obj) = record.as_object() else {
        return record.clone();
    };
    let mut out = Map::with_capacity(obj.len() + 1);
    for (column, value) in obj {
        let value = match (column.as_str(), value.as_i64()) {
            ("id", Some(key)) => Value::String(ids::encode(kind, key).to_string()),
            _ => field_value(column, value),
        };
        out.insert(field_name(column), value);
    }
    if kind == Kind::Region
        && let Some(code) = obj.get("code").and_then(Value::as_str)
    {
        out.insert("id".into(), ids::encode(kind, code).to_string().into());
    }
    Value::Object(out)
}

/// A stored audit event in the API's shape: its own fields as `public`, with its global `id`
/// (from `seq`) and the records before and after parsed and in the API's shape too.
pub fn public_event(event: &Value) -> Value {
    let mut out = public(Kind::AuditEvent, event);
    let kind = event
        .get("entity_type")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<Kind>().ok());
    if let Some(obj) = out.as_object_mut() {
        if let Some(seq) = event.get("seq").and_then(Value::as_i64) {
            obj.insert(
                "id".into(),
                ids::encode(Kind::AuditEvent, seq).to_string().into(),
            );
        }
        for side in ["before", "after"] {
            let parsed = obj
                .get(side)
                .and_then(Value::as_str)
                .and_then(|t| serde_json::from_str::<Value>(t).ok());
            if let (Some(record), Some(kind)) = (parsed, kind) {
                obj.insert(side.into(), public(kind, &record));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_take_the_api_names_and_global_ids() {
        let stored = json!({"id": 8, "program_id": 2, "applicant_id": 5, "municipality_code": "371400",
            "review_score": null, "version": 3});
        assert_eq!(
            public(Kind::Pilot, &stored),
            json!({"id": ids::encode(Kind::Pilot, 8).to_string(),
                "programId": ids::encode(Kind::Program, 2).to_string(),
                "applicantId": ids::encode(Kind::Organization, 5).to_string(),
                "municipalityCode": "371400", "reviewScore": null, "version": 3})
        );
        let region = public(
            Kind::Region,
            &json!({"code": "371400", "parent_code": "370000"}),
        );
        assert_eq!(
            region["id"],
            ids::encode(Kind::Region, "371400").to_string()
        );
        assert_eq!(region["parentCode"], "370000");
        assert_eq!(field_name("disbursed_amount"), "disbursedAmount");
    }

    #[test]
    fn events_carry_their_records_in_the_same_shape() {
        let stored = json!({"seq": 4, "entity_type": "KeyProject", "pilot_id": 8, "plan_id": null,
            "actor_org": 5, "before": null, "after": "{\"id\":3,\"pilot_id\":8,\"progress_percent\":40}"});
        let event = public_event(&stored);
        assert_eq!(event["id"], ids::encode(Kind::AuditEvent, 4).to_string());
        assert_eq!(event["pilotId"], ids::encode(Kind::Pilot, 8).to_string());
        assert_eq!(
            event["actorOrg"],
            ids::encode(Kind::Organization, 5).to_string()
        );
        assert_eq!(event["planId"], Value::Null);
        assert_eq!(
            event["after"],
            json!({"id": ids::encode(Kind::KeyProject, 3).to_string(),
                "pilotId": ids::encode(Kind::Pilot, 8).to_string(), "progressPercent": 40})
        );
    }
}

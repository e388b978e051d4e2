//! The hash chain: each event's SHA-256 covers a canonical encoding of all its fields and the
//! previous event's hash, so editing or deleting any past event breaks every hash after it.

use chrono::SecondsFormat;
use entities::audit_event;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The sequence number of the newest event (0 for an empty trail), read from the primary key.
pub async fn head(db: &impl sea_orm::ConnectionTrait) -> crate::error::ApiResult<i64> {
    use sea_orm::{ColumnTrait, EntityTrait, QuerySelect};
    let head: Option<i64> = audit_event::Entity::find()
        .select_only()
        .column_as(audit_event::Column::Seq.max(), "head")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok(head.unwrap_or(0))
}

/// The hash the first event chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Every field of an event except its own hash, in a fixed order.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    occurred_at: String,
    actor_sub: &'a str,
    actor_role: &'a str,
    actor_region: Option<&'a str>,
    actor_org: Option<i64>,
    entity_type: &'a str,
    entity_id: &'a str,
    pilot_id: Option<i64>,
    /// Left out when absent, so events from before plans were recorded hash as they did.
    #[serde(skip_serializing_if = "Option::is_none")]
    plan_id: Option<i64>,
    action: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
    request_id: Option<&'a str>,
    prev_hash: &'a str,
}

/// The hash an event must carry.
pub fn hash_of(e: &audit_event::Model) -> String {
    let canonical = Canonical {
        seq: e.seq,
        occurred_at: e.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        actor_sub: &e.actor_sub,
        actor_role: e.actor_role.as_str(),
        actor_region: e.actor_region.as_deref(),
        actor_org: e.actor_org,
        entity_type: &e.entity_type,
        entity_id: &e.entity_id,
        pilot_id: e.pilot_id,
        plan_id: e.plan_id,
        action: &e.action,
        before: e.before.as_deref(),
        after: e.after.as_deref(),
        request_id: e.request_id.as_deref(),
        prev_hash: &e.prev_hash,
    };
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

/// Why a chain does not verify, at the first event where it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub seq: i64,
    pub reason: String,
}

/// Checks events in sequence order, continuing from `previous` (the event before the first,
/// if any): no gap in the sequence, each links to its predecessor, each hash is right.
#[derive(Debug)]
pub struct Verifier {
    last_seq: Option<i64>,
    last_hash: String,
    pub checked: u64,
}

impl Verifier {
    /// A verifier starting after `previous` (or at the start of the chain).
    pub fn after(previous: Option<&audit_event::Model>) -> Self {
        Verifier {
            last_seq: previous.map(|p| p.seq),
            last_hash: previous.map_or_else(|| GENESIS.to_owned(), |p| p.hash.clone()),
            checked: 0,
        }
    }

    /// Checks the next event.
    pub fn check(&mut self, e: &audit_event::Model) -> Result<(), Break> {
        let expected_seq = self.last_seq.map_or(1, |s| s + 1);
        if e.seq != expected_seq {
            return Err(Break {
                seq: expected_seq,
                reason: format!(
                    "event {expected_seq} is missing (the next event is {})",
                    e.seq
                ),
            });
        }
        if e.prev_hash != self.last_hash {
            return Err(Break {
                seq: e.seq,
                reason: "does not link to the previous event's hash".into(),
            });
        }
        if hash_of(e) != e.hash {
            return Err(Break {
                seq: e.seq,
                reason: "its contents do not match its hash (altered)".into(),
            });
        }
        self.last_seq = Some(e.seq);
        self.last_hash = e.hash.clone();
        self.checked += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use entities::Role;

    fn event(seq: i64, prev: &str) -> audit_event::Model {
        let mut e = audit_event::Model {
            seq,
            occurred_at: chrono::Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, seq as u32)
                .single()
                .expect("t"),
            actor_sub: "u".into(),
            actor_role: Role::Provincial,
            actor_region: Some("370000".into()),
            actor_org: None,
            entity_type: "Pilot".into(),
            entity_id: "UGlsb3Q6MQ".into(),
            pilot_id: Some(1),
            plan_id: None,
            action: "UPDATE".into(),
            before: Some("{\"status\":\"DRAFT\"}".into()),
            after: Some("{\"status\":\"SUBMITTED\"}".into()),
            request_id: Some("r1".into()),
            prev_hash: prev.into(),
            hash: String::new(),
        };
        e.hash = hash_of(&e);
        e
    }

    fn chain(n: i64) -> Vec<audit_event::Model> {
        let mut out: Vec<audit_event::Model> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map_or(GENESIS.to_owned(), |p| p.hash.clone());
            out.push(event(seq, &prev));
        }
        out
    }

    fn verify(events: &[audit_event::Model]) -> Result<u64, Break> {
        let mut v = Verifier::after(None);
        for e in events {
            v.check(e)?;
        }
        Ok(v.checked)
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn an_edited_event_is_named() {
        let mut c = chain(5);
        c[2].after = Some("{\"status\":\"TITLED\"}".into());
        let b = verify(&c).expect_err("broken");
        assert_eq!(b.seq, 3);
        assert!(b.reason.contains("altered"));
    }

    #[test]
    fn a_deleted_event_is_a_gap() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(&c).expect_err("gap").seq, 2);
    }

    #[test]
    fn a_rehashed_edit_still_breaks_the_link() {
        let mut c = chain(5);
        c[2].after = Some("{}".into());
        c[2].hash = hash_of(&c[2]);
        let b = verify(&c).expect_err("broken");
        assert_eq!(b.seq, 4, "the next event no longer links");
    }

    #[test]
    fn a_plan_is_covered_by_the_hash_and_its_absence_changes_nothing() {
        let e = event(1, GENESIS);
        // The SHA-256 of the encoding without `plan_id`, as events were hashed before plans.
        assert_eq!(
            hash_of(&e),
            "782e54c88c6331a40522c342bed3c483e217614a6ec8f6087c67c3cb4b210aef"
        );
        let in_plan = audit_event::Model {
            plan_id: Some(7),
            ..e.clone()
        };
        assert_ne!(hash_of(&in_plan), hash_of(&e));
    }
}

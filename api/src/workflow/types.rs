//! The `WorkflowEvent` object: one transition of a pilot.

use crate::ids::{self, Kind};
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{PilotStatus, Role, WorkflowAction, workflow_event};

/// A lifecycle transition: who moved the pilot from where to where, when and why.
pub struct WorkflowEvent(pub workflow_event::Model);

/// Who made a change.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct Actor {
    pub sub: String,
    pub role: Role,
    pub region: Option<String>,
    pub name: Option<String>,
}

crate::graphql::records::record_object! {
    #[Object(serial)]
    impl WorkflowEvent as e {
        pub id: ID = ids::encode(Kind::WorkflowEvent, e.0.id);
        action: WorkflowAction = e.0.action;
        from_status: PilotStatus = e.0.from_status;
        to_status: PilotStatus = e.0.to_status;
        comment: &str = &e.0.comment;
        occurred_at: DateTime<Utc> = e.0.occurred_at;
    }

    async fn actor(&self) -> Actor {
        Actor {
            sub: self.0.actor_sub.clone(),
            role: self.0.actor_role,
            region: self.0.actor_region.clone(),
            name: self.0.actor_name.clone(),
        }
    }
}

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
    impl WorkflowEvent(0: workflow_event::Model) {
        pub id: ID = |id| ids::encode(Kind::WorkflowEvent, *id);
        action: WorkflowAction = |action| *action;
        from_status: PilotStatus = |from_status| *from_status;
        to_status: PilotStatus = |to_status| *to_status;
        comment: &str = |comment| comment;
        occurred_at: DateTime<Utc> = |occurred_at| *occurred_at;
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

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

#[Object(serial)]
impl WorkflowEvent {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::WorkflowEvent, self.0.id)
    }
    async fn action(&self) -> WorkflowAction {
        self.0.action
    }
    async fn from_status(&self) -> PilotStatus {
        self.0.from_status
    }
    async fn to_status(&self) -> PilotStatus {
        self.0.to_status
    }
    async fn actor(&self) -> Actor {
        Actor {
            sub: self.0.actor_sub.clone(),
            role: self.0.actor_role,
            region: self.0.actor_region.clone(),
            name: self.0.actor_name.clone(),
        }
    }
    async fn comment(&self) -> &str {
        &self.0.comment
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}

//! Committed workflow events, fanned out to subscribers. Publishing happens after commit, so
//! subscribers never see a transition that rolled back.

use entities::{pilot, workflow_event};
use tokio::sync::broadcast;

/// A transition as it committed, with the pilot as it then stood.
#[derive(Debug, Clone)]
pub struct PilotEvent {
    pub pilot: pilot::Model,
    pub event: workflow_event::Model,
}

/// The in-process fan-out of committed events.
#[derive(Debug, Clone)]
pub struct EventBus(broadcast::Sender<PilotEvent>);

impl Default for EventBus {
    fn default() -> Self {
        EventBus(broadcast::channel(1024).0)
    }
}

impl EventBus {
    /// Sends an event to every current subscriber (none listening is fine).
    pub fn publish(&self, pilot: &pilot::Model, event: &workflow_event::Model) {
        let _ = self.0.send(PilotEvent {
            pilot: pilot.clone(),
            event: event.clone(),
        });
    }

    /// A receiver of events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PilotEvent> {
        self.0.subscribe()
    }
}

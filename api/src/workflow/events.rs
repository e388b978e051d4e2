//! Committed workflow events, from the database to this process's subscribers, whichever
//! process committed them. A relay per process reads the `workflow_events` rows after the last
//! one it delivered, in id order — writers hold the write lock until they commit, so id order
//! is commit order and a row read past is never committed later — and fans them out in
//! memory. It reads when told: by a PostgreSQL notification (`workflow_events` channel, sent
//! by a trigger at commit, whoever commits), by a commit of this process, or every few seconds
//! regardless, so a lost notification delays an event and loses nothing.

use crate::error::ApiResult;
use entities::{pilot, workflow_event};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, broadcast};

/// How often the relay reads even when nothing told it to.
const POLL: Duration = Duration::from_secs(3);
/// The most events one read takes.
const BATCH: u64 = 500;
/// The PostgreSQL channel the trigger notifies.
pub const CHANNEL: &str = "workflow_events";

/// A transition as it committed, with the pilot as it stood when the relay read it.
#[derive(Debug, Clone)]
pub struct PilotEvent {
    pub pilot: pilot::Model,
    pub event: workflow_event::Model,
}

/// The fan-out of committed events to this process's subscribers.
#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<PilotEvent>,
    wake: Arc<Notify>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            sender: broadcast::channel(1024).0,
            wake: Arc::new(Notify::new()),
        }
    }
}

impl EventBus {
    /// Tells the relay that this process committed events.
    pub fn committed(&self) {
        self.wake.notify_one();
    }

    /// A receiver of events relayed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PilotEvent> {
        self.sender.subscribe()
    }

    /// Starts the relay on `db` (on the calling runtime), from the events committed after now.
    pub fn relay(&self, db: DatabaseConnection) {
        let bus = self.clone();
        tokio::spawn(async move {
            let mut last = loop {
                match latest(&db).await {
                    Ok(id) => break id,
                    Err(e) => {
                        tracing::warn!(error = ?e, "event relay: cannot read the last event; retrying");
                        tokio::time::sleep(POLL).await;
                    }
                }
            };
            let mut listener = None;
            loop {
                if listener.is_none() && db.get_database_backend() == DbBackend::Postgres {
                    listener = listen(&db).await;
                }
                let notified = async {
                    match listener.as_mut() {
                        Some(l) => l.recv().await.map(|_| ()),
                        None => std::future::pending().await,
                    }
                };
                let lost = tokio::select! {
                    () = bus.wake.notified() => None,
                    got = notified => got.err(),
                    () = tokio::time::sleep(POLL) => None,
                };
                if let Some(e) = lost {
                    tracing::warn!(error = %e, "event relay: lost the notification connection; reconnecting");
                    listener = None;
                }
                match after(&db, last).await {
                    Ok(events) => {
                        for e in events {
                            last = e.event.id;
                            // No subscriber is fine.
                            let _ = bus.sender.send(e);
                        }
                    }
                    Err(e) => tracing::warn!(error = ?e, "event relay: read failed; retrying"),
                }
            }
        });
    }
}

/// A listener on the notification channel, or `None` (then polling alone carries events).
async fn listen(db: &DatabaseConnection) -> Option<sea_orm::sqlx::postgres::PgListener> {
    let pool = db.get_postgres_connection_pool();
    let mut l = match sea_orm::sqlx::postgres::PgListener::connect_with(pool).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "event relay: cannot listen for notifications; polling");
            return None;
        }
    };
    match l.listen(CHANNEL).await {
        Ok(()) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "event relay: LISTEN failed; polling");
            None
        }
    }
}

/// The id of the last committed event (0 for none).
async fn latest(db: &DatabaseConnection) -> ApiResult<i64> {
    Ok(workflow_event::Entity::find()
        .order_by_desc(workflow_event::Column::Id)
        .one(db)
        .await?
        .map_or(0, |e| e.id))
}

/// The committed events after `id`, oldest first, each with its pilot.
pub async fn after(db: &DatabaseConnection, id: i64) -> ApiResult<Vec<PilotEvent>> {
    let events = workflow_event::Entity::find()
        .filter(workflow_event::Column::Id.gt(id))
        .order_by_asc(workflow_event::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = events.iter().map(|e| e.pilot_id).collect();
    let pilots: HashMap<i64, pilot::Model> = pilot::Entity::find()
        .filter(pilot::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(events
        .into_iter()
        .filter_map(|event| {
            let pilot = pilots.get(&event.pilot_id)?.clone();
            Some(PilotEvent { pilot, event })
        })
        .collect())
}

//! Signals between the parts of a deployment: live updates, cache invalidation, leases.
//!
//! On SQLite there is one process, so an in-process broadcast channel carries them. On PostgreSQL each
//! signal is a `NOTIFY` on the deployment's channel, and every node `LISTEN`s and re-broadcasts what it
//! hears locally — its own signals included, so every node sees the same stream.

use crate::error::StoreResult;
use clearline_core::OrgId;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use sqlx::AnyPool;
use tokio::sync::broadcast;

/// Something changed. Carries identifiers only, never personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    /// The organization concerned, if any.
    pub org_id: Option<OrgId>,
    /// What kind of thing changed: `audit`, `sessions`, `resync` (drop every cache: signals may have
    /// been missed while a listener reconnected).
    pub topic: String,
    /// Which object (an id), or empty.
    pub object: String,
}

#[derive(Clone)]
pub struct Signals {
    local: broadcast::Sender<Signal>,
    postgres: Option<(String, AnyPool)>,
}

impl Signals {
    pub(crate) fn in_process() -> Signals {
        let (local, _) = broadcast::channel(1024);
        Signals { local, postgres: None }
    }

    pub(crate) async fn postgres(url: &str, channel: String, pool: AnyPool) -> StoreResult<Signals> {
        let (local, _) = broadcast::channel(1024);
        let mut listener = PgListener::connect(url).await?;
        listener.listen(&channel).await?;
        let forward = local.clone();
        tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(note)) => match serde_json::from_str::<Signal>(note.payload()) {
                        Ok(signal) => {
                            let _ = forward.send(signal);
                        }
                        Err(e) => tracing::warn!(error = %e, "ignoring a malformed signal"),
                    },
                    // The connection dropped and PgListener reconnected: anything sent meanwhile is lost.
                    Ok(None) => {
                        let _ = forward.send(Signal { org_id: None, topic: "resync".into(), object: String::new() });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "signal listener failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Signals { local, postgres: Some((channel, pool)) })
    }

    /// Listens to every signal from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.local.subscribe()
    }

    /// Sends a signal to every node. Failures are logged, not returned: a signal is a hint that
    /// something changed; the database stays the truth.
    pub async fn publish(&self, signal: Signal) {
        match &self.postgres {
            None => {
                let _ = self.local.send(signal);
            }
            Some((channel, pool)) => {
                let payload = serde_json::to_string(&signal).expect("signal serializes");
                if let Err(e) = sqlx::query("SELECT 1 AS sent FROM pg_notify($1, $2)")
                    .bind(channel)
                    .bind(payload)
                    .execute(pool)
                    .await
                {
                    tracing::warn!(error = %e, "could not publish a signal");
                }
            }
        }
    }
}

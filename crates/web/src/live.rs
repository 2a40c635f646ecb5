//! Live updates: the store's signals (in-process, or PostgreSQL `NOTIFY` from any node) as server-sent
//! events. A page names the signals it follows; each becomes one event, and a lost signal (the
//! listener lagged, or the database connection was re-established) becomes `resync`, so the page
//! refetches.

use axum::response::sse::{Event, KeepAlive, Sse};
use clearline_store::{Signal, Store};
use futures::Stream;
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;

/// The events of the signals `pick` names: `pick` returns the event's name and data for a signal the
/// page follows, `None` for any other.
pub fn signal_events<F>(store: &Store, pick: F) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: Fn(&Signal) -> Option<(&'static str, String)> + Send + 'static,
{
    let rx = store.signals().subscribe();
    let resync = || Ok(Event::default().event("resync").data("resync"));
    let stream = futures::stream::unfold((rx, pick), move |(mut rx, pick)| async move {
        loop {
            match rx.recv().await {
                Ok(signal) if signal.topic == "resync" => return Some((resync(), (rx, pick))),
                Ok(signal) => {
                    if let Some((event, data)) = pick(&signal) {
                        // An event with no data is never dispatched by EventSource: data is never empty.
                        let data = if data.is_empty() { event.to_string() } else { data };
                        return Some((Ok(Event::default().event(event).data(data)), (rx, pick)));
                    }
                }
                Err(RecvError::Lagged(_)) => return Some((resync(), (rx, pick))),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

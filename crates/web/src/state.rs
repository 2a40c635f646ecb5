use crate::auth::Throttle;
use crate::routes::RouteSpec;
use clearline_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Settings of the HTTP edge.
#[derive(Clone, Debug)]
pub struct WebSettings {
    /// Mark cookies `Secure` (set when Clearline is served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Believe the first address of `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings { secure_cookies: false, trust_forwarded_for: false, max_body_bytes: 1024 * 1024 }
    }
}

#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

pub(crate) struct Inner {
    pub store: Store,
    pub settings: WebSettings,
    pub throttle: Throttle,
    pub metrics: PrometheusHandle,
    pub routes: OnceLock<Vec<RouteSpec>>,
}

impl AppState {
    pub fn new(store: Store, settings: WebSettings) -> AppState {
        AppState(Arc::new(Inner {
            store,
            settings,
            throttle: Throttle::new(20, Duration::from_secs(600)),
            metrics: metrics_handle(),
            routes: OnceLock::new(),
        }))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn settings(&self) -> &WebSettings {
        &self.0.settings
    }
}

/// The process-wide Prometheus recorder (installed once, shared by every app in the process).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

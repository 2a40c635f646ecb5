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
    /// Largest voter-file upload, in bytes.
    pub max_upload_bytes: usize,
    /// Where uploads wait while they are imported (deleted afterwards).
    pub upload_dir: std::path::PathBuf,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            secure_cookies: false,
            trust_forwarded_for: false,
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 4 * 1024 * 1024 * 1024,
            upload_dir: std::env::temp_dir(),
        }
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
    /// The master key that opens campaigns' data keys (imports need it; without it they are refused).
    /// Replaced when `clearline keys rotate` has written a new one to the key file (see `sealer_for`).
    pub master_key: Option<std::sync::RwLock<Arc<clearline_vault::MasterKey>>>,
    /// The file the master key came from, if any (re-read after a rotation).
    pub master_key_file: Option<std::path::PathBuf>,
    /// Imports running or finished on this node.
    pub jobs: crate::api::imports::Jobs,
    /// The programs calling in this process and the agents at their desks.
    pub desk: clearline_calling::DeskHub,
    /// Survey results as last loaded, per program, while their stamp holds.
    pub survey_cache: crate::survey_cache::SurveyCache,
}

impl AppState {
    pub fn new(store: Store, settings: WebSettings) -> AppState {
        AppState(Arc::new(Inner {
            store,
            settings,
            throttle: Throttle::new(20, Duration::from_secs(600)),
            metrics: metrics_handle(),
            routes: OnceLock::new(),
            master_key: None,
            master_key_file: None,
            jobs: Default::default(),
            desk: Default::default(),
            survey_cache: Default::default(),
        }))
    }

    /// The same state with the desk hub the process's calling runs open their floors on.
    pub fn with_desk(self, desk: clearline_calling::DeskHub) -> AppState {
        let inner =
            Arc::try_unwrap(self.0).unwrap_or_else(|_| panic!("with_desk is called before the state is shared"));
        AppState(Arc::new(Inner { desk, ..inner }))
    }

    pub fn desk(&self) -> &clearline_calling::DeskHub {
        &self.0.desk
    }

    pub fn survey_cache(&self) -> &crate::survey_cache::SurveyCache {
        &self.0.survey_cache
    }

    /// The same state with the deployment's master key (for imports), and the file it is kept in.
    pub fn with_master_key(self, key: clearline_vault::MasterKey) -> AppState {
        self.with_master_key_from(key, None)
    }

    pub fn with_master_key_from(self, key: clearline_vault::MasterKey, file: Option<std::path::PathBuf>) -> AppState {
        let inner =
            Arc::try_unwrap(self.0).unwrap_or_else(|_| panic!("with_master_key is called before the state is shared"));
        AppState(Arc::new(Inner {
            master_key: Some(std::sync::RwLock::new(Arc::new(key))),
            master_key_file: file,
            ..inner
        }))
    }

    /// The current master key.
    pub fn master_key(&self) -> Option<Arc<clearline_vault::MasterKey>> {
        self.0.master_key.as_ref().map(|k| k.read().expect("master key lock").clone())
    }

    /// Re-reads the master key file; true when it held a different key (a rotation happened).
    pub fn reload_master_key(&self) -> bool {
        let (Some(lock), Some(path)) = (&self.0.master_key, &self.0.master_key_file) else { return false };
        let Ok(fresh) = clearline_vault::MasterKey::load(path) else { return false };
        let mut current = lock.write().expect("master key lock");
        if current.fingerprint() == fresh.fingerprint() {
            return false;
        }
        *current = Arc::new(fresh);
        true
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

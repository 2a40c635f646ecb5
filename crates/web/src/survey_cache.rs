//! A survey's results as last loaded, kept per program while nothing they are read from changed.
//!
//! Loading them reads every case and every complete's answers (one row each, handed across the SQLite
//! driver's channel) and decrypts the answers: most of a report view's time. A view first reads the
//! program's stamp (`Store::survey_stamp`: its attempts' tallies, its answers, the campaign's people,
//! the script version; a few dozen rows) and reuses what was loaded for the same stamp — so the figures
//! are those a fresh load gives, never stale ones. The stamp is read through the store's capability
//! and tenant checks on every view, so a kept load is only ever handed to someone who may read it.
//!
//! Decrypted answers stay in memory no longer than [`KEEP`], and for at most [`PROGRAMS`] programs.

use clearline_core::{Actor, OrgId};
use clearline_ingest::keys::VaultSealer;
use clearline_ingest::survey_results::{load, SurveyData, SurveyError};
use clearline_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a load is kept after it was made, at most.
pub const KEEP: Duration = Duration::from_secs(60);
/// How many programs' loads are kept at once.
pub const PROGRAMS: usize = 16;

struct Kept {
    stamp: String,
    at: Instant,
    data: Arc<SurveyData>,
}

#[derive(Default)]
pub struct SurveyCache {
    kept: Mutex<HashMap<(OrgId, String), Kept>>,
}

impl SurveyCache {
    /// The program's survey data: the kept load when its stamp is the current one, else a fresh load
    /// (kept in turn).
    pub async fn load(
        &self,
        store: &Store,
        actor: &Actor,
        sealer: &VaultSealer,
        org: OrgId,
        slug: &str,
    ) -> Result<Arc<SurveyData>, SurveyError> {
        let stamp = store.survey_stamp(actor, slug).await?;
        let key = (org, slug.to_string());
        {
            let kept = self.kept.lock().expect("the survey cache's lock");
            if let Some(k) = kept.get(&key).filter(|k| k.stamp == stamp && k.at.elapsed() < KEEP) {
                return Ok(k.data.clone());
            }
        }
        let data = Arc::new(load(store, actor, sealer, slug).await?);
        let mut kept = self.kept.lock().expect("the survey cache's lock");
        kept.retain(|_, k| k.at.elapsed() < KEEP);
        if kept.len() >= PROGRAMS {
            if let Some(oldest) = kept.iter().min_by_key(|(_, k)| k.at).map(|(key, _)| key.clone()) {
                kept.remove(&oldest);
            }
        }
        kept.insert(key, Kept { stamp, at: Instant::now(), data: data.clone() });
        Ok(data)
    }
}

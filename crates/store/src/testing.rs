//! Fresh stores for tests: a temporary SQLite directory, or a PostgreSQL schema of its own.
//!
//! PostgreSQL tests read `CLEARLINE_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//! When the server cannot be reached they skip with a message naming it — except under `CI=true`, where
//! a missing service fails the test.

use crate::db::{Store, StoreConfig};
use std::path::PathBuf;

pub fn postgres_url() -> String {
    std::env::var("CLEARLINE_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A unique, valid schema name for one test.
pub fn unique_schema(prefix: &str) -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    // PostgreSQL truncates identifiers at 63 bytes: keep the prefix short so the random part survives.
    let prefix: String =
        prefix.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_").chars().take(32).collect();
    format!("t_{prefix}_{n:016x}")
}

/// Is PostgreSQL reachable? Under CI it must be: this panics instead of returning false.
pub async fn postgres_available() -> bool {
    let url = postgres_url();
    let ok = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&url).await.map(|_| ())
    })
    .await;
    match ok {
        Ok(Ok(())) => true,
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("PostgreSQL at {url} is required under CI=true but cannot be reached")
        }
        _ => {
            eprintln!("SKIPPED: PostgreSQL at {url} is not reachable (set CLEARLINE_TEST_DATABASE_URL)");
            false
        }
    }
}

/// A store config for a test: `Postgres` gets its own schema, `Sqlite` its own directory (kept alive
/// by the returned guard).
pub enum TestBackend {
    Sqlite,
    Postgres,
}

pub struct TestStore {
    pub config: StoreConfig,
    _dir: Option<tempfile_dir::TempDir>,
}

impl TestStore {
    pub async fn new(backend: TestBackend, name: &str) -> Option<TestStore> {
        match backend {
            TestBackend::Sqlite => {
                let dir = tempfile_dir::TempDir::new();
                Some(TestStore { config: StoreConfig::embedded(dir.path.clone()), _dir: Some(dir) })
            }
            TestBackend::Postgres => {
                if !postgres_available().await {
                    return None;
                }
                Some(TestStore {
                    config: StoreConfig {
                        data_dir: std::env::temp_dir(),
                        database_url: Some(postgres_url()),
                        postgres_schema: Some(unique_schema(name)),
                    },
                    _dir: None,
                })
            }
        }
    }

    pub async fn open(&self) -> Store {
        Store::open(&self.config).await.expect("test store opens")
    }
}

/// A minimal temporary directory, removed on drop (keeps `tempfile` out of the library's dependencies).
mod tempfile_dir {
    use super::PathBuf;

    pub struct TempDir {
        pub path: PathBuf,
    }

    impl TempDir {
        pub fn new() -> TempDir {
            use rand::Rng;
            let n: u64 = rand::thread_rng().gen();
            let path = std::env::temp_dir().join(format!("clearline-test-{n:016x}"));
            std::fs::create_dir_all(&path).expect("temp dir");
            TempDir { path }
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Runs raw SQL against a store's database with the audit trail's append-only guard lifted, standing
/// in for an attacker with direct database access (tests of `clearline audit verify`). Test use only.
pub async fn tamper(config: &StoreConfig, statements: &[&str]) -> Result<(), sqlx::Error> {
    use sqlx::{Connection, Executor};
    sqlx::any::install_default_drivers();
    let mut conn = match &config.database_url {
        None => {
            sqlx::AnyConnection::connect(&format!("sqlite://{}", config.data_dir.join("clearline.db").display()))
                .await?
        }
        Some(url) => sqlx::AnyConnection::connect(url).await?,
    };
    let lift: &[&str] = match (&config.database_url, &config.postgres_schema) {
        (None, _) => {
            &["DROP TRIGGER IF EXISTS audit_events_no_update", "DROP TRIGGER IF EXISTS audit_events_no_delete"]
        }
        (Some(_), _) => &["ALTER TABLE audit_events DISABLE TRIGGER USER"],
    };
    if let (Some(_), Some(schema)) = (&config.database_url, &config.postgres_schema) {
        conn.execute(format!("SET search_path TO {schema}").as_str()).await?;
    }
    for sql in lift.iter().chain(statements) {
        conn.execute(*sql).await?;
    }
    Ok(())
}

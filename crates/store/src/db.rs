//! Opening a store on either backend, migrations, and the write transaction that carries audit events.

use crate::error::{StoreError, StoreResult};
use crate::now_us;
use crate::signals::{Signal, Signals};
use clearline_core::audit::{canonical_details_text, chain_next, AuditEntry, AuditEvent};
use clearline_core::{Actor, OrgId};
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Any, AnyPool, Database, Executor, Postgres, Row, Sqlite, Transaction};
use std::path::{Path, PathBuf};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The `n`th (1-based) bind parameter: `$n` on PostgreSQL, an anonymous `?` on SQLite. In SQLite
    /// `$N` and `?N` are *named* parameters, and binding looks each name up by a linear scan
    /// (`sqlite3_bind_parameter_name`), quadratic over thousands of parameters; anonymous `?`s are
    /// bound by position, so they must appear in the SQL in binding order.
    pub(crate) fn param(self, n: usize) -> String {
        match self {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${n}"),
        }
    }
}

/// Where the data lives.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// The data directory; the SQLite database lives here when no database URL is given.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded database.
    pub database_url: Option<String>,
    /// PostgreSQL only: a schema to keep everything in (tests give each test its own).
    pub postgres_schema: Option<String>,
}

impl StoreConfig {
    pub fn embedded(data_dir: impl Into<PathBuf>) -> Self {
        StoreConfig { data_dir: data_dir.into(), database_url: None, postgres_schema: None }
    }

    pub fn backend(&self) -> Backend {
        match &self.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

/// The store. Cheap to clone; all clones share one pool and one signal hub.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    /// PostgreSQL only: typed connections to the same database and schema, for what the `Any` driver
    /// cannot do — `COPY … FROM STDIN`, which a voter import writes its rows with (`bulk_pg`). Opened
    /// lazily, so a node that never imports never holds one.
    pub(crate) pg: Option<PgPool>,
    /// SQLite only: the database file, which an import opens a connection of its own to
    /// ([`Store::write_sqlite_import`]).
    sqlite_path: Option<PathBuf>,
    pub(crate) backend: Backend,
    signals: Signals,
    deployment_org: OrgId,
}

impl Store {
    /// Opens (creating if needed) the database, runs pending migrations and starts the signal hub.
    pub async fn open(config: &StoreConfig) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = config.backend();
        let (pool, pg, signals, sqlite_path) = match backend {
            Backend::Sqlite => {
                let pool = open_sqlite(&config.data_dir).await?;
                SQLITE_MIGRATIONS.run(&pool).await?;
                (pool, None, Signals::in_process(), Some(sqlite_file(&config.data_dir)))
            }
            Backend::Postgres => {
                let url = config.database_url.clone().expect("postgres backend has a URL");
                let schema = config.postgres_schema.clone();
                let pool = open_postgres(&url, schema.as_deref()).await?;
                POSTGRES_MIGRATIONS.run(&pool).await?;
                let channel = match &schema {
                    Some(s) => format!("clearline_{s}"),
                    None => "clearline".to_string(),
                };
                let signals = Signals::postgres(&url, channel, pool.clone()).await?;
                let pg = open_postgres_typed(&url, schema.as_deref())?;
                (pool, Some(pg), signals, None)
            }
        };
        let mut store = Store { pool, pg, sqlite_path, backend, signals, deployment_org: OrgId(0) };
        store.deployment_org = store.ensure_deployment_org().await?;
        Ok(store)
    }

    /// Runs pending migrations and returns the versions applied now (for `clearline migrate`).
    pub async fn pending_migrations(config: &StoreConfig) -> StoreResult<Vec<i64>> {
        sqlx::any::install_default_drivers();
        let (pool, migrator) = match config.backend() {
            Backend::Sqlite => (open_sqlite(&config.data_dir).await?, &SQLITE_MIGRATIONS),
            Backend::Postgres => (
                open_postgres(config.database_url.as_deref().unwrap_or_default(), config.postgres_schema.as_deref())
                    .await?,
                &POSTGRES_MIGRATIONS,
            ),
        };
        let applied: Vec<i64> = match sqlx::query("SELECT version FROM _sqlx_migrations").fetch_all(&pool).await {
            Ok(rows) => rows.iter().map(|r| r.get::<i64, _>(0)).collect(),
            Err(_) => Vec::new(),
        };
        migrator.run(&pool).await?;
        Ok(migrator.iter().map(|m| m.version).filter(|v| !applied.contains(v)).collect())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn signals(&self) -> &Signals {
        &self.signals
    }

    /// The organization of the people who run this deployment (its chain records anonymous sign-in
    /// failures and deployment-level actions).
    pub fn deployment_org(&self) -> OrgId {
        self.deployment_org
    }

    /// Is the database reachable? (`/readyz`)
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(pg) = &self.pg {
            pg.close().await;
        }
    }

    async fn ensure_deployment_org(&self) -> StoreResult<OrgId> {
        if let Some(row) =
            sqlx::query("SELECT id FROM organizations WHERE kind = 'deployment'").fetch_optional(&self.pool).await?
        {
            return Ok(OrgId(row.get(0)));
        }
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO organizations (kind, slug, name, profile_json, created_at) \
             VALUES ('deployment', 'deployment', 'Deployment', NULL, $1) RETURNING id",
        )
        .bind(now_us())
        .fetch_one(&mut *tx.tx)
        .await?
        .get(0);
        let org = OrgId(id);
        tx.start_chain(org).await?;
        tx.audit(
            org,
            &Actor::system("bootstrap"),
            "organization.create",
            "organization",
            &id.to_string(),
            serde_json::json!({"kind": "deployment"}),
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Begins a write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`), so a
    /// transaction that reads before it writes cannot fail to upgrade under WAL.
    pub(crate) async fn write(&self) -> StoreResult<WriteTx> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, signals: Vec::new(), store_signals: self.signals.clone() })
    }

    /// Begins an import's write transaction on SQLite: like [`Store::write`], but on a typed connection
    /// of its own (a one-connection pool, closed when the import ends), with foreign-key enforcement off
    /// and a larger page cache.
    ///
    /// Why its own connection: SQLite compiles a multi-row `INSERT` into a table with immediate foreign
    /// keys to keep a statement journal (the statement might have to undo itself halfway), which copies
    /// out every table and index page the statement touches — 2.4 journal writes a row in a 100,000-row
    /// import (strace), most of the import's system time. `PRAGMA foreign_keys` cannot change inside a
    /// transaction and must never be off on a pooled connection, so the import gets a connection that
    /// nobody else ever uses. The import writes only references it has just checked or created (its
    /// campaign, its batch, its own people's ids); a contract test runs `PRAGMA foreign_key_check` after
    /// imports and re-imports. Typed rather than `Any`, since it is opened apart from the pool anyway:
    /// values are moved into the statement instead of copied once more (no measurable change in the
    /// import's time). WAL, `synchronous` and the busy timeout are the pool's (see `open_sqlite`).
    pub(crate) async fn write_sqlite_import(&self) -> StoreResult<(SqlitePool, WriteTx<Sqlite>)> {
        let path = self.sqlite_path.as_ref().ok_or_else(|| StoreError::Other("not a SQLite store".into()))?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(false)
            // Enough for the hot index pages of a few million people, so inserts do not re-read them
            // from the WAL (KiB, negative). The pool's connections keep 32 MiB.
            .pragma("cache_size", format!("-{IMPORT_CACHE_KIB}"));
        let pool = SqlitePoolOptions::new().max_connections(1).min_connections(0).connect_with(options).await?;
        let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok((pool, WriteTx { tx, signals: Vec::new(), store_signals: self.signals.clone() }))
    }

    /// Begins a write transaction on a typed PostgreSQL connection (see [`Store::pg`]).
    pub(crate) async fn write_pg(&self) -> StoreResult<WriteTx<Postgres>> {
        let pool = self.pg.as_ref().ok_or_else(|| StoreError::Other("not a PostgreSQL store".into()))?;
        let tx = pool.begin().await?;
        Ok(WriteTx { tx, signals: Vec::new(), store_signals: self.signals.clone() })
    }
}

/// The embedded database's file in a data directory.
fn sqlite_file(data_dir: &Path) -> PathBuf {
    data_dir.join("clearline.db")
}

/// SQLite page cache while an import runs, in KiB (see [`Store::write_sqlite_import`]).
const IMPORT_CACHE_KIB: u32 = 65_536;

async fn open_sqlite(data_dir: &Path) -> StoreResult<AnyPool> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| StoreError::Other(format!("cannot create data directory {}: {e}", data_dir.display())))?;
    let path = sqlite_file(data_dir);
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // cache_size: 32 MiB (negative = KiB) instead of SQLite's 2 MiB, so bulk imports keep
                // their index pages in memory; it grows only as pages are used.
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -32768;",
                )
                .await?;
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    Ok(pool)
}

async fn open_postgres(url: &str, schema: Option<&str>) -> StoreResult<AnyPool> {
    if let Some(schema) = schema {
        if !schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(StoreError::Other("schema names are lower-case letters, digits and '_'".into()));
        }
        let bootstrap = AnyPoolOptions::new().max_connections(1).connect(url).await?;
        bootstrap.execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}").as_str()).await?;
        bootstrap.close().await;
    }
    let search_path = schema.map(|s| format!("SET search_path TO {s}"));
    let pool = AnyPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _meta| {
            let search_path = search_path.clone();
            Box::pin(async move {
                if let Some(sql) = search_path {
                    conn.execute(sql.as_str()).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?;
    Ok(pool)
}

/// Typed PostgreSQL connections with the same search path as the `Any` pool. A few per node: only
/// imports use them, one connection each.
fn open_postgres_typed(url: &str, schema: Option<&str>) -> StoreResult<PgPool> {
    let search_path = schema.map(|s| format!("SET search_path TO {s}"));
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _meta| {
            let search_path = search_path.clone();
            Box::pin(async move {
                if let Some(sql) = search_path {
                    conn.execute(sql.as_str()).await?;
                }
                Ok(())
            })
        })
        .connect_lazy(url)?;
    Ok(pool)
}

/// A write transaction: the change and its audit events commit together, and signals go out after.
/// Nearly always on the `Any` pool; an import on PostgreSQL runs on a typed connection (`Postgres`)
/// so it can `COPY`, with the same audit append.
pub(crate) struct WriteTx<DB: Database = Any> {
    pub(crate) tx: Transaction<'static, DB>,
    signals: Vec<Signal>,
    store_signals: Signals,
}

impl WriteTx {
    /// Creates the head of a new organization's chain.
    pub(crate) async fn start_chain(&mut self, org: OrgId) -> StoreResult<()> {
        sqlx::query("INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, $2)")
            .bind(org.0)
            .bind(clearline_core::audit::GENESIS_HASH)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

/// The audit append, written once and compiled for both kinds of connection.
macro_rules! audit_append {
    ($db:ty) => {
        impl WriteTx<$db> {
            /// Appends an event to `org`'s chain inside this transaction. Taking the head row with an UPDATE
            /// serializes appenders on PostgreSQL (row lock) and SQLite (write lock): the sequence stays gapless.
            pub(crate) async fn audit(
                &mut self,
                org: OrgId,
                actor: &Actor,
                action: &str,
                object_type: &str,
                object_id: &str,
                details: serde_json::Value,
            ) -> StoreResult<AuditEvent> {
                let head = sqlx::query("UPDATE audit_heads SET seq = seq + 1 WHERE org_id = $1 RETURNING seq, hash")
                    .bind(org.0)
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let (seq, prev_hash): (i64, String) = (head.get(0), head.get(1));
                let entry = AuditEntry {
                    occurred_at_us: now_us(),
                    actor: actor.audit_name(),
                    actor_org: actor.principal().map(|p| p.org_id),
                    action: action.to_string(),
                    object_type: object_type.to_string(),
                    object_id: object_id.to_string(),
                    source: actor.source().to_string(),
                    details,
                };
                let prev = if seq == 1 { None } else { Some((seq - 1, prev_hash.as_str())) };
                let event = chain_next(org, prev, entry);
                debug_assert_eq!(event.seq, seq);
                sqlx::query(
                    "INSERT INTO audit_events (org_id, seq, occurred_at, actor, actor_org, action, object_type, \
                     object_id, source, details, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(org.0)
                .bind(event.seq)
                .bind(event.entry.occurred_at_us)
                .bind(&event.entry.actor)
                .bind(event.entry.actor_org.map(|o| o.0))
                .bind(&event.entry.action)
                .bind(&event.entry.object_type)
                .bind(&event.entry.object_id)
                .bind(&event.entry.source)
                .bind(canonical_details_text(&event.entry.details))
                .bind(&event.prev_hash)
                .bind(&event.hash)
                .execute(&mut *self.tx)
                .await?;
                sqlx::query("UPDATE audit_heads SET hash = $1 WHERE org_id = $2")
                    .bind(&event.hash)
                    .bind(org.0)
                    .execute(&mut *self.tx)
                    .await?;
                self.signals.push(Signal { org_id: Some(org), topic: "audit".into(), object: event.seq.to_string() });
                Ok(event)
            }
        }
    };
}
audit_append!(Any);
audit_append!(Postgres);
audit_append!(Sqlite);

impl<DB: Database> WriteTx<DB> {
    /// Queues a signal to publish once the transaction commits.
    pub(crate) fn signal(&mut self, signal: Signal) {
        self.signals.push(signal);
    }

    pub(crate) async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        for signal in self.signals {
            self.store_signals.publish(signal).await;
        }
        Ok(())
    }
}

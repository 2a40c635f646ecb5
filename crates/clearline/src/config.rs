//! Configuration in layers: defaults < clearline.toml < CLEARLINE_* environment variables < flags.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the embedded database, keys and demo credentials live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite database.
    pub database_url: Option<String>,
    /// Address `serve` and `demo` listen on.
    pub listen: String,
    /// Mark cookies Secure (when served over TLS).
    pub secure_cookies: bool,
    /// Trust X-Forwarded-For (only behind your own reverse proxy).
    pub trust_forwarded_for: bool,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// `text` or `json` logs.
    pub log_format: String,
    /// The Ed25519 key that signs daily audit checkpoints (created on first use).
    pub audit_signing_key: Option<PathBuf>,
    /// The master key file (wraps every campaign's data keys); CLEARLINE_MASTER_KEY (hex) overrides it.
    pub master_key_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./clearline-data"),
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
            trust_forwarded_for: false,
            max_body_bytes: 1024 * 1024,
            log_format: "text".into(),
            audit_signing_key: None,
            master_key_file: None,
        }
    }
}

/// Never shows the database URL: it may hold a password.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_ref().map(|_| "<redacted>"))
            .field("listen", &self.listen)
            .field("secure_cookies", &self.secure_cookies)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("log_format", &self.log_format)
            .field("audit_signing_key", &self.audit_signing_key)
            .field("master_key_file", &self.master_key_file)
            .finish()
    }
}

/// The settings an environment variable may set (`CLEARLINE_LISTEN`, …); other CLEARLINE_* variables
/// belong to tests and tools.
const ENV_KEYS: [&str; 9] = [
    "data_dir",
    "database_url",
    "listen",
    "secure_cookies",
    "trust_forwarded_for",
    "max_body_bytes",
    "log_format",
    "audit_signing_key",
    "master_key_file",
];

/// Flags that override the layers below them (only those given).
#[derive(Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
}

impl Config {
    /// Loads the layers. `file` is `--config`, else `./clearline.toml` when present.
    pub fn load(file: Option<&Path>, flags: FlagOverrides) -> Result<Config, String> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(format!("config file {} does not exist", path.display()));
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("clearline.toml")),
        }
        figment = figment.merge(Env::prefixed("CLEARLINE_").only(&ENV_KEYS)).merge(Serialized::defaults(flags));
        figment.extract().map_err(|e| format!("configuration: {e}"))
    }

    pub fn signing_key_path(&self) -> PathBuf {
        self.audit_signing_key.clone().unwrap_or_else(|| self.data_dir.join("audit-signing.key"))
    }

    pub fn master_key_path(&self) -> PathBuf {
        self.master_key_file.clone().unwrap_or_else(|| self.data_dir.join("master.key"))
    }

    pub fn store_config(&self) -> clearline_store::StoreConfig {
        clearline_store::StoreConfig {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            postgres_schema: std::env::var("CLEARLINE_POSTGRES_SCHEMA").ok(),
        }
    }
}

/// `clearline config example`.
pub const EXAMPLE: &str = r#"# clearline.toml — every setting, with its default.
# Layers: these defaults < this file < CLEARLINE_* environment variables (e.g. CLEARLINE_LISTEN) < flags.

# Where the embedded SQLite database, the audit signing key and the demo credentials live.
data_dir = "./clearline-data"

# Use PostgreSQL instead of the embedded database, e.g. "postgres://clearline@db.internal/clearline".
# Several `clearline serve` processes may share one PostgreSQL. Never printed or logged.
# database_url = "postgres://user:password@host:5432/clearline"

# Address to serve on.
listen = "127.0.0.1:8080"

# Mark cookies Secure. Set to true whenever Clearline is reached over https (directly or via a proxy).
secure_cookies = false

# Believe X-Forwarded-For for the client address. Only behind a reverse proxy you run: site network
# rules (which networks a vendor's agents may sign in from) depend on the true client address.
trust_forwarded_for = false

# Largest request body accepted, in bytes.
max_body_bytes = 1048576

# Log format: "text" or "json". Logs never contain passwords, tokens, secrets or personal data.
log_format = "text"

# The Ed25519 key that signs the daily audit checkpoints; created on first use (mode 0600).
# All nodes of a PostgreSQL deployment should share it. Default: <data_dir>/audit-signing.key
# audit_signing_key = "/etc/clearline/audit-signing.key"

# The master key that wraps every campaign's data keys (personal data is encrypted under those).
# Created on first use (mode 0600). CLEARLINE_MASTER_KEY (64 hex digits) takes precedence over the file.
# Keep it off the database's backups; `clearline keys backup` makes a passphrase-protected copy of the
# data keys for the day it is lost. Default: <data_dir>/master.key
# master_key_file = "/etc/clearline/master.key"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses_to_the_defaults() {
        let parsed: Config = toml::from_str(EXAMPLE).unwrap();
        let d = Config::default();
        assert_eq!(parsed.data_dir, d.data_dir);
        assert_eq!(parsed.listen, d.listen);
        assert_eq!(parsed.max_body_bytes, d.max_body_bytes);
    }

    #[test]
    fn debug_never_shows_the_database_url() {
        let c = Config { database_url: Some("postgres://u:hunter2@h/db".into()), ..Config::default() };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\ndata_dir = \"/from-file\"\n").unwrap();
        let c = Config::load(Some(&file), FlagOverrides::default()).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000");
        let c = Config::load(Some(&file), FlagOverrides { data_dir: Some("/from-flag".into()), ..Default::default() })
            .unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/from-flag"));
        assert_eq!(c.listen, "127.0.0.1:9000");
        std::fs::write(&file, "nonsense_key = 1\n").unwrap();
        assert!(Config::load(Some(&file), FlagOverrides::default()).unwrap_err().contains("nonsense_key"));
    }
}

//! The master key (which wraps every campaign's data keys) and `clearline keys rotate|backup|restore`.

use crate::config::Config;
use anyhow::{bail, Context};
use clearline_core::{Actor, OrgId};
use clearline_ingest::keys::{decode_wrapped, encode_wrapped};
use clearline_store::Store;
use clearline_vault::MasterKey;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const MASTER_KEY_ENV: &str = "CLEARLINE_MASTER_KEY";
const PASSPHRASE_ENV: &str = "CLEARLINE_BACKUP_PASSPHRASE";

/// The deployment's master key: `CLEARLINE_MASTER_KEY` (hex), else the key file, created on first use.
pub fn master_key(config: &Config) -> anyhow::Result<MasterKey> {
    if let Some(key) = MasterKey::from_env(MASTER_KEY_ENV).context("reading CLEARLINE_MASTER_KEY")? {
        return Ok(key);
    }
    let path = config.master_key_path();
    let (key, created) = MasterKey::load_or_create(&path).with_context(|| format!("master key {}", path.display()))?;
    if created {
        eprintln!(
            "Created a new master key at {} (mode 0600). Keep a copy, or run `clearline keys backup`: \
             without it no campaign's personal data can be read.",
            path.display()
        );
    }
    Ok(key)
}

/// The campaign's sealer for an import (creating the campaign's first data key if needed).
pub async fn campaign_sealer(
    config: &Config,
    store: &Store,
    actor: &Actor,
    campaign: OrgId,
) -> anyhow::Result<clearline_ingest::keys::VaultSealer> {
    let master = master_key(config)?;
    Ok(clearline_ingest::keys::campaign_sealer(store, actor, campaign, &master).await?)
}

fn passphrase(file: Option<&Path>) -> anyhow::Result<String> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok(text.trim_end_matches(['\n', '\r']).to_string());
    }
    match std::env::var(PASSPHRASE_ENV) {
        Ok(p) => Ok(p),
        Err(_) => bail!("give the backup passphrase with --passphrase-file FILE or {PASSPHRASE_ENV}"),
    }
}

/// `clearline keys rotate`: a new master key; every data key re-wrapped under it in one transaction.
/// The new key is written beside the old one first, so a crash never leaves data without its key.
pub async fn rotate(config: &Config, store: &Store, json: bool) -> anyhow::Result<ExitCode> {
    if std::env::var(MASTER_KEY_ENV).is_ok() {
        eprintln!(
            "error: the master key comes from {MASTER_KEY_ENV}; rotate a file-based key, or set the new value yourself"
        );
        return Ok(ExitCode::from(2));
    }
    let old = master_key(config)?;
    let path = config.master_key_path();
    let next_path = with_suffix(&path, "next");
    // Written (mode 0600) before anything is re-wrapped; a rotation that crashed is resumed with it.
    let (new, _) = MasterKey::load_or_create(&next_path).with_context(|| format!("writing {}", next_path.display()))?;
    let system = Actor::system("keys-rotate");
    let mut rewrapped = Vec::new();
    for (campaign, version, text) in store.all_campaign_keys(&system).await? {
        let wrapped = decode_wrapped(&text)?;
        let again = clearline_vault::rewrap(&old, &new, &wrapped, campaign.0)?;
        rewrapped.push((campaign, version, encode_wrapped(&again)));
    }
    store.replace_wrapped_keys(&system, &rewrapped, "keys.rotate_master").await?;
    let previous = with_suffix(&path, "previous");
    std::fs::rename(&path, &previous).with_context(|| format!("keeping the old key as {}", previous.display()))?;
    std::fs::rename(&next_path, &path).with_context(|| format!("installing the new key at {}", path.display()))?;
    if json {
        println!("{}", serde_json::json!({"rewrapped": rewrapped.len(), "master_key": path.display().to_string()}));
    } else {
        println!(
            "Re-wrapped {} data key(s) under a new master key at {}. The old key is kept at {} until you delete it.",
            rewrapped.len(),
            path.display(),
            previous.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `clearline keys backup --out FILE`: every data key, protected by a passphrase instead of the master.
pub async fn backup(
    config: &Config,
    store: &Store,
    out: &Path,
    passphrase_file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let pass = passphrase(passphrase_file)?;
    let master = master_key(config)?;
    let keys: Vec<(i64, clearline_vault::WrappedKey)> = store
        .all_campaign_keys(&Actor::system("keys-backup"))
        .await?
        .into_iter()
        .map(|(campaign, _, text)| decode_wrapped(&text).map(|w| (campaign.0, w)))
        .collect::<Result<_, _>>()?;
    let bytes = clearline_vault::backup(&keys, &master, &pass)?;
    let text = String::from_utf8(bytes).context("the key backup is JSON text")?;
    crate::keys::write_private(out, &text).with_context(|| format!("writing {}", out.display()))?;
    println!("Backed up {} data key(s) to {}. Keep it and its passphrase apart.", keys.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

/// `clearline keys restore FILE`: after losing the master key, re-wrap the backed-up data keys under this
/// data directory's (new) master key.
pub async fn restore(
    config: &Config,
    store: &Store,
    file: &Path,
    passphrase_file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let pass = passphrase(passphrase_file)?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let master = master_key(config)?;
    let restored = match clearline_vault::restore(&bytes, &pass, &master) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let rows: Vec<(OrgId, u32, String)> =
        restored.iter().map(|(campaign, w)| (OrgId(*campaign), w.key_version(), encode_wrapped(w))).collect();
    store.replace_wrapped_keys(&Actor::system("keys-restore"), &rows, "keys.restore").await?;
    println!("Restored {} data key(s) under the master key at {}.", rows.len(), config.master_key_path().display());
    Ok(ExitCode::SUCCESS)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{suffix}"));
    path.with_file_name(name)
}

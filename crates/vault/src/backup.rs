//! Key backup and restore: the campaigns' data keys, encrypted under a passphrase, in a file an operator
//! keeps apart from the master key. It answers the one disaster encryption adds — a lost master key.

use crate::error::{Result, VaultError};
use crate::keys::{DataKey, WrappedKey, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::master::{KeyFingerprint, MasterKey};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use zeroize::Zeroizing;

/// The shortest passphrase [`backup`] accepts, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

const FORMAT: &str = "clearline-key-backup";
const FORMAT_VERSION: u32 = 1;
const CIPHER: &str = "xchacha20poly1305";
const KDF: &str = "argon2id";
const ABOUT: &str = "Clearline campaign data keys, each encrypted with XChaCha20-Poly1305 under a key derived from a \
                     passphrase with argon2id. Restore them under a new master key with the passphrase. Keep this \
                     file and the passphrase apart.";
const AAD_LABEL: &[u8] = b"clearline key backup v1\0";
const SALT_LEN: usize = 16;

/// Argon2id cost written into new backups: 64 MiB, 3 passes, 4 lanes (RFC 9106's second recommendation).
const MEMORY_KIB: u32 = 64 * 1024;
const ITERATIONS: u32 = 3;
const PARALLELISM: u32 = 4;
/// Upper bounds accepted when restoring, so a doctored file cannot demand unbounded memory or time.
const MAX_MEMORY_KIB: u32 = 2 * 1024 * 1024;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 64;

#[derive(Serialize, Deserialize)]
struct BackupFile {
    format: String,
    format_version: u32,
    about: String,
    /// The master key that wrapped the keys when they were backed up (informational).
    master_fingerprint: String,
    kdf: KdfParams,
    cipher: String,
    /// Nonce ‖ tag of an empty message whose associated data lists every entry: verifies the passphrase
    /// and that no entry was added, removed or reordered.
    check: String,
    keys: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct KdfParams {
    algorithm: String,
    version: u32,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    campaign_id: i64,
    key_version: u32,
    nonce: String,
    /// The data key's ciphertext and tag.
    ciphertext: String,
}

#[derive(Deserialize)]
struct Preamble {
    format: Option<String>,
    format_version: Option<u32>,
}

/// Writes a key backup: every `(campaign id, wrapped key)` is unwrapped with `master` and encrypted again
/// under a key derived from `passphrase` with argon2id (salt and cost parameters stored in the file).
///
/// The file is JSON: `format` = `"clearline-key-backup"`, `format_version` = 1, the argon2id parameters and
/// salt, the fingerprint of `master`, a check value, and one entry per key (campaign id, key version,
/// nonce, ciphertext). Refuses a passphrase shorter than [`MIN_PASSPHRASE_CHARS`] characters, a key
/// listed twice, and keys that `master` cannot unwrap.
pub fn backup(keys: &[(i64, WrappedKey)], master: &MasterKey, passphrase: &str) -> Result<Vec<u8>> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(VaultError::PassphraseTooShort { min: MIN_PASSPHRASE_CHARS });
    }
    let mut seen = BTreeSet::new();
    for (campaign_id, wrapped) in keys {
        if !seen.insert((*campaign_id, wrapped.key_version())) {
            return Err(VaultError::DuplicateKeyVersion {
                campaign_id: *campaign_id,
                key_version: wrapped.key_version(),
            });
        }
    }
    let data_keys = keys.iter().map(|(c, w)| master.unwrap(w, *c)).collect::<Result<Vec<_>>>()?;

    let mut salt = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    let header = Header {
        memory_kib: MEMORY_KIB,
        iterations: ITERATIONS,
        parallelism: PARALLELISM,
        salt: &salt,
        fingerprint: master.fingerprint(),
    };
    let cipher = header.cipher(passphrase)?;
    let ids: Vec<(i64, u32)> = keys.iter().map(|(c, w)| (*c, w.key_version())).collect();

    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let tag = cipher
        .encrypt_in_place_detached(XNonce::from_slice(&nonce), &header.check_aad(&ids), &mut [])
        .expect("an empty message is within limits");
    let check = STANDARD.encode([&nonce[..], &tag[..]].concat());

    let entries = ids
        .iter()
        .zip(&data_keys)
        .map(|(&(campaign_id, key_version), key)| {
            let mut nonce = [0u8; NONCE_LEN];
            OsRng.fill_bytes(&mut nonce);
            let mut sealed = Zeroizing::new([0u8; KEY_LEN + TAG_LEN]);
            sealed[..KEY_LEN].copy_from_slice(key.bytes());
            let aad = header.entry_aad(campaign_id, key_version);
            let tag = cipher
                .encrypt_in_place_detached(XNonce::from_slice(&nonce), &aad, &mut sealed[..KEY_LEN])
                .expect("a 32-byte message is within limits");
            sealed[KEY_LEN..].copy_from_slice(&tag);
            Entry { campaign_id, key_version, nonce: STANDARD.encode(nonce), ciphertext: STANDARD.encode(&sealed[..]) }
        })
        .collect();

    let file = BackupFile {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        about: ABOUT.into(),
        master_fingerprint: master.fingerprint().to_string(),
        kdf: KdfParams {
            algorithm: KDF.into(),
            version: Version::V0x13 as u32,
            memory_kib: MEMORY_KIB,
            iterations: ITERATIONS,
            parallelism: PARALLELISM,
            salt: STANDARD.encode(salt),
        },
        cipher: CIPHER.into(),
        check,
        keys: entries,
    };
    let mut out = serde_json::to_vec_pretty(&file).expect("a backup serializes");
    out.push(b'\n');
    Ok(out)
}

/// Reads a key backup made by [`backup`] and returns its keys wrapped under `new_master`, as
/// `(campaign id, wrapped key)` in the file's order, with their original key versions.
///
/// A wrong passphrase, or any alteration of the file (an entry added, removed, reordered or changed, a
/// parameter changed), is an error, never a panic; so is a file demanding more than 2 GiB or 64 passes
/// of argon2id.
pub fn restore(file: &[u8], passphrase: &str, new_master: &MasterKey) -> Result<Vec<(i64, WrappedKey)>> {
    let malformed = |reason: &str| VaultError::MalformedBackup { reason: reason.to_string() };
    let json_error = |e: serde_json::Error| VaultError::MalformedBackup {
        reason: format!("unexpected content at line {} column {}", e.line(), e.column()),
    };
    let preamble: Preamble = serde_json::from_slice(file).map_err(json_error)?;
    if preamble.format.as_deref() != Some(FORMAT) {
        return Err(malformed("it does not say it is a clearline-key-backup"));
    }
    match preamble.format_version {
        Some(FORMAT_VERSION) => {}
        Some(other) => return Err(VaultError::UnsupportedFormat { what: "key backup", version: other }),
        None => return Err(malformed("it has no format_version")),
    }
    let parsed: BackupFile = serde_json::from_slice(file).map_err(json_error)?;
    if parsed.cipher != CIPHER {
        return Err(malformed("unknown cipher"));
    }
    let kdf = &parsed.kdf;
    if kdf.algorithm != KDF || kdf.version != Version::V0x13 as u32 {
        return Err(malformed("unknown key-derivation function"));
    }
    if kdf.memory_kib > MAX_MEMORY_KIB || kdf.iterations > MAX_ITERATIONS || kdf.parallelism > MAX_PARALLELISM {
        return Err(VaultError::BackupParameters);
    }
    let salt = STANDARD.decode(&kdf.salt).map_err(|_| malformed("salt is not base64"))?;
    if !(8..=64).contains(&salt.len()) {
        return Err(malformed("salt has the wrong length"));
    }
    let fingerprint = decode_array::<8>(&hex_decode(&parsed.master_fingerprint)?)
        .ok_or_else(|| malformed("master_fingerprint has the wrong length"))?;
    let check = STANDARD.decode(&parsed.check).map_err(|_| malformed("check is not base64"))?;
    if check.len() != NONCE_LEN + TAG_LEN {
        return Err(malformed("check has the wrong length"));
    }

    struct Sealed {
        campaign_id: i64,
        key_version: u32,
        nonce: [u8; NONCE_LEN],
        sealed: Zeroizing<[u8; KEY_LEN + TAG_LEN]>,
    }
    let mut seen = BTreeSet::new();
    let mut entries = Vec::with_capacity(parsed.keys.len());
    for e in &parsed.keys {
        if !seen.insert((e.campaign_id, e.key_version)) {
            return Err(malformed("a key is listed twice"));
        }
        let nonce = STANDARD.decode(&e.nonce).ok().and_then(|n| decode_array::<NONCE_LEN>(&n));
        let sealed = STANDARD.decode(&e.ciphertext).ok().and_then(|c| decode_array::<{ KEY_LEN + TAG_LEN }>(&c));
        let (Some(nonce), Some(sealed)) = (nonce, sealed) else {
            return Err(malformed("an entry's nonce or ciphertext is not base64 of the right length"));
        };
        entries.push(Sealed {
            campaign_id: e.campaign_id,
            key_version: e.key_version,
            nonce,
            sealed: Zeroizing::new(sealed),
        });
    }

    let header = Header {
        memory_kib: kdf.memory_kib,
        iterations: kdf.iterations,
        parallelism: kdf.parallelism,
        salt: &salt,
        fingerprint: KeyFingerprint(fingerprint),
    };
    let cipher = header.cipher(passphrase)?;
    let ids: Vec<(i64, u32)> = entries.iter().map(|e| (e.campaign_id, e.key_version)).collect();
    let (check_nonce, check_tag) = check.split_at(NONCE_LEN);
    cipher
        .decrypt_in_place_detached(XNonce::from_slice(check_nonce), &header.check_aad(&ids), &mut [], check_tag.into())
        .map_err(|_| VaultError::WrongPassphrase)?;

    entries
        .iter()
        .map(|e| {
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            key.copy_from_slice(&e.sealed[..KEY_LEN]);
            let aad = header.entry_aad(e.campaign_id, e.key_version);
            cipher
                .decrypt_in_place_detached(XNonce::from_slice(&e.nonce), &aad, &mut key[..], e.sealed[KEY_LEN..].into())
                .map_err(|_| VaultError::BackupEntryCorrupt {
                    campaign_id: e.campaign_id,
                    key_version: e.key_version,
                })?;
            let data_key = DataKey::from_bytes(*key);
            Ok((e.campaign_id, new_master.wrap(&data_key, e.campaign_id, e.key_version)))
        })
        .collect()
}

/// The authenticated description of a backup: everything the keys' protection depends on.
struct Header<'a> {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: &'a [u8],
    fingerprint: KeyFingerprint,
}

impl Header<'_> {
    fn cipher(&self, passphrase: &str) -> Result<XChaCha20Poly1305> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(KEY_LEN))
            .map_err(|_| VaultError::BackupParameters)?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase.as_bytes(), self.salt, &mut key[..])
            .map_err(|_| VaultError::BackupParameters)?;
        Ok(XChaCha20Poly1305::new((&*key).into()))
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(AAD_LABEL);
        out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        out.extend_from_slice(&(Version::V0x13 as u32).to_be_bytes());
        out.extend_from_slice(&self.memory_kib.to_be_bytes());
        out.extend_from_slice(&self.iterations.to_be_bytes());
        out.extend_from_slice(&self.parallelism.to_be_bytes());
        out.push(self.salt.len() as u8);
        out.extend_from_slice(self.salt);
        out.extend_from_slice(&self.fingerprint.0);
        out
    }

    fn check_aad(&self, ids: &[(i64, u32)]) -> Vec<u8> {
        let mut out = self.bytes();
        out.push(0);
        out.extend_from_slice(&(ids.len() as u64).to_be_bytes());
        for (campaign_id, key_version) in ids {
            out.extend_from_slice(&campaign_id.to_be_bytes());
            out.extend_from_slice(&key_version.to_be_bytes());
        }
        out
    }

    fn entry_aad(&self, campaign_id: i64, key_version: u32) -> Vec<u8> {
        let mut out = self.bytes();
        out.push(1);
        out.extend_from_slice(&campaign_id.to_be_bytes());
        out.extend_from_slice(&key_version.to_be_bytes());
        out
    }
}

fn hex_decode(text: &str) -> Result<Vec<u8>> {
    hex::decode(text)
        .map_err(|_| VaultError::MalformedBackup { reason: "master_fingerprint is not hexadecimal".into() })
}

fn decode_array<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    bytes.try_into().ok()
}

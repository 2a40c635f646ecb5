//! The one error type of the vault.
//!
//! Messages are plain and carry identifiers only (a campaign id, a key version, a field name, a file path,
//! a key fingerprint) — never a key, a passphrase, a plaintext or a ciphertext.

use crate::master::KeyFingerprint;
use std::path::PathBuf;

/// Everything that can go wrong in the vault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// A master key given as text was not 64 hexadecimal characters.
    #[error("a master key must be 64 hexadecimal characters (32 bytes) on one line")]
    MasterKeyFormat,

    /// The master key file could not be read or written.
    #[error("master key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// The master key file exists but does not hold a master key.
    #[error("master key file {path} does not hold a master key (64 hexadecimal characters on one line)")]
    KeyFileFormat {
        /// The file.
        path: PathBuf,
    },

    /// An environment variable meant to hold a master key is not valid text.
    #[error("environment variable {name} is not valid text")]
    Environment {
        /// The variable's name.
        name: String,
    },

    /// A wrapped key was wrapped by another master key than the one offered.
    #[error("this data key was wrapped by master key {wrapped_by}, not by master key {offered}")]
    WrongMasterKey {
        /// Fingerprint recorded in the wrapped key.
        wrapped_by: KeyFingerprint,
        /// Fingerprint of the master key offered to unwrap it.
        offered: KeyFingerprint,
    },

    /// A wrapped key failed to authenticate.
    #[error("the wrapped data key does not belong to campaign {campaign_id} (version {key_version}), or it has been altered")]
    UnwrapFailed {
        /// The campaign the caller said the key belongs to.
        campaign_id: i64,
        /// The key version recorded in the wrapped key.
        key_version: u32,
    },

    /// A wrapped key (bytes or text) has the wrong length or encoding.
    #[error("malformed wrapped key: {reason}")]
    MalformedWrappedKey {
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A format byte or version this build does not know.
    #[error("unsupported {what} format version {version}")]
    UnsupportedFormat {
        /// Which format ("ciphertext", "wrapped key", "key backup").
        what: &'static str,
        /// The version found.
        version: u32,
    },

    /// A ciphertext too short to hold a header, a nonce and a tag.
    #[error("ciphertext for field {field} is malformed (too short)")]
    MalformedCiphertext {
        /// The field (column) name the caller decrypted for.
        field: String,
    },

    /// A ciphertext names a key version the key ring does not hold.
    #[error("campaign {campaign_id} has no data key version {key_version}")]
    UnknownKeyVersion {
        /// The key ring's campaign.
        campaign_id: i64,
        /// The version recorded in the ciphertext.
        key_version: u32,
    },

    /// A ciphertext failed to authenticate.
    #[error(
        "ciphertext for field {field} does not belong to campaign {campaign_id} and this field, or it has been altered"
    )]
    DecryptionFailed {
        /// The key ring's campaign.
        campaign_id: i64,
        /// The field (column) name the caller decrypted for.
        field: String,
    },

    /// A key ring was built from no keys.
    #[error("campaign {campaign_id} has no data keys")]
    EmptyKeyRing {
        /// The campaign.
        campaign_id: i64,
    },

    /// Two keys with the same campaign and version.
    #[error("campaign {campaign_id} has data key version {key_version} more than once")]
    DuplicateKeyVersion {
        /// The campaign.
        campaign_id: i64,
        /// The repeated version.
        key_version: u32,
    },

    /// The key ring lacks the campaign's first data key, from which the blind-index key is derived.
    #[error("campaign {campaign_id}'s key ring lacks data key version 1, from which its blind-index key is derived")]
    MissingIndexKey {
        /// The campaign.
        campaign_id: i64,
    },

    /// No key version is left after `u32::MAX`.
    #[error("campaign {campaign_id} has used every data key version")]
    KeyVersionExhausted {
        /// The campaign.
        campaign_id: i64,
    },

    /// A backup passphrase shorter than the minimum.
    #[error("a backup passphrase must be at least {min} characters long")]
    PassphraseTooShort {
        /// The minimum number of characters.
        min: usize,
    },

    /// The backup's check value did not verify: the passphrase is wrong or the file was altered.
    #[error("wrong passphrase for this key backup, or the backup file has been altered")]
    WrongPassphrase,

    /// The file is not a key backup this build can read.
    #[error("not a valid Clearline key backup: {reason}")]
    MalformedBackup {
        /// What is wrong with it.
        reason: String,
    },

    /// The backup's key-derivation parameters are out of the accepted range.
    #[error("the key backup's key-derivation parameters are out of the accepted range")]
    BackupParameters,

    /// One key in a backup failed to authenticate although the passphrase is right.
    #[error("the key backup's entry for campaign {campaign_id} version {key_version} has been altered or damaged")]
    BackupEntryCorrupt {
        /// The entry's campaign.
        campaign_id: i64,
        /// The entry's key version.
        key_version: u32,
    },
}

/// Results of the vault.
pub type Result<T, E = VaultError> = std::result::Result<T, E>;

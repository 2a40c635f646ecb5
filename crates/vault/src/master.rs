//! The master key: 32 random bytes held by the operator, outside the database, that wrap every campaign's
//! data keys.

use crate::error::{Result, VaultError};
use crate::keys::{DataKey, WrappedKey, KEY_LEN};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305};
use hkdf::Hkdf;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::Path;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

const FINGERPRINT_LABEL: &[u8] = b"clearline master key fingerprint v1";
const WRAPPING_INFO: &[u8] = b"clearline key wrapping v1";

/// A short, non-secret identifier of a master key: the first 8 bytes of
/// SHA-256("clearline master key fingerprint v1" ‖ key), shown as 16 hexadecimal characters.
///
/// Every wrapped key records the fingerprint of the master key that wrapped it, so "which key do I need?"
/// has an answer. It reveals nothing usable about the key (a preimage of SHA-256).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyFingerprint(pub [u8; 8]);

impl fmt::Display for KeyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyFingerprint({self})")
    }
}

/// The deployment's master key. Zeroized when dropped; its `Debug` prints `<redacted>`.
///
/// It is never used directly as a cipher key: wrapping uses a key derived from it with HKDF-SHA256
/// (info "clearline key wrapping v1").
pub struct MasterKey {
    key: [u8; KEY_LEN],
    fingerprint: KeyFingerprint,
    /// Zeroizes its own key when dropped.
    wrapping: XChaCha20Poly1305,
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl ZeroizeOnDrop for MasterKey {}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// A fresh master key from the operating system's random number generator.
    pub fn generate() -> MasterKey {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(&mut key[..]);
        MasterKey::from_bytes(*key)
    }

    /// A master key from its 32 bytes.
    pub fn from_bytes(mut bytes: [u8; KEY_LEN]) -> MasterKey {
        let mut hasher = Sha256::new();
        hasher.update(FINGERPRINT_LABEL);
        hasher.update(bytes);
        let digest = hasher.finalize();
        let mut fingerprint = [0u8; 8];
        fingerprint.copy_from_slice(&digest[..8]);

        let mut wrapping_key = Zeroizing::new([0u8; KEY_LEN]);
        Hkdf::<Sha256>::new(None, &bytes)
            .expand(WRAPPING_INFO, &mut wrapping_key[..])
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let wrapping = XChaCha20Poly1305::new((&*wrapping_key).into());
        let key = bytes;
        bytes.zeroize();
        MasterKey { key, fingerprint: KeyFingerprint(fingerprint), wrapping }
    }

    /// A master key from 64 hexadecimal characters (upper or lower case). Surrounding whitespace, such as
    /// the newline ending a file or an environment variable, is ignored. The error never repeats the text.
    pub fn from_hex(text: &str) -> Result<MasterKey> {
        let text = text.trim();
        if text.len() != 2 * KEY_LEN {
            return Err(VaultError::MasterKeyFormat);
        }
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        hex::decode_to_slice(text, &mut bytes[..]).map_err(|_| VaultError::MasterKeyFormat)?;
        Ok(MasterKey::from_bytes(*bytes))
    }

    /// The master key held in the environment variable `name` (hexadecimal), or `None` when it is unset.
    pub fn from_env(name: &str) -> Result<Option<MasterKey>> {
        match std::env::var(name) {
            Ok(value) => {
                let value = Zeroizing::new(value);
                MasterKey::from_hex(&value).map(Some)
            }
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(VaultError::Environment { name: name.to_string() }),
        }
    }

    /// The master key in `path`: one line of 64 hexadecimal characters.
    pub fn load(path: &Path) -> Result<MasterKey> {
        let text = std::fs::read(path).map_err(|source| VaultError::KeyFile { path: path.to_owned(), source })?;
        let text = Zeroizing::new(text);
        let malformed = || VaultError::KeyFileFormat { path: path.to_owned() };
        let text = std::str::from_utf8(&text).map_err(|_| malformed())?;
        if text.trim().lines().count() != 1 {
            return Err(malformed());
        }
        MasterKey::from_hex(text).map_err(|_| malformed())
    }

    /// The master key in `path`, created if the file is missing: `(key, created)`.
    ///
    /// A new file holds one line of hexadecimal and has mode 0600 (owner read and write only); a missing
    /// parent directory is created with mode 0700. Creation is atomic: the key is written to a temporary
    /// file beside `path` and linked into place only if `path` still does not exist, so two processes
    /// starting at once agree on one key and no process ever reads a half-written file (on a file system
    /// without hard links the file is created in place, never over an existing one). The caller should
    /// say where the new key is (and that losing it loses the data unless a key backup exists).
    pub fn load_or_create(path: &Path) -> Result<(MasterKey, bool)> {
        match MasterKey::load(path) {
            Ok(key) => return Ok((key, false)),
            Err(VaultError::KeyFile { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let io_err = |source| VaultError::KeyFile { path: path.to_owned(), source };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(io_err)?;
        }

        let key = MasterKey::generate();
        let mut line = Zeroizing::new(hex::encode(key.key));
        line.push('\n');

        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp = dir.join(format!(".{file_name}.{:016x}.tmp", OsRng.next_u64()));
        let written = write_private_file(&temp, line.as_bytes());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(io_err(e));
        }
        let linked = std::fs::hard_link(&temp, path);
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => {
                sync_dir(dir);
                Ok((key, true))
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok((MasterKey::load(path)?, false)),
            // A file system without hard links: create it in place, still never over an existing file.
            Err(_) => match write_private_file(path, line.as_bytes()) {
                Ok(()) => {
                    sync_dir(dir);
                    Ok((key, true))
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok((MasterKey::load(path)?, false)),
                Err(e) => Err(io_err(e)),
            },
        }
    }

    /// This key's non-secret fingerprint.
    pub fn fingerprint(&self) -> KeyFingerprint {
        self.fingerprint
    }

    /// Wraps a campaign's data key: XChaCha20-Poly1305 under this master (through its derived wrapping
    /// key), with the campaign id and key version bound as associated data.
    pub fn wrap(&self, data_key: &DataKey, campaign_id: i64, key_version: u32) -> WrappedKey {
        WrappedKey::seal(&self.wrapping, self.fingerprint, data_key, campaign_id, key_version)
    }

    /// Unwraps a campaign's data key. Fails when another master key wrapped it, when it belongs to another
    /// campaign, or when any byte of it was altered.
    pub fn unwrap(&self, wrapped: &WrappedKey, campaign_id: i64) -> Result<DataKey> {
        if wrapped.master_fingerprint() != self.fingerprint {
            return Err(VaultError::WrongMasterKey {
                wrapped_by: wrapped.master_fingerprint(),
                offered: self.fingerprint,
            });
        }
        wrapped.open(&self.wrapping, campaign_id)
    }
}

/// Master-key rotation for one data key: unwraps with `old` and wraps the same key, same version, with
/// `new`. Data encrypted under the data key is untouched.
pub fn rewrap(old: &MasterKey, new: &MasterKey, wrapped: &WrappedKey, campaign_id: i64) -> Result<WrappedKey> {
    let data_key = old.unwrap(wrapped, campaign_id)?;
    Ok(new.wrap(&data_key, campaign_id, wrapped.key_version()))
}

fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        // The umask can only remove bits; set the mode exactly all the same.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) {
    // Best effort: makes the new directory entry durable on file systems that need it.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

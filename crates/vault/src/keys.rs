//! Per-campaign data keys, their wrapped (stored) form, and a campaign's key ring.

use crate::error::{Result, VaultError};
use crate::master::{KeyFingerprint, MasterKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;
use std::fmt;
use std::str::FromStr;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of every key in the vault, in bytes.
pub const KEY_LEN: usize = 32;
/// Length of an XChaCha20-Poly1305 nonce.
pub(crate) const NONCE_LEN: usize = 24;
/// Length of a Poly1305 tag.
pub(crate) const TAG_LEN: usize = 16;

/// The version number of a campaign's first data key. The blind-index key is derived from it.
pub const FIRST_KEY_VERSION: u32 = 1;

const WRAPPED_FORMAT_V1: u8 = 1;
const WRAP_LABEL: &[u8] = b"clearline wrapped key v1\0";
/// Length of a wrapped key in bytes: format, fingerprint, key version, nonce, sealed key and tag.
pub const WRAPPED_KEY_LEN: usize = 1 + 8 + 4 + NONCE_LEN + KEY_LEN + TAG_LEN;

/// A campaign's data key: encrypts that campaign's personal data. Zeroized when dropped; its `Debug`
/// prints `<redacted>`. Stored only wrapped by the master key ([`MasterKey::wrap`]).
pub struct DataKey([u8; KEY_LEN]);

impl Drop for DataKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for DataKey {}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

impl DataKey {
    /// A fresh data key from the operating system's random number generator.
    pub fn generate() -> DataKey {
        let mut key = DataKey([0u8; KEY_LEN]);
        OsRng.fill_bytes(&mut key.0);
        key
    }

    /// A data key from its 32 bytes (tests, known-answer vectors). Use [`DataKey::generate`] otherwise.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> DataKey {
        DataKey(bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

/// A data key wrapped (encrypted) by a master key: what the database stores, per campaign and version.
///
/// Bytes ([`WRAPPED_KEY_LEN`] = 85): format version (1) ‖ master fingerprint (8) ‖ key version (u32,
/// big-endian) ‖ nonce (24) ‖ XChaCha20-Poly1305 ciphertext of the key (32) ‖ tag (16). The associated
/// data is `"clearline wrapped key v1\0" ‖ format ‖ fingerprint ‖ campaign id (i64, big-endian) ‖ key
/// version`, so a wrapped key copied to another campaign, or relabelled with another version, fails to
/// unwrap. The campaign id is not stored in it: the caller says which campaign it belongs to.
///
/// As text ([`fmt::Display`], [`FromStr`], serde): the bytes in unpadded URL-safe base64 (114 characters).
/// Not secret, but useless without the master key.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    fingerprint: KeyFingerprint,
    key_version: u32,
    nonce: [u8; NONCE_LEN],
    sealed: [u8; KEY_LEN + TAG_LEN],
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("master", &self.fingerprint)
            .field("key_version", &self.key_version)
            .finish_non_exhaustive()
    }
}

fn wrap_aad(fingerprint: KeyFingerprint, campaign_id: i64, key_version: u32) -> [u8; WRAP_LABEL.len() + 21] {
    let mut aad = [0u8; WRAP_LABEL.len() + 21];
    let (label, rest) = aad.split_at_mut(WRAP_LABEL.len());
    label.copy_from_slice(WRAP_LABEL);
    rest[0] = WRAPPED_FORMAT_V1;
    rest[1..9].copy_from_slice(&fingerprint.0);
    rest[9..17].copy_from_slice(&campaign_id.to_be_bytes());
    rest[17..21].copy_from_slice(&key_version.to_be_bytes());
    aad
}

impl WrappedKey {
    pub(crate) fn seal(
        cipher: &XChaCha20Poly1305,
        fingerprint: KeyFingerprint,
        data_key: &DataKey,
        campaign_id: i64,
        key_version: u32,
    ) -> WrappedKey {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let mut sealed = [0u8; KEY_LEN + TAG_LEN];
        sealed[..KEY_LEN].copy_from_slice(data_key.bytes());
        let aad = wrap_aad(fingerprint, campaign_id, key_version);
        let tag = cipher
            .encrypt_in_place_detached(XNonce::from_slice(&nonce), &aad, &mut sealed[..KEY_LEN])
            .expect("a 32-byte message is within XChaCha20-Poly1305's limits");
        sealed[KEY_LEN..].copy_from_slice(&tag);
        WrappedKey { fingerprint, key_version, nonce, sealed }
    }

    pub(crate) fn open(&self, cipher: &XChaCha20Poly1305, campaign_id: i64) -> Result<DataKey> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(&self.sealed[..KEY_LEN]);
        let aad = wrap_aad(self.fingerprint, campaign_id, self.key_version);
        cipher
            .decrypt_in_place_detached(
                XNonce::from_slice(&self.nonce),
                &aad,
                &mut key[..],
                self.sealed[KEY_LEN..].into(),
            )
            .map_err(|_| VaultError::UnwrapFailed { campaign_id, key_version: self.key_version })?;
        Ok(DataKey::from_bytes(*key))
    }

    /// The data key's version within its campaign.
    pub fn key_version(&self) -> u32 {
        self.key_version
    }

    /// The fingerprint of the master key that wrapped it.
    pub fn master_fingerprint(&self) -> KeyFingerprint {
        self.fingerprint
    }

    /// Its bytes, as described on the type.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(WRAPPED_KEY_LEN);
        out.push(WRAPPED_FORMAT_V1);
        out.extend_from_slice(&self.fingerprint.0);
        out.extend_from_slice(&self.key_version.to_be_bytes());
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.sealed);
        out
    }

    /// Parses the bytes made by [`WrappedKey::to_bytes`]. Only the layout is checked here; authenticity is
    /// checked when unwrapping.
    pub fn from_bytes(bytes: &[u8]) -> Result<WrappedKey> {
        let Some(&format) = bytes.first() else {
            return Err(VaultError::MalformedWrappedKey { reason: "empty" });
        };
        if format != WRAPPED_FORMAT_V1 {
            return Err(VaultError::UnsupportedFormat { what: "wrapped key", version: format.into() });
        }
        if bytes.len() != WRAPPED_KEY_LEN {
            return Err(VaultError::MalformedWrappedKey { reason: "wrong length" });
        }
        let mut fingerprint = [0u8; 8];
        fingerprint.copy_from_slice(&bytes[1..9]);
        let key_version = u32::from_be_bytes(bytes[9..13].try_into().expect("4 bytes"));
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[13..13 + NONCE_LEN]);
        let mut sealed = [0u8; KEY_LEN + TAG_LEN];
        sealed.copy_from_slice(&bytes[13 + NONCE_LEN..]);
        Ok(WrappedKey { fingerprint: KeyFingerprint(fingerprint), key_version, nonce, sealed })
    }
}

impl fmt::Display for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.to_bytes()))
    }
}

impl FromStr for WrappedKey {
    type Err = VaultError;

    fn from_str(s: &str) -> Result<WrappedKey> {
        let bytes = URL_SAFE_NO_PAD
            .decode(s.trim())
            .map_err(|_| VaultError::MalformedWrappedKey { reason: "not unpadded URL-safe base64" })?;
        WrappedKey::from_bytes(&bytes)
    }
}

impl serde::Serialize for WrappedKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for WrappedKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A campaign's data keys, unwrapped: the newest version encrypts, every version decrypts.
///
/// Build one per campaign when needed ([`KeyRing::open`]), then a [`crate::FieldCipher`] and a
/// [`crate::BlindIndexer`] from it. `Debug` shows the campaign and versions only.
pub struct KeyRing {
    campaign_id: i64,
    /// Sorted by version, ascending; never empty.
    keys: Vec<(u32, DataKey)>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("campaign_id", &self.campaign_id)
            .field("versions", &self.versions().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// A new campaign's first data key ([`FIRST_KEY_VERSION`]): the ring, and the wrapped key to store.
    pub fn create(master: &MasterKey, campaign_id: i64) -> (KeyRing, WrappedKey) {
        let key = DataKey::generate();
        let wrapped = master.wrap(&key, campaign_id, FIRST_KEY_VERSION);
        (KeyRing { campaign_id, keys: vec![(FIRST_KEY_VERSION, key)] }, wrapped)
    }

    /// Unwraps every stored data key of a campaign. Fails if any of them fails to unwrap, if there are
    /// none, or if a version repeats.
    pub fn open<'a>(
        master: &MasterKey,
        campaign_id: i64,
        wrapped: impl IntoIterator<Item = &'a WrappedKey>,
    ) -> Result<KeyRing> {
        let keys = wrapped
            .into_iter()
            .map(|w| Ok((w.key_version(), master.unwrap(w, campaign_id)?)))
            .collect::<Result<Vec<_>>>()?;
        KeyRing::from_keys(campaign_id, keys)
    }

    /// A ring from data keys already unwrapped, as `(version, key)`.
    pub fn from_keys(campaign_id: i64, mut keys: Vec<(u32, DataKey)>) -> Result<KeyRing> {
        if keys.is_empty() {
            return Err(VaultError::EmptyKeyRing { campaign_id });
        }
        keys.sort_by_key(|(v, _)| *v);
        if let Some(w) = keys.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(VaultError::DuplicateKeyVersion { campaign_id, key_version: w[0].0 });
        }
        Ok(KeyRing { campaign_id, keys })
    }

    /// Data-key rotation: adds a new data key, one version above the current one, which becomes the
    /// version new encryptions use. Returns the wrapped key to store. Older versions stay in the ring so
    /// existing ciphertexts still decrypt; re-encrypting them is up to the caller. Rebuild any
    /// [`crate::FieldCipher`] made from this ring to pick up the new version.
    pub fn rotate(&mut self, master: &MasterKey) -> Result<WrappedKey> {
        let version = self
            .current_version()
            .checked_add(1)
            .ok_or(VaultError::KeyVersionExhausted { campaign_id: self.campaign_id })?;
        let key = DataKey::generate();
        let wrapped = master.wrap(&key, self.campaign_id, version);
        self.keys.push((version, key));
        Ok(wrapped)
    }

    /// The campaign these keys belong to.
    pub fn campaign_id(&self) -> i64 {
        self.campaign_id
    }

    /// The version new encryptions use: the highest.
    pub fn current_version(&self) -> u32 {
        self.keys.last().expect("a key ring is never empty").0
    }

    /// Every version held, ascending.
    pub fn versions(&self) -> impl Iterator<Item = u32> + '_ {
        self.keys.iter().map(|(v, _)| *v)
    }

    pub(crate) fn keys(&self) -> &[(u32, DataKey)] {
        &self.keys
    }

    pub(crate) fn key(&self, version: u32) -> Option<&DataKey> {
        self.keys.binary_search_by_key(&version, |(v, _)| *v).ok().map(|i| &self.keys[i].1)
    }
}

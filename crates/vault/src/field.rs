//! Authenticated encryption of one value of personal data (a phone number, an email, a note, a survey
//! answer, a recording, a reject file) for storage in a column or a file.

use crate::error::{Result, VaultError};
use crate::keys::{KeyRing, NONCE_LEN, TAG_LEN};
use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::fmt;

/// The format byte of field ciphertexts.
pub const FIELD_FORMAT_V1: u8 = 1;
const HEADER_LEN: usize = 1 + 4;
/// Bytes a ciphertext adds to its plaintext: format (1), key version (4), nonce (24), tag (16).
pub const FIELD_OVERHEAD: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;
const FIELD_LABEL: &[u8] = b"clearline field v1\0";
const AAD_FIXED_LEN: usize = FIELD_LABEL.len() + 1 + 4 + 8;
const AAD_STACK_LEN: usize = 256;

/// Encrypts and decrypts a campaign's fields with its key ring.
///
/// **Ciphertext** = format byte (1) ‖ key version (u32, big-endian) ‖ nonce (24 random bytes) ‖
/// XChaCha20-Poly1305 ciphertext ‖ tag (16); [`FIELD_OVERHEAD`] = 45 bytes more than the plaintext.
///
/// **Associated data** = `"clearline field v1\0"` ‖ format byte ‖ key version ‖ campaign id (i64,
/// big-endian) ‖ field name (UTF-8). A ciphertext therefore decrypts only for the campaign and the field
/// (column) it was made for: a phone number's ciphertext pasted into the email column, or into another
/// campaign's row, fails to decrypt, as does any altered byte.
///
/// **Nonces** are 24 bytes from a cryptographically secure generator (the thread-local generator of
/// `rand`, seeded from the operating system), fresh for every encryption and never derived from a counter
/// or the data. With 192-bit random nonces the chance that two encryptions under one key ever share a
/// nonce is negligible — about 2⁻¹²⁰ after 2³⁶ (69 billion) encryptions — so no nonce is repeated in
/// practice, and two encryptions of the same value never look alike.
///
/// **Keys**: the ring's current (highest) version encrypts; the version named in a ciphertext decrypts.
///
/// Cheap to share between threads (`Send + Sync`); build it once per campaign and reuse it.
pub struct FieldCipher {
    campaign_id: i64,
    /// Sorted by version, ascending; never empty. Each cipher zeroizes its key when dropped.
    ciphers: Vec<(u32, XChaCha20Poly1305)>,
}

impl fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldCipher")
            .field("campaign_id", &self.campaign_id)
            .field("current_version", &self.current_version())
            .finish_non_exhaustive()
    }
}

impl FieldCipher {
    /// A cipher over every key of `ring`.
    pub fn new(ring: &KeyRing) -> FieldCipher {
        let ciphers = ring.keys().iter().map(|(v, key)| (*v, XChaCha20Poly1305::new(key.bytes().into()))).collect();
        FieldCipher { campaign_id: ring.campaign_id(), ciphers }
    }

    /// The campaign.
    pub fn campaign_id(&self) -> i64 {
        self.campaign_id
    }

    /// The key version new ciphertexts carry.
    pub fn current_version(&self) -> u32 {
        self.ciphers.last().expect("a key ring is never empty").0
    }

    /// Encrypts `plaintext` for `field` (the column's name, e.g. `"phone"`) with the current key.
    pub fn encrypt(&self, field: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(plaintext.len() + FIELD_OVERHEAD);
        self.encrypt_into(field, plaintext, &mut out);
        out
    }

    /// Like [`FieldCipher::encrypt`], appending the ciphertext to `out` (which keeps what it held): reuse
    /// one buffer across rows to avoid an allocation per value.
    ///
    /// # Panics
    /// Only if `plaintext` is longer than XChaCha20-Poly1305 allows (256 GiB).
    pub fn encrypt_into(&self, field: &str, plaintext: &[u8], out: &mut Vec<u8>) {
        let (version, cipher) = self.ciphers.last().expect("a key ring is never empty");
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);

        let start = out.len();
        out.reserve(plaintext.len() + FIELD_OVERHEAD);
        out.push(FIELD_FORMAT_V1);
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let body = &mut out[start + HEADER_LEN + NONCE_LEN..];
        let tag = with_aad(self.campaign_id, *version, field, |aad| {
            cipher.encrypt_in_place_detached(XNonce::from_slice(&nonce), aad, body)
        })
        .expect("plaintext within XChaCha20-Poly1305's length limit");
        out.extend_from_slice(&tag);
    }

    /// Decrypts a ciphertext made by [`FieldCipher::encrypt`] for the same campaign and `field`, with the
    /// key version it names.
    pub fn decrypt(&self, field: &str, ciphertext: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ciphertext.len().saturating_sub(FIELD_OVERHEAD));
        self.decrypt_into(field, ciphertext, &mut out)?;
        Ok(out)
    }

    /// Like [`FieldCipher::decrypt`], appending the plaintext to `out`. On failure `out` is left as it was.
    pub fn decrypt_into(&self, field: &str, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<()> {
        if ciphertext.len() < FIELD_OVERHEAD {
            return Err(VaultError::MalformedCiphertext { field: field.to_string() });
        }
        let (header, rest) = ciphertext.split_at(HEADER_LEN);
        if header[0] != FIELD_FORMAT_V1 {
            return Err(VaultError::UnsupportedFormat { what: "ciphertext", version: header[0].into() });
        }
        let version = u32::from_be_bytes(header[1..5].try_into().expect("4 bytes"));
        let cipher = self.cipher(version)?;
        let (nonce, rest) = rest.split_at(NONCE_LEN);
        let (body, tag) = rest.split_at(rest.len() - TAG_LEN);

        let start = out.len();
        out.extend_from_slice(body);
        let result = with_aad(self.campaign_id, version, field, |aad| {
            cipher.decrypt_in_place_detached(XNonce::from_slice(nonce), aad, &mut out[start..], tag.into())
        });
        if result.is_err() {
            out.truncate(start);
            return Err(VaultError::DecryptionFailed { campaign_id: self.campaign_id, field: field.to_string() });
        }
        Ok(())
    }

    /// The key version a ciphertext was made with, read from its header without decrypting it (to find
    /// values still under an old key after a rotation); `None` if it is not a ciphertext of this format.
    pub fn key_version_of(ciphertext: &[u8]) -> Option<u32> {
        match ciphertext {
            [FIELD_FORMAT_V1, a, b, c, d, ..] if ciphertext.len() >= FIELD_OVERHEAD => {
                Some(u32::from_be_bytes([*a, *b, *c, *d]))
            }
            _ => None,
        }
    }

    fn cipher(&self, version: u32) -> Result<&XChaCha20Poly1305> {
        // Newest first: nearly every ciphertext is under a recent key.
        self.ciphers
            .iter()
            .rev()
            .find(|(v, _)| *v == version)
            .map(|(_, c)| c)
            .ok_or(VaultError::UnknownKeyVersion { campaign_id: self.campaign_id, key_version: version })
    }
}

/// Calls `f` with the associated data, built on the stack unless the field name is very long.
fn with_aad<R>(campaign_id: i64, version: u32, field: &str, f: impl FnOnce(&[u8]) -> R) -> R {
    let total = AAD_FIXED_LEN + field.len();
    let mut stack = [0u8; AAD_STACK_LEN];
    let mut heap = Vec::new();
    let buf: &mut [u8] = if total <= AAD_STACK_LEN {
        &mut stack[..total]
    } else {
        heap.resize(total, 0);
        &mut heap
    };
    let (label, rest) = buf.split_at_mut(FIELD_LABEL.len());
    label.copy_from_slice(FIELD_LABEL);
    rest[0] = FIELD_FORMAT_V1;
    rest[1..5].copy_from_slice(&version.to_be_bytes());
    rest[5..13].copy_from_slice(&campaign_id.to_be_bytes());
    rest[13..].copy_from_slice(field.as_bytes());
    f(buf)
}

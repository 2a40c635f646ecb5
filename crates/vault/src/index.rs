//! Blind indexes: keyed hashes of normalized values, for equality look-ups over encrypted columns.

use crate::error::{Result, VaultError};
use crate::keys::{KeyRing, FIRST_KEY_VERSION, KEY_LEN};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use zeroize::Zeroizing;

const INDEX_INFO: &[u8] = b"clearline blind index v1";

/// Common purposes. A purpose names what is indexed; each has its own key, so an index computed for one
/// purpose never matches one computed for another even over the same bytes.
pub mod purpose {
    /// A phone number in E.164 form (`+19195550123`).
    pub const PHONE: &str = "phone";
    /// An email address, trimmed and lower-cased.
    pub const EMAIL: &str = "email";
}

/// Length of a blind index.
pub const INDEX_LEN: usize = 32;

/// Computes a campaign's blind indexes: `HMAC-SHA256(index_key(purpose), normalized_value)`, where
///
/// ```text
/// index_key(purpose) = HKDF-SHA256(ikm  = the campaign's data key version 1,
///                                  salt = campaign id (i64, big-endian),
///                                  info = "clearline blind index v1" ‖ purpose)   (32 bytes)
/// ```
///
/// An index is deterministic (same campaign, purpose and value → same 32 bytes), so the database can look
/// a value up by its index ("is this number on the do-not-call list?", "whose number is this?") without
/// holding it in the clear. It differs per campaign and per purpose.
///
/// * **Normalize first.** The index matches bytes, not meaning: compute it over a normalized value —
///   a phone number in E.164 form, an email trimmed and lower-cased — or equal values will not match.
/// * **Only as secret as its key.** Phone numbers are a small space (about 10¹⁰ in the US): anyone holding
///   the index key could hash every number and reverse the index. Without the key, an index reveals only
///   which rows share a value. The key is derived inside the vault and never leaves it (no accessor).
/// * **Stable across data-key rotation.** The key is derived from the campaign's *first* data key
///   (version [`FIRST_KEY_VERSION`]), not the current one, so rotating the data key does not change any
///   index. Consequence: version 1 must stay in the key ring for the campaign's life (it is needed to read
///   old ciphertexts anyway), and rotating the index key itself means recomputing every index (a future
///   "v2" info label), not a data-key rotation.
pub struct BlindIndexer {
    campaign_id: i64,
    /// HKDF-SHA256 pseudo-random key from the first data key.
    prk: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for BlindIndexer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlindIndexer").field("campaign_id", &self.campaign_id).finish_non_exhaustive()
    }
}

impl BlindIndexer {
    /// The indexer of `ring`'s campaign. Fails if the ring lacks data key version 1.
    pub fn new(ring: &KeyRing) -> Result<BlindIndexer> {
        let campaign_id = ring.campaign_id();
        let first = ring.key(FIRST_KEY_VERSION).ok_or(VaultError::MissingIndexKey { campaign_id })?;
        let (prk, _) = Hkdf::<Sha256>::extract(Some(&campaign_id.to_be_bytes()), first.bytes());
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        bytes.copy_from_slice(&prk);
        Ok(BlindIndexer { campaign_id, prk: bytes })
    }

    /// The campaign.
    pub fn campaign_id(&self) -> i64 {
        self.campaign_id
    }

    /// The blind index of `normalized_value` for `purpose` (see [`purpose`]).
    pub fn index(&self, purpose: &str, normalized_value: &[u8]) -> [u8; INDEX_LEN] {
        self.for_purpose(purpose).index(normalized_value)
    }

    /// An indexer for one purpose, with its key derived once: faster when indexing many values.
    pub fn for_purpose(&self, purpose: &str) -> PurposeIndexer {
        let hkdf = Hkdf::<Sha256>::from_prk(&self.prk[..]).expect("a 32-byte PRK is long enough");
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        hkdf.expand_multi_info(&[INDEX_INFO, purpose.as_bytes()], &mut key[..])
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        PurposeIndexer { key }
    }
}

/// A [`BlindIndexer`] bound to one purpose.
pub struct PurposeIndexer {
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for PurposeIndexer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PurposeIndexer(<redacted>)")
    }
}

impl PurposeIndexer {
    /// The blind index of `normalized_value`.
    pub fn index(&self, normalized_value: &[u8]) -> [u8; INDEX_LEN] {
        let mut mac = <Hmac<Sha256>>::new_from_slice(&self.key[..]).expect("HMAC accepts any key length");
        mac.update(normalized_value);
        mac.finalize().into_bytes().into()
    }
}

//! A campaign's encryption, ready for the importer: unwraps (or creates) its data keys with the
//! deployment's master key.

use crate::normalize::Sealer;
use clearline_core::{Actor, OrgId};
use clearline_store::{DncEntry, Store, StoreError};
use clearline_vault::{BlindIndexer, FieldCipher, KeyRing, MasterKey, PurposeIndexer, WrappedKey, FIRST_KEY_VERSION};
use std::collections::HashMap;

/// The blind-index purposes an import uses on every row: their keys are derived once per import, not
/// once per value (an HKDF expansion costs as much as the index itself).
const HOT_PURPOSES: [&str; 3] = ["phone", "email", "content"];

/// Field encryption and blind indexes under one campaign's keys, with the list keys of the vendors it
/// has engaged (their own do-not-call lists, which its calls honour).
pub struct VaultSealer {
    cipher: FieldCipher,
    indexer: BlindIndexer,
    hot: [PurposeIndexer; 3],
    vendor_lists: HashMap<OrgId, ListSealer>,
}

impl VaultSealer {
    pub fn cipher(&self) -> &FieldCipher {
        &self.cipher
    }

    /// The sealer of an engaged vendor's own do-not-call list.
    pub fn vendor_list(&self, vendor: OrgId) -> Option<&ListSealer> {
        self.vendor_lists.get(&vendor)
    }
}

/// Seals numbers for one vendor's own do-not-call list, under the vendor's data key: the list's blind
/// index of a number is the same whichever campaign's call heard it.
pub struct ListSealer {
    vendor: OrgId,
    cipher: FieldCipher,
    phone: PurposeIndexer,
}

impl ListSealer {
    pub fn vendor(&self) -> OrgId {
        self.vendor
    }

    /// The list's blind index of an E.164 number.
    pub fn index(&self, e164: &str) -> Vec<u8> {
        self.phone.index(e164.as_bytes()).to_vec()
    }

    /// A list entry for an E.164 number: its blind index and its ciphertext.
    pub fn entry(&self, e164: &str) -> DncEntry {
        DncEntry { number_index: self.index(e164), number_enc: self.cipher.encrypt("phone", e164.as_bytes()) }
    }
}

impl Sealer for ListSealer {
    fn seal(&self, field: &str, plaintext: &[u8]) -> Vec<u8> {
        self.cipher.encrypt(field, plaintext)
    }

    fn index(&self, purpose: &str, normalized: &[u8]) -> Vec<u8> {
        debug_assert_eq!(purpose, "phone", "a list holds phone numbers only");
        self.phone.index(normalized).to_vec()
    }
}

impl Sealer for VaultSealer {
    fn seal(&self, field: &str, plaintext: &[u8]) -> Vec<u8> {
        self.cipher.encrypt(field, plaintext)
    }

    fn index(&self, purpose: &str, normalized: &[u8]) -> Vec<u8> {
        match HOT_PURPOSES.iter().position(|p| *p == purpose) {
            Some(i) => self.hot[i].index(normalized).to_vec(),
            None => self.indexer.index(purpose, normalized).to_vec(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the campaign's data keys cannot be opened with this master key ({0}); is it the right master key?")]
    Vault(#[from] clearline_vault::VaultError),
    #[error("a stored wrapped key is not hexadecimal")]
    Corrupt,
}

/// Wrapped keys are stored as hexadecimal text.
pub fn encode_wrapped(w: &WrappedKey) -> String {
    hex::encode(w.to_bytes())
}

pub fn decode_wrapped(text: &str) -> Result<WrappedKey, KeyError> {
    let bytes = hex::decode(text).map_err(|_| KeyError::Corrupt)?;
    Ok(WrappedKey::from_bytes(&bytes)?)
}

/// The campaign's key ring, creating its first data key if it has none.
pub async fn campaign_ring(
    store: &Store,
    actor: &Actor,
    campaign: OrgId,
    master: &MasterKey,
) -> Result<KeyRing, KeyError> {
    let mut stored = store.campaign_keys(actor, campaign).await?;
    if stored.is_empty() {
        let (ring, wrapped) = KeyRing::create(master, campaign.0);
        match store.add_campaign_key(actor, campaign, FIRST_KEY_VERSION, &encode_wrapped(&wrapped)).await {
            Ok(()) => return Ok(ring),
            // Someone else created it a moment ago: use theirs.
            Err(StoreError::Conflict { .. }) => stored = store.campaign_keys(actor, campaign).await?,
            Err(e) => return Err(e.into()),
        }
    }
    let wrapped: Vec<WrappedKey> = stored.iter().map(|(_, w)| decode_wrapped(w)).collect::<Result<_, _>>()?;
    Ok(KeyRing::open(master, campaign.0, wrapped.iter())?)
}

/// The importer's sealer for a campaign, with the list sealers of every vendor it has engaged (each
/// made on first use).
pub async fn campaign_sealer(
    store: &Store,
    actor: &Actor,
    campaign: OrgId,
    master: &MasterKey,
) -> Result<VaultSealer, KeyError> {
    let ring = campaign_ring(store, actor, campaign, master).await?;
    let indexer = BlindIndexer::new(&ring)?;
    let hot = HOT_PURPOSES.map(|p| indexer.for_purpose(p));
    let mut vendor_lists = HashMap::new();
    for vendor in store.engaged_vendor_ids(actor, campaign).await? {
        vendor_lists.insert(vendor, vendor_list_sealer(store, actor, vendor, master).await?);
    }
    Ok(VaultSealer { cipher: FieldCipher::new(&ring), indexer, hot, vendor_lists })
}

/// The sealer of a vendor's own do-not-call list, creating the vendor's list key if it has none.
pub async fn vendor_list_sealer(
    store: &Store,
    actor: &Actor,
    vendor: OrgId,
    master: &MasterKey,
) -> Result<ListSealer, KeyError> {
    let mut stored = store.vendor_list_keys(actor, vendor).await?;
    if stored.is_empty() {
        let (ring, wrapped) = KeyRing::create(master, vendor.0);
        match store.add_vendor_list_key(actor, vendor, FIRST_KEY_VERSION, &encode_wrapped(&wrapped)).await {
            Ok(()) => return list_sealer(vendor, &ring),
            Err(StoreError::Conflict { .. }) => stored = store.vendor_list_keys(actor, vendor).await?,
            Err(e) => return Err(e.into()),
        }
    }
    let wrapped: Vec<WrappedKey> = stored.iter().map(|(_, w)| decode_wrapped(w)).collect::<Result<_, _>>()?;
    list_sealer(vendor, &KeyRing::open(master, vendor.0, wrapped.iter())?)
}

fn list_sealer(vendor: OrgId, ring: &KeyRing) -> Result<ListSealer, KeyError> {
    let indexer = BlindIndexer::new(ring)?;
    Ok(ListSealer { vendor, cipher: FieldCipher::new(ring), phone: indexer.for_purpose("phone") })
}

//! A campaign's encryption, ready for the importer: unwraps (or creates) its data keys with the
//! deployment's master key.

use crate::normalize::Sealer;
use clearline_core::{Actor, OrgId};
use clearline_store::{Store, StoreError};
use clearline_vault::{BlindIndexer, FieldCipher, KeyRing, MasterKey, PurposeIndexer, WrappedKey, FIRST_KEY_VERSION};

/// The blind-index purposes an import uses on every row: their keys are derived once per import, not
/// once per value (an HKDF expansion costs as much as the index itself).
const HOT_PURPOSES: [&str; 3] = ["phone", "email", "content"];

/// Field encryption and blind indexes under one campaign's keys.
pub struct VaultSealer {
    cipher: FieldCipher,
    indexer: BlindIndexer,
    hot: [PurposeIndexer; 3],
}

impl VaultSealer {
    pub fn cipher(&self) -> &FieldCipher {
        &self.cipher
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

/// The importer's sealer for a campaign.
pub async fn campaign_sealer(
    store: &Store,
    actor: &Actor,
    campaign: OrgId,
    master: &MasterKey,
) -> Result<VaultSealer, KeyError> {
    let ring = campaign_ring(store, actor, campaign, master).await?;
    let indexer = BlindIndexer::new(&ring)?;
    let hot = HOT_PURPOSES.map(|p| indexer.for_purpose(p));
    Ok(VaultSealer { cipher: FieldCipher::new(&ring), indexer, hot })
}

//! Encryption of personal data at rest.
//!
//! Pure functions over bytes and files; storing what they produce is the store's business.
//!
//! * A deployment has one [`MasterKey`], held by the operator outside the database (a file of mode 0600
//!   or an environment variable).
//! * Each campaign has [`DataKey`]s, stored only [wrapped](WrappedKey) by the master key, with the
//!   campaign id and key version bound in. A [`KeyRing`] holds a campaign's unwrapped keys.
//! * [`FieldCipher`] encrypts each value of personal data with the campaign's current data key
//!   (XChaCha20-Poly1305, random nonce, campaign id and field name bound in) and decrypts with any
//!   version.
//! * [`BlindIndexer`] computes keyed, deterministic indexes of normalized values for equality look-ups.
//! * [`backup`] and [`restore`] copy every data key into a passphrase-protected file and back under a new
//!   master key.
//!
//! Secrets zeroize when dropped and print as `<redacted>`; no error carries a secret or a plaintext.
//! See `README.md` for the formats and the threat model.
//!
//! ```
//! use clearline_vault::{BlindIndexer, FieldCipher, KeyRing, MasterKey, purpose};
//!
//! let master = MasterKey::generate();
//! let (ring, wrapped) = KeyRing::create(&master, 42); // store `wrapped` (campaign 42, version 1)
//! let cipher = FieldCipher::new(&ring);
//! let sealed = cipher.encrypt("phone", b"+19195550123");
//! assert_eq!(cipher.decrypt("phone", &sealed).unwrap(), b"+19195550123");
//! assert!(cipher.decrypt("email", &sealed).is_err());
//!
//! // Later, from storage:
//! let ring = KeyRing::open(&master, 42, [&wrapped]).unwrap();
//! let index = BlindIndexer::new(&ring).unwrap().index(purpose::PHONE, b"+19195550123");
//! # let _ = index;
//! ```

mod backup;
mod error;
mod field;
mod index;
mod keys;
mod master;

pub use backup::{backup, restore, MIN_PASSPHRASE_CHARS};
pub use error::{Result, VaultError};
pub use field::{FieldCipher, FIELD_FORMAT_V1, FIELD_OVERHEAD};
pub use index::{purpose, BlindIndexer, PurposeIndexer, INDEX_LEN};
pub use keys::{DataKey, KeyRing, WrappedKey, FIRST_KEY_VERSION, KEY_LEN, WRAPPED_KEY_LEN};
pub use master::{rewrap, KeyFingerprint, MasterKey};

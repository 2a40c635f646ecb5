//! Data keys: wrapping, unwrapping, rewrapping, key rings and rotation.

use chacha20poly1305::aead::Aead;
use chacha20poly1305::aead::Payload;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use clearline_vault::{
    rewrap, DataKey, FieldCipher, KeyRing, MasterKey, VaultError, WrappedKey, FIRST_KEY_VERSION, WRAPPED_KEY_LEN,
};

const KEY_BYTES: [u8; 32] = [0x5a; 32];

/// Proves a data key is the expected one by decrypting something only it can.
fn same_key(a: DataKey, b: DataKey) -> bool {
    let ca = FieldCipher::new(&KeyRing::from_keys(1, vec![(1, a)]).unwrap());
    let cb = FieldCipher::new(&KeyRing::from_keys(1, vec![(1, b)]).unwrap());
    cb.decrypt("f", &ca.encrypt("f", b"x")).is_ok()
}

#[test]
fn wrap_then_unwrap_gives_back_the_key() {
    let master = MasterKey::generate();
    let wrapped = master.wrap(&DataKey::from_bytes(KEY_BYTES), 7, 3);
    assert_eq!(wrapped.key_version(), 3);
    assert_eq!(wrapped.master_fingerprint(), master.fingerprint());
    let unwrapped = master.unwrap(&wrapped, 7).unwrap();
    assert!(same_key(unwrapped, DataKey::from_bytes(KEY_BYTES)));
    assert!(!same_key(DataKey::generate(), DataKey::from_bytes(KEY_BYTES)), "the check itself can fail");
}

#[test]
fn wrapping_twice_gives_different_bytes() {
    let master = MasterKey::generate();
    let key = DataKey::generate();
    assert_ne!(master.wrap(&key, 1, 1), master.wrap(&key, 1, 1));
}

#[test]
fn a_wrapped_key_moved_to_another_campaign_fails_to_unwrap() {
    let master = MasterKey::generate();
    let wrapped = master.wrap(&DataKey::generate(), 7, 1);
    let err = master.unwrap(&wrapped, 8).unwrap_err();
    assert!(matches!(err, VaultError::UnwrapFailed { campaign_id: 8, key_version: 1 }), "{err:?}");
}

#[test]
fn another_master_cannot_unwrap_and_says_which_master_is_needed() {
    let a = MasterKey::generate();
    let b = MasterKey::generate();
    let wrapped = a.wrap(&DataKey::generate(), 7, 1);
    match b.unwrap(&wrapped, 7) {
        Err(VaultError::WrongMasterKey { wrapped_by, offered }) => {
            assert_eq!(wrapped_by, a.fingerprint());
            assert_eq!(offered, b.fingerprint());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_flipped_bit_of_a_wrapped_key_is_detected() {
    let master = MasterKey::generate();
    let bytes = master.wrap(&DataKey::generate(), 7, 1).to_bytes();
    assert_eq!(bytes.len(), WRAPPED_KEY_LEN);
    for bit in 0..bytes.len() * 8 {
        let mut tampered = bytes.clone();
        tampered[bit / 8] ^= 1 << (bit % 8);
        let result = WrappedKey::from_bytes(&tampered).and_then(|w| master.unwrap(&w, 7));
        assert!(result.is_err(), "bit {bit} flipped went unnoticed");
    }
}

#[test]
fn relabelling_the_version_is_detected() {
    let master = MasterKey::generate();
    let mut bytes = master.wrap(&DataKey::generate(), 7, 1).to_bytes();
    bytes[12] = 2; // key version 1 → 2
    let wrapped = WrappedKey::from_bytes(&bytes).unwrap();
    assert_eq!(wrapped.key_version(), 2);
    assert!(matches!(master.unwrap(&wrapped, 7), Err(VaultError::UnwrapFailed { .. })));
}

#[test]
fn bytes_and_text_round_trip_and_garbage_is_refused() {
    let master = MasterKey::generate();
    let wrapped = master.wrap(&DataKey::generate(), 7, 9);
    assert_eq!(WrappedKey::from_bytes(&wrapped.to_bytes()).unwrap(), wrapped);
    let text = wrapped.to_string();
    assert_eq!(text.len(), 114);
    assert_eq!(text.parse::<WrappedKey>().unwrap(), wrapped);
    let json = serde_json::to_string(&wrapped).unwrap();
    assert_eq!(json, format!("\"{text}\""));
    assert_eq!(serde_json::from_str::<WrappedKey>(&json).unwrap(), wrapped);

    let bytes = wrapped.to_bytes();
    assert!(WrappedKey::from_bytes(&[]).is_err());
    assert!(WrappedKey::from_bytes(&bytes[..84]).is_err());
    assert!(WrappedKey::from_bytes(&[bytes.clone(), vec![0]].concat()).is_err());
    let mut v2 = bytes.clone();
    v2[0] = 2;
    assert!(matches!(
        WrappedKey::from_bytes(&v2),
        Err(VaultError::UnsupportedFormat { what: "wrapped key", version: 2 })
    ));
    assert!("not base64!".parse::<WrappedKey>().is_err());
    assert!(serde_json::from_str::<WrappedKey>("\"AAAA\"").is_err());
}

#[test]
fn the_wrapped_key_layout_is_as_documented() {
    // Unwraps by hand, following the README, so the documented format cannot drift from the code.
    let master_bytes = [0x11u8; 32];
    let master = MasterKey::from_bytes(master_bytes);
    let wrapped = master.wrap(&DataKey::from_bytes(KEY_BYTES), -5, 0x01020304);
    let bytes = wrapped.to_bytes();
    assert_eq!(bytes[0], 1);
    assert_eq!(&bytes[1..9], &master.fingerprint().0);
    assert_eq!(&bytes[9..13], &[1, 2, 3, 4]);

    let mut wrapping_key = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(None, &master_bytes)
        .expand(b"clearline key wrapping v1", &mut wrapping_key)
        .unwrap();
    let mut aad = b"clearline wrapped key v1\0".to_vec();
    aad.push(1);
    aad.extend_from_slice(&master.fingerprint().0);
    aad.extend_from_slice(&(-5i64).to_be_bytes());
    aad.extend_from_slice(&0x01020304u32.to_be_bytes());
    let plain = XChaCha20Poly1305::new((&wrapping_key).into())
        .decrypt(XNonce::from_slice(&bytes[13..37]), Payload { msg: &bytes[37..], aad: &aad })
        .unwrap();
    assert_eq!(plain, KEY_BYTES);
}

#[test]
fn rewrap_moves_a_key_to_a_new_master() {
    let old = MasterKey::generate();
    let new = MasterKey::generate();
    let (ring, wrapped) = KeyRing::create(&old, 7);
    let sealed = FieldCipher::new(&ring).encrypt("phone", b"+19195550123");

    let rewrapped = rewrap(&old, &new, &wrapped, 7).unwrap();
    assert_eq!(rewrapped.key_version(), wrapped.key_version());
    assert_eq!(rewrapped.master_fingerprint(), new.fingerprint());
    assert!(matches!(old.unwrap(&rewrapped, 7), Err(VaultError::WrongMasterKey { .. })));
    let ring = KeyRing::open(&new, 7, [&rewrapped]).unwrap();
    assert_eq!(FieldCipher::new(&ring).decrypt("phone", &sealed).unwrap(), b"+19195550123");

    // Rewrapping needs the right old master and campaign.
    assert!(rewrap(&new, &old, &wrapped, 7).is_err());
    assert!(rewrap(&old, &new, &wrapped, 8).is_err());
}

#[test]
fn a_key_ring_opens_every_version_and_refuses_bad_sets() {
    let master = MasterKey::generate();
    let (mut ring, w1) = KeyRing::create(&master, 7);
    assert_eq!(ring.current_version(), FIRST_KEY_VERSION);
    let w2 = ring.rotate(&master).unwrap();
    let w3 = ring.rotate(&master).unwrap();
    assert_eq!((w2.key_version(), w3.key_version()), (2, 3));
    assert_eq!(ring.versions().collect::<Vec<_>>(), [1, 2, 3]);

    // Order of storage does not matter; the highest version is current.
    let opened = KeyRing::open(&master, 7, [&w3, &w1, &w2]).unwrap();
    assert_eq!(opened.current_version(), 3);
    assert_eq!(opened.versions().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(opened.campaign_id(), 7);

    assert!(matches!(KeyRing::open(&master, 7, []), Err(VaultError::EmptyKeyRing { campaign_id: 7 })));
    assert!(matches!(
        KeyRing::open(&master, 7, [&w1, &w2, &w1]),
        Err(VaultError::DuplicateKeyVersion { campaign_id: 7, key_version: 1 })
    ));
    // One key of another campaign spoils the whole ring.
    let (_, foreign) = KeyRing::create(&master, 8);
    assert!(KeyRing::open(&master, 7, [&w1, &foreign]).is_err());
}

#[test]
fn rotation_stops_at_the_last_version() {
    let master = MasterKey::generate();
    let mut ring = KeyRing::from_keys(7, vec![(u32::MAX, DataKey::generate())]).unwrap();
    assert!(matches!(ring.rotate(&master), Err(VaultError::KeyVersionExhausted { campaign_id: 7 })));
}

//! Field encryption: round trips, tampering, associated data, nonces, key versions, the format.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use clearline_vault::{DataKey, FieldCipher, KeyRing, MasterKey, VaultError, FIELD_OVERHEAD};
use proptest::prelude::*;

fn ring(campaign_id: i64) -> KeyRing {
    KeyRing::create(&MasterKey::generate(), campaign_id).0
}

const PHONE: &[u8] = b"+19195550123";

#[test]
fn round_trip_and_length() {
    let cipher = FieldCipher::new(&ring(1));
    for plain in [&b""[..], PHONE, &[0u8; 1000][..]] {
        let sealed = cipher.encrypt("notes", plain);
        assert_eq!(sealed.len(), plain.len() + FIELD_OVERHEAD);
        assert_eq!(cipher.decrypt("notes", &sealed).unwrap(), plain);
    }
}

#[test]
fn the_ciphertext_does_not_contain_the_plaintext() {
    let cipher = FieldCipher::new(&ring(1));
    let sealed = cipher.encrypt("phone", PHONE);
    assert!(!sealed.windows(4).any(|w| PHONE.windows(4).any(|p| p == w)));
}

#[test]
fn two_encryptions_of_the_same_value_differ_in_nonce_and_body() {
    let cipher = FieldCipher::new(&ring(1));
    let a = cipher.encrypt("phone", PHONE);
    let b = cipher.encrypt("phone", PHONE);
    assert_ne!(a[5..29], b[5..29], "nonces repeat");
    assert_ne!(a[29..], b[29..], "bodies repeat");
    let nonces: std::collections::HashSet<Vec<u8>> =
        (0..10_000).map(|_| cipher.encrypt("phone", PHONE)[5..29].to_vec()).collect();
    assert_eq!(nonces.len(), 10_000);
}

#[test]
fn every_flipped_bit_is_detected_in_every_part() {
    let master = MasterKey::generate();
    let (mut ring, _) = KeyRing::create(&master, 1);
    ring.rotate(&master).unwrap(); // versions 1 and 2: a version flip may land on another real key
    let cipher = FieldCipher::new(&ring);
    let sealed = cipher.encrypt("phone", PHONE);
    for bit in 0..sealed.len() * 8 {
        let mut tampered = sealed.clone();
        tampered[bit / 8] ^= 1 << (bit % 8);
        let err = cipher.decrypt("phone", &tampered).expect_err(&format!("bit {bit} flipped went unnoticed"));
        let byte = bit / 8;
        match byte {
            0 => assert!(matches!(err, VaultError::UnsupportedFormat { .. }), "{err:?}"),
            1..=4 => assert!(
                matches!(err, VaultError::UnknownKeyVersion { .. } | VaultError::DecryptionFailed { .. }),
                "{err:?}"
            ),
            _ => assert!(matches!(err, VaultError::DecryptionFailed { .. }), "byte {byte}: {err:?}"),
        }
    }
}

#[test]
fn a_ciphertext_relabelled_with_another_real_version_fails() {
    let master = MasterKey::generate();
    let (mut ring, _) = KeyRing::create(&master, 1);
    ring.rotate(&master).unwrap();
    let cipher = FieldCipher::new(&ring);
    let mut sealed = cipher.encrypt("phone", PHONE);
    assert_eq!(sealed[1..5], [0, 0, 0, 2]);
    sealed[4] = 1;
    assert!(matches!(cipher.decrypt("phone", &sealed), Err(VaultError::DecryptionFailed { .. })));
}

#[test]
fn truncated_and_extended_ciphertexts_fail() {
    let cipher = FieldCipher::new(&ring(1));
    let sealed = cipher.encrypt("phone", PHONE);
    for len in 0..sealed.len() {
        assert!(cipher.decrypt("phone", &sealed[..len]).is_err(), "truncated to {len}");
    }
    for len in 0..FIELD_OVERHEAD {
        assert!(matches!(cipher.decrypt("phone", &sealed[..len]), Err(VaultError::MalformedCiphertext { .. })));
    }
    let mut longer = sealed.clone();
    longer.push(0);
    assert!(cipher.decrypt("phone", &longer).is_err());
}

#[test]
fn a_ciphertext_pasted_into_another_field_fails() {
    let cipher = FieldCipher::new(&ring(1));
    let sealed = cipher.encrypt("phone", PHONE);
    for field in ["email", "Phone", "phone ", "phon", ""] {
        match cipher.decrypt(field, &sealed) {
            Err(VaultError::DecryptionFailed { field: f, campaign_id: 1 }) => assert_eq!(f, field),
            other => panic!("{field:?}: {other:?}"),
        }
    }
}

#[test]
fn a_ciphertext_moved_to_another_campaign_fails_even_under_the_same_key() {
    // The same data key wrapped for two campaigns: only the campaign id in the associated data differs.
    let master = MasterKey::generate();
    let key = DataKey::generate();
    let ring1 = KeyRing::open(&master, 1, [&master.wrap(&key, 1, 1)]).unwrap();
    let ring2 = KeyRing::open(&master, 2, [&master.wrap(&key, 2, 1)]).unwrap();
    let sealed = FieldCipher::new(&ring1).encrypt("phone", PHONE);
    assert_eq!(FieldCipher::new(&ring1).decrypt("phone", &sealed).unwrap(), PHONE);
    assert!(matches!(
        FieldCipher::new(&ring2).decrypt("phone", &sealed),
        Err(VaultError::DecryptionFailed { campaign_id: 2, .. })
    ));
    // And of course a campaign with its own key cannot read it.
    assert!(FieldCipher::new(&ring(1)).decrypt("phone", &sealed).is_err());
}

#[test]
fn after_rotation_old_ciphertexts_decrypt_and_new_ones_use_the_new_version() {
    let master = MasterKey::generate();
    let (mut ring, w1) = KeyRing::create(&master, 1);
    let before = FieldCipher::new(&ring);
    let old = before.encrypt("phone", PHONE);
    assert_eq!(FieldCipher::key_version_of(&old), Some(1));

    let w2 = ring.rotate(&master).unwrap();
    let after = FieldCipher::new(&ring);
    assert_eq!(after.current_version(), 2);
    let new = after.encrypt("phone", PHONE);
    assert_eq!(FieldCipher::key_version_of(&new), Some(2));
    assert_eq!(new[1..5], [0, 0, 0, 2]);
    assert_eq!(after.decrypt("phone", &old).unwrap(), PHONE);
    assert_eq!(after.decrypt("phone", &new).unwrap(), PHONE);

    // Reopened from storage, the same holds.
    let reopened = FieldCipher::new(&KeyRing::open(&master, 1, [&w1, &w2]).unwrap());
    assert_eq!(reopened.decrypt("phone", &old).unwrap(), PHONE);
    assert_eq!(reopened.decrypt("phone", &new).unwrap(), PHONE);

    // The old cipher does not know version 2, and a ring without version 1 cannot read old data.
    assert!(matches!(before.decrypt("phone", &new), Err(VaultError::UnknownKeyVersion { key_version: 2, .. })));
    let only_v2 = FieldCipher::new(&KeyRing::open(&master, 1, [&w2]).unwrap());
    assert!(matches!(only_v2.decrypt("phone", &old), Err(VaultError::UnknownKeyVersion { key_version: 1, .. })));
    assert_eq!(only_v2.decrypt("phone", &new).unwrap(), PHONE);
}

#[test]
fn key_version_of_reads_only_well_formed_headers() {
    let cipher = FieldCipher::new(&ring(1));
    let sealed = cipher.encrypt("f", b"");
    assert_eq!(FieldCipher::key_version_of(&sealed), Some(1));
    assert_eq!(FieldCipher::key_version_of(&sealed[..FIELD_OVERHEAD - 1]), None);
    assert_eq!(FieldCipher::key_version_of(&[2; 60]), None);
    assert_eq!(FieldCipher::key_version_of(&[]), None);
}

#[test]
fn the_into_variants_append_and_leave_the_buffer_alone_on_failure() {
    let cipher = FieldCipher::new(&ring(1));
    let mut buf = b"prefix".to_vec();
    cipher.encrypt_into("phone", PHONE, &mut buf);
    assert_eq!(&buf[..6], b"prefix");
    let sealed = buf[6..].to_vec();

    let mut out = b"kept".to_vec();
    cipher.decrypt_into("phone", &sealed, &mut out).unwrap();
    assert_eq!(out, [&b"kept"[..], PHONE].concat());

    let mut out = b"kept".to_vec();
    assert!(cipher.decrypt_into("email", &sealed, &mut out).is_err());
    assert_eq!(out, b"kept");

    // Reusing one buffer across rows.
    let mut buf = Vec::new();
    for row in 0..100u32 {
        buf.clear();
        cipher.encrypt_into("phone", &row.to_be_bytes(), &mut buf);
        assert_eq!(cipher.decrypt("phone", &buf).unwrap(), row.to_be_bytes());
    }
}

#[test]
fn the_format_is_as_documented() {
    // Both directions by hand, following the README, so the stored format cannot drift from the code.
    let key = [0x42u8; 32];
    let campaign_id: i64 = 1234;
    let cipher = FieldCipher::new(&KeyRing::from_keys(campaign_id, vec![(7, DataKey::from_bytes(key))]).unwrap());
    let aad = |version: u32, field: &str| {
        let mut aad = b"clearline field v1\0".to_vec();
        aad.push(1);
        aad.extend_from_slice(&version.to_be_bytes());
        aad.extend_from_slice(&campaign_id.to_be_bytes());
        aad.extend_from_slice(field.as_bytes());
        aad
    };
    let raw = XChaCha20Poly1305::new((&key).into());

    let sealed = cipher.encrypt("email", b"ann@example.org");
    assert_eq!(sealed[0], 1);
    assert_eq!(sealed[1..5], 7u32.to_be_bytes());
    let plain =
        raw.decrypt(XNonce::from_slice(&sealed[5..29]), Payload { msg: &sealed[29..], aad: &aad(7, "email") }).unwrap();
    assert_eq!(plain, b"ann@example.org");

    let nonce = [9u8; 24];
    let body = raw.encrypt(XNonce::from_slice(&nonce), Payload { msg: b"hello", aad: &aad(7, "notes") }).unwrap();
    let made_by_hand = [&[1u8][..], &7u32.to_be_bytes(), &nonce, &body].concat();
    assert_eq!(cipher.decrypt("notes", &made_by_hand).unwrap(), b"hello");
}

#[test]
fn field_ciphers_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<FieldCipher>();
    let cipher = FieldCipher::new(&ring(1));
    std::thread::scope(|s| {
        for t in 0..4u8 {
            let cipher = &cipher;
            s.spawn(move || {
                for i in 0..100u8 {
                    let sealed = cipher.encrypt("f", &[t, i]);
                    assert_eq!(cipher.decrypt("f", &sealed).unwrap(), [t, i]);
                }
            });
        }
    });
}

proptest! {
    #[test]
    fn any_value_round_trips_for_any_field(
        field in "\\PC{0,300}",
        plain in proptest::collection::vec(any::<u8>(), 0..600),
        campaign_id in any::<i64>(),
    ) {
        let cipher = FieldCipher::new(&KeyRing::from_keys(campaign_id, vec![(1, DataKey::generate())]).unwrap());
        let sealed = cipher.encrypt(&field, &plain);
        prop_assert_eq!(cipher.decrypt(&field, &sealed).unwrap(), plain);
        let other = format!("{field}x");
        prop_assert!(cipher.decrypt(&other, &sealed).is_err());
    }
}

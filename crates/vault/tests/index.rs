//! Blind indexes: determinism, separation, stability across rotation, the construction.

use clearline_vault::{purpose, BlindIndexer, DataKey, KeyRing, MasterKey, VaultError};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PHONE: &[u8] = b"+19195550123";

#[test]
fn the_same_value_gives_the_same_index_every_time_and_from_storage() {
    let master = MasterKey::generate();
    let (ring, wrapped) = KeyRing::create(&master, 1);
    let a = BlindIndexer::new(&ring).unwrap();
    let b = BlindIndexer::new(&KeyRing::open(&master, 1, [&wrapped]).unwrap()).unwrap();
    assert_eq!(a.index(purpose::PHONE, PHONE), a.index(purpose::PHONE, PHONE));
    assert_eq!(a.index(purpose::PHONE, PHONE), b.index(purpose::PHONE, PHONE));
    assert_eq!(a.index(purpose::PHONE, PHONE), a.for_purpose(purpose::PHONE).index(PHONE));
    assert_ne!(a.index(purpose::PHONE, PHONE), a.index(purpose::PHONE, b"+19195550124"));
}

#[test]
fn indexes_differ_per_campaign_and_per_purpose() {
    let master = MasterKey::generate();
    let one = BlindIndexer::new(&KeyRing::create(&master, 1).0).unwrap();
    let two = BlindIndexer::new(&KeyRing::create(&master, 2).0).unwrap();
    assert_ne!(one.index(purpose::PHONE, PHONE), two.index(purpose::PHONE, PHONE));
    assert_ne!(one.index(purpose::PHONE, PHONE), one.index(purpose::EMAIL, PHONE));
    assert_ne!(one.index("dnc", PHONE), one.index("dnc2", PHONE));
    assert_ne!(one.index("", PHONE), one.index("phone", PHONE));

    // Even one data key shared by two campaigns gives each its own indexes (the campaign is the salt).
    let key = DataKey::generate();
    let a = BlindIndexer::new(&KeyRing::open(&master, 1, [&master.wrap(&key, 1, 1)]).unwrap()).unwrap();
    let b = BlindIndexer::new(&KeyRing::open(&master, 2, [&master.wrap(&key, 2, 1)]).unwrap()).unwrap();
    assert_ne!(a.index(purpose::PHONE, PHONE), b.index(purpose::PHONE, PHONE));
}

#[test]
fn indexes_do_not_change_when_the_data_key_rotates() {
    let master = MasterKey::generate();
    let (mut ring, w1) = KeyRing::create(&master, 1);
    let before = BlindIndexer::new(&ring).unwrap().index(purpose::PHONE, PHONE);
    let w2 = ring.rotate(&master).unwrap();
    let w3 = ring.rotate(&master).unwrap();
    assert_eq!(BlindIndexer::new(&ring).unwrap().index(purpose::PHONE, PHONE), before);
    let reopened = KeyRing::open(&master, 1, [&w3, &w2, &w1]).unwrap();
    assert_eq!(BlindIndexer::new(&reopened).unwrap().index(purpose::PHONE, PHONE), before);

    // Without the first key there is no index key: refused loudly rather than silently different.
    let without_first = KeyRing::open(&master, 1, [&w2, &w3]).unwrap();
    assert!(matches!(BlindIndexer::new(&without_first), Err(VaultError::MissingIndexKey { campaign_id: 1 })));
}

#[test]
fn the_construction_is_as_documented() {
    let key = [0x33u8; 32];
    let campaign_id: i64 = 77;
    let ring = KeyRing::from_keys(campaign_id, vec![(1, DataKey::from_bytes(key)), (2, DataKey::generate())]).unwrap();
    let indexer = BlindIndexer::new(&ring).unwrap();

    let mut index_key = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(Some(&campaign_id.to_be_bytes()), &key)
        .expand(b"clearline blind index v1phone", &mut index_key)
        .unwrap();
    let mut mac = <Hmac<Sha256>>::new_from_slice(&index_key).unwrap();
    mac.update(PHONE);
    let expected: [u8; 32] = mac.finalize().into_bytes().into();
    assert_eq!(indexer.index("phone", PHONE), expected);
}

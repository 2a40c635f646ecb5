//! Key backup and restore.

use clearline_vault::{
    backup, purpose, restore, BlindIndexer, DataKey, FieldCipher, KeyRing, MasterKey, VaultError, WrappedKey,
};
use serde_json::Value;

const PASSPHRASE: &str = "correct horse battery staple";
const PHONE: &[u8] = b"+19195550123";

struct Fixture {
    master: MasterKey,
    keys: Vec<(i64, WrappedKey)>,
    /// (campaign, ciphertext of PHONE in field "phone", its blind index)
    data: Vec<(i64, Vec<u8>, [u8; 32])>,
}

/// Master A with campaign 1 (rotated once, data under both versions) and campaign 2.
fn fixture() -> Fixture {
    let master = MasterKey::generate();
    let mut keys = Vec::new();
    let mut data = Vec::new();
    let (mut ring1, w) = KeyRing::create(&master, 1);
    keys.push((1, w));
    let index1 = BlindIndexer::new(&ring1).unwrap().index(purpose::PHONE, PHONE);
    data.push((1, FieldCipher::new(&ring1).encrypt("phone", PHONE), index1));
    keys.push((1, ring1.rotate(&master).unwrap()));
    data.push((1, FieldCipher::new(&ring1).encrypt("phone", PHONE), index1));
    let (ring2, w) = KeyRing::create(&master, -2);
    keys.push((-2, w));
    let index2 = BlindIndexer::new(&ring2).unwrap().index(purpose::PHONE, PHONE);
    data.push((-2, FieldCipher::new(&ring2).encrypt("phone", PHONE), index2));
    Fixture { master, keys, data }
}

fn rings(master: &MasterKey, keys: &[(i64, WrappedKey)], campaign_id: i64) -> KeyRing {
    let wrapped: Vec<&WrappedKey> = keys.iter().filter(|(c, _)| *c == campaign_id).map(|(_, w)| w).collect();
    KeyRing::open(master, campaign_id, wrapped).unwrap()
}

#[test]
fn a_backup_restores_into_a_new_master_and_the_old_data_decrypts() {
    let f = fixture();
    let file = backup(&f.keys, &f.master, PASSPHRASE).unwrap();
    drop(f.master); // the disaster: master A is gone

    let b = MasterKey::generate();
    let restored = restore(&file, PASSPHRASE, &b).unwrap();
    assert_eq!(
        restored.iter().map(|(c, w)| (*c, w.key_version())).collect::<Vec<_>>(),
        f.keys.iter().map(|(c, w)| (*c, w.key_version())).collect::<Vec<_>>()
    );
    assert!(restored.iter().all(|(_, w)| w.master_fingerprint() == b.fingerprint()));
    for (campaign_id, sealed, index) in &f.data {
        let ring = rings(&b, &restored, *campaign_id);
        assert_eq!(FieldCipher::new(&ring).decrypt("phone", sealed).unwrap(), PHONE);
        assert_eq!(&BlindIndexer::new(&ring).unwrap().index(purpose::PHONE, PHONE), index);
    }
}

#[test]
fn the_file_is_self_describing_and_holds_no_key_or_passphrase_in_the_clear() {
    let master = MasterKey::generate();
    let key = [0xc3u8; 32];
    let keys = vec![(9, master.wrap(&DataKey::from_bytes(key), 9, 1))];
    let file = backup(&keys, &master, PASSPHRASE).unwrap();
    let json: Value = serde_json::from_slice(&file).unwrap();
    assert_eq!(json["format"], "clearline-key-backup");
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["cipher"], "xchacha20poly1305");
    assert_eq!(json["kdf"]["algorithm"], "argon2id");
    assert_eq!(json["kdf"]["version"], 19);
    assert!(json["kdf"]["memory_kib"].as_u64().unwrap() >= 19 * 1024);
    assert!(json["kdf"]["salt"].as_str().unwrap().len() >= 16);
    assert_eq!(json["master_fingerprint"], master.fingerprint().to_string());
    assert_eq!(json["keys"][0]["campaign_id"], 9);
    assert_eq!(json["keys"][0]["key_version"], 1);

    let text = String::from_utf8(file.clone()).unwrap();
    assert!(!text.contains(PASSPHRASE));
    assert!(!text.contains(&hex::encode(key)[..8]));
    assert!(!text.contains("w8PDw8PD"), "base64 of the key"); // base64 of c3 c3 c3 ...
                                                              // Two backups of the same keys differ (fresh salt and nonces).
    assert_ne!(file, backup(&keys, &master, PASSPHRASE).unwrap());
}

#[test]
fn a_wrong_passphrase_is_a_clear_error() {
    let f = fixture();
    let file = backup(&f.keys, &f.master, PASSPHRASE).unwrap();
    let err = restore(&file, "correct horse battery stapler", &MasterKey::generate()).unwrap_err();
    assert!(matches!(err, VaultError::WrongPassphrase), "{err:?}");
    assert!(err.to_string().contains("wrong passphrase"));
    assert!(matches!(restore(&file, "", &MasterKey::generate()), Err(VaultError::WrongPassphrase)));
}

#[test]
fn a_wrong_passphrase_is_caught_even_with_no_keys() {
    let master = MasterKey::generate();
    let file = backup(&[], &master, PASSPHRASE).unwrap();
    assert!(restore(&file, PASSPHRASE, &master).unwrap().is_empty());
    assert!(matches!(restore(&file, "another passphrase", &master), Err(VaultError::WrongPassphrase)));
}

#[test]
fn short_passphrases_are_refused_counting_characters() {
    let master = MasterKey::generate();
    assert!(matches!(backup(&[], &master, "eleven char"), Err(VaultError::PassphraseTooShort { min: 12 })));
    // 11 characters, 22 bytes.
    assert!(matches!(backup(&[], &master, "ééééééééééé"), Err(VaultError::PassphraseTooShort { .. })));
    assert!(backup(&[], &master, "twelve chars").is_ok());
}

#[test]
fn keys_the_master_cannot_unwrap_and_repeated_keys_are_refused() {
    let f = fixture();
    let other = MasterKey::generate();
    assert!(matches!(backup(&f.keys, &other, PASSPHRASE), Err(VaultError::WrongMasterKey { .. })));
    let mut moved = f.keys.clone();
    moved[0].0 = 5;
    assert!(matches!(backup(&moved, &f.master, PASSPHRASE), Err(VaultError::UnwrapFailed { .. })));
    let mut twice = f.keys.clone();
    twice.push(f.keys[0].clone());
    assert!(matches!(backup(&twice, &f.master, PASSPHRASE), Err(VaultError::DuplicateKeyVersion { .. })));
}

fn edited(file: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut json: Value = serde_json::from_slice(file).unwrap();
    edit(&mut json);
    serde_json::to_vec(&json).unwrap()
}

fn flip_base64(value: &mut Value) {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut bytes = engine.decode(value.as_str().unwrap()).unwrap();
    bytes[0] ^= 1;
    *value = Value::String(engine.encode(bytes));
}

#[test]
fn any_alteration_of_the_file_is_refused() {
    let f = fixture();
    let file = backup(&f.keys, &f.master, PASSPHRASE).unwrap();
    let b = MasterKey::generate();
    assert!(restore(&file, PASSPHRASE, &b).is_ok());

    let entry_corrupt = |e: &VaultError| matches!(e, VaultError::BackupEntryCorrupt { .. });
    let wrong = |e: &VaultError| matches!(e, VaultError::WrongPassphrase);
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, Box<dyn Fn(&mut Value)>, &dyn Fn(&VaultError) -> bool)> = vec![
        ("entry ciphertext", Box::new(|j| flip_base64(&mut j["keys"][1]["ciphertext"])), &entry_corrupt),
        ("entry nonce", Box::new(|j| flip_base64(&mut j["keys"][0]["nonce"])), &entry_corrupt),
        ("entry version", Box::new(|j| j["keys"][1]["key_version"] = 3.into()), &wrong),
        ("entry campaign", Box::new(|j| j["keys"][2]["campaign_id"] = 2.into()), &wrong),
        ("entry removed", Box::new(|j| drop(j["keys"].as_array_mut().unwrap().pop())), &wrong),
        ("entries reordered", Box::new(|j| j["keys"].as_array_mut().unwrap().swap(0, 2)), &wrong),
        ("check", Box::new(|j| flip_base64(&mut j["check"])), &wrong),
        ("salt", Box::new(|j| flip_base64(&mut j["kdf"]["salt"])), &wrong),
        ("iterations", Box::new(|j| j["kdf"]["iterations"] = 2.into()), &wrong),
        ("fingerprint", Box::new(|j| j["master_fingerprint"] = "0000000000000000".into()), &wrong),
    ];
    for (what, edit, expected) in cases {
        let err = restore(&edited(&file, edit), PASSPHRASE, &b).unwrap_err();
        assert!(expected(&err), "{what}: {err:?}");
    }
}

#[test]
fn entries_swapped_between_keys_are_refused() {
    // Both entries authentic, but each moved to the other's place: their campaign and version are bound.
    let f = fixture();
    let file = backup(&f.keys, &f.master, PASSPHRASE).unwrap();
    let swapped = edited(&file, |j| {
        let keys = j["keys"].as_array_mut().unwrap();
        let (a, b) = (keys[0].clone(), keys[2].clone());
        for field in ["nonce", "ciphertext"] {
            keys[0][field] = b[field].clone();
            keys[2][field] = a[field].clone();
        }
    });
    assert!(matches!(
        restore(&swapped, PASSPHRASE, &MasterKey::generate()),
        Err(VaultError::BackupEntryCorrupt { .. })
    ));
}

#[test]
fn files_that_are_not_backups_are_refused_without_panicking() {
    let master = MasterKey::generate();
    let good = backup(&[], &master, PASSPHRASE).unwrap();
    let malformed = |e: &VaultError| matches!(e, VaultError::MalformedBackup { .. });
    for (what, file) in [
        ("empty", Vec::new()),
        ("binary", vec![0xff, 0x00, 0x13]),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("other json", b"{\"hello\": 1}".to_vec()),
        ("array", b"[]".to_vec()),
        ("no version", edited(&good, |j| drop(j.as_object_mut().unwrap().remove("format_version")))),
        ("cipher", edited(&good, |j| j["cipher"] = "aes".into())),
        ("kdf", edited(&good, |j| j["kdf"]["algorithm"] = "scrypt".into())),
        ("salt", edited(&good, |j| j["kdf"]["salt"] = "%%%".into())),
        ("check", edited(&good, |j| j["check"] = "AAAA".into())),
        ("fingerprint", edited(&good, |j| j["master_fingerprint"] = "xyz".into())),
        ("missing keys", edited(&good, |j| drop(j.as_object_mut().unwrap().remove("keys")))),
    ] {
        let err = restore(&file, PASSPHRASE, &master).unwrap_err();
        assert!(malformed(&err), "{what}: {err:?}");
    }
    let future = edited(&good, |j| j["format_version"] = 2.into());
    assert!(matches!(
        restore(&future, PASSPHRASE, &master),
        Err(VaultError::UnsupportedFormat { what: "key backup", version: 2 })
    ));
}

#[test]
fn a_file_demanding_excessive_work_is_refused_before_deriving() {
    let master = MasterKey::generate();
    let good = backup(&[], &master, PASSPHRASE).unwrap();
    for edit in [
        |j: &mut Value| j["kdf"]["memory_kib"] = (64u64 * 1024 * 1024).into(),
        |j: &mut Value| j["kdf"]["iterations"] = 1000.into(),
        |j: &mut Value| j["kdf"]["parallelism"] = 1000.into(),
        |j: &mut Value| j["kdf"]["iterations"] = 0.into(),
    ] {
        let start = std::time::Instant::now();
        let err = restore(&edited(&good, edit), PASSPHRASE, &master).unwrap_err();
        assert!(matches!(err, VaultError::BackupParameters), "{err:?}");
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}

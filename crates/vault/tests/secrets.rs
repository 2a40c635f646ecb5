//! Secrets stay secret: redacted `Debug`, zeroizing types, errors without secrets or plaintext.

use clearline_vault::{backup, BlindIndexer, DataKey, FieldCipher, KeyRing, MasterKey, PurposeIndexer, VaultError};
use zeroize::ZeroizeOnDrop;

const KEY: [u8; 32] = [0xa7; 32];

/// Every way a key's bytes could show in text.
fn leaks(text: &str) -> bool {
    text.contains("a7a7") || text.contains("A7A7") || text.contains("167, 167") || text.contains("167,167")
}

#[test]
fn debug_of_keys_is_redacted() {
    let master = MasterKey::from_bytes(KEY);
    let data = DataKey::from_bytes(KEY);
    assert_eq!(format!("{master:?}"), "MasterKey(<redacted>)");
    assert_eq!(format!("{data:?}"), "DataKey(<redacted>)");
    assert_eq!(format!("{master:#?}"), "MasterKey(<redacted>)");
    assert_eq!(format!("{data:#?}"), "DataKey(<redacted>)");
    assert!(leaks("a7a7"), "the leak check itself works");
}

#[test]
fn debug_of_what_holds_keys_shows_no_key() {
    let ring = KeyRing::from_keys(5, vec![(1, DataKey::from_bytes(KEY))]).unwrap();
    let cipher = FieldCipher::new(&ring);
    let indexer = BlindIndexer::new(&ring).unwrap();
    let purpose: PurposeIndexer = indexer.for_purpose("phone");
    for shown in [
        format!("{ring:?}"),
        format!("{cipher:?}"),
        format!("{indexer:?}"),
        format!("{purpose:?}"),
        format!("{:?}", MasterKey::from_bytes(KEY).wrap(&DataKey::from_bytes(KEY), 5, 1)),
    ] {
        assert!(!leaks(&shown), "{shown}");
    }
    assert!(format!("{ring:?}").contains("campaign_id: 5"));
}

#[test]
fn secret_holders_zeroize_on_drop() {
    fn zeroizes<T: ZeroizeOnDrop>() {}
    zeroizes::<MasterKey>();
    zeroizes::<DataKey>();
}

#[test]
fn errors_carry_no_secret_and_no_plaintext() {
    let hex_key = hex::encode(KEY);
    let err = MasterKey::from_hex(&hex_key[..63]).unwrap_err();
    assert!(!leaks(&format!("{err} {err:?}")));

    let ring = KeyRing::from_keys(5, vec![(1, DataKey::from_bytes(KEY))]).unwrap();
    let cipher = FieldCipher::new(&ring);
    let sealed = cipher.encrypt("phone", b"+19195550123");
    let mut tampered = sealed.clone();
    *tampered.last_mut().unwrap() ^= 1;
    let mut unknown_version = sealed.clone();
    unknown_version[4] = 9;
    let errors = [
        cipher.decrypt("email", &sealed).unwrap_err(),
        cipher.decrypt("phone", &tampered).unwrap_err(),
        cipher.decrypt("phone", &sealed[..10]).unwrap_err(),
        cipher.decrypt("phone", &unknown_version).unwrap_err(),
        MasterKey::generate().unwrap(&MasterKey::from_bytes(KEY).wrap(&DataKey::from_bytes(KEY), 5, 1), 5).unwrap_err(),
        MasterKey::from_bytes(KEY)
            .unwrap(&MasterKey::from_bytes(KEY).wrap(&DataKey::from_bytes(KEY), 5, 1), 6)
            .unwrap_err(),
    ];
    let sealed_hex = hex::encode(&sealed[5..]);
    for err in &errors {
        let shown = format!("{err} | {err:?}");
        assert!(!leaks(&shown), "{shown}");
        assert!(!shown.contains("9195550123"), "{shown}");
        assert!(!shown.contains(&sealed_hex[..16]), "{shown}");
    }
    assert!(errors[0].to_string().contains("email"), "errors name the field");
}

#[test]
fn backup_errors_do_not_repeat_the_passphrase() {
    let master = MasterKey::generate();
    let err = backup(&[], &master, "short secret").map(|_| ()).err();
    assert!(err.is_none(), "12 characters are enough");
    let err = backup(&[], &master, "tiny secret").unwrap_err();
    assert!(matches!(err, VaultError::PassphraseTooShort { min: 12 }));
    assert!(!format!("{err} {err:?}").contains("tiny"));
}

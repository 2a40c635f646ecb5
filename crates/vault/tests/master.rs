//! The master key: parsing, files, fingerprints.

use clearline_vault::{MasterKey, VaultError};
use std::path::Path;

const HEX: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

#[test]
fn from_hex_accepts_64_hex_digits_in_either_case_with_surrounding_whitespace() {
    let a = MasterKey::from_hex(HEX).unwrap();
    let b = MasterKey::from_hex(&format!("  {}\r\n", HEX.to_uppercase())).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
}

#[test]
fn from_hex_refuses_anything_else() {
    for bad in [
        "",
        &HEX[..62],
        &HEX[..63],
        &format!("{HEX}00"),
        &HEX.replace('f', "g"),
        &format!("{} {}", &HEX[..32], &HEX[32..]),
    ] {
        assert!(matches!(MasterKey::from_hex(bad), Err(VaultError::MasterKeyFormat)), "{bad:?} was accepted");
    }
}

#[test]
fn the_fingerprint_is_stable_distinct_and_not_the_key() {
    let a = MasterKey::from_hex(HEX).unwrap();
    let again = MasterKey::from_hex(HEX).unwrap();
    let other = MasterKey::generate();
    assert_eq!(a.fingerprint(), again.fingerprint());
    assert_ne!(a.fingerprint(), other.fingerprint());
    let shown = a.fingerprint().to_string();
    assert_eq!(shown.len(), 16);
    assert!(shown.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!HEX.contains(&shown));
    // A fixed value: the fingerprint is stored with every wrapped key and must never change.
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"clearline master key fingerprint v1");
    h.update(hex::decode(HEX).unwrap());
    assert_eq!(shown, hex::encode(&h.finalize()[..8]));
}

#[test]
fn generated_keys_differ() {
    assert_ne!(MasterKey::generate().fingerprint(), MasterKey::generate().fingerprint());
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn load_or_create_creates_a_private_one_line_file_then_loads_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    let (created_key, created) = MasterKey::load_or_create(&path).unwrap();
    assert!(created);
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600, "a new master key file is readable by its owner only");

    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.len(), 65);
    assert!(text.ends_with('\n'));
    assert!(text.trim_end().chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(MasterKey::from_hex(&text).unwrap().fingerprint(), created_key.fingerprint());

    let (loaded, created) = MasterKey::load_or_create(&path).unwrap();
    assert!(!created);
    assert_eq!(loaded.fingerprint(), created_key.fingerprint());
    assert_eq!(MasterKey::load(&path).unwrap().fingerprint(), created_key.fingerprint());
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn load_or_create_makes_missing_directories_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/master.key");
    let (_, created) = MasterKey::load_or_create(&path).unwrap();
    assert!(created);
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
    }
}

#[test]
fn concurrent_creation_agrees_on_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8).map(|_| s.spawn(|| MasterKey::load_or_create(&path).unwrap())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
    let first = results[0].0.fingerprint();
    assert!(results.iter().all(|(k, _)| k.fingerprint() == first));
    assert_eq!(MasterKey::load(&path).unwrap().fingerprint(), first);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_existing_file_is_used_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    std::fs::write(&path, format!("{HEX}\n")).unwrap();
    let (key, created) = MasterKey::load_or_create(&path).unwrap();
    assert!(!created);
    assert_eq!(key.fingerprint(), MasterKey::from_hex(HEX).unwrap().fingerprint());
}

#[test]
fn a_malformed_file_is_an_error_that_does_not_repeat_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    let near_miss = &HEX[..63];
    for content in [near_miss.to_string(), format!("{HEX}\n{HEX}\n"), String::new()] {
        std::fs::write(&path, &content).unwrap();
        let err = MasterKey::load_or_create(&path).unwrap_err();
        assert!(matches!(err, VaultError::KeyFileFormat { .. }), "{err:?}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(&HEX[..16]), "{shown}");
        // The malformed file is not replaced by a new key.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
    }
}

#[test]
fn a_missing_file_is_an_io_error_for_load() {
    let dir = tempfile::tempdir().unwrap();
    let err = MasterKey::load(&dir.path().join("absent.key")).unwrap_err();
    assert!(matches!(err, VaultError::KeyFile { .. }));
    assert!(err.to_string().contains("absent.key"));
}

#[test]
fn from_env_reads_a_variable_or_reports_its_absence() {
    // Names unique to this test: the environment is shared by the test threads.
    std::env::set_var("CLEARLINE_VAULT_TEST_MASTER_KEY", HEX);
    let key = MasterKey::from_env("CLEARLINE_VAULT_TEST_MASTER_KEY").unwrap().unwrap();
    assert_eq!(key.fingerprint(), MasterKey::from_hex(HEX).unwrap().fingerprint());
    assert!(MasterKey::from_env("CLEARLINE_VAULT_TEST_UNSET_VARIABLE").unwrap().is_none());
    std::env::set_var("CLEARLINE_VAULT_TEST_BAD_KEY", &HEX[..60]);
    let err = MasterKey::from_env("CLEARLINE_VAULT_TEST_BAD_KEY").unwrap_err();
    assert!(!err.to_string().contains(&HEX[..16]));
}

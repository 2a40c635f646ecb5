//! The audit checkpoint signing key: created on first use, kept with mode 0600, never printed.

use anyhow::Context;
use ed25519_dalek::SigningKey;
use std::path::Path;

pub fn load_or_create(path: &Path) -> anyhow::Result<SigningKey> {
    if path.exists() {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .with_context(|| format!("{} is not a 32-byte hexadecimal Ed25519 key", path.display()))?;
        return Ok(SigningKey::from_bytes(&bytes));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    write_private(path, &hex::encode(key.to_bytes())).with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}

/// Writes a file readable by its owner only.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(contents.as_bytes())
}

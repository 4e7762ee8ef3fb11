//! Credentials at rest: ChaCha20-Poly1305 with a 256-bit master key. A sealed value
//! names its key (`v1.<key id>.<base64 nonce‖ciphertext>`), so keys can rotate: old
//! ciphertexts stay readable with a retired key and are re-sealed with the current one
//! on their next write. The associated data binds a ciphertext to its row, so a sealed
//! value copied into another store's row does not open.

use anyhow::{Context as _, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::Path;

pub struct Sealer {
    /// The first key seals; all of them open.
    keys: Vec<(String, ChaCha20Poly1305)>,
}

fn key_id(key: &[u8]) -> String {
    hex::encode(&Sha256::digest(key)[..4])
}

fn parse_key(text: &str) -> anyhow::Result<Vec<u8>> {
    let text = text.trim();
    let bytes = STANDARD
        .decode(text)
        .or_else(|_| hex::decode(text))
        .map_err(|_| anyhow!("a master key is 32 bytes, base64 or hex encoded"))?;
    if bytes.len() != 32 {
        bail!("a master key is 32 bytes; this one has {}", bytes.len());
    }
    Ok(bytes)
}

impl Sealer {
    /// `current` seals; `retired` keys only open old values.
    pub fn new(current: &str, retired: &[String]) -> anyhow::Result<Sealer> {
        let mut keys = Vec::new();
        for text in std::iter::once(current).chain(retired.iter().map(String::as_str)) {
            let bytes = parse_key(text)?;
            keys.push((
                key_id(&bytes),
                ChaCha20Poly1305::new(Key::from_slice(&bytes)),
            ));
        }
        Ok(Sealer { keys })
    }

    /// Reads the key from `path`, creating it (mode 0600) if it does not exist.
    pub fn from_file_or_create(path: &Path, retired: &[String]) -> anyhow::Result<Sealer> {
        if !path.exists() {
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            write_private(path, &STANDARD.encode(key))
                .with_context(|| format!("creating the key file {}", path.display()))?;
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the key file {}", path.display()))?;
        Sealer::new(&text, retired)
    }

    /// Whether this sealer holds the key with this id.
    pub fn knows(&self, key_id: &str) -> bool {
        self.keys.iter().any(|(id, _)| id == key_id)
    }

    pub fn current_key_id(&self) -> &str {
        &self.keys[0].0
    }

    pub fn seal(&self, plaintext: &[u8], context: &str) -> String {
        let (kid, cipher) = &self.keys[0];
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .expect("ChaCha20-Poly1305 encryption cannot fail for in-memory input");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        format!("v1.{kid}.{}", URL_SAFE_NO_PAD.encode(blob))
    }

    pub fn open(&self, sealed: &str, context: &str) -> anyhow::Result<Vec<u8>> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(kid), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            bail!("not a sealed value");
        };
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(id, _)| id == kid)
            .ok_or_else(|| anyhow!("sealed with key {kid}, which this server does not have"))?;
        let blob = URL_SAFE_NO_PAD
            .decode(data)
            .map_err(|_| anyhow!("corrupt sealed value"))?;
        if blob.len() < 12 {
            bail!("corrupt sealed value");
        }
        let (nonce, ct) = blob.split_at(12);
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow!("sealed value does not open (wrong key or wrong row)"))
    }

    /// Whether a sealed value should be re-sealed with the current key.
    pub fn is_stale(&self, sealed: &str) -> bool {
        sealed.split('.').nth(1) != Some(self.current_key_id())
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

/// A fresh key, base64: what `beep keygen` prints.
pub fn generate_key() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    STANDARD.encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_with_context() {
        let s = Sealer::new(&generate_key(), &[]).unwrap();
        let sealed = s.seal(b"secret", "store:1");
        assert!(!sealed.contains("secret"));
        assert_eq!(s.open(&sealed, "store:1").unwrap(), b"secret");
        assert!(s.open(&sealed, "store:2").is_err(), "bound to its row");
        assert_ne!(
            s.seal(b"secret", "store:1"),
            sealed,
            "fresh nonce each time"
        );
    }

    #[test]
    fn rotation_keeps_old_values_readable() {
        let old = generate_key();
        let new = generate_key();
        let before = Sealer::new(&old, &[]).unwrap();
        let sealed = before.seal(b"v", "c");
        let after = Sealer::new(&new, std::slice::from_ref(&old)).unwrap();
        assert_eq!(after.open(&sealed, "c").unwrap(), b"v");
        assert!(after.is_stale(&sealed));
        assert!(!after.is_stale(&after.seal(b"v", "c")));
        let without_old = Sealer::new(&new, &[]).unwrap();
        assert!(without_old.open(&sealed, "c").is_err());
    }

    #[test]
    fn rejects_bad_keys() {
        assert!(Sealer::new("short", &[]).is_err());
        assert!(Sealer::new(&STANDARD.encode([0u8; 16]), &[]).is_err());
    }
}

//! Encryption at rest for provider credentials (ChaCha20-Poly1305 with `ring`).
//!
//! The 256-bit key comes from `HERALD_SECRET_KEY` (64 hex digits) or, when that is unset, from
//! `secret.key` in the data directory, created on first start with owner-only permissions. A
//! sealed value is `nonce || ciphertext+tag`, bound to what it belongs to (the surface id as
//! associated data), so a ciphertext copied onto another row does not open. Losing the key
//! loses the credentials (surfaces must then be given them again), never anything else.

use anyhow::{Context, bail};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use std::path::Path;

pub struct SecretBox {
    key: LessSafeKey,
    /// Signs links (unsubscribe); derived from the same secret, never used to encrypt.
    signing: hmac::Key,
    rng: SystemRandom,
}

/// The key file in the data directory.
pub const KEY_FILE: &str = "secret.key";

impl SecretBox {
    /// The key from `configured` (hex) or the data directory's key file, made if missing.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let hex_key = match configured {
            Some(k) => k.trim().to_owned(),
            None => key_file(data_dir)?,
        };
        let bytes = hex::decode(&hex_key)
            .ok()
            .filter(|b| b.len() == 32)
            .context("the secret key (HERALD_SECRET_KEY or secret.key) must be 64 hex digits")?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> anyhow::Result<Self> {
        let key = UnboundKey::new(&CHACHA20_POLY1305, bytes)
            .map_err(|_| anyhow::anyhow!("invalid secret key"))?;
        let signing = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, bytes),
            b"herald link signing v1",
        );
        Ok(Self {
            key: LessSafeKey::new(key),
            signing: hmac::Key::new(hmac::HMAC_SHA256, signing.as_ref()),
            rng: SystemRandom::new(),
        })
    }

    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .expect("the system random source works");
        let mut sealed = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut sealed,
            )
            .expect("sealing a small value cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        out
    }

    /// The HMAC-SHA256 of `data` for `purpose`, as hex.
    pub fn sign(&self, purpose: &str, data: &str) -> String {
        hex::encode(hmac::sign(
            &self.signing,
            format!("{purpose}\n{data}").as_bytes(),
        ))
    }

    /// Whether `signature` is [`sign`](Self::sign)'s for `data` and `purpose` (constant time).
    pub fn verify(&self, purpose: &str, data: &str, signature: &str) -> bool {
        let Ok(tag) = hex::decode(signature) else {
            return false;
        };
        hmac::verify(&self.signing, format!("{purpose}\n{data}").as_bytes(), &tag).is_ok()
    }

    /// `<data>.<signature>`: a token that carries `data` and proves Herald made it for `purpose`
    /// (the links in messages: unsubscribe, open pixel, delivery receipts).
    pub fn token(&self, purpose: &str, data: &str) -> String {
        format!("{data}.{}", self.sign(purpose, data))
    }

    /// The data of a [`token`](Self::token) made for `purpose`; `None` if it was not.
    pub fn open_token<'t>(&self, purpose: &str, token: &'t str) -> Option<&'t str> {
        let (data, signature) = token.split_once('.')?;
        self.verify(purpose, data, signature).then_some(data)
    }

    /// `None` if the value was sealed with another key or for another context, or was altered.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buffer)
            .ok()?;
        Some(plain.to_vec())
    }
}

/// Reads the key file, creating it (mode 0600) with a fresh random key if it does not exist.
fn key_file(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        return std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    crate::store::owner_only(data_dir, 0o700)?;
    let mut key = [0u8; 32];
    if SystemRandom::new().fill(&mut key).is_err() {
        bail!("the system random source failed");
    }
    crate::store::create_owner_only(&path, hex::encode(key).as_bytes())?;
    Ok(hex::encode(key))
}

/// The install's key as hex, from `configured` or the data directory's key file, which must
/// exist (a backup of an install that never started has nothing to back up).
pub fn existing_key(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<String> {
    let key = match configured {
        Some(k) => k.trim().to_owned(),
        None => {
            let path = data_dir.join(KEY_FILE);
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the secret key {}", path.display()))?
                .trim()
                .to_owned()
        }
    };
    SecretBox::from_bytes(&hex::decode(&key).unwrap_or_default())
        .context("the secret key (HERALD_SECRET_KEY or secret.key) must be 64 hex digits")?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let dir = tempfile::tempdir().unwrap();
        let a = SecretBox::load(None, dir.path()).unwrap();
        let sealed = a.seal("surface-1", b"hunter2");
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(a.open("surface-1", &sealed).unwrap(), b"hunter2");
        assert!(a.open("surface-2", &sealed).is_none());
        // The key file is reused on the next start.
        let again = SecretBox::load(None, dir.path()).unwrap();
        assert_eq!(again.open("surface-1", &sealed).unwrap(), b"hunter2");
        let other = SecretBox::load(Some(&"ab".repeat(32)), dir.path()).unwrap();
        assert!(other.open("surface-1", &sealed).is_none());
        assert!(SecretBox::load(Some("short"), dir.path()).is_err());
        let signature = a.sign("unsubscribe", "m1");
        assert!(a.verify("unsubscribe", "m1", &signature));
        assert!(!a.verify("unsubscribe", "m2", &signature));
        assert!(!a.verify("other", "m1", &signature));
        assert!(!other.verify("unsubscribe", "m1", &signature));
        let token = a.token("open", "m1");
        assert_eq!(a.open_token("open", &token), Some("m1"));
        assert_eq!(a.open_token("unsubscribe", &token), None);
        assert_eq!(a.open_token("open", "m1"), None);
    }
}

//! Password checks with reused memory. Argon2id needs `m_cost` KiB (19 MiB by default) per
//! check; allocated per check, that memory ends up kept by the malloc arena of whichever
//! blocking thread ran it, and a sign-in flood grows the process by hundreds of MiB. Checks
//! borrow a buffer from a small pool instead: memory is bounded by the checks that run at once
//! (the sign-in guard allows one per core).
//!
//! A stored hash asking for more than [`MAX_M_COST_KIB`] is not checked (it was not made here).

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::Mutex;

/// Largest Argon2 memory cost a stored hash may ask for.
pub const MAX_M_COST_KIB: u32 = 64 * 1024;

#[derive(Default)]
pub(crate) struct PasswordChecker {
    buffers: Mutex<Vec<Vec<Block>>>,
}

impl PasswordChecker {
    /// Whether `password` matches the PHC string `phc`, in constant time for the comparison.
    pub fn verify(&self, password: &[u8], phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let (Ok(params), Some(salt), Some(expected)) =
            (Params::try_from(&parsed), parsed.salt, parsed.hash)
        else {
            return false;
        };
        let (Ok(algorithm), Ok(version)) = (
            Algorithm::try_from(parsed.algorithm),
            parsed
                .version
                .map_or(Ok(Version::default()), Version::try_from),
        ) else {
            return false;
        };
        if params.m_cost() > MAX_M_COST_KIB {
            return false;
        }
        let mut salt_bytes = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
            return false;
        };
        let blocks_needed = params.block_count();
        let mut blocks = self.take(blocks_needed);
        let mut out = vec![0u8; expected.len()];
        let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password,
            salt,
            &mut out,
            &mut blocks[..],
        );
        self.give_back(blocks);
        hashed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
    }

    fn take(&self, blocks: usize) -> Vec<Block> {
        let mut pool = self.buffers.lock().expect("password buffers lock");
        match pool.iter().position(|b| b.len() >= blocks) {
            Some(i) => pool.swap_remove(i),
            None => vec![Block::default(); blocks],
        }
    }

    fn give_back(&self, buffer: Vec<Block>) {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut pool = self.buffers.lock().expect("password buffers lock");
        if pool.len() < cores {
            pool.push(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    #[test]
    fn checks_agree_with_argon2_and_reuse_their_memory() {
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let phc = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let checker = PasswordChecker::default();
        assert!(checker.verify(b"correct horse", &phc));
        assert!(!checker.verify(b"wrong horse", &phc));
        assert!(!checker.verify(b"correct horse", "not a hash"));
        assert_eq!(
            checker.buffers.lock().unwrap().len(),
            1,
            "one buffer, reused"
        );
    }
}

//! Encryption of everything the store writes, under subkeys of the state key.
//!
//! - Records are sealed with AES-256-GCM and a fresh random 96-bit nonce per
//!   write; a stored record is `nonce (12 bytes) || ciphertext || tag`. With
//!   random nonces one key must not seal more than about 2^32 records (NIST
//!   SP 800-38D, 8.3); the store counts every seal (its records and the
//!   encrypted diffs of proposed blocks) and refuses to go beyond
//!   [`MAX_SEALS_PER_KEY`].
//! - The associated data of every record names the shard and the record's
//!   slot (its database key), so a record copied to another slot or shard
//!   does not open.
//! - The state root's set hash is keyed with two more subkeys
//!   ([`crate::commitment`]).

use aes_gcm::{
	aead::{rand_core::RngCore, Aead, KeyInit, OsRng, Payload},
	Aes256Gcm, Nonce,
};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{commitment::CommitmentKey, Error};

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// The most records the store seals under one state key (random nonces).
pub const MAX_SEALS_PER_KEY: u64 = 1 << 32;

type HmacSha256 = Hmac<Sha256>;

fn derive(state_key: &[u8; 32], label: &[u8]) -> [u8; 32] {
	// HMAC-SHA256 as a PRF keyed with the state key (HKDF-Expand with one block).
	let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(state_key)
		.unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
	mac.update(label);
	mac.update(&[1]);
	mac.finalize().into_bytes().into()
}

/// Fresh random nonces for a known number of seals, drawn from the OS in one
/// call (one `getrandom` per block instead of one per trie node). Each nonce
/// is used once.
pub(crate) struct NoncePool {
	bytes: Vec<u8>,
}

impl NoncePool {
	pub(crate) fn new(count: usize) -> Result<Self, Error> {
		let mut bytes = vec![0u8; count.saturating_mul(NONCE_LEN)];
		OsRng.try_fill_bytes(&mut bytes).map_err(|_| Error::Crypto("no OS randomness"))?;
		Ok(Self { bytes })
	}

	fn next(&mut self) -> Result<[u8; NONCE_LEN], Error> {
		let at =
			self.bytes.len().checked_sub(NONCE_LEN).ok_or(Error::Crypto("nonce pool empty"))?;
		let mut n = [0u8; NONCE_LEN];
		n.copy_from_slice(&self.bytes[at..]);
		self.bytes.truncate(at);
		Ok(n)
	}
}

/// The subkeys of one state key. Never printed.
pub(crate) struct StateCrypto {
	cipher: Aes256Gcm,
	pub(crate) commitment: CommitmentKey,
	shard: [u8; 32],
	/// Seals made outside the store's records (the encrypted diffs of
	/// proposed blocks, which travel in blocks): counted into the head's
	/// seal count at the next commit, so that every seal counts.
	outside_seals: std::sync::atomic::AtomicU64,
}

impl core::fmt::Debug for StateCrypto {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("StateCrypto { .. }")
	}
}

impl StateCrypto {
	pub(crate) fn new(state_key: &[u8; 32], shard: [u8; 32]) -> Self {
		let enc = derive(state_key, b"integritee-stf/v1/record-encryption");
		let commitment = CommitmentKey::new(
			derive(state_key, b"integritee-stf/v3/commitment-element"),
			derive(state_key, b"integritee-stf/v3/commitment-root"),
		);
		Self {
			cipher: Aes256Gcm::new(&enc.into()),
			commitment,
			shard,
			outside_seals: std::sync::atomic::AtomicU64::new(0),
		}
	}

	fn aad(&self, slot: &[u8]) -> Vec<u8> {
		let mut aad = Vec::with_capacity(16 + 32 + slot.len());
		aad.extend_from_slice(b"integritee-stf/1");
		aad.extend_from_slice(&self.shard);
		aad.extend_from_slice(slot);
		aad
	}

	/// Seals `plaintext` for the database slot `slot`.
	pub(crate) fn seal(&self, slot: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
		let mut nonces = NoncePool::new(1)?;
		self.seal_with(&mut nonces, slot, plaintext)
	}

	/// [`Self::seal`] for a record the store does not write (counted by
	/// [`Self::outside_seals`]).
	pub(crate) fn seal_outside(&self, slot: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
		let sealed = self.seal(slot, plaintext)?;
		self.outside_seals.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
		Ok(sealed)
	}

	/// Seals made by [`Self::seal_outside`] and not yet counted.
	pub(crate) fn outside_seals(&self) -> u64 {
		self.outside_seals.load(std::sync::atomic::Ordering::Relaxed)
	}

	/// `n` outside seals are counted in a committed head now.
	pub(crate) fn outside_seals_counted(&self, n: u64) {
		self.outside_seals.fetch_sub(n, std::sync::atomic::Ordering::Relaxed);
	}

	/// Seals with the next nonce of `nonces`.
	pub(crate) fn seal_with(
		&self,
		nonces: &mut NoncePool,
		slot: &[u8],
		plaintext: &[u8],
	) -> Result<Vec<u8>, Error> {
		let nonce = nonces.next()?;
		let nonce = Nonce::from_slice(&nonce);
		let aad = self.aad(slot);
		let ct = self
			.cipher
			.encrypt(nonce, Payload { msg: plaintext, aad: &aad })
			.map_err(|_| Error::Crypto("encryption failed"))?;
		let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
		out.extend_from_slice(nonce.as_slice());
		out.extend_from_slice(&ct);
		Ok(out)
	}

	/// Opens a record sealed for `slot`; `None` if it does not authenticate
	/// (wrong key, wrong slot or shard, tampered).
	pub(crate) fn open(&self, slot: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
		if sealed.len() < NONCE_LEN + TAG_LEN {
			return None;
		}
		let (nonce, ct) = sealed.split_at(NONCE_LEN);
		let aad = self.aad(slot);
		self.cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: &aad }).ok()
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn seal_binds_key_slot_and_shard_and_uses_fresh_nonces() {
		let c = StateCrypto::new(&[1; 32], [2; 32]);
		let a = c.seal(b"slot", b"secret").unwrap();
		let b = c.seal(b"slot", b"secret").unwrap();
		assert_ne!(a, b, "fresh nonce per seal");
		assert_eq!(c.open(b"slot", &a).unwrap(), b"secret");
		assert!(c.open(b"other", &a).is_none());
		assert!(StateCrypto::new(&[9; 32], [2; 32]).open(b"slot", &a).is_none());
		assert!(StateCrypto::new(&[1; 32], [3; 32]).open(b"slot", &a).is_none());
		let mut t = a.clone();
		t[20] ^= 1;
		assert!(c.open(b"slot", &t).is_none());
		assert!(c.open(b"slot", &a[..10]).is_none());
	}
}

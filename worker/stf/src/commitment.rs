//! The state root: a homomorphic set hash of the shard's (key, value) pairs.
//!
//! A Merkle trie root costs `O(depth)` node rewrites per changed key, so a
//! block's cost grows with the state. The state root here is instead an
//! LtHash (Bellare–Micciancio's lattice hash, the "LtHash16" parameters of
//! Lewi et al., *Securing Update Propagation with Homomorphic Hashing*,
//! 2019: 1024 lanes of 16 bits): every pair is hashed to a 32-byte seed with
//! keyed BLAKE3 and the seed expanded to 2048 bytes with AES-256-CTR (a PRG;
//! BLAKE3's own extendable output computes its blocks one after the other
//! without AVX-512, about 5x slower here), and the accumulator is the
//! lane-wise sum (mod 2^16) over all pairs. Changing a value subtracts the old pair and
//! adds the new one, so a block costs `O(changed keys)` whatever the state
//! size.
//!
//! The expansion is keyed with a subkey of the state key: the root reveals
//! nothing about the (confidential) state to whoever lacks the key, and only
//! enclaves holding the shard's state key can compute or compare roots.
//! The published root is the keyed BLAKE3 hash of the accumulator.
//!
//! What it does not give: inclusion proofs for single keys (nobody outside
//! the enclave may read the state anyway).

use aes::cipher::{KeyIvInit, StreamCipher};
use polkadot_sdk::sp_core::H256;

type Aes256Ctr = ctr::Ctr128LE<aes::Aes256>;

/// Lanes of the accumulator.
const LANES: usize = 1024;
const BYTES: usize = LANES * 2;

/// The running set hash of a state.
#[derive(Clone)]
pub(crate) struct Accumulator {
	lanes: Box<[u16; LANES]>,
}

/// The keys of the commitment (derived from the state key). Never printed.
pub(crate) struct CommitmentKey {
	element: blake3::Hasher,
	root: blake3::Hasher,
}

impl core::fmt::Debug for CommitmentKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("CommitmentKey { .. }")
	}
}

impl CommitmentKey {
	pub(crate) fn new(element_key: [u8; 32], root_key: [u8; 32]) -> Self {
		Self {
			element: blake3::Hasher::new_keyed(&element_key),
			root: blake3::Hasher::new_keyed(&root_key),
		}
	}

	/// The 1024 lanes of one (key, value) pair. The key's length is hashed
	/// first, so (key, value) splits are unambiguous.
	fn expand(&self, key: &[u8], value: &[u8], out: &mut [u8; BYTES]) {
		let mut h = self.element.clone();
		h.update(&(key.len() as u64).to_le_bytes());
		h.update(key);
		h.update(value);
		let seed = h.finalize();
		out.fill(0);
		let mut prg = Aes256Ctr::new(seed.as_bytes().into(), &[0u8; 16].into());
		prg.apply_keystream(out);
	}
}

impl Accumulator {
	/// The accumulator of the empty state.
	pub(crate) fn empty() -> Self {
		Self { lanes: Box::new([0; LANES]) }
	}

	/// Adds the pair to the set (`add`) or removes it.
	fn apply(&mut self, ck: &CommitmentKey, key: &[u8], value: &[u8], add: bool) {
		let mut bytes = [0u8; BYTES];
		ck.expand(key, value, &mut bytes);
		for (lane, b) in self.lanes.iter_mut().zip(bytes.chunks_exact(2)) {
			let v = u16::from_le_bytes([b[0], b[1]]);
			*lane = if add { lane.wrapping_add(v) } else { lane.wrapping_sub(v) };
		}
	}

	pub(crate) fn insert(&mut self, ck: &CommitmentKey, key: &[u8], value: &[u8]) {
		self.apply(ck, key, value, true);
	}

	pub(crate) fn remove(&mut self, ck: &CommitmentKey, key: &[u8], value: &[u8]) {
		self.apply(ck, key, value, false);
	}

	/// Records that `key` changed from `old` to `new` (`None`: absent).
	pub(crate) fn change(
		&mut self,
		ck: &CommitmentKey,
		key: &[u8],
		old: Option<&[u8]>,
		new: Option<&[u8]>,
	) {
		if let Some(old) = old {
			self.remove(ck, key, old);
		}
		if let Some(new) = new {
			self.insert(ck, key, new);
		}
	}

	/// The state root.
	pub(crate) fn root(&self, ck: &CommitmentKey) -> H256 {
		let mut h = ck.root.clone();
		for lane in self.lanes.iter() {
			h.update(&lane.to_le_bytes());
		}
		H256(*h.finalize().as_bytes())
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	fn ck(n: u8) -> CommitmentKey {
		CommitmentKey::new([n; 32], [n + 1; 32])
	}

	#[test]
	fn root_depends_on_the_set_not_the_order() {
		let k = ck(1);
		let mut a = Accumulator::empty();
		a.insert(&k, b"x", b"1");
		a.insert(&k, b"y", b"2");
		let mut b = Accumulator::empty();
		b.insert(&k, b"y", b"2");
		b.insert(&k, b"x", b"1");
		assert_eq!(a.root(&k), b.root(&k));
		assert_ne!(a.root(&k), Accumulator::empty().root(&k));
	}

	#[test]
	fn change_is_incremental_and_reversible() {
		let k = ck(1);
		let mut a = Accumulator::empty();
		a.insert(&k, b"x", b"1");
		a.insert(&k, b"y", b"2");
		let before = a.root(&k);
		a.change(&k, b"x", Some(b"1"), Some(b"3"));
		let mut fresh = Accumulator::empty();
		fresh.insert(&k, b"y", b"2");
		fresh.insert(&k, b"x", b"3");
		assert_eq!(a.root(&k), fresh.root(&k));
		a.change(&k, b"x", Some(b"3"), Some(b"1"));
		assert_eq!(a.root(&k), before);
		a.change(&k, b"y", Some(b"2"), None);
		a.change(&k, b"x", Some(b"1"), None);
		assert_eq!(a.root(&k), Accumulator::empty().root(&k));
	}

	#[test]
	fn key_value_split_and_key_matter() {
		let k = ck(1);
		let one = |key: &[u8], value: &[u8], k: &CommitmentKey| {
			let mut a = Accumulator::empty();
			a.insert(k, key, value);
			a.root(k)
		};
		assert_ne!(one(b"ab", b"c", &k), one(b"a", b"bc", &k));
		assert_ne!(one(b"a", b"b", &k), one(b"a", b"b", &ck(2)));
	}
}

//! What a client checks a direct call's statuses with, so that the worker's
//! host (which relays them) cannot forge them:
//!
//! - **in a block**: the block's signed header and a Merkle proof that
//!   (call hash, outcome) is one of the calls under its `calls_root`
//!   ([`IncludedCall`]); the signature is the enclave's, checked by the
//!   client against the registry;
//! - **finalized**: the headers after that block up to the block whose
//!   anchor the parent chain finalized ([`check_link`]), each naming the
//!   previous one's hash: the parent chain vouches for the last hash, the
//!   hash chain for the rest.
//!
//! The tree is the one [`calls_root`](crate::calls_root) computes (binary,
//! blake2_256, leaves hashed, an odd last node promoted unhashed);
//! [`CallsTree`] keeps every layer so that a block's proofs cost one tree.

use codec::{Decode, Encode};
use polkadot_sdk::sp_crypto_hashing::blake2_256;

use crate::{ed25519, CallOutcome, SidechainHeader, H256};

/// A block's calls as a Merkle tree with all its layers, to prove many of
/// its calls at the cost of one tree.
pub struct CallsTree {
	/// Leaf hashes first, the root's layer (one node) last; empty for no
	/// calls.
	layers: Vec<Vec<H256>>,
}

fn hash_pair(left: &H256, right: &H256) -> H256 {
	let mut both = [0u8; 64];
	both[..32].copy_from_slice(left.as_bytes());
	both[32..].copy_from_slice(right.as_bytes());
	H256(blake2_256(&both))
}

fn leaf_hash(call: &(H256, CallOutcome)) -> H256 {
	H256(blake2_256(&call.encode()))
}

impl CallsTree {
	pub fn new(calls: &[(H256, CallOutcome)]) -> Self {
		let mut layers = Vec::new();
		let mut layer: Vec<H256> = calls.iter().map(leaf_hash).collect();
		while layer.len() > 1 {
			let next = layer
				.chunks(2)
				.map(|pair| match pair {
					[left, right] => hash_pair(left, right),
					// An odd last node goes up as it is (chunks are never
					// empty).
					_ => pair.first().copied().unwrap_or_default(),
				})
				.collect();
			layers.push(std::mem::replace(&mut layer, next));
		}
		if !layer.is_empty() {
			layers.push(layer);
		}
		Self { layers }
	}

	/// The root: what the header's `calls_root` must be (zero for no calls).
	pub fn root(&self) -> H256 {
		self.layers.last().and_then(|top| top.first()).copied().unwrap_or_default()
	}

	/// The proof of the call at `index`; `None` outside the block's calls.
	pub fn proof(&self, index: usize) -> Option<CallProof> {
		let count = self.layers.first()?.len();
		if index >= count {
			return None;
		}
		let mut siblings = Vec::new();
		let mut position = index;
		for layer in &self.layers[..self.layers.len() - 1] {
			// A node without a right neighbour is promoted: no sibling.
			if let Some(sibling) = layer.get(position ^ 1) {
				siblings.push(*sibling);
			}
			position /= 2;
		}
		Some(CallProof {
			leaf_index: u32::try_from(index).ok()?,
			leaf_count: u32::try_from(count).ok()?,
			siblings,
		})
	}
}

/// The place of one call among a block's calls and the sibling hashes from
/// its leaf up to the root.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct CallProof {
	pub leaf_index: u32,
	pub leaf_count: u32,
	/// Bottom-up; levels where the node is promoted have none.
	pub siblings: Vec<H256>,
}

/// Why a status's proof is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
	#[error("the proof places the call at {index} of {count} calls")]
	LeafOutside { index: u32, count: u32 },
	#[error("the proof has {got} sibling hashes, a tree of {count} calls needs {expected}")]
	WrongLength { count: u32, expected: usize, got: usize },
	#[error("the call and its outcome are not among the calls of block #{number}")]
	NotInBlock { number: u64 },
	#[error("the status names block #{got_number} {got_hash:?}, its header is #{number} {hash:?}")]
	OtherBlock { number: u64, hash: H256, got_number: u64, got_hash: H256 },
	#[error("header #{number} does not follow #{} {expected_parent:?}", number.saturating_sub(1))]
	ChainBroken { number: u64, expected_parent: H256 },
	#[error(
		"the headers end at #{got_number} {got_hash:?}, not at the anchored block #{number} {hash:?}"
	)]
	ChainEndsElsewhere { number: u64, hash: H256, got_number: u64, got_hash: H256 },
}

impl CallProof {
	/// The root that `call` leads to by this proof; an error if the proof
	/// does not fit its own tree's shape.
	pub fn root_of(&self, call: &(H256, CallOutcome)) -> Result<H256, ProofError> {
		let (index, count) = (self.leaf_index, self.leaf_count);
		if index >= count {
			return Err(ProofError::LeafOutside { index, count });
		}
		let expected = siblings_needed(index, count);
		if self.siblings.len() != expected {
			return Err(ProofError::WrongLength { count, expected, got: self.siblings.len() });
		}
		let (mut position, mut width) = (index, count);
		let mut node = leaf_hash(call);
		let mut siblings = self.siblings.iter();
		while width > 1 {
			if !is_promoted(position, width) {
				// Counted above: there is one.
				let sibling = siblings.next().copied().unwrap_or_default();
				node = if position.is_multiple_of(2) {
					hash_pair(&node, &sibling)
				} else {
					hash_pair(&sibling, &node)
				};
			}
			position /= 2;
			width = width.div_ceil(2);
		}
		Ok(node)
	}
}

/// Whether the node at `position` of a layer `width` wide goes up unhashed
/// (the odd last one).
fn is_promoted(position: u32, width: u32) -> bool {
	position.is_multiple_of(2) && position + 1 == width
}

/// The sibling hashes the proof of leaf `index` of `count` has.
fn siblings_needed(index: u32, count: u32) -> usize {
	let (mut position, mut width, mut needed) = (index, count, 0);
	while width > 1 {
		if !is_promoted(position, width) {
			needed += 1;
		}
		position /= 2;
		width = width.div_ceil(2);
	}
	needed
}

/// What an `inSidechainBlock` status carries (SCALE, hex in JSON): the
/// block's signed header and the proof of the call's (hash, outcome).
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct IncludedCall {
	pub header: SidechainHeader,
	pub signature: ed25519::Signature,
	pub proof: CallProof,
}

impl IncludedCall {
	/// Checks that the header is block (`number`, `hash`) and that `call`
	/// came to `outcome` in it. The header's signature and author are the
	/// client's to check (against the enclave it trusts).
	pub fn proves(
		&self,
		number: u64,
		hash: H256,
		call: H256,
		outcome: CallOutcome,
	) -> Result<(), ProofError> {
		let header_hash = self.header.hash();
		if self.header.number != number || header_hash != hash {
			return Err(ProofError::OtherBlock {
				number: self.header.number,
				hash: header_hash,
				got_number: number,
				got_hash: hash,
			});
		}
		if self.proof.root_of(&(call, outcome))? != self.header.calls_root {
			return Err(ProofError::NotInBlock { number });
		}
		Ok(())
	}
}

/// Checks that `headers` lead from block `from` (number, hash) to block
/// `to` by parent hashes: the first names `from` as its parent, each next
/// one the previous, the last is `to`. Empty when `from` is `to`.
pub fn check_link(
	from: (u64, H256),
	headers: &[SidechainHeader],
	to: (u64, H256),
) -> Result<(), ProofError> {
	let mut last = from;
	for header in headers {
		if header.parent_hash != last.1 || Some(header.number) != last.0.checked_add(1) {
			return Err(ProofError::ChainBroken { number: header.number, expected_parent: last.1 });
		}
		last = (header.number, header.hash());
	}
	if last != to {
		return Err(ProofError::ChainEndsElsewhere {
			number: to.0,
			hash: to.1,
			got_number: last.0,
			got_hash: last.1,
		});
	}
	Ok(())
}

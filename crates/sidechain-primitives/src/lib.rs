//! Sidechain blocks of a shard and the checks a member applies to them.
//! See the README for what this crate owns and must not touch.
#![forbid(unsafe_code)]

use codec::{Decode, Encode};
pub use polkadot_sdk::sp_core::{ed25519, H256};
use polkadot_sdk::{
	binary_merkle_tree, sp_core::Pair, sp_crypto_hashing::blake2_256,
	sp_runtime::traits::BlakeTwo256,
};

/// The fixed prefix of every sidechain header's signed bytes (domain
/// separation: an enclave's header signature is never valid for a
/// parent-chain extrinsic, a getter answer or anything else it signs).
pub const SIDECHAIN_HEADER_DOMAIN: &[u8] = b"integritee/sidechain-header/v1:";

/// What a call in a block came to: the STF's typed outcome, whose SCALE
/// indices are part of this block format (see
/// [`integritee_stf_primitives::outcome`]).
pub use integritee_stf_primitives::outcome::{CallOutcome, FailReason, RejectReason};

pub mod proof;
pub use proof::{check_link, CallProof, CallsTree, IncludedCall, ProofError};

/// A sidechain block's header.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct SidechainHeader {
	pub shard: H256,
	/// 1 for the first block of a shard.
	pub number: u64,
	/// Hash of the previous block's header; zero for block 1.
	pub parent_hash: H256,
	/// The Raft term in which the block was proposed (never decreases).
	pub term: u64,
	/// The last parent-chain block (number, hash) whose inputs the state
	/// includes after this block (never goes back).
	pub parentchain_anchor: (u32, H256),
	/// [`calls_root`] of the body's calls.
	pub calls_root: H256,
	pub state_root_before: H256,
	pub state_root_after: H256,
	/// blake2_256 of the encrypted state diff in the body.
	pub diff_hash: H256,
	/// The enclave signer that produced and signed the block.
	pub author: ed25519::Public,
}

impl SidechainHeader {
	/// The header's hash: what the next block names as its parent and what
	/// the parent chain records.
	pub fn hash(&self) -> H256 {
		H256(blake2_256(&self.encode()))
	}

	/// The bytes the author signs.
	pub fn signing_payload(&self) -> Vec<u8> {
		let mut payload = SIDECHAIN_HEADER_DOMAIN.to_vec();
		self.encode_to(&mut payload);
		payload
	}
}

/// A sidechain block's body.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct SidechainBody {
	/// The calls the block executed, in order, with their outcomes.
	pub calls: Vec<(H256, CallOutcome)>,
	/// The block's state changes, encrypted with the shard's state key.
	pub encrypted_diff: Vec<u8>,
}

/// Merkle root of a block's calls: the binary Merkle tree (blake2_256) over
/// the SCALE encoding of each (call hash, outcome); zero for none.
pub fn calls_root(calls: &[(H256, CallOutcome)]) -> H256 {
	binary_merkle_tree::merkle_root::<BlakeTwo256, _>(calls.iter().map(|call| call.encode()))
}

/// A block as members exchange and store it.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct SignedSidechainBlock {
	pub header: SidechainHeader,
	pub body: SidechainBody,
	pub signature: ed25519::Signature,
}

/// What a member knows of the last block it committed (or, before the
/// first, of the shard's start).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommittedTip {
	pub shard: H256,
	/// 0 before the first block.
	pub number: u64,
	/// Zero before the first block.
	pub hash: H256,
	pub term: u64,
	pub parentchain_anchor: (u32, H256),
	pub state_root: H256,
}

impl CommittedTip {
	/// The tip after `header` (which passed [`SignedSidechainBlock::check_successor`]).
	pub fn after(header: &SidechainHeader) -> Self {
		Self {
			shard: header.shard,
			number: header.number,
			hash: header.hash(),
			term: header.term,
			parentchain_anchor: header.parentchain_anchor,
			state_root: header.state_root_after,
		}
	}
}

/// Why a member refuses a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
	#[error("the block is for shard {got:?}, not {expected:?}")]
	WrongShard { expected: H256, got: H256 },
	#[error("block #{got} does not follow #{last}")]
	NotNext { last: u64, got: u64 },
	#[error("block #{number} names parent {got:?}, the committed block is {expected:?}")]
	WrongParent { number: u64, expected: H256, got: H256 },
	#[error("block #{number} is from term {got}, before the committed term {last}")]
	TermWentBack { number: u64, last: u64, got: u64 },
	#[error("block #{number} anchors at parent block #{got}, before the committed #{last}")]
	AnchorWentBack { number: u64, last: u32, got: u32 },
	#[error("block #{number} anchors at parent block #{number_of_anchor} {got:?}, but #{number_of_anchor} is {expected:?}")]
	AnchorForked { number: u64, number_of_anchor: u32, expected: H256, got: H256 },
	#[error("block #{number} starts from state {got:?}, the committed state is {expected:?}")]
	StateRootMismatch { number: u64, expected: H256, got: H256 },
	#[error("block #{number}: the body's calls do not match the header's calls root")]
	CallsRootMismatch { number: u64 },
	#[error("block #{number}: the body's diff does not match the header's diff hash")]
	DiffHashMismatch { number: u64 },
	#[error("block #{number}: author {author} may not produce blocks of this shard")]
	UnknownAuthor { number: u64, author: String },
	#[error("block #{number}: the signature is not the author's over the header")]
	BadSignature { number: u64 },
}

impl SignedSidechainBlock {
	/// Builds and signs a block: the header's calls root and diff hash are
	/// computed from `body`, its author is `author`'s public key.
	pub fn sign(mut header: SidechainHeader, body: SidechainBody, author: &ed25519::Pair) -> Self {
		header.calls_root = calls_root(&body.calls);
		header.diff_hash = H256(blake2_256(&body.encrypted_diff));
		header.author = author.public();
		let signature = author.sign(&header.signing_payload());
		Self { header, body, signature }
	}

	/// The checks a member applies to a block that should extend `tip`:
	/// same shard; the next number; the committed block as parent; term and
	/// parent-chain anchor never go back (an anchor at the same height must
	/// be the same block); the state root before is the committed one; the
	/// body matches the header's calls root and diff hash; the author is
	/// one of `authors` (the shard's members); its signature covers the
	/// domain-tagged header. Executing the diff (and checking the state
	/// root after it) is the STF's business.
	pub fn check_successor(
		&self,
		tip: &CommittedTip,
		authors: &[ed25519::Public],
	) -> Result<(), BlockError> {
		let header = &self.header;
		let number = header.number;
		if header.shard != tip.shard {
			return Err(BlockError::WrongShard { expected: tip.shard, got: header.shard });
		}
		if tip.number.checked_add(1) != Some(number) {
			return Err(BlockError::NotNext { last: tip.number, got: number });
		}
		if header.parent_hash != tip.hash {
			return Err(BlockError::WrongParent {
				number,
				expected: tip.hash,
				got: header.parent_hash,
			});
		}
		if header.term < tip.term {
			return Err(BlockError::TermWentBack { number, last: tip.term, got: header.term });
		}
		let ((last_anchor, last_hash), (anchor, anchor_hash)) =
			(tip.parentchain_anchor, header.parentchain_anchor);
		if anchor < last_anchor {
			return Err(BlockError::AnchorWentBack { number, last: last_anchor, got: anchor });
		}
		if anchor == last_anchor && anchor_hash != last_hash {
			return Err(BlockError::AnchorForked {
				number,
				number_of_anchor: anchor,
				expected: last_hash,
				got: anchor_hash,
			});
		}
		if header.state_root_before != tip.state_root {
			return Err(BlockError::StateRootMismatch {
				number,
				expected: tip.state_root,
				got: header.state_root_before,
			});
		}
		if calls_root(&self.body.calls) != header.calls_root {
			return Err(BlockError::CallsRootMismatch { number });
		}
		if H256(blake2_256(&self.body.encrypted_diff)) != header.diff_hash {
			return Err(BlockError::DiffHashMismatch { number });
		}
		if !authors.contains(&header.author) {
			return Err(BlockError::UnknownAuthor {
				number,
				author: format!("{:?}", header.author),
			});
		}
		if !ed25519::Pair::verify(&self.signature, header.signing_payload(), &header.author) {
			return Err(BlockError::BadSignature { number });
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests;

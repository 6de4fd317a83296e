//! Why an import or a proof was refused.

use polkadot_sdk::sp_core::H256;

/// Every refusal of the light client. A refused import leaves the light
/// client's state unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
	#[error("no headers given: a chunk must hold at least the justified header")]
	NoHeaders,
	#[error("header #{number} with parent {parent_hash:?} does not link: expected #{expected_number} with parent {expected_parent:?}")]
	BrokenLink {
		/// Number of the offending header.
		number: u32,
		/// Its parent hash.
		parent_hash: H256,
		/// The number the header should have.
		expected_number: u32,
		/// The hash its parent should have.
		expected_parent: H256,
	},
	#[error("the justification does not decode as GrandpaJustification<Header>: {0}")]
	JustificationDecode(String),
	#[error("the justification commits to #{got_number} {got_hash:?}, expected the last header #{expected_number} {expected_hash:?} or a descendant in votes_ancestries")]
	WrongCommitTarget { got_hash: H256, got_number: u32, expected_hash: H256, expected_number: u32 },
	#[error(
		"precommit by {signer} has an invalid signature for round {round} and set id {set_id}"
	)]
	BadSignature { signer: String, round: u64, set_id: u64 },
	#[error("precommit signed by {0}, which is not in the current authority set")]
	NotAnAuthority(String),
	#[error("precommit for #{number} {hash:?} is not the commit target or a descendant proven by votes_ancestries")]
	PrecommitNotDescendant { hash: H256, number: u32 },
	#[error("votes_ancestries holds headers no precommit needs")]
	UnusedAncestries,
	#[error("precommit weight {weight} is below the threshold {threshold} of the authority set (total {total})")]
	NotEnoughWeight { weight: u64, threshold: u64, total: u64 },
	#[error("the authority set is unusable (empty, zero weight, weight overflow or duplicate authority)")]
	InvalidAuthoritySet,
	#[error("an authority set change is enacted at #{enactment}: import a chunk that ends at #{enactment} first (this chunk reaches #{chunk_end})")]
	ChunkCrossesSetChange { enactment: u32, chunk_end: u32 },
	#[error("header #{0} schedules an authority set change while another one is pending")]
	OverlappingSetChange(u32),
	#[error("header #{0} carries a forced GRANDPA authority set change, which no light client can verify from the old set: this enclave cannot follow the chain past #{0}; recovery (docs/architecture.md, \"Forced GRANDPA changes\"): start a new enclave from a trusted checkpoint after #{0}")]
	ForcedChange(u32),
	#[error("header #{0} carries a GRANDPA consensus log that does not decode")]
	BadConsensusLog(u32),
	#[error("block number overflow")]
	NumberOverflow,
	#[error("the block body does not match the header's extrinsics root: computed {computed:?}, header has {expected:?}")]
	ExtrinsicsRootMismatch { computed: H256, expected: H256 },
	#[error("the storage proof does not prove key 0x{key}: {reason}")]
	StorageProof { key: String, reason: String },
}

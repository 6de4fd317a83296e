//! What the trusted core refuses, and why: one typed error for every
//! operation of [`crate::Enclave`], with the refusals a hostile host meets
//! (anchor, rollback, signing) as their own types. Messages never carry
//! secrets: no keys, no plaintext calls, no balances of users.

use std::path::PathBuf;

use integritee_primitives::SidechainBlockConfirmation;
use integritee_sidechain_primitives::BlockError;
use integritee_stf_primitives::{AccountId, Balance, ShardIdentifier};
use polkadot_sdk::sp_core::H256;

#[derive(Debug, thiserror::Error)]
pub enum Error {
	#[error("TEE platform: {0}")]
	Platform(String),
	#[error("sealing: {0}")]
	Sealing(String),
	#[error("I/O: {0}")]
	Io(String),
	#[error("parent-chain block refused: {0}")]
	LightClient(#[from] integritee_light_client::Error),
	#[error("block {number} ({hash:?}) refused: {reason}")]
	BadBlock { number: u32, hash: H256, reason: String },
	#[error("state: {0}")]
	State(#[from] integritee_stf::Error),
	#[error("the light client has no checkpoint yet")]
	NoCheckpoint,
	#[error("the light client already has a checkpoint")]
	AlreadyInitialized,
	#[error("{0}")]
	Getter(String),
	#[error(transparent)]
	Anchor(#[from] AnchorError),
	#[error(transparent)]
	Refused(#[from] SigningRefused),
	#[error("shard database: {0}")]
	Storage(String),
	#[error(
		"the queued inputs of parent block #{number} {what}: the shard database was tampered \
		 with; restore it from a backup or provision the shard from a member"
	)]
	QueueTampered { number: u32, what: String },
	#[error("sidechain block refused: {0}")]
	Block(#[from] BlockError),
	#[error(
		"sidechain block #{number}: another block {stored:?} is committed at this height \
		 (got {got:?})"
	)]
	ConflictingBlock { number: u64, stored: H256, got: H256 },
	#[error(transparent)]
	Rollback(#[from] RollbackDetected),
	#[error("the chunk was verified on another light-client head (something was imported since)")]
	StaleChunk,
	#[error("provisioning: {0}")]
	Provisioning(#[from] crate::provisioning::ProvisioningRefused),
}

/// The shard's committed chain does not contain the sidechain block
/// anchored on the parent chain (read through a verified storage proof):
/// the host rolled the data directory back, started a copy that forked
/// off, or tampered with the stored blocks. The core refuses to produce,
/// admit and pay.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
	"ROLLBACK DETECTED: the parent chain anchors sidechain block #{} ({:?}), but this enclave's \
	 state is at #{} ({:?}) and {kind}; it refuses to produce blocks, admit calls and pay. \
	 Restore the latest data directory, or provision the shard from a member",
	anchored.block_number,
	anchored.block_header_hash,
	committed.0,
	committed.1
)]
pub struct RollbackDetected {
	pub anchored: SidechainBlockConfirmation,
	/// The committed tip (number, hash).
	pub committed: (u64, H256),
	pub kind: RollbackKind,
}

/// How the committed chain misses the anchored block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RollbackKind {
	/// The state is behind the anchored block.
	#[error("behind it")]
	Behind,
	/// Another block is at the anchored height on this chain.
	#[error("has another block at the anchored height (a fork)")]
	Forked,
	/// The stored block `number` does not lead from the tip to the anchored
	/// height (missing, or overwritten).
	#[error("its stored block #{number} does not lead from the tip to the anchored height")]
	StoredBlockTampered { number: u64 },
}

/// Why the enclave's anchor (its chain, shard and files) does not hold.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
	#[error(
		"the {what} file {path} is missing, but this enclave's sealed keys are anchored to \
		 chain {genesis:?}: restore the file from a backup, or re-provision the enclave from \
		 another member of the shard; the enclave never starts over on its own"
	)]
	MissingFile { what: &'static str, path: PathBuf, genesis: H256 },
	#[error(
		"this enclave serves shard {anchored:?} (fixed at its first start), not {requested:?}"
	)]
	OtherShard { anchored: ShardIdentifier, requested: ShardIdentifier },
	#[error("a genesis checkpoint must be the genesis block itself ({genesis:?}, not {header:?})")]
	GenesisMismatch { genesis: H256, header: H256 },
	#[error("the enclave is not anchored to a chain yet (the light client has no checkpoint)")]
	NotAnchored,
}

/// Why the core refuses to sign what the host asked for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigningRefused {
	#[error("no pending unshield has call hash {0:?} (unknown, paid or refunded)")]
	UnknownUnshield(H256),
	#[error(
		"unshield {call_hash:?} expired at parent block {expires_at} (the light client is at \
		 {head}); it is refunded, never paid"
	)]
	UnshieldExpired { call_hash: H256, expires_at: u32, head: u32 },
	#[error(
		"circuit breaker: the vault holds {vault}, less than the confidential issuance \
		 {issuance}; no payout is signed until it covers it again"
	)]
	Breach { issuance: Balance, vault: Balance },
	#[error("no payout is signed before the vault has been checked in this run (import first)")]
	InvariantUnknown,
	#[error(
		"enclave {0} serves this shard (first in its status on chain); this one follows the \
		 chain but neither confirms nor pays"
	)]
	AnotherMemberServes(AccountId),
	#[error(
		"the shard's latest sidechain anchor on the parent chain is not known yet in this run \
		 (import a finalized block first)"
	)]
	AnchorUnknown,
	#[error("no sidechain block is committed yet: there is nothing to anchor")]
	NothingToAnchor,
	#[error(
		"unshield {call_hash:?} was reserved in sidechain block #{reserved_in}, which the parent \
		 chain does not anchor yet (anchored up to #{anchored}); it is paid once an anchor covers it"
	)]
	NotYetAnchored { call_hash: H256, reserved_in: u64, anchored: u64 },
	#[error("the shard was created on the parent chain already (its shielding key is recorded)")]
	ShardCreated,
	#[error(
		"whether the shard was created on the parent chain is not known yet in this run (import \
		 a finalized block first)"
	)]
	ShardKeyUnknown,
	#[error(
		"the shard is not created on the parent chain yet: nothing is served before its \
		 shielding key is recorded there"
	)]
	ShardNotCreated,
	#[error(
		"the shard's shielding key on the parent chain (hash 0x{}) is not this enclave's: \
		 another enclave created the shard, and this one must be provisioned with the shard's \
		 secrets by a member",
		hex::encode(.0)
	)]
	OtherShardKey([u8; 32]),
	#[error(
		"this enclave is not registered on the parent chain, or its registration lapsed: it \
		 serves nothing until it registers again"
	)]
	RegistrationLapsed,
	#[error(
		"this enclave does not hold the shard's secrets (not provisioned): it follows the chain \
		 and waits for a member of the shard to provision it"
	)]
	NotProvisioned,
	#[error(
		"the shard's configuration on the parent chain no longer admits this enclave's build \
		 (an upgrade was enacted and its grace period passed): it serves nothing; run the new \
		 build"
	)]
	CodeRetired,
	#[error(
		"this enclave is a standby: it holds the shard's secrets but not its state (provisioned \
		 by a member); it answers key and health queries and serves nothing else"
	)]
	Standby,
}

//! The worker's confidential state transition function (STF) and a shard's
//! encrypted, persistent state.
//!
//! **Owns**
//! - the confidential runtime: frame-system + pallet-balances executed
//!   natively inside our externalities over the committed state (no WASM, no
//!   fees, existential deposit 1), and the execution of a parent-chain
//!   block's inputs ([`StfInput`]): trusted calls (signature for MRENCLAVE
//!   and shard, nonce), shields, and the two-phase unshield (reserve with an
//!   expiry block, then burn on the finalized payout or unreserve once a
//!   finalized block passes the expiry without one: paid or refunded, never
//!   both);
//! - the executed calls not yet confirmed on the parent chain, kept in the
//!   state (so in the same commit as the effects they describe) until the
//!   enclave's own confirmation is seen in a finalized block;
//! - the shard's state: the decrypted working copy in memory, and in one
//!   redb file per shard a sealed checkpoint plus one sealed log record per
//!   block, compacted when the log outgrows the state;
//! - the state root, a keyed homomorphic set hash (LtHash) updated per
//!   changed key: a block's cost follows its changes, not the state size;
//! - execution per **sidechain block**: a block's inputs are the inputs of
//!   the parent-chain blocks it takes from the queue, in order, then direct
//!   calls ([`BlockInputs`]); [`ShardState::prepare`] executes without
//!   changing the committed state, [`ShardState::commit`] commits,
//!   [`ShardState::apply_changes`] applies a diff produced elsewhere if it
//!   leads to the expected root (members that do not re-execute);
//! - crash safety: a block's log record, undo record and head (root,
//!   sidechain block, parent-chain anchor, snapshots) are written in one
//!   write transaction, together with whatever the caller adds to it
//!   (sidechain header and body, consumed queue entries: tables of other
//!   owners in the same file, [`ShardState::database`]);
//! - snapshots of the last N sidechain blocks and [`ShardState::revert_to`].
//!
//! **Does not touch**: networking, the parent chain (the caller proves and
//! decrypts the inputs), key generation or sealing (the state key comes in as
//! `[u8; 32]`). Secrets (the state key, plaintext state) never appear in logs
//! or error messages.
//!
//! **Limits** (see the crate README): the state is held in memory and read
//! whole at open; random 96-bit nonces bound one state key to
//! [`MAX_SEALS_PER_KEY`] sealed records; a rollback of the whole file to an
//! older consistent copy is not detected.
#![forbid(unsafe_code)]

mod commitment;
mod crypto;
mod execute;
mod ext;
mod map;
mod persist;
mod runtime;
mod state;
mod store;

pub use crypto::MAX_SEALS_PER_KEY;
pub use execute::PreparedBlock;
pub use integritee_stf_primitives::outcome::{CallOutcome, FailReason, RejectReason};
pub use integritee_stf_primitives::{
	AccountId, AccountInfoView, Balance, MrEnclave, Nonce, ShardIdentifier, TrustedCall,
	TrustedCallSigned,
};
pub use polkadot_sdk::sp_core::H256;
pub use runtime::{PendingUnshield, UnconfirmedCalls};
pub use state::{ShardState, StorageStats, DEFAULT_DB_CACHE_BYTES};
pub use store::{SidechainPosition, Snapshot, STF_TABLES};

/// A block's state changes: changed keys with their new values (`None`:
/// removed), each key once. Plaintext state: it leaves the enclave only
/// encrypted with the state key.
pub type StateDiff = Vec<(Vec<u8>, Option<Vec<u8>>)>;

use polkadot_sdk::{binary_merkle_tree, sp_runtime::traits::BlakeTwo256};

/// Default number of block snapshots kept.
pub const DEFAULT_SNAPSHOTS: u32 = 100;

/// Default number of parent-chain blocks an unshield stays payable after the
/// block that reserved it (20 min at 2 s blocks; the parent chain allows at
/// most 1200).
pub const DEFAULT_UNSHIELD_LIFETIME: u32 = 600;

/// What a shard's state is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StfConfig {
	pub shard: ShardIdentifier,
	/// Trusted calls must be signed for this enclave build.
	pub mr_enclave: MrEnclave,
	/// How many of the last committed blocks can be reverted to (at least 1).
	pub snapshots: u32,
	/// An unshield reserved in parent block `n` is payable up to block
	/// `n + unshield_lifetime` and refunded after it.
	pub unshield_lifetime: u32,
	/// The smallest unshield: the parent chain's existential deposit (a
	/// smaller payout to a new account would fail there).
	pub min_unshield: Balance,
}

impl StfConfig {
	/// A config with [`DEFAULT_SNAPSHOTS`] snapshots, an unshield lifetime of
	/// [`DEFAULT_UNSHIELD_LIFETIME`] and no minimum unshield.
	pub fn new(shard: ShardIdentifier, mr_enclave: MrEnclave) -> Self {
		Self {
			shard,
			mr_enclave,
			snapshots: DEFAULT_SNAPSHOTS,
			unshield_lifetime: DEFAULT_UNSHIELD_LIFETIME,
			min_unshield: 1,
		}
	}
}

/// A trusted call whose signature (for this MRENCLAVE and shard) was
/// checked when it entered the core: executing it does not check again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCall(TrustedCallSigned);

impl VerifiedCall {
	/// Checks `call`'s signature for `mr_enclave` and `shard`; gives the call
	/// back if it does not verify.
	pub fn verify(
		call: TrustedCallSigned,
		mr_enclave: &MrEnclave,
		shard: &ShardIdentifier,
	) -> Result<Self, Box<TrustedCallSigned>> {
		if call.verify_signature(mr_enclave, shard) {
			Ok(Self(call))
		} else {
			Err(Box::new(call))
		}
	}

	/// A call read back from the core's own sealed storage, where only
	/// calls that passed [`Self::verify`] are put. Nothing else may use it.
	pub fn from_sealed_storage(call: TrustedCallSigned) -> Self {
		Self(call)
	}

	pub fn call(&self) -> &TrustedCallSigned {
		&self.0
	}

	pub fn into_inner(self) -> TrustedCallSigned {
		self.0
	}
}

/// The inputs of one parent-chain block, in the order the block yields them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentchainInputs {
	/// The parent block (number, hash).
	pub block: (u32, H256),
	pub inputs: Vec<StfInput>,
}

/// What one sidechain block executes: whole parent-chain blocks following
/// the state's anchor, in order (each with its own rules: unshield expiry,
/// refunds, unconfirmed calls), then direct calls. Empty for a heartbeat.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockInputs {
	pub parentchain: Vec<ParentchainInputs>,
	pub direct: Vec<VerifiedCall>,
}

/// One input of a parent-chain block, in the order the block yields them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StfInput {
	/// A user's trusted call (decrypted from an `invoke`). Needs a valid
	/// signature for (MRENCLAVE, shard) and the account's current nonce, else
	/// it is rejected without any state change. Once both hold, the nonce is
	/// consumed even if the dispatch fails. `BalanceTransfer` is
	/// `transfer_allow_death`; `BalanceUnshield` (at least
	/// [`StfConfig::min_unshield`]) reserves the amount and records a
	/// [`PendingUnshield`] keyed by the call's hash, expiring
	/// [`StfConfig::unshield_lifetime`] blocks after this one.
	Call(TrustedCallSigned),
	/// A trusted call whose signature was checked before (see
	/// [`VerifiedCall`]); otherwise as [`StfInput::Call`].
	VerifiedCall(VerifiedCall),
	/// Mint `amount` to `beneficiary` (a proven `ShieldFunds` event); `id`
	/// identifies it (e.g. hash of block hash and event index).
	Shield { id: H256, beneficiary: AccountId, amount: Balance },
	/// The vault paid the unshield: burn the reserved amount, drop the entry.
	UnshieldPaid { call_hash: H256 },
	/// This enclave's confirmation of parent block `up_to` is on chain: the
	/// executed calls of blocks up to it are confirmed.
	Confirmed { up_to: u32 },
}

/// What one input came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputOutcome {
	/// Executed. `call_hash` is the trusted call's hash, the shield's `id`,
	/// or the settled unshield's call hash.
	Executed { call_hash: H256 },
	/// Executed and failed: a trusted call's nonce is consumed and its
	/// dispatch rolled back (e.g. insufficient balance); a shield or a
	/// settlement that failed changed nothing.
	Failed { reason: FailReason },
	/// Not executed: nothing changed, no nonce was consumed.
	Rejected { reason: RejectReason },
}

impl InputOutcome {
	/// The outcome as the sidechain block's body and the client see it.
	pub fn call_outcome(&self) -> CallOutcome {
		match self {
			Self::Executed { .. } => CallOutcome::Succeeded,
			Self::Failed { reason } => CallOutcome::Failed(*reason),
			Self::Rejected { reason } => CallOutcome::Rejected(*reason),
		}
	}
}

/// What a sidechain block did ([`ShardState::prepare`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockOutcome {
	/// One per input, in order (parent-chain blocks' inputs, then direct
	/// calls).
	pub outcomes: Vec<InputOutcome>,
	/// Hashes of the executed trusted calls ([`StfInput::Call`]) in order,
	/// including those whose dispatch failed after consuming the nonce (the
	/// parent chain's `invoke` was processed); see [`calls_root`].
	pub executed_call_hashes: Vec<H256>,
	/// Unshields this block reserved, for the vault to pay.
	pub new_unshields: Vec<PendingUnshield>,
	/// Unshields refunded by this block because it lies past their expiry.
	pub expired_unshields: Vec<PendingUnshield>,
	pub state_root: H256,
	/// The last parent-chain block the state includes after the block.
	pub parentchain_anchor: Option<(u32, H256)>,
	/// Shields minus paid unshields; must equal the vault's balance.
	pub total_issuance: Balance,
}

/// Errors of the store and execution. Never carry key material or state.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	#[error("state database: {0}")]
	Db(String),
	#[error("the state key does not open this shard's state database (wrong state key)")]
	WrongKey,
	#[error("the state database belongs to shard {found}, not {expected}")]
	WrongShard { expected: H256, found: H256 },
	#[error(
		"not an integritee-stf state database of a known format (this build reads \
		 integritee-stf/5; a state of an older build cannot be upgraded: move the data \
		 directory aside and provision the shard from a member, or start the shard anew)"
	)]
	UnknownFormat,
	#[error("state record `{0}` is corrupt or was tampered with")]
	CorruptRecord(&'static str),
	#[error("a value record of the state is corrupt or was tampered with (does not decrypt)")]
	CorruptValue,
	#[error(
		"the state does not match its committed root (records deleted, rolled back or tampered with)"
	)]
	RootMismatch,
	#[error("sidechain block #{got} does not follow the committed #{last}")]
	NotNextBlock { last: u64, got: u64 },
	#[error(
		"parent block #{got} does not follow #{last}, the last one the state includes (parent \
		 blocks are executed in order, none skipped)"
	)]
	ParentchainGap { last: u32, got: u32 },
	#[error("the prepared block was executed on a state that is no longer the committed one")]
	StaleBase,
	#[error("malformed state diff: {0}")]
	MalformedDiff(&'static str),
	#[error("no snapshot of sidechain block #{0}")]
	NoSnapshot(u64),
	#[error("state access failed: {0}")]
	State(String),
	#[error("the state key has sealed the maximum number of records; a new state key is needed")]
	KeyExhausted,
	#[error("encryption: {0}")]
	Crypto(&'static str),
	#[error(
		"the encrypted state diff does not open (another key, block or shard, or tampered with)"
	)]
	BadEncryptedDiff,
	/// Writing the caller's records in a block's transaction failed.
	#[error("{0}")]
	CallerRecords(String),
}

/// Merkle root of the executed call hashes, as sent in
/// `confirm_processed_parentchain_block`: the binary Merkle tree of
/// `binary-merkle-tree` with blake2_256 (each leaf is `blake2_256(call
/// hash)`, pairs are hashed in order, an odd last node is promoted);
/// `H256::zero()` for no calls.
pub fn calls_root(hashes: &[H256]) -> H256 {
	binary_merkle_tree::merkle_root::<BlakeTwo256, _>(hashes.iter().map(|h| h.as_bytes()))
}

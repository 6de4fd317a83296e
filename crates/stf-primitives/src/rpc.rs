//! The worker's trusted RPC (JSON-RPC 2.0): method names and encodings.
//!
//! Binary values travel as `0x`-prefixed hex of their SCALE encoding.
//!
//! | method | params | result |
//! |---|---|---|
//! | `author_getShieldingKey` | - | hex of the 32-byte shielding public key |
//! | `author_getShard` | - | hex of the shard the worker serves |
//! | `author_getFingerprint` | - | hex of the enclave's MRENCLAVE |
//! | `state_executeGetter` | hex of [`TrustedGetterSigned`](crate::TrustedGetterSigned) | hex of [`GetterAnswer`](crate::getter::GetterAnswer) |
//! | `system_health` | - | [`WorkerHealth`] as JSON |
//! | `chain_getHeader` | - | hex of the latest committed sidechain header and its author's ed25519 signature (`(SidechainHeader, Signature)` of `integritee-sidechain-primitives`), or `null` before the first block; never the body (observers must not learn the calls per block) |

use serde::{Deserialize, Serialize};

pub const GET_SHIELDING_KEY: &str = "author_getShieldingKey";
pub const GET_SHARD: &str = "author_getShard";
pub const GET_FINGERPRINT: &str = "author_getFingerprint";
pub const EXECUTE_GETTER: &str = "state_executeGetter";
pub const SYSTEM_HEALTH: &str = "system_health";
pub const CHAIN_GET_HEADER: &str = "chain_getHeader";

/// Default port of the worker's trusted RPC.
pub const DEFAULT_TRUSTED_RPC_PORT: u16 = 2000;

/// How the worker is doing, as `system_health` reports it.
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
pub struct WorkerHealth {
	/// The last parent-chain block the shard's state includes.
	pub last_processed_block: u32,
	/// The parent chain's finalized head as last seen.
	pub parentchain_finalized: u32,
	/// `parentchain_finalized - last_processed_block`.
	pub lag_blocks: u32,
	/// False when the lag exceeds the worker's threshold or a loop is failing.
	pub healthy: bool,
	/// Why the worker is unhealthy, if it is.
	pub problems: Vec<String>,
	/// True when the TEE backend is simulated (no protection against the host).
	pub simulated_tee: bool,
	/// The shard's sidechain as this worker sees it.
	#[serde(default)]
	pub sidechain: SidechainHealth,
}

/// The sidechain part of [`WorkerHealth`].
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SidechainHealth {
	/// The last committed sidechain block's number (0 before the first).
	pub block_number: u64,
	/// Its header hash (hex).
	pub block_hash: String,
	/// The current Raft term.
	pub raft_term: u64,
	/// `leader`, `follower`, `candidate`, `learner` or `stopped`.
	pub raft_role: String,
	/// Parent blocks verified and waiting for a sidechain block.
	pub queued_parent_blocks: u64,
	/// The sidechain block last anchored on the parent chain (proven), if
	/// known and any.
	pub anchored_block: Option<u64>,
	/// Committed blocks not anchored yet (`block_number - anchored_block`).
	pub anchor_lag: u64,
}

//! The worker's trusted RPC (JSON-RPC 2.0): method names and encodings.
//!
//! Transport: WebSocket over TLS 1.3 only (`wss://`), with an RA-TLS
//! certificate made in the trusted core: its quote's `report_data` is
//! SHA-256 of the certificate's public key followed by [`tls_binding`] of
//! the enclave's signer and shielding key. Clients verify the quote, the
//! MRENCLAVE and the binding against the parent chain before sending
//! anything.
//!
//! Binary values travel as `0x`-prefixed hex of their SCALE encoding.
//! Refusals of the `author_*` methods carry the codes of
//! [`crate::direct::error_code`] (Substrate's where one fits: 1010 invalid,
//! 1012 not serving, 1013 already imported, 1014 nonce held by another
//! pooled call, 1016 pool full, 1017 per-connection limit); malformed
//! parameters are -32602. A connection beyond the worker's limit gets one
//! HTTP 429 answer carrying the error -32009 (server is busy) and is
//! closed. A batch (JSON-RPC 2.0 array) of more than the worker's limit of
//! entries is refused whole with jsonrpsee's -32010.
//!
//! Private getters: one method, `state_executeGetter`, for every kind of
//! getter (which kind it is stays encrypted). The worker opens a request
//! once: shard, decryption, the owner's signature, freshness and whether
//! it serves, before anything waits; a `min_block` more than
//! [`MAX_MIN_BLOCK_AHEAD`] blocks past the committed tip is refused at once
//! (-32602); a getter whose `min_block` is near waits for it (bounded, no
//! re-decryption), and waiting getters are capped per connection and in
//! total (1017 over the cap).
//!
//! | method | params | result |
//! |---|---|---|
//! | `author_getShieldingKey` | - | hex of the 32-byte shielding public key |
//! | `author_getShard` | - | hex of the shard the worker serves |
//! | `author_getFingerprint` | - | hex of the enclave's MRENCLAVE |
//! | `state_executeGetter` | hex of [`PrivateGetterRequest`](crate::getter::PrivateGetterRequest) (a [`TrustedGetterSigned`](crate::TrustedGetterSigned) encrypted to the shielding key: `AccountInfo`, `NextNonce` or `PendingCalls`) | hex of a [`GetterAnswer`](crate::getter::GetterAnswer) encrypted to the getter's answer key (value: SCALE `AccountInfoView`, `Nonce` or `Vec<PendingCall>`) |
//! | `system_health` | - | [`WorkerHealth`] as JSON |
//! | `author_submitExtrinsic` | hex of [`DirectCall`](crate::direct::DirectCall) | hex of the call's hash (blake2_256 of the SCALE [`TrustedCallSigned`](crate::TrustedCallSigned)) |
//! | `author_submitAndWatchExtrinsic` | as above | a subscription (`author_extrinsicUpdate`) of [`CallStatus`](crate::direct::CallStatus) as JSON, ending after a final status; `author_unwatchExtrinsic` ends it |
//! | `system_version` | - | the worker's version (text) |
//! | `chain_getHeader` | - | hex of the latest committed sidechain header and its author's ed25519 signature (`(SidechainHeader, Signature)` of `integritee-sidechain-primitives`), or `null` before the first block; never the body (observers must not learn the calls per block) |

use serde::{Deserialize, Serialize};

pub const GET_SHIELDING_KEY: &str = "author_getShieldingKey";
pub const GET_SHARD: &str = "author_getShard";
pub const GET_FINGERPRINT: &str = "author_getFingerprint";
/// The worker's public peer address (`HOST:PORT`): where members of its
/// shard reach it over mutual RA-TLS (provisioning, the sidechain).
pub const PEER_ADDRESS: &str = "worker_peerAddress";
/// The one method of every private getter (the kind stays encrypted).
pub const EXECUTE_GETTER: &str = "state_executeGetter";
pub const SYSTEM_HEALTH: &str = "system_health";
pub const CHAIN_GET_HEADER: &str = "chain_getHeader";
pub const SUBMIT: &str = "author_submitExtrinsic";
pub const SUBMIT_AND_WATCH: &str = "author_submitAndWatchExtrinsic";
pub const UNWATCH: &str = "author_unwatchExtrinsic";
/// The notification method of `author_submitAndWatchExtrinsic`.
pub const EXTRINSIC_UPDATE: &str = "author_extrinsicUpdate";
pub const SYSTEM_VERSION: &str = "system_version";

/// How far past the committed sidechain tip a getter's `min_block` may be:
/// a client waits for a block it caused (read-your-writes), which is the
/// next or the one after; a getter further ahead would only hold a place
/// among the waiting getters, so it is refused at once.
pub const MAX_MIN_BLOCK_AHEAD: u64 = 5;

/// Default port of the worker's trusted RPC.
pub const DEFAULT_TRUSTED_RPC_PORT: u16 = 2000;

/// What a worker's RA-TLS certificate binds besides its TLS key
/// (`report_data[32..64]` of its quote): SHA-256 of the enclave signer's
/// public key followed by the shielding public key. A client that checked
/// both against the parent chain's registry knows which registered enclave
/// holds the TLS key it talks to.
pub fn tls_binding(signer_public: &[u8; 32], shielding_public_key: &[u8]) -> [u8; 32] {
	let mut preimage = signer_public.to_vec();
	preimage.extend_from_slice(shielding_public_key);
	polkadot_sdk::sp_io::hashing::sha2_256(&preimage)
}

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
	/// The shard's secrets in this worker and its provisioning of others.
	#[serde(default)]
	pub secrets: SecretsHealth,
}

/// The secrets part of [`WorkerHealth`].
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SecretsHealth {
	/// `unprovisioned`, `candidate` (made here, the shard not created yet),
	/// `created` (this enclave created the shard) or `provisioned` (by a
	/// member).
	pub origin: String,
	/// SHA-256 of the shard's shielding key this worker holds (hex), if any.
	pub shielding_key_hash: Option<String>,
	/// Provisioning requests this worker answered with the shard's secrets.
	pub provisioned_others: u64,
	/// Requests it refused (its core or the peer transport).
	pub refused_requests: u64,
	/// The last refusal's reason.
	pub last_refusal: Option<String>,
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

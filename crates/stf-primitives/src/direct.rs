//! Direct invocation: a trusted call sent to the worker's RPC instead of
//! the parent chain, and the statuses its watchers receive.

use codec::{Decode, Encode};
use polkadot_sdk::sp_core::{Bytes, H256};
use serde::{Deserialize, Serialize};

use crate::{
	outcome::{CallOutcome, FailReason},
	shielding, ShardIdentifier, TrustedCallSigned,
};

/// Largest ciphertext of one direct call (a call is a few hundred bytes).
pub const MAX_CALL_CIPHERTEXT_BYTES: usize = 4 * 1024;

/// A direct call as `author_submitExtrinsic` takes it (hex of its SCALE
/// encoding): the shard it is for, and the SCALE encoding of a
/// [`TrustedCallSigned`] encrypted to the shard's shielding key
/// ([`shielding::encrypt`] for [`shielding::Purpose::TrustedCall`], the
/// shard as associated data).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct DirectCall {
	pub shard: ShardIdentifier,
	pub ciphertext: Vec<u8>,
}

impl DirectCall {
	/// Encrypts `call` for `shard` to `shielding_key`.
	pub fn encrypt(
		call: &TrustedCallSigned,
		shard: ShardIdentifier,
		shielding_key: &[u8],
	) -> Result<Self, shielding::ShieldingError> {
		let ciphertext = shielding::encrypt(
			shielding_key,
			shielding::Purpose::TrustedCall,
			&shard,
			&call.encode(),
		)?;
		Ok(Self { shard, ciphertext })
	}
}

/// A direct call's status, as `author_extrinsicUpdate` notifications carry
/// it (JSON). A watch ends after `finalized`, `invalid` or `dropped`.
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
pub enum CallStatus {
	/// Accepted at the door (decrypted, signature checked, in the pool).
	Submitted,
	/// A nonce before it is missing: it waits for it.
	Future,
	/// The next block may include it.
	Ready,
	/// In a committed sidechain block (never sent before the commit).
	/// `proof` is the SCALE encoding of the block's signed header and the
	/// Merkle proof of (call hash, outcome) against its calls root
	/// (`integritee_sidechain_primitives::IncludedCall`): a client checks
	/// it against the enclave's signer, so the host that relays statuses
	/// cannot make one up.
	#[serde(rename_all = "camelCase")]
	InSidechainBlock { hash: H256, number: u64, outcome: DirectOutcome, proof: Bytes },
	/// The parent chain finalized, in `parent_block`, the anchor of
	/// sidechain block (`anchored_number`, `anchored_hash`), which is the
	/// call's block or a later one on its hash chain. `link` is the SCALE
	/// encoding of the headers after the call's block up to the anchored
	/// one (`Vec<SidechainHeader>`, empty if it is the anchored one): a
	/// client checks the anchor in the parent chain's state at
	/// `parent_block` and the link by parent hashes.
	#[serde(rename_all = "camelCase")]
	Finalized { parent_block: u32, anchored_number: u64, anchored_hash: H256, link: Bytes },
	/// It can never execute (e.g. another call consumed its nonce).
	Invalid { reason: String },
	/// The pool let it go (e.g. its nonce gap stayed open too long).
	Dropped { reason: String },
}

impl CallStatus {
	/// Whether no status follows this one.
	pub fn is_final(&self) -> bool {
		matches!(self, Self::Finalized { .. } | Self::Invalid { .. } | Self::Dropped { .. })
	}
}

/// What an included call came to.
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
pub enum DirectOutcome {
	Succeeded,
	/// Executed (its nonce is consumed) and failed, e.g. too little balance.
	Failed {
		reason: FailReason,
	},
}

impl DirectOutcome {
	/// The outcome as the block records it (the leaf a status's proof is
	/// checked with).
	pub fn recorded(&self) -> CallOutcome {
		match self {
			Self::Succeeded => CallOutcome::Succeeded,
			Self::Failed { reason } => CallOutcome::Failed(*reason),
		}
	}
}

/// JSON-RPC error codes of the trusted `author_*` methods: Substrate's
/// `author` module codes where one fits.
pub mod error_code {
	/// The call is invalid: undecryptable, malformed, wrong shard, bad
	/// signature, stale nonce, unfunded sender, oversize.
	pub const INVALID: i32 = 1010;
	/// The worker refuses to serve (another member serves the shard, or a
	/// rollback stands).
	pub const NOT_SERVING: i32 = 1012;
	/// A call with this hash is in the pool already.
	pub const ALREADY_IMPORTED: i32 = 1013;
	/// Another pooled call holds the same (account, nonce).
	pub const PRIORITY_TOO_LOW: i32 = 1014;
	/// The pool, or the account's share of future calls, is full.
	pub const POOL_FULL: i32 = 1016;
	/// A per-connection limit was reached (subscriptions, in-flight
	/// submissions).
	pub const LIMIT_REACHED: i32 = 1017;
	/// The worker serves as many connections as it takes (jsonrpsee's
	/// "server is busy" code); sent in an HTTP 429 answer, then the
	/// connection is closed.
	pub const SERVER_BUSY: i32 = -32009;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn statuses_in_json() {
		let included = CallStatus::InSidechainBlock {
			hash: H256::repeat_byte(1),
			number: 7,
			outcome: DirectOutcome::Failed { reason: FailReason::InsufficientBalance },
			proof: Bytes(vec![1, 2]),
		};
		let json = serde_json::to_value(&included).unwrap();
		assert_eq!(json["inSidechainBlock"]["number"], 7);
		assert_eq!(json["inSidechainBlock"]["outcome"]["failed"]["reason"], "insufficientBalance");
		assert_eq!(serde_json::to_value(CallStatus::Ready).unwrap(), "ready");
		assert_eq!(json["inSidechainBlock"]["proof"], "0x0102");
		let finalized = CallStatus::Finalized {
			parent_block: 9,
			anchored_number: 8,
			anchored_hash: H256::repeat_byte(2),
			link: Bytes(vec![]),
		};
		let json = serde_json::to_value(&finalized).unwrap();
		assert_eq!(json["finalized"]["parentBlock"], 9);
		assert_eq!(json["finalized"]["anchoredNumber"], 8);
		assert_eq!(json["finalized"]["link"], "0x");
		for status in [included, finalized, CallStatus::Dropped { reason: "x".into() }] {
			let back: CallStatus =
				serde_json::from_value(serde_json::to_value(&status).unwrap()).unwrap();
			assert_eq!(back, status);
		}
	}
}

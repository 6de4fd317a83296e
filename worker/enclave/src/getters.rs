//! Private getters inside the core: opening the request (shard,
//! decryption, decoding), the owner's signature, freshness and `min_block`,
//! the signed answer encrypted to the client's answer key, and the
//! refusals, each typed.
//!
//! What a hostile host can do with this API: replay a captured request
//! (the answer is encrypted to the original client's answer key: it
//! learns nothing), lie about the time (the same), or withhold answers.

use codec::Encode;
use integritee_pool::Readiness;
use integritee_stf_primitives::{
	getter::{GetterAnswer, PendingCall, PrivateGetter, PrivateGetterRequest},
	request::decode_exact,
	shielding::ShieldingKeyPair,
	AccountInfoView, ShardIdentifier, TrustedGetter, TrustedGetterSigned,
};
use polkadot_sdk::{
	sp_core::{Pair, H256},
	sp_io::hashing::blake2_256,
};

use crate::Enclave;

/// A getter is answered only within this distance of its `issued_at_ms`.
pub const GETTER_VALIDITY_MS: u64 = 5 * 60 * 1000;

/// Why a private getter was not answered. Messages never name the account.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GetterError {
	#[error("the getter is for shard {requested:?}; this worker serves {served:?}")]
	WrongShard { requested: ShardIdentifier, served: ShardIdentifier },
	#[error("the getter does not decrypt with this shard's shielding key")]
	Undecryptable,
	#[error("the decrypted getter is not a SCALE-encoded PrivateGetter")]
	Malformed,
	#[error(
		"the getter was issued at {issued_at_ms} ms, more than 5 minutes from now ({now_ms} ms): \
		 replayed, or a wrong clock"
	)]
	Expired { issued_at_ms: u64, now_ms: u64 },
	#[error("the state is at sidechain block #{tip}, before the getter's min_block #{min_block}")]
	NotYet { min_block: u64, tip: u64 },
	#[error("the getter's signature is not valid for this shard")]
	BadSignature,
	#[error("this worker does not serve the shard now: {0}")]
	NotServing(String),
	#[error("the getter's answer key is not an X25519 public key")]
	BadAnswerKey,
	#[error("the shard state cannot be read: {0}")]
	State(String),
}

impl GetterError {
	/// The JSON-RPC error code: the request's fault (-32602), the worker's
	/// standing (1012) or the worker's fault (-32603).
	pub fn code(&self) -> i32 {
		match self {
			Self::NotServing(_) => integritee_stf_primitives::direct::error_code::NOT_SERVING,
			Self::State(_) => -32603,
			_ => -32602,
		}
	}
}

/// Decrypts and decodes a request for `shard`.
pub(crate) fn open(
	shielding: &ShieldingKeyPair,
	shard: &ShardIdentifier,
	request: &PrivateGetterRequest,
) -> Result<PrivateGetter, GetterError> {
	if request.shard != *shard {
		return Err(GetterError::WrongShard { requested: request.shard, served: *shard });
	}
	if request.ciphertext.len() > integritee_stf_primitives::direct::MAX_CALL_CIPHERTEXT_BYTES {
		return Err(GetterError::Malformed);
	}
	let plain =
		shielding.decrypt(shard, &request.ciphertext).map_err(|_| GetterError::Undecryptable)?;
	decode_exact::<PrivateGetter>(&plain, "PrivateGetter").map_err(|_| GetterError::Malformed)
}

impl Enclave {
	/// Answers a getter signed by the account's owner, signed by the enclave
	/// (refused while another enclave serves the shard). Only private
	/// getters reach it: an answer in the clear would show the host the
	/// account and its value.
	fn execute_getter(&self, getter: &TrustedGetterSigned) -> Result<GetterAnswer, GetterError> {
		self.ensure_serving().map_err(|e| GetterError::NotServing(e.to_string()))?;
		if !getter.verify_signature(&self.shard) {
			return Err(GetterError::BadSignature);
		}
		let state_error = |e: integritee_stf::Error| GetterError::State(e.to_string());
		let value = match &getter.getter {
			TrustedGetter::AccountInfo(who) => {
				let info: AccountInfoView = self.state.account_info(who).map_err(state_error)?;
				Some(info.encode())
			}
			TrustedGetter::NextNonce(who) => {
				let state_nonce = self.state.account_info(who).map_err(state_error)?.nonce;
				Some(self.pool().next_nonce(who, state_nonce).encode())
			}
			TrustedGetter::PendingCalls(who) => {
				use integritee_pool::PoolCall;
				let pending: Vec<PendingCall> = self
					.pool()
					.pending_of(who)
					.into_iter()
					.map(|(call, readiness)| PendingCall {
						hash: call.hash(),
						nonce: call.nonce(),
						ready: readiness == Readiness::Ready,
					})
					.collect();
				Some(pending.encode())
			}
		};
		let (number, hash) = self.state.parentchain_anchor().unwrap_or_default();
		let getter_hash = H256(blake2_256(&getter.encode()));
		let sidechain_block = (self.tip.number, self.tip.hash);
		Ok(GetterAnswer::sign(getter_hash, value, sidechain_block, (number, hash), |payload| {
			self.keys.signer.sign(payload)
		}))
	}

	/// Answers a private getter: decrypted with the shielding key, issued
	/// within [`GETTER_VALIDITY_MS`] of `now_ms` (the host's
	/// clock), signed by the account's owner; the signed answer comes back
	/// encrypted to the getter's answer key, so the host learns neither the
	/// account nor the value. A getter whose `min_block` the state has not
	/// reached is answered [`GetterError::NotYet`] (the host retries after
	/// the next block, for a bounded time).
	pub fn execute_private_getter(
		&self,
		request: &PrivateGetterRequest,
		now_ms: u64,
	) -> Result<Vec<u8>, GetterError> {
		let private = open(&self.keys.shielding, &self.shard, request)?;
		let issued = private.getter.issued_at_ms;
		if now_ms.abs_diff(issued) > GETTER_VALIDITY_MS {
			return Err(GetterError::Expired { issued_at_ms: issued, now_ms });
		}
		if let Some(min_block) = private.min_block.filter(|b| *b > self.tip.number) {
			return Err(GetterError::NotYet { min_block, tip: self.tip.number });
		}
		let answer = self.execute_getter(&private.getter)?;
		integritee_stf_primitives::shielding::encrypt(
			&private.answer_key,
			&self.shard,
			&answer.encode(),
		)
		.map_err(|_| GetterError::BadAnswerKey)
	}
}

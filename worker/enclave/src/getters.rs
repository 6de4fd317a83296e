//! Private getters inside the core, in two steps so that the host never
//! makes the core decrypt one request twice:
//!
//! 1. [`Enclave::open_private_getter`] opens a request once: shard and
//!    size, whether the core serves, decryption, decoding, the owner's
//!    signature (over the getter, shard, moment, answer key and
//!    `min_block`), freshness, and `min_block` at most
//!    [`MAX_MIN_BLOCK_AHEAD`] blocks past the committed tip. All of it
//!    happens before anything waits.
//! 2. [`Enclave::answer_private_getter`] answers the [`OpenedGetter`] at
//!    the current state, or says [`GetterError::NotYet`] (the host waits
//!    for the next committed block, then asks again: no decryption, only a
//!    number compared and, once reached, the read).
//!
//! What a hostile host can do with this API: replay a captured request
//! (the answer is encrypted to the original client's answer key, which
//! the owner signed: it learns nothing), lie about the time (the same),
//! withhold answers, keep an [`OpenedGetter`] and ask again later (the
//! same as replaying the request: a fresh answer only the client can
//! open), hand an [`OpenedGetter`] to another core (refused unless it
//! serves the same shard: its shielding key opened it anyway). It cannot
//! read an [`OpenedGetter`]: its fields are private and its `Debug` shows
//! `min_block` only (a block number the `NotYet` refusal names anyway),
//! never the account, the kind of getter or the answer key; nor make one,
//! as only the core constructs it.

use std::sync::atomic::Ordering;

use codec::Encode;
use integritee_pool::Readiness;
use integritee_stf_primitives::{
	getter::{GetterAnswer, PendingCall, PrivateGetterRequest},
	request::decode_exact,
	rpc::MAX_MIN_BLOCK_AHEAD,
	shielding::{Purpose, ShieldingKeyPair},
	AccountInfoView, ShardIdentifier, TrustedGetter, TrustedGetterSigned,
};
use polkadot_sdk::{
	sp_core::{Pair, H256},
	sp_io::hashing::blake2_256,
};

use crate::{Enclave, SigningRefused};

/// A getter is answered only within this distance of its `issued_at_ms`.
pub const GETTER_VALIDITY_MS: u64 = 5 * 60 * 1000;

/// Why a private getter was not answered. Messages never name the account
/// or the kind of getter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GetterError {
	#[error("the getter is for shard {requested:?}; this worker serves {served:?}")]
	WrongShard { requested: ShardIdentifier, served: ShardIdentifier },
	#[error("the getter's ciphertext is {len} bytes, more than the {max} allowed")]
	Oversize { len: usize, max: usize },
	#[error("the getter does not decrypt with this shard's shielding key")]
	Undecryptable,
	#[error("the decrypted getter is not a SCALE-encoded TrustedGetterSigned")]
	Malformed,
	#[error(
		"the getter was issued at {issued_at_ms} ms, more than 5 minutes from now ({now_ms} ms): \
		 replayed, or a wrong clock"
	)]
	Expired { issued_at_ms: u64, now_ms: u64 },
	#[error(
		"the getter's min_block #{min_block} is more than {max_ahead} blocks past the committed \
		 sidechain block #{tip}: ask again once the state is closer"
	)]
	MinBlockTooFar { min_block: u64, tip: u64, max_ahead: u64 },
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

/// A private getter the core opened and checked
/// ([`Enclave::open_private_getter`]), for
/// [`Enclave::answer_private_getter`]. The host holds it without reading
/// it: the fields are private, there is no constructor outside the core,
/// and `Debug` shows `min_block` only.
pub struct OpenedGetter {
	shard: ShardIdentifier,
	getter: TrustedGetterSigned,
}

impl OpenedGetter {
	/// The sidechain block the answer waits for, if any: the host waits for
	/// it to be committed before asking for the answer. (A number the host
	/// learnt from `NotYet` before; it says nothing of the account.)
	pub fn min_block(&self) -> Option<u64> {
		self.getter.min_block
	}
}

impl core::fmt::Debug for OpenedGetter {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("OpenedGetter").field("min_block", &self.getter.min_block).finish()
	}
}

/// Decrypts and decodes a request for `shard` (after the cheap checks:
/// shard and size, so that garbage costs no decryption).
pub(crate) fn open(
	shielding: &ShieldingKeyPair,
	shard: &ShardIdentifier,
	request: &PrivateGetterRequest,
) -> Result<TrustedGetterSigned, GetterError> {
	let plain = shielding
		.decrypt(Purpose::GetterRequest, shard, &request.ciphertext)
		.map_err(|_| GetterError::Undecryptable)?;
	decode_exact::<TrustedGetterSigned>(&plain, "TrustedGetterSigned")
		.map_err(|_| GetterError::Malformed)
}

fn fresh(getter: &TrustedGetterSigned, now_ms: u64) -> Result<(), GetterError> {
	let issued = getter.issued_at_ms;
	if now_ms.abs_diff(issued) > GETTER_VALIDITY_MS {
		return Err(GetterError::Expired { issued_at_ms: issued, now_ms });
	}
	Ok(())
}

impl Enclave {
	/// Answers a getter signed by the account's owner, signed by the enclave
	/// (refused while another enclave serves the shard). Only opened
	/// private getters reach it (their signature checked): an answer in the
	/// clear would show the host the account and its value.
	fn execute_getter(&self, getter: &TrustedGetterSigned) -> Result<GetterAnswer, GetterError> {
		self.ensure_serving().map_err(|e| GetterError::NotServing(e.to_string()))?;
		let state = self.shard_state().map_err(|e| GetterError::NotServing(e.to_string()))?;
		let state_error = |e: integritee_stf::Error| GetterError::State(e.to_string());
		let value = match &getter.getter {
			TrustedGetter::AccountInfo(who) => {
				let info: AccountInfoView = state.account_info(who).map_err(state_error)?;
				Some(info.encode())
			}
			TrustedGetter::NextNonce(who) => {
				let state_nonce = state.account_info(who).map_err(state_error)?.nonce;
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
		let (number, hash) = state.parentchain_anchor().unwrap_or_default();
		let getter_hash = H256(blake2_256(&getter.encode()));
		let sidechain_block = (self.tip.number, self.tip.hash);
		Ok(GetterAnswer::sign(getter_hash, value, sidechain_block, (number, hash), |payload| {
			self.keys.signer.sign(payload)
		}))
	}

	/// Opens a private getter request once, before anything waits: it is
	/// for this shard and not oversize, the core serves the shard, it
	/// decrypts with the shielding key ([`Purpose::GetterRequest`]) and
	/// decodes, the account's owner signed it (with its answer key and
	/// `min_block`), it was issued within [`GETTER_VALIDITY_MS`] of
	/// `now_ms` (the host's clock), and its `min_block`, if any, is at most
	/// [`MAX_MIN_BLOCK_AHEAD`] blocks past the committed tip. Each call
	/// that reaches the decryption counts in [`Self::getters_opened`].
	pub fn open_private_getter(
		&self,
		request: &PrivateGetterRequest,
		now_ms: u64,
	) -> Result<OpenedGetter, GetterError> {
		if request.shard != self.shard {
			return Err(GetterError::WrongShard { requested: request.shard, served: self.shard });
		}
		let len = request.ciphertext.len();
		let max = integritee_stf_primitives::direct::MAX_CALL_CIPHERTEXT_BYTES;
		if len > max {
			return Err(GetterError::Oversize { len, max });
		}
		self.ensure_serving().map_err(|e| GetterError::NotServing(e.to_string()))?;
		let shielding = self
			.shielding_pair()
			.ok_or_else(|| GetterError::NotServing(SigningRefused::NotProvisioned.to_string()))?;
		self.getters_opened.fetch_add(1, Ordering::Relaxed);
		let getter = open(shielding, &self.shard, request)?;
		if !getter.verify_signature(&self.shard) {
			return Err(GetterError::BadSignature);
		}
		fresh(&getter, now_ms)?;
		let tip = self.tip.number;
		if let Some(min_block) = getter.min_block {
			if min_block > tip.saturating_add(MAX_MIN_BLOCK_AHEAD) {
				return Err(GetterError::MinBlockTooFar {
					min_block,
					tip,
					max_ahead: MAX_MIN_BLOCK_AHEAD,
				});
			}
		}
		Ok(OpenedGetter { shard: self.shard, getter })
	}

	/// Answers an opened getter at the committed state: signed by the
	/// enclave, encrypted to the getter's (owner-signed) answer key
	/// ([`Purpose::GetterAnswer`]), so the host learns neither the account
	/// nor the value. A getter whose `min_block` the state has not reached
	/// is [`GetterError::NotYet`]: the host asks again after the next block
	/// (no decryption happens here). Serving and freshness are checked
	/// again: either may have changed while the getter waited.
	pub fn answer_private_getter(
		&self,
		opened: &OpenedGetter,
		now_ms: u64,
	) -> Result<Vec<u8>, GetterError> {
		if opened.shard != self.shard {
			return Err(GetterError::WrongShard { requested: opened.shard, served: self.shard });
		}
		fresh(&opened.getter, now_ms)?;
		if let Some(min_block) = opened.getter.min_block.filter(|b| *b > self.tip.number) {
			return Err(GetterError::NotYet { min_block, tip: self.tip.number });
		}
		let answer = self.execute_getter(&opened.getter)?;
		answer.seal(&opened.getter.answer_key, &self.shard).map_err(|_| GetterError::BadAnswerKey)
	}

	/// Opens and answers a private getter in one go (a getter without a
	/// `min_block` ahead of the state): [`Self::open_private_getter`], then
	/// [`Self::answer_private_getter`].
	pub fn execute_private_getter(
		&self,
		request: &PrivateGetterRequest,
		now_ms: u64,
	) -> Result<Vec<u8>, GetterError> {
		let opened = self.open_private_getter(request, now_ms)?;
		self.answer_private_getter(&opened, now_ms)
	}

	/// How many private getter requests this core decrypted since it was
	/// opened (each [`Self::open_private_getter`] past the cheap checks): a
	/// count of the host's own requests, for tests and metrics.
	pub fn getters_opened(&self) -> u64 {
		self.getters_opened.load(Ordering::Relaxed)
	}
}

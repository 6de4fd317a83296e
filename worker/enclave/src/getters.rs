//! Private getters inside the core: opening the request (shard,
//! decryption, decoding) and the refusals, each typed. The answer itself
//! is [`crate::Enclave::execute_private_getter`]'s.
//!
//! What a hostile host can do with this API: replay a captured request
//! (the answer is encrypted to the original client's answer key: it
//! learns nothing), lie about the time (the same), or withhold answers.

use integritee_stf_primitives::{
	getter::{PrivateGetter, PrivateGetterRequest},
	request::decode_exact,
	shielding::ShieldingKeyPair,
	ShardIdentifier,
};

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
	#[error("{0}")]
	Refused(String),
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

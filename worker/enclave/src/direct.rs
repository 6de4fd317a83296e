//! Direct invocation inside the core: the door every direct call passes
//! (size, shard, decryption, decoding, signature) and the pool it waits in
//! for a block (`integritee-pool`).
//!
//! The door ([`Door::check`]) holds no lock and reads no state, so the
//! host runs it for many calls in parallel; what it yields is an opaque
//! [`Ticket`] the host can only hand back to [`crate::Enclave::admit`],
//! which checks the sender against the committed state (funded, nonce not
//! used) and puts the call in the pool. A verified call reaches its block
//! without a second signature check.
//!
//! What a hostile host can do with this API: submit garbage (refused at
//! the door, nothing stored), replay a call (refused: duplicate or stale
//! nonce), withhold calls or tickets (a denial of service it has anyway).
//! It cannot read a ticket's call or make one without the door.

use std::sync::{Arc, RwLock};

use integritee_pool::{PoolCall, PoolError};
use integritee_stf::VerifiedCall;
use integritee_stf_primitives::{
	direct::{error_code, DirectCall, MAX_CALL_CIPHERTEXT_BYTES},
	request::decode_exact,
	shielding::{Purpose, ShieldingError, ShieldingKeyPair},
	AccountId, MrEnclave, Nonce, ShardIdentifier, TrustedCallSigned,
};
use polkadot_sdk::sp_core::H256;

use crate::{Enclave, PoolLimits};

/// The balance (free and reserved, in the shard) an account must hold to
/// send a direct call: the parent chain's existential deposit. Sybil
/// accounts that spread a flood over many senders (the pool caps and
/// rotates per account) each cost that much, shielded through the parent
/// chain.
pub const MIN_BALANCE_TO_SEND: integritee_stf_primitives::Balance =
	integritee_runtime::EXISTENTIAL_DEPOSIT;

/// Why a direct call was refused. Messages never contain the call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DirectError {
	#[error("the encrypted call has {len} bytes, more than the limit of {max}")]
	Oversize { len: usize, max: usize },
	#[error("the call is for shard {requested:?}; this worker serves {served:?}")]
	WrongShard { requested: ShardIdentifier, served: ShardIdentifier },
	#[error("the call does not decrypt with this shard's shielding key ({0})")]
	Undecryptable(ShieldingError),
	#[error("the decrypted call is not a SCALE-encoded TrustedCallSigned")]
	Malformed,
	#[error("the call's signature is not valid for this enclave build and shard")]
	BadSignature,
	#[error(
		"the sender holds less than {MIN_BALANCE_TO_SEND} in the shard, the minimum balance to \
		 send a direct call"
	)]
	Unfunded,
	#[error(transparent)]
	Pool(#[from] PoolError),
	#[error("this worker does not serve the shard now: {0}")]
	NotServing(String),
	#[error(
		"this worker does not hold the shard's secrets yet (not provisioned): it cannot read \
		 calls"
	)]
	NotProvisioned,
	#[error("the shard state cannot be read: {0}")]
	State(String),
}

impl DirectError {
	/// The JSON-RPC error code (Substrate's `author` codes where one fits).
	pub fn code(&self) -> i32 {
		match self {
			Self::Pool(PoolError::AlreadyImported) => error_code::ALREADY_IMPORTED,
			Self::Pool(PoolError::NonceTaken { .. }) => error_code::PRIORITY_TOO_LOW,
			Self::Pool(
				PoolError::TooManyFuture { .. }
				| PoolError::TooManyCalls { .. }
				| PoolError::Full { .. },
			) => error_code::POOL_FULL,
			Self::NotServing(_) | Self::NotProvisioned => error_code::NOT_SERVING,
			// A state read failing is the worker's problem, not the call's.
			Self::State(_) => -32603,
			_ => error_code::INVALID,
		}
	}
}

/// Checks direct calls without the core's lock (see the module docs).
#[derive(Clone)]
pub struct Door {
	/// The shielding key this instance holds (a candidate's, then the
	/// shard's), if any: shared with the core, which replaces it when its
	/// secrets change.
	shielding: Arc<RwLock<Option<Arc<ShieldingKeyPair>>>>,
	mr_enclave: MrEnclave,
	shard: ShardIdentifier,
}

impl Door {
	pub(crate) fn new(mr_enclave: MrEnclave, shard: ShardIdentifier) -> Self {
		Self { shielding: Default::default(), mr_enclave, shard }
	}

	/// The shielding public key the enclave holds, if any (read without
	/// the core's lock).
	pub fn shielding_public_key(&self) -> Option<[u8; 32]> {
		self.key().map(|pair| pair.public_key())
	}

	fn key(&self) -> Option<Arc<ShieldingKeyPair>> {
		self.shielding.read().unwrap_or_else(|p| p.into_inner()).clone()
	}

	/// The door decrypts with `shielding` from now on (`None`: it refuses
	/// every call as not provisioned).
	pub(crate) fn provide(&self, shielding: Option<Arc<ShieldingKeyPair>>) {
		*self.shielding.write().unwrap_or_else(|p| p.into_inner()) = shielding;
	}

	/// Size, shard, decryption, decoding and signature of a direct call.
	pub fn check(&self, call: &DirectCall) -> Result<Ticket, DirectError> {
		let len = call.ciphertext.len();
		if len > MAX_CALL_CIPHERTEXT_BYTES {
			return Err(DirectError::Oversize { len, max: MAX_CALL_CIPHERTEXT_BYTES });
		}
		if call.shard != self.shard {
			return Err(DirectError::WrongShard { requested: call.shard, served: self.shard });
		}
		let shielding = self.key().ok_or(DirectError::NotProvisioned)?;
		let plain = shielding
			.decrypt(Purpose::TrustedCall, &self.shard, &call.ciphertext)
			.map_err(DirectError::Undecryptable)?;
		let signed: TrustedCallSigned =
			decode_exact(&plain, "TrustedCallSigned").map_err(|_| DirectError::Malformed)?;
		let call = VerifiedCall::verify(signed, &self.mr_enclave, &self.shard)
			.map_err(|_| DirectError::BadSignature)?;
		Ok(Ticket(PooledCall::new(call)))
	}
}

/// A direct call that passed the door, for [`crate::Enclave::admit`]. The
/// host learns its hash only.
pub struct Ticket(pub(crate) PooledCall);

impl Ticket {
	pub fn hash(&self) -> H256 {
		self.0.hash
	}
}

impl core::fmt::Debug for Ticket {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "Ticket({:?})", self.0.hash)
	}
}

/// A verified call in the pool, with its hash computed once.
#[derive(Clone)]
pub(crate) struct PooledCall {
	pub(crate) call: VerifiedCall,
	hash: H256,
}

impl PooledCall {
	fn new(call: VerifiedCall) -> Self {
		let hash = call.call().hash();
		Self { call, hash }
	}
}

impl PoolCall for PooledCall {
	type Account = AccountId;
	type Hash = H256;
	fn sender(&self) -> &AccountId {
		self.call.call().call.sender()
	}
	fn nonce(&self) -> Nonce {
		self.call.call().nonce
	}
	fn hash(&self) -> H256 {
		self.hash
	}
}

/// What [`crate::Enclave::admit`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admission {
	pub hash: H256,
	pub readiness: integritee_pool::Readiness,
	/// Future calls of the sender that this one made ready.
	pub promoted: Vec<H256>,
}

impl Enclave {
	/// The door of direct calls: checks them without this core's lock.
	pub fn door(&self) -> Door {
		self.door.clone()
	}

	/// How much the pool of direct calls holds (the host's setting; the
	/// pool starts with [`PoolLimits::default`]).
	pub fn set_pool_limits(&mut self, limits: PoolLimits) {
		let pool = self.pool.get_mut().unwrap_or_else(|p| p.into_inner());
		*pool = integritee_pool::Pool::new(limits);
	}

	/// Direct calls in the pool (all, future).
	pub fn pool_size(&self) -> (usize, usize) {
		let pool = self.pool();
		(pool.len(), pool.future_len())
	}

	pub(crate) fn pool(&self) -> std::sync::MutexGuard<'_, integritee_pool::Pool<PooledCall>> {
		// Every pool operation leaves it consistent before it can panic.
		self.pool.lock().unwrap_or_else(|p| p.into_inner())
	}

	/// Admits a direct call that passed the [`Door`]: refused if this core
	/// does not serve the shard now, if the sender holds less than
	/// [`MIN_BALANCE_TO_SEND`] in the committed state, or by the pool (stale
	/// nonce, duplicate, a nonce another pooled call holds, limits).
	pub fn admit(&self, ticket: Ticket) -> Result<Admission, DirectError> {
		self.ensure_serving().map_err(|e| DirectError::NotServing(e.to_string()))?;
		// Not before the anchor is proven in this run, not on a rollback.
		self.anchored_on_own_chain().map_err(|e| DirectError::NotServing(e.to_string()))?;
		let call = ticket.0;
		let info = self
			.shard_state()
			.map_err(|e| DirectError::NotServing(e.to_string()))?
			.account_info(integritee_pool::PoolCall::sender(&call))
			.map_err(|e| DirectError::State(e.to_string()))?;
		if info.free.saturating_add(info.reserved) < MIN_BALANCE_TO_SEND {
			return Err(DirectError::Unfunded);
		}
		let hash = integritee_pool::PoolCall::hash(&call);
		let admitted = self.pool().submit(call, info.nonce)?;
		Ok(Admission { hash, readiness: admitted.readiness, promoted: admitted.promoted })
	}
}

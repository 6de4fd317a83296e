//! Trusted getters: reads of the confidential state that only the account's
//! owner may make, and the enclave's signed answers.
//!
//! Getters are private: a [`PrivateGetter`] (the signed getter, a fresh
//! key for the answer, an optional `min_block`) travels encrypted to the
//! shard's shielding key ([`PrivateGetterRequest`]), and the enclave's
//! signed [`GetterAnswer`] comes back encrypted to the answer key. Neither
//! the worker's host nor the network learns whose account was read or
//! what it holds.

use codec::{Decode, Encode};
use polkadot_sdk::{
	sp_core::{ed25519, H256},
	sp_runtime::{traits::Verify, MultiSignature},
};

use crate::{
	shielding::{self, ShieldingError, ShieldingKeyPair},
	AccountId, Balance, Nonce, ShardIdentifier,
};

/// A read of the confidential state.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum TrustedGetter {
	/// Free and reserved balance and nonce of the account.
	#[codec(index = 0)]
	AccountInfo(AccountId),
	/// The nonce the account's next call should carry: the state's, after
	/// the account's ready calls in the pool (value: SCALE `Nonce`).
	#[codec(index = 1)]
	NextNonce(AccountId),
	/// The account's calls in the pool (value: SCALE
	/// `Vec<PendingCall>`).
	#[codec(index = 2)]
	PendingCalls(AccountId),
}

/// A call of the owner's in the pool, as `PendingCalls` answers.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct PendingCall {
	pub hash: H256,
	pub nonce: Nonce,
	/// False while a nonce before it is missing.
	pub ready: bool,
}

impl TrustedGetter {
	/// The account whose owner must sign the getter.
	pub fn signer(&self) -> &AccountId {
		match self {
			TrustedGetter::AccountInfo(who)
			| TrustedGetter::NextNonce(who)
			| TrustedGetter::PendingCalls(who) => who,
		}
	}

	/// The bytes the owner signs: [`GETTER_DOMAIN`], then SCALE of (getter,
	/// shard, issued_at_ms): never valid as a trusted call or anything else.
	pub fn signing_payload(&self, shard: &ShardIdentifier, issued_at_ms: u64) -> Vec<u8> {
		let mut payload = GETTER_DOMAIN.to_vec();
		(self, shard, issued_at_ms).encode_to(&mut payload);
		payload
	}
}

/// The fixed prefix of every getter's signed bytes (domain separation).
pub const GETTER_DOMAIN: &[u8] = b"integritee/getter/v1:";

/// A getter signed by the owner of the account it reads. `issued_at_ms`
/// limits how long an intercepted getter can be replayed.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct TrustedGetterSigned {
	pub getter: TrustedGetter,
	pub issued_at_ms: u64,
	pub signature: MultiSignature,
}

impl TrustedGetterSigned {
	pub fn new(
		getter: TrustedGetter,
		shard: &ShardIdentifier,
		issued_at_ms: u64,
		sign: impl FnOnce(&[u8]) -> MultiSignature,
	) -> Self {
		let signature = sign(&getter.signing_payload(shard, issued_at_ms));
		Self { getter, issued_at_ms, signature }
	}

	pub fn verify_signature(&self, shard: &ShardIdentifier) -> bool {
		let payload = self.getter.signing_payload(shard, self.issued_at_ms);
		self.signature.verify(payload.as_slice(), self.getter.signer())
	}
}

/// An account as the confidential state holds it.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct AccountInfoView {
	pub free: Balance,
	pub reserved: Balance,
	/// The nonce the account's next trusted call must carry.
	pub nonce: Nonce,
}

/// What a client asks privately: the owner-signed getter, the X25519
/// public key the answer is to be encrypted to, and optionally the
/// sidechain block the state must include first (read-your-writes: the
/// answer waits, bounded, until the state reaches it).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct PrivateGetter {
	pub getter: TrustedGetterSigned,
	pub answer_key: [u8; shielding::PUBLIC_KEY_LEN],
	pub min_block: Option<u64>,
}

/// The parameter of the getter methods (hex of its SCALE encoding): the
/// shard, and a [`PrivateGetter`] encrypted to its shielding key (the
/// shard as associated data).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct PrivateGetterRequest {
	pub shard: ShardIdentifier,
	pub ciphertext: Vec<u8>,
}

impl PrivateGetterRequest {
	/// Encrypts `getter` for `shard` with a fresh answer key; returns the
	/// request and the answer key pair (the client keeps it to read the
	/// answer with [`GetterAnswer::open`]).
	pub fn new(
		getter: TrustedGetterSigned,
		min_block: Option<u64>,
		shard: ShardIdentifier,
		shielding_key: &[u8],
	) -> Result<(Self, ShieldingKeyPair), ShieldingError> {
		let answer = ShieldingKeyPair::generate();
		let private = PrivateGetter { getter, answer_key: answer.public_key(), min_block };
		let ciphertext = shielding::encrypt(shielding_key, &shard, &private.encode())?;
		Ok((Self { shard, ciphertext }, answer))
	}
}

/// The enclave's answer to a getter: the SCALE-encoded value, the committed
/// sidechain block and the parent-chain block the state includes, and the
/// enclave signer's signature over all of it and the getter, so that a
/// client can check the answer against the enclave registered on chain.
/// It travels encrypted to the getter's answer key.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct GetterAnswer {
	pub getter_hash: H256,
	pub value: Option<Vec<u8>>,
	/// The committed sidechain block the state is at (number, header hash).
	pub sidechain_block: (u64, H256),
	pub parentchain_block_number: u32,
	pub parentchain_block_hash: H256,
	pub signature: ed25519::Signature,
}

/// The fixed prefix of every getter answer's signed bytes.
pub const ANSWER_DOMAIN: &[u8] = b"integritee/getter-answer/v2:";

impl GetterAnswer {
	/// The bytes the enclave signs.
	pub fn signing_payload(
		getter_hash: &H256,
		value: &Option<Vec<u8>>,
		sidechain_block: &(u64, H256),
		parentchain_block: (u32, &H256),
	) -> Vec<u8> {
		let mut payload = ANSWER_DOMAIN.to_vec();
		(getter_hash, value, sidechain_block, parentchain_block.0, parentchain_block.1)
			.encode_to(&mut payload);
		payload
	}

	/// An answer signed with `sign` (the enclave signer's).
	pub fn sign(
		getter_hash: H256,
		value: Option<Vec<u8>>,
		sidechain_block: (u64, H256),
		parentchain_block: (u32, H256),
		sign: impl FnOnce(&[u8]) -> ed25519::Signature,
	) -> Self {
		let payload = Self::signing_payload(
			&getter_hash,
			&value,
			&sidechain_block,
			(parentchain_block.0, &parentchain_block.1),
		);
		Self {
			getter_hash,
			value,
			sidechain_block,
			parentchain_block_number: parentchain_block.0,
			parentchain_block_hash: parentchain_block.1,
			signature: sign(&payload),
		}
	}

	pub fn verify(&self, enclave_signer: &ed25519::Public) -> bool {
		let payload = Self::signing_payload(
			&self.getter_hash,
			&self.value,
			&self.sidechain_block,
			(self.parentchain_block_number, &self.parentchain_block_hash),
		);
		self.signature.verify(payload.as_slice(), enclave_signer)
	}

	/// Decrypts an encrypted answer with the getter's answer key.
	pub fn open(
		ciphertext: &[u8],
		answer_key: &ShieldingKeyPair,
		shard: &ShardIdentifier,
	) -> Result<Self, ShieldingError> {
		let plain = answer_key.decrypt(shard, ciphertext)?;
		Self::decode(&mut &plain[..]).map_err(|_| ShieldingError::Undecryptable)
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use polkadot_sdk::sp_core::{sr25519, Pair};

	/// A getter signature binds shard and time, and one over the untagged
	/// bytes (made for another purpose) is refused.
	#[test]
	fn getter_signatures_carry_the_domain_tag_and_bind_the_shard() {
		let k = sr25519::Pair::from_string("//Alice", None).unwrap();
		let getter = TrustedGetter::AccountInfo(k.public().into());
		let shard = H256::repeat_byte(2);
		let signed = TrustedGetterSigned::new(getter.clone(), &shard, 7, |p| k.sign(p).into());
		assert!(signed.verify_signature(&shard));
		assert!(!signed.verify_signature(&H256::repeat_byte(3)));
		assert!(getter.signing_payload(&shard, 7).starts_with(GETTER_DOMAIN));
		let untagged = (&getter, &shard, 7u64).encode();
		let forged =
			TrustedGetterSigned { getter, issued_at_ms: 7, signature: k.sign(&untagged).into() };
		assert!(!forged.verify_signature(&shard));
	}
}

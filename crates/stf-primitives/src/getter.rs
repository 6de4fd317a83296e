//! Trusted getters: reads of the confidential state that only the account's
//! owner may make, and the enclave's signed answers.
//!
//! Getters are private: a [`TrustedGetterSigned`] (the getter, its moment,
//! a fresh key for the answer and an optional `min_block`, all under the
//! owner's signature) travels encrypted to the shard's shielding key
//! ([`PrivateGetterRequest`], [`Purpose::GetterRequest`]), and the
//! enclave's signed [`GetterAnswer`] comes back encrypted to the answer key
//! ([`Purpose::GetterAnswer`]). Neither the worker's host nor the network
//! learns whose account was read, which kind of getter it was (one RPC
//! method serves them all) or what the account holds.

use codec::{Decode, Encode};
use polkadot_sdk::{
	sp_core::{ed25519, H256},
	sp_runtime::{traits::Verify, MultiSignature},
};

use crate::{
	shielding::{self, Purpose, ShieldingError, ShieldingKeyPair},
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
}

/// The fixed prefix of every getter's signed bytes (domain separation).
/// v2: the answer key and `min_block` are signed too (v1 signed the
/// getter, shard and moment only, so whoever held a signed getter could
/// wrap it with an answer key of its own, or another `min_block`).
pub const GETTER_DOMAIN: &[u8] = b"integritee/getter/v2:";

/// A getter signed by the owner of the account it reads, with everything
/// that decides its answer: `issued_at_ms` limits how long an intercepted
/// getter can be replayed, `answer_key` is the X25519 public key the
/// answer is encrypted to, and `min_block` the sidechain block the state
/// must include first (read-your-writes: the answer waits, bounded, until
/// the state reaches it).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct TrustedGetterSigned {
	pub getter: TrustedGetter,
	pub issued_at_ms: u64,
	pub answer_key: [u8; shielding::PUBLIC_KEY_LEN],
	pub min_block: Option<u64>,
	pub signature: MultiSignature,
}

impl TrustedGetterSigned {
	/// The bytes the owner signs: [`GETTER_DOMAIN`], then SCALE of (getter,
	/// shard, issued_at_ms, answer_key, min_block): never valid as a
	/// trusted call or anything else.
	pub fn signing_payload(
		getter: &TrustedGetter,
		shard: &ShardIdentifier,
		issued_at_ms: u64,
		answer_key: &[u8; shielding::PUBLIC_KEY_LEN],
		min_block: Option<u64>,
	) -> Vec<u8> {
		let mut payload = GETTER_DOMAIN.to_vec();
		(getter, shard, issued_at_ms, answer_key, min_block).encode_to(&mut payload);
		payload
	}

	/// `getter` signed with `sign` by its account's owner for `shard`.
	pub fn new(
		getter: TrustedGetter,
		shard: &ShardIdentifier,
		issued_at_ms: u64,
		answer_key: [u8; shielding::PUBLIC_KEY_LEN],
		min_block: Option<u64>,
		sign: impl FnOnce(&[u8]) -> MultiSignature,
	) -> Self {
		let signature =
			sign(&Self::signing_payload(&getter, shard, issued_at_ms, &answer_key, min_block));
		Self { getter, issued_at_ms, answer_key, min_block, signature }
	}

	/// Whether the owner of the getter's account signed all of it for
	/// `shard`.
	pub fn verify_signature(&self, shard: &ShardIdentifier) -> bool {
		let payload = Self::signing_payload(
			&self.getter,
			shard,
			self.issued_at_ms,
			&self.answer_key,
			self.min_block,
		);
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

/// The parameter of `state_executeGetter` (hex of its SCALE encoding):
/// the shard, and a [`TrustedGetterSigned`] encrypted to its shielding key
/// ([`Purpose::GetterRequest`], the shard as associated data).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct PrivateGetterRequest {
	pub shard: ShardIdentifier,
	pub ciphertext: Vec<u8>,
}

/// What a client keeps of a getter it sent: the signed getter (the answer's
/// `getter_hash` names its SCALE encoding) and the answer key pair (to read
/// the answer with [`GetterAnswer::open`]).
pub struct SentGetter {
	pub signed: TrustedGetterSigned,
	pub answer_key: ShieldingKeyPair,
}

impl PrivateGetterRequest {
	/// Encrypts a signed getter for `shard` to `shielding_key`.
	pub fn encrypt(
		signed: &TrustedGetterSigned,
		shard: ShardIdentifier,
		shielding_key: &[u8],
	) -> Result<Self, ShieldingError> {
		let ciphertext =
			shielding::encrypt(shielding_key, Purpose::GetterRequest, &shard, &signed.encode())?;
		Ok(Self { shard, ciphertext })
	}

	/// Signs `getter` with `sign` (its account's owner) with a fresh answer
	/// key and `min_block`, and encrypts it for `shard` to `shielding_key`.
	pub fn new(
		getter: TrustedGetter,
		shard: ShardIdentifier,
		issued_at_ms: u64,
		min_block: Option<u64>,
		shielding_key: &[u8],
		sign: impl FnOnce(&[u8]) -> MultiSignature,
	) -> Result<(Self, SentGetter), ShieldingError> {
		let answer_key = ShieldingKeyPair::generate();
		let signed = TrustedGetterSigned::new(
			getter,
			&shard,
			issued_at_ms,
			answer_key.public_key(),
			min_block,
			sign,
		);
		let request = Self::encrypt(&signed, shard, shielding_key)?;
		Ok((request, SentGetter { signed, answer_key }))
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

	/// Encrypts the answer to the getter's (signed) answer key.
	pub fn seal(
		&self,
		answer_key: &[u8; shielding::PUBLIC_KEY_LEN],
		shard: &ShardIdentifier,
	) -> Result<Vec<u8>, ShieldingError> {
		shielding::encrypt(answer_key, Purpose::GetterAnswer, shard, &self.encode())
	}

	/// Decrypts an encrypted answer with the getter's answer key.
	pub fn open(
		ciphertext: &[u8],
		answer_key: &ShieldingKeyPair,
		shard: &ShardIdentifier,
	) -> Result<Self, ShieldingError> {
		let plain = answer_key.decrypt(Purpose::GetterAnswer, shard, ciphertext)?;
		Self::decode(&mut &plain[..]).map_err(|_| ShieldingError::Undecryptable)
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use polkadot_sdk::sp_core::{sr25519, Pair};

	/// A getter signature binds shard, time, answer key and `min_block`,
	/// and one over the untagged bytes (made for another purpose) is
	/// refused.
	#[test]
	fn getter_signatures_carry_the_domain_tag_and_bind_the_shard() {
		let k = sr25519::Pair::from_string("//Alice", None).unwrap();
		let getter = TrustedGetter::AccountInfo(k.public().into());
		let shard = H256::repeat_byte(2);
		let signed = TrustedGetterSigned::new(getter.clone(), &shard, 7, [4; 32], None, |p| {
			k.sign(p).into()
		});
		assert!(signed.verify_signature(&shard));
		assert!(!signed.verify_signature(&H256::repeat_byte(3)));
		let payload = TrustedGetterSigned::signing_payload(&getter, &shard, 7, &[4; 32], None);
		assert!(payload.starts_with(GETTER_DOMAIN));
		let untagged = (&getter, &shard, 7u64, [4u8; 32], None::<u64>).encode();
		let forged = TrustedGetterSigned { signature: k.sign(&untagged).into(), ..signed.clone() };
		assert!(!forged.verify_signature(&shard));
		// A v1 signature (getter, shard, moment only) is not valid in v2.
		let mut v1 = b"integritee/getter/v1:".to_vec();
		(&getter, &shard, 7u64).encode_to(&mut v1);
		let v1 = TrustedGetterSigned { signature: k.sign(&v1).into(), ..signed };
		assert!(!v1.verify_signature(&shard));
	}

	/// Exploit (fails on v1 signatures, which left them out): whoever
	/// holds a signed getter (the host, a log) cannot swap its answer key
	/// (to read the answer) or its `min_block` (to hold it) and keep the
	/// owner's signature.
	#[test]
	fn a_swapped_answer_key_or_min_block_breaks_the_signature() {
		let k = sr25519::Pair::from_string("//Bob", None).unwrap();
		let shard = H256::repeat_byte(2);
		let signed = TrustedGetterSigned::new(
			TrustedGetter::NextNonce(k.public().into()),
			&shard,
			7,
			[4; 32],
			Some(3),
			|p| k.sign(p).into(),
		);
		assert!(signed.verify_signature(&shard));
		let host_key = ShieldingKeyPair::generate().public_key();
		let swapped_key = TrustedGetterSigned { answer_key: host_key, ..signed.clone() };
		assert!(!swapped_key.verify_signature(&shard));
		for min_block in [None, Some(4), Some(u64::MAX)] {
			let swapped = TrustedGetterSigned { min_block, ..signed.clone() };
			assert!(!swapped.verify_signature(&shard), "{min_block:?}");
		}
	}

	/// A request opens only as a request, an answer only as an answer, and
	/// a call ciphertext as neither (the HPKE `info` of each purpose).
	#[test]
	fn requests_answers_and_calls_do_not_open_as_each_other() {
		let k = sr25519::Pair::from_string("//Bob", None).unwrap();
		let shielding = ShieldingKeyPair::from_seed(&[9; 32]);
		let shard = H256::repeat_byte(2);
		let (request, sent) = PrivateGetterRequest::new(
			TrustedGetter::AccountInfo(k.public().into()),
			shard,
			7,
			None,
			&shielding.public_key(),
			|p| k.sign(p).into(),
		)
		.unwrap();
		let plain = shielding.decrypt(Purpose::GetterRequest, &shard, &request.ciphertext);
		assert_eq!(plain.unwrap(), sent.signed.encode());
		for other in [Purpose::TrustedCall, Purpose::GetterAnswer, Purpose::ShieldBeneficiary] {
			assert_eq!(
				shielding.decrypt(other, &shard, &request.ciphertext),
				Err(ShieldingError::Undecryptable)
			);
		}
		let answer =
			GetterAnswer::sign(H256::zero(), None, (1, H256::zero()), (2, H256::zero()), |_| {
				ed25519::Signature::from_raw([0; 64])
			});
		// An answer sealed to the shielding key (a host reflecting it back
		// as a request) does not open as a request, nor a request as an
		// answer.
		let reflected = answer.seal(&shielding.public_key(), &shard).unwrap();
		assert!(shielding.decrypt(Purpose::GetterRequest, &shard, &reflected).is_err());
		assert_eq!(GetterAnswer::open(&reflected, &shielding, &shard).unwrap(), answer);
		assert!(GetterAnswer::open(&request.ciphertext, &shielding, &shard).is_err());
	}
}

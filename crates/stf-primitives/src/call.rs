//! Trusted calls and their signatures.

use codec::{Decode, Encode};
use polkadot_sdk::{
	sp_core::H256,
	sp_io::hashing::blake2_256,
	sp_runtime::{traits::Verify, MultiSignature},
};

use crate::{AccountId, Balance, MrEnclave, Nonce, ShardIdentifier};

/// A state transition a user asks a shard's enclave to execute.
///
/// Shielding is not a user call: the enclave mints only for `ShieldFunds`
/// events it proved on the parent chain.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum TrustedCall {
	/// Move `amount` from `from` to `to` inside the shard.
	#[codec(index = 0)]
	BalanceTransfer { from: AccountId, to: AccountId, amount: Balance },
	/// Burn `amount` of `from` inside the shard and have the shard's vault pay
	/// it to `beneficiary` on the parent chain.
	#[codec(index = 1)]
	BalanceUnshield { from: AccountId, beneficiary: AccountId, amount: Balance },
}

/// The fixed prefix of every trusted call's signed bytes (domain separation).
pub const TRUSTED_CALL_DOMAIN: &[u8] = b"integritee/trusted-call/v1:";

impl TrustedCall {
	/// The account that signs the call and whose nonce it uses.
	pub fn sender(&self) -> &AccountId {
		match self {
			TrustedCall::BalanceTransfer { from, .. } => from,
			TrustedCall::BalanceUnshield { from, .. } => from,
		}
	}

	/// The bytes a user signs: [`TRUSTED_CALL_DOMAIN`], then SCALE of (call,
	/// nonce, MRENCLAVE, shard), so a signature is only valid for one nonce,
	/// one enclave build and one shard, and never for anything but a trusted
	/// call (a getter, a parent-chain extrinsic, a message).
	pub fn signing_payload(
		&self,
		nonce: Nonce,
		mr_enclave: &MrEnclave,
		shard: &ShardIdentifier,
	) -> Vec<u8> {
		let mut payload = TRUSTED_CALL_DOMAIN.to_vec();
		(self, nonce, mr_enclave, shard).encode_to(&mut payload);
		payload
	}

	/// Signs the call with `sign` (a Substrate key's `sign`, wrapped into a
	/// [`MultiSignature`]).
	pub fn sign(
		self,
		nonce: Nonce,
		mr_enclave: &MrEnclave,
		shard: &ShardIdentifier,
		sign: impl FnOnce(&[u8]) -> MultiSignature,
	) -> TrustedCallSigned {
		let signature = sign(&self.signing_payload(nonce, mr_enclave, shard));
		TrustedCallSigned { call: self, nonce, signature }
	}
}

/// A trusted call with the user's nonce and signature.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct TrustedCallSigned {
	pub call: TrustedCall,
	pub nonce: Nonce,
	pub signature: MultiSignature,
}

impl TrustedCallSigned {
	/// Whether the sender signed exactly this call and nonce for this enclave
	/// build and shard.
	pub fn verify_signature(&self, mr_enclave: &MrEnclave, shard: &ShardIdentifier) -> bool {
		let payload = self.call.signing_payload(self.nonce, mr_enclave, shard);
		self.signature.verify(payload.as_slice(), self.call.sender())
	}

	/// The call's identity: blake2_256 of its SCALE encoding (signature
	/// included). Executed calls are committed to by these hashes.
	pub fn hash(&self) -> H256 {
		H256(blake2_256(&self.encode()))
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use polkadot_sdk::sp_core::{ed25519, sr25519, Pair};

	fn transfer(from: &AccountId) -> TrustedCall {
		TrustedCall::BalanceTransfer { from: from.clone(), to: AccountId::new([7; 32]), amount: 10 }
	}

	#[test]
	fn signatures_bind_nonce_enclave_and_shard() {
		for pair in [
			Box::new(|p: &[u8]| {
				let k = sr25519::Pair::from_string("//Alice", None).unwrap();
				(AccountId::from(k.public()), MultiSignature::from(k.sign(p)))
			}) as Box<dyn Fn(&[u8]) -> (AccountId, MultiSignature)>,
			Box::new(|p: &[u8]| {
				let k = ed25519::Pair::from_string("//Bob", None).unwrap();
				(AccountId::from(k.public()), MultiSignature::from(k.sign(p)))
			}),
		] {
			let (account, _) = pair(b"");
			let (mr, shard) = ([1u8; 32], H256::repeat_byte(2));
			let signed = transfer(&account).sign(5, &mr, &shard, |p| pair(p).1);
			assert!(signed.verify_signature(&mr, &shard));
			assert!(!signed.verify_signature(&[9; 32], &shard), "other MRENCLAVE");
			assert!(!signed.verify_signature(&mr, &H256::repeat_byte(3)), "other shard");
			let mut other_nonce = signed.clone();
			other_nonce.nonce = 6;
			assert!(!other_nonce.verify_signature(&mr, &shard), "other nonce");
			let mut other_sender = signed.clone();
			other_sender.call = transfer(&AccountId::new([8; 32]));
			assert!(!other_sender.verify_signature(&mr, &shard), "other sender");
			let decoded = TrustedCallSigned::decode(&mut &signed.encode()[..]).unwrap();
			assert_eq!(decoded, signed);
		}
	}

	/// A signature over the same call bytes without the domain tag (what a
	/// user might sign for another purpose) is not a trusted call's.
	#[test]
	fn signatures_carry_the_domain_tag() {
		let k = sr25519::Pair::from_string("//Alice", None).unwrap();
		let account = AccountId::from(k.public());
		let (mr, shard) = ([1u8; 32], H256::repeat_byte(2));
		let call = transfer(&account);
		let payload = call.signing_payload(5, &mr, &shard);
		assert!(payload.starts_with(TRUSTED_CALL_DOMAIN));
		let untagged = (&call, 5u32, &mr, &shard).encode();
		let forged = TrustedCallSigned { call, nonce: 5, signature: k.sign(&untagged).into() };
		assert!(!forged.verify_signature(&mr, &shard));
	}
}

//! Signed extrinsics of `integritee-runtime`, built without I/O.
//!
//! The worker's trusted core signs its own extrinsics with
//! [`signed_extrinsic`]; it must not link networking crates, so this lives
//! apart from the chain client (which re-exports it). See the README for
//! what this crate owns and must not touch.
#![forbid(unsafe_code)]

use codec::Encode;
use integritee_runtime::{
	Address, Hash, Nonce, Runtime, RuntimeCall, SignedPayload, TxExtension, UncheckedExtrinsic,
	VERSION,
};
use polkadot_sdk::{
	frame_system,
	pallet_transaction_payment::ChargeTransactionPayment,
	sp_core::crypto::AccountId32,
	sp_runtime::{generic::Era, MultiSignature},
};

/// How many blocks a signed extrinsic stays valid (mortality period).
pub const MORTALITY_PERIOD: u64 = 64;

/// What a signed extrinsic commits to besides its call and signer.
#[derive(Clone, Copy, Debug)]
pub struct ExtrinsicParams {
	pub nonce: Nonce,
	pub era: Era,
	/// Hash of the era's birth block (the genesis hash for an immortal era).
	pub era_block_hash: Hash,
	pub genesis_hash: Hash,
}

/// A signed extrinsic of `integritee-runtime` for `call` from `account`,
/// signed by `sign` over the runtime's signed payload.
pub fn signed_extrinsic(
	call: RuntimeCall,
	account: AccountId32,
	params: ExtrinsicParams,
	sign: impl FnOnce(&[u8]) -> MultiSignature,
) -> UncheckedExtrinsic {
	let extension: TxExtension = (
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(params.era),
		frame_system::CheckNonce::<Runtime>::from(params.nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		ChargeTransactionPayment::<Runtime>::from(0),
	);
	let implicit = (
		(),
		VERSION.spec_version,
		VERSION.transaction_version,
		params.genesis_hash,
		params.era_block_hash,
		(),
		(),
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(sign);
	UncheckedExtrinsic::new_signed(call, Address::Id(account), signature, extension)
}

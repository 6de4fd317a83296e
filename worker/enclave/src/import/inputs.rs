//! Indirect invocation: the inputs a verified parent-chain block carries for
//! the shard, in (extrinsic index, event index) order.
//!
//! - `EnclaveBridge::invoke(shard, ciphertext)` that succeeded: a trusted call
//!   encrypted to the shielding key.
//! - `ShieldFunds` events of the shard: funds moved into the vault for an
//!   encrypted beneficiary.
//! - `UnshieldedFunds` events of the shard: the vault paid an unshield.
//! - `ProcessedParentchainBlock` events of this enclave for the shard: its
//!   confirmation is on chain.
//! - `FinalizedSidechainBlock` events of the shard: a sidechain block was
//!   anchored (reported, not an STF input: the anchor itself is read
//!   through the verified storage proof).
//!
//! A failed `unshield_funds` of this enclave is only reported: the request
//! stays payable until its expiry (another extrinsic may still pay it), and
//! the STF refunds it only once a finalized block passes the expiry.
//!
//! An input that cannot be decrypted or decoded is skipped with a typed
//! reason ([`SkipReason`]); it never stops the block.

use codec::{Decode, Encode};
use integritee_runtime::{RuntimeCall, RuntimeEvent, UncheckedExtrinsic};
use integritee_stf::StfInput;
use integritee_stf_primitives::{
	shielding::{Purpose, ShieldingKeyPair},
	AccountId, ShardIdentifier, TrustedCallSigned,
};
use polkadot_sdk::{
	frame_system::{self, EventRecord, Phase},
	sp_core::H256,
	sp_io::hashing::blake2_256,
	sp_runtime::{generic::Preamble, MultiAddress},
};

pub type Events = Vec<EventRecord<RuntimeEvent, H256>>;

/// Why an input of the shard was skipped before the queue. Never carries
/// the input's content.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SkipReason {
	/// Every extrinsic of a verified body decoded on chain: one this core
	/// cannot decode means its runtime types are out of date.
	#[error("extrinsic {extrinsic} does not decode as this runtime's")]
	UndecodableExtrinsic { extrinsic: u32 },
	#[error("invoke in extrinsic {extrinsic} failed on chain")]
	InvokeFailedOnChain { extrinsic: u32 },
	#[error("invoke in extrinsic {extrinsic}: {error}")]
	UnreadableCall { extrinsic: u32, error: UnreadableInput },
	#[error("shield in extrinsic {extrinsic}: {error}; the funds stay in the vault")]
	UnreadableBeneficiary { extrinsic: u32, error: UnreadableInput },
}

/// Why an encrypted input could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnreadableInput {
	#[error("{0}")]
	Undecryptable(#[from] integritee_stf_primitives::shielding::ShieldingError),
	#[error("the decrypted call does not decode")]
	NotACall,
	#[error("the decrypted beneficiary is not an account")]
	NotAnAccount,
}

/// An input skipped in parent block `block`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("block {block}: {reason}")]
pub struct SkippedInput {
	pub block: u32,
	pub reason: SkipReason,
}

/// One of this enclave's own extrinsics that failed on chain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("block {block}: extrinsic {extrinsic} ({call}) failed")]
pub struct OwnFailure {
	pub block: u32,
	pub extrinsic: u32,
	/// The pallet call's name.
	pub call: &'static str,
}

/// The shard's inputs of one block, and why others were skipped.
#[derive(Default)]
pub struct BlockInputs {
	pub inputs: Vec<StfInput>,
	pub skipped: Vec<SkippedInput>,
	/// This enclave's own extrinsics that failed on chain.
	pub own_failures: Vec<OwnFailure>,
	/// Sidechain blocks of the shard anchored in this block (number, header
	/// hash), by any member.
	pub anchored: Vec<(u64, H256)>,
}

fn extrinsic_succeeded(events: &Events, index: u32) -> Option<bool> {
	events.iter().find_map(|record| match (&record.phase, &record.event) {
		(
			Phase::ApplyExtrinsic(i),
			RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { .. }),
		) if *i == index => Some(true),
		(
			Phase::ApplyExtrinsic(i),
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { .. }),
		) if *i == index => Some(false),
		_ => None,
	})
}

/// Collects the shard's inputs of block `block_number` whose body and
/// events are verified.
pub fn collect(
	block_number: u32,
	block_hash: H256,
	extrinsics: &[Vec<u8>],
	events: &Events,
	shard: &ShardIdentifier,
	enclave_account: &AccountId,
	shielding: &ShieldingKeyPair,
) -> BlockInputs {
	let mut out = BlockInputs::default();
	let skip = |reason| SkippedInput { block: block_number, reason };
	for (index, bytes) in extrinsics.iter().enumerate() {
		let index = index as u32;
		let Ok(extrinsic) = UncheckedExtrinsic::decode(&mut &bytes[..]) else {
			out.skipped.push(skip(SkipReason::UndecodableExtrinsic { extrinsic: index }));
			continue;
		};
		let sent_by_enclave = signer_of(&extrinsic) == Some(enclave_account);
		if sent_by_enclave && extrinsic_succeeded(events, index) == Some(false) {
			out.own_failures.push(OwnFailure {
				block: block_number,
				extrinsic: index,
				call: call_name(&extrinsic.function),
			});
		}
		match extrinsic.function {
			RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke {
				shard: target,
				ciphertext,
			}) if target == *shard => {
				if extrinsic_succeeded(events, index) != Some(true) {
					out.skipped.push(skip(SkipReason::InvokeFailedOnChain { extrinsic: index }));
					continue;
				}
				match decrypt_as::<TrustedCallSigned>(
					shielding,
					Purpose::TrustedCall,
					shard,
					&ciphertext,
					UnreadableInput::NotACall,
				) {
					Ok(call) => out.inputs.push(StfInput::Call(call)),
					Err(error) => out
						.skipped
						.push(skip(SkipReason::UnreadableCall { extrinsic: index, error })),
				}
			}
			_ => {}
		}
		// Events of this extrinsic, in their order.
		for (event_index, record) in events.iter().enumerate() {
			if record.phase != Phase::ApplyExtrinsic(index) {
				continue;
			}
			match &record.event {
				RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::ShieldFunds {
					shard: target,
					encrypted_beneficiary,
					amount,
					..
				}) if target == shard => match decrypt_as::<AccountId>(
					shielding,
					Purpose::ShieldBeneficiary,
					shard,
					encrypted_beneficiary,
					UnreadableInput::NotAnAccount,
				) {
					Ok(beneficiary) => out.inputs.push(StfInput::Shield {
						id: H256(blake2_256(&(block_hash, event_index as u32).encode())),
						beneficiary,
						amount: *amount,
					}),
					Err(error) => out
						.skipped
						.push(skip(SkipReason::UnreadableBeneficiary { extrinsic: index, error })),
				},
				RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::UnshieldedFunds {
					shard: target,
					call_hash,
					..
				}) if target == shard => out.inputs.push(StfInput::UnshieldPaid { call_hash: *call_hash }),
				RuntimeEvent::EnclaveBridge(
					pallet_enclave_bridge::Event::ProcessedParentchainBlock {
						shard: target,
						signer,
						block_number,
						..
					},
				) if target == shard && signer == enclave_account => {
					out.inputs.push(StfInput::Confirmed { up_to: *block_number })
				}
				RuntimeEvent::Sidechain(pallet_sidechain::Event::FinalizedSidechainBlock {
					shard: target,
					block_number,
					block_header_hash,
					..
				}) if target == shard => out.anchored.push((*block_number, *block_header_hash)),
				_ => {}
			}
		}
	}
	out
}

fn call_name(call: &RuntimeCall) -> &'static str {
	match call {
		RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::unshield_funds { .. }) => {
			"unshield_funds"
		}
		RuntimeCall::EnclaveBridge(
			pallet_enclave_bridge::Call::confirm_processed_parentchain_block { .. },
		) => "confirm_processed_parentchain_block",
		RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::update_shard_config { .. }) => {
			"update_shard_config"
		}
		RuntimeCall::Teerex(_) => "teerex",
		_ => "other",
	}
}

fn signer_of(extrinsic: &UncheckedExtrinsic) -> Option<&AccountId> {
	match &extrinsic.preamble {
		Preamble::Signed(MultiAddress::Id(account), ..) => Some(account),
		_ => None,
	}
}

/// Decrypts `ciphertext` for `purpose` and `shard` and decodes it as a `T`;
/// `not_a_t` is the refusal when the plaintext is something else.
fn decrypt_as<T: Decode>(
	shielding: &ShieldingKeyPair,
	purpose: Purpose,
	shard: &ShardIdentifier,
	ciphertext: &[u8],
	not_a_t: UnreadableInput,
) -> Result<T, UnreadableInput> {
	let plaintext = shielding.decrypt(purpose, shard, ciphertext)?;
	T::decode(&mut &plaintext[..]).map_err(|_| not_a_t)
}

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
//! An input that cannot be decrypted or decoded is skipped with a reason;
//! it never stops the block.

use codec::{Decode, Encode};
use integritee_runtime::{RuntimeCall, RuntimeEvent, UncheckedExtrinsic};
use integritee_stf::StfInput;
use integritee_stf_primitives::{
	shielding::ShieldingKeyPair, AccountId, ShardIdentifier, TrustedCallSigned,
};
use polkadot_sdk::{
	frame_system::{self, EventRecord, Phase},
	sp_core::H256,
	sp_io::hashing::blake2_256,
	sp_runtime::{generic::Preamble, MultiAddress},
};

pub type Events = Vec<EventRecord<RuntimeEvent, H256>>;

/// The shard's inputs of one block, and why others were skipped.
#[derive(Default)]
pub struct BlockInputs {
	pub inputs: Vec<StfInput>,
	pub skipped: Vec<String>,
	/// This enclave's own extrinsics that failed on chain, described.
	pub own_failures: Vec<String>,
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

/// Collects the shard's inputs of a block whose body and events are verified.
pub fn collect(
	block_hash: H256,
	extrinsics: &[Vec<u8>],
	events: &Events,
	shard: &ShardIdentifier,
	enclave_account: &AccountId,
	shielding: &ShieldingKeyPair,
) -> BlockInputs {
	let mut out = BlockInputs::default();
	for (index, bytes) in extrinsics.iter().enumerate() {
		let index = index as u32;
		let Ok(extrinsic) = UncheckedExtrinsic::decode(&mut &bytes[..]) else {
			// Every extrinsic of a verified body decoded on chain: a body
			// we cannot decode means our runtime types are out of date.
			out.skipped.push(format!("extrinsic {index} does not decode as this runtime's"));
			continue;
		};
		let sent_by_enclave = signer_of(&extrinsic) == Some(enclave_account);
		if sent_by_enclave && extrinsic_succeeded(events, index) == Some(false) {
			out.own_failures
				.push(format!("extrinsic {index} ({}) failed", call_name(&extrinsic.function)));
		}
		match extrinsic.function {
			RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke {
				shard: target,
				ciphertext,
			}) if target == *shard => {
				if extrinsic_succeeded(events, index) != Some(true) {
					out.skipped.push(format!("invoke in extrinsic {index} failed on chain"));
					continue;
				}
				match decrypt_call(shielding, shard, &ciphertext) {
					Ok(call) => out.inputs.push(StfInput::Call(call)),
					Err(reason) => {
						out.skipped.push(format!("invoke in extrinsic {index}: {reason}"))
					}
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
				}) if target == shard => match decrypt_beneficiary(shielding, shard, encrypted_beneficiary) {
					Ok(beneficiary) => out.inputs.push(StfInput::Shield {
						id: H256(blake2_256(&(block_hash, event_index as u32).encode())),
						beneficiary,
						amount: *amount,
					}),
					Err(reason) => out.skipped.push(format!(
						"shield in extrinsic {index}: {reason}; the funds stay in the vault"
					)),
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

fn decrypt_call(
	shielding: &ShieldingKeyPair,
	shard: &ShardIdentifier,
	ciphertext: &[u8],
) -> Result<TrustedCallSigned, String> {
	let plaintext = shielding.decrypt(shard, ciphertext).map_err(|e| e.to_string())?;
	TrustedCallSigned::decode(&mut &plaintext[..])
		.map_err(|_| "the decrypted call does not decode".to_string())
}

fn decrypt_beneficiary(
	shielding: &ShieldingKeyPair,
	shard: &ShardIdentifier,
	ciphertext: &[u8],
) -> Result<AccountId, String> {
	let plaintext = shielding.decrypt(shard, ciphertext).map_err(|e| e.to_string())?;
	AccountId::decode(&mut &plaintext[..])
		.map_err(|_| "the decrypted beneficiary is not an account".to_string())
}

//! The storage values every imported block proves, and their decoding: a
//! value that is present but does not decode refuses the block (never
//! "absent"), an absent one is the storage default.

use codec::Decode;
use integritee_primitives::SidechainBlockConfirmation;
use integritee_runtime::Runtime;
use integritee_stf_primitives::{AccountId, Balance};
use polkadot_sdk::{frame_system, pallet_balances, sp_core::H256};

use super::{inputs::Events, ParentchainBlock};
use crate::{error::Error, Enclave};

impl Enclave {
	/// Verifies one block's body and proof against its (light-client
	/// verified) header and reads the proven values.
	pub(super) fn verify_block(
		block: ParentchainBlock,
		keys: &[Vec<u8>],
	) -> Result<VerifiedBlock, Error> {
		let number = block.header.number;
		let hash = block.header.hash();
		let parent_hash = block.header.parent_hash;
		let bad = |reason: String| Error::BadBlock { number, hash, reason };
		integritee_light_client::verify_extrinsics_root(&block.header, &block.extrinsics)
			.map_err(|e| bad(e.to_string()))?;
		let values = integritee_light_client::read_proof(&block.header, block.proof, keys)
			.map_err(|e| bad(e.to_string()))?;
		let value = |i: usize| values.get(i).cloned().flatten();
		let events: Events = match value(0) {
			Some(bytes) => Decode::decode(&mut &bytes[..])
				.map_err(|_| bad("System::Events does not decode".into()))?,
			None => Vec::new(),
		};
		let vault: Balance = match value(1) {
			Some(bytes) => {
				let info = frame_system::AccountInfo::<
					integritee_runtime::Nonce,
					pallet_balances::AccountData<Balance>,
				>::decode(&mut &bytes[..])
				.map_err(|_| bad("the vault account does not decode".into()))?;
				info.data.free.saturating_add(info.data.reserved)
			}
			None => 0,
		};
		let signers: pallet_enclave_bridge::ShardSignersOf<Runtime> = match value(2) {
			Some(bytes) => Decode::decode(&mut &bytes[..])
				.map_err(|_| bad("the shard status does not decode".into()))?,
			None => Default::default(),
		};
		let anchored: Option<SidechainBlockConfirmation> = match value(3) {
			Some(bytes) => Some(
				Decode::decode(&mut &bytes[..])
					.map_err(|_| bad("the sidechain anchor does not decode".into()))?,
			),
			None => None,
		};
		Ok(VerifiedBlock {
			number,
			hash,
			parent_hash,
			extrinsics: block.extrinsics,
			events,
			vault,
			members: signers.iter().map(|status| status.signer.clone()).collect(),
			anchored,
			shard_key: match value(4) {
				Some(bytes) => Some(
					<[u8; 32]>::decode(&mut &bytes[..])
						.map_err(|_| bad("the shard's shielding key does not decode".into()))?,
				),
				None => None,
			},
			registered_at_ms: match value(5) {
				Some(bytes) => Some(
					pallet_teerex::EnclaveOf::<Runtime>::decode(&mut &bytes[..])
						.map_err(|_| bad("the enclave's registration does not decode".into()))?
						.attested_at_ms,
				),
				None => None,
			},
			now_ms: match value(6) {
				Some(bytes) => u64::decode(&mut &bytes[..])
					.map_err(|_| bad("the chain's timestamp does not decode".into()))?,
				None => 0,
			},
			config: match value(7) {
				Some(bytes) => Some(
					integritee_primitives::UpgradableShardConfig::<u32>::decode(&mut &bytes[..])
						.map_err(|_| bad("the shard's configuration does not decode".into()))?,
				),
				None => None,
			},
		})
	}
}

/// A parent block whose body and proof verified.
pub(super) struct VerifiedBlock {
	pub(super) number: u32,
	pub(super) hash: H256,
	pub(super) parent_hash: H256,
	pub(super) extrinsics: Vec<Vec<u8>>,
	pub(super) events: Events,
	/// The vault's free + reserved balance.
	pub(super) vault: Balance,
	/// The shard's active signers, in the order they joined.
	pub(super) members: Vec<AccountId>,
	/// The shard's latest sidechain anchor.
	pub(super) anchored: Option<SidechainBlockConfirmation>,
	/// The hash of the shard's shielding key, once the shard was created.
	pub(super) shard_key: Option<[u8; 32]>,
	/// When this enclave's registration was attested, if it is registered.
	pub(super) registered_at_ms: Option<u64>,
	/// The chain's time at this block (`Timestamp::Now`).
	pub(super) now_ms: u64,
	/// The shard's configuration (`None`: not configured).
	pub(super) config: Option<integritee_primitives::UpgradableShardConfig<u32>>,
}

impl VerifiedBlock {
	/// Whether the shard's configuration at this block lets code
	/// `mr_enclave` serve: its effective code, or the replaced code during
	/// an upgrade's grace period (a shard not configured yet: any code, the
	/// creation decides).
	pub(super) fn admits(&self, mr_enclave: [u8; 32]) -> bool {
		self.config.as_ref().is_none_or(|config| config.admits(&H256(mr_enclave), self.number))
	}

	/// Whether this enclave's registration is current at this block, by the
	/// registry's own rule (expired once older than the renewal period).
	pub(super) fn registration_current(&self) -> bool {
		self.registered_at_ms.is_some_and(|at| {
			self.now_ms.saturating_sub(at)
				<= integritee_runtime::configs::ATTESTATION_RENEWAL_PERIOD_MS
		})
	}
}

/// Storage key of `Timestamp::Now`.
pub fn timestamp_key() -> Vec<u8> {
	polkadot_sdk::frame_support::storage::storage_prefix(b"Timestamp", b"Now").to_vec()
}

/// Storage key of `System::Events`.
pub fn events_key() -> Vec<u8> {
	polkadot_sdk::frame_support::storage::storage_prefix(b"System", b"Events").to_vec()
}

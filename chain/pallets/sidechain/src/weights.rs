//! Weights of `pallet-sidechain`.
//!
//! HAND ESTIMATES, not benchmark results: storage access is counted from the
//! code of this pallet and of the shard-membership check it calls (in the
//! runtime `pallet-enclave-bridge`, which reads the enclave registry); compute
//! is a generous bound. Replace with `frame-benchmarking` output.

use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet-sidechain`.
pub trait WeightInfo {
	fn confirm_imported_sidechain_block() -> Weight;
	fn reset_sidechain_anchor() -> Weight;
}

/// Proof size (bytes) of the membership check's records: the enclave record,
/// the shard configuration and the shard's list of active signers.
const MEMBERSHIP_PROOF: u64 = 3 * 8_192;
/// Proof size (bytes) of the stored confirmation (key plus 40-byte value).
const CONFIRMATION_PROOF: u64 = 256;

/// Hand-estimated weights for a runtime with database weights `T`.
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);

impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn confirm_imported_sidechain_block() -> Weight {
		// Reads: enclave record, timestamp, shard configuration, shard status
		// (membership check); the stored confirmation.
		// Writes: shard status (activity), the confirmation.
		Weight::from_parts(30_000_000, MEMBERSHIP_PROOF + CONFIRMATION_PROOF)
			.saturating_add(T::DbWeight::get().reads_writes(5, 2))
	}

	fn reset_sidechain_anchor() -> Weight {
		// Writes: the confirmation.
		Weight::from_parts(10_000_000, CONFIRMATION_PROOF)
			.saturating_add(T::DbWeight::get().writes(1))
	}
}

/// For tests: every call weighs nothing.
impl WeightInfo for () {
	fn confirm_imported_sidechain_block() -> Weight {
		Weight::zero()
	}
	fn reset_sidechain_anchor() -> Weight {
		Weight::zero()
	}
}

//! Weights of `pallet-enclave-bridge`.
//!
//! PLACEHOLDER until `scripts/benchmark-pallets.sh` generates this file from
//! `benchmarking.rs`: storage access counted from the code, compute bounded
//! generously.

use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet-enclave-bridge`.
pub trait WeightInfo {
	fn invoke(c: u32) -> Weight;
	fn confirm_processed_parentchain_block() -> Weight;
	fn shield_funds(b: u32) -> Weight;
	fn unshield_funds() -> Weight;
	fn update_shard_config() -> Weight;
	fn purge_enclave_from_shard() -> Weight;
	fn remove_shard_config() -> Weight;
	fn prune_expired_unshields(n: u32) -> Weight;
	fn on_enclave_unregistered() -> Weight;
}

/// Weights for a runtime with database weights `T`.
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);

impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn invoke(c: u32) -> Weight {
		Weight::from_parts(15_000_000 + 5_000 * c as u64, 0)
	}
	fn confirm_processed_parentchain_block() -> Weight {
		Weight::from_parts(200_000_000, 100_000)
			.saturating_add(T::DbWeight::get().reads_writes(70, 70))
	}
	fn shield_funds(b: u32) -> Weight {
		Weight::from_parts(60_000_000 + 5_000 * b as u64, 2_048)
			.saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}
	fn unshield_funds() -> Weight {
		Weight::from_parts(260_000_000, 100_000)
			.saturating_add(T::DbWeight::get().reads_writes(75, 75))
	}
	fn update_shard_config() -> Weight {
		Weight::from_parts(60_000_000, 8_192).saturating_add(T::DbWeight::get().reads_writes(6, 4))
	}
	fn purge_enclave_from_shard() -> Weight {
		Weight::from_parts(30_000_000, 8_192).saturating_add(T::DbWeight::get().reads_writes(3, 3))
	}
	fn remove_shard_config() -> Weight {
		Weight::from_parts(60_000_000, 8_192).saturating_add(T::DbWeight::get().reads_writes(5, 4))
	}
	fn prune_expired_unshields(n: u32) -> Weight {
		T::DbWeight::get().reads_writes(1 + n as u64, 1 + 2 * n as u64)
	}
	fn on_enclave_unregistered() -> Weight {
		Weight::from_parts(200_000_000, 100_000)
			.saturating_add(T::DbWeight::get().reads_writes(30, 30))
	}
}

/// For tests: every call weighs nothing but the pruning, which tests bound
/// by weight.
impl WeightInfo for () {
	fn invoke(_: u32) -> Weight {
		Weight::zero()
	}
	fn confirm_processed_parentchain_block() -> Weight {
		Weight::zero()
	}
	fn shield_funds(_: u32) -> Weight {
		Weight::zero()
	}
	fn unshield_funds() -> Weight {
		Weight::zero()
	}
	fn update_shard_config() -> Weight {
		Weight::zero()
	}
	fn purge_enclave_from_shard() -> Weight {
		Weight::zero()
	}
	fn remove_shard_config() -> Weight {
		Weight::zero()
	}
	fn prune_expired_unshields(n: u32) -> Weight {
		Weight::from_parts(1_000 + 1_000 * n as u64, 0)
	}
	fn on_enclave_unregistered() -> Weight {
		Weight::zero()
	}
}

//! Weights of `pallet_enclave_bridge`, measured by `benchmark pallet` from the
//! pallet's `benchmarking.rs`. Generated: do not edit by hand, run
//! `scripts/benchmark-pallets.sh` again.
//!
//! Measured 2026-12-07 on `vm` (AMD EPYC): 10 steps,
//! 5 repeats, WASM execution `Compiled`, chain
//! `Some("dev")`, database cache 1024 MiB; benchmark CLI
//! 64.0.0.
//!
//! Command:
//!   /root/.cache/integritee-rs/target/release/integritee-node
//!   benchmark
//!   pallet
//!   --chain
//!   dev
//!   --pallet
//!   pallet_enclave_bridge
//!   --extrinsic
//!   *
//!   --steps
//!   10
//!   --repeat
//!   5
//!   --wasm-execution
//!   compiled
//!   --template
//!   scripts/weight-template.hbs
//!   --output
//!   chain/pallets/enclave-bridge/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, clippy::all)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet_enclave_bridge`.
pub trait WeightInfo {
	fn invoke(c: u32, ) -> Weight;
	fn confirm_processed_parentchain_block() -> Weight;
	fn shield_funds(b: u32, ) -> Weight;
	fn unshield_funds() -> Weight;
	fn update_shard_config() -> Weight;
	fn create_shard() -> Weight;
	fn leave_shard() -> Weight;
	fn purge_enclave_from_shard() -> Weight;
	fn remove_shard_config() -> Weight;
	fn prune_expired_unshields(n: u32, ) -> Weight;
	fn on_enclave_unregistered() -> Weight;
}

/// The measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Component `c` ranges over `[1, 8192]`.
	fn invoke(c: u32, ) -> Weight {
		// Proof size: measured `0`, estimated `0` bytes.
		// Fastest run: 11_311_000 ps.
		Weight::from_parts(14_149_204, 0)
			.saturating_add(Weight::from_parts(1_339, 0).saturating_mul(c as u64))
			.saturating_add(T::DbWeight::get().reads(0))
			.saturating_add(T::DbWeight::get().writes(0))
	}
	/// Storage: `Teerex::SovereignEnclaves` (r:32 w:0)
	/// Proof: `Teerex::SovereignEnclaves` (`max_values`: None, `max_size`: Some(414), added: 2889, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardConfigRegistry` (r:1 w:0)
	/// Proof: `EnclaveBridge::ShardConfigRegistry` (`max_values`: None, `max_size`: Some(125), added: 2600, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardShieldingKeys` (r:1 w:0)
	/// Proof: `EnclaveBridge::ShardShieldingKeys` (`max_values`: None, `max_size`: Some(80), added: 2555, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardStatus` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardStatus` (`max_values`: None, `max_size`: Some(2225), added: 4700, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::EnclaveShards` (r:31 w:31)
	/// Proof: `EnclaveBridge::EnclaveShards` (`max_values`: None, `max_size`: Some(305), added: 2780, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::LastProcessedParentchainBlock` (r:1 w:32)
	/// Proof: `EnclaveBridge::LastProcessedParentchainBlock` (`max_values`: None, `max_size`: Some(132), added: 2607, mode: `MaxEncodedLen`)
	fn confirm_processed_parentchain_block() -> Weight {
		// Proof size: measured `9513`, estimated `93438` bytes.
		// Fastest run: 627_270_000 ps.
		Weight::from_parts(660_763_000, 93438)
			.saturating_add(T::DbWeight::get().reads(68))
			.saturating_add(T::DbWeight::get().writes(64))
	}
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Component `b` ranges over `[1, 512]`.
	fn shield_funds(b: u32, ) -> Weight {
		// Proof size: measured `39`, estimated `3593` bytes.
		// Fastest run: 69_400_000 ps.
		Weight::from_parts(74_859_995, 3593)
			.saturating_add(Weight::from_parts(1_210, 0).saturating_mul(b as u64))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Teerex::SovereignEnclaves` (r:32 w:0)
	/// Proof: `Teerex::SovereignEnclaves` (`max_values`: None, `max_size`: Some(414), added: 2889, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardConfigRegistry` (r:1 w:0)
	/// Proof: `EnclaveBridge::ShardConfigRegistry` (`max_values`: None, `max_size`: Some(125), added: 2600, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardShieldingKeys` (r:1 w:0)
	/// Proof: `EnclaveBridge::ShardShieldingKeys` (`max_values`: None, `max_size`: Some(80), added: 2555, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardStatus` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardStatus` (`max_values`: None, `max_size`: Some(2225), added: 4700, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::EnclaveShards` (r:31 w:31)
	/// Proof: `EnclaveBridge::EnclaveShards` (`max_values`: None, `max_size`: Some(305), added: 2780, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ExecutedUnshieldCalls` (r:1 w:1)
	/// Proof: `EnclaveBridge::ExecutedUnshieldCalls` (`max_values`: None, `max_size`: Some(100), added: 2575, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:2 w:2)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::LastProcessedParentchainBlock` (r:0 w:31)
	/// Proof: `EnclaveBridge::LastProcessedParentchainBlock` (`max_values`: None, `max_size`: Some(132), added: 2607, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::UnshieldExpiries` (r:0 w:1)
	/// Proof: `EnclaveBridge::UnshieldExpiries` (`max_values`: None, `max_size`: Some(92), added: 2567, mode: `MaxEncodedLen`)
	fn unshield_funds() -> Weight {
		// Proof size: measured `9610`, estimated `93438` bytes.
		// Fastest run: 706_018_000 ps.
		Weight::from_parts(768_003_000, 93438)
			.saturating_add(T::DbWeight::get().reads(70))
			.saturating_add(T::DbWeight::get().writes(67))
	}
	/// Storage: `EnclaveBridge::ShardConfigRegistry` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardConfigRegistry` (`max_values`: None, `max_size`: Some(125), added: 2600, mode: `MaxEncodedLen`)
	fn update_shard_config() -> Weight {
		// Proof size: measured `197`, estimated `3590` bytes.
		// Fastest run: 24_295_000 ps.
		Weight::from_parts(27_561_000, 3590)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Teerex::SovereignEnclaves` (r:1 w:0)
	/// Proof: `Teerex::SovereignEnclaves` (`max_values`: None, `max_size`: Some(414), added: 2889, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardShieldingKeys` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardShieldingKeys` (`max_values`: None, `max_size`: Some(80), added: 2555, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardStatus` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardStatus` (`max_values`: None, `max_size`: Some(2225), added: 4700, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardConfigRegistry` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardConfigRegistry` (`max_values`: None, `max_size`: Some(125), added: 2600, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:2 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::EnclaveShards` (r:1 w:1)
	/// Proof: `EnclaveBridge::EnclaveShards` (`max_values`: None, `max_size`: Some(305), added: 2780, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardConfigDeposits` (r:0 w:1)
	/// Proof: `EnclaveBridge::ShardConfigDeposits` (`max_values`: None, `max_size`: Some(96), added: 2571, mode: `MaxEncodedLen`)
	fn create_shard() -> Weight {
		// Proof size: measured `837`, estimated `6196` bytes.
		// Fastest run: 137_457_000 ps.
		Weight::from_parts(152_905_000, 6196)
			.saturating_add(T::DbWeight::get().reads(9))
			.saturating_add(T::DbWeight::get().writes(7))
	}
	/// Storage: `EnclaveBridge::ShardStatus` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardStatus` (`max_values`: None, `max_size`: Some(2225), added: 4700, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::EnclaveShards` (r:1 w:1)
	/// Proof: `EnclaveBridge::EnclaveShards` (`max_values`: None, `max_size`: Some(305), added: 2780, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::LastProcessedParentchainBlock` (r:1 w:1)
	/// Proof: `EnclaveBridge::LastProcessedParentchainBlock` (`max_values`: None, `max_size`: Some(132), added: 2607, mode: `MaxEncodedLen`)
	fn leave_shard() -> Weight {
		// Proof size: measured `3498`, estimated `5690` bytes.
		// Fastest run: 52_688_000 ps.
		Weight::from_parts(59_751_000, 5690)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `EnclaveBridge::ShardStatus` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardStatus` (`max_values`: None, `max_size`: Some(2225), added: 4700, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::EnclaveShards` (r:1 w:1)
	/// Proof: `EnclaveBridge::EnclaveShards` (`max_values`: None, `max_size`: Some(305), added: 2780, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::LastProcessedParentchainBlock` (r:1 w:1)
	/// Proof: `EnclaveBridge::LastProcessedParentchainBlock` (`max_values`: None, `max_size`: Some(132), added: 2607, mode: `MaxEncodedLen`)
	fn purge_enclave_from_shard() -> Weight {
		// Proof size: measured `3498`, estimated `5690` bytes.
		// Fastest run: 53_280_000 ps.
		Weight::from_parts(83_476_000, 5690)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `EnclaveBridge::ShardConfigRegistry` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardConfigRegistry` (`max_values`: None, `max_size`: Some(125), added: 2600, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardConfigDeposits` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardConfigDeposits` (`max_values`: None, `max_size`: Some(96), added: 2571, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardStatus` (r:1 w:0)
	/// Proof: `EnclaveBridge::ShardStatus` (`max_values`: None, `max_size`: Some(2225), added: 4700, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:2 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardShieldingKeys` (r:0 w:1)
	/// Proof: `EnclaveBridge::ShardShieldingKeys` (`max_values`: None, `max_size`: Some(80), added: 2555, mode: `MaxEncodedLen`)
	fn remove_shard_config() -> Weight {
		// Proof size: measured `599`, estimated `6196` bytes.
		// Fastest run: 90_900_000 ps.
		Weight::from_parts(134_902_000, 6196)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	/// Storage: `EnclaveBridge::NextExpiryToPrune` (r:1 w:1)
	/// Proof: `EnclaveBridge::NextExpiryToPrune` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::UnshieldExpiries` (r:1001 w:1000)
	/// Proof: `EnclaveBridge::UnshieldExpiries` (`max_values`: None, `max_size`: Some(92), added: 2567, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ExecutedUnshieldCalls` (r:0 w:1000)
	/// Proof: `EnclaveBridge::ExecutedUnshieldCalls` (`max_values`: None, `max_size`: Some(100), added: 2575, mode: `MaxEncodedLen`)
	/// Component `n` ranges over `[0, 1000]`.
	fn prune_expired_unshields(n: u32, ) -> Weight {
		// Proof size: measured `133 + n * 86`, estimated `3557 + n * 2567` bytes.
		// Fastest run: 13_385_000 ps.
		Weight::from_parts(3_810_140, 3557)
			.saturating_add(Weight::from_parts(10_747_956, 0).saturating_mul(n as u64))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().reads(1_u64.saturating_mul(n as u64)))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes(2_u64.saturating_mul(n as u64)))
			.saturating_add(Weight::from_parts(0, 2567).saturating_mul(n as u64))
	}
	/// Storage: `EnclaveBridge::EnclaveShards` (r:1 w:1)
	/// Proof: `EnclaveBridge::EnclaveShards` (`max_values`: None, `max_size`: Some(305), added: 2780, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardStatus` (r:8 w:8)
	/// Proof: `EnclaveBridge::ShardStatus` (`max_values`: None, `max_size`: Some(2225), added: 4700, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::LastProcessedParentchainBlock` (r:8 w:8)
	/// Proof: `EnclaveBridge::LastProcessedParentchainBlock` (`max_values`: None, `max_size`: Some(132), added: 2607, mode: `MaxEncodedLen`)
	fn on_enclave_unregistered() -> Weight {
		// Proof size: measured `24225`, estimated `38590` bytes.
		// Fastest run: 248_694_000 ps.
		Weight::from_parts(274_612_000, 38590)
			.saturating_add(T::DbWeight::get().reads(17))
			.saturating_add(T::DbWeight::get().writes(17))
	}
}

/// The same figures with RocksDB's database weights, for mock runtimes.
impl WeightInfo for () {
	fn invoke(c: u32, ) -> Weight {
		Weight::from_parts(14_149_204, 0)
			.saturating_add(Weight::from_parts(1_339, 0).saturating_mul(c as u64))
			.saturating_add(RocksDbWeight::get().reads(0))
			.saturating_add(RocksDbWeight::get().writes(0))
	}
	fn confirm_processed_parentchain_block() -> Weight {
		Weight::from_parts(660_763_000, 93438)
			.saturating_add(RocksDbWeight::get().reads(68))
			.saturating_add(RocksDbWeight::get().writes(64))
	}
	fn shield_funds(b: u32, ) -> Weight {
		Weight::from_parts(74_859_995, 3593)
			.saturating_add(Weight::from_parts(1_210, 0).saturating_mul(b as u64))
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn unshield_funds() -> Weight {
		Weight::from_parts(768_003_000, 93438)
			.saturating_add(RocksDbWeight::get().reads(70))
			.saturating_add(RocksDbWeight::get().writes(67))
	}
	fn update_shard_config() -> Weight {
		Weight::from_parts(27_561_000, 3590)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn create_shard() -> Weight {
		Weight::from_parts(152_905_000, 6196)
			.saturating_add(RocksDbWeight::get().reads(9))
			.saturating_add(RocksDbWeight::get().writes(7))
	}
	fn leave_shard() -> Weight {
		Weight::from_parts(59_751_000, 5690)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn purge_enclave_from_shard() -> Weight {
		Weight::from_parts(83_476_000, 5690)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn remove_shard_config() -> Weight {
		Weight::from_parts(134_902_000, 6196)
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn prune_expired_unshields(n: u32, ) -> Weight {
		Weight::from_parts(3_810_140, 3557)
			.saturating_add(Weight::from_parts(10_747_956, 0).saturating_mul(n as u64))
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().reads(1_u64.saturating_mul(n as u64)))
			.saturating_add(RocksDbWeight::get().writes(1))
			.saturating_add(RocksDbWeight::get().writes(2_u64.saturating_mul(n as u64)))
			.saturating_add(Weight::from_parts(0, 2567).saturating_mul(n as u64))
	}
	fn on_enclave_unregistered() -> Weight {
		Weight::from_parts(274_612_000, 38590)
			.saturating_add(RocksDbWeight::get().reads(17))
			.saturating_add(RocksDbWeight::get().writes(17))
	}
}

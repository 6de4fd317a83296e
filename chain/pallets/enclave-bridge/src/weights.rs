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
		// Fastest run: 11_502_000 ps.
		Weight::from_parts(14_822_357, 0)
			.saturating_add(Weight::from_parts(1_413, 0).saturating_mul(c as u64))
			.saturating_add(T::DbWeight::get().reads(0))
			.saturating_add(T::DbWeight::get().writes(0))
	}
	/// Storage: `Teerex::SovereignEnclaves` (r:32 w:0)
	/// Proof: `Teerex::SovereignEnclaves` (`max_values`: None, `max_size`: Some(414), added: 2889, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardConfigRegistry` (r:1 w:0)
	/// Proof: `EnclaveBridge::ShardConfigRegistry` (`max_values`: None, `max_size`: Some(125), added: 2600, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardStatus` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardStatus` (`max_values`: None, `max_size`: Some(2225), added: 4700, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::EnclaveShards` (r:31 w:31)
	/// Proof: `EnclaveBridge::EnclaveShards` (`max_values`: None, `max_size`: Some(305), added: 2780, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::LastProcessedParentchainBlock` (r:1 w:32)
	/// Proof: `EnclaveBridge::LastProcessedParentchainBlock` (`max_values`: None, `max_size`: Some(132), added: 2607, mode: `MaxEncodedLen`)
	fn confirm_processed_parentchain_block() -> Weight {
		// Proof size: measured `9408`, estimated `93438` bytes.
		// Fastest run: 617_973_000 ps.
		Weight::from_parts(685_008_000, 93438)
			.saturating_add(T::DbWeight::get().reads(67))
			.saturating_add(T::DbWeight::get().writes(64))
	}
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Component `b` ranges over `[1, 512]`.
	fn shield_funds(b: u32, ) -> Weight {
		// Proof size: measured `39`, estimated `3593` bytes.
		// Fastest run: 68_828_000 ps.
		Weight::from_parts(75_571_646, 3593)
			.saturating_add(Weight::from_parts(1_495, 0).saturating_mul(b as u64))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Teerex::SovereignEnclaves` (r:32 w:0)
	/// Proof: `Teerex::SovereignEnclaves` (`max_values`: None, `max_size`: Some(414), added: 2889, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardConfigRegistry` (r:1 w:0)
	/// Proof: `EnclaveBridge::ShardConfigRegistry` (`max_values`: None, `max_size`: Some(125), added: 2600, mode: `MaxEncodedLen`)
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
		// Proof size: measured `9505`, estimated `93438` bytes.
		// Fastest run: 701_759_000 ps.
		Weight::from_parts(841_741_000, 93438)
			.saturating_add(T::DbWeight::get().reads(69))
			.saturating_add(T::DbWeight::get().writes(67))
	}
	/// Storage: `EnclaveBridge::ShardConfigRegistry` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardConfigRegistry` (`max_values`: None, `max_size`: Some(125), added: 2600, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::SovereignEnclaves` (r:1 w:0)
	/// Proof: `Teerex::SovereignEnclaves` (`max_values`: None, `max_size`: Some(414), added: 2889, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardStatus` (r:1 w:0)
	/// Proof: `EnclaveBridge::ShardStatus` (`max_values`: None, `max_size`: Some(2225), added: 4700, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:2 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::ShardConfigDeposits` (r:0 w:1)
	/// Proof: `EnclaveBridge::ShardConfigDeposits` (`max_values`: None, `max_size`: Some(96), added: 2571, mode: `MaxEncodedLen`)
	fn update_shard_config() -> Weight {
		// Proof size: measured `837`, estimated `6196` bytes.
		// Fastest run: 107_811_000 ps.
		Weight::from_parts(138_088_000, 6196)
			.saturating_add(T::DbWeight::get().reads(7))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `EnclaveBridge::ShardStatus` (r:1 w:1)
	/// Proof: `EnclaveBridge::ShardStatus` (`max_values`: None, `max_size`: Some(2225), added: 4700, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::EnclaveShards` (r:1 w:1)
	/// Proof: `EnclaveBridge::EnclaveShards` (`max_values`: None, `max_size`: Some(305), added: 2780, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::LastProcessedParentchainBlock` (r:1 w:1)
	/// Proof: `EnclaveBridge::LastProcessedParentchainBlock` (`max_values`: None, `max_size`: Some(132), added: 2607, mode: `MaxEncodedLen`)
	fn purge_enclave_from_shard() -> Weight {
		// Proof size: measured `3461`, estimated `5690` bytes.
		// Fastest run: 52_147_000 ps.
		Weight::from_parts(57_838_000, 5690)
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
	fn remove_shard_config() -> Weight {
		// Proof size: measured `497`, estimated `6196` bytes.
		// Fastest run: 85_400_000 ps.
		Weight::from_parts(89_177_000, 6196)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(4))
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
		// Fastest run: 14_066_000 ps.
		Weight::from_parts(15_178_000, 3557)
			.saturating_add(Weight::from_parts(10_699_403, 0).saturating_mul(n as u64))
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
		// Proof size: measured `24188`, estimated `38590` bytes.
		// Fastest run: 256_218_000 ps.
		Weight::from_parts(393_444_000, 38590)
			.saturating_add(T::DbWeight::get().reads(17))
			.saturating_add(T::DbWeight::get().writes(17))
	}
}

/// The same figures with RocksDB's database weights, for mock runtimes.
impl WeightInfo for () {
	fn invoke(c: u32, ) -> Weight {
		Weight::from_parts(14_822_357, 0)
			.saturating_add(Weight::from_parts(1_413, 0).saturating_mul(c as u64))
			.saturating_add(RocksDbWeight::get().reads(0))
			.saturating_add(RocksDbWeight::get().writes(0))
	}
	fn confirm_processed_parentchain_block() -> Weight {
		Weight::from_parts(685_008_000, 93438)
			.saturating_add(RocksDbWeight::get().reads(67))
			.saturating_add(RocksDbWeight::get().writes(64))
	}
	fn shield_funds(b: u32, ) -> Weight {
		Weight::from_parts(75_571_646, 3593)
			.saturating_add(Weight::from_parts(1_495, 0).saturating_mul(b as u64))
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn unshield_funds() -> Weight {
		Weight::from_parts(841_741_000, 93438)
			.saturating_add(RocksDbWeight::get().reads(69))
			.saturating_add(RocksDbWeight::get().writes(67))
	}
	fn update_shard_config() -> Weight {
		Weight::from_parts(138_088_000, 6196)
			.saturating_add(RocksDbWeight::get().reads(7))
			.saturating_add(RocksDbWeight::get().writes(4))
	}
	fn purge_enclave_from_shard() -> Weight {
		Weight::from_parts(57_838_000, 5690)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn remove_shard_config() -> Weight {
		Weight::from_parts(89_177_000, 6196)
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(4))
	}
	fn prune_expired_unshields(n: u32, ) -> Weight {
		Weight::from_parts(15_178_000, 3557)
			.saturating_add(Weight::from_parts(10_699_403, 0).saturating_mul(n as u64))
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().reads(1_u64.saturating_mul(n as u64)))
			.saturating_add(RocksDbWeight::get().writes(1))
			.saturating_add(RocksDbWeight::get().writes(2_u64.saturating_mul(n as u64)))
			.saturating_add(Weight::from_parts(0, 2567).saturating_mul(n as u64))
	}
	fn on_enclave_unregistered() -> Weight {
		Weight::from_parts(393_444_000, 38590)
			.saturating_add(RocksDbWeight::get().reads(17))
			.saturating_add(RocksDbWeight::get().writes(17))
	}
}

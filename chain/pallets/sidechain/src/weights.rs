//! Weights of `pallet_sidechain`, measured by `benchmark pallet` from the
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
//!   pallet_sidechain
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
//!   chain/pallets/sidechain/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, clippy::all)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet_sidechain`.
pub trait WeightInfo {
	fn confirm_imported_sidechain_block() -> Weight;
	fn reset_sidechain_anchor() -> Weight;
}

/// The measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
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
	/// Storage: `Sidechain::LatestSidechainBlockConfirmation` (r:1 w:1)
	/// Proof: `Sidechain::LatestSidechainBlockConfirmation` (`max_values`: None, `max_size`: Some(88), added: 2563, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::LastProcessedParentchainBlock` (r:0 w:31)
	/// Proof: `EnclaveBridge::LastProcessedParentchainBlock` (`max_values`: None, `max_size`: Some(132), added: 2607, mode: `MaxEncodedLen`)
	fn confirm_imported_sidechain_block() -> Weight {
		// Proof size: measured `9005`, estimated `93438` bytes.
		// Fastest run: 629_485_000 ps.
		Weight::from_parts(708_903_000, 93438)
			.saturating_add(T::DbWeight::get().reads(68))
			.saturating_add(T::DbWeight::get().writes(64))
	}
	/// Storage: `Sidechain::LatestSidechainBlockConfirmation` (r:0 w:1)
	/// Proof: `Sidechain::LatestSidechainBlockConfirmation` (`max_values`: None, `max_size`: Some(88), added: 2563, mode: `MaxEncodedLen`)
	fn reset_sidechain_anchor() -> Weight {
		// Proof size: measured `0`, estimated `0` bytes.
		// Fastest run: 13_906_000 ps.
		Weight::from_parts(21_700_000, 0)
			.saturating_add(T::DbWeight::get().reads(0))
			.saturating_add(T::DbWeight::get().writes(1))
	}
}

/// The same figures with RocksDB's database weights, for mock runtimes.
impl WeightInfo for () {
	fn confirm_imported_sidechain_block() -> Weight {
		Weight::from_parts(708_903_000, 93438)
			.saturating_add(RocksDbWeight::get().reads(68))
			.saturating_add(RocksDbWeight::get().writes(64))
	}
	fn reset_sidechain_anchor() -> Weight {
		Weight::from_parts(21_700_000, 0)
			.saturating_add(RocksDbWeight::get().reads(0))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
}

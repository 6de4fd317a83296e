//! Weights of `pallet_teerex`, measured by `benchmark pallet` from the
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
//!   pallet_teerex
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
//!   chain/pallets/teerex/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, clippy::all)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet_teerex`.
pub trait WeightInfo {
	fn register_sgx_enclave() -> Weight;
	fn unregister_sovereign_enclave() -> Weight;
	fn register_quoting_enclave() -> Weight;
	fn register_tcb_info() -> Weight;
	fn register_crl(r: u32, ) -> Weight;
	fn set_security_flags() -> Weight;
	fn set_tcb_policy() -> Weight;
	fn set_revocation_policy() -> Weight;
	fn set_dcap_root_ca() -> Weight;
	fn clear_stale_tcb_info(n: u32, ) -> Weight;
}

/// The measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Teerex::SecurityFlagsStorage` (r:1 w:0)
	/// Proof: `Teerex::SecurityFlagsStorage` (`max_values`: Some(1), `max_size`: Some(2), added: 497, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::DcapRootCa` (r:1 w:0)
	/// Proof: `Teerex::DcapRootCa` (`max_values`: Some(1), `max_size`: Some(16388), added: 16883, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::RevocationPolicyStorage` (r:1 w:0)
	/// Proof: `Teerex::RevocationPolicyStorage` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::QuotingEnclaveIdentity` (r:1 w:0)
	/// Proof: `Teerex::QuotingEnclaveIdentity` (`max_values`: Some(1), `max_size`: Some(16412), added: 16907, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::StaleTcbInfo` (r:1 w:0)
	/// Proof: `Teerex::StaleTcbInfo` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::TcbInfo` (r:1 w:0)
	/// Proof: `Teerex::TcbInfo` (`max_values`: None, `max_size`: Some(16434), added: 18909, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::RevocationLists` (r:2 w:0)
	/// Proof: `Teerex::RevocationLists` (`max_values`: None, `max_size`: Some(16429), added: 18904, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::TcbPolicyStorage` (r:1 w:0)
	/// Proof: `Teerex::TcbPolicyStorage` (`max_values`: Some(1), `max_size`: Some(3), added: 498, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::SovereignEnclaves` (r:1 w:1)
	/// Proof: `Teerex::SovereignEnclaves` (`max_values`: None, `max_size`: Some(414), added: 2889, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	fn register_sgx_enclave() -> Weight {
		// Proof size: measured `8272`, estimated `38798` bytes.
		// Fastest run: 4_246_975_000 ps.
		Weight::from_parts(4_473_398_000, 38798)
			.saturating_add(T::DbWeight::get().reads(14))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Teerex::SovereignEnclaves` (r:1 w:1)
	/// Proof: `Teerex::SovereignEnclaves` (`max_values`: None, `max_size`: Some(414), added: 2889, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `EnclaveBridge::EnclaveShards` (r:1 w:0)
	/// Proof: `EnclaveBridge::EnclaveShards` (`max_values`: None, `max_size`: Some(305), added: 2780, mode: `MaxEncodedLen`)
	fn unregister_sovereign_enclave() -> Weight {
		// Proof size: measured `924`, estimated `3879` bytes.
		// Fastest run: 84_888_000 ps.
		Weight::from_parts(91_170_000, 3879)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::DcapRootCa` (r:1 w:0)
	/// Proof: `Teerex::DcapRootCa` (`max_values`: Some(1), `max_size`: Some(16388), added: 16883, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::QuotingEnclaveIdentity` (r:1 w:1)
	/// Proof: `Teerex::QuotingEnclaveIdentity` (`max_values`: Some(1), `max_size`: Some(16412), added: 16907, mode: `MaxEncodedLen`)
	fn register_quoting_enclave() -> Weight {
		// Proof size: measured `1115`, estimated `17897` bytes.
		// Fastest run: 2_073_649_000 ps.
		Weight::from_parts(2_194_545_000, 17897)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::StaleTcbInfo` (r:1 w:0)
	/// Proof: `Teerex::StaleTcbInfo` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::DcapRootCa` (r:1 w:0)
	/// Proof: `Teerex::DcapRootCa` (`max_values`: Some(1), `max_size`: Some(16388), added: 16883, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::TcbInfo` (r:1 w:1)
	/// Proof: `Teerex::TcbInfo` (`max_values`: None, `max_size`: Some(16434), added: 18909, mode: `MaxEncodedLen`)
	fn register_tcb_info() -> Weight {
		// Proof size: measured `2258`, estimated `19899` bytes.
		// Fastest run: 2_110_258_000 ps.
		Weight::from_parts(2_233_678_000, 19899)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::DcapRootCa` (r:1 w:0)
	/// Proof: `Teerex::DcapRootCa` (`max_values`: Some(1), `max_size`: Some(16388), added: 16883, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::RevocationLists` (r:1 w:1)
	/// Proof: `Teerex::RevocationLists` (`max_values`: None, `max_size`: Some(16429), added: 18904, mode: `MaxEncodedLen`)
	/// Component `r` ranges over `[0, 289]`.
	fn register_crl(r: u32, ) -> Weight {
		// Proof size: measured `1090`, estimated `19894` bytes.
		// Fastest run: 1_996_065_000 ps.
		Weight::from_parts(2_134_672_276, 19894)
			.saturating_add(Weight::from_parts(2_918_352, 0).saturating_mul(r as u64))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Teerex::SecurityFlagsStorage` (r:0 w:1)
	/// Proof: `Teerex::SecurityFlagsStorage` (`max_values`: Some(1), `max_size`: Some(2), added: 497, mode: `MaxEncodedLen`)
	fn set_security_flags() -> Weight {
		// Proof size: measured `0`, estimated `0` bytes.
		// Fastest run: 9_678_000 ps.
		Weight::from_parts(11_292_000, 0)
			.saturating_add(T::DbWeight::get().reads(0))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Teerex::TcbPolicyStorage` (r:0 w:1)
	/// Proof: `Teerex::TcbPolicyStorage` (`max_values`: Some(1), `max_size`: Some(3), added: 498, mode: `MaxEncodedLen`)
	fn set_tcb_policy() -> Weight {
		// Proof size: measured `0`, estimated `0` bytes.
		// Fastest run: 9_808_000 ps.
		Weight::from_parts(12_644_000, 0)
			.saturating_add(T::DbWeight::get().reads(0))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Teerex::RevocationPolicyStorage` (r:0 w:1)
	/// Proof: `Teerex::RevocationPolicyStorage` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	fn set_revocation_policy() -> Weight {
		// Proof size: measured `0`, estimated `0` bytes.
		// Fastest run: 9_669_000 ps.
		Weight::from_parts(18_084_000, 0)
			.saturating_add(T::DbWeight::get().reads(0))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Teerex::TcbInfo` (r:1 w:0)
	/// Proof: `Teerex::TcbInfo` (`max_values`: None, `max_size`: Some(16434), added: 18909, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::RevocationLists` (r:0 w:2)
	/// Proof: `Teerex::RevocationLists` (`max_values`: None, `max_size`: Some(16429), added: 18904, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::DcapRootCa` (r:0 w:1)
	/// Proof: `Teerex::DcapRootCa` (`max_values`: Some(1), `max_size`: Some(16388), added: 16883, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::QuotingEnclaveIdentity` (r:0 w:1)
	/// Proof: `Teerex::QuotingEnclaveIdentity` (`max_values`: Some(1), `max_size`: Some(16412), added: 16907, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::StaleTcbInfo` (r:0 w:1)
	/// Proof: `Teerex::StaleTcbInfo` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	fn set_dcap_root_ca() -> Weight {
		// Proof size: measured `1381`, estimated `19899` bytes.
		// Fastest run: 1_080_908_000 ps.
		Weight::from_parts(1_242_579_000, 19899)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	/// Storage: `Teerex::TcbInfo` (r:1025 w:1024)
	/// Proof: `Teerex::TcbInfo` (`max_values`: None, `max_size`: Some(16434), added: 18909, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::CounterForTcbInfo` (r:1 w:1)
	/// Proof: `Teerex::CounterForTcbInfo` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Teerex::StaleTcbInfo` (r:0 w:1)
	/// Proof: `Teerex::StaleTcbInfo` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	/// Component `n` ranges over `[0, 1024]`.
	fn clear_stale_tcb_info(n: u32, ) -> Weight {
		// Proof size: measured `177 + n * 58`, estimated `19899 + n * 18909` bytes.
		// Fastest run: 10_649_000 ps.
		Weight::from_parts(374_792_205, 19899)
			.saturating_add(Weight::from_parts(10_764_826, 0).saturating_mul(n as u64))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().reads(1_u64.saturating_mul(n as u64)))
			.saturating_add(T::DbWeight::get().writes(2))
			.saturating_add(T::DbWeight::get().writes(1_u64.saturating_mul(n as u64)))
			.saturating_add(Weight::from_parts(0, 18909).saturating_mul(n as u64))
	}
}

/// The same figures with RocksDB's database weights, for mock runtimes.
impl WeightInfo for () {
	fn register_sgx_enclave() -> Weight {
		Weight::from_parts(4_473_398_000, 38798)
			.saturating_add(RocksDbWeight::get().reads(14))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn unregister_sovereign_enclave() -> Weight {
		Weight::from_parts(91_170_000, 3879)
			.saturating_add(RocksDbWeight::get().reads(5))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn register_quoting_enclave() -> Weight {
		Weight::from_parts(2_194_545_000, 17897)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn register_tcb_info() -> Weight {
		Weight::from_parts(2_233_678_000, 19899)
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn register_crl(r: u32, ) -> Weight {
		Weight::from_parts(2_134_672_276, 19894)
			.saturating_add(Weight::from_parts(2_918_352, 0).saturating_mul(r as u64))
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn set_security_flags() -> Weight {
		Weight::from_parts(11_292_000, 0)
			.saturating_add(RocksDbWeight::get().reads(0))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn set_tcb_policy() -> Weight {
		Weight::from_parts(12_644_000, 0)
			.saturating_add(RocksDbWeight::get().reads(0))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn set_revocation_policy() -> Weight {
		Weight::from_parts(18_084_000, 0)
			.saturating_add(RocksDbWeight::get().reads(0))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn set_dcap_root_ca() -> Weight {
		Weight::from_parts(1_242_579_000, 19899)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn clear_stale_tcb_info(n: u32, ) -> Weight {
		Weight::from_parts(374_792_205, 19899)
			.saturating_add(Weight::from_parts(10_764_826, 0).saturating_mul(n as u64))
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().reads(1_u64.saturating_mul(n as u64)))
			.saturating_add(RocksDbWeight::get().writes(2))
			.saturating_add(RocksDbWeight::get().writes(1_u64.saturating_mul(n as u64)))
			.saturating_add(Weight::from_parts(0, 18909).saturating_mul(n as u64))
	}
}

//! # The parent-chain runtime
//!
//! FRAME system pallets (system, timestamp, aura, grandpa, balances,
//! transaction payment, sudo, proxy) plus the enclave registry. The pallet
//! indices of the registry are part of the wire format that workers and clients
//! rely on: Teerex 50, Sidechain 53, EnclaveBridge 54.
//!
//! Built twice: natively (feature `std`, for the node and for tests that build
//! extrinsics with these types) and as WASM (the code the chain executes).
#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` and `impl_runtime_apis` expand to large items.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

mod apis;
pub mod configs;
pub mod genesis;

use polkadot_sdk::{
	frame_support, frame_system, pallet_aura, pallet_balances, pallet_grandpa, pallet_proxy,
	pallet_sudo, pallet_timestamp, pallet_transaction_payment,
	sp_runtime::{
		generic, impl_opaque_keys,
		traits::{BlakeTwo256, IdentifyAccount, Verify},
		MultiAddress, MultiSignature,
	},
	sp_version::RuntimeVersion,
};

pub use apis::{RuntimeApi, RUNTIME_API_VERSIONS};
pub use polkadot_sdk::frame_system::Call as SystemCall;
pub use polkadot_sdk::pallet_balances::Call as BalancesCall;

#[polkadot_sdk::sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("integritee-parachain-rs"),
	impl_name: alloc::borrow::Cow::Borrowed("integritee-node-rs"),
	authoring_version: 1,
	spec_version: 1,
	impl_version: 1,
	apis: RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Target block time. Short, so that a local network gives quick feedback;
/// the slot duration cannot change once a chain has started.
pub const MILLISECS_PER_BLOCK: u64 = 2_000;
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

/// One token: 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
pub const MILLI_UNIT: Balance = UNIT / 1_000;
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

pub type Signature = MultiSignature;
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
pub type Balance = u128;
pub type Nonce = u32;
pub type Hash = polkadot_sdk::sp_core::H256;
pub type BlockNumber = u32;
pub type Address = MultiAddress<AccountId, ()>;
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks every signed extrinsic carries, in this order.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);

pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations of the registry pallets, each versioned: it runs once,
/// on the storage version it migrates from (a new chain starts at the
/// current versions and runs none).
pub type Migrations = (
	pallet_teerex::migrations::MigrateV0ToV1<Runtime>,
	pallet_enclave_bridge::migrations::MigrateV0ToV1<Runtime>,
	pallet_enclave_bridge::migrations::MigrateV1ToV2<Runtime>,
	pallet_enclave_bridge::migrations::MigrateV2ToV3<Runtime>,
);

pub type Executive = polkadot_sdk::frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// The pallets `benchmark pallet` measures (`scripts/benchmark-pallets.sh`).
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks {
	polkadot_sdk::frame_benchmarking::define_benchmarks!(
		[pallet_teerex, Teerex]
		[pallet_enclave_bridge, EnclaveBridge]
		[pallet_sidechain, Sidechain]
	);
}

/// Types the node needs without knowing the extrinsic format.
pub mod opaque {
	use super::*;
	pub use polkadot_sdk::sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

impl_opaque_keys! {
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
	}
}

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(7)]
	pub type Proxy = pallet_proxy;

	#[runtime::pallet_index(50)]
	pub type Teerex = pallet_teerex;
	#[runtime::pallet_index(53)]
	pub type Sidechain = pallet_sidechain;
	#[runtime::pallet_index(54)]
	pub type EnclaveBridge = pallet_enclave_bridge;
}

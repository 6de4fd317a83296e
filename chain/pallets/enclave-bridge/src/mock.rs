//! A test runtime: system, timestamp, balances, the real teerex registry
//! (without attestation verifier; `Skip` registrations and debug builds
//! allowed) and the enclave bridge.

#![allow(clippy::unwrap_used)]

use crate as pallet_enclave_bridge;
use codec::Encode;
use integritee_primitives::{
	AttestationMethod, EnclaveFingerprint, NoAttestationVerifier, RegistrationClaims,
	SecurityFlags, ShardIdentifier, SkippedAttestation,
};
use polkadot_sdk::{
	frame_support::{
		self, assert_ok, derive_impl, parameter_types,
		traits::{ConstU32, ConstU64},
		PalletId,
	},
	frame_system, pallet_balances, pallet_timestamp,
	sp_core::H256,
	sp_runtime::{traits::IdentityLookup, AccountId32, BuildStorage},
};

pub type AccountId = AccountId32;
pub type Balance = u64;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Balances: pallet_balances,
		Teerex: pallet_teerex,
		EnclaveBridge: pallet_enclave_bridge,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
	// Real database weights, so that weight-bounded pruning can be tested.
	type DbWeight = polkadot_sdk::frame_support::weights::constants::RocksDbWeight;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

pub const EXISTENTIAL_DEPOSIT: Balance = 10;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU64<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
}

/// One day, in milliseconds.
pub const RENEWAL_PERIOD_MS: u64 = 86_400_000;

impl pallet_teerex::Config for Test {
	type UnixTime = Timestamp;
	type AttestationVerifier = NoAttestationVerifier;
	type MaxAttestationRenewalPeriod = ConstU64<RENEWAL_PERIOD_MS>;
	type MaxProofLength = ConstU32<8_192>;
	type MaxUrlLength = ConstU32<256>;
	type MaxCollateralLength = ConstU32<8_192>;
	type WeightInfo = ();
}

pub const MAX_CIPHERTEXT_LENGTH: u32 = 64;
pub const MAX_BENEFICIARY_LENGTH: u32 = 32;
pub const MAX_INSTANCES_LIMIT: u32 = 3;
pub const MAX_UNSHIELD_LIFETIME: u64 = 100;

parameter_types! {
	pub const EnclaveBridgePalletId: PalletId = PalletId(*b"ecl/brdg");
}

impl pallet_enclave_bridge::Config for Test {
	type Currency = Balances;
	type EnclaveRegistry = Teerex;
	type MaxCiphertextLength = ConstU32<MAX_CIPHERTEXT_LENGTH>;
	type MaxBeneficiaryLength = ConstU32<MAX_BENEFICIARY_LENGTH>;
	type MaxInstancesLimit = ConstU32<MAX_INSTANCES_LIMIT>;
	type PalletId = EnclaveBridgePalletId;
	type MaxUnshieldLifetime = ConstU64<MAX_UNSHIELD_LIFETIME>;
	type WeightInfo = ();
}

/// A distinct test account.
pub fn account(n: u8) -> AccountId {
	AccountId32::new([n; 32])
}

pub fn alice() -> AccountId {
	account(1)
}

pub fn bob() -> AccountId {
	account(2)
}

/// An account without funds.
pub fn nobody() -> AccountId {
	account(99)
}

pub const INITIAL_BALANCE: Balance = 1_000;

/// A test fingerprint (MRENCLAVE).
pub fn fingerprint(n: u8) -> EnclaveFingerprint {
	H256::repeat_byte(n)
}

/// A test shard id that is nobody's fingerprint.
pub fn shard(n: u8) -> ShardIdentifier {
	H256::from_low_u64_be(0x5A_0000 + n as u64)
}

/// Chain time at which the tests start, in milliseconds.
pub const START_MS: u64 = 1_700_000_000_000;

pub fn new_test_ext() -> polkadot_sdk::sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(alice(), INITIAL_BALANCE), (bob(), INITIAL_BALANCE)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_teerex::GenesisConfig::<Test> {
		security_flags: SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: true },
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = polkadot_sdk::sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(START_MS);
	});
	ext
}

/// Register `who` in teerex as an enclave with `mr_enclave`, without attestation.
pub fn register_enclave(who: &AccountId, mr_enclave: EnclaveFingerprint) {
	let proof = SkippedAttestation { mr_enclave, mr_signer: [7; 32] }.encode();
	// The genesis block: one this chain knows.
	let claims = RegistrationClaims {
		shielding_key_hash: [8; 32],
		parentchain_block: (0, System::block_hash(0)),
	};
	assert_ok!(Teerex::register_sgx_enclave(
		RuntimeOrigin::signed(who.clone()),
		proof,
		Some(b"wss://worker.example:2000".to_vec()),
		AttestationMethod::Skip,
		claims,
	));
}

/// Advance to block `n` (chain time unchanged).
pub fn run_to_block(n: u64) {
	System::set_block_number(n);
}

/// Set chain time to `ms`.
pub fn set_time(ms: u64) {
	Timestamp::set_timestamp(ms);
}

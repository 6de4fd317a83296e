//! A test runtime: system, timestamp, balances and the enclave bridge, with
//! [`TestRegistry`], a small enclave registry in test storage, in place of
//! `pallet-teerex`: which enclave is registered, with which fingerprint and
//! shielding key, and until when, is all this pallet asks of a registry.

#![allow(clippy::unwrap_used)]

use crate as pallet_enclave_bridge;
use integritee_primitives::{
	EnclaveFingerprint, EnclaveRegistry, OnEnclaveUnregistered, RegisteredEnclave, ShardIdentifier,
};
use polkadot_sdk::{
	frame_support::{
		self, derive_impl, parameter_types, storage_alias,
		traits::{ConstU32, ConstU64, UnixTime},
		Blake2_128Concat, PalletId,
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
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// How long a registration stays valid: one day, in milliseconds.
pub const RENEWAL_PERIOD_MS: u64 = 86_400_000;

/// Registered enclaves: fingerprint, shielding-key hash and registration
/// time (ms).
#[storage_alias]
type Registered =
	StorageMap<TestRegistry, Blake2_128Concat, AccountId, (EnclaveFingerprint, [u8; 32], u64)>;

/// The registry as tests set it: [`register_enclave`], [`unregister_enclave`];
/// a registration expires [`RENEWAL_PERIOD_MS`] after it was made, as
/// teerex's do.
pub struct TestRegistry;

impl EnclaveRegistry<AccountId> for TestRegistry {
	fn registered_enclave(who: &AccountId) -> Option<RegisteredEnclave> {
		let (fingerprint, shielding_key_hash, at_ms) = Registered::get(who)?;
		let now_ms = Timestamp::now().as_millis() as u64;
		(now_ms.saturating_sub(at_ms) <= RENEWAL_PERIOD_MS)
			.then_some(RegisteredEnclave { fingerprint, shielding_key_hash })
	}

	fn is_registered(who: &AccountId) -> bool {
		Registered::contains_key(who)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmark(
		who: &AccountId,
		fingerprint: EnclaveFingerprint,
		shielding_key_hash: [u8; 32],
	) {
		register_enclave_with_key(who, fingerprint, shielding_key_hash);
	}
}

pub const MAX_CIPHERTEXT_LENGTH: u32 = 64;
pub const MAX_BENEFICIARY_LENGTH: u32 = 32;
pub const MAX_INSTANCES_LIMIT: u32 = 3;
pub const MAX_UNSHIELD_LIFETIME: u64 = 100;
pub const MAX_SHARDS_PER_ENCLAVE: u32 = 2;
pub const SHARD_CONFIG_DEPOSIT: Balance = 50;

parameter_types! {
	pub const EnclaveBridgePalletId: PalletId = PalletId(*b"ecl/brdg");
}

impl pallet_enclave_bridge::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type EnclaveRegistry = TestRegistry;
	type MaxCiphertextLength = ConstU32<MAX_CIPHERTEXT_LENGTH>;
	type MaxBeneficiaryLength = ConstU32<MAX_BENEFICIARY_LENGTH>;
	type MaxInstancesLimit = ConstU32<MAX_INSTANCES_LIMIT>;
	type MaxShardsPerEnclave = ConstU32<MAX_SHARDS_PER_ENCLAVE>;
	type ShardConfigDeposit = ConstU64<SHARD_CONFIG_DEPOSIT>;
	type PalletId = EnclaveBridgePalletId;
	type MaxUnshieldLifetime = ConstU64<MAX_UNSHIELD_LIFETIME>;
	type WeightInfo = ();
}

/// A distinct test account.
pub fn account(n: u8) -> AccountId {
	AccountId32::new([n; 32])
}

/// An enclave's account; enclaves 1..=5 have funds.
pub fn enclave_account(n: u8) -> AccountId {
	account(100 + n)
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
/// Alice, Bob and enclaves 1..=5 start with [`INITIAL_BALANCE`] each.
pub const GENESIS_ISSUANCE: Balance = 7 * INITIAL_BALANCE;

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
	// The runtime's genesis, so that pallets' storage versions are stored.
	let mut storage = RuntimeGenesisConfig::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [alice(), bob()]
			.into_iter()
			.chain((1..=5).map(enclave_account))
			.map(|who| (who, INITIAL_BALANCE))
			.collect(),
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

/// Runs `test` in [`new_test_ext`], then checks the pallet's invariants
/// (`try_state`) on the state it left.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		EnclaveBridge::do_try_state().expect("the pallet's invariants hold after the test");
	});
}

/// The shielding-key hash enclaves register with unless a test says
/// otherwise: as if every enclave held the same shard's secrets.
pub const SHARD_KEY: [u8; 32] = [0x5e; 32];

/// Registers (or renews) `who` as an enclave with `mr_enclave` and
/// [`SHARD_KEY`], now.
pub fn register_enclave(who: &AccountId, mr_enclave: EnclaveFingerprint) {
	register_enclave_with_key(who, mr_enclave, SHARD_KEY);
}

/// Registers (or renews) `who` as an enclave with `mr_enclave` and the
/// shielding key `shielding_key_hash`, now.
pub fn register_enclave_with_key(
	who: &AccountId,
	mr_enclave: EnclaveFingerprint,
	shielding_key_hash: [u8; 32],
) {
	Registered::insert(who, (mr_enclave, shielding_key_hash, Timestamp::now().as_millis() as u64));
}

/// Removes `who` from the registry and tells the bridge, as teerex does.
pub fn unregister_enclave(who: &AccountId) {
	Registered::remove(who);
	EnclaveBridge::on_enclave_unregistered(who);
}

/// Advance to block `n` (chain time unchanged).
pub fn run_to_block(n: u64) {
	System::set_block_number(n);
}

/// Set chain time to `ms`.
pub fn set_time(ms: u64) {
	Timestamp::set_timestamp(ms);
}

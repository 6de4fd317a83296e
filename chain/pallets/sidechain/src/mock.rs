//! Test runtime for `pallet-sidechain`: system, timestamp, balances, the real
//! teerex registry (without attestation verifier; `Skip` registrations and
//! debug builds allowed by the genesis security flags), the real enclave
//! bridge (which decides shard membership) and the sidechain pallet.

use crate as pallet_sidechain;
use codec::Encode;
use integritee_primitives::{
	AttestationMethod, EnclaveFingerprint, NoAttestationVerifier, RegistrationClaims,
	SecurityFlags, ShardConfig, ShardIdentifier, SidechainBlockConfirmation, SidechainBlockNumber,
	SkippedAttestation,
};
use polkadot_sdk::{
	frame_support::{
		self, assert_ok, derive_impl, parameter_types,
		traits::{ConstU32, ConstU64},
		PalletId,
	},
	frame_system, pallet_balances, pallet_timestamp,
	sp_core::H256,
	sp_io::TestExternalities,
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
		Sidechain: pallet_sidechain,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU64<10>;
	type AccountStore = System;
}

/// How long a registration stays valid: one day, in milliseconds.
pub const RENEWAL_PERIOD_MS: u64 = 24 * 60 * 60 * 1000;

impl pallet_teerex::Config for Test {
	type UnixTime = Timestamp;
	type AttestationVerifier = NoAttestationVerifier;
	type MaxAttestationRenewalPeriod = ConstU64<RENEWAL_PERIOD_MS>;
	type MaxProofLength = ConstU32<1_024>;
	type MaxUrlLength = ConstU32<256>;
	type MaxCollateralLength = ConstU32<1_024>;
	type WeightInfo = ();
}

/// Hard cap of active enclaves per shard.
pub const MAX_INSTANCES_LIMIT: u32 = 3;

parameter_types! {
	pub const EnclaveBridgePalletId: PalletId = PalletId(*b"ecl/brdg");
}

impl pallet_enclave_bridge::Config for Test {
	type Currency = Balances;
	type EnclaveRegistry = Teerex;
	type MaxCiphertextLength = ConstU32<256>;
	type MaxBeneficiaryLength = ConstU32<256>;
	type MaxInstancesLimit = ConstU32<MAX_INSTANCES_LIMIT>;
	type PalletId = EnclaveBridgePalletId;
	type MaxUnshieldLifetime = ConstU64<100>;
	type WeightInfo = ();
}

impl pallet_sidechain::Config for Test {
	type ShardMembership = EnclaveBridge;
	type WeightInfo = ();
}

/// Chain time at which the tests start (ms since the Unix epoch); nonzero, as
/// teerex refuses registrations before the first timestamp.
pub const START_MS: u64 = 1_700_000_000_000;

/// The account with all 32 bytes set to `seed`.
pub fn account(seed: u8) -> AccountId {
	AccountId32::new([seed; 32])
}

/// A test enclave fingerprint (MRENCLAVE).
pub fn fingerprint(n: u8) -> EnclaveFingerprint {
	H256::repeat_byte(n)
}

/// A test shard id that is nobody's fingerprint.
pub fn shard(n: u8) -> ShardIdentifier {
	H256::from_low_u64_be(0x5A_0000 + n as u64)
}

/// A sidechain block confirmation with a header hash derived from `number`
/// and `fork` (so that two forks of one height differ).
pub fn block(number: SidechainBlockNumber, fork: u8) -> SidechainBlockConfirmation {
	let mut hash = H256::from_low_u64_be(number);
	hash.0[0] = fork;
	SidechainBlockConfirmation { block_number: number, block_header_hash: hash }
}

/// Test externalities at block 1 (so that events are recorded) and chain time
/// [`START_MS`], with the development security flags.
pub fn new_test_ext() -> TestExternalities {
	let mut storage =
		frame_system::GenesisConfig::<Test>::default().build_storage().expect("valid genesis");
	pallet_teerex::GenesisConfig::<Test> {
		security_flags: SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: true },
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.expect("valid genesis");
	let mut ext = TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		set_time(START_MS);
	});
	ext
}

/// Set chain time to `ms`, as the timestamp inherent would.
pub fn set_time(ms: u64) {
	Timestamp::set_timestamp(ms);
}

/// Register (or renew) `who` in teerex as an enclave with `mr_enclave`,
/// without attestation.
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

/// Configure `shard` (as root) to be served by up to `max_instances` enclaves
/// with `enclave_fingerprint`, effective at once.
pub fn configure_shard(
	shard: ShardIdentifier,
	enclave_fingerprint: EnclaveFingerprint,
	max_instances: u32,
) {
	assert_ok!(EnclaveBridge::update_shard_config(
		RuntimeOrigin::root(),
		shard,
		ShardConfig { enclave_fingerprint, max_instances },
		0,
	));
}

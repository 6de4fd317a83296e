//! Test runtime for `pallet-sidechain`: `frame_system` and the pallet, with
//! [`TestMembership`], a small table of shard members, in place of the
//! enclave bridge that decides membership in the runtime. Who may anchor is
//! not this pallet's rule, so its tests only need membership answers they
//! set themselves (and a record of the activity a check touches, to see it
//! rolled back).

use crate as pallet_sidechain;
use codec::{Decode, Encode};
use integritee_primitives::{
	EnclaveFingerprint, ShardIdentifier, ShardMembership, ShardMembershipError,
	SidechainBlockConfirmation, SidechainBlockNumber,
};
use polkadot_sdk::{
	frame_support::{self, derive_impl, storage_alias, Blake2_128Concat},
	frame_system,
	sp_core::H256,
	sp_io::TestExternalities,
	sp_runtime::BuildStorage,
};

pub type AccountId = u64;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Sidechain: pallet_sidechain,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_sidechain::Config for Test {
	type ShardMembership = TestMembership;
	type WeightInfo = ();
}

/// The fingerprint every test member runs.
pub const FINGERPRINT: EnclaveFingerprint = H256::repeat_byte(0xf1);

/// A shard's members, the first of which serves.
#[storage_alias]
type Members = StorageMap<TestMembership, Blake2_128Concat, ShardIdentifier, Vec<AccountId>>;

/// How many membership checks recorded each account's activity.
#[storage_alias]
type Touches = StorageMap<TestMembership, Blake2_128Concat, AccountId, u32>;

/// Accounts whose membership checks fail, with the failure.
#[storage_alias]
type Refusals = StorageMap<TestMembership, Blake2_128Concat, AccountId, Refusal>;

/// [`ShardMembershipError`], storable.
#[derive(Encode, Decode, Clone, Copy)]
pub enum Refusal {
	EnclaveNotRegistered,
	ShardNotInitialized,
	WrongFingerprint,
	TooManyInstances,
	TooManyShards,
}

impl From<Refusal> for ShardMembershipError {
	fn from(refusal: Refusal) -> Self {
		match refusal {
			Refusal::EnclaveNotRegistered => Self::EnclaveNotRegistered,
			Refusal::ShardNotInitialized => Self::ShardNotInitialized,
			Refusal::WrongFingerprint => Self::WrongFingerprint,
			Refusal::TooManyInstances => Self::TooManyInstances,
			Refusal::TooManyShards => Self::TooManyShards,
		}
	}
}

/// Membership as the tests set it: [`set_members`], [`refuse`].
pub struct TestMembership;

impl ShardMembership<AccountId> for TestMembership {
	fn ensure_member_and_touch(
		who: &AccountId,
		shard: &ShardIdentifier,
	) -> Result<EnclaveFingerprint, ShardMembershipError> {
		if let Some(refusal) = Refusals::get(who) {
			return Err(refusal.into());
		}
		let members = Members::get(shard).ok_or(ShardMembershipError::ShardNotInitialized)?;
		if !members.contains(who) {
			return Err(ShardMembershipError::EnclaveNotRegistered);
		}
		Touches::mutate(who, |touches| *touches = Some(touches.unwrap_or(0) + 1));
		Ok(FINGERPRINT)
	}

	fn ensure_serving_member_and_touch(
		who: &AccountId,
		shard: &ShardIdentifier,
	) -> Result<EnclaveFingerprint, ShardMembershipError> {
		let fingerprint = Self::ensure_member_and_touch(who, shard)?;
		match Members::get(shard).and_then(|members| members.first().copied()) {
			Some(first) if first == *who => Ok(fingerprint),
			_ => Err(ShardMembershipError::NotServingMember),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn worst_case_serving_member(shard: &ShardIdentifier) -> AccountId {
		set_members(*shard, &[1, 2, 3]);
		1
	}
}

/// `shard`'s members, the first serving.
pub fn set_members(shard: ShardIdentifier, members: &[AccountId]) {
	Members::insert(shard, members.to_vec());
}

/// Makes every membership check of `who` fail with `refusal`.
pub fn refuse(who: AccountId, refusal: Refusal) {
	Refusals::insert(who, refusal);
}

/// How often a membership check recorded `who`'s activity.
pub fn touches(who: AccountId) -> u32 {
	Touches::get(who).unwrap_or(0)
}

/// A test shard.
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

/// Test externalities at block 1 (so that events are recorded).
pub fn new_test_ext() -> TestExternalities {
	// The runtime's genesis, so that pallets' storage versions are stored.
	let storage = RuntimeGenesisConfig::default().build_storage().expect("valid genesis");
	let mut ext = TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` in fresh externalities, then checks the pallet's invariants
/// (`try_state`) on the state it left.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Sidechain::do_try_state().expect("the pallet's invariants hold after the test");
	});
}

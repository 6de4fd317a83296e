//! Tests of `pallet-enclave-bridge` against the mock runtime, by topic. Each
//! runs in [`build_and_execute`], which checks the pallet's invariants after it.
#![allow(clippy::unwrap_used)]

mod confirm;
mod genesis;
mod invoke;
mod membership;
mod migrations;
mod purge;
mod shard_config;
mod shard_keys;
mod shield;
mod unshield;

use crate::{
	mock::*, EnclaveShards, Error, Event, ExecutedUnshieldCalls, HoldReason,
	LastProcessedParentchainBlock, NextExpiryToPrune, ShardConfigDeposits, ShardConfigRegistry,
	ShardShieldingKeys, ShardSignersOf, ShardStatus, UnshieldExpiries, WeightInfo,
};
use integritee_primitives::{
	ShardConfig, ShardIdentifier, ShardMembership, ShardMembershipError, ShardSignerStatus,
	UpgradableShardConfig,
};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::{fungible::Inspect, Hooks},
		weights::Weight,
	},
	frame_system,
	sp_core::H256,
	sp_runtime::{BuildStorage, DispatchError, TokenError},
};

/// The enclave accounts used by the tests; 1..=5 have funds (for deposits).
fn enclave(n: u8) -> AccountId {
	enclave_account(n)
}

fn config(fingerprint_byte: u8, max_instances: u32) -> ShardConfig {
	ShardConfig { enclave_fingerprint: fingerprint(fingerprint_byte), max_instances }
}

/// Root configures `shard` for enclaves with `fingerprint(fp)`; nobody
/// created it yet.
fn configure_only(shard: ShardIdentifier, fp: u8, max_instances: u32) {
	assert_ok!(EnclaveBridge::update_shard_config(
		RuntimeOrigin::root(),
		shard,
		config(fp, max_instances),
		0,
		0
	));
}

/// Root configures `shard` for enclaves with `fingerprint(fp)`, and its
/// shielding key is [`SHARD_KEY`], as if a member had created it (the tests
/// of creation use [`configure_only`] and [`EnclaveBridge::create_shard`]).
fn configure(shard: ShardIdentifier, fp: u8, max_instances: u32) {
	configure_only(shard, fp, max_instances);
	ShardShieldingKeys::<Test>::insert(shard, SHARD_KEY);
}

/// Enclave `n` creates `shard` for up to `max_instances` members.
fn create(n: u8, shard: ShardIdentifier, max_instances: u32) -> DispatchResultT {
	EnclaveBridge::create_shard(RuntimeOrigin::signed(enclave(n)), shard, max_instances)
}

/// `shard` configured for `fingerprint(1)`, with enclave(1) registered for it.
fn setup_shard_with_enclave() -> ShardIdentifier {
	let shard = shard(1);
	configure(shard, 1, MAX_INSTANCES_LIMIT);
	register_enclave(&enclave(1), fingerprint(1));
	shard
}

fn confirm(who: &AccountId, shard: ShardIdentifier, number: u64, hash: H256) -> DispatchResultT {
	EnclaveBridge::confirm_processed_parentchain_block(
		RuntimeOrigin::signed(who.clone()),
		shard,
		hash,
		number,
		H256::repeat_byte(0xCC),
	)
}

type DispatchResultT = polkadot_sdk::sp_runtime::DispatchResult;

fn signers(shard: ShardIdentifier) -> Vec<AccountId> {
	ShardStatus::<Test>::get(shard).into_iter().map(|s| s.signer).collect()
}

fn balance(who: &AccountId) -> Balance {
	Balances::balance(who)
}

fn bridge_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::EnclaveBridge(event) => Some(event),
			_ => None,
		})
		.collect()
}

fn shield(who: &AccountId, shard: ShardIdentifier, amount: Balance) {
	assert_ok!(EnclaveBridge::shield_funds(
		RuntimeOrigin::signed(who.clone()),
		shard,
		vec![0xBE; 16],
		amount
	));
}

/// Blocks an unshield request stays payable in these tests.
const LIFETIME: u64 = 10;

/// An unshield request that expires `LIFETIME` blocks from now.
fn unshield(
	who: &AccountId,
	shard: ShardIdentifier,
	beneficiary: &AccountId,
	amount: Balance,
	call_hash: H256,
) -> DispatchResultT {
	let expires_at = System::block_number() + LIFETIME;
	unshield_expiring(who, shard, beneficiary, amount, call_hash, expires_at)
}

fn unshield_expiring(
	who: &AccountId,
	shard: ShardIdentifier,
	beneficiary: &AccountId,
	amount: Balance,
	call_hash: H256,
	expires_at: u64,
) -> DispatchResultT {
	EnclaveBridge::unshield_funds(
		RuntimeOrigin::signed(who.clone()),
		shard,
		beneficiary.clone(),
		amount,
		call_hash,
		expires_at,
	)
}

/// Runs `on_idle` with ample weight at block `n`.
fn idle_at(n: u64) {
	run_to_block(n);
	EnclaveBridge::on_idle(n, Weight::MAX);
}

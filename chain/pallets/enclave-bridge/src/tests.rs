#![allow(clippy::unwrap_used)]
use crate::{
	mock::*, Error, Event, ExecutedUnshieldCalls, LastProcessedParentchainBlock, NextExpiryToPrune,
	ShardConfigRegistry, ShardStatus, UnshieldExpiries,
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

// ---------------------------------------------------------------- helpers

/// The enclave accounts used by the tests (no funds needed: no fees here).
fn enclave(n: u8) -> AccountId {
	account(100 + n)
}

fn config(fingerprint_byte: u8, max_instances: u32) -> ShardConfig {
	ShardConfig { enclave_fingerprint: fingerprint(fingerprint_byte), max_instances }
}

/// Root configures `shard` for enclaves with `fingerprint(fp)`.
fn configure(shard: ShardIdentifier, fp: u8, max_instances: u32) {
	assert_ok!(EnclaveBridge::update_shard_config(
		RuntimeOrigin::root(),
		shard,
		config(fp, max_instances),
		0
	));
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

// ---------------------------------------------------------------- invoke

#[test]
fn invoke_emits_event_with_ciphertext_hash() {
	new_test_ext().execute_with(|| {
		let ciphertext = vec![42u8; 20];
		assert_ok!(EnclaveBridge::invoke(
			RuntimeOrigin::signed(alice()),
			shard(1),
			ciphertext.clone()
		));
		System::assert_last_event(
			Event::IndirectInvocationRegistered {
				shard: shard(1),
				sender: alice(),
				ciphertext_hash: H256(polkadot_sdk::sp_io::hashing::blake2_256(&ciphertext)),
			}
			.into(),
		);
	});
}

#[test]
fn invoke_accepts_maximum_length() {
	new_test_ext().execute_with(|| {
		let ciphertext = vec![1u8; MAX_CIPHERTEXT_LENGTH as usize];
		assert_ok!(EnclaveBridge::invoke(RuntimeOrigin::signed(nobody()), shard(1), ciphertext));
	});
}

#[test]
fn invoke_refuses_empty_and_oversized_ciphertext() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			EnclaveBridge::invoke(RuntimeOrigin::signed(alice()), shard(1), vec![]),
			Error::<Test>::EmptyCiphertext
		);
		assert_noop!(
			EnclaveBridge::invoke(
				RuntimeOrigin::signed(alice()),
				shard(1),
				vec![1u8; MAX_CIPHERTEXT_LENGTH as usize + 1]
			),
			Error::<Test>::CiphertextTooLong
		);
	});
}

#[test]
fn invoke_requires_signed_origin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			EnclaveBridge::invoke(RuntimeOrigin::root(), shard(1), vec![1]),
			DispatchError::BadOrigin
		);
		assert_noop!(
			EnclaveBridge::invoke(RuntimeOrigin::none(), shard(1), vec![1]),
			DispatchError::BadOrigin
		);
	});
}

// ---------------------------------------------------------------- confirm

#[test]
fn confirm_by_enclave_of_shard_works() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		run_to_block(5);
		let hash = H256::repeat_byte(0xAB);
		assert_ok!(confirm(&enclave(1), shard, 3, hash));
		assert_eq!(LastProcessedParentchainBlock::<Test>::get(shard, enclave(1)), Some((3, hash)));
		System::assert_last_event(
			Event::ProcessedParentchainBlock {
				shard,
				signer: enclave(1),
				block_hash: hash,
				block_number: 3,
				calls_root: H256::repeat_byte(0xCC),
			}
			.into(),
		);
		assert_eq!(
			ShardStatus::<Test>::get(shard).into_inner(),
			vec![ShardSignerStatus {
				signer: enclave(1),
				fingerprint: fingerprint(1),
				last_activity: 5
			}]
		);
	});
}

#[test]
fn confirm_updates_last_activity() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		assert_ok!(confirm(&enclave(1), shard, 1, H256::repeat_byte(1)));
		run_to_block(9);
		assert_ok!(confirm(&enclave(1), shard, 2, H256::repeat_byte(2)));
		let status = ShardStatus::<Test>::get(shard);
		assert_eq!(status.len(), 1);
		assert_eq!(status[0].last_activity, 9);
	});
}

#[test]
fn confirm_requires_signed_origin() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		assert_noop!(
			EnclaveBridge::confirm_processed_parentchain_block(
				RuntimeOrigin::root(),
				shard,
				H256::zero(),
				1,
				H256::zero()
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn confirm_refuses_unregistered_account() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		assert_noop!(
			confirm(&alice(), shard, 1, H256::zero()),
			Error::<Test>::EnclaveNotRegistered
		);
	});
}

#[test]
fn confirm_refuses_unconfigured_shard() {
	new_test_ext().execute_with(|| {
		register_enclave(&enclave(1), fingerprint(1));
		assert_noop!(
			confirm(&enclave(1), shard(7), 1, H256::zero()),
			Error::<Test>::ShardNotInitialized
		);
	});
}

#[test]
fn confirm_refuses_enclave_of_another_shard() {
	new_test_ext().execute_with(|| {
		let shard_a = setup_shard_with_enclave();
		let shard_b = shard(2);
		configure(shard_b, 2, MAX_INSTANCES_LIMIT);
		assert_noop!(
			confirm(&enclave(1), shard_b, 1, H256::zero()),
			Error::<Test>::WrongFingerprint
		);
		assert_ok!(confirm(&enclave(1), shard_a, 1, H256::zero()));
	});
}

#[test]
fn confirm_refuses_expired_registration() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		set_time(START_MS + RENEWAL_PERIOD_MS);
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		set_time(START_MS + RENEWAL_PERIOD_MS + 1);
		assert_noop!(
			confirm(&enclave(1), shard, 2, H256::zero()),
			Error::<Test>::EnclaveNotRegistered
		);
		// Renewing the registration makes it a member again.
		register_enclave(&enclave(1), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard, 2, H256::zero()));
	});
}

#[test]
fn confirm_must_not_go_back() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		assert_ok!(confirm(&enclave(1), shard, 5, H256::repeat_byte(5)));
		assert_noop!(
			confirm(&enclave(1), shard, 4, H256::repeat_byte(4)),
			Error::<Test>::ConfirmationNotNewer
		);
		assert_ok!(confirm(&enclave(1), shard, 6, H256::repeat_byte(6)));
		assert_eq!(
			LastProcessedParentchainBlock::<Test>::get(shard, enclave(1)),
			Some((6, H256::repeat_byte(6)))
		);
	});
}

#[test]
fn confirm_same_block_again_is_a_silent_no_op() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		assert_ok!(confirm(&enclave(1), shard, 5, H256::repeat_byte(5)));
		let events_before = bridge_events().len();
		assert_ok!(confirm(&enclave(1), shard, 5, H256::repeat_byte(5)));
		assert_eq!(bridge_events().len(), events_before);
		assert_eq!(
			LastProcessedParentchainBlock::<Test>::get(shard, enclave(1)),
			Some((5, H256::repeat_byte(5)))
		);
	});
}

#[test]
fn confirm_same_number_other_hash_conflicts() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		assert_ok!(confirm(&enclave(1), shard, 5, H256::repeat_byte(5)));
		assert_noop!(
			confirm(&enclave(1), shard, 5, H256::repeat_byte(6)),
			Error::<Test>::ConflictingConfirmation
		);
	});
}

#[test]
fn confirmations_are_tracked_per_signer() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard, 10, H256::repeat_byte(10)));
		assert_ok!(confirm(&enclave(2), shard, 3, H256::repeat_byte(3)));
		assert_eq!(
			LastProcessedParentchainBlock::<Test>::get(shard, enclave(2)),
			Some((3, H256::repeat_byte(3)))
		);
		assert_eq!(signers(shard), vec![enclave(1), enclave(2)]);
	});
}

// ---------------------------------------------------------------- membership

#[test]
fn membership_returns_fingerprint() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		assert_eq!(
			<EnclaveBridge as ShardMembership<AccountId>>::ensure_member_and_touch(
				&enclave(1),
				&shard
			),
			Ok(fingerprint(1))
		);
		assert_eq!(
			<EnclaveBridge as ShardMembership<AccountId>>::ensure_member_and_touch(
				&alice(),
				&shard
			),
			Err(ShardMembershipError::EnclaveNotRegistered)
		);
	});
}

#[test]
fn max_instances_is_enforced() {
	new_test_ext().execute_with(|| {
		let shard = shard(1);
		configure(shard, 1, 2);
		for n in 1..=3 {
			register_enclave(&enclave(n), fingerprint(1));
		}
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		assert_noop!(confirm(&enclave(3), shard, 1, H256::zero()), Error::<Test>::TooManyInstances);
		// Members keep acting.
		assert_ok!(confirm(&enclave(1), shard, 2, H256::zero()));
		assert_eq!(signers(shard), vec![enclave(1), enclave(2)]);
	});
}

#[test]
fn unregistered_signers_are_pruned_and_free_their_slot() {
	new_test_ext().execute_with(|| {
		let shard = shard(1);
		configure(shard, 1, 2);
		for n in 1..=3 {
			register_enclave(&enclave(n), fingerprint(1));
		}
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		assert_ok!(Teerex::unregister_sovereign_enclave(
			RuntimeOrigin::signed(enclave(1)),
			enclave(1)
		));
		assert_ok!(confirm(&enclave(3), shard, 1, H256::zero()));
		assert_eq!(signers(shard), vec![enclave(2), enclave(3)]);
	});
}

#[test]
fn expired_signers_are_pruned() {
	new_test_ext().execute_with(|| {
		let shard = shard(1);
		configure(shard, 1, 1);
		register_enclave(&enclave(1), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		// enclave(2) registers later, so it is still valid when enclave(1) expires.
		set_time(START_MS + RENEWAL_PERIOD_MS / 2);
		register_enclave(&enclave(2), fingerprint(1));
		assert_noop!(confirm(&enclave(2), shard, 1, H256::zero()), Error::<Test>::TooManyInstances);
		set_time(START_MS + RENEWAL_PERIOD_MS + 1);
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		assert_eq!(signers(shard), vec![enclave(2)]);
	});
}

#[test]
fn enclave_re_registered_with_other_fingerprint_loses_membership() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		register_enclave(&enclave(1), fingerprint(9));
		assert_noop!(confirm(&enclave(1), shard, 2, H256::zero()), Error::<Test>::WrongFingerprint);
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		assert_eq!(signers(shard), vec![enclave(2)]);
	});
}

#[test]
fn shard_named_after_fingerprint_is_implicitly_configured() {
	new_test_ext().execute_with(|| {
		let mrenclave = fingerprint(4);
		for n in 1..=(MAX_INSTANCES_LIMIT as u8 + 1) {
			register_enclave(&enclave(n), mrenclave);
		}
		register_enclave(&enclave(9), fingerprint(5));
		for n in 1..=(MAX_INSTANCES_LIMIT as u8) {
			assert_ok!(confirm(&enclave(n), mrenclave, 1, H256::zero()));
		}
		// Implicit max_instances is MaxInstancesLimit.
		assert_noop!(
			confirm(&enclave(MAX_INSTANCES_LIMIT as u8 + 1), mrenclave, 1, H256::zero()),
			Error::<Test>::TooManyInstances
		);
		// Another fingerprint is not a member: for it the shard is unconfigured.
		assert_noop!(
			confirm(&enclave(9), mrenclave, 1, H256::zero()),
			Error::<Test>::ShardNotInitialized
		);
		// Nothing was stored for the configuration.
		assert!(ShardConfigRegistry::<Test>::get(mrenclave).is_none());
		assert_eq!(signers(mrenclave).len(), MAX_INSTANCES_LIMIT as usize);
	});
}

#[test]
fn stored_config_overrides_implicit_convention() {
	new_test_ext().execute_with(|| {
		let mrenclave = fingerprint(4);
		configure(mrenclave, 5, 1);
		register_enclave(&enclave(1), mrenclave);
		register_enclave(&enclave(2), fingerprint(5));
		assert_noop!(
			confirm(&enclave(1), mrenclave, 1, H256::zero()),
			Error::<Test>::WrongFingerprint
		);
		assert_ok!(confirm(&enclave(2), mrenclave, 1, H256::zero()));
	});
}

// ---------------------------------------------------------------- shield

#[test]
fn shield_funds_moves_funds_into_the_vault() {
	new_test_ext().execute_with(|| {
		let shard = shard(1);
		let vault = EnclaveBridge::vault_account(&shard);
		assert_ok!(EnclaveBridge::shield_funds(
			RuntimeOrigin::signed(alice()),
			shard,
			vec![0xBE; 16],
			300
		));
		assert_eq!(balance(&alice()), INITIAL_BALANCE - 300);
		assert_eq!(balance(&vault), 300);
		System::assert_last_event(
			Event::ShieldFunds {
				shard,
				from: alice(),
				encrypted_beneficiary: vec![0xBE; 16],
				amount: 300,
			}
			.into(),
		);
	});
}

#[test]
fn vault_balance_accumulates_per_shard() {
	new_test_ext().execute_with(|| {
		shield(&alice(), shard(1), 100);
		shield(&bob(), shard(1), 200);
		shield(&alice(), shard(2), 50);
		assert_eq!(balance(&EnclaveBridge::vault_account(&shard(1))), 300);
		assert_eq!(balance(&EnclaveBridge::vault_account(&shard(2))), 50);
		assert_eq!(balance(&alice()), INITIAL_BALANCE - 150);
		assert_eq!(balance(&bob()), INITIAL_BALANCE - 200);
		assert_eq!(Balances::total_issuance(), 2 * INITIAL_BALANCE);
	});
}

#[test]
fn vault_accounts_do_not_collide_on_shared_prefix() {
	new_test_ext().execute_with(|| {
		// Same first 20 bytes: a truncated raw shard id would give one account.
		let mut a = [0x11u8; 32];
		let mut b = [0x11u8; 32];
		a[31] = 1;
		b[31] = 2;
		let (a, b) = (H256(a), H256(b));
		assert_ne!(EnclaveBridge::vault_account(&a), EnclaveBridge::vault_account(&b));
		assert_ne!(EnclaveBridge::vault_account(&a), alice());
	});
}

#[test]
fn shield_funds_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		let origin = || RuntimeOrigin::signed(alice());
		assert_noop!(
			EnclaveBridge::shield_funds(origin(), shard(1), vec![1; 8], 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			EnclaveBridge::shield_funds(origin(), shard(1), vec![], 100),
			Error::<Test>::EmptyBeneficiary
		);
		assert_noop!(
			EnclaveBridge::shield_funds(
				origin(),
				shard(1),
				vec![1; MAX_BENEFICIARY_LENGTH as usize + 1],
				100
			),
			Error::<Test>::BeneficiaryTooLong
		);
		assert_ok!(EnclaveBridge::shield_funds(
			origin(),
			shard(1),
			vec![1; MAX_BENEFICIARY_LENGTH as usize],
			100
		));
	});
}

#[test]
fn shield_funds_requires_signed_origin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			EnclaveBridge::shield_funds(RuntimeOrigin::root(), shard(1), vec![1], 100),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn shield_funds_refuses_insufficient_funds() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			EnclaveBridge::shield_funds(RuntimeOrigin::signed(nobody()), shard(1), vec![1], 100),
			TokenError::FundsUnavailable
		);
		assert_noop!(
			EnclaveBridge::shield_funds(
				RuntimeOrigin::signed(alice()),
				shard(1),
				vec![1],
				INITIAL_BALANCE + 1
			),
			TokenError::FundsUnavailable
		);
	});
}

#[test]
fn shield_funds_keeps_the_sender_alive() {
	new_test_ext().execute_with(|| {
		// Leaving less than the existential deposit would reap the sender.
		assert_noop!(
			EnclaveBridge::shield_funds(
				RuntimeOrigin::signed(alice()),
				shard(1),
				vec![1],
				INITIAL_BALANCE - EXISTENTIAL_DEPOSIT + 1
			),
			TokenError::NotExpendable
		);
		shield(&alice(), shard(1), INITIAL_BALANCE - EXISTENTIAL_DEPOSIT);
		assert_eq!(balance(&alice()), EXISTENTIAL_DEPOSIT);
	});
}

#[test]
fn shield_funds_below_existential_deposit_into_empty_vault_fails() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			EnclaveBridge::shield_funds(
				RuntimeOrigin::signed(alice()),
				shard(1),
				vec![1],
				EXISTENTIAL_DEPOSIT - 1
			),
			TokenError::BelowMinimum
		);
		shield(&alice(), shard(1), EXISTENTIAL_DEPOSIT);
		// Once the vault exists, any amount may be added.
		shield(&alice(), shard(1), 1);
		assert_eq!(balance(&EnclaveBridge::vault_account(&shard(1))), EXISTENTIAL_DEPOSIT + 1);
	});
}

// ---------------------------------------------------------------- unshield

#[test]
fn unshield_funds_pays_from_the_vault() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		shield(&alice(), shard, 500);
		run_to_block(3);
		let call_hash = H256::repeat_byte(0xCA);
		assert_ok!(unshield(&enclave(1), shard, &bob(), 200, call_hash));
		assert_eq!(balance(&bob()), INITIAL_BALANCE + 200);
		assert_eq!(balance(&EnclaveBridge::vault_account(&shard)), 300);
		assert_eq!(ExecutedUnshieldCalls::<Test>::get(shard, call_hash), Some(3));
		System::assert_last_event(
			Event::UnshieldedFunds { shard, beneficiary: bob(), amount: 200, call_hash }.into(),
		);
		assert_eq!(signers(shard), vec![enclave(1)]);
	});
}

#[test]
fn unshield_funds_pays_each_call_hash_once() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(1));
		shield(&alice(), shard, 500);
		let call_hash = H256::repeat_byte(0xCA);
		assert_ok!(unshield(&enclave(1), shard, &bob(), 100, call_hash));
		assert_noop!(
			unshield(&enclave(1), shard, &bob(), 100, call_hash),
			Error::<Test>::UnshieldAlreadyExecuted
		);
		// Another enclave of the shard relaying the same request is refused
		// (it does not serve the shard).
		assert_noop!(
			unshield(&enclave(2), shard, &bob(), 100, call_hash),
			Error::<Test>::NotServingMember
		);
		assert_eq!(balance(&bob()), INITIAL_BALANCE + 100);
		assert_eq!(balance(&EnclaveBridge::vault_account(&shard)), 400);
		// A different request is paid.
		assert_ok!(unshield(&enclave(1), shard, &bob(), 100, H256::repeat_byte(0xCB)));
		assert_eq!(balance(&bob()), INITIAL_BALANCE + 200);
	});
}

/// Until several members share a shard's work, only the serving member (the
/// first active signer) pays out: a second instance that registered with
/// the shard's fingerprint cannot pay beside it, before or after it joined
/// the shard's signers. Root purges a serving member that stopped, and the
/// next one serves.
#[test]
fn only_the_serving_member_unshields_until_root_purges_it() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(1));
		shield(&alice(), shard, 500);
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_noop!(
			unshield(&enclave(2), shard, &bob(), 100, H256::repeat_byte(1)),
			Error::<Test>::NotServingMember
		);
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		assert_eq!(signers(shard), vec![enclave(1), enclave(2)]);
		assert_noop!(
			unshield(&enclave(2), shard, &bob(), 100, H256::repeat_byte(1)),
			Error::<Test>::NotServingMember
		);
		assert_ok!(EnclaveBridge::purge_enclave_from_shard(
			RuntimeOrigin::root(),
			shard,
			enclave(1)
		));
		assert_ok!(unshield(&enclave(2), shard, &bob(), 100, H256::repeat_byte(1)));
		assert_eq!(balance(&bob()), INITIAL_BALANCE + 100);
	});
}

#[test]
fn unshield_call_hashes_are_per_shard() {
	new_test_ext().execute_with(|| {
		let shard_a = setup_shard_with_enclave();
		let shard_b = shard(2);
		configure(shard_b, 2, MAX_INSTANCES_LIMIT);
		register_enclave(&enclave(2), fingerprint(2));
		shield(&alice(), shard_a, 100);
		shield(&alice(), shard_b, 100);
		let call_hash = H256::repeat_byte(0xCA);
		// Paying a hash on shard B first does not block shard A's request.
		assert_ok!(unshield(&enclave(2), shard_b, &bob(), 50, call_hash));
		assert_ok!(unshield(&enclave(1), shard_a, &bob(), 50, call_hash));
		assert_eq!(ExecutedUnshieldCalls::<Test>::get(shard_a, call_hash), Some(1));
		assert_eq!(ExecutedUnshieldCalls::<Test>::get(shard_b, call_hash), Some(1));
		assert_eq!(balance(&bob()), INITIAL_BALANCE + 100);
	});
}

#[test]
fn unshield_funds_refuses_more_than_the_vault_holds() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		assert_noop!(
			unshield(&enclave(1), shard, &bob(), 1, H256::repeat_byte(1)),
			Error::<Test>::InsufficientVaultBalance
		);
		shield(&alice(), shard, 100);
		assert_noop!(
			unshield(&enclave(1), shard, &bob(), 101, H256::repeat_byte(1)),
			Error::<Test>::InsufficientVaultBalance
		);
	});
}

#[test]
fn unshield_funds_may_empty_the_vault_but_not_dust_it() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		let vault = EnclaveBridge::vault_account(&shard);
		shield(&alice(), shard, 100);
		assert_noop!(
			unshield(
				&enclave(1),
				shard,
				&bob(),
				100 - EXISTENTIAL_DEPOSIT + 1,
				H256::repeat_byte(1)
			),
			Error::<Test>::VaultWouldBeDusted
		);
		assert_ok!(unshield(
			&enclave(1),
			shard,
			&bob(),
			100 - EXISTENTIAL_DEPOSIT,
			H256::repeat_byte(1)
		));
		assert_eq!(balance(&vault), EXISTENTIAL_DEPOSIT);
		assert_ok!(unshield(&enclave(1), shard, &bob(), EXISTENTIAL_DEPOSIT, H256::repeat_byte(2)));
		assert_eq!(Balances::total_balance(&vault), 0);
		assert!(!System::account_exists(&vault));
		assert_eq!(balance(&bob()), INITIAL_BALANCE + 100);
		assert_eq!(Balances::total_issuance(), 2 * INITIAL_BALANCE);
	});
}

#[test]
fn unshield_funds_refuses_non_members() {
	new_test_ext().execute_with(|| {
		// enclave(1) serves shard(1).
		setup_shard_with_enclave();
		let shard_b = shard(2);
		configure(shard_b, 2, MAX_INSTANCES_LIMIT);
		shield(&alice(), shard_b, 500);
		let call_hash = H256::repeat_byte(1);
		assert_noop!(
			unshield(&alice(), shard_b, &alice(), 100, call_hash),
			Error::<Test>::EnclaveNotRegistered
		);
		// An enclave of shard A cannot empty the vault of shard B.
		assert_noop!(
			unshield(&enclave(1), shard_b, &enclave(1), 100, call_hash),
			Error::<Test>::WrongFingerprint
		);
		assert_noop!(
			unshield(&enclave(1), shard(3), &enclave(1), 100, call_hash),
			Error::<Test>::ShardNotInitialized
		);
		assert_noop!(
			EnclaveBridge::unshield_funds(RuntimeOrigin::root(), shard_b, bob(), 100, call_hash, 5),
			DispatchError::BadOrigin
		);
		assert_eq!(balance(&EnclaveBridge::vault_account(&shard_b)), 500);
		assert!(ExecutedUnshieldCalls::<Test>::get(shard_b, call_hash).is_none());
	});
}

#[test]
fn unshield_funds_refuses_zero_amount() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		shield(&alice(), shard, 100);
		assert_noop!(
			unshield(&enclave(1), shard, &bob(), 0, H256::repeat_byte(1)),
			Error::<Test>::ZeroAmount
		);
	});
}

#[test]
fn unshield_funds_refuses_expired_enclave() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		shield(&alice(), shard, 100);
		set_time(START_MS + RENEWAL_PERIOD_MS + 1);
		assert_noop!(
			unshield(&enclave(1), shard, &bob(), 50, H256::repeat_byte(1)),
			Error::<Test>::EnclaveNotRegistered
		);
	});
}

#[test]
fn unshield_is_payable_up_to_its_expiry_block_inclusive() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		shield(&alice(), shard, 500);
		run_to_block(20);
		assert_ok!(unshield_expiring(&enclave(1), shard, &bob(), 100, H256::repeat_byte(1), 20));
		assert_noop!(
			unshield_expiring(&enclave(1), shard, &bob(), 100, H256::repeat_byte(2), 19),
			Error::<Test>::UnshieldExpired
		);
		assert_eq!(balance(&bob()), INITIAL_BALANCE + 100);
	});
}

#[test]
fn unshield_expiry_must_not_lie_beyond_the_lifetime() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		shield(&alice(), shard, 500);
		run_to_block(5);
		assert_noop!(
			unshield_expiring(
				&enclave(1),
				shard,
				&bob(),
				100,
				H256::repeat_byte(1),
				5 + MAX_UNSHIELD_LIFETIME + 1
			),
			Error::<Test>::UnshieldExpiryTooFar
		);
		assert_ok!(unshield_expiring(
			&enclave(1),
			shard,
			&bob(),
			100,
			H256::repeat_byte(1),
			5 + MAX_UNSHIELD_LIFETIME
		));
	});
}

/// Expired first, then a payout attempt: the request is never paid, so the
/// enclaves' refund after the expiry is the only outcome.
#[test]
fn expired_unshield_is_never_paid() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		shield(&alice(), shard, 500);
		let call_hash = H256::repeat_byte(0xEE);
		run_to_block(3);
		let expires_at = 3 + LIFETIME;
		run_to_block(expires_at + 1);
		for at in [expires_at + 1, expires_at + 50] {
			run_to_block(at);
			assert_noop!(
				unshield_expiring(&enclave(1), shard, &bob(), 100, call_hash, expires_at),
				Error::<Test>::UnshieldExpired
			);
		}
		assert_eq!(balance(&bob()), INITIAL_BALANCE);
		assert_eq!(balance(&EnclaveBridge::vault_account(&shard)), 500);
	});
}

/// Paid first: every resend is refused while the record lives, the record is
/// pruned once the expiry has passed, and a resend after that is refused as
/// expired. The enclaves saw the payout before the expiry, so they burn and
/// never refund.
#[test]
fn paid_unshield_is_never_paid_again_before_or_after_pruning() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(1));
		shield(&alice(), shard, 500);
		let call_hash = H256::repeat_byte(0xAA);
		run_to_block(3);
		let expires_at = 3 + LIFETIME;
		assert_ok!(unshield_expiring(&enclave(1), shard, &bob(), 100, call_hash, expires_at));
		// A racing second extrinsic (the same request).
		assert_noop!(
			unshield_expiring(&enclave(1), shard, &bob(), 100, call_hash, expires_at),
			Error::<Test>::UnshieldAlreadyExecuted
		);
		// The expiry block itself: still recorded.
		idle_at(expires_at);
		assert!(ExecutedUnshieldCalls::<Test>::get(shard, call_hash).is_some());
		assert_noop!(
			unshield_expiring(&enclave(1), shard, &bob(), 100, call_hash, expires_at),
			Error::<Test>::UnshieldAlreadyExecuted
		);
		// After it: pruned, and still never payable again.
		idle_at(expires_at + 1);
		assert!(ExecutedUnshieldCalls::<Test>::get(shard, call_hash).is_none());
		assert_eq!(UnshieldExpiries::<Test>::iter().count(), 0);
		assert_noop!(
			unshield_expiring(&enclave(1), shard, &bob(), 100, call_hash, expires_at),
			Error::<Test>::UnshieldExpired
		);
		assert_eq!(balance(&bob()), INITIAL_BALANCE + 100);
	});
}

#[test]
fn pruning_stops_at_the_weight_limit_and_resumes() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		shield(&alice(), shard, 500);
		run_to_block(2);
		for i in 0..20u8 {
			assert_ok!(unshield_expiring(&enclave(1), shard, &bob(), 10, H256::repeat_byte(i), 5));
		}
		run_to_block(6);
		let per_entry = <Test as frame_system::Config>::DbWeight::get().reads_writes(1, 2);
		let base = <Test as frame_system::Config>::DbWeight::get().reads_writes(1, 1);
		// Room for five entries.
		let limit = base.saturating_add(per_entry.saturating_mul(6));
		let used = EnclaveBridge::on_idle(6, limit);
		assert!(used.all_lte(limit));
		let left = ExecutedUnshieldCalls::<Test>::iter_prefix(shard).count();
		assert!(left > 0 && left < 20, "{left} records left");
		// Too little weight for even one entry: nothing is touched.
		assert_eq!(EnclaveBridge::on_idle(6, base), Weight::zero());
		EnclaveBridge::on_idle(6, Weight::MAX);
		assert_eq!(ExecutedUnshieldCalls::<Test>::iter_prefix(shard).count(), 0);
		assert_eq!(NextExpiryToPrune::<Test>::get(), 6);
	});
}

// ---------------------------------------------------------------- shard config

#[test]
fn root_initialises_shard_config_at_once() {
	new_test_ext().execute_with(|| {
		run_to_block(4);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard(1),
			config(1, 2),
			10
		));
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard(1)),
			Some(UpgradableShardConfig { active: config(1, 2), pending_upgrade: None })
		);
		System::assert_last_event(
			Event::ShardConfigUpdated { shard: shard(1), config: config(1, 2), enactment_block: 4 }
				.into(),
		);
		assert_eq!(EnclaveBridge::effective_shard_config(&shard(1)), Some(config(1, 2)));
	});
}

#[test]
fn enclave_initialises_unused_shard_for_its_fingerprint() {
	new_test_ext().execute_with(|| {
		register_enclave(&enclave(1), fingerprint(1));
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::signed(enclave(1)),
			shard(1),
			config(1, 2),
			10
		));
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard(1)),
			Some(UpgradableShardConfig { active: config(1, 2), pending_upgrade: None })
		);
		System::assert_last_event(
			Event::ShardConfigUpdated { shard: shard(1), config: config(1, 2), enactment_block: 1 }
				.into(),
		);
		assert_ok!(confirm(&enclave(1), shard(1), 1, H256::zero()));
	});
}

#[test]
fn enclave_cannot_initialise_shard_for_another_fingerprint() {
	new_test_ext().execute_with(|| {
		register_enclave(&enclave(1), fingerprint(1));
		assert_noop!(
			EnclaveBridge::update_shard_config(
				RuntimeOrigin::signed(enclave(1)),
				shard(1),
				config(2, 1),
				0
			),
			Error::<Test>::WrongFingerprint
		);
		assert_noop!(
			EnclaveBridge::update_shard_config(
				RuntimeOrigin::signed(alice()),
				shard(1),
				config(1, 1),
				0
			),
			Error::<Test>::EnclaveNotRegistered
		);
	});
}

#[test]
fn enclave_cannot_initialise_shard_in_use() {
	new_test_ext().execute_with(|| {
		register_enclave(&enclave(1), fingerprint(1));
		// Funds wait in the vault of the unconfigured shard.
		shield(&alice(), shard(1), 100);
		assert_noop!(
			EnclaveBridge::update_shard_config(
				RuntimeOrigin::signed(enclave(1)),
				shard(1),
				config(1, 1),
				0
			),
			Error::<Test>::ShardInUse
		);
		// Root decides.
		configure(shard(1), 1, 1);
	});
}

#[test]
fn foreign_enclave_cannot_take_over_implicitly_used_shard() {
	new_test_ext().execute_with(|| {
		let mrenclave = fingerprint(4);
		register_enclave(&enclave(1), mrenclave);
		assert_ok!(confirm(&enclave(1), mrenclave, 1, H256::zero()));
		register_enclave(&enclave(2), fingerprint(5));
		assert_noop!(
			EnclaveBridge::update_shard_config(
				RuntimeOrigin::signed(enclave(2)),
				mrenclave,
				ShardConfig { enclave_fingerprint: fingerprint(5), max_instances: 1 },
				0
			),
			Error::<Test>::ShardInUse
		);
	});
}

#[test]
fn an_implicit_shard_is_configured_and_only_root_changes_it() {
	new_test_ext().execute_with(|| {
		let mrenclave = fingerprint(4);
		register_enclave(&enclave(1), mrenclave);
		assert_noop!(
			EnclaveBridge::update_shard_config(
				RuntimeOrigin::signed(enclave(1)),
				mrenclave,
				config(5, 1),
				10
			),
			Error::<Test>::ConfigChangeNeedsRoot
		);
		assert_ok!(confirm(&enclave(1), mrenclave, 1, H256::zero()));
		assert_eq!(signers(mrenclave), vec![enclave(1)]);
		// Root stores a configuration (at once: nothing was stored before);
		// from then on a member cannot change it either.
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			mrenclave,
			config(5, 1),
			10
		));
		assert_eq!(EnclaveBridge::effective_shard_config(&mrenclave), Some(config(5, 1)));
		assert_noop!(
			EnclaveBridge::update_shard_config(
				RuntimeOrigin::signed(enclave(1)),
				mrenclave,
				config(4, 1),
				0
			),
			Error::<Test>::ConfigChangeNeedsRoot
		);
	});
}

#[test]
fn update_shard_config_refuses_invalid_max_instances() {
	new_test_ext().execute_with(|| {
		for max_instances in [0, MAX_INSTANCES_LIMIT + 1] {
			assert_noop!(
				EnclaveBridge::update_shard_config(
					RuntimeOrigin::root(),
					shard(1),
					config(1, max_instances),
					0
				),
				Error::<Test>::InvalidMaxInstances
			);
		}
	});
}

#[test]
fn update_shard_config_requires_signed_or_root() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			EnclaveBridge::update_shard_config(RuntimeOrigin::none(), shard(1), config(1, 1), 0),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn only_root_updates_a_configured_shard() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(2));
		for who in [enclave(1), enclave(2), alice()] {
			assert_noop!(
				EnclaveBridge::update_shard_config(
					RuntimeOrigin::signed(who),
					shard,
					config(1, 1),
					0
				),
				Error::<Test>::ConfigChangeNeedsRoot
			);
		}
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(1, 1),
			0
		));
		assert_eq!(EnclaveBridge::effective_shard_config(&shard), Some(config(1, 1)));
	});
}

/// A member cannot cancel (or bring forward) an upgrade root scheduled:
/// once a shard is configured, only root changes its configuration.
#[test]
fn a_member_cannot_cancel_an_upgrade_root_scheduled() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(2, 2),
			10
		));
		for delay in [0, 5] {
			assert_noop!(
				EnclaveBridge::update_shard_config(
					RuntimeOrigin::signed(enclave(1)),
					shard,
					config(1, 1),
					delay
				),
				Error::<Test>::ConfigChangeNeedsRoot
			);
		}
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard).and_then(|c| c.pending_upgrade),
			Some((11, config(2, 2)))
		);
	});
}

#[test]
fn upgrade_takes_effect_at_enactment_block() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(2));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));

		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(2, 2),
			10
		));
		System::assert_last_event(
			Event::ShardConfigUpdated { shard, config: config(2, 2), enactment_block: 11 }.into(),
		);
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard),
			Some(UpgradableShardConfig {
				active: config(1, MAX_INSTANCES_LIMIT),
				pending_upgrade: Some((11, config(2, 2))),
			})
		);

		// Before the enactment block the old code serves the shard.
		run_to_block(10);
		assert_noop!(confirm(&enclave(2), shard, 1, H256::zero()), Error::<Test>::WrongFingerprint);
		assert_ok!(confirm(&enclave(1), shard, 2, H256::zero()));
		assert_eq!(
			EnclaveBridge::effective_shard_config(&shard),
			Some(config(1, MAX_INSTANCES_LIMIT))
		);

		// From the enactment block on, the new one.
		run_to_block(11);
		assert_eq!(EnclaveBridge::effective_shard_config(&shard), Some(config(2, 2)));
		assert_noop!(confirm(&enclave(1), shard, 3, H256::zero()), Error::<Test>::WrongFingerprint);
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		// The upgrade was promoted and the old signer pruned.
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard),
			Some(UpgradableShardConfig { active: config(2, 2), pending_upgrade: None })
		);
		assert_eq!(signers(shard), vec![enclave(2)]);
	});
}

#[test]
fn root_schedules_upgrade_and_zero_delay_replaces_at_once() {
	new_test_ext().execute_with(|| {
		let shard = shard(1);
		configure(shard, 1, 1);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(2, 1),
			5
		));
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard).and_then(|c| c.pending_upgrade),
			Some((6, config(2, 1)))
		);
		// A zero delay replaces the active config and drops the scheduled upgrade.
		configure(shard, 3, 2);
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard),
			Some(UpgradableShardConfig { active: config(3, 2), pending_upgrade: None })
		);
		run_to_block(6);
		assert_eq!(EnclaveBridge::effective_shard_config(&shard), Some(config(3, 2)));
	});
}

#[test]
fn reached_upgrade_is_promoted_before_a_new_one_is_scheduled() {
	new_test_ext().execute_with(|| {
		let shard = shard(1);
		configure(shard, 1, 1);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(2, 1),
			5
		));
		run_to_block(8);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(3, 1),
			5
		));
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard),
			Some(UpgradableShardConfig {
				active: config(2, 1),
				pending_upgrade: Some((13, config(3, 1))),
			})
		);
	});
}

// ---------------------------------------------------------------- purge

#[test]
fn purge_removes_signer_and_frees_its_slot() {
	new_test_ext().execute_with(|| {
		let shard = shard(1);
		configure(shard, 1, 1);
		register_enclave(&enclave(1), fingerprint(1));
		register_enclave(&enclave(2), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_noop!(confirm(&enclave(2), shard, 1, H256::zero()), Error::<Test>::TooManyInstances);

		assert_ok!(EnclaveBridge::purge_enclave_from_shard(
			RuntimeOrigin::root(),
			shard,
			enclave(1)
		));
		System::assert_last_event(
			Event::EnclavePurgedFromShard { shard, signer: enclave(1) }.into(),
		);
		assert!(!ShardStatus::<Test>::contains_key(shard));
		assert!(LastProcessedParentchainBlock::<Test>::get(shard, enclave(1)).is_none());

		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		assert_eq!(signers(shard), vec![enclave(2)]);
	});
}

#[test]
fn purge_is_root_only() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_noop!(
			EnclaveBridge::purge_enclave_from_shard(
				RuntimeOrigin::signed(enclave(1)),
				shard,
				enclave(1)
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn purge_refuses_unknown_signer() {
	new_test_ext().execute_with(|| {
		let served = setup_shard_with_enclave();
		assert_ok!(confirm(&enclave(1), served, 1, H256::zero()));
		assert_noop!(
			EnclaveBridge::purge_enclave_from_shard(RuntimeOrigin::root(), served, enclave(2)),
			Error::<Test>::NotAShardSigner
		);
		assert_noop!(
			EnclaveBridge::purge_enclave_from_shard(RuntimeOrigin::root(), shard(2), enclave(1)),
			Error::<Test>::NotAShardSigner
		);
	});
}

#[test]
fn purge_keeps_other_signers() {
	new_test_ext().execute_with(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		assert_ok!(EnclaveBridge::purge_enclave_from_shard(
			RuntimeOrigin::root(),
			shard,
			enclave(1)
		));
		assert_eq!(signers(shard), vec![enclave(2)]);
		assert!(LastProcessedParentchainBlock::<Test>::get(shard, enclave(2)).is_some());
	});
}

// ---------------------------------------------------------------- genesis

#[test]
fn genesis_configures_shards() {
	let mut storage =
		polkadot_sdk::frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	crate::GenesisConfig::<Test> {
		shard_configs: vec![(shard(1), fingerprint(1), 2)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	polkadot_sdk::sp_io::TestExternalities::new(storage).execute_with(|| {
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard(1)),
			Some(UpgradableShardConfig { active: config(1, 2), pending_upgrade: None })
		);
	});
}

#[test]
#[should_panic(expected = "max_instances")]
fn genesis_refuses_invalid_max_instances() {
	let mut storage =
		polkadot_sdk::frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let _ = crate::GenesisConfig::<Test> {
		shard_configs: vec![(shard(1), fingerprint(1), 0)],
		..Default::default()
	}
	.assimilate_storage(&mut storage);
}

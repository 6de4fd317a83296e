//! Unshielding: the serving member pays out, once per call hash, until the expiry; paid records are pruned after it.

use super::*;

#[test]
fn unshield_funds_pays_from_the_vault() {
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
		assert_eq!(Balances::total_issuance(), GENESIS_ISSUANCE);
	});
}

#[test]
fn unshield_funds_refuses_non_members() {
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
		let shard = setup_shard_with_enclave();
		shield(&alice(), shard, 500);
		run_to_block(2);
		for i in 0..20u8 {
			assert_ok!(unshield_expiring(&enclave(1), shard, &bob(), 10, H256::repeat_byte(i), 5));
		}
		run_to_block(6);
		let base = <() as WeightInfo>::prune_expired_unshields(0);
		let per_entry = <() as WeightInfo>::prune_expired_unshields(1).saturating_sub(base);
		let per_expiry = <Test as frame_system::Config>::DbWeight::get().reads(1);
		// Room for the five empty expiry blocks before 5, and six entries.
		let limit = base
			.saturating_add(per_expiry.saturating_mul(5))
			.saturating_add(per_entry.saturating_mul(6));
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

//! Shielding: funds into the shard's vault, the sender preserved.

use super::*;

#[test]
fn shield_funds_moves_funds_into_the_vault() {
	build_and_execute(|| {
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
	build_and_execute(|| {
		shield(&alice(), shard(1), 100);
		shield(&bob(), shard(1), 200);
		shield(&alice(), shard(2), 50);
		assert_eq!(balance(&EnclaveBridge::vault_account(&shard(1))), 300);
		assert_eq!(balance(&EnclaveBridge::vault_account(&shard(2))), 50);
		assert_eq!(balance(&alice()), INITIAL_BALANCE - 150);
		assert_eq!(balance(&bob()), INITIAL_BALANCE - 200);
		assert_eq!(Balances::total_issuance(), GENESIS_ISSUANCE);
	});
}

#[test]
fn vault_accounts_do_not_collide_on_shared_prefix() {
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
		assert_noop!(
			EnclaveBridge::shield_funds(RuntimeOrigin::root(), shard(1), vec![1], 100),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn shield_funds_refuses_insufficient_funds() {
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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

//! Shard configurations: who sets them, scheduled upgrades, deposits and removal.

use super::*;

#[test]
fn root_initialises_shard_config_at_once() {
	build_and_execute(|| {
		run_to_block(4);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard(1),
			config(1, 2),
			10,
			0
		));
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard(1)),
			Some(UpgradableShardConfig::new(config(1, 2)))
		);
		System::assert_last_event(
			Event::ShardConfigUpdated {
				shard: shard(1),
				config: config(1, 2),
				enactment_block: 4,
				grace_period: 0,
			}
			.into(),
		);
		assert_eq!(EnclaveBridge::effective_shard_config(&shard(1)), Some(config(1, 2)));
	});
}

/// Only root writes a configuration: an enclave creates a shard
/// ([`EnclaveBridge::create_shard`], see `shard_keys`), it never configures
/// or upgrades one, so no member can cancel an upgrade root scheduled.
#[test]
fn only_root_updates_a_configured_shard() {
	build_and_execute(|| {
		let configured = setup_shard_with_enclave();
		let unconfigured = shard(2);
		let shard = configured;
		register_enclave(&enclave(2), fingerprint(2));
		let attempts = [
			(configured, enclave(1)),
			(configured, enclave(2)),
			(configured, alice()),
			(unconfigured, enclave(1)),
		];
		for (target, who) in attempts {
			assert_noop!(
				EnclaveBridge::update_shard_config(
					RuntimeOrigin::signed(who),
					target,
					config(1, 1),
					0,
					0
				),
				DispatchError::BadOrigin
			);
		}
		assert_noop!(
			EnclaveBridge::update_shard_config(RuntimeOrigin::none(), shard, config(1, 1), 0, 0),
			DispatchError::BadOrigin
		);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(1, 1),
			0,
			0
		));
		assert_eq!(EnclaveBridge::effective_shard_config(&shard), Some(config(1, 1)));
	});
}

/// Root stores a configuration for a shard named after a fingerprint; it
/// then overrides the name's implicit configuration.
#[test]
fn root_configures_an_implicit_shard() {
	build_and_execute(|| {
		let mrenclave = fingerprint(4);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			mrenclave,
			config(5, 1),
			10,
			0
		));
		assert_eq!(EnclaveBridge::effective_shard_config(&mrenclave), Some(config(5, 1)));
	});
}

#[test]
fn update_shard_config_refuses_invalid_max_instances() {
	build_and_execute(|| {
		for max_instances in [0, MAX_INSTANCES_LIMIT + 1] {
			assert_noop!(
				EnclaveBridge::update_shard_config(
					RuntimeOrigin::root(),
					shard(1),
					config(1, max_instances),
					0,
					0
				),
				Error::<Test>::InvalidMaxInstances
			);
		}
	});
}

/// A member cannot cancel (or bring forward) an upgrade root scheduled.
#[test]
fn a_member_cannot_cancel_an_upgrade_root_scheduled() {
	build_and_execute(|| {
		let shard = setup_shard_with_enclave();
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(2, 2),
			10,
			0
		));
		for delay in [0, 5] {
			assert_noop!(
				EnclaveBridge::update_shard_config(
					RuntimeOrigin::signed(enclave(1)),
					shard,
					config(1, 1),
					delay,
					0
				),
				DispatchError::BadOrigin
			);
		}
		// Nor by removing the shard and creating it anew: it is in use.
		assert_noop!(create(1, shard, 1), Error::<Test>::ShardAlreadyCreated);
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard).and_then(|c| c.pending_upgrade),
			Some((11, config(2, 2)))
		);
	});
}

#[test]
fn upgrade_takes_effect_at_enactment_block() {
	build_and_execute(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(2));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));

		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(2, 2),
			10,
			0
		));
		System::assert_last_event(
			Event::ShardConfigUpdated {
				shard,
				config: config(2, 2),
				enactment_block: 11,
				grace_period: 0,
			}
			.into(),
		);
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard),
			Some(UpgradableShardConfig {
				active: config(1, MAX_INSTANCES_LIMIT),
				pending_upgrade: Some((11, config(2, 2))),
				grace_period: 0,
				retiring: None
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
			Some(UpgradableShardConfig::new(config(2, 2)))
		);
		assert_eq!(signers(shard), vec![enclave(2)]);
	});
}

#[test]
fn root_schedules_upgrade_and_zero_delay_replaces_at_once() {
	build_and_execute(|| {
		let shard = shard(1);
		configure(shard, 1, 1);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(2, 1),
			5,
			0
		));
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard).and_then(|c| c.pending_upgrade),
			Some((6, config(2, 1)))
		);
		// A zero delay replaces the active config and drops the scheduled upgrade.
		configure(shard, 3, 2);
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard),
			Some(UpgradableShardConfig::new(config(3, 2)))
		);
		run_to_block(6);
		assert_eq!(EnclaveBridge::effective_shard_config(&shard), Some(config(3, 2)));
	});
}

#[test]
fn reached_upgrade_is_promoted_before_a_new_one_is_scheduled() {
	build_and_execute(|| {
		let shard = shard(1);
		configure(shard, 1, 1);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(2, 1),
			5,
			0
		));
		run_to_block(8);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(3, 1),
			5,
			0
		));
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard),
			Some(UpgradableShardConfig {
				active: config(2, 1),
				pending_upgrade: Some((13, config(3, 1))),
				grace_period: 0,
				retiring: None
			})
		);
	});
}

/// Root schedules a new build with a grace period: from the enactment block
/// both builds are members (the old one hands the shard over), and after
/// the grace the old build's duties are refused and it is pruned.
#[test]
fn during_the_grace_period_both_builds_are_members() {
	build_and_execute(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(2));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(2, 3),
			10,
			5
		));
		System::assert_last_event(
			Event::ShardConfigUpdated {
				shard,
				config: config(2, 3),
				enactment_block: 11,
				grace_period: 5,
			}
			.into(),
		);
		// Before the enactment only the old build.
		run_to_block(10);
		assert_noop!(confirm(&enclave(2), shard, 1, H256::zero()), Error::<Test>::WrongFingerprint);
		// From it, both, for 5 blocks: the old one keeps serving.
		run_to_block(11);
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		assert_ok!(confirm(&enclave(1), shard, 2, H256::zero()));
		assert_eq!(signers(shard), vec![enclave(1), enclave(2)]);
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard).and_then(|c| c.retiring),
			Some((fingerprint(1), 16))
		);
		run_to_block(15);
		assert_ok!(confirm(&enclave(1), shard, 3, H256::zero()));
		// After the grace the old build is refused, pruned, and the new one serves.
		run_to_block(16);
		assert_noop!(confirm(&enclave(1), shard, 4, H256::zero()), Error::<Test>::WrongFingerprint);
		assert_ok!(confirm(&enclave(2), shard, 2, H256::zero()));
		assert_eq!(signers(shard), vec![enclave(2)]);
		assert_eq!(ShardConfigRegistry::<Test>::get(shard).and_then(|c| c.retiring), None);
	});
}

/// A change at once with a grace period: the replaced build stays a member
/// for the grace; a change that keeps the build (only `max_instances`)
/// retires nothing.
#[test]
fn a_change_at_once_keeps_the_replaced_build_for_its_grace() {
	build_and_execute(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(2));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(1, 2),
			0,
			5
		));
		assert_eq!(ShardConfigRegistry::<Test>::get(shard).and_then(|c| c.retiring), None);
		assert_ok!(EnclaveBridge::update_shard_config(
			RuntimeOrigin::root(),
			shard,
			config(2, 2),
			0,
			3
		));
		assert_ok!(confirm(&enclave(1), shard, 2, H256::zero()));
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		run_to_block(4);
		assert_noop!(confirm(&enclave(1), shard, 3, H256::zero()), Error::<Test>::WrongFingerprint);
	});
}

// ---------------------------------------------------------------- deposits and removal

fn held(who: &AccountId) -> Balance {
	use polkadot_sdk::frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&RuntimeHoldReason::EnclaveBridge(HoldReason::ShardConfig), who)
}

/// The enclave that creates a shard pays for the configuration and key it
/// stores: it holds the deposit until they are removed.
#[test]
fn creating_a_shard_holds_a_deposit_until_its_configuration_is_removed() {
	build_and_execute(|| {
		register_enclave(&enclave(1), fingerprint(1));
		assert_ok!(create(1, shard(1), 2));
		assert_eq!(held(&enclave(1)), SHARD_CONFIG_DEPOSIT);
		assert_eq!(
			ShardConfigDeposits::<Test>::get(shard(1)),
			Some((enclave(1), SHARD_CONFIG_DEPOSIT))
		);
		// Root's changes keep the deposit where it is.
		configure_only(shard(1), 1, 3);
		assert_eq!(held(&enclave(1)), SHARD_CONFIG_DEPOSIT);

		assert_ok!(EnclaveBridge::leave_shard(RuntimeOrigin::signed(enclave(1)), shard(1)));
		assert_ok!(EnclaveBridge::remove_shard_config(RuntimeOrigin::signed(enclave(1)), shard(1)));
		assert_eq!(held(&enclave(1)), 0);
		assert_eq!(balance(&enclave(1)), INITIAL_BALANCE);
		assert_eq!(ShardConfigRegistry::<Test>::get(shard(1)), None);
		assert_eq!(ShardShieldingKeys::<Test>::get(shard(1)), None);
		assert_eq!(ShardConfigDeposits::<Test>::get(shard(1)), None);
		System::assert_last_event(
			Event::ShardConfigRemoved {
				shard: shard(1),
				deposit_returned: Some((enclave(1), SHARD_CONFIG_DEPOSIT)),
			}
			.into(),
		);
		// The shard can be created anew, with other secrets.
		register_enclave_with_key(&enclave(2), fingerprint(1), [2; 32]);
		assert_ok!(create(2, shard(1), 1));
		assert_eq!(ShardShieldingKeys::<Test>::get(shard(1)), Some([2; 32]));
	});
}

#[test]
fn an_enclave_that_cannot_hold_the_deposit_creates_nothing() {
	build_and_execute(|| {
		// enclave(9) has no funds.
		register_enclave(&enclave(9), fingerprint(1));
		assert_noop!(create(9, shard(1), 2), Error::<Test>::CannotHoldDeposit);
	});
}

/// Only root or the depositor removes a configuration, and only while
/// nobody uses the shard: a shard in use keeps its configuration.
#[test]
fn a_configuration_is_removed_by_root_or_its_depositor_from_an_unused_shard_only() {
	build_and_execute(|| {
		register_enclave(&enclave(1), fingerprint(1));
		register_enclave(&enclave(2), fingerprint(1));
		assert_ok!(create(1, shard(1), 2));
		let remove = |origin| EnclaveBridge::remove_shard_config(origin, shard(1));
		assert_noop!(remove(RuntimeOrigin::signed(enclave(2))), Error::<Test>::NotTheDepositor);
		assert_noop!(remove(RuntimeOrigin::none()), DispatchError::BadOrigin);
		assert_ok!(confirm(&enclave(2), shard(1), 1, H256::zero()));
		assert_noop!(remove(RuntimeOrigin::signed(enclave(1))), Error::<Test>::ShardInUse);
		assert_noop!(remove(RuntimeOrigin::root()), Error::<Test>::ShardInUse);
		for member in [enclave(1), enclave(2)] {
			assert_ok!(EnclaveBridge::purge_enclave_from_shard(
				RuntimeOrigin::root(),
				shard(1),
				member
			));
		}
		// Funds in the vault keep the shard in use too.
		shield(&alice(), shard(1), 100);
		assert_noop!(remove(RuntimeOrigin::signed(enclave(1))), Error::<Test>::ShardInUse);
	});
}

#[test]
fn root_removes_a_configuration_without_deposit() {
	build_and_execute(|| {
		configure(shard(1), 1, 2);
		assert_noop!(
			EnclaveBridge::remove_shard_config(RuntimeOrigin::signed(enclave(1)), shard(1)),
			Error::<Test>::NotTheDepositor
		);
		assert_ok!(EnclaveBridge::remove_shard_config(RuntimeOrigin::root(), shard(1)));
		System::assert_last_event(
			Event::ShardConfigRemoved { shard: shard(1), deposit_returned: None }.into(),
		);
		assert_eq!(ShardShieldingKeys::<Test>::get(shard(1)), None);
		assert_noop!(
			EnclaveBridge::remove_shard_config(RuntimeOrigin::root(), shard(1)),
			Error::<Test>::ShardNotInitialized
		);
	});
}

//! Who is a member of a shard: registration, fingerprint, room, and leaving.

use super::*;

#[test]
fn membership_returns_fingerprint() {
	build_and_execute(|| {
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
	build_and_execute(|| {
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

/// An enclave that leaves the registry leaves every shard at once, with its
/// confirmations, and frees its slots.
#[test]
fn unregistered_signers_leave_all_their_shards_and_free_their_slots() {
	build_and_execute(|| {
		configure(shard(1), 1, 2);
		configure(shard(2), 1, 2);
		for n in 1..=3 {
			register_enclave(&enclave(n), fingerprint(1));
		}
		for shard in [shard(1), shard(2)] {
			assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
			assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		}
		assert_eq!(EnclaveShards::<Test>::get(enclave(1)).into_inner(), vec![shard(1), shard(2)]);
		unregister_enclave(&enclave(1));
		for shard in [shard(1), shard(2)] {
			assert_eq!(signers(shard), vec![enclave(2)]);
			assert_eq!(LastProcessedParentchainBlock::<Test>::get(shard, enclave(1)), None);
		}
		assert!(EnclaveShards::<Test>::get(enclave(1)).is_empty());
		assert_ok!(confirm(&enclave(3), shard(1), 1, H256::zero()));
		assert_eq!(signers(shard(1)), vec![enclave(2), enclave(3)]);
	});
}

/// A member pruned because it runs other code (or expired) takes its
/// confirmation along: confirmations belong to members only.
#[test]
fn a_pruned_member_takes_its_confirmation_along() {
	build_and_execute(|| {
		configure(shard(1), 1, 2);
		register_enclave(&enclave(1), fingerprint(1));
		register_enclave(&enclave(2), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard(1), 5, H256::repeat_byte(5)));
		assert_ok!(confirm(&enclave(2), shard(1), 5, H256::repeat_byte(5)));
		register_enclave(&enclave(1), fingerprint(2));
		assert_ok!(confirm(&enclave(2), shard(1), 6, H256::repeat_byte(6)));
		assert_eq!(signers(shard(1)), vec![enclave(2)]);
		assert_eq!(LastProcessedParentchainBlock::<Test>::get(shard(1), enclave(1)), None);
		assert!(EnclaveShards::<Test>::get(enclave(1)).is_empty());
		// Back on the shard's code it joins again, from no confirmation.
		register_enclave(&enclave(1), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard(1), 2, H256::repeat_byte(2)));
		assert_eq!(signers(shard(1)), vec![enclave(2), enclave(1)]);
	});
}

/// An enclave is a member of at most `MaxShardsPerEnclave` shards; the
/// refusal writes nothing.
#[test]
fn an_enclave_in_as_many_shards_as_allowed_joins_no_other() {
	build_and_execute(|| {
		register_enclave(&enclave(1), fingerprint(1));
		for n in 1..=MAX_SHARDS_PER_ENCLAVE as u8 + 1 {
			configure(shard(n), 1, 2);
		}
		for n in 1..=MAX_SHARDS_PER_ENCLAVE as u8 {
			assert_ok!(confirm(&enclave(1), shard(n), 1, H256::zero()));
		}
		let beyond = shard(MAX_SHARDS_PER_ENCLAVE as u8 + 1);
		assert_noop!(confirm(&enclave(1), beyond, 1, H256::zero()), Error::<Test>::TooManyShards);
		// Leaving one makes room.
		assert_ok!(EnclaveBridge::purge_enclave_from_shard(
			RuntimeOrigin::root(),
			shard(1),
			enclave(1)
		));
		assert_ok!(confirm(&enclave(1), beyond, 1, H256::zero()));
	});
}

#[test]
fn expired_signers_are_pruned() {
	build_and_execute(|| {
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
	build_and_execute(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		register_enclave(&enclave(1), fingerprint(9));
		assert_noop!(confirm(&enclave(1), shard, 2, H256::zero()), Error::<Test>::WrongFingerprint);
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		assert_eq!(signers(shard), vec![enclave(2)]);
	});
}

/// A shard named after a fingerprint, in use before shards stored their
/// configuration when created (storage version 1), is configured
/// implicitly for that fingerprint and `MaxInstancesLimit` members.
#[test]
fn shard_named_after_fingerprint_is_implicitly_configured() {
	build_and_execute(|| {
		let mrenclave = fingerprint(4);
		// As the migration to version 2 leaves such a shard.
		ShardShieldingKeys::<Test>::insert(mrenclave, SHARD_KEY);
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
	build_and_execute(|| {
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

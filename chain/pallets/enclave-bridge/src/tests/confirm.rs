//! Confirmations of processed parent-chain blocks: by members, never going back.

use super::*;

#[test]
fn confirm_by_enclave_of_shard_works() {
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
		let shard = setup_shard_with_enclave();
		assert_noop!(
			confirm(&alice(), shard, 1, H256::zero()),
			Error::<Test>::EnclaveNotRegistered
		);
	});
}

#[test]
fn confirm_refuses_unconfigured_shard() {
	build_and_execute(|| {
		register_enclave(&enclave(1), fingerprint(1));
		assert_noop!(
			confirm(&enclave(1), shard(7), 1, H256::zero()),
			Error::<Test>::ShardNotInitialized
		);
	});
}

#[test]
fn confirm_refuses_enclave_of_another_shard() {
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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

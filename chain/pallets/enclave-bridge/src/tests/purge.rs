//! Root purges a member from a shard.

use super::*;

#[test]
fn purge_removes_signer_and_frees_its_slot() {
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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
	build_and_execute(|| {
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

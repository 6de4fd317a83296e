//! Creating a shard, its shielding key, and members leaving on their own.

use super::*;

fn key_of(shard: ShardIdentifier) -> Option<[u8; 32]> {
	ShardShieldingKeys::<Test>::get(shard)
}

/// The first member creates the shard: the chain records the shielding key
/// it registered, stores a configuration for its code, and it joins.
#[test]
fn an_enclave_creates_a_shard_with_its_shielding_key_and_joins() {
	build_and_execute(|| {
		register_enclave_with_key(&enclave(1), fingerprint(1), [1; 32]);
		assert_ok!(create(1, shard(1), 2));
		assert_eq!(key_of(shard(1)), Some([1; 32]));
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard(1)),
			Some(UpgradableShardConfig::new(config(1, 2)))
		);
		assert_eq!(signers(shard(1)), vec![enclave(1)]);
		System::assert_last_event(
			Event::ShardCreated {
				shard: shard(1),
				creator: enclave(1),
				shielding_key_hash: [1; 32],
			}
			.into(),
		);
		assert_ok!(confirm(&enclave(1), shard(1), 1, H256::zero()));
	});
}

/// Three enclaves of one build start for a new shard at once, each with
/// its own keys: the first creation wins, the others are refused and
/// become members only once they registered the shard's key (after a
/// member provisioned them).
#[test]
fn the_first_creation_wins_and_the_others_join_with_the_shards_key() {
	build_and_execute(|| {
		for n in 1..=3 {
			register_enclave_with_key(&enclave(n), fingerprint(1), [n; 32]);
		}
		assert_ok!(create(2, shard(1), 3));
		for n in [1, 3] {
			assert_noop!(create(n, shard(1), 3), Error::<Test>::ShardAlreadyCreated);
			assert_noop!(
				confirm(&enclave(n), shard(1), 1, H256::zero()),
				Error::<Test>::WrongShieldingKey
			);
		}
		assert_eq!(key_of(shard(1)), Some([2; 32]));
		// Provisioned with the shard's secrets, they register again.
		for n in [1, 3] {
			register_enclave_with_key(&enclave(n), fingerprint(1), [2; 32]);
			assert_ok!(confirm(&enclave(n), shard(1), 1, H256::zero()));
		}
		assert_eq!(signers(shard(1)), vec![enclave(2), enclave(1), enclave(3)]);
	});
}

/// A configuration root stored is kept, and decides who may create the
/// shard.
#[test]
fn a_shard_root_configured_is_created_by_an_enclave_it_allows() {
	build_and_execute(|| {
		configure_only(shard(1), 1, 2);
		register_enclave(&enclave(1), fingerprint(1));
		register_enclave(&enclave(2), fingerprint(2));
		assert_noop!(
			confirm(&enclave(1), shard(1), 1, H256::zero()),
			Error::<Test>::ShardNotCreated
		);
		assert_noop!(create(2, shard(1), 3), Error::<Test>::WrongFingerprint);
		assert_ok!(create(1, shard(1), 3));
		assert_eq!(EnclaveBridge::effective_shard_config(&shard(1)), Some(config(1, 2)));
		assert_eq!(key_of(shard(1)), Some(SHARD_KEY));
	});
}

/// An enclave creates the shard named after its own fingerprint; the
/// configuration is stored from then on.
#[test]
fn an_enclave_creates_the_shard_named_after_its_fingerprint() {
	build_and_execute(|| {
		let mrenclave = fingerprint(4);
		register_enclave(&enclave(1), mrenclave);
		assert_noop!(
			confirm(&enclave(1), mrenclave, 1, H256::zero()),
			Error::<Test>::ShardNotCreated
		);
		assert_ok!(create(1, mrenclave, 1));
		assert_eq!(
			EnclaveBridge::effective_shard_config(&mrenclave),
			Some(ShardConfig { enclave_fingerprint: mrenclave, max_instances: 1 })
		);
	});
}

#[test]
fn create_refuses_strangers_shards_in_use_and_invalid_max_instances() {
	build_and_execute(|| {
		assert_noop!(create(1, shard(1), 1), Error::<Test>::EnclaveNotRegistered);
		assert_noop!(
			EnclaveBridge::create_shard(RuntimeOrigin::root(), shard(1), 1),
			DispatchError::BadOrigin
		);
		register_enclave(&enclave(1), fingerprint(1));
		for max_instances in [0, MAX_INSTANCES_LIMIT + 1] {
			assert_noop!(create(1, shard(1), max_instances), Error::<Test>::InvalidMaxInstances);
		}
		// Funds wait in the vault of a shard nobody configured: the creator
		// would pick who pays them out. Root decides.
		shield(&alice(), shard(1), 100);
		assert_noop!(create(1, shard(1), 1), Error::<Test>::ShardInUse);
		configure_only(shard(1), 1, 1);
		assert_ok!(create(1, shard(1), 1));
	});
}

/// Anyone can shield into any shard: funds waiting in the vault of a shard
/// whose code is decided (by its name, or by root) do not keep its first
/// member from creating it.
#[test]
fn funds_waiting_in_a_shard_named_after_the_creators_code_do_not_block_it() {
	build_and_execute(|| {
		let mrenclave = fingerprint(4);
		shield(&alice(), mrenclave, 100);
		register_enclave(&enclave(2), fingerprint(5));
		assert_noop!(create(2, mrenclave, 1), Error::<Test>::ShardInUse);
		register_enclave(&enclave(1), mrenclave);
		assert_ok!(create(1, mrenclave, 1));
	});
}

/// A member that registers another shielding key (it made new secrets)
/// leaves the shard at the next membership check, with its confirmation.
#[test]
fn a_member_that_registers_another_key_leaves_the_shard() {
	build_and_execute(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		register_enclave_with_key(&enclave(1), fingerprint(1), [9; 32]);
		assert_ok!(confirm(&enclave(2), shard, 2, H256::zero()));
		assert_eq!(signers(shard), vec![enclave(2)]);
		assert_eq!(LastProcessedParentchainBlock::<Test>::get(shard, enclave(1)), None);
		assert_noop!(
			confirm(&enclave(1), shard, 2, H256::zero()),
			Error::<Test>::WrongShieldingKey
		);
	});
}

/// A member leaves on its own: its slot and confirmation go, and the next
/// member serves.
#[test]
fn a_member_leaves_the_shard_on_its_own() {
	build_and_execute(|| {
		let shard = setup_shard_with_enclave();
		register_enclave(&enclave(2), fingerprint(1));
		assert_ok!(confirm(&enclave(1), shard, 1, H256::zero()));
		assert_ok!(confirm(&enclave(2), shard, 1, H256::zero()));
		assert_ok!(EnclaveBridge::leave_shard(RuntimeOrigin::signed(enclave(1)), shard));
		System::assert_last_event(Event::EnclaveLeftShard { shard, signer: enclave(1) }.into());
		assert_eq!(signers(shard), vec![enclave(2)]);
		assert_eq!(LastProcessedParentchainBlock::<Test>::get(shard, enclave(1)), None);
		assert!(EnclaveShards::<Test>::get(enclave(1)).is_empty());
		assert_ok!(<EnclaveBridge as ShardMembership<AccountId>>::ensure_serving_member_and_touch(
			&enclave(2),
			&shard
		));
		for who in [enclave(1), alice()] {
			assert_noop!(
				EnclaveBridge::leave_shard(RuntimeOrigin::signed(who), shard),
				Error::<Test>::NotAShardSigner
			);
		}
		// The shard and its key stay for the remaining member.
		assert_eq!(key_of(shard), Some(SHARD_KEY));
	});
}

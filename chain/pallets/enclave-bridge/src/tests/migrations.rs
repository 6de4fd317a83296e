//! Storage migrations, run on mock storage in the layout they migrate from.

use super::*;
use crate::migrations::{v1, v2, v3, MigrateV0ToV1, MigrateV1ToV2, MigrateV2ToV3};
use codec::Encode;
use polkadot_sdk::frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

fn status(who: &AccountId) -> ShardSignerStatus<AccountId, u64> {
	ShardSignerStatus { signer: who.clone(), fingerprint: fingerprint(1), last_activity: 1 }
}

/// Version 0 left members that left the registry in their shards, kept
/// confirmations of enclaves that were no longer members, and had no index
/// of a member's shards. The migration fixes all three, once.
#[test]
fn v1_indexes_members_and_drops_what_version_0_left_behind() {
	new_test_ext().execute_with(|| {
		StorageVersion::new(0).put::<EnclaveBridge>();
		configure(shard(1), 1, 3);
		configure(shard(2), 1, 3);
		configure(shard(3), 1, 3);
		register_enclave(&enclave(1), fingerprint(1));
		register_enclave(&enclave(2), fingerprint(1));
		// enclave(3) left the registry; version 0 kept it as a member.
		let members = |list: &[AccountId]| {
			ShardSignersOf::<Test>::try_from(list.iter().map(status).collect::<Vec<_>>()).unwrap()
		};
		ShardStatus::<Test>::insert(shard(1), members(&[enclave(1), enclave(3)]));
		ShardStatus::<Test>::insert(shard(2), members(&[enclave(1), enclave(2)]));
		// enclave(1) in more shards than allowed (MAX_SHARDS_PER_ENCLAVE = 2).
		ShardStatus::<Test>::insert(shard(3), members(&[enclave(1)]));
		for (shard, who) in [(shard(1), 1), (shard(1), 3), (shard(2), 2), (shard(2), 4)] {
			LastProcessedParentchainBlock::<Test>::insert(shard, enclave(who), (1, H256::zero()));
		}
		assert!(v1::check::<Test>().is_err(), "version 0 storage breaks the invariants");

		MigrateV0ToV1::<Test>::on_runtime_upgrade();

		assert_eq!(EnclaveBridge::on_chain_storage_version(), 1);
		assert_eq!(signers(shard(1)), vec![enclave(1)]);
		assert_eq!(signers(shard(2)), vec![enclave(1), enclave(2)]);
		assert_eq!(signers(shard(3)), Vec::<AccountId>::new());
		assert_eq!(EnclaveShards::<Test>::get(enclave(1)).into_inner(), vec![shard(1), shard(2)]);
		assert_eq!(EnclaveShards::<Test>::get(enclave(2)).into_inner(), vec![shard(2)]);
		let kept: Vec<_> = LastProcessedParentchainBlock::<Test>::iter_keys().collect();
		assert_eq!(kept.len(), 2);
		assert!(kept.contains(&(shard(1), enclave(1))) && kept.contains(&(shard(2), enclave(2))));
		assert_ok!(v1::check::<Test>());

		// Once migrated, it does not run again.
		ShardStatus::<Test>::insert(shard(3), members(&[enclave(3)]));
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(signers(shard(3)), vec![enclave(3)]);
	});
}

/// `who` a member of `shard` as version 1 kept it: in the shard's signers,
/// in its index, with a confirmation.
fn join_v1(shard: ShardIdentifier, who: &AccountId) {
	ShardStatus::<Test>::mutate(shard, |signers| signers.try_push(status(who)).unwrap());
	EnclaveShards::<Test>::mutate(who, |shards| shards.try_push(shard).unwrap());
	LastProcessedParentchainBlock::<Test>::insert(shard, who, (1, H256::zero()));
}

/// Version 1 had no shard keys: each enclave had its own. A shard in use
/// gets its serving member's key; members with another key, or an expired
/// registration, leave; shards nobody uses get none (their first member
/// creates it).
#[test]
fn v2_records_the_serving_members_key_and_removes_members_with_another() {
	new_test_ext().execute_with(|| {
		StorageVersion::new(1).put::<EnclaveBridge>();
		for n in 1..=4 {
			configure_only(shard(n), 1, 3);
		}
		// enclave(3) registered first: it expires before the others.
		register_enclave_with_key(&enclave(3), fingerprint(1), [3; 32]);
		set_time(START_MS + RENEWAL_PERIOD_MS / 2);
		register_enclave_with_key(&enclave(1), fingerprint(1), [1; 32]);
		register_enclave_with_key(&enclave(2), fingerprint(1), [2; 32]);
		set_time(START_MS + RENEWAL_PERIOD_MS + 1);
		for (shard, who) in
			[(shard(1), 3), (shard(1), 1), (shard(1), 2), (shard(2), 2), (shard(3), 3)]
		{
			join_v1(shard, &enclave(who));
		}
		assert_ok!(v1::check::<Test>());
		assert!(v2::check::<Test>().is_err(), "version 1 storage has no shard keys");

		MigrateV1ToV2::<Test>::on_runtime_upgrade();

		assert_eq!(EnclaveBridge::on_chain_storage_version(), 2);
		assert_eq!(ShardShieldingKeys::<Test>::get(shard(1)), Some([1; 32]));
		assert_eq!(signers(shard(1)), vec![enclave(1)]);
		assert_eq!(ShardShieldingKeys::<Test>::get(shard(2)), Some([2; 32]));
		assert_eq!(signers(shard(2)), vec![enclave(2)]);
		// Only an expired member: nobody holds a current key.
		assert_eq!(ShardShieldingKeys::<Test>::get(shard(3)), None);
		assert!(signers(shard(3)).is_empty());
		assert_eq!(ShardShieldingKeys::<Test>::get(shard(4)), None);
		assert!(EnclaveShards::<Test>::get(enclave(3)).is_empty());
		assert_eq!(EnclaveShards::<Test>::get(enclave(2)).into_inner(), vec![shard(2)]);
		assert_eq!(LastProcessedParentchainBlock::<Test>::iter_keys().count(), 2);
		assert_ok!(v2::check::<Test>());

		// Once migrated, it does not run again.
		join_v1(shard(4), &enclave(1));
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(ShardShieldingKeys::<Test>::get(shard(4)), None);
	});
}

/// Version 2 stored a configuration as its active code and scheduled
/// upgrade only; version 3 adds the grace period (none) and the retiring
/// code (none), keeping both.
#[test]
fn v3_keeps_configurations_and_adds_no_grace() {
	new_test_ext().execute_with(|| {
		StorageVersion::new(2).put::<EnclaveBridge>();
		let upgrade: Option<(u64, ShardConfig)> = Some((9, config(2, 1)));
		let stored_v2 = (config(1, 2), upgrade.clone()).encode();
		let key = ShardConfigRegistry::<Test>::hashed_key_for(shard(1));
		polkadot_sdk::frame_support::storage::unhashed::put_raw(&key, &stored_v2);

		MigrateV2ToV3::<Test>::on_runtime_upgrade();

		assert_eq!(EnclaveBridge::on_chain_storage_version(), 3);
		assert_eq!(
			ShardConfigRegistry::<Test>::get(shard(1)),
			Some(UpgradableShardConfig {
				active: config(1, 2),
				pending_upgrade: upgrade,
				grace_period: 0,
				retiring: None,
			})
		);
		assert_ok!(v3::check::<Test>());
		// Once migrated, it does not run again.
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert!(ShardConfigRegistry::<Test>::get(shard(1)).is_some());
	});
}

#[test]
fn genesis_stores_the_in_code_storage_version() {
	build_and_execute(|| {
		assert_eq!(EnclaveBridge::on_chain_storage_version(), crate::STORAGE_VERSION);
	});
}

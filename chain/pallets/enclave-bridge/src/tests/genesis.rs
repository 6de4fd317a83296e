//! Shard configurations at genesis.

use super::*;

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
			Some(UpgradableShardConfig::new(config(1, 2)))
		);
		assert_ok!(EnclaveBridge::do_try_state());
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

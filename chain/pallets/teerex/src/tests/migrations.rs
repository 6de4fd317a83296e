//! The storage migrations, from storage written in the old layout.

use super::*;
use crate::migrations::{v1, MigrateV0ToV1};
use polkadot_sdk::{
	frame_support::{
		storage_alias,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
		Blake2_128Concat,
	},
	sp_io,
	sp_runtime::StateVersion,
};

mod v0 {
	use super::*;

	/// TCB info as version 0 stored it: a plain map (no counter) under the
	/// same prefix (the alias's name is the storage's) and keys.
	#[storage_alias]
	pub type TcbInfo<T: crate::Config> =
		StorageMap<crate::Pallet<T>, Blake2_128Concat, Fmspc, StoredCollateral<T>>;
}

fn old_entry(n: u8) -> (Fmspc, StoredCollateral<Test>) {
	let fmspc = [0x30, 0, 0, 0, 0, n];
	(fmspc, stored(&verified(CollateralKind::TcbInfo, Some(fmspc), NOW_MS - 10)))
}

#[test]
fn a_new_chain_starts_at_the_current_version() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Teerex::on_chain_storage_version(), crate::STORAGE_VERSION);
		assert_eq!(crate::STORAGE_VERSION, StorageVersion::new(1));
	});
}

#[test]
fn v0_to_v1_counts_the_tcb_info_once() {
	ExtBuilder::default().build_and_execute(|| {
		// Version 0: entries without a counter.
		StorageVersion::new(0).put::<Teerex>();
		for n in 0..3 {
			let (fmspc, entry) = old_entry(n);
			v0::TcbInfo::<Test>::insert(fmspc, entry);
		}
		assert_eq!(TcbInfo::<Test>::count(), 0);
		assert!(Teerex::do_try_state().is_err(), "the uncounted entries are noticed");
		let entries_before = v1::tcb_info_entries::<Test>();
		assert_eq!(entries_before, 3);

		let weight = MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert!(weight.ref_time() > 0);
		assert_eq!(TcbInfo::<Test>::count(), 3);
		assert_eq!(Teerex::on_chain_storage_version(), StorageVersion::new(1));
		assert_ok!(v1::check_counted::<Test>(entries_before));
		assert_ok!(Teerex::do_try_state());
		// The entries read as before, through the counted map.
		let (fmspc, entry) = old_entry(1);
		assert_eq!(TcbInfo::<Test>::get(fmspc), Some(entry));

		// Again: nothing happens.
		let root = sp_io::storage::root(StateVersion::V1);
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(sp_io::storage::root(StateVersion::V1), root);
	});
}

#[test]
fn v0_to_v1_on_an_empty_map() {
	ExtBuilder::default().build_and_execute(|| {
		StorageVersion::new(0).put::<Teerex>();
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(TcbInfo::<Test>::count(), 0);
		assert_eq!(Teerex::on_chain_storage_version(), StorageVersion::new(1));
	});
}

/// The post-upgrade check fails when the counter does not count the
/// entries there were.
#[test]
fn the_post_upgrade_check_notices_a_wrong_count() {
	ExtBuilder::default().build_and_execute(|| {
		let (fmspc, entry) = old_entry(0);
		v0::TcbInfo::<Test>::insert(fmspc, entry);
		assert!(v1::check_counted::<Test>(1).is_err(), "the counter is not set");
		assert!(v1::check_counted::<Test>(2).is_err(), "an entry went missing");
		TcbInfo::<Test>::initialize_counter();
		assert_ok!(v1::check_counted::<Test>(1));
	});
}

#[cfg(feature = "try-runtime")]
#[test]
fn the_try_runtime_hooks_pass_around_the_migration() {
	ExtBuilder::default().build_and_execute(|| {
		StorageVersion::new(0).put::<Teerex>();
		let (fmspc, entry) = old_entry(0);
		v0::TcbInfo::<Test>::insert(fmspc, entry);
		let state = MigrateV0ToV1::<Test>::pre_upgrade().expect("pre_upgrade");
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_ok!(MigrateV0ToV1::<Test>::post_upgrade(state));
	});
}

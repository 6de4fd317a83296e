//! Who anchors: a signed member that serves the shard, as the shard
//! membership decides; its refusals become this pallet's errors, and a
//! refused call records no activity.

use super::*;
use crate::Error;
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::DispatchError,
};

#[test]
fn unsigned_and_root_origins_are_refused() {
	build_and_execute(|| {
		setup();
		for origin in [RuntimeOrigin::none(), RuntimeOrigin::root()] {
			assert_noop!(
				Sidechain::confirm_imported_sidechain_block(origin, shard(1), None, block(1, 0)),
				DispatchError::BadOrigin
			);
		}
	});
}

/// Until several members share a shard's work, only the serving member
/// anchors: a second member cannot anchor beside it.
#[test]
fn only_the_serving_member_anchors() {
	build_and_execute(|| {
		setup();
		assert_ok!(confirm(1, shard(1), None, block(10, 0)));
		assert_noop!(
			confirm(2, shard(1), Some(block(10, 0)), block(20, 0)),
			Error::<Test>::NotServingMember
		);
		// Once the membership names it first, it serves.
		set_members(shard(1), &[2]);
		assert_ok!(confirm(2, shard(1), Some(block(10, 0)), block(20, 0)));
		System::assert_last_event(finalized_event(shard(1), 2, block(20, 0)));
	});
}

#[test]
fn membership_refusals_become_the_pallets_errors() {
	build_and_execute(|| {
		setup();
		let cases = [
			(Refusal::EnclaveNotRegistered, Error::<Test>::EnclaveNotRegistered),
			(Refusal::ShardNotInitialized, Error::<Test>::ShardNotInitialized),
			(Refusal::WrongFingerprint, Error::<Test>::WrongFingerprint),
			(Refusal::TooManyInstances, Error::<Test>::TooManyInstances),
			(Refusal::TooManyShards, Error::<Test>::TooManyShards),
		];
		for (who, (refusal, error)) in (10..).zip(cases) {
			set_members(shard(1), &[who]);
			refuse(who, refusal);
			assert_noop!(confirm(who, shard(1), None, block(1, 0)), error);
		}
		// A shard the membership does not know.
		assert_noop!(confirm(1, shard(7), None, block(1, 0)), Error::<Test>::ShardNotInitialized);
	});
}

/// The membership check records the signer's activity before the ancestry
/// is checked; a refused confirmation rolls that back.
#[test]
fn refused_confirmation_records_no_activity() {
	build_and_execute(|| {
		setup();
		assert_ok!(confirm(1, shard(1), None, block(10, 0)));
		assert_noop!(confirm(1, shard(1), None, block(20, 0)), Error::<Test>::AncestorMissing);
		assert_noop!(
			confirm(2, shard(1), Some(block(10, 0)), block(20, 0)),
			Error::<Test>::NotServingMember
		);
		assert_eq!((touches(1), touches(2)), (1, 0));
	});
}

//! Anchors extend the shard's line: the first without an ancestor, every
//! later one naming the stored anchor and a higher number; root resets.

use super::*;
use crate::Error;
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_core::H256,
	sp_runtime::DispatchError,
};

#[test]
fn first_confirmation_without_ancestor_is_stored() {
	build_and_execute(|| {
		setup();
		assert_ok!(confirm(1, shard(1), None, block(10, 0)));
		assert_eq!(latest(shard(1)), Some(block(10, 0)));
		System::assert_last_event(finalized_event(shard(1), 1, block(10, 0)));
		assert_eq!(touches(1), 1);
	});
}

#[test]
fn resending_the_stored_confirmation_is_a_no_op() {
	build_and_execute(|| {
		setup();
		assert_ok!(confirm(1, shard(1), None, block(10, 0)));
		assert_ok!(confirm(1, shard(1), Some(block(10, 0)), block(20, 0)));
		let events = System::events().len();
		// A retry of the landed confirmation, whatever ancestor it names.
		assert_ok!(confirm(1, shard(1), Some(block(10, 0)), block(20, 0)));
		assert_ok!(confirm(1, shard(1), None, block(20, 0)));
		assert_eq!(System::events().len(), events, "a no-op emits nothing");
		assert_eq!(latest(shard(1)), Some(block(20, 0)));
		// Another block of that height is still refused.
		assert_noop!(
			confirm(1, shard(1), Some(block(20, 0)), block(20, 1)),
			Error::<Test>::BlockNumberNotAdvancing
		);
	});
}

#[test]
fn shards_are_independent() {
	build_and_execute(|| {
		setup();
		assert_ok!(confirm(1, shard(1), None, block(10, 0)));
		// Shard 2 has no confirmation yet: its first one takes no ancestor,
		// even though shard 1 has one, and may have a lower number.
		assert_noop!(
			confirm(3, shard(2), Some(block(10, 0)), block(11, 0)),
			Error::<Test>::UnexpectedAncestor
		);
		assert_ok!(confirm(3, shard(2), None, block(5, 2)));
		// Each shard is extended from its own latest confirmation only.
		assert_noop!(
			confirm(1, shard(1), Some(block(5, 2)), block(12, 0)),
			Error::<Test>::AncestorMismatch
		);
		assert_ok!(confirm(3, shard(2), Some(block(5, 2)), block(6, 2)));
		assert_eq!(latest(shard(1)), Some(block(10, 0)));
		assert_eq!(latest(shard(2)), Some(block(6, 2)));
	});
}

#[test]
fn first_confirmation_with_ancestor_is_refused() {
	build_and_execute(|| {
		setup();
		assert_noop!(
			confirm(1, shard(1), Some(block(9, 0)), block(10, 0)),
			Error::<Test>::UnexpectedAncestor
		);
	});
}

#[test]
fn later_confirmation_without_ancestor_is_refused() {
	build_and_execute(|| {
		setup();
		assert_ok!(confirm(1, shard(1), None, block(10, 0)));
		// The serving member may not restart the chain.
		assert_noop!(confirm(1, shard(1), None, block(20, 0)), Error::<Test>::AncestorMissing);
		assert_eq!(latest(shard(1)), Some(block(10, 0)));
	});
}

#[test]
fn stale_or_mismatching_ancestor_is_refused() {
	build_and_execute(|| {
		setup();
		assert_ok!(confirm(1, shard(1), None, block(10, 0)));
		assert_ok!(confirm(1, shard(1), Some(block(10, 0)), block(20, 0)));
		let wrong_number = SidechainBlockConfirmation {
			block_number: 21,
			block_header_hash: block(20, 0).block_header_hash,
		};
		for ancestor in [
			block(10, 0), // stale: an older anchor of the line
			block(20, 1), // right number, wrong hash (a fork)
			wrong_number, // right hash, wrong number
			block(25, 0), // a future block
		] {
			assert_noop!(
				confirm(1, shard(1), Some(ancestor), block(30, 0)),
				Error::<Test>::AncestorMismatch
			);
		}
		assert_eq!(latest(shard(1)), Some(block(20, 0)));
	});
}

#[test]
fn non_advancing_block_number_is_refused() {
	build_and_execute(|| {
		setup();
		assert_ok!(confirm(1, shard(1), None, block(10, 0)));
		for candidate in [block(10, 1), block(9, 0)] {
			assert_noop!(
				confirm(1, shard(1), Some(block(10, 0)), candidate),
				Error::<Test>::BlockNumberNotAdvancing
			);
		}
		assert_eq!(latest(shard(1)), Some(block(10, 0)));
	});
}

/// Block 0 is the sidechain's genesis, which no worker anchors; an anchor
/// without a hash names no block. Neither a member nor root stores one.
#[test]
fn the_genesis_or_a_hashless_block_is_never_anchored() {
	build_and_execute(|| {
		setup();
		let hashless =
			SidechainBlockConfirmation { block_number: 5, block_header_hash: H256::zero() };
		for anchor in [block(0, 1), hashless] {
			assert_noop!(confirm(1, shard(1), None, anchor), Error::<Test>::NotACommittedBlock);
			assert_noop!(
				Sidechain::reset_sidechain_anchor(RuntimeOrigin::root(), shard(1), Some(anchor)),
				Error::<Test>::NotACommittedBlock
			);
		}
	});
}

/// Root resets a bogus anchor (which would otherwise halt the shard for
/// good: every confirmation must extend it); nobody else can.
#[test]
fn root_resets_a_bogus_anchor() {
	build_and_execute(|| {
		setup();
		assert_ok!(confirm(1, shard(1), None, block(1_000_000, 9)));
		let reset = |origin, anchor| Sidechain::reset_sidechain_anchor(origin, shard(1), anchor);
		for origin in [RuntimeOrigin::signed(1), RuntimeOrigin::none()] {
			assert_noop!(reset(origin, None), DispatchError::BadOrigin);
		}
		assert_ok!(reset(RuntimeOrigin::root(), Some(block(10, 0))));
		System::assert_last_event(RuntimeEvent::Sidechain(Event::SidechainAnchorReset {
			shard: shard(1),
			anchor: Some(block(10, 0)),
		}));
		assert_ok!(confirm(1, shard(1), Some(block(10, 0)), block(11, 0)));
		assert_ok!(reset(RuntimeOrigin::root(), None));
		assert_eq!(latest(shard(1)), None);
		assert_ok!(confirm(1, shard(1), None, block(12, 0)));
	});
}

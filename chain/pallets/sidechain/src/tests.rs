use crate::{mock::*, Error, Event, LatestSidechainBlockConfirmation};
use integritee_primitives::{ShardIdentifier, SidechainBlockConfirmation};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::DispatchError,
};

const F1: u8 = 1;
const F2: u8 = 2;

fn confirm(
	who: &AccountId,
	shard: ShardIdentifier,
	ancestor: Option<SidechainBlockConfirmation>,
	candidate: SidechainBlockConfirmation,
) -> polkadot_sdk::frame_support::dispatch::DispatchResult {
	Sidechain::confirm_imported_sidechain_block(
		RuntimeOrigin::signed(who.clone()),
		shard,
		ancestor,
		candidate,
	)
}

fn finalized_event(
	shard: ShardIdentifier,
	signer: &AccountId,
	candidate: SidechainBlockConfirmation,
) -> RuntimeEvent {
	RuntimeEvent::Sidechain(Event::FinalizedSidechainBlock {
		shard,
		signer: signer.clone(),
		block_number: candidate.block_number,
		block_header_hash: candidate.block_header_hash,
	})
}

fn latest(shard: ShardIdentifier) -> Option<SidechainBlockConfirmation> {
	LatestSidechainBlockConfirmation::<Test>::get(shard)
}

fn active_signers(shard: ShardIdentifier) -> Vec<AccountId> {
	pallet_enclave_bridge::ShardStatus::<Test>::get(shard)
		.into_iter()
		.map(|status| status.signer)
		.collect()
}

/// Shard 1 served by up to three enclaves with fingerprint F1; enclaves
/// `account(1)` and `account(2)` registered with F1, `account(3)` with F2.
fn setup() {
	configure_shard(shard(1), fingerprint(F1), MAX_INSTANCES_LIMIT);
	register_enclave(&account(1), fingerprint(F1));
	register_enclave(&account(2), fingerprint(F1));
	register_enclave(&account(3), fingerprint(F2));
}

// ---------------------------------------------------------------------------
// Success
// ---------------------------------------------------------------------------

#[test]
fn first_confirmation_without_ancestor_is_stored() {
	new_test_ext().execute_with(|| {
		setup();
		assert_eq!(latest(shard(1)), None);

		assert_ok!(confirm(&account(1), shard(1), None, block(10, 0)));

		assert_eq!(latest(shard(1)), Some(block(10, 0)));
		assert_eq!(Sidechain::latest_confirmation(&shard(1)), Some(block(10, 0)));
		System::assert_last_event(finalized_event(shard(1), &account(1), block(10, 0)));
		// The membership check recorded the signer as active in the shard.
		assert_eq!(active_signers(shard(1)), vec![account(1)]);
	});
}

/// A retried confirmation whose first extrinsic landed: the stored one sent
/// again succeeds and changes nothing (no event, same storage), whatever
/// ancestor it names; another block at the same height is still refused.
#[test]
fn resending_the_stored_confirmation_is_a_no_op() {
	new_test_ext().execute_with(|| {
		setup();
		assert_ok!(confirm(&account(1), shard(1), None, block(10, 0)));
		assert_ok!(confirm(&account(1), shard(1), Some(block(10, 0)), block(20, 0)));
		let events = System::events().len();
		assert_ok!(confirm(&account(1), shard(1), Some(block(10, 0)), block(20, 0)));
		assert_ok!(confirm(&account(1), shard(1), None, block(20, 0)));
		assert_eq!(System::events().len(), events, "no event for a resend");
		assert_eq!(latest(shard(1)), Some(block(20, 0)));
		assert_noop!(
			confirm(&account(1), shard(1), Some(block(10, 0)), block(20, 1)),
			Error::<Test>::AncestorMismatch
		);
		// Only members may resend.
		assert!(confirm(&account(3), shard(1), Some(block(10, 0)), block(20, 0)).is_err());
	});
}

/// Until several members share a shard's work (with quorum-signed anchors
/// any member may submit), only the serving member, the first active
/// signer, anchors: a second instance cannot anchor beside it. Root purges
/// a serving member that stopped, and the next one serves.
#[test]
fn only_the_serving_member_anchors_until_root_purges_it() {
	new_test_ext().execute_with(|| {
		setup();
		assert_ok!(confirm(&account(1), shard(1), None, block(10, 0)));
		assert_noop!(
			confirm(&account(2), shard(1), Some(block(10, 0)), block(20, 0)),
			Error::<Test>::NotServingMember
		);
		assert_ok!(confirm(&account(1), shard(1), Some(block(10, 0)), block(20, 0)));
		System::assert_last_event(finalized_event(shard(1), &account(1), block(20, 0)));

		assert_ok!(pallet_enclave_bridge::Pallet::<Test>::purge_enclave_from_shard(
			RuntimeOrigin::root(),
			shard(1),
			account(1)
		));
		assert_ok!(confirm(&account(2), shard(1), Some(block(20, 0)), block(1_000, 0)));
		assert_eq!(latest(shard(1)), Some(block(1_000, 0)));
		assert_eq!(active_signers(shard(1)), vec![account(2)]);
	});
}

/// Root resets a bogus anchor (which would otherwise halt the shard for
/// good: every confirmation must extend it); nobody else can.
#[test]
fn root_resets_a_bogus_anchor() {
	new_test_ext().execute_with(|| {
		setup();
		assert_ok!(confirm(&account(1), shard(1), None, block(1_000_000, 9)));
		let reset = |origin, anchor| Sidechain::reset_sidechain_anchor(origin, shard(1), anchor);
		for origin in [RuntimeOrigin::signed(account(1)), RuntimeOrigin::none()] {
			assert_noop!(reset(origin, None), DispatchError::BadOrigin);
		}
		assert_ok!(reset(RuntimeOrigin::root(), Some(block(10, 0))));
		System::assert_last_event(RuntimeEvent::Sidechain(Event::SidechainAnchorReset {
			shard: shard(1),
			anchor: Some(block(10, 0)),
		}));
		assert_ok!(confirm(&account(1), shard(1), Some(block(10, 0)), block(11, 0)));
		assert_ok!(reset(RuntimeOrigin::root(), None));
		assert_eq!(latest(shard(1)), None);
		assert_ok!(confirm(&account(1), shard(1), None, block(12, 0)));
	});
}

#[test]
fn a_shard_named_after_the_fingerprint_needs_no_configuration() {
	new_test_ext().execute_with(|| {
		register_enclave(&account(1), fingerprint(F1));
		let implicit_shard = fingerprint(F1);

		assert_ok!(confirm(&account(1), implicit_shard, None, block(1, 0)));

		assert_eq!(latest(implicit_shard), Some(block(1, 0)));
		System::assert_last_event(finalized_event(implicit_shard, &account(1), block(1, 0)));
	});
}

#[test]
fn shards_are_independent() {
	new_test_ext().execute_with(|| {
		setup();
		configure_shard(shard(2), fingerprint(F1), MAX_INSTANCES_LIMIT);

		assert_ok!(confirm(&account(1), shard(1), None, block(10, 0)));
		// Shard 2 has no confirmation yet: its first one takes no ancestor,
		// even though shard 1 has one, and may have a lower number.
		assert_noop!(
			confirm(&account(2), shard(2), Some(block(10, 0)), block(11, 0)),
			Error::<Test>::UnexpectedAncestor
		);
		assert_ok!(confirm(&account(2), shard(2), None, block(5, 2)));

		assert_eq!(latest(shard(1)), Some(block(10, 0)));
		assert_eq!(latest(shard(2)), Some(block(5, 2)));

		// Each shard is extended from its own latest confirmation only.
		assert_noop!(
			confirm(&account(1), shard(1), Some(block(5, 2)), block(12, 0)),
			Error::<Test>::AncestorMismatch
		);
		// (account(2) serves shard 2: it confirmed there first.)
		assert_ok!(confirm(&account(2), shard(2), Some(block(5, 2)), block(6, 2)));
		assert_eq!(latest(shard(1)), Some(block(10, 0)));
		assert_eq!(latest(shard(2)), Some(block(6, 2)));
	});
}

// ---------------------------------------------------------------------------
// Origin and membership
// ---------------------------------------------------------------------------

#[test]
fn unsigned_and_root_origins_are_refused() {
	new_test_ext().execute_with(|| {
		setup();
		assert_noop!(
			Sidechain::confirm_imported_sidechain_block(
				RuntimeOrigin::none(),
				shard(1),
				None,
				block(1, 0)
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Sidechain::confirm_imported_sidechain_block(
				RuntimeOrigin::root(),
				shard(1),
				None,
				block(1, 0)
			),
			DispatchError::BadOrigin
		);
		assert_eq!(latest(shard(1)), None);
	});
}

#[test]
fn unregistered_signer_is_refused() {
	new_test_ext().execute_with(|| {
		setup();
		assert_noop!(
			confirm(&account(9), shard(1), None, block(1, 0)),
			Error::<Test>::EnclaveNotRegistered
		);

		// Nor may it extend a chain that members started.
		assert_ok!(confirm(&account(1), shard(1), None, block(1, 0)));
		assert_noop!(
			confirm(&account(9), shard(1), Some(block(1, 0)), block(2, 0)),
			Error::<Test>::EnclaveNotRegistered
		);
	});
}

#[test]
fn uninitialized_shard_is_refused() {
	new_test_ext().execute_with(|| {
		setup();
		assert_noop!(
			confirm(&account(1), shard(7), None, block(1, 0)),
			Error::<Test>::ShardNotInitialized
		);
	});
}

#[test]
fn enclave_of_another_shard_is_refused() {
	new_test_ext().execute_with(|| {
		setup();
		configure_shard(shard(2), fingerprint(F2), MAX_INSTANCES_LIMIT);
		assert_ok!(confirm(&account(3), shard(2), None, block(1, 0)));

		// account(3) runs F2, shard 1 allows F1 only.
		assert_noop!(
			confirm(&account(3), shard(1), None, block(1, 0)),
			Error::<Test>::WrongFingerprint
		);
		// And the other way round.
		assert_noop!(
			confirm(&account(1), shard(2), Some(block(1, 0)), block(2, 0)),
			Error::<Test>::WrongFingerprint
		);
		// A shard named after F1 without configuration exists only for F1
		// enclaves; for account(3) it is not initialised.
		assert_noop!(
			confirm(&account(3), fingerprint(F1), None, block(1, 0)),
			Error::<Test>::ShardNotInitialized
		);
	});
}

#[test]
fn enclave_beyond_max_instances_is_refused() {
	new_test_ext().execute_with(|| {
		setup();
		configure_shard(shard(2), fingerprint(F1), 1);
		assert_ok!(confirm(&account(1), shard(2), None, block(1, 0)));

		assert_noop!(
			confirm(&account(2), shard(2), Some(block(1, 0)), block(2, 0)),
			Error::<Test>::TooManyInstances
		);
		// The active member itself goes on.
		assert_ok!(confirm(&account(1), shard(2), Some(block(1, 0)), block(2, 0)));
	});
}

#[test]
fn expired_registration_is_refused_and_another_member_takes_over() {
	new_test_ext().execute_with(|| {
		setup();
		assert_ok!(confirm(&account(1), shard(1), None, block(10, 0)));

		// Past the renewal period nobody's registration is valid any more.
		let expired_at = START_MS + RENEWAL_PERIOD_MS + 1;
		set_time(expired_at);
		assert_noop!(
			confirm(&account(1), shard(1), Some(block(10, 0)), block(20, 0)),
			Error::<Test>::EnclaveNotRegistered
		);

		// account(2) renews its registration and continues the chain from
		// account(1)'s confirmation; account(1) stays refused.
		register_enclave(&account(2), fingerprint(F1));
		assert_ok!(confirm(&account(2), shard(1), Some(block(10, 0)), block(20, 0)));
		System::assert_last_event(finalized_event(shard(1), &account(2), block(20, 0)));
		assert_noop!(
			confirm(&account(1), shard(1), Some(block(20, 0)), block(30, 0)),
			Error::<Test>::EnclaveNotRegistered
		);
		// The expired enclave was pruned from the shard's active signers.
		assert_eq!(active_signers(shard(1)), vec![account(2)]);
	});
}

// ---------------------------------------------------------------------------
// Ancestry and numbering
// ---------------------------------------------------------------------------

#[test]
fn first_confirmation_with_ancestor_is_refused() {
	new_test_ext().execute_with(|| {
		setup();
		assert_noop!(
			confirm(&account(1), shard(1), Some(block(9, 0)), block(10, 0)),
			Error::<Test>::UnexpectedAncestor
		);
		assert_eq!(latest(shard(1)), None);
	});
}

#[test]
fn later_confirmation_without_ancestor_is_refused() {
	new_test_ext().execute_with(|| {
		setup();
		assert_ok!(confirm(&account(1), shard(1), None, block(10, 0)));

		// The serving member may not restart the chain.
		assert_noop!(
			confirm(&account(1), shard(1), None, block(20, 0)),
			Error::<Test>::AncestorMissing
		);
		assert_eq!(latest(shard(1)), Some(block(10, 0)));
	});
}

#[test]
fn stale_or_mismatching_ancestor_is_refused() {
	new_test_ext().execute_with(|| {
		setup();
		assert_ok!(confirm(&account(1), shard(1), None, block(10, 0)));
		assert_ok!(confirm(&account(1), shard(1), Some(block(10, 0)), block(20, 0)));

		// Stale: an older confirmation of the chain.
		assert_noop!(
			confirm(&account(1), shard(1), Some(block(10, 0)), block(30, 0)),
			Error::<Test>::AncestorMismatch
		);
		// Right number, wrong hash (a fork of the stored block).
		assert_noop!(
			confirm(&account(1), shard(1), Some(block(20, 1)), block(30, 0)),
			Error::<Test>::AncestorMismatch
		);
		// Right hash, wrong number.
		let wrong_number = SidechainBlockConfirmation {
			block_number: 21,
			block_header_hash: block(20, 0).block_header_hash,
		};
		assert_noop!(
			confirm(&account(1), shard(1), Some(wrong_number), block(30, 0)),
			Error::<Test>::AncestorMismatch
		);
		// A future block as ancestor.
		assert_noop!(
			confirm(&account(1), shard(1), Some(block(25, 0)), block(30, 0)),
			Error::<Test>::AncestorMismatch
		);
		assert_eq!(latest(shard(1)), Some(block(20, 0)));
	});
}

#[test]
fn non_advancing_block_number_is_refused() {
	new_test_ext().execute_with(|| {
		setup();
		assert_ok!(confirm(&account(1), shard(1), None, block(10, 0)));

		// Same number (a competing block of the same height).
		assert_noop!(
			confirm(&account(1), shard(1), Some(block(10, 0)), block(10, 1)),
			Error::<Test>::BlockNumberNotAdvancing
		);
		// Lower number.
		assert_noop!(
			confirm(&account(1), shard(1), Some(block(10, 0)), block(9, 0)),
			Error::<Test>::BlockNumberNotAdvancing
		);
		assert_eq!(latest(shard(1)), Some(block(10, 0)));
	});
}

#[test]
fn refused_confirmation_records_no_activity() {
	// The membership check records the signer as active before the ancestry
	// is checked; a refused confirmation must roll that back.
	new_test_ext().execute_with(|| {
		setup();
		assert_ok!(confirm(&account(1), shard(1), None, block(10, 0)));
		assert_noop!(
			confirm(&account(1), shard(1), None, block(20, 0)),
			Error::<Test>::AncestorMissing
		);
		// A member that does not serve is refused after the touch.
		assert_noop!(
			confirm(&account(2), shard(1), Some(block(10, 0)), block(20, 0)),
			Error::<Test>::NotServingMember
		);
		assert_eq!(active_signers(shard(1)), vec![account(1)]);
	});
}

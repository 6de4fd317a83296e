//! A new DCAP root makes the TCB info stale: never used again, removed by
//! `on_idle` within the blocks' spare weight, and no TCB info registers
//! until it is gone.

use super::*;
use crate::{StaleTcbInfo, WeightInfo};
use polkadot_sdk::frame_support::{traits::Hooks, weights::Weight};

type Weights = <Test as crate::Config>::WeightInfo;

fn fmspc(n: u8) -> Fmspc {
	[0x20, 0x30, 0x40, 0x50, 0x60, n]
}

fn tcb(n: u8, issued_at_ms: u64) -> VerifiedCollateral {
	verified(CollateralKind::TcbInfo, Some(fmspc(n)), issued_at_ms)
}

fn new_root() -> Vec<u8> {
	vec![MAGIC_OK, 0x12, 0x34]
}

/// Registers TCB info for `count` FMSPCs and the QE identity, then pins a
/// new root.
fn stale_tcb_infos(count: u8) {
	for n in 0..count {
		assert_ok!(register_tcb(collateral_body(&tcb(n, NOW_MS - 10))));
	}
	let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS - 10);
	assert_ok!(register_qe(collateral_body(&qe)));
	assert_ok!(Teerex::set_dcap_root_ca(RuntimeOrigin::root(), Some(new_root())));
}

/// Runs `on_idle` of the next block with room for `entries` removals.
fn idle_block(entries: u32) -> Weight {
	let block = System::block_number() + 1;
	System::set_block_number(block);
	Teerex::on_idle(block, Weights::clear_stale_tcb_info(entries))
}

#[test]
fn stale_tcb_info_is_never_used() {
	ExtBuilder::default().build_and_execute(|| {
		let who = account(1);
		stale_tcb_infos(3);
		assert!(StaleTcbInfo::<Test>::get());
		// Still stored, but absent to every verification.
		assert_eq!(TcbInfo::<Test>::count(), 3);
		assert_eq!(Teerex::registered_collateral(CollateralKind::TcbInfo, Some(fmspc(0))), None);
		// A quote needing it does not verify, even with a QE identity
		// registered under the new root.
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS - 5);
		assert_ok!(register_qe(collateral_body(&qe)));
		let quote = quote_needing_collateral(fmspc(0), &attested(&who));
		assert_noop!(
			register(&who, quote, None, AttestationMethod::Dcap),
			Error::<Test>::CollateralMissing
		);
	});
}

#[test]
fn tcb_info_is_refused_while_stale_tcb_info_is_left() {
	ExtBuilder::default().build_and_execute(|| {
		stale_tcb_infos(2);
		// Neither for a stored FMSPC nor for a new one.
		for n in [0, 7] {
			assert_noop!(
				register_tcb(collateral_body(&tcb(n, NOW_MS - 5))),
				Error::<Test>::StaleCollateralBeingCleared
			);
		}
		// The other collateral registers.
		let crl = verified(CollateralKind::PckCrl, None, NOW_MS - 5);
		assert_ok!(register_crl(CrlKind::Pck, collateral_body(&crl)));
	});
}

#[test]
fn on_idle_clears_within_the_spare_weight_over_several_blocks() {
	ExtBuilder::default().build_and_execute(|| {
		stale_tcb_infos(5);
		let before = RevocationLists::<Test>::iter().count();

		// Not even room for the fixed part: nothing is read.
		let too_little = Weights::clear_stale_tcb_info(0).saturating_sub(Weight::from_parts(1, 0));
		assert_eq!(Teerex::on_idle(2, too_little), Weight::zero());
		assert_eq!(TcbInfo::<Test>::count(), 5);

		// Room for two removals a block: 5 entries take three blocks.
		for left in [3, 1] {
			assert_eq!(idle_block(2), Weights::clear_stale_tcb_info(2));
			assert_eq!(TcbInfo::<Test>::count(), left);
			assert!(StaleTcbInfo::<Test>::get());
			assert_noop!(
				register_tcb(collateral_body(&tcb(0, NOW_MS - 5))),
				Error::<Test>::StaleCollateralBeingCleared
			);
		}
		assert_eq!(idle_block(2), Weights::clear_stale_tcb_info(1));
		assert_eq!(TcbInfo::<Test>::count(), 0);
		assert!(!StaleTcbInfo::<Test>::get());
		System::assert_last_event(Event::StaleTcbInfoCleared.into());
		assert_eq!(RevocationLists::<Test>::iter().count(), before);

		// TCB info registers again, and is used.
		let fresh = tcb(0, NOW_MS - 5);
		assert_ok!(register_tcb(collateral_body(&fresh)));
		assert_eq!(
			Teerex::registered_collateral(CollateralKind::TcbInfo, Some(fmspc(0))),
			Some(fresh)
		);
		// Nothing left to clear: one read.
		assert_eq!(
			idle_block(2),
			<Test as polkadot_sdk::frame_system::Config>::DbWeight::get().reads(1)
		);
	});
}

/// The clearing ends in the block that removes the last entry, even when
/// the budget was exactly enough for it.
#[test]
fn the_clearing_ends_with_the_last_entry() {
	ExtBuilder::default().build_and_execute(|| {
		stale_tcb_infos(2);
		idle_block(2);
		assert_eq!(TcbInfo::<Test>::count(), 0);
		assert!(!StaleTcbInfo::<Test>::get());
	});
}

#[test]
fn a_new_root_during_the_clearing_keeps_it_going() {
	ExtBuilder::default().build_and_execute(|| {
		stale_tcb_infos(4);
		idle_block(1);
		assert_eq!(TcbInfo::<Test>::count(), 3);

		// Collateral of the second root is gone with a third one.
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS - 5);
		assert_ok!(register_qe(collateral_body(&qe)));
		assert_ok!(Teerex::set_dcap_root_ca(RuntimeOrigin::root(), None));
		assert_eq!(QuotingEnclaveIdentity::<Test>::get(), None);
		assert!(StaleTcbInfo::<Test>::get());
		assert_eq!(Teerex::registered_collateral(CollateralKind::TcbInfo, Some(fmspc(3))), None);

		idle_block(10);
		assert_eq!(TcbInfo::<Test>::count(), 0);
		assert!(!StaleTcbInfo::<Test>::get());
		assert_ok!(register_tcb(collateral_body(&tcb(3, NOW_MS - 5))));
	});
}

#[test]
fn a_new_root_without_tcb_info_marks_nothing_stale() {
	ExtBuilder::default().build_and_execute(|| {
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS - 10);
		assert_ok!(register_qe(collateral_body(&qe)));
		assert_ok!(Teerex::set_dcap_root_ca(RuntimeOrigin::root(), Some(new_root())));
		assert!(!StaleTcbInfo::<Test>::get());
		assert_ok!(register_tcb(collateral_body(&tcb(0, NOW_MS - 5))));
	});
}

/// The tighter dimension of the budget decides how much is cleared.
#[test]
fn the_tighter_dimension_of_the_budget_limits_the_clearing() {
	ExtBuilder::default().build_and_execute(|| {
		stale_tcb_infos(3);
		let all = Weights::clear_stale_tcb_info(3);
		// Plenty of proof size, just enough time: all three.
		let budget = Weight::from_parts(all.ref_time(), u64::MAX);
		System::set_block_number(2);
		Teerex::on_idle(2, budget);
		assert_eq!(TcbInfo::<Test>::count(), 0);

		stale_tcb_infos(3);
		// Plenty of time, proof size for one.
		let one = Weights::clear_stale_tcb_info(1);
		let budget = Weight::from_parts(u64::MAX, one.proof_size());
		System::set_block_number(3);
		Teerex::on_idle(3, budget);
		assert_eq!(TcbInfo::<Test>::count(), 2);
	});
}

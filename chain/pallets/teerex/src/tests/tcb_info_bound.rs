//! TCB info is bounded by `MaxTcbInfos` entries, one per FMSPC.

use super::*;

/// The `n`-th FMSPC of these tests.
fn fmspc(n: u8) -> Fmspc {
	[0x10, 0x20, 0x30, 0x40, 0x50, n]
}

fn register_tcb_for(fmspc: Fmspc, issued_at_ms: u64) -> DispatchResult {
	register_tcb(collateral_body(&verified(CollateralKind::TcbInfo, Some(fmspc), issued_at_ms)))
}

#[test]
fn the_counter_counts_the_fmspcs() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(TcbInfo::<Test>::count(), 0);
		assert_ok!(register_tcb_for(fmspc(0), NOW_MS - 10));
		assert_ok!(register_tcb_for(fmspc(1), NOW_MS - 10));
		assert_eq!(TcbInfo::<Test>::count(), 2);
		// Newer TCB info of a registered FMSPC replaces its entry.
		assert_ok!(register_tcb_for(fmspc(0), NOW_MS - 5));
		assert_eq!(TcbInfo::<Test>::count(), 2);
	});
}

#[test]
fn a_full_map_refuses_a_new_fmspc_but_takes_newer_info_of_a_known_one() {
	ExtBuilder::default().build_and_execute(|| {
		for n in 0..MAX_TCB_INFOS as u8 {
			assert_ok!(register_tcb_for(fmspc(n), NOW_MS - 10));
		}
		assert_eq!(TcbInfo::<Test>::count(), MAX_TCB_INFOS);
		assert_noop!(
			register_tcb_for(fmspc(MAX_TCB_INFOS as u8), NOW_MS - 10),
			Error::<Test>::TooManyTcbInfos
		);

		let newer = verified(CollateralKind::TcbInfo, Some(fmspc(3)), NOW_MS - 5);
		assert_ok!(register_tcb(collateral_body(&newer)));
		assert_eq!(TcbInfo::<Test>::get(fmspc(3)), Some(stored(&newer)));
		assert_eq!(TcbInfo::<Test>::count(), MAX_TCB_INFOS);
		// The other kinds are not bounded by it.
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS - 10);
		assert_ok!(register_qe(collateral_body(&qe)));
	});
}

#[test]
fn tcb_info_registered_at_genesis_is_counted() {
	let genesis_tcb = |n: u8| crate::GenesisCollateral {
		kind: crate::GenesisCollateralKind::TcbInfo,
		body: collateral_body(&verified(CollateralKind::TcbInfo, Some(fmspc(n)), NOW_MS - 10)),
		signature: vec![],
		issuer_chain: vec![],
	};
	let genesis = crate::GenesisConfig::<Test> {
		dcap_collateral: vec![genesis_tcb(0), genesis_tcb(1)],
		collateral_verified_at_ms: NOW_MS,
		..Default::default()
	};
	ExtBuilder::genesis(genesis).build_and_execute(|| {
		assert_eq!(TcbInfo::<Test>::count(), 2);
		assert!(TcbInfo::<Test>::contains_key(fmspc(1)));
	});
}

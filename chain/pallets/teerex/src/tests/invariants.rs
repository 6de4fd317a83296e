//! `integrity_test` and `try_state`: the checks pass on the mock and notice
//! each broken invariant; the calls never store what would break one.

use super::*;
use crate::{StaleTcbInfo, MIN_COLLATERAL_LENGTH};
use polkadot_sdk::{frame_support::traits::Hooks, sp_io::TestExternalities};

#[test]
fn the_mock_passes_the_integrity_test() {
	TestExternalities::default().execute_with(|| {
		<Teerex as Hooks<u64>>::integrity_test();
	});
}

/// Intel's root CA fits the smallest `MaxCollateralLength` the integrity test
/// accepts, with room to spare.
#[test]
fn a_root_ca_fits_the_smallest_collateral_length() {
	let intel = integritee_attestation::roots::INTEL_SGX_ROOT_CA_DER.len();
	assert!(intel <= MIN_COLLATERAL_LENGTH as usize, "{intel} bytes");
	const { assert!(MAX_COLLATERAL_LENGTH >= MIN_COLLATERAL_LENGTH) };
}

/// Breaks the state with `damage`, checks that `try_state` reports it with
/// `expected` in its message, and repairs it (so that the check after the
/// test passes).
#[track_caller]
fn assert_noticed(expected: &str, damage: impl FnOnce(), repair: impl FnOnce()) {
	assert_ok!(Teerex::do_try_state());
	damage();
	match Teerex::do_try_state() {
		Err(DispatchError::Other(message)) => {
			assert!(message.contains(expected), "{message:?} does not mention {expected:?}")
		}
		other => panic!("{expected}: not noticed ({other:?})"),
	}
	repair();
	assert_ok!(Teerex::do_try_state());
}

fn tcb(fmspc: Fmspc) -> StoredCollateral<Test> {
	stored(&verified(CollateralKind::TcbInfo, Some(fmspc), NOW_MS - 10))
}

#[test]
fn try_state_notices_broken_tcb_info() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register_tcb(collateral_body(&verified(
			CollateralKind::TcbInfo,
			Some(FMSPC),
			NOW_MS - 10
		))));
		let good = TcbInfo::<Test>::get(FMSPC).expect("registered");

		assert_noticed(
			"FMSPC",
			|| TcbInfo::<Test>::insert(FMSPC, tcb(OTHER_FMSPC)),
			|| TcbInfo::<Test>::insert(FMSPC, good.clone()),
		);
		assert_noticed(
			"FMSPC",
			|| {
				let mut qe = good.clone();
				qe.kind = CollateralKind::QuotingEnclaveIdentity;
				TcbInfo::<Test>::insert(FMSPC, qe)
			},
			|| TcbInfo::<Test>::insert(FMSPC, good.clone()),
		);
		assert_noticed(
			"empty encoding",
			|| {
				TcbInfo::<Test>::insert(
					FMSPC,
					StoredCollateral { encoded: Default::default(), ..good.clone() },
				)
			},
			|| TcbInfo::<Test>::insert(FMSPC, good.clone()),
		);
		assert_noticed(
			"next update",
			|| {
				let issued = good.issued_at_ms;
				TcbInfo::<Test>::insert(
					FMSPC,
					StoredCollateral { next_update_ms: issued, ..good.clone() },
				)
			},
			|| TcbInfo::<Test>::insert(FMSPC, good.clone()),
		);
		// The counter: an entry it does not count.
		let hashed = TcbInfo::<Test>::hashed_key_for(OTHER_FMSPC);
		assert_noticed(
			"counter",
			|| polkadot_sdk::frame_support::storage::unhashed::put(&hashed, &tcb(OTHER_FMSPC)),
			|| polkadot_sdk::frame_support::storage::unhashed::kill(&hashed),
		);
		assert_noticed(
			"stale",
			|| {
				TcbInfo::<Test>::remove(FMSPC);
				StaleTcbInfo::<Test>::put(true);
			},
			StaleTcbInfo::<Test>::kill,
		);
	});
}

#[test]
fn try_state_notices_more_tcb_info_than_allowed() {
	ExtBuilder::default().build_and_execute(|| {
		let fmspcs: Vec<Fmspc> = (0..=MAX_TCB_INFOS as u8).map(|n| [0x40, 0, 0, 0, 0, n]).collect();
		assert_noticed(
			"MaxTcbInfos",
			|| {
				for fmspc in &fmspcs {
					TcbInfo::<Test>::insert(fmspc, tcb(*fmspc));
				}
			},
			|| {
				for fmspc in &fmspcs {
					TcbInfo::<Test>::remove(fmspc);
				}
			},
		);
	});
}

#[test]
fn try_state_notices_misplaced_qe_identity_and_crls() {
	ExtBuilder::default().build_and_execute(|| {
		let qe = stored(&verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS - 10));
		let crl = stored(&verified(CollateralKind::PckCrl, None, NOW_MS - 10));
		assert_noticed(
			"QE identity",
			|| QuotingEnclaveIdentity::<Test>::put(crl.clone()),
			|| QuotingEnclaveIdentity::<Test>::put(qe.clone()),
		);
		assert_noticed(
			"CRL",
			|| RevocationLists::<Test>::insert(CollateralKind::RootCaCrl, crl.clone()),
			|| RevocationLists::<Test>::remove(CollateralKind::RootCaCrl),
		);
		assert_noticed(
			"CRL",
			|| RevocationLists::<Test>::insert(CollateralKind::TcbInfo, tcb(FMSPC)),
			|| RevocationLists::<Test>::remove(CollateralKind::TcbInfo),
		);
		assert_noticed(
			"empty encoding",
			|| {
				RevocationLists::<Test>::insert(
					CollateralKind::PckCrl,
					StoredCollateral { encoded: Default::default(), ..crl.clone() },
				)
			},
			|| RevocationLists::<Test>::remove(CollateralKind::PckCrl),
		);
	});
}

#[test]
fn try_state_notices_a_root_the_verifier_refuses() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noticed(
			"root CA",
			|| DcapRootCa::<Test>::put(BoundedVec::truncate_from(vec![0xFF, 1, 2])),
			DcapRootCa::<Test>::kill,
		);
	});
}

#[test]
fn try_state_notices_enclave_records_no_registration_makes() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		let good = SovereignEnclaves::<Test>::get(&who).expect("registered");
		assert_noticed(
			"after chain time",
			|| {
				SovereignEnclaves::<Test>::insert(
					&who,
					SgxEnclave { attested_at_ms: NOW_MS + 1, ..good.clone() },
				)
			},
			|| SovereignEnclaves::<Test>::insert(&who, good.clone()),
		);
		assert_noticed(
			"skipped attestation",
			|| {
				SovereignEnclaves::<Test>::insert(
					&who,
					SgxEnclave { build_mode: SgxBuildMode::Production, ..good.clone() },
				)
			},
			|| SovereignEnclaves::<Test>::insert(&who, good.clone()),
		);
		assert_noticed(
			"skipped attestation",
			|| {
				SovereignEnclaves::<Test>::insert(
					&who,
					SgxEnclave { status: SgxStatus::UpToDate, ..good.clone() },
				)
			},
			|| SovereignEnclaves::<Test>::insert(&who, good.clone()),
		);
	});
}

/// Before the first timestamp there is no chain time to compare with.
#[test]
fn try_state_without_chain_time_skips_the_attestation_time() {
	ExtBuilder::dev().build_and_execute(|| {
		assert_ok!(register_skip(&account(1)));
		set_now(0);
		assert_ok!(Teerex::do_try_state());
	});
}

/// What `try_state` demands of collateral, registration checks first.
#[test]
fn collateral_the_invariants_forbid_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let empty = VerifiedCollateral {
			encoded: vec![],
			..verified(CollateralKind::PckCrl, None, NOW_MS)
		};
		assert_noop!(
			register_crl(CrlKind::Pck, collateral_body(&empty)),
			Error::<Test>::InvalidVerifiedCollateral
		);
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS);
		for next_update_ms in [NOW_MS, NOW_MS - 1] {
			let never_valid = VerifiedCollateral { next_update_ms, ..qe.clone() };
			assert_noop!(
				register_qe(collateral_body(&never_valid)),
				Error::<Test>::InvalidVerifiedCollateral
			);
		}
		assert_ok!(register_qe(collateral_body(&qe)));
	});
}

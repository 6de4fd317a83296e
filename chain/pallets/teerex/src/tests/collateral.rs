//! Collateral registration.

use super::*;

#[test]
fn register_quoting_enclave_stores_and_emits_event() {
	ExtBuilder::default().build_and_execute(|| {
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS - 10);
		assert_ok!(register_qe(collateral_body(&qe)));
		assert_eq!(QuotingEnclaveIdentity::<Test>::get(), Some(stored(&qe)));
		System::assert_last_event(
			Event::CollateralRegistered {
				kind: CollateralKind::QuotingEnclaveIdentity,
				fmspc: None,
				next_update_ms: qe.next_update_ms,
			}
			.into(),
		);
	});
}

#[test]
fn register_tcb_info_stores_per_fmspc() {
	ExtBuilder::default().build_and_execute(|| {
		let tcb = verified(CollateralKind::TcbInfo, Some(FMSPC), NOW_MS - 10);
		assert_ok!(register_tcb(collateral_body(&tcb)));
		System::assert_last_event(
			Event::CollateralRegistered {
				kind: CollateralKind::TcbInfo,
				fmspc: Some(FMSPC),
				next_update_ms: tcb.next_update_ms,
			}
			.into(),
		);

		// An older TCB info for another platform family is independent.
		let other = verified(CollateralKind::TcbInfo, Some(OTHER_FMSPC), NOW_MS - 20);
		assert_ok!(register_tcb(collateral_body(&other)));
		assert_eq!(TcbInfo::<Test>::get(FMSPC), Some(stored(&tcb)));
		assert_eq!(TcbInfo::<Test>::get(OTHER_FMSPC), Some(stored(&other)));
		assert_eq!(TcbInfo::<Test>::iter().count(), 2);
	});
}

#[test]
fn register_tcb_info_without_fmspc_fails() {
	ExtBuilder::default().build_and_execute(|| {
		let tcb = verified(CollateralKind::TcbInfo, None, NOW_MS);
		assert_noop!(register_tcb(collateral_body(&tcb)), Error::<Test>::TcbInfoWithoutFmspc);
	});
}

#[test]
fn register_crl_stores_both_kinds() {
	ExtBuilder::default().build_and_execute(|| {
		let pck = verified(CollateralKind::PckCrl, None, NOW_MS - 10);
		assert_ok!(register_crl(CrlKind::Pck, collateral_body(&pck)));
		System::assert_last_event(
			Event::CollateralRegistered {
				kind: CollateralKind::PckCrl,
				fmspc: None,
				next_update_ms: pck.next_update_ms,
			}
			.into(),
		);

		let root_ca = verified(CollateralKind::RootCaCrl, None, NOW_MS - 20);
		assert_ok!(register_crl(CrlKind::RootCa, collateral_body(&root_ca)));
		System::assert_last_event(
			Event::CollateralRegistered {
				kind: CollateralKind::RootCaCrl,
				fmspc: None,
				next_update_ms: root_ca.next_update_ms,
			}
			.into(),
		);

		assert_eq!(RevocationLists::<Test>::get(CollateralKind::PckCrl), Some(stored(&pck)));
		assert_eq!(RevocationLists::<Test>::get(CollateralKind::RootCaCrl), Some(stored(&root_ca)));
	});
}

#[test]
fn collateral_not_newer_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let issued = NOW_MS - 1_000;
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, issued);
		let tcb = verified(CollateralKind::TcbInfo, Some(FMSPC), issued);
		let pck = verified(CollateralKind::PckCrl, None, issued);
		assert_ok!(register_qe(collateral_body(&qe)));
		assert_ok!(register_tcb(collateral_body(&tcb)));
		assert_ok!(register_crl(CrlKind::Pck, collateral_body(&pck)));

		for issued_at_ms in [issued, issued - 1] {
			let again = |v: &VerifiedCollateral| {
				collateral_body(&VerifiedCollateral { issued_at_ms, ..v.clone() })
			};
			assert_noop!(register_qe(again(&qe)), Error::<Test>::CollateralNotNewer);
			assert_noop!(register_tcb(again(&tcb)), Error::<Test>::CollateralNotNewer);
			assert_noop!(
				register_crl(CrlKind::Pck, again(&pck)),
				Error::<Test>::CollateralNotNewer
			);
		}

		let newer = verified(CollateralKind::TcbInfo, Some(FMSPC), issued + 1);
		assert_ok!(register_tcb(collateral_body(&newer)));
		assert_eq!(TcbInfo::<Test>::get(FMSPC), Some(stored(&newer)));
	});
}

#[test]
fn collateral_longer_than_max_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let max = MAX_COLLATERAL_LENGTH as usize;
		let body = collateral_body(&verified(CollateralKind::PckCrl, None, NOW_MS));

		// A body of exactly the maximum reaches the verifier.
		let mut longest = failing_evidence(AttestationError::BadSignature);
		longest.resize(max, 0);
		assert_noop!(
			register_crl(CrlKind::Pck, longest.clone()),
			Error::<Test>::AttestationSignatureInvalid
		);
		let mut too_long = longest;
		too_long.push(0);
		assert_noop!(
			register_crl(CrlKind::Pck, too_long.clone()),
			Error::<Test>::CollateralTooLong
		);
		assert_noop!(register_qe(too_long.clone()), Error::<Test>::CollateralTooLong);
		assert_noop!(register_tcb(too_long), Error::<Test>::CollateralTooLong);

		// So are the signature and the certificate chain.
		let oversized = vec![0; max + 1];
		assert_noop!(
			Teerex::register_quoting_enclave(signed(9), body.clone(), oversized.clone(), vec![]),
			Error::<Test>::CollateralTooLong
		);
		assert_noop!(
			Teerex::register_tcb_info(signed(9), body.clone(), vec![], oversized.clone()),
			Error::<Test>::CollateralTooLong
		);
		assert_noop!(
			Teerex::register_crl(signed(9), CrlKind::Pck, body.clone(), oversized),
			Error::<Test>::CollateralTooLong
		);
		assert_ok!(Teerex::register_crl(signed(9), CrlKind::Pck, body, vec![0; max]));
	});
}

#[test]
fn verified_collateral_longer_than_max_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS);
		assert_noop!(
			register_qe(inflated_collateral_body(MAX_COLLATERAL_LENGTH + 1, &qe)),
			Error::<Test>::VerifiedCollateralTooLong
		);
		assert_ok!(register_qe(inflated_collateral_body(MAX_COLLATERAL_LENGTH, &qe)));
		assert_eq!(
			QuotingEnclaveIdentity::<Test>::get().map(|stored| stored.encoded.len()),
			Some(MAX_COLLATERAL_LENGTH as usize)
		);
	});
}

#[test]
fn collateral_of_another_kind_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let tcb = verified(CollateralKind::TcbInfo, Some(FMSPC), NOW_MS);
		assert_noop!(register_qe(collateral_body(&tcb)), Error::<Test>::CollateralKindMismatch);
		let pck = verified(CollateralKind::PckCrl, None, NOW_MS);
		assert_noop!(
			register_crl(CrlKind::RootCa, collateral_body(&pck)),
			Error::<Test>::CollateralKindMismatch
		);
	});
}

#[test]
fn collateral_verifier_errors_map_to_pallet_errors() {
	ExtBuilder::default().build_and_execute(|| {
		for (attestation_error, pallet_error) in expected_errors() {
			let body = failing_evidence(attestation_error);
			assert_noop!(register_qe(body.clone()), pallet_error);
			assert_noop!(register_tcb(body.clone()), pallet_error);
			assert_noop!(register_crl(CrlKind::RootCa, body), pallet_error);
		}
	});
}

#[test]
fn collateral_needs_chain_time() {
	ExtBuilder::default().build_and_execute(|| {
		set_now(0);
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS);
		assert_noop!(register_qe(collateral_body(&qe)), Error::<Test>::ChainTimeUnavailable);
	});
}

#[test]
fn collateral_calls_refused_for_unsigned_origins() {
	ExtBuilder::default().build_and_execute(|| {
		let body = collateral_body(&verified(CollateralKind::PckCrl, None, NOW_MS));
		for origin in [RuntimeOrigin::none(), RuntimeOrigin::root()] {
			assert_noop!(
				Teerex::register_quoting_enclave(origin.clone(), body.clone(), vec![], vec![]),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Teerex::register_tcb_info(origin.clone(), body.clone(), vec![], vec![]),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Teerex::register_crl(origin, CrlKind::Pck, body.clone(), vec![]),
				DispatchError::BadOrigin
			);
		}
	});
}

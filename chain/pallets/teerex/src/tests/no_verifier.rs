//! A runtime without attestation verifier.

use super::*;

#[test]
fn no_attestation_verifier_refuses_attested_registration() {
	ExtBuilder::dev().build_and_execute(|| {
		use_verifier(VerifierMode::None);
		let who = account(1);
		let proof = attested_proof(&attested(&who));
		for method in [AttestationMethod::Dcap, AttestationMethod::Ias] {
			assert_noop!(
				register(&who, proof.clone(), None, method),
				Error::<Test>::AttestationMethodUnsupported
			);
		}
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS);
		assert_noop!(
			register_qe(collateral_body(&qe)),
			Error::<Test>::AttestationMethodUnsupported
		);
		// Skipping needs no verifier.
		assert_ok!(register_skip(&who));
	});
}

#[test]
fn no_attestation_verifier_reports_unsupported() {
	let proof = attested_proof(&attested(&account(1)));
	assert_eq!(
		NoAttestationVerifier::verify_ias_certificate(&proof, NOW_MS),
		Err(AttestationError::Unsupported)
	);
	assert_eq!(
		NoAttestationVerifier::verify_dcap_quote(
			&proof,
			&|_, _| None,
			None,
			RevocationPolicy::Require,
			NOW_MS
		),
		Err(AttestationError::Unsupported)
	);
	assert_eq!(
		DispatchError::from(Error::<Test>::from(AttestationError::Unsupported)),
		Error::<Test>::AttestationMethodUnsupported.into()
	);
}

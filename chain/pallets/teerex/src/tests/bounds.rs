//! The bounds of what a registration submits.

use super::*;

#[test]
fn register_refuses_proof_longer_than_max() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		let mut proof = failing_evidence(AttestationError::BadSignature);
		proof.resize(MAX_PROOF_LENGTH as usize, 0);
		// Exactly the maximum reaches the verifier.
		assert_noop!(
			register(&who, proof.clone(), None, AttestationMethod::Dcap),
			Error::<Test>::AttestationSignatureInvalid
		);
		proof.push(0);
		for method in [AttestationMethod::Skip, AttestationMethod::Ias, AttestationMethod::Dcap] {
			assert_noop!(register(&who, proof.clone(), None, method), Error::<Test>::ProofTooLong);
		}
	});
}

#[test]
fn register_refuses_url_longer_than_max() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		let too_long = vec![b'a'; MAX_URL_LENGTH as usize + 1];
		assert_noop!(
			register(&who, skipped().encode(), Some(too_long), AttestationMethod::Skip),
			Error::<Test>::UrlTooLong
		);
		let longest = vec![b'a'; MAX_URL_LENGTH as usize];
		assert_ok!(register(
			&who,
			skipped().encode(),
			Some(longest.clone()),
			AttestationMethod::Skip
		));
		assert_eq!(
			Teerex::enclave(&who).and_then(|enclave| enclave.url),
			Some(bounded_url(longest))
		);
	});
}

//! Registration with skipped attestation.

use super::*;

#[test]
fn register_skip_stores_enclave_and_emits_event() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));

		let proof = skipped();
		assert_eq!(
			SovereignEnclaves::<Test>::get(&who),
			Some(SgxEnclave {
				mr_enclave: proof.mr_enclave,
				mr_signer: proof.mr_signer,
				shielding_key_hash: claims().shielding_key_hash,
				// Nothing proves a production build or a platform status.
				build_mode: SgxBuildMode::Debug,
				status: SgxStatus::Unattested,
				attestation_method: AttestationMethod::Skip,
				attested_at_ms: NOW_MS,
				url: Some(bounded_url(url())),
			})
		);
		System::assert_last_event(
			Event::EnclaveRegistered {
				signer: who,
				mr_enclave: proof.mr_enclave,
				attestation_method: AttestationMethod::Skip,
				url: Some(url()),
			}
			.into(),
		);
	});
}

#[test]
fn register_without_url_stores_none() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register(&who, skipped().encode(), None, AttestationMethod::Skip));
		assert_eq!(Teerex::enclave(&who).map(|enclave| enclave.url), Some(None));
		System::assert_last_event(
			Event::EnclaveRegistered {
				signer: who,
				mr_enclave: skipped().mr_enclave,
				attestation_method: AttestationMethod::Skip,
				url: None,
			}
			.into(),
		);
	});
}

#[test]
fn register_skip_refused_when_flags_disallow_skipping() {
	let flags = SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: false };
	ExtBuilder::flags(flags).build_and_execute(|| {
		assert_noop!(register_skip(&account(1)), Error::<Test>::SkippingAttestationNotAllowed);
	});
}

/// A skipped attestation is recorded as a debug build, so it also needs
/// `allow_debug_mode`.
#[test]
fn register_skip_refused_when_flags_disallow_debug_mode() {
	let flags = SecurityFlags { allow_debug_mode: false, allow_skipping_attestation: true };
	ExtBuilder::flags(flags).build_and_execute(|| {
		assert_noop!(register_skip(&account(1)), Error::<Test>::DebugModeNotAllowed);
	});
}

#[test]
fn register_skip_with_malformed_proof_fails() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		for proof in [vec![], vec![1, 2, 3], {
			// A valid encoding followed by trailing bytes.
			let mut proof = skipped().encode();
			proof.push(0);
			proof
		}] {
			assert_noop!(
				register(&who, proof, None, AttestationMethod::Skip),
				Error::<Test>::MalformedSkipProof
			);
		}
	});
}

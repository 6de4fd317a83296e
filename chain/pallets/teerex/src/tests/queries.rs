//! The registry's queries.

use super::*;

#[test]
fn enclaves_lists_all_registered() {
	ExtBuilder::dev().build_and_execute(|| {
		assert!(Teerex::enclaves().is_empty());
		let (a, b, c) = (account(1), account(2), account(3));
		assert_ok!(register_skip(&a));
		assert_ok!(register(&b, attested_proof(&attested(&b)), None, AttestationMethod::Dcap));
		assert_ok!(register(
			&c,
			attested_proof(&attested(&c)),
			Some(url()),
			AttestationMethod::Ias
		));

		let mut listed = Teerex::enclaves();
		listed.sort_by(|x, y| x.0.cmp(&y.0));
		let proof = skipped();
		let expected = vec![
			(
				a,
				SgxEnclave {
					mr_enclave: proof.mr_enclave,
					mr_signer: proof.mr_signer,
					shielding_key_hash: claims().shielding_key_hash,
					build_mode: SgxBuildMode::Debug,
					status: SgxStatus::Unattested,
					attestation_method: AttestationMethod::Skip,
					attested_at_ms: NOW_MS,
					url: Some(url()),
				},
			),
			(b.clone(), plain_enclave(&attested(&b), AttestationMethod::Dcap, None)),
			(c.clone(), plain_enclave(&attested(&c), AttestationMethod::Ias, Some(url()))),
		];
		assert_eq!(listed, expected);

		assert_ok!(unregister(RuntimeOrigin::root(), &b));
		assert_eq!(Teerex::enclaves().len(), 2);
	});
}

/// The record as the runtime API returns it (URL unbounded).
fn plain_enclave(
	attested: &AttestedEnclave,
	method: AttestationMethod,
	worker_url: Option<Vec<u8>>,
) -> SgxEnclave<Vec<u8>> {
	SgxEnclave {
		mr_enclave: attested.mr_enclave,
		mr_signer: attested.mr_signer,
		shielding_key_hash: claims().shielding_key_hash,
		build_mode: attested.build_mode,
		status: attested.status,
		attestation_method: method,
		attested_at_ms: attested.attested_at_ms,
		url: worker_url,
	}
}

#[test]
fn registered_fingerprint_is_none_after_expiry() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_eq!(Teerex::registered_fingerprint(&who), None);
		assert_ok!(register_skip(&who));
		assert_eq!(Teerex::registered_fingerprint(&who), Some(skipped().mr_enclave));

		set_now(NOW_MS + RENEWAL_PERIOD_MS);
		assert_eq!(Teerex::registered_fingerprint(&who), Some(skipped().mr_enclave));

		set_now(NOW_MS + RENEWAL_PERIOD_MS + 1);
		assert_eq!(Teerex::registered_fingerprint(&who), None);
		// Expired but not yet removed.
		assert!(Teerex::enclave(&who).is_some());
	});
}

/// What other pallets' benchmarks register: a current record with the
/// longest URL.
#[cfg(feature = "runtime-benchmarks")]
#[test]
fn register_for_benchmark_stores_the_largest_current_record() {
	ExtBuilder::default().build_and_execute(|| {
		let who = account(1);
		let fingerprint = H256::repeat_byte(0xbe);
		<Teerex as EnclaveRegistry<AccountId>>::register_for_benchmark(&who, fingerprint, [7; 32]);
		assert_eq!(
			Teerex::registered_enclave(&who),
			Some(integritee_primitives::RegisteredEnclave {
				fingerprint,
				shielding_key_hash: [7; 32]
			})
		);
		assert!(Teerex::is_registered(&who));
		let enclave = Teerex::enclave(&who).expect("registered");
		assert_eq!(enclave.attested_at_ms, NOW_MS);
		assert_eq!(enclave.url.map(|url| url.len()), Some(MAX_URL_LENGTH as usize));
	});
}

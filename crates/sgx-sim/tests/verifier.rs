//! The simulator's artifacts under the project's verifier
//! (`integritee-attestation`): accepted under the simulated root, rejected
//! under Intel's.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use integritee_attestation::{
	dcap::{collateral::split_signed_file, Quote},
	Error, RevocationPolicy, TcbStatus, Verifier,
};
use integritee_primitives::{AttestationError, CollateralKind, SgxBuildMode, SgxStatus};
use integritee_sgx_sim::{SimPlatformConfig, SimTcbStatus, SimulatedPlatform};

#[test]
fn dev_root_verifier_accepts_collateral_and_quote() {
	let platform = SimulatedPlatform::from_seed(SEED_A);
	let root = platform.dev_root_ca_der();
	let verifier = Verifier::intel().with_sgx_root(&root);
	let collateral = platform.collateral(ISSUED_MS, VALIDITY_MS).unwrap();
	assert_eq!(
		(collateral.issued_at_ms, collateral.next_update_ms),
		(ISSUED_MS, ISSUED_MS + VALIDITY_MS)
	);

	let registered = register_each(&verifier, &collateral, NOW_MS).map(Result::unwrap);
	let kinds = registered.each_ref().map(|c| c.kind);
	assert_eq!(
		kinds,
		[
			CollateralKind::QuotingEnclaveIdentity,
			CollateralKind::TcbInfo,
			CollateralKind::PckCrl,
			CollateralKind::RootCaCrl
		]
	);
	for c in &registered {
		assert_eq!((c.issued_at_ms, c.next_update_ms), (ISSUED_MS, ISSUED_MS + VALIDITY_MS));
	}
	assert_eq!(registered[1].fmspc, Some(platform.config().fmspc));

	let registry = registry(&verifier, &collateral, NOW_MS);
	let quote = platform.quote(&enclave(false), report_data()).unwrap();
	let verified = verify(&verifier, &quote, &registry, NOW_MS).unwrap();
	let e = enclave(false);
	assert_eq!(verified.enclave.mr_enclave.0, e.mr_enclave);
	assert_eq!(verified.enclave.mr_signer, e.mr_signer);
	assert_eq!(verified.enclave.signer_public[..], report_data()[..32]);
	assert_eq!(verified.enclave.report_binding[..], report_data()[32..]);
	assert_eq!(verified.enclave.build_mode, SgxBuildMode::Production);
	assert_eq!(verified.enclave.status, SgxStatus::UpToDate);
	assert_eq!(verified.enclave.attested_at_ms, NOW_MS);
	assert_eq!(verified.status, TcbStatus::UpToDate);
	assert_eq!(verified.platform_status, TcbStatus::UpToDate);
	assert_eq!(verified.qe_status, TcbStatus::UpToDate);
	assert_eq!(verified.tcb_level, 0);
	assert_eq!(verified.fmspc, platform.config().fmspc);

	// The CRLs cover every certificate of the path, the root and the TCB
	// signer: Intel QVL's strict policy accepts too.
	let strict = verifier.with_revocation(RevocationPolicy::Require);
	assert_eq!(verify(&strict, &quote, &registry, NOW_MS).unwrap(), verified);
}

#[test]
fn quote_fields_are_as_intel_lays_them_out() {
	let platform = SimulatedPlatform::from_seed(SEED_A);
	let quote = platform.quote(&enclave(true), report_data()).unwrap();
	let q = Quote::parse(&quote).unwrap();
	q.check_supported().unwrap();
	assert_eq!((q.header.version, q.header.attestation_key_type, q.header.tee_type), (3, 2, 0));
	let config = platform.config();
	assert_eq!((q.header.qe_svn, q.header.pce_svn), (config.qe_isv_svn, config.pce_svn));
	assert_eq!(q.isv_report.cpu_svn, config.cpu_svn);
	assert_eq!(q.isv_report.attributes[0], 0x07, "INIT | DEBUG | MODE64");
	assert_eq!((q.isv_report.isv_prod_id, q.isv_report.isv_svn), (7, 3));
	assert_eq!(q.isv_report.report_data, report_data());
	assert_eq!(q.attestation_key, platform.attestation_public_key());
	assert_eq!(q.qe_report.mr_signer, platform.qe_mr_signer());
	assert_eq!((q.qe_report.isv_prod_id, q.qe_report.isv_svn), (1, config.qe_isv_svn));
	assert!(!q.qe_report.is_debug());
	assert_eq!(q.qe_auth_data.len(), 32);
	assert_eq!(q.certification_data_type, 5);
	assert_eq!(q.certification_data, platform.pck_chain_pem().as_bytes());

	let production = platform.quote(&enclave(false), report_data()).unwrap();
	assert_eq!(Quote::parse(&production).unwrap().isv_report.attributes[0], 0x05);
}

#[test]
fn collateral_files_split_as_intel_files_do() {
	let platform = SimulatedPlatform::from_seed(SEED_A);
	let c = platform.collateral(ISSUED_MS, VALIDITY_MS).unwrap();
	assert_eq!(split_signed_file(&c.qe_identity_json).unwrap(), c.qe_identity_parts().unwrap());
	assert_eq!(split_signed_file(&c.tcb_info_json).unwrap(), c.tcb_info_parts().unwrap());
	let (tcb_body, _) = c.tcb_info_parts().unwrap();
	let tcb_body = std::str::from_utf8(tcb_body).unwrap();
	assert!(
		tcb_body.starts_with(
			"{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"2026-01-01T00:00:00Z\",\
			 \"nextUpdate\":\"2026-01-31T00:00:00Z\",\"fmspc\":\"53494D000000\",\"pceId\":\"0000\",\
			 \"tcbType\":0,\"tcbEvaluationDataNumber\":17,\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\":[{\"svn\":17},"
		),
		"{tcb_body}"
	);
	let (qe_body, _) = c.qe_identity_parts().unwrap();
	let qe_body = std::str::from_utf8(qe_body).unwrap();
	assert!(
		qe_body.starts_with("{\"id\":\"QE\",\"version\":2,\"issueDate\":\"2026-01-01T00:00:00Z\"")
	);
	assert!(qe_body.contains("\"tcbLevels\":[{\"tcb\":{\"isvsvn\":8},\"tcbDate\":\"2026-01-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}"));
}

#[test]
fn intel_root_rejects_quote_and_collateral() {
	let platform = SimulatedPlatform::from_seed(SEED_A);
	let root = platform.dev_root_ca_der();
	let collateral = platform.collateral(ISSUED_MS, VALIDITY_MS).unwrap();
	let intel = Verifier::intel();
	for (i, result) in register_each(&intel, &collateral, NOW_MS).into_iter().enumerate() {
		assert!(result.is_err(), "collateral {i} accepted under Intel's root");
	}
	let [qe, tcb, pck_crl, root_crl] = register_each(&intel, &collateral, NOW_MS);
	assert_eq!(qe.unwrap_err(), Error::UntrustedRoot);
	assert_eq!(tcb.unwrap_err(), Error::UntrustedRoot);
	assert_eq!(pck_crl.unwrap_err(), Error::UntrustedRoot);
	assert_eq!(root_crl.unwrap_err(), Error::CrlIssuerMismatch);

	// Even with collateral registered under the simulated root, the quote's
	// chain does not lead to Intel's root.
	let registry = own_registry(&platform, &Verifier::intel().with_sgx_root(&root));
	let quote = platform.quote(&enclave(false), report_data()).unwrap();
	assert_eq!(verify(&intel, &quote, &registry, NOW_MS), Err(Error::UntrustedRoot));
	// The registry's trait implementation (Intel's roots) refuses it as well.
	use integritee_primitives::AttestationVerifier;
	type Registry = integritee_attestation::IntelAttestationVerifier;
	let refused = Registry::verify_dcap_quote(
		&quote,
		&|k, f| registry.lookup(k, f),
		None,
		RevocationPolicy::IfAvailable,
		NOW_MS,
	);
	assert_eq!(refused, Err(AttestationError::BadSignature));
	// With the chain pinning the simulated root, the same call accepts it.
	let accepted = Registry::verify_dcap_quote(
		&quote,
		&|k, f| registry.lookup(k, f),
		Some(&root),
		RevocationPolicy::IfAvailable,
		NOW_MS,
	)
	.expect("accepted under the pinned development root");
	assert_eq!(accepted.mr_enclave.0, enclave(false).mr_enclave);
}

#[test]
fn same_seed_same_artifacts_other_seed_other_root() {
	let a1 = SimulatedPlatform::from_seed(SEED_A);
	let a2 = SimulatedPlatform::from_seed(SEED_A);
	let b = SimulatedPlatform::from_seed(SEED_B);
	assert_eq!(a1.dev_root_ca_der(), a2.dev_root_ca_der());
	assert_eq!(a1.dev_root_ca_pem(), a2.dev_root_ca_pem());
	assert_eq!(a1.pck_chain_pem(), a2.pck_chain_pem());
	assert_eq!(
		a1.quote(&enclave(false), report_data()).unwrap(),
		a2.quote(&enclave(false), report_data()).unwrap()
	);
	assert_eq!(
		a1.collateral(ISSUED_MS, VALIDITY_MS).unwrap(),
		a2.collateral(ISSUED_MS, VALIDITY_MS).unwrap()
	);
	assert_ne!(a1.dev_root_ca_der(), b.dev_root_ca_der());
	assert_ne!(a1.pck_serial(), b.pck_serial());
	// The platform configuration changes the PCK certificate, not the root.
	let out_of_date = SimulatedPlatform::with_config(
		SEED_A,
		SimPlatformConfig { tcb_status: SimTcbStatus::OutOfDate, pce_svn: 2, ..Default::default() },
	);
	assert_eq!(out_of_date.dev_root_ca_der(), a1.dev_root_ca_der());
	assert_ne!(out_of_date.pck_cert_der(), a1.pck_cert_der());

	// A quote of platform A under B's root (with B's collateral) is refused.
	let root_b = b.dev_root_ca_der();
	let verifier_b = Verifier::intel().with_sgx_root(&root_b);
	let registry_b = own_registry(&b, &verifier_b);
	let quote_a = a1.quote(&enclave(false), report_data()).unwrap();
	assert_eq!(verify(&verifier_b, &quote_a, &registry_b, NOW_MS), Err(Error::UntrustedRoot));
	// A's collateral under B's root is refused too.
	let collateral_a = a1.collateral(ISSUED_MS, VALIDITY_MS).unwrap();
	for result in register_each(&verifier_b, &collateral_a, NOW_MS) {
		assert!(result.is_err());
	}
	// B's own quote is fine.
	let quote_b = b.quote(&enclave(false), report_data()).unwrap();
	verify(&verifier_b, &quote_b, &registry_b, NOW_MS).unwrap();
}

/// The root for a fixed seed never changes: other crates and chain specs pin it.
#[test]
fn dev_root_is_stable_across_runs() {
	let root = SimulatedPlatform::from_seed([0u8; 32]).dev_root_ca_der();
	let digest = integritee_sgx_sim::pki::sha256(&root);
	assert_eq!(hex::encode(digest), GOLDEN_ROOT_SHA256);
}

/// SHA-256 of the root certificate of the all-zero seed.
const GOLDEN_ROOT_SHA256: &str = "8a5510ae59ea10c1303d97f8082f627bb477b500c23cf4dc6d796f0039a10b5e";

fn status_case(status: SimTcbStatus) -> TcbStatus {
	let platform = SimulatedPlatform::with_config(
		SEED_A,
		SimPlatformConfig { tcb_status: status, ..Default::default() },
	);
	let root = platform.dev_root_ca_der();
	let verifier = Verifier::intel().with_sgx_root(&root);
	let registry = own_registry(&platform, &verifier);
	let quote = platform.quote(&enclave(false), report_data()).unwrap();
	let verified = verify(&verifier, &quote, &registry, NOW_MS).unwrap();
	let expected_level = if matches!(
		status,
		SimTcbStatus::OutOfDate
			| SimTcbStatus::OutOfDateConfigurationNeeded
			| SimTcbStatus::Revoked
	) {
		1
	} else {
		0
	};
	assert_eq!(verified.tcb_level, expected_level, "{status:?}");
	assert_eq!(verified.qe_status, TcbStatus::UpToDate);
	assert_eq!(verified.platform_status, verified.status);
	verified.status
}

#[test]
fn configured_tcb_status_is_the_verified_status() {
	assert_eq!(status_case(SimTcbStatus::UpToDate), TcbStatus::UpToDate);
	assert_eq!(status_case(SimTcbStatus::OutOfDate), TcbStatus::OutOfDate);
	assert_eq!(status_case(SimTcbStatus::SwHardeningNeeded), TcbStatus::SwHardeningNeeded);
	assert_eq!(status_case(SimTcbStatus::ConfigurationNeeded), TcbStatus::ConfigurationNeeded);
	assert_eq!(
		status_case(SimTcbStatus::ConfigurationAndSwHardeningNeeded),
		TcbStatus::ConfigurationAndSwHardeningNeeded
	);
	assert_eq!(
		status_case(SimTcbStatus::OutOfDateConfigurationNeeded),
		TcbStatus::OutOfDateConfigurationNeeded
	);
	assert_eq!(status_case(SimTcbStatus::Revoked), TcbStatus::Revoked);
}

#[test]
fn out_of_date_platform_and_debug_enclave() {
	let platform = SimulatedPlatform::with_config(SEED_A, SimPlatformConfig::out_of_date());
	let root = platform.dev_root_ca_der();
	let verifier = Verifier::intel().with_sgx_root(&root);
	let registry = own_registry(&platform, &verifier);
	let quote = platform.quote(&enclave(true), report_data()).unwrap();
	let verified = verify(&verifier, &quote, &registry, NOW_MS).unwrap();
	assert_eq!(verified.enclave.status, SgxStatus::OutOfDate);
	assert_eq!(verified.enclave.build_mode, SgxBuildMode::Debug);
	assert_eq!(verified.enclave.mr_enclave.0, enclave(true).mr_enclave);
}

#[test]
fn no_higher_level_for_a_maxed_out_platform() {
	let platform = SimulatedPlatform::with_config(
		SEED_A,
		SimPlatformConfig {
			cpu_svn: [0xff; 16],
			pce_svn: u16::MAX,
			tcb_status: SimTcbStatus::OutOfDate,
			..Default::default()
		},
	);
	assert_eq!(
		platform.collateral(ISSUED_MS, VALIDITY_MS),
		Err(integritee_sgx_sim::SimError::NoHigherTcbLevel)
	);
	// Up to date is still possible.
	let up_to_date = SimulatedPlatform::with_config(
		SEED_A,
		SimPlatformConfig { cpu_svn: [0xff; 16], pce_svn: u16::MAX, ..Default::default() },
	);
	let root = up_to_date.dev_root_ca_der();
	let verifier = Verifier::intel().with_sgx_root(&root);
	let registry = own_registry(&up_to_date, &verifier);
	let quote = up_to_date.quote(&enclave(false), report_data()).unwrap();
	assert_eq!(verify(&verifier, &quote, &registry, NOW_MS).unwrap().status, TcbStatus::UpToDate);
}

#[test]
fn revoked_pck_fails_with_revocation() {
	let platform = SimulatedPlatform::from_seed(SEED_A);
	let root = platform.dev_root_ca_der();
	let verifier = Verifier::intel().with_sgx_root(&root);
	let collateral = platform.collateral(ISSUED_MS, VALIDITY_MS).unwrap();
	let mut registry = registry(&verifier, &collateral, NOW_MS);
	let quote = platform.quote(&enclave(false), report_data()).unwrap();
	verify(&verifier, &quote, &registry, NOW_MS).unwrap();

	let crl = platform.revoke_pck(ISSUED_MS, VALIDITY_MS).unwrap();
	let revoked = register(
		&verifier,
		CollateralKind::PckCrl,
		&crl,
		&[],
		&collateral.pck_crl_issuer_chain_pem,
		NOW_MS,
	)
	.unwrap();
	registry.insert(revoked).unwrap();
	assert_eq!(verify(&verifier, &quote, &registry, NOW_MS), Err(Error::CertificateRevoked));
	assert_eq!(AttestationError::from(Error::CertificateRevoked), AttestationError::Revoked);

	// A CRL listing another serial revokes nothing.
	let other = platform.pck_crl(ISSUED_MS, VALIDITY_MS, &[vec![0x01, 0x02, 0x03]]).unwrap();
	registry
		.insert(
			register(
				&verifier,
				CollateralKind::PckCrl,
				&other,
				&[],
				&collateral.pck_crl_issuer_chain_pem,
				NOW_MS,
			)
			.unwrap(),
		)
		.unwrap();
	verify(&verifier, &quote, &registry, NOW_MS).unwrap();

	// The PCK CRL needs its issuer's chain: the TCB signing chain is refused.
	assert!(register(
		&verifier,
		CollateralKind::PckCrl,
		&crl,
		&[],
		&collateral.issuer_chain_pem,
		NOW_MS
	)
	.is_err());
}

#[test]
fn collateral_windows_are_enforced() {
	let platform = SimulatedPlatform::from_seed(SEED_A);
	let root = platform.dev_root_ca_der();
	let verifier = Verifier::intel().with_sgx_root(&root);
	let collateral = platform.collateral(ISSUED_MS, VALIDITY_MS).unwrap();
	let next = collateral.next_update_ms;
	// Registered at issue time and at the last millisecond; not at nextUpdate.
	for result in register_each(&verifier, &collateral, ISSUED_MS) {
		result.unwrap();
	}
	let [qe, tcb, _, _] = register_each(&verifier, &collateral, next - 1);
	qe.unwrap();
	tcb.unwrap();
	let [qe, tcb, pck_crl, root_crl] = register_each(&verifier, &collateral, next);
	assert_eq!(qe.unwrap_err(), Error::CollateralExpired(CollateralKind::QuotingEnclaveIdentity));
	assert_eq!(tcb.unwrap_err(), Error::CollateralExpired(CollateralKind::TcbInfo));
	assert_eq!(pck_crl.unwrap_err(), Error::CrlExpired);
	assert_eq!(root_crl.unwrap_err(), Error::CrlExpired);
	// Registered collateral expires for quotes as well.
	let registry = registry(&verifier, &collateral, NOW_MS);
	let quote = platform.quote(&enclave(false), report_data()).unwrap();
	assert!(verify(&verifier, &quote, &registry, next).is_err());
	assert_eq!(
		platform.collateral(ISSUED_MS, 999),
		Err(integritee_sgx_sim::SimError::EmptyValidity)
	);
}

#[test]
fn flipped_bytes_are_rejected() {
	let platform = SimulatedPlatform::from_seed(SEED_A);
	let root = platform.dev_root_ca_der();
	let verifier = Verifier::intel().with_sgx_root(&root);
	let registry = own_registry(&platform, &verifier);
	let quote = platform.quote(&enclave(false), report_data()).unwrap();
	verify(&verifier, &quote, &registry, NOW_MS).unwrap();
	let flip = |at: usize| {
		let mut q = quote.clone();
		q[at] ^= 0x01;
		q
	};

	// Header and ISV report body: the ISV signature.
	for at in 0..432 {
		let result = verify(&verifier, &flip(at), &registry, NOW_MS);
		assert!(result.is_err(), "flip at {at} accepted");
		if at >= 2 {
			// (The version's bytes change the layout itself.)
			assert!(
				matches!(
					result,
					Err(Error::IsvSignature
						| Error::UnsupportedAttestationKeyType(_)
						| Error::UnsupportedTeeType(_)
						| Error::UnknownQeVendor)
				),
				"flip at {at}: {result:?}"
			);
		}
	}
	// Signature data up to the certification data: lengths, signatures,
	// attestation key, QE report, auth data.
	let cert_data_start = 432 + 4 + 64 + 64 + 384 + 64 + 2 + 32 + 2 + 4;
	for at in 432..cert_data_start {
		assert!(verify(&verifier, &flip(at), &registry, NOW_MS).is_err(), "flip at {at} accepted");
	}
	// The PCK leaf and PCK CA in the certification data (the root copy after
	// them is ignored by design, the anchor being the configured root; a
	// flipped line feed becomes a vertical tab, which PEM skips as whitespace).
	let chain = platform.pck_chain_pem();
	let third_block = chain.match_indices("-----BEGIN").nth(2).unwrap().0;
	for at in (cert_data_start..cert_data_start + third_block).step_by(3) {
		if quote[at] == b'\n' {
			continue;
		}
		assert!(verify(&verifier, &flip(at), &registry, NOW_MS).is_err(), "flip at {at} accepted");
	}
	// An appended byte.
	let mut longer = quote.clone();
	longer.push(0);
	assert_eq!(verify(&verifier, &longer, &registry, NOW_MS), Err(Error::TrailingBytes("quote")));
}

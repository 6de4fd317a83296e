//! IAS / EPID verification of the real RA-TLS certificates from the shared test data.
#![allow(clippy::unwrap_used)]

mod common;

use common::sgx;
use integritee_attestation::{
	ias::{self, OID_NETSCAPE_COMMENT},
	roots::IAS_ROOT_CA_DER,
	x509::Cert,
	Error, Verifier,
};
use integritee_primitives::{SgxBuildMode, SgxStatus};

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;
const MR_SIGNER: &str = "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e";

/// (test number, report time, MRENCLAVE) from the test data README.
const CERTS: [(u8, u64, &str); 4] = [
	(4, 1_587_899_785_000, "7a3454ec8f42e265cb5be7dfd111e1d95ac6076ed82a0948b2e2a45cf17b62a0"),
	(5, 1_587_900_013_000, "f4dedfc9e5fcc48443332bc9b23161c34a3c3f5a692eaffdb228db27b704d9d1"),
	(6, 1_587_900_233_000, "f4dedfc9e5fcc48443332bc9b23161c34a3c3f5a692eaffdb228db27b704d9d1"),
	(7, 1_587_900_450_000, "f4dedfc9e5fcc48443332bc9b23161c34a3c3f5a692eaffdb228db27b704d9d1"),
];

fn cert(n: u8) -> Vec<u8> {
	sgx(&format!("ias/ra_dump_cert_TEST{n}.der"))
}

fn root() -> Cert {
	Cert::from_der(&IAS_ROOT_CA_DER).unwrap()
}

fn report_extension(n: u8) -> Vec<u8> {
	Cert::from_der(&cert(n)).unwrap().extension(&OID_NETSCAPE_COMMENT).unwrap().unwrap().to_vec()
}

#[test]
fn embedded_ias_root_is_the_shared_pem() {
	let pem = sgx("ias/AttestationReportSigningCACert.pem");
	let ders = integritee_attestation::pem::decode_certificates(&pem).unwrap();
	assert_eq!(ders, vec![IAS_ROOT_CA_DER.to_vec()]);
}

#[test]
fn all_certificates_verify_with_the_documented_claims() {
	for (n, report_ms, mr_enclave) in CERTS {
		let verified =
			Verifier::intel().verify_ias_certificate(&cert(n), report_ms + HOUR_MS).unwrap();
		let e = &verified.enclave;
		assert_eq!(verified.report_time_ms, report_ms, "TEST{n}");
		assert_eq!(e.attested_at_ms, report_ms);
		assert_eq!(e.status, SgxStatus::ConfigurationNeeded);
		assert_eq!(e.build_mode, SgxBuildMode::Debug);
		assert_eq!(hex::encode(e.mr_enclave), mr_enclave);
		assert_eq!(hex::encode(e.mr_signer), MR_SIGNER);
		assert_eq!(
			e.signer_public.to_vec(),
			sgx(&format!("ias/enclave-signing-pubkey-TEST{n}.bin")),
			"TEST{n}"
		);
	}
}

#[test]
fn test4_and_test5_share_a_signing_key_and_test7_differs() {
	let key = |n| {
		Verifier::intel()
			.verify_ias_certificate(&cert(n), CERTS[0].1 + HOUR_MS)
			.unwrap()
			.enclave
			.signer_public
	};
	assert_eq!(
		hex::encode(key(4)),
		"93cbb905e945dd817dfa86ff52e1261e7ff6956cf8b76e05e936090aa295138c"
	);
	assert_eq!(key(4), key(5));
	assert_ne!(key(5), key(7));
}

#[test]
fn freshness_is_24_hours_to_the_millisecond() {
	let report_ms = CERTS[3].1;
	let v = Verifier::intel();
	assert!(v.verify_ias_certificate(&cert(7), report_ms + DAY_MS - 1).is_ok());
	assert!(v.verify_ias_certificate(&cert(7), report_ms + DAY_MS).is_ok());
	assert_eq!(
		v.verify_ias_certificate(&cert(7), report_ms + DAY_MS + 1).unwrap_err(),
		Error::ReportTooOld
	);
	assert!(v.verify_ias_certificate(&cert(7), report_ms).is_ok());
	assert_eq!(
		v.verify_ias_certificate(&cert(7), report_ms - 1).unwrap_err(),
		Error::ReportFromTheFuture
	);
}

#[test]
fn the_signing_certificate_window_is_the_documented_one() {
	// The chain is checked at the report time. With the real reports (2020)
	// and signing certificate (2016..2026) no "now" within the 24 h freshness
	// window can tell report time and now apart, so this checks the window the
	// report time is compared with, and that the same chain fails outside it.
	let ext = report_extension(4);
	let parts = ias::split_report_extension(&ext).unwrap();
	let signing = Cert::from_der(&parts.signing_cert_der).unwrap();
	assert_eq!(signing.not_before_ms(), 1_479_807_418_000); // 2016-11-22T09:36:58Z
	assert_eq!(signing.not_after_ms(), 1_795_167_418_000); // 2026-11-20T09:36:58Z
	use integritee_attestation::x509::{verify_chain, LeafKind};
	let chain = [signing];
	assert!(verify_chain(&chain, &root(), LeafKind::EndEntity, CERTS[0].1).is_ok());
	assert_eq!(
		verify_chain(&chain, &root(), LeafKind::EndEntity, 1_795_167_418_001).unwrap_err(),
		Error::CertificateExpired
	);
	assert_eq!(
		verify_chain(&chain, &root(), LeafKind::EndEntity, 1_479_807_417_999).unwrap_err(),
		Error::CertificateExpired
	);
}

#[test]
fn every_byte_of_the_report_json_is_covered_by_the_signature() {
	let ext = report_extension(4);
	let parts = ias::split_report_extension(&ext).unwrap();
	let json_len = parts.report_json.len();
	let now = CERTS[0].1 + HOUR_MS;
	for at in 0..json_len {
		let tampered = common::flip(&ext, at);
		let err = ias::verify_report(&tampered, &root(), now).unwrap_err();
		assert!(
			matches!(err, Error::ReportSignature | Error::MissingReportExtension),
			"at {at}: {err:?}"
		);
	}
}

#[test]
fn every_byte_of_the_signature_and_signing_cert_is_checked() {
	let ext = report_extension(5);
	let json_len = ias::split_report_extension(&ext).unwrap().report_json.len();
	let now = CERTS[1].1 + HOUR_MS;
	assert!(ias::verify_report(&ext, &root(), now).is_ok());
	// Past the JSON: `|`, base64 signature, `|`, base64 certificate.
	for at in json_len..ext.len() {
		let tampered = common::flip(&ext, at);
		assert!(ias::verify_report(&tampered, &root(), now).is_err(), "flip at {at} accepted");
	}
}

#[test]
fn every_byte_of_the_report_extension_inside_the_certificate_is_checked() {
	let der = cert(6);
	let ext = report_extension(6);
	let start = der.windows(ext.len()).position(|w| w == &ext[..]).unwrap();
	let now = CERTS[2].1 + HOUR_MS;
	assert!(Verifier::intel().verify_ias_certificate(&der, now).is_ok());
	for at in start..start + ext.len() {
		assert!(
			Verifier::intel().verify_ias_certificate(&common::flip(&der, at), now).is_err(),
			"flip at {at} accepted"
		);
	}
}

#[test]
fn the_certificates_own_signature_carries_no_trust() {
	// The RA-TLS certificates are not signed with their own key: a verifier
	// that demanded it would refuse every real certificate. Its signature
	// bytes are therefore not consulted; trust comes from the IAS report.
	let der = cert(6);
	let c = Cert::from_der(&der).unwrap();
	assert_eq!(c.verify_signed_by(&c).unwrap_err(), Error::CertificateSignature);
	let last = der.len() - 1;
	assert!(Verifier::intel()
		.verify_ias_certificate(&common::flip(&der, last), CERTS[2].1 + HOUR_MS)
		.is_ok());
	// Without the extension nothing is attested.
	let ext = report_extension(6);
	let start = der.windows(ext.len()).position(|w| w == &ext[..]).unwrap();
	let mut renamed = der.clone();
	// The extension OID (2.16.840.1.113730.1.13) ends just before the OCTET
	// STRING header (4 bytes) of the value: change its last arc.
	renamed[start - 5] ^= 0x01;
	assert_eq!(
		Verifier::intel().verify_ias_certificate(&renamed, CERTS[2].1 + HOUR_MS).unwrap_err(),
		Error::MissingReportExtension
	);
}

#[test]
fn another_ias_root_is_refused() {
	let dcap_root = Cert::from_der(&integritee_attestation::roots::INTEL_SGX_ROOT_CA_DER).unwrap();
	let ext = report_extension(4);
	let err = ias::verify_report(&ext, &dcap_root, CERTS[0].1 + HOUR_MS).unwrap_err();
	assert!(matches!(err, Error::UntrustedRoot | Error::IssuerMismatch), "{err:?}");
}

#[test]
fn a_report_signed_under_another_root_is_refused_even_with_a_valid_signature_shape() {
	// Swap the embedded signing certificate for the IAS root itself: the
	// report signature no longer verifies with that key.
	let ext = report_extension(4);
	let parts = ias::split_report_extension(&ext).unwrap();
	use base64ct::Encoding;
	let mut forged = parts.report_json.to_vec();
	forged.push(b'|');
	forged.extend(base64ct::Base64::encode_string(&parts.signature).into_bytes());
	forged.push(b'|');
	forged.extend(base64ct::Base64::encode_string(&IAS_ROOT_CA_DER).into_bytes());
	assert!(ias::verify_report(&forged, &root(), CERTS[0].1 + HOUR_MS).is_err());
}

//! DCAP verification of the real quote and collateral from the shared test data.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use integritee_attestation::{
	dcap::{self, Quote, StoredCollateral},
	roots::INTEL_SGX_ROOT_CA_DER,
	x509::Cert,
	Error, RevocationPolicy, TcbStatus, Verifier,
};
use integritee_primitives::{CollateralKind, SgxBuildMode, SgxStatus};

const MR_ENCLAVE: &str = "6f90120b5c1f03619112eac855e29d6e0be4f35b2902aa169affff7719277ebc";
const MR_SIGNER: &str = "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e";
const SIGNER_PUBLIC: &str = "4159c17656ac1195cea0ae4bdb9733eb6e87143793a26a6e8fcf3940433fcb5f";

fn verify(
	quote: &[u8],
	registry: &Registry,
	now_ms: u64,
) -> Result<integritee_attestation::DcapVerified, Error> {
	Verifier::intel().verify_dcap_quote(quote, &|k, f| registry.lookup(k, f), now_ms)
}

#[test]
fn real_quote_verifies_with_expected_claims() {
	let registry = real_registry(&Verifier::intel());
	let verified = verify(&quote(), &registry, DCAP_NOW_MS).unwrap();
	assert_eq!(hex::encode(verified.enclave.mr_enclave), MR_ENCLAVE);
	assert_eq!(hex::encode(verified.enclave.mr_signer), MR_SIGNER);
	assert_eq!(hex::encode(verified.enclave.signer_public), SIGNER_PUBLIC);
	assert_eq!(verified.enclave.build_mode, SgxBuildMode::Debug);
	assert_eq!(verified.enclave.status, SgxStatus::SwHardeningNeeded);
	assert_eq!(verified.enclave.attested_at_ms, DCAP_NOW_MS);
	assert_eq!(verified.fmspc, FMSPC);
	// The first level of the TCB info ("level 1" in the README's 1-based count).
	assert_eq!(verified.tcb_level, 0);
	assert_eq!(verified.platform_status, TcbStatus::SwHardeningNeeded);
	assert_eq!(verified.qe_status, TcbStatus::UpToDate);
	// report_data[32..64] of the quote is the shielding key hash.
	let quote = quote();
	let parsed = Quote::parse(&quote).unwrap();
	assert_eq!(verified.enclave.report_binding[..], parsed.isv_report.report_data[32..]);
}

#[test]
fn quote_fields_parse_as_documented() {
	let quote = quote();
	let q = Quote::parse(&quote).unwrap();
	q.check_supported().unwrap();
	assert_eq!(quote.len(), 4599);
	assert_eq!(q.header.version, 3);
	assert_eq!(q.header.attestation_key_type, 2);
	assert_eq!(q.isv_report.attributes[0], 0x07);
	assert_eq!(
		hex::encode(q.qe_report.mr_signer),
		"8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff"
	);
	assert_eq!((q.qe_report.isv_prod_id, q.qe_report.isv_svn), (1, 8));
	assert_eq!(q.qe_auth_data.len(), 32);
	assert_eq!(q.certification_data_type, 5);
}

#[test]
fn pck_extension_matches_the_documented_platform() {
	let quote = quote();
	let checked =
		dcap::check_quote(&quote, &Cert::from_der(&INTEL_SGX_ROOT_CA_DER).unwrap(), DCAP_NOW_MS)
			.unwrap();
	assert_eq!(checked.platform.fmspc, FMSPC);
	assert_eq!(hex::encode(checked.platform.cpu_svn), "11110204018007000000000000000000");
	assert_eq!(checked.platform.pce_svn, 11);
	assert_eq!(checked.platform.pce_id, [0, 0]);
	assert_eq!(checked.pck_path.len(), 2, "leaf and Processor CA below the root");
}

#[test]
fn the_separate_pck_leaf_file_is_the_quotes_leaf() {
	let quote = quote();
	let q = Quote::parse(&quote).unwrap();
	let chain = integritee_attestation::pem::decode_certificates(q.certification_data).unwrap();
	assert_eq!(chain.len(), 3);
	let text: String =
		String::from_utf8(sgx("dcap/dcap_quote_cert.der")).unwrap().split_whitespace().collect();
	use base64ct::Encoding;
	let leaf = base64ct::Base64::decode_vec(&text).unwrap();
	assert_eq!(leaf, chain[0]);
	let from_file = integritee_attestation::dcap::PckPlatform::from_certificate(
		&Cert::from_der(&leaf).unwrap(),
	)
	.unwrap();
	assert_eq!(from_file.fmspc, FMSPC);
}

#[test]
fn every_byte_flip_in_the_signed_part_is_rejected() {
	let registry = real_registry(&Verifier::intel());
	let quote = quote();
	for at in 0..432 {
		let result = verify(&flip(&quote, at), &registry, DCAP_NOW_MS);
		assert!(result.is_err(), "flip at {at} accepted");
	}
}

#[test]
fn flips_in_the_isv_report_break_the_isv_signature() {
	// Header fields that are checked before the signature (version, key type,
	// TEE type, vendor) fail as unsupported; everything else fails the ISV signature.
	let registry = real_registry(&Verifier::intel());
	let quote = quote();
	for at in (8..12).chain(28..48).chain(48..432) {
		assert_eq!(
			verify(&flip(&quote, at), &registry, DCAP_NOW_MS).unwrap_err(),
			Error::IsvSignature,
			"at {at}"
		);
	}
	assert_eq!(
		verify(&flip(&quote, 0), &registry, DCAP_NOW_MS).unwrap_err(),
		Error::UnsupportedQuoteVersion(2)
	);
	assert_eq!(
		verify(&flip(&quote, 2), &registry, DCAP_NOW_MS).unwrap_err(),
		Error::UnsupportedAttestationKeyType(3)
	);
	assert_eq!(
		verify(&flip(&quote, 12), &registry, DCAP_NOW_MS).unwrap_err(),
		Error::UnknownQeVendor
	);
}

#[test]
fn qe_report_tampering_is_rejected() {
	let registry = real_registry(&Verifier::intel());
	let quote = quote();
	// Signature data: 4-byte length at 432, ISV signature 436..500,
	// attestation key 500..564, QE report 564..948, QE report signature 948..1012.
	for at in [564, 564 + 128, 564 + 256, 564 + 320, 564 + 352, 947] {
		let err = verify(&flip(&quote, at), &registry, DCAP_NOW_MS).unwrap_err();
		assert!(
			matches!(err, Error::QeReportSignature | Error::QeReportDataMismatch),
			"at {at}: {err:?}"
		);
	}
	// The QE report data carries the binding hash.
	assert_eq!(
		verify(&flip(&quote, 564 + 320), &registry, DCAP_NOW_MS).unwrap_err(),
		Error::QeReportDataMismatch
	);
	// Elsewhere in the QE report the PCK signature breaks.
	assert_eq!(
		verify(&flip(&quote, 564 + 128), &registry, DCAP_NOW_MS).unwrap_err(),
		Error::QeReportSignature
	);
	// A changed attestation key breaks the ISV signature or the binding.
	assert!(verify(&flip(&quote, 530), &registry, DCAP_NOW_MS).is_err());
	// A changed QE report signature.
	assert_eq!(
		verify(&flip(&quote, 980), &registry, DCAP_NOW_MS).unwrap_err(),
		Error::QeReportSignature
	);
	// Changed QE auth data (length at 1012, data 1014..1046) breaks the binding.
	assert_eq!(
		verify(&flip(&quote, 1020), &registry, DCAP_NOW_MS).unwrap_err(),
		Error::QeReportDataMismatch
	);
}

#[test]
fn length_errors_are_exact() {
	let quote = quote();
	let mut longer = quote.clone();
	longer.push(0);
	assert_eq!(Quote::parse(&longer).unwrap_err(), Error::TrailingBytes("quote"));
	let registry = real_registry(&Verifier::intel());
	assert_eq!(verify(&longer, &registry, DCAP_NOW_MS).unwrap_err(), Error::TrailingBytes("quote"));
	for len in 0..quote.len() {
		let err = Quote::parse(&quote[..len]).unwrap_err();
		assert!(matches!(err, Error::Truncated(_)), "len {len}: {err:?}");
	}
	// A signature length that claims one byte less leaves a byte over inside,
	// and one byte more runs past the end.
	let mut inner = quote.clone();
	let len = u32::from_le_bytes(inner[432..436].try_into().unwrap());
	inner[432..436].copy_from_slice(&(len - 1).to_le_bytes());
	assert_eq!(Quote::parse(&inner).unwrap_err(), Error::TrailingBytes("quote"));
	inner[432..436].copy_from_slice(&(len + 1).to_le_bytes());
	assert_eq!(Quote::parse(&inner).unwrap_err(), Error::Truncated("signature_data"));
	// Certification data length one short: a byte is left in the signature data.
	let mut cert_len = quote.clone();
	let at = 1046 + 2;
	let l = u32::from_le_bytes(cert_len[at..at + 4].try_into().unwrap());
	assert_eq!(l as usize, quote.len() - (at + 4));
	cert_len[at..at + 4].copy_from_slice(&(l - 1).to_le_bytes());
	assert_eq!(Quote::parse(&cert_len).unwrap_err(), Error::TrailingBytes("signature_data"));
}

#[test]
fn qe_identity_expires_at_its_next_update() {
	let registry = real_registry(&Verifier::intel());
	let quote = quote();
	assert!(verify(&quote, &registry, QE_IDENTITY_NEXT_UPDATE_MS - 1).is_ok());
	assert_eq!(
		verify(&quote, &registry, QE_IDENTITY_NEXT_UPDATE_MS).unwrap_err(),
		Error::CollateralExpired(CollateralKind::QuotingEnclaveIdentity)
	);
	let a = artifacts();
	let v = Verifier::intel();
	assert_eq!(
		register_json(
			&v,
			CollateralKind::QuotingEnclaveIdentity,
			&a.qe_identity_file,
			&a.qe_identity_chain,
			QE_IDENTITY_NEXT_UPDATE_MS
		)
		.unwrap_err(),
		Error::CollateralExpired(CollateralKind::QuotingEnclaveIdentity)
	);
	// Before its issueDate (2022-12-04T22:45:33Z) it is not valid either.
	assert_eq!(
		register_json(
			&v,
			CollateralKind::QuotingEnclaveIdentity,
			&a.qe_identity_file,
			&a.qe_identity_chain,
			1_670_193_932_999
		)
		.unwrap_err(),
		Error::CollateralExpired(CollateralKind::QuotingEnclaveIdentity)
	);
	assert!(register_json(
		&v,
		CollateralKind::QuotingEnclaveIdentity,
		&a.qe_identity_file,
		&a.qe_identity_chain,
		1_670_193_933_000
	)
	.is_ok());
}

#[test]
fn pck_certificate_validity_is_checked_at_now() {
	// Register the collateral at a valid time but verify after the PCK leaf and
	// the QE identity expired: a certificate or the collateral must fail.
	let registry = real_registry(&Verifier::intel());
	let err = verify(&quote(), &registry, 1_900_000_000_000).unwrap_err();
	assert!(matches!(err, Error::CertificateExpired | Error::CollateralExpired(_)), "{err:?}");
	// Before the PCK leaf was issued.
	let checked = dcap::check_quote(
		&quote(),
		&Cert::from_der(&INTEL_SGX_ROOT_CA_DER).unwrap(),
		1_000_000_000_000,
	);
	assert_eq!(checked.unwrap_err(), Error::CertificateExpired);
}

#[test]
fn missing_or_mismatched_collateral_is_refused() {
	let registry = real_registry(&Verifier::intel());
	let quote = quote();
	assert_eq!(
		verify(&quote, &without(&registry, CollateralKind::QuotingEnclaveIdentity), DCAP_NOW_MS)
			.unwrap_err(),
		Error::MissingCollateral(CollateralKind::QuotingEnclaveIdentity)
	);
	assert_eq!(
		verify(&quote, &without(&registry, CollateralKind::TcbInfo), DCAP_NOW_MS).unwrap_err(),
		Error::MissingCollateral(CollateralKind::TcbInfo)
	);
	// The CRLs are optional under the default policy...
	assert!(verify(&quote, &without(&registry, CollateralKind::RootCaCrl), DCAP_NOW_MS).is_ok());
	// ...and required to cover the whole path under `Require`: the quote's leaf
	// is issued by the Processor CA, for which no CRL is registered.
	let strict = Verifier::intel().with_revocation(RevocationPolicy::Require);
	assert_eq!(
		strict.verify_dcap_quote(&quote, &|k, f| registry.lookup(k, f), DCAP_NOW_MS).unwrap_err(),
		Error::RevocationStatusUnknown
	);
	// A registry that answers with the wrong kind is caught.
	let qe = registry.lookup(CollateralKind::QuotingEnclaveIdentity, None).unwrap();
	let wrong = |k: CollateralKind, f| {
		if k == CollateralKind::TcbInfo {
			Some(qe.clone())
		} else {
			registry.lookup(k, f)
		}
	};
	assert!(matches!(
		Verifier::intel().verify_dcap_quote(&quote, &wrong, DCAP_NOW_MS).unwrap_err(),
		Error::CollateralMismatch(_)
	));
	// Corrupted stored bytes are refused, not misread.
	let mut corrupted = registry.clone();
	let mut tcb = registry.lookup(CollateralKind::TcbInfo, Some(FMSPC)).unwrap();
	tcb.encoded.truncate(tcb.encoded.len() - 1);
	corrupted.insert(tcb).unwrap();
	assert_eq!(verify(&quote, &corrupted, DCAP_NOW_MS).unwrap_err(), Error::BadStoredCollateral);
}

#[test]
fn collateral_from_another_root_is_refused() {
	// Collateral is bound to the root it was verified under: a verifier with
	// another root neither accepts the quote's chain nor the collateral.
	let a = artifacts();
	let other_root = integritee_attestation::roots::IAS_ROOT_CA_DER;
	let v = Verifier::intel().with_sgx_root(&other_root);
	let err = register_json(
		&v,
		CollateralKind::TcbInfo,
		&a.tcb_info_file,
		&a.tcb_info_chain,
		DCAP_NOW_MS,
	)
	.unwrap_err();
	assert!(
		matches!(err, Error::UntrustedRoot | Error::IssuerMismatch | Error::CertificateSignature),
		"{err:?}"
	);
	let registry = real_registry(&Verifier::intel());
	assert!(v.verify_dcap_quote(&quote(), &|k, f| registry.lookup(k, f), DCAP_NOW_MS).is_err());
}

#[test]
fn stored_collateral_round_trips() {
	let registry = real_registry(&Verifier::intel());
	let tcb = registry.lookup(CollateralKind::TcbInfo, Some(FMSPC)).unwrap();
	assert_eq!(tcb.fmspc, Some(FMSPC));
	assert_eq!(tcb.issued_at_ms, 1_668_689_132_000);
	assert_eq!(tcb.next_update_ms, 1_681_649_132_000);
	match StoredCollateral::decode_stored(&tcb.encoded).unwrap() {
		StoredCollateral::TcbInfo(info) => {
			assert_eq!(info.tcb_levels.len(), 18);
			assert_eq!(info.fmspc, FMSPC);
			assert_eq!(info.tcb_levels[0].status, TcbStatus::SwHardeningNeeded);
			assert_eq!(info.tcb_levels[1].status, TcbStatus::OutOfDate);
			assert_eq!(StoredCollateral::TcbInfo(info).encode_stored(), tcb.encoded);
		}
		other => panic!("{other:?}"),
	}
	let qe = registry.lookup(CollateralKind::QuotingEnclaveIdentity, None).unwrap();
	assert_eq!(
		(qe.issued_at_ms, qe.next_update_ms),
		(1_670_193_933_000, QE_IDENTITY_NEXT_UPDATE_MS)
	);
	assert!(matches!(
		StoredCollateral::decode_stored(&qe.encoded),
		Ok(StoredCollateral::QeIdentity(_))
	));
}

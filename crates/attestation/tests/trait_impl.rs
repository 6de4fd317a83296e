//! The registry's view: `IntelAttestationVerifier` through the
//! `AttestationVerifier` trait, and CRL handling with real Intel CRLs.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use integritee_attestation::{
	crl::CrlRecord,
	dcap::{self, StoredCollateral},
	roots::INTEL_SGX_ROOT_CA_DER,
	x509::Cert,
	Error, IntelAttestationVerifier, RevocationPolicy, Verifier,
};
use integritee_primitives::{
	AttestationError, AttestationVerifier, CollateralEvidence, CollateralKind, SgxBuildMode,
	SgxStatus,
};

type V = IntelAttestationVerifier;

fn evidence<'a>(body: &'a [u8], signature: &'a [u8], chain: &'a [u8]) -> CollateralEvidence<'a> {
	CollateralEvidence { body, signature, issuer_chain: chain }
}

fn trait_registry() -> Registry {
	let a = artifacts();
	let (qe, qe_sig) = signed(&a.qe_identity_file);
	let (tcb, tcb_sig) = signed(&a.tcb_info_file);
	let mut r = Registry::default();
	r.insert(
		V::verify_collateral(
			CollateralKind::QuotingEnclaveIdentity,
			evidence(&qe, &qe_sig, &a.qe_identity_chain),
			None,
			DCAP_NOW_MS,
		)
		.unwrap(),
	)
	.unwrap();
	r.insert(
		V::verify_collateral(
			CollateralKind::TcbInfo,
			evidence(&tcb, &tcb_sig, &a.tcb_info_chain),
			None,
			DCAP_NOW_MS,
		)
		.unwrap(),
	)
	.unwrap();
	r.insert(
		V::verify_collateral(
			CollateralKind::RootCaCrl,
			evidence(&a.root_ca_crl, &[], &[]),
			None,
			DCAP_NOW_MS,
		)
		.unwrap(),
	)
	.unwrap();
	r
}

#[test]
fn collateral_registration_reports_kind_fmspc_and_dates() {
	let r = trait_registry();
	let qe = r.lookup(CollateralKind::QuotingEnclaveIdentity, None).unwrap();
	assert_eq!((qe.kind, qe.fmspc), (CollateralKind::QuotingEnclaveIdentity, None));
	assert_eq!(
		(qe.issued_at_ms, qe.next_update_ms),
		(1_670_193_933_000, QE_IDENTITY_NEXT_UPDATE_MS)
	);
	let tcb = r.lookup(CollateralKind::TcbInfo, Some(FMSPC)).unwrap();
	assert_eq!((tcb.kind, tcb.fmspc), (CollateralKind::TcbInfo, Some(FMSPC)));
	let crl = r.lookup(CollateralKind::RootCaCrl, None).unwrap();
	// Root CA CRL: thisUpdate 2022-04-19T08:31:18Z, nextUpdate 2023-04-19T08:31:18Z.
	assert_eq!((crl.issued_at_ms, crl.next_update_ms), (1_650_357_078_000, 1_681_893_078_000));
	match StoredCollateral::decode_stored(&crl.encoded).unwrap() {
		StoredCollateral::Crl(c) => assert!(c.record.revoked_serials.is_empty()),
		other => panic!("{other:?}"),
	}
}

#[test]
fn crl_body_may_be_der_or_hex_text() {
	let a = artifacts();
	let der = hex::decode(a.root_ca_crl.trim_ascii()).unwrap();
	let from_hex = V::verify_collateral(
		CollateralKind::RootCaCrl,
		evidence(&a.root_ca_crl, &[], &[]),
		None,
		DCAP_NOW_MS,
	)
	.unwrap();
	let from_der = V::verify_collateral(
		CollateralKind::RootCaCrl,
		evidence(&der, &[], &[]),
		None,
		DCAP_NOW_MS,
	)
	.unwrap();
	assert_eq!(from_hex, from_der);
	// With the usual issuer chain file (which ends in the root) too.
	let with_chain = V::verify_collateral(
		CollateralKind::RootCaCrl,
		evidence(&der, &[], &a.tcb_info_chain),
		None,
		DCAP_NOW_MS,
	)
	.unwrap();
	assert_eq!(with_chain, from_der);
	// A CRL has no separate signature, and a tampered one fails its own.
	assert_eq!(
		V::verify_collateral(
			CollateralKind::RootCaCrl,
			evidence(&der, b"00", &[]),
			None,
			DCAP_NOW_MS
		)
		.unwrap_err(),
		AttestationError::Malformed
	);
	let mut tampered = der.clone();
	let n = tampered.len();
	tampered[n - 10] ^= 1;
	assert_eq!(
		V::verify_collateral(
			CollateralKind::RootCaCrl,
			evidence(&tampered, &[], &[]),
			None,
			DCAP_NOW_MS
		)
		.unwrap_err(),
		AttestationError::BadSignature
	);
	// Past its nextUpdate it is expired.
	assert_eq!(
		V::verify_collateral(
			CollateralKind::RootCaCrl,
			evidence(&der, &[], &[]),
			None,
			1_681_893_078_000
		)
		.unwrap_err(),
		AttestationError::Expired
	);
}

#[test]
fn the_shared_pck_crl_does_not_match_its_shared_issuer_chain() {
	// pck_crl.der is issued by the PCK Platform CA; pck_crl_issuer_chain.pem is
	// the Processor CA chain. Registering one against the other is refused.
	let a = artifacts();
	let v = Verifier::intel();
	assert_eq!(
		register_crl(&v, CollateralKind::PckCrl, &a.pck_crl, &a.pck_crl_chain, 1_667_260_800_000)
			.unwrap_err(),
		Error::CrlIssuerMismatch
	);
	assert_eq!(
		V::verify_collateral(
			CollateralKind::PckCrl,
			evidence(&a.pck_crl, &[], &a.pck_crl_chain),
			None,
			1_667_260_800_000
		)
		.unwrap_err(),
		AttestationError::BadSignature
	);
	// Nor is it the Root CA's CRL.
	assert_eq!(
		register_crl(&v, CollateralKind::RootCaCrl, &a.pck_crl, &[], 1_667_260_800_000)
			.unwrap_err(),
		Error::CrlIssuerMismatch
	);
}

/// The PCK Platform CA chain, from dcap-qvl's TDX sample collateral.
fn platform_ca_chain() -> Vec<u8> {
	dcap_qvl_sample_collateral("tdx_quote_collateral.json")["pck_crl_issuer_chain"]
		.as_str()
		.unwrap()
		.as_bytes()
		.to_vec()
}

#[test]
fn the_shared_pck_crl_verifies_under_the_platform_ca() {
	// 2022-11-01: inside the CRL's window (2022-10-23 .. 2022-11-22).
	let a = artifacts();
	let v = Verifier::intel();
	let c = register_crl(
		&v,
		CollateralKind::PckCrl,
		&a.pck_crl,
		&platform_ca_chain(),
		1_667_260_800_000,
	)
	.unwrap();
	let StoredCollateral::Crl(stored) = StoredCollateral::decode_stored(&c.encoded).unwrap() else {
		panic!()
	};
	assert_eq!(stored.record.revoked_serials.len(), 3);
	assert_eq!(
		hex::encode_upper(&stored.record.revoked_serials[0]),
		"639F139A5040FDCFF191E8A4FB1BF086ED603971"
	);
	// After its nextUpdate it is expired.
	assert_eq!(
		register_crl(&v, CollateralKind::PckCrl, &a.pck_crl, &platform_ca_chain(), DCAP_NOW_MS)
			.unwrap_err(),
		Error::CrlExpired
	);
	// The record is for the Platform CA: it does not apply to any certificate
	// of the quote, whose leaf the Processor CA issued.
	let checked =
		dcap::check_quote(&quote(), &Cert::from_der(&INTEL_SGX_ROOT_CA_DER).unwrap(), DCAP_NOW_MS)
			.unwrap();
	assert!(checked.pck_path.iter().all(|link| !stored.record.applies_to(link)));
}

fn appraise_with(
	crls: &[CrlRecord],
	policy: RevocationPolicy,
) -> Result<integritee_attestation::DcapVerified, Error> {
	let v = Verifier::intel().with_revocation(policy);
	let registry = real_registry(&v);
	let decode = |kind, fmspc| {
		StoredCollateral::decode_stored(&registry.lookup(kind, fmspc).unwrap().encoded).unwrap()
	};
	let StoredCollateral::QeIdentity(qe) = decode(CollateralKind::QuotingEnclaveIdentity, None)
	else {
		panic!()
	};
	let StoredCollateral::TcbInfo(tcb) = decode(CollateralKind::TcbInfo, Some(FMSPC)) else {
		panic!()
	};
	let StoredCollateral::Crl(root_crl) = decode(CollateralKind::RootCaCrl, None) else { panic!() };
	let checked =
		dcap::check_quote(&quote(), &Cert::from_der(&INTEL_SGX_ROOT_CA_DER).unwrap(), DCAP_NOW_MS)
			.unwrap();
	let mut all = crls.to_vec();
	all.push(root_crl.record);
	v.appraise(&checked, &qe, &tcb, &all, DCAP_NOW_MS)
}

/// A CRL record of the quote's Processor CA (as `crl::verify_crl` would make
/// it from a signed CRL of that CA), listing `serials`.
fn processor_ca_record(serials: Vec<Vec<u8>>, next_update_ms: u64) -> CrlRecord {
	let checked =
		dcap::check_quote(&quote(), &Cert::from_der(&INTEL_SGX_ROOT_CA_DER).unwrap(), DCAP_NOW_MS)
			.unwrap();
	let leaf = &checked.pck_path[0];
	CrlRecord {
		issuer_der: leaf.issuer_der.clone(),
		signer_key_hash: leaf.issuer_key_hash,
		this_update_ms: DCAP_NOW_MS - 1,
		next_update_ms,
		revoked_serials: serials,
	}
}

#[test]
fn a_listed_pck_serial_is_revoked() {
	let checked =
		dcap::check_quote(&quote(), &Cert::from_der(&INTEL_SGX_ROOT_CA_DER).unwrap(), DCAP_NOW_MS)
			.unwrap();
	let leaf_serial = checked.pck_path[0].serial.clone();
	let far = DCAP_NOW_MS + 1_000_000;
	let revoked = processor_ca_record(vec![vec![1, 2, 3], leaf_serial.clone()], far);
	for policy in [RevocationPolicy::IfAvailable, RevocationPolicy::Require] {
		assert_eq!(
			appraise_with(std::slice::from_ref(&revoked), policy).unwrap_err(),
			Error::CertificateRevoked
		);
	}
	assert_eq!(AttestationError::from(Error::CertificateRevoked), AttestationError::Revoked);
	// Not listed: accepted, under both policies (the record covers the leaf,
	// the Root CA CRL covers the Processor CA, the root and the TCB signer).
	let clean = processor_ca_record(vec![vec![1, 2, 3]], far);
	for policy in [RevocationPolicy::IfAvailable, RevocationPolicy::Require] {
		assert_eq!(
			appraise_with(std::slice::from_ref(&clean), policy).unwrap().enclave.status,
			SgxStatus::SwHardeningNeeded
		);
	}
	// An applicable CRL past its nextUpdate is refused.
	let stale = processor_ca_record(vec![], DCAP_NOW_MS);
	assert_eq!(
		appraise_with(&[stale], RevocationPolicy::IfAvailable).unwrap_err(),
		Error::CrlExpired
	);
	// A record with the Processor CA's name but another key does not apply.
	let mut other_key = processor_ca_record(vec![leaf_serial], far);
	other_key.signer_key_hash[0] ^= 1;
	assert!(appraise_with(&[other_key.clone()], RevocationPolicy::IfAvailable).is_ok());
	assert_eq!(
		appraise_with(&[other_key], RevocationPolicy::Require).unwrap_err(),
		Error::RevocationStatusUnknown
	);
}

#[test]
fn quote_through_the_trait() {
	let r = trait_registry();
	let lookup = |k, f| r.lookup(k, f);
	let enclave =
		V::verify_dcap_quote(&quote(), &lookup, None, RevocationPolicy::IfAvailable, DCAP_NOW_MS)
			.unwrap();
	assert_eq!(enclave.status, SgxStatus::SwHardeningNeeded);
	assert_eq!(enclave.build_mode, SgxBuildMode::Debug);
	assert_eq!(enclave.attested_at_ms, DCAP_NOW_MS);
	assert_eq!(
		hex::encode(enclave.mr_enclave),
		"6f90120b5c1f03619112eac855e29d6e0be4f35b2902aa169affff7719277ebc"
	);

	assert_eq!(
		V::verify_dcap_quote(
			&quote(),
			&lookup,
			None,
			RevocationPolicy::IfAvailable,
			QE_IDENTITY_NEXT_UPDATE_MS
		)
		.unwrap_err(),
		AttestationError::Expired
	);
	assert_eq!(
		V::verify_dcap_quote(
			&flip(&quote(), 100),
			&lookup,
			None,
			RevocationPolicy::IfAvailable,
			DCAP_NOW_MS
		)
		.unwrap_err(),
		AttestationError::BadSignature
	);
	let mut longer = quote();
	longer.push(0);
	assert_eq!(
		V::verify_dcap_quote(&longer, &lookup, None, RevocationPolicy::IfAvailable, DCAP_NOW_MS)
			.unwrap_err(),
		AttestationError::Malformed
	);
	let empty = Registry::default();
	assert_eq!(
		V::verify_dcap_quote(
			&quote(),
			&|k, f| empty.lookup(k, f),
			None,
			RevocationPolicy::IfAvailable,
			DCAP_NOW_MS
		)
		.unwrap_err(),
		AttestationError::MissingCollateral
	);
	assert_eq!(
		V::verify_dcap_quote(&[], &lookup, None, RevocationPolicy::IfAvailable, DCAP_NOW_MS)
			.unwrap_err(),
		AttestationError::Malformed
	);
}

#[test]
fn ias_through_the_trait() {
	let cert = sgx("ias/ra_dump_cert_TEST4.der");
	let report_ms = 1_587_899_785_000;
	let enclave = V::verify_ias_certificate(&cert, report_ms + 3_600_000).unwrap();
	assert_eq!(enclave.status, SgxStatus::ConfigurationNeeded);
	assert_eq!(enclave.attested_at_ms, report_ms);
	assert_eq!(
		V::verify_ias_certificate(&cert, report_ms + 86_400_001).unwrap_err(),
		AttestationError::Expired
	);
	assert_eq!(
		V::verify_ias_certificate(&cert[..100], report_ms).unwrap_err(),
		AttestationError::Malformed
	);
}

#[test]
fn json_collateral_signature_and_chain_are_enforced() {
	let a = artifacts();
	let (body, sig) = signed(&a.tcb_info_file);
	let v = |body: &[u8], sig: &[u8], chain: &[u8]| {
		V::verify_collateral(CollateralKind::TcbInfo, evidence(body, sig, chain), None, DCAP_NOW_MS)
	};
	assert!(v(&body, &sig, &a.tcb_info_chain).is_ok());
	// One changed byte of the signed object, of the signature, or whitespace
	// added around the object: the exact bytes are signed.
	assert_eq!(
		v(&flip(&body, 40), &sig, &a.tcb_info_chain).unwrap_err(),
		AttestationError::BadSignature
	);
	let mut sig2 = sig.clone();
	sig2[10] = if sig2[10] == b'0' { b'1' } else { b'0' };
	assert_eq!(v(&body, &sig2, &a.tcb_info_chain).unwrap_err(), AttestationError::BadSignature);
	let mut spaced = b" ".to_vec();
	spaced.extend(&body);
	assert_eq!(v(&spaced, &sig, &a.tcb_info_chain).unwrap_err(), AttestationError::BadSignature);
	// The QE identity's signature does not verify the TCB info.
	let (_, qe_sig) = signed(&a.qe_identity_file);
	assert_eq!(v(&body, &qe_sig, &a.tcb_info_chain).unwrap_err(), AttestationError::BadSignature);
	// The Processor CA chain does not lead to a collateral signer.
	assert_eq!(v(&body, &sig, &a.pck_crl_chain).unwrap_err(), AttestationError::BadSignature);
	// A chain without the TCB Signing certificate.
	assert!(v(&body, &sig, b"").is_err());
	// The single-certificate file (base64 without PEM markers) holds no PEM
	// block, so no signer is found.
	assert_eq!(
		v(&body, &sig, &sgx("dcap/qe_identity_cert.pem")).unwrap_err(),
		AttestationError::BadSignature
	);
	assert_eq!(
		Verifier::intel()
			.verify_collateral(
				CollateralKind::TcbInfo,
				evidence(&body, &sig, &sgx("dcap/qe_identity_cert.pem")),
				DCAP_NOW_MS
			)
			.unwrap_err(),
		Error::BadChainLength
	);
	// A TCB info registered as a QE identity does not parse as one.
	assert_eq!(
		V::verify_collateral(
			CollateralKind::QuotingEnclaveIdentity,
			evidence(&body, &sig, &a.tcb_info_chain),
			None,
			DCAP_NOW_MS
		)
		.unwrap_err(),
		AttestationError::Malformed
	);
}

#[test]
fn configured_root_ca_replaces_intels() {
	let a = artifacts();
	let (tcb, tcb_sig) = signed(&a.tcb_info_file);
	let tcb_evidence = evidence(&tcb, &tcb_sig, &a.tcb_info_chain);
	let with_intel =
		V::verify_collateral(CollateralKind::TcbInfo, tcb_evidence, None, DCAP_NOW_MS).unwrap();
	// Naming Intel's root explicitly is the same as the default.
	assert_eq!(
		V::verify_collateral(
			CollateralKind::TcbInfo,
			tcb_evidence,
			Some(&INTEL_SGX_ROOT_CA_DER),
			DCAP_NOW_MS
		)
		.unwrap(),
		with_intel
	);
	// Under another root, Intel's collateral and quote do not verify.
	let other_root = integritee_attestation::roots::IAS_ROOT_CA_DER;
	assert_eq!(
		V::verify_collateral(CollateralKind::TcbInfo, tcb_evidence, Some(&other_root), DCAP_NOW_MS)
			.unwrap_err(),
		AttestationError::BadSignature
	);
	let r = trait_registry();
	let lookup = |k, f| r.lookup(k, f);
	assert!(V::verify_dcap_quote(
		&quote(),
		&lookup,
		Some(&other_root),
		RevocationPolicy::IfAvailable,
		DCAP_NOW_MS
	)
	.is_err());
}

#[test]
fn root_ca_must_be_a_self_signed_ca() {
	assert_eq!(V::check_root_ca(&INTEL_SGX_ROOT_CA_DER), Ok(()));
	assert_eq!(V::check_root_ca(&integritee_attestation::roots::IAS_ROOT_CA_DER), Ok(()));
	// The PCK leaf is neither a CA nor self-signed; garbage is malformed.
	let leaf =
		integritee_attestation::pem::decode_certificates(&sgx("dcap/tcb_info_issuer_chain.pem"))
			.unwrap()
			.remove(0);
	assert!(V::check_root_ca(&leaf).is_err());
	assert_eq!(V::check_root_ca(b"not a certificate"), Err(AttestationError::Malformed));
	assert_eq!(V::check_root_ca(&[]), Err(AttestationError::Malformed));
	let mut tampered = INTEL_SGX_ROOT_CA_DER.to_vec();
	let last = tampered.len() - 1;
	tampered[last] ^= 1;
	assert!(V::check_root_ca(&tampered).is_err());
}

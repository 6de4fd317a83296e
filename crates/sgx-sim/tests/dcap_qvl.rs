//! The simulator's artifacts under an independent verifier: dcap-qvl 0.7.1
//! (Phala's DCAP verifier, which follows Intel's QVL) configured with the
//! simulated root accepts them with the same status as ours, and rejects
//! them under Intel's root or with the PCK revoked.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use dcap_qvl::{quote::Report, verify::QuoteVerifier, QuoteCollateralV3};
use integritee_sgx_sim::{SimCollateral, SimPlatformConfig, SimTcbStatus, SimulatedPlatform};

fn qvl_collateral(c: &SimCollateral) -> QuoteCollateralV3 {
	let (qe_body, qe_sig) = c.qe_identity_parts().unwrap();
	let (tcb_body, tcb_sig) = c.tcb_info_parts().unwrap();
	let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
	QuoteCollateralV3 {
		pck_crl_issuer_chain: text(&c.pck_crl_issuer_chain_pem),
		root_ca_crl: c.root_ca_crl_der.clone(),
		pck_crl: c.pck_crl_der.clone(),
		tcb_info_issuer_chain: text(&c.issuer_chain_pem),
		tcb_info: text(tcb_body),
		tcb_info_signature: hex::decode(tcb_sig).unwrap(),
		qe_identity_issuer_chain: text(&c.issuer_chain_pem),
		qe_identity: text(qe_body),
		qe_identity_signature: hex::decode(qe_sig).unwrap(),
		pck_certificate_chain: None,
	}
}

fn status_under_dcap_qvl(status: SimTcbStatus, debug: bool) -> Result<String, String> {
	let platform = SimulatedPlatform::with_config(
		SEED_A,
		SimPlatformConfig { tcb_status: status, ..Default::default() },
	);
	let collateral = qvl_collateral(&platform.collateral(ISSUED_MS, VALIDITY_MS).unwrap());
	let quote = platform.quote(&enclave(debug), report_data()).unwrap();
	QuoteVerifier::new(platform.dev_root_ca_der())
		.allow_debug(true)
		.verify(&quote, &collateral, NOW_MS / 1000)
		.map(|r| r.status)
		.map_err(|e| format!("{e:#}"))
}

#[test]
fn dcap_qvl_accepts_under_the_dev_root() {
	let platform = SimulatedPlatform::from_seed(SEED_A);
	let collateral = qvl_collateral(&platform.collateral(ISSUED_MS, VALIDITY_MS).unwrap());
	let quote = platform.quote(&enclave(false), report_data()).unwrap();
	let report = QuoteVerifier::new(platform.dev_root_ca_der())
		.verify(&quote, &collateral, NOW_MS / 1000)
		.unwrap();
	assert_eq!(report.status, "UpToDate");
	let Report::SgxEnclave(body) = report.report else { panic!("not an SGX report") };
	assert_eq!(body.mr_enclave, enclave(false).mr_enclave);
	assert_eq!(body.mr_signer, enclave(false).mr_signer);
	assert_eq!(body.report_data, report_data());
}

#[test]
fn dcap_qvl_reports_the_configured_status() {
	for (status, name) in [
		(SimTcbStatus::UpToDate, "UpToDate"),
		(SimTcbStatus::SwHardeningNeeded, "SWHardeningNeeded"),
		(SimTcbStatus::ConfigurationNeeded, "ConfigurationNeeded"),
		(SimTcbStatus::ConfigurationAndSwHardeningNeeded, "ConfigurationAndSWHardeningNeeded"),
		(SimTcbStatus::OutOfDate, "OutOfDate"),
		(SimTcbStatus::OutOfDateConfigurationNeeded, "OutOfDateConfigurationNeeded"),
	] {
		assert_eq!(status_under_dcap_qvl(status, true).as_deref(), Ok(name), "{status:?}");
	}
	assert!(status_under_dcap_qvl(SimTcbStatus::Revoked, false).is_err());
}

#[test]
fn dcap_qvl_rejects_under_intel_root_other_seed_or_revoked_pck() {
	let platform = SimulatedPlatform::from_seed(SEED_A);
	let sim = platform.collateral(ISSUED_MS, VALIDITY_MS).unwrap();
	let collateral = qvl_collateral(&sim);
	let quote = platform.quote(&enclave(false), report_data()).unwrap();
	assert!(QuoteVerifier::new_prod().verify(&quote, &collateral, NOW_MS / 1000).is_err());

	let other = SimulatedPlatform::from_seed(SEED_B);
	assert!(QuoteVerifier::new(other.dev_root_ca_der())
		.verify(&quote, &collateral, NOW_MS / 1000)
		.is_err());

	let mut revoked = collateral.clone();
	revoked.pck_crl = platform.revoke_pck(ISSUED_MS, VALIDITY_MS).unwrap();
	let verdict =
		QuoteVerifier::new(platform.dev_root_ca_der()).verify(&quote, &revoked, NOW_MS / 1000);
	assert!(verdict.is_err());

	// Debug enclaves only when allowed.
	let debug_quote = platform.quote(&enclave(true), report_data()).unwrap();
	assert!(QuoteVerifier::new(platform.dev_root_ca_der())
		.verify(&debug_quote, &collateral, NOW_MS / 1000)
		.is_err());
}

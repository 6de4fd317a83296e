//! Fixed inputs of the fuzz targets: the real Intel artifacts of
//! `crates/testdata/sgx`, compiled in, and collateral registered from them.
#![allow(clippy::expect_used)]

use integritee_attestation::{dcap::collateral::split_signed_file, Verifier};
use integritee_primitives::{CollateralEvidence, CollateralKind, Fmspc, VerifiedCollateral};
use std::sync::OnceLock;

macro_rules! sgx {
	($path:literal) => {
		include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/testdata/sgx/", $path))
	};
}

/// 2022-12-21T07:12:27Z: the DCAP collateral is current.
pub const DCAP_NOW_MS: u64 = 1_671_606_747_000;
/// TEST4's report time + 1 h.
pub const IAS_NOW_MS: u64 = 1_587_899_785_000 + 3_600_000;

pub const QE_IDENTITY: &[u8] = sgx!("dcap/qe_identity.json");
pub const QE_IDENTITY_CHAIN: &[u8] = sgx!("dcap/qe_identity_issuer_chain.pem");
pub const TCB_INFO: &[u8] = sgx!("dcap/tcb_info.json");
pub const TCB_INFO_CHAIN: &[u8] = sgx!("dcap/tcb_info_issuer_chain.pem");
pub const PCK_CRL_CHAIN: &[u8] = sgx!("dcap/pck_crl_issuer_chain.pem");
pub const ROOT_CA_CRL: &[u8] = sgx!("dcap/root_ca_crl.der");

/// Registers signed JSON collateral (harness setup: the real files verify).
fn register_json(kind: CollateralKind, file: &[u8], chain: &[u8]) -> VerifiedCollateral {
	let (body, signature) = split_signed_file(file).expect("real collateral file");
	Verifier::intel()
		.verify_collateral(
			kind,
			CollateralEvidence { body, signature, issuer_chain: chain },
			DCAP_NOW_MS,
		)
		.expect("real collateral verifies")
}

/// QE identity, TCB info and Root CA CRL registered at [`DCAP_NOW_MS`].
pub fn registry() -> &'static [VerifiedCollateral] {
	static REGISTRY: OnceLock<Vec<VerifiedCollateral>> = OnceLock::new();
	REGISTRY.get_or_init(|| {
		let root_crl = Verifier::intel()
			.verify_collateral(
				CollateralKind::RootCaCrl,
				CollateralEvidence { body: ROOT_CA_CRL, signature: &[], issuer_chain: &[] },
				DCAP_NOW_MS,
			)
			.expect("real Root CA CRL verifies");
		vec![
			register_json(CollateralKind::QuotingEnclaveIdentity, QE_IDENTITY, QE_IDENTITY_CHAIN),
			register_json(CollateralKind::TcbInfo, TCB_INFO, TCB_INFO_CHAIN),
			root_crl,
		]
	})
}

/// A registry lookup over [`registry`].
pub fn lookup(kind: CollateralKind, fmspc: Option<Fmspc>) -> Option<VerifiedCollateral> {
	registry()
		.iter()
		.find(|c| c.kind == kind && (kind != CollateralKind::TcbInfo || c.fmspc == fmspc))
		.cloned()
}

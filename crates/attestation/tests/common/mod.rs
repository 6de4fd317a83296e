//! Shared helpers: the real Intel artifacts (read in place from the shared
//! test data), collateral registration, and a registry-like lookup.
#![allow(dead_code, clippy::unwrap_used)]

use integritee_attestation::{dcap::collateral::split_signed_file, Verifier};
use integritee_primitives::{CollateralEvidence, CollateralKind, VerifiedCollateral};

/// 2022-12-21T07:12:27Z: the time at which the DCAP artifacts are current.
pub const DCAP_NOW_MS: u64 = 1_671_606_747_000;
/// The QE identity's nextUpdate (2023-01-03T22:45:33Z).
pub const QE_IDENTITY_NEXT_UPDATE_MS: u64 = 1_672_785_933_000;
pub const FMSPC: [u8; 6] = [0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00];

pub use integritee_testdata::sgx;

pub fn quote() -> Vec<u8> {
	sgx("dcap/ra_dcap_dump_quote.ra")
}

/// `(body, signature hex)` of a signed JSON collateral file.
pub fn signed(file: &[u8]) -> (Vec<u8>, Vec<u8>) {
	let (body, sig) = split_signed_file(file).unwrap();
	(body.to_vec(), sig.to_vec())
}

pub struct Artifacts {
	pub qe_identity_file: Vec<u8>,
	pub qe_identity_chain: Vec<u8>,
	pub tcb_info_file: Vec<u8>,
	pub tcb_info_chain: Vec<u8>,
	pub pck_crl: Vec<u8>,
	pub pck_crl_chain: Vec<u8>,
	pub root_ca_crl: Vec<u8>,
}

pub fn artifacts() -> Artifacts {
	Artifacts {
		qe_identity_file: sgx("dcap/qe_identity.json"),
		qe_identity_chain: sgx("dcap/qe_identity_issuer_chain.pem"),
		tcb_info_file: sgx("dcap/tcb_info.json"),
		tcb_info_chain: sgx("dcap/tcb_info_issuer_chain.pem"),
		pck_crl: sgx("dcap/pck_crl.der"),
		pck_crl_chain: sgx("dcap/pck_crl_issuer_chain.pem"),
		root_ca_crl: sgx("dcap/root_ca_crl.der"),
	}
}

pub fn register_json(
	verifier: &Verifier<'_>,
	kind: CollateralKind,
	file: &[u8],
	chain: &[u8],
	now_ms: u64,
) -> Result<VerifiedCollateral, integritee_attestation::Error> {
	let (body, signature) = signed(file);
	verifier.verify_collateral(
		kind,
		CollateralEvidence { body: &body, signature: &signature, issuer_chain: chain },
		now_ms,
	)
}

pub fn register_crl(
	verifier: &Verifier<'_>,
	kind: CollateralKind,
	body: &[u8],
	chain: &[u8],
	now_ms: u64,
) -> Result<VerifiedCollateral, integritee_attestation::Error> {
	verifier.verify_collateral(
		kind,
		CollateralEvidence { body, signature: &[], issuer_chain: chain },
		now_ms,
	)
}

/// The registry stand-in: verified collateral as the chain files it.
pub use integritee_attestation::CollateralStore as Registry;

/// `registry` without the collateral of `kind`.
pub fn without(registry: &Registry, kind: CollateralKind) -> Registry {
	let mut registry = registry.clone();
	registry.remove(kind);
	registry
}

/// The real QE identity, TCB info and Root CA CRL, registered at [`DCAP_NOW_MS`].
pub fn real_registry(verifier: &Verifier<'_>) -> Registry {
	let a = artifacts();
	let mut r = Registry::default();
	r.insert(
		register_json(
			verifier,
			CollateralKind::QuotingEnclaveIdentity,
			&a.qe_identity_file,
			&a.qe_identity_chain,
			DCAP_NOW_MS,
		)
		.unwrap(),
	)
	.unwrap();
	r.insert(
		register_json(
			verifier,
			CollateralKind::TcbInfo,
			&a.tcb_info_file,
			&a.tcb_info_chain,
			DCAP_NOW_MS,
		)
		.unwrap(),
	)
	.unwrap();
	r.insert(
		register_crl(
			verifier,
			CollateralKind::RootCaCrl,
			&a.root_ca_crl,
			&a.tcb_info_chain,
			DCAP_NOW_MS,
		)
		.unwrap(),
	)
	.unwrap();
	r
}

pub fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
	let mut out = bytes.to_vec();
	out[at] ^= 0x01;
	out
}

/// The package directory of the dcap-qvl crate in cargo's registry sources
/// (its `sample/` holds quotes with collateral).
pub fn dcap_qvl_dir() -> std::path::PathBuf {
	let cargo_home =
		std::env::var_os("CARGO_HOME").map(std::path::PathBuf::from).unwrap_or_else(|| {
			std::path::PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo")
		});
	let src = cargo_home.join("registry").join("src");
	for index in std::fs::read_dir(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
		let candidate = index.unwrap().path().join("dcap-qvl-0.7.1");
		if candidate.join("sample").is_dir() {
			return candidate;
		}
	}
	panic!("dcap-qvl-0.7.1 not found under {}", src.display())
}

/// The JSON collateral of a dcap-qvl sample.
pub fn dcap_qvl_sample_collateral(name: &str) -> serde_json::Value {
	let path = dcap_qvl_dir().join("sample").join(name);
	serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

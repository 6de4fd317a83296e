//! Shared helpers: registering the simulator's collateral with the project's
//! verifier, and a registry-like lookup.
#![allow(dead_code, clippy::unwrap_used)]

use integritee_attestation::{DcapVerified, Error, Verifier};
use integritee_primitives::{CollateralEvidence, CollateralKind, VerifiedCollateral};
use integritee_sgx_sim::{EnclaveIdentity, SimCollateral, SimulatedPlatform};

pub const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// 2026-01-01T00:00:00Z: when the test collateral is issued.
pub const ISSUED_MS: u64 = 1_767_225_600_000;
pub const VALIDITY_MS: u64 = 30 * DAY_MS;
/// A day after issue: inside every window.
pub const NOW_MS: u64 = ISSUED_MS + DAY_MS;

pub const SEED_A: [u8; 32] = [0xa5; 32];
pub const SEED_B: [u8; 32] = [0x5b; 32];

pub fn enclave(debug: bool) -> EnclaveIdentity {
	EnclaveIdentity {
		mr_enclave: [0x11; 32],
		mr_signer: [0x22; 32],
		isv_prod_id: 7,
		isv_svn: 3,
		debug,
	}
}

pub fn report_data() -> [u8; 64] {
	let mut out = [0u8; 64];
	for (i, b) in out.iter_mut().enumerate() {
		*b = i as u8 ^ 0x5a;
	}
	out
}

/// The registry stand-in: verified collateral as the chain files it.
pub use integritee_attestation::CollateralStore as Registry;

pub fn register(
	verifier: &Verifier<'_>,
	kind: CollateralKind,
	body: &[u8],
	signature: &[u8],
	chain: &[u8],
	now_ms: u64,
) -> Result<VerifiedCollateral, Error> {
	verifier.verify_collateral(
		kind,
		CollateralEvidence { body, signature, issuer_chain: chain },
		now_ms,
	)
}

/// Each piece of `c` verified by `verifier` at `now_ms`, in the order QE
/// identity, TCB info, PCK CRL, Root CA CRL.
pub fn register_each(
	verifier: &Verifier<'_>,
	c: &SimCollateral,
	now_ms: u64,
) -> [Result<VerifiedCollateral, Error>; 4] {
	let (qe_body, qe_sig) = c.qe_identity_parts().unwrap();
	let (tcb_body, tcb_sig) = c.tcb_info_parts().unwrap();
	[
		register(
			verifier,
			CollateralKind::QuotingEnclaveIdentity,
			qe_body,
			qe_sig,
			&c.issuer_chain_pem,
			now_ms,
		),
		register(verifier, CollateralKind::TcbInfo, tcb_body, tcb_sig, &c.issuer_chain_pem, now_ms),
		register(
			verifier,
			CollateralKind::PckCrl,
			&c.pck_crl_der,
			&[],
			&c.pck_crl_issuer_chain_pem,
			now_ms,
		),
		register(
			verifier,
			CollateralKind::RootCaCrl,
			&c.root_ca_crl_der,
			&[],
			&c.issuer_chain_pem,
			now_ms,
		),
	]
}

/// All of `c` registered; panics if any piece is refused.
pub fn registry(verifier: &Verifier<'_>, c: &SimCollateral, now_ms: u64) -> Registry {
	let mut r = Registry::default();
	for result in register_each(verifier, c, now_ms) {
		r.insert(result.unwrap()).unwrap();
	}
	r
}

/// The platform's collateral issued at [`ISSUED_MS`], registered under its
/// own root.
pub fn own_registry(platform: &SimulatedPlatform, verifier: &Verifier<'_>) -> Registry {
	registry(verifier, &platform.collateral(ISSUED_MS, VALIDITY_MS).unwrap(), NOW_MS)
}

pub fn verify(
	verifier: &Verifier<'_>,
	quote: &[u8],
	registry: &Registry,
	now_ms: u64,
) -> Result<DcapVerified, Error> {
	verifier.verify_dcap_quote(quote, &|k, f| registry.lookup(k, f), now_ms)
}

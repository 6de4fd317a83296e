//! Intel collateral through `Verifier::verify_collateral`, and the stored
//! form through `StoredCollateral::decode_stored`. The first byte selects:
//! 0 QE identity file, 1 TCB info file, 2 PCK CRL, 3 Root CA CRL (DER or hex),
//! 4 stored form, 5 issuer chain (PEM) of the real QE identity.
#![no_main]

use integritee_attestation::{dcap::{collateral::split_signed_file, StoredCollateral}, Verifier};
use integritee_fuzz::{
	DCAP_NOW_MS, PCK_CRL_CHAIN, QE_IDENTITY, QE_IDENTITY_CHAIN, TCB_INFO_CHAIN,
};
use integritee_primitives::{CollateralEvidence, CollateralKind};
use libfuzzer_sys::fuzz_target;

fn json(kind: CollateralKind, file: &[u8], chain: &[u8]) {
	if let Ok((body, signature)) = split_signed_file(file) {
		let evidence = CollateralEvidence { body, signature, issuer_chain: chain };
		if let Ok(verified) = Verifier::intel().verify_collateral(kind, evidence, DCAP_NOW_MS) {
			let _ = StoredCollateral::decode_stored(&verified.encoded);
		}
	}
}

fn crl(kind: CollateralKind, body: &[u8], chain: &[u8]) {
	let evidence = CollateralEvidence { body, signature: &[], issuer_chain: chain };
	if let Ok(verified) = Verifier::intel().verify_collateral(kind, evidence, DCAP_NOW_MS) {
		let _ = StoredCollateral::decode_stored(&verified.encoded);
	}
}

fuzz_target!(|data: &[u8]| {
	let Some((selector, rest)) = data.split_first() else { return };
	match selector % 6 {
		0 => json(CollateralKind::QuotingEnclaveIdentity, rest, QE_IDENTITY_CHAIN),
		1 => json(CollateralKind::TcbInfo, rest, TCB_INFO_CHAIN),
		2 => crl(CollateralKind::PckCrl, rest, PCK_CRL_CHAIN),
		3 => crl(CollateralKind::RootCaCrl, rest, &[]),
		4 => {
			let _ = StoredCollateral::decode_stored(rest);
		}
		_ => json(CollateralKind::QuotingEnclaveIdentity, QE_IDENTITY, rest),
	}
});

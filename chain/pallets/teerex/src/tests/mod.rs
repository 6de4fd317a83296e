//! Tests of `pallet-teerex` against the mock runtime, by topic. Each test
//! that touches storage runs in [`ExtBuilder::build_and_execute`], which
//! checks the pallet's invariants (`do_try_state`) after it.

mod attested;
mod bounds;
mod collateral;
mod deposit;
mod genesis;
mod invariants;
mod migrations;
mod no_verifier;
mod queries;
mod real_artifacts;
mod skipped;
mod stale_tcb_info;
mod tcb_info_bound;
mod unregistration;

use crate::{
	mock::*, ClaimsOf, CrlKind, DcapRootCa, EnclaveOf, Error, Event, QuotingEnclaveIdentity,
	RevocationLists, SecurityFlagsStorage, SovereignEnclaves, StoredCollateral, TcbInfo,
	TcbPolicyStorage, UnregisterReason,
};
use integritee_primitives::{
	AttestationError, AttestationMethod, AttestationVerifier, AttestedEnclave, CollateralKind,
	EnclaveRegistry, Fmspc, NoAttestationVerifier, RegistrationClaims, RevocationPolicy,
	SecurityFlags, SgxBuildMode, SgxEnclave, SgxStatus, SkippedAttestation, TcbPolicy,
	VerifiedCollateral,
};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, traits::Get, BoundedVec},
	sp_core::H256,
	sp_runtime::{DispatchError, DispatchResult},
};

use codec::Encode;

const FMSPC: Fmspc = [0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00];
const OTHER_FMSPC: Fmspc = [0x00, 0x60, 0x6a, 0x00, 0x00, 0x00];
const THIRTY_DAYS_MS: u64 = 30 * 24 * 60 * 60 * 1000;

fn url() -> Vec<u8> {
	b"wss://worker.example:2000".to_vec()
}

fn bounded_url(url: Vec<u8>) -> BoundedVec<u8, <Test as crate::Config>::MaxUrlLength> {
	url.try_into().expect("test URL fits")
}

/// What the test verifier attests for `signer`: a production enclave on an
/// up-to-date platform, attested a second before [`NOW_MS`].
fn attested(signer: &AccountId) -> AttestedEnclave {
	AttestedEnclave {
		mr_enclave: H256::repeat_byte(0x11),
		mr_signer: [0x22; 32],
		signer_public: signer.clone().into(),
		report_binding: claims().report_binding(),
		build_mode: SgxBuildMode::Production,
		status: SgxStatus::UpToDate,
		attested_at_ms: NOW_MS - 1_000,
	}
}

fn skipped() -> SkippedAttestation {
	SkippedAttestation { mr_enclave: H256::repeat_byte(0x44), mr_signer: [0x55; 32] }
}

/// A block the mock chain knows: its genesis, whose hash `frame_system`'s
/// genesis stores as 69s.
fn known_block() -> (u64, H256) {
	(0, H256::repeat_byte(69))
}

/// What every registration of these tests claims: a shielding key and a
/// block the chain knows.
fn claims() -> ClaimsOf<Test> {
	RegistrationClaims { shielding_key_hash: [0x33; 32], parentchain_block: known_block() }
}

fn register(
	who: &AccountId,
	proof: Vec<u8>,
	worker_url: Option<Vec<u8>>,
	method: AttestationMethod,
) -> DispatchResult {
	register_claiming(who, proof, worker_url, method, claims())
}

fn register_claiming(
	who: &AccountId,
	proof: Vec<u8>,
	worker_url: Option<Vec<u8>>,
	method: AttestationMethod,
	claims: ClaimsOf<Test>,
) -> DispatchResult {
	Teerex::register_sgx_enclave(
		RuntimeOrigin::signed(who.clone()),
		proof,
		worker_url,
		method,
		claims,
	)
}

fn register_skip(who: &AccountId) -> DispatchResult {
	register(who, skipped().encode(), Some(url()), AttestationMethod::Skip)
}

/// The record the registry should hold for an attested registration.
fn expected_enclave(
	attested: &AttestedEnclave,
	method: AttestationMethod,
	worker_url: Option<Vec<u8>>,
) -> EnclaveOf<Test> {
	SgxEnclave {
		mr_enclave: attested.mr_enclave,
		mr_signer: attested.mr_signer,
		shielding_key_hash: claims().shielding_key_hash,
		build_mode: attested.build_mode,
		status: attested.status,
		attestation_method: method,
		attested_at_ms: attested.attested_at_ms,
		url: worker_url.map(bounded_url),
	}
}

fn unregister(origin: RuntimeOrigin, enclave: &AccountId) -> DispatchResult {
	Teerex::unregister_sovereign_enclave(origin, enclave.clone())
}

fn verified(kind: CollateralKind, fmspc: Option<Fmspc>, issued_at_ms: u64) -> VerifiedCollateral {
	VerifiedCollateral {
		kind,
		fmspc,
		issued_at_ms,
		next_update_ms: issued_at_ms + THIRTY_DAYS_MS,
		encoded: vec![kind as u8; 8],
	}
}

fn stored(verified: &VerifiedCollateral) -> StoredCollateral<Test> {
	StoredCollateral {
		kind: verified.kind,
		fmspc: verified.fmspc,
		issued_at_ms: verified.issued_at_ms,
		next_update_ms: verified.next_update_ms,
		encoded: verified.encoded.clone().try_into().expect("test collateral fits"),
	}
}

fn signed(seed: u8) -> RuntimeOrigin {
	RuntimeOrigin::signed(account(seed))
}

fn register_qe(body: Vec<u8>) -> DispatchResult {
	Teerex::register_quoting_enclave(signed(9), body, b"signature".to_vec(), b"chain".to_vec())
}

fn register_tcb(body: Vec<u8>) -> DispatchResult {
	Teerex::register_tcb_info(signed(9), body, b"signature".to_vec(), b"chain".to_vec())
}

fn register_crl(kind: CrlKind, body: Vec<u8>) -> DispatchResult {
	Teerex::register_crl(signed(9), kind, body, b"chain".to_vec())
}

/// The pallet error each verifier error must surface as.
fn expected_errors() -> [(AttestationError, DispatchError); 8] {
	[
		(AttestationError::Unsupported, Error::<Test>::AttestationMethodUnsupported.into()),
		(AttestationError::Malformed, Error::<Test>::MalformedAttestation.into()),
		(AttestationError::BadSignature, Error::<Test>::AttestationSignatureInvalid.into()),
		(AttestationError::MissingCollateral, Error::<Test>::CollateralMissing.into()),
		(AttestationError::Expired, Error::<Test>::AttestationExpired.into()),
		(AttestationError::Revoked, Error::<Test>::AttestationRevoked.into()),
		(AttestationError::TcbStatusRefused, Error::<Test>::TcbStatusNotAllowed.into()),
		(AttestationError::RevocationStatusUnknown, Error::<Test>::RevocationStatusUnknown.into()),
	]
}

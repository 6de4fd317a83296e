//! Tests of `pallet-teerex` against the mock runtime and its test verifier.

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

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Genesis and security flags
// ---------------------------------------------------------------------------

#[test]
fn genesis_config_sets_security_flags() {
	let flags = SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: false };
	ExtBuilder::flags(flags).build_and_execute(|| {
		assert_eq!(SecurityFlagsStorage::<Test>::get(), flags);
	});
	ExtBuilder::dev().build_and_execute(|| {
		assert_eq!(
			SecurityFlagsStorage::<Test>::get(),
			SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: true }
		);
	});
}

#[test]
fn default_genesis_disallows_debug_and_skipping() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(SecurityFlagsStorage::<Test>::get(), SecurityFlags::default());
		assert_noop!(register_skip(&account(1)), Error::<Test>::SkippingAttestationNotAllowed);
	});
}

#[test]
fn set_security_flags_by_root_stores_and_emits_event() {
	ExtBuilder::default().build_and_execute(|| {
		let flags = SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: true };
		assert_ok!(Teerex::set_security_flags(RuntimeOrigin::root(), flags));
		assert_eq!(SecurityFlagsStorage::<Test>::get(), flags);
		System::assert_last_event(Event::SecurityFlagsSet { flags }.into());
		// The new policy applies at once.
		assert_ok!(register_skip(&account(1)));
	});
}

#[test]
fn set_security_flags_refused_for_signed_and_none_origins() {
	ExtBuilder::default().build_and_execute(|| {
		let flags = SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: true };
		assert_noop!(Teerex::set_security_flags(signed(1), flags), DispatchError::BadOrigin);
		assert_noop!(
			Teerex::set_security_flags(RuntimeOrigin::none(), flags),
			DispatchError::BadOrigin
		);
		assert_eq!(SecurityFlagsStorage::<Test>::get(), SecurityFlags::default());
	});
}

// ---------------------------------------------------------------------------
// Registration with skipped attestation
// ---------------------------------------------------------------------------

#[test]
fn register_skip_stores_enclave_and_emits_event() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));

		let proof = skipped();
		assert_eq!(
			SovereignEnclaves::<Test>::get(&who),
			Some(SgxEnclave {
				mr_enclave: proof.mr_enclave,
				mr_signer: proof.mr_signer,
				shielding_key_hash: claims().shielding_key_hash,
				// Nothing proves a production build or a platform status.
				build_mode: SgxBuildMode::Debug,
				status: SgxStatus::Unattested,
				attestation_method: AttestationMethod::Skip,
				attested_at_ms: NOW_MS,
				url: Some(bounded_url(url())),
			})
		);
		System::assert_last_event(
			Event::EnclaveRegistered {
				signer: who,
				mr_enclave: proof.mr_enclave,
				attestation_method: AttestationMethod::Skip,
				url: Some(url()),
			}
			.into(),
		);
	});
}

#[test]
fn register_without_url_stores_none() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register(&who, skipped().encode(), None, AttestationMethod::Skip));
		assert_eq!(Teerex::enclave(&who).map(|enclave| enclave.url), Some(None));
		System::assert_last_event(
			Event::EnclaveRegistered {
				signer: who,
				mr_enclave: skipped().mr_enclave,
				attestation_method: AttestationMethod::Skip,
				url: None,
			}
			.into(),
		);
	});
}

#[test]
fn register_skip_refused_when_flags_disallow_skipping() {
	let flags = SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: false };
	ExtBuilder::flags(flags).build_and_execute(|| {
		assert_noop!(register_skip(&account(1)), Error::<Test>::SkippingAttestationNotAllowed);
	});
}

/// A skipped attestation is recorded as a debug build, so it also needs
/// `allow_debug_mode`.
#[test]
fn register_skip_refused_when_flags_disallow_debug_mode() {
	let flags = SecurityFlags { allow_debug_mode: false, allow_skipping_attestation: true };
	ExtBuilder::flags(flags).build_and_execute(|| {
		assert_noop!(register_skip(&account(1)), Error::<Test>::DebugModeNotAllowed);
	});
}

#[test]
fn register_skip_with_malformed_proof_fails() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		for proof in [vec![], vec![1, 2, 3], {
			// A valid encoding followed by trailing bytes.
			let mut proof = skipped().encode();
			proof.push(0);
			proof
		}] {
			assert_noop!(
				register(&who, proof, None, AttestationMethod::Skip),
				Error::<Test>::MalformedSkipProof
			);
		}
	});
}

// ---------------------------------------------------------------------------
// Bounds
// ---------------------------------------------------------------------------

#[test]
fn register_refuses_proof_longer_than_max() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		let mut proof = failing_evidence(AttestationError::BadSignature);
		proof.resize(MAX_PROOF_LENGTH as usize, 0);
		// Exactly the maximum reaches the verifier.
		assert_noop!(
			register(&who, proof.clone(), None, AttestationMethod::Dcap),
			Error::<Test>::AttestationSignatureInvalid
		);
		proof.push(0);
		for method in [AttestationMethod::Skip, AttestationMethod::Ias, AttestationMethod::Dcap] {
			assert_noop!(register(&who, proof.clone(), None, method), Error::<Test>::ProofTooLong);
		}
	});
}

#[test]
fn register_refuses_url_longer_than_max() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		let too_long = vec![b'a'; MAX_URL_LENGTH as usize + 1];
		assert_noop!(
			register(&who, skipped().encode(), Some(too_long), AttestationMethod::Skip),
			Error::<Test>::UrlTooLong
		);
		let longest = vec![b'a'; MAX_URL_LENGTH as usize];
		assert_ok!(register(
			&who,
			skipped().encode(),
			Some(longest.clone()),
			AttestationMethod::Skip
		));
		assert_eq!(
			Teerex::enclave(&who).and_then(|enclave| enclave.url),
			Some(bounded_url(longest))
		);
	});
}

// ---------------------------------------------------------------------------
// Attested registration
// ---------------------------------------------------------------------------

fn assert_attested_registration_succeeds(method: AttestationMethod) {
	ExtBuilder::default().build_and_execute(|| {
		let who = account(1);
		let attested = attested(&who);
		assert_ok!(register(&who, attested_proof(&attested), Some(url()), method));
		assert_eq!(
			SovereignEnclaves::<Test>::get(&who),
			Some(expected_enclave(&attested, method, Some(url())))
		);
		System::assert_last_event(
			Event::EnclaveRegistered {
				signer: who.clone(),
				mr_enclave: attested.mr_enclave,
				attestation_method: method,
				url: Some(url()),
			}
			.into(),
		);
		assert_eq!(Teerex::registered_fingerprint(&who), Some(attested.mr_enclave));
	});
}

#[test]
fn register_dcap_succeeds_under_production_flags() {
	assert_attested_registration_succeeds(AttestationMethod::Dcap);
}

#[test]
fn register_ias_succeeds_under_production_flags() {
	assert_attested_registration_succeeds(AttestationMethod::Ias);
}

#[test]
fn register_refused_when_sender_is_not_attested_signer() {
	ExtBuilder::dev().build_and_execute(|| {
		let proof = attested_proof(&attested(&account(1)));
		for method in [AttestationMethod::Dcap, AttestationMethod::Ias] {
			assert_noop!(
				register(&account(2), proof.clone(), None, method),
				Error::<Test>::SenderIsNotAttestedEnclave
			);
		}
	});
}

#[test]
fn register_refuses_evidence_older_than_the_renewal_period() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		let period: u64 = <Test as crate::Config>::MaxAttestationRenewalPeriod::get();
		for method in [AttestationMethod::Dcap, AttestationMethod::Ias] {
			let mut evidence = attested(&who);
			evidence.attested_at_ms = NOW_MS - period - 1;
			assert_noop!(
				register(&who, attested_proof(&evidence), None, method),
				Error::<Test>::AttestationExpired
			);
			// At exactly the period it is still valid.
			evidence.attested_at_ms = NOW_MS - period;
			assert_ok!(register(&who, attested_proof(&evidence), None, method));
		}
	});
}

#[test]
fn register_caps_future_attestation_time_at_chain_time() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		let mut evidence = attested(&who);
		evidence.attested_at_ms = NOW_MS + 1_000_000;
		assert_ok!(register(&who, attested_proof(&evidence), None, AttestationMethod::Dcap));
		let stored = SovereignEnclaves::<Test>::get(&who).expect("registered");
		assert_eq!(stored.attested_at_ms, NOW_MS);
	});
}

#[test]
fn register_debug_enclave_refused_unless_debug_mode_allowed() {
	ExtBuilder::default().build_and_execute(|| {
		let who = account(1);
		let debug = AttestedEnclave { build_mode: SgxBuildMode::Debug, ..attested(&who) };
		for method in [AttestationMethod::Dcap, AttestationMethod::Ias] {
			assert_noop!(
				register(&who, attested_proof(&debug), None, method),
				Error::<Test>::DebugModeNotAllowed
			);
		}

		let flags = SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: false };
		assert_ok!(Teerex::set_security_flags(RuntimeOrigin::root(), flags));
		assert_ok!(register(&who, attested_proof(&debug), None, AttestationMethod::Dcap));
		assert_eq!(
			Teerex::enclave(&who).map(|enclave| enclave.build_mode),
			Some(SgxBuildMode::Debug)
		);
	});
}

#[test]
fn register_refuses_out_of_date_and_revoked_tcb() {
	// Debug mode allowed: the TCB status alone must refuse.
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		for status in
			[SgxStatus::OutOfDate, SgxStatus::OutOfDateConfigurationNeeded, SgxStatus::Revoked]
		{
			let enclave = AttestedEnclave { status, ..attested(&who) };
			for method in [AttestationMethod::Dcap, AttestationMethod::Ias] {
				assert_noop!(
					register(&who, attested_proof(&enclave), None, method),
					Error::<Test>::TcbStatusNotAllowed
				);
			}
		}
	});
}

#[test]
fn default_tcb_policy_accepts_up_to_date_and_sw_hardening_needed_only() {
	ExtBuilder::default().build_and_execute(|| {
		let who = account(1);
		assert_eq!(TcbPolicyStorage::<Test>::get(), TcbPolicy::default());
		for status in [SgxStatus::UpToDate, SgxStatus::SwHardeningNeeded] {
			let enclave = AttestedEnclave { status, ..attested(&who) };
			assert_ok!(register(&who, attested_proof(&enclave), None, AttestationMethod::Dcap));
			assert_eq!(Teerex::enclave(&who).map(|enclave| enclave.status), Some(status));
		}
		for status in [SgxStatus::ConfigurationNeeded, SgxStatus::ConfigurationAndSwHardeningNeeded]
		{
			let enclave = AttestedEnclave { status, ..attested(&who) };
			assert_noop!(
				register(&who, attested_proof(&enclave), None, AttestationMethod::Dcap),
				Error::<Test>::TcbStatusNotAllowed
			);
		}
	});
}

#[test]
fn tcb_policy_is_configurable_by_root_but_never_admits_out_of_date() {
	ExtBuilder::default().build_and_execute(|| {
		let who = account(1);
		let strict = TcbPolicy {
			allow_sw_hardening_needed: false,
			allow_configuration_needed: false,
			allow_configuration_and_sw_hardening_needed: false,
		};
		assert_noop!(Teerex::set_tcb_policy(signed(1), strict), DispatchError::BadOrigin);
		assert_ok!(Teerex::set_tcb_policy(RuntimeOrigin::root(), strict));
		System::assert_last_event(Event::TcbPolicySet { policy: strict }.into());
		let hardening = AttestedEnclave { status: SgxStatus::SwHardeningNeeded, ..attested(&who) };
		assert_noop!(
			register(&who, attested_proof(&hardening), None, AttestationMethod::Ias),
			Error::<Test>::TcbStatusNotAllowed
		);

		assert_ok!(Teerex::set_tcb_policy(RuntimeOrigin::root(), TcbPolicy::lenient()));
		for status in [
			SgxStatus::UpToDate,
			SgxStatus::SwHardeningNeeded,
			SgxStatus::ConfigurationNeeded,
			SgxStatus::ConfigurationAndSwHardeningNeeded,
		] {
			let enclave = AttestedEnclave { status, ..attested(&who) };
			assert_ok!(register(&who, attested_proof(&enclave), None, AttestationMethod::Dcap));
		}
		for status in
			[SgxStatus::OutOfDate, SgxStatus::OutOfDateConfigurationNeeded, SgxStatus::Revoked]
		{
			let enclave = AttestedEnclave { status, ..attested(&who) };
			assert_noop!(
				register(&who, attested_proof(&enclave), None, AttestationMethod::Dcap),
				Error::<Test>::TcbStatusNotAllowed
			);
		}
	});
}

#[test]
fn dcap_root_ca_is_set_by_root_and_clears_collateral() {
	ExtBuilder::default().build_and_execute(|| {
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS - 1);
		let tcb = verified(CollateralKind::TcbInfo, Some(FMSPC), NOW_MS - 1);
		let crl = verified(CollateralKind::PckCrl, None, NOW_MS - 1);
		assert_ok!(register_qe(collateral_body(&qe)));
		assert_ok!(register_tcb(collateral_body(&tcb)));
		assert_ok!(register_crl(CrlKind::Pck, collateral_body(&crl)));

		let root = vec![MAGIC_OK, 1, 2, 3];
		assert_noop!(
			Teerex::set_dcap_root_ca(signed(1), Some(root.clone())),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Teerex::set_dcap_root_ca(RuntimeOrigin::root(), Some(vec![0xFF, 1, 2])),
			Error::<Test>::InvalidRootCa
		);
		assert_noop!(
			Teerex::set_dcap_root_ca(
				RuntimeOrigin::root(),
				Some(vec![MAGIC_OK; MAX_COLLATERAL_LENGTH as usize + 1])
			),
			Error::<Test>::RootCaTooLong
		);
		assert_ok!(Teerex::set_dcap_root_ca(RuntimeOrigin::root(), Some(root.clone())));
		System::assert_last_event(
			Event::DcapRootCaSet {
				root_ca_hash: Some(polkadot_sdk::sp_io::hashing::sha2_256(&root)),
			}
			.into(),
		);
		assert_eq!(DcapRootCa::<Test>::get().map(|r| r.into_inner()), Some(root));
		assert_eq!(QuotingEnclaveIdentity::<Test>::get(), None);
		assert_eq!(TcbInfo::<Test>::get(FMSPC), None);
		assert_eq!(RevocationLists::<Test>::get(CollateralKind::PckCrl), None);

		// Back to Intel's root.
		assert_ok!(register_qe(collateral_body(&qe)));
		assert_ok!(Teerex::set_dcap_root_ca(RuntimeOrigin::root(), None));
		System::assert_last_event(Event::DcapRootCaSet { root_ca_hash: None }.into());
		assert_eq!(DcapRootCa::<Test>::get(), None);
		assert_eq!(QuotingEnclaveIdentity::<Test>::get(), None);
	});
}

#[test]
fn attestation_errors_map_to_pallet_errors() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		for (attestation_error, pallet_error) in expected_errors() {
			assert_eq!(DispatchError::from(Error::<Test>::from(attestation_error)), pallet_error);
			for method in [AttestationMethod::Dcap, AttestationMethod::Ias] {
				assert_noop!(
					register(&who, failing_evidence(attestation_error), None, method),
					pallet_error
				);
			}
		}
		// Evidence the verifier cannot parse at all.
		assert_noop!(
			register(&who, vec![], None, AttestationMethod::Ias),
			Error::<Test>::MalformedAttestation
		);
	});
}

#[test]
fn dcap_verifier_sees_registered_collateral() {
	ExtBuilder::default().build_and_execute(|| {
		let who = account(1);
		let quote = quote_needing_collateral(FMSPC, &attested(&who));
		let register_dcap = || register(&who, quote.clone(), None, AttestationMethod::Dcap);
		assert_noop!(register_dcap(), Error::<Test>::CollateralMissing);

		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS - 1);
		assert_ok!(register_qe(collateral_body(&qe)));
		assert_noop!(register_dcap(), Error::<Test>::CollateralMissing);

		// TCB info of another platform family does not help.
		let other = verified(CollateralKind::TcbInfo, Some(OTHER_FMSPC), NOW_MS - 1);
		assert_ok!(register_tcb(collateral_body(&other)));
		assert_noop!(register_dcap(), Error::<Test>::CollateralMissing);

		let tcb = verified(CollateralKind::TcbInfo, Some(FMSPC), NOW_MS - 1);
		assert_ok!(register_tcb(collateral_body(&tcb)));
		assert_ok!(register_dcap());
		assert_eq!(Teerex::registered_fingerprint(&who), Some(attested(&who).mr_enclave));

		// Once the collateral is past its next update, quotes no longer verify.
		set_now(tcb.next_update_ms + 1);
		assert_noop!(register_dcap(), Error::<Test>::AttestationExpired);
	});
}

#[test]
fn register_fails_without_chain_time() {
	ExtBuilder::dev().build_and_execute(|| {
		set_now(0);
		let who = account(1);
		assert_noop!(register_skip(&who), Error::<Test>::ChainTimeUnavailable);
		for method in [AttestationMethod::Dcap, AttestationMethod::Ias] {
			assert_noop!(
				register(&who, attested_proof(&attested(&who)), None, method),
				Error::<Test>::ChainTimeUnavailable
			);
		}
	});
}

/// An enclave that follows another chain (its light client's latest
/// finalized block is not one of this chain's) never registers, whatever
/// its evidence: the chain confirms the enclave's view of it.
#[test]
fn a_registration_naming_a_block_this_chain_does_not_know_is_refused() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		let naming = |parentchain_block| RegistrationClaims { parentchain_block, ..claims() };
		// Another genesis, a block past the chain's head (whose hash reads as
		// zero without `try_get`), a real number with another hash.
		for block in [(0, H256::repeat_byte(1)), (7, H256::zero()), (5, H256::repeat_byte(69))] {
			let claims = naming(block);
			let evidence =
				AttestedEnclave { report_binding: claims.report_binding(), ..attested(&who) };
			for (proof, method) in [
				(attested_proof(&evidence), AttestationMethod::Dcap),
				(skipped().encode(), AttestationMethod::Skip),
			] {
				assert_noop!(
					register_claiming(&who, proof, None, method, claims.clone()),
					Error::<Test>::UnknownParentchainBlock
				);
			}
		}
		// A recent block of this chain is accepted.
		polkadot_sdk::frame_system::BlockHash::<Test>::insert(4, H256::repeat_byte(4));
		let claims = naming((4, H256::repeat_byte(4)));
		let evidence =
			AttestedEnclave { report_binding: claims.report_binding(), ..attested(&who) };
		assert_ok!(register_claiming(
			&who,
			attested_proof(&evidence),
			None,
			AttestationMethod::Dcap,
			claims
		));
	});
}

/// The claims are the enclave's own: evidence binding other claims (another
/// shielding key, another block) does not register them.
#[test]
fn claims_the_evidence_does_not_bind_are_refused() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		polkadot_sdk::frame_system::BlockHash::<Test>::insert(3, H256::repeat_byte(3));
		let evidence = attested_proof(&attested(&who));
		for other in [
			RegistrationClaims { shielding_key_hash: [0x34; 32], ..claims() },
			RegistrationClaims { parentchain_block: (3, H256::repeat_byte(3)), ..claims() },
		] {
			assert_noop!(
				register_claiming(&who, evidence.clone(), None, AttestationMethod::Dcap, other),
				Error::<Test>::ClaimsNotAttested
			);
		}
		assert_ok!(register_claiming(&who, evidence, None, AttestationMethod::Dcap, claims()));
		assert_eq!(Teerex::enclave(&who).map(|e| e.shielding_key_hash), Some([0x33; 32]));
	});
}

#[test]
fn register_refused_for_unsigned_origins() {
	ExtBuilder::dev().build_and_execute(|| {
		for origin in [RuntimeOrigin::none(), RuntimeOrigin::root()] {
			assert_noop!(
				Teerex::register_sgx_enclave(
					origin,
					skipped().encode(),
					None,
					AttestationMethod::Skip,
					claims(),
				),
				DispatchError::BadOrigin
			);
		}
	});
}

#[test]
fn reregistration_renews_attestation() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		assert_eq!(Teerex::enclave(&who).map(|enclave| enclave.attested_at_ms), Some(NOW_MS));

		let later = NOW_MS + RENEWAL_PERIOD_MS;
		set_now(later);
		let new_url = b"wss://moved.example".to_vec();
		assert_ok!(register(
			&who,
			skipped().encode(),
			Some(new_url.clone()),
			AttestationMethod::Skip
		));
		let enclave = Teerex::enclave(&who).expect("still registered");
		assert_eq!(enclave.attested_at_ms, later);
		assert_eq!(enclave.url, Some(bounded_url(new_url)));
		assert_eq!(Teerex::enclaves().len(), 1);

		// The first attestation would have expired now; the renewed one has not.
		set_now(NOW_MS + RENEWAL_PERIOD_MS + 1);
		assert!(Teerex::registered_fingerprint(&who).is_some());
		assert_noop!(unregister(signed(2), &who), Error::<Test>::UnregisterNotAllowed);
	});
}

#[test]
fn reregistration_with_new_attestation_replaces_record() {
	ExtBuilder::default().build_and_execute(|| {
		let who = account(1);
		let first = attested(&who);
		assert_ok!(register(&who, attested_proof(&first), None, AttestationMethod::Ias));

		let second = AttestedEnclave {
			mr_enclave: H256::repeat_byte(0x77),
			status: SgxStatus::SwHardeningNeeded,
			attested_at_ms: NOW_MS + 5_000,
			..first
		};
		set_now(NOW_MS + 6_000);
		assert_ok!(register(&who, attested_proof(&second), None, AttestationMethod::Dcap));
		assert_eq!(
			SovereignEnclaves::<Test>::get(&who),
			Some(expected_enclave(&second, AttestationMethod::Dcap, None))
		);
		System::assert_last_event(
			Event::EnclaveRegistered {
				signer: who,
				mr_enclave: second.mr_enclave,
				attestation_method: AttestationMethod::Dcap,
				url: None,
			}
			.into(),
		);
	});
}

// ---------------------------------------------------------------------------
// The "no verifier" runtime
// ---------------------------------------------------------------------------

#[test]
fn no_attestation_verifier_refuses_attested_registration() {
	ExtBuilder::dev().build_and_execute(|| {
		use_verifier(VerifierMode::None);
		let who = account(1);
		let proof = attested_proof(&attested(&who));
		for method in [AttestationMethod::Dcap, AttestationMethod::Ias] {
			assert_noop!(
				register(&who, proof.clone(), None, method),
				Error::<Test>::AttestationMethodUnsupported
			);
		}
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS);
		assert_noop!(
			register_qe(collateral_body(&qe)),
			Error::<Test>::AttestationMethodUnsupported
		);
		// Skipping needs no verifier.
		assert_ok!(register_skip(&who));
	});
}

#[test]
fn no_attestation_verifier_reports_unsupported() {
	let proof = attested_proof(&attested(&account(1)));
	assert_eq!(
		NoAttestationVerifier::verify_ias_certificate(&proof, NOW_MS),
		Err(AttestationError::Unsupported)
	);
	assert_eq!(
		NoAttestationVerifier::verify_dcap_quote(
			&proof,
			&|_, _| None,
			None,
			RevocationPolicy::Require,
			NOW_MS
		),
		Err(AttestationError::Unsupported)
	);
	assert_eq!(
		DispatchError::from(Error::<Test>::from(AttestationError::Unsupported)),
		Error::<Test>::AttestationMethodUnsupported.into()
	);
}

// ---------------------------------------------------------------------------
// Unregistration
// ---------------------------------------------------------------------------

#[test]
fn unregister_by_enclave_itself() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		assert_ok!(unregister(signed(1), &who));
		assert_eq!(SovereignEnclaves::<Test>::get(&who), None);
		System::assert_last_event(
			Event::EnclaveUnregistered { signer: who, reason: UnregisterReason::ByEnclave }.into(),
		);
	});
}

#[test]
fn unregister_by_root() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		assert_ok!(unregister(RuntimeOrigin::root(), &who));
		assert_eq!(SovereignEnclaves::<Test>::get(&who), None);
		System::assert_last_event(
			Event::EnclaveUnregistered { signer: who, reason: UnregisterReason::ByRoot }.into(),
		);
	});
}

#[test]
fn unregister_by_stranger_refused_until_expiry() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		assert_noop!(unregister(signed(2), &who), Error::<Test>::UnregisterNotAllowed);
		// Still valid at exactly one renewal period after the attestation.
		set_now(NOW_MS + RENEWAL_PERIOD_MS);
		assert_noop!(unregister(signed(2), &who), Error::<Test>::UnregisterNotAllowed);

		set_now(NOW_MS + RENEWAL_PERIOD_MS + 1);
		assert_ok!(unregister(signed(2), &who));
		assert_eq!(SovereignEnclaves::<Test>::get(&who), None);
		System::assert_last_event(
			Event::EnclaveUnregistered { signer: who, reason: UnregisterReason::Expired }.into(),
		);
	});
}

#[test]
fn unregister_by_stranger_needs_chain_time() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		set_now(0);
		assert_noop!(unregister(signed(2), &who), Error::<Test>::ChainTimeUnavailable);
		// The enclave and root do not depend on time.
		assert_ok!(unregister(signed(1), &who));
	});
}

#[test]
fn unregister_unknown_enclave_fails() {
	ExtBuilder::dev().build_and_execute(|| {
		let unknown = account(7);
		for origin in [signed(7), signed(2), RuntimeOrigin::root()] {
			assert_noop!(unregister(origin, &unknown), Error::<Test>::EnclaveNotRegistered);
		}
	});
}

#[test]
fn unregister_refused_for_none_origin() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		assert_noop!(unregister(RuntimeOrigin::none(), &who), DispatchError::BadOrigin);
	});
}

// ---------------------------------------------------------------------------
// Registry queries
// ---------------------------------------------------------------------------

#[test]
fn enclaves_lists_all_registered() {
	ExtBuilder::dev().build_and_execute(|| {
		assert!(Teerex::enclaves().is_empty());
		let (a, b, c) = (account(1), account(2), account(3));
		assert_ok!(register_skip(&a));
		assert_ok!(register(&b, attested_proof(&attested(&b)), None, AttestationMethod::Dcap));
		assert_ok!(register(
			&c,
			attested_proof(&attested(&c)),
			Some(url()),
			AttestationMethod::Ias
		));

		let mut listed = Teerex::enclaves();
		listed.sort_by(|x, y| x.0.cmp(&y.0));
		let proof = skipped();
		let expected = vec![
			(
				a,
				SgxEnclave {
					mr_enclave: proof.mr_enclave,
					mr_signer: proof.mr_signer,
					shielding_key_hash: claims().shielding_key_hash,
					build_mode: SgxBuildMode::Debug,
					status: SgxStatus::Unattested,
					attestation_method: AttestationMethod::Skip,
					attested_at_ms: NOW_MS,
					url: Some(url()),
				},
			),
			(b.clone(), plain_enclave(&attested(&b), AttestationMethod::Dcap, None)),
			(c.clone(), plain_enclave(&attested(&c), AttestationMethod::Ias, Some(url()))),
		];
		assert_eq!(listed, expected);

		assert_ok!(unregister(RuntimeOrigin::root(), &b));
		assert_eq!(Teerex::enclaves().len(), 2);
	});
}

/// The record as the runtime API returns it (URL unbounded).
fn plain_enclave(
	attested: &AttestedEnclave,
	method: AttestationMethod,
	worker_url: Option<Vec<u8>>,
) -> SgxEnclave<Vec<u8>> {
	SgxEnclave {
		mr_enclave: attested.mr_enclave,
		mr_signer: attested.mr_signer,
		shielding_key_hash: claims().shielding_key_hash,
		build_mode: attested.build_mode,
		status: attested.status,
		attestation_method: method,
		attested_at_ms: attested.attested_at_ms,
		url: worker_url,
	}
}

#[test]
fn registered_fingerprint_is_none_after_expiry() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_eq!(Teerex::registered_fingerprint(&who), None);
		assert_ok!(register_skip(&who));
		assert_eq!(Teerex::registered_fingerprint(&who), Some(skipped().mr_enclave));

		set_now(NOW_MS + RENEWAL_PERIOD_MS);
		assert_eq!(Teerex::registered_fingerprint(&who), Some(skipped().mr_enclave));

		set_now(NOW_MS + RENEWAL_PERIOD_MS + 1);
		assert_eq!(Teerex::registered_fingerprint(&who), None);
		// Expired but not yet removed.
		assert!(Teerex::enclave(&who).is_some());
	});
}

// ---------------------------------------------------------------------------
// Collateral
// ---------------------------------------------------------------------------

#[test]
fn register_quoting_enclave_stores_and_emits_event() {
	ExtBuilder::default().build_and_execute(|| {
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS - 10);
		assert_ok!(register_qe(collateral_body(&qe)));
		assert_eq!(QuotingEnclaveIdentity::<Test>::get(), Some(stored(&qe)));
		System::assert_last_event(
			Event::CollateralRegistered {
				kind: CollateralKind::QuotingEnclaveIdentity,
				fmspc: None,
				next_update_ms: qe.next_update_ms,
			}
			.into(),
		);
	});
}

#[test]
fn register_tcb_info_stores_per_fmspc() {
	ExtBuilder::default().build_and_execute(|| {
		let tcb = verified(CollateralKind::TcbInfo, Some(FMSPC), NOW_MS - 10);
		assert_ok!(register_tcb(collateral_body(&tcb)));
		System::assert_last_event(
			Event::CollateralRegistered {
				kind: CollateralKind::TcbInfo,
				fmspc: Some(FMSPC),
				next_update_ms: tcb.next_update_ms,
			}
			.into(),
		);

		// An older TCB info for another platform family is independent.
		let other = verified(CollateralKind::TcbInfo, Some(OTHER_FMSPC), NOW_MS - 20);
		assert_ok!(register_tcb(collateral_body(&other)));
		assert_eq!(TcbInfo::<Test>::get(FMSPC), Some(stored(&tcb)));
		assert_eq!(TcbInfo::<Test>::get(OTHER_FMSPC), Some(stored(&other)));
		assert_eq!(TcbInfo::<Test>::iter().count(), 2);
	});
}

#[test]
fn register_tcb_info_without_fmspc_fails() {
	ExtBuilder::default().build_and_execute(|| {
		let tcb = verified(CollateralKind::TcbInfo, None, NOW_MS);
		assert_noop!(register_tcb(collateral_body(&tcb)), Error::<Test>::TcbInfoWithoutFmspc);
	});
}

#[test]
fn register_crl_stores_both_kinds() {
	ExtBuilder::default().build_and_execute(|| {
		let pck = verified(CollateralKind::PckCrl, None, NOW_MS - 10);
		assert_ok!(register_crl(CrlKind::Pck, collateral_body(&pck)));
		System::assert_last_event(
			Event::CollateralRegistered {
				kind: CollateralKind::PckCrl,
				fmspc: None,
				next_update_ms: pck.next_update_ms,
			}
			.into(),
		);

		let root_ca = verified(CollateralKind::RootCaCrl, None, NOW_MS - 20);
		assert_ok!(register_crl(CrlKind::RootCa, collateral_body(&root_ca)));
		System::assert_last_event(
			Event::CollateralRegistered {
				kind: CollateralKind::RootCaCrl,
				fmspc: None,
				next_update_ms: root_ca.next_update_ms,
			}
			.into(),
		);

		assert_eq!(RevocationLists::<Test>::get(CollateralKind::PckCrl), Some(stored(&pck)));
		assert_eq!(RevocationLists::<Test>::get(CollateralKind::RootCaCrl), Some(stored(&root_ca)));
	});
}

#[test]
fn collateral_not_newer_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let issued = NOW_MS - 1_000;
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, issued);
		let tcb = verified(CollateralKind::TcbInfo, Some(FMSPC), issued);
		let pck = verified(CollateralKind::PckCrl, None, issued);
		assert_ok!(register_qe(collateral_body(&qe)));
		assert_ok!(register_tcb(collateral_body(&tcb)));
		assert_ok!(register_crl(CrlKind::Pck, collateral_body(&pck)));

		for issued_at_ms in [issued, issued - 1] {
			let again = |v: &VerifiedCollateral| {
				collateral_body(&VerifiedCollateral { issued_at_ms, ..v.clone() })
			};
			assert_noop!(register_qe(again(&qe)), Error::<Test>::CollateralNotNewer);
			assert_noop!(register_tcb(again(&tcb)), Error::<Test>::CollateralNotNewer);
			assert_noop!(
				register_crl(CrlKind::Pck, again(&pck)),
				Error::<Test>::CollateralNotNewer
			);
		}

		let newer = verified(CollateralKind::TcbInfo, Some(FMSPC), issued + 1);
		assert_ok!(register_tcb(collateral_body(&newer)));
		assert_eq!(TcbInfo::<Test>::get(FMSPC), Some(stored(&newer)));
	});
}

#[test]
fn collateral_longer_than_max_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let max = MAX_COLLATERAL_LENGTH as usize;
		let body = collateral_body(&verified(CollateralKind::PckCrl, None, NOW_MS));

		// A body of exactly the maximum reaches the verifier.
		let mut longest = failing_evidence(AttestationError::BadSignature);
		longest.resize(max, 0);
		assert_noop!(
			register_crl(CrlKind::Pck, longest.clone()),
			Error::<Test>::AttestationSignatureInvalid
		);
		let mut too_long = longest;
		too_long.push(0);
		assert_noop!(
			register_crl(CrlKind::Pck, too_long.clone()),
			Error::<Test>::CollateralTooLong
		);
		assert_noop!(register_qe(too_long.clone()), Error::<Test>::CollateralTooLong);
		assert_noop!(register_tcb(too_long), Error::<Test>::CollateralTooLong);

		// So are the signature and the certificate chain.
		let oversized = vec![0; max + 1];
		assert_noop!(
			Teerex::register_quoting_enclave(signed(9), body.clone(), oversized.clone(), vec![]),
			Error::<Test>::CollateralTooLong
		);
		assert_noop!(
			Teerex::register_tcb_info(signed(9), body.clone(), vec![], oversized.clone()),
			Error::<Test>::CollateralTooLong
		);
		assert_noop!(
			Teerex::register_crl(signed(9), CrlKind::Pck, body.clone(), oversized),
			Error::<Test>::CollateralTooLong
		);
		assert_ok!(Teerex::register_crl(signed(9), CrlKind::Pck, body, vec![0; max]));
	});
}

#[test]
fn verified_collateral_longer_than_max_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS);
		assert_noop!(
			register_qe(inflated_collateral_body(MAX_COLLATERAL_LENGTH + 1, &qe)),
			Error::<Test>::VerifiedCollateralTooLong
		);
		assert_ok!(register_qe(inflated_collateral_body(MAX_COLLATERAL_LENGTH, &qe)));
		assert_eq!(
			QuotingEnclaveIdentity::<Test>::get().map(|stored| stored.encoded.len()),
			Some(MAX_COLLATERAL_LENGTH as usize)
		);
	});
}

#[test]
fn collateral_of_another_kind_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let tcb = verified(CollateralKind::TcbInfo, Some(FMSPC), NOW_MS);
		assert_noop!(register_qe(collateral_body(&tcb)), Error::<Test>::CollateralKindMismatch);
		let pck = verified(CollateralKind::PckCrl, None, NOW_MS);
		assert_noop!(
			register_crl(CrlKind::RootCa, collateral_body(&pck)),
			Error::<Test>::CollateralKindMismatch
		);
	});
}

#[test]
fn collateral_verifier_errors_map_to_pallet_errors() {
	ExtBuilder::default().build_and_execute(|| {
		for (attestation_error, pallet_error) in expected_errors() {
			let body = failing_evidence(attestation_error);
			assert_noop!(register_qe(body.clone()), pallet_error);
			assert_noop!(register_tcb(body.clone()), pallet_error);
			assert_noop!(register_crl(CrlKind::RootCa, body), pallet_error);
		}
	});
}

#[test]
fn collateral_needs_chain_time() {
	ExtBuilder::default().build_and_execute(|| {
		set_now(0);
		let qe = verified(CollateralKind::QuotingEnclaveIdentity, None, NOW_MS);
		assert_noop!(register_qe(collateral_body(&qe)), Error::<Test>::ChainTimeUnavailable);
	});
}

#[test]
fn collateral_calls_refused_for_unsigned_origins() {
	ExtBuilder::default().build_and_execute(|| {
		let body = collateral_body(&verified(CollateralKind::PckCrl, None, NOW_MS));
		for origin in [RuntimeOrigin::none(), RuntimeOrigin::root()] {
			assert_noop!(
				Teerex::register_quoting_enclave(origin.clone(), body.clone(), vec![], vec![]),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Teerex::register_tcb_info(origin.clone(), body.clone(), vec![], vec![]),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Teerex::register_crl(origin, CrlKind::Pck, body.clone(), vec![]),
				DispatchError::BadOrigin
			);
		}
	});
}

//! `pallet-teerex` with the real verifier (`integritee-attestation`) on real
//! Intel artifacts of `crates/testdata/sgx`, at the times its README pins.
//!
//! The artifacts were made by Integritee's workers, whose `report_data`
//! binds none of this registry's claims (shielding key, parent-chain block):
//! they pass every check of the evidence and stop at the claims, the last
//! check ([`Error::ClaimsNotAttested`]). Here that error means "the evidence
//! was accepted" ([`assert_evidence_accepted`]); registrations whose
//! `report_data` does bind the claims are tested with the simulated
//! platform's quotes (`chain/node/tests/dev_node.rs`).

use crate::{
	mock::*, ClaimsOf, CrlKind, DcapRootCa, Error, Event, GenesisCollateral, GenesisCollateralKind,
	GenesisConfig, QuotingEnclaveIdentity, RevocationLists, RevocationPolicyStorage, TcbInfo,
};
use integritee_attestation::{dcap::collateral::split_signed_file, roots};
use integritee_primitives::{
	AttestationMethod, CollateralKind, RegistrationClaims, RevocationPolicy, SecurityFlags,
	TcbPolicy,
};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_core::H256,
	sp_runtime::{AccountId32, DispatchResult},
};

/// 2022-12-21T07:12:27Z: the DCAP quote and its collateral are valid.
const DCAP_NOW_MS: u64 = 1_671_606_747_000;
/// The QE identity's nextUpdate.
const QE_IDENTITY_NEXT_UPDATE_MS: u64 = 1_672_785_933_000;
const FMSPC: [u8; 6] = [0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00];
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

use integritee_testdata::sgx;

fn quote() -> Vec<u8> {
	sgx("dcap/ra_dcap_dump_quote.ra")
}

/// The account whose public key the quote attests (`report_data[0..32]`).
fn quote_signer() -> AccountId32 {
	let quote = quote();
	let report_data_at = 48 + 320;
	let key: [u8; 32] = quote[report_data_at..report_data_at + 32].try_into().expect("32 bytes");
	AccountId32::new(key)
}

fn ias_cert(n: u8) -> Vec<u8> {
	sgx(&format!("ias/ra_dump_cert_TEST{n}.der"))
}

fn ias_signer(n: u8) -> AccountId32 {
	let key: [u8; 32] =
		sgx(&format!("ias/enclave-signing-pubkey-TEST{n}.bin")).try_into().expect("32-byte key");
	AccountId32::new(key)
}

/// IAS report times from the testdata README.
fn ias_report_ms(n: u8) -> u64 {
	match n {
		4 => 1_587_899_785_000,
		5 => 1_587_900_013_000,
		6 => 1_587_900_233_000,
		7 => 1_587_900_450_000,
		_ => unreachable!("TEST4..TEST7"),
	}
}

fn signed_parts(file: &str) -> (Vec<u8>, Vec<u8>) {
	let file = sgx(file);
	let (body, signature) = split_signed_file(&file).expect("Intel's signed JSON");
	(body.to_vec(), signature.to_vec())
}

fn register_real_qe_identity() -> DispatchResult {
	let (body, signature) = signed_parts("dcap/qe_identity.json");
	Teerex::register_quoting_enclave(
		RuntimeOrigin::signed(account(9)),
		body,
		signature,
		sgx("dcap/qe_identity_issuer_chain.pem"),
	)
}

fn register_real_tcb_info() -> DispatchResult {
	let (body, signature) = signed_parts("dcap/tcb_info.json");
	Teerex::register_tcb_info(
		RuntimeOrigin::signed(account(9)),
		body,
		signature,
		sgx("dcap/tcb_info_issuer_chain.pem"),
	)
}

/// Claims of a block the mock chain knows (its genesis).
fn claims() -> ClaimsOf<Test> {
	RegistrationClaims {
		shielding_key_hash: [0; 32],
		parentchain_block: (0, H256::repeat_byte(69)),
	}
}

fn register_dcap(who: &AccountId32, quote: Vec<u8>) -> DispatchResult {
	Teerex::register_sgx_enclave(
		RuntimeOrigin::signed(who.clone()),
		quote,
		Some(b"wss://127.0.0.1:2000".to_vec()),
		AttestationMethod::Dcap,
		claims(),
	)
}

fn register_ias(who: &AccountId32, cert: Vec<u8>) -> DispatchResult {
	Teerex::register_sgx_enclave(
		RuntimeOrigin::signed(who.clone()),
		cert,
		None,
		AttestationMethod::Ias,
		claims(),
	)
}

/// The evidence passed every check and the registration stopped at the
/// claims, which the real artifacts cannot bind (see the module docs).
#[track_caller]
fn assert_evidence_accepted(result: DispatchResult) {
	assert_eq!(result, Err(Error::<Test>::ClaimsNotAttested.into()));
}

/// The evidence itself was refused (not merely its claims).
#[track_caller]
fn assert_evidence_refused(result: DispatchResult, what: &str) {
	assert!(result.is_err(), "{what}: accepted");
	assert_ne!(result, Err(Error::<Test>::ClaimsNotAttested.into()), "{what}: evidence accepted");
}

/// Debug builds allowed (every artifact is a debug build), real verifier.
fn dev_with_intel_verifier() -> ExtBuilder {
	ExtBuilder::dev().verifier(VerifierMode::Intel)
}

#[test]
fn dcap_quote_is_accepted_with_real_collateral() {
	dev_with_intel_verifier().build_and_execute(|| {
		set_now(DCAP_NOW_MS);
		let who = quote_signer();
		// Without collateral the quote cannot be appraised.
		assert_noop!(register_dcap(&who, quote()), Error::<Test>::CollateralMissing);

		assert_ok!(register_real_qe_identity());
		assert_noop!(register_dcap(&who, quote()), Error::<Test>::CollateralMissing);
		assert_ok!(register_real_tcb_info());
		assert!(TcbInfo::<Test>::get(FMSPC).is_some());
		assert_ok!(Teerex::register_crl(
			RuntimeOrigin::signed(account(9)),
			CrlKind::RootCa,
			sgx("dcap/root_ca_crl.der"),
			sgx("dcap/tcb_info_issuer_chain.pem"),
		));

		// A debug build on a SW_HARDENING_NEEDED platform: inside the
		// development policy (on a production chain, see
		// `dcap_debug_enclave_is_refused_on_a_production_chain`).
		assert_evidence_accepted(register_dcap(&who, quote()));
		assert!(Teerex::enclave(&who).is_none());
	});
}

/// The real quote's PCK leaf is issued by Intel's Processor CA, and the only
/// real PCK CRL is the Platform CA's: no registered CRL covers the leaf.
/// Under `Require` (every chain but a development one) that fails closed
/// with a clear error; under `IfAvailable` the quote is accepted.
#[test]
fn dcap_registration_fails_closed_without_covering_crls() {
	ExtBuilder::flags(SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: false })
		.verifier(VerifierMode::Intel)
		.build_and_execute(|| {
			assert_eq!(RevocationPolicyStorage::<Test>::get(), RevocationPolicy::Require);
			set_now(DCAP_NOW_MS);
			let who = quote_signer();
			assert_ok!(register_real_qe_identity());
			assert_ok!(register_real_tcb_info());
			assert_ok!(Teerex::register_crl(
				RuntimeOrigin::signed(account(9)),
				CrlKind::RootCa,
				sgx("dcap/root_ca_crl.der"),
				sgx("dcap/tcb_info_issuer_chain.pem"),
			));
			assert_noop!(register_dcap(&who, quote()), Error::<Test>::RevocationStatusUnknown);

			// Only root may relax it.
			assert!(Teerex::set_revocation_policy(
				RuntimeOrigin::signed(who.clone()),
				RevocationPolicy::IfAvailable
			)
			.is_err());
			assert_ok!(Teerex::set_revocation_policy(
				RuntimeOrigin::root(),
				RevocationPolicy::IfAvailable
			));
			System::assert_last_event(
				Event::RevocationPolicySet { policy: RevocationPolicy::IfAvailable }.into(),
			);
			assert_evidence_accepted(register_dcap(&who, quote()));
		});
}

#[test]
fn dcap_quote_is_refused_for_every_bad_input() {
	dev_with_intel_verifier().build_and_execute(|| {
		set_now(DCAP_NOW_MS);
		assert_ok!(register_real_qe_identity());
		assert_ok!(register_real_tcb_info());
		let who = quote_signer();

		// Another account sending the enclave's quote.
		assert_noop!(
			register_dcap(&account(1), quote()),
			Error::<Test>::SenderIsNotAttestedEnclave
		);
		// A byte changed in each signed region: header, ISV report, the QE
		// report, the QE auth data and the PCK chain.
		for at in [0, 8, 47, 48 + 64, 48 + 320, 431, 436 + 128 + 10, 436 + 128 + 384 + 64 + 5, 1200]
		{
			let mut tampered = quote();
			tampered[at] ^= 0x01;
			assert_evidence_refused(register_dcap(&who, tampered), &format!("byte {at} flipped"));
		}
		let mut tampered = quote();
		tampered[100] ^= 0x01;
		assert_noop!(register_dcap(&who, tampered), Error::<Test>::AttestationSignatureInvalid);
		// Truncated and extended.
		assert_noop!(
			register_dcap(&who, quote()[..1000].to_vec()),
			Error::<Test>::MalformedAttestation
		);
		let mut longer = quote();
		longer.push(0);
		assert_noop!(register_dcap(&who, longer), Error::<Test>::MalformedAttestation);
		assert_noop!(register_dcap(&who, Vec::new()), Error::<Test>::MalformedAttestation);

		// Once the QE identity is past its nextUpdate, the quote is refused.
		set_now(QE_IDENTITY_NEXT_UPDATE_MS);
		assert_noop!(register_dcap(&who, quote()), Error::<Test>::AttestationExpired);
	});
}

#[test]
fn dcap_debug_enclave_is_refused_on_a_production_chain() {
	ExtBuilder::default().verifier(VerifierMode::Intel).build_and_execute(|| {
		set_now(DCAP_NOW_MS);
		assert_ok!(register_real_qe_identity());
		assert_ok!(register_real_tcb_info());
		// Revocation aside (no covering CRL is registered here, see
		// `dcap_registration_fails_closed_without_covering_crls`).
		assert_ok!(Teerex::set_revocation_policy(
			RuntimeOrigin::root(),
			RevocationPolicy::IfAvailable
		));
		assert_noop!(register_dcap(&quote_signer(), quote()), Error::<Test>::DebugModeNotAllowed);
	});
}

#[test]
fn real_collateral_is_checked_at_chain_time() {
	dev_with_intel_verifier().build_and_execute(|| {
		// Before the QE identity was issued, and after its nextUpdate.
		set_now(DCAP_NOW_MS - 30 * DAY_MS);
		assert_noop!(register_real_qe_identity(), Error::<Test>::AttestationExpired);
		set_now(QE_IDENTITY_NEXT_UPDATE_MS);
		assert_noop!(register_real_qe_identity(), Error::<Test>::AttestationExpired);

		set_now(DCAP_NOW_MS);
		// A changed byte of the signed JSON, or its signature.
		let (mut body, signature) = signed_parts("dcap/tcb_info.json");
		body[40] ^= 0x01;
		assert!(Teerex::register_tcb_info(
			RuntimeOrigin::signed(account(9)),
			body,
			signature,
			sgx("dcap/tcb_info_issuer_chain.pem"),
		)
		.is_err());
		let (body, mut signature) = signed_parts("dcap/qe_identity.json");
		signature[0] = if signature[0] == b'0' { b'1' } else { b'0' };
		assert_noop!(
			Teerex::register_quoting_enclave(
				RuntimeOrigin::signed(account(9)),
				body,
				signature,
				sgx("dcap/qe_identity_issuer_chain.pem"),
			),
			Error::<Test>::AttestationSignatureInvalid
		);
		// The shared PCK CRL is issued by the Platform CA; its file's chain is
		// the Processor CA's: refused.
		assert!(Teerex::register_crl(
			RuntimeOrigin::signed(account(9)),
			CrlKind::Pck,
			sgx("dcap/pck_crl.der"),
			sgx("dcap/pck_crl_issuer_chain.pem"),
		)
		.is_err());
		assert_eq!(RevocationLists::<Test>::get(CollateralKind::PckCrl), None);

		// The same collateral twice is not newer.
		assert_ok!(register_real_qe_identity());
		assert_noop!(register_real_qe_identity(), Error::<Test>::CollateralNotNewer);
	});
}

#[test]
fn another_dcap_root_refuses_intels_collateral() {
	dev_with_intel_verifier().build_and_execute(|| {
		set_now(DCAP_NOW_MS);
		assert_ok!(register_real_qe_identity());
		// Any self-signed CA can be the root; the IAS root is one.
		assert_ok!(Teerex::set_dcap_root_ca(
			RuntimeOrigin::root(),
			Some(roots::IAS_ROOT_CA_DER.to_vec())
		));
		assert_eq!(QuotingEnclaveIdentity::<Test>::get(), None);
		assert_noop!(register_real_qe_identity(), Error::<Test>::AttestationSignatureInvalid);
		// A certificate that is not a self-signed CA cannot be the root.
		let pck_leaf = integritee_attestation::pem::decode_certificates(&sgx(
			"dcap/tcb_info_issuer_chain.pem",
		))
		.expect("PEM")
		.remove(0);
		assert_noop!(
			Teerex::set_dcap_root_ca(RuntimeOrigin::root(), Some(pck_leaf)),
			Error::<Test>::InvalidRootCa
		);
		// Intel's root again: the collateral registers.
		assert_ok!(Teerex::set_dcap_root_ca(RuntimeOrigin::root(), None));
		assert_ok!(register_real_qe_identity());
	});
}

#[test]
fn genesis_pins_a_root_and_carries_verified_collateral() {
	let (qe_body, qe_signature) = signed_parts("dcap/qe_identity.json");
	let (tcb_body, tcb_signature) = signed_parts("dcap/tcb_info.json");
	let genesis = GenesisConfig::<Test> {
		security_flags: SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: false },
		dcap_root_ca: Some(roots::INTEL_SGX_ROOT_CA_DER.to_vec()),
		dcap_collateral: vec![
			GenesisCollateral {
				kind: GenesisCollateralKind::QuotingEnclaveIdentity,
				body: qe_body,
				signature: qe_signature,
				issuer_chain: sgx("dcap/qe_identity_issuer_chain.pem"),
			},
			GenesisCollateral {
				kind: GenesisCollateralKind::TcbInfo,
				body: tcb_body,
				signature: tcb_signature,
				issuer_chain: sgx("dcap/tcb_info_issuer_chain.pem"),
			},
		],
		collateral_verified_at_ms: DCAP_NOW_MS,
		revocation_policy: RevocationPolicy::IfAvailable,
		..Default::default()
	};
	// The genesis JSON form (as a chain spec holds it) round-trips.
	let json = serde_json::to_string(&genesis).expect("serializable");
	assert!(json.contains("\"dcapRootCa\":\"0x3082"), "root as hex: {json:.200}");
	assert!(json.contains("\"revocationPolicy\":\"IfAvailable\""), "{json:.200}");
	let genesis: GenesisConfig<Test> = serde_json::from_str(&json).expect("deserializable");

	ExtBuilder::genesis(genesis).verifier(VerifierMode::Intel).build_and_execute(|| {
		assert_eq!(
			DcapRootCa::<Test>::get().map(|root| root.into_inner()),
			Some(roots::INTEL_SGX_ROOT_CA_DER.to_vec())
		);
		assert!(QuotingEnclaveIdentity::<Test>::get().is_some());
		assert_eq!(RevocationPolicyStorage::<Test>::get(), RevocationPolicy::IfAvailable);
		set_now(DCAP_NOW_MS);
		assert_evidence_accepted(register_dcap(&quote_signer(), quote()));
	});
}

#[test]
#[should_panic(expected = "collateral refused")]
fn genesis_with_collateral_that_does_not_verify_fails() {
	let (qe_body, _) = signed_parts("dcap/qe_identity.json");
	let genesis = GenesisConfig::<Test> {
		dcap_collateral: vec![GenesisCollateral {
			kind: GenesisCollateralKind::QuotingEnclaveIdentity,
			body: qe_body,
			signature: vec![b'0'; 128],
			issuer_chain: sgx("dcap/qe_identity_issuer_chain.pem"),
		}],
		collateral_verified_at_ms: DCAP_NOW_MS,
		..Default::default()
	};
	ExtBuilder::genesis(genesis).verifier(VerifierMode::Intel).build();
}

#[test]
fn ias_certificates_are_accepted_under_the_tcb_policy() {
	dev_with_intel_verifier().build_and_execute(|| {
		let report_ms = ias_report_ms(4);
		set_now(report_ms + 3_600_000);
		// CONFIGURATION_NEEDED is outside the default TCB policy.
		assert_noop!(register_ias(&ias_signer(4), ias_cert(4)), Error::<Test>::TcbStatusNotAllowed);
		assert_ok!(Teerex::set_tcb_policy(RuntimeOrigin::root(), TcbPolicy::lenient()));
		assert_evidence_accepted(register_ias(&ias_signer(4), ias_cert(4)));
	});
}

#[test]
fn ias_certificates_are_refused_for_every_bad_input() {
	dev_with_intel_verifier().build_and_execute(|| {
		assert_ok!(Teerex::set_tcb_policy(RuntimeOrigin::root(), TcbPolicy::lenient()));
		// TEST5 sent by TEST7's key.
		set_now(ias_report_ms(5) + 3_600_000);
		assert_noop!(
			register_ias(&ias_signer(7), ias_cert(5)),
			Error::<Test>::SenderIsNotAttestedEnclave
		);
		// TEST7 one millisecond past 24 h is too old; one before, accepted.
		let report_ms = ias_report_ms(7);
		set_now(report_ms + DAY_MS + 1);
		assert_noop!(register_ias(&ias_signer(7), ias_cert(7)), Error::<Test>::AttestationExpired);
		set_now(report_ms + DAY_MS - 1);
		let cert = ias_cert(7);
		// A changed byte anywhere in the certificate's report extension (bytes
		// 240..3140 of TEST7: report, signature, signing certificate) is
		// refused; sampled every 7 bytes.
		let mut refused = 0;
		for at in (240..3140).step_by(7) {
			let mut tampered = cert.clone();
			tampered[at] ^= 0x04;
			assert_evidence_refused(register_ias(&ias_signer(7), tampered), &format!("byte {at}"));
			refused += 1;
		}
		assert!(refused > 300);
		assert_noop!(
			register_ias(&ias_signer(7), cert[..cert.len() - 1].to_vec()),
			Error::<Test>::MalformedAttestation
		);
		assert_evidence_accepted(register_ias(&ias_signer(7), cert));
		// Production chain: debug enclaves refused.
		assert_ok!(Teerex::set_security_flags(RuntimeOrigin::root(), SecurityFlags::default()));
		assert_noop!(register_ias(&ias_signer(7), ias_cert(7)), Error::<Test>::DebugModeNotAllowed);
	});
}

//! Attested registration (DCAP, IAS): the evidence, the TCB policy, the
//! DCAP root, the claims.

use super::*;
use crate::StaleTcbInfo;

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
		assert_eq!(RevocationLists::<Test>::get(CollateralKind::PckCrl), None);
		// The TCB info is stale: still stored until `on_idle` removes it
		// (see `stale_tcb_info`), but never used again.
		assert!(StaleTcbInfo::<Test>::get());
		assert_eq!(Teerex::registered_collateral(CollateralKind::TcbInfo, Some(FMSPC)), None);

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

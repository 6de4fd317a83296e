//! The registration deposit: held by an account's first registration,
//! released by every unregistration, and the enclave's leaving told to
//! `OnEnclaveUnregistered`.

use super::*;
use crate::HoldReason;
use polkadot_sdk::frame_support::{
	dispatch::GetDispatchInfo,
	traits::fungible::{Inspect, InspectHold, Mutate},
};

fn held(who: &AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::EnclaveRegistration.into(), who)
}

fn free(who: &AccountId) -> Balance {
	Balances::balance(who)
}

#[test]
fn first_registration_holds_the_deposit() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		assert_eq!(held(&who), REGISTRATION_DEPOSIT);
		assert_eq!(free(&who), INITIAL_BALANCE - REGISTRATION_DEPOSIT);
		// The registry's event comes last, after the currency's.
		System::assert_last_event(
			Event::EnclaveRegistered {
				signer: who.clone(),
				mr_enclave: skipped().mr_enclave,
				attestation_method: AttestationMethod::Skip,
				url: Some(url()),
			}
			.into(),
		);
	});
}

#[test]
fn a_renewal_holds_nothing_more() {
	ExtBuilder::default().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register(&who, attested_proof(&attested(&who)), None, AttestationMethod::Dcap));
		set_now(NOW_MS + 1_000);
		assert_ok!(register(&who, attested_proof(&attested(&who)), None, AttestationMethod::Ias));
		assert_eq!(held(&who), REGISTRATION_DEPOSIT);
		assert_eq!(free(&who), INITIAL_BALANCE - REGISTRATION_DEPOSIT);
	});
}

#[test]
fn an_account_that_cannot_hold_the_deposit_does_not_register() {
	ExtBuilder::default().build_and_execute(|| {
		// No funds at all.
		let poor = account(200);
		let proof = attested_proof(&attested(&poor));
		assert_noop!(
			register(&poor, proof.clone(), None, AttestationMethod::Dcap),
			Error::<Test>::CannotHoldDeposit
		);
		// Exactly the deposit: holding it would take the existential deposit.
		<Balances as Mutate<_>>::set_balance(&poor, REGISTRATION_DEPOSIT);
		assert_noop!(
			register(&poor, proof.clone(), None, AttestationMethod::Dcap),
			Error::<Test>::CannotHoldDeposit
		);
		// The deposit and the existential deposit.
		<Balances as Mutate<_>>::set_balance(&poor, REGISTRATION_DEPOSIT + EXISTENTIAL_DEPOSIT);
		assert_ok!(register(&poor, proof, None, AttestationMethod::Dcap));
		assert_eq!(held(&poor), REGISTRATION_DEPOSIT);
	});
}

/// Every check of the evidence comes before the deposit: an unfunded
/// account with bad evidence hears about its evidence.
#[test]
fn evidence_errors_come_before_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		let poor = account(200);
		assert_noop!(
			register(&poor, attested_proof(&attested(&account(1))), None, AttestationMethod::Dcap),
			Error::<Test>::SenderIsNotAttestedEnclave
		);
		let other_claims = RegistrationClaims { shielding_key_hash: [0x34; 32], ..claims() };
		assert_noop!(
			register_claiming(
				&poor,
				attested_proof(&attested(&poor)),
				None,
				AttestationMethod::Dcap,
				other_claims
			),
			Error::<Test>::ClaimsNotAttested
		);
	});
}

#[test]
fn every_unregistration_releases_the_deposit_and_tells_the_hook() {
	let cases: [(fn() -> RuntimeOrigin, UnregisterReason); 3] = [
		(|| signed(1), UnregisterReason::ByEnclave),
		(RuntimeOrigin::root, UnregisterReason::ByRoot),
		(|| signed(2), UnregisterReason::Expired),
	];
	for (origin, reason) in cases {
		ExtBuilder::dev().build_and_execute(|| {
			let who = account(1);
			assert_ok!(register_skip(&who));
			if reason == UnregisterReason::Expired {
				set_now(NOW_MS + RENEWAL_PERIOD_MS + 1);
			}
			assert_ok!(unregister(origin(), &who));
			assert_eq!(held(&who), 0, "{reason:?}");
			assert_eq!(free(&who), INITIAL_BALANCE, "{reason:?}");
			assert_eq!(unregistered(), vec![who.clone()], "{reason:?}");
			System::assert_last_event(Event::EnclaveUnregistered { signer: who, reason }.into());
		});
	}
}

#[test]
fn a_refused_unregistration_releases_nothing_and_tells_nobody() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		assert_noop!(unregister(signed(2), &who), Error::<Test>::UnregisterNotAllowed);
		assert_eq!(held(&who), REGISTRATION_DEPOSIT);
		assert!(unregistered().is_empty());
	});
}

/// Enclaves registered before deposits existed hold nothing: they leave
/// all the same, and nothing is released (no hold event either).
#[test]
fn an_enclave_registered_before_deposits_leaves_without_release() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		let record = SovereignEnclaves::<Test>::get(&who).expect("registered");
		assert_ok!(unregister(signed(1), &who));
		// As a record from before the deposit: stored, nothing held.
		SovereignEnclaves::<Test>::insert(&who, record);
		System::reset_events();

		assert_ok!(unregister(RuntimeOrigin::root(), &who));
		assert_eq!(free(&who), INITIAL_BALANCE);
		assert_eq!(unregistered(), vec![who.clone(), who.clone()]);
		assert_eq!(
			System::events().into_iter().map(|record| record.event).collect::<Vec<_>>(),
			vec![RuntimeEvent::Teerex(Event::EnclaveUnregistered {
				signer: who,
				reason: UnregisterReason::ByRoot
			})]
		);
	});
}

#[test]
fn a_deposit_is_held_again_after_leaving() {
	ExtBuilder::dev().build_and_execute(|| {
		let who = account(1);
		assert_ok!(register_skip(&who));
		assert_ok!(unregister(signed(1), &who));
		assert_ok!(register_skip(&who));
		assert_eq!(held(&who), REGISTRATION_DEPOSIT);
	});
}

#[test]
fn unregistering_is_charged_the_hooks_weight() {
	let call = crate::Call::<Test>::unregister_sovereign_enclave { enclave_signer: account(1) };
	assert_eq!(
		call.get_dispatch_info().call_weight,
		<<Test as crate::Config>::WeightInfo as crate::WeightInfo>::unregister_sovereign_enclave()
			+ ON_UNREGISTERED_WEIGHT
	);
}

//! Unregistration: who may remove an enclave, and when.

use super::*;

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

//! Genesis and the security flags.

use super::*;

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

//! Encrypted calls for a shard: anyone submits them, bounded, never stored.

use super::*;

#[test]
fn invoke_emits_event_with_ciphertext_hash() {
	build_and_execute(|| {
		let ciphertext = vec![42u8; 20];
		assert_ok!(EnclaveBridge::invoke(
			RuntimeOrigin::signed(alice()),
			shard(1),
			ciphertext.clone()
		));
		System::assert_last_event(
			Event::IndirectInvocationRegistered {
				shard: shard(1),
				sender: alice(),
				ciphertext_hash: H256(polkadot_sdk::sp_io::hashing::blake2_256(&ciphertext)),
			}
			.into(),
		);
	});
}

#[test]
fn invoke_accepts_maximum_length() {
	build_and_execute(|| {
		let ciphertext = vec![1u8; MAX_CIPHERTEXT_LENGTH as usize];
		assert_ok!(EnclaveBridge::invoke(RuntimeOrigin::signed(nobody()), shard(1), ciphertext));
	});
}

#[test]
fn invoke_refuses_empty_and_oversized_ciphertext() {
	build_and_execute(|| {
		assert_noop!(
			EnclaveBridge::invoke(RuntimeOrigin::signed(alice()), shard(1), vec![]),
			Error::<Test>::EmptyCiphertext
		);
		assert_noop!(
			EnclaveBridge::invoke(
				RuntimeOrigin::signed(alice()),
				shard(1),
				vec![1u8; MAX_CIPHERTEXT_LENGTH as usize + 1]
			),
			Error::<Test>::CiphertextTooLong
		);
	});
}

#[test]
fn invoke_requires_signed_origin() {
	build_and_execute(|| {
		assert_noop!(
			EnclaveBridge::invoke(RuntimeOrigin::root(), shard(1), vec![1]),
			DispatchError::BadOrigin
		);
		assert_noop!(
			EnclaveBridge::invoke(RuntimeOrigin::none(), shard(1), vec![1]),
			DispatchError::BadOrigin
		);
	});
}

//! Benchmarks of `pallet-enclave-bridge`, each at its worst case. Run by
//! `scripts/benchmark-pallets.sh` (which writes `weights.rs`), and once each
//! in the mock runtime by `cargo test -p pallet-enclave-bridge --features
//! runtime-benchmarks`.

use super::*;
use alloc::vec;
use integritee_primitives::OnEnclaveUnregistered;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::traits::fungible::{Inspect, Mutate},
	frame_system::RawOrigin,
	sp_core::H256,
	sp_runtime::traits::{Bounded, One, Saturating, Zero},
};

/// The benchmarks' shard.
const SHARD: ShardIdentifier = H256::repeat_byte(0x5a);

/// A hash that is `n` in its last eight bytes (`from_low_u64_be` is std only).
fn numbered(n: u64) -> H256 {
	let mut bytes = [0u8; 32];
	bytes[24..].copy_from_slice(&n.to_be_bytes());
	H256(bytes)
}

/// Gives `who` plenty of funds.
fn fund<T: Config>(who: &T::AccountId) {
	let plenty = BalanceOf::<T>::max_value() / 4u32.into();
	<T::Currency as Mutate<_>>::set_balance(who, plenty);
}

/// An amount well above the existential deposit.
fn amount<T: Config>() -> BalanceOf<T> {
	<T::Currency as Inspect<_>>::minimum_balance().saturating_mul(100u32.into())
}

/// A registered, funded enclave.
fn funded_enclave<T: Config>() -> T::AccountId {
	let enclave: T::AccountId = account("enclave", 0, 0);
	let fingerprint = H256::repeat_byte(0xf1);
	T::EnclaveRegistry::register_for_benchmark(&enclave, fingerprint, BENCHMARK_SHIELDING_KEY_HASH);
	fund::<T>(&enclave);
	enclave
}

/// A shard full of members: `MaxInstancesLimit`, each registered, each with
/// a confirmation and in its shard index.
fn full_shard<T: Config>(shard: ShardIdentifier, seed: u32) -> alloc::vec::Vec<T::AccountId> {
	let fingerprint = H256::repeat_byte(0xf1);
	let limit = T::MaxInstancesLimit::get();
	let active = ShardConfig { enclave_fingerprint: fingerprint, max_instances: limit };
	ShardConfigRegistry::<T>::insert(shard, UpgradableShardConfig::new(active));
	ShardShieldingKeys::<T>::insert(shard, BENCHMARK_SHIELDING_KEY_HASH);
	let now = frame_system::Pallet::<T>::block_number();
	let mut signers = ShardSignersOf::<T>::default();
	let mut members = vec![];
	for i in 0..limit {
		let member: T::AccountId = account("member", seed * 1_000 + i, 0);
		T::EnclaveRegistry::register_for_benchmark(
			&member,
			fingerprint,
			BENCHMARK_SHIELDING_KEY_HASH,
		);
		let _ = signers.try_push(ShardSignerStatus {
			signer: member.clone(),
			fingerprint,
			last_activity: now,
		});
		EnclaveShards::<T>::mutate(&member, |shards| {
			let _ = shards.try_push(shard);
		});
		LastProcessedParentchainBlock::<T>::insert(shard, &member, (now, H256::zero()));
		members.push(member);
	}
	ShardStatus::<T>::insert(shard, signers);
	members
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn invoke(c: Linear<1, { T::MaxCiphertextLength::get() }>) {
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), SHARD, vec![0xc1; c as usize]);
	}

	/// A newer confirmation of the serving member, checked against the
	/// shard's most expensive membership.
	#[benchmark]
	fn confirm_processed_parentchain_block() {
		let serving = <Pallet<T> as ShardMembership<_>>::worst_case_serving_member(&SHARD);
		LastProcessedParentchainBlock::<T>::insert(
			SHARD,
			&serving,
			(BlockNumberFor::<T>::zero(), H256::zero()),
		);
		let number: BlockNumberFor<T> = 7u32.into();

		#[extrinsic_call]
		_(RawOrigin::Signed(serving.clone()), SHARD, H256::repeat_byte(7), number, H256::zero());

		assert_eq!(
			LastProcessedParentchainBlock::<T>::get(SHARD, &serving),
			Some((number, H256::repeat_byte(7)))
		);
	}

	#[benchmark]
	fn shield_funds(b: Linear<1, { T::MaxBeneficiaryLength::get() }>) {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), SHARD, vec![0xbe; b as usize], amount::<T>());

		assert_eq!(
			<T::Currency as Inspect<_>>::balance(&Pallet::<T>::vault_account(&SHARD)),
			amount::<T>()
		);
	}

	/// A payout to a new account by the serving member of the shard with
	/// the most expensive membership.
	#[benchmark]
	fn unshield_funds() {
		let serving = <Pallet<T> as ShardMembership<_>>::worst_case_serving_member(&SHARD);
		let vault = Pallet::<T>::vault_account(&SHARD);
		<T::Currency as Mutate<_>>::set_balance(&vault, amount::<T>().saturating_mul(2u32.into()));
		let beneficiary: T::AccountId = account("beneficiary", 0, 0);
		let expires_at = frame_system::Pallet::<T>::block_number().saturating_add(One::one());

		#[extrinsic_call]
		_(
			RawOrigin::Signed(serving),
			SHARD,
			beneficiary.clone(),
			amount::<T>(),
			H256::repeat_byte(1),
			expires_at,
		);

		assert_eq!(<T::Currency as Inspect<_>>::balance(&beneficiary), amount::<T>());
	}

	/// Root schedules an upgrade of a shard whose earlier upgrade is due:
	/// that one is promoted, the new one stored.
	#[benchmark]
	fn update_shard_config() {
		let config = |byte| ShardConfig {
			enclave_fingerprint: H256::repeat_byte(byte),
			max_instances: T::MaxInstancesLimit::get(),
		};
		let now = frame_system::Pallet::<T>::block_number();
		ShardConfigRegistry::<T>::insert(
			SHARD,
			UpgradableShardConfig {
				active: config(1),
				pending_upgrade: Some((now, config(2))),
				grace_period: One::one(),
				retiring: None,
			},
		);

		#[extrinsic_call]
		_(RawOrigin::Root, SHARD, config(3), One::one(), One::one());

		let stored = ShardConfigRegistry::<T>::get(SHARD);
		assert_eq!(stored.map(|c| c.active), Some(config(2)));
	}

	/// An enclave creates an unconfigured shard: registry, vault, deposit,
	/// configuration, shielding key and its joining.
	#[benchmark]
	fn create_shard() {
		let enclave = funded_enclave::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(enclave), SHARD, T::MaxInstancesLimit::get());

		assert_eq!(ShardShieldingKeys::<T>::get(SHARD), Some(BENCHMARK_SHIELDING_KEY_HASH));
	}

	/// A member of a full shard, with a confirmation, leaves on its own.
	#[benchmark]
	fn leave_shard() {
		let members = full_shard::<T>(SHARD, 0);
		let leaving = members[members.len() - 1].clone();

		#[extrinsic_call]
		_(RawOrigin::Signed(leaving.clone()), SHARD);

		assert!(LastProcessedParentchainBlock::<T>::get(SHARD, &leaving).is_none());
	}

	/// A member of a full shard, with a confirmation, is purged.
	#[benchmark]
	fn purge_enclave_from_shard() {
		let members = full_shard::<T>(SHARD, 0);
		let purged = members[members.len() - 1].clone();

		#[extrinsic_call]
		_(RawOrigin::Root, SHARD, purged.clone());

		assert!(LastProcessedParentchainBlock::<T>::get(SHARD, &purged).is_none());
	}

	/// The creator removes its unused shard's configuration and key, and
	/// gets its deposit.
	#[benchmark]
	fn remove_shard_config() -> Result<(), BenchmarkError> {
		let enclave = funded_enclave::<T>();
		Pallet::<T>::create_shard(
			RawOrigin::Signed(enclave.clone()).into(),
			SHARD,
			T::MaxInstancesLimit::get(),
		)
		.map_err(|_| BenchmarkError::Stop("the shard could not be created"))?;
		Pallet::<T>::leave_shard(RawOrigin::Signed(enclave.clone()).into(), SHARD)
			.map_err(|_| BenchmarkError::Stop("the creator could not leave"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(enclave), SHARD);

		assert!(!ShardConfigRegistry::<T>::contains_key(SHARD));
		Ok(())
	}

	/// `on_idle` prunes `n` paid unshield records whose expiry has passed.
	#[benchmark]
	fn prune_expired_unshields(n: Linear<0, 1_000>) {
		let expiry: BlockNumberFor<T> = One::one();
		for i in 0..n {
			let call_hash = numbered(i as u64);
			ExecutedUnshieldCalls::<T>::insert(SHARD, call_hash, expiry);
			UnshieldExpiries::<T>::insert(expiry, (SHARD, call_hash), ());
		}
		NextExpiryToPrune::<T>::put(expiry);
		let now = expiry.saturating_add(One::one());

		#[block]
		{
			Pallet::<T>::prune_expired_unshields(now, Weight::max_value());
		}

		assert_eq!(ExecutedUnshieldCalls::<T>::iter_prefix(SHARD).count(), 0);
	}

	/// An enclave leaves the registry while a member of as many full shards
	/// as it may be.
	#[benchmark]
	fn on_enclave_unregistered() {
		let mut leaving = None;
		for s in 0..T::MaxShardsPerEnclave::get() {
			let shard = numbered(s as u64 + 1);
			let members = full_shard::<T>(shard, s);
			let who = leaving.get_or_insert_with(|| members[0].clone()).clone();
			if s > 0 {
				// The leaving enclave takes the first slot of every shard.
				ShardStatus::<T>::mutate(shard, |signers| signers[0].signer = who.clone());
				EnclaveShards::<T>::remove(&members[0]);
				EnclaveShards::<T>::mutate(&who, |shards| {
					let _ = shards.try_push(shard);
				});
				LastProcessedParentchainBlock::<T>::remove(shard, &members[0]);
				LastProcessedParentchainBlock::<T>::insert(
					shard,
					&who,
					(BlockNumberFor::<T>::zero(), H256::zero()),
				);
			}
		}
		let who = leaving.unwrap_or_else(|| account("nobody", 0, 0));

		#[block]
		{
			<Pallet<T> as OnEnclaveUnregistered<_>>::on_enclave_unregistered(&who);
		}

		assert!(EnclaveShards::<T>::get(&who).is_empty());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}

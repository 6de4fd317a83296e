//! Storage migrations of `pallet-enclave-bridge`, one module per storage
//! version. Each is a [`VersionedMigration`]: it runs only on the version it
//! migrates from, and sets the next.

use crate::{Config, Pallet};
use polkadot_sdk::frame_support::migrations::VersionedMigration;

/// Version 0 to 1: the index of each member's shards ([`crate::EnclaveShards`]).
pub mod v1 {
	use super::*;
	use crate::{EnclaveShards, LastProcessedParentchainBlock, MemberShardsOf, ShardStatus};
	use alloc::{collections::BTreeMap, vec::Vec};
	use integritee_primitives::{EnclaveRegistry, ShardIdentifier};
	use polkadot_sdk::{
		frame_support::{
			traits::{Get, UncheckedOnRuntimeUpgrade},
			weights::Weight,
		},
		frame_system,
	};

	/// Members that left the registry leave their shards; the others are
	/// indexed by the shards they are members of (an enclave in more than
	/// `MaxShardsPerEnclave` shards leaves the ones beyond); confirmations of
	/// enclaves that are no longer members are dropped. Version 0 kept them
	/// until the next membership check of the shard, or for good.
	pub struct IndexMembers<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for IndexMembers<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut reads, mut writes) = (0u64, 0u64);
			let mut index: BTreeMap<T::AccountId, MemberShardsOf<T>> = BTreeMap::new();
			let shards: Vec<(ShardIdentifier, _)> = ShardStatus::<T>::iter().collect();
			for (shard, mut signers) in shards {
				reads += 1;
				let before = signers.len();
				signers.retain(|status| {
					reads += 2;
					T::EnclaveRegistry::is_registered(&status.signer)
						&& index.entry(status.signer.clone()).or_default().try_push(shard).is_ok()
				});
				if signers.len() != before {
					writes += 1;
					if signers.is_empty() {
						ShardStatus::<T>::remove(shard);
					} else {
						ShardStatus::<T>::insert(shard, signers);
					}
				}
			}
			for (who, shards) in &index {
				writes += 1;
				EnclaveShards::<T>::insert(who, shards);
			}
			let orphans: Vec<(ShardIdentifier, T::AccountId)> =
				LastProcessedParentchainBlock::<T>::iter_keys()
					.filter(|(shard, who)| {
						reads += 1;
						!index.get(who).is_some_and(|shards| shards.contains(shard))
					})
					.collect();
			for (shard, who) in orphans {
				writes += 1;
				LastProcessedParentchainBlock::<T>::remove(shard, who);
			}
			<T as frame_system::Config>::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Encode;
			Ok((EnclaveShards::<T>::iter().count() as u32).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Decode;
			let indexed_before = u32::decode(&mut &state[..])
				.map_err(|_| "the pre-upgrade state does not decode")?;
			polkadot_sdk::frame_support::ensure!(
				indexed_before == 0,
				"an index existed before the migration that builds it"
			);
			check::<T>()
		}
	}

	/// What the migrated storage satisfies: the pallet's invariants of
	/// version 1 (every later version adds its own, checked after its
	/// migration).
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn check<T: Config>() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		Pallet::<T>::try_state_members()?;
		Pallet::<T>::try_state_configs()?;
		Pallet::<T>::try_state_unshields()
	}
}

/// [`v1::IndexMembers`] as a versioned migration from storage version 0.
pub type MigrateV0ToV1<T> = VersionedMigration<
	0,
	1,
	v1::IndexMembers<T>,
	Pallet<T>,
	<T as polkadot_sdk::frame_system::Config>::DbWeight,
>;

/// Version 1 to 2: the shards' shielding keys ([`crate::ShardShieldingKeys`]).
pub mod v2 {
	use super::*;
	use crate::{ShardShieldingKeys, ShardStatus};
	use alloc::vec::Vec;
	use integritee_primitives::{EnclaveRegistry, ShardIdentifier};
	use polkadot_sdk::{
		frame_support::{
			traits::{Get, UncheckedOnRuntimeUpgrade},
			weights::Weight,
		},
		frame_system,
	};

	/// A shard in use gets the shielding key its serving member registered
	/// (the first member with a current registration: until version 2 each
	/// enclave had its own keys, and only the serving one's mattered);
	/// members that registered another key, or whose registration expired,
	/// leave the shard with their confirmations, as the next membership
	/// check would have them do. Shards without members get no key: their
	/// first member creates it.
	pub struct RecordShieldingKeys<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for RecordShieldingKeys<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut reads, mut writes) = (0u64, 0u64);
			let shards: Vec<(ShardIdentifier, _)> = ShardStatus::<T>::iter().collect();
			for (shard, signers) in shards {
				reads += 1;
				let registered: Vec<_> = signers
					.iter()
					.map(|status| {
						reads += 1;
						T::EnclaveRegistry::registered_enclave(&status.signer)
					})
					.collect();
				let key = registered.iter().flatten().next().map(|e| e.shielding_key_hash);
				if let Some(key) = key {
					writes += 1;
					ShardShieldingKeys::<T>::insert(shard, key);
				}
				for (status, registered) in signers.iter().zip(&registered) {
					let stays = key.is_some() && registered.map(|e| e.shielding_key_hash) == key;
					if !stays {
						writes += 3;
						Pallet::<T>::remove_member(&status.signer, &shard);
					}
				}
			}
			<T as frame_system::Config>::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Encode;
			Ok((ShardShieldingKeys::<T>::iter().count() as u32).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Decode;
			let keys_before = u32::decode(&mut &state[..])
				.map_err(|_| "the pre-upgrade state does not decode")?;
			polkadot_sdk::frame_support::ensure!(
				keys_before == 0,
				"shielding keys existed before the migration that records them"
			);
			check::<T>()
		}
	}

	/// What the migrated storage satisfies: the pallet's invariants.
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn check<T: Config>() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		Pallet::<T>::do_try_state()
	}
}

/// [`v2::RecordShieldingKeys`] as a versioned migration from storage version 1.
pub type MigrateV1ToV2<T> = VersionedMigration<
	1,
	2,
	v2::RecordShieldingKeys<T>,
	Pallet<T>,
	<T as polkadot_sdk::frame_system::Config>::DbWeight,
>;

/// Version 2 to 3: a shard's configuration holds the grace period of its
/// scheduled upgrade and the code an upgrade replaced
/// ([`integritee_primitives::UpgradableShardConfig`]).
pub mod v3 {
	use super::*;
	use crate::{ShardConfigOf, ShardConfigRegistry};
	#[cfg(feature = "try-runtime")]
	use alloc::vec::Vec;
	use codec::Decode;
	use integritee_primitives::ShardConfig;
	use polkadot_sdk::{
		frame_support::{
			traits::{Get, UncheckedOnRuntimeUpgrade},
			weights::Weight,
		},
		frame_system::{self, pallet_prelude::BlockNumberFor},
		sp_runtime::traits::Zero,
	};

	/// A shard's configuration as version 2 stored it.
	#[derive(Decode)]
	pub struct OldShardConfig<BlockNumber> {
		pub active: ShardConfig,
		pub pending_upgrade: Option<(BlockNumber, ShardConfig)>,
	}

	/// Every stored configuration keeps its active code and its scheduled
	/// upgrade, with no grace period (what version 2 did: the old code
	/// left at the enactment block) and no retiring code.
	pub struct AddGracePeriods<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for AddGracePeriods<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut translated = 0u64;
			ShardConfigRegistry::<T>::translate::<OldShardConfig<BlockNumberFor<T>>, _>(
				|_, old| {
					translated += 1;
					Some(ShardConfigOf::<T> {
						active: old.active,
						pending_upgrade: old.pending_upgrade,
						grace_period: Zero::zero(),
						retiring: None,
					})
				},
			);
			<T as frame_system::Config>::DbWeight::get().reads_writes(translated, translated)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Encode;
			Ok((ShardConfigRegistry::<T>::iter_keys().count() as u32).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			let before = u32::decode(&mut &state[..])
				.map_err(|_| "the pre-upgrade state does not decode")?;
			polkadot_sdk::frame_support::ensure!(
				ShardConfigRegistry::<T>::iter().count() as u32 == before,
				"a shard configuration was lost"
			);
			check::<T>()
		}
	}

	/// What the migrated storage satisfies: the pallet's invariants.
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn check<T: Config>() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		Pallet::<T>::do_try_state()
	}
}

/// [`v3::AddGracePeriods`] as a versioned migration from storage version 2.
pub type MigrateV2ToV3<T> = VersionedMigration<
	2,
	3,
	v3::AddGracePeriods<T>,
	Pallet<T>,
	<T as polkadot_sdk::frame_system::Config>::DbWeight,
>;

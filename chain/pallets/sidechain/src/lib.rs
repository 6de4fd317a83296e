//! # Sidechain: anchoring of committed sidechain blocks on the parent chain
//!
//! Owns, per shard, the latest sidechain block that an enclave of the shard
//! confirmed on the parent chain. A confirmation must extend the stored one:
//! it names the stored confirmation as its ancestor and a higher block number,
//! so the anchored chain of each shard only ever moves forward along one line.
//!
//! Who may confirm is not decided here: [`Config::ShardMembership`] (in the
//! runtime: `pallet-enclave-bridge`) names the member that serves the shard,
//! the first of its active signers. Until several members share a shard's
//! work (and anchors are quorum-signed, so that any member may submit one),
//! a second instance must not anchor beside the serving one; root purges a
//! serving member that stopped, and the next one serves.
//!
//! ## Calls
//! - [`Pallet::confirm_imported_sidechain_block`]: the serving enclave
//!   anchors a sidechain block.
//! - [`Pallet::reset_sidechain_anchor`]: root sets or removes a shard's
//!   anchor (recovery from a bogus one).
//!
//! ## Storage versions
//! [`STORAGE_VERSION`] is 0: the layout is the first one. The first change
//! of it adds a `migrations` module (as `pallet-teerex` and
//! `pallet-enclave-bridge` have) and raises the version.
#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use integritee_primitives::{ShardIdentifier, ShardMembershipError, SidechainBlockConfirmation};

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use integritee_primitives::{ShardMembership, SidechainBlockNumber};
	use polkadot_sdk::{
		frame_support::pallet_prelude::*, frame_system::pallet_prelude::*, sp_core::H256,
	};

	/// The in-code storage version.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Decides whether the signer is an enclave of the shard, and records
		/// its activity. The runtime passes `pallet_enclave_bridge::Pallet`.
		type ShardMembership: ShardMembership<Self::AccountId>;
		type WeightInfo: WeightInfo;
	}

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The latest confirmed sidechain block of each shard.
	#[pallet::storage]
	pub type LatestSidechainBlockConfirmation<T: Config> =
		StorageMap<_, Blake2_128Concat, ShardIdentifier, SidechainBlockConfirmation, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An enclave of the shard anchored a sidechain block.
		FinalizedSidechainBlock {
			shard: ShardIdentifier,
			signer: T::AccountId,
			block_number: SidechainBlockNumber,
			block_header_hash: H256,
		},
		/// Root set the shard's anchor (`None`: removed it).
		SidechainAnchorReset { shard: ShardIdentifier, anchor: Option<SidechainBlockConfirmation> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The signer is not a registered enclave, or its registration expired.
		EnclaveNotRegistered,
		/// The shard has no configuration.
		ShardNotInitialized,
		/// The signer's enclave fingerprint is not the one the shard allows.
		WrongFingerprint,
		/// The shard already has its maximum number of active enclaves.
		TooManyInstances,
		/// Nothing is confirmed for the shard yet, so the first confirmation
		/// must not name an ancestor.
		UnexpectedAncestor,
		/// The shard has a confirmed block, and the candidate does not name it
		/// as its ancestor.
		AncestorMissing,
		/// The named ancestor is not the shard's latest confirmed block.
		AncestorMismatch,
		/// The candidate's block number is not above its ancestor's.
		BlockNumberNotAdvancing,
		/// Another enclave serves the shard (the first of its active
		/// signers); only it anchors.
		NotServingMember,
		/// The signer is already a member of as many shards as an enclave
		/// may be.
		TooManyShards,
		/// The anchor names the sidechain's genesis (block 0, never anchored)
		/// or has no block hash.
		NotACommittedBlock,
		/// Nobody created the shard yet (no shielding key is recorded).
		ShardNotCreated,
		/// The signer registered another shielding key than the shard's.
		WrongShieldingKey,
	}

	impl<T> From<ShardMembershipError> for Error<T> {
		fn from(error: ShardMembershipError) -> Self {
			match error {
				ShardMembershipError::EnclaveNotRegistered => Error::<T>::EnclaveNotRegistered,
				ShardMembershipError::ShardNotInitialized => Error::<T>::ShardNotInitialized,
				ShardMembershipError::WrongFingerprint => Error::<T>::WrongFingerprint,
				ShardMembershipError::TooManyInstances => Error::<T>::TooManyInstances,
				ShardMembershipError::NotServingMember => Error::<T>::NotServingMember,
				ShardMembershipError::TooManyShards => Error::<T>::TooManyShards,
				ShardMembershipError::ShardNotCreated => Error::<T>::ShardNotCreated,
				ShardMembershipError::WrongShieldingKey => Error::<T>::WrongShieldingKey,
			}
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Anchor `candidate` as the shard's latest sidechain block.
		///
		/// The signer must be the enclave that serves `shard` (the first of its
		/// active signers).
		/// `ancestor` is the confirmation the candidate extends: `None` for the
		/// shard's first confirmation, otherwise exactly the stored one. The
		/// candidate's block number must be above the ancestor's. Resending
		/// the stored confirmation itself (whatever the ancestor) is a no-op
		/// success: a worker that retries a confirmation whose first
		/// extrinsic landed must not see an error.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::confirm_imported_sidechain_block())]
		pub fn confirm_imported_sidechain_block(
			origin: OriginFor<T>,
			shard: ShardIdentifier,
			ancestor: Option<SidechainBlockConfirmation>,
			candidate: SidechainBlockConfirmation,
		) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			T::ShardMembership::ensure_serving_member_and_touch(&signer, &shard)
				.map_err(Error::<T>::from)?;
			if LatestSidechainBlockConfirmation::<T>::get(shard) == Some(candidate) {
				return Ok(());
			}
			Self::ensure_extends_latest(&shard, ancestor, &candidate)?;

			LatestSidechainBlockConfirmation::<T>::insert(shard, candidate);
			Self::deposit_event(Event::FinalizedSidechainBlock {
				shard,
				signer,
				block_number: candidate.block_number,
				block_header_hash: candidate.block_header_hash,
			});
			Ok(())
		}

		/// Set (or, with `None`, remove) the shard's anchor. Root only: the
		/// way out when a bogus anchor would otherwise halt the shard for
		/// good (its enclaves refuse to act beside an anchor their chain
		/// does not hold, and every later confirmation must extend it).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::reset_sidechain_anchor())]
		pub fn reset_sidechain_anchor(
			origin: OriginFor<T>,
			shard: ShardIdentifier,
			anchor: Option<SidechainBlockConfirmation>,
		) -> DispatchResult {
			ensure_root(origin)?;
			if let Some(anchor) = &anchor {
				Self::ensure_committed_block(anchor)?;
			}
			match anchor {
				Some(anchor) => LatestSidechainBlockConfirmation::<T>::insert(shard, anchor),
				None => LatestSidechainBlockConfirmation::<T>::remove(shard),
			}
			Self::deposit_event(Event::SidechainAnchorReset { shard, anchor });
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(
			_: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	impl<T: Config> Pallet<T> {
		/// The invariants of this pallet's storage: every anchor names a
		/// committed block past the sidechain's genesis (workers never
		/// anchor block 0) with a hash.
		#[cfg(any(test, feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			for (_, anchor) in LatestSidechainBlockConfirmation::<T>::iter() {
				ensure!(anchor.block_number > 0, "an anchor names the sidechain's genesis");
				ensure!(anchor.block_header_hash != H256::zero(), "an anchor has no block hash");
			}
			Ok(())
		}

		/// The latest confirmed sidechain block of `shard`, if any.
		pub fn latest_confirmation(shard: &ShardIdentifier) -> Option<SidechainBlockConfirmation> {
			LatestSidechainBlockConfirmation::<T>::get(shard)
		}

		/// An anchor names a block past the sidechain's genesis, which is never
		/// anchored, and its hash.
		fn ensure_committed_block(anchor: &SidechainBlockConfirmation) -> Result<(), Error<T>> {
			ensure!(
				anchor.block_number > 0 && anchor.block_header_hash != H256::zero(),
				Error::<T>::NotACommittedBlock
			);
			Ok(())
		}

		/// Checks that `candidate`, with the claimed `ancestor`, extends the
		/// shard's latest confirmation.
		fn ensure_extends_latest(
			shard: &ShardIdentifier,
			ancestor: Option<SidechainBlockConfirmation>,
			candidate: &SidechainBlockConfirmation,
		) -> Result<(), Error<T>> {
			Self::ensure_committed_block(candidate)?;
			let latest = LatestSidechainBlockConfirmation::<T>::get(shard);
			match (latest, ancestor) {
				(None, None) => Ok(()),
				(None, Some(_)) => Err(Error::<T>::UnexpectedAncestor),
				(Some(_), None) => Err(Error::<T>::AncestorMissing),
				(Some(latest), Some(ancestor)) => {
					ensure!(ancestor == latest, Error::<T>::AncestorMismatch);
					ensure!(
						candidate.block_number > latest.block_number,
						Error::<T>::BlockNumberNotAdvancing
					);
					Ok(())
				}
			}
		}
	}
}

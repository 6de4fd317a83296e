//! # Sidechain: anchoring of committed sidechain blocks on the parent chain
//!
//! Owns, per shard, the latest sidechain block that an enclave of the shard
//! confirmed on the parent chain. A confirmation must extend the stored one:
//! it names the stored confirmation as its ancestor and a higher block number,
//! so the anchored chain of each shard only ever moves forward along one line.
//!
//! Who may confirm is not decided here: any enclave that
//! [`Config::ShardMembership`] (in the runtime: `pallet-enclave-bridge`)
//! accepts as a member of the shard may confirm, whichever member it is.
//! Nothing is pinned to the first member of the shard (LESSONS.md, rule 18).
//!
//! ## Calls
//! - [`Pallet::confirm_imported_sidechain_block`]: anchor a sidechain block.
#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;
pub use weights::WeightInfo;

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

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Decides whether the signer is an enclave of the shard, and records
		/// its activity. The runtime passes `pallet_enclave_bridge::Pallet`.
		type ShardMembership: ShardMembership<Self::AccountId>;
		type WeightInfo: WeightInfo;
	}

	#[pallet::pallet]
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
	}

	impl<T> From<ShardMembershipError> for Error<T> {
		fn from(error: ShardMembershipError) -> Self {
			match error {
				ShardMembershipError::EnclaveNotRegistered => Error::<T>::EnclaveNotRegistered,
				ShardMembershipError::ShardNotInitialized => Error::<T>::ShardNotInitialized,
				ShardMembershipError::WrongFingerprint => Error::<T>::WrongFingerprint,
				ShardMembershipError::TooManyInstances => Error::<T>::TooManyInstances,
			}
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Anchor `candidate` as the shard's latest sidechain block.
		///
		/// The signer must be an enclave of `shard` (any member will do).
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
			T::ShardMembership::ensure_member_and_touch(&signer, &shard)
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
	}

	impl<T: Config> Pallet<T> {
		/// The latest confirmed sidechain block of `shard`, if any.
		pub fn latest_confirmation(shard: &ShardIdentifier) -> Option<SidechainBlockConfirmation> {
			LatestSidechainBlockConfirmation::<T>::get(shard)
		}

		/// Checks that `candidate`, with the claimed `ancestor`, extends the
		/// shard's latest confirmation.
		fn ensure_extends_latest(
			shard: &ShardIdentifier,
			ancestor: Option<SidechainBlockConfirmation>,
			candidate: &SidechainBlockConfirmation,
		) -> Result<(), Error<T>> {
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

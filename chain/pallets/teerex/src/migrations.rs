//! Storage migrations of `pallet-teerex`.
//!
//! Runtimes run [`MigrateV0ToV1`] once, on the upgrade that brings storage
//! version 1; it does nothing on a chain already at version 1 (a chain whose
//! genesis had version 1 from the start).

use crate::{Config, Pallet};
use polkadot_sdk::frame_support::migrations::VersionedMigration;

/// Version 0 to 1: counts the TCB info entries. Runs only at on-chain
/// version 0, then sets version 1.
pub type MigrateV0ToV1<T> = VersionedMigration<
	0,
	1,
	v1::InitTcbInfoCount<T>,
	Pallet<T>,
	<T as polkadot_sdk::frame_system::Config>::DbWeight,
>;

/// Storage version 1: [`TcbInfo`](crate::TcbInfo) is a counted map, bounded
/// by [`Config::MaxTcbInfos`].
pub mod v1 {
	use super::*;
	use crate::TcbInfo;
	use polkadot_sdk::{
		frame_support::{
			ensure,
			traits::{Get, UncheckedOnRuntimeUpgrade},
			weights::Weight,
		},
		sp_runtime::TryRuntimeError,
	};

	/// Sets the counter of [`TcbInfo`] from the entries stored under
	/// version 0 (a plain map of the same keys and values, so the entries
	/// stay as they are). Reads every entry once: a chain holds a few dozen,
	/// one per platform family. Not version-checked itself: use
	/// [`MigrateV0ToV1`].
	pub struct InitTcbInfoCount<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InitTcbInfoCount<T> {
		fn on_runtime_upgrade() -> Weight {
			let count = TcbInfo::<T>::initialize_counter();
			if count > T::MaxTcbInfos::get() {
				// Nothing is removed: root decides which collateral goes.
				// Until then no TCB info of a new FMSPC registers, and
				// `try_state` reports the excess.
				log::warn!(
					target: "runtime::teerex",
					"{count} TCB info entries, more than MaxTcbInfos ({})",
					T::MaxTcbInfos::get()
				);
			}
			T::DbWeight::get().reads_writes(u64::from(count).saturating_add(1), 1)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, TryRuntimeError> {
			use codec::Encode;
			Ok(tcb_info_entries::<T>().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), TryRuntimeError> {
			use codec::DecodeAll;
			let entries_before = u32::decode_all(&mut &state[..])
				.map_err(|_| "pre_upgrade's state is not an entry count")?;
			check_counted::<T>(entries_before)
		}
	}

	/// The number of stored TCB info entries, counted key by key (what
	/// `pre_upgrade` records).
	pub fn tcb_info_entries<T: Config>() -> u32 {
		u32::try_from(TcbInfo::<T>::iter_keys().count()).unwrap_or(u32::MAX)
	}

	/// What holds after the migration: the entries are the ones there were
	/// before, and the counter counts them all (also the entries whose value
	/// would not decode: then the counter falls short and this fails).
	pub fn check_counted<T: Config>(entries_before: u32) -> Result<(), TryRuntimeError> {
		let entries = tcb_info_entries::<T>();
		ensure!(entries == entries_before, "the migration changed the number of TCB info entries");
		ensure!(TcbInfo::<T>::count() == entries, "the TCB info counter differs from the entries");
		Ok(())
	}
}

//! [`FlatExt`]: the externalities the runtime executes in — the shard's
//! committed key-value map (read only) plus an overlay of this block's
//! changes with FRAME's storage transactions.
//!
//! The state has no child tries; the runtime never uses them, and any child
//! storage access fails the block (a panic the caller turns into an error)
//! rather than being silently dropped.

use std::any::{Any, TypeId};

use codec::Encode;
use polkadot_sdk::{
	sp_core::{
		storage::{ChildInfo, StateVersion, TrackedStorageKey},
		Hasher,
	},
	sp_externalities::{Extension, ExtensionStore, Externalities, MultiRemovalResults},
	sp_runtime::traits::BlakeTwo256,
	sp_state_machine::OverlayedChanges,
};

use crate::map::StateMap;

pub(crate) struct FlatExt<'a> {
	pub base: &'a StateMap,
	pub overlay: &'a mut OverlayedChanges<BlakeTwo256>,
}

const NO_CHILD_TRIES: &str = "the confidential state has no child tries";

impl Externalities for FlatExt<'_> {
	fn set_offchain_storage(&mut self, _key: &[u8], _value: Option<&[u8]>) {}

	fn storage(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		match self.overlay.storage(key) {
			Some(changed) => changed.map(<[u8]>::to_vec),
			None => self.base.get(key).cloned(),
		}
	}

	fn storage_hash(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.storage(key).map(|v| BlakeTwo256::hash(&v).encode())
	}

	fn child_storage_hash(&mut self, _: &ChildInfo, _: &[u8]) -> Option<Vec<u8>> {
		panic!("{NO_CHILD_TRIES}")
	}

	fn child_storage(&mut self, _: &ChildInfo, _: &[u8]) -> Option<Vec<u8>> {
		panic!("{NO_CHILD_TRIES}")
	}

	fn next_storage_key(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		// The smallest key after `key` that has a value: the next committed
		// key not deleted by the overlay, or the next overlay key with a value.
		let mut after = key.to_vec();
		loop {
			let base_next = self.base.next_key(&after).map(<[u8]>::to_vec);
			let overlay_next =
				self.overlay.iter_after(&after).find_map(|(k, v)| v.value().map(|_| k.to_vec()));
			let candidate = match (base_next, overlay_next) {
				(None, o) => return o,
				(Some(b), Some(o)) if o <= b => return Some(o),
				(Some(b), _) => b,
			};
			// A committed key counts unless the overlay deleted it.
			match self.overlay.storage(&candidate) {
				Some(None) => after = candidate,
				_ => return Some(candidate),
			}
		}
	}

	fn next_child_storage_key(&mut self, _: &ChildInfo, _: &[u8]) -> Option<Vec<u8>> {
		panic!("{NO_CHILD_TRIES}")
	}

	fn kill_child_storage(
		&mut self,
		_: &ChildInfo,
		_: Option<u32>,
		_: Option<&[u8]>,
	) -> MultiRemovalResults {
		panic!("{NO_CHILD_TRIES}")
	}

	fn clear_prefix(
		&mut self,
		prefix: &[u8],
		maybe_limit: Option<u32>,
		maybe_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		let in_overlay = self.overlay.clear_prefix(prefix);
		let limit = maybe_limit.map_or(usize::MAX, |l| l as usize);
		let base = self.base;
		let mut keys = base.keys_with_prefix(prefix, maybe_cursor).take(limit.saturating_add(1));
		let mut removed = 0u32;
		let mut cursor = None;
		for (i, key) in keys.by_ref().enumerate() {
			if i == limit {
				cursor = Some(key.to_vec());
				break;
			}
			if self.overlay.storage(key) != Some(None) {
				self.overlay.set_storage(key.to_vec(), None);
			}
			removed = removed.saturating_add(1);
		}
		MultiRemovalResults {
			maybe_cursor: cursor,
			backend: removed,
			unique: in_overlay.saturating_add(removed),
			loops: removed,
		}
	}

	fn clear_child_prefix(
		&mut self,
		_: &ChildInfo,
		_: &[u8],
		_: Option<u32>,
		_: Option<&[u8]>,
	) -> MultiRemovalResults {
		panic!("{NO_CHILD_TRIES}")
	}

	fn place_storage(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
		self.overlay.set_storage(key, value);
	}

	fn place_child_storage(&mut self, _: &ChildInfo, _: Vec<u8>, _: Option<Vec<u8>>) {
		panic!("{NO_CHILD_TRIES}")
	}

	fn storage_root(&mut self, _: StateVersion) -> Vec<u8> {
		// Only `frame_system::finalize` asks, and the runtime never finalizes
		// blocks; the state root is computed by the store after execution.
		panic!("the state root is not available during execution")
	}

	fn child_storage_root(&mut self, _: &ChildInfo, _: StateVersion) -> Vec<u8> {
		panic!("{NO_CHILD_TRIES}")
	}

	fn storage_append(&mut self, key: Vec<u8>, value: Vec<u8>) {
		// The committed value is only read if the overlay has none.
		let (base, committed_key) = (self.base, key.clone());
		self.overlay.append_storage(key, value, move || {
			base.get(&committed_key).cloned().unwrap_or_default()
		});
	}

	fn storage_start_transaction(&mut self) {
		self.overlay.start_transaction()
	}

	fn storage_rollback_transaction(&mut self) -> Result<(), ()> {
		self.overlay.rollback_transaction().map_err(drop)
	}

	fn storage_commit_transaction(&mut self) -> Result<(), ()> {
		self.overlay.commit_transaction().map_err(drop)
	}

	fn wipe(&mut self) {}

	fn commit(&mut self) {}

	fn read_write_count(&self) -> (u32, u32, u32, u32) {
		(0, 0, 0, 0)
	}

	fn reset_read_write_count(&mut self) {}

	fn get_whitelist(&self) -> Vec<TrackedStorageKey> {
		Vec::new()
	}

	fn set_whitelist(&mut self, _: Vec<TrackedStorageKey>) {}

	fn get_read_and_written_keys(&self) -> Vec<(Vec<u8>, u32, u32, bool)> {
		Vec::new()
	}
}

impl ExtensionStore for FlatExt<'_> {
	fn extension_by_type_id(&mut self, _: TypeId) -> Option<&mut dyn Any> {
		None
	}

	fn register_extension_with_type_id(
		&mut self,
		_: TypeId,
		_: Box<dyn Extension>,
	) -> Result<(), polkadot_sdk::sp_externalities::Error> {
		Err(polkadot_sdk::sp_externalities::Error::ExtensionsAreNotSupported)
	}

	fn deregister_extension_by_type_id(
		&mut self,
		type_id: TypeId,
	) -> Result<(), polkadot_sdk::sp_externalities::Error> {
		Err(polkadot_sdk::sp_externalities::Error::ExtensionIsNotRegistered(type_id))
	}
}

/// The final changes of an overlay (all transactions closed): key -> new
/// value (`None`: deleted), in key order.
pub(crate) fn drain_changes(
	overlay: &mut OverlayedChanges<BlakeTwo256>,
) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
	overlay.changes_mut().map(|(k, v)| (k.clone(), v.value().cloned())).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	fn base() -> StateMap {
		[(b"a1".to_vec(), vec![1]), (b"a2".to_vec(), vec![2]), (b"b1".to_vec(), vec![3])]
			.into_iter()
			.collect()
	}

	#[test]
	fn reads_see_overlay_over_base_and_next_key_merges_both() {
		let base = base();
		let mut overlay = OverlayedChanges::default();
		let mut ext = FlatExt { base: &base, overlay: &mut overlay };
		ext.place_storage(b"a2".to_vec(), None);
		ext.place_storage(b"a3".to_vec(), Some(vec![9]));
		assert_eq!(ext.storage(b"a1"), Some(vec![1]));
		assert_eq!(ext.storage(b"a2"), None);
		assert_eq!(ext.storage(b"a3"), Some(vec![9]));
		assert_eq!(ext.next_storage_key(b""), Some(b"a1".to_vec()));
		assert_eq!(ext.next_storage_key(b"a1"), Some(b"a3".to_vec()), "deleted a2 skipped");
		assert_eq!(ext.next_storage_key(b"a3"), Some(b"b1".to_vec()));
		assert_eq!(ext.next_storage_key(b"b1"), None);
	}

	#[test]
	fn transactions_roll_back_and_clear_prefix_respects_limit_and_cursor() {
		let base = base();
		let mut overlay = OverlayedChanges::default();
		let mut ext = FlatExt { base: &base, overlay: &mut overlay };
		ext.storage_start_transaction();
		ext.place_storage(b"b1".to_vec(), Some(vec![7]));
		ext.storage_rollback_transaction().unwrap();
		assert_eq!(ext.storage(b"b1"), Some(vec![3]));

		let r = ext.clear_prefix(b"a", Some(1), None);
		assert_eq!(r.maybe_cursor, Some(b"a2".to_vec()));
		assert_eq!(ext.storage(b"a1"), None);
		assert_eq!(ext.storage(b"a2"), Some(vec![2]));
		let r = ext.clear_prefix(b"a", Some(5), r.maybe_cursor.as_deref());
		assert_eq!(r.maybe_cursor, None);
		assert_eq!(ext.storage(b"a2"), None);
		assert_eq!(ext.storage(b"b1"), Some(vec![3]));

		// Appending to an absent key starts a one-element SCALE vector.
		ext.storage_append(b"c".to_vec(), 7u8.encode());
		let changes = drain_changes(&mut overlay);
		assert_eq!(
			changes,
			vec![(b"a1".to_vec(), None), (b"a2".to_vec(), None), (b"c".to_vec(), Some(vec![4, 7]))]
		);
	}
}

//! [`StateMap`]: the decrypted committed state in memory.
//!
//! Point reads (almost all of the runtime's accesses) go to a hash map: a
//! B-tree of a million heap-allocated keys costs dozens of cache misses per
//! lookup, which made execution ~3x slower at 1M entries than at 1k. The
//! ordered key set serves only iteration (`next_key`, `clear_prefix`) and is
//! touched on writes only when a key appears or disappears.

use std::{
	collections::{BTreeSet, HashMap},
	ops::Bound,
	sync::Arc,
};

/// Storage key -> value of a shard's committed state.
#[derive(Default, Debug)]
pub(crate) struct StateMap {
	values: HashMap<Arc<[u8]>, Vec<u8>>,
	keys: BTreeSet<Arc<[u8]>>,
	/// Sum of key and value lengths (the size of a full checkpoint).
	bytes: usize,
}

impl StateMap {
	pub(crate) fn get(&self, key: &[u8]) -> Option<&Vec<u8>> {
		self.values.get(key)
	}

	pub(crate) fn len(&self) -> usize {
		self.values.len()
	}

	pub(crate) fn bytes(&self) -> usize {
		self.bytes
	}

	/// Sets (`Some`) or removes (`None`) the value of `key`.
	pub(crate) fn set(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
		match value {
			Some(value) => {
				self.bytes += value.len();
				if let Some(old) = self.values.get_mut(&key[..]) {
					self.bytes -= old.len();
					*old = value;
				} else {
					self.bytes += key.len();
					let key: Arc<[u8]> = key.into();
					self.keys.insert(key.clone());
					self.values.insert(key, value);
				}
			}
			None => {
				if let Some((key, old)) = self.values.remove_entry(&key[..]) {
					self.bytes -= key.len() + old.len();
					self.keys.remove(&key);
				}
			}
		}
	}

	/// The first key after `key`.
	pub(crate) fn next_key(&self, key: &[u8]) -> Option<&[u8]> {
		self.keys.range::<[u8], _>((Bound::Excluded(key), Bound::Unbounded)).next().map(|k| &k[..])
	}

	/// Keys with `prefix`, from `from` (inclusive) if it is past the prefix.
	pub(crate) fn keys_with_prefix<'a>(
		&'a self,
		prefix: &'a [u8],
		from: Option<&'a [u8]>,
	) -> impl Iterator<Item = &'a [u8]> + 'a {
		let start = match from {
			Some(cursor) if cursor > prefix => cursor,
			_ => prefix,
		};
		self.keys
			.range::<[u8], _>((Bound::Included(start), Bound::Unbounded))
			.map(|k| &k[..])
			.take_while(move |k| k.starts_with(prefix))
	}

	/// Every entry, in no particular order.
	pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], &Vec<u8>)> {
		self.values.iter().map(|(k, v)| (&k[..], v))
	}
}

impl FromIterator<(Vec<u8>, Vec<u8>)> for StateMap {
	fn from_iter<I: IntoIterator<Item = (Vec<u8>, Vec<u8>)>>(iter: I) -> Self {
		let mut map = Self::default();
		for (k, v) in iter {
			map.set(k, Some(v));
		}
		map
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn set_get_remove_order_and_size() {
		let mut m = StateMap::default();
		m.set(b"b".to_vec(), Some(vec![1, 2]));
		m.set(b"a".to_vec(), Some(vec![3]));
		m.set(b"ab".to_vec(), Some(vec![]));
		assert_eq!(m.bytes(), 3 + 2 + 2);
		m.set(b"b".to_vec(), Some(vec![9]));
		assert_eq!(m.bytes(), 3 + 2 + 1);
		assert_eq!(m.get(b"b"), Some(&vec![9]));
		assert_eq!(m.next_key(b""), Some(&b"a"[..]));
		assert_eq!(m.next_key(b"a"), Some(&b"ab"[..]));
		assert_eq!(m.keys_with_prefix(b"a", None).collect::<Vec<_>>(), vec![&b"a"[..], b"ab"]);
		assert_eq!(m.keys_with_prefix(b"a", Some(b"ab")).collect::<Vec<_>>(), vec![&b"ab"[..]]);
		m.set(b"a".to_vec(), None);
		m.set(b"zz".to_vec(), None);
		assert_eq!(m.get(b"a"), None);
		assert_eq!(m.next_key(b""), Some(&b"ab"[..]));
		assert_eq!((m.len(), m.bytes()), (2, 2 + 2));
	}
}

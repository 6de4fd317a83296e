//! A cache of verified certificate links for the worker (`std` only).
//!
//! A link is "this issuer key signed this exact certificate": its key is
//! SHA-256 over the issuer's DER SubjectPublicKeyInfo and the certificate's
//! DER (which includes the signature). Whether that signature verifies
//! depends on nothing else, in particular not on time, so a successful check
//! can be remembered. Only successful signature checks are stored: validity
//! windows, names, CA and path length constraints and CRLs are checked on
//! every verification, cached or not.
//!
//! A worker that verifies many quotes from the same platforms thereby skips
//! the two PCK chain signatures (PCK CA by root, PCK certificate by PCK CA)
//! after the first quote of a platform. Use it through
//! [`crate::Verifier::with_cache`].

use crate::x509::LinkMemo;
use std::{
	collections::{HashSet, VecDeque},
	sync::{Mutex, MutexGuard},
};

/// A bounded, thread-safe set of verified certificate links. When full, the
/// oldest link is forgotten first.
#[derive(Debug)]
pub struct LinkCache {
	capacity: usize,
	inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
	links: HashSet<[u8; 32]>,
	/// Insertion order, oldest first, for eviction.
	order: VecDeque<[u8; 32]>,
	hits: u64,
	misses: u64,
}

/// Counters of a [`LinkCache`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LinkCacheStats {
	/// Links held now.
	pub len: usize,
	/// Signature checks skipped because the link was held.
	pub hits: u64,
	/// Lookups of links that were not held.
	pub misses: u64,
}

impl LinkCache {
	/// Capacity of [`LinkCache::default`]: two links per platform's PCK chain
	/// (PCK certificate, PCK CA) for a few thousand platforms.
	pub const DEFAULT_CAPACITY: usize = 4096;

	/// A cache holding at most `capacity` links (0 disables it).
	pub fn new(capacity: usize) -> Self {
		Self { capacity, inner: Mutex::new(Inner::default()) }
	}

	pub fn capacity(&self) -> usize {
		self.capacity
	}

	pub fn stats(&self) -> LinkCacheStats {
		let inner = self.lock();
		LinkCacheStats { len: inner.links.len(), hits: inner.hits, misses: inner.misses }
	}

	/// Forgets every link (the counters are kept).
	pub fn clear(&self) {
		let mut inner = self.lock();
		inner.links.clear();
		inner.order.clear();
	}

	/// The set is valid after any panic (each operation leaves it
	/// consistent, at worst missing a link), so a poisoned lock is taken over.
	fn lock(&self) -> MutexGuard<'_, Inner> {
		self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}
}

impl Default for LinkCache {
	fn default() -> Self {
		Self::new(Self::DEFAULT_CAPACITY)
	}
}

impl LinkMemo for LinkCache {
	fn contains(&self, key: &[u8; 32]) -> bool {
		let mut inner = self.lock();
		let found = inner.links.contains(key);
		if found {
			inner.hits = inner.hits.saturating_add(1);
		} else {
			inner.misses = inner.misses.saturating_add(1);
		}
		found
	}

	fn insert(&self, key: [u8; 32]) {
		if self.capacity == 0 {
			return;
		}
		let mut inner = self.lock();
		if inner.links.contains(&key) {
			return;
		}
		while inner.links.len() >= self.capacity {
			let Some(oldest) = inner.order.pop_front() else { break };
			inner.links.remove(&oldest);
		}
		inner.links.insert(key);
		inner.order.push_back(key);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn key(n: u8) -> [u8; 32] {
		[n; 32]
	}

	#[test]
	fn remembers_and_counts() {
		let cache = LinkCache::new(4);
		assert!(!cache.contains(&key(1)));
		cache.insert(key(1));
		cache.insert(key(1));
		assert!(cache.contains(&key(1)));
		assert_eq!(cache.stats(), LinkCacheStats { len: 1, hits: 1, misses: 1 });
		cache.clear();
		assert!(!cache.contains(&key(1)));
		assert_eq!(cache.stats().len, 0);
	}

	#[test]
	fn bound_evicts_the_oldest() {
		let cache = LinkCache::new(2);
		for n in 0..5 {
			cache.insert(key(n));
			assert!(cache.stats().len <= 2);
		}
		assert!(!cache.contains(&key(2)));
		assert!(cache.contains(&key(3)));
		assert!(cache.contains(&key(4)));
	}

	#[test]
	fn zero_capacity_holds_nothing() {
		let cache = LinkCache::new(0);
		cache.insert(key(1));
		assert!(!cache.contains(&key(1)));
		assert_eq!(cache.stats().len, 0);
	}
}

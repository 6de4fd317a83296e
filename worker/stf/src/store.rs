//! The shard's database: one redb file with three tables.
//!
//! - `nodes`: trie nodes, `batch (u64 BE) ++ slot -> seal(node)` where
//!   `slot = HMAC(index key, node hash)` and `batch` grows with every block
//!   (the block's first seal count). A block's new nodes are thus appended
//!   at the end of the B-tree as one contiguous run of keys: a commit
//!   dirties about `bytes written / page size` pages instead of one random
//!   page per node.
//! - `node_index`: `batch -> slots of the nodes written in that batch`
//!   (concatenated 32-byte slots; HMACs, so they reveal no node hash). It is
//!   read once at open into the in-memory [`NodeIndex`] (slot -> batch).
//! - `meta`: `format` and `shard` (plaintext, not secret), `keycheck` (a
//!   sealed constant: opening with another key fails clearly) and `head`
//!   (sealed [`Head`]: root, last block, snapshots, seal counter).
//!
//! Everything one block changes is written in one write transaction.

use std::{
	collections::HashMap,
	hash::{BuildHasherDefault, Hasher as StdHasher},
	sync::{Arc, Mutex},
};

use codec::{Decode, Encode};
use polkadot_sdk::{
	sp_core::{Hasher, H256},
	sp_runtime::traits::BlakeTwo256,
	sp_state_machine::{DBValue, TrieBackendStorage},
	sp_trie::{empty_trie_root, LayoutV1},
};
use redb::{ReadOnlyTable, ReadableDatabase, ReadableTable, TableDefinition};
use schnellru::{LruMap, Unlimited};

use crate::{crypto::StateCrypto, Error};

pub(crate) const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("nodes");
pub(crate) const NODE_INDEX: TableDefinition<u64, &[u8]> = TableDefinition::new("node_index");
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Version 2: nodes keyed by batch and slot, plus the `node_index` table.
pub(crate) const FORMAT: &[u8] = b"integritee-stf/2";

/// Length of a node slot (HMAC-SHA256).
pub(crate) const SLOT_LEN: usize = 32;

/// The `nodes` key of the node in `slot` written in batch `batch`.
pub(crate) fn node_key(batch: u64, slot: &[u8; SLOT_LEN]) -> [u8; 8 + SLOT_LEN] {
	let mut k = [0u8; 8 + SLOT_LEN];
	k[..8].copy_from_slice(&batch.to_be_bytes());
	k[8..].copy_from_slice(slot);
	k
}

/// The in-memory index key of a slot: its first 128 bits (slots are
/// uniformly random HMAC outputs; the full slot is part of the database key,
/// so a collision could only make a node unreadable, never return another).
pub(crate) fn index_key(slot: &[u8; SLOT_LEN]) -> u128 {
	let mut b = [0u8; 16];
	b.copy_from_slice(&slot[..16]);
	u128::from_le_bytes(b)
}

/// Hasher for keys that are already uniformly random (`u128` slot prefixes).
#[derive(Default)]
pub(crate) struct SlotHasher(u64);
impl StdHasher for SlotHasher {
	fn finish(&self) -> u64 {
		self.0
	}
	fn write(&mut self, bytes: &[u8]) {
		for chunk in bytes.chunks(8) {
			let mut b = [0u8; 8];
			b[..chunk.len()].copy_from_slice(chunk);
			self.0 ^= u64::from_le_bytes(b);
		}
	}
	fn write_u128(&mut self, v: u128) {
		self.0 = v as u64;
	}
}

/// Slot (prefix) -> batch of every stored node.
pub(crate) type NodeIndex = HashMap<u128, u64, BuildHasherDefault<SlotHasher>>;

/// Reads the node index of `db` (empty before the first block).
pub(crate) fn load_index(db: &redb::Database) -> Result<NodeIndex, Error> {
	let mut index = NodeIndex::default();
	let txn = db.begin_read().map_err(db_err)?;
	let table = match txn.open_table(NODE_INDEX) {
		Ok(t) => t,
		Err(redb::TableError::TableDoesNotExist(_)) => return Ok(index),
		Err(e) => return Err(db_err(e)),
	};
	// One pass for the size (one entry per block), so the map is allocated
	// once instead of rehashed as it grows.
	let mut nodes = 0usize;
	for entry in table.iter().map_err(db_err)? {
		nodes = nodes.saturating_add(entry.map_err(db_err)?.1.value().len() / SLOT_LEN);
	}
	index.reserve(nodes);
	for entry in table.iter().map_err(db_err)? {
		let (batch, slots) = entry.map_err(db_err)?;
		let (batch, slots) = (batch.value(), slots.value());
		if slots.len() % SLOT_LEN != 0 {
			return Err(Error::CorruptRecord("node_index"));
		}
		for slot in slots.chunks_exact(SLOT_LEN) {
			let mut s = [0u8; SLOT_LEN];
			s.copy_from_slice(slot);
			index.insert(index_key(&s), batch);
		}
	}
	Ok(index)
}
pub(crate) const KEYCHECK_PLAIN: &[u8] = b"integritee-stf key check v1";

/// The node table of one read transaction.
pub(crate) type NodeTable = ReadOnlyTable<&'static [u8], &'static [u8]>;

/// Decrypted trie nodes by hash, least recently used evicted first, bounded
/// by node count and by (approximate) bytes. Nodes are immutable
/// (content-addressed), so the cache never needs invalidation.
pub(crate) struct NodeCache {
	map: LruMap<H256, Arc<[u8]>, Unlimited>,
	bytes: usize,
	max_bytes: usize,
	max_nodes: usize,
}

/// Approximate memory of one cached node besides its bytes (key, `Arc`
/// header and pointer, map slot and links).
const NODE_OVERHEAD: usize = 96;

impl NodeCache {
	pub(crate) fn new(max_nodes: usize, max_bytes: usize) -> Self {
		Self { map: LruMap::new(Unlimited), bytes: 0, max_bytes, max_nodes: max_nodes.max(1) }
	}

	pub(crate) fn get(&mut self, hash: &H256) -> Option<Arc<[u8]>> {
		self.map.get(hash).cloned()
	}

	pub(crate) fn insert(&mut self, hash: H256, node: Arc<[u8]>) {
		if self.map.get(&hash).is_some() {
			return;
		}
		let cost = node.len() + NODE_OVERHEAD;
		if cost > self.max_bytes {
			return;
		}
		while !self.map.is_empty()
			&& (self.map.len() >= self.max_nodes || self.bytes + cost > self.max_bytes)
		{
			match self.map.pop_oldest() {
				Some((_, old)) => self.bytes -= old.len() + NODE_OVERHEAD,
				None => break,
			}
		}
		self.bytes += cost;
		self.map.insert(hash, node);
	}
}

/// The sealed head record.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Head {
	pub root: H256,
	pub last_block: Option<(u32, H256)>,
	/// (block number, block hash, state root) of the last committed blocks,
	/// oldest first.
	pub snapshots: Vec<(u32, H256, H256)>,
	/// Records sealed under this key so far (nonce-reuse bound).
	pub seals: u64,
}

impl Head {
	pub(crate) fn empty() -> Self {
		Self { root: empty_root(), last_block: None, snapshots: Vec::new(), seals: 0 }
	}
}

pub(crate) fn empty_root() -> H256 {
	empty_trie_root::<LayoutV1<BlakeTwo256>>()
}

/// Encoding of the empty trie node (the node the empty root hashes).
const EMPTY_NODE: [u8; 1] = [0];

pub(crate) fn db_err(e: impl Into<redb::Error>) -> Error {
	Error::Db(e.into().to_string())
}

/// Reads trie nodes of one consistent database snapshot (a read
/// transaction), decrypting and verifying them. Errors are kept in
/// `failure` because the state machine turns them into panics.
pub(crate) struct NodeReader<'a> {
	pub table: Option<NodeTable>,
	pub index: &'a NodeIndex,
	pub crypto: &'a StateCrypto,
	pub cache: &'a Mutex<NodeCache>,
	pub failure: Mutex<Option<Error>>,
}

impl NodeReader<'_> {
	fn fail(&self, e: Error) -> String {
		let msg = e.to_string();
		if let Ok(mut slot) = self.failure.lock() {
			slot.get_or_insert(e);
		}
		msg
	}

	pub(crate) fn take_failure(&self) -> Option<Error> {
		self.failure.lock().ok().and_then(|mut f| f.take())
	}

	fn load(&self, hash: &H256) -> Result<Option<Vec<u8>>, Error> {
		if let Some(node) = self.cache.lock().map_err(|_| Error::Poisoned)?.get(hash) {
			return Ok(Some(node.to_vec()));
		}
		if *hash == empty_root() {
			return Ok(Some(EMPTY_NODE.to_vec()));
		}
		let Some(table) = &self.table else { return Ok(None) };
		let slot = self.crypto.node_slot(hash.as_fixed_bytes());
		let Some(&batch) = self.index.get(&index_key(&slot)) else { return Ok(None) };
		let key = node_key(batch, &slot);
		let Some(sealed) = table.get(&key[..]).map_err(db_err)? else { return Ok(None) };
		let node = self.crypto.open(&key, sealed.value()).ok_or(Error::CorruptNode)?;
		if BlakeTwo256::hash(&node) != *hash {
			return Err(Error::CorruptNode);
		}
		let shared: Arc<[u8]> = node.as_slice().into();
		self.cache.lock().map_err(|_| Error::Poisoned)?.insert(*hash, shared);
		Ok(Some(node))
	}
}

impl TrieBackendStorage<BlakeTwo256> for NodeReader<'_> {
	fn get(&self, key: &H256, _prefix: (&[u8], Option<u8>)) -> Result<Option<DBValue>, String> {
		match self.load(key) {
			// A node the trie refers to but the store lacks is corruption
			// too: "could not read" is never "absent".
			Ok(None) => Err(self.fail(Error::MissingNode)),
			Ok(Some(v)) => Ok(v),
			Err(e) => Err(self.fail(e)),
		}
		.map(Some)
	}
}

/// Opens the read-only node table of `db` (absent before the first block).
pub(crate) fn node_table(db: &redb::Database) -> Result<Option<NodeTable>, Error> {
	let txn = db.begin_read().map_err(db_err)?;
	match txn.open_table(NODES) {
		Ok(t) => Ok(Some(t)),
		Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
		Err(e) => Err(db_err(e)),
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	fn node(n: u8, len: usize) -> (H256, Arc<[u8]>) {
		(H256::repeat_byte(n), vec![n; len].into())
	}

	#[test]
	fn node_cache_is_bounded_by_bytes_and_count_lru_first() {
		// Room for two nodes of 100 bytes (+ overhead), not three.
		let mut c = NodeCache::new(10, 2 * (100 + NODE_OVERHEAD) + 50);
		let (a, b, d) = (node(1, 100), node(2, 100), node(3, 100));
		c.insert(a.0, a.1.clone());
		c.insert(b.0, b.1.clone());
		assert!(c.get(&a.0).is_some()); // a is now the most recent
		c.insert(d.0, d.1.clone());
		assert!(c.get(&b.0).is_none(), "least recently used evicted");
		assert_eq!(c.get(&a.0).unwrap(), a.1);
		assert_eq!(c.get(&d.0).unwrap(), d.1);
		assert!(c.bytes <= c.max_bytes);
		// A node larger than the whole cache is not kept (and evicts nothing).
		c.insert(H256::repeat_byte(9), vec![0u8; 10_000].into());
		assert!(c.get(&H256::repeat_byte(9)).is_none());
		// The count bound.
		let mut c = NodeCache::new(2, usize::MAX);
		for n in 1..=3 {
			let (h, v) = node(n, 10);
			c.insert(h, v);
		}
		assert!(c.get(&H256::repeat_byte(1)).is_none());
		assert!(c.get(&H256::repeat_byte(3)).is_some());
	}

	#[test]
	fn node_keys_sort_by_batch_then_slot() {
		let (s1, s2) = ([0xff; SLOT_LEN], [0x00; SLOT_LEN]);
		assert!(node_key(1, &s1) < node_key(2, &s2));
		assert!(node_key(2, &s2) < node_key(2, &s1));
		assert_eq!(index_key(&s1), u128::MAX);
	}
}

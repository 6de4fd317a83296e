//! The shard's database: one redb file with two tables.
//!
//! - `nodes`: trie nodes, `HMAC(index key, node hash) -> seal(node)`.
//! - `meta`: `format` and `shard` (plaintext, not secret), `keycheck` (a
//!   sealed constant: opening with another key fails clearly) and `head`
//!   (sealed [`Head`]: root, last block, snapshots, seal counter).
//!
//! Everything one block changes is written in one write transaction.

use std::sync::{Arc, Mutex};

use codec::{Decode, Encode};
use polkadot_sdk::{
	sp_core::{Hasher, H256},
	sp_runtime::traits::BlakeTwo256,
	sp_state_machine::{DBValue, TrieBackendStorage},
	sp_trie::{empty_trie_root, LayoutV1},
};
use redb::{ReadOnlyTable, ReadableDatabase, TableDefinition};
use schnellru::{ByLength, LruMap};

use crate::{crypto::StateCrypto, Error};

pub(crate) const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("nodes");
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

pub(crate) const FORMAT: &[u8] = b"integritee-stf/1";
pub(crate) const KEYCHECK_PLAIN: &[u8] = b"integritee-stf key check v1";

/// The node table of one read transaction.
pub(crate) type NodeTable = ReadOnlyTable<&'static [u8], &'static [u8]>;

/// Decrypted trie nodes by hash. Nodes are immutable (content-addressed), so
/// the cache never needs invalidation.
pub(crate) type NodeCache = LruMap<H256, Arc<[u8]>, ByLength>;

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
		let Some(sealed) = table.get(&slot[..]).map_err(db_err)? else { return Ok(None) };
		let node = self.crypto.open(&slot, sealed.value()).ok_or(Error::CorruptNode)?;
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

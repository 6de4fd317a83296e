//! The shard's database: one redb file, log-structured.
//!
//! - `checkpoint`: the whole state as of the last compaction, in sealed
//!   chunks of about [`CHUNK_BYTES`] (`chunk number -> seal(entries)`).
//! - `log`: `sequence number -> seal(one commit's changes)`: every block (and
//!   every revert) appends one record with its changed keys and new values.
//!   A block's write is thus one record at the end of a B-tree, whatever the
//!   state's size (random per-key records made the commit grow with it).
//! - `undo`: `sidechain block number -> seal(the block's changed keys with
//!   their values before it)`, for the blocks [`crate::ShardState::revert_to`]
//!   can undo (the last `snapshots - 1`); older ones are deleted.
//! - `meta`: `format` and `shard` (plaintext, not secret), `keycheck` (a
//!   sealed constant: opening with another key fails clearly) and `head`
//!   (sealed [`Head`]).
//!
//! Opening reads the checkpoint, replays the log, recomputes the root and
//! compares it with the sealed head's. When the log has grown past the
//! state's size it is compacted: a new checkpoint replaces the old one and
//! the log, in one write transaction. Each compaction costs about one full
//! write of the state and happens once per state-size of changes, so its
//! amortized cost per change does not grow with the state.
//!
//! Every record is sealed for its table, position and checkpoint generation
//! (associated data): a record moved elsewhere does not open. Records deleted
//! or replaced by older ones change the recomputed root: the file is refused.

use codec::{Decode, Encode};
use polkadot_sdk::sp_core::H256;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use crate::{commitment::Accumulator, crypto::StateCrypto, map::StateMap, Error};

pub(crate) const CHECKPOINT: TableDefinition<u32, &[u8]> = TableDefinition::new("checkpoint");
pub(crate) const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
pub(crate) const UNDO: TableDefinition<u64, &[u8]> = TableDefinition::new("undo");
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Version 5: checkpoint + log of sealed changes, set-hash root; the head
/// names the sidechain block and its parent-chain anchor, undo records and
/// snapshots are keyed by sidechain number (version 4 counted parent blocks).
pub(crate) const FORMAT: &[u8] = b"integritee-stf/5";

/// The table names the store uses; other owners of tables in the same file
/// ([`crate::ShardState::database`]) must pick others.
pub const STF_TABLES: [&str; 4] = ["checkpoint", "log", "undo", "meta"];

pub(crate) const KEYCHECK_PLAIN: &[u8] = b"integritee-stf key check v1";

/// Target plaintext size of one checkpoint chunk.
pub(crate) const CHUNK_BYTES: usize = 256 << 10;

/// The log is compacted once it holds more than the state's size, and never
/// below this (small states would compact every few blocks).
pub(crate) const MIN_COMPACT_LOG_BYTES: u64 = 4 << 20;

/// The associated data of checkpoint chunk `chunk` of generation `generation`.
pub(crate) fn chunk_aad(generation: u64, chunk: u32) -> [u8; 13] {
	let mut a = [b'c'; 13];
	a[1..9].copy_from_slice(&generation.to_be_bytes());
	a[9..].copy_from_slice(&chunk.to_be_bytes());
	a
}

/// The associated data of log record `seq`.
pub(crate) fn log_aad(seq: u64) -> [u8; 9] {
	let mut a = [b'l'; 9];
	a[1..].copy_from_slice(&seq.to_be_bytes());
	a
}

/// The associated data of sidechain block `n`'s undo record.
pub(crate) fn undo_aad(n: u64) -> [u8; 9] {
	let mut a = [b'u'; 9];
	a[1..].copy_from_slice(&n.to_be_bytes());
	a
}

/// The associated data of sidechain block `n`'s encrypted diff.
pub(crate) fn diff_aad(n: u64) -> [u8; 9] {
	let mut a = [b'd'; 9];
	a[1..].copy_from_slice(&n.to_be_bytes());
	a
}

/// A sidechain block: number and header hash (number 0 and a zero hash
/// before the first block).
#[derive(Encode, Decode, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SidechainPosition {
	pub number: u64,
	pub hash: H256,
}

/// A committed sidechain block the state can return to
/// ([`crate::ShardState::revert_to`]).
#[derive(Encode, Decode, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
	pub block: SidechainPosition,
	pub parentchain_anchor: Option<(u32, H256)>,
	pub state_root: H256,
}

/// Changed keys and their values (`None`: absent): a log record, or as an
/// undo record the values before a block.
pub(crate) type Changes = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// The sealed head record.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Head {
	/// Root of the state ([`crate::commitment`]).
	pub root: H256,
	/// The last committed sidechain block.
	pub sidechain: SidechainPosition,
	/// The last parent-chain block whose inputs the state includes.
	pub parentchain_anchor: Option<(u32, H256)>,
	/// The last committed blocks, oldest first.
	pub snapshots: Vec<Snapshot>,
	/// Records sealed under this key so far (nonce-reuse bound).
	pub seals: u64,
	/// Generation of the checkpoint (grows with every compaction).
	pub generation: u64,
	/// Number of checkpoint chunks.
	pub chunks: u32,
	/// Sequence number of the next log record.
	pub next_seq: u64,
	/// Plaintext bytes in the log since the checkpoint.
	pub log_bytes: u64,
}

impl Head {
	pub(crate) fn empty(root: H256) -> Self {
		Self {
			root,
			sidechain: SidechainPosition::default(),
			parentchain_anchor: None,
			snapshots: Vec::new(),
			seals: 0,
			generation: 0,
			chunks: 0,
			next_seq: 0,
			log_bytes: 0,
		}
	}
}

pub(crate) fn db_err(e: impl Into<redb::Error>) -> Error {
	Error::Db(e.into().to_string())
}

/// Reads the checkpoint and replays the log of `head`, and recomputes the
/// accumulator. Fails with [`Error::CorruptValue`] on a record that does not
/// open or a chunk or log record missing or out of place.
pub(crate) fn load_state(
	db: &redb::Database,
	crypto: &StateCrypto,
	head: &Head,
) -> Result<(StateMap, Accumulator), Error> {
	let mut map = StateMap::default();
	let txn = db.begin_read().map_err(db_err)?;
	if let Some(table) = open_optional(&txn, CHECKPOINT)? {
		let mut expected = 0u32;
		for entry in table.iter().map_err(db_err)? {
			let (chunk, sealed) = entry.map_err(db_err)?;
			if chunk.value() != expected {
				return Err(Error::CorruptValue);
			}
			let aad = chunk_aad(head.generation, expected);
			let plain = crypto.open(&aad, sealed.value()).ok_or(Error::CorruptValue)?;
			let entries = <Vec<(Vec<u8>, Vec<u8>)>>::decode(&mut &plain[..])
				.map_err(|_| Error::CorruptValue)?;
			for (k, v) in entries {
				map.set(k, Some(v));
			}
			expected += 1;
		}
		if expected != head.chunks {
			return Err(Error::CorruptValue);
		}
	}
	if let Some(table) = open_optional(&txn, LOG)? {
		for entry in table.iter().map_err(db_err)? {
			let (seq, sealed) = entry.map_err(db_err)?;
			if seq.value() >= head.next_seq {
				return Err(Error::CorruptValue);
			}
			let plain =
				crypto.open(&log_aad(seq.value()), sealed.value()).ok_or(Error::CorruptValue)?;
			for (k, v) in Changes::decode(&mut &plain[..]).map_err(|_| Error::CorruptValue)? {
				map.set(k, v);
			}
		}
	}
	let mut acc = Accumulator::empty();
	for (k, v) in map.iter() {
		acc.insert(&crypto.commitment, k, v);
	}
	Ok((map, acc))
}

/// Opens a table for reading; `None` if it was never created.
fn open_optional<K: redb::Key + 'static, V: redb::Value + 'static>(
	txn: &redb::ReadTransaction,
	def: TableDefinition<K, V>,
) -> Result<Option<redb::ReadOnlyTable<K, V>>, Error> {
	match txn.open_table(def) {
		Ok(t) => Ok(Some(t)),
		Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
		Err(e) => Err(db_err(e)),
	}
}

/// Reads block `n`'s undo record.
pub(crate) fn read_undo(
	txn: &redb::ReadTransaction,
	crypto: &StateCrypto,
	n: u64,
) -> Result<Changes, Error> {
	let table = txn.open_table(UNDO).map_err(db_err)?;
	let sealed = table.get(n).map_err(db_err)?.ok_or(Error::CorruptRecord("undo"))?;
	let plain = crypto.open(&undo_aad(n), sealed.value()).ok_or(Error::CorruptRecord("undo"))?;
	Changes::decode(&mut &plain[..]).map_err(|_| Error::CorruptRecord("undo"))
}

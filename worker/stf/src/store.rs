//! The shard's database: one redb file with three tables.
//!
//! - `values`: `slot -> seal(storage key, value)` for every entry of the
//!   state, where `slot = HMAC(slot key, storage key)`. The whole state is
//!   read (and its root recomputed and checked) when the file is opened.
//! - `undo`: `block number -> seal(the block's changed keys with their
//!   values before the block)`, for the blocks that [`crate::ShardState::revert_to`]
//!   can undo (the last `snapshots - 1`); older records are deleted.
//! - `meta`: `format` and `shard` (plaintext, not secret), `keycheck` (a
//!   sealed constant: opening with another key fails clearly) and `head`
//!   (sealed [`Head`]: root, last block, snapshots, seal counter).
//!
//! Every record is sealed for its table and database key (associated data),
//! so a record moved to another slot, block or shard does not open. Records
//! deleted or replaced by an older version change the recomputed root, which
//! then differs from the sealed head's root: the file is refused.
//!
//! Everything one block changes is written in one write transaction.

use codec::{Decode, Encode};
use polkadot_sdk::sp_core::H256;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use crate::{
	commitment::Accumulator,
	crypto::StateCrypto,
	ext::StateMap,
	Error,
};

pub(crate) const VALUES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("values");
pub(crate) const UNDO: TableDefinition<u32, &[u8]> = TableDefinition::new("undo");
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Version 3: flat sealed values, set-hash root, undo records.
pub(crate) const FORMAT: &[u8] = b"integritee-stf/3";

pub(crate) const KEYCHECK_PLAIN: &[u8] = b"integritee-stf key check v1";

/// The associated data of the value record in `slot`.
pub(crate) fn value_aad(slot: &[u8; 32]) -> [u8; 33] {
	let mut a = [0u8; 33];
	a[0] = b'v';
	a[1..].copy_from_slice(slot);
	a
}

/// The associated data of block `n`'s undo record.
pub(crate) fn undo_aad(n: u32) -> [u8; 5] {
	let mut a = [b'u'; 5];
	a[1..].copy_from_slice(&n.to_be_bytes());
	a
}

/// One block's changes: storage key and value (`None`: absent). As an undo
/// record, the values before the block.
pub(crate) type Changes = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// The sealed head record.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Head {
	/// Root of the state ([`crate::commitment`]).
	pub root: H256,
	pub last_block: Option<(u32, H256)>,
	/// (block number, block hash, state root) of the last committed blocks,
	/// oldest first.
	pub snapshots: Vec<(u32, H256, H256)>,
	/// Records sealed under this key so far (nonce-reuse bound).
	pub seals: u64,
}

impl Head {
	pub(crate) fn empty(root: H256) -> Self {
		Self { root, last_block: None, snapshots: Vec::new(), seals: 0 }
	}
}

pub(crate) fn db_err(e: impl Into<redb::Error>) -> Error {
	Error::Db(e.into().to_string())
}

/// Reads and decrypts every value of `db` and recomputes the accumulator.
/// Fails with [`Error::CorruptValue`] on a record that does not open.
pub(crate) fn load_values(
	db: &redb::Database,
	crypto: &StateCrypto,
) -> Result<(StateMap, Accumulator), Error> {
	let mut map = StateMap::new();
	let mut acc = Accumulator::empty();
	let txn = db.begin_read().map_err(db_err)?;
	let table = match txn.open_table(VALUES) {
		Ok(t) => t,
		Err(redb::TableError::TableDoesNotExist(_)) => return Ok((map, acc)),
		Err(e) => return Err(db_err(e)),
	};
	for entry in table.iter().map_err(db_err)? {
		let (slot, sealed) = entry.map_err(db_err)?;
		let slot: [u8; 32] = slot.value().try_into().map_err(|_| Error::CorruptValue)?;
		let plain = crypto.open(&value_aad(&slot), sealed.value()).ok_or(Error::CorruptValue)?;
		let (key, value) =
			<(Vec<u8>, Vec<u8>)>::decode(&mut &plain[..]).map_err(|_| Error::CorruptValue)?;
		acc.insert(&crypto.commitment, &key, &value);
		map.insert(key, value);
	}
	Ok((map, acc))
}

/// Reads block `n`'s undo record.
pub(crate) fn read_undo(
	txn: &redb::WriteTransaction,
	crypto: &StateCrypto,
	n: u32,
) -> Result<Changes, Error> {
	let table = txn.open_table(UNDO).map_err(db_err)?;
	let sealed = table.get(n).map_err(db_err)?.ok_or(Error::CorruptRecord("undo"))?;
	let plain = crypto.open(&undo_aad(n), sealed.value()).ok_or(Error::CorruptRecord("undo"))?;
	Changes::decode(&mut &plain[..]).map_err(|_| Error::CorruptRecord("undo"))
}

//! How a shard's state is written: one write transaction per commit (the
//! block's sealed log record, its undo record, the sealed head, and the
//! caller's records), compaction of the log into a sealed checkpoint,
//! reverting to a snapshot, and the sealed head read back at open. Every
//! record is sealed with the state key and bound to its place
//! (associated data); the seal count bounds the key's use.

use std::time::Instant;

use codec::{Decode, Encode};
use polkadot_sdk::sp_core::H256;
use redb::ReadableDatabase;

use crate::{
	crypto::{NoncePool, StateCrypto, MAX_SEALS_PER_KEY},
	state::DiffEffects,
	store::{
		self, chunk_aad, db_err, log_aad, undo_aad, Changes, Head, SidechainPosition, Snapshot,
		CHECKPOINT, CHUNK_BYTES, FORMAT, KEYCHECK_PLAIN, LOG, META, UNDO,
	},
	Error, ShardState, StfConfig,
};

const HEAD: &str = "head";
const KEYCHECK: &str = "keycheck";

/// What one commit writes besides its log record.
struct Commit<'a> {
	changes: &'a Changes,
	/// The block's undo record, if it can be reverted.
	undo: Option<(u64, &'a Changes)>,
	/// Undo records no longer needed.
	drop_undo: &'a [u64],
	durable: bool,
}

impl ShardState {
	pub(crate) fn create_meta(&mut self) -> Result<(), Error> {
		let txn = self.db.begin_write().map_err(db_err)?;
		let mut head = self.head.clone();
		head.seals = 2;
		{
			let mut meta = txn.open_table(META).map_err(db_err)?;
			let check = self.crypto.seal(KEYCHECK.as_bytes(), KEYCHECK_PLAIN)?;
			let sealed_head = self.crypto.seal(HEAD.as_bytes(), &head.encode())?;
			meta.insert("format", FORMAT).map_err(db_err)?;
			meta.insert("shard", self.config.shard.as_bytes()).map_err(db_err)?;
			meta.insert(KEYCHECK, check.as_slice()).map_err(db_err)?;
			meta.insert(HEAD, sealed_head.as_slice()).map_err(db_err)?;
			txn.open_table(CHECKPOINT).map_err(db_err)?;
			txn.open_table(LOG).map_err(db_err)?;
			txn.open_table(UNDO).map_err(db_err)?;
		}
		txn.commit().map_err(db_err)?;
		self.head = head;
		Ok(())
	}

	/// Persists `changes` as `block` (one write transaction, with the
	/// caller's records) and makes them the committed state.
	pub(crate) fn commit_changes(
		&mut self,
		block: SidechainPosition,
		parentchain_anchor: Option<(u32, H256)>,
		changes: Changes,
		effects: DiffEffects,
		caller_records: impl FnOnce(&redb::WriteTransaction) -> Result<(), Error>,
	) -> Result<(), Error> {
		let t = Instant::now();
		let DiffEffects { accumulator, undo, root } = effects;
		let mut head = self.head.clone();
		head.root = root;
		head.sidechain = block;
		head.parentchain_anchor = parentchain_anchor;
		// The block's encrypted diff was sealed under this key too.
		head.seals = head.seals.saturating_add(1);
		head.snapshots.push(Snapshot { block, parentchain_anchor, state_root: root });
		let excess = head.snapshots.len().saturating_sub(self.config.snapshots as usize);
		let mut drop_undo: Vec<u64> =
			head.snapshots.drain(..excess).map(|s| s.block.number).collect();
		// Undo records are kept for the blocks after the oldest snapshot.
		drop_undo.extend(head.snapshots.first().map(|s| s.block.number));
		let revertible = head.snapshots.len() > 1;
		let durable = self.unsynced.saturating_add(1) >= self.sync_every;
		let commit = Commit {
			changes: &changes,
			undo: revertible.then_some((block.number, &undo)),
			drop_undo: &drop_undo,
			durable,
		};
		self.write_commit(head, commit, caller_records)?;
		log::debug!(target: "integritee-stf", "sidechain block {}: commit {:?}", block.number, t.elapsed());
		self.unsynced = if durable { 0 } else { self.unsynced.saturating_add(1) };
		self.accumulator = accumulator;
		for (key, value) in changes {
			self.values.set(key, value);
		}
		self.compact_if_due_or_log();
		Ok(())
	}

	/// Writes one commit (log record, undo records, `head`) in one write
	/// transaction; on success `head` (with its log position and seal count
	/// advanced) becomes the current head.
	fn write_commit(
		&mut self,
		mut head: Head,
		c: Commit<'_>,
		caller_records: impl FnOnce(&redb::WriteTransaction) -> Result<(), Error>,
	) -> Result<(), Error> {
		let outside = self.crypto.outside_seals();
		let mut txn = self.db.begin_write().map_err(db_err)?;
		if !c.durable {
			txn.set_durability(redb::Durability::None).map_err(|e| Error::Db(e.to_string()))?;
		}
		{
			let mut nonces = NoncePool::new(3)?;
			let record = c.changes.encode();
			let seq = head.next_seq;
			let sealed = self.crypto.seal_with(&mut nonces, &log_aad(seq), &record)?;
			txn.open_table(LOG).map_err(db_err)?.insert(seq, sealed.as_slice()).map_err(db_err)?;
			head.next_seq = seq.saturating_add(1);
			head.log_bytes = head.log_bytes.saturating_add(record.len() as u64);
			let mut undo_table = txn.open_table(UNDO).map_err(db_err)?;
			for n in c.drop_undo {
				undo_table.remove(*n).map_err(db_err)?;
			}
			if let Some((n, undo)) = c.undo {
				let sealed = self.crypto.seal_with(&mut nonces, &undo_aad(n), &undo.encode())?;
				undo_table.insert(n, sealed.as_slice()).map_err(db_err)?;
			}
			head.seals = head.seals.saturating_add(2 + u64::from(c.undo.is_some()));
			head.seals = head.seals.saturating_add(outside);
			self.write_head(&txn, &mut nonces, &head)?;
		}
		caller_records(&txn)?;
		txn.commit().map_err(db_err)?;
		self.crypto.outside_seals_counted(outside);
		self.head = head;
		Ok(())
	}

	/// Compacts once the log holds more than the state's size. Runs after
	/// a commit, so a failure must not fail the committed block: it is
	/// logged and compaction is tried again after the next block.
	fn compact_if_due_or_log(&mut self) {
		let stats = self.storage_stats();
		if stats.log_bytes > stats.compact_at_log_bytes {
			if let Err(e) = self.compact() {
				log::warn!(target: "integritee-stf", "compaction failed (retried after the next block): {e}");
			}
		}
	}

	/// Replaces the checkpoint and the log with a new checkpoint of the
	/// current state, in one durable write transaction (done automatically
	/// when the log outgrows the state; costs about one write of the state).
	pub fn compact(&mut self) -> Result<(), Error> {
		let t = Instant::now();
		let mut chunks: Vec<Vec<u8>> = Vec::new();
		let mut entries: Vec<(&[u8], &Vec<u8>)> = Vec::new();
		let mut size = 0usize;
		for (k, v) in self.values.iter() {
			size += k.len() + v.len() + 8;
			entries.push((k, v));
			if size >= CHUNK_BYTES {
				chunks.push(entries.encode());
				entries.clear();
				size = 0;
			}
		}
		if !entries.is_empty() {
			chunks.push(entries.encode());
		}
		let mut head = self.head.clone();
		head.generation = head.generation.saturating_add(1);
		head.chunks =
			u32::try_from(chunks.len()).map_err(|_| Error::State("state too large".into()))?;
		head.log_bytes = 0;
		head.seals = head.seals.saturating_add(chunks.len() as u64 + 1);
		let txn = self.db.begin_write().map_err(db_err)?;
		{
			let mut nonces = NoncePool::new(chunks.len() + 1)?;
			let mut table = txn.open_table(CHECKPOINT).map_err(db_err)?;
			table.retain(|_, _| false).map_err(db_err)?;
			for (i, chunk) in (0u32..).zip(&chunks) {
				let sealed =
					self.crypto.seal_with(&mut nonces, &chunk_aad(head.generation, i), chunk)?;
				table.insert(i, sealed.as_slice()).map_err(db_err)?;
			}
			txn.open_table(LOG).map_err(db_err)?.retain(|_, _| false).map_err(db_err)?;
			self.write_head(&txn, &mut nonces, &head)?;
		}
		txn.commit().map_err(db_err)?;
		self.head = head;
		self.unsynced = 0;
		log::info!(
			target: "integritee-stf",
			"compacted the state log into a checkpoint of {} entries ({} chunks) in {:?}",
			self.values.len(),
			chunks.len(),
			t.elapsed()
		);
		Ok(())
	}

	/// Returns the state to the snapshot of sidechain block `number` (one of
	/// [`Self::snapshots`]) by applying the undo records of the later blocks;
	/// later snapshots are dropped. The next block to apply is `number + 1`.
	pub fn revert_to(&mut self, number: u64) -> Result<(), Error> {
		let pos = self
			.head
			.snapshots
			.iter()
			.position(|s| s.block.number == number)
			.ok_or(Error::NoSnapshot(number))?;
		let mut head = self.head.clone();
		let later: Vec<u64> = head.snapshots[pos + 1..].iter().map(|s| s.block.number).collect();
		let snapshot = head.snapshots[pos];
		let root = snapshot.state_root;
		head.snapshots.truncate(pos + 1);
		head.root = root;
		head.sidechain = snapshot.block;
		head.parentchain_anchor = snapshot.parentchain_anchor;

		// The values at `block_number`: undo records newest first, so the
		// oldest block's "before" value is the one that stays.
		let mut target = std::collections::BTreeMap::new();
		let txn = self.db.begin_read().map_err(db_err)?;
		for m in later.iter().rev() {
			for (key, old) in store::read_undo(&txn, &self.crypto, *m)? {
				target.insert(key, old);
			}
		}
		drop(txn);
		let changes: Changes = target.into_iter().collect();
		let mut accumulator = self.accumulator.clone();
		for (key, old) in &changes {
			let current = self.values.get(key).map(|v| &v[..]);
			accumulator.change(&self.crypto.commitment, key, current, old.as_deref());
		}
		if accumulator.root(&self.crypto.commitment) != root {
			return Err(Error::RootMismatch);
		}
		let commit = Commit { changes: &changes, undo: None, drop_undo: &later, durable: true };
		self.write_commit(head, commit, |_| Ok(()))?;
		self.unsynced = 0;
		self.accumulator = accumulator;
		for (key, value) in changes {
			self.values.set(key, value);
		}
		self.compact_if_due_or_log();
		Ok(())
	}

	/// Seals and writes `head` (the last record of a commit).
	fn write_head(
		&self,
		txn: &redb::WriteTransaction,
		nonces: &mut NoncePool,
		head: &Head,
	) -> Result<(), Error> {
		if head.seals > MAX_SEALS_PER_KEY {
			return Err(Error::KeyExhausted);
		}
		let sealed_head = self.crypto.seal_with(nonces, HEAD.as_bytes(), &head.encode())?;
		let mut meta = txn.open_table(META).map_err(db_err)?;
		meta.insert(HEAD, sealed_head.as_slice()).map_err(db_err)?;
		Ok(())
	}
}

/// Reads and checks the sealed head of an existing file (`None` for a new
/// file).
pub(crate) fn read_head(
	db: &redb::Database,
	crypto: &StateCrypto,
	config: &StfConfig,
) -> Result<Option<Head>, Error> {
	let txn = db.begin_read().map_err(db_err)?;
	let meta = match txn.open_table(META) {
		Ok(meta) => meta,
		Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
		Err(e) => return Err(db_err(e)),
	};
	let get = |k: &str| -> Result<Option<Vec<u8>>, Error> {
		Ok(meta.get(k).map_err(db_err)?.map(|v| v.value().to_vec()))
	};
	if get("format")?.as_deref() != Some(FORMAT) {
		return Err(Error::UnknownFormat);
	}
	let shard = get("shard")?.ok_or(Error::UnknownFormat)?;
	if shard.len() != 32 {
		return Err(Error::UnknownFormat);
	}
	if shard.as_slice() != config.shard.as_bytes() {
		let found = H256::from_slice(&shard);
		return Err(Error::WrongShard { expected: config.shard, found });
	}
	let check = get(KEYCHECK)?.ok_or(Error::UnknownFormat)?;
	match crypto.open(KEYCHECK.as_bytes(), &check) {
		Some(p) if p == KEYCHECK_PLAIN => {}
		_ => return Err(Error::WrongKey),
	}
	let head = get(HEAD)?.ok_or(Error::CorruptRecord(HEAD))?;
	let head = crypto.open(HEAD.as_bytes(), &head).ok_or(Error::CorruptRecord(HEAD))?;
	Head::decode(&mut &head[..]).map(Some).map_err(|_| Error::CorruptRecord(HEAD))
}

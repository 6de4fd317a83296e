//! [`ShardState`]: the store plus the runtime executed over it.

use std::{
	num::NonZeroU32,
	panic::{catch_unwind, AssertUnwindSafe},
	path::Path,
	time::Instant,
};

use codec::{Decode, Encode};
use polkadot_sdk::{
	sp_core::H256, sp_externalities::set_and_run_with_externalities,
	sp_runtime::traits::BlakeTwo256, sp_state_machine::OverlayedChanges,
};
use redb::ReadableDatabase;

use crate::{
	commitment::Accumulator,
	crypto::{NoncePool, StateCrypto, MAX_SEALS_PER_KEY},
	ext::{drain_changes, FlatExt},
	map::StateMap,
	runtime::{self, PendingUnshield, Settle},
	store::{
		self, chunk_aad, db_err, log_aad, undo_aad, Changes, Head, CHECKPOINT, CHUNK_BYTES, FORMAT,
		KEYCHECK_PLAIN, LOG, META, MIN_COMPACT_LOG_BYTES, UNDO,
	},
	AccountId, AccountInfoView, Balance, BlockOutcome, Error, InputOutcome, RejectReason,
	StateDiff, StfConfig, StfInput, TrustedCall, UnconfirmedCalls, BELOW_MIN_UNSHIELD,
};

/// Default page cache of the database file (redb's default).
pub const DEFAULT_DB_CACHE_BYTES: usize = 1 << 30;

const HEAD: &str = "head";
const KEYCHECK: &str = "keycheck";

/// A shard's encrypted, persistent state and the STF that changes it.
pub struct ShardState {
	db: redb::Database,
	crypto: StateCrypto,
	config: StfConfig,
	head: Head,
	/// The committed state, decrypted (the enclave's working copy; the file
	/// holds it sealed).
	values: StateMap,
	/// Set hash of `values`; its root is `head.root`.
	accumulator: Accumulator,
	/// Every `sync_every`-th block commit is durable (fsync).
	sync_every: u32,
	unsynced: u32,
}

impl core::fmt::Debug for ShardState {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("ShardState")
			.field("shard", &self.config.shard)
			.field("root", &self.head.root)
			.field("last_block", &self.head.last_block)
			.finish_non_exhaustive()
	}
}

/// Sizes of a shard's state and its log ([`ShardState::storage_stats`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StorageStats {
	/// Plaintext bytes of all keys and values.
	pub state_bytes: u64,
	/// Plaintext bytes logged since the last checkpoint.
	pub log_bytes: u64,
	/// The log is compacted into a new checkpoint past this size.
	pub compact_at_log_bytes: u64,
}

/// A block executed on top of the committed state and not yet committed
/// ([`ShardState::prepare_block`]).
pub struct PreparedBlock {
	block: (u32, H256),
	/// The root of the state it was executed on.
	base_root: H256,
	changes: Changes,
	effects: DiffEffects,
	outcome: BlockOutcome,
}

impl core::fmt::Debug for PreparedBlock {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		// The changes are plaintext state: never printed.
		f.debug_struct("PreparedBlock")
			.field("block", &self.block)
			.field("root", &self.effects.root)
			.field("changes", &self.changes.len())
			.finish_non_exhaustive()
	}
}

impl PreparedBlock {
	/// What the block did; `state_root` is the root after it.
	pub fn outcome(&self) -> &BlockOutcome {
		&self.outcome
	}

	/// The block's state diff (plaintext: it leaves the enclave only
	/// encrypted with the state key), for [`ShardState::apply_changes`].
	pub fn changes(&self) -> &StateDiff {
		&self.changes
	}
}

/// What a diff does to the committed state: the new set hash, the undo
/// record and the new root.
struct DiffEffects {
	accumulator: Accumulator,
	undo: Changes,
	root: H256,
}

/// What one commit writes besides its log record.
struct Commit<'a> {
	changes: &'a Changes,
	/// The block's undo record, if it can be reverted.
	undo: Option<(u32, &'a Changes)>,
	/// Undo records no longer needed.
	drop_undo: &'a [u32],
	durable: bool,
}

impl ShardState {
	/// Opens the shard's state at `path`, creating an empty state (no last
	/// block) if the file is new. Reads and checks the whole state: fails
	/// with [`Error::WrongKey`] if `state_key` is not the key the state was
	/// created with, [`Error::WrongShard`] for another shard's file,
	/// [`Error::CorruptValue`] or [`Error::RootMismatch`] if records were
	/// tampered with, deleted or replaced by older ones.
	pub fn open(path: &Path, state_key: &[u8; 32], config: StfConfig) -> Result<Self, Error> {
		Self::open_with_db_cache(path, state_key, config, DEFAULT_DB_CACHE_BYTES)
	}

	/// [`Self::open`] with the database's page cache limited to
	/// `db_cache_bytes`.
	pub fn open_with_db_cache(
		path: &Path,
		state_key: &[u8; 32],
		mut config: StfConfig,
		db_cache_bytes: usize,
	) -> Result<Self, Error> {
		config.snapshots = config.snapshots.max(1);
		let db = redb::Database::builder()
			.set_cache_size(db_cache_bytes)
			.create(path)
			.map_err(db_err)?;
		let crypto = StateCrypto::new(state_key, config.shard.to_fixed_bytes());
		let t = Instant::now();
		let existing = read_head(&db, &crypto, &config)?;
		let empty_root = Accumulator::empty().root(&crypto.commitment);
		let head = existing.clone().unwrap_or_else(|| Head::empty(empty_root));
		let (values, accumulator) = store::load_state(&db, &crypto, &head)?;
		if accumulator.root(&crypto.commitment) != head.root {
			return Err(Error::RootMismatch);
		}
		log::debug!(
			target: "integritee-stf",
			"opened state: {} entries, log position {}, in {:?}",
			values.len(),
			head.next_seq,
			t.elapsed()
		);
		let mut state =
			Self { db, head, crypto, config, values, accumulator, sync_every: 1, unsynced: 0 };
		if existing.is_none() {
			state.create_meta()?;
		}
		Ok(state)
	}

	/// Makes only every `blocks`-th [`Self::apply_block`] commit durable
	/// (default 1: every block is fsynced before `apply_block` returns).
	/// The other commits are still atomic, but a power or OS failure may
	/// lose the blocks since the last durable one, leaving the state at an
	/// earlier committed block (never a torn one); the caller must then
	/// re-apply those blocks and must not have reported them as persisted.
	/// [`Self::sync`] makes everything durable.
	pub fn set_sync_every(&mut self, blocks: NonZeroU32) {
		self.sync_every = blocks.get();
	}

	/// Makes all committed blocks durable (an empty durable commit).
	pub fn sync(&mut self) -> Result<(), Error> {
		let txn = self.db.begin_write().map_err(db_err)?;
		txn.commit().map_err(db_err)?;
		self.unsynced = 0;
		Ok(())
	}

	fn create_meta(&mut self) -> Result<(), Error> {
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

	/// The last parent-chain block whose inputs the state includes.
	pub fn last_block(&self) -> Option<(u32, H256)> {
		self.head.last_block
	}

	/// The state's root ([`crate`] docs: a keyed set hash, comparable only
	/// between holders of the same state key).
	pub fn state_root(&self) -> H256 {
		self.head.root
	}

	pub fn config(&self) -> &StfConfig {
		&self.config
	}

	/// Number of entries (storage keys) in the state.
	pub fn entries(&self) -> usize {
		self.values.len()
	}

	/// Sizes that decide when the log is compacted.
	pub fn storage_stats(&self) -> StorageStats {
		let state_bytes = self.values.bytes() as u64;
		StorageStats {
			state_bytes,
			log_bytes: self.head.log_bytes,
			compact_at_log_bytes: state_bytes.max(MIN_COMPACT_LOG_BYTES),
		}
	}

	/// Free and reserved balance and nonce of `who` (zeroes if absent).
	pub fn account_info(&self, who: &AccountId) -> Result<AccountInfoView, Error> {
		self.read(|| runtime::account_info(who))
	}

	/// pallet-balances' total issuance: shields minus paid unshields.
	pub fn total_issuance(&self) -> Result<Balance, Error> {
		self.read(runtime::total_issuance)
	}

	/// Unshields reserved and not yet settled.
	pub fn pending_unshields(&self) -> Result<Vec<PendingUnshield>, Error> {
		self.read(runtime::pending_unshields)
	}

	/// The pending unshield `call_hash`, if it is reserved and not settled.
	pub fn pending_unshield(&self, call_hash: H256) -> Result<Option<PendingUnshield>, Error> {
		self.read(|| runtime::pending_unshield(call_hash))
	}

	/// Executed trusted calls that no confirmation on the parent chain covers
	/// yet, with their parent blocks, in execution order.
	pub fn unconfirmed_calls(&self) -> Result<UnconfirmedCalls, Error> {
		self.read(runtime::unconfirmed_calls)
	}

	/// (block number, block hash, state root) of the blocks that
	/// [`Self::revert_to`] can return to, oldest first.
	pub fn snapshots(&self) -> Vec<(u32, H256, H256)> {
		self.head.snapshots.clone()
	}

	/// Runs `f` over the current state and discards its changes.
	fn read<R>(&self, f: impl FnOnce() -> R) -> Result<R, Error> {
		let mut overlay = OverlayedChanges::<BlakeTwo256>::default();
		run_guarded(|| {
			let mut ext = FlatExt { base: &self.values, overlay: &mut overlay };
			set_and_run_with_externalities(&mut ext, f)
		})
	}

	/// Executes the inputs of one parent-chain block in order, then refunds
	/// the pending unshields whose expiry lies before `block` and records
	/// the executed calls as unconfirmed, and commits the result together
	/// with `block` atomically (all or nothing): [`Self::prepare_block`]
	/// then [`Self::commit_block`]. Refuses a block whose number is not the
	/// last one's + 1 (any number is accepted while no block has been
	/// applied).
	pub fn apply_block(
		&mut self,
		block: (u32, H256),
		inputs: Vec<StfInput>,
	) -> Result<BlockOutcome, Error> {
		let prepared = self.prepare_block(block, inputs)?;
		self.commit_block(prepared)
	}

	/// Executes `block`'s inputs (as [`Self::apply_block`] does) on top of
	/// the committed state without changing it: the result, its state diff
	/// and root, can be committed with [`Self::commit_block`] (the producer)
	/// or the diff applied elsewhere with [`Self::apply_changes`] (a
	/// member that does not re-execute).
	pub fn prepare_block(
		&self,
		block: (u32, H256),
		inputs: Vec<StfInput>,
	) -> Result<PreparedBlock, Error> {
		self.ensure_next(block.0)?;
		let t0 = Instant::now();
		let (mr_enclave, shard) = (self.config.mr_enclave, self.config.shard);
		let rules = BlockRules {
			number: block.0,
			unshield_expires_at: block.0.saturating_add(self.config.unshield_lifetime),
			min_unshield: self.config.min_unshield,
		};
		// Signatures are checked outside the state machine (they read no state).
		let checked: Vec<(StfInput, bool)> = inputs
			.into_iter()
			.map(|i| {
				let ok = match &i {
					StfInput::Call(c) => c.verify_signature(&mr_enclave, &shard),
					_ => true,
				};
				(i, ok)
			})
			.collect();

		let t1 = Instant::now();
		let mut overlay = OverlayedChanges::<BlakeTwo256>::default();
		let executed = run_guarded(|| {
			let mut ext = FlatExt { base: &self.values, overlay: &mut overlay };
			set_and_run_with_externalities(&mut ext, || execute(checked, &rules))
		})?;
		if overlay.transaction_depth() != 0 {
			return Err(Error::State("a storage transaction was left open".into()));
		}
		// Writes that left a value as it was are no changes.
		let changes: Changes = drain_changes(&mut overlay)
			.into_iter()
			.filter(|(k, v)| self.values.get(k) != v.as_ref())
			.collect();
		let t2 = Instant::now();
		let effects = self.effects_of(&changes);
		log::debug!(
			target: "integritee-stf",
			"block {}: signatures {:?}, execution {:?}, root {:?} ({} changes)",
			block.0,
			t1 - t0,
			t2 - t1,
			t2.elapsed(),
			changes.len(),
		);
		let outcome = BlockOutcome {
			outcomes: executed.outcomes,
			executed_call_hashes: executed.call_hashes,
			new_unshields: executed.new_unshields,
			expired_unshields: executed.expired_unshields,
			state_root: effects.root,
			total_issuance: executed.issuance,
		};
		Ok(PreparedBlock { block, base_root: self.head.root, changes, effects, outcome })
	}

	/// Commits a block prepared on the current state, atomically with
	/// `block`. Refuses one prepared on another state
	/// ([`Error::StaleBase`]): something was committed since.
	pub fn commit_block(&mut self, prepared: PreparedBlock) -> Result<BlockOutcome, Error> {
		if prepared.base_root != self.head.root || self.ensure_next(prepared.block.0).is_err() {
			return Err(Error::StaleBase);
		}
		let PreparedBlock { block, changes, effects, outcome, .. } = prepared;
		self.commit_changes(block, changes, effects)?;
		Ok(outcome)
	}

	/// Applies a state diff produced elsewhere (by the member that executed
	/// `block`) without executing anything, if it leads to `expected_root`;
	/// otherwise refuses it ([`Error::RootMismatch`]) and changes nothing. A
	/// diff naming a key twice is refused as malformed.
	pub fn apply_changes(
		&mut self,
		block: (u32, H256),
		changes: StateDiff,
		expected_root: H256,
	) -> Result<(), Error> {
		self.ensure_next(block.0)?;
		let mut seen = std::collections::HashSet::with_capacity(changes.len());
		if !changes.iter().all(|(key, _)| seen.insert(key.as_slice())) {
			return Err(Error::MalformedDiff("a key appears twice"));
		}
		let effects = self.effects_of(&changes);
		if effects.root != expected_root {
			return Err(Error::RootMismatch);
		}
		self.commit_changes(block, changes, effects)
	}

	fn ensure_next(&self, number: u32) -> Result<(), Error> {
		match self.head.last_block {
			Some((last, _)) if last.checked_add(1) != Some(number) => {
				Err(Error::NotNextBlock { last, got: number })
			}
			_ => Ok(()),
		}
	}

	/// The root and undo record `changes` lead to from the committed state.
	fn effects_of(&self, changes: &Changes) -> DiffEffects {
		let mut accumulator = self.accumulator.clone();
		let mut undo: Changes = Vec::with_capacity(changes.len());
		for (key, new) in changes {
			let old = self.values.get(key);
			accumulator.change(&self.crypto.commitment, key, old.map(|v| &v[..]), new.as_deref());
			undo.push((key.clone(), old.cloned()));
		}
		let root = accumulator.root(&self.crypto.commitment);
		DiffEffects { accumulator, undo, root }
	}

	/// Persists `changes` as `block` (one write transaction) and makes them
	/// the committed state.
	fn commit_changes(
		&mut self,
		block: (u32, H256),
		changes: Changes,
		effects: DiffEffects,
	) -> Result<(), Error> {
		let t = Instant::now();
		let DiffEffects { accumulator, undo, root } = effects;
		let mut head = self.head.clone();
		head.root = root;
		head.last_block = Some(block);
		head.snapshots.push((block.0, block.1, root));
		let excess = head.snapshots.len().saturating_sub(self.config.snapshots as usize);
		let mut drop_undo: Vec<u32> = head.snapshots.drain(..excess).map(|(n, _, _)| n).collect();
		// Undo records are kept for the blocks after the oldest snapshot.
		drop_undo.extend(head.snapshots.first().map(|(n, _, _)| *n));
		let revertible = head.snapshots.len() > 1;
		let durable = self.unsynced.saturating_add(1) >= self.sync_every;
		let commit = Commit {
			changes: &changes,
			undo: revertible.then_some((block.0, &undo)),
			drop_undo: &drop_undo,
			durable,
		};
		self.commit(head, commit)?;
		log::debug!(target: "integritee-stf", "block {}: commit {:?}", block.0, t.elapsed());
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
	fn commit(&mut self, mut head: Head, c: Commit<'_>) -> Result<(), Error> {
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
			self.write_head(&txn, &mut nonces, &head)?;
		}
		txn.commit().map_err(db_err)?;
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

	/// Returns the state to the snapshot of block `block_number` (one of
	/// [`Self::snapshots`]) by applying the undo records of the later blocks;
	/// later snapshots are dropped. The next block to apply is
	/// `block_number + 1`.
	pub fn revert_to(&mut self, block_number: u32) -> Result<(), Error> {
		let pos = self
			.head
			.snapshots
			.iter()
			.position(|(n, _, _)| *n == block_number)
			.ok_or(Error::NoSnapshot(block_number))?;
		let mut head = self.head.clone();
		let later: Vec<u32> = head.snapshots[pos + 1..].iter().map(|(n, _, _)| *n).collect();
		let (n, hash, root) = head.snapshots[pos];
		head.snapshots.truncate(pos + 1);
		head.root = root;
		head.last_block = Some((n, hash));

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
		self.commit(head, commit)?;
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
fn read_head(
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

/// Runs `f` (the runtime inside [`FlatExt`]) and turns a panic (the
/// runtime's way to fail, e.g. on child storage) into an error.
fn run_guarded<R>(f: impl FnOnce() -> R) -> Result<R, Error> {
	catch_unwind(AssertUnwindSafe(f)).map_err(|_| Error::State("execution panicked".into()))
}

/// What a block's execution depends on besides its inputs.
struct BlockRules {
	/// The parent block being executed.
	number: u32,
	/// The expiry of unshields this block reserves.
	unshield_expires_at: u32,
	min_unshield: Balance,
}

/// What [`execute`] did.
struct Executed {
	outcomes: Vec<InputOutcome>,
	call_hashes: Vec<H256>,
	new_unshields: Vec<PendingUnshield>,
	expired_unshields: Vec<PendingUnshield>,
	issuance: Balance,
}

/// Executes checked inputs, then the block's own duties (expired unshields
/// are refunded, executed calls recorded as unconfirmed); runs inside
/// externalities.
fn execute(inputs: Vec<(StfInput, bool)>, rules: &BlockRules) -> Executed {
	let mut outcomes = Vec::with_capacity(inputs.len());
	let mut executed = Vec::new();
	let mut new_unshields = Vec::new();
	let rejected = |reason| InputOutcome::Rejected { reason };
	for (input, signature_ok) in inputs {
		let outcome = match input {
			StfInput::Call(signed) => {
				if !signature_ok {
					outcomes.push(rejected(RejectReason::BadSignature));
					continue;
				}
				let sender = signed.call.sender().clone();
				let expected = runtime::account_info(&sender).nonce;
				let got = signed.nonce;
				if got < expected {
					outcomes.push(rejected(RejectReason::StaleNonce { expected, got }));
					continue;
				}
				if got > expected {
					outcomes.push(rejected(RejectReason::FutureNonce { expected, got }));
					continue;
				}
				if !runtime::account_exists(&sender) {
					outcomes.push(rejected(RejectReason::NoAccount));
					continue;
				}
				let call_hash = signed.hash();
				runtime::inc_nonce(&sender);
				executed.push(call_hash);
				let result = match signed.call {
					TrustedCall::BalanceTransfer { from, to, amount } => {
						runtime::transfer(&from, &to, amount)
					}
					TrustedCall::BalanceUnshield { amount, .. } if amount < rules.min_unshield => {
						Err(BELOW_MIN_UNSHIELD.to_string())
					}
					TrustedCall::BalanceUnshield { from, beneficiary, amount } => {
						let pending = PendingUnshield {
							call_hash,
							from,
							beneficiary,
							amount,
							expires_at: rules.unshield_expires_at,
						};
						let r = runtime::unshield(pending.clone());
						if r.is_ok() {
							new_unshields.push(pending);
						}
						r
					}
				};
				match result {
					Ok(()) => InputOutcome::Executed { call_hash },
					Err(e) => rejected(RejectReason::DispatchFailed(e)),
				}
			}
			StfInput::Shield { id, beneficiary, amount } => {
				match runtime::shield(&beneficiary, amount) {
					Ok(()) => InputOutcome::Executed { call_hash: id },
					Err(e) => rejected(RejectReason::DispatchFailed(e)),
				}
			}
			StfInput::UnshieldPaid { call_hash } => {
				settled(call_hash, runtime::unshield_paid(call_hash))
			}
			StfInput::Confirmed { up_to } => {
				runtime::confirmed(up_to);
				InputOutcome::Executed { call_hash: H256::zero() }
			}
		};
		outcomes.push(outcome);
	}
	// The parent chain pays an unshield up to its expiry block only: past
	// it, with no payout seen in any block up to it, the funds go back.
	let mut expired_unshields = Vec::new();
	for pending in runtime::pending_unshields() {
		if pending.expires_at < rules.number {
			match runtime::unshield_expired(pending.call_hash) {
				Settle::Done => expired_unshields.push(pending),
				Settle::Unknown | Settle::Failed(_) => log::error!(
					target: "integritee-stf",
					"an expired unshield could not be refunded (reserved balance below it)"
				),
			}
		}
	}
	runtime::add_unconfirmed(rules.number, &executed);
	Executed {
		outcomes,
		call_hashes: executed,
		new_unshields,
		expired_unshields,
		issuance: runtime::total_issuance(),
	}
}

fn settled(call_hash: H256, s: Settle) -> InputOutcome {
	match s {
		Settle::Done => InputOutcome::Executed { call_hash },
		Settle::Unknown => InputOutcome::Rejected { reason: RejectReason::UnknownUnshield },
		Settle::Failed(e) => InputOutcome::Rejected { reason: RejectReason::DispatchFailed(e) },
	}
}

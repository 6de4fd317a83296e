//! [`ShardState`]: the store plus the runtime executed over it.

use std::{
	num::NonZeroU32,
	panic::{catch_unwind, AssertUnwindSafe},
	path::Path,
	sync::Arc,
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
		self, chunk_aad, db_err, diff_aad, log_aad, undo_aad, Changes, Head, SidechainPosition,
		Snapshot, CHECKPOINT, CHUNK_BYTES, FORMAT, KEYCHECK_PLAIN, LOG, META,
		MIN_COMPACT_LOG_BYTES, UNDO,
	},
	AccountId, AccountInfoView, Balance, BlockInputs, BlockOutcome, Error, InputOutcome,
	RejectReason, StateDiff, StfConfig, StfInput, TrustedCall, UnconfirmedCalls,
	BELOW_MIN_UNSHIELD,
};

/// Default page cache of the database file (redb's default).
pub const DEFAULT_DB_CACHE_BYTES: usize = 1 << 30;

const HEAD: &str = "head";
const KEYCHECK: &str = "keycheck";

/// A shard's encrypted, persistent state and the STF that changes it.
pub struct ShardState {
	db: Arc<redb::Database>,
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
			.field("sidechain", &self.head.sidechain)
			.field("parentchain_anchor", &self.head.parentchain_anchor)
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

/// A sidechain block executed on top of the committed state and not yet
/// committed ([`ShardState::prepare`]).
pub struct PreparedBlock {
	number: u64,
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
			.field("number", &self.number)
			.field("root", &self.effects.root)
			.field("changes", &self.changes.len())
			.finish_non_exhaustive()
	}
}

impl PreparedBlock {
	/// The sidechain block's number.
	pub fn number(&self) -> u64 {
		self.number
	}

	/// The root of the committed state it was executed on.
	pub fn base_root(&self) -> H256 {
		self.base_root
	}

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
	undo: Option<(u64, &'a Changes)>,
	/// Undo records no longer needed.
	drop_undo: &'a [u64],
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
		let db = Arc::new(
			redb::Database::builder()
				.set_cache_size(db_cache_bytes)
				.create(path)
				.map_err(db_err)?,
		);
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

	/// Makes only every `blocks`-th block commit durable (default 1: every
	/// block is fsynced before [`Self::commit`] returns).
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
	pub fn parentchain_anchor(&self) -> Option<(u32, H256)> {
		self.head.parentchain_anchor
	}

	/// The last committed sidechain block (number 0 before the first).
	pub fn sidechain_head(&self) -> SidechainPosition {
		self.head.sidechain
	}

	/// The shard's database file, for tables of other owners that must be
	/// written in the same transaction as a block (the caller's records of
	/// [`Self::commit`]). Their names must differ from
	/// [`crate::store::STF_TABLES`].
	pub fn database(&self) -> Arc<redb::Database> {
		self.db.clone()
	}

	/// Encrypts sidechain block `number`'s diff with the state key (for the
	/// block's body; bound to the shard and the block number).
	pub fn encrypt_diff(&self, number: u64, diff: &StateDiff) -> Result<Vec<u8>, Error> {
		self.crypto.seal(&diff_aad(number), &diff.encode())
	}

	/// Opens sidechain block `number`'s encrypted diff.
	pub fn decrypt_diff(&self, number: u64, encrypted: &[u8]) -> Result<StateDiff, Error> {
		let plain =
			self.crypto.open(&diff_aad(number), encrypted).ok_or(Error::BadEncryptedDiff)?;
		StateDiff::decode(&mut &plain[..]).map_err(|_| Error::BadEncryptedDiff)
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

	/// The blocks that [`Self::revert_to`] can return to, oldest first.
	pub fn snapshots(&self) -> Vec<Snapshot> {
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

	/// Executes one sidechain block, `number`, on top of the committed state
	/// without changing it: each parent-chain block of `inputs` in order
	/// (its inputs, then its duties: unshields whose expiry lies before it
	/// are refunded, its executed calls recorded as unconfirmed), then the
	/// direct calls. The result (outcome, state diff and root) is committed
	/// with [`Self::commit`] by the producer, or its diff applied elsewhere
	/// with [`Self::apply_changes`] by a member that does not re-execute.
	/// Refuses a number that is not the committed one's + 1, and parent
	/// blocks that do not follow the anchor one by one (any first one while
	/// the state has none).
	pub fn prepare(&self, number: u64, inputs: BlockInputs) -> Result<PreparedBlock, Error> {
		self.ensure_next(number)?;
		let mut anchor = self.head.parentchain_anchor;
		for segment in &inputs.parentchain {
			let got = segment.block.0;
			if let Some((last, _)) = anchor {
				if last.checked_add(1) != Some(got) {
					return Err(Error::ParentchainGap { last, got });
				}
			}
			anchor = Some(segment.block);
		}
		let t0 = Instant::now();
		let (mr_enclave, shard) = (self.config.mr_enclave, self.config.shard);
		let rules = |number: u32| BlockRules {
			number,
			unshield_expires_at: number.saturating_add(self.config.unshield_lifetime),
			min_unshield: self.config.min_unshield,
		};
		// Signatures are checked outside the state machine (they read no
		// state), and only for calls not verified before.
		let check = |input: StfInput| match input {
			StfInput::Call(call) => {
				let ok = call.verify_signature(&mr_enclave, &shard);
				(StfInput::Call(call), ok)
			}
			StfInput::VerifiedCall(call) => (StfInput::Call(call.into_inner()), true),
			other => (other, true),
		};
		let segments: Vec<Segment> = inputs
			.parentchain
			.into_iter()
			.map(|p| Segment {
				rules: rules(p.block.0),
				inputs: p.inputs.into_iter().map(check).collect(),
				parent_block_duties: true,
			})
			.chain((!inputs.direct.is_empty()).then(|| {
				Segment {
					rules: rules(anchor.map_or(0, |(n, _)| n)),
					inputs: inputs
						.direct
						.into_iter()
						.map(|c| (StfInput::Call(c.into_inner()), true))
						.collect(),
					parent_block_duties: false,
				}
			}))
			.collect();

		let t1 = Instant::now();
		let mut overlay = OverlayedChanges::<BlakeTwo256>::default();
		let executed = run_guarded(|| {
			let mut ext = FlatExt { base: &self.values, overlay: &mut overlay };
			set_and_run_with_externalities(&mut ext, || execute(segments))
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
			"sidechain block {number}: signatures {:?}, execution {:?}, root {:?} ({} changes)",
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
			parentchain_anchor: anchor,
			total_issuance: executed.issuance,
		};
		Ok(PreparedBlock { number, base_root: self.head.root, changes, effects, outcome })
	}

	/// Commits a block prepared on the current state as the sidechain block
	/// (`prepared.number()`, `hash`), in one write transaction with the
	/// caller's records (`caller_records` writes them into the same
	/// transaction: the block's header and body, consumed inputs). Refuses
	/// one prepared on another state ([`Error::StaleBase`]): something was
	/// committed since.
	pub fn commit(
		&mut self,
		prepared: PreparedBlock,
		hash: H256,
		caller_records: impl FnOnce(&redb::WriteTransaction) -> Result<(), Error>,
	) -> Result<BlockOutcome, Error> {
		if prepared.base_root != self.head.root || self.ensure_next(prepared.number).is_err() {
			return Err(Error::StaleBase);
		}
		let PreparedBlock { number, changes, effects, outcome, .. } = prepared;
		let block = SidechainPosition { number, hash };
		self.commit_changes(block, outcome.parentchain_anchor, changes, effects, caller_records)?;
		Ok(outcome)
	}

	/// Applies a state diff produced elsewhere (by the member that executed
	/// sidechain block `block`, whose parent-chain anchor is
	/// `parentchain_anchor`) without executing anything, if it leads to
	/// `expected_root`; otherwise refuses it ([`Error::RootMismatch`]) and
	/// changes nothing. A diff naming a key twice is refused as malformed,
	/// and so is an anchor that goes back. `caller_records` as in
	/// [`Self::commit`].
	pub fn apply_changes(
		&mut self,
		block: SidechainPosition,
		parentchain_anchor: Option<(u32, H256)>,
		changes: StateDiff,
		expected_root: H256,
		caller_records: impl FnOnce(&redb::WriteTransaction) -> Result<(), Error>,
	) -> Result<(), Error> {
		self.ensure_next(block.number)?;
		let anchor_number = |a: Option<(u32, H256)>| a.map(|(n, _)| i64::from(n)).unwrap_or(-1);
		if anchor_number(parentchain_anchor) < anchor_number(self.head.parentchain_anchor) {
			return Err(Error::MalformedDiff("the parent-chain anchor goes back"));
		}
		let mut seen = std::collections::HashSet::with_capacity(changes.len());
		if !changes.iter().all(|(key, _)| seen.insert(key.as_slice())) {
			return Err(Error::MalformedDiff("a key appears twice"));
		}
		let effects = self.effects_of(&changes);
		if effects.root != expected_root {
			return Err(Error::RootMismatch);
		}
		self.commit_changes(block, parentchain_anchor, changes, effects, caller_records)
	}

	fn ensure_next(&self, number: u64) -> Result<(), Error> {
		let last = self.head.sidechain.number;
		if last.checked_add(1) != Some(number) {
			return Err(Error::NotNextBlock { last, got: number });
		}
		Ok(())
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

	/// Persists `changes` as `block` (one write transaction, with the
	/// caller's records) and makes them the committed state.
	fn commit_changes(
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
		caller_records(&txn)?;
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

/// What a segment's execution depends on besides its inputs.
struct BlockRules {
	/// The parent block being executed (the anchor, for direct calls).
	number: u32,
	/// The expiry of unshields this segment reserves.
	unshield_expires_at: u32,
	min_unshield: Balance,
}

/// A part of a sidechain block: one parent-chain block's inputs (with its
/// duties), or the direct calls. Inputs come with their signature check.
struct Segment {
	rules: BlockRules,
	inputs: Vec<(StfInput, bool)>,
	/// Refund expired unshields and record the executed calls as
	/// unconfirmed (parent-chain blocks only).
	parent_block_duties: bool,
}

/// What [`execute`] did.
#[derive(Default)]
struct Executed {
	outcomes: Vec<InputOutcome>,
	call_hashes: Vec<H256>,
	new_unshields: Vec<PendingUnshield>,
	expired_unshields: Vec<PendingUnshield>,
	issuance: Balance,
}

/// Executes a sidechain block's segments in order; runs inside
/// externalities.
fn execute(segments: Vec<Segment>) -> Executed {
	let mut executed = Executed::default();
	for segment in segments {
		let calls = execute_inputs(segment.inputs, &segment.rules, &mut executed);
		if segment.parent_block_duties {
			parent_block_duties(&segment.rules, &calls, &mut executed);
		}
		executed.call_hashes.extend(calls);
	}
	executed.issuance = runtime::total_issuance();
	executed
}

/// Executes checked inputs; returns the hashes of the executed calls.
fn execute_inputs(
	inputs: Vec<(StfInput, bool)>,
	rules: &BlockRules,
	executed: &mut Executed,
) -> Vec<H256> {
	let mut calls = Vec::new();
	let rejected = |reason| InputOutcome::Rejected { reason };
	for (input, signature_ok) in inputs {
		let outcome = match input {
			StfInput::Call(signed) => {
				if !signature_ok {
					executed.outcomes.push(rejected(RejectReason::BadSignature));
					continue;
				}
				let sender = signed.call.sender().clone();
				let expected = runtime::account_info(&sender).nonce;
				let got = signed.nonce;
				if got < expected {
					executed.outcomes.push(rejected(RejectReason::StaleNonce { expected, got }));
					continue;
				}
				if got > expected {
					executed.outcomes.push(rejected(RejectReason::FutureNonce { expected, got }));
					continue;
				}
				if !runtime::account_exists(&sender) {
					executed.outcomes.push(rejected(RejectReason::NoAccount));
					continue;
				}
				let call_hash = signed.hash();
				runtime::inc_nonce(&sender);
				calls.push(call_hash);
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
							executed.new_unshields.push(pending);
						}
						r
					}
				};
				match result {
					Ok(()) => InputOutcome::Executed { call_hash },
					Err(e) => rejected(RejectReason::DispatchFailed(e)),
				}
			}
			// `prepare` turns verified calls into checked `Call`s.
			StfInput::VerifiedCall(_) => rejected(RejectReason::BadSignature),
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
		executed.outcomes.push(outcome);
	}
	calls
}

/// A parent block's own duties after its inputs: unshields whose expiry
/// lies before it are refunded (the parent chain pays up to the expiry
/// block only: past it, with no payout seen in any block up to it, the
/// funds go back), and its executed calls are recorded as unconfirmed.
fn parent_block_duties(rules: &BlockRules, calls: &[H256], executed: &mut Executed) {
	for pending in runtime::pending_unshields() {
		if pending.expires_at < rules.number {
			match runtime::unshield_expired(pending.call_hash) {
				Settle::Done => executed.expired_unshields.push(pending),
				Settle::Unknown | Settle::Failed(_) => log::error!(
					target: "integritee-stf",
					"an expired unshield could not be refunded (reserved balance below it)"
				),
			}
		}
	}
	runtime::add_unconfirmed(rules.number, calls);
}

fn settled(call_hash: H256, s: Settle) -> InputOutcome {
	match s {
		Settle::Done => InputOutcome::Executed { call_hash },
		Settle::Unknown => InputOutcome::Rejected { reason: RejectReason::UnknownUnshield },
		Settle::Failed(e) => InputOutcome::Rejected { reason: RejectReason::DispatchFailed(e) },
	}
}

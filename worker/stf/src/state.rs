//! [`ShardState`]: a shard's committed state, opened from its sealed file,
//! read through the runtime, and changed only by a committed sidechain
//! block (executed here, see `execute`, or applied as a diff from another
//! member). How it is written is `persist`'s.

use std::{num::NonZeroU32, path::Path, sync::Arc, time::Instant};

use codec::{Decode, Encode};
use polkadot_sdk::{
	sp_core::H256, sp_externalities::set_and_run_with_externalities,
	sp_runtime::traits::BlakeTwo256, sp_state_machine::OverlayedChanges,
};

use crate::{
	commitment::Accumulator,
	crypto::StateCrypto,
	execute::{run_guarded, PreparedBlock},
	ext::FlatExt,
	map::StateMap,
	persist::read_head,
	runtime::{self, PendingUnshield},
	store::{
		self, db_err, diff_aad, Changes, Head, SidechainPosition, Snapshot, MIN_COMPACT_LOG_BYTES,
	},
	AccountId, AccountInfoView, Balance, BlockOutcome, Error, StateDiff, StfConfig,
	UnconfirmedCalls,
};

/// Default page cache of the database file (redb's default).
pub const DEFAULT_DB_CACHE_BYTES: usize = 1 << 30;

/// A shard's encrypted, persistent state and the STF that changes it.
pub struct ShardState {
	pub(crate) db: Arc<redb::Database>,
	pub(crate) crypto: StateCrypto,
	pub(crate) config: StfConfig,
	pub(crate) head: Head,
	/// The committed state, decrypted (the enclave's working copy; the file
	/// holds it sealed).
	pub(crate) values: StateMap,
	/// Set hash of `values`; its root is `head.root`.
	pub(crate) accumulator: Accumulator,
	/// Every `sync_every`-th block commit is durable (fsync).
	pub(crate) sync_every: u32,
	pub(crate) unsynced: u32,
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

/// What a diff does to the committed state: the new set hash, the undo
/// record and the new root.
pub(crate) struct DiffEffects {
	pub(crate) accumulator: Accumulator,
	pub(crate) undo: Changes,
	pub(crate) root: H256,
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
		config: StfConfig,
		db_cache_bytes: usize,
	) -> Result<Self, Error> {
		let db = Arc::new(
			redb::Database::builder()
				.set_cache_size(db_cache_bytes)
				.create(path)
				.map_err(db_err)?,
		);
		Self::open_in(db, state_key, config)
	}

	/// [`Self::open`] in a database the caller opened (it may hold the
	/// caller's own tables, which were there before the state: the trusted
	/// core opens the file before it holds the shard's state key).
	pub fn open_in(
		db: Arc<redb::Database>,
		state_key: &[u8; 32],
		mut config: StfConfig,
	) -> Result<Self, Error> {
		config.snapshots = config.snapshots.max(1);
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
		self.crypto.seal_outside(&diff_aad(number), &diff.encode())
	}

	/// Records sealed under the state key so far (committed, and diffs
	/// encrypted since the last commit): bounded by
	/// [`crate::MAX_SEALS_PER_KEY`].
	pub fn seals(&self) -> u64 {
		self.head.seals.saturating_add(self.crypto.outside_seals())
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

	pub(crate) fn ensure_next(&self, number: u64) -> Result<(), Error> {
		let last = self.head.sidechain.number;
		if last.checked_add(1) != Some(number) {
			return Err(Error::NotNextBlock { last, got: number });
		}
		Ok(())
	}

	/// The root and undo record `changes` lead to from the committed state.
	pub(crate) fn effects_of(&self, changes: &Changes) -> DiffEffects {
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
}

//! [`ShardState`]: the store plus the runtime executed over it.

use std::{
	num::NonZeroU32,
	panic::{catch_unwind, AssertUnwindSafe},
	path::Path,
	sync::Mutex,
};

use codec::{Decode, Encode};
use polkadot_sdk::{
	sp_core::{storage::StateVersion, H256},
	sp_externalities::set_and_run_with_externalities,
	sp_runtime::traits::BlakeTwo256,
	sp_state_machine::{Ext, OverlayedChanges, TrieBackend, TrieBackendBuilder},
};
use redb::ReadableDatabase;

use crate::{
	crypto::{StateCrypto, MAX_SEALS_PER_KEY},
	runtime::{self, PendingUnshield, Settle},
	store::{
		self, db_err, index_key, node_key, Head, NodeCache, NodeIndex, NodeReader, FORMAT,
		KEYCHECK_PLAIN, META, NODES, NODE_INDEX, SLOT_LEN,
	},
	AccountId, AccountInfoView, Balance, BlockOutcome, Error, InputOutcome, RejectReason,
	StfConfig, StfInput, TrustedCall,
};

/// Most decrypted trie nodes kept in memory by default (the byte bound
/// [`DEFAULT_NODE_CACHE_BYTES`] is usually reached first).
pub const DEFAULT_NODE_CACHE_NODES: u32 = 8 << 20;

/// Default bound of the decrypted node cache's memory (approximate: node
/// bytes plus about 96 bytes per node). Large enough for the live trie of a
/// 1M-account state, so that upper levels and hot paths never hit the file.
pub const DEFAULT_NODE_CACHE_BYTES: usize = 512 << 20;

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
	/// Batch of every stored node (see [`store`]).
	index: NodeIndex,
	cache: Mutex<NodeCache>,
	cache_nodes: u32,
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

type Backend<'a> = TrieBackend<NodeReader<'a>, BlakeTwo256>;

impl ShardState {
	/// Opens the shard's state at `path`, creating an empty state (root of
	/// the empty trie, no last block) if the file is new. Fails with
	/// [`Error::WrongKey`] if `state_key` is not the key the state was
	/// created with, [`Error::WrongShard`] for another shard's file.
	pub fn open(path: &Path, state_key: &[u8; 32], config: StfConfig) -> Result<Self, Error> {
		Self::open_with_db_cache(path, state_key, config, DEFAULT_DB_CACHE_BYTES)
	}

	/// [`Self::open`] with the database's page cache limited to
	/// `db_cache_bytes` (in addition to the decrypted node cache).
	pub fn open_with_db_cache(
		path: &Path,
		state_key: &[u8; 32],
		config: StfConfig,
		db_cache_bytes: usize,
	) -> Result<Self, Error> {
		let db = redb::Database::builder()
			.set_cache_size(db_cache_bytes)
			.create(path)
			.map_err(db_err)?;
		let crypto = StateCrypto::new(state_key, config.shard.to_fixed_bytes());
		let existing = {
			let txn = db.begin_read().map_err(db_err)?;
			match txn.open_table(META) {
				Ok(meta) => {
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
					let head =
						crypto.open(HEAD.as_bytes(), &head).ok_or(Error::CorruptRecord(HEAD))?;
					Some(Head::decode(&mut &head[..]).map_err(|_| Error::CorruptRecord(HEAD))?)
				}
				Err(redb::TableError::TableDoesNotExist(_)) => None,
				Err(e) => return Err(db_err(e)),
			}
		};
		let cache =
			Mutex::new(NodeCache::new(DEFAULT_NODE_CACHE_NODES as usize, DEFAULT_NODE_CACHE_BYTES));
		let index = store::load_index(&db)?;
		let cache_nodes = DEFAULT_NODE_CACHE_NODES;
		let mut state = match existing {
			Some(head) => Self {
				db,
				crypto,
				config,
				head,
				index,
				cache,
				cache_nodes,
				sync_every: 1,
				unsynced: 0,
			},
			None => {
				let mut s = Self {
					db,
					crypto,
					config,
					head: Head::empty(),
					index,
					cache,
					cache_nodes,
					sync_every: 1,
					unsynced: 0,
				};
				s.create_meta()?;
				s
			}
		};
		state.config.snapshots = state.config.snapshots.max(1);
		Ok(state)
	}

	/// Sets how many decrypted trie nodes are kept in memory at most (the
	/// byte bound stays [`DEFAULT_NODE_CACHE_BYTES`]). Empties the cache.
	pub fn set_node_cache_capacity(&mut self, nodes: NonZeroU32) {
		self.cache_nodes = nodes.get();
		self.cache = Mutex::new(NodeCache::new(nodes.get() as usize, DEFAULT_NODE_CACHE_BYTES));
	}

	/// Bounds the decrypted node cache's memory to about `bytes` (node bytes
	/// plus about 96 bytes per node; default [`DEFAULT_NODE_CACHE_BYTES`]).
	/// Empties the cache.
	pub fn set_node_cache_bytes(&mut self, bytes: usize) {
		self.cache = Mutex::new(NodeCache::new(self.cache_nodes as usize, bytes));
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
			txn.open_table(NODES).map_err(db_err)?;
			txn.open_table(NODE_INDEX).map_err(db_err)?;
		}
		txn.commit().map_err(db_err)?;
		self.head = head;
		Ok(())
	}

	/// The last parent-chain block whose inputs the state includes.
	pub fn last_block(&self) -> Option<(u32, H256)> {
		self.head.last_block
	}

	/// The state's trie root.
	pub fn state_root(&self) -> H256 {
		self.head.root
	}

	pub fn config(&self) -> &StfConfig {
		&self.config
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

	/// (block number, block hash, state root) of the blocks that
	/// [`Self::revert_to`] can return to, oldest first.
	pub fn snapshots(&self) -> Vec<(u32, H256, H256)> {
		self.head.snapshots.clone()
	}

	fn reader(&self) -> Result<NodeReader<'_>, Error> {
		Ok(NodeReader {
			table: store::node_table(&self.db)?,
			index: &self.index,
			crypto: &self.crypto,
			cache: &self.cache,
			failure: Mutex::new(None),
		})
	}

	/// Runs `f` over the current state and discards its changes.
	fn read<R>(&self, f: impl FnOnce() -> R) -> Result<R, Error> {
		let backend: Backend = TrieBackendBuilder::new(self.reader()?, self.head.root).build();
		let mut overlay = OverlayedChanges::<BlakeTwo256>::default();
		let r = run_guarded(&backend, || {
			let mut ext = Ext::new(&mut overlay, &backend, None);
			set_and_run_with_externalities(&mut ext, f)
		});
		r
	}

	/// Executes the inputs of one parent-chain block in order and commits the
	/// result together with `block` atomically (all or nothing). Refuses a
	/// block whose number is not the last one's + 1 (any number is accepted
	/// while no block has been applied).
	pub fn apply_block(
		&mut self,
		block: (u32, H256),
		inputs: Vec<StfInput>,
	) -> Result<BlockOutcome, Error> {
		if let Some((last, _)) = self.head.last_block {
			if last.checked_add(1) != Some(block.0) {
				return Err(Error::NotNextBlock { last, got: block.0 });
			}
		}
		let t0 = std::time::Instant::now();
		let (mr_enclave, shard) = (self.config.mr_enclave, self.config.shard);
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

		let t1 = std::time::Instant::now();
		let backend: Backend = TrieBackendBuilder::new(self.reader()?, self.head.root).build();
		let mut overlay = OverlayedChanges::<BlakeTwo256>::default();
		let (outcomes, executed, new_unshields, issuance) = run_guarded(&backend, || {
			let mut ext = Ext::new(&mut overlay, &backend, None);
			set_and_run_with_externalities(&mut ext, || execute(checked))
		})?;
		let t2 = std::time::Instant::now();
		let changes = overlay
			.drain_storage_changes(&backend, StateVersion::V1)
			.map_err(|e| Error::State(e.to_string()))?;
		if let Some(e) = backend.essence().backend_storage().take_failure() {
			return Err(e);
		}
		drop(backend);
		let new_root = changes.transaction_storage_root;
		let mut transaction = changes.transaction;

		let mut head = self.head.clone();
		head.root = new_root;
		head.last_block = Some(block);
		head.snapshots.push((block.0, block.1, new_root));
		let excess = head.snapshots.len().saturating_sub(self.config.snapshots as usize);
		head.snapshots.drain(..excess);

		let t3 = std::time::Instant::now();
		// This block's batch number: the seal count before it, which grows
		// with every committed block (a block that fails before its commit
		// wrote nothing, so its number may be used again).
		let batch = head.seals;
		let mut fresh: Vec<([u8; SLOT_LEN], H256, Vec<u8>)> = Vec::new();
		let mut txn = self.db.begin_write().map_err(db_err)?;
		let durable = self.unsynced.saturating_add(1) >= self.sync_every;
		if !durable {
			txn.set_durability(redb::Durability::None).map_err(|e| Error::Db(e.to_string()))?;
		}
		{
			let mut nodes = txn.open_table(NODES).map_err(db_err)?;
			for (key, (node, rc)) in transaction.drain() {
				// Keys are `prefix ++ hash`; only inserted nodes are written,
				// nothing is deleted (no pruning). A node already stored
				// (same hash, so same content) is not written again.
				if rc <= 0 || key.len() < 32 {
					continue;
				}
				let hash = H256::from_slice(&key[key.len() - 32..]);
				let slot = self.crypto.node_slot(hash.as_fixed_bytes());
				if self.index.contains_key(&index_key(&slot)) {
					continue;
				}
				fresh.push((slot, hash, node));
			}
			// In key order: the batch is appended as one run.
			fresh.sort_unstable_by_key(|a| a.0);
			fresh.dedup_by(|a, b| a.0 == b.0);
			let mut nonces = crate::crypto::NoncePool::new(fresh.len())?;
			let mut slots = Vec::with_capacity(fresh.len() * SLOT_LEN);
			for (slot, _, node) in &fresh {
				let key = node_key(batch, slot);
				let sealed = self.crypto.seal_with(&mut nonces, &key, node)?;
				nodes.insert(&key[..], sealed.as_slice()).map_err(db_err)?;
				head.seals = head.seals.saturating_add(1);
				slots.extend_from_slice(slot);
			}
			if !slots.is_empty() {
				let mut index = txn.open_table(NODE_INDEX).map_err(db_err)?;
				index.insert(batch, slots.as_slice()).map_err(db_err)?;
			}
			head.seals = head.seals.saturating_add(1);
			if head.seals > MAX_SEALS_PER_KEY {
				return Err(Error::KeyExhausted);
			}
			let sealed_head = self.crypto.seal(HEAD.as_bytes(), &head.encode())?;
			let mut meta = txn.open_table(META).map_err(db_err)?;
			meta.insert(HEAD, sealed_head.as_slice()).map_err(db_err)?;
		}
		let t4 = std::time::Instant::now();
		txn.commit().map_err(db_err)?;
		log::debug!(
			target: "integritee-stf",
			"block {}: signatures {:?}, execution {:?}, root {:?}, sealing+insert {:?} ({} nodes), commit {:?}",
			block.0,
			t1 - t0,
			t2 - t1,
			t3 - t2,
			t4 - t3,
			fresh.len(),
			t4.elapsed()
		);
		self.unsynced = if durable { 0 } else { self.unsynced.saturating_add(1) };
		self.head = head;
		for (slot, _, _) in &fresh {
			self.index.insert(index_key(slot), batch);
		}
		if let Ok(mut cache) = self.cache.lock() {
			for (_, hash, node) in fresh {
				cache.insert(hash, node.as_slice().into());
			}
		}
		Ok(BlockOutcome {
			outcomes,
			executed_call_hashes: executed,
			new_unshields,
			state_root: new_root,
			total_issuance: issuance,
		})
	}

	/// Returns the state to the snapshot of block `block_number` (one of
	/// [`Self::snapshots`]); later snapshots are dropped. The next block to
	/// apply is `block_number + 1`.
	pub fn revert_to(&mut self, block_number: u32) -> Result<(), Error> {
		let pos = self
			.head
			.snapshots
			.iter()
			.position(|(n, _, _)| *n == block_number)
			.ok_or(Error::NoSnapshot(block_number))?;
		let mut head = self.head.clone();
		let (n, hash, root) = head.snapshots[pos];
		head.snapshots.truncate(pos + 1);
		head.root = root;
		head.last_block = Some((n, hash));
		head.seals = head.seals.saturating_add(1);
		let txn = self.db.begin_write().map_err(db_err)?;
		{
			let sealed_head = self.crypto.seal(HEAD.as_bytes(), &head.encode())?;
			let mut meta = txn.open_table(META).map_err(db_err)?;
			meta.insert(HEAD, sealed_head.as_slice()).map_err(db_err)?;
		}
		txn.commit().map_err(db_err)?;
		self.head = head;
		Ok(())
	}
}

/// Runs `f` (which uses `backend` through externalities) and turns a failed
/// node read, which the state machine reports by panicking, into an error.
fn run_guarded<R>(backend: &Backend<'_>, f: impl FnOnce() -> R) -> Result<R, Error> {
	let r = catch_unwind(AssertUnwindSafe(f));
	let failure = backend.essence().backend_storage().take_failure();
	match (r, failure) {
		(_, Some(e)) => Err(e),
		(Ok(r), None) => Ok(r),
		(Err(_), None) => Err(Error::State("execution panicked".into())),
	}
}

type Executed = (Vec<InputOutcome>, Vec<H256>, Vec<PendingUnshield>, Balance);

/// Executes checked inputs; runs inside externalities.
fn execute(inputs: Vec<(StfInput, bool)>) -> Executed {
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
					TrustedCall::BalanceUnshield { from, beneficiary, amount } => {
						let pending = PendingUnshield { call_hash, from, beneficiary, amount };
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
			StfInput::UnshieldFailed { call_hash } => {
				settled(call_hash, runtime::unshield_failed(call_hash))
			}
		};
		outcomes.push(outcome);
	}
	(outcomes, executed, new_unshields, runtime::total_issuance())
}

fn settled(call_hash: H256, s: Settle) -> InputOutcome {
	match s {
		Settle::Done => InputOutcome::Executed { call_hash },
		Settle::Unknown => InputOutcome::Rejected { reason: RejectReason::UnknownUnshield },
		Settle::Failed(e) => InputOutcome::Rejected { reason: RejectReason::DispatchFailed(e) },
	}
}

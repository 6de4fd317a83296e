//! The Raft log, vote and committed index in the shard's database.
//!
//! - `raft_log`: `index -> SCALE(StoredEntry)`;
//! - `raft_meta`: `vote`, `committed`, `purged` (SCALE), and the state
//!   machine's `applied` and `membership` ([`crate::state_machine`]).
//!
//! Every write is one durable redb transaction: when openraft is told an
//! append is done, it survives a crash.

use std::{collections::BTreeSet, fmt::Debug, ops::RangeBounds, sync::Arc};

use codec::{Decode, Encode};
use integritee_sidechain_primitives::SignedSidechainBlock;
use openraft::{
	storage::{LogFlushed, LogState, RaftLogStorage},
	AnyError, BasicNode, Entry, EntryPayload, LogId, Membership, RaftLogReader, StorageError,
	StorageIOError, Vote,
};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use crate::{NodeId, SidechainRaft};

pub(crate) const RAFT_LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("raft_log");
pub(crate) const RAFT_META: TableDefinition<&str, &[u8]> = TableDefinition::new("raft_meta");

const VOTE: &str = "vote";
const COMMITTED: &str = "committed";
const PURGED: &str = "purged";

pub(crate) type StorageResult<T> = Result<T, StorageError<NodeId>>;

/// A log id as stored: (term, leader node, index).
#[derive(Encode, Decode, Clone, Copy)]
pub(crate) struct StoredLogId {
	term: u64,
	node_id: NodeId,
	index: u64,
}

impl From<LogId<NodeId>> for StoredLogId {
	fn from(id: LogId<NodeId>) -> Self {
		Self { term: id.leader_id.term, node_id: id.leader_id.node_id, index: id.index }
	}
}

impl From<StoredLogId> for LogId<NodeId> {
	fn from(id: StoredLogId) -> Self {
		LogId::new(openraft::CommittedLeaderId::new(id.term, id.node_id), id.index)
	}
}

/// A membership as stored: the (joint) voter sets and the nodes' addresses.
#[derive(Encode, Decode, Clone)]
pub(crate) struct StoredMembership {
	configs: Vec<Vec<NodeId>>,
	nodes: Vec<(NodeId, String)>,
}

impl From<&Membership<NodeId, BasicNode>> for StoredMembership {
	fn from(m: &Membership<NodeId, BasicNode>) -> Self {
		Self {
			configs: m.get_joint_config().iter().map(|c| c.iter().copied().collect()).collect(),
			nodes: m.nodes().map(|(id, node)| (*id, node.addr.clone())).collect(),
		}
	}
}

impl From<StoredMembership> for Membership<NodeId, BasicNode> {
	fn from(m: StoredMembership) -> Self {
		let configs = m.configs.into_iter().map(|c| c.into_iter().collect::<BTreeSet<_>>());
		let nodes = m.nodes.into_iter().map(|(id, addr)| (id, BasicNode::new(addr)));
		Membership::new(configs.collect(), nodes.collect::<std::collections::BTreeMap<_, _>>())
	}
}

#[derive(Encode, Decode)]
enum StoredPayload {
	Blank,
	Block(Box<SignedSidechainBlock>),
	Membership(StoredMembership),
}

#[derive(Encode, Decode)]
struct StoredEntry {
	log_id: StoredLogId,
	payload: StoredPayload,
}

pub(crate) fn encode_entry(entry: &Entry<SidechainRaft>) -> Vec<u8> {
	let payload = match &entry.payload {
		EntryPayload::Blank => StoredPayload::Blank,
		EntryPayload::Normal(block) => StoredPayload::Block(Box::new(block.clone())),
		EntryPayload::Membership(m) => StoredPayload::Membership(m.into()),
	};
	StoredEntry { log_id: entry.log_id.into(), payload }.encode()
}

pub(crate) fn decode_entry(mut bytes: &[u8]) -> Option<Entry<SidechainRaft>> {
	let stored = StoredEntry::decode(&mut bytes).ok()?;
	let payload = match stored.payload {
		StoredPayload::Blank => EntryPayload::Blank,
		StoredPayload::Block(block) => EntryPayload::Normal(*block),
		StoredPayload::Membership(m) => EntryPayload::Membership(m.into()),
	};
	Some(Entry { log_id: stored.log_id.into(), payload })
}

pub(crate) fn io(e: impl std::fmt::Display) -> AnyError {
	AnyError::error(e.to_string())
}

/// Reads `key` of `raft_meta` and decodes it.
pub(crate) fn read_meta<T: Decode>(db: &redb::Database, key: &str) -> Result<Option<T>, AnyError> {
	let txn = db.begin_read().map_err(io)?;
	let table = match txn.open_table(RAFT_META) {
		Ok(table) => table,
		Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
		Err(e) => return Err(io(e)),
	};
	let Some(bytes) = table.get(key).map_err(io)? else { return Ok(None) };
	T::decode(&mut bytes.value())
		.map(Some)
		.map_err(|_| AnyError::error(format!("raft_meta `{key}` does not decode")))
}

/// Writes `key` of `raft_meta` (one durable transaction).
pub(crate) fn write_meta(db: &redb::Database, key: &str, value: &[u8]) -> Result<(), AnyError> {
	let txn = db.begin_write().map_err(io)?;
	txn.open_table(RAFT_META).map_err(io)?.insert(key, value).map_err(io)?;
	txn.commit().map_err(io)
}

/// The Raft log store over the shard's database.
#[derive(Clone)]
pub struct LogStore {
	db: Arc<redb::Database>,
}

impl LogStore {
	pub fn new(db: Arc<redb::Database>) -> Result<Self, redb::Error> {
		let txn = db.begin_write()?;
		txn.open_table(RAFT_LOG)?;
		txn.open_table(RAFT_META)?;
		txn.commit()?;
		Ok(Self { db })
	}

	fn last_entry_id(&self) -> Result<Option<LogId<NodeId>>, AnyError> {
		let txn = self.db.begin_read().map_err(io)?;
		let table = txn.open_table(RAFT_LOG).map_err(io)?;
		let Some((_, bytes)) = table.last().map_err(io)? else { return Ok(None) };
		let entry = decode_entry(bytes.value())
			.ok_or_else(|| AnyError::error("the last Raft log entry does not decode"))?;
		Ok(Some(entry.log_id))
	}
}

impl RaftLogReader<SidechainRaft> for LogStore {
	async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
		&mut self,
		range: RB,
	) -> StorageResult<Vec<Entry<SidechainRaft>>> {
		let read = || -> Result<Vec<Entry<SidechainRaft>>, AnyError> {
			let txn = self.db.begin_read().map_err(io)?;
			let table = txn.open_table(RAFT_LOG).map_err(io)?;
			let mut entries = Vec::new();
			for item in table.range(range.clone()).map_err(io)? {
				let (index, bytes) = item.map_err(io)?;
				let entry = decode_entry(bytes.value()).ok_or_else(|| {
					AnyError::error(format!("Raft log entry {} does not decode", index.value()))
				})?;
				entries.push(entry);
			}
			Ok(entries)
		};
		read().map_err(|e| StorageIOError::read_logs(e).into())
	}
}

impl RaftLogStorage<SidechainRaft> for LogStore {
	type LogReader = Self;

	async fn get_log_state(&mut self) -> StorageResult<LogState<SidechainRaft>> {
		let purged: Option<StoredLogId> =
			read_meta(&self.db, PURGED).map_err(StorageIOError::read_logs)?;
		let purged = purged.map(LogId::from);
		let last = self.last_entry_id().map_err(StorageIOError::read_logs)?.or(purged);
		Ok(LogState { last_purged_log_id: purged, last_log_id: last })
	}

	async fn get_log_reader(&mut self) -> Self::LogReader {
		self.clone()
	}

	async fn save_vote(&mut self, vote: &Vote<NodeId>) -> StorageResult<()> {
		let stored = (vote.leader_id.term, vote.leader_id.node_id, vote.committed);
		write_meta(&self.db, VOTE, &stored.encode())
			.map_err(|e| StorageIOError::write_vote(e).into())
	}

	async fn read_vote(&mut self) -> StorageResult<Option<Vote<NodeId>>> {
		let stored: Option<(u64, NodeId, bool)> =
			read_meta(&self.db, VOTE).map_err(StorageIOError::read_vote)?;
		Ok(stored.map(|(term, node_id, committed)| {
			let vote = Vote::new(term, node_id);
			if committed {
				Vote::new_committed(term, node_id)
			} else {
				vote
			}
		}))
	}

	async fn save_committed(&mut self, committed: Option<LogId<NodeId>>) -> StorageResult<()> {
		let stored = committed.map(StoredLogId::from);
		write_meta(&self.db, COMMITTED, &stored.encode())
			.map_err(|e| StorageIOError::write(e).into())
	}

	async fn read_committed(&mut self) -> StorageResult<Option<LogId<NodeId>>> {
		let stored: Option<Option<StoredLogId>> =
			read_meta(&self.db, COMMITTED).map_err(StorageIOError::read)?;
		Ok(stored.flatten().map(LogId::from))
	}

	async fn append<I>(
		&mut self,
		entries: I,
		callback: LogFlushed<SidechainRaft>,
	) -> StorageResult<()>
	where
		I: IntoIterator<Item = Entry<SidechainRaft>> + Send,
		I::IntoIter: Send,
	{
		let write = || -> Result<(), AnyError> {
			let txn = self.db.begin_write().map_err(io)?;
			{
				let mut table = txn.open_table(RAFT_LOG).map_err(io)?;
				for entry in entries {
					table
						.insert(entry.log_id.index, encode_entry(&entry).as_slice())
						.map_err(io)?;
				}
			}
			txn.commit().map_err(io)
		};
		match write() {
			Ok(()) => {
				callback.log_io_completed(Ok(()));
				Ok(())
			}
			Err(e) => {
				callback.log_io_completed(Err(std::io::Error::other(e.to_string())));
				Err(StorageIOError::write_logs(e).into())
			}
		}
	}

	async fn truncate(&mut self, log_id: LogId<NodeId>) -> StorageResult<()> {
		let remove = || -> Result<(), AnyError> {
			let txn = self.db.begin_write().map_err(io)?;
			txn.open_table(RAFT_LOG)
				.map_err(io)?
				.retain_in(log_id.index.., |_, _| false)
				.map_err(io)?;
			txn.commit().map_err(io)
		};
		remove().map_err(|e| StorageIOError::write_logs(e).into())
	}

	async fn purge(&mut self, log_id: LogId<NodeId>) -> StorageResult<()> {
		let remove = || -> Result<(), AnyError> {
			let txn = self.db.begin_write().map_err(io)?;
			{
				let mut meta = txn.open_table(RAFT_META).map_err(io)?;
				meta.insert(PURGED, StoredLogId::from(log_id).encode().as_slice()).map_err(io)?;
				let mut table = txn.open_table(RAFT_LOG).map_err(io)?;
				table.retain_in(..=log_id.index, |_, _| false).map_err(io)?;
			}
			txn.commit().map_err(io)
		};
		remove().map_err(|e| StorageIOError::write_logs(e).into())
	}
}

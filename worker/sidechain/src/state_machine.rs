//! The Raft state machine: committed blocks go to the [`BlockSink`] in
//! order; the last applied entry and the membership are recorded in
//! `raft_meta` after each batch.

use std::{io::Cursor, sync::Arc};

use codec::Encode;
use integritee_sidechain_primitives::SignedSidechainBlock;
use openraft::{
	storage::{RaftStateMachine, Snapshot},
	AnyError, BasicNode, Entry, EntryPayload, LogId, RaftSnapshotBuilder, SnapshotMeta,
	StorageError, StorageIOError, StoredMembership,
};

use crate::{
	log_store::{io, read_meta, write_meta, StorageResult, StoredLogId},
	Applied, NodeId, SidechainRaft,
};

const APPLIED: &str = "applied";
const MEMBERSHIP: &str = "membership";

/// Where committed blocks go: the host's adapter over the trusted core,
/// which checks the block and persists it with its state change in one
/// transaction.
pub trait BlockSink: Send + Sync + 'static {
	/// Applies a committed block. Must be idempotent: a block already
	/// committed is a no-op (openraft may re-apply the last entries after a
	/// crash). An error stops the replication (the block is committed by
	/// Raft, so skipping it would fork this member's state).
	fn apply(&self, block: &SignedSidechainBlock) -> Result<(), String>;
}

/// The state machine over a [`BlockSink`].
pub struct StateMachine {
	db: Arc<redb::Database>,
	sink: Arc<dyn BlockSink>,
}

impl StateMachine {
	pub fn new(db: Arc<redb::Database>, sink: Arc<dyn BlockSink>) -> Self {
		Self { db, sink }
	}
}

fn no_snapshots() -> StorageError<NodeId> {
	StorageIOError::read_snapshot(
		None,
		AnyError::error(
			"Raft snapshots are not produced yet (one-member shards; joining members come with \
			 provisioning)",
		),
	)
	.into()
}

impl RaftSnapshotBuilder<SidechainRaft> for StateMachine {
	async fn build_snapshot(&mut self) -> StorageResult<Snapshot<SidechainRaft>> {
		Err(no_snapshots())
	}
}

impl RaftStateMachine<SidechainRaft> for StateMachine {
	type SnapshotBuilder = Self;

	async fn applied_state(
		&mut self,
	) -> StorageResult<(Option<LogId<NodeId>>, StoredMembership<NodeId, BasicNode>)> {
		let applied: Option<StoredLogId> =
			read_meta(&self.db, APPLIED).map_err(StorageIOError::read_state_machine)?;
		let membership: Option<(Option<StoredLogId>, crate::log_store::StoredMembership)> =
			read_meta(&self.db, MEMBERSHIP).map_err(StorageIOError::read_state_machine)?;
		let membership = match membership {
			Some((log_id, m)) => StoredMembership::new(log_id.map(LogId::from), m.into()),
			None => StoredMembership::default(),
		};
		Ok((applied.map(LogId::from), membership))
	}

	async fn apply<I>(&mut self, entries: I) -> StorageResult<Vec<Applied>>
	where
		I: IntoIterator<Item = Entry<SidechainRaft>> + Send,
		I::IntoIter: Send,
	{
		let mut results = Vec::new();
		let mut last = None;
		let mut membership: Option<(Option<StoredLogId>, crate::log_store::StoredMembership)> =
			None;
		for entry in entries {
			last = Some(entry.log_id);
			match entry.payload {
				EntryPayload::Blank => results.push(None),
				EntryPayload::Membership(m) => {
					membership = Some((Some(StoredLogId::from(entry.log_id)), (&m).into()));
					results.push(None);
				}
				EntryPayload::Normal(block) => {
					let sink = self.sink.clone();
					let log_id = entry.log_id;
					let (number, hash) = (block.header.number, block.header.hash());
					tokio::task::spawn_blocking(move || sink.apply(&block))
						.await
						.map_err(io)
						.and_then(|r| r.map_err(AnyError::error))
						.map_err(|e| StorageIOError::apply(log_id, e))?;
					results.push(Some((number, hash)));
				}
			}
		}
		let record = || -> Result<(), AnyError> {
			if let Some(m) = &membership {
				write_meta(&self.db, MEMBERSHIP, &m.encode())?;
			}
			if let Some(last) = last {
				write_meta(&self.db, APPLIED, &StoredLogId::from(last).encode())?;
			}
			Ok(())
		};
		record().map_err(StorageIOError::write_state_machine)?;
		Ok(results)
	}

	async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
		Self { db: self.db.clone(), sink: self.sink.clone() }
	}

	async fn begin_receiving_snapshot(&mut self) -> StorageResult<Box<Cursor<Vec<u8>>>> {
		Err(no_snapshots())
	}

	async fn install_snapshot(
		&mut self,
		_meta: &SnapshotMeta<NodeId, BasicNode>,
		_snapshot: Box<Cursor<Vec<u8>>>,
	) -> StorageResult<()> {
		Err(no_snapshots())
	}

	async fn get_current_snapshot(&mut self) -> StorageResult<Option<Snapshot<SidechainRaft>>> {
		Ok(None)
	}
}

//! Replication of a shard's sidechain on openraft 0.9. See the README for
//! what this crate owns and must not touch.
//!
//! A sidechain block is one Raft log entry. [`Sidechain::propose`] appends
//! a block the trusted core produced and returns once Raft committed it and
//! the [`BlockSink`] applied it: only then may the host act on it (statuses,
//! payouts, confirmations).
#![forbid(unsafe_code)]

mod log_store;
mod network;
mod state_machine;

use std::{collections::BTreeMap, io::Cursor, sync::Arc, time::Duration};

use integritee_sidechain_primitives::{SignedSidechainBlock, H256};
use openraft::{BasicNode, Config, Raft, ServerState, SnapshotPolicy};

pub use log_store::LogStore;
pub use network::NoPeers;
pub use state_machine::{BlockSink, StateMachine};

/// A member's Raft node id.
pub type NodeId = u64;

/// What applying an entry gave: the block (number, header hash), or `None`
/// for Raft's own entries (blank, membership).
pub type Applied = Option<(u64, H256)>;

openraft::declare_raft_types!(
	/// openraft's types for a shard's sidechain.
	pub SidechainRaft:
		D = SignedSidechainBlock,
		R = Applied,
		NodeId = NodeId,
		Node = BasicNode,
);

/// The node id of the member whose enclave signer is `signer` (its first
/// eight bytes): stable across restarts, distinct between enclaves.
pub fn node_id(signer: &[u8; 32]) -> NodeId {
	let mut bytes = [0u8; 8];
	bytes.copy_from_slice(&signer[..8]);
	u64::from_le_bytes(bytes)
}

/// Why replication failed.
#[derive(Debug, thiserror::Error)]
pub enum ReplicationError {
	#[error("the shard database: {0}")]
	Storage(String),
	#[error("Raft: {0}")]
	Raft(String),
	#[error("this member is not the leader (leader: {leader:?}); it does not propose blocks")]
	NotLeader { leader: Option<NodeId> },
	#[error("no leader was elected within {0:?}")]
	NoLeader(Duration),
}

/// A member's role, for health.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
	Leader,
	Follower,
	Candidate,
	Learner,
	Stopped,
}

impl Role {
	pub fn as_str(&self) -> &'static str {
		match self {
			Role::Leader => "leader",
			Role::Follower => "follower",
			Role::Candidate => "candidate",
			Role::Learner => "learner",
			Role::Stopped => "stopped",
		}
	}
}

/// What health reports of the replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RaftStatus {
	pub term: u64,
	pub role: Role,
	pub leader: Option<NodeId>,
	/// Index of the last applied Raft log entry.
	pub last_applied: Option<u64>,
}

/// Raft timing: heartbeats and election timeouts (milliseconds).
#[derive(Clone, Copy, Debug)]
pub struct Timings {
	pub heartbeat_ms: u64,
	pub election_timeout_min_ms: u64,
	pub election_timeout_max_ms: u64,
}

impl Default for Timings {
	fn default() -> Self {
		Self { heartbeat_ms: 100, election_timeout_min_ms: 300, election_timeout_max_ms: 600 }
	}
}

/// One member's replication of a shard's sidechain.
pub struct Sidechain {
	raft: Raft<SidechainRaft>,
	node_id: NodeId,
}

impl Sidechain {
	/// Starts the member over the shard's database `db`, applying committed
	/// blocks to `sink`. A member that never ran initialises a one-voter
	/// cluster of itself (`address` is what it advertises to peers).
	/// Committed entries not yet applied (a crash in between) are applied
	/// before this returns.
	pub async fn start(
		node_id: NodeId,
		address: String,
		db: Arc<redb::Database>,
		sink: Arc<dyn BlockSink>,
		timings: Timings,
	) -> Result<Self, ReplicationError> {
		let config = Config {
			cluster_name: "integritee-sidechain".into(),
			heartbeat_interval: timings.heartbeat_ms,
			election_timeout_min: timings.election_timeout_min_ms,
			election_timeout_max: timings.election_timeout_max_ms,
			snapshot_policy: SnapshotPolicy::Never,
			..Default::default()
		}
		.validate()
		.map_err(|e| ReplicationError::Raft(e.to_string()))?;
		let log_store =
			LogStore::new(db.clone()).map_err(|e| ReplicationError::Storage(e.to_string()))?;
		let state_machine = StateMachine::new(db, sink);
		let raft = Raft::new(node_id, Arc::new(config), NoPeers, log_store, state_machine)
			.await
			.map_err(|e| ReplicationError::Raft(e.to_string()))?;
		let initialized =
			raft.is_initialized().await.map_err(|e| ReplicationError::Raft(e.to_string()))?;
		if !initialized {
			let members = BTreeMap::from([(node_id, BasicNode::new(address))]);
			raft.initialize(members).await.map_err(|e| ReplicationError::Raft(e.to_string()))?;
			log::info!("sidechain: initialised a one-member Raft cluster (node {node_id})");
		}
		Ok(Self { raft, node_id })
	}

	pub fn node_id(&self) -> NodeId {
		self.node_id
	}

	/// Waits until some member leads (this one, in a one-member shard).
	pub async fn wait_for_leader(&self, timeout: Duration) -> Result<NodeId, ReplicationError> {
		let metrics = self
			.raft
			.wait(Some(timeout))
			.metrics(|m| m.current_leader.is_some(), "a leader is elected")
			.await
			.map_err(|_| ReplicationError::NoLeader(timeout))?;
		metrics.current_leader.ok_or(ReplicationError::NoLeader(timeout))
	}

	/// Term, role, leader and last applied entry.
	pub fn status(&self) -> RaftStatus {
		let metrics = self.raft.metrics().borrow().clone();
		let role = match metrics.state {
			ServerState::Leader => Role::Leader,
			ServerState::Follower => Role::Follower,
			ServerState::Candidate => Role::Candidate,
			ServerState::Learner => Role::Learner,
			ServerState::Shutdown => Role::Stopped,
		};
		RaftStatus {
			term: metrics.current_term,
			role,
			leader: metrics.current_leader,
			last_applied: metrics.last_applied.map(|id| id.index),
		}
	}

	/// Whether this member leads in the current term.
	pub fn is_leader(&self) -> bool {
		let metrics = self.raft.metrics();
		let metrics = metrics.borrow();
		metrics.state == ServerState::Leader && metrics.current_leader == Some(self.node_id)
	}

	/// Replicates `block` and returns once Raft committed it and the sink
	/// applied it.
	pub async fn propose(&self, block: SignedSidechainBlock) -> Result<(), ReplicationError> {
		self.raft.client_write(block).await.map(|_| ()).map_err(|e| match e.forward_to_leader() {
			Some(forward) => ReplicationError::NotLeader { leader: forward.leader_id },
			None => ReplicationError::Raft(e.to_string()),
		})
	}

	/// Resolves once the replication stopped for good (a storage error or a
	/// block the sink refused is fatal in Raft: the member must not go on
	/// without it), with the reason.
	pub async fn stopped(&self) -> String {
		let mut metrics = self.raft.metrics();
		loop {
			let state = metrics.borrow().running_state.clone();
			if let Err(fatal) = state {
				return fatal.to_string();
			}
			if metrics.changed().await.is_err() {
				return "the Raft core ended".into();
			}
		}
	}

	/// Stops the Raft tasks.
	pub async fn shutdown(&self) {
		if let Err(e) = self.raft.shutdown().await {
			log::warn!("sidechain: Raft shutdown: {e}");
		}
	}
}

// `declare_raft_types!` names `Cursor` unqualified for the snapshot data.
const _: Option<Cursor<Vec<u8>>> = None;

#[cfg(test)]
mod tests;

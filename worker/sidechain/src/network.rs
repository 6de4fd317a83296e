//! The network of a one-member shard: it has no peers. openraft never calls
//! a client in a one-voter cluster (it votes for itself locally and has no
//! one to replicate to); should it, the answer is "unreachable". Members
//! talking over RA-TLS come with multi-member shards.

use openraft::{
	error::{InstallSnapshotError, RPCError, RaftError, Unreachable},
	network::{RPCOption, RaftNetwork, RaftNetworkFactory},
	raft::{
		AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest,
		InstallSnapshotResponse, VoteRequest, VoteResponse,
	},
	AnyError, BasicNode,
};

use crate::{NodeId, SidechainRaft};

/// A network without peers.
pub struct NoPeers;

/// A client of a peer this member cannot reach.
pub struct PeerClient {
	target: NodeId,
}

impl PeerClient {
	fn error<E: std::error::Error>(&self) -> RPCError<NodeId, BasicNode, E> {
		let e = AnyError::error(format!(
			"node {} is not reachable: this worker runs a one-member shard",
			self.target
		));
		RPCError::Unreachable(Unreachable::from(e))
	}
}

impl RaftNetworkFactory<SidechainRaft> for NoPeers {
	type Network = PeerClient;

	async fn new_client(&mut self, target: NodeId, _node: &BasicNode) -> Self::Network {
		PeerClient { target }
	}
}

impl RaftNetwork<SidechainRaft> for PeerClient {
	async fn append_entries(
		&mut self,
		_rpc: AppendEntriesRequest<SidechainRaft>,
		_option: RPCOption,
	) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
		Err(self.error())
	}

	async fn install_snapshot(
		&mut self,
		_rpc: InstallSnapshotRequest<SidechainRaft>,
		_option: RPCOption,
	) -> Result<
		InstallSnapshotResponse<NodeId>,
		RPCError<NodeId, BasicNode, RaftError<NodeId, InstallSnapshotError>>,
	> {
		Err(self.error())
	}

	async fn vote(
		&mut self,
		_rpc: VoteRequest<NodeId>,
		_option: RPCOption,
	) -> Result<VoteResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
		Err(self.error())
	}
}

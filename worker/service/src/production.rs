//! Sidechain blocks: the leader's production loop and the sink that hands
//! the blocks Raft committed to the trusted core.
//!
//! Effects outside the sidechain come only from committed blocks: the sink
//! forwards the core's report of each block it committed to
//! [`crate::effects`]; the sidechain is anchored on the parent chain by
//! [`crate::anchoring`].

use std::{
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use integritee_enclave::{
	sidechain::{ed25519, SidechainHeader, SignedSidechainBlock},
	BlockLimits, BlockReport, Error as CoreError,
};
use integritee_sidechain::{BlockSink, ReplicationError, Sidechain};
use tokio::sync::{mpsc, Notify};

use crate::{
	args::Args,
	health::{Component, Health},
	lock, now_ms, read,
	submitter::Submitter,
	watch::Watchers,
	SharedEnclave,
};

/// Why the production loop stopped (its supervisor restarts it).
#[derive(Debug, thiserror::Error)]
pub enum ProductionError {
	#[error("the block production task died: {0}")]
	Task(tokio::task::JoinError),
	#[error("cannot produce a sidechain block: {0}")]
	Propose(CoreError),
	#[error("sidechain block #{number}: {source}")]
	Replicate { number: u64, source: ReplicationError },
}

/// What the production and anchoring loops work with.
#[derive(Clone)]
pub struct Context {
	pub args: Args,
	pub enclave: SharedEnclave,
	pub sidechain: Arc<Sidechain>,
	pub health: Health,
	pub submitter: Submitter,
	/// Notified when an import queued inputs.
	pub imported: Arc<Notify>,
	/// Notified when a committed block leaves unshields waiting for an
	/// anchor (their payouts wait for it): anchor without waiting for the
	/// next period.
	pub anchor_now: Arc<Notify>,
}

/// The latest committed sidechain header with its author's signature, for
/// `chain_getHeader` (read without the trusted core's lock), and its
/// number as a watch, which getters waiting for their `min_block` await
/// (no polling of the core).
#[derive(Clone, Default)]
pub struct LatestHeader {
	header: Arc<Mutex<Option<(SidechainHeader, ed25519::Signature)>>>,
	number: tokio::sync::watch::Sender<u64>,
}

impl LatestHeader {
	pub fn get(&self) -> Option<(SidechainHeader, ed25519::Signature)> {
		self.header.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
	}

	/// The number of the latest committed block (0 before the first), as a
	/// watch that changes after each commit.
	pub fn number(&self) -> tokio::sync::watch::Receiver<u64> {
		self.number.subscribe()
	}

	pub(crate) fn set(&self, block: &SignedSidechainBlock) {
		*self.header.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
			Some((block.header.clone(), block.signature));
		self.number.send_replace(block.header.number);
	}
}

/// Hands blocks Raft committed to the trusted core, which checks them and
/// commits each with its state change in one transaction.
pub struct CoreSink {
	enclave: SharedEnclave,
	latest: LatestHeader,
	health: Health,
	watchers: Watchers,
	reports: mpsc::UnboundedSender<BlockReport>,
}

impl CoreSink {
	pub fn new(
		enclave: SharedEnclave,
		latest: LatestHeader,
		health: Health,
		watchers: Watchers,
	) -> (Self, mpsc::UnboundedReceiver<BlockReport>) {
		let (reports, receiver) = mpsc::unbounded_channel();
		if let Ok(Some(block)) = lock(&enclave).latest_block() {
			latest.set(&block);
		}
		(Self { enclave, latest, health, watchers, reports }, receiver)
	}
}

impl BlockSink for CoreSink {
	/// `Result<(), String>`: the signature of `integritee_sidechain`'s
	/// trait, which only passes the reason on (it stops the replication).
	fn apply(&self, block: &SignedSidechainBlock) -> Result<(), String> {
		let (report, queued) = {
			let mut core = lock(&self.enclave);
			let report = core.commit_block(block).map_err(|e| e.to_string())?;
			(report, core.queued_blocks().unwrap_or_default())
		};
		self.latest.set(block);
		self.watchers.block_committed(block, &report.pool_changes);
		self.health.update_sidechain(|sidechain| {
			sidechain.block_number = report.number;
			sidechain.block_hash = format!("{:?}", report.hash);
			sidechain.queued_parent_blocks = queued;
		});
		if !report.already_committed {
			// The receiver lives as long as the worker; if it is gone, the
			// worker is stopping.
			let _ = self.reports.send(report);
		}
		Ok(())
	}
}

/// The leader's loop: every `--block-interval-ms` (or at once when an
/// import queued inputs) the core proposes a block of the queued inputs, or
/// a heartbeat block every `--heartbeat-secs`, and Raft commits it.
pub async fn produce(context: Context) -> Result<(), ProductionError> {
	let Context { args, enclave, sidechain, health, imported, .. } = context;
	let interval = Duration::from_millis(args.block_interval_ms);
	let heartbeat = Duration::from_secs(args.heartbeat_secs);
	let limits = BlockLimits {
		max_inputs: args.max_block_inputs as usize,
		max_direct_calls: args.max_block_direct_calls as usize,
	};
	let mut last_block = Instant::now();
	loop {
		tokio::select! {
			_ = tokio::time::sleep(interval) => {}
			_ = imported.notified() => {}
		}
		let status = sidechain.status();
		health.update_sidechain(|s| {
			s.raft_term = status.term;
			s.raft_role = status.role.as_str().into();
		});
		if !sidechain.is_leader() {
			continue;
		}
		let heartbeat_due = last_block.elapsed() >= heartbeat;
		let proposed = {
			let enclave = enclave.clone();
			tokio::task::spawn_blocking(move || {
				read(&enclave).propose_block(status.term, limits, heartbeat_due, now_ms())
			})
			.await
			.map_err(ProductionError::Task)?
		};
		let block = match proposed {
			Ok(Some(block)) => block,
			Ok(None) => continue,
			// Refusals the health report shows (another member serves, a
			// rollback): the core keeps following the chain meanwhile.
			Err(CoreError::Refused(refused)) => {
				health.set_problem(Component::Production, Some(refused.to_string()));
				continue;
			}
			Err(CoreError::Rollback(rollback)) => {
				health.set_problem(Component::Rollback, Some(rollback.to_string()));
				continue;
			}
			Err(e) => return Err(ProductionError::Propose(e)),
		};
		health.set_problem(Component::Production, None);
		let (number, inputs) = (block.header.number, block.body.calls.len());
		let started = Instant::now();
		sidechain
			.propose(block)
			.await
			.map_err(|source| ProductionError::Replicate { number, source })?;
		last_block = Instant::now();
		if inputs > 0 {
			log::info!(
				"sidechain block #{number} committed: {inputs} inputs, replicated and applied in {:?}",
				started.elapsed()
			);
		}
	}
}

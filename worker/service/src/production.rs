//! Sidechain blocks: the leader's production loop, the sink that hands
//! committed blocks to the trusted core, the effects of committed blocks
//! (confirmations, payouts, health) and the anchoring of the sidechain on
//! the parent chain.
//!
//! Effects outside the sidechain come only from committed blocks: the sink
//! forwards the core's report of each block it committed to [`effects`].

use std::{
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use integritee_enclave::{
	sidechain::{ed25519, SidechainHeader, SignedSidechainBlock},
	BlockLimits, BlockReport, EnclaveCall, Error as CoreError,
};
use integritee_sidechain::{BlockSink, Sidechain};
use tokio::sync::{mpsc, Notify};

use crate::{
	args::Args,
	health::Health,
	lock, now_ms, read,
	submitter::Submitter,
	sync::{invariant_problem, ROLLBACK},
	watch::Watchers,
	SharedEnclave,
};

const PRODUCTION: &str = "block production";

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
}
const ANCHORING: &str = "sidechain anchoring";

/// The latest committed sidechain header with its author's signature, for
/// `chain_getHeader` (read without the trusted core's lock).
#[derive(Clone, Default)]
pub struct LatestHeader(Arc<Mutex<Option<(SidechainHeader, ed25519::Signature)>>>);

impl LatestHeader {
	pub fn get(&self) -> Option<(SidechainHeader, ed25519::Signature)> {
		self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
	}

	fn set(&self, block: &SignedSidechainBlock) {
		*self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
			Some((block.header.clone(), block.signature));
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
pub async fn produce(context: Context) -> Result<(), String> {
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
			.map_err(|e| format!("the block production task died: {e}"))?
		};
		let block = match proposed {
			Ok(Some(block)) => block,
			Ok(None) => continue,
			// Refusals the health report shows (another member serves, a
			// rollback): the core keeps following the chain meanwhile.
			Err(CoreError::Refused(refused)) => {
				health.set_problem(PRODUCTION, Some(refused.to_string()));
				continue;
			}
			Err(CoreError::Rollback(rollback)) => {
				health.set_problem(ROLLBACK, Some(rollback.to_string()));
				continue;
			}
			Err(e) => return Err(format!("cannot produce a sidechain block: {e}")),
		};
		health.set_problem(PRODUCTION, None);
		let (number, inputs) = (block.header.number, block.body.calls.len());
		let started = Instant::now();
		sidechain.propose(block).await.map_err(|e| format!("sidechain block #{number}: {e}"))?;
		last_block = Instant::now();
		if inputs > 0 {
			log::info!(
				"sidechain block #{number} committed: {inputs} inputs, replicated and applied in {:?}",
				started.elapsed()
			);
		}
	}
}

/// Acts on committed blocks: health, confirmations of processed parent
/// blocks (after executed calls, else every `--confirm-every` parent
/// blocks) and the payouts of pending unshields.
pub async fn effects(
	args: Args,
	health: Health,
	submitter: Submitter,
	mut reports: mpsc::UnboundedReceiver<BlockReport>,
) -> Result<(), String> {
	// Not remembered across restarts: the first block after a start is
	// confirmed at once (the core's unconfirmed calls survive restarts).
	let mut last_confirmed = 0u32;
	while let Some(report) = reports.recv().await {
		let (number, hash) = report.parentchain_anchor;
		health.set_progress(number, health.finalized());
		if let Some(invariant) = report.invariant {
			health.set_problem("invariant", invariant_problem(invariant));
		}
		for reason in &report.rejected {
			log::warn!("sidechain block #{}: input not executed: {reason}", report.number);
		}
		for expired in &report.expired_unshields {
			log::warn!(
				"unshield {:?} of {} expired unpaid at parent block {}: refunded to the sender",
				expired.call_hash,
				expired.amount,
				expired.expires_at
			);
		}
		if report.calls_executed > 0 {
			log::info!(
				"sidechain block #{} (parent block {number}): executed {} calls",
				report.number,
				report.calls_executed
			);
		}
		// The core decides what a confirmation says; the host only when.
		let due = number >= last_confirmed.saturating_add(args.confirm_every);
		if (report.calls_executed > 0 && report.unconfirmed_calls > 0) || due {
			let what = format!("confirmation of parent block {number} ({hash:?})");
			match submitter.submit(EnclaveCall::ConfirmProcessed, what).await {
				Ok(()) => last_confirmed = number,
				Err(e) => log::warn!("{e}"),
			}
		}
		if let Err(e) =
			submitter.submit_unshields(&report.pending_unshields, health.finalized()).await
		{
			log::warn!("unshield submission: {e}");
		}
	}
	Err("the committed-block channel closed".into())
}

/// Anchors the latest committed block on the parent chain every
/// `--anchor-every-secs`, naming the proven latest anchor as its ancestor
/// (the core reads it from the verified proofs of imported blocks; until
/// one is imported in this run, nothing is sent). A submission is repeated
/// only once the proven anchor moved or a minute passed.
pub async fn anchor(context: Context) -> Result<(), String> {
	let Context { args, enclave, sidechain, health, submitter, .. } = context;
	let every = Duration::from_secs(args.anchor_every_secs);
	let mut sent: Option<(u64, Instant)> = None;
	loop {
		tokio::time::sleep(every).await;
		if !sidechain.is_leader() {
			continue;
		}
		let (tip, anchored) = {
			let core = read(&enclave);
			(core.sidechain_tip().number, core.anchored())
		};
		let Some(anchored) = anchored else { continue };
		let anchored_number = anchored.map_or(0, |a| a.block_number);
		if tip <= anchored_number {
			continue;
		}
		let waiting = sent.is_some_and(|(number, at)| {
			number > anchored_number && at.elapsed() < Duration::from_secs(60)
		});
		if waiting {
			continue;
		}
		let what = format!("anchor of sidechain block #{tip}");
		match submitter.submit(EnclaveCall::ConfirmSidechainBlock, what).await {
			Ok(()) => {
				sent = Some((tip, Instant::now()));
				health.set_problem(ANCHORING, None);
			}
			Err(e) => {
				log::warn!("{e}");
				health.set_problem(ANCHORING, Some(e));
			}
		}
	}
}

//! Acting on committed sidechain blocks, from the trusted core's report of
//! each (sent by [`crate::production::CoreSink`]): health (progress,
//! invariant), logs of refused inputs and refunds, confirmations of
//! processed parent blocks and the payouts of pending unshields. Nothing
//! here acts on a block before Raft committed it.

use integritee_enclave::{BlockReport, EnclaveCall};
use std::sync::Arc;

use tokio::sync::{mpsc, Notify};

use crate::{
	args::Args,
	health::{invariant_problem, Component, Health},
	submitter::Submitter,
};

/// Why acting on committed blocks stopped.
#[derive(Debug, thiserror::Error)]
pub enum EffectsError {
	/// The block sink is gone: the sidechain stopped.
	#[error("the committed-block channel closed")]
	ChannelClosed,
}

/// Acts on committed blocks: health, confirmations of processed parent
/// blocks (after executed calls, else every `--confirm-every` parent
/// blocks) and the payouts of pending unshields the parent chain anchors
/// (for the others it asks the anchoring for an anchor now). Returns only when the
/// channel of reports closes.
pub async fn run(
	args: Args,
	health: Health,
	submitter: Submitter,
	anchor_now: Arc<Notify>,
	mut reports: mpsc::UnboundedReceiver<BlockReport>,
) -> EffectsError {
	// Not remembered across restarts: the first block after a start is
	// confirmed at once (the core's unconfirmed calls survive restarts).
	let mut last_confirmed = 0u32;
	while let Some(report) = reports.recv().await {
		let (number, hash) = report.parentchain_anchor;
		health.set_progress(number, health.finalized());
		if let Some(invariant) = report.invariant {
			health.set_problem(Component::Invariant, invariant_problem(invariant));
		}
		for reason in &report.rejected {
			log::warn!("sidechain block #{}: input not executed: {reason}", report.number);
		}
		for call_hash in &report.refunded_unshields {
			log::warn!("unshield {call_hash:?} expired unpaid: refunded to the sender");
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
		// Payouts only for blocks the parent chain anchors: anchor soon.
		if report.unshields_awaiting_anchor > 0 {
			anchor_now.notify_one();
		}
		if let Err(e) =
			submitter.submit_unshields(&report.payable_unshields, health.finalized()).await
		{
			log::warn!("{e}");
		}
	}
	EffectsError::ChannelClosed
}

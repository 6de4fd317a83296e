//! The anchoring of the sidechain on the parent chain
//! (`ConfirmSidechainBlock`): payouts wait for it (the core pays only for
//! blocks the chain anchors on its own chain), and a data directory rolled
//! back behind the anchor, or a copy that forked off, is detected.

use std::{
	convert::Infallible,
	time::{Duration, Instant},
};

use integritee_enclave::EnclaveCall;

use crate::{health::Component, production::Context, read};

/// Anchors the latest committed block on the parent chain every
/// `--anchor-every-secs`, or at once when unshields wait for an anchor
/// (the core pays only what the chain anchors), naming the proven latest anchor as its ancestor
/// (the core reads it from the verified proofs of imported blocks; until
/// one is imported in this run, nothing is sent). A submission is repeated
/// only once the proven anchor moved or a minute passed.
///
/// It never fails (`Infallible`): a failed submission is logged, shown in
/// the health and retried at the next tick.
pub async fn run(context: Context) -> Result<(), Infallible> {
	let Context { args, enclave, sidechain, health, submitter, anchor_now, .. } = context;
	let every = Duration::from_secs(args.anchor_every_secs);
	let mut sent: Option<(u64, Instant)> = None;
	loop {
		tokio::select! {
			_ = tokio::time::sleep(every) => {}
			_ = anchor_now.notified() => {}
		}
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
				health.set_problem(Component::Anchoring, None);
			}
			Err(e) => {
				log::warn!("{e}");
				health.set_problem(Component::Anchoring, Some(e.to_string()));
			}
		}
	}
}

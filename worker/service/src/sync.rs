//! The parent-chain sync loop: fetches finalized blocks in bounded chunks
//! and has the trusted core verify them and queue the shard's inputs
//! (executed later, in sidechain blocks: [`crate::production`]).

use std::{
	sync::Arc,
	time::{Duration, Instant},
};

use integritee_chain_client::ChainClient;
use integritee_enclave::{ImportReport, SigningRefused};
use tokio::sync::Notify;

use crate::{
	args::Args,
	health::{not_serving_problem, Component, Health},
	lock,
	parentchain::{self, ChunkError, ParentchainReader, ReadError},
	read,
	watch::Watchers,
	SharedEnclave,
};

/// A chunk window grows up to this many blocks when it holds no justification.
const MAX_WINDOW: u32 = 4096;

/// Why a sync step (or the sync loop) failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
	#[error("cannot connect to the parent-chain node: {0}")]
	Connect(integritee_chain_client::Error),
	/// The node's finalized head could not be read.
	#[error(transparent)]
	Finalized(ReadError),
	#[error(transparent)]
	Chunk(#[from] ChunkError),
	#[error("parent-chain block refused: {0}")]
	Import(integritee_enclave::Error),
	#[error("the light client has no checkpoint")]
	NoCheckpoint,
	#[error("the import task died: {0}")]
	Task(tokio::task::JoinError),
}

/// What one sync step did.
pub enum Step {
	/// The light client is at the finalized head.
	UpToDate { head: u32 },
	/// No block of the window carries a justification yet.
	NoJustification { head: u32 },
	/// A chunk of `blocks` blocks was verified and its inputs queued.
	Imported { from: u32, blocks: u32, fetched: Duration, report: Box<ImportReport> },
}

/// One step: the next chunk after the light client's head, up to
/// `finalized` and at most `window` blocks, cut at authority-set changes the
/// core names, fetched from `reader` and imported (verified and queued) by
/// the trusted core.
pub async fn import_next_chunk(
	reader: &impl ParentchainReader,
	enclave: &SharedEnclave,
	finalized: u32,
	window: u32,
) -> Result<Step, SyncError> {
	let (head, keys) = {
		let core = lock(enclave);
		(core.light_client_head().ok_or(SyncError::NoCheckpoint)?.0, core.proof_keys())
	};
	if head >= finalized {
		return Ok(Step::UpToDate { head });
	}
	let started = Instant::now();
	let chunk = parentchain::fetch_chunk(reader, head + 1, finalized, window, &keys, |headers| {
		lock(enclave).chunk_limit(headers)
	})
	.await?;
	let Some((blocks, justification)) = chunk else {
		return Ok(Step::NoJustification { head });
	};
	let count = blocks.len() as u32;
	let fetched = started.elapsed();
	// Verification only reads the core: getters and block production go on
	// meanwhile; storing the chunk takes it alone, briefly.
	let report = {
		let enclave = enclave.clone();
		tokio::task::spawn_blocking(move || {
			let chunk = read(&enclave).verify_chunk(blocks, &justification)?;
			lock(&enclave).store_chunk(chunk)
		})
		.await
		.map_err(SyncError::Task)?
		.map_err(SyncError::Import)?
	};
	Ok(Step::Imported { from: head + 1, blocks: count, fetched, report: Box::new(report) })
}

/// The sync loop: imports chunk after chunk up to the node's finalized
/// head, wakes the block producer when inputs were queued, and reports
/// progress, membership and rollbacks to the health.
pub async fn run(
	args: Args,
	enclave: SharedEnclave,
	health: Health,
	imported: Arc<Notify>,
	watchers: Watchers,
) -> Result<(), SyncError> {
	let client = ChainClient::connect(&args.node_url).await.map_err(SyncError::Connect)?;
	let mut window = args.chunk_blocks.max(1);
	loop {
		let finalized = client.finalized_number().await.map_err(SyncError::Finalized)?;
		health.set_finalized(finalized);
		let started = Instant::now();
		let step = import_next_chunk(&client, &enclave, finalized, window).await;
		let (from, count, fetched, report) = match step? {
			Step::UpToDate { .. } => {
				tokio::time::sleep(Duration::from_millis(500)).await;
				continue;
			}
			Step::NoJustification { head } => {
				if head.saturating_add(window) < finalized && window < MAX_WINDOW {
					window = (window * 2).min(MAX_WINDOW);
				} else {
					tokio::time::sleep(Duration::from_millis(500)).await;
				}
				continue;
			}
			Step::Imported { from, blocks, fetched, report } => (from, blocks, fetched, report),
		};
		window = args.chunk_blocks.max(1);
		health.set_problem(Component::Sync, None);
		if report.inputs_queued > 0 {
			// The block producer takes them at once.
			imported.notify_one();
		}
		let number = report.last_block.0;
		if count > 1 || finalized.saturating_sub(number) > args.max_lag {
			log::info!(
				"imported parent blocks {from}..={number} ({count} blocks, {} inputs queued, fetch \
				 {fetched:?}, verify {:?}); {} to go",
				report.inputs_queued,
				started.elapsed() - fetched,
				finalized.saturating_sub(number)
			);
		}
		for reason in &report.skipped {
			log::warn!("input not queued: {reason}");
		}
		for failure in &report.own_failures {
			log::warn!("enclave extrinsic failed on chain: {failure}");
		}
		for (index, (parent, number, hash)) in report.anchor_events.iter().enumerate() {
			log::info!("sidechain block #{number} ({hash:?}) anchored in parent block {parent}");
			// The parent block's state holds its last anchor: clients check
			// a `finalized` status against it.
			let last_in_its_block =
				report.anchor_events.get(index + 1).is_none_or(|(next, ..)| next != parent);
			if last_in_its_block {
				watchers.anchored(*parent, *number, *hash);
			}
		}
		let membership = read(&enclave).not_serving().map(|refusal| match refusal {
			SigningRefused::AnotherMemberServes(serving) => not_serving_problem(&serving),
			other => other.to_string(),
		});
		if let Some(problem) = &membership {
			if !health.has_problem(Component::Membership) {
				log::error!("{problem}");
			}
		}
		health.set_problem(Component::Membership, membership);
		crate::peer::report_secrets(&read(&enclave), &health);
		health.set_problem(Component::Rollback, report.rollback.as_ref().map(|r| r.to_string()));
		let queued = read(&enclave).queued_blocks().unwrap_or_default();
		health.update_sidechain(|sidechain| {
			sidechain.anchored_block = report.anchored.map(|a| a.block_number);
			sidechain.queued_parent_blocks = queued;
		});
	}
}

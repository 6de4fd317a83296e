//! The parent-chain sync loop: fetches finalized blocks in bounded chunks,
//! has the trusted core verify and execute them, confirms processed blocks
//! and asks the vault to pay pending unshields.

use std::time::{Duration, Instant};

use integritee_chain_client::ChainClient;
use integritee_enclave::{stf::calls_root, EnclaveCall, Invariant};
use polkadot_sdk::sp_core::H256;

use crate::{args::Args, health::Health, lock, parentchain, submitter::Submitter, SharedEnclave};

const COMPONENT: &str = "parent-chain sync";
/// A chunk window grows up to this many blocks when it holds no justification.
const MAX_WINDOW: u32 = 4096;

pub async fn run(
	args: Args,
	enclave: SharedEnclave,
	health: Health,
	submitter: Submitter,
) -> Result<(), String> {
	let client = ChainClient::connect(&args.node_url).await.map_err(|e| format!("connect: {e}"))?;
	let keys = lock(&enclave).proof_keys();
	let mut last_confirmed = 0u32;
	let mut unconfirmed_calls: Vec<H256> = Vec::new();
	let mut window = args.chunk_blocks.max(1);
	loop {
		let (_, finalized) =
			client.finalized_head().await.map_err(|e| format!("finalized head: {e}"))?;
		health.set_finalized(finalized);
		let head =
			lock(&enclave).light_client_head().ok_or("the light client has no checkpoint")?.0;
		if head >= finalized {
			health.set_progress(head, finalized);
			tokio::time::sleep(Duration::from_millis(500)).await;
			continue;
		}
		let started = Instant::now();
		let Some((blocks, justification)) =
			parentchain::fetch_chunk(&client, head + 1, finalized, window, &keys).await?
		else {
			if head.saturating_add(window) < finalized && window < MAX_WINDOW {
				window = (window * 2).min(MAX_WINDOW);
			} else {
				tokio::time::sleep(Duration::from_millis(500)).await;
			}
			continue;
		};
		window = args.chunk_blocks.max(1);
		let count = blocks.len() as u32;
		let fetched = started.elapsed();
		let report = {
			let enclave = enclave.clone();
			tokio::task::spawn_blocking(move || lock(&enclave).import(blocks, &justification))
				.await
				.map_err(|e| format!("import task: {e}"))?
				.map_err(|e| e.to_string())?
		};
		health.set_problem(COMPONENT, None);
		let (number, hash) = report.last_block;
		health.set_progress(number, finalized);
		if count > 1 || finalized.saturating_sub(number) > args.max_lag {
			log::info!(
				"imported parent blocks {}..={number} ({count} blocks, fetch {:?}, verify+execute {:?}); \
				 {} to go",
				head + 1,
				fetched,
				started.elapsed() - fetched,
				finalized.saturating_sub(number)
			);
		}
		for reason in report.skipped.iter().chain(&report.rejected) {
			log::warn!("input not executed: {reason}");
		}
		for failure in &report.own_failures {
			log::warn!("enclave extrinsic failed on chain: {failure}");
		}
		match report.invariant {
			Invariant::Holds => health.set_problem("invariant", None),
			Invariant::Surplus { issuance, vault } => {
				log::warn!("the vault holds {vault}, more than the issued {issuance} (direct transfers to it)");
				health.set_problem("invariant", None);
			}
			Invariant::Breach { issuance, vault } => health.set_problem(
				"invariant",
				Some(format!("BREACH: confidential issuance {issuance} > vault balance {vault}")),
			),
		}
		if !report.executed_call_hashes.is_empty() {
			log::info!("block {number}: executed {} inputs", report.executed_call_hashes.len());
		}
		unconfirmed_calls.extend(report.executed_call_hashes);
		if !unconfirmed_calls.is_empty()
			|| number >= last_confirmed.saturating_add(args.confirm_every)
		{
			let call = EnclaveCall::ConfirmProcessed {
				number,
				hash,
				calls_root: calls_root(&unconfirmed_calls),
			};
			match submitter.submit(call, format!("confirmation of block {number}")).await {
				Ok(()) => {
					unconfirmed_calls.clear();
					last_confirmed = number;
				}
				Err(e) => log::warn!("{e}"),
			}
		}
		if let Err(e) = submitter.submit_unshields(&report.pending_unshields, number).await {
			log::warn!("unshield submission: {e}");
		}
	}
}

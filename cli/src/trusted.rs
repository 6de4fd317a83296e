//! `shield-funds` and `trusted ...`: calls and getters of a shard's
//! confidential state.
//!
//! Calls travel through the parent chain (`EnclaveBridge::invoke`, encrypted
//! to the shard's shielding key), or with `--direct` straight to the
//! worker's trusted RPC (encrypted the same way; no parent-chain fee, done
//! in a sidechain block); getters always go straight to the worker and
//! come back signed by the enclave.

use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use codec::Encode;
use integritee_chain_client::WaitFor;
use integritee_runtime::{Balance, RuntimeCall};
use integritee_stf_primitives::{
	direct::{CallStatus, DirectOutcome},
	Nonce, TrustedCall,
};
use integritee_worker_client::{CallWatch, WorkerClient};
use polkadot_sdk::sp_core::{crypto::Ss58Codec, sr25519, Pair};

use crate::{
	accounts::Accounts,
	error::{ChainError, CliError, WorkerError},
	format_units, parse_amount,
	shard::{self, ShardArgs},
};

#[derive(Debug, Args)]
pub struct ShieldFundsArgs {
	/// Signing account on the parent chain that pays (keystore name or secret URI).
	pub from: String,
	/// Beneficiary inside the shard (SS58 address, keystore name or secret URI).
	pub to: String,
	/// Amount in the smallest unit.
	#[arg(value_parser = parse_amount)]
	pub amount: Balance,
	#[command(flatten)]
	pub shard: ShardArgs,
}

#[derive(Debug, Args)]
pub struct TrustedArgs {
	#[command(flatten)]
	pub shard: ShardArgs,
	#[command(subcommand)]
	pub command: TrustedCommand,
}

#[derive(Debug, Args)]
pub struct CallOptions {
	/// Use this trusted nonce instead of asking the worker.
	#[arg(long)]
	pub nonce: Option<Nonce>,
	/// Sign for this MRENCLAVE (hex) instead of the selected enclave's.
	#[arg(long, value_parser = integritee_worker_client::parse_mrenclave)]
	pub mrenclave: Option<[u8; 32]>,
	/// Send the call to the worker's trusted RPC instead of the parent
	/// chain: executed in the next sidechain block, no parent-chain fee.
	#[arg(long)]
	pub direct: bool,
	/// Wait for the call's execution: with `--direct`, print each status of
	/// its watch until it is final (its block anchored on the parent chain
	/// and finalized, or the call invalid or dropped); otherwise poll the
	/// worker until it executed the call.
	#[arg(long)]
	pub wait: bool,
	/// How long `--wait` waits, in seconds.
	#[arg(long, default_value_t = 60)]
	pub wait_timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum TrustedCommand {
	/// Transfer AMOUNT inside the shard from FROM to TO.
	Transfer {
		/// Signing account (keystore name or secret URI); it also pays the
		/// parent-chain fee.
		from: String,
		/// Recipient (SS58 address, keystore name or secret URI).
		to: String,
		/// Amount in the smallest unit.
		#[arg(value_parser = parse_amount)]
		amount: Balance,
		#[command(flatten)]
		options: CallOptions,
	},
	/// Burn AMOUNT of FROM in the shard and have the shard's vault pay it to
	/// TO on the parent chain.
	UnshieldFunds {
		/// Signing account (keystore name or secret URI); it also pays the
		/// parent-chain fee.
		from: String,
		/// Beneficiary on the parent chain (SS58 address, keystore name or secret URI).
		to: String,
		/// Amount in the smallest unit.
		#[arg(value_parser = parse_amount)]
		amount: Balance,
		#[command(flatten)]
		options: CallOptions,
	},
	/// Print the free (and reserved, if any) balance of ACCOUNT in the shard.
	Balance {
		/// The account's owner, who signs the getter (keystore name or secret URI).
		account: String,
	},
	/// Print the trusted nonce of ACCOUNT in the shard.
	Nonce {
		/// The account's owner, who signs the getter (keystore name or secret URI).
		account: String,
	},
	/// Direct transfers against the shard's worker over RA-TLS with watch
	/// subscriptions: throughput (saturation) or latency (constant rate).
	Benchmark(crate::trusted_benchmark::BenchmarkArgs),
	/// Print the shard's latest committed sidechain header (number, hash,
	/// parent-chain anchor, Raft term, roots), checked against the selected
	/// enclave's signature.
	GetSidechainHeader,
}

pub async fn shield_funds(
	node_url: &str,
	accounts: &Accounts,
	args: ShieldFundsArgs,
) -> Result<(), CliError> {
	let from = accounts.signer(&args.from)?;
	let to = accounts.account(&args.to)?;
	let chain = crate::connect(node_url).await?;
	let worker = shard::connect_worker(&chain, &args.shard).await?;
	let included = shard::shield(&chain, &worker, &from, to.clone(), args.amount).await?;
	println!(
		"shielded {} into shard 0x{} for {} in block {:?}",
		format_units(args.amount),
		hex::encode(args.shard.shard.0),
		to.to_ss58check(),
		included.block_hash
	);
	Ok(())
}

pub async fn run(node_url: &str, accounts: &Accounts, args: TrustedArgs) -> Result<(), CliError> {
	match args.command {
		TrustedCommand::Transfer { from, to, amount, options } => {
			let pair = accounts.signer(&from)?;
			let to = accounts.account(&to)?;
			let call = TrustedCall::BalanceTransfer { from: pair.public().into(), to, amount };
			submit_call(node_url, &args.shard, &pair, call, options).await
		}
		TrustedCommand::UnshieldFunds { from, to, amount, options } => {
			let pair = accounts.signer(&from)?;
			let beneficiary = accounts.account(&to)?;
			let call =
				TrustedCall::BalanceUnshield { from: pair.public().into(), beneficiary, amount };
			submit_call(node_url, &args.shard, &pair, call, options).await
		}
		TrustedCommand::Balance { account } => {
			let pair = accounts.signer(&account)?;
			let chain = crate::connect(node_url).await?;
			let worker = shard::connect_worker(&chain, &args.shard).await?;
			let info = worker.account_info(&pair).await?;
			println!("{} {}", info.free, format_units(info.free));
			if info.reserved != 0 {
				println!("reserved {} {}", info.reserved, format_units(info.reserved));
			}
			Ok(())
		}
		TrustedCommand::Benchmark(benchmark) => {
			crate::trusted_benchmark::run(node_url, accounts, &args.shard, benchmark).await
		}
		TrustedCommand::GetSidechainHeader => {
			let chain = crate::connect(node_url).await?;
			let worker = shard::connect_worker(&chain, &args.shard).await?;
			match worker.sidechain_header().await? {
				None => println!("no sidechain block yet"),
				Some(header) => {
					let (anchor, anchor_hash) = header.parentchain_anchor;
					println!("number            {}", header.number);
					println!("hash              {:?}", header.hash());
					println!("parent            {:?}", header.parent_hash);
					println!("parent-chain      #{anchor} {anchor_hash:?}");
					println!("raft term         {}", header.term);
					println!("calls root        {:?}", header.calls_root);
					println!("state root before {:?}", header.state_root_before);
					println!("state root after  {:?}", header.state_root_after);
					println!("author            {}", header.author.to_ss58check());
				}
			}
			Ok(())
		}
		TrustedCommand::Nonce { account } => {
			let pair = accounts.signer(&account)?;
			let chain = crate::connect(node_url).await?;
			let worker = shard::connect_worker(&chain, &args.shard).await?;
			let info = worker.account_info(&pair).await?;
			println!("{}", info.nonce);
			Ok(())
		}
	}
}

async fn submit_call(
	node_url: &str,
	shard_args: &ShardArgs,
	pair: &sr25519::Pair,
	call: TrustedCall,
	options: CallOptions,
) -> Result<(), CliError> {
	let shard = shard_args.shard;
	let chain = crate::connect(node_url).await?;
	let worker = shard::connect_worker(&chain, shard_args).await?;
	let nonce = match options.nonce {
		Some(nonce) => nonce,
		// Direct calls may follow each other before a block: the pool's
		// view of the next nonce.
		None if options.direct => worker.next_nonce(pair).await?,
		None => worker.account_info(pair).await?.nonce,
	};
	let mr_enclave = options.mrenclave.unwrap_or(worker.mr_enclave());
	let signed = call.sign(nonce, &mr_enclave, &shard, shard::sr25519_signer(pair));
	let call_hash = signed.hash();
	if options.direct {
		let encrypted = worker.encrypt_call(&signed)?;
		println!("trusted call 0x{} (nonce {nonce}), direct", hex::encode(call_hash.0));
		if !options.wait {
			// The client checks that the acknowledged hash is the call's.
			worker.submit(&encrypted).await?;
			println!("accepted by the worker's pool");
			return Ok(());
		}
		let watch = worker.submit_and_watch(&encrypted).await?;
		return follow(&chain, watch, Duration::from_secs(options.wait_timeout)).await;
	}
	let ciphertext = worker.encrypt(
		integritee_stf_primitives::shielding::Purpose::TrustedCall,
		"the trusted call",
		&signed.encode(),
	)?;
	let invoke =
		RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke { shard, ciphertext });
	let included = chain.submit(pair, invoke, WaitFor::InBlock).await.map_err(|source| {
		ChainError::Transaction { what: "the invoke of the trusted call", source }
	})?;
	println!("trusted call 0x{} (nonce {nonce})", hex::encode(call_hash.0));
	println!("submitted in block {:?}", included.block_hash);
	if options.wait {
		wait_executed(&worker, pair, nonce, Duration::from_secs(options.wait_timeout)).await?;
		println!("executed by the worker (its nonce for the sender passed {nonce})");
	}
	Ok(())
}

/// Prints each status of a direct call's watch until a final one; fails if
/// the call failed, is invalid or dropped, a status does not prove itself
/// (`inSidechainBlock` against the enclave's signed header, `finalized`
/// against the parent chain), or the time is up. Reasons are printed with
/// their `Display`, whatever their type.
async fn follow(
	chain: &integritee_chain_client::ChainClient,
	mut watch: CallWatch,
	timeout: Duration,
) -> Result<(), CliError> {
	let deadline = tokio::time::Instant::now() + timeout;
	let mut failed = None;
	loop {
		let next = tokio::time::timeout_at(deadline, watch.next(chain))
			.await
			.map_err(|_| WorkerError::NoFinalStatus { secs: timeout.as_secs() })?;
		let Some(status) = next? else {
			return Err(WorkerError::WatchEnded.into());
		};
		match &status {
			CallStatus::InSidechainBlock { hash, number, outcome, .. } => {
				let outcome = match outcome {
					DirectOutcome::Succeeded => "succeeded".to_string(),
					DirectOutcome::Failed { reason } => {
						let reason = reason.to_string();
						let line = format!("failed: {reason}");
						failed = Some(reason);
						line
					}
				};
				println!(
					"in sidechain block #{number} ({hash:?}): {outcome} (proven: the enclave \
					 signed the block, the outcome is among its calls)"
				);
			}
			CallStatus::Finalized { parent_block, anchored_number, anchored_hash, .. } => {
				println!(
					"finalized: parent block #{parent_block} anchored sidechain block \
					 #{anchored_number} ({anchored_hash:?}), which follows the call's block \
					 (checked on the parent chain)"
				)
			}
			CallStatus::Invalid { reason } => {
				return Err(WorkerError::Invalid { reason: reason.to_string() }.into())
			}
			CallStatus::Dropped { reason } => {
				return Err(WorkerError::Dropped { reason: reason.to_string() }.into())
			}
			CallStatus::Submitted => println!("submitted: in the worker's pool"),
			CallStatus::Ready => println!("ready: the next sidechain block may include it"),
			CallStatus::Future => println!("future: waits for a call with an earlier nonce"),
		}
		if status.is_final() {
			return match failed {
				None => Ok(()),
				Some(reason) => Err(WorkerError::ExecutedAndFailed { reason }.into()),
			};
		}
	}
}

/// Polls the worker until the sender's trusted nonce is above `nonce`.
async fn wait_executed(
	worker: &WorkerClient,
	pair: &sr25519::Pair,
	nonce: Nonce,
	timeout: Duration,
) -> Result<(), CliError> {
	let deadline = Instant::now() + timeout;
	loop {
		let info = worker.account_info(pair).await?;
		if info.nonce > nonce {
			return Ok(());
		}
		if Instant::now() >= deadline {
			return Err(
				WorkerError::NotExecuted { secs: timeout.as_secs(), nonce: info.nonce }.into()
			);
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

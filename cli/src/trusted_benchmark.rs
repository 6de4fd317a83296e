//! `trusted benchmark`: direct transfers against a running worker, over
//! RA-TLS with watch subscriptions, as users send them.
//!
//! Setup (untimed): the funder shields funds into the shard if it has too
//! little there, funds every sender account by direct transfers, reads the
//! senders' nonces, and signs and encrypts every transfer in advance.
//!
//! Timed, one of:
//! - **saturation** (no `--rate`): every client keeps `--window` transfers
//!   in flight; throughput is the committed transfers (`inSidechainBlock`)
//!   per second over the steady middle of the run (10% to 90% of the
//!   commits);
//! - **constant rate** (`--rate R`): transfer k is due at `start + k / R`
//!   and sent then, whatever happened to the others (open loop); its
//!   latency runs from when it was due (not when it was sent) to its
//!   `inSidechainBlock`, so a stalled client does not hide delays
//!   (no coordinated omission).
//!
//! Failures are counted by reason.

use std::{
	collections::BTreeMap,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use clap::Args;
use codec::Encode;
use futures::StreamExt;
use integritee_chain_client::ChainClient;
use integritee_stf_primitives::{
	direct::{error_code, CallStatus, DirectOutcome},
	AccountInfoView, Balance, Nonce, TrustedCall,
};
use integritee_worker_client::{EncryptedCall, RpcError, WorkerClient};
use polkadot_sdk::sp_core::{sr25519, Pair};
use tokio::sync::Semaphore;

use crate::{
	error::{CliError, WorkerError},
	shard::{self, ShardArgs},
	UNIT,
};

#[derive(Debug, Args)]
pub struct BenchmarkArgs {
	/// Concurrent client connections (each its own RA-TLS WebSocket). At
	/// most 64: a worker serves 64 connections of one address unless its
	/// `--rpc-max-connections-per-address` says otherwise.
	#[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
	pub clients: u32,
	/// Transfers to send in the timed part.
	#[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
	pub transfers: u32,
	/// Constant-rate mode: send this many transfers per second (open loop)
	/// and report latencies; without it, saturation mode.
	#[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
	pub rate: Option<u32>,
	/// Sender accounts (keys from fixed public seeds), spread over the clients;
	/// each sends its transfers with consecutive nonces.
	#[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..))]
	pub accounts: u32,
	/// Saturation mode: transfers each client keeps in flight.
	#[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=4096))]
	pub window: u32,
	/// Pays the setup: shields into the shard on the parent chain and funds
	/// the senders (keystore name or secret URI).
	#[arg(long, default_value = "//Alice")]
	pub funder: String,
	/// Print one JSON object instead of text.
	#[arg(long)]
	pub json: bool,
}

/// Funding transfers (one sender's consecutive nonces) in flight at once:
/// below the pool's future calls per account (16 by default).
const FUNDING_IN_FLIGHT: usize = 8;

/// What every sender holds before the timed part (it sends 1 planck per
/// transfer): above the shard's existential deposit, small enough that a
/// million senders cost a dev account 10,000 TEER.
const SENDER_BALANCE: Balance = UNIT / 100;

/// One transfer's fate.
#[derive(Clone, Debug)]
enum Fate {
	/// In a committed block at this time (since the start); latency from
	/// when it was due.
	Committed {
		at: Duration,
		latency: Duration,
		failed: Option<String>,
	},
	Refused(String),
}

pub async fn run(
	node_url: &str,
	accounts: &crate::accounts::Accounts,
	shard_args: &ShardArgs,
	args: BenchmarkArgs,
) -> Result<(), CliError> {
	let shard = shard_args.shard;
	let funder = accounts.signer(&args.funder)?;
	let chain = crate::connect(node_url).await?;
	let worker =
		integritee_worker_client::find_worker(&chain, &shard, shard_args.worker_url.as_deref())
			.await
			.map_err(integritee_worker_client::Error::from)?;
	let say = |line: &str| {
		if !args.json {
			eprintln!("{line}");
		}
	};
	say(&format!("worker {} (RA-TLS verified against the chain)", worker.url));
	// The first connection (`main`) also does the setup; `--clients` is at
	// least 1.
	let mut connections = Vec::with_capacity(args.clients as usize);
	connections.push(WorkerClient::connect_to(&chain, shard, worker.clone()).await?);
	for _ in 1..args.clients {
		connections.push(WorkerClient::connect_to(&chain, shard, worker.clone()).await?);
	}
	let main = &connections[0];

	// Setup: senders, their funds and nonces.
	say(&format!("deriving {} sender accounts", args.accounts));
	let senders: Vec<sr25519::Pair> = (0..args.accounts).map(bench_account).collect();
	say("reading the senders' accounts (private getters)");
	// Funding transfers go to the senders: their nonces stay as read here.
	let infos = read_accounts(&connections, &senders).await?;
	let unfunded: Vec<usize> =
		(0..senders.len()).filter(|i| infos[*i].free < SENDER_BALANCE / 2).collect();
	if !unfunded.is_empty() {
		let needed = SENDER_BALANCE * unfunded.len() as Balance + UNIT;
		ensure_shielded(&chain, main, &funder, needed, &say).await?;
		say(&format!("funding {} senders by direct transfers", unfunded.len()));
		// In nonce order, a few at a time (each answered once admitted):
		// out-of-order arrivals stay within the pool's future limit.
		let first = main.next_nonce(&funder).await?;
		let mut calls = Vec::with_capacity(unfunded.len());
		for (n, i) in unfunded.iter().enumerate() {
			let call = TrustedCall::BalanceTransfer {
				from: funder.public().into(),
				to: senders[*i].public().into(),
				amount: SENDER_BALANCE,
			};
			calls.push(encrypted(main, call, first + n as Nonce, &funder)?);
		}
		let mut submitted = futures::stream::iter(calls.iter().map(|c| submit_when_room(main, c)))
			.buffered(FUNDING_IN_FLIGHT);
		while let Some(result) = submitted.next().await {
			result?;
		}
		let last = first + unfunded.len() as Nonce;
		let deadline = Instant::now() + Duration::from_secs(600);
		while main.account_info(&funder).await?.nonce < last {
			if Instant::now() > deadline {
				return Err(WorkerError::SetupTimeout {
					what: "the funding transfers",
					minutes: 10,
				}
				.into());
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	// Setup: every transfer signed and encrypted in advance, round-robin
	// over the senders (an account's next transfer waits for the others').
	say(&format!("signing and encrypting {} transfers", args.transfers));
	let mut nonces: Vec<Nonce> = infos.iter().map(|i| i.nonce).collect();
	let mut prepared = Vec::with_capacity(args.transfers as usize);
	for k in 0..args.transfers as usize {
		let from = k % senders.len();
		let to = (from + 1 + k / senders.len()) % senders.len();
		let call = TrustedCall::BalanceTransfer {
			from: senders[from].public().into(),
			to: senders[to].public().into(),
			amount: 1,
		};
		let call = encrypted(main, call, nonces[from], &senders[from])?;
		nonces[from] += 1;
		let due = match args.rate {
			Some(rate) => Duration::from_secs_f64(k as f64 / f64::from(rate)),
			None => Duration::ZERO,
		};
		// (due time for constant rate, the encrypted call)
		prepared.push((due, call));
	}

	say(&match args.rate {
		None => format!(
			"saturation: {} transfers, {} clients, {} in flight each",
			args.transfers, args.clients, args.window
		),
		Some(rate) => format!("constant rate: {} transfers at {rate}/s", args.transfers),
	});
	let started = Instant::now();
	let progress = (!args.json).then(|| Progress::start(args.transfers as usize, started));
	let fates = submit_all(
		&chain,
		&connections,
		prepared,
		args.window,
		args.rate.map(|_| started),
		progress.as_ref().map(|p| p.counter.clone()),
	)
	.await;
	if let Some(progress) = progress {
		progress.finish();
	}
	let report = Report::of(&args, &fates, started.elapsed());
	if args.json {
		println!("{}", report.json());
	} else {
		print!("{}", report.text());
	}
	Ok(())
}

/// Shields `needed` for the funder into the shard unless it holds it
/// there, and waits until the worker has executed the shield.
async fn ensure_shielded(
	chain: &ChainClient,
	worker: &WorkerClient,
	funder: &sr25519::Pair,
	needed: Balance,
	say: &impl Fn(&str),
) -> Result<(), CliError> {
	let have = worker.account_info(funder).await?.free;
	if have >= needed {
		return Ok(());
	}
	let amount = needed - have;
	say(&format!("shielding {} for the funder (parent chain)", crate::format_units(amount)));
	shard::shield(chain, worker, funder, funder.public().into(), amount).await?;
	let deadline = Instant::now() + Duration::from_secs(180);
	while worker.account_info(funder).await?.free < needed {
		if Instant::now() > deadline {
			return Err(WorkerError::SetupTimeout { what: "the shield", minutes: 3 }.into());
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	Ok(())
}

/// Bench account `i`: a key from a fixed seed (no secret: anyone can
/// recompute it; a mnemonic derivation per account would take ~1 ms).
fn bench_account(i: u32) -> sr25519::Pair {
	let seed = polkadot_sdk::sp_io::hashing::blake2_256(&(b"integritee-bench", i).encode());
	sr25519::Pair::from_seed(&seed)
}

/// `call` signed by `signer` with `nonce` and encrypted for the worker.
fn encrypted(
	worker: &WorkerClient,
	call: TrustedCall,
	nonce: Nonce,
	signer: &sr25519::Pair,
) -> Result<EncryptedCall, RpcError> {
	let signed =
		call.sign(nonce, &worker.mr_enclave(), &worker.shard(), shard::sr25519_signer(signer));
	worker.encrypt_call(&signed)
}

/// The senders' accounts, read with getters over all connections.
async fn read_accounts(
	connections: &[WorkerClient],
	senders: &[sr25519::Pair],
) -> Result<Vec<AccountInfoView>, CliError> {
	let mut out = Vec::with_capacity(senders.len());
	for chunk in senders.chunks(256) {
		let reads = chunk
			.iter()
			.enumerate()
			.map(|(i, pair)| connections[i % connections.len()].account_info(pair));
		for info in futures::future::join_all(reads).await {
			out.push(info?);
		}
	}
	Ok(out)
}

/// Submits a funding transfer; while the pool holds as many of the
/// funder's calls as it takes from one account (`--max-calls-per-account`
/// on the worker), waits for a block to make room and tries again.
async fn submit_when_room(worker: &WorkerClient, call: &EncryptedCall) -> Result<(), CliError> {
	let deadline = Instant::now() + Duration::from_secs(600);
	loop {
		match worker.submit(call).await {
			Ok(_) => return Ok(()),
			Err(integritee_worker_client::Error::Rpc(RpcError::Refused { code, .. }))
				if code == error_code::POOL_FULL && Instant::now() < deadline =>
			{
				tokio::time::sleep(Duration::from_millis(100)).await
			}
			Err(e) => return Err(WorkerError::from(e).into()),
		}
	}
}

/// Submits `calls` ((due, call)) with watches, spread over `connections`;
/// with `start` (constant rate) each at its due time, else keeping
/// `window` in flight per connection. Returns each call's fate in order.
async fn submit_all(
	chain: &ChainClient,
	connections: &[WorkerClient],
	calls: Vec<(Duration, EncryptedCall)>,
	window: u32,
	start: Option<Instant>,
	done: Option<Arc<Mutex<usize>>>,
) -> Vec<Fate> {
	let begun = start.unwrap_or_else(Instant::now);
	let windows: Vec<Arc<Semaphore>> =
		connections.iter().map(|_| Arc::new(Semaphore::new(window as usize))).collect();
	let tasks = calls.into_iter().enumerate().map(|(k, (due, call))| {
		let connection = &connections[k % connections.len()];
		let window = windows[k % connections.len()].clone();
		let done = done.clone();
		async move {
			let _slot = match start {
				Some(start) => {
					tokio::time::sleep_until((start + due).into()).await;
					None
				}
				None => window.acquire_owned().await.ok(),
			};
			let due_at = begun + due;
			let fate = watch_one(chain, connection, &call, begun, due_at).await;
			if let Some(done) = done {
				*done.lock().unwrap_or_else(|p| p.into_inner()) += 1;
			}
			fate
		}
	});
	futures::future::join_all(tasks).await
}

/// Submits one call and follows it to its block (or refusal), its
/// `inSidechainBlock` status checked as every client checks it (the
/// block's signature, the proof of the call's outcome). Reasons are kept
/// as their `Display` text, to be counted.
async fn watch_one(
	chain: &ChainClient,
	connection: &WorkerClient,
	call: &EncryptedCall,
	begun: Instant,
	due_at: Instant,
) -> Fate {
	let mut watch = match connection.submit_and_watch(call).await {
		Ok(watch) => watch,
		Err(integritee_worker_client::Error::Rpc(RpcError::Refused { code, message, .. })) => {
			return Fate::Refused(format!("{code} {message}"))
		}
		Err(e) => return Fate::Refused(format!("transport: {e}")),
	};
	loop {
		match tokio::time::timeout(Duration::from_secs(120), watch.next(chain)).await {
			Err(_) => return Fate::Refused("no block within 120 s".into()),
			Ok(Ok(None)) => return Fate::Refused("the watch ended".into()),
			Ok(Err(e)) => return Fate::Refused(format!("bad status: {e}")),
			Ok(Ok(Some(CallStatus::InSidechainBlock { outcome, .. }))) => {
				let now = Instant::now();
				let failed = match outcome {
					DirectOutcome::Succeeded => None,
					DirectOutcome::Failed { reason } => Some(reason.to_string()),
				};
				return Fate::Committed {
					at: now - begun,
					latency: now.saturating_duration_since(due_at),
					failed,
				};
			}
			Ok(Ok(Some(CallStatus::Invalid { reason }))) => {
				return Fate::Refused(format!("invalid: {reason}"))
			}
			Ok(Ok(Some(CallStatus::Dropped { reason }))) => {
				return Fate::Refused(format!("dropped: {reason}"))
			}
			Ok(Ok(Some(_))) => {}
		}
	}
}

/// A progress bar on stderr, redrawn twice a second.
struct Progress {
	counter: Arc<Mutex<usize>>,
	stop: tokio::sync::oneshot::Sender<()>,
}

impl Progress {
	fn start(total: usize, started: Instant) -> Self {
		let counter = Arc::new(Mutex::new(0usize));
		let (stop, mut stopped) = tokio::sync::oneshot::channel();
		let shown = counter.clone();
		tokio::spawn(async move {
			loop {
				let done = *shown.lock().unwrap_or_else(|p| p.into_inner());
				let width = 30;
				let filled = (done * width).checked_div(total).unwrap_or(width);
				let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
				eprint!(
					"\r[{}{}] {done}/{total} done, {rate:.0}/s   ",
					"#".repeat(filled),
					".".repeat(width - filled)
				);
				tokio::select! {
					_ = tokio::time::sleep(Duration::from_millis(500)) => {}
					_ = &mut stopped => break,
				}
			}
			eprintln!();
		});
		Self { counter, stop }
	}

	fn finish(self) {
		let _ = self.stop.send(());
	}
}

/// The figures of a run.
struct Report {
	mode: String,
	clients: u32,
	accounts: u32,
	sent: usize,
	committed: usize,
	failed_in_block: usize,
	refused: BTreeMap<String, usize>,
	elapsed: Duration,
	/// Committed per second over the steady window (10% to 90% of commits).
	throughput: f64,
	/// p50, p90, p99, max (constant rate).
	latency: Option<[Duration; 4]>,
}

impl Report {
	fn of(args: &BenchmarkArgs, fates: &[Fate], elapsed: Duration) -> Self {
		let mut commits: Vec<Duration> = Vec::new();
		let mut latencies: Vec<Duration> = Vec::new();
		let mut refused = BTreeMap::new();
		let mut failed_in_block = 0;
		for fate in fates {
			match fate {
				Fate::Committed { at, latency, failed } => {
					commits.push(*at);
					latencies.push(*latency);
					if failed.is_some() {
						failed_in_block += 1;
					}
				}
				Fate::Refused(reason) => *refused.entry(reason.clone()).or_insert(0) += 1,
			}
		}
		commits.sort();
		latencies.sort();
		let throughput = steady_rate(&commits);
		let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
		let latency = (args.rate.is_some() && !latencies.is_empty())
			.then(|| [at(0.5), at(0.9), at(0.99), at(1.0)]);
		Self {
			mode: match args.rate {
				None => "saturation".into(),
				Some(rate) => format!("constant rate {rate}/s"),
			},
			clients: args.clients,
			accounts: args.accounts,
			sent: fates.len(),
			committed: commits.len(),
			failed_in_block,
			refused,
			elapsed,
			throughput,
			latency,
		}
	}

	fn text(&self) -> String {
		let mut out = format!(
			"mode {}: {} clients, {} sender accounts\nsent {}, committed {} ({} executed but \
			 failed), refused {} in {:.1} s\nthroughput {:.0} committed transfers/s (steady \
			 window)\n",
			self.mode,
			self.clients,
			self.accounts,
			self.sent,
			self.committed,
			self.failed_in_block,
			self.refused.values().sum::<usize>(),
			self.elapsed.as_secs_f64(),
			self.throughput
		);
		if let Some([p50, p90, p99, max]) = self.latency {
			out += &format!(
				"latency submit -> inSidechainBlock: p50 {} ms, p90 {} ms, p99 {} ms, max {} ms\n",
				p50.as_millis(),
				p90.as_millis(),
				p99.as_millis(),
				max.as_millis()
			);
		}
		for (reason, count) in &self.refused {
			out += &format!("refused {count}: {reason}\n");
		}
		out
	}

	fn json(&self) -> serde_json::Value {
		let ms = |d: Duration| d.as_secs_f64() * 1000.0;
		serde_json::json!({
			"mode": self.mode,
			"clients": self.clients,
			"accounts": self.accounts,
			"sent": self.sent,
			"committed": self.committed,
			"failedInBlock": self.failed_in_block,
			"refused": self.refused,
			"elapsedSeconds": self.elapsed.as_secs_f64(),
			"throughputPerSecond": self.throughput,
			"latencyMs": self.latency.map(|[p50, p90, p99, max]| serde_json::json!({
				"p50": ms(p50), "p90": ms(p90), "p99": ms(p99), "max": ms(max),
			})),
		})
	}
}

/// Commits per second between the 10% and the 90% commit (all of them for
/// small runs).
fn steady_rate(sorted_commits: &[Duration]) -> f64 {
	let n = sorted_commits.len();
	if n < 2 {
		return 0.0;
	}
	let (first, last) = if n >= 20 { (n / 10, n - 1 - n / 10) } else { (0, n - 1) };
	let span = (sorted_commits[last] - sorted_commits[first]).as_secs_f64();
	if span <= 0.0 {
		return 0.0;
	}
	(last - first) as f64 / span
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_steady_rate_ignores_the_ramps() {
		// 100 commits: a slow start, 80 at 1 ms spacing, a slow end.
		let mut commits: Vec<Duration> = (0..10).map(|i| Duration::from_millis(i * 100)).collect();
		commits.extend((0..80).map(|i| Duration::from_millis(1_000 + i)));
		commits.extend((0..10).map(|i| Duration::from_millis(2_000 + i * 100)));
		let rate = steady_rate(&commits);
		assert!((900.0..1_100.0).contains(&rate), "{rate}");
		assert_eq!(steady_rate(&[Duration::ZERO]), 0.0);
	}
}

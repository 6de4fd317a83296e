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
use integritee_stf_primitives::{
	direct::{CallStatus, DirectCall, DirectOutcome},
	rpc, Balance, Nonce, ShardIdentifier, TrustedCall,
};
use jsonrpsee::{
	core::client::{Subscription, SubscriptionClientT},
	rpc_params,
	ws_client::WsClient,
};
use polkadot_sdk::{
	sp_core::{sr25519, Pair},
	sp_runtime::MultiSignature,
};
use tokio::sync::Semaphore;

use crate::{trusted::ShardArgs, worker::WorkerRpc, UNIT};

#[derive(Debug, Args)]
pub struct BenchmarkArgs {
	/// Concurrent client connections (each its own RA-TLS WebSocket).
	#[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
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
) -> Result<(), String> {
	let shard = shard_args.shard;
	let funder = accounts.signer(&args.funder)?;
	let client = crate::connect(node_url).await?;
	let worker = crate::worker::find(&client, &shard, shard_args.worker_url.as_deref()).await?;
	let say = |line: &str| {
		if !args.json {
			eprintln!("{line}");
		}
	};
	say(&format!("worker {} (RA-TLS verified against the chain)", worker.url));
	let mut connections = Vec::new();
	for _ in 0..args.clients {
		connections.push(WorkerRpc::connect(&client, &worker, &shard).await?);
	}
	let main = &connections[0];
	let key = main.shielding_key();
	let mr_enclave = worker.enclave.mr_enclave.0;

	// Setup: senders, their funds and nonces.
	say(&format!("deriving {} sender accounts", args.accounts));
	let senders: Vec<sr25519::Pair> = (0..args.accounts).map(bench_account).collect();
	say("reading the senders' accounts (private getters)");
	// Funding transfers go to the senders: their nonces stay as read here.
	let infos = read_accounts(&connections, &worker, &shard, &senders).await?;
	let unfunded: Vec<usize> =
		(0..senders.len()).filter(|i| infos[*i].free < SENDER_BALANCE / 2).collect();
	if !unfunded.is_empty() {
		let needed = SENDER_BALANCE * unfunded.len() as Balance + UNIT;
		ensure_shielded(&client, main, &worker, shard, &funder, needed, &say).await?;
		say(&format!("funding {} senders by direct transfers", unfunded.len()));
		// In nonce order, a few at a time (each answered once admitted):
		// out-of-order arrivals stay within the pool's future limit.
		let first = main.next_nonce(&worker, &shard, &funder).await?;
		let mut calls = Vec::with_capacity(unfunded.len());
		for (n, i) in unfunded.iter().enumerate() {
			let call = TrustedCall::BalanceTransfer {
				from: funder.public().into(),
				to: senders[*i].public().into(),
				amount: SENDER_BALANCE,
			};
			let nonce = first + n as Nonce;
			let signed =
				call.sign(nonce, &mr_enclave, &shard, |p| MultiSignature::Sr25519(funder.sign(p)));
			calls.push(DirectCall::encrypt(&signed, shard, &key).map_err(|e| e.to_string())?);
		}
		let mut submitted = futures::stream::iter(calls.iter().map(|c| main.submit_direct(c)))
			.buffered(FUNDING_IN_FLIGHT);
		while let Some(result) = submitted.next().await {
			result?;
		}
		let last = first + unfunded.len() as Nonce;
		let deadline = Instant::now() + Duration::from_secs(600);
		while main.account_info(&worker, &shard, &funder).await?.nonce < last {
			if Instant::now() > deadline {
				return Err("the funding transfers did not execute within 10 minutes".into());
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
		let param = encrypted(&call, nonces[from], &senders[from], &mr_enclave, shard, &key)?;
		nonces[from] += 1;
		let due = match args.rate {
			Some(rate) => Duration::from_secs_f64(k as f64 / f64::from(rate)),
			None => Duration::ZERO,
		};
		// (due time for constant rate, `author_submitAndWatchExtrinsic` parameter)
		prepared.push((due, param));
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
#[allow(clippy::too_many_arguments)]
async fn ensure_shielded(
	client: &integritee_chain_client::ChainClient,
	rpc: &WorkerRpc,
	worker: &crate::worker::SelectedWorker,
	shard: ShardIdentifier,
	funder: &sr25519::Pair,
	needed: Balance,
	say: &impl Fn(&str),
) -> Result<(), String> {
	let have = rpc.account_info(worker, &shard, funder).await?.free;
	if have >= needed {
		return Ok(());
	}
	let amount = needed - have;
	say(&format!("shielding {} for the funder (parent chain)", crate::format_units(amount)));
	crate::trusted::shield(client, rpc, shard, funder, funder.public().into(), amount).await?;
	let deadline = Instant::now() + Duration::from_secs(180);
	while rpc.account_info(worker, &shard, funder).await?.free < needed {
		if Instant::now() > deadline {
			return Err("the worker did not execute the shield within 3 minutes".into());
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

/// The `author_submitAndWatchExtrinsic` parameter of `call`.
fn encrypted(
	call: &TrustedCall,
	nonce: Nonce,
	signer: &sr25519::Pair,
	mr_enclave: &[u8; 32],
	shard: ShardIdentifier,
	key: &[u8],
) -> Result<String, String> {
	let signed =
		call.clone().sign(nonce, mr_enclave, &shard, |p| MultiSignature::Sr25519(signer.sign(p)));
	let direct = DirectCall::encrypt(&signed, shard, key).map_err(|e| e.to_string())?;
	Ok(format!("0x{}", hex::encode(direct.encode())))
}

/// The senders' accounts, read with getters over all connections.
async fn read_accounts(
	connections: &[WorkerRpc],
	worker: &crate::worker::SelectedWorker,
	shard: &ShardIdentifier,
	senders: &[sr25519::Pair],
) -> Result<Vec<integritee_stf_primitives::AccountInfoView>, String> {
	let mut out = Vec::with_capacity(senders.len());
	for chunk in senders.chunks(256) {
		let reads = chunk
			.iter()
			.enumerate()
			.map(|(i, pair)| connections[i % connections.len()].account_info(worker, shard, pair));
		for info in futures::future::join_all(reads).await {
			out.push(info?);
		}
	}
	Ok(out)
}

/// Submits `calls` ((due, param)) with watches, spread over `connections`;
/// with `start` (constant rate) each at its due time, else keeping
/// `window` in flight per connection. Returns each call's fate in order.
async fn submit_all(
	connections: &[WorkerRpc],
	calls: Vec<(Duration, String)>,
	window: u32,
	start: Option<Instant>,
	done: Option<Arc<Mutex<usize>>>,
) -> Vec<Fate> {
	let begun = start.unwrap_or_else(Instant::now);
	let clients: Vec<&WsClient> = connections.iter().map(|c| c.client()).collect();
	let windows: Vec<Arc<Semaphore>> =
		clients.iter().map(|_| Arc::new(Semaphore::new(window as usize))).collect();
	let tasks = calls.into_iter().enumerate().map(|(k, (due, param))| {
		let client = clients[k % clients.len()];
		let window = windows[k % clients.len()].clone();
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
			let fate = watch_one(client, param, begun, due_at).await;
			if let Some(done) = done {
				*done.lock().unwrap_or_else(|p| p.into_inner()) += 1;
			}
			fate
		}
	});
	futures::future::join_all(tasks).await
}

/// Submits one call and follows it to its block (or refusal).
async fn watch_one(client: &WsClient, param: String, begun: Instant, due_at: Instant) -> Fate {
	let subscribed: Result<Subscription<CallStatus>, _> =
		client.subscribe(rpc::SUBMIT_AND_WATCH, rpc_params![param], rpc::UNWATCH).await;
	let mut watch = match subscribed {
		Ok(watch) => watch,
		Err(jsonrpsee::core::ClientError::Call(e)) => {
			return Fate::Refused(format!("{} {}", e.code(), e.message()))
		}
		Err(e) => return Fate::Refused(format!("transport: {e}")),
	};
	loop {
		match tokio::time::timeout(Duration::from_secs(120), watch.next()).await {
			Err(_) => return Fate::Refused("no block within 120 s".into()),
			Ok(None) => return Fate::Refused("the watch ended".into()),
			Ok(Some(Err(e))) => return Fate::Refused(format!("bad status: {e}")),
			Ok(Some(Ok(CallStatus::InSidechainBlock { outcome, .. }))) => {
				let now = Instant::now();
				let failed = match outcome {
					DirectOutcome::Succeeded => None,
					DirectOutcome::Failed { reason } => Some(reason),
				};
				return Fate::Committed {
					at: now - begun,
					latency: now.saturating_duration_since(due_at),
					failed,
				};
			}
			Ok(Some(Ok(CallStatus::Invalid { reason }))) => {
				return Fate::Refused(format!("invalid: {reason}"))
			}
			Ok(Some(Ok(CallStatus::Dropped { reason }))) => {
				return Fate::Refused(format!("dropped: {reason}"))
			}
			Ok(Some(Ok(_))) => {}
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

//! STF execution cost per transfer (signature check, execution, state root,
//! sealed durable commit and the amortized share of log compaction), in
//! blocks of 100 transfers, at 1,000 and at 1,000,000 accounts. The two
//! sizes are measured in alternating rounds and the medians compared, so
//! that a noisy neighbour does not favour one of them.
//!
//! `cargo run --release -p integritee-stf --example bench_stf`
//!
//! `BENCH_MODE=blocks`: the cost of one sidechain block as the trusted core
//! pays it (execute on top of the committed state, encrypt the diff for the
//! body, commit state change and block record in one fsynced transaction),
//! empty and with 100 and 1,000 transfers, at 10,000 and 1,000,000 accounts
//! (the defaults of `BENCH_SMALL` / `BENCH_LARGE` in this mode).
//!
//! Environment: `BENCH_SMALL` / `BENCH_LARGE` (account counts, defaults 1000
//! and 1000000), `BENCH_BLOCKS` (blocks per round, default 30), `BENCH_ROUNDS`
//! (default 5), `BENCH_DIR`
//! (where the databases go, default a temporary directory), `BENCH_REUSE`
//! (set: keep and reuse the databases in `BENCH_DIR` instead of rebuilding),
//! `BENCH_SYNC_EVERY` (durable commit every n blocks, default 1),
//! `BENCH_DB_CACHE_MB` (redb page cache, default 1024), `BENCH_LOG` (set:
//! print the STF's per-block phase timings).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use integritee_stf::{
	AccountId, Balance, InputOutcome, ShardState, StfConfig, StfInput, TrustedCall, H256,
};
use polkadot_sdk::{
	sp_core::{sr25519, Pair},
	sp_io::hashing::blake2_256,
	sp_runtime::MultiSignature,
};

const SENDERS: usize = 1000;
const PER_BLOCK: usize = 100;
const BUILD_BATCH: usize = 50_000;

fn env(name: &str, default: usize) -> usize {
	std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn account(i: usize) -> AccountId {
	AccountId::new(blake2_256(&(i as u64).to_le_bytes()))
}

/// xorshift64*, deterministic.
struct Rng(u64);
impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}
}

/// CPU time of the calling thread (Linux `/proc/thread-self/schedstat`), so
/// that the figure does not depend on other processes sharing the cores.
fn thread_cpu() -> Duration {
	std::fs::read_to_string("/proc/thread-self/schedstat")
		.ok()
		.and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
		.map(Duration::from_nanos)
		.unwrap_or_default()
}

/// Prints the STF's debug records (per-block phase timings) when
/// `BENCH_LOG` is set.
struct StderrLog;
impl log::Log for StderrLog {
	fn enabled(&self, m: &log::Metadata) -> bool {
		m.target() == "integritee-stf"
	}
	fn log(&self, r: &log::Record) {
		if self.enabled(r.metadata()) {
			eprintln!("  {}", r.args());
		}
	}
	fn flush(&self) {}
}

/// One state under measurement.
struct Bench {
	accounts: usize,
	cfg: StfConfig,
	path: std::path::PathBuf,
	db_cache: usize,
	state: ShardState,
	senders: Vec<sr25519::Pair>,
	nonces: Vec<u32>,
	rng: Rng,
	block: u32,
	build: Duration,
}

/// Per-transfer figures of one measured round.
#[derive(Clone, Copy)]
struct Figures {
	wall: Duration,
	cpu: Duration,
}

impl Bench {
	fn build(accounts: usize, dir: &std::path::Path) -> Self {
		let cfg = StfConfig::new(H256::repeat_byte(1), [2; 32]);
		let path = dir.join(format!("bench-{accounts}.redb"));
		if std::env::var_os("BENCH_REUSE").is_none() {
			let _ = std::fs::remove_file(&path);
		}
		let db_cache = env("BENCH_DB_CACHE_MB", 1024) << 20;
		let mut state =
			ShardState::open_with_db_cache(&path, &[3; 32], cfg.clone(), db_cache).unwrap();
		if let Some(n) = std::num::NonZeroU32::new(env("BENCH_SYNC_EVERY", 1) as u32) {
			state.set_sync_every(n);
		}
		let senders: Vec<sr25519::Pair> = (0..SENDERS)
			.map(|i| sr25519::Pair::from_seed(&blake2_256(&[i as u8, (i >> 8) as u8])))
			.collect();

		// Build: senders first, then the other accounts, in blocks of BUILD_BATCH shields.
		let t = Instant::now();
		let mut block = 1u32;
		let mut shields: Vec<StfInput> = senders
			.iter()
			.enumerate()
			.map(|(i, p)| StfInput::Shield {
				id: H256::from_low_u64_be(i as u64),
				beneficiary: AccountId::from(p.public()),
				amount: 1_000_000_000_000,
			})
			.collect();
		let mut next = 0usize;
		let others = accounts.saturating_sub(SENDERS);
		if let Some((last, _)) = state.parentchain_anchor() {
			// BENCH_REUSE: the state of an earlier run.
			block = last + 1;
			shields.clear();
			next = others;
		}
		loop {
			while shields.len() < BUILD_BATCH && next < others {
				shields.push(StfInput::Shield {
					id: H256::from_low_u64_be((SENDERS + next) as u64),
					beneficiary: account(next),
					amount: 1_000_000,
				});
				next += 1;
			}
			if shields.is_empty() {
				break;
			}
			let parent = (block, H256::from_low_u64_be(block as u64));
			let out = apply_parent_block(&mut state, parent, std::mem::take(&mut shields));
			assert!(out.outcomes.iter().all(|o| matches!(o, InputOutcome::Executed { .. })));
			block += 1;
			if accounts >= 100_000 {
				eprintln!(
					"  built {:>8} / {accounts} accounts, {:.1} s",
					SENDERS + next,
					t.elapsed().as_secs_f64()
				);
			}
		}
		let build = t.elapsed();
		let nonces = senders
			.iter()
			.map(|p| state.account_info(&AccountId::from(p.public())).unwrap().nonce)
			.collect();
		let rng = Rng(0x9e37_79b9_7f4a_7c15);
		Self { accounts, cfg, path, db_cache, state, senders, nonces, rng, block, build }
	}

	/// Signed transfers for `blocks` blocks of `per_block` (prepared
	/// outside the measurement).
	fn transfers(&mut self, blocks: usize, per_block: usize) -> Vec<Vec<StfInput>> {
		let (cfg, senders) = (&self.cfg, &self.senders);
		(0..blocks)
			.map(|b| {
				(0..per_block)
					.map(|k| {
						let s = (b * per_block + k) % SENDERS;
						// Receivers: any account of the state, so that both
						// sizes do the same work (two changed accounts).
						let pick = (self.rng.next() % self.accounts as u64) as usize;
						let to = if pick < SENDERS {
							AccountId::from(senders[pick].public())
						} else {
							account(pick - SENDERS)
						};
						let call = TrustedCall::BalanceTransfer {
							from: AccountId::from(senders[s].public()),
							to,
							amount: 1 + (self.rng.next() % 1000) as Balance,
						};
						let signed = call.sign(self.nonces[s], &cfg.mr_enclave, &cfg.shard, |m| {
							MultiSignature::from(senders[s].sign(m))
						});
						self.nonces[s] += 1;
						StfInput::Call(signed)
					})
					.collect()
			})
			.collect()
	}

	/// Executes `blocks` blocks of transfers; per-transfer cost including
	/// the amortized share of the log compaction.
	fn measure(&mut self, blocks: usize) -> Figures {
		let blocks_in = self.transfers(blocks, PER_BLOCK);
		// Start from a fresh checkpoint: the measured blocks' log is then
		// exactly what they wrote.
		self.state.compact().unwrap();
		let (t, cpu) = (Instant::now(), thread_cpu());
		for inputs in blocks_in {
			let hash = H256::from_low_u64_be(self.block as u64);
			let out = apply_parent_block(&mut self.state, (self.block, hash), inputs);
			assert!(
				out.outcomes.iter().all(|o| matches!(o, InputOutcome::Executed { .. })),
				"{:?}",
				out.outcomes.iter().find(|o| !matches!(o, InputOutcome::Executed { .. }))
			);
			self.block += 1;
		}
		self.state.sync().unwrap();
		let transfers = (blocks * PER_BLOCK) as u32;
		let (wall, cpu) = (t.elapsed() / transfers, (thread_cpu() - cpu) / transfers);
		// The log is compacted into a checkpoint (a full write of the state)
		// each time it outgrows the state; add its amortized share.
		let stats = self.state.storage_stats();
		let log_per_transfer = stats.log_bytes as f64 / transfers as f64;
		let (t, c) = (Instant::now(), thread_cpu());
		self.state.compact().unwrap();
		let (compaction, compaction_cpu) = (t.elapsed(), thread_cpu() - c);
		let share = log_per_transfer / stats.compact_at_log_bytes as f64;
		eprintln!(
			"  {} accounts: {:.1} us/transfer wall, {:.1} us CPU; compaction {:.2} s every {:.0} transfers ({} B logged per transfer)",
			self.accounts,
			wall.as_secs_f64() * 1e6,
			cpu.as_secs_f64() * 1e6,
			compaction.as_secs_f64(),
			1.0 / share,
			log_per_transfer as u64
		);
		Figures { wall: wall + compaction.mul_f64(share), cpu: cpu + compaction_cpu.mul_f64(share) }
	}

	/// Sidechain blocks of `per_block` transfers: wall time per block of
	/// prepare + encrypt the diff + commit with the block record (fsynced),
	/// one figure per block.
	fn measure_blocks(&mut self, per_block: usize, blocks: usize) -> Vec<Duration> {
		const BLOCKS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("blocks");
		let blocks_in = self.transfers(blocks, per_block);
		let mut figures = Vec::with_capacity(blocks);
		for inputs in blocks_in {
			let t = Instant::now();
			let number = self.state.sidechain_head().number + 1;
			let parent = (self.block, H256::from_low_u64_be(self.block as u64));
			let inputs = integritee_stf::BlockInputs {
				parentchain: vec![integritee_stf::ParentchainInputs { block: parent, inputs }],
				direct: vec![],
			};
			let prepared = self.state.prepare(number, inputs).unwrap();
			let body = self.state.encrypt_diff(number, prepared.changes()).unwrap();
			let out = self
				.state
				.commit(prepared, H256::from_low_u64_be(number), |txn| {
					let mut table = txn
						.open_table(BLOCKS)
						.map_err(|e| integritee_stf::Error::CallerRecords(e.to_string()))?;
					table
						.insert(number, body.as_slice())
						.map_err(|e| integritee_stf::Error::CallerRecords(e.to_string()))?;
					Ok(())
				})
				.unwrap();
			figures.push(t.elapsed());
			assert!(out.outcomes.iter().all(|o| matches!(o, InputOutcome::Executed { .. })));
			self.block += 1;
		}
		figures
	}

	/// File size (MB) and the time to reopen (read, decrypt, check the root).
	fn finish(self) -> (f64, Duration) {
		let file_mb = std::fs::metadata(&self.path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
		drop(self.state);
		let t = Instant::now();
		let state =
			ShardState::open_with_db_cache(&self.path, &[3; 32], self.cfg, self.db_cache).unwrap();
		assert_eq!(state.entries(), self.accounts + 1, "accounts and total issuance");
		(file_mb, t.elapsed())
	}
}

fn median(mut v: Vec<Duration>) -> Duration {
	v.sort();
	v[v.len() / 2]
}

/// `BENCH_MODE=blocks`: per-block cost at two state sizes, alternating
/// rounds, medians.
fn blocks_mode(dir: &std::path::Path) {
	const SIZES: [usize; 3] = [0, 100, 1000];
	let small = env("BENCH_SMALL", 10_000);
	let large = env("BENCH_LARGE", 1_000_000);
	let blocks = env("BENCH_BLOCKS", 20);
	let rounds = env("BENCH_ROUNDS", 3).max(1);
	println!(
		"Sidechain block cost (execute + encrypt the diff + commit with the block record, \
		 fsynced): {rounds} rounds of {blocks} blocks per size and load, alternating; medians"
	);
	let mut benches = [Bench::build(small, dir), Bench::build(large, dir)];
	let mut figures: [[Vec<Duration>; 3]; 2] = Default::default();
	for _ in 0..rounds {
		for (bench, f) in benches.iter_mut().zip(figures.iter_mut()) {
			for (load, per_block) in SIZES.iter().enumerate() {
				f[load].extend(bench.measure_blocks(*per_block, blocks));
			}
		}
	}
	let ms = |d: Duration| d.as_secs_f64() * 1e3;
	println!(
		"{:>9} | {:>14} | {:>14} | {:>14}",
		"accounts", "empty", "100 transfers", "1000 transfers"
	);
	let mut medians = [[Duration::ZERO; 3]; 2];
	for (i, bench) in benches.iter().enumerate() {
		for load in 0..3 {
			medians[i][load] = median(figures[i][load].clone());
		}
		println!(
			"{:>9} | {:>11.2} ms | {:>11.2} ms | {:>11.2} ms   (build {:.1} s)",
			bench.accounts,
			ms(medians[i][0]),
			ms(medians[i][1]),
			ms(medians[i][2]),
			bench.build.as_secs_f64()
		);
	}
	for (load, per_block) in SIZES.iter().enumerate() {
		let ratio = medians[1][load].as_secs_f64() / medians[0][load].as_secs_f64();
		println!(
			"ratio large/small, {per_block} transfers: {ratio:.3} ({}; goal <= 1.25)",
			if ratio <= 1.25 { "met" } else { "MISSED" }
		);
	}
}

fn main() {
	if std::env::var_os("BENCH_LOG").is_some() {
		let _ = log::set_logger(&StderrLog);
		log::set_max_level(log::LevelFilter::Debug);
	}
	if std::env::var("BENCH_MODE").as_deref() == Ok("blocks") {
		let tmp = tempfile::tempdir().unwrap();
		let dir = std::env::var("BENCH_DIR").map(std::path::PathBuf::from);
		blocks_mode(&dir.unwrap_or(tmp.path().into()));
		return;
	}
	let small = env("BENCH_SMALL", 1000);
	let large = env("BENCH_LARGE", 1_000_000);
	let blocks = env("BENCH_BLOCKS", 30);
	let rounds = env("BENCH_ROUNDS", 5).max(1);
	let tmp = tempfile::tempdir().unwrap();
	let dir = std::env::var("BENCH_DIR").map(std::path::PathBuf::from).unwrap_or(tmp.path().into());
	println!(
		"STF transfer cost: blocks of {PER_BLOCK} signed (sr25519) transfers, {SENDERS} senders, \
		 random receivers; {rounds} rounds of {blocks} blocks per size, alternating; medians"
	);
	let mut benches = [Bench::build(small, &dir), Bench::build(large, &dir)];
	let mut figures: [Vec<Figures>; 2] = [Vec::new(), Vec::new()];
	for _ in 0..rounds {
		for (bench, f) in benches.iter_mut().zip(figures.iter_mut()) {
			f.push(bench.measure(blocks));
		}
	}
	let mut medians = Vec::new();
	for (bench, f) in benches.into_iter().zip(figures) {
		let (accounts, build) = (bench.accounts, bench.build);
		let wall = median(f.iter().map(|x| x.wall).collect());
		let cpu = median(f.iter().map(|x| x.cpu).collect());
		let (file_mb, reopen) = bench.finish();
		println!(
			"{accounts:>9} accounts: {:>7.1} us/transfer wall, {:>7.1} us CPU (build {:.2} s, \
			 reopen {:.2} s, file {:.1} MB)",
			wall.as_secs_f64() * 1e6,
			cpu.as_secs_f64() * 1e6,
			build.as_secs_f64(),
			reopen.as_secs_f64(),
			file_mb
		);
		medians.push((wall, cpu));
	}
	let ratio = medians[1].0.as_secs_f64() / medians[0].0.as_secs_f64();
	let cpu_ratio = medians[1].1.as_secs_f64() / medians[0].1.as_secs_f64();
	let verdict = |r: f64| if r <= 1.25 { "met" } else { "MISSED" };
	println!(
		"ratio large/small: wall {ratio:.3} ({}), CPU {cpu_ratio:.3} ({}); goal <= 1.25",
		verdict(ratio),
		verdict(cpu_ratio)
	);
}

/// Executes the inputs of parent block `parent` as the next sidechain block
/// and commits it.
fn apply_parent_block(
	state: &mut ShardState,
	parent: (u32, H256),
	inputs: Vec<StfInput>,
) -> integritee_stf::BlockOutcome {
	let number = state.sidechain_head().number + 1;
	let inputs = integritee_stf::BlockInputs {
		parentchain: vec![integritee_stf::ParentchainInputs { block: parent, inputs }],
		direct: vec![],
	};
	let prepared = state.prepare(number, inputs).unwrap();
	state.commit(prepared, H256::from_low_u64_be(number), |_| Ok(())).unwrap()
}

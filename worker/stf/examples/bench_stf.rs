//! STF execution cost per transfer (signature check + execution + commit, in
//! blocks of 100 transfers) at 1,000 and at 1,000,000 accounts.
//!
//! `cargo run --release -p integritee-stf --example bench_stf`
//!
//! Environment: `BENCH_SMALL` / `BENCH_LARGE` (account counts, defaults 1000
//! and 1000000), `BENCH_BLOCKS` (measured blocks, default 30), `BENCH_DIR`
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

struct Run {
	per_transfer: Duration,
	cpu_per_transfer: Duration,
	build: Duration,
	file_mb: f64,
}

fn run(accounts: usize, blocks: usize, dir: &std::path::Path) -> Run {
	let cfg = StfConfig::new(H256::repeat_byte(1), [2; 32]);
	let path = dir.join(format!("bench-{accounts}.redb"));
	let reuse = std::env::var_os("BENCH_REUSE").is_some();
	if !reuse {
		let _ = std::fs::remove_file(&path);
	}
	let db_cache = env("BENCH_DB_CACHE_MB", 1024) << 20;
	let mut state = ShardState::open_with_db_cache(&path, &[3; 32], cfg.clone(), db_cache).unwrap();
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
	if let Some((last, _)) = state.last_block() {
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
		let out = state
			.apply_block((block, H256::from_low_u64_be(block as u64)), std::mem::take(&mut shields))
			.unwrap();
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

	// Signed transfers, prepared outside the measurement.
	let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
	let mut nonces: Vec<u32> = senders
		.iter()
		.map(|p| state.account_info(&AccountId::from(p.public())).unwrap().nonce)
		.collect();
	let mut blocks_in: Vec<Vec<StfInput>> = Vec::with_capacity(blocks);
	for b in 0..blocks {
		let mut v = Vec::with_capacity(PER_BLOCK);
		for k in 0..PER_BLOCK {
			let s = (b * PER_BLOCK + k) % SENDERS;
			let to = account((rng.next() % others.max(1) as u64) as usize);
			let call = TrustedCall::BalanceTransfer {
				from: AccountId::from(senders[s].public()),
				to,
				amount: 1 + (rng.next() % 1000) as Balance,
			};
			let signed = call.sign(nonces[s], &cfg.mr_enclave, &cfg.shard, |m| {
				MultiSignature::from(senders[s].sign(m))
			});
			nonces[s] += 1;
			v.push(StfInput::Call(signed));
		}
		blocks_in.push(v);
	}

	let t = Instant::now();
	let cpu = thread_cpu();
	for inputs in blocks_in {
		let out = state.apply_block((block, H256::from_low_u64_be(block as u64)), inputs).unwrap();
		assert!(
			out.outcomes.iter().all(|o| matches!(o, InputOutcome::Executed { .. })),
			"{:?}",
			out.outcomes.iter().find(|o| !matches!(o, InputOutcome::Executed { .. }))
		);
		block += 1;
	}
	state.sync().unwrap();
	let per_transfer = t.elapsed() / (blocks * PER_BLOCK) as u32;
	let cpu_per_transfer = (thread_cpu() - cpu) / (blocks * PER_BLOCK) as u32;
	let file_mb = std::fs::metadata(&path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
	Run { per_transfer, cpu_per_transfer, build, file_mb }
}

fn main() {
	if std::env::var_os("BENCH_LOG").is_some() {
		let _ = log::set_logger(&StderrLog);
		log::set_max_level(log::LevelFilter::Debug);
	}
	let small = env("BENCH_SMALL", 1000);
	let large = env("BENCH_LARGE", 1_000_000);
	let blocks = env("BENCH_BLOCKS", 30);
	let tmp = tempfile::tempdir().unwrap();
	let dir = std::env::var("BENCH_DIR").map(std::path::PathBuf::from).unwrap_or(tmp.path().into());
	println!("STF transfer cost: blocks of {PER_BLOCK} signed (sr25519) transfers, {blocks} blocks, {SENDERS} senders, random receivers");
	let a = run(small, blocks, &dir);
	println!(
		"{small:>9} accounts: {:>7.1} us/transfer wall, {:>7.1} us CPU (build {:.2} s, file {:.1} MB)",
		a.per_transfer.as_secs_f64() * 1e6,
		a.cpu_per_transfer.as_secs_f64() * 1e6,
		a.build.as_secs_f64(),
		a.file_mb
	);
	let b = run(large, blocks, &dir);
	println!(
		"{large:>9} accounts: {:>7.1} us/transfer wall, {:>7.1} us CPU (build {:.2} s, file {:.1} MB)",
		b.per_transfer.as_secs_f64() * 1e6,
		b.cpu_per_transfer.as_secs_f64() * 1e6,
		b.build.as_secs_f64(),
		b.file_mb
	);
	let ratio = b.per_transfer.as_secs_f64() / a.per_transfer.as_secs_f64();
	let cpu_ratio = b.cpu_per_transfer.as_secs_f64() / a.cpu_per_transfer.as_secs_f64();
	let verdict = |r: f64| if r <= 1.25 { "met" } else { "MISSED" };
	println!(
		"ratio large/small: wall {ratio:.3} ({}), CPU {cpu_ratio:.3} ({}); goal <= 1.25",
		verdict(ratio),
		verdict(cpu_ratio)
	);
}

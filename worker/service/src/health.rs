//! What `system_health` reports: lag behind the finalized head, failing
//! loops, invariant breaches, the sidechain (committed block, Raft term and
//! role, anchor lag). Kept outside the trusted core's lock: health answers
//! while a block is produced or a long catch-up is imported.

use std::{
	collections::BTreeMap,
	sync::{Arc, Mutex},
};

use integritee_stf_primitives::rpc::{SidechainHealth, WorkerHealth};

#[derive(Default)]
struct Inner {
	last_processed: u32,
	finalized: u32,
	problems: BTreeMap<&'static str, String>,
	sidechain: SidechainHealth,
}

#[derive(Clone)]
pub struct Health {
	inner: Arc<Mutex<Inner>>,
	max_lag: u32,
}

impl Health {
	pub fn new(max_lag: u32) -> Self {
		Self { inner: Arc::default(), max_lag }
	}

	fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
		let mut guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		f(&mut guard)
	}

	pub fn set_progress(&self, last_processed: u32, finalized: u32) {
		self.with(|inner| {
			inner.last_processed = last_processed;
			inner.finalized = finalized.max(inner.finalized);
		})
	}

	/// Updates the sidechain part of the report.
	pub fn update_sidechain(&self, f: impl FnOnce(&mut SidechainHealth)) {
		self.with(|inner| {
			f(&mut inner.sidechain);
			let anchored = inner.sidechain.anchored_block.unwrap_or_default();
			inner.sidechain.anchor_lag = inner.sidechain.block_number.saturating_sub(anchored);
		})
	}

	/// The parent chain's finalized head as last seen.
	pub fn finalized(&self) -> u32 {
		self.with(|inner| inner.finalized)
	}

	pub fn set_finalized(&self, finalized: u32) {
		self.with(|inner| inner.finalized = finalized.max(inner.finalized))
	}

	/// Records (`Some`) or clears (`None`) a problem of one component.
	pub fn set_problem(&self, component: &'static str, problem: Option<String>) {
		self.with(|inner| match problem {
			Some(problem) => {
				inner.problems.insert(component, problem);
			}
			None => {
				inner.problems.remove(component);
			}
		})
	}

	/// Whether `component` currently reports a problem.
	pub fn has_problem(&self, component: &'static str) -> bool {
		self.with(|inner| inner.problems.contains_key(component))
	}

	pub fn report(&self, simulated_tee: bool) -> WorkerHealth {
		self.with(|inner| {
			let lag = inner.finalized.saturating_sub(inner.last_processed);
			let mut problems: Vec<String> = inner
				.problems
				.iter()
				.map(|(component, problem)| format!("{component}: {problem}"))
				.collect();
			if lag > self.max_lag {
				problems.push(format!(
					"the parent-chain view lags {lag} blocks behind the finalized head"
				));
			}
			WorkerHealth {
				last_processed_block: inner.last_processed,
				parentchain_finalized: inner.finalized,
				lag_blocks: lag,
				healthy: problems.is_empty(),
				problems,
				simulated_tee,
				sidechain: inner.sidechain.clone(),
			}
		})
	}
}

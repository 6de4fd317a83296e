//! What `system_health` reports: lag behind the finalized head, failing
//! loops, invariant breaches, the sidechain (committed block, Raft term and
//! role, anchor lag). Kept outside the trusted core's lock: health answers
//! while a block is produced or a long catch-up is imported.
//!
//! The components that report problems are a [`Component`]; what some
//! problems say is decided here too ([`invariant_problem`],
//! [`not_serving_problem`]).

use std::{
	collections::BTreeMap,
	fmt,
	sync::{Arc, Mutex},
};

use integritee_enclave::Invariant;
use integritee_stf_primitives::rpc::{SecretsHealth, SidechainHealth, WorkerHealth};

/// A part of the worker that reports problems in `system_health`, each
/// listed as `"{component}: {problem}"`. The supervised loops report their
/// failures under their own component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Component {
	/// The parent-chain sync loop.
	Sync,
	/// The block production loop, and the core's refusals to produce.
	Production,
	/// The periodic anchoring of the sidechain on the parent chain.
	Anchoring,
	/// Issuance against the vault's balance, after every committed block.
	Invariant,
	/// The registration renewal loop.
	Registration,
	/// A data directory rolled back behind the sidechain's anchor.
	Rollback,
	/// The one-instance-per-shard rule (another enclave serves the shard).
	Membership,
	/// Getting the shard's secrets from a member (a joiner), and the peer
	/// server that hands them out.
	Provisioning,
}

impl Component {
	/// The name `system_health` lists problems under: part of its answer,
	/// which operators and their monitoring read (keep it stable).
	pub fn name(self) -> &'static str {
		match self {
			Component::Sync => "parent-chain sync",
			Component::Production => "block production",
			Component::Anchoring => "sidechain anchoring",
			Component::Invariant => "invariant",
			Component::Registration => "registration renewal",
			Component::Rollback => "rollback",
			Component::Membership => "shard membership",
			Component::Provisioning => "provisioning",
		}
	}
}

impl fmt::Display for Component {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(self.name())
	}
}

#[derive(Default)]
struct Inner {
	last_processed: u32,
	finalized: u32,
	/// Keyed by the component's name, so that problems are listed in the
	/// order of their names.
	problems: BTreeMap<&'static str, String>,
	sidechain: SidechainHealth,
	secrets: SecretsHealth,
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

	/// Updates the secrets part of the report.
	pub fn update_secrets(&self, f: impl FnOnce(&mut SecretsHealth)) {
		self.with(|inner| f(&mut inner.secrets))
	}

	/// The parent chain's finalized head as last seen.
	pub fn finalized(&self) -> u32 {
		self.with(|inner| inner.finalized)
	}

	pub fn set_finalized(&self, finalized: u32) {
		self.with(|inner| inner.finalized = finalized.max(inner.finalized))
	}

	/// Records (`Some`) or clears (`None`) a problem of one component.
	pub fn set_problem(&self, component: Component, problem: Option<String>) {
		self.with(|inner| match problem {
			Some(problem) => {
				inner.problems.insert(component.name(), problem);
			}
			None => {
				inner.problems.remove(component.name());
			}
		})
	}

	/// Whether `component` currently reports a problem.
	pub fn has_problem(&self, component: Component) -> bool {
		self.with(|inner| inner.problems.contains_key(component.name()))
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
				secrets: inner.secrets.clone(),
			}
		})
	}
}

/// What health says while `serving` (another enclave) serves the shard.
pub fn not_serving_problem(serving: &integritee_stf_primitives::AccountId) -> String {
	format!(
		"enclave {serving} serves this shard (it joined first); this worker has its own keys and \
		 state, so it follows the chain but refuses to serve (no answers, confirmations or \
		 payouts). Stop it, or, if {serving} is gone for good, move that enclave's data to this \
		 machine (or provision the shard) before root purges it with \
		 EnclaveBridge::purge_enclave_from_shard"
	)
}

/// The health problem an invariant is, if any: a breach always (users'
/// funds are not covered; payouts are stopped), a surplus above the parent
/// chain's existential deposit too (funds sent to the vault directly are
/// stuck there, or confidential balances were lost).
pub fn invariant_problem(invariant: Invariant) -> Option<String> {
	match invariant {
		Invariant::Holds => None,
		Invariant::Surplus { issuance, vault }
			if vault - issuance <= integritee_runtime::EXISTENTIAL_DEPOSIT =>
		{
			None
		}
		Invariant::Surplus { issuance, vault } => Some(format!(
			"SURPLUS: the vault holds {vault}, {} more than the confidential issuance {issuance} \
			 (funds sent to it directly, or confidential state lost)",
			vault - issuance
		)),
		Invariant::Breach { issuance, vault } => Some(format!(
			"BREACH: confidential issuance {issuance} > vault balance {vault}; payouts are \
			 stopped until the vault covers it"
		)),
	}
}

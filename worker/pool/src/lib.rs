//! The trusted core's pool of direct calls (see the crate README).
//!
//! The core checks a call at the door (decryption, signature, funded
//! sender), reads the sender's nonce from the committed state and hands
//! both to [`Pool::submit`]. Blocks take [`Pool::ready`]; after a block is
//! committed, [`Pool::after_block`] removes what it included and
//! revalidates the rest against the new nonces. The pool's clock
//! ([`Pool::advance_clock`]) only moves forward; future calls age by it.
#![forbid(unsafe_code)]

use std::{
	cmp::Reverse,
	collections::{BTreeMap, BinaryHeap, HashMap, HashSet},
	fmt::Debug,
	hash::Hash,
};

/// A nonce of the confidential state.
pub type Nonce = u32;

/// What the pool needs to know of a call.
pub trait PoolCall {
	type Account: Ord + Clone + Debug;
	type Hash: Hash + Eq + Copy + Debug;
	/// The account whose nonce the call uses.
	fn sender(&self) -> &Self::Account;
	fn nonce(&self) -> Nonce;
	/// The call's identity (duplicates are refused by it).
	fn hash(&self) -> Self::Hash;
}

/// How much the pool holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolLimits {
	/// Calls in total (ready and future).
	pub max_calls: usize,
	/// Calls of one account (ready and future): one account cannot fill
	/// the pool.
	pub max_per_account: usize,
	/// Future calls of one account.
	pub max_future_per_account: usize,
	/// Future calls of all accounts.
	pub max_future: usize,
	/// How long (in the clock's unit: milliseconds in the core) a call
	/// may stay future before it is dropped (its gap was never filled).
	pub max_future_age: u64,
}

impl Default for PoolLimits {
	fn default() -> Self {
		Self {
			max_calls: 100_000,
			max_per_account: 64,
			max_future_per_account: 16,
			max_future: 10_000,
			max_future_age: 60_000,
		}
	}
}

/// Where an admitted call stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
	/// Its nonce follows the state's (directly or through pooled calls):
	/// the next block may include it.
	Ready,
	/// A nonce before it is missing.
	Future,
}

/// What [`Pool::submit`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admitted<H> {
	pub readiness: Readiness,
	/// Future calls of the same account that the new call made ready.
	pub promoted: Vec<H>,
}

/// Why the pool refused a call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
	#[error("a call with this hash is in the pool already")]
	AlreadyImported,
	#[error("the nonce {got} is used already (the account's next nonce is {expected})")]
	StaleNonce { expected: Nonce, got: Nonce },
	#[error("another pooled call of this account holds nonce {nonce}")]
	NonceTaken { nonce: Nonce },
	#[error("the account has {limit} future calls in the pool already (a nonce gap before them)")]
	TooManyFuture { limit: usize },
	#[error("the account has {limit} calls in the pool already; try again after the next block")]
	TooManyCalls { limit: usize },
	#[error("the pool is full ({limit} {what}); try again after the next block")]
	Full { limit: usize, what: &'static str },
}

/// A change of a pooled call's standing after a block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Revalidated<H> {
	/// It was future and is ready now.
	Ready(H),
	/// Its nonce was consumed by another call (e.g. a parent-chain
	/// `invoke`): it can never execute.
	Invalid { hash: H, expected: Nonce, got: Nonce },
	/// It stayed future for longer than the limit.
	Dropped(H),
}

struct Entry<C> {
	call: C,
	/// Arrival order, for the block order.
	seq: u64,
	/// The pool's clock at admission, for the future age limit.
	admitted_at: u64,
}

/// One account's pooled calls.
struct Chain<C> {
	/// The account's nonce in the committed state.
	base: Nonce,
	calls: BTreeMap<Nonce, Entry<C>>,
}

impl<C> Chain<C> {
	/// How many calls from `base` on have no gap before them.
	fn ready_len(&self) -> usize {
		self.calls.keys().zip(self.base..).take_while(|(n, expected)| **n == *expected).count()
	}

	fn future_len(&self) -> usize {
		self.calls.len() - self.ready_len()
	}
}

/// The pool (see the crate documentation).
pub struct Pool<C: PoolCall> {
	limits: PoolLimits,
	chains: BTreeMap<C::Account, Chain<C>>,
	/// hash → (sender, nonce)
	index: HashMap<C::Hash, (C::Account, Nonce)>,
	future: usize,
	next_seq: u64,
	/// The latest moment seen ([`Pool::advance_clock`]).
	clock: u64,
}

impl<C: PoolCall> Pool<C> {
	pub fn new(limits: PoolLimits) -> Self {
		Self {
			limits,
			chains: BTreeMap::new(),
			index: HashMap::new(),
			future: 0,
			next_seq: 0,
			clock: 0,
		}
	}

	pub fn limits(&self) -> PoolLimits {
		self.limits
	}

	/// Calls in the pool.
	pub fn len(&self) -> usize {
		self.index.len()
	}

	pub fn is_empty(&self) -> bool {
		self.index.is_empty()
	}

	/// Future calls in the pool.
	pub fn future_len(&self) -> usize {
		self.future
	}

	pub fn contains(&self, hash: &C::Hash) -> bool {
		self.index.contains_key(hash)
	}

	/// Admits `call`, whose sender's nonce in the committed state is
	/// `state_nonce`.
	pub fn submit(&mut self, call: C, state_nonce: Nonce) -> Result<Admitted<C::Hash>, PoolError> {
		let hash = call.hash();
		if self.index.contains_key(&hash) {
			return Err(PoolError::AlreadyImported);
		}
		let nonce = call.nonce();
		if nonce < state_nonce {
			return Err(PoolError::StaleNonce { expected: state_nonce, got: nonce });
		}
		if self.index.len() >= self.limits.max_calls {
			return Err(PoolError::Full { limit: self.limits.max_calls, what: "calls" });
		}
		let sender = call.sender().clone();
		let (ready_before, future_before) = match self.chains.get(&sender) {
			Some(chain) if chain.base == state_nonce => {
				if chain.calls.contains_key(&nonce) {
					return Err(PoolError::NonceTaken { nonce });
				}
				if chain.calls.len() >= self.limits.max_per_account {
					return Err(PoolError::TooManyCalls { limit: self.limits.max_per_account });
				}
				(chain.ready_len(), chain.future_len())
			}
			// A chain on another base was not revalidated against this
			// state: the caller's nonce is the committed one.
			Some(_) => return Err(PoolError::StaleNonce { expected: state_nonce, got: nonce }),
			None => (0, 0),
		};
		let ready_end = u64::from(state_nonce) + ready_before as u64;
		let readiness =
			if u64::from(nonce) == ready_end { Readiness::Ready } else { Readiness::Future };
		if readiness == Readiness::Future {
			if future_before >= self.limits.max_future_per_account {
				return Err(PoolError::TooManyFuture { limit: self.limits.max_future_per_account });
			}
			if self.future >= self.limits.max_future {
				return Err(PoolError::Full {
					limit: self.limits.max_future,
					what: "future calls",
				});
			}
		}
		let entry = Entry { call, seq: self.next_seq, admitted_at: self.clock };
		self.next_seq += 1;
		let chain = self
			.chains
			.entry(sender.clone())
			.or_insert_with(|| Chain { base: state_nonce, calls: BTreeMap::new() });
		chain.calls.insert(nonce, entry);
		let ready_after = chain.ready_len();
		let promoted = chain
			.calls
			.values()
			.skip(ready_before + 1)
			.take(ready_after.saturating_sub(ready_before + 1))
			.map(|e| e.call.hash())
			.collect::<Vec<_>>();
		self.future = self.future + chain.future_len() - future_before;
		self.index.insert(hash, (sender, nonce));
		Ok(Admitted { readiness, promoted })
	}

	/// The ready calls in block order, at most `max`: fair across
	/// accounts, in rounds: each round takes the next ready call of every
	/// account that has one, the accounts in the order their calls arrived;
	/// each account's calls go in nonce order. So an account that floods
	/// the pool takes one call per round, and another account's call is in
	/// the next block.
	pub fn ready(&self, max: usize) -> Vec<&C> {
		// Per account: its ready run. A heap picks the smallest (round,
		// arrival) key; an account's next call goes to the next round, and
		// its arrival key is at least its predecessor's (a call that
		// arrived before the one it requires goes right after it).
		let runs: Vec<Vec<&Entry<C>>> = self
			.chains
			.values()
			.map(|chain| chain.calls.values().take(chain.ready_len()).collect::<Vec<_>>())
			.filter(|run| !run.is_empty())
			.collect();
		let mut heap: BinaryHeap<Reverse<(usize, u64, usize)>> =
			runs.iter().enumerate().map(|(i, run)| Reverse((0, run[0].seq, i))).collect();
		let mut out = Vec::with_capacity(max.min(self.index.len()));
		while out.len() < max {
			let Some(Reverse((round, arrival, run))) = heap.pop() else { break };
			out.push(&runs[run][round].call);
			if let Some(next) = runs[run].get(round + 1) {
				heap.push(Reverse((round + 1, next.seq.max(arrival), run)));
			}
		}
		out
	}

	/// The nonce the account's next call should carry: the state's
	/// `state_nonce` followed by the account's ready calls.
	pub fn next_nonce(&self, account: &C::Account, state_nonce: Nonce) -> Nonce {
		match self.chains.get(account) {
			Some(chain) if chain.base == state_nonce => {
				state_nonce.saturating_add(chain.ready_len() as Nonce)
			}
			_ => state_nonce,
		}
	}

	/// The account's pooled calls in nonce order, with their readiness.
	pub fn pending_of(&self, account: &C::Account) -> Vec<(&C, Readiness)> {
		let Some(chain) = self.chains.get(account) else { return Vec::new() };
		let ready = chain.ready_len();
		chain
			.calls
			.values()
			.enumerate()
			.map(|(i, e)| (&e.call, if i < ready { Readiness::Ready } else { Readiness::Future }))
			.collect()
	}

	/// Moves the pool's clock to `now` if that is later (a moment never
	/// goes back): calls admitted from now on carry it, and the next
	/// [`Self::after_block`] ages future calls by it.
	pub fn advance_clock(&mut self, now: u64) {
		self.clock = self.clock.max(now);
	}

	/// After a committed block: removes the calls it `included` (whatever
	/// their outcome), then revalidates every account against its nonce in
	/// the new state (`state_nonce`); future calls admitted longer than the
	/// limit ago (by the pool's clock) are dropped. Returns the changes to
	/// report.
	pub fn after_block(
		&mut self,
		included: &[C::Hash],
		mut state_nonce: impl FnMut(&C::Account) -> Nonce,
	) -> Vec<Revalidated<C::Hash>> {
		// Calls ready before the block stay ready or leave: only the others
		// are reported as newly ready.
		let ready_before: HashSet<C::Hash> = self
			.chains
			.values()
			.flat_map(|chain| chain.calls.values().take(chain.ready_len()).map(|e| e.call.hash()))
			.collect();
		for hash in included {
			if let Some((sender, nonce)) = self.index.remove(hash) {
				if let Some(chain) = self.chains.get_mut(&sender) {
					chain.calls.remove(&nonce);
				}
			}
		}
		let mut changes = Vec::new();
		let mut future = 0;
		let max_age = self.limits.max_future_age;
		let clock = self.clock;
		for (account, chain) in self.chains.iter_mut() {
			let base = state_nonce(account);
			chain.base = base;
			let stale: Vec<Nonce> = chain.calls.range(..base).map(|(n, _)| *n).collect();
			for got in stale {
				if let Some(entry) = chain.calls.remove(&got) {
					let hash = entry.call.hash();
					self.index.remove(&hash);
					changes.push(Revalidated::Invalid { hash, expected: base, got });
				}
			}
			let ready = chain.ready_len();
			let aged: Vec<Nonce> = chain
				.calls
				.iter()
				.skip(ready)
				.filter(|(_, e)| clock.saturating_sub(e.admitted_at) > max_age)
				.map(|(n, _)| *n)
				.collect();
			for nonce in aged {
				if let Some(entry) = chain.calls.remove(&nonce) {
					let hash = entry.call.hash();
					self.index.remove(&hash);
					changes.push(Revalidated::Dropped(hash));
				}
			}
			changes.extend(
				chain
					.calls
					.values()
					.take(chain.ready_len())
					.map(|e| e.call.hash())
					.filter(|h| !ready_before.contains(h))
					.map(Revalidated::Ready),
			);
			future += chain.future_len();
		}
		self.chains.retain(|_, chain| !chain.calls.is_empty());
		self.future = future;
		changes
	}
}

#[cfg(test)]
mod tests;

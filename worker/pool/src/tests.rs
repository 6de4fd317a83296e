#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};

use proptest::prelude::*;

use super::*;

/// A call: (sender, nonce, salt); its hash is the triple.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Call(u8, Nonce, u8);

impl PoolCall for Call {
	type Account = u8;
	type Hash = (u8, Nonce, u8);
	fn sender(&self) -> &u8 {
		&self.0
	}
	fn nonce(&self) -> Nonce {
		self.1
	}
	fn hash(&self) -> (u8, Nonce, u8) {
		(self.0, self.1, self.2)
	}
}

fn limits() -> PoolLimits {
	PoolLimits {
		max_calls: 12,
		max_per_account: 5,
		max_future_per_account: 2,
		max_future: 4,
		max_future_age: 3,
	}
}

#[test]
fn chains_become_ready_in_nonce_order_and_blocks_take_them_by_arrival() {
	let mut pool = Pool::new(PoolLimits::default());
	// Account 1: nonce 6 arrives before 5 (state nonce 5).
	assert_eq!(pool.submit(Call(1, 6, 0), 5).unwrap().readiness, Readiness::Future);
	assert_eq!(pool.submit(Call(2, 0, 0), 0).unwrap().readiness, Readiness::Ready);
	let admitted = pool.submit(Call(1, 5, 0), 5).unwrap();
	assert_eq!(admitted, Admitted { readiness: Readiness::Ready, promoted: vec![(1, 6, 0)] });
	assert_eq!(pool.future_len(), 0);
	// 6 arrived first but requires 5: it follows 5.
	let order: Vec<Call> = pool.ready(10).into_iter().copied().collect();
	assert_eq!(order, vec![Call(2, 0, 0), Call(1, 5, 0), Call(1, 6, 0)]);
	assert_eq!(pool.ready(2).len(), 2);
	assert_eq!(pool.next_nonce(&1, 5), 7);
	assert_eq!(pool.next_nonce(&3, 9), 9);
}

#[test]
fn refusals() {
	let mut pool = Pool::new(limits());
	pool.submit(Call(1, 5, 0), 5).unwrap();
	assert_eq!(pool.submit(Call(1, 5, 0), 5), Err(PoolError::AlreadyImported));
	assert_eq!(pool.submit(Call(1, 5, 1), 5), Err(PoolError::NonceTaken { nonce: 5 }));
	assert_eq!(pool.submit(Call(1, 4, 0), 5), Err(PoolError::StaleNonce { expected: 5, got: 4 }));
	pool.submit(Call(1, 8, 0), 5).unwrap();
	pool.submit(Call(1, 9, 0), 5).unwrap();
	assert_eq!(pool.submit(Call(1, 10, 0), 5), Err(PoolError::TooManyFuture { limit: 2 }));
	// Filling the gap is still allowed (a ready call).
	assert_eq!(pool.submit(Call(1, 6, 0), 5).unwrap().readiness, Readiness::Ready);
	pool.submit(Call(2, 3, 0), 0).unwrap();
	pool.submit(Call(2, 4, 0), 0).unwrap();
	assert_eq!(
		pool.submit(Call(3, 4, 0), 0),
		Err(PoolError::Full { limit: 4, what: "future calls" })
	);
	for n in 0..5 {
		pool.submit(Call(4, n, 0), 0).unwrap();
	}
	assert_eq!(pool.submit(Call(4, 5, 0), 0), Err(PoolError::TooManyCalls { limit: 5 }));
	assert_eq!(pool.len(), 11);
	pool.submit(Call(5, 0, 0), 0).unwrap();
	assert_eq!(pool.submit(Call(6, 0, 0), 0), Err(PoolError::Full { limit: 12, what: "calls" }));
}

/// One account that floods the pool takes one call per round of a block:
/// another account's call, arriving after the flood, is in the next block.
#[test]
fn blocks_are_fair_across_accounts() {
	let mut pool = Pool::new(PoolLimits::default());
	for n in 0..50 {
		pool.submit(Call(1, n, 0), 0).unwrap();
	}
	pool.submit(Call(2, 0, 0), 0).unwrap();
	pool.submit(Call(2, 1, 0), 0).unwrap();
	pool.submit(Call(3, 0, 0), 0).unwrap();
	let block: Vec<Call> = pool.ready(4).into_iter().copied().collect();
	assert_eq!(block, vec![Call(1, 0, 0), Call(2, 0, 0), Call(3, 0, 0), Call(1, 1, 0)]);
	let block: Vec<Call> = pool.ready(6).into_iter().copied().collect();
	assert_eq!(&block[4..], &[Call(2, 1, 0), Call(1, 2, 0)]);
	// The flood is capped per account (ready and future).
	for n in 50..64 {
		pool.submit(Call(1, n, 0), 0).unwrap();
	}
	assert_eq!(pool.submit(Call(1, 64, 0), 0), Err(PoolError::TooManyCalls { limit: 64 }));
}

/// A parent-chain call consumed the nonce a pooled call holds: it becomes
/// invalid, and the call after it ready.
#[test]
fn a_nonce_consumed_elsewhere_invalidates_the_pooled_call() {
	let mut pool = Pool::new(limits());
	pool.submit(Call(1, 0, 0), 0).unwrap();
	pool.submit(Call(1, 2, 0), 0).unwrap();
	let changes = pool.after_block(&[], |_| 2);
	assert_eq!(
		changes,
		vec![
			Revalidated::Invalid { hash: (1, 0, 0), expected: 2, got: 0 },
			Revalidated::Ready((1, 2, 0))
		]
	);
	assert_eq!(pool.len(), 1);
	assert_eq!(pool.future_len(), 0);
	// The included call leaves without a report.
	assert_eq!(pool.after_block(&[(1, 2, 0)], |_| 3), vec![]);
	assert!(pool.is_empty());
}

#[test]
fn future_calls_are_dropped_when_their_gap_stays_open() {
	let mut pool = Pool::new(limits());
	pool.advance_clock(10);
	pool.submit(Call(1, 3, 0), 0).unwrap();
	// Blocks without time passing do not age it; the clock never goes back.
	for _ in 0..5 {
		assert_eq!(pool.after_block(&[], |_| 0), vec![]);
	}
	pool.advance_clock(13);
	pool.advance_clock(2);
	assert_eq!(pool.after_block(&[], |_| 0), vec![]);
	pool.advance_clock(14);
	assert_eq!(pool.after_block(&[], |_| 0), vec![Revalidated::Dropped((1, 3, 0))]);
	assert!(pool.is_empty());
	assert_eq!(pool.future_len(), 0);
}

type CallHash = (u8, Nonce, u8);

/// The model: per account, the state's nonce and the pooled nonces with
/// their hash and admission moment.
#[derive(Default, Debug)]
struct Model {
	state: BTreeMap<u8, Nonce>,
	pooled: BTreeMap<u8, BTreeMap<Nonce, (CallHash, u64)>>,
	clock: u64,
}

impl Model {
	fn nonce(&self, account: u8) -> Nonce {
		self.state.get(&account).copied().unwrap_or(0)
	}
	fn ready_len(&self, account: u8) -> usize {
		let base = self.nonce(account);
		self.pooled
			.get(&account)
			.map_or(0, |calls| (base..).take_while(|n| calls.contains_key(n)).count())
	}
	fn future_of(&self, account: u8) -> usize {
		self.pooled.get(&account).map_or(0, |c| c.len()) - self.ready_len(account)
	}
	fn len(&self) -> usize {
		self.pooled.values().map(|c| c.len()).sum()
	}
	fn future(&self) -> usize {
		self.pooled.keys().map(|a| self.future_of(*a)).sum()
	}
	fn submit(&mut self, call: Call, limits: &PoolLimits) -> Result<Readiness, PoolError> {
		let Call(account, nonce, _) = call;
		let hash = call.hash();
		if self.pooled.values().flat_map(|c| c.values()).any(|(h, _)| *h == hash) {
			return Err(PoolError::AlreadyImported);
		}
		let expected = self.nonce(account);
		if nonce < expected {
			return Err(PoolError::StaleNonce { expected, got: nonce });
		}
		if self.len() >= limits.max_calls {
			return Err(PoolError::Full { limit: limits.max_calls, what: "calls" });
		}
		if self.pooled.get(&account).is_some_and(|c| c.contains_key(&nonce)) {
			return Err(PoolError::NonceTaken { nonce });
		}
		if self.pooled.get(&account).map_or(0, |c| c.len()) >= limits.max_per_account {
			return Err(PoolError::TooManyCalls { limit: limits.max_per_account });
		}
		let ready = nonce as usize == expected as usize + self.ready_len(account);
		if !ready {
			if self.future_of(account) >= limits.max_future_per_account {
				return Err(PoolError::TooManyFuture { limit: limits.max_future_per_account });
			}
			if self.future() >= limits.max_future {
				return Err(PoolError::Full { limit: limits.max_future, what: "future calls" });
			}
		}
		self.pooled.entry(account).or_default().insert(nonce, (hash, self.clock));
		Ok(if ready { Readiness::Ready } else { Readiness::Future })
	}
}

#[derive(Clone, Debug)]
enum Op {
	Submit(Call),
	/// A block proposed `elapsed` after the last one, including at most
	/// `take` ready calls, and parent-chain calls consuming `bumps` nonces
	/// of accounts.
	Block {
		elapsed: u64,
		take: usize,
		bumps: Vec<(u8, Nonce)>,
	},
}

fn op() -> impl Strategy<Value = Op> {
	prop_oneof![
		4 => (0u8..4, 0u32..8, 0u8..2).prop_map(|(a, n, s)| Op::Submit(Call(a, n, s))),
		1 => (0u64..3, 0usize..6, proptest::collection::vec((0u8..4, 0u32..3), 0..2))
			.prop_map(|(elapsed, take, bumps)| Op::Block { elapsed, take, bumps }),
	]
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(400))]

	#[test]
	fn the_pool_behaves_like_the_model(ops in proptest::collection::vec(op(), 1..60)) {
		let limits = limits();
		let mut pool = Pool::new(limits);
		let mut model = Model::default();
		for op in ops {
			match op {
				Op::Submit(call) => {
					let expected = model.submit(call, &limits);
					let got = pool.submit(call, model.nonce(call.0)).map(|a| a.readiness);
					prop_assert_eq!(got, expected);
				}
				Op::Block { elapsed, take, bumps } => {
					model.clock += elapsed;
					pool.advance_clock(model.clock);
					let ready_before: HashSet<(u8, Nonce, u8)> = model.pooled.iter()
						.flat_map(|(a, c)| c.values().take(model.ready_len(*a)).map(|(h, _)| *h)
							.collect::<Vec<_>>())
						.collect();
					let included: Vec<Call> = pool.ready(take).into_iter().copied().collect();
					let ready_total: usize = (0..4).map(|a| model.ready_len(a)).sum();
					prop_assert_eq!(included.len(), take.min(ready_total));
					// Executing the block: each call must carry its
					// account's nonce at that point.
					for call in &included {
						let nonce = model.state.entry(call.0).or_default();
						prop_assert_eq!(call.1, *nonce, "out of nonce order: {:?}", call);
						*nonce += 1;
						model.pooled.get_mut(&call.0).map(|c| c.remove(&call.1));
					}
					for (account, by) in bumps {
						*model.state.entry(account).or_default() += by;
					}
					let mut expected = HashSet::new();
					for (account, calls) in model.pooled.iter_mut() {
						let base = model.state.get(account).copied().unwrap_or(0);
						let stale: Vec<Nonce> = calls.range(..base).map(|(n, _)| *n).collect();
						for got in stale {
							let (hash, _) = calls.remove(&got).unwrap_or_default();
							expected.insert(Revalidated::Invalid { hash, expected: base, got });
						}
						let ready = (base..).take_while(|n| calls.contains_key(n)).count();
						let aged: Vec<Nonce> = calls.iter().skip(ready)
							.filter(|(_, (_, at))| model.clock - at > limits.max_future_age)
							.map(|(n, _)| *n).collect();
						for nonce in aged {
							let (hash, _) = calls.remove(&nonce).unwrap_or_default();
							expected.insert(Revalidated::Dropped(hash));
						}
						let ready = (base..).take_while(|n| calls.contains_key(n)).count();
						for (hash, _) in calls.values().take(ready) {
							if !ready_before.contains(hash) {
								expected.insert(Revalidated::Ready(*hash));
							}
						}
					}
					let hashes: Vec<_> = included.iter().map(|c| c.hash()).collect();
					let state = model.state.clone();
					let changes: HashSet<_> = pool
						.after_block(&hashes, |a| state.get(a).copied().unwrap_or(0))
						.into_iter()
						.collect();
					prop_assert_eq!(changes, expected);
				}
			}
			prop_assert_eq!(pool.len(), model.len());
			prop_assert_eq!(pool.future_len(), model.future());
			for account in 0..4u8 {
				let state = model.nonce(account);
				prop_assert_eq!(
					pool.next_nonce(&account, state),
					state + model.ready_len(account) as Nonce
				);
				let pending: Vec<Nonce> =
					pool.pending_of(&account).into_iter().map(|(c, _)| c.1).collect();
				let modelled: Vec<Nonce> = model
					.pooled
					.get(&account)
					.map(|c| c.keys().copied().collect())
					.unwrap_or_default();
				prop_assert_eq!(pending, modelled);
			}
		}
	}
}

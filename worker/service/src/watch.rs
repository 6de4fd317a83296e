//! Watches of direct calls: the statuses the RPC's
//! `author_submitAndWatchExtrinsic` subscriptions receive, routed from
//! the core's admissions, from committed blocks (never before the commit)
//! and from the anchors the parent chain finalized.
//!
//! The host sees what it routes (call hashes and outcomes per block, which
//! the block body shows it anyway); the calls themselves stay in the core.

use std::{
	collections::{BTreeMap, HashMap},
	sync::{Arc, Mutex},
};

use integritee_enclave::{
	sidechain::{CallOutcome, SignedSidechainBlock},
	Revalidated,
};
use integritee_stf_primitives::direct::{CallStatus, DirectOutcome};
use polkadot_sdk::sp_core::H256;
use tokio::sync::mpsc;

/// A watch's end of the channel.
pub type StatusReceiver = mpsc::UnboundedReceiver<CallStatus>;

type Watch = (u64, mpsc::UnboundedSender<CallStatus>);

#[derive(Default)]
struct Inner {
	next_id: u64,
	/// Watched calls not in a committed block yet.
	pending: HashMap<H256, Vec<Watch>>,
	/// Watched calls in committed blocks, by block number, until the
	/// parent chain finalizes an anchor at or after the block.
	included: BTreeMap<u64, Vec<Watch>>,
}

/// The watches, shared by the RPC server and the block sink.
#[derive(Clone, Default)]
pub struct Watchers(Arc<Mutex<Inner>>);

/// A registered watch: its id (to cancel it if the admission fails) and
/// its statuses.
pub struct Registration {
	pub id: u64,
	pub hash: H256,
	pub statuses: StatusReceiver,
}

impl Watchers {
	fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
		self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// Watches the call `hash` (before it is admitted, so that no status is
	/// missed).
	pub fn watch(&self, hash: H256) -> Registration {
		let (sender, statuses) = mpsc::unbounded_channel();
		let mut inner = self.inner();
		inner.next_id += 1;
		let id = inner.next_id;
		inner.pending.entry(hash).or_default().push((id, sender));
		Registration { id, hash, statuses }
	}

	/// Cancels watch `id` of `hash` (its admission was refused).
	pub fn cancel(&self, hash: H256, id: u64) {
		let mut inner = self.inner();
		if let Some(watches) = inner.pending.get_mut(&hash) {
			watches.retain(|(watch, _)| *watch != id);
			if watches.is_empty() {
				inner.pending.remove(&hash);
			}
		}
	}

	/// Sends `status` to the watches of a pooled call; a final status ends
	/// them.
	pub fn notify(&self, hash: H256, status: CallStatus) {
		let mut inner = self.inner();
		let Some(watches) = inner.pending.get_mut(&hash) else { return };
		watches.retain(|(_, sender)| sender.send(status.clone()).is_ok());
		if status.is_final() || watches.is_empty() {
			inner.pending.remove(&hash);
		}
	}

	/// A block was committed: its calls' watches learn their outcome, and
	/// the pool's changes are passed on.
	pub fn block_committed(&self, block: &SignedSidechainBlock, changes: &[Revalidated<H256>]) {
		let (number, hash) = (block.header.number, block.header.hash());
		{
			let mut inner = self.inner();
			for (call, outcome) in &block.body.calls {
				let Some(watches) = inner.pending.remove(call) else { continue };
				let status = match outcome {
					CallOutcome::Succeeded => CallStatus::InSidechainBlock {
						hash,
						number,
						outcome: DirectOutcome::Succeeded,
					},
					CallOutcome::Failed(reason) => CallStatus::InSidechainBlock {
						hash,
						number,
						outcome: DirectOutcome::Failed { reason: *reason },
					},
					CallOutcome::Rejected(reason) => {
						CallStatus::Invalid { reason: format!("not executed: {reason}") }
					}
				};
				let live: Vec<Watch> =
					watches.into_iter().filter(|(_, s)| s.send(status.clone()).is_ok()).collect();
				if !status.is_final() && !live.is_empty() {
					inner.included.entry(number).or_default().extend(live);
				}
			}
		}
		for change in changes {
			match change {
				Revalidated::Ready(call) => self.notify(*call, CallStatus::Ready),
				Revalidated::Invalid { hash, expected, got } => self.notify(
					*hash,
					CallStatus::Invalid {
						reason: format!(
							"nonce {got} was consumed by another call (the account's next nonce \
							 is {expected})"
						),
					},
				),
				Revalidated::Dropped(call) => self.notify(
					*call,
					CallStatus::Dropped { reason: "its nonce gap stayed open for too long".into() },
				),
			}
		}
	}

	/// The parent chain finalized the anchor of sidechain block
	/// `sidechain_number` in `parent_block`: the calls of that block and of
	/// the blocks before it are final.
	pub fn anchored(&self, parent_block: u32, sidechain_number: u64) {
		let mut inner = self.inner();
		let later = inner.included.split_off(&(sidechain_number + 1));
		let final_now = std::mem::replace(&mut inner.included, later);
		for (_, sender) in final_now.into_values().flatten() {
			let _ = sender.send(CallStatus::Finalized { parent_block });
		}
	}

	/// Watches open (pending and included), for health and tests.
	pub fn len(&self) -> usize {
		let inner = self.inner();
		inner.pending.values().map(Vec::len).sum::<usize>()
			+ inner.included.values().map(Vec::len).sum::<usize>()
	}

	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use integritee_enclave::sidechain::{
		ed25519, FailReason, RejectReason, SidechainBody, SidechainHeader,
	};
	use polkadot_sdk::sp_core::Pair;

	fn block(number: u64, calls: Vec<(H256, CallOutcome)>) -> SignedSidechainBlock {
		let key = ed25519::Pair::from_seed(&[1; 32]);
		let header = SidechainHeader {
			shard: H256::zero(),
			number,
			parent_hash: H256::zero(),
			term: 1,
			parentchain_anchor: (1, H256::zero()),
			calls_root: H256::zero(),
			state_root_before: H256::zero(),
			state_root_after: H256::zero(),
			diff_hash: H256::zero(),
			author: key.public(),
		};
		SignedSidechainBlock::sign(header, SidechainBody { calls, encrypted_diff: vec![] }, &key)
	}

	fn drain(receiver: &mut StatusReceiver) -> Vec<CallStatus> {
		std::iter::from_fn(|| receiver.try_recv().ok()).collect()
	}

	#[test]
	fn a_watch_follows_its_call_until_final() {
		let watchers = Watchers::default();
		let (a, b, c) = (H256::repeat_byte(1), H256::repeat_byte(2), H256::repeat_byte(3));
		let mut wa = watchers.watch(a);
		let mut wb = watchers.watch(b);
		let mut wc = watchers.watch(c);
		watchers.notify(a, CallStatus::Ready);
		let one = block(
			5,
			vec![
				(a, CallOutcome::Failed(FailReason::InsufficientBalance)),
				(b, CallOutcome::Rejected(RejectReason::StaleNonce { expected: 1, got: 0 })),
			],
		);
		watchers.block_committed(&one, &[Revalidated::Dropped(c)]);
		let in_block = CallStatus::InSidechainBlock {
			hash: one.header.hash(),
			number: 5,
			outcome: DirectOutcome::Failed { reason: FailReason::InsufficientBalance },
		};
		assert_eq!(drain(&mut wa.statuses), vec![CallStatus::Ready, in_block]);
		assert!(matches!(drain(&mut wb.statuses)[..], [CallStatus::Invalid { .. }]));
		assert!(matches!(drain(&mut wc.statuses)[..], [CallStatus::Dropped { .. }]));
		assert_eq!(watchers.len(), 1, "only the included call waits for finality");
		watchers.anchored(40, 4);
		assert!(drain(&mut wa.statuses).is_empty(), "an anchor before its block");
		watchers.anchored(41, 6);
		assert_eq!(drain(&mut wa.statuses), vec![CallStatus::Finalized { parent_block: 41 }]);
		assert!(watchers.is_empty());
	}

	#[test]
	fn a_cancelled_or_dropped_watch_is_forgotten() {
		let watchers = Watchers::default();
		let a = H256::repeat_byte(1);
		let first = watchers.watch(a);
		let mut second = watchers.watch(a);
		watchers.cancel(a, first.id);
		watchers.notify(a, CallStatus::Ready);
		assert_eq!(drain(&mut second.statuses), vec![CallStatus::Ready]);
		drop(second);
		watchers.notify(a, CallStatus::Ready);
		assert!(watchers.is_empty());
	}
}

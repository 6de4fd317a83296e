//! Watches of direct calls: the statuses the RPC's
//! `author_submitAndWatchExtrinsic` subscriptions receive, routed from
//! the core's admissions, from committed blocks (never before the commit)
//! and from the anchors the parent chain finalized.
//!
//! The host sees what it routes (call hashes and outcomes per block, which
//! the block body shows it anyway); the calls themselves stay in the core.

use std::{
	collections::{BTreeMap, HashMap},
	ops::Bound,
	sync::{Arc, Mutex},
};

use codec::Encode;
use integritee_enclave::{
	sidechain::{CallOutcome, CallsTree, SidechainHeader, SignedSidechainBlock},
	Revalidated,
};
use integritee_stf_primitives::direct::{CallStatus, DirectOutcome};
use polkadot_sdk::sp_core::{Bytes, H256};
use tokio::sync::mpsc;

/// Watches of included calls kept while their blocks wait for an anchor;
/// beyond it the oldest blocks' watches end (their calls are in committed
/// blocks: only the `finalized` status is given up).
pub const MAX_INCLUDED_WATCHES: usize = 65_536;
/// Committed blocks a watch waits for an anchor through (headers kept to
/// link a block to a later anchor); beyond it the oldest block's watches
/// end. At one block a second that is half an hour without an anchor.
pub const MAX_BLOCKS_TO_ANCHOR: usize = 2_048;

/// A watch's end of the channel.
pub type StatusReceiver = mpsc::UnboundedReceiver<CallStatus>;

type Watch = (u64, mpsc::UnboundedSender<CallStatus>);

/// The watches of one committed block's calls.
struct Included {
	hash: H256,
	watches: Vec<Watch>,
}

#[derive(Default)]
struct Inner {
	next_id: u64,
	/// Watched calls not in a committed block yet.
	pending: HashMap<H256, Vec<Watch>>,
	/// Watched calls in committed blocks, by block number, until the
	/// parent chain finalizes an anchor of the block or of a later one on
	/// its hash chain.
	included: BTreeMap<u64, Included>,
	/// Watches in `included`.
	included_watches: usize,
	/// Headers of the committed blocks from the oldest block in `included`
	/// on: the links from it to a later anchor.
	headers: BTreeMap<u64, SidechainHeader>,
}

impl Inner {
	/// Ends the oldest included blocks' watches while over a limit.
	fn bound_included(&mut self) {
		while self.included_watches > MAX_INCLUDED_WATCHES
			|| self.headers.len() > MAX_BLOCKS_TO_ANCHOR
		{
			let Some((number, oldest)) = self.included.pop_first() else { break };
			log::warn!(
				"no anchor covered sidechain block #{number} in time: its {} watches end without \
				 a finalized status",
				oldest.watches.len()
			);
			self.included_watches -= oldest.watches.len();
			self.prune_headers();
		}
	}

	/// Keeps the headers that link the included blocks to a later anchor.
	fn prune_headers(&mut self) {
		match self.included.first_key_value() {
			None => self.headers.clear(),
			Some((&oldest, _)) => self.headers = self.headers.split_off(&oldest),
		}
	}
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

/// The `inSidechainBlock` proofs of one block's calls: its signed header
/// encoded once, and the calls' tree, made only if a watched call is in it.
struct BlockProofs<'a> {
	block: &'a SignedSidechainBlock,
	made: Option<(Vec<u8>, CallsTree)>,
}

impl BlockProofs<'_> {
	fn of_call(&mut self, index: usize) -> Bytes {
		let block = self.block;
		let (header, tree) = self.made.get_or_insert_with(|| {
			((&block.header, &block.signature).encode(), CallsTree::new(&block.body.calls))
		});
		// SCALE of `IncludedCall`: its fields' encodings in order.
		let mut proof = header.clone();
		if let Some(path) = tree.proof(index) {
			path.encode_to(&mut proof);
		}
		Bytes(proof)
	}
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

	/// A block was committed: its calls' watches learn their outcome (with
	/// its proof), and the pool's changes are passed on.
	pub fn block_committed(&self, block: &SignedSidechainBlock, changes: &[Revalidated<H256>]) {
		let (number, hash) = (block.header.number, block.header.hash());
		{
			let mut inner = self.inner();
			let mut proofs = BlockProofs { block, made: None };
			let mut included = Vec::new();
			for (index, (call, outcome)) in block.body.calls.iter().enumerate() {
				let Some(watches) = inner.pending.remove(call) else { continue };
				let outcome = match outcome {
					CallOutcome::Succeeded => DirectOutcome::Succeeded,
					CallOutcome::Failed(reason) => DirectOutcome::Failed { reason: *reason },
					CallOutcome::Rejected(reason) => {
						let status =
							CallStatus::Invalid { reason: format!("not executed: {reason}") };
						for (_, sender) in watches {
							let _ = sender.send(status.clone());
						}
						continue;
					}
				};
				let status = CallStatus::InSidechainBlock {
					hash,
					number,
					outcome,
					proof: proofs.of_call(index),
				};
				included
					.extend(watches.into_iter().filter(|(_, s)| s.send(status.clone()).is_ok()));
			}
			if !included.is_empty() {
				inner.included_watches += included.len();
				inner.included.insert(number, Included { hash, watches: included });
			}
			if !inner.included.is_empty() {
				inner.headers.insert(number, block.header.clone());
				inner.bound_included();
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

	/// The parent chain finalized, in `parent_block`, the anchor of
	/// sidechain block (`number`, `hash`): the calls of that block and of
	/// the blocks before it on its hash chain are final. An anchor of a
	/// block this worker did not commit (another hash, or not yet) finalizes
	/// nothing.
	pub fn anchored(&self, parent_block: u32, number: u64, hash: H256) {
		let mut inner = self.inner();
		match inner.headers.get(&number).map(SidechainHeader::hash) {
			Some(ours) if ours == hash => {}
			Some(ours) => {
				return log::warn!(
					"the parent chain anchored sidechain block #{number} {hash:?}, this worker \
					 committed {ours:?}: no watch is finalized"
				)
			}
			None => return,
		}
		let later = inner.included.split_off(&(number + 1));
		let final_now = std::mem::replace(&mut inner.included, later);
		for (block, Included { hash: block_hash, watches }) in final_now {
			inner.included_watches -= watches.len();
			// After the block, up to the anchored one (none if it is the
			// anchored one).
			let link: Vec<&SidechainHeader> = inner
				.headers
				.range((Bound::Excluded(block), Bound::Included(number)))
				.map(|(_, header)| header)
				.collect();
			debug_assert!(link.first().is_none_or(|first| first.parent_hash == block_hash));
			let status = CallStatus::Finalized {
				parent_block,
				anchored_number: number,
				anchored_hash: hash,
				link: Bytes(link.encode()),
			};
			for (_, sender) in watches {
				let _ = sender.send(status.clone());
			}
		}
		inner.prune_headers();
	}

	/// Watches open (pending and included), for health and tests.
	pub fn len(&self) -> usize {
		let inner = self.inner();
		inner.pending.values().map(Vec::len).sum::<usize>() + inner.included_watches
	}

	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use codec::Decode;
	use integritee_enclave::sidechain::{
		check_link, ed25519, FailReason, IncludedCall, RejectReason, SidechainBody,
	};
	use polkadot_sdk::sp_core::Pair;

	fn block(
		number: u64,
		parent_hash: H256,
		calls: Vec<(H256, CallOutcome)>,
	) -> SignedSidechainBlock {
		let key = ed25519::Pair::from_seed(&[1; 32]);
		let header = SidechainHeader {
			shard: H256::zero(),
			number,
			parent_hash,
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
	fn a_watch_follows_its_call_until_final_with_proofs() {
		let watchers = Watchers::default();
		let (a, b, c) = (H256::repeat_byte(1), H256::repeat_byte(2), H256::repeat_byte(3));
		let mut wa = watchers.watch(a);
		let mut wb = watchers.watch(b);
		let mut wc = watchers.watch(c);
		watchers.notify(a, CallStatus::Ready);
		let five = block(
			5,
			H256::repeat_byte(4),
			vec![
				(H256::repeat_byte(9), CallOutcome::Succeeded),
				(a, CallOutcome::Failed(FailReason::InsufficientBalance)),
				(b, CallOutcome::Rejected(RejectReason::StaleNonce { expected: 1, got: 0 })),
			],
		);
		watchers.block_committed(&five, &[Revalidated::Dropped(c)]);
		let statuses = drain(&mut wa.statuses);
		let [CallStatus::Ready, CallStatus::InSidechainBlock { hash, number, outcome, proof }] =
			&statuses[..]
		else {
			panic!("{statuses:?}")
		};
		assert_eq!((*number, *hash), (5, five.header.hash()));
		assert_eq!(*outcome, DirectOutcome::Failed { reason: FailReason::InsufficientBalance });
		let included = IncludedCall::decode(&mut &proof.0[..]).unwrap();
		assert_eq!(included.signature, five.signature);
		included.proves(5, *hash, a, outcome.recorded()).unwrap();
		assert!(matches!(drain(&mut wb.statuses)[..], [CallStatus::Invalid { .. }]));
		assert!(matches!(drain(&mut wc.statuses)[..], [CallStatus::Dropped { .. }]));
		assert_eq!(watchers.len(), 1, "only the included call waits for finality");

		let six = block(6, five.header.hash(), vec![]);
		let seven = block(7, six.header.hash(), vec![]);
		watchers.block_committed(&six, &[]);
		watchers.block_committed(&seven, &[]);
		watchers.anchored(40, 4, H256::repeat_byte(4));
		assert!(drain(&mut wa.statuses).is_empty(), "an anchor before its block");
		watchers.anchored(41, 7, H256::repeat_byte(7));
		assert!(drain(&mut wa.statuses).is_empty(), "an anchor of a block not committed here");
		watchers.anchored(41, 7, seven.header.hash());
		let statuses = drain(&mut wa.statuses);
		let [CallStatus::Finalized { parent_block: 41, anchored_number: 7, anchored_hash, link }] =
			&statuses[..]
		else {
			panic!("{statuses:?}")
		};
		let link = Vec::<SidechainHeader>::decode(&mut &link.0[..]).unwrap();
		check_link((5, five.header.hash()), &link, (7, *anchored_hash)).unwrap();
		assert!(watchers.is_empty());
		assert!(watchers.inner().headers.is_empty(), "no header kept without a watch");

		// A call's own block anchored: an empty link.
		let mut wd = watchers.watch(c);
		let eight = block(8, seven.header.hash(), vec![(c, CallOutcome::Succeeded)]);
		watchers.block_committed(&eight, &[]);
		watchers.anchored(42, 8, eight.header.hash());
		let statuses = drain(&mut wd.statuses);
		let [CallStatus::InSidechainBlock { .. }, CallStatus::Finalized { link, .. }] =
			&statuses[..]
		else {
			panic!("{statuses:?}")
		};
		assert_eq!(link.0, Vec::<SidechainHeader>::new().encode());
		assert!(watchers.is_empty());
	}

	#[test]
	fn watches_of_included_calls_are_bounded_while_anchoring_stalls() {
		let watchers = Watchers::default();
		let first = H256::repeat_byte(1);
		let mut watch = watchers.watch(first);
		let mut parent = H256::zero();
		for number in 1..=(MAX_BLOCKS_TO_ANCHOR as u64 + 1) {
			let calls =
				if number == 1 { vec![(first, CallOutcome::Succeeded)] } else { Vec::new() };
			let committed = block(number, parent, calls);
			parent = committed.header.hash();
			watchers.block_committed(&committed, &[]);
		}
		// The first block waited for an anchor through more blocks than
		// kept: its watch ended (the channel is closed), nothing is kept.
		assert!(matches!(drain(&mut watch.statuses)[..], [CallStatus::InSidechainBlock { .. }]));
		assert!(watch
			.statuses
			.try_recv()
			.is_err_and(|e| e == mpsc::error::TryRecvError::Disconnected));
		assert!(watchers.is_empty());
		assert!(watchers.inner().headers.is_empty());
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

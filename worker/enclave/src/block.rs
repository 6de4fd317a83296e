//! Sidechain blocks: proposing the next block (queued parent-chain inputs
//! of its anchor range in order, then the pool's ready direct calls,
//! executed on a copy of the state and signed) and committing a block the
//! replication committed (checked, state and block in one transaction;
//! the issuance-vs-vault invariant after it).
//!
//! What a hostile host can do here: choose the moment and the Raft term
//! (liveness only: a block changes nothing until it is committed), hand a
//! forged or out-of-place block to commit (refused by
//! [`SignedSidechainBlock::check_successor`]), or one conflicting with a
//! committed block (refused: [`Error::ConflictingBlock`]).

use codec::{Decode, Encode};
use integritee_pool::Revalidated;
use integritee_sidechain_primitives::{
	CallOutcome, CommittedTip, SidechainBody, SidechainHeader, SignedSidechainBlock,
};
use integritee_stf::{
	BlockInputs, ParentchainInputs, PreparedBlock, RejectReason, SidechainPosition, StfInput,
	VerifiedCall,
};
use integritee_stf_primitives::Balance;
use polkadot_sdk::sp_core::{Pair, H256};

use crate::{
	error::Error,
	tables::{CoreTables, QueueLimit, QueuedInput},
	Enclave,
};

/// Whether the shard's confidential issuance matches its vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Invariant {
	/// Confidential issuance == vault balance.
	Holds,
	/// The vault holds more than was issued (someone sent funds to it directly).
	Surplus { issuance: Balance, vault: Balance },
	/// The vault holds less than was issued: users' funds are not covered.
	Breach { issuance: Balance, vault: Balance },
}

impl Invariant {
	fn of(issuance: Balance, vault: Balance) -> Self {
		match issuance.cmp(&vault) {
			std::cmp::Ordering::Equal => Invariant::Holds,
			std::cmp::Ordering::Less => Invariant::Surplus { issuance, vault },
			std::cmp::Ordering::Greater => Invariant::Breach { issuance, vault },
		}
	}
}

/// How much one sidechain block may take from the queue.
#[derive(Clone, Copy, Debug)]
pub struct BlockLimits {
	/// Inputs per block, counted in whole parent blocks (a parent block is
	/// never split; one is always taken, however large). The rest waits for
	/// the next block.
	pub max_inputs: usize,
	/// Direct calls per block (the pool's ready calls in arrival order; the
	/// rest waits for the next block).
	pub max_direct_calls: usize,
}

impl Default for BlockLimits {
	fn default() -> Self {
		Self { max_inputs: 2_000, max_direct_calls: 3_000 }
	}
}

/// What committing one sidechain block did.
#[derive(Debug)]
pub struct BlockReport {
	pub number: u64,
	pub hash: H256,
	/// The block was committed before (a replay after a restart): nothing
	/// changed.
	pub already_committed: bool,
	/// The last parent block the state includes.
	pub parentchain_anchor: (u32, H256),
	/// Calls executed (their nonce consumed), succeeded or failed.
	pub calls_executed: usize,
	/// Inputs of the block that were not executed, with their reasons.
	pub rejected: Vec<RejectedInput>,
	/// The invariant after the block, if the vault's balance at its anchor
	/// is known.
	pub invariant: Option<Invariant>,
	/// Unshields reserved in blocks the parent chain anchors (on this
	/// core's chain) and waiting for the vault's payout: what the host needs
	/// to ask for them (the core builds each payout from its own record).
	pub payable_unshields: Vec<UnshieldDue>,
	/// Pending unshields reserved in blocks the parent chain does not anchor
	/// yet: the host should anchor soon (payouts wait for it).
	pub unshields_awaiting_anchor: usize,
	/// Pooled direct calls whose standing the block changed (the included
	/// ones are in the block's body with their outcomes).
	pub pool_changes: Vec<Revalidated<H256>>,
	/// Call hashes of the unshields this block refunded (their expiry
	/// passed unpaid).
	pub refunded_unshields: Vec<H256>,
	/// Executed calls no confirmation on chain covers yet (all blocks).
	pub unconfirmed_calls: usize,
	pub state_root: H256,
}

/// An input of a committed block that was not executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{id:?}: {reason}")]
pub struct RejectedInput {
	/// The call's hash, the shield's id or the settled unshield's call hash.
	pub id: H256,
	pub reason: RejectReason,
}

/// A pending unshield the host may ask the core to pay
/// ([`crate::EnclaveCall::Unshield`]) up to its expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnshieldDue {
	pub call_hash: H256,
	/// The last parent-chain block in which the vault may pay it.
	pub expires_at: u32,
}

/// A block this core proposed and has not committed yet.
pub(crate) struct Proposed {
	hash: H256,
	prepared: PreparedBlock,
	/// The vault's balance at the block's anchor, if it takes parent blocks.
	vault: Option<Balance>,
}

impl Enclave {
	/// Proposes the next sidechain block on top of the committed tip: the
	/// queued parent blocks following the state's anchor (within `limits`),
	/// executed and signed; `None` if nothing is queued and no `heartbeat`
	/// is due. The block changes nothing until [`Self::commit_block`]
	/// commits it. Refused while another member serves the shard, before
	/// the shard's anchor was proven in this run (import first), and on a
	/// rollback. `now_ms` (the host's moment) only ages the
	/// pool's future calls: a host that lies about it can drop them early
	/// or keep them (bounded by the pool's limits), which it could do by
	/// not serving anyway.
	pub fn propose_block(
		&self,
		term: u64,
		limits: BlockLimits,
		heartbeat: bool,
		now_ms: u64,
	) -> Result<Option<SignedSidechainBlock>, Error> {
		self.ensure_serving()?;
		// Not before the anchor is proven in this run, not on a rollback.
		self.anchored_on_own_chain()?;
		self.pool().advance_clock(now_ms);
		let (anchor, records) = self.anchored_records()?;
		self.shard_state()?;
		let included = self.inputs_included().unwrap_or(anchor.checkpoint);
		let first = included.0 + 1;
		let queued =
			self.tables.queued_after(records, included, QueueLimit::Inputs(limits.max_inputs))?;
		let light_client_head = self.light_client_head().map_or(0, |(n, _)| n);
		if queued.is_empty() && light_client_head >= first {
			let what = "are missing although the light client is past the block".into();
			return Err(Error::QueueTampered { number: first, what });
		}
		let direct: Vec<VerifiedCall> = self
			.pool()
			.ready(limits.max_direct_calls)
			.into_iter()
			.map(|pooled| pooled.call.clone())
			.collect();
		if queued.is_empty() && direct.is_empty() && !heartbeat {
			return Ok(None);
		}
		let number = self.tip.number + 1;
		let vault = queued.last().map(|b| b.vault);
		let mut identities = Vec::new();
		let parentchain = queued
			.into_iter()
			.map(|b| {
				let inputs: Vec<StfInput> =
					b.inputs.into_iter().map(QueuedInput::into_input).collect();
				identities.extend(inputs.iter().map(input_identity));
				ParentchainInputs { block: (b.number, b.hash), inputs }
			})
			.collect();
		identities.extend(direct.iter().map(|call| Some(call.call().hash())));
		let prepared = self.shard_state()?.prepare(number, BlockInputs { parentchain, direct })?;
		let outcome = prepared.outcome();
		let calls = identities
			.into_iter()
			.zip(&outcome.outcomes)
			.filter_map(|(identity, outcome)| Some((identity?, outcome.call_outcome())))
			.collect();
		let header = SidechainHeader {
			shard: self.shard,
			number,
			parent_hash: self.tip.hash,
			term,
			parentchain_anchor: outcome.parentchain_anchor.unwrap_or(included),
			calls_root: H256::zero(),
			state_root_before: prepared.base_root(),
			state_root_after: outcome.state_root,
			diff_hash: H256::zero(),
			author: self.keys.signer.public(),
		};
		let body = SidechainBody {
			calls,
			encrypted_diff: self.shard_state()?.encrypt_diff(number, prepared.changes())?,
		};
		let block = SignedSidechainBlock::sign(header, body, &self.keys.signer);
		*self.proposed.lock().unwrap_or_else(|p| p.into_inner()) =
			Some(Proposed { hash: block.header.hash(), prepared, vault });
		Ok(Some(block))
	}

	/// Commits a sidechain block the replication committed: the state
	/// change, the block and the removal of the inputs it consumed, in one
	/// transaction. A block this core proposed is committed as executed;
	/// any other is checked ([`SignedSidechainBlock::check_successor`]:
	/// parent, term, anchor, roots, author, signature) and its encrypted
	/// diff applied if it leads to the header's state root. A block
	/// committed before is a no-op (replays after a restart).
	pub fn commit_block(&mut self, block: &SignedSidechainBlock) -> Result<BlockReport, Error> {
		let header = &block.header;
		let (number, hash) = (header.number, header.hash());
		if number <= self.tip.number {
			let stored = self.tables.block(number)?.map(|b| b.header.hash());
			if stored != Some(hash) {
				let stored = stored.unwrap_or_default();
				return Err(Error::ConflictingBlock { number, stored, got: hash });
			}
			return self.block_report(block, true, Vec::new(), None, Vec::new());
		}
		self.shard_state()?;
		block.check_successor(&self.tip, &[self.keys.signer.public()])?;
		// The vault at the block's anchor, from the queue (before the block
		// consumes it).
		let anchor_number = header.parentchain_anchor.0;
		let proposed = self.proposed.get_mut().unwrap_or_else(|p| p.into_inner()).take();
		let (refunded, vault) = match proposed {
			Some(proposed) if proposed.hash == hash => {
				let outcome = self.shard_state_mut()?.commit(
					proposed.prepared,
					hash,
					CoreTables::block_records(block),
				)?;
				let refunded = outcome.expired_unshields.iter().map(|u| u.call_hash).collect();
				(refunded, proposed.vault)
			}
			_ => {
				let vault = if anchor_number > self.tip.parentchain_anchor.0 {
					let (_, records) = self.anchored_records()?;
					let after = self.tip.parentchain_anchor;
					let queued = self.tables.queued_after(
						records,
						after,
						QueueLimit::UpTo(anchor_number),
					)?;
					queued.last().filter(|b| b.number == anchor_number).map(|b| b.vault)
				} else {
					None
				};
				let state = self.shard_state_mut()?;
				let diff = state.decrypt_diff(number, &block.body.encrypted_diff)?;
				state.apply_changes(
					SidechainPosition { number, hash },
					Some(header.parentchain_anchor),
					diff,
					header.state_root_after,
					CoreTables::block_records(block),
				)?;
				(Vec::new(), vault)
			}
		};
		self.tip = CommittedTip::after(header);
		self.own_chain.committed(number, hash);
		let pool_changes = self.revalidate_pool(block)?;
		if let Some(vault) = vault {
			let invariant = Invariant::of(self.shard_state()?.total_issuance()?, vault);
			if let Invariant::Breach { issuance, vault } = invariant {
				log::error!(
					"INVARIANT BREACH after parent block {anchor_number}: confidential issuance \
					 {issuance} exceeds the vault balance {vault} of shard {:?}; payouts are stopped",
					self.shard
				);
			}
			self.invariant = Some(invariant);
		}
		// Committing a successor cannot create a rollback (committed blocks
		// never change); it may end one this member was behind on.
		if self.rollback.is_some() {
			self.check_rollback()?;
		}
		self.block_report(block, false, refunded, self.invariant, pool_changes)
	}

	fn block_report(
		&self,
		block: &SignedSidechainBlock,
		already_committed: bool,
		refunded_unshields: Vec<H256>,
		invariant: Option<Invariant>,
		pool_changes: Vec<Revalidated<H256>>,
	) -> Result<BlockReport, Error> {
		let calls = &block.body.calls;
		let calls_executed = calls.iter().filter(|(_, outcome)| outcome.executed()).count();
		let rejected = calls
			.iter()
			.filter_map(|(id, outcome)| match outcome {
				CallOutcome::Rejected(reason) => Some(RejectedInput { id: *id, reason: *reason }),
				CallOutcome::Succeeded | CallOutcome::Failed(_) => None,
			})
			.collect();
		// Payable once the parent chain anchors the reserving block on this
		// chain (none while the anchor is unknown or a rollback stands).
		let anchored = self.anchored_on_own_chain().ok();
		let (payable, awaiting): (Vec<_>, Vec<_>) = self
			.shard_state()?
			.pending_unshields()?
			.into_iter()
			.partition(|u| anchored.is_some_and(|anchored| u.reserved_in <= anchored));
		let payable_unshields = payable
			.into_iter()
			.map(|u| UnshieldDue { call_hash: u.call_hash, expires_at: u.expires_at })
			.collect();
		Ok(BlockReport {
			number: block.header.number,
			hash: block.header.hash(),
			already_committed,
			parentchain_anchor: block.header.parentchain_anchor,
			calls_executed,
			rejected,
			invariant,
			payable_unshields,
			unshields_awaiting_anchor: awaiting.len(),
			pool_changes,
			refunded_unshields,
			unconfirmed_calls: self.shard_state()?.unconfirmed_calls()?.len(),
			state_root: self.shard_state()?.state_root(),
		})
	}

	/// After a committed block: the calls it included leave the pool, the
	/// rest is revalidated against the new nonces.
	fn revalidate_pool(
		&mut self,
		block: &SignedSidechainBlock,
	) -> Result<Vec<Revalidated<H256>>, Error> {
		let included: Vec<H256> = block.body.calls.iter().map(|(hash, _)| *hash).collect();
		let Some(state) = &self.state else { return Ok(Vec::new()) };
		let pool = self.pool.get_mut().unwrap_or_else(|p| p.into_inner());
		let mut failed = None;
		let changes = pool.after_block(&included, |who| match state.account_info(who) {
			Ok(info) => info.nonce,
			Err(e) => {
				failed = Some(e);
				0
			}
		});
		match failed {
			Some(e) => Err(e.into()),
			None => Ok(changes),
		}
	}

	/// The last committed sidechain block, if any.
	pub fn latest_block(&self) -> Result<Option<SignedSidechainBlock>, Error> {
		if self.tip.number == 0 {
			return Ok(None);
		}
		self.tables.block(self.tip.number)
	}

	/// The committed sidechain block `number`, if stored.
	pub fn committed_block(&self, number: u64) -> Result<Option<SignedSidechainBlock>, Error> {
		self.tables.block(number)
	}
}

/// What names an input in a block's body: a call's hash, a shield's id, a
/// settled unshield's call hash; `None` for confirmations.
fn input_identity(input: &StfInput) -> Option<H256> {
	match input {
		StfInput::Call(call) => Some(call.hash()),
		StfInput::VerifiedCall(call) => Some(call.call().hash()),
		StfInput::Shield { id, .. } => Some(*id),
		StfInput::UnshieldPaid { call_hash } => Some(*call_hash),
		StfInput::Confirmed { .. } => None,
	}
}

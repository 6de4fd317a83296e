//! Execution of a sidechain block over the committed state: the block's
//! parent-chain inputs in order, each parent block followed by its duties,
//! then the direct calls, inside the runtime's externalities on a copy
//! ([`ShardState::prepare`]); nothing changes until the block is committed.

use std::{
	panic::{catch_unwind, AssertUnwindSafe},
	time::Instant,
};

use polkadot_sdk::{
	sp_core::H256, sp_externalities::set_and_run_with_externalities,
	sp_runtime::traits::BlakeTwo256, sp_state_machine::OverlayedChanges,
};

use crate::{
	ext::{drain_changes, FlatExt},
	runtime::{self, PendingUnshield, Settle},
	state::DiffEffects,
	store::Changes,
	Balance, BlockInputs, BlockOutcome, Error, FailReason, InputOutcome, RejectReason, ShardState,
	StateDiff, StfInput, TrustedCall,
};

/// A sidechain block executed on top of the committed state and not yet
/// committed ([`ShardState::prepare`]).
pub struct PreparedBlock {
	pub(crate) number: u64,
	/// The root of the state it was executed on.
	pub(crate) base_root: H256,
	pub(crate) changes: Changes,
	pub(crate) effects: DiffEffects,
	pub(crate) outcome: BlockOutcome,
}

impl core::fmt::Debug for PreparedBlock {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		// The changes are plaintext state: never printed.
		f.debug_struct("PreparedBlock")
			.field("number", &self.number)
			.field("root", &self.effects.root)
			.field("changes", &self.changes.len())
			.finish_non_exhaustive()
	}
}

impl PreparedBlock {
	/// The sidechain block's number.
	pub fn number(&self) -> u64 {
		self.number
	}

	/// The root of the committed state it was executed on.
	pub fn base_root(&self) -> H256 {
		self.base_root
	}

	/// What the block did; `state_root` is the root after it.
	pub fn outcome(&self) -> &BlockOutcome {
		&self.outcome
	}

	/// The block's state diff (plaintext: it leaves the enclave only
	/// encrypted with the state key), for [`ShardState::apply_changes`].
	pub fn changes(&self) -> &StateDiff {
		&self.changes
	}
}

impl ShardState {
	/// Executes one sidechain block, `number`, on top of the committed state
	/// without changing it: each parent-chain block of `inputs` in order
	/// (its inputs, then its duties: unshields whose expiry lies before it
	/// are refunded, its executed calls recorded as unconfirmed), then the
	/// direct calls. The result (outcome, state diff and root) is committed
	/// with [`Self::commit`] by the producer, or its diff applied elsewhere
	/// with [`Self::apply_changes`] by a member that does not re-execute.
	/// Refuses a number that is not the committed one's + 1, and parent
	/// blocks that do not follow the anchor one by one (any first one while
	/// the state has none).
	pub fn prepare(&self, number: u64, inputs: BlockInputs) -> Result<PreparedBlock, Error> {
		self.ensure_next(number)?;
		let mut anchor = self.head.parentchain_anchor;
		for segment in &inputs.parentchain {
			let got = segment.block.0;
			if let Some((last, _)) = anchor {
				if last.checked_add(1) != Some(got) {
					return Err(Error::ParentchainGap { last, got });
				}
			}
			anchor = Some(segment.block);
		}
		let t0 = Instant::now();
		let (mr_enclave, shard) = (self.config.mr_enclave, self.config.shard);
		let rules = |parent: u32| BlockRules {
			number: parent,
			sidechain_block: number,
			unshield_expires_at: parent.saturating_add(self.config.unshield_lifetime),
			min_unshield: self.config.min_unshield,
		};
		// Signatures are checked outside the state machine (they read no
		// state), and only for calls not verified before.
		let check = |input: StfInput| match input {
			StfInput::Call(call) => {
				let ok = call.verify_signature(&mr_enclave, &shard);
				(StfInput::Call(call), ok)
			}
			StfInput::VerifiedCall(call) => (StfInput::Call(call.into_inner()), true),
			other => (other, true),
		};
		let segments: Vec<Segment> = inputs
			.parentchain
			.into_iter()
			.map(|p| Segment {
				rules: rules(p.block.0),
				inputs: p.inputs.into_iter().map(check).collect(),
				parent_block_duties: true,
			})
			.chain((!inputs.direct.is_empty()).then(|| {
				Segment {
					rules: rules(anchor.map_or(0, |(n, _)| n)),
					inputs: inputs
						.direct
						.into_iter()
						.map(|c| (StfInput::Call(c.into_inner()), true))
						.collect(),
					parent_block_duties: false,
				}
			}))
			.collect();

		let t1 = Instant::now();
		let mut overlay = OverlayedChanges::<BlakeTwo256>::default();
		let executed = run_guarded(|| {
			let mut ext = FlatExt { base: &self.values, overlay: &mut overlay };
			set_and_run_with_externalities(&mut ext, || execute(segments))
		})?;
		if overlay.transaction_depth() != 0 {
			return Err(Error::State("a storage transaction was left open".into()));
		}
		// Writes that left a value as it was are no changes.
		let changes: Changes = drain_changes(&mut overlay)
			.into_iter()
			.filter(|(k, v)| self.values.get(k) != v.as_ref())
			.collect();
		let t2 = Instant::now();
		let effects = self.effects_of(&changes);
		log::debug!(
			target: "integritee-stf",
			"sidechain block {number}: signatures {:?}, execution {:?}, root {:?} ({} changes)",
			t1 - t0,
			t2 - t1,
			t2.elapsed(),
			changes.len(),
		);
		let outcome = BlockOutcome {
			outcomes: executed.outcomes,
			executed_call_hashes: executed.call_hashes,
			new_unshields: executed.new_unshields,
			expired_unshields: executed.expired_unshields,
			state_root: effects.root,
			parentchain_anchor: anchor,
			total_issuance: executed.issuance,
		};
		Ok(PreparedBlock { number, base_root: self.head.root, changes, effects, outcome })
	}
}

/// Runs `f` (the runtime inside [`FlatExt`]) and turns a panic (the
/// runtime's way to fail, e.g. on child storage) into an error.
pub(crate) fn run_guarded<R>(f: impl FnOnce() -> R) -> Result<R, Error> {
	catch_unwind(AssertUnwindSafe(f)).map_err(|_| Error::State("execution panicked".into()))
}

/// What a segment's execution depends on besides its inputs.
struct BlockRules {
	/// The parent block being executed (the anchor, for direct calls).
	number: u32,
	/// The sidechain block being executed.
	sidechain_block: u64,
	/// The expiry of unshields this segment reserves.
	unshield_expires_at: u32,
	min_unshield: Balance,
}

/// A part of a sidechain block: one parent-chain block's inputs (with its
/// duties), or the direct calls. Inputs come with their signature check.
struct Segment {
	rules: BlockRules,
	inputs: Vec<(StfInput, bool)>,
	/// Refund expired unshields and record the executed calls as
	/// unconfirmed (parent-chain blocks only).
	parent_block_duties: bool,
}

/// What [`execute`] did.
#[derive(Default)]
struct Executed {
	outcomes: Vec<InputOutcome>,
	call_hashes: Vec<H256>,
	new_unshields: Vec<PendingUnshield>,
	expired_unshields: Vec<PendingUnshield>,
	issuance: Balance,
}

/// Executes a sidechain block's segments in order; runs inside
/// externalities.
fn execute(segments: Vec<Segment>) -> Executed {
	let mut executed = Executed::default();
	for segment in segments {
		let calls = execute_inputs(segment.inputs, &segment.rules, &mut executed);
		if segment.parent_block_duties {
			parent_block_duties(&segment.rules, &calls, &mut executed);
		}
		executed.call_hashes.extend(calls);
	}
	executed.issuance = runtime::total_issuance();
	executed
}

/// Executes checked inputs; returns the hashes of the executed calls.
fn execute_inputs(
	inputs: Vec<(StfInput, bool)>,
	rules: &BlockRules,
	executed: &mut Executed,
) -> Vec<H256> {
	let mut calls = Vec::new();
	let rejected = |reason| InputOutcome::Rejected { reason };
	for (input, signature_ok) in inputs {
		let outcome = match input {
			StfInput::Call(signed) => {
				if !signature_ok {
					executed.outcomes.push(rejected(RejectReason::BadSignature));
					continue;
				}
				let sender = signed.call.sender().clone();
				let expected = runtime::account_info(&sender).nonce;
				let got = signed.nonce;
				if got < expected {
					executed.outcomes.push(rejected(RejectReason::StaleNonce { expected, got }));
					continue;
				}
				if got > expected {
					executed.outcomes.push(rejected(RejectReason::FutureNonce { expected, got }));
					continue;
				}
				if !runtime::account_exists(&sender) {
					executed.outcomes.push(rejected(RejectReason::NoAccount));
					continue;
				}
				let call_hash = signed.hash();
				runtime::inc_nonce(&sender);
				calls.push(call_hash);
				let result = match signed.call {
					TrustedCall::BalanceTransfer { from, to, amount } => {
						runtime::transfer(&from, &to, amount)
					}
					TrustedCall::BalanceUnshield { amount, .. } if amount < rules.min_unshield => {
						Err(FailReason::BelowMinimumUnshield)
					}
					TrustedCall::BalanceUnshield { from, beneficiary, amount } => {
						let pending = PendingUnshield {
							call_hash,
							from,
							beneficiary,
							amount,
							expires_at: rules.unshield_expires_at,
							reserved_in: rules.sidechain_block,
						};
						let r = runtime::unshield(pending.clone());
						if r.is_ok() {
							executed.new_unshields.push(pending);
						}
						r
					}
				};
				match result {
					Ok(()) => InputOutcome::Executed { call_hash },
					Err(reason) => InputOutcome::Failed { reason },
				}
			}
			// `prepare` turns verified calls into checked `Call`s.
			StfInput::VerifiedCall(_) => rejected(RejectReason::BadSignature),
			StfInput::Shield { id, beneficiary, amount } => {
				match runtime::shield(&beneficiary, amount) {
					Ok(()) => InputOutcome::Executed { call_hash: id },
					Err(reason) => InputOutcome::Failed { reason },
				}
			}
			StfInput::UnshieldPaid { call_hash } => {
				settled(call_hash, runtime::unshield_paid(call_hash))
			}
			StfInput::Confirmed { up_to } => {
				runtime::confirmed(up_to);
				InputOutcome::Executed { call_hash: H256::zero() }
			}
		};
		executed.outcomes.push(outcome);
	}
	calls
}

/// A parent block's own duties after its inputs: unshields whose expiry
/// lies before it are refunded (the parent chain pays up to the expiry
/// block only: past it, with no payout seen in any block up to it, the
/// funds go back), and its executed calls are recorded as unconfirmed.
fn parent_block_duties(rules: &BlockRules, calls: &[H256], executed: &mut Executed) {
	for pending in runtime::pending_unshields() {
		if pending.expires_at < rules.number {
			match runtime::unshield_expired(pending.call_hash) {
				Settle::Done => executed.expired_unshields.push(pending),
				Settle::Unknown | Settle::Failed(_) => log::error!(
					target: "integritee-stf",
					"an expired unshield could not be refunded (reserved balance below it)"
				),
			}
		}
	}
	runtime::add_unconfirmed(rules.number, calls);
}

fn settled(call_hash: H256, s: Settle) -> InputOutcome {
	match s {
		Settle::Done => InputOutcome::Executed { call_hash },
		Settle::Unknown => InputOutcome::Rejected { reason: RejectReason::UnknownUnshield },
		Settle::Failed(reason) => InputOutcome::Failed { reason },
	}
}

//! Behaviour a worker and its users rely on: balances, unshield protocol,
//! call rejection, persistence, encryption at rest, tamper detection, crash
//! atomicity, snapshots.
#![allow(clippy::unwrap_used)]

use std::{path::Path, process::Command, time::Duration};

use integritee_stf::{
	calls_root, AccountId, Balance, BlockInputs, BlockOutcome, Error, FailReason, InputOutcome,
	ParentchainInputs, PendingUnshield, RejectReason, ShardState, SidechainPosition, StfConfig,
	StfInput, TrustedCall, TrustedCallSigned, VerifiedCall, H256,
};
use polkadot_sdk::{
	sp_core::{sr25519, Pair},
	sp_io::hashing::blake2_256,
	sp_runtime::MultiSignature,
};

const KEY: [u8; 32] = [42; 32];
const MR: [u8; 32] = [7; 32];

fn shard() -> H256 {
	H256::repeat_byte(0x5a)
}

/// Unshields stay payable this many blocks after the block that reserved them.
const LIFETIME: u32 = 5;
/// The parent chain's existential deposit in these tests.
const MIN_UNSHIELD: Balance = 10;

fn config() -> StfConfig {
	StfConfig {
		shard: shard(),
		mr_enclave: MR,
		snapshots: 100,
		unshield_lifetime: LIFETIME,
		min_unshield: MIN_UNSHIELD,
	}
}

fn pair(seed: &str) -> sr25519::Pair {
	sr25519::Pair::from_string(&format!("//{seed}"), None).unwrap()
}

fn acc(p: &sr25519::Pair) -> AccountId {
	AccountId::from(p.public())
}

fn sign_for(
	p: &sr25519::Pair,
	call: TrustedCall,
	nonce: u32,
	mr: &[u8; 32],
	shard: &H256,
) -> TrustedCallSigned {
	call.sign(nonce, mr, shard, |m| MultiSignature::from(p.sign(m)))
}

fn transfer(p: &sr25519::Pair, to: &AccountId, amount: Balance, nonce: u32) -> StfInput {
	let call = TrustedCall::BalanceTransfer { from: acc(p), to: to.clone(), amount };
	StfInput::Call(sign_for(p, call, nonce, &MR, &shard()))
}

fn unshield(p: &sr25519::Pair, to: &AccountId, amount: Balance, nonce: u32) -> TrustedCallSigned {
	let call = TrustedCall::BalanceUnshield { from: acc(p), beneficiary: to.clone(), amount };
	sign_for(p, call, nonce, &MR, &shard())
}

fn shield(n: u8, who: &AccountId, amount: Balance) -> StfInput {
	StfInput::Shield { id: H256::repeat_byte(n), beneficiary: who.clone(), amount }
}

fn bh(n: u32) -> H256 {
	H256(blake2_256(&n.to_le_bytes()))
}

/// A test sidechain block's hash.
fn sh(n: u64) -> H256 {
	H256(blake2_256(&[b"sidechain".as_slice(), &n.to_le_bytes()].concat()))
}

/// Most tests execute one parent block per sidechain block.
trait OneParentBlockPerBlock {
	/// Prepares and commits the next sidechain block with the inputs of
	/// parent block `block`.
	fn apply_block(
		&mut self,
		block: (u32, H256),
		inputs: Vec<StfInput>,
	) -> Result<BlockOutcome, Error>;
	/// The parent-chain anchor.
	fn last_block(&self) -> Option<(u32, H256)>;
}

impl OneParentBlockPerBlock for ShardState {
	fn apply_block(
		&mut self,
		block: (u32, H256),
		inputs: Vec<StfInput>,
	) -> Result<BlockOutcome, Error> {
		let number = self.sidechain_head().number + 1;
		let inputs =
			BlockInputs { parentchain: vec![ParentchainInputs { block, inputs }], direct: vec![] };
		let prepared = self.prepare(number, inputs)?;
		self.commit(prepared, sh(number), |_| Ok(()))
	}

	fn last_block(&self) -> Option<(u32, H256)> {
		self.parentchain_anchor()
	}
}

fn open(dir: &Path) -> ShardState {
	ShardState::open(&dir.join("shard.redb"), &KEY, config()).unwrap()
}

fn free(s: &ShardState, who: &AccountId) -> Balance {
	s.account_info(who).unwrap().free
}

fn executed(o: &InputOutcome) -> bool {
	matches!(o, InputOutcome::Executed { .. })
}

#[test]
fn shield_transfer_unshield_paid_burns_and_tracks_issuance() {
	let dir = tempfile::tempdir().unwrap();
	let mut s = open(dir.path());
	let (alice, bob) = (pair("Alice"), pair("Bob"));
	let vault_payee = AccountId::new([9; 32]);
	assert_eq!(s.last_block(), None);
	assert_eq!(s.total_issuance().unwrap(), 0);

	let out = s.apply_block((10, bh(10)), vec![shield(1, &acc(&alice), 1_000)]).unwrap();
	assert!(executed(&out.outcomes[0]));
	assert_eq!(out.total_issuance, 1_000);
	assert!(out.executed_call_hashes.is_empty(), "shields are not trusted calls");

	let u = unshield(&alice, &vault_payee, 200, 1);
	let t = transfer(&alice, &acc(&bob), 300, 0);
	let StfInput::Call(t_signed) = &t else { unreachable!() };
	let out = s.apply_block((11, bh(11)), vec![t.clone(), StfInput::Call(u.clone())]).unwrap();
	assert!(out.outcomes.iter().all(executed), "{:?}", out.outcomes);
	assert_eq!(out.executed_call_hashes, vec![t_signed.hash(), u.hash()]);
	let pending = PendingUnshield {
		call_hash: u.hash(),
		from: acc(&alice),
		beneficiary: vault_payee.clone(),
		amount: 200,
		expires_at: 11 + LIFETIME,
		// The second sidechain block of this state reserved it.
		reserved_in: 2,
	};
	assert_eq!(out.new_unshields, vec![pending.clone()]);
	assert_eq!(s.pending_unshields().unwrap(), vec![pending]);
	let a = s.account_info(&acc(&alice)).unwrap();
	assert_eq!((a.free, a.reserved, a.nonce), (500, 200, 2));
	assert_eq!(free(&s, &acc(&bob)), 300);
	assert_eq!(s.total_issuance().unwrap(), 1_000, "reserved is still issued");
	assert_eq!(out.state_root, s.state_root());

	let out = s.apply_block((12, bh(12)), vec![StfInput::UnshieldPaid { call_hash: u.hash() }]);
	let out = out.unwrap();
	assert_eq!(out.outcomes, vec![InputOutcome::Executed { call_hash: u.hash() }]);
	assert_eq!(out.total_issuance, 800);
	assert_eq!(s.total_issuance().unwrap(), 800);
	let a = s.account_info(&acc(&alice)).unwrap();
	assert_eq!((a.free, a.reserved), (500, 0));
	assert!(s.pending_unshields().unwrap().is_empty());
	// Paying twice is refused and burns nothing.
	let root = s.state_root();
	let out = s.apply_block((13, bh(13)), vec![StfInput::UnshieldPaid { call_hash: u.hash() }]);
	assert_eq!(
		out.unwrap().outcomes,
		vec![InputOutcome::Rejected { reason: RejectReason::UnknownUnshield }]
	);
	assert_eq!(s.state_root(), root);
	assert_eq!(s.total_issuance().unwrap(), 800);
}

/// Applies empty blocks `from..=to`.
fn empty_blocks(s: &mut ShardState, from: u32, to: u32) -> Vec<PendingUnshield> {
	let mut expired = Vec::new();
	for n in from..=to {
		expired.extend(s.apply_block((n, bh(n)), vec![]).unwrap().expired_unshields);
	}
	expired
}

/// A state in which Alice shielded 1000 and reserved 400 of it for an
/// unshield `u` in block 1.
fn reserved_unshield(dir: &Path) -> (ShardState, sr25519::Pair, TrustedCallSigned) {
	let mut s = open(dir);
	let alice = pair("Alice");
	let u = unshield(&alice, &AccountId::new([9; 32]), 400, 0);
	s.apply_block((1, bh(1)), vec![shield(1, &acc(&alice), 1_000), StfInput::Call(u.clone())])
		.unwrap();
	(s, alice, u)
}

/// Fail first (the expiry passes without a payout: refund), then a payout
/// of the same hash: nothing is burnt a second time, the refund stands.
#[test]
fn expired_unshield_is_refunded_and_a_late_payout_changes_nothing() {
	let dir = tempfile::tempdir().unwrap();
	let (mut s, alice, u) = reserved_unshield(dir.path());
	assert_eq!(s.account_info(&acc(&alice)).unwrap().reserved, 400);
	let expires_at = 1 + LIFETIME;
	assert_eq!(s.pending_unshield(u.hash()).unwrap().unwrap().expires_at, expires_at);
	// Up to the expiry block itself the vault may still pay: nothing moves.
	assert!(empty_blocks(&mut s, 2, expires_at).is_empty());
	assert_eq!(s.account_info(&acc(&alice)).unwrap().reserved, 400);
	// The first block past it refunds.
	let expired = empty_blocks(&mut s, expires_at + 1, expires_at + 1);
	assert_eq!(expired.len(), 1);
	assert_eq!(expired[0].call_hash, u.hash());
	let a = s.account_info(&acc(&alice)).unwrap();
	assert_eq!((a.free, a.reserved, a.nonce), (1_000, 0, 1));
	assert_eq!(s.total_issuance().unwrap(), 1_000);
	assert!(s.pending_unshields().unwrap().is_empty());
	let n = expires_at + 2;
	let out = s.apply_block((n, bh(n)), vec![StfInput::UnshieldPaid { call_hash: u.hash() }]);
	assert_eq!(
		out.unwrap().outcomes,
		vec![InputOutcome::Rejected { reason: RejectReason::UnknownUnshield }]
	);
	assert_eq!(s.account_info(&acc(&alice)).unwrap().free, 1_000);
	assert_eq!(s.total_issuance().unwrap(), 1_000);
}

/// Pay first (in the expiry block itself), then the expiry passes: burnt
/// once, never refunded.
#[test]
fn paid_unshield_is_never_refunded() {
	let dir = tempfile::tempdir().unwrap();
	let (mut s, alice, u) = reserved_unshield(dir.path());
	let expires_at = 1 + LIFETIME;
	empty_blocks(&mut s, 2, expires_at - 1);
	let out = s
		.apply_block(
			(expires_at, bh(expires_at)),
			vec![StfInput::UnshieldPaid { call_hash: u.hash() }],
		)
		.unwrap();
	assert!(executed(&out.outcomes[0]));
	assert!(out.expired_unshields.is_empty());
	assert!(empty_blocks(&mut s, expires_at + 1, expires_at + 3).is_empty());
	let a = s.account_info(&acc(&alice)).unwrap();
	assert_eq!((a.free, a.reserved), (600, 0));
	assert_eq!(s.total_issuance().unwrap(), 600);
}

#[test]
fn unshield_below_the_existential_deposit_or_the_balance_reserves_nothing() {
	let dir = tempfile::tempdir().unwrap();
	let mut s = open(dir.path());
	let alice = pair("Alice");
	s.apply_block((1, bh(1)), vec![shield(1, &acc(&alice), 1_000)]).unwrap();
	let dust = unshield(&alice, &AccountId::new([9; 32]), MIN_UNSHIELD - 1, 0);
	let out = s.apply_block((2, bh(2)), vec![StfInput::Call(dust)]).unwrap();
	assert_eq!(
		out.outcomes,
		vec![InputOutcome::Failed { reason: FailReason::BelowMinimumUnshield }]
	);
	assert!(out.new_unshields.is_empty());
	let a = s.account_info(&acc(&alice)).unwrap();
	assert_eq!((a.free, a.reserved, a.nonce), (1_000, 0, 1), "the nonce is consumed");
	// Unshielding more than the free balance reserves nothing.
	let too_much = unshield(&alice, &AccountId::new([9; 32]), 5_000, 1);
	let out = s.apply_block((3, bh(3)), vec![StfInput::Call(too_much)]).unwrap();
	assert_eq!(
		out.outcomes,
		vec![InputOutcome::Failed { reason: FailReason::InsufficientBalance }]
	);
	assert!(out.new_unshields.is_empty());
	assert!(s.pending_unshields().unwrap().is_empty());
	assert_eq!(s.account_info(&acc(&alice)).unwrap().reserved, 0);
}

/// The executed calls stay unconfirmed, in the state and across a reopen,
/// until the enclave's own confirmation of their block is seen.
#[test]
fn executed_calls_stay_unconfirmed_until_their_confirmation_is_seen() {
	let dir = tempfile::tempdir().unwrap();
	let mut s = open(dir.path());
	let (alice, bob) = (pair("Alice"), pair("Bob"));
	s.apply_block((1, bh(1)), vec![shield(1, &acc(&alice), 1_000)]).unwrap();
	assert!(s.unconfirmed_calls().unwrap().is_empty(), "shields are not trusted calls");
	let t0 = transfer(&alice, &acc(&bob), 1, 0);
	let t1 = transfer(&alice, &acc(&bob), 1, 1);
	let hash = |t: &StfInput| match t {
		StfInput::Call(c) => c.hash(),
		_ => unreachable!(),
	};
	s.apply_block((2, bh(2)), vec![t0.clone()]).unwrap();
	s.apply_block((3, bh(3)), vec![t1.clone()]).unwrap();
	assert_eq!(s.unconfirmed_calls().unwrap(), vec![(2, hash(&t0)), (3, hash(&t1))]);
	drop(s);
	let mut s = open(dir.path());
	assert_eq!(s.unconfirmed_calls().unwrap(), vec![(2, hash(&t0)), (3, hash(&t1))]);
	// The confirmation of block 2 (seen in block 4) covers t0 only.
	s.apply_block((4, bh(4)), vec![StfInput::Confirmed { up_to: 2 }]).unwrap();
	assert_eq!(s.unconfirmed_calls().unwrap(), vec![(3, hash(&t1))]);
	// A replayed, older confirmation changes nothing.
	let root = s.state_root();
	s.apply_block((5, bh(5)), vec![StfInput::Confirmed { up_to: 2 }]).unwrap();
	assert_eq!(s.state_root(), root);
	s.apply_block((6, bh(6)), vec![StfInput::Confirmed { up_to: 5 }]).unwrap();
	assert!(s.unconfirmed_calls().unwrap().is_empty());
}

fn one_parent_block(block: (u32, H256), inputs: Vec<StfInput>) -> BlockInputs {
	BlockInputs { parentchain: vec![ParentchainInputs { block, inputs }], direct: vec![] }
}

fn at(number: u64) -> SidechainPosition {
	SidechainPosition { number, hash: sh(number) }
}

/// Two-step execution: preparing changes nothing until the commit; a
/// member with the same key applies the producer's diff without executing
/// and reaches the same root; a tampered or misplaced diff is refused and
/// changes nothing.
#[test]
fn prepared_blocks_commit_and_their_diffs_replicate() {
	let (leader_dir, follower_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
	let (mut leader, mut follower) = (open(leader_dir.path()), open(follower_dir.path()));
	let (alice, bob) = (pair("Alice"), pair("Bob"));
	let nothing = |_: &redb::WriteTransaction| Ok(());

	let first =
		leader.prepare(1, one_parent_block((1, bh(1)), vec![shield(1, &acc(&alice), 1_000)]));
	let first = first.unwrap();
	assert_eq!(leader.sidechain_head(), SidechainPosition::default(), "preparing commits nothing");
	assert_eq!(free(&leader, &acc(&alice)), 0);
	let root_1 = first.outcome().state_root;
	let encrypted_1 = leader.encrypt_diff(1, first.changes()).unwrap();
	leader.commit(first, sh(1), nothing).unwrap();
	assert_eq!((leader.sidechain_head(), leader.state_root()), (at(1), root_1));
	assert_eq!(leader.parentchain_anchor(), Some((1, bh(1))));
	// The follower opens the encrypted diff (same state key) and applies it.
	assert!(matches!(follower.decrypt_diff(2, &encrypted_1), Err(Error::BadEncryptedDiff)));
	let diff_1 = follower.decrypt_diff(1, &encrypted_1).unwrap();
	follower.apply_changes(at(1), Some((1, bh(1))), diff_1, root_1, nothing).unwrap();
	assert_eq!(follower.state_root(), root_1);
	assert_eq!(free(&follower, &acc(&alice)), 1_000);

	let second = leader
		.prepare(2, one_parent_block((2, bh(2)), vec![transfer(&alice, &acc(&bob), 300, 0)]))
		.unwrap();
	let (root_2, diff_2) = (second.outcome().state_root, second.changes().clone());
	// A block prepared on a state that has moved on is refused.
	let stale = leader.prepare(2, BlockInputs::default()).unwrap();
	leader.commit(second, sh(2), nothing).unwrap();
	assert!(matches!(leader.commit(stale, sh(2), nothing), Err(Error::StaleBase)));

	// Forged diffs: a changed value, a dropped change, a repeated key, the
	// right diff for another root, at another height, with an anchor that
	// goes back. Nothing changes.
	let mut richer = diff_2.clone();
	let entry = richer.iter_mut().find(|(_, value)| value.is_some()).unwrap();
	entry.1.as_mut().unwrap()[0] ^= 1;
	let dropped = diff_2[1..].to_vec();
	let mut repeated = diff_2.clone();
	repeated.push(diff_2[0].clone());
	let anchor_2 = Some((2, bh(2)));
	for forged in [richer, dropped] {
		assert!(matches!(
			follower.apply_changes(at(2), anchor_2, forged, root_2, nothing),
			Err(Error::RootMismatch)
		));
	}
	assert!(matches!(
		follower.apply_changes(at(2), anchor_2, repeated, root_2, nothing),
		Err(Error::MalformedDiff(_))
	));
	assert!(matches!(
		follower.apply_changes(at(2), anchor_2, diff_2.clone(), H256::repeat_byte(1), nothing),
		Err(Error::RootMismatch)
	));
	assert!(matches!(
		follower.apply_changes(at(3), anchor_2, diff_2.clone(), root_2, nothing),
		Err(Error::NotNextBlock { last: 1, got: 3 })
	));
	assert!(matches!(
		follower.apply_changes(at(2), None, diff_2.clone(), root_2, nothing),
		Err(Error::MalformedDiff(_))
	));
	// The caller's records fail: nothing is committed.
	let refuse = |_: &redb::WriteTransaction| Err(Error::CallerRecords("refused".into()));
	assert!(matches!(
		follower.apply_changes(at(2), anchor_2, diff_2.clone(), root_2, refuse),
		Err(Error::CallerRecords(_))
	));
	assert_eq!((follower.sidechain_head(), follower.state_root()), (at(1), root_1));

	follower.apply_changes(at(2), anchor_2, diff_2, root_2, nothing).unwrap();
	assert_eq!(follower.state_root(), leader.state_root());
	assert_eq!(free(&follower, &acc(&bob)), 300);
	// Also after a reopen (the applied diff is persisted like a block).
	drop(follower);
	let follower = open(follower_dir.path());
	assert_eq!(follower.state_root(), root_2);
	assert_eq!((follower.sidechain_head(), follower.parentchain_anchor()), (at(2), anchor_2));
	assert_eq!(follower.account_info(&acc(&alice)).unwrap().nonce, 1);
}

/// A sidechain block takes several parent blocks in order, each with its
/// own rules, then verified direct calls; heartbeat blocks change nothing.
/// Every seal under the state key counts toward `MAX_SEALS_PER_KEY`: also
/// the encrypted diff of a proposed block (which travels in the block, not
/// in the store), and also one whose block is never committed.
#[test]
fn every_seal_counts_toward_the_key_limit() {
	let (dir, twin_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
	// The same blocks in two states; only `proposer` encrypts diffs.
	let (mut proposer, mut twin) = (open(dir.path()), open(twin_dir.path()));
	let alice = pair("Alice");
	let nothing = |_: &redb::WriteTransaction| Ok(());
	let inputs = || one_parent_block((1, bh(1)), vec![shield(1, &acc(&alice), 1)]);
	let block = proposer.prepare(1, inputs()).unwrap();
	let before = proposer.seals();
	proposer.encrypt_diff(1, block.changes()).unwrap();
	proposer.encrypt_diff(1, block.changes()).unwrap(); // a proposal made twice
	assert_eq!(proposer.seals(), before + 2);
	proposer.commit(block, sh(1), nothing).unwrap();
	twin.commit(twin.prepare(1, inputs()).unwrap(), sh(1), nothing).unwrap();
	assert_eq!(proposer.seals(), twin.seals() + 2, "the two diffs count");
	let total = proposer.seals();
	drop(proposer);
	assert_eq!(open(dir.path()).seals(), total, "the count is in the sealed head");
}

#[test]
fn a_block_executes_parent_blocks_in_order_then_direct_calls() {
	let dir = tempfile::tempdir().unwrap();
	let mut s = open(dir.path());
	let (alice, bob) = (pair("Alice"), pair("Bob"));
	let u = unshield(&alice, &acc(&bob), 100, 1);
	let inputs = BlockInputs {
		parentchain: vec![
			ParentchainInputs { block: (7, bh(7)), inputs: vec![shield(1, &acc(&alice), 1_000)] },
			ParentchainInputs {
				block: (8, bh(8)),
				inputs: vec![transfer(&alice, &acc(&bob), 10, 0)],
			},
		],
		direct: vec![VerifiedCall::verify(u.clone(), &MR, &shard()).unwrap()],
	};
	let prepared = s.prepare(1, inputs).unwrap();
	let out = s.commit(prepared, sh(1), |_| Ok(())).unwrap();
	assert!(out.outcomes.iter().all(executed), "{:?}", out.outcomes);
	assert_eq!(out.parentchain_anchor, Some((8, bh(8))));
	// The direct unshield expires relative to the anchor.
	assert_eq!(out.new_unshields[0].expires_at, 8 + LIFETIME);
	// Only the parent-chain call waits for a confirmation.
	let unconfirmed = s.unconfirmed_calls().unwrap();
	assert_eq!(unconfirmed.len(), 1);
	assert_eq!(unconfirmed[0].0, 8);
	assert_eq!(free(&s, &acc(&bob)), 10);

	// A heartbeat: no inputs, no change, the anchor stays.
	let root = s.state_root();
	let prepared = s.prepare(2, BlockInputs::default()).unwrap();
	assert!(prepared.changes().is_empty());
	s.commit(prepared, sh(2), |_| Ok(())).unwrap();
	assert_eq!((s.state_root(), s.parentchain_anchor()), (root, Some((8, bh(8)))));

	// A verified call is not checked again; a bad signature cannot become one.
	let mut forged = u.clone();
	forged.nonce = 5;
	assert!(VerifiedCall::verify(forged, &MR, &shard()).is_err());
	assert!(VerifiedCall::verify(u, &MR, &H256::repeat_byte(1)).is_err());
}

#[test]
fn invalid_calls_are_rejected_without_state_change() {
	let dir = tempfile::tempdir().unwrap();
	let mut s = open(dir.path());
	let (alice, bob, eve) = (pair("Alice"), pair("Bob"), pair("Eve"));
	s.apply_block(
		(1, bh(1)),
		vec![shield(1, &acc(&alice), 1_000), transfer(&alice, &acc(&bob), 1, 0)],
	)
	.unwrap();
	let root = s.state_root();
	let call = TrustedCall::BalanceTransfer { from: acc(&alice), to: acc(&bob), amount: 10 };
	// Signed by someone else than `from`.
	let mut forged = sign_for(&eve, call.clone(), 1, &MR, &shard());
	forged.call = call.clone();
	let wrong_shard = sign_for(&alice, call.clone(), 1, &MR, &H256::repeat_byte(1));
	let wrong_mr = sign_for(&alice, call.clone(), 1, &[8; 32], &shard());
	let stale = sign_for(&alice, call.clone(), 0, &MR, &shard());
	let future = sign_for(&alice, call.clone(), 2, &MR, &shard());
	let replay = transfer(&alice, &acc(&bob), 1, 0);
	let unfunded = transfer(&eve, &acc(&bob), 1, 0);
	let out = s
		.apply_block(
			(2, bh(2)),
			vec![
				StfInput::Call(forged),
				StfInput::Call(wrong_shard),
				StfInput::Call(wrong_mr),
				StfInput::Call(stale),
				StfInput::Call(future),
				replay,
				unfunded,
				StfInput::UnshieldPaid { call_hash: H256::repeat_byte(3) },
			],
		)
		.unwrap();
	use RejectReason::*;
	let reasons: Vec<_> = out
		.outcomes
		.into_iter()
		.map(|o| match o {
			InputOutcome::Rejected { reason } => reason,
			other => panic!("executed: {other:?}"),
		})
		.collect();
	assert_eq!(
		reasons,
		vec![
			BadSignature,
			BadSignature,
			BadSignature,
			StaleNonce { expected: 1, got: 0 },
			FutureNonce { expected: 1, got: 2 },
			StaleNonce { expected: 1, got: 0 },
			NoAccount,
			UnknownUnshield,
		]
	);
	assert!(out.executed_call_hashes.is_empty());
	assert_eq!(out.state_root, root);
	assert_eq!(s.state_root(), root);
	let a = s.account_info(&acc(&alice)).unwrap();
	assert_eq!((a.free, a.nonce), (999, 1));
	assert_eq!(s.account_info(&acc(&eve)).unwrap(), Default::default());
	assert_eq!(s.last_block(), Some((2, bh(2))));
}

#[test]
fn insufficient_funds_consume_the_nonce_only() {
	let dir = tempfile::tempdir().unwrap();
	let mut s = open(dir.path());
	let (alice, bob) = (pair("Alice"), pair("Bob"));
	s.apply_block((1, bh(1)), vec![shield(1, &acc(&alice), 100)]).unwrap();
	let t = transfer(&alice, &acc(&bob), 101, 0);
	let out = s.apply_block((2, bh(2)), vec![t.clone()]).unwrap();
	assert_eq!(
		out.outcomes,
		vec![InputOutcome::Failed { reason: FailReason::InsufficientBalance }]
	);
	assert_eq!(out.executed_call_hashes.len(), 1, "the invoke was processed");
	let a = s.account_info(&acc(&alice)).unwrap();
	assert_eq!((a.free, a.nonce), (100, 1));
	assert_eq!(free(&s, &acc(&bob)), 0);
	assert_eq!(s.total_issuance().unwrap(), 100);
	// The same call cannot be replayed now that its nonce is consumed.
	let out = s.apply_block((3, bh(3)), vec![t]).unwrap();
	assert!(matches!(
		out.outcomes[0],
		InputOutcome::Rejected { reason: RejectReason::StaleNonce { .. } }
	));
	// Transferring everything is allowed (allow death): the account is reaped.
	let out = s.apply_block((4, bh(4)), vec![transfer(&alice, &acc(&bob), 100, 1)]).unwrap();
	assert!(executed(&out.outcomes[0]));
	assert_eq!(free(&s, &acc(&bob)), 100);
	assert_eq!(s.total_issuance().unwrap(), 100);
}

#[test]
fn blocks_must_be_consecutive() {
	let dir = tempfile::tempdir().unwrap();
	let mut s = open(dir.path());
	s.apply_block((500, bh(500)), vec![]).unwrap();
	for n in [500, 502, 499] {
		assert!(matches!(
			s.apply_block((n, bh(n)), vec![]),
			Err(Error::ParentchainGap { last: 500, got }) if got == n
		));
	}
	s.apply_block((501, bh(501)), vec![]).unwrap();
	assert_eq!(s.last_block(), Some((501, bh(501))));
	// Sidechain numbers too: #2 is committed, #4 and #2 do not follow.
	for number in [4, 2] {
		assert!(matches!(
			s.prepare(number, BlockInputs::default()),
			Err(Error::NotNextBlock { last: 2, got }) if got == number
		));
	}
}

#[test]
fn reopening_keeps_everything_and_checks_key_and_shard() {
	let dir = tempfile::tempdir().unwrap();
	let (alice, bob) = (pair("Alice"), pair("Bob"));
	let (root, snaps) = {
		let mut s = open(dir.path());
		s.apply_block((1, bh(1)), vec![shield(1, &acc(&alice), 1_000)]).unwrap();
		s.apply_block((2, bh(2)), vec![transfer(&alice, &acc(&bob), 250, 0)]).unwrap();
		(s.state_root(), s.snapshots())
	};
	let s = open(dir.path());
	assert_eq!(s.state_root(), root);
	assert_eq!(s.last_block(), Some((2, bh(2))));
	assert_eq!(s.snapshots(), snaps);
	assert_eq!(free(&s, &acc(&alice)), 750);
	assert_eq!(free(&s, &acc(&bob)), 250);
	assert_eq!(s.account_info(&acc(&alice)).unwrap().nonce, 1);
	assert_eq!(s.total_issuance().unwrap(), 1_000);
	drop(s);

	let path = dir.path().join("shard.redb");
	let err = ShardState::open(&path, &[43; 32], config()).unwrap_err();
	assert!(matches!(err, Error::WrongKey), "{err}");
	assert!(err.to_string().contains("wrong state key"));
	let other = StfConfig { shard: H256::repeat_byte(1), ..config() };
	let err = ShardState::open(&path, &KEY, other).unwrap_err();
	assert!(matches!(err, Error::WrongShard { .. }), "{err}");
	// Still fine with the right key afterwards.
	assert_eq!(open(dir.path()).state_root(), root);
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
	hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_file_holds_no_plaintext_state() {
	let dir = tempfile::tempdir().unwrap();
	let (alice, bob) = (pair("Alice"), pair("Bob"));
	let (a_amount, b_amount): (Balance, Balance) = (0x1122_3344_5566_7788_99aa, 0x0bad_cafe_f00d);
	let roots = {
		let mut s = open(dir.path());
		s.apply_block((1, bh(1)), vec![shield(1, &acc(&alice), a_amount + b_amount)]).unwrap();
		s.apply_block((2, bh(2)), vec![transfer(&alice, &acc(&bob), b_amount, 0)]).unwrap();
		assert_eq!(free(&s, &acc(&bob)), b_amount);
		s.snapshots().into_iter().map(|s| s.state_root).collect::<Vec<_>>()
	};
	let file = std::fs::read(dir.path().join("shard.redb")).unwrap();
	for (what, needle) in [
		("alice", <AccountId as AsRef<[u8]>>::as_ref(&acc(&alice)).to_vec()),
		("bob", <AccountId as AsRef<[u8]>>::as_ref(&acc(&bob)).to_vec()),
		("alice's balance", a_amount.to_le_bytes().to_vec()),
		("bob's balance", b_amount.to_le_bytes()[..8].to_vec()),
		("root 1", roots[0].as_bytes().to_vec()),
		("root 2", roots[1].as_bytes().to_vec()),
		// The hashed storage key of frame_system::Account's prefix.
		("System.Account prefix", {
			let mut k = polkadot_sdk::sp_io::hashing::twox_128(b"System").to_vec();
			k.extend(polkadot_sdk::sp_io::hashing::twox_128(b"Account"));
			k
		}),
	] {
		assert!(!find(&file, &needle), "{what} in plaintext in the database file");
	}
	// The scan itself works: the shard id is stored in the clear.
	assert!(find(&file, shard().as_bytes()));
}

/// Reads (`None`) or replaces (`Some`, as the host could) the records of
/// table `name` (keys `u64` for `log`, `u32` for `checkpoint`).
fn records(path: &Path, name: &str, replace: Option<&[(u64, Vec<u8>)]>) -> Vec<(u64, Vec<u8>)> {
	macro_rules! with_key {
		($k:ty) => {{
			let db = redb::Database::create(path).unwrap();
			let txn = db.begin_write().unwrap();
			let def: redb::TableDefinition<$k, &[u8]> = redb::TableDefinition::new(name);
			let mut t = txn.open_table(def).unwrap();
			let all: Vec<(u64, Vec<u8>)> = redb::ReadableTable::iter(&t)
				.unwrap()
				.map(|e| {
					let (k, v) = e.unwrap();
					(u64::from(k.value()), v.value().to_vec())
				})
				.collect();
			if let Some(new) = replace {
				t.retain(|_, _| false).unwrap();
				for (k, v) in new {
					t.insert(<$k>::try_from(*k).unwrap(), v.as_slice()).unwrap();
				}
			}
			drop(t);
			txn.commit().unwrap();
			all
		}};
	}
	if name == "checkpoint" {
		with_key!(u32)
	} else {
		with_key!(u64)
	}
}

fn table(path: &Path, name: &str) -> Vec<(u64, Vec<u8>)> {
	records(path, name, None)
}

fn set_table(path: &Path, name: &str, new: &[(u64, Vec<u8>)]) {
	records(path, name, Some(new));
}

fn open_err(dir: &Path) -> Error {
	ShardState::open(&dir.join("shard.redb"), &KEY, config()).unwrap_err()
}

#[test]
fn tampered_moved_missing_or_stale_records_are_refused_at_open() {
	let dir = tempfile::tempdir().unwrap();
	let path = dir.path().join("shard.redb");
	let (alice, bob) = (pair("Alice"), pair("Bob"));
	{
		let mut s = open(dir.path());
		s.apply_block((1, bh(1)), vec![shield(1, &acc(&alice), 1_000)]).unwrap();
		s.compact().unwrap();
		s.apply_block((2, bh(2)), vec![transfer(&alice, &acc(&bob), 1, 0)]).unwrap();
		s.apply_block((3, bh(3)), vec![transfer(&alice, &acc(&bob), 1, 1)]).unwrap();
	}
	let log = table(&path, "log");
	let checkpoint = table(&path, "checkpoint");
	assert_eq!(log.len(), 2, "blocks 2 and 3 after the checkpoint of block 1");
	assert_eq!(checkpoint.len(), 1);
	let reopened = || free(&open(dir.path()), &acc(&alice));
	assert_eq!(reopened(), 998);

	// A flipped bit in a log record, in the checkpoint.
	let mut bad = log.clone();
	let last = bad[0].1.len() - 1;
	bad[0].1[last] ^= 1;
	set_table(&path, "log", &bad);
	assert!(matches!(open_err(dir.path()), Error::CorruptValue));
	set_table(&path, "log", &log);
	let mut bad = checkpoint.clone();
	bad[0].1[20] ^= 1;
	set_table(&path, "checkpoint", &bad);
	assert!(matches!(open_err(dir.path()), Error::CorruptValue));
	set_table(&path, "checkpoint", &checkpoint);

	// Log records swapped (each is bound to its position).
	let swapped = vec![(log[0].0, log[1].1.clone()), (log[1].0, log[0].1.clone())];
	set_table(&path, "log", &swapped);
	assert!(matches!(open_err(dir.path()), Error::CorruptValue));

	// The last block's record deleted: every record opens, but the state is
	// not the committed one.
	set_table(&path, "log", &log[..1]);
	assert!(matches!(open_err(dir.path()), Error::RootMismatch));
	set_table(&path, "log", &log);
	assert_eq!(reopened(), 998);

	// A checkpoint of an earlier generation does not open in a later one.
	{
		let mut s = open(dir.path());
		s.compact().unwrap();
	}
	let newer = table(&path, "checkpoint");
	assert_ne!(newer, checkpoint);
	set_table(&path, "checkpoint", &checkpoint);
	assert!(matches!(open_err(dir.path()), Error::CorruptValue));
	set_table(&path, "checkpoint", &newer);
	assert_eq!(reopened(), 998);
	assert!(table(&path, "log").is_empty(), "compaction empties the log");
}

#[test]
fn compaction_keeps_state_root_and_revertability() {
	let dir = tempfile::tempdir().unwrap();
	let cfg = StfConfig { snapshots: 4, ..config() };
	let mut s = ShardState::open(&dir.path().join("shard.redb"), &KEY, cfg.clone()).unwrap();
	let who = AccountId::new([201; 32]);
	let mut roots = vec![];
	for n in 1..=4u32 {
		let mut inputs: Vec<StfInput> =
			(0..50u8).map(|i| shield(i, &AccountId::new([i; 32]), u128::from(n))).collect();
		inputs.push(shield(200, &who, 10));
		s.apply_block((n, bh(n)), inputs).unwrap();
		roots.push(s.state_root());
		if n == 2 {
			s.compact().unwrap();
			assert_eq!(s.state_root(), roots[1]);
		}
	}
	assert_eq!(s.entries(), 51 + 1, "accounts and total issuance");
	s.revert_to(2).unwrap();
	assert_eq!(s.state_root(), roots[1]);
	assert_eq!(free(&s, &who), 20);
	drop(s);
	let s = ShardState::open(&dir.path().join("shard.redb"), &KEY, cfg).unwrap();
	assert_eq!(s.state_root(), roots[1]);
	assert_eq!(free(&s, &AccountId::new([3; 32])), 1 + 2);
}

#[test]
fn snapshots_and_revert() {
	let dir = tempfile::tempdir().unwrap();
	let cfg = StfConfig { snapshots: 3, ..config() };
	let mut s = ShardState::open(&dir.path().join("shard.redb"), &KEY, cfg).unwrap();
	let who = AccountId::new([1; 32]);
	let mut roots = vec![];
	for n in 1..=5u32 {
		s.apply_block((n, bh(n)), vec![shield(n as u8, &who, 10)]).unwrap();
		roots.push(s.state_root());
	}
	let snapshots = s.snapshots();
	let numbers = snapshots.iter().map(|s| (s.block, s.parentchain_anchor, s.state_root));
	assert_eq!(
		numbers.collect::<Vec<_>>(),
		vec![
			(at(3), Some((3, bh(3))), roots[2]),
			(at(4), Some((4, bh(4))), roots[3]),
			(at(5), Some((5, bh(5))), roots[4])
		]
	);
	assert!(matches!(s.revert_to(2), Err(Error::NoSnapshot(2))));
	s.revert_to(4).unwrap();
	assert_eq!(s.state_root(), roots[3]);
	assert_eq!(s.last_block(), Some((4, bh(4))));
	assert_eq!(free(&s, &who), 40);
	assert_eq!(s.total_issuance().unwrap(), 40);
	assert_eq!(s.snapshots().len(), 2);
	assert_eq!(s.sidechain_head(), at(4));
	assert!(matches!(s.apply_block((6, bh(6)), vec![]), Err(Error::ParentchainGap { .. })));
	// A different block 5 after the revert.
	s.apply_block((5, H256::repeat_byte(5)), vec![shield(9, &who, 1)]).unwrap();
	assert_eq!(free(&s, &who), 41);
	drop(s);
	let s = open(dir.path());
	assert_eq!(free(&s, &who), 41);
	assert_eq!(s.last_block(), Some((5, H256::repeat_byte(5))));
}

#[test]
fn non_durable_commits_are_atomic_and_sync_makes_them_durable() {
	let dir = tempfile::tempdir().unwrap();
	let who = AccountId::new([1; 32]);
	{
		let mut s = open(dir.path());
		s.set_sync_every(std::num::NonZeroU32::new(1000).unwrap());
		for n in 1..=3u32 {
			s.apply_block((n, bh(n)), vec![shield(n as u8, &who, 10)]).unwrap();
		}
		s.sync().unwrap();
		s.apply_block((4, bh(4)), vec![shield(4, &who, 10)]).unwrap();
	}
	let s = open(dir.path());
	// Block 4 may or may not have survived the close, but the state is a
	// committed block either way, and the synced ones are there.
	let (n, hash) = s.last_block().unwrap();
	assert!(n == 3 || n == 4, "{n}");
	assert_eq!(hash, bh(n));
	assert_eq!(free(&s, &who), 10 * n as Balance);
	assert_eq!(s.snapshots().last().map(|x| x.state_root), Some(s.state_root()));
}

#[test]
fn calls_root_values_and_order() {
	let h = |b| H256::repeat_byte(b);
	let b2 = |x: &[u8]| H256(blake2_256(x));
	let cat = |a: H256, b: H256| [a.as_bytes(), b.as_bytes()].concat();
	assert_eq!(calls_root(&[]), H256::zero());
	assert_eq!(calls_root(&[h(1)]), b2(h(1).as_bytes()));
	let (l1, l2, l3) = (b2(h(1).as_bytes()), b2(h(2).as_bytes()), b2(h(3).as_bytes()));
	assert_eq!(calls_root(&[h(1), h(2)]), b2(&cat(l1, l2)));
	assert_ne!(calls_root(&[h(1), h(2)]), calls_root(&[h(2), h(1)]));
	// An odd last leaf is promoted.
	assert_eq!(calls_root(&[h(1), h(2), h(3)]), b2(&cat(b2(&cat(l1, l2)), l3)));
}

// --- crash atomicity -------------------------------------------------------

const CRASH_ENV: &str = "INTEGRITEE_STF_CRASH_CHILD_DB";

/// Deterministic inputs of block `n`: 150 shields of `n * 1000 + i` to fresh
/// accounts and 1 to a common one.
fn crash_block(n: u32) -> Vec<StfInput> {
	let mut v: Vec<StfInput> = (0..150u32)
		.map(|i| StfInput::Shield {
			id: H256(blake2_256(&(n, i).encode_pair())),
			beneficiary: AccountId::new(blake2_256(&(n, i).encode_pair())),
			amount: (n as Balance) * 1000 + i as Balance,
		})
		.collect();
	v.push(shield(0, &AccountId::new([3; 32]), 1));
	v
}

trait EncodePair {
	fn encode_pair(&self) -> Vec<u8>;
}
impl EncodePair for (u32, u32) {
	fn encode_pair(&self) -> Vec<u8> {
		[self.0.to_le_bytes(), self.1.to_le_bytes()].concat()
	}
}

/// The child process: applies blocks forever until killed.
#[test]
fn crash_child() {
	let Ok(path) = std::env::var(CRASH_ENV) else { return };
	let mut s = ShardState::open(Path::new(&path), &KEY, config()).unwrap();
	loop {
		let n = s.last_block().map_or(1, |(n, _)| n + 1);
		if n > 400 {
			return;
		}
		s.apply_block((n, bh(n)), crash_block(n)).unwrap();
	}
}

#[test]
fn crash_during_apply_block_leaves_a_committed_block() {
	if std::env::var(CRASH_ENV).is_ok() {
		return;
	}
	let dir = tempfile::tempdir().unwrap();
	// Reference roots of blocks 1..=120, computed without crashes.
	let reference = {
		let mut s = ShardState::open(&dir.path().join("ref.redb"), &KEY, config()).unwrap();
		let mut roots = vec![H256::zero()];
		for n in 1..=120u32 {
			s.apply_block((n, bh(n)), crash_block(n)).unwrap();
			roots.push(s.state_root());
		}
		roots
	};
	let path = dir.path().join("crash.redb");
	let exe = std::env::current_exe().unwrap();
	let mut last_seen = 0;
	let mut kills = 0;
	for round in 0..12u64 {
		let mut child = Command::new(&exe)
			.args(["crash_child", "--exact", "--test-threads=1", "--nocapture"])
			.env(CRASH_ENV, &path)
			.stdout(std::process::Stdio::null())
			.stderr(std::process::Stdio::null())
			.spawn()
			.unwrap();
		std::thread::sleep(Duration::from_millis(120 + (round * 37) % 150));
		if child.try_wait().unwrap().is_none() {
			child.kill().unwrap(); // SIGKILL
			kills += 1;
		}
		child.wait().unwrap();
		let s = ShardState::open(&path, &KEY, config()).unwrap();
		let Some((n, hash)) = s.last_block() else {
			continue;
		};
		assert_eq!(hash, bh(n));
		assert!(n >= last_seen, "committed blocks never disappear");
		last_seen = n;
		let expected_issuance: Balance =
			(1..=n).map(|b| (0..150).map(|i| b as Balance * 1000 + i).sum::<Balance>() + 1).sum();
		assert_eq!(s.total_issuance().unwrap(), expected_issuance, "block {n}");
		assert_eq!(free(&s, &AccountId::new([3; 32])), n as Balance);
		if let Some(r) = reference.get(n as usize) {
			assert_eq!(s.state_root(), *r, "root of block {n}");
		}
		let tip = s.snapshots().last().map(|x| (x.block.number, x.state_root));
		assert_eq!(tip, Some((u64::from(n), s.state_root())));
	}
	eprintln!("crash test: {kills} kills, reached block {last_seen}");
	assert!(kills >= 3, "the child was killed {kills} times only");
	assert!(last_seen > 0, "the child never committed a block");
}

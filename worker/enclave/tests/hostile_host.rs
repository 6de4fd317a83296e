//! A hostile host against the trusted core's public API. The host owns
//! disk, network, clock and arguments; each test plays one attack and says
//! whether the core refuses it or why it is harmless:
//!
//! - forged parent-chain data (header, justification, body, events proof):
//!   refused, nothing of the chunk executes;
//! - a fabricated or foreign unshield: refused (the core pays only its own
//!   pending list, by call hash, with its own amount, beneficiary, expiry);
//! - a payout while the vault is short (breach): refused until it is topped
//!   up; the core keeps following the chain meanwhile;
//! - a fabricated or replayed confirmation: the content is the core's (last
//!   block, root of its unconfirmed calls); replays repeat the same block,
//!   which the chain takes as a no-op;
//! - a second anchor, another chain's genesis, another shard, deleted
//!   light-client or state files: refused, never a fresh start;
//! - a chunk crossing a GRANDPA set change: refused, nothing executes;
//! - a getter with a forged timestamp: harmless (only the owner's signature
//!   opens the owner's data; the answer names the block it reflects);
//! - getters that would burn the core's CPU (unsigned, with a far
//!   `min_block`), swapped answer keys or `min_block`s, ciphertexts of one
//!   kind fed in as another: refused at once, after at most one
//!   decryption;
//! - a second instance of the shard: it refuses to serve while another
//!   enclave is the shard's first signer on chain;
//! - forged sidechain blocks (bad signature, tampered body, another parent,
//!   another block at a committed height): refused, nothing changes; a
//!   committed block replayed: a no-op;
//! - a deleted queue entry (verified inputs dropped behind the core's back):
//!   detected, no block is produced;
//! - a rolled-back data directory (the chain anchors a later sidechain block
//!   than the state's): detected, no block is produced;
//! - the shard's secrets: a candidate whose creation lost drops its own; a
//!   provisioning request of another build, tampered, unbound or judged on
//!   a forged proof is refused by the member; a forged, replayed or foreign
//!   package (not a member, not the shard's key) is refused by the joiner;
//!   deleted sealed secrets are detected at open.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::{genesis_with_proof, header, success};

use codec::{Decode, Encode};
use integritee_enclave::{
	direct::DirectError,
	events_key,
	light_client::{testing, Header},
	platform::SimulatedTee,
	AnchorError, BlockLimits, Enclave, EnclaveCall, EnclaveConfig, Error, GetterError, Invariant,
	ParentchainBlock, SigningRefused, STATE_DIR,
};
use integritee_extrinsic::ExtrinsicParams;
use integritee_primitives::SidechainBlockConfirmation;
use integritee_runtime::{
	Runtime, RuntimeCall, RuntimeEvent, SignedPayload, UncheckedExtrinsic, VERSION,
};
use integritee_stf_primitives::{
	direct::DirectCall,
	getter::{GetterAnswer, PrivateGetterRequest},
	shielding::{self, Purpose, ShieldingKeyPair},
	AccountId, AccountInfoView, TrustedCall, TrustedCallSigned, TrustedGetter, TrustedGetterSigned,
};
use polkadot_sdk::{
	frame_system::{self, EventRecord, Phase},
	pallet_balances,
	sp_core::{ed25519, sr25519, Pair, H256},
	sp_runtime::{
		generic::{Era, Preamble},
		MultiSignature,
	},
};

const AMOUNT: u128 = 50_000_000_000_000;
const MR_ENCLAVE: [u8; 32] = [3; 32];

struct Fixture {
	enclave: Enclave,
	dir: tempfile::TempDir,
	genesis: Header,
	bob: sr25519::Pair,
	/// The last imported header.
	head: Header,
	/// The vault's balance on the parent chain after `head`.
	vault: u128,
	/// The shard's latest sidechain anchor on the parent chain, proven with
	/// every block from now on (`anchor_tip` sets it).
	chain_anchor: Option<SidechainBlockConfirmation>,
	/// The shard's shielding-key hash on the parent chain, proven with every
	/// block (this enclave's unless a test says otherwise: it created the
	/// shard).
	shard_key: Option<[u8; 32]>,
	/// When this enclave's registration was attested (chain time, ms), proven
	/// with every block; `None`: not registered.
	registered_at_ms: Option<u64>,
	/// More storage entries of every block from now on (the shard's
	/// members, the registry's collateral).
	extra_entries: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The parent chain's time in every block of these tests.
const CHAIN_TIME_MS: u64 = 1_800_000_000_000;

fn config(dir: &std::path::Path, shard: Option<H256>) -> EnclaveConfig {
	EnclaveConfig { data_dir: dir.to_path_buf(), shard, max_instances: 1 }
}

fn open(dir: &std::path::Path) -> Result<Enclave, Error> {
	Enclave::open(Arc::new(SimulatedTee::new(MR_ENCLAVE)), config(dir, None)).map(|(e, _)| e)
}

fn fixture() -> Fixture {
	fixture_for(None)
}

/// A fixture for `shard` (`None`: the implicit shard).
fn fixture_for(shard: Option<H256>) -> Fixture {
	fixture_on(MR_ENCLAVE, shard)
}

/// A fixture of the enclave build `mr_enclave` for `shard`.
fn fixture_on(mr_enclave: [u8; 32], shard: Option<H256>) -> Fixture {
	let dir = tempfile::tempdir().unwrap();
	let (mut enclave, _) =
		Enclave::open(Arc::new(SimulatedTee::new(mr_enclave)), config(dir.path(), shard)).unwrap();
	let (genesis, proof) = genesis_with_proof();
	enclave.init_light_client_at(genesis.hash(), genesis.hash(), genesis.clone(), proof).unwrap();
	let bob = sr25519::Pair::from_string("//Bob", None).unwrap();
	let shard_key = enclave.shielding_key_hash();
	Fixture {
		enclave,
		dir,
		head: genesis.clone(),
		genesis,
		bob,
		vault: 0,
		chain_anchor: None,
		shard_key,
		registered_at_ms: Some(CHAIN_TIME_MS),
		extra_entries: Vec::new(),
	}
}

/// Block 1: Alice shields AMOUNT for Bob into the enclave's shard.
/// Encoded extrinsics and storage entries of a block.
type BlockParts = (Vec<Vec<u8>>, Vec<(Vec<u8>, Vec<u8>)>);

/// One extrinsic signed by `pair` (an sr25519 user of the parent chain).
fn user_extrinsic(fixture: &Fixture, pair: &sr25519::Pair, call: RuntimeCall) -> Vec<u8> {
	common::user_extrinsic(pair, call, fixture.genesis.hash())
}

/// The parts of a block: its extrinsics, its events (after a success event
/// per extrinsic) and the vault's balance after it.
fn block_parts(
	fixture: &Fixture,
	extrinsics: Vec<Vec<u8>>,
	events: Vec<EventRecord<RuntimeEvent, H256>>,
	vault_balance: u128,
) -> BlockParts {
	let mut vault = frame_system::AccountInfo::<u32, pallet_balances::AccountData<u128>>::default();
	vault.data.free = vault_balance;
	let vault_key =
		frame_system::Account::<Runtime>::hashed_key_for(fixture.enclave.vault_account());
	let mut entries = vec![(events_key(), events.encode()), (vault_key, vault.encode())];
	if let Some(anchor) = fixture.chain_anchor {
		entries.push((anchor_key(fixture), anchor.encode()));
	}
	entries.extend(common::serving_entries(
		&fixture.enclave,
		fixture.shard_key,
		fixture.registered_at_ms,
		CHAIN_TIME_MS,
	));
	for (key, value) in &fixture.extra_entries {
		entries.retain(|(k, _)| k != key);
		entries.push((key.clone(), value.clone()));
	}
	(extrinsics, entries)
}

/// The storage key of the shard's latest sidechain anchor.
fn anchor_key(fixture: &Fixture) -> Vec<u8> {
	pallet_sidechain::LatestSidechainBlockConfirmation::<Runtime>::hashed_key_for(
		fixture.enclave.shard(),
	)
}

/// The parent chain anchors the committed tip (as the host's anchoring
/// would have it): the next block's proof shows it, and the sidechain block
/// that takes it reports what is payable now.
fn anchor_tip(fixture: &mut Fixture) -> Report {
	let tip = fixture.enclave.sidechain_tip();
	fixture.chain_anchor =
		Some(SidechainBlockConfirmation { block_number: tip.number, block_header_hash: tip.hash });
	let parts = empty_block(fixture);
	import(fixture, parts)
}

fn shield_block(fixture: &Fixture, vault_balance: u128) -> BlockParts {
	let enclave = &fixture.enclave;
	let shard = enclave.shard();
	let alice = sr25519::Pair::from_string("//Alice", None).unwrap();
	let bob: AccountId = fixture.bob.public().into();
	let encrypted = shielding::encrypt(
		&enclave.shielding_public_key().unwrap(),
		Purpose::ShieldBeneficiary,
		&shard,
		&bob.encode(),
	)
	.unwrap();
	let call = RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::shield_funds {
		shard,
		encrypted_beneficiary: encrypted.clone(),
		amount: AMOUNT,
	});
	let events = vec![
		EventRecord {
			phase: Phase::ApplyExtrinsic(0),
			event: RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::ShieldFunds {
				shard,
				from: alice.public().into(),
				encrypted_beneficiary: encrypted,
				amount: AMOUNT,
			}),
			topics: vec![],
		},
		success(0),
	];
	block_parts(fixture, vec![user_extrinsic(fixture, &alice, call)], events, vault_balance)
}

/// What importing a block and executing it in a sidechain block did.
#[derive(Debug)]
struct Report {
	invariant: Invariant,
	payable_unshields: Vec<integritee_enclave::UnshieldDue>,
	unconfirmed_calls: usize,
	serving_member: Option<AccountId>,
}

/// Executes the queued inputs in a sidechain block and commits it (what
/// the block production does), if this enclave serves.
fn produce(fixture: &mut Fixture) -> Option<integritee_enclave::BlockReport> {
	let block = fixture.enclave.propose_block(1, BlockLimits::default(), false, 0).ok()??;
	Some(fixture.enclave.commit_block(&block).unwrap())
}

/// Imports the block made of `parts` on top of the fixture's head, with an
/// honest justification, and executes it in a sidechain block.
fn import(fixture: &mut Fixture, parts: BlockParts) -> Report {
	let imported = import_only(fixture, parts);
	let block = produce(fixture);
	Report {
		invariant: fixture.enclave.invariant().unwrap_or(Invariant::Holds),
		payable_unshields: block.as_ref().map(|b| b.payable_unshields.clone()).unwrap_or_default(),
		unconfirmed_calls: block.as_ref().map_or(0, |b| b.unconfirmed_calls),
		serving_member: imported.serving_member,
	}
}

/// Imports the block made of `parts` on top of the fixture's head, with an
/// honest justification (its inputs are queued).
fn import_only(fixture: &mut Fixture, parts: BlockParts) -> integritee_enclave::ImportReport {
	let (extrinsics, entries) = parts;
	let keys = fixture.enclave.proof_keys();
	let vault_key =
		frame_system::Account::<Runtime>::hashed_key_for(fixture.enclave.vault_account());
	let vault = entries.iter().find(|(k, _)| *k == vault_key).map(|(_, v)| v.clone()).unwrap();
	let (state_root, proof) = testing::state_with_proof(&entries, &keys);
	let next = header(&fixture.head, &extrinsics, state_root);
	let justification = testing::encoded_justification(&next, 1, 0, &testing::pairs(&["//Alice"]));
	let report = fixture
		.enclave
		.import(vec![ParentchainBlock { header: next.clone(), extrinsics, proof }], &justification)
		.unwrap();
	fixture.head = next;
	fixture.vault = frame_system::AccountInfo::<u32, pallet_balances::AccountData<u128>>::decode(
		&mut &vault[..],
	)
	.unwrap()
	.data
	.free;
	report
}

/// An empty block (the vault unchanged).
fn empty_block(fixture: &Fixture) -> BlockParts {
	block_parts(fixture, vec![], vec![], fixture.vault)
}

/// A block whose one extrinsic (a remark by Alice) emitted `events`, with
/// the vault at `vault_balance` after it.
fn events_block(fixture: &Fixture, events: Vec<RuntimeEvent>, vault_balance: u128) -> BlockParts {
	let alice = sr25519::Pair::from_string("//Alice", None).unwrap();
	let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
	let mut records: Vec<EventRecord<RuntimeEvent, H256>> = events
		.into_iter()
		.map(|event| EventRecord { phase: Phase::ApplyExtrinsic(0), event, topics: vec![] })
		.collect();
	records.push(success(0));
	block_parts(fixture, vec![user_extrinsic(fixture, &alice, remark)], records, vault_balance)
}

/// Bob's signature on `call` with `nonce`.
fn bob_signs(fixture: &Fixture, call: TrustedCall, nonce: u32) -> TrustedCallSigned {
	let shard = fixture.enclave.shard();
	call.sign(nonce, &MR_ENCLAVE, &shard, |p| fixture.bob.sign(p).into())
}

/// A block carrying a signed trusted call, encrypted, in an `invoke` by Bob.
fn invoke_block(fixture: &Fixture, signed: &TrustedCallSigned) -> BlockParts {
	let shard = fixture.enclave.shard();
	let ciphertext = shielding::encrypt(
		&fixture.enclave.shielding_public_key().unwrap(),
		Purpose::TrustedCall,
		&shard,
		&signed.encode(),
	)
	.unwrap();
	let invoke =
		RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke { shard, ciphertext });
	let extrinsic = user_extrinsic(fixture, &fixture.bob, invoke);
	block_parts(fixture, vec![extrinsic], vec![success(0)], fixture.vault)
}

/// Closes and reopens the core on the same data directory (a restart).
fn reopen(fixture: Fixture) -> Fixture {
	reopen_after(fixture, |_| {})
}

/// Closes the core, lets the host `tamper` with the data directory, and
/// reopens the core on it.
fn reopen_after(fixture: Fixture, tamper: impl FnOnce(&std::path::Path)) -> Fixture {
	let Fixture {
		enclave,
		dir,
		genesis,
		bob,
		head,
		vault,
		chain_anchor,
		shard_key,
		registered_at_ms,
		extra_entries,
	} = fixture;
	drop(enclave);
	tamper(dir.path());
	let enclave = open(dir.path()).unwrap();
	Fixture {
		enclave,
		dir,
		genesis,
		bob,
		head,
		vault,
		chain_anchor,
		shard_key,
		registered_at_ms,
		extra_entries,
	}
}

fn params(genesis_hash: H256) -> ExtrinsicParams {
	ExtrinsicParams { nonce: 3, era: Era::Immortal, era_block_hash: genesis_hash, genesis_hash }
}

/// Asks the core to sign `call` and returns the runtime call it signed.
fn signed_call(fixture: &Fixture, call: EnclaveCall) -> Result<RuntimeCall, Error> {
	let xt = fixture.enclave.sign_extrinsic(call, params(fixture.genesis.hash()))?;
	Ok(xt.function)
}

/// Shields AMOUNT for Bob and has Bob unshield `amount` to Dave; returns the
/// unshield's call hash.
fn shielded_and_unshielding(fixture: &mut Fixture, amount: u128) -> H256 {
	let parts = shield_block(fixture, AMOUNT);
	import(fixture, parts);
	let dave = AccountId::new([0xDA; 32]);
	let call = TrustedCall::BalanceUnshield {
		from: fixture.bob.public().into(),
		beneficiary: dave,
		amount,
	};
	let parts = invoke_block(fixture, &bob_signs(fixture, call, 0));
	let report = import(fixture, parts);
	assert!(report.payable_unshields.is_empty(), "not before an anchor covers it: {report:?}");
	let report = anchor_tip(fixture);
	assert_eq!(report.payable_unshields.len(), 1, "{report:?}");
	report.payable_unshields[0].call_hash
}

fn bob_balance(fixture: &Fixture) -> AccountInfoView {
	let (getter, answer_key) = signed_getter(
		fixture,
		TrustedGetter::AccountInfo(fixture.bob.public().into()),
		1,
		None,
		&fixture.bob,
	);
	let answer: GetterAnswer = ask(fixture, &getter, &answer_key).unwrap();
	assert!(answer.verify(&fixture.enclave.signer_public()));
	answer.value.map(|v| codec::Decode::decode(&mut &v[..]).unwrap()).unwrap_or_default()
}

/// `getter` signed by `signer` for the fixture's shard at `issued_at_ms`
/// with a fresh answer key and `min_block`; returns it and the answer key.
fn signed_getter(
	fixture: &Fixture,
	getter: TrustedGetter,
	issued_at_ms: u64,
	min_block: Option<u64>,
	signer: &sr25519::Pair,
) -> (TrustedGetterSigned, ShieldingKeyPair) {
	let answer_key = ShieldingKeyPair::generate();
	let signed = TrustedGetterSigned::new(
		getter,
		&fixture.enclave.shard(),
		issued_at_ms,
		answer_key.public_key(),
		min_block,
		|p| MultiSignature::Sr25519(signer.sign(p)),
	);
	(signed, answer_key)
}

/// Encrypts a signed getter to the core's shielding key, as a client does.
fn request_of(fixture: &Fixture, getter: &TrustedGetterSigned) -> PrivateGetterRequest {
	let key = fixture.enclave.shielding_public_key().unwrap();
	PrivateGetterRequest::encrypt(getter, fixture.enclave.shard(), &key).unwrap()
}

/// Asks the core a getter as a client does: as a private getter at the
/// getter's own moment, the answer opened with the client's answer key.
fn ask(
	fixture: &Fixture,
	getter: &TrustedGetterSigned,
	answer_key: &ShieldingKeyPair,
) -> Result<GetterAnswer, GetterError> {
	let request = request_of(fixture, getter);
	let encrypted = fixture.enclave.execute_private_getter(&request, getter.issued_at_ms)?;
	Ok(GetterAnswer::open(&encrypted, answer_key, &fixture.enclave.shard()).unwrap())
}

fn assert_untouched(fixture: &Fixture) {
	assert_eq!(fixture.enclave.last_processed(), None, "nothing executed");
	assert_eq!(fixture.enclave.queued_blocks().unwrap(), 0, "nothing queued");
	assert_eq!(fixture.enclave.light_client_head(), Some((0, fixture.genesis.hash())));
	// A new enclave has no state before an import proves its key: it
	// answers no getter then.
	assert_eq!(fixture.enclave.not_serving(), Some(SigningRefused::ShardNotCreated));
}

fn assert_untouched_but_queued(fixture: &Fixture) {
	assert_eq!(fixture.enclave.last_processed(), None, "nothing executed");
	assert_eq!(fixture.enclave.queued_blocks().unwrap(), 1);
	assert_eq!(bob_balance(fixture).free, 0);
}

#[test]
fn forged_parent_chain_data_is_refused_and_nothing_executes() {
	let mut fixture = fixture();
	let authority = testing::pairs(&["//Alice"]);
	let keys = fixture.enclave.proof_keys();
	let (extrinsics, entries) = shield_block(&fixture, AMOUNT);
	let (state_root, proof) = testing::state_with_proof(&entries, &keys);
	let honest = header(&fixture.genesis, &extrinsics, state_root);
	let block = |header: Header, extrinsics: Vec<Vec<u8>>, proof: Vec<Vec<u8>>| ParentchainBlock {
		header,
		extrinsics,
		proof,
	};

	// A forged header: not a child of our finalized block (but justified).
	let mut stranger = fixture.genesis.clone();
	stranger.state_root = H256::repeat_byte(9);
	let forged = header(&stranger, &extrinsics, state_root);
	let justification = testing::encoded_justification(&forged, 1, 0, &authority);
	let error = fixture
		.enclave
		.import(vec![block(forged, extrinsics.clone(), proof.clone())], &justification)
		.unwrap_err();
	assert!(matches!(error, Error::LightClient(_)), "{error}");
	assert_untouched(&fixture);

	// A justification signed by a key that is not a GRANDPA authority.
	let mallory = testing::pairs(&["//Mallory"]);
	let justification = testing::encoded_justification(&honest, 1, 0, &mallory);
	let error = fixture
		.enclave
		.import(vec![block(honest.clone(), extrinsics.clone(), proof.clone())], &justification)
		.unwrap_err();
	assert!(matches!(error, Error::LightClient(_)), "{error}");
	assert_untouched(&fixture);

	let justification = testing::encoded_justification(&honest, 1, 0, &authority);

	// A body that does not match the header's extrinsics root.
	let mut other_body = extrinsics.clone();
	other_body.push(vec![4, 1, 2, 3]);
	let error = fixture
		.enclave
		.import(vec![block(honest.clone(), other_body, proof.clone())], &justification)
		.unwrap_err();
	assert!(matches!(error, Error::BadBlock { number: 1, .. }), "{error}");
	assert_untouched(&fixture);

	// An events proof for another state (a shield of ten times the amount).
	let (other_extrinsics, mut other_entries) = shield_block(&fixture, 10 * AMOUNT);
	assert_eq!(other_extrinsics.len(), 1);
	other_entries[0].1.push(0);
	let (other_root, other_proof) = testing::state_with_proof(&other_entries, &keys);
	assert_ne!(other_root, state_root);
	let error = fixture
		.enclave
		.import(vec![block(honest.clone(), extrinsics.clone(), other_proof)], &justification)
		.unwrap_err();
	assert!(matches!(error, Error::BadBlock { number: 1, .. }), "{error}");
	assert_untouched(&fixture);

	// The honest chunk is queued, then executes in a sidechain block: Bob
	// is credited, issuance equals the vault.
	let report = fixture
		.enclave
		.import(vec![block(honest.clone(), extrinsics, proof)], &justification)
		.unwrap();
	assert_eq!(report.last_block, (1, honest.hash()));
	assert!(report.skipped.is_empty(), "{report:?}");
	assert_eq!((report.blocks_queued, report.inputs_queued), (1, 1));
	assert_untouched_but_queued(&fixture);
	let block = produce(&mut fixture).unwrap();
	assert!(block.rejected.is_empty(), "{block:?}");
	assert_eq!(block.invariant, Some(Invariant::Holds));
	assert_eq!(bob_balance(&fixture).free, AMOUNT);
	assert_eq!(fixture.enclave.last_processed(), Some((1, honest.hash())));
}

/// Refused: the host can name a duty but no content. An unknown hash is
/// refused; a real one is paid with the core's own beneficiary, amount and
/// expiry; a settled one is refused again.
#[test]
fn a_fabricated_unshield_is_refused_and_a_real_one_carries_the_cores_content() {
	let mut fixture = fixture();
	let call_hash = shielded_and_unshielding(&mut fixture, AMOUNT / 2);
	let fabricated = H256::repeat_byte(0x66);
	let error = signed_call(&fixture, EnclaveCall::Unshield { call_hash: fabricated }).unwrap_err();
	assert!(
		matches!(error, Error::Refused(SigningRefused::UnknownUnshield(h)) if h == fabricated),
		"{error}"
	);
	let call = signed_call(&fixture, EnclaveCall::Unshield { call_hash }).unwrap();
	let RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::unshield_funds {
		shard,
		beneficiary,
		amount,
		call_hash: paid,
		expires_at,
	}) = call
	else {
		panic!("not an unshield: {call:?}")
	};
	assert_eq!(
		(shard, beneficiary, amount, paid),
		(fixture.enclave.shard(), AccountId::new([0xDA; 32]), AMOUNT / 2, call_hash)
	);
	assert_eq!(expires_at, 2 + integritee_enclave::stf::DEFAULT_UNSHIELD_LIFETIME);

	// The payout is seen: the entry is settled, and a second payout of the
	// same hash is refused by the core (the pallet would refuse it too).
	let unshielded = RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::UnshieldedFunds {
		shard,
		beneficiary: AccountId::new([0xDA; 32]),
		amount: AMOUNT / 2,
		call_hash,
	});
	let parts = events_block(&fixture, vec![unshielded], AMOUNT / 2);
	let report = import(&mut fixture, parts);
	assert!(report.payable_unshields.is_empty());
	assert_eq!(report.invariant, Invariant::Holds);
	let error = signed_call(&fixture, EnclaveCall::Unshield { call_hash }).unwrap_err();
	assert!(matches!(error, Error::Refused(SigningRefused::UnknownUnshield(_))), "{error}");
	assert_eq!(bob_balance(&fixture).free, AMOUNT / 2);
}

/// Refused while the vault is short: the breach stops payouts, the core
/// keeps importing, and payouts resume once the vault covers the issuance.
#[test]
fn a_payout_during_a_breach_is_refused_until_the_vault_is_topped_up() {
	let mut fixture = fixture();
	// Before any import a new enclave holds no state: no payout.
	let error =
		signed_call(&fixture, EnclaveCall::Unshield { call_hash: H256::zero() }).unwrap_err();
	assert!(matches!(error, Error::Refused(SigningRefused::ShardNotCreated)), "{error}");
	let call_hash = shielded_and_unshielding(&mut fixture, AMOUNT / 2);
	// Someone drains the vault below the issuance.
	let parts = block_parts(&fixture, vec![], vec![], AMOUNT - 1);
	let report = import(&mut fixture, parts);
	assert_eq!(report.invariant, Invariant::Breach { issuance: AMOUNT, vault: AMOUNT - 1 });
	let error = signed_call(&fixture, EnclaveCall::Unshield { call_hash }).unwrap_err();
	assert_eq!(
		error.to_string(),
		SigningRefused::Breach { issuance: AMOUNT, vault: AMOUNT - 1 }.to_string()
	);
	// The core still follows the chain; the top-up ends the breach.
	let parts = block_parts(&fixture, vec![], vec![], AMOUNT);
	assert_eq!(import(&mut fixture, parts).invariant, Invariant::Holds);
	assert!(signed_call(&fixture, EnclaveCall::Unshield { call_hash }).is_ok());
}

/// Harmless: a confirmation's content is the core's. It names the last
/// processed block and the root of the calls executed since the last
/// confirmation seen on chain; asking again repeats it (a no-op on chain);
/// once the chain shows it, the calls are no longer pending, also after a
/// restart.
#[test]
fn confirmations_are_computed_and_kept_by_the_core() {
	let mut fixture = fixture();
	let parts = shield_block(&fixture, AMOUNT);
	import(&mut fixture, parts);
	let dave = AccountId::new([0xDA; 32]);
	let transfer =
		TrustedCall::BalanceTransfer { from: fixture.bob.public().into(), to: dave, amount: 1 };
	let shard = fixture.enclave.shard();
	let signed = bob_signs(&fixture, transfer, 0);
	let parts = invoke_block(&fixture, &signed);
	let report = import(&mut fixture, parts);
	assert_eq!(report.unconfirmed_calls, 1);
	let confirmation =
		|fixture: &Fixture| match signed_call(fixture, EnclaveCall::ConfirmProcessed).unwrap() {
			RuntimeCall::EnclaveBridge(
				pallet_enclave_bridge::Call::confirm_processed_parentchain_block {
					block_number,
					block_hash,
					calls_root,
					..
				},
			) => (block_number, block_hash, calls_root),
			other => panic!("not a confirmation: {other:?}"),
		};
	let first = confirmation(&fixture);
	assert_eq!(
		first,
		(2, fixture.head.hash(), integritee_enclave::stf::calls_root(&[signed.hash()]))
	);
	assert_eq!(confirmation(&fixture), first, "a replay repeats the same confirmation");

	// The host restarts the core: the unconfirmed call survives.
	let mut fixture = reopen(fixture);
	let (number, _, root) = confirmation(&fixture);
	assert_eq!((number, root), (2, first.2));

	// The chain shows the confirmation of block 2: nothing is pending.
	let confirmed =
		RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::ProcessedParentchainBlock {
			shard,
			signer: fixture.enclave.account(),
			block_hash: first.1,
			block_number: 2,
			calls_root: first.2,
		});
	let parts = events_block(&fixture, vec![confirmed], fixture.vault);
	let report = import(&mut fixture, parts);
	assert_eq!(report.unconfirmed_calls, 0);
	assert_eq!(confirmation(&fixture), (3, fixture.head.hash(), H256::zero()));
}

/// Refused: the anchor is set once. A second one, a genesis checkpoint that
/// is not the genesis, another shard at restart, and a deleted state file
/// (which holds the light client too) all fail with a clear error; the core
/// never starts over.
#[test]
fn the_anchor_is_set_once_and_its_files_must_stay() {
	let mut fixture = fixture();
	let (genesis, proof) = genesis_with_proof();
	let error = fixture
		.enclave
		.init_light_client_at(genesis.hash(), genesis.hash(), genesis.clone(), proof.clone())
		.unwrap_err();
	assert!(matches!(error, Error::AlreadyInitialized), "{error}");
	let parts = shield_block(&fixture, AMOUNT);
	import(&mut fixture, parts);
	let dir = fixture.dir.path().to_path_buf();
	drop(fixture.enclave);

	// After a restart: still anchored.
	let mut again = open(&dir).unwrap();
	assert_eq!(again.anchor().unwrap().genesis_hash, genesis.hash());
	let error = again
		.init_light_client_at(genesis.hash(), genesis.hash(), genesis.clone(), proof)
		.unwrap_err();
	assert!(matches!(error, Error::AlreadyInitialized), "{error}");
	drop(again);

	// Another shard on the same keys.
	let other = Enclave::open(
		Arc::new(SimulatedTee::new(MR_ENCLAVE)),
		config(&dir, Some(H256::repeat_byte(0x77))),
	)
	.err()
	.unwrap();
	assert!(matches!(other, Error::Anchor(AnchorError::OtherShard { .. })), "{other}");

	// Deleted files: a clear error naming the file and the recovery.
	let state_dir = dir.join(STATE_DIR);
	let state_file = std::fs::read_dir(&state_dir).unwrap().next().unwrap().unwrap().path();
	let saved = std::fs::read(&state_file).unwrap();
	std::fs::remove_file(&state_file).unwrap();
	let error = open(&dir).err().unwrap();
	let text = error.to_string();
	assert!(matches!(error, Error::Anchor(AnchorError::MissingFile { .. })), "{text}");
	assert!(text.contains(&state_file.display().to_string()) && text.contains("restore"), "{text}");
	std::fs::write(&state_file, saved).unwrap();
	assert!(open(&dir).is_ok());
}

/// Refused: a genesis checkpoint must be the genesis the host names, and
/// whatever genesis hash the host passes with a signing request, the core
/// signs for the anchored chain only.
#[test]
fn the_core_signs_only_for_its_anchored_chain() {
	let dir = tempfile::tempdir().unwrap();
	let mut enclave = open(dir.path()).unwrap();
	let (genesis, proof) = genesis_with_proof();
	let error = enclave
		.init_light_client_at(H256::repeat_byte(1), genesis.hash(), genesis.clone(), proof)
		.unwrap_err();
	assert!(matches!(error, Error::Anchor(AnchorError::GenesisMismatch { .. })), "{error}");
	let error = enclave.sign_extrinsic(EnclaveCall::ConfirmProcessed, params(genesis.hash()));
	assert!(matches!(error, Err(Error::Anchor(AnchorError::NotAnchored))));

	let mut fixture = fixture();
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	let other_chain = H256::repeat_byte(0x0c);
	let xt: UncheckedExtrinsic =
		fixture.enclave.sign_extrinsic(EnclaveCall::ConfirmProcessed, params(other_chain)).unwrap();
	let Preamble::Signed(_, MultiSignature::Ed25519(signature), extension) = xt.preamble.clone()
	else {
		panic!("not signed by the enclave")
	};
	let payload_for = |genesis: H256| {
		SignedPayload::from_raw(
			xt.function.clone(),
			extension.clone(),
			(
				(),
				VERSION.spec_version,
				VERSION.transaction_version,
				genesis,
				other_chain,
				(),
				(),
				(),
			),
		)
		.encode()
	};
	let signer: ed25519::Public = fixture.enclave.signer_public();
	// As `SignedPayload::using_encoded` signs: hashed when over 256 bytes.
	let verifies = |genesis| {
		let payload = payload_for(genesis);
		let payload = if payload.len() > 256 {
			polkadot_sdk::sp_io::hashing::blake2_256(&payload).to_vec()
		} else {
			payload
		};
		ed25519::Pair::verify(&signature, &payload[..], &signer)
	};
	assert!(verifies(fixture.genesis.hash()), "signed for the anchored genesis");
	assert!(!verifies(other_chain), "never for the host's");
}

/// Harmless: the host may forge a getter's timestamp (the RPC's freshness
/// check is the host's own), but only the owner's signature opens the
/// owner's data, and the answer names the block it reflects.
#[test]
fn a_getter_with_a_forged_timestamp_reveals_nothing_new() {
	let mut fixture = fixture();
	let parts = shield_block(&fixture, AMOUNT);
	import(&mut fixture, parts);
	let shard = fixture.enclave.shard();
	let _ = shard;
	let bob: AccountId = fixture.bob.public().into();
	let (future, key) = signed_getter(
		&fixture,
		TrustedGetter::AccountInfo(bob.clone()),
		u64::MAX,
		None,
		&fixture.bob,
	);
	let answer = ask(&fixture, &future, &key).unwrap();
	assert!(answer.verify(&fixture.enclave.signer_public()));
	assert_eq!(answer.parentchain_block_number, 1);
	// The same getter with the timestamp changed by the host no longer verifies.
	let mut forged = future.clone();
	forged.issued_at_ms = 1;
	assert!(ask(&fixture, &forged, &key).is_err());
	// Another key cannot read Bob's account.
	let mallory = sr25519::Pair::from_string("//Mallory", None).unwrap();
	let (snoop, key) = signed_getter(&fixture, TrustedGetter::AccountInfo(bob), 1, None, &mallory);
	assert!(ask(&fixture, &snoop, &key).is_err());
}

/// `parts` with the shard's `ShardStatus` on chain listing `signers`, in
/// the order they joined.
fn with_shard_status(
	fixture: &Fixture,
	mut parts: BlockParts,
	signers: &[AccountId],
) -> BlockParts {
	let status: Vec<integritee_primitives::ShardSignerStatus<AccountId, u32>> = signers
		.iter()
		.map(|signer| integritee_primitives::ShardSignerStatus {
			signer: signer.clone(),
			fingerprint: H256(MR_ENCLAVE),
			last_activity: 1,
		})
		.collect();
	let key =
		pallet_enclave_bridge::ShardStatus::<Runtime>::hashed_key_for(fixture.enclave.shard());
	parts.1.push((key, status.encode()));
	parts
}

/// Refused: a second instance of the shard (its own keys, its own state)
/// must not answer users or sign payouts and confirmations while another
/// enclave serves the shard; it keeps following the chain and serves again
/// once it is the shard's first signer.
#[test]
fn a_second_instance_refuses_to_serve_while_another_serves() {
	let mut fixture = fixture();
	let call_hash = shielded_and_unshielding(&mut fixture, AMOUNT / 2);
	let other = AccountId::new([0x0e; 32]);
	let me = fixture.enclave.account();
	let parts = empty_block(&fixture);
	let parts = with_shard_status(&fixture, parts, &[other.clone(), me.clone()]);
	let report = import(&mut fixture, parts);
	assert_eq!(report.serving_member, Some(other.clone()));
	for duty in [EnclaveCall::ConfirmProcessed, EnclaveCall::Unshield { call_hash }] {
		let error = signed_call(&fixture, duty).unwrap_err();
		assert!(
			matches!(&error, Error::Refused(SigningRefused::AnotherMemberServes(who)) if *who == other),
			"{error}"
		);
	}
	let (getter, key) = signed_getter(
		&fixture,
		TrustedGetter::AccountInfo(fixture.bob.public().into()),
		1,
		None,
		&fixture.bob,
	);
	assert!(matches!(ask(&fixture, &getter, &key), Err(GetterError::NotServing(_))));
	// Registration (renewal) is still signed: it serves no user.
	let register = EnclaveCall::Register { worker_url: None, skip_attestation: true };
	assert!(signed_call(&fixture, register).is_ok());
	// First in the list (the other was purged): it serves again.
	let parts = empty_block(&fixture);
	let parts = with_shard_status(&fixture, parts, &[me]);
	assert_eq!(import(&mut fixture, parts).serving_member, None);
	assert!(signed_call(&fixture, EnclaveCall::ConfirmProcessed).is_ok());
}

/// Refused: a host that ignores the core's chunk limit and feeds a chunk
/// crossing the enactment of a GRANDPA set change gets nothing executed
/// (the block after the enactment needs the new set). Cut where the core
/// says (`chunk_limit`), the same blocks import.
#[test]
fn a_chunk_crossing_a_set_change_is_refused_and_nothing_executes() {
	let mut fixture = fixture();
	let (alice, bob) = (testing::pairs(&["//Alice"]), testing::pairs(&["//Bob"]));
	let keys = fixture.enclave.proof_keys();
	let (extrinsics, entries) = shield_block(&fixture, AMOUNT);
	let (state_root, proof) = testing::state_with_proof(&entries, &keys);
	// #1 (the shield) schedules Bob's set with delay 1: enacted at #2.
	let mut first = header(&fixture.genesis, &extrinsics, state_root);
	first.digest.push(testing::scheduled_change(testing::authorities(&bob), 1));
	// Blocks without events, in which the enclave still serves.
	let empty = common::serving_entries(
		&fixture.enclave,
		fixture.shard_key,
		fixture.registered_at_ms,
		CHAIN_TIME_MS,
	);
	let (empty_root, empty_proof) = testing::state_with_proof(&empty, &keys);
	let second = header(&first, &[], empty_root);
	let third = header(&second, &[], empty_root);
	let block = |header: &Header, extrinsics: &[Vec<u8>], proof: &[Vec<u8>]| ParentchainBlock {
		header: header.clone(),
		extrinsics: extrinsics.to_vec(),
		proof: proof.to_vec(),
	};
	let crossing = vec![
		block(&first, &extrinsics, &proof),
		block(&second, &[], &empty_proof),
		block(&third, &[], &empty_proof),
	];
	let headers: Vec<Header> = crossing.iter().map(|b| b.header.clone()).collect();
	assert_eq!(fixture.enclave.chunk_limit(&headers).unwrap(), Some(2));
	let justification = testing::encoded_justification(&third, 1, 0, &alice);
	let error = fixture.enclave.import(crossing, &justification).unwrap_err();
	assert!(
		matches!(
			error,
			Error::LightClient(integritee_enclave::light_client::Error::ChunkCrossesSetChange {
				enactment: 2,
				chunk_end: 3
			})
		),
		"{error}"
	);
	assert_untouched(&fixture);
	let justification = testing::encoded_justification(&second, 1, 0, &alice);
	let cut = vec![block(&first, &extrinsics, &proof), block(&second, &[], &empty_proof)];
	fixture.enclave.import(cut, &justification).unwrap();
	produce(&mut fixture).unwrap();
	assert_eq!(bob_balance(&fixture).free, AMOUNT);
	let justification = testing::encoded_justification(&third, 1, 1, &bob);
	fixture.enclave.import(vec![block(&third, &[], &empty_proof)], &justification).unwrap();
	assert_eq!(fixture.enclave.light_client_head().unwrap().0, 3);
}

#[test]
fn a_vault_short_of_the_issuance_is_reported_as_a_breach() {
	let mut fixture = fixture();
	let parts = shield_block(&fixture, AMOUNT - 1);
	let report = import(&mut fixture, parts);
	assert_eq!(report.invariant, Invariant::Breach { issuance: AMOUNT, vault: AMOUNT - 1 });
	assert_eq!(fixture.enclave.invariant(), Some(report.invariant));
}

/// A copy of the fixture's data directory opened as a second core with the
/// same keys: the host can run one (it owns the disk), and it is what a
/// member that applies blocks it did not produce looks like.
fn twin(fixture: &Fixture) -> (tempfile::TempDir, Enclave) {
	let copy = tempfile::tempdir().unwrap();
	integritee_test_node::copy_dir(fixture.dir.path(), copy.path());
	let enclave = open(copy.path()).unwrap();
	(copy, enclave)
}

/// Refused: sidechain blocks the core did not produce must extend its
/// committed tip and carry its author's signature over a header that
/// matches the body. A replayed committed block is a no-op; another block
/// at a committed height is refused.
#[test]
fn forged_sidechain_blocks_are_refused_and_nothing_changes() {
	let mut fixture = fixture();
	let parts = shield_block(&fixture, AMOUNT);
	import_only(&mut fixture, parts);
	let (_copy, mut follower) = twin(&fixture);
	let block =
		fixture.enclave.propose_block(7, BlockLimits::default(), false, 0).unwrap().unwrap();
	assert_eq!((block.header.number, block.header.term), (1, 7));
	let before = follower.sidechain_tip().clone();

	let mut bad_signature = block.clone();
	bad_signature.signature.0[0] ^= 1;
	let mut other_diff = block.clone();
	other_diff.body.encrypted_diff[20] ^= 1;
	let mut other_calls = block.clone();
	other_calls.body.calls.clear();
	let mut other_root = block.clone();
	other_root.header.state_root_after = H256::repeat_byte(1);
	let mut other_parent = block.clone();
	other_parent.header.parent_hash = H256::repeat_byte(2);
	let stranger = ed25519::Pair::from_seed(&[9; 32]);
	let by_stranger = integritee_enclave::sidechain::SignedSidechainBlock::sign(
		block.header.clone(),
		block.body.clone(),
		&stranger,
	);
	for (what, forged) in [
		("bad signature", bad_signature),
		("tampered diff", other_diff),
		("tampered calls", other_calls),
		("another state root", other_root),
		("another parent", other_parent),
		("another author", by_stranger),
	] {
		let error = follower.commit_block(&forged).unwrap_err();
		assert!(matches!(error, Error::Block(_)), "{what}: {error}");
		assert_eq!(follower.sidechain_tip(), &before, "{what}");
	}
	assert_eq!(follower.last_processed(), None);

	// The real block: the producer commits what it executed, the follower
	// applies its encrypted diff and reaches the same state.
	let produced = fixture.enclave.commit_block(&block).unwrap();
	let applied = follower.commit_block(&block).unwrap();
	assert_eq!(produced.state_root, applied.state_root);
	assert_eq!(follower.sidechain_tip(), fixture.enclave.sidechain_tip());
	assert_eq!(produced.calls_executed, 1, "the shield");
	// Replayed (e.g. re-applied after a restart): a no-op.
	let again = fixture.enclave.commit_block(&block).unwrap();
	assert!(again.already_committed);
	assert_eq!(again.state_root, produced.state_root);
	// Another block at the committed height: refused.
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	let mut next =
		fixture.enclave.propose_block(7, BlockLimits::default(), false, 0).unwrap().unwrap();
	next.header.number = 1;
	let error = fixture.enclave.commit_block(&next).unwrap_err();
	assert!(matches!(error, Error::ConflictingBlock { number: 1, .. }), "{error}");
}

/// Refused: inputs the light client verified cannot vanish. A queue entry
/// deleted from the database (the host owns the disk) is detected when the
/// next block would need it; no block is produced.
#[test]
fn a_deleted_queue_entry_is_detected() {
	let mut fixture = fixture();
	let parts = shield_block(&fixture, AMOUNT);
	import_only(&mut fixture, parts);
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	assert_eq!(fixture.enclave.queued_blocks().unwrap(), 2);
	let mut fixture = reopen_after(fixture, |dir| {
		let db = redb::Database::open(state_file(dir)).unwrap();
		let txn = db.begin_write().unwrap();
		let queue: redb::TableDefinition<u32, &[u8]> =
			redb::TableDefinition::new("parentchain_inputs");
		txn.open_table(queue).unwrap().remove(1).unwrap();
		txn.commit().unwrap();
	});
	// After the restart the core proves the anchor first (an import).
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	let error = fixture.enclave.propose_block(1, BlockLimits::default(), true, 0).unwrap_err();
	assert!(matches!(error, Error::QueueTampered { number: 1, .. }), "{error}");
	assert_eq!(fixture.enclave.last_processed(), None);
}

/// Detected: the parent chain anchors a sidechain block the state does not
/// have (the host restored an older data directory). The core reports it
/// and refuses to produce; anchoring is refused too.
#[test]
fn a_rolled_back_state_is_detected_against_the_chain_anchor() {
	let mut fixture = fixture();
	let parts = shield_block(&fixture, AMOUNT);
	import(&mut fixture, parts);
	assert_eq!(fixture.enclave.anchored(), Some(None), "nothing anchored on chain yet");
	// Anchoring the committed block names no ancestor (none on chain).
	let tip = fixture.enclave.sidechain_tip().clone();
	let candidate = integritee_primitives::SidechainBlockConfirmation {
		block_number: tip.number,
		block_header_hash: tip.hash,
	};
	match signed_call(&fixture, EnclaveCall::ConfirmSidechainBlock).unwrap() {
		RuntimeCall::Sidechain(pallet_sidechain::Call::confirm_imported_sidechain_block {
			ancestor,
			candidate: signed,
			..
		}) => assert_eq!((ancestor, signed), (None, candidate)),
		other => panic!("{other:?}"),
	}

	// The chain anchors #5, the state is at #1.
	let anchored = integritee_primitives::SidechainBlockConfirmation {
		block_number: 5,
		block_header_hash: H256::repeat_byte(5),
	};
	let (extrinsics, mut entries) = empty_block(&fixture);
	let key = pallet_sidechain::LatestSidechainBlockConfirmation::<Runtime>::hashed_key_for(
		fixture.enclave.shard(),
	);
	entries.push((key.clone(), anchored.encode()));
	let report = import_only(&mut fixture, (extrinsics, entries));
	let rollback = report.rollback.expect("detected");
	assert_eq!((rollback.anchored, rollback.committed), (anchored, (tip.number, tip.hash)));
	assert!(rollback.to_string().contains("ROLLBACK"), "{rollback}");
	let error = fixture.enclave.propose_block(1, BlockLimits::default(), true, 0).unwrap_err();
	assert!(matches!(error, Error::Rollback(_)), "{error}");
	let error = signed_call(&fixture, EnclaveCall::ConfirmSidechainBlock).unwrap_err();
	assert!(matches!(error, Error::Rollback(_)), "{error}");

	// Another block at the anchored height is a rollback too; the anchor of
	// the committed block itself is not.
	let (extrinsics, mut entries) = empty_block(&fixture);
	entries.push((key.clone(), candidate.encode()));
	let report = import_only(&mut fixture, (extrinsics, entries));
	assert_eq!(report.rollback, None);
	let (extrinsics, mut entries) = empty_block(&fixture);
	let forked = integritee_primitives::SidechainBlockConfirmation {
		block_header_hash: H256::repeat_byte(7),
		..candidate
	};
	entries.push((key, forked.encode()));
	assert!(import_only(&mut fixture, (extrinsics, entries)).rollback.is_some());
}

/// A direct call of Bob's with `nonce`, as a client sends it.
fn direct_call(fixture: &Fixture, amount: u128, nonce: u32) -> DirectCall {
	let to = AccountId::new([0x0c; 32]);
	let call = TrustedCall::BalanceTransfer { from: fixture.bob.public().into(), to, amount };
	let signed = bob_signs(fixture, call, nonce);
	DirectCall::encrypt(
		&signed,
		fixture.enclave.shard(),
		&fixture.enclave.shielding_public_key().unwrap(),
	)
	.unwrap()
}

/// What the host can do with direct calls: garbage, other shards, forged
/// signatures and replays are refused at the door or the admission with
/// typed errors and change nothing; a full pool says so; an admitted call
/// reaches a block without the host seeing its content, and a replay of it
/// afterwards is a stale nonce.
#[test]
fn direct_calls_from_a_hostile_host_are_refused_at_the_door() {
	let mut fixture = fixture();
	let parts = shield_block(&fixture, AMOUNT);
	import(&mut fixture, parts);
	let door = fixture.enclave.door();
	let shard = fixture.enclave.shard();
	let refused = |call: DirectCall| door.check(&call).map(|_| ()).unwrap_err();

	let mut garbage = direct_call(&fixture, 1, 0);
	garbage.ciphertext[40] ^= 1;
	assert!(matches!(refused(garbage), DirectError::Undecryptable(_)));
	let mut other_shard = direct_call(&fixture, 1, 0);
	other_shard.shard = H256::repeat_byte(9);
	assert!(matches!(refused(other_shard), DirectError::WrongShard { .. }));
	let oversize = DirectCall { shard, ciphertext: vec![0; 5_000] };
	assert!(matches!(refused(oversize), DirectError::Oversize { .. }));
	let not_a_call = DirectCall {
		shard,
		ciphertext: shielding::encrypt(
			&fixture.enclave.shielding_public_key().unwrap(),
			Purpose::TrustedCall,
			&shard,
			b"junk",
		)
		.unwrap(),
	};
	assert_eq!(refused(not_a_call), DirectError::Malformed);
	// Signed by Mallory for Bob's account.
	let mallory = sr25519::Pair::from_string("//Mallory", None).unwrap();
	let to = AccountId::new([0x0c; 32]);
	let forged = TrustedCall::BalanceTransfer {
		from: fixture.bob.public().into(),
		to: to.clone(),
		amount: 1,
	}
	.sign(0, &MR_ENCLAVE, &shard, |p| MultiSignature::Sr25519(mallory.sign(p)));
	let forged =
		DirectCall::encrypt(&forged, shard, &fixture.enclave.shielding_public_key().unwrap())
			.unwrap();
	assert_eq!(refused(forged), DirectError::BadSignature);
	// An unfunded sender is refused at the admission.
	let mallory_call =
		TrustedCall::BalanceTransfer { from: mallory.public().into(), to, amount: 1 }.sign(
			0,
			&MR_ENCLAVE,
			&shard,
			|p| MultiSignature::Sr25519(mallory.sign(p)),
		);
	let mallory_call =
		DirectCall::encrypt(&mallory_call, shard, &fixture.enclave.shielding_public_key().unwrap())
			.unwrap();
	let ticket = door.check(&mallory_call).unwrap();
	assert_eq!(fixture.enclave.admit(ticket).unwrap_err(), DirectError::Unfunded);
	assert_eq!(fixture.enclave.pool_size(), (0, 0), "nothing was pooled");

	// A full pool answers "full" (1016) instead of growing.
	fixture
		.enclave
		.set_pool_limits(integritee_enclave::PoolLimits { max_calls: 2, ..Default::default() });
	let first = direct_call(&fixture, 1_000, 0);
	let admitted = fixture.enclave.admit(door.check(&first).unwrap()).unwrap();
	assert_eq!(admitted.readiness, integritee_enclave::Readiness::Ready);
	let replay = fixture.enclave.admit(door.check(&first).unwrap()).unwrap_err();
	assert_eq!(replay.code(), 1013, "the same call again: already imported");
	fixture.enclave.admit(door.check(&direct_call(&fixture, 1_000, 1)).unwrap()).unwrap();
	let full = fixture.enclave.admit(door.check(&direct_call(&fixture, 1_000, 2)).unwrap());
	assert_eq!(full.unwrap_err().code(), 1016);

	// The block includes both; the host sees hashes and outcomes only.
	let report = produce(&mut fixture).expect("a block of direct calls");
	assert_eq!(report.calls_executed, 2);
	assert_eq!(fixture.enclave.pool_size(), (0, 0));
	assert_eq!(bob_balance(&fixture).nonce, 2);
	let replay = fixture.enclave.admit(door.check(&first).unwrap()).unwrap_err();
	assert_eq!(
		replay,
		DirectError::Pool(integritee_enclave::PoolError::StaleNonce { expected: 2, got: 0 })
	);
}

/// A fixture whose Bob shielded `AMOUNT`, executed in a committed block.
fn shielded_fixture() -> Fixture {
	let mut fixture = fixture();
	let parts = shield_block(&fixture, AMOUNT);
	import(&mut fixture, parts);
	produce(&mut fixture);
	fixture
}

/// Future direct calls age by the moments the host gives block proposals,
/// not by blocks: heartbeats at the same moment do not drop them, a moment
/// past the limit does, and a moment that goes back does not rejuvenate
/// them. A lying host can only drop them early (it could refuse them).
#[test]
fn future_direct_calls_age_by_the_moment_of_proposals() {
	let mut fixture = shielded_fixture();
	let door = fixture.enclave.door();
	let limit = integritee_enclave::PoolLimits::default().max_future_age;
	let heartbeat = |fixture: &mut Fixture, now_ms: u64| {
		let block = fixture
			.enclave
			.propose_block(1, BlockLimits::default(), true, now_ms)
			.unwrap()
			.unwrap();
		fixture.enclave.commit_block(&block).unwrap().pool_changes
	};
	let start = 1_800_000_000_000;
	assert!(heartbeat(&mut fixture, start).is_empty());
	// Nonce 1 while the state's is 0: future.
	let future = direct_call(&fixture, 5, 1);
	let admitted = fixture.enclave.admit(door.check(&future).unwrap()).unwrap();
	assert_eq!(admitted.readiness, integritee_enclave::Readiness::Future);
	for _ in 0..300 {
		assert!(heartbeat(&mut fixture, start).is_empty(), "blocks alone do not age it");
	}
	assert!(heartbeat(&mut fixture, start + limit).is_empty(), "at the limit it stays");
	assert!(heartbeat(&mut fixture, start).is_empty(), "the clock does not go back");
	let dropped = heartbeat(&mut fixture, start + limit + 1);
	assert_eq!(dropped, vec![integritee_enclave::Revalidated::Dropped(admitted.hash)]);
	assert_eq!(fixture.enclave.pool_size(), (0, 0));
	// Its nonce is free again for a fresh chain.
	fixture.enclave.admit(door.check(&direct_call(&fixture, 5, 0)).unwrap()).unwrap();
	fixture.enclave.admit(door.check(&future).unwrap()).unwrap();
	assert_eq!(fixture.enclave.pool_size().0, 2);
}

/// What the host can do with private getters: it never reads the getter or
/// the answer (encrypted to the client's answer key), a replayed request
/// gets an answer only the client can open, a tampered one does not
/// decrypt, an expired one is refused.
#[test]
fn private_getters_reveal_nothing_to_the_host() {
	let fixture = shielded_fixture();
	let shard = fixture.enclave.shard();
	let now = 1_800_000_000_000;
	let (request, sent) = PrivateGetterRequest::new(
		TrustedGetter::AccountInfo(fixture.bob.public().into()),
		shard,
		now,
		None,
		&fixture.enclave.shielding_public_key().unwrap(),
		|p| MultiSignature::Sr25519(fixture.bob.sign(p)),
	)
	.unwrap();
	let answer_key = &sent.answer_key;
	let encrypted = fixture.enclave.execute_private_getter(&request, now).unwrap();
	assert!(!encrypted.windows(8).any(|w| w == &AMOUNT.to_le_bytes()[..8]), "no clear value");
	let answer = GetterAnswer::open(&encrypted, answer_key, &shard).unwrap();
	assert!(answer.verify(&fixture.enclave.signer_public()));
	assert_eq!(answer.sidechain_block.0, fixture.enclave.sidechain_tip().number);
	let info = AccountInfoView::decode(&mut &answer.value.unwrap()[..]).unwrap();
	assert_eq!(info.free, AMOUNT);
	// The host replays it: a fresh answer, still only for the client's key.
	let replayed = fixture.enclave.execute_private_getter(&request, now + 1_000).unwrap();
	let host_key = integritee_stf_primitives::shielding::ShieldingKeyPair::generate();
	assert!(GetterAnswer::open(&replayed, &host_key, &shard).is_err());
	// Tampered, expired, too far ahead.
	let mut tampered = request.clone();
	tampered.ciphertext[50] ^= 1;
	assert_eq!(
		fixture.enclave.execute_private_getter(&tampered, now).unwrap_err(),
		GetterError::Undecryptable
	);
	assert!(matches!(
		fixture.enclave.execute_private_getter(&request, now + 3_600_000).unwrap_err(),
		GetterError::Expired { .. }
	));
	let tip = fixture.enclave.sidechain_tip().number;
	let (ahead, _) = PrivateGetterRequest::new(
		TrustedGetter::AccountInfo(fixture.bob.public().into()),
		shard,
		now,
		Some(tip + 1),
		&fixture.enclave.shielding_public_key().unwrap(),
		|p| MultiSignature::Sr25519(fixture.bob.sign(p)),
	)
	.unwrap();
	assert!(matches!(
		fixture.enclave.execute_private_getter(&ahead, now).unwrap_err(),
		GetterError::NotYet { min_block, .. } if min_block == tip + 1
	));
}

/// A heartbeat sidechain block, committed.
fn heartbeat(fixture: &mut Fixture) {
	let block = fixture.enclave.propose_block(1, BlockLimits::default(), true, 0).unwrap().unwrap();
	fixture.enclave.commit_block(&block).unwrap();
}

/// Exploit (on the parent commit the core decrypted the request, found
/// `min_block` ahead and said `NotYet` before it checked the signature, and
/// the host retried every 50 ms for 10 s: about 200 decryptions of one
/// unsigned request): an unsigned or badly signed getter with a far
/// `min_block` is refused at once, as a bad signature, after one
/// decryption.
#[test]
fn an_unsigned_getter_with_a_far_min_block_is_refused_at_once_after_one_decryption() {
	let fixture = shielded_fixture();
	let now = 1_800_000_000_000;
	let bob = TrustedGetter::AccountInfo(fixture.bob.public().into());
	let mallory = sr25519::Pair::from_string("//Mallory", None).unwrap();
	let (forged, _) = signed_getter(&fixture, bob.clone(), now, Some(u64::MAX), &mallory);
	let (mut unsigned, _) = signed_getter(&fixture, bob, now, Some(u64::MAX), &fixture.bob);
	unsigned.signature = MultiSignature::Sr25519(sr25519::Signature::from_raw([0; 64]));
	for getter in [forged, unsigned] {
		let before = fixture.enclave.getters_opened();
		let request = request_of(&fixture, &getter);
		assert_eq!(
			fixture.enclave.execute_private_getter(&request, now).unwrap_err(),
			GetterError::BadSignature
		);
		assert_eq!(
			fixture.enclave.open_private_getter(&request, now).unwrap_err(),
			GetterError::BadSignature
		);
		assert_eq!(fixture.enclave.getters_opened(), before + 2, "one decryption per call");
	}
	// Garbage for another shard, or oversize, costs no decryption at all.
	let before = fixture.enclave.getters_opened();
	let other_shard = PrivateGetterRequest { shard: H256::repeat_byte(9), ciphertext: vec![1; 80] };
	assert!(matches!(
		fixture.enclave.open_private_getter(&other_shard, now).unwrap_err(),
		GetterError::WrongShard { .. }
	));
	let oversize =
		PrivateGetterRequest { shard: fixture.enclave.shard(), ciphertext: vec![1; 5_000] };
	assert!(matches!(
		fixture.enclave.open_private_getter(&oversize, now).unwrap_err(),
		GetterError::Oversize { len: 5_000, .. }
	));
	assert_eq!(fixture.enclave.getters_opened(), before);
}

/// Exploit (on the parent commit any `min_block` waited the full 10 s):
/// a well-signed getter whose `min_block` is more than
/// `MAX_MIN_BLOCK_AHEAD` blocks past the tip is refused at once with a
/// clear error; one within reach is opened once, answered `NotYet` without
/// another decryption, and answered once the block is committed.
#[test]
fn a_min_block_too_far_ahead_is_refused_at_once_and_a_near_one_waits_without_decrypting() {
	use integritee_stf_primitives::rpc::MAX_MIN_BLOCK_AHEAD;
	let mut fixture = shielded_fixture();
	let now = 1_800_000_000_000;
	let tip = fixture.enclave.sidechain_tip().number;
	let bob = TrustedGetter::AccountInfo(fixture.bob.public().into());
	let too_far = tip + MAX_MIN_BLOCK_AHEAD + 1;
	let (far, _) = signed_getter(&fixture, bob.clone(), now, Some(too_far), &fixture.bob);
	let error = fixture.enclave.open_private_getter(&request_of(&fixture, &far), now).unwrap_err();
	assert_eq!(
		error,
		GetterError::MinBlockTooFar { min_block: too_far, tip, max_ahead: MAX_MIN_BLOCK_AHEAD }
	);
	assert!(error.to_string().contains(&format!("more than {MAX_MIN_BLOCK_AHEAD} blocks past")));
	assert_eq!(error.code(), -32602);
	let (saturating, _) = signed_getter(&fixture, bob.clone(), now, Some(u64::MAX), &fixture.bob);
	assert!(matches!(
		fixture.enclave.execute_private_getter(&request_of(&fixture, &saturating), now),
		Err(GetterError::MinBlockTooFar { .. })
	));

	// The farthest allowed opens; the next block is waited for.
	let (farthest, _) =
		signed_getter(&fixture, bob.clone(), now, Some(tip + MAX_MIN_BLOCK_AHEAD), &fixture.bob);
	assert!(fixture.enclave.open_private_getter(&request_of(&fixture, &farthest), now).is_ok());
	let (next, answer_key) = signed_getter(&fixture, bob, now, Some(tip + 1), &fixture.bob);
	let opened = fixture.enclave.open_private_getter(&request_of(&fixture, &next), now).unwrap();
	assert_eq!(opened.min_block(), Some(tip + 1));
	assert!(!format!("{opened:?}").contains("AccountInfo"), "the host reads nothing of it");
	let decryptions = fixture.enclave.getters_opened();
	for _ in 0..3 {
		assert_eq!(
			fixture.enclave.answer_private_getter(&opened, now).unwrap_err(),
			GetterError::NotYet { min_block: tip + 1, tip }
		);
	}
	heartbeat(&mut fixture);
	let encrypted = fixture.enclave.answer_private_getter(&opened, now).unwrap();
	let answer = GetterAnswer::open(&encrypted, &answer_key, &fixture.enclave.shard()).unwrap();
	assert_eq!(answer.sidechain_block.0, tip + 1);
	assert_eq!(answer.getter_hash, H256(polkadot_sdk::sp_io::hashing::blake2_256(&next.encode())));
	assert_eq!(fixture.enclave.getters_opened(), decryptions, "answering decrypts nothing");
	// Held by the host past the getter's validity: refused.
	assert!(matches!(
		fixture.enclave.answer_private_getter(&opened, now + 3_600_000),
		Err(GetterError::Expired { .. })
	));
}

/// Exploit (on the parent commit the answer key and `min_block` sat beside
/// the owner's signature, not under it: whoever held a signed getter could
/// wrap it with its own answer key and read the answer): a host that swaps
/// the answer key or `min_block` of a signed getter gets a signature
/// failure.
#[test]
fn a_host_that_swaps_the_answer_key_or_min_block_gets_a_signature_failure() {
	let fixture = shielded_fixture();
	let now = 1_800_000_000_000;
	let bob = TrustedGetter::AccountInfo(fixture.bob.public().into());
	let (signed, _) = signed_getter(&fixture, bob, now, None, &fixture.bob);
	assert!(fixture.enclave.execute_private_getter(&request_of(&fixture, &signed), now).is_ok());
	let host_key = ShieldingKeyPair::generate();
	let swapped_key = TrustedGetterSigned { answer_key: host_key.public_key(), ..signed.clone() };
	let swapped_block = TrustedGetterSigned { min_block: Some(1), ..signed };
	for swapped in [swapped_key, swapped_block] {
		assert_eq!(
			fixture
				.enclave
				.execute_private_getter(&request_of(&fixture, &swapped), now)
				.unwrap_err(),
			GetterError::BadSignature
		);
	}
}

/// Exploit (on the parent commit every ciphertext had one HPKE `info`: a
/// direct call's ciphertext decrypted as a getter request and was refused
/// only as malformed, after decoding; an answer sealed to the shielding key
/// decrypted as a call): a ciphertext of one kind does not decrypt as
/// another at the core's doors.
#[test]
fn a_ciphertext_of_one_kind_does_not_open_as_another_at_the_core() {
	let fixture = shielded_fixture();
	let now = 1_800_000_000_000;
	let shard = fixture.enclave.shard();
	let key = fixture.enclave.shielding_public_key().unwrap();
	let door = fixture.enclave.door();
	// A direct call's ciphertext as a getter request.
	let call = direct_call(&fixture, 1, 0);
	let as_request = PrivateGetterRequest { shard, ciphertext: call.ciphertext.clone() };
	assert_eq!(
		fixture.enclave.open_private_getter(&as_request, now).unwrap_err(),
		GetterError::Undecryptable
	);
	// A getter request's ciphertext as a direct call.
	let (getter, _) = signed_getter(
		&fixture,
		TrustedGetter::AccountInfo(fixture.bob.public().into()),
		now,
		None,
		&fixture.bob,
	);
	let request = request_of(&fixture, &getter);
	let as_call = DirectCall { shard, ciphertext: request.ciphertext.clone() };
	assert!(matches!(door.check(&as_call).map(|_| ()).unwrap_err(), DirectError::Undecryptable(_)));
	// A signed getter sealed as an answer (or as a call) to the shielding
	// key, fed back as a request.
	for purpose in [Purpose::GetterAnswer, Purpose::TrustedCall, Purpose::ShieldBeneficiary] {
		let ciphertext = shielding::encrypt(&key, purpose, &shard, &getter.encode()).unwrap();
		assert_eq!(
			fixture
				.enclave
				.open_private_getter(&PrivateGetterRequest { shard, ciphertext }, now)
				.unwrap_err(),
			GetterError::Undecryptable,
			"{purpose:?}"
		);
	}
	// The right kind still opens.
	assert!(fixture.enclave.open_private_getter(&request, now).is_ok());
}

/// A copy of the fixture's data directory, opened as a second core (the
/// host started a copy), following the same parent chain so far.
fn twin_fixture(fixture: &Fixture) -> Fixture {
	let (dir, enclave) = twin(fixture);
	Fixture {
		enclave,
		dir,
		genesis: fixture.genesis.clone(),
		bob: fixture.bob.clone(),
		head: fixture.head.clone(),
		vault: fixture.vault,
		chain_anchor: fixture.chain_anchor,
		shard_key: fixture.shard_key,
		registered_at_ms: fixture.registered_at_ms,
		extra_entries: fixture.extra_entries.clone(),
	}
}

/// Bob's direct unshield of `amount` to Dave with `nonce`, admitted and
/// executed in the next sidechain block; returns its call hash.
fn direct_unshield(fixture: &mut Fixture, amount: u128, nonce: u32) -> H256 {
	let dave = AccountId::new([0xDA; 32]);
	let call = TrustedCall::BalanceUnshield {
		from: fixture.bob.public().into(),
		beneficiary: dave,
		amount,
	};
	let signed = bob_signs(fixture, call, nonce);
	let direct = DirectCall::encrypt(
		&signed,
		fixture.enclave.shard(),
		&fixture.enclave.shielding_public_key().unwrap(),
	)
	.unwrap();
	let ticket = fixture.enclave.door().check(&direct).unwrap();
	fixture.enclave.admit(ticket).unwrap();
	let report = produce(fixture).expect("a block with the unshield");
	assert_eq!(report.calls_executed, 1);
	assert!(report.payable_unshields.is_empty(), "not before an anchor covers it");
	signed.hash()
}

fn assert_not_yet_anchored(fixture: &Fixture, call_hash: H256) {
	let error = signed_call(fixture, EnclaveCall::Unshield { call_hash }).unwrap_err();
	assert!(
		matches!(error, Error::Refused(SigningRefused::NotYetAnchored { call_hash: h, .. }) if h == call_hash),
		"{error}"
	);
}

/// Refused (it paid twice before): the host starts a copy of the data
/// directory taken between two anchors and feeds it parent blocks only up
/// to before the original's next anchor; a colluding Bob unshields the same
/// funds again by a direct call (a new call hash) on the copy. The copy
/// signs no payout for a block the chain does not anchor, and the chain
/// anchors the original's block: the copy sees a fork and halts.
#[test]
fn a_copy_started_between_two_anchors_signs_no_second_payout() {
	let mut fixture = shielded_fixture();
	anchor_tip(&mut fixture);
	let mut copy = twin_fixture(&fixture);

	// The original: Bob unshields half; paid once anchored.
	let paid = direct_unshield(&mut fixture, AMOUNT / 2, 0);
	assert_not_yet_anchored(&fixture, paid);
	let report = anchor_tip(&mut fixture);
	assert_eq!(report.payable_unshields.iter().map(|u| u.call_hash).collect::<Vec<_>>(), [paid]);
	assert!(signed_call(&fixture, EnclaveCall::Unshield { call_hash: paid }).is_ok());
	let original_anchor = fixture.chain_anchor;

	// The copy, fed up to before that anchor: the same funds again.
	let parts = empty_block(&copy);
	import(&mut copy, parts);
	let again = direct_unshield(&mut copy, AMOUNT / 2 - 1, 0);
	assert_ne!(again, paid);
	assert_not_yet_anchored(&copy, again);
	// Its anchor would need the chain's latest as ancestor, which is the
	// original's block now: the chain shows the original's anchor.
	copy.chain_anchor = original_anchor;
	let parts = empty_block(&copy);
	let report = import_only(&mut copy, parts);
	let rollback = report.rollback.expect("the copy forked off the anchored chain");
	assert_eq!(rollback.kind, integritee_enclave::RollbackKind::Forked, "{rollback}");
	let error = signed_call(&copy, EnclaveCall::Unshield { call_hash: again }).unwrap_err();
	assert!(matches!(error, Error::Rollback(_)), "{error}");
}

/// Refused (it produced before): after a restart the core produces no
/// block, admits no direct call and signs no payout until an import proved
/// the shard's anchor in this run; then it serves again.
#[test]
fn a_restart_without_an_import_produces_admits_and_pays_nothing() {
	let mut fixture = fixture();
	let call_hash = shielded_and_unshielding(&mut fixture, AMOUNT / 2);
	let mut fixture = reopen(fixture);
	let error = fixture.enclave.propose_block(1, BlockLimits::default(), true, 0).unwrap_err();
	assert!(matches!(error, Error::Refused(SigningRefused::AnchorUnknown)), "{error}");
	let ticket = fixture.enclave.door().check(&direct_call(&fixture, 1, 1)).unwrap();
	let error = fixture.enclave.admit(ticket).unwrap_err();
	assert!(matches!(error, DirectError::NotServing(_)), "{error}");
	assert!(signed_call(&fixture, EnclaveCall::Unshield { call_hash }).is_err());

	let report = anchor_tip(&mut fixture);
	assert_eq!(report.payable_unshields.len(), 1);
	assert!(signed_call(&fixture, EnclaveCall::Unshield { call_hash }).is_ok());
	let ticket = fixture.enclave.door().check(&direct_call(&fixture, 1, 1)).unwrap();
	fixture.enclave.admit(ticket).unwrap();
	assert!(produce(&mut fixture).is_some());
}

/// Detected (it paid before): a copy forks off (its own block with an
/// unshield at the height the chain then anchors from the original), and
/// the host overwrites the copy's stored block at that height with the
/// original's, so that a lookup by height matches the anchor. The core
/// walks its chain from the authenticated tip by parent hashes instead: a
/// fork, no payout.
#[test]
fn an_overwritten_stored_block_is_detected() {
	let mut fixture = shielded_fixture();
	anchor_tip(&mut fixture);
	let mut copy = twin_fixture(&fixture);

	// Both import the same parent block; then each has its own unshield at
	// the same height.
	let parts = empty_block(&fixture);
	import(&mut fixture, parts);
	direct_unshield(&mut fixture, AMOUNT / 2, 0);
	let parts = empty_block(&copy);
	import(&mut copy, parts);
	let forked = direct_unshield(&mut copy, AMOUNT / 2 - 1, 0);
	let height = copy.enclave.sidechain_tip().number;
	// One more block on the copy, so that the forked block is below its tip.
	copy.enclave.propose_block(1, BlockLimits::default(), true, 0).unwrap().unwrap();
	let block = copy.enclave.propose_block(1, BlockLimits::default(), true, 0).unwrap().unwrap();
	copy.enclave.commit_block(&block).unwrap();

	let original = fixture.enclave.committed_block(height).unwrap().unwrap();
	let anchored = SidechainBlockConfirmation {
		block_number: height,
		block_header_hash: original.header.hash(),
	};
	let mut copy = reopen_after(copy, |dir| {
		let db = redb::Database::open(state_file(dir)).unwrap();
		let txn = db.begin_write().unwrap();
		let blocks: redb::TableDefinition<u64, &[u8]> =
			redb::TableDefinition::new("sidechain_blocks");
		txn.open_table(blocks).unwrap().insert(height, original.encode().as_slice()).unwrap();
		txn.commit().unwrap();
	});
	assert_eq!(copy.enclave.committed_block(height).unwrap(), Some(original), "overwritten");
	copy.chain_anchor = Some(anchored);
	let parts = empty_block(&copy);
	let report = import_only(&mut copy, parts);
	let rollback = report.rollback.expect("the fork is detected");
	assert_eq!(rollback.kind, integritee_enclave::RollbackKind::Forked, "{rollback}");
	// No block (which would make the vault's check and then the payout
	// possible), no payout.
	let error = copy.enclave.propose_block(1, BlockLimits::default(), true, 0).unwrap_err();
	assert!(matches!(error, Error::Rollback(_)), "{error}");
	assert!(signed_call(&copy, EnclaveCall::Unshield { call_hash: forked }).is_err());
}

/// Refused: the host cannot keep the keys from before the anchor and later
/// anchor the same (registered) identity to a chain of its choosing. Keys
/// are sealed only together with their anchor, so before the anchor there
/// is no keys file to keep, and the sealed keys carry the anchor for good.
#[test]
fn keys_are_sealed_only_with_their_anchor() {
	let dir = tempfile::tempdir().unwrap();
	let keys_file = dir.path().join(integritee_enclave::SEALED_KEYS_FILE);
	let (first, opened) =
		Enclave::open(Arc::new(SimulatedTee::new(MR_ENCLAVE)), config(dir.path(), None)).unwrap();
	assert!(opened.new_keys && opened.set_aside.is_none());
	assert!(!keys_file.exists(), "keys were sealed without an anchor");
	let unanchored = first.account();
	drop(first);

	// A start stopped before the anchor leaves a state file encrypted with
	// keys that are gone: it is set aside, never opened with new keys.
	let (mut enclave, opened) =
		Enclave::open(Arc::new(SimulatedTee::new(MR_ENCLAVE)), config(dir.path(), None)).unwrap();
	assert_ne!(enclave.account(), unanchored, "the identity of an unanchored start is gone");
	let aside = opened.set_aside.expect("the earlier state file is set aside");
	assert!(aside.exists() && aside.to_string_lossy().contains(".unanchored-1"), "{aside:?}");

	let (genesis, proof) = genesis_with_proof();
	enclave.init_light_client_at(genesis.hash(), genesis.hash(), genesis.clone(), proof).unwrap();
	assert!(keys_file.exists());
	let account = enclave.account();
	drop(enclave);

	// The sealed keys alone, in a new data directory (to anchor them
	// anew): refused, they are anchored and their files are missing.
	let elsewhere = tempfile::tempdir().unwrap();
	std::fs::copy(&keys_file, elsewhere.path().join(integritee_enclave::SEALED_KEYS_FILE)).unwrap();
	let error = open(elsewhere.path()).err().unwrap();
	assert!(matches!(error, Error::Anchor(AnchorError::MissingFile { .. })), "{error}");
	// The whole directory: the same identity, still anchored where it was.
	let mut again = open(dir.path()).unwrap();
	assert_eq!(again.account(), account);
	let fabricated = H256::repeat_byte(0xfa);
	let (genesis, proof) = genesis_with_proof();
	let error = again.init_light_client_at(fabricated, genesis.hash(), genesis, proof).unwrap_err();
	assert!(matches!(error, Error::AlreadyInitialized), "{error}");
}

/// The shard database file of the core in `dir`.
fn state_file(dir: &std::path::Path) -> std::path::PathBuf {
	std::fs::read_dir(dir.join(STATE_DIR)).unwrap().next().unwrap().unwrap().path()
}

/// Copies the raw record `key` of `table` from one shard database to another
/// (the host owns both files).
fn transplant<K: redb::Key + 'static>(
	from: &std::path::Path,
	to: &std::path::Path,
	table: &str,
	key: K::SelfType<'_>,
) where
	for<'a> K::SelfType<'a>: Clone,
{
	let definition: redb::TableDefinition<K, &[u8]> = redb::TableDefinition::new(table);
	let source = redb::Database::open(state_file(from)).unwrap();
	let read = redb::ReadableDatabase::begin_read(&source).unwrap();
	let bytes =
		read.open_table(definition).unwrap().get(key.clone()).unwrap().unwrap().value().to_vec();
	drop(read);
	drop(source);
	let target = redb::Database::open(state_file(to)).unwrap();
	let write = target.begin_write().unwrap();
	write.open_table(definition).unwrap().insert(key, bytes.as_slice()).unwrap();
	write.commit().unwrap();
}

/// Refused: records (queued parent blocks, the light client) copied from a
/// throw-away instance of the same build, which followed a fabricated
/// chain, do not open in another instance: each instance seals its
/// records with its own key, bound to its anchor.
#[test]
fn records_of_another_instance_do_not_open() {
	let mut victim = fixture();
	for _ in 0..2 {
		let parts = empty_block(&victim);
		import_only(&mut victim, parts);
	}
	// The throw-away instance "sees" a shield of far more than the vault
	// holds at the same height.
	let mut throwaway = fixture();
	let parts = shield_block(&throwaway, 100 * AMOUNT);
	import_only(&mut throwaway, parts);
	let bob_before = bob_balance(&victim);
	let throwaway_dir = throwaway.dir.path().to_path_buf();
	drop(throwaway.enclave);

	let mut victim = reopen_after(victim, |dir| {
		transplant::<u32>(&throwaway_dir, dir, "parentchain_inputs", 1);
	});
	let parts = empty_block(&victim);
	import_only(&mut victim, parts);
	let error = victim.enclave.propose_block(1, BlockLimits::default(), true, 0).unwrap_err();
	assert!(matches!(error, Error::QueueTampered { number: 1, .. }), "{error}");
	assert_eq!(bob_balance(&victim), bob_before, "nothing of the transplant executed");

	let dir = victim.dir.path().to_path_buf();
	drop(victim.enclave);
	transplant::<&str>(&throwaway_dir, &dir, "light_client", "state");
	let error = open(&dir).err().expect("another instance's light client opened");
	assert!(matches!(error, Error::Sealing(_)), "{error}");
	assert!(error.to_string().contains("another instance"), "{error}");
}

/// Refused: a light client that ends elsewhere than the queue (an older
/// copy of the light client beside a newer queue) is refused at open.
#[test]
fn a_light_client_out_of_step_with_the_queue_is_refused_at_open() {
	let mut fixture = fixture();
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	// The host keeps a copy of the data directory after parent block #1.
	let (old, old_core) = twin(&fixture);
	drop(old_core);
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	let dir = fixture.dir.path().to_path_buf();
	drop(fixture.enclave);
	// The light client of after #1 beside the queue of #1 and #2.
	transplant::<&str>(old.path(), &dir, "light_client", "state");
	let error = open(&dir).err().expect("a light client behind its queue opened");
	assert!(matches!(error, Error::QueueTampered { number: 1, .. }), "{error}");
}

/// Refused by the chain: an instance anchored to a fabricated chain (the
/// host picked its checkpoint) names a block of that chain when it
/// registers, bound by its quote; the registry knows only its own blocks,
/// so the instance never becomes a registered enclave, while an instance
/// following the chain registers.
#[test]
fn an_instance_on_a_fabricated_chain_never_registers() {
	use polkadot_sdk::{frame_support::traits::UnfilteredDispatchable, sp_runtime::BuildStorage};
	let honest = fixture();
	let real_genesis = honest.genesis.hash();
	// A fabricated block #5 claiming the real genesis, with the same
	// authority set proof (a checkpoint past block 0 is the operator's
	// word; the host chose this one).
	let (genesis, proof) = genesis_with_proof();
	let fake = <Header as polkadot_sdk::sp_runtime::traits::Header>::new(
		5,
		genesis.extrinsics_root,
		genesis.state_root,
		H256::repeat_byte(0xfa),
		Default::default(),
	);
	let dir = tempfile::tempdir().unwrap();
	let mut forged = open(dir.path()).unwrap();
	forged.init_light_client_at(real_genesis, fake.hash(), fake.clone(), proof).unwrap();

	let register = |enclave: &Enclave, skip_attestation| {
		let call = EnclaveCall::Register { worker_url: None, skip_attestation };
		let xt = enclave.sign_extrinsic(call, params(real_genesis)).unwrap();
		let RuntimeCall::Teerex(call) = xt.function else { panic!("not a registration") };
		call
	};
	// The quote binds what the call claims: the fabricated block.
	let pallet_teerex::Call::register_sgx_enclave { proof, claims, .. } = register(&forged, false)
	else {
		panic!("not a registration")
	};
	assert_eq!(claims.parentchain_block, (5, fake.hash()));
	assert_eq!(&proof[48 + 320 + 32..48 + 384], &claims.report_binding());

	// The registry of the real chain (its genesis and block #1 known); the
	// enclaves can pay the registration deposit.
	let storage = integritee_runtime::RuntimeGenesisConfig {
		balances: polkadot_sdk::pallet_balances::GenesisConfig {
			balances: [&forged, &honest.enclave]
				.into_iter()
				.map(|enclave| (enclave.account(), 10 * integritee_runtime::UNIT))
				.collect(),
			..Default::default()
		},
		teerex: pallet_teerex::GenesisConfig {
			security_flags: integritee_primitives::SecurityFlags {
				allow_debug_mode: true,
				allow_skipping_attestation: true,
			},
			..Default::default()
		},
		..Default::default()
	}
	.build_storage()
	.unwrap();
	polkadot_sdk::sp_io::TestExternalities::new(storage).execute_with(|| {
		frame_system::BlockHash::<Runtime>::insert(0, real_genesis);
		// `Timestamp::Now` (without the block's timestamp hooks).
		polkadot_sdk::frame_support::storage::unhashed::put(
			&polkadot_sdk::frame_support::storage::storage_prefix(b"Timestamp", b"Now"),
			&1_000_000u64,
		);
		let origin =
			|enclave: &Enclave| integritee_runtime::RuntimeOrigin::signed(enclave.account());
		let refused = register(&forged, true).dispatch_bypass_filter(origin(&forged)).unwrap_err();
		assert_eq!(
			refused.error,
			pallet_teerex::Error::<Runtime>::UnknownParentchainBlock.into(),
			"{refused:?}"
		);
		assert!(pallet_teerex::Pallet::<Runtime>::enclave(&forged.account()).is_none());
		register(&honest.enclave, true).dispatch_bypass_filter(origin(&honest.enclave)).unwrap();
		assert!(pallet_teerex::Pallet::<Runtime>::enclave(&honest.enclave.account()).is_some());
	});
}

/// The core produces no block and answers no getter; registering (which
/// serves no user) is still signed.
fn assert_serves_nobody_but_registers(fixture: &mut Fixture) {
	assert!(produce(fixture).is_none());
	let (getter, key) = signed_getter(
		fixture,
		TrustedGetter::AccountInfo(fixture.bob.public().into()),
		1,
		None,
		&fixture.bob,
	);
	assert!(matches!(ask(fixture, &getter, &key), Err(GetterError::NotServing(_))));
	let register = EnclaveCall::Register { worker_url: None, skip_attestation: true };
	assert!(signed_call(fixture, register).is_ok());
}

/// Refused: the core signs `CreateShard` only while the last imported
/// block proves that nobody created the shard, never on the host's word:
/// not before an import, not for a created shard (a member could otherwise
/// overwrite the shard's key).
#[test]
fn create_shard_is_signed_only_for_a_shard_proven_not_created() {
	let create = |fixture: &Fixture| signed_call(fixture, EnclaveCall::CreateShard);
	let refused = |result: Result<RuntimeCall, Error>, expected: SigningRefused| {
		assert!(matches!(&result, Err(Error::Refused(r)) if *r == expected), "{result:?}");
	};
	let mut fixture = fixture_for(Some(H256::repeat_byte(0x5e)));
	fixture.shard_key = None;
	refused(create(&fixture), SigningRefused::ShardKeyUnknown);
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	let call = create(&fixture).unwrap();
	assert!(matches!(
		call,
		RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::create_shard { shard, max_instances: 1 })
			if shard == fixture.enclave.shard()
	));
	// Nothing is served before the shard exists with this enclave's key.
	refused(signed_call(&fixture, EnclaveCall::ConfirmProcessed), SigningRefused::ShardNotCreated);
	assert!(produce(&mut fixture).is_none());

	// Another enclave created it meanwhile: the next proven block says so;
	// this one's candidate secrets are dropped: it serves nothing and waits
	// to be provisioned.
	let theirs = [0x7e; 32];
	fixture.shard_key = Some(theirs);
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	refused(create(&fixture), SigningRefused::ShardCreated);
	refused(signed_call(&fixture, EnclaveCall::ConfirmProcessed), SigningRefused::NotProvisioned);
	assert_eq!(fixture.enclave.shielding_key_hash(), None);

	// A creator whose shard root removed and another enclave created anew
	// holds other secrets than the shard's: it serves nothing.
	let mut creator = fixture_for(Some(H256::repeat_byte(0x5e)));
	let parts = empty_block(&creator);
	import_only(&mut creator, parts);
	assert!(signed_call(&creator, EnclaveCall::ConfirmProcessed).is_ok());
	creator.shard_key = Some(theirs);
	let parts = empty_block(&creator);
	import_only(&mut creator, parts);
	refused(create(&creator), SigningRefused::ShardCreated);
	refused(
		signed_call(&creator, EnclaveCall::ConfirmProcessed),
		SigningRefused::OtherShardKey(theirs),
	);
	assert_serves_nobody_but_registers(&mut creator);
}

/// Refused: a member whose registration lapsed (expired, or removed from
/// the registry) serves nothing, as the proven registry says, until it
/// registers again; registering is still signed.
#[test]
fn a_member_whose_registration_lapsed_stops_serving() {
	let mut fixture = shielded_fixture();
	assert!(signed_call(&fixture, EnclaveCall::ConfirmProcessed).is_ok());
	let period = integritee_runtime::configs::ATTESTATION_RENEWAL_PERIOD_MS;
	for lapsed in [Some(CHAIN_TIME_MS - period - 1), None] {
		fixture.registered_at_ms = lapsed;
		let parts = empty_block(&fixture);
		import_only(&mut fixture, parts);
		let refused = signed_call(&fixture, EnclaveCall::ConfirmProcessed).unwrap_err();
		assert!(matches!(refused, Error::Refused(SigningRefused::RegistrationLapsed)), "{refused}");
		assert_serves_nobody_but_registers(&mut fixture);
	}
	// Registered again (at the edge of the period): it serves again.
	fixture.registered_at_ms = Some(CHAIN_TIME_MS - period);
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	assert!(signed_call(&fixture, EnclaveCall::ConfirmProcessed).is_ok());
}

/// Sybil accounts cost something: a sender needs the minimum balance
/// (`MIN_BALANCE_TO_SEND`, the parent chain's existential deposit) in the
/// shard before a direct call of its is admitted.
#[test]
fn a_sender_below_the_minimum_balance_is_refused() {
	use integritee_enclave::direct::MIN_BALANCE_TO_SEND;
	let mut fixture = shielded_fixture();
	let shard = fixture.enclave.shard();
	let mallory = sr25519::Pair::from_string("//Mallory", None).unwrap();
	let mallory_account: AccountId = mallory.public().into();
	let key = fixture.enclave.shielding_public_key().unwrap();
	let bob_pays = |fixture: &Fixture, amount, nonce| {
		let call = TrustedCall::BalanceTransfer {
			from: fixture.bob.public().into(),
			to: mallory_account.clone(),
			amount,
		};
		DirectCall::encrypt(&bob_signs(fixture, call, nonce), shard, &key).unwrap()
	};
	let mallory_sends = || {
		let call = TrustedCall::BalanceTransfer {
			from: mallory_account.clone(),
			to: AccountId::new([0x0c; 32]),
			amount: 1,
		}
		.sign(0, &MR_ENCLAVE, &shard, |p| MultiSignature::Sr25519(mallory.sign(p)));
		DirectCall::encrypt(&call, shard, &key).unwrap()
	};
	let send = |fixture: &mut Fixture, call: &DirectCall| {
		let ticket = fixture.enclave.door().check(call).unwrap();
		fixture.enclave.admit(ticket).map(|_| produce(fixture))
	};
	let call = bob_pays(&fixture, MIN_BALANCE_TO_SEND - 1, 0);
	send(&mut fixture, &call).unwrap();
	assert_eq!(send(&mut fixture, &mallory_sends()).unwrap_err(), DirectError::Unfunded);
	let call = bob_pays(&fixture, 1, 1);
	send(&mut fixture, &call).unwrap();
	send(&mut fixture, &mallory_sends()).expect("a sender holding the minimum is admitted");
}

// ---------------------------------------------------------------------------
// The shard's secrets: candidates, creation, provisioning
// ---------------------------------------------------------------------------

/// A member that created the shard (its first import proves its key), and
/// a joiner of build `joiner_build` for the same shard whose chain proves
/// the member's key and the member as the shard's only signer: the
/// joiner's candidate secrets are dropped at its first import.
fn member_and_joiner(joiner_build: [u8; 32]) -> (Fixture, Fixture) {
	let shard = H256(MR_ENCLAVE);
	let mut member = fixture_for(Some(shard));
	let parts = empty_block(&member);
	import_only(&mut member, parts);
	assert_eq!(member.enclave.secrets_origin().map(created), Some(true));
	let mut joiner = fixture_on(joiner_build, Some(shard));
	joiner.shard_key = member.enclave.shielding_key_hash();
	joiner.registered_at_ms = None;
	joiner.extra_entries = vec![testing_members(&joiner, &[member.enclave.account()], MR_ENCLAVE)];
	let parts = empty_block(&joiner);
	import_only(&mut joiner, parts);
	(member, joiner)
}

fn created(origin: &integritee_enclave::SecretsOrigin) -> bool {
	matches!(origin, integritee_enclave::SecretsOrigin::Created { .. })
}

fn testing_members(
	fixture: &Fixture,
	members: &[AccountId],
	build: [u8; 32],
) -> (Vec<u8>, Vec<u8>) {
	integritee_enclave::testing::members_entry(fixture.enclave.shard(), members, build)
}

/// The shard's configuration for code `fingerprint`.
fn shard_config(fingerprint: [u8; 32]) -> integritee_primitives::UpgradableShardConfig<u32> {
	integritee_primitives::UpgradableShardConfig::new(integritee_primitives::ShardConfig {
		enclave_fingerprint: H256(fingerprint),
		max_instances: 3,
	})
}

/// The member imports a block that holds the registry's collateral and
/// the shard's configuration `config`, and answers `request` with a proof
/// of what it asks at that block (an honest host).
fn answer(
	member: &mut Fixture,
	request: &integritee_enclave::ProvisioningRequest,
	config: &integritee_primitives::UpgradableShardConfig<u32>,
) -> Result<integritee_enclave::ProvisioningPackage, integritee_enclave::ProvisioningRefused> {
	member.extra_entries =
		integritee_enclave::testing::provisioning_entries(member.enclave.shard(), config, false);
	let parts = empty_block(member);
	let entries = parts.1.clone();
	import_only(member, parts);
	let keys = member.enclave.provisioning_proof_keys(request)?;
	let (_, proof) = testing::state_with_proof(&entries, &keys);
	member.enclave.provision(request, proof)
}

/// A candidate whose creation lost holds nothing: it refuses calls and
/// getters as not provisioned, and registers with no key.
#[test]
fn a_candidate_that_lost_the_creation_drops_its_secrets() {
	let (_member, joiner) = member_and_joiner(MR_ENCLAVE);
	assert_eq!(joiner.enclave.shielding_public_key(), None);
	assert_eq!(joiner.enclave.secrets_origin(), None);
	assert_eq!(joiner.enclave.not_serving(), Some(SigningRefused::NotProvisioned));
	match signed_call(&joiner, EnclaveCall::Register { worker_url: None, skip_attestation: true }) {
		Err(Error::Refused(SigningRefused::NotProvisioned)) => {}
		other => panic!("registered without the shard's key: {other:?}"),
	}
	assert_eq!(joiner.enclave.queued_blocks().unwrap(), 0, "its queue went with its secrets");
	// Restarted, it is still unprovisioned (the drop was sealed).
	let dir = joiner.dir.path().to_path_buf();
	drop(joiner.enclave);
	let reopened = Enclave::open(
		Arc::new(SimulatedTee::new(MR_ENCLAVE)),
		config(&dir, Some(H256(MR_ENCLAVE))),
	)
	.unwrap()
	.0;
	assert_eq!(reopened.shielding_public_key(), None);
}

/// A member hands the shard's secrets to a joiner of the same build; the
/// joiner then holds the member's key, is a standby (no state: it answers
/// no getter, produces no block), and a restart keeps the secrets.
#[test]
fn a_member_provisions_a_joiner_that_then_stands_by() {
	let (mut member, mut joiner) = member_and_joiner(MR_ENCLAVE);
	let request = joiner.enclave.provisioning_request().unwrap();
	let package = answer(&mut member, &request, &shard_config(MR_ENCLAVE)).unwrap();
	let key_hash = joiner.enclave.accept_provisioning(&package).unwrap();
	assert_eq!(Some(key_hash), member.enclave.shielding_key_hash());
	assert_eq!(joiner.enclave.shielding_public_key(), member.enclave.shielding_public_key());
	assert!(matches!(
		joiner.enclave.secrets_origin(),
		Some(integritee_enclave::SecretsOrigin::Provisioned { from, .. }) if *from == member.enclave.account()
	));
	assert_eq!(joiner.enclave.not_serving(), Some(SigningRefused::Standby));
	let produced = joiner.enclave.propose_block(1, BlockLimits::default(), true, CHAIN_TIME_MS);
	assert!(produced.is_err(), "a standby produces no block");
	let (getter, _) = PrivateGetterRequest::new(
		TrustedGetter::AccountInfo(joiner.bob.public().into()),
		joiner.enclave.shard(),
		CHAIN_TIME_MS,
		None,
		&joiner.enclave.shielding_public_key().unwrap(),
		|p| MultiSignature::Sr25519(joiner.bob.sign(p)),
	)
	.unwrap();
	assert!(matches!(
		joiner.enclave.open_private_getter(&getter, CHAIN_TIME_MS),
		Err(GetterError::NotServing(_))
	));
	// It registers with the shard's key now.
	let register = EnclaveCall::Register { worker_url: None, skip_attestation: true };
	assert!(signed_call(&joiner, register).is_ok());
	// Restarted, it does not ask again: the secrets are sealed.
	let dir = joiner.dir.path().to_path_buf();
	drop(joiner.enclave);
	let reopened = Enclave::open(
		Arc::new(SimulatedTee::new(MR_ENCLAVE)),
		config(&dir, Some(H256(MR_ENCLAVE))),
	)
	.unwrap()
	.0;
	assert_eq!(Some(key_hash), reopened.shielding_key_hash());
	assert!(matches!(
		reopened.provisioning_request(),
		Err(Error::Provisioning(integritee_enclave::ProvisioningRefused::AlreadyProvisioned))
	));
}

/// Refused by the member: a quote of another build (MRENCLAVE not the
/// shard's), a tampered quote, a request whose key the quote does not
/// bind, a proof that does not verify at its head, and a request while
/// it holds no secrets to give. Accepted: the build of a scheduled
/// upgrade.
#[test]
fn a_member_refuses_requests_the_chain_would_not_accept() {
	use integritee_enclave::ProvisioningRefused as Refused;
	let other_build = [4; 32];
	let (mut member, other) = member_and_joiner(other_build);
	let request = other.enclave.provisioning_request().unwrap();
	assert_eq!(
		answer(&mut member, &request, &shard_config(MR_ENCLAVE)),
		Err(Refused::FingerprintNotAdmitted(other_build))
	);
	// The same build once root scheduled it as the shard's upgrade.
	let mut upgrade = shard_config(MR_ENCLAVE);
	upgrade.pending_upgrade = Some((
		1_000,
		integritee_primitives::ShardConfig {
			enclave_fingerprint: H256(other_build),
			max_instances: 3,
		},
	));
	assert!(answer(&mut member, &request, &upgrade).is_ok());

	let mut tampered = request.clone();
	// A byte of the enclave's report: its signature no longer verifies.
	tampered.quote[100] ^= 1;
	assert!(matches!(answer(&mut member, &tampered, &upgrade), Err(Refused::QuoteRefused(_))));
	let mut swapped = request.clone();
	swapped.ephemeral_key = ShieldingKeyPair::generate().public_key();
	assert_eq!(answer(&mut member, &swapped, &upgrade), Err(Refused::NotBoundToRequest));
	// A proof of other storage than the head's.
	let keys = member.enclave.provisioning_proof_keys(&request).unwrap();
	let (_, forged_proof) = testing::state_with_proof(
		&integritee_enclave::testing::provisioning_entries(member.enclave.shard(), &upgrade, true),
		&keys,
	);
	assert!(matches!(member.enclave.provision(&request, forged_proof), Err(Refused::BadProof(_))));
	// An unprovisioned enclave has nothing to give.
	let (_, proof) = testing::state_with_proof::<Vec<u8>, _>(&[], &keys);
	assert!(matches!(
		other.enclave.provision(&request, proof),
		Err(Refused::NoSecretsToGive(SigningRefused::NotProvisioned))
	));
}

/// Refused by the joiner's own core: a package with a flipped byte (the
/// signature), one for an earlier request (replay), one from an enclave
/// that is not a member on chain, one whose secrets are not the shard's
/// key on chain, and any package once provisioned.
#[test]
fn a_joiner_refuses_forged_replayed_and_foreign_packages() {
	use integritee_enclave::ProvisioningRefused as Refused;
	let (mut member, mut joiner) = member_and_joiner(MR_ENCLAVE);
	let config = shard_config(MR_ENCLAVE);
	let first = joiner.enclave.provisioning_request().unwrap();
	let stale = answer(&mut member, &first, &config).unwrap();
	let request = joiner.enclave.provisioning_request().unwrap();
	assert_eq!(joiner.enclave.accept_provisioning(&stale), Err(Refused::AnswersAnotherRequest));
	let package = answer(&mut member, &request, &config).unwrap();
	let mut forged = package.clone();
	forged.sealed_secrets[0] ^= 1;
	assert_eq!(joiner.enclave.accept_provisioning(&forged), Err(Refused::BadSignature));

	// A registered enclave that is not a member (a second, unrelated
	// shard creator) answers: refused, although its quote and signature
	// are fine.
	let mut stranger = fixture_for(Some(H256(MR_ENCLAVE)));
	let parts = empty_block(&stranger);
	import_only(&mut stranger, parts);
	let from_stranger = answer(&mut stranger, &request, &config).unwrap();
	assert_eq!(
		joiner.enclave.accept_provisioning(&from_stranger),
		Err(Refused::NotAMember(stranger.enclave.account()))
	);
	// The stranger listed as a member: its secrets are not the shard's key.
	joiner.extra_entries = vec![testing_members(
		&joiner,
		&[member.enclave.account(), stranger.enclave.account()],
		MR_ENCLAVE,
	)];
	let parts = empty_block(&joiner);
	import_only(&mut joiner, parts);
	assert!(matches!(
		joiner.enclave.accept_provisioning(&from_stranger),
		Err(Refused::WrongShardKey { .. })
	));
	assert_eq!(joiner.enclave.shielding_public_key(), None, "nothing was sealed");

	assert!(joiner.enclave.accept_provisioning(&package).is_ok());
	assert_eq!(joiner.enclave.accept_provisioning(&package), Err(Refused::AlreadyProvisioned));
}

/// Refused at open: the sealed shard secrets deleted from the database
/// behind the core's back (the light client names them).
#[test]
fn deleted_shard_secrets_are_detected_at_open() {
	let mut fixture = fixture_for(Some(H256(MR_ENCLAVE)));
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	let dir = fixture.dir.path().to_path_buf();
	drop(fixture.enclave);
	let path = dir.join(STATE_DIR).join(format!("{}.redb", hex::encode(MR_ENCLAVE)));
	{
		let db = redb::Database::open(&path).unwrap();
		let txn = db.begin_write().unwrap();
		{
			let table: redb::TableDefinition<&str, &[u8]> =
				redb::TableDefinition::new("light_client");
			let mut table = txn.open_table(table).unwrap();
			table.remove("shard secrets").unwrap();
		}
		txn.commit().unwrap();
	}
	match Enclave::open(
		Arc::new(SimulatedTee::new(MR_ENCLAVE)),
		config(&dir, Some(H256(MR_ENCLAVE))),
	) {
		Err(Error::Sealing(message)) => assert!(message.contains("secrets"), "{message}"),
		Err(other) => panic!("expected a sealing error, got {other}"),
		Ok(_) => panic!("opened without its shard secrets"),
	}
}

/// After an upgrade's enactment the replaced build serves during the
/// grace period, and nothing after it: no confirmation, no block.
#[test]
fn after_an_upgrade_and_its_grace_the_old_build_serves_nothing() {
	let mut fixture = fixture();
	let mut config = shard_config(MR_ENCLAVE);
	config.pending_upgrade = Some((
		fixture.head.number + 1,
		integritee_primitives::ShardConfig { enclave_fingerprint: H256([4; 32]), max_instances: 3 },
	));
	config.grace_period = 2;
	let key = pallet_enclave_bridge::ShardConfigRegistry::<Runtime>::hashed_key_for(
		fixture.enclave.shard(),
	);
	fixture.extra_entries = vec![(key, config.encode())];
	for _ in 0..2 {
		let parts = empty_block(&fixture);
		import_only(&mut fixture, parts);
		assert_eq!(fixture.enclave.not_serving(), None, "in the grace period");
	}
	let parts = empty_block(&fixture);
	import_only(&mut fixture, parts);
	assert_eq!(fixture.enclave.not_serving(), Some(SigningRefused::CodeRetired));
	match signed_call(&fixture, EnclaveCall::ConfirmProcessed) {
		Err(Error::Refused(SigningRefused::CodeRetired)) => {}
		other => panic!("the retired build signed: {other:?}"),
	}
	let produced = fixture.enclave.propose_block(1, BlockLimits::default(), true, CHAIN_TIME_MS);
	assert!(matches!(produced, Err(Error::Refused(SigningRefused::CodeRetired))));
}

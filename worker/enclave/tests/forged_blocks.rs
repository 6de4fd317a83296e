//! The trusted core refuses forged parent-chain data and executes nothing of
//! a chunk that fails any check: a forged header, a justification signed by
//! a non-authority, a body that does not match its extrinsics root, an events
//! proof for another state root. The honest chunk then executes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use codec::Encode;
use integritee_chain_client::{signed_extrinsic, ExtrinsicParams};
use integritee_enclave::{
	events_key,
	light_client::{extrinsics_root, testing, Header},
	platform::SimulatedTee,
	Enclave, EnclaveConfig, Error, Invariant, ParentchainBlock,
};
use integritee_runtime::{Runtime, RuntimeCall, RuntimeEvent};
use integritee_stf_primitives::{
	getter::GetterAnswer, shielding, AccountId, AccountInfoView, TrustedGetter, TrustedGetterSigned,
};
use polkadot_sdk::{
	frame_system::{self, DispatchEventInfo, EventRecord, Phase},
	pallet_balances,
	sp_core::{sr25519, Pair, H256},
	sp_runtime::{generic::Era, traits::Header as _, Digest, MultiSignature},
};

const AMOUNT: u128 = 50_000;

struct Fixture {
	enclave: Enclave,
	_dir: tempfile::TempDir,
	genesis: Header,
	bob: sr25519::Pair,
}

fn fixture() -> Fixture {
	let dir = tempfile::tempdir().unwrap();
	let (mut enclave, _) = Enclave::open(
		Arc::new(SimulatedTee::new([3; 32])),
		EnclaveConfig { data_dir: dir.path().to_path_buf(), shard: None, snapshots: 10 },
	)
	.unwrap();
	let checkpoint = testing::genesis_checkpoint(&testing::pairs(&["//Alice"]));
	let genesis = checkpoint.header.clone();
	enclave.init_light_client(checkpoint).unwrap();
	Fixture { enclave, _dir: dir, genesis, bob: sr25519::Pair::from_string("//Bob", None).unwrap() }
}

/// Block 1: Alice shields AMOUNT for Bob into the enclave's shard.
/// Encoded extrinsics and storage entries of a block.
type BlockParts = (Vec<Vec<u8>>, Vec<(Vec<u8>, Vec<u8>)>);

fn shield_block(fixture: &Fixture, vault_balance: u128) -> BlockParts {
	let enclave = &fixture.enclave;
	let shard = enclave.shard();
	let alice = sr25519::Pair::from_string("//Alice", None).unwrap();
	let bob: AccountId = fixture.bob.public().into();
	let encrypted =
		shielding::encrypt(&enclave.shielding_public_key(), &shard, &bob.encode()).unwrap();
	let call = RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::shield_funds {
		shard,
		encrypted_beneficiary: encrypted.clone(),
		amount: AMOUNT,
	});
	let params = ExtrinsicParams {
		nonce: 0,
		era: Era::Immortal,
		era_block_hash: H256::zero(),
		genesis_hash: fixture.genesis.hash(),
	};
	let extrinsic = signed_extrinsic(call, alice.public().into(), params, |p| {
		MultiSignature::Sr25519(alice.sign(p))
	})
	.encode();
	let events: Vec<EventRecord<RuntimeEvent, H256>> = vec![
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
		EventRecord {
			phase: Phase::ApplyExtrinsic(0),
			event: RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess {
				dispatch_info: DispatchEventInfo::default(),
			}),
			topics: vec![],
		},
	];
	let mut vault = frame_system::AccountInfo::<u32, pallet_balances::AccountData<u128>>::default();
	vault.data.free = vault_balance;
	let vault_key = frame_system::Account::<Runtime>::hashed_key_for(enclave.vault_account());
	(vec![extrinsic], vec![(events_key(), events.encode()), (vault_key, vault.encode())])
}

fn header(parent: &Header, extrinsics: &[Vec<u8>], state_root: H256) -> Header {
	Header::new(
		parent.number + 1,
		extrinsics_root(extrinsics),
		state_root,
		parent.hash(),
		Digest::default(),
	)
}

fn bob_balance(fixture: &Fixture) -> AccountInfoView {
	let getter = TrustedGetterSigned::new(
		TrustedGetter::AccountInfo(fixture.bob.public().into()),
		&fixture.enclave.shard(),
		1,
		|p| MultiSignature::Sr25519(fixture.bob.sign(p)),
	);
	let answer: GetterAnswer = fixture.enclave.execute_getter(&getter).unwrap();
	assert!(answer.verify(&fixture.enclave.signer_public()));
	answer.value.map(|v| codec::Decode::decode(&mut &v[..]).unwrap()).unwrap_or_default()
}

fn assert_untouched(fixture: &Fixture) {
	assert_eq!(fixture.enclave.last_processed(), None, "nothing executed");
	assert_eq!(fixture.enclave.light_client_head(), Some((0, fixture.genesis.hash())));
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

	// The honest chunk executes: Bob is credited, issuance equals the vault.
	let report = fixture
		.enclave
		.import(vec![block(honest.clone(), extrinsics, proof)], &justification)
		.unwrap();
	assert_eq!(report.last_block, (1, honest.hash()));
	assert!(report.skipped.is_empty() && report.rejected.is_empty(), "{report:?}");
	assert_eq!(report.invariant, Invariant::Holds);
	assert_eq!(bob_balance(&fixture).free, AMOUNT);
	assert_eq!(fixture.enclave.last_processed(), Some((1, honest.hash())));
}

#[test]
fn a_vault_short_of_the_issuance_is_reported_as_a_breach() {
	let mut fixture = fixture();
	let authority = testing::pairs(&["//Alice"]);
	let keys = fixture.enclave.proof_keys();
	let (extrinsics, entries) = shield_block(&fixture, AMOUNT - 1);
	let (state_root, proof) = testing::state_with_proof(&entries, &keys);
	let honest = header(&fixture.genesis, &extrinsics, state_root);
	let justification = testing::encoded_justification(&honest, 1, 0, &authority);
	let report = fixture
		.enclave
		.import(vec![ParentchainBlock { header: honest, extrinsics, proof }], &justification)
		.unwrap();
	assert_eq!(report.invariant, Invariant::Breach { issuance: AMOUNT, vault: AMOUNT - 1 });
}

//! The trusted core's own duties: keys bound to MRENCLAVE, stable keys,
//! report data binding the keys, quotes the chain's verifier accepts, and
//! indirect-invocation parsing that skips bad input without stopping.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use codec::Encode;
use integritee_enclave::{
	import::inputs,
	platform::{SimulatedTee, TeePlatform},
	Enclave, EnclaveConfig, Error,
};
use integritee_runtime::{RuntimeCall, RuntimeEvent};
use integritee_stf::StfInput;
use integritee_stf_primitives::{shielding, AccountId, TrustedCall};
use polkadot_sdk::{
	frame_system::{self, DispatchEventInfo, EventRecord, Phase},
	sp_core::{sr25519, Pair, H256},
	sp_runtime::MultiSignature,
};
use sha2::{Digest, Sha256};

fn open(dir: &std::path::Path, mr_enclave: [u8; 32]) -> Result<(Enclave, bool), Error> {
	Enclave::open(
		Arc::new(SimulatedTee::new(mr_enclave)),
		EnclaveConfig { data_dir: dir.to_path_buf(), shard: None, max_instances: 1 },
	)
	.map(|(enclave, opened)| (enclave, opened.new_keys))
}

/// Opens a new core in `dir` and anchors it at the test genesis.
fn anchored(dir: &std::path::Path, mr_enclave: [u8; 32]) -> Enclave {
	let (mut enclave, new) = open(dir, mr_enclave).unwrap();
	assert!(new);
	let (genesis, proof) = common::genesis_with_proof();
	enclave.init_light_client_at(genesis.hash(), genesis.hash(), genesis, proof).unwrap();
	enclave
}

#[test]
fn keys_survive_a_restart_and_refuse_another_build() {
	let dir = tempfile::tempdir().unwrap();
	let first = anchored(dir.path(), [7; 32]);
	let (account, shielding) = (first.account(), first.shielding_public_key().unwrap());
	drop(first);
	let (again, new) = open(dir.path(), [7; 32]).unwrap();
	assert!(!new);
	assert_eq!((again.account(), again.shielding_public_key()), (account, Some(shielding)));
	drop(again);
	// Another enclave build on the same data directory must not silently
	// create new keys (that would orphan the shard's state): it fails.
	match open(dir.path(), [8; 32]) {
		Err(Error::Sealing(message)) => assert!(message.contains("MRENCLAVE"), "{message}"),
		Err(other) => panic!("expected a sealing error, got {other}"),
		Ok(_) => panic!("another MRENCLAVE opened the sealed keys"),
	}
	let sealed = std::fs::read(dir.path().join(integritee_enclave::SEALED_KEYS_FILE)).unwrap();
	assert!(!sealed.windows(32).any(|w| w == shielding), "sealed file is encrypted");
}

#[test]
fn report_data_binds_signer_and_registration_claims_and_the_quote_verifies() {
	let dir = tempfile::tempdir().unwrap();
	let enclave = anchored(dir.path(), [9; 32]);
	let claims = enclave.registration_claims().unwrap();
	assert_eq!(claims.parentchain_block, enclave.light_client_head().unwrap());
	assert_eq!(
		claims.shielding_key_hash,
		<[u8; 32]>::from(Sha256::digest(enclave.shielding_public_key().unwrap()))
	);
	let report_data = enclave.registration_report_data(&claims);
	assert_eq!(&report_data[..32], enclave.account().as_ref() as &[u8]);
	assert_eq!(report_data[32..], claims.report_binding());

	let platform = SimulatedTee::new([9; 32]);
	let quote = platform.quote(report_data).unwrap();
	let collateral = integritee_sgx_sim::dev::dev_collateral().unwrap();
	// The quote carries MRENCLAVE and report data where DCAP puts them
	// (report body at offset 48: MRENCLAVE at +64, report data at +320).
	assert_eq!(&quote[48 + 64..48 + 96], &[9; 32]);
	assert_eq!(&quote[48 + 320..48 + 384], &report_data);
	assert!(!collateral.tcb_info_json.is_empty());
	assert!(platform.is_simulated());
}

fn signed(pair: &sr25519::Pair, call: RuntimeCall) -> Vec<u8> {
	common::user_extrinsic(pair, call, H256::zero())
}

#[test]
fn indirect_inputs_are_collected_in_order_and_bad_ones_skipped() {
	let shielding_pair = shielding::ShieldingKeyPair::from_seed(&[4; 32]);
	let (shard, mr_enclave) = (H256::repeat_byte(5), [5u8; 32]);
	let key = shielding_pair.public_key();
	let enclave_account = AccountId::new([6; 32]);
	let alice = sr25519::Pair::from_string("//Alice", None).unwrap();
	let bob: AccountId = sr25519::Pair::from_string("//Bob", None).unwrap().public().into();
	let call =
		TrustedCall::BalanceTransfer { from: alice.public().into(), to: bob.clone(), amount: 5 }
			.sign(0, &mr_enclave, &shard, |p| MultiSignature::Sr25519(alice.sign(p)));
	let invoke = |shard: H256, ciphertext: Vec<u8>| {
		RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke { shard, ciphertext })
	};
	let call_purpose = shielding::Purpose::TrustedCall;
	let good = shielding::encrypt(&key, call_purpose, &shard, &call.encode()).unwrap();
	let extrinsics = vec![
		signed(&alice, invoke(shard, vec![1, 2, 3])), // 0: garbage
		signed(&alice, invoke(H256::repeat_byte(1), good.clone())), // 1: other shard
		signed(&alice, invoke(shard, good.clone())),  // 2: good
		signed(
			&alice,
			invoke(shard, shielding::encrypt(&key, call_purpose, &shard, b"not a call").unwrap()),
		), // 3
		signed(&alice, invoke(shard, good.clone())),  // 4: failed on chain
		vec![0xff, 0x00],                             // 5: undecodable
	];
	let shield = EventRecord {
		phase: Phase::ApplyExtrinsic(2),
		event: RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::ShieldFunds {
			shard,
			from: alice.public().into(),
			encrypted_beneficiary: shielding::encrypt(
				&key,
				shielding::Purpose::ShieldBeneficiary,
				&shard,
				&bob.encode(),
			)
			.unwrap(),
			amount: 9,
		}),
		topics: vec![],
	};
	let failed = EventRecord {
		phase: Phase::ApplyExtrinsic(4),
		event: RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
			dispatch_error: polkadot_sdk::sp_runtime::DispatchError::Other("x"),
			dispatch_info: DispatchEventInfo::default(),
		}),
		topics: vec![],
	};
	let anchored = |shard: H256| EventRecord {
		phase: Phase::ApplyExtrinsic(3),
		event: RuntimeEvent::Sidechain(pallet_sidechain::Event::FinalizedSidechainBlock {
			shard,
			signer: enclave_account.clone(),
			block_number: 4,
			block_header_hash: H256::repeat_byte(4),
		}),
		topics: vec![],
	};
	use common::success;
	let events = vec![
		success(0),
		success(1),
		success(2),
		shield,
		success(3),
		anchored(shard),
		anchored(H256::repeat_byte(1)),
		failed,
	];
	let collected = inputs::collect(
		1,
		H256::repeat_byte(3),
		&extrinsics,
		&events,
		&shard,
		&enclave_account,
		&shielding_pair,
	);
	assert_eq!(collected.inputs.len(), 2, "the good call, then the shield of the same extrinsic");
	assert!(matches!(&collected.inputs[0], StfInput::Call(c) if *c == call));
	assert!(
		matches!(&collected.inputs[1], StfInput::Shield { beneficiary, amount: 9, .. } if *beneficiary == bob)
	);
	assert_eq!(collected.skipped.len(), 4, "{:?}", collected.skipped);
	assert_eq!(collected.anchored, vec![(4, H256::repeat_byte(4))], "the shard's anchors only");
	for skipped in &collected.skipped {
		let reason = skipped.to_string();
		assert!(reason.starts_with("block 1: "), "{reason}");
		assert!(!reason.contains(&hex::encode(call.encode())), "no plaintext in reasons");
	}
}

//! Parent-chain input throughput through sidechain blocks, from a backlog:
//! the trusted core imports a generated chain of finalized parent blocks
//! (justification per chunk, bodies of `invoke` extrinsics with encrypted
//! trusted transfers, events and vault proofs), then produces and commits
//! sidechain blocks until the queue is empty. Prints inputs per second for
//! the import (verify + decrypt + queue), for block production (execute,
//! sign, commit with fsync) and for both in sequence.
//!
//! `SKIP_WASM_BUILD=1 cargo run --release -p integritee-enclave --example
//! bench_backlog`
//!
//! Environment: `BENCH_PARENT_BLOCKS` (default 200), `BENCH_CALLS_PER_BLOCK`
//! (default 50), `BENCH_CHUNK` (parent blocks per justified chunk, default
//! 64), `BENCH_MAX_INPUTS` (inputs per sidechain block, default 2,000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::{sync::Arc, time::Instant};

use codec::Encode;
use integritee_enclave::{
	events_key,
	light_client::{testing, Header},
	platform::SimulatedTee,
	BlockLimits, Enclave, EnclaveConfig, ParentchainBlock,
};
use integritee_runtime::{Runtime, RuntimeCall, RuntimeEvent};
use integritee_stf_primitives::{shielding, AccountId, TrustedCall};
use polkadot_sdk::{
	frame_system::{self, EventRecord, Phase},
	pallet_balances,
	sp_core::{sr25519, Pair, H256},
	sp_runtime::MultiSignature,
};

fn env(name: &str, default: usize) -> usize {
	std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const FUNDS: u128 = 1_000_000_000;

/// A parent block's extrinsics and the storage entries its proof covers.
type Body = (Vec<Vec<u8>>, Vec<(Vec<u8>, Vec<u8>)>);

fn main() {
	let parent_blocks = env("BENCH_PARENT_BLOCKS", 200);
	let per_block = env("BENCH_CALLS_PER_BLOCK", 50);
	let chunk = env("BENCH_CHUNK", 64).max(1);
	let max_inputs = env("BENCH_MAX_INPUTS", 2_000);
	let dir = tempfile::tempdir().unwrap();
	let mr_enclave = [7u8; 32];
	let config = EnclaveConfig { data_dir: dir.path().into(), shard: None, max_instances: 1 };
	let (mut enclave, _) = Enclave::open(Arc::new(SimulatedTee::new(mr_enclave)), config).unwrap();
	let (genesis, proof) = common::genesis_with_proof();
	enclave.init_light_client_at(genesis.hash(), genesis.hash(), genesis.clone(), proof).unwrap();
	let (shard, key) = (enclave.shard(), enclave.shielding_public_key().unwrap());
	let keys = enclave.proof_keys();
	let vault_key = frame_system::Account::<Runtime>::hashed_key_for(enclave.vault_account());
	let alice = sr25519::Pair::from_string("//Alice", None).unwrap();
	let senders: Vec<sr25519::Pair> =
		(0..per_block).map(|i| sr25519::Pair::from_seed(&[i as u8 + 1; 32])).collect();
	let receiver = AccountId::new([0xee; 32]);

	// Parent block 1 shields funds to every sender; blocks 2.. carry
	// `per_block` invokes each (one per sender, nonces in order).
	let t = Instant::now();
	let mut vault = frame_system::AccountInfo::<u32, pallet_balances::AccountData<u128>>::default();
	vault.data.free = FUNDS * per_block as u128;
	// The shard was created with this enclave's key, and it is registered
	// (else it serves nothing).
	let serving = common::serving_entries(
		&enclave,
		enclave.shielding_key_hash(),
		Some(1_800_000_000_000),
		1_800_000_000_000,
	);
	let entries = |events: Vec<EventRecord<RuntimeEvent, H256>>| {
		let mut entries =
			vec![(events_key(), events.encode()), (vault_key.clone(), vault.encode())];
		entries.extend(serving.iter().cloned());
		entries
	};
	let mut bodies: Vec<Body> = Vec::new();
	let shield_events = senders
		.iter()
		.map(|sender| EventRecord {
			phase: Phase::ApplyExtrinsic(0),
			event: RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::ShieldFunds {
				shard,
				from: alice.public().into(),
				encrypted_beneficiary: shielding::encrypt(
					&key,
					shielding::Purpose::ShieldBeneficiary,
					&shard,
					&AccountId::from(sender.public()).encode(),
				)
				.unwrap(),
				amount: FUNDS,
			}),
			topics: vec![],
		})
		.chain(std::iter::once(common::success(0)))
		.collect();
	let shield_call = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
	bodies.push((
		vec![common::user_extrinsic(&alice, shield_call, genesis.hash())],
		entries(shield_events),
	));
	for nonce in 0..parent_blocks.saturating_sub(1) as u32 {
		let extrinsics: Vec<Vec<u8>> = senders
			.iter()
			.map(|sender| {
				let call = TrustedCall::BalanceTransfer {
					from: sender.public().into(),
					to: receiver.clone(),
					amount: 1,
				}
				.sign(nonce, &mr_enclave, &shard, |p| MultiSignature::Sr25519(sender.sign(p)));
				let ciphertext = shielding::encrypt(
					&key,
					shielding::Purpose::TrustedCall,
					&shard,
					&call.encode(),
				)
				.unwrap();
				let invoke = RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke {
					shard,
					ciphertext,
				});
				common::user_extrinsic(&alice, invoke, genesis.hash())
			})
			.collect();
		let events = (0..extrinsics.len() as u32).map(common::success).collect();
		bodies.push((extrinsics, entries(events)));
	}
	let mut head = genesis.clone();
	let mut chunks: Vec<(Vec<ParentchainBlock>, Vec<u8>)> = Vec::new();
	for part in bodies.chunks(chunk) {
		let mut blocks = Vec::new();
		for (extrinsics, entries) in part {
			let (state_root, proof) = testing::state_with_proof(entries, &keys);
			let header: Header = common::header(&head, extrinsics, state_root);
			head = header.clone();
			blocks.push(ParentchainBlock { header, extrinsics: extrinsics.clone(), proof });
		}
		let justification =
			testing::encoded_justification(&head, 1, 0, &testing::pairs(&["//Alice"]));
		chunks.push((blocks, justification));
	}
	let inputs = per_block + (parent_blocks - 1) * per_block;
	eprintln!("generated {parent_blocks} parent blocks, {inputs} inputs in {:?}", t.elapsed());

	let t = Instant::now();
	for (blocks, justification) in chunks {
		enclave.import(blocks, &justification).unwrap();
	}
	let import = t.elapsed();
	let t = Instant::now();
	let mut sidechain_blocks = 0;
	let limits = BlockLimits { max_inputs, ..BlockLimits::default() };
	while let Some(block) = enclave.propose_block(1, limits, false, 0).unwrap() {
		let report = enclave.commit_block(&block).unwrap();
		assert!(report.rejected.is_empty(), "{:?}", report.rejected);
		sidechain_blocks += 1;
	}
	let produce = t.elapsed();
	assert_eq!(enclave.queued_blocks().unwrap(), 0);
	let rate = |d: std::time::Duration| inputs as f64 / d.as_secs_f64();
	println!(
		"backlog of {parent_blocks} parent blocks x {per_block} invokes ({inputs} inputs), chunks \
		 of {chunk}, blocks of <= {max_inputs} inputs:"
	);
	println!("  import (verify, decrypt, queue): {import:>10.2?}  {:>8.0} inputs/s", rate(import));
	println!(
		"  sidechain blocks ({sidechain_blocks}, fsynced):   {produce:>10.2?}  {:>8.0} inputs/s",
		rate(produce)
	);
	println!(
		"  both in sequence:                 {:>10.2?}  {:>8.0} inputs/s",
		import + produce,
		rate(import + produce)
	);
}

//! The cost of provisioning in the trusted cores, without network: a
//! member that created the shard answers `BENCH_REQUESTS` requests of fresh
//! joiners (each: the joiner's request with its quote, the member's
//! verification of the quote under the development platform's collateral
//! read through a storage proof, sealing and signing, the joiner's checks
//! and sealing). Prints the median and maximum of each step.
//!
//! `SKIP_WASM_BUILD=1 cargo run --release -p integritee-enclave --example
//! bench_provisioning`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
	sync::Arc,
	time::{Duration, Instant},
};

use integritee_enclave::{
	light_client::{testing, Header},
	platform::SimulatedTee,
	testing::{members_entry, provisioning_entries, serving_entries},
	Enclave, EnclaveConfig, ParentchainBlock,
};
use integritee_primitives::{ShardConfig, UpgradableShardConfig};
use polkadot_sdk::sp_core::H256;

const NOW_MS: u64 = 1_800_000_000_000;
const BUILD: [u8; 32] = [7; 32];

/// An anchored core in a fresh directory.
fn core(dir: &std::path::Path) -> Enclave {
	let config = EnclaveConfig { data_dir: dir.into(), shard: Some(H256(BUILD)), max_instances: 3 };
	let (mut enclave, _) = Enclave::open(Arc::new(SimulatedTee::new(BUILD)), config).unwrap();
	let (genesis, proof) = common::genesis_with_proof();
	enclave.init_light_client_at(genesis.hash(), genesis.hash(), genesis, proof).unwrap();
	enclave
}

/// Imports one block on the genesis block with `entries` proven.
fn import(enclave: &mut Enclave, entries: &[(Vec<u8>, Vec<u8>)]) -> Header {
	let (genesis, _) = common::genesis_with_proof();
	let (root, proof) = testing::state_with_proof(entries, &enclave.proof_keys());
	let next = common::header(&genesis, &[], root);
	let justification = testing::encoded_justification(&next, 1, 0, &testing::pairs(&["//Alice"]));
	let block = ParentchainBlock { header: next.clone(), extrinsics: vec![], proof };
	enclave.import(vec![block], &justification).unwrap();
	next
}

fn summary(name: &str, mut times: Vec<Duration>) {
	times.sort();
	let median = times[times.len() / 2];
	let max = times[times.len() - 1];
	println!("{name:<40} median {median:>10.3?}   max {max:>10.3?}   ({} runs)", times.len());
}

fn main() {
	let requests: usize =
		std::env::var("BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
	let dirs = tempfile::tempdir().unwrap();
	let mut member = core(&dirs.path().join("member"));
	let shard = member.shard();
	let config = UpgradableShardConfig::new(ShardConfig {
		enclave_fingerprint: H256(BUILD),
		max_instances: 3,
	});
	let mut entries = serving_entries(&member, member.shielding_key_hash(), Some(NOW_MS), NOW_MS);
	entries.extend(provisioning_entries(shard, &config, false));
	import(&mut member, &entries);
	let shard_key = member.shielding_key_hash();

	let (mut request_times, mut provision_times, mut accept_times) =
		(Vec::new(), Vec::new(), Vec::new());
	for n in 0..requests {
		let mut joiner = core(&dirs.path().join(format!("joiner-{n}")));
		let mut joiner_entries = serving_entries(&joiner, shard_key, None, NOW_MS);
		joiner_entries.push(members_entry(shard, &[member.account()], BUILD));
		import(&mut joiner, &joiner_entries);

		let t = Instant::now();
		let request = joiner.provisioning_request().unwrap();
		request_times.push(t.elapsed());

		let keys = member.provisioning_proof_keys(&request).unwrap();
		let (_, proof) = testing::state_with_proof(&entries, &keys);
		let t = Instant::now();
		let package = member.provision(&request, proof).unwrap();
		provision_times.push(t.elapsed());

		let t = Instant::now();
		joiner.accept_provisioning(&package).unwrap();
		accept_times.push(t.elapsed());
	}
	println!("provisioning in the trusted cores (simulated TEE, no network):");
	summary("joiner: request (ephemeral key, quote)", request_times);
	summary("member: verify quote, seal, sign", provision_times);
	summary("joiner: check package, seal (fsync)", accept_times);
}

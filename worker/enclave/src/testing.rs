//! Test support: the proven storage a parent-chain block needs for a core
//! to serve, for tests and benchmarks that build blocks by hand (the host's
//! tests, the core's hostile-host tests). Pure data: nothing here reaches
//! the core's keys.

use codec::Encode;
use integritee_runtime::Runtime;
use polkadot_sdk::sp_core::H256;

use crate::Enclave;

/// The storage entries that make `enclave` serve its shard at a block: the
/// shard created with its shielding key, its registration attested at
/// `registered_at_ms` (`None`: not registered), and the chain's time
/// `now_ms`.
pub fn serving_entries(
	enclave: &Enclave,
	shard_key: Option<[u8; 32]>,
	registered_at_ms: Option<u64>,
	now_ms: u64,
) -> Vec<(Vec<u8>, Vec<u8>)> {
	use integritee_primitives::{AttestationMethod, SgxBuildMode, SgxStatus};
	let mut entries = Vec::new();
	if let Some(key) = shard_key {
		let storage_key =
			pallet_enclave_bridge::ShardShieldingKeys::<Runtime>::hashed_key_for(enclave.shard());
		entries.push((storage_key, key.encode()));
	}
	if let Some(attested_at_ms) = registered_at_ms {
		let registration = pallet_teerex::EnclaveOf::<Runtime> {
			mr_enclave: H256(enclave.mr_enclave()),
			mr_signer: [0; 32],
			shielding_key_hash: enclave.shielding_key_hash(),
			build_mode: SgxBuildMode::Debug,
			status: SgxStatus::UpToDate,
			attestation_method: AttestationMethod::Skip,
			attested_at_ms,
			url: None,
		};
		let key = pallet_teerex::SovereignEnclaves::<Runtime>::hashed_key_for(enclave.account());
		entries.push((key, registration.encode()));
	}
	entries.push((crate::timestamp_key(), now_ms.encode()));
	entries
}

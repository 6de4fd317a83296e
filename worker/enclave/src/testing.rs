//! Test support: the proven storage a parent-chain block needs for a core
//! to serve, for tests and benchmarks that build blocks by hand (the host's
//! tests, the core's hostile-host tests). Pure data: nothing here reaches
//! the core's keys.
//!
//! The provisioning entries pin the simulated development platform (its
//! root CA and collateral, as `integritee-node --dev` does at genesis):
//! quotes of `SimulatedTee` verify under them.

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
			shielding_key_hash: enclave.shielding_key_hash().unwrap_or_default(),
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

/// The `ShardStatus` entry naming `members` (in this order) as the shard's
/// active signers, all of code `fingerprint`.
pub fn members_entry(
	shard: integritee_stf_primitives::ShardIdentifier,
	members: &[integritee_stf_primitives::AccountId],
	fingerprint: [u8; 32],
) -> (Vec<u8>, Vec<u8>) {
	let signers: Vec<pallet_enclave_bridge::SignerStatusOf<Runtime>> = members
		.iter()
		.map(|signer| integritee_primitives::ShardSignerStatus {
			signer: signer.clone(),
			fingerprint: H256(fingerprint),
			last_activity: 1,
		})
		.collect();
	(pallet_enclave_bridge::ShardStatus::<Runtime>::hashed_key_for(shard), signers.encode())
}

/// The registry's storage a member's core reads to judge a provisioning
/// request (see [`Enclave::provisioning_proof_keys`]): the development
/// platform's root CA and collateral (verified here as the registry
/// verifies it), the security flags (`allow_debug`), and the shard's
/// configuration `config`.
pub fn provisioning_entries(
	shard: integritee_stf_primitives::ShardIdentifier,
	config: &integritee_primitives::UpgradableShardConfig<u32>,
	allow_debug: bool,
) -> Vec<(Vec<u8>, Vec<u8>)> {
	use integritee_primitives::{AttestationVerifier, CollateralEvidence, CollateralKind};
	use integritee_sgx_sim::dev;
	let root = dev::dev_platform().dev_root_ca_der();
	let collateral = dev::dev_collateral().expect("the development collateral");
	let (qe_body, qe_signature) = collateral.qe_identity_parts().expect("QE identity");
	let (tcb_body, tcb_signature) = collateral.tcb_info_parts().expect("TCB info");
	let evidence = [
		(
			CollateralKind::QuotingEnclaveIdentity,
			qe_body,
			qe_signature,
			&collateral.issuer_chain_pem,
		),
		(CollateralKind::TcbInfo, tcb_body, tcb_signature, &collateral.issuer_chain_pem),
		(
			CollateralKind::PckCrl,
			&collateral.pck_crl_der[..],
			&[][..],
			&collateral.pck_crl_issuer_chain_pem,
		),
		(
			CollateralKind::RootCaCrl,
			&collateral.root_ca_crl_der[..],
			&[][..],
			&collateral.issuer_chain_pem,
		),
	];
	let mut entries = Vec::new();
	for (kind, body, signature, issuer_chain) in evidence {
		let verified = integritee_attestation::IntelAttestationVerifier::verify_collateral(
			kind,
			CollateralEvidence { body, signature, issuer_chain },
			Some(root.as_slice()),
			dev::DEV_COLLATERAL_ISSUED_AT_MS,
		)
		.expect("the development collateral verifies");
		let key = match kind {
			CollateralKind::QuotingEnclaveIdentity => {
				pallet_teerex::QuotingEnclaveIdentity::<Runtime>::hashed_key().to_vec()
			}
			CollateralKind::TcbInfo => pallet_teerex::TcbInfo::<Runtime>::hashed_key_for(
				verified.fmspc.expect("TCB info names its FMSPC"),
			),
			kind => pallet_teerex::RevocationLists::<Runtime>::hashed_key_for(kind),
		};
		let stored = pallet_teerex::StoredCollateral::<Runtime> {
			kind: verified.kind,
			fmspc: verified.fmspc,
			issued_at_ms: verified.issued_at_ms,
			next_update_ms: verified.next_update_ms,
			encoded: verified.encoded.try_into().expect("collateral within the registry's bound"),
		};
		entries.push((key, stored.encode()));
	}
	entries.push((pallet_teerex::DcapRootCa::<Runtime>::hashed_key().to_vec(), root.encode()));
	let flags = integritee_primitives::SecurityFlags {
		allow_debug_mode: allow_debug,
		..Default::default()
	};
	entries.push((
		pallet_teerex::SecurityFlagsStorage::<Runtime>::hashed_key().to_vec(),
		flags.encode(),
	));
	entries.push((
		pallet_enclave_bridge::ShardConfigRegistry::<Runtime>::hashed_key_for(shard),
		config.encode(),
	));
	entries
}

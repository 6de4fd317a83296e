//! Genesis presets: `development` (one validator, attestation skipping, debug
//! enclaves, every non-outdated TCB status and PCK chains without registered
//! CRLs allowed) and `local_testnet` (three validators, production policy:
//! revocation checked against registered CRLs, failing closed). Both use Intel's DCAP root; the node
//! pins a simulated platform's root in its development chain spec.

use crate::*;
use alloc::{vec, vec::Vec};
use integritee_primitives::{RevocationPolicy, SecurityFlags, TcbPolicy};
use polkadot_sdk::{
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_consensus_grandpa::AuthorityId as GrandpaId,
	sp_genesis_builder::{self, PresetId},
	sp_keyring::{Ed25519Keyring, Sr25519Keyring},
};
use serde_json::Value;

/// Balance of every well-known development account (they double as faucets).
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;

/// The accounts funded at genesis: the Substrate keyring (`//Alice` ...
/// `//Ferdie`, their stashes, `//One`, `//Two`).
pub fn endowed_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter().map(|k| k.to_account_id()).collect()
}

fn genesis(
	validators: &[(Sr25519Keyring, Ed25519Keyring)],
	root: AccountId,
	security_flags: SecurityFlags,
	tcb_policy: TcbPolicy,
	revocation_policy: RevocationPolicy,
) -> Value {
	let balances: Vec<(AccountId, Balance)> =
		endowed_accounts().into_iter().map(|account| (account, ENDOWMENT)).collect();
	let aura: Vec<AuraId> = validators.iter().map(|(aura, _)| aura.public().into()).collect();
	let grandpa: Vec<(GrandpaId, u64)> =
		validators.iter().map(|(_, grandpa)| (grandpa.public().into(), 1)).collect();
	serde_json::json!({
		"balances": { "balances": balances },
		"aura": { "authorities": aura },
		"grandpa": { "authorities": grandpa },
		"sudo": { "key": Some(root) },
		"teerex": {
			"securityFlags": {
				"allow_debug_mode": security_flags.allow_debug_mode,
				"allow_skipping_attestation": security_flags.allow_skipping_attestation,
			},
			"tcbPolicy": tcb_policy,
			"revocationPolicy": revocation_policy,
		},
	})
}

/// One validator (Alice, also root); enclaves may register without attestation.
pub fn development() -> Value {
	genesis(
		&[(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Sr25519Keyring::Alice.to_account_id(),
		SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: true },
		TcbPolicy::lenient(),
		RevocationPolicy::IfAvailable,
	)
}

/// Three validators (Alice, Bob, Charlie); attestation is required.
pub fn local_testnet() -> Value {
	genesis(
		&[
			(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
		],
		Sr25519Keyring::Alice.to_account_id(),
		SecurityFlags::default(),
		TcbPolicy::default(),
		RevocationPolicy::Require,
	)
}

pub fn preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}

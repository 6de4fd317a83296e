//! The chain specs this node knows by name.

use integritee_runtime::WASM_BINARY;
use integritee_sgx_sim::dev::{dev_collateral, dev_platform, DEV_COLLATERAL_ISSUED_AT_MS};
use polkadot_sdk::{
	sc_service::{ChainType, GenericChainSpec},
	sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
};
use serde_json::{json, Value};

pub type ChainSpec = GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime WASM was not built (was SKIP_WASM_BUILD set?); rebuild without it".to_string()
	})
}

fn properties() -> polkadot_sdk::sc_chain_spec::Properties {
	let mut properties = polkadot_sdk::sc_chain_spec::Properties::new();
	properties.insert("tokenSymbol".into(), "TEER".into());
	properties.insert("tokenDecimals".into(), 12.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// `--dev`: Alice alone authors and finalizes; enclaves may register without
/// attestation and in debug mode, and DCAP quotes chain to the simulated SGX
/// platform's root (`integritee_sgx_sim::dev`), whose collateral is registered
/// at genesis. The simulated platform's seed is public: anyone can forge
/// quotes this chain accepts. Never use it for anything of value.
pub fn development() -> Result<ChainSpec, String> {
	let mut genesis = integritee_runtime::genesis::development();
	let teerex = genesis
		.get_mut("teerex")
		.and_then(Value::as_object_mut)
		.ok_or("the development preset has no teerex section")?;
	let simulated = simulated_sgx_genesis()?;
	if let Value::Object(fields) = simulated {
		teerex.extend(fields);
	}
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Integritee Development")
		.with_id("integritee_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_patch(genesis)
		.with_properties(properties())
		.build())
}

/// `0x`-hex, the chain spec's form of bytes.
fn hex0x(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// The registry's genesis fields that pin the simulated development
/// platform: its root CA and its QE identity, TCB info and CRLs.
fn simulated_sgx_genesis() -> Result<Value, String> {
	let platform = dev_platform();
	let collateral = dev_collateral().map_err(|e| format!("simulated SGX collateral: {e}"))?;
	let (qe_body, qe_signature) =
		collateral.qe_identity_parts().map_err(|e| format!("simulated QE identity: {e}"))?;
	let (tcb_body, tcb_signature) =
		collateral.tcb_info_parts().map_err(|e| format!("simulated TCB info: {e}"))?;
	let entry = |kind: &str, body: &[u8], signature: &[u8], chain: &[u8]| {
		json!({
			"kind": kind,
			"body": hex0x(body),
			"signature": hex0x(signature),
			"issuerChain": hex0x(chain),
		})
	};
	Ok(json!({
		"dcapRootCa": hex0x(&platform.dev_root_ca_der()),
		"dcapCollateral": [
			entry("QuotingEnclaveIdentity", qe_body, qe_signature, &collateral.issuer_chain_pem),
			entry("TcbInfo", tcb_body, tcb_signature, &collateral.issuer_chain_pem),
			entry("PckCrl", &collateral.pck_crl_der, &[], &collateral.pck_crl_issuer_chain_pem),
			entry("RootCaCrl", &collateral.root_ca_crl_der, &[], &collateral.issuer_chain_pem),
		],
		"collateralVerifiedAtMs": DEV_COLLATERAL_ISSUED_AT_MS,
	}))
}

/// `local`: Alice, Bob and Charlie validate, each its own process; attestation
/// is required.
pub fn local_testnet() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Integritee Local Testnet")
		.with_id("integritee_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

//! The `local` chain spec: three validator processes (Alice, Bob, Charlie) on
//! loopback produce and finalize blocks together, and the registry refuses
//! enclaves without attestation.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use codec::Encode;
use integritee_chain_client::{dev_pair, Error, WaitFor};
use integritee_primitives::{AttestationMethod, RegistrationClaims, SkippedAttestation};
use integritee_runtime::RuntimeCall;
use integritee_test_node::{node_bin, Node};
use polkadot_sdk::sp_core::{Pair, H256};

/// Fixed libp2p keys: validators must have one, and Alice's lets the
/// others name her as boot node.
const ALICE_NODE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const BOB_NODE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000002";
const CHARLIE_NODE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000003";

fn peer_id_of(node_key_hex: &str) -> String {
	let dir = std::env::temp_dir().join(format!("integritee-node-key-{}", std::process::id()));
	std::fs::write(&dir, node_key_hex).expect("key file can be written");
	let output = Command::new(node_bin())
		.args(["key", "inspect-node-key", "--file", dir.to_str().expect("UTF-8 path")])
		.output()
		.expect("key inspect-node-key runs");
	let _ = std::fs::remove_file(&dir);
	assert!(output.status.success(), "inspect-node-key failed: {output:?}");
	String::from_utf8(output.stdout).expect("peer id is UTF-8").trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_validators_finalize_and_attestation_is_required() {
	let alice_peer = peer_id_of(ALICE_NODE_KEY);
	let mut alice =
		Node::start("local-alice", &["--chain", "local", "--alice", "--node-key", ALICE_NODE_KEY]);
	let boot = format!("/ip4/127.0.0.1/tcp/{}/p2p/{alice_peer}", alice.p2p_port);
	let _bob = Node::start(
		"local-bob",
		&["--chain", "local", "--bob", "--node-key", BOB_NODE_KEY, "--bootnodes", &boot],
	);
	let _charlie = Node::start(
		"local-charlie",
		&["--chain", "local", "--charlie", "--node-key", CHARLIE_NODE_KEY, "--bootnodes", &boot],
	);

	let client = alice.client().await;

	// GRANDPA needs two of three votes; Aura rotates over all three. Blocks
	// finalized past #3 mean the validators found each other and agree.
	let mut finalized = 0;
	for _ in 0..240 {
		finalized = client.finalized_head().await.expect("finalized head is readable").1;
		if finalized >= 3 {
			break;
		}
		tokio::time::sleep(std::time::Duration::from_millis(500)).await;
	}
	assert!(finalized >= 3, "the local network finalized only up to #{finalized}");

	// Attestation skipping is off outside the dev spec.
	let proof = SkippedAttestation { mr_enclave: H256::repeat_byte(1), mr_signer: [0; 32] };
	let claims = RegistrationClaims {
		shielding_key_hash: [0; 32],
		parentchain_block: (0, client.genesis_hash()),
	};
	let call = RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
		proof: proof.encode(),
		worker_url: None,
		attestation_method: AttestationMethod::Skip,
		claims: claims.clone(),
	});
	let result = client.submit(&dev_pair("//Dave").unwrap(), call, WaitFor::InBlock).await;
	match result {
		Err(Error::DispatchFailed { error, .. }) => {
			assert!(error.contains("SkippingAttestationNotAllowed"), "{error}")
		}
		other => panic!("registration without attestation must fail on `local`: {other:?}"),
	}

	// `local` trusts Intel's root only: the simulated development platform's
	// quotes and collateral are refused.
	let dave = dev_pair("//Dave").unwrap();
	let platform = integritee_sgx_sim::dev::dev_platform();
	let mut report_data = [0u8; 64];
	report_data[..32].copy_from_slice(dave.public().as_ref());
	report_data[32..].copy_from_slice(&claims.report_binding());
	let quote = platform
		.quote(&integritee_sgx_sim::EnclaveIdentity::default(), report_data)
		.expect("simulated quote");
	let call = RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
		proof: quote,
		worker_url: None,
		attestation_method: AttestationMethod::Dcap,
		claims,
	});
	match client.submit(&dave, call, WaitFor::InBlock).await {
		Err(Error::DispatchFailed { error, .. }) => {
			assert!(error.contains("AttestationSignatureInvalid"), "{error}")
		}
		other => panic!("a simulated quote must fail on `local`: {other:?}"),
	}
	let collateral = integritee_sgx_sim::dev::dev_collateral().expect("simulated collateral");
	let (body, signature) = collateral.tcb_info_parts().expect("signed TCB info");
	let call = RuntimeCall::Teerex(pallet_teerex::Call::register_tcb_info {
		tcb_info: body.to_vec(),
		signature: signature.to_vec(),
		certificate_chain: collateral.issuer_chain_pem.clone(),
	});
	match client.submit(&dave, call, WaitFor::InBlock).await {
		Err(Error::DispatchFailed { error, .. }) => {
			assert!(error.contains("AttestationSignatureInvalid"), "{error}")
		}
		other => panic!("simulated collateral must fail on `local`: {other:?}"),
	}
}

//! The CLI binary against a real `integritee-node --dev`: keystore accounts on
//! the parent chain, `shield-funds` and the `trusted` commands.
//!
//! The worker is not part of this test. A small JSON-RPC server inside the
//! test is a **stand-in for the worker's trusted RPC**: it serves
//! `author_getShieldingKey` and `state_executeGetter` from a
//! `ShieldingKeyPair` and an ed25519 enclave key over RA-TLS (a certificate
//! of the development platform, the one the dev chain's collateral
//! covers), and its enclave is registered on the dev chain with
//! `AttestationMethod::Skip`. The test then
//! checks what the CLI put on chain by decrypting it with the stand-in's key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
	process::Command,
	sync::{Arc, Mutex},
};

use codec::{Decode, Encode};
use integritee_chain_client::{dev_pair, ChainClient, WaitFor};
use integritee_primitives::{AttestationMethod, RegistrationClaims, SkippedAttestation};
use integritee_ra_tls::{
	make_bound_certificate, AttestedCertificate, RenewableCertificate, Validity,
};
use integritee_runtime::{
	AccountId, Balance, Hash, RuntimeCall, RuntimeEvent, UncheckedExtrinsic, UNIT,
};
use integritee_stf_primitives::{
	getter::{GetterAnswer, PrivateGetterRequest},
	rpc,
	shielding::{Purpose, ShieldingKeyPair},
	AccountInfoView, TrustedCall, TrustedCallSigned, TrustedGetterSigned,
};
use integritee_test_node::{tempdir, workspace_binary, Node};
use jsonrpsee::{
	core::client::ClientT,
	rpc_params,
	server::{RpcModule, ServerHandle},
	types::ErrorObjectOwned,
};
use polkadot_sdk::{
	pallet_balances,
	sp_core::{crypto::Ss58Codec, ed25519, Pair, H256},
	sp_io::hashing::{blake2_256, sha2_256},
	sp_runtime::MultiSignature,
};

struct Out {
	ok: bool,
	stdout: String,
	stderr: String,
}

fn cli(node: &Node, keystore: &std::path::Path, args: &[&str]) -> Out {
	let output = Command::new(workspace_binary("integritee-cli"))
		.args(["--node-url", &node.ws_url(), "--keystore"])
		.arg(keystore)
		.args(args)
		.output()
		.expect("integritee-cli runs");
	let out = Out {
		ok: output.status.success(),
		stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
		stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
	};
	assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
	out
}

fn ok(out: Out, what: &str) -> String {
	assert!(out.ok, "{what} failed: {}\n{}", out.stderr, out.stdout);
	out.stdout
}

async fn free_balance(client: &ChainClient, who: &AccountId) -> Balance {
	client.account_data(who).await.unwrap().free
}

fn address_of(stdout: &str) -> AccountId {
	let line = stdout.lines().find_map(|l| l.strip_prefix("address:")).expect("address line");
	AccountId::from_ss58check(line.trim()).unwrap()
}

/// The `0x...` block hash at the end of the CLI's "... block 0x..." line.
fn block_hash(stdout: &str) -> Hash {
	let text = stdout
		.split_whitespace()
		.rev()
		.find(|w| w.starts_with("0x") && w.len() == 66)
		.unwrap_or_else(|| panic!("no block hash in {stdout}"));
	Hash::from_slice(&hex::decode(&text[2..]).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn keystore_accounts_transfer_and_shielding_needs_a_worker() {
	let mut node = Node::start("cli-keystore", &["--dev"]);
	let client = node.client().await;
	let dir = tempdir::create("cli-dev-keystore");
	let ks = dir.0.join("keystore");

	let alice_key = address_of(&ok(cli(&node, &ks, &["new-account", "saver"]), "new-account"));
	// Fund the keystore account from //Alice, by name.
	let out =
		ok(cli(&node, &ks, &["transfer", "//Alice", "saver", &(10 * UNIT).to_string()]), "fund");
	assert!(out.contains(&alice_key.to_ss58check()), "{out}");
	assert_eq!(free_balance(&client, &alice_key).await, 10 * UNIT);
	let shown = ok(cli(&node, &ks, &["balance", "saver"]), "balance");
	assert!(shown.starts_with(&(10 * UNIT).to_string()), "{shown}");

	// Spend from it, signed by the keystore key, to another keystore name.
	let other = address_of(&ok(cli(&node, &ks, &["new-account", "other"]), "new-account"));
	ok(cli(&node, &ks, &["transfer", "saver", "other", &(3 * UNIT).to_string()]), "spend");
	assert_eq!(free_balance(&client, &other).await, 3 * UNIT);
	assert!(free_balance(&client, &alice_key).await < 7 * UNIT, "fee paid by the keystore key");

	// Nobody created an arbitrary shard: there is no key to check a worker
	// against, so nothing is encrypted or sent.
	let shard = "42".repeat(32);
	let out = cli(&node, &ks, &["shield-funds", "saver", "other", "100", "--shard", &shard]);
	assert!(!out.ok);
	assert!(
		out.stderr.contains(&format!("shard 0x{shard} is not created on the parent chain yet")),
		"{}",
		out.stderr
	);
	let out = cli(&node, &ks, &["trusted", "--shard", &shard, "balance", "saver"]);
	assert!(out.stderr.contains("is not created on the parent chain yet"), "{}", out.stderr);
}

/// What the stand-in serves, switchable by the test.
struct StandIn {
	shard: H256,
	shielding: ShieldingKeyPair,
	/// Served instead of the real shielding key when set.
	wrong_key: Option<[u8; 32]>,
	enclave: ed25519::Pair,
	/// Sign getter answers with another key.
	bad_signature: bool,
	account: AccountInfoView,
	/// Increase the nonce after every getter (as if each call got executed).
	advance_nonce: bool,
}

/// An RA-TLS certificate of the development platform for an enclave
/// `mr_enclave` binding `binding` (what a worker's core makes).
fn stand_in_certificate(mr_enclave: [u8; 32], binding: [u8; 32]) -> AttestedCertificate {
	let identity = integritee_sgx_sim::EnclaveIdentity {
		mr_enclave,
		mr_signer: [7; 32],
		isv_prod_id: 1,
		isv_svn: 1,
		debug: false,
	};
	let validity = Validity::from_now(integritee_ra_tls::system_now_ms().unwrap(), 3_600_000);
	make_bound_certificate(validity, binding, |report_data| {
		integritee_sgx_sim::dev::dev_platform().quote(&identity, report_data)
	})
	.unwrap()
}

/// Serves the stand-in's RPC over TLS with `certificate` (replaceable).
async fn start_stand_in(
	state: Arc<Mutex<StandIn>>,
	certificate: Arc<RenewableCertificate>,
) -> (ServerHandle, String) {
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("wss://{}", listener.local_addr().unwrap());
	let mut module = RpcModule::new(state);
	module
		.register_method(rpc::GET_SHIELDING_KEY, |_, state, _| {
			let state = state.lock().unwrap();
			let key = state.wrong_key.unwrap_or_else(|| state.shielding.public_key());
			format!("0x{}", hex::encode(key))
		})
		.unwrap();
	module
		.register_method(rpc::EXECUTE_GETTER, |params, state, _| {
			let text: String = params.one()?;
			let bytes = hex::decode(text.trim_start_matches("0x"))
				.map_err(|_| ErrorObjectOwned::owned(-32602, "not hex", None::<()>))?;
			let bad = |what: &str| ErrorObjectOwned::owned(-32602, what.to_string(), None::<()>);
			let request =
				PrivateGetterRequest::decode(&mut &bytes[..]).map_err(|_| bad("bad request"))?;
			let mut state = state.lock().unwrap();
			let plain = state
				.shielding
				.decrypt(Purpose::GetterRequest, &state.shard, &request.ciphertext)
				.map_err(|_| bad("undecryptable"))?;
			let getter =
				TrustedGetterSigned::decode(&mut &plain[..]).map_err(|_| bad("bad getter"))?;
			if !getter.verify_signature(&state.shard) {
				return Err(bad("bad getter signature"));
			}
			let getter_hash = H256(blake2_256(&getter.encode()));
			let value = Some(state.account.encode());
			if state.advance_nonce {
				state.account.nonce += 1;
			}
			let key = if state.bad_signature {
				ed25519::Pair::from_string("//NotTheEnclave", None).unwrap()
			} else {
				state.enclave
			};
			let answer =
				GetterAnswer::sign(getter_hash, value, (1, H256::zero()), (1, H256::zero()), |p| {
					key.sign(p)
				});
			let encrypted = answer.seal(&getter.answer_key, &state.shard).unwrap();
			Ok::<_, ErrorObjectOwned>(format!("0x{}", hex::encode(encrypted)))
		})
		.unwrap();
	let tls = integritee_ra_tls::server_config_one_way(certificate).unwrap();
	(
		integritee_worker::rpc::serve_tls(
			listener,
			tls,
			module.into(),
			integritee_worker::rpc::ConnectionLimits::default(),
		),
		url,
	)
}

/// The `EnclaveBridge::invoke` ciphertext in block `at`.
async fn invoke_ciphertext(client: &ChainClient, at: Hash) -> (H256, Vec<u8>) {
	let block: serde_json::Value =
		client.rpc().request("chain_getBlock", rpc_params![at]).await.unwrap();
	let extrinsics = block.pointer("/block/extrinsics").unwrap().as_array().unwrap();
	extrinsics
		.iter()
		.find_map(|xt| {
			let bytes = hex::decode(xt.as_str().unwrap().trim_start_matches("0x")).unwrap();
			let xt = UncheckedExtrinsic::decode(&mut &bytes[..]).ok()?;
			match xt.function {
				RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke {
					shard,
					ciphertext,
				}) => Some((shard, ciphertext)),
				_ => None,
			}
		})
		.expect("an invoke extrinsic in the block")
}

fn call_hash(stdout: &str) -> String {
	stdout
		.lines()
		.find_map(|l| l.strip_prefix("trusted call "))
		.and_then(|rest| rest.split_whitespace().next())
		.unwrap_or_else(|| panic!("no call hash in {stdout}"))
		.to_string()
}

/// Funds `enclave`'s account from //Alice and registers it with `Skip`
/// (dev chain only) for `proof`'s MRENCLAVE and `shielding_key_hash`,
/// advertising `url`.
async fn register_with_skip(
	client: &ChainClient,
	enclave: &ed25519::Pair,
	proof: &SkippedAttestation,
	shielding_key_hash: [u8; 32],
	url: &str,
) {
	let account: AccountId = enclave.public().into();
	let fund = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: account.into(),
		value: 100 * UNIT,
	});
	client.submit(&dev_pair("//Alice").unwrap(), fund, WaitFor::InBlock).await.unwrap();
	let register = RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
		proof: proof.encode(),
		worker_url: Some(url.as_bytes().to_vec()),
		attestation_method: AttestationMethod::Skip,
		claims: RegistrationClaims {
			shielding_key_hash,
			parentchain_block: (0, client.genesis_hash()),
		},
	});
	submit_as_enclave(client, enclave, register).await;
}

/// Submits `call` signed by the stand-in `enclave`, until it is in a block.
async fn submit_as_enclave(client: &ChainClient, enclave: &ed25519::Pair, call: RuntimeCall) {
	let account: AccountId = enclave.public().into();
	client
		.submit_as(
			&account,
			|payload| MultiSignature::Ed25519(enclave.sign(payload)),
			call,
			WaitFor::InBlock,
		)
		.await
		.expect("the stand-in enclave's extrinsic succeeds");
}

#[tokio::test(flavor = "multi_thread")]
async fn shield_funds_and_trusted_commands_against_a_stand_in_worker() {
	let mut node = Node::start("cli-trusted", &["--dev"]);
	let client = node.client().await;
	let dir = tempdir::create("cli-dev-trusted");
	let ks = dir.0.join("keystore");

	// The stand-in worker's keys and its registration (Skip, dev chain only).
	let enclave = ed25519::Pair::from_string("//StandInEnclave", None).unwrap();
	let enclave_account: AccountId = enclave.public().into();
	let shielding = ShieldingKeyPair::from_seed(&[17; 32]);
	let mr_enclave = [0x5a; 32];
	let shard = H256(mr_enclave); // implicit shard of the enclave build
	let shard_hex = hex::encode(shard.0);
	let state = Arc::new(Mutex::new(StandIn {
		shard,
		shielding,
		wrong_key: None,
		enclave,
		bad_signature: false,
		account: AccountInfoView { free: 42 * UNIT, reserved: 0, nonce: 3 },
		advance_nonce: false,
	}));
	let shielding_key = state.lock().unwrap().shielding.public_key();
	let binding = rpc::tls_binding(&enclave.public().0, &shielding_key);
	let certificate =
		Arc::new(RenewableCertificate::new(&stand_in_certificate(mr_enclave, binding)).unwrap());
	let (_server, url) = start_stand_in(state.clone(), certificate.clone()).await;
	let shielding_key_hash = sha2_256(&shielding_key);

	let alice = dev_pair("//Alice").unwrap();
	let proof = SkippedAttestation { mr_enclave: H256(mr_enclave), mr_signer: [7; 32] };
	register_with_skip(&client, &enclave, &proof, shielding_key_hash, &url).await;
	// Before the shard is created, there is no key to check a worker against.
	let out = cli(&node, &ks, &["trusted", "--shard", &shard_hex, "balance", "//Bob"]);
	assert!(!out.ok);
	assert!(out.stderr.contains("is not created on the parent chain yet"), "{}", out.stderr);
	let create = RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::create_shard {
		shard,
		max_instances: 2,
	});
	submit_as_enclave(&client, &enclave, create).await;

	// list-workers shows it with everything a client needs.
	let listed = ok(cli(&node, &ks, &["list-workers", "--json"]), "list-workers");
	let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
	let entry = &listed["enclaves"][0];
	assert_eq!(entry["signer"], enclave_account.to_ss58check());
	assert_eq!(entry["url"], url);
	assert_eq!(entry["mr_enclave"], hex::encode(mr_enclave));
	assert_eq!(entry["shielding_key_hash"], hex::encode(shielding_key_hash));
	assert_eq!(entry["attestation_method"], "Skip");
	assert!(entry["status"].is_string());
	// ... and the shard it created: its key, its serving member.
	let created = &listed["shards"][0];
	assert_eq!(created["shard"], shard_hex);
	assert_eq!(created["shielding_key_hash"], hex::encode(shielding_key_hash));
	assert_eq!(created["workers"][0]["signer"], enclave_account.to_ss58check());
	assert_eq!(created["workers"][0]["role"], "serving");

	// shield-funds: the event's beneficiary decrypts to Bob's account.
	let bob: AccountId = dev_pair("//Bob").unwrap().public().into();
	// (The vault must end up above the existential deposit.)
	let shield_amount = UNIT.to_string();
	let out = ok(
		cli(
			&node,
			&ks,
			&["shield-funds", "//Alice", "//Bob", &shield_amount, "--shard", &shard_hex],
		),
		"shield-funds",
	);
	let events = client.events(block_hash(&out)).await.unwrap();
	let encrypted = events
		.iter()
		.find_map(|record| match &record.event {
			RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::ShieldFunds {
				shard: s,
				encrypted_beneficiary,
				amount,
				..
			}) if *s == shard && *amount == UNIT => Some(encrypted_beneficiary.clone()),
			_ => None,
		})
		.expect("a ShieldFunds event");
	let plain = state
		.lock()
		.unwrap()
		.shielding
		.decrypt(Purpose::ShieldBeneficiary, &shard, &encrypted)
		.unwrap();
	assert_eq!(AccountId::decode(&mut &plain[..]).unwrap(), bob);

	// Trusted getters, verified against the enclave's signer.
	let out =
		ok(cli(&node, &ks, &["trusted", "--shard", &shard_hex, "balance", "//Bob"]), "balance");
	assert!(out.starts_with(&(42 * UNIT).to_string()), "{out}");
	let out = ok(cli(&node, &ks, &["trusted", "--shard", &shard_hex, "nonce", "//Bob"]), "nonce");
	assert_eq!(out.trim(), "3");

	// trusted transfer: nonce from the worker, MRENCLAVE from the registry.
	let charlie: AccountId = dev_pair("//Charlie").unwrap().public().into();
	let out = ok(
		cli(&node, &ks, &["trusted", "--shard", &shard_hex, "transfer", "//Bob", "//Charlie", "5"]),
		"trusted transfer",
	);
	let (invoked_shard, ciphertext) = invoke_ciphertext(&client, block_hash(&out)).await;
	assert_eq!(invoked_shard, shard);
	let plain =
		state.lock().unwrap().shielding.decrypt(Purpose::TrustedCall, &shard, &ciphertext).unwrap();
	let signed = TrustedCallSigned::decode(&mut &plain[..]).unwrap();
	assert_eq!(
		signed.call,
		TrustedCall::BalanceTransfer { from: bob.clone(), to: charlie, amount: 5 }
	);
	assert_eq!(signed.nonce, 3);
	assert!(signed.verify_signature(&mr_enclave, &shard));
	assert_eq!(call_hash(&out), format!("0x{}", hex::encode(signed.hash().0)));

	// trusted unshield-funds with an explicit nonce, and --wait (the stand-in
	// advances the nonce on every getter, as if it executed the call).
	state.lock().unwrap().advance_nonce = true;
	let out = ok(
		cli(
			&node,
			&ks,
			&[
				"trusted",
				"--shard",
				&shard_hex,
				"unshield-funds",
				"//Bob",
				"//Alice",
				"7",
				"--nonce",
				"9",
				"--wait",
				"--wait-timeout",
				"20",
			],
		),
		"trusted unshield-funds",
	);
	assert!(out.contains("executed by the worker"), "{out}");
	let (_, ciphertext) =
		invoke_ciphertext(&client, block_hash(out.lines().find(|l| l.contains("block")).unwrap()))
			.await;
	let plain =
		state.lock().unwrap().shielding.decrypt(Purpose::TrustedCall, &shard, &ciphertext).unwrap();
	let signed = TrustedCallSigned::decode(&mut &plain[..]).unwrap();
	let alice_account: AccountId = alice.public().into();
	assert_eq!(
		signed.call,
		TrustedCall::BalanceUnshield { from: bob.clone(), beneficiary: alice_account, amount: 7 }
	);
	assert_eq!(signed.nonce, 9);
	assert!(signed.verify_signature(&mr_enclave, &shard));
	state.lock().unwrap().advance_nonce = false;

	// --wait times out clearly when the worker does not execute.
	let out = cli(
		&node,
		&ks,
		&[
			"trusted",
			"--shard",
			&shard_hex,
			"transfer",
			"//Bob",
			"//Charlie",
			"1",
			"--wait",
			"--wait-timeout",
			"2",
		],
	);
	assert!(!out.ok);
	assert!(out.stderr.contains("did not execute the call within 2 s"), "{}", out.stderr);

	// A getter answer signed by another key is refused.
	state.lock().unwrap().bad_signature = true;
	let out = cli(&node, &ks, &["trusted", "--shard", &shard_hex, "balance", "//Bob"]);
	assert!(!out.ok);
	assert!(out.stderr.contains("not signed by the registered enclave signer"), "{}", out.stderr);
	state.lock().unwrap().bad_signature = false;

	// A shielding key that does not match the registered hash is refused, and
	// nothing is submitted.
	state.lock().unwrap().wrong_key = Some(ShieldingKeyPair::from_seed(&[18; 32]).public_key());
	let before = free_balance(&client, &alice.public().into()).await;
	let out = cli(&node, &ks, &["shield-funds", "//Alice", "//Bob", "1000", "--shard", &shard_hex]);
	assert!(!out.ok);
	assert!(out.stderr.contains("does not match the shielding key hash"), "{}", out.stderr);
	assert_eq!(free_balance(&client, &alice.public().into()).await, before);
	let out = cli(
		&node,
		&ks,
		&["trusted", "--shard", &shard_hex, "transfer", "//Bob", "//Charlie", "1", "--nonce", "1"],
	);
	assert!(!out.ok);
	assert!(out.stderr.contains("does not match the shielding key hash"), "{}", out.stderr);
	state.lock().unwrap().wrong_key = None;

	// The worker's RA-TLS certificate is checked before anything is sent;
	// each mismatch names the failed check.
	let refused = |node: &Node, expected: &str| {
		let out = cli(
			node,
			&ks,
			&["trusted", "--shard", &shard_hex, "transfer", "//Bob", "//Charlie", "1", "--direct"],
		);
		assert!(!out.ok, "{}", out.stdout);
		assert!(out.stderr.contains(expected), "expected {expected:?} in: {}", out.stderr);
		assert!(!out.stdout.contains("accepted"), "{}", out.stdout);
	};
	let honest = stand_in_certificate(mr_enclave, binding);
	certificate.replace(&stand_in_certificate([0x77; 32], binding)).unwrap();
	refused(&node, "not allowed");
	certificate.replace(&stand_in_certificate(mr_enclave, [0; 32])).unwrap();
	refused(&node, "binds another signer or shielding key");
	let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
	let plain = rcgen::CertificateParams::new(vec!["ra-tls.invalid".into()])
		.unwrap()
		.self_signed(&key)
		.unwrap();
	let plain = AttestedCertificate {
		cert_der: plain.der().to_vec(),
		private_key_der: key.serialize_der(),
	};
	certificate.replace(&plain).unwrap();
	refused(&node, "no DCAP quote extension");
	// One byte of the quote's report changed (its MRENCLAVE): the quote's
	// signature no longer verifies.
	let mut tampered = honest.clone();
	let at = tampered
		.cert_der
		.windows(32)
		.position(|w| w == mr_enclave)
		.expect("the quote's MRENCLAVE in the certificate");
	tampered.cert_der[at] ^= 1;
	certificate.replace(&tampered).unwrap();
	refused(&node, "DCAP quote refused");
	certificate.replace(&honest).unwrap();
	let out = cli(
		&node,
		&ks,
		&[
			"trusted",
			"--shard",
			&shard_hex,
			"--worker-url",
			&url.replace("wss://", "ws://"),
			"balance",
			"//Bob",
		],
	);
	assert!(!out.ok);
	assert!(out.stderr.contains("is not wss://"), "{}", out.stderr);

	// A second enclave of the same build registers with the shard's key (a
	// standby): not a member, so the CLI keeps routing to the member.
	let second = ed25519::Pair::from_string("//SecondEnclave", None).unwrap();
	register_with_skip(&client, &second, &proof, shielding_key_hash, "ws://127.0.0.1:1").await;
	let out =
		ok(cli(&node, &ks, &["trusted", "--shard", &shard_hex, "balance", "//Bob"]), "balance");
	assert!(out.starts_with(&(42 * UNIT).to_string()), "{out}");
	let listed = ok(cli(&node, &ks, &["list-workers", "--json"]), "list-workers");
	let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
	let second_account: AccountId = second.public().into();
	assert_eq!(listed["shards"][0]["workers"][1]["signer"], second_account.to_ss58check());
	assert_eq!(listed["shards"][0]["workers"][1]["role"], "standby");
	let enclave = state.lock().unwrap().enclave;
	// The member leaves the shard on its own: nobody serves it now, and the
	// CLI never sends users' calls to the standby (it holds no state).
	let leave = RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::leave_shard { shard });
	submit_as_enclave(&client, &enclave, leave).await;
	let out = cli(&node, &ks, &["trusted", "--shard", &shard_hex, "balance", "//Bob"]);
	assert!(!out.ok);
	assert!(out.stderr.contains("no worker is known to serve shard"), "{}", out.stderr);
	// Back as a member (it confirms a block), it is routed to again.
	let confirm = RuntimeCall::EnclaveBridge(
		pallet_enclave_bridge::Call::confirm_processed_parentchain_block {
			shard,
			block_hash: H256::repeat_byte(1),
			block_number: 1,
			calls_root: H256::zero(),
		},
	);
	submit_as_enclave(&client, &enclave, confirm).await;
	let out =
		ok(cli(&node, &ks, &["trusted", "--shard", &shard_hex, "balance", "//Bob"]), "balance");
	assert!(out.starts_with(&(42 * UNIT).to_string()), "{out}");
}

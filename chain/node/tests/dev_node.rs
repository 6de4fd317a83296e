//! End-to-end tests against a real `integritee-node --dev` process: signed
//! extrinsics over JSON-RPC, checked through events, storage, runtime APIs and
//! GRANDPA finality proofs.
#![allow(clippy::unwrap_used)]

use codec::Encode;
use integritee_chain_client::{dev_pair, ChainClient, Error, WaitFor};
use integritee_primitives::{
	AttestationMethod, RegistrationClaims, SgxEnclave, SgxStatus, SidechainBlockConfirmation,
	SkippedAttestation,
};
use integritee_runtime::{AccountId, Balance, Runtime, RuntimeCall, RuntimeEvent, UNIT};
use integritee_test_node::Node;
use jsonrpsee::{
	core::client::{ClientT, SubscriptionClientT},
	rpc_params,
};
use polkadot_sdk::{
	pallet_balances,
	sp_core::{sr25519, Pair, H256},
	sp_runtime::generic::Era,
};

const WORKER_URL: &[u8] = b"wss://127.0.0.1:2000";

fn account(pair: &sr25519::Pair) -> AccountId {
	pair.public().into()
}

async fn free_balance(client: &ChainClient, who: &AccountId) -> Balance {
	client.account_data(who).await.expect("account storage is readable").free
}

async fn transfer(client: &ChainClient, from: &sr25519::Pair, to: &AccountId, value: Balance) {
	let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: to.clone().into(),
		value,
	});
	client.submit(from, call, WaitFor::InBlock).await.expect("transfer succeeds");
}

/// Registration claims naming `block` of the chain, with shielding key hash
/// `shielding_key_hash`.
fn claims(shielding_key_hash: [u8; 32], block: (u32, H256)) -> pallet_teerex::ClaimsOf<Runtime> {
	RegistrationClaims { shielding_key_hash, parentchain_block: block }
}

/// Claims naming the chain's genesis, a block every registry knows.
fn genesis_claims(
	client: &ChainClient,
	shielding_key_hash: [u8; 32],
) -> pallet_teerex::ClaimsOf<Runtime> {
	claims(shielding_key_hash, (0, client.genesis_hash()))
}

fn register_skip_call(client: &ChainClient, mr_enclave: H256) -> RuntimeCall {
	let proof = SkippedAttestation { mr_enclave, mr_signer: [7; 32] };
	RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
		proof: proof.encode(),
		worker_url: Some(WORKER_URL.to_vec()),
		attestation_method: AttestationMethod::Skip,
		claims: genesis_claims(client, [9; 32]),
	})
}

/// A file of the real Intel artifacts in `crates/testdata/sgx`.
use integritee_testdata::sgx as testdata;

/// The error text of a failed dispatch, or a panic if it did not fail that way.
fn dispatch_error(result: Result<integritee_chain_client::Included, Error>) -> String {
	match result {
		Err(Error::DispatchFailed { error, .. }) => error,
		other => panic!("expected a failed dispatch, got {other:?}"),
	}
}

/// Waits until block `number` is finalized.
async fn wait_finalized(client: &ChainClient, number: u32) {
	for _ in 0..120 {
		let (_, finalized) = client.finalized_head().await.expect("finalized head is readable");
		if finalized >= number {
			return;
		}
		tokio::time::sleep(std::time::Duration::from_millis(500)).await;
	}
	panic!("block #{number} was not finalized within 60 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn enclave_registers_and_serves_its_shard_on_the_dev_chain() {
	let mut node = Node::start("registry", &["--dev"]);
	let client = node.client().await;
	let alice = dev_pair("//Alice").unwrap();
	let bob = dev_pair("//Bob").unwrap();
	let enclave = sr25519::Pair::from_seed(&[0x11; 32]);
	let enclave_account = account(&enclave);
	let charlie = account(&dev_pair("//Charlie").unwrap());

	// A fresh enclave account needs funds for its fees.
	transfer(&client, &alice, &enclave_account, 10 * UNIT).await;

	// Register without attestation: allowed by the dev spec only.
	let mr_enclave = H256::repeat_byte(0x42);
	let included = client
		.submit(&enclave, register_skip_call(&client, mr_enclave), WaitFor::InBlock)
		.await
		.expect("registration with Skip succeeds on --dev");
	assert!(included.events.iter().any(|event| matches!(
		event,
		RuntimeEvent::Teerex(pallet_teerex::Event::EnclaveRegistered { signer, mr_enclave: m, .. })
			if *signer == enclave_account && *m == mr_enclave
	)));
	let registration_block = client.header(included.block_hash).await.unwrap().number;

	// Storage holds the record ...
	let key = pallet_teerex::SovereignEnclaves::<Runtime>::hashed_key_for(&enclave_account);
	let stored: pallet_teerex::EnclaveOf<Runtime> =
		client.storage(&key, None).await.unwrap().expect("the enclave is stored");
	assert_eq!(stored.mr_enclave, mr_enclave);
	assert_eq!(stored.status, SgxStatus::Unattested);
	assert_eq!(stored.url.map(|url| url.into_inner()), Some(WORKER_URL.to_vec()));

	// ... and the runtime API lists it.
	let listed: Vec<(AccountId, SgxEnclave<Vec<u8>>)> =
		client.runtime_call("TeerexApi_enclaves", &[]).await.unwrap();
	assert_eq!(listed.len(), 1);
	assert_eq!(listed[0].0, enclave_account);
	assert_eq!(listed[0].1.shielding_key_hash, [9; 32]);

	// Indirect invocation by any account; the shard is the enclave's MRENCLAVE.
	let shard = mr_enclave;
	let invoked = client
		.submit(
			&bob,
			RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke {
				shard,
				ciphertext: vec![1, 2, 3, 4],
			}),
			WaitFor::InBlock,
		)
		.await
		.expect("invoke succeeds");
	assert!(invoked.events.iter().any(|event| matches!(
		event,
		RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::IndirectInvocationRegistered { shard: s, .. })
			if *s == shard
	)));

	// Shielding moves funds into the shard's vault.
	let vault = pallet_enclave_bridge::Pallet::<Runtime>::vault_account(&shard);
	let shielded = client
		.submit(
			&bob,
			RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::shield_funds {
				shard,
				encrypted_beneficiary: vec![5; 64],
				amount: 3 * UNIT,
			}),
			WaitFor::InBlock,
		)
		.await
		.expect("shield succeeds");
	assert!(shielded.events.iter().any(|event| matches!(
		event,
		RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::ShieldFunds { amount, .. })
			if *amount == 3 * UNIT
	)));
	assert_eq!(free_balance(&client, &vault).await, 3 * UNIT);

	// The enclave creates its shard: the chain records the shielding key it
	// registered (funds waiting in the vault of the shard named after its
	// code do not stop it).
	let created = client
		.submit(
			&enclave,
			RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::create_shard {
				shard,
				max_instances: 1,
			}),
			WaitFor::InBlock,
		)
		.await
		.expect("the enclave creates its shard");
	assert!(created.events.iter().any(|event| matches!(
		event,
		RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::ShardCreated { creator, .. })
			if *creator == enclave_account
	)));

	// The enclave confirms a processed parent-chain block.
	let confirmed = client
		.submit(
			&enclave,
			RuntimeCall::EnclaveBridge(
				pallet_enclave_bridge::Call::confirm_processed_parentchain_block {
					shard,
					block_hash: included.block_hash,
					block_number: registration_block,
					calls_root: H256::repeat_byte(0xcc),
				},
			),
			WaitFor::InBlock,
		)
		.await
		.expect("confirmation by the shard's enclave succeeds");
	assert!(confirmed.events.iter().any(|event| matches!(
		event,
		RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::ProcessedParentchainBlock { signer, .. })
			if *signer == enclave_account
	)));

	// Unshielding pays once per call hash, before its expiry, and only on
	// the enclave's word.
	let charlie_before = free_balance(&client, &charlie).await;
	let (_, finalized) = client.finalized_head().await.expect("finalized head");
	let expires_at = finalized + 600;
	let unshield = |call_hash: H256| {
		RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::unshield_funds {
			shard,
			beneficiary: charlie.clone(),
			amount: UNIT,
			call_hash,
			expires_at,
		})
	};
	client
		.submit(&enclave, unshield(H256::repeat_byte(1)), WaitFor::InBlock)
		.await
		.expect("first unshield succeeds");
	assert_eq!(free_balance(&client, &charlie).await, charlie_before + UNIT);
	let error = dispatch_error(
		client.submit(&enclave, unshield(H256::repeat_byte(1)), WaitFor::InBlock).await,
	);
	assert!(error.contains("UnshieldAlreadyExecuted"), "{error}");
	let error =
		dispatch_error(client.submit(&bob, unshield(H256::repeat_byte(2)), WaitFor::InBlock).await);
	assert!(error.contains("EnclaveNotRegistered"), "{error}");
	assert_eq!(free_balance(&client, &charlie).await, charlie_before + UNIT);
	assert_eq!(free_balance(&client, &vault).await, 2 * UNIT);

	// Sidechain confirmations: numbers advance, the ancestor must match.
	let first =
		SidechainBlockConfirmation { block_number: 1, block_header_hash: H256::repeat_byte(1) };
	let second =
		SidechainBlockConfirmation { block_number: 2, block_header_hash: H256::repeat_byte(2) };
	let confirm = |ancestor, candidate| {
		RuntimeCall::Sidechain(pallet_sidechain::Call::confirm_imported_sidechain_block {
			shard,
			ancestor,
			candidate,
		})
	};
	client.submit(&enclave, confirm(None, first), WaitFor::InBlock).await.expect("first block");
	client
		.submit(&enclave, confirm(Some(first), second), WaitFor::InBlock)
		.await
		.expect("second block");
	let error = dispatch_error(
		client
			.submit(
				&enclave,
				confirm(
					Some(first),
					SidechainBlockConfirmation {
						block_number: 3,
						block_header_hash: H256::repeat_byte(3),
					},
				),
				WaitFor::InBlock,
			)
			.await,
	);
	assert!(error.contains("AncestorMismatch"), "{error}");
	let key = pallet_sidechain::LatestSidechainBlockConfirmation::<Runtime>::hashed_key_for(shard);
	let latest: SidechainBlockConfirmation = client.storage(&key, None).await.unwrap().unwrap();
	assert_eq!(latest, second);

	// Workers' light clients need GRANDPA justifications: the finalized head
	// (the registration block or a descendant of it) carries one, and the
	// justification stream delivers new ones.
	wait_finalized(&client, registration_block).await;
	let (finalized_hash, _) = client.finalized_head().await.unwrap();
	let block: serde_json::Value =
		client.rpc().request("chain_getBlock", rpc_params![finalized_hash]).await.unwrap();
	let justifications = block.get("justifications").and_then(|j| j.as_array());
	assert!(
		justifications.is_some_and(|list| !list.is_empty()),
		"the finalized head carries a GRANDPA justification: {block}"
	);
	let mut stream = client
		.rpc()
		.subscribe::<String, _>(
			"grandpa_subscribeJustifications",
			rpc_params![],
			"grandpa_unsubscribeJustifications",
		)
		.await
		.expect("the justification stream is offered");
	let next = tokio::time::timeout(std::time::Duration::from_secs(30), stream.next())
		.await
		.expect("a justification arrives within 30 s");
	assert!(next.is_some_and(|j| j.is_ok_and(|hex| hex.len() > 2)));
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_forged_and_replayed_extrinsics_are_refused() {
	let mut node = Node::start("refusals", &["--dev"]);
	let client = node.client().await;
	let alice = dev_pair("//Alice").unwrap();
	let bob = account(&dev_pair("//Bob").unwrap());

	let submit_raw = |bytes: Vec<u8>| {
		let rpc = client.rpc();
		async move {
			rpc.request::<String, _>(
				"author_submitExtrinsic",
				rpc_params![format!("0x{}", hex::encode(bytes))],
			)
			.await
		}
	};

	// Garbage and truncated SCALE.
	assert!(submit_raw(vec![0xff; 40]).await.is_err(), "garbage is refused");
	let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: bob.clone().into(),
		value: UNIT,
	});
	let nonce = client.next_nonce(&account(&alice)).await.unwrap();
	let genesis = client.genesis_hash();
	let good = client.sign_with(&alice, call.clone(), nonce, Era::Immortal, genesis).encode();
	assert!(submit_raw(good[..good.len() - 3].to_vec()).await.is_err(), "truncated is refused");

	// A signature by another key over Alice's address.
	let mallory = sr25519::Pair::from_seed(&[0x66; 32]);
	let mut forged = client.sign_with(&mallory, call.clone(), nonce, Era::Immortal, genesis);
	forged.preamble = match forged.preamble {
		polkadot_sdk::sp_runtime::generic::Preamble::Signed(_, signature, ext) => {
			polkadot_sdk::sp_runtime::generic::Preamble::Signed(
				polkadot_sdk::sp_runtime::MultiAddress::Id(account(&alice)),
				signature,
				ext,
			)
		}
		other => other,
	};
	let error = submit_raw(forged.encode()).await.expect_err("forged signature is refused");
	assert!(
		error.to_string().contains("bad signature") || error.to_string().contains("BadProof"),
		"{error}"
	);

	// The genuine extrinsic goes in once. The same bytes again are refused
	// (the pool remembers them), and so is any other extrinsic that reuses
	// the spent nonce (the runtime calls it outdated).
	let signed = client.sign_with(&alice, call, nonce, Era::Immortal, genesis);
	client.submit_extrinsic(&signed, WaitFor::InBlock).await.expect("genuine transfer");
	let error = submit_raw(signed.encode()).await.expect_err("replay is refused");
	let text = error.to_string();
	assert!(
		text.contains("Already Imported") || text.contains("banned") || text.contains("outdated"),
		"{text}"
	);
	let other_call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: bob.clone().into(),
		value: 2 * UNIT,
	});
	let reused = client.sign_with(&alice, other_call, nonce, Era::Immortal, genesis);
	let error = submit_raw(reused.encode()).await.expect_err("a spent nonce is refused");
	assert!(error.to_string().contains("outdated"), "{error}");

	// An `invoke` wrapped in another call (here `sudo_as`) would succeed on
	// chain while no worker reads it from the body: the runtime refuses it.
	let wrapped = RuntimeCall::Sudo(polkadot_sdk::pallet_sudo::Call::sudo_as {
		who: bob.clone().into(),
		call: Box::new(RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke {
			shard: H256::repeat_byte(7),
			ciphertext: vec![1; 64],
		})),
	});
	let error = dispatch_error(client.submit(&alice, wrapped, WaitFor::InBlock).await);
	assert!(error.contains("CallFiltered"), "{error}");

	// Oversized proofs are refused with the pallet's own error.
	let oversized = RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
		proof: vec![0; 16 * 1024 + 1],
		worker_url: None,
		attestation_method: AttestationMethod::Skip,
		claims: genesis_claims(&client, [0; 32]),
	});
	let error = dispatch_error(client.submit(&alice, oversized, WaitFor::InBlock).await);
	assert!(error.contains("ProofTooLong"), "{error}");

	// The runtime's attestation verifier (WASM) parses and checks evidence:
	// garbage is malformed; Intel's real IAS certificate and TCB info are
	// genuine but years old at chain time.
	// A quote v3 header followed by garbage is malformed; an unknown quote
	// version is a kind of attestation this runtime does not verify.
	let mut truncated = vec![0x5a; 100];
	truncated[..4].copy_from_slice(&[3, 0, 2, 0]);
	for (proof, expected) in
		[(truncated, "MalformedAttestation"), (vec![3; 100], "AttestationMethodUnsupported")]
	{
		let dcap = RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
			proof,
			worker_url: None,
			attestation_method: AttestationMethod::Dcap,
			claims: genesis_claims(&client, [0; 32]),
		});
		let error = dispatch_error(client.submit(&alice, dcap, WaitFor::InBlock).await);
		assert!(error.contains(expected), "{error}");
	}
	let ias = RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
		proof: testdata("ias/ra_dump_cert_TEST4.der"),
		worker_url: None,
		attestation_method: AttestationMethod::Ias,
		claims: genesis_claims(&client, [0; 32]),
	});
	let error = dispatch_error(client.submit(&alice, ias, WaitFor::InBlock).await);
	assert!(error.contains("AttestationExpired"), "{error}");
	let tcb_file = testdata("dcap/tcb_info.json");
	let (body, signature) = integritee_attestation::dcap::collateral::split_signed_file(&tcb_file)
		.expect("Intel's signed JSON");
	let tcb_info = RuntimeCall::Teerex(pallet_teerex::Call::register_tcb_info {
		tcb_info: body.to_vec(),
		signature: signature.to_vec(),
		certificate_chain: testdata("dcap/tcb_info_issuer_chain.pem"),
	});
	let error = dispatch_error(client.submit(&alice, tcb_info, WaitFor::InBlock).await);
	assert!(error.contains("AttestationExpired"), "{error}");

	// The chain keeps producing blocks after all of this.
	let (_, before) = client.finalized_head().await.unwrap();
	wait_finalized(&client, before + 2).await;
}

/// A DCAP registration call carrying a quote of `platform` for `enclave`,
/// binding `signer` (report_data[0..32]) and `claims` (report_data[32..64]).
fn register_dcap_call(
	platform: &integritee_sgx_sim::SimulatedPlatform,
	enclave: &integritee_sgx_sim::EnclaveIdentity,
	signer: &AccountId,
	claims: pallet_teerex::ClaimsOf<Runtime>,
) -> RuntimeCall {
	let mut report_data = [0u8; 64];
	report_data[..32].copy_from_slice(signer.as_ref());
	report_data[32..].copy_from_slice(&claims.report_binding());
	let quote = platform.quote(enclave, report_data).expect("simulated quote");
	RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
		proof: quote,
		worker_url: Some(WORKER_URL.to_vec()),
		attestation_method: AttestationMethod::Dcap,
		claims,
	})
}

#[tokio::test(flavor = "multi_thread")]
async fn simulated_enclave_registers_with_dcap_on_the_dev_chain() {
	let mut node = Node::start("dcap", &["--dev"]);
	let client = node.client().await;
	let alice = dev_pair("//Alice").unwrap();
	let enclave_key = sr25519::Pair::from_seed(&[0x21; 32]);
	let enclave_account = account(&enclave_key);
	transfer(&client, &alice, &enclave_account, 10 * UNIT).await;

	// The dev chain spec pins the development platform's root and carries
	// its collateral from genesis: a fresh quote registers at once.
	let platform = integritee_sgx_sim::dev::dev_platform();
	let identity = integritee_sgx_sim::EnclaveIdentity {
		mr_enclave: [0x61; 32],
		mr_signer: [0x62; 32],
		isv_prod_id: 1,
		isv_svn: 2,
		debug: false,
	};
	// An enclave whose light client follows another chain names a block
	// this chain does not have: refused, although its quote is good.
	let fabricated = claims([0x5a; 32], (1, H256::repeat_byte(0xfa)));
	let error = dispatch_error(
		client
			.submit(
				&enclave_key,
				register_dcap_call(&platform, &identity, &enclave_account, fabricated),
				WaitFor::InBlock,
			)
			.await,
	);
	assert!(error.contains("UnknownParentchainBlock"), "{error}");
	// A recent finalized block of this chain, as an enclave's light client
	// has it.
	let (finalized, number) = client.finalized_head().await.unwrap();
	client
		.submit(
			&enclave_key,
			register_dcap_call(
				&platform,
				&identity,
				&enclave_account,
				claims([0x5a; 32], (number, finalized)),
			),
			WaitFor::InBlock,
		)
		.await
		.expect("a quote of the development platform registers on --dev");
	let key = pallet_teerex::SovereignEnclaves::<Runtime>::hashed_key_for(&enclave_account);
	let stored: pallet_teerex::EnclaveOf<Runtime> =
		client.storage(&key, None).await.unwrap().expect("the enclave is stored");
	assert_eq!(stored.mr_enclave, H256([0x61; 32]));
	assert_eq!(stored.mr_signer, [0x62; 32]);
	assert_eq!(stored.shielding_key_hash, [0x5a; 32]);
	assert_eq!(stored.status, SgxStatus::UpToDate);
	assert_eq!(stored.build_mode, integritee_primitives::SgxBuildMode::Production);
	assert_eq!(stored.attestation_method, AttestationMethod::Dcap);

	// A quote binding another key is refused for this sender.
	let other = account(&sr25519::Pair::from_seed(&[0x22; 32]));
	let error = dispatch_error(
		client
			.submit(
				&enclave_key,
				register_dcap_call(
					&platform,
					&identity,
					&other,
					genesis_claims(&client, [0x5a; 32]),
				),
				WaitFor::InBlock,
			)
			.await,
	);
	assert!(error.contains("SenderIsNotAttestedEnclave"), "{error}");

	// A platform with another seed chains to a root the chain does not pin.
	let foreign = integritee_sgx_sim::SimulatedPlatform::from_seed([0x99; 32]);
	let error = dispatch_error(
		client
			.submit(
				&enclave_key,
				register_dcap_call(
					&foreign,
					&identity,
					&enclave_account,
					genesis_claims(&client, [0x5a; 32]),
				),
				WaitFor::InBlock,
			)
			.await,
	);
	assert!(error.contains("AttestationSignatureInvalid"), "{error}");
}

/// `(milliseconds, extrinsics)` of every block this node authored, from its
/// log lines "Prepared block for proposing at N (T ms) ...; extrinsics_count: E".
fn authored_blocks(log: &str) -> Vec<(u64, u64)> {
	log.lines()
		.filter(|line| line.contains("Prepared block for proposing at"))
		.filter_map(|line| {
			let ms = line.split('(').nth(1)?.split(" ms)").next()?.trim().parse().ok()?;
			let count = line.rsplit("extrinsics_count: ").next()?.trim().parse().ok()?;
			Some((ms, count))
		})
		.collect()
}

/// Benchmark, not a check: prints how long the runtime (WASM) takes to author a
/// block of DCAP registrations (each verifying a simulated quote), next to a
/// block of balance transfers. Run with
/// `cargo test --release -p integritee-node --test dev_node -- --ignored --nocapture dcap_registration_cost`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: prints figures, asserts nothing about time"]
async fn dcap_registration_cost_in_the_runtime() {
	const ENCLAVES: u8 = 24;
	let mut node = Node::start("dcap-bench", &["--dev"]);
	let client = node.client().await;
	let funders: Vec<sr25519::Pair> =
		["//Alice", "//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie"]
			.iter()
			.map(|suri| dev_pair(suri).unwrap())
			.collect();
	let enclaves: Vec<sr25519::Pair> =
		(0..ENCLAVES).map(|i| sr25519::Pair::from_seed(&[0x80 + i; 32])).collect();

	// Fund the enclaves: each funder pays its share, funders in parallel, so
	// blocks of transfers are authored too (the baseline).
	let per_funder = enclaves.len().div_ceil(funders.len());
	futures::future::join_all(funders.iter().zip(enclaves.chunks(per_funder)).map(
		|(funder, chunk)| {
			let client = &client;
			async move {
				for enclave in chunk {
					transfer(client, funder, &account(enclave), 10 * UNIT).await;
				}
			}
		},
	))
	.await;

	let platform = integritee_sgx_sim::dev::dev_platform();
	let identity =
		integritee_sgx_sim::EnclaveIdentity { mr_enclave: [0x71; 32], ..Default::default() };
	let calls: Vec<RuntimeCall> = enclaves
		.iter()
		.map(|key| {
			register_dcap_call(
				&platform,
				&identity,
				&account(key),
				genesis_claims(&client, [0x5a; 32]),
			)
		})
		.collect();
	let before = authored_blocks(&node.log()).len();
	let results = futures::future::join_all(
		enclaves.iter().zip(calls).map(|(key, call)| client.submit(key, call, WaitFor::InBlock)),
	)
	.await;
	assert!(results.iter().all(Result::is_ok), "every registration succeeds");
	wait_finalized(&client, client.finalized_head().await.unwrap().1 + 2).await;

	let blocks = authored_blocks(&node.log());
	let (funding, registering) = blocks.split_at(before);
	let busiest = |blocks: &[(u64, u64)]| blocks.iter().copied().max_by_key(|(_, count)| *count);
	let empty_ms = blocks.iter().filter(|(_, count)| *count <= 1).map(|(ms, _)| *ms).min();
	println!("blocks authored: {} (log: {})", blocks.len(), node.log_path().display());
	println!("empty block (inherents only): {:?} ms", empty_ms);
	if let Some((ms, count)) = busiest(funding) {
		println!("busiest transfer block: {count} extrinsics in {ms} ms");
	}
	if let Some((ms, count)) = busiest(registering) {
		let per = ms.saturating_sub(empty_ms.unwrap_or(0)) as f64 / (count.max(2) - 1) as f64;
		println!(
			"busiest DCAP registration block: {count} extrinsics in {ms} ms, about {per:.1} ms per registration"
		);
	}
}

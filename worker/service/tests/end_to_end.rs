//! End to end against a real `integritee-node --dev` and real
//! `integritee-worker` processes, driven by the real `integritee-cli`:
//! shield -> trusted transfer -> unshield, with balances checked on both
//! sides, the worker killed with SIGKILL between steps, a malformed invoke, a
//! replayed trusted call, and a second payout of one unshield signed by a
//! copy of the trusted core (refused on chain, never refunded). Every call
//! executes in a sidechain block committed through Raft; the sidechain is
//! anchored on the parent chain and its latest header is served signed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
	path::PathBuf,
	process::{Child, Command, Stdio},
	sync::{Arc, RwLock},
	time::{Duration, Instant},
};

use codec::{Decode, Encode};
use integritee_chain_client::{dev_pair, ChainClient, WaitFor};
use integritee_enclave::{
	platform::{measure_file, SimulatedTee},
	sidechain::SidechainHeader,
	BlockLimits, Enclave, EnclaveCall, EnclaveConfig, Error as CoreError, SigningRefused,
};
use integritee_primitives::SidechainBlockConfirmation;
use integritee_runtime::{AccountId, Balance, Runtime, RuntimeCall, RuntimeEvent, UNIT};
use integritee_stf_primitives::{
	direct::{CallStatus, DirectCall, DirectOutcome},
	getter::{GetterAnswer, PrivateGetterRequest},
	outcome::FailReason,
	rpc as names,
	rpc::WorkerHealth,
	shielding, AccountInfoView, ShardIdentifier, TrustedCall, TrustedGetter, TrustedGetterSigned,
};
use integritee_test_node::{free_port, ra_tls::worker_client, tempdir, workspace_binary, Node};
use integritee_worker::{
	lock,
	sync::{import_next_chunk, Step},
	SharedEnclave,
};
use jsonrpsee::{
	core::client::{ClientT, SubscriptionClientT},
	rpc_params,
	ws_client::WsClient,
};
use polkadot_sdk::{
	sp_core::{ed25519, sr25519, Pair, H256},
	sp_runtime::MultiSignature,
};

/// MRENCLAVE of the workspace's worker binary (the simulated TEE measures
/// the executable).
fn worker_mr_enclave() -> [u8; 32] {
	measure_file(&workspace_binary("integritee-worker")).unwrap()
}

/// A worker process; killed (SIGKILL) and reaped when dropped.
struct Worker {
	child: Option<Child>,
	data_dir: PathBuf,
	log_path: PathBuf,
	rpc_port: u16,
	peer_port: u16,
	node_url: String,
	extra: Vec<String>,
	/// The worker executable (the workspace's, or another build).
	binary: PathBuf,
}

impl Worker {
	/// Starts a worker that anchors its sidechain every 2 s.
	fn start(node_url: &str, data_dir: PathBuf, rpc_port: u16, log_name: &str) -> Worker {
		Self::start_with(
			node_url,
			data_dir,
			rpc_port,
			log_name,
			&["--anchor-every-secs".into(), "2".into()],
		)
	}

	/// Starts a worker with `extra` command-line arguments.
	fn start_with(
		node_url: &str,
		data_dir: PathBuf,
		rpc_port: u16,
		log_name: &str,
		extra: &[String],
	) -> Worker {
		let log_path = data_dir.with_file_name(format!("{log_name}.log"));
		let mut worker = Worker {
			child: None,
			data_dir,
			log_path,
			rpc_port,
			peer_port: free_port(),
			node_url: node_url.to_string(),
			extra: extra.to_vec(),
			binary: workspace_binary("integritee-worker"),
		};
		worker.spawn();
		worker
	}

	fn spawn(&mut self) {
		let log =
			std::fs::OpenOptions::new().create(true).append(true).open(&self.log_path).unwrap();
		let child = Command::new(&self.binary)
			.args(["--node-url", &self.node_url, "--rpc-port", &self.rpc_port.to_string()])
			.args(["--peer-port", &self.peer_port.to_string()])
			.arg("--data-dir")
			.arg(&self.data_dir)
			.args(&self.extra)
			.env("RUST_LOG", "info")
			.stdout(Stdio::null())
			.stderr(log)
			.spawn()
			.expect("integritee-worker starts");
		self.child = Some(child);
	}

	fn kill9(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill(); // SIGKILL
			let _ = child.wait();
		}
	}

	fn url(&self) -> String {
		format!("wss://127.0.0.1:{}", self.rpc_port)
	}

	fn log(&self) -> String {
		std::fs::read_to_string(&self.log_path).unwrap_or_default()
	}

	async fn rpc(&mut self) -> WsClient {
		let deadline = Instant::now() + Duration::from_secs(120);
		loop {
			if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
				panic!("worker exited ({status}); log:\n{}", self.log());
			}
			if let Ok((client, _)) = worker_client(&self.url(), worker_mr_enclave()).await {
				return client;
			}
			assert!(Instant::now() < deadline, "worker RPC not up; log:\n{}", self.log());
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	/// Waits until the worker's state includes parent block `number`.
	async fn wait_processed(&mut self, number: u32) -> WorkerHealth {
		let deadline = Instant::now() + Duration::from_secs(180);
		loop {
			let rpc = self.rpc().await;
			if let Ok(health) =
				rpc.request::<WorkerHealth, _>(names::SYSTEM_HEALTH, rpc_params![]).await
			{
				if health.last_processed_block >= number {
					return health;
				}
			}
			assert!(
				Instant::now() < deadline,
				"worker did not reach block {number}; log:\n{}",
				self.log()
			);
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}
}

impl Drop for Worker {
	fn drop(&mut self) {
		self.kill9();
		if std::thread::panicking() {
			eprintln!("---- worker log ----\n{}", self.log());
		}
	}
}

struct CliRun {
	ok: bool,
	stdout: String,
	stderr: String,
}

fn cli(node_url: &str, args: &[&str]) -> CliRun {
	let output = Command::new(workspace_binary("integritee-cli"))
		.args(["--node-url", node_url])
		.args(args)
		.output()
		.expect("integritee-cli runs");
	CliRun {
		ok: output.status.success(),
		stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
		stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
	}
}

fn cli_ok(node_url: &str, args: &[&str]) -> String {
	let run = cli(node_url, args);
	assert!(run.ok, "integritee-cli {args:?} failed:\n{}\n{}", run.stdout, run.stderr);
	run.stdout
}

/// The registered enclave whose MRENCLAVE is the (implicit) shard
/// `shard_hex`, and its attestation method, as `list-workers` shows them.
fn registered_enclave(node_url: &str, shard_hex: &str) -> (AccountId, String) {
	let workers = cli_ok(node_url, &["list-workers", "--json"]);
	let listed: serde_json::Value = serde_json::from_str(&workers).unwrap();
	let entry = listed["enclaves"]
		.as_array()
		.unwrap()
		.iter()
		.find(|w| {
			w["mr_enclave"].as_str().map(|m| m.trim_start_matches("0x")) == Some(&shard_hex[2..])
		})
		.unwrap_or_else(|| panic!("the worker is registered: {workers}"));
	let signer_ss58 = entry["signer"].as_str().unwrap();
	let signer = polkadot_sdk::sp_core::crypto::Ss58Codec::from_ss58check(signer_ss58).unwrap();
	(signer, entry["attestation_method"].as_str().unwrap_or_default().to_string())
}

fn account(suri: &str) -> AccountId {
	dev_pair(suri).unwrap().public().into()
}

/// The account's confidential state, read with a private getter signed by
/// its owner and an answer checked against the enclave's key.
async fn trusted_account(
	rpc: &WsClient,
	shard: ShardIdentifier,
	owner: &sr25519::Pair,
	enclave: &ed25519::Public,
) -> AccountInfoView {
	let answer = private_getter(rpc, shard, owner, None).await.expect("getter answered");
	assert!(answer.verify(enclave), "the answer is signed by the enclave");
	answer.value.map(|v| AccountInfoView::decode(&mut &v[..]).unwrap()).unwrap_or_default()
}

/// `owner`'s account info through a private getter (encrypted both ways).
async fn private_getter(
	rpc: &WsClient,
	shard: ShardIdentifier,
	owner: &sr25519::Pair,
	min_block: Option<u64>,
) -> Result<GetterAnswer, jsonrpsee::core::ClientError> {
	let key: String = rpc.request(names::GET_SHIELDING_KEY, rpc_params![]).await?;
	let (request, sent) = PrivateGetterRequest::new(
		TrustedGetter::AccountInfo(owner.public().into()),
		shard,
		now_ms(),
		min_block,
		&hex::decode(&key[2..]).unwrap(),
		|payload| MultiSignature::Sr25519(owner.sign(payload)),
	)
	.unwrap();
	let text: String = rpc
		.request(names::EXECUTE_GETTER, rpc_params![format!("0x{}", hex::encode(request.encode()))])
		.await?;
	let encrypted = hex::decode(&text[2..]).unwrap();
	Ok(GetterAnswer::open(&encrypted, &sent.answer_key, &shard).expect("the answer opens"))
}

fn now_ms() -> u64 {
	std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

async fn parent_free(client: &ChainClient, who: &AccountId) -> Balance {
	let data = client.account_data(who).await.unwrap();
	data.free + data.reserved
}

async fn best_number(client: &ChainClient) -> u32 {
	client.header(client.finalized_head().await.unwrap().0).await.unwrap().number
}

/// Waits until a fresh parent block is finalized and the worker imported it,
/// so that everything submitted before is in the worker's state.
async fn settle(client: &ChainClient, worker: &mut Worker) {
	let target = best_number(client).await + 3;
	let deadline = Instant::now() + Duration::from_secs(60);
	while best_number(client).await < target {
		assert!(Instant::now() < deadline, "finality stalled");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	worker.wait_processed(target).await;
}

/// The calls of the extrinsics of block `number` that decode as this
/// runtime's.
async fn block_calls(client: &ChainClient, number: u32) -> Vec<RuntimeCall> {
	let hash: H256 = client.rpc().request("chain_getBlockHash", rpc_params![number]).await.unwrap();
	let block: serde_json::Value =
		client.rpc().request("chain_getBlock", rpc_params![hash]).await.unwrap();
	block["block"]["extrinsics"]
		.as_array()
		.unwrap()
		.iter()
		.filter_map(|xt| {
			let bytes = hex::decode(&xt.as_str().unwrap()[2..]).unwrap();
			integritee_runtime::UncheckedExtrinsic::decode(&mut &bytes[..]).ok()
		})
		.map(|xt| xt.function)
		.collect()
}

/// The call hash and the block of a `trusted` command's output ("trusted
/// call 0x.. (nonce n)", "submitted in block 0x..").
fn submitted(stdout: &str) -> (H256, H256) {
	let hex_after = |prefix: &str| {
		let line = stdout
			.lines()
			.find_map(|l| l.strip_prefix(prefix))
			.unwrap_or_else(|| panic!("no `{prefix}` in {stdout}"));
		let hex = line.split_whitespace().next().unwrap().trim_start_matches("0x");
		H256::from_slice(&hex::decode(hex).unwrap())
	};
	(hex_after("trusted call "), hex_after("submitted in block "))
}

/// A copy of the worker's trusted core, opened on `data_dir` (a copy of the
/// worker's) with the worker binary's measurement, synced through the host's
/// own sync step up to at least parent block `number`, and the queued inputs
/// executed in sidechain blocks of its own.
async fn core_at(client: &ChainClient, data_dir: &std::path::Path, number: u32) -> SharedEnclave {
	let measurement = measure_file(&workspace_binary("integritee-worker")).unwrap();
	let config = EnclaveConfig { data_dir: data_dir.to_path_buf(), shard: None, max_instances: 1 };
	let (core, _) = Enclave::open(Arc::new(SimulatedTee::new(measurement)), config).unwrap();
	let core: SharedEnclave = Arc::new(RwLock::new(core));
	let deadline = Instant::now() + Duration::from_secs(120);
	while lock(&core).light_client_head().unwrap().0 < number {
		assert!(Instant::now() < deadline, "the copy did not reach block {number}");
		let finalized = client.finalized_head().await.unwrap().1;
		match import_next_chunk(client, &core, finalized, 256).await.unwrap() {
			Step::Imported { .. } => {}
			Step::UpToDate { .. } | Step::NoJustification { .. } => {
				tokio::time::sleep(Duration::from_millis(500)).await
			}
		}
	}
	{
		let mut copy = lock(&core);
		// Until nothing is queued, or the copy sees that the chain anchors
		// past it (a rollback: it stops producing).
		loop {
			match copy.propose_block(1, BlockLimits::default(), false, 0) {
				Ok(Some(block)) => {
					copy.commit_block(&block).unwrap();
				}
				Ok(None) | Err(CoreError::Rollback(_)) => break,
				Err(e) => panic!("the copy cannot produce: {e}"),
			}
		}
	}
	core
}

/// The shard's latest sidechain anchor on the parent chain.
async fn anchored(
	client: &ChainClient,
	shard: ShardIdentifier,
) -> Option<SidechainBlockConfirmation> {
	let key = pallet_sidechain::LatestSidechainBlockConfirmation::<Runtime>::hashed_key_for(shard);
	client.storage(&key, None).await.unwrap()
}

/// Counts the `unshield_funds` extrinsics for `shard` in finalized blocks.
async fn unshield_requests(client: &ChainClient, shard: ShardIdentifier) -> usize {
	let (_, finalized) = client.finalized_head().await.unwrap();
	let mut count = 0;
	for number in 1..=finalized {
		count += block_calls(client, number)
			.await
			.iter()
			.filter(|call| {
				matches!(call, RuntimeCall::EnclaveBridge(
					pallet_enclave_bridge::Call::unshield_funds { shard: s, .. }) if *s == shard)
			})
			.count();
	}
	count
}

/// Counts `UnshieldedFunds` events of the shard in blocks 1..=finalized.
async fn unshield_payouts(client: &ChainClient, shard: ShardIdentifier) -> usize {
	let (_, finalized) = client.finalized_head().await.unwrap();
	let mut count = 0;
	for number in 1..=finalized {
		let hash: H256 =
			client.rpc().request("chain_getBlockHash", rpc_params![number]).await.unwrap();
		for record in client.events(hash).await.unwrap() {
			if let RuntimeEvent::EnclaveBridge(pallet_enclave_bridge::Event::UnshieldedFunds {
				shard: s,
				..
			}) = record.event
			{
				if s == shard {
					count += 1;
				}
			}
		}
	}
	count
}

#[tokio::test(flavor = "multi_thread")]
async fn shield_transfer_unshield_survive_kill9_and_bad_input() {
	let mut node = Node::start("e2e", &["--dev"]);
	let client = node.client().await;
	let node_url = node.ws_url();
	let dir = tempdir::create("worker");
	let mut worker = Worker::start(&node_url, dir.0.join("data"), free_port(), "worker");

	// Registered with DCAP, serving the shard named after its MRENCLAVE.
	let rpc = worker.rpc().await;
	let shard_hex: String = rpc.request(names::GET_SHARD, rpc_params![]).await.unwrap();
	let fingerprint: String = rpc.request(names::GET_FINGERPRINT, rpc_params![]).await.unwrap();
	assert_eq!(shard_hex, fingerprint, "default shard = MRENCLAVE");
	let shard = H256::from_slice(&hex::decode(&shard_hex[2..]).unwrap());
	worker.wait_processed(2).await;
	let (enclave_account, method) = registered_enclave(&node_url, &shard_hex);
	assert_eq!(method, "Dcap");
	let enclave_key = ed25519::Public::from_raw(*enclave_account.as_ref());
	let vault = pallet_enclave_bridge::Pallet::<Runtime>::vault_account(&shard);

	// 1. Shield 100 UNIT from Alice for Bob.
	let (bob, charlie) = (dev_pair("//Bob").unwrap(), dev_pair("//Charlie").unwrap());
	cli_ok(
		&node_url,
		&["shield-funds", "//Alice", "//Bob", &(100 * UNIT).to_string(), "--shard", &shard_hex],
	);
	settle(&client, &mut worker).await;
	let rpc = worker.rpc().await;
	assert_eq!(trusted_account(&rpc, shard, &bob, &enclave_key).await.free, 100 * UNIT);
	assert_eq!(parent_free(&client, &vault).await, 100 * UNIT);

	// kill -9 and restart: the shielded funds are still there, not twice.
	worker.kill9();
	worker.spawn();
	settle(&client, &mut worker).await;
	let rpc = worker.rpc().await;
	assert_eq!(trusted_account(&rpc, shard, &bob, &enclave_key).await.free, 100 * UNIT);

	// 2. Trusted transfer Bob -> Charlie, sent indirectly through the chain.
	cli_ok(
		&node_url,
		&[
			"trusted",
			"--shard",
			&shard_hex,
			"transfer",
			"//Bob",
			"//Charlie",
			&(40 * UNIT).to_string(),
		],
	);
	settle(&client, &mut worker).await;
	let rpc = worker.rpc().await;
	let bob_info = trusted_account(&rpc, shard, &bob, &enclave_key).await;
	assert_eq!(bob_info.free, 60 * UNIT);
	assert_eq!(bob_info.nonce, 1);
	assert_eq!(trusted_account(&rpc, shard, &charlie, &enclave_key).await.free, 40 * UNIT);
	let balance_out =
		cli_ok(&node_url, &["trusted", "--shard", &shard_hex, "balance", "//Charlie"]);
	assert!(balance_out.contains(&(40 * UNIT).to_string()), "CLI shows the balance: {balance_out}");

	// 3. A malformed invoke and a replayed trusted call change nothing.
	let alice = dev_pair("//Alice").unwrap();
	let garbage = RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke {
		shard,
		ciphertext: vec![0x42; 200],
	});
	client.submit(&alice, garbage, WaitFor::InBlock).await.unwrap();
	let replay = latest_invoke(&client, shard).await.expect("the transfer's invoke is on chain");
	client
		.submit(
			&alice,
			RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke {
				shard,
				ciphertext: replay,
			}),
			WaitFor::InBlock,
		)
		.await
		.unwrap();
	settle(&client, &mut worker).await;
	let rpc = worker.rpc().await;
	assert_eq!(trusted_account(&rpc, shard, &bob, &enclave_key).await, bob_info);
	assert_eq!(trusted_account(&rpc, shard, &charlie, &enclave_key).await.free, 40 * UNIT);

	// 4. Unshield 30 of Charlie's to Dave on the parent chain. Right after
	// the request the worker is killed, so the payout happens across a
	// restart. Meanwhile the host (this test: the simulated TEE protects
	// nothing) runs a copy of the trusted core on a copy of the data
	// directory and, once the worker has paid, asks it for a second
	// `unshield_funds` for the same call hash from its older view. The copy
	// refuses (its block is not anchored in its view; later it sees the
	// payout); the user is paid exactly once and never refunded.
	let dave = account("//Dave");
	let dave_before = parent_free(&client, &dave).await;
	let out = cli_ok(
		&node_url,
		&[
			"trusted",
			"--shard",
			&shard_hex,
			"unshield-funds",
			"//Charlie",
			"//Dave",
			&(30 * UNIT).to_string(),
		],
	);
	worker.kill9();
	let (call_hash, request_block) = submitted(&out);
	let request_number = client.header(request_block).await.unwrap().number;
	let copy = dir.0.join("hostile-copy");
	integritee_test_node::copy_dir(&worker.data_dir, &copy);
	let second_core = core_at(&client, &copy, request_number).await;
	worker.spawn();
	let deadline = Instant::now() + Duration::from_secs(120);
	while parent_free(&client, &dave).await == dave_before {
		assert!(Instant::now() < deadline, "the unshield was not paid");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	let params = client.mortal_params(&enclave_account).await.unwrap();
	let refused = lock(&second_core)
		.sign_extrinsic(EnclaveCall::Unshield { call_hash }, params)
		.expect_err("the copy's block with the request is not anchored in its view");
	assert!(
		matches!(refused, CoreError::Refused(SigningRefused::NotYetAnchored { .. })),
		"{refused}"
	);
	// Fed the chain up to now, the copy sees the payout (or a fork): still
	// nothing to sign. (The pallet's refusal of a second payout of one call
	// hash is tested in the pallet and on the dev node.)
	drop(second_core);
	let finalized = client.finalized_head().await.unwrap().1;
	let second_core = core_at(&client, &copy, finalized).await;
	let refused = lock(&second_core)
		.sign_extrinsic(EnclaveCall::Unshield { call_hash }, params)
		.expect_err("paid on chain: the copy signs no second payout");
	eprintln!("the copy refuses a second payout: {refused}");
	settle(&client, &mut worker).await;
	let requests = unshield_requests(&client, shard).await;
	assert!(requests >= 1, "{requests} unshield_funds extrinsics for the one request");
	let rpc = worker.rpc().await;
	let after_race = trusted_account(&rpc, shard, &charlie, &enclave_key).await;
	assert_eq!(
		(after_race.free, after_race.reserved),
		(10 * UNIT, 0),
		"burnt once, never refunded"
	);
	// Another restart must not pay again.
	worker.kill9();
	worker.spawn();
	settle(&client, &mut worker).await;
	settle(&client, &mut worker).await;
	assert_eq!(parent_free(&client, &dave).await, dave_before + 30 * UNIT, "paid exactly once");
	assert_eq!(unshield_payouts(&client, shard).await, 1);
	let rpc = worker.rpc().await;
	let charlie_info = trusted_account(&rpc, shard, &charlie, &enclave_key).await;
	assert_eq!((charlie_info.free, charlie_info.reserved), (10 * UNIT, 0));
	assert_eq!(parent_free(&client, &vault).await, 70 * UNIT, "vault = confidential issuance");
	let health: WorkerHealth = rpc.request(names::SYSTEM_HEALTH, rpc_params![]).await.unwrap();
	assert!(health.healthy, "{health:?}");
	assert!(health.sidechain.block_number >= 1, "{health:?}");
	assert_eq!(health.sidechain.raft_role, "leader");
	// Queued parent blocks are taken by the next sidechain block at once.
	let deadline = Instant::now() + Duration::from_secs(30);
	loop {
		let health: WorkerHealth = rpc.request(names::SYSTEM_HEALTH, rpc_params![]).await.unwrap();
		if health.sidechain.queued_parent_blocks == 0 {
			break;
		}
		assert!(Instant::now() < deadline, "inputs stay queued: {health:?}");
		tokio::time::sleep(Duration::from_millis(100)).await;
	}

	// 5. The sidechain: its latest header (signed by the enclave, no body)
	// and its anchor on the parent chain, which advances.
	let header: Option<String> = rpc.request(names::CHAIN_GET_HEADER, rpc_params![]).await.unwrap();
	let bytes = hex::decode(header.expect("a committed block").trim_start_matches("0x")).unwrap();
	let (header, signature) =
		<(SidechainHeader, ed25519::Signature)>::decode(&mut &bytes[..]).unwrap();
	assert_eq!((header.shard, header.author), (shard, enclave_key));
	assert!(ed25519::Pair::verify(&signature, header.signing_payload(), &enclave_key));
	let printed = cli_ok(&node_url, &["trusted", "--shard", &shard_hex, "get-sidechain-header"]);
	assert!(printed.contains("state root after"), "{printed}");
	let deadline = Instant::now() + Duration::from_secs(120);
	let first_anchor = loop {
		if let Some(anchor) = anchored(&client, shard).await {
			break anchor;
		}
		assert!(Instant::now() < deadline, "no sidechain anchor on chain; log:\n{}", worker.log());
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	while anchored(&client, shard).await == Some(first_anchor) {
		assert!(Instant::now() < deadline, "the anchor does not advance; log:\n{}", worker.log());
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	// A getter issued long ago (a replay) is refused.
	let key: String = rpc.request(names::GET_SHIELDING_KEY, rpc_params![]).await.unwrap();
	let (request, _) = PrivateGetterRequest::new(
		TrustedGetter::AccountInfo(charlie.public().into()),
		shard,
		now_ms() - 3_600_000,
		None,
		&hex::decode(&key[2..]).unwrap(),
		|payload| MultiSignature::Sr25519(charlie.sign(payload)),
	)
	.unwrap();
	let refused = rpc
		.request::<String, _>(
			names::EXECUTE_GETTER,
			rpc_params![format!("0x{}", hex::encode(request.encode()))],
		)
		.await;
	assert_eq!(error_code(refused), -32602, "a stale getter is refused");
	// A plain (unencrypted) getter is not a request.
	let plain = TrustedGetterSigned::new(
		TrustedGetter::AccountInfo(charlie.public().into()),
		&shard,
		now_ms(),
		[0; 32],
		None,
		|payload| MultiSignature::Sr25519(charlie.sign(payload)),
	);
	let refused = rpc
		.request::<String, _>(
			names::EXECUTE_GETTER,
			rpc_params![format!("0x{}", hex::encode(plain.encode()))],
		)
		.await;
	assert_eq!(error_code(refused), -32602, "getters travel encrypted");
	assert!(health.simulated_tee);
	let _ = &mut node;
}

/// The ciphertext of the latest successful `invoke` for `shard`.
async fn latest_invoke(client: &ChainClient, shard: ShardIdentifier) -> Option<Vec<u8>> {
	let (_, finalized) = client.finalized_head().await.unwrap();
	let best: serde_json::Value =
		client.rpc().request("chain_getHeader", rpc_params![]).await.unwrap();
	let best =
		u32::from_str_radix(best["number"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
	for number in (1..=best.max(finalized)).rev() {
		for call in block_calls(client, number).await {
			if let RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke {
				shard: s,
				ciphertext,
			}) = call
			{
				if s == shard && ciphertext != vec![0x42; 200] {
					return Some(ciphertext);
				}
			}
		}
	}
	None
}

/// A worker told to serve a new, explicitly named shard initialises its
/// configuration on chain (MRENCLAVE, one instance) and serves it; started
/// from a checkpoint block instead of genesis, it still executes the shard's
/// inputs after that block.
#[tokio::test(flavor = "multi_thread")]
async fn a_worker_creates_a_named_shard_from_a_checkpoint() {
	let mut node = Node::start("e2e-shard", &["--dev"]);
	let client = node.client().await;
	let node_url = node.ws_url();
	// Let the chain run a little so the checkpoint is not genesis.
	let deadline = Instant::now() + Duration::from_secs(60);
	while best_number(&client).await < 3 {
		assert!(Instant::now() < deadline, "finality stalled");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	let (checkpoint, checkpoint_number) = client.finalized_head().await.unwrap();
	let shard = H256::repeat_byte(0x5e);
	let shard_hex = format!("0x{}", hex::encode(shard));
	let dir = tempdir::create("worker-shard");
	let mut worker = Worker::start_with(
		&node_url,
		dir.0.join("data"),
		free_port(),
		"worker",
		&[
			"--shard".into(),
			shard_hex.clone(),
			"--checkpoint-block".into(),
			format!("{checkpoint:?}"),
			// Renew the registration after 8 s instead of 12 h.
			"--renew-after-secs".into(),
			"8".into(),
		],
	);
	let rpc = worker.rpc().await;
	let served: String = rpc.request(names::GET_SHARD, rpc_params![]).await.unwrap();
	assert_eq!(served, shard_hex);
	let fingerprint: String = rpc.request(names::GET_FINGERPRINT, rpc_params![]).await.unwrap();
	worker.wait_processed(checkpoint_number + 1).await;
	let log = worker.log();
	assert!(log.contains(&format!("light client starts at block #{checkpoint_number}")), "{log}");

	// The worker creates the shard once an import proved that nobody did.
	let key = pallet_enclave_bridge::ShardConfigRegistry::<Runtime>::hashed_key_for(shard);
	let mut config: Option<pallet_enclave_bridge::ShardConfigOf<Runtime>> = None;
	for _ in 0..120 {
		config = client.storage(&key, None).await.unwrap();
		if config.is_some() {
			break;
		}
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
	let config = config.expect("the worker created the shard within 30 s");
	assert_eq!(format!("0x{}", hex::encode(config.active.enclave_fingerprint)), fingerprint);
	assert_eq!(config.active.max_instances, 1);
	// With its shielding key: the one it registered.
	let (enclave_account, _) = registered_enclave(&node_url, &fingerprint);
	let registration: pallet_teerex::EnclaveOf<Runtime> = client
		.storage(
			&pallet_teerex::SovereignEnclaves::<Runtime>::hashed_key_for(&enclave_account),
			None,
		)
		.await
		.unwrap()
		.expect("registered");
	let shard_key = pallet_enclave_bridge::ShardShieldingKeys::<Runtime>::hashed_key_for(shard);
	let recorded: Option<[u8; 32]> = client.storage(&shard_key, None).await.unwrap();
	assert_eq!(recorded, Some(registration.shielding_key_hash));

	cli_ok(
		&node_url,
		&["shield-funds", "//Alice", "//Eve", &(5 * UNIT).to_string(), "--shard", &shard_hex],
	);
	settle(&client, &mut worker).await;
	let eve = dev_pair("//Eve").unwrap();
	let enclave_key = {
		let workers = cli_ok(&node_url, &["list-workers", "--json"]);
		let listed: serde_json::Value = serde_json::from_str(&workers).unwrap();
		let signer = listed["enclaves"][0]["signer"].as_str().unwrap().to_string();
		let account: AccountId =
			polkadot_sdk::sp_core::crypto::Ss58Codec::from_ss58check(&signer).unwrap();
		ed25519::Public::from_raw(*account.as_ref())
	};
	let rpc = worker.rpc().await;
	assert_eq!(trusted_account(&rpc, shard, &eve, &enclave_key).await.free, 5 * UNIT);

	// The registration is renewed with a fresh attestation once it is older
	// than --renew-after-secs.
	let enclave_account = AccountId::from(enclave_key.0);
	let attested_at = || async {
		let key = pallet_teerex::SovereignEnclaves::<Runtime>::hashed_key_for(&enclave_account);
		let stored: pallet_teerex::EnclaveOf<Runtime> =
			client.storage(&key, None).await.unwrap().expect("registered");
		stored.attested_at_ms
	};
	let first = attested_at().await;
	let deadline = Instant::now() + Duration::from_secs(60);
	while attested_at().await == first {
		assert!(Instant::now() < deadline, "not renewed within 60 s:\n{}", worker.log());
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	assert!(worker.log().contains("renewing"), "{}", worker.log());
	let _ = &mut node;
}

/// kill -9 at pseudo-random moments while indirect calls keep arriving:
/// whatever the moment (importing, queuing, producing, committing), every
/// call is executed exactly once. The worker is killed up to once per call,
/// after a random delay, and restarted at once.
#[tokio::test(flavor = "multi_thread")]
async fn kill9_at_random_points_never_loses_or_doubles_a_call() {
	const CALLS: u32 = 10;
	let mut node = Node::start("e2e-kill", &["--dev"]);
	let client = node.client().await;
	let node_url = node.ws_url();
	let dir = tempdir::create("worker-kill");
	let mut worker = Worker::start(&node_url, dir.0.join("data"), free_port(), "worker");
	let rpc = worker.rpc().await;
	let shard_hex: String = rpc.request(names::GET_SHARD, rpc_params![]).await.unwrap();
	let shard = H256::from_slice(&hex::decode(&shard_hex[2..]).unwrap());
	let key: String = rpc.request(names::GET_SHIELDING_KEY, rpc_params![]).await.unwrap();
	let key = hex::decode(&key[2..]).unwrap();
	worker.wait_processed(2).await;
	let (enclave_account, _) = registered_enclave(&node_url, &shard_hex);
	let enclave_key = ed25519::Public::from_raw(*enclave_account.as_ref());
	let (ferdie, eve) = (dev_pair("//Ferdie").unwrap(), dev_pair("//Eve").unwrap());
	cli_ok(
		&node_url,
		&["shield-funds", "//Alice", "//Ferdie", &(100 * UNIT).to_string(), "--shard", &shard_hex],
	);
	settle(&client, &mut worker).await;

	let alice = dev_pair("//Alice").unwrap();
	let mut rng = 0x9e37_79b9_7f4a_7c15u64;
	let mut kills = 0;
	for nonce in 0..CALLS {
		let call = TrustedCall::BalanceTransfer {
			from: ferdie.public().into(),
			to: eve.public().into(),
			amount: UNIT,
		};
		let signed =
			call.sign(nonce, &shard.0, &shard, |p| MultiSignature::Sr25519(ferdie.sign(p)));
		let ciphertext =
			shielding::encrypt(&key, shielding::Purpose::TrustedCall, &shard, &signed.encode())
				.unwrap();
		let invoke =
			RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke { shard, ciphertext });
		client.submit(&alice, invoke, WaitFor::InBlock).await.unwrap();
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		if !rng.is_multiple_of(3) {
			tokio::time::sleep(Duration::from_millis(rng % 2_500)).await;
			worker.kill9();
			worker.spawn();
			kills += 1;
		}
	}
	settle(&client, &mut worker).await;
	settle(&client, &mut worker).await;
	let rpc = worker.rpc().await;
	let sender = trusted_account(&rpc, shard, &ferdie, &enclave_key).await;
	let receiver = trusted_account(&rpc, shard, &eve, &enclave_key).await;
	assert_eq!(sender.nonce, CALLS, "every call executed once ({kills} kills)");
	assert_eq!(sender.free, (100 - CALLS as u128) * UNIT);
	assert_eq!(receiver.free, CALLS as u128 * UNIT, "none doubled");
	assert!(kills >= 3, "the worker was killed {kills} times only");
	let health: WorkerHealth = rpc.request(names::SYSTEM_HEALTH, rpc_params![]).await.unwrap();
	assert!(health.healthy, "{health:?}");
	let _ = &mut node;
}

/// The genuine `inSidechainBlock` and `finalized` statuses of call `call`
/// pass the checks every client (the CLI's `--wait`, the benchmark) makes;
/// each forgery a hostile host could relay instead fails them with a
/// message that says what does not hold.
async fn statuses_prove_themselves(
	chain: &ChainClient,
	shard: H256,
	enclave: &ed25519::Public,
	call: H256,
	in_block: &CallStatus,
	finalized: &CallStatus,
) {
	use integritee_enclave::sidechain::IncludedCall;
	use integritee_worker_client::{check_anchor_on_chain, check_in_block, check_link_to_anchor};
	let refused_in_block = |status: &CallStatus, call: H256| {
		check_in_block(status, call, &shard, enclave).unwrap_err().to_string()
	};
	check_in_block(in_block, call, &shard, enclave).unwrap();
	let CallStatus::InSidechainBlock { number, hash, proof, .. } = in_block.clone() else {
		panic!("{in_block:?}")
	};
	// Another outcome than the block's.
	let mut other_outcome = in_block.clone();
	if let CallStatus::InSidechainBlock { outcome, .. } = &mut other_outcome {
		*outcome = DirectOutcome::Failed { reason: FailReason::InsufficientBalance };
	}
	let message = refused_in_block(&other_outcome, call);
	assert!(message.contains("does not prove itself"), "{message}");
	// A call that is not in the block, with the proof of one that is.
	assert!(refused_in_block(in_block, H256::repeat_byte(7)).contains("not among the calls"));
	// A header the enclave did not sign (the host's own block).
	let mut included = IncludedCall::decode(&mut &proof.0[..]).unwrap();
	included.header.state_root_after = H256::repeat_byte(0xEE);
	let made_up = CallStatus::InSidechainBlock {
		number,
		hash: included.header.hash(),
		outcome: DirectOutcome::Succeeded,
		proof: included.encode().into(),
	};
	assert!(refused_in_block(&made_up, call).contains("signature does not verify"));
	// No proof at all.
	let mut bare = in_block.clone();
	if let CallStatus::InSidechainBlock { proof, .. } = &mut bare {
		proof.0.clear();
	}
	assert!(refused_in_block(&bare, call).contains("does not decode"));

	let CallStatus::Finalized { parent_block, anchored_number, anchored_hash, .. } =
		finalized.clone()
	else {
		panic!("{finalized:?}")
	};
	check_link_to_anchor(finalized, call, Some((number, hash))).unwrap();
	check_anchor_on_chain(chain, &shard, parent_block, (anchored_number, anchored_hash))
		.await
		.unwrap();
	// `finalized` before any proven block; a link from another block.
	assert!(check_link_to_anchor(finalized, call, None).is_err());
	let message = check_link_to_anchor(finalized, call, Some((number, H256::zero())))
		.unwrap_err()
		.to_string();
	assert!(message.contains("does not follow") || message.contains("not at the anchored"));
	// An anchor the chain does not hold, at a block it has finalized or
	// at one it has not.
	// (A made-up hash: the call's own block may be the anchored one.)
	let not_anchored = H256::repeat_byte(0x5c);
	let message =
		check_anchor_on_chain(chain, &shard, parent_block, (anchored_number, not_anchored))
			.await
			.unwrap_err()
			.to_string();
	assert!(message.contains("the chain's state there holds"), "{message}");
	let message =
		check_anchor_on_chain(chain, &shard, parent_block - 1, (anchored_number, anchored_hash))
			.await
			.unwrap_err()
			.to_string();
	assert!(message.contains("the chain's state there holds"), "{message}");
	let message = check_anchor_on_chain(chain, &shard, u32::MAX, (anchored_number, anchored_hash))
		.await
		.unwrap_err()
		.to_string();
	assert!(message.contains("has finalized only up to"), "{message}");
}

/// A direct call of `signer`'s, encrypted to the worker's shielding key, as
/// the hex parameter of `author_submitExtrinsic`.
async fn direct_call(
	rpc: &WsClient,
	shard: ShardIdentifier,
	signer: &sr25519::Pair,
	call: TrustedCall,
	nonce: u32,
) -> String {
	direct_call_and_hash(rpc, shard, signer, call, nonce).await.0
}

/// [`direct_call`] and the signed call's hash.
async fn direct_call_and_hash(
	rpc: &WsClient,
	shard: ShardIdentifier,
	signer: &sr25519::Pair,
	call: TrustedCall,
	nonce: u32,
) -> (String, H256) {
	let key: String = rpc.request(names::GET_SHIELDING_KEY, rpc_params![]).await.unwrap();
	let fingerprint: String = rpc.request(names::GET_FINGERPRINT, rpc_params![]).await.unwrap();
	let mr_enclave: [u8; 32] = hex::decode(&fingerprint[2..]).unwrap().try_into().unwrap();
	let signed = call.sign(nonce, &mr_enclave, &shard, |p| MultiSignature::Sr25519(signer.sign(p)));
	let direct = DirectCall::encrypt(&signed, shard, &hex::decode(&key[2..]).unwrap()).unwrap();
	(format!("0x{}", hex::encode(direct.encode())), signed.hash())
}

/// The JSON-RPC error code of a refused request.
fn error_code<T: std::fmt::Debug>(result: Result<T, jsonrpsee::core::ClientError>) -> i32 {
	match result {
		Err(jsonrpsee::core::ClientError::Call(e)) => e.code(),
		other => panic!("expected a JSON-RPC error, got {other:?}"),
	}
}

/// Statuses of a watch until a final one (or `timeout`).
async fn statuses_until_final(
	watch: &mut jsonrpsee::core::client::Subscription<CallStatus>,
	timeout: Duration,
) -> Vec<CallStatus> {
	let mut seen = Vec::new();
	let deadline = tokio::time::Instant::now() + timeout;
	while let Ok(Some(Ok(status))) = tokio::time::timeout_at(deadline, watch.next()).await {
		let last = status.is_final();
		seen.push(status);
		if last {
			break;
		}
	}
	seen
}

/// A raw HTTP POST to the worker's RPC port over RA-TLS (verified as any
/// client does) declaring `declared_length` bytes and sending `body`;
/// returns the whole answer.
fn https_post(port: u16, declared_length: usize, body: &[u8]) -> String {
	use std::io::{Read, Write};
	let config = integritee_test_node::ra_tls::dev_ra_tls_config(worker_mr_enclave());
	let (tls, verified) = integritee_ra_tls::client_config_one_way(config).unwrap();
	let connection =
		rustls::ClientConnection::new(Arc::new(tls), integritee_ra_tls::server_name().unwrap())
			.unwrap();
	let socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
	socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
	let mut stream = rustls::StreamOwned::new(connection, socket);
	let head = format!(
		"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \
		 {declared_length}\r\nConnection: close\r\n\r\n"
	);
	stream.write_all(head.as_bytes()).unwrap();
	let _ = stream.write_all(body);
	let _ = stream.flush();
	let mut answer = Vec::new();
	let _ = stream.read_to_end(&mut answer);
	assert!(verified.get().is_some(), "the worker's certificate was verified");
	String::from_utf8_lossy(&answer).into_owned()
}

/// What a plain-TCP HTTP request (no TLS) gets from the worker's RPC port.
fn plain_http_answer(port: u16) -> Vec<u8> {
	use std::io::{Read, Write};
	let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
	socket.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
	let request = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}";
	let _ = socket.write_all(request.as_bytes());
	let mut answer = Vec::new();
	let _ = socket.read_to_end(&mut answer);
	answer
}

/// Direct invocation against a real node and worker, through the CLI and
/// the RPC: a transfer followed to finality and seen by a getter, a failed
/// transfer (in its block, failed), a direct unshield paid exactly once on
/// the parent chain, an indirect and a direct call racing for one nonce
/// (exactly one executes; the other is reported invalid), and clean
/// refusals of bad input.
#[tokio::test(flavor = "multi_thread")]
async fn direct_calls_are_watched_to_finality_and_bad_ones_refused() {
	let mut node = Node::start("e2e-direct", &["--dev"]);
	let client = node.client().await;
	let node_url = node.ws_url();
	let dir = tempdir::create("worker-direct");
	let port = free_port();
	let mut worker = Worker::start(&node_url, dir.0.join("data"), port, "worker-direct");
	let rpc = worker.rpc().await;
	let shard_hex: String = rpc.request(names::GET_SHARD, rpc_params![]).await.unwrap();
	let shard = H256::from_slice(&hex::decode(&shard_hex[2..]).unwrap());
	worker.wait_processed(2).await;
	let (enclave_account, _) = registered_enclave(&node_url, &shard_hex);
	let enclave_key = ed25519::Public::from_raw(*enclave_account.as_ref());
	let (bob, charlie) = (dev_pair("//Bob").unwrap(), dev_pair("//Charlie").unwrap());
	for who in ["//Bob", "//Charlie"] {
		cli_ok(
			&node_url,
			&["shield-funds", "//Alice", who, &(100 * UNIT).to_string(), "--shard", &shard_hex],
		);
	}
	settle(&client, &mut worker).await;
	let worker_url = worker.url();
	let trusted = |who: sr25519::Pair| {
		let url = worker_url.clone();
		async move {
			let (rpc, _) = worker_client(&url, worker_mr_enclave()).await.unwrap();
			trusted_account(&rpc, shard, &who, &enclave_key).await
		}
	};
	let version: String = rpc.request(names::SYSTEM_VERSION, rpc_params![]).await.unwrap();
	assert!(!version.is_empty());

	// 1. A direct transfer, followed by the CLI to finality; a getter then
	// shows the new balances.
	let trusted_args = ["trusted", "--shard", shard_hex.as_str()];
	let run = |args: &[&str]| cli(&node_url, &[&trusted_args[..], args].concat());
	let ten = (10 * UNIT).to_string();
	let out = run(&["transfer", "//Bob", "//Charlie", &ten, "--direct", "--wait"]);
	assert!(out.ok, "{}\n{}", out.stdout, out.stderr);
	assert!(out.stdout.contains("succeeded") && out.stdout.contains("finalized"), "{}", out.stdout);
	let bob_info = trusted(bob.clone()).await;
	assert_eq!((bob_info.free, bob_info.nonce), (90 * UNIT, 1));
	assert_eq!(trusted(charlie.clone()).await.free, 110 * UNIT);
	// Read-your-writes: a getter with `min_block` one past the state waits
	// for that block (a direct call makes one) and names it.
	let tip = private_getter(&rpc, shard, &bob, None).await.unwrap().sidechain_block.0;
	let waiting = private_getter(&rpc, shard, &bob, Some(tip + 1));
	let later = async {
		tokio::time::sleep(Duration::from_millis(300)).await;
		run(&["transfer", "//Charlie", "//Bob", &UNIT.to_string(), "--direct"])
	};
	let (answer, sent) = tokio::join!(waiting, later);
	assert!(sent.ok, "{}", sent.stderr);
	let answer = answer.unwrap();
	assert!(answer.sidechain_block.0 > tip, "{:?} after #{tip}", answer.sidechain_block);
	assert!(answer.verify(&enclave_key));
	// A block far ahead: refused after a bounded wait.
	let far = private_getter(&rpc, shard, &bob, Some(tip + 1_000_000)).await;
	assert_eq!(error_code(far), -32602);

	// 2. Too little balance: in its block, failed, the nonce consumed.
	let out =
		run(&["transfer", "//Charlie", "//Bob", &(1000 * UNIT).to_string(), "--direct", "--wait"]);
	assert!(!out.ok, "{}", out.stdout);
	assert!(out.stdout.contains("in sidechain block"), "{}", out.stdout);
	assert!(out.stderr.contains("executed and failed"), "{}", out.stderr);
	let charlie_info = trusted(charlie.clone()).await;
	assert_eq!((charlie_info.free, charlie_info.nonce), (109 * UNIT, 2));

	// 3. A direct unshield arrives on the parent chain exactly once.
	let dave = account("//Dave");
	let dave_before = parent_free(&client, &dave).await;
	let out =
		run(&["unshield-funds", "//Bob", "//Dave", &(5 * UNIT).to_string(), "--direct", "--wait"]);
	assert!(out.ok, "{}\n{}", out.stdout, out.stderr);
	let deadline = Instant::now() + Duration::from_secs(120);
	while parent_free(&client, &dave).await == dave_before {
		assert!(Instant::now() < deadline, "the direct unshield was not paid");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	settle(&client, &mut worker).await;
	settle(&client, &mut worker).await;
	assert_eq!(parent_free(&client, &dave).await, dave_before + 5 * UNIT, "paid exactly once");
	assert_eq!(unshield_payouts(&client, shard).await, 1);
	let bob_info = trusted(bob.clone()).await;
	assert_eq!((bob_info.free, bob_info.reserved, bob_info.nonce), (86 * UNIT, 0, 2));

	// 4. Refusals, each a JSON-RPC error with its code; the worker goes on.
	let rpc = worker.rpc().await;
	let bob_id: AccountId = bob.public().into();
	let transfer = |to: &str, amount: Balance| TrustedCall::BalanceTransfer {
		from: bob_id.clone(),
		to: account(to),
		amount,
	};
	let submit = |param: String| {
		let rpc = &rpc;
		async move { rpc.request::<String, _>(names::SUBMIT, rpc_params![param]).await }
	};
	// Signed by another key.
	let forged = direct_call(&rpc, shard, &charlie, transfer("//Eve", UNIT), 2).await;
	assert_eq!(error_code(submit(forged).await), 1010);
	// For another shard.
	let mut other_shard = DirectCall::decode(
		&mut &hex::decode(&direct_call(&rpc, shard, &bob, transfer("//Eve", 1), 2).await[2..])
			.unwrap()[..],
	)
	.unwrap();
	other_shard.shard = H256::repeat_byte(9);
	assert_eq!(error_code(submit(format!("0x{}", hex::encode(other_shard.encode()))).await), 1010);
	// Not a direct call; not hex.
	assert_eq!(error_code(submit("0x0102".into()).await), -32602);
	assert_eq!(error_code(submit("zz".into()).await), -32602);
	// A call executed, then replayed: a stale nonce.
	let (once, once_hash) =
		direct_call_and_hash(&rpc, shard, &bob, transfer("//Eve", UNIT), 2).await;
	let mut watch: jsonrpsee::core::client::Subscription<CallStatus> = rpc
		.subscribe(names::SUBMIT_AND_WATCH, rpc_params![once.clone()], names::UNWATCH)
		.await
		.unwrap();
	let seen = statuses_until_final(&mut watch, Duration::from_secs(90)).await;
	assert!(matches!(seen[..2], [CallStatus::Submitted, CallStatus::Ready]), "{seen:?}");
	assert!(
		matches!(&seen[2], CallStatus::InSidechainBlock { outcome: DirectOutcome::Succeeded, .. }),
		"{seen:?}"
	);
	assert!(matches!(seen.last(), Some(CallStatus::Finalized { .. })), "{seen:?}");
	statuses_prove_themselves(&client, shard, &enclave_key, once_hash, &seen[2], &seen[3]).await;
	assert_eq!(error_code(submit(once).await), 1010, "a replay is a stale nonce");
	// Future nonces beyond the per-account limit (16) fill nothing more.
	let charlie_id: AccountId = charlie.public().into();
	let charlie_call =
		TrustedCall::BalanceTransfer { from: charlie_id, to: account("//Eve"), amount: UNIT };
	for nonce in 3..19 {
		let future = direct_call(&rpc, shard, &charlie, charlie_call.clone(), nonce).await;
		submit(future).await.expect("a future call within the limit");
	}
	let beyond = direct_call(&rpc, shard, &charlie, charlie_call.clone(), 19).await;
	assert_eq!(error_code(submit(beyond.clone()).await), 1016);
	// Another call for a nonce a pooled call holds.
	let mut other = charlie_call.clone();
	if let TrustedCall::BalanceTransfer { amount, .. } = &mut other {
		*amount = 2 * UNIT;
	}
	let again = direct_call(&rpc, shard, &charlie, other, 3).await;
	assert_eq!(error_code(submit(again).await), 1014, "nonce 3 is held by another pooled call");
	// Garbage JSON and an oversize request over HTTPS: answered, not
	// dropped; the worker still answers afterwards.
	let garbage_json = b"{\"jsonrpc\": \"2.0\", \"method\": ";
	let garbage = https_post(port, garbage_json.len(), garbage_json);
	assert!(garbage.contains("-32700"), "a parse error: {garbage}");
	// Refused by its declared length, before the body is read (a client
	// that sent 200 KiB would race the server's close with its unread
	// bytes: a reset can destroy the answer in flight).
	let oversize = https_post(port, 200 * 1024, &[]);
	assert!(oversize.contains("413") || oversize.contains("too big"), "{oversize}");
	// The port speaks TLS only: plain HTTP gets no HTTP answer.
	let plain = plain_http_answer(port);
	assert!(!plain.starts_with(b"HTTP/"), "{}", String::from_utf8_lossy(&plain));
	let health: WorkerHealth = rpc.request(names::SYSTEM_HEALTH, rpc_params![]).await.unwrap();
	assert!(health.healthy, "{health:?}");

	// 5. An indirect and a direct call of Bob's race for one nonce: the
	// direct call D carries nonce 4 and waits (future) for 3; two invokes in
	// one parent block carry 3 and 4. Exactly one of D and the second invoke
	// executes, and D is reported invalid if it did not.
	let dave_trusted = dev_pair("//Dave").unwrap();
	let ferdie = dev_pair("//Ferdie").unwrap();
	let d = direct_call(&rpc, shard, &bob, transfer("//Dave", UNIT), 4).await;
	let mut watch: jsonrpsee::core::client::Subscription<CallStatus> =
		rpc.subscribe(names::SUBMIT_AND_WATCH, rpc_params![d], names::UNWATCH).await.unwrap();
	let key: String = rpc.request(names::GET_SHIELDING_KEY, rpc_params![]).await.unwrap();
	let key = hex::decode(&key[2..]).unwrap();
	let fingerprint: String = rpc.request(names::GET_FINGERPRINT, rpc_params![]).await.unwrap();
	let mr_enclave: [u8; 32] = hex::decode(&fingerprint[2..]).unwrap().try_into().unwrap();
	let alice = dev_pair("//Alice").unwrap();
	let alice_id: AccountId = alice.public().into();
	let mut invokes = Vec::new();
	let params = client.mortal_params(&alice_id).await.unwrap();
	for (i, (to, amount)) in [("//Charlie", UNIT), ("//Ferdie", 2 * UNIT)].into_iter().enumerate() {
		let signed = transfer(to, amount)
			.sign(3 + i as u32, &mr_enclave, &shard, |p| MultiSignature::Sr25519(bob.sign(p)));
		let ciphertext =
			shielding::encrypt(&key, shielding::Purpose::TrustedCall, &shard, &signed.encode())
				.unwrap();
		let invoke =
			RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke { shard, ciphertext });
		invokes.push(client.sign_with(
			&alice,
			invoke,
			params.nonce + i as u32,
			params.era,
			params.era_block_hash,
		));
	}
	let (one, two) = tokio::join!(
		client.submit_extrinsic(&invokes[0], WaitFor::InBlock),
		client.submit_extrinsic(&invokes[1], WaitFor::InBlock)
	);
	one.unwrap();
	two.unwrap();
	let seen = statuses_until_final(&mut watch, Duration::from_secs(120)).await;
	settle(&client, &mut worker).await;
	let bob_after = trusted(bob.clone()).await;
	assert_eq!(bob_after.nonce, 5, "nonces 3 and 4 consumed once each");
	let d_executed = trusted(dave_trusted).await.free == UNIT;
	let second_invoke_executed = trusted(ferdie).await.free == 2 * UNIT;
	assert!(d_executed != second_invoke_executed, "exactly one executes: {seen:?}");
	if !d_executed {
		assert!(matches!(seen.last(), Some(CallStatus::Invalid { .. })), "{seen:?}");
	}

	// 6. Benchmark smoke runs (functional: every transfer committed, none
	// refused; the figures themselves are not asserted). 100 senders are
	// more than the pool takes from the one funder at once: the setup
	// waits for room.
	for mode in [&["--transfers", "300"][..], &["--transfers", "200", "--rate", "200"][..]] {
		let out =
			run(&[&["benchmark", "--clients", "2", "--accounts", "100", "--json"][..], mode]
				.concat());
		assert!(out.ok, "{}\n{}", out.stdout, out.stderr);
		let report: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
		assert_eq!(report["committed"], report["sent"], "{report}");
		assert_eq!(report["refused"], serde_json::json!({}), "{report}");
		assert_eq!(report["failedInBlock"], 0, "{report}");
	}
	let _ = &mut node;
}

/// The worker's `system_health`.
async fn health(worker: &mut Worker) -> WorkerHealth {
	let rpc = worker.rpc().await;
	rpc.request(names::SYSTEM_HEALTH, rpc_params![]).await.unwrap()
}

/// Three workers of one build started at the same moment for a new shard
/// end with one shard key: one creates the shard, the two whose creation
/// lost are provisioned by it over mutual RA-TLS and report its shielding
/// key; they register with it and stand by (no getter, no block). A build
/// with another MRENCLAVE (the worker binary with one byte appended) is
/// refused, with the reason in the member's log.
#[tokio::test(flavor = "multi_thread")]
async fn workers_of_a_shard_share_its_secrets_and_another_build_is_refused() {
	let mut node = Node::start("e2e-provisioning", &["--dev"]);
	let client = node.client().await;
	let node_url = node.ws_url();
	let shard = H256::repeat_byte(0x77);
	let shard_hex = format!("0x{}", hex::encode(shard));
	let dir = tempdir::create("worker-provisioning");
	let args: Vec<String> = vec!["--shard".into(), shard_hex.clone()];
	let started = Instant::now();
	let mut workers: Vec<Worker> = (0..3)
		.map(|i| {
			Worker::start_with(
				&node_url,
				dir.0.join(format!("data-{i}")),
				free_port(),
				&format!("worker-{i}"),
				&args,
			)
		})
		.collect();

	// One key for the shard on chain; every worker holds it in the end.
	let key = pallet_enclave_bridge::ShardShieldingKeys::<Runtime>::hashed_key_for(shard);
	let deadline = Instant::now() + Duration::from_secs(240);
	let shard_key: [u8; 32] = loop {
		if let Some(key) = client.storage(&key, None).await.unwrap() {
			break key;
		}
		assert!(Instant::now() < deadline, "the shard was not created:\n{}", workers[0].log());
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	let expected = format!("0x{}", hex::encode(shard_key));
	let mut origins = Vec::new();
	for worker in &mut workers {
		let report = loop {
			let report = health(worker).await;
			if report.secrets.shielding_key_hash.as_deref() == Some(expected.as_str())
				&& report.secrets.origin != "candidate"
			{
				break report;
			}
			assert!(
				Instant::now() < deadline,
				"not provisioned: {report:?}\nlog:\n{}",
				worker.log()
			);
			tokio::time::sleep(Duration::from_millis(500)).await;
		};
		// A figure, not a check (docs/benchmarks.md): start to secrets held.
		eprintln!(
			"worker with secrets {}: {:.1} s after the three started",
			report.secrets.origin,
			started.elapsed().as_secs_f64()
		);
		let rpc = worker.rpc().await;
		let key: String = rpc.request(names::GET_SHIELDING_KEY, rpc_params![]).await.unwrap();
		let key = hex::decode(key.trim_start_matches("0x")).unwrap();
		assert_eq!(integritee_enclave::shielding_key_hash(&key.try_into().unwrap()), shard_key);
		origins.push(report.secrets.origin.clone());
	}
	origins.sort();
	assert_eq!(origins, ["created", "provisioned", "provisioned"], "one creator, two joiners");
	let creator = origins_index(&mut workers, "created").await;

	// The joiners register with the shard's key and stand by: no block, no
	// getter.
	for index in (0..3).filter(|i| *i != creator) {
		let worker = &mut workers[index];
		let deadline = Instant::now() + Duration::from_secs(60);
		loop {
			let report = health(worker).await;
			if report.problems.iter().any(|p| p.contains("standby")) {
				assert_eq!(report.sidechain.block_number, 0, "a standby produces no block");
				break;
			}
			assert!(Instant::now() < deadline, "no standby: {report:?}\n{}", worker.log());
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
		assert!(worker.log().contains("provisioned with the shard's secrets"), "{}", worker.log());
	}
	// Registered again with the shard's key, they are listed as standbys.
	let deadline = Instant::now() + Duration::from_secs(60);
	loop {
		let listed = cli_ok(&node_url, &["list-workers", "--json"]);
		let json: serde_json::Value = serde_json::from_str(&listed).unwrap();
		let standbys = json["shards"]
			.as_array()
			.unwrap()
			.iter()
			.filter(|view| view["shard"].as_str() == Some(&shard_hex[2..]))
			.flat_map(|view| view["workers"].as_array().unwrap().clone())
			.filter(|worker| worker["role"].as_str() == Some("standby"))
			.count();
		if standbys == 2 {
			break;
		}
		assert!(Instant::now() < deadline, "not two standbys: {listed}");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}

	// Another build: refused on the member's peer port.
	let other_build = dir.0.join("integritee-worker-other");
	let mut bytes = std::fs::read(workspace_binary("integritee-worker")).unwrap();
	bytes.push(0);
	std::fs::write(&other_build, bytes).unwrap();
	#[cfg(unix)]
	{
		use std::os::unix::fs::PermissionsExt;
		std::fs::set_permissions(&other_build, std::fs::Permissions::from_mode(0o755)).unwrap();
	}
	let mut other = Worker {
		child: None,
		data_dir: dir.0.join("data-other"),
		log_path: dir.0.join("worker-other.log"),
		rpc_port: free_port(),
		peer_port: free_port(),
		node_url: node_url.clone(),
		extra: args.clone(),
		binary: other_build,
	};
	other.spawn();
	let deadline = Instant::now() + Duration::from_secs(120);
	let refused = |log: &str| log.contains("peer 127.0.0.1") && log.contains("not allowed");
	while !refused(&workers[creator].log()) {
		assert!(
			Instant::now() < deadline,
			"the other build was not refused:\n{}\nother:\n{}",
			workers[creator].log(),
			other.log()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	let log = workers[creator].log();
	assert!(log.contains("MRENCLAVE"), "the refusal names the reason:\n{log}");
	assert!(other.log().contains("not provisioned"), "{}", other.log());
	let _ = &mut node;
}

/// The index of the worker whose secrets have `origin`.
async fn origins_index(workers: &mut [Worker], origin: &str) -> usize {
	for (index, worker) in workers.iter_mut().enumerate() {
		if health(worker).await.secrets.origin == origin {
			return index;
		}
	}
	panic!("no worker's secrets are {origin}");
}

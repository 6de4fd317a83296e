//! The host's logic without a node: chunking across GRANDPA authority-set
//! changes (through the real trusted core), forced changes, resubmission
//! decisions and health, over generated chains.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
	collections::HashMap,
	sync::{Arc, RwLock},
};

use codec::Encode;
use integritee_enclave::{
	light_client::{extrinsics_root, testing, Header},
	platform::SimulatedTee,
	Enclave, EnclaveConfig, Invariant,
};
use integritee_light_client::Error as LightClientError;
use polkadot_sdk::{
	sp_core::{ed25519, H256},
	sp_runtime::{traits::Header as _, Digest, DigestItem},
};

use crate::{
	health::{invariant_problem, Component, Health},
	parentchain::{ChunkError, FetchedBlock, ParentchainReader, ReadError},
	submitter::unshields_due,
	sync::{import_next_chunk, Step, SyncError},
	SharedEnclave,
};

/// A generated chain served from memory. Every block has an empty body and
/// the same (empty) state, whose proof of any key proves absence.
struct MemoryChain {
	blocks: Vec<FetchedBlock>,
	by_hash: HashMap<H256, usize>,
	proof: Vec<Vec<u8>>,
}

impl ParentchainReader for MemoryChain {
	async fn finalized_number(&self) -> Result<u32, ReadError> {
		Ok(self.blocks.len() as u32 - 1)
	}

	async fn block_hash(&self, number: u32) -> Result<H256, ReadError> {
		let block = self.blocks.get(number as usize).ok_or(ReadError::UnknownNumber(number))?;
		Ok(block.header.hash())
	}

	async fn block(&self, hash: H256) -> Result<FetchedBlock, ReadError> {
		let index = self.by_hash.get(&hash).ok_or(ReadError::UnknownBlock(hash))?;
		Ok(self.blocks[*index].clone())
	}

	async fn read_proof(&self, _: &[Vec<u8>], _: H256) -> Result<Vec<Vec<u8>>, ReadError> {
		Ok(self.proof.clone())
	}
}

/// A chain of `len` blocks after genesis: `digest(n)` is block n's digest,
/// `justified_by(n)` the (set id, signers) whose justification block n
/// carries, if any. Returns the chain and a trusted core anchored at its
/// genesis (GRANDPA set 0 = `//Alice`).
fn chain(
	len: u32,
	digest: impl Fn(u32) -> Vec<DigestItem>,
	justified_by: impl Fn(u32) -> Option<(u64, Vec<ed25519::Pair>)>,
) -> (MemoryChain, SharedEnclave, integritee_test_node::tempdir::TempDirGuard) {
	let dir = integritee_test_node::tempdir::create("service-sync");
	let (mut enclave, _) = Enclave::open(
		Arc::new(SimulatedTee::new([4; 32])),
		EnclaveConfig { data_dir: dir.0.clone(), shard: None, max_instances: 1 },
	)
	.unwrap();
	let keys = Enclave::checkpoint_keys();
	let alice = testing::pairs(&["//Alice"]);
	let entries = vec![
		(keys[0].clone(), testing::authorities(&alice).encode()),
		(keys[1].clone(), 0u64.encode()),
	];
	let (genesis_root, genesis_proof) = testing::state_with_proof(&entries, &keys);
	let genesis =
		Header::new(0, extrinsics_root(&[]), genesis_root, H256::zero(), Digest::default());
	enclave
		.init_light_client_at(genesis.hash(), genesis.hash(), genesis.clone(), genesis_proof)
		.unwrap();
	// Every block proves the shard created with the enclave's key and the
	// enclave registered: it serves.
	const CHAIN_TIME_MS: u64 = 1_800_000_000_000;
	let serving = integritee_enclave::testing::serving_entries(
		&enclave,
		enclave.shielding_key_hash(),
		Some(CHAIN_TIME_MS),
		CHAIN_TIME_MS,
	);
	let (state_root, proof) = testing::state_with_proof(&serving, &enclave.proof_keys());
	let mut blocks =
		vec![FetchedBlock { header: genesis, extrinsics: vec![], justification: None }];
	for n in 1..=len {
		let parent = blocks.last().unwrap().header.hash();
		let header =
			Header::new(n, extrinsics_root(&[]), state_root, parent, Digest { logs: digest(n) });
		let justification = justified_by(n)
			.map(|(set_id, signers)| testing::encoded_justification(&header, 1, set_id, &signers));
		blocks.push(FetchedBlock { header, extrinsics: vec![], justification });
	}
	let by_hash = blocks.iter().enumerate().map(|(i, b)| (b.header.hash(), i)).collect();
	(MemoryChain { blocks, by_hash, proof }, Arc::new(RwLock::new(enclave)), dir)
}

/// A core whose first import proved the shard created with its key: it
/// holds the shard's state and serves.
async fn created_core() -> (SharedEnclave, integritee_test_node::tempdir::TempDirGuard) {
	let (chain, enclave, dir) = chain(1, |_| vec![], |_| Some((0, testing::pairs(&["//Alice"]))));
	sync_to_head(&chain, &enclave).await.unwrap();
	assert!(crate::read(&enclave).not_serving().is_none());
	(enclave, dir)
}

/// Runs sync steps until the core is at the chain's head; returns the last
/// block of every imported chunk.
async fn sync_to_head(chain: &MemoryChain, enclave: &SharedEnclave) -> Result<Vec<u32>, SyncError> {
	let finalized = chain.finalized_number().await.unwrap();
	let mut chunk_ends = Vec::new();
	for _ in 0..50 {
		match import_next_chunk(chain, enclave, finalized, 256).await? {
			Step::UpToDate { .. } => return Ok(chunk_ends),
			Step::NoJustification { head } => panic!("stuck at #{head}"),
			Step::Imported { report, .. } => chunk_ends.push(report.last_block.0),
		}
	}
	panic!("no end")
}

fn set_change(to: &[ed25519::Pair], delay: u32) -> DigestItem {
	testing::scheduled_change(testing::authorities(to), delay)
}

/// Block 2 schedules Bob's set with delay 3: it is enacted at #5, which the
/// old set finalizes; the new set finalizes everything after. Every block
/// carries a justification (as on our node), so without the cut the first
/// chunk would reach #12 and be refused for good.
#[tokio::test]
async fn the_host_cuts_chunks_at_a_scheduled_set_change_and_crosses_it() {
	let (alice, bob) = (testing::pairs(&["//Alice"]), testing::pairs(&["//Bob"]));
	let (chain, enclave, _dir) = chain(
		12,
		|n| if n == 2 { vec![set_change(&bob, 3)] } else { vec![] },
		|n| Some(if n <= 5 { (0, alice.clone()) } else { (1, bob.clone()) }),
	);
	assert_eq!(sync_to_head(&chain, &enclave).await.unwrap(), vec![5, 12]);
	assert_eq!(crate::lock(&enclave).light_client_head().unwrap().0, 12);
}

/// Sparse justifications (only the enactment block and the head): the same.
#[tokio::test]
async fn sparse_justifications_still_cross_the_change() {
	let (alice, bob) = (testing::pairs(&["//Alice"]), testing::pairs(&["//Bob"]));
	let (chain, enclave, _dir) = chain(
		12,
		|n| if n == 2 { vec![set_change(&bob, 3)] } else { vec![] },
		|n| match n {
			5 => Some((0, alice.clone())),
			12 => Some((1, bob.clone())),
			_ => None,
		},
	);
	assert_eq!(sync_to_head(&chain, &enclave).await.unwrap(), vec![5, 12]);
}

/// A forced change cannot be followed: the step fails naming the block, and
/// nothing past the last good chunk is imported.
#[tokio::test]
async fn a_forced_change_is_refused_naming_its_block() {
	let (alice, bob) = (testing::pairs(&["//Alice"]), testing::pairs(&["//Bob"]));
	let (chain, enclave, _dir) = chain(
		6,
		|n| {
			if n == 3 {
				vec![testing::forced_change(testing::authorities(&bob), 0)]
			} else {
				vec![]
			}
		},
		|_| Some((0, alice.clone())),
	);
	let error = sync_to_head(&chain, &enclave).await.err().unwrap();
	assert!(
		matches!(
			&error,
			SyncError::Chunk(ChunkError::Core(integritee_enclave::Error::LightClient(
				LightClientError::ForcedChange(3)
			)))
		),
		"{error}"
	);
	assert!(error.to_string().contains("#3"), "{error}");
	assert_eq!(crate::lock(&enclave).light_client_head().unwrap().0, 0);
}

#[tokio::test]
async fn a_window_without_justification_waits() {
	let (chain, enclave, _dir) = chain(4, |_| vec![], |_| None);
	let step = import_next_chunk(&chain, &enclave, 4, 256).await.unwrap();
	assert!(matches!(step, Step::NoJustification { head: 0 }));
}

/// Resubmission follows the node's finalized head and the extrinsic's era,
/// skips expired requests, and sends everything not remembered (after a
/// restart) at once: harmless, since the pallet pays a hash once and a
/// failed payout refunds nothing.
#[test]
fn unshields_are_resubmitted_once_their_era_has_passed() {
	use integritee_enclave::UnshieldDue;
	let payable =
		|byte: u8, expires_at: u32| UnshieldDue { call_hash: H256::repeat_byte(byte), expires_at };
	let list = vec![payable(1, 1_000), payable(2, 1_000), payable(3, 90)];
	let era = integritee_chain_client::MORTALITY_PERIOD as u32;
	// Nothing remembered (a fresh start): everything still payable.
	let due = unshields_due(&list, &HashMap::new(), 100);
	assert_eq!(due, vec![H256::repeat_byte(1), H256::repeat_byte(2)]);
	// #1 sent at finalized 100: not again within its era, again after it.
	let sent = HashMap::from([(H256::repeat_byte(1), 100)]);
	assert_eq!(unshields_due(&list, &sent, 100 + era), vec![H256::repeat_byte(2)]);
	assert_eq!(
		unshields_due(&list, &sent, 101 + era),
		vec![H256::repeat_byte(1), H256::repeat_byte(2)]
	);
}

#[test]
fn breach_and_surplus_above_the_deposit_are_health_problems() {
	let ed = integritee_runtime::EXISTENTIAL_DEPOSIT;
	assert_eq!(invariant_problem(Invariant::Holds), None);
	assert_eq!(invariant_problem(Invariant::Surplus { issuance: 10, vault: 10 + ed }), None);
	let surplus = invariant_problem(Invariant::Surplus { issuance: 10, vault: 11 + ed }).unwrap();
	assert!(surplus.contains("SURPLUS"), "{surplus}");
	let breach = invariant_problem(Invariant::Breach { issuance: 11, vault: 10 }).unwrap();
	assert!(breach.contains("BREACH") && breach.contains("11") && breach.contains("10"));

	let health = Health::new(10);
	health.set_progress(5, 30);
	health.set_problem(Component::Invariant, Some(breach));
	let report = health.report(true);
	assert!(!report.healthy);
	assert_eq!(report.lag_blocks, 25);
	assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
	health.set_problem(Component::Invariant, None);
	health.set_progress(30, 30);
	assert!(health.report(true).healthy);
}

/// `system_health` lists each problem under its component's name, which
/// operators' monitoring reads: the names stay those of the string keys
/// the components had.
#[test]
fn health_lists_problems_under_stable_component_names() {
	let health = Health::new(10);
	let components = [
		(Component::Sync, "parent-chain sync"),
		(Component::Production, "block production"),
		(Component::Anchoring, "sidechain anchoring"),
		(Component::Invariant, "invariant"),
		(Component::Registration, "registration renewal"),
		(Component::Rollback, "rollback"),
		(Component::Membership, "shard membership"),
	];
	for (component, name) in components {
		assert_eq!(component.to_string(), name);
		health.set_problem(component, Some("it failed".into()));
		assert!(health.has_problem(component));
	}
	let problems = health.report(true).problems;
	let mut expected: Vec<String> =
		components.iter().map(|(_, name)| format!("{name}: it failed")).collect();
	expected.sort();
	assert_eq!(problems, expected, "listed in the order of their names");
	health.set_problem(Component::Rollback, None);
	assert!(!health.has_problem(Component::Rollback));
	assert_eq!(health.report(true).problems.len(), components.len() - 1);
}

/// Errors name what failed: the flag and its value, the duty and the step.
#[test]
fn errors_name_what_failed() {
	use crate::submitter::{SubmitError, SubmitFailure};
	let dir = integritee_test_node::tempdir::create("service-args");
	let short = rpc_args(&dir, &["--shard", "0x1234"]).shard().unwrap_err();
	assert_eq!(short.to_string(), "--shard 0x1234: a shard is 32 bytes, got 2");
	let not_hex = rpc_args(&dir, &["--expect-genesis", "genesis"]).expected_genesis_hash();
	assert_eq!(not_hex.unwrap_err().to_string(), "--expect-genesis genesis: not hex");
	let hash = format!("0x{}", hex::encode([7u8; 32]));
	let checkpoint = rpc_args(&dir, &["--checkpoint-block", &hash]).checkpoint_hash().unwrap();
	assert_eq!(checkpoint, Some(H256::repeat_byte(7)));

	let refused = SubmitError {
		what: "anchor of sidechain block #7".into(),
		failure: SubmitFailure::Sign(integritee_enclave::Error::NoCheckpoint),
	};
	assert_eq!(
		refused.to_string(),
		format!(
			"anchor of sidechain block #7 failed: the trusted core refused to sign it: {}",
			integritee_enclave::Error::NoCheckpoint
		)
	);
}

/// A private getter for `who`'s account with `min_block`, signed by
/// `signer`, encrypted to `shielding_key`, as JSON-RPC parameter.
fn getter_param_by(
	shard: H256,
	shielding_key: &[u8],
	who: &polkadot_sdk::sp_core::sr25519::Pair,
	min_block: Option<u64>,
	signer: &polkadot_sdk::sp_core::sr25519::Pair,
) -> String {
	use polkadot_sdk::sp_core::Pair;
	let (request, _) = integritee_stf_primitives::getter::PrivateGetterRequest::new(
		integritee_stf_primitives::TrustedGetter::AccountInfo(who.public().into()),
		shard,
		crate::now_ms(),
		min_block,
		shielding_key,
		|payload| polkadot_sdk::sp_runtime::MultiSignature::Sr25519(signer.sign(payload)),
	)
	.unwrap();
	format!("0x{}", hex::encode(request.encode()))
}

/// A private getter for `who`'s account, signed by `who`, encrypted to
/// `shielding_key`, as JSON-RPC parameter.
fn getter_param(
	shard: H256,
	shielding_key: &[u8],
	who: &polkadot_sdk::sp_core::sr25519::Pair,
) -> String {
	getter_param_by(shard, shielding_key, who, None, who)
}

/// Key, health and header queries are answered while the trusted core is
/// held alone (storing a chunk, committing a block); getters, which read
/// the state, are answered while it is only read (verifying a chunk,
/// proposing a block). And during a real 256-block catch-up every request
/// is answered.
#[tokio::test(flavor = "multi_thread")]
async fn rpc_answers_while_the_core_is_busy_and_during_a_catch_up() {
	use integritee_stf_primitives::rpc as names;
	use jsonrpsee::{core::client::ClientT, rpc_params};
	use polkadot_sdk::sp_core::Pair;

	let (chain, enclave, dir) =
		chain(256, |_| vec![], |n| (n % 16 == 0).then(|| (0, testing::pairs(&["//Alice"]))));
	let args = rpc_args(&dir, &[]);
	let health = Health::new(10);
	let latest = crate::production::LatestHeader::default();
	let (address, server) = crate::rpc::start(
		&args,
		enclave.clone(),
		health,
		latest.clone(),
		Default::default(),
		"127.0.0.1:3443".into(),
	)
	.await
	.unwrap();
	let shard = crate::read(&enclave).shard();
	let expected_key =
		format!("0x{}", hex::encode(crate::read(&enclave).shielding_public_key().unwrap()));
	let shielding_key = crate::read(&enclave).shielding_public_key().unwrap();
	let (client, _) =
		integritee_test_node::ra_tls::worker_client(&format!("wss://{address}"), [4; 32])
			.await
			.unwrap();
	let bob = polkadot_sdk::sp_core::sr25519::Pair::from_string("//Bob", None).unwrap();

	// Held alone: keys, health and the header answer.
	let hold = |alone: bool| {
		let enclave = enclave.clone();
		let (held_tx, held_rx) = std::sync::mpsc::channel::<()>();
		let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
		let holder = std::thread::spawn(move || {
			if alone {
				let _guard = crate::lock(&enclave);
				held_tx.send(()).unwrap();
				release_rx.recv().unwrap();
			} else {
				let _guard = crate::read(&enclave);
				held_tx.send(()).unwrap();
				release_rx.recv().unwrap();
			}
		});
		held_rx.recv().unwrap();
		(holder, release_tx)
	};
	let (holder, release) = hold(true);
	let key: String = client.request(names::GET_SHIELDING_KEY, rpc_params![]).await.unwrap();
	assert_eq!(key, expected_key);
	let health: integritee_stf_primitives::rpc::WorkerHealth =
		client.request(names::SYSTEM_HEALTH, rpc_params![]).await.unwrap();
	assert!(health.simulated_tee);
	let header: Option<String> =
		client.request(names::CHAIN_GET_HEADER, rpc_params![]).await.unwrap();
	assert_eq!(header, None, "no sidechain block yet");
	release.send(()).unwrap();
	holder.join().unwrap();

	// The first chunk proves the shard created with the core's key: it
	// holds the shard's state from then on.
	assert!(matches!(
		import_next_chunk(&chain, &enclave, 256, 16).await.unwrap(),
		Step::Imported { .. }
	));

	// Read (as while a chunk is verified or a block proposed): getters too.
	let (holder, release) = hold(false);
	let answer: String = client
		.request(names::EXECUTE_GETTER, rpc_params![getter_param(shard, &shielding_key, &bob)])
		.await
		.unwrap();
	assert!(answer.starts_with("0x"));
	release.send(()).unwrap();
	holder.join().unwrap();

	// The rest of a 256-block catch-up in chunks, with requests all along.
	let catch_up = {
		let enclave = enclave.clone();
		tokio::spawn(async move {
			let mut chunks = 0;
			loop {
				match import_next_chunk(&chain, &enclave, 256, 16).await.unwrap() {
					Step::UpToDate { .. } => return chunks,
					Step::Imported { .. } => chunks += 1,
					Step::NoJustification { .. } => panic!("every 16th block is justified"),
				}
			}
		})
	};
	let mut answered = 0;
	while !catch_up.is_finished() || answered == 0 {
		let _: String = client.request(names::GET_SHIELDING_KEY, rpc_params![]).await.unwrap();
		let _: integritee_stf_primitives::rpc::WorkerHealth =
			client.request(names::SYSTEM_HEALTH, rpc_params![]).await.unwrap();
		let _: String = client
			.request(names::EXECUTE_GETTER, rpc_params![getter_param(shard, &shielding_key, &bob)])
			.await
			.unwrap();
		answered += 1;
	}
	assert_eq!(catch_up.await.unwrap(), 15, "256 blocks in chunks of 16");
	assert_eq!(crate::read(&enclave).light_client_head().unwrap().0, 256);
	assert!(answered > 0);
	let _ = server.stop();
}

/// The worker's arguments for a trusted RPC on a free port, data in `dir`.
fn rpc_args(dir: &integritee_test_node::tempdir::TempDirGuard, more: &[&str]) -> crate::Args {
	use clap::Parser;
	let data_dir = dir.0.to_string_lossy().into_owned();
	let mut args = vec!["integritee-worker", "--data-dir", data_dir.as_str(), "--rpc-port", "0"];
	args.extend_from_slice(more);
	crate::Args::parse_from(args)
}

/// The trusted RPC's transport on a free port of 127.0.0.1 with `limits`,
/// serving one method, `system_version`, which answers "test"; its TLS
/// certificate is a trusted core's (MRENCLAVE `[4; 32]`). The directory
/// holds that core's files.
async fn test_transport(
	limits: crate::rpc::ConnectionLimits,
) -> (
	std::net::SocketAddr,
	jsonrpsee::server::ServerHandle,
	integritee_test_node::tempdir::TempDirGuard,
) {
	let (_, enclave, dir) = chain(0, |_| vec![], |_| None);
	let certificate = crate::read(&enclave).tls_certificate(crate::now_ms(), 3_600_000).unwrap();
	let tls = integritee_ra_tls::server_config_one_way(Arc::new(
		integritee_ra_tls::RenewableCertificate::new(&certificate).unwrap(),
	))
	.unwrap();
	let mut module = jsonrpsee::RpcModule::new(());
	module.register_method("system_version", |_, _, _| "test").unwrap();
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let address = listener.local_addr().unwrap();
	(address, crate::rpc::serve_tls(listener, tls, module.into(), limits), dir)
}

/// A TLS connection to the trusted RPC at `server` from the local address
/// `from` (Linux routes all of 127.0.0.0/8 to the loopback interface, so
/// 127.0.0.2 is a second client address without any set-up).
async fn tls_from(
	from: std::net::IpAddr,
	server: std::net::SocketAddr,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
	let socket = tokio::net::TcpSocket::new_v4()?;
	socket.bind(std::net::SocketAddr::new(from, 0))?;
	let tcp = socket.connect(server).await?;
	let (client_tls, _) = integritee_ra_tls::client_config_one_way(
		integritee_test_node::ra_tls::dev_ra_tls_config([4; 32]),
	)
	.unwrap();
	tokio_rustls::TlsConnector::from(Arc::new(client_tls))
		.connect(integritee_ra_tls::server_name().unwrap(), tcp)
		.await
}

/// Asks `system_version` in an HTTP/1.1 request on `stream`, which stays
/// open, and returns the HTTP status line and the JSON-RPC answer.
async fn ask_version<S>(stream: &mut S) -> (String, serde_json::Value)
where
	S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
	use tokio::io::{AsyncReadExt, AsyncWriteExt};
	let body = r#"{"jsonrpc":"2.0","id":1,"method":"system_version","params":[]}"#;
	let request = format!(
		"POST / HTTP/1.1\r\nHost: worker\r\nContent-Type: application/json\r\nContent-Length: \
		 {}\r\n\r\n{body}",
		body.len()
	);
	stream.write_all(request.as_bytes()).await.unwrap();
	let read_answer = async {
		let mut received = Vec::new();
		let mut buffer = [0u8; 4096];
		loop {
			let n = stream.read(&mut buffer).await.unwrap();
			assert!(n > 0, "closed before the answer: {}", String::from_utf8_lossy(&received));
			received.extend_from_slice(&buffer[..n]);
			let text = String::from_utf8_lossy(&received).into_owned();
			let Some((head, body)) = text.split_once("\r\n\r\n") else { continue };
			let length: usize = head
				.lines()
				.find_map(|line| {
					let (name, value) = line.split_once(':')?;
					name.eq_ignore_ascii_case("content-length")
						.then(|| value.trim().parse().ok())?
				})
				.expect("the answer has a Content-Length");
			if body.len() >= length {
				let status = head.lines().next().unwrap_or_default().to_string();
				return (status, serde_json::from_str(&body[..length]).unwrap());
			}
		}
	};
	tokio::time::timeout(std::time::Duration::from_secs(10), read_answer)
		.await
		.expect("an answer within 10 s")
}

/// Whether the server closed `stream`: a read ends (end of stream, or an
/// error such as a reset or a TLS stream cut without `close_notify`) within
/// `wait`; `false` when it is still waiting for data.
async fn closed_within<S>(stream: &mut S, wait: std::time::Duration) -> bool
where
	S: tokio::io::AsyncRead + Unpin,
{
	use tokio::io::AsyncReadExt;
	let mut buffer = [0u8; 1024];
	loop {
		match tokio::time::timeout(wait, stream.read(&mut buffer)).await {
			Err(_) => return false,
			Ok(Ok(0)) | Ok(Err(_)) => return true,
			// Anything the server sent before closing (a TLS session
			// ticket) is not a close.
			Ok(Ok(_)) => continue,
		}
	}
}

/// A connection beyond the trusted RPC's limit gets one answer, a JSON-RPC
/// "server is busy" error in an HTTP 429 (a WebSocket client sees its
/// handshake refused), and is closed; a closed connection frees its place.
#[tokio::test(flavor = "multi_thread")]
async fn connections_beyond_the_limit_are_answered_busy() {
	use integritee_stf_primitives::direct::error_code;
	use jsonrpsee::core::client::ClientT;
	use tokio::io::{AsyncReadExt, AsyncWriteExt};

	let limits = crate::rpc::ConnectionLimits { max_connections: 2, ..Default::default() };
	let (address, server, _dir) = test_transport(limits).await;
	let url = format!("wss://{address}");
	let connect = || integritee_test_node::ra_tls::worker_client(&url, [4; 32]);

	let first = connect().await.unwrap().0;
	let second = connect().await.unwrap().0;
	for client in [&first, &second] {
		let version: String =
			client.request("system_version", jsonrpsee::rpc_params![]).await.unwrap();
		assert_eq!(version, "test");
	}

	// A third WebSocket client: its handshake is refused with the 429.
	let refused = connect().await.map(|_| ()).unwrap_err();
	assert!(refused.contains("429"), "{refused}");

	// A third plain HTTPS request: the JSON-RPC error, then the close.
	let (client_tls, _) = integritee_ra_tls::client_config_one_way(
		integritee_test_node::ra_tls::dev_ra_tls_config([4; 32]),
	)
	.unwrap();
	let socket = tokio::net::TcpStream::connect(address).await.unwrap();
	let mut stream = tokio_rustls::TlsConnector::from(Arc::new(client_tls))
		.connect(integritee_ra_tls::server_name().unwrap(), socket)
		.await
		.unwrap();
	let body = r#"{"jsonrpc":"2.0","id":1,"method":"system_version","params":[]}"#;
	let request = format!(
		"POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: \
		 {}\r\n\r\n{body}",
		body.len()
	);
	stream.write_all(request.as_bytes()).await.unwrap();
	let mut answer = String::new();
	tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_string(&mut answer))
		.await
		.expect("the busy answer comes and the connection closes")
		.unwrap();
	let (head, json) = answer.split_once("\r\n\r\n").unwrap();
	assert!(head.starts_with("HTTP/1.1 429"), "{head}");
	let json: serde_json::Value = serde_json::from_str(json).unwrap();
	assert_eq!(json["error"]["code"], error_code::SERVER_BUSY, "{json}");
	assert_eq!(json["jsonrpc"], "2.0");

	// The first client leaves: a new one is served.
	drop(first);
	let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
	let third = loop {
		match connect().await {
			Ok((client, _)) => break client,
			Err(e) if std::time::Instant::now() < deadline && e.contains("429") => {
				tokio::time::sleep(std::time::Duration::from_millis(50)).await
			}
			Err(e) => panic!("a freed place is not given to a new client: {e}"),
		}
	};
	let version: String = third.request("system_version", jsonrpsee::rpc_params![]).await.unwrap();
	assert_eq!(version, "test");
	let _ = second;
	let _ = server.stop();
}

/// One client address holding all of its connections does not lock out
/// another: 127.0.0.1 asks for every connection the server has and gets
/// its share, closed at once beyond it; 127.0.0.2 is still served, and a
/// connection 127.0.0.1 closes gives it its place back.
#[tokio::test(flavor = "multi_thread")]
async fn one_client_address_cannot_hoard_the_connections() {
	use std::net::{IpAddr, Ipv4Addr};

	let limits = crate::rpc::ConnectionLimits {
		max_connections: 4,
		max_per_address: 2,
		..Default::default()
	};
	let (address, server, _dir) = test_transport(limits).await;
	let first_client = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
	let second_client = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

	// The first address tries to take all four connections: two are
	// served, the others are closed before their TLS handshake ends.
	let mut held = Vec::new();
	for attempt in 0..limits.max_connections {
		match tls_from(first_client, address).await {
			Ok(mut stream) => {
				let (status, answer) = ask_version(&mut stream).await;
				assert!(status.starts_with("HTTP/1.1 200"), "{status}");
				assert_eq!(answer["result"], "test", "{answer}");
				held.push(stream);
			}
			Err(e) => assert!(attempt >= limits.max_per_address, "attempt {attempt}: {e}"),
		}
	}
	assert_eq!(held.len(), limits.max_per_address, "the first address holds only its share");

	// The second address is served, up to its own share, while the first
	// keeps its connections open.
	let mut others = Vec::new();
	for _ in 0..limits.max_per_address {
		let mut stream = tls_from(second_client, address)
			.await
			.expect("another address gets a connection while the first holds its share");
		let (status, answer) = ask_version(&mut stream).await;
		assert!(status.starts_with("HTTP/1.1 200"), "{status}");
		assert_eq!(answer["result"], "test", "{answer}");
		others.push(stream);
	}
	for stream in held.iter_mut() {
		assert_eq!(ask_version(stream).await.1["result"], "test", "held connections stay served");
	}

	// The first address closes one connection and gets its place back.
	drop(held.pop());
	let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
	let mut again = loop {
		match tls_from(first_client, address).await {
			Ok(stream) => break stream,
			Err(e) if std::time::Instant::now() < deadline => {
				log::debug!("not yet: {e}");
				tokio::time::sleep(std::time::Duration::from_millis(50)).await
			}
			Err(e) => panic!("a closed connection does not give its address a place back: {e}"),
		}
	};
	assert_eq!(ask_version(&mut again).await.1["result"], "test");
	drop((held, others, again));
	let _ = server.stop();
}

/// A connection whose client sends nothing is closed after the read-idle
/// time: one that completed TLS but never sent its HTTP request, and one
/// that sent a request and then went silent. A WebSocket client that asks
/// nothing for longer stays open: it answers the server's pings.
#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_are_closed_and_live_websockets_stay() {
	use std::{
		net::{IpAddr, Ipv4Addr},
		time::Duration,
	};

	use jsonrpsee::core::client::ClientT;

	let limits = crate::rpc::ConnectionLimits {
		read_idle_timeout: Duration::from_millis(1500),
		ping_interval: Duration::from_millis(300),
		ping_inactive_limit: Duration::from_secs(2),
		..Default::default()
	};
	let (address, server, _dir) = test_transport(limits).await;
	let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
	// Far beyond the idle time, so that only a server that never closes
	// idle connections fails the checks below.
	let patience = Duration::from_secs(20);

	let (websocket, _) =
		integritee_test_node::ra_tls::worker_client(&format!("wss://{address}"), [4; 32])
			.await
			.unwrap();
	let version: String =
		websocket.request("system_version", jsonrpsee::rpc_params![]).await.unwrap();
	assert_eq!(version, "test");

	let mut silent = tls_from(client, address).await.unwrap();
	assert!(
		closed_within(&mut silent, patience).await,
		"a TLS connection that never sent its request is still open after {patience:?}"
	);

	let mut gone_silent = tls_from(client, address).await.unwrap();
	assert_eq!(ask_version(&mut gone_silent).await.1["result"], "test");
	assert!(
		closed_within(&mut gone_silent, patience).await,
		"an HTTP connection silent after its request is still open after {patience:?}"
	);

	// The WebSocket asked nothing while the two others were closed (and at
	// least three read-idle times passed since its request).
	tokio::time::sleep(limits.read_idle_timeout * 3).await;
	assert!(websocket.is_connected(), "a WebSocket answering pings was closed");
	let version: String =
		websocket.request("system_version", jsonrpsee::rpc_params![]).await.unwrap();
	assert_eq!(version, "test");
	drop(websocket);
	let _ = server.stop();
}

/// TLS handshakes in progress are bounded: while clients that never start
/// their handshake hold every handshake place, a further connection is
/// closed at once (the stalled ones stay open until their handshake
/// times out), not queued; once they time out, a client is served again.
#[tokio::test(flavor = "multi_thread")]
async fn handshakes_beyond_the_bound_are_closed_at_once() {
	use std::{
		net::{IpAddr, Ipv4Addr},
		time::Duration,
	};

	use jsonrpsee::core::client::ClientT;

	let limits = crate::rpc::ConnectionLimits {
		max_handshakes: 2,
		handshake_timeout: Duration::from_secs(5),
		..Default::default()
	};
	let (address, server, _dir) = test_transport(limits).await;

	// Plain TCP connections that never send a ClientHello hold the
	// handshake places (the server accepts connections in order).
	let mut stalled = Vec::new();
	for _ in 0..limits.max_handshakes {
		stalled.push(tokio::net::TcpStream::connect(address).await.unwrap());
	}
	let mut beyond = tokio::net::TcpStream::connect(address).await.unwrap();
	assert!(
		closed_within(&mut beyond, limits.handshake_timeout).await,
		"a connection beyond the handshake bound is not closed"
	);
	// Closed at once, not after a handshake timeout of its own: the
	// stalled ones, accepted before it, are still waiting.
	for stream in stalled.iter_mut() {
		assert!(
			!closed_within(stream, Duration::from_millis(200)).await,
			"a stalled handshake was closed before its timeout"
		);
	}
	// A well-behaved client is turned away too while the places are held.
	let refused = tls_from(IpAddr::V4(Ipv4Addr::LOCALHOST), address).await;
	assert!(refused.is_err(), "a handshake beyond the bound was completed");

	// The stalled handshakes time out and give their places back.
	for stream in stalled.iter_mut() {
		assert!(
			closed_within(stream, limits.handshake_timeout * 3).await,
			"a stalled handshake outlived its timeout"
		);
	}
	let url = format!("wss://{address}");
	let deadline = std::time::Instant::now() + Duration::from_secs(10);
	let client = loop {
		match integritee_test_node::ra_tls::worker_client(&url, [4; 32]).await {
			Ok((client, _)) => break client,
			Err(e) if std::time::Instant::now() < deadline => {
				log::debug!("not yet: {e}");
				tokio::time::sleep(Duration::from_millis(50)).await
			}
			Err(e) => panic!("handshake places are not given back: {e}"),
		}
	};
	let version: String = client.request("system_version", jsonrpsee::rpc_params![]).await.unwrap();
	assert_eq!(version, "test");
	drop((stalled, client));
	let _ = server.stop();
}

/// The worker's `--rpc-max-connections-per-address` is the per-address
/// limit of its trusted RPC.
#[tokio::test(flavor = "multi_thread")]
async fn the_per_address_limit_is_the_workers_argument() {
	use std::net::{IpAddr, Ipv4Addr};

	let (_, enclave, dir) = chain(0, |_| vec![], |_| None);
	let args = rpc_args(&dir, &["--rpc-max-connections-per-address", "1"]);
	let (address, server) = crate::rpc::start(
		&args,
		enclave,
		Health::new(10),
		Default::default(),
		Default::default(),
		"127.0.0.1:3443".into(),
	)
	.await
	.unwrap();
	let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
	let mut first = tls_from(client, address).await.unwrap();
	assert!(tls_from(client, address).await.is_err(), "a second connection of one address");
	let (status, answer) = ask_version(&mut first).await;
	assert!(status.starts_with("HTTP/1.1 200"), "{status}");
	assert_eq!(answer["result"], env!("CARGO_PKG_VERSION"), "{answer}");
	drop(first);
	let _ = server.stop();
}

/// The trusted RPC renews its RA-TLS certificate at half its validity
/// without a restart: a new connection sees a new TLS key (bound by a new
/// quote), and a connection opened before keeps being answered.
#[tokio::test(flavor = "multi_thread")]
async fn the_rpc_certificate_is_renewed_without_a_restart() {
	use integritee_stf_primitives::rpc as names;
	use jsonrpsee::{core::client::ClientT, rpc_params};

	let (_, enclave, dir) = chain(0, |_| vec![], |_| None);
	let args = rpc_args(&dir, &["--tls-validity-secs", "10"]);
	let (address, server) = crate::rpc::start(
		&args,
		enclave.clone(),
		Health::new(10),
		Default::default(),
		Default::default(),
		"127.0.0.1:3443".into(),
	)
	.await
	.unwrap();
	let url = format!("wss://{address}");
	let key_hash = |verified: integritee_ra_tls::VerifiedServer| {
		verified.get().expect("the certificate was verified").key_hash
	};
	let (early, verified) =
		integritee_test_node::ra_tls::worker_client(&url, [4; 32]).await.unwrap();
	let first_key = key_hash(verified);

	// Renewal is due after 5 s; a new connection shows it.
	let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
	loop {
		assert!(std::time::Instant::now() < deadline, "the certificate was not renewed in 30 s");
		tokio::time::sleep(std::time::Duration::from_millis(500)).await;
		let (client, verified) =
			integritee_test_node::ra_tls::worker_client(&url, [4; 32]).await.unwrap();
		if key_hash(verified) != first_key {
			let _: String = client.request(names::GET_SHARD, rpc_params![]).await.unwrap();
			break;
		}
	}
	let shard: String = early.request(names::GET_SHARD, rpc_params![]).await.unwrap();
	assert_eq!(shard, format!("0x{}", hex::encode(crate::read(&enclave).shard().as_bytes())));
	let _ = server.stop();
}

/// A trusted RPC with the getter limits `limits` on a free port: its URL,
/// its handle, and the count of waiting getters.
async fn getter_server(
	enclave: &SharedEnclave,
	limits: crate::rpc::GetterLimits,
) -> (String, jsonrpsee::server::ServerHandle, crate::rpc::WaitingGetters) {
	let certificate = crate::read(enclave).tls_certificate(crate::now_ms(), 3_600_000).unwrap();
	let tls = integritee_ra_tls::server_config_one_way(Arc::new(
		integritee_ra_tls::RenewableCertificate::new(&certificate).unwrap(),
	))
	.unwrap();
	let waiting = crate::rpc::WaitingGetters::new(limits);
	let methods = crate::rpc::module(
		enclave.clone(),
		Health::new(10),
		crate::production::LatestHeader::default(),
		Default::default(),
		waiting.clone(),
		"127.0.0.1:3443".into(),
	)
	.unwrap();
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("wss://{}", listener.local_addr().unwrap());
	(
		url,
		crate::rpc::serve_tls(
			listener,
			tls,
			methods,
			crate::rpc::ConnectionLimits { max_connections: 8, ..Default::default() },
		),
		waiting,
	)
}

/// The JSON-RPC refusal of a request (code, message).
fn refusal(error: jsonrpsee::core::ClientError) -> (i32, String) {
	match error {
		jsonrpsee::core::ClientError::Call(e) => (e.code(), e.message().to_string()),
		other => panic!("not a JSON-RPC refusal: {other}"),
	}
}

/// Exploit (on the parent commit the RPC retried the core every 50 ms for
/// 10 s, each time decrypting the request, before its signature was ever
/// checked): an unsigned getter with a far `min_block` is refused at once as
/// a bad signature, the core decrypted it once; a well-signed one too far
/// ahead is refused at once, naming the limit. The getter methods named
/// after one kind of getter are gone.
#[tokio::test(flavor = "multi_thread")]
async fn a_getter_that_would_hold_the_cpu_is_refused_at_once_after_one_decryption() {
	use integritee_stf_primitives::rpc::{self as names, MAX_MIN_BLOCK_AHEAD};
	use jsonrpsee::{core::client::ClientT, rpc_params};
	use polkadot_sdk::sp_core::Pair;

	let (enclave, _dir) = created_core().await;
	// Waiting would take a minute: a quick refusal shows nothing waited.
	let limits =
		crate::rpc::GetterLimits { wait: std::time::Duration::from_secs(60), ..Default::default() };
	let (url, server, waiting) = getter_server(&enclave, limits).await;
	let (client, _) = integritee_test_node::ra_tls::worker_client(&url, [4; 32]).await.unwrap();
	let (shard, key) = {
		let core = crate::read(&enclave);
		(core.shard(), core.shielding_public_key().unwrap())
	};
	let bob = polkadot_sdk::sp_core::sr25519::Pair::from_string("//Bob", None).unwrap();
	let mallory = polkadot_sdk::sp_core::sr25519::Pair::from_string("//Mallory", None).unwrap();

	let unsigned = getter_param_by(shard, &key, &bob, Some(u64::MAX), &mallory);
	let error = client.request::<String, _>(names::EXECUTE_GETTER, rpc_params![unsigned]).await;
	let (code, message) = refusal(error.unwrap_err());
	assert_eq!(code, -32602);
	assert!(message.contains("signature is not valid"), "{message}");
	assert_eq!(crate::read(&enclave).getters_opened(), 1, "decrypted once");
	assert_eq!(waiting.waiting(), 0);

	let too_far = getter_param_by(shard, &key, &bob, Some(MAX_MIN_BLOCK_AHEAD + 1), &bob);
	let error = client.request::<String, _>(names::EXECUTE_GETTER, rpc_params![too_far]).await;
	let (code, message) = refusal(error.unwrap_err());
	assert_eq!(code, -32602);
	assert!(message.contains("blocks past the committed sidechain block #0"), "{message}");
	assert_eq!(crate::read(&enclave).getters_opened(), 2);

	// One method for every kind of getter.
	let answer: String = client
		.request(names::EXECUTE_GETTER, rpc_params![getter_param(shard, &key, &bob)])
		.await
		.unwrap();
	assert!(answer.starts_with("0x"));
	for gone in ["author_getNextNonce", "author_pendingExtrinsics"] {
		let param = getter_param(shard, &key, &bob);
		let error = client.request::<String, _>(gone, rpc_params![param]).await.unwrap_err();
		assert_eq!(refusal(error).0, -32601, "{gone} is not a method any more");
	}
	let _ = server.stop();
}

/// Exploit (on the parent commit nothing capped waiting getters): getters
/// waiting for their `min_block` are capped per connection and in total;
/// one more is refused at once with 1017 naming the limit, and a waiting
/// getter whose block does not come ends with a clear error.
#[tokio::test(flavor = "multi_thread")]
async fn waiting_getters_beyond_the_caps_are_refused() {
	use integritee_stf_primitives::{direct::error_code, rpc as names};
	use jsonrpsee::{core::client::ClientT, rpc_params};
	use polkadot_sdk::sp_core::Pair;

	let (enclave, _dir) = created_core().await;
	let limits = crate::rpc::GetterLimits {
		per_connection: 2,
		total: 3,
		wait: std::time::Duration::from_secs(8),
	};
	let (url, server, waiting) = getter_server(&enclave, limits).await;
	let connect = || integritee_test_node::ra_tls::worker_client(&url, [4; 32]);
	let (shard, key) = {
		let core = crate::read(&enclave);
		(core.shard(), core.shielding_public_key().unwrap())
	};
	let bob = polkadot_sdk::sp_core::sr25519::Pair::from_string("//Bob", None).unwrap();
	// Block #1 is not committed: each of these waits.
	let next_block = || getter_param_by(shard, &key, &bob, Some(1), &bob);
	let wait_on = |client: Arc<jsonrpsee::ws_client::WsClient>, param: String| {
		tokio::spawn(async move {
			client.request::<String, _>(names::EXECUTE_GETTER, rpc_params![param]).await
		})
	};
	let until_waiting = |n: usize| {
		let waiting = waiting.clone();
		async move {
			let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
			while waiting.waiting() < n {
				assert!(std::time::Instant::now() < deadline, "{n} getters never waited");
				tokio::time::sleep(std::time::Duration::from_millis(10)).await;
			}
		}
	};

	let first = Arc::new(connect().await.unwrap().0);
	let mut held = vec![wait_on(first.clone(), next_block()), wait_on(first.clone(), next_block())];
	until_waiting(2).await;
	let error = first.request::<String, _>(names::EXECUTE_GETTER, rpc_params![next_block()]).await;
	let (code, message) = refusal(error.unwrap_err());
	assert_eq!(code, error_code::LIMIT_REACHED);
	assert!(message.contains("this connection has 2 getters waiting"), "{message}");

	let second = Arc::new(connect().await.unwrap().0);
	held.push(wait_on(second.clone(), next_block()));
	until_waiting(3).await;
	let third = connect().await.unwrap().0;
	let error = third.request::<String, _>(names::EXECUTE_GETTER, rpc_params![next_block()]).await;
	let (code, message) = refusal(error.unwrap_err());
	assert_eq!(code, error_code::LIMIT_REACHED);
	assert!(message.contains("the worker has 3 getters waiting"), "{message}");
	// A getter that does not wait is still answered.
	let answer: String = third
		.request(names::EXECUTE_GETTER, rpc_params![getter_param(shard, &key, &bob)])
		.await
		.unwrap();
	assert!(answer.starts_with("0x"));

	// The block never comes: each waiting getter ends with the core's
	// "not yet", and gives its place back.
	for waiting_getter in held {
		let (code, message) = refusal(waiting_getter.await.unwrap().unwrap_err());
		assert_eq!(code, -32602);
		assert!(message.contains("before the getter's min_block #1"), "{message}");
	}
	assert_eq!(waiting.waiting(), 0);
	assert_eq!(crate::read(&enclave).getters_opened(), 6, "each request decrypted once");
	let _ = server.stop();
}

/// Exploit (on the parent commit batches were unlimited: one message
/// started any number of requests): a batch of more than `MAX_BATCH_LEN`
/// entries is refused whole; one within the limit is answered.
#[tokio::test(flavor = "multi_thread")]
async fn batches_beyond_the_limit_are_refused() {
	use tokio::io::{AsyncReadExt, AsyncWriteExt};

	let (_, enclave, _dir) = chain(0, |_| vec![], |_| None);
	let (url, server, _) = getter_server(&enclave, Default::default()).await;
	let address = url.trim_start_matches("wss://").to_string();
	let post = |entries: u32| {
		let address = address.clone();
		async move {
			let batch: Vec<serde_json::Value> = (0..entries)
				.map(|id| {
					serde_json::json!({
						"jsonrpc": "2.0", "id": id, "method": "system_version", "params": []
					})
				})
				.collect();
			let body = serde_json::Value::Array(batch).to_string();
			let (client_tls, _) = integritee_ra_tls::client_config_one_way(
				integritee_test_node::ra_tls::dev_ra_tls_config([4; 32]),
			)
			.unwrap();
			let socket = tokio::net::TcpStream::connect(&address).await.unwrap();
			let mut stream = tokio_rustls::TlsConnector::from(Arc::new(client_tls))
				.connect(integritee_ra_tls::server_name().unwrap(), socket)
				.await
				.unwrap();
			let request = format!(
				"POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
				 Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
				body.len()
			);
			stream.write_all(request.as_bytes()).await.unwrap();
			let mut answer = String::new();
			tokio::time::timeout(
				std::time::Duration::from_secs(10),
				stream.read_to_string(&mut answer),
			)
			.await
			.expect("an answer, then the close")
			.unwrap();
			let (_, json) = answer.split_once("\r\n\r\n").unwrap();
			serde_json::from_str::<serde_json::Value>(json).unwrap()
		}
	};
	let within = post(crate::rpc::MAX_BATCH_LEN).await;
	assert_eq!(
		within.as_array().map(Vec::len),
		Some(crate::rpc::MAX_BATCH_LEN as usize),
		"{within}"
	);
	let beyond = post(crate::rpc::MAX_BATCH_LEN + 1).await;
	assert_eq!(beyond["error"]["code"], -32010, "{beyond}");
	assert!(beyond["error"]["message"].as_str().unwrap().contains("batch"), "{beyond}");
	let _ = server.stop();
}

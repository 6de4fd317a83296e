//! The light client against a real dev node: GRANDPA justifications, bodies
//! and storage proofs as the node serves them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use codec::{Decode, Encode};
use integritee_chain_client::{ChainClient, Events, WaitFor};
use integritee_light_client::{
	read_proof, verify_extrinsics_root, AuthoritySet, Checkpoint, Error, GrandpaJustification,
	Header, LightClient, H256,
};
use integritee_test_node::Node;
use jsonrpsee::{core::client::ClientT, rpc_params};
use polkadot_sdk::{
	sp_consensus_grandpa::AuthorityList,
	sp_core::Blake2Hasher,
	sp_io::hashing::twox_128,
	sp_trie::{LayoutV1, TrieConfiguration},
};
use serde_json::Value;

fn bytes(value: &Value) -> Vec<u8> {
	match value {
		Value::String(text) => hex::decode(text.trim_start_matches("0x")).unwrap(),
		Value::Array(items) => items.iter().map(|b| b.as_u64().unwrap() as u8).collect(),
		other => panic!("not bytes: {other}"),
	}
}

fn storage_key(pallet: &str, item: &str) -> Vec<u8> {
	[twox_128(pallet.as_bytes()), twox_128(item.as_bytes())].concat()
}

struct Block {
	header: Header,
	extrinsics: Vec<Vec<u8>>,
	/// The GRANDPA justification (engine id `FRNK`), if the block has one.
	justification: Option<Vec<u8>>,
}

async fn block(client: &ChainClient, number: u32) -> Block {
	let hash: H256 = client.rpc().request("chain_getBlockHash", rpc_params![number]).await.unwrap();
	let signed: Value = client.rpc().request("chain_getBlock", rpc_params![hash]).await.unwrap();
	let header = client.header(hash).await.unwrap();
	assert_eq!(header.hash(), hash);
	let extrinsics = signed["block"]["extrinsics"].as_array().unwrap().iter().map(bytes).collect();
	// `justifications`: null or [[engine id, justification], ...]
	let justification = signed["justifications"].as_array().and_then(|list| {
		list.iter().find_map(|pair| {
			let pair = pair.as_array().unwrap();
			(bytes(&pair[0]) == b"FRNK").then(|| bytes(&pair[1]))
		})
	});
	Block { header, extrinsics, justification }
}

#[tokio::test(flavor = "multi_thread")]
async fn verifies_a_real_dev_chain() {
	let mut node = Node::start("lc", &["--dev"]);
	let client = node.client().await;

	// A signed extrinsic of more than 32 bytes: under state version 1 the trie
	// would hash it out of its leaf, so it tells V0 and V1 extrinsics roots apart.
	let alice = integritee_chain_client::dev_pair("//Alice").unwrap();
	let remark =
		integritee_runtime::RuntimeCall::System(polkadot_sdk::frame_system::Call::remark {
			remark: vec![7; 100],
		});
	let included = client.submit(&alice, remark, WaitFor::InBlock).await.unwrap();

	let deadline = Instant::now() + Duration::from_secs(90);
	let remark_number = client.header(included.block_hash).await.unwrap().number;
	while client.finalized_head().await.unwrap().1 < (remark_number + 2).max(8) {
		assert!(Instant::now() < deadline, "8 blocks not finalized in time");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	let finalized = client.finalized_head().await.unwrap().1;

	// Checkpoint: genesis and the authorities the runtime reports there.
	let genesis_hash = client.genesis_hash();
	let answer: String = client
		.rpc()
		.request("state_call", rpc_params!["GrandpaApi_grandpa_authorities", "0x", genesis_hash])
		.await
		.unwrap();
	let authorities = AuthorityList::decode(&mut &bytes(&Value::String(answer))[..]).unwrap();
	assert_eq!(authorities.len(), 1);
	let genesis = client.header(genesis_hash).await.unwrap();
	let mut light = LightClient::new(Checkpoint {
		header: genesis,
		authority_set: AuthoritySet { set_id: 0, authorities },
	});

	let mut blocks = Vec::new();
	for number in 1..=finalized {
		blocks.push(block(&client, number).await);
	}
	let justified: Vec<usize> =
		(0..blocks.len()).filter(|i| blocks[*i].justification.is_some()).collect();
	assert!(justified.len() >= 2, "justified blocks: {justified:?}");
	let (first, last) = (justified[0], justified[justified.len() - 1]);
	let headers: Vec<Header> = blocks.iter().map(|b| b.header.clone()).collect();
	let raw: Value =
		client.rpc().request("chain_getBlock", rpc_params![headers[first].hash()]).await.unwrap();
	let raw_justifications = raw["justifications"].to_string();

	// Two chunks: 1..=first, then first+1..=last.
	let first_just = blocks[first].justification.clone().unwrap();
	let last_just = blocks[last].justification.clone().unwrap();
	let decoded = GrandpaJustification::decode(&mut &last_just[..]).unwrap();
	assert_eq!(decoded.commit.target_hash, headers[last].hash());

	// The same justification with one flipped signature byte is refused.
	let mut flipped = decoded.clone();
	let mut signature = flipped.commit.precommits[0].signature.encode();
	signature[0] ^= 1;
	flipped.commit.precommits[0].signature = Decode::decode(&mut &signature[..]).unwrap();
	let mut early = light.clone();
	let before = early.encode();
	let error = early.import_finalized(&headers[..=last], &flipped.encode()).unwrap_err();
	assert!(matches!(error, Error::BadSignature { .. }), "{error}");
	assert_eq!(before, early.encode());
	// A justification that does not match the chunk end is refused.
	assert!(light.clone().import_finalized(&headers[..=first], &last_just).is_err());

	let verified = light.import_finalized(&headers[..=first], &first_just).unwrap();
	assert_eq!(verified.len(), first + 1);
	if last > first {
		light.import_finalized(&headers[first + 1..=last], &last_just).unwrap();
	}
	assert_eq!(light.last_finalized(), (headers[last].number, headers[last].hash()));

	// Bodies: the extrinsics as chain_getBlock returns them match the root.
	for b in &blocks {
		assert!(!b.extrinsics.is_empty(), "every block has at least the timestamp");
		verify_extrinsics_root(&b.header, &b.extrinsics).unwrap();
		let mut reordered = b.extrinsics.clone();
		reordered.push(reordered[0].clone());
		assert!(verify_extrinsics_root(&b.header, &reordered).is_err());
	}

	// The extrinsics root uses state version 0 (system_version 1); the
	// remark's block proves it: its V1 root differs.
	let with_remark = &blocks[remark_number as usize - 1];
	assert!(with_remark.extrinsics.iter().any(|x| x.len() > 100));
	assert_ne!(
		LayoutV1::<Blake2Hasher>::ordered_trie_root(&with_remark.extrinsics),
		with_remark.header.extrinsics_root
	);
	eprintln!(
		"justified blocks {:?} of 1..={finalized}; justification JSON: {}",
		justified.iter().map(|i| i + 1).collect::<Vec<_>>(),
		raw_justifications
	);

	// Storage: System::Events and System::Number of the last finalized block.
	let header = &headers[last];
	let hash = header.hash();
	let events_key = storage_key("System", "Events");
	let number_key = storage_key("System", "Number");
	let absent_key = storage_key("System", "NoSuchItem");
	let keys = vec![events_key.clone(), number_key.clone(), absent_key.clone()];
	let hex_keys: Vec<String> = keys.iter().map(|k| format!("0x{}", hex::encode(k))).collect();
	let answer: Value =
		client.rpc().request("state_getReadProof", rpc_params![hex_keys, hash]).await.unwrap();
	let proof: Vec<Vec<u8>> = answer["proof"].as_array().unwrap().iter().map(bytes).collect();
	let values = read_proof(header, proof.clone(), &keys).unwrap();
	let events = values[0].clone().expect("events are stored");
	assert_eq!(Some(events.clone()), client.storage_raw(&events_key, Some(hash)).await.unwrap());
	let events = Events::decode(&mut &events[..]).unwrap();
	assert!(!events.is_empty());
	assert_eq!(values[1], Some(header.number.encode()));
	assert_eq!(values[2], None);
	// The same proof against another block's state root is refused.
	assert!(read_proof(&headers[first], proof, &keys).is_err());
}

//! Reads of the parent chain the trusted core needs: finalized blocks with
//! bodies and justifications, read proofs, the genesis checkpoint. Every
//! failed read is an error (retried by the caller), never "absent".

use std::time::Duration;

use futures::future::try_join_all;
use integritee_chain_client::ChainClient;
use integritee_enclave::{light_client::Header, ParentchainBlock};
use jsonrpsee::{core::client::ClientT, rpc_params};
use polkadot_sdk::{
	sp_consensus_grandpa::GRANDPA_ENGINE_ID, sp_core::H256, sp_runtime::Justifications,
};
use serde_json::Value;

/// Connects, retrying with backoff until the node answers.
pub async fn connect_with_retry(url: &str) -> ChainClient {
	let mut backoff = Duration::from_millis(500);
	loop {
		match ChainClient::connect(url).await {
			Ok(client) => return client,
			Err(e) => {
				log::warn!("parent-chain node {url} not reachable ({e}); retrying in {backoff:?}");
				tokio::time::sleep(backoff).await;
				backoff = (backoff * 2).min(Duration::from_secs(10));
			}
		}
	}
}

fn bad(method: &str, reason: impl std::fmt::Display) -> String {
	format!("{method}: {reason}")
}

fn hex_bytes(method: &str, value: &Value) -> Result<Vec<u8>, String> {
	let text = value.as_str().ok_or_else(|| bad(method, "expected a hex string"))?;
	hex::decode(text.trim_start_matches("0x")).map_err(|e| bad(method, e))
}

/// The canonical hash of finalized block `number`.
pub async fn block_hash(client: &ChainClient, number: u32) -> Result<H256, String> {
	let value: Value = client
		.rpc()
		.request("chain_getBlockHash", rpc_params![number])
		.await
		.map_err(|e| bad("chain_getBlockHash", e))?;
	let bytes = hex_bytes("chain_getBlockHash", &value)?;
	if bytes.len() != 32 {
		return Err(bad("chain_getBlockHash", format!("no block {number}")));
	}
	Ok(H256::from_slice(&bytes))
}

/// Header, encoded extrinsics and GRANDPA justification (if stored) of a block.
pub async fn block(
	client: &ChainClient,
	hash: H256,
) -> Result<(Header, Vec<Vec<u8>>, Option<Vec<u8>>), String> {
	let value: Value = client
		.rpc()
		.request("chain_getBlock", rpc_params![hash])
		.await
		.map_err(|e| bad("chain_getBlock", e))?;
	if value.is_null() {
		return Err(bad("chain_getBlock", format!("the node does not have block {hash:?}")));
	}
	let header: Header =
		serde_json::from_value(value.pointer("/block/header").cloned().unwrap_or_default())
			.map_err(|e| bad("chain_getBlock header", e))?;
	let extrinsics = value
		.pointer("/block/extrinsics")
		.and_then(Value::as_array)
		.ok_or_else(|| bad("chain_getBlock", "no extrinsics list"))?
		.iter()
		.map(|xt| hex_bytes("chain_getBlock extrinsic", xt))
		.collect::<Result<Vec<_>, _>>()?;
	let justification = match value.get("justifications") {
		None | Some(Value::Null) => None,
		Some(list) => {
			let justifications: Justifications = serde_json::from_value(list.clone())
				.map_err(|e| bad("chain_getBlock justifications", e))?;
			justifications.into_justification(GRANDPA_ENGINE_ID)
		}
	};
	Ok((header, extrinsics, justification))
}

/// A read proof of `keys` at block `hash` (the proof's trie nodes).
pub async fn read_proof(
	client: &ChainClient,
	keys: &[Vec<u8>],
	hash: H256,
) -> Result<Vec<Vec<u8>>, String> {
	let keys: Vec<String> = keys.iter().map(|key| format!("0x{}", hex::encode(key))).collect();
	let value: Value = client
		.rpc()
		.request("state_getReadProof", rpc_params![keys, hash])
		.await
		.map_err(|e| bad("state_getReadProof", e))?;
	value
		.get("proof")
		.and_then(Value::as_array)
		.ok_or_else(|| bad("state_getReadProof", "no proof"))?
		.iter()
		.map(|node| hex_bytes("state_getReadProof", node))
		.collect()
}

/// Header and checkpoint proof (`Enclave::checkpoint_keys`) of block `hash`,
/// for the trusted core to verify against the hash the operator trusts.
pub async fn checkpoint(
	client: &ChainClient,
	hash: H256,
	keys: &[Vec<u8>],
) -> Result<(Header, Vec<Vec<u8>>), String> {
	let (header, _, _) = block(client, hash).await?;
	let proof = read_proof(client, keys, hash).await?;
	Ok((header, proof))
}

/// The next chunk for the light client: blocks `from..` up to the highest
/// block with a GRANDPA justification within `from..=from+max-1` (and not
/// above `finalized`), each with a read proof of `keys`. `None` if no block
/// in that window carries a justification yet.
pub async fn fetch_chunk(
	client: &ChainClient,
	from: u32,
	finalized: u32,
	max: u32,
	keys: &[Vec<u8>],
) -> Result<Option<(Vec<ParentchainBlock>, Vec<u8>)>, String> {
	let to = finalized.min(from.saturating_add(max.max(1) - 1));
	if to < from {
		return Ok(None);
	}
	let hashes = try_join_all((from..=to).map(|number| block_hash(client, number))).await?;
	let blocks = try_join_all(hashes.iter().map(|hash| block(client, *hash))).await?;
	let Some(last) = blocks.iter().rposition(|(_, _, justification)| justification.is_some())
	else {
		return Ok(None);
	};
	let proofs =
		try_join_all(hashes[..=last].iter().map(|hash| read_proof(client, keys, *hash))).await?;
	let mut justification = None;
	let chunk = blocks
		.into_iter()
		.take(last + 1)
		.zip(proofs)
		.enumerate()
		.map(|(index, ((header, extrinsics, stored), proof))| {
			if index == last {
				justification = stored;
			}
			ParentchainBlock { header, extrinsics, proof }
		})
		.collect();
	Ok(justification.map(|justification| (chunk, justification)))
}

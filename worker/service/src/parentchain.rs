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

/// Why a read of the parent chain failed (retried by the caller; never
/// taken for "absent").
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
	#[error("{method}: {reason}")]
	Failed { method: &'static str, reason: String },
	#[error("the node does not have block {0:?}")]
	UnknownBlock(H256),
	#[error("the node has no finalized block #{0}")]
	UnknownNumber(u32),
}

fn failed(method: &'static str, reason: impl std::fmt::Display) -> ReadError {
	ReadError::Failed { method, reason: reason.to_string() }
}

/// One JSON-RPC request of the node; a failure names the method.
async fn request(
	client: &ChainClient,
	method: &'static str,
	params: jsonrpsee::core::params::ArrayParams,
) -> Result<Value, ReadError> {
	client.rpc().request(method, params).await.map_err(|e| failed(method, e))
}

fn hex_bytes(method: &'static str, value: &Value) -> Result<Vec<u8>, ReadError> {
	let text = value.as_str().ok_or_else(|| failed(method, "expected a hex string"))?;
	hex::decode(text.trim_start_matches("0x")).map_err(|e| failed(method, e))
}

/// A block as the node serves it: header, encoded extrinsics and the GRANDPA
/// justification stored with it, if any.
#[derive(Clone, Debug)]
pub struct FetchedBlock {
	pub header: Header,
	pub extrinsics: Vec<Vec<u8>>,
	pub justification: Option<Vec<u8>>,
}

/// The parent-chain reads the sync needs. `ChainClient` implements it over
/// JSON-RPC; tests implement it over generated chains.
#[allow(async_fn_in_trait)]
pub trait ParentchainReader {
	/// The number of the node's finalized head.
	async fn finalized_number(&self) -> Result<u32, ReadError>;
	async fn block_hash(&self, number: u32) -> Result<H256, ReadError>;
	async fn block(&self, hash: H256) -> Result<FetchedBlock, ReadError>;
	/// A read proof of `keys` at block `hash` (the proof's trie nodes).
	async fn read_proof(&self, keys: &[Vec<u8>], hash: H256) -> Result<Vec<Vec<u8>>, ReadError>;
}

impl ParentchainReader for ChainClient {
	async fn finalized_number(&self) -> Result<u32, ReadError> {
		self.finalized_head()
			.await
			.map(|(_, number)| number)
			.map_err(|e| failed("finalized head", e))
	}

	async fn block_hash(&self, number: u32) -> Result<H256, ReadError> {
		let value = request(self, "chain_getBlockHash", rpc_params![number]).await?;
		let bytes = hex_bytes("chain_getBlockHash", &value)?;
		if bytes.len() != 32 {
			return Err(ReadError::UnknownNumber(number));
		}
		Ok(H256::from_slice(&bytes))
	}

	async fn block(&self, hash: H256) -> Result<FetchedBlock, ReadError> {
		let value = request(self, "chain_getBlock", rpc_params![hash]).await?;
		if value.is_null() {
			return Err(ReadError::UnknownBlock(hash));
		}
		let header: Header =
			serde_json::from_value(value.pointer("/block/header").cloned().unwrap_or_default())
				.map_err(|e| failed("chain_getBlock header", e))?;
		let extrinsics = value
			.pointer("/block/extrinsics")
			.and_then(Value::as_array)
			.ok_or_else(|| failed("chain_getBlock", "no extrinsics list"))?
			.iter()
			.map(|xt| hex_bytes("chain_getBlock extrinsic", xt))
			.collect::<Result<Vec<_>, _>>()?;
		let justification = match value.get("justifications") {
			None | Some(Value::Null) => None,
			Some(list) => {
				let justifications: Justifications = serde_json::from_value(list.clone())
					.map_err(|e| failed("chain_getBlock justifications", e))?;
				justifications.into_justification(GRANDPA_ENGINE_ID)
			}
		};
		Ok(FetchedBlock { header, extrinsics, justification })
	}

	async fn read_proof(&self, keys: &[Vec<u8>], hash: H256) -> Result<Vec<Vec<u8>>, ReadError> {
		let keys: Vec<String> = keys.iter().map(|key| format!("0x{}", hex::encode(key))).collect();
		let value = request(self, "state_getReadProof", rpc_params![keys, hash]).await?;
		value
			.get("proof")
			.and_then(Value::as_array)
			.ok_or_else(|| failed("state_getReadProof", "no proof"))?
			.iter()
			.map(|node| hex_bytes("state_getReadProof", node))
			.collect()
	}
}

/// Header and checkpoint proof (`Enclave::checkpoint_keys`) of block `hash`,
/// for the trusted core to verify against the hash the operator trusts.
pub async fn checkpoint(
	reader: &impl ParentchainReader,
	hash: H256,
	keys: &[Vec<u8>],
) -> Result<(Header, Vec<Vec<u8>>), ReadError> {
	let block = reader.block(hash).await?;
	let proof = reader.read_proof(keys, hash).await?;
	Ok((block.header, proof))
}

/// Why no chunk could be cut.
#[derive(Debug, thiserror::Error)]
pub enum ChunkError {
	#[error(transparent)]
	Read(#[from] ReadError),
	/// The trusted core refused the headers (a forced authority-set change).
	#[error(transparent)]
	Core(#[from] integritee_enclave::Error),
}

/// The next chunk for the light client: blocks `from..` up to the highest
/// block with a GRANDPA justification within `from..=from+max-1`, not above
/// `finalized` and not past the block `chunk_limit` names for the fetched
/// headers (the enactment of an authority-set change, which GRANDPA always
/// justifies), each with a read proof of `keys`. `None` if no block in that
/// window carries a justification yet.
pub async fn fetch_chunk(
	reader: &impl ParentchainReader,
	from: u32,
	finalized: u32,
	max: u32,
	keys: &[Vec<u8>],
	chunk_limit: impl FnOnce(&[Header]) -> Result<Option<u32>, integritee_enclave::Error>,
) -> Result<Option<(Vec<ParentchainBlock>, Vec<u8>)>, ChunkError> {
	let to = finalized.min(from.saturating_add(max.max(1) - 1));
	if to < from {
		return Ok(None);
	}
	let hashes = try_join_all((from..=to).map(|number| reader.block_hash(number))).await?;
	let mut blocks = try_join_all(hashes.iter().map(|hash| reader.block(*hash))).await?;
	let headers: Vec<Header> = blocks.iter().map(|b| b.header.clone()).collect();
	if let Some(limit) = chunk_limit(&headers)? {
		blocks.truncate(limit.saturating_sub(from).saturating_add(1) as usize);
	}
	let Some(last) = blocks.iter().rposition(|block| block.justification.is_some()) else {
		return Ok(None);
	};
	blocks.truncate(last + 1);
	let proofs =
		try_join_all(hashes[..=last].iter().map(|hash| reader.read_proof(keys, *hash))).await?;
	let justification = blocks[last].justification.clone();
	let chunk = blocks
		.into_iter()
		.zip(proofs)
		.map(|(block, proof)| ParentchainBlock {
			header: block.header,
			extrinsics: block.extrinsics,
			proof,
		})
		.collect();
	Ok(justification.map(|justification| (chunk, justification)))
}

//! A JSON-RPC client of the parent chain.
//!
//! Builds extrinsics with the runtime's own types, signs them, submits them
//! with `author_submitAndWatchExtrinsic` and reports their outcome from the
//! block's `System::Events`. Every RPC failure is an error: a value that could
//! not be read is never reported as absent.
#![forbid(unsafe_code)]

use std::time::Duration;

use codec::{Decode, Encode};
use integritee_runtime::{
	Hash, Nonce, Runtime, RuntimeCall, RuntimeError, RuntimeEvent, UncheckedExtrinsic,
};
use jsonrpsee::{
	core::client::{ClientT, SubscriptionClientT},
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use polkadot_sdk::{
	frame_system::{self, EventRecord, Phase},
	sp_core::{crypto::AccountId32, sr25519, Pair},
	sp_runtime::{generic::Era, DispatchError, MultiSignature},
};
use serde_json::Value;

pub use integritee_extrinsic::{signed_extrinsic, ExtrinsicParams, MORTALITY_PERIOD};

pub type Events = Vec<EventRecord<RuntimeEvent, Hash>>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
	#[error("RPC to the node failed: {0}")]
	Rpc(#[from] jsonrpsee::core::ClientError),
	#[error("the node answered {method} with data that does not decode: {reason}")]
	BadResponse { method: &'static str, reason: String },
	#[error("the node refused the extrinsic: {0}")]
	Rejected(String),
	#[error("the extrinsic was included in block {block:?} but failed: {error}")]
	DispatchFailed { block: Hash, error: String, events: Events },
	#[error("no answer from the node within {0:?}")]
	Timeout(Duration),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Where an extrinsic ended up and what it caused.
#[derive(Debug)]
pub struct Included {
	pub block_hash: Hash,
	/// The events of this extrinsic only (phase `ApplyExtrinsic(index)`).
	pub events: Vec<RuntimeEvent>,
}

/// How long to follow a submitted extrinsic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitFor {
	InBlock,
	Finalized,
}

pub struct ChainClient {
	rpc: WsClient,
	genesis_hash: Hash,
	timeout: Duration,
}

fn bad(method: &'static str, reason: impl ToString) -> Error {
	Error::BadResponse { method, reason: reason.to_string() }
}

fn decode_hex(method: &'static str, text: &str) -> Result<Vec<u8>> {
	hex::decode(text.trim_start_matches("0x")).map_err(|e| bad(method, e))
}

fn hash_from_value(method: &'static str, value: &Value) -> Result<Hash> {
	let text = value.as_str().ok_or_else(|| bad(method, "expected a hex string"))?;
	let bytes = decode_hex(method, text)?;
	if bytes.len() != 32 {
		return Err(bad(method, "expected 32 bytes"));
	}
	Ok(Hash::from_slice(&bytes))
}

impl ChainClient {
	/// Connects to a node's WebSocket RPC endpoint, e.g. `ws://127.0.0.1:9944`.
	pub async fn connect(url: &str) -> Result<Self> {
		let rpc =
			WsClientBuilder::default().request_timeout(Duration::from_secs(60)).build(url).await?;
		let genesis: Value = rpc.request("chain_getBlockHash", rpc_params![0]).await?;
		let genesis_hash = hash_from_value("chain_getBlockHash", &genesis)?;
		Ok(Self { rpc, genesis_hash, timeout: Duration::from_secs(120) })
	}

	pub fn genesis_hash(&self) -> Hash {
		self.genesis_hash
	}

	pub fn rpc(&self) -> &WsClient {
		&self.rpc
	}

	/// The next nonce of `account`, counting its extrinsics in the node's pool.
	pub async fn next_nonce(&self, account: &AccountId32) -> Result<Nonce> {
		let nonce: u64 =
			self.rpc.request("system_accountNextIndex", rpc_params![account.to_string()]).await?;
		Nonce::try_from(nonce).map_err(|e| bad("system_accountNextIndex", e))
	}

	/// Hash and number of the latest finalized block.
	pub async fn finalized_head(&self) -> Result<(Hash, u32)> {
		let hash: Value = self.rpc.request("chain_getFinalizedHead", rpc_params![]).await?;
		let hash = hash_from_value("chain_getFinalizedHead", &hash)?;
		let header = self.header(hash).await?;
		Ok((hash, header.number))
	}

	/// The hash of block `number` on the node's chain (`None` if it has
	/// none at that height).
	pub async fn block_hash(&self, number: u32) -> Result<Option<Hash>> {
		let value: Value = self.rpc.request("chain_getBlockHash", rpc_params![number]).await?;
		if value.is_null() {
			return Ok(None);
		}
		hash_from_value("chain_getBlockHash", &value).map(Some)
	}

	/// The header of the best block.
	pub async fn best_header(&self) -> Result<integritee_runtime::Header> {
		let value: Value = self.rpc.request("chain_getHeader", rpc_params![]).await?;
		serde_json::from_value(value).map_err(|e| bad("chain_getHeader", e))
	}

	/// The header of block `hash`.
	pub async fn header(&self, hash: Hash) -> Result<integritee_runtime::Header> {
		let value: Value = self.rpc.request("chain_getHeader", rpc_params![hash]).await?;
		serde_json::from_value(value).map_err(|e| bad("chain_getHeader", e))
	}

	/// The raw value under `key` at block `at` (best block if `None`).
	pub async fn storage_raw(&self, key: &[u8], at: Option<Hash>) -> Result<Option<Vec<u8>>> {
		let key = format!("0x{}", hex::encode(key));
		let value: Option<String> =
			self.rpc.request("state_getStorage", rpc_params![key, at]).await?;
		value.map(|text| decode_hex("state_getStorage", &text)).transpose()
	}

	/// The storage keys under `prefix` at the best block, in key order, at
	/// most `limit`: asked for in pages of 1,000, the most a node answers
	/// to one request.
	pub async fn storage_keys(&self, prefix: &[u8], limit: usize) -> Result<Vec<Vec<u8>>> {
		const KEYS_PAGED: &str = "state_getKeysPaged";
		const KEYS_PER_PAGE: usize = 1000;
		let prefix = format!("0x{}", hex::encode(prefix));
		let mut keys: Vec<String> = Vec::new();
		while keys.len() < limit {
			let start_after = keys.last().cloned();
			let page: Vec<String> = self
				.rpc
				.request(KEYS_PAGED, rpc_params![&prefix, KEYS_PER_PAGE as u32, start_after])
				.await?;
			let last_page = page.len() < KEYS_PER_PAGE;
			keys.extend(page);
			if last_page {
				break;
			}
		}
		keys.truncate(limit);
		keys.iter().map(|key| decode_hex(KEYS_PAGED, key)).collect()
	}

	/// The decoded value under `key` at block `at`.
	pub async fn storage<T: Decode>(&self, key: &[u8], at: Option<Hash>) -> Result<Option<T>> {
		self.storage_raw(key, at)
			.await?
			.map(|bytes| T::decode(&mut &bytes[..]).map_err(|e| bad("state_getStorage", e)))
			.transpose()
	}

	/// The balances of `who` at the best block (zero for an account that
	/// does not exist).
	pub async fn account_data(
		&self,
		who: &AccountId32,
	) -> Result<polkadot_sdk::pallet_balances::AccountData<integritee_runtime::Balance>> {
		let key = frame_system::Account::<Runtime>::hashed_key_for(who);
		Ok(self
			.storage::<frame_system::AccountInfo<
				Nonce,
				polkadot_sdk::pallet_balances::AccountData<integritee_runtime::Balance>,
			>>(&key, None)
			.await?
			.unwrap_or_default()
			.data)
	}

	/// All events of block `at`.
	pub async fn events(&self, at: Hash) -> Result<Events> {
		let key = polkadot_sdk::frame_support::storage::storage_prefix(b"System", b"Events");
		Ok(self.storage::<Events>(&key, Some(at)).await?.unwrap_or_default())
	}

	/// Calls runtime API `method` (e.g. `TeerexApi_enclaves`) at the best block.
	pub async fn runtime_call<T: Decode>(&self, method: &str, args: &[u8]) -> Result<T> {
		let args = format!("0x{}", hex::encode(args));
		let text: String = self.rpc.request("state_call", rpc_params![method, args]).await?;
		let bytes = decode_hex("state_call", &text)?;
		T::decode(&mut &bytes[..]).map_err(|e| bad("state_call", e))
	}

	/// Signs `call` for `signer` with the nonce the node expects and a mortal
	/// era anchored at the finalized head.
	pub async fn sign(
		&self,
		signer: &sr25519::Pair,
		call: RuntimeCall,
	) -> Result<UncheckedExtrinsic> {
		let params = self.mortal_params(&signer.public().into()).await?;
		Ok(signed_extrinsic(call, signer.public().into(), params, |payload| {
			MultiSignature::Sr25519(signer.sign(payload))
		}))
	}

	/// Parameters for a new extrinsic of `account`: the nonce the node
	/// expects (its pool included) and a mortal era born at the finalized head.
	pub async fn mortal_params(&self, account: &AccountId32) -> Result<ExtrinsicParams> {
		let nonce = self.next_nonce(account).await?;
		let (birth_hash, birth_number) = self.finalized_head().await?;
		Ok(ExtrinsicParams {
			nonce,
			era: Era::mortal(MORTALITY_PERIOD, birth_number.into()),
			era_block_hash: birth_hash,
			genesis_hash: self.genesis_hash,
		})
	}

	/// Signs `call` with explicit nonce and era (`era_block_hash` is the hash
	/// of the era's birth block, or the genesis hash for an immortal era).
	pub fn sign_with(
		&self,
		signer: &sr25519::Pair,
		call: RuntimeCall,
		nonce: Nonce,
		era: Era,
		era_block_hash: Hash,
	) -> UncheckedExtrinsic {
		let account: AccountId32 = signer.public().into();
		self.sign_with_signer(
			account,
			|payload| MultiSignature::Sr25519(signer.sign(payload)),
			call,
			nonce,
			era,
			era_block_hash,
		)
	}

	/// Signs `call` for `account` with any [`MultiSignature`] signer (e.g. an
	/// ed25519 key, whose public key is the account id), explicit nonce and era.
	pub fn sign_with_signer(
		&self,
		account: AccountId32,
		sign: impl FnOnce(&[u8]) -> MultiSignature,
		call: RuntimeCall,
		nonce: Nonce,
		era: Era,
		era_block_hash: Hash,
	) -> UncheckedExtrinsic {
		let params =
			ExtrinsicParams { nonce, era, era_block_hash, genesis_hash: self.genesis_hash };
		signed_extrinsic(call, account, params, sign)
	}

	/// Signs `call` for `account` with any [`MultiSignature`] signer, with the
	/// nonce the node expects and a mortal era, submits it and follows it
	/// until `wait`.
	pub async fn submit_as(
		&self,
		account: &AccountId32,
		sign: impl FnOnce(&[u8]) -> MultiSignature,
		call: RuntimeCall,
		wait: WaitFor,
	) -> Result<Included> {
		let params = self.mortal_params(account).await?;
		let extrinsic = signed_extrinsic(call, account.clone(), params, sign);
		self.submit_extrinsic(&extrinsic, wait).await
	}

	/// Signs and submits `call`, follows it until `wait` and returns its events.
	/// A dispatch error comes back as [`Error::DispatchFailed`] with the
	/// pallet's error name.
	pub async fn submit(
		&self,
		signer: &sr25519::Pair,
		call: RuntimeCall,
		wait: WaitFor,
	) -> Result<Included> {
		let extrinsic = self.sign(signer, call).await?;
		self.submit_extrinsic(&extrinsic, wait).await
	}

	/// Submits a signed extrinsic, follows it until `wait` and returns its events.
	pub async fn submit_extrinsic(
		&self,
		extrinsic: &UncheckedExtrinsic,
		wait: WaitFor,
	) -> Result<Included> {
		let encoded = extrinsic.encode();
		let mut subscription = self
			.rpc
			.subscribe::<Value, _>(
				"author_submitAndWatchExtrinsic",
				rpc_params![format!("0x{}", hex::encode(&encoded))],
				"author_unwatchExtrinsic",
			)
			.await
			.map_err(|e| Error::Rejected(e.to_string()))?;
		let block_hash = loop {
			let status = tokio::time::timeout(self.timeout, subscription.next())
				.await
				.map_err(|_| Error::Timeout(self.timeout))?
				.ok_or_else(|| Error::Rejected("the node closed the subscription".into()))?
				.map_err(|e| bad("author_submitAndWatchExtrinsic", e))?;
			match status {
				Value::Object(map) => {
					if let Some(hash) = map.get("inBlock") {
						if wait == WaitFor::InBlock {
							break hash_from_value("author_submitAndWatchExtrinsic", hash)?;
						}
					} else if let Some(hash) = map.get("finalized") {
						break hash_from_value("author_submitAndWatchExtrinsic", hash)?;
					} else if map.contains_key("usurped")
						|| map.contains_key("finalityTimeout")
						|| map.contains_key("invalid")
						|| map.contains_key("dropped")
					{
						return Err(Error::Rejected(Value::Object(map).to_string()));
					}
				}
				Value::String(state) if state == "invalid" || state == "dropped" => {
					return Err(Error::Rejected(state))
				}
				_ => {}
			}
		};
		self.outcome(block_hash, &encoded).await
	}

	/// The events of the extrinsic `encoded` in block `block_hash`.
	async fn outcome(&self, block_hash: Hash, encoded: &[u8]) -> Result<Included> {
		let block: Value = self.rpc.request("chain_getBlock", rpc_params![block_hash]).await?;
		let extrinsics = block
			.pointer("/block/extrinsics")
			.and_then(Value::as_array)
			.ok_or_else(|| bad("chain_getBlock", "no extrinsics list"))?;
		let wanted = format!("0x{}", hex::encode(encoded));
		let index = extrinsics
			.iter()
			.position(|xt| xt.as_str() == Some(wanted.as_str()))
			.ok_or_else(|| bad("chain_getBlock", "the extrinsic is not in the block"))?;
		let all = self.events(block_hash).await?;
		let events: Vec<RuntimeEvent> = all
			.iter()
			.filter(|record| record.phase == Phase::ApplyExtrinsic(index as u32))
			.map(|record| record.event.clone())
			.collect();
		for event in &events {
			if let RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error,
				..
			}) = event
			{
				return Err(Error::DispatchFailed {
					block: block_hash,
					error: describe_dispatch_error(*dispatch_error),
					events: all,
				});
			}
		}
		if !events.iter().any(|event| {
			matches!(event, RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { .. }))
		}) {
			return Err(bad(
				"state_getStorage",
				"the extrinsic has neither success nor failure event",
			));
		}
		Ok(Included { block_hash, events })
	}
}

/// A dispatch error in words, with the pallet error's name where there is one
/// (e.g. `Teerex(SkippingAttestationNotAllowed)`).
pub fn describe_dispatch_error(error: DispatchError) -> String {
	match RuntimeError::from_dispatch_error(error) {
		Some(runtime_error) => format!("{runtime_error:?}"),
		None => format!("{error:?}"),
	}
}

/// A development key from a secret URI such as `//Alice`.
pub fn dev_pair(suri: &str) -> std::result::Result<sr25519::Pair, String> {
	sr25519::Pair::from_string(suri, None).map_err(|e| format!("bad secret URI: {e:?}"))
}

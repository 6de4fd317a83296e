//! Finding the worker that serves a shard and talking to its trusted RPC.
//!
//! Everything a worker says is checked against what the parent chain
//! registered for its enclave: the shielding key against the registered
//! SHA-256 hash, getter answers against the enclave's signer key (its
//! account id is its ed25519 public key).
//!
//! The connection is `wss://` with the worker's RA-TLS certificate, which
//! is verified before anything is sent: its quote under the parent chain's
//! DCAP root and the collateral registered on chain (and the chain's TCB,
//! debug and revocation policies), its MRENCLAVE equal to the shard's
//! fingerprint, and the signer and shielding key it binds equal to the
//! selected, registered and unexpired enclave's. A failed check refuses
//! the worker and names the check.

use std::{sync::Arc, time::Duration};

use codec::{Decode, Encode};
use integritee_chain_client::ChainClient;
use integritee_primitives::{
	CollateralKind, SecurityFlags, SgxEnclave, SgxStatus, TcbPolicy, UpgradableShardConfig,
	VerifiedCollateral,
};
use integritee_ra_tls::{ExpectedBinding, RaTlsConfig, RaTlsPolicy, TcbStatus};
use integritee_runtime::{AccountId, BlockNumber, Runtime};
use integritee_sidechain_primitives::SidechainHeader;
use integritee_stf_primitives::{
	direct::{CallStatus, DirectCall},
	getter::{GetterAnswer, PrivateGetterRequest},
	rpc, shielding, AccountInfoView, MrEnclave, Nonce, ShardIdentifier, TrustedGetter,
	TrustedGetterSigned,
};
use jsonrpsee::{
	core::client::{ClientT, Subscription, SubscriptionClientT},
	ws_client::{WsClient, WsClientBuilder},
};
use polkadot_sdk::{
	sp_core::{ed25519, sr25519, Pair, H256},
	sp_io::hashing::{blake2_256, sha2_256},
	sp_runtime::MultiSignature,
};

/// Parses a shard identifier: 32 bytes as 64 hex digits, `0x` optional.
pub fn parse_shard(text: &str) -> Result<ShardIdentifier, String> {
	parse_h256(text).map(H256).map_err(|reason| format!("invalid shard: {reason}"))
}

/// Parses an MRENCLAVE: 32 bytes as 64 hex digits, `0x` optional.
pub fn parse_mrenclave(text: &str) -> Result<MrEnclave, String> {
	parse_h256(text).map_err(|reason| format!("invalid MRENCLAVE: {reason}"))
}

fn parse_h256(text: &str) -> Result<[u8; 32], String> {
	let digits = text.strip_prefix("0x").unwrap_or(text);
	let bytes = hex::decode(digits)
		.map_err(|_| "expected 64 hex digits (32 bytes), optionally prefixed by 0x".to_string())?;
	<[u8; 32]>::try_from(bytes.as_slice())
		.map_err(|_| format!("expected 32 bytes (64 hex digits), got {} bytes", bytes.len()))
}

/// The enclave chosen to serve a shard, as registered on chain.
pub struct SelectedWorker {
	pub signer: AccountId,
	pub enclave: SgxEnclave<Vec<u8>>,
	/// The URL used to reach it (the registered one, or an override).
	pub url: String,
}

impl SelectedWorker {
	/// The enclave's ed25519 signer key (its account id bytes).
	pub fn signer_public(&self) -> ed25519::Public {
		ed25519::Public::from_raw(*self.signer.as_ref())
	}
}

/// Connects to `url` (`wss://host:port/...`) and completes a TLS handshake
/// with `tls`, whose verifier checks the RA-TLS certificate; a refusal
/// names the failed check.
async fn check_certificate(url: &str, tls: rustls::ClientConfig) -> Result<(), String> {
	let authority = url.trim_start_matches("wss://").split('/').next().unwrap_or_default();
	let address =
		if authority.contains(':') { authority.to_string() } else { format!("{authority}:443") };
	let socket =
		tokio::time::timeout(Duration::from_secs(10), tokio::net::TcpStream::connect(&address))
			.await
			.map_err(|_| format!("cannot reach the worker at {url}: connection timed out"))?
			.map_err(|e| format!("cannot reach the worker at {url}: {e}"))?;
	let name = integritee_ra_tls::server_name().map_err(|e| e.to_string())?;
	let handshake = tokio_rustls::TlsConnector::from(Arc::new(tls)).connect(name, socket);
	match tokio::time::timeout(Duration::from_secs(20), handshake).await {
		Err(_) => Err(format!("the worker at {url} did not complete the TLS handshake")),
		Ok(Ok(_)) => Ok(()),
		Ok(Err(e)) => Err(match integritee_ra_tls::Error::from_io(&e) {
			Some(refusal) => format!(
				"the worker at {url} was refused before anything was sent: its RA-TLS \
				 certificate failed a check: {refusal}"
			),
			None => format!("the TLS handshake with the worker at {url} failed: {e}"),
		}),
	}
}

/// The MRENCLAVE the shard's enclaves must have: its configured
/// fingerprint (effective at the best block), or the shard itself for the
/// implicit shard of an enclave build.
async fn shard_fingerprint(
	client: &ChainClient,
	shard: &ShardIdentifier,
) -> Result<[u8; 32], String> {
	let config_key = pallet_enclave_bridge::ShardConfigRegistry::<Runtime>::hashed_key_for(shard);
	let config: Option<UpgradableShardConfig<BlockNumber>> = client
		.storage(&config_key, None)
		.await
		.map_err(|e| format!("cannot read the shard's configuration: {e}"))?;
	match config {
		None => Ok(shard.0),
		Some(config) => {
			let best = client
				.best_header()
				.await
				.map_err(|e| format!("cannot read the best block: {e}"))?
				.number;
			Ok(config.effective_at(best).enclave_fingerprint.0)
		}
	}
}

/// Finds the enclave serving `shard`: one of the shard's active signers;
/// while the shard has none yet, the one registered enclave whose MRENCLAVE
/// is the shard's configured fingerprint or the shard itself (the implicit
/// shard of an enclave build). Several such enclaves and no active signer:
/// none is known to serve, so none is chosen (a second instance without the
/// shard's state must never be sent users' calls). Only enclaves with a URL
/// (or any, if `url_override` is given) qualify.
pub async fn find(
	client: &ChainClient,
	shard: &ShardIdentifier,
	url_override: Option<&str>,
) -> Result<SelectedWorker, String> {
	let enclaves: Vec<(AccountId, SgxEnclave<Vec<u8>>)> = client
		.runtime_call("TeerexApi_enclaves", &[])
		.await
		.map_err(|e| format!("cannot list the registered enclaves: {e}"))?;
	let status_key = pallet_enclave_bridge::ShardStatus::<Runtime>::hashed_key_for(shard);
	let signers: Vec<pallet_enclave_bridge::SignerStatusOf<Runtime>> = client
		.storage(&status_key, None)
		.await
		.map_err(|e| format!("cannot read the shard's status: {e}"))?
		.unwrap_or_default();
	let config_key = pallet_enclave_bridge::ShardConfigRegistry::<Runtime>::hashed_key_for(shard);
	let config: Option<UpgradableShardConfig<BlockNumber>> = client
		.storage(&config_key, None)
		.await
		.map_err(|e| format!("cannot read the shard's configuration: {e}"))?;
	let fingerprint = match config {
		Some(config) => {
			let best = client
				.best_header()
				.await
				.map_err(|e| format!("cannot read the best block: {e}"))?
				.number;
			Some(config.effective_at(best).enclave_fingerprint)
		}
		None => None,
	};

	let usable = |enclave: &SgxEnclave<Vec<u8>>| url_override.is_some() || enclave.url.is_some();
	let by_status = signers.iter().find_map(|status| {
		enclaves.iter().find(|(account, enclave)| *account == status.signer && usable(enclave))
	});
	let by_fingerprint = || {
		let mut candidates = enclaves.iter().filter(|(_, enclave)| {
			usable(enclave)
				&& (Some(enclave.mr_enclave) == fingerprint
					|| (fingerprint.is_none() && enclave.mr_enclave == *shard))
		});
		match (candidates.next(), candidates.next()) {
			(Some(only), None) => Some(only),
			_ => None,
		}
	};
	let serving = if signers.is_empty() { by_fingerprint() } else { by_status };
	let (signer, enclave) = serving.ok_or_else(|| {
		format!(
			"no worker is known to serve shard 0x{} (active signers with a URL: none of {}; \
			 registered enclaves: {}; several candidates without an active signer are not \
			 guessed between)",
			hex::encode(shard.0),
			signers.len(),
			enclaves.len()
		)
	})?;
	let url = match url_override {
		Some(url) => url.to_string(),
		None => enclave
			.url
			.as_ref()
			.map(|url| String::from_utf8_lossy(url).into_owned())
			.unwrap_or_default(),
	};
	Ok(SelectedWorker { signer: signer.clone(), enclave: enclave.clone(), url })
}

/// A connection to a worker's trusted RPC, over RA-TLS checked against the
/// chain.
pub struct WorkerRpc {
	rpc: WsClient,
	url: String,
	/// The shielding key, checked against the registry and the certificate.
	shielding_key: Vec<u8>,
}

/// The chain's verdict on DCAP evidence, as an RA-TLS configuration: the
/// DCAP root (Intel's unless the chain sets another), the registered
/// collateral, the chain's revocation, TCB and debug policies, and
/// `mr_enclave` as the only acceptable enclave.
async fn ra_tls_config(client: &ChainClient, mr_enclave: [u8; 32]) -> Result<RaTlsConfig, String> {
	use polkadot_sdk::frame_support::storage::{generator::StorageValue as _, StoragePrefixedMap};
	let read = |what: &'static str| {
		move |e: integritee_chain_client::Error| format!("cannot read the chain's {what}: {e}")
	};
	let root: Option<Vec<u8>> = client
		.storage(&pallet_teerex::DcapRootCa::<Runtime>::storage_value_final_key(), None)
		.await
		.map_err(read("DCAP root CA"))?;
	let root =
		root.unwrap_or_else(|| integritee_attestation::roots::INTEL_SGX_ROOT_CA_DER.to_vec());
	let flags: Option<SecurityFlags> = client
		.storage(&pallet_teerex::SecurityFlagsStorage::<Runtime>::storage_value_final_key(), None)
		.await
		.map_err(read("security flags"))?;
	let tcb: Option<TcbPolicy> = client
		.storage(&pallet_teerex::TcbPolicyStorage::<Runtime>::storage_value_final_key(), None)
		.await
		.map_err(read("TCB policy"))?;
	let revocation: Option<integritee_primitives::RevocationPolicy> = client
		.storage(
			&pallet_teerex::RevocationPolicyStorage::<Runtime>::storage_value_final_key(),
			None,
		)
		.await
		.map_err(read("revocation policy"))?;
	let tcb = tcb.unwrap_or_default();
	let statuses = [
		(TcbStatus::UpToDate, SgxStatus::UpToDate),
		(TcbStatus::SwHardeningNeeded, SgxStatus::SwHardeningNeeded),
		(TcbStatus::ConfigurationNeeded, SgxStatus::ConfigurationNeeded),
		(
			TcbStatus::ConfigurationAndSwHardeningNeeded,
			SgxStatus::ConfigurationAndSwHardeningNeeded,
		),
	]
	.into_iter()
	.filter(|(_, sgx)| tcb.allows(*sgx))
	.map(|(status, _)| status);
	let policy = RaTlsPolicy::allow_mr_enclaves([mr_enclave])
		.allow_debug(flags.unwrap_or_default().allow_debug_mode)
		.accept_tcb_statuses(statuses)
		.with_binding(ExpectedBinding::Any);
	let config = RaTlsConfig::new(root, policy)
		.map_err(|e| format!("the chain's DCAP root CA is not usable: {e}"))?
		.with_revocation(revocation.unwrap_or_default());

	let mut keys = vec![
		pallet_teerex::QuotingEnclaveIdentity::<Runtime>::storage_value_final_key().to_vec(),
		pallet_teerex::RevocationLists::<Runtime>::hashed_key_for(CollateralKind::PckCrl),
		pallet_teerex::RevocationLists::<Runtime>::hashed_key_for(CollateralKind::RootCaCrl),
	];
	let prefix = pallet_teerex::TcbInfo::<Runtime>::final_prefix();
	let tcb_infos: Vec<String> = client
		.rpc()
		.request("state_getKeysPaged", jsonrpsee::rpc_params![hex_param(&prefix), 1000u32])
		.await
		.map_err(|e| format!("cannot list the chain's TCB infos: {e}"))?;
	for key in tcb_infos {
		keys.push(from_hex("state_getKeysPaged", &key)?);
	}
	for key in keys {
		let stored: Option<pallet_teerex::StoredCollateral<Runtime>> =
			client.storage(&key, None).await.map_err(read("collateral"))?;
		let Some(stored) = stored else { continue };
		config
			.insert_collateral(VerifiedCollateral {
				kind: stored.kind,
				fmspc: stored.fmspc,
				issued_at_ms: stored.issued_at_ms,
				next_update_ms: stored.next_update_ms,
				encoded: stored.encoded.into_inner(),
			})
			.map_err(|e| format!("the chain's collateral is not usable: {e}"))?;
	}
	Ok(config)
}

fn hex_param(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

fn from_hex(method: &str, text: &str) -> Result<Vec<u8>, String> {
	hex::decode(text.strip_prefix("0x").unwrap_or(text))
		.map_err(|_| format!("the worker answered {method} with something that is not hex"))
}

impl WorkerRpc {
	/// Connects to `worker` (serving `shard`) and checks who answers before
	/// anything is sent (see the module documentation).
	pub async fn connect(
		client: &ChainClient,
		worker: &SelectedWorker,
		shard: &ShardIdentifier,
	) -> Result<Self, String> {
		let url = worker.url.as_str();
		if !url.starts_with("wss://") {
			return Err(format!(
				"the worker's URL {url} is not wss://: refusing to talk to a worker without RA-TLS"
			));
		}
		let fingerprint = shard_fingerprint(client, shard).await?;
		if worker.enclave.mr_enclave.0 != fingerprint {
			return Err(format!(
				"the selected enclave's MRENCLAVE 0x{} is not the shard's fingerprint 0x{}: \
				 refusing it",
				hex::encode(worker.enclave.mr_enclave.0),
				hex::encode(fingerprint)
			));
		}
		let now_ms = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.as_millis() as u64)
			.unwrap_or_default();
		let renewal = integritee_runtime::configs::ATTESTATION_RENEWAL_PERIOD_MS;
		if now_ms.saturating_sub(worker.enclave.attested_at_ms) > renewal {
			return Err(format!(
				"the selected enclave's registration expired (attested {} s ago, renewal period \
				 {} s): refusing it",
				now_ms.saturating_sub(worker.enclave.attested_at_ms) / 1000,
				renewal / 1000
			));
		}
		let config = ra_tls_config(client, fingerprint).await?;
		let (tls, verified) = integritee_ra_tls::client_config_one_way(Arc::new(config))
			.map_err(|e| format!("cannot configure RA-TLS: {e}"))?;
		// A handshake of its own first, for a precise refusal (the
		// WebSocket library hides the TLS error's type).
		check_certificate(url, tls.clone()).await?;
		let rpc = WsClientBuilder::default()
			.request_timeout(Duration::from_secs(30))
			.connection_timeout(Duration::from_secs(10))
			// Watches count as requests: a benchmark client holds thousands.
			.max_concurrent_requests(8192)
			.with_custom_cert_store(tls)
			.build(url)
			.await
			.map_err(|e| match verified.get() {
				None => format!(
					"the worker at {url} was refused before anything was sent (its RA-TLS \
					 certificate did not verify, or it is unreachable): {e}"
				),
				Some(_) => format!("cannot reach the worker at {url}: {e}"),
			})?;
		let peer = verified.get().ok_or_else(|| {
			format!("the worker at {url} presented no verified RA-TLS certificate: refusing it")
		})?;
		let mut connection = Self { rpc, url: url.to_string(), shielding_key: Vec::new() };
		let key = connection.request_hex(rpc::GET_SHIELDING_KEY, vec![]).await?;
		check_shielding_key(&key, &worker.enclave.shielding_key_hash)?;
		let expected = rpc::tls_binding(&worker.signer_public().0, &key);
		if peer.binding != expected {
			return Err(format!(
				"the worker's RA-TLS certificate binds another signer or shielding key than the \
				 registered enclave {}: refusing it",
				worker.signer
			));
		}
		connection.shielding_key = key;
		Ok(connection)
	}

	async fn request_hex(&self, method: &str, params: Vec<String>) -> Result<Vec<u8>, String> {
		let mut builder = jsonrpsee::core::params::ArrayParams::new();
		for param in params {
			builder.insert(param).map_err(|e| format!("cannot encode the parameters: {e}"))?;
		}
		let answer: String = self
			.rpc
			.request(method, builder)
			.await
			.map_err(|e| format!("the worker at {} failed {method}: {e}", self.url))?;
		from_hex(method, &answer)
	}

	/// The WebSocket client (for subscriptions).
	pub fn client(&self) -> &WsClient {
		&self.rpc
	}

	/// The worker's shielding key, checked against the enclave's registered
	/// shielding key hash and the RA-TLS certificate when connecting.
	pub fn shielding_key(&self) -> Vec<u8> {
		self.shielding_key.clone()
	}

	/// The latest committed sidechain header of `shard`, checked: signed by
	/// the selected enclave, for this shard. `None` before the first block.
	pub async fn sidechain_header(
		&self,
		worker: &SelectedWorker,
		shard: &ShardIdentifier,
	) -> Result<Option<SidechainHeader>, String> {
		let answer: Option<String> =
			self.rpc.request(rpc::CHAIN_GET_HEADER, jsonrpsee::rpc_params![]).await.map_err(
				|e| format!("the worker at {} failed {}: {e}", self.url, rpc::CHAIN_GET_HEADER),
			)?;
		let Some(text) = answer else { return Ok(None) };
		let bytes = from_hex(rpc::CHAIN_GET_HEADER, &text)?;
		let (header, signature) = <(SidechainHeader, ed25519::Signature)>::decode(&mut &bytes[..])
			.map_err(|_| "the worker's sidechain header does not decode".to_string())?;
		check_sidechain_header(&header, &signature, shard, &worker.signer_public())?;
		Ok(Some(header))
	}

	/// Sends `getter`, signed with `pair`, with `method` and checks the
	/// enclave's signature on the answer; returns its value.
	async fn getter(
		&self,
		method: &str,
		worker: &SelectedWorker,
		shard: &ShardIdentifier,
		pair: &sr25519::Pair,
		getter: TrustedGetter,
	) -> Result<Option<Vec<u8>>, String> {
		let issued_at_ms = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.as_millis() as u64)
			.unwrap_or_default();
		let getter = TrustedGetterSigned::new(getter, shard, issued_at_ms, |payload| {
			MultiSignature::Sr25519(pair.sign(payload))
		});
		let encoded = getter.encode();
		let (request, answer_key) =
			PrivateGetterRequest::new(getter, None, *shard, &self.shielding_key)
				.map_err(|e| format!("cannot encrypt the getter: {e}"))?;
		let answer = self.request_hex(method, vec![hex_param(&request.encode())]).await?;
		let answer = GetterAnswer::open(&answer, &answer_key, shard).map_err(|_| {
			"the worker's getter answer does not decrypt with the getter's answer key".to_string()
		})?;
		Ok(check_getter_answer(&answer, &encoded, &worker.signer_public())?.clone())
	}

	/// Reads `who`'s account in the shard, signing the getter with `pair` and
	/// checking the enclave's signature on the answer.
	pub async fn account_info(
		&self,
		worker: &SelectedWorker,
		shard: &ShardIdentifier,
		pair: &sr25519::Pair,
	) -> Result<AccountInfoView, String> {
		let getter = TrustedGetter::AccountInfo(pair.public().into());
		match self.getter(rpc::EXECUTE_GETTER, worker, shard, pair, getter).await? {
			None => Ok(AccountInfoView::default()),
			Some(bytes) => AccountInfoView::decode(&mut &bytes[..])
				.map_err(|_| "the worker's account info does not decode".to_string()),
		}
	}

	/// The nonce `pair`'s next call should carry: the state's, after its
	/// ready calls in the worker's pool.
	pub async fn next_nonce(
		&self,
		worker: &SelectedWorker,
		shard: &ShardIdentifier,
		pair: &sr25519::Pair,
	) -> Result<Nonce, String> {
		let getter = TrustedGetter::NextNonce(pair.public().into());
		let value = self.getter(rpc::NEXT_NONCE, worker, shard, pair, getter).await?;
		value
			.and_then(|bytes| Nonce::decode(&mut &bytes[..]).ok())
			.ok_or_else(|| "the worker's next nonce does not decode".to_string())
	}

	/// Submits a direct call; returns its hash.
	pub async fn submit_direct(&self, call: &DirectCall) -> Result<H256, String> {
		let hash = self.request_hex(rpc::SUBMIT, vec![hex_param(&call.encode())]).await?;
		H256::decode(&mut &hash[..])
			.map_err(|_| "the worker's call hash does not decode".to_string())
	}

	/// Submits a direct call and watches its statuses.
	pub async fn submit_and_watch(
		&self,
		call: &DirectCall,
	) -> Result<Subscription<CallStatus>, String> {
		self.rpc
			.subscribe(
				rpc::SUBMIT_AND_WATCH,
				jsonrpsee::rpc_params![hex_param(&call.encode())],
				rpc::UNWATCH,
			)
			.await
			.map_err(|e| format!("the worker at {} refused the call: {e}", self.url))
	}
}

/// Refuses a sidechain header of another shard, by another author than the
/// selected enclave, or whose signature does not verify.
pub fn check_sidechain_header(
	header: &SidechainHeader,
	signature: &ed25519::Signature,
	shard: &ShardIdentifier,
	signer: &ed25519::Public,
) -> Result<(), String> {
	if header.shard != *shard {
		return Err(format!("the worker sent a header of shard {:?}, not {shard:?}", header.shard));
	}
	if header.author != *signer {
		return Err(format!(
			"the header's author {:?} is not the selected enclave {signer:?}",
			header.author
		));
	}
	if !ed25519::Pair::verify(signature, header.signing_payload(), signer) {
		return Err("the header's signature does not verify: refusing it".into());
	}
	Ok(())
}

/// Refuses a shielding key whose SHA-256 is not the registered hash.
pub fn check_shielding_key(key: &[u8], registered_hash: &[u8; 32]) -> Result<(), String> {
	if key.len() != shielding::PUBLIC_KEY_LEN {
		return Err(format!(
			"the worker's shielding key has {} bytes, not {}: refusing to encrypt to it",
			key.len(),
			shielding::PUBLIC_KEY_LEN
		));
	}
	let hash = sha2_256(key);
	if &hash != registered_hash {
		return Err(format!(
			"the worker's shielding key (SHA-256 0x{}) does not match the shielding key hash \
			 registered for its enclave (0x{}): refusing to encrypt to it",
			hex::encode(hash),
			hex::encode(registered_hash)
		));
	}
	Ok(())
}

/// Checks that `answer` is the enclave's signed answer to the getter `sent`
/// (its SCALE encoding) and returns its value.
pub fn check_getter_answer<'a>(
	answer: &'a GetterAnswer,
	sent: &[u8],
	enclave_signer: &ed25519::Public,
) -> Result<&'a Option<Vec<u8>>, String> {
	if answer.getter_hash != H256(blake2_256(sent)) {
		return Err("the worker's getter answer is for another getter: refusing it".into());
	}
	if !answer.verify(enclave_signer) {
		return Err("the worker's getter answer is not signed by the registered enclave signer: \
		            refusing it"
			.into());
	}
	Ok(&answer.value)
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used)]
	use super::*;

	#[test]
	fn shards_parse_with_clear_errors() {
		let hex64 = "ab".repeat(32);
		assert_eq!(parse_shard(&hex64).unwrap(), H256::repeat_byte(0xab));
		assert_eq!(parse_shard(&format!("0x{hex64}")).unwrap(), H256::repeat_byte(0xab));
		assert!(parse_shard("0x1234").unwrap_err().contains("got 2 bytes"));
		assert!(parse_shard("zz").unwrap_err().contains("64 hex digits"));
		assert!(parse_mrenclave("").unwrap_err().contains("got 0 bytes"));
	}

	#[test]
	fn shielding_keys_must_match_the_registered_hash() {
		let key = [5u8; 32];
		assert!(check_shielding_key(&key, &sha2_256(&key)).is_ok());
		assert!(check_shielding_key(&key, &[0; 32]).unwrap_err().contains("does not match"));
		assert!(check_shielding_key(&key[..31], &sha2_256(&key[..31]))
			.unwrap_err()
			.contains("31 bytes"));
	}

	#[test]
	fn getter_answers_must_be_signed_and_for_the_sent_getter() {
		let enclave = ed25519::Pair::from_string("//Enclave", None).unwrap();
		let sent = b"getter".to_vec();
		let getter_hash = H256(blake2_256(&sent));
		let value = Some(vec![1, 2, 3]);
		let answer = GetterAnswer::sign(
			getter_hash,
			value.clone(),
			(3, H256::zero()),
			(7, H256::zero()),
			|p| enclave.sign(p),
		);
		assert_eq!(check_getter_answer(&answer, &sent, &enclave.public()).unwrap(), &value);
		assert!(check_getter_answer(&answer, b"other", &enclave.public())
			.unwrap_err()
			.contains("another getter"));
		let impostor = ed25519::Pair::from_string("//Impostor", None).unwrap();
		assert!(check_getter_answer(&answer, &sent, &impostor.public())
			.unwrap_err()
			.contains("not signed"));
		let mut tampered = answer.clone();
		tampered.value = Some(vec![9]);
		assert!(check_getter_answer(&tampered, &sent, &enclave.public()).is_err());
	}
}

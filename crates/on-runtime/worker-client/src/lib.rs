//! A client of a shard's worker: the connection a user (the CLI, a
//! benchmark, a wallet) holds to the worker that serves a shard.
//!
//! [`WorkerClient::connect`] finds the shard's worker on the parent chain
//! ([`find_worker`]) and connects to its trusted RPC over `wss://`, checking
//! who answers before anything is sent:
//!
//! - the enclave's MRENCLAVE is the shard's fingerprint and its registration
//!   has not expired;
//! - its RA-TLS certificate's quote verifies under the chain's DCAP root and
//!   the collateral registered on chain, with the chain's TCB, debug and
//!   revocation policies;
//! - the signer and shielding key the certificate binds are the registered
//!   enclave's, and the shielding key's SHA-256 is the registered hash.
//!
//! Then every answer is checked against the registry too: getter answers
//! and sidechain headers must be signed by the enclave's signer key (its
//! account id is its ed25519 public key), for this shard and this request;
//! an acknowledged call hash must be the hash of the call sent; a watched
//! call's `inSidechainBlock` and `finalized` statuses must prove what they
//! say (the block's signed header and a Merkle proof of the call's
//! outcome; the anchor in the parent chain's own state and a hash chain to
//! it: [`CallWatch`]).
//!
//! Failures are typed ([`Error`], one enum per area); each message names
//! the failed check. The pure checks are public ([`check_shielding_key`],
//! [`check_sidechain_header`], [`check_getter_answer`], [`check_call_hash`],
//! [`check_in_block`], [`check_link_to_anchor`])
//! for clients that talk to a worker another way.
#![forbid(unsafe_code)]

mod check;
mod error;
mod policy;
mod select;
mod status;

use std::{sync::Arc, time::Duration};

use codec::{Decode, Encode};
use integritee_chain_client::ChainClient;
use integritee_sidechain_primitives::SidechainHeader;
use integritee_stf_primitives::{
	direct::DirectCall,
	getter::{GetterAnswer, PendingCall, PrivateGetterRequest},
	rpc, shielding, AccountInfoView, MrEnclave, Nonce, ShardIdentifier, TrustedCallSigned,
	TrustedGetter,
};
use jsonrpsee::{
	core::client::{ClientT, SubscriptionClientT},
	ws_client::{WsClient, WsClientBuilder},
};
use polkadot_sdk::{
	sp_core::{ed25519, sr25519, Pair, H256},
	sp_runtime::MultiSignature,
};

pub use check::{
	check_call_hash, check_getter_answer, check_shielding_key, check_sidechain_header,
	parse_mrenclave, parse_shard,
};
pub use error::{AttestationError, CheckError, ConnectError, Error, ParseError, RpcError};
pub use policy::ra_tls_config;
pub use select::{
	find_worker, secret_holding_codes, shard_members, shards, SelectedWorker, ShardRole, ShardView,
};
pub use status::{check_anchor_on_chain, check_in_block, check_link_to_anchor, CallWatch};

/// How long a TCP connection to the worker may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the TLS handshake (with the certificate's verification) may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one request may wait for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests in flight on one connection. Watches count as requests: a
/// benchmark client holds thousands.
const MAX_CONCURRENT_REQUESTS: usize = 8192;

/// How to reach a shard's worker.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
	/// Reach the worker at this `wss://` URL instead of its registered one
	/// (a proxy, a tunnel); the worker behind it is checked all the same.
	pub worker_url: Option<String>,
}

/// A connection to the trusted RPC of the worker serving a shard, over
/// RA-TLS checked against the parent chain (see the crate documentation).
pub struct WorkerClient {
	rpc: WsClient,
	worker: SelectedWorker,
	shard: ShardIdentifier,
	/// Checked against the registry and the certificate when connecting.
	shielding_key: Vec<u8>,
	/// Headers of this connection's statuses whose signature was checked.
	verified_headers: status::VerifiedHeaders,
}

/// A signed trusted call, encrypted to the worker's checked shielding key
/// and ready to send; it remembers the call's hash to check the worker's
/// acknowledgement.
#[derive(Clone, Debug)]
pub struct EncryptedCall {
	hash: H256,
	/// The RPC parameter: hex of the SCALE-encoded [`DirectCall`], made once
	/// so that sending costs no encoding.
	param: String,
}

impl EncryptedCall {
	/// The hash of the signed call (what the worker acknowledges and the
	/// sidechain block records).
	pub fn hash(&self) -> H256 {
		self.hash
	}
}

fn now_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
		.unwrap_or_default()
}

fn hex_param(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// Connects to `url` (`wss://host:port/...`) and completes a TLS handshake
/// with `tls`, whose verifier checks the RA-TLS certificate; a refusal
/// names the failed check. (The WebSocket library hides the TLS error's
/// type, so this handshake of its own comes first.)
async fn check_certificate(url: &str, tls: rustls::ClientConfig) -> Result<(), Error> {
	let authority = url.trim_start_matches("wss://").split('/').next().unwrap_or_default();
	let address =
		if authority.contains(':') { authority.to_string() } else { format!("{authority}:443") };
	let socket = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(&address))
		.await
		.map_err(|_| ConnectError::ConnectTimeout { url: url.to_string() })?
		.map_err(|source| ConnectError::Unreachable { url: url.to_string(), source })?;
	let name = integritee_ra_tls::server_name().map_err(AttestationError::TlsConfig)?;
	let handshake = tokio_rustls::TlsConnector::from(Arc::new(tls)).connect(name, socket);
	match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
		Err(_) => Err(ConnectError::HandshakeTimeout { url: url.to_string() }.into()),
		Ok(Ok(_)) => Ok(()),
		Ok(Err(e)) => Err(match integritee_ra_tls::Error::from_io(&e) {
			Some(refusal) => AttestationError::CertificateRefused {
				url: url.to_string(),
				reason: refusal.clone(),
			}
			.into(),
			None => ConnectError::Handshake { url: url.to_string(), source: e }.into(),
		}),
	}
}

impl WorkerClient {
	/// Finds the worker serving `shard` on the chain and connects to it,
	/// checking who answers before anything is sent.
	pub async fn connect(
		chain: &ChainClient,
		shard: ShardIdentifier,
		options: &ConnectOptions,
	) -> Result<Self, Error> {
		let worker = find_worker(chain, &shard, options.worker_url.as_deref()).await?;
		Self::connect_to(chain, shard, worker).await
	}

	/// Connects to an already selected `worker` of `shard` (e.g. one more
	/// connection to the same worker), with every check of [`Self::connect`].
	pub async fn connect_to(
		chain: &ChainClient,
		shard: ShardIdentifier,
		worker: SelectedWorker,
	) -> Result<Self, Error> {
		let url = worker.url.clone();
		if !url.starts_with("wss://") {
			return Err(ConnectError::NotWss { url }.into());
		}
		let (admitted, fingerprint) =
			select::admits_code(chain, &shard, &worker.mr_enclave()).await?;
		if !admitted {
			return Err(AttestationError::NotTheShardsFingerprint {
				mr_enclave: worker.mr_enclave(),
				fingerprint,
			}
			.into());
		}
		let shard_key = select::shard_shielding_key(chain, &shard).await?;
		if worker.enclave.shielding_key_hash != shard_key {
			return Err(AttestationError::NotTheShardsKey {
				registered: worker.enclave.shielding_key_hash,
				shard: shard_key,
			}
			.into());
		}
		let age_ms = now_ms().saturating_sub(worker.enclave.attested_at_ms);
		let renewal_ms = integritee_runtime::configs::ATTESTATION_RENEWAL_PERIOD_MS;
		if age_ms > renewal_ms {
			return Err(AttestationError::RegistrationExpired {
				age_secs: age_ms / 1000,
				renewal_secs: renewal_ms / 1000,
			}
			.into());
		}
		let config = policy::ra_tls_config(chain, [fingerprint]).await?;
		let (tls, verified) = integritee_ra_tls::client_config_one_way(Arc::new(config))
			.map_err(AttestationError::TlsConfig)?;
		check_certificate(&url, tls.clone()).await?;
		let rpc = WsClientBuilder::default()
			.request_timeout(REQUEST_TIMEOUT)
			.connection_timeout(CONNECT_TIMEOUT)
			.max_concurrent_requests(MAX_CONCURRENT_REQUESTS)
			.with_custom_cert_store(tls)
			.build(&url)
			.await
			.map_err(|source| -> Error {
				match verified.get() {
					None => {
						AttestationError::RefusedOrUnreachable { url: url.clone(), source }.into()
					}
					Some(_) => ConnectError::WebSocket { url: url.clone(), source }.into(),
				}
			})?;
		let peer = verified
			.get()
			.ok_or_else(|| AttestationError::NoVerifiedCertificate { url: url.clone() })?;
		let mut client = Self {
			rpc,
			worker,
			shard,
			shielding_key: Vec::new(),
			verified_headers: Default::default(),
		};
		let key = client.request_hex(rpc::GET_SHIELDING_KEY, None).await?;
		check_shielding_key(&key, &client.worker.enclave.shielding_key_hash)?;
		if peer.binding != rpc::tls_binding(&client.worker.signer_public().0, &key) {
			return Err(
				AttestationError::BindingMismatch { signer: client.worker.signer.clone() }.into()
			);
		}
		client.shielding_key = key;
		Ok(client)
	}

	/// The registered enclave this connection talks to.
	pub fn worker(&self) -> &SelectedWorker {
		&self.worker
	}

	/// The shard this connection serves.
	pub fn shard(&self) -> ShardIdentifier {
		self.shard
	}

	/// The worker's URL.
	pub fn url(&self) -> &str {
		&self.worker.url
	}

	/// The MRENCLAVE trusted calls to this worker are signed for.
	pub fn mr_enclave(&self) -> MrEnclave {
		self.worker.mr_enclave()
	}

	/// The worker's shielding key, checked against the enclave's registered
	/// shielding key hash and the RA-TLS certificate when connecting.
	pub fn shielding_key(&self) -> &[u8] {
		&self.shielding_key
	}

	/// Encrypts `plaintext` to the shard's shielding key for `purpose`
	/// (what `EnclaveBridge::invoke`, [`shielding::Purpose::TrustedCall`],
	/// and `shield_funds`, [`shielding::Purpose::ShieldBeneficiary`],
	/// carry); `what` names it in an error.
	pub fn encrypt(
		&self,
		purpose: shielding::Purpose,
		what: &'static str,
		plaintext: &[u8],
	) -> Result<Vec<u8>, RpcError> {
		shielding::encrypt(&self.shielding_key, purpose, &self.shard, plaintext)
			.map_err(|source| RpcError::Encrypt { what, source })
	}

	/// Encrypts a signed trusted call for [`Self::submit`] or
	/// [`Self::submit_and_watch`].
	pub fn encrypt_call(&self, call: &TrustedCallSigned) -> Result<EncryptedCall, RpcError> {
		let direct = DirectCall::encrypt(call, self.shard, &self.shielding_key)
			.map_err(|source| RpcError::Encrypt { what: "the trusted call", source })?;
		Ok(EncryptedCall { hash: call.hash(), param: hex_param(&direct.encode()) })
	}

	/// Submits a direct call; returns once the worker's pool accepted it,
	/// with its hash (checked to be the call's).
	pub async fn submit(&self, call: &EncryptedCall) -> Result<H256, Error> {
		let hash = self.request_hex(rpc::SUBMIT, Some(call.param.clone())).await?;
		let hash = H256::decode(&mut &hash[..])
			.map_err(|_| RpcError::Undecodable { what: "call hash" })?;
		check_call_hash(call.hash, hash)?;
		Ok(hash)
	}

	/// Submits a direct call and watches its statuses.
	pub async fn submit_and_watch(&self, call: &EncryptedCall) -> Result<CallWatch, Error> {
		let statuses = self
			.rpc
			.subscribe(
				rpc::SUBMIT_AND_WATCH,
				jsonrpsee::rpc_params![call.param.clone()],
				rpc::UNWATCH,
			)
			.await
			.map_err(|e| self.rpc_error(rpc::SUBMIT_AND_WATCH, e))?;
		Ok(CallWatch {
			statuses,
			url: self.worker.url.clone(),
			hash: call.hash,
			shard: self.shard,
			signer: self.worker.signer_public(),
			verified: self.verified_headers.clone(),
			included: None,
		})
	}

	/// Sends `getter`, signed with `sign` by the account it reads (with a
	/// fresh answer key, both under the signature), through the one getter
	/// method (`state_executeGetter`: the kind stays encrypted), and checks
	/// the enclave's signature on the answer; returns the answer's value
	/// (SCALE, `None` if the state holds nothing).
	pub async fn getter(
		&self,
		getter: TrustedGetter,
		sign: impl FnOnce(&[u8]) -> MultiSignature,
	) -> Result<Option<Vec<u8>>, Error> {
		let (request, sent) = PrivateGetterRequest::new(
			getter,
			self.shard,
			now_ms(),
			None,
			&self.shielding_key,
			sign,
		)
		.map_err(|source| RpcError::Encrypt { what: "the getter", source })?;
		let answer =
			self.request_hex(rpc::EXECUTE_GETTER, Some(hex_param(&request.encode()))).await?;
		let answer = GetterAnswer::open(&answer, &sent.answer_key, &self.shard)
			.map_err(|_| CheckError::AnswerUndecryptable)?;
		Ok(check_getter_answer(&answer, &sent.signed.encode(), &self.worker.signer_public())?
			.clone())
	}

	/// `owner`'s account in the shard (zero if it has none).
	pub async fn account_info(&self, owner: &sr25519::Pair) -> Result<AccountInfoView, Error> {
		let getter = TrustedGetter::AccountInfo(owner.public().into());
		match self.getter(getter, sr25519_signer(owner)).await? {
			None => Ok(AccountInfoView::default()),
			Some(bytes) => Ok(AccountInfoView::decode(&mut &bytes[..])
				.map_err(|_| RpcError::Undecodable { what: "account info" })?),
		}
	}

	/// The nonce `owner`'s next call should carry: the state's, after its
	/// ready calls in the worker's pool.
	pub async fn next_nonce(&self, owner: &sr25519::Pair) -> Result<Nonce, Error> {
		let getter = TrustedGetter::NextNonce(owner.public().into());
		let value = self.getter(getter, sr25519_signer(owner)).await?;
		Ok(value
			.and_then(|bytes| Nonce::decode(&mut &bytes[..]).ok())
			.ok_or(RpcError::Undecodable { what: "next nonce" })?)
	}

	/// `owner`'s calls in the worker's pool.
	pub async fn pending_calls(&self, owner: &sr25519::Pair) -> Result<Vec<PendingCall>, Error> {
		let getter = TrustedGetter::PendingCalls(owner.public().into());
		match self.getter(getter, sr25519_signer(owner)).await? {
			None => Ok(Vec::new()),
			Some(bytes) => Ok(Vec::<PendingCall>::decode(&mut &bytes[..])
				.map_err(|_| RpcError::Undecodable { what: "pending calls" })?),
		}
	}

	/// The shard's latest committed sidechain header, checked: signed by
	/// the selected enclave, for this shard. `None` before the first block.
	pub async fn sidechain_header(&self) -> Result<Option<SidechainHeader>, Error> {
		let answer: Option<String> = self
			.rpc
			.request(rpc::CHAIN_GET_HEADER, jsonrpsee::rpc_params![])
			.await
			.map_err(|e| self.rpc_error(rpc::CHAIN_GET_HEADER, e))?;
		let Some(text) = answer else { return Ok(None) };
		let bytes = from_hex(rpc::CHAIN_GET_HEADER, &text)?;
		let (header, signature) = <(SidechainHeader, ed25519::Signature)>::decode(&mut &bytes[..])
			.map_err(|_| RpcError::Undecodable { what: "sidechain header" })?;
		check_sidechain_header(&header, &signature, &self.shard, &self.worker.signer_public())?;
		Ok(Some(header))
	}

	/// The worker's peer address (`HOST:PORT`), where the shard's members
	/// reach it over mutual RA-TLS.
	pub async fn peer_address(&self) -> Result<String, Error> {
		let method = rpc::PEER_ADDRESS;
		let params = jsonrpsee::core::params::ArrayParams::new();
		Ok(self.rpc.request(method, params).await.map_err(|e| self.rpc_error(method, e))?)
	}

	async fn request_hex(
		&self,
		method: &'static str,
		param: Option<String>,
	) -> Result<Vec<u8>, RpcError> {
		let mut params = jsonrpsee::core::params::ArrayParams::new();
		if let Some(param) = param {
			params.insert(param).map_err(|source| RpcError::Params { method, source })?;
		}
		let answer: String =
			self.rpc.request(method, params).await.map_err(|e| self.rpc_error(method, e))?;
		from_hex(method, &answer)
	}

	/// A JSON-RPC refusal keeps its code and message; anything else is a
	/// transport failure.
	fn rpc_error(&self, method: &'static str, error: jsonrpsee::core::ClientError) -> RpcError {
		let url = self.worker.url.clone();
		match error {
			jsonrpsee::core::ClientError::Call(refusal) => RpcError::Refused {
				url,
				method,
				code: refusal.code(),
				message: refusal.message().to_string(),
			},
			source => RpcError::Transport { url, method, source },
		}
	}
}

fn from_hex(method: &'static str, text: &str) -> Result<Vec<u8>, RpcError> {
	hex::decode(text.strip_prefix("0x").unwrap_or(text)).map_err(|_| RpcError::NotHex { method })
}

/// Signs getters with an sr25519 account key.
fn sr25519_signer(pair: &sr25519::Pair) -> impl FnOnce(&[u8]) -> MultiSignature + '_ {
	move |payload: &[u8]| MultiSignature::Sr25519(pair.sign(payload))
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used)]
	use super::*;
	use polkadot_sdk::sp_runtime::AccountId32;

	#[test]
	fn worker_answers_that_are_not_hex_are_named() {
		assert_eq!(from_hex("m", "0x0102").unwrap(), vec![1, 2]);
		assert_eq!(from_hex("m", "0102").unwrap(), vec![1, 2]);
		for bad in ["0xzz", "012", "0x0x01", " 01"] {
			let error = from_hex("author_getShieldingKey", bad).unwrap_err();
			assert!(matches!(error, RpcError::NotHex { method: "author_getShieldingKey" }));
			assert!(error.to_string().contains("author_getShieldingKey"), "{error}");
		}
	}

	#[test]
	fn an_encrypted_call_carries_the_signed_calls_hash() {
		let alice = sr25519::Pair::from_string("//Alice", None).unwrap();
		let call = integritee_stf_primitives::TrustedCall::BalanceTransfer {
			from: alice.public().into(),
			to: AccountId32::new([2; 32]),
			amount: 1,
		}
		.sign(0, &[1; 32], &H256::repeat_byte(1), sr25519_signer(&alice));
		let key = shielding::ShieldingKeyPair::from_seed(&[3; 32]);
		let direct = DirectCall::encrypt(&call, H256::repeat_byte(1), &key.public_key()).unwrap();
		let encrypted = EncryptedCall { hash: call.hash(), param: hex_param(&direct.encode()) };
		assert_eq!(encrypted.hash(), call.hash());
		assert!(encrypted.param.starts_with("0x"));
	}

	#[test]
	fn errors_of_every_area_keep_their_message() {
		let error: Error = CheckError::ShieldingKeyLength { len: 3, expected: 32 }.into();
		assert!(error.to_string().starts_with("the worker's shielding key has 3 bytes"));
		let error: Error = ConnectError::NotWss { url: "ws://x".into() }.into();
		assert_eq!(
			error.to_string(),
			"the worker's URL ws://x is not wss://: refusing to talk to a worker without RA-TLS"
		);
		let error: Error =
			AttestationError::RegistrationExpired { age_secs: 90_000, renewal_secs: 86_400 }.into();
		assert!(error.to_string().contains("registration expired"));
		let error: Error = RpcError::Refused {
			url: "wss://w".into(),
			method: rpc::SUBMIT,
			code: 1010,
			message: "stale nonce".into(),
		}
		.into();
		assert_eq!(
			error.to_string(),
			"the worker at wss://w refused author_submitExtrinsic: stale nonce (code 1010)"
		);
		let shard = H256::repeat_byte(0xab);
		let error: Error =
			ConnectError::NoServingWorker { shard, active_signers: 0, registered: 2 }.into();
		assert!(error
			.to_string()
			.starts_with(&format!("no worker is known to serve shard 0x{}", "ab".repeat(32))));
	}
}

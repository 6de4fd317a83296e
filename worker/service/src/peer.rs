//! The peer port: where the shard's members reach each other over mutual
//! RA-TLS. Today it serves one request, provisioning (a joining enclave gets
//! the shard's secrets from a member); the sidechain's replication is to
//! come to the same port.
//!
//! Both ends present an RA-TLS certificate made by their core and accept
//! only a peer whose quote verifies under the chain's DCAP root, collateral
//! and policies and whose MRENCLAVE may hold the shard's secrets (read from
//! the chain by this host, per connection). That keeps strangers off the
//! port; it is not what protects the secrets: TLS ends in the host here,
//! so the cores check each other themselves (the request's quote, the
//! package's signer and key, see `integritee_enclave::provisioning`), and
//! the secrets cross the hosts sealed to the joiner's ephemeral key.
//!
//! One request per connection: a frame (u32 little-endian length, then the
//! SCALE encoding of a [`PeerRequest`]) and its answer (a [`PeerResponse`]),
//! at most [`MAX_FRAME_BYTES`] each, within [`PEER_TIMEOUT`].
//!
//! **Must not**: judge a request itself (the core does), or hold the
//! secrets in the clear (it never sees them).

use std::{net::SocketAddr, sync::Arc, time::Duration};

use codec::{Decode, Encode};
use integritee_chain_client::ChainClient;
use integritee_enclave::{Enclave, ProvisioningPackage, ProvisioningRequest, SecretsOrigin};
use integritee_ra_tls::{client_config, server_config, AttestedCertificate, RaTlsConfig};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::{TcpListener, TcpStream},
};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::{
	args::Args,
	health::{Component, Health},
	lock, now_ms,
	parentchain::ParentchainReader,
	read, SharedEnclave,
};

/// The largest frame either side reads.
pub const MAX_FRAME_BYTES: usize = 1 << 20;
/// How long a connection may take: handshake, request and answer.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(20);
/// The validity of the certificates made for peer connections (one per
/// connection).
const PEER_CERTIFICATE_VALIDITY_MS: u64 = 10 * 60 * 1000;
/// How often the joiner looks whether the chain lets it ask a member.
const WAIT_POLL: Duration = Duration::from_secs(1);
/// The longest wait between two failed provisioning rounds.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What a peer asks.
#[derive(Encode, Decode, Debug)]
pub enum PeerRequest {
	/// The shard's secrets, for the enclave that made this request.
	Provision(ProvisioningRequest),
}

/// What a peer answers.
#[derive(Encode, Decode, Debug)]
pub enum PeerResponse {
	Provisioned(ProvisioningPackage),
	/// Why the request was refused (no secret in it).
	Refused(String),
}

/// Why a peer connection or a provisioning round failed.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
	#[error("cannot listen on {address}: {source}")]
	Listen { address: String, source: std::io::Error },
	#[error("cannot read the address the peer server is bound to: {0}")]
	BoundAddress(std::io::Error),
	#[error("cannot connect to the parent-chain node: {0}")]
	Connect(integritee_chain_client::Error),
	#[error("the chain's RA-TLS policy: {0}")]
	Policy(integritee_worker_client::Error),
	#[error("the trusted core: {0}")]
	Core(integritee_enclave::Error),
	#[error("RA-TLS: {0}")]
	Tls(integritee_ra_tls::Error),
	#[error("the mutual RA-TLS handshake failed: {0}")]
	Handshake(String),
	#[error("{what}: {source}")]
	Io { what: &'static str, source: std::io::Error },
	#[error("{0} took longer than {PEER_TIMEOUT:?}")]
	Timeout(&'static str),
	#[error("a frame of {0} bytes is larger than {MAX_FRAME_BYTES}")]
	FrameTooLarge(usize),
	#[error("the peer's {0} does not decode")]
	Malformed(&'static str),
	#[error("cannot read the proof of the provisioning policy: {0}")]
	Proof(crate::parentchain::ReadError),
	#[error("cannot find the shard's members: {0}")]
	Members(integritee_worker_client::Error),
	#[error("the member refused: {0}")]
	RefusedByMember(String),
	#[error("the member's trusted RPC at {url}: {source}")]
	MemberRpc { url: String, source: integritee_worker_client::Error },
}

/// A failed TLS handshake: the RA-TLS verdict on the peer's certificate
/// if that failed it, else the I/O error.
fn handshake_error(error: std::io::Error) -> PeerError {
	PeerError::Handshake(match integritee_ra_tls::Error::from_io(&error) {
		Some(refused) => refused.to_string(),
		None => error.to_string(),
	})
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> PeerError {
	move |source| PeerError::Io { what, source }
}

/// Binds the peer port (`--peer-port` on `--rpc-host`).
pub async fn bind(args: &Args) -> Result<(TcpListener, SocketAddr), PeerError> {
	let address = format!("{}:{}", args.rpc_host, args.peer_port);
	let listener = TcpListener::bind(&address)
		.await
		.map_err(|source| PeerError::Listen { address, source })?;
	let bound = listener.local_addr().map_err(PeerError::BoundAddress)?;
	Ok((listener, bound))
}

/// What the secrets part of `system_health` says of `core`.
pub fn report_secrets(core: &Enclave, health: &Health) {
	let origin = match core.secrets_origin() {
		None => "unprovisioned",
		Some(SecretsOrigin::Candidate { .. }) => "candidate",
		Some(SecretsOrigin::Created { .. }) => "created",
		Some(SecretsOrigin::Provisioned { .. }) => "provisioned",
	};
	let key = core.shielding_key_hash().map(|hash| format!("0x{}", hex::encode(hash)));
	health.update_secrets(|secrets| {
		secrets.origin = origin.into();
		secrets.shielding_key_hash = key;
	});
}

/// A fresh RA-TLS certificate from the core (on a blocking thread: the
/// quote takes a moment).
async fn certificate(enclave: &SharedEnclave) -> Result<AttestedCertificate, PeerError> {
	let enclave = enclave.clone();
	tokio::task::spawn_blocking(move || {
		read(&enclave).tls_certificate(now_ms(), PEER_CERTIFICATE_VALIDITY_MS)
	})
	.await
	.map_err(|e| PeerError::Core(integritee_enclave::Error::Platform(e.to_string())))?
	.map_err(PeerError::Core)
}

/// The chain's RA-TLS policy for the shard's peers: the codes that may hold
/// its secrets.
async fn peer_policy(
	chain: &ChainClient,
	enclave: &SharedEnclave,
) -> Result<RaTlsConfig, PeerError> {
	let shard = read(enclave).shard();
	let codes = integritee_worker_client::secret_holding_codes(chain, &shard)
		.await
		.map_err(|e| PeerError::Policy(e.into()))?;
	integritee_worker_client::ra_tls_config(chain, codes).await.map_err(PeerError::Policy)
}

async fn read_frame<T: Decode, S: AsyncReadExt + Unpin>(
	stream: &mut S,
	what: &'static str,
) -> Result<T, PeerError> {
	let length = stream.read_u32_le().await.map_err(io("reading a frame"))? as usize;
	if length > MAX_FRAME_BYTES {
		return Err(PeerError::FrameTooLarge(length));
	}
	let mut bytes = vec![0u8; length];
	stream.read_exact(&mut bytes).await.map_err(io("reading a frame"))?;
	T::decode(&mut &bytes[..]).map_err(|_| PeerError::Malformed(what))
}

async fn write_frame<S: AsyncWriteExt + Unpin>(
	stream: &mut S,
	value: &impl Encode,
) -> Result<(), PeerError> {
	let bytes = value.encode();
	if bytes.len() > MAX_FRAME_BYTES {
		return Err(PeerError::FrameTooLarge(bytes.len()));
	}
	stream.write_u32_le(bytes.len() as u32).await.map_err(io("writing a frame"))?;
	stream.write_all(&bytes).await.map_err(io("writing a frame"))?;
	stream.flush().await.map_err(io("writing a frame"))
}

/// Serves the peer port until the worker stops: each connection in its own
/// task, within [`PEER_TIMEOUT`].
pub async fn serve(
	listener: TcpListener,
	enclave: SharedEnclave,
	node_url: String,
	health: Health,
) -> Result<(), PeerError> {
	let chain = Arc::new(ChainClient::connect(&node_url).await.map_err(PeerError::Connect)?);
	loop {
		let (stream, from) = match listener.accept().await {
			Ok(accepted) => accepted,
			// Out of file descriptors, a connection reset before it was
			// accepted: the next one may do.
			Err(e) => {
				log::warn!("peer port: cannot accept a connection: {e}");
				tokio::time::sleep(Duration::from_millis(100)).await;
				continue;
			}
		};
		let (enclave, chain, health) = (enclave.clone(), chain.clone(), health.clone());
		tokio::spawn(async move {
			let served = tokio::time::timeout(
				PEER_TIMEOUT,
				serve_connection(stream, &enclave, &chain, &health),
			)
			.await
			.unwrap_or(Err(PeerError::Timeout("the peer connection")));
			if let Err(e) = served {
				log::warn!("peer {from}: {e}");
				count_refusal(&health, e.to_string());
			}
		});
	}
}

fn count_refusal(health: &Health, reason: String) {
	health.update_secrets(|secrets| {
		secrets.refused_requests += 1;
		secrets.last_refusal = Some(reason);
	});
}

async fn serve_connection(
	stream: TcpStream,
	enclave: &SharedEnclave,
	chain: &ChainClient,
	health: &Health,
) -> Result<(), PeerError> {
	let config =
		server_config(&certificate(enclave).await?, Arc::new(peer_policy(chain, enclave).await?))
			.map_err(PeerError::Tls)?;
	let mut tls =
		TlsAcceptor::from(Arc::new(config)).accept(stream).await.map_err(handshake_error)?;
	let PeerRequest::Provision(request) = read_frame(&mut tls, "request").await?;
	let response = match answer(enclave, chain, &request).await {
		Ok(package) => {
			log::info!(
				"provisioned enclave {} with the shard's secrets",
				integritee_stf_primitives::AccountId::from(request.joiner)
			);
			health.update_secrets(|secrets| secrets.provisioned_others += 1);
			PeerResponse::Provisioned(package)
		}
		Err(reason) => {
			log::warn!(
				"refused to provision enclave {}: {reason}",
				integritee_stf_primitives::AccountId::from(request.joiner)
			);
			count_refusal(health, reason.clone());
			PeerResponse::Refused(reason)
		}
	};
	write_frame(&mut tls, &response).await?;
	let _ = tls.shutdown().await;
	Ok(())
}

/// The core's answer to `request`, with the proof it asks for read at its
/// light client's head.
async fn answer(
	enclave: &SharedEnclave,
	chain: &ChainClient,
	request: &ProvisioningRequest,
) -> Result<ProvisioningPackage, String> {
	let (keys, head) = {
		let core = read(enclave);
		let keys = core.provisioning_proof_keys(request).map_err(|e| e.to_string())?;
		let head = core.light_client_head().ok_or("the light client has no head yet")?;
		(keys, head)
	};
	let proof = chain.read_proof(&keys, head.1).await.map_err(|e| e.to_string())?;
	let enclave = enclave.clone();
	let request = request.clone();
	tokio::task::spawn_blocking(move || read(&enclave).provision(&request, proof))
		.await
		.map_err(|e| e.to_string())?
		.map_err(|e| e.to_string())
}

/// Gets the shard's secrets from a member while the core holds none and
/// the chain proves the shard created: asks each proven member in turn
/// (their peer address from their trusted RPC), with backoff after failed
/// rounds; says in `system_health` what it waits for. Returns once the
/// core holds the secrets (the supervisor restarts it: it then waits).
pub async fn provision(
	args: Args,
	enclave: SharedEnclave,
	health: Health,
) -> Result<(), PeerError> {
	let chain = ChainClient::connect(&args.node_url).await.map_err(PeerError::Connect)?;
	let mut backoff = Duration::from_secs(1);
	loop {
		let (holds, shard_key, members, shard) = {
			let core = read(&enclave);
			(
				core.secrets_origin().is_some(),
				core.shard_key(),
				core.shard_members().map(<[_]>::to_vec),
				core.shard(),
			)
		};
		let waiting = match (holds, shard_key, members) {
			(true, ..) => {
				health.set_problem(Component::Provisioning, None);
				// Nothing to do; look again in a while (a shard removed and
				// created anew by another makes this instance a joiner again).
				tokio::time::sleep(Duration::from_secs(10)).await;
				continue;
			}
			(false, Some(Some(_)), Some(members)) if !members.is_empty() => {
				match provision_round(&chain, &enclave, &shard).await {
					Ok(hash) => {
						log::info!(
							"provisioned with the shard's secrets (shielding key hash 0x{})",
							hex::encode(hash)
						);
						report_secrets(&read(&enclave), &health);
						health.set_problem(Component::Provisioning, None);
						backoff = Duration::from_secs(1);
						continue;
					}
					Err(reason) => (reason, true),
				}
			}
			(false, Some(Some(_)), _) => {
				("the shard has no member on chain that could provision this enclave".into(), false)
			}
			(false, Some(None), _) => ("the shard is not created on chain yet".into(), false),
			(false, None, _) => ("no finalized block imported yet in this run".into(), false),
		};
		let (waiting, failed) = waiting;
		// Waiting for the chain costs a read of the core: look every
		// second. Failed rounds cost the members work: back off.
		let pause = if failed { backoff } else { WAIT_POLL };
		let problem = format!("not provisioned: {waiting}; next look in {}s", pause.as_secs());
		if !health.has_problem(Component::Provisioning) {
			log::warn!("{problem}");
		} else {
			log::debug!("{problem}");
		}
		health.set_problem(Component::Provisioning, Some(problem));
		tokio::time::sleep(pause).await;
		if failed {
			backoff = (backoff * 2).min(MAX_BACKOFF);
		}
	}
}

/// One round: each member in the order they joined, until one provisions
/// this enclave. The reasons of the failures, if none did.
async fn provision_round(
	chain: &ChainClient,
	enclave: &SharedEnclave,
	shard: &integritee_stf_primitives::ShardIdentifier,
) -> Result<[u8; 32], String> {
	let members = integritee_worker_client::shard_members(chain, shard)
		.await
		.map_err(|e| PeerError::Members(e.into()).to_string())?;
	let mut failures = Vec::new();
	for member in members {
		match provision_from(chain, enclave, shard, member.clone()).await {
			Ok(hash) => return Ok(hash),
			Err(e) => {
				log::warn!("provisioning from member {}: {e}", member.signer);
				failures.push(format!("{}: {e}", member.signer));
			}
		}
	}
	Err(if failures.is_empty() {
		"no member is registered with a URL and the shard's key".into()
	} else {
		failures.join("; ")
	})
}

/// Asks `member` over the peer port and hands its package to the core.
async fn provision_from(
	chain: &ChainClient,
	enclave: &SharedEnclave,
	shard: &integritee_stf_primitives::ShardIdentifier,
	member: integritee_worker_client::SelectedWorker,
) -> Result<[u8; 32], PeerError> {
	let url = member.url.clone();
	let rpc = integritee_worker_client::WorkerClient::connect_to(chain, *shard, member)
		.await
		.map_err(|source| PeerError::MemberRpc { url: url.clone(), source })?;
	let address =
		rpc.peer_address().await.map_err(|source| PeerError::MemberRpc { url, source })?;
	let request = read(enclave).provisioning_request().map_err(PeerError::Core)?;
	let config =
		client_config(&certificate(enclave).await?, Arc::new(peer_policy(chain, enclave).await?))
			.map_err(PeerError::Tls)?;
	let response = tokio::time::timeout(PEER_TIMEOUT, async {
		let stream = TcpStream::connect(&address).await.map_err(io("connecting to the member"))?;
		let name = integritee_ra_tls::server_name().map_err(PeerError::Tls)?;
		let mut tls = TlsConnector::from(Arc::new(config))
			.connect(name, stream)
			.await
			.map_err(handshake_error)?;
		write_frame(&mut tls, &PeerRequest::Provision(request)).await?;
		read_frame::<PeerResponse, _>(&mut tls, "answer").await
	})
	.await
	.map_err(|_| PeerError::Timeout("provisioning"))??;
	match response {
		PeerResponse::Provisioned(package) => {
			lock(enclave).accept_provisioning(&package).map_err(|e| PeerError::Core(e.into()))
		}
		PeerResponse::Refused(reason) => Err(PeerError::RefusedByMember(reason)),
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	/// A frame longer than the limit is refused before anything is read
	/// into memory; one that does not decode is refused as malformed; a
	/// truncated one is an I/O error.
	#[tokio::test]
	async fn bad_frames_are_refused() {
		let (mut writer, mut reader) = tokio::io::duplex(64);
		writer.write_u32_le(MAX_FRAME_BYTES as u32 + 1).await.unwrap();
		let refused = read_frame::<PeerRequest, _>(&mut reader, "request").await.unwrap_err();
		assert!(matches!(refused, PeerError::FrameTooLarge(n) if n == MAX_FRAME_BYTES + 1));

		let (mut writer, mut reader) = tokio::io::duplex(64);
		writer.write_u32_le(3).await.unwrap();
		writer.write_all(&[9, 9, 9]).await.unwrap();
		let refused = read_frame::<PeerRequest, _>(&mut reader, "request").await.unwrap_err();
		assert!(matches!(refused, PeerError::Malformed("request")), "{refused}");

		let (mut writer, mut reader) = tokio::io::duplex(64);
		writer.write_u32_le(10).await.unwrap();
		writer.write_all(&[0, 1]).await.unwrap();
		drop(writer);
		let refused = read_frame::<PeerRequest, _>(&mut reader, "request").await.unwrap_err();
		assert!(matches!(refused, PeerError::Io { .. }), "{refused}");
	}

	#[tokio::test]
	async fn a_frame_reads_back_as_written() {
		let (mut writer, mut reader) = tokio::io::duplex(1 << 16);
		let response = PeerResponse::Refused("MRENCLAVE 0x04 not allowed".into());
		write_frame(&mut writer, &response).await.unwrap();
		let read: PeerResponse = read_frame(&mut reader, "answer").await.unwrap();
		assert!(matches!(read, PeerResponse::Refused(reason) if reason.contains("not allowed")));
	}
}

//! The trusted RPC server (JSON-RPC 2.0 over WebSocket): shielding key,
//! shard, fingerprint, private getters (one method for every kind) with
//! enclave-signed answers, health, the latest committed sidechain header,
//! and direct calls (submit, submit and watch).
//! Method names, encodings and error codes: `integritee_stf_primitives::rpc`.
//!
//! A direct call passes the core's door (decryption, signature) on a
//! blocking thread without the core's lock, then the admission with the
//! core shared; commits take it alone, briefly. Limits (connections,
//! request size, watches and in-flight submissions per connection, the
//! pool's capacity) are answered with JSON-RPC errors.
//!
//! A private getter costs the core one decryption: the core opens it once
//! (signature, freshness, serving, `min_block` at most
//! `MAX_MIN_BLOCK_AHEAD` past the tip) before anything waits; a getter
//! whose `min_block` is not committed yet waits for the committed block
//! number to change (a watch, no polling of the core), at most
//! [`MIN_BLOCK_WAIT`], and waiting getters are capped per connection and
//! in total. Batches are limited to [`MAX_BATCH_LEN`] entries.
//!
//! Transport is TLS 1.3 with an RA-TLS certificate made in the core (the
//! host terminates TLS: see `docs/architecture.md`). Answers are also signed
//! by the enclave and calls and getters are encrypted to the shielding key,
//! so the host can withhold or delay answers but not read or forge them.

use std::net::SocketAddr;

use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
	time::Duration,
};

use codec::{Decode, Encode};
use integritee_enclave::{
	direct::{Admission, DirectError, Door},
	GetterError, OpenedGetter, Readiness,
};
use integritee_ra_tls::{server_config_one_way, RenewableCertificate};
use integritee_stf_primitives::{
	direct::{error_code, CallStatus, DirectCall},
	getter::PrivateGetterRequest,
	request::decode_hex_param,
	rpc as names,
};
use jsonrpsee::{
	server::{
		serve_with_graceful_shutdown, stop_channel, BatchRequestConfig, Server, ServerHandle,
	},
	types::{ErrorObjectOwned, Params},
	ConnectionId, Extensions, Methods, RpcModule, SubscriptionMessage,
};
use tokio_rustls::TlsAcceptor;

use crate::{
	args::Args,
	health::Health,
	now_ms,
	production::LatestHeader,
	read,
	watch::{Registration, StatusReceiver, Watchers},
	SharedEnclave,
};

/// Largest request the server accepts (a getter or a direct call is a few
/// hundred bytes; a direct call's ciphertext is limited to
/// `MAX_CALL_CIPHERTEXT_BYTES`).
const MAX_REQUEST_BYTES: u32 = 64 * 1024;
/// A client must finish the TLS handshake within this time.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Open connections; one more is answered HTTP 429 with a JSON-RPC
/// "server is busy" error and closed.
pub const MAX_CONNECTIONS: usize = 512;
/// Watches one connection may hold.
const MAX_SUBSCRIPTIONS_PER_CONNECTION: u32 = 4096;
/// Submissions one connection may have waiting for their answer.
const MAX_IN_FLIGHT_PER_CONNECTION: usize = 1024;
/// How long a getter waits for the state to reach its `min_block`.
pub(crate) const MIN_BLOCK_WAIT: Duration = Duration::from_secs(10);
/// Getters one connection may have waiting for their `min_block`: a client
/// waits for its own last write, one or a few at a time.
pub(crate) const MAX_WAITING_GETTERS_PER_CONNECTION: usize = 16;
/// Getters all connections together may have waiting (a waiting getter
/// holds a task and its opened request until its block or
/// [`MIN_BLOCK_WAIT`]).
pub(crate) const MAX_WAITING_GETTERS: usize = 1024;
/// Entries of one JSON-RPC batch. jsonrpsee runs a batch's entries one
/// after another within the connection's request, outside the per-request
/// accounting a client would meet with separate requests; no client of
/// ours batches, but tools may batch a few key queries in one round trip.
/// A small limit keeps those working and bounds what one message starts
/// (a larger batch is refused whole, -32010).
pub(crate) const MAX_BATCH_LEN: u32 = 8;

/// Why the trusted RPC server did not start, or its certificate was not
/// renewed.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
	#[error("cannot listen on {address}: {source}")]
	Listen { address: String, source: std::io::Error },
	#[error("cannot read the address the trusted RPC is bound to: {0}")]
	BoundAddress(std::io::Error),
	#[error("the certificate task died: {0}")]
	CertificateTask(tokio::task::JoinError),
	#[error("the trusted core cannot make an RA-TLS certificate: {0}")]
	MakeCertificate(integritee_enclave::Error),
	#[error("the RA-TLS certificate: {0}")]
	Certificate(integritee_ra_tls::Error),
	#[error("the TLS configuration: {0}")]
	TlsConfig(integritee_ra_tls::Error),
	#[error("RPC method registration: {0}")]
	RegisterMethod(jsonrpsee::core::RegisterMethodError),
}

fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(-32602, message.into(), None::<()>)
}

fn hex_of(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// What never changes while the worker runs, read once at start: key and
/// health queries are answered without the trusted core's lock, so they
/// answer while a block is imported (a long catch-up holds the lock).
struct Identity {
	door: Door,
	shielding_key: String,
	shard: String,
	fingerprint: String,
	simulated: bool,
}

impl Identity {
	fn of(enclave: &SharedEnclave) -> Self {
		let core = read(enclave);
		Self {
			door: core.door(),
			shielding_key: hex_of(&core.shielding_public_key()),
			shard: hex_of(core.shard().as_bytes()),
			fingerprint: hex_of(&core.mr_enclave()),
			simulated: core.is_simulated(),
		}
	}
}

/// What the RPC methods work with.
struct Context {
	enclave: SharedEnclave,
	health: Health,
	identity: Identity,
	latest: LatestHeader,
	watchers: Watchers,
	in_flight: InFlight,
	waiting: WaitingGetters,
}

/// The limits of getters that wait for their `min_block`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GetterLimits {
	pub per_connection: usize,
	pub total: usize,
	pub wait: Duration,
}

impl Default for GetterLimits {
	fn default() -> Self {
		Self {
			per_connection: MAX_WAITING_GETTERS_PER_CONNECTION,
			total: MAX_WAITING_GETTERS,
			wait: MIN_BLOCK_WAIT,
		}
	}
}

/// Starts the trusted RPC on `--rpc-host:--rpc-port`: TLS 1.3 only, with an
/// RA-TLS certificate from the core, renewed at half its validity.
pub async fn start(
	args: &Args,
	enclave: SharedEnclave,
	health: Health,
	latest: LatestHeader,
	watchers: Watchers,
) -> Result<(SocketAddr, ServerHandle), RpcError> {
	let address = format!("{}:{}", args.rpc_host, args.rpc_port);
	let listener = match tokio::net::TcpListener::bind(&address).await {
		Ok(listener) => listener,
		Err(source) => return Err(RpcError::Listen { address, source }),
	};
	let bound = listener.local_addr().map_err(RpcError::BoundAddress)?;
	let validity = Duration::from_secs(args.tls_validity_secs);
	let certificate = Arc::new(
		RenewableCertificate::new(&certificate(&enclave, validity).await?)
			.map_err(RpcError::Certificate)?,
	);
	let tls = server_config_one_way(certificate.clone()).map_err(RpcError::TlsConfig)?;
	let waiting = WaitingGetters::new(GetterLimits::default());
	let methods = module(enclave.clone(), health, latest, watchers, waiting)?;
	let handle = serve_tls(listener, tls, methods, MAX_CONNECTIONS);
	tokio::spawn(renew(enclave, certificate, validity, handle.clone()));
	Ok((bound, handle))
}

/// Serves `methods` on `listener` over TLS (`tls`), with the trusted RPC's
/// limits, until the returned handle stops it: each connection's TLS
/// handshake (bounded in time), then JSON-RPC over the encrypted stream.
/// Beyond `max_connections` open ones, a connection's first request is
/// answered with a JSON-RPC "server is busy" error (HTTP 429) and closed.
pub fn serve_tls(
	listener: tokio::net::TcpListener,
	tls: rustls::ServerConfig,
	methods: Methods,
	max_connections: usize,
) -> ServerHandle {
	let service = Server::builder()
		.max_request_body_size(MAX_REQUEST_BYTES)
		// Our own limit below decides; jsonrpsee's (default 100) is kept
		// above it so that its permits, released at slightly other moments
		// than ours, never refuse first.
		.max_connections(u32::try_from(max_connections.saturating_mul(2)).unwrap_or(u32::MAX))
		.max_subscriptions_per_connection(MAX_SUBSCRIPTIONS_PER_CONNECTION)
		.set_batch_request_config(BatchRequestConfig::Limit(MAX_BATCH_LEN))
		.to_service_builder();
	let open = Arc::new(tokio::sync::Semaphore::new(max_connections));
	let (stop, handle) = stop_channel();
	let tls = TlsAcceptor::from(Arc::new(tls));
	tokio::spawn(async move {
		loop {
			let socket = tokio::select! {
				accepted = listener.accept() => match accepted {
					Ok((socket, _)) => {
						// Small answers and statuses go out at once (as
						// jsonrpsee's own listener does): under Nagle's
						// algorithm a request-answer exchange stalls 40 ms.
						if let Err(e) = socket.set_nodelay(true) {
							log::debug!("trusted RPC: TCP_NODELAY: {e}");
						}
						socket
					}
					Err(e) => {
						log::warn!("trusted RPC: cannot accept a connection: {e}");
						tokio::time::sleep(Duration::from_millis(100)).await;
						continue;
					}
				},
				_ = stop.clone().shutdown() => return,
			};
			let (tls, service, methods, stop, open) =
				(tls.clone(), service.clone(), methods.clone(), stop.clone(), open.clone());
			tokio::spawn(async move {
				let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(socket)).await
				{
					Ok(Ok(stream)) => stream,
					// A client that does not speak TLS 1.3 or refuses the
					// certificate: nothing to answer.
					Ok(Err(e)) => return log::debug!("trusted RPC: TLS handshake failed: {e}"),
					Err(_) => return log::debug!("trusted RPC: TLS handshake timed out"),
				};
				let Ok(permit) = open.try_acquire_owned() else {
					return answer_busy(stream, max_connections).await;
				};
				// The permit goes with the stream: a WebSocket outlives the
				// HTTP exchange that upgraded it.
				let stream = Counted { stream, _permit: permit };
				let service = service.build(methods, stop.clone());
				if let Err(e) = serve_with_graceful_shutdown(stream, service, stop.shutdown()).await
				{
					log::debug!("trusted RPC connection: {e}");
				}
			});
		}
	});
	handle
}

/// A connection's stream with its place among the open connections, given
/// back when the stream is dropped (by the HTTP server, or by the WebSocket
/// it was upgraded to).
struct Counted<S> {
	stream: S,
	_permit: tokio::sync::OwnedSemaphorePermit,
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Counted<S> {
	fn poll_read(
		mut self: std::pin::Pin<&mut Self>,
		cx: &mut std::task::Context<'_>,
		buf: &mut tokio::io::ReadBuf<'_>,
	) -> std::task::Poll<std::io::Result<()>> {
		std::pin::Pin::new(&mut self.stream).poll_read(cx, buf)
	}
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Counted<S> {
	fn poll_write(
		mut self: std::pin::Pin<&mut Self>,
		cx: &mut std::task::Context<'_>,
		buf: &[u8],
	) -> std::task::Poll<std::io::Result<usize>> {
		std::pin::Pin::new(&mut self.stream).poll_write(cx, buf)
	}

	fn poll_flush(
		mut self: std::pin::Pin<&mut Self>,
		cx: &mut std::task::Context<'_>,
	) -> std::task::Poll<std::io::Result<()>> {
		std::pin::Pin::new(&mut self.stream).poll_flush(cx)
	}

	fn poll_shutdown(
		mut self: std::pin::Pin<&mut Self>,
		cx: &mut std::task::Context<'_>,
	) -> std::task::Poll<std::io::Result<()>> {
		std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
	}

	fn poll_write_vectored(
		mut self: std::pin::Pin<&mut Self>,
		cx: &mut std::task::Context<'_>,
		bufs: &[std::io::IoSlice<'_>],
	) -> std::task::Poll<std::io::Result<usize>> {
		std::pin::Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
	}

	fn is_write_vectored(&self) -> bool {
		self.stream.is_write_vectored()
	}
}

/// Answers a connection beyond the limit: reads its request head (bounded
/// in size and time), then a JSON-RPC error in an HTTP 429 answer, and
/// closes. A WebSocket client sees its handshake refused with that answer.
async fn answer_busy<S>(mut stream: S, max_connections: usize)
where
	S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
	use tokio::io::{AsyncReadExt, AsyncWriteExt};
	const MAX_HEAD_BYTES: usize = 16 * 1024;
	let read_head = async {
		let mut head = Vec::with_capacity(1024);
		let mut buffer = [0u8; 1024];
		while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD_BYTES {
			match stream.read(&mut buffer).await {
				Ok(0) | Err(_) => return false,
				Ok(n) => head.extend_from_slice(&buffer[..n]),
			}
		}
		true
	};
	if !matches!(tokio::time::timeout(HANDSHAKE_TIMEOUT, read_head).await, Ok(true)) {
		return;
	}
	let body = serde_json::json!({
		"jsonrpc": "2.0",
		"id": null,
		"error": {
			"code": error_code::SERVER_BUSY,
			"message": "server is busy: too many connections, try again later",
			"data": format!("{max_connections} connections are open"),
		},
	})
	.to_string();
	let answer = format!(
		"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: \
		 {}\r\nConnection: close\r\nRetry-After: 1\r\n\r\n{body}",
		body.len()
	);
	let write = async {
		stream.write_all(answer.as_bytes()).await?;
		stream.shutdown().await
	};
	if let Ok(Err(e)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, write).await {
		log::debug!("trusted RPC: busy answer not delivered: {e}");
	}
}

/// A fresh RA-TLS certificate from the core (on a blocking thread: the
/// quote takes a moment).
async fn certificate(
	enclave: &SharedEnclave,
	validity: Duration,
) -> Result<integritee_ra_tls::AttestedCertificate, RpcError> {
	let enclave = enclave.clone();
	tokio::task::spawn_blocking(move || {
		read(&enclave).tls_certificate(now_ms(), validity.as_millis() as u64)
	})
	.await
	.map_err(RpcError::CertificateTask)?
	.map_err(RpcError::MakeCertificate)
}

/// Renews the certificate at half its validity, so that clients never see
/// an expired one; a failed renewal is retried every minute.
async fn renew(
	enclave: SharedEnclave,
	current: Arc<RenewableCertificate>,
	validity: Duration,
	server: ServerHandle,
) {
	let mut wait = validity / 2;
	loop {
		tokio::select! {
			_ = tokio::time::sleep(wait) => {}
			_ = server.clone().stopped() => return,
		}
		let renewed = certificate(&enclave, validity)
			.await
			.and_then(|certificate| current.replace(&certificate).map_err(RpcError::Certificate));
		wait = match renewed {
			Ok(()) => {
				log::info!(
					"trusted RPC: RA-TLS certificate renewed (valid {} s)",
					validity.as_secs()
				);
				validity / 2
			}
			Err(e) => {
				log::error!("trusted RPC: cannot renew the RA-TLS certificate: {e}");
				Duration::from_secs(60).min(validity / 4)
			}
		};
	}
}

/// The trusted RPC's methods (`waiting`: the getters waiting for their
/// `min_block`, with their limits).
pub(crate) fn module(
	enclave: SharedEnclave,
	health: Health,
	latest: LatestHeader,
	watchers: Watchers,
	waiting: WaitingGetters,
) -> Result<Methods, RpcError> {
	let identity = Identity::of(&enclave);
	let context = Context {
		enclave,
		health,
		identity,
		latest,
		watchers,
		in_flight: InFlight::default(),
		waiting,
	};
	let mut module = RpcModule::new(context);
	register(module.register_method(names::GET_SHIELDING_KEY, |_, context, _| {
		context.identity.shielding_key.clone()
	}))?;
	register(
		module.register_method(names::GET_SHARD, |_, context, _| context.identity.shard.clone()),
	)?;
	register(module.register_method(names::GET_FINGERPRINT, |_, context, _| {
		context.identity.fingerprint.clone()
	}))?;
	register(module.register_method(names::SYSTEM_HEALTH, |_, context, _| {
		serde_json::to_value(context.health.report(context.identity.simulated)).unwrap_or_default()
	}))?;
	register(
		module.register_method(names::SYSTEM_VERSION, |_, _, _| {
			env!("CARGO_PKG_VERSION").to_string()
		}),
	)?;
	register(module.register_method(names::CHAIN_GET_HEADER, |_, context, _| {
		context.latest.get().map(|signed_header| hex_of(&signed_header.encode()))
	}))?;
	// One method for every kind of private getter: a method per kind
	// would tell the host which getter it is, which stays encrypted.
	register(
		module.register_async_method(names::EXECUTE_GETTER, |params, context, extensions| {
			getter(params, context, extensions)
		}),
	)?;
	register(module.register_async_method(
		names::SUBMIT,
		|params, context, extensions| async move {
			let call = direct_call(&params)?;
			let _slot = context.in_flight.take(&extensions)?;
			let admission = admit(&context, call, None).await?;
			Ok::<String, ErrorObjectOwned>(hex_of(admission.hash.as_bytes()))
		},
	))?;
	register(module.register_subscription(
		names::SUBMIT_AND_WATCH,
		names::EXTRINSIC_UPDATE,
		names::UNWATCH,
		|params, pending, context, extensions| async move {
			let call = match direct_call(&params) {
				Ok(call) => call,
				Err(e) => {
					pending.reject(e).await;
					return Ok(());
				}
			};
			let slot = match context.in_flight.take(&extensions) {
				Ok(slot) => slot,
				Err(e) => {
					pending.reject(e).await;
					return Ok(());
				}
			};
			let (admission, mut statuses) = match watch_and_admit(&context, call).await {
				Ok(admitted) => admitted,
				Err(e) => {
					pending.reject(e).await;
					return Ok(());
				}
			};
			drop(slot);
			let sink = pending.accept().await?;
			let first = [
				CallStatus::Submitted,
				match admission.readiness {
					Readiness::Ready => CallStatus::Ready,
					Readiness::Future => CallStatus::Future,
				},
			];
			for status in first {
				sink.send(SubscriptionMessage::from_json(&status)?).await?;
			}
			loop {
				tokio::select! {
					status = statuses.recv() => {
						let Some(status) = status else { break };
						sink.send(SubscriptionMessage::from_json(&status)?).await?;
						if status.is_final() {
							break;
						}
					}
					_ = sink.closed() => break,
				}
			}
			Ok(())
		},
	))?;
	Ok(module.into())
}

fn getter_refused(e: GetterError) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(e.code(), e.to_string(), None::<()>)
}

/// Answers a private getter. The core opens it once, on a blocking thread
/// (shard, serving, decryption, the owner's signature over getter, answer
/// key and `min_block`, freshness, `min_block` within reach): whatever is
/// wrong with it is refused before anything waits. A getter whose
/// `min_block` is not committed yet takes a waiting place (capped per
/// connection and in total: [`error_code::LIMIT_REACHED`] beyond) and waits
/// for the committed block number to reach it, at most the limit's `wait`;
/// then the core answers the opened getter (no second decryption), or
/// says it is still not there.
async fn getter(
	params: Params<'static>,
	context: Arc<Context>,
	extensions: Extensions,
) -> Result<String, ErrorObjectOwned> {
	let request: PrivateGetterRequest = scale_param(&params, "PrivateGetterRequest")?;
	let enclave = context.enclave.clone();
	let (opened, answered) = tokio::task::spawn_blocking(move || {
		let core = read(&enclave);
		let opened = core.open_private_getter(&request, now_ms())?;
		let answered = core.answer_private_getter(&opened, now_ms());
		Ok::<_, GetterError>((opened, answered))
	})
	.await
	.map_err(|e| internal(format!("the getter task died: {e}")))?
	.map_err(getter_refused)?;
	let min_block = match answered {
		Ok(encrypted) => return Ok(hex_of(&encrypted)),
		Err(GetterError::NotYet { min_block, .. }) => min_block,
		Err(e) => return Err(getter_refused(e)),
	};
	let _place = context.waiting.take(&extensions)?;
	let mut committed = context.latest.number();
	// Reached, timed out, or the watch ended (the worker stops): the core
	// decides in each case.
	let _ = tokio::time::timeout(
		context.waiting.limits.wait,
		committed.wait_for(|number| *number >= min_block),
	)
	.await;
	answer_opened(&context, opened).await
}

/// The core's answer to an opened getter, on a blocking thread.
async fn answer_opened(
	context: &Context,
	opened: OpenedGetter,
) -> Result<String, ErrorObjectOwned> {
	let enclave = context.enclave.clone();
	tokio::task::spawn_blocking(move || read(&enclave).answer_private_getter(&opened, now_ms()))
		.await
		.map_err(|e| internal(format!("the getter task died: {e}")))?
		.map(|encrypted| hex_of(&encrypted))
		.map_err(getter_refused)
}

/// Decodes the one parameter: hex of a SCALE-encoded `T`.
fn scale_param<T: Decode>(params: &Params, what: &'static str) -> Result<T, ErrorObjectOwned> {
	let text: String = params.one().map_err(|_| invalid_params("expected one hex string"))?;
	decode_hex_param(&text, what).map_err(|e| invalid_params(e.to_string()))
}

fn direct_call(params: &Params) -> Result<DirectCall, ErrorObjectOwned> {
	scale_param(params, "DirectCall")
}

fn refused(e: DirectError) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(e.code(), e.to_string(), None::<()>)
}

/// The door (no lock, on a blocking thread) and the admission (the core
/// shared), then the pool's promotions to the watchers.
async fn admit(
	context: &Context,
	call: DirectCall,
	watch: Option<&mut Option<Registration>>,
) -> Result<Admission, ErrorObjectOwned> {
	let door = context.identity.door.clone();
	let ticket = tokio::task::spawn_blocking(move || door.check(&call))
		.await
		.map_err(|e| internal(format!("the door task died: {e}")))?
		.map_err(refused)?;
	let hash = ticket.hash();
	if let Some(watch) = watch {
		*watch = Some(context.watchers.watch(hash));
	}
	let enclave = context.enclave.clone();
	let admitted = tokio::task::spawn_blocking(move || read(&enclave).admit(ticket))
		.await
		.map_err(|e| internal(format!("the admission task died: {e}")))?;
	let admission = admitted.map_err(refused)?;
	for promoted in &admission.promoted {
		context.watchers.notify(*promoted, CallStatus::Ready);
	}
	Ok(admission)
}

async fn watch_and_admit(
	context: &Context,
	call: DirectCall,
) -> Result<(Admission, StatusReceiver), ErrorObjectOwned> {
	let mut watch = None;
	match admit(context, call, Some(&mut watch)).await {
		Ok(admission) => match watch {
			Some(watch) => Ok((admission, watch.statuses)),
			None => Err(internal("the watch was not registered".into())),
		},
		Err(e) => {
			if let Some(watch) = watch {
				// The hash is known once the door passed it.
				context.watchers.cancel(watch.hash, watch.id);
			}
			Err(e)
		}
	}
}

fn internal(message: String) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(-32603, message, None::<()>)
}

/// Submissions a connection has between the door and the answer.
#[derive(Default, Clone)]
struct InFlight(Arc<Mutex<HashMap<ConnectionId, usize>>>);

/// A connection's in-flight slot, given back when dropped.
struct Slot(InFlight, Option<ConnectionId>);

impl Drop for Slot {
	fn drop(&mut self) {
		let Some(connection) = self.1 else { return };
		let mut map = self.0 .0.lock().unwrap_or_else(|p| p.into_inner());
		if let Some(count) = map.get_mut(&connection) {
			*count -= 1;
			if *count == 0 {
				map.remove(&connection);
			}
		}
	}
}

impl InFlight {
	fn take(&self, extensions: &Extensions) -> Result<Slot, ErrorObjectOwned> {
		let Some(connection) = extensions.get::<ConnectionId>().copied() else {
			return Ok(Slot(self.clone(), None));
		};
		let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
		let count = map.entry(connection).or_default();
		if *count >= MAX_IN_FLIGHT_PER_CONNECTION {
			return Err(ErrorObjectOwned::owned(
				error_code::LIMIT_REACHED,
				format!(
					"this connection has {MAX_IN_FLIGHT_PER_CONNECTION} submissions in flight; \
					 wait for their answers"
				),
				None::<()>,
			));
		}
		*count += 1;
		Ok(Slot(self.clone(), Some(connection)))
	}
}

/// Getters waiting for their `min_block`, per connection and in total.
#[derive(Clone)]
pub(crate) struct WaitingGetters {
	limits: GetterLimits,
	counts: Arc<Mutex<WaitingCounts>>,
}

#[derive(Default)]
struct WaitingCounts {
	total: usize,
	per_connection: HashMap<ConnectionId, usize>,
}

/// A waiting getter's place, given back when dropped (answered, refused,
/// timed out, or the client went away).
struct WaitingPlace(WaitingGetters, Option<ConnectionId>);

impl Drop for WaitingPlace {
	fn drop(&mut self) {
		let mut counts = self.0.counts.lock().unwrap_or_else(|p| p.into_inner());
		counts.total = counts.total.saturating_sub(1);
		let Some(connection) = self.1 else { return };
		if let Some(count) = counts.per_connection.get_mut(&connection) {
			*count = count.saturating_sub(1);
			if *count == 0 {
				counts.per_connection.remove(&connection);
			}
		}
	}
}

impl WaitingGetters {
	pub(crate) fn new(limits: GetterLimits) -> Self {
		Self { limits, counts: Arc::default() }
	}

	/// A waiting place, or the JSON-RPC refusal when the connection or the
	/// worker has as many getters waiting as it takes.
	fn take(&self, extensions: &Extensions) -> Result<WaitingPlace, ErrorObjectOwned> {
		let connection = extensions.get::<ConnectionId>().copied();
		let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
		let limit_reached = |message: String| {
			ErrorObjectOwned::owned(error_code::LIMIT_REACHED, message, None::<()>)
		};
		if counts.total >= self.limits.total {
			return Err(limit_reached(format!(
				"the worker has {} getters waiting for their min_block; try again later",
				self.limits.total
			)));
		}
		if let Some(connection) = connection {
			let count = counts.per_connection.entry(connection).or_default();
			if *count >= self.limits.per_connection {
				return Err(limit_reached(format!(
					"this connection has {} getters waiting for their min_block; wait for their \
					 answers",
					self.limits.per_connection
				)));
			}
			*count += 1;
		}
		counts.total += 1;
		Ok(WaitingPlace(self.clone(), connection))
	}

	/// Getters waiting now (for tests).
	#[cfg(test)]
	pub(crate) fn waiting(&self) -> usize {
		self.counts.lock().unwrap_or_else(|p| p.into_inner()).total
	}
}

fn register<T>(result: Result<T, jsonrpsee::core::RegisterMethodError>) -> Result<(), RpcError> {
	result.map(|_| ()).map_err(RpcError::RegisterMethod)
}

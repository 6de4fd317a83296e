//! The trusted RPC server (JSON-RPC 2.0 over WebSocket): shielding key,
//! shard, fingerprint, private getters (one method for every kind) with
//! enclave-signed answers, health, the latest committed sidechain header,
//! and direct calls (submit, submit and watch).
//! Method names, encodings and error codes: `integritee_stf_primitives::rpc`.
//!
//! A direct call passes the core's door (decryption, signature) on a
//! blocking thread without the core's lock, then the admission with the
//! core shared; commits take it alone, briefly. Limits (request size,
//! watches and in-flight submissions per connection, the pool's capacity,
//! open connections) are answered with JSON-RPC errors.
//!
//! A private getter costs the core one decryption: the core opens it once
//! (signature, freshness, serving, `min_block` at most
//! `MAX_MIN_BLOCK_AHEAD` past the tip) before anything waits; a getter
//! whose `min_block` is not committed yet waits for the committed block
//! number to change (a watch, no polling of the core), at most
//! [`MIN_BLOCK_WAIT`], and waiting getters are capped per connection and
//! in total. Batches are limited to `transport::MAX_BATCH_LEN` entries.
//!
//! Transport is TLS 1.3 with an RA-TLS certificate made in the core (the
//! host terminates TLS: see `docs/architecture.md`). Answers are also signed
//! by the enclave and calls and getters are encrypted to the shielding key,
//! so the host can withhold or delay answers but not read or forge them.
//! The [`transport`] module accepts connections and keeps them from being
//! hoarded: TLS handshakes in progress are bounded, one client address may
//! hold only so many connections, and idle connections are pinged and
//! closed (its module documentation has the limits).

pub mod transport;

use std::{
	collections::HashMap,
	net::SocketAddr,
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
	server::ServerHandle,
	types::{ErrorObjectOwned, Params},
	ConnectionId, Extensions, Methods, RpcModule, SubscriptionMessage,
};

pub use self::transport::{
	serve_tls, ConnectionLimits, MAX_BATCH_LEN, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS,
};
use crate::{
	args::Args,
	health::Health,
	now_ms,
	production::LatestHeader,
	read,
	watch::{Registration, StatusReceiver, Watchers},
	SharedEnclave,
};

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
/// answer while a block is imported (a long catch-up holds the lock). The
/// shielding key comes from the door, which holds the enclave's current one
/// (none while it is not provisioned).
struct Identity {
	door: Door,
	/// The public peer address (provisioning, and the sidechain's traffic).
	peer_address: String,
	shard: String,
	fingerprint: String,
	simulated: bool,
}

impl Identity {
	fn of(enclave: &SharedEnclave, peer_address: String) -> Self {
		let core = read(enclave);
		Self {
			door: core.door(),
			peer_address,
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
	peer_address: String,
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
	let methods = module(enclave.clone(), health, latest, watchers, waiting, peer_address)?;
	let limits = ConnectionLimits {
		max_per_address: args.rpc_max_connections_per_address as usize,
		..ConnectionLimits::default()
	};
	let handle = serve_tls(listener, tls, methods, limits);
	tokio::spawn(renew(enclave, certificate, validity, handle.clone()));
	Ok((bound, handle))
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

/// How often the renewal looks whether the enclave's shielding key
/// changed (a certificate binds it).
const KEY_CHANGE_POLL: Duration = Duration::from_secs(2);

/// Renews the certificate at half its validity, so that clients never see
/// an expired one, and at once when the enclave's shielding key changed (it
/// was provisioned with the shard's); a failed renewal is retried every
/// minute.
async fn renew(
	enclave: SharedEnclave,
	current: Arc<RenewableCertificate>,
	validity: Duration,
	server: ServerHandle,
) {
	let mut bound_key = read(&enclave).shielding_public_key();
	let mut due = tokio::time::Instant::now() + validity / 2;
	loop {
		tokio::select! {
			_ = tokio::time::sleep(KEY_CHANGE_POLL) => {}
			_ = server.clone().stopped() => return,
		}
		let key = read(&enclave).shielding_public_key();
		if key == bound_key && tokio::time::Instant::now() < due {
			continue;
		}
		let renewed = certificate(&enclave, validity)
			.await
			.and_then(|certificate| current.replace(&certificate).map_err(RpcError::Certificate));
		due = tokio::time::Instant::now()
			+ match renewed {
				Ok(()) => {
					log::info!(
						"trusted RPC: RA-TLS certificate renewed (valid {} s{})",
						validity.as_secs(),
						if key == bound_key { "" } else { ", for the shard's shielding key" }
					);
					bound_key = key;
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
	peer_address: String,
) -> Result<Methods, RpcError> {
	let identity = Identity::of(&enclave, peer_address);
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
		match context.identity.door.shielding_public_key() {
			Some(key) => Ok(hex_of(&key)),
			None => Err(ErrorObjectOwned::owned(
				integritee_stf_primitives::direct::error_code::NOT_SERVING,
				"this worker holds no shielding key (not provisioned)",
				None::<()>,
			)),
		}
	}))?;
	register(module.register_method(names::PEER_ADDRESS, |_, context, _| {
		context.identity.peer_address.clone()
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

//! The trusted RPC server (JSON-RPC 2.0 over WebSocket): shielding key,
//! shard, fingerprint, signed getters with enclave-signed answers, health,
//! the latest committed sidechain header.
//! Method names and encodings: `integritee_stf_primitives::rpc`.
//!
//! Transport is plain WebSocket for now; the RA-TLS transport comes with
//! direct invocation. Answers are signed by the enclave and the shielding key
//! is checked by clients against the chain, so a man in the middle can
//! withhold or delay answers but not forge them.

use std::net::SocketAddr;

use codec::{Decode, Encode};
use integritee_stf_primitives::{rpc as names, TrustedGetterSigned};
use jsonrpsee::{
	server::{Server, ServerHandle},
	types::ErrorObjectOwned,
	RpcModule,
};

use crate::{args::Args, health::Health, lock, production::LatestHeader, read, SharedEnclave};

/// Largest request the server accepts (a getter is a few hundred bytes).
const MAX_REQUEST_BYTES: u32 = 64 * 1024;
/// A getter is answered only within this distance of its `issued_at_ms`
/// from the host's clock, so a captured getter cannot be replayed later to
/// read the account again.
const GETTER_VALIDITY_MS: u64 = 5 * 60 * 1000;

fn now_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_millis() as u64)
		.unwrap_or_default()
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
	shielding_key: String,
	shard: String,
	fingerprint: String,
	simulated: bool,
}

impl Identity {
	fn of(enclave: &SharedEnclave) -> Self {
		let core = lock(enclave);
		Self {
			shielding_key: hex_of(&core.shielding_public_key()),
			shard: hex_of(core.shard().as_bytes()),
			fingerprint: hex_of(&core.mr_enclave()),
			simulated: core.is_simulated(),
		}
	}
}

pub async fn start(
	args: &Args,
	enclave: SharedEnclave,
	health: Health,
	latest: LatestHeader,
) -> Result<(SocketAddr, ServerHandle), String> {
	let address = format!("{}:{}", args.rpc_host, args.rpc_port);
	let server = Server::builder()
		.max_request_body_size(MAX_REQUEST_BYTES)
		.max_connections(256)
		.build(&address)
		.await
		.map_err(|e| format!("cannot listen on {address}: {e}"))?;
	let bound = server.local_addr().map_err(|e| e.to_string())?;
	let identity = Identity::of(&enclave);
	let mut module = RpcModule::new((enclave, health, identity, latest));
	register(module.register_method(names::GET_SHIELDING_KEY, |_, (_, _, identity, _), _| {
		identity.shielding_key.clone()
	}))?;
	register(
		module
			.register_method(names::GET_SHARD, |_, (_, _, identity, _), _| identity.shard.clone()),
	)?;
	register(module.register_method(names::GET_FINGERPRINT, |_, (_, _, identity, _), _| {
		identity.fingerprint.clone()
	}))?;
	register(module.register_method(names::SYSTEM_HEALTH, |_, (_, health, identity, _), _| {
		serde_json::to_value(health.report(identity.simulated)).unwrap_or_default()
	}))?;
	register(module.register_method(names::CHAIN_GET_HEADER, |_, (_, _, _, latest), _| {
		latest.get().map(|signed_header| hex_of(&signed_header.encode()))
	}))?;
	register(module.register_blocking_method(names::EXECUTE_GETTER, |params, context, _| {
		let (enclave, _, _, _) = &*context;
		let text: String = params.one().map_err(|_| invalid_params("expected one hex string"))?;
		let bytes =
			hex::decode(text.trim_start_matches("0x")).map_err(|_| invalid_params("not hex"))?;
		let getter = TrustedGetterSigned::decode(&mut &bytes[..])
			.map_err(|_| invalid_params("not a SCALE-encoded TrustedGetterSigned"))?;
		if now_ms().abs_diff(getter.issued_at_ms) > GETTER_VALIDITY_MS {
			return Err(invalid_params(
				"the getter was issued more than 5 minutes from now (replayed, or a wrong clock)",
			));
		}
		let answer =
			read(enclave).execute_getter(&getter).map_err(|e| invalid_params(e.to_string()))?;
		Ok::<String, ErrorObjectOwned>(hex_of(&answer.encode()))
	}))?;
	Ok((bound, server.start(module)))
}

fn register<T>(result: Result<T, jsonrpsee::core::RegisterMethodError>) -> Result<(), String> {
	result.map(|_| ()).map_err(|e| format!("RPC method registration: {e}"))
}

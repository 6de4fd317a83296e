//! The trusted RPC server (JSON-RPC 2.0 over WebSocket): shielding key,
//! shard, fingerprint, signed getters with enclave-signed answers, health.
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

use crate::{args::Args, health::Health, lock, SharedEnclave};

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

pub async fn start(
	args: &Args,
	enclave: SharedEnclave,
	health: Health,
) -> Result<(SocketAddr, ServerHandle), String> {
	let address = format!("{}:{}", args.rpc_host, args.rpc_port);
	let server = Server::builder()
		.max_request_body_size(MAX_REQUEST_BYTES)
		.max_connections(256)
		.build(&address)
		.await
		.map_err(|e| format!("cannot listen on {address}: {e}"))?;
	let bound = server.local_addr().map_err(|e| e.to_string())?;
	let mut module = RpcModule::new((enclave, health));
	register(module.register_method(names::GET_SHIELDING_KEY, |_, (enclave, _), _| {
		hex_of(&lock(enclave).shielding_public_key())
	}))?;
	register(module.register_method(names::GET_SHARD, |_, (enclave, _), _| {
		hex_of(lock(enclave).shard().as_bytes())
	}))?;
	register(module.register_method(names::GET_FINGERPRINT, |_, (enclave, _), _| {
		hex_of(&lock(enclave).mr_enclave())
	}))?;
	register(module.register_method(names::SYSTEM_HEALTH, |_, (enclave, health), _| {
		let simulated = lock(enclave).is_simulated();
		serde_json::to_value(health.report(simulated)).unwrap_or_default()
	}))?;
	register(module.register_blocking_method(names::EXECUTE_GETTER, |params, context, _| {
		let (enclave, _) = &*context;
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
			lock(enclave).execute_getter(&getter).map_err(|e| invalid_params(e.to_string()))?;
		Ok::<String, ErrorObjectOwned>(hex_of(&answer.encode()))
	}))?;
	Ok((bound, server.start(module)))
}

fn register<T>(result: Result<T, jsonrpsee::core::RegisterMethodError>) -> Result<(), String> {
	result.map(|_| ()).map_err(|e| format!("RPC method registration: {e}"))
}

//! The client's errors: one enum per area (reaching the worker, attesting
//! it, talking to it, checking its answers, parsing identifiers), and
//! [`Error`] over the first four, which every method of
//! [`WorkerClient`](crate::WorkerClient) returns.
//!
//! Every message names what failed and, where the client refused
//! something, says so; none contains a key or a secret.

use integritee_runtime::AccountId;
use integritee_sidechain_primitives::ProofError;
use integritee_stf_primitives::{shielding::ShieldingError, MrEnclave, ShardIdentifier};
use polkadot_sdk::sp_core::{ed25519, H256};

/// Why a [`WorkerClient`](crate::WorkerClient) operation failed. Each
/// variant's message is its area's message, unchanged.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// The parent chain could not be read, no worker serves the shard, or
	/// the worker could not be reached.
	#[error(transparent)]
	Connect(#[from] ConnectError),
	/// The worker is not the registered, attested enclave the chain names
	/// for the shard: refused before anything was sent.
	#[error(transparent)]
	Attestation(#[from] AttestationError),
	/// A request failed, was refused, or its answer did not decode.
	#[error(transparent)]
	Rpc(#[from] RpcError),
	/// An answer failed a check against the registry: refused.
	#[error(transparent)]
	Check(#[from] CheckError),
}

/// Reading the chain, finding the shard's worker, reaching it.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
	/// A read of the parent chain failed (`what` names it).
	#[error("cannot read {what} from the chain: {source}")]
	Chain {
		what: &'static str,
		#[source]
		source: integritee_chain_client::Error,
	},
	/// No enclave is known to serve the shard (see
	/// [`find_worker`](crate::find_worker) for how one is chosen).
	#[error(
		"no worker is known to serve shard 0x{} (active signers with a URL: none of \
		 {active_signers}; registered enclaves: {registered}; several candidates without an \
		 active signer are not guessed between)",
		hex::encode(shard.0)
	)]
	NoServingWorker { shard: ShardIdentifier, active_signers: usize, registered: usize },
	/// Nobody created the shard on the parent chain: it has no shielding
	/// key there to check a worker against.
	#[error(
		"shard 0x{} is not created on the parent chain yet (no shielding key is recorded for \
		 it): no worker can be checked against it",
		hex::encode(shard.0)
	)]
	ShardNotCreated { shard: ShardIdentifier },
	/// The worker's URL would not use RA-TLS.
	#[error("the worker's URL {url} is not wss://: refusing to talk to a worker without RA-TLS")]
	NotWss { url: String },
	/// No TCP connection within the connect timeout.
	#[error("cannot reach the worker at {url}: connection timed out")]
	ConnectTimeout { url: String },
	/// The TCP connection failed.
	#[error("cannot reach the worker at {url}: {source}")]
	Unreachable {
		url: String,
		#[source]
		source: std::io::Error,
	},
	/// The TLS handshake did not finish within its timeout.
	#[error("the worker at {url} did not complete the TLS handshake")]
	HandshakeTimeout { url: String },
	/// The TLS handshake failed for another reason than the certificate.
	#[error("the TLS handshake with the worker at {url} failed: {source}")]
	Handshake {
		url: String,
		#[source]
		source: std::io::Error,
	},
	/// The WebSocket connection failed after a verified handshake.
	#[error("cannot reach the worker at {url}: {source}")]
	WebSocket {
		url: String,
		#[source]
		source: jsonrpsee::core::ClientError,
	},
}

/// Who answers: the checks of the worker against the chain before anything
/// is sent to it.
#[derive(Debug, thiserror::Error)]
pub enum AttestationError {
	/// The selected enclave is of another build than the shard's.
	#[error(
		"the selected enclave's MRENCLAVE 0x{} is not the shard's fingerprint 0x{}: refusing it",
		hex::encode(mr_enclave),
		hex::encode(fingerprint)
	)]
	NotTheShardsFingerprint { mr_enclave: MrEnclave, fingerprint: MrEnclave },
	/// The enclave registered another shielding key than the shard's.
	#[error(
		"the selected enclave registered shielding key hash 0x{}, not the shard's 0x{}: it does \
		 not hold the shard's secrets; refusing it",
		hex::encode(registered),
		hex::encode(shard)
	)]
	NotTheShardsKey { registered: [u8; 32], shard: [u8; 32] },
	/// The enclave's registration is older than the renewal period.
	#[error(
		"the selected enclave's registration expired (attested {age_secs} s ago, renewal period \
		 {renewal_secs} s): refusing it"
	)]
	RegistrationExpired { age_secs: u64, renewal_secs: u64 },
	/// The DCAP root CA the chain stores does not decode.
	#[error("the chain's DCAP root CA is not usable: {0}")]
	RootCaUnusable(#[source] integritee_ra_tls::Error),
	/// Collateral the chain stores cannot be used.
	#[error("the chain's collateral is not usable: {0}")]
	CollateralUnusable(#[source] integritee_ra_tls::Error),
	/// rustls refused the client configuration.
	#[error("cannot configure RA-TLS: {0}")]
	TlsConfig(#[source] integritee_ra_tls::Error),
	/// The worker's RA-TLS certificate failed a check (`reason` names it).
	#[error(
		"the worker at {url} was refused before anything was sent: its RA-TLS certificate \
		 failed a check: {reason}"
	)]
	CertificateRefused {
		url: String,
		#[source]
		reason: integritee_ra_tls::Error,
	},
	/// The WebSocket handshake failed and no certificate was verified.
	#[error(
		"the worker at {url} was refused before anything was sent (its RA-TLS certificate did \
		 not verify, or it is unreachable): {source}"
	)]
	RefusedOrUnreachable {
		url: String,
		#[source]
		source: jsonrpsee::core::ClientError,
	},
	/// The connection stands but no certificate was verified on it.
	#[error("the worker at {url} presented no verified RA-TLS certificate: refusing it")]
	NoVerifiedCertificate { url: String },
	/// The certificate binds keys other than the registered enclave's.
	#[error(
		"the worker's RA-TLS certificate binds another signer or shielding key than the \
		 registered enclave {signer}: refusing it"
	)]
	BindingMismatch { signer: AccountId },
}

/// Talking to the worker: requests, their answers' encoding, encryption.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
	/// The worker answered `method` with a JSON-RPC error.
	#[error("the worker at {url} refused {method}: {message} (code {code})")]
	Refused { url: String, method: &'static str, code: i32, message: String },
	/// The request failed below JSON-RPC (connection, timeout, parse).
	#[error("the worker at {url} failed {method}: {source}")]
	Transport {
		url: String,
		method: &'static str,
		#[source]
		source: jsonrpsee::core::ClientError,
	},
	/// A parameter could not be encoded as JSON.
	#[error("cannot encode the parameters of {method}: {source}")]
	Params {
		method: &'static str,
		#[source]
		source: serde_json::Error,
	},
	/// The answer to `method` is not hex.
	#[error("the worker answered {method} with something that is not hex")]
	NotHex { method: &'static str },
	/// The answer is hex but not the SCALE encoding of `what`.
	#[error("the worker's {what} does not decode")]
	Undecodable { what: &'static str },
	/// A status of a watched call is not a known status.
	#[error("the worker at {url} sent an unreadable status: {source}")]
	BadStatus {
		url: String,
		#[source]
		source: serde_json::Error,
	},
	/// Encrypting `what` to the shielding key failed.
	#[error("cannot encrypt {what}: {source}")]
	Encrypt {
		what: &'static str,
		#[source]
		source: ShieldingError,
	},
}

/// The checks of what the worker says against what the chain registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
	/// The shielding key is not an X25519 public key.
	#[error(
		"the worker's shielding key has {len} bytes, not {expected}: refusing to encrypt to it"
	)]
	ShieldingKeyLength { len: usize, expected: usize },
	/// SHA-256 of the shielding key is not the registered hash.
	#[error(
		"the worker's shielding key (SHA-256 0x{}) does not match the shielding key hash \
		 registered for its enclave (0x{}): refusing to encrypt to it",
		hex::encode(actual),
		hex::encode(registered)
	)]
	ShieldingKeyMismatch { actual: [u8; 32], registered: [u8; 32] },
	/// A sidechain header of another shard.
	#[error("the worker sent a header of shard {got:?}, not {expected:?}")]
	HeaderOfAnotherShard { got: H256, expected: H256 },
	/// A sidechain header by another author than the selected enclave.
	#[error("the header's author {author:?} is not the selected enclave {enclave:?}")]
	HeaderOfAnotherAuthor { author: ed25519::Public, enclave: ed25519::Public },
	/// The header's signature does not verify.
	#[error("the header's signature does not verify: refusing it")]
	HeaderSignature,
	/// A getter answer does not decrypt with the getter's answer key.
	#[error("the worker's getter answer does not decrypt with the getter's answer key")]
	AnswerUndecryptable,
	/// A getter answer names another getter.
	#[error("the worker's getter answer is for another getter: refusing it")]
	AnswerForAnotherGetter,
	/// A getter answer is not signed by the registered enclave signer.
	#[error(
		"the worker's getter answer is not signed by the registered enclave signer: refusing it"
	)]
	AnswerNotSigned,
	/// A status's proof is not the SCALE encoding it should be.
	#[error("the worker's {status} status carries a proof that does not decode: refusing it")]
	StatusProofUndecodable { status: &'static str },
	/// A status's proof does not prove what the status says: forged.
	#[error("the worker's status for call {call:?} does not prove itself ({reason}): refusing it")]
	StatusProof {
		call: H256,
		#[source]
		reason: ProofError,
	},
	/// A `finalized` status came before a proven `inSidechainBlock`.
	#[error("the worker sent `finalized` for call {call:?} before any proven block: refusing it")]
	FinalizedBeforeInBlock { call: H256 },
	/// The parent block a `finalized` status names is not finalized.
	#[error(
		"the worker says the anchor is final in parent block #{parent_block}, but the chain has \
		 finalized only up to #{finalized}: refusing it"
	)]
	AnchorNotFinalized { parent_block: u32, finalized: u32 },
	/// The parent chain's state holds another anchor than the status says.
	#[error(
		"the worker says parent block #{parent_block} anchored sidechain block #{claimed_number} \
		 {claimed_hash:?}, the chain's state there holds {}: refusing it",
		match on_chain {
			Some((number, hash)) => format!("#{number} {hash:?}"),
			None => "no anchor".to_string(),
		}
	)]
	AnchorNotOnChain {
		parent_block: u32,
		claimed_number: u64,
		claimed_hash: H256,
		on_chain: Option<(u64, H256)>,
	},
	/// The worker acknowledged a call under another hash than the one sent.
	#[error("the worker answered another call hash ({got:?}) than the call's ({sent:?})")]
	AnotherCallHash { sent: H256, got: H256 },
}

/// A shard or MRENCLAVE argument that is not 32 bytes of hex.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
	/// Not hex at all.
	#[error("invalid {what}: expected 64 hex digits (32 bytes), optionally prefixed by 0x")]
	NotHex { what: &'static str },
	/// Hex of another length than 32 bytes.
	#[error("invalid {what}: expected 32 bytes (64 hex digits), got {len} bytes")]
	WrongLength { what: &'static str, len: usize },
}

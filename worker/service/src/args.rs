//! Command-line arguments (each also an environment variable).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use integritee_stf_primitives::ShardIdentifier;
use polkadot_sdk::sp_core::H256;

#[derive(Debug, Clone, Parser)]
#[command(
	name = "integritee-worker",
	version,
	about = "One enclave instance of an Integritee shard: follows the parent chain's finalized \
	         blocks through a light client, executes the shard's encrypted calls and serves \
	         trusted RPC.",
	long_about = "One enclave instance of an Integritee shard. On first start it creates its \
	              keys (sealed to --data-dir), funds its account (on a development chain from \
	              //Alice), registers with a DCAP quote and creates the shard; then it \
	              follows the parent chain's finalized blocks through a GRANDPA light client, \
	              queues the shard's indirect calls (invoke, shield, unshield), executes them \
	              in sidechain blocks replicated with Raft (one member: this worker), \
	              confirms the processed parent blocks and anchors the sidechain on the \
	              parent chain. After a crash it resumes from the last committed block.\n\nThe only TEE backend is SIMULATED: it protects nothing against the \
	              host and is for development chains only."
)]
pub struct Args {
	/// What to do instead of running the worker.
	#[command(subcommand)]
	pub command: Option<WorkerCommand>,

	/// WebSocket RPC endpoint of a parent-chain node.
	#[arg(long, env = "INTEGRITEE_NODE_URL", default_value = "ws://127.0.0.1:9944")]
	pub node_url: String,

	/// Directory for sealed keys, the light client and the shard's state.
	#[arg(long, env = "INTEGRITEE_DATA_DIR")]
	pub data_dir: PathBuf,

	/// Shard to serve (32-byte hex). Default: the implicit shard named after
	/// this enclave's MRENCLAVE.
	#[arg(long, env = "INTEGRITEE_SHARD")]
	pub shard: Option<String>,

	/// Address the trusted RPC server binds to.
	#[arg(long, env = "INTEGRITEE_RPC_HOST", default_value = "127.0.0.1")]
	pub rpc_host: String,

	/// Port of the trusted RPC server (0: any free port). It speaks TLS 1.3
	/// only (wss://), with an RA-TLS certificate.
	#[arg(long, env = "INTEGRITEE_RPC_PORT", default_value_t = integritee_stf_primitives::rpc::DEFAULT_TRUSTED_RPC_PORT)]
	pub rpc_port: u16,

	/// Connections the trusted RPC serves to one client address (an IPv4
	/// address, an IPv6 /64), TLS handshakes included; one more is closed at
	/// once. Raise it for clients behind a shared NAT or for benchmarks
	/// with many connections from one machine.
	#[arg(long, env = "INTEGRITEE_RPC_MAX_CONNECTIONS_PER_ADDRESS",
		default_value_t = crate::rpc::MAX_CONNECTIONS_PER_ADDRESS as u32,
		value_parser = clap::value_parser!(u32).range(1..=crate::rpc::MAX_CONNECTIONS as i64))]
	pub rpc_max_connections_per_address: u32,

	/// Port of the peer server (0: any free port), on RPC_HOST: the shard's
	/// members reach each other here over mutual RA-TLS (provisioning of
	/// the shard's secrets to a joining enclave).
	#[arg(long, env = "INTEGRITEE_PEER_PORT", default_value_t = DEFAULT_PEER_PORT)]
	pub peer_port: u16,

	/// Peer address told to the shard's members through the trusted RPC
	/// (`worker_peerAddress`), as HOST:PORT (default: RPC_HOST:PEER_PORT).
	#[arg(long, env = "INTEGRITEE_PUBLIC_PEER_ADDRESS")]
	pub public_peer_address: Option<String>,

	/// URL registered on chain for clients (default: wss://RPC_HOST:PORT).
	#[arg(long, env = "INTEGRITEE_PUBLIC_URL")]
	pub public_url: Option<String>,

	/// Secret URI of an account that funds the enclave account when it runs
	/// low. Default: //Alice on a development chain, none elsewhere.
	#[arg(long, env = "INTEGRITEE_FAUCET")]
	pub faucet: Option<String>,

	/// Register with `Skip` instead of a DCAP quote (only chains whose
	/// security flags allow it accept this).
	#[arg(long, env = "INTEGRITEE_SKIP_ATTESTATION")]
	pub skip_attestation: bool,

	/// Re-register (new quote) once the registration is this many seconds
	/// old. Default: half the chain's renewal period (24 h), so a failed
	/// attempt has hours to be retried before the registration lapses.
	#[arg(long, env = "INTEGRITEE_RENEW_AFTER_SECS", default_value_t = DEFAULT_RENEW_AFTER_SECS,
		value_parser = clap::value_parser!(u64).range(1..MAX_RENEW_AFTER_SECS))]
	pub renew_after_secs: u64,

	/// Maximum number of blocks fetched and imported in one chunk.
	#[arg(long, env = "INTEGRITEE_CHUNK_BLOCKS", default_value_t = 256)]
	pub chunk_blocks: u32,

	/// Confirm processed blocks at least every this many blocks (chunks with
	/// executed calls are always confirmed).
	#[arg(long, env = "INTEGRITEE_CONFIRM_EVERY", default_value_t = 10)]
	pub confirm_every: u32,

	/// The worker reports itself unhealthy when it lags the finalized head
	/// by more blocks than this.
	#[arg(long, env = "INTEGRITEE_MAX_LAG", default_value_t = 10)]
	pub max_lag: u32,

	/// Refuse to start if the node's genesis hash is not this one. Recommended
	/// in production: at first start the enclave is anchored for life to the
	/// chain it is shown, and without this flag that is whatever chain the
	/// node at --node-url serves (trusted on first use).
	#[arg(long, env = "INTEGRITEE_EXPECT_GENESIS")]
	pub expect_genesis: Option<String>,

	/// Start the light client at this finalized block instead of genesis
	/// (first start only). Its GRANDPA authority set is proven from its
	/// state; the hash itself must come from a source you trust.
	#[arg(long, env = "INTEGRITEE_CHECKPOINT_BLOCK")]
	pub checkpoint_block: Option<String>,

	/// Sidechain block interval in milliseconds: the leader produces a block
	/// this often while parent-chain inputs (or, later, direct calls) wait,
	/// and at once when an import queues some.
	#[arg(long, env = "INTEGRITEE_BLOCK_INTERVAL_MS", default_value_t = 250,
		value_parser = clap::value_parser!(u64).range(10..=60_000))]
	pub block_interval_ms: u64,

	/// Without inputs, the leader still produces an (empty) heartbeat block
	/// this often, in seconds: it shows the shard is alive and carries the
	/// pending duties (payout retries) forward.
	#[arg(long, env = "INTEGRITEE_HEARTBEAT_SECS", default_value_t = 5,
		value_parser = clap::value_parser!(u64).range(1..=3600))]
	pub heartbeat_secs: u64,

	/// Anchor the latest committed sidechain block on the parent chain this
	/// often, in seconds (`confirm_imported_sidechain_block`); a rollback of
	/// this worker's data to before the anchor is detected at its next start.
	#[arg(long, env = "INTEGRITEE_ANCHOR_EVERY_SECS", default_value_t = 12,
		value_parser = clap::value_parser!(u64).range(1..=86_400))]
	pub anchor_every_secs: u64,

	/// Parent-chain inputs one sidechain block takes at most (whole parent
	/// blocks: one is always taken); the rest waits for the next block.
	#[arg(long, env = "INTEGRITEE_MAX_BLOCK_INPUTS", default_value_t = 2_000,
		value_parser = clap::value_parser!(u64).range(1..))]
	pub max_block_inputs: u64,

	/// Direct calls one sidechain block takes at most (the pool's ready
	/// calls, in rounds across accounts, each round in arrival order); the
	/// rest waits for the next block.
	#[arg(long, env = "INTEGRITEE_MAX_BLOCK_DIRECT_CALLS", default_value_t = 3_000,
		value_parser = clap::value_parser!(u64).range(1..))]
	pub max_block_direct_calls: u64,

	/// Direct calls the pool holds at most (ready and future); beyond it a
	/// submission is refused with "pool full" (1016) until blocks make room.
	#[arg(long, env = "INTEGRITEE_POOL_CAPACITY", default_value_t = 100_000,
		value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
	pub pool_capacity: u64,

	/// Direct calls (ready and future) one account may have in the pool, so
	/// that one account cannot fill it; blocks take calls in rounds across
	/// accounts (one per account and round).
	#[arg(long, env = "INTEGRITEE_MAX_CALLS_PER_ACCOUNT", default_value_t = 64,
		value_parser = clap::value_parser!(u64).range(1..=100_000))]
	pub max_calls_per_account: u64,

	/// Future calls (a nonce gap before them) one account may have in the
	/// pool.
	#[arg(long, env = "INTEGRITEE_MAX_FUTURE_PER_ACCOUNT", default_value_t = 16,
		value_parser = clap::value_parser!(u64).range(0..=10_000))]
	pub max_future_per_account: u64,

	/// Seconds a future call may wait for the call that fills its nonce gap
	/// before it is dropped (its watcher is told `dropped`), measured by
	/// the moments of block proposals.
	#[arg(long, env = "INTEGRITEE_MAX_FUTURE_AGE_SECS", default_value_t = 60,
		value_parser = clap::value_parser!(u64).range(1..=86_400))]
	pub max_future_age_secs: u64,

	/// Validity of the trusted RPC's RA-TLS certificate, in seconds; a new
	/// one (new key, new quote) replaces it at half its validity, without a
	/// restart.
	#[arg(long, env = "INTEGRITEE_TLS_VALIDITY_SECS", default_value_t = 24 * 60 * 60,
		value_parser = clap::value_parser!(u64).range(10..=30 * 24 * 60 * 60))]
	pub tls_validity_secs: u64,

	/// `max_instances` of the shard if this enclave creates it on chain
	/// (unless root configured the shard). Read at first start only: it is
	/// sealed with the keys.
	#[arg(long, env = "INTEGRITEE_MAX_INSTANCES", default_value_t = 1,
		value_parser = clap::value_parser!(u32).range(1..))]
	pub max_instances: u32,
}

/// One-off commands on the enclave of `--data-dir` (the worker must not run:
/// they open its files).
#[derive(Debug, Clone, Subcommand)]
pub enum WorkerCommand {
	/// Leave the shard on the parent chain: the enclave signs
	/// `EnclaveBridge::leave_shard` and its slot and confirmation go. Run it
	/// before decommissioning a worker. Started again, the worker joins the
	/// shard again with its next confirmation (membership follows the
	/// registration): delete its data directory if it is gone for good.
	Leave,
}

impl Args {
	/// The pool's limits from the arguments (future calls in total: a
	/// tenth of the capacity).
	pub fn pool_limits(&self) -> integritee_enclave::PoolLimits {
		integritee_enclave::PoolLimits {
			max_calls: self.pool_capacity as usize,
			max_per_account: self.max_calls_per_account as usize,
			max_future_per_account: self.max_future_per_account as usize,
			max_future: (self.pool_capacity as usize / 10).max(1),
			max_future_age: self.max_future_age_secs * 1_000,
		}
	}

	/// The shard of `--shard`, if given.
	pub fn shard(&self) -> Result<Option<ShardIdentifier>, ArgsError> {
		self.shard.as_deref().map(|text| parse_h256("--shard", "a shard", text)).transpose()
	}

	/// The genesis hash of `--expect-genesis`, if given.
	pub fn expected_genesis_hash(&self) -> Result<Option<H256>, ArgsError> {
		self.expect_genesis
			.as_deref()
			.map(|text| parse_h256("--expect-genesis", "a block hash", text))
			.transpose()
	}

	/// The block hash of `--checkpoint-block`, if given.
	pub fn checkpoint_hash(&self) -> Result<Option<H256>, ArgsError> {
		self.checkpoint_block
			.as_deref()
			.map(|text| parse_h256("--checkpoint-block", "a block hash", text))
			.transpose()
	}

	/// The peer address told to members, for the peer server bound to
	/// `bound_port`.
	pub fn public_peer_address(&self, bound_port: u16) -> String {
		self.public_peer_address
			.clone()
			.unwrap_or_else(|| format!("{}:{bound_port}", self.rpc_host))
	}

	pub fn public_url(&self, bound_port: u16) -> String {
		self.public_url.clone().unwrap_or_else(|| format!("wss://{}:{bound_port}", self.rpc_host))
	}
}

/// The default peer port.
pub const DEFAULT_PEER_PORT: u16 = 3443;

/// The chain's attestation renewal period, in seconds.
const MAX_RENEW_AFTER_SECS: u64 = integritee_runtime::configs::ATTESTATION_RENEWAL_PERIOD_MS / 1000;
const DEFAULT_RENEW_AFTER_SECS: u64 = MAX_RENEW_AFTER_SECS / 2;

/// Why a flag's value is refused. The flags clap cannot check alone (hex
/// values of a fixed length) are checked when they are first used.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
	#[error("{flag} {text}: not hex")]
	NotHex { flag: &'static str, text: String },
	#[error("{flag} {text}: {what} is 32 bytes, got {got}")]
	WrongLength { flag: &'static str, what: &'static str, text: String, got: usize },
}

/// 32 bytes from hex (with or without `0x`), the value of `flag`.
fn parse_h256(flag: &'static str, what: &'static str, text: &str) -> Result<H256, ArgsError> {
	let bytes = hex::decode(text.trim_start_matches("0x"))
		.map_err(|_| ArgsError::NotHex { flag, text: text.to_string() })?;
	if bytes.len() != 32 {
		return Err(ArgsError::WrongLength {
			flag,
			what,
			text: text.to_string(),
			got: bytes.len(),
		});
	}
	Ok(H256::from_slice(&bytes))
}

//! # The worker's trusted core
//!
//! Everything a TEE must protect lives here, behind the narrow API of
//! [`Enclave`]: the keys ([`keys`], sealed with [`sealing`]), the
//! parent-chain light client (`integritee-light-client`), the confidential
//! state transition function and the shard's encrypted state
//! (`integritee-stf`), indirect invocation ([`indirect`]), direct
//! invocation ([`direct`]: the door and the pool) and private getters
//! ([`getters`]). The untrusted
//! host (`integritee-worker`) only moves bytes: it fetches blocks, proofs and
//! justifications, submits the extrinsics this core signs, and serves RPC.
//!
//! ## The host↔core API
//!
//! The host may be hostile. It supplies only outside data and picks moments
//! and nonces; the core decides the content of everything it signs from its
//! own sealed state.
//!
//! | operation | the host supplies | the core decides |
//! |---|---|---|
//! | [`Enclave::open`] | data directory; shard and `max_instances` (first start only) | keys; refuses another build's seal, another shard than the anchored one, a missing light-client or state file |
//! | [`Enclave::init_light_client_at`] | genesis hash, checkpoint header and its GRANDPA state proof (first start only) | header hashes to the trusted hash, authorities from the proof; the [`keys::Anchor`] is sealed with the keys for life |
//! | [`Enclave::import`] (or [`Enclave::verify_chunk`], which only reads, then [`Enclave::store_chunk`]) | finalized blocks, justification, storage proofs | verification; the shard's inputs are queued (sealed, one transaction with the light client) |
//! | [`Enclave::propose_block`] | the moment (it ages the pool's future calls), the Raft term, whether a heartbeat is due | the next sidechain block: which queued inputs, their execution, the signed header |
//! | [`Enclave::commit_block`] | a block the replication committed | the block's checks (successor of the committed tip, author, signature, roots); state, block and consumed inputs in one transaction; invariant (issuance vs. vault) |
//! | [`Enclave::sign_extrinsic`] | which duty ([`EnclaveCall`]), nonce, era | the call's content and the genesis hash (the anchored chain's) |
//! | [`Enclave::execute_getter`] | an owner-signed getter | the answer, signed |
//! | [`Enclave::execute_private_getter`] | an encrypted getter request, the moment | decryption, the owner's signature, freshness, `min_block`; the signed answer encrypted to the client's answer key |
//! | [`Door::check`](direct::Door::check) then [`Enclave::admit`] | an encrypted direct call | decryption, signature, funded sender, nonce, pool limits; the call stays inside (the host holds an opaque ticket) |
//! | [`Enclave::tls_certificate`] | the moment, the validity | a fresh TLS key and a quote binding it, the signer and the shielding key |
//! | [`Enclave::set_pool_limits`] | the pool's limits | (a host setting: a hostile host can only make its own pool smaller) |
//!
//! [`EnclaveCall`] carries no content the host chose: `Register` (quote over
//! the core's own keys; the URL is what the host advertises), `InitShard`
//! (the anchored shard and `max_instances`), `ConfirmProcessed` (the last
//! processed block and the root of the calls executed since the last
//! confirmation seen on chain, kept in the shard's state) and `Unshield`
//! (by call hash, built from the core's pending list; unknown, settled or
//! expired hashes are refused, and so is every payout while the vault
//! covers less than the confidential issuance).
//!
//! What the core must not do: network or RPC I/O, reading the clock for
//! anything that decides state, trusting any input the light client did not
//! verify.
//!
//! The only backend today is [`platform::SimulatedTee`], which protects
//! nothing against the host (see its documentation).
#![forbid(unsafe_code)]

pub mod direct;
pub mod getters;
pub mod indirect;
pub mod keys;
pub mod platform;
pub mod sealing;
mod tables;

use std::{
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
};

use codec::{Decode, Encode};
use integritee_light_client::{Checkpoint, Header, LightClient};
use integritee_primitives::SidechainBlockConfirmation;
use integritee_runtime::{Runtime, RuntimeCall, UncheckedExtrinsic};
use integritee_sidechain_primitives::{
	BlockError, CallOutcome, CommittedTip, SidechainBody, SidechainHeader, SignedSidechainBlock,
};
use integritee_stf::{
	BlockInputs, InputOutcome, ParentchainInputs, PendingUnshield, PreparedBlock, RejectReason,
	ShardState, SidechainPosition, StfConfig, StfInput, VerifiedCall,
};
use integritee_stf_primitives::{
	getter::{GetterAnswer, PendingCall, PrivateGetterRequest},
	AccountId, AccountInfoView, Balance, MrEnclave, ShardIdentifier, TrustedGetter,
	TrustedGetterSigned,
};
use polkadot_sdk::{
	frame_system, pallet_balances,
	sp_core::{ed25519, Pair, H256},
	sp_io::hashing::blake2_256,
	sp_runtime::MultiSignature,
};
use sha2::{Digest, Sha256};

pub use integritee_extrinsic::ExtrinsicParams;
pub use integritee_light_client as light_client;
pub use integritee_pool::{PoolError, PoolLimits, Readiness, Revalidated};
pub use integritee_stf as stf;
pub use keys::Anchor;
pub use platform::TeePlatform;

pub use getters::GetterError;

use crate::{
	direct::{Admission, DirectError, Door, PooledCall, Ticket},
	keys::EnclaveKeys,
	sealing::SealingKey,
	tables::{CoreTables, QueuedBlock, QueuedInput},
};

pub use integritee_sidechain_primitives as sidechain;

#[derive(Debug, thiserror::Error)]
pub enum Error {
	#[error("TEE platform: {0}")]
	Platform(String),
	#[error("sealing: {0}")]
	Sealing(String),
	#[error("I/O: {0}")]
	Io(String),
	#[error("parent-chain block refused: {0}")]
	LightClient(#[from] integritee_light_client::Error),
	#[error("block {number} ({hash:?}) refused: {reason}")]
	BadBlock { number: u32, hash: H256, reason: String },
	#[error("state: {0}")]
	State(#[from] integritee_stf::Error),
	#[error("the light client has no checkpoint yet")]
	NoCheckpoint,
	#[error("the light client already has a checkpoint")]
	AlreadyInitialized,
	#[error("{0}")]
	Getter(String),
	#[error(transparent)]
	Anchor(#[from] AnchorError),
	#[error(transparent)]
	Refused(#[from] SigningRefused),
	#[error("shard database: {0}")]
	Storage(String),
	#[error(
		"the queued inputs of parent block #{number} {what}: the shard database was tampered \
		 with; restore it from a backup or provision the shard from a member"
	)]
	QueueTampered { number: u32, what: String },
	#[error("sidechain block refused: {0}")]
	Block(#[from] BlockError),
	#[error(
		"sidechain block #{number}: another block {stored:?} is committed at this height \
		 (got {got:?})"
	)]
	ConflictingBlock { number: u64, stored: H256, got: H256 },
	#[error(transparent)]
	Rollback(#[from] RollbackDetected),
	#[error("the chunk was verified on another light-client head (something was imported since)")]
	StaleChunk,
}

/// The shard's state is behind, or beside, the sidechain block anchored on
/// the parent chain (read through a verified storage proof): the host
/// rolled the data directory back. The core refuses to produce blocks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
	"ROLLBACK DETECTED: the parent chain anchors sidechain block #{} ({:?}), but this enclave's \
	 state is at #{} ({:?}){}; it refuses to produce blocks. Restore the latest data directory, \
	 or provision the shard from a member",
	anchored.block_number,
	anchored.block_header_hash,
	committed.0,
	committed.1,
	if anchored.block_number <= committed.0 { " with another block at the anchored height" } else { "" }
)]
pub struct RollbackDetected {
	pub anchored: SidechainBlockConfirmation,
	/// The committed tip (number, hash).
	pub committed: (u64, H256),
}

/// Why the enclave's anchor (its chain, shard and files) does not hold.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
	#[error(
		"the {what} file {path} is missing, but this enclave's sealed keys are anchored to \
		 chain {genesis:?}: restore the file from a backup, or re-provision the enclave from \
		 another member of the shard; the enclave never starts over on its own"
	)]
	MissingFile { what: &'static str, path: PathBuf, genesis: H256 },
	#[error(
		"this enclave serves shard {anchored:?} (fixed at its first start), not {requested:?}"
	)]
	OtherShard { anchored: ShardIdentifier, requested: ShardIdentifier },
	#[error(
		"the shard state {path} has processed parent blocks although the enclave was never \
		 anchored to a chain: the data directory was tampered with"
	)]
	StateWithoutAnchor { path: PathBuf },
	#[error("a genesis checkpoint must be the genesis block itself ({genesis:?}, not {header:?})")]
	GenesisMismatch { genesis: H256, header: H256 },
	#[error("the enclave is not anchored to a chain yet (the light client has no checkpoint)")]
	NotAnchored,
}

/// Why the core refuses to sign what the host asked for.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigningRefused {
	#[error("no pending unshield has call hash {0:?} (unknown, paid or refunded)")]
	UnknownUnshield(H256),
	#[error(
		"unshield {call_hash:?} expired at parent block {expires_at} (the light client is at \
		 {head}); it is refunded, never paid"
	)]
	UnshieldExpired { call_hash: H256, expires_at: u32, head: u32 },
	#[error(
		"circuit breaker: the vault holds {vault}, less than the confidential issuance \
		 {issuance}; no payout is signed until it covers it again"
	)]
	Breach { issuance: Balance, vault: Balance },
	#[error("no payout is signed before the vault has been checked in this run (import first)")]
	InvariantUnknown,
	#[error(
		"enclave {0} serves this shard (first in its status on chain); this one follows the \
		 chain but neither confirms nor pays"
	)]
	AnotherMemberServes(AccountId),
	#[error(
		"the shard's latest sidechain anchor on the parent chain is not known yet in this run \
		 (import a finalized block first)"
	)]
	AnchorUnknown,
	#[error("no sidechain block is committed yet: there is nothing to anchor")]
	NothingToAnchor,
}

/// The directory of the shard databases in the data directory.
pub const STATE_DIR: &str = "shards";

/// Where the trusted core keeps its files and which shard it serves.
#[derive(Clone, Debug)]
pub struct EnclaveConfig {
	pub data_dir: PathBuf,
	/// The shard; `None` means the implicit shard named after MRENCLAVE.
	/// Fixed at first start (sealed in the [`Anchor`]).
	pub shard: Option<ShardIdentifier>,
	/// `max_instances` for a shard this enclave initialises; read at first
	/// start only (sealed in the [`Anchor`]).
	pub max_instances: u32,
}

/// One finalized parent-chain block as the host delivers it.
#[derive(Clone, Debug)]
pub struct ParentchainBlock {
	pub header: Header,
	/// The SCALE-encoded extrinsics of the body.
	pub extrinsics: Vec<Vec<u8>>,
	/// A read proof of [`Enclave::proof_keys`] at this block's state root.
	pub proof: Vec<Vec<u8>>,
}

/// Whether the shard's confidential issuance matches its vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Invariant {
	/// Confidential issuance == vault balance.
	Holds,
	/// The vault holds more than was issued (someone sent funds to it directly).
	Surplus { issuance: Balance, vault: Balance },
	/// The vault holds less than was issued: users' funds are not covered.
	Breach { issuance: Balance, vault: Balance },
}

impl Invariant {
	fn of(issuance: Balance, vault: Balance) -> Self {
		match issuance.cmp(&vault) {
			std::cmp::Ordering::Equal => Invariant::Holds,
			std::cmp::Ordering::Less => Invariant::Surplus { issuance, vault },
			std::cmp::Ordering::Greater => Invariant::Breach { issuance, vault },
		}
	}
}

/// What one import did: verified blocks whose inputs now wait for a
/// sidechain block.
#[derive(Debug)]
pub struct ImportReport {
	/// The light client's head after the import.
	pub last_block: (u32, H256),
	/// Parent blocks whose inputs were queued.
	pub blocks_queued: u32,
	/// Inputs queued (all blocks of the import).
	pub inputs_queued: usize,
	/// Inputs skipped before the queue (undecryptable, malformed).
	pub skipped: Vec<String>,
	/// This enclave's extrinsics that failed on chain.
	pub own_failures: Vec<String>,
	/// Another enclave serving the shard (proven `ShardStatus`), if one does:
	/// then this one refuses to serve.
	pub serving_member: Option<AccountId>,
	/// The shard's latest sidechain anchor on the parent chain (proven).
	pub anchored: Option<SidechainBlockConfirmation>,
	/// `FinalizedSidechainBlock` events of the shard in the chunk: (parent
	/// block, sidechain block number, header hash).
	pub anchor_events: Vec<(u32, u64, H256)>,
	/// Set when the state is behind or beside that anchor.
	pub rollback: Option<RollbackDetected>,
}

/// How much one sidechain block may take from the queue.
#[derive(Clone, Copy, Debug)]
pub struct BlockLimits {
	/// Inputs per block, counted in whole parent blocks (a parent block is
	/// never split; one is always taken, however large). The rest waits for
	/// the next block.
	pub max_inputs: usize,
	/// Direct calls per block (the pool's ready calls in arrival order; the
	/// rest waits for the next block).
	pub max_direct_calls: usize,
}

impl Default for BlockLimits {
	fn default() -> Self {
		Self { max_inputs: 2_000, max_direct_calls: 3_000 }
	}
}

/// What committing one sidechain block did.
#[derive(Debug)]
pub struct BlockReport {
	pub number: u64,
	pub hash: H256,
	/// The block was committed before (a replay after a restart): nothing
	/// changed.
	pub already_committed: bool,
	/// The last parent block the state includes.
	pub parentchain_anchor: (u32, H256),
	/// Calls executed (their nonce consumed), succeeded or failed.
	pub calls_executed: usize,
	/// Inputs refused, with reasons (no secrets in them).
	pub rejected: Vec<String>,
	/// The invariant after the block, if the vault's balance at its anchor
	/// is known.
	pub invariant: Option<Invariant>,
	/// Unshields reserved and waiting for the vault's payout.
	pub pending_unshields: Vec<PendingUnshield>,
	/// Pooled direct calls whose standing the block changed (the included
	/// ones are in the block's body with their outcomes).
	pub pool_changes: Vec<Revalidated<H256>>,
	/// Unshields refunded by this block (their expiry passed unpaid).
	pub expired_unshields: Vec<PendingUnshield>,
	/// Executed calls no confirmation on chain covers yet (all blocks).
	pub unconfirmed_calls: usize,
	pub state_root: H256,
}

/// A block this core proposed and has not committed yet.
struct Proposed {
	hash: H256,
	prepared: PreparedBlock,
	/// The vault's balance at the block's anchor, if it takes parent blocks.
	vault: Option<Balance>,
}

/// The duties for which the trusted core signs an extrinsic. The host picks
/// the duty, the moment and the nonce; the content comes from the core.
#[derive(Clone, Debug)]
pub enum EnclaveCall {
	/// Register (or renew) this enclave with a fresh DCAP quote, or with
	/// `Skip` where the chain allows it and the operator asked for it.
	Register { worker_url: Option<Vec<u8>>, skip_attestation: bool },
	/// Configure the anchored (non-implicit) shard for this MRENCLAVE with
	/// the anchored `max_instances`.
	InitShard,
	/// Confirm the last processed parent block and the calls executed since
	/// the last confirmation seen on chain.
	ConfirmProcessed,
	/// Have the vault pay the pending unshield with this call hash.
	Unshield { call_hash: H256 },
	/// Anchor the last committed sidechain block on the parent chain,
	/// naming the proven latest anchor as its ancestor.
	ConfirmSidechainBlock,
}

pub struct Enclave {
	platform: Arc<dyn TeePlatform>,
	sealing: SealingKey,
	keys: EnclaveKeys,
	anchor: Option<Anchor>,
	shard: ShardIdentifier,
	/// `max_instances` for the anchor, until it is sealed.
	max_instances: u32,
	vault: AccountId,
	light_client: Option<LightClient>,
	state: ShardState,
	tables: CoreTables,
	/// The last committed sidechain block.
	tip: CommittedTip,
	/// The block proposed last, until it is committed or superseded
	/// (proposing only reads the state: the host proposes beside getters).
	proposed: std::sync::Mutex<Option<Proposed>>,
	/// The shard's latest sidechain anchor on the parent chain, from the
	/// last imported block's proof (`None`: not known in this run).
	anchored: Option<Option<SidechainBlockConfirmation>>,
	rollback: Option<RollbackDetected>,
	/// The invariant after the last block imported in this run (`None`
	/// before the first: payouts wait for it).
	invariant: Option<Invariant>,
	/// Another enclave that serves the shard, per the proven `ShardStatus`
	/// of the last imported block.
	serving_member: Option<AccountId>,
	/// Direct calls waiting for a block.
	pool: Mutex<integritee_pool::Pool<PooledCall>>,
	door: Door,
	data_dir: PathBuf,
}

impl Enclave {
	/// Opens the trusted core: unseals (or creates) the keys, the light
	/// client and the shard's state. Returns whether the keys are new.
	///
	/// Once anchored (after [`Self::init_light_client_at`]), a missing
	/// light-client or state file is an error ([`AnchorError::MissingFile`]),
	/// never a fresh start, and the shard is the anchored one.
	pub fn open(
		platform: Arc<dyn TeePlatform>,
		config: EnclaveConfig,
	) -> Result<(Self, bool), Error> {
		std::fs::create_dir_all(&config.data_dir)
			.map_err(|e| Error::Io(format!("cannot create {}: {e}", config.data_dir.display())))?;
		let sealing = SealingKey::derive(platform.as_ref());
		let (keys, anchor, new_keys) = EnclaveKeys::load_or_create(&config.data_dir, &sealing)?;
		let mr_enclave = platform.mr_enclave();
		let requested = config.shard.unwrap_or(H256(mr_enclave));
		let shard = match &anchor {
			Some(anchor) if anchor.shard != requested => {
				return Err(AnchorError::OtherShard { anchored: anchor.shard, requested }.into())
			}
			Some(anchor) => anchor.shard,
			None => requested,
		};
		let state_dir = config.data_dir.join(STATE_DIR);
		std::fs::create_dir_all(&state_dir)
			.map_err(|e| Error::Io(format!("cannot create {}: {e}", state_dir.display())))?;
		let state_path = state_dir.join(format!("{}.redb", hex_of(shard.as_bytes())));
		// The state file must exist before opening it would create a new,
		// empty one.
		if let Some(anchor) = anchor.as_ref().filter(|_| !state_path.exists()) {
			let (path, genesis) = (state_path, anchor.genesis_hash);
			return Err(AnchorError::MissingFile { what: "shard state", path, genesis }.into());
		}
		let stf_config = Self::stf_config(shard, mr_enclave);
		let state = ShardState::open(&state_path, &keys.state_key, stf_config)?;
		let tables = CoreTables::new(state.database())?;
		let light_client = match &anchor {
			// Before the anchor is sealed nothing was imported: a light
			// client left by an interrupted first start is started afresh.
			None => {
				if state.sidechain_head().number > 0 || tables.queued_blocks()? > 0 {
					return Err(AnchorError::StateWithoutAnchor { path: state_path }.into());
				}
				None
			}
			Some(anchor) => {
				Some(tables.light_client(&sealing)?.ok_or_else(|| AnchorError::MissingFile {
					what: "light client (in the shard state)",
					path: state_path.clone(),
					genesis: anchor.genesis_hash,
				})?)
			}
		};
		let tip = Self::committed_tip(&state, &tables, anchor.as_ref(), shard)?;
		let vault = pallet_enclave_bridge::Pallet::<Runtime>::vault_account(&shard);
		let door = Door::new(keys.shielding.clone(), mr_enclave, shard);
		let enclave = Self {
			platform,
			sealing,
			keys,
			anchor,
			shard,
			max_instances: config.max_instances,
			vault,
			light_client,
			state,
			tables,
			tip,
			proposed: Default::default(),
			anchored: None,
			rollback: None,
			invariant: None,
			serving_member: None,
			pool: Mutex::new(integritee_pool::Pool::new(PoolLimits::default())),
			door,
			data_dir: config.data_dir,
		};
		Ok((enclave, new_keys))
	}

	/// The committed tip: the state's sidechain head, whose block must be
	/// stored beside it (one transaction wrote both).
	fn committed_tip(
		state: &ShardState,
		tables: &CoreTables,
		anchor: Option<&Anchor>,
		shard: ShardIdentifier,
	) -> Result<CommittedTip, Error> {
		let head = state.sidechain_head();
		if head.number == 0 {
			return Ok(CommittedTip {
				shard,
				number: 0,
				hash: H256::zero(),
				term: 0,
				parentchain_anchor: anchor.map(|a| a.checkpoint).unwrap_or_default(),
				state_root: state.state_root(),
			});
		}
		let block = tables
			.block(head.number)?
			.filter(|b| b.header.hash() == head.hash)
			.ok_or_else(|| {
				Error::Storage(format!("the committed sidechain block #{} is missing", head.number))
			})?;
		Ok(CommittedTip::after(&block.header))
	}

	fn stf_config(shard: ShardIdentifier, mr_enclave: MrEnclave) -> StfConfig {
		StfConfig {
			// No rollback points: committed sidechain blocks are final (Raft
			// commits them on a majority) and follow the finalized parent
			// chain, which never reverts. So no per-block undo records are
			// written.
			snapshots: 1,
			// A payout below the parent chain's existential deposit to a new
			// account fails there: refuse it before spending a fee on it.
			min_unshield: integritee_runtime::EXISTENTIAL_DEPOSIT,
			..StfConfig::new(shard, mr_enclave)
		}
	}

	pub fn is_simulated(&self) -> bool {
		self.platform.is_simulated()
	}

	pub fn mr_enclave(&self) -> MrEnclave {
		self.platform.mr_enclave()
	}

	pub fn shard(&self) -> ShardIdentifier {
		self.shard
	}

	/// What the enclave is bound to, once its light client was started.
	pub fn anchor(&self) -> Option<&Anchor> {
		self.anchor.as_ref()
	}

	/// The shard's vault on the parent chain.
	pub fn vault_account(&self) -> &AccountId {
		&self.vault
	}

	/// The enclave's parent-chain account (its ed25519 signer).
	pub fn account(&self) -> AccountId {
		self.keys.signer.public().into()
	}

	pub fn signer_public(&self) -> ed25519::Public {
		self.keys.signer.public()
	}

	pub fn shielding_public_key(&self) -> [u8; 32] {
		self.keys.shielding.public_key()
	}

	/// `report_data` of this enclave's quotes: the signer's public key, then
	/// SHA-256 of the shielding public key.
	pub fn report_data(&self) -> [u8; 64] {
		let mut report_data = [0u8; 64];
		report_data[..32].copy_from_slice(self.keys.signer.public().as_ref());
		report_data[32..].copy_from_slice(&Sha256::digest(self.shielding_public_key()));
		report_data
	}

	/// A fresh RA-TLS certificate for the trusted RPC, valid from `now_ms`
	/// (the host's clock, less a few minutes' skew) for `validity_ms`: a new
	/// P-256 key made here, and a quote whose `report_data` is SHA-256 of
	/// the certificate's key followed by
	/// [`tls_binding`](integritee_stf_primitives::rpc::tls_binding) of this
	/// enclave's signer and shielding key.
	///
	/// The host gets the TLS private key: with the simulated TEE the TLS
	/// session ends in the host process, which can read everything anyway;
	/// an SGX build must terminate TLS inside the enclave instead.
	pub fn tls_certificate(
		&self,
		now_ms: u64,
		validity_ms: u64,
	) -> Result<integritee_ra_tls::AttestedCertificate, Error> {
		let binding = integritee_stf_primitives::rpc::tls_binding(
			&self.keys.signer.public().0,
			&self.shielding_public_key(),
		);
		let validity = integritee_ra_tls::Validity::from_now(now_ms, validity_ms);
		integritee_ra_tls::make_bound_certificate(validity, binding, |report_data| {
			self.platform.quote(report_data)
		})
		.map_err(|e| Error::Platform(format!("cannot make the RA-TLS certificate: {e}")))
	}

	/// The invariant after the last block imported in this run.
	pub fn invariant(&self) -> Option<Invariant> {
		self.invariant
	}

	/// Another enclave serving this shard, if the last imported block's
	/// proven `ShardStatus` names one first. One instance serves a shard
	/// until provisioning exists: the pallet keeps its signers in the order
	/// they joined, and every enclave but the first refuses to serve (its
	/// keys and state are its own, so its answers and payouts would be
	/// wrong).
	pub fn serving_member(&self) -> Option<&AccountId> {
		self.serving_member.as_ref()
	}

	/// The door of direct calls: checks them without this core's lock.
	pub fn door(&self) -> Door {
		self.door.clone()
	}

	/// How much the pool of direct calls holds (the host's setting; the
	/// pool starts with [`PoolLimits::default`]).
	pub fn set_pool_limits(&mut self, limits: PoolLimits) {
		let pool = self.pool.get_mut().unwrap_or_else(|p| p.into_inner());
		*pool = integritee_pool::Pool::new(limits);
	}

	/// Direct calls in the pool (all, future).
	pub fn pool_size(&self) -> (usize, usize) {
		let pool = self.pool();
		(pool.len(), pool.future_len())
	}

	fn pool(&self) -> std::sync::MutexGuard<'_, integritee_pool::Pool<PooledCall>> {
		// Every pool operation leaves it consistent before it can panic.
		self.pool.lock().unwrap_or_else(|p| p.into_inner())
	}

	/// Admits a direct call that passed the [`Door`]: refused if this core
	/// does not serve the shard now, if the sender has no funds in the
	/// committed state, or by the pool (stale nonce, duplicate, a nonce
	/// another pooled call holds, limits).
	pub fn admit(&self, ticket: Ticket) -> Result<Admission, DirectError> {
		self.ensure_serving().map_err(|e| DirectError::NotServing(e.to_string()))?;
		if let Some(rollback) = &self.rollback {
			return Err(DirectError::NotServing(rollback.to_string()));
		}
		let call = ticket.0;
		let info = self
			.state
			.account_info(integritee_pool::PoolCall::sender(&call))
			.map_err(|e| DirectError::State(e.to_string()))?;
		if info.free == 0 && info.reserved == 0 {
			return Err(DirectError::Unfunded);
		}
		let hash = integritee_pool::PoolCall::hash(&call);
		let admitted = self.pool().submit(call, info.nonce)?;
		Ok(Admission { hash, readiness: admitted.readiness, promoted: admitted.promoted })
	}

	/// After a committed block: the calls it included leave the pool, the
	/// rest is revalidated against the new nonces.
	fn revalidate_pool(
		&mut self,
		block: &SignedSidechainBlock,
	) -> Result<Vec<Revalidated<H256>>, Error> {
		let included: Vec<H256> = block.body.calls.iter().map(|(hash, _)| *hash).collect();
		let state = &self.state;
		let pool = self.pool.get_mut().unwrap_or_else(|p| p.into_inner());
		let mut failed = None;
		let changes = pool.after_block(&included, |who| match state.account_info(who) {
			Ok(info) => info.nonce,
			Err(e) => {
				failed = Some(e);
				0
			}
		});
		match failed {
			Some(e) => Err(e.into()),
			None => Ok(changes),
		}
	}

	fn ensure_serving(&self) -> Result<(), SigningRefused> {
		match &self.serving_member {
			Some(other) => Err(SigningRefused::AnotherMemberServes(other.clone())),
			None => Ok(()),
		}
	}

	/// Signs one of the enclave's own extrinsics. The host's `params` give
	/// nonce and era; the genesis hash is always the anchored chain's, so
	/// nothing signed here is valid on another chain.
	pub fn sign_extrinsic(
		&self,
		call: EnclaveCall,
		params: ExtrinsicParams,
	) -> Result<UncheckedExtrinsic, Error> {
		let anchor = self.anchor.as_ref().ok_or(AnchorError::NotAnchored)?;
		let call = self.runtime_call(call, anchor)?;
		let params = ExtrinsicParams { genesis_hash: anchor.genesis_hash, ..params };
		let signer = &self.keys.signer;
		Ok(integritee_extrinsic::signed_extrinsic(call, self.account(), params, |payload| {
			MultiSignature::Ed25519(signer.sign(payload))
		}))
	}

	fn runtime_call(&self, call: EnclaveCall, anchor: &Anchor) -> Result<RuntimeCall, Error> {
		if !matches!(call, EnclaveCall::Register { .. }) {
			self.ensure_serving()?;
		}
		Ok(match call {
			EnclaveCall::Register { worker_url, skip_attestation } => {
				let (proof, method) = if skip_attestation {
					let claims = integritee_primitives::SkippedAttestation {
						mr_enclave: H256(self.mr_enclave()),
						mr_signer: self.platform.mr_signer(),
						shielding_key_hash: Sha256::digest(self.shielding_public_key()).into(),
					};
					(claims.encode(), integritee_primitives::AttestationMethod::Skip)
				} else {
					(
						self.platform.quote(self.report_data())?,
						integritee_primitives::AttestationMethod::Dcap,
					)
				};
				RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
					proof,
					worker_url,
					attestation_method: method,
				})
			}
			EnclaveCall::InitShard => {
				RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::update_shard_config {
					shard: anchor.shard,
					config: integritee_primitives::ShardConfig {
						enclave_fingerprint: H256(self.mr_enclave()),
						max_instances: anchor.max_instances,
					},
					enactment_delay: 0,
				})
			}
			EnclaveCall::ConfirmProcessed => {
				let (number, hash) = self.state.parentchain_anchor().unwrap_or(anchor.checkpoint);
				let calls: Vec<H256> =
					self.state.unconfirmed_calls()?.into_iter().map(|(_, hash)| hash).collect();
				RuntimeCall::EnclaveBridge(
					pallet_enclave_bridge::Call::confirm_processed_parentchain_block {
						shard: anchor.shard,
						block_hash: hash,
						block_number: number,
						calls_root: integritee_stf::calls_root(&calls),
					},
				)
			}
			EnclaveCall::ConfirmSidechainBlock => {
				let ancestor = self.anchored.ok_or(SigningRefused::AnchorUnknown)?;
				if let Some(rollback) = &self.rollback {
					return Err(rollback.clone().into());
				}
				if self.tip.number == 0 {
					return Err(SigningRefused::NothingToAnchor.into());
				}
				let candidate = SidechainBlockConfirmation {
					block_number: self.tip.number,
					block_header_hash: self.tip.hash,
				};
				RuntimeCall::Sidechain(pallet_sidechain::Call::confirm_imported_sidechain_block {
					shard: anchor.shard,
					// Resending the anchored block names it as its own
					// candidate: a no-op success on chain.
					ancestor: ancestor.filter(|a| *a != candidate),
					candidate,
				})
			}
			EnclaveCall::Unshield { call_hash } => {
				let pending = self.payable_unshield(call_hash)?;
				RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::unshield_funds {
					shard: anchor.shard,
					beneficiary: pending.beneficiary,
					amount: pending.amount,
					call_hash: pending.call_hash,
					expires_at: pending.expires_at,
				})
			}
		})
	}

	/// The pending unshield `call_hash`, if the core may ask the vault to pay
	/// it now: reserved, not settled, not expired, and the vault covers the
	/// confidential issuance (the circuit breaker).
	fn payable_unshield(&self, call_hash: H256) -> Result<PendingUnshield, Error> {
		match self.invariant {
			None => return Err(SigningRefused::InvariantUnknown.into()),
			Some(Invariant::Breach { issuance, vault }) => {
				return Err(SigningRefused::Breach { issuance, vault }.into())
			}
			Some(Invariant::Holds | Invariant::Surplus { .. }) => {}
		}
		let pending = self
			.state
			.pending_unshield(call_hash)?
			.ok_or(SigningRefused::UnknownUnshield(call_hash))?;
		let head = self.light_client_head().map(|(n, _)| n).unwrap_or_default();
		if pending.expires_at < head {
			let expires_at = pending.expires_at;
			return Err(SigningRefused::UnshieldExpired { call_hash, expires_at, head }.into());
		}
		Ok(pending)
	}

	/// The light client's last finalized block, if it has a checkpoint.
	pub fn light_client_head(&self) -> Option<(u32, H256)> {
		self.light_client.as_ref().map(|lc| lc.last_finalized())
	}

	/// The last block a chunk of `headers` (following the light client's
	/// head) may end at, so that GRANDPA authority-set changes are crossed
	/// at their enactment block; `None` if no change is due within them. A
	/// forced change is an error naming its block.
	pub fn chunk_limit(&self, headers: &[Header]) -> Result<Option<u32>, Error> {
		let light_client = self.light_client.as_ref().ok_or(Error::NoCheckpoint)?;
		Ok(light_client.chunk_limit(headers)?)
	}

	/// The last parent-chain block the shard's state includes.
	pub fn last_processed(&self) -> Option<(u32, H256)> {
		self.state.parentchain_anchor()
	}

	/// The last committed sidechain block.
	pub fn sidechain_tip(&self) -> &CommittedTip {
		&self.tip
	}

	/// The last committed sidechain block, if any.
	pub fn latest_block(&self) -> Result<Option<SignedSidechainBlock>, Error> {
		if self.tip.number == 0 {
			return Ok(None);
		}
		self.tables.block(self.tip.number)
	}

	/// The committed sidechain block `number`, if stored.
	pub fn committed_block(&self, number: u64) -> Result<Option<SignedSidechainBlock>, Error> {
		self.tables.block(number)
	}

	/// The shard's latest sidechain anchor on the parent chain, from the
	/// last imported block's proof (`None`: not known in this run; `Some(None)`:
	/// nothing anchored yet).
	pub fn anchored(&self) -> Option<Option<SidechainBlockConfirmation>> {
		self.anchored
	}

	/// A rollback detected against the parent chain's anchor, if any.
	pub fn rollback(&self) -> Option<&RollbackDetected> {
		self.rollback.as_ref()
	}

	/// The shard's database file, for the host's replication tables (the
	/// Raft log and vote: the host owns them, the core checks every block it
	/// is given). The core's and the STF's tables are sealed or encrypted.
	pub fn shard_database(&self) -> Arc<redb::Database> {
		self.state.database()
	}

	/// Parent blocks whose inputs wait for a sidechain block.
	pub fn queued_blocks(&self) -> Result<u64, Error> {
		self.tables.queued_blocks()
	}

	/// The storage keys a checkpoint proof covers: GRANDPA's authorities,
	/// current set id and pending change.
	pub fn checkpoint_keys() -> Vec<Vec<u8>> {
		vec![
			polkadot_sdk::pallet_grandpa::Authorities::<Runtime>::hashed_key().to_vec(),
			polkadot_sdk::pallet_grandpa::CurrentSetId::<Runtime>::hashed_key().to_vec(),
			polkadot_sdk::pallet_grandpa::PendingChange::<Runtime>::hashed_key().to_vec(),
		]
	}

	/// Anchors the enclave, once, at first start: the light client starts at
	/// the finalized block `trusted_hash` of the chain with genesis
	/// `genesis_hash` (the operator trusts both: pin them with
	/// `--expect-genesis` and `--checkpoint-block`). The header must hash to
	/// `trusted_hash` (and be the genesis block if it is block 0), and the
	/// GRANDPA authority set is read through a storage proof against its
	/// state root. Chain, checkpoint, shard and `max_instances` are sealed
	/// with the keys and never change afterwards.
	pub fn init_light_client_at(
		&mut self,
		genesis_hash: H256,
		trusted_hash: H256,
		header: Header,
		proof: Vec<Vec<u8>>,
	) -> Result<(), Error> {
		if self.anchor.is_some() {
			return Err(Error::AlreadyInitialized);
		}
		let (number, hash) = (header.number, header.hash());
		let bad = |reason: &str| Error::BadBlock {
			number,
			hash,
			reason: format!("checkpoint: {reason}"),
		};
		if hash != trusted_hash {
			return Err(bad("the header does not hash to the trusted hash"));
		}
		if number == 0 && hash != genesis_hash {
			return Err(AnchorError::GenesisMismatch { genesis: genesis_hash, header: hash }.into());
		}
		let values = integritee_light_client::read_proof(&header, proof, &Self::checkpoint_keys())
			.map_err(|e| bad(&e.to_string()))?;
		let authorities: polkadot_sdk::sp_consensus_grandpa::AuthorityList =
			match values.first().cloned().flatten() {
				Some(bytes) => {
					Decode::decode(&mut &bytes[..]).map_err(|_| bad("authorities do not decode"))?
				}
				None => return Err(bad("no GRANDPA authorities in the state")),
			};
		if authorities.is_empty() {
			return Err(bad("the GRANDPA authority set is empty"));
		}
		let set_id: u64 = match values.get(1).cloned().flatten() {
			Some(bytes) => {
				Decode::decode(&mut &bytes[..]).map_err(|_| bad("set id does not decode"))?
			}
			None => 0,
		};
		if values.get(2).cloned().flatten().is_some() {
			return Err(bad(
				"an authority set change is pending at this block; pick another checkpoint",
			));
		}
		let light_client = LightClient::new(Checkpoint {
			header,
			authority_set: integritee_light_client::AuthoritySet { set_id, authorities },
		});
		// The light client first, then the anchor: a crash in between leaves
		// an unanchored enclave that simply starts over (nothing was
		// imported); once the anchor is sealed, both exist.
		self.tables.store_import(&self.sealing, &light_client, &[])?;
		let anchor = Anchor {
			genesis_hash,
			checkpoint: (number, hash),
			shard: self.shard,
			max_instances: self.max_instances,
		};
		self.keys.seal_anchor(&self.data_dir, &self.sealing, &anchor)?;
		self.light_client = Some(light_client);
		self.tip.parentchain_anchor = anchor.checkpoint;
		self.anchor = Some(anchor);
		Ok(())
	}

	/// The storage keys the host must prove for every block: `System::Events`,
	/// the vault's `System::Account`, the shard's `ShardStatus` and its
	/// latest sidechain anchor.
	pub fn proof_keys(&self) -> Vec<Vec<u8>> {
		vec![
			events_key(),
			frame_system::Account::<Runtime>::hashed_key_for(&self.vault),
			pallet_enclave_bridge::ShardStatus::<Runtime>::hashed_key_for(self.shard),
			pallet_sidechain::LatestSidechainBlockConfirmation::<Runtime>::hashed_key_for(
				self.shard,
			),
		]
	}

	/// Verifies a chunk of finalized blocks and queues the shard's inputs:
	/// `blocks` follow the light client's last finalized block, and
	/// `justification` finalizes the last of them. Nothing is queued unless
	/// the whole chunk verifies; the light client and the queued inputs are
	/// stored in one transaction. Nothing is executed here: sidechain blocks
	/// take the queued inputs ([`Self::propose_block`]).
	pub fn import(
		&mut self,
		blocks: Vec<ParentchainBlock>,
		justification: &[u8],
	) -> Result<ImportReport, Error> {
		let chunk = self.verify_chunk(blocks, justification)?;
		self.store_chunk(chunk)
	}

	/// The first half of [`Self::import`], which only reads the core (the
	/// host runs it beside getters and block production): verifies the
	/// chunk and collects the shard's inputs. Nothing changes until
	/// [`Self::store_chunk`].
	pub fn verify_chunk(
		&self,
		blocks: Vec<ParentchainBlock>,
		justification: &[u8],
	) -> Result<VerifiedChunk, Error> {
		let mut light_client = self.light_client.clone().ok_or(Error::NoCheckpoint)?;
		let base = light_client.last_finalized();
		let headers: Vec<Header> = blocks.iter().map(|b| b.header.clone()).collect();
		light_client.import_finalized(&headers, justification)?;

		let keys = self.proof_keys();
		let account = self.account();
		let mr_enclave = self.mr_enclave();
		// Blocks the state already includes are not queued again (a member
		// whose state came from elsewhere may import behind it).
		let included = self.state.parentchain_anchor().map_or(0, |(n, _)| n);
		let mut chunk = VerifiedChunk {
			base,
			light_client,
			queued: Vec::with_capacity(blocks.len()),
			skipped: Vec::new(),
			own_failures: Vec::new(),
			serving_member: self.serving_member.clone(),
			anchored: self.anchored,
			anchor_events: Vec::new(),
		};
		for block in blocks {
			let verified = Self::verify_block(block, &keys)?;
			chunk.serving_member = verified.serving.filter(|first| *first != account);
			chunk.anchored = Some(verified.anchored);
			if verified.number <= included {
				continue;
			}
			let inputs = indirect::collect(
				verified.hash,
				&verified.extrinsics,
				&verified.events,
				&self.shard,
				&account,
				&self.keys.shielding,
			);
			let number = verified.number;
			chunk.anchor_events.extend(inputs.anchored.iter().map(|(n, h)| (number, *n, *h)));
			chunk
				.skipped
				.extend(inputs.skipped.into_iter().map(|s| format!("block {number}: {s}")));
			chunk
				.own_failures
				.extend(inputs.own_failures.into_iter().map(|s| format!("block {number}: {s}")));
			chunk.queued.push(QueuedBlock {
				number,
				hash: verified.hash,
				inputs: inputs
					.inputs
					.into_iter()
					.map(|input| QueuedInput::check(input, &mr_enclave, &self.shard))
					.collect(),
				vault: verified.vault,
			});
		}
		Ok(chunk)
	}

	/// The second half of [`Self::import`]: stores the light client and
	/// queues the chunk's inputs in one transaction. Refuses a chunk that
	/// was verified on another light-client head (something was imported
	/// since).
	pub fn store_chunk(&mut self, chunk: VerifiedChunk) -> Result<ImportReport, Error> {
		if self.light_client_head() != Some(chunk.base) {
			return Err(Error::StaleChunk);
		}
		self.tables.store_import(&self.sealing, &chunk.light_client, &chunk.queued)?;
		let report = ImportReport {
			last_block: chunk.light_client.last_finalized(),
			blocks_queued: chunk.queued.len() as u32,
			inputs_queued: chunk.queued.iter().map(|b| b.inputs.len()).sum(),
			skipped: chunk.skipped,
			own_failures: chunk.own_failures,
			serving_member: chunk.serving_member.clone(),
			anchored: chunk.anchored.flatten(),
			anchor_events: chunk.anchor_events,
			rollback: None,
		};
		self.light_client = Some(chunk.light_client);
		self.serving_member = chunk.serving_member;
		self.anchored = chunk.anchored;
		self.check_rollback()?;
		Ok(ImportReport { rollback: self.rollback.clone(), ..report })
	}

	/// Verifies one block's body and proof against its (light-client
	/// verified) header and reads the proven values.
	fn verify_block(block: ParentchainBlock, keys: &[Vec<u8>]) -> Result<VerifiedBlock, Error> {
		let number = block.header.number;
		let hash = block.header.hash();
		let bad = |reason: String| Error::BadBlock { number, hash, reason };
		integritee_light_client::verify_extrinsics_root(&block.header, &block.extrinsics)
			.map_err(|e| bad(e.to_string()))?;
		let values = integritee_light_client::read_proof(&block.header, block.proof, keys)
			.map_err(|e| bad(e.to_string()))?;
		let value = |i: usize| values.get(i).cloned().flatten();
		let events: indirect::Events = match value(0) {
			Some(bytes) => Decode::decode(&mut &bytes[..])
				.map_err(|_| bad("System::Events does not decode".into()))?,
			None => Vec::new(),
		};
		let vault: Balance = match value(1) {
			Some(bytes) => {
				let info = frame_system::AccountInfo::<
					integritee_runtime::Nonce,
					pallet_balances::AccountData<Balance>,
				>::decode(&mut &bytes[..])
				.map_err(|_| bad("the vault account does not decode".into()))?;
				info.data.free.saturating_add(info.data.reserved)
			}
			None => 0,
		};
		let signers: pallet_enclave_bridge::ShardSignersOf<Runtime> = match value(2) {
			Some(bytes) => Decode::decode(&mut &bytes[..])
				.map_err(|_| bad("the shard status does not decode".into()))?,
			None => Default::default(),
		};
		let anchored: Option<SidechainBlockConfirmation> = match value(3) {
			Some(bytes) => Some(
				Decode::decode(&mut &bytes[..])
					.map_err(|_| bad("the sidechain anchor does not decode".into()))?,
			),
			None => None,
		};
		Ok(VerifiedBlock {
			number,
			hash,
			extrinsics: block.extrinsics,
			events,
			vault,
			serving: signers.first().map(|status| status.signer.clone()),
			anchored,
		})
	}

	/// Compares the committed tip with the proven anchor: a state behind it,
	/// or another block at its height, is a rollback of this member's data.
	fn check_rollback(&mut self) -> Result<(), Error> {
		let Some(Some(anchored)) = self.anchored else { return Ok(()) };
		let committed = (self.tip.number, self.tip.hash);
		let rolled_back = if anchored.block_number > self.tip.number {
			true
		} else if anchored.block_number == self.tip.number {
			anchored.block_header_hash != self.tip.hash
		} else {
			let stored = self.tables.block(anchored.block_number)?;
			stored.is_none_or(|b| b.header.hash() != anchored.block_header_hash)
		};
		if rolled_back && self.rollback.is_none() {
			log::error!("{}", RollbackDetected { anchored, committed });
		}
		self.rollback = rolled_back.then_some(RollbackDetected { anchored, committed });
		Ok(())
	}

	/// Proposes the next sidechain block on top of the committed tip: the
	/// queued parent blocks following the state's anchor (within `limits`),
	/// executed and signed; `None` if nothing is queued and no `heartbeat`
	/// is due. The block changes nothing until [`Self::commit_block`]
	/// commits it. Refused while another member serves the shard or a
	/// rollback is detected. `now_ms` (the host's moment) only ages the
	/// pool's future calls: a host that lies about it can drop them early
	/// or keep them (bounded by the pool's limits), which it could do by
	/// not serving anyway.
	pub fn propose_block(
		&self,
		term: u64,
		limits: BlockLimits,
		heartbeat: bool,
		now_ms: u64,
	) -> Result<Option<SignedSidechainBlock>, Error> {
		self.ensure_serving()?;
		if let Some(rollback) = &self.rollback {
			return Err(rollback.clone().into());
		}
		self.pool().advance_clock(now_ms);
		let anchor = self.anchor.as_ref().ok_or(AnchorError::NotAnchored)?;
		let first = self.state.parentchain_anchor().unwrap_or(anchor.checkpoint).0 + 1;
		let queued = self.tables.queued_from(&self.sealing, first, limits.max_inputs)?;
		let light_client_head = self.light_client_head().map_or(0, |(n, _)| n);
		if queued.is_empty() && light_client_head >= first {
			let what = "are missing although the light client is past the block".into();
			return Err(Error::QueueTampered { number: first, what });
		}
		let direct: Vec<VerifiedCall> = self
			.pool()
			.ready(limits.max_direct_calls)
			.into_iter()
			.map(|pooled| pooled.call.clone())
			.collect();
		if queued.is_empty() && direct.is_empty() && !heartbeat {
			return Ok(None);
		}
		let number = self.tip.number + 1;
		let vault = queued.last().map(|b| b.vault);
		let mut identities = Vec::new();
		let parentchain = queued
			.into_iter()
			.map(|b| {
				let inputs: Vec<StfInput> =
					b.inputs.into_iter().map(QueuedInput::into_input).collect();
				identities.extend(inputs.iter().map(input_identity));
				ParentchainInputs { block: (b.number, b.hash), inputs }
			})
			.collect();
		identities.extend(direct.iter().map(|call| Some(call.call().hash())));
		let prepared = self.state.prepare(number, BlockInputs { parentchain, direct })?;
		let outcome = prepared.outcome();
		let calls = identities
			.into_iter()
			.zip(&outcome.outcomes)
			.filter_map(|(identity, outcome)| Some((identity?, call_outcome(outcome))))
			.collect();
		let header = SidechainHeader {
			shard: self.shard,
			number,
			parent_hash: self.tip.hash,
			term,
			parentchain_anchor: outcome.parentchain_anchor.unwrap_or(anchor.checkpoint),
			calls_root: H256::zero(),
			state_root_before: prepared.base_root(),
			state_root_after: outcome.state_root,
			diff_hash: H256::zero(),
			author: self.keys.signer.public(),
		};
		let body = SidechainBody {
			calls,
			encrypted_diff: self.state.encrypt_diff(number, prepared.changes())?,
		};
		let block = SignedSidechainBlock::sign(header, body, &self.keys.signer);
		*self.proposed.lock().unwrap_or_else(|p| p.into_inner()) =
			Some(Proposed { hash: block.header.hash(), prepared, vault });
		Ok(Some(block))
	}

	/// Commits a sidechain block the replication committed: the state
	/// change, the block and the removal of the inputs it consumed, in one
	/// transaction. A block this core proposed is committed as executed;
	/// any other is checked ([`SignedSidechainBlock::check_successor`]:
	/// parent, term, anchor, roots, author, signature) and its encrypted
	/// diff applied if it leads to the header's state root. A block
	/// committed before is a no-op (replays after a restart).
	pub fn commit_block(&mut self, block: &SignedSidechainBlock) -> Result<BlockReport, Error> {
		let header = &block.header;
		let (number, hash) = (header.number, header.hash());
		if number <= self.tip.number {
			let stored = self.tables.block(number)?.map(|b| b.header.hash());
			if stored != Some(hash) {
				let stored = stored.unwrap_or_default();
				return Err(Error::ConflictingBlock { number, stored, got: hash });
			}
			return self.block_report(block, true, Vec::new(), Vec::new(), None, Vec::new());
		}
		block.check_successor(&self.tip, &[self.keys.signer.public()])?;
		// The vault at the block's anchor, from the queue (before the block
		// consumes it).
		let anchor_number = header.parentchain_anchor.0;
		let proposed = self.proposed.get_mut().unwrap_or_else(|p| p.into_inner()).take();
		let (rejected, expired, vault) = match proposed {
			Some(proposed) if proposed.hash == hash => {
				let outcome =
					self.state.commit(proposed.prepared, hash, CoreTables::block_records(block))?;
				let rejected = outcome
					.outcomes
					.iter()
					.filter_map(|o| match o {
						InputOutcome::Rejected { reason } => Some(format!("{reason:?}")),
						InputOutcome::Executed { .. } => None,
					})
					.collect();
				(rejected, outcome.expired_unshields, proposed.vault)
			}
			_ => {
				let vault = if anchor_number > self.tip.parentchain_anchor.0 {
					let queued = self.tables.queued_from(&self.sealing, anchor_number, 0)?;
					queued.first().filter(|b| b.number == anchor_number).map(|b| b.vault)
				} else {
					None
				};
				let diff = self.state.decrypt_diff(number, &block.body.encrypted_diff)?;
				self.state.apply_changes(
					SidechainPosition { number, hash },
					Some(header.parentchain_anchor),
					diff,
					header.state_root_after,
					CoreTables::block_records(block),
				)?;
				let rejected = block
					.body
					.calls
					.iter()
					.filter_map(|(hash, o)| match o {
						CallOutcome::Rejected(reason) => Some(format!("{hash:?}: {reason}")),
						_ => None,
					})
					.collect();
				(rejected, Vec::new(), vault)
			}
		};
		self.tip = CommittedTip::after(header);
		let pool_changes = self.revalidate_pool(block)?;
		if let Some(vault) = vault {
			let invariant = Invariant::of(self.state.total_issuance()?, vault);
			if let Invariant::Breach { issuance, vault } = invariant {
				log::error!(
					"INVARIANT BREACH after parent block {anchor_number}: confidential issuance \
					 {issuance} exceeds the vault balance {vault} of shard {:?}; payouts are stopped",
					self.shard
				);
			}
			self.invariant = Some(invariant);
		}
		// Committing a successor cannot create a rollback (committed blocks
		// never change); it may end one this member was behind on.
		if self.rollback.is_some() {
			self.check_rollback()?;
		}
		self.block_report(block, false, rejected, expired, self.invariant, pool_changes)
	}

	fn block_report(
		&self,
		block: &SignedSidechainBlock,
		already_committed: bool,
		rejected: Vec<String>,
		expired_unshields: Vec<PendingUnshield>,
		invariant: Option<Invariant>,
		pool_changes: Vec<Revalidated<H256>>,
	) -> Result<BlockReport, Error> {
		let calls_executed = block
			.body
			.calls
			.iter()
			.filter(|(_, o)| matches!(o, CallOutcome::Succeeded | CallOutcome::Failed(_)))
			.count();
		Ok(BlockReport {
			number: block.header.number,
			hash: block.header.hash(),
			already_committed,
			parentchain_anchor: block.header.parentchain_anchor,
			calls_executed,
			rejected,
			invariant,
			pending_unshields: self.state.pending_unshields()?,
			pool_changes,
			expired_unshields,
			unconfirmed_calls: self.state.unconfirmed_calls()?.len(),
			state_root: self.state.state_root(),
		})
	}

	/// Answers a getter signed by the account's owner, signed by the enclave
	/// (refused while another enclave serves the shard).
	pub fn execute_getter(&self, getter: &TrustedGetterSigned) -> Result<GetterAnswer, Error> {
		self.ensure_serving()?;
		if !getter.verify_signature(&self.shard) {
			return Err(Error::Getter("the getter's signature is not valid for this shard".into()));
		}
		let value = match &getter.getter {
			TrustedGetter::AccountInfo(who) => {
				let info: AccountInfoView = self.state.account_info(who)?;
				Some(info.encode())
			}
			TrustedGetter::NextNonce(who) => {
				let state_nonce = self.state.account_info(who)?.nonce;
				Some(self.pool().next_nonce(who, state_nonce).encode())
			}
			TrustedGetter::PendingCalls(who) => {
				use integritee_pool::PoolCall;
				let pending: Vec<PendingCall> = self
					.pool()
					.pending_of(who)
					.into_iter()
					.map(|(call, readiness)| PendingCall {
						hash: call.hash(),
						nonce: call.nonce(),
						ready: readiness == Readiness::Ready,
					})
					.collect();
				Some(pending.encode())
			}
		};
		let (number, hash) = self.state.parentchain_anchor().unwrap_or_default();
		let getter_hash = H256(blake2_256(&getter.encode()));
		let sidechain_block = (self.tip.number, self.tip.hash);
		Ok(GetterAnswer::sign(getter_hash, value, sidechain_block, (number, hash), |payload| {
			self.keys.signer.sign(payload)
		}))
	}

	/// Answers a private getter: decrypted with the shielding key, issued
	/// within [`getters::GETTER_VALIDITY_MS`] of `now_ms` (the host's
	/// clock), signed by the account's owner; the signed answer comes back
	/// encrypted to the getter's answer key, so the host learns neither the
	/// account nor the value. A getter whose `min_block` the state has not
	/// reached is answered [`GetterError::NotYet`] (the host retries after
	/// the next block, for a bounded time).
	pub fn execute_private_getter(
		&self,
		request: &PrivateGetterRequest,
		now_ms: u64,
	) -> Result<Vec<u8>, GetterError> {
		let private = getters::open(&self.keys.shielding, &self.shard, request)?;
		let issued = private.getter.issued_at_ms;
		if now_ms.abs_diff(issued) > getters::GETTER_VALIDITY_MS {
			return Err(GetterError::Expired { issued_at_ms: issued, now_ms });
		}
		if let Some(min_block) = private.min_block.filter(|b| *b > self.tip.number) {
			return Err(GetterError::NotYet { min_block, tip: self.tip.number });
		}
		let answer = self.execute_getter(&private.getter).map_err(|e| match e {
			Error::Refused(refused) => GetterError::NotServing(refused.to_string()),
			Error::Getter(reason) => GetterError::Refused(reason),
			other => GetterError::State(other.to_string()),
		})?;
		integritee_stf_primitives::shielding::encrypt(
			&private.answer_key,
			&self.shard,
			&answer.encode(),
		)
		.map_err(|_| GetterError::BadAnswerKey)
	}

	/// Data directory of this enclave.
	pub fn data_dir(&self) -> &Path {
		&self.data_dir
	}
}

/// A chunk of parent blocks that verified ([`Enclave::verify_chunk`]),
/// waiting to be stored.
pub struct VerifiedChunk {
	/// The light client's head it was verified on.
	base: (u32, H256),
	light_client: LightClient,
	queued: Vec<QueuedBlock>,
	skipped: Vec<String>,
	own_failures: Vec<String>,
	serving_member: Option<AccountId>,
	anchored: Option<Option<SidechainBlockConfirmation>>,
	anchor_events: Vec<(u32, u64, H256)>,
}

impl core::fmt::Debug for VerifiedChunk {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		// The queued inputs are plaintext calls: never printed.
		f.debug_struct("VerifiedChunk")
			.field("base", &self.base)
			.field("head", &self.light_client.last_finalized())
			.field("blocks", &self.queued.len())
			.finish_non_exhaustive()
	}
}

/// A parent block whose body and proof verified.
struct VerifiedBlock {
	number: u32,
	hash: H256,
	extrinsics: Vec<Vec<u8>>,
	events: indirect::Events,
	/// The vault's free + reserved balance.
	vault: Balance,
	/// The first signer in the shard's status.
	serving: Option<AccountId>,
	/// The shard's latest sidechain anchor.
	anchored: Option<SidechainBlockConfirmation>,
}

/// What names an input in a block's body: a call's hash, a shield's id, a
/// settled unshield's call hash; `None` for confirmations.
fn input_identity(input: &StfInput) -> Option<H256> {
	match input {
		StfInput::Call(call) => Some(call.hash()),
		StfInput::VerifiedCall(call) => Some(call.call().hash()),
		StfInput::Shield { id, .. } => Some(*id),
		StfInput::UnshieldPaid { call_hash } => Some(*call_hash),
		StfInput::Confirmed { .. } => None,
	}
}

fn call_outcome(outcome: &InputOutcome) -> CallOutcome {
	match outcome {
		InputOutcome::Executed { .. } => CallOutcome::Succeeded,
		InputOutcome::Rejected { reason: RejectReason::DispatchFailed(e) } => {
			CallOutcome::Failed(e.clone())
		}
		InputOutcome::Rejected { reason } => CallOutcome::Rejected(format!("{reason:?}")),
	}
}

/// Storage key of `System::Events`.
pub fn events_key() -> Vec<u8> {
	polkadot_sdk::frame_support::storage::storage_prefix(b"System", b"Events").to_vec()
}

fn hex_of(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

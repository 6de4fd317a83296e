//! # The worker's trusted core
//!
//! Everything a TEE must protect lives here, behind the narrow API of
//! [`Enclave`]: the keys (sealed), the parent-chain light client
//! (`integritee-light-client`), the confidential state transition function
//! and the shard's encrypted state (`integritee-stf`), the pool of direct
//! calls (`integritee-pool`) and the sidechain blocks
//! (`integritee-sidechain-primitives`). The untrusted host
//! (`integritee-worker`) only moves bytes: it fetches blocks, proofs and
//! justifications, submits the extrinsics this core signs, replicates the
//! blocks it proposes, and serves RPC.
//!
//! ## The host↔core API, one module per duty
//!
//! The host may be hostile. It supplies only outside data and picks moments
//! and nonces; the core decides the content of everything it signs from its
//! own sealed state. The public API is this table, nothing more.
//!
//! | module | operation | the host supplies | the core decides |
//! |---|---|---|---|
//! | [`open`](crate::open) | [`Enclave::open`] | data directory; shard and `max_instances` (first start only) | keys; refuses another build's seal, another shard than the anchored one, a missing light-client, state or secrets record |
//! | | [`Enclave::init_light_client_at`] | genesis hash, checkpoint header and its GRANDPA state proof (first start only) | header hashes to the trusted hash, authorities from the proof; the [`Anchor`] is sealed with the keys for life, candidate secrets with the light client |
//! | [`import`] | [`Enclave::import`] (or [`Enclave::verify_chunk`], which only reads, then [`Enclave::store_chunk`]) | finalized blocks, justification, storage proofs of [`Enclave::proof_keys`] | verification; the shard's inputs are queued (sealed, one transaction with the light client); rollback detection against the proven anchor; whether candidate secrets are the shard's ([`secrets`]) |
//! | [`provisioning`] | [`Enclave::provisioning_request`] then [`Enclave::accept_provisioning`] (joiner) | a member's package | an ephemeral key bound into a quote; the package answers the pending request, a proven member signed it, its key is the shard's on chain |
//! | | [`Enclave::provision`] (member) | a joiner's request, a proof of [`Enclave::provisioning_proof_keys`] at the light client's head | the quote verifies under the chain's rules, its MRENCLAVE may hold the secrets; sealed to the joiner's key, signed |
//! | [`block`] | [`Enclave::propose_block`] | the moment (it ages the pool's future calls), the Raft term, whether a heartbeat is due | the next sidechain block: which queued inputs, their execution, the signed header |
//! | | [`Enclave::commit_block`] | a block the replication committed | the block's checks (successor of the committed tip, author, signature, roots); state, block and consumed inputs in one transaction; invariant (issuance vs. vault) |
//! | [`duties`] | [`Enclave::sign_extrinsic`] | which duty ([`EnclaveCall`]), nonce, era | the call's content and the genesis hash (the anchored chain's) |
//! | | [`Enclave::tls_certificate`] | the moment, the validity | a fresh TLS key and a quote binding it, the signer and the shielding key |
//! | [`direct`] | [`Door::check`] then [`Enclave::admit`] | an encrypted direct call | decryption, signature, funded sender, nonce, pool limits; the call stays inside (the host holds an opaque ticket) |
//! | | [`Enclave::set_pool_limits`] | the pool's limits | (a host setting: a hostile host can only make its own pool smaller) |
//! | [`getters`] | [`Enclave::open_private_getter`] | an encrypted getter request, the moment | shard, serving, decryption (once), the owner's signature over getter, answer key and `min_block`, freshness, `min_block` at most a few blocks ahead; an opaque [`OpenedGetter`] |
//! | | [`Enclave::answer_private_getter`] (or both in one: [`Enclave::execute_private_getter`]) | an [`OpenedGetter`], the moment | `min_block` reached (or `NotYet`), the signed answer encrypted to the owner-signed answer key |
//!
//! Read-only accessors (keys' public halves, tip, anchor, health facts) are
//! in this file and in [`secrets`]. Errors are in [`error`]; the sealed files in `keys`,
//! `sealing` and `tables` are the crate's own.
//!
//! What the core must not do: network or RPC I/O, reading the clock for
//! anything that decides state, trusting any input the light client did not
//! verify.
//!
//! The only backend today is [`platform::SimulatedTee`], which protects
//! nothing against the host (see its documentation).
#![forbid(unsafe_code)]

pub mod block;
mod chain;
pub mod direct;
pub mod duties;
pub mod error;
pub mod getters;
pub mod import;
mod keys;
pub mod open;
pub mod platform;
pub mod provisioning;
mod sealing;
pub mod secrets;
mod tables;
pub mod testing;

use std::{
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
};

use integritee_light_client::LightClient;
use integritee_primitives::SidechainBlockConfirmation;
use integritee_sidechain_primitives::CommittedTip;
use integritee_stf::ShardState;
use integritee_stf_primitives::{AccountId, MrEnclave, ShardIdentifier};
use polkadot_sdk::sp_core::{ed25519, Pair, H256};

pub use block::{BlockLimits, BlockReport, Invariant, RejectedInput, UnshieldDue};
pub use direct::{Admission, DirectError, Door, Ticket};
pub use duties::EnclaveCall;
pub use error::{AnchorError, Error, RollbackDetected, RollbackKind, SigningRefused};
pub use getters::{GetterError, OpenedGetter};
pub use import::{
	events_key, timestamp_key, ImportReport, OwnFailure, ParentchainBlock, SkipReason,
	SkippedInput, VerifiedChunk,
};
pub use integritee_extrinsic::ExtrinsicParams;
pub use integritee_light_client as light_client;
pub use integritee_pool::{PoolError, PoolLimits, Readiness, Revalidated};
pub use integritee_sidechain_primitives as sidechain;
pub use keys::{shielding_key_hash, Anchor, SEALED_KEYS_FILE};
pub use open::Opened;
pub use platform::TeePlatform;
pub use provisioning::{ProvisioningPackage, ProvisioningRefused, ProvisioningRequest};
pub use secrets::SecretsOrigin;

/// What the host may know of the STF: constants and the calls root of a
/// confirmation (the STF's state and its verified-call constructors stay
/// inside the core).
pub mod stf {
	pub use integritee_stf::{calls_root, DEFAULT_UNSHIELD_LIFETIME};
}

use crate::{
	block::Proposed,
	chain::OwnChain,
	direct::PooledCall,
	keys::EnclaveKeys,
	sealing::{RecordKey, SealingKey},
	secrets::HeldSecrets,
	tables::CoreTables,
};

/// The directory of the shard databases in the data directory.
pub const STATE_DIR: &str = "shards";

/// Where the trusted core keeps its files and which shard it serves.
#[derive(Clone, Debug)]
pub struct EnclaveConfig {
	pub data_dir: PathBuf,
	/// The shard; `None` means the implicit shard named after MRENCLAVE.
	/// Fixed at first start (sealed in the [`Anchor`]).
	pub shard: Option<ShardIdentifier>,
	/// `max_instances` for a shard this enclave creates; read at first
	/// start only (sealed in the [`Anchor`]).
	pub max_instances: u32,
}

/// The trusted core of one enclave instance. Its fields are private to the
/// crate; each operation lives in the module of its duty (see the table in
/// the crate documentation).
pub struct Enclave {
	pub(crate) platform: Arc<dyn TeePlatform>,
	/// Seals the keys with their anchor (the platform's key for this build).
	pub(crate) sealing: SealingKey,
	/// The instance's own keys (signer, record seed).
	pub(crate) keys: EnclaveKeys,
	/// The shard's secrets, if this instance holds them (see [`secrets`]).
	pub(crate) secrets: Option<HeldSecrets>,
	pub(crate) anchor: Option<Anchor>,
	/// Seals this instance's records; set with the anchor.
	pub(crate) records: Option<RecordKey>,
	pub(crate) shard: ShardIdentifier,
	/// `max_instances` for the anchor, until it is sealed.
	pub(crate) max_instances: u32,
	pub(crate) vault: AccountId,
	pub(crate) light_client: Option<LightClient>,
	/// The shard database (the core's tables, the STF's, the host's Raft
	/// tables).
	pub(crate) db: Arc<redb::Database>,
	/// The shard's state, held by the instance that created the shard
	/// (`None`: unprovisioned, a candidate or a standby).
	pub(crate) state: Option<ShardState>,
	pub(crate) tables: CoreTables,
	/// The last committed sidechain block.
	pub(crate) tip: CommittedTip,
	/// Hashes of the committed chain, authenticated from the tip.
	pub(crate) own_chain: OwnChain,
	/// The block proposed last, until it is committed or superseded
	/// (proposing only reads the state: the host proposes beside getters).
	pub(crate) proposed: std::sync::Mutex<Option<Proposed>>,
	/// The shard's latest sidechain anchor on the parent chain, from the
	/// last imported block's proof (`None`: not known in this run; until it
	/// is, the core produces, admits and pays nothing).
	pub(crate) anchored: Option<Option<SidechainBlockConfirmation>>,
	pub(crate) rollback: Option<RollbackDetected>,
	/// The invariant after the last block imported in this run (`None`
	/// before the first: payouts wait for it).
	pub(crate) invariant: Option<Invariant>,
	/// The hash of the shard's shielding key, per the proof of the last
	/// imported block (`None` before the first import of this run,
	/// `Some(None)` while the shard is not created).
	pub(crate) shard_key: Option<Option<[u8; 32]>>,
	/// Whether this enclave's registration was current at the last imported
	/// block (`None` before the first import of this run).
	pub(crate) registration_current: Option<bool>,
	/// Whether the shard's configuration lets this build serve at the last
	/// imported block (`None` before the first import of this run): after
	/// an upgrade's grace period the replaced build stops.
	pub(crate) code_admitted: Option<bool>,
	/// Another enclave that serves the shard, per the proven `ShardStatus`
	/// of the last imported block.
	pub(crate) serving_member: Option<AccountId>,
	/// The shard's members (its active signers), per the proven
	/// `ShardStatus` of the last imported block (`None` before the first
	/// import of this run).
	pub(crate) members: Option<Vec<AccountId>>,
	/// The provisioning request this instance waits an answer for.
	pub(crate) provisioning: Mutex<Option<provisioning::PendingRequest>>,
	/// Direct calls waiting for a block.
	pub(crate) pool: Mutex<integritee_pool::Pool<PooledCall>>,
	pub(crate) door: Door,
	pub(crate) data_dir: PathBuf,
	/// Private getter requests decrypted (see [`Enclave::getters_opened`]).
	pub(crate) getters_opened: std::sync::atomic::AtomicU64,
}

impl Enclave {
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

	/// The shard's members (active signers, in the order they joined) per
	/// the last imported block's proof (`None` before the first import of
	/// this run).
	pub fn shard_members(&self) -> Option<&[AccountId]> {
		self.members.as_deref()
	}

	/// The last parent-chain block the shard's state includes.
	pub fn last_processed(&self) -> Option<(u32, H256)> {
		self.state.as_ref().and_then(ShardState::parentchain_anchor)
	}

	/// The shard's state, if this instance holds it; else why not.
	pub(crate) fn shard_state(&self) -> Result<&ShardState, SigningRefused> {
		match (&self.state, &self.secrets) {
			(Some(state), _) => Ok(state),
			(None, None) => Err(SigningRefused::NotProvisioned),
			(None, Some(held)) => Err(match held.origin {
				secrets::SecretsOrigin::Provisioned { .. } => SigningRefused::Standby,
				_ => SigningRefused::ShardNotCreated,
			}),
		}
	}

	pub(crate) fn shard_state_mut(&mut self) -> Result<&mut ShardState, SigningRefused> {
		self.shard_state()?;
		self.state.as_mut().ok_or(SigningRefused::NotProvisioned)
	}

	/// The parent block whose inputs the shard's state includes, or after
	/// which this instance queues them: the state's, else where its queue
	/// starts, else its checkpoint.
	pub(crate) fn inputs_included(&self) -> Option<(u32, H256)> {
		self.last_processed()
			.or_else(|| self.secrets.as_ref().and_then(|held| held.origin.queues_after()))
			.or_else(|| self.anchor.as_ref().map(|anchor| anchor.checkpoint))
	}

	/// The last committed sidechain block.
	pub fn sidechain_tip(&self) -> &CommittedTip {
		&self.tip
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
		self.db.clone()
	}

	/// Parent blocks whose inputs wait for a sidechain block.
	pub fn queued_blocks(&self) -> Result<u64, Error> {
		self.tables.queued_blocks()
	}

	/// Data directory of this enclave.
	pub fn data_dir(&self) -> &Path {
		&self.data_dir
	}
}

//! Opening the core and its anchor: the sealed keys, the light client with
//! the shard's secrets and (if this instance holds it) the shard's state
//! are opened together, and a core that was anchored
//! (chain, checkpoint, shard, `max_instances`, sealed with the keys at
//! first start) never starts over on its own: a missing file is an error.
//!
//! What a hostile host can do here: delete files (refused: the anchor says
//! what must exist), hand another shard (refused: the anchor names it),
//! pick the first checkpoint (it must hash to the operator's trusted hash
//! and, at block 0, be the genesis block itself; a fabricated checkpoint
//! makes an instance that can never register, see `duties`), keep a copy of
//! the keys from before the anchor (there is none: keys are sealed only
//! with their anchor), bring the light client or queue entries of another
//! instance (they do not open: records are sealed with the instance's own
//! record key), or a light client that does not end where the queue does
//! (refused at open).

use std::sync::{Arc, Mutex};

use codec::Decode;
use integritee_light_client::{Checkpoint, Header, LightClient};
use integritee_runtime::Runtime;
use integritee_sidechain_primitives::CommittedTip;
use integritee_stf::{ShardState, StfConfig};
use integritee_stf_primitives::{MrEnclave, ShardIdentifier};
use polkadot_sdk::sp_core::H256;

use crate::{
	chain::OwnChain,
	direct::Door,
	error::{AnchorError, Error},
	keys::{Anchor, EnclaveKeys, ShardSecrets},
	sealing::{RecordKey, SealingKey},
	secrets::{HeldSecrets, SecretsOrigin},
	tables::{CoreTables, ImportWrite},
	Enclave, EnclaveConfig, PoolLimits, TeePlatform, STATE_DIR,
};

/// What [`Enclave::open`] found.
#[derive(Debug)]
pub struct Opened {
	/// The keys are new (not anchored yet: they are sealed with the anchor).
	pub new_keys: bool,
	/// A shard state an earlier, unanchored start left behind, moved here:
	/// it was encrypted with keys that were never sealed, so nothing can
	/// read it, but it is kept rather than deleted.
	pub set_aside: Option<std::path::PathBuf>,
}

impl Enclave {
	/// Opens the trusted core: unseals the keys with their anchor (or makes
	/// new keys, sealed only once anchored), the light client and the
	/// shard's state.
	///
	/// Once anchored (after [`Self::init_light_client_at`]), a missing
	/// light-client or state file is an error ([`AnchorError::MissingFile`]),
	/// never a fresh start, and the shard is the anchored one.
	pub fn open(
		platform: Arc<dyn TeePlatform>,
		config: EnclaveConfig,
	) -> Result<(Self, Opened), Error> {
		std::fs::create_dir_all(&config.data_dir)
			.map_err(|e| Error::Io(format!("cannot create {}: {e}", config.data_dir.display())))?;
		let sealing = SealingKey::derive(platform.as_ref());
		let (keys, anchor) = match EnclaveKeys::unseal(&config.data_dir, &sealing)? {
			Some((keys, anchor)) => (keys, Some(anchor)),
			None => (EnclaveKeys::generate()?, None),
		};
		let records = anchor.as_ref().map(|anchor| keys.record_key(anchor));
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
		let mut set_aside = None;
		match &anchor {
			// The state file must exist before opening it would create a
			// new, empty one.
			Some(anchor) if !state_path.exists() => {
				let (path, genesis) = (state_path, anchor.genesis_hash);
				return Err(AnchorError::MissingFile { what: "shard state", path, genesis }.into());
			}
			// No keys were ever sealed here: a state file is left from a
			// first start stopped before its anchor (nothing was imported),
			// encrypted with keys that are gone.
			None if state_path.exists() => set_aside = Some(set_aside_file(&state_path)?),
			_ => {}
		}
		let db = Arc::new(
			redb::Database::builder()
				.set_cache_size(integritee_stf::DEFAULT_DB_CACHE_BYTES)
				.create(&state_path)
				.map_err(|e| Error::Storage(format!("{}: {e}", state_path.display())))?,
		);
		let tables = CoreTables::new(db.clone())?;
		let (light_client, secrets) = match (&anchor, &records) {
			(Some(anchor), Some(records)) => {
				let (light_client, secrets) =
					tables.light_client(records, anchor)?.ok_or_else(|| {
						AnchorError::MissingFile {
							what: "light client (in the shard state)",
							path: state_path.clone(),
							genesis: anchor.genesis_hash,
						}
					})?;
				(Some(light_client), secrets.map(HeldSecrets::from_record))
			}
			// A new instance's candidate secrets, in memory until they are
			// sealed with the anchor (`init_light_client_at`): the enclave
			// has a shielding key from its first start on.
			_ => {
				let candidate = HeldSecrets {
					secrets: ShardSecrets::generate()?,
					origin: SecretsOrigin::Candidate { since: (0, H256::zero()) },
				};
				(None, Some(candidate))
			}
		};
		let new_keys = records.is_none();
		let vault = pallet_enclave_bridge::Pallet::<Runtime>::vault_account(&shard);
		let door = Door::new(mr_enclave, shard);
		let tip = Self::committed_tip(None, &tables, anchor.as_ref(), shard)?;
		let mut enclave = Self {
			platform,
			sealing,
			keys,
			secrets: None,
			anchor,
			records,
			shard,
			max_instances: config.max_instances,
			vault,
			light_client,
			db,
			state: None,
			tables,
			own_chain: OwnChain::from_tip(tip.number, tip.hash),
			tip,
			proposed: Default::default(),
			anchored: None,
			rollback: None,
			invariant: None,
			shard_key: None,
			registration_current: None,
			code_admitted: None,
			serving_member: None,
			members: None,
			provisioning: Default::default(),
			pool: Mutex::new(integritee_pool::Pool::new(PoolLimits::default())),
			door,
			data_dir: config.data_dir,
			getters_opened: Default::default(),
		};
		enclave.hold_secrets(secrets)?;
		enclave.check_queue_ends_at()?;
		Ok((enclave, Opened { new_keys, set_aside }))
	}

	/// The light client and the queue end at the same parent block: the
	/// last queued one, or (with nothing queued) the block the state
	/// includes, unless the state came from elsewhere and is ahead. A light
	/// client from another moment than its queue is refused. An instance
	/// that queues nothing (unprovisioned, standby) has an empty queue.
	fn check_queue_ends_at(&self) -> Result<(), Error> {
		let (Some(light_client), Some(records)) = (&self.light_client, &self.records) else {
			return Ok(());
		};
		let head = light_client.last_finalized();
		let last_queued = self.tables.last_queued(records)?;
		let queues = self.queues_inputs();
		let in_step = match (last_queued, self.inputs_included()) {
			(Some(last), _) => queues && last == head,
			(None, _) if !queues => true,
			(None, Some(included)) => head == included || head.0 < included.0,
			(None, None) => false,
		};
		if !in_step {
			let what =
				format!("end elsewhere than the light client's head #{} {:?}", head.0, head.1);
			return Err(Error::QueueTampered { number: head.0, what });
		}
		Ok(())
	}

	/// Whether this instance queues the shard's inputs at import (it holds
	/// secrets it made: a candidate or the creator).
	pub(crate) fn queues_inputs(&self) -> bool {
		self.secrets.as_ref().is_some_and(|held| held.origin.queues_after().is_some())
	}

	/// The committed tip: the state's sidechain head, whose block must be
	/// stored beside it (one transaction wrote both); block 0 without a
	/// state.
	pub(crate) fn committed_tip(
		state: Option<&ShardState>,
		tables: &CoreTables,
		anchor: Option<&Anchor>,
		shard: ShardIdentifier,
	) -> Result<CommittedTip, Error> {
		let head = state.map(ShardState::sidechain_head).unwrap_or_default();
		if head.number == 0 {
			return Ok(CommittedTip {
				shard,
				number: 0,
				hash: H256::zero(),
				term: 0,
				parentchain_anchor: anchor.map(|a| a.checkpoint).unwrap_or_default(),
				state_root: state.map(ShardState::state_root).unwrap_or_default(),
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

	/// The anchor and the record key, once anchored.
	pub(crate) fn anchored_records(&self) -> Result<(&Anchor, &RecordKey), AnchorError> {
		self.anchor.as_ref().zip(self.records.as_ref()).ok_or(AnchorError::NotAnchored)
	}

	pub(crate) fn stf_config(shard: ShardIdentifier, mr_enclave: MrEnclave) -> StfConfig {
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
		// The light client first, then the keys with their anchor: a crash
		// in between leaves no keys, so the next start begins afresh (the
		// state file is set aside); once the keys are sealed, both exist.
		let anchor = Anchor {
			genesis_hash,
			checkpoint: (number, hash),
			shard: self.shard,
			max_instances: self.max_instances,
		};
		let records = self.keys.record_key(&anchor);
		// The candidate secrets made at open, sealed now: the instance
		// registers with them and creates the shard unless the chain
		// already knows another key (then the first import drops them, see
		// `crate::secrets`).
		let secrets = match &self.secrets {
			Some(held) => held.secrets.clone(),
			None => ShardSecrets::generate()?,
		};
		let candidate =
			HeldSecrets { secrets, origin: SecretsOrigin::Candidate { since: anchor.checkpoint } };
		let record = candidate.record();
		let write = ImportWrite { secrets: Some(&record), clear_queue: false };
		self.tables.store_import(&records, &anchor, &light_client, &[], write)?;
		self.keys.seal_with_anchor(&self.data_dir, &self.sealing, &anchor)?;
		self.light_client = Some(light_client);
		self.tip.parentchain_anchor = anchor.checkpoint;
		self.anchor = Some(anchor);
		self.records = Some(records);
		self.hold_secrets(Some(candidate))
	}
}

/// Moves `path` to the first free `<path>.unanchored-<n>`; returns it.
fn set_aside_file(path: &std::path::Path) -> Result<std::path::PathBuf, Error> {
	for n in 1..1000u32 {
		let mut aside = path.as_os_str().to_owned();
		aside.push(format!(".unanchored-{n}"));
		let aside = std::path::PathBuf::from(aside);
		if !aside.exists() {
			std::fs::rename(path, &aside).map_err(|e| {
				Error::Io(format!("cannot move {} to {}: {e}", path.display(), aside.display()))
			})?;
			return Ok(aside);
		}
	}
	Err(Error::Io(format!("{} has 999 set-aside copies: clean them up", path.display())))
}

fn hex_of(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

//! Opening the core and its anchor: the sealed keys, the shard's state and
//! the light client are opened together, and a core that was anchored
//! (chain, checkpoint, shard, `max_instances`, sealed with the keys at
//! first start) never starts over on its own: a missing file is an error.
//!
//! What a hostile host can do here: delete files (refused: the anchor says
//! what must exist), hand another shard (refused: the anchor names it),
//! pick the first checkpoint (it must hash to the operator's trusted hash
//! and, at block 0, be the genesis block itself).

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
	keys::{Anchor, EnclaveKeys},
	sealing::SealingKey,
	tables::CoreTables,
	Enclave, EnclaveConfig, PoolLimits, TeePlatform, STATE_DIR,
};

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
			own_chain: OwnChain::from_tip(tip.number, tip.hash),
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
}

fn hex_of(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

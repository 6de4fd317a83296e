//! The shard's secrets in this instance: where they came from, and how an
//! import changes that.
//!
//! A new instance makes **candidate** secrets when it is anchored (sealed
//! with its light client): it registers with their shielding key and
//! creates the shard if nobody did. The first import that proves the
//! shard's key on chain decides:
//! - the key is the candidate's: the secrets are the shard's (**created**),
//!   and the shard's state is opened with them;
//! - another key: another enclave's creation won. The candidate secrets are
//!   dropped with every input queued under them, and the instance is
//!   **unprovisioned** until a member provisions it (`crate::provisioning`).
//!
//! An unprovisioned instance that sees the shard not created (root removed
//! it) makes new candidate secrets. A **provisioned** instance holds the
//! shard's secrets but not its state: a standby, which queues nothing and
//! serves nothing (the state comes with the sidechain's replication).
//!
//! What a hostile host can do here: feed old blocks in which the shard is
//! not created (the core follows only finalized, proven blocks: the decision
//! comes at the block that proves the key, whoever made it), delete the
//! sealed secrets (refused at open: the light-client record names them), or
//! restore a copy from before a candidate lost (the next import drops them
//! again).

use std::sync::Arc;

use codec::{Decode, Encode};
use integritee_stf_primitives::{shielding::ShieldingKeyPair, AccountId};
use polkadot_sdk::sp_core::H256;

use crate::{keys::ShardSecrets, tables::SecretsRecord, Enclave, Error};

/// How this instance came to hold the shard's secrets.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub enum SecretsOrigin {
	/// Made here for a shard nobody created yet: the instance registers
	/// with them and creates the shard; they are dropped if another
	/// enclave's creation wins. Inputs are queued after parent block
	/// `since`.
	Candidate { since: (u32, H256) },
	/// Made here, and the parent chain recorded their shielding key for the
	/// shard: this instance created it. Inputs are queued after `since`.
	Created { since: (u32, H256) },
	/// Received from the shard's member `from`, whose light client was at
	/// parent block `at`. The instance holds no state of the shard (a
	/// standby: the state comes with the sidechain's replication).
	Provisioned { from: AccountId, at: (u32, H256) },
}

impl SecretsOrigin {
	/// The parent block after which this instance queues the shard's
	/// inputs, if it queues any.
	pub fn queues_after(&self) -> Option<(u32, H256)> {
		match self {
			Self::Candidate { since } | Self::Created { since } => Some(*since),
			Self::Provisioned { .. } => None,
		}
	}
}

/// The shard's secrets this instance holds.
#[derive(Clone, Debug)]
pub(crate) struct HeldSecrets {
	pub secrets: ShardSecrets,
	pub origin: SecretsOrigin,
}

impl HeldSecrets {
	pub fn from_record(record: SecretsRecord) -> Self {
		Self { secrets: ShardSecrets::from_seeds(record.seeds), origin: record.origin }
	}

	pub fn record(&self) -> SecretsRecord {
		SecretsRecord { seeds: self.secrets.seeds().clone(), origin: self.origin.clone() }
	}

	pub fn key_hash(&self) -> [u8; 32] {
		self.secrets.shielding_key_hash()
	}
}

/// What an import does to the shard's secrets.
pub(crate) enum SecretsStep {
	/// Nothing changes.
	Keep,
	/// New candidate secrets (the shard is proven not created, the instance
	/// held none).
	Candidate(HeldSecrets),
	/// The chain recorded the candidate's key: the shard is this
	/// instance's creation.
	Created,
	/// Another key was recorded: the candidate's secrets and queue go.
	Lost,
}

impl Enclave {
	/// What a chunk whose last block proves `shard_key` (the hash of the
	/// shard's shielding key, `None`: not created) does to the secrets; the
	/// chunk follows parent block `base`.
	pub(crate) fn secrets_step(
		&self,
		shard_key: Option<[u8; 32]>,
		base: (u32, H256),
	) -> Result<SecretsStep, Error> {
		Ok(match (&self.secrets, shard_key) {
			(None, None) => SecretsStep::Candidate(HeldSecrets {
				secrets: ShardSecrets::generate()?,
				origin: SecretsOrigin::Candidate { since: base },
			}),
			(Some(held), Some(key)) if matches!(held.origin, SecretsOrigin::Candidate { .. }) => {
				if key == held.key_hash() {
					SecretsStep::Created
				} else {
					SecretsStep::Lost
				}
			}
			_ => SecretsStep::Keep,
		})
	}

	/// The secrets after `step`.
	pub(crate) fn secrets_after(&self, step: &SecretsStep) -> Option<HeldSecrets> {
		match step {
			SecretsStep::Keep => self.secrets.clone(),
			SecretsStep::Candidate(held) => Some(held.clone()),
			SecretsStep::Created => self.secrets.clone().map(|held| HeldSecrets {
				origin: match held.origin {
					SecretsOrigin::Candidate { since } => SecretsOrigin::Created { since },
					other => other,
				},
				..held
			}),
			SecretsStep::Lost => None,
		}
	}

	/// Takes `held` as this instance's secrets: the door gets the shielding
	/// key and, for secrets that were created here, the shard's state opens.
	pub(crate) fn hold_secrets(&mut self, held: Option<HeldSecrets>) -> Result<(), Error> {
		// The door decrypts with the key held (a candidate's calls are
		// refused at admission: it serves nothing).
		self.door.provide(held.as_ref().map(|held| held.secrets.shielding.clone()));
		if let Some(held) = &held {
			if let SecretsOrigin::Created { .. } = held.origin {
				if self.state.is_none() {
					let config = Self::stf_config(self.shard, self.mr_enclave());
					let state = integritee_stf::ShardState::open_in(
						self.db.clone(),
						&held.secrets.state_key,
						config,
					)?;
					self.tip = Self::committed_tip(
						Some(&state),
						&self.tables,
						self.anchor.as_ref(),
						self.shard,
					)?;
					self.own_chain =
						crate::chain::OwnChain::from_tip(self.tip.number, self.tip.hash);
					self.state = Some(state);
				}
			}
		}
		self.secrets = held;
		// Before its first block the tip names where the inputs start.
		if self.tip.number == 0 {
			if let Some(included) = self.inputs_included() {
				self.tip.parentchain_anchor = included;
			}
		}
		Ok(())
	}

	/// The shielding key this instance holds (a candidate's, the shard's),
	/// if any.
	pub(crate) fn shielding_pair(&self) -> Option<&Arc<ShieldingKeyPair>> {
		self.secrets.as_ref().map(|held| &held.secrets.shielding)
	}

	/// The public key of the shielding key this instance holds: a
	/// candidate's (before the shard exists) or the shard's; `None` while
	/// unprovisioned.
	pub fn shielding_public_key(&self) -> Option<[u8; 32]> {
		self.shielding_pair().map(|pair| pair.public_key())
	}

	/// SHA-256 of [`Self::shielding_public_key`]: what the chain records for
	/// the shard and clients compare.
	pub fn shielding_key_hash(&self) -> Option<[u8; 32]> {
		self.secrets.as_ref().map(HeldSecrets::key_hash)
	}

	/// How this instance came to hold the shard's secrets (`None`:
	/// unprovisioned).
	pub fn secrets_origin(&self) -> Option<&SecretsOrigin> {
		self.secrets.as_ref().map(|held| &held.origin)
	}
}

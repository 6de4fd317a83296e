//! Parent-chain import: a chunk of finalized blocks is verified (GRANDPA
//! justification, ancestry, each body against its extrinsics root, the
//! proven storage values), the shard's inputs are collected
//! ([`inputs`]) and queued with the light client in one transaction. The
//! proven anchor of the shard's sidechain is compared with the committed
//! tip (rollback detection).
//!
//! What a hostile host can do here: withhold or delay blocks (the core
//! follows later, never wrongly), feed blocks of another chain or forged
//! proofs (refused: the light client and the proofs verify them), verify a
//! chunk and store it after another import (refused: [`Error::StaleChunk`]).

// Public: a pure function of verified data that needs the shielding key,
// which only the core holds (its tests call it directly).
pub mod inputs;
mod proof;

use integritee_light_client::{Header, LightClient};
use integritee_primitives::SidechainBlockConfirmation;
use integritee_runtime::Runtime;
use integritee_stf_primitives::AccountId;
use polkadot_sdk::{frame_system, sp_core::H256};

pub use inputs::{OwnFailure, SkipReason, SkippedInput};
pub use proof::{events_key, timestamp_key};

use crate::{
	error::{Error, RollbackDetected},
	secrets::{HeldSecrets, SecretsStep},
	tables::{ImportWrite, QueuedBlock, QueuedInput},
	Enclave,
};

/// One finalized parent-chain block as the host delivers it.
#[derive(Clone, Debug)]
pub struct ParentchainBlock {
	pub header: Header,
	/// The SCALE-encoded extrinsics of the body.
	pub extrinsics: Vec<Vec<u8>>,
	/// A read proof of [`Enclave::proof_keys`] at this block's state root.
	pub proof: Vec<Vec<u8>>,
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
	pub skipped: Vec<SkippedInput>,
	/// This enclave's extrinsics that failed on chain.
	pub own_failures: Vec<OwnFailure>,
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

impl Enclave {
	/// The hash of the shard's shielding key on the parent chain, as
	/// proven by the last imported block: `None` before the first import of
	/// this run, `Some(None)` while nobody created the shard.
	pub fn shard_key(&self) -> Option<Option<[u8; 32]>> {
		self.shard_key
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

	/// The storage keys the host must prove for every block: `System::Events`,
	/// the vault's `System::Account`, the shard's `ShardStatus`, its latest
	/// sidechain anchor and its shielding key, this enclave's registration,
	/// the chain's time and the shard's configuration.
	pub fn proof_keys(&self) -> Vec<Vec<u8>> {
		vec![
			events_key(),
			frame_system::Account::<Runtime>::hashed_key_for(&self.vault),
			pallet_enclave_bridge::ShardStatus::<Runtime>::hashed_key_for(self.shard),
			pallet_sidechain::LatestSidechainBlockConfirmation::<Runtime>::hashed_key_for(
				self.shard,
			),
			pallet_enclave_bridge::ShardShieldingKeys::<Runtime>::hashed_key_for(self.shard),
			pallet_teerex::SovereignEnclaves::<Runtime>::hashed_key_for(self.account()),
			timestamp_key(),
			pallet_enclave_bridge::ShardConfigRegistry::<Runtime>::hashed_key_for(self.shard),
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
		let verified = blocks
			.into_iter()
			.map(|block| Self::verify_block(block, &keys))
			.collect::<Result<Vec<_>, Error>>()?;
		let account = self.account();
		let mr_enclave = self.mr_enclave();
		let mut chunk = VerifiedChunk {
			base,
			light_client,
			queued: Vec::with_capacity(verified.len()),
			skipped: Vec::new(),
			own_failures: Vec::new(),
			serving_member: self.serving_member.clone(),
			members: self.members.clone(),
			anchored: self.anchored,
			shard_key: self.shard_key,
			registration_current: self.registration_current,
			code_admitted: self.code_admitted,
			anchor_events: Vec::new(),
			secrets: SecretsStep::Keep,
		};
		if let Some(last) = verified.last() {
			chunk.registration_current = Some(last.registration_current());
			chunk.serving_member = last.members.first().filter(|first| **first != account).cloned();
			chunk.members = Some(last.members.clone());
			chunk.anchored = Some(last.anchored);
			chunk.shard_key = Some(last.shard_key);
			chunk.code_admitted = Some(last.admits(mr_enclave));
			chunk.secrets = self.secrets_step(last.shard_key, base)?;
		}
		// The shard's inputs are queued by an instance that holds secrets it
		// made (a candidate, the creator), decrypted with them; blocks the
		// state already includes are not queued again (a member whose state
		// came from elsewhere may import behind it).
		let Some(held) = self.secrets_after(&chunk.secrets) else { return Ok(chunk) };
		let Some(queues_after) = held.origin.queues_after() else { return Ok(chunk) };
		let included = self.last_processed().unwrap_or(queues_after).0;
		for block in verified {
			if block.number <= included {
				continue;
			}
			let number = block.number;
			let inputs = inputs::collect(
				number,
				block.hash,
				&block.extrinsics,
				&block.events,
				&self.shard,
				&account,
				&held.secrets.shielding,
			);
			chunk.anchor_events.extend(inputs.anchored.iter().map(|(n, h)| (number, *n, *h)));
			chunk.skipped.extend(inputs.skipped);
			chunk.own_failures.extend(inputs.own_failures);
			chunk.queued.push(QueuedBlock {
				number,
				hash: block.hash,
				parent_hash: block.parent_hash,
				inputs: inputs
					.inputs
					.into_iter()
					.map(|input| QueuedInput::check(input, &mr_enclave, &self.shard))
					.collect(),
				vault: block.vault,
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
		let (anchor, records) = self.anchored_records()?;
		let secrets = self.secrets_after(&chunk.secrets);
		let record = secrets.as_ref().map(HeldSecrets::record);
		let write = ImportWrite {
			secrets: record.as_ref(),
			clear_queue: matches!(chunk.secrets, SecretsStep::Lost),
		};
		self.tables.store_import(records, anchor, &chunk.light_client, &chunk.queued, write)?;
		match &chunk.secrets {
			SecretsStep::Lost => log::warn!(
				"another enclave created shard {:?} first: this instance drops its candidate \
				 secrets and waits to be provisioned by a member",
				self.shard
			),
			SecretsStep::Created => {
				log::info!(
					"the parent chain recorded this enclave's key for shard {:?}",
					self.shard
				)
			}
			_ => {}
		}
		self.hold_secrets(secrets)?;
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
		self.members = chunk.members;
		self.anchored = chunk.anchored;
		self.shard_key = chunk.shard_key;
		self.registration_current = chunk.registration_current;
		self.code_admitted = chunk.code_admitted;
		self.check_rollback()?;
		Ok(ImportReport { rollback: self.rollback.clone(), ..report })
	}
}

/// A chunk of parent blocks that verified ([`Enclave::verify_chunk`]),
/// waiting to be stored.
pub struct VerifiedChunk {
	/// The light client's head it was verified on.
	base: (u32, H256),
	light_client: LightClient,
	queued: Vec<QueuedBlock>,
	skipped: Vec<SkippedInput>,
	own_failures: Vec<OwnFailure>,
	serving_member: Option<AccountId>,
	anchored: Option<Option<SidechainBlockConfirmation>>,
	shard_key: Option<Option<[u8; 32]>>,
	registration_current: Option<bool>,
	code_admitted: Option<bool>,
	anchor_events: Vec<(u32, u64, H256)>,
	members: Option<Vec<AccountId>>,
	secrets: SecretsStep,
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

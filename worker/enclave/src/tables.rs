//! The core's own tables in the shard's database file, beside the STF's
//! (`integritee_stf::STF_TABLES`): the light client, the verified
//! parent-chain inputs waiting for a sidechain block, and the committed
//! sidechain blocks. One file, so that an import (light client + queued
//! inputs) and a block (state change + block + consumed inputs) are each
//! one transaction: after a crash at any point no verified input is lost or
//! queued twice.
//!
//! The shard's secrets ([`SecretsRecord`]) are a record of their own in the
//! light-client table, sealed like it; the light-client record names the
//! hash of the shielding key they hold (or none), and both are written in
//! every import's transaction, so neither can be removed or swapped alone.
//!
//! Light client and queue entries are sealed with the instance's record key
//! ([`RecordKey`]): the host can neither read the calls, nor move an entry
//! to another place, nor bring entries of another instance or anchor. The
//! light-client record names its anchor and its last finalized block;
//! queued parent blocks name their parent, and are taken only as an
//! unbroken hash chain from the block the state includes. Blocks are stored
//! as they travel between members: header and body, whose state diff is
//! encrypted with the state key.

use std::sync::Arc;

use codec::{Decode, Encode};
use integritee_light_client::LightClient;
use integritee_sidechain_primitives::{SidechainHeader, SignedSidechainBlock};
use integritee_stf::{StfInput, VerifiedCall};
use integritee_stf_primitives::{
	AccountId, Balance, MrEnclave, ShardIdentifier, TrustedCallSigned,
};
use polkadot_sdk::sp_core::H256;
use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};

use crate::{
	keys::{Anchor, ShardSecrets, ShardSeeds},
	sealing::{Record, RecordKey},
	secrets::SecretsOrigin,
	Error,
};

const LIGHT_CLIENT: TableDefinition<&str, &[u8]> = TableDefinition::new("light_client");
const INPUT_QUEUE: TableDefinition<u32, &[u8]> = TableDefinition::new("parentchain_inputs");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("sidechain_blocks");

const LIGHT_CLIENT_KEY: &str = "state";
const SHARD_SECRETS_KEY: &str = "shard secrets";

/// The sealed light client with what it belongs to.
#[derive(Encode, Decode)]
struct LightClientRecord {
	anchor: Anchor,
	/// The light client's last finalized block when it was stored.
	finalized: (u32, H256),
	light_client: LightClient,
	/// The hash of the shielding key of the shard's secrets stored beside
	/// it, if any.
	secrets: Option<[u8; 32]>,
}

/// The shard's secrets as sealed, with how they came here.
#[derive(Encode, Decode, Clone)]
pub(crate) struct SecretsRecord {
	pub seeds: ShardSeeds,
	pub origin: SecretsOrigin,
}

impl SecretsRecord {
	pub fn key_hash(&self) -> [u8; 32] {
		ShardSecrets::from_seeds(self.seeds.clone()).shielding_key_hash()
	}
}

/// What an import writes beside the light client.
pub(crate) struct ImportWrite<'a> {
	/// The shard's secrets after the import (`None`: the instance holds
	/// none; a stored record is removed).
	pub secrets: Option<&'a SecretsRecord>,
	/// The queued inputs are dropped first (a candidate whose creation lost
	/// queued them decrypted with its own, now worthless, key).
	pub clear_queue: bool,
}

/// One verified parent-chain block's inputs for the shard, waiting for a
/// sidechain block.
#[derive(Encode, Decode, Clone, Debug)]
pub(crate) struct QueuedBlock {
	pub number: u32,
	pub hash: H256,
	pub parent_hash: H256,
	pub inputs: Vec<QueuedInput>,
	/// The vault's balance (free + reserved) at this block: the invariant
	/// once the state includes it.
	pub vault: Balance,
}

/// A queued input. Calls were checked at the door: a verified call's
/// signature is not checked again; an unverified one stays in the queue so
/// that the block records its rejection.
#[derive(Encode, Decode, Clone, Debug)]
pub(crate) enum QueuedInput {
	VerifiedCall(TrustedCallSigned),
	UnverifiedCall(TrustedCallSigned),
	Shield { id: H256, beneficiary: AccountId, amount: Balance },
	UnshieldPaid { call_hash: H256 },
	Confirmed { up_to: u32 },
}

impl QueuedInput {
	/// Checks a call's signature (outside any state lock, once).
	pub fn check(input: StfInput, mr_enclave: &MrEnclave, shard: &ShardIdentifier) -> Self {
		match input {
			StfInput::Call(call) => match VerifiedCall::verify(call, mr_enclave, shard) {
				Ok(verified) => Self::VerifiedCall(verified.into_inner()),
				Err(call) => Self::UnverifiedCall(*call),
			},
			StfInput::VerifiedCall(call) => Self::VerifiedCall(call.into_inner()),
			StfInput::Shield { id, beneficiary, amount } => {
				Self::Shield { id, beneficiary, amount }
			}
			StfInput::UnshieldPaid { call_hash } => Self::UnshieldPaid { call_hash },
			StfInput::Confirmed { up_to } => Self::Confirmed { up_to },
		}
	}

	pub fn into_input(self) -> StfInput {
		match self {
			// Only calls that passed `VerifiedCall::verify` are queued as
			// verified, and the queue is sealed.
			Self::VerifiedCall(call) => {
				StfInput::VerifiedCall(VerifiedCall::from_sealed_storage(call))
			}
			Self::UnverifiedCall(call) => StfInput::Call(call),
			Self::Shield { id, beneficiary, amount } => {
				StfInput::Shield { id, beneficiary, amount }
			}
			Self::UnshieldPaid { call_hash } => StfInput::UnshieldPaid { call_hash },
			Self::Confirmed { up_to } => StfInput::Confirmed { up_to },
		}
	}
}

fn db_err(e: impl Into<redb::Error>) -> Error {
	Error::Storage(e.into().to_string())
}

/// The queue entry at `number`: it must open with the instance's record
/// key in its place and name its own number, else the queue was tampered
/// with.
fn open_queued(records: &RecordKey, number: u32, sealed: &[u8]) -> Result<QueuedBlock, Error> {
	let tampered = |what: &str| Error::QueueTampered { number, what: what.into() };
	let plain =
		records.open(Record::QueuedBlock(number), sealed).map_err(|_| tampered("do not open"))?;
	let block = QueuedBlock::decode(&mut &plain[..]).map_err(|_| tampered("do not decode"))?;
	if block.number != number {
		return Err(tampered("name another block"));
	}
	Ok(block)
}

/// How many queued blocks [`CoreTables::queued_after`] takes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum QueueLimit {
	/// As many as fit in this many inputs (at least one block).
	Inputs(usize),
	/// Up to this parent block number.
	UpTo(u32),
}

/// The core's tables in one shard database.
pub(crate) struct CoreTables {
	db: Arc<redb::Database>,
}

impl CoreTables {
	pub fn new(db: Arc<redb::Database>) -> Result<Self, Error> {
		let txn = db.begin_write().map_err(db_err)?;
		txn.open_table(LIGHT_CLIENT).map_err(db_err)?;
		txn.open_table(INPUT_QUEUE).map_err(db_err)?;
		txn.open_table(BLOCKS).map_err(db_err)?;
		txn.commit().map_err(db_err)?;
		Ok(Self { db })
	}

	/// The sealed light client of `anchor`, if one was stored, with the
	/// shard's secrets it names. Secrets missing where the light client
	/// names them, or other ones, are an error.
	pub fn light_client(
		&self,
		records: &RecordKey,
		anchor: &Anchor,
	) -> Result<Option<(LightClient, Option<SecretsRecord>)>, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(LIGHT_CLIENT).map_err(db_err)?;
		let Some(sealed) = table.get(LIGHT_CLIENT_KEY).map_err(db_err)? else {
			return Ok(None);
		};
		let bytes = records.open(Record::LightClient, sealed.value())?;
		let record = LightClientRecord::decode(&mut &bytes[..])
			.map_err(|_| Error::Sealing("the sealed light client does not decode".into()))?;
		if record.anchor != *anchor || record.finalized != record.light_client.last_finalized() {
			return Err(Error::Sealing(
				"the sealed light client belongs to another anchor or head".into(),
			));
		}
		let secrets =
			match table.get(SHARD_SECRETS_KEY).map_err(db_err)? {
				Some(sealed) => {
					let bytes = records.open(Record::ShardSecrets, sealed.value())?;
					Some(SecretsRecord::decode(&mut &bytes[..]).map_err(|_| {
						Error::Sealing("the sealed shard secrets do not decode".into())
					})?)
				}
				None => None,
			};
		if secrets.as_ref().map(SecretsRecord::key_hash) != record.secrets {
			return Err(Error::Sealing(
				"the shard's secrets are missing or not the ones the light client names: the \
				 shard database was tampered with"
					.into(),
			));
		}
		Ok(Some((record.light_client, secrets)))
	}

	/// Stores the light client, the shard's secrets (or their absence) and
	/// queues `blocks`, in one durable transaction.
	pub fn store_import(
		&self,
		records: &RecordKey,
		anchor: &Anchor,
		light_client: &LightClient,
		blocks: &[QueuedBlock],
		write: ImportWrite<'_>,
	) -> Result<(), Error> {
		// The encoding of a `LightClientRecord`, without cloning the client.
		let secrets_hash = write.secrets.map(SecretsRecord::key_hash);
		let record = (anchor, light_client.last_finalized(), light_client, secrets_hash).encode();
		let sealed_light_client = records.seal(Record::LightClient, &record)?;
		let sealed_secrets =
			write.secrets.map(|s| records.seal(Record::ShardSecrets, &s.encode())).transpose()?;
		let sealed_blocks = blocks
			.iter()
			.map(|b| Ok((b.number, records.seal(Record::QueuedBlock(b.number), &b.encode())?)))
			.collect::<Result<Vec<_>, Error>>()?;
		let txn = self.db.begin_write().map_err(db_err)?;
		{
			let mut table = txn.open_table(LIGHT_CLIENT).map_err(db_err)?;
			table.insert(LIGHT_CLIENT_KEY, sealed_light_client.as_slice()).map_err(db_err)?;
			match &sealed_secrets {
				Some(sealed) => {
					table.insert(SHARD_SECRETS_KEY, sealed.as_slice()).map_err(db_err)?;
				}
				None => {
					table.remove(SHARD_SECRETS_KEY).map_err(db_err)?;
				}
			}
			let mut queue = txn.open_table(INPUT_QUEUE).map_err(db_err)?;
			if write.clear_queue {
				queue.retain(|_, _| false).map_err(db_err)?;
			}
			for (number, sealed) in &sealed_blocks {
				queue.insert(*number, sealed.as_slice()).map_err(db_err)?;
			}
		}
		txn.commit().map_err(db_err)
	}

	/// Queued blocks after the parent block `after` (number, hash), in
	/// order, up to `limit`. A queue entry that is missing before the last
	/// queued one, out of place, does not open, or does not follow its
	/// predecessor by hash is an error: the queue was tampered with.
	pub fn queued_after(
		&self,
		records: &RecordKey,
		after: (u32, H256),
		limit: QueueLimit,
	) -> Result<Vec<QueuedBlock>, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(INPUT_QUEUE).map_err(db_err)?;
		let mut blocks: Vec<QueuedBlock> = Vec::new();
		let mut inputs = 0usize;
		let first = after.0.saturating_add(1);
		let mut expected = first;
		let mut parent = after.1;
		for entry in table.range(first..).map_err(db_err)? {
			let (number, sealed) = entry.map_err(db_err)?;
			if number.value() != expected {
				return Err(Error::QueueTampered {
					number: expected,
					what: "missing while later blocks are queued".into(),
				});
			}
			let block = open_queued(records, expected, sealed.value())?;
			if block.parent_hash != parent {
				return Err(Error::QueueTampered {
					number: expected,
					what: "do not follow the block before by hash".into(),
				});
			}
			match limit {
				QueueLimit::Inputs(max)
					if !blocks.is_empty() && inputs + block.inputs.len() > max =>
				{
					break
				}
				QueueLimit::UpTo(last) if block.number > last => break,
				_ => {}
			}
			inputs += block.inputs.len();
			parent = block.hash;
			blocks.push(block);
			expected = expected.saturating_add(1);
		}
		Ok(blocks)
	}

	/// The last queued block's (number, hash), if the queue holds any.
	pub fn last_queued(&self, records: &RecordKey) -> Result<Option<(u32, H256)>, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(INPUT_QUEUE).map_err(db_err)?;
		let Some((number, sealed)) = table.last().map_err(db_err)? else { return Ok(None) };
		let block = open_queued(records, number.value(), sealed.value())?;
		Ok(Some((block.number, block.hash)))
	}

	/// The number of queued parent blocks.
	pub fn queued_blocks(&self) -> Result<u64, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(INPUT_QUEUE).map_err(db_err)?;
		table.len().map_err(db_err)
	}

	/// The committed block `number`.
	pub fn block(&self, number: u64) -> Result<Option<SignedSidechainBlock>, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(BLOCKS).map_err(db_err)?;
		let Some(bytes) = table.get(number).map_err(db_err)? else { return Ok(None) };
		SignedSidechainBlock::decode(&mut bytes.value()).map(Some).map_err(|_| {
			Error::Storage(format!("stored sidechain block #{number} does not decode"))
		})
	}

	/// The header of the stored block `number`, if one is stored and its
	/// header decodes (the header comes first in a stored block: the body,
	/// with its state diff, is not decoded). Unauthenticated: see
	/// [`crate::chain`].
	pub fn stored_header(&self, number: u64) -> Result<Option<SidechainHeader>, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(BLOCKS).map_err(db_err)?;
		let Some(bytes) = table.get(number).map_err(db_err)? else { return Ok(None) };
		Ok(SidechainHeader::decode(&mut bytes.value()).ok())
	}

	/// The records a committed block adds to the STF's transaction: the
	/// block itself, and the removal of the queued parent blocks up to its
	/// anchor.
	pub fn block_records(
		block: &SignedSidechainBlock,
	) -> impl FnOnce(&redb::WriteTransaction) -> Result<(), integritee_stf::Error> + '_ {
		move |txn| {
			let err = |e: redb::Error| integritee_stf::Error::CallerRecords(e.to_string());
			let mut blocks = txn.open_table(BLOCKS).map_err(|e| err(e.into()))?;
			blocks
				.insert(block.header.number, block.encode().as_slice())
				.map_err(|e| err(e.into()))?;
			let mut queue = txn.open_table(INPUT_QUEUE).map_err(|e| err(e.into()))?;
			let up_to = block.header.parentchain_anchor.0;
			queue.retain_in(..=up_to, |_, _| false).map_err(|e| err(e.into()))?;
			Ok(())
		}
	}
}
